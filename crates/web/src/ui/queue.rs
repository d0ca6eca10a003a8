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

/// The kiosk again, saying why no ticket was given.
async fn kiosk_refused(
    app: &App,
    viewer: &Viewer,
    id: &str,
    e: app::AppError,
) -> Result<Response, UiError> {
    let status = crate::api::error::ApiError::from(e.clone()).status;
    let page = kiosk_page(app, viewer, id, e.message).await?;
    Ok((status, page).into_response())
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
        Err(e) => kiosk_refused(&app, &posted.viewer, &id, e).await,
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

/// A table of the queue's figures: one line per group, the total last when given.
pub fn figures_table(
    title: &str,
    group: &str,
    lines: &[domain::queue::QueueLine],
    total: Option<&domain::queue::QueueLine>,
) -> super::table::Table {
    use super::table::Cell;
    let minutes = |m: Option<f64>| {
        Cell::Text(m.map_or_else(|| "—".into(), |m| format!("{m:.1}").replace('.', ",")))
    };
    let row = |l: &domain::queue::QueueLine| {
        vec![
            Cell::Text(l.name.clone()),
            Cell::Int(l.tickets as i64),
            Cell::Int(l.served as i64),
            Cell::Int(l.no_show as i64),
            minutes(l.wait_avg),
            minutes(l.wait_max),
            minutes(l.service_avg),
        ]
    };
    super::table::Table {
        title: title.to_string(),
        headers: [
            group,
            "Số đã phát",
            "Đã phục vụ",
            "Vắng mặt",
            "Chờ trung bình (phút)",
            "Chờ lâu nhất (phút)",
            "Phục vụ trung bình (phút)",
        ]
        .map(String::from)
        .to_vec(),
        rows: lines.iter().chain(total).map(row).collect(),
    }
}

/// `/lanh-dao/hang-doi`: the queue's figures of a period — by area, counter, officer, hour of
/// the day and day — each table downloadable as XLSX or CSV.
#[derive(Template, WebTemplate)]
#[template(path = "queue_figures.html")]
struct FiguresPage {
    chrome: Chrome,
    tu: String,
    den: String,
    tables: Vec<(&'static str, super::table::Table)>,
    error: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct FiguresParams {
    #[serde(default)]
    tu: String,
    #[serde(default)]
    den: String,
    #[serde(default, rename = "tai")]
    download: String,
    #[serde(default, rename = "bang")]
    table: String,
}

pub async fn figures(
    State(app): State<App>,
    viewer: Viewer,
    Query(p): Query<FiguresParams>,
) -> Result<Response, UiError> {
    let (_, actor) = viewer.require_officer()?;
    let today = lich::time::to_vn(&app.now()).date_naive();
    let first = chrono::Datelike::with_day(&today, 1).unwrap_or(today);
    let (from, to, error) = super::leader::period(&p.tu, &p.den, first, today);
    let x = app.queue().figures(actor, from, to).await?;
    let bookings = bookings_table(&app, &app.queue().bookings_between(actor, from, to).await?);
    let tables = vec![
        (
            "khu-vuc",
            figures_table(
                "Theo khu vực dịch vụ",
                "Khu vực",
                &x.by_area,
                Some(&x.total),
            ),
        ),
        (
            "quay",
            figures_table("Theo quầy", "Quầy", &x.by_counter, None),
        ),
        (
            "can-bo",
            figures_table("Theo cán bộ", "Cán bộ", &x.by_officer, None),
        ),
        (
            "gio",
            figures_table("Theo giờ lấy số trong ngày", "Giờ", &x.by_hour, None),
        ),
        ("ngay", figures_table("Theo ngày", "Ngày", &x.by_day, None)),
        ("lich-hen", bookings),
    ];
    if error.is_empty() && matches!(p.download.as_str(), "csv" | "xlsx") {
        let (key, table) = tables
            .iter()
            .find(|(k, _)| *k == p.table)
            .unwrap_or(&tables[0]);
        return Ok(table.download(&format!("hang-doi-{key}-{from}-{to}"), &p.download));
    }
    let status = super::status_for(&error);
    Ok((
        status,
        FiguresPage {
            chrome: Chrome::new(&viewer, "Hàng đợi — thống kê", "/lanh-dao"),
            tu: from.to_string(),
            den: to.to_string(),
            tables,
            error,
        },
    )
        .into_response())
}

/// `/thu-tuc/{code}/dat-lich`: đặt lịch hẹn — a citizen picks a centre and a free slot.
#[derive(Template, WebTemplate)]
#[template(path = "booking.html")]
struct BookingPage {
    chrome: Chrome,
    code: String,
    name: String,
    centres: Vec<super::citizen::CentreChoice>,
    centre: String,
    area: String,
    /// Each day with its slots.
    days: Vec<(String, Vec<SlotLine>)>,
    error: String,
}

/// A slot as the booking page offers it: its start (ms, the value sent back), its hours, and
/// the places left.
type SlotLine = (i64, String, u16);

#[derive(Debug, Default, Deserialize)]
pub struct BookingParams {
    #[serde(default)]
    noi: String,
}

async fn booking_page(
    app: &App,
    viewer: &Viewer,
    code: &str,
    centre: &str,
    error: String,
) -> Result<BookingPage, UiError> {
    super::citizen::citizen(viewer)?;
    let p = app.catalogue().procedure(code).await?;
    let centres = super::citizen::centres_for(app, p.level);
    let chosen = centres
        .iter()
        .find(|c| c.id == centre)
        .or(centres.first())
        .map(|c| c.id.clone())
        .unwrap_or_default();
    let (area, days) = match AgencyId::parse(&chosen) {
        Ok(c) => {
            let area = app.queue().area_for(&c, &p.sector).await?;
            let days = app.queue().slots(&c, &area.key).await?;
            (area.name, days)
        }
        Err(_) => (String::new(), Vec::new()),
    };
    Ok(BookingPage {
        chrome: Chrome::new(viewer, format!("Đặt lịch hẹn: {}", p.name), ""),
        code: p.code.to_string(),
        name: p.name.clone(),
        centres,
        centre: chosen,
        area,
        days: days
            .into_iter()
            .map(|(day, slots)| {
                let label = format!(
                    "{} {}",
                    lich::time::weekday_vi(chrono::Datelike::weekday(&day)),
                    day.format("%d/%m/%Y")
                );
                let slots = slots
                    .into_iter()
                    .map(|s| {
                        let vn = |t| lich::time::to_vn(&t).format("%H:%M").to_string();
                        (
                            s.start.timestamp_millis(),
                            format!("{}–{}", vn(s.start), vn(s.end)),
                            s.left,
                        )
                    })
                    .collect();
                (label, slots)
            })
            .collect(),
        error,
    })
}

pub async fn booking(
    State(app): State<App>,
    viewer: Viewer,
    Path(code): Path<String>,
    Query(p): Query<BookingParams>,
) -> Result<Response, UiError> {
    Ok(booking_page(&app, &viewer, &code, &p.noi, String::new())
        .await?
        .into_response())
}

/// `POST /thu-tuc/{code}/dat-lich`: books the slot chosen; to the booking's page.
pub async fn book(
    State(app): State<App>,
    Path(code): Path<String>,
    posted: Posted,
) -> Result<Response, UiError> {
    let viewer = &posted.viewer;
    let actor = super::citizen::citizen(viewer)?;
    let f = &posted.fields;
    let centre = f.get("noi");
    let done: Result<domain::queue::Booking, app::AppError> = async {
        let c = AgencyId::parse(&centre)
            .map_err(|_| app::AppError::invalid("centre_not_found", "Hãy chọn Bộ phận Một cửa."))?;
        let start = f
            .get("gio")
            .parse::<i64>()
            .ok()
            .and_then(chrono::DateTime::from_timestamp_millis)
            .ok_or_else(|| {
                app::AppError::invalid(
                    "slot_not_offered",
                    "Hãy chọn một khung giờ trong danh sách.",
                )
            })?;
        app.queue().book(actor, &c, &code, start).await
    }
    .await;
    match done {
        Ok(b) => Ok(Redirect::to(&format!("/lich-hen/{}", b.code)).into_response()),
        Err(e) => {
            let status = crate::api::error::ApiError::from(e.clone()).status;
            let page = booking_page(&app, viewer, &code, &centre, e.message).await?;
            Ok((status, page).into_response())
        }
    }
}

/// `/lich-hen/{code}`: the citizen's booking, to show at the kiosk, or to cancel.
#[derive(Template, WebTemplate)]
#[template(path = "booking_done.html")]
struct BookingDone {
    chrome: Chrome,
    code: String,
    procedure: String,
    centre: String,
    when: String,
    state: &'static str,
    can_cancel: bool,
    reminder: String,
    qr: String,
    message: String,
}

async fn booking_done(
    app: &App,
    viewer: &Viewer,
    code: &str,
    message: String,
) -> Result<BookingDone, UiError> {
    let actor = super::citizen::citizen(viewer)?;
    let b = app.queue().my_booking(actor, code).await?;
    let now = app.now();
    let vn = |t| lich::time::to_vn(&t);
    let centre = app.queue().centre_name(&b.centre);
    Ok(BookingDone {
        chrome: Chrome::new(viewer, format!("Lịch hẹn {}", b.code), ""),
        qr: giayto::qr_svg(&b.code).unwrap_or_default(),
        code: b.code.clone(),
        procedure: b.procedure_name.clone(),
        centre,
        when: format!(
            "{}–{} {} {}",
            vn(b.slot_start).format("%H:%M"),
            vn(b.slot_end).format("%H:%M"),
            lich::time::weekday_vi(chrono::Datelike::weekday(&vn(b.slot_start))),
            vn(b.slot_start).format("%d/%m/%Y")
        ),
        state: b.state_label(now),
        can_cancel: b.state == domain::queue::BookingState::Booked && b.slot_start > now,
        reminder: match (&b.phone, &b.email) {
            (Some(p), _) => format!("tin nhắn đến {p}"),
            (None, Some(e)) => format!("thư điện tử đến {e}"),
            _ => String::new(),
        },
        message,
    })
}

pub async fn booking_view(
    State(app): State<App>,
    viewer: Viewer,
    Path(code): Path<String>,
) -> Result<Response, UiError> {
    Ok(booking_done(&app, &viewer, &code, String::new())
        .await?
        .into_response())
}

/// `POST /lich-hen/{code}/huy`: frees the slot.
pub async fn cancel_booking(
    State(app): State<App>,
    Path(code): Path<String>,
    posted: Posted,
) -> Result<Response, UiError> {
    let viewer = &posted.viewer;
    let actor = super::citizen::citizen(viewer)?;
    app.queue().cancel_booking(actor, &code).await?;
    Ok(booking_done(&app, viewer, &code, "Đã hủy lịch hẹn.".into())
        .await?
        .into_response())
}

/// `POST /xep-hang/{centre}/lich-hen`: the booking's code typed at the kiosk gives its ticket.
pub async fn arrive(
    State(app): State<App>,
    Path(id): Path<String>,
    Caller(client): Caller,
    posted: Posted,
) -> Result<Response, UiError> {
    let (centre, _) = app.queue().centre(&id)?;
    match app
        .queue()
        .arrive(&centre, &posted.fields.get("ma"), &client)
        .await
    {
        Ok(v) => Ok(Redirect::to(&format!("/xep-hang/so/{}?in=1", v.ticket.id)).into_response()),
        Err(e) => kiosk_refused(&app, &posted.viewer, &id, e).await,
    }
}

/// Lịch hẹn by centre: booked, kept, missed, cancelled, and the share kept.
fn bookings_table(app: &App, bookings: &[domain::queue::Booking]) -> super::table::Table {
    use super::table::Cell;
    use domain::queue::BookingState;
    let now = app.now();
    let mut by: std::collections::BTreeMap<String, [i64; 4]> = Default::default();
    for b in bookings {
        let name = app.queue().centre_name(&b.centre);
        let line = by.entry(name).or_default();
        line[0] += 1;
        match b.state {
            BookingState::Arrived => line[1] += 1,
            BookingState::Cancelled => line[3] += 1,
            BookingState::Booked if b.missed(now) => line[2] += 1,
            BookingState::Booked => {}
        }
    }
    let row = |name: String, n: [i64; 4]| {
        let due = n[1] + n[2];
        vec![
            Cell::Text(name),
            Cell::Int(n[0]),
            Cell::Int(n[1]),
            Cell::Int(n[2]),
            Cell::Int(n[3]),
            Cell::Percent((due > 0).then(|| n[1] as f64 / due as f64)),
        ]
    };
    super::table::Table {
        title: "Lịch hẹn".into(),
        headers: [
            "Bộ phận Một cửa",
            "Đã đặt",
            "Đến đúng hẹn",
            "Không đến",
            "Đã hủy",
            "Tỷ lệ giữ hẹn",
        ]
        .map(String::from)
        .to_vec(),
        rows: by.into_iter().map(|(name, n)| row(name, n)).collect(),
    }
}
