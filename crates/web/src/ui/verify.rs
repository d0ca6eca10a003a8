//! Xác thực văn bản (`/xac-thuc/{code}`) — anyone holding a result document checks that it was
//! issued: the issuer, type, number, date, dossier code, hash and status (valid, or superseded by
//! a correction), as a page or as JSON (`Accept: application/json`). Uploading the file checks
//! that it is byte for byte the one issued, and reads its digital signatures.

use app::App;
use app::signing::ResultCheck;
use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::session::Viewer;
use super::{Chrome, UiError, when};

/// One signature of an uploaded file, as the page shows it.
pub struct SignatureLine {
    pub signer: String,
    pub issuer: String,
    pub signed_at: String,
    pub intact: bool,
    pub whole: bool,
    /// Dấu thời gian of a B-T signature, or empty.
    pub timestamp: String,
    pub problem: String,
    /// Chuỗi chứng thư: trusted to which root, or why not; empty when no root is configured.
    pub chain: String,
    pub trusted: bool,
    /// What the revocation list carried in the signature says, or empty.
    pub revocation: String,
}

/// What the check of an uploaded file found.
pub struct FileCheck {
    pub name: String,
    pub same: bool,
    pub signatures: Vec<SignatureLine>,
    pub unreadable: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "verify.html")]
pub struct VerifyPage {
    chrome: Chrome,
    ma: String,
    found: Option<Found>,
    error: String,
    file: Option<FileCheck>,
}

pub struct Found {
    pub code: String,
    pub issuer: String,
    pub kind: String,
    pub number: String,
    pub dossier_code: String,
    pub procedure: String,
    pub signer: String,
    pub signed_at: String,
    /// The approver who signed with their personal key, or empty.
    pub approved_by: String,
    pub sha256: String,
    pub size: String,
    /// "valid", "superseded" or "revoked".
    pub status: &'static str,
    pub superseded_by: String,
    /// For a revoked document: why, on what basis, when.
    pub revoked: String,
}

/// The JSON answer.
#[derive(Serialize)]
struct CheckJson {
    code: String,
    issuer: String,
    kind: String,
    number: String,
    dossier_code: String,
    procedure: String,
    signer: String,
    signed_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    approved_by: Option<String>,
    sha256: String,
    size: u64,
    /// "valid", "superseded" or "revoked".
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    superseded_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    revoked: Option<Revoked>,
}

/// Why and when a document was revoked (JSON).
#[derive(Serialize)]
struct Revoked {
    reason: String,
    legal_basis: String,
    at: String,
}

fn found(c: &ResultCheck) -> Found {
    Found {
        code: c.code.clone(),
        issuer: c.issuer.clone(),
        kind: c.kind.clone(),
        number: c.number.clone(),
        dossier_code: c.dossier_code.clone(),
        procedure: c.procedure.clone(),
        signer: c.signer.clone(),
        signed_at: when(c.signed_at),
        approved_by: c.approved_by.clone().unwrap_or_default(),
        sha256: c.sha256.clone(),
        size: format!("{} byte", c.size),
        status: c.status.name(),
        superseded_by: c.status.superseded_by().unwrap_or_default().to_string(),
        revoked: c
            .status
            .revocation()
            .map(|(reason, basis, at)| format!("ngày {}: {reason} (căn cứ: {basis})", when(at)))
            .unwrap_or_default(),
    }
}

#[derive(Debug, Deserialize)]
pub struct VerifyParams {
    #[serde(default)]
    ma: String,
}

/// `GET /xac-thuc?ma=…`: the form, or the document asked for.
pub async fn form(
    State(app): State<App>,
    viewer: Viewer,
    headers: HeaderMap,
    Query(p): Query<VerifyParams>,
) -> Result<Response, UiError> {
    show(&app, &viewer, &headers, p.ma.trim(), None).await
}

/// `GET /xac-thuc/{code}`.
pub async fn page(
    State(app): State<App>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, UiError> {
    show(&app, &viewer, &headers, code.trim(), None).await
}

/// `POST /xac-thuc/{code}`: a file uploaded to compare with the one issued.
pub async fn upload(
    State(app): State<App>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(code): Path<String>,
    multipart: Multipart,
) -> Result<Response, UiError> {
    let file = viewer.uploaded_file(&headers, multipart).await?;
    let Some((name, bytes)) = file else {
        return Err(UiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Chưa chọn tệp để đối chiếu.",
        ));
    };
    let sha = hex::encode(Sha256::digest(&bytes));
    let (signatures, unreadable) = match app.signatures_of(bytes.to_vec()).await {
        Ok(list) => (
            list.into_iter()
                .map(|r| SignatureLine {
                    chain: match &r.trust {
                        kyso::Trust::NotChecked => String::new(),
                        t => t.describe(),
                    },
                    trusted: matches!(r.trust, kyso::Trust::Trusted { .. }),
                    revocation: r.revocation.clone().unwrap_or_default(),
                    signer: r.signer,
                    issuer: r.issuer,
                    signed_at: kyso::describe_pdf_date(&r.signed_at),
                    intact: r.intact,
                    whole: r.covers_whole_file,
                    timestamp: r.timestamp.unwrap_or_default(),
                    problem: r.problem.unwrap_or_default(),
                })
                .collect(),
            String::new(),
        ),
        Err(e) => (
            Vec::new(),
            format!("Không đọc được chữ ký số của tệp: {e}."),
        ),
    };
    let check = FileCheck {
        name: domain::error::shorten(&name),
        same: false,
        signatures,
        unreadable,
    };
    show(
        &app,
        &viewer,
        &HeaderMap::new(),
        code.trim(),
        Some((check, sha)),
    )
    .await
}

async fn show(
    app: &App,
    viewer: &Viewer,
    headers: &HeaderMap,
    code: &str,
    file: Option<(FileCheck, String)>,
) -> Result<Response, UiError> {
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let mut page = VerifyPage {
        chrome: Chrome::new(viewer, "Xác thực văn bản kết quả", "/xac-thuc"),
        ma: domain::error::shorten(code),
        found: None,
        error: String::new(),
        file: None,
    };
    if code.is_empty() {
        return Ok(page.into_response());
    }
    match app.queries().check_result(code).await {
        Ok(c) => {
            if wants_json {
                return Ok(Json(CheckJson {
                    code: c.code.clone(),
                    issuer: c.issuer.clone(),
                    kind: c.kind.clone(),
                    number: c.number.clone(),
                    dossier_code: c.dossier_code.clone(),
                    procedure: c.procedure.clone(),
                    signer: c.signer.clone(),
                    signed_at: lich::time::to_vn(&c.signed_at).to_rfc3339(),
                    approved_by: c.approved_by.clone(),
                    sha256: c.sha256.clone(),
                    size: c.size,
                    status: c.status.name(),
                    superseded_by: c.status.superseded_by().map(str::to_string),
                    revoked: c.status.revocation().map(|(reason, basis, at)| Revoked {
                        reason: reason.to_string(),
                        legal_basis: basis.to_string(),
                        at: lich::time::to_vn(&at).to_rfc3339(),
                    }),
                })
                .into_response());
            }
            if let Some((mut check, sha)) = file {
                check.same = sha == c.sha256;
                page.file = Some(check);
            }
            page.found = Some(found(&c));
            Ok(page.into_response())
        }
        Err(e) => {
            let e = UiError::from(e);
            if wants_json {
                return Ok((
                    e.status,
                    Json(serde_json::json!({"code": "document_not_found", "message": e.message})),
                )
                    .into_response());
            }
            page.error = e.message;
            Ok((e.status, page).into_response())
        }
    }
}
