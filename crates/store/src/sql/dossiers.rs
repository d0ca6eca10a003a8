//! Hồ sơ — the dossier queries both backends send.

/// The columns of a dossier's row in a list (alias `d` for `dossiers`), and the work order's
/// sort key after them (index 18).
pub(crate) const ROW_COLUMNS: &str = "d.id, d.code, d.version, d.procedure_code, d.procedure_name, \
    d.channel, d.stage, d.national_status, d.receiving, d.competent, d.current_unit, d.assignee, \
    d.applicant_name, d.received_ms, d.due_ms, d.appointment_ms, d.finished_ms, d.returned_ms, \
    d.due_sort";
