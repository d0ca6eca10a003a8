//! Hàng đợi — the queue at a one-stop centre: a citizen takes a number (lấy số thứ tự) for a
//! service area at the kiosk, a counter officer calls it, serves it (receiving a dossier from
//! it, F-040), marks a no-show or sends it to another area. Pure rules: which ticket comes
//! next, and which change a ticket allows now.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::DomainError;

/// Khu vực dịch vụ — a group of sectors a centre serves from the same counters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceArea {
    /// Short key, unique in the centre ("ho-tich").
    pub key: String,
    pub name: String,
    /// Lĩnh vực served here (the catalogue's sector names); empty: every sector.
    #[serde(default)]
    pub sectors: Vec<String>,
}

impl ServiceArea {
    /// The area a centre has when it defined none: every procedure at every counter.
    pub fn whole_centre() -> Self {
        Self {
            key: "chung".into(),
            name: "Tiếp nhận và trả kết quả".into(),
            sectors: Vec::new(),
        }
    }
}

/// Đối tượng ưu tiên (ND 61/2018 Art. 13; Luật Người cao tuổi, Luật Người khuyết tật): served
/// before the others waiting for the same area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Priority {
    /// Người cao tuổi.
    Elderly,
    /// Người khuyết tật.
    Disabled,
    /// Phụ nữ mang thai.
    Pregnant,
    /// Người có công với cách mạng.
    Merit,
}

impl Priority {
    pub const ALL: [Priority; 4] = [
        Priority::Elderly,
        Priority::Disabled,
        Priority::Pregnant,
        Priority::Merit,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Priority::Elderly => "Người cao tuổi",
            Priority::Disabled => "Người khuyết tật",
            Priority::Pregnant => "Phụ nữ mang thai",
            Priority::Merit => "Người có công với cách mạng",
        }
    }
}

/// Where a ticket is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TicketState {
    /// Đang chờ.
    Waiting,
    /// Đã gọi — called to a counter and being served there.
    Called,
    /// Đã phục vụ xong.
    Served,
    /// Vắng mặt — called and did not come.
    NoShow,
}

impl TicketState {
    pub fn label(self) -> &'static str {
        match self {
            TicketState::Waiting => "Đang chờ",
            TicketState::Called => "Đang phục vụ",
            TicketState::Served => "Đã phục vụ",
            TicketState::NoShow => "Vắng mặt",
        }
    }
}

/// Số thứ tự — one ticket of a centre's day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: uuid::Uuid,
    /// The service centre (Bộ phận Một cửa).
    pub centre: String,
    /// The centre's day (Vietnamese date) the number belongs to.
    pub day: chrono::NaiveDate,
    /// The number of the day, from 1.
    pub number: u32,
    pub area: String,
    pub priority: Option<Priority>,
    pub issued_at: DateTime<Utc>,
    pub state: TicketState,
    /// The counter that called it last, and when.
    pub counter: Option<u16>,
    pub called_at: Option<DateTime<Utc>>,
    /// When it was first called: the end of the wait.
    #[serde(default)]
    pub first_called_at: Option<DateTime<Utc>>,
    /// The officer serving it, by name.
    pub officer: Option<String>,
    /// How many times it was called (a recall counts).
    pub calls: u16,
    /// When its service ended (served or no-show).
    pub ended_at: Option<DateTime<Utc>>,
    /// The dossier received from it.
    pub dossier: Option<uuid::Uuid>,
    /// Lịch hẹn: taken on arrival for a booking; from this instant (its slot's start) it is
    /// called before those without priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booked_from: Option<DateTime<Utc>>,
    /// Changes so far (optimistic concurrency).
    pub version: u32,
}

impl Ticket {
    /// A ticket just taken, waiting; its number is given by the store when it is kept.
    pub fn waiting(
        centre: &str,
        day: chrono::NaiveDate,
        area: &str,
        priority: Option<Priority>,
        issued_at: DateTime<Utc>,
    ) -> Self {
        Self {
            id: uuid::Uuid::now_v7(),
            centre: centre.to_string(),
            day,
            number: 0,
            area: area.to_string(),
            priority,
            issued_at,
            state: TicketState::Waiting,
            counter: None,
            called_at: None,
            first_called_at: None,
            officer: None,
            calls: 0,
            ended_at: None,
            dossier: None,
            booked_from: None,
            version: 0,
        }
    }

    /// Whether it goes before tickets without priority at `now`: a priority ticket, or a
    /// booking whose slot has begun.
    pub fn ahead_at(&self, now: DateTime<Utc>) -> bool {
        self.priority.is_some() || self.booked_from.is_some_and(|b| b <= now)
    }

    /// Its place in the order at `now` (smaller first).
    fn order_key(&self, now: DateTime<Utc>) -> (bool, DateTime<Utc>, u32) {
        let at = match self.booked_from {
            Some(b) if b <= now => b,
            _ => self.issued_at,
        };
        (!self.ahead_at(now), at, self.number)
    }

    /// The number as printed and announced: four digits ("0123").
    pub fn label(&self) -> String {
        format!("{:04}", self.number)
    }
}

/// A change to a ticket, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum TicketChange {
    Issued,
    /// Gọi số (again when `recall`).
    Called {
        counter: u16,
        recall: bool,
    },
    /// Chuyển khu vực: back to waiting, for another area.
    Transferred {
        from: String,
        to: String,
    },
    NoShow,
    /// Served; with the dossier received from it, if any.
    Served {
        dossier: Option<uuid::Uuid>,
    },
}

/// The next ticket a counter serving `areas` calls at `now`: priority tickets and bookings
/// whose slot has begun first, then by the time they were taken.
pub fn next_for<'a>(
    waiting: &'a [Ticket],
    areas: &[String],
    now: DateTime<Utc>,
) -> Option<&'a Ticket> {
    waiting
        .iter()
        .filter(|t| t.state == TicketState::Waiting && areas.contains(&t.area))
        .min_by_key(|t| t.order_key(now))
}

/// The ticket a counter is serving: the one it called last and has not finished. A counter
/// serves one citizen at a time, so it calls the next number only after this one is done.
pub fn serving_at(tickets: &[Ticket], counter: u16) -> Option<&Ticket> {
    tickets
        .iter()
        .filter(|t| t.state == TicketState::Called && t.counter == Some(counter))
        .max_by_key(|t| t.called_at)
}

/// The waiting tickets of `areas` in the order they will be called at `now`.
pub fn in_order(tickets: &[Ticket], areas: &[String], now: DateTime<Utc>) -> Vec<Ticket> {
    let mut waiting: Vec<Ticket> = tickets
        .iter()
        .filter(|t| t.state == TicketState::Waiting && areas.contains(&t.area))
        .cloned()
        .collect();
    waiting.sort_by_key(|t| t.order_key(now));
    waiting
}

/// How many wait before a ticket in its area at `now` (priority tickets taken later count
/// when they are ahead of it).
pub fn ahead_of(tickets: &[Ticket], ticket: &Ticket, now: DateTime<Utc>) -> usize {
    tickets
        .iter()
        .filter(|t| {
            t.state == TicketState::Waiting
                && t.area == ticket.area
                && t.id != ticket.id
                && t.order_key(now) < ticket.order_key(now)
        })
        .count()
}

/// Lịch hẹn — a time slot a citizen booked at a centre for a procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booking {
    pub id: uuid::Uuid,
    /// Mã lịch hẹn, typed at the kiosk ("LH-7K2Q9M").
    pub code: String,
    pub centre: String,
    pub area: String,
    pub procedure: String,
    pub procedure_name: String,
    pub slot_start: DateTime<Utc>,
    pub slot_end: DateTime<Utc>,
    /// The citizen's account (số định danh), name and where reminders go.
    pub citizen: String,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub booked_at: DateTime<Utc>,
    pub state: BookingState,
    /// The ticket taken on arrival.
    pub ticket: Option<uuid::Uuid>,
    /// The reminder was sent.
    pub reminded: bool,
    pub version: u32,
}

/// Where a booking is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BookingState {
    Booked,
    /// Đã đến: a ticket was taken for it.
    Arrived,
    Cancelled,
}

impl Booking {
    /// Không đến: its slot is over and nobody came.
    pub fn missed(&self, now: DateTime<Utc>) -> bool {
        self.state == BookingState::Booked && self.slot_end < now
    }

    pub fn state_label(&self, now: DateTime<Utc>) -> &'static str {
        match self.state {
            _ if self.missed(now) => "Không đến",
            BookingState::Booked => "Đã đặt",
            BookingState::Arrived => "Đã đến",
            BookingState::Cancelled => "Đã hủy",
        }
    }
}

/// How early before its slot a booked citizen may take their ticket.
pub const ARRIVE_EARLY_MINUTES: i64 = 30;

/// Quy tắc đặt lịch of a centre: slot length, bookings per slot and area, how far ahead, and
/// sessions besides the office hours (a Sunday morning).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingRules {
    pub slot_minutes: u16,
    pub per_slot: u16,
    pub days_ahead: u16,
    #[serde(default)]
    pub extra_sessions: Vec<ExtraSession>,
}

impl Default for BookingRules {
    fn default() -> Self {
        Self {
            slot_minutes: 30,
            per_slot: 2,
            days_ahead: 14,
            extra_sessions: Vec::new(),
        }
    }
}

/// Buổi làm việc bổ sung — a day the centre receives outside its usual days, and its hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtraSession {
    pub day: chrono::NaiveDate,
    /// As `lich::OfficeHours` reads them ("07:30-11:30").
    pub hours: String,
}

/// The code of a booking from its random bytes: "LH-" and six letters or digits people do not
/// confuse (no 0/O, 1/I).
pub fn booking_code(random: [u8; 6]) -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let tail: String = random
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    format!("LH-{tail}")
}

fn refused(code: &'static str, message: String) -> DomainError {
    DomainError::rule(code, message)
}

/// Applies a change `officer` (by name) asks for at `now`, checking the ticket allows it.
pub fn apply(
    ticket: &Ticket,
    change: &TicketChange,
    officer: &str,
    now: DateTime<Utc>,
) -> Result<Ticket, DomainError> {
    let mut t = ticket.clone();
    let state = ticket.state;
    match change {
        TicketChange::Issued => {
            return Err(refused(
                "ticket_exists",
                format!("Số {} đã được cấp.", ticket.label()),
            ));
        }
        TicketChange::Called { counter, recall } => {
            let allowed = if *recall {
                state == TicketState::Called && ticket.counter == Some(*counter)
            } else {
                state == TicketState::Waiting
            };
            if !allowed {
                return Err(refused(
                    "ticket_not_waiting",
                    format!(
                        "Số {} không ở trạng thái chờ gọi ({}).",
                        ticket.label(),
                        state.label().to_lowercase()
                    ),
                ));
            }
            t.state = TicketState::Called;
            t.counter = Some(*counter);
            t.called_at = Some(now);
            t.first_called_at = t.first_called_at.or(Some(now));
            t.officer = Some(officer.to_string());
            t.calls += 1;
        }
        TicketChange::Transferred { to, .. } => {
            if state != TicketState::Called {
                return Err(refused(
                    "ticket_not_called",
                    format!(
                        "Chỉ chuyển được số đang phục vụ tại quầy; số {} {}.",
                        ticket.label(),
                        state.label().to_lowercase()
                    ),
                ));
            }
            if *to == ticket.area {
                return Err(DomainError::invalid(
                    "same_area",
                    "Số này đã thuộc khu vực đó; hãy chọn khu vực khác.",
                ));
            }
            t.state = TicketState::Waiting;
            t.area = to.clone();
            t.counter = None;
            t.officer = None;
        }
        TicketChange::NoShow | TicketChange::Served { .. } => {
            if state != TicketState::Called {
                return Err(refused(
                    "ticket_not_called",
                    format!(
                        "Số {} chưa được gọi tại quầy ({}).",
                        ticket.label(),
                        state.label().to_lowercase()
                    ),
                ));
            }
            t.ended_at = Some(now);
            match change {
                TicketChange::Served { dossier } => {
                    t.state = TicketState::Served;
                    t.dossier = *dossier;
                }
                _ => t.state = TicketState::NoShow,
            }
        }
    }
    t.version += 1;
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(min: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_796_000_000 + min * 60, 0).unwrap()
    }

    fn ticket(number: u32, area: &str, priority: Option<Priority>) -> Ticket {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        Ticket {
            id: uuid::Uuid::from_u128(u128::from(number)),
            number,
            ..Ticket::waiting("c", day, area, priority, at(i64::from(number)))
        }
    }

    #[test]
    fn priority_tickets_come_first_then_the_order_they_were_taken() {
        let all = vec![
            ticket(1, "ho-tich", None),
            ticket(2, "dat-dai", None),
            ticket(3, "ho-tich", Some(Priority::Elderly)),
            ticket(4, "ho-tich", None),
        ];
        let areas = vec!["ho-tich".to_string()];
        let now = at(100);
        assert_eq!(next_for(&all, &areas, now).unwrap().number, 3);
        assert_eq!(ahead_of(&all, &all[3], now), 2);
        assert_eq!(ahead_of(&all, &all[2], now), 0);
        let rest: Vec<Ticket> = all.iter().filter(|t| t.number != 3).cloned().collect();
        assert_eq!(next_for(&rest, &areas, now).unwrap().number, 1);
        assert!(next_for(&rest, &["thue".to_string()], now).is_none());
        // A booking taken early waits like anyone until its slot begins, then goes first.
        let mut booked = ticket(5, "ho-tich", None);
        booked.booked_from = Some(at(50));
        let with_booking = vec![rest[0].clone(), booked];
        assert_eq!(next_for(&with_booking, &areas, at(20)).unwrap().number, 1);
        assert_eq!(next_for(&with_booking, &areas, at(50)).unwrap().number, 5);
    }

    #[test]
    fn a_ticket_is_called_served_or_missed_only_in_order() {
        let t = ticket(7, "ho-tich", None);
        let err = apply(&t, &TicketChange::NoShow, "a", at(10)).unwrap_err();
        assert_eq!(err.code, "ticket_not_called");
        let called = apply(
            &t,
            &TicketChange::Called {
                counter: 3,
                recall: false,
            },
            "a",
            at(10),
        )
        .unwrap();
        assert_eq!(
            (called.state, called.counter, called.calls),
            (TicketState::Called, Some(3), 1)
        );
        // Another counter cannot call it again; its own counter can.
        let call = |counter, recall| TicketChange::Called { counter, recall };
        assert!(apply(&called, &call(4, false), "b", at(11)).is_err());
        assert!(apply(&called, &call(4, true), "b", at(11)).is_err());
        let again = apply(&called, &call(3, true), "a", at(11)).unwrap();
        assert_eq!(again.calls, 2);
        let moved = apply(
            &again,
            &TicketChange::Transferred {
                from: "ho-tich".into(),
                to: "dat-dai".into(),
            },
            "a",
            at(12),
        )
        .unwrap();
        assert_eq!(
            (moved.state, moved.area.as_str(), moved.counter),
            (TicketState::Waiting, "dat-dai", None)
        );
        let served = apply(
            &apply(&moved, &call(1, false), "c", at(13)).unwrap(),
            &TicketChange::Served { dossier: None },
            "c",
            at(20),
        )
        .unwrap();
        assert_eq!(served.state, TicketState::Served);
        assert_eq!(served.version, 5);
        assert!(apply(&served, &call(1, false), "c", at(21)).is_err());
    }
}

/// Thống kê hàng đợi — one line of the queue's figures: tickets, how many were served or missed,
/// the wait (taken → first called) and the service (last called → done), in minutes.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QueueLine {
    pub name: String,
    pub tickets: usize,
    pub served: usize,
    pub no_show: usize,
    pub wait_avg: Option<f64>,
    pub wait_max: Option<f64>,
    pub service_avg: Option<f64>,
}

impl QueueLine {
    /// The figures of some tickets under a name.
    pub fn of<'a>(name: String, tickets: impl IntoIterator<Item = &'a Ticket>) -> Self {
        let minutes =
            |a: DateTime<Utc>, b: DateTime<Utc>| (b - a).num_seconds().max(0) as f64 / 60.0;
        let mut line = QueueLine {
            name,
            ..Default::default()
        };
        let (mut waits, mut services) = (Vec::new(), Vec::new());
        for t in tickets {
            line.tickets += 1;
            match t.state {
                TicketState::Served => line.served += 1,
                TicketState::NoShow => line.no_show += 1,
                _ => {}
            }
            if let Some(first) = t.first_called_at {
                waits.push(minutes(t.issued_at, first));
            }
            if let (TicketState::Served, Some(called), Some(ended)) =
                (t.state, t.called_at, t.ended_at)
            {
                services.push(minutes(called, ended));
            }
        }
        let avg = |v: &[f64]| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
        line.wait_avg = avg(&waits);
        line.wait_max = waits.iter().copied().reduce(f64::max);
        line.service_avg = avg(&services);
        line
    }
}
