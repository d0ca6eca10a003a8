-- Xác thực hai bước — an officer's second factor: the shared secret of a time-based one-time
-- code (TOTP, RFC 6238), in base32 as authenticator apps read it; when the officer confirmed
-- it with a first code (NULL: set up but not confirmed, not asked at login); the last time
-- step a code was accepted for, so that a code is taken once.
ALTER TABLE officers ADD COLUMN totp_secret text;
ALTER TABLE officers ADD COLUMN totp_confirmed_ms bigint;
ALTER TABLE officers ADD COLUMN totp_last_step bigint NOT NULL DEFAULT 0;
