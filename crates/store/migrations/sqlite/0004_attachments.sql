-- Scanned components (PDF, JPEG, PNG), addressed by the SHA-256 of their content: a file sent
-- twice is kept once, and a dossier's event names the file by its hash.
CREATE TABLE attachments (
    sha256     TEXT PRIMARY KEY,
    media_type TEXT NOT NULL,
    size       INTEGER NOT NULL,
    content    BLOB NOT NULL,
    created_ms INTEGER NOT NULL
);
