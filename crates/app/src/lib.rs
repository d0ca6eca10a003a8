//! `app` — the use cases of Một Cửa, as a few services named after what people do, each reached
//! from the [`App`]: `app.intake()` (receive dossiers at the counter, by post, online),
//! `app.handling()` (everything after reception), `app.queries()` (lists, detail, public
//! lookup), `app.catalogue()`, `app.accounts()`, `app.citizens()`, `app.reports()`,
//! `app.notices()` and `app.admin()` — the list is the `services!` table in this file. Each use case opens the
//! one transaction its change needs; the HTTP layer only parses, calls one of them, and renders.

/// Counters `/metrics` shows.
pub use store::{LowDisk, OutboxCounts, WriteStats};

pub mod access;
pub mod access_log;
pub mod admin;
pub mod agencies;
pub mod auth;
pub mod catalog;
pub mod citizens;
pub mod cluster;
pub mod data_store;
pub mod demo;
pub mod digest;
mod error;
pub mod evaluation;
pub mod fee_book;
pub mod feedback;
pub mod files;
pub mod gateway;
pub mod handling;
pub mod health;
pub mod identity;
pub mod intake;
pub mod legacy;
pub mod logbook;
pub mod national;
pub mod notices;
pub mod overview;
pub mod passwords;
pub mod payments;
pub mod population;
pub mod provenance;
pub mod province;
pub mod qd766;
pub mod queries;
pub mod queue;
pub mod receipts;
pub mod reports;
pub mod results;
pub mod roster;
pub mod search;
pub mod second_factor;
mod sheet;
pub mod signing;
pub mod statement;
pub mod surveys;
pub mod throttle;
pub mod units;
pub mod verify;

use std::sync::{Arc, RwLock};

use chrono::{DateTime, SubsecRound, Utc};
use domain::agency::AgencyTree;
use domain::dossier::LegalRules;
use lich::{Calendar, WorkCalendar};
use store::Db;

pub use error::{AppError, ErrorKind, serde_message};
pub use throttle::{Client, Limits, PublicRead, Rate};

/// Where the current time comes from; tests and the demo generator pin it.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The real clock.
pub struct SystemClock;

impl Clock for SystemClock {
    /// Whole seconds: what the law and the forms record, and what every reader gets back.
    fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(0)
    }
}

/// A clock that shows a set time until moved.
pub struct FixedClock(RwLock<DateTime<Utc>>);

impl FixedClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(RwLock::new(at))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.write().expect("clock lock") = at;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.read().expect("clock lock")
    }
}

/// Settings of the services.
#[derive(Debug, Clone)]
pub struct Settings {
    pub rules: LegalRules,
    /// How long a login lasts at most (thời gian tối đa của phiên), used or not.
    pub session_hours: i64,
    /// How long a login lasts unused (thời gian chờ của phiên): each use moves its end this
    /// far again, up to `session_hours` after the login.
    pub session_idle_minutes: i64,
    /// The roles whose officers must log in with a second factor (`[session]
    /// second_factor_roles`; none here, leaders and administrators in a server's configuration).
    pub second_factor_roles: Vec<domain::officer::Role>,
    /// Chính sách mật khẩu of officers (`[passwords]`).
    pub officer_passwords: passwords::PasswordPolicy,
    /// Argon2 memory cost in KiB (19 MiB by default; tests lower it).
    pub password_memory_kib: u32,
    /// Threads that hash passwords (each holds its Argon2 memory) and how many requests may wait
    /// for them before a login is answered "busy".
    pub password_threads: usize,
    pub password_queue: usize,
    /// How often one address or account may try what an attacker repeats.
    pub limits: Limits,
    /// How long an `Idempotency-Key` is remembered.
    pub idempotency_hours: i64,
    /// When the database's disk counts as nearly full (`[server] low_disk_percent`,
    /// `low_disk_mib`).
    pub low_disk: store::LowDisk,
    /// Largest scan accepted, in bytes (10 MiB).
    pub max_file_bytes: usize,
    /// Maxima and targets of the QĐ 766 indicators.
    pub qd766: domain::qd766::Scheme,
    /// The evaluation scheme (TT 01/2018 unless a file replaces it).
    pub evaluation: Arc<domain::evaluation::Scheme>,
    /// Channels and retries of the messages to the outside world.
    pub notices: notices::NoticeSettings,
    /// The bearer token that opens `/metrics`; without one the endpoint does not exist.
    pub metrics_token: Option<String>,
    /// Electronic results: how they are signed (`[signing]`); without it results are issued
    /// on paper only.
    pub signing: Option<Arc<signing::Signing>>,
    /// The result templates and the public address printed on results.
    pub results: Arc<results::ResultTemplates>,
    /// Chứng thư gốc tin cậy (`[signing] trust_roots`): signatures read from files are checked
    /// to chain to one of them; empty, chains are not checked.
    pub trust_roots: Arc<Vec<kyso::Cert>>,
    /// Centres whose dossier codes the national portal issues (`[notify.national]`).
    pub national_codes: Option<national::NationalCodes>,
    /// Đăng nhập bằng định danh quốc gia (`[identity]`), when configured.
    pub identity: Option<Arc<identity::IdentityProvider>>,
    /// Tra cứu CSDL quốc gia về dân cư (`[population]`), when connected.
    pub population: Option<Arc<dyn population::PopulationRegistry>>,
    /// Tài khoản thu phí (`[[payments.accounts]]`): where fees are paid by transfer.
    pub collecting_accounts: Arc<Vec<payments::CollectingAccount>>,
    /// Ký hiệu biên lai điện tử (`[[payments.receipts]]`): who issues electronic receipts.
    pub receipt_series: Arc<Vec<receipts::ReceiptSeries>>,
    /// Cổng thanh toán trực tuyến (`[payments.gateway]`), when fees are paid online.
    pub gateway: Option<Arc<gateway::Gateway>>,
    /// Các cột của tệp sao kê tài khoản thu (`[payments.statement]`).
    pub statement_columns: statement::StatementColumns,
    /// Thời hạn xử lý phản ánh, kiến nghị (`[feedback]`).
    pub feedback: domain::feedback::FeedbackRules,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            rules: LegalRules::default(),
            session_hours: 10,
            session_idle_minutes: 30,
            second_factor_roles: Vec::new(),
            officer_passwords: passwords::PasswordPolicy::OFFICER,
            password_memory_kib: 19 * 1024,
            // Half the cores (at least one): a login flood cannot take the whole machine.
            password_threads: std::thread::available_parallelism()
                .map_or(1, |n| (n.get() / 2).max(1)),
            password_queue: 32,
            limits: Limits::default(),
            idempotency_hours: 24 * 7,
            low_disk: store::LowDisk::default(),
            max_file_bytes: 10 * 1024 * 1024,
            qd766: domain::qd766::Scheme::default(),
            evaluation: Arc::new(domain::evaluation::Scheme::tt01_2018()),
            notices: notices::NoticeSettings::default(),
            metrics_token: None,
            signing: None,
            results: Arc::new(results::ResultTemplates::built_in("http://127.0.0.1:8080")),
            trust_roots: Arc::new(Vec::new()),
            identity: None,
            population: None,
            national_codes: None,
            collecting_accounts: Arc::new(Vec::new()),
            receipt_series: Arc::new(Vec::new()),
            gateway: None,
            statement_columns: statement::StatementColumns::default(),
            feedback: domain::feedback::FeedbackRules::default(),
        }
    }
}

/// The application: storage, clock, calendar and the cached agency tree. The web layer clones
/// it for every request (axum's state): its parts are shared in one allocation, so a clone or
/// a drop is one reference count, not one per part (a profile of the server under load found
/// cloning and dropping the parts one by one at 5 % of its time).
#[derive(Clone)]
pub struct App(Arc<AppParts>);

impl std::ops::Deref for App {
    type Target = AppParts;

    fn deref(&self) -> &AppParts {
        &self.0
    }
}

/// What an [`App`] holds (reached through it; nothing here is public).
pub struct AppParts {
    db: Db,
    clock: Arc<dyn Clock>,
    calendar: Arc<Calendar>,
    agencies: Arc<RwLock<Arc<AgencyTree>>>,
    /// Administrative units in memory, built from the database on first use.
    units: Arc<RwLock<Option<Arc<units::UnitDirectory>>>>,
    /// The procedure versions in force on a day, by code.
    catalog: Arc<RwLock<Option<CatalogCache>>>,
    settings: Arc<Settings>,
    /// Active agency closures, in memory (see `admin`).
    closures: Arc<RwLock<Vec<store::StoredClosure>>>,
    /// Server secrets read once at start.
    keys: Arc<Keys>,
    /// Attempts counted per address and per account.
    throttle: Arc<throttle::Throttle>,
    /// The password hashing threads.
    passwords: Arc<passwords::PasswordPool>,
    /// The display boards' channel of calls (in this process).
    boards: Arc<queue::Boards>,
    /// This process among the servers of its database ([`cluster`]).
    server_id: String,
    /// The last look at the database's health ([`health`]).
    looks: health::Looks,
}

/// Server secrets, made once per database.
struct Keys {
    /// Derives each dossier's access code ([`access`]).
    access: Arc<[u8]>,
}

type CatalogCache = (chrono::NaiveDate, Arc<search::Catalog>);

/// Declares the use-case services: a small value borrowing the [`App`], reached by name
/// (`app.intake().receive_at_counter(…)`), so that a reader finds a use case where its name says.
macro_rules! services {
    ($($(#[$doc:meta])* $method:ident -> $service:ident;)*) => {
        $(
            $(#[$doc])*
            #[derive(Clone, Copy)]
            pub struct $service<'a> {
                app: &'a App,
            }
        )*

        impl App {
            $(
                $(#[$doc])*
                pub fn $method(&self) -> $service<'_> {
                    $service { app: self }
                }
            )*
        }
    };
}

services! {
    /// Receiving dossiers (tiếp nhận hồ sơ): at the counter, by post, online, corrections,
    /// the scans they carry, and the counter's log of guidance given ([`intake`], [`files`]).
    intake -> Intake;
    /// Everything after reception (giải quyết hồ sơ): the dossier commands, who may run
    /// which, and assigning a handler ([`handling`]).
    handling -> Handling;
    /// Reading dossiers: detail, lists and inboxes, search, the public lookup ([`queries`]).
    queries -> Queries;
    /// The procedure catalogue (thủ tục hành chính): reading, searching, importing, exporting
    /// ([`catalog`]).
    catalogue -> Catalogue;
    /// Officers' sessions and roles: log in and out, locks, who an officer is ([`auth`]).
    accounts -> Accounts;
    /// Citizens on the portal: registration, their dossiers, the access code, ratings
    /// ([`citizens`], [`access`]).
    citizens -> Citizens;
    /// What leaders read: period reports, late lists, trends, the overview, the evaluation
    /// (TT 01/2018), the QĐ 766 index and the log book (Mẫu 06) ([`reports`]).
    reports -> Reports;
    /// Messages to the outside world through the outbox, the daily digest and the write
    /// counters ([`notices`], [`digest`]).
    notices -> Notices;
    /// Administration: agencies and units, closures, officers' accounts, catalogue imports by an
    /// administrator, and the administration log ([`admin`]).
    admin -> Admin;
    /// The queue at a centre (hàng đợi): tickets from the kiosk, counters calling them, the
    /// display boards ([`queue`]).
    queue -> Queue;
}

impl App {
    /// Builds the services over an opened, migrated database.
    pub async fn new(
        db: Db,
        clock: Arc<dyn Clock>,
        calendar: Arc<Calendar>,
        settings: Settings,
    ) -> Result<Self, AppError> {
        let tree = AgencyTree::new(db.agencies().await?);
        let closures = db
            .closures()
            .await?
            .into_iter()
            .filter(|c| c.active)
            .collect();
        let mut candidate = [0u8; 32];
        getrandom::fill(&mut candidate).map_err(|_| {
            AppError::new(
                ErrorKind::Internal,
                "internal",
                "Không tạo được khóa bí mật.",
            )
        })?;
        let access = db
            .server_key(
                access::ACCESS_KEY,
                &candidate,
                clock.now().timestamp_millis(),
            )
            .await?;
        let passwords = passwords::PasswordPool::start(
            settings.password_memory_kib,
            settings.password_threads,
            settings.password_queue,
        );
        Ok(Self(Arc::new(AppParts {
            db,
            clock,
            calendar,
            agencies: Arc::new(RwLock::new(Arc::new(tree))),
            units: Arc::new(RwLock::new(None)),
            catalog: Arc::new(RwLock::new(None)),
            settings: Arc::new(settings),
            closures: Arc::new(RwLock::new(closures)),
            keys: Arc::new(Keys {
                access: access.into(),
            }),
            throttle: Arc::new(throttle::Throttle::default()),
            passwords: Arc::new(passwords),
            boards: Arc::new(queue::Boards::default()),
            server_id: cluster::server_name(),
            looks: health::Looks::default(),
        })))
    }

    pub(crate) fn db(&self) -> &Db {
        &self.db
    }

    /// Copies the database into the new file `to` as one consistent snapshot while serving
    /// (SQLite `VACUUM INTO`, PostgreSQL `pg_dump`); returns the dossiers and events counted just
    /// before the copy began (the copy holds at least these).
    pub async fn backup_to(&self, to: &std::path::Path) -> Result<store::Totals, AppError> {
        let totals = self.db.totals().await?;
        self.db.backup(to).await?;
        Ok(totals)
    }

    /// `SQLite` or `PostgreSQL`.
    pub fn database_kind(&self) -> &'static str {
        self.db.kind()
    }

    /// Finishes the writes queued and closes the database.
    pub async fn close(&self) {
        self.db.close().await;
    }

    /// Whether the database holds no agency yet (a new installation).
    pub async fn is_empty(&self) -> Result<bool, AppError> {
        Ok(self.db.agencies().await?.is_empty())
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Whether no province has been set up yet (no agency): the first-run page is offered.
    pub fn needs_setup(&self) -> bool {
        self.agencies().all().next().is_none()
    }

    /// The agency tree as last loaded.
    pub fn agencies(&self) -> Arc<AgencyTree> {
        self.agencies.read().expect("agency lock").clone()
    }

    /// Forgets the administrative units read into memory (read again on next use).
    pub(crate) fn forget_units(&self) {
        *self.units.write().expect("units lock") = None;
    }

    /// The administrative units, for lookups and address conversion.
    pub async fn unit_directory(&self) -> Result<Arc<units::UnitDirectory>, AppError> {
        if let Some(dir) = self.units.read().expect("units lock").clone() {
            return Ok(dir);
        }
        let (units, successions) = self.db.units().await?;
        let dir = Arc::new(units::UnitDirectory::new(&units::UnitDataset {
            units,
            successions,
        }));
        *self.units.write().expect("units lock") = Some(dir.clone());
        Ok(dir)
    }

    /// The working calendar of an agency: national holidays, the standard office hours, and the
    /// days it (or an agency above it) was closed by decision.
    pub fn calendar_of(&self, agency: &domain::agency::AgencyId) -> WorkCalendar {
        match self.calendar_settings(agency) {
            Some(settings) => WorkCalendar::new(self.calendar.clone(), &settings),
            None => WorkCalendar::national(self.calendar.clone()),
        }
    }

    pub fn national_calendar(&self) -> &Arc<Calendar> {
        &self.calendar
    }
}

impl Admin<'_> {
    /// Reloads the agency tree after agencies changed, here and on the other servers.
    pub async fn reload_agencies(self) -> Result<(), AppError> {
        self.load_agencies().await?;
        self.app.tell_servers(cluster::Signal::Agencies).await;
        Ok(())
    }

    /// Reads the agency tree into this server's memory.
    pub(crate) async fn load_agencies(self) -> Result<(), AppError> {
        let tree = AgencyTree::new(self.app.db.agencies().await?);
        *self.app.agencies.write().expect("agency lock") = Arc::new(tree);
        Ok(())
    }

    /// Loads or refreshes the administrative units (idempotent).
    pub async fn import_units(self, set: &units::UnitDataset) -> Result<(), AppError> {
        self.app
            .db
            .replace_units(&set.units, &set.successions)
            .await?;
        self.app.forget_units();
        self.app.tell_servers(cluster::Signal::Units).await;
        Ok(())
    }
}
