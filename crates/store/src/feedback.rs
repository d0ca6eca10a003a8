//! Phản ánh, kiến nghị — each feedback with its petition and its state, and the events of its
//! life in order (the state is what they left; a change names the version it read).

use domain::feedback::{Feedback, FeedbackEvent, Petition};

use crate::Result;

/// Một phản ánh, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFeedback {
    pub id: uuid::Uuid,
    /// Mã tra cứu công khai.
    pub code: String,
    pub petition: Petition,
    pub state: Feedback,
    /// Events applied.
    pub version: u64,
}

/// One event of a feedback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackRecord {
    pub seq: u64,
    pub at_ms: i64,
    /// Who, as the page names them ("Lò Thị Mai — Công chức Văn phòng").
    pub actor: String,
    pub event: FeedbackEvent,
}

/// What a list of feedback keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedbackFilter {
    /// Only these agencies' (empty: any).
    pub agencies: Vec<String>,
    /// Only published ones.
    pub published: bool,
    /// Words every match holds, folded (no diacritics).
    pub words: Vec<String>,
    /// Only this petitioner's (their số định danh).
    pub petitioner: Option<String>,
    /// Received up to this instant.
    pub until_ms: Option<i64>,
    pub limit: u32,
}

/// Phản ánh chờ xác nhận: sent without an account, waiting for the code sent to the petitioner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingFeedback {
    /// The secret the confirmation form carries.
    pub token: String,
    pub petition: Petition,
    pub agency: Option<String>,
    /// The code, keyed (the table alone does not give it).
    pub code_hash: String,
    pub created_ms: i64,
    pub expires_ms: i64,
    pub attempts: u32,
}

#[async_trait::async_trait]
pub trait FeedbackStore: Send + Sync {
    /// Keeps a feedback waiting for its code, with the message carrying the code.
    async fn start_pending_feedback(
        &self,
        p: &PendingFeedback,
        message: &crate::NewMessage,
    ) -> Result<()>;

    async fn pending_feedback(&self, token: &str) -> Result<Option<PendingFeedback>>;

    /// The feedback received from the national system under its id there.
    async fn feedback_by_national_id(&self, id: &str) -> Result<Option<StoredFeedback>>;

    /// Counts a wrong code; the attempts so far.
    async fn pending_feedback_failed(&self, token: &str) -> Result<u32>;

    /// Drops a waiting feedback (confirmed, expired, or too many wrong codes).
    async fn drop_pending_feedback(&self, token: &str) -> Result<()>;

    /// Receives a confirmed feedback: writes it and its first event, and drops the waiting
    /// one, together; a waiting one gone already (confirmed twice) keeps nothing.
    async fn confirm_pending_feedback(
        &self,
        token: &str,
        f: &StoredFeedback,
        first: &FeedbackRecord,
    ) -> Result<()>;

    /// Writes a new feedback and its first event; a code taken already is a duplicate.
    async fn create_feedback(&self, f: &StoredFeedback, first: &FeedbackRecord) -> Result<()>;

    /// Appends an event and writes the state it leaves, with the messages it sends, if the
    /// feedback is still at `expected_version` (else a conflict, and nothing is written).
    async fn append_feedback(
        &self,
        id: uuid::Uuid,
        expected_version: u64,
        record: &FeedbackRecord,
        state: &Feedback,
        messages: &[crate::NewMessage],
    ) -> Result<()>;

    async fn feedback(&self, id: uuid::Uuid) -> Result<Option<StoredFeedback>>;
    async fn feedback_by_code(&self, code: &str) -> Result<Option<StoredFeedback>>;
    async fn feedback_events(&self, id: uuid::Uuid) -> Result<Vec<FeedbackRecord>>;

    /// Newest first.
    async fn feedback_list(&self, filter: &FeedbackFilter) -> Result<Vec<StoredFeedback>>;

    /// How many feedback codes were issued on a day's prefix (`PAKN-261205-`), for the next.
    async fn feedback_count_with_prefix(&self, prefix: &str) -> Result<u64>;
}

/// What a feedback is found by: its code, title, content and what it is about, folded.
pub fn feedback_search_text(code: &str, p: &Petition) -> String {
    let about = match &p.about {
        domain::feedback::About::Procedure { code } | domain::feedback::About::Dossier { code } => {
            code.as_str()
        }
        domain::feedback::About::Officer { name } => name.as_str(),
        domain::feedback::About::Other => "",
    };
    vntext::fold(&format!("{code} {} {} {about}", p.title, p.content))
}
