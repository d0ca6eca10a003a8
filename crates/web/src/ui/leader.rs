//! Lãnh đạo (`/lanh-dao`) — today's counts, the on-time rate of a chosen period, the agencies
//! ranked by it, and the dossiers late or about to be late, by unit and handler.

use app::App;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use super::session::Viewer;
use super::{Chrome, UiError, when};

#[derive(Debug, Default, Deserialize)]
pub struct PeriodParams {
    #[serde(default)]
    tu: String,
    #[serde(default)]
    den: String,
}

pub struct RankLine {
    pub rank: usize,
    pub name: String,
    pub received: i64,
    pub resolved: i64,
    pub on_time: i64,
    pub rate: String,
    /// Bar width, 0–100.
    pub width: u32,
    pub open: i64,
    pub overdue: i64,
}

pub struct WatchLine {
    pub id: String,
    pub code: String,
    pub procedure: String,
    pub unit: String,
    pub handler: String,
    pub due: String,
    pub overdue: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "leader.html")]
struct LeaderPage {
    chrome: Chrome,
    tu: String,
    den: String,
    today_received: i64,
    today_resolved: i64,
    open: i64,
    overdue: i64,
    rate: String,
    resolved: i64,
    on_time: i64,
    ranking: Vec<RankLine>,
    watch: Vec<WatchLine>,
    error: String,
}

fn percent(r: Option<f64>) -> String {
    r.map_or_else(
        || "—".into(),
        |r| format!("{:.1}%", r * 100.0).replace('.', ","),
    )
}

pub async fn overview(
    State(app): State<App>,
    viewer: Viewer,
    Query(p): Query<PeriodParams>,
) -> Result<Response, UiError> {
    let (_, actor) = viewer.require_officer()?;
    let today = lich::time::to_vn(&app.now()).date_naive();
    let first = today.with_day(1).unwrap_or(today);
    let parse = |text: &str, default: NaiveDate| -> Result<NaiveDate, String> {
        if text.trim().is_empty() {
            Ok(default)
        } else {
            NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .map_err(|_| format!("Ngày \"{text}\" không hợp lệ."))
        }
    };
    let (from, to, error) = match (parse(&p.tu, first), parse(&p.den, today)) {
        (Ok(f), Ok(t)) if f <= t => (f, t, String::new()),
        (Ok(_), Ok(_)) => (first, today, "Ngày cuối kỳ phải sau ngày đầu kỳ.".into()),
        (Err(e), _) | (_, Err(e)) => (first, today, e),
    };
    let o = app.overview(actor, from, to).await?;
    let page = LeaderPage {
        chrome: Chrome::new(&viewer, "Tổng quan", "/lanh-dao"),
        tu: o.from.to_string(),
        den: o.to.to_string(),
        today_received: o.today.received,
        today_resolved: o.today.resolved,
        open: o.period.open,
        overdue: o.period.overdue,
        rate: percent(o.on_time_rate),
        resolved: o.period.resolved,
        on_time: o.period.on_time,
        ranking: o
            .units
            .iter()
            .enumerate()
            .map(|(i, u)| RankLine {
                rank: i + 1,
                name: u.name.clone(),
                received: u.figures.received,
                resolved: u.figures.resolved,
                on_time: u.figures.on_time,
                rate: percent(u.on_time_rate),
                width: u.on_time_rate.map_or(0, |r| (r * 100.0).round() as u32),
                open: u.figures.open,
                overdue: u.figures.overdue,
            })
            .collect(),
        watch: o
            .watch
            .iter()
            .map(|w| WatchLine {
                id: w.row.id.to_string(),
                code: w.row.code.clone(),
                procedure: w.row.procedure_name.clone(),
                unit: w.unit_name.clone(),
                handler: w.handler_name.clone(),
                due: w.row.due.map(when).unwrap_or_default(),
                overdue: w.overdue,
            })
            .collect(),
        error: error.clone(),
    };
    let status = if error.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, page).into_response())
}
