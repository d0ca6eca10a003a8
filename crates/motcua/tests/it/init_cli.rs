//! `motcua init` as a province's IT team runs it: a province on a new database, the one-time
//! password printed once, official identifiers from a table, and refusals that change nothing.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn motcua(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn a_province_is_initialised_once_and_bad_requests_change_nothing() {
    let dir = std::env::temp_dir().join(format!("motcua-init-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite:{}", dir.join("tinh.db").display());
    let codes = dir.join("ma.csv");
    std::fs::write(&codes, "ma_noi_bo,ma_dinh_danh\nlao-cai.bao-thang,H38.61\n").unwrap();
    let base = [
        "init",
        "--province",
        "15",
        "--agency-code",
        "H38",
        "--admin-name",
        "Nguyễn Văn Quản",
        "--database",
        &db,
    ];

    // The 34 provinces to choose from.
    let list = motcua(&["init", "--list"], None);
    assert!(list.status.success());
    let list = text(&list.stdout);
    assert_eq!(list.lines().count(), 34, "{list}");
    assert!(list.contains("15  Tỉnh Lào Cai"), "{list}");

    // Refusals: exit code 2, a Vietnamese reason, nothing created.
    let unknown = motcua(&[&base[..2], &["99"], &base[3..]].concat(), None);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(text(&unknown.stderr).contains("Không có tỉnh, thành phố mã \"99\""));
    let bad_codes = dir.join("sai.csv");
    std::fs::write(&bad_codes, "lao-cai.khong-co,H38.99\n").unwrap();
    let bad = motcua(
        &[&base[..], &["--codes", bad_codes.to_str().unwrap()]].concat(),
        None,
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad.stderr).contains("không có cơ quan mã nội bộ \"lao-cai.khong-co\""),
        "{}",
        text(&bad.stderr)
    );

    // The province, with one official identifier and a one-time password printed once.
    let out = motcua(
        &[&base[..], &["--codes", codes.to_str().unwrap()]].concat(),
        None,
    );
    let printed = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        printed.contains("Đã khởi tạo UBND tỉnh Lào Cai"),
        "{printed}"
    );
    assert!(printed.contains("(99 xã, phường, đặc khu)"), "{printed}");
    assert!(
        printed.contains("609 cơ quan mang mã định danh tạm"),
        "{printed}"
    );
    let password = printed
        .split("mật khẩu một lần: ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the password is printed");
    assert_eq!(password.len(), 19, "{password}");

    // A second run is refused.
    let again = motcua(&base, None);
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("không khởi tạo lại"));

    // The agencies of that province from the command line: a merger, and a refusal.
    let merged = motcua(
        &[
            "agencies",
            "merge",
            "lao-cai.phong-hai",
            "--into",
            "lao-cai.bao-thang",
            "--on",
            "2026-12-10",
            "--database",
            &db,
        ],
        None,
    );
    assert!(merged.status.success(), "{}", text(&merged.stderr));
    assert!(
        text(&merged.stdout)
            .contains("UBND xã Phong Hải sáp nhập vào lao-cai.bao-thang từ 10/12/2026.")
    );
    let listed = text(&motcua(&["agencies", "list", "--database", &db], None).stdout);
    assert!(
        listed.contains("UBND xã Phong Hải  (thôi hoạt động từ 10/12/2026)"),
        "{listed}"
    );
    let refused = motcua(
        &[
            "agencies",
            "add",
            "--parent",
            "lao-cai.bao-thang",
            "--word",
            "tu-phap",
            "--name",
            "Tổ Tư pháp",
            "--kind",
            "so",
            "--database",
            &db,
        ],
        None,
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(text(&refused.stderr).contains("Loại cơ quan là department"));

    // A backup of it, read back; never over an existing file.
    let copy = dir.join("sao-luu").join("tinh.db");
    let saved = motcua(
        &["backup", "--to", copy.to_str().unwrap(), "--database", &db],
        None,
    );
    assert!(saved.status.success(), "{}", text(&saved.stderr));
    assert!(
        text(&saved.stdout).contains("Đã sao lưu"),
        "{}",
        text(&saved.stdout)
    );
    assert!(copy.exists());
    assert!(!dir.join("sao-luu").join("tinh.db-wal").exists());
    let again = motcua(
        &["backup", "--to", copy.to_str().unwrap(), "--database", &db],
        None,
    );
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("đã có"));

    // Another database, with the password given on standard input.
    let db2 = format!("sqlite:{}", dir.join("tinh2.db").display());
    let out = motcua(
        &[
            &base[..8],
            &[&db2, "--password-stdin", "--admin", "qt.tinh"],
        ]
        .concat(),
        Some("mat-khau-rat-dai-2026\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Quản trị viên: qt.tinh (mật khẩu đã nhập)."));
    let _ = std::fs::remove_dir_all(&dir);
}
