//! Tài khoản — officers with their role grants, citizens' portal accounts and the dossiers each
//! may see, login sessions (only a hash of each token is kept, so a stolen database gives no
//! working token), ratings (kept without the rater's identity), failed logins and the locks
//! they cause, and the server's secrets.

use domain::dossier::Fact;
use domain::officer::{Officer, OfficerId};

use crate::{DossierRow, LockedAccount, LogEntry, Result};

/// A citizen's account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitizenAccount {
    pub id_number: String,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// Một lần tra cứu CSDL quốc gia về dân cư: who looked up which number when, and digests of
/// the name and address it returned (the record itself is not kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PopulationLookupRow {
    /// The database's reference (MaCSDL).
    pub reference: String,
    pub id_number: String,
    /// The officer's username.
    pub officer: String,
    pub at_ms: i64,
    pub name_digest: String,
    pub address_digest: String,
}

/// Đăng ký chờ xác nhận — a registration waiting for the code sent to the citizen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingRegistration {
    pub account: CitizenAccount,
    pub password_hash: String,
    pub code_hash: String,
    /// `sms` or `email`: where the code went.
    pub channel: String,
    pub created_ms: i64,
    pub expires_ms: i64,
    pub attempts: u32,
}

/// A sign-in with an identity provider under way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInState {
    pub state_hash: String,
    pub nonce: String,
    pub verifier: String,
    pub created_ms: i64,
}

/// A rating as stored: which dossier and centre, when, satisfied or not, the answers (JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRating {
    pub dossier: uuid::Uuid,
    pub receiving: String,
    pub rated_ms: i64,
    pub satisfied: bool,
    pub answers: String,
    pub comment: String,
}

/// An officer account to create: the officer, the password hash and the e-mail.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub officer: Officer,
    pub password_hash: String,
    pub email: Option<String>,
}

/// Xác thực hai bước — an officer's second factor as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecondFactor {
    /// The shared secret, base32 (as authenticator apps read it).
    pub secret: String,
    /// When the officer confirmed it with a first code; none while it is only set up.
    pub confirmed_ms: Option<i64>,
    /// The last time step a code was taken for (0: none yet).
    pub last_step: i64,
    /// Mã dự phòng — how many recovery codes are left unused.
    pub recovery_left: u32,
}

/// When a session began and when it ends unless it is used again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTimes {
    pub created_ms: i64,
    pub expires_ms: i64,
}

/// Whose sessions: an officer's or a citizen's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionOf {
    Officer,
    Citizen,
}

impl SessionOf {
    pub(crate) fn table(self) -> &'static str {
        match self {
            SessionOf::Officer => "sessions",
            SessionOf::Citizen => "citizen_sessions",
        }
    }
}

/// Accounts and their sessions.
#[async_trait::async_trait]
pub trait AccountStore: Send + Sync {
    // ---- officers ------------------------------------------------------------------------

    /// Creates an officer with a password hash, and the log line when given; a second account
    /// with the same user name is a [`crate::StoreError::Duplicate`].
    async fn add_officer(
        &self,
        o: &Officer,
        password_hash: &str,
        log: Option<&LogEntry<'_>>,
    ) -> Result<()>;

    /// Creates many officers at once, each with a password hash and an optional e-mail, and one
    /// log line, in one transaction: a duplicate user name writes none of them.
    async fn add_officers(&self, officers: &[NewAccount], log: &LogEntry<'_>) -> Result<()>;

    /// An officer and the password hash, by user name.
    async fn officer_by_username(&self, username: &str) -> Result<Option<(Officer, String)>>;

    async fn officer(&self, id: OfficerId) -> Result<Option<Officer>>;

    /// Active officers holding a role in one of the agencies, by user name.
    async fn officers_in(&self, agencies: &[String]) -> Result<Vec<Officer>>;

    /// Every officer, by user name.
    async fn officers(&self) -> Result<Vec<Officer>>;

    /// The e-mail addresses officers have (for the daily digest), by officer.
    async fn officer_emails(&self) -> Result<std::collections::HashMap<OfficerId, String>>;

    /// Sets or clears an officer's e-mail, with its log line. False when there is no such
    /// officer (nothing written).
    async fn set_officer_email(
        &self,
        id: OfficerId,
        email: Option<&str>,
        entry: &LogEntry<'_>,
    ) -> Result<bool>;

    /// Replaces an officer's record (name, title, active, roles; the user name stays), ends the
    /// sessions of an officer made inactive, with the log line.
    async fn update_officer(&self, o: &Officer, entry: &LogEntry<'_>) -> Result<()>;

    /// Sets a new password hash and ends the officer's sessions, with the log line.
    async fn set_password(
        &self,
        id: OfficerId,
        password_hash: &str,
        entry: &LogEntry<'_>,
    ) -> Result<()>;

    // ---- second factor ---------------------------------------------------------------------

    /// An officer's second factor, confirmed or only set up; none when there is none.
    async fn second_factor(&self, id: OfficerId) -> Result<Option<SecondFactor>>;

    /// The officers whose second factor is confirmed (asked at each login).
    async fn officers_with_second_factor(&self) -> Result<std::collections::HashSet<OfficerId>>;

    /// Sets up a new, unconfirmed secret for an officer (replacing one not confirmed). False,
    /// and nothing written, when the officer has a confirmed one or does not exist.
    async fn set_up_second_factor(&self, id: OfficerId, secret: &str) -> Result<bool>;

    /// Confirms the secret set up, the code of `step` having been checked against it, with the
    /// log line. False, and nothing written, when `secret` is not the one set up and waiting
    /// (another setup replaced it, or it is confirmed already).
    /// The recovery codes (their hashes, `recovery`) are stored with it, replacing any.
    async fn confirm_second_factor(
        &self,
        id: OfficerId,
        secret: &str,
        step: i64,
        now_ms: i64,
        recovery: &[String],
        entry: &LogEntry<'_>,
    ) -> Result<bool>;

    /// Replaces an officer's recovery codes (their hashes) with new ones, with the log line.
    /// False, and nothing written, when the officer has no confirmed second factor.
    async fn replace_recovery_codes(
        &self,
        id: OfficerId,
        recovery: &[String],
        entry: &LogEntry<'_>,
    ) -> Result<bool>;

    /// Takes the recovery code of hash `hash`, with the log line: true once, false when the
    /// officer has no such code unused (a code is good once).
    async fn take_recovery_code(
        &self,
        id: OfficerId,
        hash: &str,
        entry: &LogEntry<'_>,
    ) -> Result<bool>;

    /// Takes the code of time step `step` of a confirmed second factor: true once, false when a
    /// code of this step or a later one was taken already (a code is good once) or there is no
    /// confirmed factor.
    async fn take_second_factor_step(&self, id: OfficerId, step: i64) -> Result<bool>;

    /// Removes an officer's second factor and its recovery codes (turned off, or reset by an
    /// administrator when the phone is lost), with the log line. False, and nothing written,
    /// when there is none.
    async fn remove_second_factor(&self, id: OfficerId, entry: &LogEntry<'_>) -> Result<bool>;

    /// Opens a session for an officer until `expires_ms`.
    async fn open_session(
        &self,
        token_hash: &str,
        officer: OfficerId,
        now_ms: i64,
        expires_ms: i64,
    ) -> Result<()>;

    /// The active officer of a live session, and its times.
    async fn session_officer(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<Option<(Officer, SessionTimes)>>;

    /// Moves the end of a live session later, to `expires_ms` (a session that has ended, or
    /// already ends later, is left as it is).
    async fn extend_session(
        &self,
        of: SessionOf,
        token_hash: &str,
        now_ms: i64,
        expires_ms: i64,
    ) -> Result<()>;

    /// Ends a session; true if there was one.
    async fn close_session(&self, token_hash: &str) -> Result<bool>;

    // ---- citizens ------------------------------------------------------------------------

    /// Creates a citizen account; a second account for the same id number is a duplicate.
    async fn add_citizen(&self, c: &CitizenAccount, password_hash: &str, now_ms: i64)
    -> Result<()>;

    /// A citizen and the password hash, by id number.
    async fn citizen(&self, id_number: &str) -> Result<Option<(CitizenAccount, String)>>;

    /// The first few citizen accounts (the demo's, shown on its login page).
    async fn some_citizens(&self, limit: i64) -> Result<Vec<CitizenAccount>>;

    /// Opens a session; `identity` names the provider that proved the citizen's id number
    /// (none: a password).
    async fn open_citizen_session(
        &self,
        token_hash: &str,
        id_number: &str,
        now_ms: i64,
        expires_ms: i64,
        identity: Option<&str>,
    ) -> Result<()>;

    /// The citizen of a live session, the provider that proved their identity, and its times.
    async fn session_citizen(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<Option<(CitizenAccount, Option<String>, SessionTimes)>>;

    /// Starts (or starts again) a registration waiting for its code, and enqueues the message
    /// carrying the code, in one transaction. A number that has an account already is a
    /// duplicate.
    async fn start_registration(
        &self,
        r: &PendingRegistration,
        message: &crate::NewMessage,
    ) -> Result<()>;

    /// The registration waiting for a number's code.
    async fn registration(&self, id_number: &str) -> Result<Option<PendingRegistration>>;

    /// Counts a wrong code; returns the attempts so far.
    async fn registration_failed(&self, id_number: &str) -> Result<u32>;

    /// Drops a registration (expired, or too many wrong codes).
    async fn drop_registration(&self, id_number: &str) -> Result<()>;

    /// Turns a confirmed registration into the account, in one transaction.
    async fn finish_registration(&self, id_number: &str, now_ms: i64) -> Result<CitizenAccount>;

    /// Records a population-database lookup; the same reference twice is a duplicate.
    async fn record_population_lookup(&self, l: &PopulationLookupRow) -> Result<()>;

    /// A lookup by its reference.
    async fn population_lookup(&self, reference: &str) -> Result<Option<PopulationLookupRow>>;

    /// Keeps a sign-in under way (its state hashed).
    async fn put_sign_in_state(&self, s: &SignInState) -> Result<()>;

    /// Takes a sign-in under way, once: it is gone afterwards. None when unknown, used, or made
    /// before `not_before_ms`.
    async fn take_sign_in_state(
        &self,
        state_hash: &str,
        not_before_ms: i64,
    ) -> Result<Option<SignInState>>;

    async fn close_citizen_session(&self, token_hash: &str) -> Result<bool>;

    /// Gives a citizen's account a dossier to see and act on (`how`: `submitted`, `receipt`);
    /// linking twice changes nothing.
    async fn link_citizen_dossier(
        &self,
        id_number: &str,
        dossier: uuid::Uuid,
        how: &str,
        now_ms: i64,
    ) -> Result<()>;

    /// Whether a citizen's account has this dossier.
    async fn citizen_has_dossier(&self, id_number: &str, dossier: uuid::Uuid) -> Result<bool>;

    /// The dossiers of a citizen's account, most recently registered first.
    async fn citizen_dossier_rows(&self, id_number: &str, limit: i64) -> Result<Vec<DossierRow>>;

    // ---- ratings -------------------------------------------------------------------------

    /// Keeps a rating with what it adds to the report counters, in one transaction; a dossier
    /// is rated once (a second rating is a duplicate).
    async fn put_rating(&self, r: &StoredRating, counts: &[(Fact, i64)]) -> Result<()>;

    /// Every rating: the dossier and whether the applicant was satisfied (for a rebuild of the
    /// counters).
    async fn ratings_by_dossier(&self) -> Result<Vec<(uuid::Uuid, bool)>>;

    /// Whether a dossier has been rated: `Some(satisfied)`, or `None` when not rated.
    async fn rating_of(&self, dossier: uuid::Uuid) -> Result<Option<bool>>;

    // ---- failed logins, secrets, sweeping --------------------------------------------------

    /// Counts a failed login of `account` (failures before `window_start_ms` are forgotten);
    /// at `threshold` consecutive failures the account is locked until `lock_until_ms`. Returns
    /// the lock, if the account is locked now.
    async fn login_failed(
        &self,
        account: &str,
        now_ms: i64,
        window_start_ms: i64,
        threshold: i64,
        lock_until_ms: i64,
    ) -> Result<Option<i64>>;

    /// Until when an account is locked (none when it is not locked now).
    async fn login_lock(&self, account: &str, now_ms: i64) -> Result<Option<i64>>;

    /// A successful login clears the failures counted against the account.
    async fn login_succeeded(&self, account: &str) -> Result<()>;

    /// Accounts locked now, the latest lock first.
    async fn locked_accounts(&self, now_ms: i64) -> Result<Vec<LockedAccount>>;

    /// Lifts an account's lock, with its log line; false when it was not locked.
    async fn unlock_account(&self, account: &str, entry: &LogEntry<'_>) -> Result<bool>;

    /// The secret named `name`, made from `candidate` the first time it is asked for (several
    /// servers on one database agree on the first one written).
    async fn server_key(&self, name: &str, candidate: &[u8], now_ms: i64) -> Result<Vec<u8>>;

    /// Sweeps what has expired: sessions past their end, idempotency keys older than
    /// `keys_before_ms`, failures of accounts neither locked nor failing since then. Returns the
    /// number of rows removed.
    async fn purge_expired(&self, now_ms: i64, keys_before_ms: i64) -> Result<u64>;
}
