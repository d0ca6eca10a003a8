-- Tìm kiếm — full-text search over text folded in Rust (vntext::fold: lower case, no tone or
-- vowel marks, đ → d), so "dang ky khai sinh" and "Đăng ký khai sinh" index and query alike.
-- The tables are filled by the application (procedures) or by triggers from a column the
-- application writes (dossiers); `Db::migrate` backfills rows that existed before this migration.

-- One row per procedure version; `name` is weighted above `body` (sector, description,
-- components, result) when ranking.
CREATE VIRTUAL TABLE procedure_search USING fts5(
    code UNINDEXED,
    version UNINDEXED,
    name,
    body,
    tokenize = 'unicode61',
    prefix = '1 2 3'
);
-- ORDER BY rank: BM25 with the name weighted ten times the rest (code and version not scored).
INSERT INTO procedure_search (procedure_search, rank) VALUES ('rank', 'bm25(0.0, 0.0, 10.0, 1.0)');

-- Dossiers: code, applicant's name and id number, procedure name — folded, written once when the
-- dossier opens (they never change afterwards; a correction is a new dossier).
ALTER TABLE dossiers ADD COLUMN search_text TEXT NOT NULL DEFAULT '';

CREATE VIRTUAL TABLE dossier_search USING fts5(
    search_text,
    content = 'dossiers',
    content_rowid = 'rowid',
    tokenize = 'unicode61',
    prefix = '1 2 3 4'
);

CREATE TRIGGER dossiers_search_insert AFTER INSERT ON dossiers BEGIN
    INSERT INTO dossier_search (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
CREATE TRIGGER dossiers_search_delete AFTER DELETE ON dossiers BEGIN
    INSERT INTO dossier_search (dossier_search, rowid, search_text)
    VALUES ('delete', old.rowid, old.search_text);
END;
CREATE TRIGGER dossiers_search_update AFTER UPDATE OF search_text ON dossiers BEGIN
    INSERT INTO dossier_search (dossier_search, rowid, search_text)
    VALUES ('delete', old.rowid, old.search_text);
    INSERT INTO dossier_search (rowid, search_text) VALUES (new.rowid, new.search_text);
END;

-- Exact lookups by the applicant's id number (CCCD, tax code).
CREATE INDEX dossiers_applicant_id ON dossiers (applicant_id);
