-- Giao dịch thanh toán trực tuyến: each time a payer is sent to the payment gateway, what was
-- asked (the dossier, the amount, until when) and what became of it. The money itself is a
-- FeePaid event of the dossier, whose reference is the transaction's: this table only follows
-- the attempt, for the callbacks and the status queries.
CREATE TABLE payment_attempts (
    txn_ref    TEXT PRIMARY KEY,
    dossier_id TEXT NOT NULL,
    amount     INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    state      TEXT NOT NULL,      -- pending | paid | failed
    detail     TEXT NOT NULL,      -- the gateway's last word on it
    updated_ms INTEGER NOT NULL
);
CREATE INDEX payment_attempts_open ON payment_attempts (state, created_ms);
CREATE INDEX payment_attempts_dossier ON payment_attempts (dossier_id);
