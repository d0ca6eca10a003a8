//! The JSON API, `/api/v1`, described by OpenAPI at `/api/openapi.json` and browsable at
//! `/api/docs` (Swagger UI, served from the binary; no CDN).

pub mod auth;
pub mod catalog;
pub mod dossiers;
pub mod dto;
pub mod error;
pub mod files;
pub mod outbox;
pub mod public;
pub mod reports;
pub mod units;
pub mod views;

use app::App;
use axum::Router;
use axum::routing::{delete, get, post};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The OpenAPI description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Một Cửa API",
        description = "API của hệ thống một cửa điện tử: tiếp nhận, xử lý, trả kết quả hồ sơ thủ tục hành chính. Lỗi luôn có dạng {code, message}.",
        license(name = "MIT OR Apache-2.0")
    ),
    paths(
        auth::login, auth::logout, auth::me,
        dossiers::receive, dossiers::refuse, dossiers::receive_by_post, dossiers::open_correction, dossiers::guidance,
        dossiers::accept, dossiers::refuse_online, dossiers::intake_supplement,
        dossiers::transfer, dossiers::assign, dossiers::note, dossiers::verification, dossiers::consultation,
        dossiers::answer, dossiers::interconnection, dossiers::complete_leg, dossiers::supplement,
        dossiers::submit_supplement, dossiers::financial, dossiers::wait, dossiers::resume, dossiers::extend,
        dossiers::forward, dossiers::decide, dossiers::issue, dossiers::apology, dossiers::withdraw,
        dossiers::stop, dossiers::early_return, dossiers::return_result,
        dossiers::list, dossiers::detail, dossiers::by_code,
        files::upload,
        public::lookup, public::register, public::login, public::mine, public::link,
        public::submit, public::supplement, public::withdraw,
        catalog::procedures, catalog::procedure, catalog::agencies, catalog::agency_procedures, catalog::officers,
        units::list, units::detail, units::convert,
        reports::period,
        reports::qd766,
        reports::evaluation,
        reports::log_book,
        outbox::status, outbox::retry,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "Tài khoản", description = "Đăng nhập, đăng xuất"),
        (name = "Tiếp nhận", description = "Tiếp nhận tại quầy, qua bưu chính, trực tuyến; hướng dẫn"),
        (name = "Xử lý hồ sơ", description = "Chuyển, phân công, thẩm định, bổ sung, liên thông, phê duyệt"),
        (name = "Trả kết quả", description = "Thông báo trả sớm, trả kết quả"),
        (name = "Tra cứu", description = "Danh sách, chi tiết, phiếu kiểm soát"),
        (name = "Công dân", description = "Tra cứu công khai, nộp trực tuyến, bổ sung, rút hồ sơ"),
        (name = "Danh mục", description = "Thủ tục, cơ quan, cán bộ, đơn vị hành chính"),
        (name = "Báo cáo", description = "Báo cáo tình hình giải quyết TTHC, đánh giá theo Thông tư 01/2018"),
        (name = "Quản trị", description = "Hộp thư đi: thư gửi lỗi, gửi lại"),
    )
)]
pub struct ApiDoc;

/// The `/api/v1` routes.
pub fn routes() -> Router<App> {
    use dossiers as d;
    Router::new()
        .route("/api/v1/sessions", post(auth::login))
        .route("/api/v1/sessions/current", delete(auth::logout))
        .route("/api/v1/me", get(auth::me))
        .route("/api/v1/dossiers", post(d::receive).get(d::list))
        .route("/api/v1/dossiers/refusals", post(d::refuse))
        .route("/api/v1/dossiers/postal", post(d::receive_by_post))
        .route("/api/v1/dossiers/by-code/{code}", get(d::by_code))
        .route("/api/v1/dossiers/{id}", get(d::detail))
        .route(
            "/api/v1/dossiers/{id}/corrections",
            post(d::open_correction),
        )
        .route("/api/v1/dossiers/{id}/accept", post(d::accept))
        .route("/api/v1/dossiers/{id}/refuse", post(d::refuse_online))
        .route(
            "/api/v1/dossiers/{id}/intake-supplement",
            post(d::intake_supplement),
        )
        .route("/api/v1/dossiers/{id}/transfer", post(d::transfer))
        .route("/api/v1/dossiers/{id}/assign", post(d::assign))
        .route("/api/v1/dossiers/{id}/notes", post(d::note))
        .route("/api/v1/dossiers/{id}/verifications", post(d::verification))
        .route("/api/v1/dossiers/{id}/consultations", post(d::consultation))
        .route(
            "/api/v1/dossiers/{id}/consultations/{n}/answer",
            post(d::answer),
        )
        .route(
            "/api/v1/dossiers/{id}/interconnection",
            post(d::interconnection),
        )
        .route(
            "/api/v1/dossiers/{id}/interconnection/{n}/complete",
            post(d::complete_leg),
        )
        .route(
            "/api/v1/dossiers/{id}/supplement-requests",
            post(d::supplement),
        )
        .route(
            "/api/v1/dossiers/{id}/supplements",
            post(d::submit_supplement),
        )
        .route(
            "/api/v1/dossiers/{id}/financial-obligation",
            post(d::financial),
        )
        .route("/api/v1/dossiers/{id}/wait", post(d::wait))
        .route("/api/v1/dossiers/{id}/resume", post(d::resume))
        .route("/api/v1/dossiers/{id}/extensions", post(d::extend))
        .route("/api/v1/dossiers/{id}/forward", post(d::forward))
        .route("/api/v1/dossiers/{id}/decision", post(d::decide))
        .route("/api/v1/dossiers/{id}/issue", post(d::issue))
        .route("/api/v1/dossiers/{id}/apology", post(d::apology))
        .route("/api/v1/dossiers/{id}/withdrawal", post(d::withdraw))
        .route("/api/v1/dossiers/{id}/stop", post(d::stop))
        .route(
            "/api/v1/dossiers/{id}/early-return-notice",
            post(d::early_return),
        )
        .route("/api/v1/dossiers/{id}/return", post(d::return_result))
        .route("/api/v1/guidance", post(d::guidance))
        .route(
            "/api/v1/files",
            post(files::upload).layer(axum::extract::DefaultBodyLimit::max(11 * 1024 * 1024)),
        )
        .route("/api/v1/public/lookup/{code}", get(public::lookup))
        .route("/api/v1/public/accounts", post(public::register))
        .route("/api/v1/public/sessions", post(public::login))
        .route("/api/v1/public/dossiers", get(public::mine))
        .route("/api/v1/public/dossiers/links", post(public::link))
        .route("/api/v1/public/submissions", post(public::submit))
        .route(
            "/api/v1/public/dossiers/{code}/supplement",
            post(public::supplement),
        )
        .route(
            "/api/v1/public/dossiers/{code}/withdrawal",
            post(public::withdraw),
        )
        .route("/api/v1/procedures", get(catalog::procedures))
        .route("/api/v1/procedures/{code}", get(catalog::procedure))
        .route("/api/v1/agencies", get(catalog::agencies))
        .route("/api/v1/agencies/{id}/officers", get(catalog::officers))
        .route(
            "/api/v1/agencies/{id}/procedures",
            get(catalog::agency_procedures),
        )
        .route("/api/v1/reports/period", get(reports::period))
        .route("/api/v1/reports/qd766", get(reports::qd766))
        .route("/api/v1/reports/evaluation", get(reports::evaluation))
        .route("/api/v1/reports/log-book", get(reports::log_book))
        .route("/api/v1/admin/outbox", get(outbox::status))
        .route("/api/v1/admin/outbox/{id}/retry", post(outbox::retry))
        .route("/api/v1/units", get(units::list))
        .route("/api/v1/units/convert", get(units::convert))
        .route("/api/v1/units/{regime}/{code}", get(units::detail))
}
