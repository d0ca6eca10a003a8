//! Tổ chức, cá nhân nộp hồ sơ — the applicant: a citizen identified by the 12-digit personal
//! identification number, or an organisation identified by its tax code.

use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::ids::{Cccd, Email, PersonName, PhoneNumber, TaxCode};

/// Địa chỉ — the street part as written, and the commune in today's units when known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// Số nhà, đường, thôn, tổ dân phố.
    pub line: String,
    /// 5-digit commune code of the two-level regime (QĐ 19/2025).
    pub commune_code: Option<String>,
    /// Full text as printed on forms ("Thôn Cốc Sâm, xã Bảo Thắng, tỉnh Lào Cai").
    pub text: String,
}

impl Address {
    pub fn new(line: &str, commune_code: Option<&str>, text: &str) -> Result<Self, DomainError> {
        let line = vntext::clean(line);
        let text = vntext::clean(text);
        if text.is_empty() || text.chars().count() > 300 || line.chars().count() > 200 {
            return Err(DomainError::invalid(
                "invalid_address",
                "Địa chỉ không hợp lệ: cần ghi địa chỉ, tối đa 300 ký tự.",
            ));
        }
        if let Some(c) = commune_code
            && (c.len() != 5 || !c.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(DomainError::invalid(
                "invalid_address",
                format!(
                    "Mã xã \"{}\" không hợp lệ (5 chữ số theo QĐ 19/2025/QĐ-TTg).",
                    crate::error::shorten(c)
                ),
            ));
        }
        Ok(Self {
            line,
            commune_code: commune_code.map(str::to_string),
            text,
        })
    }
}

/// Người nộp hồ sơ / chủ hồ sơ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Applicant {
    /// Công dân.
    Citizen {
        name: PersonName,
        id_number: Cccd,
        phone: Option<PhoneNumber>,
        email: Option<Email>,
        address: Address,
    },
    /// Tổ chức, doanh nghiệp.
    Organisation {
        name: String,
        tax_code: TaxCode,
        representative: PersonName,
        phone: Option<PhoneNumber>,
        email: Option<Email>,
        address: Address,
    },
}

impl Applicant {
    /// The person who acts: the citizen, or the organisation's representative.
    pub fn person(&self) -> &PersonName {
        match self {
            Applicant::Citizen { name, .. } => name,
            Applicant::Organisation { representative, .. } => representative,
        }
    }

    /// Name as printed on forms.
    pub fn display_name(&self) -> &str {
        match self {
            Applicant::Citizen { name, .. } => name.as_str(),
            Applicant::Organisation { name, .. } => name,
        }
    }

    /// The identifying number (personal id or tax code).
    pub fn id_number(&self) -> &str {
        match self {
            Applicant::Citizen { id_number, .. } => id_number.as_str(),
            Applicant::Organisation { tax_code, .. } => tax_code.as_str(),
        }
    }

    pub fn address(&self) -> &Address {
        match self {
            Applicant::Citizen { address, .. } | Applicant::Organisation { address, .. } => address,
        }
    }

    pub fn phone(&self) -> Option<&PhoneNumber> {
        match self {
            Applicant::Citizen { phone, .. } | Applicant::Organisation { phone, .. } => {
                phone.as_ref()
            }
        }
    }

    pub fn email(&self) -> Option<&Email> {
        match self {
            Applicant::Citizen { email, .. } | Applicant::Organisation { email, .. } => {
                email.as_ref()
            }
        }
    }

    /// Thông tin đã khai: the items this applicant declared (the optional ones when given).
    pub fn fields(&self) -> Vec<crate::dossier::ApplicantField> {
        use crate::dossier::ApplicantField as F;
        let mut out = match self {
            Applicant::Citizen { .. } => vec![F::Name, F::IdNumber, F::Address],
            Applicant::Organisation { .. } => {
                vec![F::OrganisationName, F::TaxCode, F::Name, F::Address]
            }
        };
        if self.phone().is_some() {
            out.push(F::Phone);
        }
        if self.email().is_some() {
            out.push(F::Email);
        }
        out
    }

    /// Organisation names are checked here (people's names are checked by [`PersonName`]).
    pub fn validate(&self) -> Result<(), DomainError> {
        if let Applicant::Organisation { name, .. } = self {
            let n = name.trim().chars().count();
            if !(2..=250).contains(&n) {
                return Err(DomainError::invalid(
                    "invalid_name",
                    "Tên tổ chức không hợp lệ: từ 2 đến 250 ký tự.",
                ));
            }
        }
        Ok(())
    }
}
