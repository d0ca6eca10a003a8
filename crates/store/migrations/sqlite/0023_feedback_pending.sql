-- Phản ánh ẩn danh: a feedback sent without an account waits here until the code sent to the
-- petitioner's phone or e-mail is typed (then it is received, and this row goes).
CREATE TABLE feedback_pending (
    token       TEXT PRIMARY KEY,
    petition    TEXT NOT NULL,
    agency      TEXT,
    code_hash   TEXT NOT NULL,
    created_ms  INTEGER NOT NULL,
    expires_ms  INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
