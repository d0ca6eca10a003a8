//! Khởi tạo tỉnh — a real province on an empty database: its agencies built from the embedded
//! 2025 administrative units and a standard structure the province may edit
//! (`data/province-template.toml`), the shipped catalogue, and the first administrator, written
//! in one transaction. `motcua init` and the first-run page both come here.

use std::collections::{BTreeMap, BTreeSet};

use domain::agency::{Agency, AgencyId, AgencyKind};
use domain::ids::{AgencyCode, CodeFormat, PersonName};
use domain::officer::{Officer, OfficerId, Role, RoleGrant};
use domain::unit::{AdminUnit, Regime, UnitLevel};
use serde::Deserialize;
use uuid::Uuid;

use crate::units::{UnitDataset, UnitDirectory};
use crate::{Admin, AppError, ErrorKind};

/// The standard structure of a province (the file a province copies and edits).
pub const TEMPLATE: &str = include_str!("../data/province-template.toml");

/// Cơ cấu chuẩn — which agencies a province and each of its communes start with.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    province: Level,
    commune: Level,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Level {
    /// Name of the People's Committee, with `{tinh}` or `{xa}`.
    committee: String,
    #[serde(default)]
    unit: Vec<UnitEntry>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct UnitEntry {
    id: String,
    name: String,
    /// The name in a ward or special zone (phường, đặc khu) when it differs.
    ward_name: Option<String>,
    kind: AgencyKind,
}

impl Template {
    /// The structure shipped with Một Cửa.
    pub fn standard() -> Self {
        Self::parse(TEMPLATE).expect("the shipped province template is valid")
    }

    /// Reads an edited structure; says which line is wrong.
    pub fn parse(text: &str) -> Result<Self, AppError> {
        let t: Template = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
                .map_or(String::new(), |n| format!(" (dòng {n})"));
            AppError::invalid(
                "invalid_template",
                format!(
                    "Tệp cơ cấu tỉnh không đọc được{line}: {}",
                    domain::error::shorten(e.message())
                ),
            )
        })?;
        for level in [&t.province, &t.commune] {
            let mut seen = BTreeSet::new();
            for u in &level.unit {
                let id = AgencyId::parse(&u.id)?;
                if id.as_str().contains('.') || !seen.insert(id) {
                    return Err(AppError::invalid(
                        "invalid_template",
                        format!(
                            "Mã \"{}\" trong tệp cơ cấu tỉnh phải là một từ (không dấu chấm) và không trùng.",
                            domain::error::shorten(&u.id)
                        ),
                    ));
                }
                if matches!(
                    u.kind,
                    AgencyKind::ProvincialCommittee | AgencyKind::CommuneCommittee
                ) {
                    return Err(AppError::invalid(
                        "invalid_template",
                        "UBND tỉnh và UBND xã được tạo sẵn; danh sách đơn vị không ghi lại.",
                    ));
                }
            }
        }
        if !t
            .commune
            .unit
            .iter()
            .any(|u| u.kind == AgencyKind::ServiceCenter)
        {
            return Err(AppError::invalid(
                "invalid_template",
                "Mỗi xã cần một Trung tâm Phục vụ hành chính công (kind = \"service-center\").",
            ));
        }
        Ok(t)
    }
}

/// What `motcua init` and the first-run page ask for.
#[derive(Debug, Clone, Default)]
pub struct ProvinceRequest {
    /// Mã tỉnh — the two-digit code of the province in the 2025 list ("15" is Lào Cai).
    pub province: String,
    /// Mã định danh cấp 1 (QĐ 20/2020) of the provincial People's Committee, e.g. `H38`.
    pub agency_code: String,
    /// Official identifiers known already, by internal id (`lao-cai.bao-thang`): these are
    /// marked verified; every other agency gets a provisional identifier under the level-1 code.
    pub codes: BTreeMap<String, String>,
    /// An edited structure (TOML text); the standard one when absent.
    pub template: Option<String>,
    /// The first administrator.
    pub admin_username: String,
    pub admin_name: String,
    pub admin_password: String,
}

/// What was created.
#[derive(Debug, Clone)]
pub struct ProvinceSummary {
    pub province: String,
    pub agencies: usize,
    pub communes: usize,
    pub procedures: usize,
    /// Agencies whose identifier is provisional (to be replaced by the official one).
    pub provisional_codes: usize,
    pub admin: String,
}

/// The 2025 provinces, by code, for the first-run page's choice.
pub fn provinces(dir: &UnitDirectory) -> Vec<AdminUnit> {
    let mut all: Vec<AdminUnit> = dir
        .children(Regime::TwoLevel, None)
        .into_iter()
        .filter(|u| u.level == UnitLevel::Province)
        .cloned()
        .collect();
    all.sort_by(|a, b| a.code.cmp(&b.code));
    all
}

/// "Tỉnh Lào Cai" → "tỉnh Lào Cai": a unit's name inside a sentence or another name.
fn in_sentence(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The internal id word of a unit: its folded name without the kind ("Xã Bảo Thắng" →
/// `bao-thang`).
fn slug(name: &str) -> String {
    let folded = vntext::unit_name_folded(name);
    let mut out = String::new();
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// Whether a commune-level unit is a ward or special zone (phường, đặc khu).
fn is_ward(u: &AdminUnit) -> bool {
    let kind = vntext::fold(&u.kind);
    kind.starts_with("phuong") || kind.starts_with("dac khu")
}

/// Builds the agencies of a province: the provincial committee and its units, then every
/// commune with its committee and units. Identifiers given in `codes` are verified; the others
/// are numbered under the level-1 code, in order, and marked provisional.
pub fn plan(
    dir: &UnitDirectory,
    template: &Template,
    request: &ProvinceRequest,
) -> Result<Vec<Agency>, AppError> {
    let province = dir
        .get(Regime::TwoLevel, request.province.trim())
        .filter(|u| u.level == UnitLevel::Province)
        .ok_or_else(|| {
            AppError::invalid(
                "unknown_province",
                format!(
                    "Không có tỉnh, thành phố mã \"{}\" trong danh mục đơn vị hành chính 2025.",
                    domain::error::shorten(&request.province)
                ),
            )
        })?;
    let level1 = AgencyCode::parse(&request.agency_code)?;
    if level1.as_str().contains('.') {
        return Err(AppError::invalid(
            "invalid_agency_code",
            "Mã định danh của UBND tỉnh là mã cấp 1 (một chữ cái và hai chữ số, ví dụ H38).",
        ));
    }
    let mut communes = dir.children(Regime::TwoLevel, Some(&province.code));
    communes.sort_by(|a, b| a.code.cmp(&b.code));
    let root = AgencyId::parse(&slug(&province.name))?;
    let tinh = in_sentence(&province.name);
    let mut committee = agency(
        root.clone(),
        level1.clone(),
        template.province.committee.replace("{tinh}", &tinh),
        AgencyKind::ProvincialCommittee,
        None,
        Some((Regime::TwoLevel, province.code.clone())),
    );
    // The level-1 identifier is the one the province entered.
    committee.code_verified = true;
    let mut out = vec![committee];
    // Level 2 under the province: its own units, then the communes.
    let level2 = template.province.unit.len() + communes.len();
    let width = if level2 <= 99 { 2 } else { 3 };
    let mut n = 0;
    let mut next = |parent: &AgencyCode| {
        n += 1;
        AgencyCode::parse(&format!("{parent}.{n:0width$}"))
    };
    for u in &template.province.unit {
        out.push(agency(
            AgencyId::parse(&format!("{root}.{}", u.id))?,
            next(&level1)?,
            u.name.replace("{tinh}", &tinh),
            u.kind,
            Some(root.clone()),
            None,
        ));
    }
    // A commune's id word never equals a provincial unit's.
    let mut taken: BTreeSet<String> = template
        .province
        .unit
        .iter()
        .map(|u| u.id.clone())
        .collect();
    for c in &communes {
        let word = match slug(&c.name) {
            w if taken.contains(&w) || w.is_empty() => format!("{}-{}", slug(&c.kind), c.code),
            w => w,
        };
        taken.insert(word.clone());
        let id = AgencyId::parse(&format!("{root}.{word}"))?;
        let code = next(&level1)?;
        out.extend(commune(dir, template, c, id, code, &root)?);
    }
    apply_codes(&mut out, &request.codes)?;
    follow_parents(&mut out)?;
    unique_codes(&out)?;
    for a in &mut out {
        if a.kind == AgencyKind::ServiceCenter && !a.code.fits_legacy() {
            a.code_format = CodeFormat::Long2025;
        }
    }
    Ok(out)
}

/// A commune's committee (with the units of 2024 it was formed from) and its units.
fn commune(
    dir: &UnitDirectory,
    template: &Template,
    c: &AdminUnit,
    id: AgencyId,
    code: AgencyCode,
    root: &AgencyId,
) -> Result<Vec<Agency>, AppError> {
    let xa = in_sentence(&c.name);
    let mut committee = agency(
        id.clone(),
        code.clone(),
        template.commune.committee.replace("{xa}", &xa),
        AgencyKind::CommuneCommittee,
        Some(root.clone()),
        Some((Regime::TwoLevel, c.code.clone())),
    );
    committee.note = formed_from(dir, c);
    let mut out = vec![committee];
    for (i, u) in template.commune.unit.iter().enumerate() {
        let name = match (&u.ward_name, is_ward(c)) {
            (Some(w), true) => w,
            _ => &u.name,
        };
        out.push(agency(
            AgencyId::parse(&format!("{id}.{}", u.id))?,
            AgencyCode::parse(&format!("{code}.{:02}", i + 1))?,
            name.replace("{xa}", &xa),
            u.kind,
            Some(id.clone()),
            None,
        ));
    }
    Ok(out)
}

/// A provisional identifier follows its parent's, official or not (`H38.61` → `H38.61.01`).
/// Parents come before their children.
pub(crate) fn follow_parents(out: &mut [Agency]) -> Result<(), AppError> {
    for i in 0..out.len() {
        let Some(parent) = out[i].parent.clone().filter(|_| !out[i].code_verified) else {
            continue;
        };
        let parent_code = out
            .iter()
            .find(|a| a.id == parent)
            .map(|a| a.code.clone())
            .expect("parents come first");
        let own = out[i]
            .code
            .as_str()
            .rsplit('.')
            .next()
            .unwrap_or("")
            .to_string();
        out[i].code = AgencyCode::parse(&format!("{parent_code}.{own}"))?;
    }
    Ok(())
}

fn agency(
    id: AgencyId,
    code: AgencyCode,
    name: String,
    kind: AgencyKind,
    parent: Option<AgencyId>,
    unit: Option<(Regime, String)>,
) -> Agency {
    Agency {
        id,
        code,
        code_verified: false,
        name,
        kind,
        parent,
        unit,
        code_format: CodeFormat::default(),
        valid_from: None,
        valid_to: None,
        successor: None,
        note: None,
        office_hours: None,
        saturday_reception: None,
    }
}

/// "Hình thành từ …": the units of 2024 a 2025 commune was formed from, for officers.
fn formed_from(dir: &UnitDirectory, commune: &AdminUnit) -> Option<String> {
    let old: Vec<String> = dir
        .predecessors(&commune.code)
        .iter()
        .map(|u| {
            let district = u
                .parent
                .as_deref()
                .and_then(|p| dir.get(Regime::ThreeLevel, p))
                .map(|d| format!(" ({})", in_sentence(&d.name)))
                .unwrap_or_default();
            format!("{}{district}", u.name)
        })
        .collect();
    (!old.is_empty()).then(|| {
        format!(
            "Hình thành từ {} theo sắp xếp đơn vị hành chính năm 2025.",
            old.join(", ")
        )
    })
}

/// Puts the official identifiers given in place of the provisional ones. Every id must name an
/// agency of the plan and no identifier may be used twice.
pub(crate) fn apply_codes(
    agencies: &mut [Agency],
    codes: &BTreeMap<String, String>,
) -> Result<(), AppError> {
    let mut bad = Vec::new();
    for (id, code) in codes {
        let Some(a) = agencies.iter_mut().find(|a| a.id.as_str() == id.trim()) else {
            bad.push(format!(
                "không có cơ quan mã nội bộ \"{}\"",
                domain::error::shorten(id)
            ));
            continue;
        };
        match AgencyCode::parse(code) {
            Ok(c) => {
                a.code = c;
                a.code_verified = true;
            }
            Err(e) => bad.push(e.message),
        }
    }
    bad_codes(bad)
}

/// Refuses a plan in which two agencies share an identifier.
pub(crate) fn unique_codes(agencies: &[Agency]) -> Result<(), AppError> {
    let mut seen = BTreeMap::new();
    let mut bad = Vec::new();
    for a in agencies {
        if let Some(other) = seen.insert(a.code.to_string(), a.id.to_string()) {
            bad.push(format!(
                "mã định danh {} dùng cho cả {other} và {}",
                a.code, a.id
            ));
        }
    }
    bad_codes(bad)
}

pub(crate) fn bad_codes(mut bad: Vec<String>) -> Result<(), AppError> {
    if bad.is_empty() {
        return Ok(());
    }
    bad.truncate(20);
    Err(AppError::invalid(
        "invalid_agency_codes",
        format!("Bảng mã định danh có lỗi: {}.", bad.join("; ")),
    ))
}

/// A password to print once for the first administrator: 16 random characters of an
/// alphabet without look-alikes (about 79 bits), in groups of four. It holds a letter and a
/// digit, so that with its hyphens it meets the officers' password policy (3 kinds of 4): about
/// one draw in 120 has no digit, and is drawn again.
pub fn one_time_password() -> Result<String, AppError> {
    loop {
        let password = draw_password()?;
        if password.contains(|c: char| c.is_ascii_digit())
            && password.contains(|c: char| c.is_ascii_lowercase())
        {
            return Ok(password);
        }
    }
}

fn draw_password() -> Result<String, AppError> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut chars = Vec::with_capacity(16);
    while chars.len() < 16 {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|_| {
            AppError::new(
                ErrorKind::Internal,
                "internal",
                "Không tạo được mật khẩu ngẫu nhiên.",
            )
        })?;
        // Bytes from 248 (8 × 31) up are dropped, so that every character is equally likely.
        chars.extend(
            bytes
                .iter()
                .filter(|b| **b < 248)
                .map(|b| ALPHABET[usize::from(*b) % 31] as char),
        );
    }
    chars.truncate(16);
    Ok(chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-"))
}

/// Reads the official identifiers from a table of two columns, the internal id and the QĐ
/// 20/2020 identifier (comma, semicolon or tab; a first line of headers is skipped), and says
/// which lines are wrong.
pub fn parse_codes(text: &str) -> Result<BTreeMap<String, String>, AppError> {
    let mut codes = BTreeMap::new();
    let mut bad = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let cells: Vec<&str> = line.split([',', ';', '\t']).map(str::trim).collect();
        if i == 0 && AgencyId::parse(cells[0]).is_err() {
            continue; // headers
        }
        match cells.as_slice() {
            [id, code] if AgencyId::parse(id).is_ok() && !code.is_empty() => {
                if codes.insert(id.to_string(), code.to_string()).is_some() {
                    bad.push(format!("dòng {}: {id} đã có ở dòng trước", i + 1));
                }
            }
            _ => bad.push(format!(
                "dòng {}: cần hai cột, mã nội bộ và mã định danh (\"{}\")",
                i + 1,
                domain::error::shorten(line)
            )),
        }
    }
    if codes.is_empty() && bad.is_empty() {
        bad.push("không có dòng mã nào (mỗi dòng hai cột: mã nội bộ và mã định danh)".into());
    }
    bad_codes(bad).map(|()| codes)
}

/// Checks a user name for an officer account and gives it in the form stored (lower case).
pub(crate) fn username(input: &str) -> Result<String, AppError> {
    let username = input.trim().to_lowercase();
    let valid = username.len() >= 3
        && username.len() <= 64
        && username
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_');
    if !valid {
        return Err(AppError::invalid(
            "invalid_username",
            "Tên đăng nhập gồm 3–64 chữ cái không dấu, chữ số, dấu chấm hoặc gạch dưới.",
        ));
    }
    if username.len() == 12 && username.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::invalid(
            "invalid_username",
            "Tên đăng nhập của cán bộ không được là 12 chữ số (dành cho số định danh công dân).",
        ));
    }
    Ok(username)
}

impl Admin<'_> {
    /// Creates a province on an empty database: units, agencies, the shipped catalogue and the
    /// first administrator (technical administrator of the whole province), in one
    /// transaction. `by` names who did it in the administration log (the command line, the
    /// first-run page). Refused, with nothing written, when the database has agencies.
    pub async fn create_province(
        self,
        request: &ProvinceRequest,
        by: &str,
    ) -> Result<ProvinceSummary, AppError> {
        if !self.app.is_empty().await? {
            return Err(already_set_up());
        }
        let template = match &request.template {
            Some(text) => Template::parse(text)?,
            None => Template::standard(),
        };
        let units = UnitDataset::embedded();
        let dir = UnitDirectory::new(&units);
        let agencies = plan(&dir, &template, request)?;
        let username = username(&request.admin_username)?;
        let admin = Officer {
            id: OfficerId(Uuid::now_v7()),
            username: username.clone(),
            full_name: PersonName::parse(&request.admin_name)?,
            title: Some("Quản trị hệ thống".into()),
            grants: vec![RoleGrant {
                role: Role::Admin,
                agency: agencies[0].id.clone(),
            }],
            active: true,
        };
        let hash = self
            .app
            .accounts()
            .hash_officer_password(&request.admin_password, &username)
            .await?;
        let catalog = crate::catalog::shipped()?;
        let communes = agencies
            .iter()
            .filter(|a| a.kind == AgencyKind::CommuneCommittee)
            .count();
        let province = agencies[0].name.clone();
        let detail = format!(
            "{province}: {} cơ quan, {communes} xã/phường, {} thủ tục; quản trị viên {username}",
            agencies.len(),
            catalog.len()
        );
        let created = self
            .app
            .db
            .create_province(&store::NewProvince {
                units: &units.units,
                successions: &units.successions,
                agencies: &agencies,
                procedures: &catalog,
                admin: &admin,
                admin_password_hash: &hash,
                log: self.app.entry(by, "khởi tạo tỉnh", &detail),
            })
            .await;
        match created {
            Err(store::StoreError::Duplicate(_)) => return Err(already_set_up()),
            other => other?,
        }
        self.reload_agencies().await?;
        // Units and catalogue read while the database was empty are read again, here and on
        // the other servers.
        self.app.forget_units();
        self.app.tell_servers(crate::cluster::Signal::Units).await;
        self.app.catalog_changed().await;
        Ok(ProvinceSummary {
            province,
            agencies: agencies.len(),
            communes,
            procedures: catalog.len(),
            provisional_codes: agencies.iter().filter(|a| !a.code_verified).count(),
            admin: username,
        })
    }
}

fn already_set_up() -> AppError {
    AppError::new(
        ErrorKind::Rule,
        "already_set_up",
        "Cơ sở dữ liệu đã có cơ quan, không khởi tạo lại. Khởi tạo chỉ chạy trên cơ sở dữ liệu trống \
         (tạo tệp cơ sở dữ liệu mới, hoặc dùng trang quản trị để sửa cơ quan).",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_ids_of_units() {
        assert_eq!(slug("Xã Bảo Thắng"), "bao-thang");
        assert_eq!(slug("Tỉnh Lào Cai"), "lao-cai");
        assert_eq!(slug("Thành phố Hồ Chí Minh"), "ho-chi-minh");
        assert_eq!(slug("Phường Đông Ngạc"), "dong-ngac");
        assert_eq!(in_sentence("Thành phố Hà Nội"), "thành phố Hà Nội");
    }

    #[test]
    fn one_time_passwords_are_random_groups_without_look_alikes() {
        let a = one_time_password().unwrap();
        let b = one_time_password().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.split('-').map(str::len).collect::<Vec<_>>(), [4, 4, 4, 4]);
        assert!(!a.contains(['0', 'o', '1', 'l', 'i']), "{a}");
    }

    #[test]
    fn every_one_time_password_meets_the_officers_password_policy() {
        // One draw in about 120 has no digit: 5,000 passwords hold dozens of such draws.
        for _ in 0..5_000 {
            let p = one_time_password().unwrap();
            crate::passwords::PasswordPolicy::OFFICER
                .check(&p, "quantri")
                .unwrap_or_else(|e| panic!("{p}: {}", e.message));
        }
    }

    #[test]
    fn a_codes_table_reports_its_bad_lines() {
        let ok = parse_codes("ma_noi_bo;ma_dinh_danh\nlao-cai.bao-thang;H38.61\n").unwrap();
        assert_eq!(ok["lao-cai.bao-thang"], "H38.61");
        // A file with no codes (a header alone, another file) is said, not taken as nothing to do.
        for empty in ["", "ma_noi_bo;ma_dinh_danh\n", "[]", "# ghi chú\n\n"] {
            let e = parse_codes(empty).unwrap_err();
            assert!(
                e.message.contains("không có dòng mã nào"),
                "{empty:?}: {}",
                e.message
            );
        }
        let e = parse_codes("lao-cai.a,H38.01\nlao-cai.b\nlao-cai.a,H38.02\n").unwrap_err();
        assert!(e.message.contains("dòng 2"), "{}", e.message);
        assert!(e.message.contains("dòng 3"), "{}", e.message);
    }

    #[test]
    fn a_template_without_a_commune_centre_is_refused() {
        let text = TEMPLATE.replace("kind = \"service-center\"", "kind = \"office\"");
        let e = Template::parse(&text).unwrap_err();
        assert_eq!(e.code, "invalid_template");
    }
}
