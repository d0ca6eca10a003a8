//! Tổng quan cho lãnh đạo — today's figures, the on-time rate of a period, the ranking of the
//! agencies the leader oversees, and the dossiers late or about to be late with who holds them.

use chrono::NaiveDate;
use domain::officer::{Actor, Role};
use lich::time::to_vn;
use store::{DossierRow, UnitSummary};

use crate::Reports;
use crate::{AppError, ErrorKind};

/// One agency's line of the ranking.
#[derive(Debug, Clone)]
pub struct UnitLine {
    pub agency: String,
    pub name: String,
    pub figures: UnitSummary,
    /// Resolved on time ÷ resolved, when anything was resolved.
    pub on_time_rate: Option<f64>,
}

/// A dossier late or due by the end of the next working day.
#[derive(Debug, Clone)]
pub struct Watch {
    pub row: DossierRow,
    pub overdue: bool,
    pub unit_name: String,
    pub handler_name: String,
}

/// The leader's overview.
#[derive(Debug, Clone)]
pub struct Overview {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub today: UnitSummary,
    pub period: UnitSummary,
    pub on_time_rate: Option<f64>,
    pub units: Vec<UnitLine>,
    pub watch: Vec<Watch>,
}

fn rate(s: &UnitSummary) -> Option<f64> {
    (s.resolved > 0).then(|| s.on_time as f64 / s.resolved as f64)
}

fn add(total: &mut UnitSummary, s: &UnitSummary) {
    total.received += s.received;
    total.resolved += s.resolved;
    total.on_time += s.on_time;
    total.open += s.open;
    total.overdue += s.overdue;
}

/// Figures across units are for leaders, unit heads and inspectors (they name dossiers: not for
/// the technical administrator, who reads none).
pub(crate) fn require_oversight(actor: &Actor) -> Result<(), AppError> {
    let allowed = matches!(actor, Actor::Officer(o) if o.grants.iter().any(|g| matches!(g.role, Role::Leader | Role::UnitHead | Role::Auditor)));
    if allowed {
        Ok(())
    } else {
        Err(AppError::new(
            ErrorKind::Forbidden,
            "forbidden",
            "Số liệu tổng hợp dành cho lãnh đạo, trưởng đơn vị và thanh tra.",
        ))
    }
}

impl Reports<'_> {
    /// The overview for a leader (or a unit head, an inspector), over the agencies they see,
    /// for the period `[from, to]` (whole days, Vietnamese time).
    pub async fn overview(
        self,
        actor: &Actor,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Overview, AppError> {
        require_oversight(actor)?;
        if to < from {
            return Err(AppError::invalid(
                "invalid_period",
                "Ngày cuối kỳ phải sau ngày đầu kỳ.",
            ));
        }
        let visible = self.app.queries().visible_agencies(actor);
        let now = self.app.now();
        let today = to_vn(&now).date_naive();
        let end = lich::time::vn_day_start(to + chrono::Duration::days(1));
        let figures = self
            .app
            .db
            .unit_summary(
                &visible,
                lich::time::vn_day_start(from).timestamp_millis(),
                end.timestamp_millis(),
                now.timestamp_millis(),
            )
            .await?;
        let today_figures = self
            .app
            .db
            .unit_summary(
                &visible,
                lich::time::vn_day_start(today).timestamp_millis(),
                lich::time::vn_day_start(today + chrono::Duration::days(1)).timestamp_millis(),
                now.timestamp_millis(),
            )
            .await?;
        let tree = self.app.agencies();
        let name = |id: &str| {
            domain::agency::AgencyId::parse(id)
                .ok()
                .and_then(|a| tree.get(&a).map(|x| x.name.clone()))
                .unwrap_or_else(|| id.to_string())
        };
        let mut period = UnitSummary::default();
        let mut units: Vec<UnitLine> = figures
            .iter()
            .map(|s| {
                add(&mut period, s);
                UnitLine {
                    agency: s.agency.clone(),
                    name: name(&s.agency),
                    figures: s.clone(),
                    on_time_rate: rate(s),
                }
            })
            .collect();
        units.sort_by(|a, b| {
            b.on_time_rate
                .unwrap_or(-1.0)
                .total_cmp(&a.on_time_rate.unwrap_or(-1.0))
                .then(b.figures.resolved.cmp(&a.figures.resolved))
        });
        let mut today_total = UnitSummary::default();
        for s in &today_figures {
            add(&mut today_total, s);
        }
        // Late, or due by the end of the next working day.
        let horizon = self
            .app
            .national_calendar()
            .next_working_day(today)
            .map(|d| lich::time::vn_day_start(d + chrono::Duration::days(1)))
            .unwrap_or(now);
        let rows = self
            .app
            .queries()
            .list_dossiers(
                actor,
                crate::queries::DossierQuery {
                    national_status: vec![2, 4, 5, 6, 7],
                    due_to: Some(horizon),
                    limit: 200,
                    ..Default::default()
                },
            )
            .await?
            .rows;
        let officers = self.app.db.officers_in(&visible).await?;
        let watch = rows
            .into_iter()
            .map(|row| Watch {
                overdue: row.due.is_some_and(|d| d < now),
                unit_name: row.current_unit.as_deref().map(name).unwrap_or_default(),
                handler_name: row
                    .assignee
                    .as_deref()
                    .and_then(|id| officers.iter().find(|o| o.id.to_string() == id))
                    .map(|o| o.full_name.to_string())
                    .unwrap_or_default(),
                row,
            })
            .collect();
        Ok(Overview {
            from,
            to,
            on_time_rate: rate(&period),
            today: today_total,
            period,
            units,
            watch,
        })
    }
}
