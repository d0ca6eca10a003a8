//! Cổng công dân qua API — the public lookup by code (no personal data); citizens' accounts and
//! sessions; online submission by a signed-in account; and the applicant's own follow-up
//! (supplement, withdrawal), proved by the account that holds the dossier or by the dossier's
//! code and the access code printed on its receipt — never by the personal id number alone.

use app::App;
use app::citizens::Registration;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use domain::dossier::{Command, Dossier, DossierId};
use domain::officer::Actor;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::{CitizenAuthed, MaybeCitizen};
use super::dto::{self, build};
use super::error::{ApiError, ApiJson, ApiPath, ErrorBody, Idempotent};
use super::views::{PublicLookupView, vn};
use crate::Caller;

/// Tra cứu hồ sơ theo mã: chỉ mã, tên thủ tục, trạng thái và ngày hẹn trả.
#[utoipa::path(
    get, path = "/api/v1/public/lookup/{code}", tag = "Công dân",
    params(("code" = String, Path, format = "dossier-code", description = "Mã hồ sơ in trên Giấy tiếp nhận, hoặc mã tạm của hồ sơ nộp trực tuyến")),
    responses((status = 200, body = PublicLookupView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody))
)]
pub async fn lookup(
    State(app): State<App>,
    Caller(client): Caller,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<PublicLookupView>, ApiError> {
    Ok(Json(PublicLookupView::of(
        &app.queries().public_lookup(&code, &client).await?,
    )))
}

/// The IPN answer the payment gateway expects.
#[derive(Debug, Serialize, ToSchema)]
pub struct IpnAnswer {
    /// "00" taken, "01" unknown transaction, "02" already confirmed, "04" wrong amount, "97"
    /// wrong signature, "99" other.
    #[serde(rename = "RspCode")]
    pub rsp_code: String,
    #[serde(rename = "Message")]
    pub message: String,
}

/// IPN của cổng thanh toán: the gateway's server tells the result of a payment (query
/// parameters signed with HMAC-SHA512). Money is recorded once, only when the signature, the
/// transaction and the amount check out; a repeated notice changes nothing. Always HTTP 200,
/// the outcome in `RspCode`, as gateways expect.
#[utoipa::path(
    get, path = "/api/v1/payments/ipn", tag = "Phí, lệ phí",
    params(("vnp_TxnRef" = Option<String>, Query, description = "Mã giao dịch; cùng các tham số vnp_* khác và vnp_SecureHash (thiếu thì trả RspCode 99)")),
    responses((status = 200, body = IpnAnswer))
)]
pub async fn payment_ipn(
    State(app): State<App>,
    super::error::ApiQuery(params): super::error::ApiQuery<Vec<(String, String)>>,
) -> Json<IpnAnswer> {
    let (code, message) = match app.gateway_callback(&params).await {
        Ok(Ok(app::gateway::Settled::AlreadyPaid(_))) => ("02", "Order already confirmed"),
        Ok(Ok(_)) => ("00", "Confirm Success"),
        Ok(Err(refusal)) => refusal.ipn(),
        Err(e) => {
            tracing::warn!(code = e.code, message = %e.message, "payment notice not taken");
            ("99", "Unknown error")
        }
    };
    Json(IpnAnswer {
        rsp_code: code.into(),
        message: message.into(),
    })
}

/// Đăng ký tài khoản công dân.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountInput {
    #[schema(format = "person-name")]
    pub name: String,
    /// Số định danh cá nhân (12 chữ số).
    #[schema(format = "cccd")]
    pub id_number: String,
    #[serde(default)]
    #[schema(format = "phone-number")]
    pub phone: String,
    #[serde(default)]
    #[schema(format = "email-address")]
    pub email: String,
    pub password: String,
}

/// Tài khoản công dân.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountView {
    pub id_number: String,
    pub name: String,
}

/// Đăng ký chờ xác nhận: mã xác nhận đã gửi đến đâu và hết hạn lúc nào.
#[derive(Debug, Serialize, ToSchema)]
pub struct PendingRegistrationView {
    pub id_number: String,
    /// Số điện thoại hoặc thư điện tử nhận mã, đã che bớt.
    pub sent_to: String,
    pub expires_at: String,
}

/// Đăng ký tài khoản công dân: gửi mã xác nhận một lần đến số điện thoại (SMS) hoặc thư điện tử
/// đã khai; tài khoản được mở khi nhập đúng mã (`/api/v1/public/accounts/confirm`). Tài khoản chỉ
/// thấy hồ sơ mình nộp trực tuyến hoặc đã thêm bằng mã hồ sơ và mã bảo mật.
#[utoipa::path(
    post, path = "/api/v1/public/accounts", tag = "Công dân",
    request_body = AccountInput,
    responses((status = 202, body = PendingRegistrationView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody))
)]
pub async fn register(
    State(app): State<App>,
    Caller(client): Caller,
    ApiJson(input): ApiJson<AccountInput>,
) -> Result<impl IntoResponse, ApiError> {
    let pending = app
        .citizens()
        .register_citizen(
            &Registration {
                name: input.name,
                id_number: input.id_number,
                phone: input.phone,
                email: input.email,
                password: input.password,
            },
            &client,
        )
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(PendingRegistrationView {
            id_number: pending.id_number,
            sent_to: pending.sent_to,
            expires_at: vn(pending.expires_at),
        }),
    ))
}

/// Mã xác nhận đăng ký.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmInput {
    pub id_number: String,
    /// Mã 6 chữ số nhận qua SMS hoặc thư điện tử.
    pub code: String,
}

/// Xác nhận đăng ký: mở tài khoản khi mã đúng (sai quá 5 lần thì đăng ký bị hủy).
#[utoipa::path(
    post, path = "/api/v1/public/accounts/confirm", tag = "Công dân",
    request_body = ConfirmInput,
    responses((status = 201, body = AccountView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 410, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody))
)]
pub async fn confirm(
    State(app): State<App>,
    Caller(client): Caller,
    ApiJson(input): ApiJson<ConfirmInput>,
) -> Result<impl IntoResponse, ApiError> {
    let account = app
        .citizens()
        .confirm_registration(&input.id_number, &input.code, &client)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(AccountView {
            id_number: account.id_number,
            name: account.name,
        }),
    ))
}

/// Đăng nhập tài khoản công dân.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CitizenLoginInput {
    pub id_number: String,
    pub password: String,
}

/// Phiên đăng nhập của công dân.
#[derive(Debug, Serialize, ToSchema)]
pub struct CitizenSessionView {
    /// Bearer token; shown once.
    pub token: String,
    pub expires_at: String,
    pub name: String,
}

/// Đăng nhập tài khoản công dân, nhận token.
#[utoipa::path(
    post, path = "/api/v1/public/sessions", tag = "Công dân",
    request_body = CitizenLoginInput,
    responses((status = 201, body = CitizenSessionView), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody))
)]
pub async fn login(
    State(app): State<App>,
    Caller(client): Caller,
    ApiJson(input): ApiJson<CitizenLoginInput>,
) -> Result<impl IntoResponse, ApiError> {
    let s = app
        .citizens()
        .login_citizen(&input.id_number, &input.password, &client)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CitizenSessionView {
            token: s.token,
            expires_at: vn(s.expires_at),
            name: s.citizen.name,
        }),
    ))
}

/// Hồ sơ của tôi: hồ sơ tài khoản đã nộp hoặc đã thêm, mới nhất trước.
#[utoipa::path(
    get, path = "/api/v1/public/dossiers", tag = "Công dân",
    responses((status = 200, body = Vec<PublicLookupView>), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn mine(
    State(app): State<App>,
    CitizenAuthed(actor): CitizenAuthed,
) -> Result<Json<Vec<PublicLookupView>>, ApiError> {
    let rows = app.citizens().my_dossiers(&actor).await?;
    Ok(Json(rows.iter().map(PublicLookupView::of_row).collect()))
}

/// Thêm hồ sơ vào tài khoản: mã hồ sơ và mã bảo mật in trên Giấy tiếp nhận.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkInput {
    pub code: String,
    /// Mã bảo mật, e.g. `7K3Q-X9PA`.
    pub access_code: String,
}

/// Thêm một hồ sơ đã nộp tại quầy hoặc qua bưu chính vào tài khoản.
#[utoipa::path(
    post, path = "/api/v1/public/dossiers/links", tag = "Công dân",
    request_body = LinkInput,
    responses((status = 200, body = PublicLookupView), (status = 403, body = ErrorBody), (status = 429, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn link(
    State(app): State<App>,
    Caller(client): Caller,
    CitizenAuthed(actor): CitizenAuthed,
    ApiJson(input): ApiJson<LinkInput>,
) -> Result<Json<PublicLookupView>, ApiError> {
    let d = app
        .citizens()
        .link_dossier(&actor, &input.code, &input.access_code, &client)
        .await?;
    Ok(Json(public_of(&d)))
}

/// Hồ sơ vừa nộp trực tuyến.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionView {
    /// Mã tạm: the dossier code is issued when the centre receives it.
    pub code: String,
    pub procedure_name: String,
    pub national_status: i64,
    pub status_label: String,
    /// Mã bảo mật of the dossier.
    pub access_code: String,
}

/// Nộp hồ sơ trực tuyến (tài khoản công dân, cho chính mình): hồ sơ chờ Bộ phận Một cửa kiểm
/// tra (trạng thái 1) với mã tạm; gửi lại với cùng `Idempotency-Key` không tạo hồ sơ thứ hai.
#[utoipa::path(
    post, path = "/api/v1/public/submissions", tag = "Công dân",
    request_body = dto::IntakeInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Khóa của yêu cầu (ví dụ một UUID)")),
    responses((status = 201, body = SubmissionView), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn submit(
    State(app): State<App>,
    Caller(client): Caller,
    CitizenAuthed(actor): CitizenAuthed,
    input: Idempotent<dto::IntakeInput>,
) -> Result<impl IntoResponse, ApiError> {
    let mut req = input.body.parse()?;
    req.idempotency = input.key;
    let d = app.intake().submit_online(&actor, req, &client).await?;
    let view = SubmissionView {
        code: d.code.to_string(),
        procedure_name: d.procedure.name.clone(),
        national_status: i64::from(d.stage.national_status().code()),
        status_label: d.stage.national_status().label().into(),
        access_code: app.citizens().access_code(d.id),
    };
    Ok((
        StatusCode::CREATED,
        [(
            header::LOCATION,
            format!("/api/v1/public/lookup/{}", d.code),
        )],
        Json(view),
    ))
}

/// Nộp bổ sung theo yêu cầu: với tài khoản giữ hồ sơ (Bearer), hoặc với mã bảo mật.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CitizenSupplementInput {
    /// Mã bảo mật in trên Giấy tiếp nhận (không cần khi gửi token của tài khoản giữ hồ sơ).
    #[serde(default)]
    pub access_code: Option<String>,
    pub components: Vec<dto::ComponentInput>,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CitizenWithdrawInput {
    /// Mã bảo mật in trên Giấy tiếp nhận (không cần khi gửi token của tài khoản giữ hồ sơ).
    #[serde(default)]
    pub access_code: Option<String>,
    pub reason: String,
}

/// The applicant acting on the dossier named by `code`: the signed-in account that holds it,
/// or whoever gives its access code.
async fn applicant(
    app: &App,
    account: Option<Actor>,
    code: &str,
    access_code: Option<&str>,
    client: &app::Client,
) -> Result<(Actor, DossierId), ApiError> {
    match (account, access_code) {
        (Some(actor), None) => {
            let id = app.queries().dossier_by_code(&actor, code).await?;
            Ok((actor, id))
        }
        (_, Some(access)) => Ok(app
            .citizens()
            .applicant_by_receipt(code, access, client)
            .await?),
        (None, None) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "access_code_required",
            "Cần mã bảo mật in trên Giấy tiếp nhận (trường access_code), hoặc đăng nhập tài khoản giữ hồ sơ.",
        )),
    }
}

/// Nộp bổ sung hồ sơ trực tuyến theo yêu cầu, không tạo hồ sơ mới.
#[utoipa::path(
    post, path = "/api/v1/public/dossiers/{code}/supplement", tag = "Công dân",
    params(("code" = String, Path, format = "dossier-code")),
    request_body = CitizenSupplementInput,
    responses((status = 200, body = PublicLookupView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 429, body = ErrorBody))
)]
pub async fn supplement(
    State(app): State<App>,
    Caller(client): Caller,
    MaybeCitizen(account): MaybeCitizen,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<CitizenSupplementInput>,
) -> Result<Json<PublicLookupView>, ApiError> {
    let (actor, id) =
        applicant(&app, account, &code, input.access_code.as_deref(), &client).await?;
    let command = build::submit_supplement(dto::SubmitSupplementInput {
        components: input.components,
        note: input.note,
    })?;
    let d = app.handling().act(&actor, id, None, command).await?;
    Ok(Json(public_of(&d)))
}

/// Yêu cầu rút hồ sơ.
#[utoipa::path(
    post, path = "/api/v1/public/dossiers/{code}/withdrawal", tag = "Công dân",
    params(("code" = String, Path, format = "dossier-code")),
    request_body = CitizenWithdrawInput,
    responses((status = 200, body = PublicLookupView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 429, body = ErrorBody))
)]
pub async fn withdraw(
    State(app): State<App>,
    Caller(client): Caller,
    MaybeCitizen(account): MaybeCitizen,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<CitizenWithdrawInput>,
) -> Result<Json<PublicLookupView>, ApiError> {
    let (actor, id) =
        applicant(&app, account, &code, input.access_code.as_deref(), &client).await?;
    let d = app
        .handling()
        .act(
            &actor,
            id,
            None,
            Command::RequestWithdrawal {
                reason: input.reason,
            },
        )
        .await?;
    Ok(Json(public_of(&d)))
}

fn public_of(d: &Dossier) -> PublicLookupView {
    PublicLookupView::of_dossier(d)
}
