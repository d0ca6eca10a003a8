-- Nhật ký truy cập dữ liệu cá nhân — who opened which dossier, and which of its files, when:
-- the reads of citizens' personal data by officers (Law 91/2025/QH15 on personal data
-- protection; TCVN 11930:2017 logging). Appended to, never changed.
CREATE TABLE personal_data_reads (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at_ms        bigint NOT NULL,
    officer      uuid NOT NULL,
    officer_name text NOT NULL,
    dossier      uuid NOT NULL,
    code         text NOT NULL,
    -- The file opened (its SHA-256), or NULL for the dossier itself.
    file_sha256  text,
    file_name    text
);
CREATE INDEX personal_data_reads_by_dossier ON personal_data_reads (dossier, at_ms);
CREATE INDEX personal_data_reads_by_officer ON personal_data_reads (officer, at_ms);
CREATE TRIGGER personal_data_reads_append_only BEFORE UPDATE OR DELETE ON personal_data_reads
    FOR EACH ROW EXECUTE FUNCTION motcua_append_only();
CREATE TRIGGER personal_data_reads_no_truncate BEFORE TRUNCATE ON personal_data_reads
    FOR EACH STATEMENT EXECUTE FUNCTION motcua_append_only();
