-- Tra cứu Cơ sở dữ liệu quốc gia về dân cư: each lookup a counter officer made, by its reference
-- (MaCSDL). The record itself is not kept (ND 61/2018 Art. 25(7)): only who looked up which
-- number when, and digests of the name and address returned, so that a dossier naming the lookup
-- can show which of its details came from it.
CREATE TABLE population_lookups (
    reference       TEXT PRIMARY KEY,
    id_number       TEXT NOT NULL,
    officer         TEXT NOT NULL,
    at_ms           INTEGER NOT NULL,
    name_digest     TEXT NOT NULL,
    address_digest  TEXT NOT NULL
) WITHOUT ROWID;
