//! Nhập danh sách cán bộ — hundreds of officer accounts from one CSV table, as a province's
//! administrator has them in a spreadsheet. Every row is checked (user name, name, role, agency,
//! e-mail, password) and every problem is reported with its line; only a clean table is written,
//! in one transaction. A user name on several rows gets every role its rows name. Rows without a
//! password get a one-time password, shown once in the report.

use std::collections::BTreeMap;

use domain::agency::{AgencyId, AgencyTree};
use domain::ids::{Email, PersonName};
use domain::officer::{Actor, Officer, OfficerId, Role, RoleGrant};
use domain::policy::Action;
use uuid::Uuid;

use crate::catalog::{RowError, rows_message};
use crate::passwords::PasswordPolicy;
use crate::{Admin, AppError, ErrorKind};

/// The columns of the table; the first line names them, in any order.
pub const COLUMNS: [&str; 7] = [
    "ten_dang_nhap",
    "ho_ten",
    "chuc_danh",
    "vai_tro",
    "co_quan",
    "thu_dien_tu",
    "mat_khau",
];

const REQUIRED: [&str; 4] = ["ten_dang_nhap", "ho_ten", "vai_tro", "co_quan"];

/// Rows in one table at most (each new account hashes a password: a bounded piece of work).
pub const MAX_ROWS: usize = 5_000;

/// An account the import created.
#[derive(Debug, Clone)]
pub struct CreatedAccount {
    pub username: String,
    pub full_name: String,
    pub grants: Vec<RoleGrant>,
    /// The one-time password made for it (none when the table gave one).
    pub password: Option<String>,
}

/// One account as the table describes it, before hashing.
struct Planned {
    officer: Officer,
    email: Option<String>,
    password: String,
    generated: bool,
}

/// A role by its name in the table: the label officers know ("Cán bộ một cửa") or its key
/// (`counter-officer`), with or without diacritics.
fn role(text: &str) -> Option<Role> {
    let key = vntext::fold(text);
    Role::OFFICER_ROLES
        .into_iter()
        .find(|r| vntext::fold(r.label()) == key || domain::wire_name(r) == key)
}

/// An agency by its internal id or its QĐ 20/2020 identifier.
fn agency(tree: &AgencyTree, text: &str) -> Option<AgencyId> {
    if let Ok(id) = AgencyId::parse(text)
        && tree.get(&id).is_some()
    {
        return Some(id);
    }
    let code = text.trim().to_uppercase();
    tree.all()
        .find(|a| a.code.as_str() == code)
        .map(|a| a.id.clone())
}

/// One row of the table, checked.
struct Row {
    username: String,
    title: String,
    full_name: PersonName,
    role: Role,
    agency: AgencyId,
    email: Option<String>,
    password: String,
}

/// Checks one row (its cells by column name): the row, or every problem it has.
fn read_row(
    cell: &dyn Fn(&str) -> String,
    tree: &AgencyTree,
    existing: &[Officer],
    policy: &PasswordPolicy,
) -> Result<Row, Vec<String>> {
    let mut problems = Vec::new();
    let username = crate::province::username(&cell("ten_dang_nhap"))
        .map_err(|e| problems.push(e.message))
        .ok();
    let full_name = PersonName::parse(&cell("ho_ten"))
        .map_err(|e| problems.push(e.message))
        .ok();
    let role_text = cell("vai_tro");
    let role = role(&role_text).or_else(|| {
        problems.push(format!(
            "vai trò \"{}\" không có (dùng một trong: {})",
            domain::error::shorten(&role_text),
            Role::OFFICER_ROLES.map(Role::label).join(", ")
        ));
        None
    });
    let agency_text = cell("co_quan");
    let agency = agency(tree, &agency_text).or_else(|| {
        problems.push(format!(
            "không có cơ quan \"{}\" (ghi mã nội bộ hoặc mã định danh)",
            domain::error::shorten(&agency_text)
        ));
        None
    });
    let email = match cell("thu_dien_tu").as_str() {
        "" => None,
        t => Email::parse(t)
            .map(|e| e.as_str().to_string())
            .map_err(|e| problems.push(e.message))
            .ok(),
    };
    let password = cell("mat_khau");
    if !password.is_empty()
        && let Err(e) = policy.check(&password, username.as_deref().unwrap_or(""))
    {
        problems.push(e.message);
    }
    if let Some(u) = &username
        && existing.iter().any(|o| &o.username == u)
    {
        problems.push(format!("tên đăng nhập \"{u}\" đã có tài khoản"));
    }
    match (username, full_name, role, agency) {
        (Some(username), Some(full_name), Some(role), Some(agency)) if problems.is_empty() => {
            Ok(Row {
                username,
                title: cell("chuc_danh"),
                full_name,
                role,
                agency,
                email,
                password,
            })
        }
        _ => Err(problems),
    }
}

/// Adds a row to the accounts: a new account, or another role of one named on an earlier row
/// (the same name required).
fn add(
    planned: &mut Vec<Planned>,
    by_name: &mut BTreeMap<String, usize>,
    row: Row,
) -> Result<(), String> {
    let grant = RoleGrant {
        role: row.role,
        agency: row.agency,
    };
    if let Some(&first) = by_name.get(&row.username) {
        let p = &mut planned[first];
        if p.officer.full_name != row.full_name {
            return Err(format!(
                "tên đăng nhập \"{}\" đã dùng cho {} ở dòng trước",
                row.username, p.officer.full_name
            ));
        }
        if !p.officer.grants.contains(&grant) {
            p.officer.grants.push(grant);
        }
        return Ok(());
    }
    by_name.insert(row.username.clone(), planned.len());
    planned.push(Planned {
        officer: Officer {
            id: OfficerId(Uuid::now_v7()),
            username: row.username,
            full_name: row.full_name,
            title: Some(row.title).filter(|t| !t.is_empty()),
            grants: vec![grant],
            active: true,
        },
        email: row.email,
        generated: row.password.is_empty(),
        password: row.password,
    });
    Ok(())
}

/// A CSV reader over the table's text.
type Sheet<'a> = csv::Reader<&'a [u8]>;

/// A reader past the first line, and the columns it names (folded: `Tên đăng nhập` would not
/// do, `ten_dang_nhap` and `TEN_DANG_NHAP` do). The separator is the one the first line uses.
fn open(text: &str) -> Result<(Sheet<'_>, Vec<String>), Vec<RowError>> {
    let text = text.trim_start_matches('\u{feff}');
    let delimiter = match text.lines().next().unwrap_or("") {
        h if h.contains(';') && !h.contains(',') => b';',
        h if h.contains('\t') && !h.contains(',') => b'\t',
        _ => b',',
    };
    let mut reader = crate::sheet::reader(text, delimiter);
    let fail = |message: String| vec![RowError { line: 1, message }];
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| {
            fail(format!(
                "không đọc được dòng tiêu đề ({})",
                crate::sheet::problem(&e)
            ))
        })?
        .iter()
        .map(|h| vntext::fold(h).replace(' ', "_"))
        .collect();
    let missing: Vec<&str> = REQUIRED
        .iter()
        .filter(|c| !header.iter().any(|h| h == *c))
        .copied()
        .collect();
    if !missing.is_empty() {
        return Err(fail(format!(
            "thiếu cột {} (các cột: {})",
            missing.join(", "),
            COLUMNS.join(", ")
        )));
    }
    Ok((reader, header))
}

/// Reads the table into accounts, or every problem with its line.
fn plan(
    text: &str,
    tree: &AgencyTree,
    existing: &[Officer],
    policy: &PasswordPolicy,
) -> Result<Vec<Planned>, Vec<RowError>> {
    let (mut reader, header) = open(text)?;
    let column = |name: &str| header.iter().position(|h| h == name);
    let mut errors = Vec::new();
    let mut planned: Vec<Planned> = Vec::new();
    let mut by_name: BTreeMap<String, usize> = BTreeMap::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        if i == MAX_ROWS {
            errors.push(RowError {
                line: 0,
                message: format!("một tệp tối đa {MAX_ROWS} dòng; chia thành nhiều tệp"),
            });
            break;
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(RowError {
                    line,
                    message: format!("không đọc được dòng ({e})"),
                });
                continue;
            }
        };
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |name: &str| {
            column(name)
                .and_then(|i| record.get(i))
                .map(vntext::clean)
                .unwrap_or_default()
        };
        let row = match read_row(&cell, tree, existing, policy) {
            Ok(row) => row,
            Err(problems) => {
                errors.extend(
                    problems
                        .into_iter()
                        .map(|message| RowError { line, message }),
                );
                continue;
            }
        };
        if let Err(message) = add(&mut planned, &mut by_name, row) {
            errors.push(RowError { line, message });
        }
    }
    if planned.is_empty() && errors.is_empty() {
        errors.push(RowError {
            line: 0,
            message: "tệp không có dòng cán bộ nào".into(),
        });
    }
    if errors.is_empty() {
        Ok(planned)
    } else {
        Err(errors)
    }
}

impl Admin<'_> {
    /// Creates the accounts of a CSV table (see the module), all or none. A row without a
    /// password gets a one-time password, returned once.
    pub async fn import_officers(
        self,
        actor: &Actor,
        text: &str,
    ) -> Result<Vec<CreatedAccount>, AppError> {
        let admin = self.app.admin_name(actor, Action::ManageUsers)?;
        let existing = self.app.db.officers().await?;
        let mut planned = plan(
            text,
            &self.app.agencies(),
            &existing,
            &self.app.settings.officer_passwords,
        )
        .map_err(|rows| {
            AppError::invalid(
                "invalid_roster",
                rows_message("Tệp danh sách cán bộ", &rows),
            )
        })?;
        let mut accounts = Vec::with_capacity(planned.len());
        for p in &mut planned {
            let password_hash = if p.generated {
                p.password = crate::province::one_time_password()?;
                self.app.passwords.hash_generated(&p.password).await?
            } else {
                // Checked against the policy when the table was read.
                self.app.passwords.hash(&p.password).await?
            };
            accounts.push(store::NewAccount {
                officer: p.officer.clone(),
                password_hash,
                email: p.email.clone(),
            });
        }
        let detail = format!("{} tài khoản từ tệp", accounts.len());
        self.app
            .db
            .add_officers(
                &accounts,
                &self.app.entry(&admin, "nhập danh sách cán bộ", &detail),
            )
            .await
            .map_err(|e| match e {
                // Someone created one of these names meanwhile.
                store::StoreError::Duplicate(m) => {
                    AppError::new(ErrorKind::Conflict, "username_taken", m)
                }
                other => other.into(),
            })?;
        Ok(planned
            .into_iter()
            .map(|p| CreatedAccount {
                username: p.officer.username,
                full_name: p.officer.full_name.to_string(),
                grants: p.officer.grants,
                password: p.generated.then_some(p.password),
            })
            .collect())
    }
}
