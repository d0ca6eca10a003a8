//! Truy cập — the data of what guards the doors: idempotency keys of creating requests, and
//! accounts locked after failed logins.

/// A key sent with a creating request (`Idempotency-Key`), with who sent it and a hash of the
/// request, so a retry is recognised and a reuse for another request refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    /// Who sent it (`officer:<id>`, `citizen:<id number>`): keys of different senders never meet.
    pub scope: String,
    pub key: String,
    pub request_hash: String,
}

/// What a key was first used for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotentResult {
    pub request_hash: String,
    /// The dossier created.
    pub dossier: Option<uuid::Uuid>,
    /// The record created, as JSON (requests that create something else).
    pub result: Option<String>,
}

/// An account locked after failed logins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedAccount {
    /// `officer:<username>` or `citizen:<id number>`.
    pub account: String,
    pub failures: i64,
    pub locked_until_ms: i64,
}
