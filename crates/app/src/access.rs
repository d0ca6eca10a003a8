//! Mã bảo mật hồ sơ — how a citizen shows a dossier is theirs. Every dossier has an access code,
//! printed on its receipt beside the dossier code and sent with the receipt notice; knowing the
//! applicant's personal id number is not enough (anyone may type someone else's number). A
//! portal account sees the dossiers it submitted and those it linked with code and access code;
//! without an account, code and access code together allow the public follow-ups (supplement,
//! withdrawal) on that one dossier. Wrong guesses are counted per dossier and per address.

use domain::dossier::{Dossier, DossierId};
use domain::ids::{Cccd, DossierCode};
use domain::officer::{Actor, CitizenAccess};
use hmac::{KeyInit, Mac};
use sha2::Sha256;

use crate::Citizens;
use crate::throttle::Client;
use crate::{App, AppError, ErrorKind};

/// Crockford's base 32: no I, L, O or U, so a code read aloud or typed is not misread.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Name of the server secret behind the access codes.
pub(crate) const ACCESS_KEY: &str = "dossier-access-code";

/// The access code of a dossier under `key`: 8 characters (40 bits) shown as `XXXX-XXXX`.
pub(crate) fn access_code_of(key: &[u8], id: DossierId) -> String {
    let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("any key length");
    mac.update(b"motcua-dossier-access|");
    mac.update(id.0.as_bytes());
    let digest = mac.finalize().into_bytes();
    let mut bits: u64 = 0;
    for b in &digest[..5] {
        bits = (bits << 8) | u64::from(*b);
    }
    let chars: String = (0..8)
        .rev()
        .map(|i| ALPHABET[((bits >> (i * 5)) & 31) as usize] as char)
        .collect();
    format!("{}-{}", &chars[..4], &chars[4..])
}

/// An access code as typed: case, spaces and dashes ignored, O read as 0 and I, L as 1.
fn normalise(typed: &str) -> Option<String> {
    let s: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect();
    (s.len() == 8 && s.bytes().all(|b| ALPHABET.contains(&b)))
        .then(|| format!("{}-{}", &s[..4], &s[4..]))
}

/// Compares secrets without stopping at the first difference.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn wrong_code() -> AppError {
    AppError::new(
        ErrorKind::Forbidden,
        "wrong_access_code",
        "Mã hồ sơ hoặc mã bảo mật không đúng. Mã bảo mật in trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả.",
    )
}

impl App {
    /// The dossier named by `code` when `access_code` is its access code. Guesses are counted:
    /// per dossier and per address, the limits of [`crate::throttle::Limits`].
    async fn prove(
        &self,
        code: &str,
        access_code: &str,
        client: &Client,
    ) -> Result<Dossier, AppError> {
        let limits = self.settings.limits;
        let now = self.now();
        let th = &self.throttle;
        th.check_client_failures(
            "access-address",
            client,
            limits.access_failures_per_address,
            now,
        )?;
        let code = DossierCode::parse(code)?;
        th.check_failures(
            "access-dossier",
            code.as_str(),
            limits.access_failures_per_dossier,
            now,
        )?;
        let found = match self.db.dossier_id_by_code(code.as_str()).await? {
            Some(id) => self.db.dossier(id).await?,
            None => None,
        };
        let ok = match (&found, normalise(access_code)) {
            (Some(d), Some(given)) => same_secret(&self.citizens().access_code(d.id), &given),
            _ => false,
        };
        match found {
            Some(d) if ok => Ok(d),
            _ => {
                th.client_failed(
                    "access-address",
                    client,
                    limits.access_failures_per_address,
                    now,
                );
                th.failed(
                    "access-dossier",
                    code.as_str(),
                    limits.access_failures_per_dossier,
                    now,
                );
                tracing::warn!(code = %code, client = ?client.ip, "wrong dossier access code");
                Err(wrong_code())
            }
        }
    }

    /// Whether a citizen may see and act on this dossier: theirs by account or by receipt.
    pub(crate) async fn citizen_owns(&self, actor: &Actor, d: &Dossier) -> Result<bool, AppError> {
        Ok(match actor {
            Actor::Citizen {
                access: CitizenAccess::Receipt(id),
                ..
            } => *id == d.id,
            Actor::Citizen {
                access: CitizenAccess::Account,
                id_number: Some(n),
                ..
            } => self.db.citizen_has_dossier(n.as_str(), d.id.0).await?,
            // The national identity proved the number: the dossiers filed under it are theirs.
            Actor::Citizen {
                access: CitizenAccess::Identity,
                id_number: Some(n),
                ..
            } => {
                d.applicant.id_number() == n.as_str()
                    || self.db.citizen_has_dossier(n.as_str(), d.id.0).await?
            }
            _ => false,
        })
    }

    /// Refuses a citizen acting on a dossier that is not theirs (the message says no more).
    pub(crate) async fn require_owner(&self, actor: &Actor, d: &Dossier) -> Result<(), AppError> {
        if self.citizen_owns(actor, d).await? {
            Ok(())
        } else {
            Err(AppError::new(
                ErrorKind::Forbidden,
                "forbidden",
                "Bạn chỉ xem và thao tác được trên hồ sơ của mình.",
            ))
        }
    }
}

impl Citizens<'_> {
    /// Mã bảo mật of a dossier, as printed on its receipt.
    pub fn access_code(self, id: DossierId) -> String {
        access_code_of(&self.app.keys.access, id)
    }

    /// The applicant of a dossier, proved by its code and access code (no account): may follow
    /// up on that dossier only (supplement, withdrawal).
    pub async fn applicant_by_receipt(
        self,
        code: &str,
        access_code: &str,
        client: &Client,
    ) -> Result<(Actor, DossierId), AppError> {
        let d = self.app.prove(code, access_code, client).await?;
        let actor = Actor::Citizen {
            name: d.applicant.person().clone(),
            id_number: Cccd::parse(d.applicant.id_number()).ok(),
            access: CitizenAccess::Receipt(d.id),
        };
        Ok((actor, d.id))
    }

    /// Thêm hồ sơ vào tài khoản: a citizen's account takes a dossier received at the counter or
    /// by post, proved by the code and access code of its receipt.
    pub async fn link_dossier(
        self,
        actor: &Actor,
        code: &str,
        access_code: &str,
        client: &Client,
    ) -> Result<Dossier, AppError> {
        let account = account_of(actor)?;
        let d = self.app.prove(code, access_code, client).await?;
        self.app
            .db
            .link_citizen_dossier(
                account,
                d.id.0,
                "receipt",
                self.app.now().timestamp_millis(),
            )
            .await?;
        tracing::info!(code = %d.code, "dossier linked to a citizen account");
        Ok(d)
    }
}

/// Who an actor is, as keys of what they own are scoped (`officer:<id>`,
/// `citizen:<id number>` for a portal account): files they uploaded, idempotency keys they
/// sent. `None` for anyone else (a receipt holder, the system).
pub(crate) fn actor_key(actor: &Actor) -> Option<String> {
    match actor {
        Actor::Officer(o) => Some(format!("officer:{}", o.id)),
        Actor::Citizen {
            access: CitizenAccess::Account | CitizenAccess::Identity,
            id_number: Some(n),
            ..
        } => Some(format!("citizen:{}", n.as_str())),
        // The system opens the submissions pulled from the national portal and keeps their files.
        Actor::System => Some("system".into()),
        _ => None,
    }
}

/// The portal account behind a citizen actor.
pub(crate) fn account_of(actor: &Actor) -> Result<&str, AppError> {
    match actor {
        Actor::Citizen {
            access: CitizenAccess::Account | CitizenAccess::Identity,
            id_number: Some(n),
            ..
        } => Ok(n.as_str()),
        _ => Err(AppError::unauthenticated()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_codes_are_eight_unambiguous_characters_and_forgive_typing() {
        let id = DossierId(uuid::Uuid::from_u128(42));
        let code = access_code_of(b"key", id);
        assert_eq!(code.len(), 9);
        assert_eq!(&code[4..5], "-");
        assert!(
            code.bytes()
                .filter(|b| *b != b'-')
                .all(|b| ALPHABET.contains(&b))
        );
        assert_ne!(code, access_code_of(b"other key", id));
        assert_ne!(
            code,
            access_code_of(b"key", DossierId(uuid::Uuid::from_u128(43)))
        );
        let typed = code.to_lowercase().replace('-', " ");
        assert_eq!(normalise(&typed).as_deref(), Some(code.as_str()));
        assert_eq!(normalise("oooo-llll").as_deref(), Some("0000-1111"));
        assert_eq!(normalise("ABC"), None);
        assert_eq!(normalise("ABCD-EFGU"), None);
    }
}
