//! The lunar calendar against a golden file produced once by an independent implementation
//! (PyPI lunar-vn 1.4.0; see `golden/make_golden.py`): the first day of every lunar month
//! 1900–2199, every Tết and Giỗ Tổ, and every day 2020–2040.

use chrono::NaiveDate;
use lich::lunar::{self, LunarDate};

const GOLDEN: &str = include_str!("../golden/lunar.csv");

struct Row {
    kind: String,
    solar: NaiveDate,
    lunar: LunarDate,
    year_can_chi: String,
    day_can_chi: String,
}

fn rows() -> Vec<Row> {
    GOLDEN
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("kind,"))
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f.len(), 8, "bad golden row: {line}");
            Row {
                kind: f[0].to_string(),
                solar: NaiveDate::parse_from_str(f[1], "%Y-%m-%d").unwrap(),
                lunar: LunarDate {
                    day: f[2].parse().unwrap(),
                    month: f[3].parse().unwrap(),
                    leap: f[4] == "1",
                    year: f[5].parse().unwrap(),
                },
                year_can_chi: f[6].to_string(),
                day_can_chi: f[7].to_string(),
            }
        })
        .collect()
}

#[test]
fn golden_file_covers_what_it_claims() {
    let rows = rows();
    let count = |k: &str| rows.iter().filter(|r| r.kind == k).count();
    assert_eq!(count("tet"), 300);
    assert_eq!(count("gioto"), 300);
    assert_eq!(count("day"), 7671);
    // 300 years of lunar months: 300 × 12 + about 110 leap months.
    assert!((3700..3720).contains(&count("month")), "{}", count("month"));
}

#[test]
fn solar_to_lunar_matches_the_golden_file() {
    let mut mismatches = Vec::new();
    for row in rows() {
        let got = lunar::to_lunar(row.solar).unwrap();
        if got != row.lunar {
            mismatches.push(format!("{}: got {got}, golden {}", row.solar, row.lunar));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn lunar_to_solar_matches_the_golden_file() {
    for row in rows() {
        assert_eq!(
            lunar::to_solar(row.lunar).unwrap(),
            row.solar,
            "{}",
            row.lunar
        );
    }
}

#[test]
fn can_chi_matches_the_golden_file() {
    for row in rows() {
        assert_eq!(
            row.lunar.year_can_chi().to_string(),
            row.year_can_chi,
            "{}",
            row.solar
        );
        assert_eq!(
            lunar::day_can_chi(row.solar).to_string(),
            row.day_can_chi,
            "{}",
            row.solar
        );
    }
}

#[test]
fn every_lunar_month_start_in_range_is_in_the_golden_file() {
    // The golden file lists every mùng 1 from 1900 to 2199; our table must have the same ones.
    let golden: Vec<NaiveDate> = rows()
        .iter()
        .filter(|r| r.kind == "month")
        .map(|r| r.solar)
        .collect();
    let mut ours = Vec::new();
    for year in 1899..=2199 {
        for (_, start, _) in lunar::months(year).unwrap_or_default() {
            if (1900..=2199).contains(&chrono::Datelike::year(&start)) {
                ours.push(start);
            }
        }
    }
    ours.sort();
    ours.dedup();
    assert_eq!(ours, golden);
}
