//! The SQL both backends send, built once: text and values, for either dialect.
//!
//! A query is built as a [`Sql`]: text pushed piece by piece, values bound as they come (each
//! becomes a placeholder), lists of any length. The [`Dialect`] decides the placeholders
//! (SQLite's `?N`, PostgreSQL's `$N`) and the few spellings that differ between the two; the
//! values are neutral ([`Value`]) and each backend hands them to its driver when it runs the
//! query. The modules below build the queries whose conditions both backends share, each condition
//! written once; each backend runs them and reads the rows with its own driver.

pub(crate) mod accounts;
pub(crate) mod counts;
pub(crate) mod dossiers;
pub(crate) mod feedback;
pub(crate) mod files;
pub(crate) mod list;
pub(crate) mod outbox;
pub(crate) mod payments;
pub(crate) mod reads;
pub(crate) mod surveys;

use std::fmt::Write;

/// The database a query is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

/// A value bound to a query: what the two backends bind, whichever driver takes it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Int(i64),
    Text(String),
    /// Text or NULL.
    MaybeText(Option<String>),
    /// Stored as its 16 bytes on SQLite, as a `uuid` on PostgreSQL.
    Uuid(uuid::Uuid),
    /// A `text[]` array: PostgreSQL's, for `= ANY(…)` ([`Sql::any`]; SQLite has no arrays).
    Texts(Vec<String>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}

impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        Value::MaybeText(v)
    }
}

impl From<uuid::Uuid> for Value {
    fn from(v: uuid::Uuid) -> Self {
        Value::Uuid(v)
    }
}

/// SQL text with its values, built piece by piece (lists of varying length, optional
/// conditions) for one [`Dialect`]: each bound value becomes `?N` on SQLite, `$N` on
/// PostgreSQL.
#[derive(Debug, Clone)]
pub(crate) struct Sql {
    dialect: Dialect,
    pub text: String,
    pub args: Vec<Value>,
}

impl Sql {
    pub fn new(dialect: Dialect, text: &str) -> Self {
        Sql {
            dialect,
            text: text.to_string(),
            args: Vec::new(),
        }
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Binds a value where the text has got to.
    pub fn bind(&mut self, v: impl Into<Value>) -> &mut Self {
        self.args.push(v.into());
        let mark = match self.dialect {
            Dialect::Sqlite => '?',
            Dialect::Postgres => '$',
        };
        write!(self.text, "{mark}{}", self.args.len()).expect("writing to a String");
        self
    }

    /// `?a, ?b, ?c)` — the rest of an `IN (` list; an empty list matches nothing.
    pub fn list<V: Into<Value>>(&mut self, items: impl IntoIterator<Item = V>) -> &mut Self {
        let mut first = true;
        for v in items {
            if !first {
                self.text.push_str(", ");
            }
            first = false;
            self.bind(v);
        }
        if first {
            self.text.push_str("NULL");
        }
        self.text.push(')');
        self
    }

    /// `column` is one of `items`: a list on SQLite (`column IN (?1, ?2)`), one array on
    /// PostgreSQL (`column = ANY($1::text[])`, the same text however many items).
    pub fn any(&mut self, column: &str, items: impl IntoIterator<Item = String>) -> &mut Self {
        self.push(column);
        match self.dialect {
            Dialect::Sqlite => self.push(" IN (").list(items),
            Dialect::Postgres => self
                .push(" = ANY(")
                .bind(Value::Texts(items.into_iter().collect()))
                .push("::text[])"),
        }
    }

    /// After a text column or expression: its order is by bytes, as SQLite's BINARY collation
    /// orders text (PostgreSQL is told, `COLLATE "C"`, whatever its database's locale).
    pub fn bytewise(&mut self) -> &mut Self {
        self.postgres(" COLLATE \"C\"")
    }

    /// `SUM(expr)` as a 64-bit integer (PostgreSQL sums `bigint`s as `numeric`).
    pub fn sum(&mut self, expr: &str) -> &mut Self {
        self.push("SUM(").push(expr).push(")").postgres("::bigint")
    }

    /// A 0/1 flag column as a condition (PostgreSQL keeps flags as `bigint`, which is no
    /// boolean there).
    pub fn flag(&mut self, column: &str) -> &mut Self {
        self.push(column).postgres(" <> 0")
    }

    /// `haystack` contains the bound `needle`, case for case (`instr`, `strpos`).
    pub fn contains(&mut self, haystack: &str, needle: impl Into<Value>) -> &mut Self {
        self.push(match self.dialect {
            Dialect::Sqlite => "instr(",
            Dialect::Postgres => "strpos(",
        })
        .push(haystack)
        .push(", ")
        .bind(needle)
        .push(") > 0")
    }

    /// Text PostgreSQL needs and SQLite does without: an order SQLite's plan gives already (the
    /// order of its GROUP BY, of the index it walks; NULLs first), a name for a subquery.
    pub fn postgres(&mut self, text: &str) -> &mut Self {
        match self.dialect {
            Dialect::Sqlite => self,
            Dialect::Postgres => self.push(text),
        }
    }

    /// After a table in FROM: the index SQLite is to walk, named so that its plan never
    /// changes (PostgreSQL has no such clause; its queries are written so that the same index
    /// fits them).
    pub fn indexed_by(&mut self, index: &str) -> &mut Self {
        match self.dialect {
            Dialect::Sqlite => self.push(" INDEXED BY ").push(index),
            Dialect::Postgres => self,
        }
    }

    /// Appends a query built on its own (its placeholders numbered from 1: nothing may be bound
    /// here before it).
    pub fn append(&mut self, inner: Sql) -> &mut Self {
        debug_assert!(self.args.is_empty() && inner.dialect == self.dialect);
        self.text.push_str(&inner.text);
        self.args = inner.args;
        self
    }
}
