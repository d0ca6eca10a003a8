-- The row `/readyz` writes to learn whether the database takes writes (a full disk, a read-only
-- server): one row, rewritten.
CREATE TABLE write_probe (
    id    integer PRIMARY KEY CHECK (id = 1),
    at_ms bigint NOT NULL
);
