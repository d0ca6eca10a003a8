//! Số liệu thống kê — what a dossier, as it stands, contributes to the report counters: one fact
//! per (deciding agency, procedure, day, channel, measure). The counters are the sum of the facts
//! of every dossier; a change adds the facts after it and takes away the facts before it, so the
//! counters never need a pass over all dossiers and a rebuild from the events gives the same sums.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use lich::time::to_vn;
use lich::{Timeliness, WorkCalendar};
use serde::{Deserialize, Serialize};

use super::command::LegalRules;
use super::event::Outcome;
use super::stage::Stage;
use super::state::Dossier;
use crate::error::DomainError;
use crate::procedure::ResultKind;

/// Chỉ tiêu — what is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Measure {
    /// Tiếp nhận — received (the clock started), on the reception day.
    Received,
    /// Từ chối tiếp nhận — refused at intake, on the day it was opened.
    RefusedAtIntake,
    /// Giải quyết trước hạn (TT 01/2018), on the day handling ended.
    ResolvedEarly,
    /// Giải quyết đúng hạn.
    ResolvedOnTime,
    /// Giải quyết quá hạn.
    ResolvedLate,
    /// Of the resolved: refused after appraisal (Phiếu từ chối giải quyết).
    DecidedRefused,
    /// Rút hồ sơ theo yêu cầu.
    Withdrawn,
    /// Dừng xử lý.
    Stopped,
    /// Đã trả kết quả, on the return day.
    Returned,
    /// QĐ 766 indicator 2.1: ended early or on time, on the day the index counts it ended.
    OnTime766,
    /// QĐ 766 indicator 2.1: late.
    Late766,
    /// Yêu cầu bổ sung during appraisal, on the request day (each request).
    SupplementRequested,
    /// Still being handled, by the day it is due (a stock: "what falls due when").
    OpenDue,
    /// Every received dossier with a due instant, on its due day.
    DueDay,
    /// An ended dossier with a due instant, on the later of its due day and its end day: with
    /// [`Measure::DueDay`] it tells how many were past their limit and still open at the end of
    /// any day E (due by E, less due and ended by E).
    DueAndEnded,
    /// QĐ 766: every received dossier with a promised date, on the day of that date (supplement
    /// windows added back; the legal due when no date was promised).
    Due766Day,
    /// QĐ 766: a dossier the index counts as ended, on the later of its 766 due day and its end
    /// day: with [`Measure::Due766Day`] it tells how many were open past their date at the end of
    /// any day.
    Due766AndEnded,
    /// QĐ 766: still open as the index sees it (not ended, not waiting for a supplement), by the
    /// day of its 766 date.
    Open766Due,
    /// Có nghĩa vụ tài chính — received with fees or charges to pay, on the reception day.
    FeeBearing,
    /// Thanh toán trực tuyến — of those, paid online (QĐ 766 indicator 3.6), on the reception
    /// day.
    PaidOnline,
    /// Số hóa thành phần hồ sơ — received with every submitted component scanned, uploaded or
    /// taken from data, on the reception day.
    Digitised,
    /// Tái sử dụng dữ liệu số — received with at least one component taken from data instead of
    /// paper, on the reception day.
    ReusedData,
    /// Thông tin phải cung cấp — each item the dossier asked of the applicant (a detail of the
    /// applicant, a component), on the reception day: the denominator of the share of
    /// information reused ("cắt giảm ít nhất 20% thông tin").
    InformationAsked,
    /// Thông tin lấy từ dữ liệu — of those, each filled or attached from data (the national
    /// identity, the population database, an earlier dossier, a database lookup).
    InformationFromData,
    /// Kết nối kho dữ liệu — received with a component taken from the applicant's data store,
    /// or whose electronic result went into it (QĐ 766 4.4), on the reception day.
    DataStoreLinked,
    /// Sử dụng dữ liệu dân cư — received from a citizen signed in with VNeID, with details from
    /// the population database, or with a component taken from the data store (QĐ 766 4.5(b)),
    /// on the reception day.
    PopulationData,
    /// Được đánh giá — the applicant rated the service (satisfied or not), on the day handling
    /// ended: the denominator of the satisfaction rate.
    Rated,
    /// Không hài lòng — a rating that was not satisfied, on the day handling ended.
    Disliked,
    /// Of those, dossiers QĐ 766 counts as on time (indicator 5.4 takes them out of 2.1's
    /// on-time count).
    DislikedOnTime766,
    /// Thành phần ký số — received with at least one component file carrying an intact digital
    /// signature, on the reception day.
    SignedComponents,
    /// Kết quả điện tử — a signed electronic result was issued, on the day it was signed
    /// (QĐ 766 indicator 4.1).
    ElectronicResult,
    /// Chứng thực bản sao từ bản chính — the result of a dossier of a procedure whose result is
    /// a certified copy was approved and made ready (issued), on that day (QĐ 766 4.5's
    /// denominator).
    Certification,
    /// Bản sao điện tử có chứng thực — of those, a signed electronic certified copy was issued,
    /// on the day it was signed.
    ElectronicCertifiedCopy,
    /// Chuyển từ hệ thống cũ — received on the incumbent system and brought here, on the
    /// reception day (reports say how much of a period's work came that way).
    Imported,
}

impl Measure {
    /// Measures that mean handling ended (the dossier left the "in progress" stock).
    pub fn ends(self) -> bool {
        matches!(
            self,
            Measure::ResolvedEarly
                | Measure::ResolvedOnTime
                | Measure::ResolvedLate
                | Measure::Withdrawn
                | Measure::Stopped
        )
    }
}

/// One counted thing.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fact {
    /// The deciding agency (cơ quan có thẩm quyền).
    pub agency: String,
    pub procedure: String,
    /// Vietnamese calendar day.
    pub day: NaiveDate,
    /// National channel code: 1 in person, 2 online, 3 postal.
    pub channel: u8,
    pub measure: Measure,
}

fn vn_day(t: DateTime<Utc>) -> NaiveDate {
    to_vn(&t).date_naive()
}

/// Thông tin của một hồ sơ: how many items it asked of the applicant, and how many of them came
/// from data instead of being typed or brought on paper.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Information {
    pub asked: u32,
    pub from_data: u32,
}

impl Dossier {
    /// The items this dossier asked: the applicant's declared details and the submitted
    /// components; from data: the details the server checked against a source, and the
    /// components replaced by a database lookup or taken from the data store.
    pub fn information(&self) -> Information {
        let fields = self.applicant.fields();
        let filled = self
            .provenance
            .filled
            .iter()
            .filter(|f| fields.contains(&f.field))
            .count();
        let reused = self
            .components
            .iter()
            .filter(|c| c.by_data || c.reused.is_some())
            .count();
        Information {
            asked: (fields.len() + self.components.len()) as u32,
            from_data: (filled + reused) as u32,
        }
    }

    /// One fact of this dossier: `measure` on the Vietnamese day of `at`.
    fn fact(&self, at: DateTime<Utc>, measure: Measure) -> Fact {
        Fact {
            agency: self.competent.to_string(),
            procedure: self.procedure.code.to_string(),
            day: vn_day(at),
            channel: self.channel.national_code(),
            measure,
        }
    }

    /// The facts of this dossier as it stands (`cal`: its receiving agency's calendar).
    pub fn facts(&self, cal: &WorkCalendar, rules: &LegalRules) -> Result<Vec<Fact>, DomainError> {
        let fact = |day: DateTime<Utc>, measure: Measure| self.fact(day, measure);
        let mut out = Vec::new();
        if self.stage == Stage::RefusedAtIntake {
            out.push(fact(self.opened_at, Measure::RefusedAtIntake));
            return Ok(out);
        }
        let Some(received) = self.received_at else {
            return Ok(out);
        };
        out.push(fact(received, Measure::Received));
        if self.imported_from.is_some() {
            out.push(fact(received, Measure::Imported));
        }
        if self.fees_due() > 0 {
            out.push(fact(received, Measure::FeeBearing));
            if self.paid_online() {
                out.push(fact(received, Measure::PaidOnline));
            }
        }
        if !self.components.is_empty()
            && self
                .components
                .iter()
                .all(|c| c.by_data || !c.files.is_empty())
        {
            out.push(fact(received, Measure::Digitised));
        }
        // Khai thác, sử dụng lại dữ liệu số hóa: replaced by a database lookup, or taken from the
        // applicant's data store.
        if self
            .components
            .iter()
            .any(|c| c.by_data || c.reused.is_some())
        {
            out.push(fact(received, Measure::ReusedData));
        }
        let info = self.information();
        for _ in 0..info.asked {
            out.push(fact(received, Measure::InformationAsked));
        }
        for _ in 0..info.from_data {
            out.push(fact(received, Measure::InformationFromData));
        }
        let from_store = self.components.iter().any(|c| c.reused.is_some());
        let result_kept = self
            .electronic_result
            .as_ref()
            .is_some_and(|_| self.result_revoked.is_none());
        if from_store || result_kept {
            out.push(fact(received, Measure::DataStoreLinked));
        }
        if from_store || self.provenance.vneid || self.provenance.population.is_some() {
            out.push(fact(received, Measure::PopulationData));
        }
        if self
            .components
            .iter()
            .flat_map(|c| &c.files)
            .any(|f| f.signature.as_ref().is_some_and(|s| s.intact))
        {
            out.push(fact(received, Measure::SignedComponents));
        }
        let timing = self.timing(cal, rules, self.finished_at().unwrap_or(received))?;
        if let (Some(finished), Some(decision)) = (self.finished_at(), &self.decision)
            && self.stopped.is_none()
        {
            out.push(fact(
                finished,
                match timing.tt01 {
                    Some(Timeliness::Early) => Measure::ResolvedEarly,
                    Some(Timeliness::Late) => Measure::ResolvedLate,
                    _ => Measure::ResolvedOnTime,
                },
            ));
            if decision.outcome == Outcome::Refused {
                out.push(fact(finished, Measure::DecidedRefused));
            }
        }
        if let Some(s) = &self.stopped {
            let measure = if self.withdrawal.is_some() {
                Measure::Withdrawn
            } else {
                Measure::Stopped
            };
            out.push(fact(s.at, measure));
        }
        if let Some(r) = &self.returned {
            out.push(fact(r.at, Measure::Returned));
        }
        if let (Some(ready), Some(decision)) = (self.result_ready_at, &self.decision)
            && decision.outcome == Outcome::Approved
            && self.procedure.result_kind == ResultKind::CertifiedCopy
        {
            out.push(fact(ready, Measure::Certification));
        }
        if let Some(e) = &self.electronic_result {
            out.push(fact(e.signed_at, Measure::ElectronicResult));
            if self.procedure.result_kind == ResultKind::CertifiedCopy {
                out.push(fact(e.signed_at, Measure::ElectronicCertifiedCopy));
            }
        }
        let ended766 = self.ended_766();
        if let (Some(t), Some(ended)) = (timing.qd766, ended766) {
            let measure = if t == Timeliness::Late {
                Measure::Late766
            } else {
                Measure::OnTime766
            };
            out.push(fact(ended, measure));
        }
        if let Some(due) = timing.qd766_due {
            out.push(fact(due, Measure::Due766Day));
            match (timing.qd766, ended766) {
                (Some(_), Some(ended)) => out.push(fact(due.max(ended), Measure::Due766AndEnded)),
                _ if !self.stage.is_terminal() => out.push(fact(due, Measure::Open766Due)),
                _ => {}
            }
        }
        for s in self.supplements.iter().filter(|s| !s.at_intake) {
            out.push(fact(s.requested_at, Measure::SupplementRequested));
        }
        let ended = out
            .iter()
            .any(|f| f.measure.ends())
            .then(|| self.finished_at())
            .flatten();
        if let Some(due) = self.due {
            out.push(fact(due, Measure::DueDay));
            match ended {
                Some(end) => out.push(fact(due.max(end), Measure::DueAndEnded)),
                None if !self.stage.is_terminal() => out.push(fact(due, Measure::OpenDue)),
                None => {}
            }
        }
        Ok(out)
    }
}

impl Dossier {
    /// When QĐ 766 counts handling as ended: the end of handling, or for a dossier waiting for a
    /// supplement, the request.
    pub fn ended_766(&self) -> Option<DateTime<Utc>> {
        if self.stage == Stage::SupplementRequested {
            self.supplements.last().map(|s| s.requested_at)
        } else {
            self.finished_at()
        }
    }

    /// What the applicant's rating adds to the counters, on the day handling ended:
    /// [`Measure::Rated`]; when not satisfied also [`Measure::Disliked`], and
    /// [`Measure::DislikedOnTime766`] when QĐ 766 counts the dossier on time.
    pub fn rating_facts(
        &self,
        cal: &WorkCalendar,
        rules: &LegalRules,
        satisfied: bool,
    ) -> Result<Vec<Fact>, DomainError> {
        let Some(ended) = self.finished_at() else {
            return Ok(Vec::new());
        };
        let fact = |measure| self.fact(ended, measure);
        if satisfied {
            return Ok(vec![fact(Measure::Rated)]);
        }
        let mut out = vec![fact(Measure::Rated), fact(Measure::Disliked)];
        if matches!(
            self.timing(cal, rules, ended)?.qd766,
            Some(Timeliness::Early | Timeliness::OnTime)
        ) {
            out.push(fact(Measure::DislikedOnTime766));
        }
        Ok(out)
    }
}

/// What a change does to the counters: the facts after, less the facts before.
pub fn fact_delta(before: &[Fact], after: &[Fact]) -> Vec<(Fact, i64)> {
    let mut net: BTreeMap<&Fact, i64> = BTreeMap::new();
    for f in before {
        *net.entry(f).or_default() -= 1;
    }
    for f in after {
        *net.entry(f).or_default() += 1;
    }
    net.into_iter()
        .filter(|(_, n)| *n != 0)
        .map(|(f, n)| (f.clone(), n))
        .collect()
}
