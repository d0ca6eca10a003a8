//! Thủ tục hành chính — procedures, versioned by effective date: what to submit, how long, what it
//! costs per channel, how it goes through the agency (quy trình nội bộ) and what comes out.
//! A dossier pins the version in force when it was received; a new version never changes it.

use chrono::NaiveDate;
use lich::{DeadlineRules, Limit, Unit};
use serde::{Deserialize, Serialize};

use crate::agency::AgencyId;
use crate::error::DomainError;
use crate::ids::ProcedureCode;
use crate::officer::Role;

/// Kênh thực hiện — how a dossier arrives (national sync code KenhThucHien).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Channel {
    /// 1 — trực tiếp, at the counter.
    InPerson,
    /// 2 — trực tuyến.
    Online,
    /// 3 — qua dịch vụ bưu chính công ích.
    Postal,
}

impl Channel {
    /// The national sync code (1, 2, 3).
    pub fn national_code(self) -> u8 {
        match self {
            Channel::InPerson => 1,
            Channel::Online => 2,
            Channel::Postal => 3,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::InPerson => "Trực tiếp",
            Channel::Online => "Trực tuyến",
            Channel::Postal => "Bưu chính công ích",
        }
    }
}

/// Hình thức dịch vụ công trực tuyến.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnlineKind {
    /// Not offered online.
    None,
    /// Một phần — partly online (submit online, some steps in person).
    Partial,
    /// Toàn trình — fully online, result included.
    Full,
}

impl OnlineKind {
    pub fn label(self) -> &'static str {
        match self {
            OnlineKind::None => "Không trực tuyến",
            OnlineKind::Partial => "Trực tuyến một phần",
            OnlineKind::Full => "Trực tuyến toàn trình",
        }
    }
}

/// Cấp thực hiện.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProcedureLevel {
    Province,
    Commune,
}

impl ProcedureLevel {
    pub fn label(self) -> &'static str {
        match self {
            ProcedureLevel::Province => "Cấp tỉnh",
            ProcedureLevel::Commune => "Cấp xã",
        }
    }
}

/// Loại bản giấy tờ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DocForm {
    /// Bản chính.
    Original,
    /// Bản sao.
    Copy,
    /// Bản sao có chứng thực.
    CertifiedCopy,
    /// Bản chính để đối chiếu (shown, returned to the applicant).
    OriginalToCheck,
}

impl DocForm {
    /// The wire name (`original`, `copy`, `certified-copy`, `original-to-check`).
    pub fn key(self) -> &'static str {
        match self {
            DocForm::Original => "original",
            DocForm::Copy => "copy",
            DocForm::CertifiedCopy => "certified-copy",
            DocForm::OriginalToCheck => "original-to-check",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DocForm::Original => "Bản chính",
            DocForm::Copy => "Bản sao",
            DocForm::CertifiedCopy => "Bản sao có chứng thực",
            DocForm::OriginalToCheck => "Bản chính để đối chiếu",
        }
    }
}

/// Thành phần hồ sơ — one document the applicant submits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    /// Short key, unique within the version ("to-khai", "giay-chung-sinh").
    pub id: String,
    pub name: String,
    pub form: DocForm,
    pub copies: u8,
    pub required: bool,
    /// Có thể thay bằng dữ liệu — can be replaced by a lookup in a national database.
    #[serde(default)]
    pub replaceable_by_data: bool,
}

/// Phí, lệ phí — a charge, in integer đồng.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fee {
    pub name: String,
    pub amount: i64,
    /// Channels this amount applies to; empty = every channel.
    #[serde(default)]
    pub channels: Vec<Channel>,
    /// Miễn, giảm — who is exempt ("đăng ký khai sinh đúng hạn").
    pub exemption: Option<String>,
    pub legal_basis: Option<String>,
    /// Thu theo số trang — the amount is per page of one component's copies (certification of
    /// copies, TT 226/2016/TT-BTC): `amount` for each of the first pages, less after them, at
    /// most a cap per copy. None: `amount` once per dossier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_page: Option<PageScale>,
}

/// Biểu phí theo trang: how a per-page fee counts the pages of a component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageScale {
    /// The component whose pages and copies are counted ("ban-sao").
    pub component: String,
    /// How many pages are charged the fee's `amount` each (2 in TT 226/2016).
    pub first_pages: u16,
    /// The amount for each further page.
    pub then: i64,
    /// At most this much per copy.
    pub cap: i64,
}

impl PageScale {
    /// The charge for `copies` copies of `pages` pages each, `first` being the first pages' rate.
    pub fn charge(&self, first: i64, pages: u16, copies: u8) -> i64 {
        let pages = i64::from(pages);
        let head = pages.min(i64::from(self.first_pages));
        let per_copy = (head * first + (pages - head) * self.then).min(self.cap);
        per_copy * i64::from(copies)
    }
}

/// Loại bước xử lý trong quy trình nội bộ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepKind {
    /// Tiếp nhận — at the service centre, until transfer.
    Reception,
    /// Thẩm định, xử lý — at a specialised unit.
    Handling,
    /// Phê duyệt, ký — by a leader.
    Approval,
    /// Phát hành — numbering and sealing by the office (văn thư).
    Issuance,
    /// Trả kết quả — back at the service centre.
    Return,
}

/// Which unit holds the dossier during a step, resolved when the step starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepUnit {
    /// The receiving service centre.
    Counter,
    /// A specialised unit of the competent agency, chosen at transfer.
    Specialist,
    /// The competent agency's leadership.
    Leadership,
    /// The competent agency's office.
    Office,
}

/// Bước trong quy trình nội bộ, with the time allotted to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessStep {
    pub name: String,
    pub kind: StepKind,
    pub unit: StepUnit,
    pub role: Role,
    /// Time allotted (TT 01/2018 index 2 compares against it); none for the return step, whose
    /// end depends on when the applicant comes.
    pub allotted: Option<Limit>,
}

/// Cơ quan có thẩm quyền giải quyết.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "agency")]
pub enum Competence {
    /// The People's Committee whose service centre received the dossier (commune procedures,
    /// received regardless of the applicant's address).
    ReceivingCommittee,
    /// A named agency (a provincial department, the provincial police…).
    Agency(AgencyId),
    /// The unit of this kind under the receiving committee (Công an xã for residence).
    ReceivingUnit(crate::agency::AgencyKind),
}

/// Kết quả thực hiện TTHC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultSpec {
    pub name: String,
    /// Whether an electronic result (bản điện tử) is issued.
    pub electronic: bool,
    /// What the result document is.
    #[serde(default)]
    pub kind: ResultKind,
    /// Mẫu kết quả: the name of the template the result document is laid out from (a file in
    /// the province's template folder, without `.toml`); none: the kind's default (`ket-qua`,
    /// or `ket-qua-{procedure code}` when the province has one; `chung-thuc` for copies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
}

/// Loại văn bản kết quả.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResultKind {
    /// Văn bản do cơ quan ban hành (a certificate, an extract, a permit…), laid out from the
    /// dossier and the handler's entries.
    #[default]
    Document,
    /// Bản sao điện tử chứng thực từ bản chính: the scanned original, stamped and followed by
    /// the certification statement (ND 23/2015 Art. 20; QĐ 766 indicator 4.5).
    CertifiedCopy,
}

/// Whether `name` names the template of a document the organisation signs — a result
/// (`ket-qua…`, `chung-thuc…`) or the electronic receipt (`bien-lai`) — rather than a form of
/// the dossier: the province's template folder holds both.
pub fn is_signed_template(name: &str) -> bool {
    name.starts_with("ket-qua") || name.starts_with("chung-thuc") || name == "bien-lai"
}

impl ResultKind {
    /// The template a result of this kind is laid out from when its procedure names none.
    pub fn default_template(self) -> &'static str {
        match self {
            ResultKind::Document => "ket-qua",
            ResultKind::CertifiedCopy => "chung-thuc",
        }
    }
}

/// Thủ tục — the stable identity of a procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Procedure {
    pub code: ProcedureCode,
    pub name: String,
    pub sector: String,
    pub sector_code: Option<String>,
    pub level: ProcedureLevel,
}

/// Phiên bản thủ tục — the rules of a procedure from a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcedureVersion {
    pub code: ProcedureCode,
    pub version: u32,
    pub effective_from: NaiveDate,
    pub name: String,
    pub sector: String,
    pub sector_code: Option<String>,
    pub level: ProcedureLevel,
    pub components: Vec<Component>,
    /// Thời hạn giải quyết as the catalogue writes it.
    pub limit: Limit,
    #[serde(default)]
    pub deadline_rules: DeadlineRules,
    /// Trả kết quả ngay — the result is given right after reception (ND 61 Art. 17(4)).
    #[serde(default)]
    pub immediate: bool,
    #[serde(default)]
    pub fees: Vec<Fee>,
    /// Nộp phí, lệ phí khi nhận kết quả: the fees are collected as the result is handed over,
    /// in the same step (ND 61/2018 Art. 22 leaves the moment to the sector's rules; the
    /// default is on submission).
    #[serde(default)]
    pub fees_at_return: bool,
    pub online: OnlineKind,
    /// Available through the public postal service (QĐ 45/2016).
    pub postal: bool,
    pub steps: Vec<ProcessStep>,
    pub result: ResultSpec,
    pub competence: Competence,
    /// Agencies taking part in an interconnected (liên thông) procedure.
    #[serde(default)]
    pub interconnected: Vec<AgencyId>,
    #[serde(default)]
    pub legal_basis: Vec<String>,
    #[serde(default)]
    pub forms: Vec<String>,
    /// Trình tự thực hiện — the steps as the national procedure database states them for the
    /// applicant; when the catalogue has none, [`ProcedureVersion::sequence_for_applicants`]
    /// says them from the version's own rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sequence: Vec<String>,
    /// Mô tả: who may apply, requirements and conditions, as the catalogue explains them (searched
    /// after the name).
    #[serde(default)]
    pub description: String,
    /// Tiếp nhận phi địa giới — receivable at any service centre of the procedure's level,
    /// whatever the applicant's address.
    #[serde(default)]
    pub anywhere: bool,
    /// Thời hạn yêu cầu bổ sung khi thẩm định (ND 61/2018 Art. 19(4): 3 working days unless a
    /// sector law says otherwise).
    #[serde(default = "default_supplement_window")]
    pub supplement_window: Limit,
    /// Fields whose value the reference marks as unconfirmed ([M]), listed for the officer.
    #[serde(default)]
    pub uncertain: Vec<String>,
    /// Đối tượng thực hiện — who may apply (QĐ 766 4.5(a) counts the procedures open to
    /// people). A catalogue entry that does not say is taken as open to Vietnamese citizens.
    #[serde(default = "default_audience")]
    pub audience: Vec<Audience>,
}

/// Đối tượng thực hiện TTHC (the national procedure database's values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Audience {
    /// Công dân Việt Nam.
    Citizen,
    /// Người Việt Nam định cư ở nước ngoài.
    OverseasVietnamese,
    /// Người nước ngoài.
    Foreigner,
    /// Tổ chức (cơ quan, tổ chức sự nghiệp, hợp tác xã…).
    Organisation,
    /// Doanh nghiệp.
    Enterprise,
}

impl Audience {
    /// A person, whose data the national population database holds (QĐ 766 4.5(a)).
    pub fn is_person(self) -> bool {
        matches!(
            self,
            Audience::Citizen | Audience::OverseasVietnamese | Audience::Foreigner
        )
    }

    pub fn label(self) -> &'static str {
        match self {
            Audience::Citizen => "Công dân Việt Nam",
            Audience::OverseasVietnamese => "Người Việt Nam định cư ở nước ngoài",
            Audience::Foreigner => "Người nước ngoài",
            Audience::Organisation => "Tổ chức",
            Audience::Enterprise => "Doanh nghiệp",
        }
    }
}

pub fn default_audience() -> Vec<Audience> {
    vec![Audience::Citizen]
}

fn default_supplement_window() -> Limit {
    Limit::new(3, Unit::WorkingDays).expect("valid limit")
}

impl ProcedureVersion {
    /// The fee lines that apply to a channel.
    pub fn fees_for(&self, channel: Channel) -> impl Iterator<Item = &Fee> {
        self.fees
            .iter()
            .filter(move |f| f.channels.is_empty() || f.channels.contains(&channel))
    }

    /// Trình tự thực hiện for the applicant: the catalogue's, or else said from this version —
    /// how to submit, how the counter checks, who decides in how long, how the result comes.
    pub fn sequence_for_applicants(&self) -> Vec<String> {
        if !self.sequence.is_empty() {
            return self.sequence.clone();
        }
        let mut ways = vec!["tại Bộ phận Một cửa".to_string()];
        if self.postal {
            ways.push("qua dịch vụ bưu chính công ích".into());
        }
        if self.online != OnlineKind::None {
            ways.push("trực tuyến trên Cổng Dịch vụ công".into());
        }
        let handling: Vec<&str> = self
            .steps
            .iter()
            .filter(|s| !matches!(s.kind, StepKind::Reception | StepKind::Return))
            .map(|s| s.name.as_str())
            .collect();
        let mut out = vec![
            "Bước 1. Chuẩn bị hồ sơ theo thành phần hồ sơ nêu dưới đây.".to_string(),
            format!(
                "Bước 2. Nộp hồ sơ {}{}. Có thể đặt lịch hẹn trước để được phục vụ đúng giờ.",
                ways.join(", "),
                if self.anywhere {
                    " (tại bất kỳ Bộ phận Một cửa cùng cấp, không phụ thuộc nơi cư trú)"
                } else {
                    ""
                }
            ),
            "Bước 3. Bộ phận Một cửa kiểm tra hồ sơ: hồ sơ đầy đủ được tiếp nhận, cấp Giấy tiếp nhận hồ sơ và hẹn trả kết quả; hồ sơ chưa đầy đủ được hướng dẫn bổ sung một lần, đầy đủ; hồ sơ không thuộc thẩm quyền hoặc không đủ điều kiện được trả lời bằng Phiếu từ chối tiếp nhận, nêu rõ lý do.".to_string(),
        ];
        if self.immediate {
            out.push("Bước 4. Giải quyết và trả kết quả ngay sau khi tiếp nhận.".into());
        } else {
            // "trong ngày" is said as it is; "5 ngày làm việc" after "trong".
            let within = if self.limit.unit() == Unit::SameDay {
                self.limit.to_string()
            } else {
                format!("trong {}", self.limit)
            };
            out.push(format!(
                "Bước 4. Cơ quan có thẩm quyền giải quyết {within}{}.",
                if handling.is_empty() {
                    String::new()
                } else {
                    format!(": {}", handling.join("; ").to_lowercase())
                }
            ));
            out.push(format!(
                "Bước 5. Nhận kết quả tại Bộ phận Một cửa theo ngày hẹn{}{}.",
                if self.postal {
                    ", hoặc qua dịch vụ bưu chính công ích"
                } else {
                    ""
                },
                if self.result.electronic {
                    ", hoặc bản điện tử có chữ ký số"
                } else {
                    ""
                }
            ));
        }
        out
    }

    /// The components whose pages a fee counts (the officer enters their pages at intake).
    pub fn paged_components(&self) -> Vec<String> {
        self.fees
            .iter()
            .filter_map(|f| f.per_page.as_ref().map(|s| s.component.clone()))
            .collect()
    }

    /// Checks the version is coherent: components, steps in order, fees, limits.
    pub fn validate(&self) -> Result<(), DomainError> {
        let bad = |msg: String| {
            Err(DomainError::invalid(
                "invalid_procedure",
                format!("Thủ tục {} phiên bản {}: {msg}", self.code, self.version),
            ))
        };
        if self.name.trim().is_empty() {
            return bad("thiếu tên thủ tục.".into());
        }
        if self.components.is_empty() {
            return bad("chưa có thành phần hồ sơ.".into());
        }
        let mut ids = std::collections::HashSet::new();
        for c in &self.components {
            if !ids.insert(c.id.as_str()) {
                return bad(format!("thành phần \"{}\" bị lặp.", c.id));
            }
            if c.copies == 0 || c.name.trim().is_empty() {
                return bad(format!("thành phần \"{}\" thiếu tên hoặc số lượng.", c.id));
            }
        }
        for f in &self.fees {
            if let Some(scale) = &f.per_page
                && !self.components.iter().any(|c| c.id == scale.component)
            {
                return bad(format!(
                    "phí \"{}\" tính theo trang của thành phần \"{}\" không có trong thủ tục.",
                    f.name, scale.component
                ));
            }
            if f.per_page.as_ref().is_some_and(|s| s.then < 0 || s.cap < 0) {
                return bad(format!("phí \"{}\" có mức thu âm.", f.name));
            }
        }
        if self.fees.iter().any(|f| f.amount < 0) {
            return bad("phí, lệ phí không được âm.".into());
        }
        let kinds: Vec<StepKind> = self.steps.iter().map(|s| s.kind).collect();
        if kinds.first() != Some(&StepKind::Reception) || kinds.last() != Some(&StepKind::Return) {
            return bad(
                "quy trình phải bắt đầu bằng bước tiếp nhận và kết thúc bằng bước trả kết quả."
                    .into(),
            );
        }
        if !self.immediate && !kinds.contains(&StepKind::Approval) {
            return bad("quy trình phải có bước phê duyệt.".into());
        }
        if kinds.iter().filter(|k| **k == StepKind::Approval).count() > 1 {
            return bad("quy trình chỉ có một bước phê duyệt.".into());
        }
        if self.immediate && self.online == OnlineKind::Full {
            return bad("thủ tục trả kết quả ngay không cung cấp toàn trình.".into());
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A commune procedure shaped like birth registration, for tests.
    pub(crate) fn sample(limit: &str) -> ProcedureVersion {
        let step = |name: &str, kind, unit, role, allotted: Option<&str>| ProcessStep {
            name: name.into(),
            kind,
            unit,
            role,
            allotted: allotted.map(|a| a.parse().unwrap()),
        };
        ProcedureVersion {
            code: ProcedureCode::parse("1.004884").unwrap(),
            version: 1,
            effective_from: NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
            name: "Đăng ký lại khai sinh".into(),
            sector: "Hộ tịch".into(),
            sector_code: None,
            level: ProcedureLevel::Commune,
            components: vec![
                Component {
                    id: "to-khai".into(),
                    name: "Tờ khai đăng ký lại khai sinh".into(),
                    form: DocForm::Original,
                    copies: 1,
                    required: true,
                    replaceable_by_data: false,
                },
                Component {
                    id: "giay-to-ca-nhan".into(),
                    name: "Bản sao giấy tờ có thông tin khai sinh".into(),
                    form: DocForm::Copy,
                    copies: 1,
                    required: false,
                    replaceable_by_data: false,
                },
            ],
            limit: limit.parse().unwrap(),
            deadline_rules: DeadlineRules::default(),
            immediate: false,
            fees: vec![Fee {
                name: "Lệ phí hộ tịch".into(),
                amount: 5_000,
                channels: vec![],
                exemption: None,
                legal_basis: None,
                per_page: None,
            }],
            fees_at_return: false,
            online: OnlineKind::Partial,
            postal: true,
            steps: vec![
                step(
                    "Tiếp nhận",
                    StepKind::Reception,
                    StepUnit::Counter,
                    Role::CounterOfficer,
                    Some("4 giờ làm việc"),
                ),
                step(
                    "Thẩm định",
                    StepKind::Handling,
                    StepUnit::Specialist,
                    Role::Specialist,
                    Some("3 ngày làm việc"),
                ),
                step(
                    "Phê duyệt",
                    StepKind::Approval,
                    StepUnit::Leadership,
                    Role::Leader,
                    Some("1 ngày làm việc"),
                ),
                step(
                    "Trả kết quả",
                    StepKind::Return,
                    StepUnit::Counter,
                    Role::CounterOfficer,
                    None,
                ),
            ],
            result: ResultSpec {
                name: "Giấy khai sinh (bản chính)".into(),
                electronic: true,
                kind: ResultKind::Document,
                template: None,
            },
            competence: Competence::ReceivingCommittee,
            interconnected: vec![],
            legal_basis: vec!["Luật Hộ tịch 2014".into()],
            forms: vec![],
            sequence: vec![],
            description: String::new(),
            anywhere: false,
            supplement_window: default_supplement_window(),
            uncertain: vec![],
            audience: default_audience(),
        }
    }

    #[test]
    fn a_version_round_trips_through_json_and_validates() {
        let p = sample("5 ngày làm việc");
        p.validate().unwrap();
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains("\"limit\":\"5 ngày làm việc\""));
        let back: ProcedureVersion = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn the_sequence_says_the_time_limit_once() {
        let step4 = |limit: &str| {
            sample(limit)
                .sequence_for_applicants()
                .into_iter()
                .find(|s| s.starts_with("Bước 4."))
                .unwrap()
        };
        assert!(step4("5 ngày làm việc").contains("giải quyết trong 5 ngày làm việc"));
        let same_day = step4("trong ngày");
        assert!(same_day.contains("giải quyết trong ngày"), "{same_day}");
        assert!(!same_day.contains("trong trong"), "{same_day}");
    }

    #[test]
    fn incoherent_versions_are_refused() {
        let mut p = sample("5 ngày làm việc");
        p.steps.remove(0);
        assert!(
            p.validate()
                .unwrap_err()
                .message
                .contains("bắt đầu bằng bước tiếp nhận")
        );
        let mut p = sample("5 ngày làm việc");
        p.components.push(p.components[0].clone());
        assert!(p.validate().is_err());
    }
}
