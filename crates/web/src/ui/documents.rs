//! Giấy tờ PDF — the official forms as PDF files, from the templates shipped in `giayto` or a
//! province's own (`[documents] templates = "folder"`, one `mau-NN.toml` per form it changes).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::UiError;

/// Where a document's QR code and words send a citizen, and the templates in use.
#[derive(Debug, Clone, Default)]
pub struct Documents {
    /// The public address of the portal (`https://dichvucong.…`), printed on receipts.
    pub public_url: String,
    /// The templates in use, by name (`mau-01`): the built-in ones, or the province's instead.
    own: Arc<BTreeMap<String, giayto::Template>>,
}

impl Documents {
    /// Reads the province's templates from `dir`: every `mau-*.toml` in it must be a valid
    /// template of a form Một Cửa knows, or the server does not start (the message says which
    /// file and line).
    pub fn load(public_url: &str, dir: Option<&Path>) -> Result<Documents, String> {
        // Every form's template, parsed once: the built-in ones, replaced by the province's.
        let mut own: BTreeMap<String, giayto::Template> = giayto::BUILT_IN
            .iter()
            .filter_map(|(n, _)| Some((n.to_string(), giayto::built_in(n)?)))
            .collect();
        if let Some(dir) = dir {
            let entries = std::fs::read_dir(dir)
                .map_err(|e| format!("không đọc được thư mục mẫu {}: {e}", dir.display()))?;
            for entry in entries.flatten() {
                let path = entry.path();
                let Some(name) = path.file_stem().and_then(|s| s.to_str()) else {
                    continue;
                };
                // Result templates (`ket-qua-…`, `chung-thuc…`) are read by the signing set-up.
                if path.extension().and_then(|e| e.to_str()) != Some("toml")
                    || domain::procedure::is_signed_template(name)
                {
                    continue;
                }
                if giayto::built_in(name).is_none() {
                    let known: Vec<&str> = giayto::BUILT_IN.iter().map(|(n, _)| *n).collect();
                    return Err(format!(
                        "{}: không có giấy tờ nào tên \"{name}\" (các mẫu: {})",
                        path.display(),
                        known.join(", ")
                    ));
                }
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| format!("không đọc được {}: {e}", path.display()))?;
                let t = giayto::Template::parse(&text)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                own.insert(name.to_string(), t);
            }
        }
        Ok(Documents {
            public_url: public_url.trim_end_matches('/').to_string(),
            own: Arc::new(own),
        })
    }

    fn template(&self, name: &str) -> giayto::Template {
        self.own
            .get(name)
            .cloned()
            .or_else(|| giayto::built_in(name))
            .expect("every form used has a built-in template")
    }

    /// Renders a form on a blocking thread (layout is CPU work) and answers with the PDF,
    /// named for saving; `download` asks the browser to save it rather than show it.
    pub async fn pdf(
        &self,
        form: &str,
        data: giayto::Data,
        file_name: String,
        download: bool,
    ) -> Result<Response, UiError> {
        let template = self.template(form);
        let bytes = tokio::task::spawn_blocking(move || giayto::render(&template, &data))
            .await
            .map_err(|_| {
                UiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Máy chủ đang bận, hãy thử lại.",
                )
            })?
            .map_err(|e| {
                tracing::error!(error = %e, form, "a document could not be rendered");
                UiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("Không tạo được giấy tờ: {e}."),
                )
            })?;
        Ok((
            [
                (header::CONTENT_TYPE, "application/pdf".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "{}; filename=\"{file_name}\"",
                        if download { "attachment" } else { "inline" }
                    ),
                ),
            ],
            bytes,
        )
            .into_response())
    }
}
