-- The row `/readyz` writes to learn whether the database takes writes (a full disk, read-only
-- files): one row, rewritten.
CREATE TABLE write_probe (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    at_ms INTEGER NOT NULL
);
