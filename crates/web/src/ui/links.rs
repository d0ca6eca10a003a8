//! Đường dẫn tải một lần — a link to a dossier's signed electronic result that the officer or
//! the applicant makes and sends (by SMS, by e-mail, to a bank): opening it shows what it gives,
//! its button downloads the file once, and it expires after [`app::files::LINK_DAYS`] days.
//! Opening is not using, so a mail client's link preview leaves it working.

use app::App;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::session::{Posted, Viewer};
use super::{Chrome, UiError, when};

#[derive(Template, WebTemplate)]
#[template(path = "link_made.html")]
pub struct LinkMade {
    chrome: Chrome,
    url: String,
    expires_at: String,
    back: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "link.html")]
pub struct LinkPage {
    chrome: Chrome,
    token: String,
    dossier_code: String,
    file_name: String,
    size: String,
    expires_at: String,
}

/// `POST /ho-so/{id}/duong-dan-tai`: makes a one-time link and shows it, for whoever may read
/// the dossier.
pub async fn make(
    State(app): State<App>,
    Path(id): Path<String>,
    posted: Posted,
) -> Result<Response, UiError> {
    let viewer = &posted.viewer;
    let actor = viewer.actor.as_ref().ok_or_else(UiError::login_required)?;
    let id = super::officer::parse_id(&id)?;
    let link = app.queries().result_link(actor, id).await?;
    let back = if viewer.officer().is_some() {
        format!("/can-bo/ho-so/{}", id.0)
    } else {
        "/ho-so-cua-toi".to_string()
    };
    Ok(LinkMade {
        chrome: Chrome::new(viewer, "Đường dẫn tải kết quả một lần", &back),
        url: link.url,
        expires_at: when(link.expires_at),
        back,
    }
    .into_response())
}

/// `GET /tai/{token}`: what the link gives, with the button that uses it.
pub async fn offer(
    State(app): State<App>,
    viewer: Viewer,
    Path(token): Path<String>,
) -> Result<Response, UiError> {
    let offer = app.queries().link_offer(token.trim()).await?;
    Ok(LinkPage {
        chrome: Chrome::new(&viewer, "Tải kết quả giải quyết hồ sơ", "/tra-cuu"),
        token: token.trim().to_string(),
        dossier_code: offer.dossier_code,
        file_name: domain::error::shorten(&offer.file.name),
        size: format!("{} KB", offer.file.size.div_ceil(1024)),
        expires_at: when(offer.expires_at),
    }
    .into_response())
}

/// `POST /tai/{token}`: uses the link — the file, once.
pub async fn take(
    State(app): State<App>,
    Path(token): Path<String>,
    _posted: Posted,
) -> Result<Response, UiError> {
    let (named, stored) = app.queries().take_link(token.trim()).await?;
    Ok((
        [
            (header::CONTENT_TYPE, stored.media_type),
            (
                header::CONTENT_DISPOSITION,
                super::officer::disposition("attachment", &named.name),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        stored.content,
    )
        .into_response())
}
