//! Danh sách hồ sơ — every list reads its page, not its matches.
//!
//! A list is driven by the index that fits its most selective condition — an officer
//! (`assignee`), a unit holding the dossiers, a receiving centre (with its status, or in the
//! order of reception for a log book), a competent agency, a procedure, a status — whose keys
//! end with the list's sort key and the id; with none of those, a province-wide reader walks
//! the work-order index, and anyone else the rows of the branches they may see
//! (`dossier_scope`). A page is the rows after the cursor of the previous one (keyset
//! pagination), so page 1 and page 5,000 cost the same. The other conditions, and the exact
//! visibility, are checked on the rows walked. Matches are counted up to
//! [`SEARCH_COUNT_LIMIT`]. A search is driven by the full-text index instead.

use rusqlite::Connection;

use super::dossiers::{ROW_COLUMNS, row};
use super::{DIALECT, Sql};
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

/// The conditions every path checks on the dossier rows (`d`): what the driving index did not
/// already select.
fn push_conditions(q: &mut Sql, f: &DossierFilter, driving: &Driving<'_>, by_branch: bool) {
    if let Visibility::Within { agencies, .. } = &f.visible {
        if agencies.is_empty() {
            q.push(" AND 0 = 1");
        } else {
            q.push(" AND EXISTS (SELECT 1 FROM dossier_readers r WHERE r.dossier = d.id AND r.agency IN (")
                .list(agencies.iter().cloned())
                .push(")");
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

/// A row with the key a cursor after it needs.
fn keyed(order: Order, r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, DossierRow)> {
    let d = row(r)?;
    let key = match order {
        Order::DueFirst => r.get::<_, i64>(18)?,
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

/// Pushes the FROM and the driving conditions of a walk: a branch's rows, or an index.
fn walk(q: &mut Sql, driving: &Driving<'_>, order: Order, branch: Option<&str>) -> Walk {
    if let Some(b) = branch {
        q.push(" FROM dossier_scope s JOIN dossiers d ON d.id = s.dossier WHERE s.branch = ")
            .bind(b.to_string());
        return Walk {
            sort: "s.due_sort",
            id: "s.dossier",
        };
    }
    // The work-order indexes are named, so the plan never changes under us.
    let forced = |index: &str| {
        if order == Order::DueFirst {
            format!(" FROM dossiers d INDEXED BY {index}")
        } else {
            " FROM dossiers d".to_string()
        }
    };
    match driving {
        Driving::Column {
            index,
            column,
            value,
        } => {
            q.push(&forced(index))
                .push(" WHERE d.")
                .push(column)
                .push(" = ")
                .bind(value.to_string());
        }
        Driving::ReceivingStatus(r, s) => {
            q.push(&forced("dossiers_receiving_status_work"))
                .push(" WHERE d.receiving = ")
                .bind(r.to_string())
                .push(" AND d.national_status = ")
                .bind(i64::from(*s));
        }
        Driving::Received(r) => {
            q.push(" FROM dossiers d INDEXED BY dossiers_received WHERE d.receiving = ")
                .bind(r.to_string());
        }
        Driving::Status(s) => {
            q.push(&forced("dossiers_status_work"))
                .push(" WHERE d.national_status = ")
                .bind(i64::from(*s));
        }
        Driving::Everything => {
            q.push(&forced("dossiers_work")).push(" WHERE 1 = 1");
        }
    }
    Walk {
        sort: "d.due_sort",
        id: "d.id",
    }
}

/// A page of one walk (one branch, or none).
fn page_of(
    conn: &Connection,
    f: &DossierFilter,
    driving: &Driving<'_>,
    branch: Option<&str>,
    limit: i64,
) -> Result<Vec<(i64, DossierRow)>> {
    let mut q = Sql::new(DIALECT, &format!("SELECT {ROW_COLUMNS}"));
    let w = walk(&mut q, driving, f.order, branch);
    push_bounds(&mut q, f, w.sort);
    push_conditions(&mut q, f, driving, branch.is_some());
    push_cursor(&mut q, f.order, f.after.as_ref(), w.sort, w.id);
    q.push(&order_by(f.order, w.sort, w.id))
        .push(" LIMIT ")
        .bind(limit + 1);
    q.rows(conn, |r| Ok(keyed(f.order, r)?))
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
                .list(branches.iter().cloned());
            push_bounds(&mut q, f, "s.due_sort");
            push_conditions(&mut q, f, driving, true);
            q
        }
        _ => {
            let mut q = Sql::new(DIALECT, "SELECT d.id");
            let w = walk(&mut q, driving, Order::LatestFirst, None);
            push_bounds(&mut q, f, w.sort);
            push_conditions(&mut q, f, driving, false);
            q
        }
    }
}

/// How many dossiers match, counting no further than one past `bound` (when given).
fn count_matches(conn: &Connection, m: Sql, bound: Option<i64>) -> Result<i64> {
    let mut q = Sql::new(DIALECT, "SELECT COUNT(*) FROM (");
    q.append(m);
    if let Some(b) = bound {
        q.push(" LIMIT ").bind(b + 1);
    }
    q.push(")");
    Ok(q.rows(conn, |r| Ok(r.get(0)?))?.pop().unwrap_or(0))
}

/// A page of the dossiers matching `f`.
pub(super) fn list(conn: &Connection, f: &DossierFilter) -> Result<DossierPage> {
    let limit = i64::from(f.limit.clamp(1, 500));
    if let Some(words) = &f.search {
        return search(conn, f, words, limit);
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
            rows.extend(rows_of(conn, &one, &self::driving(&one), limit)?);
        }
        merge(&mut rows, f.order);
        rows
    } else {
        rows_of(conn, f, &driving, limit)?
    };
    let counted = count_matches(conn, matches(f, &driving), Some(SEARCH_COUNT_LIMIT))?;
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
fn rows_of(
    conn: &Connection,
    f: &DossierFilter,
    driving: &Driving<'_>,
    limit: i64,
) -> Result<Vec<(i64, DossierRow)>> {
    Ok(match (driving, &f.visible) {
        (Driving::Everything | Driving::Status(_), Visibility::Within { branches, .. }) => {
            // Walk each branch the reader may see, and merge.
            let mut rows: Vec<(i64, DossierRow)> = Vec::new();
            for b in branches {
                rows.extend(page_of(conn, f, driving, Some(b), limit)?);
            }
            merge(&mut rows, f.order);
            rows
        }
        _ => page_of(conn, f, driving, None, limit)?,
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
    let next = more.then(|| {
        let (key, last) = rows.last().expect("a page with more has rows");
        Cursor {
            order,
            key: *key,
            id: last.id,
        }
    });
    DossierPage {
        rows: rows.into_iter().map(|(_, r)| r).collect(),
        total: counted.min(SEARCH_COUNT_LIMIT),
        total_exact: counted <= SEARCH_COUNT_LIMIT,
        next,
    }
}

/// A search: driven by the full-text index, newest match first (or sorted by due date, when
/// asked), a page after the cursor.
fn search(conn: &Connection, f: &DossierFilter, words: &str, limit: i64) -> Result<DossierPage> {
    let build = |with_cursor: bool| {
        let mut q = Sql::new(
            DIALECT,
            &format!(
                "SELECT {ROW_COLUMNS}, dossier_search.rowid FROM dossier_search \
             CROSS JOIN dossiers d ON d.rowid = dossier_search.rowid WHERE dossier_search MATCH "
            ),
        );
        q.bind(words.to_string());
        push_bounds(&mut q, f, "d.due_sort");
        push_conditions(&mut q, f, &Driving::Everything, false);
        if with_cursor && let Some(c) = f.after.as_ref().filter(|c| c.order == f.order) {
            match f.order {
                Order::LatestFirst => {
                    q.push(" AND dossier_search.rowid < ").bind(c.key);
                }
                Order::DueFirst => {
                    q.push(" AND (d.due_sort, d.id) > (")
                        .bind(c.key)
                        .push(", ")
                        .bind(c.id)
                        .push(")");
                }
                Order::ReceivedFirst => {
                    q.push(" AND (d.received_ms, d.id) > (")
                        .bind(c.key)
                        .push(", ")
                        .bind(c.id)
                        .push(")");
                }
            }
        }
        q
    };
    let mut q = build(true);
    q.push(match f.order {
        Order::LatestFirst => " ORDER BY dossier_search.rowid DESC",
        Order::DueFirst => " ORDER BY d.due_sort, d.id",
        Order::ReceivedFirst => " ORDER BY d.received_ms, d.id",
    })
    .push(" LIMIT ")
    .bind(limit + 1);
    let rows = q.rows(conn, |r| {
        let d = row(r)?;
        let key = match f.order {
            Order::LatestFirst => r.get::<_, i64>(19)?,
            Order::DueFirst => r.get::<_, i64>(18)?,
            Order::ReceivedFirst => d.received_at.map_or(0, |t| t.timestamp_millis()),
        };
        Ok((key, d))
    })?;
    let n = count_matches(conn, build(false), Some(SEARCH_COUNT_LIMIT))?;
    Ok(page(rows, limit, f.order, n))
}

/// Every dossier matching `f` (search words, cursor and limit aside), counted once each.
pub(super) fn count(conn: &Connection, f: &DossierFilter) -> Result<i64> {
    let driving = driving(f);
    count_matches(conn, matches(f, &driving), None)
}
