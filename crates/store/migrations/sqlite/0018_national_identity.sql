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

-- Đăng ký tài khoản đang chờ xác nhận: a citizen's registration waits here until they type the
-- one-time code sent to their phone or e-mail (through the outbox); then it becomes an account.
CREATE TABLE citizen_registrations (
    id_number      TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    phone          TEXT,
    email          TEXT,
    password_hash  TEXT NOT NULL,
    code_hash      TEXT NOT NULL,
    channel        TEXT NOT NULL,      -- sms | email: where the code went
    created_ms     INTEGER NOT NULL,
    expires_ms     INTEGER NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
