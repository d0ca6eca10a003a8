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

-- Phản ánh nhận từ Hệ thống tiếp nhận PAKN quốc gia: its id there, once.
ALTER TABLE feedback ADD COLUMN national_id TEXT;
CREATE UNIQUE INDEX feedback_national ON feedback (national_id) WHERE national_id IS NOT NULL;
