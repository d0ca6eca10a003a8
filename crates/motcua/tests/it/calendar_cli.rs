//! `motcua calendar …` as an officer runs it: output, JSON, exit codes and Vietnamese errors.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn motcua(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

fn ok(args: &[&str]) -> String {
    let out = motcua(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

fn json(args: &[&str]) -> Value {
    serde_json::from_str(&ok(args)).unwrap()
}

/// A file in the test's own temporary directory.
fn temp_file(name: &str, contents: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("motcua-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

#[test]
fn holidays_2027_lists_tet_and_warns_that_the_year_is_not_decided() {
    let text = ok(&["calendar", "holidays", "2027"]);
    assert!(
        text.contains("04/02/2027   Thứ Năm    ngày lễ, Tết"),
        "{text}"
    );
    assert!(
        text.contains("Nghỉ bù Ngày Quốc tế lao động trùng thứ Bảy 01/05/2027"),
        "{text}"
    );
    assert!(text.contains("chưa nạp quyết định năm 2027"), "{text}");
    assert!(text.contains("Tổng: 12 ngày thường được nghỉ"), "{text}");
}

#[test]
fn holidays_json_is_an_array_of_date_name_kind_working() {
    let rows = json(&["calendar", "holidays", "2026", "--json"]);
    let rows = rows.as_array().unwrap();
    for row in rows {
        let mut keys: Vec<&str> = row
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort();
        assert_eq!(keys, ["date", "kind", "name", "working"]);
    }
    let find = |date: &str| rows.iter().find(|r| r["date"] == date).unwrap().clone();
    assert_eq!(find("2026-11-24")["name"], "Ngày Văn hóa Việt Nam");
    assert_eq!(find("2026-01-10")["kind"], "make-up");
    assert_eq!(find("2026-01-10")["working"], true);
    assert_eq!(find("2026-08-31")["kind"], "swap-off");
    assert_eq!(find("2026-04-27")["kind"], "compensatory");
}

#[test]
fn due_prints_the_instant_and_the_working_days_counted() {
    let args = [
        "calendar",
        "due",
        "--received",
        "2027-02-03 09:15",
        "--limit",
        "5 ngày làm việc",
    ];
    let text = ok(&args);
    assert!(text.contains("2027-02-17T17:00:00+07:00"), "{text}");
    assert!(
        text.contains("17 giờ 00 phút, Thứ Tư, ngày 17/02/2027"),
        "{text}"
    );
    assert!(text.contains("Số ngày làm việc được tính: 5"), "{text}");
    assert!(
        text.contains("11/02/2027  tính: ngày làm việc thứ 1"),
        "{text}"
    );

    let mut with_json = args.to_vec();
    with_json.push("--json");
    let v = json(&with_json);
    assert_eq!(v["due"], "2027-02-17T17:00:00+07:00");
    assert_eq!(v["working_days"], 5);
    assert_eq!(v["counted_days"][0], "2027-02-11");
    assert_eq!(v["skipped_days"][0]["kind"], "holiday");
    assert_eq!(v["undecided_years"][0], 2027);
}

#[test]
fn due_accepts_every_unit_the_catalogue_uses_and_the_mode_flags() {
    for (limit, due) in [
        ("trong ngày", "2026-11-10T17:00:00+07:00"),
        ("2 ngày", "2026-11-12T17:00:00+07:00"),
        ("8 giờ làm việc", "2026-11-11T10:00:00+07:00"),
        ("4 giờ", "2026-11-10T15:00:00+07:00"),
        ("1 tuần", "2026-11-17T17:00:00+07:00"),
        ("1 tháng", "2026-12-10T17:00:00+07:00"),
    ] {
        let v = json(&[
            "calendar",
            "due",
            "--received",
            "2026-11-10 10:00",
            "--limit",
            limit,
            "--json",
        ]);
        assert_eq!(v["due"], due, "{limit}");
    }
    let v = json(&[
        "calendar",
        "due",
        "--received",
        "2027-02-03 09:15",
        "--limit",
        "5 ngày làm việc",
        "--mode",
        "working-hours",
        "--json",
    ]);
    assert_eq!(v["due"], "2027-02-17T09:15:00+07:00");
    let v = json(&[
        "calendar",
        "due",
        "--received",
        "2026-11-10 15:30",
        "--limit",
        "trong ngày",
        "--cutoff",
        "16:00",
        "--due-at",
        "end-of-day",
        "--json",
    ]);
    assert_eq!(v["due"], "2026-11-10T23:59:59+07:00");
}

#[test]
fn lunar_prints_the_lunar_date_and_can_chi() {
    let text = ok(&["calendar", "lunar", "2030-02-02"]);
    assert!(text.contains("Mùng 1 tháng Giêng năm Canh Tuất"), "{text}");
    assert!(text.contains("Tháng nhuận: không"), "{text}");
    let v = json(&["calendar", "lunar", "2030-02-02", "--json"]);
    assert_eq!(v["lunar"]["day"], 1);
    assert_eq!(v["lunar"]["month"], 1);
    assert_eq!(v["lunar"]["leap"], false);
    assert_eq!(v["lunar"]["year"], 2030);
    assert_eq!(v["can_chi"]["year"], "Canh Tuất");
    // A leap month, both ways.
    let v = json(&["calendar", "solar", "10/3/2031", "--leap", "--json"]);
    assert_eq!(v["solar"], "2031-04-30");
    assert_eq!(v["lunar"]["leap"], true);
}

#[test]
fn day_says_why_a_day_is_off() {
    let v = json(&["calendar", "day", "2026-11-24", "--json"]);
    assert_eq!(v["working"], false);
    assert_eq!(v["name"], "Ngày Văn hóa Việt Nam");
    assert_eq!(v["next_working_day"], "2026-11-25");
    assert_eq!(v["previous_working_day"], "2026-11-23");
}

#[test]
fn bad_input_gets_a_vietnamese_error_and_exit_code_2() {
    for (args, message) in [
        (
            vec![
                "calendar",
                "due",
                "--received",
                "2027-02-03 09:15",
                "--limit",
                "5 phút",
            ],
            "Không nhận ra đơn vị \"phút\"",
        ),
        (
            vec![
                "calendar",
                "due",
                "--received",
                "2027-02-30 09:15",
                "--limit",
                "5 ngày",
            ],
            "Thời điểm không hợp lệ",
        ),
        (
            vec![
                "calendar",
                "due",
                "--received",
                "2027-02-03 09:15",
                "--limit",
                "5 ngày",
                "--mode",
                "nhanh",
            ],
            "không hợp lệ",
        ),
        (
            vec!["calendar", "holidays", "1999"],
            "Năm 1999 nằm ngoài phạm vi lịch làm việc (2020–2199)",
        ),
        (
            vec!["calendar", "holidays", "hai nghìn"],
            "năm \"hai nghìn\" không hợp lệ",
        ),
        (vec!["calendar", "lunar", "2030-02-30"], "Ngày không hợp lệ"),
        (
            vec!["calendar", "lunar", "1899-12-31"],
            "ngoài phạm vi âm lịch",
        ),
        (
            vec!["calendar", "solar", "1/1/2027", "--leap"],
            "Không có ngày âm lịch",
        ),
        (
            vec!["calendar", "holidays", "2027", "--bogus"],
            "tham số \"--bogus\" không được hỗ trợ",
        ),
        (
            vec!["calendar", "due", "--limit", "5 ngày"],
            "thiếu tham số bắt buộc",
        ),
    ] {
        let out = motcua(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        assert!(err.starts_with("Lỗi: "), "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
        assert!(stdout(&out).is_empty(), "{args:?}");
    }
}

#[test]
fn a_data_file_loads_a_new_years_decision_without_a_code_change() {
    let file = temp_file(
        "2027.toml",
        r#"
[[decision]]
year = 2027
holiday = "tet-nguyen-dan"
dates = ["2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08", "2027-02-09"]
source = "Thông báo thử nghiệm"
confidence = "M"

[[decision]]
year = 2027
holiday = "quoc-khanh-lien-ke"
dates = ["2027-09-03"]
source = "Thông báo thử nghiệm"
confidence = "M"
"#,
    );
    let path = file.to_str().unwrap();
    let text = ok(&["calendar", "holidays", "2027", "--data", path]);
    assert!(!text.contains("chưa nạp quyết định"), "{text}");
    assert!(text.contains("2027.toml"), "{text}");
    let rows = json(&["calendar", "holidays", "2027", "--data", path, "--json"]);
    let dates: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["date"].as_str().unwrap())
        .collect();
    assert!(!dates.contains(&"2027-02-04"));
    assert!(dates.contains(&"2027-02-11"));

    let bad = temp_file(
        "bad.toml",
        "[[decision]]\nyear = 2027\nholiday = \"khong-co\"\ndates = []\nsource = \"x\"\nconfidence = \"M\"\n",
    );
    let out = motcua(&[
        "calendar",
        "holidays",
        "2027",
        "--data",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("ngày lễ không có: \"khong-co\""),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_agency_file_sets_office_hours_and_closures() {
    let file = temp_file(
        "son-ha.toml",
        "name = \"UBND xã Sơn Hà\"\noffice_hours = \"07:30-11:30, 13:30-17:30\"\n\
         [[closure]]\nfrom = \"2026-11-11\"\nreason = \"Bão số 15\"\nbasis = \"Công điện thử\"\n",
    );
    let path = file.to_str().unwrap();
    let v = json(&[
        "calendar",
        "due",
        "--received",
        "2026-11-10 09:00",
        "--limit",
        "1 ngày làm việc",
        "--agency",
        path,
        "--json",
    ]);
    assert_eq!(v["due"], "2026-11-12T17:30:00+07:00");
    assert_eq!(v["skipped_days"][0]["kind"], "closure");
    let text = ok(&["calendar", "holidays", "2026", "--agency", path]);
    assert!(text.contains("UBND xã Sơn Hà"), "{text}");
    assert!(text.contains("Bão số 15"), "{text}");
}
