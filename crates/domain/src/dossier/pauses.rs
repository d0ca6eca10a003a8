//! Tạm dừng và gia hạn — what stops or moves the clock: a supplement asked for at appraisal and
//! the documents that answer it, financial obligations, waiting for another agency, lawful
//! extensions, and the apology with its new date: ND 61/2018 Art. 19(4), 19(9).

use chrono::{DateTime, Utc};
use lich::time::to_vn;
use lich::{Pause, Unit};

use super::allowed::CommandKind;
use super::command::*;
use super::decide::*;
use super::event::*;
use super::stage::Stage;
use super::state::*;
use crate::error::DomainError;

/// Whether the dossier allows a command of this phase now (see [`super::check`]).
pub(super) fn check(d: &Dossier, kind: CommandKind, ctx: &Context<'_>) -> Result<(), DomainError> {
    use CommandKind::*;
    let action = kind.label();
    match kind {
        SubmitSupplement => expect_stage(
            d,
            &[Stage::IntakeSupplement, Stage::SupplementRequested],
            action,
        ),
        RequestSupplement => {
            expect_handling(d, action)?;
            no_open_pause(d)?;
            supplement_window_open(d, ctx)
        }
        RequestFinancialObligation | WaitForAgency => {
            expect_handling(d, action)?;
            no_open_pause(d)
        }
        EndPause => pause_may_end(d),
        Extend => expect_stage(
            d,
            &[
                Stage::InProgress,
                Stage::AwaitingFinancialObligation,
                Stage::SupplementRequested,
            ],
            action,
        ),
        Apologize => apology_possible(d, ctx),
        other => unreachable!("{} is not checked in this phase", other.name()),
    }
}

/// ND 61/2018 Art. 19(4): a supplement is asked for no later than 3 working days after reception.
fn supplement_window_open(d: &Dossier, ctx: &Context<'_>) -> Result<(), DomainError> {
    let received = d.received_at.expect("a dossier in progress was received");
    let window_end = due_after(ctx, received, d.procedure.supplement_window, whole_days(d))?;
    if ctx.now > window_end {
        return Err(DomainError::rule(
            "supplement_window_passed",
            format!(
                "Đã quá thời hạn yêu cầu bổ sung ({} kể từ ngày tiếp nhận, hết lúc {}; Điều 19 khoản 4 NĐ 61/2018/NĐ-CP). Hồ sơ phải được giải quyết hoặc từ chối giải quyết.",
                d.procedure.supplement_window,
                spoken(window_end)
            ),
        ));
    }
    Ok(())
}

fn pause_may_end(d: &Dossier) -> Result<(), DomainError> {
    let pause = d
        .open_pause()
        .ok_or_else(|| DomainError::rule("no_open_pause", "Hồ sơ không đang tạm dừng."))?;
    match pause.kind {
        PauseKind::Supplement => Err(DomainError::rule(
            "supplement_pending",
            "Hồ sơ đang chờ công dân bổ sung; thời gian chỉ tính lại khi nhận đủ hồ sơ bổ sung.",
        )),
        PauseKind::OtherAgency if d.interconnection.as_ref().is_some_and(|i| !i.is_complete()) => {
            Err(DomainError::rule(
                "interconnection_open",
                "Hồ sơ đang chờ các cơ quan liên thông; ghi nhận kết quả của từng cơ quan.",
            ))
        }
        _ => Ok(()),
    }
}

/// ND 61/2018 Art. 19(9): once only, at the latest some days before the due date.
fn apology_possible(d: &Dossier, ctx: &Context<'_>) -> Result<(), DomainError> {
    expect_stage(
        d,
        &[
            Stage::Received,
            Stage::InProgress,
            Stage::AwaitingFinancialObligation,
            Stage::SupplementRequested,
        ],
        CommandKind::Apologize.label(),
    )?;
    if d.apology.is_some() {
        return Err(DomainError::rule(
            "apology_once",
            "Chỉ được hẹn lại ngày trả kết quả một lần (Điều 19 khoản 9 NĐ 61/2018/NĐ-CP); hồ sơ đã có phiếu xin lỗi.",
        ));
    }
    let due = d
        .appointment
        .expect("a received dossier has an appointment");
    let latest = local_day(due) - chrono::Days::new(u64::from(ctx.rules.apology_lead_days));
    if local_day(ctx.now) > latest {
        return Err(DomainError::rule(
            "apology_too_late",
            format!(
                "Phiếu xin lỗi và hẹn lại phải gửi chậm nhất {} ngày trước ngày hết hạn ({}), tức là trước hết ngày {} (Điều 19 khoản 9 NĐ 61/2018/NĐ-CP).",
                ctx.rules.apology_lead_days,
                local_day(due).format("%d/%m/%Y"),
                latest.format("%d/%m/%Y")
            ),
        ));
    }
    Ok(())
}

/// Decides a command of this phase; `decide` checked first that the dossier allows it.
pub(super) fn decide(
    d: &Dossier,
    command: Command,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    use Command::*;
    match command {
        SubmitSupplement { components, note } => submit_supplement(d, components, note, ctx),
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
        Apologize {
            reason,
            new_appointment,
        } => apologize(d, reason, new_appointment, ctx),
        other => unreachable!("{} is not decided in this phase", other.name()),
    }
}

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

impl Dossier {
    /// Applies an event of this phase.
    pub(super) fn apply_pauses(&mut self, r: &Recorded) {
        let at = r.at;
        match &r.event {
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
            _ => {}
        }
    }

    /// Applies a supplement asked for at appraisal and the documents that answer it (at intake too).
    pub(super) fn apply_supplement(&mut self, r: &Recorded) {
        let at = r.at;
        match &r.event {
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
            _ => {}
        }
    }
}
