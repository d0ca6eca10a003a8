//! Phản ánh, kiến nghị (PAKN) — feedback and petitions about a procedure's rules, a dossier, or
//! an officer's conduct, handled as a life of its own: received, classified, refused (with a
//! reason), asked for more information, transferred to the competent agency, assigned, answered,
//! approved and published; the petitioner rates the answer. Its limits are the QĐ 766 formula
//! document's (vn-framework §5.2, group 5), counted in working days of the handling agency's
//! calendar; time waiting for the petitioner's information is not charged to the agency.
//!
//! The figures of the index follow from the states: 5.1 (by category), 5.2 (handled on time),
//! 5.3 (satisfied), and TT 01/2018 index 8 per unit.

use chrono::{DateTime, FixedOffset, Utc};
use lich::{DeadlineRules, Limit, Pause, Unit, WorkCalendar};
use serde::{Deserialize, Serialize};

use crate::agency::AgencyId;
use crate::error::DomainError;

/// Phân loại PAKN (QĐ 766 item 5.1; ND 20/2008): about an administrative rule, or about how an
/// officer or agency behaved applying it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Quy định hành chính: a procedure's rules, forms, fees or time limits.
    Rules,
    /// Hành vi hành chính: an officer's or agency's conduct (delay, harassment, extra demands).
    Conduct,
}

impl Category {
    pub fn label(self) -> &'static str {
        match self {
            Category::Rules => "Quy định hành chính",
            Category::Conduct => "Hành vi hành chính của cán bộ, cơ quan",
        }
    }
}

/// Thời hạn xử lý PAKN, in working days (the formula document's; a province may set others in
/// `[feedback]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeedbackRules {
    /// Từ chối tiếp nhận: within this many working days of its receipt (2).
    pub refuse: u32,
    /// Đề nghị bổ sung thông tin: within this many of its receipt or transfer (5).
    pub ask: u32,
    /// Xử lý (reach "awaiting publication"): within this many of its receipt or its last
    /// transfer (15).
    pub handle: u32,
    /// Công khai: within this many of the answer's approval (2).
    pub publish: u32,
}

impl FeedbackRules {
    /// Each limit between 1 and 60 working days.
    pub fn checked(self) -> Result<Self, DomainError> {
        for (name, v) in [
            ("refuse", self.refuse),
            ("ask", self.ask),
            ("handle", self.handle),
            ("publish", self.publish),
        ] {
            if !(1..=60).contains(&v) {
                return Err(DomainError::invalid(
                    "invalid_feedback_rules",
                    format!("feedback.{name} = {v}: thời hạn từ 1 đến 60 ngày làm việc."),
                ));
            }
        }
        Ok(self)
    }
}

impl Default for FeedbackRules {
    fn default() -> Self {
        Self {
            refuse: 2,
            ask: 5,
            handle: 15,
            publish: 2,
        }
    }
}

/// Where a feedback stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FeedbackStage {
    /// Đã tiếp nhận, chưa phân loại.
    Received,
    /// Đã phân loại, đang xử lý.
    Handling,
    /// Chờ người phản ánh bổ sung thông tin.
    WaitingInformation,
    /// Đã có dự thảo trả lời.
    Drafted,
    /// Chờ công khai: the answer is approved (handled, as 5.2 counts it).
    AwaitingPublication,
    /// Đã công khai.
    Published,
    /// Từ chối tiếp nhận.
    Refused,
}

impl FeedbackStage {
    pub fn label(self) -> &'static str {
        match self {
            FeedbackStage::Received => "Mới tiếp nhận",
            FeedbackStage::Handling => "Đang xử lý",
            FeedbackStage::WaitingInformation => "Chờ bổ sung thông tin",
            FeedbackStage::Drafted => "Đã dự thảo trả lời",
            FeedbackStage::AwaitingPublication => "Chờ công khai",
            FeedbackStage::Published => "Đã công khai",
            FeedbackStage::Refused => "Từ chối tiếp nhận",
        }
    }
}

/// What happened to a feedback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FeedbackEvent {
    /// Tiếp nhận, by the agency first responsible; `repeat_of`: an earlier feedback of the same
    /// petitioner on the same matter (a repeat complaint).
    Received {
        agency: AgencyId,
        repeat_of: Option<uuid::Uuid>,
    },
    Classified {
        category: Category,
    },
    /// Phân công: the officer who prepares the answer (their id and name).
    Assigned {
        officer: String,
        name: String,
    },
    Refused {
        reason: String,
    },
    InformationRequested {
        question: String,
    },
    InformationGiven {
        answer: String,
    },
    /// Chuyển cơ quan có thẩm quyền: the handling limit starts again from the transfer.
    Transferred {
        to: AgencyId,
        reason: String,
    },
    AnswerDrafted {
        answer: String,
    },
    Approved,
    Published,
    /// Đánh giá câu trả lời: hài lòng (like) or không hài lòng.
    Rated {
        satisfied: bool,
    },
}

impl FeedbackEvent {
    /// What it does, as a sentence's verb ("công khai câu trả lời").
    pub fn label(&self) -> &'static str {
        match self {
            FeedbackEvent::Received { .. } => "tiếp nhận",
            FeedbackEvent::Classified { .. } => "phân loại",
            FeedbackEvent::Assigned { .. } => "phân công",
            FeedbackEvent::Refused { .. } => "từ chối tiếp nhận",
            FeedbackEvent::InformationRequested { .. } => "đề nghị bổ sung thông tin",
            FeedbackEvent::InformationGiven { .. } => "bổ sung thông tin",
            FeedbackEvent::Transferred { .. } => "chuyển cơ quan có thẩm quyền",
            FeedbackEvent::AnswerDrafted { .. } => "dự thảo trả lời",
            FeedbackEvent::Approved => "duyệt câu trả lời",
            FeedbackEvent::Published => "công khai câu trả lời",
            FeedbackEvent::Rated { .. } => "đánh giá câu trả lời",
        }
    }
}

/// A feedback's life as the index reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feedback {
    pub agency: AgencyId,
    pub stage: FeedbackStage,
    pub category: Option<Category>,
    pub received_at: DateTime<Utc>,
    /// Receipt, then each transfer: where the limits run from (the last one for handling).
    pub starts: Vec<DateTime<Utc>>,
    /// Chờ bổ sung thông tin: from the request to the answer (open while waiting).
    pub waits: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)>,
    pub refused_at: Option<DateTime<Utc>>,
    pub asked_at: Vec<DateTime<Utc>>,
    pub approved_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    pub answer: Option<String>,
    pub likes: u32,
    pub dislikes: u32,
    pub repeat_of: Option<uuid::Uuid>,
    pub transfers: u32,
    /// Người được phân công: id and name.
    #[serde(default)]
    pub assignee: Option<(String, String)>,
}

/// How a feedback stands against its limits at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Ended (refused, or its answer approved and, where due, published) on time or not.
    Ended { at: DateTime<Utc>, on_time: bool },
    /// Still open: within its limits, or past one (kéo dài).
    Open { within: bool },
}

fn bad(code: &'static str, message: &str) -> DomainError {
    DomainError::rule(code, message.to_string())
}

fn text(what: &str, value: &str) -> Result<String, DomainError> {
    let v = vntext::clean(value);
    if v.is_empty() || v.chars().count() > 4000 {
        return Err(DomainError::invalid(
            "invalid_text",
            format!("{what}: cần nội dung, tối đa 4.000 ký tự."),
        ));
    }
    Ok(v)
}

impl Feedback {
    /// A feedback just received.
    pub fn receive(
        agency: AgencyId,
        at: DateTime<Utc>,
        repeat_of: Option<uuid::Uuid>,
    ) -> (Feedback, FeedbackEvent) {
        let f = Feedback {
            agency: agency.clone(),
            stage: FeedbackStage::Received,
            category: None,
            received_at: at,
            starts: vec![at],
            waits: Vec::new(),
            refused_at: None,
            asked_at: Vec::new(),
            approved_at: None,
            published_at: None,
            answer: None,
            likes: 0,
            dislikes: 0,
            repeat_of,
            transfers: 0,
            assignee: None,
        };
        (f, FeedbackEvent::Received { agency, repeat_of })
    }

    /// Checks `event` may happen now and returns it as recorded (texts cleaned).
    pub fn decide(&self, event: FeedbackEvent) -> Result<FeedbackEvent, DomainError> {
        use FeedbackStage as S;
        let open = !matches!(self.stage, S::Published | S::Refused);
        Ok(match event {
            FeedbackEvent::Received { .. } => {
                return Err(bad("already_received", "Phản ánh đã được tiếp nhận."));
            }
            FeedbackEvent::Classified { category } if open => {
                FeedbackEvent::Classified { category }
            }
            FeedbackEvent::Assigned { officer, name }
                if matches!(
                    self.stage,
                    S::Received | S::Handling | S::WaitingInformation | S::Drafted
                ) =>
            {
                if officer.trim().is_empty() {
                    return Err(DomainError::invalid(
                        "officer_required",
                        "Chọn cán bộ được phân công.",
                    ));
                }
                FeedbackEvent::Assigned {
                    officer,
                    name: vntext::clean(&name),
                }
            }
            FeedbackEvent::Refused { reason }
                if matches!(self.stage, S::Received | S::Handling) =>
            {
                FeedbackEvent::Refused {
                    reason: text("Lý do từ chối", &reason)?,
                }
            }
            FeedbackEvent::InformationRequested { question }
                if matches!(self.stage, S::Received | S::Handling) =>
            {
                FeedbackEvent::InformationRequested {
                    question: text("Nội dung đề nghị bổ sung", &question)?,
                }
            }
            FeedbackEvent::InformationGiven { answer } if self.stage == S::WaitingInformation => {
                FeedbackEvent::InformationGiven {
                    answer: text("Thông tin bổ sung", &answer)?,
                }
            }
            FeedbackEvent::Transferred { to, reason }
                if matches!(self.stage, S::Received | S::Handling) =>
            {
                if to == self.agency {
                    return Err(bad(
                        "same_agency",
                        "Phản ánh đã thuộc cơ quan này; chọn cơ quan có thẩm quyền khác.",
                    ));
                }
                FeedbackEvent::Transferred {
                    to,
                    reason: text("Lý do chuyển", &reason)?,
                }
            }
            FeedbackEvent::AnswerDrafted { answer }
                if matches!(self.stage, S::Handling | S::Drafted) =>
            {
                FeedbackEvent::AnswerDrafted {
                    answer: text("Nội dung trả lời", &answer)?,
                }
            }
            FeedbackEvent::Approved if self.stage == S::Drafted => FeedbackEvent::Approved,
            FeedbackEvent::Published if self.stage == S::AwaitingPublication => {
                FeedbackEvent::Published
            }
            FeedbackEvent::Rated { satisfied } if self.stage == S::Published => {
                FeedbackEvent::Rated { satisfied }
            }
            other => {
                return Err(bad(
                    "not_allowed_now",
                    &format!(
                        "Không thể {} khi phản ánh ở trạng thái \"{}\".",
                        other.label(),
                        self.stage.label()
                    ),
                ));
            }
        })
    }

    /// Applies a recorded event at `at`.
    pub fn apply(&mut self, event: &FeedbackEvent, at: DateTime<Utc>) {
        use FeedbackStage as S;
        match event {
            FeedbackEvent::Received { .. } => {}
            FeedbackEvent::Classified { category } => {
                self.category = Some(*category);
                if self.stage == S::Received {
                    self.stage = S::Handling;
                }
            }
            FeedbackEvent::Assigned { officer, name } => {
                self.assignee = Some((officer.clone(), name.clone()));
            }
            FeedbackEvent::Refused { .. } => {
                self.stage = S::Refused;
                self.refused_at = Some(at);
            }
            FeedbackEvent::InformationRequested { .. } => {
                self.stage = S::WaitingInformation;
                self.asked_at.push(at);
                self.waits.push((at, None));
            }
            FeedbackEvent::InformationGiven { .. } => {
                self.stage = if self.category.is_some() {
                    S::Handling
                } else {
                    S::Received
                };
                if let Some(w) = self.waits.last_mut() {
                    w.1 = Some(at);
                }
            }
            FeedbackEvent::Transferred { to, .. } => {
                self.agency = to.clone();
                self.assignee = None;
                self.starts.push(at);
                self.transfers += 1;
                self.stage = S::Received;
            }
            FeedbackEvent::AnswerDrafted { answer } => {
                self.stage = S::Drafted;
                self.answer = Some(answer.clone());
            }
            FeedbackEvent::Approved => {
                self.stage = S::AwaitingPublication;
                self.approved_at = Some(at);
            }
            FeedbackEvent::Published => {
                self.stage = S::Published;
                self.published_at = Some(at);
            }
            FeedbackEvent::Rated { satisfied } => {
                if *satisfied {
                    self.likes += 1;
                } else {
                    self.dislikes += 1;
                }
            }
        }
    }

    /// Không hài lòng: more dislikes than likes.
    pub fn disliked(&self) -> bool {
        self.dislikes > self.likes
    }

    /// The instant `n` working days after `start`, with the waits for information added back.
    fn limit_from(
        &self,
        cal: &WorkCalendar,
        start: DateTime<Utc>,
        n: u32,
        now: DateTime<Utc>,
    ) -> Result<DateTime<Utc>, DomainError> {
        let vn =
            |t: DateTime<Utc>| -> DateTime<FixedOffset> { lich::time::to_vn(&t).fixed_offset() };
        let limit = Limit::new(n, Unit::WorkingDays)
            .map_err(|e| DomainError::invalid("invalid_limit", e.to_string()))?;
        let due = cal
            .due(vn(start), limit, &DeadlineRules::default())
            .map_err(|e| DomainError::invalid("calendar", e.to_string()))?
            .due;
        let pauses: Vec<Pause> = self
            .waits
            .iter()
            .filter(|(from, _)| *from >= start && *from <= now)
            .map(|(from, to)| Pause {
                from: vn(*from),
                to: vn(to.unwrap_or(now).min(now).max(*from)),
            })
            .collect();
        Ok(cal
            .due_excluding_pauses(due, &pauses)
            .map_err(|e| DomainError::invalid("calendar", e.to_string()))?
            .with_timezone(&Utc))
    }

    /// Hạn — the limit the agency works to next at `now`: publication within `publish` days of
    /// the approval once approved, else the answer within `handle` days of the receipt or last
    /// transfer (waits added back); none once published, refused, or while waiting for the
    /// petitioner.
    pub fn due(
        &self,
        cal: &WorkCalendar,
        rules: &FeedbackRules,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, DomainError> {
        use FeedbackStage as S;
        Ok(match self.stage {
            S::Published | S::Refused | S::WaitingInformation => None,
            S::AwaitingPublication => match self.approved_at {
                Some(a) => Some(self.limit_from(cal, a, rules.publish, now)?),
                None => None,
            },
            _ => {
                let start = self.starts.last().copied().unwrap_or(self.received_at);
                Some(self.limit_from(cal, start, rules.handle, now)?)
            }
        })
    }

    /// Where it stands at `now` against the limits of `rules`: refused within `refuse` days of
    /// its receipt; information asked within `ask` days of receipt or transfer; the answer
    /// approved within `handle` days of receipt or the last transfer (waits excluded) and
    /// published within `publish` days of its approval.
    pub fn standing(
        &self,
        cal: &WorkCalendar,
        rules: &FeedbackRules,
        now: DateTime<Utc>,
    ) -> Result<Standing, DomainError> {
        let last_start = |t: DateTime<Utc>| {
            self.starts
                .iter()
                .copied()
                .filter(|s| *s <= t)
                .max()
                .unwrap_or(self.received_at)
        };
        let clock_start = last_start(now);
        if let Some(at) = self.refused_at.filter(|t| *t <= now) {
            let due = self.limit_from(cal, last_start(at), rules.refuse, now)?;
            return Ok(Standing::Ended {
                at,
                on_time: at <= due,
            });
        }
        let mut on_time = true;
        // A request for information is counted from the receipt or the transfer before it.
        for asked in self.asked_at.iter().copied().filter(|t| *t <= now) {
            on_time &= asked <= self.limit_from(cal, last_start(asked), rules.ask, asked)?;
        }
        let handle_due = self.limit_from(cal, clock_start, rules.handle, now)?;
        match (
            self.approved_at.filter(|t| *t <= now),
            self.published_at.filter(|t| *t <= now),
        ) {
            (Some(approved), Some(published)) => {
                let publish_due = self.limit_from(cal, approved, rules.publish, now)?;
                Ok(Standing::Ended {
                    at: published,
                    on_time: on_time && approved <= handle_due && published <= publish_due,
                })
            }
            (Some(approved), None) => {
                let publish_due = self.limit_from(cal, approved, rules.publish, now)?;
                Ok(Standing::Open {
                    within: on_time && approved <= handle_due && now <= publish_due,
                })
            }
            _ => Ok(Standing::Open {
                within: on_time && now <= handle_due,
            }),
        }
    }
}

/// What the index needs of one feedback for a period `[from, to]` (instants): whether it counts,
/// and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FeedbackCounts {
    /// 5.1: received in the period, by category (rules, conduct, not classified yet).
    pub rules: i64,
    pub conduct: i64,
    pub unclassified: i64,
    /// 5.2: received or handled in the period (its denominator), and of them ended on time in
    /// the period or open within their limits at its end.
    pub handled: i64,
    pub on_time: i64,
    /// 5.3: first received in the period (repeats left out), and of them neither disliked, late,
    /// nor followed by a repeat complaint.
    pub first_received: i64,
    pub satisfied: i64,
    /// TT 01/2018 index 8: open past a limit at the period's end (kéo dài).
    pub prolonged: i64,
}

impl FeedbackCounts {
    /// Adds another unit's counts.
    pub fn add(&mut self, o: &FeedbackCounts) {
        self.rules += o.rules;
        self.conduct += o.conduct;
        self.unclassified += o.unclassified;
        self.handled += o.handled;
        self.on_time += o.on_time;
        self.first_received += o.first_received;
        self.satisfied += o.satisfied;
        self.prolonged += o.prolonged;
    }
}

/// Counts `items` (each with whether a repeat complaint followed it) for a period.
pub fn count(
    items: &[(&Feedback, bool)],
    cal: &WorkCalendar,
    rules: &FeedbackRules,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<FeedbackCounts, DomainError> {
    let mut c = FeedbackCounts::default();
    for (f, repeated) in items {
        if f.received_at > to {
            continue;
        }
        let standing = f.standing(cal, rules, to)?;
        let received_in = f.received_at >= from;
        if received_in {
            match f.category {
                Some(Category::Rules) => c.rules += 1,
                Some(Category::Conduct) => c.conduct += 1,
                None => c.unclassified += 1,
            }
        }
        let (counted, good) = match standing {
            Standing::Ended { at, on_time } => (received_in || at >= from, on_time),
            Standing::Open { within } => {
                if !within {
                    c.prolonged += 1;
                }
                (true, within)
            }
        };
        if counted {
            c.handled += 1;
            if good {
                c.on_time += 1;
            }
        }
        if received_in && f.repeat_of.is_none() {
            c.first_received += 1;
            let late = matches!(
                standing,
                Standing::Ended { on_time: false, .. } | Standing::Open { within: false }
            );
            if !(f.disliked() || late || *repeated) {
                c.satisfied += 1;
            }
        }
    }
    Ok(c)
}

/// TT 01/2018 index 8 (per unit): 2 with no feedback, or all on time and none prolonged; 1 with
/// at least 90 % on time and none prolonged; 0 otherwise.
pub fn index_8(c: &FeedbackCounts) -> u8 {
    if c.handled == 0 || (c.on_time == c.handled && c.prolonged == 0) {
        2
    } else if c.prolonged == 0 && c.on_time * 10 >= c.handled * 9 {
        1
    } else {
        0
    }
}

/// Phản ánh về — what the feedback is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum About {
    /// A procedure's rules (its code).
    Procedure { code: String },
    /// A dossier (its code).
    Dossier { code: String },
    /// An officer's or agency's conduct (who, as the petitioner names them).
    Officer { name: String },
    /// Anything else about the administration's work.
    Other,
}

/// Kênh tiếp nhận PAKN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FeedbackChannel {
    /// Cổng dịch vụ công của tỉnh (this system's portal).
    Portal,
    /// Tại Bộ phận Một cửa (an officer writes it down).
    Counter,
    /// Hệ thống tiếp nhận PAKN quốc gia.
    National,
}

/// Nội dung phản ánh, kiến nghị, as received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Petition {
    pub title: String,
    pub content: String,
    pub about: About,
    /// Người phản ánh: name and a way to answer them (shown to officers only).
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// Số định danh, when the petitioner was signed in (their account sees it).
    pub id_number: Option<String>,
    pub channel: FeedbackChannel,
    #[serde(default)]
    pub attachments: Vec<crate::dossier::FileRef>,
    /// Mã phản ánh trên Hệ thống tiếp nhận PAKN quốc gia, when it came from there.
    #[serde(default)]
    pub national_id: Option<String>,
}

impl Petition {
    /// Checks and cleans what the petitioner wrote.
    pub fn checked(mut self) -> Result<Self, DomainError> {
        let short = |what: &str, v: &str, max: usize| -> Result<String, DomainError> {
            let v = vntext::clean(v);
            if v.is_empty() || v.chars().count() > max {
                return Err(DomainError::invalid(
                    "invalid_feedback",
                    format!("{what}: cần nội dung, tối đa {max} ký tự."),
                ));
            }
            Ok(v)
        };
        self.title = short("Tiêu đề", &self.title, 200)?;
        self.content = text("Nội dung phản ánh", &self.content)?;
        self.name = short("Họ tên người phản ánh", &self.name, 100)?;
        if self.phone.is_none() && self.email.is_none() && self.id_number.is_none() {
            return Err(DomainError::invalid(
                "contact_required",
                "Cần số điện thoại hoặc thư điện tử để cơ quan trả lời.",
            ));
        }
        self.about = match self.about {
            About::Officer { name } => About::Officer {
                name: short("Cán bộ bị phản ánh", &name, 100)?,
            },
            About::Procedure { code } => About::Procedure {
                code: short("Mã thủ tục", &code, 30)?,
            },
            About::Dossier { code } => About::Dossier {
                code: short("Mã hồ sơ", &code, 40)?,
            },
            About::Other => About::Other,
        };
        if self.attachments.len() > 5 {
            return Err(DomainError::invalid(
                "invalid_feedback",
                "Đính kèm tối đa 5 tệp.",
            ));
        }
        Ok(self)
    }
}
