//! Mã, số hiệu — the identifiers the one-stop system handles, parsed once at the edge
//! ("parse, don't validate"): a value of these types is known to be well formed everywhere.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{DomainError, shorten};

macro_rules! string_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// The canonical text form.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                Self::parse(&text).map_err(serde::de::Error::custom)
            }
        }

        impl std::str::FromStr for $name {
            type Err = DomainError;
            fn from_str(s: &str) -> Result<Self, DomainError> {
                Self::parse(s)
            }
        }
    };
}

fn digits_only(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Province codes of the 2004 list (QĐ 124/2004/QĐ-TTg), which are the first three digits of a
/// citizen identity number (Thông tư 07/2016/TT-BCA: "0" + the 2-digit code of the province where
/// the birth was registered).
pub const CCCD_PROVINCES: [u8; 63] = [
    1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36, 37,
    38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72, 74, 75, 77,
    79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
];

string_newtype!(
    /// Số định danh cá nhân / số căn cước công dân — a citizen's 12-digit personal identification
    /// number: province of birth registration (3 digits), sex and century (1), year of birth (2),
    /// random (6).
    Cccd
);

impl Cccd {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = digits_only(input);
        let bad = |why: &str| {
            DomainError::invalid(
                "invalid_cccd",
                format!(
                    "Số định danh cá nhân \"{}\" không hợp lệ: {why}.",
                    shorten(input)
                ),
            )
        };
        if s.len() != 12 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("phải gồm đúng 12 chữ số"));
        }
        let province: u8 = s[0..3].parse().map_err(|_| bad("mã tỉnh không đúng"))?;
        if s.as_bytes()[0] != b'0' || !CCCD_PROVINCES.contains(&province) {
            return Err(bad(
                "3 chữ số đầu không phải mã tỉnh, thành phố nơi đăng ký khai sinh",
            ));
        }
        if !matches!(s.as_bytes()[3], b'0'..=b'3') {
            return Err(bad("chữ số thứ 4 (giới tính, thế kỷ sinh) phải từ 0 đến 3"));
        }
        Ok(Self(s))
    }

    /// Year of birth encoded in the number.
    pub fn birth_year(&self) -> i32 {
        let century = if self.0.as_bytes()[3] <= b'1' {
            1900
        } else {
            2000
        };
        century + self.0[4..6].parse::<i32>().expect("checked digits")
    }

    /// True for a woman (odd sex digit).
    pub fn is_female(&self) -> bool {
        (self.0.as_bytes()[3] - b'0') % 2 == 1
    }

    /// The number with all but the last 3 digits hidden, for screens that do not need it whole.
    pub fn masked(&self) -> String {
        format!("*********{}", &self.0[9..])
    }
}

string_newtype!(
    /// Mã số thuế — an organisation's tax code: 10 digits (province, sequence, check digit), or 13
    /// for a branch, written `0123456789-001`.
    TaxCode
);

impl TaxCode {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-' && *c != '.')
            .collect();
        let bad = |why: &str| {
            DomainError::invalid(
                "invalid_tax_code",
                format!("Mã số thuế \"{}\" không hợp lệ: {why}.", shorten(input)),
            )
        };
        if !(s.len() == 10 || s.len() == 13) || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(
                "phải gồm 10 chữ số, hoặc 13 chữ số với đơn vị phụ thuộc",
            ));
        }
        if &s[2..9] == "0000000" || (s.len() == 13 && &s[10..] == "000") {
            return Err(bad("phần số thứ tự không được toàn số 0"));
        }
        // Check digit: weights 31, 29, 23, 19, 17, 13, 7, 5, 3 over the first nine digits.
        const WEIGHTS: [u32; 9] = [31, 29, 23, 19, 17, 13, 7, 5, 3];
        let total: u32 = s
            .bytes()
            .zip(WEIGHTS)
            .map(|(b, w)| u32::from(b - b'0') * w)
            .sum();
        if 10 - total % 11 != u32::from(s.as_bytes()[9] - b'0') {
            return Err(bad("chữ số kiểm tra không khớp, có thể gõ nhầm"));
        }
        Ok(Self(if s.len() == 13 {
            format!("{}-{}", &s[..10], &s[10..])
        } else {
            s
        }))
    }
}

string_newtype!(
    /// Số điện thoại — a Vietnamese phone number, stored as 10 digits (mobile, `0[35789]…`) or 11
    /// (landline, `02…`). `+84`/`84` prefixes and separators are accepted.
    PhoneNumber
);

impl PhoneNumber {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let mut s: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '.' | '-' | '(' | ')'))
            .collect();
        if let Some(rest) = s.strip_prefix("+84").or_else(|| s.strip_prefix("84"))
            && s.len() >= 11
        {
            s = format!("0{rest}");
        }
        let ok = s.bytes().all(|b| b.is_ascii_digit())
            && ((s.len() == 10 && matches!(s.as_bytes()[1], b'3' | b'5' | b'7' | b'8' | b'9'))
                || (s.len() == 11 && s.starts_with("02")));
        if !ok || !s.starts_with('0') {
            return Err(DomainError::invalid(
                "invalid_phone",
                format!(
                    "Số điện thoại \"{}\" không hợp lệ: di động 10 số (ví dụ 0912345678), cố định 11 số bắt đầu bằng 02.",
                    shorten(input)
                ),
            ));
        }
        Ok(Self(s))
    }
}

string_newtype!(
    /// Thư điện tử — an e-mail address (lower-cased).
    Email
);

impl Email {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim().to_lowercase();
        let ok = s.len() <= 254
            && !s.chars().any(char::is_whitespace)
            && s.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            });
        if !ok {
            return Err(DomainError::invalid(
                "invalid_email",
                format!("Thư điện tử \"{}\" không hợp lệ.", shorten(input.trim())),
            ));
        }
        Ok(Self(s))
    }
}

string_newtype!(
    /// Mã định danh điện tử của cơ quan — an agency identifier under QĐ 20/2020/QĐ-TTg: groups
    /// separated by dots, from level 1 (`MX1X2`, a letter and two digits) left to right, at most
    /// 35 characters: `H38`, `H38.22`, `G09.20`.
    AgencyCode
);

impl AgencyCode {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim().to_uppercase();
        let groups: Vec<&str> = s.split('.').collect();
        let level1 = groups[0].as_bytes();
        let ok = s.len() <= 35
            && level1.len() == 3
            && (b'A'..=b'Y').contains(&level1[0])
            && level1[1..].iter().all(u8::is_ascii_digit)
            && groups[1..].iter().all(|g| {
                !g.is_empty()
                    && g.bytes()
                        .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
            });
        if !ok {
            return Err(DomainError::invalid(
                "invalid_agency_code",
                format!(
                    "Mã định danh cơ quan \"{}\" không đúng QĐ 20/2020/QĐ-TTg (ví dụ H38 hoặc H38.22).",
                    shorten(input)
                ),
            ));
        }
        Ok(Self(s))
    }

    /// Whether the code fits the older QCVN 102:2016 layout unchanged: at most four levels, and
    /// levels 2, 3 and 4 of at most 2, 2 and 3 characters (a longer group would widen the TT
    /// 01/2018 dossier code beyond its layout; such a centre issues codes in the long layout).
    pub fn fits_legacy(&self) -> bool {
        let groups: Vec<&str> = self.0.split('.').collect();
        groups.len() <= 4 && groups.iter().zip([3, 2, 2, 3]).all(|(g, w)| g.len() <= w)
    }

    /// The same agency in the older QCVN 102:2016 layout used by TT 01/2018 dossier codes: four
    /// groups from level 4 down to level 1, `V1V2V3.Z1Z2.Y1Y2.MX1X2` (`H38.22` → `000.00.22.H38`).
    pub fn legacy(&self) -> String {
        let groups: Vec<&str> = self.0.split('.').collect();
        let level = |i: usize, width: usize| {
            groups
                .get(i)
                .map(|g| format!("{g:0>width$}"))
                .unwrap_or_else(|| "0".repeat(width))
        };
        format!(
            "{}.{}.{}.{}",
            level(3, 3),
            level(2, 2),
            level(1, 2),
            groups[0]
        )
    }
}

string_newtype!(
    /// Mã thủ tục hành chính — a procedure code of the national database, `d.dddddd`, or, for a
    /// procedure whose national code is not known (yet), a local code `DP.<agency level-1
    /// code>.<4 digits>` ("DP.H38.0001", địa phương) that cannot be mistaken for a national one.
    ProcedureCode
);

impl ProcedureCode {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim();
        let b = s.as_bytes();
        let national = b.len() == 8
            && b[0].is_ascii_digit()
            && b[1] == b'.'
            && b[2..].iter().all(u8::is_ascii_digit);
        let local = s
            .strip_prefix("DP.")
            .and_then(|rest| rest.split_once('.'))
            .is_some_and(|(agency, n)| {
                let a = agency.as_bytes();
                a.len() == 3
                    && a[0].is_ascii_uppercase()
                    && a[1..].iter().all(u8::is_ascii_digit)
                    && n.len() == 4
                    && n.bytes().all(|c| c.is_ascii_digit())
            });
        if !national && !local {
            return Err(DomainError::invalid(
                "invalid_procedure_code",
                format!(
                    "Mã thủ tục \"{}\" không hợp lệ (dạng d.dddddd như 1.001193, hoặc mã địa phương DP.H38.0001).",
                    shorten(input)
                ),
            ));
        }
        Ok(Self(s.to_string()))
    }

    /// Whether this is a code of the national procedure database (not a local one).
    pub fn is_national(&self) -> bool {
        !self.0.starts_with("DP.")
    }
}

/// Kiểu mã hồ sơ — which layout dossier codes are issued in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CodeFormat {
    /// TT 01/2018 Art. 19: `<agency id, QCVN 102 layout>-YYMMDD-NNNN`.
    #[default]
    Tt01,
    /// The long form seen since 2025 (TT 03/2025, unconfirmed): `<QĐ 20 id>-YYYYMMDD-NNNNNNN`.
    Long2025,
}

string_newtype!(
    /// Mã số hồ sơ — the code of a dossier, printed on the receipt and used by citizens to look it
    /// up. Either layout of [`CodeFormat`] is accepted.
    DossierCode
);

impl DossierCode {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim().to_uppercase();
        let parts: Vec<&str> = s.rsplitn(3, '-').collect();
        let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
        let provisional = |p: &str| {
            p.strip_prefix('T').is_some_and(|n| {
                (6..=9).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit())
            })
        };
        let ok = parts.len() == 3
            && !parts[2].is_empty()
            && parts[2].len() <= 40
            && parts[2]
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || b == b'.')
            && ((digits(parts[1], 6) && (digits(parts[0], 4) || provisional(parts[0])))
                || (digits(parts[1], 8) && (digits(parts[0], 7) || provisional(parts[0]))));
        if !ok {
            return Err(DomainError::invalid(
                "invalid_dossier_code",
                format!(
                    "Mã hồ sơ \"{}\" không hợp lệ (ví dụ 000.00.22.H38-261123-0001).",
                    shorten(input.trim())
                ),
            ));
        }
        Ok(Self(s))
    }

    /// Builds the code of the `seq`-th dossier received by an agency on a day. A centre never
    /// runs out of numbers: past the 9,999th dossier of a day in the TT 01/2018 layout, the code
    /// is issued in the long layout (seven digits), which no TT 01 code can equal.
    pub fn issue(
        format: CodeFormat,
        agency: &AgencyCode,
        day: NaiveDate,
        seq: u32,
    ) -> Result<Self, DomainError> {
        let format = match format {
            CodeFormat::Tt01 if seq > 9_999 => CodeFormat::Long2025,
            other => other,
        };
        let text = match format {
            CodeFormat::Tt01 => format!("{}-{}-{seq:04}", agency.legacy(), day.format("%y%m%d")),
            CodeFormat::Long2025 => format!("{agency}-{}-{seq:07}", day.format("%Y%m%d")),
        };
        if seq == 0 || seq > 9_999_999 {
            return Err(DomainError::rule(
                "code_sequence_exhausted",
                format!(
                    "Đã hết số thứ tự hồ sơ trong ngày của cơ quan {agency} (tối đa 9.999.999)."
                ),
            ));
        }
        Ok(Self(text))
    }

    /// Mã tạm — the reference of an online submission waiting to be checked. It names the
    /// centre and the day of submission like a code, with `T` and its own sequence in place of
    /// the number, so waiting submissions never use the numbers of received dossiers: a code is
    /// issued only when the dossier is received (TT 01/2018 Art. 19: the date of reception).
    pub fn provisional(
        format: CodeFormat,
        agency: &AgencyCode,
        day: NaiveDate,
        seq: u32,
    ) -> Result<Self, DomainError> {
        if seq == 0 || seq > 999_999_999 {
            return Err(DomainError::rule(
                "code_sequence_exhausted",
                "Đã hết số tham chiếu tạm trong ngày.",
            ));
        }
        Ok(Self(match format {
            CodeFormat::Tt01 => format!("{}-{}-T{seq:06}", agency.legacy(), day.format("%y%m%d")),
            CodeFormat::Long2025 => format!("{agency}-{}-T{seq:06}", day.format("%Y%m%d")),
        }))
    }

    /// Whether this is the provisional reference of an online submission not yet received.
    pub fn is_provisional(&self) -> bool {
        self.0
            .rsplit('-')
            .next()
            .is_some_and(|n| n.starts_with('T'))
    }
}

string_newtype!(
    /// Họ và tên — a person's name in NFC, single-spaced, 2–100 characters, letters only (with
    /// spaces, apostrophes and hyphens, as in ethnic-minority names).
    PersonName
);

impl PersonName {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = vntext::clean(input);
        let n = s.chars().count();
        let ok = (2..=100).contains(&n)
            && s.chars()
                .all(|c| c.is_alphabetic() || matches!(c, ' ' | '\'' | '-' | '.'));
        if !ok {
            return Err(DomainError::invalid(
                "invalid_name",
                format!(
                    "Họ tên \"{}\" không hợp lệ: chỉ gồm chữ cái và khoảng trắng, từ 2 đến 100 ký tự.",
                    shorten(input.trim())
                ),
            ));
        }
        Ok(Self(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cccd_is_twelve_digits_with_a_province_of_birth() {
        let c = Cccd::parse("010 090 012 345").unwrap();
        assert_eq!(c.as_str(), "010090012345");
        assert_eq!(c.birth_year(), 1990);
        assert!(!c.is_female());
        assert!(Cccd::parse("010190012345").unwrap().is_female());
        assert_eq!(c.masked(), "*********345");
        assert_eq!(Cccd::parse("010305012345").unwrap().birth_year(), 2005);
        for bad in [
            "01019001234",
            "0101900123456",
            "01019001234a",
            "003190012345",
            "010490012345",
            "110190012345",
        ] {
            let e = Cccd::parse(bad).unwrap_err();
            assert_eq!(e.code, "invalid_cccd", "{bad}");
        }
    }

    #[test]
    fn tax_codes_have_a_check_digit() {
        assert_eq!(TaxCode::parse("0100233488").unwrap().as_str(), "0100233488");
        assert_eq!(
            TaxCode::parse("0314409058-002").unwrap().as_str(),
            "0314409058-002"
        );
        assert!(
            TaxCode::parse("0100233480")
                .unwrap_err()
                .message
                .contains("kiểm tra")
        );
        assert!(TaxCode::parse("12345").is_err());
        assert!(TaxCode::parse("0100000003").is_err());
    }

    #[test]
    fn phone_numbers_are_normalised() {
        assert_eq!(
            PhoneNumber::parse("+84 912 345 678").unwrap().as_str(),
            "0912345678"
        );
        assert_eq!(
            PhoneNumber::parse("0912.345.678").unwrap().as_str(),
            "0912345678"
        );
        assert_eq!(
            PhoneNumber::parse("0214 3840 123").unwrap().as_str(),
            "02143840123"
        );
        for bad in ["091234567", "0112345678", "abc", "09123456789"] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails_need_a_domain() {
        assert_eq!(
            Email::parse(" A@Example.VN ").unwrap().as_str(),
            "a@example.vn"
        );
        for bad in ["a@b", "@b.vn", "a b@c.vn", "a@@b.vn", "a@.vn"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_agency_code_fits_the_legacy_layout_only_with_short_groups() {
        assert!(AgencyCode::parse("H38").unwrap().fits_legacy());
        assert!(AgencyCode::parse("H38.61.01").unwrap().fits_legacy());
        assert!(AgencyCode::parse("H38.61.01.001").unwrap().fits_legacy());
        assert!(!AgencyCode::parse("H38.101").unwrap().fits_legacy());
        assert!(!AgencyCode::parse("H38.61.101").unwrap().fits_legacy());
        assert!(!AgencyCode::parse("H38.61.01.001.1").unwrap().fits_legacy());
    }

    #[test]
    fn agency_codes_follow_qd_20_2020_and_convert_to_the_legacy_layout() {
        let c = AgencyCode::parse("h38.22").unwrap();
        assert_eq!(c.as_str(), "H38.22");
        assert_eq!(c.legacy(), "000.00.22.H38");
        assert_eq!(AgencyCode::parse("H38").unwrap().legacy(), "000.00.00.H38");
        assert_eq!(
            AgencyCode::parse("G09.20.05.123").unwrap().legacy(),
            "123.05.20.G09"
        );
        for bad in ["38", "Z38", "H3", "H38..1", "H38.2 2"] {
            assert!(AgencyCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dossier_codes_in_both_layouts() {
        let agency = AgencyCode::parse("H38.22").unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let short = DossierCode::issue(CodeFormat::Tt01, &agency, day, 7).unwrap();
        assert_eq!(short.as_str(), "000.00.22.H38-261123-0007");
        let long = DossierCode::issue(CodeFormat::Long2025, &agency, day, 92637).unwrap();
        assert_eq!(long.as_str(), "H38.22-20261123-0092637");
        assert_eq!(
            DossierCode::parse("g09.20-20260609-0092637")
                .unwrap()
                .as_str(),
            "G09.20-20260609-0092637"
        );
        assert_eq!(DossierCode::parse(short.as_str()).unwrap(), short);
        // Past 9,999 a day the long layout takes over instead of refusing.
        let next = DossierCode::issue(CodeFormat::Tt01, &agency, day, 10_000).unwrap();
        assert_eq!(next.as_str(), "H38.22-20261123-0010000");
        assert!(!next.is_provisional());
        assert!(DossierCode::issue(CodeFormat::Long2025, &agency, day, 10_000_000).is_err());
        let tmp = DossierCode::provisional(CodeFormat::Tt01, &agency, day, 12).unwrap();
        assert_eq!(tmp.as_str(), "000.00.22.H38-261123-T000012");
        assert!(tmp.is_provisional());
        assert_eq!(DossierCode::parse(tmp.as_str()).unwrap(), tmp);
        for bad in [
            "H38-2611-0001",
            "H38-261123-001",
            "-261123-0001",
            "H38 261123 0001",
        ] {
            assert!(DossierCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_are_cleaned_to_nfc() {
        assert_eq!(
            PersonName::parse("  nguye\u{0302}\u{0303}n   văn A ")
                .unwrap()
                .as_str(),
            "nguyễn văn A"
        );
        assert_eq!(PersonName::parse("Hờ A Páo").unwrap().as_str(), "Hờ A Páo");
        assert!(PersonName::parse("A").is_err());
        assert!(PersonName::parse("Nguyễn Văn 2").is_err());
    }

    #[test]
    fn procedure_codes_are_d_dot_six_digits_or_local() {
        assert!(ProcedureCode::parse("1.001193").unwrap().is_national());
        assert!(!ProcedureCode::parse("DP.H38.0001").unwrap().is_national());
        for bad in [
            "1001193",
            "1.00119",
            "a.001193",
            "1.0011934",
            "DP.H38.001",
            "DP.h38.0001",
            "DP.0001",
        ] {
            assert!(ProcedureCode::parse(bad).is_err(), "{bad}");
        }
    }
}
