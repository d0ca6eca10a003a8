//! Sổ hướng dẫn — guidance given to applicants (ND 61/2018 Art. 15: its content is kept at the
//! one-stop unit), including the supplement slips of dossiers that were not received.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use uuid::Uuid;

use crate::{Db, Result, from_json, to_json};

/// Một lần hướng dẫn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuidanceRecord {
    pub id: Uuid,
    pub agency: String,
    pub at: DateTime<Utc>,
    pub officer: Option<Uuid>,
    pub officer_name: String,
    /// Tại quầy, điện thoại, trực tuyến, bưu chính.
    pub channel: String,
    pub applicant_name: String,
    pub contact: Option<String>,
    pub procedure_code: Option<String>,
    pub procedure_name: Option<String>,
    pub content: String,
    /// Items to supplement when the dossier was not received (Phiếu yêu cầu bổ sung).
    pub missing: Vec<String>,
}

impl Db {
    /// Logs guidance given. With an idempotency key, a key used before logs nothing and
    /// answers the record it first logged (or what else it was used for).
    pub async fn add_guidance(
        &self,
        g: &GuidanceRecord,
        idempotency: Option<&crate::IdempotencyKey>,
    ) -> Result<std::result::Result<(), crate::IdempotentResult>> {
        let mut tx = self.writer().begin().await?;
        if let Some(k) = idempotency {
            if let Some(first) = crate::access::find_key(&mut tx, &k.scope, &k.key).await? {
                return Ok(Err(first));
            }
            crate::access::insert_key(&mut tx, k, None, Some(&to_json(g)), g.at.timestamp_millis())
                .await?;
        }
        sqlx::query("INSERT INTO guidance_log (id, agency, at_ms, officer, body) VALUES ($1, $2, $3, $4, $5)")
            .bind(g.id)
            .bind(&g.agency)
            .bind(g.at.timestamp_millis())
            .bind(g.officer)
            .bind(to_json(g))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// Guidance given by agencies in a period, newest first.
    pub async fn guidance(
        &self,
        agencies: &[String],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<GuidanceRecord>> {
        if agencies.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "SELECT body FROM guidance_log WHERE at_ms >= ",
        );
        qb.push_bind(from.timestamp_millis())
            .push(" AND at_ms < ")
            .push_bind(to.timestamp_millis())
            .push(" AND agency IN (");
        let mut sep = qb.separated(", ");
        for a in agencies {
            sep.push_bind(a.clone());
        }
        qb.push(") ORDER BY at_ms DESC LIMIT ")
            .push_bind(i64::from(limit.clamp(1, 1000)));
        let rows = qb.build().fetch_all(self.reader()).await?;
        rows.iter()
            .map(|r| from_json(r.get::<&str, _>(0), "hướng dẫn"))
            .collect()
    }
}
