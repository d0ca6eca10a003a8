//! Danh mục thủ tục — the procedure catalogue in and out: JSON (the versions as they are stored)
//! and CSV (one sheet an officer can edit: a `thu-tuc` row per version, then its `thanh-phan`,
//! `phi` and `buoc` rows). An import is checked whole — every row, every version, against the
//! agencies and the versions already issued — and reports each problem with its line
//! ("dòng 12: thời hạn không hợp lệ"); only a file without problems is written, in one
//! transaction.

use std::collections::{BTreeMap, HashSet};

use chrono::{NaiveDate, NaiveTime};
use domain::error::shorten;
use domain::ids::ProcedureCode;
use domain::procedure::{
    Audience, Channel, Competence, Component, DocForm, Fee, OnlineKind, ProcedureLevel,
    ProcedureVersion, ProcessStep, ResultKind, ResultSpec, StepKind, StepUnit,
};
use lich::{DeadlineRules, Limit};
use serde::de::DeserializeOwned;

use crate::Catalogue;
use crate::{AppError, ErrorKind};

/// Danh mục thủ tục đi kèm — the procedure catalogue shipped with Một Cửa (commune and provincial
/// procedures with their national codes, steps, limits and fees, each fact's certainty noted), a
/// province's starting point: it loads it, then edits it to its own decisions. The demo loads it
/// as it is.
pub const SHIPPED: &str = include_str!("../data/catalog.toml");

#[derive(serde::Deserialize)]
struct CatalogFile {
    procedure: Vec<ProcedureVersion>,
}

/// Reads the shipped catalogue, checking every version.
pub fn shipped() -> Result<Vec<ProcedureVersion>, AppError> {
    let file: CatalogFile = toml::from_str(SHIPPED).map_err(|e| {
        AppError::invalid(
            "invalid_catalog",
            format!("Danh mục thủ tục không đọc được: {e}"),
        )
    })?;
    for p in &file.procedure {
        p.validate()?;
    }
    Ok(file.procedure)
}

/// Định dạng tệp danh mục.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
}

impl Format {
    /// The format a file name says (`.json` or `.csv`).
    pub fn of_path(path: &std::path::Path) -> Option<Self> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }
}

/// One problem of an import, at a line of the file (0: the file as a whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            f.write_str(&self.message)
        } else {
            write!(f, "dòng {}: {}", self.line, self.message)
        }
    }
}

/// The problems that stopped an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogErrors(pub Vec<RowError>);

impl From<CatalogErrors> for AppError {
    fn from(e: CatalogErrors) -> Self {
        AppError::invalid("invalid_catalog", rows_message("Tệp danh mục", &e.0))
    }
}

/// "<file> có N lỗi, chưa nạp gì: dòng 3: …; dòng 7: …" — the first 30 problems of an import.
pub(crate) fn rows_message(file: &str, rows: &[RowError]) -> String {
    const SHOWN: usize = 30;
    let mut message = format!(
        "{file} có {} lỗi, chưa nạp gì: {}",
        rows.len(),
        rows.iter()
            .take(SHOWN)
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    );
    if rows.len() > SHOWN {
        message.push_str(&format!("; … và {} lỗi khác", rows.len() - SHOWN));
    }
    message
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// Versions in the file.
    pub versions: usize,
    /// Versions that were new (the others were already there, identical).
    pub added: usize,
}

// ---- JSON --------------------------------------------------------------------------------------

/// The versions as a JSON array, as stored.
pub fn to_json(versions: &[ProcedureVersion]) -> String {
    serde_json::to_string_pretty(versions).expect("procedure versions serialise")
}

/// Line of each top-level item of a JSON array.
fn item_lines(text: &str) -> Vec<usize> {
    let (mut depth, mut line, mut in_string, mut escaped) = (0usize, 1usize, false, false);
    let mut lines = Vec::new();
    for c in text.chars() {
        if c == '\n' {
            line += 1;
        }
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '[' | '{' => {
                if depth == 1 {
                    lines.push(line);
                }
                depth += 1;
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    lines
}

/// Reads a JSON array of versions; each with the line it starts on.
pub fn from_json(text: &str) -> Result<Vec<(usize, ProcedureVersion)>, CatalogErrors> {
    let items: Vec<serde_json::Value> = serde_json::from_str(text).map_err(|e| {
        CatalogErrors(vec![RowError {
            line: e.line(),
            message: format!(
                "JSON không hợp lệ: {}",
                crate::serde_message(&e.to_string())
            ),
        }])
    })?;
    let lines = item_lines(text);
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let line = lines.get(i).copied().unwrap_or(0);
        match serde_json::from_value::<ProcedureVersion>(item) {
            Ok(v) => out.push((line, v)),
            Err(e) => errors.push(RowError {
                line,
                message: format!(
                    "thủ tục thứ {}: {}",
                    i + 1,
                    crate::serde_message(&e.to_string())
                ),
            }),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(CatalogErrors(errors))
    }
}

// ---- CSV ---------------------------------------------------------------------------------------

/// Columns of the CSV sheet. `loai` says what a row is: `thu-tuc` (a version), then its
/// `thanh-phan` (component), `phi` (fee) and `buoc` (process step) rows. Lists inside a cell are
/// separated by `|`.
pub const CSV_COLUMNS: [&str; 45] = [
    "loai",
    "ma",
    "phien_ban",
    "ten",
    // thu-tuc
    "hieu_luc_tu",
    "linh_vuc",
    "ma_linh_vuc",
    "cap",
    "thoi_han",
    "cach_tinh_han",
    "gio_chot",
    "het_han_luc",
    "tinh_gio",
    "chot_doi_ngay_bat_dau",
    "tra_ngay",
    "truc_tuyen",
    "buu_chinh",
    "phi_dia_gioi",
    "ket_qua",
    "ket_qua_dien_tu",
    "tham_quyen",
    "lien_thong",
    "can_cu",
    "mau_don",
    "mo_ta",
    "han_bo_sung",
    "chua_chac_chan",
    // thanh-phan
    "khoa",
    "hinh_thuc",
    "so_ban",
    "bat_buoc",
    "thay_bang_du_lieu",
    // phi
    "so_tien",
    "kenh",
    "mien_giam",
    // buoc
    "loai_buoc",
    "don_vi",
    "vai_tro",
    "thoi_gian",
    // thu-tuc, added later (a sheet written before them may leave both out)
    "loai_ket_qua",
    "mau_ket_qua",
    "nop_phi_khi_tra",
    "doi_tuong",
    // phi, added later: "thành phần|số trang đầu|mức từ trang sau|tối đa mỗi bản"
    "theo_trang",
    // thu-tuc, added later: the steps for the applicant, one per item ("Bước 1…|Bước 2…")
    "trinh_tu",
];

/// How many of the columns sheets written by earlier versions have: before the result kind and
/// template were added, before the moment of paying was, before the target group was, before
/// fees counted pages, and before the steps for the applicant.
const EARLIER_COLUMNS: [usize; 5] = [39, 41, 42, 43, 44];

fn col(name: &str) -> usize {
    CSV_COLUMNS
        .iter()
        .position(|c| *c == name)
        .expect("known column")
}

fn yes_no(b: bool) -> String {
    if b { "có" } else { "không" }.into()
}

fn list(items: &[String]) -> String {
    items.join(" | ")
}

/// The versions as a CSV sheet (UTF-8 with a byte-order mark, so spreadsheet programs show the
/// Vietnamese letters).
pub fn to_csv(versions: &[ProcedureVersion]) -> String {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    w.write_record(CSV_COLUMNS).expect("write to memory");
    for v in versions {
        let mut row = vec![String::new(); CSV_COLUMNS.len()];
        let mut set = |name: &str, value: String| row[col(name)] = value;
        set("loai", "thu-tuc".into());
        set("ma", v.code.to_string());
        set("phien_ban", v.version.to_string());
        set("ten", v.name.clone());
        set("hieu_luc_tu", v.effective_from.to_string());
        set("linh_vuc", v.sector.clone());
        set("ma_linh_vuc", v.sector_code.clone().unwrap_or_default());
        set("cap", domain::wire_name(&v.level));
        set("thoi_han", v.limit.to_string());
        let r = v.deadline_rules;
        set("cach_tinh_han", domain::wire_name(&r.mode));
        set("gio_chot", r.same_day_cutoff.format("%H:%M").to_string());
        set("het_han_luc", domain::wire_name(&r.due_at));
        set("tinh_gio", domain::wire_name(&r.plain_hours));
        set("chot_doi_ngay_bat_dau", yes_no(r.cutoff_moves_start));
        set("tra_ngay", yes_no(v.immediate));
        set("truc_tuyen", domain::wire_name(&v.online));
        set("buu_chinh", yes_no(v.postal));
        set("phi_dia_gioi", yes_no(v.anywhere));
        set("nop_phi_khi_tra", yes_no(v.fees_at_return));
        set("ket_qua_dien_tu", yes_no(v.result.electronic));
        set("loai_ket_qua", domain::wire_name(&v.result.kind));
        set("mau_ket_qua", v.result.template.clone().unwrap_or_default());
        set(
            "tham_quyen",
            match &v.competence {
                Competence::ReceivingCommittee => "receiving-committee".into(),
                Competence::Agency(a) => format!("agency:{a}"),
                Competence::ReceivingUnit(k) => format!("receiving-unit:{}", domain::wire_name(k)),
            },
        );
        set(
            "lien_thong",
            list(
                &v.interconnected
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>(),
            ),
        );
        set("can_cu", list(&v.legal_basis));
        set("mau_don", list(&v.forms));
        set("trinh_tu", list(&v.sequence));
        set("mo_ta", v.description.clone());
        set("han_bo_sung", v.supplement_window.to_string());
        set("chua_chac_chan", list(&v.uncertain));
        set(
            "doi_tuong",
            list(&v.audience.iter().map(domain::wire_name).collect::<Vec<_>>()),
        );
        row[col("ket_qua")] = v.result.name.clone();
        w.write_record(&row).expect("write to memory");
        let child = |kind: &str| {
            let mut r = vec![String::new(); CSV_COLUMNS.len()];
            r[col("loai")] = kind.into();
            r[col("ma")] = v.code.to_string();
            r[col("phien_ban")] = v.version.to_string();
            r
        };
        for c in &v.components {
            let mut r = child("thanh-phan");
            r[col("ten")] = c.name.clone();
            r[col("khoa")] = c.id.clone();
            r[col("hinh_thuc")] = domain::wire_name(&c.form);
            r[col("so_ban")] = c.copies.to_string();
            r[col("bat_buoc")] = yes_no(c.required);
            r[col("thay_bang_du_lieu")] = yes_no(c.replaceable_by_data);
            w.write_record(&r).expect("write to memory");
        }
        for f in &v.fees {
            let mut r = child("phi");
            r[col("ten")] = f.name.clone();
            r[col("so_tien")] = f.amount.to_string();
            r[col("kenh")] = list(&f.channels.iter().map(domain::wire_name).collect::<Vec<_>>());
            r[col("mien_giam")] = f.exemption.clone().unwrap_or_default();
            r[col("can_cu")] = f.legal_basis.clone().unwrap_or_default();
            if let Some(p) = &f.per_page {
                r[col("theo_trang")] =
                    format!("{}|{}|{}|{}", p.component, p.first_pages, p.then, p.cap);
            }
            w.write_record(&r).expect("write to memory");
        }
        for s in &v.steps {
            let mut r = child("buoc");
            r[col("ten")] = s.name.clone();
            r[col("loai_buoc")] = domain::wire_name(&s.kind);
            r[col("don_vi")] = domain::wire_name(&s.unit);
            r[col("vai_tro")] = domain::wire_name(&s.role);
            r[col("thoi_gian")] = s.allotted.map(|l| l.to_string()).unwrap_or_default();
            w.write_record(&r).expect("write to memory");
        }
    }
    let bytes = w.into_inner().expect("write to memory");
    format!(
        "\u{feff}{}",
        String::from_utf8(bytes).expect("CSV of UTF-8 text")
    )
}

/// Accepted spellings of enumerated cells besides their wire names, folded (no diacritics).
const ALIASES: [(&str, &str); 41] = [
    ("xa", "commune"),
    ("cap xa", "commune"),
    ("tinh", "province"),
    ("cap tinh", "province"),
    ("toan trinh", "full"),
    ("mot phan", "partial"),
    ("khong", "none"),
    ("ban chinh", "original"),
    ("ban sao", "copy"),
    ("ban sao co chung thuc", "certified-copy"),
    ("ban sao dien tu co chung thuc", "certified-copy"),
    ("chung thuc ban sao", "certified-copy"),
    ("van ban", "document"),
    ("ban chinh de doi chieu", "original-to-check"),
    ("tiep nhan", "reception"),
    ("tham dinh", "handling"),
    ("xu ly", "handling"),
    ("phe duyet", "approval"),
    ("phat hanh", "issuance"),
    ("tra ket qua", "return"),
    ("mot cua", "counter"),
    ("chuyen mon", "specialist"),
    ("lanh dao", "leadership"),
    ("van phong", "office"),
    ("can bo mot cua", "counter-officer"),
    ("chuyen vien", "specialist"),
    ("truong don vi", "unit-head"),
    ("lanh dao co quan", "leader"),
    ("van thu", "clerk"),
    ("truc tiep", "in-person"),
    ("truc tuyen", "online"),
    ("buu chinh", "postal"),
    ("ngay lam viec tron", "whole-days"),
    ("gio lam viec", "working-hours"),
    ("het gio hanh chinh", "end-of-office"),
    ("het ngay", "end-of-day"),
    ("cong dan viet nam", "citizen"),
    ("nguoi viet nam dinh cu o nuoc ngoai", "overseas-vietnamese"),
    ("nguoi nuoc ngoai", "foreigner"),
    ("to chuc", "organisation"),
    ("doanh nghiep", "enterprise"),
];

/// A CSV row being read, with the line it came from.
struct Row<'a> {
    line: usize,
    cells: &'a csv::StringRecord,
    errors: &'a mut Vec<RowError>,
}

impl Row<'_> {
    fn text(&self, name: &str) -> String {
        vntext::clean(self.cells.get(col(name)).unwrap_or_default())
    }

    fn fail(&mut self, name: &str, message: impl std::fmt::Display) {
        self.errors.push(RowError {
            line: self.line,
            message: format!("cột \"{name}\": {message}"),
        });
    }

    fn required(&mut self, name: &str, what: &str) -> String {
        let t = self.text(name);
        if t.is_empty() {
            self.fail(name, format!("thiếu {what}"));
        }
        t
    }

    fn parsed<T>(
        &mut self,
        name: &str,
        what: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<T> {
        let t = self.text(name);
        match parse(&t) {
            Ok(v) => Some(v),
            Err(why) => {
                self.fail(
                    name,
                    format!("{what} \"{}\" không hợp lệ{why}", shorten(&t)),
                );
                None
            }
        }
    }

    fn enumerated<T: DeserializeOwned>(
        &mut self,
        name: &str,
        what: &str,
        default: Option<T>,
    ) -> Option<T> {
        let t = self.text(name);
        if t.is_empty() {
            if default.is_none() {
                self.fail(name, format!("thiếu {what}"));
            }
            return default;
        }
        let folded = vntext::fold(&t);
        let wire = ALIASES
            .iter()
            .find(|(alias, _)| *alias == folded)
            .map_or(t.as_str(), |(_, w)| *w);
        let v = domain::from_wire_name(wire);
        if v.is_none() {
            self.fail(name, format!("{what} \"{}\" không hợp lệ", shorten(&t)));
        }
        v
    }

    fn flag(&mut self, name: &str, default: bool) -> bool {
        let t = vntext::fold(&self.text(name));
        match t.as_str() {
            "" => default,
            "co" | "x" | "1" | "true" | "yes" => true,
            "khong" | "0" | "false" | "no" => false,
            _ => {
                self.fail(
                    name,
                    format!("\"{}\" không hợp lệ (có hoặc không)", shorten(&t)),
                );
                default
            }
        }
    }

    fn items(&self, name: &str) -> Vec<String> {
        self.text(name)
            .split('|')
            .map(vntext::clean)
            .filter(|s| !s.is_empty())
            .collect()
    }
}

/// Stands in for a limit that failed to parse (the error is already recorded).
fn placeholder_limit() -> Limit {
    Limit::new(1, lich::Unit::WorkingDays).expect("valid limit")
}

fn parse_limit(text: &str) -> Result<Limit, String> {
    text.parse::<Limit>().map_err(|e| format!(": {e}"))
}

/// Reads a CSV sheet of versions; each with the line of its `thu-tuc` row.
pub fn from_csv(text: &str) -> Result<Vec<(usize, ProcedureVersion)>, CatalogErrors> {
    let mut reader = crate::sheet::reader(text, b',');
    let header = reader.headers().map_err(|e| {
        CatalogErrors(vec![RowError {
            line: 1,
            message: format!(
                "không đọc được dòng tiêu đề ({})",
                crate::sheet::problem(&e)
            ),
        }])
    })?;
    let header: Vec<String> = header.iter().map(|h| h.trim().to_string()).collect();
    if header != CSV_COLUMNS
        && !EARLIER_COLUMNS
            .iter()
            .any(|n| header.as_slice() == &CSV_COLUMNS[..*n])
    {
        let missing: Vec<&str> = CSV_COLUMNS
            .iter()
            .filter(|c| !header.iter().any(|h| h == *c))
            .copied()
            .collect();
        return Err(CatalogErrors(vec![RowError {
            line: 1,
            message: if missing.is_empty() {
                format!("các cột phải đúng thứ tự: {}", CSV_COLUMNS.join(","))
            } else {
                format!("thiếu cột {}", missing.join(", "))
            },
        }]));
    }
    let mut errors = Vec::new();
    let mut versions: Vec<(usize, ProcedureVersion)> = Vec::new();
    let mut index: BTreeMap<(String, u32), usize> = BTreeMap::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(RowError {
                    line,
                    message: format!("không đọc được dòng ({})", crate::sheet::problem(&e)),
                });
                continue;
            }
        };
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if record.len() != header.len() {
            errors.push(RowError {
                line,
                message: format!("có {} cột thay vì {}", record.len(), header.len()),
            });
            continue;
        }
        let mut row = Row {
            line,
            cells: &record,
            errors: &mut errors,
        };
        let kind = row.text("loai");
        let code = row.parsed("ma", "mã thủ tục", |t| {
            ProcedureCode::parse(t).map_err(|e| format!(": {}", e.message))
        });
        let version = row.parsed("phien_ban", "số phiên bản", |t| {
            t.parse::<u32>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| " (số nguyên dương)".to_string())
        });
        let (Some(code), Some(version)) = (code, version) else {
            continue;
        };
        let key = (code.to_string(), version);
        if kind == "thu-tuc" {
            // Kept even with errors, so that its own rows are checked on their own merits.
            let v = version_row(&mut row, code, version);
            if index.contains_key(&key) {
                row.fail(
                    "ma",
                    format!("thủ tục {} phiên bản {version} đã có ở dòng trước", key.0),
                );
                continue;
            }
            index.insert(key, versions.len());
            versions.push((line, v));
            continue;
        }
        let Some(&at) = index.get(&key) else {
            row.fail(
                "ma",
                format!(
                    "chưa có dòng \"thu-tuc\" của thủ tục {} phiên bản {version} ở phía trên",
                    key.0
                ),
            );
            continue;
        };
        match kind.as_str() {
            "thanh-phan" => {
                let id = row.required("khoa", "khóa thành phần");
                let name = row.required("ten", "tên thành phần");
                let form = row.enumerated("hinh_thuc", "loại bản", Some(DocForm::Original));
                let copies = row.parsed("so_ban", "số bản", |t| {
                    if t.is_empty() {
                        return Ok(1);
                    }
                    t.parse::<u8>()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| " (1–255)".to_string())
                });
                let required = row.flag("bat_buoc", true);
                let by_data = row.flag("thay_bang_du_lieu", false);
                if let (Some(form), Some(copies)) = (form, copies) {
                    versions[at].1.components.push(Component {
                        id,
                        name,
                        form,
                        copies,
                        required,
                        replaceable_by_data: by_data,
                    });
                }
            }
            "phi" => {
                let name = row.required("ten", "tên khoản phí, lệ phí");
                let amount = row.parsed("so_tien", "số tiền", |t| {
                    t.replace(['.', ' '], "")
                        .parse::<i64>()
                        .ok()
                        .filter(|n| *n >= 0)
                        .ok_or_else(|| " (số đồng, không âm)".to_string())
                });
                let mut channels = Vec::new();
                for c in row.items("kenh") {
                    let folded = vntext::fold(&c);
                    let wire = ALIASES
                        .iter()
                        .find(|(alias, _)| *alias == folded)
                        .map_or(c.as_str(), |(_, w)| *w);
                    match domain::from_wire_name::<Channel>(wire) {
                        Some(ch) => channels.push(ch),
                        None => row.fail("kenh", format!("kênh \"{}\" không hợp lệ", shorten(&c))),
                    }
                }
                let exemption = Some(row.text("mien_giam")).filter(|s| !s.is_empty());
                let legal_basis = Some(row.text("can_cu")).filter(|s| !s.is_empty());
                let per_page = row.parsed("theo_trang", "cách tính theo trang", |t| {
                    if t.is_empty() {
                        return Ok(None);
                    }
                    let parts: Vec<&str> = t.split('|').map(str::trim).collect();
                    let number = |i: usize| {
                        parts
                            .get(i)
                            .and_then(|p| p.replace('.', "").parse::<i64>().ok())
                            .filter(|n| *n >= 0)
                    };
                    match (parts.first(), number(1), number(2), number(3)) {
                        (Some(component), Some(first), Some(then), Some(cap))
                            if parts.len() == 4 && !component.is_empty() =>
                        {
                            Ok(Some(domain::procedure::PageScale {
                                component: component.to_string(),
                                first_pages: u16::try_from(first).map_err(|_| String::new())?,
                                then,
                                cap,
                            }))
                        }
                        _ => Err(
                            " (ghi: khóa thành phần|số trang đầu|mức từ trang sau|tối đa mỗi bản)"
                                .to_string(),
                        ),
                    }
                });
                if let (Some(amount), Some(per_page)) = (amount, per_page) {
                    versions[at].1.fees.push(Fee {
                        name,
                        amount,
                        channels,
                        exemption,
                        legal_basis,
                        per_page,
                    });
                }
            }
            "buoc" => {
                let name = row.required("ten", "tên bước");
                let kind = row.enumerated::<StepKind>("loai_buoc", "loại bước", None);
                let unit = row.enumerated::<StepUnit>("don_vi", "đơn vị", None);
                let role = row.enumerated("vai_tro", "vai trò", None);
                let allotted = row.parsed("thoi_gian", "thời gian", |t| {
                    if t.is_empty() {
                        Ok(None)
                    } else {
                        parse_limit(t).map(Some)
                    }
                });
                if let (Some(kind), Some(unit), Some(role), Some(allotted)) =
                    (kind, unit, role, allotted)
                {
                    versions[at].1.steps.push(ProcessStep {
                        name,
                        kind,
                        unit,
                        role,
                        allotted,
                    });
                }
            }
            other => row.fail(
                "loai",
                format!(
                    "\"{}\" không hợp lệ (thu-tuc, thanh-phan, phi hoặc buoc)",
                    shorten(other)
                ),
            ),
        }
    }
    if errors.is_empty() {
        Ok(versions)
    } else {
        errors.sort_by_key(|e| e.line);
        Err(CatalogErrors(errors))
    }
}

/// The `thu-tuc` row: everything of a version but its lists of components, fees and steps.
fn version_row(row: &mut Row<'_>, code: ProcedureCode, version: u32) -> ProcedureVersion {
    let name = row.required("ten", "tên thủ tục");
    let effective_from = row
        .parsed("hieu_luc_tu", "ngày hiệu lực", |t| {
            NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .or_else(|_| NaiveDate::parse_from_str(t, "%d/%m/%Y"))
                .map_err(|_| " (YYYY-MM-DD hoặc DD/MM/YYYY)".to_string())
        })
        .unwrap_or_default();
    let sector = row.required("linh_vuc", "lĩnh vực");
    let sector_code = Some(row.text("ma_linh_vuc")).filter(|s| !s.is_empty());
    let level = row
        .enumerated("cap", "cấp thực hiện", None)
        .unwrap_or(ProcedureLevel::Commune);
    let limit = row
        .parsed("thoi_han", "thời hạn", parse_limit)
        .unwrap_or_else(placeholder_limit);
    let defaults = DeadlineRules::default();
    let deadline_rules = DeadlineRules {
        mode: row
            .enumerated("cach_tinh_han", "cách tính hạn", Some(defaults.mode))
            .unwrap_or(defaults.mode),
        same_day_cutoff: row
            .parsed("gio_chot", "giờ chốt", |t| {
                if t.is_empty() {
                    return Ok(defaults.same_day_cutoff);
                }
                NaiveTime::parse_from_str(t, "%H:%M").map_err(|_| " (HH:MM)".to_string())
            })
            .unwrap_or(defaults.same_day_cutoff),
        due_at: row
            .enumerated("het_han_luc", "giờ hết hạn", Some(defaults.due_at))
            .unwrap_or(defaults.due_at),
        plain_hours: row
            .enumerated("tinh_gio", "cách tính giờ", Some(defaults.plain_hours))
            .unwrap_or(defaults.plain_hours),
        cutoff_moves_start: row.flag("chot_doi_ngay_bat_dau", defaults.cutoff_moves_start),
    };
    let immediate = row.flag("tra_ngay", false);
    let online = row
        .enumerated("truc_tuyen", "hình thức trực tuyến", Some(OnlineKind::None))
        .unwrap_or(OnlineKind::None);
    let postal = row.flag("buu_chinh", false);
    let anywhere = row.flag("phi_dia_gioi", false);
    let fees_at_return = row.flag("nop_phi_khi_tra", false);
    let electronic = row.flag("ket_qua_dien_tu", false);
    let result_name = row.required("ket_qua", "tên kết quả");
    let result_kind = row
        .enumerated("loai_ket_qua", "loại kết quả", Some(ResultKind::Document))
        .unwrap_or_default();
    let result_template = row
        .parsed("mau_ket_qua", "tên mẫu kết quả", |t| {
            if t.is_empty() {
                Ok(None)
            } else if domain::procedure::is_signed_template(t)
                && t != "bien-lai"
                && t.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            {
                Ok(Some(t.to_string()))
            } else {
                Err(" (tên tệp mẫu bắt đầu bằng ket-qua hoặc chung-thuc, chữ thường không dấu, chữ số và dấu gạch ngang, như ket-qua-khai-sinh)".into())
            }
        })
        .flatten();
    let competence = row
        .parsed("tham_quyen", "thẩm quyền", |t| {
            let bad = || {
                " (receiving-committee, agency:<mã cơ quan> hoặc receiving-unit:<loại đơn vị>)"
                    .to_string()
            };
            match t.split_once(':') {
                None if t == "receiving-committee" || t.is_empty() => {
                    Ok(Competence::ReceivingCommittee)
                }
                Some(("agency", id)) => domain::agency::AgencyId::parse(id.trim())
                    .map(Competence::Agency)
                    .map_err(|_| bad()),
                Some(("receiving-unit", kind)) => domain::from_wire_name(kind.trim())
                    .map(Competence::ReceivingUnit)
                    .ok_or_else(bad),
                _ => Err(bad()),
            }
        })
        .unwrap_or(Competence::ReceivingCommittee);
    let mut interconnected = Vec::new();
    for a in row.items("lien_thong") {
        match domain::agency::AgencyId::parse(&a) {
            Ok(id) => interconnected.push(id),
            Err(_) => row.fail(
                "lien_thong",
                format!("mã cơ quan \"{}\" không hợp lệ", shorten(&a)),
            ),
        }
    }
    let mut audience = Vec::new();
    for a in row.items("doi_tuong") {
        let wire = ALIASES
            .iter()
            .find(|(alias, _)| *alias == vntext::fold(&a))
            .map_or(a.as_str(), |(_, w)| *w);
        match domain::from_wire_name::<Audience>(wire) {
            Some(v) if !audience.contains(&v) => audience.push(v),
            Some(_) => {}
            None => row.fail(
                "doi_tuong",
                format!(
                    "đối tượng \"{}\" không hợp lệ (công dân Việt Nam, người Việt Nam định cư ở nước ngoài, người nước ngoài, tổ chức, doanh nghiệp)",
                    domain::error::shorten(&a)
                ),
            ),
        }
    }
    if audience.is_empty() {
        audience = domain::procedure::default_audience();
    }
    let supplement_window = row
        .parsed("han_bo_sung", "thời hạn yêu cầu bổ sung", |t| {
            if t.is_empty() {
                "3 ngày làm việc"
                    .parse::<Limit>()
                    .map_err(|e| e.to_string())
            } else {
                parse_limit(t)
            }
        })
        .unwrap_or_else(placeholder_limit);
    ProcedureVersion {
        code,
        version,
        effective_from,
        name,
        sector,
        sector_code,
        level,
        components: vec![],
        limit,
        deadline_rules,
        immediate,
        fees: vec![],
        fees_at_return,
        online,
        postal,
        steps: vec![],
        result: ResultSpec {
            name: result_name,
            electronic,
            kind: result_kind,
            template: result_template,
        },
        competence,
        interconnected,
        legal_basis: row.items("can_cu"),
        forms: row.items("mau_don"),
        sequence: row.items("trinh_tu"),
        description: row.text("mo_ta"),
        anywhere,
        supplement_window,
        uncertain: row.items("chua_chac_chan"),
        audience,
    }
}

// ---- checking and writing ----------------------------------------------------------------------

impl Catalogue<'_> {
    /// Checks versions read from a file (each with its line) against the rules of a version,
    /// the agencies, each other and the versions already issued; writes them all in one
    /// transaction, or nothing.
    pub async fn import_catalog_rows(
        self,
        rows: Vec<(usize, ProcedureVersion)>,
    ) -> Result<ImportReport, AppError> {
        self.check_catalog_rows(&rows).await?;
        let versions: Vec<ProcedureVersion> = rows.into_iter().map(|(_, v)| v).collect();
        let added = self
            .app
            .db
            .import_procedures(&versions)
            .await
            .map_err(|e| AppError::new(ErrorKind::Conflict, "catalog_conflict", e.to_string()))?;
        self.app.catalog_changed().await;
        Ok(ImportReport {
            versions: versions.len(),
            added,
        })
    }

    /// Every problem of versions read from a file, each at its line.
    pub async fn check_catalog_rows(
        self,
        rows: &[(usize, ProcedureVersion)],
    ) -> Result<(), CatalogErrors> {
        let tree = self.app.agencies();
        let mut errors = Vec::new();
        let mut seen = HashSet::new();
        for (line, v) in rows {
            let mut fail = |message: String| {
                errors.push(RowError {
                    line: *line,
                    message: format!("thủ tục {} phiên bản {}: {message}", v.code, v.version),
                })
            };
            if let Err(e) = v.validate() {
                fail(
                    e.message
                        .split_once(": ")
                        .map_or(e.message.clone(), |(_, m)| m.to_string()),
                );
            }
            if let Competence::Agency(a) = &v.competence
                && tree.get(a).is_none()
            {
                fail(format!("không có cơ quan có thẩm quyền \"{a}\""));
            }
            for a in &v.interconnected {
                if tree.get(a).is_none() {
                    fail(format!("không có cơ quan liên thông \"{a}\""));
                }
            }
            if !seen.insert((v.code.to_string(), v.version)) {
                fail("bị lặp trong tệp".into());
            }
            let issued = match self.app.db.procedure_versions(v.code.as_str()).await {
                Ok(list) => list,
                Err(e) => {
                    fail(format!("không đọc được các phiên bản đã có ({e})"));
                    continue;
                }
            };
            for old in issued {
                if old.version == v.version && old != *v {
                    fail("phiên bản này đã ban hành với nội dung khác; không sửa được, hãy tạo phiên bản mới".into());
                }
                if old.version < v.version && old.effective_from > v.effective_from {
                    fail(format!(
                        "hiệu lực từ {} sớm hơn phiên bản {} đã có (từ {})",
                        v.effective_from, old.version, old.effective_from
                    ));
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            errors.sort_by_key(|e| e.line);
            Err(CatalogErrors(errors))
        }
    }

    /// Imports versions that come from no file (the shipped catalogue).
    pub async fn import_catalog(
        self,
        versions: &[ProcedureVersion],
    ) -> Result<ImportReport, AppError> {
        self.import_catalog_rows(versions.iter().cloned().map(|v| (0, v)).collect())
            .await
    }

    /// Imports a catalogue file's text.
    pub async fn import_catalog_text(
        self,
        text: &str,
        format: Format,
    ) -> Result<ImportReport, AppError> {
        let rows = match format {
            Format::Json => from_json(text)?,
            Format::Csv => from_csv(text)?,
        };
        if rows.is_empty() {
            return Err(AppError::invalid(
                "empty_catalog",
                "Tệp danh mục không có thủ tục nào.",
            ));
        }
        self.import_catalog_rows(rows).await
    }

    /// Every version of every procedure, as a file.
    pub async fn export_catalog(self, format: Format) -> Result<String, AppError> {
        let versions = self.app.db.all_procedure_versions().await?;
        Ok(match format {
            Format::Json => to_json(&versions),
            Format::Csv => to_csv(&versions),
        })
    }
}
