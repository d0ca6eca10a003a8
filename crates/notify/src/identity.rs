//! Dịch vụ định danh — the HTTP side of signing in with a national identity (OpenID Connect):
//! the discovery document, the provider's keys and the token request, for `app::identity`.

use app::identity::{Fetch, ProviderHttp};

use crate::SendError;

pub struct HttpProvider {
    client: reqwest::Client,
}

impl HttpProvider {
    pub fn new(timeout_seconds: u64) -> Result<Self, SendError> {
        Ok(Self {
            client: crate::http_client(timeout_seconds)?,
        })
    }
}

async fn json(
    sent: Result<reqwest::Response, reqwest::Error>,
) -> Result<serde_json::Value, String> {
    let response = sent.map_err(|e| e.without_url().to_string())?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|e| e.without_url().to_string())?;
    if !status.is_success() {
        return Err(crate::refusal(status.as_u16(), &body));
    }
    serde_json::from_slice(&body).map_err(|_| "câu trả lời không phải JSON".to_string())
}

impl ProviderHttp for HttpProvider {
    fn get_json<'a>(&'a self, url: &'a str) -> Fetch<'a> {
        Box::pin(async move { json(self.client.get(url).send().await).await })
    }

    fn post_form<'a>(&'a self, url: &'a str, form: Vec<(String, String)>) -> Fetch<'a> {
        Box::pin(async move {
            let body = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form)
                .finish();
            json(
                self.client
                    .post(url)
                    .header(
                        reqwest::header::CONTENT_TYPE,
                        "application/x-www-form-urlencoded",
                    )
                    .body(body)
                    .send()
                    .await,
            )
            .await
        })
    }
}
