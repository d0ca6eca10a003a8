//! Chỉ số 766 và biểu đồ (`/lanh-dao/chi-so-766`, `/lanh-dao/bieu-do`) — the local QĐ 766
//! index ranked by unit with the previous period beside it, one unit's indicators with their
//! numerators, denominators and the dossiers that cost points, and the dashboard charts; every
//! table downloads as XLSX and CSV.

use app::App;
use app::qd766::{Index766, Period, Scope, UnitIndex};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use super::session::Viewer;
use super::table::{Cell, Table};
use super::{Chrome, UiError, when};

#[derive(Debug, Default, Deserialize)]
pub struct IndexParams {
    /// Kỳ: 2026-07, 2026-Q3, 2026.
    #[serde(default)]
    ky: String,
    /// Ngày chốt số liệu (YYYY-MM-DD).
    #[serde(default)]
    ngay: String,
    #[serde(flatten)]
    scope: ScopeParams,
    #[serde(default, rename = "tai")]
    download: String,
    #[serde(default, rename = "bang")]
    table: String,
}

/// The unit (with its sub-units), procedure, sector and level a report is narrowed to.
#[derive(Debug, Default, Deserialize)]
pub struct ScopeParams {
    #[serde(default)]
    pub don_vi: String,
    #[serde(default)]
    pub thu_tuc: String,
    #[serde(default)]
    pub linh_vuc: String,
    /// `tinh` or `xa`.
    #[serde(default)]
    pub cap: String,
}

/// What the filter form shows and the links carry.
pub struct Filters {
    pub ky: String,
    pub ngay: String,
    pub don_vi: String,
    pub thu_tuc: String,
    pub linh_vuc: String,
    pub cap: String,
    pub sectors: Vec<String>,
    pub procedures: Vec<(String, String)>,
    /// The query string of these filters (without `tai`/`bang`), escaped for a link.
    pub query: String,
    pub error: String,
    /// The period picker's choices (months, quarters, years).
    pub periods: Vec<super::evaluation::PeriodChoice>,
}

/// Reads the filters; a bad value falls back to the default with the reason shown.
async fn filters(
    app: &App,
    p: &IndexParams,
) -> Result<(Period, Option<NaiveDate>, Scope, Filters), UiError> {
    let today = lich::time::to_vn(&app.now()).date_naive();
    let mut error = String::new();
    let period = match p.ky.trim() {
        "" => Period::quarter_of(today),
        ky => Period::parse(ky).unwrap_or_else(|e| {
            error = e.message.clone();
            Period::quarter_of(today)
        }),
    };
    let as_of = match p.ngay.trim() {
        "" => None,
        t => match lich::time::parse_date(t) {
            Ok(d) => Some(d),
            Err(_) => {
                error = format!(
                    "Ngày chốt số liệu \"{}\" không hợp lệ; ghi ngày/tháng/năm, ví dụ 05/12/2026.",
                    domain::error::shorten(t)
                );
                None
            }
        },
    };
    let ky = period.to_string();
    let (scope, mut f) = scope_filters(
        app,
        &[("ky", ky.as_str()), ("ngay", p.ngay.trim())],
        &p.scope,
        error,
    )
    .await?;
    (f.ky, f.ngay) = (ky, p.ngay.trim().to_string());
    f.periods = super::evaluation::period_choices(today, &period, true);
    Ok((period, as_of, scope, f))
}

/// The scope a report is narrowed to and the filter form for it, whose links carry `lead`
/// (the period's own pairs) then the scope; a bad unit id is left out with the reason shown.
pub(super) async fn scope_filters(
    app: &App,
    lead: &[(&str, &str)],
    p: &ScopeParams,
    mut error: String,
) -> Result<(Scope, Filters), UiError> {
    let scope = crate::api::reports::scope(
        Some(&p.don_vi),
        Some(&p.thu_tuc),
        Some(&p.linh_vuc),
        Some(&p.cap),
    )
    .unwrap_or_else(|e| {
        error = e.body.message;
        Scope::default()
    });
    let catalog = app.catalogue().procedures().await?;
    let mut sectors: Vec<String> = catalog.iter().map(|v| v.sector.clone()).collect();
    sectors.sort();
    sectors.dedup();
    let mut procedures: Vec<(String, String)> = catalog
        .iter()
        .map(|v| (v.code.to_string(), v.name.clone()))
        .collect();
    procedures.sort_by(|a, b| a.1.cmp(&b.1));
    let pairs: Vec<(&str, &str)> = lead
        .iter()
        .copied()
        .chain([
            ("don_vi", p.don_vi.trim()),
            ("thu_tuc", p.thu_tuc.trim()),
            ("linh_vuc", p.linh_vuc.trim()),
            ("cap", p.cap.trim()),
        ])
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let f = Filters {
        ky: String::new(),
        ngay: String::new(),
        don_vi: p.don_vi.trim().to_string(),
        thu_tuc: p.thu_tuc.trim().to_string(),
        linh_vuc: p.linh_vuc.trim().to_string(),
        cap: p.cap.clone(),
        sectors,
        procedures,
        query: serde_urlencoded::to_string(&pairs).unwrap_or_default(),
        error,
        periods: Vec::new(),
    };
    Ok((scope, f))
}

fn group_points(u: &UnitIndex, group: u8) -> Option<f64> {
    let computed: Vec<f64> = u
        .indicators
        .iter()
        .filter(|i| i.group == group)
        .filter_map(|i| i.points)
        .collect();
    (!computed.is_empty()).then(|| computed.iter().sum())
}

fn change(u: &UnitIndex) -> String {
    match (u.rank, u.previous_rank) {
        (Some(r), Some(p)) if r < p => format!("▲ {}", p - r),
        (Some(r), Some(p)) if r > p => format!("▼ {}", r - p),
        (Some(_), Some(_)) => "=".into(),
        (Some(_), None) => "mới".into(),
        _ => "—".into(),
    }
}

/// The ranking as a table (the page and the downloads).
pub fn ranking_table(x: &Index766) -> Table {
    let mut headers: Vec<String> = ["Hạng", "Thay đổi", "Đơn vị", "Điểm", "Tối đa tính được"]
        .map(String::from)
        .to_vec();
    headers.extend(
        domain::qd766::GROUPS
            .iter()
            .map(|(n, name, max)| format!("Nhóm {n}. {name} ({max})")),
    );
    headers.extend(["2.1 tử số", "2.1 mẫu số", "Điểm kỳ trước", "Hạng kỳ trước"].map(String::from));
    let line = |u: &UnitIndex| {
        let mut r = vec![
            Cell::Text(u.rank.map(|r| r.to_string()).unwrap_or_else(|| "—".into())),
            Cell::Text(change(u)),
            Cell::Text(u.name.clone()),
            // No dossier in the period: nothing to score, said so instead of "0,00".
            if app::qd766::has_dossiers(u) {
                Cell::Score(Some(u.points))
            } else {
                Cell::Text("không có dữ liệu".into())
            },
            Cell::Score(Some(u.max)),
        ];
        r.extend(
            domain::qd766::GROUPS
                .iter()
                .map(|(n, _, _)| Cell::Score(group_points(u, *n))),
        );
        r.extend([
            Cell::Int(u.inputs.on_time),
            Cell::Int(u.inputs.handled),
            Cell::Score(u.previous_points),
            Cell::Text(
                u.previous_rank
                    .map(|r| r.to_string())
                    .unwrap_or_else(|| "—".into()),
            ),
        ]);
        r
    };
    let mut rows: Vec<Vec<Cell>> = x.units.iter().map(line).collect();
    let mut total = line(&x.total);
    total[0] = Cell::Text(String::new());
    total[1] = Cell::Text(String::new());
    rows.push(total);
    Table {
        title: format!(
            "Chỉ số phục vụ người dân, doanh nghiệp (QĐ 766) — {} — số liệu đến {}",
            x.period.label(),
            x.as_of.format("%d/%m/%Y")
        ),
        headers,
        rows,
    }
}

/// One unit's indicators as a table.
pub fn indicators_table(u: &UnitIndex, x: &Index766) -> Table {
    Table {
        title: format!(
            "Chỉ số 766 của {} — {} — số liệu đến {}",
            u.name,
            x.period.label(),
            x.as_of.format("%d/%m/%Y")
        ),
        headers: [
            "Mã",
            "Chỉ số",
            "Tử số",
            "Mẫu số",
            "Tỷ lệ",
            "Điểm",
            "Tối đa",
            "Ghi chú",
        ]
        .map(String::from)
        .to_vec(),
        rows: u
            .indicators
            .iter()
            .map(|i| {
                vec![
                    Cell::Text(i.id.into()),
                    Cell::Text(i.name.into()),
                    i.numerator.map_or(Cell::Text("—".into()), Cell::Int),
                    i.denominator.map_or(Cell::Text("—".into()), Cell::Int),
                    Cell::Percent(match (i.numerator, i.denominator) {
                        (Some(n), Some(d)) if d > 0 => Some(n as f64 / d as f64),
                        _ => None,
                    }),
                    Cell::Score(i.points),
                    Cell::Score(Some(i.max)),
                    Cell::Text(i.note.into()),
                ]
            })
            .collect(),
    }
}

/// The dossiers that cost points, as a table.
pub fn costs_table(unit: &str, lines: &[app::qd766::CostLine]) -> Table {
    Table {
        title: format!("Hồ sơ làm giảm điểm chỉ số 2.1 — {unit}"),
        headers: [
            "Mã hồ sơ",
            "Thủ tục",
            "Cơ quan giải quyết",
            "Ngày hẹn (QĐ 766)",
            "Kết thúc",
            "Lý do",
            "Bước chậm",
            "Đơn vị",
            "Người xử lý",
        ]
        .map(String::from)
        .to_vec(),
        rows: lines
            .iter()
            .map(|l| {
                vec![
                    Cell::Text(l.code.clone()),
                    Cell::Text(l.procedure.clone()),
                    Cell::Text(l.agency.clone()),
                    Cell::Text(l.due.map(when).unwrap_or_else(|| "Không có".into())),
                    Cell::Text(l.ended.map_or_else(|| "Đang xử lý".into(), when)),
                    Cell::Text(l.reason.clone()),
                    Cell::Text(l.step.clone()),
                    Cell::Text(l.unit.clone()),
                    Cell::Text(l.handler.clone()),
                ]
            })
            .collect(),
    }
}

pub struct UnitLink {
    pub agency: String,
    pub name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "qd766.html")]
struct IndexPage {
    chrome: Chrome,
    f: Filters,
    table: Table,
    links: Vec<UnitLink>,
    chart: String,
    previous: String,
}

fn status_of(f: &Filters) -> StatusCode {
    super::status_for(&f.error)
}

/// `/lanh-dao/chi-so-766`: the ranking of units.
pub async fn index(
    State(app): State<App>,
    viewer: Viewer,
    Query(p): Query<IndexParams>,
) -> Result<Response, UiError> {
    let (_, actor) = viewer.require_officer()?;
    let (period, as_of, scope, f) = filters(&app, &p).await?;
    let x = app
        .reports()
        .index_766(actor, period, as_of, &scope)
        .await?;
    let table = ranking_table(&x);
    if f.error.is_empty() && matches!(p.download.as_str(), "csv" | "xlsx") {
        return Ok(table.download(&format!("chi-so-766-{period}"), &p.download));
    }
    let rows: Vec<(String, f64, String)> = x
        .units
        .iter()
        // Units without a dossier in the period have nothing to draw.
        .filter(|u| u.max > 0.0 && app::qd766::has_dossiers(u))
        .map(|u| {
            (
                u.name.clone(),
                u.points / u.max,
                format!("{:.2}/{}", u.points, u.max).replace('.', ","),
            )
        })
        .collect();
    let chart = super::chart::horizontal_bars(
        "Điểm trên tối đa các chỉ số tính được, theo đơn vị",
        &rows,
        1.0,
    );
    let page = IndexPage {
        chrome: Chrome::new(&viewer, "Chỉ số 766", "/lanh-dao"),
        links: x
            .units
            .iter()
            .map(|u| UnitLink {
                agency: u.agency.clone(),
                name: u.name.clone(),
            })
            .collect(),
        previous: x.previous.label(),
        table,
        chart,
        f,
    };
    Ok((status_of(&page.f), page).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "qd766_unit.html")]
struct UnitPage {
    chrome: Chrome,
    f: Filters,
    agency: String,
    name: String,
    points: String,
    table: Table,
    costs: Table,
}

/// `/lanh-dao/chi-so-766/{agency}`: one unit's indicators and the dossiers that cost points.
pub async fn unit(
    State(app): State<App>,
    viewer: Viewer,
    Path(agency): Path<String>,
    Query(p): Query<IndexParams>,
) -> Result<Response, UiError> {
    let (_, actor) = viewer.require_officer()?;
    let id = domain::agency::AgencyId::parse(&agency)
        .map_err(|e| UiError::new(StatusCode::NOT_FOUND, e.to_string()))?;
    let (period, as_of, mut scope, f) = filters(&app, &p).await?;
    scope.under = Some(id.clone());
    // The unit's own figures: no ranking, no previous period.
    let x = app
        .reports()
        .index_766_points(actor, period, as_of, &scope)
        .await?;
    let table = indicators_table(&x.total, &x);
    let name = app.agencies().name_of(&id);
    let download = f.error.is_empty() && matches!(p.download.as_str(), "csv" | "xlsx");
    if download && p.table != "giam-diem" {
        return Ok(table.download(&format!("chi-so-766-{agency}-{period}"), &p.download));
    }
    let costs = costs_table(
        &name,
        &app.reports()
            .index_766_costs(actor, &id, period, as_of, 500)
            .await?,
    );
    if download {
        return Ok(costs.download(&format!("ho-so-giam-diem-{agency}-{period}"), &p.download));
    }
    let page = UnitPage {
        chrome: Chrome::new(&viewer, format!("Chỉ số 766 — {name}"), "/lanh-dao"),
        points: format!(
            "{:.2} / {} điểm tính được (thang 100)",
            x.total.points, x.total.max
        )
        .replace('.', ","),
        agency,
        name,
        table,
        costs,
        f,
    };
    Ok((status_of(&page.f), page).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    f: Filters,
    label: String,
    trend: String,
    on_time: String,
    channels: String,
    index: String,
}

/// `/lanh-dao/bieu-do`: the dashboard — trend, on-time rate by unit, channel mix and the 766
/// points by unit for a period, all read from the counters.
pub async fn dashboard(
    State(app): State<App>,
    viewer: Viewer,
    Query(p): Query<IndexParams>,
) -> Result<Response, UiError> {
    let (_, actor) = viewer.require_officer()?;
    let (period, as_of, scope, f) = filters(&app, &p).await?;
    let to = as_of.unwrap_or(period.last_day()).min(period.last_day());
    let report = app
        .reports()
        .period_report(actor, period.first_day(), to, &scope)
        .await?;
    let trend = super::leader::trend_chart(&app, actor, period.first_day(), to).await?;
    let on_time_rows: Vec<(String, f64, String)> = report
        .lines
        .iter()
        .filter(|l| l.resolved() > 0)
        .map(|l| {
            let r = l.on_time_rate().unwrap_or(0.0);
            (
                l.name.clone(),
                r,
                format!("{:.1}%", r * 100.0).replace('.', ","),
            )
        })
        .collect();
    let on_time =
        super::chart::horizontal_bars("Tỷ lệ giải quyết đúng hạn theo cơ quan", &on_time_rows, 1.0);
    let mut channel_rows: Vec<(String, [i64; 3])> = report
        .lines
        .iter()
        .filter(|l| l.received_total() > 0)
        .map(|l| (l.name.clone(), l.received))
        .collect();
    channel_rows.push(("Tổng cộng".into(), report.total.received));
    let channels = super::chart::stacked_shares(
        "Hồ sơ tiếp nhận theo kênh",
        &channel_rows,
        ["Trực tiếp", "Trực tuyến", "Bưu chính"],
    );
    let x = app
        .reports()
        .index_766_points(actor, period, as_of, &scope)
        .await?;
    let index_rows: Vec<(String, f64, String)> = x
        .units
        .iter()
        // Units without a dossier in the period have nothing to draw.
        .filter(|u| u.max > 0.0 && app::qd766::has_dossiers(u))
        .map(|u| {
            (
                u.name.clone(),
                u.points,
                format!("{:.2}", u.points).replace('.', ","),
            )
        })
        .collect();
    let index = super::chart::horizontal_bars(
        &format!(
            "Điểm chỉ số 766 (các chỉ số tính được, tối đa {})",
            x.total.max
        ),
        &index_rows,
        x.total.max,
    );
    let page = DashboardPage {
        chrome: Chrome::new(&viewer, "Biểu đồ", "/lanh-dao"),
        label: period.label(),
        trend,
        on_time,
        channels,
        index,
        f,
    };
    Ok((status_of(&page.f), page).into_response())
}
