//! Mã VietQR — the EMVCo merchant-presented QR code of NAPAS for a transfer to a bank account
//! (NAPAS 247 service "QRIBFTTA"), which every Vietnamese banking app reads: the bank's BIN, the
//! account, the amount in đồng and the purpose of the transfer (the dossier's code), closed by a
//! CRC. A citizen scans it from the receipt or their dossier's page and the transfer arrives
//! with the dossier's code in its description, which is what reconciliation matches on.
//!
//! The payload is a list of data objects, each an id of two digits, a length of two digits and
//! the value; the account information (id 38) and the additional data (id 62) nest the same
//! way. The CRC (id 63) is CRC-16/CCITT-FALSE over everything before it, "6304" included.

use std::fmt::Write as _;

use crate::error::DomainError;

/// NAPAS's application id for VietQR.
const NAPAS_GUID: &str = "A000000727";
/// Chuyển nhanh NAPAS 247 đến tài khoản.
const SERVICE_TO_ACCOUNT: &str = "QRIBFTTA";
/// Đồng Việt Nam (ISO 4217).
const CURRENCY_VND: &str = "704";

/// Tài khoản thu phí: where transfers go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Mã BIN của ngân hàng (6 digits, e.g. 970415 for VietinBank).
    pub bin: String,
    /// Số tài khoản.
    pub number: String,
}

impl Account {
    /// Checks the BIN (6 digits) and the account number (1–19 letters or digits).
    pub fn new(bin: &str, number: &str) -> Result<Self, DomainError> {
        let bin = bin.trim();
        let number = number.trim();
        if bin.len() != 6 || !bin.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DomainError::invalid(
                "invalid_bank_bin",
                "Mã BIN ngân hàng phải gồm 6 chữ số (ví dụ 970415).",
            ));
        }
        if number.is_empty()
            || number.len() > 19
            || !number.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(DomainError::invalid(
                "invalid_account_number",
                "Số tài khoản phải gồm 1 đến 19 chữ số hoặc chữ cái, không dấu cách.",
            ));
        }
        Ok(Self {
            bin: bin.into(),
            number: number.into(),
        })
    }
}

/// The payload of a transfer of `amount` đồng to `account` with `purpose` as its description.
/// The purpose loses its diacritics (banks carry none; "Lệ phí" becomes "Le phi") and is cut to
/// the 25 characters the standard allows.
pub fn payload(account: &Account, amount: i64, purpose: &str) -> String {
    let beneficiary = object("00", &account.bin) + &object("01", &account.number);
    let merchant =
        object("00", NAPAS_GUID) + &object("01", &beneficiary) + &object("02", SERVICE_TO_ACCOUNT);
    let purpose: String = purpose
        .chars()
        .flat_map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else if c.is_uppercase() {
                vntext::fold(&c.to_string()).to_uppercase()
            } else {
                vntext::fold(&c.to_string())
            }
            .chars()
            .collect::<Vec<_>>()
        })
        .filter(|c| c.is_ascii() && !c.is_ascii_control())
        .take(25)
        .collect();
    let mut out = object("00", "01");
    // 12: a code for one payment (its amount given); 11: a code to reuse.
    out += &object("01", if amount > 0 { "12" } else { "11" });
    out += &object("38", &merchant);
    out += &object("53", CURRENCY_VND);
    if amount > 0 {
        out += &object("54", &amount.to_string());
    }
    out += &object("58", "VN");
    if !purpose.is_empty() {
        out += &object("62", &object("08", &purpose));
    }
    out += "6304";
    let crc = crc16(out.as_bytes());
    let _ = write!(out, "{crc:04X}");
    out
}

/// One data object: id, length in two digits, value (at most 99 characters, which every value
/// built here respects).
fn object(id: &str, value: &str) -> String {
    debug_assert!(value.len() <= 99, "{id}: {value}");
    format!("{id}{:02}{value}", value.len())
}

/// CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR.
pub fn crc16(bytes: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &b in bytes {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// Reads a payload back into its top-level data objects, checking every length and the CRC:
/// what a reader of the printed code does (used by the tests and by the receipt's check).
pub fn parse(payload: &str) -> Result<Vec<(String, String)>, DomainError> {
    let bad = |why: &str| DomainError::invalid("invalid_vietqr", format!("Mã VietQR sai: {why}."));
    let body = payload
        .len()
        .checked_sub(4)
        .and_then(|n| payload.get(..n))
        .ok_or_else(|| bad("quá ngắn"))?;
    let crc = u16::from_str_radix(&payload[body.len()..], 16).map_err(|_| bad("CRC"))?;
    if !body.ends_with("6304") || crc16(body.as_bytes()) != crc {
        return Err(bad("CRC không khớp"));
    }
    objects(&payload[..payload.len() - 8]).ok_or_else(|| bad("độ dài trường"))
}

/// The data objects of a text made only of them.
pub fn objects(mut text: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    while !text.is_empty() {
        let id = text.get(..2)?;
        let len: usize = text.get(2..4)?.parse().ok()?;
        let value = text.get(4..4 + len)?;
        out.push((id.to_string(), value.to_string()));
        text = &text[4 + len..];
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_crc_is_ccitt_false() {
        // The standard check value of CRC-16/CCITT-FALSE.
        assert_eq!(crc16(b"123456789"), 0x29B1);
    }

    #[test]
    fn a_transfer_payload_matches_a_published_example() {
        // The example published with an independent VietQR generator (github.com/subiz/vietqr):
        // 120.000 đồng to VietinBank account 0011001932418, "ung ho lu lut".
        let account = Account::new("970415", "0011001932418").unwrap();
        assert_eq!(
            payload(&account, 120_000, "ủng hộ lũ lụt"),
            "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA\
             530370454061200005802VN62170813ung ho lu lut6304C15C"
        );
    }

    #[test]
    fn a_dossier_fee_reads_back_with_its_fields() {
        let account = Account::new("970405", "1234567890123").unwrap();
        let p = payload(&account, 5_000, "000.01.61.H38-261205-0001");
        let top = parse(&p).unwrap();
        let get = |id: &str| top.iter().find(|(i, _)| i == id).unwrap().1.clone();
        assert_eq!(get("00"), "01");
        assert_eq!(get("01"), "12");
        assert_eq!(get("53"), "704");
        assert_eq!(get("54"), "5000");
        assert_eq!(get("58"), "VN");
        let merchant = objects(&get("38")).unwrap();
        assert_eq!(merchant[0], ("00".into(), "A000000727".into()));
        assert_eq!(merchant[2], ("02".into(), "QRIBFTTA".into()));
        let bank = objects(&merchant[1].1).unwrap();
        assert_eq!(
            bank,
            [
                ("00".into(), "970405".into()),
                ("01".into(), "1234567890123".into())
            ]
        );
        let extra = objects(&get("62")).unwrap();
        assert_eq!(extra, [("08".into(), "000.01.61.H38-261205-0001".into())]);
        // One character changed anywhere is caught by the CRC.
        let tampered = p.replacen("5000", "9000", 1);
        assert_eq!(parse(&tampered).unwrap_err().code, "invalid_vietqr");
    }

    #[test]
    fn a_purpose_loses_its_diacritics_and_keeps_its_case() {
        let account = Account::new("970415", "1").unwrap();
        let p = payload(&account, 8_000, "Lệ phí Đăng ký HS-01");
        let extra = &parse(&p)
            .unwrap()
            .into_iter()
            .find(|(i, _)| i == "62")
            .unwrap()
            .1;
        assert_eq!(extra, "0820Le phi Dang ky HS-01");
    }

    #[test]
    fn accounts_are_checked() {
        assert!(Account::new("97041", "1").is_err());
        assert!(Account::new("97041x", "1").is_err());
        assert!(Account::new("970415", "").is_err());
        assert!(Account::new("970415", "12 34").is_err());
        assert!(Account::new("970415", "12345678901234567890").is_err());
        assert!(Account::new(" 970415 ", "0011001932418").is_ok());
    }

    #[test]
    fn a_long_purpose_is_cut_to_25_characters() {
        let account = Account::new("970415", "1").unwrap();
        let p = payload(&account, 0, &"x".repeat(40));
        let top = parse(&p).unwrap();
        assert!(
            top.iter().all(|(id, _)| id != "54"),
            "no amount: a reusable code"
        );
        let extra = &top.iter().find(|(i, _)| i == "62").unwrap().1;
        assert_eq!(extra.len(), 4 + 25);
    }
}
