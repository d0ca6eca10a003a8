//! Phân quyền — the one place that decides who may do what to which dossier. A role is held in an
//! agency and covers that agency and everything below it; each action names the role it needs
//! and the agency of the dossier that role must cover.

use crate::agency::{AgencyId, AgencyTree};
use crate::dossier::{CommandKind, Dossier};
use crate::error::DomainError;
use crate::officer::{Actor, Role};

/// Hành động.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Xem hồ sơ.
    Read,
    /// Hướng dẫn, tiếp nhận, từ chối tại quầy; tiếp nhận qua bưu chính; kiểm tra hồ sơ trực tuyến.
    Receive,
    /// Chuyển hồ sơ đến đơn vị giải quyết.
    Transfer,
    /// Phân công, phân công lại.
    Assign,
    /// Thẩm định, xác minh, lấy ý kiến, yêu cầu bổ sung, chờ nghĩa vụ tài chính, liên thông,
    /// chuyển bước.
    Handle,
    /// Trả lời xin ý kiến (the consulted unit).
    AnswerConsultation,
    /// Phê duyệt hoặc từ chối giải quyết.
    Approve,
    /// Vào số, phát hành kết quả.
    Issue,
    /// Xin lỗi, hẹn lại ngày trả; gia hạn hợp pháp.
    Apologize,
    /// Dừng giải quyết.
    Stop,
    /// Trả kết quả; thông báo trả sớm.
    Return,
    /// Quản lý danh mục thủ tục, cơ quan, lịch.
    ManageCatalog,
    /// Quản lý tài khoản.
    ManageUsers,
}

impl Action {
    /// Roles that may perform the action.
    fn roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            // The technical administrator (quản trị hệ thống) manages accounts and settings and
            // reads no dossier unless also granted an officer role: separation of duties.
            Action::Read => &[CounterOfficer, Specialist, UnitHead, Leader, Clerk, Auditor],
            Action::Receive | Action::Transfer | Action::Return => &[CounterOfficer],
            Action::Assign => &[UnitHead, Leader],
            Action::Handle => &[Specialist, UnitHead],
            Action::AnswerConsultation => &[Specialist, UnitHead, Leader],
            Action::Approve | Action::Stop => &[Leader],
            Action::Issue => &[Clerk],
            Action::Apologize => &[Leader, UnitHead],
            Action::ManageCatalog | Action::ManageUsers => &[Admin],
        }
    }

    fn label(self) -> &'static str {
        match self {
            Action::Read => "xem hồ sơ",
            Action::Receive => "tiếp nhận hồ sơ",
            Action::Transfer => "chuyển hồ sơ",
            Action::Assign => "phân công xử lý",
            Action::Handle => "xử lý hồ sơ",
            Action::AnswerConsultation => "trả lời xin ý kiến",
            Action::Approve => "phê duyệt",
            Action::Issue => "phát hành kết quả",
            Action::Apologize => "xin lỗi, hẹn lại",
            Action::Stop => "dừng giải quyết",
            Action::Return => "trả kết quả",
            Action::ManageCatalog => "quản lý danh mục",
            Action::ManageUsers => "quản lý tài khoản",
        }
    }
}

/// The agencies of a dossier an action is judged against.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// The service centre that received it.
    pub receiving: &'a AgencyId,
    /// The competent agency.
    pub competent: &'a AgencyId,
    /// The unit holding it now.
    pub current: Option<&'a AgencyId>,
    /// Every unit it has been at or consulted (read access for them).
    pub involved: &'a [AgencyId],
}

impl<'a> Scope<'a> {
    /// The scope of a dossier; `involved` is [`Dossier::involved_units`].
    pub fn of(d: &'a Dossier, involved: &'a [AgencyId]) -> Self {
        Scope {
            receiving: &d.receiving,
            competent: &d.competent,
            current: d.current_unit(),
            involved,
        }
    }

    /// The scope of a service centre's own work (reception, guidance).
    pub fn centre(centre: &'a AgencyId) -> Self {
        Scope {
            receiving: centre,
            competent: centre,
            current: None,
            involved: &[],
        }
    }

    /// The agencies a role must cover for an action.
    fn targets(&self, action: Action) -> Vec<&AgencyId> {
        match action {
            Action::Receive | Action::Transfer | Action::Return => vec![self.receiving],
            Action::Assign | Action::Handle => self.current.into_iter().collect(),
            Action::AnswerConsultation => self.involved.iter().collect(),
            Action::Approve | Action::Apologize | Action::Stop => vec![self.competent],
            // Vào số, phát hành: the competent agency's office, which holds the dossier then.
            Action::Issue => {
                let mut v = vec![self.competent];
                v.extend(self.current);
                v
            }
            Action::Read => {
                let mut v = vec![self.receiving, self.competent];
                v.extend(self.current);
                v.extend(self.involved.iter());
                v
            }
            Action::ManageCatalog | Action::ManageUsers => vec![],
        }
    }
}

/// Allows the action or says why not. Citizens act on their own dossiers through the citizen
/// commands, never through these actions.
pub fn authorize(
    actor: &Actor,
    action: Action,
    scope: Option<&Scope<'_>>,
    tree: &AgencyTree,
) -> Result<(), DomainError> {
    let refuse = || {
        DomainError::forbidden(format!(
            "Tài khoản không có quyền {} đối với hồ sơ này.",
            action.label()
        ))
    };
    let officer = match actor {
        Actor::Officer(o) if o.active => o,
        Actor::System => return Ok(()),
        _ => return Err(refuse()),
    };
    let roles = action.roles();
    let allowed = officer.grants.iter().any(|grant| {
        roles.contains(&grant.role)
            && match scope {
                // Administration: an admin grant anywhere; reading lists: any covering grant.
                None => true,
                Some(scope) => scope
                    .targets(action)
                    .iter()
                    .any(|target| tree.is_within(target, &grant.agency)),
            }
    });
    if allowed { Ok(()) } else { Err(refuse()) }
}

/// Who may give a command: an officer holding a role for an action, the applicant (or a counter
/// officer on the applicant's behalf), or the system itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Officer(Action),
    Applicant,
    System,
}

/// Bảng phân quyền lệnh — the permission each kind of command needs.
pub fn command_permission(kind: CommandKind) -> Who {
    use CommandKind::*;
    match kind {
        AcceptOnline | RefuseOnline | RequestIntakeSupplement | RecallTransfer => {
            Who::Officer(Action::Receive)
        }
        Transfer => Who::Officer(Action::Transfer),
        Assign => Who::Officer(Action::Assign),
        AddNote
        | RecordVerification
        | DraftResult
        | RequestConsultation
        | StartInterconnection
        | CompleteLeg
        | RequestSupplement
        | RequestFinancialObligation
        | WaitForAgency
        | EndPause
        | Extend
        | Forward => Who::Officer(Action::Handle),
        AnswerConsultation => Who::Officer(Action::AnswerConsultation),
        Decide => Who::Officer(Action::Approve),
        IssueResult => Who::Officer(Action::Issue),
        Apologize => Who::Officer(Action::Apologize),
        Stop => Who::Officer(Action::Stop),
        RevokeResult => Who::Officer(Action::Approve),
        NotifyEarlyReturn | Return => Who::Officer(Action::Return),
        // The counter collects and pays back; the handler records what another agency notified;
        // a leader waives.
        RecordPayment | RefundFee => Who::Officer(Action::Receive),
        AddFee => Who::Officer(Action::Handle),
        WaiveFee => Who::Officer(Action::Approve),
        // The counter corrects a receipt by replacing it; cancelling one alone is a leader's.
        ReplaceReceipt => Who::Officer(Action::Receive),
        CancelReceipt => Who::Officer(Action::Approve),
        SignReceipt => Who::System,
        SubmitSupplement | RequestWithdrawal => Who::Applicant,
        RecordCorrection => Who::System,
    }
}

/// Whether the actor may give a command of this kind on the dossier, judged on who they are
/// only (whether the dossier allows it now is [`crate::dossier::check`]'s). `leg` is the
/// interconnection leg a [`CommandKind::CompleteLeg`] names (`None`: any leg under way);
/// `applicant` whether the actor is the dossier's applicant, which the app knows.
pub fn may_command(
    actor: &Actor,
    d: &Dossier,
    kind: CommandKind,
    leg: Option<usize>,
    applicant: bool,
    tree: &AgencyTree,
) -> Result<(), DomainError> {
    let involved = d.involved_units();
    let scope = Scope::of(d, &involved);
    match (command_permission(kind), actor) {
        (Who::Officer(action), _) => {
            let allowed = authorize(actor, action, Some(&scope), tree);
            // Kết quả liên thông: an interconnected agency records its own part — of the leg
            // named, or (to offer it) of any leg under way.
            if allowed.is_err()
                && kind == CommandKind::CompleteLeg
                && let Some(ic) = &d.interconnection
            {
                let legs = ic.legs.iter().enumerate().filter(|(i, l)| match leg {
                    Some(n) => n == *i,
                    None => l.completed_at.is_none(),
                });
                for (_, l) in legs {
                    let leg_scope = Scope {
                        current: Some(&l.plan.agency),
                        ..scope
                    };
                    if authorize(actor, action, Some(&leg_scope), tree).is_ok() {
                        return Ok(());
                    }
                }
            }
            allowed
        }
        (Who::Applicant, Actor::Citizen { .. }) => {
            if applicant {
                Ok(())
            } else {
                Err(DomainError::forbidden(
                    "Chỉ người nộp hồ sơ mới thực hiện được việc này.",
                ))
            }
        }
        // A counter officer may record what the applicant brought to the counter.
        (Who::Applicant, _) => authorize(actor, Action::Receive, Some(&scope), tree),
        (Who::System, Actor::System) => Ok(()),
        (Who::System, _) => Err(DomainError::forbidden("Việc này do hệ thống tự thực hiện.")),
    }
}

/// The agencies whose officers may read a dossier (with a read grant there or above): its
/// receiving centre, its competent agency, and every unit it has been at or consulted — the
/// agencies [`Action::Read`] is judged against, sorted, once each. Lists show a dossier to the
/// same officers.
pub fn read_agencies(d: &Dossier) -> Vec<AgencyId> {
    let mut v: Vec<AgencyId> = [&d.receiving, &d.competent]
        .into_iter()
        .cloned()
        .chain(d.involved_units())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// The branches a dossier is found under by lists: [`AgencyTree::branch_of`] each of its
/// [`read_agencies`], sorted, once each.
pub fn read_branches(d: &Dossier, tree: &AgencyTree) -> Vec<AgencyId> {
    let mut v: Vec<AgencyId> = read_agencies(d).iter().map(|a| tree.branch_of(a)).collect();
    v.sort();
    v.dedup();
    v
}

/// What an officer's lists may show: `None` for everything (a read grant at the top of the
/// tree); else the agencies under their read grants and the branches those lie in.
pub fn visible_scope(actor: &Actor, tree: &AgencyTree) -> Option<(Vec<AgencyId>, Vec<AgencyId>)> {
    let roots = visible_roots(actor);
    if roots.iter().any(|r| tree.is_top(r)) {
        return None;
    }
    let mut agencies: Vec<AgencyId> = tree
        .all()
        .filter(|a| roots.iter().any(|r| tree.is_within(&a.id, r)))
        .map(|a| a.id.clone())
        .collect();
    agencies.sort();
    let mut branches: Vec<AgencyId> = roots.iter().map(|r| tree.branch_of(r)).collect();
    branches.sort();
    branches.dedup();
    Some((agencies, branches))
}

/// Whether an officer may see dossiers of an agency at all (for list filters).
pub fn visible_roots(actor: &Actor) -> Vec<AgencyId> {
    match actor {
        Actor::Officer(o) if o.active => o
            .grants
            .iter()
            .filter(|g| Action::Read.roles().contains(&g.role))
            .map(|g| g.agency.clone())
            .collect(),
        _ => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agency::AgencyKind;
    use crate::agency::tests::agency;
    use crate::ids::PersonName;
    use crate::officer::{Officer, OfficerId, RoleGrant};

    fn id(s: &str) -> AgencyId {
        AgencyId::parse(s).unwrap()
    }

    fn tree() -> AgencyTree {
        AgencyTree::new([
            agency("lc", "H38", AgencyKind::ProvincialCommittee, None),
            agency("lc.a", "H38.1", AgencyKind::CommuneCommittee, Some("lc")),
            agency(
                "lc.a.mc",
                "H38.1.1",
                AgencyKind::ServiceCenter,
                Some("lc.a"),
            ),
            agency("lc.a.vhxh", "H38.1.2", AgencyKind::Department, Some("lc.a")),
            agency("lc.b", "H38.2", AgencyKind::CommuneCommittee, Some("lc")),
            agency(
                "lc.b.mc",
                "H38.2.1",
                AgencyKind::ServiceCenter,
                Some("lc.b"),
            ),
        ])
    }

    fn officer(role: Role, at: &str) -> Actor {
        Actor::Officer(Officer {
            id: OfficerId(uuid::Uuid::nil()),
            username: "x".into(),
            full_name: PersonName::parse("Cán Bộ").unwrap(),
            title: None,
            grants: vec![RoleGrant {
                role,
                agency: id(at),
            }],
            active: true,
        })
    }

    #[test]
    fn an_officer_of_one_commune_cannot_touch_another_communes_dossier() {
        let t = tree();
        let (rec, comp, cur) = (id("lc.a.mc"), id("lc.a"), id("lc.a.vhxh"));
        let scope = Scope {
            receiving: &rec,
            competent: &comp,
            current: Some(&cur),
            involved: &[],
        };
        let ours = officer(Role::CounterOfficer, "lc.a.mc");
        let theirs = officer(Role::CounterOfficer, "lc.b.mc");
        assert!(authorize(&ours, Action::Receive, Some(&scope), &t).is_ok());
        assert!(authorize(&ours, Action::Read, Some(&scope), &t).is_ok());
        for action in [Action::Read, Action::Receive, Action::Return] {
            let e = authorize(&theirs, action, Some(&scope), &t).unwrap_err();
            assert_eq!(e.code, "forbidden");
        }
    }

    #[test]
    fn each_action_needs_its_role() {
        let t = tree();
        let (rec, comp, cur) = (id("lc.a.mc"), id("lc.a"), id("lc.a.vhxh"));
        let scope = Scope {
            receiving: &rec,
            competent: &comp,
            current: Some(&cur),
            involved: &[],
        };
        let specialist = officer(Role::Specialist, "lc.a.vhxh");
        let leader = officer(Role::Leader, "lc.a");
        let counter = officer(Role::CounterOfficer, "lc.a.mc");
        assert!(authorize(&specialist, Action::Handle, Some(&scope), &t).is_ok());
        assert!(authorize(&specialist, Action::Approve, Some(&scope), &t).is_err());
        assert!(authorize(&leader, Action::Approve, Some(&scope), &t).is_ok());
        assert!(authorize(&counter, Action::Approve, Some(&scope), &t).is_err());
        assert!(authorize(&counter, Action::Handle, Some(&scope), &t).is_err());
        // A province-level auditor reads every commune's dossiers but changes none.
        let auditor = officer(Role::Auditor, "lc");
        assert!(authorize(&auditor, Action::Read, Some(&scope), &t).is_ok());
        assert!(authorize(&auditor, Action::Handle, Some(&scope), &t).is_err());
    }

    #[test]
    fn branches_are_the_agencies_under_the_top() {
        let t = tree();
        assert_eq!(t.branch_of(&id("lc.a.vhxh")), id("lc.a"));
        assert_eq!(t.branch_of(&id("lc.a")), id("lc.a"));
        assert_eq!(t.branch_of(&id("lc")), id("lc"));
        // A commune officer sees their commune's agencies, found under its branch; a province
        // grant sees everything.
        let (agencies, branches) =
            visible_scope(&officer(Role::CounterOfficer, "lc.a.mc"), &t).unwrap();
        assert_eq!(agencies, vec![id("lc.a.mc")]);
        assert_eq!(branches, vec![id("lc.a")]);
        assert!(visible_scope(&officer(Role::Leader, "lc"), &t).is_none());
    }

    #[test]
    fn inactive_officers_and_citizens_use_no_officer_action() {
        let t = tree();
        let mut o = officer(Role::Admin, "lc");
        if let Actor::Officer(ref mut off) = o {
            off.active = false;
        }
        assert!(authorize(&o, Action::ManageCatalog, None, &t).is_err());
        let citizen = Actor::Citizen {
            name: PersonName::parse("Lò Văn A").unwrap(),
            id_number: None,
            access: crate::officer::CitizenAccess::Account,
        };
        assert!(authorize(&citizen, Action::Read, None, &t).is_err());
    }
}
