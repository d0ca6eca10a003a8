//! Giải quyết — assignment, appraisal, verification, consultation, interconnection with other
//! agencies, the way to approval, the decision and its issuance: ND 61/2018 Art. 19.

use lich::time::to_vn;
use lich::{Limit, Pause};

use super::allowed::CommandKind;
use super::command::*;
use super::decide::*;
use super::event::*;
use super::stage::Stage;
use super::state::*;
use crate::agency::AgencyId;
use crate::error::DomainError;
use crate::officer::Officer;
use crate::procedure::StepKind;

/// Whether the dossier allows a command of this phase now (see [`super::check`]).
pub(super) fn check(d: &Dossier, kind: CommandKind, _ctx: &Context<'_>) -> Result<(), DomainError> {
    use CommandKind::*;
    let action = kind.label();
    match kind {
        Assign => {
            expect_stage(d, &[Stage::InProgress], action)?;
            super::decide::current(d).map(|_| ())
        }
        AddNote | RecordVerification | RequestConsultation | DraftResult => {
            expect_handling(d, action)
        }
        AnswerConsultation => {
            if d.consultations.iter().any(|c| c.answered_at.is_none()) {
                Ok(())
            } else {
                Err(DomainError::rule(
                    "no_consultation_pending",
                    "Hồ sơ không có yêu cầu xin ý kiến nào đang chờ trả lời.",
                ))
            }
        }
        StartInterconnection => {
            expect_handling(d, action)?;
            no_open_pause(d)?;
            if d.interconnection.as_ref().is_some_and(|i| !i.is_complete()) {
                return Err(DomainError::rule(
                    "interconnection_open",
                    "Hồ sơ đang chờ các cơ quan liên thông.",
                ));
            }
            Ok(())
        }
        CompleteLeg => {
            let ic = d.interconnection.as_ref().ok_or_else(|| {
                DomainError::rule("no_interconnection", "Hồ sơ không có phần liên thông nào.")
            })?;
            if ic
                .legs
                .iter()
                .any(|l| l.started_at.is_some() && l.completed_at.is_none())
            {
                Ok(())
            } else {
                Err(DomainError::rule(
                    "no_leg_open",
                    "Không có cơ quan liên thông nào đang xử lý phần việc của mình.",
                ))
            }
        }
        Forward => {
            expect_stage(d, &[Stage::InProgress], action)?;
            expect_step(d, StepKind::Handling, action)?;
            no_open_pause(d)?;
            forward_possible(d)
        }
        Decide => {
            expect_stage(d, &[Stage::InProgress], action)?;
            expect_step(d, StepKind::Approval, action)?;
            no_open_pause(d)
        }
        IssueResult => {
            expect_stage(d, &[Stage::InProgress], action)?;
            expect_step(d, StepKind::Issuance, action)
        }
        other => unreachable!("{} is not checked in this phase", other.name()),
    }
}

/// Before approval, every opinion asked for and every interconnected agency's part are in.
fn forward_possible(d: &Dossier) -> Result<(), DomainError> {
    let current = super::decide::current(d)?;
    let next = d.procedure.steps.get(current.index + 1);
    if next.is_some_and(|s| s.kind == StepKind::Approval) {
        if let Some(c) = d.consultations.iter().find(|c| c.answered_at.is_none()) {
            return Err(DomainError::rule(
                "consultation_pending",
                format!(
                    "Chưa nhận được ý kiến của {} (yêu cầu số {}).",
                    c.unit, c.id
                ),
            ));
        }
        if d.interconnection.as_ref().is_some_and(|i| !i.is_complete()) {
            return Err(DomainError::rule(
                "interconnection_open",
                "Chưa nhận đủ kết quả của các cơ quan liên thông.",
            ));
        }
    }
    Ok(())
}

/// Phân công (or phân công lại, with a reason) an officer holding the step's role in its unit.
fn assign(
    d: &Dossier,
    officer: &Officer,
    reason: Option<String>,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    let step = current(d)?;
    let role = d.procedure.steps[step.index].role;
    let holds = officer.active
        && officer
            .grants
            .iter()
            .any(|g| g.role == role && ctx.agencies.is_within(&step.unit, &g.agency));
    if !holds {
        return Err(DomainError::rule(
            "handler_not_in_unit",
            format!(
                "{} không có vai trò {} tại đơn vị đang giữ hồ sơ.",
                officer.full_name,
                role.label().to_lowercase()
            ),
        ));
    }
    let reason = match (&step.handler, reason) {
        (Some(h), None) if h.id != officer.id => {
            return Err(DomainError::invalid(
                "reason_required",
                "Phân công lại cần ghi lý do.",
            ));
        }
        (_, r) => r.map(|r| text("Lý do", &r, 500)).transpose()?,
    };
    Ok(vec![Event::Assigned {
        handler: Handler {
            id: officer.id,
            name: officer.full_name.to_string(),
        },
        reason,
    }])
}

/// Xác minh, thẩm tra: what was found, and when (not in the future).
fn record_verification(
    verification: Verification,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    if verification.at > ctx.now {
        return Err(DomainError::invalid(
            "invalid_time",
            "Thời điểm xác minh không được ở tương lai.",
        ));
    }
    Ok(vec![Event::VerificationRecorded {
        verification: Verification {
            at: verification.at,
            place: text("Địa điểm", &verification.place, 500)?,
            participants: text("Thành phần", &verification.participants, 1000)?,
            content: text("Nội dung", &verification.content, 4000)?,
        },
    }])
}

/// Lấy ý kiến: another unit is asked, with a time limit to answer.
fn request_consultation(
    d: &Dossier,
    unit: AgencyId,
    content: String,
    limit: Limit,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    ctx.agencies.require(&unit)?;
    if Some(&unit) == d.current_unit() {
        return Err(DomainError::invalid(
            "invalid_unit",
            "Không lấy ý kiến chính đơn vị đang giữ hồ sơ.",
        ));
    }
    let due = due_after(ctx, ctx.now, limit, d.procedure.deadline_rules)?;
    Ok(vec![Event::ConsultationRequested {
        id: d.consultations.len() as u32 + 1,
        unit,
        content: text("Nội dung xin ý kiến", &content, 4000)?,
        due,
    }])
}

/// Trả lời xin ý kiến: each request is answered once.
fn answer_consultation(d: &Dossier, id: u32, answer: String) -> Result<Vec<Event>, DomainError> {
    let c = d.consultations.iter().find(|c| c.id == id).ok_or_else(|| {
        DomainError::not_found(
            "consultation_not_found",
            format!("Không có yêu cầu xin ý kiến số {id}."),
        )
    })?;
    if c.answered_at.is_some() {
        return Err(DomainError::rule(
            "already_answered",
            format!("Yêu cầu xin ý kiến số {id} đã được trả lời."),
        ));
    }
    Ok(vec![Event::ConsultationAnswered {
        id,
        answer: text("Ý kiến", &answer, 4000)?,
    }])
}

/// Decides a command of this phase; `decide` checked first that the dossier allows it.
pub(super) fn decide(
    d: &Dossier,
    command: Command,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    use Command::*;
    match command {
        Assign { officer, reason } => assign(d, &officer, reason, ctx),
        AddNote { text: t } => Ok(vec![Event::NoteAdded {
            text: text("Ý kiến", &t, 4000)?,
        }]),
        RecordVerification { verification } => record_verification(verification, ctx),
        DraftResult { fields } => draft_result(fields),
        RequestConsultation {
            unit,
            content,
            limit,
        } => request_consultation(d, unit, content, limit, ctx),
        AnswerConsultation { id, answer } => answer_consultation(d, id, answer),
        StartInterconnection { mode, legs } => start_interconnection(d, mode, legs, ctx),
        CompleteLeg { index, result } => complete_leg(d, index, result, ctx),
        Forward { note, to_unit } => forward(d, note, to_unit, ctx),
        Decide {
            outcome,
            reason,
            legal_basis,
            signature,
        } => decide_outcome(d, outcome, reason, legal_basis, signature, ctx),
        IssueResult { number, document } => {
            let step = entry_to_next(d, None, ctx)?;
            Ok(vec![Event::ResultIssued {
                number: text("Số kết quả", &number, 100)?,
                step,
                document,
            }])
        }
        other => unreachable!("{} is not decided in this phase", other.name()),
    }
}

/// Most fields a result draft may have, and the longest value.
const DRAFT_FIELDS: usize = 60;
const DRAFT_VALUE_CHARS: usize = 20_000;

/// Soạn dự thảo: the field names are the template's (checked by whoever knows it); here only
/// their shape and size.
fn draft_result(
    fields: std::collections::BTreeMap<String, String>,
) -> Result<Vec<Event>, DomainError> {
    if fields.is_empty() || fields.len() > DRAFT_FIELDS {
        return Err(DomainError::invalid(
            "draft_fields",
            format!("Dự thảo cần từ 1 đến {DRAFT_FIELDS} trường."),
        ));
    }
    let mut clean = std::collections::BTreeMap::new();
    for (key, value) in fields {
        let good_key = (1..=40).contains(&key.len())
            && key.starts_with(|c: char| c.is_ascii_lowercase())
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !good_key {
            return Err(DomainError::invalid(
                "draft_field_name",
                format!(
                    "Tên trường \"{}\" không hợp lệ.",
                    crate::error::shorten(&key)
                ),
            ));
        }
        let value = vntext::clean_lines(&value);
        if value.chars().count() > DRAFT_VALUE_CHARS {
            return Err(DomainError::invalid(
                "too_long",
                format!("Trường \"{key}\" dài quá {DRAFT_VALUE_CHARS} ký tự."),
            ));
        }
        clean.insert(key, value);
    }
    Ok(vec![Event::ResultDrafted { fields: clean }])
}

fn start_interconnection(
    d: &Dossier,
    mode: InterconnectionMode,
    legs: Vec<LegPlan>,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    if legs.is_empty() {
        return Err(DomainError::invalid(
            "legs_required",
            "Cần ít nhất một cơ quan phối hợp liên thông.",
        ));
    }
    let mut checked = Vec::with_capacity(legs.len());
    for leg in legs {
        ctx.agencies.require(&leg.agency)?;
        checked.push(LegPlan {
            task: text("Nhiệm vụ", &leg.task, 1000)?,
            ..leg
        });
    }
    let starting: Vec<usize> = match mode {
        InterconnectionMode::Parallel => (0..checked.len()).collect(),
        InterconnectionMode::Sequential => vec![0],
    };
    let started = starting
        .into_iter()
        .map(|i| {
            Ok((
                i,
                due_after(ctx, ctx.now, checked[i].limit, d.procedure.deadline_rules)?,
            ))
        })
        .collect::<Result<_, DomainError>>()?;
    Ok(vec![Event::InterconnectionStarted {
        mode,
        legs: checked,
        started,
    }])
}

fn complete_leg(
    d: &Dossier,
    index: usize,
    result: String,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    let ic = d.interconnection.as_ref().ok_or_else(|| {
        DomainError::rule("no_interconnection", "Hồ sơ không có phần liên thông nào.")
    })?;
    let leg = ic.legs.get(index).ok_or_else(|| {
        DomainError::not_found(
            "leg_not_found",
            format!("Không có cơ quan liên thông số {index}."),
        )
    })?;
    if leg.completed_at.is_some() {
        return Err(DomainError::rule(
            "leg_done",
            "Cơ quan này đã xử lý xong phần việc.",
        ));
    }
    if leg.started_at.is_none() {
        return Err(DomainError::rule(
            "leg_not_started",
            "Liên thông tuần tự: cơ quan trước chưa chuyển hồ sơ đến cơ quan này.",
        ));
    }
    let next = match ic.mode {
        InterconnectionMode::Sequential if index + 1 < ic.legs.len() => Some((
            index + 1,
            due_after(
                ctx,
                ctx.now,
                ic.legs[index + 1].plan.limit,
                d.procedure.deadline_rules,
            )?,
        )),
        _ => None,
    };
    let last = ic
        .legs
        .iter()
        .enumerate()
        .all(|(i, l)| i == index || l.completed_at.is_some());
    let step_due = if last {
        let window = Pause {
            from: to_vn(&ic.started_at),
            to: to_vn(&ctx.now),
        };
        extend_step_due(d, &[window], ctx)?
    } else {
        None
    };
    Ok(vec![Event::LegCompleted {
        index,
        result: text("Kết quả", &result, 2000)?,
        next,
        step_due,
    }])
}

fn forward(
    d: &Dossier,
    note: String,
    to_unit: Option<AgencyId>,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    let step = entry_to_next(d, to_unit, ctx)?;
    Ok(vec![Event::Forwarded {
        note: optional_text("Ghi chú", &note, 2000)?,
        step,
    }])
}

fn decide_outcome(
    d: &Dossier,
    outcome: Outcome,
    reason: String,
    legal_basis: String,
    signature: ApprovalSignature,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    let (reason, legal_basis) = match outcome {
        Outcome::Approved => (
            optional_text("Ý kiến phê duyệt", &reason, 2000)?,
            optional_text("Căn cứ pháp lý", &legal_basis, 500)?,
        ),
        Outcome::Refused => {
            // ND 61/2018 Art. 19(8): a refusal after appraisal is issued within the time limit.
            let limit = d
                .appointment
                .expect("a dossier in progress has an appointment");
            if ctx.now > limit {
                return Err(DomainError::rule(
                    "refusal_after_due",
                    format!(
                        "Từ chối giải quyết phải trong thời hạn giải quyết (hạn {}; Điều 19 khoản 8 NĐ 61/2018/NĐ-CP). Hồ sơ đã quá hạn.",
                        spoken(limit)
                    ),
                ));
            }
            (
                text("Lý do từ chối", &reason, 2000)?,
                text("Căn cứ pháp lý", &legal_basis, 500)?,
            )
        }
    };
    let step = entry_to_next(d, None, ctx)?;
    let ready = d.procedure.steps[step.index].kind == StepKind::Return;
    let signed = match (signature, outcome) {
        (ApprovalSignature::None, _) => None,
        (ApprovalSignature::Signed(doc), Outcome::Approved) => Some(doc),
        (ApprovalSignature::Signed(_), Outcome::Refused) => {
            return Err(DomainError::invalid(
                "signed_refusal",
                "Chữ ký phê duyệt chỉ đi kèm quyết định phê duyệt.",
            ));
        }
        (ApprovalSignature::Pin(_), _) => {
            return Err(DomainError::rule(
                "approval_not_signed",
                "Văn bản kết quả chưa được ký số; phê duyệt chưa được ghi nhận.",
            ));
        }
    };
    Ok(vec![Event::Decided {
        outcome,
        reason,
        legal_basis,
        step,
        ready,
        signed,
    }])
}

impl Dossier {
    /// Applies an event of this phase.
    pub(super) fn apply_handling(&mut self, r: &Recorded) {
        let at = r.at;
        match &r.event {
            Event::Assigned { handler, .. } => {
                if let Some(step) = self.steps.last_mut() {
                    step.handler = Some(handler.clone());
                }
            }
            Event::NoteAdded { text } => self.notes.push((at, r.actor.clone(), text.clone())),
            Event::ResultDrafted { fields } => {
                self.result_draft = Some(ResultDraft {
                    fields: fields.clone(),
                    revision: self.result_draft.as_ref().map_or(0, |d| d.revision) + 1,
                    at,
                    actor: r.actor.clone(),
                });
            }
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
            Event::Forwarded { step, .. } => self.enter_step(step, at),
            Event::Decided {
                outcome,
                reason,
                legal_basis,
                step,
                ready,
                signed,
            } => {
                self.decision = Some(DecisionRecord {
                    outcome: *outcome,
                    reason: reason.clone(),
                    legal_basis: legal_basis.clone(),
                    at,
                    actor: r.actor.clone(),
                    number: None,
                    signed: signed.clone(),
                });
                self.enter_step(step, at);
                if *ready {
                    self.stage = Stage::ResultReady;
                    self.result_ready_at = Some(at);
                }
            }
            Event::ResultIssued {
                number,
                step,
                document,
            } => {
                if let Some(d) = self.decision.as_mut() {
                    d.number = Some(number.clone());
                }
                if document.is_some() {
                    self.electronic_result = document.clone();
                }
                self.enter_step(step, at);
                self.stage = Stage::ResultReady;
                self.result_ready_at = Some(at);
            }
            _ => {}
        }
    }

    /// Applies the start of an interconnection and each agency's part.
    pub(super) fn apply_interconnection(&mut self, r: &Recorded) {
        let at = r.at;
        match &r.event {
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
            _ => {}
        }
    }
}
