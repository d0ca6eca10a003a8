//! Lịch làm việc quốc gia — which days are working days for state agencies, and why not.
//!
//! Built once from [`HolidayData`]: statutory holidays (solar and lunar), the yearly decisions,
//! compensatory days off (Labour Code 2019 Art. 111(3)) and civil-service day swaps. Alongside
//! the day table it keeps a working-day index — for every day, how many working days come before
//! it, and for every working day, which day it is — so that "the n-th working day after" and
//! "how many working days between" are array lookups, whatever the limit.

use chrono::{Datelike, Days, NaiveDate};
use serde::Serialize;

use crate::data::{Confidence, DataVersion, HolidayData, HolidayRule, Side, When};
use crate::error::CalendarError;
use crate::lunar;
use crate::time::weekday_vi;

/// Loại ngày — what a date is for a state agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DayKind {
    /// Ngày làm việc — an ordinary working day.
    Workday,
    /// Ngày nghỉ hằng tuần — Saturday or Sunday.
    WeeklyRest,
    /// Ngày lễ, Tết — a statutory holiday (also when it falls on a weekly rest day).
    Holiday,
    /// Nghỉ bù — compensatory day off for a holiday that fell on a weekly rest day.
    Compensatory,
    /// Nghỉ hoán đổi — a weekday off, swapped with a Saturday worked.
    SwapOff,
    /// Làm bù — a weekly rest day worked in exchange for a swapped day off.
    MakeUp,
    /// Tạm ngừng làm việc — an agency's ad-hoc closure (typhoon, power cut…).
    Closure,
}

impl DayKind {
    /// Vietnamese label, as printed for officers.
    pub fn label(self) -> &'static str {
        match self {
            DayKind::Workday => "ngày làm việc",
            DayKind::WeeklyRest => "nghỉ hằng tuần",
            DayKind::Holiday => "ngày lễ, Tết",
            DayKind::Compensatory => "nghỉ bù",
            DayKind::SwapOff => "nghỉ hoán đổi",
            DayKind::MakeUp => "làm bù",
            DayKind::Closure => "tạm ngừng làm việc",
        }
    }

    /// Stable machine code (the JSON value).
    pub fn code(self) -> &'static str {
        match self {
            DayKind::Workday => "workday",
            DayKind::WeeklyRest => "weekly-rest",
            DayKind::Holiday => "holiday",
            DayKind::Compensatory => "compensatory",
            DayKind::SwapOff => "swap-off",
            DayKind::MakeUp => "make-up",
            DayKind::Closure => "closure",
        }
    }
}

/// What the calendar knows about one date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayInfo {
    pub date: NaiveDate,
    pub working: bool,
    pub kind: DayKind,
    /// Vietnamese name of the holiday, or the reason of the swap or closure.
    pub name: Option<String>,
    /// Legal basis or source of the rule that made this day special.
    pub basis: Option<String>,
    pub confidence: Option<Confidence>,
}

impl DayInfo {
    /// Vietnamese weekday name of the date.
    pub fn weekday(&self) -> &'static str {
        weekday_vi(self.date.weekday())
    }
}

/// Why a date is not ordinary.
#[derive(Debug, Clone)]
struct Special {
    kind: DayKind,
    name: String,
    basis: String,
    confidence: Confidence,
}

/// The national working calendar for the years its data covers.
#[derive(Debug, Clone)]
pub struct Calendar {
    data: HolidayData,
    epoch: NaiveDate,
    /// Per day: 0 for an ordinary day, otherwise 1 + index into `specials`.
    special_of: Vec<u16>,
    specials: Vec<Special>,
    /// `rank[i]` = number of working days among days `0..i`; one entry more than there are days.
    rank: Vec<u32>,
    /// `select[k]` = index of the k-th working day (0-based).
    select: Vec<u32>,
}

/// One day given to a holiday by a rule, before compensation.
struct Occurrence {
    date: NaiveDate,
    compensate: bool,
    label: String,
    basis: String,
    confidence: Confidence,
}

impl Calendar {
    /// The national calendar from the embedded baseline data.
    pub fn embedded() -> Self {
        Self::new(HolidayData::embedded())
    }

    /// Builds the calendar and its index from holiday data.
    pub fn new(data: HolidayData) -> Self {
        let epoch = NaiveDate::from_ymd_opt(data.first_year, 1, 1).expect("valid year");
        let end = NaiveDate::from_ymd_opt(data.last_year, 12, 31).expect("valid year");
        let n_days = (end - epoch).num_days() as usize + 1;
        let occurrences = occurrences(&data);
        let mut cal = Calendar {
            epoch,
            special_of: vec![0; n_days],
            specials: Vec::new(),
            rank: Vec::new(),
            select: Vec::new(),
            data,
        };
        let mut to_compensate = Vec::new();
        for occ in &occurrences {
            let Some(i) = cal.index_of(occ.date) else {
                continue;
            };
            match cal.special_at(i).map(|s| s.kind) {
                Some(DayKind::Holiday) => {
                    // Two holidays on one day: keep both names; the later one may earn a day off.
                    let s = cal.special_mut(i).expect("checked");
                    s.name = format!("{}; {}", s.name, occ.label);
                    if cal.data.compensate_coinciding && occ.compensate {
                        to_compensate.push(occ);
                    }
                }
                _ => {
                    cal.set_special(
                        i,
                        Special {
                            kind: DayKind::Holiday,
                            name: occ.label.clone(),
                            basis: occ.basis.clone(),
                            confidence: occ.confidence,
                        },
                    );
                    if occ.compensate && cal.is_weekly_rest(occ.date) {
                        to_compensate.push(occ);
                    }
                }
            }
        }
        for swap in cal.data.swaps.clone() {
            // The weekday off names the Saturday worked, and the other way round.
            let sides = [
                (
                    swap.off,
                    DayKind::SwapOff,
                    "Nghỉ hoán đổi, làm bù",
                    swap.work,
                ),
                (swap.work, DayKind::MakeUp, "Làm bù cho ngày nghỉ", swap.off),
            ];
            for (date, kind, what, other) in sides {
                let Some(i) = cal.index_of(date) else {
                    continue;
                };
                if cal.special_at(i).is_none() {
                    let name = format!(
                        "{what} {} {} — {}",
                        in_sentence(weekday_vi(other.weekday())),
                        other.format("%d/%m/%Y"),
                        swap.reason
                    );
                    let special = Special {
                        kind,
                        name,
                        basis: swap.source.clone(),
                        confidence: swap.confidence,
                    };
                    cal.set_special(i, special);
                }
            }
        }
        // Labour Code 2019 Art. 111(3): a holiday on a weekly rest day is made up on the next
        // working day. Earlier holidays take their day first.
        to_compensate.sort_by_key(|o| o.date);
        for occ in to_compensate {
            let mut d = occ.date;
            while let Some(next) = d.succ_opt().filter(|n| cal.index_of(*n).is_some()) {
                d = next;
                let i = cal.index_of(d).expect("checked");
                if !cal.is_weekly_rest(d) && cal.special_at(i).is_none() {
                    cal.set_special(
                        i,
                        Special {
                            kind: DayKind::Compensatory,
                            name: format!(
                                "Nghỉ bù {} trùng {} {}",
                                occ.label,
                                in_sentence(weekday_vi(occ.date.weekday())),
                                occ.date.format("%d/%m/%Y")
                            ),
                            basis: format!(
                                "Bộ luật Lao động 2019, Điều 111 khoản 3; {}",
                                occ.basis
                            ),
                            confidence: occ.confidence,
                        },
                    );
                    break;
                }
            }
        }
        cal.build_index();
        cal
    }

    /// The data this calendar was built from.
    pub fn data(&self) -> &HolidayData {
        &self.data
    }

    /// Digest of the data, recorded with each computed deadline.
    pub fn version(&self) -> DataVersion {
        self.data.version()
    }

    /// First year covered.
    pub fn first_year(&self) -> i32 {
        self.data.first_year
    }

    /// Last year covered.
    pub fn last_year(&self) -> i32 {
        self.data.last_year
    }

    /// Whether the yearly decisions (Tết, the day next to 2/9) are loaded for `year`; when not,
    /// the default rules of the data file are used.
    pub fn is_decided(&self, year: i32) -> bool {
        self.data.is_decided(year)
    }

    /// What the calendar knows about a date.
    pub fn day(&self, date: NaiveDate) -> Result<DayInfo, CalendarError> {
        let i = self.checked_index(date)?;
        Ok(self.info_at(i))
    }

    /// Whether `date` is a working day of state agencies.
    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        Ok(self.working_at(self.checked_index(date)?))
    }

    /// The first working day after `date`.
    pub fn next_working_day(&self, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        let i = self.checked_index(date)?;
        let k = self.rank[i + 1] as usize;
        self.select
            .get(k)
            .map(|&j| self.date_at(j as usize))
            .ok_or_else(|| self.out_of_range(self.data.last_year + 1))
    }

    /// The last working day before `date`.
    pub fn previous_working_day(&self, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        let i = self.checked_index(date)?;
        let k = self.rank[i] as usize;
        k.checked_sub(1)
            .map(|k| self.date_at(self.select[k] as usize))
            .ok_or_else(|| self.out_of_range(self.data.first_year - 1))
    }

    /// The named days of a year: holidays (also those on a weekend), compensatory days,
    /// swapped days off and make-up working days, in date order.
    pub fn named_days(&self, year: i32) -> Result<Vec<DayInfo>, CalendarError> {
        let first = NaiveDate::from_ymd_opt(year, 1, 1)
            .ok_or_else(|| self.out_of_range(year))
            .and_then(|d| self.checked_index(d))?;
        let last = self.checked_index(NaiveDate::from_ymd_opt(year, 12, 31).expect("valid"))?;
        Ok((first..=last)
            .filter(|&i| self.special_of[i] != 0)
            .map(|i| self.info_at(i))
            .collect())
    }

    // ---- index, used by the agency calendar -------------------------------------------------

    pub(crate) fn checked_index(&self, date: NaiveDate) -> Result<usize, CalendarError> {
        self.index_of(date)
            .ok_or_else(|| self.out_of_range(date.year()))
    }

    pub(crate) fn index_of(&self, date: NaiveDate) -> Option<usize> {
        let i = (date - self.epoch).num_days();
        (0..self.special_of.len() as i64)
            .contains(&i)
            .then_some(i as usize)
    }

    pub(crate) fn date_at(&self, i: usize) -> NaiveDate {
        self.epoch + Days::new(i as u64)
    }

    pub(crate) fn working_at(&self, i: usize) -> bool {
        self.rank[i + 1] > self.rank[i]
    }

    /// Number of working days among days `0..i`.
    pub(crate) fn rank(&self, i: usize) -> usize {
        self.rank[i] as usize
    }

    /// Index of the k-th working day (0-based), if within range.
    pub(crate) fn select(&self, k: usize) -> Option<usize> {
        self.select.get(k).map(|&i| i as usize)
    }

    pub(crate) fn info_at(&self, i: usize) -> DayInfo {
        let date = self.date_at(i);
        let working = self.working_at(i);
        match self.special_at(i) {
            Some(s) => DayInfo {
                date,
                working,
                kind: s.kind,
                name: Some(s.name.clone()),
                basis: Some(s.basis.clone()),
                confidence: Some(s.confidence),
            },
            None => DayInfo {
                date,
                working,
                kind: if working {
                    DayKind::Workday
                } else {
                    DayKind::WeeklyRest
                },
                name: None,
                basis: None,
                confidence: None,
            },
        }
    }

    pub(crate) fn out_of_range(&self, year: i32) -> CalendarError {
        CalendarError::YearOutOfRange {
            year,
            first: self.data.first_year,
            last: self.data.last_year,
        }
    }

    // ---- construction -------------------------------------------------------------------------

    fn is_weekly_rest(&self, date: NaiveDate) -> bool {
        self.data.weekly_rest.contains(&date.weekday())
    }

    fn special_at(&self, i: usize) -> Option<&Special> {
        match self.special_of[i] {
            0 => None,
            n => Some(&self.specials[usize::from(n) - 1]),
        }
    }

    fn special_mut(&mut self, i: usize) -> Option<&mut Special> {
        match self.special_of[i] {
            0 => None,
            n => Some(&mut self.specials[usize::from(n) - 1]),
        }
    }

    fn set_special(&mut self, i: usize, special: Special) {
        self.specials.push(special);
        self.special_of[i] = u16::try_from(self.specials.len()).expect("fewer than 65k specials");
    }

    fn build_index(&mut self) {
        let n = self.special_of.len();
        self.rank = Vec::with_capacity(n + 1);
        self.select = Vec::with_capacity(n * 5 / 7 + 1);
        self.rank.push(0);
        for i in 0..n {
            let date = self.date_at(i);
            let working = match self.special_at(i).map(|s| s.kind) {
                Some(DayKind::MakeUp) => true,
                Some(_) => false,
                None => !self.is_weekly_rest(date),
            };
            if working {
                self.select.push(i as u32);
            }
            self.rank.push(self.select.len() as u32);
        }
    }
}

/// Every holiday day of every covered year, from the decisions where there are some and
/// from the default rules otherwise, sorted by date.
fn occurrences(data: &HolidayData) -> Vec<Occurrence> {
    let mut out = Vec::new();
    for year in data.first_year..=data.last_year {
        for rule in data.rules.iter().filter(|r| r.applies_in(year)) {
            let (dates, basis, confidence) = match data.decision(year, &rule.id) {
                Some(d) => (
                    d.dates.clone(),
                    format!("{}; {}", rule.basis, d.source),
                    d.confidence,
                ),
                None => (
                    default_dates(data, rule, year),
                    rule.basis.clone(),
                    rule.confidence,
                ),
            };
            for date in dates {
                out.push(Occurrence {
                    date,
                    compensate: rule.compensate,
                    label: holiday_label(rule, date),
                    basis: basis.clone(),
                    confidence,
                });
            }
        }
    }
    out.sort_by_key(|o| o.date);
    out
}

/// The dates a rule gives in a year when no decision was loaded.
fn default_dates(data: &HolidayData, rule: &HolidayRule, year: i32) -> Vec<NaiveDate> {
    match &rule.when {
        When::Solar { month, day } => NaiveDate::from_ymd_opt(year, *month, *day)
            .into_iter()
            .collect(),
        When::Lunar { month, day } => lunar::to_solar(lunar::LunarDate {
            year,
            month: *month,
            leap: false,
            day: *day,
        })
        .into_iter()
        .collect(),
        When::Tet {
            days_before,
            days_from_tet,
        } => {
            let Ok(tet) = lunar::tet(year) else {
                return Vec::new();
            };
            let first = tet - Days::new(u64::from(*days_before));
            (0..u64::from(*days_before) + u64::from(*days_from_tet))
                .map(|n| first + Days::new(n))
                .collect()
        }
        When::Adjacent { to, side } => {
            let anchor = data.rule(to).and_then(|r| match r.when {
                When::Solar { month, day } => NaiveDate::from_ymd_opt(year, month, day),
                _ => None,
            });
            anchor
                .map(
                    |a| match side[a.weekday().num_days_from_monday() as usize] {
                        Side::Before => a - Days::new(1),
                        Side::After => a + Days::new(1),
                    },
                )
                .into_iter()
                .collect()
        }
    }
}

/// A weekday name inside a sentence: "thứ Bảy", "chủ nhật".
fn in_sentence(weekday: &str) -> String {
    let mut chars = weekday.chars();
    chars
        .next()
        .map(|c| c.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The name printed for a holiday day: Tết days carry their lunar date, lunar holidays theirs.
fn holiday_label(rule: &HolidayRule, date: NaiveDate) -> String {
    match (&rule.when, lunar::to_lunar(date)) {
        (When::Tet { .. }, Ok(l)) if l.month == 1 && !l.leap => {
            format!("{} (Mùng {} Tết)", rule.name, l.day)
        }
        (When::Tet { .. }, Ok(l)) => format!("{} ({} tháng {})", rule.name, l.day, l.month_name()),
        (When::Lunar { month, day }, _) => format!("{} ({day}/{month} âm lịch)", rule.name),
        _ => rule.name.clone(),
    }
}
