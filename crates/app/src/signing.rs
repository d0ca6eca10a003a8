//! Kết quả điện tử — when the clerk (văn thư) numbers and issues a result, the result document
//! is rendered from the dossier, signed with the organisation's certificate (PAdES, a PKCS#12
//! file or a PKCS#11 token) and stored with the dossier. A failed signature changes nothing:
//! the dossier stays at the issuing step, awaiting signature.

use std::sync::Arc;

use chrono::{DateTime, Datelike, Utc};
use domain::dossier::{Dossier, ElectronicResult, FileRef};
use domain::procedure::{DocForm, ResultKind};
use sha2::{Digest, Sha256};

use crate::{App, AppError, ErrorKind};

/// How results are signed: the signer, the time-stamp server, where they are signed.
pub struct Signing {
    pub signer: Arc<dyn kyso::Signer + Send + Sync>,
    /// Máy chủ dấu thời gian: with one, signatures are PAdES B-T.
    pub timestamper: Option<Arc<dyn kyso::Timestamper + Send + Sync>>,
    /// Where the chain's revocation lists are fetched at signing (the CAs' CRL addresses); with
    /// one, they travel in the signature and a revoked certificate signs nothing.
    pub revocation: Option<Arc<dyn kyso::RevocationSource + Send + Sync>>,
    /// Where results are signed (printed in the signature), e.g. "Lào Cai".
    pub location: String,
}

impl std::fmt::Debug for Signing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signing")
            .field("signer", &self.signer.chain().first().map(|c| &c.subject))
            .field("location", &self.location)
            .finish()
    }
}

pub use crate::results::result_code;

impl App {
    /// The digital signatures of a PDF, each signer's chain checked against the configured
    /// roots (`[signing] trust_roots`).
    pub async fn signatures_of(
        &self,
        pdf: Vec<u8>,
    ) -> Result<Vec<kyso::SignatureReport>, kyso::Error> {
        let roots = self.settings.trust_roots.clone();
        tokio::task::spawn_blocking(move || kyso::verify_pdf_trusted(&pdf, &roots))
            .await
            .unwrap_or_else(|_| Err(kyso::Error::Malformed("máy chủ bận".into())))
    }
}

fn failed(e: impl std::fmt::Display) -> AppError {
    AppError::new(
        ErrorKind::Rule,
        "signing_failed",
        format!("Ký số kết quả không thành công: {e}. Hồ sơ vẫn chờ ký, chưa phát hành."),
    )
}

impl App {
    /// Renders, signs and stores the result document of `d` numbered `number`; the reference
    /// goes into the issuing event.
    pub(crate) async fn sign_result(
        &self,
        actor: &domain::officer::Actor,
        d: &Dossier,
        number: &str,
    ) -> Result<Option<ElectronicResult>, AppError> {
        let Some(signing) = self.settings.signing.clone() else {
            return Ok(None);
        };
        let now = self.now();
        let code = result_code(d);
        let template = self.settings.results.template(&d.procedure)?.clone();
        let originals = match d.procedure.result_kind {
            ResultKind::CertifiedCopy => Some(self.originals(d).await?),
            ResultKind::Document => None,
        };
        let data = crate::results::result_data(self, d, &template, number, &code, now, false);
        let signer_name = signing
            .signer
            .chain()
            .first()
            .map(|c| c.subject.clone())
            .unwrap_or_default();
        let vn = lich::time::to_vn(&now);
        let options = kyso::SignOptions {
            name: signer_name.clone(),
            reason: format!("Phát hành kết quả giải quyết hồ sơ {}", d.code),
            location: signing.location.clone(),
            when: kyso::pdf_date(
                vn.year(),
                vn.month(),
                vn.day(),
                chrono::Timelike::hour(&vn),
                chrono::Timelike::minute(&vn),
                chrono::Timelike::second(&vn),
            ),
        };
        let signer = signing.signer.clone();
        let timestamper = signing.timestamper.clone();
        let revocation = signing.revocation.clone();
        let bytes = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, String> {
            let pdf = match &originals {
                Some(files) => {
                    giayto::certified_copy(&template, &data, &crate::results::as_originals(files))
                }
                None => giayto::render(&template, &data),
            }
            .map_err(|e| e.to_string())?;
            let services = kyso::Services {
                tsa: timestamper.as_deref().map(|t| t as &dyn kyso::Timestamper),
                revocation: revocation
                    .as_deref()
                    .map(|r| r as &dyn kyso::RevocationSource),
            };
            let signed = kyso::sign_pdf_with(&pdf, signer.as_ref(), &options, &services)
                .map_err(|e| e.to_string())?;
            if let Err(e) = &signed.timestamp {
                tracing::warn!(error = %e, "result signed without a time-stamp (PAdES B-B)");
            }
            for why in &signed.revocation.missing {
                tracing::warn!(why = %why, "result signed without this revocation list");
            }
            Ok(signed.pdf)
        })
        .await
        .map_err(|_| failed("máy chủ bận"))?
        .map_err(failed)?;
        let sha256 = hex::encode(Sha256::digest(&bytes));
        let owner = crate::access::actor_key(actor).unwrap_or_default();
        self.db
            .put_attachment(
                &sha256,
                "application/pdf",
                &bytes,
                &owner,
                now.timestamp_millis(),
            )
            .await?;
        tracing::info!(code = %d.code, result = %code, signer = %signer_name, "result signed");
        Ok(Some(ElectronicResult {
            file: FileRef {
                sha256,
                name: match d.procedure.result_kind {
                    ResultKind::Document => format!("ket-qua-{}.pdf", d.code),
                    ResultKind::CertifiedCopy => format!("ban-sao-chung-thuc-{}.pdf", d.code),
                },
                size: bytes.len() as u64,
                media_type: "application/pdf".into(),
                signature: None,
            },
            code,
            signer: signer_name,
            signed_at: now,
        }))
    }
}

impl App {
    /// The scanned originals a certified copy is made from: the files of the components the
    /// procedure's checklist names as originals to check, in the order they were given.
    pub(crate) async fn originals(
        &self,
        d: &Dossier,
    ) -> Result<Vec<(String, String, Vec<u8>)>, AppError> {
        let original = |id: &str| {
            d.procedure
                .components
                .iter()
                .any(|c| c.id == id && c.form == DocForm::OriginalToCheck)
        };
        let files: Vec<&FileRef> = d
            .components
            .iter()
            .filter(|c| original(&c.component) && !c.by_data)
            .flat_map(|c| &c.files)
            .collect();
        if files.is_empty() {
            return Err(failed(
                "hồ sơ chưa có bản quét của bản chính (thành phần \"Bản chính để đối chiếu\") để làm bản sao chứng thực",
            ));
        }
        let mut out = Vec::with_capacity(files.len());
        for f in files {
            let stored = self.db.attachment(&f.sha256).await?.ok_or_else(|| {
                failed(format!(
                    "không tìm thấy tệp {} trong kho",
                    domain::error::shorten(&f.name)
                ))
            })?;
            out.push((f.name.clone(), stored.media_type, stored.content));
        }
        Ok(out)
    }
}

/// Tình trạng của một văn bản kết quả.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentStatus {
    /// Còn hiệu lực.
    Valid,
    /// Đã được thay thế bởi kết quả của hồ sơ đính chính (its code).
    Superseded { by: String },
    /// Đã bị thu hồi: why, on what legal basis, when.
    Revoked {
        reason: String,
        legal_basis: String,
        at: DateTime<Utc>,
    },
}

impl DocumentStatus {
    /// The status's machine name in the JSON answer.
    pub fn name(&self) -> &'static str {
        match self {
            DocumentStatus::Valid => "valid",
            DocumentStatus::Superseded { .. } => "superseded",
            DocumentStatus::Revoked { .. } => "revoked",
        }
    }

    /// The code of the correction's result that replaced this one, if any.
    pub fn superseded_by(&self) -> Option<&str> {
        match self {
            DocumentStatus::Superseded { by } => Some(by),
            _ => None,
        }
    }

    /// Why, on what legal basis and when the document was revoked, if it was.
    pub fn revocation(&self) -> Option<(&str, &str, DateTime<Utc>)> {
        match self {
            DocumentStatus::Revoked {
                reason,
                legal_basis,
                at,
            } => Some((reason, legal_basis, *at)),
            _ => None,
        }
    }
}

/// What the public verification page says of a result code.
#[derive(Debug, Clone)]
pub struct ResultCheck {
    pub code: String,
    /// Cơ quan ban hành, loại văn bản, số.
    pub issuer: String,
    pub kind: String,
    pub number: String,
    pub dossier_code: String,
    pub procedure: String,
    pub signer: String,
    pub signed_at: DateTime<Utc>,
    pub sha256: String,
    pub size: u64,
    pub status: DocumentStatus,
}

impl crate::Queries<'_> {
    /// Xác thực văn bản: a result by its code (`{dossier code}.{n}`), for anyone. An unknown
    /// or malformed code is "not found" — nothing about the dossier is told.
    pub async fn check_result(self, code: &str) -> Result<ResultCheck, AppError> {
        let not_found = || {
            AppError::not_found(
                "document_not_found",
                "Không có văn bản kết quả nào mang mã này.",
            )
        };
        let (dossier_code, _) = code.trim().rsplit_once('.').ok_or_else(not_found)?;
        let dossier_code =
            domain::ids::DossierCode::parse(dossier_code).map_err(|_| not_found())?;
        let id = self
            .app
            .db
            .dossier_id_by_code(dossier_code.as_str())
            .await?
            .ok_or_else(not_found)?;
        let d = self.app.db.dossier(id).await?.ok_or_else(not_found)?;
        let doc = d
            .electronic_result
            .as_ref()
            .filter(|e| e.code == code.trim())
            .ok_or_else(not_found)?;
        // A correction (ND 61 Art. 21) that issued its own electronic result supersedes it.
        let mut status = DocumentStatus::Valid;
        for (cid, _) in &d.corrections {
            if let Some(c) = self.app.db.dossier(*cid).await?
                && let Some(newer) = &c.electronic_result
            {
                status = DocumentStatus::Superseded {
                    by: newer.code.clone(),
                };
            }
        }
        // A revocation outweighs a correction: the document no longer stands at all.
        if let Some(r) = &d.result_revoked {
            status = DocumentStatus::Revoked {
                reason: r.reason.clone(),
                legal_basis: r.legal_basis.clone(),
                at: r.at,
            };
        }
        let tree = self.app.agencies();
        Ok(ResultCheck {
            code: doc.code.clone(),
            issuer: tree
                .committee_of(&d.competent)
                .map(|c| c.name.clone())
                .unwrap_or_else(|| tree.name_of(&d.competent)),
            kind: d.procedure.result_name.clone(),
            number: d
                .decision
                .as_ref()
                .and_then(|x| x.number.clone())
                .unwrap_or_default(),
            dossier_code: d.code.to_string(),
            procedure: d.procedure.name.clone(),
            signer: doc.signer.clone(),
            signed_at: doc.signed_at,
            sha256: doc.file.sha256.clone(),
            size: doc.file.size,
            status,
        })
    }
}
