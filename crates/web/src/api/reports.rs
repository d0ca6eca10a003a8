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
    let under = q
        .agency
        .as_deref()
        .map(domain::agency::AgencyId::parse)
        .transpose()?;
    let r = app
        .period_report(
            &actor,
            day("from", &q.from)?,
            day("to", &q.to)?,
            under.as_ref(),
        )
        .await?;
    Ok(Json(PeriodReportView {
        from: r.from.to_string(),
        to: r.to.to_string(),
        lines: r.lines.iter().map(PeriodLineView::of).collect(),
        total: PeriodLineView::of(&r.total),
    }))
}
