//! Sổ thu phí, lệ phí (`/can-bo/thu-phi`) — what was collected in a period: totals per
//! collecting unit and per procedure by way of paying, every payment, refund and waiver with its
//! receipt; as XLSX or CSV; and, as a PDF to print and sign, the hand-over list (bảng kê) — by
//! default today's cash of the officer asking.

use app::App;
use app::fee_book::{FeeBook, FeeBookLine, FeeBookQuery, FeeTotals, Movement};
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use domain::agency::AgencyId;
use domain::dossier::PaymentMethod;
use serde::Deserialize;

use super::table::{Cell, Table};
use super::{Chrome, UiError, Viewer, when};

#[derive(Debug, Deserialize)]
pub struct FeeBookParams {
    #[serde(default)]
    tu: String,
    #[serde(default)]
    den: String,
    /// The collecting unit; absent: the officer's own counter; empty: every unit they see.
    #[serde(default)]
    don_vi: Option<String>,
    /// A way of paying by its code (empty: all).
    #[serde(default)]
    hinh_thuc: String,
    /// "1": only what the officer asking recorded (their own hand-over).
    #[serde(default)]
    cua_toi: String,
    /// `csv` or `xlsx` (every line), `tong-hop` (the totals as XLSX), `pdf` (the bảng kê).
    #[serde(default, rename = "tai")]
    download: String,
}

/// A summary line as the page shows it.
pub struct GroupLine {
    pub name: String,
    pub cells: Vec<Cell>,
}

#[derive(Template, WebTemplate)]
#[template(path = "fee_book.html")]
struct FeeBookPage {
    chrome: Chrome,
    tu: String,
    den: String,
    don_vi: String,
    hinh_thuc: String,
    cua_toi: bool,
    units: Vec<(String, String)>,
    methods: Vec<(&'static str, &'static str)>,
    headers: Vec<String>,
    by_unit: Vec<GroupLine>,
    by_procedure: Vec<GroupLine>,
    total: Vec<Cell>,
    lines: Table,
    /// Today's date, for the link to today's cash hand-over.
    today: String,
    error: String,
}

pub async fn fee_book(
    State(app): State<App>,
    viewer: Viewer,
    Extension(ui): Extension<super::UiOptions>,
    Query(p): Query<FeeBookParams>,
) -> Result<Response, UiError> {
    let (officer, actor) = viewer.require_officer()?;
    let (from, to, mut error) =
        super::logbook::book_period(&app, &p.tu, &p.den, app::fee_book::MAX_DAYS);
    let super::logbook::CentreChoice {
        units,
        chosen: don_vi,
        receiving,
        error: bad_unit,
    } = super::logbook::choose_centre(&app, officer, actor, p.don_vi.as_deref());
    if let Some(e) = bad_unit {
        error = e;
    }
    let method = match p.hinh_thuc.trim() {
        "" => None,
        m => match PaymentMethod::parse(m) {
            Some(m) => Some(m),
            None => {
                error = "Hình thức nộp không hợp lệ.".into();
                None
            }
        },
    };
    let mine = p.cua_toi == "1";
    let query = FeeBookQuery {
        from,
        to,
        receiving: if error.is_empty() { receiving } else { None },
        method: if error.is_empty() { method } else { None },
        officer: mine.then(|| officer.id.0.to_string()),
    };
    let book = app.reports().fee_book(actor, &query).await?;
    let file = format!("thu-phi-le-phi-{from}-{to}");
    if error.is_empty() {
        match p.download.as_str() {
            "csv" | "xlsx" => return Ok(lines_table(&book).download(&file, &p.download)),
            "tong-hop" => {
                return Ok(totals_table(&book).download(&format!("{file}-tong-hop"), "xlsx"));
            }
            "pdf" => {
                let data = pdf_data(&app, &book, query.receiving.as_ref(), &officer.full_name);
                return ui
                    .documents
                    .pdf(
                        "bang-ke-thu-phi",
                        data,
                        format!("bang-ke-{file}.pdf"),
                        false,
                    )
                    .await;
            }
            _ => {}
        }
    }
    let group = |(name, t): &(String, FeeTotals)| GroupLine {
        name: name.clone(),
        cells: total_cells(t),
    };
    let status = super::status_for(&error);
    let view = FeeBookPage {
        chrome: Chrome::new(&viewer, "Sổ thu phí, lệ phí", "/can-bo/thu-phi"),
        tu: from.to_string(),
        den: to.to_string(),
        don_vi,
        hinh_thuc: method.map(|m| m.code().to_string()).unwrap_or_default(),
        cua_toi: mine,
        units,
        methods: PaymentMethod::ALL
            .iter()
            .map(|m| (m.code(), method_label(*m)))
            .collect(),
        headers: TOTAL_HEADERS.map(String::from).to_vec(),
        by_unit: book.by_unit.iter().map(group).collect(),
        by_procedure: book.by_procedure.iter().map(group).collect(),
        total: total_cells(&book.total),
        lines: lines_table(&book),
        today: lich::time::to_vn(&app.now()).date_naive().to_string(),
        error,
    };
    Ok((status, view).into_response())
}

/// Short names of the ways of paying, for columns and choices.
fn method_label(m: PaymentMethod) -> &'static str {
    match m {
        PaymentMethod::Cash => "Tiền mặt",
        PaymentMethod::BankTransfer => "Chuyển khoản",
        PaymentMethod::Online => "Trực tuyến",
        PaymentMethod::Postal => "Qua bưu chính",
    }
}

/// The columns of a totals line after its name.
const TOTAL_HEADERS: [&str; 11] = [
    "Số hồ sơ nộp tiền",
    "Tiền mặt (đồng)",
    "Chuyển khoản (đồng)",
    "Trực tuyến (đồng)",
    "Qua bưu chính (đồng)",
    "Tổng thu (đồng)",
    "Hoàn trả (đồng)",
    "Thực thu (đồng)",
    "Miễn, giảm (đồng)",
    "Biên lai đã lập",
    "Biên lai đã hủy",
];

fn total_cells(t: &FeeTotals) -> Vec<Cell> {
    let mut cells = vec![Cell::Int(t.dossiers)];
    cells.extend(
        PaymentMethod::ALL
            .iter()
            .map(|m| Cell::Money(t.paid_with(*m))),
    );
    cells.extend([
        Cell::Money(t.paid()),
        Cell::Money(t.refunded),
        Cell::Money(t.net()),
        Cell::Money(t.waived),
        Cell::Int(t.receipts_issued),
        Cell::Int(t.receipts_cancelled),
    ]);
    cells
}

fn title(b: &FeeBook) -> String {
    let mut t = format!(
        "Thu phí, lệ phí từ {} đến {}",
        b.from.format("%d/%m/%Y"),
        b.to.format("%d/%m/%Y")
    );
    for part in [&b.receiving, &b.officer].into_iter().flatten() {
        t.push_str(" — ");
        t.push_str(part);
    }
    if let Some(m) = b.method {
        t.push_str(" — ");
        t.push_str(method_label(m));
    }
    t
}

/// The totals by unit then by procedure, as one table (the `tong-hop` download).
fn totals_table(b: &FeeBook) -> Table {
    let mut rows = Vec::new();
    for (kind, groups) in [
        ("Đơn vị thu", &b.by_unit),
        ("Thủ tục (loại phí, lệ phí)", &b.by_procedure),
    ] {
        for (name, t) in groups {
            let mut row = vec![Cell::Text(kind.into()), Cell::Text(name.clone())];
            row.extend(total_cells(t));
            rows.push(row);
        }
    }
    let mut row = vec![Cell::Text("Tổng cộng".into()), Cell::Text(String::new())];
    row.extend(total_cells(&b.total));
    rows.push(row);
    let mut headers = vec!["Tổng hợp theo".to_string(), "Tên".to_string()];
    headers.extend(TOTAL_HEADERS.map(String::from));
    Table {
        title: title(b),
        headers,
        rows,
    }
}

fn movement_text(l: &FeeBookLine) -> String {
    match (l.movement, l.method) {
        (Movement::Paid, Some(m)) => format!("Thu — {}", method_label(m)),
        (m, _) => m.label().to_string(),
    }
}

/// Every line (the page and the downloads).
fn lines_table(b: &FeeBook) -> Table {
    let row = |l: &FeeBookLine| {
        vec![
            Cell::Text(when(l.at)),
            Cell::Text(l.code.clone()),
            Cell::Text(l.procedure.clone()),
            Cell::Text(l.receiving.clone()),
            Cell::Text(movement_text(l)),
            Cell::Money(l.amount),
            Cell::Text(l.receipt.clone()),
            Cell::Text(l.reference.clone()),
            Cell::Text(l.payer_or_reason.clone()),
            Cell::Text(l.recorded_by.clone()),
        ]
    };
    Table {
        title: title(b),
        headers: [
            "Thời gian",
            "Mã hồ sơ",
            "Thủ tục hành chính",
            "Đơn vị thu",
            "Loại",
            "Số tiền (đồng)",
            "Biên lai (ký hiệu, số)",
            "Mã giao dịch",
            "Người nộp / lý do",
            "Người ghi",
        ]
        .map(String::from)
        .to_vec(),
        rows: b.lines.iter().map(row).collect(),
    }
}

/// The hand-over list as the `bang-ke-thu-phi` template's data.
fn pdf_data(
    app: &App,
    b: &FeeBook,
    receiving: Option<&AgencyId>,
    made_by: &impl std::fmt::Display,
) -> giayto::Data {
    let tree = app.agencies();
    let parent = receiving
        .and_then(|r| tree.committee_of(r))
        .map(|c| c.name.to_uppercase())
        .unwrap_or_default();
    let figures = vntext::money::figures;
    let now = lich::time::to_vn(&app.now());
    let period = if b.from == b.to {
        format!("Ngày {}", b.from.format("%d/%m/%Y"))
    } else {
        format!(
            "Từ ngày {} đến ngày {}",
            b.from.format("%d/%m/%Y"),
            b.to.format("%d/%m/%Y")
        )
    };
    let mut scope = Vec::new();
    if let Some(m) = b.method {
        scope.push(method_label(m).to_string());
    }
    if let Some(o) = &b.officer {
        scope.push(format!("cán bộ {o}"));
    }
    if scope.is_empty() {
        scope.push("mọi hình thức nộp".into());
    }
    let t = &b.total;
    let mut data = giayto::Data::new();
    data.set("co_quan_cap_tren", parent)
        .set(
            "don_vi_thu",
            b.receiving
                .clone()
                .unwrap_or_else(|| "Các đơn vị thu".into()),
        )
        .set("ky", period)
        .set("pham_vi", scope.join(", "))
        .set("tong_thu", figures(t.paid()))
        .set("so_lan", t.payments().to_string())
        .set("so_ho_so", t.dossiers.to_string())
        .set("tien_mat", figures(t.paid_with(PaymentMethod::Cash)))
        .set(
            "chuyen_khoan",
            figures(t.paid_with(PaymentMethod::BankTransfer)),
        )
        .set("truc_tuyen", figures(t.paid_with(PaymentMethod::Online)))
        .set("buu_chinh", figures(t.paid_with(PaymentMethod::Postal)))
        .set("hoan_tra", figures(t.refunded))
        .set("mien_giam", figures(t.waived))
        .set("thuc_thu", figures(t.net()))
        .set("bang_chu", vntext::money::words(t.net()))
        .set("bien_lai_lap", t.receipts_issued.to_string())
        .set("bien_lai_huy", t.receipts_cancelled.to_string())
        .set("ngay", format!("{:02}", now.day()))
        .set("thang", format!("{:02}", now.month()))
        .set("nam", now.year().to_string())
        .set("nguoi_lap", made_by.to_string());
    data.list("dong");
    for (i, l) in b.lines.iter().enumerate() {
        let (paid, back) = match l.movement {
            Movement::Paid => (figures(l.amount), String::new()),
            Movement::Refunded => (String::new(), figures(l.amount)),
            Movement::Waived => (String::new(), String::new()),
        };
        data.push_row(
            "dong",
            [
                ("stt", (i + 1).to_string()),
                ("thoi_gian", when(l.at)),
                ("ma", l.code.clone()),
                ("thu_tuc", l.procedure.clone()),
                ("nguoi_nop", l.payer_or_reason.clone()),
                (
                    "hinh_thuc",
                    match (l.movement, l.method) {
                        (Movement::Paid, Some(m)) => method_label(m).to_string(),
                        (m, _) => m.label().to_string(),
                    },
                ),
                ("bien_lai", l.receipt.clone()),
                ("thu", paid),
                ("hoan", back),
                ("nguoi_ghi", l.recorded_by.clone()),
            ],
        );
    }
    data
}

impl FeeBookPage {
    /// The query of this book's filters, for the downloads.
    fn query(&self) -> String {
        serde_urlencoded::to_string([
            ("tu", self.tu.as_str()),
            ("den", self.den.as_str()),
            ("don_vi", self.don_vi.as_str()),
            ("hinh_thuc", self.hinh_thuc.as_str()),
            ("cua_toi", if self.cua_toi { "1" } else { "" }),
        ])
        .unwrap_or_default()
    }

    /// Today's cash hand-over of the officer asking, at their unit.
    fn hand_over(&self) -> String {
        serde_urlencoded::to_string([
            ("tu", self.today.as_str()),
            ("den", self.today.as_str()),
            ("don_vi", self.don_vi.as_str()),
            ("hinh_thuc", "cash"),
            ("cua_toi", "1"),
            ("tai", "pdf"),
        ])
        .unwrap_or_default()
    }
}
