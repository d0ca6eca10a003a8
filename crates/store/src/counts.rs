//! Bộ đếm báo cáo — report counters: sums of dossier facts, changed in the transaction of each
//! dossier change, and rebuilt whole from the events when asked.

use domain::dossier::{Fact, Measure};
use sqlx::{Row, SqliteConnection};

use crate::{Db, Result, key};

/// A sum of the counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountRow {
    pub agency: String,
    pub procedure: String,
    pub day: String,
    pub channel: i64,
    pub measure: String,
    pub n: i64,
}

/// Adds each fact's change to its counter.
pub(crate) async fn apply_counts(
    conn: &mut SqliteConnection,
    deltas: &[(Fact, i64)],
) -> Result<()> {
    for (f, n) in deltas {
        sqlx::query(
            "INSERT INTO report_counts (agency, procedure, day, channel, measure, n) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (agency, day, measure, procedure, channel) DO UPDATE SET n = report_counts.n + excluded.n",
        )
        .bind(&f.agency)
        .bind(&f.procedure)
        .bind(f.day.to_string())
        .bind(i64::from(f.channel))
        .bind(key(&f.measure))
        .bind(n)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

impl Db {
    /// Replaces every counter with these sums (a rebuild), in one transaction.
    pub async fn replace_counts(&self, sums: &[(Fact, i64)]) -> Result<()> {
        let mut tx = self.writer().begin().await?;
        sqlx::query("DELETE FROM report_counts")
            .execute(&mut *tx)
            .await?;
        apply_counts(&mut tx, sums).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every non-zero counter, in key order (to compare a rebuild with the kept counters).
    pub async fn all_counts(&self) -> Result<Vec<CountRow>> {
        let rows = sqlx::query(
            "SELECT agency, procedure, day, channel, measure, n FROM report_counts WHERE n <> 0 \
             ORDER BY agency, day, measure, procedure, channel",
        )
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| CountRow {
                agency: r.get("agency"),
                procedure: r.get("procedure"),
                day: r.get("day"),
                channel: r.get("channel"),
                measure: r.get("measure"),
                n: r.get("n"),
            })
            .collect())
    }

    /// Sums per (agency, measure, channel) over days `from..=to` (YYYY-MM-DD; no `from`: from
    /// the first day), in one query.
    pub async fn count_sums(
        &self,
        agencies: &[String],
        from: Option<&str>,
        to: &str,
    ) -> Result<Vec<(String, Measure, i64, i64)>> {
        if agencies.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "SELECT agency, measure, channel, SUM(n) AS n FROM report_counts WHERE day >= ",
        );
        q.push_bind(from.unwrap_or("0000-01-01").to_string())
            .push(" AND day <= ")
            .push_bind(to.to_string())
            .push(" AND agency IN (");
        let mut sep = q.separated(", ");
        for a in agencies {
            sep.push_bind(a.clone());
        }
        q.push(") GROUP BY agency, measure, channel");
        let rows = q.build().fetch_all(self.reader()).await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let m: String = r.get("measure");
                let m = serde_json::from_value(serde_json::Value::String(m)).ok()?;
                Some((
                    r.get("agency"),
                    m,
                    r.get::<i64, _>("channel"),
                    r.get::<i64, _>("n"),
                ))
            })
            .collect())
    }

    /// Sums per (day, measure) over days `from..=to` for the agencies (for charts).
    pub async fn count_by_day(
        &self,
        agencies: &[String],
        from: &str,
        to: &str,
    ) -> Result<Vec<(String, Measure, i64)>> {
        if agencies.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "SELECT day, measure, SUM(n) AS n FROM report_counts WHERE day >= ",
        );
        q.push_bind(from.to_string())
            .push(" AND day <= ")
            .push_bind(to.to_string())
            .push(" AND agency IN (");
        let mut sep = q.separated(", ");
        for a in agencies {
            sep.push_bind(a.clone());
        }
        q.push(") GROUP BY day, measure ORDER BY day");
        let rows = q.build().fetch_all(self.reader()).await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let m: String = r.get("measure");
                let m = serde_json::from_value(serde_json::Value::String(m)).ok()?;
                Some((r.get("day"), m, r.get::<i64, _>("n")))
            })
            .collect())
    }
}
