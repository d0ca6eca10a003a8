//! Phản ánh, kiến nghị: sending feedback (a citizen's account, or a counter officer on their
//! behalf), handling it (officers of the agency concerned), the published answers (anyone), and
//! the petitioner's rating.

use app::App;
use app::feedback::StoredFeedback;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use domain::feedback::{About, Category, FeedbackChannel, FeedbackEvent, Petition};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::{AnyAuthed, Authed, CitizenAuthed};
use super::error::{ApiError, ApiJson, ApiPath, ApiQuery, ErrorBody};
use super::views::vn;

/// Phản ánh, kiến nghị mới.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackInput {
    #[schema(format = "required-text", max_length = 200)]
    pub title: String,
    #[schema(format = "required-text", max_length = 4000)]
    pub content: String,
    /// `procedure`, `dossier`, `officer` or `other`.
    #[schema(pattern = "^(procedure|dossier|officer|other)$")]
    pub about: String,
    /// Mã thủ tục or mã hồ sơ (`procedure`, `dossier`), or the officer's name (`officer`).
    pub subject: Option<String>,
    /// Cơ quan nhận (an agency id); for a dossier, its competent agency is taken.
    #[schema(format = "agency-id")]
    pub agency: Option<String>,
    /// Người phản ánh (default: the signed-in citizen).
    #[schema(format = "required-text", max_length = 100)]
    pub name: Option<String>,
    #[schema(format = "phone-number")]
    pub phone: Option<String>,
    #[schema(format = "email-address")]
    pub email: Option<String>,
    /// Tệp đính kèm, each uploaded first (POST /api/v1/files) by the same account.
    #[serde(default)]
    pub files: Vec<super::dto::FileInput>,
}

/// Một phản ánh, kiến nghị.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedbackView {
    /// Mã tra cứu.
    pub code: String,
    pub title: String,
    pub content: String,
    /// `procedure`, `dossier`, `officer` or `other`, and what it names.
    pub about: String,
    pub subject: Option<String>,
    pub agency: String,
    pub agency_name: String,
    pub stage: String,
    pub stage_label: String,
    /// `rules` (quy định hành chính) or `conduct` (hành vi hành chính), once classified.
    pub category: Option<String>,
    pub received_at: String,
    pub answer: Option<String>,
    pub published_at: Option<String>,
    pub likes: u32,
    pub dislikes: u32,
    /// A repeat of an earlier feedback of the same person on the same matter.
    pub repeat: bool,
    /// Cán bộ được phân công (officers and the petitioner only).
    pub assignee: Option<String>,
    /// Pass back as `version` to guard against concurrent changes.
    pub version: u64,
}

impl FeedbackView {
    fn of(app: &App, f: StoredFeedback) -> Self {
        let (about, subject) = match &f.petition.about {
            About::Procedure { code } => ("procedure", Some(code.clone())),
            About::Dossier { code } => ("dossier", Some(code.clone())),
            About::Officer { name } => ("officer", Some(name.clone())),
            About::Other => ("other", None),
        };
        let published = f.state.published_at.is_some();
        Self {
            code: f.code,
            title: f.petition.title,
            content: f.petition.content,
            about: about.into(),
            subject,
            agency_name: app.agencies().name_of(&f.state.agency),
            agency: f.state.agency.to_string(),
            stage: domain::wire_name(&f.state.stage),
            stage_label: f.state.stage.label().into(),
            category: f.state.category.map(|c| domain::wire_name(&c)),
            received_at: vn(f.state.received_at),
            answer: f.state.answer.filter(|_| published),
            published_at: f.state.published_at.map(vn),
            likes: f.state.likes,
            dislikes: f.state.dislikes,
            repeat: f.state.repeat_of.is_some(),
            assignee: f
                .state
                .assignee
                .as_ref()
                .filter(|_| !published)
                .map(|a| a.1.clone()),
            version: f.version,
        }
    }
}

fn petition(input: &FeedbackInput, actor: &domain::officer::Actor) -> Result<Petition, ApiError> {
    let subject = || input.subject.clone().unwrap_or_default();
    let about = match input.about.as_str() {
        "procedure" => About::Procedure { code: subject() },
        "dossier" => About::Dossier { code: subject() },
        "officer" => About::Officer { name: subject() },
        "other" => About::Other,
        _ => {
            return Err(ApiError::unprocessable(
                "invalid_about",
                "Phản ánh về: procedure (thủ tục), dossier (hồ sơ), officer (cán bộ) hoặc other.",
            ));
        }
    };
    let name = match (&input.name, actor) {
        (Some(n), _) => n.clone(),
        (None, domain::officer::Actor::Citizen { name, .. }) => name.to_string(),
        (None, _) => String::new(),
    };
    Ok(Petition {
        title: input.title.clone(),
        content: input.content.clone(),
        about,
        name,
        phone: input.phone.clone().filter(|p| !p.trim().is_empty()),
        email: input.email.clone().filter(|e| !e.trim().is_empty()),
        id_number: None,
        channel: FeedbackChannel::Portal,
        attachments: input
            .files
            .iter()
            .map(|f| domain::dossier::FileRef {
                sha256: f.sha256.clone(),
                name: f.name.clone(),
                size: f.size,
                media_type: f.media_type.clone(),
                signature: None,
            })
            .collect(),
        national_id: None,
    })
}

/// Gửi phản ánh, kiến nghị: tài khoản công dân (cho chính mình) hoặc cán bộ Bộ phận Một cửa
/// (ghi lại phản ánh tại quầy). Phản ánh về một hồ sơ thuộc cơ quan có thẩm quyền giải quyết
/// hồ sơ đó; phản ánh lặp lại của cùng người về cùng việc trong 90 ngày được liên kết.
#[utoipa::path(
    post, path = "/api/v1/feedback", tag = "Phản ánh, kiến nghị",
    request_body = FeedbackInput,
    responses((status = 201, body = FeedbackView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn submit(
    State(app): State<App>,
    AnyAuthed(actor): AnyAuthed,
    ApiJson(input): ApiJson<FeedbackInput>,
) -> Result<(StatusCode, Json<FeedbackView>), ApiError> {
    let p = petition(&input, &actor)?;
    let agency = input
        .agency
        .as_deref()
        .map(domain::agency::AgencyId::parse)
        .transpose()?;
    let f = app.feedback().submit(&actor, p, agency).await?;
    Ok((StatusCode::CREATED, Json(FeedbackView::of(&app, f))))
}

/// Xử lý phản ánh.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackActionInput {
    /// `classify`, `assign`, `refuse`, `ask`, `answer-information`, `transfer`, `draft`,
    /// `approve` or `publish`.
    #[schema(
        pattern = "^(classify|assign|refuse|ask|answer-information|transfer|draft|approve|publish)$"
    )]
    pub action: String,
    /// Cán bộ được phân công (assign): their account id.
    pub officer: Option<String>,
    /// `rules` or `conduct` (classify).
    #[schema(pattern = "^(rules|conduct)$")]
    pub category: Option<String>,
    /// The reason (refuse, transfer), the question (ask), the information (answer-information)
    /// or the answer (draft).
    pub text: Option<String>,
    /// Cơ quan có thẩm quyền (transfer).
    #[schema(format = "agency-id")]
    pub to: Option<String>,
    /// The version last seen.
    pub version: Option<u64>,
}

impl FeedbackActionInput {
    fn event(&self) -> Result<FeedbackEvent, ApiError> {
        let text = || self.text.clone().unwrap_or_default();
        Ok(match self.action.as_str() {
            "classify" => FeedbackEvent::Classified {
                category: match self.category.as_deref() {
                    Some("rules") => Category::Rules,
                    Some("conduct") => Category::Conduct,
                    _ => {
                        return Err(ApiError::unprocessable(
                            "invalid_category",
                            "Phân loại: rules (quy định hành chính) hoặc conduct (hành vi hành chính).",
                        ));
                    }
                },
            },
            "assign" => FeedbackEvent::Assigned {
                officer: self.officer.clone().unwrap_or_default(),
                name: String::new(),
            },
            "refuse" => FeedbackEvent::Refused { reason: text() },
            "ask" => FeedbackEvent::InformationRequested { question: text() },
            "answer-information" => FeedbackEvent::InformationGiven { answer: text() },
            "transfer" => FeedbackEvent::Transferred {
                to: domain::agency::AgencyId::parse(self.to.as_deref().unwrap_or_default())?,
                reason: text(),
            },
            "draft" => FeedbackEvent::AnswerDrafted { answer: text() },
            "approve" => FeedbackEvent::Approved,
            "publish" => FeedbackEvent::Published,
            _ => {
                return Err(ApiError::unprocessable(
                    "invalid_action",
                    "Thao tác: classify, assign, refuse, ask, answer-information, transfer, draft, approve hoặc publish.",
                ));
            }
        })
    }
}

/// Xử lý một phản ánh (cán bộ của cơ quan nhận): phân loại, từ chối, đề nghị bổ sung, chuyển
/// cơ quan có thẩm quyền, dự thảo, duyệt (lãnh đạo), công khai.
#[utoipa::path(
    post, path = "/api/v1/feedback/{code}/actions", tag = "Phản ánh, kiến nghị",
    params(("code" = String, Path, description = "Mã phản ánh")),
    request_body = FeedbackActionInput,
    responses((status = 200, body = FeedbackView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn act(
    State(app): State<App>,
    Authed(actor): Authed,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<FeedbackActionInput>,
) -> Result<Json<FeedbackView>, ApiError> {
    let f = app
        .feedback()
        .act(&actor, &code, input.event()?, input.version)
        .await?;
    Ok(Json(FeedbackView::of(&app, f)))
}

/// Một phản ánh theo mã: người gửi và cán bộ của cơ quan nhận xem ở mọi bước.
#[utoipa::path(
    get, path = "/api/v1/feedback/{code}", tag = "Phản ánh, kiến nghị",
    params(("code" = String, Path, description = "Mã phản ánh")),
    responses((status = 200, body = FeedbackView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn one(
    State(app): State<App>,
    AnyAuthed(actor): AnyAuthed,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<FeedbackView>, ApiError> {
    let f = app.feedback().by_code(Some(&actor), &code).await?;
    Ok(Json(FeedbackView::of(&app, f)))
}

/// Tìm câu hỏi, trả lời.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PublishedQuery {
    /// Từ khóa, có dấu hoặc không dấu, tối đa 200 ký tự; không có: mọi câu trả lời đã công khai.
    #[param(max_length = 200)]
    pub q: Option<String>,
}

/// Câu hỏi và trả lời đã công khai (tìm có dấu hoặc không dấu), mới nhất trước.
#[utoipa::path(
    get, path = "/api/v1/public/feedback", tag = "Phản ánh, kiến nghị",
    params(PublishedQuery),
    responses((status = 200, body = Vec<FeedbackView>), (status = 422, body = ErrorBody))
)]
pub async fn published(
    State(app): State<App>,
    ApiQuery(q): ApiQuery<PublishedQuery>,
) -> Result<Json<Vec<FeedbackView>>, ApiError> {
    let list = app
        .feedback()
        .published(q.q.as_deref().unwrap_or_default(), 100)
        .await?;
    Ok(Json(
        list.into_iter()
            .map(|f| FeedbackView::of(&app, f))
            .collect(),
    ))
}

/// Một câu trả lời đã công khai.
#[utoipa::path(
    get, path = "/api/v1/public/feedback/{code}", tag = "Phản ánh, kiến nghị",
    params(("code" = String, Path, description = "Mã phản ánh")),
    responses((status = 200, body = FeedbackView), (status = 404, body = ErrorBody))
)]
pub async fn public_one(
    State(app): State<App>,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<FeedbackView>, ApiError> {
    let f = app.feedback().by_code(None, &code).await?;
    Ok(Json(FeedbackView::of(&app, f)))
}

/// Đánh giá câu trả lời.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRatingInput {
    /// Hài lòng (true) hoặc không hài lòng (false).
    pub satisfied: bool,
}

/// Người gửi phản ánh đánh giá câu trả lời đã công khai (một lần).
#[utoipa::path(
    post, path = "/api/v1/public/feedback/{code}/rating", tag = "Phản ánh, kiến nghị",
    params(("code" = String, Path, description = "Mã phản ánh")),
    request_body = FeedbackRatingInput,
    responses((status = 200, body = FeedbackView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn rate(
    State(app): State<App>,
    CitizenAuthed(actor): CitizenAuthed,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<FeedbackRatingInput>,
) -> Result<Json<FeedbackView>, ApiError> {
    let f = app.feedback().rate(&actor, &code, input.satisfied).await?;
    Ok(Json(FeedbackView::of(&app, f)))
}
