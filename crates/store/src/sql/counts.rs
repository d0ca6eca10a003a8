//! Bộ đếm báo cáo — the queries of the report counters, for either backend: sums over the
//! fewest rows that cover a span ([`cover`]), from `report_totals` (by day, month and year,
//! without the procedure) or from `report_months` and `report_counts` (by month and by day,
//! with every key).

use std::collections::HashSet;

use chrono::NaiveDate;
use domain::dossier::Measure;

use super::{Dialect, Sql};
use crate::counts::epoch;
use crate::{CountSum, Piece, cover, key};

/// Above this many agencies a query on SQLite reads every agency's rows and keeps the ones
/// asked for: the keys lead with the period and measure, so one range per (period, measure)
/// costs less than a seek per (period, measure, agency) — a province's whole tree is ~140.
/// PostgreSQL gets the agencies as one array, however many, and filters them itself.
const AGENCY_SEEKS_MAX: usize = 48;

/// A query of sums, and the agencies to keep of its rows when it did not filter them itself.
pub(crate) struct Sums {
    pub sql: Sql,
    kept: Option<HashSet<String>>,
}

impl Sums {
    /// Whether a row of `agency` is one asked for.
    pub fn keeps(&self, agency: &str) -> bool {
        self.kept.as_ref().is_none_or(|k| k.contains(agency))
    }

    /// The sums of the rows read — (agency, procedure, measure, channel, n) — of the agencies
    /// asked for; a measure this build does not know is left out.
    pub fn collect(
        &self,
        rows: impl IntoIterator<Item = (String, String, String, i64, i64)>,
    ) -> Vec<CountSum> {
        rows.into_iter()
            .filter_map(|(agency, procedure, measure, channel, n)| {
                if !self.keeps(&agency) {
                    return None;
                }
                Some(CountSum {
                    measure: domain::from_wire_name(&measure)?,
                    agency,
                    procedure,
                    channel,
                    n,
                })
            })
            .collect()
    }
}

/// Pushes the measure, agency and procedure conditions. A query whose rows name their agency
/// may leave a long agency list out on SQLite (see [`AGENCY_SEEKS_MAX`]) —
/// `rows_name_agency` — and then gets back the agencies it must keep itself.
fn push_filters(
    q: &mut Sql,
    agencies: &[String],
    procedures: Option<&[String]>,
    measures: &[Measure],
    rows_name_agency: bool,
) -> Option<HashSet<String>> {
    if !measures.is_empty() {
        q.push(" AND ").any("measure", measures.iter().map(key));
    }
    let kept = if q.dialect() == Dialect::Sqlite
        && rows_name_agency
        && agencies.len() > AGENCY_SEEKS_MAX
    {
        Some(agencies.iter().cloned().collect())
    } else {
        q.push(" AND ").any("agency", agencies.iter().cloned());
        None
    };
    if let Some(p) = procedures {
        q.push(" AND ").any("procedure", p.iter().cloned());
    }
    kept
}

/// Pushes `SELECT columns` over the month rows and the day rows that cover `from..=to` (joined
/// by UNION ALL), each with the conditions `filters` pushes; returns what it returned (none
/// when no row can match).
fn push_month_and_day_rows<T>(
    q: &mut Sql,
    columns: &str,
    from: NaiveDate,
    to: NaiveDate,
    mut filters: impl FnMut(&mut Sql) -> T,
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
        ("report_months", "month", months),
        ("report_counts", "day", days),
    ] {
        if list.is_empty() {
            continue;
        }
        if out.is_some() {
            q.push(" UNION ALL ");
        }
        q.push(&format!("SELECT {columns} FROM {table} WHERE "))
            .any(column, list);
        out = Some(filters(q));
    }
    out
}

/// Sums per (agency, measure, channel) over days `from..=to` (no `from`: from the first day),
/// of the given measures (none: all); none when nothing can match.
pub(crate) fn count_sums(
    dialect: Dialect,
    agencies: &[String],
    from: Option<NaiveDate>,
    to: NaiveDate,
    measures: &[Measure],
) -> Option<Sums> {
    let from = from.unwrap_or_else(epoch);
    if agencies.is_empty() || to < from {
        return None;
    }
    let mut q = Sql::new(
        dialect,
        "SELECT agency, '' AS procedure, measure, channel, ",
    );
    q.sum("n")
        .push(" AS n FROM report_totals WHERE ")
        .any("period", cover(from, to, true).iter().map(Piece::key));
    let kept = push_filters(&mut q, agencies, None, measures, true);
    // SQLite gives the groups in their keys' order (text by bytes); PostgreSQL is told.
    q.push(" GROUP BY agency, measure, channel")
        .postgres(" ORDER BY agency COLLATE \"C\", measure COLLATE \"C\", channel");
    Some(Sums { sql: q, kept })
}

/// Sums per (agency, procedure, measure, channel) over days `from..=to` (no `from`: from the
/// first day), of the given procedures (none: all) and measures (none: all); none when nothing
/// can match.
pub(crate) fn count_sums_by_procedure(
    dialect: Dialect,
    agencies: &[String],
    procedures: Option<&[String]>,
    from: Option<NaiveDate>,
    to: NaiveDate,
    measures: &[Measure],
) -> Option<Sums> {
    let from = from.unwrap_or_else(epoch);
    if agencies.is_empty() || to < from || procedures.is_some_and(<[String]>::is_empty) {
        return None;
    }
    let mut q = Sql::new(dialect, "SELECT agency, procedure, measure, channel, ");
    q.sum("n").push(" AS n FROM (");
    let kept = push_month_and_day_rows(
        &mut q,
        "agency, procedure, measure, channel, n",
        from,
        to,
        |q| push_filters(q, agencies, procedures, measures, true),
    )?;
    q.push(")")
        .postgres(" AS u")
        .push(" GROUP BY agency, procedure, measure, channel")
        .postgres(
            " ORDER BY agency COLLATE \"C\", procedure COLLATE \"C\", measure COLLATE \"C\", \
             channel",
        );
    Some(Sums { sql: q, kept })
}

/// The distinct (agency, procedure) pairs with a `measure` counted on `channel` (any channel
/// when `None`) over days `from..=to`; none when nothing can match.
pub(crate) fn procedures_counted(
    dialect: Dialect,
    agencies: &[String],
    procedures: Option<&[String]>,
    from: NaiveDate,
    to: NaiveDate,
    measure: Measure,
    channel: Option<i64>,
) -> Option<Sums> {
    if agencies.is_empty() || to < from || procedures.is_some_and(<[String]>::is_empty) {
        return None;
    }
    // On PostgreSQL GROUP BY rather than DISTINCT: the same pairs, and an order by bytes may
    // follow.
    let mut q = Sql::new(
        dialect,
        match dialect {
            Dialect::Sqlite => "SELECT DISTINCT agency, procedure FROM (",
            Dialect::Postgres => "SELECT agency, procedure FROM (",
        },
    );
    let kept = push_month_and_day_rows(&mut q, "agency, procedure", from, to, |q| {
        if let Some(channel) = channel {
            q.push(" AND channel = ").bind(channel);
        }
        push_filters(q, agencies, procedures, &[measure], true)
    })?;
    q.push(")").postgres(
        " AS u GROUP BY agency, procedure ORDER BY agency COLLATE \"C\", procedure COLLATE \"C\"",
    );
    Some(Sums { sql: q, kept })
}

/// Sums per (period, measure) for the agencies, in the order of the periods: (period, measure,
/// n); none when nothing can match.
pub(crate) fn count_by_period(
    dialect: Dialect,
    agencies: &[String],
    periods: &[String],
    measures: &[Measure],
) -> Option<Sql> {
    if agencies.is_empty() || periods.is_empty() {
        return None;
    }
    let mut q = Sql::new(dialect, "SELECT period, measure, ");
    q.sum("n")
        .push(" AS n FROM report_totals WHERE ")
        .any("period", periods.iter().cloned());
    push_filters(&mut q, agencies, None, measures, false);
    q.push(" GROUP BY period, measure ORDER BY period")
        .bytewise()
        .postgres(", measure COLLATE \"C\"");
    Some(q)
}

/// The rows of [`count_by_period`] — (period, measure, n) — with their measures; a measure
/// this build does not know is left out.
pub(crate) fn by_period(
    rows: impl IntoIterator<Item = (String, String, i64)>,
) -> Vec<(String, Measure, i64)> {
    rows.into_iter()
        .filter_map(|(period, measure, n)| Some((period, domain::from_wire_name(&measure)?, n)))
        .collect()
}
