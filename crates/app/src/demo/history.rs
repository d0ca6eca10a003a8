//! Lịch sử giả lập — months of dossiers driven through the real rules: each dossier's timeline is
//! planned (arrival, channel, speed of each step, supplements, apologies, withdrawals) and every
//! step goes through `decide`, at its simulated instant, by the officer whose role it needs. A step
//! the rules refuse is simply not taken, so the data can only contain what the rules allow.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, NaiveTime, Utc};
use domain::agency::{Agency, AgencyId, AgencyKind, AgencyTree};
use domain::applicant::{Address, Applicant};
use domain::dossier::*;
use domain::ids::{Cccd, DossierCode, PersonName, PhoneNumber};
use domain::officer::{Actor, Officer, Role};
use domain::procedure::{Channel, OnlineKind, ProcedureVersion, StepKind};
use lich::WorkCalendar;
use lich::time::{to_vn, vn_instant};
use uuid::Uuid;

use super::people::{Person, Rng, person};
use crate::{App, AppError};

/// What was generated.
#[derive(Debug, Clone, Default)]
pub struct HistorySummary {
    pub dossiers: usize,
    pub events: usize,
    /// Dossiers by national status code.
    pub by_status: BTreeMap<u8, usize>,
}

struct Arrival {
    at: DateTime<Utc>,
    centre: AgencyId,
    committee: AgencyId,
    procedure: usize,
    channel: Channel,
}

/// The numbers of each centre's days, given out as the store's sequence would (the history is
/// written in bulk, then the sequences are raised to what was used).
#[derive(Default)]
struct Numbers(BTreeMap<(String, NaiveDate), u32>);

impl Numbers {
    fn next(&self, sequence: &str, day: NaiveDate) -> u32 {
        self.0
            .get(&(sequence.to_string(), day))
            .copied()
            .unwrap_or(0)
            + 1
    }

    fn take(&mut self, sequence: &str, day: NaiveDate) -> u32 {
        let n = self.next(sequence, day);
        self.0.insert((sequence.to_string(), day), n);
        n
    }
}

/// A dossier being simulated.
struct Run<'a> {
    state: Option<Dossier>,
    events: Vec<Recorded>,
    now: DateTime<Utc>,
    last: DateTime<Utc>,
    cal: &'a WorkCalendar,
    tree: &'a AgencyTree,
    rules: &'a LegalRules,
    numbers: &'a mut Numbers,
}

impl Run<'_> {
    /// Takes a step at `at` if it is not in the future and the rules allow it.
    fn take(&mut self, at: DateTime<Utc>, actor: &Actor, command: Command) -> bool {
        let at = at.max(self.last);
        if at > self.now {
            return false;
        }
        // Receiving an online submission issues its code for the day of reception.
        let numbered = match (&command, &self.state) {
            (Command::AcceptOnline, Some(d)) if d.code.is_provisional() => {
                let Ok(centre) = self.tree.require(&d.receiving) else {
                    return false;
                };
                let day = to_vn(&at).date_naive();
                let n = self.numbers.next(d.receiving.as_str(), day);
                DossierCode::issue(centre.code_format, &centre.code, day, n)
                    .ok()
                    .map(|code| (d.receiving.to_string(), day, code))
            }
            _ => None,
        };
        let ctx = Context {
            now: at,
            actor,
            calendar: self.cal,
            agencies: self.tree,
            rules: self.rules,
            issued_code: numbered.as_ref().map(|(_, _, code)| code.clone()),
            receipt: None,
        };
        let Ok(events) = decide(self.state.as_ref(), command, &ctx) else {
            return false;
        };
        if let Some((sequence, day, _)) = numbered {
            self.numbers.take(&sequence, day);
        }
        let (state, recorded) = crate::intake::apply_events(self.state.take(), events, at, actor);
        self.state = Some(state);
        self.events.extend(recorded);
        self.last = at;
        true
    }

    fn d(&self) -> Option<&Dossier> {
        self.state.as_ref()
    }

    /// `hours` of working time after `t`.
    fn later(&self, t: DateTime<Utc>, hours: f64) -> DateTime<Utc> {
        self.cal
            .add_working_seconds(to_vn(&t), (hours * 3600.0) as i64)
            .map_or(t, |x| x.to_utc())
    }
}

/// Who does what in a commune.
struct Staff<'a> {
    officers: &'a [Officer],
}

impl Staff<'_> {
    fn with(&self, role: Role, agency: &AgencyId) -> Option<Actor> {
        self.officers
            .iter()
            .find(|o| {
                o.grants
                    .iter()
                    .any(|g| g.role == role && &g.agency == agency)
            })
            .map(|o| Actor::Officer(o.clone()))
    }
}

/// The unit that appraises a procedure in a commune.
fn handling_unit(p: &ProcedureVersion, committee: &AgencyId) -> AgencyId {
    let unit = match p.sector.as_str() {
        "Hộ tịch" | "Chứng thực" | "Nuôi con nuôi" => "van-phong",
        "Đăng ký, quản lý cư trú" => "cong-an",
        "Hoạt động xây dựng" | "Đất đai" => "kinh-te",
        s if s.contains("hộ kinh doanh") => "kinh-te",
        _ => "van-hoa-xa-hoi",
    };
    AgencyId::parse(&format!("{committee}.{unit}")).expect("valid id")
}

/// Relative frequency of each procedure at a commune counter.
fn weight(p: &ProcedureVersion) -> u64 {
    match p.code.as_str() {
        "2.000815" => 30, // chứng thực bản sao
        "2.000884" => 14,
        "1.001193" => 12,
        "1.004194" => 10,
        "1.004222" => 8,
        "1.000656" | "2.002913" => 4,
        "1.000894" => 6,
        "1.001612" => 5,
        "1.004884" | "1.004837" | "1.001022" | "2.000635" | "1.002755" | "1.010038" => 3,
        "DP.H38.0001" | "DP.H38.0002" | "DP.H38.0003" | "1.003197" | "1.010028" => 2,
        _ => 1,
    }
}

fn plan_arrivals(
    rng: &mut Rng,
    agencies: &[Agency],
    catalog: &[ProcedureVersion],
    cal: &WorkCalendar,
    from: NaiveDate,
    now: DateTime<Utc>,
    scale: u32,
) -> Vec<Arrival> {
    let centres: Vec<(&Agency, AgencyId)> = agencies
        .iter()
        .filter(|a| a.kind == AgencyKind::ServiceCenter)
        .filter_map(|a| {
            let parent = a.parent.clone()?;
            let committee = agencies.iter().find(|c| c.id == parent)?;
            (committee.kind == AgencyKind::CommuneCommittee).then_some((a, parent))
        })
        .collect();
    // The demo's history is the communes' counters: province procedures are not drawn.
    let weight = |p: &ProcedureVersion| {
        if p.level == domain::procedure::ProcedureLevel::Commune {
            weight(p)
        } else {
            0
        }
    };
    let total: u64 = catalog.iter().map(weight).sum();
    let today = to_vn(&now).date_naive();
    let mut out = Vec::new();
    let mut day = from;
    while day <= today {
        let working = cal.is_working_day(day).unwrap_or(false);
        for (centre, committee) in &centres {
            // Working days: 2–9 at the counter and by post; online also on rest days.
            let counter = if working { 2 + rng.below(8) } else { 0 } * u64::from(scale);
            let online = rng.below(if working { 4 } else { 2 }) * u64::from(scale);
            for i in 0..counter + online {
                let mut pick = rng.below(total);
                let procedure = catalog
                    .iter()
                    .position(|p| {
                        let w = weight(p);
                        if pick < w {
                            true
                        } else {
                            pick -= w;
                            false
                        }
                    })
                    .unwrap_or(0);
                let p = &catalog[procedure];
                let (channel, minute) = if i >= counter {
                    if p.online == OnlineKind::None {
                        continue;
                    }
                    (Channel::Online, rng.below(24 * 60))
                } else if p.postal && rng.chance(0.12) {
                    (Channel::Postal, 8 * 60 + 30 + rng.below(7 * 60))
                } else {
                    (Channel::InPerson, 7 * 60 + 45 + rng.below(9 * 60))
                };
                let time = NaiveTime::from_hms_opt((minute / 60) as u32, (minute % 60) as u32, 0)
                    .expect("valid time");
                let at = vn_instant(day.and_time(time)).to_utc();
                if at <= now {
                    out.push(Arrival {
                        at,
                        centre: centre.id.clone(),
                        committee: committee.clone(),
                        procedure,
                        channel,
                    });
                }
            }
        }
        day = day + Days::new(1);
    }
    out.sort_by_key(|a| a.at);
    out
}

fn applicant(rng: &mut Rng, committee: &Agency) -> (Person, Applicant) {
    let who = person(rng);
    let commune = committee.unit.as_ref().map(|(_, c)| c.as_str());
    let place = committee.name.trim_start_matches("UBND ");
    let text = format!("{}, {place}, tỉnh Lào Cai", who.address_line);
    let applicant = Applicant::Citizen {
        name: PersonName::parse(&who.name).expect("generated names are valid"),
        id_number: Cccd::parse(&who.id_number).expect("generated numbers are valid"),
        phone: Some(PhoneNumber::parse(&who.phone).expect("generated phones are valid")),
        email: None,
        address: Address::new(&who.address_line, commune, &text).expect("valid address"),
    };
    (who, applicant)
}

/// Where a simulated applicant's details came from: online, most citizens sign in with VNeID
/// (name and number from the identity); at the counter, a third are looked up in the population
/// database (name, number, address from the lookup).
fn provenance(rng: &mut Rng, channel: Channel, at: chrono::DateTime<chrono::Utc>) -> Provenance {
    use domain::dossier::{ApplicantField as F, DataSource, Filled, PopulationLookup};
    let filled = |source, fields: &[F]| {
        fields
            .iter()
            .map(|&field| Filled { field, source })
            .collect::<Vec<_>>()
    };
    match channel {
        Channel::Online if rng.chance(0.6) => Provenance {
            vneid: true,
            population: None,
            filled: filled(DataSource::Identity, &[F::IdNumber, F::Name]),
        },
        Channel::InPerson if rng.chance(0.35) => Provenance {
            vneid: false,
            population: Some(PopulationLookup {
                reference: format!("CSDLDC-{:012}", rng.below(1_000_000_000_000)),
                at,
            }),
            filled: filled(DataSource::Population, &[F::Address, F::IdNumber, F::Name]),
        },
        _ => Provenance::default(),
    }
}

/// The components an applicant gives; online each travels as a file (`scan`).
fn components(
    rng: &mut Rng,
    p: &ProcedureVersion,
    scan: Option<&FileRef>,
) -> Vec<SubmittedComponent> {
    let mut out = Vec::new();
    let paged = p.paged_components();
    for c in &p.components {
        if !c.required && !rng.chance(0.3) {
            continue;
        }
        let by_data = c.replaceable_by_data && rng.chance(0.4);
        out.push(SubmittedComponent {
            component: c.id.clone(),
            name: c.name.clone(),
            form: c.form,
            copies: if by_data { 0 } else { c.copies },
            pages: (paged.contains(&c.id) && !by_data).then(|| 1 + rng.below(6) as u16),
            by_data,
            files: scan.filter(|_| !by_data).cloned().into_iter().collect(),
            reused: None,
        });
    }
    out
}

/// The file the invented online submissions attach: one page saying it stands for the
/// applicant's scans (the demo invents people, not their papers).
async fn demo_scan(app: &App) -> Result<FileRef, AppError> {
    let template = giayto::Template::parse(
        "name = \"Bản quét minh họa\"\npaper = \"A4\"\n\
         [[block]]\nkind = \"title\"\ntext = \"BẢN QUÉT THÀNH PHẦN HỒ SƠ\"\n\
         [[block]]\nkind = \"paragraph\"\ntext = \"Tệp minh họa của dữ liệu trình diễn. \
         Trong hồ sơ thật, đây là bản quét giấy tờ người nộp đính kèm khi nộp trực tuyến.\"\n",
    )
    .and_then(|t| giayto::render(&t, &giayto::Data::new()));
    let pdf = template.map_err(|e| {
        tracing::error!(error = %e, "the demo's scan could not be drawn");
        AppError::new(
            crate::ErrorKind::Internal,
            "internal",
            "Không tạo được tệp minh họa của dữ liệu trình diễn.",
        )
    })?;
    app.intake()
        .store_file(&Actor::System, "ban-quet-minh-hoa.pdf", &pdf)
        .await
}

/// Generates and stores the history from `from` until now.
pub async fn generate(
    app: &App,
    catalog: &[ProcedureVersion],
    officers: &[Officer],
    from: NaiveDate,
    scale: u32,
) -> Result<HistorySummary, AppError> {
    let now = app.now();
    let tree = app.agencies();
    let agencies: Vec<Agency> = app.queries().agency_list();
    let cal = WorkCalendar::national(app.national_calendar().clone());
    let rules = app.settings().rules;
    let staff = Staff { officers };
    let mut rng = Rng::new(0x4d6f_7443_7561_2026);
    let scan = demo_scan(app).await?;
    let arrivals = plan_arrivals(&mut rng, &agencies, catalog, &cal, from, now, scale);
    let mut summary = HistorySummary::default();
    let mut numbers = Numbers::default();
    for batch in arrivals.chunks(400) {
        let mut changes = Vec::with_capacity(batch.len());
        for a in batch {
            let p = &catalog[a.procedure];
            let committee = tree.require(&a.committee)?;
            let centre = tree.require(&a.centre)?;
            let (who, applicant) = applicant(&mut rng, committee);
            let day = to_vn(&a.at).date_naive();
            // An online submission waits under a provisional reference of its own sequence. The
            // number is taken only once the dossier exists (below): an arrival the rules refuse
            // must not leave a gap in the day's numbers.
            let sequence = match a.channel {
                Channel::Online => format!("T:{}", a.centre),
                _ => a.centre.to_string(),
            };
            let n = numbers.next(&sequence, day);
            let code = if a.channel == Channel::Online {
                DossierCode::provisional(centre.code_format, &centre.code, day, n)?
            } else {
                DossierCode::issue(centre.code_format, &centre.code, day, n)?
            };
            let return_method = match a.channel {
                Channel::Online if p.result.electronic && rng.chance(0.5) => {
                    ReturnMethod::Electronic
                }
                Channel::Postal => ReturnMethod::Post {
                    address: applicant_address(&applicant),
                },
                _ => ReturnMethod::Counter,
            };
            let new = Box::new(NewDossier {
                id: DossierId(Uuid::now_v7()),
                code,
                procedure: p.clone(),
                applicant: applicant.clone(),
                components: components(
                    &mut rng,
                    p,
                    Some(&scan).filter(|_| a.channel == Channel::Online),
                ),
                return_method,
                receiving: a.centre.clone(),
                competent: competent_of(p, &a.committee, &tree),
                helped_at: None,
                fee_exemption: None,
                corrects: None,
                provenance: provenance(&mut rng, a.channel, a.at),
            });
            let citizen = Actor::Citizen {
                name: PersonName::parse(&who.name).expect("valid"),
                id_number: Some(Cccd::parse(&who.id_number).expect("valid")),
                access: domain::officer::CitizenAccess::Submitting,
            };
            let mut run = Run {
                state: None,
                events: Vec::new(),
                now,
                last: a.at,
                cal: &cal,
                tree: &tree,
                rules: &rules,
                numbers: &mut numbers,
            };
            simulate(&mut run, &mut rng, a, new, &staff, &citizen, p);
            let Run { state, events, .. } = run;
            let Some(dossier) = state else { continue };
            numbers.take(&sequence, day);
            let facts = dossier.facts(&app.calendar_of(&dossier.receiving), &rules)?;
            summary.dossiers += 1;
            summary.events += events.len();
            *summary
                .by_status
                .entry(dossier.stage.national_status().code())
                .or_default() += 1;
            changes.push(store::Change {
                readers: store::Readers::of(&dossier, &tree),
                counts: fact_delta(&[], &facts),
                dossier,
                expected_version: 0,
                events,
                outbox: Vec::new(),
            });
        }
        app.db().write_dossiers(changes, now).await?;
    }
    for ((sequence, day), last) in &numbers.0 {
        app.db()
            .raise_code_number(sequence, &day.to_string(), *last)
            .await?;
    }
    Ok(summary)
}

fn applicant_address(a: &Applicant) -> String {
    match a {
        Applicant::Citizen { address, .. } | Applicant::Organisation { address, .. } => {
            address.text.clone()
        }
    }
}

fn competent_of(p: &ProcedureVersion, committee: &AgencyId, tree: &AgencyTree) -> AgencyId {
    match &p.competence {
        domain::procedure::Competence::ReceivingCommittee => committee.clone(),
        domain::procedure::Competence::Agency(id) => id.clone(),
        domain::procedure::Competence::ReceivingUnit(kind) => tree
            .children(committee)
            .into_iter()
            .find(|a| a.kind == *kind)
            .map_or_else(|| committee.clone(), |a| a.id.clone()),
    }
}

/// Drives one dossier through its planned life, phase by phase; a phase the rules refuse (or
/// that lies in the future) ends the life where it stands.
fn simulate(
    run: &mut Run<'_>,
    rng: &mut Rng,
    a: &Arrival,
    new: Box<NewDossier>,
    staff: &Staff<'_>,
    citizen: &Actor,
    p: &ProcedureVersion,
) {
    let counter = staff
        .with(Role::CounterOfficer, &a.centre)
        .expect("every demo centre has a counter officer");
    let mut life = Life {
        run,
        rng,
        staff,
        citizen,
        p,
        committee: a.committee.clone(),
        counter,
    };
    if !life.receive(a, new) || life.withdrawn() {
        return;
    }
    let Some((unit, specialist)) = life.transfer_and_assign() else {
        return;
    };
    let handling_start = life.run.last;
    life.consult(&specialist);
    if !life.supplement(&specialist) {
        return;
    }
    life.interconnect(&specialist);
    let Some(slow) = life.forward(&unit, &specialist, handling_start) else {
        return;
    };
    if life.decide(slow) && life.issue() {
        life.give_back();
    }
}

/// One dossier's life: the run it is written into and the people it meets.
struct Life<'l, 'r> {
    run: &'l mut Run<'r>,
    rng: &'l mut Rng,
    staff: &'l Staff<'l>,
    citizen: &'l Actor,
    p: &'l ProcedureVersion,
    committee: AgencyId,
    counter: Actor,
}

impl Life<'_, '_> {
    /// The leader of a unit, or of the commune when the unit has none.
    fn leader_at(&self, unit: &AgencyId) -> Option<Actor> {
        self.staff
            .with(Role::Leader, unit)
            .or_else(|| self.staff.with(Role::Leader, &self.committee))
    }

    /// The working hours a procedure allots to a step (two when it names none).
    fn allotted_hours(&self, kind: StepKind) -> f64 {
        let limit = self
            .p
            .steps
            .iter()
            .find(|s| s.kind == kind)
            .and_then(|s| s.allotted);
        limit.map_or(2.0, |l| match l.unit() {
            lich::Unit::WorkingHours | lich::Unit::Hours => f64::from(l.hundredths()) / 100.0,
            _ => f64::from(l.hundredths()) / 100.0 * 8.0,
        })
    }

    /// Phase 1: arrival and reception (or refusal) by the channel planned.
    fn receive(&mut self, a: &Arrival, new: Box<NewDossier>) -> bool {
        let (run, rng, counter) = (&mut *self.run, &mut *self.rng, &self.counter);
        match a.channel {
            Channel::InPerson if rng.chance(0.015) => {
                run.take(
                    a.at,
                    counter,
                    Command::RefuseAtCounter {
                        new,
                        reason:
                            "Yêu cầu không thuộc thẩm quyền giải quyết của UBND cấp xã nơi nộp hồ sơ"
                                .into(),
                        legal_basis: "Nghị định 61/2018/NĐ-CP, Điều 17 khoản 1".into(),
                    },
                );
                false
            }
            Channel::InPerson => run.take(a.at, counter, Command::ReceiveAtCounter { new }),
            Channel::Postal => {
                let postal = PostalIntake {
                    bill_number: format!("EB{:09}VN", rng.below(1_000_000_000)),
                    handover_record: format!("BB-{}", rng.below(100_000)),
                    handover_signed_at: a.at,
                    postal_worker: "Nhân viên Bưu điện Văn hóa xã".into(),
                    fees_collected: 0,
                };
                let at = a.at + Duration::minutes(5 + rng.below(40) as i64);
                run.take(at, counter, Command::ReceiveByPost { new, postal })
            }
            Channel::Online => self.receive_online(a, new),
        }
    }

    /// An online submission: checked at the counter, refused now and then, sometimes sent back
    /// once for a supplement (hướng dẫn bổ sung) before it is accepted.
    fn receive_online(&mut self, a: &Arrival, new: Box<NewDossier>) -> bool {
        let (run, rng, counter, citizen) =
            (&mut *self.run, &mut *self.rng, &self.counter, self.citizen);
        if !run.take(a.at, citizen, Command::SubmitOnline { new }) {
            return false;
        }
        let mut check = run.later(a.at, rng.between(0.2, 3.0));
        if rng.chance(0.01) {
            run.take(
                check,
                counter,
                Command::RefuseOnline {
                    reason: "Hồ sơ nộp không đúng cơ quan có thẩm quyền".into(),
                    legal_basis: "Nghị định 61/2018/NĐ-CP, Điều 17 khoản 2".into(),
                },
            );
            return false;
        }
        if rng.chance(0.05) {
            let component = self.p.components.first().map(|c| c.id.clone());
            run.take(
                check,
                counter,
                Command::RequestIntakeSupplement {
                    items: vec![SupplementItem {
                        component: component.clone(),
                        text: "Tờ khai chưa ghi đủ thông tin, chưa có chữ ký của người yêu cầu"
                            .into(),
                    }],
                    reason: "Hồ sơ chưa đầy đủ, hợp lệ".into(),
                },
            );
            let back = check + Duration::hours(4 + rng.below(44) as i64);
            let resubmitted = run.take(
                back,
                citizen,
                Command::SubmitSupplement {
                    components: component
                        .map(|c| vec![first_component(self.p, &c)])
                        .unwrap_or_default(),
                    note: "Đã bổ sung theo hướng dẫn".into(),
                },
            );
            if !resubmitted {
                return false;
            }
            check = run.later(back, rng.between(0.2, 2.0));
        }
        if !run.take(check, counter, Command::AcceptOnline) {
            return false;
        }
        // Most applicants who submit online pay the fee online too, through the payment
        // gateway, soon after the dossier is accepted (the gateway's confirmation is recorded by
        // the system); the others pay when the result is handed over.
        let owed = run.d().map_or(0, |d| d.fees_outstanding());
        if owed > 0 && rng.chance(0.7) {
            let at = check + Duration::minutes(10 + rng.below(600) as i64);
            run.take(
                at,
                &Actor::System,
                Command::RecordPayment {
                    amount: owed,
                    method: PaymentMethod::Online,
                    reference: Some(format!("{:014}", rng.below(100_000_000_000_000))),
                    payer: None,
                },
            );
        }
        true
    }

    /// Phase 2: withdrawal soon after reception, now and then: whether the dossier was withdrawn.
    fn withdrawn(&mut self) -> bool {
        if !self.rng.chance(0.006) {
            return false;
        }
        let t = self.run.later(self.run.last, self.rng.between(2.0, 8.0));
        let asked = self.run.take(
            t,
            self.citizen,
            Command::RequestWithdrawal {
                reason: "Không còn nhu cầu giải quyết".into(),
            },
        );
        if asked {
            let t = self.run.later(t, self.rng.between(1.0, 4.0));
            if let Some(leader) = self.leader_at(&self.committee) {
                self.run.take(
                    t,
                    &leader,
                    Command::Stop {
                        reason: "Theo đề nghị rút hồ sơ của người nộp".into(),
                        legal_basis: "Nghị định 118/2025/NĐ-CP".into(),
                    },
                );
            }
        }
        true
    }

    /// Phase 3: transfer to the handling unit and assignment: the unit and its specialist.
    fn transfer_and_assign(&mut self) -> Option<(AgencyId, Actor)> {
        let unit = handling_unit(self.p, &self.committee);
        let t = self.run.later(self.run.last, self.rng.between(0.1, 1.5));
        let to_unit = unit.clone();
        if !self
            .run
            .take(t, &self.counter, Command::Transfer { to_unit })
        {
            return None;
        }
        let specialist = self.staff.with(Role::Specialist, &unit);
        let assigner = self
            .staff
            .with(Role::UnitHead, &unit)
            .or_else(|| self.leader_at(&unit));
        if let (Some(s), Some(h)) = (&specialist, &assigner) {
            let t = self.run.later(self.run.last, self.rng.between(0.05, 0.5));
            let officer = s.officer().expect("officer").clone();
            self.run.take(
                t,
                h,
                Command::Assign {
                    officer: Box::new(officer),
                    reason: None,
                },
            );
        }
        Some((unit, specialist?))
    }

    fn multi_day(&self) -> bool {
        self.p.limit.unit() != lich::Unit::SameDay
    }

    /// Phase 4a: appraisal asks another unit's opinion, now and then.
    fn consult(&mut self, specialist: &Actor) {
        if !(self.multi_day() && self.rng.chance(0.05)) {
            return;
        }
        let other = AgencyId::parse(&format!("{}.van-hoa-xa-hoi", self.committee)).expect("valid");
        let t = self.run.later(self.run.last, self.rng.between(0.5, 3.0));
        let asked = self.run.take(
            t,
            specialist,
            Command::RequestConsultation {
                unit: other.clone(),
                content: "Đề nghị cho ý kiến về hoàn cảnh gia đình người yêu cầu".into(),
                limit: "1 ngày làm việc".parse().expect("valid"),
            },
        );
        if let (true, Some(answerer)) = (asked, self.staff.with(Role::Specialist, &other)) {
            let t = self.run.later(t, self.rng.between(1.0, 9.0));
            let id = self.run.d().map_or(1, |d| d.consultations.len() as u32);
            self.run.take(
                t,
                &answerer,
                Command::AnswerConsultation {
                    id,
                    answer: "Thống nhất, đề nghị giải quyết".into(),
                },
            );
        }
    }

    /// Phase 4b: appraisal asks for a supplement, now and then: false when the applicant never
    /// brings it.
    fn supplement(&mut self, specialist: &Actor) -> bool {
        if !(self.multi_day() && self.rng.chance(0.03)) {
            return true;
        }
        let component = self
            .p
            .components
            .iter()
            .find(|c| c.required)
            .map(|c| c.id.clone());
        let t = self.run.later(self.run.last, self.rng.between(0.5, 6.0));
        let asked = self.run.take(
            t,
            specialist,
            Command::RequestSupplement {
                items: vec![SupplementItem {
                    component: component.clone(),
                    text: "Bản sao không rõ nét, thiếu trang".into(),
                }],
                reason: "Hồ sơ chưa đủ điều kiện thẩm định".into(),
                legal_basis: "Nghị định 61/2018/NĐ-CP, Điều 19 khoản 4".into(),
            },
        );
        if !asked {
            return true;
        }
        let wait = Duration::days(1 + self.rng.below(5) as i64);
        let back = at_office(self.run, self.rng, t + wait);
        let components = component
            .map(|c| vec![first_component(self.p, &c)])
            .unwrap_or_default();
        self.run.take(
            back,
            self.citizen,
            Command::SubmitSupplement {
                components,
                note: "Nộp bổ sung".into(),
            },
        )
    }

    /// Phase 4c: interconnected procedures (liên thông): the police and the agencies the
    /// procedure names, in parallel.
    fn interconnect(&mut self, specialist: &Actor) {
        if self.p.interconnected.is_empty() {
            return;
        }
        let police = AgencyId::parse(&format!("{}.cong-an", self.committee)).expect("valid");
        let mut legs = vec![LegPlan {
            agency: police,
            task: "Xóa đăng ký thường trú".into(),
            limit: "2 ngày làm việc".parse().expect("valid"),
            upper_level: false,
        }];
        for agency in &self.p.interconnected {
            legs.push(LegPlan {
                agency: agency.clone(),
                task: "Giải quyết trợ cấp mai táng".into(),
                limit: "3 ngày làm việc".parse().expect("valid"),
                upper_level: true,
            });
        }
        let n = legs.len();
        let t = self.run.later(self.run.last, self.rng.between(0.5, 2.0));
        let mode = InterconnectionMode::Parallel;
        if self
            .run
            .take(t, specialist, Command::StartInterconnection { mode, legs })
        {
            for index in 0..n {
                let t = self.run.later(self.run.last, self.rng.between(2.0, 14.0));
                let result = "Đã giải quyết phần việc liên thông".into();
                self.run
                    .take(t, specialist, Command::CompleteLeg { index, result });
            }
        }
    }

    /// Phase 5: forward to the leader: usually well within the allotted time, sometimes slow (and
    /// then apologised for at least a day before the due date). Whether it was slow.
    fn forward(
        &mut self,
        unit: &AgencyId,
        specialist: &Actor,
        handling_start: DateTime<Utc>,
    ) -> Option<bool> {
        let slow = self.rng.chance(0.07);
        let factor = if slow {
            self.rng.between(1.3, 3.5)
        } else {
            self.rng.between(0.1, 0.85)
        };
        let elapsed = self
            .run
            .cal
            .working_seconds_between(to_vn(&handling_start), to_vn(&self.run.last))
            .unwrap_or(0) as f64
            / 3600.0;
        let planned = self.run.later(
            handling_start,
            (self.allotted_hours(StepKind::Handling) * factor).max(elapsed + 0.1),
        );
        if slow {
            apologise(self.run, self.rng, self.staff, unit, planned);
        }
        let forwarded = self.run.take(
            planned,
            specialist,
            Command::Forward {
                note: "Hồ sơ đủ điều kiện, đề nghị phê duyệt".into(),
                to_unit: None,
            },
        );
        forwarded.then_some(slow)
    }

    /// Phase 6: the leader's decision: approval, rarely a refusal (approved after all when the
    /// refusal is not allowed).
    fn decide(&mut self, slow: bool) -> bool {
        let competent = self.run.d().map(|d| d.competent.clone()).expect("state");
        let Some(leader) = self.leader_at(&competent) else {
            return false;
        };
        let share = self.rng.between(0.05, if slow { 1.5 } else { 0.9 });
        let t = self.run.later(
            self.run.last,
            self.allotted_hours(StepKind::Approval) * share,
        );
        let approve = Command::Decide {
            outcome: Outcome::Approved,
            reason: String::new(),
            legal_basis: String::new(),
            signature: Default::default(),
        };
        if !self.rng.chance(0.01) {
            return self.run.take(t, &leader, approve);
        }
        let refuse = Command::Decide {
            outcome: Outcome::Refused,
            reason: "Người yêu cầu không đáp ứng điều kiện theo quy định".into(),
            legal_basis: "Luật Hộ tịch 2014".into(),
            signature: Default::default(),
        };
        self.run.take(t, &leader, refuse) || self.run.take(t, &leader, approve)
    }

    /// Phase 7: issuance (vào số, phát hành) when the procedure has that step.
    fn issue(&mut self) -> bool {
        let at_issuance = self
            .run
            .d()
            .and_then(|d| d.current_step())
            .is_some_and(|s| s.kind == StepKind::Issuance);
        if !at_issuance {
            return true;
        }
        let unit = self.run.d().and_then(|d| d.current_unit()).expect("unit");
        let Some(clerk) = self.staff.with(Role::Clerk, unit) else {
            return false;
        };
        let t = self.run.later(self.run.last, self.rng.between(0.1, 2.5));
        let number = format!("{}/{}", 1 + self.rng.below(900), to_vn(&t).year());
        self.run.take(
            t,
            &clerk,
            Command::IssueResult {
                number,
                document: None,
            },
        )
    }

    /// Phase 8: early notice and return: at the counter, by post or electronically; now and
    /// then the result is never collected.
    fn give_back(&mut self) {
        let (run, rng, counter) = (&mut *self.run, &mut *self.rng, &self.counter);
        let ready = run.last;
        let appointment = run.d().and_then(|d| d.appointment).unwrap_or(ready);
        let notified = to_vn(&ready).date_naive() < to_vn(&appointment).date_naive()
            && rng.chance(0.6)
            && run.take(
                run.later(ready, rng.between(0.05, 1.0)),
                counter,
                Command::NotifyEarlyReturn {
                    channel: "SMS".into(),
                },
            );
        if rng.chance(0.03) {
            return; // never collected
        }
        let method = run.d().map(|d| d.return_method.clone()).expect("state");
        let (at, who, bill) = match method {
            ReturnMethod::Electronic => (run.later(run.last, 0.1), applicant_name(run), None),
            ReturnMethod::Post { .. } => (
                run.later(run.last, rng.between(0.5, 4.0)),
                "Bưu điện Văn hóa xã".to_string(),
                Some(format!("RR{:09}VN", rng.below(1_000_000_000))),
            ),
            ReturnMethod::Counter => {
                let base = if notified {
                    run.last
                } else {
                    appointment.max(run.last)
                };
                let day_offset = if notified { rng.below(2) } else { rng.below(3) };
                let at = at_office(run, rng, base + Duration::days(day_offset as i64));
                (at.max(run.last), applicant_name(run), None)
            }
        };
        // ND 61/2018 Art. 22: what is still owed is collected as the result is handed over —
        // in cash at the counter, with the postal operator's bill, or by a transfer for an
        // electronic result. (A refusal is not charged: the domain takes no payment then.)
        let owed = run.d().map_or(0, |d| d.fees_outstanding());
        let at_return = run.d().is_some_and(Dossier::collects_at_return);
        let mut collected = None;
        if owed > 0 {
            let (method, reference) = match (&method, &bill) {
                (ReturnMethod::Counter, _) => (PaymentMethod::Cash, None),
                (ReturnMethod::Post { .. }, Some(bill)) => {
                    (PaymentMethod::Postal, Some(bill.clone()))
                }
                _ => (
                    PaymentMethod::BankTransfer,
                    Some(format!("FT{:011}", rng.below(100_000_000_000))),
                ),
            };
            if at_return {
                // Paid at the hand-over, in the return itself.
                collected = Some(Collection {
                    method,
                    reference,
                    payer: None,
                });
            } else {
                run.take(
                    at,
                    counter,
                    Command::RecordPayment {
                        amount: owed,
                        method,
                        reference,
                        payer: None,
                    },
                );
            }
        }
        run.take(
            at,
            counter,
            Command::Return {
                received_by: who,
                originals_returned: Vec::new(),
                postal_bill: bill,
                collected,
            },
        );
    }
}

/// Phiếu xin lỗi: the unit head apologises the working day before the due date.
fn apologise(
    run: &mut Run<'_>,
    rng: &mut Rng,
    staff: &Staff<'_>,
    unit: &AgencyId,
    planned: DateTime<Utc>,
) {
    let Some(due) = run.d().and_then(|d| d.appointment) else {
        return;
    };
    if planned <= due {
        return;
    }
    let Ok(day_before) = run.cal.previous_working_day(to_vn(&due).date_naive()) else {
        return;
    };
    let t = vn_instant(day_before.and_hms_opt(9, 30, 0).expect("valid")).to_utc();
    let Ok(new_day) = run.cal.add_working_days(to_vn(&planned).date_naive(), 1) else {
        return;
    };
    let new_appointment = vn_instant(new_day.and_hms_opt(17, 0, 0).expect("valid")).to_utc();
    let head = staff
        .with(Role::UnitHead, unit)
        .or_else(|| staff.with(Role::Leader, unit));
    if let Some(head) = head {
        let reasons = [
            "Cần xác minh thêm thông tin tại địa phương nơi cư trú trước đây",
            "Chờ kết quả phối hợp của cơ quan liên quan",
            "Khối lượng hồ sơ tăng đột biến trong thời gian cao điểm",
        ];
        run.take(
            t,
            &head,
            Command::Apologize {
                reason: rng.pick(&reasons).to_string(),
                new_appointment,
            },
        );
    }
}

/// A random office-hours instant on the first working day on or after `t`.
fn at_office(run: &Run<'_>, rng: &mut Rng, t: DateTime<Utc>) -> DateTime<Utc> {
    let mut day = to_vn(&t).date_naive();
    if !run.cal.is_working_day(day).unwrap_or(true) {
        day = run.cal.next_working_day(day).unwrap_or(day);
    }
    let minute = 7 * 60 + 45 + rng.below(9 * 60);
    let time =
        NaiveTime::from_hms_opt((minute / 60) as u32, (minute % 60) as u32, 0).expect("valid");
    vn_instant(day.and_time(time)).to_utc()
}

fn applicant_name(run: &Run<'_>) -> String {
    run.d()
        .map(|d| d.applicant.display_name().to_string())
        .unwrap_or_default()
}

fn first_component(p: &ProcedureVersion, id: &str) -> SubmittedComponent {
    let c = p
        .components
        .iter()
        .find(|c| c.id == id)
        .expect("component of the procedure");
    SubmittedComponent {
        component: c.id.clone(),
        name: c.name.clone(),
        form: c.form,
        copies: c.copies,
        pages: None,
        by_data: false,
        files: Vec::new(),
        reused: None,
    }
}
