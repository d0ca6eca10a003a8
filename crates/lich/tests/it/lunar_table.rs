//! vn-framework §9.5: Tết and Giỗ Tổ 2020–2035 (computed with the same rules and cross-checked
//! there with PyPI vnlunar). Every column of the table is checked.

use chrono::NaiveDate;
use lich::lunar::{self, LunarDate};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// One row of the table: lunar year, Can Chi, Tết, last day of the previous year and its lunar
/// day (29 or 30 tháng Chạp), Giỗ Tổ, leap month.
type Row = (
    i32,
    &'static str,
    &'static str,
    &'static str,
    u8,
    &'static str,
    Option<u8>,
);

const TABLE: [Row; 16] = [
    (
        2020,
        "Canh Tý",
        "2020-01-25",
        "2020-01-24",
        30,
        "2020-04-02",
        Some(4),
    ),
    (
        2021,
        "Tân Sửu",
        "2021-02-12",
        "2021-02-11",
        30,
        "2021-04-21",
        None,
    ),
    (
        2022,
        "Nhâm Dần",
        "2022-02-01",
        "2022-01-31",
        29,
        "2022-04-10",
        None,
    ),
    (
        2023,
        "Quý Mão",
        "2023-01-22",
        "2023-01-21",
        30,
        "2023-04-29",
        Some(2),
    ),
    (
        2024,
        "Giáp Thìn",
        "2024-02-10",
        "2024-02-09",
        30,
        "2024-04-18",
        None,
    ),
    (
        2025,
        "Ất Tỵ",
        "2025-01-29",
        "2025-01-28",
        29,
        "2025-04-07",
        Some(6),
    ),
    (
        2026,
        "Bính Ngọ",
        "2026-02-17",
        "2026-02-16",
        29,
        "2026-04-26",
        None,
    ),
    (
        2027,
        "Đinh Mùi",
        "2027-02-06",
        "2027-02-05",
        29,
        "2027-04-16",
        None,
    ),
    (
        2028,
        "Mậu Thân",
        "2028-01-26",
        "2028-01-25",
        29,
        "2028-04-04",
        Some(5),
    ),
    (
        2029,
        "Kỷ Dậu",
        "2029-02-13",
        "2029-02-12",
        29,
        "2029-04-23",
        None,
    ),
    (
        2030,
        "Canh Tuất",
        "2030-02-02",
        "2030-02-01",
        29,
        "2030-04-12",
        None,
    ),
    (
        2031,
        "Tân Hợi",
        "2031-01-23",
        "2031-01-22",
        29,
        "2031-04-01",
        Some(3),
    ),
    (
        2032,
        "Nhâm Tý",
        "2032-02-11",
        "2032-02-10",
        29,
        "2032-04-19",
        None,
    ),
    (
        2033,
        "Quý Sửu",
        "2033-01-31",
        "2033-01-30",
        30,
        "2033-04-09",
        Some(11),
    ),
    (
        2034,
        "Giáp Dần",
        "2034-02-19",
        "2034-02-18",
        30,
        "2034-04-28",
        None,
    ),
    (
        2035,
        "Ất Mão",
        "2035-02-08",
        "2035-02-07",
        30,
        "2035-04-17",
        None,
    ),
];

#[test]
fn tet_and_gio_to_2020_to_2035_match_the_reference_table() {
    for (year, can_chi, tet, eve, eve_day, gio_to, leap) in TABLE {
        assert_eq!(lunar::tet(year).unwrap(), d(tet), "Tết {year}");
        assert_eq!(
            lunar::year_can_chi(year).to_string(),
            can_chi,
            "Can Chi {year}"
        );

        let eve_lunar = lunar::to_lunar(d(eve)).unwrap();
        assert_eq!(
            (
                eve_lunar.year,
                eve_lunar.month,
                eve_lunar.leap,
                eve_lunar.day
            ),
            (year - 1, 12, false, eve_day),
            "giao thừa day {year}"
        );

        let gio_to_solar = lunar::to_solar(LunarDate {
            year,
            month: 3,
            leap: false,
            day: 10,
        })
        .unwrap();
        assert_eq!(gio_to_solar, d(gio_to), "Giỗ Tổ {year}");

        assert_eq!(lunar::leap_month(year).unwrap(), leap, "leap month {year}");

        // Mùng 1–5 are five consecutive days from Tết.
        for n in 0..5 {
            let day = lunar::to_lunar(d(tet) + chrono::Days::new(n)).unwrap();
            assert_eq!((day.month, day.day), (1, n as u8 + 1));
        }
    }
}

#[test]
fn gio_to_2031_is_in_the_ordinary_third_month_not_the_leap_one() {
    let ordinary = lunar::to_solar(LunarDate {
        year: 2031,
        month: 3,
        leap: false,
        day: 10,
    })
    .unwrap();
    let leap = lunar::to_solar(LunarDate {
        year: 2031,
        month: 3,
        leap: true,
        day: 10,
    })
    .unwrap();
    assert_eq!(ordinary, d("2031-04-01"));
    // The leap third month starts on 2031-04-21 (golden file), so its 10th day is 2031-04-30.
    assert_eq!(leap, d("2031-04-30"));
}

#[test]
fn vietnamese_and_chinese_new_year_differ_in_2030_and_1985() {
    // The Chinese calendar (UTC+8) has Spring Festival on 2030-02-03 and 1985-02-20.
    assert_eq!(lunar::tet(2030).unwrap(), d("2030-02-02"));
    assert_eq!(lunar::tet(1985).unwrap(), d("1985-01-21"));
}
