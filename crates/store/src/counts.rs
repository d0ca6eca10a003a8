//! Bộ đếm báo cáo — report counters: sums of dossier facts, changed in the transaction of each
//! dossier change, and rebuilt whole from the events when asked.
//!
//! The same sums are kept at three grains: by day with every key, by month with every key, and
//! by day, month and year without the procedure. A query over a span reads the fewest rows that
//! cover it ([`cover`]): whole years, then whole months, then days.

use chrono::{Datelike, NaiveDate};
use domain::dossier::{Fact, Measure};

use crate::Result;

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
pub enum Piece {
    Year(i32),
    Month(i32, u32),
    Day(NaiveDate),
}

impl Piece {
    pub fn key(&self) -> String {
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
pub fn cover(from: NaiveDate, to: NaiveDate, years: bool) -> Vec<Piece> {
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

/// The first day a span without a start reaches back to.
pub fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(EPOCH.0, EPOCH.1, EPOCH.2).expect("valid date")
}

/// The report counters.
#[async_trait::async_trait]
pub trait CountStore: Send + Sync {
    /// Replaces every counter with these sums (a rebuild), in one transaction.
    async fn replace_counts(&self, sums: &[(Fact, i64)]) -> Result<()>;

    /// Bulk load for a large generated history (the reports benchmark): adds daily sums with
    /// no rollups; [`CountStore::finish_bulk_counts`] then derives them once.
    async fn add_daily_counts(&self, sums: &[(Fact, i64)]) -> Result<()>;

    /// Derives the month and total rows from the daily rows (after a bulk load).
    async fn finish_bulk_counts(&self) -> Result<()>;

    /// Every non-zero daily counter, in key order (to compare a rebuild with the kept counters).
    async fn all_counts(&self) -> Result<Vec<CountRow>>;

    /// How many month and total rows differ from the sums of the daily rows (0 when the
    /// grains agree).
    async fn rollup_mismatches(&self) -> Result<i64>;

    /// Sums per (agency, measure, channel) over days `from..=to` (no `from`: from the first
    /// day), of the given measures (none: all).
    async fn count_sums(
        &self,
        agencies: &[String],
        from: Option<NaiveDate>,
        to: NaiveDate,
        measures: &[Measure],
    ) -> Result<Vec<CountSum>>;

    /// Sums per (agency, procedure, measure, channel) over days `from..=to` (no `from`: from
    /// the first day), of the given procedures (none: all) and measures (none: all).
    async fn count_sums_by_procedure(
        &self,
        agencies: &[String],
        procedures: Option<&[String]>,
        from: Option<NaiveDate>,
        to: NaiveDate,
        measures: &[Measure],
    ) -> Result<Vec<CountSum>>;

    /// The distinct (agency, procedure) pairs with a `measure` counted on `channel` (any channel
    /// when `None`) over days `from..=to`: e.g. which procedures each agency received online.
    async fn procedures_counted(
        &self,
        agencies: &[String],
        procedures: Option<&[String]>,
        from: NaiveDate,
        to: NaiveDate,
        measure: Measure,
        channel: Option<i64>,
    ) -> Result<Vec<(String, String)>>;

    /// Sums per (period, measure) for the agencies, where each period is a day (YYYY-MM-DD),
    /// a month (YYYY-MM) or a year (YYYY) — for charts.
    async fn count_by_period(
        &self,
        agencies: &[String],
        periods: &[String],
        measures: &[Measure],
    ) -> Result<Vec<(String, Measure, i64)>>;
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
