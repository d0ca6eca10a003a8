//! Giải quyết — every command after a dossier is opened: the permission check, the decision, and
//! one transaction that appends the events and updates the projection.

use domain::dossier::{
    Command, CommandKind, Context, Dossier, DossierId, MAX_RECEIPT_NUMBER, ReceiptNumber, decide,
};
use domain::ids::DossierCode;
use domain::officer::{Actor, OfficerId};
use domain::policy::{self, Who};
use lich::time::to_vn;
use tracing::Instrument;

use crate::Handling;
use crate::intake::record;
use crate::{App, AppError, ErrorKind};

/// The span of one use case: its name, and the dossier's code once known (recorded on it).
pub(crate) fn use_case_span(case: &'static str) -> tracing::Span {
    tracing::info_span!("use_case", case, code = tracing::field::Empty)
}

impl App {
    /// Runs a command on a dossier already loaded and the actor known to be allowed.
    pub(crate) async fn act_on(
        &self,
        actor: &Actor,
        dossier: Dossier,
        expected_version: Option<u64>,
        command: Command,
    ) -> Result<Dossier, AppError> {
        tracing::Span::current().record("code", dossier.code.as_str());
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
        let mut command = command;
        if let Command::SubmitSupplement { components, .. } = &mut command {
            self.check_files(actor, components, Some(&dossier)).await?;
        }
        if let Command::DraftResult { fields } = &mut command {
            *fields = self.complete_draft(&dossier, std::mem::take(fields))?;
        }
        self.check_draft_complete(&dossier, &command)?;
        // Approving or issuing a result signs its document first (see `signing`).
        let command = self.with_signatures(actor, &dossier, command).await?;
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
        // A payment (also one collected at return) issues its receipt, a replacement a new one:
        // the writer gives the series' next number of the year, taken back if the decision
        // refuses.
        let receipt_numbering = match command {
            Command::RecordPayment { .. }
            | Command::ReplaceReceipt { .. }
            | Command::Return {
                collected: Some(_), ..
            } => self.receipt_numbering(&dossier, now),
            _ => None,
        };
        let decide_with = {
            let actor = actor.clone();
            let tree = tree.clone();
            let calendar = calendar.clone();
            let dossier = dossier.clone();
            move |issued_code: Option<DossierCode>,
                  receipt: Option<ReceiptNumber>|
                  -> Result<(store::Change, Dossier), AppError> {
                let ctx = Context {
                    now,
                    actor: &actor,
                    calendar: &calendar,
                    agencies: &tree,
                    rules: &rules,
                    issued_code,
                    receipt,
                };
                let events = decide(Some(&dossier), command.clone(), &ctx)?;
                let r = record(Some(dossier.clone()), events, &ctx, &calendar, &notices)?;
                let after = r.dossier.clone();
                Ok((r.change(before), after))
            }
        };
        let after = if numbered {
            let centre = tree.require(&dossier.receiving)?;
            let portal_code = self.portal_code(centre).await;
            let (format, centre_code) = (centre.code_format, centre.code.clone());
            let day = to_vn(&now).date_naive();
            self.db
                .change_dossier_numbered(
                    dossier.receiving.as_str(),
                    &day.to_string(),
                    now,
                    move |number| {
                        let code = match &portal_code {
                            Some(issued) => issued.clone(),
                            None => DossierCode::issue(format, &centre_code, day, number)?,
                        };
                        decide_with(Some(code), None)
                    },
                )
                .await??
        } else if let Some(n) = receipt_numbering {
            let book = n.book;
            self.db
                .change_dossier_numbered(&n.sequence, &n.year, now, move |number| {
                    if number > MAX_RECEIPT_NUMBER {
                        return Err(AppError::new(
                            ErrorKind::Rule,
                            "receipt_numbers_exhausted",
                            format!(
                                "Ký hiệu biên lai {} đã dùng hết số (tối đa 8 chữ số) trong năm.",
                                book.series
                            ),
                        ));
                    }
                    let receipt = ReceiptNumber {
                        book: book.clone(),
                        number,
                    };
                    decide_with(None, Some(receipt))
                })
                .await??
        } else {
            let (change, after) = decide_with(None, None)?;
            self.db.change_dossier(change, now).await?;
            after
        };
        tracing::info!(code = %after.code, command = name, version = after.version, "dossier changed");
        Ok(after)
    }

    /// Decides a command without recording it: whether it would be accepted now.
    pub(crate) fn check_decision(
        &self,
        actor: &Actor,
        dossier: &Dossier,
        command: Command,
    ) -> Result<(), AppError> {
        self.with_context(actor, dossier, |ctx, _| decide(Some(dossier), command, ctx))?;
        Ok(())
    }

    /// The dossier, once the actor is known to be allowed to give this command on it.
    async fn dossier_for(
        &self,
        actor: &Actor,
        id: DossierId,
        command: &Command,
    ) -> Result<Dossier, AppError> {
        let kind = command.kind().ok_or_else(|| {
            AppError::invalid(
                "wrong_endpoint",
                "Hồ sơ mới được tiếp nhận qua chức năng tiếp nhận, không qua lệnh xử lý.",
            )
        })?;
        let leg = match command {
            Command::CompleteLeg { index, .. } => Some(*index),
            _ => None,
        };
        let dossier = self.stored_dossier(id).await?;
        self.check_permission(actor, &dossier, kind, leg).await?;
        Ok(dossier)
    }

    /// The dossier, once the actor is known to be allowed to read it.
    pub(crate) async fn readable_dossier(
        &self,
        actor: &Actor,
        id: DossierId,
    ) -> Result<Dossier, AppError> {
        let d = self.stored_dossier(id).await?;
        self.may_read(actor, &d).await?;
        Ok(d)
    }

    pub(crate) async fn stored_dossier(&self, id: DossierId) -> Result<Dossier, AppError> {
        self.db
            .dossier(id)
            .await?
            .ok_or_else(|| AppError::not_found("dossier_not_found", "Không tìm thấy hồ sơ."))
    }

    /// Who may give the command: [`policy::may_command`], told whether a citizen is the
    /// dossier's applicant (asked of the store only when it matters).
    async fn check_permission(
        &self,
        actor: &Actor,
        d: &Dossier,
        kind: CommandKind,
        leg: Option<usize>,
    ) -> Result<(), AppError> {
        let applicant = matches!(policy::command_permission(kind), Who::Applicant)
            && matches!(actor, Actor::Citizen { .. })
            && self.citizen_owns(actor, d).await?;
        Ok(policy::may_command(
            actor,
            d,
            kind,
            leg,
            applicant,
            &self.agencies(),
        )?)
    }

    /// [`Handling::allowed_actions`] when whether the actor is the applicant is already known.
    pub(crate) fn allowed_for(
        &self,
        actor: &Actor,
        d: &Dossier,
        applicant: bool,
    ) -> Vec<CommandKind> {
        self.with_context(actor, d, |ctx, tree| {
            domain::dossier::allowed(d, ctx, tree, applicant)
        })
    }

    /// Runs `f` with the decision context of `d` now (no code to issue): the agencies, the
    /// receiving centre's calendar and the legal rules.
    fn with_context<T>(
        &self,
        actor: &Actor,
        d: &Dossier,
        f: impl FnOnce(&Context, &domain::agency::AgencyTree) -> T,
    ) -> T {
        let tree = self.agencies();
        let calendar = self.calendar_of(&d.receiving);
        let rules = self.settings.rules;
        let ctx = Context {
            now: self.now(),
            actor,
            calendar: &calendar,
            agencies: &tree,
            rules: &rules,
            issued_code: None,
            receipt: None,
        };
        f(&ctx, &tree)
    }
}

impl Handling<'_> {
    /// Runs a command on a dossier. `expected_version`, when given, must be the version the
    /// caller last saw (otherwise the command is refused as a conflict). Who may give the
    /// command is checked first: a refusal says nothing of the dossier's state.
    pub async fn act(
        self,
        actor: &Actor,
        id: DossierId,
        expected_version: Option<u64>,
        command: Command,
    ) -> Result<Dossier, AppError> {
        let span = use_case_span(command.name());
        async {
            let dossier = self.app.dossier_for(actor, id, &command).await?;
            let after = self
                .app
                .act_on(actor, dossier, expected_version, command)
                .await?;
            // A payment's or a replacement's receipt is signed once the money is recorded.
            Ok(if after.unsigned_receipts().next().is_some() {
                self.app.sign_receipts(after).await
            } else {
                after
            })
        }
        .instrument(span)
        .await
    }

    /// Phân công: assigns the current step to an officer by id.
    pub async fn assign(
        self,
        actor: &Actor,
        id: DossierId,
        expected_version: Option<u64>,
        officer: OfficerId,
        reason: Option<String>,
    ) -> Result<Dossier, AppError> {
        let span = use_case_span(CommandKind::Assign.name());
        async {
            // Who may assign is checked before the officer named is looked up; the dossier is
            // read once.
            let dossier = self.app.stored_dossier(id).await?;
            self.app
                .check_permission(actor, &dossier, CommandKind::Assign, None)
                .await?;
            let officer = self.app.db.officer(officer).await?.ok_or_else(|| {
                AppError::not_found("officer_not_found", "Không có cán bộ được phân công.")
            })?;
            let command = Command::Assign {
                officer: Box::new(officer),
                reason,
            };
            self.app
                .act_on(actor, dossier, expected_version, command)
                .await
        }
        .instrument(span)
        .await
    }

    /// Lệnh được phép — what the actor may do with the dossier now (the dossier page's buttons,
    /// the API's `allowed_actions`).
    pub async fn allowed_actions(
        self,
        actor: &Actor,
        d: &Dossier,
    ) -> Result<Vec<CommandKind>, AppError> {
        let applicant =
            matches!(actor, Actor::Citizen { .. }) && self.app.citizen_owns(actor, d).await?;
        Ok(self.app.allowed_for(actor, d, applicant))
    }
}
