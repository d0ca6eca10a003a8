//! `motcua bench reports` generating its counters by driving dossiers through the domain: a
//! rule the domain gains (fees paid before the result is returned) must not leave the benchmark
//! unable to run, so a small run is part of the tests.

use std::process::Command;

#[test]
fn the_reports_benchmark_generates_and_measures_a_small_province() {
    let dir = std::env::temp_dir().join(format!("motcua-bench-reports-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("reports.db");
    let out = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args([
            "bench",
            "reports",
            "--dossiers",
            "3000",
            "--rounds",
            "1",
            "--db",
        ])
        .arg(&db)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Sinh 3000 hồ sơ"), "{stdout}");
    for line in [
        "báo cáo định kỳ quý, mọi cơ quan",
        "chỉ số 766 quý, mọi đơn vị",
        "trang biểu đồ qua HTTP",
    ] {
        assert!(stdout.contains(line), "{line}: {stdout}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
