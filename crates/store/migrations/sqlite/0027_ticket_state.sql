-- Tickets still in the queue (waiting, or called to a counter) are read on every call and by
-- every board: their state gets a column and an index, so a busy day's served tickets are not
-- read again and again.
ALTER TABLE tickets ADD COLUMN state TEXT NOT NULL DEFAULT 'waiting';
UPDATE tickets SET state = json_extract(body, '$.state');
CREATE INDEX tickets_open ON tickets (centre, day, state);
