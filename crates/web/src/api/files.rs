//! Tệp đính kèm qua API — `POST /api/v1/files?name=…` with the file as the body; the answer is
//! the reference to put in a component's `files`.

use app::App;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::AnyAuthed;
use super::error::{ApiError, ErrorBody};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FileQuery {
    /// Tên tệp, e.g. `to-khai.pdf`.
    pub name: String,
}

/// Tệp đã lưu.
#[derive(Debug, Serialize, ToSchema)]
pub struct FileView {
    pub sha256: String,
    pub name: String,
    pub size: u64,
    pub media_type: String,
}

/// Tải lên bản quét (PDF, JPEG, PNG; tối đa 10 MB).
#[utoipa::path(
    post, path = "/api/v1/files", tag = "Tiếp nhận",
    params(FileQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = FileView), (status = 422, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn upload(
    State(app): State<App>,
    AnyAuthed(actor): AnyAuthed,
    Query(q): Query<FileQuery>,
    body: Bytes,
) -> Result<(StatusCode, Json<FileView>), ApiError> {
    let r = app.intake().store_file(&actor, &q.name, &body).await?;
    Ok((
        StatusCode::CREATED,
        Json(FileView {
            sha256: r.sha256,
            name: r.name,
            size: r.size,
            media_type: r.media_type,
        }),
    ))
}

/// Đường dẫn tải một lần.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResultLinkView {
    /// The address to send: opening it shows the result; its button downloads it once.
    pub url: String,
    /// RFC 3339, Vietnamese time.
    pub expires_at: String,
}

/// Tạo đường dẫn tải kết quả điện tử một lần (cho người được xem hồ sơ), hết hạn sau 7 ngày.
#[utoipa::path(
    post, path = "/api/v1/dossiers/{id}/result-link", tag = "Trả kết quả",
    params(("id" = String, Path, description = "Mã định danh hồ sơ (UUID)")),
    responses(
        (status = 201, body = ResultLinkView),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn result_link(
    State(app): State<App>,
    AnyAuthed(actor): AnyAuthed,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<ResultLinkView>), ApiError> {
    let id = uuid::Uuid::parse_str(&id)
        .map(domain::dossier::DossierId)
        .map_err(|_| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "dossier_not_found",
                "Không tìm thấy hồ sơ.",
            )
        })?;
    let link = app.queries().result_link(&actor, id).await?;
    Ok((
        StatusCode::CREATED,
        Json(ResultLinkView {
            url: link.url,
            expires_at: lich::time::to_vn(&link.expires_at).to_rfc3339(),
        }),
    ))
}
