//! Đúng hạn, trễ hạn — how a dossier and each of its steps stand against their due instants, the
//! TT 01/2018 way and the QĐ 766 way, and which step and unit each late working hour belongs to.

use chrono::{DateTime, Utc};
use lich::time::to_vn;
use lich::{Pause, Timeliness, WorkCalendar, classify};
use serde::Serialize;

use super::command::LegalRules;
use super::event::{Handler, Outcome, PauseKind};
use super::state::Dossier;
use crate::agency::AgencyId;
use crate::error::DomainError;

/// Thời gian của một bước.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepTiming {
    pub index: usize,
    pub name: String,
    pub unit: AgencyId,
    pub handler: Option<Handler>,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub due: Option<DateTime<Utc>>,
    /// TT 01/2018 index 2: the step against its allotted time (once ended).
    pub timeliness: Option<Timeliness>,
    /// Working seconds past the step's own due (to its end, or to the instant asked).
    pub late_seconds: i64,
    /// Working seconds of the dossier's lateness that passed while this step held it.
    pub charged_overdue_seconds: i64,
}

/// Đánh giá thời gian của hồ sơ at an instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Timing {
    pub as_of: DateTime<Utc>,
    /// End of handling: result ready (đã xử lý xong), or stopped.
    pub finished_at: Option<DateTime<Utc>>,
    /// The legal due instant (restarts, lawful pauses and extensions applied).
    pub due: Option<DateTime<Utc>>,
    /// TT 01/2018 index 1: the finish against the legal due (the apology does not excuse).
    pub tt01: Option<Timeliness>,
    /// QĐ 766 promised date with the supplement windows added back.
    pub qd766_due: Option<DateTime<Utc>>,
    /// QĐ 766 indicator 2.1: end ≤ promised date after subtracting supplement time; more than
    /// one supplement request makes the dossier late; a dossier waiting for a supplement counts as
    /// finished at the request.
    pub qd766: Option<Timeliness>,
    /// For an open dossier: whether it is still within its limit at `as_of`.
    pub within_limit: bool,
    /// Working seconds past the legal due (to the finish, or to `as_of`).
    pub overdue_seconds: i64,
    pub steps: Vec<StepTiming>,
}

impl Timing {
    /// The step that held the dossier longest while it was past its due: where its lateness is
    /// charged (none when it was never late).
    pub fn most_charged_step(&self) -> Option<&StepTiming> {
        self.steps
            .iter()
            .filter(|s| s.charged_overdue_seconds > 0)
            .max_by_key(|s| s.charged_overdue_seconds)
    }
}

impl Dossier {
    /// How the dossier stands at `as_of` (use the current instant for a live view).
    pub fn timing(
        &self,
        cal: &WorkCalendar,
        rules: &LegalRules,
        as_of: DateTime<Utc>,
    ) -> Result<Timing, DomainError> {
        let finished_at = self.finished_at();
        let end = finished_at.map_or(as_of, |f| f.min(as_of));
        let seconds = |from: DateTime<Utc>, to: DateTime<Utc>| -> Result<i64, DomainError> {
            if to <= from {
                return Ok(0);
            }
            Ok(cal.working_seconds_between(to_vn(&from), to_vn(&to))?)
        };
        let overdue_seconds = match self.due {
            Some(due) if self.received_at.is_some() => seconds(due, end)?,
            _ => 0,
        };
        let tt01 = match (finished_at, self.due) {
            (Some(f), Some(due)) => Some(classify(to_vn(&f), to_vn(&due))),
            _ => None,
        };
        let (qd766_due, qd766) = self.qd766(cal, rules)?;
        let mut steps = Vec::with_capacity(self.steps.len());
        for s in &self.steps {
            let step_end = s.ended_at.unwrap_or(as_of);
            let late_seconds = match s.due {
                Some(due) => seconds(due, step_end)?,
                None => 0,
            };
            let charged_overdue_seconds = match self.due {
                Some(due) if self.received_at.is_some() => {
                    seconds(s.started_at.max(due), step_end.min(end))?
                }
                _ => 0,
            };
            steps.push(StepTiming {
                index: s.index,
                name: s.name.clone(),
                unit: s.unit.clone(),
                handler: s.handler.clone(),
                started_at: s.started_at,
                ended_at: s.ended_at,
                due: s.due,
                timeliness: match (s.ended_at, s.due) {
                    (Some(e), Some(d)) => Some(classify(to_vn(&e), to_vn(&d))),
                    _ => None,
                },
                late_seconds,
                charged_overdue_seconds,
            });
        }
        Ok(Timing {
            as_of,
            finished_at,
            due: self.due,
            tt01,
            qd766_due,
            qd766,
            within_limit: finished_at.is_none() && self.due.is_some_and(|d| as_of <= d),
            overdue_seconds,
            steps,
        })
    }

    /// End of handling: the result ready instant, or the stop. (A returned dossier keeps its
    /// "done" instant: QĐ 766 takes done over returned.)
    pub fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.result_ready_at
            .or(self.stopped.as_ref().map(|s| s.at))
            .filter(|_| self.received_at.is_some())
    }

    /// Supplement requests made during appraisal.
    pub fn appraisal_supplements(&self) -> usize {
        self.supplements.iter().filter(|s| !s.at_intake).count()
    }

    fn qd766(
        &self,
        cal: &WorkCalendar,
        rules: &LegalRules,
    ) -> Result<(Option<DateTime<Utc>>, Option<Timeliness>), DomainError> {
        let promised = if rules.qd766_counts_apology {
            self.appointment
        } else {
            self.original_appointment
        };
        let due = match promised {
            None if self.received_at.is_none() => return Ok((None, None)),
            // No appointment date: (end − start − supplement time) against the legal maximum,
            // which is the legal due (restarts and lawful pauses already applied); a procedure
            // with no limit at all cannot be late.
            None => self.due,
            Some(promised) => {
                let windows: Vec<Pause> = self
                    .pauses
                    .iter()
                    .filter(|p| p.kind == PauseKind::Supplement)
                    .filter_map(|p| {
                        p.to.map(|to| Pause {
                            from: to_vn(&p.from),
                            to: to_vn(&to),
                        })
                    })
                    .collect();
                Some(
                    cal.due_excluding_pauses(to_vn(&promised), &windows)?
                        .to_utc(),
                )
            }
        };
        let verdict = self.ended_766().map(|f| match due {
            _ if self.appraisal_supplements() > 1 => Timeliness::Late,
            Some(due) => classify(to_vn(&f), to_vn(&due)),
            None => Timeliness::OnTime,
        });
        Ok((due, verdict))
    }

    /// Whether the decision was a refusal after appraisal.
    pub fn refused_after_appraisal(&self) -> bool {
        self.decision
            .as_ref()
            .is_some_and(|d| d.outcome == Outcome::Refused)
    }
}
