//! Quản trị (`/quan-tri`) — accounts and roles, the agencies, the calendar's special days (the
//! national holidays of a year, and agency closures), procedure versions (import of a catalogue
//! file), the outbox's failed messages (hộp thư đi, with a retry), and the administration log.
//! Administrators only; each change is logged.

use app::App;
use app::admin::{AccountChange, NewOfficer};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use domain::agency::AgencyId;
use domain::officer::{Actor, OfficerId, Role};
use domain::policy::{self, Action};
use serde::Deserialize;

use super::session::{Fields, Posted, Viewer};
use super::{Chrome, UiError, when};

fn admin<'a>(app: &App, viewer: &'a Viewer) -> Result<&'a Actor, UiError> {
    let (_, actor) = viewer.require_officer()?;
    policy::authorize(actor, Action::ManageUsers, None, &app.agencies()).map_err(|_| {
        UiError::new(
            StatusCode::FORBIDDEN,
            "Trang quản trị dành cho quản trị viên.",
        )
    })?;
    Ok(actor)
}

fn role_of(key: &str) -> Option<Role> {
    serde_json::from_value(serde_json::Value::String(key.to_string())).ok()
}

fn role_key(r: Role) -> String {
    domain::wire_name(&r)
}

/// A choice in a select.
pub struct Opt {
    pub value: String,
    pub label: String,
}

fn agency_options(app: &App) -> Vec<Opt> {
    app.queries()
        .agency_list()
        .into_iter()
        .map(|a| Opt {
            value: a.id.to_string(),
            label: a.name,
        })
        .collect()
}

fn role_options() -> Vec<Opt> {
    Role::OFFICER_ROLES
        .iter()
        .map(|r| Opt {
            value: role_key(*r),
            label: r.label().to_string(),
        })
        .collect()
}

pub struct AccountLine {
    pub id: String,
    /// Xác thực hai bước on; required by the officer's roles.
    pub second_factor: bool,
    pub second_factor_required: bool,
    pub username: String,
    pub name: String,
    pub title: String,
    /// Where the daily digest goes (empty: none).
    pub email: String,
    pub active: bool,
    /// (role key, agency id, "Vai trò — Cơ quan").
    pub grants: Vec<(String, String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_users.html")]
struct UsersPage {
    chrome: Chrome,
    accounts: Vec<AccountLine>,
    /// Accounts locked after failed logins: (account key, who, failures, until).
    locked: Vec<(String, String, i64, String)>,
    agencies: Vec<Opt>,
    roles: Vec<Opt>,
    /// Chính sách mật khẩu in words, for the password fields' labels.
    password_rule: String,
    f: Fields,
    message: String,
    error: String,
    /// Accounts just imported, with the one-time passwords made for them (shown once).
    created: Vec<CreatedLine>,
}

/// An imported account as the page lists it once.
pub struct CreatedLine {
    pub username: String,
    pub name: String,
    pub roles: String,
    pub password: String,
}

impl UsersPage {
    fn value(&self, field: &str) -> String {
        self.f.get(field)
    }
}

async fn users_page(
    app: &App,
    viewer: &Viewer,
    f: Fields,
    message: String,
    error: String,
) -> Result<UsersPage, UiError> {
    let tree = app.agencies();
    let actor = viewer.actor.as_ref().ok_or_else(UiError::login_required)?;
    let second = app.accounts().officers_with_second_factor(actor).await?;
    let accounts = app
        .admin()
        .officer_accounts(actor)
        .await?
        .into_iter()
        .map(|(o, email)| AccountLine {
            second_factor: second.contains(&o.id),
            second_factor_required: app.second_factor_required(&o),
            id: o.id.to_string(),
            username: o.username.clone(),
            name: o.full_name.to_string(),
            title: o.title.clone().unwrap_or_default(),
            email: email.unwrap_or_default(),
            active: o.active,
            grants: o
                .grants
                .iter()
                .map(|g| {
                    (
                        role_key(g.role),
                        g.agency.to_string(),
                        format!(
                            "{} — {}",
                            g.role.label(),
                            tree.get(&g.agency)
                                .map_or(g.agency.as_str(), |a| a.name.as_str())
                        ),
                    )
                })
                .collect(),
        })
        .collect();
    let locked = app
        .accounts()
        .locked_accounts(actor)
        .await?
        .into_iter()
        .map(|l| {
            let who = match l.account.split_once(':') {
                Some(("officer", name)) => format!("Cán bộ {name}"),
                Some(("citizen", n)) => format!("Công dân, số định danh {n}"),
                _ => l.account.clone(),
            };
            let until = chrono::DateTime::from_timestamp_millis(l.locked_until_ms)
                .map(super::when)
                .unwrap_or_default();
            (l.account, who, l.failures, until)
        })
        .collect();
    Ok(UsersPage {
        chrome: Chrome::new(viewer, "Quản trị: tài khoản", "/quan-tri"),
        accounts,
        locked,
        agencies: agency_options(app),
        roles: role_options(),
        password_rule: app.settings().officer_passwords.rule(),
        f,
        message,
        error,
        created: Vec::new(),
    })
}

/// The text of an uploaded CSV table: the outer error refuses the request (a forged form), the
/// inner one is shown on the page (no file, not UTF-8).
pub(crate) async fn uploaded_csv(
    viewer: &Viewer,
    headers: &axum::http::HeaderMap,
    multipart: Multipart,
    what: &str,
) -> Result<Result<String, UiError>, UiError> {
    Ok(match viewer.uploaded_file(headers, multipart).await? {
        None => Err(UiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("Chọn tệp {what} (CSV)."),
        )),
        Some((_, bytes)) => String::from_utf8(bytes).map_err(|_| {
            UiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Tệp không phải văn bản UTF-8 (lưu từ Excel bằng \"CSV UTF-8\").",
            )
        }),
    })
}

/// `POST /quan-tri/nguoi-dung/nhap`: creates the accounts of a CSV table, all or none; the page
/// lists them once with the one-time passwords made for them.
pub async fn import_users(
    State(app): State<App>,
    viewer: Viewer,
    headers: axum::http::HeaderMap,
    multipart: Multipart,
) -> Result<Response, UiError> {
    let actor = admin(&app, &viewer)?;
    let text = uploaded_csv(&viewer, &headers, multipart, "danh sách cán bộ").await?;
    let created = match text {
        Ok(text) => app
            .admin()
            .import_officers(actor, &text)
            .await
            .map_err(UiError::from),
        Err(e) => Err(e),
    };
    match created {
        Ok(created) => {
            let tree = app.agencies();
            let message = format!("Đã tạo {} tài khoản từ tệp.", created.len());
            let mut page =
                users_page(&app, &viewer, Fields::default(), message, String::new()).await?;
            page.created = created
                .into_iter()
                .map(|c| CreatedLine {
                    username: c.username,
                    name: c.full_name,
                    roles: c
                        .grants
                        .iter()
                        .map(|g| {
                            format!(
                                "{} — {}",
                                g.role.label(),
                                tree.get(&g.agency)
                                    .map_or(g.agency.as_str(), |a| a.name.as_str())
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("; "),
                    password: c.password.unwrap_or_default(),
                })
                .collect();
            Ok(page.into_response())
        }
        Err(e) => {
            let page =
                users_page(&app, &viewer, Fields::default(), String::new(), e.message).await?;
            Ok((e.status, page).into_response())
        }
    }
}

/// `GET /quan-tri/nguoi-dung/mau.csv`: the table to fill, with its columns and two example rows.
pub async fn users_template(State(app): State<App>, viewer: Viewer) -> Result<Response, UiError> {
    admin(&app, &viewer)?;
    let centre = app
        .agencies()
        .all()
        .filter(|a| a.kind == domain::agency::AgencyKind::ServiceCenter)
        .map(|a| a.id.to_string())
        .min()
        .unwrap_or_default();
    let text = format!(
        "\u{feff}{}\nnguyenvana.motcua,Nguyễn Văn A,Công chức Một cửa,Cán bộ một cửa,{centre},a@example.vn,\n\
         nguyenvana.motcua,Nguyễn Văn A,Công chức Một cửa,Chuyên viên,{centre},,\n",
        app::roster::COLUMNS.join(",")
    );
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"danh-sach-can-bo.csv\"",
            ),
        ],
        text,
    )
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneParams {
    #[serde(default)]
    xong: String,
}

pub async fn users(
    State(app): State<App>,
    viewer: Viewer,
    Query(done): Query<DoneParams>,
) -> Result<Response, UiError> {
    admin(&app, &viewer)?;
    let message = if done.xong.is_empty() {
        String::new()
    } else {
        "Đã lưu thay đổi.".into()
    };
    Ok(
        users_page(&app, &viewer, Fields::default(), message, String::new())
            .await?
            .into_response(),
    )
}

pub async fn create_user(State(app): State<App>, posted: Posted) -> Result<Response, UiError> {
    let actor = admin(&app, &posted.viewer)?;
    let f = &posted.fields;
    let n = NewOfficer {
        username: f.get("username"),
        full_name: f.get("full_name"),
        title: f.get("title"),
        password: f.get("password"),
        role: role_of(&f.get("role")),
        agency: f.get("agency"),
    };
    match app.admin().create_officer(actor, &n).await {
        Ok(_) => Ok(Redirect::to("/quan-tri/nguoi-dung?xong=1").into_response()),
        Err(e) => {
            let e = UiError::from(e);
            let page =
                users_page(&app, &posted.viewer, f.clone(), String::new(), e.message).await?;
            Ok((e.status, page).into_response())
        }
    }
}

/// Mở khóa đăng nhập: lifts the lock that failed logins put on an account.
pub async fn unlock_login(State(app): State<App>, posted: Posted) -> Result<Response, UiError> {
    let actor = admin(&app, &posted.viewer)?;
    match app
        .accounts()
        .unlock_account(actor, &posted.fields.get("account"))
        .await
    {
        Ok(()) => Ok(Redirect::to("/quan-tri/nguoi-dung?xong=1").into_response()),
        Err(e) => {
            let e = UiError::from(e);
            let page = users_page(
                &app,
                &posted.viewer,
                Fields::default(),
                String::new(),
                e.message,
            )
            .await?;
            Ok((e.status, page).into_response())
        }
    }
}

pub async fn change_user(
    State(app): State<App>,
    Path((id, action)): Path<(String, String)>,
    posted: Posted,
) -> Result<Response, UiError> {
    let actor = admin(&app, &posted.viewer)?;
    let f = &posted.fields;
    let id = uuid::Uuid::parse_str(&id)
        .map(OfficerId)
        .map_err(|_| UiError::new(StatusCode::NOT_FOUND, "Không có tài khoản này."))?;
    let grant = || -> Result<(Role, AgencyId), UiError> {
        let role = role_of(&f.get("role"))
            .ok_or_else(|| UiError::new(StatusCode::UNPROCESSABLE_ENTITY, "Chọn vai trò."))?;
        Ok((role, AgencyId::parse(&f.get("agency"))?))
    };
    let change = match action.as_str() {
        "khoa" => Ok(AccountChange::Activate(false)),
        "mo-khoa" => Ok(AccountChange::Activate(true)),
        "them-vai-tro" => grant().map(|(r, a)| AccountChange::Grant(r, a)),
        "bo-vai-tro" => grant().map(|(r, a)| AccountChange::Revoke(r, a)),
        "mat-khau" => Ok(AccountChange::Password(f.get("password"))),
        "thu-dien-tu" => Ok(AccountChange::Email(f.get("email"))),
        _ => Err(UiError::new(
            StatusCode::NOT_FOUND,
            "Không có thao tác này.",
        )),
    };
    let done = match change {
        // Mất điện thoại: the officer sets the factor up again at the next login.
        Err(_) if action == "dat-lai-xac-thuc" => app
            .accounts()
            .reset_second_factor(actor, id)
            .await
            .map_err(UiError::from),
        Ok(c) => app
            .admin()
            .change_account(actor, id, c)
            .await
            .map(|_| ())
            .map_err(UiError::from),
        Err(e) => Err(e),
    };
    match done {
        Ok(()) => Ok(Redirect::to("/quan-tri/nguoi-dung?xong=1").into_response()),
        Err(e) => {
            let page = users_page(
                &app,
                &posted.viewer,
                Fields::default(),
                String::new(),
                e.message,
            )
            .await?;
            Ok((e.status, page).into_response())
        }
    }
}

pub struct AgencyLine {
    pub id: String,
    pub name: String,
    pub code: String,
    pub verified: bool,
    pub parent: String,
    pub depth: usize,
    /// "sáp nhập vào … từ …" for a closed agency.
    pub closed: String,
    /// Office hours and Saturday reception hours set on it (empty: standard or inherited).
    pub hours: String,
    pub saturday: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_agencies.html")]
struct AgenciesPage {
    chrome: Chrome,
    agencies: Vec<AgencyLine>,
    /// Every agency for the pickers (a datalist).
    options: Vec<Opt>,
    kinds: Vec<Opt>,
    message: String,
    error: String,
}

/// The kinds of agency an administrator may add.
fn kind_options() -> Vec<Opt> {
    use domain::agency::AgencyKind as K;
    [
        (K::Department, "Phòng, sở, đơn vị chuyên môn"),
        (
            K::ServiceCenter,
            "Trung tâm Phục vụ hành chính công (Bộ phận Một cửa)",
        ),
        (K::Office, "Văn phòng (văn thư)"),
        (K::Police, "Công an"),
        (K::CommuneCommittee, "UBND xã, phường, đặc khu"),
    ]
    .into_iter()
    .map(|(k, label)| Opt {
        value: domain::wire_name(&k),
        label: label.to_string(),
    })
    .collect()
}

fn agencies_page(app: &App, viewer: &Viewer, message: String, error: String) -> AgenciesPage {
    let tree = app.agencies();
    let agencies = app
        .queries()
        .agency_list()
        .into_iter()
        .map(|a| AgencyLine {
            depth: {
                let mut d = 0;
                let mut p = a.parent.clone();
                while let Some(id) = p {
                    d += 1;
                    p = tree.get(&id).and_then(|x| x.parent.clone());
                }
                d
            },
            id: a.id.to_string(),
            code: a.code.to_string(),
            verified: a.code_verified,
            parent: a
                .parent
                .as_ref()
                .and_then(|p| tree.get(p))
                .map(|p| p.name.clone())
                .unwrap_or_default(),
            closed: match (&a.valid_to, &a.successor) {
                (Some(to), Some(s)) => format!(
                    "sáp nhập vào {} từ {}",
                    tree.name_of(s),
                    to.format("%d/%m/%Y")
                ),
                (Some(to), None) => format!("giải thể từ {}", to.format("%d/%m/%Y")),
                _ => String::new(),
            },
            hours: a.office_hours.clone().unwrap_or_default(),
            saturday: a.saturday_reception.clone().unwrap_or_default(),
            name: a.name,
        })
        .collect();
    AgenciesPage {
        chrome: Chrome::new(viewer, "Quản trị: cơ quan", "/quan-tri"),
        agencies,
        options: agency_options(app),
        kinds: kind_options(),
        message,
        error,
    }
}

pub async fn agencies(State(app): State<App>, viewer: Viewer) -> Result<Response, UiError> {
    admin(&app, &viewer)?;
    Ok(agencies_page(&app, &viewer, String::new(), String::new()).into_response())
}

/// The agencies page after a change: what was done, or what to fix (nothing changed).
fn agencies_after(app: &App, viewer: &Viewer, outcome: Result<String, UiError>) -> Response {
    match outcome {
        Ok(message) => agencies_page(app, viewer, message, String::new()).into_response(),
        Err(e) => (
            e.status,
            agencies_page(app, viewer, String::new(), e.message),
        )
            .into_response(),
    }
}

/// `POST /quan-tri/co-quan/ma-dinh-danh`: official identifiers from a CSV table.
pub async fn import_agency_codes(
    State(app): State<App>,
    viewer: Viewer,
    headers: axum::http::HeaderMap,
    multipart: Multipart,
) -> Result<Response, UiError> {
    let actor = admin(&app, &viewer)?;
    let outcome = match uploaded_csv(&viewer, &headers, multipart, "bảng mã định danh").await?
    {
        Ok(text) => app
            .admin()
            .import_agency_codes(actor, &text)
            .await
            .map(|n| format!("Đã cập nhật mã định danh của {n} cơ quan."))
            .map_err(UiError::from),
        Err(e) => Err(e),
    };
    Ok(agencies_after(&app, &viewer, outcome))
}

/// `POST /quan-tri/co-quan`: a new unit under an agency.
pub async fn create_agency(State(app): State<App>, posted: Posted) -> Result<Response, UiError> {
    let actor = admin(&app, &posted.viewer)?;
    let f = &posted.fields;
    let n = app::agencies::NewAgency {
        parent: f.get("parent"),
        word: f.get("word"),
        name: f.get("name"),
        kind: domain::from_wire_name(&f.get("kind")),
        code: f.get("code"),
    };
    let outcome = app
        .admin()
        .create_agency(actor, &n)
        .await
        .map(|a| format!("Đã thêm {} ({}, mã {}).", a.name, a.id, a.code))
        .map_err(UiError::from);
    Ok(agencies_after(&app, &posted.viewer, outcome))
}

/// `POST /quan-tri/co-quan/{id}/{action}`: `doi-ten` (a new name) or `sap-nhap` (closed into a
/// successor from a day).
pub async fn change_agency(
    State(app): State<App>,
    Path((id, action)): Path<(String, String)>,
    posted: Posted,
) -> Result<Response, UiError> {
    let actor = admin(&app, &posted.viewer)?;
    let f = &posted.fields;
    let outcome = match action.as_str() {
        "doi-ten" => app
            .admin()
            .rename_agency(actor, &id, &f.get("name"))
            .await
            .map(|a| format!("Đã đổi tên: {}.", a.name))
            .map_err(UiError::from),
        "gio-lam-viec" => app
            .admin()
            .set_office_hours(
                actor,
                &id,
                &f.get("office_hours"),
                &f.get("saturday_reception"),
            )
            .await
            .map(|a| format!("Đã lưu giờ làm việc của {}.", a.name))
            .map_err(UiError::from),
        "sap-nhap" => match lich::time::parse_date(&f.get("on")) {
            Ok(on) => app
                .admin()
                .close_agency(actor, &id, &f.get("successor"), on)
                .await
                .map(|a| {
                    format!(
                        "{} đã sáp nhập; hồ sơ của cơ quan này do cơ quan tiếp nhận xử lý tiếp.",
                        a.name
                    )
                })
                .map_err(UiError::from),
            Err(_) => Err(UiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Nhập ngày sáp nhập.",
            )),
        },
        _ => Err(UiError::new(
            StatusCode::NOT_FOUND,
            "Không có thao tác này.",
        )),
    };
    Ok(agencies_after(&app, &posted.viewer, outcome))
}

pub struct DayLine {
    pub date: String,
    pub weekday: String,
    pub name: String,
    pub kind: &'static str,
    pub working: bool,
}

pub struct ClosureLine {
    pub id: String,
    pub agency: String,
    pub period: String,
    pub reason: String,
    pub basis: String,
    pub active: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_calendar.html")]
struct CalendarPage {
    chrome: Chrome,
    year: i32,
    days: Vec<DayLine>,
    closures: Vec<ClosureLine>,
    agencies: Vec<Opt>,
    f: Fields,
    message: String,
    error: String,
}

impl CalendarPage {
    fn value(&self, field: &str) -> String {
        self.f.get(field)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct YearParams {
    #[serde(default)]
    nam: Option<i32>,
    #[serde(default)]
    xong: String,
}

const WEEKDAYS: [&str; 7] = [
    "Thứ Hai",
    "Thứ Ba",
    "Thứ Tư",
    "Thứ Năm",
    "Thứ Sáu",
    "Thứ Bảy",
    "Chủ Nhật",
];

async fn calendar_page(
    app: &App,
    viewer: &Viewer,
    year: i32,
    f: Fields,
    message: String,
    error: String,
) -> Result<CalendarPage, UiError> {
    let national = lich::WorkCalendar::national(app.national_calendar().clone());
    let days = national
        .named_days(year)
        .map_err(app::AppError::from)?
        .into_iter()
        .map(|d| DayLine {
            date: d.date.format("%d/%m/%Y").to_string(),
            weekday: WEEKDAYS[d.date.weekday().num_days_from_monday() as usize].to_string(),
            name: d.name.unwrap_or_default(),
            kind: d.kind.label(),
            working: d.working,
        })
        .collect();
    let tree = app.agencies();
    let closures = app
        .admin()
        .closures_list(viewer.actor.as_ref().ok_or_else(UiError::login_required)?)
        .await?
        .into_iter()
        .map(|c| ClosureLine {
            id: c.id.to_string(),
            agency: AgencyId::parse(&c.agency)
                .ok()
                .and_then(|a| tree.get(&a).map(|x| x.name.clone()))
                .unwrap_or(c.agency),
            period: if c.from_day == c.to_day {
                c.from_day.clone()
            } else {
                format!("{} – {}", c.from_day, c.to_day)
            },
            reason: c.reason,
            basis: c.basis,
            active: c.active,
        })
        .collect();
    Ok(CalendarPage {
        chrome: Chrome::new(
            viewer,
            "Quản trị: ngày nghỉ, tạm ngừng làm việc",
            "/quan-tri",
        ),
        year,
        days,
        closures,
        agencies: agency_options(app),
        f,
        message,
        error,
    })
}

pub async fn calendar(
    State(app): State<App>,
    viewer: Viewer,
    Query(p): Query<YearParams>,
) -> Result<Response, UiError> {
    admin(&app, &viewer)?;
    let year = p
        .nam
        .unwrap_or_else(|| lich::time::to_vn(&app.now()).year());
    let message = if p.xong.is_empty() {
        String::new()
    } else {
        "Đã lưu thay đổi.".into()
    };
    Ok(calendar_page(
        &app,
        &viewer,
        year,
        Fields::default(),
        message,
        String::new(),
    )
    .await?
    .into_response())
}

pub async fn add_closure(State(app): State<App>, posted: Posted) -> Result<Response, UiError> {
    let actor = admin(&app, &posted.viewer)?;
    let f = &posted.fields;
    let date = |name: &str| lich::time::parse_date(&f.get(name));
    let done = match (date("from"), date("to").or_else(|_| date("from"))) {
        (Ok(from), Ok(to)) => app
            .admin()
            .add_closure(
                actor,
                &f.get("agency"),
                from,
                to,
                &f.get("reason"),
                &f.get("basis"),
            )
            .await
            .map_err(UiError::from),
        _ => Err(UiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Chọn ngày bắt đầu tạm ngừng làm việc.",
        )),
    };
    let year = date("from").map_or_else(|_| lich::time::to_vn(&app.now()).year(), |d| d.year());
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/quan-tri/lich?nam={year}&xong=1")).into_response()),
        Err(e) => {
            let page = calendar_page(
                &app,
                &posted.viewer,
                year,
                f.clone(),
                String::new(),
                e.message,
            )
            .await?;
            Ok((e.status, page).into_response())
        }
    }
}

pub async fn withdraw_closure(
    State(app): State<App>,
    Path(id): Path<String>,
    posted: Posted,
) -> Result<Response, UiError> {
    let actor = admin(&app, &posted.viewer)?;
    let id = uuid::Uuid::parse_str(&id)
        .map_err(|_| UiError::new(StatusCode::NOT_FOUND, "Không có ngày tạm ngừng này."))?;
    app.admin().withdraw_closure(actor, id).await?;
    Ok(Redirect::to("/quan-tri/lich?xong=1").into_response())
}

pub struct VersionLine {
    pub code: String,
    pub version: u32,
    pub name: String,
    pub effective_from: String,
    pub in_force: bool,
}

/// A committee to tick on the page of a procedure's places.
pub struct Place {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_procedure_agencies.html")]
struct PlacesPage {
    chrome: Chrome,
    code: String,
    name: String,
    level: &'static str,
    anywhere: bool,
    places: Vec<Place>,
    message: String,
    error: String,
}

async fn places_page(
    app: &App,
    viewer: &Viewer,
    code: &str,
    message: String,
    error: String,
) -> Result<PlacesPage, UiError> {
    let p = app.catalogue().procedure(code).await?;
    let kind = match p.level {
        domain::procedure::ProcedureLevel::Commune => domain::agency::AgencyKind::CommuneCommittee,
        domain::procedure::ProcedureLevel::Province => {
            domain::agency::AgencyKind::ProvincialCommittee
        }
    };
    let chosen = app.catalogue().procedure_agencies(p.code.as_str()).await?;
    let mut places: Vec<Place> = app
        .agencies()
        .all()
        .filter(|a| a.kind == kind && a.valid_to.is_none())
        .map(|a| Place {
            checked: chosen.iter().any(|c| c == a.id.as_str()),
            value: a.id.to_string(),
            label: a.name.clone(),
        })
        .collect();
    places.sort_by(|a, b| a.label.cmp(&b.label));
    Ok(PlacesPage {
        chrome: Chrome::new(viewer, "Quản trị: nơi tiếp nhận thủ tục", "/quan-tri"),
        code: p.code.to_string(),
        name: p.name.clone(),
        level: if kind == domain::agency::AgencyKind::CommuneCommittee {
            "cấp xã"
        } else {
            "cấp tỉnh"
        },
        anywhere: p.anywhere,
        places,
        message,
        error,
    })
}

/// `GET /quan-tri/thu-tuc/{code}/noi-tiep-nhan`: which committees receive a procedure.
pub async fn procedure_places(
    State(app): State<App>,
    viewer: Viewer,
    Path(code): Path<String>,
) -> Result<Response, UiError> {
    admin(&app, &viewer)?;
    Ok(
        places_page(&app, &viewer, &code, String::new(), String::new())
            .await?
            .into_response(),
    )
}

/// `POST /quan-tri/thu-tuc/{code}/noi-tiep-nhan`: the committees ticked (none: all).
pub async fn set_procedure_places(
    State(app): State<App>,
    Path(code): Path<String>,
    posted: Posted,
) -> Result<Response, UiError> {
    let actor = admin(&app, &posted.viewer)?;
    let chosen: Vec<String> = posted
        .fields
        .0
        .iter()
        .filter(|(k, _)| k == "agency")
        .map(|(_, v)| v.clone())
        .collect();
    let page = match app
        .admin()
        .set_procedure_agencies(actor, &code, &chosen)
        .await
    {
        Ok(set) => {
            let message = if set.is_empty() {
                "Đã lưu: mọi UBND cùng cấp tiếp nhận thủ tục này.".to_string()
            } else {
                format!("Đã lưu: {} nơi tiếp nhận.", set.len())
            };
            places_page(&app, &posted.viewer, &code, message, String::new()).await?
        }
        Err(e) => {
            let e = UiError::from(e);
            let page = places_page(&app, &posted.viewer, &code, String::new(), e.message).await?;
            return Ok((e.status, page).into_response());
        }
    };
    Ok(page.into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_catalog.html")]
struct CatalogPage {
    chrome: Chrome,
    versions: Vec<VersionLine>,
    message: String,
    error: String,
}

async fn catalog_page(
    app: &App,
    viewer: &Viewer,
    message: String,
    error: String,
) -> Result<CatalogPage, UiError> {
    let in_force = app.catalogue().procedures().await?;
    let mut versions: Vec<VersionLine> = app
        .admin()
        .procedure_versions_all()
        .await?
        .into_iter()
        .map(|v| VersionLine {
            in_force: in_force
                .iter()
                .any(|f| f.code == v.code && f.version == v.version),
            code: v.code.to_string(),
            version: v.version,
            name: v.name,
            effective_from: v.effective_from.format("%d/%m/%Y").to_string(),
        })
        .collect();
    versions.sort_by(|a, b| a.code.cmp(&b.code).then(b.version.cmp(&a.version)));
    Ok(CatalogPage {
        chrome: Chrome::new(viewer, "Quản trị: thủ tục", "/quan-tri"),
        versions,
        message,
        error,
    })
}

pub async fn catalog(State(app): State<App>, viewer: Viewer) -> Result<Response, UiError> {
    admin(&app, &viewer)?;
    Ok(catalog_page(&app, &viewer, String::new(), String::new())
        .await?
        .into_response())
}

/// Nạp danh mục: a JSON or CSV file, checked whole; a bad file imports nothing.
pub async fn import_catalog(
    State(app): State<App>,
    viewer: Viewer,
    headers: axum::http::HeaderMap,
    multipart: Multipart,
) -> Result<Response, UiError> {
    let actor = admin(&app, &viewer)?;
    let file = viewer.uploaded_file(&headers, multipart).await?;
    let outcome = match file {
        None => Err(UiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Chọn tệp danh mục (JSON hoặc CSV).",
        )),
        Some((name, bytes)) => match (
            app::catalog::Format::of_path(std::path::Path::new(&name)),
            String::from_utf8(bytes),
        ) {
            (Some(format), Ok(text)) => app
                .admin()
                .import_catalog_as(actor, &text, format, &name)
                .await
                .map(|r| {
                    format!(
                        "Đã nạp {name}: {} phiên bản, {} phiên bản mới.",
                        r.versions, r.added
                    )
                })
                .map_err(UiError::from),
            (None, _) => Err(UiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Tệp danh mục phải là .json hoặc .csv.",
            )),
            (_, Err(_)) => Err(UiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Tệp không phải văn bản UTF-8.",
            )),
        },
    };
    match outcome {
        Ok(message) => Ok(catalog_page(&app, &viewer, message, String::new())
            .await?
            .into_response()),
        Err(e) => {
            let page = catalog_page(&app, &viewer, String::new(), e.message).await?;
            Ok((e.status, page).into_response())
        }
    }
}

pub struct LogLine {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_log.html")]
struct LogPage {
    chrome: Chrome,
    lines: Vec<LogLine>,
}

pub async fn log(State(app): State<App>, viewer: Viewer) -> Result<Response, UiError> {
    let actor = admin(&app, &viewer)?;
    let lines = app
        .admin()
        .admin_log_lines(actor, 500)
        .await?
        .into_iter()
        .map(|l| LogLine {
            at: chrono::DateTime::from_timestamp_millis(l.at_ms)
                .map(when)
                .unwrap_or_default(),
            actor: l.actor,
            action: l.action,
            detail: l.detail,
        })
        .collect();
    Ok(LogPage {
        chrome: Chrome::new(&viewer, "Quản trị: nhật ký", "/quan-tri"),
        lines,
    }
    .into_response())
}

/// A line of the access log: when, which officer, which dossier, what of it was opened (a
/// dossier's reads and one officer's reads show the columns they need).
pub struct ReadLine {
    pub at: String,
    /// The officer's user name at the time.
    pub officer: String,
    /// The dossier's code.
    pub code: String,
    /// The file's name, or empty for the dossier itself.
    pub file: String,
}

impl ReadLine {
    pub fn of(r: app::access_log::PersonalDataRead) -> Self {
        ReadLine {
            at: chrono::DateTime::from_timestamp_millis(r.at_ms)
                .map(when)
                .unwrap_or_default(),
            officer: r.officer_name,
            code: r.code,
            file: r.file.map(|(_, name)| name).unwrap_or_default(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_reads.html")]
struct ReadsPage {
    chrome: Chrome,
    code: String,
    reads: Option<Vec<ReadLine>>,
    error: String,
    /// One officer's reads: the user name, the days asked (as typed, or the default).
    officer: String,
    from: String,
    to: String,
    /// The same days as a sentence writes them (dd/mm/yyyy).
    from_shown: String,
    to_shown: String,
    /// Their full name and reads, once asked.
    officer_name: String,
    officer_reads: Option<Vec<ReadLine>>,
    /// As many reads as one page shows were found.
    capped: bool,
    officer_error: String,
}

#[derive(serde::Deserialize)]
pub struct ReadsQuery {
    #[serde(default)]
    ma: String,
    #[serde(default, rename = "can-bo")]
    officer: String,
    #[serde(default)]
    tu: String,
    #[serde(default)]
    den: String,
}

/// How many days one officer's reads cover unless asked otherwise (up to today).
const OFFICER_READS_DAYS: i64 = 30;

/// GET /quan-tri/truy-cap?ma=… | ?can-bo=…&tu=…&den=…: who opened a dossier and its files
/// (nhật ký truy cập dữ liệu cá nhân), asked by the dossier's code; or what one officer opened,
/// day by day (the last 30 days unless asked otherwise). For the administrators.
pub async fn reads(
    State(app): State<App>,
    viewer: Viewer,
    Query(q): Query<ReadsQuery>,
) -> Result<Response, UiError> {
    let actor = admin(&app, &viewer)?;
    let code = q.ma.trim().to_string();
    let (reads, error, status) = if code.is_empty() {
        (None, String::new(), StatusCode::OK)
    } else {
        match app.queries().dossier_reads_by_code(actor, &code).await {
            Ok(r) => (
                Some(r.into_iter().map(ReadLine::of).collect()),
                String::new(),
                StatusCode::OK,
            ),
            Err(e) => {
                let e = UiError::from(e);
                (None, e.message, e.status)
            }
        }
    };
    let today = lich::time::to_vn(&app.now()).date_naive();
    let day = |typed: &str, default: chrono::NaiveDate| {
        if typed.trim().is_empty() {
            Ok(default)
        } else {
            lich::time::parse_date(typed.trim()).map_err(|_| {
                "Ngày không đúng dạng: nhập ngày/tháng/năm, ví dụ 07/12/2026.".to_string()
            })
        }
    };
    let officer = q.officer.trim().to_string();
    let (from, to) = (
        day(
            &q.tu,
            today - chrono::Duration::days(OFFICER_READS_DAYS - 1),
        ),
        day(&q.den, today),
    );
    let mut page = ReadsPage {
        chrome: Chrome::new(&viewer, "Quản trị: nhật ký truy cập", "/quan-tri"),
        // What was typed is shown back in the field, at most a code's length.
        code: code.chars().take(40).collect(),
        reads,
        error,
        officer: officer.chars().take(100).collect(),
        from: from
            .as_ref()
            .map_or_else(|_| String::new(), |d| d.to_string()),
        to: to
            .as_ref()
            .map_or_else(|_| String::new(), |d| d.to_string()),
        from_shown: from
            .as_ref()
            .map_or_else(|_| String::new(), |d| d.format("%d/%m/%Y").to_string()),
        to_shown: to
            .as_ref()
            .map_or_else(|_| String::new(), |d| d.format("%d/%m/%Y").to_string()),
        officer_name: String::new(),
        officer_reads: None,
        capped: false,
        officer_error: String::new(),
    };
    let mut status = status;
    if !officer.is_empty() {
        let asked = match (from, to) {
            (Ok(from), Ok(to)) => app
                .queries()
                .officer_reads(actor, &officer, from, to)
                .await
                .map_err(UiError::from),
            (Err(why), _) | (_, Err(why)) => {
                Err(UiError::new(StatusCode::UNPROCESSABLE_ENTITY, why))
            }
        };
        match asked {
            Ok(found) => {
                page.officer_name = found.officer.full_name.to_string();
                page.capped = found.capped;
                page.officer_reads = Some(found.reads.into_iter().map(ReadLine::of).collect());
            }
            Err(e) => {
                status = e.status;
                page.officer_error = e.message;
            }
        }
    }
    Ok((status, page).into_response())
}

pub struct MessageLine {
    pub id: i64,
    pub channel: &'static str,
    pub recipient: String,
    pub subject: String,
    pub created: String,
    pub state: &'static str,
    pub next: String,
    pub attempts: u32,
    pub error: String,
    pub configured: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_outbox.html")]
struct OutboxPage {
    chrome: Chrome,
    email: bool,
    sms: bool,
    webhooks: Vec<String>,
    digest_hour: u32,
    max_attempts: u32,
    pending: i64,
    sent: i64,
    dead: i64,
    failing: i64,
    lines: Vec<MessageLine>,
    message: String,
    error: String,
}

async fn outbox_page(
    app: &App,
    viewer: &Viewer,
    message: String,
    error: String,
) -> Result<OutboxPage, UiError> {
    let actor = admin(app, viewer)?;
    let s = app.notices().outbox_status(actor).await?;
    let lines = app
        .notices()
        .failed_messages(actor)
        .await?
        .into_iter()
        .map(|f| {
            let m = f.message;
            MessageLine {
                id: m.id,
                channel: m.channel.label(),
                recipient: m.recipient,
                subject: m.subject,
                created: when(m.created_at),
                state: m.state.label(),
                next: if m.state == app::notices::MessageState::Pending {
                    when(m.next_attempt_at)
                } else {
                    String::new()
                },
                attempts: m.attempts,
                error: m.last_error.unwrap_or_default(),
                configured: f.channel_configured,
            }
        })
        .collect();
    Ok(OutboxPage {
        chrome: Chrome::new(viewer, "Quản trị: hộp thư đi", "/quan-tri"),
        email: s.email,
        sms: s.sms,
        webhooks: s.webhooks,
        digest_hour: s.digest_hour,
        max_attempts: s.max_attempts,
        pending: s.counts.pending,
        sent: s.counts.sent,
        dead: s.counts.dead,
        failing: s.counts.failing,
        lines,
        message,
        error,
    })
}

/// Hộp thư đi: configured channels, counts, and the messages that failed.
pub async fn outbox(
    State(app): State<App>,
    viewer: Viewer,
    Query(done): Query<DoneParams>,
) -> Result<Response, UiError> {
    let message = if done.xong.is_empty() {
        String::new()
    } else {
        "Đã đưa thư trở lại hàng đợi; thư sẽ được gửi trong ít giây.".into()
    };
    Ok(outbox_page(&app, &viewer, message, String::new())
        .await?
        .into_response())
}

/// Gửi lại a failed message (logged).
pub async fn retry_message(
    State(app): State<App>,
    Path(id): Path<String>,
    posted: Posted,
) -> Result<Response, UiError> {
    let actor = admin(&app, &posted.viewer)?;
    let id: i64 = id
        .parse()
        .map_err(|_| UiError::new(StatusCode::NOT_FOUND, "Không có thư này."))?;
    match app.notices().retry_message(actor, id).await {
        Ok(()) => Ok(Redirect::to("/quan-tri/thu-gui?xong=1").into_response()),
        Err(e) => {
            let e = UiError::from(e);
            let page = outbox_page(&app, &posted.viewer, String::new(), e.message).await?;
            Ok((e.status, page).into_response())
        }
    }
}

/// `/quan-tri/thu-tuc/{code}/mau-don`: the official files of a procedure's forms, attached by
/// an administrator and downloaded from the procedure's public page.
#[derive(Template, WebTemplate)]
#[template(path = "admin_procedure_forms.html")]
struct FormsPage {
    chrome: Chrome,
    code: String,
    name: String,
    /// Each form: its number (from 1), name, and the file attached ("" when none).
    forms: Vec<(usize, String, String)>,
    message: String,
    error: String,
}

async fn forms_page(
    app: &App,
    viewer: &Viewer,
    code: &str,
    message: String,
    error: String,
) -> Result<FormsPage, UiError> {
    let v = app.catalogue().procedure(code).await?;
    let files = app.catalogue().form_files(v.code.as_str()).await?;
    Ok(FormsPage {
        chrome: Chrome::new(viewer, "Mẫu đơn, tờ khai của thủ tục", "/quan-tri"),
        code: v.code.to_string(),
        name: v.name.clone(),
        forms: v
            .forms
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let file = files
                    .iter()
                    .find(|x| &x.name == f)
                    .map(|x| format!("{} ({} KB)", x.file_name, (x.size as u64).div_ceil(1024)))
                    .unwrap_or_default();
                (i + 1, f.clone(), file)
            })
            .collect(),
        message,
        error,
    })
}

pub async fn procedure_forms(
    State(app): State<App>,
    viewer: Viewer,
    Path(code): Path<String>,
) -> Result<Response, UiError> {
    admin(&app, &viewer)?;
    Ok(
        forms_page(&app, &viewer, &code, String::new(), String::new())
            .await?
            .into_response(),
    )
}

/// `POST /quan-tri/thu-tuc/{code}/mau-don/{n}`: attaches the file of the `n`-th form.
pub async fn attach_procedure_form(
    State(app): State<App>,
    viewer: Viewer,
    headers: axum::http::HeaderMap,
    Path((code, n)): Path<(String, usize)>,
    multipart: Multipart,
) -> Result<Response, UiError> {
    let actor = admin(&app, &viewer)?;
    let file = viewer.uploaded_file(&headers, multipart).await?;
    let v = app.catalogue().procedure(&code).await?;
    let outcome = match (file, n.checked_sub(1).and_then(|i| v.forms.get(i))) {
        (None, _) => Err(UiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Chọn tệp mẫu (PDF, DOCX hoặc DOC).",
        )),
        (_, None) => Err(UiError::new(
            StatusCode::NOT_FOUND,
            "Thủ tục không có mẫu đơn, tờ khai này.",
        )),
        (Some((name, bytes)), Some(form)) => app
            .admin()
            .attach_form(actor, &code, form, &name, &bytes)
            .await
            .map(|f| format!("Đã đính kèm {} cho \"{}\".", f.file_name, f.name))
            .map_err(UiError::from),
    };
    match outcome {
        Ok(message) => Ok(forms_page(&app, &viewer, &code, message, String::new())
            .await?
            .into_response()),
        Err(e) => {
            let page = forms_page(&app, &viewer, &code, String::new(), e.message).await?;
            Ok((e.status, page).into_response())
        }
    }
}

/// `/quan-tri/hang-doi`: a centre's queue — its service areas (one per line: key | name |
/// sectors separated by ";") and its booking rules (slot length, places, days ahead, extra
/// sessions one per line: date and hours).
#[derive(Template, WebTemplate)]
#[template(path = "admin_queue.html")]
struct QueueSetupPage {
    chrome: Chrome,
    centres: Vec<(String, String)>,
    centre: String,
    areas: String,
    slot_minutes: String,
    per_slot: String,
    days_ahead: String,
    extra: String,
    message: String,
    error: String,
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct QueueSetupParams {
    #[serde(default)]
    noi: String,
}

async fn queue_setup_page(
    app: &App,
    viewer: &Viewer,
    centre: &str,
    message: String,
    error: String,
) -> Result<QueueSetupPage, UiError> {
    let tree = app.agencies();
    let mut centres: Vec<(String, String)> = tree
        .all()
        .filter(|a| a.kind == domain::agency::AgencyKind::ServiceCenter)
        .map(|a| (a.id.to_string(), a.name.clone()))
        .collect();
    centres.sort_by(|a, b| a.1.cmp(&b.1));
    let chosen = centres
        .iter()
        .find(|(id, _)| id == centre)
        .or(centres.first())
        .map(|(id, _)| id.clone())
        .unwrap_or_default();
    let id = domain::agency::AgencyId::parse(&chosen)
        .map_err(|_| UiError::new(StatusCode::NOT_FOUND, "Không có Bộ phận Một cửa nào."))?;
    let areas = app.queue().areas(&id).await?;
    let rules = app.queue().booking_rules(&id).await?;
    Ok(QueueSetupPage {
        chrome: Chrome::new(viewer, "Thiết lập hàng đợi", "/quan-tri"),
        centres,
        centre: chosen,
        areas: areas
            .iter()
            .map(|a| format!("{} | {} | {}", a.key, a.name, a.sectors.join("; ")))
            .collect::<Vec<_>>()
            .join("\n"),
        slot_minutes: rules.slot_minutes.to_string(),
        per_slot: rules.per_slot.to_string(),
        days_ahead: rules.days_ahead.to_string(),
        extra: rules
            .extra_sessions
            .iter()
            .map(|e| format!("{} {}", e.day.format("%d/%m/%Y"), e.hours))
            .collect::<Vec<_>>()
            .join("\n"),
        message,
        error,
    })
}

pub async fn queue_setup(
    State(app): State<App>,
    viewer: Viewer,
    Query(p): Query<QueueSetupParams>,
) -> Result<Response, UiError> {
    admin(&app, &viewer)?;
    Ok(
        queue_setup_page(&app, &viewer, &p.noi, String::new(), String::new())
            .await?
            .into_response(),
    )
}

/// `POST /quan-tri/hang-doi`: checks the whole setup; a bad line changes nothing.
pub async fn save_queue_setup(State(app): State<App>, posted: Posted) -> Result<Response, UiError> {
    let actor = admin(&app, &posted.viewer)?;
    let f = &posted.fields;
    let centre = f.get("noi");
    let parsed: Result<(Vec<domain::queue::ServiceArea>, domain::queue::BookingRules), String> =
        (|| {
            let mut areas = Vec::new();
            for (i, line) in f.get("khu_vuc").lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let parts: Vec<&str> = line.split('|').map(str::trim).collect();
                if parts.len() < 2 {
                    return Err(format!(
                        "Dòng {} của khu vực: ghi \"khóa | tên | lĩnh vực; lĩnh vực\".",
                        i + 1
                    ));
                }
                areas.push(domain::queue::ServiceArea {
                    key: parts[0].to_string(),
                    name: parts[1].to_string(),
                    sectors: parts
                        .get(2)
                        .map(|s| {
                            s.split(';')
                                .map(str::trim)
                                .filter(|s| !s.is_empty())
                                .map(String::from)
                                .collect()
                        })
                        .unwrap_or_default(),
                });
            }
            let number = |name: &str, what: &str| {
                f.get(name)
                    .trim()
                    .parse::<u16>()
                    .map_err(|_| format!("{what} phải là một số."))
            };
            let mut extra = Vec::new();
            for (i, line) in f.get("buoi").lines().enumerate() {
                let line = line.trim();
                if line.is_empty() {
                    continue;
                }
                let (day, hours) = line.split_once(' ').ok_or_else(|| {
                    format!(
                        "Dòng {} của buổi bổ sung: ghi \"ngày giờ\", ví dụ 13/12/2026 07:30-11:30.",
                        i + 1
                    )
                })?;
                let day = lich::time::parse_date(day)
                    .map_err(|_| format!("Dòng {} của buổi bổ sung: ngày không hợp lệ.", i + 1))?;
                extra.push(domain::queue::ExtraSession {
                    day,
                    hours: hours.trim().to_string(),
                });
            }
            Ok((
                areas,
                domain::queue::BookingRules {
                    slot_minutes: number("khung", "Độ dài khung giờ")?,
                    per_slot: number("cho", "Số chỗ mỗi khung")?,
                    days_ahead: number("ngay", "Số ngày đặt trước")?,
                    extra_sessions: extra,
                },
            ))
        })();
    let outcome = match parsed {
        Err(e) => Err(UiError::new(StatusCode::UNPROCESSABLE_ENTITY, e)),
        Ok((areas, rules)) => match domain::agency::AgencyId::parse(&centre) {
            Err(_) => Err(UiError::new(
                StatusCode::NOT_FOUND,
                "Không có Bộ phận Một cửa này.",
            )),
            Ok(id) => app
                .admin()
                .set_queue_setup(actor, &id, &areas, &rules)
                .await
                .map_err(UiError::from),
        },
    };
    match outcome {
        Ok(()) => Ok(queue_setup_page(
            &app,
            &posted.viewer,
            &centre,
            "Đã lưu thiết lập hàng đợi.".into(),
            String::new(),
        )
        .await?
        .into_response()),
        Err(e) => {
            let page =
                queue_setup_page(&app, &posted.viewer, &centre, String::new(), e.message).await?;
            Ok((e.status, page).into_response())
        }
    }
}
