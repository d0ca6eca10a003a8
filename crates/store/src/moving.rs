//! Chuyển cơ sở dữ liệu — a commune that started on the embedded SQLite database joins its
//! province's PostgreSQL database (`motcua move`).
//!
//! [`sqlite_to_postgres`] copies one SQLite database into one PostgreSQL database in **one
//! PostgreSQL transaction**: a refusal or a failure writes nothing, not even the target's
//! schema, which is migrated in that transaction. The copy is driven by the schemas as the
//! databases report them: the tables and their columns' types from PostgreSQL's
//! `information_schema.columns` (generated columns left to PostgreSQL), each SQLite value
//! converted to its column's type (a uuid from its 16 bytes, …). The source is read in one
//! read transaction (one snapshot) and streamed with `COPY … FROM STDIN BINARY` into
//! temporary tables; each table is then merged into its real table by SQL, in the order of the
//! foreign keys, as what it holds requires (`Policy`):
//!
//! * **Hồ sơ** (dossiers) are never overwritten. A source dossier is *new* (neither its id nor
//!   its code is in the target), *present* (the target has its log: the same number of events
//!   and the same last hash, which the chain makes the same events), *grown* (the target has
//!   the start of its log — a first move — and the commune recorded more since: the events
//!   after are appended and the projection rows replaced), or in *conflict* (another dossier
//!   holds its code, the logs forked, the target's is longer). One conflict refuses the whole
//!   move, naming the first codes.
//! * **Danh mục** (units, successions, agencies, procedures and their versions, forms,
//!   closures, queue and booking settings) and **accounts** (officers, citizens): a row the
//!   target has under the same key is kept as it is — the province's catalogue and accounts
//!   are authoritative — and counted as identical or differing, the differing ones named. An
//!   officer's username held by another officer id in the target refuses the move. The
//!   officer's roles, a feedback's events and a ticket's events come only with their parent.
//!   When the province's agencies differ from the commune's, the projections of the dossiers
//!   moved (who may read them, under which branches they are listed) are recomputed under the
//!   province's tree.
//! * **Short-lived rows** (sessions, sign-in states, login failures, idempotency keys,
//!   one-time download links, registrations and anonymous feedback waiting for a code) are not
//!   copied: they lapse within days, and people sign in again on the province's server.
//! * **Logs with identity keys**: lines of the administration log are copied as many times as
//!   the target lacks them (compared by content: time, actor, action, detail), with the
//!   target's own sequence numbers; outbox messages by their idempotency key, in their order
//!   and state — a sent message is not sent again, a pending one is sent by the province.
//! * **Code sequences**: each agency's and day's higher number is kept, so the province never
//!   gives a code the commune gave.
//!
//! **Bộ đếm báo cáo** (report counters) are sums over dossiers keyed by their competent
//! agency, which the store cannot recompute (the facts need the application's calendars and
//! legal rules). They move agency by agency. When every dossier the target holds of an agency
//! came from the source, the target's counters of that agency become the source's: exact,
//! since the target then holds exactly the source's dossiers of it, and a re-run finds them
//! equal and writes nothing. When the target has dossiers of its own for the agency and none
//! of the source's yet, the source's counters are added: exactly once, since a later run finds
//! the source's dossiers there. When it has both and the move brings more, the sums cannot be
//! split; they are left as they are, and the report says to run `motcua report rebuild`, which
//! recomputes them from the events.
//!
//! Before the commit, in the same transaction, the copy is verified: every source dossier's
//! events are read back from PostgreSQL and their hash chain recomputed with `chain_hash`;
//! each dossier's event count and last hash equal the source's; each table's source rows are
//! accounted for (copied + already there + kept + not copied), its row count in the target grew
//! by exactly what was written, and every row written reads back identical; the rows of new
//! and grown dossiers are the source's; each file's content hashes to its name; the counters
//! of each agency are the source's, or the province's plus the source's. A mismatch rolls
//! everything back.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use deadpool_postgres::GenericClient;
use rusqlite::types::ValueRef;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};

use crate::dossiers::ChainCheck;
use crate::postgres::{self, Postgres, db_error};
use crate::{LogEntry, Result, StoreError};

/// How many codes, names or keys a message lists at most.
const LISTED: usize = 5;
/// Rows sent from the SQLite reader to PostgreSQL at a time.
const BATCH_ROWS: usize = 2_000;
/// …or fewer, when they hold this many bytes (files).
const BATCH_BYTES: usize = 16 << 20;
/// Dossiers whose projection is recomputed per statement batch (see [`rescope`]).
const RESCOPE_CHUNK: usize = 500;

/// What a move is asked to do.
#[derive(Debug, Clone, Copy, Default)]
pub struct MoveOptions {
    /// Do everything and verify it, then roll back: nothing is written.
    pub dry_run: bool,
}

/// What a move did (on a dry run: what it would have done).
#[derive(Debug, Clone, Default)]
pub struct MoveReport {
    /// The schema version of both databases.
    pub version: i64,
    /// Migrations the target needed (applied in the move's transaction).
    pub migrated: usize,
    /// The province of the source (code, name), when its agencies name one.
    pub province: Option<(String, String)>,
    /// Every table of the source, in the order merged.
    pub tables: Vec<TableReport>,
    pub dossiers: DossierCounts,
    /// Events appended to the target.
    pub events: u64,
    /// Chains verified on the target after the copy, and their events.
    pub chains_verified: u64,
    pub events_verified: u64,
    /// Files whose content was read back and hashed to its name.
    pub files_verified: u64,
    pub counters: CounterModes,
    /// What the operator should know: rows kept that differ from the source's, counters left.
    pub notes: Vec<String>,
    /// Whether the target changed (false on a dry run, and when it had everything already).
    pub written: bool,
}

/// One table: its source rows and what became of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableReport {
    pub table: String,
    /// Rows in the source.
    pub source: u64,
    /// Rows written (new, replaced, raised, added to).
    pub copied: u64,
    /// Rows the target had already, identical.
    pub present: u64,
    /// Rows the target had under the same key with other content, kept as the target has them.
    pub kept: u64,
    /// Rows not copied otherwise (another key taken, a parent kept, short-lived rows).
    pub skipped: u64,
    /// Why the table is not copied at all.
    pub not_copied: Option<&'static str>,
}

/// The source's dossiers by what the move does with them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DossierCounts {
    /// Copied whole.
    pub new: u64,
    /// Already in the target from an earlier move, with events recorded since: appended.
    pub grown: u64,
    /// Already in the target, the same.
    pub present: u64,
}

/// Agencies whose counters moved, by how (see the module's documentation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CounterModes {
    /// The target's counters of the agency are now the source's.
    pub replaced: u64,
    /// The source's counters were added to the target's.
    pub added: u64,
    /// Nothing new: left as they were.
    pub unchanged: u64,
    /// Agencies whose counters could not be split and were left (run `motcua report rebuild`).
    pub left: Vec<String>,
}

/// What a table holds decides how it moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Policy {
    /// Not copied, for this reason (short-lived rows).
    Skip(&'static str),
    /// Rows identified by their primary key: the ones the target lacks are copied, the ones it
    /// has are kept as they are.
    Keyed,
    /// Copied only with their parent row copied by the same move: (parent table, column
    /// holding the parent's key).
    WithParent(&'static str, &'static str),
    /// A dossier's projection, by the column naming the dossier: copied with a new dossier,
    /// replaced for a grown one.
    Projection(&'static str),
    /// Lines without a key of their own (the identity column aside): copied as many times as
    /// the target lacks them.
    Lines,
    /// Messages, by their idempotency key, in order.
    Messages,
    /// A sequence: the higher of the two values of this column.
    Highest(&'static str),
    /// Report counters.
    Counters,
}

use Policy::*;

/// Every table the schema has, with how it moves. A table missing here stops the move (a new
/// migration must say how its table moves).
const POLICIES: &[(&str, Policy)] = &[
    ("admin_units", Keyed),
    ("unit_successions", Keyed),
    ("agencies", Keyed),
    ("procedures", Keyed),
    ("procedure_versions", Keyed),
    ("procedure_agencies", Keyed),
    ("procedure_search", Keyed),
    ("procedure_forms", Keyed),
    ("closures", Keyed),
    ("queue_areas", Keyed),
    ("queue_counters", Keyed),
    ("booking_rules", Keyed),
    ("server_keys", Keyed),
    ("officers", Keyed),
    ("officer_roles", WithParent("officers", "officer")),
    ("recovery_codes", WithParent("officers", "officer")),
    ("citizens", Keyed),
    ("dossiers", Projection("id")),
    ("dossier_events", Keyed),
    ("dossier_states", Projection("id")),
    ("dossier_scope", Projection("dossier")),
    ("dossier_readers", Projection("dossier")),
    ("national_sync", Projection("dossier_id")),
    ("dossier_code_seq", Highest("last")),
    ("citizen_dossiers", Keyed),
    ("ratings", Keyed),
    ("guidance_log", Keyed),
    ("attachments", Keyed),
    ("attachment_uploads", Keyed),
    ("payment_attempts", Keyed),
    ("population_lookups", Keyed),
    ("feedback", Keyed),
    ("feedback_events", WithParent("feedback", "feedback")),
    ("surveys", Keyed),
    ("survey_invites", Keyed),
    ("survey_answers", Keyed),
    ("tickets", Keyed),
    ("ticket_events", WithParent("tickets", "ticket")),
    ("bookings", Keyed),
    ("admin_log", Lines),
    ("personal_data_reads", Lines),
    ("outbox", Messages),
    ("report_counts", Counters),
    ("report_months", Counters),
    ("report_totals", Counters),
    (
        "sessions",
        Skip("phiên đăng nhập của cán bộ: đăng nhập lại trên máy chủ của tỉnh"),
    ),
    (
        "citizen_sessions",
        Skip("phiên đăng nhập của công dân: đăng nhập lại"),
    ),
    ("sign_in_states", Skip("lượt đăng nhập VNeID đang dở")),
    (
        "login_failures",
        Skip("đếm đăng nhập sai, hết hạn sau ít phút"),
    ),
    (
        "idempotency_keys",
        Skip("khóa chống gửi trùng, chỉ giữ ít ngày"),
    ),
    (
        "download_links",
        Skip("liên kết tải một lần, hết hạn sau ít phút"),
    ),
    (
        "citizen_registrations",
        Skip("đăng ký tài khoản chờ mã xác nhận, hết hạn sau ít phút"),
    ),
    (
        "feedback_pending",
        Skip("phản ánh chờ mã xác nhận, hết hạn sau ít phút"),
    ),
];

/// Bookkeeping, never copied: the migrations applied, the readiness check's row.
const NOT_DATA: &[&str] = &["motcua_migrations", "write_probe"];

/// Copies the SQLite database at `source` into the PostgreSQL database at `target_url` (see
/// the module's documentation). A refusal is [`StoreError::Config`] (or
/// [`StoreError::Duplicate`] for dossiers and accounts the target holds otherwise), its
/// message in Vietnamese; nothing is written then.
pub async fn sqlite_to_postgres(
    source: &Path,
    target_url: &str,
    options: MoveOptions,
) -> Result<MoveReport> {
    let path = source.to_path_buf();
    let source_schema = tokio::task::spawn_blocking(move || inspect(&path))
        .await
        .map_err(|_| StoreError::Unavailable("không đọc được cơ sở dữ liệu nguồn".into()))??;
    let latest = crate::sqlite::MIGRATIONS.last().map_or(0, |m| m.0);
    if source_schema.version != latest {
        return Err(StoreError::Config(if source_schema.version < latest {
            format!(
                "cơ sở dữ liệu nguồn ở phiên bản {}, bản motcua này ở phiên bản {latest}: hãy sao lưu rồi chạy `motcua migrate --database sqlite:{}` trên nguồn trước",
                source_schema.version,
                shown(source)
            )
        } else {
            format!(
                "cơ sở dữ liệu nguồn ở phiên bản {}, mới hơn bản motcua này (phiên bản {latest}): hãy dùng bản motcua mới hơn",
                source_schema.version
            )
        }));
    }

    let pg = Postgres::open(target_url).await?;
    let mut client = pg.client().await?;
    let tx = client.transaction().await.map_err(db_error)?;
    let (migrated, unknown) = postgres::migrate_in(&tx).await?;
    if let Some(newest) = unknown.last() {
        return Err(StoreError::Config(format!(
            "cơ sở dữ liệu đích ở phiên bản {newest}, mới hơn bản motcua này (phiên bản {latest}): hãy dùng bản motcua mới hơn"
        )));
    }
    let tables = plan(&tx, &source_schema).await?;

    let mut report = MoveReport {
        version: latest,
        migrated,
        written: migrated > 0,
        ..MoveReport::default()
    };
    let counts = stage(&tx, source, &tables).await?;
    province(&tx, &mut report).await?;
    refuse_taken_usernames(&tx).await?;
    classify_dossiers(&tx, &mut report).await?;
    let before = row_counts(&tx, &tables).await?;
    let mut written: BTreeMap<String, Written> = BTreeMap::new();
    for t in &tables {
        let w = match t.policy {
            Skip(_) | Counters => Written::default(),
            _ => merge(&tx, t, &tables).await?,
        };
        written.insert(t.name.clone(), w);
    }
    let counter_tables: Vec<&Table> = tables.iter().filter(|t| t.policy == Counters).collect();
    counters(&tx, &counter_tables, &mut written, &mut report).await?;
    let rescoped = agencies_differ(&tx, &tables).await? && rescope(&tx).await?;
    if rescoped {
        report.notes.push(
            "Cây cơ quan của tỉnh khác của nguồn: phạm vi và người được xem của các hồ sơ chuyển sang đã tính lại theo cây của tỉnh."
                .into(),
        );
    }

    // Verification, in the same transaction.
    let after = row_counts(&tx, &tables).await?;
    for t in &tables {
        let w = written.get(&t.name).cloned().unwrap_or_default();
        let line = account(
            &tx,
            t,
            &w,
            counts.get(&t.name).copied().unwrap_or(0),
            rescoped,
        )
        .await?;
        let (b, a) = (
            before.get(&t.name).copied().unwrap_or(0),
            after.get(&t.name).copied().unwrap_or(0),
        );
        if t.policy != Counters && !recomputed(t, rescoped) && a + w.deleted != b + w.inserted {
            return Err(mismatch(format!(
                "bảng {}: {b} dòng trước, {a} dòng sau, đã thêm {} và xóa {}",
                t.name, w.inserted, w.deleted
            )));
        }
        if w.inserted + w.updated + w.deleted > 0 {
            report.written = true;
        }
        if let Some(note) = differing_note(&tx, t, &line).await? {
            report.notes.push(note);
        }
        report.tables.push(line);
    }
    verify_dossiers(&tx, &tables, rescoped, &mut report).await?;
    verify_files(&tx, &mut report).await?;
    verify_counters(&tx, &counter_tables).await?;

    report.events = written.get("dossier_events").map_or(0, |w| w.inserted);
    if options.dry_run {
        tx.rollback().await.map_err(db_error)?;
        report.written = false;
    } else {
        if report.written {
            let detail = format!(
                "{} hồ sơ mới, {} hồ sơ có thêm sự kiện, {} sự kiện, từ {}",
                report.dossiers.new,
                report.dossiers.grown,
                report.events,
                shown(source)
            );
            postgres::log_on(
                &tx,
                &LogEntry {
                    at_ms: chrono::Utc::now().timestamp_millis(),
                    actor: "motcua move",
                    action: "chuyển dữ liệu từ SQLite",
                    detail: &detail,
                },
            )
            .await?;
        }
        tx.commit().await.map_err(db_error)?;
    }
    drop(client);
    pg.close().await;
    Ok(report)
}

/// A path fit to print (operator input, bounded).
fn shown(path: &Path) -> String {
    domain::error::shorten(&path.display().to_string())
}

/// A verification that failed: the transaction is rolled back.
fn mismatch(what: String) -> StoreError {
    StoreError::Corrupt(format!("kiểm tra sau khi chép không khớp ({what})"))
}

// ---- The source ----

/// A SQLite database as the move sees it.
struct SourceSchema {
    version: i64,
    /// Columns of each table.
    tables: BTreeMap<String, Vec<String>>,
}

/// Opens the source read-only and reads its version and tables.
fn inspect(path: &Path) -> Result<SourceSchema> {
    let conn = open_source(path)?;
    let not_sqlite = |_: rusqlite::Error| {
        StoreError::Config(format!(
            "tệp {} không phải cơ sở dữ liệu SQLite",
            shown(path)
        ))
    };
    let names: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(not_sqlite)?;
    if !names.iter().any(|n| n == "motcua_migrations") {
        return Err(StoreError::Config(
            if names.iter().any(|n| n == "_sqlx_migrations") {
                format!(
                    "cơ sở dữ liệu {} do bản motcua cũ tạo: hãy chạy `motcua migrate --database sqlite:{}` trước",
                    shown(path),
                    shown(path)
                )
            } else {
                format!(
                    "tệp {} không phải cơ sở dữ liệu Một Cửa (không có bảng motcua_migrations)",
                    shown(path)
                )
            },
        ));
    }
    let version: i64 = conn
        .query_row(
            "SELECT coalesce(max(version), 0) FROM motcua_migrations",
            [],
            |r| r.get(0),
        )
        .map_err(crate::sqlite::db_error)?;
    let mut tables = BTreeMap::new();
    for name in names {
        let columns: Vec<String> = conn
            .prepare("SELECT name FROM pragma_table_info(?1)")
            .and_then(|mut s| s.query_map([&name], |r| r.get(0))?.collect())
            .map_err(crate::sqlite::db_error)?;
        tables.insert(name, columns);
    }
    Ok(SourceSchema { version, tables })
}

fn open_source(path: &Path) -> Result<rusqlite::Connection> {
    if !path.is_file() {
        return Err(StoreError::Config(format!("không có tệp {}", shown(path))));
    }
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|_| {
        StoreError::Config(format!(
            "không mở được {} để đọc (không có quyền đọc tệp, hoặc thư mục của nó)",
            shown(path)
        ))
    })?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(crate::sqlite::db_error)?;
    Ok(conn)
}

/// Whether SQLite keeps the table for itself (full-text tables and their shadows, the search
/// queue, autoincrement bookkeeping, migration records).
fn sqlite_only(table: &str) -> bool {
    postgres::SQLITE_ONLY_TABLES
        .iter()
        .any(|t| table == *t || table.starts_with(&format!("{t}_")))
        || table.starts_with("procedure_search_")
        || table.starts_with("sqlite_")
        || matches!(table, "motcua_migrations" | "_sqlx_migrations")
}

// ---- The plan: tables, columns, keys, order ----

/// How a column is sent to PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Uuid,
    Int8,
    Int4,
    Text,
    Bytes,
    Bool,
    Float,
}

impl Kind {
    fn of(udt: &str) -> Option<Kind> {
        Some(match udt {
            "uuid" => Kind::Uuid,
            "int8" => Kind::Int8,
            "int4" => Kind::Int4,
            "text" => Kind::Text,
            "bytea" => Kind::Bytes,
            "bool" => Kind::Bool,
            "float8" => Kind::Float,
            _ => return None,
        })
    }

    fn pg(self) -> Type {
        match self {
            Kind::Uuid => Type::UUID,
            Kind::Int8 => Type::INT8,
            Kind::Int4 => Type::INT4,
            Kind::Text => Type::TEXT,
            Kind::Bytes => Type::BYTEA,
            Kind::Bool => Type::BOOL,
            Kind::Float => Type::FLOAT8,
        }
    }
}

#[derive(Debug, Clone)]
struct Column {
    name: String,
    kind: Kind,
}

/// A table to move.
#[derive(Debug, Clone)]
struct Table {
    name: String,
    /// The columns copied: every column but the generated ones.
    columns: Vec<Column>,
    /// The primary key's columns.
    key: Vec<String>,
    /// A column PostgreSQL numbers itself (`GENERATED ALWAYS AS IDENTITY`).
    identity: Option<String>,
    policy: Policy,
}

impl Table {
    fn staged(&self) -> String {
        q(&format!("move_{}", self.name))
    }

    /// The columns that say which target row a source row is.
    fn match_key(&self) -> Vec<String> {
        match self.policy {
            Lines => self.compared(),
            Messages => vec!["idempotency_key".into()],
            _ => self.key.clone(),
        }
    }

    /// The columns whose values two rows must share to be the same row.
    fn compared(&self) -> Vec<String> {
        self.columns
            .iter()
            .map(|c| c.name.clone())
            .filter(|c| Some(c) != self.identity.as_ref())
            .collect()
    }

    /// The column that orders lines and messages: the source's numbers (the plan makes sure
    /// they have one).
    fn order(&self) -> String {
        self.identity.as_deref().map_or_else(String::new, q)
    }

    /// For [`Lines`]: `FROM … WHERE …` giving, as `s`, the source's lines beyond as many as
    /// the target has of each.
    fn lines_missing(&self) -> String {
        let columns = self.compared();
        let c = list(&columns, "");
        format!(
            "FROM (SELECT *, row_number() OVER (PARTITION BY {c} ORDER BY {}) AS nth FROM {}) s \
             LEFT JOIN (SELECT {c}, count(*) AS n FROM {} GROUP BY {c}) x ON {} \
             WHERE s.nth > coalesce(x.n, 0)",
            self.order(),
            self.staged(),
            q(&self.name),
            same(&columns, "s", "x")
        )
    }

    /// The compared columns outside the match key.
    fn other(&self) -> Vec<String> {
        let key = self.match_key();
        self.compared()
            .into_iter()
            .filter(|c| !key.contains(c))
            .collect()
    }

    /// `s` and `x` are the same row: the same key and the same values.
    fn same_row(&self, s: &str, x: &str) -> String {
        format!("{} AND {}", self.key_eq(s, x), same(&self.other(), s, x))
    }

    /// `s."a" = t."a" AND …` over the match key.
    fn key_eq(&self, s: &str, t: &str) -> String {
        let key = self.match_key();
        if self.policy == Lines {
            return same(&key, s, t);
        }
        key.iter()
            .map(|c| format!("{s}.{c} = {t}.{c}", c = q(c)))
            .collect::<Vec<_>>()
            .join(" AND ")
    }
}

/// Double-quoted identifier.
fn q(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `s."a" IS NOT DISTINCT FROM t."a" AND …` (true on an empty list).
fn same(columns: &[String], s: &str, t: &str) -> String {
    if columns.is_empty() {
        return "true".into();
    }
    columns
        .iter()
        .map(|c| format!("{s}.{c} IS NOT DISTINCT FROM {t}.{c}", c = q(c)))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// `p."a", p."b"`.
fn list(columns: &[String], prefix: &str) -> String {
    columns
        .iter()
        .map(|c| {
            if prefix.is_empty() {
                q(c)
            } else {
                format!("{prefix}.{}", q(c))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The target's tables in foreign-key order, checked against the source's.
async fn plan(tx: &impl GenericClient, source: &SourceSchema) -> Result<Vec<Table>> {
    let rows = tx
        .query(
            "SELECT c.table_name::text, c.column_name::text, c.udt_name::text, \
             c.is_generated::text, c.is_identity::text \
             FROM information_schema.columns c \
             JOIN information_schema.tables t USING (table_schema, table_name) \
             WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' \
             ORDER BY c.table_name, c.ordinal_position",
            &[],
        )
        .await
        .map_err(db_error)?;
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    for r in &rows {
        let (table, column, udt, generated, identity): (String, String, String, String, String) = (
            r.try_get(0).map_err(db_error)?,
            r.try_get(1).map_err(db_error)?,
            r.try_get(2).map_err(db_error)?,
            r.try_get(3).map_err(db_error)?,
            r.try_get(4).map_err(db_error)?,
        );
        if NOT_DATA.contains(&table.as_str()) || postgres::POSTGRES_ONLY.contains(&table.as_str()) {
            continue;
        }
        let policy = POLICIES
            .iter()
            .find(|(t, _)| *t == table)
            .map(|(_, p)| *p)
            .ok_or_else(|| {
                StoreError::Config(format!(
                    "bảng {table} chưa có cách chuyển (cần khai báo trong store::moving)"
                ))
            })?;
        let t = tables.entry(table.clone()).or_insert_with(|| Table {
            name: table.clone(),
            columns: Vec::new(),
            key: Vec::new(),
            identity: None,
            policy,
        });
        if generated == "ALWAYS" {
            continue;
        }
        let kind = Kind::of(&udt).ok_or_else(|| {
            StoreError::Config(format!(
                "bảng {table}, cột {column}: kiểu {udt} chưa chuyển được"
            ))
        })?;
        if identity == "YES" {
            t.identity = Some(column.clone());
        }
        t.columns.push(Column { name: column, kind });
    }
    for r in tx
        .query(
            "SELECT cl.relname::text, a.attname::text FROM pg_index i \
             JOIN pg_class cl ON cl.oid = i.indrelid \
             JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true \
             JOIN pg_attribute a ON a.attrelid = cl.oid AND a.attnum = k.attnum \
             WHERE i.indisprimary AND cl.relnamespace = current_schema()::regnamespace \
             ORDER BY cl.relname, k.ord",
            &[],
        )
        .await
        .map_err(db_error)?
    {
        let (table, column): (String, String) = (
            r.try_get(0).map_err(db_error)?,
            r.try_get(1).map_err(db_error)?,
        );
        if let Some(t) = tables.get_mut(&table) {
            t.key.push(column);
        }
    }
    // The two schemas must have the same tables and columns.
    for (name, t) in &tables {
        let Some(columns) = source.tables.get(name) else {
            return Err(StoreError::Config(format!(
                "cơ sở dữ liệu nguồn không có bảng {name}"
            )));
        };
        let ours: BTreeSet<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        let theirs: BTreeSet<&str> = columns.iter().map(String::as_str).collect();
        if ours != theirs {
            return Err(StoreError::Config(format!(
                "bảng {name} ở nguồn và ở đích có các cột khác nhau: nguồn {theirs:?}, đích {ours:?}"
            )));
        }
        let keyless = match t.policy {
            Skip(_) => false,
            Lines | Messages => t.identity.is_none(),
            _ => t.key.is_empty(),
        };
        if keyless {
            return Err(StoreError::Config(format!(
                "bảng {name} không có khóa để nhận ra dòng đã chép"
            )));
        }
    }
    if let Some(extra) = source
        .tables
        .keys()
        .find(|t| !sqlite_only(t) && !NOT_DATA.contains(&t.as_str()) && !tables.contains_key(*t))
    {
        return Err(StoreError::Config(format!(
            "bảng {extra} của nguồn không có ở đích"
        )));
    }
    // Parents before children (a table referring to itself is written in one statement).
    // A table copied with its parent comes after it, foreign key or not.
    let mut parents: BTreeMap<String, BTreeSet<String>> = tables
        .iter()
        .map(|(name, t)| {
            let mut p = BTreeSet::new();
            if let WithParent(parent, _) = t.policy {
                p.insert(parent.to_string());
            }
            (name.clone(), p)
        })
        .collect();
    for r in tx
        .query(
            "SELECT c.relname::text, p.relname::text FROM pg_constraint k \
             JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid \
             WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace",
            &[],
        )
        .await
        .map_err(db_error)?
    {
        let (child, parent): (String, String) = (
            r.try_get(0).map_err(db_error)?,
            r.try_get(1).map_err(db_error)?,
        );
        if child != parent
            && tables.contains_key(&parent)
            && let Some(p) = parents.get_mut(&child)
        {
            p.insert(parent);
        }
    }
    let mut ordered = Vec::new();
    while !parents.is_empty() {
        let ready: Vec<String> = parents
            .iter()
            .filter(|(_, p)| p.is_empty())
            .map(|(t, _)| t.clone())
            .collect();
        if ready.is_empty() {
            return Err(StoreError::Config(
                "các khóa ngoại của đích tạo thành vòng; không xếp được thứ tự bảng".into(),
            ));
        }
        for t in &ready {
            parents.remove(t);
            for p in parents.values_mut() {
                p.remove(t);
            }
            if let Some(table) = tables.remove(t) {
                ordered.push(table);
            }
        }
    }
    Ok(ordered)
}

// ---- Staging: the source's rows in temporary tables ----

/// One value on its way to PostgreSQL, typed as its column (a null too: binary COPY checks the
/// type of every value).
#[derive(Debug)]
enum Cell {
    Uuid(Option<uuid::Uuid>),
    Int8(Option<i64>),
    Int4(Option<i32>),
    Text(Option<String>),
    Bytes(Option<Vec<u8>>),
    Bool(Option<bool>),
    Float(Option<f64>),
}

impl Cell {
    fn sql(&self) -> &(dyn ToSql + Sync) {
        match self {
            Cell::Uuid(v) => v,
            Cell::Int8(v) => v,
            Cell::Int4(v) => v,
            Cell::Text(v) => v,
            Cell::Bytes(v) => v,
            Cell::Bool(v) => v,
            Cell::Float(v) => v,
        }
    }

    fn size(&self) -> usize {
        match self {
            Cell::Text(Some(s)) => s.len(),
            Cell::Bytes(Some(b)) => b.len(),
            _ => 8,
        }
    }

    /// A SQLite value as a value of `kind`; `None` when it cannot be one.
    fn from_sqlite(v: ValueRef<'_>, kind: Kind) -> Option<Cell> {
        let int = |v: ValueRef<'_>| -> Option<Option<i64>> {
            match v {
                ValueRef::Null => Some(None),
                ValueRef::Integer(i) => Some(Some(i)),
                ValueRef::Text(t) => std::str::from_utf8(t).ok()?.parse().ok().map(Some),
                ValueRef::Real(f) if f.fract() == 0.0 => Some(Some(f as i64)),
                _ => None,
            }
        };
        Some(match kind {
            Kind::Uuid => Cell::Uuid(match v {
                ValueRef::Null => None,
                ValueRef::Blob(b) => Some(uuid::Uuid::from_slice(b).ok()?),
                ValueRef::Text(t) => {
                    Some(uuid::Uuid::parse_str(std::str::from_utf8(t).ok()?).ok()?)
                }
                _ => return None,
            }),
            Kind::Int8 => Cell::Int8(int(v)?),
            Kind::Int4 => Cell::Int4(match int(v)? {
                Some(i) => Some(i32::try_from(i).ok()?),
                None => None,
            }),
            Kind::Bool => Cell::Bool(int(v)?.map(|i| i != 0)),
            Kind::Text => Cell::Text(match v {
                ValueRef::Null => None,
                ValueRef::Text(t) => Some(String::from_utf8(t.to_vec()).ok()?),
                ValueRef::Integer(i) => Some(i.to_string()),
                _ => return None,
            }),
            Kind::Bytes => Cell::Bytes(match v {
                ValueRef::Null => None,
                ValueRef::Blob(b) | ValueRef::Text(b) => Some(b.to_vec()),
                _ => return None,
            }),
            Kind::Float => Cell::Float(match v {
                ValueRef::Null => None,
                ValueRef::Real(f) => Some(f),
                ValueRef::Integer(i) => Some(i as f64),
                _ => return None,
            }),
        })
    }
}

/// What the reader sends for each table, in the plan's order.
enum Batch {
    Rows(Vec<Vec<Cell>>),
    /// The table's rows are all sent; how many it has.
    Done(u64),
}

/// Copies every table but the skipped ones into a temporary table `move_<table>` (dropped at
/// the commit), from one read transaction on the source; returns each table's source rows.
async fn stage(
    tx: &deadpool_postgres::Transaction<'_>,
    source: &Path,
    tables: &[Table],
) -> Result<BTreeMap<String, u64>> {
    let (send, mut receive) = tokio::sync::mpsc::channel::<Result<Batch>>(4);
    let (path, plan) = (source.to_path_buf(), tables.to_vec());
    let reader = tokio::task::spawn_blocking(move || {
        if let Err(e) = read_source(&path, &plan, &send) {
            let _ = send.blocking_send(Err(e));
        }
    });
    let mut counts = BTreeMap::new();
    for t in tables {
        let n = if matches!(t.policy, Skip(_)) {
            match receive.recv().await {
                Some(Ok(Batch::Done(n))) => n,
                Some(Err(e)) => return Err(e),
                Some(Ok(Batch::Rows(_))) | None => return Err(reader_gone()),
            }
        } else {
            let columns: Vec<String> = t.columns.iter().map(|c| c.name.clone()).collect();
            tx.batch_execute(&format!(
                "CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA",
                t.staged(),
                list(&columns, ""),
                q(&t.name)
            ))
            .await
            .map_err(db_error)?;
            let sink = tx
                .copy_in(&format!(
                    "COPY {} ({}) FROM STDIN (FORMAT binary)",
                    t.staged(),
                    list(&columns, "")
                ))
                .await
                .map_err(db_error)?;
            let types: Vec<Type> = t.columns.iter().map(|c| c.kind.pg()).collect();
            let writer = BinaryCopyInWriter::new(sink, &types);
            let mut writer = std::pin::pin!(writer);
            let n = loop {
                match receive.recv().await {
                    Some(Ok(Batch::Rows(rows))) => {
                        for row in &rows {
                            let values: Vec<&(dyn ToSql + Sync)> =
                                row.iter().map(Cell::sql).collect();
                            writer.as_mut().write(&values).await.map_err(db_error)?;
                        }
                    }
                    Some(Ok(Batch::Done(n))) => break n,
                    Some(Err(e)) => return Err(e),
                    None => return Err(reader_gone()),
                }
            };
            let copied = writer.as_mut().finish().await.map_err(db_error)?;
            if copied != n {
                return Err(mismatch(format!(
                    "bảng {}: đọc {n} dòng, chép {copied} dòng",
                    t.name
                )));
            }
            tx.batch_execute(&format!("ANALYZE {}", t.staged()))
                .await
                .map_err(db_error)?;
            n
        };
        counts.insert(t.name.clone(), n);
    }
    reader.await.map_err(|_| reader_gone())?;
    Ok(counts)
}

fn reader_gone() -> StoreError {
    StoreError::Unavailable("việc đọc cơ sở dữ liệu nguồn bị ngắt".into())
}

/// Reads every table of the plan in one read transaction, sending its rows in batches (only
/// its count for a table not copied).
fn read_source(
    path: &Path,
    tables: &[Table],
    send: &tokio::sync::mpsc::Sender<Result<Batch>>,
) -> Result<()> {
    let conn = open_source(path)?;
    conn.execute_batch("BEGIN")
        .map_err(crate::sqlite::db_error)?;
    for t in tables {
        let (table, columns) = (&t.name, &t.columns);
        if matches!(t.policy, Skip(_)) {
            let n: i64 = conn
                .query_row(&format!("SELECT count(*) FROM {}", q(table)), [], |r| {
                    r.get(0)
                })
                .map_err(crate::sqlite::db_error)?;
            if send.blocking_send(Ok(Batch::Done(n as u64))).is_err() {
                return Ok(());
            }
            continue;
        }
        let names: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
        let mut stmt = conn
            .prepare(&format!("SELECT {} FROM {}", list(&names, ""), q(table)))
            .map_err(crate::sqlite::db_error)?;
        let mut rows = stmt.query([]).map_err(crate::sqlite::db_error)?;
        let (mut batch, mut bytes, mut n) = (Vec::new(), 0usize, 0u64);
        while let Some(r) = rows.next().map_err(crate::sqlite::db_error)? {
            let mut row = Vec::with_capacity(columns.len());
            for (i, c) in columns.iter().enumerate() {
                let v = r.get_ref(i).map_err(crate::sqlite::db_error)?;
                let cell = Cell::from_sqlite(v, c.kind).ok_or_else(|| {
                    StoreError::Corrupt(format!(
                        "bảng {table}, cột {}: giá trị kiểu {} không chuyển được sang kiểu của PostgreSQL",
                        c.name,
                        v.data_type()
                    ))
                })?;
                bytes += cell.size();
                row.push(cell);
            }
            batch.push(row);
            n += 1;
            if batch.len() >= BATCH_ROWS || bytes >= BATCH_BYTES {
                if send
                    .blocking_send(Ok(Batch::Rows(std::mem::take(&mut batch))))
                    .is_err()
                {
                    return Ok(());
                }
                bytes = 0;
            }
        }
        if !batch.is_empty() && send.blocking_send(Ok(Batch::Rows(batch))).is_err() {
            return Ok(());
        }
        if send.blocking_send(Ok(Batch::Done(n))).is_err() {
            return Ok(());
        }
    }
    Ok(())
}

// ---- Refusals ----

/// The province of the staged agencies, or of the target (its `motcua_province`, else its
/// agencies): they must be the same; the target is given the source's when it names none.
async fn province(tx: &impl GenericClient, report: &mut MoveReport) -> Result<()> {
    let root = |table: &str| {
        format!(
            "SELECT code, name FROM {table} WHERE parent IS NULL AND kind = 'provincial-committee' \
             ORDER BY code"
        )
    };
    let pair = |r: &tokio_postgres::Row| -> Result<(String, String)> {
        Ok((
            r.try_get(0).map_err(db_error)?,
            r.try_get(1).map_err(db_error)?,
        ))
    };
    let sources = tx
        .query(&root("move_agencies"), &[])
        .await
        .map_err(db_error)?;
    if sources.len() > 1 {
        return Err(StoreError::Config(format!(
            "cơ sở dữ liệu nguồn có {} UBND tỉnh gốc; không biết nó thuộc tỉnh nào",
            sources.len()
        )));
    }
    let Some(source) = sources.first().map(pair).transpose()? else {
        return Ok(());
    };
    let named = tx
        .query_opt("SELECT code, name FROM motcua_province", &[])
        .await
        .map_err(db_error)?;
    let target = match named {
        Some(r) => Some(pair(&r)?),
        None => tx
            .query(&root("agencies"), &[])
            .await
            .map_err(db_error)?
            .first()
            .map(pair)
            .transpose()?,
    };
    if let Some((code, name)) = &target
        && *code != source.0
    {
        return Err(StoreError::Config(format!(
            "nguồn thuộc {} (mã {}), còn đích là cơ sở dữ liệu của {name} (mã {code}): không chuyển dữ liệu sang tỉnh khác",
            source.1, source.0
        )));
    }
    let added = tx
        .execute(
            "INSERT INTO motcua_province (code, name) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&source.0, &source.1],
        )
        .await
        .map_err(db_error)?;
    report.written |= added > 0;
    report.province = Some(source);
    Ok(())
}

/// An officer of the source whose username the target gives to another officer refuses the
/// move: two accounts cannot share a name, and neither may take the other's place.
async fn refuse_taken_usernames(tx: &impl GenericClient) -> Result<()> {
    let rows = tx
        .query(
            "SELECT s.username, coalesce(s.body::json->>'full_name', '') FROM move_officers s \
             JOIN officers t ON t.username = s.username AND t.id <> s.id ORDER BY s.username",
            &[],
        )
        .await
        .map_err(db_error)?;
    if rows.is_empty() {
        return Ok(());
    }
    let names = rows
        .iter()
        .take(LISTED)
        .map(|r| {
            let (user, name): (String, String) = (
                r.try_get(0).map_err(db_error)?,
                r.try_get(1).map_err(db_error)?,
            );
            Ok(if name.is_empty() {
                user
            } else {
                format!("{user} ({name})")
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Err(StoreError::Duplicate(format!(
        "{} tài khoản cán bộ của nguồn trùng tên đăng nhập với tài khoản khác ở đích: {}{}; hãy đổi tên đăng nhập ở một bên rồi chạy lại. Không chuyển gì.",
        rows.len(),
        names.join(", "),
        if rows.len() > LISTED { ", …" } else { "" }
    )))
}

/// Sorts the source's dossiers into new, present, grown and in conflict (see the module's
/// documentation) in `move_class`; any conflict refuses the move.
async fn classify_dossiers(tx: &impl GenericClient, report: &mut MoveReport) -> Result<()> {
    tx.batch_execute(
        "CREATE TEMP TABLE move_last ON COMMIT DROP AS \
           SELECT DISTINCT ON (dossier_id) dossier_id AS id, version, hash \
           FROM move_dossier_events ORDER BY dossier_id, version DESC; \
         CREATE UNIQUE INDEX ON move_last (id); ANALYZE move_last; \
         CREATE TEMP TABLE move_class ON COMMIT DROP AS \
           SELECT s.id, s.code, CASE \
             WHEN t.id IS NULL AND tl.version IS NULL AND NOT EXISTS (SELECT 1 FROM dossiers o \
                  WHERE o.code = s.code OR o.provisional_code = s.provisional_code) THEN 'new' \
             WHEN t.id IS NULL OR tl.version IS NULL OR sl.version IS NULL THEN 'conflict' \
             WHEN se.hash IS DISTINCT FROM te.hash THEN 'conflict' \
             WHEN tl.version = sl.version THEN 'present' \
             WHEN tl.version < sl.version THEN 'grown' \
             ELSE 'conflict' END AS class \
           FROM move_dossiers s \
           LEFT JOIN dossiers t ON t.id = s.id \
           LEFT JOIN move_last sl ON sl.id = s.id \
           LEFT JOIN LATERAL (SELECT max(version) AS version FROM dossier_events \
                              WHERE dossier_id = s.id) tl ON true \
           LEFT JOIN dossier_events te ON te.dossier_id = s.id AND te.version = tl.version \
           LEFT JOIN move_dossier_events se ON se.dossier_id = s.id AND se.version = tl.version; \
         CREATE UNIQUE INDEX ON move_class (id); ANALYZE move_class;",
    )
    .await
    .map_err(db_error)?;
    let conflicts = tx
        .query(
            "SELECT code FROM move_class WHERE class = 'conflict' ORDER BY code",
            &[],
        )
        .await
        .map_err(db_error)?;
    if !conflicts.is_empty() {
        let codes = conflicts
            .iter()
            .take(LISTED)
            .map(|r| r.try_get::<_, String>(0).map_err(db_error))
            .collect::<Result<Vec<_>>>()?;
        return Err(StoreError::Duplicate(format!(
            "{} hồ sơ của nguồn đã có ở đích với nội dung khác (hồ sơ không bao giờ bị ghi đè): {}{}. Không chuyển gì.",
            conflicts.len(),
            codes.join(", "),
            if conflicts.len() > LISTED {
                ", …"
            } else {
                ""
            }
        )));
    }
    for r in tx
        .query("SELECT class, count(*) FROM move_class GROUP BY class", &[])
        .await
        .map_err(db_error)?
    {
        let (class, n): (String, i64) = (
            r.try_get(0).map_err(db_error)?,
            r.try_get(1).map_err(db_error)?,
        );
        match class.as_str() {
            "new" => report.dossiers.new = n as u64,
            "grown" => report.dossiers.grown = n as u64,
            _ => report.dossiers.present = n as u64,
        }
    }
    Ok(())
}

// ---- Merging ----

/// Rows written into one table.
#[derive(Debug, Clone, Copy, Default)]
struct Written {
    inserted: u64,
    updated: u64,
    deleted: u64,
}

/// Merges one staged table into its real table by its policy.
async fn merge(tx: &impl GenericClient, t: &Table, tables: &[Table]) -> Result<Written> {
    let columns: Vec<String> = t.compared();
    let (cols, from_s) = (list(&columns, ""), list(&columns, "s"));
    let (name, staged) = (q(&t.name), t.staged());
    let missing = format!(
        "NOT EXISTS (SELECT 1 FROM {name} x WHERE {})",
        t.key_eq("s", "x")
    );
    let run = |sql: String| async move { tx.execute(&sql, &[]).await.map_err(db_error) };
    let mut w = Written::default();
    match t.policy {
        Skip(_) | Counters => {}
        Keyed => {
            let insert = format!(
                "INSERT INTO {name} ({cols}) SELECT {from_s} FROM {staged} s WHERE {missing} \
                 ON CONFLICT DO NOTHING"
            );
            // A parent keeps the keys it copied, for its children.
            if tables
                .iter()
                .any(|c| matches!(c.policy, WithParent(p, _) if p == t.name))
            {
                let keys = list(&t.key, "");
                tx.batch_execute(&format!(
                    "CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {keys} FROM {name} WITH NO DATA",
                    q(&format!("move_new_{}", t.name))
                ))
                .await
                .map_err(db_error)?;
                w.inserted = run(format!(
                    "WITH copied AS ({insert} RETURNING {keys}) INSERT INTO {} SELECT * FROM copied",
                    q(&format!("move_new_{}", t.name))
                ))
                .await?;
            } else {
                w.inserted = run(insert).await?;
            }
        }
        WithParent(parent, column) => {
            let parent_key = tables
                .iter()
                .find(|p| p.name == parent)
                .and_then(|p| p.key.first().cloned())
                .unwrap_or_default();
            w.inserted = run(format!(
                "INSERT INTO {name} ({cols}) SELECT {from_s} FROM {staged} s \
                 WHERE s.{} IN (SELECT {} FROM {}) AND {missing} ON CONFLICT DO NOTHING",
                q(column),
                q(&parent_key),
                q(&format!("move_new_{parent}"))
            ))
            .await?;
        }
        Projection(dossier) => {
            let grown = "(SELECT id FROM move_class WHERE class = 'grown')";
            if t.key == [dossier] {
                let set = columns
                    .iter()
                    .filter(|c| *c != dossier)
                    .map(|c| format!("{c} = s.{c}", c = q(c)))
                    .collect::<Vec<_>>()
                    .join(", ");
                w.updated = run(format!(
                    "UPDATE {name} x SET {set} FROM {staged} s \
                     WHERE x.{d} = s.{d} AND s.{d} IN {grown}",
                    d = q(dossier)
                ))
                .await?;
            } else {
                w.deleted = run(format!(
                    "DELETE FROM {name} WHERE {} IN {grown}",
                    q(dossier)
                ))
                .await?;
            }
            w.inserted = run(format!(
                "INSERT INTO {name} ({cols}) SELECT {from_s} FROM {staged} s \
                 WHERE s.{} IN (SELECT id FROM move_class WHERE class IN ('new', 'grown')) \
                 AND {missing}",
                q(dossier)
            ))
            .await?;
        }
        Lines => {
            w.inserted = run(format!(
                "INSERT INTO {name} ({cols}) SELECT {from_s} {} ORDER BY s.{}",
                t.lines_missing(),
                t.order()
            ))
            .await?;
        }
        Messages => {
            w.inserted = run(format!(
                "INSERT INTO {name} ({cols}) SELECT {from_s} FROM {staged} s WHERE {missing} \
                 ORDER BY s.{} ON CONFLICT DO NOTHING",
                t.order()
            ))
            .await?;
        }
        Highest(value) => {
            let v = q(value);
            w.inserted = run(format!(
                "INSERT INTO {name} ({cols}) SELECT {from_s} FROM {staged} s WHERE {missing}"
            ))
            .await?;
            w.updated = run(format!(
                "UPDATE {name} x SET {v} = s.{v} FROM {staged} s WHERE {} AND s.{v} > x.{v}",
                t.key_eq("s", "x")
            ))
            .await?;
        }
    }
    Ok(w)
}

/// Rows of every table.
async fn row_counts(tx: &impl GenericClient, tables: &[Table]) -> Result<BTreeMap<String, u64>> {
    let mut out = BTreeMap::new();
    for t in tables {
        let n = count(tx, &format!("SELECT count(*) FROM {}", q(&t.name))).await?;
        out.insert(t.name.clone(), n);
    }
    Ok(out)
}

/// The count a query returns.
async fn count(tx: &impl GenericClient, sql: &str) -> Result<u64> {
    let n: i64 = tx
        .query_one(sql, &[])
        .await
        .map_err(db_error)?
        .try_get(0)
        .map_err(db_error)?;
    Ok(n as u64)
}

// ---- Counters ----

/// Moves the counters agency by agency (see the module's documentation), the mode of each
/// agency kept in `move_count_modes` for [`verify_counters`].
async fn counters(
    tx: &impl GenericClient,
    tables: &[&Table],
    written: &mut BTreeMap<String, Written>,
    report: &mut MoveReport,
) -> Result<()> {
    if tables.is_empty() {
        return Ok(());
    }
    let agencies = tables
        .iter()
        .map(|t| format!("SELECT agency FROM {}", t.staged()))
        .collect::<Vec<_>>()
        .join(" UNION ");
    tx.batch_execute(&format!(
        "CREATE TEMP TABLE move_count_modes ON COMMIT DROP AS \
         SELECT a.agency, CASE \
           WHEN NOT own_dossiers THEN 'replace' WHEN NOT moved_before THEN 'add' \
           WHEN NOT moving_now THEN 'unchanged' ELSE 'left' END AS mode FROM ( \
           SELECT a.agency, \
             EXISTS (SELECT 1 FROM dossiers t WHERE t.competent = a.agency \
                     AND NOT EXISTS (SELECT 1 FROM move_class k WHERE k.id = t.id)) \
               AS own_dossiers, \
             EXISTS (SELECT 1 FROM move_dossiers s JOIN move_class k ON k.id = s.id \
                     WHERE s.competent = a.agency AND k.class IN ('present', 'grown')) \
               AS moved_before, \
             EXISTS (SELECT 1 FROM move_dossiers s JOIN move_class k ON k.id = s.id \
                     WHERE s.competent = a.agency AND k.class IN ('new', 'grown')) \
               AS moving_now \
           FROM ({agencies}) a) a"
    ))
    .await
    .map_err(db_error)?;
    for r in tx
        .query(
            "SELECT mode, agency FROM move_count_modes ORDER BY agency",
            &[],
        )
        .await
        .map_err(db_error)?
    {
        let (mode, agency): (String, String) = (
            r.try_get(0).map_err(db_error)?,
            r.try_get(1).map_err(db_error)?,
        );
        match mode.as_str() {
            "replace" => report.counters.replaced += 1,
            "add" => report.counters.added += 1,
            "unchanged" => report.counters.unchanged += 1,
            _ => report.counters.left.push(agency),
        }
    }
    if !report.counters.left.is_empty() {
        report.notes.push(format!(
            "Bộ đếm báo cáo của {} cơ quan ({}{}) không tách được phần của nguồn: đã giữ nguyên; hãy chạy `motcua report rebuild` trên cơ sở dữ liệu của tỉnh.",
            report.counters.left.len(),
            report.counters.left.iter().take(LISTED).cloned().collect::<Vec<_>>().join(", "),
            if report.counters.left.len() > LISTED { ", …" } else { "" }
        ));
    }
    for t in tables {
        let (name, staged) = (q(&t.name), t.staged());
        let columns = t.compared();
        let (cols, from_s) = (list(&columns, ""), list(&columns, "s"));
        let keys = list(&t.key, "");
        let mode = |m: &str| format!("(SELECT agency FROM move_count_modes WHERE mode = '{m}')");
        // Sums of the agencies added to, before, for the verification.
        tx.batch_execute(&format!(
            "CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT agency, sum(n) AS n FROM {name} \
             WHERE agency IN {} GROUP BY agency",
            q(&format!("move_sums_{}", t.name)),
            mode("add")
        ))
        .await
        .map_err(db_error)?;
        let deleted = tx
            .execute(
                &format!(
                    "DELETE FROM {name} x WHERE x.agency IN {} AND NOT EXISTS \
                     (SELECT 1 FROM {staged} s WHERE {} AND s.n = x.n)",
                    mode("replace"),
                    t.key_eq("s", "x")
                ),
                &[],
            )
            .await
            .map_err(db_error)?;
        let replaced = tx
            .execute(
                &format!(
                    "INSERT INTO {name} ({cols}) SELECT {from_s} FROM {staged} s \
                     WHERE s.agency IN {} AND NOT EXISTS (SELECT 1 FROM {name} x WHERE {})",
                    mode("replace"),
                    t.key_eq("s", "x")
                ),
                &[],
            )
            .await
            .map_err(db_error)?;
        let added = tx
            .execute(
                &format!(
                    "INSERT INTO {name} ({cols}) SELECT {from_s} FROM {staged} s \
                     WHERE s.agency IN {} ON CONFLICT ({keys}) DO UPDATE SET n = {name}.n + excluded.n",
                    mode("add")
                ),
                &[],
            )
            .await
            .map_err(db_error)?;
        written.insert(
            t.name.clone(),
            Written {
                inserted: replaced + added,
                updated: 0,
                deleted,
            },
        );
    }
    Ok(())
}

/// The counters of each agency replaced are the source's, those added to grew by the
/// source's sums.
async fn verify_counters(tx: &impl GenericClient, tables: &[&Table]) -> Result<()> {
    for t in tables {
        let (name, staged) = (q(&t.name), t.staged());
        let columns = list(&t.compared(), "");
        let replace = "(SELECT agency FROM move_count_modes WHERE mode = 'replace')";
        let differing = count(
            tx,
            &format!(
                "SELECT count(*) FROM ( \
                       (SELECT {columns} FROM {name} WHERE agency IN {replace} \
                        EXCEPT ALL SELECT {columns} FROM {staged} WHERE agency IN {replace}) \
                       UNION ALL \
                       (SELECT {columns} FROM {staged} WHERE agency IN {replace} \
                        EXCEPT ALL SELECT {columns} FROM {name} WHERE agency IN {replace})) d"
            ),
        )
        .await?;
        let unequal_sums = count(
            tx,
            &format!(
                "SELECT count(*) FROM move_count_modes a WHERE a.mode = 'add' AND \
                     coalesce((SELECT sum(n) FROM {name} x WHERE x.agency = a.agency), 0) <> \
                     coalesce((SELECT n FROM {} b WHERE b.agency = a.agency), 0) + \
                     coalesce((SELECT sum(n) FROM {staged} s WHERE s.agency = a.agency), 0)",
                q(&format!("move_sums_{}", t.name))
            ),
        )
        .await?;
        if differing > 0 || unequal_sums > 0 {
            return Err(mismatch(format!(
                "bảng {}: {differing} bộ đếm khác nguồn, {unequal_sums} cơ quan có tổng không khớp",
                t.name
            )));
        }
    }
    Ok(())
}

// ---- Projections under the province's tree ----

/// Whether the target kept agencies that differ from the source's.
async fn agencies_differ(tx: &impl GenericClient, tables: &[Table]) -> Result<bool> {
    let Some(t) = tables.iter().find(|t| t.name == "agencies") else {
        return Ok(false);
    };
    let n = count(
        tx,
        &format!(
            "SELECT count(*) FROM move_agencies s JOIN agencies x ON {} WHERE NOT ({})",
            t.key_eq("s", "x"),
            same(&t.other(), "s", "x")
        ),
    )
    .await?;
    Ok(n > 0)
}

/// Recomputes the projections of the dossiers copied or grown under the target's agency tree
/// (who reads them, where they are listed); whether there were any.
async fn rescope(tx: &impl GenericClient) -> Result<bool> {
    let ids: Vec<domain::dossier::DossierId> = tx
        .query(
            "SELECT id FROM move_class WHERE class IN ('new', 'grown') ORDER BY id",
            &[],
        )
        .await
        .map_err(db_error)?
        .iter()
        .map(|r| {
            r.try_get(0)
                .map(domain::dossier::DossierId)
                .map_err(db_error)
        })
        .collect::<Result<_>>()?;
    if ids.is_empty() {
        return Ok(false);
    }
    let tree = postgres::agency_tree(tx).await?;
    for chunk in ids.chunks(RESCOPE_CHUNK) {
        postgres::rebuild_in(tx, chunk, &tree).await?;
    }
    Ok(true)
}

// ---- Verification ----

/// One table's accounting: what the target holds of the source's rows now.
async fn account(
    tx: &impl GenericClient,
    t: &Table,
    w: &Written,
    source: u64,
    rescoped: bool,
) -> Result<TableReport> {
    let mut line = TableReport {
        table: t.name.clone(),
        source,
        ..TableReport::default()
    };
    match t.policy {
        Skip(reason) => {
            line.skipped = source;
            line.not_copied = Some(reason);
            return Ok(line);
        }
        Counters => {
            let left = count(
                tx,
                &format!(
                    "SELECT count(*) FROM {} WHERE agency IN \
                         (SELECT agency FROM move_count_modes WHERE mode = 'left')",
                    t.staged()
                ),
            )
            .await?;
            line.copied = w.inserted;
            line.skipped = left;
            line.present = source.saturating_sub(line.copied + line.skipped);
            return Ok(line);
        }
        _ => {}
    }
    let (name, staged) = (q(&t.name), t.staged());
    let r = tx
        .query_one(
            &format!(
                "SELECT count(*) FILTER (WHERE EXISTS (SELECT 1 FROM {name} x WHERE {})), \
                 count(*) FILTER (WHERE EXISTS (SELECT 1 FROM {name} x WHERE {})) \
                 FROM {staged} s",
                t.key_eq("s", "x"),
                t.same_row("s", "x")
            ),
            &[],
        )
        .await
        .map_err(db_error)?;
    let (by_key, identical): (i64, i64) = (
        r.try_get(0).map_err(db_error)?,
        r.try_get(1).map_err(db_error)?,
    );
    let (by_key, identical) = (by_key as u64, identical as u64);
    let written = w.inserted + w.updated;
    line.copied = written;
    match t.policy {
        // A raised sequence is not the source's value: it is at least that.
        Highest(value) => {
            let below = count(
                tx,
                &format!(
                    "SELECT count(*) FROM {staged} s WHERE NOT EXISTS (SELECT 1 FROM {name} x \
                         WHERE {} AND x.{v} >= s.{v})",
                    t.key_eq("s", "x"),
                    v = q(value)
                ),
            )
            .await?;
            if below > 0 {
                return Err(mismatch(format!(
                    "bảng {}: {below} dòng thấp hơn nguồn",
                    t.name
                )));
            }
            line.present = source - written.min(source);
            return Ok(line);
        }
        // Lines are a multiset: each copied as many times as missing, none missing after.
        Lines => {
            let missing = count(tx, &format!("SELECT count(*) {}", t.lines_missing())).await?;
            if missing > 0 {
                return Err(mismatch(format!(
                    "bảng {}: {missing} dòng của nguồn không có ở đích",
                    t.name
                )));
            }
            line.present = source.saturating_sub(written);
            return Ok(line);
        }
        _ => {}
    }
    if !recomputed(t, rescoped) && identical < written.min(source) {
        return Err(mismatch(format!(
            "bảng {}: đã ghi {written} dòng, chỉ {identical} dòng đọc lại giống nguồn",
            t.name
        )));
    }
    line.present = identical.saturating_sub(written);
    line.kept = by_key.saturating_sub(identical.max(written));
    line.skipped = source.saturating_sub(by_key);
    Ok(line)
}

/// Whether the table's rows of the dossiers moved were recomputed by [`rescope`] (and are not
/// the source's).
fn recomputed(t: &Table, rescoped: bool) -> bool {
    rescoped
        && matches!(
            t.name.as_str(),
            "dossiers" | "dossier_states" | "dossier_scope" | "dossier_readers"
        )
}

/// A note naming the first rows kept as the target has them, for the catalogue and accounts.
async fn differing_note(
    tx: &impl GenericClient,
    t: &Table,
    line: &TableReport,
) -> Result<Option<String>> {
    if line.kept == 0 || t.policy != Keyed {
        return Ok(None);
    }
    let keys = t
        .key
        .iter()
        .map(|k| format!("s.{}::text", q(k)))
        .collect::<Vec<_>>()
        .join(", ");
    let listed: Vec<String> = tx
        .query(
            &format!(
                "SELECT concat_ws(' / ', {keys}) AS k FROM {} s JOIN {} x ON {} WHERE NOT ({}) \
                 ORDER BY k LIMIT {LISTED}",
                t.staged(),
                q(&t.name),
                t.key_eq("s", "x"),
                same(&t.other(), "s", "x")
            ),
            &[],
        )
        .await
        .map_err(db_error)?
        .iter()
        .map(|r| r.try_get(0).map_err(db_error))
        .collect::<Result<_>>()?;
    let mut note = format!(
        "{}: {} dòng khác với nguồn, giữ bản của tỉnh: {}{}",
        t.name,
        line.kept,
        listed.join(", "),
        if line.kept > LISTED as u64 {
            ", …"
        } else {
            ""
        }
    );
    if t.name == "server_keys" {
        note.push_str(
            " — mã bảo mật in trên biên nhận các hồ sơ của nguồn sẽ không dùng được trên máy chủ của tỉnh",
        );
    }
    Ok(Some(note))
}

/// Every source dossier's log is in the target, the same, and chains; the rows of the
/// dossiers copied or grown are the source's.
async fn verify_dossiers(
    tx: &deadpool_postgres::Transaction<'_>,
    tables: &[Table],
    rescoped: bool,
    report: &mut MoveReport,
) -> Result<()> {
    let unequal = count(
        tx,
        "SELECT count(*) FROM move_last s LEFT JOIN LATERAL ( \
           SELECT count(*) AS n, max(version) AS version FROM dossier_events \
           WHERE dossier_id = s.id) t ON true \
         LEFT JOIN dossier_events e ON e.dossier_id = s.id AND e.version = t.version \
         WHERE t.n <> s.version OR t.version <> s.version OR e.hash IS DISTINCT FROM s.hash",
    )
    .await?;
    if unequal > 0 {
        return Err(mismatch(format!(
            "{unequal} hồ sơ có nhật ký sự kiện ở đích khác nguồn"
        )));
    }
    // The chains, read back in pages.
    let statement = tx
        .prepare(
            "SELECT e.dossier_id, e.version, e.kind, e.at_ms, e.actor, e.payload, e.prev_hash, \
             e.hash FROM dossier_events e WHERE e.dossier_id IN (SELECT id FROM move_last) \
             ORDER BY e.dossier_id, e.version",
        )
        .await
        .map_err(db_error)?;
    let portal = tx.bind(&statement, &[]).await.map_err(db_error)?;
    let mut chain: Option<ChainCheck> = None;
    let mut current = uuid::Uuid::nil();
    loop {
        let rows = tx.query_portal(&portal, 5_000).await.map_err(db_error)?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            let id: uuid::Uuid = r.try_get(0).map_err(db_error)?;
            if chain.is_none() || id != current {
                if let Some(done) = chain.take() {
                    report.chains_verified += 1;
                    report.events_verified += done.events() as u64;
                }
                current = id;
                chain = Some(ChainCheck::new(domain::dossier::DossierId(id)));
            }
            if let Some(c) = chain.as_mut() {
                c.next(&postgres::chained(r, 1)?)?;
            }
        }
    }
    if let Some(done) = chain {
        report.chains_verified += 1;
        report.events_verified += done.events() as u64;
    }
    let dossiers = report.dossiers.new + report.dossiers.grown + report.dossiers.present;
    if report.chains_verified != dossiers {
        return Err(mismatch(format!(
            "{} chuỗi băm kiểm tra được cho {dossiers} hồ sơ",
            report.chains_verified
        )));
    }
    // The rows of the dossiers copied or grown, as the source has them.
    for t in tables {
        let dossier = match t.policy {
            Projection(d) => d,
            Keyed if t.name == "dossier_events" => "dossier_id",
            _ => continue,
        };
        if recomputed(t, rescoped) {
            continue;
        }
        let absent = count(
            tx,
            &format!(
                "SELECT count(*) FROM {} s WHERE s.{} IN \
                 (SELECT id FROM move_class WHERE class IN ('new', 'grown')) \
                 AND NOT EXISTS (SELECT 1 FROM {} x WHERE {})",
                t.staged(),
                q(dossier),
                q(&t.name),
                t.same_row("s", "x")
            ),
        )
        .await?;
        if absent > 0 {
            return Err(mismatch(format!(
                "bảng {}: {absent} dòng của hồ sơ chuyển sang không có ở đích",
                t.name
            )));
        }
    }
    Ok(())
}

/// Every file of the source is in the target, its content hashing to its name.
async fn verify_files(tx: &impl GenericClient, report: &mut MoveReport) -> Result<()> {
    let r = tx
        .query_one(
            "SELECT count(*), count(*) FILTER (WHERE encode(sha256(x.content), 'hex') = s.sha256) \
             FROM move_attachments s LEFT JOIN attachments x ON x.sha256 = s.sha256",
            &[],
        )
        .await
        .map_err(db_error)?;
    let (files, good): (i64, i64) = (
        r.try_get(0).map_err(db_error)?,
        r.try_get(1).map_err(db_error)?,
    );
    if files != good {
        return Err(mismatch(format!(
            "{} tệp không có ở đích hoặc nội dung không khớp mã băm",
            files - good
        )));
    }
    report.files_verified = good as u64;
    Ok(())
}
