//! Hàng đợi — service areas, tickets and their changes, open counters.

use domain::queue::{ServiceArea, Ticket, TicketChange};

use crate::Result;

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

    /// Every ticket of a centre's day, by number.
    async fn tickets_of_day(&self, centre: &str, day: chrono::NaiveDate) -> Result<Vec<Ticket>>;

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
}
