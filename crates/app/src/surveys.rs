//! Khảo sát sự hài lòng (SIPAS-style): a survey officer opens a round for a period; its sampling
//! frame is the dossiers returned in that period in the agencies they oversee, stratified by
//! sector, agency and channel; the sample is drawn at random within each stratum in proportion
//! (`domain::survey::allocate`); each person drawn gets a link by SMS or e-mail through the
//! outbox (or, where neither is configured, the survey officer hands the links out); answers
//! come by link, once each, or from a counter tablet; the index is computed per factor and
//! overall. Contacts are seen by the survey officer only, and each reading is logged.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use domain::dossier::Stage;
use domain::officer::{Actor, Officer, Role};
use domain::survey::{SurveyAnswer, SurveyIndex};
use store::{
    Channel, NewMessage, StoredSurvey, StoredSurveyAnswer, Stratum, StratumSize, SurveyInvite,
};

use crate::{App, AppError, ErrorKind};

/// Largest sample of a round.
pub const MAX_SAMPLE: usize = 5_000;

/// The survey part of the application.
pub struct Surveys<'a> {
    app: &'a App,
}

impl App {
    pub fn surveys(&self) -> Surveys<'_> {
        Surveys { app: self }
    }
}

/// A round with what came of it.
#[derive(Debug, Clone)]
pub struct Round {
    pub survey: StoredSurvey,
    pub invited: usize,
    /// Links sent through the outbox (SMS or e-mail).
    pub sent: usize,
    pub answered_by_link: usize,
    pub answered_at_counter: usize,
    pub index: SurveyIndex,
    /// The index of each agency's answers (agency id → index).
    pub by_agency: BTreeMap<String, SurveyIndex>,
}

/// Cán bộ khảo sát: a leader or an administrator.
fn survey_officer(actor: &Actor) -> Result<&Officer, AppError> {
    match actor {
        Actor::Officer(o)
            if o.active
                && o.grants
                    .iter()
                    .any(|g| matches!(g.role, Role::Leader | Role::Admin)) =>
        {
            Ok(o)
        }
        _ => Err(AppError::new(
            ErrorKind::Forbidden,
            "forbidden",
            "Chỉ lãnh đạo hoặc quản trị hệ thống tổ chức khảo sát sự hài lòng.",
        )),
    }
}

fn not_found() -> AppError {
    AppError::not_found("survey_not_found", "Không có đợt khảo sát này.")
}

fn invite_not_found() -> AppError {
    AppError::not_found(
        "survey_link_not_found",
        "Đường dẫn khảo sát không đúng hoặc đã hết hiệu lực; kiểm tra lại tin nhắn, thư mời.",
    )
}

/// A random index below `n` (n > 0).
fn random_below(n: usize) -> Result<usize, AppError> {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).map_err(|_| {
        AppError::new(
            ErrorKind::Internal,
            "internal",
            "Không chọn được mẫu ngẫu nhiên.",
        )
    })?;
    Ok((u64::from_le_bytes(b) % n as u64) as usize)
}

/// `k` of `items`, drawn at random without replacement.
fn draw<T>(mut items: Vec<T>, k: usize) -> Result<Vec<T>, AppError> {
    let k = k.min(items.len());
    for i in 0..k {
        let j = i + random_below(items.len() - i)?;
        items.swap(i, j);
    }
    items.truncate(k);
    Ok(items)
}

fn token() -> Result<String, AppError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|_| {
        AppError::new(
            ErrorKind::Internal,
            "internal",
            "Không tạo được đường dẫn khảo sát.",
        )
    })?;
    Ok(hex::encode(b))
}

impl Surveys<'_> {
    /// Mở đợt khảo sát: the frame of dossiers returned from `from` to `to` in the agencies the
    /// officer oversees, `sample` drawn from it by stratum, each invited through the outbox.
    pub async fn create(
        &self,
        actor: &Actor,
        name: &str,
        from: NaiveDate,
        to: NaiveDate,
        sample: usize,
    ) -> Result<Round, AppError> {
        let o = survey_officer(actor)?;
        let name = vntext::clean(name);
        if name.is_empty() || name.chars().count() > 200 {
            return Err(AppError::invalid(
                "invalid_survey",
                "Tên đợt khảo sát: cần nội dung, tối đa 200 ký tự.",
            ));
        }
        if from > to {
            return Err(AppError::invalid(
                "invalid_period",
                "Ngày bắt đầu phải trước ngày kết thúc.",
            ));
        }
        if sample == 0 || sample > MAX_SAMPLE {
            return Err(AppError::invalid(
                "invalid_sample",
                format!("Cỡ mẫu từ 1 đến {MAX_SAMPLE} người."),
            ));
        }
        let agencies = self.app.queries().visible_agencies(actor);
        // The frame: every dossier returned in the period, by stratum.
        let sectors: HashMap<String, String> = self
            .app
            .catalogue()
            .procedures()
            .await?
            .into_iter()
            .map(|p| (p.code.to_string(), p.sector))
            .collect();
        let start = lich::time::vn_day_start(from).timestamp_millis();
        let end = lich::time::vn_day_start(to.succ_opt().unwrap_or(to)).timestamp_millis();
        let mut strata: BTreeMap<Stratum, Vec<domain::dossier::Dossier>> = BTreeMap::new();
        let mut after = None;
        loop {
            let page = self
                .app
                .db
                .ended_dossiers(&agencies, start, end, end, after, 1_000)
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.dossier.id.0);
            for e in page {
                let d = e.dossier;
                if d.stage != Stage::Returned {
                    continue;
                }
                let stratum = Stratum {
                    sector: sectors
                        .get(d.procedure.code.as_str())
                        .cloned()
                        .unwrap_or_default(),
                    agency: d.competent.to_string(),
                    channel: i64::from(d.channel.national_code()),
                };
                strata.entry(stratum).or_default().push(d);
            }
        }
        let frame: usize = strata.values().map(Vec::len).sum();
        if frame == 0 {
            return Err(AppError::new(
                ErrorKind::Rule,
                "empty_frame",
                "Không có hồ sơ nào đã trả kết quả trong kỳ này để chọn mẫu; chọn kỳ khác.",
            ));
        }
        let sizes: Vec<usize> = strata.values().map(Vec::len).collect();
        let shares = domain::survey::allocate(&sizes, sample);
        let now = self.app.now();
        let id = uuid::Uuid::now_v7();
        let notices = &self.app.settings.notices;
        let portal = self
            .app
            .settings
            .results
            .public_url
            .trim_end_matches('/')
            .to_string();
        let mut sizes_out = Vec::new();
        let mut invites = Vec::new();
        let mut messages = Vec::new();
        for ((stratum, dossiers), k) in strata.into_iter().zip(shares) {
            sizes_out.push(StratumSize {
                stratum: stratum.clone(),
                frame: dossiers.len() as i64,
                sample: k as i64,
            });
            for d in draw(dossiers, k)? {
                let token = token()?;
                let link = format!("{portal}/khao-sat/{token}");
                let phone = d.applicant.phone().map(|p| p.as_str().to_string());
                let email = d.applicant.email().map(|e| e.as_str().to_string());
                let via = match (&phone, &email) {
                    (Some(p), _) if notices.sms => Some((Channel::Sms, p.clone())),
                    (_, Some(e)) if notices.email => Some((Channel::Email, e.clone())),
                    _ => None,
                };
                if let Some((channel, to)) = &via {
                    messages.push(NewMessage {
                        kind: "survey-invite".into(),
                        channel: *channel,
                        recipient: to.clone(),
                        subject: "Mời tham gia khảo sát sự hài lòng".into(),
                        body: format!(
                            "Moi ong/ba danh gia su phuc vu khi giai quyet ho so {}: {link} (khoang 3 phut, an danh).",
                            d.code
                        ),
                        idempotency_key: format!("survey:{id}:{token}"),
                        dossier: Some(d.id.0),
                    });
                }
                invites.push(SurveyInvite {
                    token,
                    survey: id,
                    dossier: d.id.0,
                    code: d.code.to_string(),
                    stratum: stratum.clone(),
                    contact: phone.or(email),
                    sent: via.map(|(c, _)| c.as_str().to_string()),
                    answered_ms: None,
                });
            }
        }
        let survey = StoredSurvey {
            id,
            name,
            from,
            to,
            created_ms: now.timestamp_millis(),
            created_by: o.full_name.to_string(),
            frame: frame as i64,
            strata: sizes_out,
            agencies,
        };
        self.app
            .db
            .create_survey(&survey, &invites, &messages)
            .await?;
        self.round(actor, id).await
    }

    /// The rounds covering an agency the officer sees, newest first.
    pub async fn list(&self, actor: &Actor) -> Result<Vec<StoredSurvey>, AppError> {
        let visible = self.app.queries().visible_agencies(actor);
        Ok(self
            .app
            .db
            .surveys()
            .await?
            .into_iter()
            .filter(|s| s.agencies.iter().any(|a| visible.contains(a)))
            .collect())
    }

    /// A round, its progress and its index (officers who see one of its agencies).
    pub async fn round(&self, actor: &Actor, id: uuid::Uuid) -> Result<Round, AppError> {
        let visible = self.app.queries().visible_agencies(actor);
        let survey = self
            .app
            .db
            .survey(id)
            .await?
            .filter(|s| s.agencies.iter().any(|a| visible.contains(a)))
            .ok_or_else(not_found)?;
        let invites = self.app.db.survey_invites(id).await?;
        let answers = self.app.db.survey_answers(id).await?;
        let mut by: BTreeMap<String, Vec<SurveyAnswer>> = BTreeMap::new();
        for a in &answers {
            by.entry(a.stratum.agency.clone())
                .or_default()
                .push(a.answer.clone());
        }
        let all: Vec<SurveyAnswer> = answers.iter().map(|a| a.answer.clone()).collect();
        Ok(Round {
            invited: invites.len(),
            sent: invites.iter().filter(|i| i.sent.is_some()).count(),
            answered_by_link: answers.iter().filter(|a| a.via == "link").count(),
            answered_at_counter: answers.iter().filter(|a| a.via == "counter").count(),
            index: domain::survey::index(&all),
            by_agency: by
                .into_iter()
                .map(|(k, v)| (k, domain::survey::index(&v)))
                .collect(),
            survey,
        })
    }

    /// Danh sách liên hệ: the people drawn, their contact and link — the survey officer's only,
    /// and each reading written in the administration log.
    pub async fn contacts(
        &self,
        actor: &Actor,
        id: uuid::Uuid,
    ) -> Result<Vec<SurveyInvite>, AppError> {
        let o = survey_officer(actor)?;
        let round = self.round(actor, id).await?;
        let invites = self.app.db.survey_invites(id).await?;
        self.app
            .db
            .admin_log(&store::LogEntry {
                at_ms: self.app.now().timestamp_millis(),
                actor: o.username.as_str(),
                action: "survey-contacts",
                detail: &format!(
                    "Xem danh sách liên hệ của đợt khảo sát \"{}\" ({} người)",
                    round.survey.name,
                    invites.len()
                ),
            })
            .await?;
        Ok(invites)
    }

    /// The link's invitation and its round's name, for the answer page; refused once answered.
    pub async fn invitation(&self, token: &str) -> Result<(SurveyInvite, String), AppError> {
        let token = token.trim();
        if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(invite_not_found());
        }
        let invite = self
            .app
            .db
            .survey_invite(token)
            .await?
            .ok_or_else(invite_not_found)?;
        if invite.answered_ms.is_some() {
            return Err(AppError::new(
                ErrorKind::Rule,
                "survey_answered",
                "Phiếu khảo sát này đã được trả lời. Cảm ơn ông/bà.",
            ));
        }
        let survey = self
            .app
            .db
            .survey(invite.survey)
            .await?
            .ok_or_else(not_found)?;
        Ok((invite, survey.name))
    }

    /// Trả lời qua đường dẫn: once per link.
    pub async fn answer(&self, token: &str, answer: SurveyAnswer) -> Result<(), AppError> {
        let (invite, _) = self.invitation(token).await?;
        let answer = answer.checked()?;
        self.app
            .db
            .add_survey_answer(
                invite.survey,
                Some(&invite.token),
                &StoredSurveyAnswer {
                    via: "link".into(),
                    stratum: invite.stratum,
                    answer,
                    at_ms: self.app.now().timestamp_millis(),
                },
            )
            .await
            .map_err(|e| match e {
                store::StoreError::Duplicate(_) => AppError::new(
                    ErrorKind::Rule,
                    "survey_answered",
                    "Phiếu khảo sát này đã được trả lời. Cảm ơn ông/bà.",
                ),
                e => e.into(),
            })
    }

    /// Trả lời tại máy tính bảng ở quầy: a counter officer's tablet takes a visitor's answer,
    /// counted for the committee their centre serves (channel: at the counter).
    pub async fn answer_at_counter(
        &self,
        actor: &Actor,
        id: uuid::Uuid,
        answer: SurveyAnswer,
    ) -> Result<(), AppError> {
        let Actor::Officer(o) = actor else {
            return Err(AppError::new(
                ErrorKind::Unauthenticated,
                "login_required",
                "Máy tính bảng khảo sát phải đăng nhập bằng tài khoản cán bộ Bộ phận Một cửa.",
            ));
        };
        let Some(centre) = self.app.intake().service_centre_of(o) else {
            return Err(AppError::new(
                ErrorKind::Forbidden,
                "forbidden",
                "Chỉ tài khoản cán bộ Bộ phận Một cửa nhận khảo sát tại quầy.",
            ));
        };
        let round = self.round(actor, id).await?;
        let tree = self.app.agencies();
        let agency = tree
            .committee_of(&centre)
            .map(|c| c.id.to_string())
            .unwrap_or_else(|| centre.to_string());
        if !round.survey.agencies.contains(&agency)
            && !round.survey.agencies.contains(&centre.to_string())
        {
            return Err(not_found());
        }
        let answer = answer.checked()?;
        self.app
            .db
            .add_survey_answer(
                id,
                None,
                &StoredSurveyAnswer {
                    via: "counter".into(),
                    stratum: Stratum {
                        sector: String::new(),
                        agency,
                        channel: 1,
                    },
                    answer,
                    at_ms: self.app.now().timestamp_millis(),
                },
            )
            .await?;
        Ok(())
    }
}
