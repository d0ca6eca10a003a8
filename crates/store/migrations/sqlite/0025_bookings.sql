-- Lịch hẹn: slots booked at a centre (each with its code, typed at the kiosk on arrival), and
-- each centre's booking rules (slot length, bookings per slot, extra sessions).
CREATE TABLE bookings (
    id          BLOB PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    centre      TEXT NOT NULL,
    area        TEXT NOT NULL,
    slot_start  INTEGER NOT NULL,
    citizen     TEXT NOT NULL,
    state       TEXT NOT NULL,
    reminded    INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    body        TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX bookings_slot ON bookings (centre, slot_start);
CREATE INDEX bookings_citizen ON bookings (citizen);

CREATE TABLE booking_rules (
    centre  TEXT PRIMARY KEY,
    rules   TEXT NOT NULL
) WITHOUT ROWID;
