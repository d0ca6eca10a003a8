//! Hàng đợi at a one-stop centre (F-074, ND 61/2018 Art. 13): tickets taken at the kiosk, the
//! counters that call them, the display boards that show the calls as they happen, and the
//! figures of waiting and service time.

use chrono::{DateTime, NaiveDate, Utc};
use domain::agency::{AgencyId, AgencyKind};
use domain::officer::{Actor, Role};
use domain::queue::{
    self as q, Booking, BookingRules, BookingState, Priority, ServiceArea, Ticket, TicketChange,
    TicketState,
};
use store::{NewMessage, OpenCounter, TicketEvent};
use tokio::sync::broadcast;

use crate::throttle::Client;
use crate::{AppError, ErrorKind, Queue};

/// Most counters a centre numbers.
pub const MAX_COUNTER: u16 = 99;

/// A change every board of the centre shows: a number called (or called again) to a counter,
/// or the queue moved (a ticket taken, served, missed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardNews {
    pub centre: AgencyId,
    /// The call to announce, when the change is one.
    pub call: Option<Call>,
    /// The board after the change (read once, for every board of the centre).
    pub state: std::sync::Arc<BoardState>,
}

/// Mời số … đến quầy số …
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Call {
    pub ticket: String,
    pub counter: u16,
    pub area: String,
    /// Milliseconds since the epoch when the officer called.
    pub at_ms: i64,
}

/// The boards' channel: every call goes to every board connected to this server (calls made
/// through other servers come through [`crate::cluster`]).
#[derive(Debug)]
pub struct Boards {
    tx: broadcast::Sender<BoardNews>,
}

impl Default for Boards {
    fn default() -> Self {
        Self {
            tx: broadcast::channel(1024).0,
        }
    }
}

/// What a board shows: the numbers being served at each counter, the latest calls first, and
/// how many wait in each area.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BoardState {
    pub centre: String,
    pub serving: Vec<Call>,
    pub waiting: Vec<(String, usize)>,
}

/// A ticket as the citizen holding it sees it.
#[derive(Debug, Clone)]
pub struct TicketView {
    pub ticket: Ticket,
    pub area: String,
    pub centre: String,
    /// Người đang chờ trước.
    pub ahead: usize,
}

/// A counter's view of its queue.
#[derive(Debug, Clone)]
pub struct CounterDesk {
    pub centre: AgencyId,
    pub areas: Vec<ServiceArea>,
    /// The counter the officer opened, if any.
    pub open: Option<OpenCounter>,
    /// The ticket being served there.
    pub current: Option<Ticket>,
    /// Waiting in the counter's areas, in the order they will be called.
    pub waiting: Vec<Ticket>,
}

/// The officer's full name (empty for anyone else).
fn officer_name(actor: &Actor) -> String {
    match actor {
        Actor::Officer(o) => o.full_name.to_string(),
        _ => String::new(),
    }
}

fn officer_key(actor: &Actor) -> String {
    match actor {
        Actor::Officer(o) => o.id.to_string(),
        _ => String::new(),
    }
}

impl Queue<'_> {
    /// The areas of a centre: those it defined, or one for the whole centre.
    pub async fn areas(self, centre: &AgencyId) -> Result<Vec<ServiceArea>, AppError> {
        let defined = self.app.db.queue_areas(centre.as_str()).await?;
        Ok(if defined.is_empty() {
            vec![ServiceArea::whole_centre()]
        } else {
            defined
        })
    }

    /// A service centre by its id, for the kiosk and the boards (public pages).
    pub fn centre(self, id: &str) -> Result<(AgencyId, String), AppError> {
        let not_found = || AppError::not_found("centre_not_found", "Không có Bộ phận Một cửa này.");
        let id = AgencyId::parse(id).map_err(|_| not_found())?;
        let tree = self.app.agencies();
        let a = tree
            .get(&id)
            .filter(|a| a.kind == AgencyKind::ServiceCenter)
            .ok_or_else(not_found)?;
        Ok((id, a.name.clone()))
    }

    /// Counts a ticket taken from this address (a kiosk, a booking's arrival) against the limit.
    fn count_ticket(self, client: &Client, now: DateTime<Utc>) -> Result<(), AppError> {
        self.app.throttle.attempt(
            "ticket",
            client,
            self.app.settings.limits.tickets_per_address,
            now,
        )
    }

    /// A centre's name from the id a ticket or booking keeps (the id itself if unknown).
    pub fn centre_name(self, centre: &str) -> String {
        AgencyId::parse(centre)
            .map(|c| self.app.agencies().name_of(&c))
            .unwrap_or_else(|_| centre.to_string())
    }

    /// The centre's day now (Vietnamese date).
    fn today(self) -> NaiveDate {
        lich::time::to_vn(&self.app.now()).date_naive()
    }

    /// Lấy số: a ticket for an area, from the kiosk; with the people waiting before it.
    pub async fn take(
        self,
        centre: &AgencyId,
        area: &str,
        priority: Option<Priority>,
        client: &Client,
    ) -> Result<TicketView, AppError> {
        let areas = self.areas(centre).await?;
        let chosen = areas.iter().find(|a| a.key == area).ok_or_else(|| {
            AppError::invalid(
                "unknown_area",
                "Khu vực này không có ở Bộ phận Một cửa; hãy chọn lại.",
            )
        })?;
        let now = self.app.now();
        self.count_ticket(client, now)?;
        let ticket = Ticket::waiting(centre.as_str(), self.today(), &chosen.key, priority, now);
        let event = TicketEvent {
            at_ms: now.timestamp_millis(),
            by: "kiosk".into(),
            change: TicketChange::Issued,
        };
        let stored = self.app.db.issue_ticket(&ticket, &event).await?;
        self.publish(centre, None).await;
        self.view(stored).await
    }

    /// A ticket as its holder follows it (by the id its QR code carries).
    pub async fn ticket(self, id: uuid::Uuid) -> Result<TicketView, AppError> {
        let t =
            self.app.db.ticket(id).await?.ok_or_else(|| {
                AppError::not_found("ticket_not_found", "Không có số thứ tự này.")
            })?;
        self.view(t).await
    }

    async fn view(self, ticket: Ticket) -> Result<TicketView, AppError> {
        let centre = AgencyId::parse(&ticket.centre).map_err(|_| {
            AppError::not_found("centre_not_found", "Không có Bộ phận Một cửa này.")
        })?;
        let areas = self.areas(&centre).await?;
        let day = self.app.db.open_tickets(&ticket.centre, ticket.day).await?;
        Ok(TicketView {
            ahead: q::ahead_of(&day, &ticket, self.app.now()),
            area: areas
                .iter()
                .find(|a| a.key == ticket.area)
                .map_or_else(|| ticket.area.clone(), |a| a.name.clone()),
            centre: self.app.agencies().name_of(&centre),
            ticket,
        })
    }

    /// The centre whose counter the officer works at.
    fn counter_centre(self, actor: &Actor) -> Result<AgencyId, AppError> {
        match actor {
            Actor::Officer(o) => self.app.intake().service_centre_of(o),
            _ => None,
        }
        .ok_or_else(|| {
            AppError::new(
                ErrorKind::Forbidden,
                "forbidden",
                "Chỉ cán bộ Bộ phận Một cửa được gọi số tại quầy.",
            )
        })
    }

    /// Mở quầy: the officer serves at counter `number` the tickets of `areas`.
    pub async fn open_counter(
        self,
        actor: &Actor,
        number: u16,
        areas: &[String],
    ) -> Result<(), AppError> {
        let centre = self.counter_centre(actor)?;
        if number == 0 || number > MAX_COUNTER {
            return Err(AppError::invalid(
                "invalid_counter",
                format!("Số quầy phải từ 1 đến {MAX_COUNTER}."),
            ));
        }
        let defined = self.areas(&centre).await?;
        if areas.is_empty() || areas.iter().any(|a| !defined.iter().any(|d| &d.key == a)) {
            return Err(AppError::invalid(
                "invalid_areas",
                "Hãy chọn ít nhất một khu vực dịch vụ của Bộ phận Một cửa cho quầy.",
            ));
        }
        let mine = officer_key(actor);
        // One counter per officer: the one they had is closed.
        for c in self.app.db.open_counters(centre.as_str()).await? {
            if c.officer == mine && c.number != number {
                self.app.db.close_counter(centre.as_str(), c.number).await?;
            }
        }
        self.app
            .db
            .open_counter(&OpenCounter {
                centre: centre.as_str().to_string(),
                number,
                officer: mine,
                officer_name: officer_name(actor),
                areas: areas.to_vec(),
                opened_ms: self.app.now().timestamp_millis(),
            })
            .await?;
        Ok(())
    }

    /// Đóng quầy.
    pub async fn close_counter(self, actor: &Actor) -> Result<(), AppError> {
        let centre = self.counter_centre(actor)?;
        if let Some(c) = self.my_counter(actor, &centre).await? {
            let day = self.open_tickets(&centre).await?;
            if let Some(t) = q::serving_at(&day, c.number) {
                return Err(still_serving(t, "đóng quầy"));
            }
            self.app.db.close_counter(centre.as_str(), c.number).await?;
        }
        Ok(())
    }

    async fn my_counter(
        self,
        actor: &Actor,
        centre: &AgencyId,
    ) -> Result<Option<OpenCounter>, AppError> {
        let mine = officer_key(actor);
        Ok(self
            .app
            .db
            .open_counters(centre.as_str())
            .await?
            .into_iter()
            .find(|c| c.officer == mine))
    }

    /// Today's tickets of a centre still in the queue (waiting or called).
    async fn open_tickets(self, centre: &AgencyId) -> Result<Vec<Ticket>, AppError> {
        Ok(self
            .app
            .db
            .open_tickets(centre.as_str(), self.today())
            .await?)
    }

    /// What the officer's counter has: the ticket being served and those waiting.
    pub async fn desk(self, actor: &Actor) -> Result<CounterDesk, AppError> {
        let centre = self.counter_centre(actor)?;
        let areas = self.areas(&centre).await?;
        let open = self.my_counter(actor, &centre).await?;
        let day = self.open_tickets(&centre).await?;
        let (current, waiting) = match &open {
            Some(c) => {
                let current = q::serving_at(&day, c.number).cloned();
                (current, q::in_order(&day, &c.areas, self.app.now()))
            }
            None => (None, Vec::new()),
        };
        Ok(CounterDesk {
            centre,
            areas,
            open,
            current,
            waiting,
        })
    }

    /// Gọi số tiếp theo: the first in order of the counter's areas; none when nobody waits.
    /// Two counters calling at once never get the same ticket: the second tries the next.
    pub async fn call_next(self, actor: &Actor) -> Result<Option<Ticket>, AppError> {
        let centre = self.counter_centre(actor)?;
        let counter = self.require_open(actor, &centre).await?;
        for _ in 0..5 {
            let day = self.open_tickets(&centre).await?;
            if let Some(t) = q::serving_at(&day, counter.number) {
                return Err(still_serving(t, "gọi số tiếp theo"));
            }
            let Some(next) = q::next_for(&day, &counter.areas, self.app.now()) else {
                return Ok(None);
            };
            let change = TicketChange::Called {
                counter: counter.number,
                recall: false,
            };
            match self.change(actor, &centre, next, change).await {
                Ok(t) => return Ok(Some(t)),
                Err(e) if e.code == "version_conflict" => continue,
                Err(e) => return Err(e),
            }
        }
        Err(AppError::new(
            ErrorKind::Conflict,
            "queue_busy",
            "Nhiều quầy cùng gọi số; hãy bấm gọi lại.",
        ))
    }

    async fn require_open(self, actor: &Actor, centre: &AgencyId) -> Result<OpenCounter, AppError> {
        self.my_counter(actor, centre).await?.ok_or_else(|| {
            AppError::new(
                ErrorKind::Rule,
                "counter_closed",
                "Hãy mở quầy (chọn số quầy và khu vực) trước khi gọi số.",
            )
        })
    }

    /// A change to a ticket of the officer's centre at the officer's counter: call again, no
    /// show, transfer, served.
    pub async fn act(
        self,
        actor: &Actor,
        ticket: uuid::Uuid,
        change: TicketChange,
    ) -> Result<Ticket, AppError> {
        let centre = self.counter_centre(actor)?;
        let counter = self.require_open(actor, &centre).await?;
        let t = self
            .app
            .db
            .ticket(ticket)
            .await?
            .filter(|t| t.centre == centre.as_str())
            .ok_or_else(|| AppError::not_found("ticket_not_found", "Không có số thứ tự này."))?;
        if t.state == TicketState::Called && t.counter != Some(counter.number) {
            return Err(AppError::new(
                ErrorKind::Rule,
                "other_counter",
                format!(
                    "Số {} đang được phục vụ tại quầy {}.",
                    t.label(),
                    t.counter.unwrap_or_default()
                ),
            ));
        }
        let change = match change {
            TicketChange::Called { .. } => TicketChange::Called {
                counter: counter.number,
                recall: t.state == TicketState::Called,
            },
            TicketChange::Transferred { to, .. } => {
                if !self.areas(&centre).await?.iter().any(|a| a.key == to) {
                    return Err(AppError::invalid(
                        "unknown_area",
                        "Khu vực chuyển đến không có ở Bộ phận Một cửa.",
                    ));
                }
                TicketChange::Transferred {
                    from: t.area.clone(),
                    to,
                }
            }
            other => other,
        };
        self.change(actor, &centre, &t, change).await
    }

    /// Checks a ticket is the one being served at the officer's counter (before a dossier is
    /// received from it).
    pub async fn check_serving(
        self,
        actor: &Actor,
        ticket: uuid::Uuid,
    ) -> Result<uuid::Uuid, AppError> {
        let centre = self.counter_centre(actor)?;
        let counter = self.require_open(actor, &centre).await?;
        let serving = self.app.db.ticket(ticket).await?.is_some_and(|t| {
            t.centre == centre.as_str()
                && t.state == TicketState::Called
                && t.counter == Some(counter.number)
        });
        if serving {
            Ok(ticket)
        } else {
            Err(AppError::new(
                ErrorKind::Rule,
                "ticket_not_serving",
                "Số thứ tự này không còn được phục vụ tại quầy; hãy gọi số tại màn hình Gọi số hoặc tiếp nhận không theo số.",
            ))
        }
    }

    /// Ties the dossier received at the counter to the ticket served there (F-040).
    pub async fn served_with(
        self,
        actor: &Actor,
        ticket: uuid::Uuid,
        dossier: uuid::Uuid,
    ) -> Result<Ticket, AppError> {
        self.act(
            actor,
            ticket,
            TicketChange::Served {
                dossier: Some(dossier),
            },
        )
        .await
    }

    async fn change(
        self,
        actor: &Actor,
        centre: &AgencyId,
        t: &Ticket,
        change: TicketChange,
    ) -> Result<Ticket, AppError> {
        let now = self.app.now();
        let changed = q::apply(t, &change, &officer_name(actor), now)?;
        let event = TicketEvent {
            at_ms: now.timestamp_millis(),
            by: officer_key(actor),
            change: change.clone(),
        };
        self.app.db.update_ticket(&changed, &event).await?;
        let call = match change {
            TicketChange::Called { counter, .. } => Some(Call {
                ticket: changed.label(),
                counter,
                area: self.area_name(centre, &changed.area).await?,
                at_ms: now.timestamp_millis(),
            }),
            _ => None,
        };
        self.publish(centre, call).await;
        Ok(changed)
    }

    async fn area_name(self, centre: &AgencyId, key: &str) -> Result<String, AppError> {
        Ok(self
            .areas(centre)
            .await?
            .into_iter()
            .find(|a| a.key == key)
            .map_or_else(|| key.to_string(), |a| a.name))
    }

    /// Tells the boards, those of this server and (through the database) those of the others.
    async fn publish(self, centre: &AgencyId, call: Option<Call>) {
        self.show(centre, call.clone()).await;
        self.app
            .tell_servers(crate::cluster::Signal::Board {
                centre: centre.clone(),
                call,
            })
            .await;
    }

    /// Tells the boards connected to this server: the state is read once here, not by each.
    pub(crate) async fn show(self, centre: &AgencyId, call: Option<Call>) {
        if self.app.boards.tx.receiver_count() == 0 {
            return;
        }
        match self.board(centre).await {
            Ok(state) => {
                // A board that disconnected meanwhile is not an error.
                let _ = self.app.boards.tx.send(BoardNews {
                    centre: centre.clone(),
                    call,
                    state: std::sync::Arc::new(state),
                });
            }
            Err(e) => tracing::warn!(error = %e.message, "the boards were not told of a change"),
        }
    }

    /// Follows the calls of every centre (a board keeps those of its own).
    pub fn subscribe(self) -> broadcast::Receiver<BoardNews> {
        self.app.boards.tx.subscribe()
    }

    /// What a board of the centre shows now (on connecting, and after a gap).
    pub async fn board(self, centre: &AgencyId) -> Result<BoardState, AppError> {
        let areas = self.areas(centre).await?;
        let day = self.open_tickets(centre).await?;
        let name = |key: &str| {
            areas
                .iter()
                .find(|a| a.key == key)
                .map_or_else(|| key.to_string(), |a| a.name.clone())
        };
        let mut serving: Vec<Call> = day
            .iter()
            .filter(|t| t.state == TicketState::Called)
            .map(|t| Call {
                ticket: t.label(),
                counter: t.counter.unwrap_or_default(),
                area: name(&t.area),
                at_ms: t.called_at.map_or(0, |c| c.timestamp_millis()),
            })
            .collect();
        serving.sort_by_key(|c| std::cmp::Reverse(c.at_ms));
        let waiting = areas
            .iter()
            .map(|a| {
                (
                    a.name.clone(),
                    day.iter()
                        .filter(|t| t.state == TicketState::Waiting && t.area == a.key)
                        .count(),
                )
            })
            .collect();
        Ok(BoardState {
            centre: self.app.agencies().name_of(centre),
            serving,
            waiting,
        })
    }

    /// The queue's figures of the days `from..=to` at the centres the officer reads.
    pub async fn figures(
        self,
        actor: &Actor,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<QueueFigures, AppError> {
        let tickets = self.tickets_between(actor, from, to).await?;
        let mut names: std::collections::HashMap<String, Vec<ServiceArea>> = Default::default();
        for t in &tickets {
            if !names.contains_key(&t.centre)
                && let Ok(c) = AgencyId::parse(&t.centre)
            {
                names.insert(t.centre.clone(), self.areas(&c).await?);
            }
        }
        let several = names.len() > 1;
        Ok(QueueFigures::of(&tickets, |centre, area| {
            let centre_name = self.centre_name(centre);
            if area.is_empty() {
                return centre_name;
            }
            let area = names
                .get(centre)
                .and_then(|list| list.iter().find(|a| a.key == area))
                .map_or_else(|| area.to_string(), |a| a.name.clone());
            if several {
                format!("{centre_name} — {area}")
            } else {
                area
            }
        }))
    }

    /// Every ticket of these days at the centres an officer reads (for the figures).
    pub async fn tickets_between(
        self,
        actor: &Actor,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Ticket>, AppError> {
        let centres = self.readable_centres(actor)?;
        Ok(self.app.db.tickets_between(&centres, from, to).await?)
    }

    /// The centres whose queue an officer reads: those within their leader's, counter, audit or
    /// administration grants.
    fn readable_centres(self, actor: &Actor) -> Result<Vec<String>, AppError> {
        let Actor::Officer(o) = actor else {
            return Err(AppError::new(
                ErrorKind::Forbidden,
                "forbidden",
                "Cần đăng nhập tài khoản cán bộ.",
            ));
        };
        let tree = self.app.agencies();
        Ok(tree
            .all()
            .filter(|a| a.kind == AgencyKind::ServiceCenter)
            .filter(|a| {
                o.grants.iter().any(|g| {
                    matches!(
                        g.role,
                        Role::Leader | Role::CounterOfficer | Role::Auditor | Role::Admin
                    ) && tree.is_within(&a.id, &g.agency)
                })
            })
            .map(|a| a.id.as_str().to_string())
            .collect())
    }
}

/// Một khung giờ đặt lịch: when, and how many places are left for the area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub left: u16,
}

impl Queue<'_> {
    /// A centre's booking rules (the defaults unless it set its own).
    pub async fn booking_rules(self, centre: &AgencyId) -> Result<BookingRules, AppError> {
        Ok(self
            .app
            .db
            .booking_rules(centre.as_str())
            .await?
            .unwrap_or_default())
    }

    /// The area serving a sector at a centre: the first whose sectors name it, else one for
    /// every sector, else the first.
    pub async fn area_for(self, centre: &AgencyId, sector: &str) -> Result<ServiceArea, AppError> {
        let areas = self.areas(centre).await?;
        let folded = vntext::fold(sector);
        Ok(areas
            .iter()
            .find(|a| a.sectors.iter().any(|s| vntext::fold(s) == folded))
            .or_else(|| areas.iter().find(|a| a.sectors.is_empty()))
            .unwrap_or(&areas[0])
            .clone())
    }

    /// The slots a citizen may book at a centre for an area: from half an hour from now to the
    /// rules' days ahead, on working days in office hours, on Saturdays in the reception hours,
    /// and in the centre's extra sessions (a Sunday morning); with the places left.
    pub async fn slots(
        self,
        centre: &AgencyId,
        area: &str,
    ) -> Result<Vec<(NaiveDate, Vec<Slot>)>, AppError> {
        let rules = self.booking_rules(centre).await?;
        let cal = self.app.calendar_of(centre);
        let now = self.app.now();
        let today = lich::time::to_vn(&now).date_naive();
        let last = today + chrono::Days::new(u64::from(rules.days_ahead));
        let after_last = last.succ_opt().unwrap_or(last);
        let booked = self
            .app
            .db
            .bookings_between(
                centre.as_str(),
                now.timestamp_millis(),
                lich::time::vn_day_start(after_last).timestamp_millis(),
            )
            .await?;
        let step = chrono::Duration::minutes(i64::from(rules.slot_minutes.max(5)));
        let mut days = Vec::new();
        let mut day = today;
        while day <= last {
            let mut sessions: Vec<(chrono::NaiveTime, chrono::NaiveTime)> = Vec::new();
            if cal.is_working_day(day)? {
                sessions.extend(cal.office_hours().sessions());
            } else if chrono::Datelike::weekday(&day) == chrono::Weekday::Sat
                && let Some(sat) = cal.saturday_reception()
                && cal.day(day)?.kind == lich::DayKind::WeeklyRest
            {
                sessions.extend(sat.sessions());
            }
            for extra in rules.extra_sessions.iter().filter(|e| e.day == day) {
                if let Ok(h) = lich::OfficeHours::parse(&extra.hours) {
                    sessions.extend(h.sessions());
                }
            }
            let mut slots = Vec::new();
            for (open, close) in sessions {
                let mut start = lich::time::vn_instant(day.and_time(open)).to_utc();
                let close = lich::time::vn_instant(day.and_time(close)).to_utc();
                while start + step <= close {
                    if start >= now + chrono::Duration::minutes(30) {
                        let taken = booked
                            .iter()
                            .filter(|b| {
                                b.area == area
                                    && b.slot_start == start
                                    && b.state != BookingState::Cancelled
                            })
                            .count();
                        slots.push(Slot {
                            start,
                            end: start + step,
                            left: rules
                                .per_slot
                                .saturating_sub(u16::try_from(taken).unwrap_or(u16::MAX)),
                        });
                    }
                    start += step;
                }
            }
            if !slots.is_empty() {
                days.push((day, slots));
            }
            day = after(day);
        }
        Ok(days)
    }

    /// Đặt lịch hẹn: a signed-in citizen books a slot at a centre for a procedure.
    pub async fn book(
        self,
        actor: &Actor,
        centre: &AgencyId,
        procedure: &str,
        start: DateTime<Utc>,
    ) -> Result<Booking, AppError> {
        let account = crate::access::account_of(actor)?;
        let citizen = self
            .app
            .db
            .citizen(account)
            .await?
            .map(|(a, _)| a)
            .ok_or_else(|| {
                AppError::new(
                    ErrorKind::Forbidden,
                    "forbidden",
                    "Cần đăng nhập tài khoản công dân để đặt lịch hẹn.",
                )
            })?;
        let p = self.app.catalogue().procedure(procedure).await?;
        let area = self.area_for(centre, &p.sector).await?;
        let rules = self.booking_rules(centre).await?;
        let slot = self
            .slots(centre, &area.key)
            .await?
            .into_iter()
            .flat_map(|(_, s)| s)
            .find(|s| s.start == start)
            .ok_or_else(|| {
                AppError::invalid(
                    "slot_not_offered",
                    "Khung giờ này không nhận đặt lịch; hãy chọn một khung giờ trong danh sách.",
                )
            })?;
        if slot.left == 0 {
            return Err(full());
        }
        let mut random = [0u8; 6];
        getrandom::fill(&mut random).map_err(|_| {
            AppError::new(
                ErrorKind::Internal,
                "internal",
                "Không tạo được mã lịch hẹn.",
            )
        })?;
        let b = Booking {
            id: uuid::Uuid::now_v7(),
            code: q::booking_code(random),
            centre: centre.as_str().to_string(),
            area: area.key.clone(),
            procedure: p.code.to_string(),
            procedure_name: p.name.clone(),
            slot_start: slot.start,
            slot_end: slot.end,
            citizen: citizen.id_number.clone(),
            name: citizen.name.clone(),
            phone: citizen.phone.clone(),
            email: citizen.email.clone(),
            booked_at: self.app.now(),
            state: BookingState::Booked,
            ticket: None,
            reminded: false,
            version: 0,
        };
        match self.app.db.add_booking(&b, rules.per_slot).await {
            Ok(()) => Ok(b),
            Err(store::StoreError::Duplicate(_)) => Err(full()),
            Err(e) => Err(e.into()),
        }
    }

    /// A booking by its code, for its citizen.
    pub async fn my_booking(self, actor: &Actor, code: &str) -> Result<Booking, AppError> {
        let account = crate::access::account_of(actor)?;
        self.app
            .db
            .booking_by_code(code.trim())
            .await?
            .filter(|b| b.citizen == account)
            .ok_or_else(|| AppError::not_found("booking_not_found", "Không có lịch hẹn này."))
    }

    /// The citizen's bookings, newest slot first.
    pub async fn my_bookings(self, actor: &Actor) -> Result<Vec<Booking>, AppError> {
        let account = crate::access::account_of(actor)?;
        Ok(self.app.db.bookings_of(account).await?)
    }

    /// Hủy lịch hẹn: the citizen frees the slot (before it begins).
    pub async fn cancel_booking(self, actor: &Actor, code: &str) -> Result<Booking, AppError> {
        let mut b = self.my_booking(actor, code).await?;
        let now = self.app.now();
        if b.state != BookingState::Booked || b.slot_start <= now {
            return Err(AppError::new(
                ErrorKind::Rule,
                "booking_not_open",
                "Lịch hẹn này không còn hủy được (đã đến, đã hủy hoặc đã qua giờ hẹn).",
            ));
        }
        b.state = BookingState::Cancelled;
        b.version += 1;
        self.app
            .db
            .update_booking(&b, &[], now.timestamp_millis())
            .await?;
        Ok(b)
    }

    /// Đến theo lịch hẹn: the code typed at the kiosk gives a ticket that goes first from its
    /// slot's start; it is taken from half an hour before the slot until the slot ends.
    pub async fn arrive(
        self,
        centre: &AgencyId,
        code: &str,
        client: &Client,
    ) -> Result<TicketView, AppError> {
        let now = self.app.now();
        self.count_ticket(client, now)?;
        let code = code.trim().to_uppercase();
        let mut b = self
            .app
            .db
            .booking_by_code(&code)
            .await?
            .filter(|b| b.centre == centre.as_str())
            .ok_or_else(|| {
                AppError::not_found(
                    "booking_not_found",
                    "Không có lịch hẹn này tại Bộ phận Một cửa; hãy kiểm tra mã hoặc lấy số thường.",
                )
            })?;
        let vn = |t: DateTime<Utc>| lich::time::to_vn(&t);
        let early = b.slot_start - chrono::Duration::minutes(q::ARRIVE_EARLY_MINUTES);
        let refused = |message: String| AppError::new(ErrorKind::Rule, "booking_not_now", message);
        match b.state {
            BookingState::Arrived => {
                return Err(refused(format!("Lịch hẹn {code} đã được lấy số.")));
            }
            BookingState::Cancelled => {
                return Err(refused(format!(
                    "Lịch hẹn {code} đã hủy; hãy lấy số thường."
                )));
            }
            BookingState::Booked if now < early => {
                return Err(refused(format!(
                    "Lịch hẹn lúc {} ngày {}; mời quay lại từ {}.",
                    vn(b.slot_start).format("%H:%M"),
                    vn(b.slot_start).format("%d/%m/%Y"),
                    vn(early).format("%H:%M")
                )));
            }
            BookingState::Booked if now > b.slot_end => {
                return Err(refused(format!(
                    "Lịch hẹn {code} đã qua giờ ({}–{}); hãy lấy số thường.",
                    vn(b.slot_start).format("%H:%M"),
                    vn(b.slot_end).format("%H:%M")
                )));
            }
            BookingState::Booked => {}
        }
        let mut ticket = Ticket::waiting(centre.as_str(), self.today(), &b.area, None, now);
        ticket.booked_from = Some(b.slot_start);
        b.state = BookingState::Arrived;
        b.ticket = Some(ticket.id);
        b.version += 1;
        // The booking first: the same code typed twice is refused, not given a second ticket.
        self.app
            .db
            .update_booking(&b, &[], now.timestamp_millis())
            .await?;
        let event = TicketEvent {
            at_ms: now.timestamp_millis(),
            by: format!("lich-hen:{}", b.code),
            change: TicketChange::Issued,
        };
        let stored = self.app.db.issue_ticket(&ticket, &event).await?;
        self.publish(centre, None).await;
        self.view(stored).await
    }

    /// Nhắc lịch hẹn: bookings of the next 24 hours not reminded yet get an SMS (or else an
    /// e-mail) through the outbox, written with the booking's mark: once each. How many
    /// messages were enqueued.
    pub async fn send_reminders(self) -> Result<usize, AppError> {
        let now = self.app.now();
        let due = self
            .app
            .db
            .bookings_to_remind(
                now.timestamp_millis(),
                (now + chrono::Duration::hours(24)).timestamp_millis(),
            )
            .await?;
        let settings = self.app.notices().settings();
        let mut reminded = 0;
        for mut b in due {
            let at = lich::time::to_vn(&b.slot_start);
            let centre = self.centre_name(&b.centre);
            let when = format!("{} ngày {}", at.format("%H:%M"), at.format("%d/%m/%Y"));
            let message = |channel, recipient: &str, body: String| NewMessage {
                kind: BOOKING_REMINDER.into(),
                channel,
                recipient: recipient.to_string(),
                subject: format!("Nhắc lịch hẹn {} tại Bộ phận Một cửa", b.code),
                body,
                idempotency_key: format!("{BOOKING_REMINDER}:{}", b.id),
                dossier: None,
            };
            let mut messages = Vec::new();
            if settings.sms
                && let Some(phone) = &b.phone
            {
                let text = format!(
                    "Lịch hẹn {}: {} tại {} lúc {when}. Khi đến, nhập mã lịch hẹn tại máy lấy số.",
                    b.code, b.procedure_name, centre
                );
                messages.push(message(store::Channel::Sms, phone, text));
            } else if settings.email
                && let Some(email) = &b.email
            {
                let text = format!(
                    "Kính gửi {},\n\nÔng/bà có lịch hẹn {} — {} tại {} lúc {when}. Khi đến, nhập mã lịch hẹn tại máy lấy số thứ tự để được phục vụ trước trong khung giờ đã hẹn.\n",
                    b.name, b.code, b.procedure_name, centre
                );
                messages.push(message(store::Channel::Email, email, text));
            }
            b.reminded = true;
            b.version += 1;
            match self
                .app
                .db
                .update_booking(&b, &messages, now.timestamp_millis())
                .await
            {
                Ok(()) => reminded += messages.len(),
                // Cancelled or taken meanwhile: nothing to remind.
                Err(store::StoreError::Conflict { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(reminded)
    }

    /// The bookings of these days at the centres the officer reads (for the figures).
    pub async fn bookings_between(
        self,
        actor: &Actor,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Booking>, AppError> {
        let start = lich::time::vn_day_start(from).timestamp_millis();
        let end = lich::time::vn_day_start(after(to)).timestamp_millis();
        let mut out = Vec::new();
        for centre in self.readable_centres(actor)? {
            out.extend(self.app.db.bookings_between(&centre, start, end).await?);
        }
        Ok(out)
    }
}

/// Kind of the message reminding a citizen of their booking.
pub const BOOKING_REMINDER: &str = "booking-reminder";

/// The next day (the last date stays itself).
fn after(day: NaiveDate) -> NaiveDate {
    day.succ_opt().unwrap_or(day)
}

fn full() -> AppError {
    AppError::new(
        ErrorKind::Rule,
        "slot_full",
        "Khung giờ này vừa đủ lịch hẹn; hãy chọn khung giờ khác.",
    )
}

/// Thống kê hàng đợi of a period: the whole, and by area, counter, officer, hour of the day
/// and day.
#[derive(Debug, Clone, Default)]
pub struct QueueFigures {
    pub total: q::QueueLine,
    pub by_area: Vec<q::QueueLine>,
    pub by_counter: Vec<q::QueueLine>,
    pub by_officer: Vec<q::QueueLine>,
    pub by_hour: Vec<q::QueueLine>,
    pub by_day: Vec<q::QueueLine>,
}

impl QueueFigures {
    /// The figures of these tickets; `area_name` names an area by its key.
    pub fn of(tickets: &[Ticket], area_name: impl Fn(&str, &str) -> String) -> Self {
        fn group<K: Ord + Clone>(
            tickets: &[Ticket],
            key: impl Fn(&Ticket) -> Option<K>,
            name: impl Fn(&K) -> String,
        ) -> Vec<q::QueueLine> {
            let mut groups: std::collections::BTreeMap<K, Vec<&Ticket>> = Default::default();
            for t in tickets {
                if let Some(k) = key(t) {
                    groups.entry(k).or_default().push(t);
                }
            }
            groups
                .into_iter()
                .map(|(k, ts)| q::QueueLine::of(name(&k), ts))
                .collect()
        }
        let vn = |t: DateTime<Utc>| lich::time::to_vn(&t);
        Self {
            total: q::QueueLine::of("Tổng cộng".into(), tickets),
            by_area: group(
                tickets,
                |t| Some((t.centre.clone(), t.area.clone())),
                |(c, a)| area_name(c, a),
            ),
            by_counter: group(
                tickets,
                |t| t.counter.map(|n| (t.centre.clone(), n)),
                |(c, n)| format!("{} — quầy {n}", area_name(c, "")),
            ),
            by_officer: group(tickets, |t| t.officer.clone(), String::clone),
            by_hour: group(
                tickets,
                |t| Some(chrono::Timelike::hour(&vn(t.issued_at))),
                |h| format!("{h:02}:00–{h:02}:59"),
            ),
            by_day: group(
                tickets,
                |t| Some(t.day),
                |d| d.format("%d/%m/%Y").to_string(),
            ),
        }
    }
}

impl crate::Admin<'_> {
    /// Thiết lập hàng đợi of a centre: its service areas and booking rules, checked whole and
    /// logged; an administrator's.
    pub async fn set_queue_setup(
        self,
        actor: &Actor,
        centre: &AgencyId,
        areas: &[ServiceArea],
        rules: &BookingRules,
    ) -> Result<(), AppError> {
        let admin = self
            .app
            .admin_name(actor, domain::policy::Action::ManageUsers)?;
        let tree = self.app.agencies();
        let c = tree
            .get(centre)
            .filter(|a| a.kind == AgencyKind::ServiceCenter)
            .ok_or_else(|| {
                AppError::not_found("centre_not_found", "Không có Bộ phận Một cửa này.")
            })?;
        let bad = |m: String| AppError::invalid("invalid_queue_setup", m);
        if areas.is_empty() || areas.len() > 12 {
            return Err(bad("Cần từ 1 đến 12 khu vực dịch vụ.".into()));
        }
        for (i, a) in areas.iter().enumerate() {
            let key_ok = !a.key.is_empty()
                && a.key.len() <= 30
                && a.key
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !key_ok {
                return Err(bad(format!(
                    "Khu vực {}: khóa chỉ gồm chữ thường không dấu, số và dấu gạch (tối đa 30 ký tự).",
                    i + 1
                )));
            }
            if a.name.trim().is_empty() || a.name.chars().count() > 80 {
                return Err(bad(format!("Khu vực {}: tên từ 1 đến 80 ký tự.", i + 1)));
            }
            if areas[..i].iter().any(|b| b.key == a.key) {
                return Err(bad(format!("Khóa khu vực \"{}\" bị trùng.", a.key)));
            }
        }
        if !(10..=240).contains(&rules.slot_minutes)
            || !(1..=50).contains(&rules.per_slot)
            || !(1..=60).contains(&rules.days_ahead)
        {
            return Err(bad(
                "Khung giờ từ 10 đến 240 phút, mỗi khung từ 1 đến 50 chỗ, đặt trước từ 1 đến 60 ngày."
                    .into(),
            ));
        }
        for e in &rules.extra_sessions {
            if lich::OfficeHours::parse(&e.hours).is_err() {
                return Err(bad(format!(
                    "Buổi làm việc bổ sung ngày {}: giờ \"{}\" không hợp lệ (ví dụ 07:30-11:30).",
                    e.day.format("%d/%m/%Y"),
                    domain::error::shorten(&e.hours)
                )));
            }
        }
        self.app.db.set_queue_areas(centre.as_str(), areas).await?;
        self.app
            .db
            .set_booking_rules(centre.as_str(), rules)
            .await?;
        let detail = format!(
            "{}: {} khu vực; khung {} phút, {} chỗ, {} ngày; {} buổi bổ sung",
            c.name,
            areas.len(),
            rules.slot_minutes,
            rules.per_slot,
            rules.days_ahead,
            rules.extra_sessions.len()
        );
        self.app
            .db
            .admin_log(&self.app.entry(&admin, "thiết lập hàng đợi", &detail))
            .await?;
        Ok(())
    }
}

/// Refusal of a call or a closing while the counter still serves a number.
fn still_serving(t: &Ticket, what: &str) -> AppError {
    AppError::new(
        ErrorKind::Rule,
        "counter_serving",
        format!(
            "Quầy đang phục vụ số {}. Hãy bấm «Xong», «Vắng mặt», «Chuyển» hoặc tiếp nhận hồ sơ từ số này trước khi {what}.",
            t.label()
        ),
    )
}
