//! Hồ sơ để đánh giá — the dossiers whose handling ended in a period, with their full state and
//! the citizen's rating (TT 01/2018 evaluation, read a page at a time).

use domain::dossier::Dossier;
use domain::rating::Rating;
use sqlx::Row;

use crate::{Db, Result, from_json};

/// A dossier that ended, and its rating if one was given by the instant asked.
#[derive(Debug, Clone)]
pub struct EndedDossier {
    pub dossier: Dossier,
    pub rating: Option<Rating>,
}

impl Db {
    /// Dossiers received or decided by one of `agencies` whose handling ended (result ready, or
    /// stopped) in `[from_ms, to_ms)`, with the rating given by `rated_by_ms`. A page of at most
    /// `limit`, in id order after `after` (`None`: from the start).
    pub async fn ended_dossiers(
        &self,
        agencies: &[String],
        from_ms: i64,
        to_ms: i64,
        rated_by_ms: i64,
        after: Option<uuid::Uuid>,
        limit: i64,
    ) -> Result<Vec<EndedDossier>> {
        if agencies.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "SELECT s.state, r.answers FROM dossiers d JOIN dossier_states s ON s.id = d.id \
             LEFT JOIN ratings r ON r.dossier = d.id AND r.rated_ms <= ",
        );
        q.push_bind(rated_by_ms)
            .push(" WHERE d.finished_ms >= ")
            .push_bind(from_ms)
            .push(" AND d.finished_ms < ")
            .push_bind(to_ms)
            .push(" AND d.id > ")
            .push_bind(after.unwrap_or(uuid::Uuid::nil()));
        q.push(" AND (d.competent IN (");
        crate::push_list(&mut q, agencies.iter().cloned());
        q.push(" OR d.receiving IN (");
        crate::push_list(&mut q, agencies.iter().cloned());
        q.push(")");
        q.push(" ORDER BY d.id LIMIT ").push_bind(limit);
        let rows = q.build().fetch_all(self.reader()).await?;
        rows.iter()
            .map(|r| {
                Ok(EndedDossier {
                    dossier: from_json(r.get::<&str, _>(0), "hồ sơ")?,
                    rating: r
                        .get::<Option<&str>, _>(1)
                        .map(|a| from_json(a, "đánh giá"))
                        .transpose()?,
                })
            })
            .collect()
    }
}
