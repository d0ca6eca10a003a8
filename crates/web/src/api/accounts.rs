//! Tài khoản cán bộ qua API — an administrator creates many officer accounts from a CSV table
//! (the same table as `motcua import officers` and the administration page).

use app::App;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::Authed;
use super::error::{ApiError, ErrorBody};

/// Một vai trò tại một cơ quan.
#[derive(Debug, Serialize, ToSchema)]
pub struct GrantView {
    /// `counter-officer`, `specialist`, `unit-head`, `leader`, `clerk`, `admin`, `auditor`.
    pub role: String,
    /// Mã nội bộ của cơ quan.
    pub agency: String,
}

/// Một tài khoản vừa tạo.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedAccountView {
    pub username: String,
    pub full_name: String,
    pub grants: Vec<GrantView>,
    /// Mật khẩu một lần tạo cho tài khoản (khi tệp bỏ trống cột mat_khau); chỉ trả về lần này.
    pub one_time_password: Option<String>,
}

/// Tạo tài khoản cán bộ từ bảng CSV (UTF-8; cột ten_dang_nhap, ho_ten, chuc_danh, vai_tro,
/// co_quan, thu_dien_tu, mat_khau). Cả bảng được kiểm tra trước; có lỗi thì không tạo tài khoản
/// nào và thông báo nêu từng dòng lỗi (quản trị viên).
#[utoipa::path(
    post, path = "/api/v1/admin/officers", tag = "Quản trị",
    request_body(content = String, content_type = "text/csv"),
    responses(
        (status = 201, body = Vec<CreatedAccountView>),
        (status = 422, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn import(
    State(app): State<App>,
    Authed(actor): Authed,
    body: Bytes,
) -> Result<(StatusCode, Json<Vec<CreatedAccountView>>), ApiError> {
    let text = std::str::from_utf8(&body).map_err(|_| {
        ApiError::unprocessable("invalid_encoding", "Bảng CSV phải là văn bản UTF-8.")
    })?;
    let created = app.admin().import_officers(&actor, text).await?;
    Ok((
        StatusCode::CREATED,
        Json(
            created
                .into_iter()
                .map(|c| CreatedAccountView {
                    username: c.username,
                    full_name: c.full_name,
                    grants: c
                        .grants
                        .iter()
                        .map(|g| GrantView {
                            role: domain::wire_name(&g.role),
                            agency: g.agency.to_string(),
                        })
                        .collect(),
                    one_time_password: c.password,
                })
                .collect(),
        ),
    ))
}
