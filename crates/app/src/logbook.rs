//! Sổ theo dõi hồ sơ (TT 01/2018 Art. 9, Mẫu 06) — the log book a one-stop unit keeps: one line
//! per dossier received in a period, in the order of reception, with when it went to the
//! deciding agency, when the result came back and when it was handed to the applicant.

use chrono::{DateTime, NaiveDate, Utc};
use domain::agency::AgencyId;
use domain::dossier::{Dossier, DossierId, Outcome, Stage};
use domain::officer::Actor;
use store::{Cursor, DossierFilter, Order};

use crate::Reports;
use crate::{AppError, ErrorKind};

/// The longest period a log book covers, in days (a year, so a download stays a file a
/// spreadsheet opens).
pub const MAX_DAYS: i64 = 366;

/// One line of the log book.
#[derive(Debug, Clone, PartialEq)]
pub struct LogBookLine {
    /// Số thứ tự in the book (1-based, in the order of reception).
    pub number: usize,
    pub id: DossierId,
    pub code: String,
    pub procedure: String,
    /// Số lượng hồ sơ (bộ): one set per dossier code.
    pub sets: u32,
    pub applicant: String,
    pub address: String,
    pub phone: String,
    /// Cơ quan chủ trì giải quyết.
    pub competent: String,
    pub received_at: Option<DateTime<Utc>>,
    /// Ngày hẹn trả kết quả (the new date after an apology, with the first one in `note`).
    pub appointment: Option<DateTime<Utc>>,
    /// Chuyển hồ sơ đến cơ quan giải quyết: the first step held by another unit than the
    /// receiving one.
    pub transferred_at: Option<DateTime<Utc>>,
    /// Nhận kết quả từ cơ quan giải quyết: the result ready at the counter.
    pub result_at: Option<DateTime<Utc>>,
    /// Trả kết quả cho tổ chức, cá nhân, and to whom.
    pub returned_at: Option<DateTime<Utc>>,
    pub returned_to: String,
    /// Ghi chú: refused, withdrawn, stopped, supplements, a new appointment, resolved late.
    pub note: String,
}

/// A page of the log book.
#[derive(Debug, Clone)]
pub struct LogBook {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The receiving unit (None: every unit the officer sees).
    pub receiving: Option<String>,
    pub lines: Vec<LogBookLine>,
    /// Lines in the whole book for the period.
    pub total: i64,
    /// Where the next page starts.
    pub next: Option<LogBookPage>,
}

/// Where a page of the log book starts: after a line (none: the first page), with the number
/// its first line takes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogBookPage {
    pub after: Option<Cursor>,
    pub first_line: u32,
}

impl LogBookPage {
    /// As a link carries it: `<first line>_<cursor>`.
    pub fn encode(&self) -> String {
        match &self.after {
            Some(c) => format!("{}_{}", self.first_line, c.encode()),
            None => String::new(),
        }
    }

    /// Reads what [`LogBookPage::encode`] wrote (empty: the first page).
    pub fn parse(text: &str) -> Result<LogBookPage, AppError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(LogBookPage::default());
        }
        text.split_once('_')
            .and_then(|(line, cursor)| {
                Some(LogBookPage {
                    first_line: line.parse().ok().filter(|n| *n >= 1)?,
                    after: Some(Cursor::parse(cursor).filter(|c| c.order == Order::ReceivedFirst)?),
                })
            })
            .ok_or_else(|| {
                AppError::invalid(
                    "invalid_cursor",
                    "Trang của sổ theo dõi không hợp lệ: dùng đường dẫn \"Trang sau\" của trang trước.",
                )
            })
    }
}

impl Reports<'_> {
    /// What every book an officer keeps checks: asked by an officer, for a period of at most
    /// `max_days` that does not end before it starts, of a unit they see (`book`: its name).
    pub(crate) fn check_book(
        &self,
        actor: &Actor,
        book: &str,
        from: NaiveDate,
        to: NaiveDate,
        max_days: i64,
        unit: Option<&AgencyId>,
    ) -> Result<(), AppError> {
        if !matches!(actor, Actor::Officer(_)) {
            return Err(AppError::new(
                ErrorKind::Forbidden,
                "forbidden",
                format!("Chỉ cán bộ được xem {book}."),
            ));
        }
        if to < from || (to - from).num_days() >= max_days {
            return Err(AppError::invalid(
                "invalid_period",
                format!(
                    "Kỳ của {book} phải có ngày đầu không sau ngày cuối và dài tối đa {max_days} ngày."
                ),
            ));
        }
        let visible = self.app.queries().visible_agencies(actor);
        if let Some(r) = unit
            && !visible.iter().any(|v| v == r.as_str())
        {
            return Err(AppError::new(
                ErrorKind::Forbidden,
                "forbidden",
                "Đơn vị này ngoài phạm vi được xem.",
            ));
        }
        Ok(())
    }

    /// The log book of `receiving` (or every unit the officer sees) for `[from, to]`: `limit`
    /// lines from `page`, or (no `limit`) every line from there.
    pub async fn log_book(
        self,
        actor: &Actor,
        from: NaiveDate,
        to: NaiveDate,
        receiving: Option<&AgencyId>,
        page: LogBookPage,
        limit: Option<u32>,
    ) -> Result<LogBook, AppError> {
        self.check_book(actor, "sổ theo dõi hồ sơ", from, to, MAX_DAYS, receiving)?;
        let start = lich::time::vn_day_start;
        let page_size = limit.unwrap_or(500);
        let mut filter = DossierFilter {
            visible: self.app.visibility(actor),
            receiving: receiving.map(ToString::to_string),
            received_from: Some(start(from)),
            received_to: Some(start(to + chrono::Duration::days(1))),
            order: Order::ReceivedFirst,
            limit: page_size,
            after: page.after,
            ..DossierFilter::default()
        };
        let total = self.app.db.count_dossiers(&filter).await?;
        let tree = self.app.agencies();
        let name = |a: &AgencyId| tree.name_of(a);
        let mut lines = Vec::new();
        let first = page.first_line.max(1) as usize;
        let next = loop {
            let page = self.app.db.list_dossiers(&filter).await?;
            let ids: Vec<uuid::Uuid> = page.rows.iter().map(|r| r.id).collect();
            for d in self.app.db.dossiers(&ids).await? {
                let late = d
                    .timing(
                        &self.app.calendar_of(&d.receiving),
                        &self.app.settings.rules,
                        self.app.now(),
                    )?
                    .tt01
                    == Some(lich::Timeliness::Late);
                lines.push(line(&d, first + lines.len(), late, &name));
            }
            match page.next {
                Some(cursor) if limit.is_none() => filter.after = Some(cursor),
                next => {
                    break next.map(|c| LogBookPage {
                        after: Some(c),
                        first_line: (first + lines.len()) as u32,
                    });
                }
            }
        };
        Ok(LogBook {
            from,
            to,
            receiving: receiving.map(name),
            lines,
            total,
            next,
        })
    }
}

/// One line; `late`: resolved after its legal due (TT 01/2018), which the note says.
fn line(d: &Dossier, number: usize, late: bool, name: &dyn Fn(&AgencyId) -> String) -> LogBookLine {
    let when = |t: DateTime<Utc>| lich::time::to_vn(&t).format("%d/%m/%Y").to_string();
    let mut note = Vec::new();
    if d.decision
        .as_ref()
        .is_some_and(|x| x.outcome == Outcome::Refused)
    {
        note.push("Từ chối giải quyết".to_string());
    }
    match (d.stage, d.withdrawal.is_some()) {
        (Stage::WithdrawalRequested, _) => note.push("Người nộp xin rút hồ sơ".to_string()),
        (Stage::Stopped, true) => note.push("Rút hồ sơ theo yêu cầu".to_string()),
        (Stage::Stopped, false) => note.push("Dừng xử lý".to_string()),
        _ => {}
    }
    if !d.supplements.is_empty() {
        note.push(format!("Yêu cầu bổ sung {} lần", d.supplements.len()));
    }
    if let (Some(first), Some(now)) = (d.original_appointment, d.appointment)
        && first != now
    {
        note.push(format!("Hẹn lại (hẹn đầu {})", when(first)));
    }
    if late {
        note.push("Giải quyết quá hạn".to_string());
    }
    LogBookLine {
        number,
        id: d.id,
        code: d.code.to_string(),
        procedure: d.procedure.name.clone(),
        sets: 1,
        applicant: d.applicant.display_name().to_string(),
        address: d.applicant.address().text.clone(),
        phone: d
            .applicant
            .phone()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default(),
        competent: name(&d.competent),
        received_at: d.received_at,
        appointment: d.appointment,
        transferred_at: d
            .steps
            .iter()
            .find(|s| s.unit != d.receiving)
            .map(|s| s.started_at),
        result_at: d.result_ready_at,
        returned_at: d.returned.as_ref().map(|r| r.at),
        returned_to: d
            .returned
            .as_ref()
            .map(|r| r.received_by.clone())
            .unwrap_or_default(),
        note: note.join("; "),
    }
}
