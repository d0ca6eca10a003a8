//! Tài khoản cán bộ qua API — an administrator creates many officer accounts from a CSV table
//! (the same table as `motcua import officers` and the administration page), and reads what
//! one officer opened (the access log, across dossiers).

use app::App;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Authed;
use super::error::{ApiError, ApiPath, ApiQuery, ErrorBody};

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

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OfficerReadsQuery {
    /// Từ ngày (YYYY-MM-DD, giờ Việt Nam); mặc định 29 ngày trước ngày `to`.
    #[param(format = Date)]
    pub from: Option<String>,
    /// Đến hết ngày (YYYY-MM-DD); mặc định hôm nay.
    #[param(format = Date)]
    pub to: Option<String>,
}

/// Những gì một cán bộ đã mở trong một khoảng ngày.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfficerReadsView {
    pub username: String,
    pub full_name: String,
    pub from: String,
    pub to: String,
    /// Mới nhất trước, tối đa 500.
    pub reads: Vec<super::dossiers::ReadView>,
    /// Đã đủ 500 lượt: có thể còn lượt cũ hơn trong khoảng ngày; thu hẹp khoảng ngày để xem.
    pub capped: bool,
}

/// Nhật ký truy cập theo cán bộ: những hồ sơ và tệp một cán bộ đã mở từ ngày `from` đến hết
/// ngày `to` (mặc định 30 ngày gần nhất), mới nhất trước, tối đa 500 lượt (quản trị viên).
#[utoipa::path(
    get, path = "/api/v1/admin/officers/{username}/reads", tag = "Quản trị",
    params(("username" = String, Path, description = "Tên đăng nhập của cán bộ", max_length = 100), OfficerReadsQuery),
    responses(
        (status = 200, body = OfficerReadsView),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn reads(
    State(app): State<App>,
    Authed(actor): Authed,
    ApiPath(username): ApiPath<String>,
    ApiQuery(q): ApiQuery<OfficerReadsQuery>,
) -> Result<Json<OfficerReadsView>, ApiError> {
    let today = lich::time::to_vn(&app.now()).date_naive();
    let to = match &q.to {
        Some(t) => super::dto::day("to", t)?,
        None => today,
    };
    let from = match &q.from {
        Some(f) => super::dto::day("from", f)?,
        None => to - chrono::Duration::days(29),
    };
    let found = app
        .queries()
        .officer_reads(&actor, &username, from, to)
        .await?;
    Ok(Json(OfficerReadsView {
        username: found.officer.username.clone(),
        full_name: found.officer.full_name.to_string(),
        from: from.to_string(),
        to: to.to_string(),
        capped: found.capped,
        reads: found
            .reads
            .into_iter()
            .map(super::dossiers::ReadView::of)
            .collect(),
    }))
}
