//! Chỉ số 766 tại chỗ — the QĐ 766 index computed from this system's own counters for each unit
//! under a scope, for a month, quarter or year (or any span), as of any past day, ranked, with
//! the previous period beside it. The formulas are in `domain::qd766`; this module gathers their
//! inputs: the counters (never the dossiers) and the catalogue.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use domain::agency::{AgencyId, AgencyKind, AgencyTree};
use domain::dossier::Measure as M;
use domain::officer::Actor;
use domain::procedure::{Competence, OnlineKind, ProcedureLevel, ProcedureVersion};
use domain::qd766::{Indicator, Inputs};

use crate::Reports;
use crate::{App, AppError};

pub use domain::period::Period;

/// What a report covers besides its period: a scope in the agency tree and, optionally, some
/// procedures only (one procedure, a sector, a level).
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub under: Option<AgencyId>,
    pub procedure: Option<String>,
    /// Lĩnh vực — the sector name as the catalogue writes it.
    pub sector: Option<String>,
    pub level: Option<ProcedureLevel>,
}

impl Scope {
    pub(crate) fn filters_procedures(&self) -> bool {
        self.procedure.is_some() || self.sector.is_some() || self.level.is_some()
    }

    pub(crate) fn admits(&self, p: &ProcedureVersion) -> bool {
        self.procedure
            .as_deref()
            .is_none_or(|c| p.code.as_str() == c)
            && self.sector.as_deref().is_none_or(|s| p.sector == s)
            && self.level.is_none_or(|l| p.level == l)
    }
}

/// One unit's index: its inputs, its indicators and total, its rank, and the previous period's.
#[derive(Debug, Clone)]
pub struct UnitIndex {
    pub agency: String,
    pub name: String,
    pub inputs: Inputs,
    pub indicators: Vec<Indicator>,
    /// Points of the computed indicators, and the most they could give.
    pub points: f64,
    pub max: f64,
    /// 1 = first; units with nothing to score are not ranked.
    pub rank: Option<usize>,
    pub previous_points: Option<f64>,
    pub previous_rank: Option<usize>,
}

/// Chỉ số 766 of every unit in a scope.
#[derive(Debug, Clone)]
pub struct Index766 {
    pub period: Period,
    /// The day the figures stand at (the period's end, or an earlier day asked for).
    pub as_of: NaiveDate,
    pub previous: Period,
    pub units: Vec<UnitIndex>,
    /// The scope as a whole.
    pub total: UnitIndex,
}

/// A dossier that cost points on indicator 2.1, with the step and unit that held it late.
#[derive(Debug, Clone)]
pub struct CostLine {
    pub id: domain::dossier::DossierId,
    pub code: String,
    pub procedure: String,
    pub agency: String,
    /// The QĐ 766 date it was measured against (promised date plus supplement time).
    pub due: Option<chrono::DateTime<chrono::Utc>>,
    /// When the index counts it ended; `None`: still open at the end of the period.
    pub ended: Option<chrono::DateTime<chrono::Utc>>,
    /// Why it counts as late.
    pub reason: String,
    pub step: String,
    pub unit: String,
    pub handler: String,
}

/// The units ranked in a scope: the children of its root that decide dossiers (not the
/// service centre or the office), and the root itself when it decides some.
fn ranked_units(tree: &AgencyTree, roots: &[AgencyId]) -> Vec<AgencyId> {
    if let [root] = roots {
        let mut v: Vec<AgencyId> = vec![root.clone()];
        v.extend(
            tree.children(root)
                .into_iter()
                .filter(|a| !matches!(a.kind, AgencyKind::ServiceCenter | AgencyKind::Office))
                .map(|a| a.id.clone()),
        );
        v
    } else {
        roots.to_vec()
    }
}

/// Whether a procedure is under the authority of some agency in `members` (§5.2 3.1: at commune
/// level, the procedures whose applicable unit is that commune).
fn under_authority(tree: &AgencyTree, p: &ProcedureVersion, members: &HashSet<&AgencyId>) -> bool {
    let committee_kind = match p.level {
        ProcedureLevel::Commune => AgencyKind::CommuneCommittee,
        ProcedureLevel::Province => AgencyKind::ProvincialCommittee,
    };
    match &p.competence {
        Competence::Agency(a) => members.contains(a),
        Competence::ReceivingCommittee => members
            .iter()
            .any(|m| tree.get(m).is_some_and(|a| a.kind == committee_kind)),
        Competence::ReceivingUnit(kind) => members.iter().any(|m| {
            tree.get(m).is_some_and(|a| {
                a.kind == *kind
                    && a.parent
                        .as_ref()
                        .and_then(|p| tree.get(p))
                        .is_some_and(|c| c.kind == committee_kind)
            })
        }),
    }
}

/// Công khai đầy đủ (1.3): name, steps, method, components, time limit, target group (the
/// description), agency.
fn complete(p: &ProcedureVersion) -> bool {
    !p.name.trim().is_empty()
        && !p.steps.is_empty()
        && !p.components.is_empty()
        && !p.description.trim().is_empty()
        && !p.result.name.trim().is_empty()
}

/// Per-agency sums of the counters a period's index needs.
#[derive(Default)]
struct Sums {
    /// Received, and ended the 766 way, up to the end of the period.
    received_to_end: i64,
    ended_to_end: i64,
    /// Open past the 766 date at the end of the period.
    open_past: i64,
    /// Ended on time, and late, within the period.
    on_time_in: i64,
    late_in: i64,
    received_in: i64,
    online_in: i64,
    fee_bearing: i64,
    paid_online: i64,
    digitised: i64,
    reused: i64,
    data_store_linked: i64,
    population_data: i64,
    electronic: i64,
    certifications: i64,
    electronic_copies: i64,
    disliked_on_time: i64,
    /// On time in the period, drew a phản ánh, kiến nghị, not rated "not satisfied" (5.4).
    complained_on_time: i64,
}

impl App {
    /// The units an index ranks from: the one asked for (within what the actor may see), or the
    /// highest agencies the actor oversees (none inside another).
    fn index_roots(
        &self,
        actor: &Actor,
        scope: &Scope,
        tree: &AgencyTree,
    ) -> Result<Vec<AgencyId>, AppError> {
        let visible: HashSet<String> = self.queries().visible_agencies(actor).into_iter().collect();
        Ok(match &scope.under {
            Some(u) if visible.contains(u.as_str()) => vec![u.clone()],
            Some(_) => {
                return Err(AppError::new(
                    crate::ErrorKind::Forbidden,
                    "forbidden",
                    "Đơn vị này ngoài phạm vi được xem.",
                ));
            }
            None => {
                let mut roots = domain::policy::visible_roots(actor);
                roots.sort();
                roots.dedup();
                let all = roots.clone();
                roots.retain(|r| !all.iter().any(|o| o != r && tree.is_within(r, o)));
                roots
            }
        })
    }

    async fn index_766_with(
        &self,
        actor: &Actor,
        period: Period,
        as_of: Option<NaiveDate>,
        scope: &Scope,
        compare: bool,
    ) -> Result<Index766, AppError> {
        crate::overview::require_oversight(actor)?;
        let today = lich::time::to_vn(&self.now()).date_naive();
        let as_of = as_of
            .unwrap_or(period.last_day())
            .min(period.last_day())
            .min(today);
        if as_of < period.first_day() {
            return Err(AppError::invalid(
                "invalid_as_of",
                "Ngày chốt số liệu phải nằm trong kỳ báo cáo và không sau hôm nay.",
            ));
        }
        let tree = self.agencies();
        let roots = self.index_roots(actor, scope, &tree)?;
        let units = ranked_units(&tree, &roots);
        // Each unit's members: itself and everything under it, except that the root's line holds
        // the root alone (its children have lines of their own).
        let members_of = |u: &AgencyId| -> Vec<&AgencyId> {
            if roots.len() == 1 && roots[0] == *u {
                vec![&roots[0]]
            } else {
                tree.all()
                    .filter(|a| tree.is_within(&a.id, u))
                    .map(|a| &a.id)
                    .collect()
            }
        };
        let all_members: Vec<String> = tree
            .all()
            .filter(|a| roots.iter().any(|r| tree.is_within(&a.id, r)))
            .map(|a| a.id.to_string())
            .collect();

        let catalog = self.catalog_in_force().await?;
        let procedures: Vec<&ProcedureVersion> = catalog
            .versions
            .values()
            .filter(|p| scope.admits(p))
            .collect();
        let procedure_codes: Option<Vec<String>> = scope
            .filters_procedures()
            .then(|| procedures.iter().map(|p| p.code.to_string()).collect());

        let full_online: Vec<String> = procedures
            .iter()
            .filter(|p| p.online == OnlineKind::Full)
            .map(|p| p.code.to_string())
            .collect();

        let previous = period.previous();
        let now = self
            .gather(
                &all_members,
                procedure_codes.as_deref(),
                &full_online,
                period.first_day(),
                as_of,
            )
            .await?;
        let before = if compare {
            Some(
                self.gather(
                    &all_members,
                    procedure_codes.as_deref(),
                    &full_online,
                    previous.first_day(),
                    previous.last_day(),
                )
                .await?,
            )
        } else {
            None
        };

        let scorer = Scorer {
            tree: &tree,
            procedures: &procedures,
            scheme: &self.settings.qd766,
        };
        let score = |agency: &AgencyId, members: &[&AgencyId], g: &Gathered| {
            scorer.score(agency, members, g)
        };

        let mut lines: Vec<UnitIndex> = Vec::new();
        let mut prev: Vec<UnitIndex> = Vec::new();
        for u in &units {
            let members = members_of(u);
            let line = score(u, &members, &now);
            // The root's own line appears only when it decides dossiers itself.
            if roots.len() == 1
                && roots[0] == *u
                && line.inputs.handled == 0
                && line.inputs.received == 0
            {
                continue;
            }
            if let Some(before) = &before {
                prev.push(score(u, &members, before));
            }
            lines.push(line);
        }
        rank(&mut prev);
        rank(&mut lines);
        for l in &mut lines {
            if let Some(p) = prev.iter().find(|p| p.agency == l.agency) {
                l.previous_points = p.rank.map(|_| p.points);
                l.previous_rank = p.rank;
            }
        }
        lines.sort_by_key(|l| (l.rank.is_none(), l.rank, l.name.clone()));
        let everyone: Vec<&AgencyId> = tree
            .all()
            .filter(|a| roots.iter().any(|r| tree.is_within(&a.id, r)))
            .map(|a| &a.id)
            .collect();
        let root_id = roots
            .first()
            .cloned()
            .unwrap_or_else(|| AgencyId::parse("tong-cong").expect("valid id"));
        let mut total = score(&root_id, &everyone, &now);
        total.name = if roots.len() == 1 {
            format!("{} (toàn bộ)", total.name)
        } else {
            "Tổng cộng".into()
        };
        total.previous_points = before.map(|b| score(&root_id, &everyone, &b).points);
        Ok(Index766 {
            period,
            as_of,
            previous,
            units: lines,
            total,
        })
    }

    /// The counters one period's index reads, in four queries over the coarsest rows.
    async fn gather(
        &self,
        agencies: &[String],
        procedures: Option<&[String]>,
        full_online: &[String],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Gathered, AppError> {
        let sums = |from: Option<NaiveDate>, to: NaiveDate, measures: &'static [M]| {
            self.counter_sums(procedures, agencies, from, to, measures)
        };
        let mut g = Gathered::default();
        for c in sums(None, to, &[M::Received, M::OnTime766, M::Late766]).await? {
            let s = g.sums.entry(c.agency).or_default();
            match c.measure {
                M::Received => s.received_to_end += c.n,
                _ => s.ended_to_end += c.n,
            }
        }
        let past = self
            .open_past(procedures, agencies, to, crate::reports::DueStock::Qd766)
            .await?;
        for (agency, n) in past {
            g.sums.entry(agency).or_default().open_past += n;
        }
        const WITHIN: [M; 13] = [
            M::Received,
            M::OnTime766,
            M::Late766,
            M::FeeBearing,
            M::PaidOnline,
            M::Digitised,
            M::ReusedData,
            M::DataStoreLinked,
            M::PopulationData,
            M::DislikedOnTime766,
            M::ElectronicResult,
            M::Certification,
            M::ElectronicCertifiedCopy,
        ];
        for c in sums(Some(from), to, &WITHIN).await? {
            let s = g.sums.entry(c.agency).or_default();
            match c.measure {
                M::Received => {
                    s.received_in += c.n;
                    if c.channel == 2 {
                        s.online_in += c.n;
                    }
                }
                M::OnTime766 => s.on_time_in += c.n,
                M::Late766 => s.late_in += c.n,
                M::FeeBearing => s.fee_bearing += c.n,
                M::PaidOnline => s.paid_online += c.n,
                M::Digitised => s.digitised += c.n,
                M::ReusedData => s.reused += c.n,
                M::DataStoreLinked => s.data_store_linked += c.n,
                M::PopulationData => s.population_data += c.n,
                M::ElectronicResult => s.electronic += c.n,
                M::Certification => s.certifications += c.n,
                M::ElectronicCertifiedCopy => s.electronic_copies += c.n,
                M::DislikedOnTime766 => s.disliked_on_time += c.n,
                _ => {}
            }
        }
        // Only indicators 1.3 and 3.3 need the procedure: which online services were used, and
        // what full-online services received. Both are read from narrow queries over the month
        // rows, not from every (agency, procedure, channel) row of the period.
        for (agency, procedure) in self
            .db
            .procedures_counted(agencies, procedures, from, to, M::Received, Some(2))
            .await?
        {
            g.used_online.entry(agency).or_default().insert(procedure);
        }
        for (agency, procedure) in self
            .db
            .procedures_counted(agencies, procedures, from, to, M::PaidOnline, None)
            .await?
        {
            g.paid_online.entry(agency).or_default().insert(procedure);
        }
        for (agency, procedure) in self
            .db
            .procedures_counted(agencies, procedures, from, to, M::PopulationData, None)
            .await?
        {
            g.population.entry(agency).or_default().insert(procedure);
        }
        for c in self
            .db
            .count_sums_by_procedure(agencies, Some(full_online), Some(from), to, &[M::Received])
            .await?
        {
            g.full_online
                .entry(c.agency)
                .or_default()
                .push((c.procedure, c.channel, c.n));
        }
        // Phản ánh, kiến nghị of the agencies (not narrowed to procedures: feedback may be about
        // an officer or no procedure at all), as they stood at the period's end.
        let day = |d: NaiveDate| lich::time::vn_day_start(d);
        let end = to.succ_opt().unwrap_or(to);
        g.feedback = self
            .feedback()
            .counts(
                agencies,
                day(from),
                day(end) - chrono::Duration::milliseconds(1),
            )
            .await?;
        // 5.4: the dossiers on time in the period that drew a complaint by its end.
        for d in self
            .feedback()
            .complained_dossiers(day(end) - chrono::Duration::milliseconds(1))
            .await?
        {
            let agency = d.competent.to_string();
            if !agencies.contains(&agency)
                || procedures.is_some_and(|p| !p.iter().any(|c| c == d.procedure.code.as_str()))
            {
                continue;
            }
            let Some(ended) = d.ended_766().filter(|e| *e >= day(from) && *e < day(end)) else {
                continue;
            };
            let cal = self.calendar_of(&d.receiving);
            let on_time = matches!(
                d.timing(&cal, &self.settings.rules, ended)?.qd766,
                Some(lich::Timeliness::Early | lich::Timeliness::OnTime)
            );
            if on_time && self.db.rating_of(d.id.0).await? != Some(false) {
                g.sums.entry(agency).or_default().complained_on_time += 1;
            }
        }
        g.sync_on = self.settings.notices.national;
        if g.sync_on {
            for a in self.db.national_acks(day(from), day(end)).await? {
                if agencies.contains(&a.agency)
                    && procedures.is_none_or(|p| p.contains(&a.procedure))
                {
                    *g.synced.entry(a.agency).or_default() += 1;
                }
            }
        }
        Ok(g)
    }
}

impl Reports<'_> {
    /// Chỉ số 766 for every unit in the scope, for `period` as of `as_of` (default: the
    /// period's end, or today for a period not over), with the previous period's ranking.
    pub async fn index_766(
        self,
        actor: &Actor,
        period: Period,
        as_of: Option<NaiveDate>,
        scope: &Scope,
    ) -> Result<Index766, AppError> {
        self.app
            .index_766_with(actor, period, as_of, scope, true)
            .await
    }

    /// [`Reports::index_766`] without the previous period (no `previous_*` figures): half the
    /// reading, for pages that only show the points.
    pub async fn index_766_points(
        self,
        actor: &Actor,
        period: Period,
        as_of: Option<NaiveDate>,
        scope: &Scope,
    ) -> Result<Index766, AppError> {
        self.app
            .index_766_with(actor, period, as_of, scope, false)
            .await
    }

    /// The dossiers of one unit that cost points on indicator 2.1 in the period as of `as_of`:
    /// ended late, or still open past their date (at most `limit`).
    pub async fn index_766_costs(
        self,
        actor: &Actor,
        unit: &AgencyId,
        period: Period,
        as_of: Option<NaiveDate>,
        limit: usize,
    ) -> Result<Vec<CostLine>, AppError> {
        crate::overview::require_oversight(actor)?;
        let visible = self.app.queries().visible_agencies(actor);
        if !visible.iter().any(|v| v == unit.as_str()) {
            return Err(AppError::new(
                crate::ErrorKind::Forbidden,
                "forbidden",
                "Đơn vị này ngoài phạm vi được xem.",
            ));
        }
        let tree = self.app.agencies();
        let members: Vec<String> = tree
            .all()
            .filter(|a| tree.is_within(&a.id, unit))
            .map(|a| a.id.to_string())
            .collect();
        let today = lich::time::to_vn(&self.app.now()).date_naive();
        let as_of = as_of
            .unwrap_or(period.last_day())
            .min(period.last_day())
            .min(today);
        let start = lich::time::vn_day_start;
        let end = start(as_of + chrono::Duration::days(1)).min(self.app.now());
        let ids = self
            .app
            .db
            .dossiers_handled_between(
                &members,
                start(period.first_day()).timestamp_millis(),
                end.timestamp_millis(),
            )
            .await?;
        let name = |a: &AgencyId| tree.name_of(a);
        let mut out = Vec::new();
        // Read a page of dossiers at a time: most lists stop at `limit` long before the end.
        'pages: for page in ids.chunks(500) {
            for d in self.app.db.dossiers(page).await? {
                let cal = self.app.calendar_of(&d.receiving);
                let t = d.timing(&cal, &self.app.settings.rules, end)?;
                let ended = d.ended_766().filter(|e| *e < end);
                let reason = match (ended, t.qd766, t.qd766_due) {
                    (Some(e), Some(lich::Timeliness::Late), _)
                        if e >= start(period.first_day()) =>
                    {
                        if d.appraisal_supplements() > 1 {
                            "Yêu cầu bổ sung hơn một lần".to_string()
                        } else {
                            "Kết thúc sau ngày hẹn".to_string()
                        }
                    }
                    (None, _, Some(due))
                        if lich::time::to_vn(&due).date_naive()
                            < if as_of < today {
                                as_of + chrono::Duration::days(1)
                            } else {
                                today
                            } =>
                    {
                        "Đang xử lý, đã quá ngày hẹn".to_string()
                    }
                    _ => continue,
                };
                let (step, unit, handler) = self.app.charged_to(&t);
                out.push(CostLine {
                    id: d.id,
                    code: d.code.to_string(),
                    procedure: d.procedure.name.clone(),
                    agency: name(&d.competent),
                    due: t.qd766_due,
                    ended,
                    reason,
                    step,
                    unit,
                    handler,
                });
                if out.len() >= limit {
                    break 'pages;
                }
            }
        }
        Ok(out)
    }
}

#[derive(Default)]
struct Gathered {
    sums: HashMap<String, Sums>,
    /// The procedures each agency received online in the period.
    used_online: HashMap<String, HashSet<String>>,
    /// The procedures of which each agency had a dossier paid online in the period.
    paid_online: HashMap<String, HashSet<String>>,
    /// The procedures of which each agency had a dossier using population data (4.5(a)).
    population: HashMap<String, HashSet<String>>,
    /// Received in the period by agency, of full-online procedures: (procedure, channel, count).
    full_online: HashMap<String, Vec<(String, i64, i64)>>,
    /// Received in the period by agency and acknowledged by the national portal (1.4).
    synced: HashMap<String, i64>,
    /// The national sync is configured.
    sync_on: bool,
    /// Phản ánh, kiến nghị by the agency handling them.
    feedback: HashMap<String, domain::feedback::FeedbackCounts>,
}

impl Sums {
    /// Adds another unit's sums. Every field is named here, so a field added to `Sums` and
    /// left out of the addition does not compile (3.6 once read 0 on every unit that way).
    fn add(&mut self, o: &Sums) {
        let Sums {
            received_to_end,
            ended_to_end,
            open_past,
            on_time_in,
            late_in,
            received_in,
            online_in,
            fee_bearing,
            paid_online,
            digitised,
            reused,
            data_store_linked,
            population_data,
            electronic,
            certifications,
            electronic_copies,
            disliked_on_time,
            complained_on_time,
        } = o;
        self.received_to_end += received_to_end;
        self.ended_to_end += ended_to_end;
        self.open_past += open_past;
        self.on_time_in += on_time_in;
        self.late_in += late_in;
        self.received_in += received_in;
        self.online_in += online_in;
        self.fee_bearing += fee_bearing;
        self.paid_online += paid_online;
        self.digitised += digitised;
        self.reused += reused;
        self.data_store_linked += data_store_linked;
        self.population_data += population_data;
        self.electronic += electronic;
        self.certifications += certifications;
        self.electronic_copies += electronic_copies;
        self.disliked_on_time += disliked_on_time;
        self.complained_on_time += complained_on_time;
    }
}

/// The procedures `by` holds for `agency`.
fn procedures_of<'g>(
    by: &'g HashMap<String, HashSet<String>>,
    agency: &AgencyId,
) -> impl Iterator<Item = &'g str> {
    by.get(agency.as_str())
        .into_iter()
        .flatten()
        .map(String::as_str)
}

/// Ranks by points, highest first; equal points share a rank; units with nothing computed, or
/// that received and handled no dossier in the period, are not ranked (no data to rank on).
fn rank(lines: &mut [UnitIndex]) {
    let mut order: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].max > 0.0 && has_dossiers(&lines[i]))
        .collect();
    order.sort_by(|&a, &b| lines[b].points.total_cmp(&lines[a].points));
    let mut last: Option<(f64, usize)> = None;
    for (pos, &i) in order.iter().enumerate() {
        let r = match last {
            Some((p, r)) if (p - lines[i].points).abs() < 1e-9 => r,
            _ => pos + 1,
        };
        lines[i].rank = Some(r);
        last = Some((lines[i].points, r));
    }
}

/// Whether a unit had dossiers in the period: received or handled any.
pub fn has_dossiers(u: &UnitIndex) -> bool {
    u.inputs.received > 0 || u.inputs.handled > 0
}

/// Scores units of one period's index: the counters of a unit's members against the procedures
/// under their authority.
struct Scorer<'a> {
    tree: &'a AgencyTree,
    procedures: &'a [&'a ProcedureVersion],
    scheme: &'a domain::qd766::Scheme,
}

impl Scorer<'_> {
    /// One line of the index: `agency` with the counters of `members` in `g`.
    fn score(&self, agency: &AgencyId, members: &[&AgencyId], g: &Gathered) -> UnitIndex {
        let inputs = self.inputs(members, g);
        let indicators = domain::qd766::indicators(self.scheme, &inputs);
        let (points, max) = domain::qd766::total(&indicators);
        UnitIndex {
            agency: agency.to_string(),
            name: self.tree.name_of(agency),
            inputs,
            indicators,
            points,
            max,
            rank: None,
            previous_points: None,
            previous_rank: None,
        }
    }

    /// What the QĐ 766 formulas take for a unit made of `members`.
    fn inputs(&self, members: &[&AgencyId], g: &Gathered) -> Inputs {
        let mut s = Sums::default();
        for m in members {
            if let Some(x) = g.sums.get(m.as_str()) {
                s.add(x);
            }
        }
        let set: HashSet<&AgencyId> = members.iter().copied().collect();
        let mine: Vec<&&ProcedureVersion> = self
            .procedures
            .iter()
            .filter(|p| under_authority(self.tree, p, &set))
            .collect();
        let online: Vec<&&&ProcedureVersion> = mine
            .iter()
            .filter(|p| p.online != OnlineKind::None)
            .collect();
        let full: HashSet<&str> = mine
            .iter()
            .filter(|p| p.online == OnlineKind::Full)
            .map(|p| p.code.as_str())
            .collect();
        // What the unit's members received, by procedure and channel.
        let mut used_online: HashSet<&str> = HashSet::new();
        let mut paid_online: HashSet<&str> = HashSet::new();
        let mut population: HashSet<&str> = HashSet::new();
        let mut feedback = domain::feedback::FeedbackCounts::default();
        let (mut full_eligible, mut full_online) = (0, 0);
        for m in members {
            used_online.extend(procedures_of(&g.used_online, m));
            paid_online.extend(procedures_of(&g.paid_online, m));
            population.extend(procedures_of(&g.population, m));
            if let Some(c) = g.feedback.get(m.as_str()) {
                feedback.add(c);
            }
            for (procedure, channel, n) in g.full_online.get(m.as_str()).into_iter().flatten() {
                if full.contains(procedure.as_str()) {
                    full_eligible += n;
                    if *channel == 2 {
                        full_online += n;
                    }
                }
            }
        }
        let used = online
            .iter()
            .filter(|p| used_online.contains(p.code.as_str()))
            .count();
        // Thủ tục có nghĩa vụ tài chính: procedures whose current version charges a fee.
        let with_fees: Vec<&&&ProcedureVersion> = mine
            .iter()
            .filter(|p| p.fees.iter().any(|f| f.amount > 0))
            .collect();
        let with_fees_paid_online = with_fees
            .iter()
            .filter(|p| paid_online.contains(p.code.as_str()))
            .count();
        // Thủ tục có đối tượng là cá nhân (4.5(a)'s denominator), and of them those with a
        // dossier using population data in the period.
        let for_people: Vec<&&&ProcedureVersion> = mine
            .iter()
            .filter(|p| p.audience.iter().any(|a| a.is_person()))
            .collect();
        let for_people_linked = for_people
            .iter()
            .filter(|p| population.contains(p.code.as_str()))
            .count();
        // Received by the end, less what had ended before the period began.
        let ended_before = s.ended_to_end - s.on_time_in - s.late_in;
        let handled = s.received_to_end - ended_before;
        let open = s.received_to_end - s.ended_to_end;
        Inputs {
            handled,
            on_time: s.on_time_in + (open - s.open_past).max(0),
            received: s.received_in,
            synced: members
                .iter()
                .filter_map(|m| g.synced.get(m.as_str()))
                .sum(),
            sync_on: g.sync_on,
            received_online: s.online_in,
            fee_bearing: s.fee_bearing,
            paid_online: s.paid_online,
            digitised: s.digitised,
            reused_data: s.reused,
            data_store_linked: s.data_store_linked,
            population_data: s.population_data,
            person_procedures: for_people.len() as i64,
            person_procedures_linked: for_people_linked as i64,
            electronic_results: s.electronic,
            certifications: s.certifications,
            electronic_copies: s.electronic_copies,
            disliked_on_time: s.disliked_on_time,
            complained_on_time: s.complained_on_time,
            procedures: mine.len() as i64,
            complete_procedures: mine.iter().filter(|p| complete(p)).count() as i64,
            online_procedures: online.len() as i64,
            online_procedures_used: used as i64,
            fee_procedures: with_fees.len() as i64,
            fee_procedures_paid_online: with_fees_paid_online as i64,
            full_online_eligible: full_eligible,
            full_online,
            feedback_rules: feedback.rules,
            feedback_conduct: feedback.conduct,
            feedback_received: feedback.rules + feedback.conduct + feedback.unclassified,
            feedback_handled: feedback.handled,
            feedback_on_time: feedback.on_time,
            feedback_first: feedback.first_received,
            feedback_satisfied: feedback.satisfied,
        }
    }
}
