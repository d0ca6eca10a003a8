//! The JSON API, `/api/v1`, described by OpenAPI at `/api/openapi.json` and browsable at
//! `/api/docs` (Swagger UI, served from the binary; no CDN).

pub mod accounts;
pub mod agencies;
pub mod auth;
pub mod catalog;
pub mod data_store;
pub mod dossiers;
pub mod dto;
pub mod error;
pub mod feedback;
pub mod files;
pub mod forms;
pub mod outbox;
pub mod population;
pub mod public;
pub mod reports;
pub mod units;
pub mod views;

use app::App;
use axum::Router;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

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

/// The `/api/v1` routes and their OpenAPI description, from one list: each handler's
/// `#[utoipa::path]` gives both its route and its documentation, so an endpoint cannot be served
/// undocumented or documented unserved. Handlers sharing a path share a `routes!`.
pub fn routes() -> (Router<App>, utoipa::openapi::OpenApi) {
    use dossiers as d;
    let uploads = OpenApiRouter::new()
        .routes(routes!(files::upload))
        .layer(axum::extract::DefaultBodyLimit::max(11 * 1024 * 1024));
    let (router, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        // Tài khoản
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        // Tiếp nhận
        .routes(routes!(d::receive, d::list))
        .routes(routes!(d::refuse))
        .routes(routes!(d::receive_by_post))
        .routes(routes!(d::guidance))
        .routes(routes!(d::accept))
        .merge(d::command_routes())
        // Xử lý hồ sơ
        .routes(routes!(d::assign))
        .routes(routes!(d::answer))
        .routes(routes!(d::complete_leg))
        .routes(routes!(d::open_correction))
        .routes(routes!(d::draft))
        .routes(routes!(d::draft_pdf))
        .routes(routes!(d::receipt_document))
        .routes(routes!(d::reconcile_statement))
        // Trả kết quả
        .routes(routes!(files::result_link))
        // Tra cứu
        .routes(routes!(d::by_code))
        .routes(routes!(d::detail))
        .routes(routes!(d::reads))
        .merge(uploads)
        // Công dân
        .routes(routes!(public::lookup))
        .routes(routes!(public::payment_ipn))
        .routes(routes!(public::register))
        .routes(routes!(public::confirm))
        .routes(routes!(public::login))
        .routes(routes!(public::mine))
        .routes(routes!(public::link))
        .routes(routes!(public::submit))
        .routes(routes!(public::supplement))
        .routes(routes!(public::withdraw))
        // Danh mục
        .routes(routes!(data_store::list))
        .routes(routes!(population::look_up))
        .routes(routes!(feedback::submit))
        .routes(routes!(feedback::act))
        .routes(routes!(feedback::one))
        .routes(routes!(feedback::published))
        .routes(routes!(feedback::public_one))
        .routes(routes!(feedback::rate))
        .routes(routes!(catalog::procedures))
        .routes(routes!(catalog::procedure))
        .routes(routes!(catalog::agencies))
        .routes(routes!(catalog::officers))
        .routes(routes!(catalog::agency_procedures))
        .routes(routes!(units::list))
        .routes(routes!(units::convert))
        .routes(routes!(units::detail))
        // Báo cáo
        .routes(routes!(reports::period))
        .routes(routes!(reports::qd766))
        .routes(routes!(reports::evaluation))
        .routes(routes!(reports::log_book))
        .routes(routes!(reports::fee_book))
        // Quản trị
        .routes(routes!(accounts::import))
        .routes(routes!(accounts::reads))
        .routes(routes!(agencies::create))
        .routes(routes!(agencies::rename))
        .routes(routes!(agencies::merge))
        .routes(routes!(agencies::office_hours))
        .routes(routes!(agencies::codes))
        .routes(routes!(agencies::procedure_places))
        .routes(routes!(outbox::status))
        .routes(routes!(outbox::retry))
        .split_for_parts();
    let mut doc = doc;
    complete_responses(&mut doc);
    forms::constrain_requests(&mut doc);
    forms::spell_out(&mut doc);
    (router, doc)
}

/// The OpenAPI description served at `/api/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().1
}

/// Adds to each operation the refusals that do not come from its handler but from what every
/// request of its shape goes through, so that the document lists every status the server can
/// answer (schemathesis checks it): 401 where a bearer token is read (missing, ended, or not
/// one this operation takes); 404 `invalid_path` (a parameter of the wrong type names no
/// resource) and 422 (a code of the wrong form) where the path has parameters; 422
/// `invalid_query` where the query has; 400 where a header is read (`If-Match`), 409 where an
/// `Idempotency-Key` is (the key reused for another request); 400, 413, 415
/// and 422 where a body is read (unreadable, too large, another media type, a control character
/// or a wrong field); 503 for every write (the storage refusing writes, or the service
/// saturated). A handler's own description of a status is kept.
fn complete_responses(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::{Operation, ParameterIn};
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

    let refusal = |description: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build(),
        )
    };
    let complete = |op: &mut Operation, write: bool| {
        let params: Vec<(ParameterIn, String)> = op
            .parameters
            .iter()
            .flatten()
            .filter_map(|p| match p {
                RefOr::T(p) => Some((p.parameter_in.clone(), p.name.to_ascii_lowercase())),
                RefOr::Ref(_) => None,
            })
            .collect();
        let has = |place: ParameterIn| params.iter().any(|(p, _)| *p == place);
        let idempotent = params.iter().any(|(_, name)| name == "idempotency-key");
        let body = match &op.request_body {
            Some(RefOr::T(b)) => !b.content.is_empty(),
            _ => false,
        };
        let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
        let mut add = |status: &str, description: &str| {
            op.responses
                .responses
                .entry(status.to_string())
                .or_insert_with(|| refusal(description));
        };
        if secured {
            add(
                "401",
                "Chưa đăng nhập, phiên đã hết, hoặc token không dùng được cho thao tác này",
            );
        }
        if has(ParameterIn::Path) {
            add("404", "Không có, hoặc tham số đường dẫn không đúng kiểu");
            add(
                "422",
                "Tham số đường dẫn không đúng dạng (mã cơ quan, mã hồ sơ…)",
            );
        }
        if has(ParameterIn::Query) {
            add("422", "Tham số tìm kiếm không hợp lệ");
        }
        if has(ParameterIn::Header) {
            add(
                "400",
                "Tiêu đề (header) không hợp lệ, như If-Match không phải số phiên bản",
            );
        }
        if idempotent {
            add(
                "409",
                "Idempotency-Key đã dùng cho một yêu cầu khác (khóa dùng lại với nội dung khác)",
            );
        }
        if body {
            add(
                "400",
                "Dữ liệu gửi lên không đọc được (JSON, biểu mẫu nhiều phần)",
            );
            add("413", "Dữ liệu gửi lên quá lớn");
            add("415", "Dữ liệu gửi lên không đúng loại (Content-Type)");
            add("422", "Thiếu hoặc sai trường dữ liệu");
        }
        if write {
            add(
                "503",
                "Tạm không ghi được (bộ nhớ lưu trữ đầy hoặc chỉ đọc, hoặc hệ thống đang quá tải); chưa có gì được ghi",
            );
        }
    };
    each_operation(doc, complete);
}

/// Calls `f` on every operation of the document, with whether it writes (all but GET).
pub(super) fn each_operation(
    doc: &mut utoipa::openapi::OpenApi,
    mut f: impl FnMut(&mut utoipa::openapi::path::Operation, bool),
) {
    for item in doc.paths.paths.values_mut() {
        for (op, write) in [
            (&mut item.get, false),
            (&mut item.post, true),
            (&mut item.put, true),
            (&mut item.patch, true),
            (&mut item.delete, true),
        ] {
            if let Some(op) = op.as_mut() {
                f(op, write);
            }
        }
    }
}
