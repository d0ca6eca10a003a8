//! Phản ánh, kiến nghị — receiving feedback from signed-in citizens and at the counter, handling
//! it (classify, refuse, ask for information, transfer, draft, approve, publish) by the agency it
//! concerns, publishing the answers for everyone to search, and the petitioner's rating of the
//! answer. The rules and limits are `domain::feedback`'s; this is who may do what, and storage.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::agency::AgencyId;
use domain::feedback::{
    About, Feedback, FeedbackChannel, FeedbackCounts, FeedbackEvent, FeedbackStage, Petition,
};
use domain::officer::{Actor, Role};
use store::FeedbackFilter;
pub use store::{FeedbackRecord, StoredFeedback};

use crate::{App, AppError, ErrorKind};

/// Phản ánh của cùng người về cùng việc within this many days is a repeat complaint.
const REPEAT_DAYS: i64 = 90;

/// How long the code of an anonymous feedback works, and how many wrong codes it takes.
const PENDING_MINUTES: i64 = 15;
const PENDING_ATTEMPTS: u32 = 5;

/// An anonymous feedback waiting for its code: the form's secret, where the code went.
#[derive(Debug, Clone)]
pub struct PendingFeedbackView {
    pub token: String,
    pub sent_to: String,
    pub expires_at: DateTime<Utc>,
}

/// Một phản ánh chờ tiếp nhận trên Hệ thống tiếp nhận PAKN quốc gia, as its interface sends
/// it (the national portal's naming).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NationalPetition {
    #[serde(rename = "IdPhanAnh")]
    pub id: String,
    /// Mã định danh of the agency it is addressed to.
    #[serde(rename = "MaDonVi")]
    pub agency_code: String,
    #[serde(rename = "TieuDe")]
    pub title: String,
    #[serde(rename = "NoiDung")]
    pub content: String,
    #[serde(rename = "HoTen")]
    pub name: String,
    #[serde(rename = "SoDienThoai", default)]
    pub phone: Option<String>,
    #[serde(rename = "Email", default)]
    pub email: Option<String>,
    /// Mã hồ sơ, when it is about a dossier.
    #[serde(rename = "MaHoSo", default)]
    pub dossier_code: Option<String>,
    /// Mã thủ tục, when it is about a procedure's rules.
    #[serde(rename = "MaTTHC", default)]
    pub procedure_code: Option<String>,
}

/// The outbox kind of a published answer sent back to the national feedback system.
pub const NATIONAL_ANSWER: &str = "national-feedback-answer";

/// Who receives what comes from the national system, as its history names them.
pub const NATIONAL_RECEIVER: &str = "Hệ thống tiếp nhận PAKN quốc gia";

fn pending_gone() -> AppError {
    AppError::not_found(
        "feedback_pending_not_found",
        "Không có phản ánh nào đang chờ xác nhận với biểu mẫu này (có thể đã gửi hoặc đã hết hạn); hãy gửi lại.",
    )
}

/// The feedback part of the application.
pub struct Feedbacks<'a> {
    app: &'a App,
}

impl App {
    pub fn feedback(&self) -> Feedbacks<'_> {
        Feedbacks { app: self }
    }
}

fn not_found() -> AppError {
    AppError::not_found(
        "feedback_not_found",
        "Không có phản ánh, kiến nghị mang mã này.",
    )
}

/// Someone changed it since it was read.
fn changed() -> AppError {
    AppError::new(
        ErrorKind::Conflict,
        "version_conflict",
        "Phản ánh vừa được người khác cập nhật; tải lại rồi thao tác lại.",
    )
}

/// A store error, with a conflict said of a feedback.
fn stored(e: store::StoreError) -> AppError {
    match e {
        store::StoreError::Conflict { .. } => changed(),
        e => e.into(),
    }
}

fn forbidden(what: &str) -> AppError {
    AppError::new(
        ErrorKind::Forbidden,
        "forbidden",
        format!("Tài khoản không có quyền {what} đối với phản ánh này."),
    )
}

/// Whether `actor` is the signed-in citizen who sent `f`.
pub fn is_petitioner(actor: &Actor, f: &StoredFeedback) -> bool {
    matches!(actor, Actor::Citizen { id_number: Some(n), .. }
        if f.petition.id_number.as_deref() == Some(n.as_str()))
}

/// Who may record an event on a feedback of `agency`: an officer of that agency (a grant on it,
/// on a unit under it, or above it) holding one of the event's roles.
fn roles_for(event: &FeedbackEvent) -> &'static [Role] {
    use Role::*;
    match event {
        FeedbackEvent::Approved => &[Leader],
        FeedbackEvent::Assigned { .. } => &[Leader, UnitHead, CounterOfficer],
        FeedbackEvent::Published => &[Leader, CounterOfficer, UnitHead],
        FeedbackEvent::Rated { .. } | FeedbackEvent::Received { .. } => &[],
        _ => &[CounterOfficer, Specialist, UnitHead, Leader],
    }
}

impl Feedbacks<'_> {
    /// Receives a petition: from a signed-in citizen (the portal), or written down by a counter
    /// officer. Its agency is the dossier's competent agency when it names a dossier, else the
    /// one chosen. A petition of the same person about the same matter within 90 days is linked
    /// to the earlier one as a repeat complaint.
    pub async fn submit(
        self,
        actor: &Actor,
        petition: Petition,
        agency: Option<AgencyId>,
    ) -> Result<StoredFeedback, AppError> {
        let mut petition = petition;
        match actor {
            Actor::Citizen {
                id_number: Some(n), ..
            } => {
                petition.channel = FeedbackChannel::Portal;
                petition.id_number = Some(n.as_str().to_string());
                // The answer reaches them at their account's phone or e-mail unless they gave
                // another.
                if petition.phone.is_none()
                    && petition.email.is_none()
                    && let Some((account, _)) = self.app.db.citizen(n.as_str()).await?
                {
                    petition.phone = account.phone;
                    petition.email = account.email;
                }
            }
            Actor::Officer(o) if self.app.intake().service_centre_of(o).is_some() => {
                petition.channel = FeedbackChannel::Counter;
            }
            Actor::System => petition.channel = FeedbackChannel::National,
            Actor::Officer(_) => {
                return Err(AppError::new(
                    ErrorKind::Forbidden,
                    "forbidden",
                    "Chỉ cán bộ Bộ phận Một cửa ghi nhận phản ánh, kiến nghị tại quầy.",
                ));
            }
            _ => {
                return Err(AppError::new(
                    ErrorKind::Unauthenticated,
                    "login_required",
                    "Hãy đăng nhập để gửi phản ánh, kiến nghị (hoặc gửi tại Bộ phận Một cửa).",
                ));
            }
        }
        let petition = petition.checked()?;
        self.check_attachments(actor, &petition).await?;
        self.receive(&actor.to_ref().name, petition, agency, None)
            .await
    }

    /// Every file a petition names was uploaded by whoever sends it (as is, same size and
    /// type).
    async fn check_attachments(&self, actor: &Actor, p: &Petition) -> Result<(), AppError> {
        if p.attachments.is_empty() {
            return Ok(());
        }
        let hashes: Vec<String> = p.attachments.iter().map(|f| f.sha256.clone()).collect();
        let uploaded = match crate::access::actor_key(actor) {
            Some(owner) => self.app.db.uploads_of(&owner, &hashes).await?,
            None => Vec::new(),
        };
        for f in &p.attachments {
            let known = uploaded
                .iter()
                .any(|u| u.sha256 == f.sha256 && u.size == f.size && u.media_type == f.media_type);
            if !known {
                return Err(AppError::invalid(
                    "file_not_found",
                    format!(
                        "Tệp \"{}\" chưa được tải lên; hãy đính kèm lại.",
                        domain::error::shorten(&f.name)
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Tệp đính kèm of a feedback, for the petitioner and the officers of its agency only
    /// (never published): its name and the stored bytes.
    pub async fn attachment(
        &self,
        actor: &Actor,
        code: &str,
        sha256: &str,
    ) -> Result<(domain::dossier::FileRef, store::Attachment), AppError> {
        let f = self.by_code_private(actor, code).await?;
        let named = f
            .petition
            .attachments
            .iter()
            .find(|a| a.sha256 == sha256)
            .cloned()
            .ok_or_else(|| AppError::not_found("file_not_found", "Phản ánh không có tệp này."))?;
        let stored =
            self.app.db.attachment(sha256).await?.ok_or_else(|| {
                AppError::not_found("file_not_found", "Phản ánh không có tệp này.")
            })?;
        Ok((named, stored))
    }

    /// A feedback seen by its petitioner or an officer of its agency, whatever its stage.
    async fn by_code_private(&self, actor: &Actor, code: &str) -> Result<StoredFeedback, AppError> {
        let f = self.find(code).await?;
        let tree = self.app.agencies();
        let allowed = match actor {
            a @ Actor::Citizen { .. } => is_petitioner(a, &f),
            Actor::Officer(o) => o.grants.iter().any(|g| {
                tree.is_within(&g.agency, &f.state.agency)
                    || tree.is_within(&f.state.agency, &g.agency)
            }),
            Actor::System => false,
        };
        if allowed { Ok(f) } else { Err(not_found()) }
    }

    /// The agency a checked petition goes to: the dossier's competent agency when it names a
    /// dossier, else the one chosen.
    async fn agency_for(
        &self,
        petition: &Petition,
        agency: Option<AgencyId>,
    ) -> Result<AgencyId, AppError> {
        let agency = match &petition.about {
            About::Dossier { code } => {
                let id = self.app.db.dossier_id_by_code(code).await?.ok_or_else(|| {
                    AppError::invalid(
                        "dossier_not_found",
                        "Không có hồ sơ mang mã này; kiểm tra lại mã hồ sơ trên giấy hẹn.",
                    )
                })?;
                let d = self.app.db.dossier(id).await?.ok_or_else(not_found)?;
                d.competent
            }
            _ => agency.ok_or_else(|| {
                AppError::invalid("agency_required", "Chọn cơ quan nhận phản ánh, kiến nghị.")
            })?,
        };
        self.app.agencies().require(&agency)?;
        Ok(agency)
    }

    /// Receives a checked petition under a new code (by `who`); `pending`: the waiting
    /// anonymous feedback it confirms, dropped in the same write.
    async fn receive(
        &self,
        who: &str,
        petition: Petition,
        agency: Option<AgencyId>,
        pending: Option<&str>,
    ) -> Result<StoredFeedback, AppError> {
        let agency = self.agency_for(&petition, agency).await?;
        let now = self.app.now();
        let repeat_of = self.earlier_of(&petition, &agency, now).await?;
        let (mut state, first) = Feedback::receive(agency, now, repeat_of);
        state.apply(&first, now);
        let day = lich::time::to_vn(&now).format("%y%m%d").to_string();
        let prefix = format!("PAKN-{day}-");
        // Two receptions at once may take the same number: the second takes the next.
        for _ in 0..5 {
            let n = self.app.db.feedback_count_with_prefix(&prefix).await? + 1;
            let stored = StoredFeedback {
                id: uuid::Uuid::now_v7(),
                code: format!("{prefix}{n:04}"),
                petition: petition.clone(),
                state: state.clone(),
                version: 1,
            };
            let record = FeedbackRecord {
                seq: 1,
                at_ms: now.timestamp_millis(),
                actor: who.to_string(),
                event: first.clone(),
            };
            let written = match pending {
                Some(token) => {
                    self.app
                        .db
                        .confirm_pending_feedback(token, &stored, &record)
                        .await
                }
                None => self.app.db.create_feedback(&stored, &record).await,
            };
            match written {
                Ok(()) => return Ok(stored),
                Err(store::StoreError::Duplicate(_)) => continue,
                Err(store::StoreError::Conflict { .. }) => return Err(pending_gone()),
                Err(e) => return Err(e.into()),
            }
        }
        Err(AppError::new(
            ErrorKind::Busy,
            "busy",
            "Máy chủ bận, thử lại sau.",
        ))
    }

    /// Gửi phản ánh không cần tài khoản: the petition waits while a code goes to the phone (by
    /// SMS) or, without one, the e-mail given; [`Feedbacks::confirm`] receives it.
    pub async fn submit_anonymous(
        &self,
        petition: Petition,
        agency: Option<AgencyId>,
        client: &crate::throttle::Client,
    ) -> Result<PendingFeedbackView, AppError> {
        let mut petition = petition;
        petition.channel = FeedbackChannel::Portal;
        petition.id_number = None;
        petition.phone = match petition.phone.as_deref().map(str::trim) {
            Some(p) if !p.is_empty() => {
                Some(domain::ids::PhoneNumber::parse(p)?.as_str().to_string())
            }
            _ => None,
        };
        petition.email = match petition.email.as_deref().map(str::trim) {
            Some(e) if !e.is_empty() => Some(domain::ids::Email::parse(e)?.as_str().to_string()),
            _ => None,
        };
        let petition = petition.checked()?;
        // Checked now, so the code is not sent for a petition that cannot be received.
        let agency = Some(self.agency_for(&petition, agency).await?);
        let settings = &self.app.settings.notices;
        let (channel, to) = match (&petition.phone, &petition.email) {
            (Some(p), _) if settings.sms => (store::Channel::Sms, p.clone()),
            (_, Some(e)) if settings.email => (store::Channel::Email, e.clone()),
            _ => {
                return Err(AppError::new(
                    ErrorKind::Rule,
                    "verification_unavailable",
                    "Hệ thống chưa gửi được mã xác nhận đến số điện thoại hoặc thư điện tử đã khai. Ông/bà hãy đăng nhập (tài khoản định danh điện tử) để gửi, hoặc gửi tại Bộ phận Một cửa.",
                ));
            }
        };
        let now = self.app.now();
        self.app.throttle.attempt(
            "feedback-anonymous",
            client,
            self.app.settings.limits.registrations_per_address,
            now,
        )?;
        let code = crate::citizens::one_time_code()?;
        let token = crate::auth::new_token()?;
        let expires = now + chrono::Duration::minutes(PENDING_MINUTES);
        self.app
            .db
            .start_pending_feedback(
                &store::PendingFeedback {
                    token: token.clone(),
                    petition,
                    agency: agency.map(|a| a.to_string()),
                    code_hash: self.code_hash(&token, &code),
                    created_ms: now.timestamp_millis(),
                    expires_ms: expires.timestamp_millis(),
                    attempts: 0,
                },
                &store::NewMessage {
                    kind: "feedback-code".into(),
                    channel,
                    recipient: to.clone(),
                    subject: "Mã xác nhận gửi phản ánh, kiến nghị".into(),
                    body: format!(
                        "Ma xac nhan gui phan anh, kien nghi: {code}. Het han sau {PENDING_MINUTES} phut. Khong cung cap ma nay cho nguoi khac."
                    ),
                    idempotency_key: format!("feedback-code:{token}"),
                    dossier: None,
                },
            )
            .await?;
        Ok(PendingFeedbackView {
            token,
            sent_to: crate::citizens::masked(&to),
            expires_at: expires,
        })
    }

    /// Xác nhận: the code sent receives the waiting feedback. A wrong code is counted; after
    /// five the waiting feedback is dropped.
    pub async fn confirm(
        &self,
        token: &str,
        code: &str,
        client: &crate::throttle::Client,
    ) -> Result<StoredFeedback, AppError> {
        let now = self.app.now();
        self.app.throttle.attempt(
            "feedback-confirm",
            client,
            {
                let r = self.app.settings.limits.registrations_per_address;
                crate::throttle::Rate {
                    max: r.max.saturating_mul(3),
                    ..r
                }
            },
            now,
        )?;
        let token = token.trim();
        let p = self
            .app
            .db
            .pending_feedback(token)
            .await?
            .ok_or_else(pending_gone)?;
        if p.expires_ms <= now.timestamp_millis() {
            self.app.db.drop_pending_feedback(token).await?;
            return Err(AppError::new(
                ErrorKind::Gone,
                "feedback_code_expired",
                "Mã xác nhận đã hết hạn; hãy gửi lại phản ánh để nhận mã mới.",
            ));
        }
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if self.code_hash(token, &code) != p.code_hash {
            let attempts = self.app.db.pending_feedback_failed(token).await?;
            if attempts >= PENDING_ATTEMPTS {
                self.app.db.drop_pending_feedback(token).await?;
                return Err(AppError::invalid(
                    "feedback_code_wrong",
                    "Mã xác nhận không đúng quá nhiều lần; phản ánh chưa được gửi, hãy gửi lại.",
                ));
            }
            return Err(AppError::invalid(
                "feedback_code_wrong",
                format!(
                    "Mã xác nhận không đúng (còn {} lần thử).",
                    PENDING_ATTEMPTS - attempts
                ),
            ));
        }
        let agency = p.agency.as_deref().map(AgencyId::parse).transpose()?;
        let who = p.petition.name.clone();
        self.receive(&who, p.petition, agency, Some(token)).await
    }

    /// The stored form of a confirmation code (keyed).
    fn code_hash(&self, token: &str, code: &str) -> String {
        use hmac::{KeyInit, Mac};
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.app.keys.access)
            .expect("any key length");
        mac.update(format!("feedback|{token}|{code}").as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Tiếp nhận từ Hệ thống PAKN quốc gia: one petition pulled from the national system, for
    /// the agency its identifier names. Once only: the same petition again returns the feedback
    /// it became.
    pub async fn take_national(&self, n: &NationalPetition) -> Result<StoredFeedback, AppError> {
        if let Some(f) = self.app.db.feedback_by_national_id(&n.id).await? {
            return Ok(f);
        }
        let tree = self.app.agencies();
        let agency = tree
            .all()
            .find(|a| a.code.to_string() == n.agency_code.trim() && a.valid_to.is_none())
            .map(|a| a.id.clone())
            .ok_or_else(|| {
                AppError::invalid(
                    "unknown_agency_code",
                    format!(
                        "Không có cơ quan mang mã định danh \"{}\".",
                        domain::error::shorten(&n.agency_code)
                    ),
                )
            })?;
        fn clean(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|v| !v.is_empty())
        }
        let about = match (clean(&n.dossier_code), clean(&n.procedure_code)) {
            (Some(code), _) => About::Dossier { code: code.into() },
            (None, Some(code)) => About::Procedure { code: code.into() },
            _ => About::Other,
        };
        let petition = Petition {
            title: n.title.clone(),
            content: n.content.clone(),
            about,
            name: n.name.clone(),
            phone: clean(&n.phone).map(str::to_string),
            email: clean(&n.email).map(str::to_string),
            id_number: None,
            channel: FeedbackChannel::National,
            attachments: Vec::new(),
            national_id: Some(n.id.clone()),
        }
        .checked()?;
        // A dossier unknown here is still received, by the agency addressed.
        let agency = match &petition.about {
            About::Dossier { code } if self.app.db.dossier_id_by_code(code).await?.is_none() => {
                return self
                    .receive(
                        NATIONAL_RECEIVER,
                        Petition {
                            about: About::Other,
                            content: format!("{} (Hồ sơ {code})", petition.content),
                            ..petition
                        },
                        Some(agency),
                        None,
                    )
                    .await;
            }
            _ => Some(agency),
        };
        self.receive(NATIONAL_RECEIVER, petition, agency, None)
            .await
    }

    /// Theo dõi: where any feedback stands, by its code, for whoever holds the code (no
    /// content, no petitioner): its stage, agency, receipt and limit.
    pub async fn tracking(&self, code: &str) -> Result<StoredFeedback, AppError> {
        self.find(code).await
    }

    /// The earlier feedback of the same person about the same matter, received within
    /// [`REPEAT_DAYS`] at the same agency.
    async fn earlier_of(
        &self,
        p: &Petition,
        agency: &AgencyId,
        now: DateTime<Utc>,
    ) -> Result<Option<uuid::Uuid>, AppError> {
        if matches!(p.about, About::Other) {
            return Ok(None);
        }
        let recent = self
            .app
            .db
            .feedback_list(&FeedbackFilter {
                agencies: vec![agency.to_string()],
                limit: 500,
                ..Default::default()
            })
            .await?;
        let same_person = |o: &Petition| {
            (p.id_number.is_some() && o.id_number == p.id_number)
                || (p.phone.is_some() && o.phone == p.phone)
                || (p.email.is_some() && o.email == p.email)
        };
        Ok(recent
            .into_iter()
            .filter(|f| (now - f.state.received_at).num_days() <= REPEAT_DAYS)
            .find(|f| f.petition.about == p.about && same_person(&f.petition))
            .map(|f| f.id))
    }

    /// Records what an officer did with a feedback (`expected_version`: the version they saw).
    pub async fn act(
        self,
        actor: &Actor,
        code: &str,
        event: FeedbackEvent,
        expected_version: Option<u64>,
    ) -> Result<StoredFeedback, AppError> {
        let f = self.find(code).await?;
        if !self.may(actor, &f, &event) {
            return Err(forbidden(event.label()));
        }
        let event = match event {
            FeedbackEvent::Transferred { to, reason } => {
                self.app.agencies().require(&to)?;
                FeedbackEvent::Transferred { to, reason }
            }
            // The officer assigned works in its agency; their name is the account's.
            FeedbackEvent::Assigned { officer, .. } => {
                let o = self
                    .assignable(&f)
                    .await?
                    .into_iter()
                    .find(|o| o.id.to_string() == officer.trim())
                    .ok_or_else(|| {
                        AppError::invalid(
                            "officer_not_assignable",
                            "Cán bộ được chọn không thuộc cơ quan xử lý phản ánh này.",
                        )
                    })?;
                FeedbackEvent::Assigned {
                    officer: o.id.to_string(),
                    name: o.full_name.to_string(),
                }
            }
            e => e,
        };
        let event = f.state.decide(event)?;
        if let Some(v) = expected_version
            && v != f.version
        {
            return Err(changed());
        }
        self.record(f, actor, event).await
    }

    /// Whether `actor` may record `event` on `f`: an active officer of its agency (a grant on it,
    /// on a unit under it, or above it) holding one of the event's roles.
    fn may(&self, actor: &Actor, f: &StoredFeedback, event: &FeedbackEvent) -> bool {
        let Actor::Officer(o) = actor else {
            return false;
        };
        let tree = self.app.agencies();
        let roles = roles_for(event);
        let agency = &f.state.agency;
        o.active
            && o.grants.iter().any(|g| {
                roles.contains(&g.role)
                    && (tree.is_within(&g.agency, agency) || tree.is_within(agency, &g.agency))
            })
    }

    /// The active officers who may be assigned a feedback: those with a grant within its agency.
    pub async fn assignable(
        &self,
        f: &StoredFeedback,
    ) -> Result<Vec<domain::officer::Officer>, AppError> {
        let tree = self.app.agencies();
        let mut out: Vec<domain::officer::Officer> = self
            .app
            .db
            .officers()
            .await?
            .into_iter()
            .filter(|o| {
                o.active
                    && o.grants
                        .iter()
                        .any(|g| tree.is_within(&g.agency, &f.state.agency))
            })
            .collect();
        out.sort_by_key(|o| o.full_name.to_string());
        Ok(out)
    }

    /// What `actor` can do with `f` now, as the API names the actions (`classify`, `refuse`,
    /// `ask`, `transfer`, `draft`, `approve`, `publish`): each one its stage allows and their
    /// roles permit.
    pub fn actions(&self, actor: &Actor, f: &StoredFeedback) -> Vec<&'static str> {
        let some = || "-".to_string();
        let candidates = [
            (
                "classify",
                FeedbackEvent::Classified {
                    category: domain::feedback::Category::Rules,
                },
            ),
            (
                "assign",
                FeedbackEvent::Assigned {
                    officer: "-".into(),
                    name: some(),
                },
            ),
            ("refuse", FeedbackEvent::Refused { reason: some() }),
            (
                "ask",
                FeedbackEvent::InformationRequested { question: some() },
            ),
            (
                "transfer",
                FeedbackEvent::Transferred {
                    // Any other agency: only the stage and the roles are asked here.
                    to: AgencyId::parse("khac").expect("a valid id"),
                    reason: some(),
                },
            ),
            ("draft", FeedbackEvent::AnswerDrafted { answer: some() }),
            ("approve", FeedbackEvent::Approved),
            ("publish", FeedbackEvent::Published),
        ];
        candidates
            .into_iter()
            .filter(|(_, e)| self.may(actor, f, e) && f.state.decide(e.clone()).is_ok())
            .map(|(k, _)| k)
            .collect()
    }

    /// Hạn of a feedback now (see [`Feedback::due`]), on its agency's calendar.
    pub fn due(&self, f: &Feedback) -> Result<Option<DateTime<Utc>>, AppError> {
        let cal = self.app.calendar_of(&f.agency);
        Ok(f.due(&cal, &self.app.settings.feedback, self.app.now())?)
    }

    /// Phản ánh cần xử lý: the feedback of the agencies the officer works in (and of the
    /// committee they serve), open ones first by their limit, then the ended ones, newest first.
    pub async fn inbox(
        &self,
        actor: &Actor,
        open_only: bool,
    ) -> Result<Vec<(StoredFeedback, Option<DateTime<Utc>>)>, AppError> {
        let agencies = self.agencies_of(actor)?;
        self.listed(agencies, open_only).await
    }

    /// The open feedback of `agencies`, each with its limit, soonest first.
    pub async fn open_of(
        &self,
        agencies: Vec<String>,
    ) -> Result<Vec<(StoredFeedback, Option<DateTime<Utc>>)>, AppError> {
        self.listed(agencies, true).await
    }

    async fn listed(
        &self,
        agencies: Vec<String>,
        open_only: bool,
    ) -> Result<Vec<(StoredFeedback, Option<DateTime<Utc>>)>, AppError> {
        let list = self
            .app
            .db
            .feedback_list(&FeedbackFilter {
                agencies,
                limit: 500,
                ..Default::default()
            })
            .await?;
        let mut out = Vec::new();
        for f in list {
            let ended = matches!(
                f.state.stage,
                FeedbackStage::Published | FeedbackStage::Refused
            );
            if open_only && ended {
                continue;
            }
            let due = self.due(&f.state)?;
            out.push((f, due));
        }
        out.sort_by_key(|(f, due)| (due.is_none(), *due, std::cmp::Reverse(f.state.received_at)));
        Ok(out)
    }

    /// The agencies whose feedback an officer sees: those within their grants and the
    /// committee each grant serves.
    pub fn agencies_of(&self, actor: &Actor) -> Result<Vec<String>, AppError> {
        let Actor::Officer(o) = actor else {
            return Err(forbidden("xem"));
        };
        let tree = self.app.agencies();
        let mut agencies = self.app.queries().visible_agencies(actor);
        for g in &o.grants {
            if let Some(c) = tree.committee_of(&g.agency) {
                agencies.push(c.id.to_string());
            }
        }
        agencies.sort();
        agencies.dedup();
        Ok(agencies)
    }

    /// The feedback figures of the days `from`–`to` (Vietnamese dates) for the agencies the
    /// officer sees: each agency with feedback, and the total.
    pub async fn figures(
        self,
        actor: &Actor,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<(Vec<(AgencyId, FeedbackCounts)>, FeedbackCounts), AppError> {
        let agencies = self.agencies_of(actor)?;
        let start = lich::time::vn_day_start(from);
        let end = lich::time::vn_day_start(to.succ_opt().unwrap_or(to))
            - chrono::Duration::milliseconds(1);
        let counts = self.counts(&agencies, start, end).await?;
        let mut total = FeedbackCounts::default();
        let mut lines = Vec::new();
        for (agency, c) in counts {
            total.add(&c);
            lines.push((AgencyId::parse(&agency)?, c));
        }
        lines.sort_by(|a, b| a.0.cmp(&b.0));
        Ok((lines, total))
    }

    /// Phản ánh của tôi: what the signed-in citizen sent, newest first.
    pub async fn mine(&self, actor: &Actor) -> Result<Vec<StoredFeedback>, AppError> {
        let Actor::Citizen {
            id_number: Some(n), ..
        } = actor
        else {
            return Ok(Vec::new());
        };
        Ok(self
            .app
            .db
            .feedback_list(&FeedbackFilter {
                petitioner: Some(n.as_str().to_string()),
                limit: 200,
                ..Default::default()
            })
            .await?)
    }

    /// Bổ sung thông tin: the petitioner, signed in, answers the agency's question.
    pub async fn give_information(
        self,
        actor: &Actor,
        code: &str,
        answer: &str,
    ) -> Result<StoredFeedback, AppError> {
        let f = self
            .petitioners(actor, code, "bổ sung được thông tin")
            .await?;
        let event = f.state.decide(FeedbackEvent::InformationGiven {
            answer: answer.to_string(),
        })?;
        self.record(f, actor, event).await
    }

    /// A feedback its signed-in petitioner acts on (`what`: what only they can do).
    async fn petitioners(
        &self,
        actor: &Actor,
        code: &str,
        what: &str,
    ) -> Result<StoredFeedback, AppError> {
        let f = self.find(code).await?;
        if !is_petitioner(actor, &f) {
            return Err(AppError::new(
                ErrorKind::Forbidden,
                "forbidden",
                format!("Chỉ người gửi phản ánh (đã đăng nhập) {what}."),
            ));
        }
        Ok(f)
    }

    /// A feedback by its code, whoever asks.
    async fn find(&self, code: &str) -> Result<StoredFeedback, AppError> {
        self.app
            .db
            .feedback_by_code(code.trim())
            .await?
            .ok_or_else(not_found)
    }

    /// Records a decided event on `f` (at the version it was read), and returns it as it now is.
    async fn record(
        &self,
        f: StoredFeedback,
        actor: &Actor,
        event: FeedbackEvent,
    ) -> Result<StoredFeedback, AppError> {
        let now = self.app.now();
        let mut state = f.state.clone();
        state.apply(&event, now);
        // A petition from the national system gets its published answer back there, written
        // with the event (the outbox delivers it).
        let mut messages = Vec::new();
        if let (FeedbackEvent::Published, Some(national)) = (&event, &f.petition.national_id)
            && self.app.settings.notices.national
        {
            messages.push(store::NewMessage {
                kind: NATIONAL_ANSWER.into(),
                channel: store::Channel::National,
                recipient: "national".into(),
                subject: format!("Trả lời phản ánh {national}"),
                body: serde_json::json!({
                    "IdPhanAnh": national,
                    "MaPhanAnh": f.code,
                    "CoQuanTraLoi": self.app.agencies().name_of(&state.agency),
                    "NoiDungTraLoi": state.answer.clone().unwrap_or_default(),
                    "NgayCongKhai": lich::time::to_vn(&now).format("%d/%m/%Y %H:%M").to_string(),
                })
                .to_string(),
                idempotency_key: format!("feedback-answer:{}", f.id),
                dossier: None,
            });
        }
        let record = FeedbackRecord {
            seq: f.version + 1,
            at_ms: now.timestamp_millis(),
            actor: actor.to_ref().name,
            event,
        };
        self.app
            .db
            .append_feedback(f.id, f.version, &record, &state, &messages)
            .await
            .map_err(stored)?;
        Ok(StoredFeedback {
            state,
            version: f.version + 1,
            ..f
        })
    }

    /// Đánh giá câu trả lời: the petitioner, signed in, rates the published answer once.
    pub async fn rate(
        self,
        actor: &Actor,
        code: &str,
        satisfied: bool,
    ) -> Result<StoredFeedback, AppError> {
        let f = self
            .petitioners(actor, code, "đánh giá được câu trả lời")
            .await?;
        let events = self.app.db.feedback_events(f.id).await?;
        if events
            .iter()
            .any(|r| matches!(r.event, FeedbackEvent::Rated { .. }))
        {
            return Err(AppError::new(
                ErrorKind::Rule,
                "already_rated",
                "Ông/bà đã đánh giá câu trả lời này.",
            ));
        }
        let event = f.state.decide(FeedbackEvent::Rated { satisfied })?;
        self.record(f, actor, event).await
    }

    /// A feedback by its code: anyone sees a published one; officers of its agency and the
    /// petitioner see it at any stage.
    pub async fn by_code(
        self,
        actor: Option<&Actor>,
        code: &str,
    ) -> Result<StoredFeedback, AppError> {
        let f = self.find(code).await?;
        if f.state.published_at.is_some() {
            return Ok(f);
        }
        match actor {
            Some(a) => self.by_code_private(a, code).await,
            None => Err(not_found()),
        }
    }

    /// Câu hỏi, trả lời đã công khai: the published answers whose text holds every word of `q`
    /// (with or without diacritics), newest first.
    pub async fn published(self, q: &str, limit: u32) -> Result<Vec<StoredFeedback>, AppError> {
        crate::search::check_search_text(q)?;
        let words: Vec<String> = vntext::fold(q)
            .split_whitespace()
            .take(10)
            .map(str::to_string)
            .collect();
        Ok(self
            .app
            .db
            .feedback_list(&FeedbackFilter {
                published: true,
                words,
                limit,
                ..Default::default()
            })
            .await?)
    }

    /// The events of a feedback, for its page (officers of its agency and the petitioner).
    pub async fn history(
        self,
        actor: Option<&Actor>,
        code: &str,
    ) -> Result<Vec<FeedbackRecord>, AppError> {
        let app = self.app;
        let f = self.by_code(actor, code).await?;
        Ok(app.db.feedback_events(f.id).await?)
    }

    /// The dossiers that drew a phản ánh, kiến nghị received up to `until` (each once).
    pub async fn complained_dossiers(
        self,
        until: DateTime<Utc>,
    ) -> Result<Vec<domain::dossier::Dossier>, AppError> {
        let all = self
            .app
            .db
            .feedback_list(&FeedbackFilter {
                until_ms: Some(until.timestamp_millis()),
                limit: 10_000,
                ..Default::default()
            })
            .await?;
        let mut codes: Vec<&str> = all
            .iter()
            .filter_map(|f| match &f.petition.about {
                About::Dossier { code } => Some(code.as_str()),
                _ => None,
            })
            .collect();
        codes.sort_unstable();
        codes.dedup();
        let mut out = Vec::new();
        for code in codes {
            if let Some(id) = self.app.db.dossier_id_by_code(code).await?
                && let Some(d) = self.app.db.dossier(id).await?
            {
                out.push(d);
            }
        }
        Ok(out)
    }

    /// The period's figures per agency (QĐ 766 5.1–5.3, TT 01/2018 index 8): every feedback
    /// received up to `to`, counted against the limits.
    pub async fn counts(
        self,
        agencies: &[String],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<HashMap<String, FeedbackCounts>, AppError> {
        let all = self
            .app
            .db
            .feedback_list(&FeedbackFilter {
                agencies: agencies.to_vec(),
                until_ms: Some(to.timestamp_millis()),
                limit: 10_000,
                ..Default::default()
            })
            .await?;
        let repeated: std::collections::HashSet<uuid::Uuid> =
            all.iter().filter_map(|f| f.state.repeat_of).collect();
        let rules = self.app.settings.feedback;
        let mut by_agency: HashMap<String, Vec<(&Feedback, bool)>> = HashMap::new();
        for f in &all {
            by_agency
                .entry(f.state.agency.to_string())
                .or_default()
                .push((&f.state, repeated.contains(&f.id)));
        }
        let mut out = HashMap::new();
        for (agency, items) in by_agency {
            let id = AgencyId::parse(&agency).map_err(AppError::from)?;
            let cal = self.app.calendar_of(&id);
            out.insert(
                agency,
                domain::feedback::count(&items, &cal, &rules, from, to)?,
            );
        }
        Ok(out)
    }
}
