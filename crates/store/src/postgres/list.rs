//! Danh sách hồ sơ on PostgreSQL: the queries of a list ([`crate::sql::list`]), run on a
//! pooled connection.

use deadpool_postgres::GenericClient;

use super::dossiers::row;
use super::{DIALECT, Sql, col};
use crate::sql::list;
use crate::{DossierFilter, DossierPage, Result};

/// A page of the dossiers matching `f`.
pub(super) async fn list(client: &impl GenericClient, f: &DossierFilter) -> Result<DossierPage> {
    let plan = list::plan(DIALECT, f);
    let mut rows = Vec::new();
    for q in &plan.pages {
        for r in q.query(client).await? {
            let d = row(&r)?;
            rows.push((plan.key.of(&d, |i| col(&r, i))?, d));
        }
    }
    let counted = match &plan.count {
        Some(q) => number(client, q).await?,
        None => 0,
    };
    Ok(plan.page(rows, counted))
}

/// Every dossier matching `f` (search words, cursor and limit aside), counted once each.
pub(super) async fn count(client: &impl GenericClient, f: &DossierFilter) -> Result<i64> {
    number(client, &list::count(DIALECT, f)).await
}

/// The number a `SELECT COUNT(*)` answers.
async fn number(client: &impl GenericClient, q: &Sql) -> Result<i64> {
    match q.query(client).await?.first() {
        Some(r) => col(r, 0),
        None => Ok(0),
    }
}
