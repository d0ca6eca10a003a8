//! Bộ đếm báo cáo on PostgreSQL: `report_counts` by day with every key, `report_months` by
//! month with every key, `report_totals` by day, month and year without the procedure.
//!
//! Changes are added with `INSERT … ON CONFLICT … DO UPDATE` in each dossier change's own
//! transaction, several servers at once: every writer touches the rows of one table in the
//! same (sorted) order, and the tables in the same order, so two transactions adding to the
//! same counters wait for each other but never deadlock. A rebuild locks the three tables
//! against writers for its transaction (readers still see the counters it replaces).
//!
//! Text sort orders name `COLLATE "C"`: SQLite compares text byte by byte, whatever the
//! database's own collation is here.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use deadpool_postgres::GenericClient;
use domain::dossier::{Fact, Measure};

use super::{DIALECT, Sql, col, db_error};
use crate::sql::counts::{self, Sums};
use crate::{CountRow, CountSum, Piece, Result, key};

/// Rows of one counter table sent in one statement (a rebuild sends many).
const CHUNK: usize = 10_000;

/// A counter table: its text key columns, then `channel` and `n`.
struct Table {
    name: &'static str,
    /// The text columns of the key, in the primary key's order (`channel` follows them).
    texts: &'static [&'static str],
}

const DAYS: Table = Table {
    name: "report_counts",
    texts: &["agency", "day", "measure", "procedure"],
};

const MONTHS: Table = Table {
    name: "report_months",
    texts: &["month", "measure", "agency", "procedure"],
};

const TOTALS: Table = Table {
    name: "report_totals",
    texts: &["period", "measure", "agency"],
};

/// Changes to the rows of one table, by key (text columns as [`Table::texts`], then the
/// channel), kept sorted: the order rows are written and locked in.
type Rows = BTreeMap<(Vec<String>, i64), i64>;

/// Adds `n` to a row of `rows`.
fn add(rows: &mut Rows, texts: Vec<String>, channel: u8, n: i64) {
    *rows.entry((texts, i64::from(channel))).or_default() += n;
}

/// Adds each row's change to its counter in `table` (a row not there yet starts at the
/// change), in the order of `rows`, in the caller's transaction.
async fn add_rows(tx: &impl GenericClient, table: &Table, rows: &Rows) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let k = table.texts.len();
    let columns = table.texts.join(", ");
    let arrays: Vec<String> = (1..=k)
        .map(|i| format!("${i}::text[]"))
        .chain([
            format!("${}::bigint[]", k + 1),
            format!("${}::bigint[]", k + 2),
        ])
        .collect();
    // WITH ORDINALITY … ORDER BY: the rows reach the insert (and lock) in the order sent.
    let sql = format!(
        "INSERT INTO {name} ({columns}, channel, n) \
         SELECT {columns}, channel, n FROM unnest({arrays}) \
         WITH ORDINALITY AS u ({columns}, channel, n, i) ORDER BY i \
         ON CONFLICT ({columns}, channel) DO UPDATE SET n = {name}.n + excluded.n",
        name = table.name,
        arrays = arrays.join(", "),
    );
    let stmt = tx.prepare_cached(&sql).await.map_err(db_error)?;
    let rows: Vec<_> = rows.iter().collect();
    for chunk in rows.chunks(CHUNK) {
        let mut texts: Vec<Vec<&str>> = vec![Vec::with_capacity(chunk.len()); k];
        let mut channels = Vec::with_capacity(chunk.len());
        let mut ns = Vec::with_capacity(chunk.len());
        for ((key, channel), n) in chunk {
            for (column, v) in texts.iter_mut().zip(key) {
                column.push(v.as_str());
            }
            channels.push(*channel);
            ns.push(**n);
        }
        let mut params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
            texts.iter().map(|t| t as _).collect();
        params.push(&channels);
        params.push(&ns);
        tx.execute(&stmt, &params).await.map_err(db_error)?;
    }
    Ok(())
}

/// The daily rows of facts (equal facts summed; zero sums kept, as SQLite writes them).
fn daily_rows<'a>(facts: impl IntoIterator<Item = (&'a Fact, i64)>) -> Rows {
    let mut days = Rows::new();
    for (f, n) in facts {
        add(
            &mut days,
            vec![
                f.agency.clone(),
                f.day.to_string(),
                key(&f.measure),
                f.procedure.clone(),
            ],
            f.channel,
            n,
        );
    }
    days
}

/// Adds each fact's change to its counters at every grain (day with every key, month with
/// every key, day/month/year totals without the procedure), in the caller's transaction; the
/// same fact given twice counts its changes summed, and a fact whose changes sum to nothing is
/// not written (as SQLite's batch does).
///
/// Each table's rows are written in key order, the tables always in the order days, months,
/// totals: concurrent transactions (from any server) adding to the same counters wait for one
/// another instead of deadlocking. That holds for one call per transaction: a caller gathers
/// all its changes and adds them once, last, just before it commits (as SQLite's writer does
/// for its batch), so these hot rows also stay locked for the shortest time.
pub(super) async fn apply_counts(tx: &impl GenericClient, deltas: &[(Fact, i64)]) -> Result<()> {
    let mut summed: BTreeMap<&Fact, i64> = BTreeMap::new();
    for (f, n) in deltas {
        *summed.entry(f).or_default() += n;
    }
    summed.retain(|_, n| *n != 0);
    if summed.is_empty() {
        return Ok(());
    }
    let mut months = Rows::new();
    let mut totals = Rows::new();
    for (f, n) in &summed {
        let measure = key(&f.measure);
        let (y, m) = (f.day.year(), f.day.month());
        add(
            &mut months,
            vec![
                Piece::Month(y, m).key(),
                measure.clone(),
                f.agency.clone(),
                f.procedure.clone(),
            ],
            f.channel,
            *n,
        );
        for p in [Piece::Day(f.day), Piece::Month(y, m), Piece::Year(y)] {
            add(
                &mut totals,
                vec![p.key(), measure.clone(), f.agency.clone()],
                f.channel,
                *n,
            );
        }
    }
    add_rows(tx, &DAYS, &daily_rows(summed)).await?;
    add_rows(tx, &MONTHS, &months).await?;
    add_rows(tx, &TOTALS, &totals).await
}

/// Keeps other writers of the counters out until the caller's transaction ends (a rebuild
/// replaces every row; the tables in the order [`apply_counts`] writes them). Readers are not
/// held.
async fn lock_counters(tx: &impl GenericClient) -> Result<()> {
    tx.batch_execute(
        "LOCK TABLE report_counts, report_months, report_totals IN SHARE ROW EXCLUSIVE MODE",
    )
    .await
    .map_err(db_error)
}

/// The coarser grains as sums of the daily rows.
async fn fill_rollups(tx: &impl GenericClient) -> Result<()> {
    let mut sql = String::from(
        "INSERT INTO report_months (month, measure, agency, procedure, channel, n) \
         SELECT substr(day, 1, 7), measure, agency, procedure, channel, sum(n)::bigint \
         FROM report_counts GROUP BY 1, 2, 3, 4, 5;",
    );
    for len in [10, 7, 4] {
        sql.push_str(&format!(
            " INSERT INTO report_totals (period, measure, agency, channel, n) \
             SELECT substr(day, 1, {len}), measure, agency, channel, sum(n)::bigint \
             FROM report_counts GROUP BY 1, 2, 3, 4;"
        ));
    }
    tx.batch_execute(&sql).await.map_err(db_error)
}

/// Runs a query of sums (agency, procedure, measure, channel, n).
async fn sums(c: &impl GenericClient, q: &Sums) -> Result<Vec<CountSum>> {
    let rows = q
        .sql
        .query(c)
        .await?
        .iter()
        .map(|r| Ok((col(r, 0)?, col(r, 1)?, col(r, 2)?, col(r, 3)?, col(r, 4)?)))
        .collect::<Result<Vec<_>>>()?;
    Ok(q.collect(rows))
}

/// The planner's statistics of the counters just rewritten in bulk, now rather than whenever
/// autovacuum comes (until then it guesses the reports' row counts wrong by 30×).
async fn analyze_counters(c: &impl GenericClient) -> Result<()> {
    c.batch_execute("ANALYZE report_counts, report_months, report_totals")
        .await
        .map_err(db_error)
}

#[async_trait::async_trait]
impl crate::CountStore for super::Postgres {
    /// Replaces every counter with the daily sums and the rollups derived from them, in one
    /// transaction that keeps other counter writers out.
    async fn replace_counts(&self, sums: &[(Fact, i64)]) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        lock_counters(&tx).await?;
        tx.batch_execute(
            "DELETE FROM report_counts; DELETE FROM report_months; DELETE FROM report_totals;",
        )
        .await
        .map_err(db_error)?;
        add_rows(&tx, &DAYS, &daily_rows(sums.iter().map(|(f, n)| (f, *n)))).await?;
        fill_rollups(&tx).await?;
        tx.commit().await.map_err(db_error)?;
        analyze_counters(&c).await
    }

    /// Adds daily sums only (a bulk load), in one transaction.
    async fn add_daily_counts(&self, sums: &[(Fact, i64)]) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        add_rows(&tx, &DAYS, &daily_rows(sums.iter().map(|(f, n)| (f, *n)))).await?;
        tx.commit().await.map_err(db_error)
    }

    /// Derives the month and total rows again from the daily rows, in one transaction that
    /// keeps other counter writers out.
    async fn finish_bulk_counts(&self) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        lock_counters(&tx).await?;
        tx.batch_execute("DELETE FROM report_months; DELETE FROM report_totals;")
            .await
            .map_err(db_error)?;
        fill_rollups(&tx).await?;
        tx.commit().await.map_err(db_error)?;
        analyze_counters(&c).await
    }

    async fn all_counts(&self) -> Result<Vec<CountRow>> {
        let c = self.client().await?;
        let rows = Sql::new(
            DIALECT,
            "SELECT agency, procedure, day, channel, measure, n FROM report_counts WHERE n <> 0 \
             ORDER BY agency COLLATE \"C\", day COLLATE \"C\", measure COLLATE \"C\", \
             procedure COLLATE \"C\", channel",
        )
        .query(&c)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CountRow {
                    agency: col(r, 0)?,
                    procedure: col(r, 1)?,
                    day: col(r, 2)?,
                    channel: col(r, 3)?,
                    measure: col(r, 4)?,
                    n: col(r, 5)?,
                })
            })
            .collect()
    }

    /// Month rows, then day, month and year totals, that differ from the sums of the daily
    /// rows, counted in one statement.
    async fn rollup_mismatches(&self) -> Result<i64> {
        let mut sql = String::from(
            "SELECT (SELECT count(*) FROM ( \
               SELECT month, measure, agency, procedure, channel FROM ( \
                 SELECT month, measure, agency, procedure, channel, n FROM report_months \
                 UNION ALL \
                 SELECT substr(day, 1, 7), measure, agency, procedure, channel, -n \
                 FROM report_counts) AS u \
               GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) <> 0) AS m)",
        );
        for len in [10, 7, 4] {
            sql.push_str(&format!(
                " + (SELECT count(*) FROM ( \
                   SELECT period, measure, agency, channel FROM ( \
                     SELECT period, measure, agency, channel, n FROM report_totals \
                       WHERE length(period) = {len} \
                     UNION ALL \
                     SELECT substr(day, 1, {len}), measure, agency, channel, -n \
                     FROM report_counts) AS u \
                   GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0) AS t)"
            ));
        }
        let c = self.client().await?;
        let row = c.query_one(sql.as_str(), &[]).await.map_err(db_error)?;
        col(&row, 0)
    }

    async fn count_sums(
        &self,
        agencies: &[String],
        from: Option<NaiveDate>,
        to: NaiveDate,
        measures: &[Measure],
    ) -> Result<Vec<CountSum>> {
        let Some(q) = counts::count_sums(DIALECT, agencies, from, to, measures) else {
            return Ok(Vec::new());
        };
        let c = self.client().await?;
        sums(&c, &q).await
    }

    async fn count_sums_by_procedure(
        &self,
        agencies: &[String],
        procedures: Option<&[String]>,
        from: Option<NaiveDate>,
        to: NaiveDate,
        measures: &[Measure],
    ) -> Result<Vec<CountSum>> {
        let Some(q) =
            counts::count_sums_by_procedure(DIALECT, agencies, procedures, from, to, measures)
        else {
            return Ok(Vec::new());
        };
        let c = self.client().await?;
        sums(&c, &q).await
    }

    async fn procedures_counted(
        &self,
        agencies: &[String],
        procedures: Option<&[String]>,
        from: NaiveDate,
        to: NaiveDate,
        measure: Measure,
        channel: Option<i64>,
    ) -> Result<Vec<(String, String)>> {
        let Some(q) =
            counts::procedures_counted(DIALECT, agencies, procedures, from, to, measure, channel)
        else {
            return Ok(Vec::new());
        };
        let c = self.client().await?;
        let mut out = Vec::new();
        for r in q.sql.query(&c).await? {
            let agency: String = col(&r, 0)?;
            if q.keeps(&agency) {
                out.push((agency, col(&r, 1)?));
            }
        }
        Ok(out)
    }

    async fn count_by_period(
        &self,
        agencies: &[String],
        periods: &[String],
        measures: &[Measure],
    ) -> Result<Vec<(String, Measure, i64)>> {
        let Some(q) = counts::count_by_period(DIALECT, agencies, periods, measures) else {
            return Ok(Vec::new());
        };
        let c = self.client().await?;
        let rows = q
            .query(&c)
            .await?
            .iter()
            .map(|r| Ok((col(r, 0)?, col(r, 1)?, col(r, 2)?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(counts::by_period(rows))
    }
}
