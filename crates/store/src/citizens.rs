//! Tài khoản công dân và đánh giá — citizens' portal accounts with their sessions (token hashes
//! only), and the ratings they give, kept without their identity.

use sqlx::Row;

use crate::{Db, Result, StoreError};

/// A citizen's account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitizenAccount {
    pub id_number: String,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// A rating as stored: which dossier and centre, when, satisfied or not, the answers (JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRating {
    pub dossier: uuid::Uuid,
    pub receiving: String,
    pub rated_ms: i64,
    pub satisfied: bool,
    pub answers: String,
    pub comment: String,
}

impl Db {
    /// Creates a citizen account; a second account for the same id number is a duplicate.
    pub async fn add_citizen(
        &self,
        c: &CitizenAccount,
        password_hash: &str,
        now_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO citizens (id_number, name, phone, email, password_hash, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&c.id_number)
        .bind(&c.name)
        .bind(&c.phone)
        .bind(&c.email)
        .bind(password_hash)
        .bind(now_ms)
        .execute(self.writer())
        .await
        .map_err(|e| {
            StoreError::from_insert(e, &format!("tài khoản số định danh {}", c.id_number))
        })?;
        Ok(())
    }

    /// A citizen and the password hash, by id number.
    pub async fn citizen(&self, id_number: &str) -> Result<Option<(CitizenAccount, String)>> {
        let row = sqlx::query(
            "SELECT id_number, name, phone, email, password_hash FROM citizens WHERE id_number = $1",
        )
        .bind(id_number)
        .fetch_optional(self.reader())
        .await?;
        Ok(row.map(|r| {
            (
                CitizenAccount {
                    id_number: r.get("id_number"),
                    name: r.get("name"),
                    phone: r.get("phone"),
                    email: r.get("email"),
                },
                r.get("password_hash"),
            )
        }))
    }

    /// The first few citizen accounts (the demo's, shown on its login page).
    pub async fn some_citizens(&self, limit: i64) -> Result<Vec<CitizenAccount>> {
        let rows = sqlx::query(
            "SELECT id_number, name, phone, email FROM citizens ORDER BY created_ms LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| CitizenAccount {
                id_number: r.get("id_number"),
                name: r.get("name"),
                phone: r.get("phone"),
                email: r.get("email"),
            })
            .collect())
    }

    pub async fn open_citizen_session(
        &self,
        token_hash: &str,
        id_number: &str,
        now_ms: i64,
        expires_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO citizen_sessions (token_hash, citizen, created_ms, expires_ms) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(id_number)
        .bind(now_ms)
        .bind(expires_ms)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// The citizen of a live session.
    pub async fn session_citizen(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<Option<CitizenAccount>> {
        let id: Option<String> = sqlx::query_scalar(
            "SELECT citizen FROM citizen_sessions WHERE token_hash = $1 AND expires_ms > $2",
        )
        .bind(token_hash)
        .bind(now_ms)
        .fetch_optional(self.reader())
        .await?;
        match id {
            Some(id) => Ok(self.citizen(&id).await?.map(|(c, _)| c)),
            None => Ok(None),
        }
    }

    pub async fn close_citizen_session(&self, token_hash: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM citizen_sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(self.writer())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Keeps a rating with what it adds to the report counters, in one transaction; a dossier
    /// is rated once.
    pub async fn put_rating(
        &self,
        r: &StoredRating,
        counts: &[(domain::dossier::Fact, i64)],
    ) -> Result<()> {
        let mut tx = self.writer().begin().await?;
        sqlx::query(
            "INSERT INTO ratings (dossier, receiving, rated_ms, satisfied, answers, comment) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(r.dossier)
        .bind(&r.receiving)
        .bind(r.rated_ms)
        .bind(r.satisfied)
        .bind(&r.answers)
        .bind(&r.comment)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::from_insert(e, "đánh giá của hồ sơ này"))?;
        crate::counts::apply_counts(&mut tx, counts).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every rating: the dossier and whether the applicant was satisfied (for a rebuild of the
    /// counters).
    pub async fn ratings_by_dossier(&self) -> Result<Vec<(uuid::Uuid, bool)>> {
        Ok(sqlx::query_as("SELECT dossier, satisfied FROM ratings")
            .fetch_all(self.reader())
            .await?)
    }

    /// Whether a dossier has been rated.
    pub async fn rated(&self, dossier: uuid::Uuid) -> Result<bool> {
        let found = sqlx::query("SELECT 1 FROM ratings WHERE dossier = $1")
            .bind(dossier)
            .fetch_optional(self.reader())
            .await?;
        Ok(found.is_some())
    }

    /// Gives a citizen's account a dossier to see and act on (`how`: `submitted`, `receipt`);
    /// linking twice changes nothing.
    pub async fn link_citizen_dossier(
        &self,
        id_number: &str,
        dossier: uuid::Uuid,
        how: &str,
        now_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO citizen_dossiers (citizen, dossier, how, linked_ms) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (citizen, dossier) DO NOTHING",
        )
        .bind(id_number)
        .bind(dossier)
        .bind(how)
        .bind(now_ms)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Whether a citizen's account has this dossier.
    pub async fn citizen_has_dossier(&self, id_number: &str, dossier: uuid::Uuid) -> Result<bool> {
        let found =
            sqlx::query("SELECT 1 FROM citizen_dossiers WHERE citizen = $1 AND dossier = $2")
                .bind(id_number)
                .bind(dossier)
                .fetch_optional(self.reader())
                .await?;
        Ok(found.is_some())
    }

    /// The dossiers of a citizen's account, most recently registered first.
    pub async fn citizen_dossier_rows(
        &self,
        id_number: &str,
        limit: i64,
    ) -> Result<Vec<crate::DossierRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM dossiers WHERE id IN \
             (SELECT dossier FROM citizen_dossiers WHERE citizen = $1) \
             ORDER BY rowid DESC LIMIT $2",
            crate::dossiers::ROW_COLUMNS
        )))
        .bind(id_number)
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        Ok(rows.iter().map(crate::dossiers::row).collect())
    }
}
