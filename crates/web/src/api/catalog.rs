//! Danh mục qua API — procedures in force, agencies, and the officers of an agency (for
//! assignment).

use app::App;
use axum::Json;
use axum::extract::State;
use domain::agency::AgencyId;

use super::auth::Authed;
use super::error::{ApiError, ApiPath, ErrorBody};
use super::views::{AgencyView, OfficerView, ProcedureView};

/// Thủ tục đang có hiệu lực.
#[utoipa::path(
    get, path = "/api/v1/procedures", tag = "Danh mục",
    responses((status = 200, body = Vec<ProcedureView>))
)]
pub async fn procedures(State(app): State<App>) -> Result<Json<Vec<ProcedureView>>, ApiError> {
    Ok(Json(
        app.procedures()
            .await?
            .iter()
            .map(ProcedureView::of)
            .collect(),
    ))
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
    Ok(Json(ProcedureView::of(&app.procedure(&code).await?)))
}

/// Cơ quan, đơn vị.
#[utoipa::path(
    get, path = "/api/v1/agencies", tag = "Danh mục",
    responses((status = 200, body = Vec<AgencyView>))
)]
pub async fn agencies(State(app): State<App>) -> Json<Vec<AgencyView>> {
    Json(app.agency_list().iter().map(AgencyView::of).collect())
}

/// Cán bộ của một đơn vị (và các đơn vị trực thuộc), để phân công.
#[utoipa::path(
    get, path = "/api/v1/agencies/{id}/officers", tag = "Danh mục",
    params(("id" = String, Path)),
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
    let within: Vec<String> = tree
        .all()
        .filter(|a| tree.is_within(&a.id, &id))
        .map(|a| a.id.to_string())
        .collect();
    let officers = app
        .db()
        .officers_in(&within)
        .await
        .map_err(app::AppError::from)?;
    Ok(Json(
        officers.iter().map(|o| OfficerView::of(o, &tree)).collect(),
    ))
}
