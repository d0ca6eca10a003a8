//! Nhật ký truy cập dữ liệu cá nhân — officers' reads of citizens' personal data: each opening
//! of a dossier and of each of its files, by whom and when (Law 91/2025/QH15 on personal data
//! protection; TCVN 11930:2017 logging). Changes are events already; this records the reads.
//! The administrators, and inspectors who may read the dossier, see a dossier's reads; the
//! administrators also see one officer's reads across dossiers, day by day — who opened what,
//! when an officer's use of personal data is questioned.

use domain::dossier::{Dossier, DossierId, FileRef};
use domain::officer::{Actor, Role};
use domain::policy::{self, Action};
pub use store::PersonalDataRead;

use crate::{App, AppError, ErrorKind, Queries};

/// The most reads one answer lists (newest first).
pub const SHOWN: i64 = 500;

/// One officer's reads in a period.
#[derive(Debug, Clone)]
pub struct OfficerReads {
    pub officer: domain::officer::Officer,
    /// Newest first.
    pub reads: Vec<PersonalDataRead>,
    /// [`SHOWN`] reads were found: there may be older ones in the period.
    pub capped: bool,
}

impl App {
    /// Records that an officer opened a dossier, or one of its files. A write that fails (the
    /// storage read-only or full) does not refuse the read: the same facts go to the log
    /// instead. A citizen reading their own dossier is not recorded.
    pub(crate) async fn record_read(&self, actor: &Actor, d: &Dossier, file: Option<&FileRef>) {
        let Actor::Officer(o) = actor else { return };
        let read = PersonalDataRead {
            at_ms: self.now().timestamp_millis(),
            officer: o.id.0,
            officer_name: o.username.clone(),
            dossier: d.id.0,
            code: d.code.to_string(),
            file: file.map(|f| (f.sha256.clone(), f.name.clone())),
        };
        if let Err(e) = self.db.record_read(&read).await {
            tracing::warn!(
                error = %e,
                officer = %read.officer_name,
                code = %read.code,
                file = read.file.as_ref().map(|(sha, _)| sha.as_str()),
                "read of personal data not recorded in the access log"
            );
        }
    }
}

impl Queries<'_> {
    /// Who opened a dossier and its files, newest first (at most [`SHOWN`]): for the
    /// administrators, and for an inspector who may read the dossier.
    pub async fn dossier_reads(
        self,
        actor: &Actor,
        id: DossierId,
    ) -> Result<Vec<PersonalDataRead>, AppError> {
        let d = self.app.stored_dossier(id).await?;
        self.reads_of(actor, &d).await
    }

    /// The reads of the dossier of a code (the administrators' page asks by code), with the
    /// same rights as [`Queries::dossier_reads`].
    pub async fn dossier_reads_by_code(
        self,
        actor: &Actor,
        code: &str,
    ) -> Result<Vec<PersonalDataRead>, AppError> {
        let id = self.app.id_of_code(code).await?;
        self.dossier_reads(actor, id).await
    }

    /// One officer's reads across dossiers, newest first (at most [`SHOWN`]), from the day
    /// `from` to the day `to`, both included (Vietnamese days): for the administrators.
    pub async fn officer_reads(
        self,
        actor: &Actor,
        username: &str,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<OfficerReads, AppError> {
        self.app
            .admin_name(actor, Action::ManageUsers)
            .map_err(|_| {
                AppError::new(
                    ErrorKind::Forbidden,
                    "forbidden",
                    "Chỉ quản trị viên được xem nhật ký truy cập của một cán bộ.",
                )
            })?;
        if from > to {
            return Err(AppError::invalid(
                "invalid_period",
                "Ngày bắt đầu phải trước hoặc bằng ngày kết thúc.",
            ));
        }
        let (officer, _) = self
            .app
            .db
            .officer_by_username(username.trim())
            .await?
            .ok_or_else(|| {
                AppError::not_found("officer_not_found", "Không có cán bộ có tên đăng nhập này.")
            })?;
        let start = lich::time::vn_day_start(from).timestamp_millis();
        let end = to.succ_opt().map_or(i64::MAX, |next| {
            lich::time::vn_day_start(next).timestamp_millis()
        });
        let reads = self
            .app
            .db
            .reads_by_officer(officer.id.0, start, end, SHOWN)
            .await?;
        Ok(OfficerReads {
            capped: reads.len() as i64 == SHOWN,
            officer,
            reads,
        })
    }

    async fn reads_of(self, actor: &Actor, d: &Dossier) -> Result<Vec<PersonalDataRead>, AppError> {
        let tree = self.app.agencies();
        let admin = policy::authorize(actor, Action::ManageUsers, None, &tree).is_ok();
        let inspector = matches!(actor, Actor::Officer(o)
            if o.grants.iter().any(|g| g.role == Role::Auditor))
            && self.app.may_read(actor, d).await.is_ok();
        if !admin && !inspector {
            return Err(AppError::new(
                ErrorKind::Forbidden,
                "forbidden",
                "Chỉ quản trị viên hoặc thanh tra được xem nhật ký truy cập hồ sơ.",
            ));
        }
        Ok(self.app.db.reads_of_dossier(d.id.0, SHOWN).await?)
    }
}
