-- Mẫu đơn, tờ khai: the official form files an administrator attached to a procedure's named
-- forms (the bytes are kept with the other files, by their hash).
CREATE TABLE procedure_forms (
    code       TEXT NOT NULL,
    name       TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    file_name  TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size       INTEGER NOT NULL,
    at_ms      INTEGER NOT NULL,
    by_whom    TEXT NOT NULL,
    PRIMARY KEY (code, name)
) WITHOUT ROWID;
