//! Khảo sát sự hài lòng in the browser — the survey officer's rounds (open one, its frame and
//! progress, the index per factor with the one-stop figures beside it, the contact list), the
//! page a person reaches by their link, and the counter tablet.

use app::App;
use app::surveys::Round;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::survey::{FACTORS, Factor, FactorAnswer, SCALE, SurveyAnswer, SurveyIndex};
use serde::Deserialize;

use super::session::{Fields, Posted, Viewer};
use super::table::{Cell, Table};
use super::{Chrome, UiError, day, when};

/// One factor of the form.
pub struct FormFactor {
    pub key: &'static str,
    pub label: &'static str,
    pub criteria: Vec<(usize, &'static str)>,
    pub expectations: &'static [(&'static str, &'static str)],
}

fn form_factors() -> Vec<FormFactor> {
    FACTORS
        .iter()
        .map(|f| FormFactor {
            key: f.key(),
            label: f.label(),
            criteria: f.criteria().iter().copied().enumerate().collect(),
            expectations: f.expectations(),
        })
        .collect()
}

/// The answer a form describes (checked by the domain).
fn answer_of(f: &Fields) -> Result<SurveyAnswer, UiError> {
    let missing = |what: String| UiError::new(StatusCode::UNPROCESSABLE_ENTITY, what);
    let mut factors = Vec::new();
    for factor in FACTORS {
        let key = factor.key();
        let mut agrees = Vec::new();
        for (j, c) in factor.criteria().iter().enumerate() {
            agrees.push(match f.get(&format!("{key}-n{j}")).as_str() {
                "co" => true,
                "khong" => false,
                _ => return Err(missing(format!("Cho ý kiến: \"{c}\".",))),
            });
        }
        let satisfaction = f.get(&format!("{key}-hl")).parse::<u8>().map_err(|_| {
            missing(format!(
                "Chọn mức độ hài lòng về \"{}\".",
                Factor::label(factor)
            ))
        })?;
        factors.push(FactorAnswer {
            factor,
            agrees,
            satisfaction,
            expectation: f.get(&format!("{key}-md")),
        });
    }
    let overall = f
        .get("chung")
        .parse::<u8>()
        .map_err(|_| missing("Chọn mức độ hài lòng chung.".into()))?;
    Ok(SurveyAnswer {
        factors,
        overall,
        comment: f.get("y-kien"),
    }
    .checked()?)
}

#[derive(Template, WebTemplate)]
#[template(path = "survey_form.html")]
struct FormPage {
    chrome: Chrome,
    title: String,
    action: String,
    factors: Vec<FormFactor>,
    scale: &'static [(u8, &'static str)],
    f: Fields,
    error: String,
    message: String,
    /// Large controls for a tablet at the counter.
    tablet: bool,
}

impl FormPage {
    fn checked(&self, name: &str, value: &str) -> bool {
        self.f.get(name) == value
    }
}

fn form_page(
    viewer: &Viewer,
    title: String,
    action: String,
    f: Fields,
    error: String,
    tablet: bool,
) -> FormPage {
    FormPage {
        chrome: Chrome::new(viewer, "Khảo sát sự hài lòng", ""),
        title,
        action,
        factors: form_factors(),
        scale: &SCALE,
        f,
        error,
        message: String::new(),
        tablet,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "survey_thanks.html")]
struct ThanksPage {
    chrome: Chrome,
    message: String,
}

/// `/khao-sat/{token}`: the form a person reaches by their link.
pub async fn by_link(
    State(app): State<App>,
    viewer: Viewer,
    Path(token): Path<String>,
) -> Result<Response, UiError> {
    match app.surveys().invitation(&token).await {
        Ok((invite, name)) => Ok(form_page(
            &viewer,
            format!("{name} — hồ sơ {}", invite.code),
            format!("/khao-sat/{}", invite.token),
            Fields::default(),
            String::new(),
            false,
        )
        .into_response()),
        Err(e) if e.code == "survey_answered" => Ok(ThanksPage {
            chrome: Chrome::new(&viewer, "Khảo sát sự hài lòng", ""),
            message: e.message,
        }
        .into_response()),
        Err(e) => Err(e.into()),
    }
}

/// Sends the answer of a link, once.
pub async fn answer_by_link(
    State(app): State<App>,
    Path(token): Path<String>,
    posted: Posted,
) -> Result<Response, UiError> {
    let viewer = &posted.viewer;
    let (invite, name) = app.surveys().invitation(&token).await?;
    let done = async {
        let a = answer_of(&posted.fields)?;
        app.surveys()
            .answer(&invite.token, a)
            .await
            .map_err(UiError::from)
    }
    .await;
    match done {
        Ok(()) => Ok(ThanksPage {
            chrome: Chrome::new(viewer, "Khảo sát sự hài lòng", ""),
            message:
                "Cảm ơn ông/bà đã trả lời khảo sát. Ý kiến của ông/bà giúp cơ quan phục vụ tốt hơn."
                    .into(),
        }
        .into_response()),
        Err(e) => Ok((
            e.status,
            form_page(
                viewer,
                format!("{name} — hồ sơ {}", invite.code),
                format!("/khao-sat/{}", invite.token),
                posted.fields.clone(),
                e.message,
                false,
            ),
        )
            .into_response()),
    }
}

fn round_id(id: &str) -> Result<uuid::Uuid, UiError> {
    uuid::Uuid::parse_str(id)
        .map_err(|_| UiError::new(StatusCode::NOT_FOUND, "Không có đợt khảo sát này."))
}

/// `/can-bo/khao-sat/{id}`: the counter tablet's form.
pub async fn tablet(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(q): Query<DoneParams>,
) -> Result<Response, UiError> {
    let (_, actor) = viewer.require_officer()?;
    let round = app.surveys().round(actor, round_id(&id)?).await?;
    let mut page = form_page(
        &viewer,
        round.survey.name.clone(),
        format!("/can-bo/khao-sat/{id}"),
        Fields::default(),
        String::new(),
        true,
    );
    if q.done == "1" {
        page.message = "Đã ghi nhận. Cảm ơn ông/bà! Mời người tiếp theo.".into();
    }
    Ok(page.into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneParams {
    #[serde(default, rename = "xong")]
    done: String,
}

/// Sends an answer from the counter tablet.
pub async fn answer_at_counter(
    State(app): State<App>,
    Path(id): Path<String>,
    posted: Posted,
) -> Result<Response, UiError> {
    let viewer = &posted.viewer;
    let (_, actor) = viewer.require_officer()?;
    let survey = round_id(&id)?;
    let done = async {
        let a = answer_of(&posted.fields)?;
        app.surveys()
            .answer_at_counter(actor, survey, a)
            .await
            .map_err(UiError::from)
    }
    .await;
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/can-bo/khao-sat/{id}?xong=1")).into_response()),
        Err(e) if e.is_login() || e.status == StatusCode::NOT_FOUND => Err(e),
        Err(e) => Ok((
            e.status,
            form_page(
                viewer,
                "Khảo sát tại quầy".into(),
                format!("/can-bo/khao-sat/{id}"),
                posted.fields.clone(),
                e.message,
                true,
            ),
        )
            .into_response()),
    }
}

/// A round as the list shows it.
pub struct RoundLine {
    pub id: String,
    pub name: String,
    pub period: String,
    pub created: String,
    pub frame: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "surveys.html")]
struct RoundsPage {
    chrome: Chrome,
    rounds: Vec<RoundLine>,
    f: Fields,
    error: String,
}

async fn rounds_page(
    app: &App,
    viewer: &Viewer,
    f: Fields,
    error: String,
    status: StatusCode,
) -> Result<Response, UiError> {
    let (_, actor) = viewer.require_officer()?;
    let rounds = app
        .surveys()
        .list(actor)
        .await?
        .into_iter()
        .map(|s| RoundLine {
            id: s.id.to_string(),
            name: s.name,
            period: format!(
                "{} – {}",
                s.from.format("%d/%m/%Y"),
                s.to.format("%d/%m/%Y")
            ),
            created: when(
                chrono::DateTime::from_timestamp_millis(s.created_ms).unwrap_or_default(),
            ),
            frame: s.frame,
        })
        .collect();
    Ok((
        status,
        RoundsPage {
            chrome: Chrome::new(viewer, "Khảo sát sự hài lòng", "/lanh-dao"),
            rounds,
            f,
            error,
        },
    )
        .into_response())
}

/// `/lanh-dao/khao-sat`: the rounds, and the form to open one.
pub async fn rounds(State(app): State<App>, viewer: Viewer) -> Result<Response, UiError> {
    rounds_page(
        &app,
        &viewer,
        Fields::default(),
        String::new(),
        StatusCode::OK,
    )
    .await
}

/// Opens a round.
pub async fn create(State(app): State<App>, posted: Posted) -> Result<Response, UiError> {
    let viewer = &posted.viewer;
    let (_, actor) = viewer.require_officer()?;
    let f = &posted.fields;
    let done = async {
        let day = |name: &str, label: &str| {
            lich::time::parse_date(&f.get(name)).map_err(|_| {
                UiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("{label}: chọn một ngày."),
                )
            })
        };
        let from = day("tu", "Từ ngày")?;
        let to = day("den", "Đến ngày")?;
        let sample = f.get("mau").trim().parse::<usize>().map_err(|_| {
            UiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Cỡ mẫu phải là một số người, ví dụ 400.",
            )
        })?;
        app.surveys()
            .create(actor, &f.get("ten"), from, to, sample)
            .await
            .map_err(UiError::from)
    }
    .await;
    match done {
        Ok(r) => Ok(Redirect::to(&format!("/lanh-dao/khao-sat/{}", r.survey.id)).into_response()),
        Err(e) if e.is_login() => Err(e),
        Err(e) => rounds_page(&app, viewer, posted.fields.clone(), e.message, e.status).await,
    }
}

/// The index per factor as a table.
pub fn index_table(title: String, x: &SurveyIndex) -> Table {
    let mut rows: Vec<Vec<Cell>> = x
        .factors
        .iter()
        .map(|f| {
            let top = f
                .expected
                .iter()
                .enumerate()
                .max_by_key(|(i, n)| (**n, std::cmp::Reverse(*i)))
                .filter(|(_, n)| **n > 0)
                .map(|(i, n)| format!("{} ({n})", f.factor.expectations()[i].1))
                .unwrap_or_default();
            let agree: u32 = f.agree.iter().sum();
            let asked = f.answers * f.agree.len() as u32;
            vec![
                Cell::Text(f.factor.label().into()),
                Cell::Int(i64::from(f.answers)),
                Cell::Int(i64::from(f.satisfied)),
                Cell::Percent(f.share),
                Cell::Percent((asked > 0).then(|| f64::from(agree) / f64::from(asked))),
                Cell::Text(top),
            ]
        })
        .collect();
    rows.push(vec![
        Cell::Text("Hài lòng chung về sự phục vụ".into()),
        Cell::Int(i64::from(x.respondents)),
        Cell::Int(i64::from(x.overall_satisfied)),
        Cell::Percent(x.overall),
        Cell::Text(String::new()),
        Cell::Text(match x.mean_of_factors {
            Some(m) => format!("Trung bình 5 yếu tố: {}", Cell::Percent(Some(m)).text()),
            None => String::new(),
        }),
    ]);
    Table {
        title,
        headers: [
            "Yếu tố",
            "Số phiếu",
            "Hài lòng, rất hài lòng",
            "Chỉ số hài lòng",
            "Tỷ lệ đồng ý với các nhận định",
            "Mong đợi nhiều nhất",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

/// The frame and sample by stratum as a table.
fn frame_table(app: &App, r: &Round) -> Table {
    let tree = app.agencies();
    let channel = |c: i64| match c {
        2 => "Trực tuyến",
        3 => "Bưu chính",
        _ => "Trực tiếp",
    };
    Table {
        title: format!(
            "Khung mẫu: {} hồ sơ đã trả kết quả, giải quyết xong từ {} đến {}",
            r.survey.frame,
            r.survey.from.format("%d/%m/%Y"),
            r.survey.to.format("%d/%m/%Y")
        ),
        headers: ["Lĩnh vực", "Cơ quan", "Kênh", "Số hồ sơ", "Chọn mẫu"]
            .map(String::from)
            .to_vec(),
        rows: r
            .survey
            .strata
            .iter()
            .map(|s| {
                vec![
                    Cell::Text(s.stratum.sector.clone()),
                    Cell::Text(match domain::agency::AgencyId::parse(&s.stratum.agency) {
                        Ok(a) => tree.name_of(&a),
                        Err(_) => s.stratum.agency.clone(),
                    }),
                    Cell::Text(channel(s.stratum.channel).into()),
                    Cell::Int(s.frame),
                    Cell::Int(s.sample),
                ]
            })
            .collect(),
    }
}

/// One of the one-stop figures beside the survey (vn-framework §12.1).
pub struct Proxy {
    pub factor: &'static str,
    pub figure: String,
    pub value: String,
}

async fn proxies(
    app: &App,
    actor: &domain::officer::Actor,
    r: &Round,
) -> Result<Vec<Proxy>, UiError> {
    let (from, to) = (r.survey.from, r.survey.to);
    let report = app
        .reports()
        .period_report(actor, from, to, &Default::default())
        .await?;
    let (_, fb) = app.feedback().figures(actor, from, to).await?;
    let pct = |v: Option<f64>| Cell::Percent(v).text();
    let share = |n: i64, d: i64| (d > 0).then(|| n as f64 / d as f64);
    let t = &report.total;
    Ok(vec![
        Proxy {
            factor: Factor::Access.label(),
            figure: "Tỷ lệ hồ sơ nộp trực tuyến".into(),
            value: pct(t.online_rate()),
        },
        Proxy {
            factor: Factor::Access.label(),
            figure: "Thời gian chờ tại quầy".into(),
            value: "Chưa có số liệu (hệ thống xếp hàng chưa được triển khai)".into(),
        },
        Proxy {
            factor: Factor::Procedure.label(),
            figure: "Tỷ lệ thông tin lấy từ dữ liệu, không phải khai lại".into(),
            value: pct(t.reuse_rate()),
        },
        Proxy {
            factor: Factor::Staff.label(),
            figure: "Phản ánh về hành vi của cán bộ, cơ quan (QĐ 766 mục 5.1)".into(),
            value: fb.conduct.to_string(),
        },
        Proxy {
            factor: Factor::Staff.label(),
            figure: "Tỷ lệ hài lòng khi đánh giá hồ sơ".into(),
            value: pct(t.satisfaction_rate()),
        },
        Proxy {
            factor: Factor::Result.label(),
            figure: "Tỷ lệ giải quyết đúng và trước hạn".into(),
            value: pct(t.on_time_rate()),
        },
        Proxy {
            factor: Factor::Feedback.label(),
            figure: "Phản ánh xử lý đúng hạn (QĐ 766 mục 5.2)".into(),
            value: pct(share(fb.on_time, fb.handled)),
        },
        Proxy {
            factor: Factor::Feedback.label(),
            figure: "Phản ánh được trả lời hài lòng (QĐ 766 mục 5.3)".into(),
            value: pct(share(fb.satisfied, fb.first_received)),
        },
    ])
}

#[derive(Debug, Default, Deserialize)]
pub struct RoundParams {
    #[serde(default, rename = "tai")]
    download: String,
    /// `khung` (the frame), `lien-he` (the contacts), or the index.
    #[serde(default, rename = "bang")]
    table: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "survey_round.html")]
struct RoundPage {
    chrome: Chrome,
    id: String,
    name: String,
    created: String,
    invited: usize,
    sent: usize,
    by_link: usize,
    at_counter: usize,
    index: Table,
    criteria: Vec<(String, Vec<(String, String)>)>,
    by_agency: Table,
    frame: Table,
    proxies: Vec<Proxy>,
}

/// `/lanh-dao/khao-sat/{id}`: a round's progress, index, frame and downloads.
pub async fn round(
    State(app): State<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(p): Query<RoundParams>,
) -> Result<Response, UiError> {
    let (_, actor) = viewer.require_officer()?;
    let sid = round_id(&id)?;
    let r = app.surveys().round(actor, sid).await?;
    let index = index_table(format!("Chỉ số hài lòng — {}", r.survey.name), &r.index);
    let frame = frame_table(&app, &r);
    if matches!(p.download.as_str(), "csv" | "xlsx") {
        let file = format!("khao-sat-{}", r.survey.from);
        return Ok(match p.table.as_str() {
            "khung" => frame.download(&format!("{file}-khung-mau"), &p.download),
            "lien-he" => {
                let contacts = app.surveys().contacts(actor, sid).await?;
                let portal = app
                    .settings()
                    .results
                    .public_url
                    .trim_end_matches('/')
                    .to_string();
                Table {
                    title: format!("Danh sách liên hệ — {}", r.survey.name),
                    headers: [
                        "Mã hồ sơ",
                        "Lĩnh vực",
                        "Liên hệ",
                        "Đã gửi qua",
                        "Đường dẫn",
                        "Đã trả lời",
                    ]
                    .map(String::from)
                    .to_vec(),
                    rows: contacts
                        .into_iter()
                        .map(|i| {
                            vec![
                                Cell::Text(i.code),
                                Cell::Text(i.stratum.sector),
                                Cell::Text(i.contact.unwrap_or_default()),
                                Cell::Text(match i.sent.as_deref() {
                                    Some("sms") => "Tin nhắn".into(),
                                    Some("email") => "Thư điện tử".into(),
                                    _ => "Chưa gửi".into(),
                                }),
                                Cell::Text(format!("{portal}/khao-sat/{}", i.token)),
                                Cell::Text(i.answered_ms.map(|_| "Có").unwrap_or("Chưa").into()),
                            ]
                        })
                        .collect(),
                }
                .download(&format!("{file}-lien-he"), &p.download)
            }
            _ => index.download(&format!("{file}-chi-so"), &p.download),
        });
    }
    let tree = app.agencies();
    let criteria = r
        .index
        .factors
        .iter()
        .map(|f| {
            (
                f.factor.label().to_string(),
                f.factor
                    .criteria()
                    .iter()
                    .zip(&f.agree)
                    .map(|(c, n)| {
                        (
                            c.to_string(),
                            Cell::Percent(
                                (f.answers > 0).then(|| f64::from(*n) / f64::from(f.answers)),
                            )
                            .text(),
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    let by_agency = Table {
        title: "Chỉ số hài lòng theo cơ quan".into(),
        headers: ["Cơ quan", "Số phiếu", "Hài lòng chung"]
            .into_iter()
            .chain(FACTORS.iter().map(|f| f.label()))
            .map(String::from)
            .collect(),
        rows: r
            .by_agency
            .iter()
            .map(|(a, x)| {
                let mut row = vec![
                    Cell::Text(match domain::agency::AgencyId::parse(a) {
                        Ok(a) => tree.name_of(&a),
                        Err(_) => a.clone(),
                    }),
                    Cell::Int(i64::from(x.respondents)),
                    Cell::Percent(x.overall),
                ];
                row.extend(x.factors.iter().map(|f| Cell::Percent(f.share)));
                row
            })
            .collect(),
    };
    let proxies = proxies(&app, actor, &r).await?;
    Ok(RoundPage {
        chrome: Chrome::new(&viewer, r.survey.name.clone(), "/lanh-dao"),
        id,
        name: r.survey.name.clone(),
        created: format!(
            "{} · {}",
            r.survey.created_by,
            day(chrono::DateTime::from_timestamp_millis(r.survey.created_ms).unwrap_or_default())
        ),
        invited: r.invited,
        sent: r.sent,
        by_link: r.answered_by_link,
        at_counter: r.answered_at_counter,
        index,
        criteria,
        by_agency,
        frame,
        proxies,
    }
    .into_response())
}
