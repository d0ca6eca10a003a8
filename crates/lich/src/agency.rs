//! Lịch làm việc của cơ quan — one agency's working calendar: the national calendar, the agency's
//! office hours, Saturday-morning reception and ad-hoc closures (typhoon, power cut).
//!
//! Closures are few, so they are kept as a sorted list over the shared national index rather than
//! as a copy of it: every query stays a lookup plus a binary search, and a province with thousands
//! of communes shares one national index.

use std::sync::Arc;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, Timelike, Weekday};
use serde::Deserialize;

use crate::calendar::{Calendar, DayInfo, DayKind};
use crate::data::DataVersion;
use crate::deadline::DeadlineRules;
use crate::error::CalendarError;
use crate::time::{parse_date, parse_time, to_vn, vn_instant};

/// Seconds in a day.
const DAY: u32 = 86_400;

/// Phiên làm việc — one office session, e.g. 08:00–12:00.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Session {
    start: u32,
    end: u32,
}

impl Session {
    /// A session from `start` to `end` (end after start).
    pub fn new(start: NaiveTime, end: NaiveTime) -> Result<Self, CalendarError> {
        let (start, end) = (
            start.num_seconds_from_midnight(),
            end.num_seconds_from_midnight(),
        );
        if end <= start {
            return Err(CalendarError::InvalidOfficeHours {
                reason: "giờ kết thúc phải sau giờ bắt đầu".into(),
            });
        }
        Ok(Self { start, end })
    }

    /// Parses `08:00-12:00` (also `8h-12h`, `07:30–11:30`).
    pub fn parse(text: &str) -> Result<Self, CalendarError> {
        let bad = || CalendarError::InvalidOfficeHours {
            reason: format!("\"{text}\" phải có dạng HH:MM-HH:MM, ví dụ 08:00-12:00"),
        };
        let (a, b) = text.split_once(['-', '–']).ok_or_else(bad)?;
        Self::new(
            parse_time(a).map_err(|_| bad())?,
            parse_time(b).map_err(|_| bad())?,
        )
    }

    fn contains(&self, sec: u32) -> bool {
        (self.start..self.end).contains(&sec)
    }

    fn len(&self) -> u32 {
        self.end - self.start
    }
}

/// Giờ làm việc — the office sessions of a working day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeHours {
    sessions: Vec<Session>,
    length: u32,
}

impl Default for OfficeHours {
    /// 08:00–12:00 and 13:00–17:00: eight hours a day, the 40-hour week of state agencies
    /// (QĐ 188/1999/QĐ-TTg). Many provinces publish other hours; set them per agency.
    fn default() -> Self {
        // Built, not parsed: every deadline computed for an agency without its own hours asks.
        const H: u32 = 3_600;
        Self {
            sessions: vec![
                Session {
                    start: 8 * H,
                    end: 12 * H,
                },
                Session {
                    start: 13 * H,
                    end: 17 * H,
                },
            ],
            length: 8 * H,
        }
    }
}

impl OfficeHours {
    /// Office hours from sessions in order, not overlapping.
    pub fn new(mut sessions: Vec<Session>) -> Result<Self, CalendarError> {
        sessions.sort_by_key(|s| s.start);
        if sessions.is_empty() {
            return Err(CalendarError::InvalidOfficeHours {
                reason: "cần ít nhất một phiên làm việc".into(),
            });
        }
        if sessions.windows(2).any(|w| w[1].start < w[0].end) {
            return Err(CalendarError::InvalidOfficeHours {
                reason: "các phiên làm việc chồng lên nhau".into(),
            });
        }
        let length = sessions.iter().map(Session::len).sum();
        Ok(Self { sessions, length })
    }

    /// Parses `08:00-12:00, 13:00-17:00`.
    pub fn parse(text: &str) -> Result<Self, CalendarError> {
        Self::new(
            text.split([',', ';'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(Session::parse)
                .collect::<Result<_, _>>()?,
        )
    }

    /// Working seconds in one day.
    pub fn day_length(&self) -> u32 {
        self.length
    }

    /// Opening time of the first session.
    pub fn opens(&self) -> NaiveTime {
        time_of(self.sessions[0].start)
    }

    /// Closing time of the last session ("end of office hours").
    pub fn closes(&self) -> NaiveTime {
        time_of(self.sessions[self.sessions.len() - 1].end)
    }

    /// Whether the office is in session at this time of day.
    pub fn in_session(&self, t: NaiveTime) -> bool {
        let sec = t.num_seconds_from_midnight();
        self.sessions.iter().any(|s| s.contains(sec))
    }

    /// Working seconds of a day already past at `sec` seconds after midnight.
    fn worked_before(&self, sec: u32) -> u32 {
        self.sessions
            .iter()
            .map(|s| sec.clamp(s.start, s.end) - s.start)
            .sum()
    }

    /// Time of day (seconds after midnight) at which `offset` working seconds of the day have
    /// passed, for `0 < offset <= day_length`; an offset that ends a session gives its end.
    fn time_at(&self, mut offset: u32) -> u32 {
        for s in &self.sessions {
            if offset <= s.len() {
                return s.start + offset;
            }
            offset -= s.len();
        }
        self.sessions[self.sessions.len() - 1].end
    }

    /// The sessions, in order: (opens, closes).
    pub fn sessions(&self) -> Vec<(NaiveTime, NaiveTime)> {
        self.sessions
            .iter()
            .map(|s| (time_of(s.start), time_of(s.end)))
            .collect()
    }

    /// Text form, `08:00-12:00, 13:00-17:00`.
    pub fn describe(&self) -> String {
        self.sessions
            .iter()
            .map(|s| {
                format!(
                    "{}-{}",
                    time_of(s.start).format("%H:%M"),
                    time_of(s.end).format("%H:%M")
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn time_of(sec: u32) -> NaiveTime {
    NaiveTime::from_num_seconds_from_midnight_opt(sec.min(DAY - 1), 0).expect("valid time")
}

/// Tạm ngừng làm việc — days an agency is closed by decision (typhoon, flood, power cut…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closure {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub reason: String,
    /// The decision or dispatch that closed the office.
    pub basis: String,
}

/// An agency's own calendar settings (office hours, Saturday reception, closures, and the default
/// deadline rules of its procedures).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AgencySettings {
    pub name: Option<String>,
    pub office_hours: OfficeHours,
    /// Tiếp nhận sáng thứ Bảy — hours the counter receives on Saturdays. Reception only: Saturday
    /// stays a weekly rest day for counting time limits.
    pub saturday_reception: Option<OfficeHours>,
    pub closures: Vec<Closure>,
    pub deadline: DeadlineRules,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAgency {
    name: Option<String>,
    office_hours: Option<String>,
    saturday_reception: Option<String>,
    #[serde(default)]
    closure: Vec<RawClosure>,
    deadline: Option<RawDeadline>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClosure {
    from: String,
    to: Option<String>,
    reason: String,
    basis: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeadline {
    mode: Option<String>,
    same_day_cutoff: Option<String>,
    due_at: Option<String>,
    plain_hours: Option<String>,
    cutoff_moves_start: Option<bool>,
}

impl AgencySettings {
    /// Reads agency settings from TOML:
    ///
    /// ```toml
    /// name = "UBND xã Sơn Hà"
    /// office_hours = "07:30-11:30, 13:30-17:00"
    /// saturday_reception = "07:30-11:30"
    /// [deadline]
    /// mode = "working-hours"        # or "whole-days" (default)
    /// same_day_cutoff = "15:00"
    /// [[closure]]
    /// from = "2024-09-09"
    /// to = "2024-09-10"
    /// reason = "Bão số 3 (Yagi)"
    /// basis = "Công điện của Chủ tịch UBND tỉnh"
    /// ```
    pub fn parse(text: &str, source_name: &str) -> Result<Self, CalendarError> {
        let bad = |reason: String| CalendarError::InvalidData {
            source_name: source_name.to_string(),
            reason,
        };
        let raw: RawAgency = toml::from_str(text).map_err(|e| bad(e.to_string().trim().into()))?;
        let mut settings = AgencySettings {
            name: raw.name,
            ..Default::default()
        };
        if let Some(h) = raw.office_hours {
            settings.office_hours = OfficeHours::parse(&h)?;
        }
        settings.saturday_reception = raw
            .saturday_reception
            .map(|h| OfficeHours::parse(&h))
            .transpose()?;
        for c in raw.closure {
            let from = parse_date(&c.from)?;
            let to = c.to.as_deref().map(parse_date).transpose()?.unwrap_or(from);
            if to < from {
                return Err(bad(format!(
                    "tạm ngừng làm việc: ngày {to} trước ngày {from}"
                )));
            }
            settings.closures.push(Closure {
                from,
                to,
                reason: c.reason,
                basis: c.basis,
            });
        }
        if let Some(d) = raw.deadline {
            let rules = &mut settings.deadline;
            if let Some(m) = d.mode {
                rules.mode = m.parse()?;
            }
            if let Some(c) = d.same_day_cutoff {
                rules.same_day_cutoff = parse_time(&c)?;
            }
            if let Some(a) = d.due_at {
                rules.due_at = a.parse()?;
            }
            if let Some(h) = d.plain_hours {
                rules.plain_hours = h.parse()?;
            }
            if let Some(c) = d.cutoff_moves_start {
                rules.cutoff_moves_start = c;
            }
        }
        Ok(settings)
    }
}

/// An agency's working calendar. Cheap to clone; the national index is shared.
#[derive(Debug, Clone)]
pub struct WorkCalendar {
    national: Arc<Calendar>,
    hours: OfficeHours,
    saturday_reception: Option<OfficeHours>,
    closures: Vec<Closure>,
    /// Day indexes, sorted, of national working days on which the agency is closed.
    closed: Vec<usize>,
}

/// A local instant split as the index works with it: day index and second of the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Local {
    pub(crate) day: usize,
    pub(crate) sec: u32,
}

impl WorkCalendar {
    /// The national calendar with standard office hours and no closures.
    pub fn national(national: Arc<Calendar>) -> Self {
        Self::new(national, &AgencySettings::default())
    }

    /// An agency's calendar.
    pub fn new(national: Arc<Calendar>, settings: &AgencySettings) -> Self {
        let mut closed: Vec<usize> = settings
            .closures
            .iter()
            .flat_map(|c| c.from.iter_days().take_while(move |d| *d <= c.to))
            .filter_map(|d| national.index_of(d))
            .filter(|&i| national.working_at(i))
            .collect();
        closed.sort_unstable();
        closed.dedup();
        Self {
            national,
            hours: settings.office_hours.clone(),
            saturday_reception: settings.saturday_reception.clone(),
            closures: settings.closures.clone(),
            closed,
        }
    }

    /// The national calendar underneath.
    pub fn national_calendar(&self) -> &Calendar {
        &self.national
    }

    /// The agency's office hours.
    pub fn office_hours(&self) -> &OfficeHours {
        &self.hours
    }

    /// Tiếp nhận sáng thứ Bảy — the Saturday reception hours, when the agency keeps them.
    pub fn saturday_reception(&self) -> Option<&OfficeHours> {
        self.saturday_reception.as_ref()
    }

    /// Digest of the holiday data used (see [`Calendar::version`]).
    pub fn version(&self) -> DataVersion {
        self.national.version()
    }

    /// What the calendar knows about a date, closures included.
    pub fn day(&self, date: NaiveDate) -> Result<DayInfo, CalendarError> {
        let i = self.national.checked_index(date)?;
        Ok(self.info_at(i))
    }

    /// Whether `date` is a working day of this agency.
    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        Ok(self.working_at(self.national.checked_index(date)?))
    }

    /// The first working day after `date`.
    pub fn next_working_day(&self, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        let i = self.national.checked_index(date)?;
        self.nth_working_day_after(i, 1)
            .map(|j| self.national.date_at(j))
    }

    /// The last working day before `date`.
    pub fn previous_working_day(&self, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        let i = self.national.checked_index(date)?;
        let k = self.rank(i);
        k.checked_sub(1)
            .and_then(|k| self.select(k))
            .map(|j| self.national.date_at(j))
            .ok_or_else(|| self.national.out_of_range(self.national.first_year() - 1))
    }

    /// The n-th working day after `date` (n ≥ 1); the date itself is not counted.
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let i = self.national.checked_index(date)?;
        self.nth_working_day_after(i, n as usize)
            .map(|j| self.national.date_at(j))
    }

    /// Working days in `(from, to]`: after `from`, up to and including `to`.
    pub fn working_days_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<i64, CalendarError> {
        let a = self.national.checked_index(from)?;
        let b = self.national.checked_index(to)?;
        Ok(self.rank(b + 1) as i64 - self.rank(a + 1) as i64)
    }

    /// The named days of a year (national ones and this agency's closures), in date order.
    pub fn named_days(&self, year: i32) -> Result<Vec<DayInfo>, CalendarError> {
        let mut days = self.national.named_days(year)?;
        for c in &self.closures {
            for d in c.from.iter_days().take_while(|d| *d <= c.to) {
                let closed = self
                    .national
                    .index_of(d)
                    .is_some_and(|i| self.closed.binary_search(&i).is_ok());
                if d.year() == year && closed {
                    days.retain(|x| x.date != d);
                    days.push(self.day(d)?);
                }
            }
        }
        days.sort_by_key(|d| d.date);
        Ok(days)
    }

    /// Whether the counter receives dossiers at this instant: in office hours on a working day,
    /// or in the Saturday reception hours on a Saturday that is not a holiday or closure.
    pub fn is_reception_open(&self, instant: DateTime<FixedOffset>) -> Result<bool, CalendarError> {
        let t = to_vn(&instant);
        let info = self.day(t.date_naive())?;
        Ok(match (&info.kind, &self.saturday_reception) {
            _ if info.working => self.hours.in_session(t.time()),
            (DayKind::WeeklyRest, Some(sat)) if t.weekday() == Weekday::Sat => {
                sat.in_session(t.time())
            }
            _ => false,
        })
    }

    /// Working seconds between two instants (negative if `to` is before `from`).
    pub fn working_seconds_between(
        &self,
        from: DateTime<FixedOffset>,
        to: DateTime<FixedOffset>,
    ) -> Result<i64, CalendarError> {
        Ok(self.position(self.local(to)?) - self.position(self.local(from)?))
    }

    /// The instant `seconds` of working time after `from`, skipping nights, weekends, holidays and
    /// closures. A result that ends a working day is given as that day's closing time.
    pub fn add_working_seconds(
        &self,
        from: DateTime<FixedOffset>,
        seconds: i64,
    ) -> Result<DateTime<FixedOffset>, CalendarError> {
        let p = self.position(self.local(from)?) + seconds.max(0);
        self.instant_at_position(p)
    }

    // ---- crate-internal arithmetic ------------------------------------------------------------

    pub(crate) fn local(&self, instant: DateTime<FixedOffset>) -> Result<Local, CalendarError> {
        let t = to_vn(&instant);
        Ok(Local {
            day: self.national.checked_index(t.date_naive())?,
            sec: t.time().num_seconds_from_midnight(),
        })
    }

    pub(crate) fn date_at(&self, day: usize) -> NaiveDate {
        self.national.date_at(day)
    }

    pub(crate) fn hours(&self) -> &OfficeHours {
        &self.hours
    }

    pub(crate) fn working_at(&self, i: usize) -> bool {
        self.national.working_at(i) && self.closed.binary_search(&i).is_err()
    }

    /// Working days of this agency among days `0..i`.
    pub(crate) fn rank(&self, i: usize) -> usize {
        self.national.rank(i) - self.closed.partition_point(|&c| c < i)
    }

    /// Index of this agency's k-th working day (0-based).
    pub(crate) fn select(&self, k: usize) -> Option<usize> {
        // Skip as many national working days as there are closures up to the candidate; a few
        // rounds at most, as many as closures in between.
        let mut skipped = 0;
        loop {
            let candidate = self.national.select(k + skipped)?;
            let closed_upto = self.closed.partition_point(|&c| c <= candidate);
            if closed_upto == skipped {
                return Some(candidate);
            }
            skipped = closed_upto;
        }
    }

    /// Index of the n-th working day after day `i` (n ≥ 1; n = 0 gives the first one, as n = 1).
    pub(crate) fn nth_working_day_after(&self, i: usize, n: usize) -> Result<usize, CalendarError> {
        let k = self.rank(i + 1) + n.saturating_sub(1);
        self.select(k)
            .ok_or_else(|| self.national.out_of_range(self.national.last_year() + 1))
    }

    /// Position of an instant on the working-time line: working seconds since the start of the
    /// calendar. Instants outside office hours sit at the nearest boundary.
    pub(crate) fn position(&self, at: Local) -> i64 {
        let before = self.rank(at.day) as i64 * i64::from(self.hours.day_length());
        if self.working_at(at.day) {
            before + i64::from(self.hours.worked_before(at.sec))
        } else {
            before
        }
    }

    /// The instant at a position on the working-time line. A position on a day boundary is the
    /// closing time of the day that ends there (the start of the first day for position 0).
    pub(crate) fn instant_at_position(
        &self,
        p: i64,
    ) -> Result<DateTime<FixedOffset>, CalendarError> {
        let len = i64::from(self.hours.day_length());
        let (k, offset) = match (p / len, p % len) {
            (0, 0) => (0, 0),
            (q, 0) => (q - 1, len),
            (q, r) => (q, r),
        };
        let day = self
            .select(k as usize)
            .ok_or_else(|| self.national.out_of_range(self.national.last_year() + 1))?;
        let sec = if offset == 0 {
            self.hours.sessions[0].start
        } else {
            self.hours.time_at(offset as u32)
        };
        Ok(self.instant(day, sec))
    }

    pub(crate) fn instant(&self, day: usize, sec: u32) -> DateTime<FixedOffset> {
        vn_instant(self.date_at(day).and_time(time_of(sec)))
    }

    fn info_at(&self, i: usize) -> DayInfo {
        let mut info = self.national.info_at(i);
        if self.closed.binary_search(&i).is_ok() {
            let date = info.date;
            if let Some(c) = self
                .closures
                .iter()
                .find(|c| c.from <= date && date <= c.to)
            {
                info = DayInfo {
                    date,
                    working: false,
                    kind: DayKind::Closure,
                    name: Some(c.reason.clone()),
                    basis: Some(c.basis.clone()),
                    confidence: None,
                };
            }
        }
        info
    }
}
