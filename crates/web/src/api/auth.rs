//! Đăng nhập qua API — `POST /api/v1/sessions` gives a bearer token; every officer endpoint reads
//! it from `Authorization: Bearer …`.

use app::App;
use app::second_factor::{Asked, LoginStep};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use domain::officer::Actor;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::{ApiError, ApiJson, ErrorBody};
use super::views::{OfficerView, vn};
use crate::Caller;

/// The actor behind the request's bearer token.
pub struct Authed(pub Actor);

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

impl FromRequestParts<App> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        let token = bearer(&parts.headers).ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Cần đăng nhập: gửi kèm Authorization: Bearer <token> (POST /api/v1/sessions).",
            )
        })?;
        let actor = app.accounts().actor(token).await?;
        crate::observe::record_actor(&actor);
        Ok(Authed(actor))
    }
}

/// The citizen behind the request's bearer token (a portal account's session), when the
/// request has one; a token that is not a live citizen session is refused.
pub struct MaybeCitizen(pub Option<Actor>);

impl FromRequestParts<App> for MaybeCitizen {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        match bearer(&parts.headers) {
            None => Ok(MaybeCitizen(None)),
            Some(token) => Ok(MaybeCitizen(Some(
                app.citizens().citizen_actor(token).await?,
            ))),
        }
    }
}

/// The citizen behind the request's bearer token (POST /api/v1/public/sessions).
pub struct CitizenAuthed(pub Actor);

impl FromRequestParts<App> for CitizenAuthed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        match MaybeCitizen::from_request_parts(parts, app).await?.0 {
            Some(actor) => Ok(CitizenAuthed(actor)),
            None => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Cần đăng nhập tài khoản công dân: gửi kèm Authorization: Bearer <token> (POST /api/v1/public/sessions).",
            )),
        }
    }
}

/// An officer or a citizen's account (uploading a file).
pub struct AnyAuthed(pub Actor);

impl FromRequestParts<App> for AnyAuthed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        let token = bearer(&parts.headers).ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Cần đăng nhập: gửi kèm Authorization: Bearer <token>.",
            )
        })?;
        Ok(AnyAuthed(app.accounts().visitor(token).await?))
    }
}

/// Đăng nhập.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    pub username: String,
    pub password: String,
    /// Mã xác thực hai bước: the 6 digits the officer's authenticator app shows, or one of
    /// the officer's recovery codes (`ABCDE-FGHJK`), for an account that has a second factor
    /// (required for the roles in `[session] second_factor_roles`). Each code is taken once.
    #[serde(default)]
    pub totp: Option<String>,
}

/// Phiên đăng nhập.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// Bearer token; shown once.
    pub token: String,
    /// Phiên hết hạn nếu không dùng đến thời điểm này; mỗi lần dùng lùi thời điểm này lại
    /// (`[session] idle_minutes`, mặc định 30 phút), tối đa `[session] hours` (mặc định 10 giờ)
    /// sau khi đăng nhập.
    pub expires_at: String,
    pub officer: OfficerView,
}

/// Đăng nhập, nhận token.
#[utoipa::path(
    post, path = "/api/v1/sessions", tag = "Tài khoản",
    request_body = LoginInput,
    responses((status = 201, body = SessionView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody))
)]
pub async fn login(
    State(app): State<App>,
    Caller(client): Caller,
    ApiJson(input): ApiJson<LoginInput>,
) -> Result<impl IntoResponse, ApiError> {
    let step = app
        .accounts()
        .login(
            &input.username,
            &input.password,
            input.totp.as_deref(),
            &client,
        )
        .await?;
    let session = match step {
        LoginStep::Session(s) => s,
        LoginStep::SecondFactor(t) if t.asked == Asked::Code => {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "second_factor_required",
                "Tài khoản này dùng xác thực hai bước: gửi lại kèm trường totp là mã 6 chữ số đang hiện trên ứng dụng xác thực, hoặc một mã dự phòng chưa dùng.",
            ));
        }
        LoginStep::SecondFactor(_) => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "second_factor_setup_required",
                "Vai trò của tài khoản này bắt buộc xác thực hai bước mà chưa cài đặt: đăng nhập một lần trên trang web (/dang-nhap) để cài ứng dụng xác thực, rồi gửi kèm trường totp.",
            ));
        }
    };
    let view = SessionView {
        token: session.token,
        expires_at: vn(session.expires_at),
        officer: OfficerView::of(&session.officer, &app.agencies()),
    };
    Ok((StatusCode::CREATED, axum::Json(view)))
}

/// Đăng xuất.
#[utoipa::path(
    delete, path = "/api/v1/sessions/current", tag = "Tài khoản",
    responses((status = 204), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn logout(State(app): State<App>, headers: HeaderMap) -> Result<StatusCode, ApiError> {
    let token = bearer(&headers).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Chưa đăng nhập.",
        )
    })?;
    app.accounts().actor(token).await?;
    app.accounts().logout(token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Tài khoản đang đăng nhập.
#[utoipa::path(
    get, path = "/api/v1/me", tag = "Tài khoản",
    responses((status = 200, body = OfficerView), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn me(
    State(app): State<App>,
    Authed(actor): Authed,
) -> Result<axum::Json<OfficerView>, ApiError> {
    match actor {
        Actor::Officer(o) => Ok(axum::Json(OfficerView::of(&o, &app.agencies()))),
        _ => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Chưa đăng nhập.",
        )),
    }
}
