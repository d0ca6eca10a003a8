//! Khảo sát — the columns both backends read surveys from.

/// A survey round's columns, from its table.
pub(crate) const SURVEY: &str =
    "id, name, from_day, to_day, created_ms, created_by, frame, strata, agencies FROM surveys";

/// An invitation's columns, from its table.
pub(crate) const INVITE: &str = "token, survey, dossier, code, sector, agency, channel, contact, \
    sent, answered_ms FROM survey_invites";
