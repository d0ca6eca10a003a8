//! `web` — the HTTP face of Một Cửa: the Vietnamese web pages (`ui`), the JSON API under
//! `/api/v1`, its OpenAPI description and Swagger UI. Handlers parse, call one `app` service and
//! render; no rule lives here.

pub mod api;
pub mod ui;

use std::time::Duration;

use app::App;
use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use api::error::ApiError;

pub use ui::UiOptions;

/// The whole HTTP application.
pub fn router(app: App) -> Router {
    router_with(app, UiOptions::default())
}

/// The whole HTTP application, with options of the web pages.
pub fn router_with(app: App, ui: UiOptions) -> Router {
    Router::new()
        .merge(ui::routes())
        .merge(api::routes())
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", api::ApiDoc::openapi()))
        .fallback(not_found)
        .layer(RequestBodyLimitLayer::new(12 * 1024 * 1024))
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
        .layer(axum::Extension(ui))
        .with_state(app)
}

/// An unknown address: `{code, message}` under `/api`, a page elsewhere.
async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    let message = "Không có địa chỉ này.";
    if uri.path().starts_with("/api/") {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message).into_response()
    } else {
        ui::UiError::new(StatusCode::NOT_FOUND, message).into_response()
    }
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: App,
    ui: UiOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router_with(app, ui))
        .with_graceful_shutdown(shutdown)
        .await
}
