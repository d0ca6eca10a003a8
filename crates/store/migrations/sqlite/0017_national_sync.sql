-- Đồng bộ hồ sơ lên Cổng Dịch vụ công quốc gia. The messages of one dossier for the national
-- portal are delivered in the order they were written: a message is only claimed when no earlier
-- message of the same dossier is still undelivered. This index finds that earlier message.
CREATE INDEX outbox_national_open ON outbox (dossier_id, id)
    WHERE channel = 'national' AND state <> 'sent';

-- What the national portal has acknowledged of each dossier: the last event version it holds and
-- the status it shows. QĐ 766 indicator 1.4 counts the dossiers received in a period that are
-- here; the daily reconciliation compares the portal's own list with it.
CREATE TABLE national_sync (
    dossier_id   BLOB PRIMARY KEY,
    code         TEXT NOT NULL,
    receiving    TEXT NOT NULL,      -- receiving agency id (the centre)
    agency       TEXT NOT NULL,      -- deciding agency id, as the report counters key dossiers
    procedure    TEXT NOT NULL,      -- procedure code
    received_ms  INTEGER,            -- reception instant, when received
    version      INTEGER NOT NULL,   -- last event version acknowledged
    status       INTEGER NOT NULL,   -- national status code (1–10) acknowledged
    first_ms     INTEGER NOT NULL,   -- when the portal first acknowledged the dossier
    last_ms      INTEGER NOT NULL    -- when it last acknowledged a change
) WITHOUT ROWID;
CREATE INDEX national_sync_received ON national_sync (received_ms);
