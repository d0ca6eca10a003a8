//! Báo cáo qua API — the periodic report on TTHC handling as JSON.

use app::App;
use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Authed;
use super::error::{ApiError, ErrorBody};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// Ngày đầu kỳ, YYYY-MM-DD.
    pub from: String,
    /// Ngày cuối kỳ, YYYY-MM-DD.
    pub to: String,
    /// Chỉ các cơ quan thuộc cơ quan này.
    pub agency: Option<String>,
    /// Chỉ một thủ tục (mã thủ tục).
    pub procedure: Option<String>,
    /// Chỉ một lĩnh vực (tên lĩnh vực như trong danh mục).
    pub sector: Option<String>,
    /// Chỉ một cấp: `province` hoặc `commune`.
    pub level: Option<String>,
}

/// The scope a query names, checked.
pub(crate) fn scope(
    agency: Option<&str>,
    procedure: Option<&str>,
    sector: Option<&str>,
    level: Option<&str>,
) -> Result<app::qd766::Scope, ApiError> {
    let level = match level.map(str::trim) {
        None | Some("") => None,
        Some("province" | "tinh") => Some(domain::procedure::ProcedureLevel::Province),
        Some("commune" | "xa") => Some(domain::procedure::ProcedureLevel::Commune),
        Some(other) => {
            return Err(ApiError::unprocessable(
                "invalid_level",
                format!("\"level\": cấp \"{other}\" không hợp lệ (province hoặc commune)."),
            ));
        }
    };
    let text = |t: Option<&str>| t.map(str::trim).filter(|t| !t.is_empty()).map(String::from);
    Ok(app::qd766::Scope {
        under: text(agency)
            .map(|a| domain::agency::AgencyId::parse(&a))
            .transpose()?,
        procedure: text(procedure),
        sector: text(sector),
        level,
    })
}

/// Một dòng báo cáo.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodLineView {
    pub agency: String,
    pub name: String,
    pub carried: i64,
    pub received_in_person: i64,
    pub received_online: i64,
    pub received_postal: i64,
    pub resolved_early: i64,
    pub resolved_on_time: i64,
    pub resolved_late: i64,
    pub refused: i64,
    pub withdrawn: i64,
    pub stopped: i64,
    pub in_progress_within: i64,
    pub in_progress_past: i64,
    pub refused_at_intake: i64,
    pub returned: i64,
    /// Tỷ lệ đúng hạn (0–1), null khi chưa giải quyết hồ sơ nào.
    pub on_time_rate: Option<f64>,
    pub online_rate: Option<f64>,
}

impl PeriodLineView {
    fn of(l: &app::reports::PeriodLine) -> Self {
        Self {
            agency: l.agency.clone(),
            name: l.name.clone(),
            carried: l.carried,
            received_in_person: l.received[0],
            received_online: l.received[1],
            received_postal: l.received[2],
            resolved_early: l.resolved_early,
            resolved_on_time: l.resolved_on_time,
            resolved_late: l.resolved_late,
            refused: l.refused,
            withdrawn: l.withdrawn,
            stopped: l.stopped,
            in_progress_within: l.open_within,
            in_progress_past: l.open_past,
            refused_at_intake: l.refused_at_intake,
            returned: l.returned,
            on_time_rate: l.on_time_rate(),
            online_rate: l.online_rate(),
        }
    }
}

/// Báo cáo kỳ.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodReportView {
    pub from: String,
    pub to: String,
    pub lines: Vec<PeriodLineView>,
    pub total: PeriodLineView,
}

/// Báo cáo tình hình giải quyết TTHC trong kỳ (đọc từ bộ đếm).
#[utoipa::path(
    get, path = "/api/v1/reports/period", tag = "Báo cáo",
    params(PeriodQuery),
    responses((status = 200, body = PeriodReportView), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn period(
    State(app): State<App>,
    Authed(actor): Authed,
    Query(q): Query<PeriodQuery>,
) -> Result<Json<PeriodReportView>, ApiError> {
    let day = |field: &str, text: &str| {
        chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
            ApiError::unprocessable(
                "invalid_date",
                format!("\"{field}\": ngày \"{text}\" không hợp lệ (YYYY-MM-DD)."),
            )
        })
    };
    let scope = scope(
        q.agency.as_deref(),
        q.procedure.as_deref(),
        q.sector.as_deref(),
        q.level.as_deref(),
    )?;
    let r = app
        .period_report(&actor, day("from", &q.from)?, day("to", &q.to)?, &scope)
        .await?;
    Ok(Json(PeriodReportView {
        from: r.from.to_string(),
        to: r.to.to_string(),
        lines: r.lines.iter().map(PeriodLineView::of).collect(),
        total: PeriodLineView::of(&r.total),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IndexQuery {
    /// Kỳ: `2026-07` (tháng), `2026-Q3` (quý) hoặc `2026` (năm).
    pub period: String,
    /// Số liệu chốt đến ngày (YYYY-MM-DD, trong kỳ); mặc định cuối kỳ hoặc hôm nay.
    pub as_of: Option<String>,
    /// Xếp hạng các đơn vị trực thuộc cơ quan này.
    pub agency: Option<String>,
    pub procedure: Option<String>,
    pub sector: Option<String>,
    pub level: Option<String>,
}

/// Một chỉ số 766 của một đơn vị.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorView {
    pub id: String,
    pub group: u8,
    pub name: String,
    pub numerator: Option<i64>,
    pub denominator: Option<i64>,
    pub max: f64,
    /// Điểm; null khi không tính được (xem `note`).
    pub points: Option<f64>,
    pub note: String,
}

/// Chỉ số 766 của một đơn vị.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitIndexView {
    pub agency: String,
    pub name: String,
    pub points: f64,
    /// Điểm tối đa của các chỉ số tính được.
    pub max: f64,
    pub rank: Option<usize>,
    pub previous_points: Option<f64>,
    pub previous_rank: Option<usize>,
    pub indicators: Vec<IndicatorView>,
}

impl UnitIndexView {
    fn of(u: &app::qd766::UnitIndex) -> Self {
        Self {
            agency: u.agency.clone(),
            name: u.name.clone(),
            points: round2(u.points),
            max: u.max,
            rank: u.rank,
            previous_points: u.previous_points.map(round2),
            previous_rank: u.previous_rank,
            indicators: u
                .indicators
                .iter()
                .map(|i| IndicatorView {
                    id: i.id.into(),
                    group: i.group,
                    name: i.name.into(),
                    numerator: i.numerator,
                    denominator: i.denominator,
                    max: i.max,
                    points: i.points.map(round2),
                    note: i.note.into(),
                })
                .collect(),
        }
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Chỉ số 766 của các đơn vị.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndexView {
    pub period: String,
    pub from: String,
    pub to: String,
    pub as_of: String,
    pub previous_from: String,
    pub previous_to: String,
    pub units: Vec<UnitIndexView>,
    pub total: UnitIndexView,
}

/// Chỉ số phục vụ người dân, doanh nghiệp theo QĐ 766 (bản tính tại chỗ, từ bộ đếm), xếp hạng
/// các đơn vị, kèm kỳ trước.
#[utoipa::path(
    get, path = "/api/v1/reports/qd766", tag = "Báo cáo",
    params(IndexQuery),
    responses((status = 200, body = IndexView), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn qd766(
    State(app): State<App>,
    Authed(actor): Authed,
    Query(q): Query<IndexQuery>,
) -> Result<Json<IndexView>, ApiError> {
    let period = app::qd766::Period::parse(&q.period)?;
    let as_of = q
        .as_of
        .as_deref()
        .map(|t| {
            chrono::NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d").map_err(|_| {
                ApiError::unprocessable(
                    "invalid_date",
                    format!("\"as_of\": ngày \"{t}\" không hợp lệ (YYYY-MM-DD)."),
                )
            })
        })
        .transpose()?;
    let scope = scope(
        q.agency.as_deref(),
        q.procedure.as_deref(),
        q.sector.as_deref(),
        q.level.as_deref(),
    )?;
    let x = app.index_766(&actor, period, as_of, &scope).await?;
    Ok(Json(IndexView {
        period: x.period.label(),
        from: x.period.from.to_string(),
        to: x.period.to.to_string(),
        as_of: x.as_of.to_string(),
        previous_from: x.previous.from.to_string(),
        previous_to: x.previous.to.to_string(),
        units: x.units.iter().map(UnitIndexView::of).collect(),
        total: UnitIndexView::of(&x.total),
    }))
}
