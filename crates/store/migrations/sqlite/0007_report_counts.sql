-- Bộ đếm báo cáo: the sum of the facts of every dossier (domain::dossier::Fact), kept in the
-- transaction of each change, so a report over any period reads units × days rows, never the
-- dossiers. `motcua report rebuild` recomputes it from the events.
CREATE TABLE report_counts (
    agency    TEXT NOT NULL,
    procedure TEXT NOT NULL,
    day       TEXT NOT NULL,    -- YYYY-MM-DD, Vietnamese calendar day
    channel   INTEGER NOT NULL, -- 1 in person, 2 online, 3 postal
    measure   TEXT NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (agency, day, measure, procedure, channel)
) WITHOUT ROWID;
CREATE INDEX report_counts_day ON report_counts (day, measure);
