//! Phản ánh, kiến nghị — the feedback queries both backends send.

use super::{Dialect, Sql};
use crate::FeedbackFilter;

/// The columns of a stored feedback.
pub(crate) const COLUMNS: &str = "id, code, petition, state, version";

/// The feedback a filter finds, newest first; each word must occur in the folded text (case
/// for case).
pub(crate) fn list(dialect: Dialect, filter: &FeedbackFilter) -> Sql {
    let mut q = Sql::new(
        dialect,
        &format!("SELECT {COLUMNS} FROM feedback WHERE 1 = 1"),
    );
    if filter.published {
        q.push(" AND published = 1");
    }
    if !filter.agencies.is_empty() {
        q.push(" AND ")
            .any("agency", filter.agencies.iter().cloned());
    }
    if let Some(p) = &filter.petitioner {
        q.push(" AND petitioner = ").bind(p.as_str());
    }
    if let Some(until) = filter.until_ms {
        q.push(" AND received_ms <= ").bind(until);
    }
    for w in &filter.words {
        q.push(" AND ").contains("search_text", w.as_str());
    }
    q.push(" ORDER BY received_ms DESC LIMIT ")
        .bind(i64::from(filter.limit.clamp(1, 10_000)));
    q
}
