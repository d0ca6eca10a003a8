//! The log as a province's log collector reads it: `[logging] format = "json"` (or
//! `MOTCUA_LOGGING__FORMAT=json`) gives one JSON object per line.

use std::process::Command;

fn migrate(dir: &std::path::Path, format: Option<&str>) -> String {
    migrate_logging(dir, format, "info")
}

fn migrate_logging(dir: &std::path::Path, format: Option<&str>, filter: &str) -> String {
    let _ = std::fs::remove_file(dir.join("nhat-ky.db"));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_motcua"));
    cmd.arg("migrate")
        .current_dir(dir)
        .env("MOTCUA_DATABASE__URL", "sqlite:nhat-ky.db")
        .env("MOTCUA_LOG", filter)
        .env_remove("MOTCUA_LOGGING__FORMAT");
    if let Some(f) = format {
        cmd.env("MOTCUA_LOGGING__FORMAT", f);
    }
    let out = cmd.output().expect("the binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn json_logs_are_one_object_per_line_and_text_is_the_default() {
    let dir = std::env::temp_dir().join(format!("motcua-log-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let log = migrate(&dir, Some("json"));
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let applied: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["fields"]["message"] == "migration applied")
        .collect();
    assert!(!applied.is_empty(), "{log}");
    assert_eq!(applied[0]["level"], "INFO");
    assert_eq!(applied[0]["fields"]["version"], 1);
    // Text by default (a fresh database: the migrations are logged again).
    let text = migrate(&dir, None);
    assert!(text.contains("migration applied"), "{text}");
    assert!(!text.trim_start().starts_with('{'), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn motcua_log_chooses_levels_by_module_and_a_malformed_one_is_said() {
    let dir = std::env::temp_dir().join(format!("motcua-log-filter-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // The migrations are logged by the store at info.
    let quiet = migrate_logging(&dir, None, "warn");
    assert!(!quiet.contains("migration applied"), "{quiet}");
    let store = migrate_logging(&dir, None, "warn,store=info");
    assert!(store.contains("migration applied"), "{store}");
    let other = migrate_logging(&dir, None, "warn,web=debug");
    assert!(!other.contains("migration applied"), "{other}");
    // A value the filter cannot read falls back to the default, and says so without echoing it.
    let bad = migrate_logging(&dir, None, "store=loud");
    assert!(bad.contains("MOTCUA_LOG không đúng dạng"), "{bad}");
    assert!(!bad.contains("loud"), "{bad}");
    let _ = std::fs::remove_dir_all(&dir);
}
