//! `web` — the HTTP face of Một Cửa: the JSON API under `/api/v1`, its OpenAPI description and
//! Swagger UI, and the error shape shared by both. Handlers parse, call one `app` service and
//! render; no rule lives here.

pub mod api;

use std::time::Duration;

use app::App;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use api::error::ApiError;

/// The whole HTTP application.
pub fn router(app: App) -> Router {
    Router::new()
        .route("/", get(index))
        .merge(api::routes())
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", api::ApiDoc::openapi()))
        .fallback(not_found)
        .layer(RequestBodyLimitLayer::new(2 * 1024 * 1024))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Lỗi hệ thống; thao tác chưa được thực hiện.",
            )
            .into_response()
        }))
        .layer(TraceLayer::new_for_http())
        .with_state(app)
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "Không có địa chỉ này.")
}

/// The root page: what this server is and where its API and documentation are.
async fn index() -> Html<&'static str> {
    Html(include_str!("index.html"))
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: App,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(app))
        .with_graceful_shutdown(shutdown)
        .await
}
