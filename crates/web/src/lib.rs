//! `web` — the HTTP face of Một Cửa: the Vietnamese web pages (`ui`), the JSON API under
//! `/api/v1`, its OpenAPI description and Swagger UI. Handlers parse, call one `app` service and
//! render; no rule lives here.

pub mod api;
pub mod observe;
pub mod server;
pub mod ui;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use app::App;
use axum::Router;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use utoipa_swagger_ui::SwaggerUi;

use api::error::ApiError;

pub use server::NetOptions;
pub use ui::UiOptions;

/// mimalloc rather than the C library's allocator: under the server's many threads glibc's
/// arenas kept growing (RSS after a load) and its free lists cost the hot paths.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The whole HTTP application.
pub fn router(app: App) -> Router {
    router_with(app, UiOptions::default())
}

/// The whole HTTP application, with options of the web pages.
pub fn router_with(app: App, ui: UiOptions) -> Router {
    let (api, openapi) = api::routes();
    let metrics = std::sync::Arc::new(observe::Metrics::default());
    Router::new()
        .merge(ui::routes())
        .merge(api)
        .merge(
            Router::from(SwaggerUi::new("/api/docs").url("/api/openapi.json", openapi)).layer(
                axum::middleware::map_response(|mut r: axum::response::Response| async move {
                    r.extensions_mut().insert(SwaggerPage);
                    r
                }),
            ),
        )
        .route("/metrics", axum::routing::get(observe::serve_metrics))
        .route("/healthz", axum::routing::get(observe::healthz))
        .route("/readyz", axum::routing::get(observe::readyz))
        .fallback(not_found)
        .layer(RequestBodyLimitLayer::new(12 * 1024 * 1024))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(axum::middleware::from_fn(own_words))
        .layer(axum::middleware::from_fn(plain_address))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            ui::dress_error_page,
        ))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Lỗi hệ thống; thao tác chưa được thực hiện.",
            )
            .into_response()
        }))
        .layer(axum::middleware::from_fn_with_state(
            metrics.clone(),
            observe::observe,
        ))
        .layer(axum::Extension(metrics))
        .layer(axum::Extension(ui))
        .layer(axum::middleware::map_response(security_headers))
        .layer(axum::middleware::from_fn(strict_transport))
        .with_state(app)
}

/// HTTP Strict Transport Security, on answers to requests that came over HTTPS: the server
/// speaks plain HTTP behind a proxy ending TLS, so it believes `X-Forwarded-Proto: https` from
/// a trusted proxy (`[server] trusted_proxies`) only. A browser then never uses plain HTTP for
/// the site for a year.
async fn strict_transport(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let trusted = req.extensions().get::<TrustedProxies>().is_some_and(|t| {
        req.extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .is_some_and(|peer| t.0.contains(&peer.0.ip()))
    });
    let https = trusted
        && req
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
    let mut res = next.run(req).await;
    if https {
        res.headers_mut().insert(
            HeaderName::from_static("strict-transport-security"),
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    res
}

/// Refuses an address whose path or query carries a control character (`%00`, `%1B`, C1),
/// before any handler reads it: such a value is never a code, a name or a search, SQLite would
/// keep it, and PostgreSQL refuses a NUL in text (a 500 that schemathesis found). Tab and line
/// breaks pass, as in JSON bodies. `{code, message}` under `/api`, a page elsewhere.
async fn plain_address(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let uri = req.uri();
    if !escapes_control(uri.path().as_bytes())
        && !uri.query().is_some_and(|q| escapes_control(q.as_bytes()))
    {
        return next.run(req).await;
    }
    let message = "Địa chỉ có ký tự điều khiển (như NUL) không được phép trong đường dẫn hay tham số; hãy xóa ký tự đó rồi thử lại.";
    if uri.path().starts_with("/api/") {
        ApiError::unprocessable("control_character", message).into_response()
    } else {
        ui::UiError::new(StatusCode::UNPROCESSABLE_ENTITY, message).into_response()
    }
}

/// Whether percent-encoded text decodes to a control character other than tab, line feed and
/// carriage return: C0, DEL, or C1 (`%C2%80`–`%C2%9F`). Raw control bytes never reach here
/// (the HTTP parser refuses them).
fn escapes_control(text: &[u8]) -> bool {
    let hex = |i: usize| {
        text.get(i..i + 2)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok())
    };
    let mut i = 0;
    while i < text.len() {
        if text[i] == b'%'
            && let Some(b) = hex(i + 1)
        {
            // A C1 character is two bytes in UTF-8: %C2 then %80–%9F.
            let c1 = b == 0xC2
                && text.get(i + 3) == Some(&b'%')
                && hex(i + 4).is_some_and(|n| api::error::refused_control(u32::from(n)));
            if (b < 0x80 && api::error::refused_control(u32::from(b))) || c1 {
                return true;
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    false
}

/// Answers the framework gives by itself — a body over the limit, a method the address does not
/// take, a request cut off by the time limit — said in the product's words: `{code, message}`
/// under `/api`, a page elsewhere. The headers they carry (`Allow`) are kept.
async fn own_words(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let api = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    let status = res.status();
    let ours = res
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json") || t.starts_with("text/html"));
    if ours || !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let (code, message) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            "body_too_large",
            "Dữ liệu gửi lên quá lớn: mỗi yêu cầu tối đa 12 MB, mỗi tệp đính kèm tối đa 10 MB, dữ liệu JSON tối đa 2 MB.",
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "Địa chỉ này không nhận phương thức HTTP đã dùng (xem tiêu đề Allow).",
        ),
        StatusCode::REQUEST_TIMEOUT => (
            "request_timeout",
            "Yêu cầu xử lý quá 30 giây nên đã bị ngắt; hãy tải lại để xem thao tác đã được thực hiện chưa trước khi gửi lại.",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported_media_type",
            "Kiểu dữ liệu gửi lên không được hỗ trợ ở địa chỉ này.",
        ),
        s if s.is_server_error() => ("internal", "Lỗi hệ thống; thao tác chưa được thực hiện."),
        _ => ("bad_request", "Yêu cầu không hợp lệ."),
    };
    let mut ours = if api {
        ApiError::new(status, code, message).into_response()
    } else {
        ui::UiError::new(status, message).into_response()
    };
    if let Some(allow) = res.headers().get(axum::http::header::ALLOW) {
        ours.headers_mut()
            .insert(axum::http::header::ALLOW, allow.clone());
    }
    ours
}

/// Headers every answer carries: no framing by other sites (clickjacking), no script but our
/// own files, no type sniffing, no referrer leaving the site. Swagger UI (`/api/docs`) runs an
/// inline script of its own, so its pages allow that, and nothing else does.
async fn security_headers(mut res: axum::response::Response) -> axum::response::Response {
    let swagger = res.extensions().get::<SwaggerPage>().is_some();
    let csp = if swagger {
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    } else {
        PAGE_CSP
    };
    let h = res.headers_mut();
    for (name, value) in [
        ("content-security-policy", csp),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
    ] {
        h.entry(HeaderName::from_static(name))
            .or_insert(HeaderValue::from_static(value));
    }
    res
}

/// The pages' content security policy: forms post only to this site.
const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// [`PAGE_CSP`] for a page whose form leads on to `origin` (the payment gateway: the form posts
/// here, and the answer redirects there, which `form-action` governs too).
pub(crate) fn page_csp_with_form_target(origin: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(&PAGE_CSP.replace(
        "form-action 'self'",
        &format!("form-action 'self' {origin}"),
    ))
    .ok()
}

/// Marks the answers of the API documentation pages (see [`security_headers`]).
#[derive(Clone, Copy)]
struct SwaggerPage;

/// Proxies whose `X-Forwarded-For` is believed (set by [`serve_with`]).
#[derive(Clone, Default)]
struct TrustedProxies(std::sync::Arc<Vec<IpAddr>>);

/// The client of a request, for the limits per address: the peer, or the address a trusted
/// proxy forwarded.
pub struct Caller(pub app::Client);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0);
        let trusted = parts
            .extensions
            .get::<TrustedProxies>()
            .cloned()
            .unwrap_or_default();
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        Ok(Caller(app::Client {
            ip: server::client_ip(peer, forwarded, &trusted.0),
        }))
    }
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

/// Serves until `shutdown` resolves, with the default connection limits.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: App,
    ui: UiOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, app, ui, NetOptions::default(), shutdown).await
}

/// Serves until `shutdown` resolves (see [`server`] for the connection limits).
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    app: App,
    ui: UiOptions,
    net: NetOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_boxed(listener, app, ui, net, Box::pin(shutdown)).await
}

/// The future of [`serve_with`]: boxed here, so that its code — the accept loop, every
/// connection's task — is compiled in this crate (an async function's body is compiled where
/// its future is polled, and the `motcua` binary that awaits it is built unoptimised).
fn serve_boxed(
    listener: tokio::net::TcpListener,
    app: App,
    ui: UiOptions,
    net: NetOptions,
    shutdown: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = std::io::Result<()>> + Send>> {
    Box::pin(serving(listener, app, ui, net, shutdown))
}

/// [`serve_with`] without a type parameter.
async fn serving(
    listener: tokio::net::TcpListener,
    app: App,
    ui: UiOptions,
    net: NetOptions,
    shutdown: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>,
) -> std::io::Result<()> {
    let router = router_with(app, ui).layer(axum::Extension(TrustedProxies(std::sync::Arc::new(
        net.trusted_proxies.clone(),
    ))));
    server::serve(listener, router, net, shutdown).await
}

#[cfg(test)]
mod tests {
    use super::escapes_control;

    #[test]
    fn control_characters_are_found_in_percent_encoded_addresses() {
        for bad in [
            "%00", "a=%00", "q=x%1bY", "q=%7F", "q=%7f", "q=%C2%85", "q=%c2%9f",
        ] {
            assert!(escapes_control(bad.as_bytes()), "{bad}");
        }
        for good in [
            "",
            "q=%C4%90%C4%83ng+k%C3%BD",
            "q=a%09b%0Ac%0D",
            "q=%C2%A0",
            "q=%",
            "q=%2",
            "q=%zz00",
            "q=100%25",
        ] {
            assert!(!escapes_control(good.as_bytes()), "{good}");
        }
    }
}
