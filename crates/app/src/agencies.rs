//! Cơ quan, đơn vị — an administrator's changes to the agencies of a province: official QĐ
//! 20/2020 identifiers in bulk (replacing the provisional ones `motcua init` gave), a new unit,
//! a new name, and closing an agency into its successor as the 2025 reorganisation merged
//! communes: the successor takes over its dossiers (the closed agency moves under it) and it
//! receives no new ones. Each change is logged and written in one transaction.

use chrono::NaiveDate;
use domain::agency::{Agency, AgencyId, AgencyKind, AgencyTree};
use domain::ids::{AgencyCode, CodeFormat};
use domain::officer::Actor;
use domain::policy::Action;

use crate::{Admin, AppError, ErrorKind};

/// A new agency under an existing one.
#[derive(Debug, Clone, Default)]
pub struct NewAgency {
    /// The agency above it (internal id).
    pub parent: String,
    /// The last word of its internal id (`phong-tu-phap` → `lao-cai.bao-thang.phong-tu-phap`).
    pub word: String,
    pub name: String,
    pub kind: Option<AgencyKind>,
    /// Its QĐ 20/2020 identifier; a provisional one under the parent's when empty.
    pub code: String,
}

fn not_found(id: &str) -> AppError {
    AppError::not_found(
        "agency_not_found",
        format!(
            "Không có cơ quan mã nội bộ \"{}\".",
            domain::error::shorten(id)
        ),
    )
}

fn require(tree: &AgencyTree, id: &str) -> Result<Agency, AppError> {
    AgencyId::parse(id)
        .ok()
        .and_then(|id| tree.get(&id).cloned())
        .ok_or_else(|| not_found(id))
}

/// The name an agency is known by: trimmed, one space between words, 2 to 200 characters.
fn agency_name(text: &str) -> Result<String, AppError> {
    let name = vntext::clean(text);
    if !(2..=200).contains(&name.chars().count()) {
        return Err(AppError::invalid(
            "invalid_agency_name",
            "Tên cơ quan từ 2 đến 200 ký tự.",
        ));
    }
    Ok(name)
}

/// Refuses an identifier another agency already has.
fn code_free(tree: &AgencyTree, code: &AgencyCode, of: &AgencyId) -> Result<(), AppError> {
    match tree.all().find(|a| &a.code == code && &a.id != of) {
        Some(other) => Err(AppError::new(
            ErrorKind::Rule,
            "agency_code_taken",
            format!("Mã định danh {code} đã dùng cho {}.", other.name),
        )),
        None => Ok(()),
    }
}

/// A centre whose identifier does not fit the TT 01/2018 layout issues long codes.
fn fit_format(a: &mut Agency) {
    if a.kind == AgencyKind::ServiceCenter && !a.code.fits_legacy() {
        a.code_format = CodeFormat::Long2025;
    }
}

impl Admin<'_> {
    async fn save(
        self,
        actor: &Actor,
        changed: &[Agency],
        action: &str,
        detail: &str,
    ) -> Result<(), AppError> {
        let admin = self.app.admin_name(actor, Action::ManageUsers)?;
        self.app
            .db
            .change_agencies(changed, &self.app.entry(&admin, action, detail))
            .await?;
        self.reload_agencies().await
    }

    /// Sets official identifiers from a table of internal id and identifier (see
    /// [`crate::province::parse_codes`]): all or none. The provisional identifiers of the units
    /// below follow. Returns how many agencies changed.
    pub async fn import_agency_codes(self, actor: &Actor, text: &str) -> Result<usize, AppError> {
        self.app.admin_name(actor, Action::ManageUsers)?;
        let codes = crate::province::parse_codes(text)?;
        let tree = self.app.agencies();
        let mut all: Vec<Agency> = tree.all().cloned().collect();
        crate::province::apply_codes(&mut all, &codes)?;
        let before: std::collections::HashMap<AgencyId, AgencyCode> =
            tree.all().map(|a| (a.id.clone(), a.code.clone())).collect();
        let mut ordered = by_depth(&tree, all);
        crate::province::follow_parents(&mut ordered)?;
        for a in &mut ordered {
            fit_format(a);
        }
        crate::province::unique_codes(&ordered)?;
        let changed: Vec<Agency> = ordered
            .into_iter()
            .filter(|a| {
                before.get(&a.id) != Some(&a.code)
                    || (codes.contains_key(a.id.as_str())
                        && !tree.get(&a.id).is_some_and(|o| o.code_verified))
            })
            .collect();
        let detail = format!(
            "{} mã định danh chính thức; {} cơ quan đổi mã",
            codes.len(),
            changed.len()
        );
        self.save(actor, &changed, "nhập mã định danh", &detail)
            .await?;
        Ok(changed.len())
    }

    /// Adds a unit under an existing agency.
    pub async fn create_agency(self, actor: &Actor, n: &NewAgency) -> Result<Agency, AppError> {
        self.app.admin_name(actor, Action::ManageUsers)?;
        let tree = self.app.agencies();
        let parent = require(&tree, &n.parent)?;
        let id = AgencyId::parse(&format!("{}.{}", parent.id, n.word.trim()))?;
        if n.word.contains('.') || tree.get(&id).is_some() {
            return Err(AppError::new(
                ErrorKind::Rule,
                "agency_exists",
                format!("Đã có cơ quan mã nội bộ {id} (hoặc mã có dấu chấm)."),
            ));
        }
        let kind = n
            .kind
            .ok_or_else(|| AppError::invalid("invalid_kind", "Chọn loại cơ quan."))?;
        let (code, verified) = match n.code.trim() {
            "" => {
                // The next number under the parent's identifier.
                let taken = tree.children(&parent.id).len() + 1;
                let code = (taken..)
                    .map(|k| AgencyCode::parse(&format!("{}.{k:02}", parent.code)))
                    .find(|c| c.as_ref().is_ok_and(|c| code_free(&tree, c, &id).is_ok()))
                    .expect("a free number exists")?;
                (code, false)
            }
            text => (AgencyCode::parse(text)?, true),
        };
        code_free(&tree, &code, &id)?;
        let mut agency = Agency {
            id,
            code,
            code_verified: verified,
            name: agency_name(&n.name)?,
            kind,
            parent: Some(parent.id.clone()),
            unit: None,
            code_format: CodeFormat::default(),
            valid_from: Some(lich::time::to_vn(&self.app.now()).date_naive()),
            valid_to: None,
            successor: None,
            note: None,
            office_hours: None,
            saturday_reception: None,
        };
        fit_format(&mut agency);
        let detail = format!("{} ({}) thuộc {}", agency.name, agency.id, parent.name);
        self.save(
            actor,
            std::slice::from_ref(&agency),
            "thêm cơ quan",
            &detail,
        )
        .await?;
        Ok(agency)
    }

    /// Gives an agency a new name (its id and identifier stay).
    pub async fn rename_agency(
        self,
        actor: &Actor,
        id: &str,
        name: &str,
    ) -> Result<Agency, AppError> {
        self.app.admin_name(actor, Action::ManageUsers)?;
        let mut a = require(&self.app.agencies(), id)?;
        let old = std::mem::replace(&mut a.name, agency_name(name)?);
        let detail = format!("{}: {old} → {}", a.id, a.name);
        self.save(actor, std::slice::from_ref(&a), "đổi tên cơ quan", &detail)
            .await?;
        Ok(a)
    }

    /// Closes an agency into its successor from `on`: it moves under the successor, whose
    /// officers then see and finish its dossiers, and it receives none after that day.
    pub async fn close_agency(
        self,
        actor: &Actor,
        id: &str,
        successor: &str,
        on: NaiveDate,
    ) -> Result<Agency, AppError> {
        self.app.admin_name(actor, Action::ManageUsers)?;
        let tree = self.app.agencies();
        let mut a = require(&tree, id)?;
        let to = require(&tree, successor)?;
        if a.valid_to.is_some() {
            return Err(AppError::new(
                ErrorKind::Rule,
                "agency_closed",
                format!("{} đã giải thể hoặc sáp nhập.", a.name),
            ));
        }
        if to.id == a.id || tree.is_within(&to.id, &a.id) || to.valid_to.is_some() {
            return Err(AppError::new(
                ErrorKind::Rule,
                "invalid_successor",
                "Cơ quan tiếp nhận phải là một cơ quan khác đang hoạt động, không thuộc cơ quan bị \
                 giải thể.",
            ));
        }
        a.valid_to = Some(on);
        a.successor = Some(to.id.clone());
        a.parent = Some(to.id.clone());
        let detail = format!(
            "{} ({}) từ {} sáp nhập vào {}",
            a.name,
            a.id,
            on.format("%d/%m/%Y"),
            to.name
        );
        self.save(actor, std::slice::from_ref(&a), "sáp nhập cơ quan", &detail)
            .await?;
        Ok(a)
    }
}

impl Admin<'_> {
    /// Sets an agency's office hours and Saturday reception hours (empty: the standard hours,
    /// or those of the agency above; no Saturday reception). Deadlines of dossiers received
    /// afterwards are counted with them.
    pub async fn set_office_hours(
        self,
        actor: &Actor,
        id: &str,
        hours: &str,
        saturday: &str,
    ) -> Result<Agency, AppError> {
        self.app.admin_name(actor, Action::ManageUsers)?;
        let mut a = require(&self.app.agencies(), id)?;
        let checked = |text: &str| -> Result<Option<String>, AppError> {
            match text.trim() {
                "" => Ok(None),
                t => {
                    lich::OfficeHours::parse(t)?;
                    Ok(Some(t.to_string()))
                }
            }
        };
        a.office_hours = checked(hours)?;
        a.saturday_reception = checked(saturday)?;
        let detail = format!(
            "{}: giờ làm việc {}; tiếp nhận thứ Bảy {}",
            a.name,
            a.office_hours.as_deref().unwrap_or("theo chuẩn"),
            a.saturday_reception.as_deref().unwrap_or("không")
        );
        self.save(actor, std::slice::from_ref(&a), "đặt giờ làm việc", &detail)
            .await?;
        Ok(a)
    }
}

impl Admin<'_> {
    /// Nơi tiếp nhận — the People's Committees of the procedure's level that receive and decide
    /// it (through their centres); an empty list: every one of them. A procedure marked
    /// "anywhere" (phi địa giới) is received at any of them whatever the applicant's address.
    pub async fn set_procedure_agencies(
        self,
        actor: &Actor,
        code: &str,
        agencies: &[String],
    ) -> Result<Vec<String>, AppError> {
        let admin = self.app.admin_name(actor, Action::ManageCatalog)?;
        let today = lich::time::to_vn(&self.app.now()).date_naive();
        let procedure = self
            .app
            .db
            .procedure_in_force(code.trim(), today)
            .await?
            .ok_or_else(|| {
                AppError::not_found(
                    "procedure_not_found",
                    format!(
                        "Không có thủ tục \"{}\" đang có hiệu lực.",
                        domain::error::shorten(code)
                    ),
                )
            })?;
        let level = match procedure.level {
            domain::procedure::ProcedureLevel::Commune => AgencyKind::CommuneCommittee,
            domain::procedure::ProcedureLevel::Province => AgencyKind::ProvincialCommittee,
        };
        let tree = self.app.agencies();
        let mut chosen = Vec::new();
        for id in agencies.iter().map(|a| a.trim()).filter(|a| !a.is_empty()) {
            let a = require(&tree, id)?;
            if a.kind != level || a.valid_to.is_some() {
                return Err(AppError::invalid(
                    "invalid_agency",
                    format!(
                        "{} không giải quyết thủ tục cấp này (chọn UBND cấp {} đang hoạt động).",
                        a.name,
                        if level == AgencyKind::CommuneCommittee {
                            "xã"
                        } else {
                            "tỉnh"
                        }
                    ),
                ));
            }
            chosen.push(a.id.to_string());
        }
        chosen.sort();
        chosen.dedup();
        let detail = format!(
            "{} {}: {}",
            procedure.code,
            procedure.name,
            if chosen.is_empty() {
                "mọi UBND cùng cấp".to_string()
            } else {
                format!("{} cơ quan", chosen.len())
            }
        );
        self.app
            .db
            .set_procedure_agencies(
                procedure.code.as_str(),
                &chosen,
                Some(&self.app.entry(&admin, "đặt nơi tiếp nhận thủ tục", &detail)),
            )
            .await?;
        Ok(chosen)
    }
}

/// Agencies parents first.
fn by_depth(tree: &AgencyTree, mut all: Vec<Agency>) -> Vec<Agency> {
    let depth = |a: &Agency| {
        let mut n = 0;
        let mut p = a.parent.clone();
        while let Some(id) = p.filter(|_| n < 32) {
            n += 1;
            p = tree.get(&id).and_then(|x| x.parent.clone());
        }
        n
    };
    all.sort_by_key(|a| (depth(a), a.id.clone()));
    all
}
