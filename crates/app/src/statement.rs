//! Đối soát sao kê — matching the collecting account's bank statement with the dossiers that
//! owe fees: a citizen who paid by transfer (the VietQR code puts the dossier's code in the
//! description) is recorded as paid when an officer imports the statement. A credit line is
//! recorded when its description names exactly one dossier of the officer's that still owes
//! exactly that amount; its bank reference becomes the payment's, so importing the same
//! statement again records nothing twice. Every other line is an exception, listed with why,
//! for the officer to settle by hand.

use std::collections::{BTreeSet, HashMap};

use chrono::Duration;
use domain::dossier::{Command, DossierId, PaymentMethod};
use domain::officer::Actor;
use store::DossierFilter;

use crate::{App, AppError};

/// Which columns of the bank's CSV export hold what (`[payments.statement]`): the bank's own
/// header names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementColumns {
    /// Ngày giao dịch.
    pub date: String,
    /// Số tiền ghi có (credits; a debit line leaves it empty or zero).
    pub amount: String,
    /// Nội dung chuyển khoản.
    pub description: String,
    /// Số tham chiếu, mã giao dịch của ngân hàng.
    pub reference: String,
    /// The field separator (`,` or `;`).
    pub delimiter: u8,
}

impl Default for StatementColumns {
    fn default() -> Self {
        Self {
            date: "Ngày giao dịch".into(),
            amount: "Số tiền ghi có".into(),
            description: "Nội dung".into(),
            reference: "Mã giao dịch".into(),
            delimiter: b',',
        }
    }
}

/// The most lines one statement may hold.
pub const MAX_LINES: usize = 20_000;

/// One credit line of a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementLine {
    /// Its line in the file (the header is line 1).
    pub line: usize,
    pub date: String,
    pub amount: i64,
    pub description: String,
    pub reference: String,
}

/// What became of a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineOutcome {
    /// Recorded as a transfer on this dossier now.
    Recorded { code: String },
    /// Recorded before (the same bank reference is on this dossier).
    AlreadyRecorded { code: String },
    /// Left for an officer, with why (and the dossier, when one was found).
    Exception { code: Option<String>, why: String },
}

/// A line and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineResult {
    pub line: StatementLine,
    pub outcome: LineOutcome,
}

/// Kết quả đối soát.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconciliation {
    pub lines: Vec<LineResult>,
    /// Lines that were not credits (debits, zero), skipped.
    pub skipped: usize,
}

impl Reconciliation {
    pub fn recorded(&self) -> usize {
        self.count(|o| matches!(o, LineOutcome::Recorded { .. }))
    }

    pub fn already(&self) -> usize {
        self.count(|o| matches!(o, LineOutcome::AlreadyRecorded { .. }))
    }

    pub fn exceptions(&self) -> usize {
        self.count(|o| matches!(o, LineOutcome::Exception { .. }))
    }

    fn count(&self, f: impl Fn(&LineOutcome) -> bool) -> usize {
        self.lines.iter().filter(|l| f(&l.outcome)).count()
    }
}

fn invalid(message: String) -> AppError {
    AppError::invalid("invalid_statement", message)
}

/// Reads the credit lines of a statement; a file that cannot be read, or lacks a column, is
/// refused whole (the message says which line or column).
pub fn read_statement(
    text: &str,
    columns: &StatementColumns,
) -> Result<(Vec<StatementLine>, usize), AppError> {
    let mut reader = crate::sheet::reader(text, columns.delimiter);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| {
            invalid(format!(
                "Không đọc được dòng tiêu đề của tệp sao kê: {}.",
                crate::sheet::problem(&e)
            ))
        })?
        .iter()
        .map(vntext::clean)
        .collect();
    let at = |name: &str| {
        header.iter().position(|h| h == name).ok_or_else(|| {
            invalid(format!(
                "Tệp sao kê thiếu cột \"{name}\" (các cột cần có: \"{}\", \"{}\", \"{}\", \"{}\"; đặt tên cột theo tệp của ngân hàng trong [payments.statement]).",
                columns.date, columns.amount, columns.description, columns.reference
            ))
        })
    };
    let (date, amount, description, reference) = (
        at(&columns.date)?,
        at(&columns.amount)?,
        at(&columns.description)?,
        at(&columns.reference)?,
    );
    let mut lines = Vec::new();
    let mut skipped = 0;
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| {
            invalid(format!(
                "Dòng {line} của tệp sao kê không đọc được: {}.",
                crate::sheet::problem(&e)
            ))
        })?;
        if lines.len() + skipped >= MAX_LINES {
            return Err(invalid(format!(
                "Tệp sao kê có hơn {MAX_LINES} dòng: chia thành nhiều tệp."
            )));
        }
        let cell = |i: usize| vntext::clean(record.get(i).unwrap_or_default());
        let amount_text = cell(amount);
        // A debit line leaves the credit empty or zero ("0", "0,00", "0 đ"…).
        let value = match amount_text.as_str() {
            "" => 0,
            text => vntext::money::parse(text).ok_or_else(|| {
                invalid(format!(
                    "Dòng {line}: số tiền \"{}\" không hợp lệ.",
                    domain::error::shorten(text)
                ))
            })?,
        };
        if value == 0 {
            skipped += 1;
            continue;
        }
        lines.push(StatementLine {
            line,
            date: cell(date).chars().take(40).collect(),
            amount: value,
            description: cell(description).chars().take(500).collect(),
            reference: cell(reference).chars().take(100).collect(),
        });
    }
    Ok((lines, skipped))
}

fn money(n: i64) -> String {
    format!("{} đồng", vntext::money::figures(n))
}

/// Letters and digits only, upper case: how a code is looked for in a description (banks drop
/// or change punctuation).
fn squeeze(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

impl App {
    /// Imports a statement of the collecting account (CSV, columns as configured) as `actor`
    /// (who must be allowed to collect fees on the dossiers it names), recording the
    /// transfers it can match and listing the rest.
    pub async fn reconcile_statement(
        &self,
        actor: &Actor,
        text: &str,
    ) -> Result<Reconciliation, AppError> {
        let (lines, skipped) = read_statement(text, &self.settings().statement_columns)?;
        let payable = self.payable_dossiers(actor).await?;
        let mut out = Reconciliation {
            lines: Vec::with_capacity(lines.len()),
            skipped,
        };
        for line in lines {
            let outcome = self.match_line(actor, &line, &payable).await?;
            out.lines.push(LineResult { line, outcome });
        }
        tracing::info!(
            recorded = out.recorded(),
            already = out.already(),
            exceptions = out.exceptions(),
            "statement reconciled"
        );
        Ok(out)
    }

    async fn match_line(
        &self,
        actor: &Actor,
        line: &StatementLine,
        payable: &Payable,
    ) -> Result<LineOutcome, AppError> {
        let exception = |code: Option<String>, why: String| LineOutcome::Exception { code, why };
        let found = payable.named_in(&line.description);
        let id = match found.len() {
            0 => {
                return Ok(exception(
                    None,
                    "Nội dung chuyển khoản không có mã hồ sơ nào đang còn phải nộp phí mà ông/bà được thu.".into(),
                ));
            }
            1 => *found.first().expect("one"),
            _ => {
                return Ok(exception(
                    None,
                    "Nội dung chuyển khoản có mã của nhiều hồ sơ: cần tách khoản tiền bằng tay."
                        .into(),
                ));
            }
        };
        let d = self.stored_dossier(id).await?;
        let code = d.code.to_string();
        if line.reference.is_empty() {
            return Ok(exception(
                Some(code),
                "Dòng sao kê không có mã giao dịch của ngân hàng, nên không ghi tự động được (tránh ghi hai lần).".into(),
            ));
        }
        if d.payments
            .iter()
            .any(|p| p.reference.as_deref() == Some(line.reference.as_str()))
        {
            return Ok(LineOutcome::AlreadyRecorded { code });
        }
        let owed = d.fees_outstanding();
        if line.amount != owed {
            return Ok(exception(
                Some(code),
                format!(
                    "Số tiền chuyển {} khác số còn phải nộp {}.",
                    money(line.amount),
                    money(owed)
                ),
            ));
        }
        let command = Command::RecordPayment {
            amount: line.amount,
            method: PaymentMethod::BankTransfer,
            reference: Some(line.reference.clone()),
            payer: None,
        };
        Ok(match self.handling().act(actor, id, None, command).await {
            Ok(_) => LineOutcome::Recorded { code },
            Err(e) if e.code == "payment_recorded" => LineOutcome::AlreadyRecorded { code },
            Err(e) => exception(Some(code), e.message),
        })
    }

    /// The dossiers a statement line may name, among those `actor` sees: being handled or
    /// finished and not yet returned, or returned in the last 120 days (so that a second import
    /// finds what the first recorded). Only their list rows are read — a line's dossier is
    /// loaded when a line names it — and, for online submissions, their provisional reference
    /// (the VietQR code of a submission not yet received carries it).
    async fn payable_dossiers(&self, actor: &Actor) -> Result<Payable, AppError> {
        let visible = self.visibility(actor);
        let now = self.now();
        let lists = [
            DossierFilter {
                visible: visible.clone(),
                national_status: vec![1, 2, 4, 5, 6, 9],
                limit: 500,
                ..Default::default()
            },
            DossierFilter {
                visible,
                national_status: vec![10],
                received_from: Some(now - Duration::days(120)),
                limit: 500,
                ..Default::default()
            },
        ];
        let mut payable = Payable::default();
        let mut online = Vec::new();
        for mut filter in lists {
            loop {
                let page = self.db.list_dossiers(&filter).await?;
                for r in &page.rows {
                    payable.add(&r.code, DossierId(r.id));
                    if r.channel == 2 {
                        online.push(r.id);
                    }
                }
                match page.next {
                    Some(next) if payable.by_key.len() < MAX_PAYABLE => filter.after = Some(next),
                    _ => break,
                }
            }
        }
        for chunk in online.chunks(500) {
            for d in self.db.dossiers(chunk).await? {
                if let Some(p) = &d.provisional_code {
                    payable.add(p.as_str(), d.id);
                }
            }
        }
        Ok(payable)
    }
}

/// The most dossiers a statement is matched against (their codes only: a few megabytes).
const MAX_PAYABLE: usize = 200_000;

/// Dossiers by their code (or provisional reference) squeezed, and the lengths of those keys.
#[derive(Default)]
struct Payable {
    by_key: HashMap<String, DossierId>,
    lengths: BTreeSet<usize>,
}

impl Payable {
    fn add(&mut self, code: &str, id: DossierId) {
        let key = squeeze(code);
        self.lengths.insert(key.len());
        self.by_key.insert(key, id);
    }

    /// The dossiers whose code a description contains (punctuation aside): each window of each
    /// key length looked up, so the cost is the description's, not the number of dossiers.
    fn named_in(&self, description: &str) -> BTreeSet<DossierId> {
        let text = squeeze(description);
        let mut found = BTreeSet::new();
        for &n in &self.lengths {
            for start in 0..(text.len() + 1).saturating_sub(n) {
                if let Some(id) = self.by_key.get(&text[start..start + n]) {
                    found.insert(*id);
                }
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_description_names_the_dossiers_whose_code_it_contains_whatever_the_punctuation() {
        let id = |n: u128| DossierId(uuid::Uuid::from_u128(n));
        let mut p = Payable::default();
        p.add("000.01.61.H38-261014-0003", id(1));
        p.add("000.01.61.H38-261014-0030", id(2));
        p.add("000.00.22.H38-20261207-T000123", id(3));
        p.add("G09.20-20260609-0092637", id(4));
        let named = |text: &str| p.named_in(text).into_iter().collect::<Vec<_>>();
        assert_eq!(named("CK 000 01 61 H38 261014 0003 NOP PHI"), [id(1)]);
        assert_eq!(named("0000161h382610140030"), [id(2)]);
        assert_eq!(named("nop phi 0000022H3820261207T000123."), [id(3)]);
        assert_eq!(named("G09.20-20260609-0092637"), [id(4)]);
        assert_eq!(
            named("000.01.61.H38-261014-0003 va 000.01.61.H38-261014-0030"),
            [id(1), id(2)]
        );
        assert!(
            named("000.01.61.H38-261014-000").is_empty(),
            "a code cut short"
        );
        assert!(named("").is_empty() && named("Đ").is_empty());
    }

    #[test]
    fn a_statement_is_read_by_its_columns_and_debits_are_skipped() {
        let text = "\u{feff}Ngày giao dịch,Mã giao dịch,Nội dung,Số tiền ghi nợ,Số tiền ghi có\n\
                    05/12/2026,FT001,NGUYEN VAN A CK 000.01.61.H38-261207-0001,,\"5,000\"\n\
                    05/12/2026,FT002,PHI DICH VU,\"11,000\",\n\
                    05/12/2026,FT003,ck 0000161H38261207T000001,,\"5.000,00\"\n\
                    05/12/2026,FT004,PHI,\"1,000\",0 đ\n\
                    05/12/2026,FT005,PHI,\"1,000\",\"0,00\"\n";
        let (lines, skipped) = read_statement(text, &StatementColumns::default()).unwrap();
        // Found by fuzzing: "0 đ" was taken as a credit of 0 đồng.
        assert_eq!(skipped, 3);
        assert_eq!(lines.len(), 2);
        assert_eq!((lines[0].line, lines[0].amount), (2, 5_000));
        assert_eq!(lines[0].reference, "FT001");
        assert_eq!((lines[1].line, lines[1].amount), (4, 5_000));
        assert_eq!(squeeze(&lines[1].description), "CK0000161H38261207T000001");
        let bad = read_statement("Ngày,Nội dung\n", &StatementColumns::default()).unwrap_err();
        assert!(
            bad.message.contains("thiếu cột \"Ngày giao dịch\""),
            "{}",
            bad.message
        );
        let bad = read_statement(
            "Ngày giao dịch,Mã giao dịch,Nội dung,Số tiền ghi có\n1,2,3,năm nghìn\n",
            &StatementColumns::default(),
        )
        .unwrap_err();
        assert!(
            bad.message.starts_with("Dòng 2: số tiền"),
            "{}",
            bad.message
        );
    }
}
