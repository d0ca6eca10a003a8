//! Đăng nhập — officers log in with a password (Argon2id) and get a random session token; only the
//! token's SHA-256 is stored.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{DateTime, Duration, Utc};
use domain::officer::{Actor, Officer};
use sha2::{Digest, Sha256};

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

impl App {
    fn argon2(&self) -> Argon2<'static> {
        let params = Params::new(self.settings.password_memory_kib, 2, 1, None)
            .expect("valid Argon2 parameters");
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }

    /// Hashes a password (PHC string).
    pub fn hash_password(&self, password: &str) -> Result<String, AppError> {
        if password.chars().count() < 8 {
            return Err(AppError::invalid(
                "weak_password",
                "Mật khẩu phải có ít nhất 8 ký tự.",
            ));
        }
        self.argon2()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| {
                tracing::error!(error = %e, "password hashing failed");
                AppError::new(ErrorKind::Internal, "internal", "Không tạo được mật khẩu.")
            })
    }

    /// Whether a password matches its stored hash (on a blocking thread: Argon2 is slow).
    pub(crate) async fn verify_password(&self, hash: &str, password: &str) -> bool {
        let argon = self.argon2();
        let (hash, password) = (hash.to_string(), password.to_string());
        tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash)
                .map(|parsed| argon.verify_password(password.as_bytes(), &parsed).is_ok())
                .unwrap_or(false)
        })
        .await
        .expect("verification task")
    }

    /// Creates an officer account.
    pub async fn add_officer(&self, officer: &Officer, password: &str) -> Result<(), AppError> {
        let app = self.clone();
        let password = password.to_string();
        let hash = tokio::task::spawn_blocking(move || app.hash_password(&password))
            .await
            .expect("hashing task")?;
        self.db.add_officer(officer, &hash, None).await?;
        Ok(())
    }

    /// Logs an officer in. The message does not say which of the two was wrong.
    pub async fn login(&self, username: &str, password: &str) -> Result<Session, AppError> {
        let refused = || {
            AppError::new(
                ErrorKind::Unauthenticated,
                "bad_credentials",
                "Sai tên đăng nhập hoặc mật khẩu.",
            )
        };
        let Some((officer, hash)) = self.db.officer_by_username(username.trim()).await? else {
            return Err(refused());
        };
        let ok = self.verify_password(&hash, password).await;
        if !ok || !officer.active {
            return Err(refused());
        }
        let token = new_token()?;
        let now = self.now();
        let expires_at = now + Duration::hours(self.settings.session_hours);
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

    /// The officer behind a session token.
    pub async fn actor(&self, token: &str) -> Result<Actor, AppError> {
        self.db
            .session_officer(&token_hash(token), self.now().timestamp_millis())
            .await?
            .map(Actor::Officer)
            .ok_or_else(AppError::unauthenticated)
    }

    /// The officer or citizen behind a browser session.
    pub async fn visitor(&self, token: &str) -> Result<Actor, AppError> {
        match self.actor(token).await {
            Err(e) if e.kind == ErrorKind::Unauthenticated => self.citizen_actor(token).await,
            other => other,
        }
    }

    /// Ends a session (an officer's or a citizen's).
    pub async fn logout(&self, token: &str) -> Result<(), AppError> {
        let hash = token_hash(token);
        if !self.db.close_session(&hash).await? {
            self.db.close_citizen_session(&hash).await?;
        }
        Ok(())
    }
}
