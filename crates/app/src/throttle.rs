//! Giới hạn tần suất — how often one address or one account may try something that an attacker
//! would repeat: logging in, guessing a dossier's access code, submitting online, registering.
//! Counted in memory per server, in fixed windows of the application's clock; a lock an
//! administrator must be able to see and lift (an account's) is kept in the database instead.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

use crate::{AppError, ErrorKind};

/// Who is calling, as far as the HTTP layer could tell.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Client {
    /// The client's address (behind a trusted proxy, the address it forwarded).
    pub ip: Option<IpAddr>,
}

impl Client {
    pub fn at(ip: IpAddr) -> Self {
        Self { ip: Some(ip) }
    }

    /// The key of this client's address in the counters (one key for every unknown address).
    fn key(&self) -> String {
        match self.ip {
            // An IPv6 client controls its whole /64: count the prefix, not the address.
            Some(IpAddr::V6(v6)) => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
            Some(ip) => ip.to_string(),
            None => "unknown".into(),
        }
    }
}

/// A limit: at most `max` in `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub max: u32,
    pub window: Duration,
}

impl Rate {
    pub const fn per_minutes(max: u32, minutes: i64) -> Self {
        Self {
            max,
            window: Duration::minutes(minutes),
        }
    }
}

/// Giới hạn — the limits, configurable (`[limits]` in `motcua.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Login attempts from one address.
    pub login_per_address: Rate,
    /// Failed logins from one address.
    pub login_failures_per_address: Rate,
    /// Consecutive failed logins of one account within the window lock it for the lock time.
    pub login_failures_per_account: Rate,
    pub account_lock: Duration,
    /// Wrong access codes given for one dossier.
    pub access_failures_per_dossier: Rate,
    /// Wrong access codes or unknown codes given from one address.
    pub access_failures_per_address: Rate,
    /// Online submissions by one account.
    pub submissions_per_account: Rate,
    /// Online submissions from one address.
    pub submissions_per_address: Rate,
    /// Accounts registered from one address.
    pub registrations_per_address: Rate,
    /// Queue tickets taken from one address (a kiosk issues hundreds a day).
    pub tickets_per_address: Rate,
    /// Public lookups of a dossier by its code from one address: codes are sequential, so an
    /// enumerator is slowed here.
    pub lookups_per_address: Rate,
    /// Public searches and reads of the catalogue and the administrative units from one
    /// address (each costs a search; a form's address helper asks a few times per entry).
    pub public_reads_per_address: Rate,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            login_per_address: Rate::per_minutes(60, 1),
            login_failures_per_address: Rate::per_minutes(30, 15),
            login_failures_per_account: Rate::per_minutes(5, 15),
            account_lock: Duration::minutes(15),
            access_failures_per_dossier: Rate::per_minutes(10, 60),
            access_failures_per_address: Rate::per_minutes(30, 60),
            submissions_per_account: Rate::per_minutes(20, 24 * 60),
            submissions_per_address: Rate::per_minutes(60, 60),
            registrations_per_address: Rate::per_minutes(10, 60),
            tickets_per_address: Rate::per_minutes(120, 10),
            lookups_per_address: Rate::per_minutes(120, 1),
            public_reads_per_address: Rate::per_minutes(600, 1),
        }
    }
}

/// Đọc công khai — what anyone may read without an account, counted per address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PublicRead {
    /// The lookup of a dossier by its code.
    Lookup,
    /// A search of the catalogue, a list or a conversion of administrative units.
    Search,
}

impl crate::App {
    /// Counts a public read by this client; refuses (429) past its limit.
    pub fn public_read(&self, what: PublicRead, client: &Client) -> Result<(), AppError> {
        let rate = match what {
            PublicRead::Lookup => self.settings.limits.lookups_per_address,
            PublicRead::Search => self.settings.limits.public_reads_per_address,
        };
        if self.throttle.reads.count(what, client, rate, self.now()) {
            Ok(())
        } else {
            tracing::warn!(?what, client = %client.key(), "too many public reads from one address");
            Err(too_many(rate))
        }
    }
}

/// Shards of [`Reads`]: requests from different addresses rarely wait on one another.
const READ_SHARDS: usize = 16;

/// Public reads counted per address, on the hot path of the busiest public pages: keys are
/// numbers (no text made per request) in shards of their own.
#[derive(Debug, Default)]
pub(crate) struct Reads {
    shards: [Mutex<HashMap<(PublicRead, u128), Window>>; READ_SHARDS],
}

impl Reads {
    fn count(&self, what: PublicRead, client: &Client, rate: Rate, now: DateTime<Utc>) -> bool {
        let addr = match client.ip {
            // An IPv6 client controls its whole /64: count the prefix, as `Client::key` does.
            Some(IpAddr::V6(v6)) => u128::from(v6) >> 64 << 64,
            Some(IpAddr::V4(v4)) => u128::from(u32::from(v4)),
            None => u128::MAX,
        };
        let shard = &self.shards[(addr as usize ^ (addr >> 64) as usize) % READ_SHARDS];
        let mut windows = shard.lock().expect("throttle lock");
        if windows.len() >= MAX_KEYS / READ_SHARDS && !windows.contains_key(&(what, addr)) {
            windows.retain(|_, w| now < w.start + w.window);
            if windows.len() >= MAX_KEYS / READ_SHARDS {
                windows.clear();
            }
        }
        Window::count_in(windows.entry((what, addr)), rate, now)
    }

    fn sweep(&self, now: DateTime<Utc>) {
        for shard in &self.shards {
            shard
                .lock()
                .expect("throttle lock")
                .retain(|_, w| now < w.start + w.window);
        }
    }
}

/// Most keys kept: past this, expired windows are swept and then arbitrary ones dropped, so a
/// flood of addresses cannot take the memory.
const MAX_KEYS: usize = 200_000;

#[derive(Debug, Clone, Copy)]
struct Window {
    start: DateTime<Utc>,
    count: u32,
    window: Duration,
}

impl Window {
    /// Counts one in the window of `entry` (a new one when there is none or it is over); false
    /// when that goes over the limit.
    fn count_in<K>(
        entry: std::collections::hash_map::Entry<'_, K, Window>,
        rate: Rate,
        now: DateTime<Utc>,
    ) -> bool {
        let fresh = Window {
            start: now,
            count: 0,
            window: rate.window,
        };
        let w = entry.or_insert(fresh);
        if now >= w.start + w.window {
            *w = fresh;
        }
        w.count = w.count.saturating_add(1);
        w.count <= rate.max
    }
}

/// Counters of attempts per key, in fixed windows.
#[derive(Debug, Default)]
pub struct Throttle {
    windows: Mutex<HashMap<String, Window>>,
    /// The public reads (lookups, searches), kept apart for speed.
    reads: Reads,
}

impl Throttle {
    /// Whether `key` is under its limit now (without counting).
    fn under(&self, key: &str, rate: Rate, now: DateTime<Utc>) -> bool {
        let windows = self.windows.lock().expect("throttle lock");
        windows
            .get(key)
            .is_none_or(|w| now >= w.start + w.window || w.count < rate.max)
    }

    /// Counts one for `key`; false when that goes over the limit.
    pub(crate) fn count(&self, key: String, rate: Rate, now: DateTime<Utc>) -> bool {
        let mut windows = self.windows.lock().expect("throttle lock");
        if windows.len() >= MAX_KEYS && !windows.contains_key(&key) {
            windows.retain(|_, w| now < w.start + w.window);
            let excess = windows.len().saturating_sub(MAX_KEYS / 2);
            let drop: Vec<String> = windows.keys().take(excess).cloned().collect();
            for k in drop {
                windows.remove(&k);
            }
        }
        Window::count_in(windows.entry(key), rate, now)
    }

    /// Forgets the windows that are over.
    pub fn sweep(&self, now: DateTime<Utc>) {
        self.windows
            .lock()
            .expect("throttle lock")
            .retain(|_, w| now < w.start + w.window);
        self.reads.sweep(now);
    }

    /// Counts an attempt of `what` by this client; refuses when the client went over `rate`.
    pub(crate) fn attempt(
        &self,
        what: &str,
        client: &Client,
        rate: Rate,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        if self.count(format!("{what}:{}", client.key()), rate, now) {
            Ok(())
        } else {
            tracing::warn!(what, client = %client.key(), "too many attempts from one address");
            Err(too_many(rate))
        }
    }

    /// Refuses when failures of `what` under `key` reached `rate` (without counting).
    pub(crate) fn check_failures(
        &self,
        what: &str,
        key: &str,
        rate: Rate,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        if self.under(&format!("{what}:{key}"), rate, now) {
            Ok(())
        } else {
            Err(too_many(rate))
        }
    }

    /// Counts a failure of `what` under `key`.
    pub(crate) fn failed(&self, what: &str, key: &str, rate: Rate, now: DateTime<Utc>) {
        self.count(format!("{what}:{key}"), rate, now);
    }

    /// Refuses when this client's failures of `what` reached `rate`.
    pub(crate) fn check_client_failures(
        &self,
        what: &str,
        client: &Client,
        rate: Rate,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        self.check_failures(what, &client.key(), rate, now)
    }

    /// Counts a failure of `what` by this client.
    pub(crate) fn client_failed(
        &self,
        what: &str,
        client: &Client,
        rate: Rate,
        now: DateTime<Utc>,
    ) {
        self.failed(what, &client.key(), rate, now);
    }
}

/// The refusal of one attempt too many.
pub(crate) fn too_many(rate: Rate) -> AppError {
    AppError::new(
        ErrorKind::TooMany,
        "too_many_attempts",
        format!(
            "Quá nhiều lần thử trong thời gian ngắn; vui lòng thử lại sau {} phút.",
            rate.window.num_minutes().max(1)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::minutes(minutes)
    }

    #[test]
    fn a_client_over_its_rate_is_refused_until_the_window_ends() {
        let th = Throttle::default();
        let rate = Rate::per_minutes(3, 10);
        let a = Client::at("10.0.0.1".parse().unwrap());
        let b = Client::at("10.0.0.2".parse().unwrap());
        for _ in 0..3 {
            assert!(th.attempt("x", &a, rate, t(0)).is_ok());
        }
        let e = th.attempt("x", &a, rate, t(1)).unwrap_err();
        assert_eq!(e.kind, ErrorKind::TooMany);
        // Another address and another action are not affected.
        assert!(th.attempt("x", &b, rate, t(1)).is_ok());
        assert!(th.attempt("y", &a, rate, t(1)).is_ok());
        // A new window.
        assert!(th.attempt("x", &a, rate, t(10)).is_ok());
    }

    #[test]
    fn an_ipv6_client_is_counted_by_its_prefix() {
        let th = Throttle::default();
        let rate = Rate::per_minutes(1, 10);
        let a = Client::at("2001:db8:1:2::1".parse().unwrap());
        let b = Client::at("2001:db8:1:2::ffff".parse().unwrap());
        assert!(th.attempt("x", &a, rate, t(0)).is_ok());
        assert!(th.attempt("x", &b, rate, t(0)).is_err());
    }

    #[test]
    fn failures_are_checked_without_counting_and_counted_apart() {
        let th = Throttle::default();
        let rate = Rate::per_minutes(2, 10);
        assert!(th.check_failures("f", "k", rate, t(0)).is_ok());
        th.failed("f", "k", rate, t(0));
        assert!(th.check_failures("f", "k", rate, t(0)).is_ok());
        th.failed("f", "k", rate, t(0));
        assert!(th.check_failures("f", "k", rate, t(1)).is_err());
        assert!(th.check_failures("f", "k", rate, t(10)).is_ok());
    }

    #[test]
    fn the_number_of_keys_is_bounded() {
        let th = Throttle::default();
        let rate = Rate::per_minutes(1, 10);
        for i in 0..(MAX_KEYS as u32 + 10) {
            th.failed("f", &i.to_string(), rate, t(0));
        }
        assert!(th.windows.lock().unwrap().len() <= MAX_KEYS);
    }
}
