//! Đối soát sao kê on the counter's pages: the officer uploads the collecting account's bank
//! statement (CSV); the page says what was recorded and lists every line left for them, with
//! why, exceptions first.

use app::App;
use app::statement::{LineOutcome, Reconciliation};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Response};
use domain::officer::Actor;

use super::session::Viewer;
use super::{Chrome, UiError};

/// A line of the result as the page shows it.
pub struct ResultLine {
    pub line: usize,
    pub date: String,
    pub amount: String,
    pub reference: String,
    pub description: String,
    pub code: String,
    /// Đã ghi nhận / Đã ghi trước đó / why it is an exception.
    pub outcome: String,
    pub exception: bool,
}

/// An online payment taken by the gateway and refused by its dossier, to give back.
pub struct UnappliedLine {
    pub txn_ref: String,
    pub dossier: String,
    pub code: String,
    pub applicant: String,
    pub amount: String,
    pub at: String,
    pub why: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "reconcile.html")]
struct ReconcilePage {
    chrome: Chrome,
    /// The columns the file must have.
    columns: String,
    summary: String,
    lines: Vec<ResultLine>,
    unapplied: Vec<UnappliedLine>,
    error: String,
}

fn officer(viewer: &Viewer) -> Result<&Actor, UiError> {
    match &viewer.actor {
        Some(a @ Actor::Officer(_)) => Ok(a),
        _ => Err(UiError::login_required()),
    }
}

async fn page(app: &App, viewer: &Viewer) -> Result<ReconcilePage, UiError> {
    let c = &app.settings().statement_columns;
    let actor = officer(viewer)?;
    let unapplied = app
        .unapplied_payments(actor)
        .await?
        .into_iter()
        .map(|u| UnappliedLine {
            txn_ref: u.attempt.txn_ref,
            dossier: u.dossier.0.to_string(),
            code: u.code,
            applicant: u.applicant,
            amount: super::money(u.attempt.amount),
            at: chrono::DateTime::from_timestamp_millis(u.attempt.updated_ms)
                .map(super::when)
                .unwrap_or_default(),
            why: u.attempt.detail,
        })
        .collect();
    Ok(ReconcilePage {
        chrome: Chrome::new(viewer, "Đối soát sao kê tài khoản thu", "/can-bo/doi-soat"),
        columns: format!(
            "\"{}\", \"{}\", \"{}\", \"{}\"",
            c.date, c.reference, c.description, c.amount
        ),
        summary: String::new(),
        lines: Vec::new(),
        unapplied,
        error: String::new(),
    })
}

#[derive(Debug, serde::Deserialize)]
pub struct FormParams {
    /// Set after a refund was recorded.
    #[serde(default)]
    xong: String,
}

/// `GET /can-bo/doi-soat`.
pub async fn form(
    State(app): State<App>,
    viewer: Viewer,
    axum::extract::Query(q): axum::extract::Query<FormParams>,
) -> Result<Response, UiError> {
    let mut p = page(&app, &viewer).await?;
    if q.xong == "hoan-tra" {
        p.summary = "Đã ghi nhận việc hoàn trả khoản thanh toán trực tuyến.".into();
    }
    Ok(p.into_response())
}

/// `POST /can-bo/doi-soat/hoan-tra`: an unapplied online payment was given back.
pub async fn refund(
    State(app): State<App>,
    posted: super::session::Posted,
) -> Result<Response, UiError> {
    let actor = officer(&posted.viewer)?.clone();
    let f = &posted.fields;
    match app
        .refund_unapplied(&actor, &f.get("ma"), &f.get("cach"))
        .await
    {
        Ok(()) => {
            Ok(axum::response::Redirect::to("/can-bo/doi-soat?xong=hoan-tra").into_response())
        }
        Err(e) => {
            let e = UiError::from(e);
            let mut p = page(&app, &posted.viewer).await?;
            p.error = e.message;
            Ok((e.status, p).into_response())
        }
    }
}

/// `POST /can-bo/doi-soat`: the statement uploaded.
pub async fn import(
    State(app): State<App>,
    viewer: Viewer,
    headers: axum::http::HeaderMap,
    multipart: Multipart,
) -> Result<Response, UiError> {
    let actor = officer(&viewer)?.clone();
    let text = super::admin::uploaded_csv(&viewer, &headers, multipart, "sao kê").await?;
    let mut p = page(&app, &viewer).await?;
    let done = match text {
        Ok(text) => app
            .reconcile_statement(&actor, &text)
            .await
            .map_err(UiError::from),
        Err(e) => Err(e),
    };
    match done {
        Ok(r) => {
            p.summary = summary(&r);
            p.lines = lines(&r);
            Ok(p.into_response())
        }
        Err(e) => {
            let status = e.status;
            p.error = e.message;
            Ok((status, p).into_response())
        }
    }
}

/// "Đã ghi nhận 3 khoản; 1 khoản đã ghi trước đó; 2 dòng cần xử lý; 4 dòng không phải tiền vào."
pub fn summary(r: &Reconciliation) -> String {
    format!(
        "Đã ghi nhận {} khoản chuyển khoản; {} khoản đã ghi trước đó; {} dòng cần cán bộ xử lý; {} dòng không phải tiền vào (bỏ qua).",
        r.recorded(),
        r.already(),
        r.exceptions(),
        r.skipped
    )
}

/// The lines, exceptions first, each in the statement's order.
fn lines(r: &Reconciliation) -> Vec<ResultLine> {
    let mut out: Vec<ResultLine> = r
        .lines
        .iter()
        .map(|l| {
            let (code, outcome, exception) = match &l.outcome {
                LineOutcome::Recorded { code } => (code.clone(), "Đã ghi nhận".to_string(), false),
                LineOutcome::AlreadyRecorded { code } => {
                    (code.clone(), "Đã ghi trước đó".to_string(), false)
                }
                LineOutcome::Exception { code, why } => {
                    (code.clone().unwrap_or_default(), why.clone(), true)
                }
            };
            ResultLine {
                line: l.line.line,
                date: l.line.date.clone(),
                amount: super::money(l.line.amount),
                reference: l.line.reference.clone(),
                description: l.line.description.clone(),
                code,
                outcome,
                exception,
            }
        })
        .collect();
    out.sort_by_key(|l| (!l.exception, l.line));
    out
}
