-- Mã dự phòng — an officer's one-time recovery codes, which stand in for the authenticator
-- app when the phone is lost: the SHA-256 of each code not used yet (the codes themselves are
-- shown once, when made). A code used is deleted; the administration log says when.
CREATE TABLE recovery_codes (
    officer   BLOB NOT NULL REFERENCES officers(id),
    code_hash TEXT NOT NULL,
    PRIMARY KEY (officer, code_hash)
) WITHOUT ROWID;
