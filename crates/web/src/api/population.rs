//! Tra cứu CSDL quốc gia về dân cư, for the counter receiving a dossier.

use app::App;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::Authed;
use super::error::{ApiError, ApiPath, ErrorBody};
use super::views::vn;

/// Công dân theo CSDL quốc gia về dân cư.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResidentView {
    /// Mã tra cứu (MaCSDL): đặt vào `provenance.population_ref` của hồ sơ mới.
    pub reference: String,
    pub id_number: String,
    pub name: String,
    /// YYYY-MM-DD.
    pub birth_date: Option<String>,
    pub gender: Option<String>,
    /// Nơi thường trú.
    pub residence: String,
    /// Phần trước xã, tỉnh (số nhà, thôn, tổ).
    pub address_line: String,
    pub commune_code: Option<String>,
    pub commune_name: Option<String>,
    pub looked_up_at: String,
}

/// Tra cứu một số định danh cá nhân trong CSDL quốc gia về dân cư (họ tên, ngày sinh, nơi
/// thường trú). Lần tra cứu được ghi lại (mã, cán bộ, thời điểm); hồ sơ điền thông tin từ đó
/// ghi `provenance.population_ref` và các trường `filled` với `source = population`. Dành cho
/// cán bộ tiếp nhận; 409 khi hệ thống chưa kết nối CSDL, 503 khi CSDL không trả lời.
#[utoipa::path(
    get, path = "/api/v1/population/{id_number}", tag = "Hồ sơ",
    params(("id_number" = String, Path, format = "cccd", description = "Số định danh cá nhân, 12 chữ số")),
    responses((status = 200, body = ResidentView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 503, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn look_up(
    State(app): State<App>,
    Authed(actor): Authed,
    ApiPath(id_number): ApiPath<String>,
) -> Result<Json<ResidentView>, ApiError> {
    let r = app.look_up_resident(&actor, &id_number).await?;
    Ok(Json(ResidentView {
        reference: r.resident.reference,
        id_number: r.resident.id_number,
        name: r.resident.name,
        birth_date: r.resident.birth_date.map(|d| d.to_string()),
        gender: r.resident.gender,
        residence: r.resident.residence,
        address_line: r.address_line,
        commune_code: r.resident.commune_code,
        commune_name: r.commune_name,
        looked_up_at: vn(r.looked_up_at),
    }))
}
