//! Khảo sát sự hài lòng on PostgreSQL.

use tokio_postgres::Row;

use super::{Postgres, col, db_error, execute, insert_error, query};
use crate::sql::surveys::{INVITE, SURVEY};
use crate::surveys::{StoredSurvey, StoredSurveyAnswer, Stratum, SurveyInvite, SurveyStore};
use crate::{NewMessage, Result, StoreError, from_json, to_json};

/// A survey's day, stored `YYYY-MM-DD`.
fn day(text: &str) -> Result<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| StoreError::Corrupt(format!("ngày khảo sát {text}")))
}

/// A round from the columns of [`SURVEY`].
fn survey_row(r: &Row) -> Result<StoredSurvey> {
    Ok(StoredSurvey {
        id: col(r, 0)?,
        name: col(r, 1)?,
        from: day(col(r, 2)?)?,
        to: day(col(r, 3)?)?,
        created_ms: col(r, 4)?,
        created_by: col(r, 5)?,
        frame: col(r, 6)?,
        strata: from_json(col(r, 7)?, "khung mẫu")?,
        agencies: from_json(col(r, 8)?, "cơ quan khảo sát")?,
    })
}

/// An invitation from the columns of [`INVITE`].
fn invite_row(r: &Row) -> Result<SurveyInvite> {
    Ok(SurveyInvite {
        token: col(r, 0)?,
        survey: col(r, 1)?,
        dossier: col(r, 2)?,
        code: col(r, 3)?,
        stratum: Stratum {
            sector: col(r, 4)?,
            agency: col(r, 5)?,
            channel: col(r, 6)?,
        },
        contact: col(r, 7)?,
        sent: col(r, 8)?,
        answered_ms: col(r, 9)?,
    })
}

#[async_trait::async_trait]
impl SurveyStore for Postgres {
    /// The round, its invitations and their messages in one transaction.
    async fn create_survey(
        &self,
        s: &StoredSurvey,
        invites: &[SurveyInvite],
        messages: &[NewMessage],
    ) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        let st = tx
            .prepare_cached(
                "INSERT INTO surveys (id, name, from_day, to_day, created_ms, created_by, frame, \
                 strata, agencies) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .await
            .map_err(db_error)?;
        tx.execute(
            &st,
            &[
                &s.id,
                &s.name,
                &s.from.to_string(),
                &s.to.to_string(),
                &s.created_ms,
                &s.created_by,
                &s.frame,
                &to_json(&s.strata),
                &to_json(&s.agencies),
            ],
        )
        .await
        .map_err(|e| insert_error(e, "đợt khảo sát"))?;
        let insert = tx
            .prepare_cached(
                "INSERT INTO survey_invites (token, survey, dossier, code, sector, agency, \
                 channel, contact, sent, answered_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL)",
            )
            .await
            .map_err(db_error)?;
        for i in invites {
            tx.execute(
                &insert,
                &[
                    &i.token,
                    &s.id,
                    &i.dossier,
                    &i.code,
                    &i.stratum.sector,
                    &i.stratum.agency,
                    &i.stratum.channel,
                    &i.contact,
                    &i.sent,
                ],
            )
            .await
            .map_err(|e| insert_error(e, "phiếu mời khảo sát"))?;
        }
        super::enqueue_on(&tx, messages, crate::from_ms(s.created_ms)).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn surveys(&self) -> Result<Vec<StoredSurvey>> {
        let c = self.client().await?;
        let rows = query(
            &c,
            &format!("SELECT {SURVEY} ORDER BY created_ms DESC"),
            &[],
        )
        .await?;
        rows.iter().map(survey_row).collect()
    }

    async fn survey(&self, id: uuid::Uuid) -> Result<Option<StoredSurvey>> {
        let c = self.client().await?;
        let rows = query(&c, &format!("SELECT {SURVEY} WHERE id = $1"), &[&id]).await?;
        rows.first().map(survey_row).transpose()
    }

    /// By code in byte order (`COLLATE "C"`), as SQLite's BINARY collation orders them,
    /// whatever the database's collation.
    async fn survey_invites(&self, survey: uuid::Uuid) -> Result<Vec<SurveyInvite>> {
        let c = self.client().await?;
        let rows = query(
            &c,
            &format!("SELECT {INVITE} WHERE survey = $1 ORDER BY code COLLATE \"C\""),
            &[&survey],
        )
        .await?;
        rows.iter().map(invite_row).collect()
    }

    async fn survey_invite(&self, token: &str) -> Result<Option<SurveyInvite>> {
        let c = self.client().await?;
        let rows = query(&c, &format!("SELECT {INVITE} WHERE token = $1"), &[&token]).await?;
        rows.first().map(invite_row).transpose()
    }

    /// Marks the invitation answered (its row lock makes a second answer by the same link wait,
    /// then find it answered), then numbers the answer after the survey's last under a
    /// transaction-scoped advisory lock on the survey, so concurrent answers never take the
    /// same number.
    async fn add_survey_answer(
        &self,
        survey: uuid::Uuid,
        invite: Option<&str>,
        answer: &StoredSurveyAnswer,
    ) -> Result<()> {
        let a = answer;
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        if let Some(token) = invite {
            let n = execute(
                &tx,
                "UPDATE survey_invites SET answered_ms = $1 \
                 WHERE token = $2 AND survey = $3 AND answered_ms IS NULL",
                &[&a.at_ms, &token, &survey],
            )
            .await?;
            if n == 0 {
                return Err(StoreError::Duplicate("phiếu khảo sát đã trả lời".into()));
            }
        }
        execute(
            &tx,
            "SELECT pg_advisory_xact_lock(hashtext('motcua.survey_answers'), \
             hashtext($1::uuid::text))",
            &[&survey],
        )
        .await?;
        let rows = query(
            &tx,
            "SELECT coalesce(max(seq), 0::bigint) + 1 FROM survey_answers WHERE survey = $1",
            &[&survey],
        )
        .await?;
        let seq: i64 = match rows.first() {
            Some(r) => col(r, 0)?,
            None => 1,
        };
        let st = tx
            .prepare_cached(
                "INSERT INTO survey_answers (survey, seq, via, sector, agency, channel, answer, \
                 at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .await
            .map_err(db_error)?;
        tx.execute(
            &st,
            &[
                &survey,
                &seq,
                &a.via,
                &a.stratum.sector,
                &a.stratum.agency,
                &a.stratum.channel,
                &to_json(&a.answer),
                &a.at_ms,
            ],
        )
        .await
        .map_err(|e| insert_error(e, "câu trả lời khảo sát"))?;
        tx.commit().await.map_err(db_error)
    }

    async fn survey_answers(&self, survey: uuid::Uuid) -> Result<Vec<StoredSurveyAnswer>> {
        let c = self.client().await?;
        let rows = query(
            &c,
            "SELECT via, sector, agency, channel, answer, at_ms FROM survey_answers \
             WHERE survey = $1 ORDER BY seq",
            &[&survey],
        )
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StoredSurveyAnswer {
                    via: col(r, 0)?,
                    stratum: Stratum {
                        sector: col(r, 1)?,
                        agency: col(r, 2)?,
                        channel: col(r, 3)?,
                    },
                    answer: from_json(col(r, 4)?, "câu trả lời khảo sát")?,
                    at_ms: col(r, 5)?,
                })
            })
            .collect()
    }
}
