//! What the evaluation reads: from one ended dossier (its timing, who handled its steps, the
//! citizen's rating) and, for the per-unit indices, from the catalogue of procedures.

use chrono::{DateTime, Utc};
use lich::Timeliness;
use lich::time::to_vn;

use crate::agency::{Agency, AgencyId, AgencyKind, AgencyTree};
use crate::dossier::{Dossier, Handler, Timing};
use crate::officer::{ActorKind, OfficerId};
use crate::procedure::{
    Channel, Competence, OnlineKind, ProcedureLevel, ProcedureVersion, StepKind, StepUnit,
};
use crate::rating::Rating;

/// Chứng cứ đánh giá — what one ended dossier tells the evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// Submitted online (for index 9).
    pub online: bool,
    /// Index 1: the whole dossier against its legal due.
    pub total: Option<Timeliness>,
    /// Every agency that took part: receiving, deciding, holding a step, consulted, interconnected.
    pub units: Vec<AgencyId>,
    /// Index 2: each part with a due (a step, a consultation, an interconnection leg) and the
    /// unit that did it.
    pub parts: Vec<(AgencyId, Timeliness)>,
    /// The officers who handled a step: the step's unit, and how the step stood against its
    /// allotted time (`None` for a step without one, such as the return).
    pub handled: Vec<(Handler, AgencyId, Option<Timeliness>)>,
    /// The citizen's answers, if they rated the dossier.
    pub rating: Option<Rating>,
}

fn judged(
    done: Option<DateTime<Utc>>,
    due: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
) -> Option<Timeliness> {
    match done {
        Some(at) => Some(lich::classify(to_vn(&at), to_vn(&due))),
        // Never answered: late if the dossier ended after the answer was due.
        None => end.filter(|e| *e > due).map(|_| Timeliness::Late),
    }
}

impl Evidence {
    /// The evidence of an ended dossier; `timing` is its timing at the end (or later).
    pub fn of(d: &Dossier, timing: &Timing, rating: Option<Rating>) -> Evidence {
        let end = timing.finished_at;
        let mut parts: Vec<(AgencyId, Timeliness)> = timing
            .steps
            .iter()
            .filter_map(|s| s.timeliness.map(|t| (s.unit.clone(), t)))
            .collect();
        // TT 01/2018 index 2 counts the consulted units too.
        for c in &d.consultations {
            if let Some(t) = judged(c.answered_at, c.due, end) {
                parts.push((c.unit.clone(), t));
            }
        }
        if let Some(ic) = &d.interconnection {
            for leg in &ic.legs {
                if let Some(t) = leg.due.and_then(|due| judged(leg.completed_at, due, end)) {
                    parts.push((leg.plan.agency.clone(), t));
                }
            }
        }
        let mut units = d.involved_units();
        units.push(d.receiving.clone());
        units.push(d.competent.clone());
        units.sort();
        units.dedup();
        // Who handled a step: the officer assigned to it (the receiving officer for reception);
        // for an approval nobody was assigned to, the leader who decided.
        let decider = d.decision.as_ref().and_then(|dec| {
            let a = &dec.actor;
            let id =
                a.id.as_deref()
                    .and_then(|i| uuid::Uuid::parse_str(i).ok())?;
            (a.kind == ActorKind::Officer).then(|| Handler {
                id: OfficerId(id),
                name: a.name.clone(),
            })
        });
        let handled = d
            .steps
            .iter()
            .zip(&timing.steps)
            .filter_map(|(s, t)| {
                let who = s.handler.clone().or_else(|| {
                    (s.kind == StepKind::Approval)
                        .then(|| decider.clone())
                        .flatten()
                })?;
                Some((who, s.unit.clone(), t.timeliness))
            })
            .collect();
        Evidence {
            online: d.channel == Channel::Online,
            total: timing.tt01,
            units,
            parts,
            handled,
            rating,
        }
    }
}

/// Thủ tục của đơn vị — what index 5 and 9 read from the catalogue about one unit: the
/// procedures it (or an agency below it) decides, in force at the end of the period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UnitCatalogue {
    /// The level of the unit's People's Committee (which share index 5 asks for).
    pub level: Option<ProcedureLevel>,
    /// Procedures the unit is competent for (taken as all eligible: the catalogue has no flag for
    /// procedures exempt from the one-stop mechanism).
    pub listed: u32,
    /// Of those, every step at the counter: received, appraised, approved and returned there.
    pub fully_at_counter: u32,
    /// Of those, received and returned at the counter.
    pub received_and_returned_at_counter: u32,
    /// Of those, offered online (partly or fully: "mức độ 3, 4").
    pub online: u32,
    /// Phản ánh, kiến nghị of the unit in the period (index 8); none: not known.
    pub feedback: Option<crate::feedback::FeedbackCounts>,
}

fn committee_level(a: &Agency) -> Option<ProcedureLevel> {
    match a.kind {
        AgencyKind::ProvincialCommittee => Some(ProcedureLevel::Province),
        AgencyKind::CommuneCommittee => Some(ProcedureLevel::Commune),
        _ => None,
    }
}

impl UnitCatalogue {
    /// Counts the procedures of `versions` (one version per procedure) that `unit` or an agency
    /// below it decides.
    pub fn of(tree: &AgencyTree, unit: &AgencyId, versions: &[ProcedureVersion]) -> Self {
        let within: Vec<&Agency> = tree.all().filter(|a| tree.is_within(&a.id, unit)).collect();
        let parent_level = |a: &Agency| {
            a.parent
                .as_ref()
                .and_then(|p| tree.get(p))
                .and_then(committee_level)
        };
        let decides = |v: &ProcedureVersion| match &v.competence {
            Competence::Agency(id) => tree.is_within(id, unit),
            Competence::ReceivingCommittee => {
                within.iter().any(|a| committee_level(a) == Some(v.level))
            }
            Competence::ReceivingUnit(kind) => within
                .iter()
                .any(|a| a.kind == *kind && parent_level(a) == Some(v.level)),
        };
        let mut out = UnitCatalogue {
            level: tree.committee_of(unit).and_then(committee_level),
            ..Default::default()
        };
        for v in versions.iter().filter(|v| decides(v)) {
            out.listed += 1;
            let at_counter = |s: Option<&crate::procedure::ProcessStep>| {
                s.is_some_and(|s| s.unit == StepUnit::Counter)
            };
            if v.steps.iter().all(|s| s.unit == StepUnit::Counter) {
                out.fully_at_counter += 1;
            }
            if at_counter(v.steps.first()) && at_counter(v.steps.last()) {
                out.received_and_returned_at_counter += 1;
            }
            if v.online != OnlineKind::None {
                out.online += 1;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agency::tests::agency;
    use crate::procedure::tests::sample;

    #[test]
    fn a_unit_lists_the_procedures_it_or_an_agency_below_it_decides() {
        let tree = AgencyTree::new([
            agency("lao-cai", "H38", AgencyKind::ProvincialCommittee, None),
            agency(
                "lao-cai.so",
                "H38.9",
                AgencyKind::Department,
                Some("lao-cai"),
            ),
            agency(
                "lao-cai.xa",
                "H38.1",
                AgencyKind::CommuneCommittee,
                Some("lao-cai"),
            ),
            agency(
                "lao-cai.xa.mot-cua",
                "H38.1.1",
                AgencyKind::ServiceCenter,
                Some("lao-cai.xa"),
            ),
            agency(
                "lao-cai.xa.cong-an",
                "H38.1.2",
                AgencyKind::Police,
                Some("lao-cai.xa"),
            ),
        ]);
        // A commune procedure, partly online, handled by a specialist.
        let commune = sample("5 ngày làm việc");
        // A residence procedure of the commune police, not online, entirely at the counter.
        let mut police = sample("3 ngày làm việc");
        police.competence = Competence::ReceivingUnit(AgencyKind::Police);
        police.online = OnlineKind::None;
        for s in &mut police.steps {
            s.unit = StepUnit::Counter;
        }
        // A provincial department's procedure, returned by post (not at the counter).
        let mut province = sample("10 ngày làm việc");
        province.level = ProcedureLevel::Province;
        province.competence = Competence::Agency(AgencyId::parse("lao-cai.so").unwrap());
        province.steps.last_mut().unwrap().unit = StepUnit::Office;
        let versions = [commune, police, province];
        let of = |u: &str| UnitCatalogue::of(&tree, &AgencyId::parse(u).unwrap(), &versions);
        assert_eq!(
            of("lao-cai.xa"),
            UnitCatalogue {
                level: Some(ProcedureLevel::Commune),
                listed: 2,
                fully_at_counter: 1,
                received_and_returned_at_counter: 2,
                online: 1,
                feedback: None,
            }
        );
        assert_eq!(of("lao-cai.xa.cong-an").listed, 1);
        assert_eq!(
            of("lao-cai.xa.mot-cua").listed,
            0,
            "the counter decides nothing"
        );
        let p = of("lao-cai");
        assert_eq!(
            (p.level, p.listed, p.received_and_returned_at_counter),
            (Some(ProcedureLevel::Province), 3, 2)
        );
    }
}
