//! `domain` — the rules of the Vietnamese one-stop mechanism, without I/O.
//!
//! * identifiers parsed once ([`ids`]), administrative units ([`unit`]), agencies ([`agency`]),
//!   procedures versioned by date ([`procedure`]), applicants ([`applicant`]), officers and
//!   roles ([`officer`]), the permission policy ([`policy`]);
//! * the dossier ([`dossier`]): `decide(state, command, context) -> events`, `apply(event)`,
//!   national status, due instants, timeliness, control slip, replay at a past instant;
//! * the TT 01/2018 evaluation of officials and units ([`evaluation`]).
//!
//! The clock and the working calendar come in through [`dossier::Context`], so every rule is
//! testable with a fixed time.

pub mod agency;
pub mod applicant;
pub mod dossier;
pub mod error;
pub mod evaluation;
pub mod feedback;
pub mod ids;
pub mod officer;
pub mod period;
pub mod policy;
pub mod procedure;
pub mod qd766;
pub mod queue;
pub mod rating;
pub mod survey;
pub mod unit;
pub mod vietqr;

pub use error::{DomainError, ErrorKind};

/// The name a unit-like enum value goes by in JSON, columns and URLs ("service-center",
/// "counter-officer"): its serde name.
pub fn wire_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// The value a [`wire_name`] stands for (`None` if it names none).
pub fn from_wire_name<T: serde::de::DeserializeOwned>(name: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
}
