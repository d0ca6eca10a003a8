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
    let applicant = format!("Tổ chức, cá nhân: {}", dossier.applicant.display_name());
    let step_result = |step_index: usize| timing.steps.get(step_index).and_then(|s| s.timeliness);
    let holder = |step_index: usize| -> String {
        timing
            .steps
            .get(step_index)
            .map(|s| match &s.handler {
                Some(h) => format!("{} ({})", name(&s.unit), h.name),
                None => name(&s.unit),
            })
            .unwrap_or_default()
    };
    let mut rows = Vec::new();
    // Position in the list of step records, advanced as steps change hands.
    let mut step_pos = 0usize;
    for r in events {
        let row = |from: String, to: String, result: Option<Timeliness>, note: String| SlipRow {
            from,
            to,
            at: r.at,
            result,
            note,
        };
        match &r.event {
            Event::Received { received_at, .. } => rows.push(SlipRow {
                at: *received_at,
                ..row(
                    applicant.clone(),
                    name(&dossier.receiving),
                    None,
                    format!("Kênh: {}", dossier.channel.label()),
                )
            }),
            Event::Transferred { step } | Event::Forwarded { step, .. } => {
                rows.push(row(
                    holder(step_pos),
                    name(&step.unit),
                    step_result(step_pos),
                    String::new(),
                ));
                step_pos += 1;
            }
            Event::TransferRecalled { step, reason } => {
                rows.push(row(
                    holder(step_pos),
                    name(&step.unit),
                    None,
                    format!("Thu hồi hồ sơ chuyển nhầm: {reason}"),
                ));
                step_pos += 1;
            }
            Event::Decided { step, outcome, .. } => {
                rows.push(row(
                    holder(step_pos),
                    name(&step.unit),
                    step_result(step_pos),
                    match outcome {
                        super::event::Outcome::Approved => "Phê duyệt".into(),
                        super::event::Outcome::Refused => "Từ chối giải quyết".into(),
                    },
                ));
                step_pos += 1;
            }
            Event::ResultIssued { step, number } => {
                rows.push(row(
                    holder(step_pos),
                    name(&step.unit),
                    step_result(step_pos),
                    format!("Số kết quả: {number}"),
                ));
                step_pos += 1;
            }
            Event::Assigned { handler, reason } => rows.push(row(
                timing
                    .steps
                    .get(step_pos)
                    .map(|s| name(&s.unit))
                    .unwrap_or_default(),
                handler.name.clone(),
                None,
                reason.clone().unwrap_or_else(|| "Phân công".into()),
            )),
            Event::ConsultationRequested { unit, content, .. } => rows.push(row(
                holder(step_pos),
                name(unit),
                None,
                format!("Xin ý kiến: {content}"),
            )),
            Event::ConsultationAnswered { id, .. } => {
                if let Some(c) = dossier.consultations.iter().find(|c| c.id == *id) {
                    let late = c.answered_at.is_some_and(|a| a > c.due);
                    rows.push(row(
                        name(&c.unit),
                        holder(step_pos),
                        Some(if late {
                            Timeliness::Late
                        } else {
                            Timeliness::OnTime
                        }),
                        "Trả lời ý kiến".into(),
                    ));
                }
            }
            Event::InterconnectionStarted { legs, started, .. } => {
                for (i, _) in started {
                    rows.push(row(
                        holder(step_pos),
                        name(&legs[*i].agency),
                        None,
                        format!("Liên thông: {}", legs[*i].task),
                    ));
                }
            }
            Event::LegCompleted { index, next, .. } => {
                if let Some(ic) = &dossier.interconnection {
                    let leg = &ic.legs[*index];
                    let late = match (leg.completed_at, leg.due) {
                        (Some(c), Some(d)) => Some(if c > d {
                            Timeliness::Late
                        } else {
                            Timeliness::OnTime
                        }),
                        _ => None,
                    };
                    let to = next
                        .map(|(n, _)| name(&ic.legs[n].plan.agency))
                        .unwrap_or_else(|| holder(step_pos));
                    rows.push(row(
                        name(&leg.plan.agency),
                        to,
                        late,
                        "Kết quả liên thông".into(),
                    ));
                }
            }
            Event::SupplementRequested { reason, .. } => rows.push(row(
                holder(step_pos),
                applicant.clone(),
                None,
                format!("Yêu cầu bổ sung: {reason}"),
            )),
            Event::SupplementSubmitted {
                restart: Some(_), ..
            } => rows.push(row(
                applicant.clone(),
                holder(step_pos),
                None,
                "Nộp bổ sung; thời hạn tính lại từ đầu".into(),
            )),
            Event::Returned { received_by, .. } => rows.push(row(
                name(&dossier.receiving),
                format!("{applicant} (người nhận: {received_by})"),
                timing.tt01,
                "Trả kết quả".into(),
            )),
            _ => {}
        }
    }
    rows
}
