//! Mật khẩu — Argon2id hashing on a small, fixed set of threads with a bounded queue.
//!
//! Each hash takes 19 MiB of memory and ~10 ms of a core by design. Run on tokio's unbounded
//! blocking threads, a login flood made hundreds of them allocate at once (13 GB resident, never
//! given back) and starved every other request. Here a few long-lived threads hash one password
//! at a time each, so no more than their number of working memories exist at once; each is
//! given back after its hash, so an idle server holds none; a full queue answers "busy" at once
//! instead of growing.

use std::sync::mpsc::{self, SyncSender, TrySendError};

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::oneshot;

use crate::{AppError, ErrorKind};

enum Work {
    Hash(String, oneshot::Sender<Result<String, AppError>>),
    HashGenerated(String, oneshot::Sender<Result<String, AppError>>),
    Verify(String, String, oneshot::Sender<bool>),
}

/// Chính sách mật khẩu — what a password a person chooses must be: long enough, of enough
/// kinds of characters (lower case, upper case, digits, others), not one of the passwords tried
/// first by anyone guessing, and not the account's own name. Officers' by default: 10
/// characters of 3 kinds (TCVN 11930:2017 asks for length and complexity and leaves the figures
/// to the unit: `[passwords]`); citizens': 8 characters (NIST SP 800-63B), any kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    pub min_length: usize,
    /// How many of the four kinds of characters it must hold (1–4).
    pub kinds: u8,
}

impl PasswordPolicy {
    pub const OFFICER: Self = Self {
        min_length: 10,
        kinds: 3,
    };
    pub const CITIZEN: Self = Self {
        min_length: 8,
        kinds: 1,
    };

    /// The policy in words, for a form's label: "ít nhất 10 ký tự, có 3 trong 4 loại: …".
    pub fn rule(&self) -> String {
        let length = format!("ít nhất {} ký tự", self.min_length);
        if self.kinds <= 1 {
            return length;
        }
        format!("{length}, có {} trong 4 loại: {KINDS}", self.kinds)
    }

    /// Refuses a password that does not meet the policy, saying what to change (never quoting
    /// it). `account` is the user name or id number it is for.
    pub fn check(&self, password: &str, account: &str) -> Result<(), AppError> {
        let weak = |message: String| Err(AppError::invalid("weak_password", message));
        if password.chars().count() < self.min_length {
            return weak(format!(
                "Mật khẩu phải có ít nhất {} ký tự.",
                self.min_length
            ));
        }
        if password.len() > 1024 {
            return Err(AppError::invalid(
                "invalid_password",
                "Mật khẩu tối đa 1.024 ký tự.",
            ));
        }
        let has = |f: fn(&char) -> bool| password.chars().any(|c| f(&c));
        let kinds = [
            has(|c| c.is_lowercase()),
            has(|c| c.is_uppercase()),
            has(|c| c.is_ascii_digit()),
            has(|c| !c.is_alphanumeric()),
        ]
        .iter()
        .filter(|&&k| k)
        .count();
        if kinds < usize::from(self.kinds) {
            return weak(format!(
                "Mật khẩu cần có ít nhất {} trong 4 loại ký tự: {KINDS}.",
                self.kinds
            ));
        }
        let lower = password.to_lowercase();
        if COMMON.contains(&lower.as_str()) {
            return weak(
                "Mật khẩu này nằm trong danh sách mật khẩu hay bị dò nhất; hãy chọn mật khẩu khác."
                    .into(),
            );
        }
        let account = account.trim().to_lowercase();
        if account.chars().count() >= 4 && lower.contains(&account) {
            return weak("Mật khẩu không được chứa tên đăng nhập hoặc số định danh.".into());
        }
        Ok(())
    }
}

/// The four kinds of characters, as the policy names them.
const KINDS: &str = "chữ thường, chữ hoa, chữ số, ký hiệu (như @ # -)";

/// Passwords tried first when guessing (the most common in published lists, and their
/// Vietnamese counterparts), lower case.
const COMMON: &[&str] = &[
    "123456",
    "123456789",
    "12345678",
    "1234567890",
    "12345678910",
    "0123456789",
    "password",
    "password1",
    "password123",
    "password@123",
    "p@ssw0rd",
    "p@ssword",
    "p@ssword1",
    "p@ssw0rd123",
    "passw0rd",
    "qwerty",
    "qwerty123",
    "qwertyuiop",
    "1q2w3e4r",
    "1q2w3e4r5t",
    "1qaz2wsx",
    "1qaz@wsx",
    "abc123",
    "abc@123",
    "abc@1234",
    "abcd1234",
    "abcd@1234",
    "admin",
    "admin123",
    "admin@123",
    "admin@1234",
    "admin@2024",
    "admin@2025",
    "admin@2026",
    "administrator",
    "root",
    "root@123",
    "toor",
    "welcome",
    "welcome1",
    "welcome@123",
    "letmein",
    "iloveyou",
    "111111",
    "1111111111",
    "000000",
    "0000000000",
    "88888888",
    "66666666",
    "123123",
    "123123123",
    "123qwe",
    "123@abc",
    "zaq12wsx",
    "changeme",
    "matkhau",
    "matkhau1",
    "matkhau123",
    "matkhau@123",
    "mat-khau",
    "matkhau@2025",
    "matkhau@2026",
    "anhyeuem",
    "anhyeuem123",
    "emyeuanh",
    "yeuem",
    "vietnam",
    "vietnam123",
    "vietnam@123",
    "hanoi123",
    "saigon123",
    "123456a@",
    "a123456",
    "a123456789",
    "aa123456",
    "1234qwer",
    "qwer1234",
    "asdf1234",
    "asdfghjkl",
    "zxcvbnm",
    "12345qwert",
    "motcua",
    "motcua123",
    "motcua@123",
    "ubnd@123",
    "ubnd@2025",
    "ubnd@2026",
    "tiepnhan",
    "tiepnhan@123",
    "mot-cua@123",
    "hanhchinh",
    "hanhchinh@123",
];

/// The hashing threads and their queue.
#[derive(Debug)]
pub struct PasswordPool {
    queue: SyncSender<Work>,
    /// A hash of a random password, verified against when the account does not exist, so an
    /// unknown name takes as long as a wrong password.
    decoy: String,
}

/// Argon2 memory for a password the system made (a one-time password of about 79 random bits):
/// its strength is its randomness, which no guessing rate can get through, so hundreds of them
/// (an officers' table) hash in a moment rather than half a minute. Verification reads the
/// parameters from each stored hash.
const GENERATED_MEMORY_KIB: u32 = 1024;

fn params(memory_kib: u32) -> Params {
    Params::new(memory_kib, 2, 1, None).expect("valid Argon2 parameters")
}

fn internal() -> AppError {
    AppError::new(
        ErrorKind::Internal,
        "internal",
        "Không xử lý được mật khẩu.",
    )
}

/// One hashing thread's state: the engine parameters.
struct Worker {
    params: Params,
}

impl Worker {
    fn new(memory_kib: u32) -> Self {
        Self {
            params: params(memory_kib),
        }
    }

    /// Runs Argon2id with `params` into `out`, in working memory taken for this hash and given
    /// back after it.
    fn compute(&mut self, params: &Params, password: &[u8], salt: &[u8], out: &mut [u8]) -> bool {
        let mut memory = vec![Block::default(); params.block_count()];
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
            .hash_password_into_with_memory(password, salt, out, &mut memory[..])
            .is_ok()
    }

    fn hash(&mut self, password: &str) -> Result<String, AppError> {
        let params = self.params.clone();
        self.hash_with(params, password)
    }

    fn hash_with(&mut self, params: Params, password: &str) -> Result<String, AppError> {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|_| internal())?;
        let mut out = [0u8; 32];
        if !self.compute(&params, password.as_bytes(), &salt, &mut out) {
            return Err(internal());
        }
        let phc = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&params).map_err(|_| internal())?,
            salt: Some(Salt::new(&salt).map_err(|_| internal())?),
            hash: Some(Output::new(&out).map_err(|_| internal())?),
        };
        Ok(phc.to_string())
    }

    fn verify(&mut self, hash: &str, password: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(hash) else {
            return false;
        };
        let (Ok(params), Some(salt), Some(expected)) =
            (Params::try_from(&parsed), parsed.salt, parsed.hash)
        else {
            return false;
        };
        if parsed.algorithm != Algorithm::Argon2id.ident() {
            return false;
        }
        let mut out = vec![0u8; expected.len()];
        if !self.compute(&params, password.as_bytes(), salt.as_ref(), &mut out) {
            return false;
        }
        // Output's equality is constant-time.
        Output::new(&out).is_ok_and(|got| got == expected)
    }
}

impl PasswordPool {
    /// Starts `threads` hashing threads with a queue of `queue` waiting requests.
    pub fn start(memory_kib: u32, threads: usize, queue: usize) -> Self {
        let (tx, rx) = mpsc::sync_channel::<Work>(queue.max(1));
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        for i in 0..threads.max(1) {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("motcua-argon2-{i}"))
                .spawn(move || {
                    let mut worker = Worker::new(memory_kib);
                    loop {
                        let work = match rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        match work {
                            Ok(Work::Hash(password, reply)) => {
                                let _ = reply.send(worker.hash(&password));
                            }
                            Ok(Work::HashGenerated(password, reply)) => {
                                let _ = reply.send(
                                    worker.hash_with(params(GENERATED_MEMORY_KIB), &password),
                                );
                            }
                            Ok(Work::Verify(hash, password, reply)) => {
                                let _ = reply.send(worker.verify(&hash, &password));
                            }
                            Err(_) => return,
                        }
                    }
                })
                .expect("hashing thread starts");
        }
        let mut random = [0u8; 32];
        getrandom::fill(&mut random).expect("system random source");
        let decoy = Worker::new(memory_kib)
            .hash(&hex::encode(random))
            .expect("a decoy hash");
        Self { queue: tx, decoy }
    }

    fn send(&self, work: Work) -> Result<(), AppError> {
        self.queue.try_send(work).map_err(|e| match e {
            TrySendError::Full(_) => {
                tracing::warn!("password queue full: request refused");
                AppError::new(
                    ErrorKind::Busy,
                    "busy",
                    "Hệ thống đang bận xử lý đăng nhập; vui lòng thử lại sau ít giây.",
                )
            }
            TrySendError::Disconnected(_) => internal(),
        })
    }

    /// Hashes a new password (PHC string); the caller has checked it against a
    /// [`PasswordPolicy`].
    pub async fn hash(&self, password: &str) -> Result<String, AppError> {
        let (reply, rx) = oneshot::channel();
        self.send(Work::Hash(password.to_string(), reply))?;
        rx.await.map_err(|_| internal())?
    }

    /// Hashes a password the system generated ([`crate::province::one_time_password`]) with
    /// light parameters (see `GENERATED_MEMORY_KIB`).
    pub async fn hash_generated(&self, password: &str) -> Result<String, AppError> {
        let (reply, rx) = oneshot::channel();
        self.send(Work::HashGenerated(password.to_string(), reply))?;
        rx.await.map_err(|_| internal())?
    }

    /// Whether `password` matches `hash`; with no hash (no such account) it is checked against a
    /// decoy, so both take the same time. Refused at once when the queue is full.
    pub async fn verify(&self, hash: Option<&str>, password: &str) -> Result<bool, AppError> {
        if password.len() > 1024 {
            return Ok(false);
        }
        let (reply, rx) = oneshot::channel();
        let known = hash.is_some();
        let hash = hash.unwrap_or(&self.decoy).to_string();
        self.send(Work::Verify(hash, password.to_string(), reply))?;
        let ok = rx.await.map_err(|_| internal())?;
        Ok(ok && known)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_generated_password_is_hashed_lightly_and_verifies() {
        let pool = PasswordPool::start(4096, 1, 4);
        let h = pool.hash_generated("abcd-efgh-jkmn-pqrs").await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=1024,t=2,p=1$"), "{h}");
        assert!(pool.verify(Some(&h), "abcd-efgh-jkmn-pqrs").await.unwrap());
        assert!(!pool.verify(Some(&h), "abcd-efgh-jkmn-pqrt").await.unwrap());
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let pool = PasswordPool::start(1024, 1, 4);
        let h = pool.hash("mat-khau-dai").await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=1024,t=2,p=1$"));
        assert!(pool.verify(Some(&h), "mat-khau-dai").await.unwrap());
        assert!(!pool.verify(Some(&h), "mat-khau-sai").await.unwrap());
        assert!(!pool.verify(None, "mat-khau-dai").await.unwrap());
        assert!(!pool.verify(Some("not a hash"), "x").await.unwrap());
    }

    #[test]
    fn the_policy_says_what_to_change() {
        let officer = PasswordPolicy::OFFICER;
        let weak = |p: &str, account: &str| officer.check(p, account).unwrap_err().message;
        assert!(weak("Ab1@", "mai").contains("ít nhất 10 ký tự"));
        assert!(weak("chỉ chữ thường thôi", "mai").contains("3 trong 4 loại"));
        assert_eq!(
            officer.rule(),
            "ít nhất 10 ký tự, có 3 trong 4 loại: chữ thường, chữ hoa, chữ số, ký hiệu (như @ # -)"
        );
        assert_eq!(PasswordPolicy::CITIZEN.rule(), "ít nhất 8 ký tự");
        assert!(weak("Password@123", "mai").contains("hay bị dò"));
        assert!(weak("Mai.Nguyen@2026", "mai.nguyen").contains("tên đăng nhập"));
        assert!(
            officer.check("Đèo Mã Pí Lèng 2026", "mai").is_ok(),
            "Vietnamese letters count"
        );
        assert!(officer.check("motcua@2026", "motcua.baothang").is_ok());
        assert_eq!(
            officer.check(&"Aa1@".repeat(300), "mai").unwrap_err().code,
            "invalid_password"
        );
        let citizen = PasswordPolicy::CITIZEN;
        assert!(citizen.check("sông hồng xanh", "010190012345").is_ok());
        assert!(citizen.check("12345678", "010190012345").is_err());
        assert!(citizen.check("x010190012345", "010190012345").is_err());
        for p in ["Ab1@", "Password@123", "Mai.Nguyen@2026"] {
            assert!(
                !weak(p, "mai.nguyen").contains(p),
                "the password is not quoted"
            );
        }
    }

    #[tokio::test]
    async fn hashes_of_the_argon2_crate_still_verify() {
        use argon2::password_hash::PasswordHasher;
        let old = Argon2::new(Algorithm::Argon2id, Version::V0x13, params(2048))
            .hash_password(b"motcua@2026")
            .unwrap()
            .to_string();
        let pool = PasswordPool::start(1024, 1, 4);
        assert!(pool.verify(Some(&old), "motcua@2026").await.unwrap());
        assert!(!pool.verify(Some(&old), "motcua@2027").await.unwrap());
    }

    #[tokio::test]
    async fn a_full_queue_answers_busy_at_once() {
        let pool = PasswordPool::start(64 * 1024, 1, 1);
        let h = pool.hash("mat-khau-dai").await.unwrap();
        let mut waiting = Vec::new();
        let mut busy = 0;
        for _ in 0..50 {
            match pool.send_verify_for_test(&h) {
                Ok(rx) => waiting.push(rx),
                Err(e) => {
                    assert_eq!(e.kind, ErrorKind::Busy);
                    busy += 1;
                }
            }
        }
        assert!(busy > 0, "a queue of one must refuse some of 50 at once");
        for rx in waiting {
            assert!(rx.await.unwrap());
        }
    }

    impl PasswordPool {
        fn send_verify_for_test(&self, hash: &str) -> Result<oneshot::Receiver<bool>, AppError> {
            let (reply, rx) = oneshot::channel();
            self.send(Work::Verify(hash.into(), "mat-khau-dai".into(), reply))?;
            Ok(rx)
        }
    }
}
