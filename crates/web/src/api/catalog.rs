//! Danh mục qua API — procedures in force, agencies, and the officers of an agency (for
//! assignment).

use crate::Caller;
use app::App;
use app::search::ProcedureQuery;
use axum::Json;
use axum::extract::State;
use domain::agency::AgencyId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Authed;
use super::error::{ApiError, ApiPath, ApiQuery, ErrorBody, filter};
use super::views::{AgencyView, OfficerView, ProcedureView};

/// Tìm thủ tục: từ khóa và bộ lọc.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProcedureQueryParams {
    /// Từ khóa, có dấu hoặc không dấu ("dang ky khai sinh", "dk khai sinh", mã 1.001193), tối đa
    /// 200 ký tự.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// Lĩnh vực, ví dụ "Hộ tịch".
    pub sector: Option<String>,
    /// `commune` (cấp xã) or `province` (cấp tỉnh).
    #[param(pattern = "^(province|commune)$")]
    pub level: Option<String>,
    /// Cơ quan tiếp nhận hoặc giải quyết (mã cơ quan trong hệ thống).
    #[param(format = "agency-id")]
    pub agency: Option<String>,
    /// `full` (toàn trình), `partial` (một phần) or `none`.
    #[param(pattern = "^(full|partial|none)$")]
    pub online: Option<String>,
    /// Số kết quả tối đa (mặc định 50, nhiều nhất 200).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// An enumerated filter (`level`, `online`): absent, or one of `allowed`; empty is refused
/// like any filter with a form ([`filter`]).
fn enumerated<T: serde::de::DeserializeOwned>(
    field: &str,
    value: Option<&str>,
    allowed: &str,
) -> Result<Option<T>, ApiError> {
    filter(field, value)?
        .map(|v| {
            domain::from_wire_name(v).ok_or_else(|| {
                ApiError::unprocessable(
                    "invalid_filter",
                    format!(
                        "\"{field}\" = \"{}\" không hợp lệ: {allowed}.",
                        vntext::shorten(v)
                    ),
                )
            })
        })
        .transpose()
}

/// Thủ tục đang có hiệu lực: tìm theo từ khóa (tên trước, mô tả sau), lọc theo lĩnh vực, cấp,
/// cơ quan, hình thức trực tuyến.
#[utoipa::path(
    get, path = "/api/v1/procedures", tag = "Danh mục",
    params(ProcedureQueryParams),
    responses((status = 200, body = Vec<ProcedureView>), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody))
)]
pub async fn procedures(
    State(app): State<App>,
    Caller(client): Caller,
    ApiQuery(p): ApiQuery<ProcedureQueryParams>,
) -> Result<Json<Vec<ProcedureView>>, ApiError> {
    app.public_read(app::PublicRead::Search, &client)?;
    let query = ProcedureQuery {
        text: p.q.unwrap_or_default(),
        sector: p.sector.filter(|s| !s.trim().is_empty()),
        level: enumerated("level", p.level.as_deref(), "commune hoặc province")?,
        agency: filter("agency", p.agency.as_deref())?
            .map(AgencyId::parse)
            .transpose()?,
        online: enumerated("online", p.online.as_deref(), "full, partial hoặc none")?,
        limit: super::error::page_size(p.limit, 50, 200)? as usize,
    };
    Ok(Json(
        app.catalogue()
            .search_procedures(&query)
            .await?
            .iter()
            .map(ProcedureView::of)
            .collect(),
    ))
}

/// Vai trò của một cơ quan đối với một thủ tục.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyProcedureView {
    pub procedure: ProcedureView,
    /// Tiếp nhận hồ sơ.
    pub receives: bool,
    /// Có thẩm quyền giải quyết.
    pub decides: bool,
}

/// Thủ tục một cơ quan tiếp nhận hoặc giải quyết.
#[utoipa::path(
    get, path = "/api/v1/agencies/{id}/procedures", tag = "Danh mục",
    params(("id" = String, Path, format = "agency-id")),
    responses((status = 200, body = Vec<AgencyProcedureView>), (status = 404, body = ErrorBody))
)]
pub async fn agency_procedures(
    State(app): State<App>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<AgencyProcedureView>>, ApiError> {
    let id = AgencyId::parse(&id)?;
    app.agencies().require(&id)?;
    let mut out = Vec::new();
    for v in app.catalogue().procedures().await? {
        let offered = app.catalogue().procedure_agencies(v.code.as_str()).await?;
        let roles = app.accounts().roles_at(&v, &id, &offered);
        if roles.receives || roles.decides {
            out.push(AgencyProcedureView {
                procedure: ProcedureView::of(&v),
                receives: roles.receives,
                decides: roles.decides,
            });
        }
    }
    Ok(Json(out))
}

/// Một thủ tục: thành phần hồ sơ, thời hạn, phí, quy trình nội bộ, căn cứ pháp lý.
#[utoipa::path(
    get, path = "/api/v1/procedures/{code}", tag = "Danh mục",
    params(("code" = String, Path, description = "Mã thủ tục, ví dụ 1.001193")),
    responses((status = 200, body = ProcedureView), (status = 404, body = ErrorBody))
)]
pub async fn procedure(
    State(app): State<App>,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<ProcedureView>, ApiError> {
    Ok(Json(ProcedureView::of(
        &app.catalogue().procedure(&code).await?,
    )))
}

/// Cơ quan, đơn vị.
#[utoipa::path(
    get, path = "/api/v1/agencies", tag = "Danh mục",
    responses((status = 200, body = Vec<AgencyView>))
)]
pub async fn agencies(State(app): State<App>) -> Json<Vec<AgencyView>> {
    Json(
        app.queries()
            .agency_list()
            .iter()
            .map(AgencyView::of)
            .collect(),
    )
}

/// Cán bộ của một đơn vị (và các đơn vị trực thuộc), để phân công.
#[utoipa::path(
    get, path = "/api/v1/agencies/{id}/officers", tag = "Danh mục",
    params(("id" = String, Path, format = "agency-id")),
    responses((status = 200, body = Vec<OfficerView>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn officers(
    State(app): State<App>,
    Authed(_actor): Authed,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<OfficerView>>, ApiError> {
    let id = AgencyId::parse(&id)?;
    let tree = app.agencies();
    tree.require(&id)?;
    let officers = app.accounts().officers_under(&id).await?;
    Ok(Json(
        officers.iter().map(|o| OfficerView::of(o, &tree)).collect(),
    ))
}
