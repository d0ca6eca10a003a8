//! Công dân — citizens' own accounts on the portal (keyed by the personal id number, which the
//! account declares but does not prove: it sees only the dossiers it submitted or linked with a
//! receipt's access code, see [`crate::access`]), and their rating of a dossier once its result
//! is returned (kept without their identity, shown only in aggregate: ND 61/2018 Art. 27).

use chrono::{DateTime, Duration, Utc};
use domain::dossier::{DossierId, Stage};
use domain::ids::{Cccd, Email, PersonName, PhoneNumber};
use domain::officer::{Actor, CitizenAccess};
use domain::rating::Rating;
use store::{CitizenAccount, DossierRow, StoredRating};

use crate::Citizens;
use crate::auth::{new_token, token_hash};
use crate::throttle::Client;
use crate::{AppError, ErrorKind};

/// What a citizen gives to open an account.
#[derive(Debug, Clone, Default)]
pub struct Registration {
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub email: String,
    pub password: String,
}

/// A citizen's login.
#[derive(Debug, Clone)]
pub struct CitizenSession {
    pub token: String,
    pub citizen: CitizenAccount,
    pub expires_at: DateTime<Utc>,
}

impl Citizens<'_> {
    /// Opens a citizen account, every field checked; registrations are counted per address.
    pub async fn register_citizen(
        self,
        r: &Registration,
        client: &Client,
    ) -> Result<CitizenAccount, AppError> {
        let name = PersonName::parse(&r.name)?;
        let id_number = Cccd::parse(&r.id_number)?;
        let phone = Some(r.phone.trim())
            .filter(|p| !p.is_empty())
            .map(PhoneNumber::parse)
            .transpose()?;
        let email = Some(r.email.trim())
            .filter(|e| !e.is_empty())
            .map(Email::parse)
            .transpose()?;
        self.app.throttle.attempt(
            "register",
            client,
            self.app.settings.limits.registrations_per_address,
            self.app.now(),
        )?;
        let hash = self.app.accounts().hash_password(&r.password).await?;
        let account = CitizenAccount {
            id_number: id_number.as_str().to_string(),
            name: name.to_string(),
            phone: phone.map(|p| p.to_string()),
            email: email.map(|e| e.to_string()),
        };
        self.app
            .db
            .add_citizen(&account, &hash, self.app.now().timestamp_millis())
            .await
            .map_err(|e| match e {
                store::StoreError::Duplicate(_) => AppError::new(
                    ErrorKind::Conflict,
                    "account_exists",
                    "Số định danh này đã có tài khoản; hãy đăng nhập.",
                ),
                other => other.into(),
            })?;
        Ok(account)
    }

    /// Logs a citizen in by id number and password.
    pub async fn login_citizen(
        self,
        id_number: &str,
        password: &str,
        client: &Client,
    ) -> Result<CitizenSession, AppError> {
        let account = crate::auth::account_key("citizen", id_number);
        let found = self.app.db.citizen(id_number.trim()).await?;
        self.app
            .check_login(
                &account,
                found.as_ref().map(|(_, h)| h.as_str()),
                password,
                client,
            )
            .await?;
        let Some((citizen, _)) = found else {
            return Err(AppError::unauthenticated());
        };
        let token = new_token()?;
        let now = self.app.now();
        let expires_at = now + Duration::hours(self.app.settings.session_hours);
        self.app
            .db
            .open_citizen_session(
                &token_hash(&token),
                &citizen.id_number,
                now.timestamp_millis(),
                expires_at.timestamp_millis(),
                None,
            )
            .await?;
        Ok(CitizenSession {
            token,
            citizen,
            expires_at,
        })
    }

    /// The citizen behind a session token.
    pub async fn citizen_actor(self, token: &str) -> Result<Actor, AppError> {
        let (c, identity) = self
            .app
            .db
            .session_citizen(&token_hash(token), self.app.now().timestamp_millis())
            .await?
            .ok_or_else(AppError::unauthenticated)?;
        Ok(Actor::Citizen {
            name: PersonName::parse(&c.name)?,
            id_number: Some(Cccd::parse(&c.id_number)?),
            access: if identity.is_some() {
                CitizenAccess::Identity
            } else {
                CitizenAccess::Account
            },
        })
    }

    /// Hồ sơ của tôi — the dossiers of a citizen's account (submitted by it, or linked with a
    /// receipt's access code), newest first.
    /// Signed in with the national identity, also every dossier filed under their number (those
    /// received at a counter or by post included).
    pub async fn my_dossiers(self, actor: &Actor) -> Result<Vec<DossierRow>, AppError> {
        let account = crate::access::account_of(actor)?;
        let mut rows = self.app.db.citizen_dossier_rows(account, 200).await?;
        if let Actor::Citizen {
            access: CitizenAccess::Identity,
            ..
        } = actor
        {
            let filed = self
                .app
                .db
                .list_dossiers(&store::DossierFilter {
                    visible: store::Visibility::All,
                    applicant_id: Some(account.to_string()),
                    limit: 200,
                    ..Default::default()
                })
                .await?;
            let known: std::collections::HashSet<uuid::Uuid> = rows.iter().map(|r| r.id).collect();
            rows.extend(filed.rows.into_iter().filter(|r| !known.contains(&r.id)));
            rows.sort_by_key(|r| std::cmp::Reverse(r.id));
            rows.truncate(200);
        }
        Ok(rows)
    }

    /// Whether the applicant has rated this dossier.
    pub async fn is_rated(self, id: DossierId) -> Result<bool, AppError> {
        Ok(self.app.db.rated(id.0).await?)
    }

    /// Đánh giá: the applicant rates a dossier once its result has been returned.
    pub async fn rate(
        self,
        actor: &Actor,
        id: DossierId,
        rating: Rating,
        comment: &str,
    ) -> Result<(), AppError> {
        rating.validate()?;
        let comment = vntext::clean(comment);
        if comment.chars().count() > 2000 {
            return Err(AppError::invalid(
                "comment_too_long",
                "Ý kiến tối đa 2.000 ký tự.",
            ));
        }
        let d = self
            .app
            .db
            .dossier(id)
            .await?
            .ok_or_else(|| AppError::not_found("dossier_not_found", "Không tìm thấy hồ sơ."))?;
        if !self.app.citizen_owns(actor, &d).await? {
            return Err(AppError::new(
                ErrorKind::Forbidden,
                "forbidden",
                "Chỉ người nộp hồ sơ được đánh giá.",
            ));
        }
        if d.stage != Stage::Returned {
            return Err(AppError::new(
                ErrorKind::Rule,
                "not_returned",
                "Đánh giá sau khi đã nhận kết quả.",
            ));
        }
        let counts: Vec<_> = d
            .rating_facts(
                &self.app.calendar_of(&d.receiving),
                &self.app.settings.rules,
                rating.satisfied,
            )?
            .into_iter()
            .map(|f| (f, 1))
            .collect();
        self.app
            .db
            .put_rating(
                &StoredRating {
                    dossier: id.0,
                    receiving: d.receiving.to_string(),
                    rated_ms: self.app.now().timestamp_millis(),
                    satisfied: rating.satisfied,
                    answers: serde_json::to_string(&rating).expect("rating serialises"),
                    comment,
                },
                &counts,
            )
            .await
            .map_err(|e| match e {
                store::StoreError::Duplicate(_) => AppError::new(
                    ErrorKind::Rule,
                    "already_rated",
                    "Hồ sơ này đã được đánh giá.",
                ),
                other => other.into(),
            })
    }
}
