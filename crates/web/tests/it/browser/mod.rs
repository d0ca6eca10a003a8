//! A real browser for UI tests: Debian's chromium driven by chromium-driver over W3C WebDriver,
//! both started by the test. Without them a test fails when `CI=true` and is skipped, with the
//! reason printed, elsewhere.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;

pub mod wd;
pub use wd::{Client, Element, Locator};

use crate::common::{PASSWORD, TestApp};

pub struct Browser {
    pub client: Client,
    pub base: String,
    driver: Child,
    profile: PathBuf,
    _slot: tokio::sync::SemaphorePermit<'static>,
}

/// At most two browsers at once: CI has two cores, and a starved browser makes waits flaky.
/// The schemathesis run, which loads both cores, takes both slots while it runs.
pub(crate) static SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts chromium-driver and a headless chromium; `None` (skip) only outside CI.
pub async fn open(t: &TestApp) -> Option<Browser> {
    let driver = std::env::var_os("CHROMEDRIVER")
        .map(PathBuf::from)
        .or_else(|| find_program(&["chromedriver"]));
    let chromium = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| find_program(&["chromium", "chromium-browser"]));
    let (Some(driver), Some(chromium)) = (driver, chromium) else {
        let why = "chromium and chromium-driver (chromedriver) are needed for browser tests: \
                   apt-get install chromium chromium-driver";
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{why}");
        }
        eprintln!("SKIPPED browser test: {why}");
        return None;
    };
    let slot = SLOTS.acquire().await.unwrap();
    let port = free_port();
    let child = Command::new(&driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", driver.display()));
    let profile =
        std::env::temp_dir().join(format!("motcua-chromium-{}-{port}", std::process::id()));
    let caps = json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1280,900", "--lang=vi-VN",
                format!("--user-data-dir={}", profile.display()),
            ]
        }
    });
    let url = format!("http://127.0.0.1:{port}");
    let mut last = String::new();
    for _ in 0..100 {
        match Client::connect(&url, caps.clone()).await {
            Ok(client) => {
                return Some(Browser {
                    client,
                    base: t.base.clone(),
                    driver: child,
                    profile,
                    _slot: slot,
                });
            }
            Err(e) => {
                last = e.to_string();
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    panic!("chromium-driver did not start a session: {last}");
}

/// Text of an XPath string literal (Vietnamese labels have no quotes).
fn xq(text: &str) -> String {
    format!("'{text}'")
}

impl Browser {
    pub async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap();
    }

    pub async fn find(&self, css: &str) -> Element {
        match self
            .client
            .wait_for(Locator::Css(css), Duration::from_secs(10))
            .await
        {
            Ok(e) => e,
            Err(e) => panic!("no element {css}: {e}\n{}", self.whereabouts().await),
        }
    }

    /// Where the browser is and what it shows, for a failure's message.
    pub async fn whereabouts(&self) -> String {
        let url = match self.client.current_url().await {
            Ok(u) => u.to_string(),
            Err(e) => format!("(no address: {e})"),
        };
        let body = match self.client.find(Locator::Css("body")).await {
            Ok(b) => b.text().await.unwrap_or_default(),
            Err(e) => format!("(no body: {e})"),
        };
        format!("at {url}, showing:\n{body}")
    }

    /// Clicks an element, again if a partial update replaced it meanwhile.
    pub async fn click(&self, css: &str) {
        let mut last = String::new();
        for _ in 0..50 {
            match self.client.find(Locator::Css(css)).await {
                Ok(e) => match e.click().await {
                    Ok(()) => return,
                    Err(err) => last = err.to_string(),
                },
                Err(err) => last = err.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("cannot click {css}: {last}");
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        e.clear().await.unwrap();
        e.send_keys(text).await.unwrap();
    }

    /// Sets an input's value directly (date inputs read their text by locale).
    pub async fn set_value(&self, css: &str, value: &str) {
        self.find(css).await;
        self.client
            .execute(
                "document.querySelector(arguments[0]).value = arguments[1];",
                vec![json!(css), json!(value)],
            )
            .await
            .unwrap();
    }

    /// The visible text of the page's main content (retried while a page is replacing the last).
    pub async fn text(&self) -> String {
        for _ in 0..50 {
            if let Some(text) = self.try_text().await {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the page has no readable main content");
    }

    async fn try_text(&self) -> Option<String> {
        let main = self.client.find(Locator::Css("main")).await.ok()?;
        main.text().await.ok()
    }

    pub async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_string()
    }

    /// Waits until the main content contains `text`.
    pub async fn wait_text(&self, text: &str) {
        for _ in 0..100 {
            if self.try_text().await.is_some_and(|t| t.contains(text)) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "page never showed \"{text}\"; it shows:\n{}",
            self.text().await
        );
    }

    /// Logs in on the shared form and waits for the page it lands on.
    async fn log_in(&self, username: &str, lands_on: &str) {
        self.goto("/dang-nhap").await;
        self.fill("#username", username).await;
        self.fill("#password", PASSWORD).await;
        self.click("main form button[type=submit]").await;
        self.wait_text(lands_on).await;
    }

    /// An officer, landing on their inbox, or a leader on the overview.
    pub async fn login(&self, username: &str) {
        self.goto("/dang-nhap").await;
        self.fill("#username", username).await;
        self.fill("#password", PASSWORD).await;
        self.click("main form button[type=submit]").await;
        for _ in 0..100 {
            if matches!(self.path().await.as_str(), "/can-bo" | "/lanh-dao")
                && self.try_text().await.is_some()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{username} did not land on a page: {}", self.text().await);
    }

    /// A citizen by personal id number, landing on their dossiers.
    pub async fn login_as_citizen(&self, id_number: &str) {
        self.log_in(id_number, "Hồ sơ của tôi").await;
    }

    /// Opens each page and saves a screenshot named `{name}-{suffix}`.
    pub async fn shoot(&self, dir: &Path, suffix: &str, pages: &[(&str, String)]) -> Vec<PathBuf> {
        let mut shots = Vec::new();
        for (name, path) in pages {
            self.goto(path).await;
            self.find("main").await;
            shots.push(self.screenshot(dir, &format!("{name}-{suffix}")).await);
        }
        shots
    }

    /// Fetches `path` with `&tai=csv` and `&tai=xlsx` in the logged-in page and checks each file
    /// starts as it must: the UTF-8 byte-order mark, and the ZIP signature of an XLSX.
    pub async fn check_downloads(&self, path: &str) {
        for (kind, magic) in [("csv", vec![239, 187, 191]), ("xlsx", vec![80, 75, 3, 4])] {
            let first = self
                .client
                .execute(
                    "return fetch(arguments[0]).then(r => r.arrayBuffer()).then(b => Array.from(new Uint8Array(b).slice(0, arguments[1])));",
                    vec![
                        serde_json::json!(format!("{path}&tai={kind}")),
                        serde_json::json!(magic.len()),
                    ],
                )
                .await
                .unwrap();
            assert_eq!(first, serde_json::json!(magic), "{path}: {kind} download");
        }
    }

    /// Signs out and waits until the header offers to sign in again: only then is the session
    /// cookie gone (the page being left may have a search box of its own).
    pub async fn logout(&self) {
        self.find("header form[action='/dang-xuat'] button")
            .await
            .click()
            .await
            .unwrap();
        self.find("header .who a[href='/dang-nhap']").await;
    }

    /// Opens the action of the dossier page labelled `label` and returns its form.
    pub async fn action(&self, label: &str) -> Element {
        let summary = self
            .client
            .wait_for(
                Locator::XPath(&format!(
                    "//details/summary[normalize-space()={}]",
                    xq(label)
                )),
                Duration::from_secs(10),
            )
            .await
            .unwrap_or_else(|_| panic!("no action \"{label}\" on:\n{}", "the page"));
        let details = summary.find(Locator::XPath("..")).await.unwrap();
        if details.attr("open").await.unwrap().is_none() {
            summary.click().await.unwrap();
        }
        details.find(Locator::Css("form")).await.unwrap()
    }

    /// Fills fields of a form by name (selects by value), submits it and waits until the page
    /// it was on is gone: a text awaited next may be on the page being left too (an officer's
    /// name among the options of the form just sent).
    pub async fn submit(&self, form: &Element, fields: &[(&str, &str)]) {
        self.submit_fields(form, fields).await;
        form.find(Locator::Css("button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        for _ in 0..100 {
            if form.tag_name().await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        eprintln!(
            "the form was still there 10 s after it was sent; {}",
            self.whereabouts().await
        );
    }

    /// Fills fields of a form by name (selects by value), without submitting.
    pub async fn submit_fields(&self, form: &Element, fields: &[(&str, &str)]) {
        for (name, value) in fields {
            let field = form
                .find(Locator::Css(&format!("[name={name}]")))
                .await
                .unwrap_or_else(|_| panic!("no field {name}"));
            if field.tag_name().await.unwrap() == "select" {
                field.select_by_value(value).await.unwrap();
            } else if matches!(
                field.attr("type").await.unwrap().as_deref(),
                Some("date" | "datetime-local")
            ) {
                self.client
                    .execute(
                        "arguments[0].value = arguments[1];",
                        vec![serde_json::to_value(&field).unwrap(), json!(value)],
                    )
                    .await
                    .unwrap();
            } else {
                field.clear().await.unwrap();
                field.send_keys(value).await.unwrap();
            }
        }
    }

    /// Saves a PNG of the page.
    pub async fn screenshot(&self, dir: &Path, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.unwrap();
        assert!(png.starts_with(b"\x89PNG"), "not a PNG");
        std::fs::create_dir_all(dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }

    pub async fn resize(&self, width: u32, height: u32) {
        self.client.set_window_size(width, height).await.unwrap();
    }

    pub async fn close(self) {
        let client = self.client.clone();
        let _ = client.close().await;
    }
}
