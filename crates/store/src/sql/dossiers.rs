//! Hồ sơ — the dossier queries both backends send: the columns of a list's row, and the reads
//! of dossiers for the reports.

use super::{Dialect, Sql};

/// The columns of a dossier's row in a list (alias `d` for `dossiers`), and the work order's
/// sort key after them (index 18).
pub(crate) const ROW_COLUMNS: &str = "d.id, d.code, d.version, d.procedure_code, d.procedure_name, \
    d.channel, d.stage, d.national_status, d.receiving, d.competent, d.current_unit, d.assignee, \
    d.applicant_name, d.received_ms, d.due_ms, d.appointment_ms, d.finished_ms, d.returned_ms, \
    d.due_sort";

/// Dossiers received or decided by one of `agencies` whose handling ended in
/// `[from_ms, to_ms)`, with the rating given by `rated_by_ms`: (state, answers), a page of at
/// most `limit` in id order after `after`. None when no agency is given.
pub(crate) fn ended(
    dialect: Dialect,
    agencies: &[String],
    from_ms: i64,
    to_ms: i64,
    rated_by_ms: i64,
    after: Option<uuid::Uuid>,
    limit: i64,
) -> Option<Sql> {
    if agencies.is_empty() {
        return None;
    }
    let mut q = Sql::new(
        dialect,
        "SELECT s.state, r.answers FROM dossiers d JOIN dossier_states s ON s.id = d.id \
         LEFT JOIN ratings r ON r.dossier = d.id AND r.rated_ms <= ",
    );
    q.bind(rated_by_ms)
        .push(" WHERE d.finished_ms >= ")
        .bind(from_ms)
        .push(" AND d.finished_ms < ")
        .bind(to_ms)
        .push(" AND d.id > ")
        .bind(after.unwrap_or(uuid::Uuid::nil()))
        .push(" AND (d.competent IN (")
        .list(agencies.iter().cloned())
        .push(" OR d.receiving IN (")
        .list(agencies.iter().cloned())
        .push(") ORDER BY d.id LIMIT ")
        .bind(limit);
    Some(q)
}

/// Figures per deciding agency among `visible`: (agency, received and resolved in
/// `[from_ms, to_ms)`, resolved on time, open, overdue at `now_ms`), by agency. None when no
/// agency is given.
pub(crate) fn unit_summary(
    dialect: Dialect,
    visible: &[String],
    from_ms: i64,
    to_ms: i64,
    now_ms: i64,
) -> Option<Sql> {
    if visible.is_empty() {
        return None;
    }
    let mut q = Sql::new(dialect, "SELECT competent, SUM(CASE WHEN received_ms >= ");
    q.bind(from_ms)
        .push(" AND received_ms < ")
        .bind(to_ms)
        .push(" THEN 1 ELSE 0 END), SUM(CASE WHEN finished_ms >= ")
        .bind(from_ms)
        .push(" AND finished_ms < ")
        .bind(to_ms)
        .push(" THEN 1 ELSE 0 END), SUM(CASE WHEN finished_ms >= ")
        .bind(from_ms)
        .push(" AND finished_ms < ")
        .bind(to_ms)
        .push(
            " AND finished_ms <= due_ms THEN 1 ELSE 0 END), \
             SUM(CASE WHEN national_status IN (2, 4, 5, 6, 7) THEN 1 ELSE 0 END), \
             SUM(CASE WHEN national_status IN (2, 4, 5, 6, 7) AND due_ms < ",
        )
        .bind(now_ms)
        .push(" THEN 1 ELSE 0 END) FROM dossiers WHERE competent IN (")
        .list(visible.iter().cloned())
        // SQLite groups (and so gives) the agencies in their bytes' order.
        .push(" GROUP BY competent")
        .postgres(" ORDER BY competent COLLATE \"C\"");
    Some(q)
}

/// The ids of dossiers of `visible` agencies (and `procedures`, when given) that ended late
/// in `[from_ms, to_ms)` or are open and were due before `cut_ms`, soonest due first, at most
/// `limit`. None when nothing can match.
pub(crate) fn late_ids(
    dialect: Dialect,
    visible: &[String],
    procedures: Option<&[String]>,
    from_ms: i64,
    to_ms: i64,
    cut_ms: i64,
    limit: i64,
) -> Option<Sql> {
    if visible.is_empty() || procedures.is_some_and(<[String]>::is_empty) {
        return None;
    }
    let mut q = Sql::new(dialect, "SELECT id FROM dossiers WHERE ((finished_ms >= ");
    q.bind(from_ms)
        .push(" AND finished_ms < ")
        .bind(to_ms)
        .push(
            " AND finished_ms > due_ms) OR (finished_ms IS NULL AND national_status IN \
             (2, 4, 5, 6, 7) AND due_ms < ",
        )
        .bind(cut_ms)
        .push(")) AND competent IN (")
        .list(visible.iter().cloned());
    if let Some(p) = procedures {
        q.push(" AND procedure_code IN (").list(p.iter().cloned());
    }
    // Every row here has a due instant; PostgreSQL is told to order those due at the same
    // instant by id.
    q.push(" ORDER BY due_ms")
        .postgres(", id")
        .push(" LIMIT ")
        .bind(limit);
    Some(q)
}

/// The ids of dossiers of `competent` agencies being handled at some time in
/// `[from_ms, to_ms)`, soonest due first (those without a due instant before them, as SQLite
/// sorts NULL). None when no agency is given.
pub(crate) fn handled_between(
    dialect: Dialect,
    competent: &[String],
    from_ms: i64,
    to_ms: i64,
) -> Option<Sql> {
    if competent.is_empty() {
        return None;
    }
    let mut q = Sql::new(dialect, "SELECT id FROM dossiers WHERE received_ms < ");
    q.bind(to_ms)
        .push(" AND (finished_ms IS NULL OR finished_ms >= ")
        .bind(from_ms)
        .push(") AND competent IN (")
        .list(competent.iter().cloned())
        .push(" ORDER BY due_ms")
        .postgres(" NULLS FIRST, id")
        .push(" LIMIT 20000");
    Some(q)
}

/// The guidance bodies `agencies` gave in `[from_ms, to_ms)`, newest first, at most `limit`.
/// None when no agency is given.
pub(crate) fn guidance(
    dialect: Dialect,
    agencies: &[String],
    from_ms: i64,
    to_ms: i64,
    limit: u32,
) -> Option<Sql> {
    if agencies.is_empty() {
        return None;
    }
    let mut q = Sql::new(dialect, "SELECT body FROM guidance_log WHERE at_ms >= ");
    q.bind(from_ms)
        .push(" AND at_ms < ")
        .bind(to_ms)
        .push(" AND agency IN (")
        .list(agencies.iter().cloned())
        .push(" ORDER BY at_ms DESC")
        .postgres(", id DESC")
        .push(" LIMIT ")
        .bind(i64::from(limit.clamp(1, 1000)));
    Some(q)
}
