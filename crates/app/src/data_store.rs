//! Kho dữ liệu của tổ chức, cá nhân — what a person already gave or was issued, kept per owner
//! (ND 45/2020 Art. 12–13; reference §4): every digitised component of their earlier dossiers and
//! every electronic result issued to them, with what it is, who holds or issued it and when.
//!
//! It is read from the dossiers themselves (the events are the record; nothing is copied), by
//! the applicant's personal id number or tax code. A new dossier attaches one of these documents
//! in one click instead of a new scan: the component names its source ([`Reused`]), and the
//! server checks the source is the same applicant's earlier dossier and holds that very file
//! before accepting it. Such a component counts as data reused (QĐ 766 4.3) and is flagged
//! `DuocLayTuKhoDMQG` for the national sync.

use chrono::{DateTime, Utc};
use domain::applicant::Applicant;
use domain::dossier::{Dossier, DossierId, FileRef, Reused, SubmittedComponent};
use domain::officer::{Actor, CitizenAccess};
use domain::policy::{self, Action, Scope};
use serde::Serialize;

use crate::{App, AppError, ErrorKind, Queries};

/// What a held document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HeldKind {
    /// A component submitted (scanned or uploaded) in an earlier dossier.
    Component,
    /// The signed electronic result of an earlier dossier.
    Result,
}

/// Giấy tờ trong kho dữ liệu.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeldDocument {
    pub kind: HeldKind,
    /// "Giấy khai sinh", "Bản sao giấy tờ tùy thân".
    pub name: String,
    /// The component's key in its procedure (components only).
    pub component: Option<String>,
    pub procedure_code: String,
    pub dossier: DossierId,
    pub dossier_code: String,
    /// Who received it (a component) or issued it (a result).
    pub issuer: String,
    pub at: DateTime<Utc>,
    pub file: FileRef,
    /// Mã kết quả (results only).
    pub result_code: Option<String>,
}

impl HeldDocument {
    /// Whether it may stand for the component `key` named `name` of another procedure: the same
    /// component, or a result whose name, without what its brackets add, the component's name
    /// contains ("Bản sao giấy khai sinh" takes a "Giấy khai sinh (bản chính)").
    pub fn fits(&self, key: &str, name: &str) -> bool {
        match self.kind {
            HeldKind::Component => self.component.as_deref() == Some(key),
            HeldKind::Result => {
                let bare = self.name.split('(').next().unwrap_or_default();
                let held = vntext::fold(bare);
                !held.is_empty() && vntext::fold(name).contains(&held)
            }
        }
    }
}

/// Most dossiers of one person read for their data store.
const DOSSIERS_READ: u32 = 200;

/// The documents `dossiers` hold, newest first.
fn held_in(dossiers: &[Dossier], tree: &domain::agency::AgencyTree) -> Vec<HeldDocument> {
    let mut out = Vec::new();
    for d in dossiers {
        let Some(received) = d.received_at else {
            continue;
        };
        if let Some(r) = d
            .electronic_result
            .as_ref()
            .filter(|_| d.result_revoked.is_none())
        {
            out.push(HeldDocument {
                kind: HeldKind::Result,
                name: d.procedure.result_name.clone(),
                component: None,
                procedure_code: d.procedure.code.to_string(),
                dossier: d.id,
                dossier_code: d.code.to_string(),
                issuer: tree.name_of(&d.competent),
                at: r.signed_at,
                file: r.file.clone(),
                result_code: Some(r.code.clone()),
            });
        }
        for c in &d.components {
            for f in &c.files {
                out.push(HeldDocument {
                    kind: HeldKind::Component,
                    name: c.name.clone(),
                    component: Some(c.component.clone()),
                    procedure_code: d.procedure.code.to_string(),
                    dossier: d.id,
                    dossier_code: d.code.to_string(),
                    issuer: tree.name_of(&d.receiving),
                    at: received,
                    file: f.clone(),
                    result_code: None,
                });
            }
        }
    }
    out.sort_by_key(|h| std::cmp::Reverse(h.at));
    // The same file given in several dossiers is shown once, from the newest.
    let mut seen = std::collections::HashSet::new();
    out.retain(|h| seen.insert((h.file.sha256.clone(), h.kind)));
    out
}

impl App {
    /// The dossiers filed under a personal id number or tax code, newest first.
    pub(crate) async fn dossiers_of(&self, id_number: &str) -> Result<Vec<Dossier>, AppError> {
        let page = self
            .db
            .list_dossiers(&store::DossierFilter {
                visible: store::Visibility::All,
                applicant_id: Some(id_number.to_string()),
                limit: DOSSIERS_READ,
                ..Default::default()
            })
            .await?;
        let ids: Vec<uuid::Uuid> = page.rows.iter().map(|r| r.id).collect();
        Ok(self.db.dossiers(&ids).await?)
    }

    /// The applicant as their newest dossier names them (one row read, latest first).
    pub(crate) async fn newest_applicant(
        &self,
        id_number: &str,
    ) -> Result<Option<Applicant>, AppError> {
        let page = self
            .db
            .list_dossiers(&store::DossierFilter {
                visible: store::Visibility::All,
                applicant_id: Some(id_number.trim().to_string()),
                order: store::Order::LatestFirst,
                limit: 1,
                ..Default::default()
            })
            .await?;
        let ids: Vec<uuid::Uuid> = page.rows.iter().map(|r| r.id).collect();
        Ok(self
            .db
            .dossiers(&ids)
            .await?
            .into_iter()
            .next()
            .map(|d| d.applicant))
    }

    /// Checks the components a new dossier takes from the data store: each names an earlier
    /// dossier of the same applicant that holds its files (a component's file, or the dossier's
    /// electronic result). The source's code and result code are written from the source, not
    /// taken from the request. The same answer is given whether the source does not exist or is
    /// someone else's.
    pub(crate) async fn check_reused(
        &self,
        applicant: &Applicant,
        components: &mut [SubmittedComponent],
    ) -> Result<(), AppError> {
        for c in components.iter_mut() {
            let Some(r) = c.reused.as_mut() else {
                continue;
            };
            let refused = || {
                AppError::invalid(
                    "reused_not_held",
                    format!(
                        "\"{}\": giấy tờ lấy từ kho dữ liệu phải là giấy tờ của chính người nộp trong một hồ sơ trước.",
                        domain::error::shorten(&c.name)
                    ),
                )
            };
            let source = self.db.dossier(r.dossier).await?.ok_or_else(refused)?;
            if source.applicant.id_number() != applicant.id_number() {
                return Err(refused());
            }
            let result = source
                .electronic_result
                .as_ref()
                .filter(|_| source.result_revoked.is_none());
            let same = |a: &FileRef, b: &FileRef| {
                a.sha256 == b.sha256 && a.size == b.size && a.media_type == b.media_type
            };
            let mut result_code = None;
            for f in &c.files {
                if let Some(res) = result.filter(|res| same(&res.file, f)) {
                    result_code = Some(res.code.clone());
                } else if !source
                    .components
                    .iter()
                    .flat_map(|c| &c.files)
                    .any(|h| same(h, f))
                {
                    return Err(refused());
                }
            }
            *r = Reused {
                dossier: source.id,
                code: source.code.to_string(),
                result_code,
            };
        }
        Ok(())
    }
}

impl Queries<'_> {
    /// Kho dữ liệu — what a person already holds, for the counter officer receiving their new
    /// dossier, or for the citizen signed in with their national identity (their own number).
    pub async fn data_store(
        self,
        actor: &Actor,
        id_number: &str,
    ) -> Result<Vec<HeldDocument>, AppError> {
        self.data_store_allowed(actor, id_number)?;
        let tree = self.app.agencies();
        let dossiers = self.app.dossiers_of(id_number.trim()).await?;
        Ok(held_in(&dossiers, &tree))
    }

    /// Who reads a person's data store: the counter receiving their dossier, or the citizen
    /// signed in with their national identity, for their own number.
    fn data_store_allowed(self, actor: &Actor, id_number: &str) -> Result<(), AppError> {
        let tree = self.app.agencies();
        match actor {
            Actor::Officer(o) => {
                let centre = self.app.intake().service_centre_of(o).ok_or_else(|| {
                    AppError::new(
                        ErrorKind::Forbidden,
                        "forbidden",
                        "Kho dữ liệu của người nộp dành cho cán bộ tiếp nhận hồ sơ.",
                    )
                })?;
                policy::authorize(actor, Action::Receive, Some(&Scope::centre(&centre)), &tree)?;
            }
            Actor::Citizen {
                access: CitizenAccess::Identity,
                id_number: Some(n),
                ..
            } if n.as_str() == id_number => {}
            _ => {
                return Err(AppError::new(
                    ErrorKind::Forbidden,
                    "forbidden",
                    "Chỉ xem được kho dữ liệu của chính mình khi đăng nhập bằng định danh điện tử.",
                ));
            }
        }
        Ok(())
    }

    /// Thông tin người nộp đã khai — the applicant as their newest earlier dossier names them
    /// (name, phone, e-mail, address), to fill a new dossier's form; the same readers as
    /// [`Queries::data_store`].
    pub async fn applicant_profile(
        self,
        actor: &Actor,
        id_number: &str,
    ) -> Result<Option<Applicant>, AppError> {
        // The same permission as the data store: a counter officer, or the citizen themself.
        self.data_store_allowed(actor, id_number)?;
        self.app.newest_applicant(id_number).await
    }
}
