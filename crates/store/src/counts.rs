//! Bộ đếm báo cáo — report counters: sums of dossier facts, changed in the transaction of each
//! dossier change, and rebuilt whole from the events when asked.
//!
//! Three tables hold the same sums at different grains (migration 0008): `report_counts` by
//! day with every key, `report_months` by month with every key, and `report_totals` by day,
//! month and year without the procedure. A query over a span reads the fewest rows that cover
//! it ([`cover`]): whole years, then whole months, then days.

use std::collections::{BTreeMap, HashSet};

use chrono::{Datelike, NaiveDate};
use domain::dossier::{Fact, Measure};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

use crate::{Db, Result, key, push_list};

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

/// A sum over a span, by agency, procedure (empty when not asked), channel and measure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountSum {
    pub agency: String,
    pub procedure: String,
    pub channel: i64,
    pub measure: Measure,
    pub n: i64,
}

/// The first day a span without a start reaches back to.
const EPOCH: (i32, u32, u32) = (2000, 1, 1);

/// One piece of a span: a year, a month or a day, as the tables key it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Year(i32),
    Month(i32, u32),
    Day(NaiveDate),
}

impl Piece {
    fn key(&self) -> String {
        match self {
            Piece::Year(y) => format!("{y:04}"),
            Piece::Month(y, m) => format!("{y:04}-{m:02}"),
            Piece::Day(d) => d.format("%Y-%m-%d").to_string(),
        }
    }
}

fn month_end(y: i32, m: u32) -> NaiveDate {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    NaiveDate::from_ymd_opt(ny, nm, 1).expect("valid month") - chrono::Duration::days(1)
}

/// The fewest whole years (when `years`), months and days that cover `from..=to`.
fn cover(from: NaiveDate, to: NaiveDate, years: bool) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut d = from;
    while d <= to {
        let (y, m) = (d.year(), d.month());
        let year_end = NaiveDate::from_ymd_opt(y, 12, 31).expect("valid date");
        if years && d.ordinal() == 1 && year_end <= to {
            out.push(Piece::Year(y));
            d = year_end + chrono::Duration::days(1);
        } else if d.day() == 1 && month_end(y, m) <= to {
            out.push(Piece::Month(y, m));
            d = month_end(y, m) + chrono::Duration::days(1);
        } else {
            out.push(Piece::Day(d));
            d += chrono::Duration::days(1);
        }
    }
    out
}

/// The keys of the fewest whole months and days that cover `from..=to` (YYYY-MM, YYYY-MM-DD),
/// as [`Db::count_by_period`] takes them.
pub fn month_and_day_keys(from: NaiveDate, to: NaiveDate) -> Vec<String> {
    cover(from, to, false).iter().map(Piece::key).collect()
}

/// Adds each fact's change to its counters at every grain: three statements per change, however
/// many facts it moves.
pub(crate) async fn apply_counts(
    conn: &mut SqliteConnection,
    deltas: &[(Fact, i64)],
) -> Result<()> {
    if deltas.is_empty() {
        return Ok(());
    }
    insert_daily(conn, deltas).await?;
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
    let mut q = QueryBuilder::<Sqlite>::new(
        "INSERT INTO report_months (month, measure, agency, procedure, channel, n) ",
    );
    q.push_values(
        months,
        |mut b, ((month, measure, agency, procedure, channel), n)| {
            b.push_bind(month)
                .push_bind(measure)
                .push_bind(agency.to_string())
                .push_bind(procedure.to_string())
                .push_bind(i64::from(channel))
                .push_bind(n);
        },
    );
    q.push(
        " ON CONFLICT (month, measure, agency, procedure, channel) \
         DO UPDATE SET n = report_months.n + excluded.n",
    );
    q.build().execute(&mut *conn).await?;
    let mut q = QueryBuilder::<Sqlite>::new(
        "INSERT INTO report_totals (period, measure, agency, channel, n) ",
    );
    q.push_values(totals, |mut b, ((period, measure, agency, channel), n)| {
        b.push_bind(period)
            .push_bind(measure)
            .push_bind(agency.to_string())
            .push_bind(i64::from(channel))
            .push_bind(n);
    });
    q.push(
        " ON CONFLICT (period, measure, agency, channel) \
         DO UPDATE SET n = report_totals.n + excluded.n",
    );
    q.build().execute(&mut *conn).await?;
    Ok(())
}

async fn insert_daily(conn: &mut SqliteConnection, sums: &[(Fact, i64)]) -> Result<()> {
    for chunk in sums.chunks(BULK) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO report_counts (agency, procedure, day, channel, measure, n) ",
        );
        q.push_values(chunk, |mut b, (f, n)| {
            b.push_bind(f.agency.clone())
                .push_bind(f.procedure.clone())
                .push_bind(f.day.to_string())
                .push_bind(i64::from(f.channel))
                .push_bind(key(&f.measure))
                .push_bind(*n);
        });
        q.push(
            " ON CONFLICT (agency, day, measure, procedure, channel) \
             DO UPDATE SET n = report_counts.n + excluded.n",
        );
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// The coarser grains as sums of the daily rows, as migration 0008 first made them.
async fn fill_rollups(conn: &mut SqliteConnection) -> Result<()> {
    sqlx::query(
        "INSERT INTO report_months (month, measure, agency, procedure, channel, n) \
         SELECT substr(day, 1, 7), measure, agency, procedure, channel, SUM(n) \
         FROM report_counts GROUP BY 1, 2, 3, 4, 5",
    )
    .execute(&mut *conn)
    .await?;
    for len in [10, 7, 4] {
        sqlx::query(
            "INSERT INTO report_totals (period, measure, agency, channel, n) \
             SELECT substr(day, 1, $1), measure, agency, channel, SUM(n) \
             FROM report_counts GROUP BY 1, 2, 3, 4",
        )
        .bind(len)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Rows per multi-row INSERT in a bulk load.
const BULK: usize = 500;

impl Db {
    /// Replaces every counter with these sums (a rebuild), in one transaction.
    pub async fn replace_counts(&self, sums: &[(Fact, i64)]) -> Result<()> {
        let mut tx = self.writer().begin().await?;
        for delete in [
            "DELETE FROM report_counts",
            "DELETE FROM report_months",
            "DELETE FROM report_totals",
        ] {
            sqlx::query(delete).execute(&mut *tx).await?;
        }
        insert_daily(&mut tx, sums).await?;
        fill_rollups(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Bulk load for a large generated history (the reports benchmark): adds daily sums with
    /// no rollups; [`Db::finish_bulk_counts`] then derives them once.
    pub async fn add_daily_counts(&self, sums: &[(Fact, i64)]) -> Result<()> {
        let mut tx = self.writer().begin().await?;
        insert_daily(&mut tx, sums).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Derives the month and total rows from the daily rows (after a bulk load).
    pub async fn finish_bulk_counts(&self) -> Result<()> {
        let mut tx = self.writer().begin().await?;
        sqlx::query("DELETE FROM report_months")
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM report_totals")
            .execute(&mut *tx)
            .await?;
        fill_rollups(&mut tx).await?;
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

    /// How many month and total rows differ from the sums of the daily rows (0 when the
    /// grains agree).
    pub async fn rollup_mismatches(&self) -> Result<i64> {
        let months: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM ( \
               SELECT month, measure, agency, procedure, channel, SUM(n) AS n FROM ( \
                 SELECT month, measure, agency, procedure, channel, n FROM report_months \
                 UNION ALL \
                 SELECT substr(day, 1, 7), measure, agency, procedure, channel, -n FROM report_counts) \
               GROUP BY 1, 2, 3, 4, 5 HAVING SUM(n) <> 0)",
        )
        .fetch_one(self.reader())
        .await?;
        let mut totals = 0;
        for len in [10, 7, 4] {
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM ( \
                   SELECT period, measure, agency, channel FROM ( \
                     SELECT period, measure, agency, channel, n FROM report_totals \
                       WHERE length(period) = $1 \
                     UNION ALL \
                     SELECT substr(day, 1, $1), measure, agency, channel, -n FROM report_counts) \
                   GROUP BY 1, 2, 3, 4 HAVING SUM(n) <> 0)",
            )
            .bind(len)
            .fetch_one(self.reader())
            .await?;
            totals += n;
        }
        Ok(months + totals)
    }

    /// Sums per (agency, measure, channel) over days `from..=to` (no `from`: from the first
    /// day), of the given measures (none: all), in one query over the coarsest rows.
    pub async fn count_sums(
        &self,
        agencies: &[String],
        from: Option<NaiveDate>,
        to: NaiveDate,
        measures: &[Measure],
    ) -> Result<Vec<CountSum>> {
        let from = from.unwrap_or_else(epoch);
        if agencies.is_empty() || to < from {
            return Ok(Vec::new());
        }
        let pieces = cover(from, to, true);
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT agency, '' AS procedure, measure, channel, SUM(n) AS n FROM report_totals WHERE period IN (",
        );
        push_list(&mut q, pieces.iter().map(Piece::key));
        let kept = push_filters(&mut q, agencies, None, measures, true);
        q.push(" GROUP BY agency, measure, channel");
        self.fetch_sums(q, kept).await
    }

    /// Sums per (agency, procedure, measure, channel) over days `from..=to` (no `from`: from the
    /// first day), of the given procedures (none: all) and measures (none: all).
    pub async fn count_sums_by_procedure(
        &self,
        agencies: &[String],
        procedures: Option<&[String]>,
        from: Option<NaiveDate>,
        to: NaiveDate,
        measures: &[Measure],
    ) -> Result<Vec<CountSum>> {
        let from = from.unwrap_or_else(epoch);
        if agencies.is_empty() || to < from || procedures.is_some_and(<[String]>::is_empty) {
            return Ok(Vec::new());
        }
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT agency, procedure, measure, channel, SUM(n) AS n FROM (",
        );
        let kept = push_month_and_day_rows(
            &mut q,
            "agency, procedure, measure, channel, n",
            from,
            to,
            |q| push_filters(q, agencies, procedures, measures, true),
        );
        q.push(") GROUP BY agency, procedure, measure, channel");
        self.fetch_sums(q, kept.flatten()).await
    }

    /// The distinct (agency, procedure) pairs with a `measure` counted on `channel` over days
    /// `from..=to`: e.g. which procedures each agency received online.
    pub async fn procedures_counted(
        &self,
        agencies: &[String],
        procedures: Option<&[String]>,
        from: NaiveDate,
        to: NaiveDate,
        measure: Measure,
        channel: i64,
    ) -> Result<Vec<(String, String)>> {
        if agencies.is_empty() || to < from || procedures.is_some_and(<[String]>::is_empty) {
            return Ok(Vec::new());
        }
        let mut q = QueryBuilder::<Sqlite>::new("SELECT DISTINCT agency, procedure FROM (");
        let kept = push_month_and_day_rows(&mut q, "agency, procedure", from, to, |q| {
            q.push(" AND channel = ");
            q.push_bind(channel);
            push_filters(q, agencies, procedures, &[measure], true)
        });
        q.push(")");
        let kept = kept.flatten();
        let rows = q.build().fetch_all(self.reader()).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                (
                    r.get::<String, _>("agency"),
                    r.get::<String, _>("procedure"),
                )
            })
            .filter(|(a, _)| kept.as_ref().is_none_or(|k| k.contains(a)))
            .collect())
    }

    /// Sums per (period, measure) for the agencies, where each period is a day (YYYY-MM-DD),
    /// a month (YYYY-MM) or a year (YYYY) — for charts.
    pub async fn count_by_period(
        &self,
        agencies: &[String],
        periods: &[String],
        measures: &[Measure],
    ) -> Result<Vec<(String, Measure, i64)>> {
        if agencies.is_empty() || periods.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT period, measure, SUM(n) AS n FROM report_totals WHERE period IN (",
        );
        push_list(&mut q, periods.iter().cloned());
        push_filters(&mut q, agencies, None, measures, false);
        q.push(" GROUP BY period, measure ORDER BY period");
        let rows = q.build().fetch_all(self.reader()).await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let m = domain::from_wire_name(&r.get::<String, _>("measure"))?;
                Some((r.get("period"), m, r.get::<i64, _>("n")))
            })
            .collect())
    }

    /// Runs a query of sums; `kept`: the agencies to keep when the query did not filter them.
    async fn fetch_sums(
        &self,
        mut q: QueryBuilder<Sqlite>,
        kept: Option<HashSet<String>>,
    ) -> Result<Vec<CountSum>> {
        let rows = q.build().fetch_all(self.reader()).await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let agency: String = r.get("agency");
                if kept.as_ref().is_some_and(|k| !k.contains(&agency)) {
                    return None;
                }
                let measure = domain::from_wire_name(&r.get::<String, _>("measure"))?;
                Some(CountSum {
                    agency,
                    procedure: r.get("procedure"),
                    channel: r.get("channel"),
                    measure,
                    n: r.get("n"),
                })
            })
            .collect())
    }
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(EPOCH.0, EPOCH.1, EPOCH.2).expect("valid date")
}

/// Above this many agencies a query reads every agency's rows and the caller keeps the ones
/// asked for: the keys lead with the period and measure, so one range per (period, measure)
/// costs less than a seek per (period, measure, agency) — a province's whole tree is ~140.
const AGENCY_SEEKS_MAX: usize = 48;

/// Pushes the measure, agency and procedure conditions. A query whose rows name their agency
/// may leave a long agency list out (see [`AGENCY_SEEKS_MAX`]) — `rows_name_agency` — and then
/// gets back the agencies it must keep itself.
fn push_filters(
    q: &mut QueryBuilder<Sqlite>,
    agencies: &[String],
    procedures: Option<&[String]>,
    measures: &[Measure],
    rows_name_agency: bool,
) -> Option<HashSet<String>> {
    if !measures.is_empty() {
        q.push(" AND measure IN (");
        push_list(q, measures.iter().map(key));
    }
    let kept = if rows_name_agency && agencies.len() > AGENCY_SEEKS_MAX {
        Some(agencies.iter().cloned().collect())
    } else {
        q.push(" AND agency IN (");
        push_list(q, agencies.iter().cloned());
        None
    };
    if let Some(p) = procedures {
        q.push(" AND procedure IN (");
        push_list(q, p.iter().cloned());
    }
    kept
}

/// Pushes `SELECT columns` over the month rows and the day rows that cover `from..=to`
/// (joined by UNION ALL), each with the conditions `filters` pushes; returns what it returned.
fn push_month_and_day_rows<T>(
    q: &mut QueryBuilder<Sqlite>,
    columns: &str,
    from: NaiveDate,
    to: NaiveDate,
    mut filters: impl FnMut(&mut QueryBuilder<Sqlite>) -> T,
) -> Option<T> {
    let pieces = cover(from, to, false);
    let months: Vec<String> = pieces
        .iter()
        .filter(|p| matches!(p, Piece::Month(..)))
        .map(Piece::key)
        .collect();
    let days: Vec<String> = pieces
        .iter()
        .filter(|p| matches!(p, Piece::Day(..)))
        .map(Piece::key)
        .collect();
    let mut out = None;
    for (table, column, list) in [
        ("report_months", "month", &months),
        ("report_counts", "day", &days),
    ] {
        if list.is_empty() {
            continue;
        }
        if out.is_some() {
            q.push(" UNION ALL ");
        }
        q.push(format!("SELECT {columns} FROM {table} WHERE {column} IN ("));
        push_list(q, list.iter().cloned());
        out = Some(filters(q));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_span_is_covered_by_whole_years_then_months_then_days() {
        let keys = |from, to, years| {
            cover(d(from), d(to), years)
                .iter()
                .map(Piece::key)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            keys("2026-07-01", "2026-09-30", true),
            ["2026-07", "2026-08", "2026-09"]
        );
        assert_eq!(
            keys("2024-12-30", "2026-02-02", true),
            [
                "2024-12-30",
                "2024-12-31",
                "2025",
                "2026-01",
                "2026-02-01",
                "2026-02-02"
            ]
        );
        assert_eq!(keys("2025-01-01", "2025-12-31", false).len(), 12);
        assert_eq!(keys("2026-02-28", "2026-02-27", true), Vec::<String>::new());
        // Every day of the span is covered exactly once.
        let pieces = cover(d("2023-03-17"), d("2026-11-23"), true);
        let days: i64 = pieces
            .iter()
            .map(|p| match p {
                Piece::Year(y) => NaiveDate::from_ymd_opt(*y, 12, 31).unwrap().ordinal() as i64,
                Piece::Month(y, m) => month_end(*y, *m).day() as i64,
                Piece::Day(_) => 1,
            })
            .sum();
        assert_eq!(days, (d("2026-11-23") - d("2023-03-17")).num_days() + 1);
    }
}
