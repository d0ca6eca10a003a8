-- Đăng nhập bằng định danh quốc gia (VNeID, through the national portal's single sign-on). A
-- session opened that way says by which provider: its citizen proved their personal id number,
-- and sees every dossier filed under it. A password session proved nothing of the kind.
ALTER TABLE citizen_sessions ADD COLUMN identity TEXT;

-- A sign-in under way: what the browser was sent to the provider with (the state, kept hashed;
-- the nonce the ID token must carry; the PKCE verifier the code is exchanged with). Used once.
CREATE TABLE sign_in_states (
    state_hash  TEXT PRIMARY KEY,
    nonce       TEXT NOT NULL,
    verifier    TEXT NOT NULL,
    created_ms  INTEGER NOT NULL
) WITHOUT ROWID;
