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

/// Kind of the message carrying a registration's code.
pub const REGISTRATION_CODE: &str = "registration-code";
/// How long a registration's code is valid.
pub const REGISTRATION_MINUTES: i64 = 15;
/// Wrong codes before a registration is dropped.
pub const REGISTRATION_ATTEMPTS: u32 = 5;

/// A registration waiting for its code: where the code went (masked) and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingView {
    pub id_number: String,
    /// "09•••••678", "h•••@example.vn".
    pub sent_to: String,
    pub expires_at: DateTime<Utc>,
}

/// The fields of a registration, checked.
fn checked(r: &Registration) -> Result<CitizenAccount, AppError> {
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
    Ok(CitizenAccount {
        id_number: id_number.as_str().to_string(),
        name: name.to_string(),
        phone: phone.map(|p| p.to_string()),
        email: email.map(|e| e.to_string()),
    })
}

fn account_exists(e: store::StoreError) -> AppError {
    match e {
        store::StoreError::Duplicate(_) => AppError::new(
            ErrorKind::Conflict,
            "account_exists",
            "Số định danh này đã có tài khoản; hãy đăng nhập.",
        ),
        other => other.into(),
    }
}

/// Six random digits.
pub(crate) fn one_time_code() -> Result<String, AppError> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|_| {
        AppError::new(
            ErrorKind::Internal,
            "internal",
            "Không tạo được mã xác nhận.",
        )
    })?;
    Ok(format!("{:06}", u64::from_le_bytes(bytes) % 1_000_000))
}

/// A phone number or an address with most of it hidden.
pub(crate) fn masked(to: &str) -> String {
    match to.split_once('@') {
        Some((user, domain)) => {
            let first: String = user.chars().take(1).collect();
            format!("{first}•••@{domain}")
        }
        None => {
            let n = to.chars().count();
            let head: String = to.chars().take(2).collect();
            let tail: String = to.chars().skip(n.saturating_sub(3)).collect();
            format!("{head}•••••{tail}")
        }
    }
}

/// A citizen's login.
#[derive(Debug, Clone)]
pub struct CitizenSession {
    pub token: String,
    pub citizen: CitizenAccount,
    pub expires_at: DateTime<Utc>,
}

impl Citizens<'_> {
    /// Đăng ký tài khoản: checks every field, then sends a one-time code to the phone (by SMS)
    /// or, without one, to the e-mail address, through the outbox, and keeps the registration
    /// until the code is typed ([`Citizens::confirm_registration`]). Registrations are counted
    /// per address; registering the same number again sends a new code.
    pub async fn register_citizen(
        self,
        r: &Registration,
        client: &Client,
    ) -> Result<PendingView, AppError> {
        let account = checked(r)?;
        let settings = &self.app.settings.notices;
        let (channel, to) = match (&account.phone, &account.email) {
            (Some(p), _) if settings.sms => (store::Channel::Sms, p.clone()),
            (_, Some(e)) if settings.email => (store::Channel::Email, e.clone()),
            (None, None) => {
                return Err(AppError::invalid(
                    "contact_required",
                    "Cần số điện thoại hoặc thư điện tử để nhận mã xác nhận đăng ký.",
                ));
            }
            _ => {
                return Err(AppError::new(
                    ErrorKind::Rule,
                    "verification_unavailable",
                    "Hệ thống chưa gửi được mã xác nhận đến số điện thoại hoặc thư điện tử đã khai (chưa cấu hình SMS hoặc thư điện tử). Ông/bà có thể đăng nhập bằng tài khoản định danh điện tử, hoặc đề nghị Bộ phận Một cửa hỗ trợ.",
                ));
            }
        };
        self.app.throttle.attempt(
            "register",
            client,
            self.app.settings.limits.registrations_per_address,
            self.app.now(),
        )?;
        let hash = self
            .app
            .accounts()
            .hash_citizen_password(&r.password, &r.id_number)
            .await?;
        let code = one_time_code()?;
        let now = self.app.now();
        let expires = now + Duration::minutes(REGISTRATION_MINUTES);
        let text = format!(
            "Ma xac nhan dang ky tai khoan Mot Cua: {code}. Het han sau {REGISTRATION_MINUTES} phut. Khong cung cap ma nay cho nguoi khac."
        );
        let message = store::NewMessage {
            kind: REGISTRATION_CODE.into(),
            channel,
            recipient: to.clone(),
            subject: "Mã xác nhận đăng ký tài khoản Một Cửa".into(),
            body: text,
            idempotency_key: format!(
                "registration:{}:{}",
                account.id_number,
                now.timestamp_millis()
            ),
            dossier: None,
        };
        let pending = store::PendingRegistration {
            code_hash: self.code_hash(&account.id_number, &code),
            account: account.clone(),
            password_hash: hash,
            channel: channel.as_str().into(),
            created_ms: now.timestamp_millis(),
            expires_ms: expires.timestamp_millis(),
            attempts: 0,
        };
        self.app
            .db
            .start_registration(&pending, &message)
            .await
            .map_err(account_exists)?;
        Ok(PendingView {
            id_number: account.id_number,
            sent_to: masked(&to),
            expires_at: expires,
        })
    }

    /// Xác nhận đăng ký: the code sent at registration opens the account. A wrong code is
    /// counted; after [`REGISTRATION_ATTEMPTS`] the registration is dropped and must start again.
    pub async fn confirm_registration(
        self,
        id_number: &str,
        code: &str,
        client: &Client,
    ) -> Result<CitizenAccount, AppError> {
        let id_number = id_number.trim();
        let now = self.app.now();
        self.app.throttle.attempt(
            "register-confirm",
            client,
            {
                let r = self.app.settings.limits.registrations_per_address;
                crate::throttle::Rate {
                    max: r.max.saturating_mul(3),
                    ..r
                }
            },
            now,
        )?;
        let Some(p) = self.app.db.registration(id_number).await? else {
            return Err(AppError::not_found(
                "registration_not_found",
                "Không có đăng ký nào đang chờ xác nhận cho số định danh này; hãy đăng ký lại.",
            ));
        };
        if p.expires_ms <= now.timestamp_millis() {
            self.app.db.drop_registration(id_number).await?;
            return Err(AppError::new(
                ErrorKind::Gone,
                "registration_expired",
                "Mã xác nhận đã hết hạn; hãy đăng ký lại để nhận mã mới.",
            ));
        }
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if self.code_hash(id_number, &code) != p.code_hash {
            let attempts = self.app.db.registration_failed(id_number).await?;
            if attempts >= REGISTRATION_ATTEMPTS {
                self.app.db.drop_registration(id_number).await?;
                return Err(AppError::invalid(
                    "registration_code_wrong",
                    "Mã xác nhận không đúng quá nhiều lần; đăng ký đã bị hủy, hãy đăng ký lại.",
                ));
            }
            return Err(AppError::invalid(
                "registration_code_wrong",
                format!(
                    "Mã xác nhận không đúng (còn {} lần thử).",
                    REGISTRATION_ATTEMPTS - attempts
                ),
            ));
        }
        self.app
            .db
            .finish_registration(id_number, now.timestamp_millis())
            .await
            .map_err(account_exists)
    }

    /// Tài khoản tạo sẵn — an account opened without a code: the demo's invented citizens (and
    /// tests' fixtures). No request reaches it.
    pub async fn seed_account(self, r: &Registration) -> Result<CitizenAccount, AppError> {
        let account = checked(r)?;
        let hash = self
            .app
            .accounts()
            .hash_citizen_password(&r.password, &r.id_number)
            .await?;
        self.app
            .db
            .add_citizen(&account, &hash, self.app.now().timestamp_millis())
            .await
            .map_err(account_exists)?;
        Ok(account)
    }

    /// Opens a session for an account just proved (a confirmed registration).
    pub async fn open_session(self, citizen: CitizenAccount) -> Result<CitizenSession, AppError> {
        self.session_for(citizen, None).await
    }

    /// Opens a session; `identity` names the provider that proved the number (none: a
    /// password or a registration's code).
    pub(crate) async fn session_for(
        self,
        citizen: CitizenAccount,
        identity: Option<&str>,
    ) -> Result<CitizenSession, AppError> {
        let token = new_token()?;
        let now = self.app.now();
        let expires_at = self.app.session_end(now, now);
        self.app
            .db
            .open_citizen_session(
                &token_hash(&token),
                &citizen.id_number,
                now.timestamp_millis(),
                expires_at.timestamp_millis(),
                identity,
            )
            .await?;
        Ok(CitizenSession {
            token,
            citizen,
            expires_at,
        })
    }

    /// The stored form of a registration's code (keyed, so the table alone does not give it).
    fn code_hash(self, id_number: &str, code: &str) -> String {
        use hmac::{KeyInit, Mac};
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.app.keys.access)
            .expect("any key length");
        mac.update(format!("registration|{id_number}|{code}").as_bytes());
        hex::encode(mac.finalize().into_bytes())
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
        self.app.db.login_succeeded(&account).await?;
        self.session_for(citizen, None).await
    }

    /// The citizen behind a session token.
    pub async fn citizen_actor(self, token: &str) -> Result<Actor, AppError> {
        let hash = token_hash(token);
        let (c, identity, times) = self
            .app
            .db
            .session_citizen(&hash, self.app.now().timestamp_millis())
            .await?
            .ok_or_else(AppError::unauthenticated)?;
        self.app
            .keep_alive(store::SessionOf::Citizen, &hash, times)
            .await;
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
    /// The signed-in citizen's own account (its phone and e-mail prefill their forms).
    pub async fn my_account(self, actor: &Actor) -> Result<Option<CitizenAccount>, AppError> {
        let account = crate::access::account_of(actor)?;
        Ok(self.app.db.citizen(account).await?.map(|(a, _)| a))
    }

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
        Ok(self.app.db.rating_of(id.0).await?.is_some())
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
        let d = self.app.stored_dossier(id).await?;
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
