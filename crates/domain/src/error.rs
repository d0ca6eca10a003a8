//! Lỗi nghiệp vụ — why a command or an input was refused. Every error has a stable machine code
//! and a Vietnamese message saying what is wrong and, where possible, what to do.

use thiserror::Error;

/// The family of an error, which the HTTP layer maps to a status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Input that does not parse or is out of range (HTTP 422).
    Invalid,
    /// A rule of the one-stop procedure forbids this now (HTTP 409).
    Rule,
    /// The actor may not do this (HTTP 403).
    Forbidden,
    /// The thing named does not exist (HTTP 404).
    NotFound,
}

/// Lỗi nghiệp vụ.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct DomainError {
    pub kind: ErrorKind,
    pub code: &'static str,
    pub message: String,
}

impl DomainError {
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::Invalid,
            code,
            message: message.into(),
        }
    }

    pub fn rule(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::Rule,
            code,
            message: message.into(),
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::Forbidden,
            code: "forbidden",
            message: message.into(),
        }
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::NotFound,
            code,
            message: message.into(),
        }
    }
}

impl From<lich::CalendarError> for DomainError {
    fn from(e: lich::CalendarError) -> Self {
        Self::invalid(e.code(), e.to_string())
    }
}

pub use vntext::shorten;
