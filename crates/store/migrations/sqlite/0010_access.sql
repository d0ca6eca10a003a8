-- Who may see and act on what: the fixes of the security review (issue 19).

-- Server secrets, made once per database (e.g. the key that derives each dossier's access code
-- printed on its receipt). Never shown, never logged.
CREATE TABLE server_keys (
    name       TEXT PRIMARY KEY,
    secret     BLOB NOT NULL,
    created_ms INTEGER NOT NULL
) WITHOUT ROWID;

-- Hồ sơ của tài khoản công dân: the dossiers a citizen's portal account may see and act on —
-- those it submitted, and those it linked with the receipt's code and access code. The personal
-- id number typed at registration proves nothing by itself.
CREATE TABLE citizen_dossiers (
    citizen   TEXT NOT NULL REFERENCES citizens (id_number),
    dossier   BLOB NOT NULL REFERENCES dossiers (id),
    how       TEXT NOT NULL,     -- 'submitted' | 'receipt'
    linked_ms INTEGER NOT NULL,
    PRIMARY KEY (citizen, dossier)
) WITHOUT ROWID;

-- Who uploaded a file. A dossier may name only files its author uploaded (or files it already
-- holds), so knowing a file's SHA-256 gives nothing.
CREATE TABLE attachment_uploads (
    sha256     TEXT NOT NULL REFERENCES attachments (sha256),
    owner      TEXT NOT NULL,    -- 'officer:<uuid>' | 'citizen:<id number>'
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (sha256, owner)
) WITHOUT ROWID;

-- Idempotency-Key of creating requests: a retried request returns what the first one created.
-- Written in the transaction that creates, so a reply lost after the commit is found again.
CREATE TABLE idempotency_keys (
    scope        TEXT NOT NULL,  -- who sent it: 'officer:<uuid>' | 'citizen:<id number>'
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    dossier      BLOB,           -- the dossier created, or
    result       TEXT,           -- the record created (JSON), for other requests
    created_ms   INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_ms);

-- Đăng nhập sai: consecutive failed logins of an account and the lock they caused, which an
-- administrator can lift.
CREATE TABLE login_failures (
    account         TEXT PRIMARY KEY,  -- 'officer:<username>' | 'citizen:<id number>'
    failures        INTEGER NOT NULL,
    last_ms         INTEGER NOT NULL,
    locked_until_ms INTEGER
) WITHOUT ROWID;

-- Mã tạm: an online submission waits under a provisional reference and gets its code when it
-- is received; the reference keeps finding it.
ALTER TABLE dossiers ADD COLUMN provisional_code TEXT;
CREATE UNIQUE INDEX dossiers_provisional_code ON dossiers (provisional_code)
    WHERE provisional_code IS NOT NULL;

-- Ending expired sessions reads them by expiry.
CREATE INDEX sessions_expires ON sessions (expires_ms);
CREATE INDEX citizen_sessions_expires ON citizen_sessions (expires_ms);
