//! Deadline arithmetic, with the test cases vn-framework §9.3 asks for and the counting rules of
//! §9.2 (Civil Code Art. 147–148, the 15:00 cut-off, both appointment modes, pauses).

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, FixedOffset};
use lich::time::parse_instant;
use lich::{
    AgencySettings, Calendar, CountMode, DayKind, DeadlineRules, DueAt, Limit, Pause, PlainHours,
    Timeliness, WorkCalendar, classify,
};

fn national() -> Arc<Calendar> {
    static CAL: OnceLock<Arc<Calendar>> = OnceLock::new();
    CAL.get_or_init(|| Arc::new(Calendar::embedded())).clone()
}

fn cal() -> WorkCalendar {
    WorkCalendar::national(national())
}

fn t(s: &str) -> DateTime<FixedOffset> {
    parse_instant(s).unwrap()
}

fn limit(s: &str) -> Limit {
    s.parse().unwrap()
}

fn due(received: &str, lim: &str) -> String {
    cal()
        .due(t(received), limit(lim), &DeadlineRules::default())
        .unwrap()
        .due
        .to_rfc3339()
}

// ---- §9.3 test cases ---------------------------------------------------------------------------

#[test]
fn same_day_procedure_received_at_14_59_is_due_the_same_day() {
    assert_eq!(
        due("2026-11-10 14:59", "trong ngày"),
        "2026-11-10T17:00:00+07:00"
    );
    // "after 15:00" means strictly after: 15:00:00 is still in time.
    assert_eq!(
        due("2026-11-10 15:00", "trong ngày"),
        "2026-11-10T17:00:00+07:00"
    );
}

#[test]
fn same_day_procedure_received_at_15_01_is_due_the_next_working_day() {
    assert_eq!(
        due("2026-11-10 15:01", "trong ngày"),
        "2026-11-11T17:00:00+07:00"
    );
    // The cut-off is configurable.
    let rules = DeadlineRules {
        same_day_cutoff: chrono::NaiveTime::from_hms_opt(16, 0, 0).unwrap(),
        ..Default::default()
    };
    let d = cal()
        .due(t("2026-11-10 15:01"), Limit::same_day(), &rules)
        .unwrap();
    assert_eq!(d.due.to_rfc3339(), "2026-11-10T17:00:00+07:00");
}

#[test]
fn reception_on_the_friday_before_tet() {
    // Tết Bính Ngọ: offices closed 14/02–22/02/2026.
    assert_eq!(
        due("2026-02-13 09:00", "5 ngày làm việc"),
        "2026-02-27T17:00:00+07:00"
    );
    assert_eq!(
        due("2026-02-13 15:01", "trong ngày"),
        "2026-02-23T17:00:00+07:00"
    );
    assert_eq!(
        due("2026-02-13 14:00", "trong ngày"),
        "2026-02-13T17:00:00+07:00"
    );
    // Working-hours mode: 40 office hours from Friday 09:00.
    let rules = DeadlineRules {
        mode: CountMode::WorkingHours,
        ..Default::default()
    };
    let d = cal()
        .due(t("2026-02-13 09:00"), limit("5 ngày làm việc"), &rules)
        .unwrap();
    assert_eq!(d.due.to_rfc3339(), "2026-02-27T09:00:00+07:00");
    // A calendar-day limit runs through Tết but cannot end inside it.
    assert_eq!(
        due("2026-02-13 09:00", "5 ngày"),
        "2026-02-23T17:00:00+07:00"
    );
}

#[test]
fn a_limit_ending_on_gio_to_moves_to_the_next_working_day() {
    // Giỗ Tổ 2027 is Friday 16/04. Ten calendar days from Tuesday 06/04 end on it.
    assert_eq!(
        due("2027-04-06 10:00", "10 ngày"),
        "2027-04-19T17:00:00+07:00"
    );
    // Five working days from Friday 09/04 skip it.
    assert_eq!(
        due("2027-04-09 10:00", "5 ngày làm việc"),
        "2027-04-19T17:00:00+07:00"
    );
}

#[test]
fn a_make_up_saturday_is_a_working_day() {
    // 26/04/2025 was worked in exchange for Friday 02/05/2025.
    assert_eq!(
        due("2025-04-25 10:00", "1 ngày làm việc"),
        "2025-04-26T17:00:00+07:00"
    );
    assert_eq!(
        due("2025-04-25 10:00", "2 ngày làm việc"),
        "2025-04-28T17:00:00+07:00"
    );
    // 30/04, 01/05 holidays, 02/05 swapped off, 03–04/05 weekend.
    assert_eq!(
        due("2025-04-25 10:00", "4 ngày làm việc"),
        "2025-05-05T17:00:00+07:00"
    );
}

#[test]
fn a_supplement_window_spanning_a_holiday() {
    let c = cal();
    let rules = DeadlineRules::default();
    let received = t("2027-04-12 09:00");
    let original = c.due(received, limit("10 ngày làm việc"), &rules).unwrap();
    assert_eq!(original.due.to_rfc3339(), "2027-04-27T17:00:00+07:00");

    // Supplement requested Thursday 15/04 10:00, complete dossier back Monday 19/04 10:00. The
    // window spans Giỗ Tổ (Friday) and a weekend: only 8 working hours were paused.
    let pause = Pause {
        from: t("2027-04-15 10:00"),
        to: t("2027-04-19 10:00"),
    };
    assert_eq!(
        c.working_seconds_between(pause.from, pause.to).unwrap(),
        8 * 3600
    );

    // QĐ 766 measure: the paused working time is not charged, so the due moves one working day.
    let qd766 = c.due_excluding_pauses(original.due, &[pause]).unwrap();
    assert_eq!(qd766.to_rfc3339(), "2027-04-28T17:00:00+07:00");
    let used = c
        .elapsed_excluding_pauses(received, qd766, &[pause])
        .unwrap();
    assert_eq!(
        used,
        c.working_seconds_between(received, original.due).unwrap()
    );

    // ND 61/2018 Art. 19(4): the limit restarts from zero when the complete dossier arrives.
    // 30/04 is a holiday and 01/05/2027 a Saturday, compensated on Monday 03/05.
    let restarted = c.due(pause.to, limit("10 ngày làm việc"), &rules).unwrap();
    assert_eq!(restarted.due.to_rfc3339(), "2027-05-05T17:00:00+07:00");
    assert_eq!(restarted.working_days, 10);
}

// ---- §9.2 counting rules -----------------------------------------------------------------------

#[test]
fn the_reception_day_is_not_counted() {
    assert_eq!(
        due("2026-11-09 08:00", "1 ngày làm việc"),
        "2026-11-10T17:00:00+07:00"
    );
    assert_eq!(
        due("2026-11-09 08:00", "1 ngày"),
        "2026-11-10T17:00:00+07:00"
    );
}

#[test]
fn the_issue_example_counts_through_tet_2027() {
    let c = cal();
    let d = c
        .due(
            t("2027-02-03 09:15"),
            limit("5 ngày làm việc"),
            &DeadlineRules::default(),
        )
        .unwrap();
    assert_eq!(d.due.to_rfc3339(), "2027-02-17T17:00:00+07:00");
    assert_eq!(d.working_days, 5);
    let counted: Vec<String> = c
        .explain(&d)
        .unwrap()
        .iter()
        .filter(|x| x.working)
        .map(|x| x.date.to_string())
        .collect();
    assert_eq!(
        counted,
        [
            "2027-02-11",
            "2027-02-12",
            "2027-02-15",
            "2027-02-16",
            "2027-02-17"
        ]
    );
}

#[test]
fn working_hours_mode_adds_office_hours_from_the_reception_instant() {
    let rules = DeadlineRules {
        mode: CountMode::WorkingHours,
        ..Default::default()
    };
    let d = cal()
        .due(t("2027-02-03 09:15"), limit("5 ngày làm việc"), &rules)
        .unwrap();
    assert_eq!(d.due.to_rfc3339(), "2027-02-17T09:15:00+07:00");
    // Received after hours: counting starts at the next opening.
    let d = cal()
        .due(t("2026-11-10 19:00"), limit("4 giờ làm việc"), &rules)
        .unwrap();
    assert_eq!(d.due.to_rfc3339(), "2026-11-11T12:00:00+07:00");
    // Fractions of a working day are working hours.
    assert_eq!(
        due("2026-11-10 08:00", "0,5 ngày làm việc"),
        "2026-11-10T12:00:00+07:00"
    );
}

#[test]
fn plain_hours_are_office_hours_unless_the_procedure_says_wall_clock() {
    assert_eq!(
        due("2026-11-10 16:00", "2 giờ"),
        "2026-11-11T09:00:00+07:00"
    );
    let rules = DeadlineRules {
        plain_hours: PlainHours::WallClock,
        ..Default::default()
    };
    let d = cal()
        .due(t("2026-11-10 16:00"), limit("24 giờ"), &rules)
        .unwrap();
    assert_eq!(d.due.to_rfc3339(), "2026-11-11T16:00:00+07:00");
}

#[test]
fn end_of_day_mode_ends_at_midnight_as_civil_code_article_148() {
    let rules = DeadlineRules {
        due_at: DueAt::EndOfDay,
        ..Default::default()
    };
    let d = cal()
        .due(t("2026-11-09 08:00"), limit("3 ngày làm việc"), &rules)
        .unwrap();
    assert_eq!(d.due.to_rfc3339(), "2026-11-12T23:59:59+07:00");
    // Moving it by a paused working day keeps the time of day.
    let pause = Pause {
        from: t("2026-11-10 08:00"),
        to: t("2026-11-10 17:00"),
    };
    let moved = cal().due_excluding_pauses(d.due, &[pause]).unwrap();
    assert_eq!(moved.to_rfc3339(), "2026-11-13T23:59:59+07:00");
}

#[test]
fn a_month_limit_ends_on_the_corresponding_day_or_the_last_day_of_the_month() {
    // 31/01 + 1 month → 28/02/2027, a Sunday → Monday 01/03.
    assert_eq!(
        due("2027-01-31 10:00", "1 tháng"),
        "2027-03-01T17:00:00+07:00"
    );
    // Two weeks from 10/11/2026 end on 24/11, Ngày Văn hóa Việt Nam → Wednesday 25/11.
    assert_eq!(
        due("2026-11-10 10:00", "2 tuần"),
        "2026-11-25T17:00:00+07:00"
    );
}

#[test]
fn the_cut_off_can_move_the_start_of_a_multi_day_limit() {
    let rules = DeadlineRules {
        cutoff_moves_start: true,
        ..Default::default()
    };
    let c = cal();
    let late = c
        .due(t("2026-11-09 16:00"), limit("2 ngày làm việc"), &rules)
        .unwrap();
    assert_eq!(late.due.to_rfc3339(), "2026-11-12T17:00:00+07:00");
    let early = c
        .due(t("2026-11-09 14:00"), limit("2 ngày làm việc"), &rules)
        .unwrap();
    assert_eq!(early.due.to_rfc3339(), "2026-11-11T17:00:00+07:00");
}

#[test]
fn online_dossier_received_on_sunday_counts_from_monday() {
    assert_eq!(
        due("2026-11-08 21:00", "1 ngày làm việc"),
        "2026-11-09T17:00:00+07:00"
    );
    assert_eq!(
        due("2026-11-08 21:00", "trong ngày"),
        "2026-11-09T17:00:00+07:00"
    );
}

// ---- agency settings ---------------------------------------------------------------------------

const SON_HA: &str = r#"
name = "UBND xã Sơn Hà"
office_hours = "07:30-11:30, 13:30-17:00"
saturday_reception = "07:30-11:30"

[[closure]]
from = "2026-11-11"
to = "2026-11-12"
reason = "Bão: tạm ngừng làm việc"
basis = "Công điện của Chủ tịch UBND tỉnh (ví dụ)"
"#;

fn son_ha() -> WorkCalendar {
    let settings = AgencySettings::parse(SON_HA, "son-ha.toml").unwrap();
    WorkCalendar::new(national(), &settings)
}

#[test]
fn an_agency_closure_is_not_a_working_day_and_pushes_deadlines() {
    let c = son_ha();
    let info = c
        .day(chrono::NaiveDate::from_ymd_opt(2026, 11, 11).unwrap())
        .unwrap();
    assert_eq!(info.kind, DayKind::Closure);
    assert!(!info.working);
    let d = c
        .due(
            t("2026-11-10 09:00"),
            limit("2 ngày làm việc"),
            &DeadlineRules::default(),
        )
        .unwrap();
    // 11 and 12 closed; 13 (Friday) and 16 (Monday) counted; office closes at 17:00.
    assert_eq!(d.due.to_rfc3339(), "2026-11-16T17:00:00+07:00");
    // The national calendar is untouched.
    assert_eq!(
        due("2026-11-10 09:00", "2 ngày làm việc"),
        "2026-11-12T17:00:00+07:00"
    );
    let named = c.named_days(2026).unwrap();
    assert!(named.iter().any(|x| x.kind == DayKind::Closure));
}

#[test]
fn saturday_morning_reception_does_not_make_saturday_a_working_day() {
    let c = son_ha();
    assert!(c.is_reception_open(t("2026-11-14 09:00")).unwrap());
    assert!(!c.is_reception_open(t("2026-11-14 14:00")).unwrap());
    assert!(!c.is_reception_open(t("2026-11-15 09:00")).unwrap());
    assert!(c.is_reception_open(t("2026-11-16 07:45")).unwrap());
    assert!(!c.is_reception_open(t("2026-11-16 12:00")).unwrap());
    // Received on Saturday morning: the count starts on Monday.
    let d = c
        .due(
            t("2026-11-14 09:00"),
            Limit::same_day(),
            &DeadlineRules::default(),
        )
        .unwrap();
    assert_eq!(d.due.to_rfc3339(), "2026-11-16T17:00:00+07:00");
}

#[test]
fn agency_office_hours_set_the_working_hours_arithmetic() {
    let c = son_ha();
    assert_eq!(c.office_hours().day_length(), 7 * 3600 + 1800);
    let rules = DeadlineRules {
        mode: CountMode::WorkingHours,
        ..Default::default()
    };
    // Monday 16/11 10:30 + 4 working hours: 10:30–11:30 (1h), 13:30–16:30 (3h).
    let d = c
        .due(t("2026-11-16 10:30"), limit("4 giờ làm việc"), &rules)
        .unwrap();
    assert_eq!(d.due.to_rfc3339(), "2026-11-16T16:30:00+07:00");
}

#[test]
fn bad_agency_settings_are_refused() {
    for (text, code) in [
        ("office_hours = \"17:00-08:00\"", "invalid_office_hours"),
        (
            "office_hours = \"08:00-12:00, 11:00-13:00\"",
            "invalid_office_hours",
        ),
        (
            "[[closure]]\nfrom = \"2026-02-30\"\nreason = \"x\"\nbasis = \"x\"",
            "invalid_date",
        ),
        ("[deadline]\nmode = \"nhanh\"", "invalid_calendar_data"),
        ("unknown = 1", "invalid_calendar_data"),
    ] {
        assert_eq!(
            AgencySettings::parse(text, "x.toml").unwrap_err().code(),
            code,
            "{text}"
        );
    }
}

// ---- limits ------------------------------------------------------------------------------------

#[test]
fn limits_are_read_as_the_national_catalogue_writes_them() {
    for (text, shown) in [
        ("5 ngày làm việc", "5 ngày làm việc"),
        (
            "05 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ",
            "5 ngày làm việc",
        ),
        ("5 ngay lam viec", "5 ngày làm việc"),
        ("  15 NGÀY ", "15 ngày"),
        ("1,5 ngày làm việc", "1,5 ngày làm việc"),
        ("8 giờ làm việc", "8 giờ làm việc"),
        ("24 giờ", "24 giờ"),
        ("3 tháng", "3 tháng"),
        ("2 tuần", "2 tuần"),
        ("Trong ngày", "trong ngày"),
        ("trong ngày làm việc", "trong ngày"),
    ] {
        assert_eq!(limit(text).to_string(), shown, "{text}");
    }
}

#[test]
fn bad_limits_get_a_vietnamese_reason() {
    for (text, needle) in [
        ("5 phút", "Không nhận ra đơn vị \"phút\""),
        ("năm ngày", "không phải là số"),
        ("0 ngày làm việc", "lớn hơn 0"),
        ("1,5 ngày", "số nguyên"),
        ("ngày làm việc", "không phải là số"),
        ("5", "Cần ghi số và đơn vị"),
        ("99999 ngày", "quá dài"),
    ] {
        let err = text.parse::<Limit>().unwrap_err();
        assert_eq!(err.code(), "invalid_limit");
        assert!(err.to_string().contains(needle), "{text}: {err}");
    }
}

// ---- classification ----------------------------------------------------------------------------

#[test]
fn finishes_are_early_on_time_or_late() {
    let due = t("2027-04-27 17:00");
    assert_eq!(classify(t("2027-04-26 16:00"), due), Timeliness::Early);
    assert_eq!(classify(t("2027-04-27 08:00"), due), Timeliness::OnTime);
    assert_eq!(classify(t("2027-04-27 17:00"), due), Timeliness::OnTime);
    assert_eq!(classify(t("2027-04-27 17:01"), due), Timeliness::Late);
    assert_eq!(classify(t("2027-05-03 09:00"), due), Timeliness::Late);
    assert_eq!(Timeliness::Late.label(), "quá hạn");
}

#[test]
fn deadlines_beyond_the_covered_years_are_errors_not_guesses() {
    let err = cal()
        .due(
            t("2199-12-30 09:00"),
            limit("30 ngày làm việc"),
            &DeadlineRules::default(),
        )
        .unwrap_err();
    assert_eq!(err.code(), "year_out_of_range");
}

#[test]
fn the_default_office_hours_are_the_forty_hour_week_as_written() {
    assert_eq!(
        lich::OfficeHours::default(),
        lich::OfficeHours::parse("08:00-12:00, 13:00-17:00").unwrap()
    );
    assert_ne!(
        lich::OfficeHours::default(),
        lich::OfficeHours::parse("07:30-11:30, 13:30-17:30").unwrap()
    );
}
