//! Tổng hợp hằng ngày — the daily digest: at the configured hour (Vietnamese time) of a working
//! day, each handler and each unit leader with an e-mail gets one message listing the dossiers
//! overdue, due today, due on the next working day and waiting for approval; a unit whose chat
//! group has a webhook gets the same for the unit as signed JSON. Keys of the form
//! `digest:{officer}:{date}` make a second run on the same day (a restart) enqueue nothing.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use domain::agency::AgencyId;
use domain::dossier::NationalStatus;
use domain::officer::{Officer, Role};
use domain::procedure::StepKind;
use lich::time::to_vn;
use serde::Serialize;
use store::{Channel, DossierFilter, DossierRow, NewMessage};

use crate::Notices;
use crate::{App, AppError};

/// Kind of the digest messages.
pub const DIGEST: &str = "digest";

/// Most dossiers read per scope and section; a digest is a reminder, the inbox has the rest.
const SCOPE_LIMIT: u32 = 500;
/// Most lines written per section; the count says how many there are.
const LINES_PER_SECTION: usize = 30;

/// A dossier in a digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DigestLine {
    pub code: String,
    pub procedure: String,
    pub applicant: String,
    /// "dd/mm/yyyy HH:MM", Vietnamese time.
    pub due: String,
}

/// Bản tổng hợp — one recipient's dossiers by section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Digest {
    pub overdue: Vec<DigestLine>,
    pub due_today: Vec<DigestLine>,
    pub due_next_working_day: Vec<DigestLine>,
    pub awaiting_approval: Vec<DigestLine>,
    /// Phản ánh, kiến nghị past their limit or due by the end of the next working day (code,
    /// title, agency, limit).
    pub feedback: Vec<DigestLine>,
}

impl Digest {
    pub fn is_empty(&self) -> bool {
        self.overdue.is_empty()
            && self.due_today.is_empty()
            && self.due_next_working_day.is_empty()
            && self.awaiting_approval.is_empty()
            && self.feedback.is_empty()
    }
}

/// What a run of the digest did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestRun {
    /// Before the configured hour.
    NotYet,
    /// Not a working day: no digest.
    DayOff,
    /// Digests built; `enqueued` new messages (0 when today's were enqueued already).
    Done { enqueued: usize },
}

/// The instants that bound the sections.
struct Windows {
    now: DateTime<Utc>,
    /// Start of tomorrow (Vietnamese time).
    tomorrow: DateTime<Utc>,
    /// End of the next working day.
    after_next: DateTime<Utc>,
}

impl Windows {
    fn new(now: DateTime<Utc>, today: NaiveDate, next: NaiveDate) -> Self {
        let midnight =
            |day: NaiveDate| lich::time::vn_day_start(day.succ_opt().expect("date in range"));
        Self {
            now,
            tomorrow: midnight(today),
            after_next: midnight(next),
        }
    }
}

fn due_text(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| to_vn(&t).format("%d/%m/%Y %H:%M").to_string())
        .unwrap_or_default()
}

fn line(r: &DossierRow) -> DigestLine {
    DigestLine {
        code: r.code.clone(),
        procedure: r.procedure_name.clone(),
        applicant: r.applicant_name.clone(),
        due: due_text(r.due),
    }
}

fn day_text(d: NaiveDate) -> String {
    format!(
        "{} {}",
        lich::time::weekday_vi(d.weekday()),
        d.format("%d/%m/%Y")
    )
}

/// The digest as text (e-mail body, and the `text` of the webhook for a chat bridge to post).
fn digest_text(
    greeting: &str,
    d: &Digest,
    today: NaiveDate,
    next: NaiveDate,
    link: &str,
) -> String {
    let mut out = format!(
        "{greeting}\n\nTổng hợp hồ sơ ngày {} (giờ Việt Nam).\n",
        day_text(today)
    );
    let sections = [
        ("QUÁ HẠN".to_string(), &d.overdue, "hồ sơ"),
        ("ĐẾN HẠN HÔM NAY".to_string(), &d.due_today, "hồ sơ"),
        (
            format!("ĐẾN HẠN NGÀY LÀM VIỆC TIẾP THEO ({})", day_text(next)),
            &d.due_next_working_day,
            "hồ sơ",
        ),
        ("CHỜ PHÊ DUYỆT".to_string(), &d.awaiting_approval, "hồ sơ"),
        (
            "PHẢN ÁNH, KIẾN NGHỊ QUÁ HẠN HOẶC ĐẾN HẠN ĐẾN HẾT NGÀY LÀM VIỆC TIẾP THEO".to_string(),
            &d.feedback,
            "phản ánh",
        ),
    ];
    for (title, lines, unit) in sections {
        out.push_str(&format!("\n{title}: {} {unit}\n", lines.len()));
        for l in lines.iter().take(LINES_PER_SECTION) {
            out.push_str(&format!(
                "- {} — {} — {} — hạn {}\n",
                l.code, l.procedure, l.applicant, l.due
            ));
        }
        if lines.len() > LINES_PER_SECTION {
            out.push_str(&format!(
                "- … và {} {unit} khác\n",
                lines.len() - LINES_PER_SECTION
            ));
        }
    }
    out.push_str(&format!(
        "\nXem và xử lý: {link}\n\n(Thư được gửi tự động từ hệ thống Một Cửa.)\n"
    ));
    out
}

impl App {
    /// An officer's digest: the dossiers assigned to them, and for a leader or unit head, every
    /// dossier of their units.
    async fn officer_digest(&self, o: &Officer, w: &Windows) -> Result<Digest, AppError> {
        let mut scopes = vec![DossierFilter {
            // Their own dossiers, wherever they are.
            visible: store::Visibility::All,
            assignee: Some(o.id.to_string()),
            ..Default::default()
        }];
        for g in &o.grants {
            if matches!(g.role, Role::Leader | Role::UnitHead) {
                scopes.push(self.unit_scope(&g.agency));
            }
        }
        let mut d = self.digest_of(scopes, w).await?;
        let actor = domain::officer::Actor::Officer(o.clone());
        let agencies = self.feedback().agencies_of(&actor)?;
        d.feedback = self.feedback_due(agencies, w).await?;
        Ok(d)
    }

    async fn unit_digest(&self, agency: &AgencyId, w: &Windows) -> Result<Digest, AppError> {
        let mut d = self.digest_of(vec![self.unit_scope(agency)], w).await?;
        let tree = self.agencies();
        let agencies = tree
            .all()
            .filter(|a| tree.is_within(&a.id, agency))
            .map(|a| a.id.to_string())
            .collect();
        d.feedback = self.feedback_due(agencies, w).await?;
        Ok(d)
    }

    /// The open feedback of `agencies` past its limit or due before the end of the next working
    /// day, soonest first.
    async fn feedback_due(
        &self,
        agencies: Vec<String>,
        w: &Windows,
    ) -> Result<Vec<DigestLine>, AppError> {
        let tree = self.agencies();
        Ok(self
            .feedback()
            .open_of(agencies)
            .await?
            .into_iter()
            .filter_map(|(f, due)| {
                let due = due.filter(|d| *d < w.after_next)?;
                Some(DigestLine {
                    code: f.code,
                    procedure: f.petition.title,
                    applicant: tree.name_of(&f.state.agency),
                    due: due_text(Some(due)),
                })
            })
            .collect())
    }

    /// The dossiers of an agency and every unit under it.
    fn unit_scope(&self, agency: &AgencyId) -> DossierFilter {
        let tree = self.agencies();
        let agencies: Vec<String> = tree
            .all()
            .filter(|a| tree.is_within(&a.id, agency))
            .map(|a| a.id.to_string())
            .collect();
        DossierFilter {
            visible: if tree.is_top(agency) {
                store::Visibility::All
            } else {
                store::Visibility::Within {
                    agencies,
                    branches: vec![tree.branch_of(agency).to_string()],
                }
            },
            ..Default::default()
        }
    }

    async fn digest_of(&self, scopes: Vec<DossierFilter>, w: &Windows) -> Result<Digest, AppError> {
        // Only dossiers whose clock runs: a supplement or a financial obligation pauses it.
        let running = vec![
            NationalStatus::Received.code(),
            NationalStatus::InProgress.code(),
        ];
        let mut due: Vec<DossierRow> = Vec::new();
        let mut in_progress: Vec<DossierRow> = Vec::new();
        for scope in scopes {
            let page = self
                .db
                .list_dossiers(&DossierFilter {
                    national_status: running.clone(),
                    due_to: Some(w.after_next),
                    open_only: true,
                    limit: SCOPE_LIMIT,
                    ..scope.clone()
                })
                .await?;
            merge(&mut due, page.rows);
            let page = self
                .db
                .list_dossiers(&DossierFilter {
                    national_status: vec![NationalStatus::InProgress.code()],
                    open_only: true,
                    limit: SCOPE_LIMIT,
                    ..scope
                })
                .await?;
            merge(&mut in_progress, page.rows);
        }
        let mut d = Digest::default();
        for r in &due {
            match r.due {
                Some(t) if t < w.now => d.overdue.push(line(r)),
                Some(t) if t < w.tomorrow => d.due_today.push(line(r)),
                Some(t) if t < w.after_next => d.due_next_working_day.push(line(r)),
                _ => {}
            }
        }
        let ids: Vec<uuid::Uuid> = in_progress.iter().map(|r| r.id).collect();
        let at_approval: std::collections::HashSet<uuid::Uuid> = self
            .db
            .dossiers(&ids)
            .await?
            .into_iter()
            .filter(|x| {
                x.current_step()
                    .is_some_and(|s| s.kind == StepKind::Approval)
            })
            .map(|x| x.id.0)
            .collect();
        d.awaiting_approval = in_progress
            .iter()
            .filter(|r| at_approval.contains(&r.id))
            .map(line)
            .collect();
        Ok(d)
    }
}

impl Notices<'_> {
    /// Enqueues today's digests once the configured hour has come on a working day. Safe to call
    /// as often as wanted: the idempotency keys keep it to one message per recipient and day.
    pub async fn enqueue_digests(self) -> Result<DigestRun, AppError> {
        let s = &self.app.settings.notices;
        let now = self.app.now();
        let local = to_vn(&now);
        if local.time() < NaiveTime::from_hms_opt(s.digest_hour.min(23), 0, 0).expect("valid hour")
        {
            return Ok(DigestRun::NotYet);
        }
        let today = local.date_naive();
        let calendar = self.app.national_calendar();
        if !calendar.is_working_day(today)? {
            return Ok(DigestRun::DayOff);
        }
        let next = calendar.next_working_day(today)?;
        let w = Windows::new(now, today, next);
        let mut messages = Vec::new();
        let inbox = format!("{}/can-bo", s.public_url.trim_end_matches('/'));
        if s.email {
            let emails = self.app.db.officer_emails().await?;
            for o in self.app.db.officers().await? {
                let Some(email) = emails.get(&o.id).filter(|_| o.active) else {
                    continue;
                };
                let d = self.app.officer_digest(&o, &w).await?;
                if d.is_empty() {
                    continue;
                }
                let subject = format!(
                    "Một Cửa: tổng hợp hồ sơ ngày {} — {} quá hạn, {} đến hạn hôm nay",
                    today.format("%d/%m/%Y"),
                    d.overdue.len(),
                    d.due_today.len()
                );
                messages.push(NewMessage {
                    kind: DIGEST.into(),
                    channel: Channel::Email,
                    recipient: email.clone(),
                    subject,
                    body: digest_text(
                        &format!("Kính gửi: {}", o.full_name),
                        &d,
                        today,
                        next,
                        &inbox,
                    ),
                    idempotency_key: format!("digest:{}:{today}", o.id),
                    dossier: None,
                });
            }
        }
        let tree = self.app.agencies();
        for agency in &s.webhooks {
            let Some(a) = tree.get(agency) else {
                tracing::warn!(agency = %agency, "webhook configured for an unknown agency; no digest");
                continue;
            };
            let d = self.app.unit_digest(agency, &w).await?;
            if d.is_empty() {
                continue;
            }
            let text = digest_text(&format!("{}:", a.name), &d, today, next, &inbox);
            let body = serde_json::json!({
                "type": DIGEST,
                "agency": agency.as_str(),
                "agency_name": a.name,
                "date": today.to_string(),
                "next_working_day": next.to_string(),
                "text": text,
                "sections": d,
            });
            messages.push(NewMessage {
                kind: DIGEST.into(),
                channel: Channel::Webhook,
                recipient: agency.to_string(),
                subject: format!(
                    "Tổng hợp hồ sơ ngày {} — {}",
                    today.format("%d/%m/%Y"),
                    a.name
                ),
                body: body.to_string(),
                idempotency_key: format!("digest:{agency}:{today}"),
                dossier: None,
            });
        }
        let enqueued = self.app.db.enqueue_messages(&messages, now).await?;
        if enqueued > 0 {
            tracing::info!(day = %today, enqueued, "daily digests enqueued");
        }
        Ok(DigestRun::Done { enqueued })
    }
}

/// Adds rows not already there, keeping the soonest due first.
fn merge(into: &mut Vec<DossierRow>, rows: Vec<DossierRow>) {
    for r in rows {
        if !into.iter().any(|x| x.id == r.id) {
            into.push(r);
        }
    }
    into.sort_by(|a, b| (a.due, &a.code).cmp(&(b.due, &b.code)));
}
