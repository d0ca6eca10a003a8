//! Hồ sơ chuyển từ hệ thống cũ — a dossier a province brings from its incumbent one-stop system.
//! Its life there is not replayed through `decide` (the incumbent's workflow is not ours): it is
//! taken over as one event, right after its opening, that sets what the dossier was when it
//! arrived — received when, promised for when, supplements asked and answered, ended, returned,
//! withdrawn or stopped — and keeps the incumbent's steps (TienTrinh) as they were. Reports and
//! the QĐ 766 timing read that state like any other; an open dossier continues here from the
//! step it is placed at.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::event::{Outcome, StepEntry};
use super::stage::Stage;
use super::state::{
    DecisionRecord, Dossier, PauseRecord, Reasoned, ReturnRecord, StepRecord, SupplementRecord,
};
use super::{Context, Event, NewDossier, PauseKind, Recorded};
use crate::error::DomainError;
use crate::officer::{ActorKind, ActorRef};
use crate::procedure::Channel;

/// One step of the incumbent's history (TienTrinh), as it gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegacyStep {
    pub at: DateTime<Utc>,
    /// NguoiXuLy.
    pub officer: String,
    /// PhongBanXuLy.
    pub unit: String,
    /// NoiDungXuLy.
    pub content: String,
    /// TrangThai after the step (national code 1–10).
    pub status: u8,
}

/// A supplement asked for during appraisal, and when the applicant completed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegacySupplement {
    pub requested_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// What a dossier was in the incumbent system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Imported {
    /// The incumbent system's name.
    pub source: String,
    /// TrangThai there (2 to 10).
    pub status: u8,
    /// NgayTiepNhan.
    pub received_at: DateTime<Utc>,
    /// NgayHenTra: the date promised on the receipt.
    pub appointment: DateTime<Utc>,
    /// The due instant from here on: the promised date for an ended dossier; for an open one,
    /// the limit counted again by this system's calendar.
    pub due: DateTime<Utc>,
    pub supplements: Vec<LegacySupplement>,
    /// NgayKetThucXuLy: when handling ended (result ready, or stopped).
    pub ended_at: Option<DateTime<Utc>>,
    /// When the result was handed over (status 10).
    pub returned_at: Option<DateTime<Utc>>,
    /// Where an open dossier continues (its step and unit here).
    pub step: Option<StepEntry>,
    pub history: Vec<LegacyStep>,
}

/// The two events of a dossier taken over from the incumbent system: its opening (checked like
/// any opening: procedure version in force on the day it was received, applicant, components)
/// and what it was there. `ctx.now` is the reception instant and `ctx.calendar` the receiving
/// centre's. An ended dossier keeps the promised date as its due; an open one has its limit
/// counted again here from the reception (or the last complete supplement).
pub fn import(
    new: &NewDossier,
    channel: Channel,
    mut imported: Imported,
    ctx: &Context<'_>,
) -> Result<(Event, Event), DomainError> {
    if !(2..=10).contains(&imported.status) || imported.status == 3 {
        return Err(DomainError::invalid(
            "invalid_status",
            format!(
                "Trạng thái {} không chuyển được (chỉ hồ sơ đã tiếp nhận: 2, 4 đến 10).",
                imported.status
            ),
        ));
    }
    let opened = super::intake::open(new, channel, None, ctx)?;
    let ended = matches!(imported.status, 8..=10);
    if ended && imported.ended_at.is_none() {
        return Err(DomainError::invalid(
            "missing_end",
            "Hồ sơ đã xử lý xong, trả kết quả hoặc dừng cần ngày kết thúc xử lý (NgayKetThucXuLy).",
        ));
    }
    imported.due = if ended {
        imported.appointment
    } else {
        let start = imported
            .supplements
            .iter()
            .filter_map(|s| s.completed_at)
            .next_back()
            .unwrap_or(imported.received_at);
        let limit = new.procedure.limit;
        super::decide::due_after(ctx, start, limit, new.procedure.deadline_rules)?
    };
    Ok((opened, Event::Imported(Box::new(imported))))
}

impl Imported {
    /// The stage here for the incumbent's status.
    pub fn stage(&self) -> Stage {
        match self.status {
            2 => Stage::Received,
            5 => Stage::SupplementRequested,
            6 => Stage::AwaitingFinancialObligation,
            7 => Stage::WithdrawalRequested,
            8 => Stage::Stopped,
            9 => Stage::ResultReady,
            10 => Stage::Returned,
            _ => Stage::InProgress,
        }
    }
}

impl Dossier {
    /// Takes over the state the incumbent system gave.
    pub(super) fn apply_imported(&mut self, imp: &Imported, r: &Recorded) {
        let by = ActorRef {
            kind: ActorKind::System,
            id: None,
            name: format!("Chuyển từ {}", imp.source),
        };
        let legacy = |reason: &str, at| Reasoned {
            reason: reason.into(),
            legal_basis: format!("Theo dữ liệu của {}", imp.source),
            at,
        };
        self.imported_from = Some(imp.source.clone());
        // The incumbent system collected its fees; what was paid there is not in the bundle, so
        // the result is not held back for them here (payments may still be recorded).
        self.fees_tracked = false;
        self.stage = imp.stage();
        self.received_at = Some(imp.received_at);
        self.clock_start = Some(
            imp.supplements
                .iter()
                .filter_map(|s| s.completed_at)
                .next_back()
                .unwrap_or(imp.received_at),
        );
        self.due = Some(imp.due);
        self.original_appointment = Some(imp.appointment);
        self.appointment = Some(imp.appointment);
        for s in &imp.supplements {
            self.supplements.push(SupplementRecord {
                at_intake: false,
                items: Vec::new(),
                reason: format!("Yêu cầu bổ sung trên {}", imp.source),
                legal_basis: String::new(),
                actor: by.clone(),
                requested_at: s.requested_at,
                completed_at: s.completed_at,
                resubmitted: Vec::new(),
            });
            self.pauses.push(PauseRecord {
                kind: PauseKind::Supplement,
                reason: "Chờ bổ sung hồ sơ".into(),
                legal_basis: String::new(),
                actor: by.clone(),
                stops_clock: true,
                step: imp.step.as_ref().map_or(0, |s| s.index),
                from: s.requested_at,
                to: s.completed_at,
            });
        }
        if let (Some(ended), 9 | 10) = (imp.ended_at, imp.status) {
            self.decision = Some(DecisionRecord {
                outcome: Outcome::Approved,
                reason: String::new(),
                legal_basis: String::new(),
                at: ended,
                actor: by.clone(),
                number: None,
                signed: None,
            });
            self.result_ready_at = Some(ended);
        }
        if let (Some(at), 10) = (imp.returned_at.or(imp.ended_at), imp.status) {
            self.returned = Some(ReturnRecord {
                at,
                method: self.return_method.clone(),
                received_by: self.applicant.display_name().to_string(),
                originals_returned: Vec::new(),
                postal_bill: None,
            });
        }
        if matches!(imp.status, 7 | 8) {
            let at = imp
                .history
                .iter()
                .find(|h| h.status == 7)
                .map_or(imp.ended_at.unwrap_or(r.at), |h| h.at);
            if imp.status == 7 || imp.history.iter().any(|h| h.status == 7) {
                self.withdrawal = Some(legacy("Rút hồ sơ theo yêu cầu", at));
            }
            if imp.status == 8 {
                self.stopped = Some(legacy("Dừng xử lý", imp.ended_at.unwrap_or(r.at)));
            }
        }
        if let Some(step) = &imp.step {
            let pinned = self.procedure.steps.get(step.index);
            self.steps.push(StepRecord {
                index: step.index,
                name: pinned.map_or_else(String::new, |p| p.name.clone()),
                kind: pinned.map_or(crate::procedure::StepKind::Handling, |p| p.kind),
                unit: step.unit.clone(),
                handler: step.handler.clone(),
                started_at: r.at,
                due: step.due,
                ended_at: None,
            });
        }
        if imp.status == 6 {
            let from = imp
                .history
                .iter()
                .rev()
                .find(|h| h.status == 6)
                .map_or(r.at, |h| h.at);
            self.pauses.push(PauseRecord {
                kind: PauseKind::FinancialObligation,
                reason: "Chờ thực hiện nghĩa vụ tài chính".into(),
                legal_basis: String::new(),
                actor: by,
                stops_clock: true,
                step: imp.step.as_ref().map_or(0, |s| s.index),
                from,
                to: None,
            });
        }
    }
}
