//! Tổng hợp cho lãnh đạo — counts per deciding agency over the projection rows: received and
//! resolved in a period, resolved on time (finished no later than the legal due instant), open,
//! and open past their due instant. The reports of record (counters kept in the event
//! transaction) are separate; this is the live view.

use sqlx::Row;

use crate::{Db, Result};

/// One agency's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitSummary {
    /// The deciding agency (cơ quan có thẩm quyền).
    pub agency: String,
    pub received: i64,
    pub resolved: i64,
    pub on_time: i64,
    pub open: i64,
    pub overdue: i64,
}

impl Db {
    /// Figures per deciding agency among `visible` agencies, for dossiers received or resolved in
    /// `[from_ms, to_ms)`, and open ones as at `now_ms`.
    pub async fn unit_summary(
        &self,
        visible: &[String],
        from_ms: i64,
        to_ms: i64,
        now_ms: i64,
    ) -> Result<Vec<UnitSummary>> {
        if visible.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "SELECT competent, \
             SUM(CASE WHEN received_ms >= ",
        );
        q.push_bind(from_ms)
            .push(" AND received_ms < ")
            .push_bind(to_ms)
            .push(" THEN 1 ELSE 0 END) AS received, SUM(CASE WHEN finished_ms >= ")
            .push_bind(from_ms)
            .push(" AND finished_ms < ")
            .push_bind(to_ms)
            .push(" THEN 1 ELSE 0 END) AS resolved, SUM(CASE WHEN finished_ms >= ")
            .push_bind(from_ms)
            .push(" AND finished_ms < ")
            .push_bind(to_ms)
            .push(
                " AND finished_ms <= due_ms THEN 1 ELSE 0 END) AS on_time, \
             SUM(CASE WHEN national_status IN (2, 4, 5, 6, 7) THEN 1 ELSE 0 END) AS open, \
             SUM(CASE WHEN national_status IN (2, 4, 5, 6, 7) AND due_ms < ",
            )
            .push_bind(now_ms)
            .push(" THEN 1 ELSE 0 END) AS overdue FROM dossiers WHERE competent IN (");
        let mut sep = q.separated(", ");
        for a in visible {
            sep.push_bind(a.clone());
        }
        q.push(") GROUP BY competent");
        let rows = q.build().fetch_all(self.reader()).await?;
        Ok(rows
            .into_iter()
            .map(|r| UnitSummary {
                agency: r.get("competent"),
                received: r.get("received"),
                resolved: r.get("resolved"),
                on_time: r.get("on_time"),
                open: r.get("open"),
                overdue: r.get("overdue"),
            })
            .collect())
    }
}

impl Db {
    /// Dossiers late in a period, among those decided by `visible` agencies (of `procedures`,
    /// when given): ended in `[from_ms, to_ms)` after their due instant, or still being handled
    /// at `cut_ms` past it. At most `limit`, soonest due first.
    pub async fn late_dossier_ids(
        &self,
        visible: &[String],
        procedures: Option<&[String]>,
        from_ms: i64,
        to_ms: i64,
        cut_ms: i64,
        limit: i64,
    ) -> Result<Vec<uuid::Uuid>> {
        if visible.is_empty() || procedures.is_some_and(<[String]>::is_empty) {
            return Ok(Vec::new());
        }
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "SELECT id FROM dossiers WHERE ((finished_ms >= ",
        );
        q.push_bind(from_ms)
            .push(" AND finished_ms < ")
            .push_bind(to_ms)
            .push(" AND finished_ms > due_ms) OR (finished_ms IS NULL AND national_status IN (2, 4, 5, 6, 7) AND due_ms < ")
            .push_bind(cut_ms)
            .push(")) AND competent IN (");
        crate::push_list(&mut q, visible.iter().cloned());
        if let Some(p) = procedures {
            q.push(" AND procedure_code IN (");
            crate::push_list(&mut q, p.iter().cloned());
        }
        q.push(" ORDER BY due_ms LIMIT ").push_bind(limit);
        let ids: Vec<uuid::Uuid> = q.build_query_scalar().fetch_all(self.reader()).await?;
        Ok(ids)
    }

    /// Dossiers of these deciding agencies received before `to_ms` and not ended before
    /// `from_ms` (what a period's index judges), earliest due first, at most 20,000.
    pub async fn dossiers_handled_between(
        &self,
        competent: &[String],
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<uuid::Uuid>> {
        if competent.is_empty() {
            return Ok(Vec::new());
        }
        let mut q =
            sqlx::QueryBuilder::<sqlx::Sqlite>::new("SELECT id FROM dossiers WHERE received_ms < ");
        q.push_bind(to_ms)
            .push(" AND (finished_ms IS NULL OR finished_ms >= ")
            .push_bind(from_ms)
            .push(") AND competent IN (");
        crate::push_list(&mut q, competent.iter().cloned());
        q.push(" ORDER BY due_ms LIMIT 20000");
        Ok(q.build_query_scalar().fetch_all(self.reader()).await?)
    }
}
