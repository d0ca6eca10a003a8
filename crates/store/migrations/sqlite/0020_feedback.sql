-- Phản ánh, kiến nghị: each feedback (its public tracking code, the agency now handling it, what
-- the petitioner wrote, and its state as the events left it) and its events, appended in order.
CREATE TABLE feedback (
    id           BLOB PRIMARY KEY,
    code         TEXT NOT NULL UNIQUE,
    agency       TEXT NOT NULL,
    received_ms  INTEGER NOT NULL,
    published    INTEGER NOT NULL DEFAULT 0,
    petition     TEXT NOT NULL,
    state        TEXT NOT NULL,
    version      INTEGER NOT NULL,
    search_text  TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX feedback_agency ON feedback (agency, received_ms);
CREATE INDEX feedback_published ON feedback (published, received_ms);

CREATE TABLE feedback_events (
    feedback  BLOB NOT NULL,
    seq       INTEGER NOT NULL,
    at_ms     INTEGER NOT NULL,
    actor     TEXT NOT NULL,
    event     TEXT NOT NULL,
    PRIMARY KEY (feedback, seq)
) WITHOUT ROWID;
