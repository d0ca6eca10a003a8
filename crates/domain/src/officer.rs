//! Cán bộ, vai trò — officers, their roles scoped to agencies, and who did something (the actor
//! recorded on every event).

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::agency::AgencyId;
use crate::ids::{Cccd, PersonName};

/// Vai trò.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Công dân, tổ chức.
    Citizen,
    /// Cán bộ tiếp nhận và trả kết quả (Bộ phận Một cửa).
    CounterOfficer,
    /// Chuyên viên thẩm định, xử lý.
    Specialist,
    /// Trưởng phòng / lãnh đạo đơn vị chuyên môn (phân công).
    UnitHead,
    /// Lãnh đạo cơ quan (phê duyệt, ký).
    Leader,
    /// Văn thư (vào số, đóng dấu kết quả).
    Clerk,
    /// Quản trị hệ thống.
    Admin,
    /// Thanh tra, kiểm tra (chỉ xem).
    Auditor,
}

impl Role {
    /// Every officer role (citizens are not officers).
    pub const OFFICER_ROLES: [Role; 7] = [
        Role::CounterOfficer,
        Role::Specialist,
        Role::UnitHead,
        Role::Leader,
        Role::Clerk,
        Role::Admin,
        Role::Auditor,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Role::Citizen => "Công dân",
            Role::CounterOfficer => "Cán bộ một cửa",
            Role::Specialist => "Chuyên viên",
            Role::UnitHead => "Trưởng đơn vị",
            Role::Leader => "Lãnh đạo",
            Role::Clerk => "Văn thư",
            Role::Admin => "Quản trị",
            Role::Auditor => "Thanh tra, kiểm tra",
        }
    }
}

/// A role held in an agency (and everything below it).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RoleGrant {
    pub role: Role,
    pub agency: AgencyId,
}

/// Mã cán bộ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OfficerId(pub Uuid);

impl fmt::Display for OfficerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Cán bộ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Officer {
    pub id: OfficerId,
    pub username: String,
    pub full_name: PersonName,
    /// Chức vụ ("Chủ tịch UBND xã", "Công chức Tư pháp - Hộ tịch").
    pub title: Option<String>,
    pub grants: Vec<RoleGrant>,
    pub active: bool,
}

impl Officer {
    /// Whether the officer holds `role` in `agency` exactly.
    pub fn has_role_in(&self, role: Role, agency: &AgencyId) -> bool {
        self.grants
            .iter()
            .any(|g| g.role == role && &g.agency == agency)
    }
}

/// Người thực hiện — who issued a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Officer(Officer),
    /// A citizen or an organisation's representative acting on their own dossier.
    Citizen {
        name: PersonName,
        id_number: Option<Cccd>,
        /// What shows they may act on a dossier: the number alone never does.
        access: CitizenAccess,
    },
    /// The system itself (scheduled jobs, automatic transfer of online dossiers).
    System,
}

/// Quyền của công dân đối với hồ sơ — how a citizen proved which dossiers are theirs. Knowing
/// someone's personal id number proves nothing; what the applicant was given does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CitizenAccess {
    /// Logged in to a portal account: the dossiers the account submitted, and those it linked
    /// with a receipt's code and access code (the application checks the link).
    Account,
    /// Signed in with the national identity (VNeID): the personal id number is proved, so every
    /// dossier filed under it is theirs, as well as the account's own.
    Identity,
    /// No account: the code and access code of this one dossier's receipt were given.
    Receipt(crate::dossier::DossierId),
    /// Acting for a dossier being opened (an online submission of the national portal, or the
    /// demo's history): no existing dossier is theirs.
    Submitting,
}

/// What an event records about its actor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorRef {
    pub kind: ActorKind,
    pub id: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActorKind {
    Officer,
    Citizen,
    System,
}

impl Actor {
    pub fn to_ref(&self) -> ActorRef {
        match self {
            Actor::Officer(o) => ActorRef {
                kind: ActorKind::Officer,
                id: Some(o.id.to_string()),
                name: o.full_name.to_string(),
            },
            Actor::Citizen {
                name, id_number, ..
            } => ActorRef {
                kind: ActorKind::Citizen,
                id: id_number.as_ref().map(|c| c.masked()),
                name: name.to_string(),
            },
            Actor::System => ActorRef {
                kind: ActorKind::System,
                id: None,
                name: "Hệ thống".into(),
            },
        }
    }

    pub fn officer(&self) -> Option<&Officer> {
        match self {
            Actor::Officer(o) => Some(o),
            _ => None,
        }
    }
}
