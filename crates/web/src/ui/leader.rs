//! Lãnh đạo (`/lanh-dao`) — today's counts, the on-time rate of a chosen period, the agencies
//! ranked by it, and the dossiers late or about to be late, by unit and handler.

use app::App;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use super::session::Viewer;
use super::table::{Cell, Table};
use super::{Chrome, UiError, when};

#[derive(Debug, Default, Deserialize)]
pub struct PeriodParams {
    #[serde(default)]
    tu: String,
    #[serde(default)]
    den: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct ReportParams {
    #[serde(default)]
    tu: String,
    #[serde(default)]
    den: String,
    /// `csv` or `xlsx` for a download.
    #[serde(default, rename = "tai")]
    download: String,
    /// Which table to download: the report (default), `ty-le` (the shares) or `qua-han` (the
    /// late list).
    #[serde(default, rename = "bang")]
    table: String,
    #[serde(flatten)]
    scope: super::qd766::ScopeParams,
}

/// The late list as a table.
pub fn late_table(from: NaiveDate, to: NaiveDate, lines: &[app::reports::LateLine]) -> Table {
    Table {
        title: format!(
            "Danh sách hồ sơ quá hạn từ {} đến {}",
            from.format("%d/%m/%Y"),
            to.format("%d/%m/%Y")
        ),
        headers: [
            "Mã hồ sơ",
            "Thủ tục",
            "Cơ quan giải quyết",
            "Hạn giải quyết",
            "Kết thúc",
            "Số ngày làm việc quá hạn",
            "Bước chậm",
            "Đơn vị",
            "Người xử lý",
            "Lý do (phiếu xin lỗi)",
        ]
        .map(String::from)
        .to_vec(),
        rows: lines
            .iter()
            .map(|l| {
                vec![
                    Cell::Text(l.code.clone()),
                    Cell::Text(l.procedure.clone()),
                    Cell::Text(l.agency.clone()),
                    Cell::Text(l.due.map(when).unwrap_or_default()),
                    Cell::Text(l.finished.map_or_else(|| "Đang giải quyết".into(), when)),
                    Cell::Text(format!("{:.1}", l.days_late).replace('.', ",")),
                    Cell::Text(l.step.clone()),
                    Cell::Text(l.unit.clone()),
                    Cell::Text(l.handler.clone()),
                    Cell::Text(if l.reason.is_empty() {
                        "Chưa có".into()
                    } else {
                        l.reason.clone()
                    }),
                ]
            })
            .collect(),
    }
}

/// The report's columns and rows (one model for the page and the downloads).
pub fn period_table(r: &app::reports::PeriodReport) -> Table {
    let line = |l: &app::reports::PeriodLine| {
        vec![
            Cell::Text(l.name.clone()),
            Cell::Int(l.carried),
            Cell::Int(l.received[0]),
            Cell::Int(l.received[1]),
            Cell::Int(l.received[2]),
            Cell::Int(l.received_total()),
            Cell::Int(l.resolved_early),
            Cell::Int(l.resolved_on_time),
            Cell::Int(l.resolved_late),
            Cell::Int(l.refused),
            Cell::Int(l.withdrawn + l.stopped),
            Cell::Int(l.open_within),
            Cell::Int(l.open_past),
            Cell::Percent(l.on_time_rate()),
            Cell::Percent(l.online_rate()),
        ]
    };
    let mut rows: Vec<Vec<Cell>> = r.lines.iter().map(line).collect();
    rows.push(line(&r.total));
    Table {
        title: format!(
            "Tình hình giải quyết thủ tục hành chính từ {} đến {}",
            r.from.format("%d/%m/%Y"),
            r.to.format("%d/%m/%Y")
        ),
        headers: [
            "Cơ quan",
            "Kỳ trước chuyển qua",
            "Tiếp nhận trực tiếp",
            "Tiếp nhận trực tuyến",
            "Tiếp nhận bưu chính",
            "Tổng tiếp nhận mới",
            "Giải quyết trước hạn",
            "Giải quyết đúng hạn",
            "Giải quyết quá hạn",
            "Trong đó từ chối",
            "Rút, dừng",
            "Đang giải quyết trong hạn",
            "Đang giải quyết quá hạn",
            "Tỷ lệ đúng hạn",
            "Tỷ lệ trực tuyến",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

/// The shares the news quote, per agency: on time, online, full-online, digitised, satisfied.
pub fn shares_table(r: &app::reports::PeriodReport) -> Table {
    let line = |l: &app::reports::PeriodLine| {
        vec![
            Cell::Text(l.name.clone()),
            Cell::Int(l.received_total()),
            Cell::Percent(l.on_time_rate()),
            Cell::Percent(l.online_rate()),
            Cell::Int(l.full_online_eligible),
            Cell::Int(l.full_online),
            Cell::Percent(l.full_online_rate()),
            Cell::Int(l.fee_bearing),
            Cell::Int(l.digitised),
            Cell::Percent(l.digitised_rate()),
            Cell::Int(l.signed_components),
            Cell::Percent(l.signed_rate()),
            Cell::Int(l.electronic_results),
            Cell::Int(l.rated),
            Cell::Int(l.disliked),
            Cell::Percent(l.satisfaction_rate()),
            Cell::Int(l.imported),
            Cell::Int(l.information_asked),
            Cell::Int(l.information_from_data),
            Cell::Percent(l.reuse_rate()),
        ]
    };
    let mut rows: Vec<Vec<Cell>> = r.lines.iter().map(line).collect();
    rows.push(line(&r.total));
    Table {
        title: format!(
            "Các tỷ lệ từ {} đến {}",
            r.from.format("%d/%m/%Y"),
            r.to.format("%d/%m/%Y")
        ),
        headers: [
            "Cơ quan",
            "Tổng tiếp nhận mới",
            "Tỷ lệ đúng hạn",
            "Tỷ lệ trực tuyến",
            "Hồ sơ của TTHC trực tuyến toàn trình",
            "Trong đó nộp trực tuyến",
            "Tỷ lệ trực tuyến toàn trình",
            "Hồ sơ có nghĩa vụ tài chính",
            "Hồ sơ số hóa đủ thành phần",
            "Tỷ lệ số hóa",
            "Hồ sơ có thành phần ký số",
            "Tỷ lệ có ký số",
            "Kết quả điện tử đã ký số",
            "Lượt đánh giá",
            "Không hài lòng",
            "Tỷ lệ hài lòng",
            "Chuyển từ hệ thống cũ",
            "Thông tin phải cung cấp",
            "Trong đó lấy từ dữ liệu",
            "Tỷ lệ tái sử dụng thông tin",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

/// Tái sử dụng thông tin per procedure: what its dossiers asked of applicants and how much came
/// from data (the "cắt giảm ít nhất 20% thông tin" target).
pub fn reuse_table(r: &app::reports::PeriodReport) -> Table {
    let rows = r
        .reuse
        .iter()
        .map(|l| {
            vec![
                Cell::Text(l.procedure.clone()),
                Cell::Text(l.name.clone()),
                Cell::Int(l.received),
                Cell::Int(l.asked),
                Cell::Int(l.from_data),
                Cell::Percent(l.rate()),
            ]
        })
        .collect();
    Table {
        title: format!(
            "Tái sử dụng thông tin theo thủ tục từ {} đến {} (mục tiêu: cắt giảm ít nhất 20% thông tin phải cung cấp)",
            r.from.format("%d/%m/%Y"),
            r.to.format("%d/%m/%Y")
        ),
        headers: [
            "Mã thủ tục",
            "Thủ tục",
            "Hồ sơ tiếp nhận",
            "Thông tin phải cung cấp",
            "Trong đó lấy từ dữ liệu",
            "Tỷ lệ tái sử dụng",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "report.html")]
struct ReportPage {
    chrome: Chrome,
    tu: String,
    den: String,
    table: Table,
    shares: Table,
    reuse: Table,
    late: Table,
    feedback: Table,
    /// Hàng đợi: tickets, waiting and service time by area.
    queue: Table,
    /// The units a leader can narrow the report to: (id, name).
    units: Vec<(String, String)>,
    f: super::qd766::Filters,
}

/// `/lanh-dao/bao-cao`: the periodic report for a chosen period, and its CSV and XLSX files.
pub async fn period_report(
    State(app): State<App>,
    viewer: Viewer,
    Query(p): Query<ReportParams>,
) -> Result<Response, UiError> {
    let (_, actor) = viewer.require_officer()?;
    let today = lich::time::to_vn(&app.now()).date_naive();
    let first = today.with_day(1).unwrap_or(today);
    let (from, to, error) = period(&p.tu, &p.den, first, today);
    let (tu, den) = (from.to_string(), to.to_string());
    let (scope, f) = super::qd766::scope_filters(
        &app,
        &[("tu", tu.as_str()), ("den", den.as_str())],
        &p.scope,
        error,
    )
    .await?;
    // A download builds only the table it asks for.
    let download = f.error.is_empty() && matches!(p.download.as_str(), "csv" | "xlsx");
    let late_list = || async { app.reports().late_list(actor, from, to, &scope).await };
    if download && p.table == "qua-han" {
        let late = late_table(from, to, &late_list().await?);
        return Ok(late.download(&format!("ho-so-qua-han-{from}-{to}"), &p.download));
    }
    let queue_table = || async {
        let x = app.queue().figures(actor, from, to).await?;
        Ok::<_, UiError>(super::queue::figures_table(
            "Hàng đợi tại Bộ phận Một cửa",
            "Khu vực",
            &x.by_area,
            Some(&x.total),
        ))
    };
    if download && p.table == "hang-doi" {
        return Ok(queue_table()
            .await?
            .download(&format!("hang-doi-{from}-{to}"), &p.download));
    }
    let feedback_table = || super::feedback::figures_table(&app, actor, from, to);
    if download && p.table == "phan-anh" {
        return Ok(feedback_table()
            .await?
            .download(&format!("phan-anh-{from}-{to}"), &p.download));
    }
    let report = app.reports().period_report(actor, from, to, &scope).await?;
    if download {
        return Ok(if p.table == "ty-le" {
            shares_table(&report).download(&format!("ty-le-{from}-{to}"), &p.download)
        } else if p.table == "tai-su-dung" {
            reuse_table(&report).download(&format!("tai-su-dung-{from}-{to}"), &p.download)
        } else {
            period_table(&report).download(&format!("bao-cao-tthc-{from}-{to}"), &p.download)
        });
    }
    let table = period_table(&report);
    let shares = shares_table(&report);
    let reuse = reuse_table(&report);
    let late = late_table(from, to, &late_list().await?);
    let feedback = feedback_table().await?;
    let queue = queue_table().await?;
    let status = super::status_for(&f.error);
    let tree = app.agencies();
    let visible = app.queries().visible_agencies(actor);
    let units: Vec<(String, String)> = tree
        .all()
        .filter(|a| a.kind.decides() && visible.iter().any(|v| v == a.id.as_str()))
        .map(|a| (a.id.to_string(), a.name.clone()))
        .collect();
    Ok((
        status,
        ReportPage {
            chrome: Chrome::new(&viewer, "Báo cáo tình hình giải quyết TTHC", "/lanh-dao"),
            tu,
            den,
            table,
            shares,
            reuse,
            late,
            feedback,
            queue,
            units,
            f,
        },
    )
        .into_response())
}

/// The period asked for, or the default with the reason it was not taken.
pub(super) fn period(
    tu: &str,
    den: &str,
    first: NaiveDate,
    today: NaiveDate,
) -> (NaiveDate, NaiveDate, String) {
    let parse = |text: &str, default: NaiveDate| -> Result<NaiveDate, String> {
        if text.trim().is_empty() {
            Ok(default)
        } else {
            lich::time::parse_date(text).map_err(|_| {
                format!(
                    "Ngày \"{}\" không hợp lệ; ghi ngày/tháng/năm, ví dụ 05/12/2026.",
                    domain::error::shorten(text.trim())
                )
            })
        }
    };
    match (parse(tu, first), parse(den, today)) {
        (Ok(f), Ok(t)) if f <= t => (f, t, String::new()),
        (Ok(_), Ok(_)) => (first, today, "Ngày cuối kỳ phải sau ngày đầu kỳ.".into()),
        (Err(e), _) | (_, Err(e)) => (first, today, e),
    }
}

pub struct RankLine {
    pub rank: usize,
    pub name: String,
    pub received: i64,
    pub resolved: i64,
    pub on_time: i64,
    pub rate: String,
    /// Bar width, 0–100.
    pub width: u32,
    pub open: i64,
    pub overdue: i64,
}

pub struct WatchLine {
    pub id: String,
    pub code: String,
    pub procedure: String,
    pub unit: String,
    pub handler: String,
    pub due: String,
    pub overdue: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "leader.html")]
struct LeaderPage {
    chrome: Chrome,
    /// Hàng đợi hôm nay, in a sentence (none when no ticket was taken).
    queue_today: Option<String>,
    tu: String,
    den: String,
    today_received: i64,
    today_resolved: i64,
    open: i64,
    overdue: i64,
    rate: String,
    resolved: i64,
    on_time: i64,
    ranking: Vec<RankLine>,
    watch: Vec<WatchLine>,
    /// Received and resolved over the period (SVG).
    trend: String,
    error: String,
    /// Phản ánh, kiến nghị: received in the period, on-time and satisfied shares, open now and
    /// of them past their limit.
    fb_received: i64,
    fb_on_time: String,
    fb_satisfied: String,
    fb_open: usize,
    fb_late: usize,
}

/// Received and resolved over `from..=to` as an SVG chart (the overview and the dashboard).
pub async fn trend_chart(
    app: &App,
    actor: &domain::officer::Actor,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<String, UiError> {
    let points: Vec<(String, i64, i64)> = app
        .reports()
        .trend(actor, from, to)
        .await?
        .into_iter()
        .map(|p| (p.label, p.received, p.resolved))
        .collect();
    Ok(super::chart::paired_bars(
        "Hồ sơ tiếp nhận và giải quyết xong",
        &points,
        ("Tiếp nhận", "Giải quyết xong"),
    ))
}

fn percent(r: Option<f64>) -> String {
    Cell::Percent(r).text()
}

pub async fn overview(
    State(app): State<App>,
    viewer: Viewer,
    Query(p): Query<PeriodParams>,
) -> Result<Response, UiError> {
    let (_, actor) = viewer.require_officer()?;
    let today = lich::time::to_vn(&app.now()).date_naive();
    let first = today.with_day(1).unwrap_or(today);
    let (from, to, error) = period(&p.tu, &p.den, first, today);
    let o = app.reports().overview(actor, from, to).await?;
    let trend = trend_chart(&app, actor, from, to).await?;
    let (_, fb) = app.feedback().figures(actor, from, to).await?;
    let q = app.queue().figures(actor, today, today).await?.total;
    let open = app.feedback().inbox(actor, true).await?;
    let now = app.now();
    let share = |n: i64, d: i64| percent((d > 0).then(|| n as f64 / d as f64));
    let page = LeaderPage {
        queue_today: (q.tickets > 0).then(|| {
            format!(
                "{} số đã phát, {} đã phục vụ, chờ trung bình {} phút",
                q.tickets,
                q.served,
                q.wait_avg
                    .map_or_else(|| "—".into(), |m| format!("{m:.1}").replace('.', ","))
            )
        }),
        fb_received: fb.rules + fb.conduct + fb.unclassified,
        fb_on_time: share(fb.on_time, fb.handled),
        fb_satisfied: share(fb.satisfied, fb.first_received),
        fb_open: open.len(),
        fb_late: open
            .iter()
            .filter(|(_, due)| due.is_some_and(|d| d < now))
            .count(),
        chrome: Chrome::new(&viewer, "Tổng quan", "/lanh-dao"),
        tu: o.from.to_string(),
        den: o.to.to_string(),
        today_received: o.today.received,
        today_resolved: o.today.resolved,
        open: o.period.open,
        overdue: o.period.overdue,
        rate: percent(o.on_time_rate),
        resolved: o.period.resolved,
        on_time: o.period.on_time,
        ranking: o
            .units
            .iter()
            .enumerate()
            .map(|(i, u)| RankLine {
                rank: i + 1,
                name: u.name.clone(),
                received: u.figures.received,
                resolved: u.figures.resolved,
                on_time: u.figures.on_time,
                rate: percent(u.on_time_rate),
                width: u.on_time_rate.map_or(0, |r| (r * 100.0).round() as u32),
                open: u.figures.open,
                overdue: u.figures.overdue,
            })
            .collect(),
        watch: o
            .watch
            .iter()
            .map(|w| WatchLine {
                id: w.row.id.to_string(),
                code: w.row.code.clone(),
                procedure: w.row.procedure_name.clone(),
                unit: w.unit_name.clone(),
                handler: w.handler_name.clone(),
                due: w.row.due.map(when).unwrap_or_default(),
                overdue: w.overdue,
            })
            .collect(),
        trend,
        error: error.clone(),
    };
    let status = super::status_for(&error);
    Ok((status, page).into_response())
}

#[cfg(test)]
mod tests {
    use super::period;
    use chrono::NaiveDate;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_period_is_read_as_the_date_picker_or_a_person_writes_it() {
        let (first, today) = (day(2026, 12, 1), day(2026, 12, 6));
        let asked = (day(2026, 11, 2), day(2026, 11, 30), String::new());
        assert_eq!(period("2026-11-02", "2026-11-30", first, today), asked);
        assert_eq!(period("02/11/2026", " 30/11/2026 ", first, today), asked);
        assert_eq!(period("", "", first, today), (first, today, String::new()));
        let (f, t, error) = period("abc", "", first, today);
        assert_eq!((f, t), (first, today));
        assert!(error.contains("ví dụ 05/12/2026"), "{error}");
        let (_, _, error) = period(&"9".repeat(5000), "", first, today);
        assert!(error.len() < 300, "{error}");
        let (_, _, error) = period("30/11/2026", "02/11/2026", first, today);
        assert_eq!(error, "Ngày cuối kỳ phải sau ngày đầu kỳ.");
    }
}
