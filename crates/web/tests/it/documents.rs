//! Official forms as PDF files, read back with poppler as a reader's software would.

use std::process::Command;

use crate::common::*;

/// The text of a PDF (`pdftotext -layout`), or `None` outside CI when poppler is missing.
fn pdf_text(pdf: &[u8]) -> Option<String> {
    let path = std::env::temp_dir().join(format!("motcua-web-{}.pdf", std::process::id()));
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output();
    let _ = std::fs::remove_file(&path);
    match out {
        Ok(o) if o.status.success() => Some(String::from_utf8(o.stdout).unwrap()),
        Ok(o) => panic!("pdftotext: {}", String::from_utf8_lossy(&o.stderr)),
        Err(e) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("pdftotext is needed in CI (Debian poppler-utils): {e}")
        }
        Err(e) => {
            eprintln!("SKIPPED: pdftotext not found ({e}); install poppler-utils");
            None
        }
    }
}

async fn fetch(t: &TestApp, session: &str, path: &str) -> (u16, String, Vec<u8>) {
    let r = t
        .http
        .get(format!("{}{path}", t.base))
        .header("Cookie", format!("mc_phien={session}"))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let kind = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, kind, r.bytes().await.unwrap().to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_counter_prints_the_receipt_as_a_pdf_with_its_code_and_qr_address() {
    let t = spawn().await;
    let counter = t.login("motcua.baothang").await;
    let d = receive(&t, &counter).await;
    let (id, code) = (id_of(&d), d["code"].as_str().unwrap().to_string());
    let (status, kind, pdf) = fetch(&t, &counter, &format!("/can-bo/ho-so/{id}/phieu.pdf")).await;
    assert_eq!((status, kind.as_str()), (200, "application/pdf"));
    assert!(pdf.starts_with(b"%PDF-"));
    if let Some(text) = pdf_text(&pdf) {
        let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for expected in [
            "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
            code.as_str(),
            "Nguyễn Thị Hằng",
            "Đăng ký lại khai sinh",
            "ngày 07 tháng 12 năm 2026",
            "/tra-cuu",
        ] {
            assert!(words.contains(expected), "missing {expected:?} in:\n{text}");
        }
    }
    // Another commune's counter may not print it; an unknown dossier is not found.
    let other = t.login("motcua.tinh").await;
    let (status, _, _) = fetch(&t, &other, &format!("/can-bo/ho-so/{id}/phieu.pdf")).await;
    assert!(status == 403 || status == 404, "{status}");
    let (status, _, _) = fetch(&t, &counter, "/can-bo/ho-so/khong-co/phieu.pdf").await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_book_prints_on_landscape_a4_pages() {
    let t = spawn().await;
    let counter = t.login("motcua.baothang").await;
    let mut codes = Vec::new();
    for _ in 0..3 {
        let d = receive(&t, &counter).await;
        codes.push(d["code"].as_str().unwrap().to_string());
    }
    let (status, kind, pdf) = fetch(
        &t,
        &counter,
        "/can-bo/so-theo-doi?tu=2026-12-01&den=2026-12-31&tai=pdf",
    )
    .await;
    assert_eq!((status, kind.as_str()), (200, "application/pdf"));
    let Some(text) = pdf_text(&pdf) else { return };
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("SỔ THEO DÕI HỒ SƠ"), "{text}");
    assert!(
        words.contains("Từ ngày 01/12/2026 đến ngày 31/12/2026 — 3 hồ sơ"),
        "{text}"
    );
    for code in &codes {
        assert!(words.contains(code.as_str()), "missing {code}:\n{text}");
    }
    let path = std::env::temp_dir().join(format!("motcua-book-{}.pdf", std::process::id()));
    std::fs::write(&path, &pdf).unwrap();
    let info = Command::new("pdfinfo").arg(&path).output().unwrap();
    let _ = std::fs::remove_file(&path);
    let info = String::from_utf8(info.stdout).unwrap();
    assert!(
        info.contains("841.89 x 595.276"),
        "not landscape A4:\n{info}"
    );
    // A bad period is said on the page, not printed.
    let (status, kind, _) = fetch(
        &t,
        &counter,
        "/can-bo/so-theo-doi?tu=2026-13-01&den=2026-12-31&tai=pdf",
    )
    .await;
    assert_ne!(kind.as_str(), "application/pdf", "{status}");
}
