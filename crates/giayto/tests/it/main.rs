//! Forms rendered to PDF and read back with poppler (`pdftotext`, `pdffonts`), as a reader's
//! software would: the words, names and diacritics are there, the fonts are embedded.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Tests run in parallel: each poppler call reads its own file.
static N: AtomicUsize = AtomicUsize::new(0);

use giayto::{Data, Error, Template, built_in, render};

/// Runs a poppler tool on a PDF; outside CI, a missing tool skips with a printed reason.
fn poppler(tool: &str, pdf: &[u8], args: &[&str]) -> Option<String> {
    // GIAYTO_OUT=DIR keeps each PDF read, to look at.
    if let Ok(out) = std::env::var("GIAYTO_OUT") {
        let n = N.fetch_add(1, Ordering::Relaxed);
        std::fs::write(PathBuf::from(out).join(format!("{n}.pdf")), pdf).unwrap();
    }
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("giayto-{}-{tool}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path: PathBuf = dir.join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = match Command::new(tool).args(args).arg(&path).arg("-").output() {
        Ok(o) => o,
        Err(e) => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("{tool} is needed in CI (Debian poppler-utils): {e}");
            }
            eprintln!("SKIPPED: {tool} not found ({e}); install poppler-utils");
            return None;
        }
    };
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

fn fonts(pdf: &[u8]) -> Option<String> {
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("giayto-{}-fonts-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("f.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = match Command::new("pdffonts").arg(&path).output() {
        Ok(o) => o,
        Err(e) => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("pdffonts is needed in CI (Debian poppler-utils): {e}");
            }
            eprintln!("SKIPPED: pdffonts not found ({e})");
            return None;
        }
    };
    let _ = std::fs::remove_dir_all(&dir);
    Some(String::from_utf8(out.stdout).unwrap())
}

fn receipt(components: usize) -> Data {
    let mut d = Data::new();
    d.set("co_quan_cap_tren", "UBND XÃ BẢO THẮNG")
        .set("bo_phan", "Trung tâm Phục vụ hành chính công xã Bảo Thắng")
        .set("ma_ho_so", "000.00.15.H38-261203-0042")
        .set("dia_danh", "Bảo Thắng")
        .set("ngay", "03")
        .set("thang", "12")
        .set("nam", "2026")
        .set("nguoi_nop", "Nguyễn Văn Đức")
        .set("so_dinh_danh", "010090012345")
        .set("dia_chi", "Thôn Phú Hà, xã Bảo Thắng, tỉnh Lào Cai")
        .set("lien_he", "Điện thoại: 0912 345 678")
        .set("thu_tuc", "Đăng ký khai sinh")
        .set("so_bo", "01")
        .set("thoi_han", "01 ngày làm việc")
        .set(
            "thoi_gian_nhan",
            "09 giờ 15 phút, ngày 03 tháng 12 năm 2026",
        )
        .set("thoi_gian_tra", "09 giờ 15 phút, ngày 04 tháng 12 năm 2026")
        .set("nhan_ket_qua", "Bộ phận Một cửa")
        .set("phi_le_phi", "")
        .set("so_theo_doi", "")
        .set("can_bo", "Trần Thị Hằng")
        .set(
            "duong_dan_tra_cuu",
            "https://dichvucong.laocai.gov.vn/tra-cuu?ma=000.00.15.H38-261203-0042",
        )
        .set("dia_chi_tra_cuu", "dichvucong.laocai.gov.vn/tra-cuu")
        .set("ma_bao_mat", "7KQ2-M9XD");
    d.list("thanh_phan");
    for i in 1..=components {
        d.push_row(
            "thanh_phan",
            [
                ("stt", i.to_string()),
                (
                    "ten",
                    format!("Tờ khai đăng ký khai sinh theo mẫu số {i} (ghi đủ họ, chữ đệm, tên; ngày, tháng, năm sinh)"),
                ),
                ("hinh_thuc", "Bản chính".to_string()),
                ("so_luong", "01".to_string()),
            ],
        );
    }
    d
}

#[test]
fn the_receipt_reads_back_with_its_code_names_dates_and_diacritics() {
    let pdf = render(&built_in("mau-01").unwrap(), &receipt(3)).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let Some(text) = poppler("pdftotext", &pdf, &["-layout"]) else {
        return;
    };
    for expected in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "000.00.15.H38-261203-0042",
        "Nguyễn Văn Đức",
        "Đăng ký khai sinh",
        "ngày 04 tháng 12 năm 2026",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
        "Trần Thị Hằng",
        "dichvucong.laocai.gov.vn/tra-cuu",
        "7KQ2-M9XD",
        "Bản chính",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    // An empty optional field leaves its line out.
    assert!(!text.contains("Phí, lệ phí"), "{text}");
    assert!(text.contains("Điện thoại: 0912 345 678"));
    let Some(fonts) = fonts(&pdf) else { return };
    assert!(fonts.contains("LiberationSerif"), "{fonts}");
    for line in fonts.lines().skip(2) {
        // name type encoding emb sub uni …: every font embedded, with a Unicode map.
        let cols: Vec<&str> = line.split_whitespace().collect();
        let n = cols.len();
        assert_eq!(cols[n - 5], "yes", "not embedded: {line}");
        assert_eq!(cols[n - 3], "yes", "no ToUnicode map: {line}");
    }
}

#[test]
fn a_long_table_continues_on_numbered_pages_under_its_header() {
    let pdf = render(&built_in("mau-01").unwrap(), &receipt(40)).unwrap();
    let Some(text) = poppler("pdftotext", &pdf, &[]) else {
        return;
    };
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert!(pages.len() >= 3, "{} pages", pages.len());
    let n = pages.len();
    for (i, page) in pages.iter().enumerate() {
        assert!(
            page.contains(&format!("Trang {}/{n}", i + 1)),
            "page {i}: {page}"
        );
    }
    // The header row is repeated where the table continues.
    assert!(pages[1].contains("Tên giấy tờ"), "{}", pages[1]);
    assert!(text.contains("mẫu số 40"));
}

#[test]
fn the_refusal_slip_reads_back() {
    let mut d = receipt(0);
    d.set("ly_do", "Thiếu Giấy chứng sinh")
        .set("can_cu", "Điều 16 Luật Hộ tịch 2014");
    let pdf = render(&built_in("mau-03").unwrap(), &d).unwrap();
    let Some(text) = poppler("pdftotext", &pdf, &[]) else {
        return;
    };
    // A line may break inside a name: read the words as a reader would.
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
        "Thiếu Giấy chứng sinh",
        "Điều 16 Luật Hộ tịch 2014",
        "Nguyễn Văn Đức",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn template_mistakes_are_named_and_nothing_is_rendered() {
    let base = r#"name = "x"
paper = "A5"
[[block]]
kind = "paragraph"
text = "Xin chào {ten}"
"#;
    let t = Template::parse(base).unwrap();
    assert_eq!(
        render(&t, &Data::new()).unwrap_err(),
        Error::UnknownField("ten".into())
    );
    let bad_paper = Template::parse(&base.replace("A5", "A3")).unwrap_err();
    assert!(bad_paper.to_string().contains("dòng 2"), "{bad_paper}");
    assert!(bad_paper.to_string().contains("A3"), "{bad_paper}");
    let unknown = Template::parse(&base.replace("text =", "txt =")).unwrap_err();
    assert!(unknown.to_string().contains("txt"), "{unknown}");
    let unclosed = Template::parse(&base.replace("{ten}", "{ten")).unwrap();
    let mut d = Data::new();
    d.set("ten", "An");
    assert!(matches!(render(&unclosed, &d), Err(Error::Template(_))));
    // Data is data: braces and stars in a value are printed as they are.
    let t = Template::parse(base).unwrap();
    let mut d = Data::new();
    d.set("ten", "{ông} *Bình*");
    let pdf = render(&t, &d).unwrap();
    if let Some(text) = poppler("pdftotext", &pdf, &[]) {
        assert!(text.contains("Xin chào {ông} *Bình*"), "{text}");
    }
}

/// Reads a PDF's words as one line (a name may break across lines).
fn words(pdf: &[u8]) -> Option<String> {
    let text = poppler("pdftotext", pdf, &[])?;
    Some(text.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[test]
fn the_supplement_apology_and_control_slips_read_back() {
    // Mẫu 02: what to add, listed, with the reason and who guides.
    let mut d = receipt(0);
    d.set("noi_yeu_cau", "Bộ phận Một cửa")
        .set("ly_do", "Giấy chứng sinh bị mờ, không đọc được")
        .set("can_cu", "Điều 16 Luật Hộ tịch 2014")
        .set("duong_dan_tra_cuu", "");
    d.list("noi_dung");
    for (i, item) in ["Giấy chứng sinh (bản chính)", "Văn bản ủy quyền"]
        .iter()
        .enumerate()
    {
        d.push_row(
            "noi_dung",
            [("stt", (i + 1).to_string()), ("noi_dung", item.to_string())],
        );
    }
    let pdf = render(&built_in("mau-02").unwrap(), &d).unwrap();
    if let Some(text) = words(&pdf) {
        for expected in [
            "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
            "000.00.15.H38-261203-0042",
            "Giấy chứng sinh (bản chính)",
            "Văn bản ủy quyền",
            "Lý do: Giấy chứng sinh bị mờ, không đọc được",
            "NGƯỜI HƯỚNG DẪN",
            "Trần Thị Hằng",
        ] {
            assert!(
                text.contains(expected),
                "Mẫu 02 lacks {expected:?}:\n{text}"
            );
        }
        // No lookup address was given: the QR block is left out.
        assert!(!text.contains("theo dõi hồ sơ tại"), "{text}");
    }

    // Mẫu 04: the old and the new date, the reason, the head of the agency.
    let mut d = receipt(0);
    d.set("co_quan", "Phòng Kinh tế xã Bảo Thắng")
        .set("ngay_nhan", "03/12/2026")
        .set("ngay_hen_cu", "10/12/2026")
        .set("ngay_hen_moi", "ngày 15 tháng 12 năm 2026")
        .set("ly_do", "Chờ ý kiến của Sở Xây dựng")
        .set("nguoi_ky", "Lê Văn Minh");
    let pdf = render(&built_in("mau-04").unwrap(), &d).unwrap();
    if let Some(text) = words(&pdf) {
        for expected in [
            "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
            "Kính gửi: Nguyễn Văn Đức",
            "Ngày hẹn trả kết quả: 10/12/2026",
            "Chờ ý kiến của Sở Xây dựng",
            "Thời gian hẹn trả kết quả lại: ngày 15 tháng 12 năm 2026",
            "THỦ TRƯỞNG CƠ QUAN",
            "Lê Văn Minh",
        ] {
            assert!(
                text.contains(expected),
                "Mẫu 04 lacks {expected:?}:\n{text}"
            );
        }
    }

    // Mẫu 05: one row per hand-over.
    let mut d = receipt(0);
    d.list("giao_nhan");
    for (from, to, result) in [
        ("Tổ chức, cá nhân: Nguyễn Văn Đức", "Bộ phận Một cửa", ""),
        ("Bộ phận Một cửa", "Phòng Văn hóa - Xã hội", "Đúng hạn"),
        ("Phòng Văn hóa - Xã hội", "Lãnh đạo UBND xã", "Trước hạn"),
    ] {
        d.push_row(
            "giao_nhan",
            [
                ("co_quan", format!("1. Giao: {from} 2. Nhận: {to}")),
                ("thoi_gian", "09 giờ 15 phút, ngày 03/12/2026".into()),
                ("ket_qua", result.into()),
                ("ghi_chu", String::new()),
            ],
        );
    }
    let pdf = render(&built_in("mau-05").unwrap(), &d).unwrap();
    if let Some(text) = words(&pdf) {
        for expected in [
            "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
            "(Kèm theo hồ sơ của: Nguyễn Văn Đức)",
            "Phòng Văn hóa - Xã hội",
            "Trước hạn",
        ] {
            assert!(
                text.contains(expected),
                "Mẫu 05 lacks {expected:?}:\n{text}"
            );
        }
    }
}

#[test]
fn the_transfer_return_and_postal_records_read_back() {
    let mut d = receipt(2);
    d.set("ben_giao", "Bộ phận Một cửa xã Bảo Thắng")
        .set("ben_nhan", "Phòng Văn hóa - Xã hội")
        .set("thoi_gian", "10 giờ 00 phút, ngày 03 tháng 12 năm 2026")
        .set("tep_dien_tu", "2 tệp đã số hóa")
        .set("nguoi_giao", "Trần Thị Hằng")
        .set("nguoi_nhan", "Phạm Quốc Bảo");
    let pdf = render(&built_in("giao-nhan").unwrap(), &d).unwrap();
    if let Some(text) = words(&pdf) {
        for expected in [
            "PHIẾU GIAO NHẬN HỒ SƠ",
            "Phòng Văn hóa - Xã hội",
            "Phạm Quốc Bảo",
        ] {
            assert!(text.contains(expected), "lacks {expected:?}:\n{text}");
        }
    }

    let mut d = receipt(0);
    d.set("ket_qua", "Trích lục khai sinh")
        .set("so_ket_qua", "125/TLKS")
        .set(
            "thoi_gian_tra_thuc_te",
            "08 giờ 30 phút, ngày 04 tháng 12 năm 2026",
        )
        .set("dung_han", "Trả đúng hạn")
        .set("hinh_thuc", "Trực tiếp tại Bộ phận Một cửa")
        .set("so_buu_gui", "")
        .set("co_ban_chinh", "có")
        .set("nguoi_nhan", "Nguyễn Thị Lan");
    d.push_row("ban_chinh", [("stt", "1"), ("ten", "Giấy chứng sinh")]);
    let pdf = render(&built_in("tra-ket-qua").unwrap(), &d).unwrap();
    if let Some(text) = words(&pdf) {
        for expected in [
            "PHIẾU TRẢ KẾT QUẢ GIẢI QUYẾT HỒ SƠ",
            "Số, ký hiệu văn bản kết quả: 125/TLKS",
            "Giấy chứng sinh",
            "NGƯỜI NHẬN KẾT QUẢ",
            "Nguyễn Thị Lan",
        ] {
            assert!(text.contains(expected), "lacks {expected:?}:\n{text}");
        }
        assert!(!text.contains("Số hiệu bưu gửi"), "{text}");
    }

    let mut d = receipt(0);
    d.set("so_bien_ban", "BB-0042/2026")
        .set("thoi_gian_ky", "14 giờ 05 phút, ngày 03 tháng 12 năm 2026")
        .set("nhan_vien_buu_chinh", "Hoàng Văn Tú")
        .set("tong_phi", "8.000 đồng");
    d.push_row(
        "ho_so",
        [
            ("stt", "1"),
            ("so_buu_gui", "EB123456789VN"),
            ("nguoi_gui", "Nguyễn Văn Đức"),
            ("thu_tuc", "Đăng ký khai sinh"),
            ("ma_ho_so", "000.00.15.H38-261203-0042"),
            ("phi", "8.000"),
        ],
    );
    let pdf = render(&built_in("buu-chinh").unwrap(), &d).unwrap();
    if let Some(text) = words(&pdf) {
        for expected in [
            "BIÊN BẢN GIAO NHẬN HỒ SƠ",
            "Số: BB-0042/2026",
            "EB123456789VN",
            "Hoàng Văn Tú",
            "thời điểm nộp hồ sơ",
        ] {
            assert!(text.contains(expected), "lacks {expected:?}:\n{text}");
        }
    }
}

#[test]
fn every_built_in_template_parses() {
    for (name, _) in giayto::BUILT_IN {
        let t = built_in(name).unwrap();
        assert!(!t.name.is_empty(), "{name}");
    }
    assert_eq!(giayto::BUILT_IN.len(), 14);
}

#[test]
fn a_result_template_declares_what_the_handler_enters_and_its_draft_is_marked() {
    let t = built_in("ket-qua-1.001612").unwrap();
    let keys: Vec<&str> = t.fields.iter().map(|f| f.key.as_str()).collect();
    assert!(keys.contains(&"ten_ho_kinh_doanh") && keys.contains(&"nganh_nghe"));
    let owner = t.fields.iter().find(|f| f.key == "chu_ho").unwrap();
    assert!(owner.required);
    assert_eq!(owner.prefill.as_deref(), Some("nguoi_nop"));
    let mut d = Data::new();
    for (k, v) in [
        ("co_quan", "ỦY BAN NHÂN DÂN XÃ BẢO THẮNG"),
        ("so", "12/GCN-HKD"),
        ("dia_danh", "Bảo Thắng"),
        ("ngay", "04"),
        ("thang", "12"),
        ("nam", "2026"),
        ("ma_ho_so", "G22.39.05-261204-0001"),
        ("thu_tuc", "Đăng ký thành lập hộ kinh doanh"),
        ("ngay_nhan", "01/12/2026"),
        ("chuc_vu_ky", "TM. ỦY BAN NHÂN DÂN"),
        ("nguoi_ky", "Nguyễn Văn Chủ"),
        ("ma_ket_qua", "G22.39.05-261204-0001.7"),
        (
            "duong_dan_xac_thuc",
            "https://dichvucong.example/xac-thuc/x",
        ),
    ] {
        d.set(k, v);
    }
    for f in &t.fields {
        d.set(&f.key, "");
    }
    d.set("ten_ho_kinh_doanh", "HỘ KINH DOANH TẠP HÓA ĐỨC THỊNH")
        .set("ma_so_ho_kinh_doanh", "10A8012345")
        .set("nganh_nghe", "Bán lẻ thực phẩm\nBán lẻ đồ uống")
        .set("von_kinh_doanh", "50.000.000 đồng")
        .set("chu_ho", "Phạm Thị Hường")
        .set("so_dinh_danh_chu_ho", "010190001234")
        .set("dia_diem_kinh_doanh", "Thôn Phú Thịnh, xã Bảo Thắng");
    let draft = giayto::render_draft(&t, &d).unwrap();
    let signed = render(&t, &d).unwrap();
    if let (Some(draft), Some(final_)) = (words(&draft), words(&signed)) {
        for expected in [
            "GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH",
            "HỘ KINH DOANH TẠP HÓA ĐỨC THỊNH",
            "Bán lẻ thực phẩm Bán lẻ đồ uống",
            "Phạm Thị Hường",
        ] {
            assert!(draft.contains(expected), "{expected:?} in {draft}");
            assert!(final_.contains(expected), "{expected:?} in {final_}");
        }
        assert!(
            draft.contains("DỰ THẢO — chưa ký số, không có giá trị pháp lý"),
            "{draft}"
        );
        assert!(!final_.contains(giayto::DRAFT_MARK), "{final_}");
        // An empty optional field leaves its line out.
        assert!(!final_.contains("Số lượng lao động"), "{final_}");
    }
}

#[test]
fn field_declarations_are_checked() {
    let with = |field: &str| {
        format!("name = \"x\"\npaper = \"A4\"\n{field}\n[[block]]\nkind = \"space\"\nmm = 1\n")
    };
    let ok = "[[field]]\nkey = \"ten_cho\"\nlabel = \"Tên\"";
    assert_eq!(Template::parse(&with(ok)).unwrap().fields.len(), 1);
    for bad in [
        "[[field]]\nkey = \"Tên\"\nlabel = \"Tên\"",
        "[[field]]\nkey = \"9a\"\nlabel = \"Tên\"",
        "[[field]]\nkey = \"a\"\nlabel = \" \"",
        "[[field]]\nkey = \"a\"\nlabel = \"A\"\nmax_chars = 0",
        &format!("{ok}\n{ok}"),
    ] {
        let e = Template::parse(&with(bad)).unwrap_err();
        assert!(matches!(e, Error::Template(_)), "{bad}: {e}");
    }
}

/// A picture of the first page of `pdf` (`jpeg` or `png`), as a scanner or a phone would give,
/// made with poppler's `pdftoppm`.
fn picture(pdf: &[u8], format: &str) -> Option<Vec<u8>> {
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("giayto-{}-ppm-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("in.pdf"), pdf).unwrap();
    let out = match Command::new("pdftoppm")
        .args([&format!("-{format}"), "-r", "40", "-singlefile"])
        .arg(dir.join("in.pdf"))
        .arg(dir.join("out"))
        .output()
    {
        Ok(o) => o,
        Err(e) => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("pdftoppm is needed in CI (Debian poppler-utils): {e}");
            }
            eprintln!("SKIPPED: pdftoppm not found ({e})");
            return None;
        }
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ext = if format == "jpeg" { "jpg" } else { "png" };
    let bytes = std::fs::read(dir.join(format!("out.{ext}"))).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    Some(bytes)
}

/// A one-page "original" with a line of its own.
fn original(line: &str) -> Vec<u8> {
    let t = Template::parse(&format!(
        "name = \"Bản chính\"\npaper = \"A4\"\n[[block]]\nkind = \"title\"\ntext = \"{line}\"\n"
    ))
    .unwrap();
    render(&t, &Data::new()).unwrap()
}

fn certification() -> Data {
    let mut d = Data::new();
    d.set("co_quan", "ỦY BAN NHÂN DÂN XÃ BẢO THẮNG")
        .set("co_quan_ten", "Ủy ban nhân dân xã Bảo Thắng")
        .set("so", "125")
        .set("dia_danh", "Bảo Thắng")
        .set("ngay", "04")
        .set("thang", "12")
        .set("nam", "2026")
        .set("noi_dung", "Bằng tốt nghiệp trung học phổ thông số 0123456")
        .set("nguoi_nop", "Nguyễn Thị Ánh")
        .set("ma_ho_so", "000.00.20.H33-261204-0001")
        .set("nguoi_ky", "Hoàng Văn Đức")
        .set("ma_ket_qua", "000.00.20.H33-261204-0001.7")
        .set(
            "duong_dan_xac_thuc",
            "https://motcua.laocai.gov.vn/xac-thuc/000.00.20.H33-261204-0001.7",
        );
    d
}

#[test]
fn a_certified_copy_carries_every_scanned_page_stamped_then_the_statement() {
    let first = original("BẰNG TỐT NGHIỆP TRUNG HỌC PHỔ THÔNG");
    let second = original("SỔ HỘ KHẨU TRANG HAI");
    let Some(jpeg) = picture(&original("ẢNH CHỤP"), "jpeg") else {
        return;
    };
    let Some(png) = picture(&original("ẢNH QUÉT"), "png") else {
        return;
    };
    let statement = built_in("chung-thuc").unwrap();
    let originals = [
        giayto::Original {
            name: "bang.pdf",
            media_type: "application/pdf",
            bytes: &first,
        },
        giayto::Original {
            name: "so.pdf",
            media_type: "application/pdf",
            bytes: &second,
        },
        giayto::Original {
            name: "anh.jpg",
            media_type: "image/jpeg",
            bytes: &jpeg,
        },
        giayto::Original {
            name: "quet.png",
            media_type: "image/png",
            bytes: &png,
        },
    ];
    let pdf = giayto::certified_copy(&statement, &certification(), &originals).unwrap();
    let Some(text) = poppler("pdftotext", &pdf, &[]) else {
        return;
    };
    // The scanned PDF pages keep their own text; pictures carry none.
    for expected in [
        "BẰNG TỐT NGHIỆP TRUNG HỌC PHỔ THÔNG",
        "SỔ HỘ KHẨU TRANG HAI",
        "LỜI CHỨNG",
        "Chứng thực bản sao đúng với bản chính.",
        "Giấy tờ, văn bản được chứng thực: Bằng tốt nghiệp trung học phổ thông số",
        "Bản sao gồm 4 trang bản chính",
        "Nguyễn Thị Ánh",
        "Số chứng thực: 125, quyển số 01/2026-SCT/BS.",
        "Hoàng Văn Đức",
        "Trang 5/5",
    ] {
        assert!(text.contains(expected), "lacks {expected:?}:\n{text}");
    }
    for page in 1..=4 {
        let stamp = format!(
            "Số chứng thực 125, quyển số 01/2026-SCT/BS — Mã 000.00.20.H33-261204-0001.7 — Trang {page}/5"
        );
        assert!(
            text.contains(&stamp),
            "page {page} lacks its stamp:\n{text}"
        );
    }
    // Five pages, the pictures embedded as images.
    assert_eq!(text.matches('\u{c}').count(), 5, "{text}");
    let Some(images) = poppler_list("pdfimages", &pdf) else {
        return;
    };
    assert!(
        images.lines().filter(|l| l.contains("image")).count() >= 2,
        "{images}"
    );
}

/// A poppler tool that prints a listing of the file (`pdfimages -list`).
fn poppler_list(tool: &str, pdf: &[u8]) -> Option<String> {
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("giayto-{}-list-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("f.pdf"), pdf).unwrap();
    let out = match Command::new(tool)
        .arg("-list")
        .arg(dir.join("f.pdf"))
        .output()
    {
        Ok(o) => o,
        Err(e) => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("{tool} is needed in CI (Debian poppler-utils): {e}");
            }
            eprintln!("SKIPPED: {tool} not found ({e})");
            return None;
        }
    };
    let _ = std::fs::remove_dir_all(&dir);
    Some(String::from_utf8(out.stdout).unwrap())
}

#[test]
fn a_certified_copy_refuses_what_it_cannot_copy() {
    let statement = built_in("chung-thuc").unwrap();
    let data = certification();
    assert!(matches!(
        giayto::certified_copy(&statement, &data, &[]),
        Err(Error::Original(m)) if m.contains("chưa có bản quét")
    ));
    let text = b"not a scan".to_vec();
    for (media_type, why) in [
        ("application/pdf", "không đọc được tệp PDF"),
        ("image/jpeg", "không đọc được ảnh"),
        ("image/png", "không đọc được ảnh"),
        (
            "text/plain",
            "chỉ chứng thực được bản quét PDF, JPEG hoặc PNG",
        ),
    ] {
        let got = giayto::certified_copy(
            &statement,
            &data,
            &[giayto::Original {
                name: "hong.bin",
                media_type,
                bytes: &text,
            }],
        );
        assert!(
            matches!(&got, Err(Error::Original(m)) if m.contains(why) && m.contains("hong.bin")),
            "{media_type}: {got:?}"
        );
    }
    // A statement template without the per-page line is not one.
    let plain = built_in("ket-qua").unwrap();
    let first = original("X");
    assert!(matches!(
        giayto::certified_copy(
            &plain,
            &data,
            &[giayto::Original {
                name: "a.pdf",
                media_type: "application/pdf",
                bytes: &first
            }]
        ),
        Err(Error::Template(m)) if m.contains("copy_stamp")
    ));
}
