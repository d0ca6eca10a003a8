//! Phiếu kiểm soát quá trình giải quyết hồ sơ (TT 01/2018 Mẫu 05; TT 03/2025 Mẫu 06) — a view
//! over the dossier's events: one row per hand-over, with the result of the step handed over.
//! Once the one-stop system runs, the form says, the trail is recorded automatically.

use chrono::{DateTime, Utc};
use lich::Timeliness;
use serde::Serialize;

use super::event::{Event, Recorded};
use super::state::Dossier;
use super::timing::Timing;
use crate::agency::AgencyId;

/// Một dòng giao, nhận.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlipRow {
    /// 1. Giao.
    pub from: String,
    /// 2. Nhận.
    pub to: String,
    pub at: DateTime<Utc>,
    /// Kết quả giải quyết of the step handed over (trước hạn / đúng hạn / quá hạn).
    pub result: Option<Timeliness>,
    pub note: String,
}

/// Builds the control slip of a dossier from its events. `name` gives an agency's name.
pub fn control_slip(
    events: &[Recorded],
    dossier: &Dossier,
    timing: &Timing,
    name: &dyn Fn(&AgencyId) -> String,
) -> Vec<SlipRow> {
    let mut slip = Slip {
        dossier,
        timing,
        name,
        applicant: format!("Tổ chức, cá nhân: {}", dossier.applicant.display_name()),
        step_pos: 0,
        rows: Vec::new(),
    };
    for r in events {
        slip.add(r);
    }
    slip.rows
}

/// The slip being written, event by event.
struct Slip<'a> {
    dossier: &'a Dossier,
    timing: &'a Timing,
    name: &'a dyn Fn(&AgencyId) -> String,
    /// "Tổ chức, cá nhân: …", the applicant's side of a hand-over.
    applicant: String,
    /// Position in the list of step records, advanced as steps change hands.
    step_pos: usize,
    rows: Vec<SlipRow>,
}

impl Slip<'_> {
    fn row(
        &mut self,
        r: &Recorded,
        from: String,
        to: String,
        result: Option<Timeliness>,
        note: String,
    ) {
        self.rows.push(SlipRow {
            from,
            to,
            at: r.at,
            result,
            note,
        });
    }

    /// The unit holding the current step, with its handler.
    fn holder(&self) -> String {
        let name = self.name;
        self.timing
            .steps
            .get(self.step_pos)
            .map(|s| match &s.handler {
                Some(h) => format!("{} ({})", name(&s.unit), h.name),
                None => name(&s.unit),
            })
            .unwrap_or_default()
    }

    fn step_result(&self) -> Option<Timeliness> {
        self.timing
            .steps
            .get(self.step_pos)
            .and_then(|s| s.timeliness)
    }

    /// The dossier changes hands to the next step's unit, with the result of the step left.
    fn hand_over(&mut self, r: &Recorded, to: &AgencyId, result: Option<Timeliness>, note: String) {
        let from = self.holder();
        let to = (self.name)(to);
        self.row(r, from, to, result, note);
        self.step_pos += 1;
    }

    fn add(&mut self, r: &Recorded) {
        let name = self.name;
        match &r.event {
            Event::Received { received_at, .. } => {
                let (from, to) = (self.applicant.clone(), name(&self.dossier.receiving));
                let note = format!("Kênh: {}", self.dossier.channel.label());
                self.row(r, from, to, None, note);
                if let Some(last) = self.rows.last_mut() {
                    last.at = *received_at;
                }
            }
            Event::Transferred { step } | Event::Forwarded { step, .. } => {
                self.hand_over(r, &step.unit, self.step_result(), String::new())
            }
            Event::TransferRecalled { step, reason } => self.hand_over(
                r,
                &step.unit,
                None,
                format!("Thu hồi hồ sơ chuyển nhầm: {reason}"),
            ),
            Event::Decided { step, outcome, .. } => {
                let note = match outcome {
                    super::event::Outcome::Approved => "Phê duyệt",
                    super::event::Outcome::Refused => "Từ chối giải quyết",
                };
                self.hand_over(r, &step.unit, self.step_result(), note.into())
            }
            Event::ResultIssued { step, number, .. } => self.hand_over(
                r,
                &step.unit,
                self.step_result(),
                format!("Số kết quả: {number}"),
            ),
            Event::Assigned { handler, reason } => {
                let from = self
                    .timing
                    .steps
                    .get(self.step_pos)
                    .map(|s| name(&s.unit))
                    .unwrap_or_default();
                let note = reason.clone().unwrap_or_else(|| "Phân công".into());
                self.row(r, from, handler.name.clone(), None, note);
            }
            Event::ConsultationRequested { .. }
            | Event::ConsultationAnswered { .. }
            | Event::InterconnectionStarted { .. }
            | Event::LegCompleted { .. } => self.add_exchange(r),
            Event::SupplementRequested { reason, .. } => {
                let (from, to) = (self.holder(), self.applicant.clone());
                self.row(r, from, to, None, format!("Yêu cầu bổ sung: {reason}"));
            }
            Event::SupplementSubmitted {
                restart: Some(_), ..
            } => {
                let (from, to) = (self.applicant.clone(), self.holder());
                let note = "Nộp bổ sung; thời hạn tính lại từ đầu".into();
                self.row(r, from, to, None, note);
            }
            Event::Imported(imp) => {
                let to = match self.holder() {
                    h if h.is_empty() => name(&self.dossier.receiving),
                    h => h,
                };
                let from = imp.source.clone();
                let note = format!(
                    "Chuyển từ hệ thống cũ ({} bước xử lý trước đó, trạng thái {})",
                    imp.history.len(),
                    imp.status
                );
                self.row(r, from, to, None, note);
            }
            Event::Returned { received_by, .. } => {
                let from = name(&self.dossier.receiving);
                let to = format!("{} (người nhận: {received_by})", self.applicant);
                self.row(r, from, to, self.timing.tt01, "Trả kết quả".into());
            }
            _ => {}
        }
    }

    /// Exchanges with other units that do not move the dossier's step: opinions asked and
    /// given, interconnected agencies' parts.
    fn add_exchange(&mut self, r: &Recorded) {
        let name = self.name;
        let on_time = |done: DateTime<Utc>, due: DateTime<Utc>| {
            if done > due {
                Timeliness::Late
            } else {
                Timeliness::OnTime
            }
        };
        match &r.event {
            Event::ConsultationRequested { unit, content, .. } => {
                let from = self.holder();
                self.row(r, from, name(unit), None, format!("Xin ý kiến: {content}"));
            }
            Event::ConsultationAnswered { id, .. } => {
                if let Some(c) = self.dossier.consultations.iter().find(|c| c.id == *id) {
                    let result = c.answered_at.map(|a| on_time(a, c.due));
                    let to = self.holder();
                    self.row(r, name(&c.unit), to, result, "Trả lời ý kiến".into());
                }
            }
            Event::InterconnectionStarted { legs, started, .. } => {
                for (i, _) in started {
                    let from = self.holder();
                    let note = format!("Liên thông: {}", legs[*i].task);
                    self.row(r, from, name(&legs[*i].agency), None, note);
                }
            }
            Event::LegCompleted { index, next, .. } => {
                if let Some(ic) = &self.dossier.interconnection {
                    let leg = &ic.legs[*index];
                    let result = leg.completed_at.zip(leg.due).map(|(c, d)| on_time(c, d));
                    let to = next
                        .map(|(n, _)| name(&ic.legs[n].plan.agency))
                        .unwrap_or_else(|| self.holder());
                    let from = name(&leg.plan.agency);
                    self.row(r, from, to, result, "Kết quả liên thông".into());
                }
            }
            _ => {}
        }
    }
}
