//! Giờ Việt Nam — Asia/Ho_Chi_Minh is UTC+7 all year (no daylight saving since 1975), so a fixed
//! offset is exact. Parsing of the dates and instants officers type.

use chrono::{
    DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Weekday,
};

use crate::error::CalendarError;

/// The offset of Vietnamese civil time, +07:00.
pub fn vn_offset() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("+07:00 is a valid offset")
}

/// Any instant, expressed in Vietnamese time.
pub fn to_vn<Tz: TimeZone>(instant: &DateTime<Tz>) -> DateTime<FixedOffset> {
    instant.with_timezone(&vn_offset())
}

/// A Vietnamese wall-clock time as an instant.
pub fn vn_instant(local: NaiveDateTime) -> DateTime<FixedOffset> {
    vn_offset()
        .from_local_datetime(&local)
        .single()
        .expect("a fixed offset has exactly one mapping")
}

/// The instant a Vietnamese calendar day begins (00:00 +07:00), in UTC.
pub fn vn_day_start(day: NaiveDate) -> DateTime<chrono::Utc> {
    vn_instant(day.and_hms_opt(0, 0, 0).expect("midnight")).to_utc()
}

/// Parses a date written `YYYY-MM-DD` or, as Vietnamese forms write it, `DD/MM/YYYY`.
pub fn parse_date(input: &str) -> Result<NaiveDate, CalendarError> {
    let s = input.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .ok()
        .filter(|d| four_digit_year(d.year()))
        .ok_or_else(|| CalendarError::InvalidDate {
            input: vntext::shorten(input),
        })
}

/// Whether a year is written with four digits, as "YYYY" asks (chrono also reads "-2027" and
/// "+12027", which nothing here writes back the same way).
fn four_digit_year(year: i32) -> bool {
    (1000..=9999).contains(&year)
}

/// Parses a time of day `HH:MM` (or `HH:MM:SS`, or `15h`, `15h30` as people write it).
pub fn parse_time(input: &str) -> Result<NaiveTime, CalendarError> {
    let s = input.trim().to_lowercase();
    let s = match s.split_once('h') {
        Some((h, "")) => format!("{h}:00"),
        Some((h, m)) => format!("{h}:{m}"),
        None => s,
    };
    NaiveTime::parse_from_str(&s, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(&s, "%H:%M:%S"))
        .map_err(|_| CalendarError::InvalidTime {
            input: vntext::shorten(input),
        })
}

/// Parses an instant. Without an offset it is Vietnamese local time:
/// `2027-02-03 09:15`, `2027-02-03T09:15:00`, `03/02/2027 09:15`. With one it is converted:
/// `2027-02-03T02:15:00Z`, `2027-02-03T09:15:00+07:00`.
pub fn parse_instant(input: &str) -> Result<DateTime<FixedOffset>, CalendarError> {
    let s = input.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        let t = to_vn(&t);
        if four_digit_year(t.year()) {
            return Ok(t);
        }
    }
    const LOCAL_FORMATS: [&str; 6] = [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%d/%m/%Y %H:%M",
        "%d/%m/%Y %H:%M:%S",
    ];
    LOCAL_FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .filter(|t| four_digit_year(t.year()))
        .map(vn_instant)
        .ok_or_else(|| CalendarError::InvalidDateTime {
            input: vntext::shorten(input),
        })
}

/// Vietnamese weekday name: "Thứ Hai" … "Thứ Bảy", "Chủ nhật".
pub fn weekday_vi(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "Thứ Hai",
        Weekday::Tue => "Thứ Ba",
        Weekday::Wed => "Thứ Tư",
        Weekday::Thu => "Thứ Năm",
        Weekday::Fri => "Thứ Sáu",
        Weekday::Sat => "Thứ Bảy",
        Weekday::Sun => "Chủ nhật",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by fuzzing: chrono reads a signed or five-digit year, which was then written
    /// back in a form none of these parsers reads.
    #[test]
    fn years_have_four_digits() {
        for bad in ["-2027-02-03", "12027-02-03", "03/02/-2027"] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
        for bad in [
            "-2027-02-03 09:15",
            "+12027-02-03T09:15:00",
            "0999-12-31T10:00:00+07:00",
        ] {
            assert!(parse_instant(bad).is_err(), "{bad}");
        }
        assert!(parse_date("1900-01-01").is_ok());
        assert!(parse_instant("9999-12-31 23:59").is_ok());
    }

    #[test]
    fn a_refusal_quotes_at_most_forty_characters() {
        let long = "2".repeat(100_000);
        for message in [
            parse_date(&long).unwrap_err().to_string(),
            parse_time(&long).unwrap_err().to_string(),
            parse_instant(&long).unwrap_err().to_string(),
            long.parse::<crate::Limit>().unwrap_err().to_string(),
            format!("{long} ngày")
                .parse::<crate::Limit>()
                .unwrap_err()
                .to_string(),
            format!("5 {long}")
                .parse::<crate::Limit>()
                .unwrap_err()
                .to_string(),
        ] {
            assert!(message.chars().count() < 300, "{message}");
        }
    }

    #[test]
    fn local_and_offset_instants_agree() {
        let a = parse_instant("2027-02-03 09:15").unwrap();
        let b = parse_instant("2027-02-03T02:15:00Z").unwrap();
        let c = parse_instant("03/02/2027 09:15").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a.to_rfc3339(), "2027-02-03T09:15:00+07:00");
    }

    #[test]
    fn impossible_dates_are_refused() {
        assert_eq!(parse_date("2027-02-30").unwrap_err().code(), "invalid_date");
        assert_eq!(
            parse_instant("2027-02-29 09:00").unwrap_err().code(),
            "invalid_datetime"
        );
        assert!(parse_time("25:00").is_err());
    }

    #[test]
    fn times_as_people_write_them() {
        assert_eq!(
            parse_time("15h").unwrap(),
            NaiveTime::from_hms_opt(15, 0, 0).unwrap()
        );
        assert_eq!(
            parse_time("7h30").unwrap(),
            NaiveTime::from_hms_opt(7, 30, 0).unwrap()
        );
        assert_eq!(
            parse_time("15:00").unwrap(),
            NaiveTime::from_hms_opt(15, 0, 0).unwrap()
        );
    }
}
