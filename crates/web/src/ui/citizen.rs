//! Trang của công dân — registration, "my dossiers", a dossier's page (status, appointment, the
//! supplement asked for and the form to send it without opening a new dossier, the rating once
//! the result is returned), and online submission of a procedure.

use app::App;
use app::citizens::Registration;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use domain::agency::AgencyKind;
use domain::dossier::Stage;
use domain::officer::Actor;
use domain::procedure::{OnlineKind, ProcedureLevel};
use domain::rating::{QUESTIONS, Rating};

use super::counter::{CheckLine, checklist, intake_input};
use super::session::{Fields, Posted, Viewer, start_session};
use super::{Chrome, UiError, appointment_of, day, when};
use crate::Caller;
use crate::api::dto::{self, build};
use crate::api::error::ApiError;

/// The citizen, or the login page.
pub(super) fn citizen(viewer: &Viewer) -> Result<&Actor, UiError> {
    match &viewer.actor {
        Some(a @ Actor::Citizen { .. }) => Ok(a),
        _ => Err(UiError::login_required()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "register.html")]
struct RegisterPage {
    chrome: Chrome,
    f: Fields,
    error: String,
}

impl RegisterPage {
    fn value(&self, field: &str) -> String {
        self.f.get(field)
    }
}

pub async fn register_form(viewer: Viewer) -> Response {
    RegisterPage {
        chrome: Chrome::new(&viewer, "Đăng ký tài khoản công dân", ""),
        f: Fields::default(),
        error: String::new(),
    }
    .into_response()
}

pub async fn register(
    State(app): State<App>,
    Caller(client): Caller,
    headers: HeaderMap,
    posted: Posted,
) -> Response {
    let f = &posted.fields;
    let refuse = |status: StatusCode, error: String| {
        (
            status,
            RegisterPage {
                chrome: Chrome::new(&posted.viewer, "Đăng ký tài khoản công dân", ""),
                f: f.clone(),
                error,
            },
        )
            .into_response()
    };
    if f.get("password") != f.get("password2") {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Hai lần nhập mật khẩu không khớp.".into(),
        );
    }
    let r = Registration {
        name: f.get("name"),
        id_number: f.get("id_number"),
        phone: f.get("phone"),
        email: f.get("email"),
        password: f.get("password"),
    };
    let _ = &headers;
    match app.citizens().register_citizen(&r, &client).await {
        // Redirected: refreshing the page does not register (and send a code) again.
        Ok(p) => {
            let query = serde_urlencoded::to_string([("so", &p.id_number), ("den", &p.sent_to)])
                .unwrap_or_default();
            Redirect::to(&format!("/dang-ky/xac-nhan?{query}")).into_response()
        }
        Err(e) => {
            let e = UiError::from(e);
            refuse(e.status, e.message)
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "register_confirm.html")]
struct ConfirmPage {
    chrome: Chrome,
    id_number: String,
    sent_to: String,
    expires: String,
    error: String,
}

/// Where the confirmation code goes (`?so=` the id number, digits only).
#[derive(Debug, Default, serde::Deserialize)]
pub struct ConfirmParams {
    #[serde(default)]
    so: String,
    /// The masked phone or e-mail the code went to ("09•••••111"); only such characters shown.
    #[serde(default)]
    den: String,
}

/// `GET /dang-ky/xac-nhan`: the form for the code just sent.
pub async fn confirm_form(
    viewer: Viewer,
    axum::extract::Query(p): axum::extract::Query<ConfirmParams>,
) -> Response {
    ConfirmPage {
        chrome: Chrome::new(&viewer, "Xác nhận đăng ký", ""),
        id_number: p.so.chars().filter(char::is_ascii_digit).take(12).collect(),
        sent_to: Some(p.den)
            .filter(|d| {
                !d.is_empty()
                    && d.chars().count() <= 60
                    && d.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "•@.-_+".contains(c))
            })
            .unwrap_or_else(|| "số điện thoại hoặc thư điện tử đã khai".into()),
        expires: String::new(),
        error: String::new(),
    }
    .into_response()
}

/// Xác nhận đăng ký: the right code opens the account and signs the citizen in.
pub async fn confirm(
    State(app): State<App>,
    Caller(client): Caller,
    headers: HeaderMap,
    posted: Posted,
) -> Response {
    let f = &posted.fields;
    let id_number = f.get("id_number");
    let confirmed = match app
        .citizens()
        .confirm_registration(&id_number, &f.get("code"), &client)
        .await
    {
        Ok(account) => app.citizens().open_session(account).await,
        Err(e) => Err(e),
    };
    match confirmed {
        Ok(s) => (
            start_session(s.token, &headers),
            Redirect::to("/ho-so-cua-toi"),
        )
            .into_response(),
        Err(e) => {
            let e = UiError::from(e);
            let page = ConfirmPage {
                chrome: Chrome::new(&posted.viewer, "Xác nhận đăng ký", ""),
                id_number: id_number
                    .chars()
                    .filter(char::is_ascii_digit)
                    .take(12)
                    .collect(),
                sent_to: "số điện thoại hoặc thư điện tử đã khai".into(),
                expires: String::new(),
                error: e.message,
            };
            (e.status, page).into_response()
        }
    }
}

/// A line of "my dossiers".
pub struct MyRow {
    pub code: String,
    pub procedure: String,
    pub status: &'static str,
    pub appointment: String,
    pub action: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "my_dossiers.html")]
struct MyDossiers {
    chrome: Chrome,
    rows: Vec<MyRow>,
    /// The link form's code, kept when it is shown again.
    code: String,
    message: String,
    error: String,
}

fn status_of(key: &str) -> Option<Stage> {
    serde_json::from_value(serde_json::Value::String(key.to_string())).ok()
}

pub async fn my_dossiers(State(app): State<App>, viewer: Viewer) -> Result<Response, UiError> {
    Ok(
        my_dossiers_page(&app, &viewer, String::new(), String::new(), String::new())
            .await?
            .into_response(),
    )
}

async fn my_dossiers_page(
    app: &App,
    viewer: &Viewer,
    code: String,
    message: String,
    error: String,
) -> Result<MyDossiers, UiError> {
    let actor = citizen(viewer)?;
    let rows = app
        .citizens()
        .my_dossiers(actor)
        .await?
        .into_iter()
        .map(|r| {
            let stage = status_of(&r.stage);
            MyRow {
                status: stage.map_or("", |s| s.national_status().label()),
                action: match stage {
                    Some(Stage::IntakeSupplement | Stage::SupplementRequested) => "Cần nộp bổ sung",
                    Some(Stage::Returned) => "Đánh giá",
                    _ => "",
                },
                code: r.code,
                procedure: r.procedure_name,
                appointment: r.appointment.map(day).unwrap_or_default(),
            }
        })
        .collect();
    Ok(MyDossiers {
        chrome: Chrome::new(viewer, "Hồ sơ của tôi", "/ho-so-cua-toi"),
        rows,
        code,
        message,
        error,
    })
}

/// Thêm hồ sơ vào tài khoản: the code and access code of a receipt.
pub async fn link(
    State(app): State<App>,
    Caller(client): Caller,
    posted: Posted,
) -> Result<Response, UiError> {
    let viewer = &posted.viewer;
    let actor = citizen(viewer)?;
    let f = &posted.fields;
    match app
        .citizens()
        .link_dossier(actor, &f.get("code"), &f.get("access_code"), &client)
        .await
    {
        // After a POST, a page to go to (a refresh does not post again).
        Ok(d) => Ok(Redirect::to(&format!("/ho-so-cua-toi/{}?them=1", d.code)).into_response()),
        Err(e) => {
            let e = UiError::from(e);
            let code = domain::error::shorten(&f.get("code"));
            let page = my_dossiers_page(&app, viewer, code, String::new(), e.message).await?;
            Ok((e.status, page).into_response())
        }
    }
}

/// A rating question with its three answers.
pub struct Question {
    pub key: &'static str,
    pub text: &'static str,
    pub answers: [&'static str; 3],
}

#[derive(Template, WebTemplate)]
#[template(path = "my_dossier.html")]
struct MyDossier {
    chrome: Chrome,
    code: String,
    procedure: String,
    status: &'static str,
    received: String,
    appointment: String,
    original_appointment: String,
    apology: String,
    /// The supplement asked for, when one is open: reason and items.
    supplement: Option<(String, Vec<String>)>,
    checklist: Vec<CheckLine>,
    can_rate: bool,
    rated: bool,
    questions: Vec<Question>,
    /// The signed electronic result, to download.
    electronic: Option<super::ElectronicLine>,
    /// Phí, lệ phí còn phải nộp, in figures and words, when something is owed.
    owed: Option<(String, String)>,
    /// The VietQR code that pays it, when the agency has a collecting account.
    transfer: Option<super::TransferLine>,
    /// Biên lai điện tử in force: what it says, and its PDF and XML.
    receipts: Vec<super::officer::ReceiptLine>,
    /// Whether the fee can be paid online now (a gateway is connected and something is owed).
    pay_online: bool,
    /// The confirmation of an online submission not yet received (shown after submitting).
    sent: Option<Sent>,
    message: String,
    error: String,
}

async fn my_dossier_page(
    app: &App,
    viewer: &Viewer,
    code: &str,
    message: String,
    error: String,
) -> Result<MyDossier, UiError> {
    let actor = citizen(viewer)?;
    let id = app.queries().dossier_by_code(actor, code).await?;
    let detail = app.queries().dossier_detail(actor, id, None).await?;
    let d = &detail.dossier;
    let open_supplement = matches!(
        d.stage,
        Stage::IntakeSupplement | Stage::SupplementRequested
    )
    .then(|| {
        d.supplements
            .iter()
            .rev()
            .find(|s| s.completed_at.is_none())
    })
    .flatten();
    let rated = app.citizens().is_rated(id).await?;
    let (appointment, original_appointment, apology) = appointment_of(d);
    let owed = d.fees_outstanding();
    Ok(MyDossier {
        electronic: super::ElectronicLine::of(d),
        owed: (owed > 0).then(|| (super::money(owed), vntext::money::words(owed))),
        transfer: super::TransferLine::of(app, d),
        receipts: super::officer::ReceiptLine::valid_of(d),
        pay_online: owed > 0 && app.pays_online(),
        chrome: Chrome::new(viewer, format!("Hồ sơ {}", d.code), "/ho-so-cua-toi"),
        code: d.code.to_string(),
        procedure: d.procedure.name.clone(),
        status: d.stage.national_status().label(),
        received: d
            .received_at
            .map(when)
            .unwrap_or_else(|| "Chưa tiếp nhận".into()),
        appointment,
        original_appointment,
        apology,
        supplement: open_supplement.map(|s| {
            (
                s.reason.clone(),
                s.items.iter().map(|i| i.text.clone()).collect(),
            )
        }),
        checklist: if open_supplement.is_some() {
            checklist(&d.procedure.components, &[], &Fields::default(), true)
        } else {
            Vec::new()
        },
        can_rate: d.stage == Stage::Returned && !rated,
        rated,
        questions: QUESTIONS
            .iter()
            .map(|(key, text, answers)| Question {
                key,
                text,
                answers: *answers,
            })
            .collect(),
        sent: (d.received_at.is_none() && d.stage == Stage::Submitted).then(|| Sent {
            at: when(d.opened_at),
            centre: app.agencies().name_of(&d.receiving),
            parts: d
                .components
                .iter()
                .map(|c| {
                    let files = if c.by_data {
                        "khai thác từ cơ sở dữ liệu".to_string()
                    } else {
                        c.files
                            .iter()
                            .map(|f| f.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    (c.name.clone(), files)
                })
                .collect(),
            contact: [
                d.applicant.phone().map(|p| p.to_string()),
                d.applicant.email().map(|e| e.to_string()),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", "),
        }),
        message,
        error,
    })
}

/// What the page was opened after.
#[derive(Debug, Default, serde::Deserialize)]
pub struct MyDossierParams {
    /// Just added to the account with its access code.
    #[serde(default)]
    them: String,
    /// Just submitted online: the confirmation is shown.
    #[serde(default)]
    moi: String,
}

/// Xác nhận đã gửi: what the citizen sees right after submitting online.
struct Sent {
    at: String,
    centre: String,
    /// Each component with the names of its attached files (or how it was given instead).
    parts: Vec<(String, String)>,
    /// Where the notices go (phone, e-mail), or empty.
    contact: String,
}

pub async fn my_dossier(
    State(app): State<App>,
    viewer: Viewer,
    Path(code): Path<String>,
    axum::extract::Query(params): axum::extract::Query<MyDossierParams>,
) -> Result<Response, UiError> {
    let message = if params.them.is_empty() {
        String::new()
    } else {
        "Đã thêm hồ sơ vào tài khoản của ông/bà.".to_string()
    };
    let mut page = my_dossier_page(&app, &viewer, &code, message, String::new()).await?;
    if params.moi.is_empty() {
        page.sent = None;
    }
    Ok(gateway_may_follow(&app, page.into_response()))
}

/// A dossier page whose payment form leads on to the gateway: its policy lets the form go there.
fn gateway_may_follow(app: &App, mut page: Response) -> Response {
    if let Some(csp) = app
        .gateway_origin()
        .and_then(|o| crate::page_csp_with_form_target(&o))
    {
        page.headers_mut()
            .insert(axum::http::header::CONTENT_SECURITY_POLICY, csp);
    }
    page
}

/// Nộp bổ sung: the components sent, on the same dossier.
pub async fn supplement(
    State(app): State<App>,
    Path(code): Path<String>,
    posted: Posted,
) -> Result<Response, UiError> {
    let viewer = &posted.viewer;
    let actor = citizen(viewer)?;
    let id = app.queries().dossier_by_code(actor, &code).await?;
    let input = intake_input(&posted.fields, None);
    let outcome = build::submit_supplement(dto::SubmitSupplementInput {
        components: input.components,
        note: posted.fields.get("note"),
    })
    .map_err(UiError::from);
    let done = match outcome {
        Ok(command) => app
            .handling()
            .act(actor, id, None, command)
            .await
            .map(|_| ())
            .map_err(UiError::from),
        Err(e) => Err(e),
    };
    finish(
        &app,
        viewer,
        &code,
        done,
        "Đã nộp bổ sung. Cơ quan sẽ xem xét và thông báo.",
    )
    .await
}

async fn finish(
    app: &App,
    viewer: &Viewer,
    code: &str,
    done: Result<(), UiError>,
    message: &str,
) -> Result<Response, UiError> {
    match done {
        Ok(()) => {
            let page = my_dossier_page(app, viewer, code, message.into(), String::new()).await?;
            Ok(gateway_may_follow(app, page.into_response()))
        }
        Err(e) if e.is_login() => Err(e),
        Err(e) => {
            let status = e.status;
            let page = my_dossier_page(app, viewer, code, String::new(), e.message).await?;
            Ok(gateway_may_follow(app, (status, page).into_response()))
        }
    }
}

/// Đánh giá.
pub async fn rate(
    State(app): State<App>,
    Path(code): Path<String>,
    posted: Posted,
) -> Result<Response, UiError> {
    let viewer = &posted.viewer;
    let actor = citizen(viewer)?;
    let f = &posted.fields;
    let score = |key: &str| -> Result<u8, UiError> {
        f.get(key).parse::<u8>().map_err(|_| {
            let question = QUESTIONS.iter().find(|q| q.0 == key).map_or(key, |q| q.1);
            UiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("Chọn một câu trả lời cho: {question}."),
            )
        })
    };
    let done = async {
        let rating = Rating {
            contacts: score("contacts")?,
            agencies: score("agencies")?,
            publication: score("publication")?,
            attitude: score("attitude")?,
            extra_costs: f.get("extra_costs") == "co",
            satisfied: match f.get("satisfied").as_str() {
                "co" => true,
                "khong" => false,
                _ => {
                    return Err(UiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "Chọn: ông/bà có hài lòng hay không.",
                    ));
                }
            },
        };
        let id = app.queries().dossier_by_code(actor, &code).await?;
        app.citizens()
            .rate(actor, id, rating, &f.get("comment"))
            .await?;
        Ok(())
    }
    .await;
    finish(&app, viewer, &code, done, "Cảm ơn ông/bà đã đánh giá.").await
}

/// A service centre to submit to.
pub struct CentreChoice {
    pub id: String,
    pub name: String,
}

/// The centres that receive procedures of a level (a commune's, or the province's), by name.
pub(super) fn centres_for(app: &App, level: ProcedureLevel) -> Vec<CentreChoice> {
    let tree = app.agencies();
    let wanted = match level {
        ProcedureLevel::Commune => AgencyKind::CommuneCommittee,
        ProcedureLevel::Province => AgencyKind::ProvincialCommittee,
    };
    let mut centres: Vec<CentreChoice> = tree
        .all()
        .filter(|a| a.kind == AgencyKind::ServiceCenter)
        .filter(|a| tree.committee_of(&a.id).is_some_and(|c| c.kind == wanted))
        .map(|a| CentreChoice {
            id: a.id.to_string(),
            name: a.name.clone(),
        })
        .collect();
    centres.sort_by(|a, b| a.name.cmp(&b.name));
    centres
}

#[derive(Template, WebTemplate)]
#[template(path = "submit.html")]
struct SubmitPage {
    chrome: Chrome,
    code: String,
    name: String,
    citizen_name: String,
    id_number: String,
    centres: Vec<CentreChoice>,
    checklist: Vec<CheckLine>,
    f: Fields,
    error: String,
    /// Signed in with the national identity: their data store is offered.
    store: bool,
}

impl SubmitPage {
    fn value(&self, field: &str) -> String {
        self.f.get(field)
    }

    /// The fields filled from data (see `counter::provenance_of`).
    fn filled(&self) -> Vec<String> {
        self.f.all("filled")
    }
}

async fn submit_page(
    app: &App,
    viewer: &Viewer,
    code: &str,
    f: Fields,
    fresh: bool,
    error: String,
) -> Result<SubmitPage, UiError> {
    let actor = citizen(viewer)?;
    let Actor::Citizen {
        name,
        id_number,
        access,
    } = actor
    else {
        return Err(UiError::login_required());
    };
    let p = app.catalogue().procedure(code).await?;
    let identity = *access == domain::officer::CitizenAccess::Identity;
    let mut f = f;
    // Signed in with the national identity, a new form starts from their newest dossier:
    // address and phone filled, and said to be (the citizen may change them).
    if fresh
        && identity
        && let Some(n) = id_number
        && let Some(earlier) = app.queries().applicant_profile(actor, n.as_str()).await?
    {
        f.0.push(("address_line".into(), earlier.address().text.clone()));
        f.0.push(("filled".into(), "address:earlier-dossier".into()));
        if let Some(phone) = earlier.phone() {
            f.0.push(("phone".into(), phone.to_string()));
            f.0.push(("filled".into(), "phone:earlier-dossier".into()));
        }
    }
    // The account's phone, when the form has none yet (walk-through fault 7).
    if fresh
        && f.get("phone").is_empty()
        && let Some(phone) = app
            .citizens()
            .my_account(actor)
            .await
            .ok()
            .flatten()
            .and_then(|a| a.phone)
    {
        f.0.push(("phone".into(), phone));
    }
    if p.online == OnlineKind::None {
        return Err(UiError::new(
            StatusCode::CONFLICT,
            "Thủ tục này chưa nhận hồ sơ trực tuyến; hãy nộp tại Bộ phận Một cửa hoặc qua bưu chính.",
        ));
    }
    let centres = centres_for(app, p.level);
    Ok(SubmitPage {
        chrome: Chrome::new(viewer, format!("Nộp trực tuyến: {}", p.name), ""),
        code: p.code.to_string(),
        name: p.name.clone(),
        citizen_name: name.to_string(),
        id_number: id_number
            .as_ref()
            .map(|n| n.as_str().to_string())
            .unwrap_or_default(),
        centres,
        checklist: checklist(&p.components, &p.paged_components(), &f, fresh),
        f: f.with_form_key(),
        error,
        store: identity,
    })
}

pub async fn submit_form(
    State(app): State<App>,
    viewer: Viewer,
    Path(code): Path<String>,
) -> Result<Response, UiError> {
    if viewer.actor.is_none() {
        return Ok(Redirect::to("/dang-nhap").into_response());
    }
    Ok(
        submit_page(&app, &viewer, &code, Fields::default(), true, String::new())
            .await?
            .into_response(),
    )
}

/// Kho dữ liệu on the online form of a citizen signed in with the national identity: what they
/// hold that fits the procedure, attached with one click.
pub async fn data_store(
    State(app): State<App>,
    viewer: Viewer,
    Path(code): Path<String>,
) -> Result<Response, UiError> {
    let actor = citizen(&viewer)?;
    let Actor::Citizen {
        id_number: Some(n), ..
    } = actor
    else {
        return Err(UiError::login_required());
    };
    Ok(
        super::counter::store_panel(&app, actor, &code, n.as_str(), false)
            .await?
            .into_response(),
    )
}

pub async fn submit(
    State(app): State<App>,
    Caller(client): Caller,
    Path(code): Path<String>,
    posted: Posted,
) -> Result<Response, UiError> {
    let viewer = &posted.viewer;
    let actor = citizen(viewer)?;
    let Actor::Citizen {
        name, id_number, ..
    } = actor
    else {
        return Err(UiError::login_required());
    };
    let mut fields = posted.fields.clone();
    fields.0.retain(|(k, _)| {
        !matches!(
            k.as_str(),
            "kind" | "name" | "id_number" | "procedure_code" | "return_kind"
        )
    });
    fields.0.extend([
        ("kind".to_string(), "citizen".to_string()),
        ("name".to_string(), name.to_string()),
        (
            "id_number".to_string(),
            id_number
                .as_ref()
                .map(|n| n.as_str().to_string())
                .unwrap_or_default(),
        ),
        ("procedure_code".to_string(), code.clone()),
        ("return_kind".to_string(), "electronic".to_string()),
    ]);
    // Name and number are the session's: from the national identity when signed in with it.
    if matches!(
        actor,
        Actor::Citizen {
            access: domain::officer::CitizenAccess::Identity,
            ..
        }
    ) {
        fields.0.extend([
            ("filled".to_string(), "name:identity".to_string()),
            ("filled".to_string(), "id-number:identity".to_string()),
        ]);
    }
    let done: Result<String, ApiError> = async {
        let mut input = intake_input(&fields, None);
        input.receiving = fields.opt("receiving");
        let mut req = input.parse()?;
        req.idempotency = posted.fields.form_key();
        let d = app.intake().submit_online(actor, req, &client).await?;
        Ok(d.code.to_string())
    }
    .await;
    match done {
        Ok(code) => Ok(Redirect::to(&format!("/ho-so-cua-toi/{code}?moi=1")).into_response()),
        Err(e) => {
            let status = e.status;
            let page = submit_page(
                &app,
                viewer,
                &code,
                posted.fields.clone(),
                false,
                e.body.message,
            )
            .await?;
            Ok((status, page).into_response())
        }
    }
}

/// Thanh toán trực tuyến: the applicant is sent to the payment gateway to pay what the dossier
/// still owes.
pub async fn pay(
    State(app): State<App>,
    Path(code): Path<String>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    posted: Posted,
) -> Result<Response, UiError> {
    let viewer = &posted.viewer;
    let actor = citizen(viewer)?;
    let id = app.queries().dossier_by_code(actor, &code).await?;
    match app
        .start_online_payment(actor, id, &peer.ip().to_string())
        .await
    {
        Ok(url) => Ok(Redirect::to(&url).into_response()),
        Err(e) => finish(&app, viewer, &code, Err(e.into()), "").await,
    }
}

/// Kết quả thanh toán: where the payment gateway sends the payer back.
#[derive(Template, WebTemplate)]
#[template(path = "payment_result.html")]
struct PaymentResult {
    chrome: Chrome,
    paid: bool,
    message: String,
    /// The dossier's code, for the way back to it.
    code: String,
    receipt: Option<super::officer::ReceiptLine>,
}

pub async fn payment_returned(
    State(app): State<App>,
    viewer: Viewer,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Result<Response, UiError> {
    let params: Vec<(String, String)> =
        serde_urlencoded::from_str(query.as_deref().unwrap_or_default()).map_err(|_| {
            UiError::new(
                StatusCode::BAD_REQUEST,
                "Địa chỉ trả về từ cổng thanh toán không đọc được: kết quả không được ghi nhận.",
            )
        })?;
    let chrome = Chrome::new(&viewer, "Kết quả thanh toán", "/ho-so-cua-toi");
    let (status, page) = match app.gateway_callback(&params).await? {
        Ok(settled) => {
            let d = settled.dossier();
            let txn = params
                .iter()
                .find(|(k, _)| k == "vnp_TxnRef")
                .map(|(_, v)| v.as_str());
            let receipt = d
                .receipts
                .iter()
                .find(|r| r.valid() && r.reference.as_deref() == txn)
                .map(|r| super::officer::ReceiptLine::of(d, r));
            let (paid, message) = match &settled {
                app::gateway::Settled::Failed(_, why) => (
                    false,
                    format!(
                        "Chưa nộp được phí, lệ phí của hồ sơ: {why}. Ông/bà có thể thanh toán lại."
                    ),
                ),
                _ => (
                    true,
                    match d.fees_outstanding() {
                        0 => format!("Đã thanh toán phí, lệ phí của hồ sơ {}: đã nộp đủ.", d.code),
                        left => format!(
                            "Đã thanh toán phí, lệ phí của hồ sơ {}. Còn phải nộp: {}.",
                            d.code,
                            super::money(left)
                        ),
                    },
                ),
            };
            (
                StatusCode::OK,
                PaymentResult {
                    chrome,
                    paid,
                    message,
                    code: d.code.to_string(),
                    receipt,
                },
            )
        }
        Err(refusal) => (
            StatusCode::BAD_REQUEST,
            PaymentResult {
                chrome,
                paid: false,
                message: refusal.message(),
                code: String::new(),
                receipt: None,
            },
        ),
    };
    Ok((status, page).into_response())
}
