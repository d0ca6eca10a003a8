-- The search index is written once per batch of writes, not once per write (issue 22): the
-- batch's dossiers go into the index together, one pass instead of one per dossier. A new or
-- changed dossier is queued here (with the text the index holds, when it holds one) and
-- the writer indexes the queue just before it commits, so a code is searchable once it is given.
DROP TRIGGER dossiers_search_insert;
DROP TRIGGER dossiers_search_update;
CREATE TABLE dossier_search_queue (
    dossier_rowid INTEGER PRIMARY KEY,
    indexed_text  TEXT
);
CREATE TRIGGER dossiers_search_insert AFTER INSERT ON dossiers BEGIN
    INSERT OR IGNORE INTO dossier_search_queue (dossier_rowid, indexed_text) VALUES (new.rowid, NULL);
END;
CREATE TRIGGER dossiers_search_update AFTER UPDATE OF search_text ON dossiers BEGIN
    INSERT OR IGNORE INTO dossier_search_queue (dossier_rowid, indexed_text)
    VALUES (old.rowid, old.search_text);
END;
