//! Giao diện web — server-rendered Vietnamese pages (askama templates, htmx for as-you-type search
//! and partial updates), on the same `app` services as the JSON API. Every form is protected
//! against forgery ([`session`]); every refusal is a page that says what to fix.

pub mod account;
pub mod admin;
pub mod chart;
pub mod citizen;
pub mod counter;
pub mod documents;
pub mod evaluation;
pub mod feedback;
pub mod fees;
pub mod forms;
pub mod leader;
pub mod links;
pub mod logbook;
pub mod officer;
pub mod portal;
pub mod qd766;
pub mod queue;
pub mod reconcile;
pub mod session;
pub mod setup;
pub mod surveys;
pub mod table;
pub mod verify;

use app::{App, AppError};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use domain::officer::{Actor, Officer, Role};

use crate::api::error::ApiError;
use session::Viewer;

/// Options of the web pages set by the command that serves them.
#[derive(Debug, Clone, Default)]
pub struct UiOptions {
    /// The shared password of the demo accounts, shown with them on the login page (only
    /// `motcua demo` sets it).
    pub demo_password: Option<String>,
    /// Mã khởi tạo — the code the first-run page asks for, printed on the server's console when
    /// it starts on an empty database: whoever reaches the page first must also see the console.
    pub setup_code: Option<String>,
    /// The official forms as PDF: templates and the public address printed on them.
    pub documents: documents::Documents,
}

/// The browser routes.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/", get(portal::home))
        .route("/thu-tuc", get(portal::procedures))
        .route("/thu-tuc/{code}", get(portal::procedure))
        .route("/tra-cuu", get(portal::lookup))
        .route("/phan-anh", get(feedback::list))
        .route(
            "/phan-anh/gui",
            get(feedback::new_form).post(feedback::submit),
        )
        .route("/phan-anh/xac-nhan", post(feedback::confirm))
        .route("/phan-anh/{code}", get(feedback::page))
        .route("/phan-anh/{code}/danh-gia", post(feedback::rate))
        .route("/phan-anh/{code}/tep/{sha}", get(feedback::file))
        .route("/phan-anh/{code}/bo-sung", post(feedback::give_information))
        .route("/can-bo/phan-anh", get(feedback::inbox))
        .route("/can-bo/phan-anh/{code}", get(feedback::handle_page))
        .route("/can-bo/phan-anh/{code}/{action}", post(feedback::act))
        .route("/lanh-dao/phan-anh", get(feedback::figures))
        .route(
            "/lanh-dao/khao-sat",
            get(surveys::rounds).post(surveys::create),
        )
        .route("/lanh-dao/khao-sat/{id}", get(surveys::round))
        .route(
            "/khao-sat/{token}",
            get(surveys::by_link).post(surveys::answer_by_link),
        )
        .route(
            "/can-bo/khao-sat/{id}",
            get(surveys::tablet).post(surveys::answer_at_counter),
        )
        .route("/xac-thuc", get(verify::form))
        .route("/xac-thuc/{code}", get(verify::page).post(verify::upload))
        .route("/tai/{token}", get(links::offer).post(links::take))
        .route("/dang-nhap", get(portal::login_form).post(portal::login))
        .route("/dang-nhap/dinh-danh", get(portal::identity_start))
        .route("/dang-nhap/dinh-danh/ve", get(portal::identity_return))
        .route("/dang-nhap/ma-xac-thuc", post(account::second_step))
        .route("/dang-xuat", post(portal::logout))
        .route("/tai-khoan", get(account::page))
        .route("/tai-khoan/xac-thuc-hai-buoc/{action}", post(account::act))
        .route("/khoi-tao", get(setup::form).post(setup::create))
        .route("/can-bo", get(officer::inbox))
        .route("/lanh-dao", get(leader::overview))
        .route("/lanh-dao/bao-cao", get(leader::period_report))
        .route("/can-bo/so-theo-doi", get(logbook::log_book))
        .route("/can-bo/thu-phi", get(fees::fee_book))
        .route(
            "/can-bo/doi-soat",
            get(reconcile::form).post(reconcile::import),
        )
        .route("/can-bo/doi-soat/hoan-tra", post(reconcile::refund))
        .route("/lanh-dao/bieu-do", get(qd766::dashboard))
        .route("/lanh-dao/chi-so-766", get(qd766::index))
        .route("/lanh-dao/chi-so-766/{agency}", get(qd766::unit))
        .route("/lanh-dao/danh-gia", get(evaluation::page))
        .route(
            "/quan-tri",
            get(|| async { Redirect::to("/quan-tri/nguoi-dung") }),
        )
        .route(
            "/quan-tri/nguoi-dung",
            get(admin::users).post(admin::create_user),
        )
        .route(
            "/quan-tri/nguoi-dung/nhap",
            post(admin::import_users).layer(axum::extract::DefaultBodyLimit::max(11 * 1024 * 1024)),
        )
        .route("/quan-tri/nguoi-dung/mau.csv", get(admin::users_template))
        .route(
            "/quan-tri/nguoi-dung/{id}/{action}",
            post(admin::change_user),
        )
        .route("/quan-tri/dang-nhap-sai/mo-khoa", post(admin::unlock_login))
        .route(
            "/quan-tri/co-quan",
            get(admin::agencies).post(admin::create_agency),
        )
        .route(
            "/quan-tri/co-quan/ma-dinh-danh",
            post(admin::import_agency_codes)
                .layer(axum::extract::DefaultBodyLimit::max(11 * 1024 * 1024)),
        )
        .route(
            "/quan-tri/co-quan/{id}/{action}",
            post(admin::change_agency),
        )
        .route(
            "/quan-tri/lich",
            get(admin::calendar).post(admin::add_closure),
        )
        .route("/quan-tri/lich/{id}/huy", post(admin::withdraw_closure))
        .route(
            "/quan-tri/thu-tuc",
            get(admin::catalog)
                .post(admin::import_catalog)
                .layer(axum::extract::DefaultBodyLimit::max(11 * 1024 * 1024)),
        )
        .route(
            "/quan-tri/thu-tuc/{code}/mau-don",
            get(admin::procedure_forms),
        )
        .route(
            "/quan-tri/thu-tuc/{code}/mau-don/{n}",
            post(admin::attach_procedure_form)
                .layer(axum::extract::DefaultBodyLimit::max(11 * 1024 * 1024)),
        )
        .route("/thu-tuc/{code}/mau-don/{n}", get(portal::form_file))
        .route(
            "/quan-tri/thu-tuc/{code}/noi-tiep-nhan",
            get(admin::procedure_places).post(admin::set_procedure_places),
        )
        .route(
            "/quan-tri/hang-doi",
            get(admin::queue_setup).post(admin::save_queue_setup),
        )
        .route("/quan-tri/nhat-ky", get(admin::log))
        .route("/quan-tri/truy-cap", get(admin::reads))
        .route("/quan-tri/thu-gui", get(admin::outbox))
        .route("/quan-tri/thu-gui/{id}/gui-lai", post(admin::retry_message))
        .route(
            "/can-bo/tiep-nhan",
            get(counter::intake_form).post(counter::intake),
        )
        .route("/can-bo/tiep-nhan/kho", get(counter::data_store))
        .route("/can-bo/tiep-nhan/dan-cu", get(counter::population))
        .route(
            "/tep",
            post(counter::upload).layer(axum::extract::DefaultBodyLimit::max(11 * 1024 * 1024)),
        )
        .route(
            "/dang-ky",
            get(citizen::register_form).post(citizen::register),
        )
        .route(
            "/dang-ky/xac-nhan",
            get(citizen::confirm_form).post(citizen::confirm),
        )
        .route("/ho-so-cua-toi", get(citizen::my_dossiers))
        .route("/ho-so-cua-toi/them", post(citizen::link))
        .route("/ho-so-cua-toi/{code}", get(citizen::my_dossier))
        .route("/ho-so-cua-toi/{code}/bo-sung", post(citizen::supplement))
        .route("/ho-so-cua-toi/{code}/thanh-toan", post(citizen::pay))
        .route("/thanh-toan/ket-qua", get(citizen::payment_returned))
        .route("/ho-so-cua-toi/{code}/danh-gia", post(citizen::rate))
        .route(
            "/thu-tuc/{code}/nop",
            get(citizen::submit_form).post(citizen::submit),
        )
        .route("/thu-tuc/{code}/kho", get(citizen::data_store))
        .route("/can-bo/ho-so/{id}/phieu", get(counter::receipt))
        .route("/can-bo/ho-so/{id}/phieu.pdf", get(counter::receipt_pdf))
        .route(
            "/can-bo/huong-dan/{id}/mau-02.pdf",
            get(counter::guidance_pdf),
        )
        .route("/can-bo/ho-so/{id}/giay-to/{form}", get(forms::form))
        .route("/ho-so/{id}/tep/{sha}", get(officer::file))
        .route(
            "/ho-so/{id}/bien-lai/{series}/{number}/{format}",
            get(officer::receipt),
        )
        .route("/ho-so/{id}/duong-dan-tai", post(links::make))
        .route("/can-bo/ho-so/{id}", get(officer::dossier))
        .route(
            "/can-bo/ho-so/{id}/du-thao-ket-qua.pdf",
            get(officer::draft_pdf),
        )
        .route("/can-bo/ho-so/{id}/{action}", post(officer::act))
        .route("/assets/motcua.css", get(css))
        .route("/assets/htmx.min.js", get(htmx))
        .route("/assets/motcua.js", get(js))
        .route("/assets/bang.js", get(board_js))
        .route("/xep-hang/{centre}", get(queue::kiosk).post(queue::take))
        .route("/xep-hang/so/{id}", get(queue::ticket))
        .route("/xep-hang/{centre}/lich-hen", post(queue::arrive))
        .route(
            "/thu-tuc/{code}/dat-lich",
            get(queue::booking).post(queue::book),
        )
        .route("/lich-hen/{code}", get(queue::booking_view))
        .route("/lich-hen/{code}/huy", post(queue::cancel_booking))
        .route("/bang/{centre}", get(queue::board))
        .route("/bang/{centre}/su-kien", get(queue::board_events))
        .route("/can-bo/quay", get(queue::desk).post(queue::desk_act))
        .route("/lanh-dao/hang-doi", get(queue::figures))
        .layer(axum::middleware::from_fn(session::ensure_csrf_cookie))
}

async fn css() -> Response {
    asset(
        "text/css; charset=utf-8",
        include_str!("../../assets/motcua.css"),
    )
}

async fn htmx() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../../assets/vendor/htmx.min.js"),
    )
}

async fn js() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../../assets/motcua.js"),
    )
}

async fn board_js() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../../assets/bang.js"),
    )
}

fn asset(media_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, media_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// A link of the top bar.
pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// What every page shows around its content: title, the logged-in officer, the menu, and the
/// anti-forgery token for its forms.
pub struct Chrome {
    pub title: String,
    /// Whose service this is (the top agency's name).
    pub org: String,
    pub csrf: String,
    pub user: Option<String>,
    /// The page of the logged-in officer's own account (second factor), linked from the name.
    pub account: Option<&'static str>,
    pub nav: Vec<NavLink>,
}

impl Chrome {
    pub fn new(viewer: &Viewer, title: impl Into<String>, here: &str) -> Self {
        let mut nav = vec![
            ("/", "Thủ tục"),
            ("/tra-cuu", "Tra cứu hồ sơ"),
            ("/phan-anh", "Phản ánh, kiến nghị"),
        ];
        let user = match &viewer.actor {
            Some(Actor::Officer(o)) => {
                nav.push(("/can-bo", "Hồ sơ cần xử lý"));
                nav.push(("/can-bo/phan-anh", "Xử lý phản ánh"));
                if has_role(o, Role::CounterOfficer) {
                    nav.push(("/can-bo/quay", "Gọi số"));
                    nav.push(("/can-bo/tiep-nhan", "Tiếp nhận hồ sơ"));
                    nav.push(("/can-bo/so-theo-doi", "Sổ theo dõi"));
                    nav.push(("/can-bo/thu-phi", "Thu phí"));
                    nav.push(("/can-bo/doi-soat", "Đối soát"));
                }
                if [Role::Leader, Role::UnitHead, Role::Auditor]
                    .into_iter()
                    .any(|r| has_role(o, r))
                {
                    nav.push(("/lanh-dao", "Tổng quan"));
                    nav.push(("/lanh-dao/danh-gia", "Đánh giá"));
                }
                if has_role(o, Role::Admin) {
                    nav.push(("/quan-tri", "Quản trị"));
                }
                Some(format!("{} — {}", o.full_name, roles_text(o)))
            }
            Some(Actor::Citizen { name, .. }) => {
                nav.push(("/ho-so-cua-toi", "Hồ sơ của tôi"));
                Some(format!("{name} — Công dân"))
            }
            _ => None,
        };
        Chrome {
            title: title.into(),
            org: viewer.org.clone(),
            csrf: viewer.csrf.clone(),
            account: viewer.officer().map(|_| "/tai-khoan"),
            user,
            nav: nav
                .into_iter()
                .map(|(href, label)| NavLink {
                    href,
                    label,
                    current: href == here,
                })
                .collect(),
        }
    }
}

pub(crate) fn roles_text(o: &Officer) -> String {
    let mut labels: Vec<&str> = o.grants.iter().map(|g| g.role.label()).collect();
    labels.dedup();
    labels.join(", ")
}

/// Where an officer lands after logging in: a leader or an inspector who does not also work
/// dossiers at the counter, in appraisal or at the registry lands on the overview; everyone
/// else on their inbox.
pub fn officer_home(o: &Officer) -> &'static str {
    let oversees = has_role(o, Role::Leader) || has_role(o, Role::Auditor);
    let works = [
        Role::CounterOfficer,
        Role::Specialist,
        Role::Clerk,
        Role::UnitHead,
    ]
    .into_iter()
    .any(|r| has_role(o, r));
    if oversees && !works {
        "/lanh-dao"
    } else {
        "/can-bo"
    }
}

/// Whether the officer holds a role anywhere.
pub fn has_role(o: &Officer, role: Role) -> bool {
    o.grants.iter().any(|g| g.role == role)
}

/// "14:05 23/11/2026", Vietnamese time.
pub fn when(t: DateTime<Utc>) -> String {
    lich::time::to_vn(&t).format("%H:%M %d/%m/%Y").to_string()
}

/// The status of a page shown with its default after a bad filter: 422 when `error` says why.
pub fn status_for(error: &str) -> StatusCode {
    if error.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// "23/11/2026".
pub fn day(t: DateTime<Utc>) -> String {
    lich::time::to_vn(&t).format("%d/%m/%Y").to_string()
}

/// The appointment day, the original one when an apology moved it (else empty), and the
/// apology's reason (else empty).
pub fn appointment_of(d: &domain::dossier::Dossier) -> (String, String, String) {
    (
        d.appointment.map(day).unwrap_or_default(),
        d.original_appointment
            .filter(|o| Some(*o) != d.appointment)
            .map(day)
            .unwrap_or_default(),
        d.apology
            .as_ref()
            .map(|a| a.reason.clone())
            .unwrap_or_default(),
    )
}

/// Kết quả điện tử of a dossier, as its pages show it: where to download it, who signed it
/// and when, and its result code (the key of its public verification page).
pub struct ElectronicLine {
    pub url: String,
    pub signer: String,
    pub signed_at: String,
    pub code: String,
    /// Đã thu hồi: when and why, or empty.
    pub revoked: String,
    /// Where the form that makes a one-time link posts, and how long such a link works.
    pub link_action: String,
    pub link_days: i64,
}

impl ElectronicLine {
    pub fn of(d: &domain::dossier::Dossier) -> Option<ElectronicLine> {
        d.electronic_result.as_ref().map(|e| ElectronicLine {
            url: format!("/ho-so/{}/tep/{}", d.id.0, e.file.sha256),
            // The approver's personal signature, when they signed, then the organisation's.
            signer: match d.decision.as_ref().and_then(|x| x.signed.as_ref()) {
                Some(a) => format!("{} (phê duyệt) và {}", a.signer, e.signer),
                None => e.signer.clone(),
            },
            signed_at: when(e.signed_at),
            code: e.code.clone(),
            revoked: d
                .result_revoked
                .as_ref()
                .map(|r| format!("{}: {}", when(r.at), r.reason))
                .unwrap_or_default(),
            link_action: format!("/ho-so/{}/duong-dan-tai", d.id.0),
            link_days: app::files::LINK_DAYS,
        })
    }
}

/// Chuyển khoản bằng VietQR: the code to scan and what it says, for a dossier owing fees.
pub struct TransferLine {
    /// The QR code as inline SVG (built here from the payload: no user text in it).
    pub svg: String,
    pub bank: String,
    pub account: String,
    pub holder: String,
    pub amount: String,
    pub purpose: String,
    /// The code's text, for a reader that wants it without scanning.
    pub payload: String,
}

impl TransferLine {
    pub fn of(app: &App, d: &domain::dossier::Dossier) -> Option<Self> {
        let t = app.transfer_code(d)?;
        let svg = match giayto::qr_svg(&t.payload) {
            Ok(svg) => svg,
            Err(e) => {
                tracing::warn!(error = %e, "the VietQR code could not be drawn");
                return None;
            }
        };
        Some(Self {
            svg,
            bank: t.account.bank,
            account: t.account.account.number,
            holder: t.account.holder,
            amount: money(t.amount),
            purpose: t.purpose,
            payload: t.payload,
        })
    }
}

/// An amount in đồng as people type it: "5000", "5.000", "5 000" or "5.000 đồng".
pub(crate) fn amount(text: &str) -> Result<i64, ApiError> {
    vntext::money::parse(text).ok_or_else(|| {
        ApiError::unprocessable(
            "invalid_amount",
            "Số tiền phải là một số đồng, ví dụ 5.000.",
        )
    })
}

/// Why a typed search text is refused (too long), emptying it so that no page shows it back;
/// empty when it may be searched.
pub(crate) fn refused_search(q: &mut String) -> String {
    match app::search::check_search_text(q) {
        Ok(()) => String::new(),
        Err(e) => {
            q.clear();
            e.message
        }
    }
}

/// "1.200.000 đồng" — amounts as Vietnamese write them.
pub fn money(amount: i64) -> String {
    if amount == 0 {
        return "Miễn phí".into();
    }
    format!("{} đồng", vntext::money::figures(amount))
}

/// A page that says what went wrong and what to do.
#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    message: String,
}

/// A refusal shown as a page.
#[derive(Debug)]
pub struct UiError {
    pub status: StatusCode,
    pub message: String,
    login: bool,
}

impl UiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            login: false,
        }
    }

    /// Whether this refusal sends the visitor to the login page.
    pub fn is_login(&self) -> bool {
        self.login
    }

    pub fn login_required() -> Self {
        Self {
            status: StatusCode::SEE_OTHER,
            message: String::new(),
            login: true,
        }
    }
}

impl From<ApiError> for UiError {
    fn from(e: ApiError) -> Self {
        if e.status == StatusCode::UNAUTHORIZED {
            return Self::login_required();
        }
        Self::new(e.status, e.body.message)
    }
}

impl From<AppError> for UiError {
    fn from(e: AppError) -> Self {
        ApiError::from(e).into()
    }
}

impl From<domain::DomainError> for UiError {
    fn from(e: domain::DomainError) -> Self {
        ApiError::from(e).into()
    }
}

/// The message of an error page, kept on its response so that [`dress_error_page`] can show
/// the page again with the viewer's header.
#[derive(Clone)]
struct ErrorMessage(String);

const ERROR_TITLE: &str = "Không thực hiện được";

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        if self.login {
            return Redirect::to("/dang-nhap").into_response();
        }
        let page = ErrorPage {
            chrome: Chrome {
                title: ERROR_TITLE.into(),
                org: String::new(),
                csrf: String::new(),
                user: None,
                account: None,
                nav: Vec::new(),
            },
            message: self.message.clone(),
        };
        let mut res = (self.status, page).into_response();
        res.extensions_mut().insert(ErrorMessage(self.message));
        res
    }
}

/// Middleware: an error page shows the header of whoever asked — their name, their menu and
/// the way to sign out — as every other page does. Made where the refusal is, the page does
/// not know the viewer, and a signed-in officer who mistyped an address saw "Đăng nhập" and no
/// menu, as if signed out. Only error pages pay for reading the session again.
pub async fn dress_error_page(State(app): State<App>, req: Request, next: Next) -> Response {
    if req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let mut cookies = HeaderMap::new();
    for v in req.headers().get_all(header::COOKIE) {
        cookies.append(header::COOKIE, v.clone());
    }
    let here = req.uri().path().to_string();
    let res = next.run(req).await;
    let Some(ErrorMessage(message)) = res.extensions().get::<ErrorMessage>().cloned() else {
        return res;
    };
    let viewer = Viewer::read(&app, &cookies, None).await;
    let page = ErrorPage {
        chrome: Chrome::new(&viewer, ERROR_TITLE, &here),
        message,
    };
    let Ok(html) = page.render() else {
        return res;
    };
    let (mut parts, _) = res.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(html))
}

#[cfg(test)]
mod tests {
    use super::{amount, money};

    #[test]
    fn amounts_are_read_as_people_type_them() {
        for typed in ["5000", "5.000", "5 000", "5.000 đồng", " 5,000đ "] {
            assert_eq!(amount(typed).ok(), Some(5_000), "{typed}");
        }
        for bad in ["", "năm nghìn", "5.000 USD", "1234567890123456"] {
            assert!(amount(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn amounts_are_written_the_vietnamese_way() {
        assert_eq!(money(0), "Miễn phí");
        assert_eq!(money(8_000), "8.000 đồng");
        assert_eq!(money(1_200_000), "1.200.000 đồng");
        assert_eq!(money(500), "500 đồng");
    }
}
