//! Hồ sơ qua API — intake at the counter and by post, guidance, every handling command, lists and
//! the full dossier with its events and control slip.

use app::App;
use app::queries::{Cursor, DossierQuery, Order};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use domain::dossier::{Command, DossierId, ReceiptKey};
use domain::officer::{Actor, OfficerId};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::Authed;
use super::dto::{self, build};
use super::error::{ApiError, ApiJson, ApiPath, ApiQuery, ErrorBody, Idempotent};
use super::views::*;

/// Reads `If-Match: "7"` (or `7`) as the version the client last saw.
pub(super) fn if_match(headers: &HeaderMap) -> Result<Option<u64>, ApiError> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    v.to_str()
        .ok()
        .map(|s| s.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|s| s.parse().ok())
        .map(Some)
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_if_match",
                "If-Match phải là số phiên bản của hồ sơ.",
            )
        })
}

async fn run(
    app: &App,
    actor: &Actor,
    id: uuid::Uuid,
    headers: &HeaderMap,
    command: Command,
) -> Result<Json<DossierView>, ApiError> {
    let d = app
        .handling()
        .act(actor, DossierId(id), if_match(headers)?, command)
        .await?;
    view(app, actor, &d).await
}

/// The dossier after a change, with what the caller may do next.
async fn view(
    app: &App,
    actor: &Actor,
    d: &domain::dossier::Dossier,
) -> Result<Json<DossierView>, ApiError> {
    let allowed = app.handling().allowed_actions(actor, d).await?;
    Ok(Json(DossierView::of(d, &allowed)))
}

async fn created(
    app: &App,
    actor: &Actor,
    d: &domain::dossier::Dossier,
) -> Result<impl IntoResponse + use<>, ApiError> {
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/api/v1/dossiers/{}", d.id))],
        view(app, actor, d).await?,
    ))
}

/// Tiếp nhận hồ sơ tại quầy (hồ sơ đầy đủ): cấp mã hồ sơ và ngày hẹn trả.
#[utoipa::path(
    post, path = "/api/v1/dossiers", tag = "Tiếp nhận",
    params(("Idempotency-Key" = Option<String>, Header, description = "Khóa của yêu cầu: gửi lại cùng khóa trả về hồ sơ đã tạo, không tạo hồ sơ thứ hai")),
    request_body = dto::IntakeInput,
    responses((status = 201, body = DossierView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn receive(
    State(app): State<App>,
    Authed(actor): Authed,
    input: Idempotent<dto::IntakeInput>,
) -> Result<impl IntoResponse, ApiError> {
    let d = app
        .intake()
        .receive_at_counter(&actor, keyed(&input.body, input.key)?)
        .await?;
    created(&app, &actor, &d).await
}

/// The intake of a body, with the request's idempotency key.
fn keyed(
    input: &dto::IntakeInput,
    key: Option<app::intake::Idempotency>,
) -> Result<app::intake::IntakeRequest, ApiError> {
    let mut req = input.parse()?;
    req.idempotency = key;
    Ok(req)
}

/// Từ chối tiếp nhận tại quầy (Phiếu từ chối tiếp nhận).
#[utoipa::path(
    post, path = "/api/v1/dossiers/refusals", tag = "Tiếp nhận",
    params(("Idempotency-Key" = Option<String>, Header, description = "Khóa của yêu cầu: gửi lại cùng khóa trả về hồ sơ đã tạo, không tạo hồ sơ thứ hai")),
    request_body = dto::RefusalInput,
    responses((status = 201, body = DossierView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn refuse(
    State(app): State<App>,
    Authed(actor): Authed,
    input: Idempotent<dto::RefusalInput>,
) -> Result<impl IntoResponse, ApiError> {
    let req = keyed(&input.body.intake, input.key)?;
    let input = input.body;
    let d = app
        .intake()
        .refuse_at_counter(&actor, req, input.reason, input.legal_basis)
        .await?;
    created(&app, &actor, &d).await
}

/// Tiếp nhận hồ sơ qua bưu chính công ích (thời điểm nộp = ký biên bản giao nhận).
#[utoipa::path(
    post, path = "/api/v1/dossiers/postal", tag = "Tiếp nhận",
    params(("Idempotency-Key" = Option<String>, Header, description = "Khóa của yêu cầu: gửi lại cùng khóa trả về hồ sơ đã tạo, không tạo hồ sơ thứ hai")),
    request_body = dto::PostalInput,
    responses((status = 201, body = DossierView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn receive_by_post(
    State(app): State<App>,
    Authed(actor): Authed,
    input: Idempotent<dto::PostalInput>,
) -> Result<impl IntoResponse, ApiError> {
    let postal = input.body.postal()?;
    let req = keyed(&input.body.intake, input.key)?;
    let d = app.intake().receive_by_post(&actor, req, postal).await?;
    created(&app, &actor, &d).await
}

/// Mở hồ sơ đính chính, cấp lại kết quả của một hồ sơ đã giải quyết.
#[utoipa::path(
    post, path = "/api/v1/dossiers/{id}/corrections", tag = "Tiếp nhận",
    params(("id" = uuid::Uuid, Path, description = "Hồ sơ gốc"), ("Idempotency-Key" = Option<String>, Header, description = "Khóa của yêu cầu: gửi lại cùng khóa trả về hồ sơ đã tạo, không tạo hồ sơ thứ hai")),
    request_body = dto::CorrectionInput,
    responses((status = 201, body = DossierView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn open_correction(
    State(app): State<App>,
    Authed(actor): Authed,
    ApiPath(id): ApiPath<uuid::Uuid>,
    input: Idempotent<dto::CorrectionInput>,
) -> Result<impl IntoResponse, ApiError> {
    let req = keyed(&input.body.intake, input.key)?;
    let d = app
        .intake()
        .open_correction(&actor, DossierId(id), req, input.body.reason)
        .await?;
    created(&app, &actor, &d).await
}

/// Ghi nhận hướng dẫn (kể cả Phiếu yêu cầu bổ sung khi hồ sơ chưa được tiếp nhận).
#[utoipa::path(
    post, path = "/api/v1/guidance", tag = "Tiếp nhận",
    request_body = dto::GuidanceInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Khóa của yêu cầu: gửi lại cùng khóa trả về bản ghi đã tạo")),
    responses((status = 201, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn guidance(
    State(app): State<App>,
    Authed(actor): Authed,
    input: Idempotent<dto::GuidanceInput>,
) -> Result<impl IntoResponse, ApiError> {
    let mut req = input.body.parse()?;
    req.idempotency = input.key;
    let record = app.intake().log_guidance(&actor, req).await?;
    Ok((StatusCode::CREATED, Json(record)))
}

/// Kiểm tra hồ sơ trực tuyến: tiếp nhận (bắt đầu tính thời gian).
#[utoipa::path(
    post, path = "/api/v1/dossiers/{id}/accept", tag = "Tiếp nhận",
    params(("id" = uuid::Uuid, Path), ("If-Match" = Option<String>, Header, description = "Phiên bản đã đọc")),
    responses((status = 200, body = DossierView), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn accept(
    State(app): State<App>,
    Authed(actor): Authed,
    ApiPath(id): ApiPath<uuid::Uuid>,
    headers: HeaderMap,
) -> Result<Json<DossierView>, ApiError> {
    run(&app, &actor, id, &headers, Command::AcceptOnline).await
}

/// Phân công (hoặc phân công lại, kèm lý do) cán bộ xử lý bước hiện tại.
#[utoipa::path(
    post, path = "/api/v1/dossiers/{id}/assign", tag = "Xử lý hồ sơ",
    params(("id" = uuid::Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = dto::AssignInput,
    responses((status = 200, body = DossierView), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn assign(
    State(app): State<App>,
    Authed(actor): Authed,
    ApiPath(id): ApiPath<uuid::Uuid>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<dto::AssignInput>,
) -> Result<Json<DossierView>, ApiError> {
    let d = app
        .handling()
        .assign(
            &actor,
            DossierId(id),
            if_match(&headers)?,
            OfficerId(input.officer_id),
            input.reason,
        )
        .await?;
    view(&app, &actor, &d).await
}

/// The command endpoints of [`command!`], declared once each, and the router serving them.
macro_rules! commands {
    ($($name:ident, $path:literal, $tag:literal, $summary:literal, $body:ty, |$i:ident| $make:expr;)*) => {
        $(command!($name, $path, $tag, $summary, $body, |$i| $make);)*

        /// The routes of the command endpoints, each with its OpenAPI description.
        pub fn command_routes() -> OpenApiRouter<App> {
            OpenApiRouter::new()$(.routes(routes!($name)))*
        }
    };
}

/// One POST endpoint per command: parse the body, build the command, run it.
macro_rules! command {
    ($name:ident, $path:literal, $tag:literal, $summary:literal, $body:ty, |$i:ident| $make:expr) => {
        #[doc = $summary]
        #[utoipa::path(
            post, path = $path, tag = $tag,
            params(("id" = uuid::Uuid, Path), ("If-Match" = Option<String>, Header, description = "Phiên bản đã đọc")),
            request_body = $body,
            responses(
                (status = 200, body = DossierView),
                (status = 409, description = "Trái quy định hoặc xung đột phiên bản", body = ErrorBody),
                (status = 422, body = ErrorBody),
                (status = 403, body = ErrorBody),
                (status = 404, body = ErrorBody),
            ),
            security(("bearer" = []))
        )]
        pub async fn $name(
            State(app): State<App>,
            Authed(actor): Authed,
            ApiPath(id): ApiPath<uuid::Uuid>,
            headers: HeaderMap,
            ApiJson($i): ApiJson<$body>,
        ) -> Result<Json<DossierView>, ApiError> {
            let command: Command = $make;
            run(&app, &actor, id, &headers, command).await
        }
    };
}

// Every command endpoint of the dossier lifecycle: one entry each, which makes its handler, its
// OpenAPI description and its route (`command_routes`).
commands! {
    refuse_online,
        "/api/v1/dossiers/{id}/refuse",
        "Tiếp nhận",
        "Từ chối tiếp nhận hồ sơ trực tuyến.",
        dto::ReasonInput,
        |i| Command::RefuseOnline {
            reason: i.reason,
            legal_basis: i.legal_basis
        };
    intake_supplement,
        "/api/v1/dossiers/{id}/intake-supplement",
        "Tiếp nhận",
        "Hướng dẫn bổ sung hồ sơ trực tuyến (một lần, đầy đủ); hồ sơ chưa được tiếp nhận.",
        dto::SupplementInput,
        |i| build::intake_supplement(i);
    transfer,
        "/api/v1/dossiers/{id}/transfer",
        "Xử lý hồ sơ",
        "Chuyển hồ sơ đến đơn vị chuyên môn.",
        dto::TransferInput,
        |i| build::transfer(i)?;
    recall_transfer,
        "/api/v1/dossiers/{id}/recall",
        "Tiếp nhận",
        "Thu hồi hồ sơ chuyển nhầm đơn vị (khi đơn vị nhận chưa phân công, chưa xử lý), để chuyển lại.",
        dto::RecallInput,
        |i| Command::RecallTransfer { reason: i.reason };
    record_payment,
        "/api/v1/dossiers/{id}/payments",
        "Phí, lệ phí",
        "Ghi khoản tiền đã thu (tiền mặt tại quầy, chuyển khoản, qua bưu chính); nộp một phần được, không quá số còn phải nộp.",
        dto::PaymentInput,
        |i| build::payment(i)?;
    add_fee,
        "/api/v1/dossiers/{id}/fees",
        "Phí, lệ phí",
        "Thêm nghĩa vụ tài chính do cơ quan khác thông báo (ví dụ thông báo nộp thuế, lệ phí trước bạ).",
        dto::FeeInput,
        |i| Command::AddFee {
            name: i.name,
            amount: i.amount,
            legal_basis: i.legal_basis
        };
    waive_fee,
        "/api/v1/dossiers/{id}/fee-waivers",
        "Phí, lệ phí",
        "Miễn, giảm phí, lệ phí còn phải nộp, có lý do (lãnh đạo).",
        dto::AmountReasonInput,
        |i| Command::WaiveFee {
            amount: i.amount,
            reason: i.reason
        };
    refund_fee,
        "/api/v1/dossiers/{id}/refunds",
        "Phí, lệ phí",
        "Hoàn trả phí, lệ phí đã nộp khi hồ sơ bị từ chối, được rút hoặc dừng giải quyết.",
        dto::AmountReasonInput,
        |i| Command::RefundFee {
            amount: i.amount,
            reason: i.reason
        };
    replace_receipt,
        "/api/v1/dossiers/{id}/receipt-replacements",
        "Phí, lệ phí",
        "Thay thế biên lai điện tử ghi sai: hủy biên lai cũ và lập biên lai mới (số mới) cho cùng khoản tiền, có lý do.",
        dto::ReceiptReplaceInput,
        |i| Command::ReplaceReceipt {
            receipt: ReceiptKey {
                series: i.series,
                number: i.number
            },
            payer: i.payer,
            reason: i.reason
        };
    cancel_receipt,
        "/api/v1/dossiers/{id}/receipt-cancellations",
        "Phí, lệ phí",
        "Hủy biên lai điện tử lập nhầm, có lý do (lãnh đạo).",
        dto::ReceiptCancelInput,
        |i| Command::CancelReceipt {
            receipt: ReceiptKey {
                series: i.series,
                number: i.number
            },
            reason: i.reason
        };
    note,
        "/api/v1/dossiers/{id}/notes",
        "Xử lý hồ sơ",
        "Ghi ý kiến thẩm định.",
        dto::NoteInput,
        |i| Command::AddNote { text: i.text };
    draft_result,
        "/api/v1/dossiers/{id}/result-draft",
        "Xử lý hồ sơ",
        "Soạn (hoặc sửa) dự thảo kết quả: nhập các trường của mẫu kết quả; mỗi lần lưu là một phiên bản dự thảo. Hồ sơ chỉ trình phê duyệt được khi đã nhập đủ các trường bắt buộc.",
        dto::DraftInput,
        |i| Command::DraftResult { fields: i.fields };
    verification,
        "/api/v1/dossiers/{id}/verifications",
        "Xử lý hồ sơ",
        "Ghi kết quả xác minh, thẩm tra (thời gian, địa điểm, thành phần, nội dung).",
        dto::VerificationInput,
        |i| build::verification(i)?;
    consultation,
        "/api/v1/dossiers/{id}/consultations",
        "Xử lý hồ sơ",
        "Lấy ý kiến đơn vị khác, có thời hạn trả lời.",
        dto::ConsultationInput,
        |i| build::consultation(i)?;
    interconnection,
        "/api/v1/dossiers/{id}/interconnection",
        "Xử lý hồ sơ",
        "Chuyển liên thông (tuần tự hoặc đồng thời; cùng cấp hoặc khác cấp).",
        dto::InterconnectionInput,
        |i| build::interconnection(i)?;
    supplement,
        "/api/v1/dossiers/{id}/supplement-requests",
        "Xử lý hồ sơ",
        "Yêu cầu bổ sung, hoàn thiện hồ sơ khi thẩm định (trong 3 ngày làm việc; thời hạn tính lại khi nhận đủ).",
        dto::SupplementInput,
        |i| build::supplement(i);
    submit_supplement,
        "/api/v1/dossiers/{id}/supplements",
        "Xử lý hồ sơ",
        "Ghi nhận giấy tờ bổ sung công dân nộp tại quầy.",
        dto::SubmitSupplementInput,
        |i| build::submit_supplement(i)?;
    financial,
        "/api/v1/dossiers/{id}/financial-obligation",
        "Xử lý hồ sơ",
        "Thông báo nghĩa vụ tài chính (tạm dừng tính thời gian).",
        dto::FinancialInput,
        |i| Command::RequestFinancialObligation {
            description: i.description,
            legal_basis: i.legal_basis
        };
    wait,
        "/api/v1/dossiers/{id}/wait",
        "Xử lý hồ sơ",
        "Tạm dừng chờ cơ quan khác.",
        dto::WaitInput,
        |i| Command::WaitForAgency {
            reason: i.reason,
            legal_basis: i.legal_basis,
            stops_clock: i.stops_clock
        };
    resume,
        "/api/v1/dossiers/{id}/resume",
        "Xử lý hồ sơ",
        "Kết thúc tạm dừng; hạn giải quyết được tính lại.",
        dto::OptionalNoteInput,
        |i| Command::EndPause { note: i.note };
    extend,
        "/api/v1/dossiers/{id}/extensions",
        "Xử lý hồ sơ",
        "Gia hạn theo quy định của pháp luật chuyên ngành.",
        dto::ExtendInput,
        |i| build::extend(i)?;
    forward,
        "/api/v1/dossiers/{id}/forward",
        "Xử lý hồ sơ",
        "Chuyển bước tiếp theo của quy trình (ví dụ trình ký).",
        dto::ForwardInput,
        |i| build::forward(i)?;
    decide,
        "/api/v1/dossiers/{id}/decision",
        "Xử lý hồ sơ",
        "Phê duyệt, hoặc từ chối giải quyết (trong thời hạn).",
        dto::DecideInput,
        |i| build::decide(i)?;
    issue,
        "/api/v1/dossiers/{id}/issue",
        "Xử lý hồ sơ",
        "Vào số, phát hành kết quả.",
        dto::IssueInput,
        |i| Command::IssueResult { number: i.number, document: None };
    apology,
        "/api/v1/dossiers/{id}/apology",
        "Xử lý hồ sơ",
        "Phiếu xin lỗi và hẹn lại ngày trả (một lần, chậm nhất 01 ngày trước hạn).",
        dto::ApologyInput,
        |i| build::apology(i)?;
    withdraw,
        "/api/v1/dossiers/{id}/withdrawal",
        "Xử lý hồ sơ",
        "Ghi nhận yêu cầu rút hồ sơ của công dân tại quầy.",
        dto::WithdrawInput,
        |i| Command::RequestWithdrawal { reason: i.reason };
    stop,
        "/api/v1/dossiers/{id}/stop",
        "Xử lý hồ sơ",
        "Dừng giải quyết hồ sơ.",
        dto::ReasonInput,
        |i| Command::Stop {
            reason: i.reason,
            legal_basis: i.legal_basis
        };
    revoke_result,
        "/api/v1/dossiers/{id}/result-revocation",
        "Trả kết quả",
        "Thu hồi kết quả điện tử đã phát hành (lãnh đạo cơ quan có thẩm quyền); trang xác thực sẽ báo văn bản đã bị thu hồi.",
        dto::ReasonInput,
        |i| Command::RevokeResult {
            reason: i.reason,
            legal_basis: i.legal_basis
        };
    early_return,
        "/api/v1/dossiers/{id}/early-return-notice",
        "Trả kết quả",
        "Thông báo trả kết quả trước hẹn.",
        dto::EarlyReturnInput,
        |i| Command::NotifyEarlyReturn { channel: i.channel };
    return_result,
        "/api/v1/dossiers/{id}/return",
        "Trả kết quả",
        "Trả kết quả (tại quầy, qua bưu chính, điện tử).",
        dto::ReturnResultInput,
        |i| Command::Return {
            received_by: i.received_by,
            originals_returned: i.originals_returned,
            postal_bill: i.postal_bill,
            collected: i.collected.map(dto::build::collection).transpose()?
        };
}

/// Trả lời xin ý kiến.
#[utoipa::path(
    post, path = "/api/v1/dossiers/{id}/consultations/{n}/answer", tag = "Xử lý hồ sơ",
    params(("id" = uuid::Uuid, Path), ("n" = u32, Path, description = "Số thứ tự yêu cầu xin ý kiến"), ("If-Match" = Option<String>, Header)),
    request_body = dto::AnswerInput,
    responses((status = 200, body = DossierView), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn answer(
    State(app): State<App>,
    Authed(actor): Authed,
    ApiPath((id, n)): ApiPath<(uuid::Uuid, u32)>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<dto::AnswerInput>,
) -> Result<Json<DossierView>, ApiError> {
    run(
        &app,
        &actor,
        id,
        &headers,
        Command::AnswerConsultation {
            id: n,
            answer: input.answer,
        },
    )
    .await
}

/// Ghi nhận kết quả của một cơ quan liên thông.
#[utoipa::path(
    post, path = "/api/v1/dossiers/{id}/interconnection/{n}/complete", tag = "Xử lý hồ sơ",
    params(("id" = uuid::Uuid, Path), ("n" = usize, Path, description = "Thứ tự cơ quan liên thông (từ 0)"), ("If-Match" = Option<String>, Header)),
    request_body = dto::LegResultInput,
    responses((status = 200, body = DossierView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn complete_leg(
    State(app): State<App>,
    Authed(actor): Authed,
    ApiPath((id, n)): ApiPath<(uuid::Uuid, usize)>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<dto::LegResultInput>,
) -> Result<Json<DossierView>, ApiError> {
    run(
        &app,
        &actor,
        id,
        &headers,
        Command::CompleteLeg {
            index: n,
            result: input.result,
        },
    )
    .await
}

/// Bộ lọc danh sách hồ sơ.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Trạng thái quốc gia, nhiều giá trị cách nhau bằng dấu phẩy: `2,4,5`.
    #[param(pattern = "^(10|[1-9])(,(10|[1-9]))*$")]
    pub status: Option<String>,
    /// Bộ phận Một cửa tiếp nhận.
    pub receiving: Option<String>,
    /// Cơ quan có thẩm quyền.
    pub competent: Option<String>,
    /// Đơn vị đang giữ hồ sơ.
    pub unit: Option<String>,
    /// Cán bộ đang xử lý (id); `me` for the caller.
    pub assignee: Option<String>,
    pub procedure: Option<String>,
    /// Hạn giải quyết từ (thời điểm).
    #[param(format = "local-time")]
    pub due_from: Option<String>,
    /// Hạn giải quyết trước (thời điểm).
    #[param(format = "local-time")]
    pub due_to: Option<String>,
    #[param(format = "local-time")]
    pub received_from: Option<String>,
    #[param(format = "local-time")]
    pub received_to: Option<String>,
    /// Chỉ hồ sơ đang giải quyết.
    #[serde(default)]
    pub open: bool,
    /// Tìm theo mã hồ sơ, tên hoặc số định danh người nộp, tên thủ tục (có dấu hoặc không dấu),
    /// tối đa 200 ký tự.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// `due` (hạn gần nhất trước; mặc định) or `latest` (mới nhất trước; mặc định khi tìm `q`).
    #[param(pattern = "^(due|latest)$")]
    pub order: Option<String>,
    /// Số hồ sơ mỗi trang (1–500, mặc định 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// Trang sau: giá trị `next` của trang trước.
    pub cursor: Option<String>,
}

/// Danh sách hồ sơ cán bộ được xem, lọc theo trạng thái, đơn vị, người xử lý, khoảng hạn; tìm theo
/// mã hồ sơ, người nộp (tên, số định danh) hoặc thủ tục với `q`.
#[utoipa::path(
    get, path = "/api/v1/dossiers", tag = "Tra cứu",
    params(ListQuery),
    responses((status = 200, body = DossierPage), (status = 422, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn list(
    State(app): State<App>,
    Authed(actor): Authed,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<DossierPage>, ApiError> {
    let when =
        |field: &str, v: &Option<String>| v.as_deref().map(|s| dto::instant(field, s)).transpose();
    let national_status = q
        .status
        .as_deref()
        .map(|s| {
            s.split(',')
                .map(|p| {
                    p.trim()
                        .parse::<u8>()
                        .ok()
                        .filter(|c| (1..=10).contains(c))
                        .ok_or_else(|| {
                            ApiError::unprocessable(
                                "invalid_status",
                                format!(
                                    "Trạng thái \"{}\" không hợp lệ (1–10).",
                                    domain::error::shorten(p)
                                ),
                            )
                        })
                })
                .collect::<Result<Vec<u8>, ApiError>>()
        })
        .transpose()?
        .unwrap_or_default();
    let assignee = match (q.assignee.as_deref(), &actor) {
        (Some("me"), Actor::Officer(o)) => Some(o.id.to_string()),
        (Some(other), _) => Some(other.to_string()),
        (None, _) => None,
    };
    let searching = q.q.as_deref().is_some_and(|t| !t.trim().is_empty());
    let order = match q.order.as_deref() {
        None if searching => Order::LatestFirst,
        None | Some("due") => Order::DueFirst,
        Some("latest") => Order::LatestFirst,
        Some(other) => {
            return Err(ApiError::unprocessable(
                "invalid_order",
                format!(
                    "Thứ tự \"{}\" không hợp lệ: due hoặc latest.",
                    domain::error::shorten(other)
                ),
            ));
        }
    };
    let limit = super::error::page_size(q.limit, 50, 500)?;
    let after = match q.cursor.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(c) => Some(
            Cursor::parse(c)
                .filter(|c| c.order == order)
                .ok_or_else(|| {
                    ApiError::unprocessable(
                        "invalid_cursor",
                        "\"cursor\" không hợp lệ: dùng đúng giá trị `next` của trang trước, với cùng thứ tự.",
                    )
                })?,
        ),
    };
    let query = DossierQuery {
        national_status,
        receiving: q.receiving,
        competent: q.competent,
        current_unit: q.unit,
        assignee,
        procedure_code: q.procedure,
        due_from: when("due_from", &q.due_from)?,
        due_to: when("due_to", &q.due_to)?,
        received_from: when("received_from", &q.received_from)?,
        received_to: when("received_to", &q.received_to)?,
        open_only: q.open,
        order,
        limit,
        after,
    };
    let page = match q.q.as_deref() {
        Some(text) if searching => app.queries().search_dossiers(&actor, text, query).await?,
        _ => app.queries().list_dossiers(&actor, query).await?,
    };
    Ok(Json(DossierPage {
        items: page.rows.iter().map(DossierRowView::of).collect(),
        total: page.total,
        total_exact: page.total_exact,
        limit,
        next: page.next.map(|c| c.encode()),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsOfQuery {
    /// Xem hồ sơ như tại thời điểm này (phục vụ giải quyết khiếu nại, thanh tra).
    #[param(format = "local-time")]
    pub as_of: Option<String>,
}

/// Hồ sơ đầy đủ: trạng thái, nhật ký sự kiện, phiếu kiểm soát, đánh giá thời gian.
#[utoipa::path(
    get, path = "/api/v1/dossiers/{id}", tag = "Tra cứu",
    params(("id" = uuid::Uuid, Path), AsOfQuery),
    responses((status = 200, body = DossierDetailView), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn detail(
    State(app): State<App>,
    Authed(actor): Authed,
    ApiPath(id): ApiPath<uuid::Uuid>,
    ApiQuery(q): ApiQuery<AsOfQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let as_of = q
        .as_of
        .as_deref()
        .map(|s| dto::instant("as_of", s))
        .transpose()?;
    let d = app
        .queries()
        .dossier_detail(&actor, DossierId(id), as_of)
        .await?;
    let etag = format!("\"{}\"", d.dossier.version);
    Ok(([(header::ETAG, etag)], Json(DossierDetailView::of(&d))))
}

/// Một lần cán bộ mở hồ sơ hoặc tệp của hồ sơ.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ReadView {
    /// Thời điểm (giờ Việt Nam).
    pub at: String,
    /// Tên đăng nhập của cán bộ (lúc mở).
    pub officer: String,
    /// Mã hồ sơ.
    pub code: String,
    pub dossier_id: uuid::Uuid,
    /// Tệp đã mở (mã SHA-256 và tên); không có khi mở hồ sơ.
    pub file_sha256: Option<String>,
    pub file_name: Option<String>,
}

impl ReadView {
    /// One read as both access-log views show it (a dossier's, an officer's).
    pub fn of(r: app::access_log::PersonalDataRead) -> Self {
        let (file_sha256, file_name) = r.file.unzip();
        ReadView {
            at: super::views::vn(
                chrono::DateTime::from_timestamp_millis(r.at_ms).unwrap_or_default(),
            ),
            officer: r.officer_name,
            code: r.code,
            dossier_id: r.dossier,
            file_sha256,
            file_name,
        }
    }
}

/// Nhật ký truy cập: ai đã mở hồ sơ và các tệp của hồ sơ, khi nào (mới nhất trước, tối đa 500
/// lần). Dành cho quản trị viên và thanh tra được xem hồ sơ.
#[utoipa::path(
    get, path = "/api/v1/dossiers/{id}/reads", tag = "Tra cứu",
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<ReadView>), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn reads(
    State(app): State<App>,
    Authed(actor): Authed,
    ApiPath(id): ApiPath<uuid::Uuid>,
) -> Result<Json<Vec<ReadView>>, ApiError> {
    let reads = app.queries().dossier_reads(&actor, DossierId(id)).await?;
    Ok(Json(reads.into_iter().map(ReadView::of).collect()))
}

/// Dự thảo kết quả: các trường của mẫu kết quả và giá trị kết quả sẽ ghi (khi hồ sơ đang giải
/// quyết, chưa phê duyệt).
#[utoipa::path(
    get, path = "/api/v1/dossiers/{id}/result-draft", tag = "Xử lý hồ sơ",
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = super::views::DraftView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn draft(
    State(app): State<App>,
    Authed(actor): Authed,
    ApiPath(id): ApiPath<uuid::Uuid>,
) -> Result<Json<super::views::DraftView>, ApiError> {
    let v = app.result_draft_of(&actor, DossierId(id)).await?;
    Ok(Json(super::views::DraftView::of(
        v,
        &format!("/api/v1/dossiers/{id}/result-draft.pdf"),
    )))
}

/// Dự thảo kết quả dạng PDF, có dấu "DỰ THẢO" trên mọi trang (chưa ký số).
#[utoipa::path(
    get, path = "/api/v1/dossiers/{id}/result-draft.pdf", tag = "Xử lý hồ sơ",
    params(("id" = uuid::Uuid, Path)),
    responses(
        (status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 403, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn draft_pdf(
    State(app): State<App>,
    Authed(actor): Authed,
    ApiPath(id): ApiPath<uuid::Uuid>,
) -> Result<impl IntoResponse, ApiError> {
    let pdf = app.result_draft_pdf(&actor, DossierId(id)).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                "inline; filename=\"du-thao-ket-qua.pdf\"".to_string(),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        pdf,
    ))
}

/// Biên lai điện tử đã ký số: `pdf` (bản thể hiện) hoặc `xml` (dữ liệu, chữ ký XML-DSig).
#[utoipa::path(
    get, path = "/api/v1/dossiers/{id}/receipts/{series}/{number}/{format}", tag = "Phí, lệ phí",
    params(
        ("id" = uuid::Uuid, Path),
        ("series" = String, Path, description = "Ký hiệu biên lai"),
        ("number" = u32, Path, description = "Số biên lai"),
        ("format" = String, Path, description = "pdf hoặc xml")
    ),
    responses(
        (status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 404, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 503, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn receipt_document(
    State(app): State<App>,
    Authed(actor): Authed,
    ApiPath((id, series, number, format)): ApiPath<(uuid::Uuid, String, u32, String)>,
) -> Result<impl IntoResponse, ApiError> {
    let key = ReceiptKey { series, number };
    let (file, stored) = app
        .receipt_document(&actor, DossierId(id), &key, &format)
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, file.media_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", file.name),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        stored.content,
    ))
}

/// Một dòng sao kê đã đối soát.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct StatementLineView {
    /// Its line in the file (the header is line 1).
    pub line: usize,
    pub date: String,
    pub amount: i64,
    pub reference: String,
    pub description: String,
    /// `recorded`, `already_recorded` or `exception`.
    pub outcome: String,
    /// The dossier it pays, when one was found.
    pub code: Option<String>,
    /// Why an exception is one.
    pub why: Option<String>,
}

/// Kết quả đối soát sao kê.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ReconciliationView {
    pub recorded: usize,
    pub already_recorded: usize,
    pub exceptions: usize,
    /// Lines that were not credits.
    pub skipped: usize,
    pub lines: Vec<StatementLineView>,
}

/// Đối soát sao kê tài khoản thu: the body is the bank's CSV export (UTF-8, the columns named
/// in `[payments.statement]`). A credit whose description names exactly one dossier the caller
/// collects for, for exactly what it still owes, is recorded as a transfer with the bank's
/// reference (a second import records nothing twice); the other lines come back as exceptions.
#[utoipa::path(
    post, path = "/api/v1/payments/statement", tag = "Phí, lệ phí",
    request_body(content = String, content_type = "text/csv"),
    responses(
        (status = 200, body = ReconciliationView),
        (status = 422, body = ErrorBody),
        (status = 401, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn reconcile_statement(
    State(app): State<App>,
    Authed(actor): Authed,
    body: axum::body::Bytes,
) -> Result<Json<ReconciliationView>, ApiError> {
    let text = std::str::from_utf8(&body).map_err(|_| {
        ApiError::unprocessable(
            "invalid_statement",
            "Tệp sao kê phải là văn bản UTF-8 (lưu từ Excel bằng \"CSV UTF-8\").",
        )
    })?;
    let r = app.reconcile_statement(&actor, text).await?;
    Ok(Json(ReconciliationView {
        recorded: r.recorded(),
        already_recorded: r.already(),
        exceptions: r.exceptions(),
        skipped: r.skipped,
        lines: r
            .lines
            .into_iter()
            .map(|l| {
                use app::statement::LineOutcome as O;
                let (outcome, code, why) = match l.outcome {
                    O::Recorded { code } => ("recorded", Some(code), None),
                    O::AlreadyRecorded { code } => ("already_recorded", Some(code), None),
                    O::Exception { code, why } => ("exception", code, Some(why)),
                };
                StatementLineView {
                    line: l.line.line,
                    date: l.line.date,
                    amount: l.line.amount,
                    reference: l.line.reference,
                    description: l.line.description,
                    outcome: outcome.into(),
                    code,
                    why,
                }
            })
            .collect(),
    }))
}

/// Hồ sơ theo mã hồ sơ.
#[utoipa::path(
    get, path = "/api/v1/dossiers/by-code/{code}", tag = "Tra cứu",
    params(("code" = String, Path, format = "dossier-code", description = "Mã hồ sơ")),
    responses((status = 200, body = DossierDetailView), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn by_code(
    State(app): State<App>,
    Authed(actor): Authed,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<DossierDetailView>, ApiError> {
    let id = app.queries().dossier_by_code(&actor, &code).await?;
    let d = app.queries().dossier_detail(&actor, id, None).await?;
    Ok(Json(DossierDetailView::of(&d)))
}
