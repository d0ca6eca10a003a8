//! Đánh giá việc giải quyết TTHC (`/lanh-dao/danh-gia?ky=2026-Q4`) — the TT 01/2018 scores of a
//! quarter or a year: a table of units and a table of officials, each downloadable as XLSX or
//! CSV (`&bang=can-bo&tai=xlsx`).

use app::App;
use app::evaluation::EvaluationReport;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use domain::evaluation::{IndexScore, Method, Period, Scorecard};
use serde::Deserialize;

use super::session::Viewer;
use super::table::{Cell, Table};
use super::{Chrome, UiError, when};

#[derive(Debug, Default, Deserialize)]
pub struct EvaluationParams {
    /// `2026-Q4` or `2026`; default: the current quarter.
    #[serde(default)]
    ky: String,
    /// `csv` or `xlsx` for a download.
    #[serde(default, rename = "tai")]
    download: String,
    /// Which table to download: units (default) or `can-bo`, the officials.
    #[serde(default, rename = "bang")]
    table: String,
}

fn scores(card: &Scorecard) -> Vec<Cell> {
    card.scores.iter().map(|s| Cell::Points(s.score)).collect()
}

fn index_headers(r: &EvaluationReport, indices: &[u8]) -> Vec<String> {
    indices
        .iter()
        .filter(|n| r.scheme.index(**n).is_some())
        .map(|n| format!("Chỉ số {n}"))
        .collect()
}

/// Bảng điểm cơ quan, đơn vị (a sub-unit is marked with a dash per level).
pub fn unit_table(r: &EvaluationReport) -> Table {
    let mut headers = vec!["Cơ quan, đơn vị".to_string(), "Số hồ sơ".to_string()];
    headers.extend(index_headers(r, &r.scheme.unit.indices));
    headers.extend(
        [
            "Tổng điểm",
            "Điểm tối đa",
            "Xếp loại",
            "Căn cứ chỉ số tính cho đơn vị",
        ]
        .map(String::from),
    );
    let rows = r
        .units
        .iter()
        .map(|u| {
            let c = &u.score.card;
            let mut row = vec![
                Cell::Text(format!("{}{}", "– ".repeat(u.depth), u.name)),
                Cell::Int(u.score.dossiers),
            ];
            row.extend(scores(c));
            let per_unit: Vec<&IndexScore> = c
                .scores
                .iter()
                .filter(|s| {
                    r.scheme
                        .index(s.number)
                        .is_some_and(|d| d.method.per_unit() && d.method != Method::Feedback)
                })
                .collect();
            // "Chỉ số 5, 9: không có thủ tục…" once, rather than the same reason twice.
            let same = per_unit
                .iter()
                .all(|s| s.score.is_none() && s.note == per_unit[0].note);
            let basis: Vec<String> = if same && per_unit.len() > 1 {
                let numbers: Vec<String> = per_unit.iter().map(|s| s.number.to_string()).collect();
                vec![format!(
                    "Chỉ số {}: {}",
                    numbers.join(", "),
                    per_unit[0].note
                )]
            } else {
                per_unit
                    .iter()
                    .map(|s| format!("Chỉ số {}: {}", s.number, s.note))
                    .collect()
            };
            row.extend([
                Cell::Points(Some(c.total)),
                Cell::Points(Some(c.max)),
                Cell::Text(
                    c.classification
                        .clone()
                        .unwrap_or_else(|| "Không có dữ liệu".into()),
                ),
                Cell::Text(basis.join("; ")),
            ]);
            row
        })
        .collect();
    Table {
        title: format!(
            "Kết quả đánh giá cơ quan, đơn vị — {} ({})",
            r.period.label(),
            r.scheme.name
        ),
        headers,
        rows,
    }
}

/// Bảng điểm cán bộ, công chức.
pub fn official_table(r: &EvaluationReport) -> Table {
    let mut headers = ["Cán bộ, công chức", "Đơn vị", "Số hồ sơ"]
        .map(String::from)
        .to_vec();
    headers.extend(index_headers(r, &r.scheme.official.indices));
    headers.extend(["Tổng điểm", "Xếp loại"].map(String::from));
    let rows = r
        .officials
        .iter()
        .map(|o| {
            let c = &o.score.card;
            let mut row = vec![
                Cell::Text(o.score.name.clone()),
                Cell::Text(o.unit_name.clone()),
                Cell::Int(o.score.dossiers),
            ];
            row.extend(scores(c));
            row.extend([
                Cell::Points(Some(c.total)),
                Cell::Text(
                    c.classification
                        .clone()
                        .unwrap_or_else(|| "Không có dữ liệu".into()),
                ),
            ]);
            row
        })
        .collect();
    Table {
        title: format!(
            "Kết quả đánh giá cán bộ, công chức — {} ({})",
            r.period.label(),
            r.scheme.name
        ),
        headers,
        rows,
    }
}

/// A choice of the period picker.
pub struct PeriodChoice {
    pub key: String,
    pub label: String,
    pub selected: bool,
}

/// The periods a leader picks from, newest first: the last twelve months (when `months`), the
/// quarters and years of this year and the last that have begun; the selected one is added when
/// it is none of these (an older or custom period typed in the address).
pub fn period_choices(
    today: chrono::NaiveDate,
    selected: &Period,
    months: bool,
) -> Vec<PeriodChoice> {
    let mut periods = Vec::new();
    if months {
        let (mut year, mut month) = (today.year(), today.month());
        for _ in 0..12 {
            periods.push(Period::Month { year, month });
            (year, month) = if month == 1 {
                (year - 1, 12)
            } else {
                (year, month - 1)
            };
        }
    }
    for year in [today.year(), today.year() - 1] {
        for quarter in (1..=4).rev() {
            let q = Period::Quarter { year, quarter };
            if q.first_day() <= today {
                periods.push(q);
            }
        }
        periods.push(Period::Year(year));
    }
    if !periods.contains(selected) {
        periods.insert(0, *selected);
    }
    periods
        .into_iter()
        .map(|p| PeriodChoice {
            key: p.to_string(),
            label: p.label(),
            selected: &p == selected,
        })
        .collect()
}

/// An index of the scheme, explained under the tables.
pub struct IndexLine {
    pub number: u8,
    pub name: String,
    pub counts_for: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "evaluation.html")]
struct EvaluationPage {
    chrome: Chrome,
    ky: String,
    label: String,
    as_of: String,
    dossiers: i64,
    scheme: String,
    choices: Vec<PeriodChoice>,
    indices: Vec<IndexLine>,
    units: Table,
    officials: Table,
    official_max: String,
    unit_max: String,
    error: String,
}

/// `/lanh-dao/danh-gia`: the evaluation of a period, and its tables as CSV or XLSX.
pub async fn page(
    State(app): State<App>,
    viewer: Viewer,
    Query(p): Query<EvaluationParams>,
) -> Result<Response, UiError> {
    let (_, actor) = viewer.require_officer()?;
    let today = lich::time::to_vn(&app.now()).date_naive();
    let current = Period::quarter_of(today);
    let (period, error) = if p.ky.trim().is_empty() {
        (current, String::new())
    } else {
        match Period::parse(&p.ky) {
            Ok(Period::Month { .. } | Period::Days { .. }) => (
                current,
                "Đánh giá tính theo quý hoặc năm: ghi như 2026-Q3 hoặc 2026.".into(),
            ),
            Ok(k) if k.first_day() <= today => (k, String::new()),
            Ok(k) => (current, format!("{} chưa bắt đầu.", k.label())),
            Err(e) => (current, e.message),
        }
    };
    let r = app.reports().evaluation(actor, period, None).await?;
    let (units, officials) = (unit_table(&r), official_table(&r));
    if error.is_empty() && matches!(p.download.as_str(), "csv" | "xlsx") {
        return Ok(if p.table == "can-bo" {
            officials.download(&format!("danh-gia-can-bo-{period}"), &p.download)
        } else {
            units.download(&format!("danh-gia-don-vi-{period}"), &p.download)
        });
    }
    let scheme = &r.scheme;
    let page = EvaluationPage {
        chrome: Chrome::new(&viewer, "Đánh giá giải quyết TTHC", "/lanh-dao/danh-gia"),
        ky: period.to_string(),
        label: period.label(),
        as_of: when(r.as_of),
        dossiers: r.dossiers,
        scheme: scheme.legal_basis.clone(),
        choices: period_choices(today, &period, false),
        indices: scheme
            .indices
            .iter()
            .map(|d| IndexLine {
                number: d.number,
                name: d.name.clone(),
                counts_for: match (
                    scheme.official.indices.contains(&d.number),
                    scheme.unit.indices.contains(&d.number),
                ) {
                    (true, true) => "cán bộ và đơn vị",
                    (true, false) => "cán bộ",
                    (false, true) => "đơn vị",
                    (false, false) => "không tính",
                },
            })
            .collect(),
        official_max: Cell::Points(Some(scheme.max(&scheme.official))).text(),
        unit_max: Cell::Points(Some(scheme.max(&scheme.unit))).text(),
        units,
        officials,
        error: error.clone(),
    };
    let status = super::status_for(&error);
    Ok((status, page).into_response())
}
