//! Tài khoản cán bộ — an officer's own account page (the second factor: turn it on with an
//! authenticator app, or off when the role does not require it), and the second step of a
//! login (the code, or the setup a role requires).

use app::App;
use app::second_factor::{Asked, Enrolment, Ticket};
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use super::session::{Posted, Viewer, start_session};
use super::{Chrome, UiError, UiOptions};
use crate::Caller;

/// The QR code and the typed form of a secret to set up.
pub struct SetUp {
    pub qr: String,
    pub secret: String,
}

impl SetUp {
    fn of(e: &Enrolment) -> Self {
        SetUp {
            // A QR code of an otpauth address always fits; without it the typed key still works.
            qr: giayto::qr_svg(&e.uri).unwrap_or_default(),
            secret: e.secret.clone(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "login_code.html")]
struct CodePage {
    chrome: Chrome,
    ticket: String,
    /// Whom the code is for (the officer's name).
    who: String,
    setup: Option<SetUp>,
    error: String,
}

/// The page asking for the code after a right password.
pub fn code_page(viewer: &Viewer, ticket: &Ticket, error: String) -> impl IntoResponse + use<> {
    CodePage {
        chrome: Chrome::new(viewer, "Xác thực hai bước", "/dang-nhap"),
        ticket: ticket.value.clone(),
        who: ticket.officer.full_name.to_string(),
        setup: match ticket.asked {
            Asked::SetUp => ticket.enrolment.as_ref().map(SetUp::of),
            Asked::Code => None,
        },
        error,
    }
}

/// POST /dang-nhap/ma-xac-thuc: the ticket and the code; the session opens when it is right.
pub async fn second_step(
    State(app): State<App>,
    Extension(ui): Extension<UiOptions>,
    Caller(client): Caller,
    headers: HeaderMap,
    posted: Posted,
) -> Response {
    let ticket = posted.fields.get("ticket");
    let code = posted.fields.get("code");
    match app.accounts().finish_login(&ticket, &code, &client).await {
        Ok(session) => (
            start_session(session.token, &headers),
            Redirect::to(super::officer_home(&session.officer)),
        )
            .into_response(),
        Err(e) => {
            let status = crate::api::error::ApiError::from(e.clone()).status;
            // A ticket still good: the same step again, with what was wrong; otherwise back to
            // the password.
            match app.accounts().ticket(&ticket).await {
                Ok(t) if e.code != "account_locked" => {
                    (status, code_page(&posted.viewer, &t, e.message)).into_response()
                }
                _ => (
                    status,
                    super::portal::login_page(&app, &posted.viewer, &ui, String::new(), e.message)
                        .await,
                )
                    .into_response(),
            }
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    username: String,
    name: String,
    roles: String,
    on: bool,
    required: bool,
    setup: Option<SetUp>,
    message: String,
    error: String,
}

#[derive(serde::Deserialize)]
pub struct Done {
    #[serde(default)]
    xong: String,
}

async fn account_page(
    app: &App,
    viewer: &Viewer,
    setup: Option<SetUp>,
    message: String,
    error: String,
) -> Result<AccountPage, UiError> {
    let (officer, actor) = viewer.require_officer()?;
    let status = app.accounts().second_factor_status(actor).await?;
    Ok(AccountPage {
        chrome: Chrome::new(viewer, "Tài khoản", "/tai-khoan"),
        username: officer.username.clone(),
        name: officer.full_name.to_string(),
        roles: super::roles_text(officer),
        on: status.on,
        required: status.required,
        setup,
        message,
        error,
    })
}

/// GET /tai-khoan.
pub async fn page(
    State(app): State<App>,
    viewer: Viewer,
    Query(done): Query<Done>,
) -> Result<Response, UiError> {
    let message = match done.xong.as_str() {
        "bat" => {
            "Đã bật xác thực hai bước: từ lần đăng nhập sau, nhập thêm mã trên ứng dụng xác thực."
        }
        "tat" => "Đã tắt xác thực hai bước.",
        _ => "",
    };
    Ok(
        account_page(&app, &viewer, None, message.into(), String::new())
            .await?
            .into_response(),
    )
}

/// POST /tai-khoan/xac-thuc-hai-buoc/{cai-dat | xac-nhan | tat}.
pub async fn act(
    State(app): State<App>,
    Path(action): Path<String>,
    Caller(client): Caller,
    posted: Posted,
) -> Result<Response, UiError> {
    let viewer = &posted.viewer;
    let (_, actor) = viewer.require_officer()?;
    let code = posted.fields.get("code");
    let accounts = app.accounts();
    let done = match action.as_str() {
        "cai-dat" => {
            let e = accounts.set_up_second_factor(actor).await?;
            let page = account_page(
                &app,
                viewer,
                Some(SetUp::of(&e)),
                String::new(),
                String::new(),
            );
            return Ok(page.await?.into_response());
        }
        "xac-nhan" => accounts
            .confirm_second_factor(actor, &code, &client)
            .await
            .map(|()| "bat"),
        "tat" => accounts
            .turn_off_second_factor(actor, &code, &client)
            .await
            .map(|()| "tat"),
        _ => {
            return Err(UiError::new(
                StatusCode::NOT_FOUND,
                "Không có thao tác này.",
            ));
        }
    };
    match done {
        Ok(what) => Ok(Redirect::to(&format!("/tai-khoan?xong={what}")).into_response()),
        Err(e) => {
            let status = crate::api::error::ApiError::from(e.clone()).status;
            // A wrong first code: the same QR code again (the secret waits until confirmed).
            let setup = if action == "xac-nhan" {
                accounts
                    .set_up_second_factor(actor)
                    .await
                    .ok()
                    .map(|e| SetUp::of(&e))
            } else {
                None
            };
            let page = account_page(&app, viewer, setup, String::new(), e.message).await?;
            Ok((status, page).into_response())
        }
    }
}
