//! `fakeportal` — a local stand-in for the national public-service portal (Cổng Dịch vụ công
//! quốc gia), for tests and, when asked, for the demo. It is a real HTTP server on loopback that
//! speaks the synchronisation interface `notify`'s adapter speaks (`GetToken`, `UploadFile`,
//! `CreateDossier`, `CapNhatTienTrinh`, `CapNhatTrangThai`, `DanhSachHoSo`):
//!
//! - it checks every payload with the field rules of `app::national::wire` and answers 400 with
//!   the portal's kind of message when one is broken, and refuses a step or a status of a dossier
//!   it was never given, or an attachment whose file was never uploaded;
//! - it keeps one copy of a call delivered twice (the `X-MotCua-Delivery` key);
//! - it fails on purpose when told to ([`FakePortal::set_outage`], [`FakePortal::reject_next`]),
//!   and forgets a dossier when told to ([`FakePortal::forget`]), for reconciliation;
//! - it records every call it accepted, in order ([`FakePortal::calls`]).
//!
//! [`oidc`] is the portal's single sign-on (VNeID) stood in for the same way.
//!
//! The product never relies on it: it only talks to whatever `[notify.national] url` names.

pub mod oidc;
pub mod population;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use app::national::wire::{
    self, Answer, CreateDossier, Listed, ProgressStep, StatusUpdate, Uploaded,
};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use sha2::Digest;

/// One call the portal accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    /// `CreateDossier`, `CapNhatTienTrinh`, `CapNhatTrangThai`, `UploadFile`.
    pub path: String,
    /// The delivery key.
    pub key: String,
    /// The JSON body (for `UploadFile`: the file's name and hash).
    pub body: serde_json::Value,
}

/// A dossier as the portal holds it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Held {
    pub create: Option<CreateDossier>,
    /// The steps by their number.
    pub steps: BTreeMap<u64, ProgressStep>,
    /// The newest status update.
    pub status: Option<StatusUpdate>,
}

#[derive(Default)]
struct Portal {
    client_id: String,
    secret: String,
    tokens: HashSet<String>,
    files: HashMap<String, (String, Vec<u8>)>,
    dossiers: HashMap<String, Held>,
    keys: HashSet<String>,
    calls: Vec<Received>,
    outage: bool,
    reject_next: u32,
    duplicates: usize,
    issued: u64,
    /// Dossier codes issued, per agency identifier.
    codes_issued: HashMap<String, u32>,
    /// Submissions waiting for their centre, by its identifier.
    waiting: Vec<CreateDossier>,
    /// What each submission became: (portal id, our dossier, our reference).
    taken: Vec<(String, String, String)>,
    /// Phản ánh waiting on the national feedback system, and what each became (its id, our
    /// code).
    petitions: Vec<app::feedback::NationalPetition>,
    petitions_taken: Vec<(String, String)>,
    /// The answers published here to petitions of the national system, as sent.
    answers: Vec<serde_json::Value>,
}

/// The running fake portal; dropped, it keeps running until the process ends.
#[derive(Clone)]
pub struct FakePortal {
    pub addr: SocketAddr,
    state: Arc<Mutex<Portal>>,
}

type Shared = Arc<Mutex<Portal>>;

fn answer(status: StatusCode, error_code: i32, message: impl Into<String>) -> Response {
    (
        status,
        Json(Answer {
            error_code,
            message: message.into(),
        }),
    )
        .into_response()
}

fn ok() -> Response {
    answer(StatusCode::OK, 0, "Thành công")
}

impl FakePortal {
    /// Starts on `listen` (`127.0.0.1:0` for any free port) with the account it accepts.
    pub async fn start(listen: &str, client_id: &str, secret: &str) -> std::io::Result<Self> {
        let state: Shared = Arc::new(Mutex::new(Portal {
            client_id: client_id.into(),
            secret: secret.into(),
            ..Portal::default()
        }));
        let router = axum::Router::new()
            .route("/GetToken", post(token))
            .route("/UploadFile", post(upload))
            .route("/CreateDossier", post(create))
            .route("/CapNhatTienTrinh", post(progress))
            .route("/CapNhatTrangThai", post(status))
            .route("/DanhSachHoSo", get(list))
            .route("/HoSoChoTiepNhan", get(waiting))
            .route("/GetNextValue", get(next_value))
            .route("/TaiTep", get(download))
            .route("/XacNhanTiepNhan", post(confirm))
            .route("/PhanAnhChoTiepNhan", get(petitions))
            .route("/XacNhanPhanAnh", post(petition_taken))
            .route("/TraLoiPhanAnh", post(petition_answered))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(Self { addr, state })
    }

    /// The base address to configure (`[notify.national] url`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn with<T>(&self, f: impl FnOnce(&mut Portal) -> T) -> T {
        f(&mut self.state.lock().expect("not poisoned"))
    }

    /// While on, every call is answered 503, as when the portal is down.
    pub fn set_outage(&self, on: bool) {
        self.with(|p| p.outage = on);
    }

    /// Refuses the next `n` dossier calls with a 400, as for a payload the portal will not take.
    pub fn reject_next(&self, n: u32) {
        self.with(|p| p.reject_next = n);
    }

    /// Forgets a dossier, as a portal that lost it.
    pub fn forget(&self, id: &str) {
        self.with(|p| p.dossiers.remove(id));
    }

    /// Every call accepted, in order.
    pub fn calls(&self) -> Vec<Received> {
        self.with(|p| p.calls.clone())
    }

    /// What the portal holds of a dossier (by our id).
    pub fn dossier(&self, id: &str) -> Option<Held> {
        self.with(|p| p.dossiers.get(id).cloned())
    }

    /// How many dossiers it holds.
    pub fn dossier_count(&self) -> usize {
        self.with(|p| p.dossiers.len())
    }

    /// A citizen submits a dossier on the portal for the centre `d.MaDonViTiepNhan` names, with
    /// its files (name, bytes); the attachments of `d` are given the files' ids and hashes.
    pub fn submit(&self, mut d: CreateDossier, files: &[(&str, &[u8])]) {
        self.with(|p| {
            for (c, (name, bytes)) in d
                .components
                .iter_mut()
                .zip(
                    files
                        .iter()
                        .map(|f| Some(*f))
                        .chain(std::iter::repeat(None)),
                )
                .filter_map(|(c, f)| f.map(|f| (c, f)))
            {
                let hash = hex::encode(sha2::Sha256::digest(bytes));
                p.files
                    .insert(hash.clone(), ((*name).into(), bytes.to_vec()));
                c.files = vec![wire::Attached {
                    id: format!("TT-{}", &hash[..16]),
                    result_code: None,
                    name: (*name).into(),
                    hash,
                }];
            }
            p.waiting.push(d);
        });
    }

    /// A citizen sends a petition on the national feedback system.
    pub fn submit_petition(&self, p: app::feedback::NationalPetition) {
        self.with(|s| s.petitions.push(p));
    }

    /// What the petitions became: (their id, our code).
    pub fn petitions_taken(&self) -> Vec<(String, String)> {
        self.with(|p| p.petitions_taken.clone())
    }

    /// The answers sent back to petitions, as received.
    pub fn petition_answers(&self) -> Vec<serde_json::Value> {
        self.with(|p| p.answers.clone())
    }

    /// Petitions not yet taken.
    pub fn petitions_waiting(&self) -> usize {
        self.with(|p| p.petitions.len())
    }

    /// What the submissions became: (portal id, our dossier id, our reference).
    pub fn taken(&self) -> Vec<(String, String, String)> {
        self.with(|p| p.taken.clone())
    }

    /// Submissions not yet taken.
    pub fn waiting_count(&self) -> usize {
        self.with(|p| p.waiting.len())
    }

    /// Calls delivered a second time (dropped by their key).
    pub fn duplicates(&self) -> usize {
        self.with(|p| p.duplicates)
    }
}

#[derive(Deserialize)]
struct TokenRequest {
    client_id: String,
    client_secret: String,
}

async fn token(State(s): State<Shared>, body: Bytes) -> Response {
    let mut p = s.lock().expect("not poisoned");
    if p.outage {
        return answer(
            StatusCode::SERVICE_UNAVAILABLE,
            503,
            "Hệ thống đang bảo trì.",
        );
    }
    let Ok(t) = serde_json::from_slice::<TokenRequest>(&body) else {
        return answer(
            StatusCode::BAD_REQUEST,
            400,
            "Yêu cầu cấp mã truy cập không hợp lệ.",
        );
    };
    if t.client_id != p.client_id || t.client_secret != p.secret {
        return answer(
            StatusCode::UNAUTHORIZED,
            401,
            "Sai client_id hoặc client_secret.",
        );
    }
    p.issued += 1;
    let token = format!("tk-{}-{}", p.issued, uuid::Uuid::now_v7().simple());
    p.tokens.insert(token.clone());
    Json(serde_json::json!({ "access_token": token, "expires_in": 3600 })).into_response()
}

/// Checks the outage, the token and the delivery key; `Err` is the answer to give.
fn admit(p: &mut Portal, headers: &HeaderMap) -> Result<Option<String>, Box<Response>> {
    if p.outage {
        return Err(Box::new(answer(
            StatusCode::SERVICE_UNAVAILABLE,
            503,
            "Hệ thống đang bảo trì.",
        )));
    }
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if !bearer.is_some_and(|t| p.tokens.contains(t)) {
        return Err(Box::new(answer(
            StatusCode::UNAUTHORIZED,
            401,
            "Mã truy cập không hợp lệ hoặc đã hết hạn.",
        )));
    }
    let key = headers
        .get("x-motcua-delivery")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    Ok(key)
}

/// Whether the call is a second delivery (already applied).
fn seen(p: &mut Portal, key: &Option<String>) -> bool {
    if let Some(k) = key
        && p.keys.contains(k)
    {
        p.duplicates += 1;
        return true;
    }
    false
}

fn accept(p: &mut Portal, path: &str, key: Option<String>, body: serde_json::Value) {
    let key = key.unwrap_or_default();
    if !key.is_empty() {
        p.keys.insert(key.clone());
    }
    p.calls.push(Received {
        path: path.into(),
        key,
        body,
    });
}

fn refuse(problems: Vec<String>) -> Response {
    answer(
        StatusCode::BAD_REQUEST,
        400,
        format!("Dữ liệu không hợp lệ: {}", problems.join(" ")),
    )
}

#[derive(Deserialize)]
struct UploadQuery {
    #[serde(rename = "TenTep")]
    name: Option<String>,
}

async fn upload(
    State(s): State<Shared>,
    Query(q): Query<UploadQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut p = s.lock().expect("not poisoned");
    let key = match admit(&mut p, &headers) {
        Ok(k) => k,
        Err(r) => return *r,
    };
    let Some(name) = q.name.filter(|n| !n.trim().is_empty()) else {
        return refuse(vec!["Thiếu TenTep.".into()]);
    };
    if body.is_empty() {
        return refuse(vec!["Tệp rỗng.".into()]);
    }
    let hash = hex::encode(sha2::Sha256::digest(&body));
    let id = format!("TT-{}", &hash[..16]);
    if !seen(&mut p, &key) {
        p.files.insert(hash.clone(), (name.clone(), body.to_vec()));
        accept(
            &mut p,
            "UploadFile",
            key,
            serde_json::json!({ "TenTep": name, "HashTepTin": hash }),
        );
    }
    Json(serde_json::json!({
        "error_code": 0,
        "message": "Thành công",
        "IdTepTin": Uploaded { id, hash: hash.clone() }.id,
        "HashTepTin": hash,
    }))
    .into_response()
}

/// Parses a dossier call; `Err` is the answer to give.
fn parse<T: serde::de::DeserializeOwned>(
    body: &[u8],
) -> Result<(T, serde_json::Value), Box<Response>> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|_| Box::new(refuse(vec!["Nội dung không phải JSON.".into()])))?;
    let parsed = serde_json::from_value(value.clone()).map_err(|e| {
        Box::new(refuse(vec![format!(
            "Thiếu trường hoặc sai kiểu dữ liệu ({e})."
        )]))
    })?;
    Ok((parsed, value))
}

/// Takes one of the rejections asked for.
fn rejecting(p: &mut Portal) -> Option<Response> {
    if p.reject_next > 0 {
        p.reject_next -= 1;
        return Some(refuse(vec![
            "MaTTHC chưa được công khai trên Cơ sở dữ liệu quốc gia về TTHC (từ chối thử).".into(),
        ]));
    }
    None
}

/// One dossier call: the token and the delivery key, the payload parsed and checked by `check`
/// (the field rules and what the portal holds), then kept by `apply` and recorded.
fn dossier_call<T: serde::de::DeserializeOwned>(
    s: &Shared,
    headers: &HeaderMap,
    body: &[u8],
    path: &str,
    check: impl FnOnce(&Portal, &T) -> Vec<String>,
    apply: impl FnOnce(&mut Portal, T),
) -> Response {
    let mut p = s.lock().expect("not poisoned");
    let key = match admit(&mut p, headers) {
        Ok(k) => k,
        Err(r) => return *r,
    };
    if seen(&mut p, &key) {
        return ok();
    }
    let (payload, value): (T, _) = match parse(body) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    if let Some(r) = rejecting(&mut p) {
        return r;
    }
    let problems = check(&p, &payload);
    if !problems.is_empty() {
        return refuse(problems);
    }
    apply(&mut p, payload);
    accept(&mut p, path, key, value);
    ok()
}

/// The dossier `id` must have been created before a step or a status names it.
fn created(p: &Portal, id: &str, code: &str) -> Vec<String> {
    if p.dossiers.get(id).is_some_and(|h| h.create.is_some()) {
        Vec::new()
    } else {
        vec![format!("Hồ sơ {code} chưa được tạo trên Cổng.")]
    }
}

async fn create(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    dossier_call(
        &s,
        &headers,
        &body,
        "CreateDossier",
        |p, d: &CreateDossier| {
            let mut problems = wire::check_create(d);
            for f in d.components.iter().flat_map(|c| c.files.iter()) {
                if !p.files.contains_key(&f.hash) {
                    problems.push(format!(
                        "Tệp \"{}\" chưa được tải lên (HashTepTin không khớp).",
                        f.name
                    ));
                }
            }
            problems
        },
        |p, d| {
            let id = d.id.clone();
            p.dossiers.entry(id).or_default().create = Some(d);
        },
    )
}

async fn progress(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    dossier_call(
        &s,
        &headers,
        &body,
        "CapNhatTienTrinh",
        |p, step: &ProgressStep| {
            let problems = wire::check_progress(step);
            if problems.is_empty() {
                created(p, &step.id, &step.code)
            } else {
                problems
            }
        },
        |p, step| {
            if let Some(held) = p.dossiers.get_mut(&step.id) {
                held.steps.insert(step.seq, step);
            }
        },
    )
}

async fn status(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    dossier_call(
        &s,
        &headers,
        &body,
        "CapNhatTrangThai",
        |p, update: &StatusUpdate| {
            let problems = wire::check_status(update);
            if problems.is_empty() {
                created(p, &update.id, &update.code)
            } else {
                problems
            }
        },
        |p, update| {
            if let Some(held) = p.dossiers.get_mut(&update.id)
                && held
                    .status
                    .as_ref()
                    .is_none_or(|s| s.version <= update.version)
            {
                held.status = Some(update);
            }
        },
    )
}

#[derive(Deserialize)]
struct ListQuery {
    /// yyyy-MM-dd: dossiers received (or, not received, submitted) that day.
    #[serde(rename = "Ngay")]
    day: String,
}

async fn list(State(s): State<Shared>, headers: HeaderMap, Query(q): Query<ListQuery>) -> Response {
    let mut p = s.lock().expect("not poisoned");
    if let Err(r) = admit(&mut p, &headers) {
        return *r;
    }
    let mut out: Vec<Listed> = p
        .dossiers
        .values()
        .filter_map(|h| {
            let c = h.create.as_ref()?;
            let s = h.status.as_ref();
            let day = s
                .and_then(|s| s.received.clone())
                .or_else(|| c.received.clone())
                .unwrap_or_else(|| c.submitted.clone());
            day.starts_with(&q.day).then(|| Listed {
                id: c.id.clone(),
                code: s.map_or_else(|| c.code.clone(), |s| s.code.clone()),
                status: s.map_or(0, |s| s.status),
                version: s.map_or(0, |s| s.version),
            })
        })
        .collect();
    out.sort_by(|a, b| a.code.cmp(&b.code));
    Json(serde_json::json!({ "error_code": 0, "message": "Thành công", "data": out }))
        .into_response()
}

#[derive(Deserialize)]
struct CentreQuery {
    #[serde(rename = "MaDonVi")]
    centre: String,
}

async fn waiting(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<CentreQuery>,
) -> Response {
    let mut p = s.lock().expect("not poisoned");
    if let Err(r) = admit(&mut p, &headers) {
        return *r;
    }
    let out: Vec<&CreateDossier> = p
        .waiting
        .iter()
        .filter(|d| d.receiving == q.centre)
        .collect();
    Json(serde_json::json!({ "error_code": 0, "message": "Thành công", "data": out }))
        .into_response()
}

#[derive(Deserialize)]
struct FileQuery {
    #[serde(rename = "IdTepTin")]
    id: String,
}

async fn download(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<FileQuery>,
) -> Response {
    let mut p = s.lock().expect("not poisoned");
    if let Err(r) = admit(&mut p, &headers) {
        return *r;
    }
    let found = p
        .files
        .iter()
        .find(|(hash, _)| q.id == format!("TT-{}", &hash[..16]))
        .map(|(_, (_, bytes))| bytes.clone());
    match found {
        Some(bytes) => bytes.into_response(),
        None => answer(StatusCode::NOT_FOUND, 404, "Không có tệp này."),
    }
}

#[derive(Deserialize)]
struct Confirmation {
    #[serde(rename = "IdHoSo")]
    portal_id: String,
    #[serde(rename = "IdHoSoDiaPhuong")]
    dossier: String,
    #[serde(rename = "MaHoSoTam")]
    reference: String,
}

async fn petitions(State(s): State<Shared>, headers: HeaderMap) -> Response {
    let mut p = s.lock().expect("not poisoned");
    if let Err(r) = admit(&mut p, &headers) {
        return *r;
    }
    Json(serde_json::json!({ "error_code": 0, "message": "Thành công", "data": p.petitions }))
        .into_response()
}

#[derive(Deserialize)]
struct PetitionTaken {
    #[serde(rename = "IdPhanAnh")]
    id: String,
    #[serde(rename = "MaPhanAnh")]
    code: String,
}

async fn petition_taken(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let mut p = s.lock().expect("not poisoned");
    if let Err(r) = admit(&mut p, &headers) {
        return *r;
    }
    let Ok(t) = serde_json::from_slice::<PetitionTaken>(&body) else {
        return refuse(vec!["Cần IdPhanAnh, MaPhanAnh.".into()]);
    };
    let before = p.petitions.len();
    p.petitions.retain(|x| x.id != t.id);
    let known = p.petitions_taken.iter().any(|x| x.0 == t.id);
    if p.petitions.len() == before && !known {
        return refuse(vec![format!("Không có phản ánh chờ tiếp nhận {}.", t.id)]);
    }
    if !known {
        p.petitions_taken.push((t.id, t.code));
    }
    ok()
}

async fn petition_answered(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let mut p = s.lock().expect("not poisoned");
    if let Err(r) = admit(&mut p, &headers) {
        return *r;
    }
    let Ok(a) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return refuse(vec!["Nội dung trả lời không phải JSON.".into()]);
    };
    let id = a["IdPhanAnh"].as_str().unwrap_or_default().to_string();
    if !p.petitions_taken.iter().any(|t| t.0 == id) {
        return refuse(vec![format!("Không có phản ánh {id} đã tiếp nhận.")]);
    }
    if a["NoiDungTraLoi"]
        .as_str()
        .is_none_or(|t| t.trim().is_empty())
    {
        return refuse(vec!["Cần NoiDungTraLoi.".into()]);
    }
    // The same answer delivered twice is kept once.
    if !p.answers.iter().any(|x| x["IdPhanAnh"] == a["IdPhanAnh"]) {
        p.answers.push(a);
    }
    ok()
}

async fn confirm(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let mut p = s.lock().expect("not poisoned");
    if let Err(r) = admit(&mut p, &headers) {
        return *r;
    }
    let Ok(c) = serde_json::from_slice::<Confirmation>(&body) else {
        return refuse(vec!["Cần IdHoSo, IdHoSoDiaPhuong, MaHoSoTam.".into()]);
    };
    if uuid::Uuid::parse_str(&c.dossier).is_err() || !wire::code_ok(&c.reference) {
        return refuse(vec![
            "IdHoSoDiaPhuong phải là UUID và MaHoSoTam là mã hồ sơ.".into(),
        ]);
    }
    let before = p.waiting.len();
    p.waiting.retain(|d| d.id != c.portal_id);
    if p.waiting.len() == before && !p.taken.iter().any(|t| t.0 == c.portal_id) {
        return refuse(vec![format!(
            "Không có hồ sơ chờ tiếp nhận {}.",
            c.portal_id
        )]);
    }
    if !p.taken.iter().any(|t| t.0 == c.portal_id) {
        p.taken.push((c.portal_id, c.dossier, c.reference));
    }
    ok()
}

#[derive(Deserialize)]
struct CodeQuery {
    code: String,
}

/// `GetNextValue`: the next dossier code of an agency, in the 2025 layout
/// (`{agency}-{YYYYMMDD}-{seven digits}`), dated by the portal's clock.
async fn next_value(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<CodeQuery>,
) -> Response {
    let mut p = s.lock().expect("not poisoned");
    if let Err(r) = admit(&mut p, &headers) {
        return *r;
    }
    if q.code.is_empty()
        || !q
            .code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.')
    {
        return refuse(vec!["code phải là mã định danh của cơ quan.".into()]);
    }
    let n = p.codes_issued.entry(q.code.clone()).or_default();
    *n += 1;
    let value = format!(
        "{}-{}-{:07}",
        q.code,
        chrono::Utc::now().format("%Y%m%d"),
        n
    );
    Json(serde_json::json!({ "error_code": 0, "message": "Thành công", "value": value }))
        .into_response()
}
