-- The full state of each dossier (JSON, a few kilobytes) moves out of the projection row into a
-- table of its own, so that lists, inboxes and searches read narrow rows (a few hundred bytes,
-- a dozen to a page) instead of paging through every dossier's state.
CREATE TABLE dossier_states (
    id    BLOB PRIMARY KEY REFERENCES dossiers (id),
    state TEXT NOT NULL     -- JSON of domain::dossier::Dossier
);
INSERT INTO dossier_states (id, state) SELECT id, state FROM dossiers;
ALTER TABLE dossiers DROP COLUMN state;
