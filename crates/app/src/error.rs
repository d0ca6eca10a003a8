//! Lỗi — one error type for every use case, with a stable code and a Vietnamese message. Internal
//! causes (database errors) are logged, never shown.

use domain::DomainError;
use store::StoreError;
use thiserror::Error;

/// What kind of failure, which the HTTP layer turns into a status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad input (422).
    Invalid,
    /// A rule forbids it now (409).
    Rule,
    /// Someone else changed the dossier first (409).
    Conflict,
    /// Not allowed (403).
    Forbidden,
    /// Not logged in, or the session ended (401).
    Unauthenticated,
    NotFound,
    /// Something broke inside (500); the message is generic.
    Internal,
}

#[derive(Debug, Clone, Error)]
#[error("{message}")]
pub struct AppError {
    pub kind: ErrorKind,
    pub code: &'static str,
    pub message: String,
}

impl AppError {
    pub fn new(kind: ErrorKind, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            code,
            message: message.into(),
        }
    }

    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, code, message)
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, code, message)
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            ErrorKind::Unauthenticated,
            "unauthenticated",
            "Chưa đăng nhập hoặc phiên đăng nhập đã hết hạn.",
        )
    }
}

impl From<DomainError> for AppError {
    fn from(e: DomainError) -> Self {
        let kind = match e.kind {
            domain::ErrorKind::Invalid => ErrorKind::Invalid,
            domain::ErrorKind::Rule => ErrorKind::Rule,
            domain::ErrorKind::Forbidden => ErrorKind::Forbidden,
            domain::ErrorKind::NotFound => ErrorKind::NotFound,
        };
        Self::new(kind, e.code, e.message)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { .. } => {
                Self::new(ErrorKind::Conflict, "version_conflict", e.to_string())
            }
            StoreError::Duplicate(_) => Self::new(ErrorKind::Rule, "duplicate", e.to_string()),
            other => {
                tracing::error!(error = %other, "storage failure");
                Self::new(
                    ErrorKind::Internal,
                    "internal",
                    "Lỗi hệ thống khi lưu trữ dữ liệu; thao tác chưa được thực hiện. Vui lòng thử lại hoặc báo quản trị.",
                )
            }
        }
    }
}

impl From<lich::CalendarError> for AppError {
    fn from(e: lich::CalendarError) -> Self {
        Self::invalid(e.code(), e.to_string())
    }
}
