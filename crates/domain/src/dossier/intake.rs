//! Tiếp nhận — opening a dossier (at the counter, by post, online), checking an online one,
//! refusing it, one-time guidance, and sending it to the unit that handles it (or taking it back
//! from the wrong one): ND 61/2018 Art. 15–18.

use chrono::{DateTime, Utc};
use lich::time::to_vn;

use super::allowed::CommandKind;
use super::command::*;
use super::decide::*;
use super::event::*;
use super::stage::Stage;
use super::state::*;
use crate::agency::AgencyId;
use crate::error::DomainError;
use crate::procedure::{Channel, OnlineKind, StepKind};

/// Whether the dossier allows a command of this phase now (see [`super::check`]).
pub(super) fn check(d: &Dossier, kind: CommandKind, _ctx: &Context<'_>) -> Result<(), DomainError> {
    use CommandKind::*;
    let action = kind.label();
    match kind {
        AcceptOnline | RefuseOnline | RequestIntakeSupplement => {
            expect_stage(d, &[Stage::Submitted], action)
        }
        Transfer => expect_stage(d, &[Stage::Received], action),
        RecallTransfer => recall_possible(d),
        other => unreachable!("{} is not checked in this phase", other.name()),
    }
}

/// Thu hồi hồ sơ chuyển nhầm (ND 61 Art. 18): the service centre takes back a dossier it sent
/// to a unit, as long as nothing was done there yet — no handler, no opinion, no pause.
fn recall_possible(d: &Dossier) -> Result<(), DomainError> {
    let action = CommandKind::RecallTransfer.label();
    expect_stage(d, &[Stage::InProgress], action)?;
    let step = super::decide::current(d)?;
    let from_reception = d
        .steps
        .len()
        .checked_sub(2)
        .and_then(|i| d.steps.get(i))
        .is_some_and(|s| s.index == 0);
    let touched = step.handler.is_some()
        || d.notes.iter().any(|(at, ..)| *at >= step.started_at)
        || d.consultations
            .iter()
            .any(|c| c.requested_at >= step.started_at)
        || d.verifications.iter().any(|v| v.at >= step.started_at)
        || d.pauses.iter().any(|p| p.from >= step.started_at)
        || d.interconnection.is_some()
        || d.extensions.iter().any(|e| e.at >= step.started_at);
    if !from_reception || touched {
        return Err(DomainError::rule(
            "recall_not_possible",
            "Chỉ thu hồi được hồ sơ vừa chuyển từ Bộ phận Một cửa khi đơn vị nhận chưa phân công, chưa xử lý.",
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
        other => unreachable!("{} is not decided in this phase", other.name()),
    }
}

/// Phiếu từ chối tiếp nhận at the counter: the dossier is recorded, with the refusal.
pub(super) fn refuse_at_counter(
    new: &NewDossier,
    reason: String,
    legal_basis: String,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    let opened = open(new, Channel::InPerson, None, ctx)?;
    Ok(vec![
        opened,
        Event::RefusedAtIntake {
            reason: text("Lý do từ chối", &reason, 2000)?,
            legal_basis: text("Căn cứ pháp lý", &legal_basis, 500)?,
        },
    ])
}

/// Nộp trực tuyến: waits in the online queue, for procedures offered online.
pub(super) fn submit_online(
    new: &NewDossier,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    if new.procedure.online == OnlineKind::None {
        return Err(DomainError::rule(
            "channel_not_offered",
            format!(
                "Thủ tục \"{}\" chưa cung cấp dịch vụ công trực tuyến.",
                new.procedure.name
            ),
        ));
    }
    let opened = open(new, Channel::Online, None, ctx)?;
    check_attached(new)?;
    Ok(vec![opened])
}

/// Online, each component travels as a file (or is looked up from data instead): a submission
/// with nothing attached, a component without its file, or a required component missing is
/// not accepted, and takes no code.
fn check_attached(new: &NewDossier) -> Result<(), DomainError> {
    let name = |id: &str| {
        new.procedure
            .components
            .iter()
            .find(|d| d.id == id)
            .map_or_else(|| id.to_string(), |d| d.name.clone())
    };
    if let Some(c) = new
        .components
        .iter()
        .find(|c| !c.by_data && c.files.is_empty())
    {
        return Err(DomainError::invalid(
            "missing_file",
            format!(
                "Thành phần \"{}\" chưa đính kèm bản điện tử; hãy đính kèm tệp rồi gửi lại.",
                name(&c.component)
            ),
        ));
    }
    if new.components.is_empty() {
        return Err(DomainError::rule(
            "incomplete_dossier",
            "Hồ sơ chưa đính kèm thành phần nào; hãy đính kèm bản điện tử các thành phần hồ sơ rồi gửi lại.",
        ));
    }
    let missing = missing_required(new);
    if !missing.is_empty() {
        return Err(DomainError::rule(
            "incomplete_dossier",
            format!(
                "Hồ sơ chưa đủ thành phần bắt buộc: {}. Hãy đính kèm rồi gửi lại.",
                missing.join("; ")
            ),
        ));
    }
    Ok(())
}

/// The procedure's required components the dossier lacks, by name.
fn missing_required(new: &NewDossier) -> Vec<&str> {
    new.procedure
        .components
        .iter()
        .filter(|def| def.required)
        .filter(|def| !new.components.iter().any(|c| c.component == def.id))
        .map(|def| def.name.as_str())
        .collect()
}

pub(super) fn receive_at_counter(
    new: NewDossier,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
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
            signed: None,
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

pub(super) fn receive_by_post(
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

pub(super) fn open(
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
    let components = checked_components(new)?;
    let fees = match &new.fee_exemption {
        Some(_) => Vec::new(),
        None => p
            .fees_for(channel)
            .filter_map(|f| fee_line(f, &components).transpose())
            .collect::<Result<_, _>>()?,
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
            result_kind: p.result.kind,
            result_template: p.result.template.clone(),
            components: p.components.clone(),
            fees_at_return: p.fees_at_return,
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
        fees_tracked: true,
        provenance: checked_provenance(new)?,
    })))
}

/// The provenance as recorded: each filled field is one the applicant has, named once, and its
/// source is one the dossier shows (a population-database field needs the lookup, an identity
/// field the signed-in identity).
fn checked_provenance(new: &NewDossier) -> Result<Provenance, DomainError> {
    let p = &new.provenance;
    let present = new.applicant.fields();
    let mut filled: Vec<Filled> = Vec::with_capacity(p.filled.len());
    for f in &p.filled {
        let backed = match f.source {
            DataSource::Identity => p.vneid,
            DataSource::Population => p.population.is_some(),
            DataSource::EarlierDossier => true,
        };
        if !backed || !present.contains(&f.field) {
            return Err(DomainError::invalid(
                "invalid_provenance",
                "Thông tin ghi là lấy từ dữ liệu không khớp với nguồn dữ liệu của hồ sơ.",
            ));
        }
        if !filled.iter().any(|g| g.field == f.field) {
            filled.push(*f);
        }
    }
    filled.sort();
    if let Some(l) = &p.population
        && (l.reference.trim().is_empty() || l.reference.len() > 100)
    {
        return Err(DomainError::invalid(
            "invalid_provenance",
            "Mã tra cứu Cơ sở dữ liệu quốc gia về dân cư không hợp lệ.",
        ));
    }
    Ok(Provenance {
        vneid: p.vneid,
        population: p.population.clone(),
        filled,
    })
}

/// What a fee charges this dossier: its amount, or for a per-page fee the pages and copies of
/// the component it counts (none when that component was not given on paper).
fn fee_line(
    fee: &crate::procedure::Fee,
    components: &[SubmittedComponent],
) -> Result<Option<FeeLine>, DomainError> {
    let Some(scale) = &fee.per_page else {
        return Ok(Some(FeeLine {
            name: fee.name.clone(),
            amount: fee.amount,
        }));
    };
    let Some(c) = components
        .iter()
        .find(|c| c.component == scale.component && !c.by_data)
    else {
        return Ok(None);
    };
    let pages = c.pages.ok_or_else(|| {
        DomainError::invalid(
            "missing_pages",
            format!(
                "Cần ghi số trang của \"{}\" để tính {}.",
                c.name,
                fee.name
                    .split(':')
                    .next()
                    .unwrap_or(&fee.name)
                    .to_lowercase()
            ),
        )
    })?;
    Ok(Some(FeeLine {
        name: format!(
            "{} — {pages} trang × {} bản",
            fee.name.split(':').next().unwrap_or(&fee.name),
            c.copies
        ),
        amount: scale.charge(fee.amount, pages, c.copies),
    }))
}

/// The submitted components, each one of the procedure's, named as the procedure names it;
/// one taken from data only when the procedure allows it, one on paper in at least one copy.
fn checked_components(new: &NewDossier) -> Result<Vec<SubmittedComponent>, DomainError> {
    let p = &new.procedure;
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
        if c.reused.is_some() && (c.by_data || c.files.is_empty()) {
            return Err(DomainError::invalid(
                "invalid_reuse",
                format!(
                    "\"{}\" lấy từ kho dữ liệu cần có tệp đã lưu của hồ sơ trước.",
                    def.name
                ),
            ));
        }
        if c.pages.is_some_and(|n| n == 0 || n > 10_000) {
            return Err(DomainError::invalid(
                "invalid_pages",
                format!("Số trang của \"{}\" phải từ 1 đến 10.000.", def.name),
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
    Ok(components)
}

/// ND 61 Art. 17(1): a dossier is received only when complete; otherwise the officer gives
/// one-time guidance with a supplement slip.
fn check_complete(new: &NewDossier) -> Result<(), DomainError> {
    let missing = missing_required(new);
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

impl Dossier {
    /// Applies an event of this phase.
    pub(super) fn apply_intake(&mut self, r: &Recorded) {
        let at = r.at;
        match &r.event {
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
            Event::Transferred { step } => {
                self.stage = Stage::InProgress;
                self.enter_step(step, at);
            }
            Event::TransferRecalled { step, .. } => {
                self.stage = Stage::Received;
                self.enter_step(step, at);
            }
            _ => {}
        }
    }
}
