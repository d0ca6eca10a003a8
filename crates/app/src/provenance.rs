//! Thông tin lấy từ dữ liệu — what a new dossier says of where the applicant's details came
//! from, checked before it is recorded. The form names the fields it filled and from where; the
//! server keeps only what it can confirm:
//! - the national identity: the citizen submitting online signed in with it, and the field
//!   holds what the identity says (name, personal id number);
//! - the population database: the lookup is one this system made, for this number, and the
//!   field's digest is the one the lookup returned (name, address; the number itself);
//! - an earlier dossier: the same applicant's newest earlier dossier holds the same value.
//!
//! A field the officer changed after filling it counts as typed; a lookup reference this system
//! did not make, or made for another number, is refused.

use domain::applicant::Applicant;
use domain::dossier::{ApplicantField, DataSource, Filled, PopulationLookup, Provenance};
use domain::officer::{Actor, CitizenAccess};

use crate::population::digest;
use crate::{App, AppError};

/// What the request claims.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProvenanceClaim {
    /// The population-database lookup the counter made (`MaCSDL`).
    pub population_ref: Option<String>,
    /// The fields the form filled from data, with their source.
    pub filled: Vec<Filled>,
    /// The national portal says the citizen who submitted there signed in with VNeID (taken
    /// from the portal only: the system itself pulls those dossiers).
    pub portal_vneid: bool,
}

/// A field's value as the comparisons read it: its digests (an address has two, its street
/// part with its commune's code, and its whole text; either matching is the same address).
fn digests_of(a: &Applicant, field: ApplicantField) -> Vec<String> {
    if field == ApplicantField::Address {
        let ad = a.address();
        return vec![
            digest(&crate::population::address_key(
                &ad.line,
                ad.commune_code.as_deref(),
                &ad.text,
            )),
            digest(&ad.text),
        ];
    }
    value_of(a, field).map(|v| digest(&v)).into_iter().collect()
}

/// A field's value (an address's whole text).
fn value_of(a: &Applicant, field: ApplicantField) -> Option<String> {
    Some(match (a, field) {
        (_, ApplicantField::Name) => a.person().as_str().to_string(),
        (Applicant::Citizen { id_number, .. }, ApplicantField::IdNumber) => {
            id_number.as_str().to_string()
        }
        (Applicant::Organisation { name, .. }, ApplicantField::OrganisationName) => name.clone(),
        (Applicant::Organisation { tax_code, .. }, ApplicantField::TaxCode) => {
            tax_code.as_str().to_string()
        }
        (_, ApplicantField::Address) => a.address().text.clone(),
        (_, ApplicantField::Phone) => a.phone()?.as_str().to_string(),
        (_, ApplicantField::Email) => a.email()?.as_str().to_string(),
        _ => return None,
    })
}

impl App {
    /// The provenance a new dossier records: see the module's rules. `online`: the citizen's
    /// own submission.
    pub(crate) async fn check_provenance(
        &self,
        actor: &Actor,
        online: bool,
        applicant: &Applicant,
        claim: &ProvenanceClaim,
    ) -> Result<Provenance, AppError> {
        let vneid = match actor {
            Actor::Citizen {
                access: CitizenAccess::Identity,
                id_number: Some(n),
                ..
            } => online && n.as_str() == applicant.id_number(),
            Actor::System => online && claim.portal_vneid,
            _ => false,
        };
        let population = match &claim.population_ref {
            None => None,
            Some(reference) => {
                let refused = || {
                    AppError::invalid(
                        "population_lookup_unknown",
                        "Mã tra cứu Cơ sở dữ liệu quốc gia về dân cư không phải của một lần tra cứu số định danh này tại hệ thống.",
                    )
                };
                let reference = reference.trim();
                if reference.is_empty() || reference.len() > 100 {
                    return Err(refused());
                }
                let row = self
                    .db
                    .population_lookup(reference)
                    .await?
                    .ok_or_else(refused)?;
                if row.id_number != applicant.id_number() {
                    return Err(refused());
                }
                Some(row)
            }
        };
        let earlier = if claim
            .filled
            .iter()
            .any(|f| f.source == DataSource::EarlierDossier)
        {
            self.newest_applicant(applicant.id_number()).await?
        } else {
            None
        };
        let mut filled = Vec::new();
        for f in &claim.filled {
            let mine = digests_of(applicant, f.field);
            if mine.is_empty() {
                continue;
            }
            let confirmed = match f.source {
                DataSource::Identity => {
                    vneid
                        && match (f.field, actor) {
                            (ApplicantField::IdNumber, _) => true,
                            (ApplicantField::Name, Actor::Citizen { name, .. }) => {
                                mine.contains(&digest(name.as_str()))
                            }
                            _ => false,
                        }
                }
                DataSource::Population => match (&population, f.field) {
                    (Some(_), ApplicantField::IdNumber) => true,
                    (Some(row), ApplicantField::Name) => mine.contains(&row.name_digest),
                    (Some(row), ApplicantField::Address) => mine.contains(&row.address_digest),
                    _ => false,
                },
                DataSource::EarlierDossier => earlier
                    .as_ref()
                    .is_some_and(|e| digests_of(e, f.field).iter().any(|d| mine.contains(d))),
            };
            if confirmed {
                filled.push(*f);
            }
        }
        Ok(Provenance {
            vneid,
            population: population.map(|row| PopulationLookup {
                reference: row.reference,
                at: chrono::DateTime::from_timestamp_millis(row.at_ms).unwrap_or_default(),
            }),
            filled,
        })
    }
}
