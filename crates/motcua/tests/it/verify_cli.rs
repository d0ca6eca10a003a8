//! `motcua verify` as an operator runs it after a crash or a restore: 0 when every chain,
//! state, code, counter and file agrees; 3 with each difference named when something was
//! changed behind the application's back.

use crate::serving::{motcua, seed_demo};

#[test]
fn verify_finds_what_was_changed_behind_the_applications_back() {
    let dir = std::env::temp_dir().join(format!("motcua-verify-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("motcua.db");
    let url = format!("sqlite:{}", path.display());
    seed_demo(&url, 20);

    let sound = motcua(&["verify", "--database", &url]);
    let said = String::from_utf8_lossy(&sound.stdout);
    assert_eq!(sound.status.code(), Some(0), "{said}");
    assert!(said.contains("đều khớp"), "{said}");

    // Behind the application's back: a name in a list row, a counter, a file, an event.
    let db = rusqlite::Connection::open(&path).unwrap();
    let code: String = db
        .query_row("SELECT code FROM dossiers ORDER BY code LIMIT 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    db.execute(
        "UPDATE dossiers SET applicant_name = 'Người Khác' WHERE code = ?1",
        [&code],
    )
    .unwrap();
    db.execute(
        "UPDATE report_counts SET n = n + 1 WHERE measure = 'received' AND \
         (agency, procedure, day, channel) = (SELECT agency, procedure, day, channel \
          FROM report_counts WHERE measure = 'received' LIMIT 1)",
        [],
    )
    .unwrap();
    db.execute("UPDATE attachments SET content = x'00'", [])
        .unwrap();
    let tampered: String = db
        .query_row(
            "SELECT code FROM dossiers ORDER BY code LIMIT 1 OFFSET 3",
            [],
            |r| r.get(0),
        )
        .unwrap();
    db.execute_batch("DROP TRIGGER dossier_events_no_update")
        .unwrap();
    db.execute(
        "UPDATE dossier_events SET at_ms = at_ms + 1 WHERE version = 1 AND \
         dossier_id = (SELECT id FROM dossiers WHERE code = ?1)",
        [&tampered],
    )
    .unwrap();
    // An event no longer readable: its chain breaks and the dossier cannot be replayed.
    let unreadable: String = db
        .query_row(
            "SELECT code FROM dossiers ORDER BY code LIMIT 1 OFFSET 5",
            [],
            |r| r.get(0),
        )
        .unwrap();
    db.execute(
        "UPDATE dossier_events SET payload = '{\"kind\":\"không có\"}' WHERE version = 1 AND \
         dossier_id = (SELECT id FROM dossiers WHERE code = ?1)",
        [&unreadable],
    )
    .unwrap();
    drop(db);

    let unsound = motcua(&["verify", "--database", &url]);
    let said = String::from_utf8_lossy(&unsound.stdout);
    assert_eq!(unsound.status.code(), Some(3), "{said}");
    for expected in [
        format!("[trạng thái] {code}: dòng danh sách khác với hồ sơ ở: người nộp"),
        format!("[chuỗi băm] {tampered}: "),
        format!("[chuỗi băm] {unreadable}: "),
        format!("[trạng thái] {unreadable}: nhật ký sự kiện không đọc được"),
        "[bộ đếm] ".to_string(),
        "đang lưu ".to_string(),
        "[tệp] ".to_string(),
        "motcua report rebuild".to_string(),
    ] {
        assert!(said.contains(&expected), "{expected} not in:\n{said}");
    }
    assert!(
        String::from_utf8_lossy(&unsound.stderr).contains("không khớp"),
        "{unsound:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A database path with a typo is said, not created: before, `verify` made an empty database
/// there (and its folders) and reported every chain sound; the commands that work on a
/// province's data (backup, import, agencies, report) did the same.
#[test]
fn a_database_that_is_not_there_is_said_and_not_made() {
    let dir = std::env::temp_dir().join(format!("motcua-verify-none-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let missing = dir.join("khong-co").join("motcua.db");
    let url = format!("sqlite:{}", missing.display());
    for args in [
        vec!["verify", "--database", &url],
        vec!["report", "rebuild", "--database", &url],
        vec!["agencies", "list", "--database", &url],
        vec!["import", "units", "--database", &url],
    ] {
        let out = motcua(&args);
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {said}");
        assert!(said.contains("không có cơ sở dữ liệu"), "{args:?}: {said}");
        assert!(!dir.join("khong-co").exists(), "{args:?} made the folder");
    }
    // The operating system's refusals are said in Vietnamese too.
    let out = motcua(&[
        "import",
        "catalog",
        "/khong-co/danh-muc.json",
        "--database",
        &url,
    ]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("không có tệp hoặc thư mục này"), "{said}");
    assert!(!said.contains("os error"), "{said}");
    let _ = std::fs::remove_dir_all(&dir);
}
