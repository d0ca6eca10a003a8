//! Errors of the calendar crate. Each has a stable machine code and a Vietnamese message,
//! because officers read them (CLI, API, forms).

use chrono::NaiveDate;
use thiserror::Error;

use crate::lunar::LunarDate;

/// Lỗi lịch — everything that can go wrong when asking the calendar something.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CalendarError {
    #[error(
        "Ngày {} nằm ngoài phạm vi âm lịch hỗ trợ (01/01/1900–31/12/2199).",
        date.format("%d/%m/%Y")
    )]
    LunarOutOfRange { date: NaiveDate },

    #[error("Năm âm lịch {year} nằm ngoài phạm vi hỗ trợ (1900–2199).")]
    LunarYearOutOfRange { year: i32 },

    #[error("Không có ngày âm lịch {lunar}: tháng đó không nhuận hoặc không đủ ngày.")]
    NoSuchLunarDate { lunar: LunarDate },

    #[error("Năm {year} nằm ngoài phạm vi lịch làm việc ({first}–{last}).")]
    YearOutOfRange { year: i32, first: i32, last: i32 },

    #[error("Ngày không hợp lệ: \"{input}\". Nhập theo dạng YYYY-MM-DD, ví dụ 2027-02-03.")]
    InvalidDate { input: String },

    #[error(
        "Thời điểm không hợp lệ: \"{input}\". Nhập theo dạng \"YYYY-MM-DD HH:MM\" (giờ Việt Nam), ví dụ \"2027-02-03 09:15\"."
    )]
    InvalidDateTime { input: String },

    #[error("Giờ không hợp lệ: \"{input}\". Nhập theo dạng HH:MM, ví dụ 15:00.")]
    InvalidTime { input: String },

    #[error(
        "Thời hạn không hợp lệ: \"{input}\". {reason} Đơn vị được dùng: ngày làm việc, ngày, giờ làm việc, giờ, tuần, tháng, trong ngày."
    )]
    InvalidLimit { input: String, reason: String },

    #[error("Giờ làm việc không hợp lệ: {reason}")]
    InvalidOfficeHours { reason: String },

    #[error("Dữ liệu lịch không hợp lệ ({source_name}): {reason}")]
    InvalidData { source_name: String, reason: String },
}

impl CalendarError {
    /// Stable machine-readable code, for APIs and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            Self::LunarOutOfRange { .. } => "lunar_out_of_range",
            Self::LunarYearOutOfRange { .. } => "lunar_year_out_of_range",
            Self::NoSuchLunarDate { .. } => "no_such_lunar_date",
            Self::YearOutOfRange { .. } => "year_out_of_range",
            Self::InvalidDate { .. } => "invalid_date",
            Self::InvalidDateTime { .. } => "invalid_datetime",
            Self::InvalidTime { .. } => "invalid_time",
            Self::InvalidLimit { .. } => "invalid_limit",
            Self::InvalidOfficeHours { .. } => "invalid_office_hours",
            Self::InvalidData { .. } => "invalid_calendar_data",
        }
    }
}
