//! Sổ thu phí, lệ phí — what the one-stop units collected in a period, read from the dossiers'
//! money events: every payment, refund and waiver with its receipt; totals per collecting unit,
//! per procedure (its fee) and per way of paying; and, for one day, one unit and cash, the
//! counter's hand-over list (bảng kê nộp tiền mặt) an officer prints and signs with the
//! accountant.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use domain::agency::AgencyId;
use domain::dossier::{DossierId, Event, PaymentMethod};
use domain::officer::{Actor, ActorKind};
use store::MoneyEvent;

use crate::{AppError, Reports};

/// The longest period a fee book covers, in days.
pub const MAX_DAYS: i64 = 366;

/// The most lines a fee book holds (a year of a busy district is far fewer); a period with more
/// is refused with a message to shorten it, never cut silently.
pub const MAX_LINES: u32 = 50_000;

/// Loại giao dịch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Movement {
    /// Thu: money paid.
    Paid,
    /// Hoàn trả: money given back.
    Refunded,
    /// Miễn, giảm: owed no longer, no money moved.
    Waived,
}

impl Movement {
    pub fn label(self) -> &'static str {
        match self {
            Movement::Paid => "Thu",
            Movement::Refunded => "Hoàn trả",
            Movement::Waived => "Miễn, giảm",
        }
    }
}

/// One line of the book.
#[derive(Debug, Clone, PartialEq)]
pub struct FeeBookLine {
    pub at: DateTime<Utc>,
    pub dossier: DossierId,
    pub code: String,
    pub procedure: String,
    /// The collecting unit (the dossier's one-stop unit).
    pub receiving: String,
    pub movement: Movement,
    /// How it was paid (payments only).
    pub method: Option<PaymentMethod>,
    pub amount: i64,
    /// The bank's, gateway's or postal bill's reference.
    pub reference: String,
    /// The electronic receipt issued with the payment: "series number" (e.g. "BT-26E 0000012").
    pub receipt: String,
    /// Người nộp tiền; or the reason of a refund or a waiver.
    pub payer_or_reason: String,
    /// Who recorded it (the system for a gateway's confirmation).
    pub recorded_by: String,
    pub recorded_by_id: Option<String>,
}

/// Totals of a set of lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeeTotals {
    /// Paid, by way of paying in the order of [`PaymentMethod::ALL`].
    pub paid_by: [i64; 4],
    /// Number of payments, by way of paying.
    pub payments_by: [i64; 4],
    pub refunded: i64,
    pub waived: i64,
    /// Dossiers with a payment in the period.
    pub dossiers: i64,
    pub receipts_issued: i64,
    pub receipts_cancelled: i64,
}

impl FeeTotals {
    pub fn paid(&self) -> i64 {
        self.paid_by.iter().sum()
    }

    pub fn payments(&self) -> i64 {
        self.payments_by.iter().sum()
    }

    /// What the unit holds from the period: paid less refunded.
    pub fn net(&self) -> i64 {
        self.paid() - self.refunded
    }

    pub fn paid_with(&self, method: PaymentMethod) -> i64 {
        self.paid_by[method_index(method)]
    }

    pub fn payments_with(&self, method: PaymentMethod) -> i64 {
        self.payments_by[method_index(method)]
    }
}

fn method_index(m: PaymentMethod) -> usize {
    PaymentMethod::ALL
        .iter()
        .position(|x| *x == m)
        .expect("every method is listed")
}

/// What a fee book is asked for.
#[derive(Debug, Clone, Default)]
pub struct FeeBookQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// One collecting unit (None: every unit the officer sees).
    pub receiving: Option<AgencyId>,
    /// One way of paying (the cash book: cash); refunds and waivers are kept with it.
    pub method: Option<PaymentMethod>,
    /// One officer's lines (the cash they hand over), by id.
    pub officer: Option<String>,
}

/// The fee book of a period.
#[derive(Debug, Clone)]
pub struct FeeBook {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The collecting unit's name, when one was asked for.
    pub receiving: Option<String>,
    pub method: Option<PaymentMethod>,
    /// The officer's name, when one was asked for.
    pub officer: Option<String>,
    pub lines: Vec<FeeBookLine>,
    /// Per collecting unit (name), in name order.
    pub by_unit: Vec<(String, FeeTotals)>,
    /// Per procedure (its name: the fee it charges), in name order.
    pub by_procedure: Vec<(String, FeeTotals)>,
    pub total: FeeTotals,
}

impl Reports<'_> {
    /// The fee book `q` asks for, over the dossiers the officer may see.
    pub async fn fee_book(self, actor: &Actor, q: &FeeBookQuery) -> Result<FeeBook, AppError> {
        self.check_book(
            actor,
            "sổ thu phí, lệ phí",
            q.from,
            q.to,
            MAX_DAYS,
            q.receiving.as_ref(),
        )?;
        let tree = self.app.agencies();
        let start = lich::time::vn_day_start;
        let events = self
            .app
            .db
            .money_events(
                &self.app.visibility(actor),
                q.receiving.as_ref().map(AgencyId::as_str),
                start(q.from),
                start(q.to + chrono::Duration::days(1)),
                MAX_LINES + 1,
            )
            .await?;
        if events.len() > MAX_LINES as usize {
            return Err(AppError::invalid(
                "period_too_large",
                format!("Kỳ này có hơn {MAX_LINES} giao dịch: chọn kỳ ngắn hơn hoặc một đơn vị."),
            ));
        }
        let name_of = |id: &str| {
            AgencyId::parse(id)
                .map(|a| tree.name_of(&a))
                .unwrap_or_else(|_| id.to_string())
        };
        let (mut book, mut loose) = read_lines(&events, &name_of);
        let by_officer =
            |id: &Option<String>| q.officer.as_ref().is_none_or(|o| id.as_ref() == Some(o));
        book.retain(|(l, _)| {
            by_officer(&l.recorded_by_id)
                && q.method.is_none_or(|m| l.method.is_none_or(|lm| lm == m))
        });
        loose.retain(|r| by_officer(&r.recorded_by_id));
        let officer = match &q.officer {
            None => None,
            Some(o) => {
                let unknown = || AppError::not_found("officer_not_found", "Không có cán bộ này.");
                let id = uuid::Uuid::try_parse(o).map_err(|_| unknown())?;
                let found = self
                    .app
                    .db
                    .officer(domain::officer::OfficerId(id))
                    .await?
                    .ok_or_else(unknown)?;
                Some(found.full_name.to_string())
            }
        };
        let mut by_unit: BTreeMap<String, Tally> = BTreeMap::new();
        let mut by_procedure: BTreeMap<String, Tally> = BTreeMap::new();
        let mut total = Tally::default();
        for (line, receipts) in &book {
            for t in [
                by_unit.entry(line.receiving.clone()).or_default(),
                by_procedure.entry(line.procedure.clone()).or_default(),
                &mut total,
            ] {
                t.add(line, receipts);
            }
        }
        for r in &loose {
            for t in [
                by_unit.entry(r.receiving.clone()).or_default(),
                by_procedure.entry(r.procedure.clone()).or_default(),
                &mut total,
            ] {
                t.receipts(&r.moves);
            }
        }
        Ok(FeeBook {
            from: q.from,
            to: q.to,
            receiving: q.receiving.as_ref().map(|r| tree.name_of(r)),
            method: q.method,
            officer,
            lines: book.into_iter().map(|(l, _)| l).collect(),
            by_unit: by_unit.into_iter().map(|(k, t)| (k, t.done())).collect(),
            by_procedure: by_procedure
                .into_iter()
                .map(|(k, t)| (k, t.done()))
                .collect(),
            total: total.done(),
        })
    }
}

/// Receipts issued and cancelled that a line carries into the totals.
#[derive(Debug, Default, Clone, Copy)]
struct ReceiptMoves {
    issued: i64,
    cancelled: i64,
}

/// Totals being summed, with the dossiers seen.
#[derive(Default)]
struct Tally {
    totals: FeeTotals,
    dossiers: std::collections::HashSet<DossierId>,
}

impl Tally {
    fn add(&mut self, l: &FeeBookLine, r: &ReceiptMoves) {
        let t = &mut self.totals;
        match (l.movement, l.method) {
            (Movement::Paid, Some(m)) => {
                t.paid_by[method_index(m)] += l.amount;
                t.payments_by[method_index(m)] += 1;
                self.dossiers.insert(l.dossier);
            }
            (Movement::Refunded, _) => t.refunded += l.amount,
            (Movement::Waived, _) => t.waived += l.amount,
            (Movement::Paid, None) => {}
        }
        self.receipts(r);
    }

    fn receipts(&mut self, r: &ReceiptMoves) {
        self.totals.receipts_issued += r.issued;
        self.totals.receipts_cancelled += r.cancelled;
    }

    fn done(self) -> FeeTotals {
        FeeTotals {
            dossiers: self.dossiers.len() as i64,
            ..self.totals
        }
    }
}

/// A receipt replaced or cancelled apart from its payment: counted in the totals, not a money
/// line.
struct LooseReceipt {
    receiving: String,
    procedure: String,
    recorded_by_id: Option<String>,
    moves: ReceiptMoves,
}

/// The lines of the money events, in their order, each payment with the receipt issued in the
/// same change; and the receipts replaced or cancelled on their own.
fn read_lines(
    events: &[MoneyEvent],
    name_of: &dyn Fn(&str) -> String,
) -> (Vec<(FeeBookLine, ReceiptMoves)>, Vec<LooseReceipt>) {
    let mut out: Vec<(FeeBookLine, ReceiptMoves)> = Vec::new();
    let mut loose = Vec::new();
    for e in events {
        let r = &e.recorded;
        let line = |movement, method, amount, reference: &Option<String>, who: &str| FeeBookLine {
            at: r.at,
            dossier: e.dossier,
            code: e.code.clone(),
            procedure: e.procedure_name.clone(),
            receiving: name_of(&e.receiving),
            movement,
            method,
            amount,
            reference: reference.clone().unwrap_or_default(),
            receipt: String::new(),
            payer_or_reason: who.to_string(),
            recorded_by: match r.actor.kind {
                ActorKind::System => "Hệ thống (cổng thanh toán)".to_string(),
                _ => r.actor.name.clone(),
            },
            recorded_by_id: r.actor.id.clone(),
        };
        let mut apart = |issued, cancelled| {
            loose.push(LooseReceipt {
                receiving: name_of(&e.receiving),
                procedure: e.procedure_name.clone(),
                recorded_by_id: r.actor.id.clone(),
                moves: ReceiptMoves { issued, cancelled },
            })
        };
        match &r.event {
            Event::FeePaid {
                amount,
                method,
                reference,
                payer,
            } => out.push((
                line(Movement::Paid, Some(*method), *amount, reference, payer),
                ReceiptMoves::default(),
            )),
            Event::FeeRefunded { amount, reason } => out.push((
                line(Movement::Refunded, None, *amount, &None, reason),
                ReceiptMoves::default(),
            )),
            Event::FeeWaived { amount, reason } => out.push((
                line(Movement::Waived, None, *amount, &None, reason),
                ReceiptMoves::default(),
            )),
            Event::ReceiptIssued(receipt) => match out.last_mut() {
                // The payment it was issued with is the line just before: same dossier and
                // instant, no receipt yet.
                Some((l, m))
                    if receipt.replaces.is_none()
                        && l.dossier == e.dossier
                        && l.at == r.at
                        && l.movement == Movement::Paid
                        && l.receipt.is_empty() =>
                {
                    l.receipt = format!("{} {:07}", receipt.series, receipt.number);
                    m.issued += 1;
                }
                _ => apart(1, 0),
            },
            Event::ReceiptCancelled { .. } => apart(0, 1),
            _ => {}
        }
    }
    (out, loose)
}
