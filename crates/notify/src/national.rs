//! Cổng Dịch vụ công quốc gia — the adapter that delivers a dossier's changes to the national
//! portal's synchronisation interface (reference §3.3 [S]): `GetToken` (client id and secret,
//! the token kept until it expires, fetched again once when refused), `UploadFile` (the raw bytes,
//! answered with the portal's `IdTepTin` and the `HashTepTin` it computed, checked against ours),
//! then `CreateDossier`, `CapNhatTienTrinh` and `CapNhatTrangThai` as JSON.
//!
//! Every request carries `X-MotCua-Delivery` — the message's key and the call's place in it, the
//! same on every retry — so the portal keeps one copy of a call delivered twice. A 2xx answer with
//! `error_code` 0 is accepted. A 400 or 422 (or a 2xx with another `error_code`) is the portal
//! refusing the payload: [`SendError::Rejected`], dead at once with the portal's message, since
//! sending it again cannot help. Anything else (no answer, 5xx, 429) is tried again later.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use app::feedback::NationalPetition;
use app::national::FileUpload;
use app::national::wire::{Answer, CreateDossier, Listed, Uploaded};
use serde::Deserialize;

use crate::config::NationalConfig;
use crate::{DELIVERY_HEADER, SendError};

/// A call's answer under way.
pub type Call<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, SendError>> + Send + 'a>>;

/// Đồng bộ lên Cổng Dịch vụ công quốc gia; it also issues dossier codes.
pub trait NationalPortal: app::national::CodeSource + Send + Sync {
    /// Uploads a file; returns the portal's id of it.
    fn upload<'a>(&'a self, file: &'a FileUpload, key: &'a str) -> Call<'a, String>;
    /// Posts a JSON payload to `path` (`CreateDossier`, `CapNhatTienTrinh`, `CapNhatTrangThai`).
    fn post<'a>(&'a self, path: &'a str, body: Vec<u8>, key: &'a str) -> Call<'a, ()>;
    /// The dossiers the portal holds as received on `day` (`DanhSachHoSo`), for reconciliation.
    fn list(&self, day: chrono::NaiveDate) -> Call<'_, Vec<Listed>>;
    /// Dossiers submitted on the portal for the centre with identifier `centre`
    /// (`HoSoChoTiepNhan`).
    fn submissions<'a>(&'a self, centre: &'a str) -> Call<'a, Vec<CreateDossier>>;
    /// A submitted file's bytes (`TaiTep`).
    fn download<'a>(&'a self, id: &'a str) -> Call<'a, Vec<u8>>;
    /// Tells the portal which dossier a submission became (`XacNhanTiepNhan`).
    fn confirm<'a>(&'a self, taken: &'a Taken) -> Call<'a, ()>;
    /// Phản ánh, kiến nghị waiting on the national feedback system for the province's agencies
    /// (`PhanAnhChoTiepNhan`).
    fn feedback(&self) -> Call<'_, Vec<NationalPetition>>;
    /// Tells the national system a petition was received here, under our code
    /// (`XacNhanPhanAnh`).
    fn feedback_taken<'a>(&'a self, id: &'a str, code: &'a str) -> Call<'a, ()>;
}

/// Đã nhận hồ sơ từ Cổng: the portal's id of a submission, and our dossier and reference.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Taken {
    #[serde(rename = "IdHoSo")]
    pub portal_id: String,
    #[serde(rename = "IdHoSoDiaPhuong")]
    pub dossier: String,
    #[serde(rename = "MaHoSoTam")]
    pub reference: String,
}

#[derive(Deserialize)]
struct Submissions {
    #[serde(default)]
    error_code: i32,
    #[serde(default)]
    message: String,
    #[serde(default)]
    data: Vec<CreateDossier>,
}

#[derive(Deserialize)]
struct Petitions {
    #[serde(default)]
    error_code: i32,
    #[serde(default)]
    message: String,
    #[serde(default)]
    data: Vec<NationalPetition>,
}

#[derive(Deserialize)]
struct ListAnswer {
    #[serde(default)]
    error_code: i32,
    #[serde(default)]
    message: String,
    #[serde(default)]
    data: Vec<Listed>,
}

#[derive(Deserialize)]
struct Token {
    access_token: String,
    expires_in: u64,
}

pub struct HttpNationalPortal {
    client: reqwest::Client,
    url: String,
    client_id: String,
    secret: String,
    token: Mutex<Option<(String, Instant)>>,
}

impl HttpNationalPortal {
    pub fn new(c: &NationalConfig, secret: String) -> Result<Self, SendError> {
        Ok(Self {
            client: crate::http_client(c.timeout_seconds)?,
            url: c.url.trim_end_matches('/').to_string(),
            client_id: c.client_id.clone(),
            secret,
            token: Mutex::new(None),
        })
    }

    async fn token(&self) -> Result<String, SendError> {
        if let Some((t, until)) = self.token.lock().expect("not poisoned").clone()
            && Instant::now() < until
        {
            return Ok(t);
        }
        let response = self
            .client
            .post(format!("{}/GetToken", self.url))
            .json(&serde_json::json!({
                "client_id": self.client_id,
                "client_secret": self.secret,
            }))
            .send()
            .await
            .map_err(|e| SendError::Http(e.without_url().to_string()))?;
        let status = response.status();
        if !status.is_success() {
            return Err(SendError::Status {
                status: status.as_u16(),
                body: "Cổng không cấp mã truy cập (kiểm tra client_id, client_secret).".into(),
            });
        }
        let t: Token = response
            .json()
            .await
            .map_err(|_| SendError::Http("Cổng trả mã truy cập không đọc được.".into()))?;
        // A minute's margin, so a token never expires between the check and the call.
        let until = Instant::now() + Duration::from_secs(t.expires_in.saturating_sub(60).max(1));
        *self.token.lock().expect("not poisoned") = Some((t.access_token.clone(), until));
        Ok(t.access_token)
    }

    /// Sends the request `make` builds with a token; once more with a fresh token if refused.
    async fn send(
        &self,
        make: impl Fn(&str) -> reqwest::RequestBuilder,
    ) -> Result<Vec<u8>, SendError> {
        for attempt in 0..2 {
            let token = self.token().await?;
            let response = make(&token)
                .send()
                .await
                .map_err(|e| SendError::Http(e.without_url().to_string()))?;
            let status = response.status();
            if status == reqwest::StatusCode::UNAUTHORIZED && attempt == 0 {
                *self.token.lock().expect("not poisoned") = None;
                continue;
            }
            let body = response
                .bytes()
                .await
                .map_err(|e| SendError::Http(e.without_url().to_string()))?;
            if status.is_success() {
                return Ok(body.to_vec());
            }
            let said = portal_message(&body);
            if status == reqwest::StatusCode::BAD_REQUEST
                || status == reqwest::StatusCode::UNPROCESSABLE_ENTITY
            {
                return Err(SendError::Rejected(said));
            }
            return Err(SendError::Status {
                status: status.as_u16(),
                body: said,
            });
        }
        Err(SendError::Status {
            status: 401,
            body: "Cổng từ chối mã truy cập vừa cấp.".into(),
        })
    }
}

/// A query value, percent-encoded (UTF-8).
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The portal's `message`, or the start of what it said.
fn portal_message(body: &[u8]) -> String {
    match serde_json::from_slice::<Answer>(body) {
        Ok(a) => a.message.chars().take(500).collect(),
        Err(_) => String::from_utf8_lossy(body).chars().take(300).collect(),
    }
}

/// A 2xx answer is accepted when it says `error_code` 0 (or says nothing of it).
fn accepted(body: &[u8]) -> Result<(), SendError> {
    match serde_json::from_slice::<Answer>(body) {
        Ok(a) if a.error_code != 0 => {
            Err(SendError::Rejected(a.message.chars().take(500).collect()))
        }
        _ => Ok(()),
    }
}

/// How long an intake waits for the portal's dossier code.
const CODE_WAIT: Duration = Duration::from_secs(3);

#[derive(Deserialize)]
struct NextValue {
    #[serde(default)]
    error_code: i32,
    #[serde(default)]
    message: String,
    #[serde(default)]
    value: String,
}

impl app::national::CodeSource for HttpNationalPortal {
    fn next_code<'a>(&'a self, agency: &'a str) -> app::national::codes::NextCode<'a> {
        Box::pin(async move {
            // A counter waits for this answer: past a few seconds it numbers the dossier itself.
            let asked = self.send(|token| {
                self.client
                    .get(format!("{}/GetNextValue?code={}", self.url, encode(agency)))
                    .bearer_auth(token)
            });
            let body = tokio::time::timeout(CODE_WAIT, asked)
                .await
                .map_err(|_| "Cổng không trả mã hồ sơ kịp.".to_string())?
                .map_err(|e| e.to_string())?;
            let answer: NextValue = serde_json::from_slice(&body)
                .map_err(|_| "Cổng trả mã hồ sơ không đọc được.".to_string())?;
            if answer.error_code != 0 || answer.value.is_empty() {
                return Err(format!("Cổng không cấp mã hồ sơ: {}", answer.message));
            }
            Ok(answer.value)
        })
    }
}

impl NationalPortal for HttpNationalPortal {
    fn feedback(&self) -> Call<'_, Vec<NationalPetition>> {
        Box::pin(async move {
            let body = self
                .send(|token| {
                    self.client
                        .get(format!("{}/PhanAnhChoTiepNhan", self.url))
                        .bearer_auth(token)
                })
                .await?;
            let answer: Petitions = serde_json::from_slice(&body).map_err(|_| {
                SendError::Http("Hệ thống PAKN trả danh sách phản ánh không đọc được.".into())
            })?;
            if answer.error_code != 0 {
                return Err(SendError::Rejected(answer.message));
            }
            Ok(answer.data)
        })
    }

    fn feedback_taken<'a>(&'a self, id: &'a str, code: &'a str) -> Call<'a, ()> {
        Box::pin(async move {
            let body = serde_json::to_vec(&serde_json::json!({"IdPhanAnh": id, "MaPhanAnh": code}))
                .expect("serialises");
            let answer = self
                .send(|token| {
                    self.client
                        .post(format!("{}/XacNhanPhanAnh", self.url))
                        .bearer_auth(token)
                        .header(reqwest::header::CONTENT_TYPE, "application/json")
                        .body(body.clone())
                })
                .await?;
            accepted(&answer)
        })
    }

    fn submissions<'a>(&'a self, centre: &'a str) -> Call<'a, Vec<CreateDossier>> {
        Box::pin(async move {
            let body = self
                .send(|token| {
                    self.client
                        .get(format!(
                            "{}/HoSoChoTiepNhan?MaDonVi={}",
                            self.url,
                            encode(centre)
                        ))
                        .bearer_auth(token)
                })
                .await?;
            let answer: Submissions = serde_json::from_slice(&body).map_err(|_| {
                SendError::Http("Cổng trả danh sách hồ sơ chờ tiếp nhận không đọc được.".into())
            })?;
            if answer.error_code != 0 {
                return Err(SendError::Rejected(answer.message));
            }
            Ok(answer.data)
        })
    }

    fn download<'a>(&'a self, id: &'a str) -> Call<'a, Vec<u8>> {
        Box::pin(async move {
            self.send(|token| {
                self.client
                    .get(format!("{}/TaiTep?IdTepTin={}", self.url, encode(id)))
                    .bearer_auth(token)
            })
            .await
        })
    }

    fn confirm<'a>(&'a self, taken: &'a Taken) -> Call<'a, ()> {
        Box::pin(async move {
            let body = serde_json::to_vec(taken).expect("serialises");
            let answer = self
                .send(|token| {
                    self.client
                        .post(format!("{}/XacNhanTiepNhan", self.url))
                        .bearer_auth(token)
                        .header(reqwest::header::CONTENT_TYPE, "application/json")
                        .body(body.clone())
                })
                .await?;
            accepted(&answer)
        })
    }

    fn list(&self, day: chrono::NaiveDate) -> Call<'_, Vec<Listed>> {
        Box::pin(async move {
            let body = self
                .send(|token| {
                    self.client
                        .get(format!("{}/DanhSachHoSo?Ngay={day}", self.url))
                        .bearer_auth(token)
                })
                .await?;
            let answer: ListAnswer = serde_json::from_slice(&body)
                .map_err(|_| SendError::Http("Cổng trả danh sách hồ sơ không đọc được.".into()))?;
            if answer.error_code != 0 {
                return Err(SendError::Rejected(answer.message));
            }
            Ok(answer.data)
        })
    }

    fn upload<'a>(&'a self, file: &'a FileUpload, key: &'a str) -> Call<'a, String> {
        Box::pin(async move {
            let body = self
                .send(|token| {
                    self.client
                        .post(format!(
                            "{}/UploadFile?TenTep={}",
                            self.url,
                            encode(&file.name)
                        ))
                        .bearer_auth(token)
                        .header(reqwest::header::CONTENT_TYPE, file.media_type.as_str())
                        .header(DELIVERY_HEADER, key)
                        .body(file.content.clone())
                })
                .await?;
            accepted(&body)?;
            let up: Uploaded = serde_json::from_slice(&body)
                .map_err(|_| SendError::Http("Cổng trả kết quả tải tệp không đọc được.".into()))?;
            if up.hash != file.sha256 {
                return Err(SendError::Http(format!(
                    "Cổng nhận tệp \"{}\" với mã băm khác tệp đã gửi; sẽ gửi lại.",
                    file.name
                )));
            }
            Ok(up.id)
        })
    }

    fn post<'a>(&'a self, path: &'a str, body: Vec<u8>, key: &'a str) -> Call<'a, ()> {
        Box::pin(async move {
            let answer = self
                .send(|token| {
                    self.client
                        .post(format!("{}/{path}", self.url))
                        .bearer_auth(token)
                        .header(reqwest::header::CONTENT_TYPE, "application/json")
                        .header(DELIVERY_HEADER, key)
                        .body(body.clone())
                })
                .await?;
            accepted(&answer)
        })
    }
}
