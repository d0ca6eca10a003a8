//! Giải quyết — every command after a dossier is opened: the permission check, the decision, and
//! one transaction that appends the events and updates the projection.

use domain::dossier::{Command, Context, Dossier, DossierId, decide};
use domain::officer::{Actor, OfficerId};
use domain::policy::{self, Action, Scope};

use crate::intake::record;
use crate::{App, AppError, ErrorKind};

/// Who may ask for a command: an officer action, or the applicant (or a counter officer on the
/// applicant's behalf).
enum Permission {
    Officer(Action),
    Applicant,
    System,
}

fn permission(command: &Command) -> Result<Permission, AppError> {
    use Command::*;
    Ok(match command {
        AcceptOnline | RefuseOnline { .. } | RequestIntakeSupplement { .. } => {
            Permission::Officer(Action::Receive)
        }
        Transfer { .. } => Permission::Officer(Action::Transfer),
        Assign { .. } => Permission::Officer(Action::Assign),
        AddNote { .. }
        | RecordVerification { .. }
        | RequestConsultation { .. }
        | StartInterconnection { .. }
        | CompleteLeg { .. }
        | RequestSupplement { .. }
        | RequestFinancialObligation { .. }
        | WaitForAgency { .. }
        | EndPause { .. }
        | Extend { .. }
        | Forward { .. } => Permission::Officer(Action::Handle),
        AnswerConsultation { .. } => Permission::Officer(Action::AnswerConsultation),
        Decide { .. } => Permission::Officer(Action::Approve),
        IssueResult { .. } => Permission::Officer(Action::Issue),
        Apologize { .. } => Permission::Officer(Action::Apologize),
        Stop { .. } => Permission::Officer(Action::Stop),
        NotifyEarlyReturn { .. } | Return { .. } => Permission::Officer(Action::Return),
        SubmitSupplement { .. } | RequestWithdrawal { .. } => Permission::Applicant,
        RecordCorrection { .. } => Permission::System,
        ReceiveAtCounter { .. }
        | RefuseAtCounter { .. }
        | SubmitOnline { .. }
        | ReceiveByPost { .. } => {
            return Err(AppError::invalid(
                "wrong_endpoint",
                "Hồ sơ mới được tiếp nhận qua chức năng tiếp nhận, không qua lệnh xử lý.",
            ));
        }
    })
}

impl App {
    /// Runs a command on a dossier. `expected_version`, when given, must be the version the
    /// caller last saw (otherwise the command is refused as a conflict).
    pub async fn act(
        &self,
        actor: &Actor,
        id: DossierId,
        expected_version: Option<u64>,
        command: Command,
    ) -> Result<Dossier, AppError> {
        let dossier = self
            .db
            .dossier(id)
            .await?
            .ok_or_else(|| AppError::not_found("dossier_not_found", "Không tìm thấy hồ sơ."))?;
        if let Some(v) = expected_version
            && v != dossier.version
        {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "version_conflict",
                format!(
                    "Hồ sơ đã thay đổi (phiên bản {} thay vì {v}); tải lại rồi thao tác lại.",
                    dossier.version
                ),
            ));
        }
        self.check_permission(actor, &dossier, &command)?;
        if let Command::SubmitSupplement { components, .. } = &command {
            self.check_files(components).await?;
        }
        let tree = self.agencies();
        let calendar = self.calendar_of(&dossier.receiving);
        let now = self.now();
        let name = command.name();
        let ctx = Context {
            now,
            actor,
            calendar: &calendar,
            agencies: &tree,
            rules: &self.settings.rules,
        };
        let events = decide(Some(&dossier), command, &ctx)?;
        let before = dossier.version;
        let r = record(
            Some(dossier),
            events,
            &ctx,
            &calendar,
            &self.settings.notices,
        )?;
        let after = r.dossier.clone();
        self.db
            .change_dossier(
                store::Change {
                    dossier: r.dossier,
                    expected_version: before,
                    events: r.events,
                    counts: r.counts,
                    outbox: r.outbox,
                },
                now,
            )
            .await?;
        tracing::info!(code = %after.code, command = name, version = after.version, "dossier changed");
        Ok(after)
    }

    /// Phân công: assigns the current step to an officer by id.
    pub async fn assign(
        &self,
        actor: &Actor,
        id: DossierId,
        expected_version: Option<u64>,
        officer: OfficerId,
        reason: Option<String>,
    ) -> Result<Dossier, AppError> {
        let officer = self.db.officer(officer).await?.ok_or_else(|| {
            AppError::not_found("officer_not_found", "Không có cán bộ được phân công.")
        })?;
        self.act(
            actor,
            id,
            expected_version,
            Command::Assign {
                officer: Box::new(officer),
                reason,
            },
        )
        .await
    }

    fn check_permission(
        &self,
        actor: &Actor,
        d: &Dossier,
        command: &Command,
    ) -> Result<(), AppError> {
        let tree = self.agencies();
        let involved = d.involved_units();
        let scope = Scope::of(d, &involved);
        match (permission(command)?, actor) {
            (Permission::Officer(action), _) => {
                let allowed = policy::authorize(actor, action, Some(&scope), &tree);
                // Kết quả liên thông: an interconnected agency records its own part.
                if allowed.is_err()
                    && let Command::CompleteLeg { index, .. } = command
                    && let Some(leg) = d.interconnection.as_ref().and_then(|i| i.legs.get(*index))
                {
                    let leg_scope = Scope {
                        current: Some(&leg.plan.agency),
                        ..scope
                    };
                    return Ok(policy::authorize(actor, action, Some(&leg_scope), &tree)?);
                }
                Ok(allowed?)
            }
            (Permission::Applicant, Actor::Citizen { id_number, .. }) => {
                if id_number
                    .as_ref()
                    .is_some_and(|n| n.as_str() == d.applicant.id_number())
                {
                    Ok(())
                } else {
                    Err(AppError::new(
                        ErrorKind::Forbidden,
                        "forbidden",
                        "Chỉ người nộp hồ sơ mới thực hiện được việc này.",
                    ))
                }
            }
            // A counter officer may record what the applicant brought to the counter.
            (Permission::Applicant, _) => Ok(policy::authorize(
                actor,
                Action::Receive,
                Some(&scope),
                &tree,
            )?),
            (Permission::System, Actor::System) => Ok(()),
            (Permission::System, _) => Err(AppError::new(
                ErrorKind::Forbidden,
                "forbidden",
                "Việc này do hệ thống tự thực hiện.",
            )),
        }
    }
}
