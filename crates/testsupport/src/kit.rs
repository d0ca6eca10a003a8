//! Test kit for the dossier lifecycle, shared by the tests of every crate: a commune with its
//! service centre, units and officers, a procedure, and a simulator that decides and applies
//! commands at given instants. Pure like the rest of the crate; not used by the product.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, NaiveDate, Utc};
use domain::DomainError;
use domain::agency::{Agency, AgencyId, AgencyKind, AgencyTree};
use domain::applicant::{Address, Applicant};
use domain::dossier::*;
use domain::ids::{
    AgencyCode, Cccd, CodeFormat, DossierCode, PersonName, PhoneNumber, ProcedureCode,
};
use domain::officer::{Actor, Officer, OfficerId, Role, RoleGrant};
use domain::procedure::*;
use lich::{Calendar, DeadlineRules, WorkCalendar};
use uuid::Uuid;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// FNV-1a, for stable test identifiers derived from names.
fn stable_hash(text: &str) -> u128 {
    let mut h: u128 = 0x6c62272e07bb014262b821756295c58d;
    for b in text.bytes() {
        h ^= u128::from(b);
        h = h.wrapping_mul(0x0000000001000000000000000000013B);
    }
    h
}

pub fn t(s: &str) -> DateTime<Utc> {
    lich::time::parse_instant(s).unwrap().to_utc()
}

pub fn id(s: &str) -> AgencyId {
    AgencyId::parse(s).unwrap()
}

pub fn calendar() -> WorkCalendar {
    static CAL: OnceLock<Arc<Calendar>> = OnceLock::new();
    WorkCalendar::national(CAL.get_or_init(|| Arc::new(Calendar::embedded())).clone())
}

fn agency(aid: &str, code: &str, name: &str, kind: AgencyKind, parent: Option<&str>) -> Agency {
    Agency {
        id: id(aid),
        code: AgencyCode::parse(code).unwrap(),
        code_verified: false,
        name: name.into(),
        kind,
        parent: parent.map(id),
        unit: None,
        code_format: CodeFormat::Tt01,
        valid_from: None,
        valid_to: None,
        successor: None,
        note: None,
        office_hours: None,
        saturday_reception: None,
    }
}

pub fn agencies() -> AgencyTree {
    AgencyTree::new([
        agency(
            "lao-cai",
            "H38",
            "UBND tỉnh Lào Cai",
            AgencyKind::ProvincialCommittee,
            None,
        ),
        agency(
            "lao-cai.so-tu-phap",
            "H38.10",
            "Sở Tư pháp",
            AgencyKind::Department,
            Some("lao-cai"),
        ),
        agency(
            "lao-cai.bhxh",
            "H38.11",
            "Bảo hiểm xã hội tỉnh",
            AgencyKind::Department,
            Some("lao-cai"),
        ),
        agency(
            "lao-cai.bao-thang",
            "H38.22",
            "UBND xã Bảo Thắng",
            AgencyKind::CommuneCommittee,
            Some("lao-cai"),
        ),
        agency(
            "lao-cai.bao-thang.mot-cua",
            "H38.22.1",
            "Trung tâm Phục vụ hành chính công xã Bảo Thắng",
            AgencyKind::ServiceCenter,
            Some("lao-cai.bao-thang"),
        ),
        agency(
            "lao-cai.bao-thang.vhxh",
            "H38.22.2",
            "Phòng Văn hóa - Xã hội",
            AgencyKind::Department,
            Some("lao-cai.bao-thang"),
        ),
        agency(
            "lao-cai.bao-thang.kt",
            "H38.22.3",
            "Phòng Kinh tế",
            AgencyKind::Department,
            Some("lao-cai.bao-thang"),
        ),
        agency(
            "lao-cai.bao-thang.vp",
            "H38.22.4",
            "Văn phòng HĐND và UBND",
            AgencyKind::Office,
            Some("lao-cai.bao-thang"),
        ),
        agency(
            "lao-cai.bao-thang.cong-an",
            "H38.22.5",
            "Công an xã Bảo Thắng",
            AgencyKind::Police,
            Some("lao-cai.bao-thang"),
        ),
    ])
}

pub fn officer(name: &str, role: Role, at: &str) -> Actor {
    Actor::Officer(Officer {
        id: OfficerId(Uuid::from_u128(stable_hash(name))),
        username: name.to_lowercase().replace(' ', "."),
        full_name: PersonName::parse(name).unwrap(),
        title: None,
        grants: vec![RoleGrant {
            role,
            agency: id(at),
        }],
        active: true,
    })
}

pub fn counter() -> Actor {
    officer(
        "Lò Thị Mai",
        Role::CounterOfficer,
        "lao-cai.bao-thang.mot-cua",
    )
}
pub fn specialist() -> Actor {
    officer(
        "Nguyễn Văn Hùng",
        Role::Specialist,
        "lao-cai.bao-thang.vhxh",
    )
}
pub fn unit_head() -> Actor {
    officer("Trần Thị Lan", Role::UnitHead, "lao-cai.bao-thang.vhxh")
}
pub fn leader() -> Actor {
    officer("Hoàng Văn Sơn", Role::Leader, "lao-cai.bao-thang")
}
pub fn clerk() -> Actor {
    officer("Phạm Thị Hoa", Role::Clerk, "lao-cai.bao-thang.vp")
}
pub fn citizen() -> Actor {
    Actor::Citizen {
        name: PersonName::parse("Lù Văn Páo").unwrap(),
        id_number: Some(Cccd::parse("010090012345").unwrap()),
        access: domain::officer::CitizenAccess::Submitting,
    }
}

pub fn officer_of(actor: &Actor) -> Box<Officer> {
    Box::new(actor.officer().unwrap().clone())
}

/// A commune procedure: 5 working days, reception / appraisal (3 days) / approval (1 day) /
/// issuance (4 hours) / return.
pub fn procedure() -> ProcedureVersion {
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
                id: "giay-to".into(),
                name: "Bản sao giấy tờ có thông tin khai sinh".into(),
                form: DocForm::Copy,
                copies: 1,
                required: true,
                replaceable_by_data: true,
            },
            Component {
                id: "uy-quyen".into(),
                name: "Văn bản ủy quyền".into(),
                form: DocForm::Original,
                copies: 1,
                required: false,
                replaceable_by_data: false,
            },
        ],
        limit: "5 ngày làm việc".parse().unwrap(),
        deadline_rules: DeadlineRules::default(),
        immediate: false,
        fees: vec![Fee {
            name: "Lệ phí đăng ký lại khai sinh".into(),
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
                "Tiếp nhận hồ sơ",
                StepKind::Reception,
                StepUnit::Counter,
                Role::CounterOfficer,
                None,
            ),
            step(
                "Thẩm định hồ sơ",
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
                "Vào số, phát hành",
                StepKind::Issuance,
                StepUnit::Office,
                Role::Clerk,
                Some("4 giờ làm việc"),
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
        legal_basis: vec!["Luật Hộ tịch 2014, Điều 26".into()],
        forms: vec![],
        sequence: vec![],
        description: String::new(),
        anywhere: false,
        supplement_window: "3 ngày làm việc".parse().unwrap(),
        uncertain: vec![],
        audience: domain::procedure::default_audience(),
    }
}

pub fn applicant() -> Applicant {
    Applicant::Citizen {
        name: PersonName::parse("Lù Văn Páo").unwrap(),
        id_number: Cccd::parse("010090012345").unwrap(),
        phone: Some(PhoneNumber::parse("0912345678").unwrap()),
        email: None,
        address: Address::new(
            "Thôn Cốc Sâm",
            Some("02905"),
            "Thôn Cốc Sâm, xã Bảo Thắng, tỉnh Lào Cai",
        )
        .unwrap(),
    }
}

pub fn component(cid: &str) -> SubmittedComponent {
    SubmittedComponent {
        component: cid.into(),
        name: String::new(),
        form: DocForm::Original,
        copies: 1,
        pages: None,
        by_data: false,
        files: vec![],
        reused: None,
    }
}

/// A dossier as submitted online: each component with the scan the citizen attached.
pub fn online_dossier(p: ProcedureVersion, components: &[&str]) -> Box<NewDossier> {
    let mut new = new_dossier(p, components);
    for c in &mut new.components {
        c.files = vec![scan(&c.component)];
    }
    new
}

/// A scanned file's reference (as the store would give it for an uploaded PDF).
pub fn scan(name: &str) -> FileRef {
    let mut sha256 = String::new();
    for b in name.bytes().cycle().take(32) {
        sha256.push_str(&format!("{b:02x}"));
    }
    FileRef {
        sha256,
        name: format!("{name}.pdf"),
        size: 1_024,
        media_type: "application/pdf".into(),
        signature: None,
    }
}

pub fn new_dossier(p: ProcedureVersion, components: &[&str]) -> Box<NewDossier> {
    Box::new(NewDossier {
        id: DossierId(Uuid::from_u128(u128::from(
            NEXT_ID.fetch_add(1, Ordering::Relaxed),
        ))),
        code: DossierCode::parse("000.22.22.H38-261207-0001").unwrap(),
        procedure: p,
        applicant: applicant(),
        components: components.iter().map(|c| component(c)).collect(),
        return_method: ReturnMethod::Counter,
        receiving: id("lao-cai.bao-thang.mot-cua"),
        competent: id("lao-cai.bao-thang"),
        helped_at: None,
        fee_exemption: None,
        corrects: None,
        provenance: Default::default(),
    })
}

/// A receipt series of UBND xã Bảo Thắng.
pub fn receipt_book(series: &str) -> domain::dossier::ReceiptBook {
    domain::dossier::ReceiptBook {
        template: "01BLP0-001".into(),
        series: series.into(),
        organisation: "UBND xã Bảo Thắng".into(),
        tax_code: "5300236214".into(),
    }
}

/// A dossier being driven through commands at chosen instants.
#[derive(Clone)]
pub struct Sim {
    pub events: Vec<Recorded>,
    pub dossier: Option<Dossier>,
    pub cal: WorkCalendar,
    pub tree: AgencyTree,
    pub rules: LegalRules,
    issued_code: Option<DossierCode>,
    receipt: Option<domain::dossier::ReceiptNumber>,
}

impl Default for Sim {
    fn default() -> Self {
        Self::new()
    }
}

impl Sim {
    pub fn new() -> Self {
        Self {
            events: Vec::new(),
            dossier: None,
            cal: calendar(),
            tree: agencies(),
            rules: LegalRules::default(),
            issued_code: None,
            receipt: None,
        }
    }

    /// The code the store will issue at the next command (an online submission's reception).
    pub fn issue_code(&mut self, code: &str) {
        self.issued_code = Some(DossierCode::parse(code).unwrap());
    }

    /// The receipt number the store will issue at the next command, from a book of Bảo
    /// Thắng's (series "BT-26E").
    pub fn issue_receipt(&mut self, number: u32) {
        self.receipt = Some(domain::dossier::ReceiptNumber {
            book: receipt_book("BT-26E"),
            number,
        });
    }

    /// Decides and applies a command; on refusal nothing changes.
    pub fn run(&mut self, at: &str, actor: &Actor, command: Command) -> Result<(), DomainError> {
        let ctx = Context {
            now: t(at),
            actor,
            calendar: &self.cal,
            agencies: &self.tree,
            rules: &self.rules,
            issued_code: self.issued_code.take(),
            receipt: self.receipt.take(),
        };
        let events = decide(self.dossier.as_ref(), command, &ctx)?;
        for event in events {
            let r = Recorded {
                version: self.events.len() as u64 + 1,
                at: t(at),
                actor: actor.to_ref(),
                event,
            };
            match self.dossier.as_mut() {
                Some(d) => d.apply(&r),
                None => self.dossier = Dossier::replay([&r]),
            }
            self.events.push(r);
        }
        Ok(())
    }

    pub fn ok(&mut self, at: &str, actor: &Actor, command: Command) -> &mut Self {
        if let Err(e) = self.run(at, actor, command) {
            panic!("command refused at {at}: {} ({})", e.message, e.code);
        }
        self
    }

    pub fn d(&self) -> &Dossier {
        self.dossier.as_ref().unwrap()
    }

    /// Received at the counter on Monday 7/12/2026 at 09:00 and transferred at once.
    pub fn received() -> Self {
        let mut sim = Self::received_unpaid();
        sim.ok("2026-12-07 09:00", &counter(), pay_cash(5_000));
        sim
    }

    /// Received at the counter on Monday 7/12 at 09:00, its 5.000 đồng fee not collected yet.
    pub fn received_unpaid() -> Self {
        let mut sim = Self::new();
        sim.ok(
            "2026-12-07 09:00",
            &counter(),
            Command::ReceiveAtCounter {
                new: new_dossier(procedure(), &["to-khai", "giay-to"]),
            },
        );
        sim
    }

    /// The result of [`Sim::result_ready`] with its fee never collected; `at_return`: of a
    /// procedure that collects its fees as the result is handed over.
    pub fn result_ready_unpaid(at_return: bool) -> Self {
        let paid = Self::result_ready();
        let mut sim = Self::new();
        let mut p = procedure();
        p.fees_at_return = at_return;
        sim.ok(
            "2026-12-07 09:00",
            &counter(),
            Command::ReceiveAtCounter {
                new: new_dossier(p, &["to-khai", "giay-to"]),
            },
        );
        // Replay the rest of the ready dossier's life without its payment.
        let rest: Vec<_> = paid
            .events
            .iter()
            .skip(2)
            .filter(|e| !matches!(e.event, Event::FeePaid { .. }))
            .cloned()
            .collect();
        for mut e in rest {
            e.version = sim.events.len() as u64 + 1;
            sim.dossier.as_mut().expect("received").apply(&e);
            sim.events.push(e);
        }
        sim
    }

    /// Received, transferred to the culture and society unit and assigned to the specialist.
    pub fn in_appraisal() -> Self {
        let mut sim = Self::received();
        sim.ok(
            "2026-12-07 10:00",
            &counter(),
            Command::Transfer {
                to_unit: id("lao-cai.bao-thang.vhxh"),
            },
        )
        .ok(
            "2026-12-07 10:30",
            &unit_head(),
            Command::Assign {
                officer: officer_of(&specialist()),
                reason: None,
            },
        );
        sim
    }

    /// Appraised and sent to the leader on Wednesday 9/12.
    pub fn in_approval() -> Self {
        let mut sim = Self::in_appraisal();
        sim.ok(
            "2026-12-09 10:00",
            &specialist(),
            Command::Forward {
                note: "Đủ điều kiện".into(),
                to_unit: None,
            },
        );
        sim
    }

    /// Approved on 10/12 and issued by the office; waiting at the counter.
    /// Approved and issued with a signed electronic result.
    pub fn electronic_result() -> Self {
        let code = Self::in_approval().d().code.to_string();
        Self::issued(Some(domain::dossier::ElectronicResult {
            file: domain::dossier::FileRef {
                sha256: "ab".repeat(32),
                name: "ket-qua.pdf".into(),
                size: 1000,
                media_type: "application/pdf".into(),
                signature: None,
            },
            code: format!("{code}.9"),
            signer: "UBND xã Bảo Thắng".into(),
            signed_at: t("2026-12-10 10:00"),
        }))
    }

    pub fn result_ready() -> Self {
        Self::issued(None)
    }

    /// Approved by the chairman, then numbered and issued by the clerk with `document`.
    fn issued(document: Option<domain::dossier::ElectronicResult>) -> Self {
        let mut sim = Self::in_approval();
        sim.ok(
            "2026-12-10 09:00",
            &leader(),
            Command::Decide {
                outcome: Outcome::Approved,
                reason: String::new(),
                legal_basis: String::new(),
                signature: Default::default(),
            },
        )
        .ok(
            "2026-12-10 10:00",
            &clerk(),
            Command::IssueResult {
                number: "125/2026/TLKS".into(),
                document,
            },
        );
        sim
    }
}

/// Từ chối giải quyết: the leader refuses, the applicant not being eligible.
pub fn refusal() -> Command {
    Command::Decide {
        outcome: Outcome::Refused,
        reason: "Không đủ điều kiện".into(),
        legal_basis: "Điều 16".into(),
        signature: Default::default(),
    }
}

/// Thu phí bằng tiền mặt tại quầy, from the applicant.
pub fn pay_cash(amount: i64) -> Command {
    Command::RecordPayment {
        amount,
        method: domain::dossier::PaymentMethod::Cash,
        reference: None,
        payer: None,
    }
}

pub fn rfc(t: Option<DateTime<Utc>>) -> String {
    lich::time::to_vn(&t.unwrap()).to_rfc3339()
}

/// Yêu cầu bổ sung at appraisal: the copy of the second component is unreadable.
pub fn supplement(reason: &str) -> Command {
    Command::RequestSupplement {
        items: vec![SupplementItem {
            component: Some("giay-to".into()),
            text: "Bản sao không rõ số, ngày cấp".into(),
        }],
        reason: reason.into(),
        legal_basis: "Nghị định 61/2018/NĐ-CP, Điều 19 khoản 4".into(),
    }
}

/// The applicant sends the component asked for.
pub fn resubmit() -> Command {
    Command::SubmitSupplement {
        components: vec![component("giay-to")],
        note: "Nộp bản sao rõ nét".into(),
    }
}

/// The testkit's province with copies of Bảo Thắng's units under each of `communes` (ids
/// `lao-cai.{commune}…`), so dossiers can be driven at several communes.
pub fn agencies_with(communes: &[&str]) -> AgencyTree {
    let base = agencies();
    let mut all: Vec<Agency> = base.all().cloned().collect();
    let rename = |id: &AgencyId, commune: &str| {
        AgencyId::parse(
            &id.as_str()
                .replace("lao-cai.bao-thang", &format!("lao-cai.{commune}")),
        )
        .expect("valid id")
    };
    for c in communes {
        for a in base.all() {
            if a.id.as_str().starts_with("lao-cai.bao-thang") {
                let mut copy = a.clone();
                copy.id = rename(&a.id, c);
                copy.parent = a.parent.as_ref().map(|p| rename(p, c));
                all.push(copy);
            }
        }
    }
    AgencyTree::new(all)
}

/// How a driven dossier ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Result issued, and returned, this many working days after the reception day.
    After(u32),
    /// Still in appraisal.
    Open,
    /// One supplement request the next working day, answered `answered` working days later,
    /// result issued `then` working days after the answer.
    Supplemented { answered: u32, then: u32 },
    /// Two supplement requests, each answered the same day; result on the third working day.
    TwiceSupplemented,
    /// Waiting for the supplement asked for the next working day.
    WaitingSupplement,
    /// The applicant withdraws it the next working day.
    Withdrawn,
}

/// A dossier of [`procedure`] received at `commune`'s counter on `received` at 09:00,
/// transferred and assigned, then ended as `ending` says (every command through `decide`).
/// Panics if a command is refused, as [`Sim::ok`] does.
pub fn drive(tree: &AgencyTree, commune: &str, received: NaiveDate, ending: Ending) -> Dossier {
    drive_coded(tree, commune, received, ending, "000.22.22.H38-261207-0001")
        .dossier
        .expect("received")
}

/// [`drive`] with the dossier's code, keeping the events (to store them).
pub fn drive_coded(
    tree: &AgencyTree,
    commune: &str,
    received: NaiveDate,
    ending: Ending,
    code: &str,
) -> Sim {
    let at = |unit: &str| format!("lao-cai.{commune}{unit}");
    let counter = officer("Lò Thị Mai", Role::CounterOfficer, &at(".mot-cua"));
    let head = officer("Trần Thị Lan", Role::UnitHead, &at(".vhxh"));
    let specialist = officer("Nguyễn Văn Hùng", Role::Specialist, &at(".vhxh"));
    let leader = officer("Hoàng Văn Sơn", Role::Leader, &at(""));
    let clerk = officer("Phạm Thị Hoa", Role::Clerk, &at(".vp"));
    let mut sim = Sim::new();
    sim.tree = tree.clone();
    let cal = sim.cal.clone();
    let wd = |from: NaiveDate, n: u32| cal.add_working_days(from, n).expect("in the calendar");
    let stamp = |d: NaiveDate, hm: &str| format!("{} {hm}", d.format("%Y-%m-%d"));
    let mut new = new_dossier(procedure(), &["to-khai", "giay-to"]);
    new.code = DossierCode::parse(code).expect("a valid code");
    new.receiving = id(&at(".mot-cua"));
    new.competent = id(&at(""));
    sim.ok(
        &stamp(received, "09:00"),
        &counter,
        Command::ReceiveAtCounter { new },
    )
    .ok(
        &stamp(received, "09:30"),
        &counter,
        Command::Transfer {
            to_unit: id(&at(".vhxh")),
        },
    )
    .ok(
        &stamp(received, "10:00"),
        &head,
        Command::Assign {
            officer: officer_of(&specialist),
            reason: None,
        },
    );
    let finish = |sim: &mut Sim, day: NaiveDate| {
        sim.ok(
            &stamp(day, "08:30"),
            &specialist,
            Command::Forward {
                note: "Đủ điều kiện".into(),
                to_unit: None,
            },
        )
        .ok(
            &stamp(day, "09:00"),
            &leader,
            Command::Decide {
                outcome: Outcome::Approved,
                reason: String::new(),
                legal_basis: String::new(),
                signature: Default::default(),
            },
        )
        .ok(
            &stamp(day, "10:00"),
            &clerk,
            Command::IssueResult {
                number: "1/2026/TLKS".into(),
                document: None,
            },
        )
        .ok(&stamp(day, "15:00"), &counter, pay_cash(5_000))
        .ok(
            &stamp(day, "15:00"),
            &counter,
            Command::Return {
                received_by: "Lù Văn Páo".into(),
                originals_returned: Vec::new(),
                postal_bill: None,
                collected: None,
            },
        );
    };
    let next = wd(received, 1);
    match ending {
        Ending::After(n) => finish(&mut sim, wd(received, n)),
        Ending::Open => {}
        Ending::Supplemented { answered, then } => {
            sim.ok(&stamp(next, "10:00"), &specialist, supplement("Lần 1"));
            let back = wd(next, answered);
            sim.ok(&stamp(back, "09:00"), &citizen(), resubmit());
            finish(&mut sim, wd(back, then));
        }
        Ending::TwiceSupplemented => {
            let second = wd(received, 2);
            sim.ok(&stamp(next, "10:00"), &specialist, supplement("Lần 1"))
                .ok(&stamp(next, "15:00"), &citizen(), resubmit())
                .ok(&stamp(second, "10:00"), &specialist, supplement("Lần 2"))
                .ok(&stamp(second, "15:00"), &citizen(), resubmit());
            finish(&mut sim, wd(received, 3));
        }
        Ending::WaitingSupplement => {
            sim.ok(&stamp(next, "10:00"), &specialist, supplement("Lần 1"));
        }
        Ending::Withdrawn => {
            sim.ok(
                &stamp(next, "10:00"),
                &citizen(),
                Command::RequestWithdrawal {
                    reason: "Người nộp xin rút hồ sơ".into(),
                },
            )
            .ok(
                &stamp(next, "14:00"),
                &leader,
                Command::Stop {
                    reason: "Người nộp rút hồ sơ".into(),
                    legal_basis: "Nghị định 61/2018/NĐ-CP, Điều 18".into(),
                },
            );
        }
    }
    sim
}

/// A reference to a stored file named `name` (its hash made up), for commands that carry one.
pub fn file_ref(name: &str) -> domain::dossier::FileRef {
    domain::dossier::FileRef {
        sha256: "0".repeat(64),
        name: name.into(),
        size: 1,
        media_type: "application/octet-stream".into(),
        signature: None,
    }
}
