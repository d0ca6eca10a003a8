//! `lich` — the Vietnamese working calendar of Một Cửa.
//!
//! * [`lunar`]: the Vietnamese lunar calendar at UTC+7 (solar ↔ lunar, leap months, Can Chi),
//!   1900–2199.
//! * [`data`]: holiday rules, the Prime Minister's yearly decisions and day swaps, as versioned
//!   data (embedded TOML, extensible at run time).
//! * [`Calendar`]: the national calendar of working days with a precomputed index.
//! * [`WorkCalendar`]: one agency's calendar (office hours, Saturday reception, closures).
//! * [`deadline`]: legal time limits, due instants, pauses and early / on-time / late.
//!
//! Every instant is Vietnamese time (UTC+7); every question outside the covered years is an
//! error, never a guess.

pub mod agency;
pub mod calendar;
pub mod data;
pub mod deadline;
pub mod error;
pub mod lunar;
pub mod time;

pub use agency::{AgencySettings, Closure, OfficeHours, Session, WorkCalendar};
pub use calendar::{Calendar, DayInfo, DayKind};
pub use data::{Confidence, DataVersion, HolidayData};
pub use deadline::{
    CountMode, DeadlineRules, Due, DueAt, Limit, Pause, PlainHours, Timeliness, Unit, classify,
};
pub use error::CalendarError;
pub use lunar::{CanChi, LunarDate};
