//! Dữ liệu trình diễn — a demo province (Lào Cai after the 2025 reorganisation) with real places,
//! real procedure codes, officers for every role, and months of generated history produced by the
//! same domain rules as real use. Every generated record is marked as demo data by its source:
//! the applicants are invented, the agencies' sub-codes are illustrative (see the data files).

mod history;
mod people;

use chrono::{Datelike, NaiveDate};
use domain::agency::{Agency, AgencyId, AgencyKind};
use domain::ids::{AgencyCode, CodeFormat, PersonName};
use domain::officer::{Officer, OfficerId, Role, RoleGrant};
use domain::unit::Regime;
use serde::Deserialize;
use uuid::Uuid;

use crate::{App, AppError};

pub use history::HistorySummary;

/// The demo province's agencies.
pub const PROVINCE: &str = include_str!("../../data/demo-province.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProvinceFile {
    agency: Vec<AgencyEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AgencyEntry {
    id: AgencyId,
    code: AgencyCode,
    name: String,
    kind: AgencyKind,
    parent: Option<AgencyId>,
    unit: Option<(Regime, String)>,
    note: Option<String>,
    /// Layout of the dossier codes a service centre issues (`tt01` by default, or `long2025`).
    #[serde(default)]
    code_format: CodeFormat,
}

/// The demo province's agencies. No identifier in it is verified against the shared catalogue.
pub fn agencies() -> Result<Vec<Agency>, AppError> {
    let file: ProvinceFile = toml::from_str(PROVINCE).map_err(|e| {
        AppError::invalid(
            "invalid_agencies",
            format!("Danh sách cơ quan không đọc được: {e}"),
        )
    })?;
    Ok(file
        .agency
        .into_iter()
        .map(|a| Agency {
            id: a.id,
            code: a.code,
            code_verified: false,
            name: a.name,
            kind: a.kind,
            parent: a.parent,
            unit: a.unit,
            code_format: a.code_format,
            valid_from: Some(NaiveDate::from_ymd_opt(2025, 7, 1).expect("valid date")),
            valid_to: None,
            successor: None,
            note: a.note,
            office_hours: None,
            saturday_reception: None,
        })
        .collect())
}

/// A demo account as printed for the person trying the system.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub username: String,
    pub role: Role,
    pub agency_name: String,
    pub full_name: String,
}

/// The officers of the demo: every role, in the province and in each commune.
pub fn officers(agencies: &[Agency]) -> Vec<Officer> {
    let mut out = Vec::new();
    let mut add = |username: &str, name: &str, title: &str, role: Role, agency: &str| {
        out.push(Officer {
            id: OfficerId(Uuid::new_v5(
                &Uuid::NAMESPACE_URL,
                format!("motcua-demo:{username}").as_bytes(),
            )),
            username: username.to_string(),
            full_name: PersonName::parse(name).expect("demo names are valid"),
            title: Some(title.to_string()),
            grants: vec![RoleGrant {
                role,
                agency: AgencyId::parse(agency).expect("demo agency ids are valid"),
            }],
            active: true,
        });
    };
    add(
        "quantri",
        "Nguyễn Quản Trị",
        "Quản trị hệ thống",
        Role::Admin,
        "lao-cai",
    );
    add(
        "thanhtra",
        "Đặng Văn Kiểm",
        "Thanh tra tỉnh",
        Role::Auditor,
        "lao-cai",
    );
    add(
        "lanhdao.tinh",
        "Hoàng Quốc Việt",
        "Phó Chủ tịch UBND tỉnh",
        Role::Leader,
        "lao-cai",
    );
    add(
        "motcua.tinh",
        "Vũ Thị Hạnh",
        "Công chức Trung tâm PVHCC tỉnh",
        Role::CounterOfficer,
        "lao-cai.ttpvhcc",
    );
    add(
        "vanthu.tinh",
        "Lê Thị Thu",
        "Văn thư Văn phòng UBND tỉnh",
        Role::Clerk,
        "lao-cai.vp-ubnd",
    );
    add(
        "truongphong.sotuphap",
        "Trần Văn Bình",
        "Trưởng phòng Hành chính tư pháp",
        Role::UnitHead,
        "lao-cai.so-tu-phap",
    );
    add(
        "chuyenvien.sotuphap",
        "Phạm Thị Ngọc",
        "Chuyên viên Sở Tư pháp",
        Role::Specialist,
        "lao-cai.so-tu-phap",
    );
    add(
        "canbo.congantinh",
        "Nguyễn Đức Thịnh",
        "Cán bộ Phòng Hồ sơ nghiệp vụ, Công an tỉnh",
        Role::Specialist,
        "lao-cai.cong-an",
    );
    add(
        "lanhdao.congantinh",
        "Trần Quang Minh",
        "Phó Giám đốc Công an tỉnh",
        Role::Leader,
        "lao-cai.cong-an",
    );
    add(
        "vanthu.congantinh",
        "Lê Thị Ngân",
        "Văn thư Công an tỉnh",
        Role::Clerk,
        "lao-cai.cong-an",
    );
    add(
        "chuyenvien.soxaydung",
        "Vi Văn Thắng",
        "Chuyên viên Phòng Quản lý xây dựng",
        Role::Specialist,
        "lao-cai.so-xay-dung",
    );
    add(
        "giamdoc.soxaydung",
        "Bùi Thị Phượng",
        "Giám đốc Sở Xây dựng",
        Role::Leader,
        "lao-cai.so-xay-dung",
    );
    add(
        "vanthu.soxaydung",
        "Đinh Thị Yến",
        "Văn thư Sở Xây dựng",
        Role::Clerk,
        "lao-cai.so-xay-dung",
    );
    add(
        "chuyenvien.bhxh",
        "Đỗ Minh Tuấn",
        "Chuyên viên Bảo hiểm xã hội tỉnh",
        Role::Specialist,
        "lao-cai.bhxh",
    );
    let staff: [(&str, &str, &str, Role, &str); 13] = [
        (
            "motcua",
            "Lò Thị Mai",
            "Công chức Trung tâm PVHCC",
            Role::CounterOfficer,
            "mot-cua",
        ),
        (
            "motcua2",
            "Sùng Seo Chứ",
            "Công chức Trung tâm PVHCC",
            Role::CounterOfficer,
            "mot-cua",
        ),
        (
            "tuphap",
            "Nguyễn Văn Hùng",
            "Công chức Tư pháp - Hộ tịch",
            Role::Specialist,
            "van-phong",
        ),
        (
            "tuphap2",
            "Hoàng Thị Thảo",
            "Công chức Tư pháp - Hộ tịch",
            Role::Specialist,
            "van-phong",
        ),
        (
            "chanhvanphong",
            "Trần Thị Lan",
            "Chánh Văn phòng HĐND và UBND",
            Role::UnitHead,
            "van-phong",
        ),
        (
            "vanthu",
            "Phạm Thị Hoa",
            "Văn thư",
            Role::Clerk,
            "van-phong",
        ),
        (
            "kinhte",
            "Giàng A Pàng",
            "Chuyên viên Phòng Kinh tế",
            Role::Specialist,
            "kinh-te",
        ),
        (
            "truongphong.kinhte",
            "Lý Văn Tài",
            "Trưởng phòng Kinh tế",
            Role::UnitHead,
            "kinh-te",
        ),
        (
            "vhxh",
            "Vàng Thị Sính",
            "Chuyên viên Phòng Văn hóa - Xã hội",
            Role::Specialist,
            "van-hoa-xa-hoi",
        ),
        (
            "congan",
            "Lý Văn Cường",
            "Cán bộ Công an",
            Role::Specialist,
            "cong-an",
        ),
        (
            "truongcongan",
            "Hầu A Lử",
            "Trưởng Công an",
            Role::Leader,
            "cong-an",
        ),
        (
            "vanthucongan",
            "Tẩn Thị Mẩy",
            "Cán bộ văn thư Công an",
            Role::Clerk,
            "cong-an",
        ),
        (
            "chutich",
            "Hoàng Văn Sơn",
            "Chủ tịch UBND",
            Role::Leader,
            "",
        ),
    ];
    for committee in agencies
        .iter()
        .filter(|a| a.kind == AgencyKind::CommuneCommittee)
    {
        let slug = committee
            .id
            .as_str()
            .trim_start_matches("lao-cai.")
            .replace('-', "");
        for (user, name, title, role, unit) in staff {
            let agency = if unit.is_empty() {
                committee.id.to_string()
            } else {
                format!("{}.{unit}", committee.id)
            };
            let place = committee.name.trim_start_matches("UBND ");
            add(
                &format!("{user}.{slug}"),
                name,
                &format!("{title} {place}"),
                role,
                &agency,
            );
        }
    }
    out
}

/// What seeding produced.
#[derive(Debug, Clone)]
pub struct DemoSummary {
    pub agencies: usize,
    pub procedures: usize,
    pub officers: usize,
    pub logins: Vec<DemoLogin>,
    pub history: HistorySummary,
    /// A citizen account of the demo: (personal id number, name).
    pub citizen: Option<(String, String)>,
}

/// The demo accounts worth showing (login page, `motcua demo`), from the agencies alone.
pub fn demo_logins(agencies: &[Agency]) -> Vec<DemoLogin> {
    logins(&officers(agencies), agencies)
}

/// The accounts worth printing: one of each role, in the province and in Xã Bảo Thắng.
fn logins(officers: &[Officer], agencies: &[Agency]) -> Vec<DemoLogin> {
    let wanted = [
        "motcua.baothang",
        "tuphap.baothang",
        "chanhvanphong.baothang",
        "chutich.baothang",
        "vanthu.baothang",
        "congan.baothang",
        "motcua.tinh",
        "lanhdao.tinh",
        "thanhtra",
        "quantri",
    ];
    wanted
        .iter()
        .filter_map(|u| officers.iter().find(|o| o.username == *u))
        .map(|o| DemoLogin {
            username: o.username.clone(),
            role: o.grants[0].role,
            agency_name: agencies
                .iter()
                .find(|a| a.id == o.grants[0].agency)
                .map(|a| a.name.clone())
                .unwrap_or_default(),
            full_name: o.full_name.to_string(),
        })
        .collect()
}

/// Seeds an empty database with the demo province, its catalogue, officers (all with `password`)
/// and history from `history_from` until now. Refuses a database that already has agencies.
pub async fn seed(
    app: &App,
    password: &str,
    history_from: NaiveDate,
) -> Result<DemoSummary, AppError> {
    seed_at_scale(app, password, history_from, 1).await
}

/// [`seed`], with `scale` times the demo's density of dossiers (for measurements on a large
/// database).
pub async fn seed_at_scale(
    app: &App,
    password: &str,
    history_from: NaiveDate,
    scale: u32,
) -> Result<DemoSummary, AppError> {
    let mut summary = seed_without_history(app, password).await?;
    app.admin()
        .import_units(&crate::units::UnitDataset::embedded())
        .await?;
    let catalog = crate::catalog::shipped()?;
    let agencies = self::agencies()?;
    summary.history = history::generate(
        app,
        &catalog,
        &officers(&agencies),
        history_from,
        scale.max(1),
    )
    .await?;
    summary.citizen = demo_citizen(app, password).await?;
    Ok(summary)
}

/// The demo's citizen accounts (id number, name), the first `n` made: invented people, shown
/// with the demo's logins.
pub async fn citizen_logins(app: &App, n: i64) -> Result<Vec<(String, String)>, AppError> {
    Ok(app
        .db()
        .some_citizens(n)
        .await?
        .into_iter()
        .map(|c| (c.id_number, c.name))
        .collect())
}

/// Gives the applicant of the latest returned dossier at Xã Bảo Thắng a portal account, so the
/// demo can be tried as a citizen (their dossiers, the rating).
async fn demo_citizen(app: &App, password: &str) -> Result<Option<(String, String)>, AppError> {
    let rows = app
        .db()
        .list_dossiers(&store::DossierFilter {
            visible: store::Visibility::All,
            receiving: Some("lao-cai.bao-thang.mot-cua".into()),
            national_status: vec![10],
            order: store::Order::LatestFirst,
            limit: 1,
            ..Default::default()
        })
        .await?
        .rows;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let Some(d) = app.db().dossier(domain::dossier::DossierId(row.id)).await? else {
        return Ok(None);
    };
    let account = app
        .citizens()
        .seed_account(&crate::citizens::Registration {
            name: d.applicant.display_name().to_string(),
            id_number: d.applicant.id_number().to_string(),
            password: password.to_string(),
            ..Default::default()
        })
        .await?;
    // As if they had typed the code and access code of their receipts: the account sees the
    // dossiers they applied for (a portal account sees nothing on its id number alone).
    let theirs = app
        .db()
        .list_dossiers(&store::DossierFilter {
            visible: store::Visibility::All,
            applicant_id: Some(account.id_number.clone()),
            limit: 200,
            ..Default::default()
        })
        .await?
        .rows;
    for row in theirs {
        app.db()
            .link_citizen_dossier(
                &account.id_number,
                row.id,
                "receipt",
                app.now().timestamp_millis(),
            )
            .await?;
    }
    Ok(Some((account.id_number, account.name)))
}

/// Generates history `scale` times as busy as the demo's (for benchmarks at a given size), on a
/// database seeded with [`seed_without_history`].
pub async fn add_history(
    app: &App,
    from: NaiveDate,
    scale: u32,
) -> Result<HistorySummary, AppError> {
    let catalog = crate::catalog::shipped()?;
    let agencies = self::agencies()?;
    history::generate(app, &catalog, &officers(&agencies), from, scale.max(1)).await
}

/// Seeds the demo province, its catalogue and officers, without generated dossiers (what tests
/// start from).
pub async fn seed_without_history(app: &App, password: &str) -> Result<DemoSummary, AppError> {
    if !app.db().agencies().await?.is_empty() {
        return Err(AppError::new(
            crate::ErrorKind::Rule,
            "already_seeded",
            "Cơ sở dữ liệu đã có dữ liệu; không nạp lại dữ liệu trình diễn.",
        ));
    }
    let agencies = agencies()?;
    app.db().put_agencies(&agencies).await?;
    app.admin().reload_agencies().await?;
    let catalog = crate::catalog::shipped()?;
    app.catalogue().import_catalog(&catalog).await?;
    // Every demo account has the same, printed password: hash it once.
    let hash = app.accounts().hash_officer_password(password, "").await?;
    let officers = officers(&agencies);
    for o in &officers {
        app.db().add_officer(o, &hash, None).await?;
    }
    // Each centre's queue serves three areas from its counters; Bảo Thắng also opens on the
    // coming Sunday morning for bookings.
    for centre in agencies
        .iter()
        .filter(|a| a.kind == AgencyKind::ServiceCenter)
    {
        app.db()
            .set_queue_areas(centre.id.as_str(), &queue_areas())
            .await?;
    }
    let today = lich::time::to_vn(&app.now()).date_naive();
    let sunday = today + chrono::Days::new(u64::from(7 - today.weekday().num_days_from_sunday()));
    app.db()
        .set_booking_rules(
            "lao-cai.bao-thang.mot-cua",
            &domain::queue::BookingRules {
                extra_sessions: vec![domain::queue::ExtraSession {
                    day: sunday,
                    hours: "07:30-11:30".into(),
                }],
                ..Default::default()
            },
        )
        .await?;
    Ok(DemoSummary {
        agencies: agencies.len(),
        procedures: catalog.len(),
        officers: officers.len(),
        logins: logins(&officers, &agencies),
        history: HistorySummary::default(),
        citizen: None,
    })
}

/// Khu vực dịch vụ of the demo's centres, by the catalogue's sectors.
fn queue_areas() -> Vec<domain::queue::ServiceArea> {
    let area = |key: &str, name: &str, sectors: &[&str]| domain::queue::ServiceArea {
        key: key.into(),
        name: name.into(),
        sectors: sectors.iter().map(|s| s.to_string()).collect(),
    };
    vec![
        area(
            "ho-tich",
            "Hộ tịch, chứng thực",
            &["Hộ tịch", "Chứng thực", "Nuôi con nuôi"],
        ),
        area(
            "dat-dai",
            "Đất đai, xây dựng",
            &["Đất đai", "Hoạt động xây dựng"],
        ),
        area(
            "khac",
            "Cư trú, kinh doanh, xã hội",
            &[
                "Đăng ký, quản lý cư trú",
                "Thành lập và hoạt động của hộ kinh doanh",
                "Bảo trợ xã hội",
                "Lý lịch tư pháp",
            ],
        ),
    ]
}

/// For the demo with its fake national portal only: the demo's invented agency identifiers are
/// confirmed by the demo administrator (logged as such), so its dossiers may be synchronised.
/// Returns how many agencies changed.
pub async fn confirm_codes_for_fake_portal(app: &App) -> Result<usize, AppError> {
    let Some((admin, _)) = app.db().officer_by_username("quantri").await? else {
        return Err(AppError::not_found(
            "officer_not_found",
            "Không có tài khoản quản trị trình diễn (quantri).",
        ));
    };
    let table: String = app
        .agencies()
        .all()
        .filter(|a| !a.code_verified)
        .map(|a| format!("{},{}\n", a.id, a.code))
        .collect();
    if table.is_empty() {
        return Ok(0);
    }
    app.admin()
        .import_agency_codes(&domain::officer::Actor::Officer(admin), &table)
        .await
}

/// Người dân trình diễn — for the demo's stand-in population database only: the citizens named
/// in the demo's newest dossiers (all invented by the demo), each once, with their number, name
/// and address.
pub async fn demo_residents(
    app: &App,
    limit: u32,
) -> Result<Vec<(String, String, domain::applicant::Address)>, AppError> {
    let page = app
        .db()
        .list_dossiers(&store::DossierFilter {
            visible: store::Visibility::All,
            limit,
            ..Default::default()
        })
        .await?;
    let ids: Vec<uuid::Uuid> = page.rows.iter().map(|r| r.id).collect();
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for d in app.db().dossiers(&ids).await? {
        if let domain::applicant::Applicant::Citizen {
            name,
            id_number,
            address,
            ..
        } = d.applicant
            && seen.insert(id_number.as_str().to_string())
        {
            out.push((id_number.as_str().to_string(), name.to_string(), address));
        }
    }
    Ok(out)
}
