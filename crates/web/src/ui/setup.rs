//! Trang khởi tạo — the first-run page: on a database with no agency, `/khoi-tao` creates the
//! province (as `motcua init` does) and its first administrator. It asks for the setup code the
//! server printed on its console at start, so that only whoever runs the server can use it.

use app::App;
use app::province::{ProvinceRequest, ProvinceSummary, provinces};
use app::units::{UnitDataset, UnitDirectory};
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::session::{Fields, Posted, Viewer};
use super::{Chrome, UiError, UiOptions};

/// A province to choose.
pub struct ProvinceChoice {
    pub code: String,
    pub name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "setup.html")]
struct SetupPage {
    chrome: Chrome,
    f: Fields,
    provinces: Vec<ProvinceChoice>,
    /// Whether the server was started with a setup code (else the page says how to get one).
    has_code: bool,
    /// Chính sách mật khẩu of the first administrator, in words.
    password_rule: String,
    error: String,
    done: Option<ProvinceSummary>,
}

impl SetupPage {
    fn value(&self, field: &str) -> String {
        self.f.get(field)
    }

    fn chosen(&self, code: &str) -> bool {
        self.f.get("province") == code
    }

    fn new(app: &App, viewer: &Viewer, ui: &UiOptions, f: Fields, error: String) -> Self {
        let dir = UnitDirectory::new(&UnitDataset::embedded());
        Self {
            chrome: Chrome::new(viewer, "Khởi tạo hệ thống", ""),
            f,
            provinces: provinces(&dir)
                .into_iter()
                .map(|p| ProvinceChoice {
                    code: p.code,
                    name: p.name,
                })
                .collect(),
            has_code: ui.setup_code.is_some(),
            password_rule: app.settings().officer_passwords.rule(),
            error,
            done: None,
        }
    }
}

/// `GET /khoi-tao`: the form, while no province is set up; afterwards the login page.
pub async fn form(
    State(app): State<App>,
    Extension(ui): Extension<UiOptions>,
    viewer: Viewer,
) -> Response {
    if !app.needs_setup() {
        return Redirect::to("/dang-nhap").into_response();
    }
    let mut f = Fields::default();
    f.0.push(("admin_username".into(), "quantri".into()));
    SetupPage::new(&app, &viewer, &ui, f, String::new()).into_response()
}

/// `POST /khoi-tao`: creates the province; a refusal comes back with the form as it was filled
/// (passwords excepted) and what to fix.
pub async fn create(
    State(app): State<App>,
    Extension(ui): Extension<UiOptions>,
    posted: Posted,
) -> Result<Response, UiError> {
    if !app.needs_setup() {
        return Ok(Redirect::to("/dang-nhap").into_response());
    }
    let f = &posted.fields;
    let kept = Fields(
        f.0.iter()
            .filter(|(k, _)| !k.starts_with("password") && k != "setup_code")
            .cloned()
            .collect(),
    );
    let refuse = |status: StatusCode, error: &str| {
        (
            status,
            SetupPage::new(&app, &posted.viewer, &ui, kept.clone(), error.to_string()),
        )
            .into_response()
    };
    let code_ok = ui
        .setup_code
        .as_deref()
        .is_some_and(|code| app::access::same_secret(code, &f.get("setup_code")));
    if !code_ok {
        return Ok(refuse(
            StatusCode::FORBIDDEN,
            "Mã khởi tạo không đúng. Mã được in trên màn hình dòng lệnh khi máy chủ khởi động. \
             Chưa có gì thay đổi.",
        ));
    }
    if f.get("password") != f.get("password2") {
        return Ok(refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Hai lần nhập mật khẩu không khớp. Chưa có gì thay đổi.",
        ));
    }
    let request = ProvinceRequest {
        province: f.get("province"),
        agency_code: f.get("agency_code"),
        admin_username: f.get("admin_username"),
        admin_name: f.get("admin_name"),
        admin_password: f.get("password"),
        ..Default::default()
    };
    match app
        .admin()
        .create_province(&request, "trang khởi tạo")
        .await
    {
        Ok(done) => {
            let mut page = SetupPage::new(&app, &posted.viewer, &ui, kept.clone(), String::new());
            page.done = Some(done);
            Ok(page.into_response())
        }
        Err(e) => {
            let e = UiError::from(e);
            Ok(refuse(
                e.status,
                &format!("{} Chưa có gì thay đổi.", e.message),
            ))
        }
    }
}
