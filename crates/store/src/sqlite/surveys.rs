//! Khảo sát sự hài lòng on SQLite.

use rusqlite::{OptionalExtension, params};

use super::{Sqlite, insert_error};
use crate::sql::surveys::{INVITE, SURVEY};
use crate::surveys::{StoredSurvey, StoredSurveyAnswer, Stratum, SurveyInvite, SurveyStore};
use crate::{NewMessage, Result, StoreError};

fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn parse<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn id_of(bytes: &[u8], what: &str) -> Result<uuid::Uuid> {
    uuid::Uuid::from_slice(bytes).map_err(|_| StoreError::Corrupt(what.to_string()))
}

fn day(text: &str) -> Result<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| StoreError::Corrupt(format!("ngày khảo sát {text}")))
}

fn survey_row(r: &rusqlite::Row<'_>) -> Result<StoredSurvey> {
    Ok(StoredSurvey {
        id: id_of(&r.get::<_, Vec<u8>>(0)?, "mã đợt khảo sát")?,
        name: r.get(1)?,
        from: day(&r.get::<_, String>(2)?)?,
        to: day(&r.get::<_, String>(3)?)?,
        created_ms: r.get(4)?,
        created_by: r.get(5)?,
        frame: r.get(6)?,
        strata: parse(&r.get::<_, String>(7)?, "khung mẫu")?,
        agencies: parse(&r.get::<_, String>(8)?, "cơ quan khảo sát")?,
    })
}

fn invite_row(r: &rusqlite::Row<'_>) -> Result<SurveyInvite> {
    Ok(SurveyInvite {
        token: r.get(0)?,
        survey: id_of(&r.get::<_, Vec<u8>>(1)?, "mã đợt khảo sát")?,
        dossier: id_of(&r.get::<_, Vec<u8>>(2)?, "mã hồ sơ")?,
        code: r.get(3)?,
        stratum: Stratum {
            sector: r.get(4)?,
            agency: r.get(5)?,
            channel: r.get(6)?,
        },
        contact: r.get(7)?,
        sent: r.get(8)?,
        answered_ms: r.get(9)?,
    })
}

#[async_trait::async_trait]
impl SurveyStore for Sqlite {
    async fn create_survey(
        &self,
        s: &StoredSurvey,
        invites: &[SurveyInvite],
        messages: &[NewMessage],
    ) -> Result<()> {
        let (s, invites, messages) = (s.clone(), invites.to_vec(), messages.to_vec());
        self.write_all(move |c| {
            c.prepare_cached(
                "INSERT INTO surveys (id, name, from_day, to_day, created_ms, created_by, frame, \
                 strata, agencies) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                s.id.as_bytes().to_vec(),
                s.name,
                s.from.to_string(),
                s.to.to_string(),
                s.created_ms,
                s.created_by,
                s.frame,
                json(&s.strata)?,
                json(&s.agencies)?
            ])
            .map_err(|e| insert_error(e, "đợt khảo sát"))?;
            let mut insert = c.prepare_cached(
                "INSERT INTO survey_invites (token, survey, dossier, code, sector, agency, \
                 channel, contact, sent, answered_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, NULL)",
            )?;
            for i in &invites {
                insert
                    .execute(params![
                        i.token,
                        s.id.as_bytes().to_vec(),
                        i.dossier.as_bytes().to_vec(),
                        i.code,
                        i.stratum.sector,
                        i.stratum.agency,
                        i.stratum.channel,
                        i.contact,
                        i.sent
                    ])
                    .map_err(|e| insert_error(e, "phiếu mời khảo sát"))?;
            }
            super::outbox::enqueue_on(c, &messages, super::from_ms(s.created_ms))?;
            Ok(())
        })
        .await
    }

    async fn surveys(&self) -> Result<Vec<StoredSurvey>> {
        self.read(|c| {
            let mut st = c.prepare_cached(&format!("SELECT {SURVEY} ORDER BY created_ms DESC"))?;
            let rows = st.query_map([], |r| Ok(survey_row(r)))?;
            rows.map(|r| r?).collect()
        })
    }

    async fn survey(&self, id: uuid::Uuid) -> Result<Option<StoredSurvey>> {
        self.read(|c| {
            c.prepare_cached(&format!("SELECT {SURVEY} WHERE id = ?1"))?
                .query_row([id.as_bytes().to_vec()], |r| Ok(survey_row(r)))
                .optional()?
                .transpose()
        })
    }

    async fn survey_invites(&self, survey: uuid::Uuid) -> Result<Vec<SurveyInvite>> {
        self.read(|c| {
            let mut st =
                c.prepare_cached(&format!("SELECT {INVITE} WHERE survey = ?1 ORDER BY code"))?;
            let rows = st.query_map([survey.as_bytes().to_vec()], |r| Ok(invite_row(r)))?;
            rows.map(|r| r?).collect()
        })
    }

    async fn survey_invite(&self, token: &str) -> Result<Option<SurveyInvite>> {
        self.read(|c| {
            c.prepare_cached(&format!("SELECT {INVITE} WHERE token = ?1"))?
                .query_row([token], |r| Ok(invite_row(r)))
                .optional()?
                .transpose()
        })
    }

    async fn add_survey_answer(
        &self,
        survey: uuid::Uuid,
        invite: Option<&str>,
        answer: &StoredSurveyAnswer,
    ) -> Result<()> {
        let (invite, a) = (invite.map(str::to_string), answer.clone());
        self.write_all(move |c| {
            if let Some(token) = &invite {
                let n = c
                    .prepare_cached(
                        "UPDATE survey_invites SET answered_ms = ?1 \
                         WHERE token = ?2 AND survey = ?3 AND answered_ms IS NULL",
                    )?
                    .execute(params![a.at_ms, token, survey.as_bytes().to_vec()])?;
                if n == 0 {
                    return Err(StoreError::Duplicate("phiếu khảo sát đã trả lời".into()));
                }
            }
            let seq: i64 = c
                .prepare_cached(
                    "SELECT COALESCE(MAX(seq), 0) + 1 FROM survey_answers WHERE survey = ?1",
                )?
                .query_row([survey.as_bytes().to_vec()], |r| r.get(0))?;
            c.prepare_cached(
                "INSERT INTO survey_answers (survey, seq, via, sector, agency, channel, answer, \
                 at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                survey.as_bytes().to_vec(),
                seq,
                a.via,
                a.stratum.sector,
                a.stratum.agency,
                a.stratum.channel,
                json(&a.answer)?,
                a.at_ms
            ])
            .map_err(|e| insert_error(e, "câu trả lời khảo sát"))?;
            Ok(())
        })
        .await
    }

    async fn survey_answers(&self, survey: uuid::Uuid) -> Result<Vec<StoredSurveyAnswer>> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT via, sector, agency, channel, answer, at_ms FROM survey_answers \
                 WHERE survey = ?1 ORDER BY seq",
            )?;
            let rows = st.query_map([survey.as_bytes().to_vec()], |r| {
                Ok((|| {
                    Ok(StoredSurveyAnswer {
                        via: r.get(0)?,
                        stratum: Stratum {
                            sector: r.get(1)?,
                            agency: r.get(2)?,
                            channel: r.get(3)?,
                        },
                        answer: parse(&r.get::<_, String>(4)?, "câu trả lời khảo sát")?,
                        at_ms: r.get(5)?,
                    })
                })())
            })?;
            rows.map(|r| r?).collect()
        })
    }
}
