-- Tạm ngừng làm việc: days an agency (and everything under it) is closed by decision — typhoon,
-- flood, power cut. They are not working days for that agency's time limits.
CREATE TABLE closures (
    id        BLOB PRIMARY KEY,
    agency    TEXT NOT NULL REFERENCES agencies (id),
    from_day  TEXT NOT NULL,    -- YYYY-MM-DD
    to_day    TEXT NOT NULL,
    reason    TEXT NOT NULL,
    basis     TEXT NOT NULL,
    active    INTEGER NOT NULL  -- 0 once withdrawn (kept, never deleted)
);

-- Nhật ký quản trị: who changed an account, a role, a closure or the catalogue, and when.
-- Append-only, as the dossier events are.
CREATE TABLE admin_log (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms   INTEGER NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    detail  TEXT NOT NULL
);
CREATE TRIGGER admin_log_no_update BEFORE UPDATE ON admin_log
BEGIN SELECT RAISE(ABORT, 'admin_log is append-only'); END;
CREATE TRIGGER admin_log_no_delete BEFORE DELETE ON admin_log
BEGIN SELECT RAISE(ABORT, 'admin_log is append-only'); END;
