//! Báo cáo — the report counters: kept with every dossier change (see `domain::dossier::facts`),
//! and rebuilt from the events on demand.

use std::collections::BTreeMap;

use domain::dossier::{Dossier, Fact};

use crate::{App, AppError};

/// What a rebuild did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RebuildReport {
    pub dossiers: usize,
    pub counters: usize,
    /// Counters whose kept value differed from the recomputed one (0 when all is well).
    pub differing: usize,
}

impl App {
    /// Recomputes every counter from the events: each dossier replayed, its facts summed with
    /// its receiving agency's calendar as it is now; the kept counters are replaced.
    pub async fn rebuild_counts(&self) -> Result<RebuildReport, AppError> {
        let mut sums: BTreeMap<Fact, i64> = BTreeMap::new();
        let ids = self.db.dossier_ids().await?;
        for id in &ids {
            let events = self.db.events(*id).await?;
            let Some(d) = Dossier::replay(&events) else {
                continue;
            };
            for f in d.facts(&self.calendar_of(&d.receiving), &self.settings.rules)? {
                *sums.entry(f).or_default() += 1;
            }
        }
        let sums: Vec<(Fact, i64)> = sums.into_iter().collect();
        let kept = self.db.all_counts().await?;
        let differing = differing(&kept, &sums);
        self.db.replace_counts(&sums).await?;
        Ok(RebuildReport {
            dossiers: ids.len(),
            counters: sums.len(),
            differing,
        })
    }
}

/// How many counters differ between the kept rows and recomputed sums.
fn differing(kept: &[store::CountRow], sums: &[(Fact, i64)]) -> usize {
    let key = |a: &str, p: &str, d: &str, c: i64, m: &str| format!("{a}|{p}|{d}|{c}|{m}");
    let kept: BTreeMap<String, i64> = kept
        .iter()
        .map(|r| {
            (
                key(&r.agency, &r.procedure, &r.day, r.channel, &r.measure),
                r.n,
            )
        })
        .collect();
    let fresh: BTreeMap<String, i64> = sums
        .iter()
        .map(|(f, n)| {
            (
                key(
                    &f.agency,
                    &f.procedure,
                    &f.day.to_string(),
                    i64::from(f.channel),
                    &domain::wire_name(&f.measure),
                ),
                *n,
            )
        })
        .collect();
    let mut all: Vec<&String> = kept.keys().chain(fresh.keys()).collect();
    all.sort();
    all.dedup();
    all.into_iter()
        .filter(|k| kept.get(*k) != fresh.get(*k))
        .count()
}
