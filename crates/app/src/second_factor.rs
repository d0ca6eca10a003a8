//! Xác thực hai bước — a second factor for officers' logins: the six-digit code an
//! authenticator app (Google Authenticator, Microsoft Authenticator, FreeOTP…) shows, a
//! time-based one-time password (TOTP, RFC 6238: HMAC-SHA1 over 30-second steps), set up by
//! scanning a QR code.
//!
//! The roles named by `[session] second_factor_roles` (leaders and administrators unless the
//! configuration says otherwise) must have one: such an officer who has none sets it up at the
//! next login, before any session opens. Any other officer may turn it on. After the password,
//! the login gives a **ticket** instead of a session — signed with the server's key, good for
//! five minutes, naming the officer and what is asked next (the code, or the setup) — and the
//! session opens only when the code is right. A code is taken once (the last step taken is
//! stored, so a code seen over a shoulder or replayed is refused); a wrong code counts as a
//! failed login against the account and the address, and locks the account at the same limit.
//! When the factor is confirmed the officer is shown ten **recovery codes** (mã dự phòng), once:
//! each stands in for the app's code one time, so that a lost phone does not lock the officer
//! out (only hashes are kept; a code used is gone, in the administration log; new ones replace
//! them all). An administrator removes a lost phone's factor, in the administration log.

use chrono::{DateTime, Duration, Utc};
use domain::officer::{Actor, Officer, OfficerId, Role};
use hmac::{Hmac, KeyInit, Mac};
use store::SecondFactor;

use crate::auth::{Session, account_key};
use crate::throttle::Client;
use crate::{Accounts, App, AppError, ErrorKind};

/// Length of a time step, in seconds.
pub const STEP_SECONDS: i64 = 30;
/// Digits of a code.
pub const DIGITS: usize = 6;
/// Bytes of a secret (160 bits, what RFC 4226 recommends for HMAC-SHA1).
const SECRET_BYTES: usize = 20;
/// How long a ticket between the password and the code is good.
const TICKET_MINUTES: i64 = 5;
/// The name authenticator apps show above the code.
const ISSUER: &str = "Một Cửa";
/// How many recovery codes an officer is given.
pub const RECOVERY_CODES: usize = 10;
/// Characters of a recovery code (Crockford's base32: 50 bits).
const RECOVERY_LEN: usize = 10;
/// Crockford's base32 alphabet: no I, L, O, U, so that a code read aloud or copied by hand is
/// not mistaken.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The time step of an instant.
pub fn step_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(STEP_SECONDS)
}

/// The code of a secret at a time step (RFC 4226's dynamic truncation, six digits).
pub fn code_at(secret: &[u8], step: i64) -> u32 {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(&step.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let at = usize::from(h[h.len() - 1] & 0x0f);
    let bin = u32::from_be_bytes([h[at] & 0x7f, h[at + 1], h[at + 2], h[at + 3]]);
    bin % 10u32.pow(DIGITS as u32)
}

/// The step, among the current one and its two neighbours (a phone's clock a little off, a
/// code typed as it changed), whose code `typed` is and which is later than `after`; spaces
/// in what was typed are ignored ("123 456").
pub fn matching_step(secret: &[u8], typed: &str, now_step: i64, after: i64) -> Option<i64> {
    let digits: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() != DIGITS || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let code: u32 = digits.parse().ok()?;
    (now_step - 1..=now_step + 1)
        .filter(|s| *s > after)
        .find(|s| code_at(secret, *s) == code)
}

/// A recovery code as typed, in its one spelling, or `None` when `typed` is not one: spaces
/// and hyphens are ignored, lower case read as upper, and the letters a code never has read as
/// the digits they look like (O as 0, I and L as 1), as Crockford's base32 reads them.
pub fn recovery_form(typed: &str) -> Option<String> {
    let mut form = String::with_capacity(RECOVERY_LEN);
    for c in typed.chars() {
        let c = match c.to_ascii_uppercase() {
            ' ' | '-' | '\t' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !CROCKFORD.contains(&u8::try_from(c).ok()?) || form.len() == RECOVERY_LEN {
            return None;
        }
        form.push(c);
    }
    (form.len() == RECOVERY_LEN).then_some(form)
}

/// What is kept of a recovery code: the SHA-256 of its one spelling, in hex. A code holds 50
/// random bits and is tried against the login's throttle, so a fast hash is enough.
fn recovery_hash(form: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(form.as_bytes()))
}

/// New recovery codes, as shown to the officer (`ABCDE-FGHJK`), with their hashes to keep.
fn new_recovery_codes() -> Result<(Vec<String>, Vec<String>), AppError> {
    let mut bytes = [0u8; RECOVERY_CODES * RECOVERY_LEN];
    getrandom::fill(&mut bytes).map_err(|_| {
        AppError::new(
            ErrorKind::Internal,
            "internal",
            "Không tạo được mã dự phòng.",
        )
    })?;
    let codes: Vec<String> = bytes
        .chunks(RECOVERY_LEN)
        .map(|chunk| {
            // 256 is a multiple of 32: every character is equally likely.
            let form: String = chunk
                .iter()
                .map(|b| char::from(CROCKFORD[usize::from(b % 32)]))
                .collect();
            format!(
                "{}-{}",
                &form[..RECOVERY_LEN / 2],
                &form[RECOVERY_LEN / 2..]
            )
        })
        .collect();
    let hashes = codes
        .iter()
        .filter_map(|c| recovery_form(c))
        .map(|f| recovery_hash(&f))
        .collect();
    Ok((codes, hashes))
}

/// A secret as stored and as the apps read it: base32 without padding.
fn encode(secret: &[u8]) -> String {
    data_encoding::BASE32_NOPAD.encode(secret)
}

/// The bytes of a secret in base32, as stored or as shown in groups of four.
pub fn decode(secret: &str) -> Result<Vec<u8>, AppError> {
    let joined: String = secret.split_whitespace().collect();
    data_encoding::BASE32_NOPAD
        .decode(joined.as_bytes())
        .map_err(|_| AppError::new(ErrorKind::Internal, "internal", "Khóa xác thực bị hỏng."))
}

/// Percent-encoding of a part of the setup address (everything but unreserved characters).
fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// What an officer's authenticator app needs to set the factor up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    /// The secret in base32, in groups of four, for typing it in by hand.
    pub secret: String,
    /// The `otpauth://` address the QR code holds.
    pub uri: String,
}

impl Enrolment {
    fn of(username: &str, secret: &str) -> Self {
        let grouped = secret
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        Enrolment {
            secret: grouped,
            uri: format!(
                "otpauth://totp/{}:{}?secret={secret}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
                percent(ISSUER),
                percent(username),
                percent(ISSUER),
            ),
        }
    }
}

/// What is asked after the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asked {
    /// The code of the factor the officer has.
    Code,
    /// Setting the factor up (the role requires one) and its first code.
    SetUp,
}

impl Asked {
    fn tag(self) -> &'static str {
        match self {
            Asked::Code => "code",
            Asked::SetUp => "setup",
        }
    }
}

/// Vé xác thực — proof that the password was right, for the next step of a login.
#[derive(Debug, Clone)]
pub struct Ticket {
    /// The ticket to send back with the code (signed; not stored).
    pub value: String,
    pub asked: Asked,
    pub officer: Officer,
    pub expires_at: DateTime<Utc>,
    /// What to set up, when that is asked.
    pub enrolment: Option<Enrolment>,
}

/// How a login by password ended.
#[derive(Debug, Clone)]
pub enum LoginStep {
    /// Logged in.
    Session(Session),
    /// The password was right; the code (or the setup) comes next.
    SecondFactor(Ticket),
}

impl LoginStep {
    /// The session, when the login is complete.
    pub fn session(self) -> Option<Session> {
        match self {
            LoginStep::Session(s) => Some(s),
            LoginStep::SecondFactor(_) => None,
        }
    }
}

/// An officer's second factor, as their account page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactorStatus {
    /// Confirmed: the code is asked at each login.
    pub on: bool,
    /// The officer's roles require it (it cannot be turned off).
    pub required: bool,
    /// Recovery codes left unused.
    pub recovery_left: u32,
}

/// A login completed: the session, and the recovery codes to show once when the login set the
/// factor up (none otherwise).
#[derive(Debug, Clone)]
pub struct LoggedIn {
    pub session: Session,
    pub recovery_codes: Vec<String>,
}

impl App {
    /// Whether an officer's roles require a second factor.
    pub fn second_factor_required(&self, officer: &Officer) -> bool {
        officer
            .grants
            .iter()
            .any(|g| self.settings.second_factor_roles.contains(&g.role))
    }

    fn ticket_mac(&self, payload: &str) -> String {
        let mut mac =
            Hmac::<sha2::Sha256>::new_from_slice(&self.keys.access).expect("any key length");
        mac.update(b"second-factor|");
        mac.update(payload.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    fn ticket(&self, officer: Officer, asked: Asked, enrolment: Option<Enrolment>) -> Ticket {
        let expires_at = self.now() + Duration::minutes(TICKET_MINUTES);
        let payload = format!(
            "{}.{}.{}",
            officer.id.0.simple(),
            expires_at.timestamp_millis(),
            asked.tag()
        );
        let value = format!("{payload}.{}", self.ticket_mac(&payload));
        Ticket {
            value,
            asked,
            officer,
            expires_at,
            enrolment,
        }
    }

    /// The officer and what a ticket asks, when it is ours and still good.
    fn read_ticket(&self, value: &str) -> Result<(OfficerId, Asked), AppError> {
        let expired = || {
            AppError::new(
                ErrorKind::Unauthenticated,
                "ticket_expired",
                "Lượt đăng nhập đã quá 5 phút hoặc không hợp lệ: hãy đăng nhập lại bằng mật khẩu.",
            )
        };
        let (payload, mac) = value.rsplit_once('.').ok_or_else(expired)?;
        let expected = self.ticket_mac(payload);
        // Compared in constant time: the MAC is hex of the same length.
        if mac.len() != expected.len()
            || mac
                .bytes()
                .zip(expected.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                != 0
        {
            return Err(expired());
        }
        let mut parts = payload.split('.');
        let (Some(id), Some(until), Some(tag), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(expired());
        };
        let id = uuid::Uuid::try_parse(id).map_err(|_| expired())?;
        let until: i64 = until.parse().map_err(|_| expired())?;
        if self.now().timestamp_millis() > until {
            return Err(expired());
        }
        let asked = match tag {
            "code" => Asked::Code,
            "setup" => Asked::SetUp,
            _ => return Err(expired()),
        };
        Ok((OfficerId(id), asked))
    }

    /// The active officer a good ticket names, and what it asks.
    async fn ticket_holder(&self, value: &str) -> Result<(Officer, Asked), AppError> {
        let (id, asked) = self.read_ticket(value)?;
        let officer = self
            .db
            .officer(id)
            .await?
            .filter(|o| o.active)
            .ok_or_else(AppError::unauthenticated)?;
        Ok((officer, asked))
    }

    /// The secret waiting to be confirmed (the one set up before, so that a page opened again
    /// shows the QR code already scanned), or a new one.
    async fn pending_secret(&self, officer: &Officer) -> Result<Enrolment, AppError> {
        if let Some(sf) = self.db.second_factor(officer.id).await?
            && sf.confirmed_ms.is_none()
        {
            return Ok(Enrolment::of(&officer.username, &sf.secret));
        }
        let mut bytes = [0u8; SECRET_BYTES];
        getrandom::fill(&mut bytes).map_err(|_| {
            AppError::new(
                ErrorKind::Internal,
                "internal",
                "Không tạo được khóa xác thực.",
            )
        })?;
        let secret = encode(&bytes);
        if !self.db.set_up_second_factor(officer.id, &secret).await? {
            return Err(already_on());
        }
        Ok(Enrolment::of(&officer.username, &secret))
    }

    /// Counts a wrong code as a failed login, and says so (or that the account is locked now).
    async fn wrong_code(&self, officer: &Officer, client: &Client) -> AppError {
        let account = account_key("officer", &officer.username);
        match self.login_failure(&account, client).await {
            Err(e) => e,
            Ok(()) => AppError::new(
                ErrorKind::Unauthenticated,
                "bad_code",
                "Mã xác thực không đúng, đã hết hạn hoặc đã dùng. Nhập mã đang hiện trên ứng dụng xác thực (6 chữ số), hoặc một mã dự phòng chưa dùng.",
            ),
        }
    }

    /// An officer's confirmed factor.
    async fn confirmed_factor(&self, officer: &Officer) -> Result<SecondFactor, AppError> {
        self.db
            .second_factor(officer.id)
            .await?
            .filter(|sf| sf.confirmed_ms.is_some())
            .ok_or_else(no_factor)
    }

    /// Checks a code against the officer's confirmed factor `sf` (as just read) and takes it (a
    /// code is good once: the store takes a step only past the last one taken). A recovery code
    /// is taken instead of the app's code, once, in the administration log.
    async fn take_code(
        &self,
        officer: &Officer,
        sf: &SecondFactor,
        typed: &str,
        client: &Client,
    ) -> Result<(), AppError> {
        if let Some(form) = recovery_form(typed) {
            let left = sf.recovery_left.saturating_sub(1);
            let detail = format!("{}, còn {left} mã", officer.username);
            let entry = self.entry(
                &officer.username,
                "dùng mã dự phòng xác thực hai bước",
                &detail,
            );
            let hash = recovery_hash(&form);
            return if self
                .db
                .take_recovery_code(officer.id, &hash, &entry)
                .await?
            {
                Ok(())
            } else {
                Err(self.wrong_code(officer, client).await)
            };
        }
        let secret = decode(&sf.secret)?;
        let now = step_of(self.now());
        match matching_step(&secret, typed, now, sf.last_step) {
            Some(step) if self.db.take_second_factor_step(officer.id, step).await? => Ok(()),
            _ => Err(self.wrong_code(officer, client).await),
        }
    }

    /// Confirms the factor set up with its first code, logged as `actor`'s change; the
    /// recovery codes made with it, to show once.
    async fn confirm(
        &self,
        officer: &Officer,
        typed: &str,
        actor: &str,
        client: &Client,
    ) -> Result<Vec<String>, AppError> {
        let sf = self
            .db
            .second_factor(officer.id)
            .await?
            .ok_or_else(no_factor)?;
        if sf.confirmed_ms.is_some() {
            return Err(already_on());
        }
        let secret = decode(&sf.secret)?;
        let Some(step) = matching_step(&secret, typed, step_of(self.now()), 0) else {
            return Err(self.wrong_code(officer, client).await);
        };
        let entry = self.entry(actor, "bật xác thực hai bước", &officer.username);
        let now_ms = self.now().timestamp_millis();
        let (codes, hashes) = new_recovery_codes()?;
        if self
            .db
            .confirm_second_factor(officer.id, &sf.secret, step, now_ms, &hashes, &entry)
            .await?
        {
            Ok(codes)
        } else {
            // Set up again from another page meanwhile: the code was for the old secret.
            Err(self.wrong_code(officer, client).await)
        }
    }

    /// What follows a right password: the session (the account's failures cleared), or the
    /// ticket for the second factor.
    pub(crate) async fn after_password(
        &self,
        officer: Officer,
        code: Option<&str>,
        client: &Client,
    ) -> Result<LoginStep, AppError> {
        let step = self.second_step(officer, code, client).await?;
        if let LoginStep::Session(s) = &step {
            let account = account_key("officer", &s.officer.username);
            self.db.login_succeeded(&account).await?;
        }
        Ok(step)
    }

    async fn second_step(
        &self,
        officer: Officer,
        code: Option<&str>,
        client: &Client,
    ) -> Result<LoginStep, AppError> {
        // Read once: whether a code is asked, and the factor it is checked against.
        let confirmed = self
            .db
            .second_factor(officer.id)
            .await?
            .filter(|sf| sf.confirmed_ms.is_some());
        if let Some(sf) = confirmed {
            return match code {
                Some(typed) => {
                    self.take_code(&officer, &sf, typed, client).await?;
                    Ok(LoginStep::Session(
                        self.open_officer_session(officer).await?,
                    ))
                }
                None => Ok(LoginStep::SecondFactor(self.ticket(
                    officer,
                    Asked::Code,
                    None,
                ))),
            };
        }
        if self.second_factor_required(&officer) {
            let enrolment = self.pending_secret(&officer).await?;
            return Ok(LoginStep::SecondFactor(self.ticket(
                officer,
                Asked::SetUp,
                Some(enrolment),
            )));
        }
        Ok(LoginStep::Session(
            self.open_officer_session(officer).await?,
        ))
    }
}

impl Accounts<'_> {
    /// The officer behind a ticket and what it asks, with the setup again when that is asked
    /// (to show the QR code again after a wrong code).
    pub async fn ticket(self, value: &str) -> Result<Ticket, AppError> {
        let (officer, asked) = self.app.ticket_holder(value).await?;
        let enrolment = match asked {
            Asked::SetUp => Some(self.app.pending_secret(&officer).await?),
            Asked::Code => None,
        };
        Ok(Ticket {
            value: value.to_string(),
            asked,
            officer,
            expires_at: DateTime::<Utc>::MIN_UTC,
            enrolment,
        })
    }

    /// The second step of a login: the ticket of a right password and the code (of the factor
    /// the officer has, or a recovery code, or the code of the factor just set up, which it
    /// confirms). Opens the session.
    pub async fn finish_login(
        self,
        ticket: &str,
        code: &str,
        client: &Client,
    ) -> Result<LoggedIn, AppError> {
        let limits = self.app.settings.limits;
        let now = self.app.now();
        self.app
            .throttle
            .attempt("login", client, limits.login_per_address, now)?;
        let (officer, asked) = self.app.ticket_holder(ticket).await?;
        let account = account_key("officer", &officer.username);
        if let Some(until) = self
            .app
            .db
            .login_lock(&account, now.timestamp_millis())
            .await?
        {
            return Err(crate::auth::locked(until));
        }
        let recovery_codes = match asked {
            Asked::Code => {
                let sf = self.app.confirmed_factor(&officer).await?;
                self.app.take_code(&officer, &sf, code, client).await?;
                Vec::new()
            }
            Asked::SetUp => {
                let by = officer.username.clone();
                self.app.confirm(&officer, code, &by, client).await?
            }
        };
        self.app.db.login_succeeded(&account).await?;
        let session = self.app.open_officer_session(officer).await?;
        Ok(LoggedIn {
            session,
            recovery_codes,
        })
    }

    /// An officer's own factor: on or not, required or not.
    pub async fn second_factor_status(self, actor: &Actor) -> Result<FactorStatus, AppError> {
        let officer = actor.officer().ok_or_else(AppError::unauthenticated)?;
        let confirmed = self
            .app
            .db
            .second_factor(officer.id)
            .await?
            .filter(|sf| sf.confirmed_ms.is_some());
        Ok(FactorStatus {
            on: confirmed.is_some(),
            required: self.app.second_factor_required(officer),
            recovery_left: confirmed.map_or(0, |sf| sf.recovery_left),
        })
    }

    /// Starts setting up a factor for the logged-in officer: the secret for the app.
    pub async fn set_up_second_factor(self, actor: &Actor) -> Result<Enrolment, AppError> {
        let officer = actor.officer().ok_or_else(AppError::unauthenticated)?;
        self.app.pending_secret(officer).await
    }

    /// Turns the factor set up on, with its first code; the recovery codes, to show once.
    pub async fn confirm_second_factor(
        self,
        actor: &Actor,
        code: &str,
        client: &Client,
    ) -> Result<Vec<String>, AppError> {
        let officer = actor.officer().ok_or_else(AppError::unauthenticated)?;
        self.app
            .confirm(officer, code, &officer.username, client)
            .await
    }

    /// New recovery codes for the logged-in officer, with a current code (or a recovery code):
    /// the ones before are void. The codes, to show once.
    pub async fn new_recovery_codes(
        self,
        actor: &Actor,
        code: &str,
        client: &Client,
    ) -> Result<Vec<String>, AppError> {
        let officer = actor.officer().ok_or_else(AppError::unauthenticated)?;
        let sf = self.app.confirmed_factor(officer).await?;
        self.app.take_code(officer, &sf, code, client).await?;
        let (codes, hashes) = new_recovery_codes()?;
        let entry = self.app.entry(
            &officer.username,
            "tạo mã dự phòng xác thực hai bước mới",
            &officer.username,
        );
        if self
            .app
            .db
            .replace_recovery_codes(officer.id, &hashes, &entry)
            .await?
        {
            Ok(codes)
        } else {
            // Turned off or reset meanwhile.
            Err(no_factor())
        }
    }

    /// Turns the logged-in officer's factor off, with a current code; refused when the
    /// officer's roles require one.
    pub async fn turn_off_second_factor(
        self,
        actor: &Actor,
        code: &str,
        client: &Client,
    ) -> Result<(), AppError> {
        let officer = actor.officer().ok_or_else(AppError::unauthenticated)?;
        if self.app.second_factor_required(officer) {
            return Err(AppError::new(
                ErrorKind::Rule,
                "second_factor_required",
                "Vai trò của tài khoản này bắt buộc xác thực hai bước: không tắt được. Mất điện thoại thì đề nghị quản trị viên đặt lại.",
            ));
        }
        let sf = self.app.confirmed_factor(officer).await?;
        self.app.take_code(officer, &sf, code, client).await?;
        let entry = self.app.entry(
            &officer.username,
            "tắt xác thực hai bước",
            &officer.username,
        );
        self.app.db.remove_second_factor(officer.id, &entry).await?;
        Ok(())
    }

    /// Removes an officer's factor (a lost phone): they set it up again at the next login when
    /// their role requires it. For administrators; logged.
    pub async fn reset_second_factor(self, actor: &Actor, id: OfficerId) -> Result<(), AppError> {
        let admin = self
            .app
            .admin_name(actor, domain::policy::Action::ManageUsers)?;
        let officer = self
            .app
            .db
            .officer(id)
            .await?
            .ok_or_else(|| AppError::not_found("officer_not_found", "Không có cán bộ này."))?;
        let entry = self
            .app
            .entry(&admin, "đặt lại xác thực hai bước", &officer.username);
        if self.app.db.remove_second_factor(id, &entry).await? {
            Ok(())
        } else {
            Err(AppError::not_found(
                "no_second_factor",
                "Tài khoản này chưa bật xác thực hai bước.",
            ))
        }
    }

    /// The officers whose factor is on (the administrators' list shows it).
    pub async fn officers_with_second_factor(
        self,
        actor: &Actor,
    ) -> Result<std::collections::HashSet<OfficerId>, AppError> {
        self.app
            .admin_name(actor, domain::policy::Action::ManageUsers)?;
        Ok(self.app.db.officers_with_second_factor().await?)
    }
}

fn no_factor() -> AppError {
    AppError::new(
        ErrorKind::Rule,
        "no_second_factor",
        "Tài khoản này chưa cài đặt xác thực hai bước.",
    )
}

fn already_on() -> AppError {
    AppError::new(
        ErrorKind::Rule,
        "second_factor_on",
        "Xác thực hai bước của tài khoản này đã bật.",
    )
}

/// The roles that must have a second factor unless the configuration says otherwise.
pub const DEFAULT_ROLES: [Role; 2] = [Role::Leader, Role::Admin];

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 (its 8-digit codes, of which a 6-digit code is the end).
    #[test]
    fn rfc_6238_vectors() {
        let secret = b"12345678901234567890";
        for (time, code) in [
            (59, 287_082),
            (1_111_111_109, 81_804),
            (1_111_111_111, 50_471),
            (1_234_567_890, 5_924),
            (2_000_000_000, 279_037),
            (20_000_000_000, 353_130),
        ] {
            let at = DateTime::from_timestamp(time, 0).unwrap();
            assert_eq!(code_at(secret, step_of(at)), code, "at {time}");
        }
    }

    #[test]
    fn a_code_matches_its_step_and_neighbours_once_taken_never_again() {
        let secret = b"12345678901234567890";
        let step = step_of(DateTime::from_timestamp(1_111_111_109, 0).unwrap());
        assert_eq!(matching_step(secret, "081804", step, 0), Some(step));
        assert_eq!(matching_step(secret, " 081 804 ", step, 0), Some(step));
        // The phone a step behind or ahead.
        assert_eq!(matching_step(secret, "081804", step + 1, 0), Some(step));
        assert_eq!(matching_step(secret, "081804", step - 1, 0), Some(step));
        assert_eq!(matching_step(secret, "081804", step + 2, 0), None);
        // Taken already.
        assert_eq!(matching_step(secret, "081804", step, step), None);
        for bad in ["", "81804", "0818040", "08180a", "０８１８０４"] {
            assert_eq!(matching_step(secret, bad, step, 0), None, "{bad:?}");
        }
    }

    #[test]
    fn recovery_codes_are_random_readable_and_read_back_however_typed() {
        let (codes, hashes) = new_recovery_codes().unwrap();
        assert_eq!(
            (codes.len(), hashes.len()),
            (RECOVERY_CODES, RECOVERY_CODES)
        );
        let distinct: std::collections::HashSet<_> = hashes.iter().collect();
        assert_eq!(distinct.len(), RECOVERY_CODES);
        for (code, hash) in codes.iter().zip(&hashes) {
            assert_eq!(code.len(), 11, "{code}");
            assert_eq!(code.as_bytes()[5], b'-', "{code}");
            let form = recovery_form(code).unwrap();
            assert_eq!(&recovery_hash(&form), hash);
            // However typed: lower case, without the hyphen, spaced.
            let typed = code.to_lowercase().replace('-', " ");
            assert_eq!(recovery_form(&typed).as_deref(), Some(form.as_str()));
        }
        // The letters a code never has, read as the digits they look like.
        assert_eq!(recovery_form("oIl23-45678").as_deref(), Some("0112345678"));
        // Not a recovery code: an app's code, too short or long, a letter it never has.
        for typed in [
            "123456",
            "ABCDE-FGHJ",
            "ABCDE-FGHJKM",
            "ABCDE-FGHJU",
            "ÂBCDE-FGHJK",
            "",
        ] {
            assert_eq!(recovery_form(typed), None, "{typed:?}");
        }
    }

    #[test]
    fn the_setup_address_is_what_authenticator_apps_read() {
        let e = Enrolment::of("lanh.dao", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
        assert_eq!(e.secret, "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP");
        assert_eq!(
            e.uri,
            "otpauth://totp/M%E1%BB%99t%20C%E1%BB%ADa:lanh.dao?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=M%E1%BB%99t%20C%E1%BB%ADa&algorithm=SHA1&digits=6&period=30"
        );
        assert_eq!(
            decode("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").unwrap(),
            b"Hello!\xde\xad\xbe\xefHello!\xde\xad\xbe\xef"
        );
    }
}
