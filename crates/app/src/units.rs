//! Đơn vị hành chính — the units of both regimes and the old→new succession, read from the
//! official lists (CSV, as published with QĐ 124/2004 codes before 1/7/2025 and QĐ 19/2025 codes
//! after) or from the project's compact copy embedded in the binary (`data/units.tsv`), loaded
//! into the database by `motcua import units`, and used to show an old address with today's unit.
//!
//! The old→new table names units instead of coding them, with the spellings of its own source
//! ("Thành Phố", "Hoà", "M’gar", "Phường IV", "N.T"). Names are matched through
//! [`vntext::name_key`]: exactly first, then without the kind of unit (a town that became a city),
//! then within the province alone; a match is taken only when it is unique. Rows that still match
//! nothing are reported, never guessed.

use std::collections::HashMap;

use chrono::NaiveDate;
use domain::unit::{AdminUnit, Regime, Succession, UnitLevel};

use crate::AppError;

/// The compact copy shipped with the binary, made by `motcua units compact` from the official
/// lists (see `docs/DEVELOPING.md`).
pub const EMBEDDED: &str = include_str!("../data/units.tsv");

/// Căn cứ of the 2025 succession.
pub const SUCCESSION_BASIS: &str = "Nghị quyết 202/2025/QH15 và các nghị quyết của Ủy ban Thường vụ Quốc hội về sắp xếp đơn vị hành chính cấp xã năm 2025";

/// The five island districts of the three-level regime that had no communes (QĐ 124/2004 codes,
/// [M]: from memory of the national list, not from the shipped CSV): (province, code, name).
const ISLAND_DISTRICTS: [(&str, &str, &str); 5] = [
    ("31", "318", "Huyện Bạch Long Vĩ"),
    ("45", "471", "Huyện Cồn Cỏ"),
    ("48", "498", "Huyện Hoàng Sa"),
    ("51", "536", "Huyện Lý Sơn"),
    ("77", "755", "Huyện Côn Đảo"),
];

/// Units of both regimes and the succession between them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitDataset {
    pub units: Vec<AdminUnit>,
    pub successions: Vec<Succession>,
}

/// A row of the old→new table that matched no unit (or more than one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmatched {
    /// Line in the CSV file (the header is line 1).
    pub line: usize,
    pub row: String,
    pub reason: String,
}

fn bad(file: &str, line: usize, message: impl std::fmt::Display) -> AppError {
    AppError::invalid("invalid_units", format!("{file}, dòng {line}: {message}"))
}

/// Reads a CSV file into records with the named columns, checking the header.
fn records(
    file: &str,
    text: &str,
    columns: &[&str],
) -> Result<Vec<(usize, Vec<String>)>, AppError> {
    let mut reader = crate::sheet::reader(text, b',');
    let header = reader
        .headers()
        .map_err(|e| {
            bad(
                file,
                1,
                format!(
                    "không đọc được dòng tiêu đề ({})",
                    crate::sheet::problem(&e)
                ),
            )
        })?
        .clone();
    let index: Vec<usize> = columns
        .iter()
        .map(|c| {
            header
                .iter()
                .position(|h| h.trim() == *c)
                .ok_or_else(|| bad(file, 1, format!("thiếu cột \"{c}\"")))
        })
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| bad(file, line, crate::sheet::problem(&e)))?;
        out.push((
            line,
            index
                .iter()
                .map(|&j| vntext::clean(record.get(j).unwrap_or_default()))
                .collect(),
        ));
    }
    Ok(out)
}

fn code(file: &str, line: usize, text: &str, digits: usize) -> Result<String, AppError> {
    if text.len() == digits && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(text.to_string())
    } else {
        Err(bad(
            file,
            line,
            format!(
                "mã \"{}\" phải có {digits} chữ số",
                domain::error::shorten(text)
            ),
        ))
    }
}

/// The kind of a unit from the first words of its published name ("Thị trấn Phố Lu" → "thị trấn").
fn kind_of(name: &str) -> String {
    let lower = name.to_lowercase();
    vntext::UNIT_KINDS
        .into_iter()
        .find(|k| lower.starts_with(&format!("{k} ")))
        .unwrap_or("")
        .to_string()
}

/// Writes out the abbreviated kinds people use in addresses: "TP. Lào Cai", "H. Bảo Thắng",
/// "P. Cốc Lếu", "TT Phố Lu".
fn expand_kind(part: &str) -> String {
    const ABBREVIATIONS: [(&str, &str); 8] = [
        ("tp", "Thành phố"),
        ("tx", "Thị xã"),
        ("tt", "Thị trấn"),
        ("h", "Huyện"),
        ("q", "Quận"),
        ("p", "Phường"),
        ("x", "Xã"),
        ("t", "Tỉnh"),
    ];
    let (head, rest) = part.split_once([' ', '.']).unwrap_or((part, ""));
    let rest = rest.trim_start_matches(['.', ' ']);
    match ABBREVIATIONS
        .iter()
        .find(|(a, _)| head.eq_ignore_ascii_case(a))
    {
        Some((_, kind)) if !rest.is_empty() => format!("{kind} {rest}"),
        _ => part.to_string(),
    }
}

/// The level a name's kind word implies ("Huyện …" → district); `None` when it names none or
/// "Thành phố", which is a province or a district.
fn kind_level(name: &str) -> Option<UnitLevel> {
    match kind_of(&vntext::clean(name)).as_str() {
        "huyện" | "quận" | "thị xã" => Some(UnitLevel::District),
        "xã" | "phường" | "thị trấn" | "đặc khu" => Some(UnitLevel::Commune),
        "tỉnh" => Some(UnitLevel::Province),
        _ => None,
    }
}

/// "Lào Cai" (type "tỉnh") → "Tỉnh Lào Cai"; names that carry their kind stay.
fn full_province_name(name: &str, kind: &str) -> String {
    if !kind_of(name).is_empty() {
        return name.to_string();
    }
    match kind {
        "tỉnh" => format!("Tỉnh {name}"),
        _ => format!("Thành phố {name}"),
    }
}

fn unit(regime: Regime, code: &str, parent: Option<&str>, kind: &str, name: &str) -> AdminUnit {
    let level = match code.len() {
        2 => UnitLevel::Province,
        3 => UnitLevel::District,
        _ => UnitLevel::Commune,
    };
    AdminUnit {
        regime,
        code: code.to_string(),
        name: name.to_string(),
        level,
        kind: kind.to_string(),
        parent: parent.map(str::to_string),
    }
}

/// Keys a unit can be found by, most precise first: (province, district, name) exactly; without
/// the kinds; (province, name) exactly; without the kinds; then both again without diacritics.
struct Index {
    keys: [HashMap<String, Vec<String>>; 6],
}

fn index_keys(province: &str, district: &str, name: &str) -> [String; 6] {
    use vntext::{name_key as k, unit_name_core as c, unit_name_folded as f};
    let (p, pf, nk, nc, nf) = (c(province), f(province), k(name), c(name), f(name));
    [
        format!("{p}|{}|{nk}", k(district)),
        format!("{p}|{}|{nc}", c(district)),
        format!("{p}|{nk}"),
        format!("{p}|{nc}"),
        format!("{pf}|{}|{nf}", f(district)),
        format!("{pf}|{nf}"),
    ]
}

impl Index {
    fn new() -> Self {
        Self {
            keys: Default::default(),
        }
    }

    fn add(&mut self, province: &str, district: &str, name: &str, code: &str) {
        for (map, key) in self
            .keys
            .iter_mut()
            .zip(index_keys(province, district, name))
        {
            map.entry(key).or_default().push(code.to_string());
        }
    }

    /// The one unit these names designate, or why not.
    fn find(&self, province: &str, district: &str, name: &str) -> Result<String, String> {
        let mut ambiguous = false;
        for (map, key) in self.keys.iter().zip(index_keys(province, district, name)) {
            match map.get(&key).map(Vec::as_slice) {
                Some([one]) => return Ok(one.clone()),
                Some([_, _, ..]) => ambiguous = true,
                _ => {}
            }
        }
        Err(if ambiguous {
            "tên trùng với nhiều đơn vị".into()
        } else {
            "không có đơn vị nào mang tên này".into()
        })
    }
}

impl UnitDataset {
    /// The embedded copy (checked by the tests, so it always reads).
    pub fn embedded() -> Self {
        Self::from_compact(EMBEDDED).expect("the embedded units file is valid")
    }

    /// Reads the three official lists: `units-2024.csv` (province_code, province_name,
    /// district_code, district_name, commune_code, commune_name), `units-2025.csv`
    /// (province_code, province_name, province_type, commune_code, commune_name, commune_type)
    /// and `units-old-to-new.csv` (old_province, old_district, old_commune, new_province,
    /// new_commune). Returns the rows of the last one that could not be matched.
    pub fn from_official(
        units_2024: &str,
        units_2025: &str,
        old_to_new: &str,
    ) -> Result<(Self, Vec<Unmatched>), AppError> {
        let mut units = Vec::new();
        let mut seen = HashMap::new();
        let mut old = Index::new();
        let mut old_districts = Index::new();
        let f = "units-2024.csv";
        let mut names: HashMap<String, String> = HashMap::new();
        for (line, r) in records(
            f,
            units_2024,
            &[
                "province_code",
                "province_name",
                "district_code",
                "district_name",
                "commune_code",
                "commune_name",
            ],
        )? {
            let p = code(f, line, &r[0], 2)?;
            let d = code(f, line, &r[2], 3)?;
            for (c, parent, name) in [(&p, None, &r[1]), (&d, Some(p.as_str()), &r[3])] {
                if seen.insert((Regime::ThreeLevel, c.clone()), ()).is_none() {
                    units.push(unit(Regime::ThreeLevel, c, parent, &kind_of(name), name));
                    names.insert(c.clone(), name.clone());
                }
            }
            if !r[4].is_empty() {
                let c = code(f, line, &r[4], 5)?;
                if seen.insert((Regime::ThreeLevel, c.clone()), ()).is_some() {
                    return Err(bad(f, line, format!("mã xã {c} bị lặp")));
                }
                units.push(unit(
                    Regime::ThreeLevel,
                    &c,
                    Some(&d),
                    &kind_of(&r[5]),
                    &r[5],
                ));
                old.add(&r[1], &r[3], &r[5], &c);
            }
        }
        // Island districts without communes are missing from the commune list (which lists a
        // district only through its communes); the old→new table needs them.
        for (province, code, name) in ISLAND_DISTRICTS {
            if names.contains_key(province)
                && seen
                    .insert((Regime::ThreeLevel, code.to_string()), ())
                    .is_none()
            {
                units.push(unit(
                    Regime::ThreeLevel,
                    code,
                    Some(province),
                    "huyện",
                    name,
                ));
            }
        }
        for u in units.iter().filter(|u| u.level == UnitLevel::District) {
            let province = &names[u.parent.as_deref().unwrap_or_default()];
            old_districts.add(province, "", &u.name, &u.code);
        }
        let mut new = Index::new();
        let f = "units-2025.csv";
        for (line, r) in records(
            f,
            units_2025,
            &[
                "province_code",
                "province_name",
                "province_type",
                "commune_code",
                "commune_name",
                "commune_type",
            ],
        )? {
            let p = code(f, line, &r[0], 2)?;
            let province = full_province_name(&r[1], &r[2]);
            if seen.insert((Regime::TwoLevel, p.clone()), ()).is_none() {
                units.push(unit(Regime::TwoLevel, &p, None, &r[2], &province));
            }
            let c = code(f, line, &r[3], 5)?;
            if seen.insert((Regime::TwoLevel, c.clone()), ()).is_some() {
                return Err(bad(f, line, format!("mã xã {c} bị lặp")));
            }
            units.push(unit(Regime::TwoLevel, &c, Some(&p), &r[5], &r[4]));
            new.add(&province, "", &r[4], &c);
        }
        let effective = Regime::two_level_start();
        let mut successions = Vec::new();
        let mut unmatched = Vec::new();
        let f = "units-old-to-new.csv";
        for (line, r) in records(
            f,
            old_to_new,
            &[
                "old_province",
                "old_district",
                "old_commune",
                "new_province",
                "new_commune",
            ],
        )? {
            let from = if r[2].is_empty() {
                // A district without communes (an island) that became a special zone.
                old_districts.find(&r[0], "", &r[1])
            } else {
                old.find(&r[0], &r[1], &r[2])
            };
            let to = new.find(&r[3], "", &r[4]);
            match (from, to) {
                (Ok(old_code), Ok(new_code)) => successions.push(Succession {
                    old_code,
                    new_code,
                    effective,
                    legal_basis: SUCCESSION_BASIS.into(),
                }),
                (from, to) => unmatched.push(Unmatched {
                    line,
                    row: r.join(", "),
                    reason: match (from, to) {
                        (Err(e), _) => format!("đơn vị cũ: {e}"),
                        (_, Err(e)) => format!("đơn vị mới: {e}"),
                        _ => unreachable!(),
                    },
                }),
            }
        }
        successions.sort_by(|a, b| (&a.old_code, &a.new_code).cmp(&(&b.old_code, &b.new_code)));
        successions.dedup_by(|a, b| a.old_code == b.old_code && a.new_code == b.new_code);
        Ok((Self { units, successions }, unmatched))
    }

    /// The compact form: one line per unit (`T` two-level, `B` before 1/7/2025: code, parent,
    /// kind, name) and per succession (`S`: old code, new code), tab-separated.
    pub fn to_compact(&self) -> String {
        let mut out = String::from(
            "# Đơn vị hành chính Việt Nam — bản gọn của Một Cửa, tạo bằng `motcua units compact`.\n\
             # T = từ 01/7/2025 (QĐ 19/2025/QĐ-TTg), B = đến 30/6/2025 (QĐ 124/2004/QĐ-TTg):\n\
             #     mã, mã đơn vị cấp trên, loại, tên.  S = kế thừa từ 01/7/2025: mã cũ, mã mới.\n",
        );
        for u in &self.units {
            let tag = match u.regime {
                Regime::TwoLevel => 'T',
                Regime::ThreeLevel => 'B',
            };
            out.push_str(&format!(
                "{tag}\t{}\t{}\t{}\t{}\n",
                u.code,
                u.parent.as_deref().unwrap_or("-"),
                u.kind,
                u.name
            ));
        }
        for s in &self.successions {
            out.push_str(&format!("S\t{}\t{}\n", s.old_code, s.new_code));
        }
        out
    }

    /// Reads [`UnitDataset::to_compact`]'s output.
    pub fn from_compact(text: &str) -> Result<Self, AppError> {
        let f = "units.tsv";
        let mut set = Self::default();
        for (i, line) in text.lines().enumerate() {
            let n = i + 1;
            // `lines` leaves a lone carriage return at the very end of a text.
            let line = line.trim_end_matches('\r');
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            match cols.as_slice() {
                [tag @ ("T" | "B"), c, parent, kind, name] => {
                    let regime = if *tag == "T" {
                        Regime::TwoLevel
                    } else {
                        Regime::ThreeLevel
                    };
                    if ![2, 3, 5].contains(&c.len()) || !c.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(bad(
                            f,
                            n,
                            format!("mã \"{}\" không hợp lệ", domain::error::shorten(c)),
                        ));
                    }
                    let parent = (*parent != "-").then_some(*parent);
                    set.units.push(unit(regime, c, parent, kind, name));
                }
                ["S", old, new] => set.successions.push(Succession {
                    old_code: old.to_string(),
                    new_code: new.to_string(),
                    effective: Regime::two_level_start(),
                    legal_basis: SUCCESSION_BASIS.into(),
                }),
                _ => return Err(bad(f, n, "dòng không đúng khuôn dạng")),
            }
        }
        Ok(set)
    }

    /// Number of units of a regime at a level.
    pub fn count(&self, regime: Regime, level: UnitLevel) -> usize {
        self.units
            .iter()
            .filter(|u| u.regime == regime && u.level == level)
            .count()
    }
}

/// Effective date of the succession (for callers that show it).
pub fn succession_date() -> NaiveDate {
    Regime::two_level_start()
}

/// Units held in memory for lookups: by code, by name, and through the succession.
pub struct UnitDirectory {
    units: HashMap<(Regime, String), AdminUnit>,
    successors: HashMap<String, Vec<String>>,
    predecessors: HashMap<String, Vec<String>>,
    old: Index,
    new: Index,
}

/// An address written with the units of its time, and the unit(s) that hold it today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversion {
    /// The street part, as written (số nhà, thôn, tổ…).
    pub line: String,
    /// The unit the address names (commune, then district and province when old), if found.
    pub found: Vec<AdminUnit>,
    /// Today's commune(s) and their province; more than one when the old commune was split, or
    /// when only the old district was recognised.
    pub today: Vec<(AdminUnit, AdminUnit)>,
    /// The part of the address naming a commune that is not in the list.
    pub unrecognised: Option<String>,
}

impl Conversion {
    /// The address with today's units, when there is exactly one ("Tổ 3, Xã Bảo Thắng, Tỉnh Lào Cai").
    pub fn text(&self) -> Option<String> {
        match self.today.as_slice() {
            [(commune, province)] => Some(
                [self.line.as_str(), &commune.name, &province.name]
                    .into_iter()
                    .filter(|p| !p.is_empty())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            _ => None,
        }
    }
}

impl UnitDirectory {
    pub fn new(set: &UnitDataset) -> Self {
        let mut units = HashMap::new();
        for u in &set.units {
            units.insert((u.regime, u.code.clone()), u.clone());
        }
        let name = |regime, code: Option<&str>| {
            code.and_then(|c| units.get(&(regime, c.to_string())))
                .map(|u: &AdminUnit| u.name.clone())
                .unwrap_or_default()
        };
        let mut old = Index::new();
        let mut new = Index::new();
        for u in &set.units {
            match (u.regime, u.level) {
                (Regime::ThreeLevel, UnitLevel::Commune) => {
                    let district =
                        units.get(&(Regime::ThreeLevel, u.parent.clone().unwrap_or_default()));
                    let province = name(
                        Regime::ThreeLevel,
                        district.and_then(|d| d.parent.as_deref()),
                    );
                    old.add(
                        &province,
                        &district.map(|d| d.name.clone()).unwrap_or_default(),
                        &u.name,
                        &u.code,
                    );
                }
                (Regime::ThreeLevel, UnitLevel::District) => {
                    let province = name(Regime::ThreeLevel, u.parent.as_deref());
                    old.add(&province, "", &u.name, &u.code);
                }
                (Regime::TwoLevel, UnitLevel::Commune) => {
                    let province = name(Regime::TwoLevel, u.parent.as_deref());
                    new.add(&province, "", &u.name, &u.code);
                }
                _ => {}
            }
        }
        let mut successors: HashMap<String, Vec<String>> = HashMap::new();
        let mut predecessors: HashMap<String, Vec<String>> = HashMap::new();
        for s in &set.successions {
            successors
                .entry(s.old_code.clone())
                .or_default()
                .push(s.new_code.clone());
            predecessors
                .entry(s.new_code.clone())
                .or_default()
                .push(s.old_code.clone());
        }
        Self {
            units,
            successors,
            predecessors,
            old,
            new,
        }
    }

    pub fn get(&self, regime: Regime, code: &str) -> Option<&AdminUnit> {
        self.units.get(&(regime, code.to_string()))
    }

    /// The units directly under `parent` (the provinces when `None`).
    pub fn children(&self, regime: Regime, parent: Option<&str>) -> Vec<&AdminUnit> {
        self.units
            .values()
            .filter(|u| u.regime == regime && u.parent.as_deref() == parent)
            .collect()
    }

    /// The unit and those above it, from the commune up.
    pub fn chain(&self, regime: Regime, code: &str) -> Vec<AdminUnit> {
        let mut out = Vec::new();
        let mut next = self.get(regime, code);
        while let Some(u) = next {
            out.push(u.clone());
            next = u.parent.as_deref().and_then(|p| self.get(regime, p));
        }
        out
    }

    /// Today's units that took over an old unit's area.
    pub fn successors(&self, old_code: &str) -> Vec<&AdminUnit> {
        self.successors
            .get(old_code)
            .into_iter()
            .flatten()
            .filter_map(|c| self.get(Regime::TwoLevel, c))
            .collect()
    }

    /// The old units a unit of today was formed from.
    pub fn predecessors(&self, new_code: &str) -> Vec<&AdminUnit> {
        self.predecessors
            .get(new_code)
            .into_iter()
            .flatten()
            .filter_map(|c| self.get(Regime::ThreeLevel, c))
            .collect()
    }

    /// Reads an address ("Thị trấn Phố Lu, huyện Bảo Thắng, tỉnh Lào Cai", with or without the
    /// street part in front) and finds today's unit for it. Addresses already written with today's
    /// units are recognised too.
    pub fn convert(&self, address: &str) -> Result<Conversion, AppError> {
        let parts: Vec<String> = address
            .split(',')
            .map(|p| expand_kind(&vntext::clean(p)))
            .filter(|p| !p.is_empty())
            .collect();
        let not_found = || {
            AppError::not_found(
                "unit_not_found",
                format!(
                    "Không nhận ra đơn vị hành chính trong địa chỉ \"{}\". Ghi theo thứ tự xã/phường, huyện/quận (nếu là địa chỉ cũ), tỉnh/thành phố, cách nhau bằng dấu phẩy.",
                    vntext::clean(address)
                ),
            )
        };
        let n = parts.len();
        // A part that names its kind can only be a unit of that level ("Huyện Bảo Thắng" is not
        // "Xã Bảo Thắng").
        let may_be = |part: &str, level: UnitLevel| kind_level(part).is_none_or(|l| l == level);
        // Old form: commune, district, province.
        if n >= 3
            && may_be(&parts[n - 3], UnitLevel::Commune)
            && let Ok(code) = self.old.find(&parts[n - 1], &parts[n - 2], &parts[n - 3])
        {
            return Ok(self.old_unit_today(&parts[..n - 3], &code, None));
        }
        // Today's form: commune, province.
        if n >= 2
            && may_be(&parts[n - 2], UnitLevel::Commune)
            && let Ok(code) = self.new.find(&parts[n - 1], "", &parts[n - 2])
        {
            let commune = self
                .get(Regime::TwoLevel, &code)
                .cloned()
                .ok_or_else(not_found)?;
            let province = self
                .get(
                    Regime::TwoLevel,
                    commune.parent.as_deref().unwrap_or_default(),
                )
                .cloned()
                .ok_or_else(not_found)?;
            return Ok(Conversion {
                line: parts[..n - 2].join(", "),
                found: vec![commune.clone(), province.clone()],
                today: vec![(commune, province)],
                unrecognised: None,
            });
        }
        // An old commune given with its province only, or an old district (an island, or one
        // whose commune is not in the list).
        if n >= 2
            && let Ok(code) = self.old.find(&parts[n - 1], "", &parts[n - 2])
        {
            if code.len() == 3 && n >= 3 {
                return Ok(self.old_unit_today(&parts[..n - 3], &code, Some(parts[n - 3].clone())));
            }
            return Ok(self.old_unit_today(&parts[..n - 2], &code, None));
        }
        Err(not_found())
    }

    fn old_unit_today(
        &self,
        line: &[String],
        code: &str,
        unrecognised: Option<String>,
    ) -> Conversion {
        // A district (the commune was not recognised): every commune of today its area went to.
        let mut successors = self.successors(code);
        if successors.is_empty() && code.len() == 3 {
            let mut all: Vec<&AdminUnit> = self
                .units
                .values()
                .filter(|u| u.regime == Regime::ThreeLevel && u.parent.as_deref() == Some(code))
                .flat_map(|u| self.successors(&u.code))
                .collect();
            all.sort_by(|a, b| a.code.cmp(&b.code));
            all.dedup_by(|a, b| a.code == b.code);
            successors = all;
        }
        let today = successors
            .into_iter()
            .filter_map(|c| {
                let p = self.get(Regime::TwoLevel, c.parent.as_deref()?)?;
                Some((c.clone(), p.clone()))
            })
            .collect();
        Conversion {
            line: line.join(", "),
            found: self.chain(Regime::ThreeLevel, code),
            today,
            unrecognised,
        }
    }
}

#[cfg(test)]
mod tests {
    /// Found by fuzzing: a code cell holding a whole line (a file cut badly) was quoted back
    /// whole in the refusal.
    #[test]
    fn a_bad_code_is_quoted_short() {
        let header =
            "province_code,province_name,district_code,district_name,commune_code,commune_name\n";
        let long = "01".repeat(2_000);
        let e = super::UnitDataset::from_official(
            &format!("{header}{long},Thành phố Hà Nội,001,Quận Ba Đình,00001,Phường Phúc Xá\n"),
            "",
            "",
        )
        .unwrap_err();
        assert!(e.message.contains("phải có 2 chữ số"), "{}", e.message);
        assert!(e.message.chars().count() < 200, "{}", e.message);
    }

    /// Found by fuzzing: the compact form's last line, ended by a lone carriage return, kept it
    /// in the unit's name (and a bad code was quoted whole).
    #[test]
    fn the_compact_form_reads_back_the_same() {
        let set =
            super::UnitDataset::from_compact("B\t00100\t003\tphường\tPhường Quảng An\r").unwrap();
        assert_eq!(set.units[0].name, "Phường Quảng An");
        assert_eq!(
            super::UnitDataset::from_compact(&set.to_compact()).unwrap(),
            set
        );
        let e = super::UnitDataset::from_compact(&format!("B\t{}\t-\tx\ty", "1".repeat(5_000)))
            .unwrap_err();
        assert!(e.message.chars().count() < 200, "{}", e.message);
    }
}
