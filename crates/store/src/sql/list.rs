//! Danh sách hồ sơ — every list reads its page, not its matches; its queries, for either
//! backend.
//!
//! A list is driven by the index that fits its most selective condition — an officer
//! (`assignee`), a unit holding the dossiers, a receiving centre (with its status, or in the
//! order of reception for a log book), a competent agency, a procedure, a status — whose keys
//! end with the list's sort key and the id; with none of those, a province-wide reader walks
//! the work-order index, and anyone else the rows of the branches they may see
//! (`dossier_scope`). SQLite is told which index (`INDEXED BY`), so its plan never changes
//! under us; PostgreSQL has no such clause, and the same query is written so that the same
//! index fits it (equality on its leading columns, a row comparison and an order on the rest).
//! A page is the rows after the cursor of the previous one (keyset pagination), so page 1 and
//! page 5,000 cost the same. The other conditions, and the exact visibility, are checked on
//! the rows walked. Matches are counted up to [`SEARCH_COUNT_LIMIT`]. A search is driven by
//! the full-text index instead (FTS5 on SQLite, the `search_words` tsvector on PostgreSQL).
//!
//! [`plan`] writes a list's queries; the backend runs them, reads each row with its key
//! ([`Key`]) and hands them back to [`Plan::page`].

use super::dossiers::ROW_COLUMNS;
use super::{Dialect, Sql};
use crate::dossiers::OPEN_BELOW;
use crate::{
    Cursor, DossierFilter, DossierPage, DossierRow, Order, Result, SEARCH_COUNT_LIMIT, Visibility,
};

/// What walks the rows of a list.
enum Driving<'a> {
    /// The index `(column, due_sort, id)` named, at one value.
    Column {
        index: &'static str,
        column: &'static str,
        value: &'a str,
    },
    /// A receiving centre's dossiers of one status.
    ReceivingStatus(&'a str, u8),
    /// A receiving centre's dossiers in the order of reception.
    Received(&'a str),
    /// One status, province-wide.
    Status(u8),
    /// Everything (a province-wide reader).
    Everything,
}

/// The walk that fits a filter's most selective condition.
fn driving(f: &DossierFilter) -> Driving<'_> {
    let single_status = (f.national_status.len() == 1).then(|| f.national_status[0]);
    let column = |index, column, value| Driving::Column {
        index,
        column,
        value,
    };
    if let Some(a) = &f.assignee {
        column("dossiers_assignee_work", "assignee", a)
    } else if let Some(u) = &f.current_unit {
        column("dossiers_unit_work", "current_unit", u)
    } else if let Some(r) = &f.receiving {
        match (f.order, single_status) {
            (Order::ReceivedFirst, _) => Driving::Received(r),
            (_, Some(s)) => Driving::ReceivingStatus(r, s),
            _ => column("dossiers_receiving_work", "receiving", r),
        }
    } else if let Some(c) = &f.competent {
        column("dossiers_competent_work", "competent", c)
    } else if let Some(p) = &f.procedure_code {
        column("dossiers_procedure_work", "procedure_code", p)
    } else if let Some(s) = single_status {
        Driving::Status(s)
    } else {
        Driving::Everything
    }
}

/// The ORDER BY of an order, over the columns `sort` and `id`.
fn order_by(order: Order, sort: &str, id: &str) -> String {
    match order {
        Order::DueFirst => format!(" ORDER BY {sort}, {id}"),
        Order::LatestFirst => format!(" ORDER BY {id} DESC"),
        Order::ReceivedFirst => format!(" ORDER BY d.received_ms, {id}"),
    }
}

/// The condition that one of `agencies` may read the dossier `d` (its rows in
/// `dossier_readers`); none matches no dossier.
pub(crate) fn push_readable(q: &mut Sql, agencies: &[String]) {
    q.push(" AND EXISTS (SELECT 1 FROM dossier_readers r WHERE r.dossier = d.id AND r.agency IN (")
        .list(agencies.iter().cloned())
        .push(")");
}

/// The conditions every path checks on the dossier rows (`d`): what the driving index did not
/// already select.
fn push_conditions(q: &mut Sql, f: &DossierFilter, driving: &Driving<'_>, by_branch: bool) {
    if let Visibility::Within { agencies, .. } = &f.visible {
        if agencies.is_empty() {
            q.push(" AND 0 = 1");
        } else {
            push_readable(q, agencies);
        }
    }
    // On a branch's rows the status is a condition; on the status indexes it was the seek.
    let consumed_status =
        !by_branch && matches!(driving, Driving::ReceivingStatus(..) | Driving::Status(_));
    if !f.national_status.is_empty() && !consumed_status {
        q.push(" AND d.national_status IN (")
            .list(f.national_status.iter().map(|s| i64::from(*s)));
    }
    let driven_column = match driving {
        Driving::Column { column, .. } => Some(*column),
        Driving::ReceivingStatus(..) | Driving::Received(_) => Some("receiving"),
        _ => None,
    };
    for (column, value) in [
        ("assignee", &f.assignee),
        ("current_unit", &f.current_unit),
        ("receiving", &f.receiving),
        ("competent", &f.competent),
        ("procedure_code", &f.procedure_code),
        ("applicant_id", &f.applicant_id),
    ] {
        if let Some(v) = value
            && driven_column != Some(column)
        {
            q.push(" AND d.").push(column).push(" = ").bind(v.clone());
        }
    }
    for (column, op, value) in [
        ("due_ms", " >= ", f.due_from),
        ("due_ms", " < ", f.due_to),
        ("received_ms", " >= ", f.received_from),
        ("received_ms", " < ", f.received_to),
    ] {
        if let Some(v) = value {
            q.push(" AND d.")
                .push(column)
                .push(op)
                .bind(v.timestamp_millis());
        }
    }
    if f.order == Order::ReceivedFirst {
        q.push(" AND d.received_ms IS NOT NULL");
    }
}

/// Bounds on the sort key that the conditions imply, so the index walk starts and stops where
/// the matches are: open dossiers only below [`OPEN_BELOW`]; a due window on the work order.
fn push_bounds(q: &mut Sql, f: &DossierFilter, sort: &str) {
    if f.open_only {
        q.push(" AND ").push(sort).push(" < ").bind(OPEN_BELOW);
    }
    if f.order == Order::DueFirst
        && let Some(from) = f.due_from
    {
        // An open dossier's key is its due instant; an ended one's is above any instant.
        q.push(" AND ")
            .push(sort)
            .push(" >= ")
            .bind(from.timestamp_millis());
    }
    if f.order == Order::DueFirst
        && f.open_only
        && let Some(to) = f.due_to
    {
        q.push(" AND ")
            .push(sort)
            .push(" < ")
            .bind(to.timestamp_millis());
    }
}

/// The condition of the rows after `cursor`.
fn push_cursor(q: &mut Sql, order: Order, cursor: Option<&Cursor>, sort: &str, id: &str) {
    let Some(c) = cursor.filter(|c| c.order == order) else {
        return;
    };
    // Newest first is by id alone; the other orders by their key, then the id.
    let key = match order {
        Order::LatestFirst => {
            q.push(" AND ").push(id).push(" < ").bind(c.id);
            return;
        }
        Order::DueFirst => sort,
        Order::ReceivedFirst => "d.received_ms",
    };
    q.push(" AND (")
        .push(key)
        .push(", ")
        .push(id)
        .push(") > (")
        .bind(c.key)
        .push(", ")
        .bind(c.id)
        .push(")");
}

/// The sort and id columns of a walk.
struct Walk {
    sort: &'static str,
    id: &'static str,
}

/// Pushes the FROM and the driving conditions of a walk: a branch's rows, or an index.
fn walk(q: &mut Sql, driving: &Driving<'_>, order: Order, branch: Option<&str>) -> Walk {
    if let Some(b) = branch {
        q.push(" FROM dossier_scope s JOIN dossiers d ON d.id = s.dossier WHERE s.branch = ")
            .bind(b);
        return Walk {
            sort: "s.due_sort",
            id: "s.dossier",
        };
    }
    // The work-order indexes are named (on SQLite), so the plan never changes under us.
    let forced = |q: &mut Sql, index: &str| {
        q.push(" FROM dossiers d");
        if order == Order::DueFirst {
            q.indexed_by(index);
        }
    };
    match driving {
        Driving::Column {
            index,
            column,
            value,
        } => {
            forced(q, index);
            q.push(" WHERE d.").push(column).push(" = ").bind(*value);
        }
        Driving::ReceivingStatus(r, s) => {
            forced(q, "dossiers_receiving_status_work");
            q.push(" WHERE d.receiving = ")
                .bind(*r)
                .push(" AND d.national_status = ")
                .bind(i64::from(*s));
        }
        Driving::Received(r) => {
            q.push(" FROM dossiers d")
                .indexed_by("dossiers_received")
                .push(" WHERE d.receiving = ")
                .bind(*r);
        }
        Driving::Status(s) => {
            forced(q, "dossiers_status_work");
            q.push(" WHERE d.national_status = ").bind(i64::from(*s));
        }
        Driving::Everything => {
            forced(q, "dossiers_work");
            q.push(" WHERE 1 = 1");
        }
    }
    Walk {
        sort: "d.due_sort",
        id: "d.id",
    }
}

/// The first `limit` + 1 rows of one walk (one branch, or none) after the cursor.
fn page_of(
    dialect: Dialect,
    f: &DossierFilter,
    driving: &Driving<'_>,
    branch: Option<&str>,
    limit: i64,
) -> Sql {
    let mut q = Sql::new(dialect, &format!("SELECT {ROW_COLUMNS}"));
    let w = walk(&mut q, driving, f.order, branch);
    push_bounds(&mut q, f, w.sort);
    push_conditions(&mut q, f, driving, branch.is_some());
    push_cursor(&mut q, f.order, f.after.as_ref(), w.sort, w.id);
    q.push(&order_by(f.order, w.sort, w.id))
        .push(" LIMIT ")
        .bind(limit + 1);
    q
}

/// The ids of every dossier matching `f` (cursor and limit aside), each once, walked as its
/// list walks them.
fn matches(dialect: Dialect, f: &DossierFilter, driving: &Driving<'_>) -> Sql {
    match (driving, &f.visible) {
        (Driving::Everything | Driving::Status(_), Visibility::Within { branches, .. }) => {
            // A dossier of several branches the reader sees is counted once.
            let mut q = Sql::new(
                dialect,
                if branches.len() > 1 {
                    "SELECT DISTINCT d.id"
                } else {
                    "SELECT d.id"
                },
            );
            q.push(" FROM dossier_scope s JOIN dossiers d ON d.id = s.dossier WHERE s.branch IN (")
                .list(branches.iter().cloned());
            push_bounds(&mut q, f, "s.due_sort");
            push_conditions(&mut q, f, driving, true);
            q
        }
        _ => {
            let mut q = Sql::new(dialect, "SELECT d.id");
            let w = walk(&mut q, driving, Order::LatestFirst, None);
            push_bounds(&mut q, f, w.sort);
            push_conditions(&mut q, f, driving, false);
            q
        }
    }
}

/// How many rows `m` has, counting no further than one past `bound` (when given).
fn count_of(m: Sql, bound: Option<i64>) -> Sql {
    let mut q = Sql::new(m.dialect(), "SELECT COUNT(*) FROM (");
    q.append(m);
    if let Some(b) = bound {
        q.push(" LIMIT ").bind(b + 1);
    }
    // PostgreSQL names every subquery in FROM.
    q.push(")").postgres(" AS m");
    q
}

/// Whether a list of several statuses is better walked status by status: when it would
/// otherwise walk a receiving centre's or the whole province's rows.
fn splits_by_status(driving: &Driving<'_>) -> bool {
    matches!(
        driving,
        Driving::Everything
            | Driving::Column {
                column: "receiving",
                ..
            }
    )
}

/// The walks of `f`, each a page: each branch the reader may see when they have no other
/// way in, or the driving index; whether their rows are to be merged.
fn walks(
    dialect: Dialect,
    f: &DossierFilter,
    driving: &Driving<'_>,
    limit: i64,
) -> (Vec<Sql>, bool) {
    match (driving, &f.visible) {
        (Driving::Everything | Driving::Status(_), Visibility::Within { branches, .. }) => (
            branches
                .iter()
                .map(|b| page_of(dialect, f, driving, Some(b), limit))
                .collect(),
            true,
        ),
        _ => (vec![page_of(dialect, f, driving, None, limit)], false),
    }
}

/// Where a page's row has the key a cursor after it needs.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Key {
    /// An integer column (the sort key, or a search's newest-first key).
    Column(usize),
    /// The reception instant of the row read.
    Received,
    /// None: newest first is by id alone.
    Zero,
}

impl Key {
    /// The key of a row read as `d`, whose integer columns `column` reads.
    pub fn of(self, d: &DossierRow, column: impl FnOnce(usize) -> Result<i64>) -> Result<i64> {
        Ok(match self {
            Key::Column(i) => column(i)?,
            Key::Received => d.received_at.map_or(0, |t| t.timestamp_millis()),
            Key::Zero => 0,
        })
    }
}

/// The queries of a list: its walks' pages, and the count of its matches.
pub(crate) struct Plan {
    /// Each walk's first `limit` + 1 rows after the cursor, of [`ROW_COLUMNS`] and what
    /// [`Plan::key`] reads.
    pub pages: Vec<Sql>,
    pub key: Key,
    /// `SELECT COUNT(*)` of the matches, up to one past [`SEARCH_COUNT_LIMIT`] (none: no
    /// dossier can match).
    pub count: Option<Sql>,
    /// Whether the pages' rows are merged (several walks, or a branch's).
    merge: bool,
    limit: i64,
    order: Order,
}

/// A list's queries: a search's, driven by the full-text index, or else the walks of the
/// index that fits the filter.
pub(crate) fn plan(dialect: Dialect, f: &DossierFilter) -> Plan {
    let limit = i64::from(f.limit.clamp(1, 500));
    if let Some(words) = &f.search {
        return search(dialect, f, words, limit);
    }
    let driving = driving(f);
    let (pages, merge) = if f.national_status.len() > 1 && splits_by_status(&driving) {
        // Several statuses: one walk of each status's own index, merged, rather than the
        // centre's (or the province's) whole list filtered until a page is found.
        let mut pages = Vec::new();
        for s in &f.national_status {
            let one = DossierFilter {
                national_status: vec![*s],
                ..f.clone()
            };
            pages.extend(walks(dialect, &one, &self::driving(&one), limit).0);
        }
        (pages, true)
    } else {
        walks(dialect, f, &driving, limit)
    };
    let key = match f.order {
        Order::DueFirst => Key::Column(18),
        Order::LatestFirst => Key::Zero,
        Order::ReceivedFirst => Key::Received,
    };
    Plan {
        pages,
        key,
        count: Some(count_of(
            matches(dialect, f, &driving),
            Some(SEARCH_COUNT_LIMIT),
        )),
        merge,
        limit,
        order: f.order,
    }
}

/// `SELECT COUNT(*)` of every dossier matching `f` (search words, cursor and limit aside),
/// each once.
pub(crate) fn count(dialect: Dialect, f: &DossierFilter) -> Sql {
    count_of(matches(dialect, f, &driving(f)), None)
}

impl Plan {
    /// The page, from the keyed rows of [`Plan::pages`] (in their order) and the number
    /// [`Plan::count`] answered.
    pub fn page(&self, mut rows: Vec<(i64, DossierRow)>, counted: i64) -> DossierPage {
        if self.merge {
            merge(&mut rows, self.order);
        }
        page(rows, self.limit, self.order, counted)
    }
}

/// Puts walks' rows in the list's order, each dossier once.
fn merge(rows: &mut Vec<(i64, DossierRow)>, order: Order) {
    rows.sort_by(|(ka, a), (kb, b)| match order {
        Order::LatestFirst => b.id.cmp(&a.id),
        _ => (ka, a.id).cmp(&(kb, b.id)),
    });
    rows.dedup_by(|a, b| a.1.id == b.1.id);
}

/// The page of the first `limit` keyed rows (of `limit` + 1 read, the one past telling that
/// there is a next page), with the matches counted.
fn page(mut rows: Vec<(i64, DossierRow)>, limit: i64, order: Order, counted: i64) -> DossierPage {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = if more {
        rows.last().map(|(key, last)| Cursor {
            order,
            key: *key,
            id: last.id,
        })
    } else {
        None
    };
    DossierPage {
        rows: rows.into_iter().map(|(_, r)| r).collect(),
        total: counted.min(SEARCH_COUNT_LIMIT),
        total_exact: counted <= SEARCH_COUNT_LIMIT,
        next,
    }
}

/// A search: driven by the full-text index, newest match first (or sorted by due date, or by
/// reception, when asked), a page after the cursor.
///
/// "Newest match first" is the order of SQLite's full-text rows (`rowid`, the order in which
/// dossiers were first written), the rowid being the cursor's key. PostgreSQL rows have no such
/// stable order, so a search newest first is there by opening instant, then id, both
/// descending (`opened_ms DESC, id DESC`) — the same order for dossiers opened one after
/// another — and its cursor's key is the opening instant with the id. PostgreSQL's query is
/// written from the store's (FTS5's) syntax ([`crate::postgres::tsquery`]): with no word left,
/// nothing matches.
fn search(dialect: Dialect, f: &DossierFilter, words: &str, limit: i64) -> Plan {
    let (words, newest, counted) = match dialect {
        Dialect::Sqlite => (
            words.to_string(),
            "dossier_search.rowid",
            format!("{ROW_COLUMNS}, dossier_search.rowid"),
        ),
        Dialect::Postgres => match crate::postgres::tsquery(words) {
            Some(query) => (query, "d.opened_ms", "d.id".to_string()),
            None => {
                return Plan {
                    pages: Vec::new(),
                    key: Key::Zero,
                    count: None,
                    merge: false,
                    limit,
                    order: f.order,
                };
            }
        },
    };
    let build = |columns: &str, with_cursor: bool| {
        let mut q = Sql::new(dialect, &format!("SELECT {columns} FROM "));
        match dialect {
            Dialect::Sqlite => q
                .push(
                    "dossier_search CROSS JOIN dossiers d ON d.rowid = dossier_search.rowid \
                     WHERE dossier_search MATCH ",
                )
                .bind(words.clone()),
            Dialect::Postgres => q
                .push("dossiers d WHERE d.search_words @@ to_tsquery('simple', ")
                .bind(words.clone())
                .push(")"),
        };
        push_bounds(&mut q, f, "d.due_sort");
        push_conditions(&mut q, f, &Driving::Everything, false);
        if with_cursor && let Some(c) = f.after.as_ref().filter(|c| c.order == f.order) {
            let (key, op) = match f.order {
                Order::LatestFirst => (newest, " < "),
                Order::DueFirst => ("d.due_sort", " > "),
                Order::ReceivedFirst => ("d.received_ms", " > "),
            };
            if f.order == Order::LatestFirst && dialect == Dialect::Sqlite {
                // The full-text row alone orders SQLite's matches.
                q.push(" AND ").push(key).push(op).bind(c.key);
            } else {
                q.push(" AND (")
                    .push(key)
                    .push(", d.id)")
                    .push(op)
                    .push("(")
                    .bind(c.key)
                    .push(", ")
                    .bind(c.id)
                    .push(")");
            }
        }
        q
    };
    let mut q = build(&format!("{ROW_COLUMNS}, {newest}"), true);
    match f.order {
        Order::LatestFirst => q
            .push(" ORDER BY ")
            .push(newest)
            .push(" DESC")
            .postgres(", d.id DESC"),
        Order::DueFirst => q.push(" ORDER BY d.due_sort, d.id"),
        Order::ReceivedFirst => q.push(" ORDER BY d.received_ms, d.id"),
    }
    .push(" LIMIT ")
    .bind(limit + 1);
    Plan {
        pages: vec![q],
        key: match f.order {
            Order::LatestFirst => Key::Column(19),
            Order::DueFirst => Key::Column(18),
            Order::ReceivedFirst => Key::Received,
        },
        count: Some(count_of(build(&counted, false), Some(SEARCH_COUNT_LIMIT))),
        merge: false,
        limit,
        order: f.order,
    }
}
