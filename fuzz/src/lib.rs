//! What each fuzz target checks, beyond "does not panic": a value a parser accepts reads back
//! the same when written out and read again, and a refusal never quotes the input at length
//! (an error message is shown to a user and written to logs; it stays short whatever was sent).

use std::collections::BTreeMap;

/// The longest message a refusal may carry, in characters: the longest fixed Vietnamese text
/// plus a few values quoted at 40 characters each.
pub const MAX_MESSAGE: usize = 600;

/// Fails (and so reports the input) when `message` is longer than a refusal may be.
pub fn bounded(what: &str, message: &str) {
    let n = message.chars().count();
    assert!(
        n <= MAX_MESSAGE,
        "{what}: a refusal of {n} characters (more than {MAX_MESSAGE}) — it quotes the input unbounded: {message:.200}"
    );
}

/// The input as text, when it is UTF-8 (what every text parser here receives from axum or a
/// file read as UTF-8).
pub fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

macro_rules! identifier {
    ($fn:ident, $ty:ty) => {
        /// Parses an identifier; an accepted one is already in its normal form.
        pub fn $fn(data: &[u8]) {
            let Some(s) = text(data) else { return };
            match <$ty>::parse(s) {
                Ok(v) => {
                    let again = <$ty>::parse(v.as_str()).unwrap_or_else(|e| {
                        panic!("{:?} refused on reading back: {}", v, e.message)
                    });
                    assert_eq!(again, v, "reading back changed it");
                    assert_eq!(v.to_string(), v.as_str());
                }
                Err(e) => bounded(stringify!($ty), &e.message),
            }
        }
    };
}

identifier!(cccd, domain::ids::Cccd);
identifier!(tax_code, domain::ids::TaxCode);
identifier!(dossier_code, domain::ids::DossierCode);
identifier!(procedure_code, domain::ids::ProcedureCode);
identifier!(agency_code, domain::ids::AgencyCode);
identifier!(phone_number, domain::ids::PhoneNumber);
identifier!(email, domain::ids::Email);
identifier!(person_name, domain::ids::PersonName);

/// Thời hạn giải quyết ("5 ngày làm việc", "1,5 ngày", "Trong ngày"): an accepted limit is
/// written out in a form that reads back as the same limit.
pub fn limit(data: &[u8]) {
    let Some(s) = text(data) else { return };
    match s.parse::<lich::Limit>() {
        Ok(l) => {
            let written = l.to_string();
            let again: lich::Limit = written
                .parse()
                .unwrap_or_else(|e| panic!("{l:?} written as {written:?} is refused: {e}"));
            assert_eq!(again, l, "{written:?} reads back as another limit");
        }
        Err(e) => bounded("Limit", &e.to_string()),
    }
}

/// Dates, times, instants and report periods as officers type them.
pub fn dates(data: &[u8]) {
    let Some(s) = text(data) else { return };
    match lich::time::parse_date(s) {
        Ok(d) => {
            assert_eq!(
                lich::time::parse_date(&d.format("%Y-%m-%d").to_string()).ok(),
                Some(d)
            );
            assert_eq!(
                lich::time::parse_date(&d.format("%d/%m/%Y").to_string()).ok(),
                Some(d)
            );
        }
        Err(e) => bounded("parse_date", &e.to_string()),
    }
    if let Err(e) = lich::time::parse_time(s) {
        bounded("parse_time", &e.to_string());
    }
    match lich::time::parse_instant(s) {
        Ok(t) => {
            let again = lich::time::parse_instant(&t.to_rfc3339())
                .unwrap_or_else(|e| panic!("{t} refused on reading back: {e}"));
            assert_eq!(again, t);
        }
        Err(e) => bounded("parse_instant", &e.to_string()),
    }
    match domain::period::Period::parse(s) {
        Ok(p) => {
            assert!(p.first_day() <= p.last_day(), "{p:?} ends before it starts");
        }
        Err(e) => bounded("Period", &e.message),
    }
}

/// Amounts of money as officers type them, and VietQR payloads.
pub fn amounts(data: &[u8]) {
    let Some(s) = text(data) else { return };
    if let Some(n) = vntext::money::parse(s) {
        assert!(n >= 0, "{s:?} read as a negative amount {n}");
    }
    if let Err(e) = domain::vietqr::parse(s) {
        bounded("vietqr", &e.message);
    }
}

fn catalogue_errors(what: &str, e: &app::catalog::CatalogErrors) {
    for row in &e.0 {
        bounded(what, &row.message);
    }
}

type Versions = Vec<domain::procedure::ProcedureVersion>;
type Read =
    fn(
        &str,
    )
        -> Result<Vec<(usize, domain::procedure::ProcedureVersion)>, app::catalog::CatalogErrors>;

/// An accepted catalogue, written out again by `write`, reads back as the same versions.
fn catalogue(
    what: &str,
    data: &[u8],
    read: Read,
    write: fn(&[domain::procedure::ProcedureVersion]) -> String,
) {
    let Some(s) = text(data) else { return };
    let versions = |r: Vec<(usize, _)>| -> Versions { r.into_iter().map(|(_, v)| v).collect() };
    match read(s) {
        Ok(first) => {
            let first = versions(first);
            let written = write(&first);
            let again = read(&written).unwrap_or_else(|e| {
                panic!("{what}: written catalogue refused: {:?}\n{written}", e.0)
            });
            assert_eq!(
                versions(again),
                first,
                "{what}: reads back otherwise:\n{written}"
            );
        }
        Err(e) => catalogue_errors(what, &e),
    }
}

/// Danh mục thủ tục (CSV).
pub fn catalog_csv(data: &[u8]) {
    catalogue(
        "catalog csv",
        data,
        app::catalog::from_csv,
        app::catalog::to_csv,
    );
}

/// Danh mục thủ tục (JSON).
pub fn catalog_json(data: &[u8]) {
    catalogue(
        "catalog json",
        data,
        app::catalog::from_json,
        app::catalog::to_json,
    );
}

/// Đơn vị hành chính: the three official CSV files (split at NUL bytes) and the compact form
/// the project ships; an accepted set reads back the same from its compact form.
pub fn units(data: &[u8]) {
    let Some(s) = text(data) else { return };
    let mut parts = s.splitn(3, '\0');
    let (a, b, c) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    match app::units::UnitDataset::from_official(a, b, c) {
        Ok((set, unmatched)) => {
            for u in &unmatched {
                bounded("unmatched row", &u.reason);
            }
            reads_back(&set);
        }
        Err(e) => bounded("units (official)", &e.message),
    }
    match app::units::UnitDataset::from_compact(s) {
        Ok(set) => reads_back(&set),
        Err(e) => bounded("units (compact)", &e.message),
    }
}

/// A units dataset's compact form reads back as the same dataset.
fn reads_back(set: &app::units::UnitDataset) {
    let compact = set.to_compact();
    let again = app::units::UnitDataset::from_compact(&compact)
        .unwrap_or_else(|e| panic!("compact form refused: {}\n{compact}", e.message));
    assert_eq!(
        &again, set,
        "the compact form reads back otherwise:\n{compact}"
    );
}

/// Tệp tải lên: a file is taken for what its first bytes say, and for nothing else.
pub fn file_sniff(data: &[u8]) {
    match app::files::sniff(data) {
        Some("application/pdf") => assert!(data.starts_with(b"%PDF-")),
        Some("image/jpeg") => assert!(data.starts_with(&[0xFF, 0xD8, 0xFF])),
        Some("image/png") => assert!(data.starts_with(b"\x89PNG\r\n\x1a\n")),
        Some(other) => panic!("sniffed as {other}, which uploads do not take"),
        None => {}
    }
    if let Some(kind) = app::files::sniff_form(data) {
        assert!(kind.starts_with("application/"), "form sniffed as {kind}");
    }
}

/// Sao kê ngân hàng (CSV), with the default columns and with `;` as the separator.
pub fn statement(data: &[u8]) {
    let Some(s) = text(data) else { return };
    for delimiter in [b',', b';'] {
        let columns = app::statement::StatementColumns {
            delimiter,
            ..Default::default()
        };
        match app::statement::read_statement(s, &columns) {
            Ok((lines, _)) => {
                assert!(lines.len() <= app::statement::MAX_LINES);
                for l in &lines {
                    assert!(l.amount > 0, "a credit line of {} đồng", l.amount);
                }
            }
            Err(e) => bounded("statement", &e.message),
        }
    }
}

/// Kết quả từ cổng thanh toán: a callback's parameters are taken only with the right signature;
/// once signed, a callback is read or refused as malformed, never mistaken for a bad signature.
pub fn payment_callback(data: &[u8]) {
    const SECRET: &str = "khoa-bi-mat-cua-cong-thanh-toan";
    let params: Vec<(String, String)> = form_urlencoded::parse(data).into_owned().collect();
    if let Ok(answer) = app::gateway::read_callback(SECRET, &params) {
        // Only a signature computed with the secret is accepted; the fuzzer does not know it.
        let map: BTreeMap<_, _> = params.iter().cloned().collect();
        assert!(app::gateway::same_signature(
            &map["vnp_SecureHash"],
            &app::gateway::signature(SECRET, &map)
        ));
        let _ = answer.meaning();
    }
    let mut map: BTreeMap<String, String> = params.into_iter().collect();
    map.remove("vnp_SecureHash");
    let signed: Vec<(String, String)> =
        form_urlencoded::parse(app::gateway::signed_query(SECRET, &map).as_bytes())
            .into_owned()
            .collect();
    match app::gateway::read_callback(SECRET, &signed) {
        Ok(answer) => {
            assert!(answer.amount >= 0);
            bounded("meaning", &answer.meaning());
        }
        Err(app::gateway::Refusal::Signature) => {
            panic!("a callback signed with the secret is refused for its signature")
        }
        Err(refusal) => bounded("callback", &refusal.message()),
    }
}

/// Kiểm tra chữ ký số: any uploaded PDF is read for signatures without panicking.
pub fn signed_pdf(data: &[u8]) {
    if let Ok(reports) = kyso::verify_pdf(data) {
        let _ = format!("{reports:?}");
    }
    let _ = kyso::form_fields(data);
}

/// Hồ sơ từ hệ thống cũ (CSV): the dossiers sheet and the steps sheet (split at a NUL byte)
/// become a JSON bundle that reads as JSON.
pub fn legacy_csv(data: &[u8]) {
    let Some(s) = text(data) else { return };
    let (dossiers, steps) = match s.split_once('\0') {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    match app::legacy::bundle_from_csv(dossiers, steps, "hệ thống cũ") {
        Ok(json) => {
            let value: Result<std::collections::BTreeMap<String, serde_json::Value>, _> =
                serde_json::from_str(&json);
            assert!(
                value.is_ok(),
                "the bundle is not a JSON object: {json:.300}"
            );
        }
        Err(e) => bounded("legacy csv", &e.message),
    }
}
