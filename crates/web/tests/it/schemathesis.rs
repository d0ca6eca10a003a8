//! The whole API surface, probed by schemathesis (property-based testing from the OpenAPI
//! document, from PyPI, in a venv made under the target directory) with a counter officer's
//! token for two minutes, then an administrator's for one: every operation gets generated valid
//! and invalid requests. The run must find
//! no server error (5xx), no status the document does not list for the operation, no content
//! type and no body that differ from the document, no request the document forbids taken (a
//! value out of its bounds or pattern, a missing required header, a method it does not list),
//! no secured operation answering without its token; and every refusal it provoked must be the
//! product's own words — a JSON `{code, message}` whose message is Vietnamese, carries none of
//! the frameworks' English, and quotes nothing at length.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

use base64::Engine;
use serde_json::Value;

use crate::common::*;

const SCHEMATHESIS: &str = "4.32.5";
/// How long the generated requests run as the counter officer, in seconds.
const SECONDS: u32 = 120;
/// How long they run as the administrator.
const ADMIN_SECONDS: u32 = 60;

/// What the frameworks say in English when their refusals are not translated.
const ENGLISH: &[&str] = &[
    "Failed to",
    "failed to",
    "invalid type",
    "expected ",
    "missing field",
    "unknown field",
    "unknown variant",
    "struct ",
    "a string",
    "Invalid",
    "length limit",
    "Content-Type header",
    "deserialize",
    "at line",
];

/// The schemathesis command line in its venv, made once (pip needs PyPI the first time); none,
/// with the reason printed, outside CI when it cannot be made.
fn schemathesis() -> Option<PathBuf> {
    let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("schemathesis-venv");
    let st = venv.join("bin/schemathesis");
    let ready = || {
        Command::new(&st)
            .arg("--version")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(SCHEMATHESIS))
    };
    if ready() {
        return Some(st);
    }
    let made = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|_| {
            Command::new(venv.join("bin/pip"))
                .args(["install", "-q", &format!("schemathesis=={SCHEMATHESIS}")])
                .output()
                .ok()
        });
    match made {
        Some(o) if o.status.success() && ready() => Some(st),
        other if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("schemathesis is needed in CI (python3 -m venv, pip install): {other:?}")
        }
        other => {
            eprintln!("SKIPPED: schemathesis could not be installed: {other:?}");
            None
        }
    }
}

/// The events of schemathesis's NDJSON report.
fn events(dir: &std::path::Path) -> Vec<Value> {
    let report = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "ndjson"))
        .expect("an NDJSON report");
    std::fs::read_to_string(report)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// What is wrong with a refusal's body, if anything.
fn fault_of_refusal(body: &[u8]) -> Option<String> {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return Some(format!(
            "not JSON: {}",
            String::from_utf8_lossy(&body[..body.len().min(200)])
        ));
    };
    let (Some(code), Some(message)) = (v["code"].as_str(), v["message"].as_str()) else {
        return Some(format!("not {{code, message}}: {v}"));
    };
    if code.is_empty() || !code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
        return Some(format!("code {code:?}"));
    }
    if message.is_ascii() {
        return Some(format!("{code}: not Vietnamese: {message}"));
    }
    if let Some(word) = ENGLISH.iter().find(|w| message.contains(*w)) {
        return Some(format!("{code}: English {word:?}: {message}"));
    }
    if message.chars().count() > 600 {
        return Some(format!(
            "{code}: {} characters (an echo of the input?)",
            message.chars().count()
        ));
    }
    None
}

/// What one schemathesis run found and reached.
#[derive(Default)]
struct Findings {
    failures: BTreeMap<String, BTreeSet<String>>,
    statuses: BTreeMap<u16, usize>,
    operations: BTreeSet<String>,
    requests: usize,
    /// The end of what schemathesis printed (its seed reproduces the run).
    said: String,
}

/// Runs schemathesis for `seconds` against the server at `base` with `token`, as `who`.
async fn probe(st: &std::path::Path, base: &str, token: &str, who: &str, seconds: u32) -> Findings {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "schemathesis-{}-{}",
        std::process::id(),
        uuid::Uuid::now_v7()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let schema = format!("{base}/api/openapi.json");
    let auth = format!("Authorization: Bearer {token}");
    let max_time = seconds.to_string();
    let st = st.to_path_buf();
    let run = tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || {
            Command::new(st)
                .args(["run", &schema, "-H", &auth])
                .args([
                    "--checks",
                    "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,negative_data_rejection,ignored_auth,unsupported_method,missing_required_header",
                    "--max-time",
                    &max_time,
                    "--workers",
                    "2",
                    "--request-timeout",
                    "30",
                    // Logging out would end the token every other request carries.
                    "--exclude-path",
                    "/api/v1/sessions/current",
                    "--report",
                    "ndjson",
                    "--report-dir",
                ])
                .arg(&dir)
                // Its example database (.schemathesis/) goes with the run, not in the crate.
                .current_dir(&dir)
                .env("NO_COLOR", "1")
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let out = String::from_utf8_lossy(&run.stdout).to_string();
    // The end of what it printed, and what it says of an error that stopped a phase (a phase
    // cut short tests less than it seems to).
    let lines: Vec<&str> = out.lines().collect();
    let errors: Vec<&str> = lines
        .iter()
        .position(|l| l.contains("= ERRORS ="))
        .map(|at| lines[at..].iter().take(40).copied().collect())
        .unwrap_or_default();
    let end = &lines[lines.len().saturating_sub(30)..];
    let mut f = Findings {
        said: errors
            .iter()
            .chain(end)
            .copied()
            .collect::<Vec<_>>()
            .join("\n"),
        ..Findings::default()
    };
    for event in events(&dir) {
        let Some(done) = event.get("ScenarioFinished") else {
            continue;
        };
        let recorder = &done["recorder"];
        if let Some(label) = recorder["label"].as_str() {
            f.operations.insert(label.to_string());
        }
        for checks in recorder["checks"]
            .as_object()
            .into_iter()
            .flat_map(|o| o.values())
        {
            for check in checks.as_array().into_iter().flatten() {
                if check["status"] == "failure" {
                    let failure = &check["failure_info"]["failure"];
                    f.failures
                        .entry(format!("{} {} ({who})", failure["code"], failure["title"]))
                        .or_default()
                        .insert(format!(
                            "{}: {}",
                            failure["operation"].as_str().unwrap_or_default(),
                            failure["message"]
                                .as_str()
                                .unwrap_or_default()
                                .replace('\n', "; ")
                        ));
                }
            }
        }
        for i in recorder["interactions"]
            .as_object()
            .into_iter()
            .flat_map(|o| o.values())
        {
            let Some(response) = i.get("response").filter(|r| !r.is_null()) else {
                continue;
            };
            f.requests += 1;
            let status = response["status_code"].as_u64().unwrap_or_default() as u16;
            *f.statuses.entry(status).or_default() += 1;
            let body = response["content"]["$base64"]
                .as_str()
                .map(|b| base64::engine::general_purpose::STANDARD.decode(b).unwrap())
                .unwrap_or_default();
            if status >= 400
                && let Some(fault) = fault_of_refusal(&body)
            {
                f.failures
                    .entry(format!("refusal not in the product's words ({who})"))
                    .or_default()
                    .insert(format!(
                        "{} {} → {status}: {fault}",
                        i["request"]["method"].as_str().unwrap_or_default(),
                        i["request"]["uri"]
                            .as_str()
                            .unwrap_or_default()
                            .split('?')
                            .next()
                            .unwrap_or_default()
                            .replacen(base, "", 1)
                    ));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "schemathesis {SCHEMATHESIS} as {who}: {} operations, {} requests in {seconds} s; answers by status: {:?}",
        f.operations.len(),
        f.requests,
        f.statuses
    );
    f
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_server_error_no_undocumented_answer_and_no_foreign_words() {
    let Some(st) = schemathesis() else { return };
    // Its two workers and the server they load take both cores: no browser test runs meanwhile
    // (a starved browser misses its waits).
    let _cores = crate::browser::SLOTS.acquire_many(2).await.unwrap();
    let t = spawn().await;
    // The counter officer reaches the dossier lifecycle; the administrator the operations only
    // an administrator may call (accounts, agencies, codes), where a longer run by hand found
    // what the counter's did not.
    let counter = t.login("motcua.baothang").await;
    let admin = t.login("quantri").await;
    let mut failures = BTreeMap::new();
    let mut said = Vec::new();
    for (who, token, seconds) in [
        ("the counter officer", &counter, SECONDS),
        ("the administrator", &admin, ADMIN_SECONDS),
    ] {
        let f = probe(&st, &t.base, token, who, seconds).await;
        assert!(
            // Runs here reach all 92 operations and ~75 requests a second.
            f.operations.len() >= 80 && f.requests >= 8 * seconds as usize,
            "the run as {who} reached too little of the API ({} operations, {} requests):\n{}",
            f.operations.len(),
            f.requests,
            f.said
        );
        if !f.failures.is_empty() {
            said.push(format!(
                "--- as {who} (its seed reproduces the run):\n{}",
                f.said
            ));
        }
        failures.extend(f.failures);
    }
    if !failures.is_empty() {
        let mut text = String::new();
        for (kind, cases) in &failures {
            text.push_str(&format!("\n{kind} ({}):\n", cases.len()));
            for c in cases.iter().take(40) {
                text.push_str(&format!("  {c}\n"));
            }
        }
        panic!(
            "schemathesis found {} kinds of failure:{text}\n{}",
            failures.len(),
            said.join("\n")
        );
    }
}
