//! Danh sách hồ sơ on PostgreSQL — every list reads its page, not its matches.
//!
//! The lists walk what SQLite's walk (see `sqlite::list`): the dossiers of the most selective
//! condition — an officer (`assignee`), a unit holding the dossiers, a receiving centre (with
//! its status, or in the order of reception for a log book), a competent agency, a procedure,
//! a status — whose indexes end with the list's sort key and the id; with none of those, a
//! province-wide reader walks the work-order index, and anyone else the rows of the branches
//! they may see (`dossier_scope`). PostgreSQL has no `INDEXED BY`: the planner picks the index,
//! and the queries are written so that the one named on SQLite fits them (equality on its
//! leading columns, a row comparison and an order on the rest). A page is the rows after the
//! cursor of the previous one (keyset pagination). Matches are counted up to
//! [`SEARCH_COUNT_LIMIT`]. A search is driven by the full-text index (`search_words`) instead.

use deadpool_postgres::GenericClient;

use super::dossiers::{ROW_COLUMNS, get, row};
use super::{DIALECT, Sql};
use crate::dossiers::OPEN_BELOW;
use crate::{
    Cursor, DossierFilter, DossierPage, DossierRow, Order, Result, SEARCH_COUNT_LIMIT, Visibility,
};

/// What walks the rows of a list.
enum Driving<'a> {
    /// The index `(column, due_sort, id)` named, at one value.
    Column {
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
    let column = |column, value| Driving::Column { column, value };
    if let Some(a) = &f.assignee {
        column("assignee", a)
    } else if let Some(u) = &f.current_unit {
        column("current_unit", u)
    } else if let Some(r) = &f.receiving {
        match (f.order, single_status) {
            (Order::ReceivedFirst, _) => Driving::Received(r),
            (_, Some(s)) => Driving::ReceivingStatus(r, s),
            _ => column("receiving", r),
        }
    } else if let Some(c) = &f.competent {
        column("competent", c)
    } else if let Some(p) = &f.procedure_code {
        column("procedure_code", p)
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

/// The conditions every path checks on the dossier rows (`d`): what the driving walk did not
/// already select.
fn push_conditions(q: &mut Sql, f: &DossierFilter, driving: &Driving<'_>, by_branch: bool) {
    if let Visibility::Within { agencies, .. } = &f.visible {
        if agencies.is_empty() {
            q.push(" AND 0 = 1");
        } else {
            q.push(
                " AND EXISTS (SELECT 1 FROM dossier_readers r WHERE r.dossier = d.id \
                 AND r.agency IN (",
            )
            .list(agencies.clone())
            .push(")");
        }
    }
    // On a branch's rows the status is a condition; on the status walks it was the seek.
    let consumed_status =
        !by_branch && matches!(driving, Driving::ReceivingStatus(..) | Driving::Status(_));
    if !f.national_status.is_empty() && !consumed_status {
        q.push(" AND d.national_status IN (").list(
            f.national_status
                .iter()
                .map(|s| i64::from(*s))
                .collect::<Vec<_>>(),
        );
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

/// A row with the key a cursor after it needs.
fn keyed(order: Order, r: &tokio_postgres::Row) -> Result<(i64, DossierRow)> {
    let d = row(r)?;
    let key = match order {
        Order::DueFirst => get::<i64>(r, 18)?,
        Order::LatestFirst => 0,
        Order::ReceivedFirst => d.received_at.map_or(0, |t| t.timestamp_millis()),
    };
    Ok((key, d))
}

/// The sort and id columns of a walk.
struct Walk {
    sort: &'static str,
    id: &'static str,
}

/// Pushes the FROM and the driving conditions of a walk: a branch's rows, or the dossiers of
/// the driving condition.
fn walk(q: &mut Sql, driving: &Driving<'_>, branch: Option<&str>) -> Walk {
    if let Some(b) = branch {
        q.push(" FROM dossier_scope s JOIN dossiers d ON d.id = s.dossier WHERE s.branch = ")
            .bind(b.to_string());
        return Walk {
            sort: "s.due_sort",
            id: "s.dossier",
        };
    }
    match driving {
        Driving::Column { column, value } => {
            q.push(" FROM dossiers d WHERE d.")
                .push(column)
                .push(" = ")
                .bind(value.to_string());
        }
        Driving::ReceivingStatus(r, s) => {
            q.push(" FROM dossiers d WHERE d.receiving = ")
                .bind(r.to_string())
                .push(" AND d.national_status = ")
                .bind(i64::from(*s));
        }
        Driving::Received(r) => {
            q.push(" FROM dossiers d WHERE d.receiving = ")
                .bind(r.to_string());
        }
        Driving::Status(s) => {
            q.push(" FROM dossiers d WHERE d.national_status = ")
                .bind(i64::from(*s));
        }
        Driving::Everything => {
            q.push(" FROM dossiers d WHERE 1 = 1");
        }
    }
    Walk {
        sort: "d.due_sort",
        id: "d.id",
    }
}

/// A page of one walk (one branch, or none).
async fn page_of(
    client: &impl GenericClient,
    f: &DossierFilter,
    driving: &Driving<'_>,
    branch: Option<&str>,
    limit: i64,
) -> Result<Vec<(i64, DossierRow)>> {
    let mut q = Sql::new(DIALECT, &format!("SELECT {ROW_COLUMNS}"));
    let w = walk(&mut q, driving, branch);
    push_bounds(&mut q, f, w.sort);
    push_conditions(&mut q, f, driving, branch.is_some());
    push_cursor(&mut q, f.order, f.after.as_ref(), w.sort, w.id);
    q.push(&order_by(f.order, w.sort, w.id))
        .push(" LIMIT ")
        .bind(limit + 1);
    q.query(client)
        .await?
        .iter()
        .map(|r| keyed(f.order, r))
        .collect()
}

/// The ids of every dossier matching `f` (cursor and limit aside), each once, walked as its
/// list walks them.
fn matches(f: &DossierFilter, driving: &Driving<'_>) -> Sql {
    match (driving, &f.visible) {
        (Driving::Everything | Driving::Status(_), Visibility::Within { branches, .. }) => {
            // A dossier of several branches the reader sees is counted once.
            let mut q = Sql::new(
                DIALECT,
                if branches.len() > 1 {
                    "SELECT DISTINCT d.id"
                } else {
                    "SELECT d.id"
                },
            );
            q.push(" FROM dossier_scope s JOIN dossiers d ON d.id = s.dossier WHERE s.branch IN (")
                .list(branches.clone());
            push_bounds(&mut q, f, "s.due_sort");
            push_conditions(&mut q, f, driving, true);
            q
        }
        _ => {
            let mut q = Sql::new(DIALECT, "SELECT d.id");
            let w = walk(&mut q, driving, None);
            push_bounds(&mut q, f, w.sort);
            push_conditions(&mut q, f, driving, false);
            q
        }
    }
}

/// How many dossiers match, counting no further than one past `bound` (when given).
async fn count_matches(client: &impl GenericClient, m: Sql, bound: Option<i64>) -> Result<i64> {
    let mut q = Sql::new(DIALECT, "SELECT count(*) FROM (");
    q.append(m);
    if let Some(b) = bound {
        q.push(" LIMIT ").bind(b + 1);
    }
    q.push(") AS m");
    match q.query(client).await?.first() {
        Some(r) => get(r, 0),
        None => Ok(0),
    }
}

/// A page of the dossiers matching `f`.
pub(super) async fn list(client: &impl GenericClient, f: &DossierFilter) -> Result<DossierPage> {
    let limit = i64::from(f.limit.clamp(1, 500));
    if let Some(words) = &f.search {
        return search(client, f, words, limit).await;
    }
    let driving = driving(f);
    let rows = if f.national_status.len() > 1 && splits_by_status(&driving) {
        // Several statuses: one walk of each status's own index, merged, rather than the
        // centre's (or the province's) whole list filtered until a page is found.
        let mut rows = Vec::new();
        for s in &f.national_status {
            let one = DossierFilter {
                national_status: vec![*s],
                ..f.clone()
            };
            rows.extend(rows_of(client, &one, &self::driving(&one), limit).await?);
        }
        merge(&mut rows, f.order);
        rows
    } else {
        rows_of(client, f, &driving, limit).await?
    };
    let counted = count_matches(client, matches(f, &driving), Some(SEARCH_COUNT_LIMIT)).await?;
    Ok(page(rows, limit, f.order, counted))
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

/// The first `limit` + 1 keyed rows of `f` after its cursor.
async fn rows_of(
    client: &impl GenericClient,
    f: &DossierFilter,
    driving: &Driving<'_>,
    limit: i64,
) -> Result<Vec<(i64, DossierRow)>> {
    Ok(match (driving, &f.visible) {
        (Driving::Everything | Driving::Status(_), Visibility::Within { branches, .. }) => {
            // Walk each branch the reader may see, and merge.
            let mut rows: Vec<(i64, DossierRow)> = Vec::new();
            for b in branches {
                rows.extend(page_of(client, f, driving, Some(b), limit).await?);
            }
            merge(&mut rows, f.order);
            rows
        }
        _ => page_of(client, f, driving, None, limit).await?,
    })
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
/// "Newest match first" was the order of SQLite's full-text rows (`rowid`, the order in which
/// dossiers were first written). PostgreSQL rows have no such stable order, so a search newest
/// first is by opening instant, then id, both descending (`opened_ms DESC, id DESC`) — the same
/// order for dossiers opened one after another — and its cursor's key is the opening instant
/// (`Cursor.key`) with the id.
async fn search(
    client: &impl GenericClient,
    f: &DossierFilter,
    words: &str,
    limit: i64,
) -> Result<DossierPage> {
    let Some(query) = super::tsquery(words) else {
        // No word to look for: nothing matches.
        return Ok(page(Vec::new(), limit, f.order, 0));
    };
    let build = |columns: &str, with_cursor: bool| {
        let mut q = Sql::new(
            DIALECT,
            &format!(
                "SELECT {columns} FROM dossiers d WHERE d.search_words @@ to_tsquery('simple', "
            ),
        );
        q.bind(query.clone()).push(")");
        push_bounds(&mut q, f, "d.due_sort");
        push_conditions(&mut q, f, &Driving::Everything, false);
        if with_cursor && let Some(c) = f.after.as_ref().filter(|c| c.order == f.order) {
            let (key, op) = match f.order {
                Order::LatestFirst => ("d.opened_ms", ") < ("),
                Order::DueFirst => ("d.due_sort", ") > ("),
                Order::ReceivedFirst => ("d.received_ms", ") > ("),
            };
            q.push(" AND (")
                .push(key)
                .push(", d.id")
                .push(op)
                .bind(c.key)
                .push(", ")
                .bind(c.id)
                .push(")");
        }
        q
    };
    let mut q = build(&format!("{ROW_COLUMNS}, d.opened_ms"), true);
    q.push(match f.order {
        Order::LatestFirst => " ORDER BY d.opened_ms DESC, d.id DESC",
        Order::DueFirst => " ORDER BY d.due_sort, d.id",
        Order::ReceivedFirst => " ORDER BY d.received_ms, d.id",
    })
    .push(" LIMIT ")
    .bind(limit + 1);
    let rows = q
        .query(client)
        .await?
        .iter()
        .map(|r| {
            let d = row(r)?;
            let key = match f.order {
                Order::LatestFirst => get::<i64>(r, 19)?,
                Order::DueFirst => get::<i64>(r, 18)?,
                Order::ReceivedFirst => d.received_at.map_or(0, |t| t.timestamp_millis()),
            };
            Ok((key, d))
        })
        .collect::<Result<Vec<_>>>()?;
    let n = count_matches(client, build("d.id", false), Some(SEARCH_COUNT_LIMIT)).await?;
    Ok(page(rows, limit, f.order, n))
}

/// Every dossier matching `f` (search words, cursor and limit aside), counted once each.
pub(super) async fn count(client: &impl GenericClient, f: &DossierFilter) -> Result<i64> {
    let driving = driving(f);
    count_matches(client, matches(f, &driving), None).await
}
