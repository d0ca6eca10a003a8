//! Đăng nhập — officers log in with a password (Argon2id) and get a random session token; only the
//! token's SHA-256 is stored.

use chrono::{DateTime, Duration, Utc};
use domain::officer::{Actor, Officer};
use sha2::{Digest, Sha256};

use store::{SessionOf, SessionTimes};

use crate::Accounts;
use crate::second_factor::LoginStep;
use crate::throttle::Client;
use crate::{App, AppError, ErrorKind};

/// Phiên đăng nhập.
#[derive(Debug, Clone)]
pub struct Session {
    /// Give this to the client once; it is not stored.
    pub token: String,
    pub officer: Officer,
    pub expires_at: DateTime<Utc>,
}

/// A fresh random session token (32 bytes, hex).
pub(crate) fn new_token() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|_| {
        AppError::new(
            ErrorKind::Internal,
            "internal",
            "Không tạo được phiên đăng nhập.",
        )
    })?;
    Ok(hex::encode(bytes))
}

/// SHA-256 of a session token, as stored.
pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The key of an account in the failed-login counters.
pub(crate) fn account_key(kind: &str, name: &str) -> String {
    format!("{kind}:{}", name.trim().to_lowercase())
}

/// What a log line may say of an account: an officer's user name, a citizen's id number masked.
fn loggable(account: &str) -> String {
    match account.strip_prefix("citizen:") {
        // Characters, not bytes, and no control characters (a line break would forge a log
        // line): a number that failed to sign in may be anything typed.
        Some(n) if n.chars().count() > 4 => {
            let shown = || n.chars().filter(|c| !c.is_control());
            let head: String = shown().take(2).collect();
            let tail: String = shown().skip(shown().count().saturating_sub(2)).collect();
            format!("citizen:{head}…{tail}")
        }
        _ => domain::error::shorten(account),
    }
}

impl App {
    /// When a session opened at `created` ends if it is not used after `now`: `idle` minutes
    /// later, but never past `session_hours` after it opened.
    pub(crate) fn session_end(&self, created: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
        let s = &self.settings;
        (now + Duration::minutes(s.session_idle_minutes))
            .min(created + Duration::hours(s.session_hours))
    }

    /// Moves a session's end on after a use, at most once a minute (a write per request would
    /// be wasted). A write that fails — storage read-only or full — leaves the session as it
    /// was: it still works until its current end.
    pub(crate) async fn keep_alive(&self, of: SessionOf, token_hash: &str, times: SessionTimes) {
        let now = self.now();
        let created = DateTime::from_timestamp_millis(times.created_ms).unwrap_or(now);
        let end = self.session_end(created, now).timestamp_millis();
        if end - times.expires_ms < 60_000 {
            return;
        }
        if let Err(e) = self
            .db
            .extend_session(of, token_hash, now.timestamp_millis(), end)
            .await
        {
            tracing::debug!(error = %e, "session not extended");
        }
    }

    /// Checks a login against the limits and the account's lock, verifies the password (or a
    /// decoy, for an account that does not exist: both take the same time), and counts a
    /// failure against the address and the account, locking it at the limit. `hash` is `None`
    /// when there is no such (active) account. The caller clears the account's failures once
    /// the whole login succeeded.
    pub(crate) async fn check_login(
        &self,
        account: &str,
        hash: Option<&str>,
        password: &str,
        client: &Client,
    ) -> Result<(), AppError> {
        let limits = self.settings.limits;
        let now = self.now();
        self.throttle
            .attempt("login", client, limits.login_per_address, now)?;
        self.throttle.check_client_failures(
            "login-failed",
            client,
            limits.login_failures_per_address,
            now,
        )?;
        if let Some(until) = self.db.login_lock(account, now.timestamp_millis()).await? {
            return Err(locked(until));
        }
        // A right password does not clear the failures yet: a login that asks a second factor
        // next clears them only when its code is right (or guessing codes, each time with the
        // password, would never lock the account). The caller clears them when it is done.
        if self.passwords.verify(hash, password).await? {
            return Ok(());
        }
        self.login_failure(account, client).await?;
        Err(AppError::new(
            ErrorKind::Unauthenticated,
            "bad_credentials",
            if account.starts_with("citizen:") {
                "Sai số định danh hoặc mật khẩu."
            } else {
                "Sai tên đăng nhập hoặc mật khẩu."
            },
        ))
    }

    /// Counts a failed login (a wrong password or second-factor code) against the address and
    /// the account; the account's lock, as a refusal, when this failure locked it.
    pub(crate) async fn login_failure(
        &self,
        account: &str,
        client: &Client,
    ) -> Result<(), AppError> {
        let limits = self.settings.limits;
        let now = self.now();
        self.throttle.client_failed(
            "login-failed",
            client,
            limits.login_failures_per_address,
            now,
        );
        let rate = limits.login_failures_per_account;
        let lock = self
            .db
            .login_failed(
                account,
                now.timestamp_millis(),
                (now - rate.window).timestamp_millis(),
                i64::from(rate.max),
                (now + limits.account_lock).timestamp_millis(),
            )
            .await?;
        tracing::warn!(
            account = %loggable(account),
            client = ?client.ip,
            locked = lock.is_some(),
            "failed login"
        );
        match lock {
            Some(until) => Err(locked(until)),
            None => Ok(()),
        }
    }

    /// Opens a session for an officer whose login is complete.
    pub(crate) async fn open_officer_session(&self, officer: Officer) -> Result<Session, AppError> {
        let token = new_token()?;
        let now = self.now();
        let expires_at = self.session_end(now, now);
        self.db
            .open_session(
                &token_hash(&token),
                officer.id,
                now.timestamp_millis(),
                expires_at.timestamp_millis(),
            )
            .await?;
        Ok(Session {
            token,
            officer,
            expires_at,
        })
    }
}

impl Accounts<'_> {
    /// Hashes an officer's new password (Argon2id on the bounded hashing threads), once it
    /// meets the officers' policy.
    pub async fn hash_officer_password(
        self,
        password: &str,
        username: &str,
    ) -> Result<String, AppError> {
        self.app
            .settings
            .officer_passwords
            .check(password, username)?;
        self.app.passwords.hash(password).await
    }

    /// Hashes a citizen's new password, once it meets the citizens' policy.
    pub async fn hash_citizen_password(
        self,
        password: &str,
        id_number: &str,
    ) -> Result<String, AppError> {
        crate::passwords::PasswordPolicy::CITIZEN.check(password, id_number)?;
        self.app.passwords.hash(password).await
    }

    /// Creates an officer account.
    pub async fn add_officer(self, officer: &Officer, password: &str) -> Result<(), AppError> {
        let hash = self
            .hash_officer_password(password, officer.username.as_str())
            .await?;
        self.app.db.add_officer(officer, &hash, None).await?;
        Ok(())
    }

    /// Logs an officer in. The message does not say which of the two was wrong, and an unknown
    /// name takes as long as a wrong password. An officer with a second factor gives its code
    /// in `code`, or gets a ticket to give it with ([`crate::second_factor`]).
    pub async fn login(
        self,
        username: &str,
        password: &str,
        code: Option<&str>,
        client: &Client,
    ) -> Result<LoginStep, AppError> {
        let account = account_key("officer", username);
        let found = self.app.db.officer_by_username(username.trim()).await?;
        let hash = found
            .as_ref()
            .filter(|(o, _)| o.active)
            .map(|(_, h)| h.as_str());
        self.app
            .check_login(&account, hash, password, client)
            .await?;
        let Some((officer, _)) = found else {
            return Err(AppError::unauthenticated());
        };
        self.app.after_password(officer, code, client).await
    }

    /// Sweeps what has expired: sessions, idempotency keys past their time, finished throttle
    /// windows. Returns the rows removed.
    pub async fn housekeeping(self) -> Result<u64, AppError> {
        let now = self.app.now();
        self.app.throttle.sweep(now);
        let keys_before = now - Duration::hours(self.app.settings.idempotency_hours);
        Ok(self
            .app
            .db
            .purge_expired(now.timestamp_millis(), keys_before.timestamp_millis())
            .await?)
    }

    /// Accounts locked after failed logins (for the administrators).
    pub async fn locked_accounts(
        self,
        actor: &Actor,
    ) -> Result<Vec<store::LockedAccount>, AppError> {
        domain::policy::authorize(
            actor,
            domain::policy::Action::ManageUsers,
            None,
            &self.app.agencies(),
        )?;
        Ok(self
            .app
            .db
            .locked_accounts(self.app.now().timestamp_millis())
            .await?)
    }

    /// Lifts the lock of an account (`officer:<user name>` or `citizen:<id number>`), logged.
    pub async fn unlock_account(self, actor: &Actor, account: &str) -> Result<(), AppError> {
        let admin = self
            .app
            .admin_name(actor, domain::policy::Action::ManageUsers)?;
        let detail = loggable(account);
        let entry = self.app.entry(&admin, "mở khóa đăng nhập", &detail);
        if self.app.db.unlock_account(account, &entry).await? {
            Ok(())
        } else {
            Err(AppError::not_found(
                "not_locked",
                "Tài khoản này không bị khóa đăng nhập.",
            ))
        }
    }

    /// The officer behind a session token (its end moved on: it was used).
    pub async fn actor(self, token: &str) -> Result<Actor, AppError> {
        let hash = token_hash(token);
        let (officer, times) = self
            .app
            .db
            .session_officer(&hash, self.app.now().timestamp_millis())
            .await?
            .ok_or_else(AppError::unauthenticated)?;
        self.app.keep_alive(SessionOf::Officer, &hash, times).await;
        Ok(Actor::Officer(officer))
    }

    /// The officer or citizen behind a browser session.
    pub async fn visitor(self, token: &str) -> Result<Actor, AppError> {
        match self.actor(token).await {
            Err(e) if e.kind == ErrorKind::Unauthenticated => {
                self.app.citizens().citizen_actor(token).await
            }
            other => other,
        }
    }

    /// Ends a session (an officer's or a citizen's).
    pub async fn logout(self, token: &str) -> Result<(), AppError> {
        let hash = token_hash(token);
        if !self.app.db.close_session(&hash).await? {
            self.app.db.close_citizen_session(&hash).await?;
        }
        Ok(())
    }
}

/// The refusal of a locked account, saying until when.
pub(crate) fn locked(until_ms: i64) -> AppError {
    let until = DateTime::from_timestamp_millis(until_ms).unwrap_or_default();
    AppError::new(
        ErrorKind::TooMany,
        "account_locked",
        format!(
            "Tài khoản tạm khóa do đăng nhập sai nhiều lần, đến {}. Thử lại sau thời điểm đó hoặc đề nghị quản trị viên mở khóa.",
            lich::time::to_vn(&until).format("%H:%M %d/%m/%Y")
        ),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_logged_account_shows_two_characters_at_each_end_whatever_was_typed() {
        assert_eq!(super::loggable("citizen:001204000123"), "citizen:00…23");
        // Found by schemathesis: a typed "number" of multi-byte characters cut a character in
        // two and the sign-in answered 500.
        assert_eq!(super::loggable("citizen:%ĕwv𞉉¯"), "citizen:%ĕ…𞉉¯");
        assert_eq!(super::loggable("citizen:ĕĕĕĕ"), "citizen:ĕĕĕĕ");
        assert_eq!(super::loggable("citizen:12\n34\r56"), "citizen:12…56");
    }
}
