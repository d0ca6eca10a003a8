//! Khảo sát sự hài lòng — survey rounds, the people invited to answer, and the answers.

use domain::survey::SurveyAnswer;

use crate::{NewMessage, Result};

/// Tầng mẫu: dossiers of one sector, agency and channel.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Stratum {
    /// Lĩnh vực of the procedure.
    pub sector: String,
    /// The deciding agency.
    pub agency: String,
    /// Kênh nộp (national code: 1 counter, 2 online, 3 post).
    pub channel: i64,
}

/// One stratum of a round's frame: how many completed dossiers, how many drawn.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StratumSize {
    pub stratum: Stratum,
    pub frame: i64,
    pub sample: i64,
}

/// Một đợt khảo sát.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSurvey {
    pub id: uuid::Uuid,
    pub name: String,
    /// The dossiers completed in these days (Vietnamese dates) make its frame.
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    pub created_ms: i64,
    pub created_by: String,
    /// Completed dossiers in the frame.
    pub frame: i64,
    pub strata: Vec<StratumSize>,
    /// The agencies it covers.
    pub agencies: Vec<String>,
}

/// A person invited to answer: the dossier they completed, its stratum, their link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyInvite {
    /// The secret of their link (`/khao-sat/{token}`).
    pub token: String,
    pub survey: uuid::Uuid,
    pub dossier: uuid::Uuid,
    pub code: String,
    pub stratum: Stratum,
    /// Their phone or e-mail, for the survey officer only.
    pub contact: Option<String>,
    /// `sms` or `email` when the link was sent through the outbox; none when it was not.
    pub sent: Option<String>,
    pub answered_ms: Option<i64>,
}

/// An answer as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSurveyAnswer {
    /// `link` or `counter`.
    pub via: String,
    pub stratum: Stratum,
    pub answer: SurveyAnswer,
    pub at_ms: i64,
}

#[async_trait::async_trait]
pub trait SurveyStore: Send + Sync {
    /// Writes a round, its invitations and the messages carrying their links, together.
    async fn create_survey(
        &self,
        s: &StoredSurvey,
        invites: &[SurveyInvite],
        messages: &[NewMessage],
    ) -> Result<()>;

    /// Every round, newest first.
    async fn surveys(&self) -> Result<Vec<StoredSurvey>>;

    async fn survey(&self, id: uuid::Uuid) -> Result<Option<StoredSurvey>>;

    async fn survey_invites(&self, survey: uuid::Uuid) -> Result<Vec<SurveyInvite>>;

    async fn survey_invite(&self, token: &str) -> Result<Option<SurveyInvite>>;

    /// Keeps an answer; by `invite` (its token) only once: a second answer by the same link is
    /// a conflict and keeps nothing.
    async fn add_survey_answer(
        &self,
        survey: uuid::Uuid,
        invite: Option<&str>,
        answer: &StoredSurveyAnswer,
    ) -> Result<()>;

    async fn survey_answers(&self, survey: uuid::Uuid) -> Result<Vec<StoredSurveyAnswer>>;
}
