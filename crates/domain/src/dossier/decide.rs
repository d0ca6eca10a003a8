//! Quyết định — `decide` checks a command against the dossier, the one-stop rules and the clock,
//! and returns the events to record, or refuses with the rule that forbids it. It never changes
//! anything itself.

use chrono::{DateTime, FixedOffset, Timelike, Utc};
use lich::time::to_vn;
use lich::{CountMode, DeadlineRules, Limit, Pause};

use super::allowed::{Phase, check};
use super::command::*;
use super::event::*;
use super::intake;
use super::stage::Stage;
use super::state::{Dossier, StepRecord};
use crate::agency::{AgencyId, AgencyKind};
use crate::error::DomainError;
use crate::procedure::{StepKind, StepUnit};

/// Decides what a command does to a dossier (`None` for the commands that open one).
pub fn decide(
    dossier: Option<&Dossier>,
    command: Command,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    match (dossier, command) {
        (None, Command::ReceiveAtCounter { new }) => intake::receive_at_counter(*new, ctx),
        (
            None,
            Command::RefuseAtCounter {
                new,
                reason,
                legal_basis,
            },
        ) => intake::refuse_at_counter(&new, reason, legal_basis, ctx),
        (None, Command::SubmitOnline { new }) => intake::submit_online(&new, ctx),
        (None, Command::ReceiveByPost { new, postal }) => {
            intake::receive_by_post(*new, postal, ctx)
        }
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
    let Some(kind) = command.kind() else {
        return Err(DomainError::rule(
            "dossier_exists",
            format!("Hồ sơ {} đã có trong hệ thống.", d.code),
        ));
    };
    check(d, kind, ctx)?;
    match kind.phase() {
        Phase::Intake => intake::decide(d, command, ctx),
        Phase::Handling => super::handling::decide(d, command, ctx),
        Phase::Pauses => super::pauses::decide(d, command, ctx),
        Phase::Closing => super::closing::decide(d, command, ctx),
        Phase::Fees => super::fees::decide(d, command, ctx),
        Phase::Receipts => super::receipts::decide(d, command, ctx),
    }
}

// ---- opening -----------------------------------------------------------------------------------

// ---- handling ----------------------------------------------------------------------------------

pub(super) fn supplement_items(
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

// ---- steps -------------------------------------------------------------------------------------

/// Entry into the step after the current one.
pub(super) fn entry_to_next(
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
pub(super) fn step_due_from(
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
pub(super) fn extend_step_due(
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
pub(super) fn text(field: &str, value: &str, max: usize) -> Result<String, DomainError> {
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
pub(super) fn optional_text(field: &str, value: &str, max: usize) -> Result<String, DomainError> {
    let v = vntext::clean(value);
    if v.chars().count() > max {
        return Err(DomainError::invalid(
            "too_long",
            format!("\"{field}\" dài quá {max} ký tự."),
        ));
    }
    Ok(v)
}
