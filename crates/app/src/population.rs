//! Tra cứu Cơ sở dữ liệu quốc gia về dân cư — the counter looks an applicant up by their
//! personal id number (name, date of birth, permanent residence) and fills the form from the
//! answer instead of typing it (ND 61/2018 Art. 25(7); ND 45/2020; reference F-104, QĐ 766 4.5).
//!
//! The lookup goes through [`PopulationRegistry`] (`notify` implements it over HTTP; tests and
//! the demo run a local stand-in). What is kept is the lookup's reference (`MaCSDL`), who made
//! it and when, and digests of the name and residence it returned, never the record: a dossier
//! naming the reference shows which of its details came from the database, and the server can
//! tell whether they still match.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use domain::ids::Cccd;
use domain::officer::Actor;
use domain::policy::{self, Action, Scope};
use serde::Serialize;
use sha2::Digest;

use crate::{App, AppError, ErrorKind};

/// A lookup under way: the resident, none when the database has no such number, or why the
/// database could not answer.
pub type Lookup<'a> = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<Option<Resident>, String>> + Send + 'a>,
>;

/// The national population database's lookup service.
pub trait PopulationRegistry: Send + Sync + std::fmt::Debug {
    /// Looks up `id_number` for `officer` (their username), for `purpose`.
    fn lookup<'a>(&'a self, id_number: &'a str, officer: &'a str, purpose: &'a str) -> Lookup<'a>;
}

/// Công dân as the database answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resident {
    /// Mã tra cứu (MaCSDL): the database's reference of this lookup.
    pub reference: String,
    pub id_number: String,
    pub name: String,
    pub birth_date: Option<NaiveDate>,
    pub gender: Option<String>,
    /// Nơi thường trú.
    pub residence: String,
    /// Its commune, when the code is one of today's (QĐ 19/2025).
    pub commune_code: Option<String>,
}

/// What the counter is shown.
#[derive(Debug, Clone, Serialize)]
pub struct ResidentView {
    #[serde(flatten)]
    pub resident: Resident,
    /// The commune's name, when the code is known here.
    pub commune_name: Option<String>,
    /// The residence without its commune and province (số nhà, thôn, tổ), for a form that
    /// picks the commune from a list; the whole residence when it does not end with them.
    pub address_line: String,
    pub looked_up_at: DateTime<Utc>,
}

/// Why the lookups are made (sent with each one).
pub const PURPOSE: &str = "Tiếp nhận hồ sơ thủ tục hành chính";

/// A value as the digests compare it: folded, spaces collapsed.
pub fn digest(value: &str) -> String {
    let folded = vntext::fold(value);
    let words: Vec<&str> = folded.split_whitespace().collect();
    hex::encode(sha2::Sha256::digest(words.join(" ").as_bytes()))
}

/// `residence` without its trailing commune and province when they are `suffix` ("Xã Bảo
/// Thắng, Tỉnh Lào Cai", compared folded); all of it otherwise.
fn line_before(residence: &str, suffix: Option<&str>) -> String {
    let parts: Vec<&str> = residence.split(',').map(str::trim).collect();
    let Some(suffix) = suffix else {
        return residence.to_string();
    };
    let n = suffix.split(',').count();
    if parts.len() > n && vntext::fold(&parts[parts.len() - n..].join(", ")) == vntext::fold(suffix)
    {
        parts[..parts.len() - n].join(", ")
    } else {
        residence.to_string()
    }
}

/// An address as the digests compare it: the street part and the commune's code when the
/// commune is known (however the commune and province are spelt), else the whole text.
pub fn address_key(line: &str, commune_code: Option<&str>, text: &str) -> String {
    match commune_code {
        Some(c) => format!("{line} | {c}"),
        None => text.to_string(),
    }
}

impl App {
    /// The registry, or why there is none.
    fn registry(&self) -> Result<&Arc<dyn PopulationRegistry>, AppError> {
        self.settings.population.as_ref().ok_or_else(|| {
            AppError::new(
                ErrorKind::Conflict,
                "population_unavailable",
                "Hệ thống chưa kết nối Cơ sở dữ liệu quốc gia về dân cư ([population]); hãy nhập thông tin người nộp.",
            )
        })
    }

    /// Whether lookups can be made (the counter shows the button).
    pub fn population_connected(&self) -> bool {
        self.settings.population.is_some()
    }

    /// Tra cứu công dân: a counter officer looks up a personal id number. The lookup is recorded
    /// (reference, officer, time, digests).
    pub async fn look_up_resident(
        &self,
        actor: &Actor,
        id_number: &str,
    ) -> Result<ResidentView, AppError> {
        let Actor::Officer(officer) = actor else {
            return Err(AppError::new(
                ErrorKind::Forbidden,
                "forbidden",
                "Tra cứu Cơ sở dữ liệu quốc gia về dân cư dành cho cán bộ tiếp nhận hồ sơ.",
            ));
        };
        let centre = self.intake().service_centre_of(officer).ok_or_else(|| {
            AppError::new(
                ErrorKind::Forbidden,
                "forbidden",
                "Tra cứu Cơ sở dữ liệu quốc gia về dân cư dành cho cán bộ tiếp nhận hồ sơ.",
            )
        })?;
        policy::authorize(
            actor,
            Action::Receive,
            Some(&Scope::centre(&centre)),
            &self.agencies(),
        )?;
        let id = Cccd::parse(id_number.trim()).map_err(AppError::from)?;
        let registry = self.registry()?;
        let found = registry
            .lookup(id.as_str(), officer.username.as_str(), PURPOSE)
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "the population database did not answer");
                AppError::new(
                    ErrorKind::Busy,
                    "population_unreachable",
                    "Cơ sở dữ liệu quốc gia về dân cư không trả lời; hãy thử lại hoặc nhập thông tin người nộp.",
                )
            })?;
        let Some(resident) = found.filter(|r| r.id_number == id.as_str()) else {
            return Err(AppError::not_found(
                "resident_not_found",
                "Cơ sở dữ liệu quốc gia về dân cư không có số định danh này.",
            ));
        };
        let mut resident = resident;
        resident.commune_code = resident
            .commune_code
            .filter(|c| c.len() == 5 && c.bytes().all(|b| b.is_ascii_digit()));
        // The commune's name, when this system's list of units knows its code.
        let dir = self.unit_directory().await?;
        let commune = resident
            .commune_code
            .as_deref()
            .and_then(|c| dir.get(domain::unit::Regime::TwoLevel, c));
        let full = commune.map(|u| {
            let province = u
                .parent
                .as_deref()
                .and_then(|p| dir.get(domain::unit::Regime::TwoLevel, p))
                .map(|p| p.name.clone())
                .unwrap_or_default();
            format!("{}, {province}", u.name)
        });
        let address_line = line_before(&resident.residence, full.as_deref());
        let commune_name = commune.map(|u| u.name.clone());
        let address_digest = digest(&address_key(
            &address_line,
            resident.commune_code.as_deref(),
            &resident.residence,
        ));
        let now = self.now();
        self.db
            .record_population_lookup(&store::PopulationLookupRow {
                reference: resident.reference.clone(),
                id_number: resident.id_number.clone(),
                officer: officer.username.to_string(),
                at_ms: now.timestamp_millis(),
                name_digest: digest(&resident.name),
                address_digest,
            })
            .await?;
        Ok(ResidentView {
            resident,
            commune_name,
            address_line,
            looked_up_at: now,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_is_the_residence_before_its_commune_and_province() {
        let full = Some("Xã Bảo Thắng, Tỉnh Lào Cai");
        assert_eq!(
            line_before("Thôn Cốc Sâm, xã Bảo Thắng,  tỉnh Lào Cai", full),
            "Thôn Cốc Sâm"
        );
        assert_eq!(
            line_before("Số 5, tổ 2, Xã Bảo Thắng, Tỉnh Lào Cai", full),
            "Số 5, tổ 2"
        );
        // Another commune: the whole residence stays.
        assert_eq!(
            line_before("Thôn 1, Xã Gia Phú, Tỉnh Lào Cai", full),
            "Thôn 1, Xã Gia Phú, Tỉnh Lào Cai"
        );
        assert_eq!(line_before("Thôn 1", None), "Thôn 1");
        assert_eq!(digest("Nguyễn  Văn An"), digest("nguyen van an"));
    }
}
