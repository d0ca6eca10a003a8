//! Thời hạn giải quyết — legal time limits and the instants they end at (vn-framework §9.2–9.3).
//!
//! * Civil Code 2015 Art. 147: a limit in days starts the day after the event (the reception day
//!   is not counted); a limit in hours starts at the stated moment.
//! * Art. 148(5): a limit whose last day is a weekly rest day or a holiday ends on the next
//!   working day. Art. 148(3): a limit in months ends on the corresponding day of the last month.
//! * Same-day procedures ("trong ngày"): received after the cut-off (15:00 by default), they are
//!   due the next working day.
//! * Two ways to set the appointment, chosen per procedure or province: whole working days, due at
//!   the end of office hours of the last one; or working hours added from the reception instant.
//! * Pauses: ND 61/2018 Art. 19(4) restarts the limit from zero when the complete dossier arrives
//!   ([`WorkCalendar::due`] from the new instant); QĐ 766 measures the time used minus the paused
//!   windows ([`WorkCalendar::due_excluding_pauses`], [`WorkCalendar::elapsed_excluding_pauses`]).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Days, FixedOffset, Months, NaiveDate, NaiveTime, Timelike};
use serde::{Deserialize, Serialize};

use crate::agency::WorkCalendar;
use crate::calendar::DayInfo;
use crate::data::DataVersion;
use crate::error::CalendarError;
use crate::time::to_vn;

/// Đơn vị tính thời hạn — the unit of a time limit, as the national catalogue writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unit {
    /// "ngày làm việc"
    WorkingDays,
    /// "ngày" — calendar days
    CalendarDays,
    /// "giờ làm việc"
    WorkingHours,
    /// "giờ" — hours; counted as working hours unless the rules say wall-clock
    Hours,
    /// "tuần" — weeks of calendar days
    Weeks,
    /// "tháng" — calendar months
    Months,
    /// "trong ngày" — the same working day
    SameDay,
}

impl Unit {
    /// The unit as written in Vietnamese.
    pub fn label(self) -> &'static str {
        match self {
            Unit::WorkingDays => "ngày làm việc",
            Unit::CalendarDays => "ngày",
            Unit::WorkingHours => "giờ làm việc",
            Unit::Hours => "giờ",
            Unit::Weeks => "tuần",
            Unit::Months => "tháng",
            Unit::SameDay => "trong ngày",
        }
    }

    /// Units the catalogue writes, folded (no diacritics), longest first so "ngay lam viec" wins
    /// over "ngay".
    const WRITTEN: [(&'static str, Unit); 8] = [
        ("ngay lam viec", Unit::WorkingDays),
        ("gio lam viec", Unit::WorkingHours),
        ("ngay", Unit::CalendarDays),
        ("gio", Unit::Hours),
        ("tieng", Unit::Hours),
        ("tuan", Unit::Weeks),
        ("thang", Unit::Months),
        ("trong ngay", Unit::SameDay),
    ];

    fn allows_fraction(self) -> bool {
        matches!(self, Unit::WorkingDays | Unit::WorkingHours | Unit::Hours)
    }
}

/// Thời hạn — a time limit: an amount and a unit ("5 ngày làm việc", "trong ngày").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limit {
    /// Amount in hundredths, so "1,5 ngày làm việc" is exact; 0 for "trong ngày".
    hundredths: u32,
    unit: Unit,
}

/// Largest amount accepted, in units: ten years of days is more than any procedure needs.
const MAX_AMOUNT: u32 = 3650;

impl Limit {
    /// A whole number of units. Zero is only meaningful for [`Unit::SameDay`].
    pub fn new(amount: u32, unit: Unit) -> Result<Self, CalendarError> {
        let input = format!("{amount} {}", unit.label());
        Self::checked(amount.saturating_mul(100), unit, &input)
    }

    /// "trong ngày".
    pub fn same_day() -> Self {
        Self {
            hundredths: 0,
            unit: Unit::SameDay,
        }
    }

    fn checked(hundredths: u32, unit: Unit, input: &str) -> Result<Self, CalendarError> {
        let bad = |reason: &str| CalendarError::InvalidLimit {
            input: vntext::shorten(input),
            reason: reason.to_string(),
        };
        if unit == Unit::SameDay {
            return Ok(Self::same_day());
        }
        if hundredths == 0 {
            return Err(bad(
                "Thời hạn phải lớn hơn 0; việc trả kết quả ngay ghi là \"trong ngày\".",
            ));
        }
        if hundredths > MAX_AMOUNT * 100 {
            return Err(bad("Thời hạn quá dài (tối đa 3650)."));
        }
        if !hundredths.is_multiple_of(100) && !unit.allows_fraction() {
            return Err(bad(
                "Thời hạn tính theo ngày, tuần, tháng phải là số nguyên.",
            ));
        }
        Ok(Self { hundredths, unit })
    }

    /// The unit.
    pub fn unit(&self) -> Unit {
        self.unit
    }

    /// The amount in hundredths of the unit.
    pub fn hundredths(&self) -> u32 {
        self.hundredths
    }

    /// Whether the amount is a whole number of units.
    pub fn is_whole(&self) -> bool {
        self.hundredths.is_multiple_of(100)
    }
}

impl FromStr for Limit {
    type Err = CalendarError;

    /// Parses a limit as the national catalogue writes it, with or without diacritics:
    /// "5 ngày làm việc", "05 ngày", "1,5 ngày làm việc", "8 giờ làm việc", "24 giờ",
    /// "3 tháng", "Trong ngày". A trailing clause such as "kể từ ngày nhận đủ hồ sơ hợp lệ" is
    /// allowed and ignored.
    fn from_str(input: &str) -> Result<Self, CalendarError> {
        let bad = |reason: String| CalendarError::InvalidLimit {
            input: vntext::shorten(input),
            reason,
        };
        let folded = vntext::fold(input);
        let core = [" ke tu ", " tinh tu ", ", ", "; ", "("]
            .iter()
            .filter_map(|sep| folded.find(sep))
            .min()
            .map_or(folded.as_str(), |cut| &folded[..cut])
            .trim()
            .trim_end_matches('.');
        if core == "trong ngay" || core == "trong ngay lam viec" {
            return Ok(Self::same_day());
        }
        let (number, unit_text) = core
            .split_once(' ')
            .ok_or_else(|| bad("Cần ghi số và đơn vị, ví dụ \"5 ngày làm việc\".".into()))?;
        let hundredths = parse_hundredths(number).ok_or_else(|| {
            bad(format!(
                "\"{}\" không phải là số (dùng dấu phẩy cho phần thập phân, ví dụ 1,5).",
                vntext::shorten(number)
            ))
        })?;
        let unit = Unit::WRITTEN
            .iter()
            .find(|(written, _)| *written == unit_text.trim())
            .map(|(_, u)| *u)
            .ok_or_else(|| {
                // Quote the unit as the officer typed it, not folded.
                let typed = input
                    .trim()
                    .split_once(char::is_whitespace)
                    .map_or("", |(_, u)| u);
                bad(format!(
                    "Không nhận ra đơn vị \"{}\".",
                    vntext::shorten(typed.trim())
                ))
            })?;
        Self::checked(hundredths, unit, input)
    }
}

/// "5", "05", "1,5", "1.5", "0,25" → hundredths.
fn parse_hundredths(text: &str) -> Option<u32> {
    let (whole, frac) = match text.split_once([',', '.']) {
        Some((w, f)) => (w, f),
        None => (text, ""),
    };
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(frac) || frac.len() > 2 || whole.len() > 6 {
        return None;
    }
    let frac = format!("{frac:0<2}").parse::<u32>().ok()?;
    Some(whole.parse::<u32>().ok()? * 100 + frac)
}

impl Serialize for Limit {
    /// A limit is written as the catalogue writes it: "5 ngày làm việc".
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Limit {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.unit == Unit::SameDay {
            return f.write_str("trong ngày");
        }
        let (whole, frac) = (self.hundredths / 100, self.hundredths % 100);
        if frac == 0 {
            write!(f, "{whole} {}", self.unit.label())
        } else {
            let frac = format!("{frac:02}");
            write!(
                f,
                "{whole},{} {}",
                frac.trim_end_matches('0'),
                self.unit.label()
            )
        }
    }
}

/// Cách tính ngày hẹn trả — how a limit in working days becomes an appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CountMode {
    /// Whole working days, from the day after reception; due at the end of the last one.
    #[default]
    WholeDays,
    /// The limit as working hours (a day = one day of office hours) added from the reception
    /// instant; the appointment has a time ("… giờ … phút").
    WorkingHours,
}

/// Giờ hết hạn trong ngày — the time of day a limit in days ends at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DueAt {
    /// End of the afternoon session (the appointment a citizen can come to).
    #[default]
    #[serde(rename = "end-of-office")]
    EndOfOfficeHours,
    /// 24:00, the end of the day of Civil Code Art. 148(6) (shown as 23:59:59).
    EndOfDay,
}

/// How a limit written in plain "giờ" is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlainHours {
    /// As office hours (what one-stop practice means by "giờ").
    #[default]
    Working,
    /// As wall-clock hours from the stated moment (Civil Code Art. 147(1)).
    WallClock,
}

macro_rules! from_str_codes {
    ($t:ty, $what:literal, $( $($code:literal)|+ => $v:expr ),+ $(,)?) => {
        impl FromStr for $t {
            type Err = CalendarError;
            fn from_str(s: &str) -> Result<Self, CalendarError> {
                match s.trim() {
                    $( $($code)|+ => Ok($v), )+
                    other => Err(CalendarError::InvalidData {
                        source_name: $what.into(),
                        reason: format!(
                            "giá trị \"{other}\" không hợp lệ; dùng: {}",
                            [$($($code),+),+].join(", ")
                        ),
                    }),
                }
            }
        }
    };
}

from_str_codes!(CountMode, "cách tính hẹn trả",
    "whole-days" => CountMode::WholeDays,
    "working-hours" => CountMode::WorkingHours);
from_str_codes!(DueAt, "giờ hết hạn",
    "end-of-office" => DueAt::EndOfOfficeHours,
    "end-of-day" => DueAt::EndOfDay);
from_str_codes!(PlainHours, "cách tính giờ",
    "working" => PlainHours::Working,
    "wall-clock" => PlainHours::WallClock);

/// Quy tắc tính hạn — the configurable parts of deadline arithmetic, per procedure or province.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct DeadlineRules {
    pub mode: CountMode,
    /// Same-day procedures received after this time are due the next working day (15:00 by
    /// default: the practice for chứng thực and ND 61/2018 Art. 18 for paper transfers).
    pub same_day_cutoff: NaiveTime,
    pub due_at: DueAt,
    pub plain_hours: PlainHours,
    /// Whether a multi-day dossier received after the cut-off counts as received the next working
    /// day (vn-framework §15 open question 9; off by default, as the Civil Code has no such rule).
    pub cutoff_moves_start: bool,
}

impl Default for DeadlineRules {
    fn default() -> Self {
        Self {
            mode: CountMode::WholeDays,
            same_day_cutoff: NaiveTime::from_hms_opt(15, 0, 0).expect("valid time"),
            due_at: DueAt::EndOfOfficeHours,
            plain_hours: PlainHours::Working,
            cutoff_moves_start: false,
        }
    }
}

/// Hạn giải quyết — the result of a deadline computation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// The instant the clock started (reception, or the arrival of the complete dossier).
    pub start: DateTime<FixedOffset>,
    /// The instant the limit ends (appointment for the result).
    pub due: DateTime<FixedOffset>,
    /// Working days counted: after the start day up to the due day, both included; 1 when the
    /// dossier is due on its start day.
    pub working_days: u32,
    /// Digest of the holiday data used, for audit.
    pub calendar_version: DataVersion,
}

/// Khoảng tạm dừng — a window during which the clock does not run (supplement requested,
/// financial obligation, waiting for another agency).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    pub from: DateTime<FixedOffset>,
    pub to: DateTime<FixedOffset>,
}

/// Kết quả đúng hạn — how a finish compares with its due instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Timeliness {
    /// Trước hạn — finished on a day before the due day.
    Early,
    /// Đúng hạn — finished on the due day, no later than the due instant.
    OnTime,
    /// Quá hạn — finished after the due instant.
    Late,
}

impl Timeliness {
    /// Vietnamese label.
    pub fn label(self) -> &'static str {
        match self {
            Timeliness::Early => "trước hạn",
            Timeliness::OnTime => "đúng hạn",
            Timeliness::Late => "quá hạn",
        }
    }
}

/// Classifies a finish against a due instant: late if after it; early if on an earlier day
/// (Vietnamese dates); on time otherwise (TT 01/2018 index 1, vn-framework §1.9).
pub fn classify(finished: DateTime<FixedOffset>, due: DateTime<FixedOffset>) -> Timeliness {
    if finished > due {
        Timeliness::Late
    } else if to_vn(&finished).date_naive() < to_vn(&due).date_naive() {
        Timeliness::Early
    } else {
        Timeliness::OnTime
    }
}

impl WorkCalendar {
    /// The due instant of a limit that starts at `start` (the reception instant).
    pub fn due(
        &self,
        start: DateTime<FixedOffset>,
        limit: Limit,
        rules: &DeadlineRules,
    ) -> Result<Due, CalendarError> {
        let at = self.local(start)?;
        let after_cutoff = at.sec > rules.same_day_cutoff.num_seconds_from_midnight();
        // The day the count runs from (not itself counted).
        let base = if rules.cutoff_moves_start && after_cutoff && self.working_at(at.day) {
            self.nth_working_day_after(at.day, 1)?
        } else {
            at.day
        };
        let day_length = i64::from(self.hours().day_length());
        let due = match limit.unit() {
            Unit::SameDay => {
                let day = if self.working_at(at.day) && !after_cutoff {
                    at.day
                } else {
                    self.nth_working_day_after(at.day, 1)?
                };
                self.end_of(day, rules)
            }
            Unit::WorkingDays if limit.is_whole() && rules.mode == CountMode::WholeDays => {
                let day = self.nth_working_day_after(base, (limit.hundredths() / 100) as usize)?;
                self.end_of(day, rules)
            }
            Unit::WorkingDays => {
                let from = self.start_of_count(start, base, at.day)?;
                let seconds = i64::from(limit.hundredths()) * day_length / 100;
                self.add_working_seconds(from, seconds)?
            }
            Unit::WorkingHours | Unit::Hours => {
                let seconds = i64::from(limit.hundredths()) * 36;
                if limit.unit() == Unit::Hours && rules.plain_hours == PlainHours::WallClock {
                    start + chrono::Duration::seconds(seconds)
                } else {
                    let from = self.start_of_count(start, base, at.day)?;
                    self.add_working_seconds(from, seconds)?
                }
            }
            Unit::CalendarDays | Unit::Weeks | Unit::Months => {
                let from = self.date_at(base);
                let n = limit.hundredths() / 100;
                let last = match limit.unit() {
                    Unit::Months => from.checked_add_months(Months::new(n)),
                    Unit::Weeks => from.checked_add_days(Days::new(u64::from(n) * 7)),
                    _ => from.checked_add_days(Days::new(u64::from(n))),
                }
                .ok_or_else(|| CalendarError::YearOutOfRange {
                    year: i32::MAX,
                    first: self.national_calendar().first_year(),
                    last: self.national_calendar().last_year(),
                })?;
                // Civil Code Art. 148(5): a last day that is not a working day moves forward.
                let day = self.index_on_or_after(last)?;
                self.end_of(day, rules)
            }
        };
        Ok(Due {
            start,
            working_days: self.counted_working_days(start, due)?,
            due,
            calendar_version: self.version(),
        })
    }

    /// Every day from the day after `start` to the due day (or the start day alone when the
    /// dossier is due on it), with what the calendar says of each — for showing an officer how
    /// an appointment was counted. Linear in the span; not for hot paths.
    pub fn explain(&self, due: &Due) -> Result<Vec<DayInfo>, CalendarError> {
        let from = to_vn(&due.start).date_naive();
        let to = to_vn(&due.due).date_naive();
        if from == to {
            return Ok(vec![self.day(from)?]);
        }
        from.iter_days()
            .skip(1)
            .take_while(|d| *d <= to)
            .map(|d| self.day(d))
            .collect()
    }

    /// QĐ 766: the due instant moved later by the working time inside the pauses (overlapping
    /// pauses count once), so paused time is not charged to the agency.
    pub fn due_excluding_pauses(
        &self,
        due: DateTime<FixedOffset>,
        pauses: &[Pause],
    ) -> Result<DateTime<FixedOffset>, CalendarError> {
        let paused = self.paused_seconds(pauses)?;
        if paused == 0 {
            return Ok(due);
        }
        let at = self.local(due)?;
        let moved = self.instant_at_position(self.position(at) + paused)?;
        // A due instant set after office hours (24:00 style) keeps its time of day.
        let closes = self.hours().closes().num_seconds_from_midnight();
        if at.sec > closes && to_vn(&moved).time().num_seconds_from_midnight() == closes {
            let day = self.local(moved)?.day;
            return Ok(self.instant(day, at.sec));
        }
        Ok(moved)
    }

    /// QĐ 766: working time from `start` to `end` minus the working time inside the pauses.
    pub fn elapsed_excluding_pauses(
        &self,
        start: DateTime<FixedOffset>,
        end: DateTime<FixedOffset>,
        pauses: &[Pause],
    ) -> Result<i64, CalendarError> {
        let clipped: Vec<Pause> = pauses
            .iter()
            .map(|p| Pause {
                from: p.from.max(start),
                to: p.to.min(end),
            })
            .filter(|p| p.to > p.from)
            .collect();
        Ok(self.working_seconds_between(start, end)? - self.paused_seconds(&clipped)?)
    }

    /// Working seconds covered by the union of the pauses.
    fn paused_seconds(&self, pauses: &[Pause]) -> Result<i64, CalendarError> {
        let mut windows: Vec<Pause> = pauses.iter().filter(|p| p.to > p.from).copied().collect();
        windows.sort_by_key(|p| p.from);
        let mut total = 0;
        let mut current: Option<Pause> = None;
        for p in windows {
            match &mut current {
                Some(c) if p.from <= c.to => c.to = c.to.max(p.to),
                _ => {
                    if let Some(c) = current.replace(p) {
                        total += self.working_seconds_between(c.from, c.to)?;
                    }
                }
            }
        }
        if let Some(c) = current {
            total += self.working_seconds_between(c.from, c.to)?;
        }
        Ok(total)
    }

    /// Where working-hour counting starts: the start instant, or the opening of the next working
    /// day when the cut-off moved the start.
    fn start_of_count(
        &self,
        start: DateTime<FixedOffset>,
        base: usize,
        start_day: usize,
    ) -> Result<DateTime<FixedOffset>, CalendarError> {
        if base == start_day {
            return Ok(start);
        }
        let opens = self.hours().opens().num_seconds_from_midnight();
        Ok(self.instant(base, opens))
    }

    /// The end instant of a due day, per the rules.
    fn end_of(&self, day: usize, rules: &DeadlineRules) -> DateTime<FixedOffset> {
        let sec = match rules.due_at {
            DueAt::EndOfOfficeHours => self.hours().closes().num_seconds_from_midnight(),
            DueAt::EndOfDay => 86_399,
        };
        self.instant(day, sec)
    }

    /// Index of the first working day on or after `date`.
    fn index_on_or_after(&self, date: NaiveDate) -> Result<usize, CalendarError> {
        let i = self.national_calendar().checked_index(date)?;
        if self.working_at(i) {
            Ok(i)
        } else {
            self.nth_working_day_after(i, 1)
        }
    }

    fn counted_working_days(
        &self,
        start: DateTime<FixedOffset>,
        due: DateTime<FixedOffset>,
    ) -> Result<u32, CalendarError> {
        let from = to_vn(&start).date_naive();
        let to = to_vn(&due).date_naive();
        if from == to {
            return Ok(1);
        }
        Ok(self.working_days_between(from, to)?.max(0) as u32)
    }
}
