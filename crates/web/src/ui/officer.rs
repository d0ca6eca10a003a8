//! Không gian làm việc của cán bộ (`/can-bo`) — the inbox (what waits for me, soonest due first,
//! due today and overdue marked), the dossier page (timeline from the control slip, components,
//! per-step timing) and the actions the dossier's state allows this officer.

use app::App;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use domain::agency::AgencyId;
use domain::dossier::{Command, CommandKind, Dossier, DossierId, Stage};
use domain::officer::{Actor, OfficerId, Role};
use lich::Timeliness;

use super::session::{Fields, Posted, Viewer};
use super::{Chrome, UiError, appointment_of, when};
use crate::api::dto::{self, build};

/// How close a due instant is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    Overdue,
    DueToday,
    Later,
    None,
}

impl Urgency {
    fn of(due: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Self {
        match due {
            None => Urgency::None,
            Some(d) if d < now => Urgency::Overdue,
            Some(d)
                if lich::time::to_vn(&d).date_naive() == lich::time::to_vn(&now).date_naive() =>
            {
                Urgency::DueToday
            }
            Some(_) => Urgency::Later,
        }
    }

    pub fn class(&self) -> &'static str {
        match self {
            Urgency::Overdue => "qua-han",
            Urgency::DueToday => "den-han",
            _ => "",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Urgency::Overdue => "Quá hạn",
            Urgency::DueToday => "Đến hạn hôm nay",
            _ => "",
        }
    }
}

/// A line of the inbox.
pub struct InboxRow {
    pub id: String,
    pub code: String,
    pub procedure: String,
    pub applicant: String,
    pub stage: String,
    pub due: String,
    pub urgency: Urgency,
    /// Kết quả chờ trả: the result waits for its applicant.
    pub pickup: bool,
    pub mine: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "inbox.html")]
struct InboxPage {
    chrome: Chrome,
    rows: Vec<InboxRow>,
    overdue: usize,
    due_today: usize,
    /// Results waiting for their applicants.
    pickups: usize,
}

fn stage_label(key: &str) -> String {
    serde_json::from_value::<Stage>(serde_json::Value::String(key.to_string()))
        .map_or_else(|_| key.to_string(), |s| s.label().to_string())
}

pub async fn inbox(State(app): State<App>, viewer: Viewer) -> Result<Response, UiError> {
    let (officer, actor) = viewer.require_officer()?;
    let now = app.now();
    let me = officer.id.to_string();
    let rows: Vec<InboxRow> = app
        .queries()
        .inbox(actor)
        .await?
        .into_iter()
        .map(|r| InboxRow {
            id: r.id.to_string(),
            // A result waiting for its applicant is done work: not overdue work.
            urgency: match r.stage.as_str() {
                "result-ready" | "submitted" => Urgency::None,
                _ => Urgency::of(r.due, now),
            },
            pickup: r.stage == "result-ready",
            mine: r.assignee.as_deref() == Some(me.as_str()),
            code: r.code,
            procedure: r.procedure_name,
            applicant: r.applicant_name,
            due: match r.stage.as_str() {
                "submitted" => "Chờ kiểm tra, tiếp nhận".into(),
                "result-ready" => r
                    .appointment
                    .map(|a| format!("Chờ người dân nhận · hẹn {}", when(a)))
                    .unwrap_or_else(|| "Chờ người dân nhận".into()),
                _ => r.due.map(when).unwrap_or_else(|| "—".into()),
            },
            stage: stage_label(&r.stage),
        })
        .collect();
    let page = InboxPage {
        chrome: Chrome::new(&viewer, "Hồ sơ cần xử lý", "/can-bo"),
        overdue: rows
            .iter()
            .filter(|r| r.urgency == Urgency::Overdue)
            .count(),
        due_today: rows
            .iter()
            .filter(|r| r.urgency == Urgency::DueToday)
            .count(),
        pickups: rows.iter().filter(|r| r.pickup).count(),
        rows,
    };
    Ok(page.into_response())
}

/// A line of the timeline (phiếu kiểm soát).
pub struct SlipLine {
    pub at: String,
    pub from: String,
    pub to: String,
    pub result: &'static str,
    pub late: bool,
    pub note: String,
}

/// A step with its own due instant and result.
pub struct StepLine {
    pub name: String,
    pub unit: String,
    pub handler: String,
    pub started: String,
    pub due: String,
    pub ended: String,
    pub result: &'static str,
    pub late: bool,
}

/// A submitted component and its files (name, hash).
pub struct ComponentLine {
    pub name: String,
    pub form: &'static str,
    pub copies: u8,
    /// Name, SHA-256, and what its digital signature says (empty when unsigned).
    pub files: Vec<(String, String, String)>,
    /// Where it came from when not from the applicant's hands: replaced by data, or taken
    /// from their data store (empty otherwise).
    pub source: String,
}

/// Thông tin lấy từ dữ liệu, as the dossier page says it ("Họ tên, số định danh: tài khoản
/// định danh VNeID · Địa chỉ: CSDL quốc gia về dân cư (mã CSDLDC-…)"); empty when none.
fn provenance_note(p: &domain::dossier::Provenance) -> String {
    use domain::dossier::{ApplicantField as F, DataSource as S};
    let field = |f: F| match f {
        F::Name => "họ tên",
        F::IdNumber => "số định danh",
        F::OrganisationName => "tên tổ chức",
        F::TaxCode => "mã số thuế",
        F::Address => "địa chỉ",
        F::Phone => "điện thoại",
        F::Email => "thư điện tử",
    };
    let mut parts = Vec::new();
    for (source, label) in [
        (S::Identity, "tài khoản định danh điện tử VNeID".to_string()),
        (
            S::Population,
            match &p.population {
                Some(l) => format!("CSDL quốc gia về dân cư (mã tra cứu {})", l.reference),
                None => "CSDL quốc gia về dân cư".into(),
            },
        ),
        (S::EarlierDossier, "hồ sơ trước của người nộp".into()),
    ] {
        let fields: Vec<&str> = p
            .filled
            .iter()
            .filter(|f| f.source == source)
            .map(|f| field(f.field))
            .collect();
        if !fields.is_empty() {
            parts.push(format!("{}: {label}", fields.join(", ")));
        }
    }
    if p.vneid && !p.filled.iter().any(|f| f.source == S::Identity) {
        parts.push("nộp bằng tài khoản định danh điện tử VNeID".into());
    }
    if let (Some(l), false) = (
        &p.population,
        p.filled.iter().any(|f| f.source == S::Population),
    ) {
        parts.push(format!(
            "đã tra cứu CSDL quốc gia về dân cư (mã {})",
            l.reference
        ));
    }
    parts.join(" · ")
}

/// What an uploaded file's digital signature says, for the dossier page.
fn signature_note(s: Option<&domain::dossier::FileSignature>) -> String {
    let chain = match s.and_then(|s| s.chain.as_ref()) {
        Some(domain::dossier::ChainTrust::Trusted { root }) => {
            format!("; chuỗi chứng thư tin cậy (gốc: {root})")
        }
        Some(domain::dossier::ChainTrust::Untrusted { why }) => {
            format!("; chuỗi chứng thư không tin cậy: {why}")
        }
        None => String::new(),
    };
    let note = match s {
        None => String::new(),
        Some(s) if !s.intact => format!(
            "có chữ ký số của {} nhưng tệp đã bị thay đổi sau khi ký",
            s.signer
        ),
        Some(s) if !s.covers_whole_file => format!(
            "ký số bởi {} (hợp lệ; tệp có thêm nội dung sau khi ký)",
            s.signer
        ),
        Some(s) => format!("ký số bởi {} (hợp lệ)", s.signer),
    };
    note + &chain
}

/// A choice in a select.
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// What the officer may do now, each with its small form.
pub struct ActionForm {
    pub key: &'static str,
    pub label: &'static str,
    /// Units or officers to choose from, for transfer, assignment and forwarding.
    pub choices: Vec<Choice>,
    /// The approval is signed with the officer's personal key: its PIN is asked for.
    pub signs: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "dossier.html")]
struct DossierPage {
    chrome: Chrome,
    /// Nhật ký truy cập: who opened the dossier and its files, for an inspector or an
    /// administrator (none for the others).
    reads: Option<Vec<super::admin::ReadLine>>,
    id: String,
    version: u64,
    code: String,
    procedure: String,
    applicant: String,
    id_number: String,
    /// Địa chỉ and how to reach the applicant, as they gave them.
    address: String,
    contact: String,
    channel: &'static str,
    stage: &'static str,
    received: String,
    due: String,
    appointment: String,
    original_appointment: String,
    apology: String,
    urgency: Urgency,
    tt01: &'static str,
    qd766: &'static str,
    components: Vec<ComponentLine>,
    /// Thông tin người nộp lấy từ dữ liệu (empty when none).
    provenance: String,
    steps: Vec<StepLine>,
    slip: Vec<SlipLine>,
    /// Giấy tờ: the dossier's forms, as PDF.
    forms: Vec<super::forms::FormLink>,
    /// The signed electronic result.
    electronic: Option<super::ElectronicLine>,
    /// The approver's signed copy, waiting for the clerk: where to open it, who signed, when.
    approved: Option<(String, String, String)>,
    /// The incumbent system's name and its steps, for a dossier brought from it.
    legacy_source: String,
    legacy: Vec<LegacyLine>,
    actions: Vec<ActionForm>,
    /// Phí, lệ phí: shown when the dossier has any.
    fees: Option<FeesSection>,
    /// Dự thảo kết quả, while the result is being prepared.
    draft: Option<DraftSection>,
    message: String,
    error: String,
}

/// A receipt chosen in a form: "BT-26E|12" (series, number).
fn receipt_key(value: &str) -> Result<domain::dossier::ReceiptKey, UiError> {
    value
        .split_once('|')
        .and_then(|(series, n)| {
            Some(domain::dossier::ReceiptKey {
                series: series.to_string(),
                number: n.parse().ok()?,
            })
        })
        .ok_or_else(|| {
            UiError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "Chọn một biên lai trong danh sách.",
            )
        })
}

/// Một biên lai on the dossier page.
pub struct ReceiptLine {
    /// "BT-26E số 0000012".
    pub label: String,
    /// "BT-26E|12", for the forms.
    pub value: String,
    pub issued: String,
    pub amount: String,
    pub payer: String,
    /// Còn hiệu lực, or why not.
    pub status: String,
    pub valid: bool,
    /// Where its signed PDF and XML are downloaded.
    pub pdf: String,
    pub xml: String,
}

impl ReceiptLine {
    /// The receipts of `d` in force.
    pub fn valid_of(d: &Dossier) -> Vec<Self> {
        d.receipts
            .iter()
            .filter(|r| r.valid())
            .map(|r| Self::of(d, r))
            .collect()
    }

    pub fn of(d: &Dossier, r: &domain::dossier::Receipt) -> Self {
        let base = format!("/ho-so/{}/bien-lai/{}/{}", d.id.0, r.series, r.number);
        let status = match &r.cancelled {
            Some(c) => match &c.replaced_by {
                Some(by) => format!("Đã thay thế bằng biên lai {by} ({})", c.reason),
                None => format!("Đã hủy ({})", c.reason),
            },
            None if r.files.is_none() => "Còn hiệu lực, chưa ký số (ký khi tải về)".into(),
            None => "Còn hiệu lực, đã ký số".into(),
        };
        Self {
            label: r.key().to_string(),
            value: format!("{}|{}", r.series, r.number),
            issued: super::when(r.issued_at),
            amount: super::money(r.amount),
            payer: r.payer.clone(),
            status,
            valid: r.valid(),
            pdf: format!("{base}/pdf"),
            xml: format!("{base}/xml"),
        }
    }
}

/// Phí, lệ phí on the dossier page: the lines due, the money recorded against them, the balance.
pub struct FeesSection {
    /// Biên lai điện tử.
    pub receipts: Vec<ReceiptLine>,
    pub lines: Vec<(String, String)>,
    /// Each payment, waiver and refund: when, what, how much, who recorded it.
    pub entries: Vec<[String; 4]>,
    pub due: String,
    pub outstanding: String,
    pub outstanding_words: String,
    pub settled: bool,
    /// The VietQR code for what is owed, when the agency has a collecting account.
    pub transfer: Option<super::TransferLine>,
    /// What is owed is collected as the result is handed over (the procedure pays at return).
    pub at_return: bool,
}

impl FeesSection {
    fn of(app: &App, d: &Dossier) -> Option<Self> {
        if d.fees.is_empty() && d.payments.is_empty() {
            return None;
        }
        let mut entries: Vec<(chrono::DateTime<chrono::Utc>, [String; 4])> = Vec::new();
        for p in &d.payments {
            let what = match &p.reference {
                Some(r) => format!(
                    "{} (mã giao dịch {r}), người nộp {}",
                    p.method.label(),
                    p.payer
                ),
                None => format!("{}, người nộp {}", p.method.label(), p.payer),
            };
            entries.push((
                p.at,
                [
                    super::when(p.at),
                    what,
                    super::money(p.amount),
                    p.by.name.clone(),
                ],
            ));
        }
        for (list, label) in [(&d.waivers, "Miễn, giảm"), (&d.refunds, "Hoàn trả")] {
            for w in list {
                entries.push((
                    w.at,
                    [
                        super::when(w.at),
                        format!("{label}: {}", w.reason),
                        super::money(w.amount),
                        w.by.name.clone(),
                    ],
                ));
            }
        }
        entries.sort_by_key(|(at, _)| *at);
        Some(Self {
            lines: d
                .fees
                .iter()
                .map(|f| (f.name.clone(), super::money(f.amount)))
                .collect(),
            entries: entries.into_iter().map(|(_, e)| e).collect(),
            due: super::money(d.fees_due()),
            outstanding: vntext::money::figures(d.fees_outstanding()),
            outstanding_words: vntext::money::words(d.fees_outstanding()),
            settled: d.fees_outstanding() == 0,
            transfer: super::TransferLine::of(app, d),
            receipts: d.receipts.iter().map(|r| ReceiptLine::of(d, r)).collect(),
            at_return: d.collects_at_return(),
        })
    }
}

/// Dự thảo kết quả on the dossier page: what the result will say, a form for the handler.
pub struct DraftSection {
    pub template: String,
    /// "Phiên bản 2, lưu 14:05 04/12/2026 bởi …", or that nothing was saved yet.
    pub saved: String,
    /// The required fields still empty, in words.
    pub missing: String,
    pub fields: Vec<DraftFieldLine>,
    /// Whether this officer may save it (holds the handling step).
    pub editable: bool,
}

pub struct DraftFieldLine {
    pub key: String,
    pub label: String,
    pub value: String,
    pub hint: String,
    pub required: bool,
    pub multiline: bool,
    pub max: usize,
}

impl DraftSection {
    fn of(v: app::results::DraftView, editable: bool) -> Self {
        // A template without fields (a certified copy's) has nothing to save, only to review.
        let editable = editable && !v.fields.is_empty();
        Self {
            saved: match &v.saved {
                Some((at, who)) => {
                    format!("Phiên bản {}, lưu lúc {} bởi {who}.", v.revision, when(*at))
                }
                None => "Chưa lưu lần nào: các ô dưới đây lấy sẵn từ hồ sơ.".into(),
            },
            template: v.template,
            missing: v.missing.join(", "),
            fields: v
                .fields
                .into_iter()
                .map(|f| DraftFieldLine {
                    key: f.field.key,
                    label: f.field.label,
                    value: f.value,
                    hint: f.field.hint,
                    required: f.field.required,
                    multiline: f.field.multiline,
                    max: f.field.max_chars,
                })
                .collect(),
            editable,
        }
    }
}

/// A step the dossier went through on the incumbent system (TienTrinh).
pub struct LegacyLine {
    pub at: String,
    pub unit: String,
    pub officer: String,
    pub content: String,
    pub status: &'static str,
}

fn result_label(t: Option<Timeliness>) -> &'static str {
    t.map_or("", |t| t.label())
}

pub(super) fn parse_id(id: &str) -> Result<DossierId, UiError> {
    uuid::Uuid::parse_str(id)
        .map(DossierId)
        .map_err(|_| UiError::new(StatusCode::NOT_FOUND, "Không tìm thấy hồ sơ."))
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct DoneParams {
    /// The action just done (after the redirect that follows a form).
    #[serde(default)]
    xong: String,
}

pub async fn dossier(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(done): Query<DoneParams>,
) -> Result<Response, UiError> {
    let (_, actor) = viewer.require_officer()?;
    let message = match label_of(&done.xong) {
        "" => String::new(),
        label => format!("Đã thực hiện: {label}."),
    };
    let page = dossier_page(&app, &viewer, actor, parse_id(&id)?, message, String::new()).await?;
    Ok(page.into_response())
}

async fn dossier_page(
    app: &App,
    viewer: &Viewer,
    actor: &Actor,
    id: DossierId,
    message: String,
    error: String,
) -> Result<DossierPage, UiError> {
    let detail = app.queries().dossier_detail(actor, id, None).await?;
    let d = &detail.dossier;
    let tree = app.agencies();
    let (legacy_source, legacy) = detail
        .events
        .iter()
        .find_map(|e| match &e.event {
            domain::dossier::Event::Imported(imp) => Some((
                imp.source.clone(),
                imp.history
                    .iter()
                    .map(|h| LegacyLine {
                        at: super::when(h.at),
                        unit: h.unit.clone(),
                        officer: h.officer.clone(),
                        content: h.content.clone(),
                        status: domain::dossier::NationalStatus::try_from(h.status)
                            .ok()
                            .map_or("", |s| s.label()),
                    })
                    .collect(),
            )),
            _ => None,
        })
        .unwrap_or_default();
    let name = |a: &AgencyId| tree.name_of(a);
    let t = &detail.timing;
    let steps = t
        .steps
        .iter()
        .map(|s| StepLine {
            name: s.name.clone(),
            unit: name(&s.unit),
            handler: s
                .handler
                .as_ref()
                .map(|h| h.name.clone())
                .unwrap_or_default(),
            started: when(s.started_at),
            due: s.due.map(when).unwrap_or_default(),
            ended: s.ended_at.map(when).unwrap_or_default(),
            result: result_label(s.timeliness),
            late: s.timeliness == Some(Timeliness::Late),
        })
        .collect();
    let slip = detail
        .control_slip
        .iter()
        .map(|r| SlipLine {
            at: when(r.at),
            from: r.from.clone(),
            to: r.to.clone(),
            result: result_label(r.result),
            late: r.result == Some(Timeliness::Late),
            note: r.note.clone(),
        })
        .collect();
    let (appointment, original_appointment, apology) = appointment_of(d);
    let (actions, editable) = actions(app, actor, d).await?;
    // Only inspectors and administrators see who opened the dossier (this page's own opening
    // included): the others are not asked.
    let reads = match actor {
        Actor::Officer(o)
            if o.grants
                .iter()
                .any(|g| matches!(g.role, Role::Auditor | Role::Admin)) =>
        {
            app.queries()
                .dossier_reads(actor, id)
                .await
                .ok()
                .map(|r| r.into_iter().map(super::admin::ReadLine::of).collect())
        }
        _ => None,
    };
    Ok(DossierPage {
        reads,
        chrome: Chrome::new(viewer, format!("Hồ sơ {}", d.code), ""),
        id: d.id.0.to_string(),
        version: d.version,
        code: d.code.to_string(),
        procedure: d.procedure.name.clone(),
        applicant: d.applicant.display_name().to_string(),
        id_number: d.applicant.id_number().to_string(),
        address: d.applicant.address().text.clone(),
        contact: [
            d.applicant.phone().map(|p| p.as_str().to_string()),
            d.applicant.email().map(|e| e.as_str().to_string()),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", "),
        channel: d.channel.label(),
        stage: d.stage.label(),
        received: d
            .received_at
            .map(when)
            .unwrap_or_else(|| "Chưa tiếp nhận".into()),
        due: t.due.map(when).unwrap_or_default(),
        appointment,
        original_appointment,
        apology,
        urgency: if !d.stage.is_terminal() {
            Urgency::of(t.due, app.now())
        } else {
            Urgency::None
        },
        tt01: result_label(t.tt01),
        qd766: result_label(t.qd766),
        components: d
            .components
            .iter()
            .map(|c| ComponentLine {
                name: c.name.clone(),
                form: c.form.label(),
                copies: c.copies,
                source: match (&c.reused, c.by_data) {
                    (Some(r), _) => format!("lấy từ kho dữ liệu, hồ sơ {}", r.code),
                    (None, true) => "thay bằng dữ liệu".into(),
                    _ => String::new(),
                },
                files: c
                    .files
                    .iter()
                    .map(|f| {
                        (
                            f.name.clone(),
                            f.sha256.clone(),
                            signature_note(f.signature.as_ref()),
                        )
                    })
                    .collect(),
            })
            .collect(),
        provenance: provenance_note(&d.provenance),
        steps,
        slip,
        forms: super::forms::available(&detail),
        electronic: super::ElectronicLine::of(&detail.dossier),
        approved: detail
            .dossier
            .decision
            .as_ref()
            .and_then(|x| x.signed.as_ref())
            .filter(|_| detail.dossier.electronic_result.is_none())
            .map(|doc| {
                (
                    format!("/ho-so/{}/tep/{}", detail.dossier.id.0, doc.file.sha256),
                    doc.signer.clone(),
                    super::when(doc.signed_at),
                )
            }),
        legacy_source,
        legacy,
        fees: FeesSection::of(app, &detail.dossier),
        draft: app.result_draft(d)?.map(|v| DraftSection::of(v, editable)),
        actions,
        message,
        error,
    })
}

/// Every form of the dossier page: its address, its label and the command it gives. Which
/// forms show is the domain's answer ([`app::Handling::allowed_actions`]); the page only lays
/// them out.
const ACTIONS: &[(&str, &str, CommandKind)] = &[
    (
        "tiep-nhan",
        "Tiếp nhận hồ sơ trực tuyến",
        CommandKind::AcceptOnline,
    ),
    (
        "huong-dan-bo-sung",
        "Hướng dẫn bổ sung (một lần)",
        CommandKind::RequestIntakeSupplement,
    ),
    (
        "tu-choi-tiep-nhan",
        "Từ chối tiếp nhận",
        CommandKind::RefuseOnline,
    ),
    ("chuyen-xu-ly", "Chuyển xử lý", CommandKind::Transfer),
    (
        "thu-hoi",
        "Thu hồi hồ sơ chuyển nhầm",
        CommandKind::RecallTransfer,
    ),
    ("phan-cong", "Phân công xử lý", CommandKind::Assign),
    ("ghi-y-kien", "Ghi ý kiến thẩm định", CommandKind::AddNote),
    (
        "xin-y-kien",
        "Xin ý kiến cơ quan, đơn vị",
        CommandKind::RequestConsultation,
    ),
    (
        "tra-loi-y-kien",
        "Trả lời xin ý kiến",
        CommandKind::AnswerConsultation,
    ),
    (
        "yeu-cau-bo-sung",
        "Yêu cầu bổ sung hồ sơ",
        CommandKind::RequestSupplement,
    ),
    ("trinh", "Trình phê duyệt", CommandKind::Forward),
    ("phe-duyet", "Phê duyệt", CommandKind::Decide),
    (
        "tu-choi-giai-quyet",
        "Từ chối giải quyết",
        CommandKind::Decide,
    ),
    (
        "ban-hanh",
        "Vào số, phát hành kết quả",
        CommandKind::IssueResult,
    ),
    ("thu-phi", "Thu phí, lệ phí", CommandKind::RecordPayment),
    (
        "them-nghia-vu",
        "Thêm nghĩa vụ tài chính",
        CommandKind::AddFee,
    ),
    ("mien-giam", "Miễn, giảm phí, lệ phí", CommandKind::WaiveFee),
    ("hoan-tra", "Hoàn trả phí, lệ phí", CommandKind::RefundFee),
    (
        "thay-bien-lai",
        "Thay thế biên lai",
        CommandKind::ReplaceReceipt,
    ),
    ("huy-bien-lai", "Hủy biên lai", CommandKind::CancelReceipt),
    ("tra-ket-qua", "Trả kết quả", CommandKind::Return),
    (
        "thu-hoi-ket-qua",
        "Thu hồi kết quả điện tử",
        CommandKind::RevokeResult,
    ),
    (
        "xin-loi",
        "Xin lỗi, hẹn lại ngày trả",
        CommandKind::Apologize,
    ),
    // Laid out in its own section (the result template's fields), not with the others.
    (
        "soan-du-thao",
        "Lưu dự thảo kết quả",
        CommandKind::DraftResult,
    ),
];

fn label_of(key: &str) -> &'static str {
    ACTIONS
        .iter()
        .find(|(k, ..)| *k == key)
        .map_or("", |(_, l, _)| l)
}

/// The forms for what this officer may do with this dossier now, and whether they may save
/// the result draft (its form is the draft section's).
async fn actions(
    app: &App,
    actor: &Actor,
    d: &Dossier,
) -> Result<(Vec<ActionForm>, bool), UiError> {
    let allowed = app.handling().allowed_actions(actor, d).await?;
    let mut out = Vec::new();
    for &(key, label, kind) in ACTIONS {
        if !allowed.contains(&kind) || kind == CommandKind::DraftResult {
            continue;
        }
        let choices = match key {
            "chuyen-xu-ly" | "trinh" => units_under(app, &d.competent),
            "xin-y-kien" => app
                .queries()
                .agency_list()
                .into_iter()
                .filter(|a| a.id != d.competent)
                .map(|a| Choice {
                    value: a.id.to_string(),
                    label: a.name,
                })
                .collect(),
            "tra-loi-y-kien" => d
                .consultations
                .iter()
                .filter(|c| c.answered_at.is_none())
                .map(|c| Choice {
                    value: c.id.to_string(),
                    label: c.content.clone(),
                })
                .collect(),
            "phan-cong" => officers_at(app, d.current_unit()).await?,
            _ => Vec::new(),
        };
        let signs = key == "phe-duyet" && app.signs_approval(actor, d);
        out.push(ActionForm {
            key,
            label: if signs {
                "Phê duyệt và ký số"
            } else {
                label
            },
            choices,
            signs,
        });
    }
    Ok((out, allowed.contains(&CommandKind::DraftResult)))
}

fn units_under(app: &App, competent: &AgencyId) -> Vec<Choice> {
    let tree = app.agencies();
    let mut units: Vec<Choice> = tree
        .all()
        .filter(|a| &a.id != competent && tree.is_within(&a.id, competent))
        .map(|a| Choice {
            value: a.id.to_string(),
            label: a.name.clone(),
        })
        .collect();
    units.sort_by(|a, b| a.label.cmp(&b.label));
    units
}

async fn officers_at(app: &App, unit: Option<&AgencyId>) -> Result<Vec<Choice>, UiError> {
    let Some(unit) = unit else {
        return Ok(Vec::new());
    };
    let officers = app.accounts().officers_of_unit(unit).await?;
    Ok(officers
        .into_iter()
        .filter(|o| o.active)
        .map(|o| Choice {
            value: o.id.to_string(),
            label: match &o.title {
                Some(t) => format!("{} — {t}", o.full_name),
                None => o.full_name.to_string(),
            },
        })
        .collect())
}

/// The command a form asks for, parsed by the same code as the JSON API's bodies.
fn command_of(key: &str, f: &Fields) -> Result<Command, UiError> {
    let required = |name: &str, what: &str| -> Result<String, UiError> {
        f.opt(name).ok_or_else(|| {
            UiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("Cần nhập {what}."),
            )
        })
    };
    Ok(match key {
        "tiep-nhan" => Command::AcceptOnline,
        "huong-dan-bo-sung" => build::intake_supplement(dto::SupplementInput {
            items: vec![dto::ItemInput {
                component: None,
                text: required("items", "nội dung cần bổ sung")?,
            }],
            reason: required("reason", "lý do")?,
            legal_basis: None,
        }),
        "tu-choi-tiep-nhan" => Command::RefuseOnline {
            reason: required("reason", "lý do từ chối")?,
            legal_basis: required("legal_basis", "căn cứ pháp lý")?,
        },
        "chuyen-xu-ly" => build::transfer(dto::TransferInput {
            to_unit: required("to_unit", "đơn vị xử lý")?,
        })?,
        "thu-hoi" => Command::RecallTransfer {
            reason: required("reason", "lý do thu hồi")?,
        },
        "thu-phi" => build::payment(dto::PaymentInput {
            amount: super::amount(&required("amount", "số tiền")?)?,
            method: f.opt("method").unwrap_or_else(|| "cash".into()),
            reference: f.opt("reference"),
            payer: f.opt("payer"),
        })?,
        "them-nghia-vu" => Command::AddFee {
            name: required("name", "tên khoản phải nộp")?,
            amount: super::amount(&required("amount", "số tiền")?)?,
            legal_basis: required("legal_basis", "căn cứ (thông báo nộp)")?,
        },
        "mien-giam" => Command::WaiveFee {
            amount: super::amount(&required("amount", "số tiền")?)?,
            reason: required("reason", "lý do miễn, giảm")?,
        },
        "hoan-tra" => Command::RefundFee {
            amount: super::amount(&required("amount", "số tiền")?)?,
            reason: required("reason", "lý do hoàn trả")?,
        },
        "thay-bien-lai" => Command::ReplaceReceipt {
            receipt: receipt_key(&required("receipt", "biên lai")?)?,
            payer: f.opt("payer"),
            reason: required("reason", "lý do thay thế")?,
        },
        "huy-bien-lai" => Command::CancelReceipt {
            receipt: receipt_key(&required("receipt", "biên lai")?)?,
            reason: required("reason", "lý do hủy")?,
        },
        "ghi-y-kien" => Command::AddNote {
            text: required("text", "ý kiến")?,
        },
        // Each box of the draft section is `truong.{key}`.
        "soan-du-thao" => Command::DraftResult {
            fields: f
                .0
                .iter()
                .filter_map(|(k, v)| Some((k.strip_prefix("truong.")?.to_string(), v.clone())))
                .collect(),
        },
        "xin-y-kien" => build::consultation(dto::ConsultationInput {
            unit: required("unit", "cơ quan được xin ý kiến")?,
            content: required("content", "nội dung xin ý kiến")?,
            limit: required("limit", "thời hạn trả lời")?,
        })?,
        "tra-loi-y-kien" => Command::AnswerConsultation {
            id: required("consultation", "yêu cầu được trả lời")?
                .parse()
                .map_err(|_| {
                    UiError::new(StatusCode::UNPROCESSABLE_ENTITY, "Chọn yêu cầu xin ý kiến.")
                })?,
            answer: required("answer", "nội dung trả lời")?,
        },
        "yeu-cau-bo-sung" => build::supplement(dto::SupplementInput {
            items: vec![dto::ItemInput {
                component: None,
                text: required("items", "giấy tờ cần bổ sung")?,
            }],
            reason: required("reason", "lý do")?,
            legal_basis: f.opt("legal_basis"),
        }),
        "trinh" => build::forward(dto::ForwardInput {
            note: f.get("note"),
            to_unit: f.opt("to_unit"),
        })?,
        "phe-duyet" => build::decide(dto::DecideInput {
            outcome: "approved".into(),
            reason: f.get("reason"),
            legal_basis: f.get("legal_basis"),
            pin: f.opt("pin"),
        })?,
        "tu-choi-giai-quyet" => build::decide(dto::DecideInput {
            outcome: "refused".into(),
            reason: required("reason", "lý do từ chối")?,
            legal_basis: required("legal_basis", "căn cứ pháp lý")?,
            pin: None,
        })?,
        "ban-hanh" => Command::IssueResult {
            number: required("number", "số, ký hiệu văn bản kết quả")?,
            document: None,
        },
        "xin-loi" => build::apology(dto::ApologyInput {
            reason: required("reason", "lý do chậm")?,
            new_appointment: format!("{} 17:00", required("new_appointment", "ngày hẹn mới")?),
        })?,
        "thu-hoi-ket-qua" => Command::RevokeResult {
            reason: required("reason", "lý do thu hồi")?,
            legal_basis: required("legal_basis", "căn cứ pháp lý")?,
        },
        "tra-ket-qua" => Command::Return {
            received_by: required("received_by", "người nhận kết quả")?,
            originals_returned: Vec::new(),
            postal_bill: f.opt("postal_bill"),
            collected: f
                .opt("collect_method")
                .map(|method| {
                    build::collection(dto::CollectionInput {
                        method,
                        reference: f.opt("reference"),
                        payer: f.opt("payer"),
                    })
                })
                .transpose()?,
        },
        _ => {
            return Err(UiError::new(
                StatusCode::NOT_FOUND,
                "Không có thao tác này.",
            ));
        }
    })
}

/// Runs an action from the dossier page; on refusal the page comes back with the reason and
/// nothing changed.
pub async fn act(
    State(app): State<App>,
    Path((id, key)): Path<(String, String)>,
    posted: Posted,
) -> Result<Response, UiError> {
    let viewer = &posted.viewer;
    let (_, actor) = viewer.require_officer()?;
    let id = parse_id(&id)?;
    let version = posted.fields.get("version").parse::<u64>().ok();
    let outcome = match key.as_str() {
        "phan-cong" => match posted.fields.get("officer").parse::<uuid::Uuid>() {
            Ok(o) => app
                .handling()
                .assign(
                    actor,
                    id,
                    version,
                    OfficerId(o),
                    posted.fields.opt("reason"),
                )
                .await
                .map_err(UiError::from),
            Err(_) => Err(UiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Chọn cán bộ được phân công.",
            )),
        },
        _ => match command_of(&key, &posted.fields) {
            Ok(command) => app
                .handling()
                .act(actor, id, version, command)
                .await
                .map_err(UiError::from),
            Err(e) => Err(e),
        },
    };
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/can-bo/ho-so/{}?xong={key}", id.0)).into_response()),
        Err(e) if e.is_login() => Err(e),
        Err(e) => {
            let status = e.status;
            let page = dossier_page(&app, viewer, actor, id, String::new(), e.message).await?;
            Ok((status, page).into_response())
        }
    }
}

/// A Content-Disposition with the file's name (RFC 5987, UTF-8 percent-encoded).
pub(super) fn disposition(kind: &str, name: &str) -> String {
    format!(
        "{kind}; filename*=UTF-8''{}",
        name.bytes()
            .map(|b| if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            })
            .collect::<String>()
    )
}

/// `GET /ho-so/{id}/tep/{sha256}`: a scan of a dossier, for whoever may read the dossier (its
/// officers, or the applicant).
/// Dự thảo kết quả as a PDF marked "DỰ THẢO", to review before approval.
pub async fn draft_pdf(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let actor = viewer.actor.as_ref().ok_or_else(UiError::login_required)?;
    let pdf = app.result_draft_pdf(actor, parse_id(&id)?).await?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                disposition("inline", "du-thao-ket-qua.pdf"),
            ),
            (
                axum::http::header::CACHE_CONTROL,
                "private, no-store".to_string(),
            ),
        ],
        pdf,
    )
        .into_response())
}

/// A receipt's signed PDF or XML (`/ho-so/{id}/bien-lai/{series}/{number}/{pdf|xml}`).
pub async fn receipt(
    State(app): State<App>,
    viewer: Viewer,
    Path((id, series, number, format)): Path<(String, String, String, String)>,
) -> Result<Response, UiError> {
    let actor = viewer.actor.as_ref().ok_or_else(UiError::login_required)?;
    let number = number
        .parse()
        .map_err(|_| UiError::new(axum::http::StatusCode::NOT_FOUND, "Không có biên lai này."))?;
    let key = domain::dossier::ReceiptKey { series, number };
    let (file, stored) = app
        .receipt_document(actor, parse_id(&id)?, &key, &format)
        .await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, stored.media_type),
            (
                axum::http::header::CONTENT_DISPOSITION,
                disposition(
                    if format == "xml" {
                        "attachment"
                    } else {
                        "inline"
                    },
                    &file.name,
                ),
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

pub async fn file(
    State(app): State<App>,
    viewer: Viewer,
    Path((id, sha)): Path<(String, String)>,
) -> Result<Response, UiError> {
    let actor = viewer.actor.as_ref().ok_or_else(UiError::login_required)?;
    let (named, stored) = app
        .queries()
        .dossier_file(actor, parse_id(&id)?, &sha)
        .await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, stored.media_type),
            (
                axum::http::header::CONTENT_DISPOSITION,
                disposition("inline", &named.name),
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
