//! Tiếp nhận — dossiers enter the system: at the counter (received, or refused), by post, online;
//! corrections of a result; and the guidance given to people whose dossier was not received.

use chrono::{DateTime, NaiveDate, Utc};
use domain::agency::{AgencyId, AgencyKind};
use domain::applicant::Applicant;
use domain::dossier::{
    Command, Context, CorrectionOf, Dossier, DossierId, NewDossier, PostalIntake, Recorded,
    ReturnMethod, SubmittedComponent, decide, fact_delta,
};
use domain::ids::{DossierCode, ProcedureCode};
use domain::officer::{Actor, CitizenAccess, Officer, Role};
use domain::policy::{self, Action, Scope};
use domain::procedure::{Competence, ProcedureLevel, ProcedureVersion};
use lich::time::to_vn;
pub use store::GuidanceRecord;
use tracing::Instrument;
use uuid::Uuid;

use crate::Intake;
use crate::throttle::Client;
use crate::{App, AppError, ErrorKind};

/// What is needed to open a dossier.
#[derive(Debug, Clone)]
pub struct IntakeRequest {
    pub procedure: ProcedureCode,
    /// The service centre receiving it; an officer's own centre when not given.
    pub receiving: Option<AgencyId>,
    pub applicant: Applicant,
    pub components: Vec<SubmittedComponent>,
    pub return_method: ReturnMethod,
    /// Reason of a fee exemption, if any.
    pub fee_exemption: Option<String>,
    /// Where the applicant was helped, when another centre (phi địa giới).
    pub helped_at: Option<AgencyId>,
    /// The `Idempotency-Key` the request came with: a retry returns the dossier the first one
    /// opened instead of opening another.
    pub idempotency: Option<Idempotency>,
    /// Where the form says the applicant's details came from (checked before it is kept).
    pub provenance: crate::provenance::ProvenanceClaim,
}

/// An idempotency key and the hash of the request it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idempotency {
    pub key: String,
    /// SHA-256 of what the request asked (the same key with another request is refused).
    pub request_hash: String,
}

impl Idempotency {
    /// Checks a key as sent: 1–200 visible ASCII characters.
    pub fn parse(key: &str, request_hash: String) -> Result<Self, AppError> {
        let key = key.trim();
        if key.is_empty() || key.len() > 200 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(AppError::invalid(
                "invalid_idempotency_key",
                "Idempotency-Key phải gồm 1 đến 200 ký tự ASCII in được (ví dụ một UUID).",
            ));
        }
        Ok(Self {
            key: key.to_string(),
            request_hash,
        })
    }
}

/// How a dossier opens.
#[derive(Clone)]
enum Opening {
    Counter,
    Refusal { reason: String, legal_basis: String },
    Postal(PostalIntake),
    Online,
    Correction(CorrectionOf),
}

impl Opening {
    /// The use case's name, for logs.
    fn name(&self) -> &'static str {
        match self {
            Opening::Counter => "receive_at_counter",
            Opening::Refusal { .. } => "refuse_at_counter",
            Opening::Postal(_) => "receive_by_post",
            Opening::Online => "submit_online",
            Opening::Correction(_) => "open_correction",
        }
    }
}

/// Guidance given, to be logged.
#[derive(Debug, Clone)]
pub struct GuidanceRequest {
    pub agency: Option<AgencyId>,
    pub channel: String,
    pub applicant_name: String,
    pub contact: Option<String>,
    pub procedure: Option<ProcedureCode>,
    pub content: String,
    pub missing: Vec<String>,
    /// The request's `Idempotency-Key`: a retry answers the record first logged.
    pub idempotency: Option<Idempotency>,
}

impl App {
    async fn open(
        &self,
        actor: &Actor,
        req: IntakeRequest,
        opening: Opening,
    ) -> Result<Dossier, AppError> {
        let span = crate::handling::use_case_span(opening.name());
        self.prepare(actor, req, opening, false)
            .instrument(span)
            .await
    }

    /// Checks an opening and writes it, or only shows what it would be (`preview`).
    async fn prepare(
        &self,
        actor: &Actor,
        mut req: IntakeRequest,
        opening: Opening,
        preview: bool,
    ) -> Result<Dossier, AppError> {
        let idempotency = match req.idempotency.take() {
            Some(k) if !preview => {
                let scope = crate::access::actor_key(actor).ok_or_else(|| {
                    AppError::invalid(
                        "invalid_idempotency_key",
                        "Idempotency-Key chỉ dùng được khi đã đăng nhập.",
                    )
                })?;
                let key = store::IdempotencyKey {
                    scope,
                    key: k.key,
                    request_hash: k.request_hash,
                };
                if let Some(first) = self.db.idempotent_result(&key.scope, &key.key).await? {
                    return self.replay(actor, &key, first).await;
                }
                Some(key)
            }
            _ => None,
        };
        let tree = self.agencies();
        let now = self.now();
        let receiving = match (&req.receiving, actor) {
            (Some(r), _) => r.clone(),
            (None, Actor::Officer(o)) => self.intake().service_centre_of(o).ok_or_else(|| {
                AppError::invalid(
                    "receiving_required",
                    "Chọn Bộ phận Một cửa tiếp nhận hồ sơ.",
                )
            })?,
            (None, _) => {
                return Err(AppError::invalid(
                    "receiving_required",
                    "Chọn nơi nộp hồ sơ.",
                ));
            }
        };
        let centre = tree.require(&receiving)?;
        if centre.kind != AgencyKind::ServiceCenter {
            return Err(AppError::invalid(
                "not_a_service_centre",
                format!("\"{}\" không phải Bộ phận Một cửa.", centre.name),
            ));
        }
        match (&opening, actor) {
            (Opening::Online, Actor::Citizen { .. } | Actor::System) => {}
            (Opening::Online, _) => {
                return Err(AppError::new(
                    ErrorKind::Forbidden,
                    "forbidden",
                    "Hồ sơ trực tuyến do tổ chức, cá nhân tự nộp; tại quầy hãy dùng chức năng tiếp nhận.",
                ));
            }
            _ => {
                policy::authorize(
                    actor,
                    Action::Receive,
                    Some(&Scope::centre(&receiving)),
                    &tree,
                )?;
            }
        }
        let today = to_vn(&now).date_naive();
        let procedure = self
            .procedure_offered(&req.procedure, &receiving, today)
            .await?;
        let competent = match &procedure.competence {
            Competence::ReceivingCommittee => tree
                .committee_of(&receiving)
                .map(|c| c.id.clone())
                .ok_or_else(|| {
                AppError::invalid("no_committee", "Bộ phận Một cửa không thuộc UBND nào.")
            })?,
            Competence::Agency(id) => tree.require(id)?.id.clone(),
            Competence::ReceivingUnit(kind) => tree
                .committee_of(&receiving)
                .and_then(|c| tree.children(&c.id).into_iter().find(|a| a.kind == *kind))
                .map(|a| a.id.clone())
                .ok_or_else(|| {
                    AppError::invalid(
                        "no_competent_unit",
                        "UBND nơi tiếp nhận không có đơn vị có thẩm quyền giải quyết thủ tục này.",
                    )
                })?,
        };
        // The code carries the reception date: for postal dossiers, the handover record's date.
        let code_day = match &opening {
            Opening::Postal(p) => to_vn(&p.handover_signed_at).date_naive(),
            _ => today,
        };
        let correction = match &opening {
            Opening::Correction(link) => Some(link.clone()),
            _ => None,
        };
        // The original of a correction, as read now; the writer refuses if it changes meanwhile.
        let original =
            match &correction {
                Some(link) => Some(self.db.dossier(link.dossier).await?.ok_or_else(|| {
                    AppError::not_found("dossier_not_found", "Không có hồ sơ gốc.")
                })?),
                None => None,
            };
        // Components taken from the applicant's data store name files of their earlier dossiers.
        self.check_reused(&req.applicant, &mut req.components)
            .await?;
        // A correction may name the original's files again.
        self.check_files(actor, &mut req.components, original.as_ref())
            .await?;
        let provenance = self
            .check_provenance(
                actor,
                matches!(opening, Opening::Online),
                &req.applicant,
                &req.provenance,
            )
            .await?;
        let calendar = self.calendar_of(&receiving);
        let original_calendar = match &original {
            Some(o) => self.calendar_of(&o.receiving),
            None => calendar.clone(),
        };
        let rules = self.settings.rules;
        let notices = self.teller();
        let online = matches!(opening, Opening::Online);
        // An account's own submission: it will see and follow the dossier.
        let submitted_by = match actor {
            Actor::Citizen {
                access: CitizenAccess::Account | CitizenAccess::Identity,
                id_number: Some(n),
                ..
            } if online => Some(n.as_str().to_string()),
            _ => None,
        };
        let by = actor.clone();
        // A centre whose codes the national portal issues asks for one before writing.
        let portal_code = if online || preview {
            None
        } else {
            self.portal_code(centre).await
        };
        let (format, centre_code) = (centre.code_format, centre.code.clone());
        let receiving_id = receiving.clone();
        // Runs in the writer with the day's next number; refusing gives the number back. An
        // online submission draws from its centre's sequence of provisional references instead.
        let id = DossierId(Uuid::now_v7());
        let build = move |number: u32| -> Result<store::Opening, AppError> {
            let code = match &portal_code {
                _ if online => DossierCode::provisional(format, &centre_code, code_day, number)?,
                Some(issued) => issued.clone(),
                None => DossierCode::issue(format, &centre_code, code_day, number)?,
            };
            let new = Box::new(NewDossier {
                id,
                code,
                procedure: procedure.clone(),
                applicant: req.applicant.clone(),
                components: req.components.clone(),
                return_method: req.return_method.clone(),
                receiving: receiving_id.clone(),
                competent: competent.clone(),
                helped_at: req.helped_at.clone(),
                fee_exemption: req.fee_exemption.clone(),
                corrects: correction.clone(),
                provenance: provenance.clone(),
            });
            let command = match opening.clone() {
                Opening::Counter | Opening::Correction(_) => Command::ReceiveAtCounter { new },
                Opening::Refusal {
                    reason,
                    legal_basis,
                } => Command::RefuseAtCounter {
                    new,
                    reason,
                    legal_basis,
                },
                Opening::Postal(postal) => Command::ReceiveByPost { new, postal },
                Opening::Online => Command::SubmitOnline { new },
            };
            let ctx = Context {
                now,
                actor: &by,
                calendar: &calendar,
                agencies: &tree,
                rules: &rules,
                issued_code: None,
                receipt: None,
            };
            let events = decide(None, command, &ctx)?;
            let opened = record(None, events, &ctx, &calendar, &notices)?;
            let also = match (correction.clone(), original.clone()) {
                (Some(link), Some(original)) => {
                    let events = decide(
                        Some(&original),
                        Command::RecordCorrection {
                            correction: opened.dossier.id,
                            code: opened.dossier.code.clone(),
                            reason: link.reason,
                        },
                        &ctx,
                    )?;
                    let expected_version = original.version;
                    // The original's counters are those of its own receiving agency's calendar.
                    let r = record(Some(original), events, &ctx, &original_calendar, &notices)?;
                    Some(r.change(expected_version))
                }
                _ => None,
            };
            Ok(store::Opening {
                dossier: opened.dossier,
                events: opened.events,
                counts: opened.counts,
                outbox: opened.outbox,
                readers: opened.readers,
                also,
                submitted_by: submitted_by.clone(),
            })
        };
        if preview {
            return Ok(build(1)?.dossier);
        }
        let sequence = if online {
            format!("T:{receiving}")
        } else {
            receiving.to_string()
        };
        let opened = self
            .db
            .open_dossier(
                &sequence,
                &code_day.to_string(),
                now,
                idempotency.clone(),
                build,
            )
            .await?;
        let dossier = match opened {
            Ok(d) => d,
            Err(store::NotOpened::Refused(e)) => return Err(e),
            Err(store::NotOpened::Replayed(first)) => {
                let key = idempotency.expect("a replay has a key");
                return self.replay(actor, &key, first).await;
            }
        };
        tracing::info!(code = %dossier.code, stage = ?dossier.stage, "dossier opened");
        Ok(dossier)
    }

    /// What a key used before gives back: the dossier the first request opened, as it is now
    /// (for someone who may still read it), or a refusal when the key came with another request.
    async fn replay(
        &self,
        actor: &Actor,
        key: &store::IdempotencyKey,
        first: store::IdempotentResult,
    ) -> Result<Dossier, AppError> {
        if first.request_hash != key.request_hash {
            return Err(AppError::new(
                ErrorKind::Rule,
                "idempotency_key_reused",
                "Khóa Idempotency-Key (hoặc biểu mẫu) này đã dùng cho một yêu cầu khác; hãy mở biểu mẫu mới hoặc dùng khóa mới.",
            ));
        }
        let id = first.dossier.map(DossierId).ok_or_else(|| {
            AppError::new(
                ErrorKind::Rule,
                "idempotency_key_reused",
                "Idempotency-Key này đã dùng cho một yêu cầu khác.",
            )
        })?;
        let d = self.readable_dossier(actor, id).await?;
        tracing::info!(code = %d.code, "idempotent retry answered with the first dossier");
        Ok(d)
    }

    /// The version of a procedure in force, checked to be received at this service centre.
    async fn procedure_offered(
        &self,
        code: &ProcedureCode,
        receiving: &AgencyId,
        today: NaiveDate,
    ) -> Result<ProcedureVersion, AppError> {
        let procedure = self
            .db
            .procedure_in_force(code.as_str(), today)
            .await?
            .ok_or_else(|| {
                AppError::not_found(
                    "procedure_not_found",
                    format!("Không có thủ tục {code} đang có hiệu lực."),
                )
            })?;
        let tree = self.agencies();
        if let Some(closed) = tree.closed_on(receiving, today) {
            return Err(AppError::new(
                ErrorKind::Rule,
                "agency_closed",
                format!(
                    "{} đã sáp nhập vào {} từ {}: hồ sơ mới tiếp nhận tại cơ quan đó.",
                    closed.name,
                    closed
                        .successor
                        .as_ref()
                        .map_or("cơ quan khác".into(), |s| tree.name_of(s)),
                    closed
                        .valid_to
                        .map_or(String::new(), |d| d.format("%d/%m/%Y").to_string())
                ),
            ));
        }
        let committee = tree.committee_of(receiving);
        let level_ok = matches!(
            (procedure.level, committee.map(|c| c.kind)),
            (ProcedureLevel::Commune, Some(AgencyKind::CommuneCommittee))
                | (
                    ProcedureLevel::Province,
                    Some(AgencyKind::ProvincialCommittee)
                )
        );
        let listed = self.db.procedure_agencies(code.as_str()).await?;
        let offered = level_ok
            && (listed.is_empty()
                || committee.is_some_and(|c| listed.iter().any(|a| a == c.id.as_str())));
        if !offered {
            return Err(AppError::new(
                ErrorKind::Rule,
                "procedure_not_offered",
                format!(
                    "Thủ tục \"{}\" không tiếp nhận tại {}.",
                    procedure.name,
                    tree.get(receiving)
                        .map_or("cơ quan này", |a| a.name.as_str())
                ),
            ));
        }
        Ok(procedure)
    }
}

impl Intake<'_> {
    /// The service centre where an officer receives dossiers (their counter-officer grant).
    pub fn service_centre_of(self, o: &Officer) -> Option<AgencyId> {
        let tree = self.app.agencies();
        o.grants
            .iter()
            .find(|g| {
                g.role == Role::CounterOfficer
                    && tree
                        .get(&g.agency)
                        .is_some_and(|a| a.kind == AgencyKind::ServiceCenter)
            })
            .map(|g| g.agency.clone())
    }

    /// Tiếp nhận tại quầy: a complete dossier gets a code and an appointment.
    pub async fn receive_at_counter(
        self,
        actor: &Actor,
        req: IntakeRequest,
    ) -> Result<Dossier, AppError> {
        self.app.open(actor, req, Opening::Counter).await
    }

    /// Từ chối tiếp nhận tại quầy, with the reason (Phiếu từ chối).
    pub async fn refuse_at_counter(
        self,
        actor: &Actor,
        req: IntakeRequest,
        reason: String,
        legal_basis: String,
    ) -> Result<Dossier, AppError> {
        self.app
            .open(
                actor,
                req,
                Opening::Refusal {
                    reason,
                    legal_basis,
                },
            )
            .await
    }

    /// Tiếp nhận qua bưu chính công ích.
    pub async fn receive_by_post(
        self,
        actor: &Actor,
        req: IntakeRequest,
        postal: PostalIntake,
    ) -> Result<Dossier, AppError> {
        self.app.open(actor, req, Opening::Postal(postal)).await
    }

    /// Nộp hồ sơ trực tuyến: by a citizen's account for themself (the applicant is the
    /// account's person), counted per account and per address; or by the system on the
    /// national portal's behalf. The submission waits under a provisional reference and takes no
    /// number of the centre's day until it is received.
    pub async fn submit_online(
        self,
        actor: &Actor,
        req: IntakeRequest,
        client: &Client,
    ) -> Result<Dossier, AppError> {
        if let Actor::Citizen { .. } = actor {
            let account = crate::access::account_of(actor)?;
            if req.applicant.id_number() != account {
                return Err(AppError::invalid(
                    "not_own_dossier",
                    "Tài khoản chỉ nộp hồ sơ trực tuyến cho chính người đứng tên tài khoản; người được ủy quyền nộp tại Bộ phận Một cửa hoặc qua Cổng Dịch vụ công quốc gia.",
                ));
            }
            let limits = self.app.settings.limits;
            let now = self.app.now();
            self.app
                .throttle
                .attempt("submit", client, limits.submissions_per_address, now)?;
            if !self.app.throttle.count(
                format!("submit-account:{account}"),
                limits.submissions_per_account,
                now,
            ) {
                return Err(crate::throttle::too_many(limits.submissions_per_account));
            }
        }
        self.app.open(actor, req, Opening::Online).await
    }

    /// Opens a correction or re-issue of a returned result, linked to the original
    /// (ND 61/2018 Art. 21), and records the link on the original in the same transaction.
    pub async fn open_correction(
        self,
        actor: &Actor,
        original: DossierId,
        mut req: IntakeRequest,
        reason: String,
    ) -> Result<Dossier, AppError> {
        let orig = self.app.db.dossier(original).await?.ok_or_else(|| {
            AppError::not_found("dossier_not_found", "Không có hồ sơ gốc cần đính chính.")
        })?;
        // ND 61 Art. 21: the correction is received by the centre that received the original;
        // only its counter may open it, and this is checked before anything of the original is
        // said (its stage, its code).
        let involved = orig.involved_units();
        policy::authorize(
            actor,
            Action::Receive,
            Some(&Scope::of(&orig, &involved)),
            &self.app.agencies(),
        )?;
        match &req.receiving {
            Some(r) if r != &orig.receiving => {
                return Err(AppError::invalid(
                    "wrong_receiving",
                    "Hồ sơ đính chính, cấp lại được tiếp nhận tại Bộ phận Một cửa đã tiếp nhận hồ sơ gốc.",
                ));
            }
            _ => req.receiving = Some(orig.receiving.clone()),
        }
        let link = CorrectionOf {
            dossier: orig.id,
            code: orig.code.clone(),
            reason,
        };
        self.app.open(actor, req, Opening::Correction(link)).await
    }

    /// What a counter intake would give — appointment, due instant, fees — without keeping
    /// anything: the officer checks it with the applicant before confirming.
    pub async fn preview_intake(
        self,
        actor: &Actor,
        req: IntakeRequest,
    ) -> Result<Dossier, AppError> {
        self.app.prepare(actor, req, Opening::Counter, true).await
    }

    /// Records guidance given (ND 61/2018 Art. 15), including a supplement slip for a dossier
    /// that was not received.
    /// A guidance record (a supplement slip given at the counter), for an officer of the unit
    /// that gave it or of a unit above it; anyone else is told it does not exist.
    pub async fn guidance_record(
        self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<GuidanceRecord, AppError> {
        let officer = actor.officer().ok_or_else(AppError::unauthenticated)?;
        let not_found =
            || AppError::not_found("guidance_not_found", "Không có phiếu hướng dẫn này.");
        let record = self
            .app
            .db
            .guidance_record(id)
            .await?
            .ok_or_else(not_found)?;
        let tree = self.app.agencies();
        let agency = domain::agency::AgencyId::parse(&record.agency).map_err(|_| not_found())?;
        if officer
            .grants
            .iter()
            .any(|g| tree.is_within(&agency, &g.agency))
        {
            Ok(record)
        } else {
            Err(not_found())
        }
    }

    pub async fn log_guidance(
        self,
        actor: &Actor,
        req: GuidanceRequest,
    ) -> Result<GuidanceRecord, AppError> {
        let tree = self.app.agencies();
        let officer = actor.officer().ok_or_else(AppError::unauthenticated)?;
        let agency = match req.agency {
            Some(a) => a,
            None => officer
                .grants
                .iter()
                .find(|g| g.role == Role::CounterOfficer)
                .map(|g| g.agency.clone())
                .ok_or_else(|| AppError::invalid("agency_required", "Chọn đơn vị hướng dẫn."))?,
        };
        policy::authorize(actor, Action::Receive, Some(&Scope::centre(&agency)), &tree)?;
        let text = |field: &str, v: &str, max: usize| -> Result<String, AppError> {
            let v = vntext::clean(v);
            if v.is_empty() || v.chars().count() > max {
                return Err(AppError::invalid(
                    "invalid_text",
                    format!("\"{field}\" không được để trống và tối đa {max} ký tự."),
                ));
            }
            Ok(v)
        };
        let procedure = match &req.procedure {
            Some(code) => Some(
                self.app
                    .db
                    .procedure_in_force(code.as_str(), to_vn(&self.app.now()).date_naive())
                    .await?
                    .ok_or_else(|| {
                        AppError::not_found(
                            "procedure_not_found",
                            format!("Không có thủ tục {code}."),
                        )
                    })?,
            ),
            None => None,
        };
        let record = GuidanceRecord {
            id: Uuid::now_v7(),
            agency: agency.to_string(),
            at: self.app.now(),
            officer: Some(officer.id.0),
            officer_name: officer.full_name.to_string(),
            channel: text("Hình thức", &req.channel, 50)?,
            applicant_name: text("Người được hướng dẫn", &req.applicant_name, 200)?,
            contact: req
                .contact
                .map(|c| vntext::clean(&c))
                .filter(|c| !c.is_empty()),
            procedure_code: procedure.as_ref().map(|p| p.code.to_string()),
            procedure_name: procedure.as_ref().map(|p| p.name.clone()),
            content: text("Nội dung hướng dẫn", &req.content, 4000)?,
            missing: req
                .missing
                .iter()
                .map(|m| text("Giấy tờ cần bổ sung", m, 500))
                .collect::<Result<_, _>>()?,
        };
        let key = match req.idempotency {
            Some(k) => Some(store::IdempotencyKey {
                scope: crate::access::actor_key(actor).ok_or_else(AppError::unauthenticated)?,
                key: k.key,
                request_hash: k.request_hash,
            }),
            None => None,
        };
        match self.app.db.add_guidance(&record, key.as_ref()).await? {
            Ok(()) => Ok(record),
            Err(first) => {
                let same = key.is_some_and(|k| k.request_hash == first.request_hash);
                match first.result.filter(|_| same) {
                    Some(json) => serde_json::from_str(&json).map_err(|_| {
                        AppError::new(ErrorKind::Internal, "internal", "Không đọc được bản ghi.")
                    }),
                    None => Err(AppError::new(
                        ErrorKind::Rule,
                        "idempotency_key_reused",
                        "Khóa Idempotency-Key (hoặc biểu mẫu) này đã dùng cho một yêu cầu khác; hãy mở biểu mẫu mới hoặc dùng khóa mới.",
                    )),
                }
            }
        }
    }
}

/// Turns decided events into recorded ones and the resulting state.
pub(crate) fn apply_events(
    before: Option<Dossier>,
    events: Vec<domain::dossier::Event>,
    at: DateTime<Utc>,
    actor: &Actor,
) -> (Dossier, Vec<Recorded>) {
    let first = before.as_ref().map_or(0, |d| d.version) + 1;
    let mut state = before;
    let mut recorded = Vec::with_capacity(events.len());
    for (version, event) in (first..).zip(events) {
        let r = Recorded {
            version,
            at,
            actor: actor.to_ref(),
            event,
        };
        match state.as_mut() {
            Some(d) => d.apply(&r),
            None => state = Dossier::replay([&r]),
        }
        recorded.push(r);
    }
    (state.expect("events produce a dossier"), recorded)
}

/// A decided change made ready to store: the resulting state, its recorded events, and what is
/// written in the same transaction — the counter changes and the notices to the applicant.
pub(crate) struct Recording {
    pub dossier: Dossier,
    pub events: Vec<Recorded>,
    pub counts: Vec<(domain::dossier::Fact, i64)>,
    pub outbox: Vec<store::NewMessage>,
    /// Who finds the dossier in their lists after the change.
    pub readers: store::Readers,
}

impl Recording {
    /// The change to store, decided on `expected_version`.
    pub fn change(self, expected_version: u64) -> store::Change {
        store::Change {
            dossier: self.dossier,
            expected_version,
            events: self.events,
            counts: self.counts,
            outbox: self.outbox,
            readers: self.readers,
        }
    }
}

/// Records the events `ctx` decided on `before` (none: a new dossier). Its counters use
/// `calendar`, its receiving agency's (for a new dossier, `ctx.calendar`).
pub(crate) fn record(
    before: Option<Dossier>,
    events: Vec<domain::dossier::Event>,
    ctx: &Context,
    calendar: &lich::WorkCalendar,
    notices: &crate::notices::Teller,
) -> Result<Recording, AppError> {
    let facts_before = match &before {
        Some(d) => d.facts(calendar, ctx.rules)?,
        None => Vec::new(),
    };
    let status_before = before.as_ref().map(|d| d.stage.national_status());
    let (dossier, recorded) = apply_events(before, events, ctx.now, ctx.actor);
    let mut outbox =
        crate::notices::status_messages(notices, ctx.agencies, status_before, &dossier, &recorded);
    outbox.extend(crate::notices::receipt_messages(
        notices,
        ctx.agencies,
        &dossier,
        &recorded,
    ));
    outbox.extend(crate::national::sync_messages(notices, &dossier, &recorded));
    Ok(Recording {
        readers: store::Readers::of(&dossier, ctx.agencies),
        counts: fact_delta(&facts_before, &dossier.facts(calendar, ctx.rules)?),
        outbox,
        dossier,
        events: recorded,
    })
}
