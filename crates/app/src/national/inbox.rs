//! Hồ sơ nộp trên Cổng Dịch vụ công quốc gia — dossiers a citizen submitted on the national
//! portal for one of our centres, pulled into that centre's online queue and answered there.
//!
//! The portal lists what waits for a centre (`HoSoChoTiepNhan?MaDonVi=`); each submission is the
//! same `CreateDossier` shape the portal receives from us, its files downloaded by id and checked
//! against their hashes. It opens an online submission by the system on the portal's behalf,
//! with the portal's id as its idempotency key: a submission pulled twice (a lost acknowledgement,
//! a restart) opens one dossier. The portal is then told which dossier it became
//! (`XacNhanTiepNhan`), and the dossier's own changes reach it through the sync like any other.

use domain::agency::{AgencyId, AgencyKind};
use domain::applicant::{Address, Applicant};
use domain::dossier::{Dossier, ReturnMethod, SubmittedComponent};
use domain::ids::{Cccd, Email, PersonName, PhoneNumber, ProcedureCode, TaxCode};
use domain::officer::Actor;
use domain::procedure::DocForm;
use sha2::Digest;

use super::wire;
use crate::intake::{Idempotency, IntakeRequest};
use crate::{App, AppError};

/// A file of a submission, as downloaded from the portal.
#[derive(Debug, Clone)]
pub struct PortalFile {
    /// `HashTepTin` as the submission names it.
    pub hash: String,
    pub name: String,
    pub content: Vec<u8>,
}

fn form_of(code: u8) -> DocForm {
    match code {
        1 => DocForm::Original,
        3 => DocForm::CertifiedCopy,
        4 => DocForm::OriginalToCheck,
        _ => DocForm::Copy,
    }
}

fn bad(what: String) -> AppError {
    AppError::invalid("invalid_portal_submission", what)
}

/// The applicant a submission names.
fn applicant_of(s: &wire::Submitter) -> Result<Applicant, AppError> {
    let d = &s.detail;
    let phone = d
        .phone
        .as_deref()
        .map(PhoneNumber::parse)
        .transpose()
        .map_err(|e| bad(e.to_string()))?;
    let email = d
        .email
        .as_deref()
        .map(Email::parse)
        .transpose()
        .map_err(|e| bad(e.to_string()))?;
    let address = Address::new(&d.address, d.commune.as_deref(), &d.address)
        .map_err(|e| bad(e.to_string()))?;
    let name = PersonName::parse(&d.name).map_err(|e| bad(e.to_string()))?;
    Ok(match s.kind {
        1 => Applicant::Citizen {
            name,
            id_number: Cccd::parse(&s.id).map_err(|e| bad(e.to_string()))?,
            phone,
            email,
            address,
        },
        _ => Applicant::Organisation {
            name: d.owner_name.clone(),
            tax_code: TaxCode::parse(&s.id).map_err(|e| bad(e.to_string()))?,
            representative: name,
            phone,
            email,
            address,
        },
    })
}

impl App {
    /// The service centres whose identifiers are confirmed: the portal lists their submissions
    /// by identifier.
    pub fn national_centres(&self) -> Vec<(AgencyId, String)> {
        self.agencies()
            .all()
            .filter(|a| {
                a.kind == AgencyKind::ServiceCenter && a.code_verified && a.valid_to.is_none()
            })
            .map(|a| (a.id.clone(), a.code.to_string()))
            .collect()
    }

    /// Opens a submission pulled from the portal in `centre`'s online queue (once: a second
    /// pull returns the dossier the first opened). Its components are matched to the
    /// procedure's by key, or by name when the portal's codes differ; its files must match
    /// their hashes.
    pub async fn take_portal_submission(
        &self,
        centre: &AgencyId,
        s: &wire::CreateDossier,
        files: Vec<PortalFile>,
    ) -> Result<Dossier, AppError> {
        let problems = wire::check_create(s);
        if !problems.is_empty() {
            return Err(bad(format!(
                "Hồ sơ {} từ Cổng không hợp lệ: {}",
                s.code,
                problems.join(" ")
            )));
        }
        let procedure = ProcedureCode::parse(&s.procedure).map_err(|e| bad(e.to_string()))?;
        let version = self
            .db
            .procedure_in_force(
                procedure.as_str(),
                lich::time::to_vn(&self.now()).date_naive(),
            )
            .await?
            .ok_or_else(|| {
                AppError::not_found(
                    "procedure_not_found",
                    format!("Không có thủ tục {procedure} đang có hiệu lực."),
                )
            })?;
        let actor = Actor::System;
        let mut components = Vec::with_capacity(s.components.len());
        for c in &s.components {
            let folded = vntext::fold(&c.name);
            let def = version
                .components
                .iter()
                .find(|d| d.id == c.code)
                .or_else(|| {
                    version
                        .components
                        .iter()
                        .find(|d| vntext::fold(&d.name) == folded)
                })
                .ok_or_else(|| {
                    bad(format!(
                        "Thành phần \"{}\" ({}) không có trong thủ tục {procedure}.",
                        c.name, c.code
                    ))
                })?;
            let mut refs = Vec::with_capacity(c.files.len());
            for a in &c.files {
                let f = files.iter().find(|f| f.hash == a.hash).ok_or_else(|| {
                    bad(format!("Thiếu tệp \"{}\" của hồ sơ {}.", a.name, s.code))
                })?;
                if hex::encode(sha2::Sha256::digest(&f.content)) != a.hash {
                    return Err(bad(format!(
                        "Tệp \"{}\" tải từ Cổng không khớp mã băm.",
                        a.name
                    )));
                }
                refs.push(
                    self.intake()
                        .store_file(&actor, &f.name, &f.content)
                        .await?,
                );
            }
            components.push(SubmittedComponent {
                component: def.id.clone(),
                name: def.name.clone(),
                form: form_of(c.form),
                copies: c.copies.max(1),
                pages: None,
                by_data: false,
                files: refs,
                reused: None,
            });
        }
        let request = IntakeRequest {
            procedure,
            receiving: Some(centre.clone()),
            applicant: applicant_of(&s.submitter)?,
            components,
            return_method: ReturnMethod::Electronic,
            fee_exemption: None,
            helped_at: None,
            idempotency: Some(Idempotency {
                key: format!("cong-dvcqg:{}", s.id),
                request_hash: hex::encode(sha2::Sha256::digest(s.id.as_bytes())),
            }),
            provenance: crate::provenance::ProvenanceClaim {
                portal_vneid: s.vneid == 1,
                ..Default::default()
            },
        };
        let client = crate::throttle::Client { ip: None };
        self.intake().submit_online(&actor, request, &client).await
    }
}
