//! A local stand-in for the national population database's lookup service (CSDL quốc gia về dân
//! cư, reached through the data-sharing platform): a real HTTP server answering
//! `POST /tra-cuu-cong-dan` for the residents it was given, checking the key and the request,
//! failing on purpose, and recording every lookup (who asked for which number).
//!
//! Its payloads follow `notify::population` (the service's real field names are not published;
//! reference §4, F-104 [M]).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

/// Công dân trong CSDL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resident {
    #[serde(rename = "SoDinhDanh")]
    pub id_number: String,
    #[serde(rename = "HoVaTen")]
    pub name: String,
    /// dd/MM/yyyy.
    #[serde(rename = "NgaySinh")]
    pub birth_date: String,
    #[serde(rename = "GioiTinh")]
    pub gender: String,
    /// Nơi thường trú, as the database writes it.
    #[serde(rename = "NoiThuongTru")]
    pub residence: String,
    /// The commune's 5-digit code (QĐ 19/2025).
    #[serde(rename = "MaXaThuongTru")]
    pub commune_code: String,
}

/// One lookup received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    pub id_number: String,
    pub officer: String,
    pub purpose: String,
    pub reference: Option<String>,
}

struct Registry {
    key: String,
    residents: HashMap<String, Resident>,
    outage: bool,
    asked: Vec<Asked>,
    next: u64,
}

type Shared = Arc<Mutex<Registry>>;

/// The running service.
#[derive(Clone)]
pub struct FakePopulation {
    pub addr: SocketAddr,
    state: Shared,
}

impl FakePopulation {
    /// Starts on loopback; callers send `Authorization: Bearer {key}`.
    pub async fn start(key: &str) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state: Shared = Arc::new(Mutex::new(Registry {
            key: key.into(),
            residents: HashMap::new(),
            outage: false,
            asked: Vec::new(),
            next: 0,
        }));
        let router = Router::new()
            .route("/tra-cuu-cong-dan", post(lookup))
            .with_state(state.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(Self { addr, state })
    }

    /// The base address (`[population] url`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Adds (or replaces) a resident.
    pub fn add(&self, r: Resident) {
        let mut s = self.state.lock().expect("not poisoned");
        s.residents.insert(r.id_number.clone(), r);
    }

    /// Answers 503 to everything while on.
    pub fn set_outage(&self, on: bool) {
        self.state.lock().expect("not poisoned").outage = on;
    }

    /// Every lookup received, in order.
    pub fn asked(&self) -> Vec<Asked> {
        self.state.lock().expect("not poisoned").asked.clone()
    }
}

#[derive(Deserialize)]
struct Request {
    #[serde(rename = "SoDinhDanh")]
    id_number: String,
    #[serde(rename = "CanBoTraCuu")]
    officer: String,
    #[serde(rename = "MucDich")]
    purpose: String,
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(serde_json::json!({ "ThanhCong": false, "ThongBao": message })),
    )
        .into_response()
}

async fn lookup(State(state): State<Shared>, headers: HeaderMap, body: String) -> Response {
    let mut s = state.lock().expect("not poisoned");
    if s.outage {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "Hệ thống đang bảo trì.");
    }
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if bearer != Some(s.key.as_str()) {
        return refuse(StatusCode::UNAUTHORIZED, "Khóa truy cập không hợp lệ.");
    }
    let Ok(req) = serde_json::from_str::<Request>(&body) else {
        return refuse(StatusCode::BAD_REQUEST, "Yêu cầu không đúng cấu trúc.");
    };
    if req.id_number.len() != 12 || !req.id_number.bytes().all(|b| b.is_ascii_digit()) {
        return refuse(StatusCode::BAD_REQUEST, "Số định danh phải có 12 chữ số.");
    }
    if req.officer.trim().is_empty() || req.purpose.trim().is_empty() {
        return refuse(
            StatusCode::BAD_REQUEST,
            "Thiếu cán bộ tra cứu hoặc mục đích tra cứu.",
        );
    }
    let found = s.residents.get(&req.id_number).cloned();
    let reference = found.as_ref().map(|_| {
        s.next += 1;
        format!("CSDLDC-{:08}", s.next)
    });
    s.asked.push(Asked {
        id_number: req.id_number,
        officer: req.officer,
        purpose: req.purpose,
        reference: reference.clone(),
    });
    match (found, reference) {
        (Some(r), Some(reference)) => Json(serde_json::json!({
            "ThanhCong": true,
            "MaTraCuu": reference,
            "CongDan": r,
        }))
        .into_response(),
        _ => refuse(
            StatusCode::NOT_FOUND,
            "Không tìm thấy công dân có số định danh này.",
        ),
    }
}
