//! Hàng đợi on PostgreSQL.
//!
//! What SQLite's single writer serialises is serialised here by PostgreSQL: a ticket's number
//! is taken under a transaction-scoped advisory lock on its centre and day, a booking's slot is
//! counted under one on its centre, area and slot, and tickets and bookings change only from the
//! version read (optimistic concurrency).

use deadpool_postgres::GenericClient;
use domain::queue::{Booking, BookingRules, BookingState, ServiceArea, Ticket};
use tokio_postgres::Row;

use super::{Postgres, col, db_error, execute, insert_error, query};
use crate::queue::{OpenCounter, QueueStore, TicketEvent};
use crate::{NewMessage, Result, StoreError, from_json, to_json};

/// The JSON text in column 0 of each row, read as `what`.
fn bodies<T: serde::de::DeserializeOwned>(rows: &[Row], what: &str) -> Result<Vec<T>> {
    rows.iter().map(|r| from_json(col(r, 0)?, what)).collect()
}

/// The JSON text in column 0 of the first row, if any, read as `what`.
fn body<T: serde::de::DeserializeOwned>(rows: &[Row], what: &str) -> Result<Option<T>> {
    rows.first()
        .map(|r| from_json(col(r, 0)?, what))
        .transpose()
}

/// Records a ticket's change as its `version`-th, in the caller's transaction.
async fn append(tx: &impl GenericClient, t: &Ticket, e: &TicketEvent) -> Result<()> {
    let st = tx
        .prepare_cached(
            "INSERT INTO ticket_events (ticket, seq, at_ms, by_whom, change) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .await
        .map_err(db_error)?;
    tx.execute(
        &st,
        &[
            &t.id,
            &i64::from(t.version),
            &e.at_ms,
            &e.by,
            &to_json(&e.change),
        ],
    )
    .await
    .map_err(|e| insert_error(e, "thay đổi số thứ tự"))?;
    Ok(())
}

#[async_trait::async_trait]
impl QueueStore for Postgres {
    async fn queue_areas(&self, centre: &str) -> Result<Vec<ServiceArea>> {
        let c = self.client().await?;
        let rows = query(
            &c,
            "SELECT areas FROM queue_areas WHERE centre = $1",
            &[&centre],
        )
        .await?;
        Ok(body(&rows, "khu vực dịch vụ")?.unwrap_or_default())
    }

    async fn set_queue_areas(&self, centre: &str, areas: &[ServiceArea]) -> Result<()> {
        let c = self.client().await?;
        execute(
            &c,
            "INSERT INTO queue_areas (centre, areas) VALUES ($1, $2) \
             ON CONFLICT (centre) DO UPDATE SET areas = excluded.areas",
            &[&centre, &to_json(&areas)],
        )
        .await?;
        Ok(())
    }

    /// Takes the next number of the centre's day under a transaction-scoped advisory lock on
    /// (centre, day): concurrent issuers, on this server or another, wait for each other, and
    /// the one that waited reads the number the other committed (each statement of a READ
    /// COMMITTED transaction sees what was committed before it started, and the lock is freed
    /// only once the commit is visible). `UNIQUE (centre, day, number)` backs it.
    async fn issue_ticket(&self, ticket: &Ticket, event: &TicketEvent) -> Result<Ticket> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        let day = ticket.day.to_string();
        execute(
            &tx,
            "SELECT pg_advisory_xact_lock(hashtext('motcua.tickets'), \
             hashtext($1::text || ' ' || $2::text))",
            &[&ticket.centre, &day],
        )
        .await?;
        let rows = query(
            &tx,
            "SELECT coalesce(max(number), 0::bigint) FROM tickets WHERE centre = $1 AND day = $2",
            &[&ticket.centre, &day],
        )
        .await?;
        let last: i64 = match rows.first() {
            Some(r) => col(r, 0)?,
            None => 0,
        };
        let last = u32::try_from(last)
            .map_err(|_| StoreError::Corrupt(format!("số thứ tự {last} của ngày {day}")))?;
        let mut t = ticket.clone();
        t.number = last + 1;
        let st = tx
            .prepare_cached(
                "INSERT INTO tickets (id, centre, day, number, version, state, body) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .await
            .map_err(db_error)?;
        tx.execute(
            &st,
            &[
                &t.id,
                &t.centre,
                &day,
                &i64::from(t.number),
                &i64::from(t.version),
                &crate::key(&t.state),
                &to_json(&t),
            ],
        )
        .await
        .map_err(|e| insert_error(e, "số thứ tự"))?;
        append(&tx, &t, event).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(t)
    }

    /// Writes the ticket only where its stored version is the one before; otherwise a conflict.
    async fn update_ticket(&self, ticket: &Ticket, event: &TicketEvent) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        let expected = ticket.version.saturating_sub(1);
        let n = execute(
            &tx,
            "UPDATE tickets SET version = $1, state = $2, body = $3 WHERE id = $4 AND version = $5",
            &[
                &i64::from(ticket.version),
                &crate::key(&ticket.state),
                &to_json(ticket),
                &ticket.id,
                &i64::from(expected),
            ],
        )
        .await?;
        if n != 1 {
            return Err(StoreError::Conflict {
                expected: u64::from(expected),
            });
        }
        append(&tx, ticket, event).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn ticket(&self, id: uuid::Uuid) -> Result<Option<Ticket>> {
        let c = self.client().await?;
        let rows = query(&c, "SELECT body FROM tickets WHERE id = $1", &[&id]).await?;
        body(&rows, "số thứ tự")
    }

    async fn open_tickets(&self, centre: &str, day: chrono::NaiveDate) -> Result<Vec<Ticket>> {
        let c = self.client().await?;
        let rows = query(
            &c,
            "SELECT body FROM tickets WHERE centre = $1 AND day = $2 \
             AND state IN ('waiting', 'called') ORDER BY number",
            &[&centre, &day.to_string()],
        )
        .await?;
        bodies(&rows, "số thứ tự")
    }

    /// One query for every centre, in the order the centres are given (each as often as it is
    /// given), then by day and number — what SQLite's query per centre gives.
    async fn tickets_between(
        &self,
        centres: &[String],
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Vec<Ticket>> {
        let c = self.client().await?;
        let rows = query(
            &c,
            "SELECT t.body FROM unnest($1::text[]) WITH ORDINALITY AS c (centre, n) \
             JOIN tickets t ON t.centre = c.centre \
             WHERE t.day BETWEEN $2 AND $3 ORDER BY c.n, t.day, t.number",
            &[&centres, &from.to_string(), &to.to_string()],
        )
        .await?;
        bodies(&rows, "số thứ tự")
    }

    async fn ticket_events(&self, id: uuid::Uuid) -> Result<Vec<TicketEvent>> {
        let c = self.client().await?;
        let rows = query(
            &c,
            "SELECT at_ms, by_whom, change FROM ticket_events WHERE ticket = $1 ORDER BY seq",
            &[&id],
        )
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TicketEvent {
                    at_ms: col(r, 0)?,
                    by: col(r, 1)?,
                    change: from_json(col(r, 2)?, "thay đổi số thứ tự")?,
                })
            })
            .collect()
    }

    async fn open_counter(&self, counter: &OpenCounter) -> Result<()> {
        let c = self.client().await?;
        execute(
            &c,
            "INSERT INTO queue_counters (centre, number, body) VALUES ($1, $2, $3) \
             ON CONFLICT (centre, number) DO UPDATE SET body = excluded.body",
            &[
                &counter.centre,
                &i64::from(counter.number),
                &to_json(counter),
            ],
        )
        .await?;
        Ok(())
    }

    async fn close_counter(&self, centre: &str, number: u16) -> Result<()> {
        let c = self.client().await?;
        execute(
            &c,
            "DELETE FROM queue_counters WHERE centre = $1 AND number = $2",
            &[&centre, &i64::from(number)],
        )
        .await?;
        Ok(())
    }

    async fn open_counters(&self, centre: &str) -> Result<Vec<OpenCounter>> {
        let c = self.client().await?;
        let rows = query(
            &c,
            "SELECT body FROM queue_counters WHERE centre = $1 ORDER BY number",
            &[&centre],
        )
        .await?;
        bodies(&rows, "quầy")
    }

    async fn booking_rules(&self, centre: &str) -> Result<Option<BookingRules>> {
        let c = self.client().await?;
        let rows = query(
            &c,
            "SELECT rules FROM booking_rules WHERE centre = $1",
            &[&centre],
        )
        .await?;
        body(&rows, "quy tắc đặt lịch")
    }

    async fn set_booking_rules(&self, centre: &str, rules: &BookingRules) -> Result<()> {
        let c = self.client().await?;
        execute(
            &c,
            "INSERT INTO booking_rules (centre, rules) VALUES ($1, $2) \
             ON CONFLICT (centre) DO UPDATE SET rules = excluded.rules",
            &[&centre, &to_json(rules)],
        )
        .await?;
        Ok(())
    }

    /// Counts the slot's bookings and inserts under a transaction-scoped advisory lock on
    /// (centre, area, slot), so that bookers on several servers cannot both take its last place.
    async fn add_booking(&self, booking: &Booking, per_slot: u16) -> Result<()> {
        let b = booking;
        let slot = b.slot_start.timestamp_millis();
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        execute(
            &tx,
            "SELECT pg_advisory_xact_lock(hashtext('motcua.bookings'), \
             hashtext($1::text || ' ' || $2::text || ' ' || $3::bigint::text))",
            &[&b.centre, &b.area, &slot],
        )
        .await?;
        let rows = query(
            &tx,
            "SELECT count(*) FROM bookings WHERE centre = $1 AND area = $2 \
             AND slot_start = $3 AND state != 'cancelled'",
            &[&b.centre, &b.area, &slot],
        )
        .await?;
        let taken: i64 = match rows.first() {
            Some(r) => col(r, 0)?,
            None => 0,
        };
        if taken >= i64::from(per_slot) {
            return Err(StoreError::Duplicate("khung giờ đã đủ lịch hẹn".into()));
        }
        let st = tx
            .prepare_cached(
                "INSERT INTO bookings (id, code, centre, area, slot_start, citizen, state, \
                 reminded, version, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .await
            .map_err(db_error)?;
        tx.execute(
            &st,
            &[
                &b.id,
                &b.code,
                &b.centre,
                &b.area,
                &slot,
                &b.citizen,
                &crate::key(&b.state),
                &i64::from(b.reminded),
                &i64::from(b.version),
                &to_json(b),
            ],
        )
        .await
        .map_err(|e| insert_error(e, "mã lịch hẹn"))?;
        tx.commit().await.map_err(db_error)
    }

    /// Writes the booking only where its stored version is the one before (otherwise a
    /// conflict), and enqueues the messages in the same transaction.
    async fn update_booking(
        &self,
        booking: &Booking,
        messages: &[NewMessage],
        now_ms: i64,
    ) -> Result<()> {
        let b = booking;
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        let expected = b.version.saturating_sub(1);
        let n = execute(
            &tx,
            "UPDATE bookings SET state = $1, reminded = $2, version = $3, body = $4 \
             WHERE id = $5 AND version = $6",
            &[
                &crate::key(&b.state),
                &i64::from(b.reminded),
                &i64::from(b.version),
                &to_json(b),
                &b.id,
                &i64::from(expected),
            ],
        )
        .await?;
        if n != 1 {
            return Err(StoreError::Conflict {
                expected: u64::from(expected),
            });
        }
        super::enqueue_on(&tx, messages, crate::from_ms(now_ms)).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn booking_by_code(&self, code: &str) -> Result<Option<Booking>> {
        let c = self.client().await?;
        let rows = query(&c, "SELECT body FROM bookings WHERE code = $1", &[&code]).await?;
        body(&rows, "lịch hẹn")
    }

    async fn bookings_between(
        &self,
        centre: &str,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<Booking>> {
        let c = self.client().await?;
        let rows = query(
            &c,
            "SELECT body FROM bookings WHERE centre = $1 AND slot_start >= $2 \
             AND slot_start < $3 ORDER BY slot_start",
            &[&centre, &from_ms, &to_ms],
        )
        .await?;
        bodies(&rows, "lịch hẹn")
    }

    async fn bookings_of(&self, citizen: &str) -> Result<Vec<Booking>> {
        let c = self.client().await?;
        let rows = query(
            &c,
            "SELECT body FROM bookings WHERE citizen = $1 ORDER BY slot_start DESC LIMIT 50",
            &[&citizen],
        )
        .await?;
        bodies(&rows, "lịch hẹn")
    }

    async fn bookings_to_remind(&self, from_ms: i64, to_ms: i64) -> Result<Vec<Booking>> {
        let c = self.client().await?;
        let rows = query(
            &c,
            "SELECT body FROM bookings WHERE slot_start >= $1 AND slot_start < $2 \
             AND state = $3 AND reminded = 0 ORDER BY slot_start LIMIT 500",
            &[&from_ms, &to_ms, &crate::key(&BookingState::Booked)],
        )
        .await?;
        bodies(&rows, "lịch hẹn")
    }
}
