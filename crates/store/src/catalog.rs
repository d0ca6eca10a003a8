//! Danh mục — administrative units, agencies, procedures and their versions.

use chrono::NaiveDate;
use domain::agency::{Agency, AgencyTree};
use domain::officer::Officer;
use domain::procedure::ProcedureVersion;
use domain::unit::{AdminUnit, Regime, Succession};

use crate::{LogEntry, Result};

/// Everything a new province starts with, written together by
/// [`CatalogStore::create_province`].
pub struct NewProvince<'a> {
    pub units: &'a [AdminUnit],
    pub successions: &'a [Succession],
    pub agencies: &'a [Agency],
    pub procedures: &'a [ProcedureVersion],
    /// The first administrator and their password hash.
    pub admin: &'a Officer,
    pub admin_password_hash: &'a str,
    /// The administration log's line for the creation.
    pub log: LogEntry<'a>,
}

/// Agencies parents first, so that each row's parent is written before it.
pub(crate) fn by_depth(agencies: &[Agency]) -> Vec<Agency> {
    let tree = AgencyTree::new(agencies.iter().cloned());
    let depth = |a: &Agency| {
        let mut n = 0;
        let mut p = a.parent.as_ref();
        while let Some(id) = p.filter(|_| n < 32) {
            n += 1;
            p = tree.get(id).and_then(|x| x.parent.as_ref());
        }
        n
    };
    let mut ordered: Vec<Agency> = agencies.to_vec();
    ordered.sort_by_key(|a| (depth(a), a.id.clone()));
    ordered
}

/// The catalogue.
/// Tệp mẫu đơn, tờ khai: the file of one of a procedure's forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcedureForm {
    pub code: String,
    /// The form's name as the catalogue lists it.
    pub name: String,
    pub sha256: String,
    pub file_name: String,
    pub media_type: String,
    pub size: i64,
    pub at_ms: i64,
    pub by: String,
}

#[async_trait::async_trait]
pub trait CatalogStore: Send + Sync {
    /// Attaches (or replaces) the file of a procedure's named form.
    async fn set_procedure_form(&self, form: &ProcedureForm) -> Result<()>;

    /// The form files of a procedure.
    async fn procedure_forms(&self, code: &str) -> Result<Vec<ProcedureForm>>;

    /// Loads or refreshes the administrative units and their succession: the lists given
    /// replace the stored ones, in one transaction (so running it twice changes nothing).
    async fn replace_units(&self, units: &[AdminUnit], successions: &[Succession]) -> Result<()>;

    /// Every stored unit and succession.
    async fn units(&self) -> Result<(Vec<AdminUnit>, Vec<Succession>)>;

    /// Number of units of a regime at a level ("province", "district", "commune").
    async fn count_units(&self, regime: Regime, level: &str) -> Result<i64>;

    /// Inserts or updates agencies, parents before children, in one transaction.
    async fn put_agencies(&self, agencies: &[Agency]) -> Result<()>;

    /// Inserts or updates agencies as [`CatalogStore::put_agencies`] does, with the
    /// administration log's line, in one transaction.
    async fn change_agencies(&self, agencies: &[Agency], log: &LogEntry<'_>) -> Result<()>;

    /// Every agency, by id.
    async fn agencies(&self) -> Result<Vec<Agency>>;

    /// Adds procedure versions in one transaction, all or nothing. A version is immutable: the
    /// same number again with the same content is left as it is, with different content it is
    /// refused as a duplicate (dossiers may have pinned it). The procedure's own row (name,
    /// sector, level) follows its newest version. Returns how many versions were new.
    async fn import_procedures(&self, versions: &[ProcedureVersion]) -> Result<usize>;

    /// Every version of every procedure (for export), by code and version.
    async fn all_procedure_versions(&self) -> Result<Vec<ProcedureVersion>>;

    /// Procedure versions matching a full-text query over folded text (words, `"quoted
    /// phrases"`, `prefix*`, `OR`), best first: (code, version). The name counts ten times the
    /// rest.
    async fn search_procedures(&self, query: &str, limit: u32) -> Result<Vec<(String, u32)>>;

    /// The version of a procedure in force on a date.
    async fn procedure_in_force(
        &self,
        code: &str,
        on: NaiveDate,
    ) -> Result<Option<ProcedureVersion>>;

    /// The versions in force on a date, one per procedure, sorted by code.
    async fn procedures_in_force(&self, on: NaiveDate) -> Result<Vec<ProcedureVersion>>;

    /// Every version of a procedure, oldest first.
    async fn procedure_versions(&self, code: &str) -> Result<Vec<ProcedureVersion>>;

    /// Records which agencies receive and decide a procedure (replacing what was recorded),
    /// with the administration log's line when given, in one transaction.
    async fn set_procedure_agencies(
        &self,
        code: &str,
        agencies: &[String],
        log: Option<&LogEntry<'_>>,
    ) -> Result<()>;

    /// Agencies a procedure is offered at, by id.
    async fn procedure_agencies(&self, code: &str) -> Result<Vec<String>>;

    /// Creates a province on an empty database in one transaction: its administrative units,
    /// agencies, catalogue and first administrator, and the log line. Refused as a duplicate,
    /// with nothing written, when the database has an agency already.
    async fn create_province(&self, p: &NewProvince<'_>) -> Result<()>;
}

/// The folded text a procedure version is searched by: its name, and the rest (sector,
/// description, components, result).
pub fn procedure_search_text(v: &ProcedureVersion) -> (String, String) {
    let mut body = vec![
        v.sector.as_str(),
        v.description.as_str(),
        v.result.name.as_str(),
    ];
    body.extend(v.components.iter().map(|c| c.name.as_str()));
    (vntext::fold(&v.name), vntext::fold(&body.join(" ")))
}
