//! Mã hồ sơ do Cổng cấp — dossier codes issued by the national portal (`GetNextValue`), for the
//! centres a province configures so (reference §1.10: "ideally obtain the code from the national
//! service when the dossier is also registered there"). The code is asked for before the
//! reception is written; when the portal does not answer, the centre's own sequence issues it,
//! so a counter never stops for the portal, and the log says so.

use std::sync::Arc;

use domain::agency::{Agency, AgencyId};
use domain::ids::DossierCode;

use crate::App;

/// A code under way.
pub type NextCode<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<String, String>> + Send + 'a>>;

/// Whoever issues dossier codes for an agency identifier (the national portal's `GetNextValue`).
pub trait CodeSource: Send + Sync {
    fn next_code<'a>(&'a self, agency: &'a str) -> NextCode<'a>;
}

/// Which centres take their codes from the portal.
#[derive(Clone)]
pub struct NationalCodes {
    pub source: Arc<dyn CodeSource>,
    /// The centres; empty: every centre.
    pub centres: Vec<AgencyId>,
}

impl std::fmt::Debug for NationalCodes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NationalCodes")
            .field("centres", &self.centres)
            .finish_non_exhaustive()
    }
}

impl App {
    /// The code the portal issues for a reception at `centre`, when it issues that centre's
    /// codes and answers; otherwise none (the centre's sequence issues it).
    pub(crate) async fn portal_code(&self, centre: &Agency) -> Option<DossierCode> {
        let codes = self.settings.national_codes.as_ref()?;
        if !(codes.centres.is_empty() || codes.centres.contains(&centre.id)) {
            return None;
        }
        let agency = centre.code.to_string();
        match codes.source.next_code(&agency).await {
            Ok(text) => match DossierCode::parse(&text) {
                Ok(code) => Some(code),
                Err(_) => {
                    tracing::warn!(centre = %centre.id, "the portal issued an unreadable dossier code; the centre's own is used");
                    None
                }
            },
            Err(e) => {
                tracing::warn!(centre = %centre.id, error = %e, "the portal issued no dossier code; the centre's own is used");
                None
            }
        }
    }
}
