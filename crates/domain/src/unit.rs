//! Đơn vị hành chính — administrative units under both regimes: three local levels (province,
//! district, commune) until 30/6/2025, two levels (province, commune) from 1/7/2025
//! (vn-framework §10). A code means different places in the two regimes, so a unit is always
//! identified by (regime, code).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Chế độ chính quyền địa phương — which map of units a date belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Regime {
    /// Three levels: 63 provinces, 696 districts, 10,051 communes (QĐ 124/2004 codes).
    ThreeLevel,
    /// Two levels from 1/7/2025: 34 provinces, 3,321 communes (QĐ 19/2025 codes).
    TwoLevel,
}

impl Regime {
    /// The first day of the two-level local government.
    pub fn two_level_start() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 7, 1).expect("valid date")
    }

    /// The regime in force on a date.
    pub fn on(date: NaiveDate) -> Self {
        if date >= Self::two_level_start() {
            Regime::TwoLevel
        } else {
            Regime::ThreeLevel
        }
    }

    /// First and last day the regime is in force (`None` = still in force).
    pub fn validity(self) -> (Option<NaiveDate>, Option<NaiveDate>) {
        match self {
            Regime::ThreeLevel => (None, Self::two_level_start().pred_opt()),
            Regime::TwoLevel => (Some(Self::two_level_start()), None),
        }
    }
}

/// Cấp hành chính.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnitLevel {
    /// Cấp tỉnh.
    Province,
    /// Cấp huyện (three-level regime only).
    District,
    /// Cấp xã.
    Commune,
}

/// Đơn vị hành chính.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminUnit {
    pub regime: Regime,
    /// 2 digits (province), 3 (district) or 5 (commune).
    pub code: String,
    /// Full name as published: "Tỉnh Lào Cai", "Xã Bảo Thắng", "Thị trấn Phố Lu".
    pub name: String,
    pub level: UnitLevel,
    /// Loại: tỉnh, thành phố trung ương, huyện, quận, thị xã, xã, phường, thị trấn, đặc khu…
    pub kind: String,
    /// Code of the unit above (same regime).
    pub parent: Option<String>,
}

/// Kế thừa đơn vị — an old unit (three-level) and one of the new units (two-level) that took over
/// its area. One old commune can be split among several new ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Succession {
    pub old_code: String,
    pub new_code: String,
    pub effective: NaiveDate,
    pub legal_basis: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_level_regime_starts_on_1_july_2025() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(Regime::on(d("2025-06-30")), Regime::ThreeLevel);
        assert_eq!(Regime::on(d("2025-07-01")), Regime::TwoLevel);
        assert_eq!(Regime::ThreeLevel.validity().1, Some(d("2025-06-30")));
    }
}
