//! Phản ánh, kiến nghị in the browser — the published questions and answers anyone can search
//! (`/phan-anh`), the form to send one (a signed-in citizen, or a counter officer writing down
//! what a visitor says), a feedback's page (its answer, the petitioner's rating, the information
//! the agency asked for), the officers' list and handling page, and the leaders' figures.

use app::App;
use app::feedback::{StoredFeedback, is_petitioner};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use domain::agency::AgencyId;
use domain::feedback::{About, Category, FeedbackCounts, FeedbackEvent, FeedbackStage, Petition};
use domain::officer::Actor;
use serde::Deserialize;

use super::session::{Fields, Posted, Viewer};
use super::table::{Cell, Table};
use super::{Chrome, UiError, day, when};
use crate::Caller;

/// One feedback as a list shows it.
pub struct Line {
    pub code: String,
    pub title: String,
    pub agency: String,
    pub received: String,
    pub stage: String,
    pub due: String,
    pub late: bool,
    /// Người được phân công.
    pub assignee: String,
    /// The answer's first words (published ones).
    pub excerpt: String,
}

impl Line {
    fn of(app: &App, f: &StoredFeedback, due: Option<DateTime<Utc>>) -> Self {
        let excerpt = f
            .state
            .answer
            .as_deref()
            .filter(|_| f.state.published_at.is_some())
            .map(|a| shorten(a, 220))
            .unwrap_or_default();
        Line {
            code: f.code.clone(),
            title: f.petition.title.clone(),
            agency: app.agencies().name_of(&f.state.agency),
            received: day(f.state.received_at),
            stage: f.state.stage.label().into(),
            due: due.map(when).unwrap_or_default(),
            late: due.is_some_and(|d| d < app.now()),
            assignee: f
                .state
                .assignee
                .as_ref()
                .map(|a| a.1.clone())
                .unwrap_or_default(),
            excerpt,
        }
    }
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    format!("{}…", cut.trim_end())
}

/// What a feedback is about, as a sentence.
fn about_text(about: &About) -> String {
    match about {
        About::Procedure { code } => format!("Quy định của thủ tục {code}"),
        About::Dossier { code } => format!("Hồ sơ {code}"),
        About::Officer { name } => format!("Hành vi của cán bộ, cơ quan: {name}"),
        About::Other => "Việc khác của cơ quan hành chính".into(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    #[serde(default)]
    q: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "feedback_list.html")]
struct ListPage {
    chrome: Chrome,
    q: String,
    error: String,
    published: Vec<Line>,
    mine: Vec<Line>,
    citizen: bool,
    officer: bool,
    /// Thời hạn xử lý (`[feedback]`).
    rules: domain::feedback::FeedbackRules,
}

/// `/phan-anh`: câu hỏi, trả lời đã công khai, searched with or without diacritics, and the
/// signed-in citizen's own feedback.
pub async fn list(
    State(app): State<App>,
    viewer: Viewer,
    Query(p): Query<ListParams>,
) -> Result<Response, UiError> {
    let mut q = p.q.trim().to_string();
    let error = super::refused_search(&mut q);
    let published = app
        .feedback()
        .published(&q, 100)
        .await?
        .iter()
        .map(|f| Line::of(&app, f, None))
        .collect();
    let mine = match &viewer.actor {
        Some(a) => {
            let feedback = app.feedback();
            let mut out = Vec::new();
            for f in feedback.mine(a).await? {
                out.push(Line::of(&app, &f, None));
            }
            out
        }
        None => Vec::new(),
    };
    let status = super::status_for(&error);
    Ok((
        status,
        ListPage {
            rules: app.settings().feedback,
            chrome: Chrome::new(&viewer, "Phản ánh, kiến nghị", "/phan-anh"),
            citizen: matches!(viewer.actor, Some(Actor::Citizen { .. })),
            officer: viewer.officer().is_some(),
            q,
            error,
            published,
            mine,
        },
    )
        .into_response())
}

/// An agency a feedback can be sent to.
pub struct AgencyChoice {
    pub id: String,
    pub name: String,
}

/// The agencies that receive feedback: committees, departments and the police, open today.
fn receiving_agencies(app: &App) -> Vec<AgencyChoice> {
    let tree = app.agencies();
    let today = lich::time::to_vn(&app.now()).date_naive();
    let mut out: Vec<AgencyChoice> = tree
        .all()
        .filter(|a| a.kind.decides() && tree.closed_on(&a.id, today).is_none())
        .map(|a| AgencyChoice {
            id: a.id.to_string(),
            name: a.name.clone(),
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

#[derive(Template, WebTemplate)]
#[template(path = "feedback_new.html")]
struct NewPage {
    chrome: Chrome,
    f: Fields,
    error: String,
    agencies: Vec<AgencyChoice>,
    /// A counter officer writes it down for a visitor (name and contact asked).
    counter: bool,
    /// Who may send from here: nobody signed in sends with a code sent to them, where the
    /// system can send one, and is told how else to.
    signed_in: bool,
    anonymous: bool,
}

impl NewPage {
    fn value(&self, field: &str) -> String {
        self.f.get(field)
    }

    /// The files attached so far: (value, name, size).
    fn files(&self) -> Vec<(String, String, String)> {
        self.f
            .all("f_pa")
            .into_iter()
            .filter_map(|v| {
                let r = super::counter::file_of(&v)?;
                Some((v, r.name, super::counter::size_text(r.size)))
            })
            .collect()
    }

    fn chosen(&self, field: &str, value: &str) -> bool {
        self.f.get(field) == value
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct NewParams {
    /// Mã hồ sơ, from a dossier's page.
    #[serde(default, rename = "ho-so")]
    dossier: String,
    /// Mã thủ tục, from a procedure's page.
    #[serde(default, rename = "thu-tuc")]
    procedure: String,
}

fn new_page(app: &App, viewer: &Viewer, f: Fields, error: String) -> NewPage {
    NewPage {
        chrome: Chrome::new(viewer, "Gửi phản ánh, kiến nghị", "/phan-anh"),
        f,
        error,
        agencies: receiving_agencies(app),
        counter: viewer.officer().is_some(),
        signed_in: viewer.actor.is_some(),
        anonymous: viewer.actor.is_none()
            && (app.settings().notices.sms || app.settings().notices.email),
    }
}

/// `/phan-anh/gui`: the form, about a dossier or a procedure when the link says so.
pub async fn new_form(
    State(app): State<App>,
    viewer: Viewer,
    Query(p): Query<NewParams>,
) -> Response {
    let mut fields = Vec::new();
    let short = |s: &str| s.trim().chars().take(60).collect::<String>();
    if !p.dossier.trim().is_empty() {
        fields.push(("about".to_string(), "dossier".to_string()));
        fields.push(("subject".to_string(), short(&p.dossier)));
    } else if !p.procedure.trim().is_empty() {
        fields.push(("about".to_string(), "procedure".to_string()));
        fields.push(("subject".to_string(), short(&p.procedure)));
    }
    new_page(&app, &viewer, Fields(fields), String::new()).into_response()
}

/// The petition a form describes.
fn petition_of(f: &Fields, actor: &Actor) -> Result<Petition, UiError> {
    let subject = f.get("subject");
    let about = match f.get("about").as_str() {
        "procedure" => About::Procedure { code: subject },
        "dossier" => About::Dossier { code: subject },
        "officer" => About::Officer { name: subject },
        "other" => About::Other,
        _ => {
            return Err(UiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Chọn phản ánh về việc gì: thủ tục, hồ sơ, cán bộ hay việc khác.",
            ));
        }
    };
    let name = match (f.opt("name"), actor) {
        (Some(n), _) => n,
        (None, Actor::Citizen { name, .. }) => name.to_string(),
        (None, _) => String::new(),
    };
    let mut attachments = Vec::new();
    for v in f.all("f_pa") {
        let file = super::counter::file_of(&v).ok_or_else(|| {
            UiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Tệp đính kèm không đọc được; hãy đính kèm lại.",
            )
        })?;
        attachments.push(domain::dossier::FileRef {
            sha256: file.sha256,
            name: file.name,
            size: file.size,
            media_type: file.media_type,
            signature: None,
        });
    }
    Ok(Petition {
        title: f.get("title"),
        content: f.get("content"),
        about,
        name,
        phone: f.opt("phone"),
        email: f.opt("email"),
        id_number: None,
        channel: domain::feedback::FeedbackChannel::Portal,
        attachments,
        national_id: None,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "feedback_confirm.html")]
struct ConfirmPage {
    chrome: Chrome,
    token: String,
    sent_to: String,
    expires: String,
    error: String,
}

/// Sends the form: a signed-in citizen for themself, a counter officer for a visitor, or
/// someone without an account (a code goes to their phone or e-mail first).
pub async fn submit(
    State(app): State<App>,
    Caller(client): Caller,
    posted: Posted,
) -> Result<Response, UiError> {
    let viewer = &posted.viewer;
    let f = &posted.fields;
    let Some(actor) = &viewer.actor else {
        let done = async {
            let petition = petition_of(f, &Actor::System)?;
            let agency = match f.opt("agency") {
                Some(a) if !matches!(petition.about, About::Dossier { .. }) => {
                    Some(AgencyId::parse(&a)?)
                }
                _ => None,
            };
            Ok::<_, UiError>(
                app.feedback()
                    .submit_anonymous(petition, agency, &client)
                    .await?,
            )
        }
        .await;
        return Ok(match done {
            Ok(p) => ConfirmPage {
                chrome: Chrome::new(viewer, "Xác nhận gửi phản ánh", "/phan-anh"),
                token: p.token,
                sent_to: p.sent_to,
                expires: when(p.expires_at),
                error: String::new(),
            }
            .into_response(),
            Err(e) => (
                e.status,
                new_page(&app, viewer, posted.fields.clone(), e.message),
            )
                .into_response(),
        });
    };
    let done = async {
        let petition = petition_of(f, actor)?;
        let agency = match f.opt("agency") {
            Some(a) if !matches!(petition.about, About::Dossier { .. }) => {
                Some(AgencyId::parse(&a)?)
            }
            _ => None,
        };
        Ok::<_, UiError>(app.feedback().submit(actor, petition, agency).await?)
    }
    .await;
    match done {
        Ok(fb) => {
            let to = if viewer.officer().is_some() {
                format!("/can-bo/phan-anh/{}?da-gui=1", fb.code)
            } else {
                format!("/phan-anh/{}?da-gui=1", fb.code)
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) if e.is_login() => Err(e),
        Err(e) => Ok((
            e.status,
            new_page(&app, viewer, posted.fields.clone(), e.message),
        )
            .into_response()),
    }
}

/// Xác nhận: the code received sends the waiting feedback.
pub async fn confirm(
    State(app): State<App>,
    Caller(client): Caller,
    posted: Posted,
) -> Result<Response, UiError> {
    let f = &posted.fields;
    let token = f.get("token");
    match app
        .feedback()
        .confirm(&token, &f.get("code"), &client)
        .await
    {
        Ok(fb) => Ok(Redirect::to(&format!("/phan-anh/{}?da-gui=1", fb.code)).into_response()),
        Err(e) if e.code == "feedback_code_wrong" && e.message.contains("còn") => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            ConfirmPage {
                chrome: Chrome::new(&posted.viewer, "Xác nhận gửi phản ánh", "/phan-anh"),
                token: token.chars().take(64).collect(),
                sent_to: String::new(),
                expires: String::new(),
                error: e.message,
            },
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

/// One event of a feedback's history, as its page shows it.
pub struct HistoryLine {
    pub at: String,
    pub who: String,
    pub what: String,
    pub text: String,
}

/// The history as a page shows it; the petitioner does not see a draft before it is approved.
fn history_lines(
    app: &App,
    records: &[app::feedback::FeedbackRecord],
    petitioner: bool,
) -> Vec<HistoryLine> {
    records
        .iter()
        .map(|r| {
            let at = DateTime::from_timestamp_millis(r.at_ms).unwrap_or_default();
            let (what, text) = match &r.event {
                FeedbackEvent::Received { repeat_of, .. } => (
                    "Tiếp nhận".to_string(),
                    if repeat_of.is_some() {
                        "Phản ánh lặp lại của cùng người về cùng việc".into()
                    } else {
                        String::new()
                    },
                ),
                FeedbackEvent::Classified { category } => {
                    ("Phân loại".into(), category.label().to_string())
                }
                FeedbackEvent::Assigned { name, .. } => ("Phân công".into(), name.clone()),
                FeedbackEvent::Refused { reason } => ("Từ chối tiếp nhận".into(), reason.clone()),
                FeedbackEvent::InformationRequested { question } => {
                    ("Đề nghị bổ sung thông tin".into(), question.clone())
                }
                FeedbackEvent::InformationGiven { answer } => {
                    ("Bổ sung thông tin".into(), answer.clone())
                }
                FeedbackEvent::Transferred { to, reason } => (
                    format!("Chuyển đến {}", app.agencies().name_of(to)),
                    reason.clone(),
                ),
                FeedbackEvent::AnswerDrafted { answer } => (
                    "Dự thảo trả lời".into(),
                    if petitioner {
                        String::new()
                    } else {
                        answer.clone()
                    },
                ),
                FeedbackEvent::Approved => ("Duyệt câu trả lời".into(), String::new()),
                FeedbackEvent::Published => ("Công khai câu trả lời".into(), String::new()),
                FeedbackEvent::Rated { satisfied } => (
                    "Đánh giá câu trả lời".into(),
                    if *satisfied {
                        "Hài lòng"
                    } else {
                        "Không hài lòng"
                    }
                    .into(),
                ),
            };
            HistoryLine {
                at: when(at),
                who: r.actor.clone(),
                what,
                text,
            }
        })
        .collect()
}

/// What every feedback page shows of it.
pub struct Shown {
    pub code: String,
    pub title: String,
    pub content: String,
    pub about: String,
    pub agency: String,
    pub stage: String,
    pub received: String,
    pub due: String,
    pub late: bool,
    pub category: String,
    pub answer: String,
    pub published: String,
    pub likes: u32,
    pub dislikes: u32,
    pub repeat: bool,
    /// The agency's open question to the petitioner (waiting for information).
    pub question: String,
    /// Người phản ánh and how to reach them (officers only).
    pub petitioner: String,
    /// Người được phân công.
    pub assignee: String,
    pub channel: String,
    pub version: u64,
    /// Tệp đính kèm: (address, name) — for the petitioner and officers only.
    pub files: Vec<(String, String)>,
}

fn shown(app: &App, f: &StoredFeedback, records: &[app::feedback::FeedbackRecord]) -> Shown {
    let due = app.feedback().due(&f.state).ok().flatten();
    let question = if f.state.stage == FeedbackStage::WaitingInformation {
        records
            .iter()
            .rev()
            .find_map(|r| match &r.event {
                FeedbackEvent::InformationRequested { question } => Some(question.clone()),
                _ => None,
            })
            .unwrap_or_default()
    } else {
        String::new()
    };
    let p = &f.petition;
    let contact: Vec<&str> = [p.phone.as_deref(), p.email.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    Shown {
        code: f.code.clone(),
        title: p.title.clone(),
        content: p.content.clone(),
        about: about_text(&p.about),
        agency: app.agencies().name_of(&f.state.agency),
        stage: f.state.stage.label().into(),
        received: when(f.state.received_at),
        due: due.map(when).unwrap_or_default(),
        late: due.is_some_and(|d| d < app.now()),
        category: f
            .state
            .category
            .map(|c| c.label().to_string())
            .unwrap_or_default(),
        answer: f.state.answer.clone().unwrap_or_default(),
        published: f.state.published_at.map(when).unwrap_or_default(),
        likes: f.state.likes,
        dislikes: f.state.dislikes,
        repeat: f.state.repeat_of.is_some(),
        question,
        petitioner: if contact.is_empty() {
            p.name.clone()
        } else {
            format!("{} ({})", p.name, contact.join(", "))
        },
        assignee: f
            .state
            .assignee
            .as_ref()
            .map(|a| a.1.clone())
            .unwrap_or_default(),
        channel: match p.channel {
            domain::feedback::FeedbackChannel::Portal => "Cổng dịch vụ công",
            domain::feedback::FeedbackChannel::Counter => "Tại Bộ phận Một cửa",
            domain::feedback::FeedbackChannel::National => "Hệ thống tiếp nhận PAKN quốc gia",
        }
        .into(),
        version: f.version,
        files: p
            .attachments
            .iter()
            .map(|a| {
                (
                    format!("/phan-anh/{}/tep/{}", f.code, a.sha256),
                    a.name.clone(),
                )
            })
            .collect(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct PageParams {
    #[serde(default, rename = "da-gui")]
    sent: String,
    #[serde(default, rename = "xong")]
    done: String,
}

impl PageParams {
    /// What the page says after a redirect: `sent` after sending, `done` after an action.
    fn message(&self, sent: &'static str, done: &'static str) -> &'static str {
        if self.sent == "1" {
            sent
        } else if !self.done.is_empty() {
            done
        } else {
            ""
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "feedback.html")]
struct FeedbackPage {
    chrome: Chrome,
    f: Shown,
    message: String,
    error: String,
    /// The petitioner sees the history and may rate or answer.
    mine: bool,
    may_rate: bool,
    history: Vec<HistoryLine>,
    /// An officer who may handle it is offered their page.
    handle_link: bool,
    /// Not published, seen by someone holding its code only: where it stands, nothing more.
    tracking_only: bool,
}

/// `/phan-anh/{code}`: a published answer (anyone), or the petitioner's own feedback.
pub async fn page(
    State(app): State<App>,
    viewer: Viewer,
    Path(code): Path<String>,
    Query(p): Query<PageParams>,
) -> Result<Response, UiError> {
    let message = p.message(
        "Đã gửi phản ánh, kiến nghị. Ghi lại mã để theo dõi; câu trả lời sẽ được công khai tại trang này.",
        "Đã ghi nhận. Cảm ơn ông/bà.",
    );
    feedback_page(&app, &viewer, &code, message, String::new(), StatusCode::OK).await
}

async fn feedback_page(
    app: &App,
    viewer: &Viewer,
    code: &str,
    message: &str,
    error: String,
    status: StatusCode,
) -> Result<Response, UiError> {
    let (f, tracking_only) = match app.feedback().by_code(viewer.actor.as_ref(), code).await {
        Ok(f) => (f, false),
        // Whoever holds the code follows where it stands, without what it says.
        Err(e) if e.code == "feedback_not_found" => (app.feedback().tracking(code).await?, true),
        Err(e) => return Err(e.into()),
    };
    let mine = viewer.actor.as_ref().is_some_and(|a| is_petitioner(a, &f));
    let records = if mine || viewer.officer().is_some() {
        app.feedback().history(viewer.actor.as_ref(), code).await?
    } else {
        Vec::new()
    };
    let rated = records
        .iter()
        .any(|r| matches!(r.event, FeedbackEvent::Rated { .. }));
    let handle_link = viewer
        .actor
        .as_ref()
        .is_some_and(|a| !app.feedback().actions(a, &f).is_empty());
    let page = FeedbackPage {
        chrome: Chrome::new(viewer, format!("Phản ánh {}", f.code), "/phan-anh"),
        may_rate: mine && !rated && f.state.stage == FeedbackStage::Published,
        history: if mine {
            history_lines(app, &records, true)
        } else {
            Vec::new()
        },
        f: {
            let mut shown = shown(app, &f, &records);
            if !mine {
                shown.files.clear();
            }
            if tracking_only {
                shown.title = format!("Phản ánh, kiến nghị {}", f.code);
                shown.content = String::new();
                shown.about = String::new();
            }
            shown
        },
        message: message.into(),
        error,
        mine,
        handle_link,
        tracking_only,
    };
    Ok((status, page).into_response())
}

/// A feedback's attached file, for its petitioner and the officers of its agency.
pub async fn file(
    State(app): State<App>,
    viewer: Viewer,
    Path((code, sha)): Path<(String, String)>,
) -> Result<Response, UiError> {
    let actor = viewer.actor.as_ref().ok_or_else(UiError::login_required)?;
    let (named, stored) = app.feedback().attachment(actor, &code, &sha).await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, stored.media_type),
            (
                axum::http::header::CONTENT_DISPOSITION,
                super::officer::disposition("inline", &named.name),
            ),
            (
                axum::http::header::CACHE_CONTROL,
                "private, no-store".to_string(),
            ),
        ],
        stored.content,
    )
        .into_response())
}

/// Đánh giá câu trả lời: hài lòng or không hài lòng, once, by the petitioner.
pub async fn rate(
    State(app): State<App>,
    Path(code): Path<String>,
    posted: Posted,
) -> Result<Response, UiError> {
    let viewer = &posted.viewer;
    let Some(actor @ Actor::Citizen { .. }) = &viewer.actor else {
        return Err(UiError::login_required());
    };
    let satisfied = match posted.fields.get("satisfied").as_str() {
        "co" => Ok(true),
        "khong" => Ok(false),
        _ => Err(UiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Chọn: hài lòng hoặc không hài lòng với câu trả lời.",
        )),
    };
    let done = match satisfied {
        Ok(s) => app
            .feedback()
            .rate(actor, &code, s)
            .await
            .map_err(UiError::from),
        Err(e) => Err(e),
    };
    after(&app, viewer, &code, done.map(|_| ())).await
}

/// Bổ sung thông tin the agency asked for, by the petitioner.
pub async fn give_information(
    State(app): State<App>,
    Path(code): Path<String>,
    posted: Posted,
) -> Result<Response, UiError> {
    let viewer = &posted.viewer;
    let Some(actor @ Actor::Citizen { .. }) = &viewer.actor else {
        return Err(UiError::login_required());
    };
    let done = app
        .feedback()
        .give_information(actor, &code, &posted.fields.get("answer"))
        .await
        .map(|_| ())
        .map_err(UiError::from);
    after(&app, viewer, &code, done).await
}

async fn after(
    app: &App,
    viewer: &Viewer,
    code: &str,
    done: Result<(), UiError>,
) -> Result<Response, UiError> {
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/phan-anh/{code}?xong=1")).into_response()),
        Err(e) if e.is_login() || e.status == StatusCode::NOT_FOUND => Err(e),
        Err(e) => feedback_page(app, viewer, code, "", e.message, e.status).await,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct InboxParams {
    /// `1`: the ended ones too.
    #[serde(default, rename = "tat-ca")]
    all: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "feedback_inbox.html")]
struct InboxPage {
    chrome: Chrome,
    lines: Vec<Line>,
    all: bool,
    /// Thời hạn xử lý (`[feedback]`).
    rules: domain::feedback::FeedbackRules,
}

/// `/can-bo/phan-anh`: the feedback of the officer's agencies, open ones by their limit.
pub async fn inbox(
    State(app): State<App>,
    viewer: Viewer,
    Query(p): Query<InboxParams>,
) -> Result<Response, UiError> {
    let (_, actor) = viewer.require_officer()?;
    let all = p.all == "1";
    let list = app.feedback().inbox(actor, !all).await?;
    let lines = list
        .iter()
        .map(|(f, due)| Line::of(&app, f, *due))
        .collect();
    Ok(InboxPage {
        rules: app.settings().feedback,
        chrome: Chrome::new(&viewer, "Phản ánh, kiến nghị cần xử lý", "/can-bo/phan-anh"),
        lines,
        all,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "feedback_handle.html")]
struct HandlePage {
    chrome: Chrome,
    f: Shown,
    message: String,
    error: String,
    actions: Vec<&'static str>,
    history: Vec<HistoryLine>,
    agencies: Vec<AgencyChoice>,
    /// The draft being approved.
    draft: String,
    /// Who may be assigned: (id, name).
    officers: Vec<(String, String)>,
    /// Thời hạn xử lý (`[feedback]`).
    rules: domain::feedback::FeedbackRules,
}

impl HandlePage {
    fn can(&self, action: &str) -> bool {
        self.actions.contains(&action)
    }
}

/// `/can-bo/phan-anh/{code}`: the feedback, its history, and what the officer can do now.
pub async fn handle_page(
    State(app): State<App>,
    viewer: Viewer,
    Path(code): Path<String>,
    Query(p): Query<PageParams>,
) -> Result<Response, UiError> {
    let message = p.message(
        "Đã ghi nhận phản ánh, kiến nghị. Đưa mã cho người phản ánh để theo dõi.",
        "Đã ghi nhận.",
    );
    handle(&app, &viewer, &code, message, String::new(), StatusCode::OK).await
}

async fn handle(
    app: &App,
    viewer: &Viewer,
    code: &str,
    message: &str,
    error: String,
    status: StatusCode,
) -> Result<Response, UiError> {
    let (_, actor) = viewer.require_officer()?;
    let f = app.feedback().by_code(Some(actor), code).await?;
    let records = app.feedback().history(Some(actor), code).await?;
    let actions = app.feedback().actions(actor, &f);
    let officers = if actions.contains(&"assign") {
        app.feedback()
            .assignable(&f)
            .await?
            .into_iter()
            .map(|o| {
                let name = match &o.title {
                    Some(t) => format!("{} — {t}", o.full_name),
                    None => o.full_name.to_string(),
                };
                (o.id.to_string(), name)
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = HandlePage {
        rules: app.settings().feedback,
        officers,
        chrome: Chrome::new(viewer, format!("Phản ánh {}", f.code), "/can-bo/phan-anh"),
        draft: f.state.answer.clone().unwrap_or_default(),
        f: shown(app, &f, &records),
        message: message.into(),
        error,
        history: history_lines(app, &records, false),
        agencies: receiving_agencies(app)
            .into_iter()
            .filter(|a| a.id != f.state.agency.as_str())
            .collect(),
        actions,
    };
    Ok((status, page).into_response())
}

/// The event an officer's form asks for.
fn event_of(action: &str, f: &Fields) -> Result<FeedbackEvent, UiError> {
    let text = || f.get("text");
    Ok(match action {
        "phan-loai" => FeedbackEvent::Classified {
            category: match f.get("category").as_str() {
                "rules" => Category::Rules,
                "conduct" => Category::Conduct,
                _ => {
                    return Err(UiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "Chọn loại: quy định hành chính hoặc hành vi hành chính.",
                    ));
                }
            },
        },
        "phan-cong" => FeedbackEvent::Assigned {
            officer: f.get("officer"),
            name: String::new(),
        },
        "tu-choi" => FeedbackEvent::Refused { reason: text() },
        "de-nghi-bo-sung" => FeedbackEvent::InformationRequested { question: text() },
        "chuyen" => FeedbackEvent::Transferred {
            to: AgencyId::parse(&f.get("to")).map_err(|_| {
                UiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Chọn cơ quan có thẩm quyền để chuyển.",
                )
            })?,
            reason: text(),
        },
        "du-thao" => FeedbackEvent::AnswerDrafted { answer: text() },
        "duyet" => FeedbackEvent::Approved,
        "cong-khai" => FeedbackEvent::Published,
        _ => {
            return Err(UiError::new(
                StatusCode::NOT_FOUND,
                "Không có thao tác này đối với phản ánh.",
            ));
        }
    })
}

/// An officer's action on a feedback.
pub async fn act(
    State(app): State<App>,
    Path((code, action)): Path<(String, String)>,
    posted: Posted,
) -> Result<Response, UiError> {
    let viewer = &posted.viewer;
    let (_, actor) = viewer.require_officer()?;
    let f = &posted.fields;
    let version = f.get("version").parse::<u64>().ok();
    let done = async {
        let event = event_of(&action, f)?;
        app.feedback()
            .act(actor, &code, event, version)
            .await
            .map_err(UiError::from)
    }
    .await;
    match done {
        Ok(_) => Ok(Redirect::to(&format!("/can-bo/phan-anh/{code}?xong=1")).into_response()),
        Err(e) if e.is_login() || e.status == StatusCode::NOT_FOUND => Err(e),
        Err(e) => handle(&app, viewer, &code, "", e.message, e.status).await,
    }
}

/// The feedback figures of a period per agency, with their total (QĐ 766 5.1–5.3, TT 01/2018
/// index 8).
fn counts_table(
    title: String,
    lines: &[(String, FeedbackCounts)],
    total: &FeedbackCounts,
) -> Table {
    let percent = |n: i64, d: i64| {
        if d == 0 {
            None
        } else {
            Some(n as f64 / d as f64)
        }
    };
    let line = |name: &str, c: &FeedbackCounts| {
        vec![
            Cell::Text(name.to_string()),
            Cell::Int(c.rules + c.conduct + c.unclassified),
            Cell::Int(c.rules),
            Cell::Int(c.conduct),
            Cell::Int(c.handled),
            Cell::Int(c.on_time),
            Cell::Percent(percent(c.on_time, c.handled)),
            Cell::Int(c.first_received),
            Cell::Int(c.satisfied),
            Cell::Percent(percent(c.satisfied, c.first_received)),
            Cell::Int(c.prolonged),
            Cell::Int(i64::from(domain::feedback::index_8(c))),
        ]
    };
    let mut rows: Vec<Vec<Cell>> = lines.iter().map(|(n, c)| line(n, c)).collect();
    rows.push(line("Tổng cộng", total));
    Table {
        title,
        headers: [
            "Cơ quan",
            "Tiếp nhận trong kỳ",
            "Về quy định hành chính",
            "Về hành vi hành chính",
            "Phải xử lý trong kỳ",
            "Xử lý đúng hạn",
            "Tỷ lệ đúng hạn",
            "Tiếp nhận lần đầu",
            "Hài lòng",
            "Tỷ lệ hài lòng",
            "Kéo dài, quá hạn",
            "Điểm chỉ số 8 (TT 01/2018)",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

/// The period's feedback table for what the officer sees (the feedback page and the periodic
/// report).
pub async fn figures_table(
    app: &App,
    actor: &domain::officer::Actor,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Result<Table, UiError> {
    let (lines, total) = app.feedback().figures(actor, from, to).await?;
    let tree = app.agencies();
    let named: Vec<(String, FeedbackCounts)> = lines
        .into_iter()
        .map(|(a, c)| (tree.name_of(&a), c))
        .collect();
    Ok(counts_table(
        format!(
            "Phản ánh, kiến nghị từ {} đến {}",
            from.format("%d/%m/%Y"),
            to.format("%d/%m/%Y")
        ),
        &named,
        &total,
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct FiguresParams {
    #[serde(default)]
    tu: String,
    #[serde(default)]
    den: String,
    #[serde(default, rename = "tai")]
    download: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "feedback_figures.html")]
struct FiguresPage {
    chrome: Chrome,
    tu: String,
    den: String,
    error: String,
    table: Table,
    open: Vec<Line>,
    /// Thời hạn xử lý (`[feedback]`).
    rules: domain::feedback::FeedbackRules,
}

/// `/lanh-dao/phan-anh`: the feedback of the period per agency, the ones open now, and the
/// table as CSV or XLSX.
pub async fn figures(
    State(app): State<App>,
    viewer: Viewer,
    Query(p): Query<FiguresParams>,
) -> Result<Response, UiError> {
    let (_, actor) = viewer.require_officer()?;
    let today = lich::time::to_vn(&app.now()).date_naive();
    let first = chrono::Datelike::with_day(&today, 1).unwrap_or(today);
    let (from, to, error) = super::leader::period(&p.tu, &p.den, first, today);
    let table = figures_table(&app, actor, from, to).await?;
    if error.is_empty() && matches!(p.download.as_str(), "csv" | "xlsx") {
        return Ok(table.download(&format!("phan-anh-{from}-{to}"), &p.download));
    }
    let open = app
        .feedback()
        .inbox(actor, true)
        .await?
        .iter()
        .map(|(f, due)| Line::of(&app, f, *due))
        .collect();
    let status = super::status_for(&error);
    Ok((
        status,
        FiguresPage {
            rules: app.settings().feedback,
            chrome: Chrome::new(&viewer, "Phản ánh, kiến nghị — số liệu", "/lanh-dao"),
            tu: from.to_string(),
            den: to.to_string(),
            error,
            table,
            open,
        },
    )
        .into_response())
}
