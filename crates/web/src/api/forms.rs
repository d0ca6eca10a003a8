//! Dạng dữ liệu — the forms of text the server checks by form. A field of the API names its
//! form as its `format` (`#[schema(format = "agency-id")]`, `#[param(format = "cccd")]`), and
//! [`spell_out`] writes the form's `pattern` beside it when the document is built, from the
//! rules that check it: one pattern per form, so a client (or a generator of test requests)
//! knows what the server takes without the pattern being copied onto every field.
//! [`constrain_requests`] writes the rules every request meets before its own.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayItems, Object, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type,
};

/// Mã cơ quan nội bộ (`AgencyId::parse`): dot-separated parts of lower-case letters, digits
/// and hyphens, at most 100 characters.
pub const AGENCY_ID: &str = "agency-id";
/// Số định danh cá nhân (`Cccd::parse`): 12 digits, the first three a province of birth
/// registration, the fourth the sex and century.
pub const CCCD: &str = "cccd";
/// Mã hồ sơ (`DossierCode::parse`), either layout, or a provisional reference.
pub const DOSSIER_CODE: &str = "dossier-code";
/// Thời điểm giờ Việt Nam (`lich::time::parse_instant`): "YYYY-MM-DD HH:MM" or with seconds,
/// a space or `T` between, in the years of the working calendar (2020–2199). RFC 3339 with an
/// offset is taken too; the pattern spells out the local form only, and leaves out 29 February
/// (taken in leap years).
pub const LOCAL_TIME: &str = "local-time";
/// Thời hạn (`lich::Limit`): a whole number and a unit, "5 ngày làm việc", or "trong ngày".
/// Fractions ("1,5 ngày làm việc") and unaccented units are taken too. Not named `duration`:
/// that is JSON Schema's own format, an ISO 8601 duration.
pub const TIME_LIMIT: &str = "time-limit";
/// Mã thủ tục (`ProcedureCode::parse`): the national database's `d.dddddd`, or a local
/// `DP.Xnn.nnnn`.
pub const PROCEDURE_CODE: &str = "procedure-code";
/// Họ và tên (`PersonName::parse`): letters, single spaces, 2–100 characters. Apostrophes,
/// hyphens and letters of other alphabets are taken too; the pattern spells out Vietnamese.
pub const PERSON_NAME: &str = "person-name";
/// A required text (`domain::dossier::decide::text`): something besides spaces.
pub const REQUIRED_TEXT: &str = "required-text";
/// Số điện thoại (`domain::ids::PhoneNumber::parse`): a mobile number of 10 digits or a
/// landline of 11 starting 02, or either with +84 for the 0. Spaces, dots and hyphens between
/// the digits are taken too; the pattern spells out the digits alone.
pub const PHONE_NUMBER: &str = "phone-number";
/// Thư điện tử (`domain::ids::Email::parse`). Not named `email`: that is JSON Schema's own
/// format, of which the server takes only the common forms the pattern spells out.
pub const EMAIL_ADDRESS: &str = "email-address";
/// Phiên bản hồ sơ in `If-Match` (`dossiers::if_match`): a version number, quoted or not,
/// weak or not.
pub const VERSION_TAG: &str = "version-tag";
/// Khóa chống gửi trùng in `Idempotency-Key` (`app::intake::Idempotency::parse`): 1–200
/// visible ASCII characters.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// Each form as the document explains it to a reader, in Vietnamese.
const EXPLAINED: [(&str, &str); 12] = [
    (
        AGENCY_ID,
        "mã cơ quan nội bộ: các phần gồm chữ thường không dấu, chữ số, dấu gạch ngang, cách nhau \
         bằng dấu chấm, tối đa 100 ký tự (ví dụ `lao-cai.bao-thang.mot-cua`)",
    ),
    (
        CCCD,
        "số định danh cá nhân: 12 chữ số, 3 chữ số đầu là mã tỉnh nơi đăng ký khai sinh, chữ số \
         thứ 4 (giới tính, thế kỷ sinh) từ 0 đến 3",
    ),
    (
        DOSSIER_CODE,
        "mã hồ sơ in trên Giấy tiếp nhận (ví dụ `000.00.22.H38-261123-0001`), hoặc mã tạm của hồ \
         sơ nộp trực tuyến (`…-T000001`)",
    ),
    (
        LOCAL_TIME,
        "thời điểm giờ Việt Nam `YYYY-MM-DD HH:MM` (có thể thêm giây, dùng `T` thay khoảng trắng), \
         năm 2020–2199; cũng nhận dạng RFC 3339 có múi giờ",
    ),
    (
        TIME_LIMIT,
        "thời hạn: số và đơn vị (ngày làm việc, ngày, giờ làm việc, giờ, tuần, tháng), ví dụ \
         `5 ngày làm việc`, hoặc `trong ngày`; cũng nhận số lẻ như `1,5 ngày làm việc`",
    ),
    (
        PROCEDURE_CODE,
        "mã thủ tục của Cơ sở dữ liệu quốc gia (`1.004884`) hoặc mã thủ tục riêng của địa phương \
         (`DP.H38.0001`)",
    ),
    (
        PERSON_NAME,
        "họ và tên: chữ cái và một khoảng trắng giữa các chữ, 2–100 ký tự",
    ),
    (
        REQUIRED_TEXT,
        "nội dung bắt buộc: có ít nhất một ký tự không phải khoảng trắng",
    ),
    (
        PHONE_NUMBER,
        "số điện thoại: di động 10 chữ số (ví dụ `0912345678`), cố định 11 chữ số bắt đầu bằng \
         02, hoặc viết với +84 thay số 0",
    ),
    (
        EMAIL_ADDRESS,
        "thư điện tử, ví dụ `nguyenvana@laocai.gov.vn`",
    ),
    (
        VERSION_TAG,
        "số phiên bản của hồ sơ (trường `version`, tiêu đề `ETag`), có thể trong dấu nháy kép \
         và có tiền tố `W/`",
    ),
    (
        IDEMPOTENCY_KEY,
        "khóa chống gửi trùng: 1–200 ký tự ASCII in được, ví dụ một UUID",
    ),
];

/// The list of forms for the document's description.
fn explained() -> String {
    let mut out = String::from(
        "\n\n**Dạng dữ liệu** (`format` của một trường; mẫu `pattern` đi kèm ghi đúng điều máy chủ \
         kiểm tra):",
    );
    for (format, text) in EXPLAINED {
        out.push_str(&format!("\n- `{format}`: {text}."));
    }
    out
}

/// Control characters the server refuses in any text of a body (`error::parse_json`).
const CONTROLS: &str = "\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F";

/// Spaces the server trims (Rust's `char::is_whitespace`, and the byte-order mark).
const SPACES: &str = "\\u0009-\\u000D\\u0020\\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000\\uFEFF";

/// The letters of Vietnamese, upper and lower case, precomposed (NFC).
const VIETNAMESE_LETTER: &str = "[A-Za-z\\u00C0-\\u00C3\\u00C8-\\u00CA\\u00CC\\u00CD\\u00D2-\\u00D5\\u00D9\\u00DA\\u00DD\\u00E0-\\u00E3\\u00E8-\\u00EA\\u00EC\\u00ED\\u00F2-\\u00F5\\u00F9\\u00FA\\u00FD\\u0102\\u0103\\u0110\\u0111\\u0128\\u0129\\u0168\\u0169\\u01A0\\u01A1\\u01AF\\u01B0\\u1EA0-\\u1EF9]";

/// The pattern of a form, or `None` for a format that is not one of ours.
pub fn pattern(format: &str) -> Option<String> {
    Some(match format {
        AGENCY_ID => "^[a-z0-9-]+(\\.[a-z0-9-]+)*$".to_string(),
        CCCD => {
            let provinces: Vec<String> = domain::ids::CCCD_PROVINCES
                .iter()
                .map(|p| format!("{p:02}"))
                .collect();
            format!("^0({})[0-3][0-9]{{8}}$", provinces.join("|"))
        }
        DOSSIER_CODE => {
            "^[0-9A-Z.]{1,40}-([0-9]{6}-([0-9]{4}|T[0-9]{6,9})|[0-9]{8}-([0-9]{7}|T[0-9]{6,9}))$"
                .to_string()
        }
        LOCAL_TIME => concat!(
            "^(20[2-9][0-9]|21[0-9]{2})-",
            "((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)",
            "[ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"
        )
        .to_string(),
        TIME_LIMIT => {
            "^([1-9][0-9]{0,2} (ngày làm việc|ngày|giờ làm việc|giờ|tuần|tháng)|[Tt]rong ngày)$"
                .to_string()
        }
        PROCEDURE_CODE => "^([0-9]\\.[0-9]{6}|DP\\.[A-Z][0-9]{2}\\.[0-9]{4})$".to_string(),
        PERSON_NAME => format!("^{VIETNAMESE_LETTER}( ?{VIETNAMESE_LETTER}){{1,49}}$"),
        REQUIRED_TEXT => format!("^[^{CONTROLS}]*[^{CONTROLS}{SPACES}][^{CONTROLS}]*$"),
        PHONE_NUMBER => {
            "^(0[35789][0-9]{8}|02[0-9]{9}|\\+84([35789][0-9]{8}|2[0-9]{9}))$".to_string()
        }
        EMAIL_ADDRESS => "^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+$".to_string(),
        VERSION_TAG => "^(W/)?\"?[0-9]{1,18}\"?$".to_string(),
        IDEMPOTENCY_KEY => "^[!-~]{1,200}$".to_string(),
        _ => return None,
    })
}

/// The longest text of a form, where the form has a bound of its own.
fn max_length(format: &str) -> Option<usize> {
    match format {
        AGENCY_ID => Some(100),
        EMAIL_ADDRESS => Some(254),
        _ => None,
    }
}

/// Writes the pattern of its form beside every field of the document that names one (in the
/// parameters of every operation and in every schema), and the list of forms into the
/// document's description.
pub fn spell_out(doc: &mut utoipa::openapi::OpenApi) {
    let description = doc.info.description.get_or_insert_with(String::new);
    description.push_str(&explained());
    let mut write_pattern = |node: Node<'_>| {
        if let Node::Object(o) = node
            && let Some(SchemaFormat::Custom(format)) = &o.format
            && let Some(pattern) = pattern(format)
        {
            o.pattern = Some(pattern);
            if let Some(max) = max_length(format) {
                o.max_length = Some(o.max_length.map_or(max, |m| m.min(max)));
            }
        }
    };
    super::each_operation(doc, |op, _| {
        for p in op.parameters.iter_mut().flatten() {
            if let RefOr::T(p) = p
                && let Some(schema) = p.schema.as_mut()
            {
                each_node(schema, &mut write_pattern);
            }
        }
    });
    if let Some(components) = doc.components.as_mut() {
        for schema in components.schemas.values_mut() {
            each_node(schema, &mut write_pattern);
        }
    }
}

/// Writes into the document the rules every request meets before its own, so that a request
/// the document allows is not refused for them: `If-Match` is a [`VERSION_TAG`],
/// `Idempotency-Key` an [`IDEMPOTENCY_KEY`] (their patterns written by [`spell_out`]), and no
/// text of a JSON body (in the schemas request bodies reach, not those only answers use) holds
/// a control character.
pub fn constrain_requests(doc: &mut utoipa::openapi::OpenApi) {
    use std::collections::BTreeSet;
    use utoipa::openapi::path::ParameterIn;

    // Each text of a schema refuses control characters; the components it refers to are
    // collected, to be constrained in turn.
    let constrain = |schema: &mut RefOr<Schema>, refs: &mut Vec<String>| {
        each_node(schema, &mut |node| match node {
            Node::Object(o) => refuse_controls(o),
            Node::Component(name) => refs.push(name.to_string()),
        })
    };
    let mut refs = Vec::new();
    super::each_operation(doc, |op, _| {
        for p in op.parameters.iter_mut().flatten() {
            let RefOr::T(p) = p else { continue };
            let format = match p.name.to_ascii_lowercase().as_str() {
                "if-match" => VERSION_TAG,
                "idempotency-key" => IDEMPOTENCY_KEY,
                _ => continue,
            };
            if p.parameter_in == ParameterIn::Header {
                p.schema = Some(RefOr::T(Schema::Object(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .format(Some(SchemaFormat::Custom(format.to_string())))
                        .build(),
                )));
            }
        }
        if let Some(RefOr::T(body)) = op.request_body.as_mut() {
            for (media, content) in body.content.iter_mut() {
                if media.contains("json")
                    && let RefOr::T(content) = content
                    && let Some(schema) = content.schema.as_mut()
                {
                    constrain(schema, &mut refs);
                }
            }
        }
    });
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    let mut seen = BTreeSet::new();
    while let Some(name) = refs.pop() {
        if seen.insert(name.clone())
            && let Some(schema) = components.schemas.get_mut(&name)
        {
            constrain(schema, &mut refs);
        }
    }
}

/// Gives a text without a pattern of its own, and a map's keys, the pattern of a text without
/// control characters (but tab, line feed and carriage return): `error::parse_json` refuses
/// the rest, escaped or not.
fn refuse_controls(o: &mut Object) {
    let no_control = || format!("^[^{CONTROLS}]*$");
    let text = match &o.schema_type {
        SchemaType::Type(t) => *t == Type::String,
        SchemaType::Array(ts) => ts.contains(&Type::String),
        SchemaType::AnyValue => false,
    };
    if text && o.pattern.is_none() && o.enum_values.is_none() {
        o.pattern = Some(no_control());
    }
    let map = matches!(
        o.additional_properties.as_deref(),
        Some(AdditionalProperties::RefOr(_) | AdditionalProperties::FreeForm(true))
    );
    if map {
        // A map's keys are texts of the body too.
        let names = o.property_names.get_or_insert_with(|| {
            Box::new(Schema::Object(
                ObjectBuilder::new().schema_type(Type::String).build(),
            ))
        });
        if let Schema::Object(names) = names.as_mut() {
            names.pattern.get_or_insert_with(no_control);
        }
    }
}

/// What [`each_node`] shows of a schema.
enum Node<'a> {
    /// An object schema: a text, a number, an object with properties…
    Object(&'a mut Object),
    /// A reference to a component schema, by name.
    Component(&'a str),
}

/// Calls `f` on every node of `schema`, each object before what it holds: its properties, a
/// map's values, an array's items, each branch of a one-of, all-of or any-of.
fn each_node(schema: &mut RefOr<Schema>, f: &mut impl FnMut(Node<'_>)) {
    match schema {
        RefOr::Ref(r) => {
            if let Some(name) = r.ref_location.strip_prefix("#/components/schemas/") {
                f(Node::Component(name));
            }
        }
        RefOr::T(Schema::Object(o)) => {
            f(Node::Object(o));
            o.properties.values_mut().for_each(|p| each_node(p, f));
            if let Some(AdditionalProperties::RefOr(p)) = o.additional_properties.as_deref_mut() {
                each_node(p, f);
            }
        }
        RefOr::T(Schema::Array(a)) => {
            if let ArrayItems::RefOrSchema(items) = &mut a.items {
                each_node(items, f);
            }
        }
        RefOr::T(Schema::OneOf(o)) => o.items.iter_mut().for_each(|s| each_node(s, f)),
        RefOr::T(Schema::AllOf(o)) => o.items.iter_mut().for_each(|s| each_node(s, f)),
        RefOr::T(Schema::AnyOf(o)) => o.items.iter_mut().for_each(|s| each_node(s, f)),
        RefOr::T(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher(format: &str) -> regex_lite::Regex {
        regex_lite::Regex::new(&pattern(format).unwrap()).unwrap()
    }

    /// Each example matches its form's pattern exactly when `accepted` says, and the rule
    /// behind the form takes every example the pattern matches.
    fn check(format: &str, examples: &[(&str, bool)], parses: impl Fn(&str) -> bool) {
        let re = matcher(format);
        for (text, matches) in examples {
            assert_eq!(re.is_match(text), *matches, "{format}: {text:?}");
            if *matches {
                assert!(parses(text), "{format}: {text:?} matches but is refused");
            }
        }
    }

    #[test]
    fn every_form_the_document_spells_out_is_taken_by_its_rule() {
        check(
            AGENCY_ID,
            &[
                ("lao-cai.bao-thang.mot-cua", true),
                ("a", true),
                ("Lao-cai", false),
                ("lao..cai", false),
                ("", false),
            ],
            |t| domain::agency::AgencyId::parse(t).is_ok(),
        );
        check(
            CCCD,
            &[
                ("001090012345", true),
                ("096399999999", true),
                ("003090012345", false),
                ("001490012345", false),
                ("00109001234", false),
                ("0", false),
            ],
            |t| domain::ids::Cccd::parse(t).is_ok(),
        );
        for p in domain::ids::CCCD_PROVINCES {
            let number = format!("0{p:02}190000001");
            assert!(matcher(CCCD).is_match(&number), "{number}");
            assert!(domain::ids::Cccd::parse(&number).is_ok(), "{number}");
        }
        check(
            DOSSIER_CODE,
            &[
                ("000.00.22.H38-261123-0001", true),
                ("000.00.22.H38-261123-T000001", true),
                ("H38.22-20261123-0000001", true),
                ("000.00.22.H38-261123-001", false),
                ("0", false),
                ("a-261123-0001", false),
            ],
            |t| domain::ids::DossierCode::parse(t).is_ok(),
        );
        check(
            LOCAL_TIME,
            &[
                ("2026-12-07 09:00", true),
                ("2026-12-31T23:59:59", true),
                ("2020-04-30 00:00", true),
                ("2199-12-31 23:59", true),
                ("2019-12-31 23:59", false),
                ("2200-01-01 00:00", false),
                ("2026-02-28 08:00", true),
                ("2026-02-30 08:00", false),
                ("2026-04-31 08:00", false),
                ("2026-13-01 08:00", false),
                ("0999-01-01 08:00", false),
                ("", false),
            ],
            |t| lich::time::parse_instant(t).is_ok(),
        );
        check(
            TIME_LIMIT,
            &[
                ("5 ngày làm việc", true),
                ("999 tháng", true),
                ("8 giờ làm việc", true),
                ("Trong ngày", true),
                ("0 ngày", false),
                ("", false),
                ("5ngày", false),
            ],
            |t| t.parse::<lich::Limit>().is_ok(),
        );
        check(
            PROCEDURE_CODE,
            &[
                ("1.004884", true),
                ("DP.H38.0001", true),
                ("1.00488", false),
                ("dp.h38.0001", false),
                ("", false),
            ],
            |t| domain::ids::ProcedureCode::parse(t).is_ok(),
        );
        check(
            PERSON_NAME,
            &[
                ("Nguyễn Văn An", true),
                ("Đỗ Thị Ỷ", true),
                ("An", true),
                ("A", false),
                ("An  Bình", false),
                (" An", false),
                ("An1", false),
                ("", false),
            ],
            |t| domain::ids::PersonName::parse(t).is_ok(),
        );
        let longest = format!("A{}", " Ư".repeat(49));
        assert!(matcher(PERSON_NAME).is_match(&longest));
        assert!(domain::ids::PersonName::parse(&longest).is_ok());
        check(
            REQUIRED_TEXT,
            &[
                ("chuyển nhầm đơn vị", true),
                ("  x  ", true),
                ("dòng một\ndòng hai", true),
                ("", false),
                ("   ", false),
                ("\u{3000}\u{a0}\t\n", false),
                ("\u{feff}", false),
                ("x\u{1}", false),
            ],
            |t| !vntext::clean(t).is_empty(),
        );
        check(
            PHONE_NUMBER,
            &[
                ("0912345678", true),
                ("0398765432", true),
                ("02143851234", true),
                ("+84912345678", true),
                ("+842143851234", true),
                ("0112345678", false),
                ("091234567", false),
                ("09123456789", false),
                ("+8491234567", false),
                ("", false),
            ],
            |t| domain::ids::PhoneNumber::parse(t).is_ok(),
        );
        check(
            EMAIL_ADDRESS,
            &[
                ("nguyenvana@laocai.gov.vn", true),
                ("Mot.Cua+baothang@example.com", true),
                ("a@b.c", true),
                ("a@b", false),
                ("@b.c", false),
                ("a b@c.d", false),
                ("a@.c", false),
                ("a@b.", false),
                ("a@@b.c", false),
                ("", false),
            ],
            |t| domain::ids::Email::parse(t).is_ok(),
        );
        let version = |t: &str| {
            let mut headers = axum::http::HeaderMap::new();
            headers.insert(axum::http::header::IF_MATCH, t.parse().unwrap());
            matches!(super::super::dossiers::if_match(&headers), Ok(Some(_)))
        };
        check(
            VERSION_TAG,
            &[
                ("7", true),
                ("\"7\"", true),
                ("W/\"12\"", true),
                ("999999999999999999", true),
                ("1234567890123456789", false),
                ("-1", false),
                ("v7", false),
                ("", false),
            ],
            version,
        );
        let key = |t: &str| app::intake::Idempotency::parse(t, String::new()).is_ok();
        check(
            IDEMPOTENCY_KEY,
            &[
                ("3f1c2a9e-8d1b-4c55-9a0e-2b7d6f4e1a00", true),
                ("~", true),
                (&"k".repeat(200), true),
                (&"k".repeat(201), false),
                ("a b", false),
                ("khóa", false),
                ("", false),
            ],
            key,
        );
    }

    #[test]
    fn only_our_forms_have_a_pattern_and_none_is_named_like_a_standard_format() {
        // JSON Schema's and OpenAPI's own formats: a generator of requests makes values of
        // those (an ISO 8601 `duration`, say) and would find few that match our pattern.
        const STANDARD: [&str; 26] = [
            "date-time",
            "date",
            "time",
            "duration",
            "email",
            "idn-email",
            "hostname",
            "idn-hostname",
            "ipv4",
            "ipv6",
            "uri",
            "uri-reference",
            "iri",
            "iri-reference",
            "uuid",
            "uri-template",
            "json-pointer",
            "relative-json-pointer",
            "regex",
            "int32",
            "int64",
            "float",
            "double",
            "byte",
            "binary",
            "password",
        ];
        for format in STANDARD {
            assert!(pattern(format).is_none(), "{format}");
        }
        // Every form is explained, and has a pattern.
        for (ours, _) in EXPLAINED {
            assert!(pattern(ours).is_some(), "{ours}");
        }
    }
}
