//! Hàng đợi on SQLite.

use domain::queue::{Booking, BookingRules, BookingState, ServiceArea, Ticket};
use rusqlite::{OptionalExtension, params};

use super::{Sqlite, insert_error};
use crate::queue::{OpenCounter, QueueStore, TicketEvent};
use crate::{NewMessage, Result, StoreError};

fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn parse<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn append(c: &rusqlite::Connection, t: &Ticket, e: &TicketEvent) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO ticket_events (ticket, seq, at_ms, by_whom, change) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        t.id.as_bytes().to_vec(),
        t.version,
        e.at_ms,
        e.by,
        json(&e.change)?
    ])
    .map_err(|e| insert_error(e, "thay đổi số thứ tự"))?;
    Ok(())
}

fn tickets(rows: rusqlite::Rows<'_>) -> Result<Vec<Ticket>> {
    rows.mapped(|r| r.get::<_, String>(0))
        .map(|b| parse(&b?, "số thứ tự"))
        .collect()
}

#[async_trait::async_trait]
impl QueueStore for Sqlite {
    async fn queue_areas(&self, centre: &str) -> Result<Vec<ServiceArea>> {
        self.read(|c| {
            let text: Option<String> = c
                .prepare_cached("SELECT areas FROM queue_areas WHERE centre = ?1")?
                .query_row([centre], |r| r.get(0))
                .optional()?;
            text.map_or(Ok(Vec::new()), |t| parse(&t, "khu vực dịch vụ"))
        })
    }

    async fn set_queue_areas(&self, centre: &str, areas: &[ServiceArea]) -> Result<()> {
        let (centre, text) = (centre.to_string(), json(&areas)?);
        self.write_all(move |c| {
            c.prepare_cached(
                "INSERT INTO queue_areas (centre, areas) VALUES (?1, ?2) \
                 ON CONFLICT (centre) DO UPDATE SET areas = excluded.areas",
            )?
            .execute(params![centre, text])?;
            Ok(())
        })
        .await
    }

    async fn issue_ticket(&self, ticket: &Ticket, event: &TicketEvent) -> Result<Ticket> {
        let (ticket, event) = (ticket.clone(), event.clone());
        self.write_all(move |c| {
            let day = ticket.day.to_string();
            let last: Option<u32> = c
                .prepare_cached("SELECT MAX(number) FROM tickets WHERE centre = ?1 AND day = ?2")?
                .query_row(params![ticket.centre, day], |r| r.get(0))?;
            let mut t = ticket.clone();
            t.number = last.unwrap_or(0) + 1;
            c.prepare_cached(
                "INSERT INTO tickets (id, centre, day, number, version, state, body) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                t.id.as_bytes().to_vec(),
                t.centre,
                day,
                t.number,
                t.version,
                crate::key(&t.state),
                json(&t)?
            ])
            .map_err(|e| insert_error(e, "số thứ tự"))?;
            append(c, &t, &event)?;
            Ok(t)
        })
        .await
    }

    async fn update_ticket(&self, ticket: &Ticket, event: &TicketEvent) -> Result<()> {
        let (ticket, event) = (ticket.clone(), event.clone());
        self.write_all(move |c| {
            let expected = ticket.version.saturating_sub(1);
            let n = c
                .prepare_cached(
                    "UPDATE tickets SET version = ?1, state = ?2, body = ?3 \
                     WHERE id = ?4 AND version = ?5",
                )?
                .execute(params![
                    ticket.version,
                    crate::key(&ticket.state),
                    json(&ticket)?,
                    ticket.id.as_bytes().to_vec(),
                    expected
                ])?;
            if n != 1 {
                return Err(StoreError::Conflict {
                    expected: u64::from(expected),
                });
            }
            append(c, &ticket, &event)
        })
        .await
    }

    async fn ticket(&self, id: uuid::Uuid) -> Result<Option<Ticket>> {
        self.read(|c| {
            let body: Option<String> = c
                .prepare_cached("SELECT body FROM tickets WHERE id = ?1")?
                .query_row([id.as_bytes().to_vec()], |r| r.get(0))
                .optional()?;
            body.map(|b| parse(&b, "số thứ tự")).transpose()
        })
    }

    async fn open_tickets(&self, centre: &str, day: chrono::NaiveDate) -> Result<Vec<Ticket>> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT body FROM tickets WHERE centre = ?1 AND day = ?2 \
                 AND state IN ('waiting', 'called') ORDER BY number",
            )?;
            tickets(st.query(params![centre, day.to_string()])?)
        })
    }

    async fn tickets_between(
        &self,
        centres: &[String],
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Vec<Ticket>> {
        let (centres, from, to) = (centres.to_vec(), from.to_string(), to.to_string());
        self.read_blocking(move |c| {
            let mut st = c.prepare_cached(
                "SELECT body FROM tickets WHERE centre = ?1 AND day BETWEEN ?2 AND ?3 \
                 ORDER BY day, number",
            )?;
            let mut out = Vec::new();
            for centre in &centres {
                out.extend(tickets(st.query(params![centre, from, to])?)?);
            }
            Ok(out)
        })
        .await
    }

    async fn ticket_events(&self, id: uuid::Uuid) -> Result<Vec<TicketEvent>> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT at_ms, by_whom, change FROM ticket_events WHERE ticket = ?1 ORDER BY seq",
            )?;
            let rows = st.query_map([id.as_bytes().to_vec()], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?;
            rows.map(|r| {
                let (at_ms, by, change) = r?;
                Ok(TicketEvent {
                    at_ms,
                    by,
                    change: parse(&change, "thay đổi số thứ tự")?,
                })
            })
            .collect()
        })
    }

    async fn open_counter(&self, counter: &OpenCounter) -> Result<()> {
        let (centre, number, body) = (counter.centre.clone(), counter.number, json(counter)?);
        self.write_all(move |c| {
            c.prepare_cached(
                "INSERT INTO queue_counters (centre, number, body) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (centre, number) DO UPDATE SET body = excluded.body",
            )?
            .execute(params![centre, number, body])?;
            Ok(())
        })
        .await
    }

    async fn close_counter(&self, centre: &str, number: u16) -> Result<()> {
        let centre = centre.to_string();
        self.write_all(move |c| {
            c.prepare_cached("DELETE FROM queue_counters WHERE centre = ?1 AND number = ?2")?
                .execute(params![centre, number])?;
            Ok(())
        })
        .await
    }

    async fn booking_rules(&self, centre: &str) -> Result<Option<BookingRules>> {
        self.read(|c| {
            let text: Option<String> = c
                .prepare_cached("SELECT rules FROM booking_rules WHERE centre = ?1")?
                .query_row([centre], |r| r.get(0))
                .optional()?;
            text.map(|t| parse(&t, "quy tắc đặt lịch")).transpose()
        })
    }

    async fn set_booking_rules(&self, centre: &str, rules: &BookingRules) -> Result<()> {
        let (centre, text) = (centre.to_string(), json(rules)?);
        self.write_all(move |c| {
            c.prepare_cached(
                "INSERT INTO booking_rules (centre, rules) VALUES (?1, ?2) \
                 ON CONFLICT (centre) DO UPDATE SET rules = excluded.rules",
            )?
            .execute(params![centre, text])?;
            Ok(())
        })
        .await
    }

    async fn add_booking(&self, booking: &Booking, per_slot: u16) -> Result<()> {
        let b = booking.clone();
        self.write_all(move |c| {
            let taken: i64 = c
                .prepare_cached(
                    "SELECT COUNT(*) FROM bookings WHERE centre = ?1 AND area = ?2 \
                     AND slot_start = ?3 AND state != 'cancelled'",
                )?
                .query_row(
                    params![b.centre, b.area, b.slot_start.timestamp_millis()],
                    |r| r.get(0),
                )?;
            if taken >= i64::from(per_slot) {
                return Err(StoreError::Duplicate("khung giờ đã đủ lịch hẹn".into()));
            }
            c.prepare_cached(
                "INSERT INTO bookings (id, code, centre, area, slot_start, citizen, state, \
                 reminded, version, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                b.id.as_bytes().to_vec(),
                b.code,
                b.centre,
                b.area,
                b.slot_start.timestamp_millis(),
                b.citizen,
                crate::key(&b.state),
                b.reminded,
                b.version,
                json(&b)?
            ])
            .map_err(|e| insert_error(e, "mã lịch hẹn"))?;
            Ok(())
        })
        .await
    }

    async fn update_booking(
        &self,
        booking: &Booking,
        messages: &[NewMessage],
        now_ms: i64,
    ) -> Result<()> {
        let (b, messages) = (booking.clone(), messages.to_vec());
        self.write_all(move |c| {
            let expected = b.version.saturating_sub(1);
            let n = c
                .prepare_cached(
                    "UPDATE bookings SET state = ?1, reminded = ?2, version = ?3, body = ?4 \
                     WHERE id = ?5 AND version = ?6",
                )?
                .execute(params![
                    crate::key(&b.state),
                    b.reminded,
                    b.version,
                    json(&b)?,
                    b.id.as_bytes().to_vec(),
                    expected
                ])?;
            if n != 1 {
                return Err(StoreError::Conflict {
                    expected: u64::from(expected),
                });
            }
            super::outbox::enqueue_on(c, &messages, super::from_ms(now_ms))?;
            Ok(())
        })
        .await
    }

    async fn booking_by_code(&self, code: &str) -> Result<Option<Booking>> {
        self.read(|c| {
            let body: Option<String> = c
                .prepare_cached("SELECT body FROM bookings WHERE code = ?1")?
                .query_row([code], |r| r.get(0))
                .optional()?;
            body.map(|b| parse(&b, "lịch hẹn")).transpose()
        })
    }

    async fn bookings_between(
        &self,
        centre: &str,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<Booking>> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT body FROM bookings WHERE centre = ?1 AND slot_start >= ?2 \
                 AND slot_start < ?3 ORDER BY slot_start",
            )?;
            let rows = st.query_map(params![centre, from_ms, to_ms], |r| r.get::<_, String>(0))?;
            rows.map(|b| parse(&b?, "lịch hẹn")).collect()
        })
    }

    async fn bookings_of(&self, citizen: &str) -> Result<Vec<Booking>> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT body FROM bookings WHERE citizen = ?1 ORDER BY slot_start DESC LIMIT 50",
            )?;
            let rows = st.query_map([citizen], |r| r.get::<_, String>(0))?;
            rows.map(|b| parse(&b?, "lịch hẹn")).collect()
        })
    }

    async fn bookings_to_remind(&self, from_ms: i64, to_ms: i64) -> Result<Vec<Booking>> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT body FROM bookings WHERE slot_start >= ?1 AND slot_start < ?2 \
                 AND state = ?3 AND reminded = 0 ORDER BY slot_start LIMIT 500",
            )?;
            let rows = st.query_map(
                params![from_ms, to_ms, crate::key(&BookingState::Booked)],
                |r| r.get::<_, String>(0),
            )?;
            rows.map(|b| parse(&b?, "lịch hẹn")).collect()
        })
    }

    async fn open_counters(&self, centre: &str) -> Result<Vec<OpenCounter>> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT body FROM queue_counters WHERE centre = ?1 ORDER BY number",
            )?;
            let rows = st.query_map([centre], |r| r.get::<_, String>(0))?;
            rows.map(|b| parse(&b?, "quầy")).collect()
        })
    }
}
