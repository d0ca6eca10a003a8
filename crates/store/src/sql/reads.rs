//! Nhật ký truy cập dữ liệu cá nhân — the access log's statements both backends send.

use super::{Dialect, Sql};
use crate::PersonalDataRead;

/// The columns a read is read back from, in [`PersonalDataRead`]'s order.
pub(crate) const COLUMNS: &str =
    "at_ms, officer, officer_name, dossier, code, file_sha256, file_name";

/// Appends a read.
pub(crate) fn insert(dialect: Dialect, r: &PersonalDataRead) -> Sql {
    let (sha, name) = match &r.file {
        Some((s, n)) => (Some(s.clone()), Some(n.clone())),
        None => (None, None),
    };
    let mut q = Sql::new(
        dialect,
        &format!("INSERT INTO personal_data_reads ({COLUMNS}) VALUES ("),
    );
    q.bind(r.at_ms)
        .push(", ")
        .bind(r.officer)
        .push(", ")
        .bind(r.officer_name.clone())
        .push(", ")
        .bind(r.dossier)
        .push(", ")
        .bind(r.code.clone())
        .push(", ")
        .bind(sha)
        .push(", ")
        .bind(name)
        .push(")");
    q
}

/// A dossier's reads, newest first.
pub(crate) fn of_dossier(dialect: Dialect, dossier: uuid::Uuid, limit: i64) -> Sql {
    let mut q = Sql::new(
        dialect,
        &format!("SELECT {COLUMNS} FROM personal_data_reads WHERE dossier = "),
    );
    q.bind(dossier)
        .push(" ORDER BY at_ms DESC, id DESC LIMIT ")
        .bind(limit.max(0));
    q
}

/// An officer's reads from `from_ms` (included) to `until_ms` (excluded), newest first.
pub(crate) fn of_officer(
    dialect: Dialect,
    officer: uuid::Uuid,
    from_ms: i64,
    until_ms: i64,
    limit: i64,
) -> Sql {
    let mut q = Sql::new(
        dialect,
        &format!("SELECT {COLUMNS} FROM personal_data_reads WHERE officer = "),
    );
    q.bind(officer)
        .push(" AND at_ms >= ")
        .bind(from_ms)
        .push(" AND at_ms < ")
        .bind(until_ms)
        .push(" ORDER BY at_ms DESC, id DESC LIMIT ")
        .bind(limit.max(0));
    q
}
