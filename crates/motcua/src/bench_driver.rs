//! Hồ sơ mẫu cho đo báo cáo — dossiers driven through the domain's rules, in memory, for
//! `motcua bench reports`: the demo province's Xã Bảo Thắng, its officers, and the shipped
//! catalogue's re-registration of birth (1.004884), received on a given day at 09:00 and
//! ended one of a few ways. Every command goes through `decide`; a refusal is an error.

use anyhow::{Context as _, Result, anyhow};
use chrono::NaiveDate;
use domain::agency::{AgencyId, AgencyTree};
use domain::dossier::{
    Command, Context, Dossier, DossierId, LegalRules, NewDossier, Outcome, Recorded, ReturnMethod,
    SubmittedComponent, SupplementItem, decide,
};
use domain::ids::{Cccd, DossierCode, PersonName};
use domain::officer::{Actor, Officer};
use domain::procedure::{DocForm, ProcedureVersion};
use lich::WorkCalendar;

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
    /// The applicant withdraws it the next working day; handling stops.
    Withdrawn,
}

const PROCEDURE: &str = "1.004884";
const COMMUNE: &str = "lao-cai.bao-thang";

/// The province, calendar, procedure and officers the dossiers are driven with.
pub struct Driver {
    tree: AgencyTree,
    calendar: WorkCalendar,
    rules: LegalRules,
    procedure: ProcedureVersion,
    counter: Actor,
    head: Actor,
    specialist: Actor,
    leader: Actor,
    clerk: Actor,
}

impl Driver {
    pub fn new() -> Result<Self> {
        let agencies = app::demo::agencies()?;
        let officers = app::demo::officers(&agencies);
        let by_name = |username: &str| -> Result<Actor> {
            officers
                .iter()
                .find(|o: &&Officer| o.username == username)
                .cloned()
                .map(Actor::Officer)
                .ok_or_else(|| anyhow!("không có cán bộ trình diễn {username}"))
        };
        let procedure = app::catalog::shipped()?
            .into_iter()
            .find(|p| p.code.as_str() == PROCEDURE)
            .with_context(|| format!("danh mục không có thủ tục {PROCEDURE}"))?;
        Ok(Driver {
            tree: AgencyTree::new(agencies),
            calendar: WorkCalendar::national(std::sync::Arc::new(lich::Calendar::embedded())),
            rules: LegalRules::default(),
            procedure,
            counter: by_name("motcua.baothang")?,
            head: by_name("chanhvanphong.baothang")?,
            specialist: by_name("tuphap.baothang")?,
            leader: by_name("chutich.baothang")?,
            clerk: by_name("vanthu.baothang")?,
        })
    }

    /// The calendar the dossiers are counted with.
    pub fn calendar(&self) -> &WorkCalendar {
        &self.calendar
    }

    /// A dossier received on `received` at 09:00, transferred and assigned, then ended as
    /// `ending` says.
    pub fn drive(&self, received: NaiveDate, ending: Ending) -> Result<Dossier> {
        let mut run = Run {
            driver: self,
            events: Vec::new(),
            dossier: None,
        };
        let wd = |from: NaiveDate, n: u32| self.calendar.add_working_days(from, n);
        run.step(received, "09:00", &self.counter, self.reception())?;
        run.step(
            received,
            "09:30",
            &self.counter,
            Command::Transfer {
                to_unit: AgencyId::parse(&format!("{COMMUNE}.van-phong"))?,
            },
        )?;
        let specialist = self.specialist.officer().cloned().expect("an officer");
        run.step(
            received,
            "10:00",
            &self.head,
            Command::Assign {
                officer: Box::new(specialist),
                reason: None,
            },
        )?;
        let next = wd(received, 1)?;
        match ending {
            Ending::After(n) => run.finish(wd(received, n)?)?,
            Ending::Open => {}
            Ending::Supplemented { answered, then } => {
                run.step(next, "10:00", &self.specialist, supplement("Lần 1"))?;
                let back = wd(next, answered)?;
                run.step(back, "09:00", &self.counter, resubmit())?;
                run.finish(wd(back, then)?)?;
            }
            Ending::TwiceSupplemented => {
                let second = wd(received, 2)?;
                run.step(next, "10:00", &self.specialist, supplement("Lần 1"))?;
                run.step(next, "15:00", &self.counter, resubmit())?;
                run.step(second, "10:00", &self.specialist, supplement("Lần 2"))?;
                run.step(second, "15:00", &self.counter, resubmit())?;
                run.finish(wd(received, 3)?)?;
            }
            Ending::Withdrawn => {
                let reason = "Người nộp xin rút hồ sơ".to_string();
                run.step(
                    next,
                    "10:00",
                    &self.counter,
                    Command::RequestWithdrawal {
                        reason: reason.clone(),
                    },
                )?;
                run.step(
                    next,
                    "14:00",
                    &self.leader,
                    Command::Stop {
                        reason,
                        legal_basis: "Nghị định 61/2018/NĐ-CP, Điều 19".into(),
                    },
                )?;
            }
        }
        run.dossier.context("hồ sơ chưa được mở")
    }

    fn reception(&self) -> Command {
        let applicant = domain::applicant::Applicant::Citizen {
            name: PersonName::parse("Lù Văn Páo").expect("a valid name"),
            id_number: Cccd::parse("010090012345").expect("a valid number"),
            phone: None,
            email: None,
            address: domain::applicant::Address::new(
                "Thôn Cốc Sâm",
                Some("02905"),
                "Thôn Cốc Sâm, xã Bảo Thắng, tỉnh Lào Cai",
            )
            .expect("a valid address"),
        };
        let components = self
            .procedure
            .components
            .iter()
            .filter(|c| c.required)
            .map(|c| component(&c.id))
            .collect();
        Command::ReceiveAtCounter {
            new: Box::new(NewDossier {
                id: DossierId(uuid::Uuid::nil()),
                code: DossierCode::parse("000.01.61.H38-261207-0001").expect("a valid code"),
                procedure: self.procedure.clone(),
                applicant,
                components,
                return_method: ReturnMethod::Counter,
                receiving: AgencyId::parse(&format!("{COMMUNE}.mot-cua")).expect("a valid id"),
                competent: AgencyId::parse(COMMUNE).expect("a valid id"),
                helped_at: None,
                fee_exemption: None,
                corrects: None,
                provenance: Default::default(),
            }),
        }
    }
}

/// One dossier being driven.
struct Run<'a> {
    driver: &'a Driver,
    events: Vec<Recorded>,
    dossier: Option<Dossier>,
}

impl Run<'_> {
    /// Decides and applies a command at `hm` (Vietnamese time) on `day`.
    fn step(&mut self, day: NaiveDate, hm: &str, actor: &Actor, command: Command) -> Result<()> {
        let now = lich::time::parse_instant(&format!("{} {hm}", day.format("%Y-%m-%d")))
            .map_err(|e| anyhow!("{e}"))?
            .to_utc();
        let name = command.name();
        let ctx = Context {
            now,
            actor,
            calendar: &self.driver.calendar,
            agencies: &self.driver.tree,
            rules: &self.driver.rules,
            issued_code: None,
            receipt: None,
        };
        let events = decide(self.dossier.as_ref(), command, &ctx)
            .map_err(|e| anyhow!("lệnh {name} bị từ chối: {}", e.message))?;
        for event in events {
            let r = Recorded {
                version: self.events.len() as u64 + 1,
                at: now,
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

    /// Appraised, approved, issued and returned on `day`.
    fn finish(&mut self, day: NaiveDate) -> Result<()> {
        let d = self.driver;
        self.step(
            day,
            "08:30",
            &d.specialist,
            Command::Forward {
                note: "Đủ điều kiện".into(),
                to_unit: None,
            },
        )?;
        self.step(
            day,
            "09:00",
            &d.leader,
            Command::Decide {
                outcome: Outcome::Approved,
                reason: String::new(),
                legal_basis: String::new(),
                signature: Default::default(),
            },
        )?;
        self.step(
            day,
            "10:00",
            &d.clerk,
            Command::IssueResult {
                number: "1/2026/TLKS".into(),
                document: None,
            },
        )?;
        // Lệ phí: what the procedure charges is paid in cash before the result is handed over.
        let owed = self.dossier.as_ref().map_or(0, Dossier::fees_outstanding);
        if owed > 0 {
            self.step(
                day,
                "14:45",
                &d.counter,
                Command::RecordPayment {
                    amount: owed,
                    method: domain::dossier::PaymentMethod::Cash,
                    reference: None,
                    payer: None,
                },
            )?;
        }
        self.step(
            day,
            "15:00",
            &d.counter,
            Command::Return {
                received_by: "Lù Văn Páo".into(),
                originals_returned: Vec::new(),
                postal_bill: None,
                collected: None,
            },
        )
    }
}

fn component(id: &str) -> SubmittedComponent {
    SubmittedComponent {
        component: id.into(),
        name: String::new(),
        form: DocForm::Original,
        copies: 1,
        pages: None,
        by_data: false,
        files: Vec::new(),
        reused: None,
    }
}

fn supplement(reason: &str) -> Command {
    Command::RequestSupplement {
        items: vec![SupplementItem {
            component: None,
            text: "Bản sao không rõ số, ngày cấp".into(),
        }],
        reason: reason.into(),
        legal_basis: "Nghị định 61/2018/NĐ-CP, Điều 19 khoản 4".into(),
    }
}

fn resubmit() -> Command {
    Command::SubmitSupplement {
        components: vec![component("to-khai")],
        note: "Nộp bổ sung".into(),
    }
}
