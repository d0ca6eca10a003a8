//! Danh sách hồ sơ on SQLite: the queries of a list ([`crate::sql::list`]), run on a reading
//! connection.

use rusqlite::Connection;

use super::dossiers::row;
use super::{DIALECT, Sql};
use crate::sql::list;
use crate::{DossierFilter, DossierPage, Result};

/// A page of the dossiers matching `f`.
pub(super) fn list(conn: &Connection, f: &DossierFilter) -> Result<DossierPage> {
    let plan = list::plan(DIALECT, f);
    let mut rows = Vec::new();
    for q in &plan.pages {
        rows.extend(q.rows(conn, |r| {
            let d = row(r)?;
            Ok((plan.key.of(&d, |i| Ok(r.get(i)?))?, d))
        })?);
    }
    let counted = match &plan.count {
        Some(q) => number(conn, q)?,
        None => 0,
    };
    Ok(plan.page(rows, counted))
}

/// Every dossier matching `f` (search words, cursor and limit aside), counted once each.
pub(super) fn count(conn: &Connection, f: &DossierFilter) -> Result<i64> {
    number(conn, &list::count(DIALECT, f))
}

/// The number a `SELECT COUNT(*)` answers.
fn number(conn: &Connection, q: &Sql) -> Result<i64> {
    Ok(q.rows(conn, |r| Ok(r.get(0)?))?.pop().unwrap_or(0))
}
