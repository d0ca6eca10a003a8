//! Property tests: the lunar calendar's structure, and the indexed working-day arithmetic against
//! the day-by-day reference algorithm of vn-framework §9.3.

use std::sync::{Arc, OnceLock};

use chrono::{Days, NaiveDate, NaiveTime};
use lich::time::vn_instant;
use lich::{
    AgencySettings, Calendar, Closure, DeadlineRules, Limit, Pause, Unit, WorkCalendar, lunar,
};
use proptest::prelude::*;

fn national() -> Arc<Calendar> {
    static CAL: OnceLock<Arc<Calendar>> = OnceLock::new();
    CAL.get_or_init(|| Arc::new(Calendar::embedded())).clone()
}

fn date(offset: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + Days::new(u64::from(offset))
}

/// An agency calendar with random closures between 2024 and 2031.
fn agency(closures: &[(u32, u32)]) -> WorkCalendar {
    let settings = AgencySettings {
        closures: closures
            .iter()
            .map(|&(start, len)| Closure {
                from: date(start),
                to: date(start + len),
                reason: "thử".into(),
                basis: "thử".into(),
            })
            .collect(),
        ..Default::default()
    };
    WorkCalendar::new(national(), &settings)
}

/// vn-framework §9.3, literally: step one day at a time.
fn reference_add(cal: &WorkCalendar, from: NaiveDate, n: u32) -> NaiveDate {
    let mut d = from;
    let mut counted = 0;
    while counted < n {
        d = d.succ_opt().unwrap();
        if cal.is_working_day(d).unwrap() {
            counted += 1;
        }
    }
    d
}

fn closures() -> impl Strategy<Value = Vec<(u32, u32)>> {
    prop::collection::vec((0u32..2500, 0u32..6), 0..6)
}

proptest! {
    #[test]
    fn indexed_addition_equals_the_day_by_day_reference(
        closures in closures(), start in 0u32..2200, n in 1u32..300,
    ) {
        let cal = agency(&closures);
        let from = date(start);
        let fast = cal.add_working_days(from, n).unwrap();
        prop_assert_eq!(fast, reference_add(&cal, from, n));
        prop_assert!(cal.is_working_day(fast).unwrap());
        prop_assert_eq!(cal.working_days_between(from, fast).unwrap(), i64::from(n));
        prop_assert!(cal.add_working_days(from, n + 1).unwrap() > fast);
    }

    #[test]
    fn next_and_previous_working_days_are_neighbours(closures in closures(), start in 1u32..2400) {
        let cal = agency(&closures);
        let d = date(start);
        let next = cal.next_working_day(d).unwrap();
        prop_assert!(next > d && cal.is_working_day(next).unwrap());
        prop_assert_eq!(cal.working_days_between(d, next).unwrap(), 1);
        let prev = cal.previous_working_day(next).unwrap();
        prop_assert!(prev <= d);
        prop_assert!(cal.is_working_day(prev).unwrap());
    }

    #[test]
    fn working_time_addition_and_measurement_are_inverse(
        closures in closures(), start in 0u32..2200, minute in 0u32..1440, hours in 0i64..300,
    ) {
        let cal = agency(&closures);
        let t = vn_instant(date(start).and_time(NaiveTime::from_num_seconds_from_midnight_opt(minute * 60, 0).unwrap()));
        let later = cal.add_working_seconds(t, hours * 3600).unwrap();
        prop_assert!(later >= t || hours == 0);
        prop_assert_eq!(cal.working_seconds_between(t, later).unwrap(), hours * 3600);
    }

    #[test]
    fn a_due_instant_is_never_before_reception_and_falls_on_a_working_day(
        closures in closures(), start in 0u32..2200, minute in 0u32..1440, n in 1u32..120,
        unit in prop::sample::select(vec![Unit::WorkingDays, Unit::CalendarDays, Unit::WorkingHours, Unit::SameDay]),
    ) {
        let cal = agency(&closures);
        let received = vn_instant(date(start).and_time(NaiveTime::from_num_seconds_from_midnight_opt(minute * 60, 0).unwrap()));
        let limit = if unit == Unit::SameDay { Limit::same_day() } else { Limit::new(n, unit).unwrap() };
        let due = cal.due(received, limit, &DeadlineRules::default()).unwrap();
        prop_assert!(due.due >= received);
        prop_assert!(cal.is_working_day(due.due.date_naive()).unwrap());
        if unit == Unit::WorkingDays {
            prop_assert_eq!(due.working_days, n);
        }
    }

    #[test]
    fn pauses_only_ever_move_a_due_instant_later(
        start in 0u32..2000, n in 1u32..60,
        pauses in prop::collection::vec((0u32..90, 0u32..2000, 0u32..20_000), 0..4),
    ) {
        let cal = agency(&[]);
        let received = vn_instant(date(start).and_hms_opt(9, 0, 0).unwrap());
        let due = cal.due(received, Limit::new(n, Unit::WorkingDays).unwrap(), &DeadlineRules::default()).unwrap().due;
        let pauses: Vec<Pause> = pauses
            .iter()
            .map(|&(day, minute, length)| {
                let from = received + chrono::Duration::minutes(i64::from(day * 1440 + minute));
                Pause { from, to: from + chrono::Duration::minutes(i64::from(length)) }
            })
            .collect();
        let moved = cal.due_excluding_pauses(due, &pauses).unwrap();
        prop_assert!(moved >= due);
        let elapsed = cal.working_seconds_between(received, moved).unwrap();
        let net = cal.elapsed_excluding_pauses(received, moved, &pauses).unwrap();
        prop_assert!(net <= elapsed);
        prop_assert!(net >= 0);
    }

    #[test]
    fn solar_to_lunar_to_solar_is_the_identity(days in 0u32..109_572) {
        let d = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + Days::new(u64::from(days));
        let l = lunar::to_lunar(d).unwrap();
        prop_assert_eq!(lunar::to_solar(l).unwrap(), d);
    }
}

#[test]
fn every_lunar_year_has_12_or_13_months_of_29_or_30_days() {
    for year in 1900..=2198 {
        let months = lunar::months(year).unwrap();
        let leaps = months.iter().filter(|(m, _, _)| m.leap).count();
        assert!(
            (months.len() == 12 && leaps == 0) || (months.len() == 13 && leaps == 1),
            "{year}: {} months, {leaps} leap",
            months.len()
        );
        let mut expected = 1u8;
        for (m, _, len) in &months {
            assert!(*len == 29 || *len == 30, "{year} month {m}: {len} days");
            if m.leap {
                assert_eq!(
                    m.month,
                    expected - 1,
                    "{year}: leap month repeats the previous one"
                );
            } else {
                assert_eq!(m.month, expected, "{year}");
                expected += 1;
            }
        }
        // The months fill the year exactly: Tết to Tết.
        let total: i64 = months.iter().map(|(_, _, len)| i64::from(*len)).sum();
        let span = (lunar::tet(year + 1).unwrap() - lunar::tet(year).unwrap()).num_days();
        assert_eq!(total, span, "{year}");
        assert!((353..=385).contains(&span), "{year}: {span} days");
    }
}
