//! Quyết định — `decide` checks a command against the dossier, the one-stop rules and the clock,
//! and returns the events to record, or refuses with the rule that forbids it. It never changes
//! anything itself.

use chrono::{DateTime, FixedOffset, Timelike, Utc};
use lich::time::to_vn;
use lich::{CountMode, DeadlineRules, Limit, Pause, Unit};

use super::allowed::check;
use super::command::*;
use super::event::*;
use super::stage::Stage;
use super::state::{Dossier, StepRecord};
use crate::agency::{AgencyId, AgencyKind};
use crate::error::DomainError;
use crate::procedure::{Channel, OnlineKind, StepKind, StepUnit};

/// Decides what a command does to a dossier (`None` for the commands that open one).
pub fn decide(
    dossier: Option<&Dossier>,
    command: Command,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    match (dossier, command) {
        (None, Command::ReceiveAtCounter { new }) => receive_at_counter(*new, ctx),
        (
            None,
            Command::RefuseAtCounter {
                new,
                reason,
                legal_basis,
            },
        ) => {
            let opened = open(&new, Channel::InPerson, None, ctx)?;
            Ok(vec![
                opened,
                Event::RefusedAtIntake {
                    reason: text("Lý do từ chối", &reason, 2000)?,
                    legal_basis: text("Căn cứ pháp lý", &legal_basis, 500)?,
                },
            ])
        }
        (None, Command::SubmitOnline { new }) => {
            if new.procedure.online == OnlineKind::None {
                return Err(DomainError::rule(
                    "channel_not_offered",
                    format!(
                        "Thủ tục \"{}\" chưa cung cấp dịch vụ công trực tuyến.",
                        new.procedure.name
                    ),
                ));
            }
            Ok(vec![open(&new, Channel::Online, None, ctx)?])
        }
        (None, Command::ReceiveByPost { new, postal }) => receive_by_post(*new, postal, ctx),
        (None, other) => Err(DomainError::not_found(
            "dossier_not_found",
            format!(
                "Lệnh \"{}\" cần một hồ sơ đã có; hồ sơ không tồn tại.",
                other.name()
            ),
        )),
        (Some(d), command) => decide_on(d, command, ctx),
    }
}

/// A command on an existing dossier: first whether the dossier allows it now (one rule for the
/// page, the API and this, see [`check`]), then what its parameters say.
fn decide_on(d: &Dossier, command: Command, ctx: &Context<'_>) -> Result<Vec<Event>, DomainError> {
    use Command::*;
    let Some(kind) = command.kind() else {
        return Err(DomainError::rule(
            "dossier_exists",
            format!("Hồ sơ {} đã có trong hệ thống.", d.code),
        ));
    };
    check(d, kind, ctx)?;
    match command {
        ReceiveAtCounter { .. }
        | RefuseAtCounter { .. }
        | SubmitOnline { .. }
        | ReceiveByPost { .. } => unreachable!("commands that open a dossier have no kind"),
        AcceptOnline => {
            let mut received = received_event(d.channel, &d.procedure, &d.receiving, ctx.now, ctx)?;
            // TT 01/2018 Art. 19: the code carries the date of reception; a submission waiting
            // in the queue had only its provisional reference.
            if d.code.is_provisional() {
                let issued = ctx.issued_code.clone().ok_or_else(|| {
                    DomainError::rule(
                        "code_not_issued",
                        "Chưa cấp được mã hồ sơ khi tiếp nhận; hãy thử lại.",
                    )
                })?;
                if let Event::Received { code, .. } = &mut received {
                    *code = Some(issued);
                }
            }
            Ok(vec![received])
        }
        RefuseOnline {
            reason,
            legal_basis,
        } => Ok(vec![Event::RefusedAtIntake {
            reason: text("Lý do từ chối", &reason, 2000)?,
            legal_basis: text("Căn cứ pháp lý", &legal_basis, 500)?,
        }]),
        RequestIntakeSupplement { items, reason } => {
            let items = supplement_items(items, d)?;
            one_time_guidance(d, &items)?;
            Ok(vec![Event::IntakeSupplementRequested {
                items,
                reason: text("Lý do", &reason, 2000)?,
            }])
        }
        SubmitSupplement { components, note } => submit_supplement(d, components, note, ctx),
        Transfer { to_unit } => {
            let step = entry_to_next(d, Some(to_unit), ctx)?;
            Ok(vec![Event::Transferred { step }])
        }
        RecallTransfer { reason } => {
            let reception = &d.steps[d.steps.len() - 2];
            Ok(vec![Event::TransferRecalled {
                reason: text("Lý do thu hồi", &reason, 2000)?,
                step: StepEntry {
                    index: 0,
                    unit: d.receiving.clone(),
                    handler: reception.handler.clone(),
                    due: reception.due,
                },
            }])
        }
        Assign { officer, reason } => {
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
        AddNote { text: t } => Ok(vec![Event::NoteAdded {
            text: text("Ý kiến", &t, 4000)?,
        }]),
        RecordVerification { verification } => {
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
        RequestConsultation {
            unit,
            content,
            limit,
        } => {
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
        AnswerConsultation { id, answer } => {
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
        StartInterconnection { mode, legs } => start_interconnection(d, mode, legs, ctx),
        CompleteLeg { index, result } => complete_leg(d, index, result, ctx),
        RequestSupplement {
            items,
            reason,
            legal_basis,
        } => Ok(vec![Event::SupplementRequested {
            items: supplement_items(items, d)?,
            reason: text("Lý do", &reason, 2000)?,
            legal_basis: text("Căn cứ pháp lý", &legal_basis, 500)?,
        }]),
        RequestFinancialObligation {
            description,
            legal_basis,
        } => Ok(vec![Event::PauseStarted {
            kind: PauseKind::FinancialObligation,
            reason: text("Nội dung nghĩa vụ tài chính", &description, 2000)?,
            legal_basis: text("Căn cứ pháp lý", &legal_basis, 500)?,
            stops_clock: true,
        }]),
        WaitForAgency {
            reason,
            legal_basis,
            stops_clock,
        } => Ok(vec![Event::PauseStarted {
            kind: PauseKind::OtherAgency,
            reason: text("Lý do", &reason, 2000)?,
            legal_basis: text("Căn cứ pháp lý", &legal_basis, 500)?,
            stops_clock,
        }]),
        EndPause { note } => end_pause(d, note, ctx),
        Extend {
            amount,
            reason,
            legal_basis,
        } => {
            if amount.unit() == Unit::SameDay {
                return Err(DomainError::invalid(
                    "invalid_limit",
                    "Thời gian gia hạn phải ghi số ngày hoặc số giờ.",
                ));
            }
            let due = d.due.expect("a dossier in progress has a due instant");
            let due = due_after(ctx, due, amount, d.procedure.deadline_rules)?;
            Ok(vec![Event::Extended {
                amount,
                reason: text("Lý do gia hạn", &reason, 2000)?,
                legal_basis: text("Căn cứ pháp lý", &legal_basis, 500)?,
                due,
            }])
        }
        Forward { note, to_unit } => forward(d, note, to_unit, ctx),
        Decide {
            outcome,
            reason,
            legal_basis,
        } => decide_outcome(d, outcome, reason, legal_basis, ctx),
        IssueResult { number } => {
            let step = entry_to_next(d, None, ctx)?;
            Ok(vec![Event::ResultIssued {
                number: text("Số kết quả", &number, 100)?,
                step,
            }])
        }
        Apologize {
            reason,
            new_appointment,
        } => apologize(d, reason, new_appointment, ctx),
        RequestWithdrawal { reason } => Ok(vec![Event::WithdrawalRequested {
            reason: text("Lý do rút hồ sơ", &reason, 2000)?,
        }]),
        Stop {
            reason,
            legal_basis,
        } => Ok(vec![Event::Stopped {
            reason: text("Lý do dừng", &reason, 2000)?,
            legal_basis: text("Căn cứ pháp lý", &legal_basis, 500)?,
        }]),
        NotifyEarlyReturn { channel } => Ok(vec![Event::EarlyReturnNotified {
            channel: text("Kênh thông báo", &channel, 100)?,
        }]),
        Return {
            received_by,
            originals_returned,
            postal_bill,
        } => {
            if matches!(d.return_method, ReturnMethod::Post { .. }) && postal_bill.is_none() {
                return Err(DomainError::invalid(
                    "postal_bill_required",
                    "Trả kết quả qua bưu chính cần số hiệu bưu gửi.",
                ));
            }
            Ok(vec![Event::Returned {
                method: d.return_method.clone(),
                received_by: text("Người nhận kết quả", &received_by, 200)?,
                originals_returned: originals_returned
                    .iter()
                    .map(|o| text("Bản chính trả lại", o, 300))
                    .collect::<Result<_, _>>()?,
                postal_bill: postal_bill
                    .map(|b| text("Số hiệu bưu gửi", &b, 50))
                    .transpose()?,
            }])
        }
        RecordCorrection {
            correction,
            code,
            reason,
        } => Ok(vec![Event::CorrectionOpened {
            correction,
            code,
            reason: text("Lý do đính chính", &reason, 2000)?,
        }]),
    }
}

// ---- opening -----------------------------------------------------------------------------------

fn receive_at_counter(new: NewDossier, ctx: &Context<'_>) -> Result<Vec<Event>, DomainError> {
    let opened = open(&new, Channel::InPerson, None, ctx)?;
    check_complete(&new)?;
    let received = received_event(
        Channel::InPerson,
        &pin_of(&opened),
        &new.receiving,
        ctx.now,
        ctx,
    )?;
    let mut events = vec![opened, received];
    if new.procedure.immediate {
        // ND 61 Art. 17(4): decided and returned right after reception; still recorded.
        let pin = pin_of(&events[0]);
        let ret = pin
            .steps
            .iter()
            .position(|s| s.kind == StepKind::Return)
            .expect("validated process ends with a return step");
        events.push(Event::Decided {
            outcome: Outcome::Approved,
            reason: "Trả kết quả ngay sau khi tiếp nhận".into(),
            legal_basis: "Nghị định 61/2018/NĐ-CP, Điều 17 khoản 4".into(),
            step: StepEntry {
                index: ret,
                unit: new.receiving.clone(),
                handler: None,
                due: None,
            },
            ready: true,
        });
        events.push(Event::Returned {
            method: ReturnMethod::Counter,
            received_by: new.applicant.display_name().to_string(),
            originals_returned: Vec::new(),
            postal_bill: None,
        });
    }
    Ok(events)
}

fn receive_by_post(
    new: NewDossier,
    postal: PostalIntake,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    if !new.procedure.postal {
        return Err(DomainError::rule(
            "channel_not_offered",
            format!(
                "Thủ tục \"{}\" không thực hiện qua dịch vụ bưu chính công ích (QĐ 45/2016/QĐ-TTg, Điều 1).",
                new.procedure.name
            ),
        ));
    }
    if postal.handover_signed_at > ctx.now {
        return Err(DomainError::invalid(
            "invalid_time",
            "Thời điểm ký biên bản giao nhận không được ở tương lai.",
        ));
    }
    if postal.fees_collected < 0 {
        return Err(DomainError::invalid(
            "invalid_amount",
            "Số tiền thu hộ không được âm.",
        ));
    }
    let postal = PostalIntake {
        bill_number: text("Số hiệu bưu gửi", &postal.bill_number, 50)?,
        handover_record: text("Số biên bản giao nhận", &postal.handover_record, 50)?,
        postal_worker: text("Nhân viên bưu chính", &postal.postal_worker, 200)?,
        ..postal
    };
    let signed = postal.handover_signed_at;
    let opened = open(&new, Channel::Postal, Some(postal), ctx)?;
    check_complete(&new)?;
    // QĐ 45/2016 Art. 7(4): the legal submission time is the handover record's signature.
    let received = received_event(
        Channel::Postal,
        &pin_of(&opened),
        &new.receiving,
        signed,
        ctx,
    )?;
    Ok(vec![opened, received])
}

fn pin_of(opened: &Event) -> ProcedurePin {
    match opened {
        Event::Opened(o) => o.procedure.clone(),
        _ => unreachable!("called with an Opened event"),
    }
}

fn open(
    new: &NewDossier,
    channel: Channel,
    postal: Option<PostalIntake>,
    ctx: &Context<'_>,
) -> Result<Event, DomainError> {
    let p = &new.procedure;
    p.validate()?;
    new.applicant.validate()?;
    let today = local_day(ctx.now);
    if p.effective_from > today {
        return Err(DomainError::rule(
            "procedure_not_in_force",
            format!(
                "Phiên bản {} của thủ tục {} có hiệu lực từ {}.",
                p.version,
                p.code,
                p.effective_from.format("%d/%m/%Y")
            ),
        ));
    }
    ctx.agencies.require(&new.receiving)?;
    ctx.agencies.require(&new.competent)?;
    let mut components = Vec::with_capacity(new.components.len());
    for c in &new.components {
        let def = p
            .components
            .iter()
            .find(|x| x.id == c.component)
            .ok_or_else(|| {
                DomainError::invalid(
                    "unknown_component",
                    format!(
                        "Thành phần \"{}\" không có trong danh mục của thủ tục.",
                        crate::error::shorten(&c.component)
                    ),
                )
            })?;
        if c.by_data && !def.replaceable_by_data {
            return Err(DomainError::invalid(
                "not_replaceable",
                format!("\"{}\" không được thay bằng khai thác dữ liệu.", def.name),
            ));
        }
        if !c.by_data && c.copies == 0 {
            return Err(DomainError::invalid(
                "invalid_copies",
                format!("Số lượng của \"{}\" phải từ 1 trở lên.", def.name),
            ));
        }
        components.push(SubmittedComponent {
            name: def.name.clone(),
            ..c.clone()
        });
    }
    let fees = match &new.fee_exemption {
        Some(_) => Vec::new(),
        None => p
            .fees_for(channel)
            .map(|f| FeeLine {
                name: f.name.clone(),
                amount: f.amount,
            })
            .collect(),
    };
    Ok(Event::Opened(Box::new(Opened {
        id: new.id,
        code: new.code.clone(),
        procedure: ProcedurePin {
            code: p.code.clone(),
            version: p.version,
            name: p.name.clone(),
            limit: p.limit,
            deadline_rules: p.deadline_rules,
            immediate: p.immediate,
            steps: p.steps.clone(),
            supplement_window: p.supplement_window,
            result_name: p.result.name.clone(),
            components: p.components.clone(),
        },
        channel,
        applicant: new.applicant.clone(),
        components,
        return_method: new.return_method.clone(),
        receiving: new.receiving.clone(),
        competent: new.competent.clone(),
        helped_at: new.helped_at.clone(),
        postal,
        fees,
        corrects: new.corrects.clone(),
    })))
}

/// ND 61 Art. 17(1): a dossier is received only when complete; otherwise the officer gives
/// one-time guidance with a supplement slip.
fn check_complete(new: &NewDossier) -> Result<(), DomainError> {
    let missing: Vec<&str> = new
        .procedure
        .components
        .iter()
        .filter(|def| def.required)
        .filter(|def| !new.components.iter().any(|c| c.component == def.id))
        .map(|def| def.name.as_str())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(DomainError::rule(
        "incomplete_dossier",
        format!(
            "Hồ sơ chưa đủ thành phần, chưa được tiếp nhận: {}. Hướng dẫn bổ sung một lần, đầy đủ (Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ).",
            missing.join("; ")
        ),
    ))
}

fn received_event(
    channel: Channel,
    procedure: &ProcedurePin,
    receiving: &AgencyId,
    received_at: DateTime<Utc>,
    ctx: &Context<'_>,
) -> Result<Event, DomainError> {
    let due = due_after(ctx, received_at, procedure.limit, procedure.deadline_rules)?;
    let handler = ctx.actor.officer().map(|o| Handler {
        id: o.id,
        name: o.full_name.to_string(),
    });
    Ok(Event::Received {
        received_at,
        due,
        step: StepEntry {
            index: 0,
            unit: receiving.clone(),
            handler,
            due: Some(transfer_due(ctx, channel, received_at, procedure)?),
        },
        code: None,
    })
}

/// ND 61 Art. 18: online dossiers are transferred at once; paper dossiers the same working day,
/// or at the start of the next working day when received after the cut-off.
fn transfer_due(
    ctx: &Context<'_>,
    channel: Channel,
    received_at: DateTime<Utc>,
    procedure: &ProcedurePin,
) -> Result<DateTime<Utc>, DomainError> {
    let grace = i64::from(ctx.rules.transfer_grace_minutes) * 60;
    let cal = ctx.calendar;
    let local = to_vn(&received_at);
    if channel == Channel::Online {
        return Ok(cal.add_working_seconds(local, grace)?.to_utc());
    }
    let cutoff = procedure.deadline_rules.same_day_cutoff;
    let day = local.date_naive();
    if cal.is_working_day(day)? && local.time() <= cutoff {
        let closes = cal.office_hours().closes();
        return Ok(lich::time::vn_instant(day.and_time(closes)).to_utc());
    }
    let next = cal.next_working_day(day)?;
    let opens = lich::time::vn_instant(next.and_time(cal.office_hours().opens()));
    Ok(cal.add_working_seconds(opens, grace)?.to_utc())
}

// ---- handling ----------------------------------------------------------------------------------

fn submit_supplement(
    d: &Dossier,
    components: Vec<SubmittedComponent>,
    note: String,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    if components.is_empty() {
        return Err(DomainError::invalid(
            "nothing_submitted",
            "Cần nộp ít nhất một giấy tờ bổ sung.",
        ));
    }
    let mut checked = Vec::with_capacity(components.len());
    for c in components {
        let def = d
            .procedure
            .components
            .iter()
            .find(|x| x.id == c.component)
            .ok_or_else(|| {
                DomainError::invalid(
                    "unknown_component",
                    format!(
                        "Thành phần \"{}\" không có trong danh mục của thủ tục.",
                        crate::error::shorten(&c.component)
                    ),
                )
            })?;
        checked.push(SubmittedComponent {
            name: def.name.clone(),
            ..c
        });
    }
    let restart = if d.stage == Stage::SupplementRequested {
        // ND 61/2018 Art. 19(4): the limit restarts from the beginning.
        let due = due_after(ctx, ctx.now, d.procedure.limit, d.procedure.deadline_rules)?;
        let step = current(d)?;
        let step_due = step_due_from(ctx, d, step.index, ctx.now)?;
        Some(Restart {
            at: ctx.now,
            due,
            step_due,
        })
    } else {
        None
    };
    Ok(vec![Event::SupplementSubmitted {
        components: checked,
        note: optional_text("Ghi chú", &note, 2000)?,
        restart,
    }])
}

/// "Hướng dẫn một lần, đầy đủ": after the first guidance, another one may only concern the
/// documents the applicant changed in answer to it.
fn one_time_guidance(d: &Dossier, items: &[SupplementItem]) -> Result<(), DomainError> {
    let Some(previous) = d.supplements.iter().rev().find(|s| s.at_intake) else {
        return Ok(());
    };
    let outside: Vec<&str> = items
        .iter()
        .filter(|i| {
            i.component
                .as_ref()
                .is_none_or(|c| !previous.resubmitted.contains(c))
        })
        .map(|i| i.text.as_str())
        .collect();
    if outside.is_empty() {
        return Ok(());
    }
    Err(DomainError::rule(
        "guidance_not_once",
        format!(
            "Đã hướng dẫn bổ sung một lần; chỉ được yêu cầu tiếp đối với giấy tờ công dân vừa nộp lại (Điều 15, 17 NĐ 61/2018/NĐ-CP). Nội dung không được yêu cầu thêm: {}.",
            outside.join("; ")
        ),
    ))
}

fn supplement_items(
    items: Vec<SupplementItem>,
    d: &Dossier,
) -> Result<Vec<SupplementItem>, DomainError> {
    if items.is_empty() {
        return Err(DomainError::invalid(
            "items_required",
            "Cần ghi rõ từng nội dung phải bổ sung, hoàn thiện.",
        ));
    }
    items
        .into_iter()
        .map(|i| {
            if let Some(c) = &i.component
                && !d.procedure.components.iter().any(|x| &x.id == c)
            {
                return Err(DomainError::invalid(
                    "unknown_component",
                    format!(
                        "Thành phần \"{}\" không có trong danh mục của thủ tục.",
                        crate::error::shorten(c)
                    ),
                ));
            }
            Ok(SupplementItem {
                component: i.component,
                text: text("Nội dung bổ sung", &i.text, 1000)?,
            })
        })
        .collect()
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

fn end_pause(d: &Dossier, note: String, ctx: &Context<'_>) -> Result<Vec<Event>, DomainError> {
    let pause = d.open_pause().expect("checked: a pause is open");
    let window = Pause {
        from: to_vn(&pause.from),
        to: to_vn(&ctx.now),
    };
    let due = match (pause.stops_clock, d.due) {
        (true, Some(due)) => Some(
            ctx.calendar
                .due_excluding_pauses(to_vn(&due), &[window])?
                .to_utc(),
        ),
        _ => None,
    };
    Ok(vec![Event::PauseEnded {
        note: optional_text("Ghi chú", &note, 2000)?,
        due,
        step_due: extend_step_due(d, &[window], ctx)?,
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
    Ok(vec![Event::Decided {
        outcome,
        reason,
        legal_basis,
        step,
        ready,
    }])
}

fn apologize(
    d: &Dossier,
    reason: String,
    new_appointment: DateTime<Utc>,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    let due = d
        .appointment
        .expect("a received dossier has an appointment");
    if new_appointment <= due {
        return Err(DomainError::invalid(
            "invalid_appointment",
            "Ngày hẹn lại phải sau ngày hẹn trả hiện tại.",
        ));
    }
    if !ctx.calendar.is_working_day(local_day(new_appointment))? {
        return Err(DomainError::invalid(
            "invalid_appointment",
            "Ngày hẹn lại phải là ngày làm việc.",
        ));
    }
    Ok(vec![Event::Apologized {
        reason: text("Lý do chậm", &reason, 2000)?,
        new_appointment,
    }])
}

// ---- steps -------------------------------------------------------------------------------------

/// Entry into the step after the current one.
fn entry_to_next(
    d: &Dossier,
    to_unit: Option<AgencyId>,
    ctx: &Context<'_>,
) -> Result<StepEntry, DomainError> {
    let index = current(d)?.index + 1;
    let def =
        d.procedure.steps.get(index).ok_or_else(|| {
            DomainError::rule("no_next_step", "Quy trình không còn bước tiếp theo.")
        })?;
    let unit = match def.unit {
        StepUnit::Counter => d.receiving.clone(),
        StepUnit::Leadership => d.competent.clone(),
        StepUnit::Office => ctx
            .agencies
            .children(&d.competent)
            .into_iter()
            .find(|a| a.kind == AgencyKind::Office)
            .map_or_else(|| d.competent.clone(), |a| a.id.clone()),
        StepUnit::Specialist => {
            let unit = to_unit.ok_or_else(|| {
                DomainError::invalid(
                    "unit_required",
                    format!("Chọn đơn vị thực hiện bước \"{}\".", def.name),
                )
            })?;
            let agency = ctx.agencies.require(&unit)?;
            if !ctx.agencies.is_within(&unit, &d.competent)
                || agency.kind == AgencyKind::ServiceCenter
            {
                return Err(DomainError::invalid(
                    "invalid_unit",
                    format!(
                        "\"{}\" không phải đơn vị chuyên môn của cơ quan có thẩm quyền giải quyết.",
                        agency.name
                    ),
                ));
            }
            unit
        }
    };
    Ok(StepEntry {
        index,
        unit,
        handler: None,
        due: step_due_from(ctx, d, index, ctx.now)?,
    })
}

/// When a step started at `start` is due: its allotted time in working hours.
fn step_due_from(
    ctx: &Context<'_>,
    d: &Dossier,
    index: usize,
    start: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, DomainError> {
    let rules = DeadlineRules {
        mode: CountMode::WorkingHours,
        ..d.procedure.deadline_rules
    };
    d.procedure.steps[index]
        .allotted
        .map(|allotted| due_after(ctx, start, allotted, rules))
        .transpose()
}

/// The current step's due, moved later by the working time of the windows.
fn extend_step_due(
    d: &Dossier,
    windows: &[Pause],
    ctx: &Context<'_>,
) -> Result<Option<DateTime<Utc>>, DomainError> {
    current(d)?
        .due
        .map(|due| {
            Ok(ctx
                .calendar
                .due_excluding_pauses(to_vn(&due), windows)?
                .to_utc())
        })
        .transpose()
}

pub(super) fn current(d: &Dossier) -> Result<&StepRecord, DomainError> {
    d.current_step().ok_or_else(|| {
        DomainError::rule(
            "no_current_step",
            format!(
                "Hồ sơ không ở bước xử lý nào (trạng thái: {}).",
                d.stage.label()
            ),
        )
    })
}

pub(super) fn expect_step(d: &Dossier, kind: StepKind, action: &str) -> Result<(), DomainError> {
    let step = current(d)?;
    if step.kind != kind {
        return Err(DomainError::rule(
            "wrong_step",
            format!("Không thể {action} ở bước \"{}\" của quy trình.", step.name),
        ));
    }
    Ok(())
}

pub(super) fn expect_handling(d: &Dossier, action: &str) -> Result<(), DomainError> {
    expect_stage(d, &[Stage::InProgress], action)?;
    expect_step(d, StepKind::Handling, action)
}

pub(super) fn expect_stage(
    d: &Dossier,
    allowed: &[Stage],
    action: &str,
) -> Result<(), DomainError> {
    if allowed.contains(&d.stage) {
        Ok(())
    } else {
        Err(transition(d, action))
    }
}

pub(super) fn transition(d: &Dossier, action: &str) -> DomainError {
    DomainError::rule(
        "invalid_transition",
        format!(
            "Không thể {action} khi hồ sơ {} đang ở trạng thái \"{}\".",
            d.code,
            d.stage.label()
        ),
    )
}

pub(super) fn no_open_pause(d: &Dossier) -> Result<(), DomainError> {
    match d.open_pause() {
        None => Ok(()),
        Some(p) => Err(DomainError::rule(
            "paused",
            format!("Hồ sơ đang tạm dừng ({}): {}.", p.kind.label(), p.reason),
        )),
    }
}

// ---- time and text -----------------------------------------------------------------------------

pub(super) fn whole_days(d: &Dossier) -> DeadlineRules {
    DeadlineRules {
        mode: CountMode::WholeDays,
        ..d.procedure.deadline_rules
    }
}

pub(super) fn due_after(
    ctx: &Context<'_>,
    start: DateTime<Utc>,
    limit: Limit,
    rules: DeadlineRules,
) -> Result<DateTime<Utc>, DomainError> {
    Ok(ctx.calendar.due(to_vn(&start), limit, &rules)?.due.to_utc())
}

pub(super) fn local_day(t: DateTime<Utc>) -> chrono::NaiveDate {
    to_vn(&t).date_naive()
}

/// "17 giờ 00, ngày 17/02/2027".
pub(crate) fn spoken(t: DateTime<Utc>) -> String {
    let v: DateTime<FixedOffset> = to_vn(&t);
    format!(
        "{:02} giờ {:02}, ngày {}",
        v.hour(),
        v.minute(),
        v.format("%d/%m/%Y")
    )
}

/// A required free-text field, cleaned to NFC.
fn text(field: &str, value: &str, max: usize) -> Result<String, DomainError> {
    let v = vntext::clean(value);
    if v.is_empty() {
        return Err(DomainError::invalid(
            "required",
            format!("Cần nhập \"{field}\"."),
        ));
    }
    if v.chars().count() > max {
        return Err(DomainError::invalid(
            "too_long",
            format!("\"{field}\" dài quá {max} ký tự."),
        ));
    }
    Ok(v)
}

/// An optional free-text field: empty is fine, too long is refused (nothing is cut silently).
fn optional_text(field: &str, value: &str, max: usize) -> Result<String, DomainError> {
    let v = vntext::clean(value);
    if v.chars().count() > max {
        return Err(DomainError::invalid(
            "too_long",
            format!("\"{field}\" dài quá {max} ký tự."),
        ));
    }
    Ok(v)
}
