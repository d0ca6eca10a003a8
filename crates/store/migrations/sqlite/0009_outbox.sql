-- Hộp thư đi (outbox): every message that leaves the system (e-mail, SMS, a webhook to a unit's
-- chat group) is a row written in the transaction of the change it tells about, then delivered
-- by a worker at least once. The idempotency key makes a second enqueue of the same message (a
-- retried request, a restarted scheduler) a no-op; receivers get it too, to drop duplicates.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    kind             TEXT NOT NULL,              -- status-change | digest
    channel          TEXT NOT NULL,              -- email | sms | webhook
    recipient        TEXT NOT NULL,              -- address, phone number, or agency id (webhook)
    subject          TEXT NOT NULL,
    body             TEXT NOT NULL,              -- text (email, SMS) or JSON (webhook)
    idempotency_key  TEXT NOT NULL UNIQUE,
    dossier_id       BLOB,                       -- the dossier a status change is about
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms  INTEGER NOT NULL,           -- also the lease of a claimed row
    last_error       TEXT,
    state            TEXT NOT NULL DEFAULT 'pending', -- pending | sent | dead
    created_ms       INTEGER NOT NULL,
    sent_ms          INTEGER
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_ms);

-- An officer's e-mail, for the daily digest. Kept beside the account, not in its JSON body, so it
-- never enters the dossier event log (an assignment records the officer as they were).
ALTER TABLE officers ADD COLUMN email TEXT;
