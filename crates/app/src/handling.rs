//! Giải quyết — every command after a dossier is opened: the permission check, the decision, and
//! one transaction that appends the events and updates the projection.

use domain::dossier::{Command, Context, Dossier, DossierId, decide};
use domain::ids::DossierCode;
use domain::officer::{Actor, OfficerId};
use domain::policy::{self, Action, Scope};
use lich::time::to_vn;

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
    /// caller last saw (otherwise the command is refused as a conflict). Who may give the
    /// command is checked first: a refusal says nothing of the dossier's state.
    pub async fn act(
        &self,
        actor: &Actor,
        id: DossierId,
        expected_version: Option<u64>,
        command: Command,
    ) -> Result<Dossier, AppError> {
        let dossier = self.dossier_for(actor, id, &command).await?;
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
        if let Command::SubmitSupplement { components, .. } = &command {
            self.check_files(actor, components, Some(&dossier)).await?;
        }
        let tree = self.agencies();
        let calendar = self.calendar_of(&dossier.receiving);
        let now = self.now();
        let name = command.name();
        let rules = self.settings.rules;
        let notices = self.teller();
        let before = dossier.version;
        // Receiving an online submission issues its code: the writer gives the centre's next
        // number of the day to the decision, and takes it back if the decision refuses.
        let numbered = matches!(command, Command::AcceptOnline) && dossier.code.is_provisional();
        let decide_with = {
            let actor = actor.clone();
            let tree = tree.clone();
            let calendar = calendar.clone();
            let dossier = dossier.clone();
            move |issued_code: Option<DossierCode>| -> Result<(store::Change, Dossier), AppError> {
                let ctx = Context {
                    now,
                    actor: &actor,
                    calendar: &calendar,
                    agencies: &tree,
                    rules: &rules,
                    issued_code,
                };
                let events = decide(Some(&dossier), command.clone(), &ctx)?;
                let r = record(Some(dossier.clone()), events, &ctx, &calendar, &notices)?;
                let after = r.dossier.clone();
                Ok((r.change(before), after))
            }
        };
        let after = if numbered {
            let centre = tree.require(&dossier.receiving)?;
            let (format, centre_code) = (centre.code_format, centre.code.clone());
            let day = to_vn(&now).date_naive();
            self.db
                .change_dossier_numbered(
                    dossier.receiving.as_str(),
                    &day.to_string(),
                    now,
                    move |number| {
                        let code = DossierCode::issue(format, &centre_code, day, number)?;
                        decide_with(Some(code))
                    },
                )
                .await??
        } else {
            let (change, after) = decide_with(None)?;
            self.db.change_dossier(change, now).await?;
            after
        };
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
        // Who may assign is checked before the officer named is looked up.
        self.authorize_command(actor, id, Permission::Officer(Action::Assign))
            .await?;
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

    /// The dossier, once the actor is known to be allowed to give this command on it.
    async fn dossier_for(
        &self,
        actor: &Actor,
        id: DossierId,
        command: &Command,
    ) -> Result<Dossier, AppError> {
        let permission = permission(command)?;
        let dossier = self
            .db
            .dossier(id)
            .await?
            .ok_or_else(|| AppError::not_found("dossier_not_found", "Không tìm thấy hồ sơ."))?;
        self.check_permission(actor, &dossier, permission, Some(command))
            .await?;
        Ok(dossier)
    }

    /// Checks a permission on a dossier by id, before anything else is read or said of it.
    async fn authorize_command(
        &self,
        actor: &Actor,
        id: DossierId,
        permission: Permission,
    ) -> Result<(), AppError> {
        let dossier = self
            .db
            .dossier(id)
            .await?
            .ok_or_else(|| AppError::not_found("dossier_not_found", "Không tìm thấy hồ sơ."))?;
        self.check_permission(actor, &dossier, permission, None)
            .await
    }

    async fn check_permission(
        &self,
        actor: &Actor,
        d: &Dossier,
        permission: Permission,
        command: Option<&Command>,
    ) -> Result<(), AppError> {
        let tree = self.agencies();
        let involved = d.involved_units();
        let scope = Scope::of(d, &involved);
        match (permission, actor) {
            (Permission::Officer(action), _) => {
                let allowed = policy::authorize(actor, action, Some(&scope), &tree);
                // Kết quả liên thông: an interconnected agency records its own part.
                if allowed.is_err()
                    && let Some(Command::CompleteLeg { index, .. }) = command
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
            (Permission::Applicant, Actor::Citizen { .. }) => {
                if self.citizen_owns(actor, d).await? {
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
