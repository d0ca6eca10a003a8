//! Hàng đợi at a one-stop centre (F-074, ND 61/2018 Art. 13): tickets taken at the kiosk, the
//! counters that call them, the display boards that show the calls as they happen, and the
//! figures of waiting and service time.

use chrono::{DateTime, NaiveDate, Utc};
use domain::agency::{AgencyId, AgencyKind};
use domain::officer::{Actor, Role};
use domain::queue::{self as q, Priority, ServiceArea, Ticket, TicketChange, TicketState};
use store::{OpenCounter, TicketEvent};
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
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Call {
    pub ticket: String,
    pub counter: u16,
    pub area: String,
    /// Milliseconds since the epoch when the officer called.
    pub at_ms: i64,
}

/// The boards' channel: every call goes to every board connected to this server.
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
        self.app.throttle.attempt(
            "ticket",
            client,
            self.app.settings.limits.tickets_per_address,
            now,
        )?;
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
        let day = self
            .app
            .db
            .tickets_of_day(&ticket.centre, ticket.day)
            .await?;
        Ok(TicketView {
            ahead: q::ahead_of(&day, &ticket),
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
        let Actor::Officer(o) = actor else {
            unreachable!("counter_centre admits officers only")
        };
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
                officer_name: o.full_name.to_string(),
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

    /// What the officer's counter has: the ticket being served and those waiting.
    pub async fn desk(self, actor: &Actor) -> Result<CounterDesk, AppError> {
        let centre = self.counter_centre(actor)?;
        let areas = self.areas(&centre).await?;
        let open = self.my_counter(actor, &centre).await?;
        let day = self
            .app
            .db
            .tickets_of_day(centre.as_str(), self.today())
            .await?;
        let (current, waiting) = match &open {
            Some(c) => {
                let current = day
                    .iter()
                    .filter(|t| t.state == TicketState::Called && t.counter == Some(c.number))
                    .max_by_key(|t| t.called_at)
                    .cloned();
                let mut waiting: Vec<Ticket> = day
                    .iter()
                    .filter(|t| t.state == TicketState::Waiting && c.areas.contains(&t.area))
                    .cloned()
                    .collect();
                waiting.sort_by_key(|t| (t.priority.is_none(), t.issued_at, t.number));
                (current, waiting)
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
            let day = self
                .app
                .db
                .tickets_of_day(centre.as_str(), self.today())
                .await?;
            let Some(next) = q::next_for(&day, &counter.areas) else {
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
        let changed = q::apply(t, &change, &officer_key(actor), now)?;
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

    /// Tells the boards: the state is read once here, not by each board.
    async fn publish(self, centre: &AgencyId, call: Option<Call>) {
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
        let day = self
            .app
            .db
            .tickets_of_day(centre.as_str(), self.today())
            .await?;
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

    /// Every ticket of these days at the centres an officer reads (for the figures).
    pub async fn tickets_between(
        self,
        actor: &Actor,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Ticket>, AppError> {
        let Actor::Officer(o) = actor else {
            return Err(AppError::new(
                ErrorKind::Forbidden,
                "forbidden",
                "Cần đăng nhập tài khoản cán bộ.",
            ));
        };
        let tree = self.app.agencies();
        let centres: Vec<String> = tree
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
            .collect();
        Ok(self.app.db.tickets_between(&centres, from, to).await?)
    }
}

/// Minutes between two instants, for the figures.
pub fn minutes(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_seconds().max(0) as f64 / 60.0
}
