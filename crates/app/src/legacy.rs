//! Chuyển hồ sơ từ hệ thống cũ — `motcua import dossiers`: the open and recent dossiers of the
//! province's incumbent system, in the national synchronisation payload every vendor system
//! already produces (vn-framework §3.3: MaHoSo, MaTTHC, KenhThucHien, MaDonViTiepNhan, NgayNop,
//! NgayTiepNhan, NgayHenTra, NgayKetThucXuLy, TrangThai, ThongTinNguoiNop, ThanhPhanHoSo,
//! TienTrinh), plus `NgayTraKetQua` for the return. Every record is checked and every problem
//! reported with its position; only a clean bundle is written, in one transaction. Codes are
//! kept (the centre's daily sequence continues after them), a code already here is skipped (a
//! second run imports nothing twice), and the history becomes the dossier's imported event (see
//! `domain::dossier::Imported`). An open dossier continues here with its limit counted again by
//! this calendar; where that differs from the incumbent's promised date, the report says so.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use domain::agency::{AgencyId, AgencyKind, AgencyTree};
use domain::applicant::{Address, Applicant};
use domain::dossier::{
    Context, DossierId, Imported, LegacyStep, LegacySupplement, NewDossier, Recorded, ReturnMethod,
    StepEntry, SubmittedComponent, fact_delta, import,
};
use domain::ids::{Cccd, DossierCode, Email, PersonName, PhoneNumber};
use domain::officer::{Actor, ActorKind, ActorRef};
use domain::policy::Action;
use domain::procedure::{Channel, ProcedureVersion, StepKind};
use lich::time::to_vn;
use serde::Deserialize;
use uuid::Uuid;

use crate::catalog::{RowError, rows_message};
use crate::{Admin, AppError};

/// A bundle: the records, and the incumbent system's name.
#[derive(Debug, Deserialize)]
struct Bundle {
    #[serde(rename = "NguonDuLieu", default)]
    source: Option<String>,
    #[serde(rename = "HoSo")]
    records: Vec<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct Record {
    #[serde(rename = "MaHoSo")]
    code: String,
    #[serde(rename = "MaTTHC")]
    procedure: String,
    #[serde(rename = "KenhThucHien", default = "in_person")]
    channel: u8,
    #[serde(rename = "MaDonViTiepNhan")]
    receiving: String,
    #[serde(rename = "NgayNop")]
    submitted: String,
    #[serde(rename = "NgayTiepNhan")]
    received: String,
    #[serde(rename = "NgayHenTra")]
    appointment: String,
    #[serde(rename = "NgayKetThucXuLy", default)]
    ended: Option<String>,
    #[serde(rename = "NgayTraKetQua", default)]
    returned: Option<String>,
    #[serde(rename = "TrangThai")]
    status: u8,
    #[serde(rename = "ThongTinNguoiNop")]
    submitter: Submitter,
    #[serde(rename = "ThanhPhanHoSo", default)]
    components: Vec<Component>,
    #[serde(rename = "TienTrinh", default)]
    history: Vec<Step>,
}

fn in_person() -> u8 {
    1
}

#[derive(Debug, Deserialize)]
struct Submitter {
    #[serde(rename = "ThongTinChiTiet")]
    detail: Detail,
}

#[derive(Debug, Deserialize)]
struct Detail {
    #[serde(rename = "TenNguoiNop")]
    name: String,
    #[serde(rename = "SoDinhDanh")]
    id_number: String,
    #[serde(rename = "SoDienThoai", default)]
    phone: Option<String>,
    #[serde(rename = "Email", default)]
    email: Option<String>,
    #[serde(rename = "MaXa", default)]
    commune: Option<String>,
    #[serde(rename = "DiaChiChiTiet", default)]
    address: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Component {
    #[serde(rename = "TenThanhPhanHoSo")]
    name: String,
    #[serde(rename = "SoLuong", default = "one")]
    copies: u32,
    #[serde(rename = "GiayToDinhKem", default)]
    attachments: Vec<Attached>,
}

/// A file of a component, named by its SHA-256 (HashTepTin).
#[derive(Debug, Deserialize)]
struct Attached {
    #[serde(rename = "TenGiayTo", default)]
    name: String,
    #[serde(rename = "HashTepTin")]
    sha256: String,
}

/// Where the bundle's files are: the bytes of a file by its SHA-256 (hex, lower case), when the
/// bundle carries it.
pub type Files<'a> = &'a (dyn Fn(&str) -> Option<Vec<u8>> + Sync);

/// A file to store before the dossiers are written.
struct Keep {
    sha256: String,
    media_type: &'static str,
    content: Vec<u8>,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Deserialize)]
struct Step {
    #[serde(rename = "NguoiXuLy", default)]
    officer: String,
    #[serde(rename = "ThoiDiemXuLy")]
    at: String,
    #[serde(rename = "PhongBanXuLy", default)]
    unit: String,
    #[serde(rename = "NoiDungXuLy", default)]
    content: String,
    #[serde(rename = "TrangThai")]
    status: u8,
}

/// A record ready to write: the change, its outcome, its number in its centre's sequence, and
/// the files to store.
type Planned = (
    store::Change,
    RowOutcome,
    Option<(String, NaiveDate, u32)>,
    Vec<Keep>,
);

/// What happened to one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowOutcome {
    /// Its position in the bundle (1 for the first record).
    pub row: usize,
    pub code: String,
    /// Imported (or, in a dry run, would be).
    pub imported: bool,
    /// Why it was left out (already here).
    pub skipped: Option<String>,
    /// The due counted here against the incumbent's promised date, for an open dossier whose
    /// two differ.
    pub difference: Option<String>,
    /// Components and files not taken over (kept in the incumbent's words only).
    pub left_out: Vec<String>,
}

/// What an import did, or would do.
#[derive(Debug, Clone, Default)]
pub struct DossierImport {
    pub rows: Vec<RowOutcome>,
    pub imported: usize,
    pub skipped: usize,
    pub dry_run: bool,
}

fn instant(text: &str, what: &str) -> Result<DateTime<Utc>, String> {
    lich::time::parse_instant(text)
        .map(|t| t.to_utc())
        .map_err(|_| {
            format!(
                "{what} \"{}\" không đúng dạng yyyy-MM-dd HH:mm:ss",
                domain::error::shorten(text)
            )
        })
}

/// The receiving centre named by its QĐ 20/2020 identifier or its internal id.
fn centre(tree: &AgencyTree, text: &str) -> Option<AgencyId> {
    let code = text.trim().to_uppercase();
    tree.all()
        .find(|a| a.kind == AgencyKind::ServiceCenter && a.code.as_str() == code)
        .map(|a| a.id.clone())
        .or_else(|| {
            AgencyId::parse(text).ok().filter(|id| {
                tree.get(id)
                    .is_some_and(|a| a.kind == AgencyKind::ServiceCenter)
            })
        })
}

/// The unit an open dossier continues at: the one its last step names, when the competent
/// agency has a unit of that name; else the competent agency's office.
fn continuing_unit(tree: &AgencyTree, competent: &AgencyId, last_unit: &str) -> AgencyId {
    let wanted = vntext::fold(last_unit);
    let under: Vec<_> = tree
        .all()
        .filter(|a| a.parent.as_ref() == Some(competent) && a.valid_to.is_none())
        .collect();
    under
        .iter()
        .find(|a| !wanted.is_empty() && vntext::fold(&a.name).contains(&wanted))
        .or_else(|| under.iter().find(|a| a.kind == AgencyKind::Office))
        .map_or_else(|| competent.clone(), |a| a.id.clone())
}

/// Components taken over, files to store, and what was left out.
type Taken = (Vec<SubmittedComponent>, Vec<Keep>, Vec<String>);

/// The submitted components the procedure lists, matched by name, with the files the bundle
/// carries (checked against their hash, PDF, JPEG or PNG); the files to store; and the names of
/// the components and files left out, for the report (the incumbent's history keeps them).
fn components(
    p: &ProcedureVersion,
    given: &[Component],
    files: Files<'_>,
) -> Result<Taken, String> {
    use sha2::Digest;
    let mut out = Vec::new();
    let mut keep = Vec::new();
    let mut left = Vec::new();
    for c in given {
        let key = vntext::fold(&c.name);
        let Some(def) = p.components.iter().find(|d| vntext::fold(&d.name) == key) else {
            left.push(format!(
                "thành phần \"{}\"",
                domain::error::shorten(&c.name)
            ));
            continue;
        };
        let mut refs = Vec::new();
        for a in &c.attachments {
            let sha = a.sha256.trim().to_lowercase();
            let shown = domain::error::shorten(&a.name);
            let Some(content) = files(&sha) else {
                left.push(format!("tệp {shown} (không có trong gói)"));
                continue;
            };
            if hex::encode(sha2::Sha256::digest(&content)) != sha {
                return Err(format!(
                    "tệp {shown} không khớp mã băm {}",
                    domain::error::shorten(&sha)
                ));
            }
            let media_type = crate::files::sniff(&content)
                .ok_or_else(|| format!("tệp {shown} không phải PDF, JPEG hoặc PNG"))?;
            refs.push(domain::dossier::FileRef {
                sha256: sha.clone(),
                name: vntext::clean(&a.name),
                size: content.len() as u64,
                media_type: media_type.to_string(),
                signature: None,
            });
            keep.push(Keep {
                sha256: sha,
                media_type,
                content,
            });
        }
        out.push(SubmittedComponent {
            component: def.id.clone(),
            name: def.name.clone(),
            form: def.form,
            copies: u8::try_from(c.copies.clamp(1, 255)).unwrap_or(1),
            pages: None,
            by_data: false,
            files: refs,
            reused: None,
        });
    }
    Ok((out, keep, left))
}

/// (sequence, day, number) of a code in this centre's own layout, to continue its sequence.
fn numbering(code: &DossierCode, centre: &domain::agency::Agency) -> Option<(NaiveDate, u32)> {
    let text = code.as_str();
    let (prefix, rest) = text.split_once('-')?;
    let (day, number) = rest.split_once('-')?;
    let ours = prefix == centre.code.legacy() || prefix == centre.code.as_str();
    let day = match day.len() {
        6 => NaiveDate::parse_from_str(&format!("20{day}"), "%Y%m%d").ok()?,
        8 => NaiveDate::parse_from_str(day, "%Y%m%d").ok()?,
        _ => return None,
    };
    ours.then_some(())?;
    Some((day, number.parse().ok()?))
}

impl Admin<'_> {
    /// Imports a bundle (see the module): all or nothing; `dry_run` checks and reports only.
    pub async fn import_dossiers(
        self,
        actor: &Actor,
        text: &str,
        files: Files<'_>,
        dry_run: bool,
    ) -> Result<DossierImport, AppError> {
        self.app.admin_name(actor, Action::ManageCatalog)?;
        let bundle: Bundle = serde_json::from_str(text.trim_start_matches('\u{feff}'))
            .map_err(|e| {
                AppError::invalid(
                    "invalid_bundle",
                    format!(
                        "Gói hồ sơ không đọc được (dòng {}, cột {}): cần một đối tượng JSON có mảng \"HoSo\".",
                        e.line(),
                        e.column()
                    ),
                )
            })?;
        let source = bundle
            .source
            .clone()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| "hệ thống một cửa cũ".into());
        let tree = self.app.agencies();
        let rules = self.app.settings.rules;
        let now = self.app.now();
        let mut errors = Vec::new();
        let mut report = DossierImport {
            dry_run,
            ..Default::default()
        };
        let mut changes = Vec::new();
        let mut numbers: BTreeMap<(String, NaiveDate), u32> = BTreeMap::new();
        let mut seen = std::collections::HashSet::new();
        let mut keep: Vec<Keep> = Vec::new();
        for (i, value) in bundle.records.into_iter().enumerate() {
            let row = i + 1;
            let record: Record = match serde_json::from_value(value) {
                Ok(r) => r,
                Err(e) => {
                    errors.push(RowError {
                        line: row,
                        message: format!(
                            "hồ sơ thứ {row}: {}",
                            crate::serde_message(&e.to_string())
                        ),
                    });
                    continue;
                }
            };
            let code_text = record.code.clone();
            let fail = |message: String| RowError {
                line: row,
                message: format!(
                    "hồ sơ {} (thứ {row}): {message}",
                    domain::error::shorten(&code_text)
                ),
            };
            let code = match DossierCode::parse(&record.code) {
                Ok(c) => c,
                Err(e) => {
                    errors.push(fail(e.message));
                    continue;
                }
            };
            if !seen.insert(code.clone()) {
                errors.push(fail("mã hồ sơ lặp lại trong gói".into()));
                continue;
            }
            if self
                .app
                .db
                .dossier_id_by_code(code.as_str())
                .await?
                .is_some()
            {
                report.skipped += 1;
                report.rows.push(RowOutcome {
                    row,
                    code: code.to_string(),
                    imported: false,
                    skipped: Some("đã có, không chuyển lại".into()),
                    difference: None,
                    left_out: Vec::new(),
                });
                continue;
            }
            match self
                .plan(&record, code, &source, &tree, &rules, files)
                .await
            {
                Ok((change, outcome, number, kept)) => {
                    keep.extend(kept);
                    if let Some((sequence, day, n)) = number {
                        let last = numbers.entry((sequence, day)).or_default();
                        *last = (*last).max(n);
                    }
                    report.rows.push(RowOutcome { row, ..outcome });
                    changes.push(change);
                }
                Err(message) => errors.push(fail(message)),
            }
        }
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.line);
            return Err(AppError::invalid(
                "invalid_bundle",
                rows_message("Gói hồ sơ", &errors),
            ));
        }
        report.imported = changes.len();
        if dry_run || changes.is_empty() {
            return Ok(report);
        }
        // The files first (stored once by hash; a file no dossier names is never served), then
        // every dossier in one transaction.
        for k in &keep {
            self.app
                .db
                .put_attachment(
                    &k.sha256,
                    k.media_type,
                    &k.content,
                    "import",
                    now.timestamp_millis(),
                )
                .await?;
        }
        self.app.db.write_dossiers(changes, now).await?;
        for ((sequence, day), last) in numbers {
            self.app
                .db
                .raise_code_number(&sequence, &day.to_string(), last)
                .await?;
        }
        Ok(report)
    }

    /// One record as the change that writes it, its outcome, and the number its code takes in
    /// its centre's sequence; or what is wrong with it.
    async fn plan(
        self,
        r: &Record,
        code: DossierCode,
        source: &str,
        tree: &AgencyTree,
        rules: &domain::dossier::LegalRules,
        files: Files<'_>,
    ) -> Result<Planned, String> {
        let submitted = instant(&r.submitted, "NgayNop")?;
        let received = instant(&r.received, "NgayTiepNhan")?;
        let appointment = instant(&r.appointment, "NgayHenTra")?;
        let ended = r
            .ended
            .as_deref()
            .map(|t| instant(t, "NgayKetThucXuLy"))
            .transpose()?;
        let returned = r
            .returned
            .as_deref()
            .map(|t| instant(t, "NgayTraKetQua"))
            .transpose()?;
        if received < submitted || appointment < received || ended.is_some_and(|e| e < received) {
            return Err(
                "các ngày không theo thứ tự (nộp ≤ tiếp nhận ≤ hẹn trả, kết thúc sau tiếp nhận)"
                    .into(),
            );
        }
        let receiving = centre(tree, &r.receiving).ok_or_else(|| {
            format!(
                "không có Bộ phận Một cửa mã \"{}\"",
                domain::error::shorten(&r.receiving)
            )
        })?;
        let competent = tree
            .committee_of(&receiving)
            .map(|c| c.id.clone())
            .ok_or("nơi tiếp nhận không thuộc UBND nào")?;
        let day = to_vn(&received).date_naive();
        let procedure = self
            .app
            .db
            .procedure_in_force(r.procedure.trim(), day)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| {
                format!(
                    "không có thủ tục {} có hiệu lực ngày {}",
                    domain::error::shorten(&r.procedure),
                    day.format("%d/%m/%Y")
                )
            })?;
        let channel = match r.channel {
            1 => Channel::InPerson,
            2 => Channel::Online,
            3 => Channel::Postal,
            other => return Err(format!("kênh thực hiện {other} không có (1, 2 hoặc 3)")),
        };
        let d = &r.submitter.detail;
        let address_text = d.address.clone().unwrap_or_default();
        let applicant = Applicant::Citizen {
            name: PersonName::parse(&d.name).map_err(|e| e.message)?,
            id_number: Cccd::parse(&d.id_number).map_err(|e| e.message)?,
            phone: d
                .phone
                .as_deref()
                .filter(|p| !p.trim().is_empty())
                .map(PhoneNumber::parse)
                .transpose()
                .map_err(|e| e.message)?,
            email: d
                .email
                .as_deref()
                .filter(|p| !p.trim().is_empty())
                .map(Email::parse)
                .transpose()
                .map_err(|e| e.message)?,
            address: Address::new(
                &address_text,
                d.commune.as_deref().filter(|c| !c.is_empty()),
                if address_text.trim().is_empty() {
                    "(không ghi)"
                } else {
                    &address_text
                },
            )
            .map_err(|e| e.message)?,
        };
        let history: Vec<LegacyStep> = r
            .history
            .iter()
            .map(|s| {
                Ok(LegacyStep {
                    at: instant(&s.at, "ThoiDiemXuLy")?,
                    officer: vntext::clean(&s.officer),
                    unit: vntext::clean(&s.unit),
                    content: vntext::clean(&s.content),
                    status: s.status,
                })
            })
            .collect::<Result<_, String>>()?;
        // A supplement: a step that left the dossier at status 5, completed by the next step
        // that took it back into handling.
        let mut supplements = Vec::new();
        for (i, h) in history.iter().enumerate() {
            if h.status == 5 {
                let completed = history[i + 1..]
                    .iter()
                    .find(|n| n.status != 5)
                    .map(|n| n.at);
                supplements.push(LegacySupplement {
                    requested_at: h.at,
                    completed_at: completed,
                });
            }
        }
        let open = matches!(r.status, 2 | 4..=7);
        let step = open.then(|| {
            if r.status == 2 {
                StepEntry {
                    index: 0,
                    unit: receiving.clone(),
                    handler: None,
                    due: None,
                }
            } else {
                let index = procedure
                    .steps
                    .iter()
                    .position(|s| s.kind == StepKind::Handling)
                    .unwrap_or(0);
                let last = history.last().map_or("", |h| h.unit.as_str());
                StepEntry {
                    index,
                    unit: continuing_unit(tree, &competent, last),
                    handler: None,
                    due: None,
                }
            }
        });
        let at = [
            Some(received),
            ended,
            returned,
            history.last().map(|h| h.at),
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(received);
        let (components, kept, left_out) = components(&procedure, &r.components, files)?;
        let new = NewDossier {
            id: DossierId(Uuid::now_v7()),
            code: code.clone(),
            components,
            procedure,
            applicant,
            return_method: ReturnMethod::Counter,
            receiving: receiving.clone(),
            competent,
            helped_at: None,
            fee_exemption: None,
            corrects: None,
            provenance: Default::default(),
        };
        let actor = Actor::System;
        let cal = self.app.calendar_of(&receiving);
        let ctx = Context {
            now: received,
            actor: &actor,
            calendar: &cal,
            agencies: tree,
            rules,
            issued_code: None,
            receipt: None,
        };
        let imported = Imported {
            source: source.to_string(),
            status: r.status,
            received_at: received,
            appointment,
            due: appointment,
            supplements,
            ended_at: ended,
            returned_at: returned,
            step,
            history,
        };
        let (opened, imported) = import(&new, channel, imported, &ctx).map_err(|e| e.message)?;
        let by = ActorRef {
            kind: ActorKind::System,
            id: None,
            name: format!("Chuyển từ {source}"),
        };
        let events = vec![
            Recorded {
                version: 1,
                at: submitted,
                actor: by.clone(),
                event: opened,
            },
            Recorded {
                version: 2,
                at,
                actor: by,
                event: imported,
            },
        ];
        let dossier = domain::dossier::Dossier::replay(&events).ok_or("không dựng được hồ sơ")?;
        let facts = dossier.facts(&cal, rules).map_err(|e| e.message)?;
        let difference = match (open, dossier.due) {
            (true, Some(due)) if due != appointment => Some(format!(
                "hạn tính lại {} (hệ thống cũ hẹn {})",
                to_vn(&due).format("%d/%m/%Y %H:%M"),
                to_vn(&appointment).format("%d/%m/%Y %H:%M")
            )),
            _ => None,
        };
        let number = tree
            .get(&receiving)
            .and_then(|c| numbering(&code, c))
            .map(|(day, n)| (receiving.to_string(), day, n));
        Ok((
            store::Change {
                readers: store::Readers::of(&dossier, tree),
                counts: fact_delta(&[], &facts),
                dossier,
                expected_version: 0,
                events,
                outbox: Vec::new(),
            },
            RowOutcome {
                row: 0,
                code: code.to_string(),
                imported: true,
                skipped: None,
                difference,
                left_out,
            },
            number,
            kept,
        ))
    }
}

/// The columns of `ho-so.csv`, the CSV form of a bundle (one row per dossier; `ThanhPhanHoSo`
/// lists the components' names separated by `|`).
pub const CSV_DOSSIER_COLUMNS: [&str; 17] = [
    "MaHoSo",
    "MaTTHC",
    "KenhThucHien",
    "MaDonViTiepNhan",
    "NgayNop",
    "NgayTiepNhan",
    "NgayHenTra",
    "NgayKetThucXuLy",
    "NgayTraKetQua",
    "TrangThai",
    "TenNguoiNop",
    "SoDinhDanh",
    "SoDienThoai",
    "Email",
    "MaXa",
    "DiaChiChiTiet",
    "ThanhPhanHoSo",
];

/// The columns of `tien-trinh.csv`: the steps of each dossier, by its code, in order.
pub const CSV_STEP_COLUMNS: [&str; 6] = [
    "MaHoSo",
    "ThoiDiemXuLy",
    "NguoiXuLy",
    "PhongBanXuLy",
    "NoiDungXuLy",
    "TrangThai",
];

/// A row of a CSV table: its line, and its cells by column name.
type CsvRow = (usize, BTreeMap<String, String>);

/// Reads a CSV table whose first line names `columns` (in any order): its rows as maps, with
/// their line numbers, or what is wrong.
fn csv_rows(text: &str, file: &str, columns: &[&str]) -> Result<Vec<CsvRow>, AppError> {
    let mut reader = crate::sheet::reader(text, b',');
    let bad = |message: String| AppError::invalid("invalid_bundle", format!("{file}: {message}"));
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| {
            bad(format!(
                "không đọc được dòng tiêu đề ({})",
                crate::sheet::problem(&e)
            ))
        })?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let missing: Vec<&str> = columns
        .iter()
        .filter(|c| !header.iter().any(|h| h == *c))
        .copied()
        .collect();
    if !missing.is_empty() {
        return Err(bad(format!("thiếu cột {}", missing.join(", "))));
    }
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            bad(format!(
                "dòng {}: không đọc được ({})",
                i + 2,
                crate::sheet::problem(&e)
            ))
        })?;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        // A row shorter than the header has its last cells empty.
        let row = header
            .iter()
            .zip(record.iter().chain(std::iter::repeat("")))
            .map(|(h, v)| (h.clone(), v.trim().to_string()))
            .collect();
        rows.push((i + 2, row));
    }
    Ok(rows)
}

/// The CSV form of a bundle (`ho-so.csv`, and `tien-trinh.csv` when the incumbent gives steps)
/// as the JSON national payload [`Admin::import_dossiers`] reads. A number column that does not
/// read is named with its line here; everything else is checked by the import.
pub fn bundle_from_csv(
    dossiers: &str,
    steps: Option<&str>,
    source: &str,
) -> Result<String, AppError> {
    let number = |file: &str, line: usize, name: &str, text: &str| -> Result<u8, AppError> {
        text.parse().map_err(|_| {
            AppError::invalid(
                "invalid_bundle",
                format!(
                    "{file}, dòng {line}: {name} \"{}\" phải là một số",
                    domain::error::shorten(text)
                ),
            )
        })
    };
    let mut history: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    if let Some(steps) = steps {
        for (line, r) in csv_rows(steps, "tien-trinh.csv", &CSV_STEP_COLUMNS)? {
            let status = number("tien-trinh.csv", line, "TrangThai", &r["TrangThai"])?;
            history
                .entry(r["MaHoSo"].clone())
                .or_default()
                .push(serde_json::json!({
                    "ThoiDiemXuLy": r["ThoiDiemXuLy"],
                    "NguoiXuLy": r["NguoiXuLy"],
                    "PhongBanXuLy": r["PhongBanXuLy"],
                    "NoiDungXuLy": r["NoiDungXuLy"],
                    "TrangThai": status,
                }));
        }
    }
    let mut records = Vec::new();
    for (line, r) in csv_rows(dossiers, "ho-so.csv", &CSV_DOSSIER_COLUMNS)? {
        let optional = |name: &str| {
            Some(r[name].clone())
                .filter(|v| !v.is_empty())
                .map_or(serde_json::Value::Null, serde_json::Value::String)
        };
        let components: Vec<serde_json::Value> = r["ThanhPhanHoSo"]
            .split('|')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| serde_json::json!({"TenThanhPhanHoSo": c, "SoLuong": 1}))
            .collect();
        records.push(serde_json::json!({
            "MaHoSo": r["MaHoSo"],
            "MaTTHC": r["MaTTHC"],
            "KenhThucHien": number("ho-so.csv", line, "KenhThucHien", &r["KenhThucHien"])?,
            "MaDonViTiepNhan": r["MaDonViTiepNhan"],
            "NgayNop": r["NgayNop"],
            "NgayTiepNhan": r["NgayTiepNhan"],
            "NgayHenTra": r["NgayHenTra"],
            "NgayKetThucXuLy": optional("NgayKetThucXuLy"),
            "NgayTraKetQua": optional("NgayTraKetQua"),
            "TrangThai": number("ho-so.csv", line, "TrangThai", &r["TrangThai"])?,
            "ThongTinNguoiNop": {"ThongTinChiTiet": {
                "TenNguoiNop": r["TenNguoiNop"],
                "SoDinhDanh": r["SoDinhDanh"],
                "SoDienThoai": optional("SoDienThoai"),
                "Email": optional("Email"),
                "MaXa": optional("MaXa"),
                "DiaChiChiTiet": optional("DiaChiChiTiet"),
            }},
            "ThanhPhanHoSo": components,
            "TienTrinh": history.remove(&r["MaHoSo"]).unwrap_or_default(),
        }));
    }
    if let Some(code) = history.keys().next() {
        return Err(AppError::invalid(
            "invalid_bundle",
            format!(
                "tien-trinh.csv: có bước của hồ sơ {} mà ho-so.csv không có.",
                domain::error::shorten(code)
            ),
        ));
    }
    Ok(serde_json::json!({"NguonDuLieu": source, "HoSo": records}).to_string())
}
