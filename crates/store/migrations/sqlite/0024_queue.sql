-- Hàng đợi: the service areas each centre defines, the tickets of each day with every change
-- made to them (appended), and the counters open now.
CREATE TABLE queue_areas (
    centre  TEXT PRIMARY KEY,
    areas   TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE tickets (
    id       BLOB PRIMARY KEY,
    centre   TEXT NOT NULL,
    day      TEXT NOT NULL,
    number   INTEGER NOT NULL,
    version  INTEGER NOT NULL,
    body     TEXT NOT NULL,
    UNIQUE (centre, day, number)
) WITHOUT ROWID;

CREATE TABLE ticket_events (
    ticket  BLOB NOT NULL,
    seq     INTEGER NOT NULL,
    at_ms   INTEGER NOT NULL,
    by_whom TEXT NOT NULL,
    change  TEXT NOT NULL,
    PRIMARY KEY (ticket, seq)
) WITHOUT ROWID;

CREATE TABLE queue_counters (
    centre  TEXT NOT NULL,
    number  INTEGER NOT NULL,
    body    TEXT NOT NULL,
    PRIMARY KEY (centre, number)
) WITHOUT ROWID;
