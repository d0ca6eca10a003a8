//! `motcua move` refusing what it cannot move, before it writes anything: exit code 2 and a
//! Vietnamese reason. (The move itself runs against PostgreSQL in `store`'s tests.)

use std::process::Command;

#[test]
fn a_move_from_or_to_the_wrong_database_is_refused_plainly() {
    let dir = std::env::temp_dir().join(format!("motcua-move-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let notes = dir.join("ghi-chu.txt");
    std::fs::write(&notes, "không phải cơ sở dữ liệu ".repeat(100)).unwrap();
    let notes = notes.display().to_string();
    let absent = dir.join("khong-co.db").display().to_string();
    let target = "postgres://motcua@127.0.0.1:1/tinh";
    for (from, to, said) in [
        (target, target, "cùng một cơ sở dữ liệu"),
        (
            "postgres://motcua@127.0.0.1:1/xa",
            target,
            "nguồn phải là cơ sở dữ liệu SQLite",
        ),
        (absent.as_str(), "sqlite:tinh.db", "không phải PostgreSQL"),
        (absent.as_str(), target, "không có tệp"),
        (notes.as_str(), target, "không phải cơ sở dữ liệu SQLite"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_motcua"))
            .args(["move", "--from", from, "--to", to])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{from} → {to}: {stderr}");
        assert!(
            stderr.starts_with("Lỗi: ") && stderr.contains(said),
            "{stderr}"
        );
    }
}
