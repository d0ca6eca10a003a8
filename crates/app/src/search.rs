//! Tìm kiếm — procedures for everyone, dossiers for officers, the way people type: with or
//! without diacritics ("dang ky khai sinh" = "Đăng ký khai sinh"), with the usual abbreviations
//! ("dk khai sinh", "gcn qsdd"), and while typing (the last word is a prefix). Text is folded in
//! Rust ([`vntext::fold`]) and matched by the database's full-text index. Procedures rank by
//! name before description: the exact code; then the whole name, a name starting with the words,
//! the words together in the name, all the words in the name, the description; among equal
//! names the procedure received most in the last year, then the shorter name; then the
//! full-text score.

use std::collections::HashMap;
use std::sync::Arc;

use domain::agency::{AgencyId, AgencyKind};
use domain::ids::ProcedureCode;
use domain::officer::Actor;
use domain::procedure::{Competence, OnlineKind, ProcedureLevel, ProcedureVersion};
use lich::time::to_vn;
use store::DossierPage;

use crate::{Accounts, Catalogue, Queries};
use crate::{App, AppError};

/// Abbreviations officers and citizens type, folded, and what they stand for.
const ABBREVIATIONS: [(&str, &str); 14] = [
    ("dk", "dang ky"),
    ("gcn", "giay chung nhan"),
    ("gp", "giay phep"),
    ("gpxd", "giay phep xay dung"),
    ("qsdd", "quyen su dung dat"),
    ("hkd", "ho kinh doanh"),
    ("llpt", "ly lich tu phap"),
    ("bhyt", "bao hiem y te"),
    ("bhxh", "bao hiem xa hoi"),
    ("ubnd", "uy ban nhan dan"),
    ("cmnd", "chung minh nhan dan"),
    ("cccd", "can cuoc cong dan"),
    ("tthc", "thu tuc hanh chinh"),
    ("xnk", "xuat nhap khau"),
];

/// The words of what someone typed, folded, abbreviations written out; and whether the last one
/// is still being typed (a prefix).
fn query_words(typed: &str) -> (Vec<String>, bool) {
    let folded: String = vntext::fold(typed)
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let mut words = Vec::new();
    let mut last_is_prefix = !typed.ends_with(char::is_whitespace);
    let raw: Vec<&str> = folded.split_whitespace().collect();
    for (i, word) in raw.iter().enumerate() {
        match ABBREVIATIONS.iter().find(|(a, _)| a == word) {
            Some((_, full)) => {
                words.extend(full.split(' ').map(str::to_string));
                if i + 1 == raw.len() {
                    last_is_prefix = false;
                }
            }
            None => words.push(word.to_string()),
        }
    }
    (words, last_is_prefix)
}

/// How well a name matches the words (lower is better): 0 the whole name, 1 the name starts with
/// them, 2 they stand together in the name, 3 they are all in the name, 4 otherwise (found in
/// the description).
fn name_tier(name: &[String], words: &[String], last_is_prefix: bool) -> u8 {
    let same = |n: &str, i: usize, w: &str| {
        if last_is_prefix && i + 1 == words.len() {
            n.starts_with(w)
        } else {
            n == w
        }
    };
    let run_at = |start: usize| {
        start + words.len() <= name.len()
            && words
                .iter()
                .enumerate()
                .all(|(i, w)| same(&name[start + i], i, w))
    };
    if words.is_empty() {
        return 4;
    }
    if name.len() == words.len() && run_at(0) {
        0
    } else if run_at(0) {
        1
    } else if (0..name.len()).any(run_at) {
        2
    } else if words
        .iter()
        .enumerate()
        .all(|(i, w)| name.iter().any(|n| same(n, i, w)))
    {
        3
    } else {
        4
    }
}

/// The folded words of a text ("Đăng ký khai sinh" → dang, ky, khai, sinh).
fn folded_words(text: &str) -> Vec<String> {
    vntext::fold(text)
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// The procedure versions in force on a day, by code, with their names' folded words (for
/// ranking).
pub struct Catalog {
    pub versions: HashMap<String, ProcedureVersion>,
    name_words: HashMap<String, Vec<String>>,
    /// Dossiers received per procedure in the year before the catalogue's day: among names
    /// that match as well, the procedure people use most comes first ("chứng thực" → certified
    /// copies). Read on the first search of the day, not by the intakes that use the catalogue.
    usage: tokio::sync::OnceCell<HashMap<String, i64>>,
}

impl Catalog {
    fn new(versions: Vec<ProcedureVersion>) -> Self {
        let name_words = versions
            .iter()
            .map(|v| (v.code.to_string(), folded_words(&v.name)))
            .collect();
        Self {
            versions: versions
                .into_iter()
                .map(|v| (v.code.to_string(), v))
                .collect(),
            name_words,
            usage: tokio::sync::OnceCell::new(),
        }
    }
}

/// The full-text query for what someone typed: folded words, abbreviations written out, every
/// word required, the last one as a prefix unless the text ends with a space. `None` when there
/// is no word to look for.
/// Longest search text accepted, in characters: a search box holds a code, a name or a few
/// words. Longer text is refused rather than searched (and never shown back on a page).
pub const MAX_SEARCH_CHARS: usize = 200;

/// Refuses a search text longer than [`MAX_SEARCH_CHARS`] (every search: procedures, dossiers,
/// published feedback).
pub fn check_search_text(typed: &str) -> Result<(), AppError> {
    if typed.chars().count() > MAX_SEARCH_CHARS {
        return Err(AppError::invalid(
            "query_too_long",
            format!("Từ khóa tìm kiếm tối đa {MAX_SEARCH_CHARS} ký tự; hãy rút gọn."),
        ));
    }
    Ok(())
}

pub fn fts_query(typed: &str) -> Option<String> {
    let (words, last_is_prefix) = query_words(typed);
    let terms: Vec<String> = words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if last_is_prefix && i + 1 == words.len() {
                format!("\"{w}\"*")
            } else {
                format!("\"{w}\"")
            }
        })
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

/// Bộ lọc tìm thủ tục.
#[derive(Debug, Clone, Default)]
pub struct ProcedureQuery {
    /// What was typed; empty lists everything (by name).
    pub text: String,
    /// Lĩnh vực (exact, as the catalogue names it).
    pub sector: Option<String>,
    pub level: Option<ProcedureLevel>,
    /// Procedures this agency receives or decides.
    pub agency: Option<AgencyId>,
    pub online: Option<OnlineKind>,
    pub limit: usize,
}

/// What an agency does with a procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Roles {
    /// Tiếp nhận: its service centre (or the centre of its committee) receives it.
    pub receives: bool,
    /// Giải quyết: it is the competent agency.
    pub decides: bool,
}

impl App {
    /// The versions in force today, by code (cached until the catalogue changes or the day does).
    pub(crate) async fn catalog_in_force(&self) -> Result<Arc<Catalog>, AppError> {
        let today = to_vn(&self.now()).date_naive();
        if let Some((day, map)) = self.catalog.read().expect("catalog lock").clone()
            && day == today
        {
            return Ok(map);
        }
        let map = Arc::new(Catalog::new(self.db.procedures_in_force(today).await?));
        *self.catalog.write().expect("catalog lock") = Some((today, map.clone()));
        Ok(map)
    }

    /// Dossiers received per procedure in the last year, as the report counters hold them
    /// (read once per cached catalogue).
    async fn procedure_usage<'c>(
        &self,
        catalog: &'c Catalog,
    ) -> Result<&'c HashMap<String, i64>, AppError> {
        catalog
            .usage
            .get_or_try_init(|| async {
                let today = to_vn(&self.now()).date_naive();
                let agencies: Vec<String> =
                    self.agencies().all().map(|a| a.id.to_string()).collect();
                let mut usage: HashMap<String, i64> = HashMap::new();
                for sum in self
                    .db
                    .count_sums_by_procedure(
                        &agencies,
                        None,
                        today.checked_sub_days(chrono::Days::new(365)),
                        today,
                        &[domain::dossier::Measure::Received],
                    )
                    .await?
                {
                    *usage.entry(sum.procedure).or_default() += sum.n;
                }
                Ok::<_, AppError>(usage)
            })
            .await
    }

    /// Forgets the cached catalogue (after an import), here and on the other servers.
    pub(crate) async fn catalog_changed(&self) {
        self.forget_catalog();
        self.tell_servers(crate::cluster::Signal::Catalog).await;
    }

    /// Forgets this server's cached catalogue (read again on next use).
    pub(crate) fn forget_catalog(&self) {
        *self.catalog.write().expect("catalog lock") = None;
    }
}

impl Accounts<'_> {
    /// Whether an agency receives and/or decides a procedure. A committee and its service centre
    /// receive what the centre receives.
    pub fn roles_at(self, v: &ProcedureVersion, agency: &AgencyId, offered_at: &[String]) -> Roles {
        let tree = self.app.agencies();
        let Some(a) = tree.get(agency) else {
            return Roles::default();
        };
        let committee = match a.kind {
            AgencyKind::CommuneCommittee | AgencyKind::ProvincialCommittee => Some(a),
            _ => tree.committee_of(agency),
        };
        let receives = matches!(
            a.kind,
            AgencyKind::ServiceCenter
                | AgencyKind::CommuneCommittee
                | AgencyKind::ProvincialCommittee
        ) && committee.is_some_and(|c| {
            let level_ok = matches!(
                (v.level, c.kind),
                (ProcedureLevel::Commune, AgencyKind::CommuneCommittee)
                    | (ProcedureLevel::Province, AgencyKind::ProvincialCommittee)
            );
            level_ok && (offered_at.is_empty() || offered_at.iter().any(|o| o == c.id.as_str()))
        });
        let decides = match &v.competence {
            Competence::Agency(id) => id == agency,
            Competence::ReceivingCommittee => {
                a.kind == AgencyKind::CommuneCommittee && v.level == ProcedureLevel::Commune
                    || a.kind == AgencyKind::ProvincialCommittee
                        && v.level == ProcedureLevel::Province
            }
            Competence::ReceivingUnit(kind) => {
                a.kind == *kind
                    && v.level == ProcedureLevel::Commune
                    && tree
                        .committee_of(agency)
                        .is_some_and(|c| c.kind == AgencyKind::CommuneCommittee)
            }
        };
        Roles { receives, decides }
    }
}

impl Catalogue<'_> {
    /// Tìm thủ tục: best match first (an exact code, then names before descriptions).
    pub async fn search_procedures(
        self,
        q: &ProcedureQuery,
    ) -> Result<Vec<ProcedureVersion>, AppError> {
        check_search_text(&q.text)?;
        let catalog = self.app.catalog_in_force().await?;
        let limit = q.limit.clamp(1, 200);
        let mut hits: Vec<&ProcedureVersion> = match fts_query(&q.text) {
            None => {
                let mut all: Vec<&ProcedureVersion> = catalog.versions.values().collect();
                all.sort_by(|a, b| a.name.cmp(&b.name).then(a.code.cmp(&b.code)));
                all
            }
            Some(fts) => {
                let mut found = Vec::new();
                for (code, version) in self.app.db.search_procedures(&fts, 300).await? {
                    if let Some(v) = catalog.versions.get(&code)
                        && v.version == version
                    {
                        found.push(v);
                    }
                }
                // The name decides first; among names that match as well, the procedure used
                // most, then the shorter name; the full-text score (which already weighs the
                // name above the rest) orders what is left. When some names hold the words
                // together, procedures that merely contain them somewhere ("khai" … "tuổi"
                // for "khai tu") are left out.
                let (words, prefix) = query_words(&q.text);
                let tier = |v: &ProcedureVersion| {
                    name_tier(&catalog.name_words[v.code.as_str()], &words, prefix)
                };
                if words.len() >= 2 && found.iter().any(|v| tier(v) <= 2) {
                    found.retain(|v| tier(v) <= 2);
                }
                let usage = self.app.procedure_usage(&catalog).await?;
                found.sort_by_cached_key(|v| {
                    let name = &catalog.name_words[v.code.as_str()];
                    let used = usage.get(v.code.as_str()).copied().unwrap_or(0);
                    (tier(v), std::cmp::Reverse(used), name.len())
                });
                if let Ok(code) = ProcedureCode::parse(&q.text)
                    && let Some(v) = catalog.versions.get(code.as_str())
                {
                    found.retain(|f| f.code != v.code);
                    found.insert(0, v);
                }
                found
            }
        };
        if let Some(sector) = &q.sector {
            let sector = vntext::fold(sector);
            hits.retain(|v| vntext::fold(&v.sector) == sector);
        }
        if let Some(level) = q.level {
            hits.retain(|v| v.level == level);
        }
        if let Some(online) = q.online {
            hits.retain(|v| v.online == online);
        }
        if let Some(agency) = &q.agency {
            let mut kept = Vec::new();
            for v in hits {
                let offered = self.app.db.procedure_agencies(v.code.as_str()).await?;
                let r = self.app.accounts().roles_at(v, agency, &offered);
                if r.receives || r.decides {
                    kept.push(v);
                }
            }
            hits = kept;
        }
        Ok(hits.into_iter().take(limit).cloned().collect())
    }
}

impl Queries<'_> {
    /// Tìm hồ sơ (officers): by code, the applicant's name or id number, or the procedure, among
    /// the dossiers the officer may see, newest first.
    pub async fn search_dossiers(
        self,
        actor: &Actor,
        text: &str,
        query: crate::queries::DossierQuery,
    ) -> Result<DossierPage, AppError> {
        check_search_text(text)?;
        let fts = fts_query(text).ok_or_else(|| {
            AppError::invalid(
                "empty_query",
                "Nhập mã hồ sơ, tên hoặc số định danh của người nộp để tìm.",
            )
        })?;
        let mut filter = query.filter(self.app.visibility(actor));
        filter.search = Some(fts);
        Ok(self.app.db.list_dossiers(&filter).await?)
    }
}
