//! Quản trị — accounts and roles, agency closures (special days off), and the catalogue, by an
//! administrator; every change is written with a line of the append-only administration log.

use chrono::NaiveDate;
use domain::agency::AgencyId;
use domain::ids::PersonName;
use domain::officer::{Actor, Officer, OfficerId, Role, RoleGrant};
use domain::policy::{self, Action};
use domain::procedure::ProcedureVersion;
use lich::agency::{AgencySettings, Closure};
use store::LogEntry;

pub use store::{AdminLogLine, StoredClosure};
use uuid::Uuid;

use crate::Admin;
use crate::{App, AppError, ErrorKind};

/// A new officer account.
#[derive(Debug, Clone, Default)]
pub struct NewOfficer {
    pub username: String,
    pub full_name: String,
    pub title: String,
    pub password: String,
    pub role: Option<Role>,
    pub agency: String,
}

/// What changes on an existing account.
#[derive(Debug, Clone)]
pub enum AccountChange {
    Activate(bool),
    Grant(Role, AgencyId),
    Revoke(Role, AgencyId),
    Password(String),
    /// Sets the e-mail the daily digest goes to; empty clears it.
    Email(String),
}

impl App {
    pub(crate) fn admin_name(&self, actor: &Actor, action: Action) -> Result<String, AppError> {
        policy::authorize(actor, action, None, &self.agencies())?;
        Ok(actor.to_ref().name)
    }

    pub(crate) fn entry<'a>(
        &self,
        actor: &'a str,
        action: &'a str,
        detail: &'a str,
    ) -> LogEntry<'a> {
        LogEntry {
            at_ms: self.now().timestamp_millis(),
            actor,
            action,
            detail,
        }
    }

    /// The agency settings of the calendar: the closures of the agency and of those above it.
    /// The agency settings of the calendar: the office hours of the agency or the nearest one
    /// above it that sets them, and the closures of the agency and of those above it. None when
    /// everything is standard.
    pub(crate) fn calendar_settings(&self, agency: &AgencyId) -> Option<AgencySettings> {
        let tree = self.agencies();
        let mut hours = None;
        let mut saturday = None;
        let mut current = tree.get(agency);
        for _ in 0..32 {
            let Some(a) = current else { break };
            hours = hours.or(a.office_hours.as_deref());
            saturday = saturday.or(a.saturday_reception.as_deref());
            current = a.parent.as_ref().and_then(|p| tree.get(p));
        }
        let closures = self.closures.read().expect("closures lock");
        let mine: Vec<Closure> = closures
            .iter()
            .filter(|c| AgencyId::parse(&c.agency).is_ok_and(|a| tree.is_within(agency, &a)))
            .filter_map(|c| {
                Some(Closure {
                    from: NaiveDate::parse_from_str(&c.from_day, "%Y-%m-%d").ok()?,
                    to: NaiveDate::parse_from_str(&c.to_day, "%Y-%m-%d").ok()?,
                    reason: c.reason.clone(),
                    basis: c.basis.clone(),
                })
            })
            .collect();
        if mine.is_empty() && hours.is_none() && saturday.is_none() {
            return None;
        }
        // Stored hours were checked when set; a value that no longer reads keeps the standard.
        Some(AgencySettings {
            closures: mine,
            office_hours: hours
                .and_then(|h| lich::OfficeHours::parse(h).ok())
                .unwrap_or_default(),
            saturday_reception: saturday.and_then(|h| lich::OfficeHours::parse(h).ok()),
            ..AgencySettings::default()
        })
    }
}

impl Admin<'_> {
    /// Creates an officer account with one role.
    pub async fn create_officer(self, actor: &Actor, n: &NewOfficer) -> Result<Officer, AppError> {
        let admin = self.app.admin_name(actor, Action::ManageUsers)?;
        let username = crate::province::username(&n.username)?;
        let role = n
            .role
            .ok_or_else(|| AppError::invalid("invalid_role", "Chọn vai trò."))?;
        let agency = AgencyId::parse(&n.agency)?;
        self.app.agencies().require(&agency)?;
        let officer = Officer {
            id: OfficerId(Uuid::now_v7()),
            username: username.clone(),
            full_name: PersonName::parse(&n.full_name)?,
            title: Some(vntext::clean(&n.title)).filter(|t| !t.is_empty()),
            grants: vec![RoleGrant { role, agency }],
            active: true,
        };
        let hash = self
            .app
            .accounts()
            .hash_officer_password(&n.password, &username)
            .await?;
        let detail = format!("{username}: {} tại {}", role.label(), n.agency);
        self.app
            .db
            .add_officer(
                &officer,
                &hash,
                Some(&self.app.entry(&admin, "tạo tài khoản", &detail)),
            )
            .await
            .map_err(|e| match e {
                store::StoreError::Duplicate(_) => AppError::new(
                    ErrorKind::Conflict,
                    "username_taken",
                    format!("Tên đăng nhập \"{username}\" đã có."),
                ),
                other => other.into(),
            })?;
        Ok(officer)
    }

    /// Changes an account: lock or unlock, add or remove a role, set a new password.
    pub async fn change_account(
        self,
        actor: &Actor,
        id: OfficerId,
        change: AccountChange,
    ) -> Result<Officer, AppError> {
        let admin = self.app.admin_name(actor, Action::ManageUsers)?;
        let mut o =
            self.app.db.officer(id).await?.ok_or_else(|| {
                AppError::not_found("officer_not_found", "Không có tài khoản này.")
            })?;
        if let Actor::Officer(me) = actor
            && me.id == id
            && matches!(
                change,
                AccountChange::Activate(false) | AccountChange::Revoke(Role::Admin, _)
            )
        {
            return Err(AppError::new(
                ErrorKind::Rule,
                "own_account",
                "Không tự khóa hoặc tự bỏ quyền quản trị của chính mình.",
            ));
        }
        let detail;
        match change {
            AccountChange::Password(p) => {
                let hash = self
                    .app
                    .accounts()
                    .hash_officer_password(&p, &o.username)
                    .await?;
                detail = o.username.clone();
                self.app
                    .db
                    .set_password(
                        id,
                        &hash,
                        &self.app.entry(&admin, "đặt lại mật khẩu", &detail),
                    )
                    .await?;
                return Ok(o);
            }
            AccountChange::Email(text) => {
                let email = match text.trim() {
                    "" => None,
                    t => Some(domain::ids::Email::parse(t)?),
                };
                detail = format!(
                    "{}: thư điện tử {}",
                    o.username,
                    email.as_ref().map_or("(bỏ)", |e| e.as_str())
                );
                self.app
                    .db
                    .set_officer_email(
                        id,
                        email.as_ref().map(|e| e.as_str()),
                        &self.app.entry(&admin, "sửa tài khoản", &detail),
                    )
                    .await?;
                return Ok(o);
            }
            AccountChange::Activate(active) => {
                o.active = active;
                detail = format!(
                    "{}: {}",
                    o.username,
                    if active { "mở khóa" } else { "khóa" }
                );
            }
            AccountChange::Grant(role, agency) => {
                self.app.agencies().require(&agency)?;
                if o.grants
                    .iter()
                    .any(|g| g.role == role && g.agency == agency)
                {
                    return Err(AppError::new(
                        ErrorKind::Rule,
                        "role_exists",
                        "Tài khoản đã có vai trò này tại cơ quan này.",
                    ));
                }
                detail = format!("{}: thêm {} tại {agency}", o.username, role.label());
                o.grants.push(RoleGrant { role, agency });
            }
            AccountChange::Revoke(role, agency) => {
                let before = o.grants.len();
                o.grants.retain(|g| !(g.role == role && g.agency == agency));
                if o.grants.len() == before {
                    return Err(AppError::not_found(
                        "role_not_found",
                        "Tài khoản không có vai trò này.",
                    ));
                }
                if o.grants.is_empty() {
                    return Err(AppError::new(
                        ErrorKind::Rule,
                        "last_role",
                        "Tài khoản phải còn ít nhất một vai trò; muốn ngừng sử dụng thì khóa tài khoản.",
                    ));
                }
                detail = format!("{}: bỏ {} tại {agency}", o.username, role.label());
            }
        }
        self.app
            .db
            .update_officer(&o, &self.app.entry(&admin, "sửa tài khoản", &detail))
            .await?;
        Ok(o)
    }

    /// Declares days an agency is closed (tạm ngừng làm việc): they stop counting as working
    /// days for its dossiers and those of every unit under it.
    pub async fn add_closure(
        self,
        actor: &Actor,
        agency: &str,
        from: NaiveDate,
        to: NaiveDate,
        reason: &str,
        basis: &str,
    ) -> Result<(), AppError> {
        let admin = self.app.admin_name(actor, Action::ManageCatalog)?;
        let agency = AgencyId::parse(agency)?;
        self.app.agencies().require(&agency)?;
        let (reason, basis) = (vntext::clean(reason), vntext::clean(basis));
        if reason.is_empty() || basis.is_empty() {
            return Err(AppError::invalid(
                "reason_required",
                "Ghi lý do và văn bản quyết định tạm ngừng làm việc.",
            ));
        }
        if to < from || (to - from).num_days() > 31 {
            return Err(AppError::invalid(
                "invalid_period",
                "Thời gian tạm ngừng: ngày kết thúc không trước ngày bắt đầu, tối đa 31 ngày.",
            ));
        }
        let detail = format!("{agency}: {from} – {to}, {reason} ({basis})");
        self.app
            .db
            .add_closure(
                &StoredClosure {
                    id: Uuid::now_v7(),
                    agency: agency.to_string(),
                    from_day: from.to_string(),
                    to_day: to.to_string(),
                    reason,
                    basis,
                    active: true,
                },
                &self.app.entry(&admin, "tạm ngừng làm việc", &detail),
            )
            .await?;
        self.reload_closures().await
    }

    /// Withdraws a closure.
    pub async fn withdraw_closure(self, actor: &Actor, id: Uuid) -> Result<(), AppError> {
        let admin = self.app.admin_name(actor, Action::ManageCatalog)?;
        let detail = id.to_string();
        if !self
            .app
            .db
            .withdraw_closure(
                id,
                &self.app.entry(&admin, "hủy tạm ngừng làm việc", &detail),
            )
            .await?
        {
            return Err(AppError::not_found(
                "closure_not_found",
                "Không có ngày tạm ngừng này.",
            ));
        }
        self.reload_closures().await
    }

    /// Every account with its e-mail for the digest, by user name (administrators).
    pub async fn officer_accounts(
        self,
        actor: &Actor,
    ) -> Result<Vec<(Officer, Option<String>)>, AppError> {
        policy::authorize(actor, Action::ManageUsers, None, &self.app.agencies())?;
        let mut emails = self.app.db.officer_emails().await?;
        Ok(self
            .app
            .db
            .officers()
            .await?
            .into_iter()
            .map(|o| {
                let email = emails.remove(&o.id);
                (o, email)
            })
            .collect())
    }

    /// Every closure, newest first (administrators).
    pub async fn closures_list(self, actor: &Actor) -> Result<Vec<StoredClosure>, AppError> {
        policy::authorize(actor, Action::ManageCatalog, None, &self.app.agencies())?;
        Ok(self.app.db.closures().await?)
    }

    /// The latest lines of the administration log (administrators).
    pub async fn admin_log_lines(
        self,
        actor: &Actor,
        limit: i64,
    ) -> Result<Vec<store::AdminLogLine>, AppError> {
        policy::authorize(actor, Action::ManageUsers, None, &self.app.agencies())?;
        Ok(self.app.db.admin_log_lines(limit).await?)
    }

    /// Every version of every procedure, by code and version.
    pub async fn procedure_versions_all(self) -> Result<Vec<ProcedureVersion>, AppError> {
        Ok(self.app.db.all_procedure_versions().await?)
    }

    /// Reads the closures into memory after a change, here and on the other servers.
    pub async fn reload_closures(self) -> Result<(), AppError> {
        self.load_closures().await?;
        self.app
            .tell_servers(crate::cluster::Signal::Closures)
            .await;
        Ok(())
    }

    /// Reads the closures into this server's memory.
    pub(crate) async fn load_closures(self) -> Result<(), AppError> {
        let all = self.app.db.closures().await?;
        *self.app.closures.write().expect("closures lock") =
            all.into_iter().filter(|c| c.active).collect();
        Ok(())
    }

    /// Logs a catalogue import done by an administrator (after checking the right to do it).
    /// Đính kèm mẫu đơn, tờ khai: the official file (PDF, DOCX or DOC) of one of a procedure's
    /// named forms, kept and logged; it replaces the form's earlier file.
    pub async fn attach_form(
        self,
        actor: &Actor,
        code: &str,
        form: &str,
        file_name: &str,
        content: &[u8],
    ) -> Result<store::ProcedureForm, AppError> {
        let admin = self.app.admin_name(actor, Action::ManageCatalog)?;
        let v = self.app.catalogue().procedure(code).await?;
        let name = v.forms.iter().find(|f| *f == form).ok_or_else(|| {
            AppError::invalid(
                "unknown_form",
                "Thủ tục không có mẫu đơn, tờ khai này; hãy chọn trong danh sách.",
            )
        })?;
        let file_name =
            crate::files::checked_upload(file_name, content, self.app.settings.max_file_bytes)?;
        let shown = domain::error::shorten(&file_name);
        let media_type = crate::files::sniff_form(content).ok_or_else(|| {
            AppError::invalid(
                "file_type_not_allowed",
                format!("Tệp \"{shown}\" không phải PDF, DOCX hoặc DOC."),
            )
        })?;
        let now = self.app.now().timestamp_millis();
        let sha256 = {
            use sha2::Digest as _;
            hex::encode(sha2::Sha256::digest(content))
        };
        self.app
            .db
            .put_attachment(&sha256, media_type, content, "catalog", now)
            .await?;
        let f = store::ProcedureForm {
            code: v.code.to_string(),
            name: name.clone(),
            sha256,
            file_name,
            media_type: media_type.to_string(),
            size: content.len() as i64,
            at_ms: now,
            by: admin.clone(),
        };
        self.app.db.set_procedure_form(&f).await?;
        let detail = format!("{} — {}: {}", v.code, f.name, f.file_name);
        self.app
            .db
            .admin_log(&self.app.entry(&admin, "đính kèm mẫu đơn, tờ khai", &detail))
            .await?;
        Ok(f)
    }

    pub async fn import_catalog_as(
        self,
        actor: &Actor,
        text: &str,
        format: crate::catalog::Format,
        file_name: &str,
    ) -> Result<crate::catalog::ImportReport, AppError> {
        let admin = self.app.admin_name(actor, Action::ManageCatalog)?;
        let report = self
            .app
            .catalogue()
            .import_catalog_text(text, format)
            .await?;
        let detail = format!(
            "{file_name}: {} phiên bản, {} mới",
            report.versions, report.added
        );
        self.app
            .db
            .admin_log(&self.app.entry(&admin, "nạp danh mục thủ tục", &detail))
            .await?;
        Ok(report)
    }
}
