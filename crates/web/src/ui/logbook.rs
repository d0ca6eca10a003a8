//! Sổ theo dõi hồ sơ (`/can-bo/so-theo-doi`) — the one-stop unit's log book (TT 01/2018 Mẫu 06)
//! for a period, a page at a time, and as XLSX or CSV in full.

use app::App;
use app::logbook::{LogBook, LogBookLine};
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use domain::agency::{AgencyId, AgencyKind};
use serde::Deserialize;

use super::table::{Cell, Table};
use super::{Chrome, UiError, Viewer, day, when};

/// Lines on one page of the book.
const PAGE: u32 = 100;

#[derive(Debug, Deserialize)]
pub struct LogBookParams {
    #[serde(default)]
    tu: String,
    #[serde(default)]
    den: String,
    /// The receiving unit; empty: every unit the officer sees.
    #[serde(default)]
    don_vi: Option<String>,
    #[serde(default)]
    trang: Option<String>,
    #[serde(default, rename = "tai")]
    download: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "logbook.html")]
struct LogBookPage {
    chrome: Chrome,
    tu: String,
    den: String,
    don_vi: String,
    units: Vec<(String, String)>,
    table: Table,
    total: i64,
    page: u32,
    pages: u32,
    first_line: i64,
    /// The next page's `trang` (empty on the last page).
    next: String,
    error: String,
}

pub async fn log_book(
    State(app): State<App>,
    viewer: Viewer,
    Extension(ui): Extension<super::UiOptions>,
    Query(p): Query<LogBookParams>,
) -> Result<Response, UiError> {
    let (officer, actor) = viewer.require_officer()?;
    let (from, to, mut error) = book_period(&app, &p.tu, &p.den, app::logbook::MAX_DAYS);
    let CentreChoice {
        units,
        chosen: don_vi,
        receiving,
        error: bad_unit,
    } = choose_centre(&app, officer, actor, p.don_vi.as_deref());
    if let Some(e) = bad_unit {
        error = e;
    }
    let start = match app::logbook::LogBookPage::parse(p.trang.as_deref().unwrap_or_default()) {
        Ok(s) => s,
        Err(e) => {
            error = e.message;
            app::logbook::LogBookPage::default()
        }
    };
    let file = format!("so-theo-doi-ho-so-{from}-{to}");
    if error.is_empty() && matches!(p.download.as_str(), "csv" | "xlsx" | "pdf") {
        let book = app
            .reports()
            .log_book(
                actor,
                from,
                to,
                receiving.as_ref(),
                Default::default(),
                None,
            )
            .await?;
        if p.download == "pdf" {
            let data = pdf_data(&app, &book, receiving.as_ref());
            return ui
                .documents
                .pdf("mau-06", data, format!("{file}.pdf"), false)
                .await;
        }
        return Ok(table(&book).download(&file, &p.download));
    }
    let book = app
        .reports()
        .log_book(actor, from, to, receiving.as_ref(), start, Some(PAGE))
        .await?;
    let pages = (book.total.max(1) as u32).div_ceil(PAGE);
    let first_line = start.first_line.max(1);
    let page = (first_line - 1) / PAGE + 1;
    let status = super::status_for(&error);
    let view = LogBookPage {
        chrome: Chrome::new(&viewer, "Sổ theo dõi hồ sơ", "/can-bo/so-theo-doi"),
        tu: from.to_string(),
        den: to.to_string(),
        don_vi,
        units,
        table: table(&book),
        total: book.total,
        page,
        pages,
        first_line: i64::from(first_line),
        next: book.next.map(|n| n.encode()).unwrap_or_default(),
        error,
    };
    Ok((status, view).into_response())
}

/// The period a book page asks for (this month so far by default), at most `max_days` long;
/// a bad one falls back to the default with the message saying why.
pub(super) fn book_period(
    app: &App,
    tu: &str,
    den: &str,
    max_days: i64,
) -> (chrono::NaiveDate, chrono::NaiveDate, String) {
    let today = lich::time::to_vn(&app.now()).date_naive();
    let first = today.with_day(1).unwrap_or(today);
    let (from, to, error) = super::leader::period(tu, den, first, today);
    if (to - from).num_days() >= max_days {
        return (first, today, format!("Kỳ dài tối đa {max_days} ngày."));
    }
    (from, to, error)
}

/// The one-stop centres an officer may keep a book for, and the one asked for.
pub(super) struct CentreChoice {
    /// (id, name) of every centre the officer sees.
    pub units: Vec<(String, String)>,
    /// The id asked for as the form shows it (empty: every centre).
    pub chosen: String,
    pub receiving: Option<AgencyId>,
    /// What is wrong with the id asked for.
    pub error: Option<String>,
}

/// The centres the officer sees, and the one asked for: `asked` (empty: all of them), or, when
/// the form did not say, a counter officer's own centre.
pub(super) fn choose_centre(
    app: &App,
    officer: &domain::officer::Officer,
    actor: &domain::officer::Actor,
    asked: Option<&str>,
) -> CentreChoice {
    let tree = app.agencies();
    let visible = app.queries().visible_agencies(actor);
    let units = tree
        .all()
        .filter(|a| a.kind == AgencyKind::ServiceCenter)
        .filter(|a| visible.iter().any(|v| v == a.id.as_str()))
        .map(|a| (a.id.to_string(), a.name.clone()))
        .collect();
    let chosen = match asked {
        Some(d) => d.trim().to_string(),
        None => app
            .intake()
            .service_centre_of(officer)
            .map(|a| a.to_string())
            .unwrap_or_default(),
    };
    let (receiving, error) = match chosen.as_str() {
        "" => (None, None),
        d => match AgencyId::parse(d) {
            Ok(a) => (Some(a), None),
            Err(_) => (None, Some("Mã đơn vị không hợp lệ.".to_string())),
        },
    };
    CentreChoice {
        units,
        chosen,
        receiving,
        error,
    }
}

/// Tên tổ chức, cá nhân with the address and phone, as the book writes them.
fn applicant(l: &LogBookLine) -> String {
    let mut text = l.applicant.clone();
    for extra in [&l.address, &l.phone] {
        if !extra.is_empty() {
            text.push_str("; ");
            text.push_str(extra);
        }
    }
    text
}

/// Trả kết quả: when, and to whom when it was not the applicant.
fn returned(l: &LogBookLine) -> String {
    match (l.returned_at, l.returned_to.as_str()) {
        (Some(t), "") => when(t),
        (Some(t), who) => format!("{} — {who}", when(t)),
        (None, _) => String::new(),
    }
}

/// The book as Mẫu 06's data (the PDF download).
fn pdf_data(app: &App, b: &LogBook, receiving: Option<&AgencyId>) -> giayto::Data {
    let tree = app.agencies();
    let centre = receiving.and_then(|r| tree.get(r));
    let parent = receiving
        .and_then(|r| tree.committee_of(r))
        .map(|c| c.name.to_uppercase())
        .unwrap_or_default();
    let mut data = giayto::Data::new();
    data.set("co_quan_cap_tren", parent)
        .set(
            "bo_phan",
            centre
                .map(|c| c.name.clone())
                .unwrap_or_else(|| "Các Bộ phận Một cửa".into()),
        )
        .set("tu", b.from.format("%d/%m/%Y").to_string())
        .set("den", b.to.format("%d/%m/%Y").to_string())
        .set("so_dong", b.total.to_string());
    data.list("dong");
    let opt = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(when).unwrap_or_default();
    for l in &b.lines {
        let (applicant, returned) = (applicant(l), returned(l));
        data.push_row(
            "dong",
            [
                ("stt", l.number.to_string()),
                ("ma", l.code.clone()),
                ("thu_tuc", l.procedure.clone()),
                ("so_bo", l.sets.to_string()),
                ("nguoi_nop", applicant),
                ("co_quan", l.competent.clone()),
                ("nhan", opt(l.received_at)),
                ("hen", l.appointment.map(day).unwrap_or_default()),
                ("chuyen", opt(l.transferred_at)),
                ("nhan_kq", opt(l.result_at)),
                ("tra", returned),
                ("ghi_chu", l.note.clone()),
            ],
        );
    }
    data
}

/// The book as a table (the page and the downloads).
fn table(b: &LogBook) -> Table {
    let row = |l: &LogBookLine| {
        let opt =
            |t: Option<chrono::DateTime<chrono::Utc>>| Cell::Text(t.map(when).unwrap_or_default());
        let (applicant, returned) = (applicant(l), returned(l));
        vec![
            Cell::Int(l.number as i64),
            Cell::Text(l.code.clone()),
            Cell::Text(l.procedure.clone()),
            Cell::Int(i64::from(l.sets)),
            Cell::Text(applicant),
            Cell::Text(l.competent.clone()),
            opt(l.received_at),
            Cell::Text(l.appointment.map(day).unwrap_or_default()),
            opt(l.transferred_at),
            opt(l.result_at),
            Cell::Text(returned),
            Cell::Text(l.note.clone()),
        ]
    };
    Table {
        title: format!(
            "Sổ theo dõi hồ sơ{} từ {} đến {}",
            b.receiving
                .as_ref()
                .map(|r| format!(" — {r}"))
                .unwrap_or_default(),
            b.from.format("%d/%m/%Y"),
            b.to.format("%d/%m/%Y")
        ),
        headers: [
            "STT",
            "Mã hồ sơ",
            "Tên thủ tục hành chính",
            "Số lượng hồ sơ (bộ)",
            "Tên tổ chức, cá nhân (địa chỉ, điện thoại)",
            "Cơ quan chủ trì giải quyết",
            "Ngày, giờ nhận hồ sơ",
            "Ngày hẹn trả kết quả",
            "Chuyển hồ sơ đến cơ quan giải quyết",
            "Nhận kết quả từ cơ quan giải quyết",
            "Trả kết quả cho tổ chức, cá nhân",
            "Ghi chú",
        ]
        .map(String::from)
        .to_vec(),
        rows: b.lines.iter().map(row).collect(),
    }
}

impl LogBookPage {
    /// The query of this book's filters, for the page links and the downloads.
    fn query(&self) -> String {
        serde_urlencoded::to_string([
            ("tu", self.tu.as_str()),
            ("den", self.den.as_str()),
            ("don_vi", self.don_vi.as_str()),
        ])
        .unwrap_or_default()
    }
}
