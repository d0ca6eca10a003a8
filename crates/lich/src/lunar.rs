//! Âm lịch Việt Nam — the Vietnamese lunisolar calendar, computed for the meridian 105°E (UTC+7).
//!
//! The rules are the ones Hồ Ngọc Đức published in 2004 (vn-framework §9.4), implemented here
//! from the rules themselves and from Jean Meeus' formulas:
//!
//! 1. A lunar month starts on the local (UTC+7) day that contains an astronomical new moon.
//! 2. The month in which the Sun reaches longitude 270° (winter solstice, *Đông chí*) is month 11.
//! 3. When 13 months start between two consecutive months 11, the year has a leap month
//!    (*tháng nhuận*): the first month after month 11 during which the Sun enters no new 30° sector
//!    (no major solar term, *trung khí*). It repeats the number of the month before it.
//!
//! Astronomy: the new moon from the mean lunation and its periodic terms in Meeus, *Astronomical
//! Formulae for Calculators* (1979); the Sun's true longitude from Meeus, *Astronomical
//! Algorithms* (1998), ch. 25. The Sun's position is sampled at local midnight, which is what
//! decides on which day a solar term falls.
//!
//! The whole range 1900–2199 is computed once into a table of month starts (about 3,700 rows),
//! so a conversion in either direction is a binary search or a short walk.

use std::f64::consts::PI;
use std::fmt;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};

use crate::error::CalendarError;

/// First Gregorian year the lunar table covers.
pub const FIRST_YEAR: i32 = 1900;
/// Last Gregorian year the lunar table covers.
pub const LAST_YEAR: i32 = 2199;

/// Offset of Vietnamese civil time from UTC, in hours (the 105°E meridian; no daylight saving).
const TIME_ZONE_HOURS: f64 = 7.0;

/// Mean synodic month in days.
const SYNODIC_MONTH: f64 = 29.530588853;
/// Julian day of the mean new moon of January 1900 (lunation k = 0 in Meeus' 1979 series).
const EPOCH_NEW_MOON: f64 = 2415021.076998695;
/// `NaiveDate::num_days_from_ce` + this = Julian Day Number.
const JDN_OF_CE_DAY_ZERO: i64 = 1_721_425;

/// Ngày âm lịch — a date in the Vietnamese lunar calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LunarDate {
    /// Lunar year; it begins on Tết (mùng 1 tháng Giêng).
    pub year: i32,
    /// Month number 1–12; a leap month repeats the number of the month before it.
    pub month: u8,
    /// Tháng nhuận — true for the leap month.
    pub leap: bool,
    /// Day of the month, 1–30.
    pub day: u8,
}

/// Can Chi — a sexagenary name: one of ten heavenly stems and one of twelve earthly branches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CanChi {
    stem: u8,
    branch: u8,
}

/// Thiên can — the ten heavenly stems.
pub const STEMS: [&str; 10] = [
    "Giáp", "Ất", "Bính", "Đinh", "Mậu", "Kỷ", "Canh", "Tân", "Nhâm", "Quý",
];
/// Địa chi — the twelve earthly branches.
pub const BRANCHES: [&str; 12] = [
    "Tý", "Sửu", "Dần", "Mão", "Thìn", "Tỵ", "Ngọ", "Mùi", "Thân", "Dậu", "Tuất", "Hợi",
];
/// Vietnamese names of the lunar months; month 1 is *tháng Giêng*, month 12 *tháng Chạp*.
const MONTH_NAMES: [&str; 12] = [
    "Giêng",
    "Hai",
    "Ba",
    "Tư",
    "Năm",
    "Sáu",
    "Bảy",
    "Tám",
    "Chín",
    "Mười",
    "Mười Một",
    "Chạp",
];

impl CanChi {
    fn new(stem: i64, branch: i64) -> Self {
        Self {
            stem: stem.rem_euclid(10) as u8,
            branch: branch.rem_euclid(12) as u8,
        }
    }

    /// The heavenly stem (thiên can), e.g. "Canh".
    pub fn stem(&self) -> &'static str {
        STEMS[self.stem as usize]
    }

    /// The earthly branch (địa chi), e.g. "Tuất".
    pub fn branch(&self) -> &'static str {
        BRANCHES[self.branch as usize]
    }
}

impl fmt::Display for CanChi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.stem(), self.branch())
    }
}

impl LunarDate {
    /// Can Chi of the lunar year (e.g. 2030 → Canh Tuất).
    pub fn year_can_chi(&self) -> CanChi {
        year_can_chi(self.year)
    }

    /// Can Chi of the lunar month. A leap month is conventionally given the name of the month
    /// it repeats.
    pub fn month_can_chi(&self) -> CanChi {
        let (y, m) = (i64::from(self.year), i64::from(self.month));
        // Month 1 is always a Dần month; its stem follows from the year's stem.
        CanChi::new(y * 12 + m + 3, m + 1)
    }

    /// Vietnamese name of the month: "Giêng", "Hai", …, "Chạp".
    pub fn month_name(&self) -> &'static str {
        MONTH_NAMES[usize::from(self.month - 1)]
    }

    /// Day label as people say it: "Mùng 1" … "Mùng 10", then "Ngày 11" … "Ngày 30".
    pub fn day_label(&self) -> String {
        if self.day <= 10 {
            format!("Mùng {}", self.day)
        } else {
            format!("Ngày {}", self.day)
        }
    }

    /// Full Vietnamese description, e.g. "Mùng 1 tháng Giêng năm Canh Tuất".
    pub fn describe(&self) -> String {
        format!(
            "{} tháng {}{} năm {}",
            self.day_label(),
            self.month_name(),
            if self.leap { " (nhuận)" } else { "" },
            self.year_can_chi()
        )
    }
}

impl fmt::Display for LunarDate {
    /// `dd/mm/yyyy`, with " nhuận" after the month for a leap month: "10/3/2031", "15/6 nhuận/2025".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.leap {
            write!(f, "{}/{} nhuận/{}", self.day, self.month, self.year)
        } else {
            write!(f, "{}/{}/{}", self.day, self.month, self.year)
        }
    }
}

/// Can Chi of a lunar year.
pub fn year_can_chi(year: i32) -> CanChi {
    let y = i64::from(year);
    CanChi::new(y + 6, y + 8)
}

/// Can Chi of a (solar) day.
pub fn day_can_chi(date: NaiveDate) -> CanChi {
    let jdn = jdn(date);
    CanChi::new(jdn + 9, jdn + 1)
}

/// Julian Day Number of a Gregorian date.
pub(crate) fn jdn(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) + JDN_OF_CE_DAY_ZERO
}

fn date_of_jdn(jdn: i64) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt((jdn - JDN_OF_CE_DAY_ZERO) as i32)
        .expect("JDN inside the lunar table is a valid date")
}

/// Converts a Gregorian date to the Vietnamese lunar date.
pub fn to_lunar(date: NaiveDate) -> Result<LunarDate, CalendarError> {
    let table = table();
    if !(FIRST_YEAR..=LAST_YEAR).contains(&date.year()) {
        return Err(CalendarError::LunarOutOfRange { date });
    }
    let day = jdn(date);
    // The month containing `day` is the last one starting on or before it.
    let i = table.months.partition_point(|m| m.jdn <= day) - 1;
    let m = &table.months[i];
    Ok(LunarDate {
        year: m.year,
        month: m.month,
        leap: m.leap,
        day: (day - m.jdn + 1) as u8,
    })
}

/// Converts a Vietnamese lunar date to the Gregorian date.
///
/// Fails when the month is not leap that year but `leap` is asked for, when the day is past the
/// end of a 29-day month, or when the result lies outside 1900–2199.
pub fn to_solar(lunar: LunarDate) -> Result<NaiveDate, CalendarError> {
    let no_such = || CalendarError::NoSuchLunarDate { lunar };
    if !(1..=12).contains(&lunar.month) || !(1..=30).contains(&lunar.day) {
        return Err(no_such());
    }
    let (start, len) = month_span(lunar.year, lunar.month, lunar.leap)?.ok_or_else(no_such)?;
    if i64::from(lunar.day) > len {
        return Err(no_such());
    }
    let date = date_of_jdn(start + i64::from(lunar.day) - 1);
    if !(FIRST_YEAR..=LAST_YEAR).contains(&date.year()) {
        return Err(CalendarError::LunarOutOfRange { date });
    }
    Ok(date)
}

/// Tết Nguyên đán — mùng 1 tháng Giêng of a lunar year.
pub fn tet(year: i32) -> Result<NaiveDate, CalendarError> {
    to_solar(LunarDate {
        year,
        month: 1,
        leap: false,
        day: 1,
    })
}

/// The leap month of a lunar year, if it has one.
pub fn leap_month(year: i32) -> Result<Option<u8>, CalendarError> {
    let table = table();
    Ok(months_of_year(year)?
        .map(|i| &table.months[i])
        .find(|m| m.leap)
        .map(|m| m.month))
}

/// The months of a lunar year in order, with their first day and length (29 or 30 days).
pub fn months(year: i32) -> Result<Vec<(LunarDate, NaiveDate, u8)>, CalendarError> {
    let table = table();
    Ok(months_of_year(year)?
        .map(|i| {
            let m = &table.months[i];
            let lunar = LunarDate {
                year: m.year,
                month: m.month,
                leap: m.leap,
                day: 1,
            };
            (lunar, date_of_jdn(m.jdn), table.length(i) as u8)
        })
        .collect())
}

/// First JDN and length of a lunar month, or `None` if that month does not exist that year.
fn month_span(year: i32, month: u8, leap: bool) -> Result<Option<(i64, i64)>, CalendarError> {
    let table = table();
    Ok(months_of_year(year)?
        .find(|&i| table.months[i].month == month && table.months[i].leap == leap)
        .map(|i| (table.months[i].jdn, table.length(i))))
}

/// Indexes into the table of the months of a lunar year.
fn months_of_year(year: i32) -> Result<std::ops::Range<usize>, CalendarError> {
    let table = table();
    let lo = table.months.partition_point(|m| m.year < year);
    let hi = table.months.partition_point(|m| m.year <= year);
    // A year is usable only when all its months, and the one after, are in the table.
    let complete = lo > 0 && hi < table.months.len() && hi - lo >= 12;
    if !complete || !(FIRST_YEAR - 1..=LAST_YEAR).contains(&year) {
        return Err(CalendarError::LunarYearOutOfRange { year });
    }
    Ok(lo..hi)
}

#[derive(Debug, Clone, Copy)]
struct MonthStart {
    jdn: i64,
    year: i32,
    month: u8,
    leap: bool,
}

struct Table {
    /// Every month starting from the one containing 1 January 1900 (with a few before, so every
    /// lunar year in range is complete) to a few after 31 December 2199; sorted by `jdn`.
    months: Vec<MonthStart>,
}

impl Table {
    /// Length in days of the month at index `i` (29 or 30).
    fn length(&self, i: usize) -> i64 {
        self.months[i + 1].jdn - self.months[i].jdn
    }
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(build_table)
}

fn build_table() -> Table {
    let first = NaiveDate::from_ymd_opt(FIRST_YEAR - 2, 11, 1).expect("valid date");
    let last = NaiveDate::from_ymd_opt(LAST_YEAR + 1, 12, 31).expect("valid date");
    let k_first = lunation_before(jdn(first)) - 1;
    let k_last = lunation_before(jdn(last)) + 2;
    let starts: Vec<i64> = (k_first..=k_last).map(new_moon_day).collect();
    let sectors: Vec<i32> = starts.iter().map(|&d| sun_sector(d)).collect();

    // Months 11: the months during which the Sun crosses 270° (from sector 7 or 8 into 9 or 10).
    let elevens: Vec<usize> = (0..starts.len() - 1)
        .filter(|&i| matches!(sectors[i], 7 | 8) && matches!(sectors[i + 1], 9 | 10))
        .collect();

    let mut months = Vec::with_capacity(starts.len());
    for pair in elevens.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let solar_year = date_of_jdn(starts[a]).year();
        // 13 months between two months 11: the first one with no major solar term is leap.
        let leap_at = (b - a == 13)
            .then(|| (1..13).find(|&i| sectors[a + i] == sectors[a + i + 1]))
            .flatten();
        for i in 0..(b - a) {
            let (ordinal, leap) = match leap_at {
                Some(l) if i == l => (i - 1, true),
                Some(l) if i > l => (i - 1, false),
                _ => (i, false),
            };
            // Ordinal 0 is month 11, 1 is month 12, 2 is month 1 …
            let month = ((ordinal + 10) % 12 + 1) as u8;
            let year = if month >= 11 {
                solar_year
            } else {
                solar_year + 1
            };
            months.push(MonthStart {
                jdn: starts[a + i],
                year,
                month,
                leap,
            });
        }
    }
    // The month after the last one, so every month in the table has a known length.
    let tail = *elevens.last().expect("month 11 found");
    months.push(MonthStart {
        jdn: starts[tail],
        year: date_of_jdn(starts[tail]).year(),
        month: 11,
        leap: false,
    });
    Table { months }
}

/// Index of the mean lunation that starts on or before the given day.
fn lunation_before(jdn: i64) -> i64 {
    ((jdn as f64 - EPOCH_NEW_MOON) / SYNODIC_MONTH).floor() as i64
}

/// Local (UTC+7) day, as a JDN, of the k-th new moon after January 1900.
///
/// Meeus, *Astronomical Formulae for Calculators* (1979): the mean phase plus the main periodic
/// terms in the Sun's mean anomaly `m`, the Moon's mean anomaly `mp` and the Moon's argument of
/// latitude `f`, then the difference between dynamical and universal time.
fn new_moon_day(k: i64) -> i64 {
    let k = k as f64;
    let t = k / 1236.85;
    let t2 = t * t;
    let t3 = t2 * t;
    let dr = PI / 180.0;
    let mean = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3
        + 0.00033 * ((166.56 + 132.87 * t - 0.009173 * t2) * dr).sin();
    let m = (359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3) * dr;
    let mp = (306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3) * dr;
    let f = (21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3) * dr;
    let mut c = (0.1734 - 0.000393 * t) * m.sin() + 0.0021 * (2.0 * m).sin();
    c = c - 0.4068 * mp.sin() + 0.0161 * (2.0 * mp).sin();
    c -= 0.0004 * (3.0 * mp).sin();
    c = c + 0.0104 * (2.0 * f).sin() - 0.0051 * (m + mp).sin();
    c = c - 0.0074 * (m - mp).sin() + 0.0004 * (2.0 * f + m).sin();
    c = c - 0.0004 * (2.0 * f - m).sin() - 0.0006 * (2.0 * f + mp).sin();
    c = c + 0.0010 * (2.0 * f - mp).sin() + 0.0005 * (2.0 * mp + m).sin();
    // ΔT (TT − UT) in days.
    let delta_t = if t < -11.0 {
        0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
    } else {
        -0.000278 + 0.000265 * t + 0.000262 * t2
    };
    let jd = mean + c - delta_t;
    (jd + 0.5 + TIME_ZONE_HOURS / 24.0).floor() as i64
}

/// The 30° sector (0–11) of the Sun's true longitude at local midnight starting the given day.
/// Sector 9 begins at the winter solstice (270°).
fn sun_sector(jdn: i64) -> i32 {
    // Julian centuries from J2000.0 at 00:00 local time.
    let t = (jdn as f64 - 2451545.5 - TIME_ZONE_HOURS / 24.0) / 36525.0;
    let t2 = t * t;
    let dr = PI / 180.0;
    let m = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2;
    let l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2;
    let mut centre = (1.914600 - 0.004817 * t - 0.000014 * t2) * (dr * m).sin();
    centre += (0.019993 - 0.000101 * t) * (dr * 2.0 * m).sin() + 0.000290 * (dr * 3.0 * m).sin();
    let mut l = (l0 + centre) * dr;
    l -= PI * 2.0 * (l / (PI * 2.0)).floor();
    (l / PI * 6.0).floor() as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn tet_2030_is_2_february_in_vietnam_not_3_february_as_in_china() {
        assert_eq!(tet(2030).unwrap(), d(2030, 2, 2));
        let lunar = to_lunar(d(2030, 2, 2)).unwrap();
        assert_eq!(
            (lunar.day, lunar.month, lunar.leap, lunar.year),
            (1, 1, false, 2030)
        );
        assert_eq!(lunar.year_can_chi().to_string(), "Canh Tuất");
    }

    #[test]
    fn leap_month_2033_is_the_eleventh() {
        assert_eq!(leap_month(2033).unwrap(), Some(11));
        assert_eq!(leap_month(2034).unwrap(), None);
    }

    #[test]
    fn day_can_chi_matches_a_known_day() {
        // 2024-02-10, Tết Giáp Thìn, was a Giáp Thìn day.
        assert_eq!(day_can_chi(d(2024, 2, 10)).to_string(), "Giáp Thìn");
    }

    #[test]
    fn month_can_chi_of_first_month_of_giap_year_is_binh_dan() {
        let m = to_lunar(tet(2024).unwrap()).unwrap();
        assert_eq!(m.month_can_chi().to_string(), "Bính Dần");
    }

    #[test]
    fn out_of_range_dates_are_refused() {
        assert!(matches!(
            to_lunar(d(1899, 12, 31)),
            Err(CalendarError::LunarOutOfRange { .. })
        ));
        assert!(to_lunar(d(1900, 1, 1)).is_ok());
        assert!(to_lunar(d(2199, 12, 31)).is_ok());
        assert!(matches!(
            to_lunar(d(2200, 1, 1)),
            Err(CalendarError::LunarOutOfRange { .. })
        ));
    }

    #[test]
    fn a_leap_flag_on_a_normal_month_is_refused() {
        let bad = LunarDate {
            year: 2024,
            month: 3,
            leap: true,
            day: 1,
        };
        assert!(matches!(
            to_solar(bad),
            Err(CalendarError::NoSuchLunarDate { .. })
        ));
    }
}
