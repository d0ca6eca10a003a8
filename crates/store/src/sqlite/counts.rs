//! Bộ đếm báo cáo on SQLite: `report_counts` by day with every key, `report_months` by month
//! with every key, `report_totals` by day, month and year without the procedure.

use std::cell::RefCell;
use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use domain::dossier::{Fact, Measure};
use rusqlite::{Connection, params};

use super::{DIALECT, Sql, Sqlite};
use crate::sql::counts::{self, Sums};
use crate::{CountRow, CountSum, Piece, Result, key};

thread_local! {
    /// The counter changes of the writer's current batch (the writer thread's only), written
    /// summed just before the batch commits: many dossiers of one commune and day change the
    /// same few counters, once per batch instead of once per dossier.
    static PENDING: RefCell<Vec<(Fact, i64)>> = const { RefCell::new(Vec::new()) };
}

/// Adds each fact's change to its counters, with the batch of the job that calls it (on the
/// writer thread, after the job's other writes: a job that refuses after this has written
/// something, so its whole batch is run again, from [`discard_pending`]).
pub(super) fn add_counts(deltas: &[(Fact, i64)]) {
    PENDING.with(|p| p.borrow_mut().extend_from_slice(deltas));
}

/// Forgets the batch's counter changes (a new batch, or one run again).
pub(super) fn discard_pending() {
    PENDING.with(|p| p.borrow_mut().clear());
}

/// Writes the batch's counter changes, summed, in its transaction.
pub(super) fn write_pending(conn: &Connection) -> Result<()> {
    let deltas = PENDING.with(|p| std::mem::take(&mut *p.borrow_mut()));
    let mut summed: BTreeMap<Fact, i64> = BTreeMap::new();
    for (f, n) in deltas {
        *summed.entry(f).or_default() += n;
    }
    let summed: Vec<(Fact, i64)> = summed.into_iter().filter(|(_, n)| *n != 0).collect();
    apply_counts(conn, &summed)
}

/// Adds each fact's change to its counters at every grain, in the caller's transaction.
fn apply_counts(conn: &Connection, deltas: &[(Fact, i64)]) -> Result<()> {
    if deltas.is_empty() {
        return Ok(());
    }
    insert_daily(conn, deltas)?;
    let mut months: BTreeMap<(String, String, &str, &str, u8), i64> = BTreeMap::new();
    let mut totals: BTreeMap<(String, String, &str, u8), i64> = BTreeMap::new();
    for (f, n) in deltas {
        let measure = key(&f.measure);
        let (y, m) = (f.day.year(), f.day.month());
        *months
            .entry((
                Piece::Month(y, m).key(),
                measure.clone(),
                &f.agency,
                &f.procedure,
                f.channel,
            ))
            .or_default() += n;
        for p in [Piece::Day(f.day), Piece::Month(y, m), Piece::Year(y)] {
            *totals
                .entry((p.key(), measure.clone(), &f.agency, f.channel))
                .or_default() += n;
        }
    }
    let mut month = conn.prepare_cached(
        "INSERT INTO report_months (month, measure, agency, procedure, channel, n) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (month, measure, agency, procedure, channel) \
         DO UPDATE SET n = n + excluded.n",
    )?;
    for ((m, measure, agency, procedure, channel), n) in months {
        month.execute(params![
            m,
            measure,
            agency,
            procedure,
            i64::from(channel),
            n
        ])?;
    }
    let mut total = conn.prepare_cached(
        "INSERT INTO report_totals (period, measure, agency, channel, n) \
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (period, measure, agency, channel) \
         DO UPDATE SET n = n + excluded.n",
    )?;
    for ((period, measure, agency, channel), n) in totals {
        total.execute(params![period, measure, agency, i64::from(channel), n])?;
    }
    Ok(())
}

fn insert_daily(conn: &Connection, sums: &[(Fact, i64)]) -> Result<()> {
    let mut day = conn.prepare_cached(
        "INSERT INTO report_counts (agency, procedure, day, channel, measure, n) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (agency, day, measure, procedure, channel) \
         DO UPDATE SET n = n + excluded.n",
    )?;
    for (f, n) in sums {
        day.execute(params![
            f.agency,
            f.procedure,
            f.day.to_string(),
            i64::from(f.channel),
            key(&f.measure),
            n
        ])?;
    }
    Ok(())
}

/// The coarser grains as sums of the daily rows.
fn fill_rollups(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "INSERT INTO report_months (month, measure, agency, procedure, channel, n) \
         SELECT substr(day, 1, 7), measure, agency, procedure, channel, SUM(n) \
         FROM report_counts GROUP BY 1, 2, 3, 4, 5",
    )?;
    for len in [10, 7, 4] {
        conn.execute(
            "INSERT INTO report_totals (period, measure, agency, channel, n) \
             SELECT substr(day, 1, ?1), measure, agency, channel, SUM(n) \
             FROM report_counts GROUP BY 1, 2, 3, 4",
            [len],
        )?;
    }
    Ok(())
}

/// Runs a query of sums (agency, procedure, measure, channel, n).
fn sums(conn: &Connection, q: &Sums) -> Result<Vec<CountSum>> {
    let rows = q.sql.rows(conn, |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })?;
    Ok(q.collect(rows))
}

#[async_trait::async_trait]
impl crate::CountStore for Sqlite {
    async fn replace_counts(&self, sums: &[(Fact, i64)]) -> Result<()> {
        let sums = sums.to_vec();
        self.write_all(move |c| {
            c.execute_batch(
                "DELETE FROM report_counts; DELETE FROM report_months; DELETE FROM report_totals;",
            )?;
            insert_daily(c, &sums)?;
            fill_rollups(c)
        })
        .await
    }

    async fn add_daily_counts(&self, sums: &[(Fact, i64)]) -> Result<()> {
        let sums = sums.to_vec();
        self.write_all(move |c| insert_daily(c, &sums)).await
    }

    async fn finish_bulk_counts(&self) -> Result<()> {
        self.write_all(|c| {
            c.execute_batch("DELETE FROM report_months; DELETE FROM report_totals;")?;
            fill_rollups(c)
        })
        .await
    }

    async fn all_counts(&self) -> Result<Vec<CountRow>> {
        self.read_blocking(|c| {
            Sql::new(DIALECT,
                "SELECT agency, procedure, day, channel, measure, n FROM report_counts WHERE n <> 0 \
                 ORDER BY agency, day, measure, procedure, channel",
            )
            .rows(c, |r| {
                Ok(CountRow {
                    agency: r.get(0)?,
                    procedure: r.get(1)?,
                    day: r.get(2)?,
                    channel: r.get(3)?,
                    measure: r.get(4)?,
                    n: r.get(5)?,
                })
            })
        })
        .await
    }

    async fn rollup_mismatches(&self) -> Result<i64> {
        self.read_blocking(|c| {
            let months: i64 = c.query_row(
                "SELECT COUNT(*) FROM ( \
                   SELECT month, measure, agency, procedure, channel, SUM(n) AS n FROM ( \
                     SELECT month, measure, agency, procedure, channel, n FROM report_months \
                     UNION ALL \
                     SELECT substr(day, 1, 7), measure, agency, procedure, channel, -n FROM report_counts) \
                   GROUP BY 1, 2, 3, 4, 5 HAVING SUM(n) <> 0)",
                [],
                |r| r.get(0),
            )?;
            let mut totals = 0;
            for len in [10, 7, 4] {
                let n: i64 = c.query_row(
                    "SELECT COUNT(*) FROM ( \
                       SELECT period, measure, agency, channel FROM ( \
                         SELECT period, measure, agency, channel, n FROM report_totals \
                           WHERE length(period) = ?1 \
                         UNION ALL \
                         SELECT substr(day, 1, ?1), measure, agency, channel, -n FROM report_counts) \
                       GROUP BY 1, 2, 3, 4 HAVING SUM(n) <> 0)",
                    [len],
                    |r| r.get(0),
                )?;
                totals += n;
            }
            Ok(months + totals)
        })
        .await
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
        self.read_blocking(move |c| sums(c, &q)).await
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
        self.read_blocking(move |c| sums(c, &q)).await
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
        self.read_blocking(move |c| {
            let rows: Vec<(String, String)> = q.sql.rows(c, |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.into_iter().filter(|(a, _)| q.keeps(a)).collect())
        })
        .await
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
        self.read_blocking(move |c| {
            let rows = q.rows(c, |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            Ok(counts::by_period(rows))
        })
        .await
    }
}
