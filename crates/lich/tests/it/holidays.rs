//! The national working calendar: the decided schedules of 2020–2026 as the notices describe
//! them, the default rules for undecided years, and the 2026 Ngày Văn hóa Việt Nam.

use chrono::{Datelike, NaiveDate, Weekday};
use lich::{Calendar, DayKind, HolidayData};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Non-working Monday–Friday days and worked Saturdays/Sundays of a year.
fn exceptions(cal: &Calendar, year: i32) -> (Vec<NaiveDate>, Vec<NaiveDate>) {
    let mut off = Vec::new();
    let mut worked = Vec::new();
    let mut day = NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
    while day.year() == year {
        let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
        let working = cal.is_working_day(day).unwrap();
        if !weekend && !working {
            off.push(day);
        }
        if weekend && working {
            worked.push(day);
        }
        day = day.succ_opt().unwrap();
    }
    (off, worked)
}

fn dates(list: &[&str]) -> Vec<NaiveDate> {
    list.iter().map(|s| d(s)).collect()
}

/// What the notices say, year by year (see data/vn-holidays.toml for each source).
fn official(year: i32) -> (Vec<NaiveDate>, Vec<NaiveDate>) {
    let (off, worked): (&[&str], &[&str]) = match year {
        // Labour Code 2012 regime: Quốc khánh is one day.
        2020 => (
            &[
                "2020-01-01",
                "2020-01-23",
                "2020-01-24",
                "2020-01-27",
                "2020-01-28",
                "2020-01-29",
                "2020-04-02",
                "2020-04-30",
                "2020-05-01",
                "2020-09-02",
            ],
            &[],
        ),
        2021 => (
            &[
                "2021-01-01",
                "2021-02-10",
                "2021-02-11",
                "2021-02-12",
                "2021-02-15",
                "2021-02-16",
                "2021-04-21",
                "2021-04-30",
                "2021-05-03",
                "2021-09-02",
                "2021-09-03",
            ],
            &[],
        ),
        2022 => (
            &[
                "2022-01-03",
                "2022-01-31",
                "2022-02-01",
                "2022-02-02",
                "2022-02-03",
                "2022-02-04",
                "2022-04-11",
                "2022-05-02",
                "2022-05-03",
                "2022-09-01",
                "2022-09-02",
            ],
            &[],
        ),
        2023 => (
            &[
                "2023-01-02",
                "2023-01-20",
                "2023-01-23",
                "2023-01-24",
                "2023-01-25",
                "2023-01-26",
                "2023-05-01",
                "2023-05-02",
                "2023-05-03",
                "2023-09-01",
                "2023-09-04",
            ],
            &[],
        ),
        2024 => (
            &[
                "2024-01-01",
                "2024-02-08",
                "2024-02-09",
                "2024-02-12",
                "2024-02-13",
                "2024-02-14",
                "2024-04-18",
                "2024-04-29",
                "2024-04-30",
                "2024-05-01",
                "2024-09-02",
                "2024-09-03",
            ],
            &["2024-05-04"],
        ),
        2025 => (
            &[
                "2025-01-01",
                "2025-01-27",
                "2025-01-28",
                "2025-01-29",
                "2025-01-30",
                "2025-01-31",
                "2025-04-07",
                "2025-04-30",
                "2025-05-01",
                "2025-05-02",
                "2025-09-01",
                "2025-09-02",
            ],
            &["2025-04-26"],
        ),
        2026 => (
            &[
                "2026-01-01",
                "2026-01-02",
                "2026-02-16",
                "2026-02-17",
                "2026-02-18",
                "2026-02-19",
                "2026-02-20",
                "2026-04-27",
                "2026-04-30",
                "2026-05-01",
                "2026-08-31",
                "2026-09-01",
                "2026-09-02",
                "2026-11-24",
            ],
            &["2026-01-10", "2026-08-22"],
        ),
        _ => unreachable!(),
    };
    (dates(off), dates(worked))
}

#[test]
fn decided_schedules_2020_to_2026_match_the_notices() {
    let cal = Calendar::embedded();
    for year in 2020..=2026 {
        assert!(cal.is_decided(year), "{year}");
        assert_eq!(exceptions(&cal, year), official(year), "year {year}");
    }
}

#[test]
fn default_rules_reproduce_every_decided_tet_and_national_day_2020_to_2026() {
    // Without the yearly decisions, the documented default rules give the same days off:
    // evidence that years not yet decided get the likeliest schedule.
    let mut data = HolidayData::embedded();
    data.decisions.clear();
    let cal = Calendar::new(data);
    for year in 2020..=2026 {
        assert!(!cal.is_decided(year));
        assert_eq!(exceptions(&cal, year), official(year), "year {year}");
    }
}

#[test]
fn year_2027_uses_the_default_rules_until_decided() {
    let cal = Calendar::embedded();
    assert!(!cal.is_decided(2027));
    let (off, worked) = exceptions(&cal, 2027);
    assert_eq!(
        off,
        dates(&[
            "2027-01-01", // Tết Dương lịch, Friday
            "2027-02-04",
            "2027-02-05",
            "2027-02-08",
            "2027-02-09",
            "2027-02-10", // Tết Đinh Mùi
            "2027-04-16", // Giỗ Tổ, Friday
            "2027-04-30", // Friday
            "2027-05-03", // 1/5 is a Saturday: compensatory Monday
            "2027-09-02",
            "2027-09-03", // Thursday and the day after
            "2027-11-24", // Ngày Văn hóa Việt Nam, Wednesday
        ])
    );
    assert!(worked.is_empty());
}

#[test]
fn vietnam_culture_day_is_a_holiday_from_2026_only() {
    let cal = Calendar::embedded();
    let day = cal.day(d("2026-11-24")).unwrap();
    assert!(!day.working);
    assert_eq!(day.kind, DayKind::Holiday);
    assert_eq!(day.name.as_deref(), Some("Ngày Văn hóa Việt Nam"));
    assert!(cal.is_working_day(d("2025-11-24")).unwrap());
    // 2029-11-24 is a Saturday: the next Monday is the compensatory day.
    let comp = cal.day(d("2029-11-26")).unwrap();
    assert_eq!(comp.kind, DayKind::Compensatory);
    assert!(comp.name.unwrap().contains("Ngày Văn hóa Việt Nam"));
}

#[test]
fn gio_to_on_a_sunday_gives_monday_off() {
    let cal = Calendar::embedded();
    let sunday = cal.day(d("2026-04-26")).unwrap();
    assert_eq!(sunday.kind, DayKind::Holiday);
    assert_eq!(
        sunday.name.as_deref(),
        Some("Giỗ Tổ Hùng Vương (10/3 âm lịch)")
    );
    let monday = cal.day(d("2026-04-27")).unwrap();
    assert_eq!(monday.kind, DayKind::Compensatory);
    assert!(monday.basis.unwrap().contains("Điều 111 khoản 3"));
}

#[test]
fn named_days_say_what_each_day_is() {
    let cal = Calendar::embedded();
    let days = cal.named_days(2024).unwrap();
    let find = |s: &str| days.iter().find(|x| x.date == d(s)).unwrap();
    assert_eq!(
        find("2024-02-10").name.as_deref(),
        Some("Tết Nguyên đán (Mùng 1 Tết)")
    );
    assert_eq!(
        find("2024-02-09").name.as_deref(),
        Some("Tết Nguyên đán (30 tháng Chạp)")
    );
    assert_eq!(find("2024-02-13").kind, DayKind::Compensatory);
    assert_eq!(find("2024-04-29").kind, DayKind::SwapOff);
    let make_up = find("2024-05-04");
    assert_eq!(make_up.kind, DayKind::MakeUp);
    assert!(make_up.working);
    assert!(make_up.basis.as_deref().unwrap().contains("2450/VPCP-KGVX"));
}

#[test]
fn next_and_previous_working_day_jump_over_tet() {
    let cal = Calendar::embedded();
    assert_eq!(
        cal.next_working_day(d("2026-02-13")).unwrap(),
        d("2026-02-23")
    );
    assert_eq!(
        cal.previous_working_day(d("2026-02-23")).unwrap(),
        d("2026-02-13")
    );
    assert_eq!(
        cal.next_working_day(d("2024-05-03")).unwrap(),
        d("2024-05-04")
    );
}

#[test]
fn years_outside_the_covered_range_are_refused() {
    let cal = Calendar::embedded();
    for date in ["2019-12-31", "2200-01-01"] {
        let err = cal.is_working_day(d(date)).unwrap_err();
        assert_eq!(err.code(), "year_out_of_range");
        assert!(err.to_string().contains("2020–2199"), "{err}");
    }
    assert!(cal.is_working_day(d("2199-12-31")).is_ok());
}

#[test]
fn every_year_has_the_statutory_number_of_holiday_days() {
    // 11 statutory days from 2021 (Tết 5, Giỗ Tổ, 30/4, 1/5, 2/9 + one, 1/1), 12 from 2026.
    let cal = Calendar::embedded();
    for year in 2021..=2199 {
        let holidays: usize = cal
            .named_days(year)
            .unwrap()
            .iter()
            .filter(|x| x.kind == DayKind::Holiday)
            .map(|x| x.name.as_deref().unwrap().split("; ").count())
            .sum();
        let expected = if year >= 2026 { 12 } else { 11 };
        assert_eq!(holidays, expected, "year {year}");
    }
}
