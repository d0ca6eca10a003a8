//! Kỳ đánh giá — TT 01/2018 aggregates per quarter and per year: `2026-Q3`, `2026`.

use std::fmt;

use chrono::{Datelike, NaiveDate};

use crate::error::DomainError;

/// A quarter or a year (Vietnamese calendar dates).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Quarter { year: i32, quarter: u32 },
    Year(i32),
}

impl Period {
    /// `2026-Q3` (also `2026-q3`, `Q3/2026`) or `2026`.
    pub fn parse(text: &str) -> Result<Period, DomainError> {
        let t = text.trim().to_ascii_uppercase();
        let bad = || {
            DomainError::invalid(
                "invalid_period",
                format!(
                    "Kỳ đánh giá \"{}\" không hợp lệ: ghi quý như 2026-Q3, hoặc năm như 2026.",
                    text.trim()
                ),
            )
        };
        let year = |y: &str| {
            y.parse::<i32>()
                .ok()
                .filter(|y| (2000..=2199).contains(y))
                .ok_or_else(bad)
        };
        if let Some((y, q)) = t.split_once("-Q").or_else(|| {
            t.strip_prefix('Q')
                .and_then(|r| r.split_once('/'))
                .map(|(q, y)| (y, q))
        }) {
            let quarter = q
                .parse::<u32>()
                .ok()
                .filter(|q| (1..=4).contains(q))
                .ok_or_else(bad)?;
            return Ok(Period::Quarter {
                year: year(y)?,
                quarter,
            });
        }
        Ok(Period::Year(year(&t)?))
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
            Period::Quarter { year, quarter } => (year, (quarter - 1) * 3 + 1),
            Period::Year(year) => (year, 1),
        };
        NaiveDate::from_ymd_opt(y, m, 1).expect("valid period")
    }

    pub fn last_day(self) -> NaiveDate {
        let (y, m) = match self {
            Period::Quarter { year, quarter: 4 } => (year + 1, 1),
            Period::Quarter { year, quarter } => (year, quarter * 3 + 1),
            Period::Year(year) => (year + 1, 1),
        };
        NaiveDate::from_ymd_opt(y, m, 1).expect("valid period") - chrono::Duration::days(1)
    }

    /// "Quý III năm 2026", "Năm 2026".
    pub fn label(self) -> String {
        match self {
            Period::Quarter { year, quarter } => {
                let roman = ["I", "II", "III", "IV"][(quarter - 1) as usize];
                format!("Quý {roman} năm {year}")
            }
            Period::Year(year) => format!("Năm {year}"),
        }
    }
}

/// The form it is parsed from: `2026-Q3`, `2026`.
impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Quarter { year, quarter } => write!(f, "{year}-Q{quarter}"),
            Period::Year(year) => write!(f, "{year}"),
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
    fn quarters_and_years_have_their_first_and_last_days() {
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
        assert_eq!(q3.label(), "Quý III năm 2026");
        assert_eq!(y.label(), "Năm 2026");
        assert_eq!(Period::quarter_of(d(2026, 12, 7)), q4);
    }

    #[test]
    fn a_bad_period_is_refused_with_an_example() {
        for bad in ["2026-Q5", "2026-Q0", "26", "quý 3", "", "2026-Q"] {
            let e = Period::parse(bad).unwrap_err();
            assert!(e.message.contains("2026-Q3"), "{bad}: {}", e.message);
        }
    }
}
