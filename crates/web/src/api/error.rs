//! Lỗi API — every error is `{"code": "...", "message": "..."}` with a Vietnamese message and the
//! right status; malformed requests get the same shape instead of axum's plain-text rejections.

use app::{AppError, ErrorKind};
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;

/// Lỗi.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine code, e.g. `invalid_cccd`, `invalid_transition`.
    pub code: String,
    /// What is wrong, in Vietnamese.
    pub message: String,
}

/// An error as the API returns it.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: ErrorBody {
                code: code.to_string(),
                message: message.into(),
            },
        }
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unprocessable(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let retry = match self.status {
            StatusCode::TOO_MANY_REQUESTS => Some("60"),
            StatusCode::SERVICE_UNAVAILABLE => Some("5"),
            _ => None,
        };
        let mut res = (self.status, axum::Json(self.body)).into_response();
        if let Some(seconds) = retry {
            res.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static(seconds),
            );
        }
        res
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        let status = match e.kind {
            ErrorKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::Rule | ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Gone => StatusCode::GONE,
            ErrorKind::TooMany => StatusCode::TOO_MANY_REQUESTS,
            ErrorKind::Busy => StatusCode::SERVICE_UNAVAILABLE,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Self::new(status, e.code, e.message)
    }
}

impl From<domain::DomainError> for ApiError {
    fn from(e: domain::DomainError) -> Self {
        AppError::from(e).into()
    }
}

impl From<lich::CalendarError> for ApiError {
    fn from(e: lich::CalendarError) -> Self {
        AppError::from(e).into()
    }
}

/// Largest JSON body (files travel on their own endpoint).
const JSON_LIMIT: usize = 2 * 1024 * 1024;

/// JSON body extractor whose failures are [`ApiError`]s in Vietnamese.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, ApiError> {
        let (parts, body) = req.into_parts();
        let bytes = body_bytes(body).await?;
        Ok(ApiJson(parse_json(&parts.headers, &bytes)?))
    }
}

/// A JSON body with the request's `Idempotency-Key`, tied to a hash of the request (method,
/// path and body), for the requests that create something.
pub struct Idempotent<T> {
    pub body: T,
    pub key: Option<app::intake::Idempotency>,
}

impl<S, T> FromRequest<S> for Idempotent<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, ApiError> {
        let (parts, body) = req.into_parts();
        let bytes = body_bytes(body).await?;
        let body = parse_json(&parts.headers, &bytes)?;
        let key = match parts.headers.get("idempotency-key") {
            None => None,
            Some(v) => {
                use sha2::Digest;
                let mut h = sha2::Sha256::new();
                h.update(parts.method.as_str().as_bytes());
                h.update(b" ");
                h.update(parts.uri.path().as_bytes());
                h.update(b"\n");
                h.update(&bytes);
                let hash = hex::encode(h.finalize());
                let text = v.to_str().map_err(|_| {
                    ApiError::unprocessable(
                        "invalid_idempotency_key",
                        "Idempotency-Key phải gồm 1 đến 200 ký tự ASCII in được (ví dụ một UUID).",
                    )
                })?;
                Some(app::intake::Idempotency::parse(text, hash)?)
            }
        };
        Ok(Idempotent { body, key })
    }
}

/// Reads a body of at most [`JSON_LIMIT`] bytes; more is 413.
async fn body_bytes(body: axum::body::Body) -> Result<axum::body::Bytes, ApiError> {
    axum::body::to_bytes(body, JSON_LIMIT).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            "Dữ liệu gửi lên quá lớn (tối đa 2 MB); tệp đính kèm gửi qua POST /api/v1/files.",
        )
    })
}

/// Parses a JSON body: the media type, no control characters in any text (an escaped NUL
/// would otherwise reach names, addresses and exports), then the fields.
fn parse_json<T: DeserializeOwned>(
    headers: &axum::http::HeaderMap,
    bytes: &[u8],
) -> Result<T, ApiError> {
    let json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            let m = m.trim();
            m.eq_ignore_ascii_case("application/json") || m.to_ascii_lowercase().ends_with("+json")
        });
    if !json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "json_required",
            "Dữ liệu gửi lên phải là JSON (Content-Type: application/json).",
        ));
    }
    if has_escaped_control(bytes) {
        return Err(ApiError::unprocessable(
            "control_character",
            "Dữ liệu gửi lên có ký tự điều khiển (như NUL) không được phép; hãy xóa ký tự đó rồi gửi lại.",
        ));
    }
    // Every JSON body of this API is an object. serde would also read a struct from an array
    // of its fields in order (`["07:30-11:30", …]`), which the API's description does not allow
    // and no client should rely on (schemathesis found one accepted).
    if bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b != b'{')
    {
        return Err(ApiError::unprocessable(
            "invalid_fields",
            "Dữ liệu gửi lên phải là một đối tượng JSON, dạng {\"tên trường\": giá trị, …}.",
        ));
    }
    match axum::Json::<T>::from_bytes(bytes) {
        Ok(axum::Json(v)) => Ok(v),
        // JSON has one kind of number: `3.0` is the integer 3 to JSON Schema and to any client
        // that writes numbers as floats. The body is read again, whole floats made integers,
        // only when the fast path refused it.
        Err(r @ JsonRejection::JsonDataError(_)) => {
            whole_numbers_as_integers(bytes).ok_or_else(|| json_rejection(r))
        }
        Err(r) => Err(json_rejection(r)),
    }
}

/// The body with every whole float (`3.0`, `1e3`) written as an integer, if it had one and then
/// reads as a `T`.
fn whole_numbers_as_integers<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    fn mend(v: &mut serde_json::Value) -> bool {
        match v {
            serde_json::Value::Number(n) if !n.is_i64() && !n.is_u64() => {
                // Beyond 2^53 a float no longer holds every integer exactly.
                const EXACT: f64 = 9_007_199_254_740_992.0;
                match n.as_f64() {
                    Some(f) if f.fract() == 0.0 && f.abs() <= EXACT => {
                        *v = serde_json::Value::from(f as i64);
                        true
                    }
                    _ => false,
                }
            }
            serde_json::Value::Array(items) => mend_all(items.iter_mut()),
            serde_json::Value::Object(map) => mend_all(map.values_mut()),
            _ => false,
        }
    }
    /// Mends every value (not only up to the first mended).
    fn mend_all<'a>(values: impl Iterator<Item = &'a mut serde_json::Value>) -> bool {
        let mut mended = false;
        for v in values {
            mended |= mend(v);
        }
        mended
    }
    let mut value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    mend(&mut value)
        .then(|| serde_json::from_value(value).ok())
        .flatten()
}

/// Whether a code point is a control character the product refuses in any text it is sent:
/// C0 but tab, line feed and carriage return; DEL; C1.
pub(crate) fn refused_control(code: u32) -> bool {
    (code < 0x20 && !matches!(code, 0x09 | 0x0a | 0x0d)) || (0x7f..=0x9f).contains(&code)
}

/// Whether a JSON text escapes a control character other than tab, line feed and carriage
/// return (`\u0000`–`\u001f`, `\u007f`–`\u009f`, and JSON's short `\b` and `\f`). Raw
/// control characters are not valid JSON and are refused by the parser anyway.
fn has_escaped_control(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            if matches!(bytes.get(i + 1), Some(b'b' | b'f')) {
                return true;
            }
            if bytes.get(i + 1) == Some(&b'u')
                && let Some(hex) = bytes.get(i + 2..i + 6)
                && let Ok(text) = std::str::from_utf8(hex)
                && let Ok(code) = u32::from_str_radix(text, 16)
                && refused_control(code)
            {
                return true;
            }
            // Skip the escaped character: `\\u0000` is a backslash, then text.
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

fn json_rejection(r: JsonRejection) -> ApiError {
    match r {
        JsonRejection::JsonSyntaxError(e) => ApiError::bad_request(
            "invalid_json",
            format!(
                "Dữ liệu gửi lên không phải JSON hợp lệ: {}",
                detail(&e.body_text())
            ),
        ),
        JsonRejection::JsonDataError(e) => ApiError::unprocessable(
            "invalid_fields",
            format!("Thiếu hoặc sai trường dữ liệu: {}", detail(&e.body_text())),
        ),
        _ => ApiError::bad_request("invalid_body", "Không đọc được dữ liệu gửi lên."),
    }
}

/// serde's explanation in Vietnamese, without axum's own lead sentence.
fn detail(text: &str) -> String {
    app::serde_message(text.split_once(": ").map_or(text, |(_, rest)| rest))
}

/// Path extractor with Vietnamese errors.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| ApiPath(v))
            .map_err(|e: PathRejection| {
                tracing::debug!(rejection = %e.body_text(), "bad path");
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    "invalid_path",
                    "Đường dẫn không hợp lệ: mã hồ sơ trong đường dẫn phải là UUID, số thứ tự phải là số.",
                )
            })
    }
}

/// An optional filter of a query with a form of its own (a unit, a level, a method…): absent,
/// or its value. Sent empty it is refused, as the document's pattern says, rather than taken
/// as absent: leave the parameter out to mean "any".
pub fn filter<'a>(name: &str, value: Option<&'a str>) -> Result<Option<&'a str>, ApiError> {
    match value {
        Some(v) if v.trim().is_empty() => Err(ApiError::unprocessable(
            "empty_parameter",
            format!("Tham số \"{name}\" để trống: bỏ tham số này nếu không cần lọc theo nó."),
        )),
        v => Ok(v),
    }
}

/// The size of a page a list was asked for (`limit`): `default` when absent, else 1 to `max`;
/// anything else is refused as the document says (it declares the same bounds), not cut down
/// in silence.
pub fn page_size(limit: Option<u32>, default: u32, max: u32) -> Result<u32, ApiError> {
    match limit {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::unprocessable(
            "invalid_limit",
            format!("\"limit\" phải từ 1 đến {max}."),
        )),
    }
}

/// Query-string extractor with Vietnamese errors.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| ApiQuery(v))
            .map_err(|e: QueryRejection| {
                ApiError::unprocessable(
                    "invalid_query",
                    format!("Tham số tìm kiếm không hợp lệ: {}", detail(&e.body_text())),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::{has_escaped_control, parse_json};

    #[test]
    fn escaped_control_characters_are_found_and_line_breaks_allowed() {
        assert!(has_escaped_control(br#"{"a":"x\u0000y"}"#));
        assert!(has_escaped_control(br#"{"a":"\u001B"}"#));
        assert!(has_escaped_control(br#"{"a":"\u0085"}"#));
        // JSON's short escapes for backspace and form feed (schemathesis renamed a unit "\b…").
        assert!(has_escaped_control(br#"{"name":"\b"}"#));
        assert!(has_escaped_control(br#"{"name":"a\fb"}"#));
        assert!(!has_escaped_control(br#"{"a":"\\b \\f \/ \""}"#));
        assert!(!has_escaped_control(br#"{"a":"d\u00f2ng\nhai\tb\r"}"#));
        assert!(!has_escaped_control(br#"{"a":"\\u0000"}"#));
        assert!(!has_escaped_control("{\"a\":\"Nguyễn\"}".as_bytes()));
    }

    #[test]
    fn whole_floats_are_taken_as_integers_and_fractions_still_refused() {
        #[derive(Debug, serde::Deserialize, PartialEq)]
        struct Fee {
            amount: i64,
            number: u32,
            lines: Vec<u8>,
        }
        let json = |body: &str| {
            let mut headers = axum::http::HeaderMap::new();
            headers.insert(
                axum::http::header::CONTENT_TYPE,
                "application/json".parse().unwrap(),
            );
            parse_json::<Fee>(&headers, body.as_bytes())
        };
        let fee = json(r#"{"amount": 91673.0, "number": 4e2, "lines": [1.0, 2]}"#).unwrap();
        assert_eq!(
            fee,
            Fee {
                amount: 91673,
                number: 400,
                lines: vec![1, 2]
            }
        );
        for bad in [
            r#"{"amount": 1.5, "number": 1, "lines": []}"#,
            r#"{"amount": 1, "number": -1.0, "lines": []}"#,
            r#"{"amount": 1e300, "number": 1, "lines": []}"#,
        ] {
            let e = json(bad).unwrap_err();
            assert_eq!(e.body.code, "invalid_fields", "{bad}");
        }
    }
}
