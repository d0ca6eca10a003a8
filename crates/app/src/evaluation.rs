//! Đánh giá việc giải quyết TTHC (TT 01/2018/TT-VPCP Art. 12–15) — each quarter and year, the
//! index scores, totals and classifications of the units and officials a leader oversees, from
//! the dossiers whose handling ended in the period and the citizens' ratings of them. The scheme
//! (indices, points, bands) is data: `Settings::evaluation`, TT 01/2018 unless a file replaces it.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::agency::AgencyId;
use domain::dossier::Dossier;
use domain::evaluation::{
    Evaluation, Evidence, OfficialScore, Period, Scheme, UnitCatalogue, UnitScore,
};
use domain::officer::Actor;
use lich::time::to_vn;

use crate::AppError;
use crate::Reports;
use crate::overview::require_oversight;

/// Dossiers read per query.
const PAGE: i64 = 500;

/// One unit's line: its scorecard, with its name and depth in the tree (for indenting).
#[derive(Debug, Clone)]
pub struct UnitLine {
    pub name: String,
    pub depth: usize,
    pub score: UnitScore,
}

/// One official's line, with the name of the unit where they handled most steps.
#[derive(Debug, Clone)]
pub struct OfficialLine {
    pub unit_name: String,
    pub score: OfficialScore,
}

/// Kết quả đánh giá of a period.
#[derive(Debug, Clone)]
pub struct EvaluationReport {
    pub period: Period,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The instant the figures stand at (now, or the instant asked).
    pub as_of: DateTime<Utc>,
    pub scheme: Arc<Scheme>,
    /// Dossiers scored: handling ended in the period with a result (withdrawn and stopped ones
    /// have no result to score).
    pub dossiers: i64,
    pub units: Vec<UnitLine>,
    pub officials: Vec<OfficialLine>,
}

impl Reports<'_> {
    /// The TT 01/2018 evaluation of `period` over the agencies the actor oversees, as the
    /// figures stood at `as_of` (default: now). A past `as_of` replays each dossier's events up
    /// to it and takes only the ratings given by then.
    pub async fn evaluation(
        self,
        actor: &Actor,
        period: Period,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<EvaluationReport, AppError> {
        require_oversight(actor)?;
        if matches!(period, Period::Month { .. } | Period::Days { .. }) {
            return Err(AppError::invalid(
                "invalid_period",
                "Đánh giá theo Thông tư 01/2018 tính theo quý hoặc năm: ghi như 2026-Q3 hoặc 2026.",
            ));
        }
        let now = self.app.now();
        let as_of = as_of.map_or(now, |a| a.min(now));
        let (from, to) = (period.first_day(), period.last_day());
        let start = lich::time::vn_day_start(from);
        if start > as_of {
            return Err(AppError::invalid(
                "period_not_started",
                format!("{} chưa bắt đầu, chưa có gì để đánh giá.", period.label()),
            ));
        }
        // Ended in the period and by `as_of` (inclusive).
        let until =
            lich::time::vn_day_start(to + Duration::days(1)).min(as_of + Duration::milliseconds(1));
        let visible = self.app.queries().visible_agencies(actor);
        let scheme = self.app.settings.evaluation.clone();
        let tree = self.app.agencies();
        let mut ev = Evaluation::new(&scheme, &tree);
        let replay = as_of < now;
        let mut after = None;
        loop {
            let page = self
                .app
                .db
                .ended_dossiers(
                    &visible,
                    start.timestamp_millis(),
                    until.timestamp_millis(),
                    as_of.timestamp_millis(),
                    after,
                    PAGE,
                )
                .await?;
            let full = page.len() as i64 == PAGE;
            for ended in page {
                after = Some(ended.dossier.id.0);
                let d = if replay {
                    let events = self.app.db.events(ended.dossier.id).await?;
                    match Dossier::as_of(&events, as_of) {
                        Some(d) => d,
                        None => continue,
                    }
                } else {
                    ended.dossier
                };
                if d.stopped.is_some() || d.finished_at().is_none() {
                    continue;
                }
                let timing = d.timing(
                    &self.app.calendar_of(&d.receiving),
                    &self.app.settings.rules,
                    as_of,
                )?;
                ev.add(&Evidence::of(&d, &timing, ended.rating));
            }
            if !full {
                break;
            }
        }
        // Indices 5 and 9 read the procedures in force at the end of the period.
        let versions = self
            .app
            .db
            .procedures_in_force(to.min(to_vn(&as_of).date_naive()))
            .await?;
        // Index 8: each unit's feedback, as it stood at the end of the period (or now).
        let feedback = self
            .app
            .feedback()
            .counts(
                &visible,
                start,
                until.min(as_of + Duration::milliseconds(1)) - Duration::milliseconds(1),
            )
            .await?;
        let name = |id: &AgencyId| tree.name_of(id);
        let visible: BTreeSet<String> = visible.into_iter().collect();
        let units: Vec<UnitScore> = ev
            .units(&|u| UnitCatalogue {
                feedback: Some(feedback.get(u.as_str()).copied().unwrap_or_default()),
                ..UnitCatalogue::of(&tree, u, &versions)
            })
            .into_iter()
            .filter(|u| visible.contains(u.unit.as_str()))
            .collect();
        let top = units
            .iter()
            .map(|u| u.unit.as_str().split('.').count())
            .min()
            .unwrap_or(1);
        Ok(EvaluationReport {
            period,
            from,
            to,
            as_of,
            dossiers: ev.dossiers(),
            units: units
                .into_iter()
                .map(|score| UnitLine {
                    name: name(&score.unit),
                    depth: score.unit.as_str().split('.').count() - top,
                    score,
                })
                .collect(),
            officials: ev
                .officials()
                .into_iter()
                .map(|score| OfficialLine {
                    unit_name: name(&score.unit),
                    score,
                })
                .collect(),
            scheme: scheme.clone(),
        })
    }
}
