//! Lỗi — one error type for every use case, with a stable code and a Vietnamese message. Internal
//! causes (database errors) are logged, never shown.

use domain::DomainError;
use domain::error::shorten;
use store::StoreError;
use thiserror::Error;

/// What kind of failure, which the HTTP layer turns into a status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad input (422).
    Invalid,
    /// A rule forbids it now (409).
    Rule,
    /// Someone else changed the dossier first (409).
    Conflict,
    /// Not allowed (403).
    Forbidden,
    /// Not logged in, or the session ended (401).
    Unauthenticated,
    NotFound,
    /// It existed but is no longer there to take (a one-time link used or expired) (410).
    Gone,
    /// Too many attempts from this address or on this account for now (429).
    TooMany,
    /// The service is saturated (a full queue); nothing was done, try again shortly (503).
    Busy,
    /// Something broke inside (500); the message is generic.
    Internal,
}

#[derive(Debug, Clone, Error)]
#[error("{message}")]
pub struct AppError {
    pub kind: ErrorKind,
    pub code: &'static str,
    pub message: String,
}

impl AppError {
    pub fn new(kind: ErrorKind, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            code,
            message: message.into(),
        }
    }

    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, code, message)
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, code, message)
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            ErrorKind::Unauthenticated,
            "unauthenticated",
            "Chưa đăng nhập hoặc phiên đăng nhập đã hết hạn.",
        )
    }
}

impl From<DomainError> for AppError {
    fn from(e: DomainError) -> Self {
        let kind = match e.kind {
            domain::ErrorKind::Invalid => ErrorKind::Invalid,
            domain::ErrorKind::Rule => ErrorKind::Rule,
            domain::ErrorKind::Forbidden => ErrorKind::Forbidden,
            domain::ErrorKind::NotFound => ErrorKind::NotFound,
        };
        Self::new(kind, e.code, e.message)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { .. } => {
                Self::new(ErrorKind::Conflict, "version_conflict", e.to_string())
            }
            StoreError::Duplicate(_) => Self::new(ErrorKind::Rule, "duplicate", e.to_string()),
            StoreError::Unwritable(why) => {
                tracing::error!(cause = %why, "the database takes no writes");
                Self::new(
                    ErrorKind::Busy,
                    "storage_unwritable",
                    format!(
                        "Hệ thống tạm thời không ghi được dữ liệu ({why}); thao tác chưa được thực hiện. Hồ sơ đã có vẫn xem được; vui lòng báo quản trị hệ thống rồi thử lại sau."
                    ),
                )
            }
            other => {
                tracing::error!(error = %other, "storage failure");
                Self::new(
                    ErrorKind::Internal,
                    "internal",
                    "Lỗi hệ thống khi lưu trữ dữ liệu; thao tác chưa được thực hiện. Vui lòng thử lại hoặc báo quản trị.",
                )
            }
        }
    }
}

impl From<lich::CalendarError> for AppError {
    fn from(e: lich::CalendarError) -> Self {
        Self::invalid(e.code(), e.to_string())
    }
}

/// A kind of value as serde names it ("a string", "map", "integer `1`", "struct Applicant"),
/// in Vietnamese; a value it quotes is kept.
fn kind_name(text: &str) -> String {
    let text = text.trim();
    // A value serde quotes is the caller's: at most 40 characters of it come back.
    let quoted = |rest: &str| {
        let r = rest.trim().replace('`', "\"");
        match r.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
            Some(inner) => format!("\"{}\"", shorten(inner)),
            None => shorten(&r),
        }
    };
    let word = text
        .trim_start_matches("a ")
        .trim_start_matches("an ")
        .split_whitespace()
        .next()
        .unwrap_or("");
    let rest = text
        .trim_start_matches("a ")
        .trim_start_matches("an ")
        .get(word.len()..)
        .unwrap_or("");
    let name = match word {
        "string" => "chuỗi ký tự",
        "map" | "struct" => "đối tượng",
        "sequence" | "tuple" => "danh sách",
        "integer" | "u8" | "u16" | "u32" | "u64" | "i8" | "i16" | "i32" | "i64" | "usize" => {
            "số nguyên"
        }
        "floating" => {
            return format!("số thực {}", quoted(rest.trim_start_matches(" point")))
                .trim_end()
                .to_string();
        }
        "boolean" => "giá trị true/false",
        "null" | "unit" => "null",
        "enum" | "variant" => "một giá trị trong danh sách cho phép",
        "character" | "char" => "một ký tự",
        _ if text.starts_with(['`', '"']) => return quoted(text),
        // Another description of serde's ("a borrowed string", "a valid date"): not English.
        _ if text.is_ascii() => return "giá trị đúng dạng yêu cầu".to_string(),
        _ => return shorten(text),
    };
    // "struct Applicant": the type's name means nothing to a caller.
    if matches!(word, "struct" | "enum") {
        return name.to_string();
    }
    format!("{name} {}", quoted(rest)).trim_end().to_string()
}

/// Splits the rest of serde's "unknown field `…`, expected one of `a`, `b`" (or variant) into
/// the caller's word and the list of allowed ones. The caller's word may itself hold backticks
/// and commas; the list names only the program's own fields, so it starts after the last
/// "`, expected " (or at "`, there are no fields", which leaves the list empty).
fn caller_word_and_list(rest: &str) -> (&str, &str) {
    if let Some((word, list)) = rest.rsplit_once("`, expected ") {
        return (word, list.trim_start_matches("one of "));
    }
    for none in ["`, there are no fields", "`, there are no variants"] {
        if let Some((word, _)) = rest.rsplit_once(none) {
            return (word, "");
        }
    }
    (rest.strip_suffix('`').unwrap_or(rest), "")
}

/// Turns serde's English explanation ("applicant.id_number: invalid type: integer `1`,
/// expected a string at line 1 column 80") into Vietnamese, keeping the field path.
pub fn serde_message(text: &str) -> String {
    let (body, position) = match text.rsplit_once(" at line ") {
        Some((body, pos)) => {
            let pos = pos.replacen(" column ", ", cột ", 1);
            (body, format!(" (dòng {pos})"))
        }
        None => (text, String::new()),
    };
    // A field path comes first when the error is inside the document. A map's keys in it are
    // the caller's and may hold spaces, or ": ": the path ends where serde's words begin.
    const SERDE_WORDS: [&str; 8] = [
        "unknown field `",
        "missing field `",
        "unknown variant `",
        "invalid type: ",
        "invalid value: ",
        "invalid length ",
        "duplicate field `",
        "data did not match any variant",
    ];
    let (path, message) = body
        .match_indices(": ")
        .map(|(at, _)| (&body[..at], &body[at + 2..]))
        .find(|(_, rest)| SERDE_WORDS.iter().any(|w| rest.starts_with(w)))
        .map(|(path, rest)| (Some(path), rest))
        .unwrap_or_else(|| match body.split_once(": ") {
            Some((path, rest)) if !path.contains(' ') => (Some(path), rest),
            _ => (None, body),
        });
    let names = |list: &str| list.replace("` or `", "` hoặc `").replace('`', "\"");
    // "trường \"x\" không được phép (các trường hợp lệ: …)": the caller's word, then the list
    // when serde gave one.
    let refused = |rest: &str, what: &str, verdict: &str, list: &str| {
        let (word, expected) = caller_word_and_list(rest);
        let said = format!("{what} \"{}\" {verdict}", shorten(word));
        if expected.is_empty() {
            said
        } else {
            format!("{said} ({list}: {})", names(expected))
        }
    };
    let message = if let Some(rest) = message.strip_prefix("unknown field `") {
        refused(rest, "trường", "không được phép", "các trường hợp lệ")
    } else if let Some(rest) = message.strip_prefix("missing field `") {
        format!("thiếu trường \"{}\"", rest.trim_end_matches('`'))
    } else if let Some(rest) = message.strip_prefix("unknown variant `") {
        refused(rest, "giá trị", "không hợp lệ", "chọn")
    } else if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, "?"));
        format!(
            "sai kiểu dữ liệu: nhận {}, cần {}",
            kind_name(found),
            kind_name(expected)
        )
    } else if let Some(rest) = message.strip_prefix("invalid value: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, "?"));
        format!(
            "giá trị không hợp lệ: nhận {}, cần {}",
            kind_name(found),
            kind_name(expected)
        )
    } else if let Some(rest) = message.strip_prefix("invalid length ") {
        let n = rest.split(',').next().unwrap_or("");
        format!("số phần tử không hợp lệ ({})", shorten(n))
    } else if message.starts_with("EOF while parsing") {
        "dữ liệu bị cắt cụt".to_string()
    } else if message.starts_with("expected value") {
        "thiếu giá trị hoặc giá trị không phải JSON".to_string()
    } else if message.starts_with("trailing") {
        "có ký tự thừa sau dữ liệu JSON".to_string()
    } else if message.starts_with("key must be a string") {
        "tên trường phải đặt trong dấu ngoặc kép".to_string()
    } else if let Some(rest) = message.strip_prefix("expected ") {
        let wanted = match rest {
            "ident" => "true, false hoặc null".to_string(),
            _ => names(rest).replace(" or ", " hoặc "),
        };
        format!("sai cú pháp JSON (cần {wanted})")
    } else if let Some(rest) = message.strip_prefix("duplicate field `") {
        format!(
            "trường \"{}\" xuất hiện hai lần",
            shorten(rest.trim_end_matches('`'))
        )
    } else if message.starts_with("control character") {
        "chuỗi có ký tự điều khiển (mã dưới U+0020); hãy viết dạng \\uXXXX".to_string()
    } else if message.starts_with("invalid escape") {
        "chuỗi có ký tự thoát (\\) không hợp lệ".to_string()
    } else if message.contains("surrogate")
        || message.contains("hex escape")
        || message.contains("unicode code point")
    {
        "chuỗi có mã Unicode (\\u) không hợp lệ".to_string()
    } else if message.starts_with("invalid number") || message.starts_with("number out of range") {
        "số không hợp lệ hoặc vượt giới hạn".to_string()
    } else if message.starts_with("recursion limit") {
        "dữ liệu lồng nhau quá sâu".to_string()
    } else if message.starts_with("data did not match any variant") {
        "giá trị không khớp dạng nào được phép".to_string()
    } else if message.is_ascii() {
        // serde's own words that are not listed above: said generally rather than in English.
        "dữ liệu không đúng dạng yêu cầu".to_string()
    } else {
        // A type's own refusal (the project's parsers answer in Vietnamese, bounded).
        message.to_string()
    };
    match path {
        // A path names map keys the caller chose: its end is kept, up to 80 characters.
        Some(p) if p.chars().count() > 80 => {
            let tail: String = p.chars().skip(p.chars().count() - 79).collect();
            format!("…{tail}: {message}{position}")
        }
        Some(p) if p != "." => format!("{p}: {message}{position}"),
        _ => format!("{message}{position}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_path_through_keys_with_spaces_is_kept_apart_from_serde_s_words() {
        let key = "𝑻𝒉𝒆 𝒒𝒖𝒊𝒄𝒌: 𝒃𝒓𝒐𝒘𝒏";
        let said = super::serde_message(&format!(
            "{key}: unknown field `{key}`, expected `fields` at line 1 column 445"
        ));
        assert!(said.contains("không được phép"), "{said}");
        assert!(
            !said.contains("expected") && !said.contains("unknown"),
            "{said}"
        );
        let said = super::serde_message(&format!(
            "fields.{key}: invalid type: integer `1`, expected a string at line 1 column 9"
        ));
        assert!(
            said.starts_with(&format!("fields.{key}: sai kiểu dữ liệu")),
            "{said}"
        );
    }

    use super::*;

    #[test]
    fn a_field_name_holding_backticks_is_not_taken_for_the_end_of_the_name() {
        // Found by schemathesis in CI: the key `t.F%y`V.` cut at its first backtick left
        // serde's "expected one of" in the answer.
        let said = serde_message(
            "t.F%y`V.: unknown field `t.F%y`V.`, expected one of `series`, `number`, `reason` \
             at line 1 column 24",
        );
        assert_eq!(
            said,
            "t.F%y`V.: trường \"t.F%y`V.\" không được phép (các trường hợp lệ: \"series\", \
             \"number\", \"reason\") (dòng 1, cột 24)"
        );
        let said = serde_message("a`, b: unknown field `a`, b`, there are no fields");
        assert_eq!(said, "a`, b: trường \"a`, b\" không được phép");
        let said = serde_message("unknown variant `x`y`, expected `a` or `b`");
        assert_eq!(
            said,
            "giá trị \"x`y\" không hợp lệ (chọn: \"a\" hoặc \"b\")"
        );
    }

    #[test]
    fn serde_kinds_are_said_in_vietnamese() {
        assert_eq!(
            serde_message(
                "applicant.address: invalid type: map, expected a string at line 1 column 211"
            ),
            "applicant.address: sai kiểu dữ liệu: nhận đối tượng, cần chuỗi ký tự (dòng 1, cột 211)"
        );
        assert_eq!(
            serde_message("copies: invalid type: string \"hai\", expected u8 at line 1 column 9"),
            "copies: sai kiểu dữ liệu: nhận chuỗi ký tự \"hai\", cần số nguyên (dòng 1, cột 9)"
        );
        assert_eq!(
            serde_message("applicant: invalid type: integer `1`, expected struct Applicant"),
            "applicant: sai kiểu dữ liệu: nhận số nguyên \"1\", cần đối tượng"
        );
        assert_eq!(
            serde_message("x: invalid type: floating point `1.5`, expected a boolean"),
            "x: sai kiểu dữ liệu: nhận số thực \"1.5\", cần giá trị true/false"
        );
    }

    /// Every refusal serde_json gives for a malformed body, said without English and quoting
    /// at most 40 characters of what was sent.
    #[test]
    fn no_serde_english_reaches_a_caller() {
        #[allow(dead_code)]
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Body {
            name: String,
            copies: u8,
            kind: Kind,
            pair: (u8, u8),
            items: Vec<u32>,
            day: Option<chrono::NaiveDate>,
            #[serde(default)]
            tags: std::collections::BTreeMap<String, bool>,
        }
        #[derive(Debug, serde::Deserialize)]
        enum Kind {
            A,
            B,
        }
        let long = "x".repeat(5_000);
        let ok = r#""name":"a","copies":1,"kind":"A","pair":[1,2],"items":[],"day":null"#;
        let bodies = [
            format!("{{{ok},\"{long}\":1}}"),
            format!("{{{ok},\"tags\":{{\"{long}\":\"{long}\"}}}}"),
            format!("{{{ok},\"name\":\"b\"}}"),
            r#"{"name":"a"}"#.to_string(),
            format!("{{{ok},\"t`V.\":1}}"),
            format!("{{{ok},\"`, \":1}}"),
            r#"{"name":"a","copies":1,"kind":"x`y"}"#.to_string(),
            format!(r#"{{"name":"a","copies":"{long}"}}"#),
            format!(r#"{{"name":"a","copies":1,"kind":"{long}"}}"#),
            r#"{"name":"a","copies":1,"kind":"A","pair":[1,2,3]}"#.to_string(),
            r#"{"name":"a","copies":1,"kind":"A","pair":[1]}"#.to_string(),
            r#"{"name":"a","copies":999}"#.to_string(),
            r#"{"name":"a","copies":1e999}"#.to_string(),
            r#"{"name":"a","copies":-}"#.to_string(),
            "{\"name\":\"a\u{1}\"}".to_string(),
            "{\"name\":\"\u{1}\"}".to_string(),
            r#"{"name":"\q"}"#.to_string(),
            r#"{"name":"\ud800"}"#.to_string(),
            r#"{"name":"\u12"}"#.to_string(),
            r#"{"name":"a","copies":1,"kind":"A","pair":[1,2],"items":[],"day":"2026-13-45"}"#
                .to_string(),
            format!(
                r#"{{"name":"a","copies":1,"kind":"A","pair":[1,2],"items":[],"day":"{long}"}}"#
            ),
            format!("{}{}", "[".repeat(200), "]".repeat(200)),
            r#"{"name":"a",}"#.to_string(),
            r#"{"name" "a"}"#.to_string(),
            r#"{name:"a"}"#.to_string(),
            r#"{"name":tru}"#.to_string(),
            r#"{"name":"a"} x"#.to_string(),
            r#"{"name":"a""#.to_string(),
            String::new(),
            "[1,2]".to_string(),
            "null".to_string(),
        ];
        let english = [
            "expected",
            "invalid",
            "found",
            "string",
            "length",
            "sequence",
            "field",
            "variant",
            "unknown",
            "missing",
            "control",
            "escape",
            "number",
            "recursion",
            "surrogate",
            "while",
            "parsing",
            "premature",
            "trailing",
            "struct",
            " or ",
            "EOF",
            "ident",
        ];
        for body in &bodies {
            let e = serde_json::from_str::<Body>(body).unwrap_err();
            let said = serde_message(&e.to_string());
            for word in english {
                assert!(!said.contains(word), "{word:?} in {said:?} (serde: {e})");
            }
            assert!(said.chars().count() < 300, "{said}");
        }
    }
}
