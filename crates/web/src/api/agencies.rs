//! Cơ quan qua API — an administrator adds, renames and merges agencies and sets their official
//! identifiers (the same use cases as the administration page).

use app::App;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Authed;
use super::error::{ApiError, ApiJson, ApiPath, ErrorBody};
use super::views::AgencyView;

/// Cơ quan mới.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAgencyInput {
    /// Mã nội bộ của cơ quan cấp trên, e.g. `lao-cai.bao-thang`.
    pub parent: String,
    /// Từ cuối của mã nội bộ, e.g. `tu-phap`.
    pub word: String,
    pub name: String,
    /// `department`, `service-center`, `office`, `police`, `commune-committee`.
    #[schema(pattern = "^(department|service-center|office|police|commune-committee)$")]
    pub kind: String,
    /// Mã định danh (QĐ 20/2020); bỏ trống: mã tạm dưới mã của cấp trên.
    #[serde(default)]
    pub code: String,
}

/// Tên mới.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameInput {
    pub name: String,
}

/// Sáp nhập vào cơ quan khác.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeInput {
    /// Mã nội bộ của cơ quan tiếp nhận.
    #[schema(format = "agency-id")]
    pub successor: String,
    /// Từ ngày (YYYY-MM-DD).
    #[schema(format = Date)]
    pub on: String,
}

/// Giờ làm việc.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfficeHoursInput {
    /// Ví dụ "07:30-11:30, 13:30-17:00"; bỏ trống: theo chuẩn hoặc cơ quan cấp trên.
    #[serde(default)]
    pub office_hours: String,
    /// Tiếp nhận sáng thứ Bảy, ví dụ "07:30-11:30"; bỏ trống: không.
    #[serde(default)]
    pub saturday_reception: String,
}

/// Nơi tiếp nhận thủ tục.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProcedurePlaces {
    /// Mã nội bộ các UBND cùng cấp tiếp nhận và giải quyết; rỗng: mọi UBND cùng cấp.
    pub agencies: Vec<String>,
}

/// Kết quả nhập mã định danh.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodesResult {
    /// Số cơ quan đã đổi mã (kể cả đơn vị trực thuộc đổi theo).
    pub changed: usize,
}

/// Thêm cơ quan, đơn vị (quản trị viên).
#[utoipa::path(
    post, path = "/api/v1/admin/agencies", tag = "Quản trị",
    request_body = NewAgencyInput,
    responses((status = 201, body = AgencyView), (status = 404, description = "Không có cơ quan cấp trên đã nêu", body = ErrorBody), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn create(
    State(app): State<App>,
    Authed(actor): Authed,
    ApiJson(input): ApiJson<NewAgencyInput>,
) -> Result<(StatusCode, Json<AgencyView>), ApiError> {
    let kind = domain::from_wire_name(input.kind.trim())
        .ok_or_else(|| ApiError::unprocessable("invalid_kind", "Loại cơ quan không hợp lệ."))?;
    let a = app
        .admin()
        .create_agency(
            &actor,
            &app::agencies::NewAgency {
                parent: input.parent,
                word: input.word,
                name: input.name,
                kind: Some(kind),
                code: input.code,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(AgencyView::of(&a))))
}

/// Đổi tên cơ quan (mã nội bộ và mã định danh giữ nguyên).
#[utoipa::path(
    post, path = "/api/v1/admin/agencies/{id}/rename", tag = "Quản trị",
    params(("id" = String, Path, format = "agency-id", description = "Mã nội bộ")),
    request_body = RenameInput,
    responses((status = 200, body = AgencyView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn rename(
    State(app): State<App>,
    Authed(actor): Authed,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<RenameInput>,
) -> Result<Json<AgencyView>, ApiError> {
    let a = app.admin().rename_agency(&actor, &id, &input.name).await?;
    Ok(Json(AgencyView::of(&a)))
}

/// Sáp nhập (giải thể) cơ quan vào cơ quan tiếp nhận từ một ngày: hồ sơ đang giải quyết do cơ
/// quan tiếp nhận xử lý tiếp; cơ quan bị sáp nhập không tiếp nhận hồ sơ mới.
#[utoipa::path(
    post, path = "/api/v1/admin/agencies/{id}/merge", tag = "Quản trị",
    params(("id" = String, Path, format = "agency-id", description = "Mã nội bộ")),
    request_body = MergeInput,
    responses((status = 200, body = AgencyView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn merge(
    State(app): State<App>,
    Authed(actor): Authed,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<MergeInput>,
) -> Result<Json<AgencyView>, ApiError> {
    let on = chrono::NaiveDate::parse_from_str(input.on.trim(), "%Y-%m-%d").map_err(|_| {
        ApiError::unprocessable("invalid_date", "Ngày sáp nhập phải có dạng YYYY-MM-DD.")
    })?;
    let a = app
        .admin()
        .close_agency(&actor, &id, &input.successor, on)
        .await?;
    Ok(Json(AgencyView::of(&a)))
}

/// Đặt giờ làm việc và giờ tiếp nhận sáng thứ Bảy của cơ quan (hạn giải quyết của hồ sơ tiếp
/// nhận sau đó tính theo giờ này).
#[utoipa::path(
    post, path = "/api/v1/admin/agencies/{id}/office-hours", tag = "Quản trị",
    params(("id" = String, Path, format = "agency-id", description = "Mã nội bộ")),
    request_body = OfficeHoursInput,
    responses((status = 200, body = AgencyView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn office_hours(
    State(app): State<App>,
    Authed(actor): Authed,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<OfficeHoursInput>,
) -> Result<Json<AgencyView>, ApiError> {
    let a = app
        .admin()
        .set_office_hours(&actor, &id, &input.office_hours, &input.saturday_reception)
        .await?;
    Ok(Json(AgencyView::of(&a)))
}

/// Nhập mã định danh chính thức từ bảng CSV hai cột (mã nội bộ, mã định danh); mã tạm của đơn vị
/// trực thuộc đổi theo; có lỗi thì không đổi gì.
#[utoipa::path(
    post, path = "/api/v1/admin/agency-codes", tag = "Quản trị",
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = CodesResult), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn codes(
    State(app): State<App>,
    Authed(actor): Authed,
    body: Bytes,
) -> Result<Json<CodesResult>, ApiError> {
    let text = std::str::from_utf8(&body).map_err(|_| {
        ApiError::unprocessable("invalid_encoding", "Bảng CSV phải là văn bản UTF-8.")
    })?;
    let changed = app.admin().import_agency_codes(&actor, text).await?;
    Ok(Json(CodesResult { changed }))
}

/// Đặt nơi tiếp nhận một thủ tục: các UBND cùng cấp giải quyết thủ tục (rỗng: mọi UBND cùng
/// cấp); quản trị viên.
#[utoipa::path(
    post, path = "/api/v1/admin/procedures/{code}/agencies", tag = "Quản trị",
    params(("code" = String, Path, description = "Mã thủ tục")),
    request_body = ProcedurePlaces,
    responses((status = 200, body = ProcedurePlaces), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn procedure_places(
    State(app): State<App>,
    Authed(actor): Authed,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<ProcedurePlaces>,
) -> Result<Json<ProcedurePlaces>, ApiError> {
    let agencies = app
        .admin()
        .set_procedure_agencies(&actor, &code, &input.agencies)
        .await?;
    Ok(Json(ProcedurePlaces { agencies }))
}
