//! Tài khoản cán bộ — an officer's own account page (the second factor: turn it on with an
//! authenticator app, or off when the role does not require it; new recovery codes), and the
//! second step of a login (the code or a recovery code, or the setup a role requires). The
//! recovery codes made with a factor are shown once, on a page of their own.

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

#[derive(Template, WebTemplate)]
#[template(path = "recovery_codes.html")]
struct CodesPage {
    chrome: Chrome,
    /// What was just done.
    message: &'static str,
    /// Whose codes (the officer's name).
    who: String,
    codes: Vec<String>,
    /// Where to go on once they are kept.
    next: String,
}

/// The page showing recovery codes, once: not kept by the browser's cache.
fn codes_page(
    chrome: Chrome,
    message: &'static str,
    who: String,
    codes: Vec<String>,
    next: String,
) -> impl IntoResponse {
    (
        [(
            axum::http::header::CACHE_CONTROL,
            "private, no-store".to_string(),
        )],
        CodesPage {
            chrome,
            message,
            who,
            codes,
            next,
        },
    )
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
        Ok(done) if done.recovery_codes.is_empty() => (
            start_session(done.session.token, &headers),
            Redirect::to(super::officer_home(&done.session.officer)),
        )
            .into_response(),
        // The factor was set up by this login: its recovery codes, once, before going on.
        Ok(done) => (
            start_session(done.session.token, &headers),
            codes_page(
                Chrome::new(&posted.viewer, "Mã dự phòng", "/dang-nhap"),
                "Đã bật xác thực hai bước và đăng nhập.",
                done.session.officer.full_name.to_string(),
                done.recovery_codes,
                super::officer_home(&done.session.officer).to_string(),
            ),
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
    /// Recovery codes left unused.
    recovery_left: u32,
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
        recovery_left: status.recovery_left,
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
        "tat" => "Đã tắt xác thực hai bước.",
        _ => "",
    };
    Ok(
        account_page(&app, &viewer, None, message.into(), String::new())
            .await?
            .into_response(),
    )
}

/// POST /tai-khoan/xac-thuc-hai-buoc/{cai-dat | xac-nhan | ma-du-phong | tat}.
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
        "xac-nhan" | "ma-du-phong" => {
            let (made, message) = if action == "xac-nhan" {
                (
                    accounts.confirm_second_factor(actor, &code, &client).await,
                    "Đã bật xác thực hai bước: từ lần đăng nhập sau, nhập thêm mã trên ứng dụng xác thực.",
                )
            } else {
                (
                    accounts.new_recovery_codes(actor, &code, &client).await,
                    "Đã tạo mã dự phòng mới; các mã trước hết hiệu lực.",
                )
            };
            made.map(|codes| {
                codes_page(
                    Chrome::new(viewer, "Mã dự phòng", "/tai-khoan"),
                    message,
                    viewer
                        .require_officer()
                        .map(|(o, _)| o.full_name.to_string())
                        .unwrap_or_default(),
                    codes,
                    "/tai-khoan".into(),
                )
                .into_response()
            })
        }
        "tat" => accounts
            .turn_off_second_factor(actor, &code, &client)
            .await
            .map(|()| Redirect::to("/tai-khoan?xong=tat").into_response()),
        _ => {
            return Err(UiError::new(
                StatusCode::NOT_FOUND,
                "Không có thao tác này.",
            ));
        }
    };
    match done {
        Ok(page) => Ok(page),
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
