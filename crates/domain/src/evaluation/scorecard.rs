//! Tổng hợp điểm — sums per unit (a unit includes the agencies below it) and per official over
//! the dossiers of a period, and the scorecards made from them (TT 01/2018 Art. 15).

use std::collections::BTreeMap;

use lich::Timeliness;
use serde::Serialize;

use super::Points;
use super::evidence::{Evidence, UnitCatalogue};
use super::scheme::{Classification, IndexDef, Method, Scheme};
use super::unit_indices::{OnlineDossiers, at_counter, online};
use crate::agency::{AgencyId, AgencyTree};
use crate::officer::OfficerId;

/// Sum of per-dossier points and how many dossiers gave them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Tally {
    sum: i64,
    count: i64,
}

#[derive(Debug, Clone, Default)]
struct UnitTally {
    dossiers: i64,
    online: i64,
    late_online: i64,
    by_index: BTreeMap<u8, Tally>,
}

#[derive(Debug, Clone, Default)]
struct OfficialTally {
    name: String,
    dossiers: i64,
    /// Steps handled per unit (the unit shown is where they handled most).
    steps_at: BTreeMap<AgencyId, i64>,
    by_index: BTreeMap<u8, Tally>,
}

/// Điểm một chỉ số.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndexScore {
    pub number: u8,
    /// `None`: no data, left out of the total (Art. 15).
    pub score: Option<Points>,
    /// Dossiers scored for a per-dossier index (0 for a per-unit one).
    pub dossiers: i64,
    /// Why there is no score, or what a per-unit score was computed from.
    pub note: String,
}

/// Bảng điểm — the index scores, their total, the most the scored indices could give, and the
/// classification (`None` when no index has data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scorecard {
    pub scores: Vec<IndexScore>,
    pub total: Points,
    pub max: Points,
    pub classification: Option<String>,
}

impl Scorecard {
    fn new(scores: Vec<IndexScore>, scheme: &Scheme, c: &Classification) -> Self {
        let total = scores.iter().filter_map(|s| s.score).sum();
        let max = scores
            .iter()
            .filter(|s| s.score.is_some())
            .filter_map(|s| scheme.index(s.number))
            .map(IndexDef::max)
            .sum();
        let any = scores.iter().any(|s| s.score.is_some());
        Scorecard {
            classification: any.then(|| c.classify(total).to_string()),
            scores,
            total,
            max,
        }
    }

    /// The score of an index, if it has one.
    pub fn score(&self, number: u8) -> Option<Points> {
        self.scores
            .iter()
            .find(|s| s.number == number)
            .and_then(|s| s.score)
    }
}

/// Điểm của cơ quan, đơn vị.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitScore {
    pub unit: AgencyId,
    /// Dossiers the unit or an agency below it took part in.
    pub dossiers: i64,
    pub card: Scorecard,
}

/// Điểm của cán bộ, công chức.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OfficialScore {
    pub officer: OfficerId,
    pub name: String,
    /// Where they handled most steps.
    pub unit: AgencyId,
    /// Dossiers in which they handled a step.
    pub dossiers: i64,
    pub card: Scorecard,
}

fn points_of(def: &IndexDef, t: Timeliness) -> i64 {
    match t {
        Timeliness::Early => def.points[0],
        Timeliness::OnTime => def.points[1],
        Timeliness::Late => def.points[2],
    }
}

/// A citizen's answer is itself 2 (best), 1 or 0 (worst).
fn answer_points(def: &IndexDef, answer: u8) -> i64 {
    match answer {
        2 => def.points[0],
        1 => def.points[1],
        _ => def.points[2],
    }
}

/// The worse of two timeliness verdicts.
fn worse(a: Option<Timeliness>, b: Timeliness) -> Timeliness {
    let rank = |t: Timeliness| match t {
        Timeliness::Early => 0,
        Timeliness::OnTime => 1,
        Timeliness::Late => 2,
    };
    match a {
        Some(a) if rank(a) >= rank(b) => a,
        _ => b,
    }
}

/// A per-dossier index's points for a subject: `own` is the worst of the subject's own parts
/// (for index 2). `None`: the dossier gives no data for this index.
fn dossier_points(def: &IndexDef, e: &Evidence, own: Option<Timeliness>) -> Option<i64> {
    let answer =
        |f: fn(&crate::rating::Rating) -> u8| e.rating.as_ref().map(|r| answer_points(def, f(r)));
    match def.method {
        Method::TotalTime => e.total.map(|t| points_of(def, t)),
        Method::UnitTime => own.map(|t| points_of(def, t)),
        Method::RatingContacts => answer(|r| r.contacts),
        Method::RatingAgencies => answer(|r| r.agencies),
        Method::RatingPublication => answer(|r| r.publication),
        Method::RatingAttitude => answer(|r| r.attitude),
        Method::AtCounter { .. } | Method::Feedback | Method::Online { .. } => None,
    }
}

/// Đánh giá một kỳ — add the evidence of every dossier ended in the period, then read the
/// scorecards.
pub struct Evaluation<'a> {
    scheme: &'a Scheme,
    tree: &'a AgencyTree,
    units: BTreeMap<AgencyId, UnitTally>,
    officials: BTreeMap<OfficerId, OfficialTally>,
    dossiers: i64,
}

impl<'a> Evaluation<'a> {
    pub fn new(scheme: &'a Scheme, tree: &'a AgencyTree) -> Self {
        Self {
            scheme,
            tree,
            units: BTreeMap::new(),
            officials: BTreeMap::new(),
            dossiers: 0,
        }
    }

    /// How many dossiers were added.
    pub fn dossiers(&self) -> i64 {
        self.dossiers
    }

    /// The agency and the agencies above it.
    fn with_ancestors(&self, id: &AgencyId) -> Vec<AgencyId> {
        let mut out = vec![id.clone()];
        let mut current = self.tree.get(id).and_then(|a| a.parent.clone());
        while let Some(p) = current {
            if out.contains(&p) || out.len() > 32 {
                break;
            }
            current = self.tree.get(&p).and_then(|a| a.parent.clone());
            out.push(p);
        }
        out
    }

    pub fn add(&mut self, e: &Evidence) {
        self.dossiers += 1;
        // Each unit that took part, or has an agency below it that did, with the worst of the
        // parts done within it (TT 01/2018 index 2: a unit's part is late if any step of it was).
        let mut involved: BTreeMap<AgencyId, Option<Timeliness>> = BTreeMap::new();
        for u in &e.units {
            for a in self.with_ancestors(u) {
                involved.entry(a).or_default();
            }
        }
        for (u, t) in &e.parts {
            for a in self.with_ancestors(u) {
                let w = involved.entry(a).or_default();
                *w = Some(worse(*w, *t));
            }
        }
        let scheme = self.scheme;
        for (unit, own) in involved {
            let tally = self.units.entry(unit).or_default();
            tally.dossiers += 1;
            if e.online {
                tally.online += 1;
                tally.late_online += i64::from(e.total == Some(Timeliness::Late));
            }
            for def in scheme.unit.indices.iter().filter_map(|n| scheme.index(*n)) {
                if let Some(p) = dossier_points(def, e, own) {
                    let t = tally.by_index.entry(def.number).or_default();
                    t.sum += p;
                    t.count += 1;
                }
            }
        }
        // Each official once per dossier, with the worst of the steps they handled.
        let mut people: BTreeMap<OfficerId, (String, Option<Timeliness>, Vec<AgencyId>)> =
            BTreeMap::new();
        for (who, unit, t) in &e.handled {
            let entry = people
                .entry(who.id)
                .or_insert_with(|| (who.name.clone(), None, Vec::new()));
            if let Some(t) = t {
                entry.1 = Some(worse(entry.1, *t));
            }
            entry.2.push(unit.clone());
        }
        for (id, (name, own, units)) in people {
            let tally = self.officials.entry(id).or_default();
            tally.name = name;
            tally.dossiers += 1;
            for u in units {
                *tally.steps_at.entry(u).or_default() += 1;
            }
            for def in scheme
                .official
                .indices
                .iter()
                .filter_map(|n| scheme.index(*n))
            {
                if let Some(p) = dossier_points(def, e, own) {
                    let t = tally.by_index.entry(def.number).or_default();
                    t.sum += p;
                    t.count += 1;
                }
            }
        }
    }

    fn per_dossier(def: &IndexDef, tally: Option<&Tally>) -> IndexScore {
        let t = tally.copied().unwrap_or_default();
        let note = if t.count > 0 {
            String::new()
        } else if matches!(def.method, Method::TotalTime | Method::UnitTime) {
            "Không có hồ sơ có thời hạn để so sánh".to_string()
        } else {
            "Chưa có phiếu đánh giá của người dân".to_string()
        };
        IndexScore {
            number: def.number,
            score: Points::average(t.sum, t.count),
            dossiers: t.count,
            note,
        }
    }

    /// The units that took part, in the order of the agency tree, each with its scorecard;
    /// `catalogue` gives what index 5 and 9 read about a unit.
    pub fn units(&self, catalogue: &dyn Fn(&AgencyId) -> UnitCatalogue) -> Vec<UnitScore> {
        let scheme = self.scheme;
        let mut out: Vec<UnitScore> = self
            .units
            .iter()
            .map(|(unit, tally)| {
                let cat = catalogue(unit);
                let scores = scheme
                    .unit
                    .indices
                    .iter()
                    .filter_map(|n| scheme.index(*n))
                    .map(|def| match def.method {
                        Method::AtCounter {
                            province_percent,
                            commune_percent,
                        } => at_counter(def, &cat, province_percent, commune_percent),
                        Method::Online {
                            procedures_percent,
                            dossiers_percent,
                            partial_dossiers_percent,
                        } => online(
                            def,
                            &cat,
                            OnlineDossiers {
                                dossiers: tally.dossiers,
                                online: tally.online,
                                late: tally.late_online,
                            },
                            [
                                procedures_percent,
                                dossiers_percent,
                                partial_dossiers_percent,
                            ],
                        ),
                        Method::Feedback => feedback(def, cat.feedback.as_ref()),
                        _ => Self::per_dossier(def, tally.by_index.get(&def.number)),
                    })
                    .collect();
                UnitScore {
                    unit: unit.clone(),
                    dossiers: tally.dossiers,
                    card: Scorecard::new(scores, scheme, &scheme.unit),
                }
            })
            .collect();
        out.sort_by(|a, b| a.unit.as_str().split('.').cmp(b.unit.as_str().split('.')));
        out
    }

    /// The officials who handled a step, by name, each with its scorecard.
    pub fn officials(&self) -> Vec<OfficialScore> {
        let scheme = self.scheme;
        let mut out: Vec<OfficialScore> = self
            .officials
            .iter()
            .map(|(id, tally)| {
                let scores = scheme
                    .official
                    .indices
                    .iter()
                    .filter_map(|n| scheme.index(*n))
                    .map(|def| Self::per_dossier(def, tally.by_index.get(&def.number)))
                    .collect();
                let unit = tally
                    .steps_at
                    .iter()
                    .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                    .map(|(u, _)| u.clone())
                    .expect("an official handled at least one step");
                OfficialScore {
                    officer: *id,
                    name: tally.name.clone(),
                    unit,
                    dossiers: tally.dossiers,
                    card: Scorecard::new(scores, scheme, &scheme.official),
                }
            })
            .collect();
        out.sort_by(|a, b| {
            vntext::fold(&a.name)
                .cmp(&vntext::fold(&b.name))
                .then(a.officer.cmp(&b.officer))
        });
        out
    }
}

/// Index 8 (per unit): the unit's feedback in the period against its limits (see
/// [`crate::feedback::index_8`]): 2, 1 or 0 as the scheme weighs the best, middle and worst.
fn feedback(def: &IndexDef, counts: Option<&crate::feedback::FeedbackCounts>) -> IndexScore {
    let Some(c) = counts else {
        return IndexScore {
            number: def.number,
            score: None,
            dossiers: 0,
            note: "Không có dữ liệu phản ánh, kiến nghị".into(),
        };
    };
    let level = crate::feedback::index_8(c);
    let points = match level {
        2 => def.points[0],
        1 => def.points[1],
        _ => def.points[2],
    };
    IndexScore {
        number: def.number,
        score: Some(Points::whole(points)),
        dossiers: 0,
        note: if c.handled == 0 {
            "Không có phản ánh, kiến nghị trong kỳ".into()
        } else {
            format!(
                "{} phản ánh, kiến nghị: {} đúng hạn, {} kéo dài",
                c.handled, c.on_time, c.prolonged
            )
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agency::AgencyKind;
    use crate::agency::tests::agency;
    use crate::dossier::Handler;
    use crate::procedure::ProcedureLevel;
    use crate::rating::Rating;
    use Timeliness::*;

    fn id(s: &str) -> AgencyId {
        AgencyId::parse(s).unwrap()
    }

    fn tree() -> AgencyTree {
        AgencyTree::new([
            agency("lao-cai", "H38", AgencyKind::ProvincialCommittee, None),
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
                "lao-cai.xa.van-phong",
                "H38.1.2",
                AgencyKind::Office,
                Some("lao-cai.xa"),
            ),
        ])
    }

    fn who(n: u128, name: &str) -> Handler {
        Handler {
            id: OfficerId(uuid::Uuid::from_u128(n)),
            name: name.into(),
        }
    }

    fn rating(contacts: u8, agencies: u8, publication: u8, attitude: u8) -> Option<Rating> {
        Some(Rating {
            contacts,
            agencies,
            publication,
            attitude,
            extra_costs: false,
            satisfied: true,
        })
    }

    /// Three dossiers of a commune whose scores are worked out by hand below.
    fn three() -> Vec<Evidence> {
        let (mc, vp, xa) = (
            id("lao-cai.xa.mot-cua"),
            id("lao-cai.xa.van-phong"),
            id("lao-cai.xa"),
        );
        let (a, b) = (who(1, "Lò Thị Mai"), who(2, "Nguyễn Văn Hùng"));
        vec![
            Evidence {
                online: false,
                total: Some(Early),
                units: vec![mc.clone(), vp.clone(), xa.clone()],
                parts: vec![
                    (mc.clone(), OnTime),
                    (vp.clone(), Early),
                    (xa.clone(), Early),
                ],
                handled: vec![
                    (a.clone(), mc.clone(), Some(OnTime)),
                    (b.clone(), vp.clone(), Some(Early)),
                ],
                rating: rating(2, 1, 2, 2),
            },
            Evidence {
                online: true,
                total: Some(Late),
                units: vec![mc.clone(), vp.clone(), xa.clone()],
                parts: vec![(mc.clone(), Early), (vp.clone(), Late)],
                handled: vec![
                    (a.clone(), mc.clone(), Some(Early)),
                    (b.clone(), vp.clone(), Some(Late)),
                    (b.clone(), vp.clone(), Some(Early)),
                    (b.clone(), mc.clone(), None),
                ],
                rating: None,
            },
            Evidence {
                online: false,
                total: Some(OnTime),
                units: vec![mc.clone(), xa.clone()],
                parts: vec![(mc.clone(), Early)],
                handled: vec![(a.clone(), mc.clone(), Some(Early))],
                rating: rating(0, 0, 1, 1),
            },
        ]
    }

    fn commune_catalogue(_: &AgencyId) -> UnitCatalogue {
        UnitCatalogue {
            level: Some(ProcedureLevel::Commune),
            listed: 4,
            fully_at_counter: 0,
            received_and_returned_at_counter: 4,
            online: 3,
            feedback: None,
        }
    }

    fn scores(card: &Scorecard) -> Vec<Option<String>> {
        card.scores
            .iter()
            .map(|s| s.score.map(|p| p.to_string()))
            .collect()
    }

    fn some(v: &[&str]) -> Vec<Option<String>> {
        v.iter()
            .map(|s| (!s.is_empty()).then(|| s.to_string()))
            .collect()
    }

    #[test]
    fn a_unit_scores_the_dossiers_of_its_sub_units_and_leaves_out_indices_without_data() {
        let (scheme, tree) = (Scheme::tt01_2018(), tree());
        let mut ev = Evaluation::new(&scheme, &tree);
        for e in three() {
            ev.add(&e);
        }
        assert_eq!(ev.dossiers(), 3);
        let units = ev.units(&commune_catalogue);
        let names: Vec<&str> = units.iter().map(|u| u.unit.as_str()).collect();
        assert_eq!(
            names,
            [
                "lao-cai",
                "lao-cai.xa",
                "lao-cai.xa.mot-cua",
                "lao-cai.xa.van-phong"
            ],
            "every unit above a participant, in tree order"
        );
        let xa = &units[1];
        assert_eq!(xa.dossiers, 3);
        // 1: (2+0+1)/3; 2: worst part within the commune per dossier: on time, late, early =
        // (1+0+2)/3; 3, 4, 6, 7 over the two rated dossiers; 5: all received and returned at the
        // counter, none handled there entirely; 8: no data; 9: 1 of 3 online but it was late.
        assert_eq!(
            scores(&xa.card),
            some(&["1.0", "1.0", "1.0", "0.5", "1.0", "1.5", "1.5", "", "0.0"])
        );
        assert_eq!(xa.card.total.to_string(), "7.5");
        assert_eq!(xa.card.max, Points::whole(16), "index 8 left out");
        assert_eq!(xa.card.classification.as_deref(), Some("Trung bình"));
        assert!(xa.card.scores[7].note.contains("phản ánh, kiến nghị"));
        assert_eq!(xa.card.scores[2].dossiers, 2, "two rated dossiers");

        let vp = &units[3];
        assert_eq!(vp.dossiers, 2);
        assert_eq!(
            scores(&vp.card),
            some(&["1.0", "1.0", "2.0", "1.0", "1.0", "2.0", "2.0", "", "0.0"])
        );
        // The counter: its own parts were on time, early, early: (1+2+2)/3 = 1.7.
        assert_eq!(units[2].card.score(2).unwrap().to_string(), "1.7");
    }

    #[test]
    fn an_official_is_scored_once_per_dossier_on_the_worst_of_their_steps() {
        let (scheme, tree) = (Scheme::tt01_2018(), tree());
        let mut ev = Evaluation::new(&scheme, &tree);
        for e in three() {
            ev.add(&e);
        }
        let people = ev.officials();
        assert_eq!(people.len(), 2);
        let (a, b) = (&people[0], &people[1]);
        assert_eq!(a.name, "Lò Thị Mai");
        assert_eq!((a.dossiers, a.unit.as_str()), (3, "lao-cai.xa.mot-cua"));
        // 1: (2+0+1)/3; 2: (1+2+2)/3; 3: (2+0)/2; 4: (1+0)/2; 7: (2+1)/2.
        assert_eq!(scores(&a.card), some(&["1.0", "1.7", "1.0", "0.5", "1.5"]));
        assert_eq!(a.card.total.to_string(), "5.7");
        assert_eq!(
            a.card.classification.as_deref(),
            Some("Hoàn thành 100% nhiệm vụ")
        );
        // Two dossiers; in the second the worse of a late and an early step; most steps at the
        // office.
        assert_eq!((b.dossiers, b.unit.as_str()), (2, "lao-cai.xa.van-phong"));
        assert_eq!(scores(&b.card), some(&["1.0", "1.0", "2.0", "1.0", "2.0"]));
        assert_eq!(b.card.total.to_string(), "7.0");
    }

    #[test]
    fn without_any_rating_the_citizen_indices_have_no_score_and_no_classification_without_data() {
        let (scheme, tree) = (Scheme::tt01_2018(), tree());
        let mut ev = Evaluation::new(&scheme, &tree);
        let mut e = three().remove(1);
        e.total = None;
        e.parts.clear();
        for h in &mut e.handled {
            h.2 = None;
        }
        ev.add(&e);
        let people = ev.officials();
        assert!(people.iter().all(|p| p.card.classification.is_none()));
        assert!(people[0].card.scores[2].note.contains("Chưa có phiếu"));
        let units = ev.units(&|_| UnitCatalogue::default());
        assert!(units.iter().all(|u| u.card.classification.is_none()));
    }
}
