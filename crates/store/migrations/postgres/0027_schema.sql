-- Một Cửa on PostgreSQL: the schema as SQLite's migrations 0001–0027 leave it, in one file.
-- PostgreSQL joined at version 27, so it starts here; from 0028 on every change comes as a
-- pair, migrations/sqlite/NNNN_x.sql and migrations/postgres/NNNN_x.sql (a test holds them
-- in step, and another compares the tables and columns both schemas end with).
--
-- One database holds one province: a nation-wide deployment is one database per province
-- (see docs/SCALING.md), so no table carries the province; `motcua_province` names it.
--
-- Types: identifiers stored as BLOB in SQLite are `uuid`; instants are milliseconds since
-- the epoch (`bigint`), days `YYYY-MM-DD` text, as in SQLite; JSON bodies are `text`, kept
-- byte for byte (the event log's hashes are over those bytes).

CREATE TABLE motcua_province (
    only_one  boolean PRIMARY KEY DEFAULT true CHECK (only_one),
    code      text NOT NULL,
    name      text NOT NULL
);

CREATE TABLE admin_units (
    regime      text NOT NULL,
    code        text NOT NULL,
    name        text NOT NULL,
    level       text NOT NULL,
    kind        text NOT NULL,
    parent_code text,
    PRIMARY KEY (regime, code)
);

CREATE TABLE unit_successions (
    old_code    text NOT NULL,
    new_code    text NOT NULL,
    effective   text NOT NULL,
    legal_basis text NOT NULL,
    PRIMARY KEY (old_code, new_code)
);

CREATE TABLE agencies (
    id     text PRIMARY KEY,
    code   text NOT NULL,
    parent text REFERENCES agencies (id),
    kind   text NOT NULL,
    name   text NOT NULL,
    body   text NOT NULL
);

CREATE TABLE procedures (
    code   text PRIMARY KEY,
    name   text NOT NULL,
    sector text NOT NULL,
    level  text NOT NULL
);

CREATE TABLE procedure_versions (
    code           text NOT NULL REFERENCES procedures (code),
    version        bigint NOT NULL,
    effective_from text NOT NULL,
    body           text NOT NULL,
    PRIMARY KEY (code, version)
);
CREATE INDEX procedure_versions_in_force ON procedure_versions (code, effective_from, version);

CREATE TABLE procedure_agencies (
    code   text NOT NULL REFERENCES procedures (code),
    agency text NOT NULL REFERENCES agencies (id),
    PRIMARY KEY (code, agency)
);

-- Full-text search. The text is folded in Rust (vntext: no diacritics, "đ" as "d", lower
-- case) exactly as for SQLite's FTS5; here it is cut into words at every character that is not
-- a letter or digit, as FTS5's unicode61 tokenizer cuts it (PostgreSQL's own parser would keep
-- "000.00.12.h12" or "a-b" as one token), and indexed as a 'simple' tsvector.
CREATE FUNCTION motcua_words(text) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN to_tsvector('simple', regexp_replace($1, '[^[:alnum:]]+', ' ', 'g'));

-- SQLite's FTS5 table `procedure_search`: the folded name and body of each version.
CREATE TABLE procedure_search (
    code    text NOT NULL,
    version bigint NOT NULL,
    name    text NOT NULL,
    body    text NOT NULL,
    words   tsvector GENERATED ALWAYS AS
            (setweight(motcua_words(name), 'A') || setweight(motcua_words(body), 'B')) STORED,
    PRIMARY KEY (code, version)
);
CREATE INDEX procedure_search_words ON procedure_search USING gin (words);

CREATE TABLE procedure_forms (
    code       text NOT NULL,
    name       text NOT NULL,
    sha256     text NOT NULL,
    file_name  text NOT NULL,
    media_type text NOT NULL,
    size       bigint NOT NULL,
    at_ms      bigint NOT NULL,
    by_whom    text NOT NULL,
    PRIMARY KEY (code, name)
);

CREATE TABLE officers (
    id            uuid PRIMARY KEY,
    username      text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    active        bigint NOT NULL,
    body          text NOT NULL,
    email         text
);

CREATE TABLE officer_roles (
    officer uuid NOT NULL REFERENCES officers (id),
    role    text NOT NULL,
    agency  text NOT NULL REFERENCES agencies (id),
    PRIMARY KEY (officer, role, agency)
);
CREATE INDEX officer_roles_agency ON officer_roles (agency, role);

CREATE TABLE sessions (
    token_hash text PRIMARY KEY,
    officer    uuid NOT NULL REFERENCES officers (id),
    created_ms bigint NOT NULL,
    expires_ms bigint NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_ms);

-- The event log: append-only, each event hashed with the one before.
CREATE TABLE dossier_events (
    dossier_id  uuid NOT NULL,
    version     bigint NOT NULL,
    kind        text NOT NULL,
    at_ms       bigint NOT NULL,
    recorded_ms bigint NOT NULL,
    actor       text NOT NULL,
    payload     text NOT NULL,
    prev_hash   text NOT NULL,
    hash        text NOT NULL,
    PRIMARY KEY (dossier_id, version)
);
CREATE INDEX dossier_events_money ON dossier_events (at_ms)
    WHERE kind IN ('fee_paid', 'fee_refunded', 'fee_waived', 'receipt_issued', 'receipt_cancelled');

CREATE FUNCTION motcua_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER dossier_events_append_only BEFORE UPDATE OR DELETE ON dossier_events
    FOR EACH ROW EXECUTE FUNCTION motcua_append_only();
CREATE TRIGGER dossier_events_no_truncate BEFORE TRUNCATE ON dossier_events
    FOR EACH STATEMENT EXECUTE FUNCTION motcua_append_only();

CREATE TABLE dossiers (
    id               uuid PRIMARY KEY,
    code             text NOT NULL UNIQUE,
    version          bigint NOT NULL,
    procedure_code   text NOT NULL,
    procedure_name   text NOT NULL,
    channel          bigint NOT NULL,
    stage            text NOT NULL,
    national_status  bigint NOT NULL,
    receiving        text NOT NULL,
    competent        text NOT NULL,
    current_unit     text,
    assignee         text,
    applicant_name   text NOT NULL,
    applicant_id     text NOT NULL,
    opened_ms        bigint NOT NULL,
    received_ms      bigint,
    due_ms           bigint,
    appointment_ms   bigint,
    finished_ms      bigint,
    returned_ms      bigint,
    search_text      text NOT NULL DEFAULT '',
    provisional_code text,
    due_sort         bigint NOT NULL DEFAULT 0,
    -- SQLite's FTS5 `dossier_search` over search_text (folded in Rust).
    search_words     tsvector GENERATED ALWAYS AS (motcua_words(search_text)) STORED
);
CREATE INDEX dossiers_search_words ON dossiers USING gin (search_words);
CREATE INDEX dossiers_applicant_id ON dossiers (applicant_id);
CREATE UNIQUE INDEX dossiers_provisional_code ON dossiers (provisional_code)
    WHERE provisional_code IS NOT NULL;
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

CREATE TABLE dossier_states (
    id    uuid PRIMARY KEY REFERENCES dossiers (id),
    state text NOT NULL
);

CREATE TABLE dossier_scope (
    branch   text NOT NULL,
    dossier  uuid NOT NULL REFERENCES dossiers (id),
    due_sort bigint NOT NULL,
    PRIMARY KEY (branch, dossier)
);
CREATE INDEX dossier_scope_work ON dossier_scope (branch, due_sort, dossier);
CREATE INDEX dossier_scope_dossier ON dossier_scope (dossier);

CREATE TABLE dossier_readers (
    dossier uuid NOT NULL REFERENCES dossiers (id),
    agency  text NOT NULL,
    PRIMARY KEY (dossier, agency)
);

-- Daily code sequences: one row per agency and day, taken with a row lock, so numbers stay
-- gap-free and unique however many servers write.
CREATE TABLE dossier_code_seq (
    agency text NOT NULL,
    day    text NOT NULL,
    last   bigint NOT NULL,
    PRIMARY KEY (agency, day)
);

CREATE TABLE guidance_log (
    id      uuid PRIMARY KEY,
    agency  text NOT NULL REFERENCES agencies (id),
    at_ms   bigint NOT NULL,
    officer uuid,
    body    text NOT NULL
);
CREATE INDEX guidance_log_agency ON guidance_log (agency, at_ms);
CREATE TRIGGER guidance_log_append_only BEFORE UPDATE ON guidance_log
    FOR EACH ROW EXECUTE FUNCTION motcua_append_only();

CREATE TABLE attachments (
    sha256     text PRIMARY KEY,
    media_type text NOT NULL,
    size       bigint NOT NULL,
    content    bytea NOT NULL,
    created_ms bigint NOT NULL
);

CREATE TABLE attachment_uploads (
    sha256     text NOT NULL REFERENCES attachments (sha256),
    owner      text NOT NULL,
    created_ms bigint NOT NULL,
    PRIMARY KEY (sha256, owner)
);

CREATE TABLE download_links (
    token_hash text PRIMARY KEY,
    dossier_id text NOT NULL,
    sha256     text NOT NULL,
    created_by text NOT NULL,
    created_ms bigint NOT NULL,
    expires_ms bigint NOT NULL,
    used_ms    bigint
);
CREATE INDEX download_links_dossier ON download_links (dossier_id);

CREATE TABLE citizens (
    id_number     text PRIMARY KEY,
    name          text NOT NULL,
    phone         text,
    email         text,
    password_hash text NOT NULL,
    created_ms    bigint NOT NULL
);

CREATE TABLE citizen_sessions (
    token_hash text PRIMARY KEY,
    citizen    text NOT NULL REFERENCES citizens (id_number),
    created_ms bigint NOT NULL,
    expires_ms bigint NOT NULL,
    identity   text
);
CREATE INDEX citizen_sessions_expires ON citizen_sessions (expires_ms);

CREATE TABLE citizen_dossiers (
    citizen   text NOT NULL REFERENCES citizens (id_number),
    dossier   uuid NOT NULL REFERENCES dossiers (id),
    how       text NOT NULL,
    linked_ms bigint NOT NULL,
    PRIMARY KEY (citizen, dossier)
);

CREATE TABLE citizen_registrations (
    id_number     text PRIMARY KEY,
    name          text NOT NULL,
    phone         text,
    email         text,
    password_hash text NOT NULL,
    code_hash     text NOT NULL,
    channel       text NOT NULL,
    created_ms    bigint NOT NULL,
    expires_ms    bigint NOT NULL,
    attempts      bigint NOT NULL DEFAULT 0
);

CREATE TABLE sign_in_states (
    state_hash text PRIMARY KEY,
    nonce      text NOT NULL,
    verifier   text NOT NULL,
    created_ms bigint NOT NULL
);

CREATE TABLE population_lookups (
    reference      text PRIMARY KEY,
    id_number      text NOT NULL,
    officer        text NOT NULL,
    at_ms          bigint NOT NULL,
    name_digest    text NOT NULL,
    address_digest text NOT NULL
);

CREATE TABLE ratings (
    dossier   uuid PRIMARY KEY REFERENCES dossiers (id),
    receiving text NOT NULL,
    rated_ms  bigint NOT NULL,
    satisfied bigint NOT NULL,
    answers   text NOT NULL,
    comment   text NOT NULL
);
CREATE INDEX ratings_receiving ON ratings (receiving, rated_ms);

CREATE TABLE closures (
    id       uuid PRIMARY KEY,
    agency   text NOT NULL REFERENCES agencies (id),
    from_day text NOT NULL,
    to_day   text NOT NULL,
    reason   text NOT NULL,
    basis    text NOT NULL,
    active   bigint NOT NULL
);

CREATE TABLE admin_log (
    seq    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at_ms  bigint NOT NULL,
    actor  text NOT NULL,
    action text NOT NULL,
    detail text NOT NULL
);
CREATE TRIGGER admin_log_append_only BEFORE UPDATE OR DELETE ON admin_log
    FOR EACH ROW EXECUTE FUNCTION motcua_append_only();
CREATE TRIGGER admin_log_no_truncate BEFORE TRUNCATE ON admin_log
    FOR EACH STATEMENT EXECUTE FUNCTION motcua_append_only();

CREATE TABLE login_failures (
    account         text PRIMARY KEY,
    failures        bigint NOT NULL,
    last_ms         bigint NOT NULL,
    locked_until_ms bigint
);

CREATE TABLE idempotency_keys (
    scope        text NOT NULL,
    key          text NOT NULL,
    request_hash text NOT NULL,
    dossier      uuid,
    result       text,
    created_ms   bigint NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_ms);

CREATE TABLE server_keys (
    name       text PRIMARY KEY,
    secret     bytea NOT NULL,
    created_ms bigint NOT NULL
);

CREATE TABLE report_counts (
    agency    text NOT NULL,
    procedure text NOT NULL,
    day       text NOT NULL,
    channel   bigint NOT NULL,
    measure   text NOT NULL,
    n         bigint NOT NULL,
    PRIMARY KEY (agency, day, measure, procedure, channel)
);
CREATE INDEX report_counts_day ON report_counts (day, measure);

CREATE TABLE report_months (
    month     text NOT NULL,
    measure   text NOT NULL,
    agency    text NOT NULL,
    procedure text NOT NULL,
    channel   bigint NOT NULL,
    n         bigint NOT NULL,
    PRIMARY KEY (month, measure, agency, procedure, channel)
);

CREATE TABLE report_totals (
    period  text NOT NULL,
    measure text NOT NULL,
    agency  text NOT NULL,
    channel bigint NOT NULL,
    n       bigint NOT NULL,
    PRIMARY KEY (period, measure, agency, channel)
);

-- Messages for the outside world; a worker claims due rows with FOR UPDATE SKIP LOCKED.
CREATE TABLE outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text NOT NULL,
    channel         text NOT NULL,
    recipient       text NOT NULL,
    subject         text NOT NULL,
    body            text NOT NULL,
    idempotency_key text NOT NULL UNIQUE,
    dossier_id      uuid,
    attempts        bigint NOT NULL DEFAULT 0,
    next_attempt_ms bigint NOT NULL,
    last_error      text,
    state           text NOT NULL DEFAULT 'pending',
    created_ms      bigint NOT NULL,
    sent_ms         bigint
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_ms);
CREATE INDEX outbox_national_open ON outbox (dossier_id, id)
    WHERE channel = 'national' AND state <> 'sent';

CREATE TABLE national_sync (
    dossier_id  uuid PRIMARY KEY,
    code        text NOT NULL,
    receiving   text NOT NULL,
    agency      text NOT NULL,
    procedure   text NOT NULL,
    received_ms bigint,
    version     bigint NOT NULL,
    status      bigint NOT NULL,
    first_ms    bigint NOT NULL,
    last_ms     bigint NOT NULL
);
CREATE INDEX national_sync_received ON national_sync (received_ms);

CREATE TABLE payment_attempts (
    txn_ref    text PRIMARY KEY,
    dossier_id text NOT NULL,
    amount     bigint NOT NULL,
    created_ms bigint NOT NULL,
    expires_ms bigint NOT NULL,
    state      text NOT NULL,
    detail     text NOT NULL,
    updated_ms bigint NOT NULL
);
CREATE INDEX payment_attempts_open ON payment_attempts (state, created_ms);
CREATE INDEX payment_attempts_dossier ON payment_attempts (dossier_id);

CREATE TABLE feedback (
    id          uuid PRIMARY KEY,
    code        text NOT NULL UNIQUE,
    agency      text NOT NULL,
    received_ms bigint NOT NULL,
    published   bigint NOT NULL DEFAULT 0,
    petition    text NOT NULL,
    state       text NOT NULL,
    version     bigint NOT NULL,
    search_text text NOT NULL,
    petitioner  text,
    national_id text
);
CREATE INDEX feedback_agency ON feedback (agency, received_ms);
CREATE INDEX feedback_published ON feedback (published, received_ms);
CREATE INDEX feedback_petitioner ON feedback (petitioner, received_ms) WHERE petitioner IS NOT NULL;
CREATE UNIQUE INDEX feedback_national ON feedback (national_id) WHERE national_id IS NOT NULL;

CREATE TABLE feedback_events (
    feedback uuid NOT NULL,
    seq      bigint NOT NULL,
    at_ms    bigint NOT NULL,
    actor    text NOT NULL,
    event    text NOT NULL,
    PRIMARY KEY (feedback, seq)
);

CREATE TABLE feedback_pending (
    token      text PRIMARY KEY,
    petition   text NOT NULL,
    agency     text,
    code_hash  text NOT NULL,
    created_ms bigint NOT NULL,
    expires_ms bigint NOT NULL,
    attempts   bigint NOT NULL DEFAULT 0
);

CREATE TABLE surveys (
    id         uuid PRIMARY KEY,
    name       text NOT NULL,
    from_day   text NOT NULL,
    to_day     text NOT NULL,
    created_ms bigint NOT NULL,
    created_by text NOT NULL,
    frame      bigint NOT NULL,
    strata     text NOT NULL,
    agencies   text NOT NULL
);

CREATE TABLE survey_invites (
    token       text PRIMARY KEY,
    survey      uuid NOT NULL,
    dossier     uuid NOT NULL,
    code        text NOT NULL,
    sector      text NOT NULL,
    agency      text NOT NULL,
    channel     bigint NOT NULL,
    contact     text,
    sent        text,
    answered_ms bigint
);
CREATE INDEX survey_invites_survey ON survey_invites (survey);

CREATE TABLE survey_answers (
    survey  uuid NOT NULL,
    seq     bigint NOT NULL,
    via     text NOT NULL,
    sector  text NOT NULL,
    agency  text NOT NULL,
    channel bigint NOT NULL,
    answer  text NOT NULL,
    at_ms   bigint NOT NULL,
    PRIMARY KEY (survey, seq)
);

CREATE TABLE queue_areas (
    centre text PRIMARY KEY,
    areas  text NOT NULL
);

CREATE TABLE tickets (
    id      uuid PRIMARY KEY,
    centre  text NOT NULL,
    day     text NOT NULL,
    number  bigint NOT NULL,
    version bigint NOT NULL,
    body    text NOT NULL,
    state   text NOT NULL DEFAULT 'waiting',
    UNIQUE (centre, day, number)
);
CREATE INDEX tickets_open ON tickets (centre, day, state);

CREATE TABLE ticket_events (
    ticket  uuid NOT NULL,
    seq     bigint NOT NULL,
    at_ms   bigint NOT NULL,
    by_whom text NOT NULL,
    change  text NOT NULL,
    PRIMARY KEY (ticket, seq)
);

CREATE TABLE queue_counters (
    centre text NOT NULL,
    number bigint NOT NULL,
    body   text NOT NULL,
    PRIMARY KEY (centre, number)
);

CREATE TABLE bookings (
    id         uuid PRIMARY KEY,
    code       text NOT NULL UNIQUE,
    centre     text NOT NULL,
    area       text NOT NULL,
    slot_start bigint NOT NULL,
    citizen    text NOT NULL,
    state      text NOT NULL,
    reminded   bigint NOT NULL,
    version    bigint NOT NULL,
    body       text NOT NULL
);
CREATE INDEX bookings_slot ON bookings (centre, slot_start);
CREATE INDEX bookings_citizen ON bookings (citizen);

CREATE TABLE booking_rules (
    centre text PRIMARY KEY,
    rules  text NOT NULL
);

-- Work that runs once in a cluster (the digest scheduler, the outbox worker): whoever holds
-- the lease, until it lapses.
CREATE TABLE leases (
    name     text PRIMARY KEY,
    holder   text NOT NULL,
    until_ms bigint NOT NULL
);
