//! Tra cứu — what officers and citizens read: lists limited to what the officer may see, the full
//! dossier (as it is or as it stood at a past instant), the public lookup, the catalogue.

use chrono::{DateTime, Utc};
use domain::agency::{Agency, AgencyId};
use domain::dossier::{
    CommandKind, Dossier, DossierId, NationalStatus, Recorded, SlipRow, Timing, control_slip,
};
use domain::ids::DossierCode;
use domain::officer::{Actor, Officer, Role};
use domain::policy::{self, Action, Scope};
use domain::procedure::ProcedureVersion;
use lich::time::to_vn;
use store::{DossierFilter, Visibility};

pub use store::{Cursor, DossierPage, DossierRow, Order, PublicView};

/// What an officer's list asks for (what they may see is added by the application).
#[derive(Debug, Clone, Default)]
pub struct DossierQuery {
    pub national_status: Vec<u8>,
    pub receiving: Option<String>,
    pub competent: Option<String>,
    pub current_unit: Option<String>,
    pub assignee: Option<String>,
    pub procedure_code: Option<String>,
    pub due_from: Option<DateTime<Utc>>,
    pub due_to: Option<DateTime<Utc>>,
    pub received_from: Option<DateTime<Utc>>,
    pub received_to: Option<DateTime<Utc>>,
    /// Only dossiers still being handled.
    pub open_only: bool,
    pub order: Order,
    pub limit: u32,
    /// The page after this one's end.
    pub after: Option<Cursor>,
}

impl DossierQuery {
    /// The store's filter of this query, for a reader who may see `visible`.
    pub(crate) fn filter(self, visible: Visibility) -> DossierFilter {
        DossierFilter {
            visible,
            national_status: self.national_status,
            receiving: self.receiving,
            competent: self.competent,
            current_unit: self.current_unit,
            assignee: self.assignee,
            procedure_code: self.procedure_code,
            applicant_id: None,
            due_from: self.due_from,
            due_to: self.due_to,
            received_from: self.received_from,
            received_to: self.received_to,
            open_only: self.open_only,
            search: None,
            order: self.order,
            limit: self.limit,
            after: self.after,
        }
    }
}

use crate::{Accounts, Catalogue, Client, Queries};
use crate::{App, AppError};

/// At most this many dossiers in an officer's inbox (the most urgent first).
pub const INBOX_LIMIT: u32 = 300;

/// Everything about one dossier.
#[derive(Debug, Clone)]
pub struct DossierDetail {
    pub dossier: Dossier,
    pub events: Vec<Recorded>,
    pub timing: Timing,
    pub control_slip: Vec<SlipRow>,
    /// Set when the dossier is shown as it stood at a past instant.
    pub as_of: Option<DateTime<Utc>>,
    /// What the reader may do with it now (nothing, for a past instant).
    pub allowed: Vec<CommandKind>,
}

impl App {
    /// Whether the actor may read the dossier: a citizen their own (by account or receipt), an
    /// officer what the policy's read scope covers.
    pub(crate) async fn may_read(&self, actor: &Actor, d: &Dossier) -> Result<(), AppError> {
        if let Actor::Citizen { .. } = actor {
            return self.require_owner(actor, d).await;
        }
        let involved = d.involved_units();
        let scope = Scope::of(d, &involved);
        Ok(policy::authorize(
            actor,
            Action::Read,
            Some(&scope),
            &self.agencies(),
        )?)
    }

    /// What an actor's lists may show (everything for a reader of the whole tree).
    pub(crate) fn visibility(&self, actor: &Actor) -> Visibility {
        match policy::visible_scope(actor, &self.agencies()) {
            None => Visibility::All,
            Some((agencies, branches)) => Visibility::Within {
                agencies: agencies.iter().map(ToString::to_string).collect(),
                branches: branches.iter().map(ToString::to_string).collect(),
            },
        }
    }

    /// The id of the dossier of a code (not yet saying whether the asker may read it).
    pub(crate) async fn id_of_code(&self, code: &str) -> Result<DossierId, AppError> {
        let code = DossierCode::parse(code)?;
        self.db
            .dossier_id_by_code(code.as_str())
            .await?
            .ok_or_else(|| {
                AppError::not_found("dossier_not_found", format!("Không có hồ sơ mã {code}."))
            })
    }
}

impl Queries<'_> {
    /// A dossier with its events, timing and control slip; `as_of` replays the events up to a
    /// past instant (for complaints and inspections).
    pub async fn dossier_detail(
        self,
        actor: &Actor,
        id: DossierId,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<DossierDetail, AppError> {
        let current = self.app.readable_dossier(actor, id).await?;
        self.app.record_read(actor, &current, None).await;
        let all = self.app.db.events(id).await?;
        let (dossier, events, instant) = match as_of {
            None => (current, all, self.app.now()),
            Some(t) => {
                let then = Dossier::as_of(&all, t).ok_or_else(|| {
                    AppError::not_found(
                        "dossier_not_yet",
                        format!(
                            "Hồ sơ chưa có trong hệ thống vào thời điểm {}.",
                            to_vn(&t).format("%H:%M %d/%m/%Y")
                        ),
                    )
                })?;
                let events = all.into_iter().filter(|e| e.at <= t).collect();
                (then, events, t)
            }
        };
        let calendar = self.app.calendar_of(&dossier.receiving);
        let timing = dossier.timing(&calendar, &self.app.settings.rules, instant)?;
        let tree = self.app.agencies();
        let name = |a: &AgencyId| tree.name_of(a);
        let control_slip = control_slip(&events, &dossier, &timing, &name);
        // A citizen who got this far is the applicant (`may_read` checked it).
        let allowed = match as_of {
            None => self
                .app
                .allowed_for(actor, &dossier, matches!(actor, Actor::Citizen { .. })),
            Some(_) => Vec::new(),
        };
        Ok(DossierDetail {
            dossier,
            events,
            timing,
            control_slip,
            as_of,
            allowed,
        })
    }

    /// The id of a dossier by code, for an officer who may read it.
    pub async fn dossier_by_code(self, actor: &Actor, code: &str) -> Result<DossierId, AppError> {
        let id = self.app.id_of_code(code).await?;
        self.app.readable_dossier(actor, id).await?;
        Ok(id)
    }

    /// A page of dossiers the officer may see, matching the query.
    pub async fn list_dossiers(
        self,
        actor: &Actor,
        query: DossierQuery,
    ) -> Result<DossierPage, AppError> {
        let filter = query.filter(self.app.visibility(actor));
        Ok(self.app.db.list_dossiers(&filter).await?)
    }

    /// Hồ sơ cần xử lý — what waits for this officer, soonest due first: dossiers whose current
    /// step is assigned to them, those held by a unit where they hold a handling role, and, for a
    /// service centre's officers, the online submissions waiting to be checked.
    pub async fn inbox(self, actor: &Actor) -> Result<Vec<DossierRow>, AppError> {
        let Actor::Officer(o) = actor else {
            return Err(AppError::new(
                crate::ErrorKind::Forbidden,
                "forbidden",
                "Chỉ cán bộ có danh sách hồ sơ cần xử lý.",
            ));
        };
        let open = |f: DossierQuery| DossierQuery {
            open_only: true,
            limit: INBOX_LIMIT,
            ..f
        };
        let mut filters = vec![open(DossierQuery {
            assignee: Some(o.id.to_string()),
            ..Default::default()
        })];
        for g in &o.grants {
            if matches!(g.role, Role::Admin | Role::Auditor | Role::Citizen) {
                continue;
            }
            filters.push(open(DossierQuery {
                current_unit: Some(g.agency.to_string()),
                ..Default::default()
            }));
            if g.role == Role::CounterOfficer {
                filters.push(open(DossierQuery {
                    receiving: Some(g.agency.to_string()),
                    national_status: vec![NationalStatus::NewlyRegistered.code()],
                    ..Default::default()
                }));
                // Results waiting to be handed back are the counter's work too.
                filters.push(DossierQuery {
                    receiving: Some(g.agency.to_string()),
                    national_status: vec![NationalStatus::Done.code()],
                    limit: INBOX_LIMIT,
                    ..Default::default()
                });
            }
        }
        let mut rows: Vec<DossierRow> = Vec::new();
        for f in filters {
            for row in self.list_dossiers(actor, f).await?.rows {
                if !rows.iter().any(|r| r.id == row.id) {
                    rows.push(row);
                }
            }
        }
        // New online submissions to check first (they have no deadline yet, and the counter
        // owes them an answer); then the work by deadline; results waiting for the applicant
        // to collect them last.
        let rank = |r: &DossierRow| match r.stage.as_str() {
            "submitted" => 0,
            "result-ready" => 2,
            _ => 1,
        };
        rows.sort_by_key(|r| (rank(r), r.due.is_none(), r.due, r.received_at));
        rows.truncate(INBOX_LIMIT as usize);
        Ok(rows)
    }

    /// Every agency inside the officer's read grants.
    pub fn visible_agencies(self, actor: &Actor) -> Vec<String> {
        let tree = self.app.agencies();
        let roots = policy::visible_roots(actor);
        let mut out: Vec<String> = tree
            .all()
            .filter(|a| roots.iter().any(|r| tree.is_within(&a.id, r)))
            .map(|a| a.id.to_string())
            .collect();
        out.sort();
        out
    }

    /// Tra cứu công khai: only the code, the procedure name, the status and the appointment
    /// (TT 01/2018 Art. 16(2)(d)).
    pub async fn public_lookup(self, code: &str, client: &Client) -> Result<PublicView, AppError> {
        self.app
            .public_read(crate::throttle::PublicRead::Lookup, client)?;
        let code = DossierCode::parse(code)?;
        self.app
            .db
            .public_view(code.as_str())
            .await?
            .ok_or_else(|| {
                AppError::not_found(
                    "dossier_not_found",
                    format!(
                        "Không tìm thấy hồ sơ có mã {code}. Kiểm tra lại mã trên Giấy tiếp nhận."
                    ),
                )
            })
    }

    /// Every agency, sorted by id.
    pub fn agency_list(self) -> Vec<Agency> {
        let tree = self.app.agencies();
        let mut v: Vec<Agency> = tree.all().cloned().collect();
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v
    }
}

impl Catalogue<'_> {
    /// Procedures in force today, by code.
    pub async fn procedures(self) -> Result<Vec<ProcedureVersion>, AppError> {
        let mut all: Vec<ProcedureVersion> = self
            .app
            .catalog_in_force()
            .await?
            .versions
            .values()
            .cloned()
            .collect();
        all.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(all)
    }

    /// A procedure as in force today.
    /// The official form files attached to a procedure's forms.
    pub async fn form_files(self, code: &str) -> Result<Vec<store::ProcedureForm>, AppError> {
        Ok(self.app.db.procedure_forms(code).await?)
    }

    /// The file of a procedure's `n`-th form (from 1), with its bytes: for anyone.
    pub async fn form_file(
        self,
        code: &str,
        n: usize,
    ) -> Result<(store::ProcedureForm, store::Attachment), AppError> {
        let not_found =
            || AppError::not_found("file_not_found", "Mẫu đơn, tờ khai này chưa có tệp để tải.");
        let v = self.procedure(code).await?;
        let name = n
            .checked_sub(1)
            .and_then(|i| v.forms.get(i))
            .ok_or_else(not_found)?;
        let form = self
            .form_files(v.code.as_str())
            .await?
            .into_iter()
            .find(|f| &f.name == name)
            .ok_or_else(not_found)?;
        let bytes = self
            .app
            .db
            .attachment(&form.sha256)
            .await?
            .ok_or_else(not_found)?;
        Ok((form, bytes))
    }

    pub async fn procedure(self, code: &str) -> Result<ProcedureVersion, AppError> {
        self.app
            .catalog_in_force()
            .await?
            .versions
            .get(code.trim())
            .cloned()
            .ok_or_else(|| {
                AppError::not_found(
                    "procedure_not_found",
                    format!("Không có thủ tục {code} đang có hiệu lực."),
                )
            })
    }

    /// The agencies a procedure is offered at, by id.
    pub async fn procedure_agencies(self, code: &str) -> Result<Vec<String>, AppError> {
        Ok(self.app.db.procedure_agencies(code).await?)
    }
}

impl Accounts<'_> {
    /// The active officers holding a role in the agency or under it, by user name (who may be
    /// assigned, who works there).
    pub async fn officers_under(self, agency: &AgencyId) -> Result<Vec<Officer>, AppError> {
        let tree = self.app.agencies();
        let within: Vec<String> = tree
            .all()
            .filter(|a| tree.is_within(&a.id, agency))
            .map(|a| a.id.to_string())
            .collect();
        Ok(self.app.db.officers_in(&within).await?)
    }

    /// The active officers holding a role at exactly this unit, by user name.
    pub async fn officers_of_unit(self, unit: &AgencyId) -> Result<Vec<Officer>, AppError> {
        Ok(self.app.db.officers_in(&[unit.to_string()]).await?)
    }
}
