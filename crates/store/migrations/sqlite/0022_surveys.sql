-- Khảo sát sự hài lòng: each round (its period, the agencies it covers, its sampling frame by
-- stratum), the people invited (one link each, the contact only the survey officer sees, how the
-- link was sent) and the answers (by link or at a counter tablet), appended.
CREATE TABLE surveys (
    id          BLOB PRIMARY KEY,
    name        TEXT NOT NULL,
    from_day    TEXT NOT NULL,
    to_day      TEXT NOT NULL,
    created_ms  INTEGER NOT NULL,
    created_by  TEXT NOT NULL,
    frame       INTEGER NOT NULL,
    strata      TEXT NOT NULL,
    agencies    TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE survey_invites (
    token        TEXT PRIMARY KEY,
    survey       BLOB NOT NULL,
    dossier      BLOB NOT NULL,
    code         TEXT NOT NULL,
    sector       TEXT NOT NULL,
    agency       TEXT NOT NULL,
    channel      INTEGER NOT NULL,
    contact      TEXT,
    sent         TEXT,
    answered_ms  INTEGER
) WITHOUT ROWID;
CREATE INDEX survey_invites_survey ON survey_invites (survey);

CREATE TABLE survey_answers (
    survey   BLOB NOT NULL,
    seq      INTEGER NOT NULL,
    via      TEXT NOT NULL,
    sector   TEXT NOT NULL,
    agency   TEXT NOT NULL,
    channel  INTEGER NOT NULL,
    answer   TEXT NOT NULL,
    at_ms    INTEGER NOT NULL,
    PRIMARY KEY (survey, seq)
) WITHOUT ROWID;
