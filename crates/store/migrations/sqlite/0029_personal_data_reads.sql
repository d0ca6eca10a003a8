-- Nhật ký truy cập dữ liệu cá nhân — who opened which dossier, and which of its files, when:
-- the reads of citizens' personal data by officers (Law 91/2025/QH15 on personal data
-- protection; TCVN 11930:2017 logging). Appended to, never changed.
CREATE TABLE personal_data_reads (
    id           INTEGER PRIMARY KEY,
    at_ms        INTEGER NOT NULL,
    officer      BLOB NOT NULL,
    officer_name TEXT NOT NULL,
    dossier      BLOB NOT NULL,
    code         TEXT NOT NULL,
    -- The file opened (its SHA-256), or NULL for the dossier itself.
    file_sha256  TEXT,
    file_name    TEXT
);
CREATE INDEX personal_data_reads_by_dossier ON personal_data_reads (dossier, at_ms);
CREATE INDEX personal_data_reads_by_officer ON personal_data_reads (officer, at_ms);
CREATE TRIGGER personal_data_reads_no_update BEFORE UPDATE ON personal_data_reads
BEGIN SELECT RAISE(ABORT, 'personal_data_reads is append-only'); END;
CREATE TRIGGER personal_data_reads_no_delete BEFORE DELETE ON personal_data_reads
BEGIN SELECT RAISE(ABORT, 'personal_data_reads is append-only'); END;
