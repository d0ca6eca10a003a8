//! Tệp đính kèm — scans of the components: only PDF, JPEG and PNG (recognised by their content,
//! not by the name), up to a size limit, stored once by SHA-256.

use chrono::{DateTime, Utc};
use domain::dossier::{ChainTrust, Dossier, FileRef, SubmittedComponent};
use domain::officer::Actor;
use sha2::{Digest, Sha256};

use crate::{App, AppError, ErrorKind};
use crate::{Intake, Queries};

/// The media type of a file from its first bytes, when it is one we accept.
pub fn sniff(content: &[u8]) -> Option<&'static str> {
    if content.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if content.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if content.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

/// The media type of an official form file (PDF, DOCX, or the older DOC), from its first bytes.
pub fn sniff_form(content: &[u8]) -> Option<&'static str> {
    if content.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if content.starts_with(b"PK\x03\x04")
        && content.windows(5).take(4096).any(|w| w == b"word/")
    {
        Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    } else if content.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Some("application/msword")
    } else {
        None
    }
}

/// An uploaded file's name, cleaned, once the name and size are found acceptable: a name
/// without control characters, of 1–200 characters; a content neither empty nor over `max`.
pub(crate) fn checked_upload(name: &str, content: &[u8], max: usize) -> Result<String, AppError> {
    if name.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "invalid_file_name",
            "Tên tệp có ký tự điều khiển không hợp lệ; hãy đổi tên tệp rồi gửi lại.",
        ));
    }
    let name = vntext::clean(name);
    if name.is_empty() {
        return Err(AppError::invalid("invalid_file", "Tệp cần có tên."));
    }
    if name.chars().count() > 200 {
        return Err(AppError::invalid(
            "invalid_file_name",
            "Tên tệp tối đa 200 ký tự; hãy đổi tên tệp ngắn hơn.",
        ));
    }
    let shown = domain::error::shorten(&name);
    if content.is_empty() {
        return Err(AppError::invalid(
            "empty_file",
            format!("Tệp \"{shown}\" rỗng."),
        ));
    }
    if content.len() > max {
        return Err(AppError::invalid(
            "file_too_large",
            format!(
                "Tệp \"{shown}\" có {:.1} MB, quá giới hạn {} MB; hãy quét với độ phân giải thấp hơn hoặc tách tệp.",
                content.len() as f64 / 1_048_576.0,
                max / 1_048_576
            ),
        ));
    }
    Ok(name)
}

impl App {
    /// Refuses components naming files the actor did not upload (or that do not match what was
    /// uploaded), unless the dossier already holds them. A file's hash alone gives nothing: the
    /// answer is the same whether the file exists elsewhere or not.
    pub(crate) async fn check_files(
        &self,
        actor: &Actor,
        components: &mut [SubmittedComponent],
        dossier: Option<&Dossier>,
    ) -> Result<(), AppError> {
        // Files taken from the data store were checked against their source (`check_reused`).
        let wanted: Vec<&FileRef> = components
            .iter()
            .filter(|c| c.reused.is_none())
            .flat_map(|c| &c.files)
            .collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let held: Vec<&FileRef> = match dossier {
            Some(d) => d.components.iter().flat_map(|c| &c.files).collect(),
            None => Vec::new(),
        };
        let hashes: Vec<String> = wanted.iter().map(|f| f.sha256.clone()).collect();
        let uploaded = match crate::access::actor_key(actor) {
            Some(owner) => self.db.uploads_of(&owner, &hashes).await?,
            None => Vec::new(),
        };
        let known = |f: &FileRef| {
            uploaded
                .iter()
                .any(|u| u.sha256 == f.sha256 && u.size == f.size && u.media_type == f.media_type)
                || held.iter().any(|h| {
                    h.sha256 == f.sha256 && h.size == f.size && h.media_type == f.media_type
                })
        };
        if let Some(missing) = wanted.iter().find(|f| !known(f)) {
            return Err(AppError::invalid(
                "file_not_found",
                format!(
                    "Tệp \"{}\" chưa được tải lên; hãy đính kèm lại.",
                    domain::error::shorten(&missing.name)
                ),
            ));
        }
        self.read_signatures(components).await
    }

    /// Reads the digital signatures of the PDFs a dossier names, from the stored bytes: what a
    /// client says of a file's signature is replaced by what the file holds.
    async fn read_signatures(&self, components: &mut [SubmittedComponent]) -> Result<(), AppError> {
        for file in components.iter_mut().flat_map(|c| c.files.iter_mut()) {
            file.signature = None;
            if file.media_type != "application/pdf" {
                continue;
            }
            let Some(stored) = self.db.attachment(&file.sha256).await? else {
                continue;
            };
            let Ok(reports) = self.signatures_of(stored.content).await else {
                continue;
            };
            file.signature = reports.last().map(|last| domain::dossier::FileSignature {
                signer: last.signer.clone(),
                intact: reports.iter().all(|r| r.intact),
                covers_whole_file: last.covers_whole_file,
                chain: match &last.trust {
                    kyso::Trust::Trusted { root } => {
                        Some(ChainTrust::Trusted { root: root.clone() })
                    }
                    kyso::Trust::Untrusted { why } => {
                        Some(ChainTrust::Untrusted { why: why.clone() })
                    }
                    kyso::Trust::NotChecked => None,
                },
            });
        }
        Ok(())
    }
}

impl Intake<'_> {
    /// Stores an uploaded scan and returns the reference a dossier component carries. Only an
    /// officer or a citizen's account may upload (the file is theirs to name in a dossier).
    pub async fn store_file(
        self,
        actor: &Actor,
        name: &str,
        content: &[u8],
    ) -> Result<FileRef, AppError> {
        let Some(owner) = crate::access::actor_key(actor) else {
            return Err(AppError::new(
                ErrorKind::Forbidden,
                "forbidden",
                "Cần đăng nhập tài khoản để gửi tệp.",
            ));
        };
        let name = checked_upload(name, content, self.app.settings.max_file_bytes)?;
        let shown = domain::error::shorten(&name);
        let media_type = sniff(content).ok_or_else(|| {
            AppError::invalid(
                "file_type_not_allowed",
                format!("Tệp \"{shown}\" không phải PDF, JPEG hoặc PNG."),
            )
        })?;
        let sha256 = hex::encode(Sha256::digest(content));
        self.app
            .db
            .put_attachment(
                &sha256,
                media_type,
                content,
                &owner,
                self.app.now().timestamp_millis(),
            )
            .await?;
        Ok(FileRef {
            sha256,
            name,
            size: content.len() as u64,
            media_type: media_type.to_string(),
            signature: None,
        })
    }
}

impl Queries<'_> {
    /// A file of a dossier, for someone who may read the dossier: only files the dossier names
    /// (at opening or in a supplement) are given.
    pub async fn dossier_file(
        self,
        actor: &Actor,
        id: domain::dossier::DossierId,
        sha256: &str,
    ) -> Result<(FileRef, store::Attachment), AppError> {
        let not_found = || AppError::not_found("file_not_found", "Hồ sơ không có tệp này.");
        let d = self.app.readable_dossier(actor, id).await?;
        // The approver's signed copy is the office's until the clerk issues the result.
        let internal = d.decision.as_ref().and_then(|x| x.signed.as_ref());
        if !matches!(actor, Actor::Officer(_)) && internal.is_some_and(|x| x.file.sha256 == sha256)
        {
            return Err(not_found());
        }
        let events = self.app.db.events(id).await?;
        let named = d
            .components
            .iter()
            .flat_map(|c| &c.files)
            .chain(events.iter().flat_map(|e| e.event.files()))
            .find(|f| f.sha256 == sha256)
            .cloned()
            .ok_or_else(not_found)?;
        let stored = self
            .app
            .db
            .attachment(sha256)
            .await?
            .ok_or_else(not_found)?;
        self.app.record_read(actor, &d, Some(&named)).await;
        Ok((named, stored))
    }
}

/// How long a one-time link to a result works.
pub const LINK_DAYS: i64 = 7;

/// Đường dẫn tải một lần, as given to its maker (the secret is not kept).
#[derive(Debug, Clone)]
pub struct OneTimeLink {
    /// The address: the portal's public address (from `[signing]`) and `/tai/{secret}`.
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

/// What a link gives, shown before it is used.
#[derive(Debug, Clone)]
pub struct LinkOffer {
    pub dossier_code: String,
    pub file: FileRef,
    pub expires_at: DateTime<Utc>,
}

fn link_unknown() -> AppError {
    AppError::not_found(
        "link_not_found",
        "Đường dẫn tải không đúng. Kiểm tra lại đường dẫn trong tin nhắn hoặc thư điện tử.",
    )
}

fn link_gone() -> AppError {
    AppError::new(
        ErrorKind::Gone,
        "link_used_or_expired",
        "Đường dẫn tải đã được dùng hoặc đã hết hạn. Đề nghị cơ quan giải quyết (hoặc đăng nhập) để tải lại kết quả.",
    )
}

impl Queries<'_> {
    /// Makes a one-time link to the dossier's signed electronic result, for whoever may read
    /// the dossier: it downloads the result once, within [`LINK_DAYS`] days, without a login.
    pub async fn result_link(
        self,
        actor: &Actor,
        id: domain::dossier::DossierId,
    ) -> Result<OneTimeLink, AppError> {
        let d = self.app.readable_dossier(actor, id).await?;
        let e = d.electronic_result.as_ref().ok_or_else(|| {
            AppError::new(
                ErrorKind::Rule,
                "no_electronic_result",
                "Hồ sơ không có kết quả điện tử để gửi đường dẫn tải.",
            )
        })?;
        if d.result_revoked.is_some() {
            return Err(AppError::new(
                ErrorKind::Rule,
                "result_revoked",
                "Kết quả điện tử của hồ sơ đã bị thu hồi; không tạo đường dẫn tải.",
            ));
        }
        let token = crate::auth::new_token()?;
        let now = self.app.now();
        let expires_at = now + chrono::Duration::days(LINK_DAYS);
        self.app
            .db
            .put_download_link(&store::DownloadLink {
                token_hash: crate::auth::token_hash(&token),
                dossier_id: d.id.0.to_string(),
                sha256: e.file.sha256.clone(),
                created_by: crate::access::actor_key(actor).unwrap_or_default(),
                created_ms: now.timestamp_millis(),
                expires_ms: expires_at.timestamp_millis(),
                used_ms: None,
            })
            .await?;
        let portal = &self.app.settings.results.public_url;
        Ok(OneTimeLink {
            url: format!("{portal}/tai/{token}"),
            expires_at,
        })
    }

    /// What a link would give, without using it: the page a mail client's preview may open
    /// leaves the link working.
    pub async fn link_offer(self, token: &str) -> Result<LinkOffer, AppError> {
        let link = self
            .app
            .db
            .download_link(&crate::auth::token_hash(token))
            .await?
            .ok_or_else(link_unknown)?;
        if link.used_ms.is_some() || link.expires_ms <= self.app.now().timestamp_millis() {
            return Err(link_gone());
        }
        let (d, file) = self.linked(&link).await?;
        Ok(LinkOffer {
            dossier_code: d.code.to_string(),
            file,
            expires_at: DateTime::from_timestamp_millis(link.expires_ms).unwrap_or_default(),
        })
    }

    /// Uses a link: the result's file, once. A revoked result is not given.
    pub async fn take_link(self, token: &str) -> Result<(FileRef, store::Attachment), AppError> {
        let hash = crate::auth::token_hash(token);
        let link = match self
            .app
            .db
            .use_download_link(&hash, self.app.now().timestamp_millis())
            .await?
        {
            Some(l) => l,
            None if self.app.db.download_link(&hash).await?.is_some() => return Err(link_gone()),
            None => return Err(link_unknown()),
        };
        let (_, file) = self.linked(&link).await?;
        let stored = self
            .app
            .db
            .attachment(&file.sha256)
            .await?
            .ok_or_else(link_unknown)?;
        tracing::info!(dossier = %link.dossier_id, "result downloaded by a one-time link");
        Ok((file, stored))
    }

    /// The dossier and result file a link names, while the result stands.
    async fn linked(
        self,
        link: &store::DownloadLink,
    ) -> Result<(domain::dossier::Dossier, FileRef), AppError> {
        let id = link
            .dossier_id
            .parse::<uuid::Uuid>()
            .map(domain::dossier::DossierId)
            .map_err(|_| link_unknown())?;
        let d = self.app.db.dossier(id).await?.ok_or_else(link_unknown)?;
        if d.result_revoked.is_some() {
            return Err(AppError::new(
                ErrorKind::Gone,
                "result_revoked",
                "Kết quả điện tử của hồ sơ đã bị thu hồi, không còn giá trị.",
            ));
        }
        let file = d
            .electronic_result
            .as_ref()
            .map(|e| e.file.clone())
            .filter(|f| f.sha256 == link.sha256)
            .ok_or_else(link_unknown)?;
        Ok((d, file))
    }
}
