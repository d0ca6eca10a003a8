//! Hồ sơ — the state of a dossier, rebuilt by applying its events in order. `apply` is the only
//! code that changes a dossier, and it cannot fail: events are facts already decided.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::event::*;
use super::stage::Stage;
use crate::agency::AgencyId;
use crate::applicant::Applicant;
use crate::ids::DossierCode;
use crate::officer::ActorRef;
use crate::procedure::{Channel, StepKind};

/// Bước đã qua hoặc đang thực hiện.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    pub index: usize,
    pub name: String,
    pub kind: StepKind,
    pub unit: AgencyId,
    pub handler: Option<Handler>,
    pub started_at: DateTime<Utc>,
    pub due: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
}

/// A window in the pause ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PauseRecord {
    pub kind: PauseKind,
    pub reason: String,
    pub legal_basis: String,
    pub actor: ActorRef,
    pub stops_clock: bool,
    /// The step the dossier was in.
    pub step: usize,
    pub from: DateTime<Utc>,
    pub to: Option<DateTime<Utc>>,
}

/// Một lần yêu cầu bổ sung — every request is kept, with its window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplementRecord {
    /// At intake (not received) or during appraisal (restarts the clock).
    pub at_intake: bool,
    pub items: Vec<SupplementItem>,
    pub reason: String,
    pub legal_basis: String,
    pub actor: ActorRef,
    pub requested_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    /// Components the applicant changed in answer (for the one-time guidance rule).
    pub resubmitted: Vec<String>,
}

/// Lấy ý kiến.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consultation {
    pub id: u32,
    pub unit: AgencyId,
    pub content: String,
    pub requested_at: DateTime<Utc>,
    pub due: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub answer: Option<String>,
}

/// One agency's part in an interconnection, as it went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leg {
    pub plan: LegPlan,
    pub started_at: Option<DateTime<Utc>>,
    pub due: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub result: Option<String>,
}

/// Liên thông.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interconnection {
    pub mode: InterconnectionMode,
    pub started_at: DateTime<Utc>,
    pub legs: Vec<Leg>,
}

impl Interconnection {
    pub fn is_complete(&self) -> bool {
        self.legs.iter().all(|l| l.completed_at.is_some())
    }
}

/// Gia hạn hợp pháp.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionRecord {
    pub amount: lich::Limit,
    pub reason: String,
    pub legal_basis: String,
    pub at: DateTime<Utc>,
}

/// Phiếu xin lỗi và hẹn lại.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Apology {
    pub reason: String,
    pub issued_at: DateTime<Utc>,
    pub previous_appointment: DateTime<Utc>,
    pub new_appointment: DateTime<Utc>,
    pub actor: ActorRef,
}

/// Quyết định giải quyết.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionRecord {
    pub outcome: Outcome,
    pub reason: String,
    pub legal_basis: String,
    pub at: DateTime<Utc>,
    pub actor: ActorRef,
    /// Số kết quả, once issued.
    pub number: Option<String>,
    /// The result document as the approver signed it, waiting for the clerk's number and the
    /// organisation's signature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed: Option<super::event::ElectronicResult>,
}

/// Dự thảo kết quả: the handler's entries, which revision, by whom and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultDraft {
    pub fields: std::collections::BTreeMap<String, String>,
    /// 1 for the first saving, then one more for each.
    pub revision: u32,
    pub at: DateTime<Utc>,
    pub actor: ActorRef,
}

/// Trả kết quả.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnRecord {
    pub at: DateTime<Utc>,
    pub method: ReturnMethod,
    pub received_by: String,
    pub originals_returned: Vec<String>,
    pub postal_bill: Option<String>,
}

/// A reason with its legal basis and when it was given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reasoned {
    pub reason: String,
    pub legal_basis: String,
    pub at: DateTime<Utc>,
}

/// Hồ sơ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dossier {
    pub id: DossierId,
    /// Number of events applied.
    pub version: u64,
    pub code: DossierCode,
    /// Mã tạm — the reference an online submission had before it was received and given its
    /// code; it still finds the dossier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisional_code: Option<DossierCode>,
    pub procedure: ProcedurePin,
    pub channel: Channel,
    pub applicant: Applicant,
    pub components: Vec<SubmittedComponent>,
    pub return_method: ReturnMethod,
    /// The service centre that received it.
    pub receiving: AgencyId,
    /// Cơ quan có thẩm quyền giải quyết.
    pub competent: AgencyId,
    /// Where the applicant was helped, when different (phi địa giới).
    pub helped_at: Option<AgencyId>,
    pub postal: Option<PostalIntake>,
    pub fees: Vec<FeeLine>,
    /// See [`Opened::fees_tracked`].
    #[serde(default)]
    pub fees_tracked: bool,
    /// Các lần nộp phí, lệ phí.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub payments: Vec<super::fees::PaymentRecord>,
    /// Miễn, giảm.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<super::fees::FeeAdjustment>,
    /// Hoàn trả.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refunds: Vec<super::fees::FeeAdjustment>,
    /// Biên lai điện tử, cancelled ones included.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub receipts: Vec<super::receipts::Receipt>,
    pub stage: Stage,
    pub opened_at: DateTime<Utc>,
    /// Ngày tiếp nhận: the legal reception instant.
    pub received_at: Option<DateTime<Utc>>,
    /// When the limit last started (reception, or the complete supplement).
    pub clock_start: Option<DateTime<Utc>>,
    /// Hạn giải quyết: recomputed from the limit, lawful pauses and extensions.
    pub due: Option<DateTime<Utc>>,
    /// Ngày hẹn trả printed on the first receipt (NgayHenTra).
    pub original_appointment: Option<DateTime<Utc>>,
    /// The appointment the applicant holds now (after a restart or an apology).
    pub appointment: Option<DateTime<Utc>>,
    pub steps: Vec<StepRecord>,
    pub pauses: Vec<PauseRecord>,
    pub supplements: Vec<SupplementRecord>,
    pub extensions: Vec<ExtensionRecord>,
    pub consultations: Vec<Consultation>,
    pub verifications: Vec<Verification>,
    pub notes: Vec<(DateTime<Utc>, ActorRef, String)>,
    pub interconnection: Option<Interconnection>,
    pub apology: Option<Apology>,
    pub decision: Option<DecisionRecord>,
    /// Dự thảo kết quả: the handler's latest entries for the result template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_draft: Option<ResultDraft>,
    /// Kết quả điện tử: the signed result document, when one was issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub electronic_result: Option<super::event::ElectronicResult>,
    /// Thu hồi: the electronic result was revoked, why and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_revoked: Option<Reasoned>,
    /// Đã xử lý xong: the result is ready (national status 9).
    pub result_ready_at: Option<DateTime<Utc>>,
    pub early_notice_at: Option<DateTime<Utc>>,
    pub returned: Option<ReturnRecord>,
    pub refusal: Option<Reasoned>,
    pub withdrawal: Option<Reasoned>,
    pub stopped: Option<Reasoned>,
    pub corrects: Option<CorrectionOf>,
    pub corrections: Vec<(DossierId, DossierCode)>,
    /// Stage before a withdrawal request, to know where the dossier was.
    pub stage_before_withdrawal: Option<Stage>,
    /// The incumbent system a dossier was brought from (see `Imported`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imported_from: Option<String>,
    /// See [`Opened::provenance`](super::event::Opened::provenance).
    #[serde(default, skip_serializing_if = "super::event::Provenance::is_empty")]
    pub provenance: super::event::Provenance,
}

impl Dossier {
    /// Rebuilds a dossier from its events (all of them, or those up to an instant).
    pub fn replay<'a>(events: impl IntoIterator<Item = &'a Recorded>) -> Option<Dossier> {
        let mut dossier: Option<Dossier> = None;
        for e in events {
            match dossier.as_mut() {
                None => dossier = Dossier::open(e),
                Some(d) => d.apply(e),
            }
        }
        dossier
    }

    /// The dossier as it stood at an instant (for complaints and inspections).
    pub fn as_of(events: &[Recorded], instant: DateTime<Utc>) -> Option<Dossier> {
        Dossier::replay(events.iter().take_while(|e| e.at <= instant))
    }

    fn open(r: &Recorded) -> Option<Dossier> {
        let Event::Opened(o) = &r.event else {
            return None;
        };
        let o = o.as_ref().clone();
        // Fees the postal operator collected with the dossier (QĐ 45/2016) are paid.
        let payments = o
            .postal
            .as_ref()
            .filter(|p| o.fees_tracked && p.fees_collected > 0)
            .map(|p| super::fees::PaymentRecord {
                at: r.at,
                by: r.actor.clone(),
                amount: p.fees_collected,
                method: super::fees::PaymentMethod::Postal,
                reference: Some(p.bill_number.clone()),
                payer: o.applicant.display_name().to_string(),
            })
            .into_iter()
            .collect();
        Some(Dossier {
            id: o.id,
            version: r.version,
            code: o.code,
            provisional_code: None,
            procedure: o.procedure,
            channel: o.channel,
            applicant: o.applicant,
            components: o.components,
            return_method: o.return_method,
            receiving: o.receiving,
            competent: o.competent,
            helped_at: o.helped_at,
            postal: o.postal,
            fees: o.fees,
            fees_tracked: o.fees_tracked,
            payments,
            waivers: Vec::new(),
            refunds: Vec::new(),
            receipts: Vec::new(),
            stage: Stage::Submitted,
            opened_at: r.at,
            received_at: None,
            clock_start: None,
            due: None,
            original_appointment: None,
            appointment: None,
            steps: Vec::new(),
            pauses: Vec::new(),
            supplements: Vec::new(),
            extensions: Vec::new(),
            consultations: Vec::new(),
            verifications: Vec::new(),
            notes: Vec::new(),
            interconnection: None,
            apology: None,
            decision: None,
            result_draft: None,
            electronic_result: None,
            result_revoked: None,
            result_ready_at: None,
            early_notice_at: None,
            returned: None,
            refusal: None,
            withdrawal: None,
            stopped: None,
            corrects: o.corrects,
            corrections: Vec::new(),
            stage_before_withdrawal: None,
            imported_from: None,
            provenance: o.provenance,
        })
    }

    /// The step the dossier is in.
    pub fn current_step(&self) -> Option<&StepRecord> {
        self.steps.last().filter(|s| s.ended_at.is_none())
    }

    /// The unit holding the dossier now.
    pub fn current_unit(&self) -> Option<&AgencyId> {
        self.current_step().map(|s| &s.unit)
    }

    /// The open pause, if any.
    pub fn open_pause(&self) -> Option<&PauseRecord> {
        self.pauses.iter().rev().find(|p| p.to.is_none())
    }

    /// Every unit the dossier has been at or consulted.
    pub fn involved_units(&self) -> Vec<AgencyId> {
        let mut v: Vec<AgencyId> = self.steps.iter().map(|s| s.unit.clone()).collect();
        v.extend(self.consultations.iter().map(|c| c.unit.clone()));
        if let Some(i) = &self.interconnection {
            v.extend(i.legs.iter().map(|l| l.plan.agency.clone()));
        }
        v.sort();
        v.dedup();
        v
    }

    /// Applies one event. Events come from `decide`, so they fit the state.
    pub fn apply(&mut self, r: &Recorded) {
        self.version = r.version;
        match &r.event {
            Event::Opened(_) => {}
            Event::Received { .. }
            | Event::RefusedAtIntake { .. }
            | Event::IntakeSupplementRequested { .. }
            | Event::Transferred { .. }
            | Event::TransferRecalled { .. } => self.apply_intake(r),
            Event::Assigned { .. }
            | Event::NoteAdded { .. }
            | Event::VerificationRecorded { .. }
            | Event::ResultDrafted { .. }
            | Event::ConsultationRequested { .. }
            | Event::ConsultationAnswered { .. }
            | Event::Forwarded { .. }
            | Event::Decided { .. }
            | Event::ResultIssued { .. } => self.apply_handling(r),
            Event::InterconnectionStarted { .. } | Event::LegCompleted { .. } => {
                self.apply_interconnection(r)
            }
            Event::SupplementRequested { .. } | Event::SupplementSubmitted { .. } => {
                self.apply_supplement(r)
            }
            Event::PauseStarted { .. }
            | Event::PauseEnded { .. }
            | Event::Extended { .. }
            | Event::Apologized { .. } => self.apply_pauses(r),
            Event::WithdrawalRequested { .. }
            | Event::Stopped { .. }
            | Event::ResultRevoked { .. }
            | Event::EarlyReturnNotified { .. }
            | Event::Returned { .. }
            | Event::CorrectionOpened { .. } => self.apply_closing(r),
            Event::FeeAdded { .. }
            | Event::FeePaid { .. }
            | Event::FeeWaived { .. }
            | Event::FeeRefunded { .. } => self.apply_fees(r),
            Event::ReceiptIssued(_)
            | Event::ReceiptSigned { .. }
            | Event::ReceiptCancelled { .. } => self.apply_receipts(r),
            Event::Imported(imp) => self.apply_imported(imp, r),
        }
    }

    pub(super) fn enter_step(&mut self, entry: &StepEntry, at: DateTime<Utc>) {
        if let Some(step) = self.steps.last_mut() {
            step.ended_at.get_or_insert(at);
        }
        let def = &self.procedure.steps[entry.index];
        self.steps.push(StepRecord {
            index: entry.index,
            name: def.name.clone(),
            kind: def.kind,
            unit: entry.unit.clone(),
            handler: entry.handler.clone(),
            started_at: at,
            due: entry.due,
            ended_at: None,
        });
    }

    pub(super) fn open_pause_at(
        &mut self,
        kind: PauseKind,
        reason: String,
        legal_basis: String,
        stops_clock: bool,
        r: &Recorded,
    ) {
        let step = self.steps.last().map_or(0, |s| s.index);
        self.pauses.push(PauseRecord {
            kind,
            reason,
            legal_basis,
            actor: r.actor.clone(),
            stops_clock,
            step,
            from: r.at,
            to: None,
        });
    }

    pub(super) fn close_pause(&mut self, at: DateTime<Utc>) {
        if let Some(p) = self.pauses.iter_mut().rev().find(|p| p.to.is_none()) {
            p.to = Some(at);
        }
    }
}
