-- Đường dẫn tải một lần: a link to a dossier's electronic result, sent to the applicant (or to
-- whoever they name), that downloads it once and expires. Only the SHA-256 of the link's secret
-- is kept: a copy of the database does not give working links.
CREATE TABLE download_links (
    token_hash TEXT PRIMARY KEY,
    dossier_id TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    used_ms    INTEGER
);
CREATE INDEX download_links_dossier ON download_links (dossier_id);
