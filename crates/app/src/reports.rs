//! Báo cáo — the report counters: kept with every dossier change (see `domain::dossier::facts`),
//! and rebuilt from the events on demand.

use std::collections::BTreeMap;

use domain::dossier::{Dossier, Fact};

use crate::Reports;
use crate::{App, AppError};

/// What a rebuild did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RebuildReport {
    pub dossiers: usize,
    pub counters: usize,
    /// Counters whose kept value differed from the recomputed one (0 when all is well).
    pub differing: usize,
}

impl Reports<'_> {
    /// Recomputes every counter from the events: each dossier replayed, its facts summed with
    /// its receiving agency's calendar as it is now; the kept counters are replaced.
    pub async fn rebuild_counts(self) -> Result<RebuildReport, AppError> {
        let mut sums: BTreeMap<Fact, i64> = BTreeMap::new();
        let ids = self.app.db.dossier_ids().await?;
        let ratings: std::collections::HashMap<uuid::Uuid, bool> = self
            .app
            .db
            .ratings_by_dossier()
            .await?
            .into_iter()
            .collect();
        for id in &ids {
            let events = self.app.db.events(*id).await?;
            let Some(d) = Dossier::replay(&events) else {
                continue;
            };
            for f in self.facts_of(&d, ratings.get(&id.0).copied())? {
                *sums.entry(f).or_default() += 1;
            }
        }
        let sums: Vec<(Fact, i64)> = sums.into_iter().collect();
        let kept = self.app.db.all_counts().await?;
        let differing = differences(&kept, &sums).len();
        self.app.db.replace_counts(&sums).await?;
        Ok(RebuildReport {
            dossiers: ids.len(),
            counters: sums.len(),
            differing,
        })
    }

    /// The counter facts of a dossier, with its receiving agency's calendar as it is now, and
    /// those of its rating when it has one (`Some(satisfied)`).
    pub(crate) fn facts_of(self, d: &Dossier, rating: Option<bool>) -> Result<Vec<Fact>, AppError> {
        let cal = self.app.calendar_of(&d.receiving);
        let mut facts = d.facts(&cal, &self.app.settings.rules)?;
        if let Some(satisfied) = rating {
            facts.extend(d.rating_facts(&cal, &self.app.settings.rules, satisfied)?);
        }
        Ok(facts)
    }
}

/// The counters that differ between the kept rows and recomputed sums: key, kept value and
/// recomputed value (0 for a counter missing on one side).
pub(crate) fn differences(
    kept: &[store::CountRow],
    sums: &[(Fact, i64)],
) -> Vec<(String, i64, i64)> {
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
        .map(|k| {
            let n = |m: &BTreeMap<String, i64>| m.get(k).copied().unwrap_or(0);
            (k.clone(), n(&kept), n(&fresh))
        })
        .collect()
}

/// Báo cáo tình hình giải quyết TTHC — one agency's line (or the total) for a period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeriodLine {
    pub agency: String,
    pub name: String,
    /// Kỳ trước chuyển qua: received before the period and still in progress at its start.
    pub carried: i64,
    /// Mới tiếp nhận, by channel: in person, online, postal.
    pub received: [i64; 3],
    pub resolved_early: i64,
    pub resolved_on_time: i64,
    pub resolved_late: i64,
    /// Of the resolved: refused after appraisal.
    pub refused: i64,
    pub withdrawn: i64,
    pub stopped: i64,
    /// Đang giải quyết at the end of the period: within, and past the limit.
    pub open_within: i64,
    pub open_past: i64,
    pub refused_at_intake: i64,
    pub returned: i64,
    pub on_time_766: i64,
    pub late_766: i64,
    /// Received in the period, of procedures offered fully online (dịch vụ công trực tuyến
    /// toàn trình) in the catalogue in force: all of them, and those submitted online.
    pub full_online_eligible: i64,
    pub full_online: i64,
    /// Received with fees or charges to pay (có nghĩa vụ tài chính).
    pub fee_bearing: i64,
    /// Received with every submitted component digitised (số hóa).
    pub digitised: i64,
    /// Received with a digitally signed component (thành phần hồ sơ có ký số).
    pub signed_components: i64,
    /// Results issued electronically, signed (kết quả điện tử).
    pub electronic_results: i64,
    /// Ratings of dossiers that ended in the period, and of those the unsatisfied ones.
    pub rated: i64,
    pub disliked: i64,
    /// Of those received, brought from the incumbent system (chuyển từ hệ thống cũ).
    pub imported: i64,
    /// Thông tin phải cung cấp, and of it the items filled or attached from data.
    pub information_asked: i64,
    pub information_from_data: i64,
}

impl PeriodLine {
    pub fn received_total(&self) -> i64 {
        self.received.iter().sum()
    }

    pub fn resolved(&self) -> i64 {
        self.resolved_early + self.resolved_on_time + self.resolved_late
    }

    /// Tỷ lệ giải quyết đúng hạn: (early + on time) ÷ resolved.
    pub fn on_time_rate(&self) -> Option<f64> {
        ratio(self.resolved_early + self.resolved_on_time, self.resolved())
    }

    /// Tỷ lệ hồ sơ trực tuyến: online ÷ received.
    pub fn online_rate(&self) -> Option<f64> {
        ratio(self.received[1], self.received_total())
    }

    /// Tỷ lệ hồ sơ trực tuyến toàn trình: of the dossiers of full-online procedures, the share
    /// submitted online.
    pub fn full_online_rate(&self) -> Option<f64> {
        ratio(self.full_online, self.full_online_eligible)
    }

    /// Tỷ lệ số hóa hồ sơ: digitised ÷ received.
    pub fn digitised_rate(&self) -> Option<f64> {
        ratio(self.digitised, self.received_total())
    }

    /// Tỷ lệ hồ sơ có thành phần ký số: signed ÷ received.
    pub fn signed_rate(&self) -> Option<f64> {
        ratio(self.signed_components, self.received_total())
    }

    /// Tỷ lệ thông tin tái sử dụng: items from data ÷ items asked (the "cắt giảm ít nhất 20%
    /// thông tin" target).
    pub fn reuse_rate(&self) -> Option<f64> {
        ratio(self.information_from_data, self.information_asked)
    }

    /// Tỷ lệ hài lòng: satisfied ratings ÷ ratings.
    pub fn satisfaction_rate(&self) -> Option<f64> {
        ratio(self.rated - self.disliked, self.rated)
    }

    /// Adds another line's figures to this one (a total).
    pub fn add(&mut self, o: &PeriodLine) {
        self.carried += o.carried;
        for i in 0..3 {
            self.received[i] += o.received[i];
        }
        self.resolved_early += o.resolved_early;
        self.resolved_on_time += o.resolved_on_time;
        self.resolved_late += o.resolved_late;
        self.refused += o.refused;
        self.withdrawn += o.withdrawn;
        self.stopped += o.stopped;
        self.open_within += o.open_within;
        self.open_past += o.open_past;
        self.refused_at_intake += o.refused_at_intake;
        self.returned += o.returned;
        self.on_time_766 += o.on_time_766;
        self.late_766 += o.late_766;
        self.full_online_eligible += o.full_online_eligible;
        self.full_online += o.full_online;
        self.fee_bearing += o.fee_bearing;
        self.digitised += o.digitised;
        self.signed_components += o.signed_components;
        self.electronic_results += o.electronic_results;
        self.rated += o.rated;
        self.disliked += o.disliked;
        self.imported += o.imported;
        self.information_asked += o.information_asked;
        self.information_from_data += o.information_from_data;
    }
}

fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// Tái sử dụng thông tin của một thủ tục: what its dossiers received in the period asked of the
/// applicants, and how much of it came from data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReuseLine {
    pub procedure: String,
    pub name: String,
    pub received: i64,
    pub asked: i64,
    pub from_data: i64,
}

impl ReuseLine {
    pub fn rate(&self) -> Option<f64> {
        ratio(self.from_data, self.asked)
    }
}

/// The report: a line per deciding agency, and the total; the information reused per
/// procedure.
#[derive(Debug, Clone)]
pub struct PeriodReport {
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    pub lines: Vec<PeriodLine>,
    pub total: PeriodLine,
    /// By procedure, most information asked first.
    pub reuse: Vec<ReuseLine>,
}

impl App {
    /// The codes of the procedures a scope keeps (`None`: every procedure).
    pub(crate) async fn scope_procedures(
        &self,
        scope: &crate::qd766::Scope,
    ) -> Result<Option<Vec<String>>, AppError> {
        if !scope.filters_procedures() {
            return Ok(None);
        }
        let catalog = self.catalog_in_force().await?;
        Ok(Some(
            catalog
                .versions
                .values()
                .filter(|p| scope.admits(p))
                .map(|p| p.code.to_string())
                .collect(),
        ))
    }

    /// The agencies the actor sees, within the scope's unit when it names one.
    fn scoped_agencies(
        &self,
        actor: &domain::officer::Actor,
        scope: &crate::qd766::Scope,
    ) -> Vec<String> {
        let tree = self.agencies();
        self.queries()
            .visible_agencies(actor)
            .into_iter()
            .filter(|a| {
                scope.under.as_ref().is_none_or(|u| {
                    domain::agency::AgencyId::parse(a).is_ok_and(|a| tree.is_within(&a, u))
                })
            })
            .collect()
    }

    /// Per agency, the dossiers still open past their limit at the end of `to`: those due by
    /// then, less those due and ended by then. For a period not over yet, what is open now and
    /// was due by yesterday (what falls due today is still within its limit).
    pub(crate) async fn open_past(
        &self,
        procedures: Option<&[String]>,
        agencies: &[String],
        to: chrono::NaiveDate,
        stock: DueStock,
    ) -> Result<BTreeMap<String, i64>, AppError> {
        use domain::dossier::Measure as M;
        let (due_day, due_and_ended, open_due) = match stock {
            DueStock::Tt01 => (M::DueDay, M::DueAndEnded, M::OpenDue),
            DueStock::Qd766 => (M::Due766Day, M::Due766AndEnded, M::Open766Due),
        };
        let today = lich::time::to_vn(&self.now()).date_naive();
        let rows = if to < today {
            self.counter_sums(procedures, agencies, None, to, &[due_day, due_and_ended])
                .await?
        } else {
            let yesterday = today - chrono::Duration::days(1);
            self.counter_sums(procedures, agencies, None, yesterday, &[open_due])
                .await?
        };
        let mut out: BTreeMap<String, i64> = BTreeMap::new();
        for r in rows {
            let sign = if r.measure == due_and_ended { -1 } else { 1 };
            *out.entry(r.agency).or_default() += sign * r.n;
        }
        Ok(out)
    }

    /// Counter sums per (agency, measure, channel), over some procedures only when given.
    pub(crate) async fn counter_sums(
        &self,
        procedures: Option<&[String]>,
        agencies: &[String],
        from: Option<chrono::NaiveDate>,
        to: chrono::NaiveDate,
        measures: &[domain::dossier::Measure],
    ) -> Result<Vec<store::CountSum>, AppError> {
        Ok(match procedures {
            Some(p) => {
                self.db
                    .count_sums_by_procedure(agencies, Some(p), from, to, measures)
                    .await?
            }
            None => self.db.count_sums(agencies, from, to, measures).await?,
        })
    }
}

impl Reports<'_> {
    /// The periodic report on TTHC handling for `[from, to]` over the agencies the actor sees
    /// (within `under`, when given), read from the counters only.
    pub async fn period_report(
        self,
        actor: &domain::officer::Actor,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        scope: &crate::qd766::Scope,
    ) -> Result<PeriodReport, AppError> {
        use domain::dossier::Measure as M;
        crate::overview::require_oversight(actor)?;
        if to < from {
            return Err(AppError::invalid(
                "invalid_period",
                "Ngày cuối kỳ phải sau ngày đầu kỳ.",
            ));
        }
        let tree = self.app.agencies();
        let agencies = self.app.scoped_agencies(actor, scope);
        let procedures = self.app.scope_procedures(scope).await?;
        let procedures = procedures.as_deref();
        let before = from - chrono::Duration::days(1);
        let earlier = self
            .app
            .counter_sums(
                procedures,
                &agencies,
                None,
                before,
                &[
                    M::Received,
                    M::ResolvedEarly,
                    M::ResolvedOnTime,
                    M::ResolvedLate,
                    M::Withdrawn,
                    M::Stopped,
                ],
            )
            .await?;
        let within = self
            .app
            .counter_sums(procedures, &agencies, Some(from), to, &[])
            .await?;
        let due_by_end = self
            .app
            .open_past(procedures, &agencies, to, DueStock::Tt01)
            .await?;
        let mut lines: BTreeMap<String, PeriodLine> = BTreeMap::new();
        for s in &earlier {
            let l = lines.entry(s.agency.clone()).or_default();
            match s.measure {
                M::Received => l.carried += s.n,
                m if m.ends() => l.carried -= s.n,
                _ => {}
            }
        }
        for s in &within {
            let l = lines.entry(s.agency.clone()).or_default();
            let n = s.n;
            match s.measure {
                M::Received => {
                    let i = match s.channel {
                        2 => 1,
                        3 => 2,
                        _ => 0,
                    };
                    l.received[i] += n;
                }
                M::ResolvedEarly => l.resolved_early += n,
                M::ResolvedOnTime => l.resolved_on_time += n,
                M::ResolvedLate => l.resolved_late += n,
                M::DecidedRefused => l.refused += n,
                M::Withdrawn => l.withdrawn += n,
                M::Stopped => l.stopped += n,
                M::RefusedAtIntake => l.refused_at_intake += n,
                M::Returned => l.returned += n,
                M::OnTime766 => l.on_time_766 += n,
                M::Late766 => l.late_766 += n,
                M::FeeBearing => l.fee_bearing += n,
                M::Digitised => l.digitised += n,
                M::SignedComponents => l.signed_components += n,
                M::ElectronicResult => l.electronic_results += n,
                M::Rated => l.rated += n,
                M::Disliked => l.disliked += n,
                M::Imported => l.imported += n,
                M::InformationAsked => l.information_asked += n,
                M::InformationFromData => l.information_from_data += n,
                _ => {}
            }
        }
        // Full-online procedures are a property of the catalogue, so these are read by
        // procedure — only the full-online ones, and only what was received.
        let catalog = self.app.catalog_in_force().await?;
        let full_online: Vec<String> = catalog
            .versions
            .values()
            .filter(|p| p.online == domain::procedure::OnlineKind::Full && scope.admits(p))
            .map(|p| p.code.to_string())
            .collect();
        for s in self
            .app
            .db
            .count_sums_by_procedure(
                &agencies,
                Some(&full_online),
                Some(from),
                to,
                &[M::Received],
            )
            .await?
        {
            let l = lines.entry(s.agency.clone()).or_default();
            l.full_online_eligible += s.n;
            if s.channel == 2 {
                l.full_online += s.n;
            }
        }
        let name = |id: &str| {
            domain::agency::AgencyId::parse(id)
                .ok()
                .and_then(|a| tree.get(&a).map(|x| x.name.clone()))
                .unwrap_or_else(|| id.to_string())
        };
        let mut total = PeriodLine {
            name: "Tổng cộng".into(),
            ..Default::default()
        };
        let mut out = Vec::new();
        for (agency, mut l) in lines {
            let ended = l.resolved() + l.withdrawn + l.stopped;
            let open = l.carried + l.received_total() - ended;
            l.open_past = due_by_end.get(&agency).copied().unwrap_or(0);
            l.open_within = open - l.open_past;
            l.name = name(&agency);
            l.agency = agency;
            total.add(&l);
            out.push(l);
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        let mut reuse: BTreeMap<String, ReuseLine> = BTreeMap::new();
        for s in self
            .app
            .db
            .count_sums_by_procedure(
                &agencies,
                procedures,
                Some(from),
                to,
                &[M::Received, M::InformationAsked, M::InformationFromData],
            )
            .await?
        {
            let l = reuse
                .entry(s.procedure.clone())
                .or_insert_with(|| ReuseLine {
                    name: catalog
                        .versions
                        .get(&s.procedure)
                        .map_or_else(|| s.procedure.clone(), |p| p.name.clone()),
                    procedure: s.procedure.clone(),
                    received: 0,
                    asked: 0,
                    from_data: 0,
                });
            match s.measure {
                M::Received => l.received += s.n,
                M::InformationAsked => l.asked += s.n,
                M::InformationFromData => l.from_data += s.n,
                _ => {}
            }
        }
        let mut reuse: Vec<ReuseLine> = reuse.into_values().filter(|l| l.asked > 0).collect();
        reuse.sort_by(|a, b| {
            b.asked
                .cmp(&a.asked)
                .then_with(|| a.procedure.cmp(&b.procedure))
        });
        Ok(PeriodReport {
            from,
            to,
            lines: out,
            total,
            reuse,
        })
    }
}

/// Whose limits an "open past the limit" count is taken against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DueStock {
    /// The legal due (TT 01/2018).
    Tt01,
    /// The QĐ 766 date (promised date plus supplement time).
    Qd766,
}

/// A late dossier with who held it while it was late.
#[derive(Debug, Clone)]
pub struct LateLine {
    pub id: domain::dossier::DossierId,
    pub code: String,
    pub procedure: String,
    pub agency: String,
    pub received: Option<chrono::DateTime<chrono::Utc>>,
    pub due: Option<chrono::DateTime<chrono::Utc>>,
    /// When handling ended; `None`: still being handled.
    pub finished: Option<chrono::DateTime<chrono::Utc>>,
    /// Working days past the due instant (to the end, or to now).
    pub days_late: f64,
    /// The step and unit that held the dossier longest while it was late, and its handler.
    pub step: String,
    pub unit: String,
    pub handler: String,
    /// The reason given in the apology (Phiếu xin lỗi và hẹn lại ngày trả), if any.
    pub reason: String,
}

impl Reports<'_> {
    /// Danh sách hồ sơ quá hạn: dossiers resolved late in `[from, to]`, and those still being
    /// handled past their limit at its end (or now, for a period not over), with the step, unit
    /// and handler the lateness is charged to; of the scope's agencies and procedures.
    pub async fn late_list(
        self,
        actor: &domain::officer::Actor,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        scope: &crate::qd766::Scope,
    ) -> Result<Vec<LateLine>, AppError> {
        crate::overview::require_oversight(actor)?;
        let procedures = self.app.scope_procedures(scope).await?;
        let start = lich::time::vn_day_start;
        let now = self.app.now();
        let end = start(to + chrono::Duration::days(1));
        let cut = end.min(now);
        let ids = self
            .app
            .db
            .late_dossier_ids(
                &self.app.scoped_agencies(actor, scope),
                procedures.as_deref(),
                start(from).timestamp_millis(),
                end.timestamp_millis(),
                cut.timestamp_millis(),
                2_000,
            )
            .await?;
        let tree = self.app.agencies();
        let name = |a: &domain::agency::AgencyId| tree.name_of(a);
        let mut out = Vec::with_capacity(ids.len());
        for d in self.app.db.dossiers(&ids).await? {
            if d.stopped.is_some() {
                continue;
            }
            let cal = self.app.calendar_of(&d.receiving);
            let t = d.timing(&cal, &self.app.settings.rules, cut)?;
            let (step, unit, handler) = self.app.charged_to(&t);
            let day = f64::from(cal.office_hours().day_length().max(1));
            out.push(LateLine {
                id: d.id,
                code: d.code.to_string(),
                procedure: d.procedure.name.clone(),
                agency: name(&d.competent),
                received: d.received_at,
                due: t.due,
                finished: t.finished_at,
                days_late: t.overdue_seconds as f64 / day,
                step,
                unit,
                handler,
                reason: d
                    .apology
                    .as_ref()
                    .map(|a| a.reason.clone())
                    .unwrap_or_default(),
            });
        }
        Ok(out)
    }
}

impl App {
    /// The step, unit and handler a dossier's lateness is charged to (empty when never late).
    pub(crate) fn charged_to(&self, t: &domain::dossier::Timing) -> (String, String, String) {
        let Some(s) = t.most_charged_step() else {
            return Default::default();
        };
        let unit = self.agencies().name_of(&s.unit);
        let handler = s
            .handler
            .as_ref()
            .map(|h| h.name.clone())
            .unwrap_or_default();
        (s.name.clone(), unit, handler)
    }
}

/// One bar of a trend: the bucket's label, received and resolved in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrendPoint {
    pub label: String,
    pub received: i64,
    pub resolved: i64,
}

impl Reports<'_> {
    /// Received and resolved per day (periods up to two months) or per month, from the counters.
    pub async fn trend(
        self,
        actor: &domain::officer::Actor,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Vec<TrendPoint>, AppError> {
        use chrono::Datelike;
        crate::overview::require_oversight(actor)?;
        let daily = (to - from).num_days() <= 62;
        let label = |d: chrono::NaiveDate| {
            if daily {
                d.format("%d/%m").to_string()
            } else {
                format!("{:02}/{}", d.month(), d.year())
            }
        };
        let mut points: Vec<TrendPoint> = Vec::new();
        let mut d = from;
        while d <= to {
            let l = label(d);
            if points.last().is_none_or(|p| p.label != l) {
                points.push(TrendPoint {
                    label: l,
                    received: 0,
                    resolved: 0,
                });
            }
            d += chrono::Duration::days(1);
        }
        let periods: Vec<String> = if daily {
            from.iter_days()
                .take_while(|d| *d <= to)
                .map(|d| d.to_string())
                .collect()
        } else {
            // Whole months as one row each; the partial months at the ends day by day.
            store::month_and_day_keys(from, to)
        };
        let rows = self
            .app
            .db
            .count_by_period(&self.app.queries().visible_agencies(actor), &periods, &[])
            .await?;
        for (day, m, n) in rows {
            let day = if day.len() == 7 {
                format!("{day}-01")
            } else {
                day
            };
            let Ok(day) = chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d") else {
                continue;
            };
            let l = label(day);
            let Some(p) = points.iter_mut().find(|p| p.label == l) else {
                continue;
            };
            match m {
                domain::dossier::Measure::Received => p.received += n,
                m if m.ends() => p.resolved += n,
                _ => {}
            }
        }
        Ok(points)
    }
}
