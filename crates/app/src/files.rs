//! Tệp đính kèm — scans of the components: only PDF, JPEG and PNG (recognised by their content,
//! not by the name), up to a size limit, stored once by SHA-256.

use domain::dossier::{FileRef, SubmittedComponent};
use domain::officer::Actor;
use sha2::{Digest, Sha256};

use crate::{App, AppError, ErrorKind};

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

impl App {
    /// Stores an uploaded scan and returns the reference a dossier component carries.
    pub async fn store_file(
        &self,
        actor: &Actor,
        name: &str,
        content: &[u8],
    ) -> Result<FileRef, AppError> {
        if matches!(actor, Actor::System) {
            return Err(AppError::new(
                ErrorKind::Forbidden,
                "forbidden",
                "Không được gửi tệp.",
            ));
        }
        let name = vntext::clean(name);
        if name.is_empty() {
            return Err(AppError::invalid("invalid_file", "Tệp cần có tên."));
        }
        if content.is_empty() {
            return Err(AppError::invalid(
                "empty_file",
                format!("Tệp \"{name}\" rỗng."),
            ));
        }
        let max = self.settings.max_file_bytes;
        if content.len() > max {
            return Err(AppError::invalid(
                "file_too_large",
                format!(
                    "Tệp \"{name}\" có {:.1} MB, quá giới hạn {} MB; hãy quét với độ phân giải thấp hơn hoặc tách tệp.",
                    content.len() as f64 / 1_048_576.0,
                    max / 1_048_576
                ),
            ));
        }
        let media_type = sniff(content).ok_or_else(|| {
            AppError::invalid(
                "file_type_not_allowed",
                format!("Tệp \"{name}\" không phải PDF, JPEG hoặc PNG."),
            )
        })?;
        let sha256 = hex::encode(Sha256::digest(content));
        self.db
            .put_attachment(&sha256, media_type, content, self.now().timestamp_millis())
            .await?;
        Ok(FileRef {
            sha256,
            name,
            size: content.len() as u64,
            media_type: media_type.to_string(),
        })
    }

    /// Refuses components naming files that were never uploaded.
    pub(crate) async fn check_files(
        &self,
        components: &[SubmittedComponent],
    ) -> Result<(), AppError> {
        let wanted: Vec<&FileRef> = components.iter().flat_map(|c| &c.files).collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let hashes: Vec<String> = wanted.iter().map(|f| f.sha256.clone()).collect();
        let present = self.db.attachments_present(&hashes).await?;
        if let Some(missing) = wanted.iter().find(|f| !present.contains(&f.sha256)) {
            return Err(AppError::invalid(
                "file_not_found",
                format!(
                    "Tệp \"{}\" chưa được tải lên; hãy đính kèm lại.",
                    missing.name
                ),
            ));
        }
        Ok(())
    }
}
