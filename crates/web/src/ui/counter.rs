//! Quầy tiếp nhận (`/can-bo/tiep-nhan`) — the counter officer's intake screen: find the procedure
//! by typing, enter the applicant, tick the components against the catalogue's checklist, attach
//! scans, choose how the result goes back, see the fee and the appointment, then receive (and
//! print the receipt), or give a supplement slip, or refuse. A rejected form comes back with every
//! value kept and the error next to its field.

use app::App;
use app::intake::GuidanceRequest;
use app::search::ProcedureQuery;
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use domain::agency::{AgencyId, AgencyKind};
use domain::dossier::{Dossier, Stage};
use domain::officer::Actor;
use domain::procedure::Component;
use domain::unit::Regime;
use serde::Deserialize;

use super::session::{Fields, Posted, Viewer};
use super::{Chrome, UiError, day, money, when};
use crate::api::dto;
use crate::api::error::ApiError;

fn counter_officer<'a>(app: &App, viewer: &'a Viewer) -> Result<(&'a Actor, AgencyId), UiError> {
    let (o, actor) = viewer.require_officer()?;
    let centre = app.intake().service_centre_of(o).ok_or_else(|| {
        UiError::new(
            StatusCode::FORBIDDEN,
            "Chỉ cán bộ Bộ phận Một cửa được tiếp nhận hồ sơ.",
        )
    })?;
    Ok((actor, centre))
}

/// A procedure to pick.
pub struct Pick {
    pub code: String,
    pub name: String,
    pub limit: String,
}

/// A component of the checklist, with what the form sent back.
pub struct CheckLine {
    pub id: String,
    pub name: String,
    pub form: &'static str,
    /// Hình thức as the form sends it (`original`, `copy`…), preset to the procedure's.
    pub form_key: String,
    /// Số lượng bản, as typed (preset to the procedure's).
    pub copies: String,
    /// Số trang, as typed.
    pub pages: String,
    /// A fee counts this component's pages: the officer enters them.
    pub counts_pages: bool,
    pub required: bool,
    pub ticked: bool,
    /// Uploaded files: (hidden value, file name, size text).
    pub files: Vec<(String, String, String)>,
    /// The earlier dossier its file was taken from (the applicant's data store), if any.
    pub reused: String,
}

/// A commune to choose in the address.
pub struct CommuneChoice {
    pub code: String,
    pub name: String,
    /// As written in an address: "Xã Bảo Thắng, Tỉnh Lào Cai".
    pub full: String,
}

/// What the preview computed.
pub struct Preview {
    pub appointment: String,
    pub due: String,
    pub fees: Vec<(String, String)>,
    pub total: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "intake.html")]
struct IntakePage {
    chrome: Chrome,
    centre: String,
    q: String,
    picks: Vec<Pick>,
    /// Why the procedure search text was refused (it is then not shown back).
    refused: String,
    procedure: Option<Pick>,
    checklist: Vec<CheckLine>,
    communes: Vec<CommuneChoice>,
    f: Fields,
    errors: Vec<(String, String)>,
    preview: Option<Preview>,
    /// Hồ sơ nhận qua bưu chính công ích: the handover record's fields are asked for.
    postal: bool,
    /// The population database is connected: the lookup button is shown.
    population: bool,
    /// Hình thức giấy tờ to choose from: (form value, label).
    forms: [(&'static str, &'static str); 4],
    /// The queue ticket being served (its id), carried to the dossier received.
    ticket: String,
    /// Said when the counter is outside its reception hours now (a dossier is still taken).
    after_hours: String,
}

impl IntakePage {
    /// The error shown next to a field.
    fn error_for(&self, field: &str) -> String {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.clone())
            .unwrap_or_default()
    }

    fn value(&self, field: &str) -> String {
        self.f.get(field)
    }

    fn is(&self, field: &str, value: &str) -> bool {
        self.f.get(field) == value
    }

    /// The fields the form said it filled from data (kept when the page is shown again).
    fn filled(&self) -> Vec<String> {
        self.f.all("filled")
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct IntakeParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    thu_tuc: String,
    /// `buu-chinh` for a dossier that came by post.
    #[serde(default)]
    kenh: String,
    /// The queue ticket being served (số thứ tự), to tie to the dossier received.
    #[serde(default)]
    ve: String,
}

async fn communes(app: &App, centre: &AgencyId) -> Vec<CommuneChoice> {
    let tree = app.agencies();
    let province = tree
        .all()
        .find(|a| a.kind == AgencyKind::ProvincialCommittee && tree.is_within(centre, &a.id))
        .and_then(|a| a.unit.clone());
    let (Some((Regime::TwoLevel, code)), Ok(dir)) = (province, app.unit_directory().await) else {
        return Vec::new();
    };
    let province_name = dir
        .get(Regime::TwoLevel, &code)
        .map(|u| u.name.clone())
        .unwrap_or_default();
    let mut out: Vec<CommuneChoice> = dir
        .children(Regime::TwoLevel, Some(&code))
        .into_iter()
        .map(|u| CommuneChoice {
            code: u.code.clone(),
            name: u.name.clone(),
            full: format!("{}, {province_name}", u.name),
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The administrative unit (today's regime) of the commune whose centre this is, if any.
fn own_commune(app: &App, centre: &AgencyId) -> String {
    app.agencies()
        .committee_of(centre)
        .and_then(|c| c.unit.clone())
        .filter(|(regime, _)| *regime == Regime::TwoLevel)
        .map(|(_, code)| code)
        .unwrap_or_default()
}

/// The warning for an intake outside the centre's reception hours (at night, on a holiday):
/// the dossier is still recorded, and its deadline counts from the next working time.
fn after_hours(app: &App, centre: &AgencyId) -> String {
    let cal = app.calendar_of(centre);
    match cal.is_reception_open(app.now().fixed_offset()) {
        Ok(false) => format!(
            "Đang ngoài giờ tiếp nhận của Bộ phận Một cửa (giờ làm việc {}). Hồ sơ vẫn được ghi \
             nhận nếu tiếp nhận lúc này; thời hạn giải quyết tính từ giờ làm việc tiếp theo. Hãy \
             kiểm tra đồng hồ của máy nếu đang trong giờ làm việc.",
            cal.office_hours().describe()
        ),
        _ => String::new(),
    }
}

/// The checklist of components, ticked and with files as the form sent them (none when `fresh`).
/// Each line offers the component's form and copies (preset to what the procedure asks) and,
/// where a fee counts pages (`paged`), the pages.
pub(super) fn checklist(
    components: &[Component],
    paged: &[String],
    f: &Fields,
    fresh: bool,
) -> Vec<CheckLine> {
    let ticked = f.all("c");
    components
        .iter()
        .map(|c| CheckLine {
            id: c.id.clone(),
            name: c.name.clone(),
            form: c.form.label(),
            form_key: f
                .opt(&format!("form_{}", c.id))
                .filter(|_| !fresh)
                .unwrap_or_else(|| c.form.key().to_string()),
            copies: f
                .opt(&format!("copies_{}", c.id))
                .filter(|_| !fresh)
                .unwrap_or_else(|| c.copies.to_string()),
            pages: f
                .opt(&format!("pages_{}", c.id))
                .filter(|_| !fresh)
                .unwrap_or_default(),
            counts_pages: paged.contains(&c.id),
            required: c.required,
            ticked: !fresh && ticked.contains(&c.id),
            files: f
                .all(&format!("f_{}", c.id))
                .into_iter()
                .filter_map(|v| {
                    let r = file_of(&v)?;
                    Some((v, r.name, size_text(r.size)))
                })
                .collect(),
            reused: f.get(&format!("r_{}", c.id)),
        })
        .collect()
}

pub(super) fn size_text(bytes: u64) -> String {
    if bytes >= 1_048_576 {
        format!("{:.1} MB", bytes as f64 / 1_048_576.0)
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

/// An uploaded file as the form carries it: "sha256|size|media type|name".
pub(super) fn file_of(value: &str) -> Option<dto::FileInput> {
    let mut parts = value.splitn(4, '|');
    let sha256 = parts.next()?.to_string();
    let size = parts.next()?.parse().ok()?;
    let media_type = parts.next()?.to_string();
    let name = parts.next()?.to_string();
    Some(dto::FileInput {
        sha256,
        name,
        size,
        media_type,
    })
}

async fn page(
    app: &App,
    viewer: &Viewer,
    centre: &AgencyId,
    q: String,
    code: &str,
    f: Fields,
    fresh: bool,
) -> Result<IntakePage, UiError> {
    let f = f.with_form_key();
    let tree = app.agencies();
    let centre_name = tree.get(centre).map(|a| a.name.clone()).unwrap_or_default();
    let committee = tree.committee_of(centre).map(|c| c.id.clone());
    let chosen = if code.is_empty() {
        None
    } else {
        Some(app.catalogue().procedure(code).await?)
    };
    let picks = if chosen.is_none() {
        app.catalogue()
            .search_procedures(&ProcedureQuery {
                text: q.clone(),
                agency: committee,
                limit: 30,
                ..Default::default()
            })
            .await?
            .iter()
            .map(|p| Pick {
                code: p.code.to_string(),
                name: p.name.clone(),
                limit: p.limit.to_string(),
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(IntakePage {
        chrome: Chrome::new(viewer, "Tiếp nhận hồ sơ", "/can-bo/tiep-nhan"),
        centre: centre_name,
        q,
        picks,
        checklist: chosen
            .as_ref()
            .map(|p| checklist(&p.components, &p.paged_components(), &f, fresh))
            .unwrap_or_default(),
        procedure: chosen.map(|p| Pick {
            code: p.code.to_string(),
            name: p.name.clone(),
            limit: p.limit.to_string(),
        }),
        communes: communes(app, centre).await,
        postal: f.get("kenh") == "buu-chinh",
        population: app.population_connected(),
        forms: [
            domain::procedure::DocForm::Original,
            domain::procedure::DocForm::Copy,
            domain::procedure::DocForm::CertifiedCopy,
            domain::procedure::DocForm::OriginalToCheck,
        ]
        .map(|f| (f.key(), f.label())),
        after_hours: after_hours(app, centre),
        ticket: f
            .opt("ve")
            .and_then(|v| uuid::Uuid::parse_str(&v).ok())
            .map(|u| u.to_string())
            .unwrap_or_default(),
        f,
        errors: Vec::new(),
        preview: None,
        refused: String::new(),
    })
}

/// The intake screen: the procedure search, or the form of the chosen procedure.
pub async fn intake_form(
    State(app): State<App>,
    viewer: Viewer,
    headers: HeaderMap,
    Query(mut params): Query<IntakeParams>,
) -> Result<Response, UiError> {
    let (_, centre) = counter_officer(&app, &viewer)?;
    let refused = super::refused_search(&mut params.q);
    let fields = Fields(vec![
        ("kind".into(), "citizen".into()),
        (
            "return_kind".into(),
            if params.kenh == "buu-chinh" {
                "post"
            } else {
                "counter"
            }
            .into(),
        ),
        ("kenh".into(), params.kenh.clone()),
        // Only a ticket's id is carried (never other text from the address bar).
        (
            "ve".into(),
            uuid::Uuid::parse_str(&params.ve)
                .map(|u| u.to_string())
                .unwrap_or_default(),
        ),
        // Most applicants live in the centre's own commune: it is chosen to start with.
        ("commune_code".into(), own_commune(&app, &centre)),
    ]);
    let p = page(
        &app,
        &viewer,
        &centre,
        params.q,
        &params.thu_tuc,
        fields,
        true,
    )
    .await?;
    if headers.contains_key("hx-request") {
        // 200 with the reason in place of the list, so that htmx shows it.
        return Ok(PicksPartial {
            ticket: p.value("ve"),
            picks: p.picks,
            postal: p.postal,
            refused,
        }
        .into_response());
    }
    let status = if refused.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, IntakePage { refused, ..p }).into_response())
}

/// The procedure list alone, while typing.
#[derive(Template, WebTemplate)]
#[template(path = "intake_picks.html")]
struct PicksPartial {
    picks: Vec<Pick>,
    postal: bool,
    /// The queue ticket being served, carried to the procedure chosen.
    ticket: String,
    refused: String,
}

/// Which field an error belongs to, from its code.
fn field_of(code: &str) -> &'static str {
    match code {
        c if c.contains("cccd") || c.contains("id_number") => "id_number",
        c if c.contains("tax") => "tax_code",
        c if c.contains("phone") => "phone",
        c if c.contains("email") => "email",
        c if c.contains("return") || c == "address_required" => "return_address",
        c if c.contains("address") => "address_line",
        c if c.contains("representative") => "representative",
        c if c.contains("name") => "name",
        c if c.contains("file") || c.contains("component") => "components",
        c if c.contains("reason") || c.contains("legal_basis") => "reason",
        c if c.contains("postal")
            || c.contains("handover")
            || c.contains("datetime")
            || c.contains("bill") =>
        {
            "postal"
        }
        _ => "",
    }
}

/// The form's fields as the API's intake body: the same parser decides what is valid.
pub(super) fn intake_input(f: &Fields, commune_name: Option<&str>) -> dto::IntakeInput {
    let line = f.get("address_line");
    let address = match commune_name {
        Some(c) if !line.is_empty() => format!("{line}, {c}"),
        Some(c) => c.to_string(),
        None => line.clone(),
    };
    let components = f
        .all("c")
        .into_iter()
        .map(|id| dto::ComponentInput {
            files: f
                .all(&format!("f_{id}"))
                .iter()
                .filter_map(|v| file_of(v))
                .collect(),
            // Taken from the applicant's data store: the earlier dossier holding the file.
            reused_from: f
                .opt(&format!("r_{id}"))
                .and_then(|v| uuid::Uuid::parse_str(v.trim()).ok()),
            // As the procedure asks unless the officer changed it; what is not a number is
            // refused by the domain (0 copies, 0 pages).
            copies: f
                .opt(&format!("copies_{id}"))
                .map_or(1, |v| v.trim().parse().unwrap_or(0)),
            pages: f
                .opt(&format!("pages_{id}"))
                .map(|v| v.trim().parse().unwrap_or(0)),
            form: f.opt(&format!("form_{id}")),
            component: id,
            by_data: false,
        })
        .collect();
    dto::IntakeInput {
        procedure_code: f.get("procedure_code"),
        receiving: None,
        applicant: dto::ApplicantInput {
            kind: f.get("kind"),
            name: f.get("name"),
            id_number: f.opt("id_number"),
            tax_code: f.opt("tax_code"),
            representative: f.opt("representative"),
            phone: f.opt("phone"),
            email: f.opt("email"),
            address_line: line,
            commune_code: f.opt("commune_code"),
            address,
        },
        components,
        return_method: dto::ReturnInput {
            kind: f.get("return_kind"),
            address: f.opt("return_address"),
        },
        fee_exemption: f.opt("fee_exemption"),
        helped_at: None,
        provenance: provenance_of(f),
    }
}

/// What the form filled from data: `population_ref`, and `filled` values `field:source` (the
/// script adds one when it fills a field and takes it away when the officer edits the field).
fn provenance_of(f: &Fields) -> Option<dto::ProvenanceInput> {
    let filled: Vec<dto::FilledInput> = f
        .all("filled")
        .iter()
        .filter_map(|v| v.split_once(':'))
        .map(|(field, source)| dto::FilledInput {
            field: field.trim().to_string(),
            source: source.trim().to_string(),
        })
        .collect();
    let population_ref = f.opt("population_ref");
    (population_ref.is_some() || !filled.is_empty()).then_some(dto::ProvenanceInput {
        population_ref,
        filled,
    })
}

pub async fn intake(State(app): State<App>, posted: Posted) -> Result<Response, UiError> {
    let viewer = &posted.viewer;
    let (actor, centre) = counter_officer(&app, viewer)?;
    let f = posted.fields.clone();
    let code = f.get("procedure_code");
    let mut p = page(
        &app,
        viewer,
        &centre,
        String::new(),
        &code,
        f.clone(),
        false,
    )
    .await?;
    let commune_name = p
        .communes
        .iter()
        .find(|c| c.code == f.get("commune_code"))
        .map(|c| c.full.clone());
    match run_intake(&app, viewer, actor, &f, commune_name.as_deref(), &mut p).await {
        Ok(Some(done)) => Ok(done),
        Ok(None) => Ok(p.into_response()),
        Err(e) => {
            let (status, code, message) = (e.status, e.body.code, e.body.message);
            p.errors.push((field_of(&code).to_string(), message));
            Ok((status, p).into_response())
        }
    }
}

/// Runs what the pressed button asks: a response when done, `None` to show the page again
/// (with the preview filled in).
async fn run_intake(
    app: &App,
    viewer: &Viewer,
    actor: &Actor,
    f: &Fields,
    commune_name: Option<&str>,
    p: &mut IntakePage,
) -> Result<Option<Response>, ApiError> {
    let input = intake_input(f, commune_name);
    match f.get("do").as_str() {
        "bo-sung" => {
            // Not received: the supplement slip lists what is missing (ND 61/2018 Art. 15(2)).
            let missing: Vec<String> = p
                .checklist
                .iter()
                .filter(|c| c.required && !c.ticked)
                .map(|c| c.name.clone())
                .chain(f.opt("missing_note"))
                .collect();
            if missing.is_empty() {
                return Err(ApiError::unprocessable(
                    "nothing_missing",
                    "Mọi thành phần bắt buộc đã có: hãy tiếp nhận hồ sơ, hoặc ghi thêm nội dung cần bổ sung.",
                ));
            }
            let name = vntext::clean(&f.get("name"));
            if name.is_empty() {
                return Err(ApiError::unprocessable(
                    "invalid_name",
                    "Ghi tên người nộp để lập phiếu.",
                ));
            }
            let record = app
                .intake()
                .log_guidance(
                    actor,
                    GuidanceRequest {
                        agency: None,
                        channel: "counter".into(),
                        applicant_name: name,
                        contact: f.opt("phone"),
                        procedure: Some(domain::ids::ProcedureCode::parse(
                            &f.get("procedure_code"),
                        )?),
                        content: "Hồ sơ chưa đầy đủ; đề nghị bổ sung, hoàn thiện các giấy tờ sau."
                            .into(),
                        missing,
                        idempotency: f.form_key(),
                    },
                )
                .await?;
            let slip = SupplementSlip {
                chrome: Chrome::new(viewer, "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ", ""),
                id: record.id.to_string(),
                centre: p.centre.clone(),
                at: when(record.at),
                officer: record.officer_name,
                applicant: record.applicant_name,
                procedure: record.procedure_name.unwrap_or_default(),
                missing: record.missing,
            };
            Ok(Some(slip.into_response()))
        }
        "tu-choi" => {
            let reason = f.get("reason");
            let basis = f.get("legal_basis");
            if reason.is_empty() || basis.is_empty() {
                return Err(ApiError::unprocessable(
                    "reason_required",
                    "Từ chối tiếp nhận cần ghi lý do và căn cứ pháp lý.",
                ));
            }
            let mut req = input.parse()?;
            req.idempotency = f.form_key();
            let d = app
                .intake()
                .refuse_at_counter(actor, req, reason, basis)
                .await?;
            Ok(Some(
                Redirect::to(&format!("/can-bo/ho-so/{}/phieu", d.id.0)).into_response(),
            ))
        }
        "buu-chinh" => {
            let postal = dto::PostalInput {
                intake: input,
                bill_number: f.get("bill_number"),
                handover_record: f.get("handover_record"),
                handover_signed_at: f.get("handover_signed_at").replace('T', " "),
                postal_worker: f.get("postal_worker"),
                // "5.000" was read as nothing collected; blank is none.
                fees_collected: match f.opt("fees_collected") {
                    Some(typed) => super::amount(&typed)?,
                    None => 0,
                },
            };
            let mut req = postal.intake.parse()?;
            req.idempotency = f.form_key();
            let d = app
                .intake()
                .receive_by_post(actor, req, postal.postal()?)
                .await?;
            Ok(Some(
                Redirect::to(&format!("/can-bo/ho-so/{}/phieu", d.id.0)).into_response(),
            ))
        }
        "tiep-nhan" => {
            let mut req = input.parse()?;
            req.idempotency = f.form_key();
            // The ticket being served at this counter: checked before anything is written.
            let ticket = match f.opt("ve").and_then(|v| uuid::Uuid::parse_str(&v).ok()) {
                Some(t) => Some(app.queue().check_serving(actor, t).await?),
                None => None,
            };
            let d = app.intake().receive_at_counter(actor, req).await?;
            if let Some(t) = ticket
                && let Err(e) = app.queue().served_with(actor, t, d.id.0).await
            {
                tracing::warn!(error = %e.message, ticket = %t, "the ticket was not tied to the dossier");
            }
            Ok(Some(
                Redirect::to(&format!("/can-bo/ho-so/{}/phieu", d.id.0)).into_response(),
            ))
        }
        _ => {
            let d = app.intake().preview_intake(actor, input.parse()?).await?;
            p.preview = Some(preview_of(&d));
            Ok(None)
        }
    }
}

fn preview_of(d: &Dossier) -> Preview {
    let total: i64 = d.fees.iter().map(|l| l.amount).sum();
    Preview {
        appointment: d.appointment.map(when).unwrap_or_else(|| "Trả ngay".into()),
        due: d.due.map(when).unwrap_or_default(),
        fees: d
            .fees
            .iter()
            .map(|l| (l.name.clone(), money(l.amount)))
            .collect(),
        total: money(total),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "supplement_slip.html")]
struct SupplementSlip {
    chrome: Chrome,
    /// The guidance record, for its PDF (Mẫu 02).
    id: String,
    centre: String,
    at: String,
    officer: String,
    applicant: String,
    procedure: String,
    missing: Vec<String>,
}

/// `GET /can-bo/huong-dan/{id}/mau-02.pdf`: the supplement slip given at the counter (a dossier
/// not received), as Mẫu 02.
pub async fn guidance_pdf(
    State(app): State<App>,
    viewer: Viewer,
    Extension(ui): Extension<super::UiOptions>,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let (_, actor) = viewer.require_officer()?;
    let not_found = || UiError::new(StatusCode::NOT_FOUND, "Không có phiếu hướng dẫn này.");
    let id = uuid::Uuid::parse_str(&id).map_err(|_| not_found())?;
    let record = app.intake().guidance_record(actor, id).await?;
    let data = super::forms::guidance_slip(&app.agencies(), &record);
    ui.documents
        .pdf("mau-02", data, "mau-02-huong-dan.pdf".into(), false)
        .await
}

/// Giấy tiếp nhận hồ sơ và hẹn trả kết quả, or Phiếu từ chối tiếp nhận — printable.
#[derive(Template, WebTemplate)]
#[template(path = "receipt.html")]
struct Receipt {
    chrome: Chrome,
    refused: bool,
    centre: String,
    code: String,
    applicant: String,
    id_number: String,
    address: String,
    phone: String,
    procedure: String,
    received: String,
    appointment: String,
    components: Vec<ReceiptLine>,
    /// Where the applicant follows the dossier, and its QR code (inline SVG; the payload is
    /// the lookup address and the dossier's code, no user text).
    lookup: String,
    lookup_qr: String,
    return_method: String,
    fees: Vec<(String, String)>,
    officer: String,
    reason: String,
    legal_basis: String,
    id: String,
    /// Mã bảo mật: with the code, what proves the dossier is the holder's.
    access_code: String,
}

/// A component as the receipt lists it (TT 01/2018 Mẫu 01, mục 1).
struct ReceiptLine {
    name: String,
    /// Bản chính, bản sao, …; or "Khai thác dữ liệu".
    form: &'static str,
    copies: String,
    pages: String,
}

pub async fn receipt(
    State(app): State<App>,
    viewer: Viewer,
    Extension(ui): Extension<super::UiOptions>,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let lookup = format!("{}/tra-cuu", ui.documents.public_url);
    let (page, _) = load_receipt(&app, &viewer, &id, &lookup).await?;
    Ok(page.into_response())
}

/// `GET /can-bo/ho-so/{id}/phieu.pdf`: the same receipt (Mẫu 01) or refusal (Mẫu 03) as a PDF
/// file, with the QR code to the public lookup.
pub async fn receipt_pdf(
    State(app): State<App>,
    viewer: Viewer,
    Extension(ui): Extension<super::UiOptions>,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let detail = super::forms::load(&app, &viewer, &id).await?;
    let form = if detail.dossier.stage == Stage::RefusedAtIntake {
        "mau-03"
    } else {
        "mau-01"
    };
    let lookup = format!("{}/tra-cuu", ui.documents.public_url);
    let (template, data) = super::forms::fill(&app, &detail, form, &lookup).ok_or_else(|| {
        UiError::new(
            StatusCode::NOT_FOUND,
            "Hồ sơ chưa được tiếp nhận nên chưa có giấy tiếp nhận.",
        )
    })?;
    let file = format!("{form}-{}.pdf", detail.dossier.code);
    ui.documents.pdf(template, data, file, false).await
}

/// The receipt (or refusal) of a dossier the officer may read, with the dossier.
async fn load_receipt(
    app: &App,
    viewer: &Viewer,
    id: &str,
    lookup: &str,
) -> Result<(Receipt, domain::dossier::Dossier), UiError> {
    let (_, actor) = viewer.require_officer()?;
    let id = uuid::Uuid::parse_str(id)
        .map_err(|_| UiError::new(StatusCode::NOT_FOUND, "Không tìm thấy hồ sơ."))?;
    let detail = app
        .queries()
        .dossier_detail(actor, domain::dossier::DossierId(id), None)
        .await?;
    let d = &detail.dossier;
    let tree = app.agencies();
    let officer = super::forms::receiving_officer(&detail);
    let refused = d.stage == Stage::RefusedAtIntake;
    let (reason, legal_basis) = d
        .refusal
        .as_ref()
        .map(|r| (r.reason.clone(), r.legal_basis.clone()))
        .unwrap_or_default();
    let page = Receipt {
        access_code: app.citizens().access_code(d.id),
        chrome: Chrome::new(
            viewer,
            if refused {
                "Phiếu từ chối tiếp nhận giải quyết hồ sơ"
            } else {
                "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"
            },
            "",
        ),
        refused,
        centre: tree
            .get(&d.receiving)
            .map(|a| a.name.clone())
            .unwrap_or_default(),
        code: d.code.to_string(),
        applicant: d.applicant.display_name().to_string(),
        id_number: d.applicant.id_number().to_string(),
        address: d.applicant.address().text.clone(),
        phone: d
            .applicant
            .phone()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        procedure: d.procedure.name.clone(),
        received: d
            .received_at
            .or(Some(d.opened_at))
            .map(when)
            .unwrap_or_default(),
        appointment: d
            .appointment
            .map(super::forms::long_time)
            .unwrap_or_default(),
        components: d
            .components
            .iter()
            .map(|c| ReceiptLine {
                name: c.name.clone(),
                form: if c.by_data {
                    "Khai thác dữ liệu"
                } else {
                    c.form.label()
                },
                copies: if c.by_data {
                    String::new()
                } else {
                    format!("{:02}", c.copies)
                },
                pages: c.pages.map(|n| n.to_string()).unwrap_or_default(),
            })
            .collect(),
        lookup: lookup.to_string(),
        lookup_qr: giayto::qr_svg(&format!("{lookup}?ma={}", d.code)).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "the lookup QR code could not be drawn");
            String::new()
        }),
        return_method: d.return_method.label().to_string(),
        fees: d
            .fees
            .iter()
            .map(|l| (l.name.clone(), money(l.amount)))
            .collect(),
        officer,
        reason,
        legal_basis,
        id: d.id.0.to_string(),
    };
    Ok((page, detail.dossier))
}

/// `POST /tep`: one scan (an officer's at the counter, or a citizen's online), checked and stored; answers with the line to show under the
/// component (and the hidden value the intake form sends back).
pub async fn upload(
    State(app): State<App>,
    viewer: Viewer,
    headers: HeaderMap,
    Query(params): Query<UploadParams>,
    multipart: Multipart,
) -> Result<Response, UiError> {
    let actor = viewer.actor.as_ref().ok_or_else(UiError::login_required)?;
    let file = viewer.uploaded_file(&headers, multipart).await?;
    let Some((name, bytes)) = file else {
        return Err(UiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Chưa chọn tệp.",
        ));
    };
    let component = params.thanh_phan;
    match app.intake().store_file(actor, &name, &bytes).await {
        Ok(r) => Ok(UploadedLine {
            field: format!("f_{component}"),
            value: format!("{}|{}|{}|{}", r.sha256, r.size, r.media_type, r.name),
            name: r.name,
            size: size_text(r.size),
        }
        .into_response()),
        Err(e) => {
            let e = UiError::from(e);
            Ok((StatusCode::OK, UploadRefused { message: e.message }).into_response())
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct UploadParams {
    #[serde(default)]
    thanh_phan: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "file_line.html")]
struct UploadedLine {
    field: String,
    value: String,
    name: String,
    size: String,
}

#[derive(Template, WebTemplate)]
#[template(
    source = r#"<li class="field-error" role="alert">{{ message }}</li>"#,
    ext = "html"
)]
struct UploadRefused {
    message: String,
}

/// A document of the applicant's data store that fits a component of the chosen procedure.
pub struct StoreLine {
    pub component: String,
    pub component_name: String,
    pub name: String,
    pub dossier: String,
    pub dossier_code: String,
    pub issuer: String,
    pub day: String,
    /// The file as the form carries it ("sha256|size|media type|name").
    pub value: String,
    pub file_name: String,
}

/// The applicant as their newest earlier dossier names them, to fill the form.
pub struct Profile {
    pub name: String,
    pub phone: String,
    pub email: String,
    pub line: String,
    pub commune: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "intake_store.html")]
struct StorePanel {
    profile: Option<Profile>,
    lines: Vec<StoreLine>,
    /// Something was typed and the store was read (an empty one then says so).
    asked: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct StoreParams {
    #[serde(default)]
    thu_tuc: String,
    #[serde(default)]
    id_number: String,
}

/// What a lookup in the population database shows.
#[derive(Template, WebTemplate)]
#[template(path = "intake_population.html")]
struct PopulationPanel {
    resident: Option<app::population::ResidentView>,
    birth: String,
    at: String,
    message: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct PopulationParams {
    #[serde(default)]
    id_number: String,
}

/// Tra cứu CSDL quốc gia về dân cư on the intake form: the applicant's name, date of birth and
/// residence, and a button filling the form from them. What went wrong is said in the panel.
pub async fn population(
    State(app): State<App>,
    viewer: Viewer,
    Query(params): Query<PopulationParams>,
) -> Result<Response, UiError> {
    let (actor, _) = counter_officer(&app, &viewer)?;
    let panel = match app.look_up_resident(actor, &params.id_number).await {
        Ok(r) => PopulationPanel {
            birth: r
                .resident
                .birth_date
                .map(|d| d.format("%d/%m/%Y").to_string())
                .unwrap_or_else(|| "—".into()),
            at: lich::time::to_vn(&r.looked_up_at)
                .format("%H:%M %d/%m/%Y")
                .to_string(),
            resident: Some(r),
            message: String::new(),
        },
        Err(e) => PopulationPanel {
            resident: None,
            birth: String::new(),
            at: String::new(),
            message: e.message,
        },
    };
    Ok(panel.into_response())
}

/// Kho dữ liệu on the intake form: once the applicant's number is typed, what they already hold
/// that fits the procedure's components, each attached with one click.
pub async fn data_store(
    State(app): State<App>,
    viewer: Viewer,
    Query(params): Query<StoreParams>,
) -> Result<Response, UiError> {
    let (actor, _) = counter_officer(&app, &viewer)?;
    Ok(
        store_panel(&app, actor, &params.thu_tuc, &params.id_number, true)
            .await?
            .into_response(),
    )
}

/// The data-store panel of a form: what `id_number` holds that fits procedure `code`'s
/// components, and (`with_profile`) the button filling the applicant from their newest dossier.
pub(super) async fn store_panel(
    app: &App,
    actor: &Actor,
    code: &str,
    id_number: &str,
    with_profile: bool,
) -> Result<impl IntoResponse, UiError> {
    let id_number = id_number.trim();
    let valid = id_number.len() == 12 && id_number.bytes().all(|b| b.is_ascii_digit());
    if !valid || code.is_empty() {
        return Ok(StorePanel {
            profile: None,
            lines: Vec::new(),
            asked: false,
        });
    }
    let procedure = app.catalogue().procedure(code).await?;
    let held = app.queries().data_store(actor, id_number).await?;
    let mut lines = Vec::new();
    for c in &procedure.components {
        for h in held.iter().filter(|h| h.fits(&c.id, &c.name)) {
            lines.push(StoreLine {
                component: c.id.clone(),
                component_name: c.name.clone(),
                name: h.name.clone(),
                dossier: h.dossier.0.to_string(),
                dossier_code: h.dossier_code.clone(),
                issuer: h.issuer.clone(),
                day: day(h.at),
                value: format!(
                    "{}|{}|{}|{}",
                    h.file.sha256, h.file.size, h.file.media_type, h.file.name
                ),
                file_name: h.file.name.clone(),
            });
        }
    }
    let profile = if with_profile {
        app.queries().applicant_profile(actor, id_number).await?
    } else {
        None
    }
    .map(|a| Profile {
        name: a.display_name().to_string(),
        phone: a.phone().map(|p| p.to_string()).unwrap_or_default(),
        email: a.email().map(|e| e.to_string()).unwrap_or_default(),
        line: a.address().line.clone(),
        commune: a.address().commune_code.clone().unwrap_or_default(),
    });
    Ok(StorePanel {
        profile,
        lines,
        asked: true,
    })
}
