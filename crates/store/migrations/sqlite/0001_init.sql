-- Một Cửa schema (SQLite). Times used in queries are integer milliseconds since the Unix epoch
-- (UTC), identical on every backend; JSON documents hold the full values.

-- Administrative units of both regimes ('three-level' until 30/6/2025, 'two-level' from 1/7/2025).
CREATE TABLE admin_units (
    regime      TEXT NOT NULL,
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    level       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    parent_code TEXT,
    PRIMARY KEY (regime, code)
) WITHOUT ROWID;

CREATE TABLE unit_successions (
    old_code    TEXT NOT NULL,
    new_code    TEXT NOT NULL,
    effective   TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    PRIMARY KEY (old_code, new_code)
) WITHOUT ROWID;

CREATE TABLE agencies (
    id     TEXT PRIMARY KEY,
    code   TEXT NOT NULL,
    parent TEXT REFERENCES agencies(id),
    kind   TEXT NOT NULL,
    name   TEXT NOT NULL,
    body   TEXT NOT NULL        -- JSON of domain::agency::Agency
) WITHOUT ROWID;

CREATE TABLE procedures (
    code     TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    sector   TEXT NOT NULL,
    level    TEXT NOT NULL
) WITHOUT ROWID;

-- Procedure versions are immutable once a dossier may have pinned them.
CREATE TABLE procedure_versions (
    code           TEXT NOT NULL REFERENCES procedures(code),
    version        INTEGER NOT NULL,
    effective_from TEXT NOT NULL,     -- YYYY-MM-DD
    body           TEXT NOT NULL,     -- JSON of domain::procedure::ProcedureVersion
    PRIMARY KEY (code, version)
) WITHOUT ROWID;

-- Which agencies receive a procedure (service centres) and which decide it.
CREATE TABLE procedure_agencies (
    code   TEXT NOT NULL REFERENCES procedures(code),
    agency TEXT NOT NULL REFERENCES agencies(id),
    PRIMARY KEY (code, agency)
) WITHOUT ROWID;

CREATE TABLE officers (
    id            BLOB PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    active        INTEGER NOT NULL,
    body          TEXT NOT NULL       -- JSON of domain::officer::Officer
);

CREATE TABLE officer_roles (
    officer BLOB NOT NULL REFERENCES officers(id),
    role    TEXT NOT NULL,
    agency  TEXT NOT NULL REFERENCES agencies(id),
    PRIMARY KEY (officer, role, agency)
) WITHOUT ROWID;
CREATE INDEX officer_roles_agency ON officer_roles (agency, role);

-- Sessions keep only a SHA-256 of the token.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    officer    BLOB NOT NULL REFERENCES officers(id),
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL
) WITHOUT ROWID;

-- The dossier event log: append-only, one row per event, hash-chained per dossier.
CREATE TABLE dossier_events (
    dossier_id  BLOB NOT NULL,
    version     INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    at_ms       INTEGER NOT NULL,
    recorded_ms INTEGER NOT NULL,
    actor       TEXT NOT NULL,       -- JSON of domain::officer::ActorRef
    payload     TEXT NOT NULL,       -- JSON of domain::dossier::Event
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    PRIMARY KEY (dossier_id, version)
) WITHOUT ROWID;

CREATE TRIGGER dossier_events_no_update BEFORE UPDATE ON dossier_events
BEGIN SELECT RAISE(ABORT, 'dossier_events is append-only'); END;
CREATE TRIGGER dossier_events_no_delete BEFORE DELETE ON dossier_events
BEGIN SELECT RAISE(ABORT, 'dossier_events is append-only'); END;

-- Projection: one row per dossier, rebuilt from the events in the same transaction.
CREATE TABLE dossiers (
    id               BLOB PRIMARY KEY,
    code             TEXT NOT NULL UNIQUE,
    version          INTEGER NOT NULL,
    procedure_code   TEXT NOT NULL,
    procedure_name   TEXT NOT NULL,
    channel          INTEGER NOT NULL,
    stage            TEXT NOT NULL,
    national_status  INTEGER NOT NULL,
    receiving        TEXT NOT NULL,
    competent        TEXT NOT NULL,
    current_unit     TEXT,
    assignee         TEXT,
    applicant_name   TEXT NOT NULL,
    applicant_id     TEXT NOT NULL,
    opened_ms        INTEGER NOT NULL,
    received_ms      INTEGER,
    due_ms           INTEGER,
    appointment_ms   INTEGER,
    finished_ms      INTEGER,
    returned_ms      INTEGER,
    state            TEXT NOT NULL     -- JSON of domain::dossier::Dossier
);
CREATE INDEX dossiers_receiving ON dossiers (receiving, national_status, due_ms);
CREATE INDEX dossiers_competent ON dossiers (competent, national_status, due_ms);
CREATE INDEX dossiers_unit ON dossiers (current_unit, due_ms);
CREATE INDEX dossiers_assignee ON dossiers (assignee, due_ms);
CREATE INDEX dossiers_status_due ON dossiers (national_status, due_ms);
CREATE INDEX dossiers_received ON dossiers (received_ms);

-- Daily sequence of dossier codes per receiving agency (TT 01/2018 Art. 19).
CREATE TABLE dossier_code_seq (
    agency TEXT NOT NULL,
    day    TEXT NOT NULL,
    last   INTEGER NOT NULL,
    PRIMARY KEY (agency, day)
) WITHOUT ROWID;

-- Hướng dẫn: guidance given (at the counter, by phone, online), including supplement slips for
-- dossiers not received. Append-only.
CREATE TABLE guidance_log (
    id        BLOB PRIMARY KEY,
    agency    TEXT NOT NULL REFERENCES agencies(id),
    at_ms     INTEGER NOT NULL,
    officer   BLOB,
    body      TEXT NOT NULL
);
CREATE INDEX guidance_log_agency ON guidance_log (agency, at_ms);
CREATE TRIGGER guidance_log_no_update BEFORE UPDATE ON guidance_log
BEGIN SELECT RAISE(ABORT, 'guidance_log is append-only'); END;
