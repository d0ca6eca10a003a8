//! Đánh giá việc giải quyết thủ tục hành chính — the scoring tool of TT 01/2018/TT-VPCP
//! Art. 12–15: nine indices scored 2 / 1 / 0, averaged per official and per unit over the
//! dossiers of a quarter or a year, each rounded to one decimal, summed, and classified.
//!
//! * [`Scheme`]: the indices, their points, which count for officials and for units, and the
//!   classification bands — data, read from a TOML file (the TT 01/2018 one ships embedded), so a
//!   replacement regulation is a new file, not new code;
//! * [`Evidence`]: what one ended dossier tells the evaluation (timeliness of the whole and of
//!   each unit's part, who handled which step, the citizen's answers);
//! * [`Evaluation`]: the sums per unit (a unit includes its sub-units) and per official, and
//!   their [`Scorecard`]s; the per-unit indices 5 and 9 also read the catalogue
//!   ([`UnitCatalogue`]);
//! * [`Period`]: a quarter or a year.

mod evidence;
mod scheme;
mod scorecard;
mod unit_indices;

use std::fmt;

pub use crate::period::Period;
pub use evidence::{Evidence, UnitCatalogue};
pub use scheme::{Band, Classification, IndexDef, Method, Scheme};
pub use scorecard::{Evaluation, IndexScore, OfficialScore, Scorecard, UnitScore};

/// Điểm — points in tenths: TT 01/2018 Art. 15 rounds each index score to one decimal, so every
/// score and total is a whole number of tenths, computed from integer counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Points(i64);

impl Points {
    pub const ZERO: Points = Points(0);

    pub fn whole(n: i64) -> Self {
        Self(n * 10)
    }

    pub fn from_tenths(tenths: i64) -> Self {
        Self(tenths)
    }

    pub fn tenths(self) -> i64 {
        self.0
    }

    /// TT 01/2018 Art. 15: the sum of the per-dossier points ÷ the number of dossiers, rounded to
    /// one decimal (half up). `None` when nothing was scored.
    pub fn average(sum: i64, count: i64) -> Option<Self> {
        // round(10·sum / count) = ⌊(20·sum + count) / (2·count)⌋, in integers.
        (count > 0).then(|| Self((20 * sum + count).div_euclid(2 * count)))
    }

    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 10.0
    }
}

impl std::ops::Add for Points {
    type Output = Points;
    fn add(self, o: Points) -> Points {
        Points(self.0 + o.0)
    }
}

impl std::iter::Sum for Points {
    fn sum<I: Iterator<Item = Points>>(iter: I) -> Points {
        iter.fold(Points::ZERO, |a, b| a + b)
    }
}

/// "12.5": one decimal, a point as separator (pages write it the Vietnamese way, "12,5").
impl fmt::Display for Points {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}{}.{}", self.0.abs() / 10, self.0.abs() % 10)
    }
}

impl serde::Serialize for Points {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.as_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_index_score_is_the_average_rounded_half_up_to_one_decimal() {
        let avg = |s, n| Points::average(s, n).unwrap().to_string();
        assert_eq!(avg(2, 1), "2.0");
        assert_eq!(avg(1, 3), "0.3"); // 0.333…
        assert_eq!(avg(2, 3), "0.7"); // 0.666…
        assert_eq!(avg(1, 4), "0.3"); // 0.25 → half up
        assert_eq!(avg(3, 4), "0.8"); // 0.75
        assert_eq!(avg(5, 4), "1.3"); // 1.25
        assert_eq!(avg(29, 20), "1.5"); // 1.45
        assert_eq!(avg(0, 7), "0.0");
        assert_eq!(Points::average(0, 0), None, "no dossier, no score");
    }

    #[test]
    fn points_print_with_one_decimal_and_serialise_as_numbers() {
        assert_eq!(Points::from_tenths(149).to_string(), "14.9");
        assert_eq!(Points::whole(18).to_string(), "18.0");
        assert_eq!(
            serde_json::to_string(&Points::from_tenths(35)).unwrap(),
            "3.5"
        );
    }
}
