//! Gửi dữ liệu biên lai điện tử đến cơ quan thuế — the adapter that hands each signed receipt
//! (and each signed notice of cancellation) to the tax authority's receiving endpoint, directly
//! or through a service provider (ND 254/2026).
//!
//! The published exchange format of the tax authority is not in our reference; this adapter
//! speaks a plain, documented HTTP form that a provider's bridge maps: `POST {url}/bien-lai` (a
//! receipt) or `POST {url}/bien-lai/huy` (a cancellation) with the signed XML as the body
//! (`application/xml; charset=utf-8`), `X-Ma-So-Thue: <the organisation's tax code>`, the
//! `X-MotCua-Delivery` header (the same key on every retry, so the receiver keeps one copy) and
//! `Authorization: Bearer <token>` when a token is configured. Any 2xx answer means received.

use crate::config::TaxConfig;
use crate::{Attempt, DELIVERY_HEADER, SendError, TaxAuthority};

/// Header naming the collecting organisation whose receipt it is.
pub const TAX_CODE_HEADER: &str = "X-Ma-So-Thue";

pub struct HttpTaxAuthority {
    client: reqwest::Client,
    url: String,
    token: Option<String>,
}

impl HttpTaxAuthority {
    pub fn new(c: &TaxConfig, token: Option<String>) -> Result<Self, SendError> {
        let client = crate::http_client(c.timeout_seconds)?;
        Ok(Self {
            client,
            url: c.url.trim_end_matches('/').to_string(),
            token,
        })
    }
}

impl TaxAuthority for HttpTaxAuthority {
    fn send<'a>(
        &'a self,
        path: &'a str,
        tax_code: &'a str,
        xml: Vec<u8>,
        key: &'a str,
    ) -> Attempt<'a> {
        Box::pin(async move {
            let mut req = self
                .client
                .post(format!("{}/{path}", self.url))
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/xml; charset=utf-8",
                )
                .header(TAX_CODE_HEADER, tax_code)
                .header(DELIVERY_HEADER, key)
                .body(xml);
            if let Some(token) = &self.token {
                req = req.bearer_auth(token);
            }
            crate::webhook::accepted(req.send().await).await
        })
    }
}
