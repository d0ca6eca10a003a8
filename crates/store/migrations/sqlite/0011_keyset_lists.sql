-- Lists that cost their page, whatever the number of dossiers (issue 22).
--
-- `due_sort` is the work order in one key (store::due_sort): dossiers being handled by their due
-- instant, then those waiting without one, then the ended ones. Each list the pages and the API
-- offer has an index that ends with its sort key and the id, so a page is a range seek after the
-- last row of the previous one (keyset pagination).
ALTER TABLE dossiers ADD COLUMN due_sort INTEGER NOT NULL DEFAULT 0;

DROP INDEX dossiers_receiving;
DROP INDEX dossiers_competent;
DROP INDEX dossiers_unit;
DROP INDEX dossiers_assignee;
DROP INDEX dossiers_status_due;
DROP INDEX dossiers_received;

CREATE INDEX dossiers_work ON dossiers (due_sort, id);
CREATE INDEX dossiers_status_work ON dossiers (national_status, due_sort, id);
CREATE INDEX dossiers_receiving_work ON dossiers (receiving, due_sort, id);
CREATE INDEX dossiers_receiving_status_work ON dossiers (receiving, national_status, due_sort, id);
CREATE INDEX dossiers_competent_work ON dossiers (competent, due_sort, id);
CREATE INDEX dossiers_unit_work ON dossiers (current_unit, due_sort, id);
CREATE INDEX dossiers_assignee_work ON dossiers (assignee, due_sort, id);
CREATE INDEX dossiers_procedure_work ON dossiers (procedure_code, due_sort, id);
CREATE INDEX dossiers_received ON dossiers (receiving, received_ms, id);
CREATE INDEX dossiers_finished ON dossiers (finished_ms);

-- Nhánh: the branches (agencies just under the top of the tree) each dossier is found under by
-- an officer's lists: those of its receiving centre, competent agency and every unit it has been
-- at or consulted. A commune officer's list reads its branch's rows in work order, or newest
-- first, and never the rest of the province's.
CREATE TABLE dossier_scope (
    branch   TEXT NOT NULL,
    dossier  BLOB NOT NULL REFERENCES dossiers (id),
    due_sort INTEGER NOT NULL,
    PRIMARY KEY (branch, dossier)
) WITHOUT ROWID;
CREATE INDEX dossier_scope_work ON dossier_scope (branch, due_sort, dossier);
CREATE INDEX dossier_scope_dossier ON dossier_scope (dossier);

-- Who may read each dossier (domain::policy::read_agencies): a list walking a branch shows a
-- row to a reader holding one of these agencies.
CREATE TABLE dossier_readers (
    dossier BLOB NOT NULL REFERENCES dossiers (id),
    agency  TEXT NOT NULL,
    PRIMARY KEY (dossier, agency)
) WITHOUT ROWID;
