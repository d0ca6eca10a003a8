-- Which version of a procedure is in force on a day, found from an index alone (issue 22).
-- Without it the question sorted every version of the code and, the table being WITHOUT ROWID
-- with the whole JSON body in each key, read the bodies' overflow pages while seeking.
CREATE INDEX procedure_versions_in_force ON procedure_versions (code, effective_from, version);
