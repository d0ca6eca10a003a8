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
            result_ready_at: None,
            early_notice_at: None,
            returned: None,
            refusal: None,
            withdrawal: None,
            stopped: None,
            corrects: o.corrects,
            corrections: Vec::new(),
            stage_before_withdrawal: None,
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
        let at = r.at;
        match &r.event {
            Event::Opened(_) => {}
            Event::Received {
                received_at,
                due,
                step,
                code,
            } => {
                if let Some(code) = code {
                    self.provisional_code = Some(std::mem::replace(&mut self.code, code.clone()));
                }
                self.stage = Stage::Received;
                self.received_at = Some(*received_at);
                self.clock_start = Some(*received_at);
                self.due = Some(*due);
                self.original_appointment = Some(*due);
                self.appointment = Some(*due);
                self.enter_step(step, *received_at);
            }
            Event::RefusedAtIntake {
                reason,
                legal_basis,
            } => {
                self.stage = Stage::RefusedAtIntake;
                self.refusal = Some(Reasoned {
                    reason: reason.clone(),
                    legal_basis: legal_basis.clone(),
                    at,
                });
            }
            Event::IntakeSupplementRequested { items, reason } => {
                self.stage = Stage::IntakeSupplement;
                self.supplements.push(SupplementRecord {
                    at_intake: true,
                    items: items.clone(),
                    reason: reason.clone(),
                    legal_basis: "Nghị định 61/2018/NĐ-CP, Điều 17 khoản 2".into(),
                    actor: r.actor.clone(),
                    requested_at: at,
                    completed_at: None,
                    resubmitted: Vec::new(),
                });
            }
            Event::SupplementSubmitted {
                components,
                restart,
                ..
            } => {
                for c in components {
                    match self
                        .components
                        .iter_mut()
                        .find(|x| x.component == c.component)
                    {
                        Some(existing) => *existing = c.clone(),
                        None => self.components.push(c.clone()),
                    }
                }
                if let Some(s) = self
                    .supplements
                    .iter_mut()
                    .rev()
                    .find(|s| s.completed_at.is_none())
                {
                    s.completed_at = Some(at);
                    s.resubmitted = components.iter().map(|c| c.component.clone()).collect();
                }
                match restart {
                    None => self.stage = Stage::Submitted,
                    Some(restart) => {
                        self.close_pause(at);
                        self.stage = Stage::InProgress;
                        self.clock_start = Some(restart.at);
                        self.due = Some(restart.due);
                        self.appointment = Some(restart.due);
                        if let Some(step) = self.steps.last_mut() {
                            step.due = restart.step_due;
                        }
                    }
                }
            }
            Event::Transferred { step } => {
                self.stage = Stage::InProgress;
                self.enter_step(step, at);
            }
            Event::TransferRecalled { step, .. } => {
                self.stage = Stage::Received;
                self.enter_step(step, at);
            }
            Event::Assigned { handler, .. } => {
                if let Some(step) = self.steps.last_mut() {
                    step.handler = Some(handler.clone());
                }
            }
            Event::NoteAdded { text } => self.notes.push((at, r.actor.clone(), text.clone())),
            Event::VerificationRecorded { verification } => {
                self.verifications.push(verification.clone())
            }
            Event::ConsultationRequested {
                id,
                unit,
                content,
                due,
            } => self.consultations.push(Consultation {
                id: *id,
                unit: unit.clone(),
                content: content.clone(),
                requested_at: at,
                due: *due,
                answered_at: None,
                answer: None,
            }),
            Event::ConsultationAnswered { id, answer } => {
                if let Some(c) = self.consultations.iter_mut().find(|c| c.id == *id) {
                    c.answered_at = Some(at);
                    c.answer = Some(answer.clone());
                }
            }
            Event::InterconnectionStarted {
                mode,
                legs,
                started,
            } => {
                let mut legs: Vec<Leg> = legs
                    .iter()
                    .map(|plan| Leg {
                        plan: plan.clone(),
                        started_at: None,
                        due: None,
                        completed_at: None,
                        result: None,
                    })
                    .collect();
                for (i, due) in started {
                    legs[*i].started_at = Some(at);
                    legs[*i].due = Some(*due);
                }
                self.interconnection = Some(Interconnection {
                    mode: *mode,
                    started_at: at,
                    legs,
                });
                self.open_pause_at(
                    PauseKind::OtherAgency,
                    "Chờ cơ quan liên thông".into(),
                    "Nghị định 61/2018/NĐ-CP, Điều 19 khoản 6, 7".into(),
                    false,
                    r,
                );
            }
            Event::LegCompleted {
                index,
                result,
                next,
                step_due,
            } => {
                if let Some(ic) = self.interconnection.as_mut() {
                    ic.legs[*index].completed_at = Some(at);
                    ic.legs[*index].result = Some(result.clone());
                    if let Some((n, due)) = next {
                        ic.legs[*n].started_at = Some(at);
                        ic.legs[*n].due = Some(*due);
                    }
                    if ic.is_complete() {
                        self.close_pause(at);
                        if let Some(step) = self.steps.last_mut() {
                            step.due = *step_due;
                        }
                    }
                }
            }
            Event::SupplementRequested {
                items,
                reason,
                legal_basis,
            } => {
                self.stage = Stage::SupplementRequested;
                self.supplements.push(SupplementRecord {
                    at_intake: false,
                    items: items.clone(),
                    reason: reason.clone(),
                    legal_basis: legal_basis.clone(),
                    actor: r.actor.clone(),
                    requested_at: at,
                    completed_at: None,
                    resubmitted: Vec::new(),
                });
                self.open_pause_at(
                    PauseKind::Supplement,
                    reason.clone(),
                    legal_basis.clone(),
                    false,
                    r,
                );
            }
            Event::PauseStarted {
                kind,
                reason,
                legal_basis,
                stops_clock,
            } => {
                if *kind == PauseKind::FinancialObligation {
                    self.stage = Stage::AwaitingFinancialObligation;
                }
                self.open_pause_at(*kind, reason.clone(), legal_basis.clone(), *stops_clock, r);
            }
            Event::PauseEnded { due, step_due, .. } => {
                self.close_pause(at);
                if self.stage == Stage::AwaitingFinancialObligation {
                    self.stage = Stage::InProgress;
                }
                if let Some(due) = due {
                    self.due = Some(*due);
                    if self.apology.is_none() {
                        self.appointment = Some(*due);
                    }
                }
                if let Some(step) = self.steps.last_mut() {
                    step.due = *step_due;
                }
            }
            Event::Extended {
                amount,
                reason,
                legal_basis,
                due,
            } => {
                self.extensions.push(ExtensionRecord {
                    amount: *amount,
                    reason: reason.clone(),
                    legal_basis: legal_basis.clone(),
                    at,
                });
                self.due = Some(*due);
                if self.apology.is_none() {
                    self.appointment = Some(*due);
                }
            }
            Event::Forwarded { step, .. } => self.enter_step(step, at),
            Event::Decided {
                outcome,
                reason,
                legal_basis,
                step,
                ready,
            } => {
                self.decision = Some(DecisionRecord {
                    outcome: *outcome,
                    reason: reason.clone(),
                    legal_basis: legal_basis.clone(),
                    at,
                    actor: r.actor.clone(),
                    number: None,
                });
                self.enter_step(step, at);
                if *ready {
                    self.stage = Stage::ResultReady;
                    self.result_ready_at = Some(at);
                }
            }
            Event::ResultIssued { number, step } => {
                if let Some(d) = self.decision.as_mut() {
                    d.number = Some(number.clone());
                }
                self.enter_step(step, at);
                self.stage = Stage::ResultReady;
                self.result_ready_at = Some(at);
            }
            Event::Apologized {
                reason,
                new_appointment,
            } => {
                self.apology = Some(Apology {
                    reason: reason.clone(),
                    issued_at: at,
                    previous_appointment: self.appointment.unwrap_or(at),
                    new_appointment: *new_appointment,
                    actor: r.actor.clone(),
                });
                self.appointment = Some(*new_appointment);
            }
            Event::WithdrawalRequested { reason } => {
                self.stage_before_withdrawal = Some(self.stage);
                self.stage = Stage::WithdrawalRequested;
                self.withdrawal = Some(Reasoned {
                    reason: reason.clone(),
                    legal_basis: String::new(),
                    at,
                });
            }
            Event::Stopped {
                reason,
                legal_basis,
            } => {
                self.stage = Stage::Stopped;
                self.close_pause(at);
                if let Some(step) = self.steps.last_mut() {
                    step.ended_at.get_or_insert(at);
                }
                self.stopped = Some(Reasoned {
                    reason: reason.clone(),
                    legal_basis: legal_basis.clone(),
                    at,
                });
            }
            Event::EarlyReturnNotified { .. } => self.early_notice_at = Some(at),
            Event::Returned {
                method,
                received_by,
                originals_returned,
                postal_bill,
            } => {
                self.stage = Stage::Returned;
                if let Some(step) = self.steps.last_mut() {
                    step.ended_at.get_or_insert(at);
                }
                self.returned = Some(ReturnRecord {
                    at,
                    method: method.clone(),
                    received_by: received_by.clone(),
                    originals_returned: originals_returned.clone(),
                    postal_bill: postal_bill.clone(),
                });
            }
            Event::CorrectionOpened {
                correction, code, ..
            } => self.corrections.push((*correction, code.clone())),
        }
    }

    fn enter_step(&mut self, entry: &StepEntry, at: DateTime<Utc>) {
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

    fn open_pause_at(
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

    fn close_pause(&mut self, at: DateTime<Utc>) {
        if let Some(p) = self.pauses.iter_mut().rev().find(|p| p.to.is_none()) {
            p.to = Some(at);
        }
    }
}
