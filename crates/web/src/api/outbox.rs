//! Hộp thư đi qua API — administrators see the outbox (configured channels, counts, failed and
//! dead messages) and put a failed message back in the queue.

use app::App;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::Authed;
use super::error::{ApiError, ErrorBody};

/// Một thư gửi lỗi.
#[derive(Debug, Serialize, ToSchema)]
pub struct FailedMessageView {
    pub id: i64,
    /// `status-change` hoặc `digest`.
    pub kind: String,
    /// `email`, `sms` hoặc `webhook`.
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    /// `pending` (chờ gửi lại) hoặc `dead` (hết số lần thử).
    pub state: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    /// Lần gửi tiếp theo (RFC 3339, UTC) khi còn chờ.
    pub next_attempt_at: Option<String>,
    pub created_at: String,
    /// Kênh còn được cấu hình không (nếu không, gửi lại sẽ không thành công).
    pub channel_configured: bool,
}

/// Tình trạng hộp thư đi.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxView {
    pub pending: i64,
    pub sent: i64,
    pub dead: i64,
    /// Đang chờ gửi lại sau ít nhất một lần lỗi.
    pub failing: i64,
    pub email_configured: bool,
    pub sms_configured: bool,
    /// Các cơ quan có webhook nhóm trao đổi.
    pub webhooks: Vec<String>,
    pub digest_hour: u32,
    pub max_attempts: u32,
    pub failed: Vec<FailedMessageView>,
}

/// Hộp thư đi: kênh đã cấu hình, số thư theo trạng thái, thư gửi lỗi (quản trị viên).
#[utoipa::path(
    get, path = "/api/v1/admin/outbox", tag = "Quản trị",
    responses((status = 200, body = OutboxView), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn status(
    State(app): State<App>,
    Authed(actor): Authed,
) -> Result<Json<OutboxView>, ApiError> {
    let s = app.notices().outbox_status(&actor).await?;
    let failed = app
        .notices()
        .failed_messages(&actor)
        .await?
        .into_iter()
        .map(|f| {
            let m = f.message;
            FailedMessageView {
                id: m.id,
                kind: m.kind,
                channel: m.channel.as_str().to_string(),
                recipient: m.recipient,
                subject: m.subject,
                state: domain::wire_name(&m.state),
                attempts: m.attempts,
                last_error: m.last_error,
                next_attempt_at: (m.state == app::notices::MessageState::Pending)
                    .then(|| super::views::vn(m.next_attempt_at)),
                created_at: super::views::vn(m.created_at),
                channel_configured: f.channel_configured,
            }
        })
        .collect();
    Ok(Json(OutboxView {
        pending: s.counts.pending,
        sent: s.counts.sent,
        dead: s.counts.dead,
        failing: s.counts.failing,
        email_configured: s.email,
        sms_configured: s.sms,
        webhooks: s.webhooks,
        digest_hour: s.digest_hour,
        max_attempts: s.max_attempts,
        failed,
    }))
}

/// Gửi lại một thư gửi lỗi ngay (quản trị viên; ghi nhật ký quản trị).
#[utoipa::path(
    post, path = "/api/v1/admin/outbox/{id}/retry", tag = "Quản trị",
    params(("id" = i64, Path, description = "Số thư")),
    responses(
        (status = 204, description = "Đã đưa thư trở lại hàng đợi"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn retry(
    State(app): State<App>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: i64 = id.trim().parse().map_err(|_| {
        ApiError::unprocessable(
            "invalid_id",
            format!("Số thư \"{}\" không hợp lệ.", domain::error::shorten(&id)),
        )
    })?;
    app.notices().retry_message(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
