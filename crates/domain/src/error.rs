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

/// A value the user sent, as a message may quote it back: at most 40 characters, without control
/// characters, and "…" when cut — a message never echoes unbounded input.
pub fn shorten(input: &str) -> String {
    const MAX: usize = 40;
    let mut out: String = input
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX)
        .collect();
    if input.chars().filter(|c| !c.is_control()).nth(MAX).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn quoted_input_is_bounded_and_has_no_control_characters() {
        assert_eq!(super::shorten("abc"), "abc");
        assert_eq!(super::shorten("a\0b\u{1b}c"), "abc");
        let long = "x".repeat(2_000_000);
        let s = super::shorten(&long);
        assert_eq!(s.chars().count(), 41);
        assert!(s.ends_with('…'));
    }
}
