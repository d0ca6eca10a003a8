//! Tra cứu CSDL quốc gia về dân cư over HTTP, for `app::population`: one
//! `POST {url}/tra-cuu-cong-dan` per lookup with a bearer key (issued by the data-sharing
//! platform the province connects through), the officer and the purpose.
//!
//! The service's field names are not published (reference §4, F-104 [M]); these are the ones
//! `fakeportal::population` serves, with the national portal's naming (`SoDinhDanh`,
//! `HoVaTen`, `NgaySinh` as dd/MM/yyyy, `NoiThuongTru`, `MaXaThuongTru`, `MaTraCuu`).

use app::population::{Lookup, PopulationRegistry, Resident};
use chrono::NaiveDate;
use serde::Deserialize;

use crate::SendError;

#[derive(Debug)]
pub struct HttpPopulationRegistry {
    client: reqwest::Client,
    url: String,
    key: String,
}

impl HttpPopulationRegistry {
    pub fn new(url: &str, key: String, timeout_seconds: u64) -> Result<Self, SendError> {
        Ok(Self {
            client: crate::http_client(timeout_seconds)?,
            url: url.trim_end_matches('/').to_string(),
            key,
        })
    }
}

#[derive(Deserialize)]
struct Answer {
    #[serde(rename = "ThanhCong")]
    ok: bool,
    #[serde(rename = "MaTraCuu", default)]
    reference: Option<String>,
    #[serde(rename = "CongDan", default)]
    resident: Option<Record>,
}

#[derive(Deserialize)]
struct Record {
    #[serde(rename = "SoDinhDanh")]
    id_number: String,
    #[serde(rename = "HoVaTen")]
    name: String,
    #[serde(rename = "NgaySinh", default)]
    birth_date: Option<String>,
    #[serde(rename = "GioiTinh", default)]
    gender: Option<String>,
    #[serde(rename = "NoiThuongTru")]
    residence: String,
    #[serde(rename = "MaXaThuongTru", default)]
    commune_code: Option<String>,
}

impl PopulationRegistry for HttpPopulationRegistry {
    fn lookup<'a>(&'a self, id_number: &'a str, officer: &'a str, purpose: &'a str) -> Lookup<'a> {
        Box::pin(async move {
            let sent = self
                .client
                .post(format!("{}/tra-cuu-cong-dan", self.url))
                .bearer_auth(&self.key)
                .json(&serde_json::json!({
                    "SoDinhDanh": id_number,
                    "CanBoTraCuu": officer,
                    "MucDich": purpose,
                }))
                .send()
                .await
                .map_err(|e| e.without_url().to_string())?;
            let status = sent.status();
            if status == reqwest::StatusCode::NOT_FOUND {
                return Ok(None);
            }
            let body = sent
                .bytes()
                .await
                .map_err(|e| e.without_url().to_string())?;
            if !status.is_success() {
                return Err(crate::refusal(status.as_u16(), &body));
            }
            let answer: Answer = serde_json::from_slice(&body)
                .map_err(|_| "câu trả lời không đúng cấu trúc".to_string())?;
            let (true, Some(reference), Some(r)) = (answer.ok, answer.reference, answer.resident)
            else {
                return Ok(None);
            };
            Ok(Some(Resident {
                reference,
                id_number: r.id_number,
                name: vntext::clean(&r.name),
                birth_date: r
                    .birth_date
                    .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%d/%m/%Y").ok()),
                gender: r.gender.filter(|g| !g.trim().is_empty()),
                residence: vntext::clean(&r.residence),
                commune_code: r.commune_code.filter(|c| !c.trim().is_empty()),
            }))
        })
    }
}
