//! Cơ quan, đơn vị — agencies: People's Committees, their departments and offices, and the
//! Bộ phận Một cửa (public administration service centre) that receives and returns dossiers.

use std::collections::HashMap;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::DomainError;
use crate::ids::{AgencyCode, CodeFormat};
use crate::unit::Regime;

/// Internal key of an agency: lower-case ASCII words joined by `-`, nested with `.`
/// (`lao-cai`, `lao-cai.xa-bao-thang`, `lao-cai.xa-bao-thang.mot-cua`). Stable even when the
/// official identifier is corrected.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AgencyId(String);

impl AgencyId {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim();
        let ok = !s.is_empty()
            && s.len() <= 100
            && s.split('.').all(|part| {
                !part.is_empty()
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            });
        if !ok {
            return Err(DomainError::invalid(
                "invalid_agency_id",
                format!(
                    "Mã cơ quan nội bộ \"{}\" không hợp lệ.",
                    crate::error::shorten(s)
                ),
            ));
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AgencyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for AgencyId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for AgencyId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// Loại cơ quan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AgencyKind {
    /// UBND tỉnh.
    ProvincialCommittee,
    /// UBND xã, phường, đặc khu (or a former district committee).
    CommuneCommittee,
    /// Sở, phòng chuyên môn.
    Department,
    /// Trung tâm Phục vụ hành chính công / Bộ phận Tiếp nhận và Trả kết quả — Bộ phận Một cửa.
    ServiceCenter,
    /// Văn phòng (văn thư: numbering and sealing results).
    Office,
    /// Công an (residence procedures).
    Police,
}

impl AgencyKind {
    /// An agency that decides matters in its own name (cơ quan có thẩm quyền): a People's
    /// Committee, a department, the police — the units reports line up and feedback goes to.
    pub fn decides(self) -> bool {
        matches!(
            self,
            AgencyKind::ProvincialCommittee
                | AgencyKind::CommuneCommittee
                | AgencyKind::Department
                | AgencyKind::Police
        )
    }
}

/// Cơ quan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agency {
    pub id: AgencyId,
    /// Mã định danh điện tử (QĐ 20/2020/QĐ-TTg).
    pub code: AgencyCode,
    /// False when the identifier was not checked against the shared e-catalogue
    /// (Danh mục điện tử dùng chung); such codes must be confirmed before national sync.
    pub code_verified: bool,
    pub name: String,
    pub kind: AgencyKind,
    pub parent: Option<AgencyId>,
    /// The administrative unit a People's Committee governs.
    pub unit: Option<(Regime, String)>,
    /// Layout of the dossier codes a service centre issues.
    #[serde(default)]
    pub code_format: CodeFormat,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    /// The agency that took over (units merged in 2025).
    pub successor: Option<AgencyId>,
    /// Free text for officers (e.g. which former units a 2025 commune was formed from).
    #[serde(default)]
    pub note: Option<String>,
    /// Giờ làm việc — its office sessions when they differ from the standard ones, as
    /// `lich::OfficeHours` reads them ("07:30-11:30, 13:30-17:00"); the agencies below it
    /// keep them unless they set their own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_hours: Option<String>,
    /// Tiếp nhận sáng thứ Bảy — hours a centre receives on Saturdays ("07:30-11:30").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saturday_reception: Option<String>,
}

/// All agencies, for questions about the hierarchy (which committee an office belongs to,
/// whether an officer's unit covers a dossier's).
#[derive(Debug, Clone, Default)]
pub struct AgencyTree {
    by_id: HashMap<AgencyId, Agency>,
}

impl AgencyTree {
    pub fn new(agencies: impl IntoIterator<Item = Agency>) -> Self {
        Self {
            by_id: agencies.into_iter().map(|a| (a.id.clone(), a)).collect(),
        }
    }

    pub fn get(&self, id: &AgencyId) -> Option<&Agency> {
        self.by_id.get(id)
    }

    /// The agency's name, or its id when the tree does not know it (a unit since removed).
    pub fn name_of(&self, id: &AgencyId) -> String {
        self.get(id)
            .map_or_else(|| id.to_string(), |a| a.name.clone())
    }

    /// The agency, or a not-found error naming it.
    pub fn require(&self, id: &AgencyId) -> Result<&Agency, DomainError> {
        self.get(id).ok_or_else(|| {
            DomainError::not_found("agency_not_found", format!("Không có cơ quan \"{id}\"."))
        })
    }

    pub fn all(&self) -> impl Iterator<Item = &Agency> {
        self.by_id.values()
    }

    /// Nhánh — the agency just under the top of the tree that contains `id` (a commune's
    /// People's Committee, a department, the province's centre), or the top itself. Lists find
    /// a dossier through the branches of its units.
    pub fn branch_of(&self, id: &AgencyId) -> AgencyId {
        let mut current = id;
        for _ in 0..32 {
            match self.get(current).and_then(|a| a.parent.as_ref()) {
                Some(parent) if self.get(parent).is_some_and(|p| p.parent.is_some()) => {
                    current = parent;
                }
                _ => break,
            }
        }
        current.clone()
    }

    /// Whether the agency is a top of the tree (no parent).
    pub fn is_top(&self, id: &AgencyId) -> bool {
        self.get(id).is_some_and(|a| a.parent.is_none())
    }

    /// Whether `inner` is `outer` or below it.
    pub fn is_within(&self, inner: &AgencyId, outer: &AgencyId) -> bool {
        self.upward(inner).any(|id| id == outer)
    }

    /// An agency, then its parent, and so on to the top (at most 32 steps, should the data
    /// ever hold a cycle).
    pub fn upward<'a>(&'a self, id: &'a AgencyId) -> impl Iterator<Item = &'a AgencyId> + 'a {
        std::iter::successors(Some(id), |id| self.get(id).and_then(|a| a.parent.as_ref())).take(33)
    }

    /// The People's Committee an agency belongs to (itself if it is one).
    pub fn committee_of(&self, id: &AgencyId) -> Option<&Agency> {
        let mut current = self.get(id);
        while let Some(a) = current {
            if matches!(
                a.kind,
                AgencyKind::ProvincialCommittee | AgencyKind::CommuneCommittee
            ) {
                return Some(a);
            }
            current = a.parent.as_ref().and_then(|p| self.get(p));
        }
        None
    }

    /// The agency, from `id` up, closed on `day` (dissolved or merged into its successor), if
    /// any: nothing is received there any more.
    pub fn closed_on(&self, id: &AgencyId, day: NaiveDate) -> Option<&Agency> {
        let mut current = self.get(id);
        for _ in 0..32 {
            let a = current?;
            if a.valid_to.is_some_and(|to| to <= day) {
                return Some(a);
            }
            current = a.parent.as_ref().and_then(|p| self.get(p));
        }
        None
    }

    /// The service centre (Bộ phận Một cửa) of a committee.
    pub fn counter_of(&self, committee: &AgencyId) -> Option<&Agency> {
        self.by_id
            .values()
            .find(|a| a.kind == AgencyKind::ServiceCenter && a.parent.as_ref() == Some(committee))
    }

    /// Direct children of an agency, sorted by id.
    pub fn children(&self, id: &AgencyId) -> Vec<&Agency> {
        let mut v: Vec<&Agency> = self
            .by_id
            .values()
            .filter(|a| a.parent.as_ref() == Some(id))
            .collect();
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v
    }
}

/// Địa danh: the place in an agency's name, as a document's "…, ngày … tháng …" line writes it
/// ("Trung tâm Phục vụ hành chính công xã Bảo Thắng" → "Bảo Thắng"); empty when none is named.
pub fn place_name(name: &str) -> String {
    for level in ["xã ", "phường ", "đặc khu ", "tỉnh ", "thành phố "] {
        if let Some(i) = name.rfind(level) {
            return name[i + level.len()..].trim().to_string();
        }
    }
    String::new()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn agency(id: &str, code: &str, kind: AgencyKind, parent: Option<&str>) -> Agency {
        Agency {
            id: AgencyId::parse(id).unwrap(),
            code: AgencyCode::parse(code).unwrap(),
            code_verified: false,
            name: id.to_string(),
            kind,
            parent: parent.map(|p| AgencyId::parse(p).unwrap()),
            unit: None,
            code_format: CodeFormat::Tt01,
            valid_from: None,
            valid_to: None,
            successor: None,
            note: None,
            office_hours: None,
            saturday_reception: None,
        }
    }

    #[test]
    fn hierarchy_questions() {
        let tree = AgencyTree::new([
            agency("lao-cai", "H38", AgencyKind::ProvincialCommittee, None),
            agency(
                "lao-cai.bao-thang",
                "H38.1",
                AgencyKind::CommuneCommittee,
                Some("lao-cai"),
            ),
            agency(
                "lao-cai.bao-thang.mot-cua",
                "H38.1.1",
                AgencyKind::ServiceCenter,
                Some("lao-cai.bao-thang"),
            ),
            agency(
                "lao-cai.bao-thang.vhxh",
                "H38.1.2",
                AgencyKind::Department,
                Some("lao-cai.bao-thang"),
            ),
        ]);
        let id = |s: &str| AgencyId::parse(s).unwrap();
        assert!(tree.is_within(&id("lao-cai.bao-thang.vhxh"), &id("lao-cai")));
        assert!(!tree.is_within(&id("lao-cai"), &id("lao-cai.bao-thang")));
        assert_eq!(
            tree.committee_of(&id("lao-cai.bao-thang.vhxh")).unwrap().id,
            id("lao-cai.bao-thang")
        );
        assert_eq!(
            tree.counter_of(&id("lao-cai.bao-thang")).unwrap().id,
            id("lao-cai.bao-thang.mot-cua")
        );
        assert!(AgencyId::parse("Lao Cai").is_err());
    }
}
