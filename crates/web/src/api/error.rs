//! Lỗi API — every error is `{"code": "...", "message": "..."}` with a Vietnamese message and the
//! right status; malformed requests get the same shape instead of axum's plain-text rejections.

use app::{AppError, ErrorKind};
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;

/// Lỗi.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine code, e.g. `invalid_cccd`, `invalid_transition`.
    pub code: String,
    /// What is wrong, in Vietnamese.
    pub message: String,
}

/// An error as the API returns it.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: ErrorBody {
                code: code.to_string(),
                message: message.into(),
            },
        }
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unprocessable(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body)).into_response()
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        let status = match e.kind {
            ErrorKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::Rule | ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Self::new(status, e.code, e.message)
    }
}

impl From<domain::DomainError> for ApiError {
    fn from(e: domain::DomainError) -> Self {
        AppError::from(e).into()
    }
}

impl From<lich::CalendarError> for ApiError {
    fn from(e: lich::CalendarError) -> Self {
        AppError::from(e).into()
    }
}

/// JSON body extractor whose failures are [`ApiError`]s in Vietnamese.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(r: JsonRejection) -> ApiError {
    match r {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "json_required",
            "Dữ liệu gửi lên phải là JSON (Content-Type: application/json).",
        ),
        JsonRejection::JsonSyntaxError(e) => ApiError::bad_request(
            "invalid_json",
            format!(
                "Dữ liệu gửi lên không phải JSON hợp lệ: {}",
                detail(&e.body_text())
            ),
        ),
        JsonRejection::JsonDataError(e) => ApiError::unprocessable(
            "invalid_fields",
            format!("Thiếu hoặc sai trường dữ liệu: {}", detail(&e.body_text())),
        ),
        other => ApiError::bad_request(
            "invalid_body",
            format!("Không đọc được dữ liệu gửi lên: {other}"),
        ),
    }
}

/// serde's explanation in Vietnamese, without axum's own lead sentence.
fn detail(text: &str) -> String {
    app::serde_message(text.split_once(": ").map_or(text, |(_, rest)| rest))
}

/// Path extractor with Vietnamese errors.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| ApiPath(v))
            .map_err(|e: PathRejection| {
                tracing::debug!(rejection = %e.body_text(), "bad path");
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    "invalid_path",
                    "Đường dẫn không hợp lệ: mã hồ sơ trong đường dẫn phải là UUID, số thứ tự phải là số.",
                )
            })
    }
}

/// Query-string extractor with Vietnamese errors.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| ApiQuery(v))
            .map_err(|e: QueryRejection| {
                ApiError::unprocessable(
                    "invalid_query",
                    format!("Tham số tìm kiếm không hợp lệ: {}", detail(&e.body_text())),
                )
            })
    }
}
