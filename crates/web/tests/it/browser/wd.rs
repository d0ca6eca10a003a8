//! The W3C WebDriver commands the browser tests use, over the HTTP client the other tests use.
//!
//! A WebDriver client crate (fantoccini) brought its own protocol crate, whose Unicode
//! segmentation tables (ICU 1.x) switched on a feature of `syn`: every proc-macro, and so nearly
//! every crate, was then compiled a second time for `cargo test` after `cargo run` had built them.
//! These are a dozen HTTP calls (<https://www.w3.org/TR/webdriver2/>).

use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

/// The key under which WebDriver names an element in JSON.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// What the driver or the connection to it said went wrong.
#[derive(Debug)]
pub struct Error(String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

/// How an element is looked for.
#[derive(Debug, Clone, Copy)]
pub enum Locator<'a> {
    Css(&'a str),
    XPath(&'a str),
}

impl Locator<'_> {
    fn body(self) -> Value {
        match self {
            Locator::Css(css) => json!({ "using": "css selector", "value": css }),
            Locator::XPath(path) => json!({ "using": "xpath", "value": path }),
        }
    }
}

/// One WebDriver session.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    /// `{driver}/session/{id}`.
    session: String,
}

/// Sends a command and returns its `value`, or the driver's error and message.
async fn send(request: reqwest::RequestBuilder) -> Result<Value> {
    let response = request.send().await.map_err(|e| Error(e.to_string()))?;
    let status = response.status();
    let body: Value = response
        .json()
        .await
        .map_err(|e| Error(format!("{status}: {e}")))?;
    let value = body["value"].clone();
    if status.is_success() {
        Ok(value)
    } else {
        Err(Error(format!(
            "{status} {}: {}",
            value["error"].as_str().unwrap_or_default(),
            value["message"].as_str().unwrap_or_default()
        )))
    }
}

impl Client {
    /// Starts a session on the driver at `driver` (`http://127.0.0.1:PORT`).
    pub async fn connect(driver: &str, capabilities: Value) -> Result<Client> {
        let http = reqwest::Client::new();
        let value = send(
            http.post(format!("{driver}/session"))
                .json(&json!({ "capabilities": { "alwaysMatch": capabilities } })),
        )
        .await?;
        let id = value["sessionId"]
            .as_str()
            .ok_or_else(|| Error(format!("no session id in {value}")))?;
        Ok(Client {
            http,
            session: format!("{driver}/session/{id}"),
        })
    }

    async fn post(&self, path: &str, body: Value) -> Result<Value> {
        send(
            self.http
                .post(format!("{}{path}", self.session))
                .json(&body),
        )
        .await
    }

    async fn get(&self, path: &str) -> Result<Value> {
        send(self.http.get(format!("{}{path}", self.session))).await
    }

    fn element(&self, value: &Value) -> Result<Element> {
        let id = value[ELEMENT]
            .as_str()
            .ok_or_else(|| Error(format!("not an element: {value}")))?;
        Ok(Element {
            client: self.clone(),
            id: id.to_string(),
        })
    }

    pub async fn goto(&self, url: &str) -> Result<()> {
        self.post("/url", json!({ "url": url })).await.map(drop)
    }

    pub async fn current_url(&self) -> Result<reqwest::Url> {
        let value = self.get("/url").await?;
        value
            .as_str()
            .and_then(|u| reqwest::Url::parse(u).ok())
            .ok_or_else(|| Error(format!("not a URL: {value}")))
    }

    pub async fn find(&self, locator: Locator<'_>) -> Result<Element> {
        let value = self.post("/element", locator.body()).await?;
        self.element(&value)
    }

    /// The element, once the page has it (looked for every 100 ms until `at_most` has passed).
    pub async fn wait_for(&self, locator: Locator<'_>, at_most: Duration) -> Result<Element> {
        let until = Instant::now() + at_most;
        loop {
            match self.find(locator).await {
                Ok(element) => return Ok(element),
                Err(e) if Instant::now() >= until => return Err(e),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// Runs `script` in the page with `args` (elements as [`Element`] serialises them).
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.post("/execute/sync", json!({ "script": script, "args": args }))
            .await
    }

    /// The page as a PNG.
    pub async fn screenshot(&self) -> Result<Vec<u8>> {
        let value = self.get("/screenshot").await?;
        base64::engine::general_purpose::STANDARD
            .decode(value.as_str().unwrap_or_default())
            .map_err(|e| Error(format!("screenshot: {e}")))
    }

    pub async fn set_window_size(&self, width: u32, height: u32) -> Result<()> {
        self.post("/window/rect", json!({ "width": width, "height": height }))
            .await
            .map(drop)
    }

    /// Ends the session (the browser closes).
    pub async fn close(&self) -> Result<()> {
        send(self.http.delete(&self.session)).await.map(drop)
    }
}

/// An element of the current page.
#[derive(Clone)]
pub struct Element {
    client: Client,
    id: String,
}

impl serde::Serialize for Element {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        json!({ ELEMENT: self.id }).serialize(s)
    }
}

impl Element {
    fn path(&self, command: &str) -> String {
        format!("/element/{}{command}", self.id)
    }

    pub async fn find(&self, locator: Locator<'_>) -> Result<Element> {
        let value = self
            .client
            .post(&self.path("/element"), locator.body())
            .await?;
        self.client.element(&value)
    }

    pub async fn find_all(&self, locator: Locator<'_>) -> Result<Vec<Element>> {
        let value = self
            .client
            .post(&self.path("/elements"), locator.body())
            .await?;
        value
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| self.client.element(v))
            .collect()
    }

    pub async fn click(&self) -> Result<()> {
        self.client
            .post(&self.path("/click"), json!({}))
            .await
            .map(drop)
    }

    pub async fn clear(&self) -> Result<()> {
        self.client
            .post(&self.path("/clear"), json!({}))
            .await
            .map(drop)
    }

    /// Types `text` (into a file input: the path of the file to choose).
    pub async fn send_keys(&self, text: &str) -> Result<()> {
        self.client
            .post(&self.path("/value"), json!({ "text": text }))
            .await
            .map(drop)
    }

    /// The element's rendered text.
    pub async fn text(&self) -> Result<String> {
        let value = self.client.get(&self.path("/text")).await?;
        Ok(value.as_str().unwrap_or_default().to_string())
    }

    pub async fn tag_name(&self) -> Result<String> {
        let value = self.client.get(&self.path("/name")).await?;
        Ok(value.as_str().unwrap_or_default().to_string())
    }

    /// An HTML attribute as written, or `None` when the element has none.
    pub async fn attr(&self, name: &str) -> Result<Option<String>> {
        let value = self
            .client
            .get(&self.path(&format!("/attribute/{name}")))
            .await?;
        Ok(value.as_str().map(str::to_string))
    }

    /// A DOM property as text (`"true"`/`"false"` for a flag), or `None` when it is null.
    pub async fn prop(&self, name: &str) -> Result<Option<String>> {
        let value = self
            .client
            .get(&self.path(&format!("/property/{name}")))
            .await?;
        Ok(match value {
            Value::Null => None,
            Value::String(s) => Some(s),
            other => Some(other.to_string()),
        })
    }

    /// The element as a PNG.
    pub async fn screenshot(&self) -> Result<Vec<u8>> {
        let value = self.client.get(&self.path("/screenshot")).await?;
        base64::engine::general_purpose::STANDARD
            .decode(value.as_str().unwrap_or_default())
            .map_err(|e| Error(format!("screenshot: {e}")))
    }

    /// Chooses the option of a `<select>` with this value.
    pub async fn select_by_value(&self, value: &str) -> Result<()> {
        self.find(Locator::Css(&format!("option[value='{value}']")))
            .await?
            .click()
            .await
    }
}
