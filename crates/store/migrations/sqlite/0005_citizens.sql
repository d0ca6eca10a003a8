-- Tài khoản công dân: a citizen's own account on the portal, keyed by the personal id number
-- (CCCD), to submit online, answer supplement requests and follow their dossiers. Sessions keep
-- only a SHA-256 of the token, as officers' do.
CREATE TABLE citizens (
    id_number     TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    phone         TEXT,
    email         TEXT,
    password_hash TEXT NOT NULL,
    created_ms    INTEGER NOT NULL
);

CREATE TABLE citizen_sessions (
    token_hash TEXT PRIMARY KEY,
    citizen    TEXT NOT NULL REFERENCES citizens (id_number),
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL
);

-- Đánh giá của người dân (ND 61/2018 Art. 29(1)(c), Art. 31), one per dossier, kept apart from
-- the dossier's events and without the rater's identity: ratings are shown only in aggregate.
CREATE TABLE ratings (
    dossier    BLOB PRIMARY KEY REFERENCES dossiers (id),
    receiving  TEXT NOT NULL,
    rated_ms   INTEGER NOT NULL,
    satisfied  INTEGER NOT NULL,
    answers    TEXT NOT NULL,     -- JSON of domain::rating::Rating
    comment    TEXT NOT NULL
);
CREATE INDEX ratings_receiving ON ratings (receiving, rated_ms);
