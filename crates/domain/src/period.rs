//! Kỳ báo cáo — the periods reports and evaluations are made for: a month (`2026-07`), a quarter
//! (`2026-Q3`, also `Q3/2026`), a year (`2026`), or any span of days. TT 01/2018 evaluates per
//! quarter and year; QĐ 766 per month, quarter and year.

use std::fmt;

use chrono::{Datelike, NaiveDate};

use crate::error::DomainError;

/// A period of whole days (Vietnamese calendar dates).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Month { year: i32, month: u32 },
    Quarter { year: i32, quarter: u32 },
    Year(i32),
    Days { from: NaiveDate, to: NaiveDate },
}

impl Period {
    /// `2026-07`, `2026-Q3` (also `2026-q3`, `Q3/2026`) or `2026`.
    pub fn parse(text: &str) -> Result<Period, DomainError> {
        let t = text.trim().to_ascii_uppercase();
        let bad = || {
            DomainError::invalid(
                "invalid_period",
                format!(
                    "Kỳ \"{}\" không hợp lệ: ghi tháng như 2026-07, quý như 2026-Q3, hoặc năm như 2026.",
                    crate::error::shorten(text.trim())
                ),
            )
        };
        let year = |y: &str| {
            y.parse::<i32>()
                .ok()
                .filter(|y| (2000..=2199).contains(y))
                .ok_or_else(bad)
        };
        let within = |n: &str, max: u32| {
            n.parse::<u32>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(bad)
        };
        if let Some((y, q)) = t.split_once("-Q").or_else(|| {
            t.strip_prefix('Q')
                .and_then(|r| r.split_once('/'))
                .map(|(q, y)| (y, q))
        }) {
            return Ok(Period::Quarter {
                year: year(y)?,
                quarter: within(q, 4)?,
            });
        }
        if let Some((y, m)) = t.split_once('-') {
            return Ok(Period::Month {
                year: year(y)?,
                month: within(m, 12)?,
            });
        }
        Ok(Period::Year(year(&t)?))
    }

    /// Any span of whole days.
    pub fn days(from: NaiveDate, to: NaiveDate) -> Result<Period, DomainError> {
        if to < from {
            return Err(DomainError::invalid(
                "invalid_period",
                "Ngày cuối kỳ phải sau ngày đầu kỳ.",
            ));
        }
        Ok(Period::Days { from, to })
    }

    /// The quarter a day falls in.
    pub fn quarter_of(day: NaiveDate) -> Period {
        Period::Quarter {
            year: day.year(),
            quarter: (day.month() - 1) / 3 + 1,
        }
    }

    pub fn first_day(self) -> NaiveDate {
        let (y, m) = match self {
            Period::Month { year, month } => (year, month),
            Period::Quarter { year, quarter } => (year, (quarter - 1) * 3 + 1),
            Period::Year(year) => (year, 1),
            Period::Days { from, .. } => return from,
        };
        NaiveDate::from_ymd_opt(y, m, 1).expect("valid period")
    }

    pub fn last_day(self) -> NaiveDate {
        let months = match self {
            Period::Month { .. } => 1,
            Period::Quarter { .. } => 3,
            Period::Year(_) => 12,
            Period::Days { to, .. } => return to,
        };
        self.first_day() + chrono::Months::new(months) - chrono::Duration::days(1)
    }

    /// The period just before, of the same kind and length.
    pub fn previous(self) -> Period {
        let first = self.first_day();
        let before = first - chrono::Duration::days(1);
        match self {
            Period::Month { .. } => Period::Month {
                year: before.year(),
                month: before.month(),
            },
            Period::Quarter { .. } => Period::quarter_of(before),
            Period::Year(year) => Period::Year(year - 1),
            Period::Days { from, to } => Period::Days {
                from: from - (to - from) - chrono::Duration::days(1),
                to: before,
            },
        }
    }

    /// "Tháng 7 năm 2026", "Quý III năm 2026", "Năm 2026", "01/07/2026 – 15/07/2026".
    pub fn label(self) -> String {
        match self {
            Period::Month { year, month } => format!("Tháng {month} năm {year}"),
            Period::Quarter { year, quarter } => {
                let roman = ["I", "II", "III", "IV"][(quarter - 1) as usize];
                format!("Quý {roman} năm {year}")
            }
            Period::Year(year) => format!("Năm {year}"),
            Period::Days { from, to } => {
                format!("{} – {}", from.format("%d/%m/%Y"), to.format("%d/%m/%Y"))
            }
        }
    }
}

/// The form it is parsed from: `2026-07`, `2026-Q3`, `2026` (a span: `2026-07-01..2026-07-15`).
impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Month { year, month } => write!(f, "{year}-{month:02}"),
            Period::Quarter { year, quarter } => write!(f, "{year}-Q{quarter}"),
            Period::Year(year) => write!(f, "{year}"),
            Period::Days { from, to } => write!(f, "{from}..{to}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn months_quarters_and_years_have_their_first_and_last_days() {
        let q3 = Period::parse("2026-Q3").unwrap();
        assert_eq!(
            (q3.first_day(), q3.last_day()),
            (d(2026, 7, 1), d(2026, 9, 30))
        );
        let q4 = Period::parse(" 2026-q4 ").unwrap();
        assert_eq!(
            (q4.first_day(), q4.last_day()),
            (d(2026, 10, 1), d(2026, 12, 31))
        );
        assert_eq!(Period::parse("Q1/2027").unwrap().to_string(), "2027-Q1");
        let y = Period::parse("2026").unwrap();
        assert_eq!(
            (y.first_day(), y.last_day()),
            (d(2026, 1, 1), d(2026, 12, 31))
        );
        let feb = Period::parse("2024-02").unwrap();
        assert_eq!(feb.last_day(), d(2024, 2, 29));
        assert_eq!(feb.to_string(), "2024-02");
        assert_eq!(q3.label(), "Quý III năm 2026");
        assert_eq!(y.label(), "Năm 2026");
        assert_eq!(feb.label(), "Tháng 2 năm 2024");
        assert_eq!(Period::quarter_of(d(2026, 12, 7)), q4);
    }

    #[test]
    fn the_previous_period_is_of_the_same_kind() {
        let q1 = Period::parse("2026-Q1").unwrap();
        assert_eq!(q1.previous().to_string(), "2025-Q4");
        assert_eq!(
            Period::parse("2026-01").unwrap().previous().to_string(),
            "2025-12"
        );
        assert_eq!(
            Period::parse("2024-03").unwrap().previous().last_day(),
            d(2024, 2, 29)
        );
        assert_eq!(
            Period::parse("2026").unwrap().previous().to_string(),
            "2025"
        );
        let span = Period::days(d(2026, 7, 11), d(2026, 7, 20)).unwrap();
        assert_eq!(
            span.previous(),
            Period::days(d(2026, 7, 1), d(2026, 7, 10)).unwrap()
        );
        assert!(Period::days(d(2026, 7, 2), d(2026, 7, 1)).is_err());
    }

    #[test]
    fn a_bad_period_is_refused_with_an_example() {
        for bad in [
            "2026-Q5", "2026-Q0", "2026-13", "2026-00", "26", "quý 3", "", "2026-Q", "abc",
        ] {
            let e = Period::parse(bad).unwrap_err();
            assert!(e.message.contains("2026-Q3"), "{bad}: {}", e.message);
        }
    }
}
