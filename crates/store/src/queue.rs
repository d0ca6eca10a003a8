//! Hàng đợi — service areas, tickets and their changes, open counters.

use domain::queue::{Booking, BookingRules, ServiceArea, Ticket, TicketChange};

use crate::{NewMessage, Result};

/// Một quầy đang mở: who serves at it, for which areas, since when.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OpenCounter {
    pub centre: String,
    pub number: u16,
    pub officer: String,
    pub officer_name: String,
    pub areas: Vec<String>,
    pub opened_ms: i64,
}

/// A change as recorded: when, by whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketEvent {
    pub at_ms: i64,
    pub by: String,
    pub change: TicketChange,
}

#[async_trait::async_trait]
pub trait QueueStore: Send + Sync {
    /// The areas a centre defined (empty when it defined none).
    async fn queue_areas(&self, centre: &str) -> Result<Vec<ServiceArea>>;

    async fn set_queue_areas(&self, centre: &str, areas: &[ServiceArea]) -> Result<()>;

    /// Issues a ticket: its number is the next of the centre's day, given in the same
    /// transaction; the ticket as stored.
    async fn issue_ticket(&self, ticket: &Ticket, event: &TicketEvent) -> Result<Ticket>;

    /// Writes a changed ticket (its `version` one more than the stored one) with the change;
    /// a conflict when someone changed it meanwhile.
    async fn update_ticket(&self, ticket: &Ticket, event: &TicketEvent) -> Result<()>;

    async fn ticket(&self, id: uuid::Uuid) -> Result<Option<Ticket>>;

    /// The tickets of a centre's day still in the queue (waiting, or called to a counter), by
    /// number: what a call, a desk and a board need, without the day's finished tickets.
    async fn open_tickets(&self, centre: &str, day: chrono::NaiveDate) -> Result<Vec<Ticket>>;

    /// Every ticket of the days from `from` to `to` of these centres (for the figures).
    async fn tickets_between(
        &self,
        centres: &[String],
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Vec<Ticket>>;

    async fn ticket_events(&self, id: uuid::Uuid) -> Result<Vec<TicketEvent>>;

    /// Opens (or takes over) a counter.
    async fn open_counter(&self, counter: &OpenCounter) -> Result<()>;

    async fn close_counter(&self, centre: &str, number: u16) -> Result<()>;

    async fn open_counters(&self, centre: &str) -> Result<Vec<OpenCounter>>;

    /// A centre's booking rules (none when it kept the defaults).
    async fn booking_rules(&self, centre: &str) -> Result<Option<BookingRules>>;

    async fn set_booking_rules(&self, centre: &str, rules: &BookingRules) -> Result<()>;

    /// Keeps a booking when its slot still has room for its area (fewer than `per_slot`
    /// bookings not cancelled); `Duplicate` when it is full (or the code is taken).
    async fn add_booking(&self, booking: &Booking, per_slot: u16) -> Result<()>;

    /// Writes a changed booking (its `version` one more than the stored one), with messages
    /// to enqueue (at `now_ms`) in the same transaction; a conflict when it changed meanwhile.
    async fn update_booking(
        &self,
        booking: &Booking,
        messages: &[NewMessage],
        now_ms: i64,
    ) -> Result<()>;

    async fn booking_by_code(&self, code: &str) -> Result<Option<Booking>>;

    /// The bookings of a centre whose slots start in `from_ms..to_ms`.
    async fn bookings_between(
        &self,
        centre: &str,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<Booking>>;

    /// A citizen's bookings, newest slot first.
    async fn bookings_of(&self, citizen: &str) -> Result<Vec<Booking>>;

    /// Bookings still to come in `from_ms..to_ms`, not reminded yet (of every centre).
    async fn bookings_to_remind(&self, from_ms: i64, to_ms: i64) -> Result<Vec<Booking>>;
}
