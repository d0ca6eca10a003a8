//! Cổng công dân — the public pages: procedure search (as you type, with or without diacritics),
//! procedure pages, dossier lookup by code; and the login page.

use app::App;
use app::search::ProcedureQuery;
use app::second_factor::LoginStep;
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use domain::dossier::NationalStatus;
use domain::procedure::{Channel, ProcedureLevel, ProcedureVersion};
use serde::Deserialize;

use super::session::{Posted, Viewer, clear_session, start_session};
use super::{Chrome, UiError, UiOptions, day, money};
use crate::Caller;

/// A procedure in a result list.
pub struct ProcedureItem {
    pub code: String,
    pub name: String,
    pub sector: String,
    pub level: &'static str,
    pub limit: String,
    pub online: &'static str,
}

impl ProcedureItem {
    fn of(p: &ProcedureVersion) -> Self {
        Self {
            code: p.code.to_string(),
            name: p.name.clone(),
            sector: p.sector.clone(),
            level: p.level.label(),
            limit: p.limit.to_string(),
            online: p.online.label(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    cap: String,
}

/// Trang chủ: search the catalogue, look a dossier up.
#[derive(Template, WebTemplate)]
#[template(path = "portal.html")]
struct HomePage {
    chrome: Chrome,
    q: String,
    cap: String,
    results: Vec<ProcedureItem>,
    searched: bool,
    /// Why the search text was refused (it is then not shown back).
    error: String,
}

/// The result list alone, for htmx while typing.
#[derive(Template, WebTemplate)]
#[template(path = "procedure_results.html")]
struct ResultsPartial {
    results: Vec<ProcedureItem>,
    searched: bool,
    q: String,
    /// Why the search text was refused (it is then not shown back).
    error: String,
}

async fn find(
    app: &App,
    client: &app::Client,
    params: &SearchParams,
) -> Result<Vec<ProcedureItem>, UiError> {
    if !params.q.trim().is_empty() {
        app.public_read(app::PublicRead::Search, client)?;
    }
    let level = match params.cap.as_str() {
        "xa" => Some(ProcedureLevel::Commune),
        "tinh" => Some(ProcedureLevel::Province),
        _ => None,
    };
    let found = app
        .catalogue()
        .search_procedures(&ProcedureQuery {
            text: params.q.clone(),
            level,
            limit: 50,
            ..Default::default()
        })
        .await?;
    Ok(found.iter().map(ProcedureItem::of).collect())
}

pub async fn home(
    State(app): State<App>,
    viewer: Viewer,
    Caller(client): Caller,
    Query(mut params): Query<SearchParams>,
) -> Result<Response, UiError> {
    if app.needs_setup() {
        return Ok(Redirect::to("/khoi-tao").into_response());
    }
    let error = super::refused_search(&mut params.q);
    let (status, results) = if error.is_empty() {
        (StatusCode::OK, find(&app, &client, &params).await?)
    } else {
        (StatusCode::UNPROCESSABLE_ENTITY, Vec::new())
    };
    let page = HomePage {
        chrome: Chrome::new(&viewer, "Dịch vụ công một cửa", "/"),
        searched: !params.q.trim().is_empty(),
        q: params.q,
        cap: params.cap,
        results,
        error,
    };
    Ok((status, page).into_response())
}

/// `/thu-tuc?q=…`: the whole page, or only the list when htmx asks while the user types.
pub async fn procedures(
    State(app): State<App>,
    viewer: Viewer,
    Caller(client): Caller,
    headers: HeaderMap,
    Query(mut params): Query<SearchParams>,
) -> Result<Response, UiError> {
    if headers.contains_key("hx-request") {
        // A fragment answers 200 even with a refusal, so that htmx puts the reason in place of
        // the list (as the upload fragments do).
        let error = super::refused_search(&mut params.q);
        let results = if error.is_empty() {
            find(&app, &client, &params).await?
        } else {
            Vec::new()
        };
        return Ok(ResultsPartial {
            results,
            searched: !params.q.trim().is_empty(),
            q: params.q,
            error,
        }
        .into_response());
    }
    home(State(app), viewer, Caller(client), Query(params)).await
}

/// A line of the fee table.
pub struct FeeLine {
    pub name: String,
    pub amount: String,
    pub channels: String,
    pub exemption: String,
}

/// A component to bring.
pub struct ComponentLine {
    pub name: String,
    pub form: &'static str,
    pub copies: u8,
    pub required: bool,
    pub by_data: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "procedure.html")]
struct ProcedurePage {
    chrome: Chrome,
    p: ProcedureItem,
    effective_from: String,
    description: String,
    components: Vec<ComponentLine>,
    fees: Vec<FeeLine>,
    channels: Vec<&'static str>,
    result: String,
    legal_basis: Vec<String>,
    /// Mẫu đơn, tờ khai: name, and the download link when the official file is attached.
    forms: Vec<(String, String)>,
    /// Trình tự thực hiện.
    sequence: Vec<String>,
    uncertain: Vec<String>,
    anywhere: bool,
    online: bool,
}

pub async fn procedure(
    State(app): State<App>,
    viewer: Viewer,
    Path(code): Path<String>,
) -> Result<Response, UiError> {
    let v = app.catalogue().procedure(&code).await?;
    let mut channels = vec![Channel::InPerson.label()];
    if v.postal {
        channels.push(Channel::Postal.label());
    }
    if v.online != domain::procedure::OnlineKind::None {
        channels.push(v.online.label());
    }
    let page = ProcedurePage {
        chrome: Chrome::new(&viewer, v.name.clone(), ""),
        p: ProcedureItem::of(&v),
        effective_from: v.effective_from.format("%d/%m/%Y").to_string(),
        description: v.description.clone(),
        components: v
            .components
            .iter()
            .map(|c| ComponentLine {
                name: c.name.clone(),
                form: c.form.label(),
                copies: c.copies,
                required: c.required,
                by_data: c.replaceable_by_data,
            })
            .collect(),
        fees: v
            .fees
            .iter()
            .map(|f| FeeLine {
                name: f.name.clone(),
                amount: money(f.amount),
                channels: f
                    .channels
                    .iter()
                    .map(|c| c.label())
                    .collect::<Vec<_>>()
                    .join(", "),
                exemption: f.exemption.clone().unwrap_or_default(),
            })
            .collect(),
        channels,
        result: v.result.name.clone(),
        legal_basis: v.legal_basis.clone(),
        forms: {
            let files = app.catalogue().form_files(v.code.as_str()).await?;
            v.forms
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let link = if files.iter().any(|f| &f.name == name) {
                        format!("/thu-tuc/{}/mau-don/{}", v.code, i + 1)
                    } else {
                        String::new()
                    };
                    (name.clone(), link)
                })
                .collect()
        },
        sequence: v.sequence_for_applicants(),
        uncertain: v.uncertain.clone(),
        anywhere: v.anywhere,
        online: v.online != domain::procedure::OnlineKind::None,
    };
    Ok(page.into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct LookupParams {
    #[serde(default)]
    ma: String,
}

/// What the public may know of a dossier (TT 01/2018 Art. 16(2)(d)).
pub struct LookupResult {
    pub code: String,
    pub procedure: String,
    pub status: &'static str,
    pub appointment: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "lookup.html")]
struct LookupPage {
    chrome: Chrome,
    ma: String,
    found: Option<LookupResult>,
    error: String,
}

pub async fn lookup(
    State(app): State<App>,
    viewer: Viewer,
    Caller(client): Caller,
    Query(params): Query<LookupParams>,
) -> Result<Response, UiError> {
    let ma = params.ma.trim().to_string();
    let mut page = LookupPage {
        chrome: Chrome::new(&viewer, "Tra cứu hồ sơ", "/tra-cuu"),
        ma: vntext::shorten(&ma),
        found: None,
        error: String::new(),
    };
    if ma.is_empty() {
        return Ok(page.into_response());
    }
    match app.queries().public_lookup(&ma, &client).await {
        Ok(v) => {
            page.found = Some(LookupResult {
                code: v.code,
                procedure: v.procedure_name,
                status: u8::try_from(v.national_status)
                    .ok()
                    .and_then(|c| NationalStatus::try_from(c).ok())
                    .map_or("", |s| s.label()),
                appointment: v.appointment.map(day).unwrap_or_default(),
            });
            Ok(page.into_response())
        }
        Err(e) => {
            let e = UiError::from(e);
            page.error = e.message;
            Ok((e.status, page).into_response())
        }
    }
}

/// A demo account shown on the login page.
pub struct DemoAccount {
    pub username: String,
    pub role: &'static str,
    pub who: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub(super) struct LoginPage {
    chrome: Chrome,
    username: String,
    error: String,
    /// The national identity provider citizens may sign in with (its name), when configured.
    identity: Option<String>,
    /// A registration code can be sent (SMS or e-mail is configured): registering is offered.
    registration: bool,
    demo_password: String,
    demo: Vec<DemoAccount>,
}

pub(super) async fn login_page(
    app: &App,
    viewer: &Viewer,
    ui: &UiOptions,
    username: String,
    error: String,
) -> LoginPage {
    let mut demo: Vec<DemoAccount> = Vec::new();
    if ui.demo_password.is_some() {
        demo = app::demo::demo_logins(&app.queries().agency_list())
            .into_iter()
            .map(|l| DemoAccount {
                username: l.username,
                role: l.role.label(),
                who: format!("{} — {}", l.full_name, l.agency_name),
            })
            .collect();
        // Shown only in the demo: its citizen accounts are invented people.
        if let Ok(citizens) = app::demo::citizen_logins(app, 1).await {
            demo.extend(citizens.into_iter().map(|(id_number, name)| DemoAccount {
                username: id_number,
                role: "Công dân",
                who: name,
            }));
        }
    }
    LoginPage {
        chrome: Chrome::new(viewer, "Đăng nhập", "/dang-nhap"),
        // Shown back in the field, as far as a message may quote what was sent.
        username: vntext::shorten(&username),
        error,
        identity: app.identity_label().map(str::to_string),
        registration: app.settings().notices.sms || app.settings().notices.email,
        demo_password: ui.demo_password.clone().unwrap_or_default(),
        demo,
    }
}

pub async fn login_form(
    State(app): State<App>,
    Extension(ui): Extension<UiOptions>,
    viewer: Viewer,
) -> Response {
    if app.needs_setup() {
        return Redirect::to("/khoi-tao").into_response();
    }
    match &viewer.actor {
        Some(domain::officer::Actor::Officer(o)) => {
            return Redirect::to(super::officer_home(o)).into_response();
        }
        Some(domain::officer::Actor::Citizen { .. }) => {
            return Redirect::to("/ho-so-cua-toi").into_response();
        }
        _ => {}
    }
    login_page(&app, &viewer, &ui, String::new(), String::new())
        .await
        .into_response()
}

pub async fn login(
    State(app): State<App>,
    Extension(ui): Extension<UiOptions>,
    Caller(client): Caller,
    headers: HeaderMap,
    posted: Posted,
) -> Response {
    let username = posted.fields.get("username");
    let password = posted.fields.get("password");
    if username.is_empty() || password.is_empty() {
        let page = login_page(
            &app,
            &posted.viewer,
            &ui,
            username,
            "Nhập tên đăng nhập và mật khẩu.".into(),
        )
        .await;
        return (StatusCode::UNPROCESSABLE_ENTITY, page).into_response();
    }
    // Twelve digits are a citizen's personal id number; anything else an officer's user name.
    let citizen = username.len() == 12 && username.bytes().all(|b| b.is_ascii_digit());
    let logged_in = if citizen {
        app.citizens()
            .login_citizen(&username, &password, &client)
            .await
            .map(|s| (s.token, "/ho-so-cua-toi"))
    } else {
        match app
            .accounts()
            .login(&username, &password, None, &client)
            .await
        {
            Ok(LoginStep::Session(s)) => Ok((s.token, super::officer_home(&s.officer))),
            // The password was right: the code of the second factor (or its setup) next.
            Ok(LoginStep::SecondFactor(ticket)) => {
                return super::account::code_page(&posted.viewer, &ticket, String::new())
                    .into_response();
            }
            Err(e) => Err(e),
        }
    };
    match logged_in {
        Ok((token, home)) => (start_session(token, &headers), Redirect::to(home)).into_response(),
        Err(e) => {
            // The services' own words ("Sai tên đăng nhập hoặc mật khẩu."), shown on the form.
            let status = match e.kind {
                app::ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
                _ => crate::api::error::ApiError::from(e.clone()).status,
            };
            let message = e.message;
            let page = login_page(&app, &posted.viewer, &ui, username, message).await;
            (status, page).into_response()
        }
    }
}

pub async fn logout(State(app): State<App>, headers: HeaderMap, posted: Posted) -> Response {
    let mut to = "/".to_string();
    if let Some(token) = &posted.viewer.token {
        // Signed in with the national identity: signed out of the provider too.
        if let Ok(domain::officer::Actor::Citizen {
            access: domain::officer::CitizenAccess::Identity,
            ..
        }) = app.citizens().citizen_actor(token).await
            && let Some(url) = app.sign_out_url().await
        {
            to = url;
        }
        // The cookie is cleared whatever happens; a session already gone is not an error here.
        let _ = app.accounts().logout(token).await;
    }
    (clear_session(&headers), Redirect::to(&to)).into_response()
}

/// Đăng nhập bằng định danh điện tử: off to the provider (VNeID through the national portal).
pub async fn identity_start(
    State(app): State<App>,
    Extension(ui): Extension<UiOptions>,
    viewer: Viewer,
) -> Response {
    match app.begin_sign_in().await {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(e) => identity_failed(&app, &viewer, &ui, e).await,
    }
}

#[derive(serde::Deserialize)]
pub struct IdentityReturn {
    #[serde(default)]
    code: String,
    #[serde(default)]
    state: String,
    /// What the provider says when the citizen declined or it failed.
    #[serde(default)]
    error: String,
}

/// The provider sends the citizen back here: the code is exchanged and the session opened.
pub async fn identity_return(
    State(app): State<App>,
    Extension(ui): Extension<UiOptions>,
    viewer: Viewer,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<IdentityReturn>,
) -> Response {
    if !q.error.is_empty() {
        let e = app::AppError::new(
            app::ErrorKind::Unauthenticated,
            "sign_in_cancelled",
            "Chưa đăng nhập: dịch vụ định danh không xác nhận (có thể ông/bà đã hủy). Vui lòng thử lại.",
        );
        return identity_failed(&app, &viewer, &ui, e).await;
    }
    match app.finish_sign_in(&q.code, &q.state).await {
        Ok(s) => (
            start_session(s.token, &headers),
            Redirect::to("/ho-so-cua-toi"),
        )
            .into_response(),
        Err(e) => identity_failed(&app, &viewer, &ui, e).await,
    }
}

/// The login page saying why the sign-in did not happen.
async fn identity_failed(app: &App, viewer: &Viewer, ui: &UiOptions, e: app::AppError) -> Response {
    let status = match e.kind {
        app::ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
        _ => crate::api::error::ApiError::from(e.clone()).status,
    };
    let page = login_page(app, viewer, ui, String::new(), e.message).await;
    (status, page).into_response()
}

/// `GET /thu-tuc/{code}/mau-don/{n}`: the official file of a procedure's form, for anyone.
pub async fn form_file(
    State(app): State<App>,
    Path((code, n)): Path<(String, usize)>,
) -> Result<Response, UiError> {
    let (form, stored) = app.catalogue().form_file(&code, n).await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, stored.media_type),
            (
                axum::http::header::CONTENT_DISPOSITION,
                super::officer::disposition("attachment", &form.file_name),
            ),
            (
                axum::http::header::CACHE_CONTROL,
                "public, max-age=3600".to_string(),
            ),
        ],
        stored.content,
    )
        .into_response())
}
