//! Chỉ số chấm cho đơn vị — TT 01/2018 indices 5 (handling at the Bộ phận Một cửa) and 9
//! (online services): a whole-point score per unit from the catalogue and the period's dossiers.

use super::Points;
use super::evidence::UnitCatalogue;
use super::scheme::IndexDef;
use super::scorecard::IndexScore;
use crate::procedure::ProcedureLevel;

/// A unit's dossiers of the period: how many, how many submitted online, and how many of those
/// were late.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct OnlineDossiers {
    pub dossiers: i64,
    pub online: i64,
    pub late: i64,
}

/// `part ÷ whole ≥ percent %`, in integers.
fn at_least(part: i64, whole: i64, percent: u32) -> bool {
    part * 100 >= i64::from(percent) * whole
}

/// TT 01/2018 index 5: the best points when the share of procedures handled fully at the counter
/// reaches the level's threshold; the middle when every procedure is at least received and
/// returned there; the worst otherwise.
pub(super) fn at_counter(
    def: &IndexDef,
    cat: &UnitCatalogue,
    province: u32,
    commune: u32,
) -> IndexScore {
    let (listed, full, rr) = (
        i64::from(cat.listed),
        i64::from(cat.fully_at_counter),
        i64::from(cat.received_and_returned_at_counter),
    );
    if listed == 0 {
        return IndexScore {
            number: def.number,
            score: None,
            dossiers: 0,
            note: "Không có thủ tục thuộc thẩm quyền của đơn vị".into(),
        };
    }
    let threshold = match cat.level {
        Some(ProcedureLevel::Commune) => commune,
        _ => province,
    };
    let points = if at_least(full, listed, threshold) {
        def.points[0]
    } else if rr == listed {
        def.points[1]
    } else {
        def.points[2]
    };
    IndexScore {
        number: def.number,
        score: Some(Points::whole(points)),
        dossiers: 0,
        note: format!(
            "{full}/{listed} thủ tục giải quyết trọn tại Bộ phận Một cửa, {rr}/{listed} tiếp nhận và trả kết quả tại đó"
        ),
    }
}

/// TT 01/2018 index 9 over the unit's procedures and its dossiers of the period.
pub(super) fn online(
    def: &IndexDef,
    cat: &UnitCatalogue,
    t: OnlineDossiers,
    pct: [u32; 3],
) -> IndexScore {
    let (listed, offered) = (i64::from(cat.listed), i64::from(cat.online));
    if listed == 0 || t.dossiers == 0 {
        return IndexScore {
            number: def.number,
            score: None,
            dossiers: t.dossiers,
            note: "Không có thủ tục thuộc thẩm quyền của đơn vị".into(),
        };
    }
    let none_late = t.late == 0;
    let points =
        if at_least(offered, listed, pct[0]) && at_least(t.online, t.dossiers, pct[1]) && none_late
        {
            def.points[0]
        } else if offered > 0 && at_least(t.online, t.dossiers, pct[2]) && none_late {
            def.points[1]
        } else {
            def.points[2]
        };
    IndexScore {
        number: def.number,
        score: Some(Points::whole(points)),
        dossiers: t.dossiers,
        note: format!(
            "{offered}/{listed} thủ tục trực tuyến; {}/{} hồ sơ nộp trực tuyến, {} quá hạn",
            t.online, t.dossiers, t.late
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluation::Scheme;

    fn card(listed: u32, full: u32, rr: u32, offered: u32, level: ProcedureLevel) -> UnitCatalogue {
        UnitCatalogue {
            level: Some(level),
            listed,
            fully_at_counter: full,
            received_and_returned_at_counter: rr,
            online: offered,
            feedback: None,
        }
    }

    #[test]
    fn index_5_asks_all_commune_procedures_or_a_fifth_of_provincial_ones_at_the_counter() {
        let s = Scheme::tt01_2018();
        let def = s.index(5).unwrap();
        let p = |c: UnitCatalogue| at_counter(def, &c, 20, 100).score.map(|p| p.to_string());
        use ProcedureLevel::*;
        assert_eq!(p(card(5, 5, 5, 0, Commune)).as_deref(), Some("2.0"));
        assert_eq!(p(card(5, 4, 5, 0, Commune)).as_deref(), Some("1.0"));
        assert_eq!(p(card(5, 4, 4, 0, Commune)).as_deref(), Some("0.0"));
        assert_eq!(p(card(10, 2, 2, 0, Province)).as_deref(), Some("2.0"));
        assert_eq!(p(card(10, 1, 10, 0, Province)).as_deref(), Some("1.0"));
        assert_eq!(p(card(10, 1, 9, 0, Province)).as_deref(), Some("0.0"));
        assert_eq!(p(card(0, 0, 0, 0, Province)), None);
    }

    #[test]
    fn index_9_bands_at_thirty_and_fifteen_percent_and_any_late_online_dossier_gives_zero() {
        let s = Scheme::tt01_2018();
        let def = s.index(9).unwrap();
        let p = |offered: u32, online: i64, late: i64| {
            let t = OnlineDossiers {
                dossiers: 20,
                online,
                late,
            };
            let c = card(10, 0, 10, offered, ProcedureLevel::Commune);
            online_score(def, &c, t)
        };
        assert_eq!(p(2, 6, 0), "2.0", "20% of procedures, 30% of dossiers");
        assert_eq!(p(2, 5, 0), "1.0", "25% of dossiers");
        assert_eq!(p(2, 3, 0), "1.0", "15% of dossiers");
        assert_eq!(p(2, 2, 0), "0.0", "10% of dossiers");
        assert_eq!(p(1, 6, 0), "1.0", "only 10% of procedures online");
        assert_eq!(p(0, 6, 0), "0.0", "nothing online");
        assert_eq!(p(10, 20, 1), "0.0", "a late online dossier");
    }

    fn online_score(def: &IndexDef, c: &UnitCatalogue, t: OnlineDossiers) -> String {
        online(def, c, t, [20, 30, 15]).score.unwrap().to_string()
    }
}
