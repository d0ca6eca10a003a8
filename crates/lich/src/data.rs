//! Dữ liệu ngày nghỉ — the holiday rules, yearly decisions and day swaps, read from TOML.
//!
//! The embedded file `data/vn-holidays.toml` is the national baseline. A province can load an
//! extra file with the same layout (for example the Prime Minister's decision for a year we have
//! not shipped yet); its entries are added, or replace the built-in ones with the same key.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;

use crate::error::CalendarError;

/// The national baseline shipped with the binary.
pub const EMBEDDED: &str = include_str!("../data/vn-holidays.toml");
const EMBEDDED_NAME: &str = "vn-holidays.toml (tích hợp sẵn)";

/// Độ tin cậy — how sure the data is (tags of vn-framework.md §0.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Confidence {
    /// Checked against the legal text.
    V,
    /// One secondary source.
    S,
    /// Unconfirmed.
    M,
}

/// Which side of its anchor holiday an adjacent day falls on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Before,
    After,
}

/// How a holiday's dates are found in a given year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum When {
    /// A fixed Gregorian day.
    Solar { month: u32, day: u32 },
    /// A fixed day of a non-leap lunar month (the ordinary month when the year has a leap one).
    Lunar { month: u8, day: u8 },
    /// Tết Nguyên đán: `days_before` days before mùng 1 and `days_from_tet` days from mùng 1.
    Tet { days_before: u8, days_from_tet: u8 },
    /// One day next to another holiday, the side chosen by that holiday's weekday
    /// (index 0 = Monday).
    Adjacent { to: String, side: [Side; 7] },
}

/// Ngày lễ — one statutory holiday rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolidayRule {
    pub id: String,
    pub name: String,
    pub when: When,
    pub from: Option<i32>,
    pub until: Option<i32>,
    pub basis: String,
    pub confidence: Confidence,
    /// Whether a day falling on a weekly rest day earns a compensatory day (Art. 111(3)).
    pub compensate: bool,
    /// Who fixes the exact days each year, when the law leaves that to a decision.
    pub decided_by: Option<String>,
}

impl HolidayRule {
    /// Whether the rule is in force in `year`.
    pub fn applies_in(&self, year: i32) -> bool {
        self.from.is_none_or(|f| year >= f) && self.until.is_none_or(|u| year <= u)
    }
}

/// Quyết định hằng năm — the decided days of one holiday in one year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub year: i32,
    pub holiday: String,
    pub dates: Vec<NaiveDate>,
    pub source: String,
    pub confidence: Confidence,
}

/// Hoán đổi ngày làm việc — a weekday off, worked on a weekly rest day instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Swap {
    pub off: NaiveDate,
    pub work: NaiveDate,
    pub reason: String,
    pub source: String,
    pub confidence: Confidence,
}

/// Phiên bản dữ liệu lịch — a digest of the holiday data files loaded, shown as 16 hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DataVersion(u64);

impl std::fmt::Display for DataVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// Everything the national working calendar is built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolidayData {
    pub first_year: i32,
    pub last_year: i32,
    pub weekly_rest: Vec<Weekday>,
    pub compensate_coinciding: bool,
    pub rules: Vec<HolidayRule>,
    pub decisions: Vec<Decision>,
    pub swaps: Vec<Swap>,
    /// Names of the files this data came from, in load order.
    pub sources: Vec<String>,
    /// FNV-1a digest over the texts loaded, so a deadline can record which data it used.
    digest: u64,
}

impl HolidayData {
    /// The national baseline embedded in the binary.
    pub fn embedded() -> Self {
        Self::parse(EMBEDDED, EMBEDDED_NAME).expect("the embedded holiday data is valid")
    }

    /// Reads a complete data file (it must have a `[coverage]` table).
    pub fn parse(text: &str, source_name: &str) -> Result<Self, CalendarError> {
        let raw = read_raw(text, source_name)?;
        let bad = |reason: String| invalid(source_name, reason);
        let coverage = raw
            .coverage
            .ok_or_else(|| bad("thiếu bảng [coverage]".into()))?;
        let mut data = HolidayData {
            first_year: coverage.first_year,
            last_year: coverage.last_year,
            weekly_rest: coverage.weekly_rest()?,
            compensate_coinciding: coverage.compensate_coinciding.unwrap_or(true),
            rules: Vec::new(),
            decisions: Vec::new(),
            swaps: Vec::new(),
            sources: vec![source_name.to_string()],
            digest: fnv1a(FNV_OFFSET, text.as_bytes()),
        };
        data.absorb(raw.holiday, raw.decision, raw.swap, source_name)?;
        data.validate(source_name)?;
        Ok(data)
    }

    /// Loads an extra file over this data: rules with a known id, decisions for a known
    /// (year, holiday) and swaps for a known day off are replaced; everything else is added.
    /// A `[coverage]` table, if present, replaces the coverage. Nothing changes on error.
    pub fn overlay(&self, text: &str, source_name: &str) -> Result<Self, CalendarError> {
        let raw = read_raw(text, source_name)?;
        let mut data = self.clone();
        if let Some(coverage) = raw.coverage {
            data.first_year = coverage.first_year;
            data.last_year = coverage.last_year;
            data.weekly_rest = coverage.weekly_rest()?;
            if let Some(c) = coverage.compensate_coinciding {
                data.compensate_coinciding = c;
            }
        }
        data.absorb(raw.holiday, raw.decision, raw.swap, source_name)?;
        data.validate(source_name)?;
        data.sources.push(source_name.to_string());
        data.digest = fnv1a(data.digest, text.as_bytes());
        Ok(data)
    }

    /// Identifies the exact data loaded; recorded with computed deadlines.
    pub fn version(&self) -> DataVersion {
        DataVersion(self.digest)
    }

    /// The rule with this id.
    pub fn rule(&self, id: &str) -> Option<&HolidayRule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// The decision for a holiday in a year, if one was loaded.
    pub fn decision(&self, year: i32, holiday: &str) -> Option<&Decision> {
        self.decisions
            .iter()
            .find(|d| d.year == year && d.holiday == holiday)
    }

    /// Whether every holiday the law leaves to a yearly decision has one for `year`.
    pub fn is_decided(&self, year: i32) -> bool {
        self.rules
            .iter()
            .filter(|r| r.decided_by.is_some() && r.applies_in(year))
            .all(|r| self.decision(year, &r.id).is_some())
    }

    fn absorb(
        &mut self,
        rules: Vec<RawHoliday>,
        decisions: Vec<RawDecision>,
        swaps: Vec<RawSwap>,
        source_name: &str,
    ) -> Result<(), CalendarError> {
        let mut seen = HashSet::new();
        for raw in rules {
            if !seen.insert(raw.id.clone()) {
                return Err(invalid(
                    source_name,
                    format!("mã ngày lễ \"{}\" bị lặp", raw.id),
                ));
            }
            let rule = raw.into_rule(source_name)?;
            match self.rules.iter_mut().find(|r| r.id == rule.id) {
                Some(existing) => *existing = rule,
                None => self.rules.push(rule),
            }
        }
        for raw in decisions {
            let decision = Decision {
                year: raw.year,
                holiday: raw.holiday,
                dates: raw
                    .dates
                    .iter()
                    .map(|d| parse_date(d, source_name))
                    .collect::<Result<_, _>>()?,
                source: raw.source,
                confidence: raw.confidence,
            };
            self.decisions
                .retain(|d| !(d.year == decision.year && d.holiday == decision.holiday));
            self.decisions.push(decision);
        }
        for raw in swaps {
            let swap = Swap {
                off: parse_date(&raw.off, source_name)?,
                work: parse_date(&raw.work, source_name)?,
                reason: raw.reason,
                source: raw.source,
                confidence: raw.confidence,
            };
            self.swaps.retain(|s| s.off != swap.off);
            self.swaps.push(swap);
        }
        self.decisions
            .sort_by(|a, b| (a.year, &a.holiday).cmp(&(b.year, &b.holiday)));
        self.swaps.sort_by_key(|s| s.off);
        Ok(())
    }

    fn validate(&self, source_name: &str) -> Result<(), CalendarError> {
        let bad = |reason: String| Err(invalid(source_name, reason));
        if self.first_year < crate::lunar::FIRST_YEAR
            || self.last_year > crate::lunar::LAST_YEAR
            || self.first_year > self.last_year
        {
            return bad(format!(
                "phạm vi năm {}–{} không hợp lệ (phải nằm trong {}–{})",
                self.first_year,
                self.last_year,
                crate::lunar::FIRST_YEAR,
                crate::lunar::LAST_YEAR
            ));
        }
        let ids: HashMap<&str, &HolidayRule> =
            self.rules.iter().map(|r| (r.id.as_str(), r)).collect();
        for rule in &self.rules {
            if let When::Adjacent { to, .. } = &rule.when {
                match ids.get(to.as_str()).map(|r| &r.when) {
                    Some(When::Solar { .. }) => {}
                    _ => {
                        return bad(format!(
                            "ngày lễ \"{}\" liền kề với \"{to}\", nhưng \"{to}\" không phải ngày lễ dương lịch",
                            rule.id
                        ));
                    }
                }
            }
        }
        for d in &self.decisions {
            let Some(rule) = ids.get(d.holiday.as_str()) else {
                return bad(format!(
                    "quyết định năm {} nói đến ngày lễ không có: \"{}\"",
                    d.year, d.holiday
                ));
            };
            if !rule.applies_in(d.year) {
                return bad(format!(
                    "quyết định năm {} cho \"{}\", nhưng ngày lễ này không áp dụng năm đó",
                    d.year, d.holiday
                ));
            }
            if d.dates.is_empty() {
                return bad(format!(
                    "quyết định năm {} cho \"{}\" không có ngày nào",
                    d.year, d.holiday
                ));
            }
            if let Some(far) = d.dates.iter().find(|x| (x.year() - d.year).abs() > 1) {
                return bad(format!(
                    "quyết định năm {} cho \"{}\" có ngày {far} không thuộc năm đó",
                    d.year, d.holiday
                ));
            }
        }
        for s in &self.swaps {
            if self.weekly_rest.contains(&s.off.weekday()) {
                return bad(format!(
                    "hoán đổi: ngày nghỉ {} đã là ngày nghỉ hằng tuần",
                    s.off
                ));
            }
            if !self.weekly_rest.contains(&s.work.weekday()) {
                return bad(format!(
                    "hoán đổi: ngày làm bù {} không phải ngày nghỉ hằng tuần",
                    s.work
                ));
            }
        }
        Ok(())
    }
}

fn invalid(source_name: &str, reason: String) -> CalendarError {
    CalendarError::InvalidData {
        source_name: source_name.to_string(),
        reason,
    }
}

fn read_raw(text: &str, source_name: &str) -> Result<RawData, CalendarError> {
    toml::from_str(text).map_err(|e| invalid(source_name, e.to_string().trim().to_string()))
}

fn parse_date(text: &str, source_name: &str) -> Result<NaiveDate, CalendarError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        invalid(
            source_name,
            format!("ngày \"{text}\" không hợp lệ (YYYY-MM-DD)"),
        )
    })
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawData {
    coverage: Option<RawCoverage>,
    #[serde(default)]
    holiday: Vec<RawHoliday>,
    #[serde(default)]
    decision: Vec<RawDecision>,
    #[serde(default)]
    swap: Vec<RawSwap>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCoverage {
    first_year: i32,
    last_year: i32,
    weekly_rest: Vec<String>,
    compensate_coinciding: Option<bool>,
}

impl RawCoverage {
    fn weekly_rest(&self) -> Result<Vec<Weekday>, CalendarError> {
        self.weekly_rest
            .iter()
            .map(|d| {
                d.parse::<Weekday>().map_err(|_| {
                    invalid(
                        "coverage",
                        format!("ngày trong tuần \"{d}\" không hợp lệ (Mon…Sun)"),
                    )
                })
            })
            .collect()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHoliday {
    id: String,
    name: String,
    solar: Option<String>,
    lunar: Option<String>,
    tet: Option<RawTet>,
    adjacent: Option<RawAdjacent>,
    from: Option<i32>,
    until: Option<i32>,
    basis: String,
    confidence: Confidence,
    #[serde(default = "yes")]
    compensate: bool,
    decided_by: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTet {
    days_before: u8,
    days_from_tet: u8,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAdjacent {
    to: String,
    mon: Side,
    tue: Side,
    wed: Side,
    thu: Side,
    fri: Side,
    sat: Side,
    sun: Side,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDecision {
    year: i32,
    holiday: String,
    dates: Vec<String>,
    source: String,
    confidence: Confidence,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSwap {
    off: String,
    work: String,
    reason: String,
    source: String,
    confidence: Confidence,
}

impl RawHoliday {
    fn into_rule(self, source_name: &str) -> Result<HolidayRule, CalendarError> {
        let id = self.id.clone();
        let bad = |reason: &str| invalid(source_name, format!("ngày lễ \"{id}\": {reason}"));
        let kinds = [
            self.solar.is_some(),
            self.lunar.is_some(),
            self.tet.is_some(),
            self.adjacent.is_some(),
        ];
        if kinds.iter().filter(|k| **k).count() != 1 {
            return Err(bad(
                "phải có đúng một trong các khóa solar, lunar, tet, adjacent",
            ));
        }
        let when = if let Some(s) = &self.solar {
            let (month, day) = month_day(s).ok_or_else(|| bad("solar phải có dạng \"MM-DD\""))?;
            NaiveDate::from_ymd_opt(2024, month, day)
                .ok_or_else(|| bad("ngày dương lịch không tồn tại"))?;
            When::Solar { month, day }
        } else if let Some(s) = &self.lunar {
            let (month, day) = month_day(s).ok_or_else(|| bad("lunar phải có dạng \"MM-DD\""))?;
            if !(1..=12).contains(&month) || !(1..=29).contains(&day) {
                // Day 30 does not exist in every lunar month, so a yearly rule cannot use it.
                return Err(bad("ngày âm lịch phải từ 01 đến 29, tháng từ 01 đến 12"));
            }
            When::Lunar {
                month: month as u8,
                day: day as u8,
            }
        } else if let Some(t) = &self.tet {
            if t.days_from_tet == 0 || u32::from(t.days_before) + u32::from(t.days_from_tet) > 10 {
                return Err(bad("số ngày Tết không hợp lệ"));
            }
            When::Tet {
                days_before: t.days_before,
                days_from_tet: t.days_from_tet,
            }
        } else {
            let a = self.adjacent.as_ref().expect("checked above");
            When::Adjacent {
                to: a.to.clone(),
                side: [a.mon, a.tue, a.wed, a.thu, a.fri, a.sat, a.sun],
            }
        };
        Ok(HolidayRule {
            id: self.id,
            name: self.name,
            when,
            from: self.from,
            until: self.until,
            basis: self.basis,
            confidence: self.confidence,
            compensate: self.compensate,
            decided_by: self.decided_by,
        })
    }
}

fn month_day(text: &str) -> Option<(u32, u32)> {
    let (m, d) = text.split_once('-')?;
    if m.len() != 2 || d.len() != 2 {
        return None;
    }
    Some((m.parse().ok()?, d.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_data_is_valid_and_complete_for_2020_to_2026() {
        let data = HolidayData::embedded();
        assert_eq!((data.first_year, data.last_year), (2020, 2199));
        for year in 2020..=2026 {
            assert!(data.is_decided(year), "{year} should be decided");
        }
        assert!(!data.is_decided(2027));
    }

    #[test]
    fn an_overlay_adds_a_year_decision_without_touching_the_rest() {
        let base = HolidayData::embedded();
        let extra = r#"
            [[decision]]
            year = 2027
            holiday = "tet-nguyen-dan"
            dates = ["2027-02-04", "2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08"]
            source = "test"
            confidence = "M"
            [[decision]]
            year = 2027
            holiday = "quoc-khanh-lien-ke"
            dates = ["2027-09-03"]
            source = "test"
            confidence = "M"
        "#;
        let merged = base.overlay(extra, "extra.toml").unwrap();
        assert!(merged.is_decided(2027));
        assert_eq!(merged.rules, base.rules);
        assert_ne!(merged.version(), base.version());
        assert_eq!(merged.sources.len(), 2);
    }

    #[test]
    fn a_new_holiday_from_a_given_year_is_data() {
        let base = HolidayData::embedded();
        let extra = r#"
            [[holiday]]
            id = "ngay-moi"
            name = "Ngày lễ mới"
            solar = "10-10"
            from = 2030
            basis = "Luật giả định"
            confidence = "M"
        "#;
        let merged = base.overlay(extra, "extra.toml").unwrap();
        let rule = merged.rule("ngay-moi").unwrap();
        assert!(!rule.applies_in(2029));
        assert!(rule.applies_in(2030));
    }

    #[test]
    fn bad_data_is_refused_with_a_reason() {
        let base = HolidayData::embedded();
        let cases = [
            (
                "[[swap]]\noff = \"2024-05-04\"\nwork = \"2024-05-05\"\nreason = \"x\"\nsource = \"x\"\nconfidence = \"S\"",
                "ngày nghỉ hằng tuần",
            ),
            (
                "[[decision]]\nyear = 2024\nholiday = \"khong-co\"\ndates = [\"2024-01-01\"]\nsource = \"x\"\nconfidence = \"S\"",
                "không có",
            ),
            (
                "[[holiday]]\nid = \"x\"\nname = \"x\"\nsolar = \"02-30\"\nbasis = \"x\"\nconfidence = \"S\"",
                "không tồn tại",
            ),
            (
                "[[holiday]]\nid = \"x\"\nname = \"x\"\nbasis = \"x\"\nconfidence = \"S\"",
                "đúng một",
            ),
            (
                "[[decision]]\nyear = 2024\nholiday = \"tet-nguyen-dan\"\ndates = [\"2024-13-01\"]\nsource = \"x\"\nconfidence = \"S\"",
                "không hợp lệ",
            ),
            ("khong_phai = toml =", ""),
        ];
        for (text, needle) in cases {
            let err = base.overlay(text, "bad.toml").unwrap_err();
            assert_eq!(err.code(), "invalid_calendar_data");
            assert!(err.to_string().contains(needle), "{err}");
        }
    }
}
