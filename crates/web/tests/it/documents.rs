//! Official forms as PDF files, read back with poppler as a reader's software would.

use serde_json::json;

use crate::common::*;

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
    let info = std::process::Command::new("pdfinfo")
        .arg(&path)
        .output()
        .unwrap();
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

/// The words of a form of the dossier, fetched as the officer would from the dossier page.
async fn form_words(t: &TestApp, session: &str, id: &str, form: &str) -> Option<String> {
    let (status, kind, pdf) =
        fetch(t, session, &format!("/can-bo/ho-so/{id}/giay-to/{form}")).await;
    assert_eq!(
        (status, kind.as_str()),
        (200, "application/pdf"),
        "{form}: {}",
        String::from_utf8_lossy(&pdf)
    );
    pdf_text(&pdf).map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_form_of_a_dossier_prints_from_its_events() {
    let t = spawn().await;
    let (d, tok) = in_appraisal(&t).await;
    let id = id_of(&d);
    let code = d["code"].as_str().unwrap().to_string();
    // Before anything happened, only the receipt, the transfer and the control slip exist.
    let (status, _, _) = fetch(
        &t,
        &tok.counter,
        &format!("/can-bo/ho-so/{id}/giay-to/mau-04"),
    )
    .await;
    assert_eq!(status, 404, "no apology yet");
    let (status, _, _) = fetch(
        &t,
        &tok.counter,
        &format!("/can-bo/ho-so/{id}/giay-to/mau-02"),
    )
    .await;
    assert_eq!(status, 404, "no supplement request yet");
    let (status, _, _) = fetch(
        &t,
        &tok.counter,
        &format!("/can-bo/ho-so/{id}/giay-to/mau-99"),
    )
    .await;
    assert_eq!(status, 404);

    t.at("2026-12-08 09:00");
    t.act(
        &tok.specialist,
        &id,
        "supplement-requests",
        json!({"items": [{"component": "giay-to-khai-sinh", "text": "Bản sao không rõ năm sinh"}],
               "reason": "Giấy tờ không đủ thông tin", "legal_basis": "Khoản 3 Điều 9 Nghị định 61/2018/NĐ-CP"}),
    )
    .await;
    t.at("2026-12-09 09:00");
    t.act(
        &tok.counter,
        &id,
        "supplements",
        json!({"components": [{"component": "giay-to-khai-sinh", "form": "copy"}], "note": "Đã nộp bản sao rõ"}),
    )
    .await;
    t.at("2026-12-14 09:00");
    t.act(
        &tok.leader,
        &id,
        "apology",
        json!({"reason": "Cần xác minh thêm tại nơi sinh", "new_appointment": "2026-12-21 09:00"}),
    )
    .await;
    t.at("2026-12-15 09:00");
    t.act(
        &tok.specialist,
        &id,
        "forward",
        json!({"note": "Đủ điều kiện, trình ký"}),
    )
    .await;
    t.act(&tok.leader, &id, "decision", json!({"outcome": "approved"}))
        .await;
    t.act(&tok.clerk, &id, "issue", json!({"number": "125/2026/TLKS"}))
        .await;
    t.at("2026-12-16 14:00");
    t.act(
        &tok.counter,
        &id,
        "return",
        json!({"received_by": "Nguyễn Thị Hằng", "originals_returned": ["Giấy chứng sinh"]}),
    )
    .await;

    // The dossier page lists each form that now exists.
    let (_, _, page) = fetch(&t, &tok.counter, &format!("/can-bo/ho-so/{id}")).await;
    let page = String::from_utf8(page).unwrap();
    for slug in [
        "mau-01",
        "giao-nhan",
        "mau-02",
        "mau-04",
        "mau-05",
        "tra-ket-qua",
    ] {
        assert!(
            page.contains(&format!("/can-bo/ho-so/{id}/giay-to/{slug}\"")),
            "the dossier page lacks {slug}"
        );
    }
    assert!(!page.contains("giay-to/buu-chinh"), "not a postal dossier");

    let expect = [
        (
            "mau-01",
            vec!["GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", code.as_str()],
        ),
        (
            "giao-nhan",
            vec![
                "PHIẾU GIAO NHẬN HỒ SƠ",
                "Văn phòng",
                "Đăng ký lại khai sinh",
            ],
        ),
        (
            "mau-02",
            vec![
                "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
                "Bản sao không rõ năm sinh",
                "Lý do: Giấy tờ không đủ thông tin",
                "Khoản 3 Điều 9 Nghị định 61/2018/NĐ-CP",
            ],
        ),
        (
            "mau-04",
            vec![
                "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
                "Cần xác minh thêm tại nơi sinh",
                "ngày 21 tháng 12 năm 2026",
                code.as_str(),
            ],
        ),
        (
            "mau-05",
            vec![
                "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
                "1. Giao:",
                "2. Nhận:",
                "Số kết quả:",
                "125/2026/TLKS",
            ],
        ),
        (
            "tra-ket-qua",
            vec![
                "PHIẾU TRẢ KẾT QUẢ GIẢI QUYẾT HỒ SƠ",
                "125/2026/TLKS",
                "Nguyễn Thị Hằng",
                "Giấy chứng sinh",
                "16 tháng 12 năm 2026",
            ],
        ),
    ];
    for (form, words) in expect {
        let Some(text) = form_words(&t, &tok.counter, &id, form).await else {
            return;
        };
        for w in words {
            assert!(text.contains(w), "{form} lacks {w:?}:\n{text}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postal_dossier_prints_its_handover_record() {
    let t = spawn().await;
    let counter = t.login("motcua.baothang").await;
    t.at("2026-12-04 10:00");
    let d = t
        .post(
            Some(&counter),
            "/api/v1/dossiers/postal",
            json!({
                "intake": intake(REREGISTER_BIRTH, &REREGISTER_BIRTH_PARTS),
                "bill_number": "EB123456789VN",
                "handover_record": "BB-0042/2026",
                "handover_signed_at": "2026-12-03 14:05",
                "postal_worker": "Hoàng Văn Tú",
                "fees_collected": 8000
            }),
        )
        .await
        .expect(201);
    let id = id_of(&d);
    let Some(text) = form_words(&t, &counter, &id, "buu-chinh").await else {
        return;
    };
    for w in [
        "BIÊN BẢN GIAO NHẬN HỒ SƠ",
        "Số: BB-0042/2026",
        "14 giờ 05 phút, ngày 03 tháng 12 năm 2026",
        "EB123456789VN",
        "Hoàng Văn Tú",
        "8.000 đồng",
    ] {
        assert!(text.contains(w), "lacks {w:?}:\n{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guidance_at_the_counter_prints_mau_02_without_a_dossier_code() {
    let t = spawn().await;
    let counter = t.login("motcua.baothang").await;
    let (_, _, page) = fetch(&t, &counter, "/can-bo/tiep-nhan?thu_tuc=1.004884").await;
    let page = String::from_utf8(page).unwrap();
    let csrf = csrf_of(&page);
    // Nothing ticked: the officer gives the supplement slip instead of receiving.
    let (status, slip) = post_form(
        &t,
        &counter,
        &csrf,
        "/can-bo/tiep-nhan",
        vec![
            ("csrf", csrf.clone()),
            ("do", "bo-sung".into()),
            ("procedure_code", "1.004884".into()),
            ("kind", "citizen".into()),
            ("name", "Vàng Văn Sử".into()),
            ("phone", "0912000111".into()),
        ],
    )
    .await;
    assert_eq!(status, 200, "{slip}");
    let link = slip
        .split("href=\"/can-bo/huong-dan/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_else(|| panic!("no PDF link: {slip}"))
        .to_string();
    let path = format!("/can-bo/huong-dan/{link}");
    let (status, kind, pdf) = fetch(&t, &counter, &path).await;
    assert_eq!((status, kind.as_str()), (200, "application/pdf"));
    if let Some(text) = pdf_text(&pdf) {
        let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for expected in [
            "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
            "Mã hồ sơ: chưa tiếp nhận",
            "Vàng Văn Sử",
            "Điện thoại: 0912000111",
            // The counter officer who gave it signs it.
            "Lò Thị Mai",
            "Đăng ký lại khai sinh",
        ] {
            assert!(words.contains(expected), "{expected:?} in {words}");
        }
    }
    // Another commune's counter, and a made-up record, get nothing.
    let other = t.login("motcua.tinh").await;
    assert_eq!(fetch(&t, &other, &path).await.0, 404);
    let made_up = format!("/can-bo/huong-dan/{}/mau-02.pdf", uuid::Uuid::now_v7());
    assert_eq!(fetch(&t, &counter, &made_up).await.0, 404);
    assert_eq!(
        fetch(&t, &counter, "/can-bo/huong-dan/khong-co/mau-02.pdf")
            .await
            .0,
        404
    );
}

/// Chứng thực bản sao at the counter: the officer states each component's form, copies and
/// pages (preset to what the procedure asks). The receipt lists them as given, not as "Bản
/// chính, 1 bản"; the certification fee counts the pages and copies (TT 226/2016: 2.000 đồng
/// for each of the first two pages, 1.000 đồng after); and the receipt gives the appointment's
/// hour, the lookup address with its QR code and a place for the applicant to sign (Mẫu 01).
#[tokio::test]
async fn the_receipt_states_the_form_copies_and_pages_the_counter_entered() {
    let t = spawn().await;
    let counter = t.login("motcua.baothang").await;
    let (_, _, page) = fetch(&t, &counter, "/can-bo/tiep-nhan?thu_tuc=2.000815").await;
    let page = String::from_utf8(page).unwrap();
    let csrf = csrf_of(&page);
    // The copy's pages are asked for (its fee counts them), the original's are not.
    assert!(page.contains("name=\"pages_ban-sao\""), "{page}");
    assert!(!page.contains("name=\"pages_ban-chinh\""), "{page}");
    let preset = page.split("name=\"form_ban-sao\"").nth(1).unwrap();
    let preset = &preset[..preset.find("</select>").unwrap()];
    assert!(
        preset.contains("<option value=\"copy\" selected>"),
        "{preset}"
    );
    let form = |pages: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("do", "tiep-nhan".into()),
            ("procedure_code", "2.000815".into()),
            ("kind", "citizen".into()),
            ("name", "Vàng Văn Sử".into()),
            ("id_number", "010190012345".into()),
            ("address_line", "Thôn Cốc Sâm".into()),
            ("commune_code", "02905".into()),
            ("c", "ban-chinh".into()),
            ("form_ban-chinh", "original-to-check".into()),
            ("copies_ban-chinh", "1".into()),
            ("c", "ban-sao".into()),
            ("form_ban-sao", "copy".into()),
            ("copies_ban-sao", "2".into()),
            ("pages_ban-sao", pages.into()),
            ("return_kind", "counter".into()),
        ]
    };
    // Without the pages the fee cannot be counted: said, and nothing received.
    let (status, page) = post_form(&t, &counter, &csrf, "/can-bo/tiep-nhan", form("")).await;
    assert_eq!(status, 422, "{page}");
    assert!(
        page.contains("Cần ghi số trang của &#34;Bản sao cần chứng thực&#34;")
            || page.contains("Cần ghi số trang của &quot;Bản sao cần chứng thực&quot;"),
        "{page}"
    );
    let none = t.get(Some(&counter), "/api/v1/dossiers").await.expect(200);
    assert_eq!(none["total"], 0, "nothing received");

    let (status, page) = post_form(&t, &counter, &csrf, "/can-bo/tiep-nhan", form("5")).await;
    assert_eq!(status, 303, "{page}");
    let list = t.get(Some(&counter), "/api/v1/dossiers").await.expect(200);
    let id = list["items"][0]["id"].as_str().unwrap().to_string();
    let d = t.detail(&counter, &id).await;
    // 2 copies × (2 × 2.000 + 3 × 1.000).
    assert_eq!(d["dossier"]["fees"]["due"], 14_000, "{d}");
    let (status, _, receipt) = fetch(&t, &counter, &format!("/can-bo/ho-so/{id}/phieu")).await;
    assert_eq!(status, 200);
    let receipt = String::from_utf8(receipt).unwrap();
    for expected in [
        "<td>Bản sao cần chứng thực</td><td>Bản sao</td><td>02 bản, 5 trang/bản</td>",
        "<td>Bản chính để đối chiếu</td><td>01 bản</td>",
        "NGƯỜI NỘP HỒ SƠ",
        "<svg",
        "/tra-cuu</strong>",
        " giờ ",
    ] {
        assert!(receipt.contains(expected), "{expected:?} in {receipt}");
    }
    if let Some(text) = form_words(&t, &counter, &id, "mau-01").await {
        assert!(text.contains("02 bản, 5 trang/bản"), "{text}");
    }
}
