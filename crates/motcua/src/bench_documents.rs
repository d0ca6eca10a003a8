//! `motcua bench documents` — how long the official forms take to render as PDF: a receipt
//! (Mẫu 01), a log book (Mẫu 06) of many lines and an electronic certified copy of a scanned
//! original of several pages, with the built-in templates. The data is
//! generated for the measurement and said so on the page it fills ("dữ liệu đo").

use std::time::Instant;

use anyhow::Result;
use clap::Args;

#[derive(Debug, Args)]
pub struct DocumentsArgs {
    /// Số lần tạo giấy tiếp nhận để đo.
    #[arg(long, default_value_t = 200)]
    receipts: u32,
    /// Số dòng của sổ theo dõi hồ sơ.
    #[arg(long, default_value_t = 1000)]
    lines: u32,
    /// Đo cả thời gian ký số: tệp PKCS#12 (mật khẩu trong biến môi trường --password-env).
    #[arg(long)]
    p12: Option<std::path::PathBuf>,
    /// Biến môi trường chứa mật khẩu của tệp PKCS#12.
    #[arg(long, default_value = "MOTCUA_KY_MAT_KHAU")]
    password_env: String,
    /// Hoặc thiết bị PKCS#11: mô-đun, nhãn thiết bị, biến môi trường chứa PIN, nhãn khóa.
    #[arg(long)]
    pkcs11_module: Option<String>,
    /// Nhãn thiết bị PKCS#11 (token) chứa khóa ký.
    #[arg(long, default_value = "")]
    token: String,
    /// Biến môi trường chứa PIN của thiết bị.
    #[arg(long, default_value = "MOTCUA_KY_PIN")]
    pin_env: String,
    /// Nhãn khóa ký trên thiết bị (bỏ trống: khóa đầu tiên).
    #[arg(long, default_value = "")]
    key_label: String,
    /// Số lần ký để đo.
    #[arg(long, default_value_t = 50)]
    signatures: u32,
}

pub fn run(args: DocumentsArgs) -> Result<()> {
    let receipt = giayto::built_in("mau-01").expect("built in");
    let book = giayto::built_in("mau-06").expect("built in");
    let data = receipt_data();
    // The first render loads and parses the fonts.
    let started = Instant::now();
    let first = giayto::render(&receipt, &data)?;
    let cold = started.elapsed();
    let mut times = Vec::new();
    for _ in 0..args.receipts.max(1) {
        let t = Instant::now();
        giayto::render(&receipt, &data)?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    let q = |f: f64| times[((times.len() - 1) as f64 * f) as usize];
    println!(
        "Giấy tiếp nhận (Mẫu 01, {} byte): lần đầu {:.1} ms; {} lần: p50 {:.2} ms, p99 {:.2} ms",
        first.len(),
        cold.as_secs_f64() * 1e3,
        times.len(),
        q(0.5),
        q(0.99)
    );
    let t = Instant::now();
    let pdf = giayto::render(&book, &book_data(args.lines))?;
    let pages = page_count(&pdf);
    println!(
        "Sổ theo dõi hồ sơ (Mẫu 06, {} dòng): {:.0} ms, {} byte, {} trang",
        args.lines,
        t.elapsed().as_secs_f64() * 1e3,
        pdf.len(),
        pages
    );
    // A certified copy of a several-page original (a short log book stands for the scan).
    let original = giayto::render(&book, &book_data(60))?;
    let statement = giayto::built_in("chung-thuc").expect("built in");
    let scans = [giayto::Original {
        name: "ban-chinh.pdf",
        media_type: "application/pdf",
        bytes: &original,
    }];
    let copy_data = copy_data();
    let mut times = Vec::new();
    let mut copy = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        copy = giayto::certified_copy(&statement, &copy_data, &scans)?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "Bản sao điện tử chứng thực ({} trang bản chính PDF): {} lần: p50 {:.1} ms, tối đa {:.1} ms; {} byte, {} trang",
        page_count(&original),
        times.len(),
        times[times.len() / 2],
        times[times.len() - 1],
        copy.len(),
        page_count(&copy)
    );
    let env = |var: &str| {
        std::env::var(var).map_err(|_| anyhow::anyhow!("biến môi trường {var} chưa đặt"))
    };
    let signer: Option<(&str, Box<dyn kyso::Signer>)> = match (&args.p12, &args.pkcs11_module) {
        (Some(path), _) => Some((
            "PKCS#12",
            Box::new(kyso::Pkcs12Signer::open(
                &std::fs::read(path)?,
                &env(&args.password_env)?,
            )?),
        )),
        (None, Some(module)) => Some((
            "PKCS#11",
            Box::new(kyso::Pkcs11Signer::open(
                module,
                &args.token,
                &env(&args.pin_env)?,
                &args.key_label,
                &[],
            )?),
        )),
        (None, None) => None,
    };
    if let Some((how, signer)) = signer {
        let options = kyso::SignOptions {
            name: "Đo hiệu năng".into(),
            reason: "Đo thời gian ký".into(),
            location: String::new(),
            when: kyso::pdf_date(2026, 12, 4, 9, 0, 0),
            ..Default::default()
        };
        let mut times = Vec::new();
        for _ in 0..args.signatures.max(1) {
            let t = Instant::now();
            let signed = kyso::sign_pdf(&first, signer.as_ref(), &options)?;
            times.push(t.elapsed().as_secs_f64() * 1e3);
            assert!(kyso::verify_pdf(&signed)?.first().is_some_and(|r| r.intact));
        }
        times.sort_by(f64::total_cmp);
        let q = |f: f64| times[((times.len() - 1) as f64 * f) as usize];
        println!(
            "Ký số giấy tiếp nhận ({how}, {}): {} lần: p50 {:.2} ms, p99 {:.2} ms",
            signer
                .chain()
                .first()
                .map(|c| c.subject.as_str())
                .unwrap_or(""),
            times.len(),
            q(0.5),
            q(0.99)
        );
        // As ND 30/2020 has it: a visible signature leaving the number blank, then the number
        // filled in and a second visible signature (the seal) on top.
        let look = |w: f32, h: f32, text: &str| {
            giayto::appearance(
                w,
                h,
                &[giayto::Mark::Text {
                    text: text.into(),
                    x: 2.0,
                    y: 12.0,
                    size: 11.0,
                    bold: false,
                    italic: true,
                    rgb: [20, 50, 160],
                }],
            )
        };
        let approve = kyso::SignOptions {
            visible: Some(kyso::Visible {
                page: 0,
                rect: [330.0, 300.0, 500.0, 356.0],
                appearance: look(170.0, 56.0, "Ký số bởi: Đo hiệu năng")?,
            }),
            blanks: vec![kyso::Blank {
                name: "so".into(),
                page: 0,
                rect: [90.0, 700.0, 200.0, 716.0],
                size: 12.0,
                bold: true,
                italic: false,
            }],
            ..options.clone()
        };
        let issue = kyso::SignOptions {
            visible: Some(kyso::Visible {
                page: 0,
                rect: [300.0, 280.0, 400.0, 380.0],
                appearance: look(100.0, 100.0, "UBND")?,
            }),
            fills: vec![kyso::Filled {
                name: "so".into(),
                value: "125/GKS".into(),
                appearance: look(110.0, 16.0, "125/GKS")?,
            }],
            ..options.clone()
        };
        let mut times = Vec::new();
        for _ in 0..args.signatures.max(1) {
            let t = Instant::now();
            let approved = kyso::sign_pdf(&first, signer.as_ref(), &approve)?;
            let issued = kyso::sign_pdf(&approved, signer.as_ref(), &issue)?;
            times.push(t.elapsed().as_secs_f64() * 1e3);
            assert!(kyso::verify_pdf(&issued)?.iter().all(|r| r.intact));
        }
        times.sort_by(f64::total_cmp);
        let q = |f: f64| times[((times.len() - 1) as f64 * f) as usize];
        println!(
            "Ký phê duyệt hiển thị rồi vào số và ký kèm dấu ({how}, hai chữ ký): {} lần: p50 {:.2} ms, p99 {:.2} ms",
            times.len(),
            q(0.5),
            q(0.99)
        );
    }
    Ok(())
}

/// Page objects ("/Type /Page", not "/Pages") as the PDF writes them.
fn page_count(pdf: &[u8]) -> usize {
    [&b"/Type /Page"[..], b"/Type/Page"]
        .iter()
        .map(|pat| {
            pdf.windows(pat.len() + 1)
                .filter(|w| w.starts_with(pat) && w[pat.len()] != b's')
                .count()
        })
        .sum()
}

fn receipt_data() -> giayto::Data {
    let mut d = giayto::Data::new();
    for (k, v) in [
        ("co_quan_cap_tren", "UBND XÃ BẢO THẮNG (dữ liệu đo)"),
        ("bo_phan", "Trung tâm Phục vụ hành chính công xã Bảo Thắng"),
        ("ma_ho_so", "000.01.61.H38-261204-0001"),
        ("dia_danh", "Bảo Thắng"),
        ("ngay", "04"),
        ("thang", "12"),
        ("nam", "2026"),
        ("nguoi_nop", "Nguyễn Văn Đức"),
        ("so_dinh_danh", "010090012345"),
        ("dia_chi", "Thôn Phú Hà, xã Bảo Thắng, tỉnh Lào Cai"),
        ("lien_he", "Điện thoại: 0912 345 678"),
        ("thu_tuc", "Đăng ký khai sinh"),
        ("so_bo", "01"),
        ("thoi_han", "01 ngày làm việc"),
        (
            "thoi_gian_nhan",
            "09 giờ 15 phút, ngày 04 tháng 12 năm 2026",
        ),
        ("thoi_gian_tra", "09 giờ 15 phút, ngày 07 tháng 12 năm 2026"),
        ("nhan_ket_qua", "Nhận tại Bộ phận Một cửa"),
        ("phi_le_phi", "Lệ phí: 8.000 đồng"),
        ("so_theo_doi", ""),
        ("can_bo", "Trần Thị Hằng"),
        (
            "duong_dan_tra_cuu",
            "http://127.0.0.1:8080/tra-cuu?ma=000.01.61.H38-261204-0001",
        ),
        ("dia_chi_tra_cuu", "http://127.0.0.1:8080/tra-cuu"),
        ("ma_bao_mat", "7KQ2M9XD"),
    ] {
        d.set(k, v);
    }
    for i in 1..=3 {
        d.push_row(
            "thanh_phan",
            [
                ("stt", i.to_string()),
                ("ten", format!("Giấy tờ thứ {i} theo quy định của thủ tục")),
                ("hinh_thuc", "Bản chính".into()),
                ("so_luong", "01".into()),
            ],
        );
    }
    d
}

fn book_data(lines: u32) -> giayto::Data {
    let mut d = giayto::Data::new();
    d.set("co_quan_cap_tren", "UBND XÃ BẢO THẮNG")
        .set(
            "bo_phan",
            "Trung tâm Phục vụ hành chính công xã Bảo Thắng (dữ liệu đo)",
        )
        .set("tu", "01/12/2026")
        .set("den", "31/12/2026")
        .set("so_dong", lines.to_string());
    d.list("dong");
    for n in 1..=lines {
        d.push_row(
            "dong",
            [
                ("stt", n.to_string()),
                ("ma", format!("000.01.61.H38-2612{:02}-{n:04}", n % 28 + 1)),
                ("thu_tuc", "Đăng ký khai sinh".into()),
                ("so_bo", "1".into()),
                (
                    "nguoi_nop",
                    "Nguyễn Văn Đức; Thôn Phú Hà, xã Bảo Thắng; 0912345678".into(),
                ),
                ("co_quan", "UBND xã Bảo Thắng".into()),
                ("nhan", "09:15 04/12/2026".into()),
                ("hen", "07/12/2026".into()),
                ("chuyen", "10:00 04/12/2026".into()),
                ("nhan_kq", "15:30 05/12/2026".into()),
                ("tra", "08:30 07/12/2026".into()),
                (
                    "ghi_chu",
                    if n % 7 == 0 {
                        "Trả trước hạn"
                    } else {
                        ""
                    }
                    .into(),
                ),
            ],
        );
    }
    d
}

/// The certification statement's fields, marked as measurement data.
fn copy_data() -> giayto::Data {
    let mut d = giayto::Data::new();
    for (k, v) in [
        ("co_quan", "ỦY BAN NHÂN DÂN XÃ (DỮ LIỆU ĐO)"),
        ("co_quan_ten", "Ủy ban nhân dân xã (dữ liệu đo)"),
        ("so", "125"),
        ("dia_danh", "Bảo Thắng"),
        ("ngay", "04"),
        ("thang", "12"),
        ("nam", "2026"),
        ("noi_dung", "Sổ theo dõi (dữ liệu đo)"),
        ("nguoi_nop", "Người yêu cầu (dữ liệu đo)"),
        ("ma_ho_so", "000.00.00.H00-261204-0001"),
        ("nguoi_ky", "Người ký (dữ liệu đo)"),
        ("ma_ket_qua", "000.00.00.H00-261204-0001.6"),
        (
            "duong_dan_xac_thuc",
            "http://127.0.0.1:8080/xac-thuc/000.00.00.H00-261204-0001.6",
        ),
    ] {
        d.set(k, v);
    }
    d
}
