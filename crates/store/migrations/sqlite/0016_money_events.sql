-- Sổ thu phí, lệ phí: the fee reports and the counter's cash book read the money events of a
-- period (payments, refunds, waivers, receipts issued and cancelled). A partial index keeps
-- them findable by time without costing anything on the other events (an intake writes none).
CREATE INDEX dossier_events_money ON dossier_events (at_ms)
    WHERE kind IN ('fee_paid', 'fee_refunded', 'fee_waived', 'receipt_issued', 'receipt_cancelled');
