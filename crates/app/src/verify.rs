//! Kiểm tra toàn vẹn dữ liệu — what `motcua verify` reads of a whole database, without writing:
//! every dossier's hash chain, its stored state and list row against a replay of its events,
//! its code against the daily sequence (unique, no number skipped), every report counter against
//! a recount, and every stored file against its hash. An operator runs it after a crash, after a
//! restore and before trusting a backup.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use domain::dossier::{Dossier, DossierId, Fact};
use sha2::Digest;

use crate::{Admin, AppError};

/// Most findings kept in the report; the rest are only counted.
const KEPT_FINDINGS: usize = 200;

/// What differs, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What was checked, in Vietnamese: "chuỗi băm", "trạng thái", "mã hồ sơ", "bộ đếm", "tệp".
    pub check: &'static str,
    /// Which record: a dossier code, a counter's key, a file's hash.
    pub subject: String,
    /// What differs, in Vietnamese.
    pub detail: String,
}

/// The outcome of a whole verification.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verification {
    pub dossiers: usize,
    pub events: usize,
    pub counters: usize,
    pub files: usize,
    /// The first findings (at most [`KEPT_FINDINGS`]).
    pub findings: Vec<Finding>,
    /// Every finding, counted.
    pub found: usize,
}

impl Verification {
    /// Whether everything agreed.
    pub fn sound(&self) -> bool {
        self.found == 0
    }

    fn found(
        &mut self,
        check: &'static str,
        subject: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.found += 1;
        if self.findings.len() < KEPT_FINDINGS {
            self.findings.push(Finding {
                check,
                subject: subject.into(),
                detail: detail.into(),
            });
        }
    }
}

/// The numbers taken in one daily sequence of dossier codes: a receiving centre's, of a day
/// (whichever layout its codes took: past the 9,999th of a day the code is longer).
#[derive(Default)]
struct Sequence {
    numbers: BTreeSet<u32>,
    /// A dossier brought from an old system holds a number here: its numbers may skip.
    imported: bool,
}

impl Admin<'_> {
    /// Reads the whole database and says what does not agree (see the module's comment).
    /// `progress` is called after each thousand dossiers with how many were read.
    pub async fn verify(self, progress: &dyn Fn(usize)) -> Result<Verification, AppError> {
        let db = &self.app.db;
        let mut v = Verification::default();
        let mut sums: BTreeMap<Fact, i64> = BTreeMap::new();
        let ratings: HashMap<uuid::Uuid, bool> =
            db.ratings_by_dossier().await?.into_iter().collect();
        let mut sequences: HashMap<String, Sequence> = HashMap::new();
        let ids = db.dossier_ids().await?;
        for (n, id) in ids.iter().enumerate() {
            if n > 0 && n % 1000 == 0 {
                progress(n);
            }
            let Some(d) = self.dossier(*id, &mut v).await? else {
                continue;
            };
            for f in self
                .app
                .reports()
                .facts_of(&d, ratings.get(&id.0).copied())?
            {
                *sums.entry(f).or_default() += 1;
            }
            if let Some((day, number)) = numbered(d.code.as_str()) {
                let s = sequences
                    .entry(format!("{} {day}", d.receiving))
                    .or_default();
                s.imported |= d.imported_from.is_some();
                if !s.numbers.insert(number) {
                    v.found(
                        "mã hồ sơ",
                        d.code.as_str(),
                        "mã hồ sơ trùng với một hồ sơ khác",
                    );
                }
            }
        }
        v.dossiers = ids.len();
        let mut keys: Vec<&String> = sequences.keys().collect();
        keys.sort();
        for key in keys {
            let s = &sequences[key];
            if s.imported {
                continue;
            }
            let last = s.numbers.last().copied().unwrap_or(0);
            let missing: Vec<u32> = (1..=last).filter(|n| !s.numbers.contains(n)).collect();
            if !missing.is_empty() {
                let shown: Vec<String> = missing.iter().take(5).map(u32::to_string).collect();
                v.found(
                    "mã hồ sơ",
                    key.clone(),
                    format!(
                        "thiếu {} số trong dãy 1–{last}: {}{}",
                        missing.len(),
                        shown.join(", "),
                        if missing.len() > 5 { ", …" } else { "" }
                    ),
                );
            }
        }
        let sums: Vec<(Fact, i64)> = sums.into_iter().collect();
        v.counters = sums.len();
        for (key, kept, counted) in crate::reports::differences(&db.all_counts().await?, &sums) {
            v.found(
                "bộ đếm",
                key,
                format!("đang lưu {kept}, đếm lại từ sự kiện được {counted}"),
            );
        }
        self.files(&mut v).await?;
        Ok(v)
    }

    /// Checks one dossier's chain, state and row; returns its replayed state.
    async fn dossier(
        self,
        id: DossierId,
        v: &mut Verification,
    ) -> Result<Option<Dossier>, AppError> {
        let db = &self.app.db;
        let stored = db.projection_of(id).await?;
        // Named by its code where its row says it, by its id otherwise.
        let name = stored
            .as_ref()
            .map_or_else(|| id.0.to_string(), |(row, _)| row.code.clone());
        // The events are read once, for both their chain and their replay.
        let checked = db.checked_events(id).await?;
        match checked.chain {
            Ok(n) => v.events += n,
            Err(what) => v.found("chuỗi băm", name.clone(), what),
        }
        let events = match checked.events {
            Ok(events) => events,
            Err(what) => {
                let what = what.split_once(": ").map_or(what.as_str(), |(_, w)| w);
                v.found(
                    "trạng thái",
                    name,
                    format!(
                        "nhật ký sự kiện không đọc được ({})",
                        crate::serde_message(what)
                    ),
                );
                return Ok(None);
            }
        };
        let Some(d) = Dossier::replay(&events) else {
            v.found("trạng thái", name, "không có sự kiện mở hồ sơ");
            return Ok(None);
        };
        let code = d.code.to_string();
        let Some((row, state)) = stored else {
            v.found(
                "trạng thái",
                code,
                "có sự kiện nhưng không có bản ghi hồ sơ",
            );
            return Ok(Some(d));
        };
        match serde_json::from_str::<Dossier>(&state) {
            Ok(stored) if stored == d => {}
            Ok(stored) => v.found(
                "trạng thái",
                code.clone(),
                format!(
                    "trạng thái đang lưu (phiên bản {}) khác với trạng thái dựng lại từ {} sự kiện (phiên bản {})",
                    stored.version,
                    events.len(),
                    d.version
                ),
            ),
            Err(_) => v.found("trạng thái", code.clone(), "trạng thái đang lưu không đọc được"),
        }
        let differing = row_differences(&row, &d);
        if !differing.is_empty() {
            v.found(
                "trạng thái",
                code,
                format!("dòng danh sách khác với hồ sơ ở: {}", differing.join(", ")),
            );
        }
        Ok(Some(d))
    }

    /// Every stored file read and hashed.
    async fn files(self, v: &mut Verification) -> Result<(), AppError> {
        let db = &self.app.db;
        let mut after: Option<String> = None;
        loop {
            let page = db.attachment_hashes(after.as_deref(), 500).await?;
            for hash in &page {
                v.files += 1;
                match db.attachment(hash).await? {
                    Some(a) if hex::encode(sha2::Sha256::digest(&a.content)) == *hash => {}
                    Some(_) => v.found("tệp", hash.clone(), "nội dung không khớp mã băm SHA-256"),
                    None => v.found("tệp", hash.clone(), "không đọc được nội dung"),
                }
            }
            match page.last() {
                Some(last) if page.len() == 500 => after = Some(last.clone()),
                _ => return Ok(()),
            }
        }
    }
}

/// A final code's day (YYYYMMDD, in either layout) and number; `None` for a provisional
/// reference (`…-T…`).
fn numbered(code: &str) -> Option<(String, u32)> {
    let mut parts = code.rsplitn(3, '-');
    let number = parts.next()?.parse().ok()?;
    let day = parts.next()?;
    let day = if day.len() == 6 {
        format!("20{day}")
    } else {
        day.to_string()
    };
    Some((day, number))
}

/// The columns of a list row that do not say what the dossier says.
fn row_differences(row: &store::DossierRow, d: &Dossier) -> Vec<&'static str> {
    let ms = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.timestamp_millis());
    let current = d.current_step();
    let mut out = Vec::new();
    let mut differ = |name: &'static str, same: bool| {
        if !same {
            out.push(name);
        }
    };
    differ("mã", row.code == d.code.as_str());
    differ("phiên bản", row.version == d.version as i64);
    differ("thủ tục", row.procedure_code == d.procedure.code.as_str());
    differ("bước", row.stage == domain::wire_name(&d.stage));
    differ(
        "trạng thái quốc gia",
        row.national_status == i64::from(d.stage.national_status().code()),
    );
    differ("nơi tiếp nhận", row.receiving == d.receiving.as_str());
    differ("cơ quan giải quyết", row.competent == d.competent.as_str());
    differ(
        "đơn vị đang xử lý",
        row.current_unit == current.map(|s| s.unit.to_string()),
    );
    differ(
        "người xử lý",
        row.assignee
            == current
                .and_then(|s| s.handler.as_ref())
                .map(|h| h.id.to_string()),
    );
    differ(
        "người nộp",
        row.applicant_name == d.applicant.display_name(),
    );
    differ("ngày nhận", ms(row.received_at) == ms(d.received_at));
    differ("hạn", ms(row.due) == ms(d.due));
    differ("ngày hẹn trả", ms(row.appointment) == ms(d.appointment));
    differ(
        "ngày có kết quả",
        ms(row.finished_at) == ms(d.finished_at()),
    );
    differ(
        "ngày trả",
        ms(row.returned_at) == ms(d.returned.as_ref().map(|r| r.at)),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::numbered;

    #[test]
    fn a_code_gives_its_day_and_number_in_either_layout() {
        assert_eq!(
            numbered("000.00.22.H38-261123-0012"),
            Some(("20261123".into(), 12))
        );
        assert_eq!(numbered("000.00.22.H38-261123-T123456"), None);
        assert_eq!(
            numbered("H38.22-20261123-0010000"),
            Some(("20261123".into(), 10_000))
        );
    }
}
