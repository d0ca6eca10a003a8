//! Hàng đợi pages: the kiosk where citizens take a number, the printed ticket (and the same page
//! followed on a phone), the display board for the centre's TV with its live feed, and the
//! counter officer's desk that calls the numbers.

use std::convert::Infallible;
use std::time::Duration;

use app::App;
use app::queue::{BoardNews, BoardState, Call};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use domain::agency::AgencyId;
use domain::queue::{Priority, ServiceArea, Ticket, TicketChange, TicketState};
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use super::session::{Posted, Viewer};
use super::{Chrome, UiError, when};
use crate::Caller;

/// `GET /xep-hang/{centre}`: lấy số thứ tự — the kiosk's touch screen.
#[derive(Template, WebTemplate)]
#[template(path = "kiosk.html")]
struct Kiosk {
    id: String,
    centre: String,
    csrf: String,
    areas: Vec<(ServiceArea, usize)>,
    priorities: Vec<(&'static str, &'static str)>,
    error: String,
}

async fn kiosk_page(app: &App, viewer: &Viewer, id: &str, error: String) -> Result<Kiosk, UiError> {
    let (centre, name) = app.queue().centre(id)?;
    let board = app.queue().board(&centre).await?;
    let areas = app
        .queue()
        .areas(&centre)
        .await?
        .into_iter()
        .map(|a| {
            let waiting = board
                .waiting
                .iter()
                .find(|(n, _)| *n == a.name)
                .map_or(0, |(_, w)| *w);
            (a, waiting)
        })
        .collect();
    Ok(Kiosk {
        id: centre.as_str().to_string(),
        centre: name,
        csrf: viewer.csrf.clone(),
        areas,
        priorities: Priority::ALL
            .iter()
            .map(|p| (priority_key(*p), p.label()))
            .collect(),
        error,
    })
}

fn priority_key(p: Priority) -> &'static str {
    match p {
        Priority::Elderly => "elderly",
        Priority::Disabled => "disabled",
        Priority::Pregnant => "pregnant",
        Priority::Merit => "merit",
    }
}

pub async fn kiosk(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    Ok(kiosk_page(&app, &viewer, &id, String::new())
        .await?
        .into_response())
}

/// `POST /xep-hang/{centre}`: takes the number and shows the ticket to print.
pub async fn take(
    State(app): State<App>,
    Path(id): Path<String>,
    Caller(client): Caller,
    posted: Posted,
) -> Result<Response, UiError> {
    let (centre, _) = app.queue().centre(&id)?;
    let f = &posted.fields;
    let priority = match f.get("uu_tien").as_str() {
        "" => None,
        key => match Priority::ALL.into_iter().find(|p| priority_key(*p) == key) {
            Some(p) => Some(p),
            None => {
                let page = kiosk_page(
                    &app,
                    &posted.viewer,
                    &id,
                    "Đối tượng ưu tiên không hợp lệ; hãy chọn lại.".into(),
                )
                .await?;
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
            }
        },
    };
    match app
        .queue()
        .take(&centre, &f.get("khu_vuc"), priority, &client)
        .await
    {
        Ok(v) => Ok(Redirect::to(&format!("/xep-hang/so/{}?in=1", v.ticket.id)).into_response()),
        Err(e) => {
            let status = crate::api::error::ApiError::from(e.clone()).status;
            let page = kiosk_page(&app, &posted.viewer, &id, e.message).await?;
            Ok((status, page).into_response())
        }
    }
}

/// The ticket: printed on 80 mm paper at the kiosk, and followed on a phone by its QR code.
#[derive(Template, WebTemplate)]
#[template(path = "ticket.html")]
struct TicketPage {
    centre_id: String,
    centre: String,
    number: String,
    area: String,
    priority: &'static str,
    issued: String,
    ahead: usize,
    state: &'static str,
    /// "Mời đến quầy số 3" when called.
    counter: Option<u16>,
    qr: String,
    /// Printed at the kiosk: print, then back to the kiosk.
    print: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct TicketParams {
    #[serde(default, rename = "in")]
    print: String,
}

pub async fn ticket(
    State(app): State<App>,
    Path(id): Path<String>,
    Query(params): Query<TicketParams>,
    axum::Extension(ui): axum::Extension<super::UiOptions>,
) -> Result<Response, UiError> {
    let not_found = || UiError::new(StatusCode::NOT_FOUND, "Không có số thứ tự này.");
    let id = uuid::Uuid::parse_str(&id).map_err(|_| not_found())?;
    let v = app.queue().ticket(id).await?;
    let t = &v.ticket;
    let follow = format!("{}/xep-hang/so/{}", ui.documents.public_url, t.id);
    let page = TicketPage {
        centre_id: t.centre.clone(),
        centre: v.centre.clone(),
        number: t.label(),
        area: v.area.clone(),
        priority: t.priority.map_or("", Priority::label),
        issued: when(t.issued_at),
        ahead: v.ahead,
        state: t.state.label(),
        counter: (t.state == TicketState::Called)
            .then_some(t.counter)
            .flatten(),
        qr: giayto::qr_svg(&follow).unwrap_or_default(),
        print: !params.print.is_empty(),
    };
    Ok(page.into_response())
}

/// `GET /bang/{centre}`: the display board for the centre's screen.
#[derive(Template, WebTemplate)]
#[template(path = "board.html")]
struct Board {
    id: String,
    state: BoardState,
    /// Announce each call aloud (`?doc=1`).
    speak: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct BoardParams {
    #[serde(default)]
    doc: String,
}

pub async fn board(
    State(app): State<App>,
    Path(id): Path<String>,
    Query(params): Query<BoardParams>,
) -> Result<Response, UiError> {
    let (centre, _) = app.queue().centre(&id)?;
    Ok(Board {
        id: centre.as_str().to_string(),
        state: app.queue().board(&centre).await?,
        speak: params.doc == "1",
    }
    .into_response())
}

/// One message to a board: what it shows now, and the call to announce if there is one.
fn board_event(state: &BoardState, call: Option<&Call>) -> Event {
    let data = serde_json::json!({ "state": state, "call": call });
    Event::default()
        .event("board")
        .retry(Duration::from_secs(1))
        .data(data.to_string())
}

/// `GET /bang/{centre}/su-kien`: the board's live feed (server-sent events). A board that
/// connects, or connects again after a network blip, first gets the whole state; then each
/// change of its centre as it happens.
pub async fn board_events(
    State(app): State<App>,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let (centre, _) = app.queue().centre(&id)?;
    // Subscribed before the state is read: nothing between the two is missed.
    let rx = app.queue().subscribe();
    let first = app.queue().board(&centre).await?;
    struct Feed {
        first: Option<BoardState>,
        rx: tokio::sync::broadcast::Receiver<BoardNews>,
        centre: AgencyId,
        app: App,
    }
    let feed = Feed {
        first: Some(first),
        rx,
        centre,
        app,
    };
    let stream = futures_util::stream::unfold(feed, |mut f| async move {
        if let Some(s) = f.first.take() {
            return Some((Ok::<_, Infallible>(board_event(&s, None)), f));
        }
        loop {
            match f.rx.recv().await {
                Ok(news) if news.centre == f.centre => {
                    let e = board_event(&news.state, news.call.as_ref());
                    return Some((Ok(e), f));
                }
                Ok(_) => continue,
                // Fell behind: the whole state again.
                Err(RecvError::Lagged(_)) => {
                    let s = f.app.queue().board(&f.centre).await.ok()?;
                    return Some((Ok(board_event(&s, None)), f));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

/// `GET /can-bo/quay`: the counter officer's desk.
#[derive(Template, WebTemplate)]
#[template(path = "desk.html")]
struct Desk {
    chrome: Chrome,
    areas: Vec<ServiceArea>,
    /// The open counter: its number and the names of its areas.
    counter: Option<(u16, String)>,
    current: Option<Ticket>,
    current_area: String,
    /// Waiting tickets with their area's name and when they were taken.
    waiting: Vec<(Ticket, String, String)>,
    centre: String,
    message: String,
    error: String,
}

async fn desk_page(
    app: &App,
    viewer: &Viewer,
    message: String,
    error: String,
) -> Result<Desk, UiError> {
    let (_, actor) = viewer.require_officer()?;
    let d = app.queue().desk(actor).await?;
    let name = |key: &str| {
        d.areas
            .iter()
            .find(|a| a.key == key)
            .map_or_else(|| key.to_string(), |a| a.name.clone())
    };
    Ok(Desk {
        chrome: Chrome::new(viewer, "Quầy — gọi số", "/can-bo/quay"),
        counter: d.open.as_ref().map(|c| {
            let names: Vec<String> = c.areas.iter().map(|a| name(a)).collect();
            (c.number, names.join(", "))
        }),
        current_area: d
            .current
            .as_ref()
            .map(|t| name(&t.area))
            .unwrap_or_default(),
        current: d.current.clone(),
        waiting: d
            .waiting
            .iter()
            .map(|t| (t.clone(), name(&t.area), when(t.issued_at)))
            .collect(),
        centre: d.centre.as_str().to_string(),
        areas: d.areas,
        message,
        error,
    })
}

pub async fn desk(State(app): State<App>, viewer: Viewer) -> Result<Response, UiError> {
    Ok(desk_page(&app, &viewer, String::new(), String::new())
        .await?
        .into_response())
}

/// `POST /can-bo/quay`: open or close the counter, call the next number, or act on the one
/// being served.
pub async fn desk_act(State(app): State<App>, posted: Posted) -> Result<Response, UiError> {
    let viewer = &posted.viewer;
    let (_, actor) = viewer.require_officer()?;
    let f = &posted.fields;
    let ticket = || {
        uuid::Uuid::parse_str(&f.get("ve"))
            .map_err(|_| app::AppError::invalid("ticket_not_found", "Không có số thứ tự này."))
    };
    let q = app.queue();
    let done: Result<String, app::AppError> = async {
        match f.get("do").as_str() {
            "mo-quay" => {
                let number = f.get("quay").trim().parse::<u16>().unwrap_or(0);
                q.open_counter(actor, number, &f.all("khu_vuc")).await?;
                Ok(format!("Đã mở quầy số {number}."))
            }
            "dong-quay" => {
                q.close_counter(actor).await?;
                Ok("Đã đóng quầy.".into())
            }
            "goi" => Ok(match q.call_next(actor).await? {
                Some(t) => format!("Đã gọi số {}.", t.label()),
                None => "Không còn ai chờ ở các khu vực của quầy.".into(),
            }),
            "goi-lai" => {
                let t = q
                    .act(
                        actor,
                        ticket()?,
                        TicketChange::Called {
                            counter: 0,
                            recall: true,
                        },
                    )
                    .await?;
                Ok(format!("Đã gọi lại số {}.", t.label()))
            }
            "vang" => {
                let t = q.act(actor, ticket()?, TicketChange::NoShow).await?;
                Ok(format!("Số {} vắng mặt.", t.label()))
            }
            "xong" => {
                let t = q
                    .act(actor, ticket()?, TicketChange::Served { dossier: None })
                    .await?;
                Ok(format!("Đã phục vụ xong số {}.", t.label()))
            }
            "chuyen" => {
                let to = f.get("den");
                let t = q
                    .act(
                        actor,
                        ticket()?,
                        TicketChange::Transferred {
                            from: String::new(),
                            to,
                        },
                    )
                    .await?;
                Ok(format!("Đã chuyển số {} sang khu vực khác.", t.label()))
            }
            _ => Err(app::AppError::invalid(
                "unknown_action",
                "Thao tác không hợp lệ.",
            )),
        }
    }
    .await;
    match done {
        // Redirected: a refresh does not call another number.
        Ok(message) => {
            tracing::debug!(%message, "counter desk");
            Ok(Redirect::to("/can-bo/quay").into_response())
        }
        Err(e) => {
            let status = crate::api::error::ApiError::from(e.clone()).status;
            let page = desk_page(&app, viewer, String::new(), e.message).await?;
            Ok((status, page).into_response())
        }
    }
}
