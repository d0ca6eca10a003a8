//! Đơn vị hành chính qua API — public: lists by regime and parent, one unit with its succession,
//! and an old address shown with today's units.

use crate::Caller;
use app::App;
use app::units::UnitDirectory;
use axum::Json;
use axum::extract::State;
use domain::unit::{AdminUnit, Regime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::{ApiError, ApiPath, ApiQuery, ErrorBody};

/// Một đơn vị hành chính.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitView {
    /// `two-level` (từ 01/7/2025) or `three-level` (đến 30/6/2025).
    pub regime: String,
    pub code: String,
    pub name: String,
    /// `province`, `district` or `commune`.
    pub level: String,
    /// Loại: tỉnh, thành phố, huyện, quận, thị xã, xã, phường, thị trấn, đặc khu.
    pub kind: String,
    pub parent: Option<String>,
}

impl UnitView {
    pub fn of(u: &AdminUnit) -> Self {
        Self {
            regime: domain::wire_name(&u.regime),
            code: u.code.clone(),
            name: u.name.clone(),
            level: domain::wire_name(&u.level),
            kind: u.kind.clone(),
            parent: u.parent.clone(),
        }
    }
}

/// Một đơn vị, các cấp trên, và quan hệ kế thừa từ 01/7/2025.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitDetailView {
    pub unit: UnitView,
    /// Đơn vị cấp trên, từ gần đến xa.
    pub parents: Vec<UnitView>,
    /// For an old unit: today's units that took over its area.
    pub successors: Vec<UnitView>,
    /// For a unit of today: the old units it was formed from.
    pub predecessors: Vec<UnitView>,
}

/// Địa chỉ ghi theo đơn vị cũ và đơn vị hiện nay.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversionView {
    /// Phần số nhà, thôn, tổ như đã ghi.
    pub line: String,
    /// Đơn vị nhận ra trong địa chỉ (xã, huyện, tỉnh).
    pub found: Vec<UnitView>,
    /// Xã và tỉnh hiện nay (nhiều khi địa bàn cũ được chia).
    pub today: Vec<TodayView>,
    /// Địa chỉ theo đơn vị hiện nay, khi xác định được một đơn vị.
    pub text: Option<String>,
    /// Phần địa chỉ không có trong danh mục.
    pub unrecognised: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TodayView {
    pub commune: UnitView,
    pub province: UnitView,
}

fn regime(text: &str) -> Result<Regime, ApiError> {
    domain::from_wire_name(text).ok_or_else(|| {
        ApiError::unprocessable(
            "invalid_regime",
            format!(
                "Chế độ \"{}\" không hợp lệ: two-level (từ 01/7/2025) hoặc three-level (đến 30/6/2025).",
                domain::error::shorten(text)
            ),
        )
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitListQuery {
    /// `two-level` (mặc định) hoặc `three-level`.
    #[param(pattern = "^(two-level|three-level)$")]
    pub regime: Option<String>,
    /// Mã đơn vị cấp trên; không ghi: các tỉnh.
    pub parent: Option<String>,
}

/// Danh sách đơn vị: các tỉnh, hoặc các đơn vị trực thuộc một đơn vị.
#[utoipa::path(
    get, path = "/api/v1/units", tag = "Danh mục",
    params(UnitListQuery),
    responses((status = 200, body = Vec<UnitView>), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody))
)]
pub async fn list(
    State(app): State<App>,
    Caller(client): Caller,
    ApiQuery(q): ApiQuery<UnitListQuery>,
) -> Result<Json<Vec<UnitView>>, ApiError> {
    app.public_read(app::PublicRead::Search, &client)?;
    let regime = regime(q.regime.as_deref().unwrap_or("two-level"))?;
    let dir = app.unit_directory().await?;
    let mut units: Vec<UnitView> = dir
        .children(regime, q.parent.as_deref())
        .into_iter()
        .map(UnitView::of)
        .collect();
    units.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(Json(units))
}

/// Một đơn vị theo mã.
#[utoipa::path(
    get, path = "/api/v1/units/{regime}/{code}", tag = "Danh mục",
    params(("regime" = String, Path, description = "two-level hoặc three-level", pattern = "^(two-level|three-level)$"), ("code" = String, Path)),
    responses((status = 200, body = UnitDetailView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody))
)]
pub async fn detail(
    State(app): State<App>,
    Caller(client): Caller,
    ApiPath((r, code)): ApiPath<(String, String)>,
) -> Result<Json<UnitDetailView>, ApiError> {
    app.public_read(app::PublicRead::Search, &client)?;
    let regime = regime(&r)?;
    let dir = app.unit_directory().await?;
    let chain = dir.chain(regime, code.trim());
    let Some(unit) = chain.first() else {
        return Err(ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "unit_not_found",
            format!(
                "Không có đơn vị mã \"{}\".",
                domain::error::shorten(code.trim())
            ),
        ));
    };
    let views = |v: Vec<&AdminUnit>| v.into_iter().map(UnitView::of).collect();
    Ok(Json(UnitDetailView {
        unit: UnitView::of(unit),
        parents: chain[1..].iter().map(UnitView::of).collect(),
        successors: views(
            dir.successors(&unit.code)
                .into_iter()
                .filter(|_| regime == Regime::ThreeLevel)
                .collect(),
        ),
        predecessors: views(
            dir.predecessors(&unit.code)
                .into_iter()
                .filter(|_| regime == Regime::TwoLevel)
                .collect(),
        ),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConvertQuery {
    /// Địa chỉ, ví dụ "Tổ 3, thị trấn Phố Lu, huyện Bảo Thắng, tỉnh Lào Cai".
    pub address: String,
}

/// Đổi địa chỉ ghi theo đơn vị hành chính cũ sang đơn vị hiện nay.
#[utoipa::path(
    get, path = "/api/v1/units/convert", tag = "Danh mục",
    params(ConvertQuery),
    responses((status = 200, body = ConversionView), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody))
)]
pub async fn convert(
    State(app): State<App>,
    Caller(client): Caller,
    ApiQuery(q): ApiQuery<ConvertQuery>,
) -> Result<Json<ConversionView>, ApiError> {
    app.public_read(app::PublicRead::Search, &client)?;
    let dir: std::sync::Arc<UnitDirectory> = app.unit_directory().await?;
    let c = dir.convert(&q.address)?;
    Ok(Json(ConversionView {
        text: c.text(),
        line: c.line,
        found: c.found.iter().map(UnitView::of).collect(),
        today: c
            .today
            .iter()
            .map(|(commune, province)| TodayView {
                commune: UnitView::of(commune),
                province: UnitView::of(province),
            })
            .collect(),
        unrecognised: c.unrecognised,
    }))
}
