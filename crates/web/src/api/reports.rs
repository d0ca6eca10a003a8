//! Báo cáo qua API — the periodic report on TTHC handling, the QĐ 766 index and the TT 01/2018
//! evaluation, as JSON.

use app::App;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Authed;
use super::dto::day;
use super::error::{ApiError, ApiQuery, ErrorBody};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// Ngày đầu kỳ, YYYY-MM-DD.
    #[param(format = Date)]
    pub from: String,
    /// Ngày cuối kỳ, YYYY-MM-DD.
    #[param(format = Date)]
    pub to: String,
    /// Chỉ các cơ quan thuộc cơ quan này.
    #[param(format = "agency-id")]
    pub agency: Option<String>,
    /// Chỉ một thủ tục (mã thủ tục).
    pub procedure: Option<String>,
    /// Chỉ một lĩnh vực (tên lĩnh vực như trong danh mục).
    pub sector: Option<String>,
    /// Chỉ một cấp: `province` hoặc `commune`.
    #[param(pattern = "^(province|commune)$")]
    pub level: Option<String>,
}

/// The scope an API query names: as [`scope`] (which the pages call with their forms' empty
/// fields), but the unit and the level, which have a form, are refused sent empty.
fn query_scope(
    agency: Option<&str>,
    procedure: Option<&str>,
    sector: Option<&str>,
    level: Option<&str>,
) -> Result<app::qd766::Scope, ApiError> {
    use super::error::filter;
    scope(
        filter("agency", agency)?,
        procedure,
        sector,
        filter("level", level)?,
    )
}

/// The scope a query names, checked.
pub(crate) fn scope(
    agency: Option<&str>,
    procedure: Option<&str>,
    sector: Option<&str>,
    level: Option<&str>,
) -> Result<app::qd766::Scope, ApiError> {
    let level = match level.map(str::trim) {
        None | Some("") => None,
        Some("province" | "tinh") => Some(domain::procedure::ProcedureLevel::Province),
        Some("commune" | "xa") => Some(domain::procedure::ProcedureLevel::Commune),
        Some(other) => {
            return Err(ApiError::unprocessable(
                "invalid_level",
                format!("\"level\": cấp \"{other}\" không hợp lệ (province hoặc commune)."),
            ));
        }
    };
    let text = |t: Option<&str>| t.map(str::trim).filter(|t| !t.is_empty()).map(String::from);
    Ok(app::qd766::Scope {
        under: text(agency)
            .map(|a| domain::agency::AgencyId::parse(&a))
            .transpose()?,
        procedure: text(procedure),
        sector: text(sector),
        level,
    })
}

/// Một dòng báo cáo.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodLineView {
    pub agency: String,
    pub name: String,
    pub carried: i64,
    pub received_in_person: i64,
    pub received_online: i64,
    pub received_postal: i64,
    pub resolved_early: i64,
    pub resolved_on_time: i64,
    pub resolved_late: i64,
    pub refused: i64,
    pub withdrawn: i64,
    pub stopped: i64,
    pub in_progress_within: i64,
    pub in_progress_past: i64,
    pub refused_at_intake: i64,
    pub returned: i64,
    /// Tỷ lệ đúng hạn (0–1), null khi chưa giải quyết hồ sơ nào.
    pub on_time_rate: Option<f64>,
    pub online_rate: Option<f64>,
    /// Hồ sơ của TTHC trực tuyến toàn trình, và số nộp trực tuyến trong đó.
    pub full_online_eligible: i64,
    pub full_online: i64,
    pub full_online_rate: Option<f64>,
    /// Hồ sơ có nghĩa vụ tài chính (mẫu số của tỷ lệ thanh toán trực tuyến, chưa tính được vì
    /// hệ thống chưa kết nối cổng thanh toán).
    pub fee_bearing: i64,
    /// Hồ sơ số hóa đủ thành phần.
    pub digitised: i64,
    pub digitised_rate: Option<f64>,
    /// Received with a digitally signed component, and the share of those received.
    pub signed_components: i64,
    pub signed_rate: Option<f64>,
    /// Results issued electronically with a digital signature.
    pub electronic_results: i64,
    /// Lượt đánh giá của hồ sơ kết thúc trong kỳ, số không hài lòng, tỷ lệ hài lòng.
    pub rated: i64,
    pub disliked: i64,
    pub satisfaction_rate: Option<f64>,
    /// Trong số tiếp nhận mới: hồ sơ chuyển từ hệ thống cũ.
    pub imported: i64,
    /// Thông tin phải cung cấp (thông tin người nộp đã khai và thành phần hồ sơ), số lấy từ dữ
    /// liệu, và tỷ lệ (mục tiêu cắt giảm ít nhất 20%).
    pub information_asked: i64,
    pub information_from_data: i64,
    pub reuse_rate: Option<f64>,
}

/// Tái sử dụng thông tin của một thủ tục.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReuseLineView {
    pub procedure: String,
    pub name: String,
    pub received: i64,
    pub information_asked: i64,
    pub information_from_data: i64,
    pub reuse_rate: Option<f64>,
}

impl PeriodLineView {
    fn of(l: &app::reports::PeriodLine) -> Self {
        Self {
            agency: l.agency.clone(),
            name: l.name.clone(),
            carried: l.carried,
            received_in_person: l.received[0],
            received_online: l.received[1],
            received_postal: l.received[2],
            resolved_early: l.resolved_early,
            resolved_on_time: l.resolved_on_time,
            resolved_late: l.resolved_late,
            refused: l.refused,
            withdrawn: l.withdrawn,
            stopped: l.stopped,
            in_progress_within: l.open_within,
            in_progress_past: l.open_past,
            refused_at_intake: l.refused_at_intake,
            returned: l.returned,
            on_time_rate: l.on_time_rate(),
            online_rate: l.online_rate(),
            full_online_eligible: l.full_online_eligible,
            full_online: l.full_online,
            full_online_rate: l.full_online_rate(),
            fee_bearing: l.fee_bearing,
            digitised: l.digitised,
            digitised_rate: l.digitised_rate(),
            signed_components: l.signed_components,
            signed_rate: l.signed_rate(),
            electronic_results: l.electronic_results,
            rated: l.rated,
            disliked: l.disliked,
            satisfaction_rate: l.satisfaction_rate(),
            imported: l.imported,
            information_asked: l.information_asked,
            information_from_data: l.information_from_data,
            reuse_rate: l.reuse_rate(),
        }
    }
}

/// Báo cáo kỳ.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodReportView {
    pub from: String,
    pub to: String,
    pub lines: Vec<PeriodLineView>,
    pub total: PeriodLineView,
    /// Theo thủ tục, nhiều thông tin phải cung cấp nhất trước.
    pub reuse: Vec<ReuseLineView>,
}

/// Báo cáo tình hình giải quyết TTHC trong kỳ (đọc từ bộ đếm).
#[utoipa::path(
    get, path = "/api/v1/reports/period", tag = "Báo cáo",
    params(PeriodQuery),
    responses((status = 200, body = PeriodReportView), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn period(
    State(app): State<App>,
    Authed(actor): Authed,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> Result<Json<PeriodReportView>, ApiError> {
    let scope = query_scope(
        q.agency.as_deref(),
        q.procedure.as_deref(),
        q.sector.as_deref(),
        q.level.as_deref(),
    )?;
    let r = app
        .reports()
        .period_report(&actor, day("from", &q.from)?, day("to", &q.to)?, &scope)
        .await?;
    Ok(Json(PeriodReportView {
        from: r.from.to_string(),
        to: r.to.to_string(),
        lines: r.lines.iter().map(PeriodLineView::of).collect(),
        total: PeriodLineView::of(&r.total),
        reuse: r
            .reuse
            .iter()
            .map(|l| ReuseLineView {
                procedure: l.procedure.clone(),
                name: l.name.clone(),
                received: l.received,
                information_asked: l.asked,
                information_from_data: l.from_data,
                reuse_rate: l.rate(),
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IndexQuery {
    /// Kỳ: `2026-07` (tháng), `2026-Q3` (quý) hoặc `2026` (năm), năm 2000–2199.
    #[param(pattern = "^2[01][0-9]{2}(-(0[1-9]|1[0-2])|-Q[1-4])?$")]
    pub period: String,
    /// Số liệu chốt đến ngày (YYYY-MM-DD, trong kỳ); mặc định cuối kỳ hoặc hôm nay.
    #[param(format = Date)]
    pub as_of: Option<String>,
    /// Xếp hạng các đơn vị trực thuộc cơ quan này.
    #[param(format = "agency-id")]
    pub agency: Option<String>,
    pub procedure: Option<String>,
    pub sector: Option<String>,
    #[param(pattern = "^(province|commune)$")]
    pub level: Option<String>,
}

/// Một chỉ số 766 của một đơn vị.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorView {
    pub id: String,
    pub group: u8,
    pub name: String,
    pub numerator: Option<i64>,
    pub denominator: Option<i64>,
    pub max: f64,
    /// Điểm; null khi không tính được (xem `note`).
    pub points: Option<f64>,
    pub note: String,
}

/// Chỉ số 766 của một đơn vị.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitIndex766View {
    pub agency: String,
    pub name: String,
    pub points: f64,
    /// Điểm tối đa của các chỉ số tính được.
    pub max: f64,
    pub rank: Option<usize>,
    pub previous_points: Option<f64>,
    pub previous_rank: Option<usize>,
    pub indicators: Vec<IndicatorView>,
}

impl UnitIndex766View {
    fn of(u: &app::qd766::UnitIndex) -> Self {
        Self {
            agency: u.agency.clone(),
            name: u.name.clone(),
            points: round2(u.points),
            max: u.max,
            rank: u.rank,
            previous_points: u.previous_points.map(round2),
            previous_rank: u.previous_rank,
            indicators: u
                .indicators
                .iter()
                .map(|i| IndicatorView {
                    id: i.id.into(),
                    group: i.group,
                    name: i.name.into(),
                    numerator: i.numerator,
                    denominator: i.denominator,
                    max: i.max,
                    points: i.points.map(round2),
                    note: i.note.into(),
                })
                .collect(),
        }
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Chỉ số 766 của các đơn vị.
#[derive(Debug, Serialize, ToSchema)]
pub struct Index766View {
    pub period: String,
    pub from: String,
    pub to: String,
    pub as_of: String,
    pub previous_from: String,
    pub previous_to: String,
    pub units: Vec<UnitIndex766View>,
    pub total: UnitIndex766View,
}

/// Chỉ số phục vụ người dân, doanh nghiệp theo QĐ 766 (bản tính tại chỗ, từ bộ đếm), xếp hạng
/// các đơn vị, kèm kỳ trước.
#[utoipa::path(
    get, path = "/api/v1/reports/qd766", tag = "Báo cáo",
    params(IndexQuery),
    responses((status = 200, body = Index766View), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn qd766(
    State(app): State<App>,
    Authed(actor): Authed,
    ApiQuery(q): ApiQuery<IndexQuery>,
) -> Result<Json<Index766View>, ApiError> {
    let period = domain::period::Period::parse(&q.period)?;
    let as_of = q.as_of.as_deref().map(|t| day("as_of", t)).transpose()?;
    let scope = query_scope(
        q.agency.as_deref(),
        q.procedure.as_deref(),
        q.sector.as_deref(),
        q.level.as_deref(),
    )?;
    let x = app
        .reports()
        .index_766(&actor, period, as_of, &scope)
        .await?;
    Ok(Json(Index766View {
        period: x.period.label(),
        from: x.period.first_day().to_string(),
        to: x.period.last_day().to_string(),
        as_of: x.as_of.to_string(),
        previous_from: x.previous.first_day().to_string(),
        previous_to: x.previous.last_day().to_string(),
        units: x.units.iter().map(UnitIndex766View::of).collect(),
        total: UnitIndex766View::of(&x.total),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EvaluationQuery {
    /// Kỳ đánh giá: quý (`2026-Q4`) hoặc năm (`2026`), năm 2000–2199.
    #[param(pattern = "^2[01][0-9]{2}(-Q[1-4])?$")]
    pub period: String,
    /// Số liệu tại cuối ngày này (YYYY-MM-DD); mặc định: hiện tại.
    #[param(format = Date)]
    pub as_of: Option<String>,
}

/// Điểm một chỉ số; `score` null khi không có dữ liệu (bỏ ra khỏi tổng điểm).
#[derive(Debug, Serialize, ToSchema)]
pub struct IndexScoreView {
    pub index: u8,
    pub score: Option<f64>,
    /// Số hồ sơ có dữ liệu cho chỉ số (0 với chỉ số tính cho đơn vị).
    pub dossiers: i64,
    pub note: String,
}

/// Điểm một cơ quan, đơn vị (gồm cả đơn vị trực thuộc).
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitScoreView {
    pub agency: String,
    pub name: String,
    /// Cấp trong cây cơ quan, tính từ đơn vị cao nhất được xem (0).
    pub depth: usize,
    pub dossiers: i64,
    pub scores: Vec<IndexScoreView>,
    pub total: f64,
    /// Điểm tối đa của các chỉ số có dữ liệu.
    pub max: f64,
    /// Xếp loại; null khi không chỉ số nào có dữ liệu.
    pub classification: Option<String>,
}

/// Điểm một cán bộ, công chức.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfficialScoreView {
    pub officer: String,
    pub name: String,
    pub unit: String,
    pub unit_name: String,
    pub dossiers: i64,
    pub scores: Vec<IndexScoreView>,
    pub total: f64,
    pub max: f64,
    pub classification: Option<String>,
}

/// Một chỉ số của bộ chỉ số.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndexView {
    pub number: u8,
    pub name: String,
    /// Điểm của mức tốt nhất, giữa, thấp nhất.
    pub points: [i64; 3],
    /// Chấm cho đơn vị (không theo từng hồ sơ).
    pub per_unit: bool,
}

/// Một mức xếp loại: tổng điểm từ `from` trở lên.
#[derive(Debug, Serialize, ToSchema)]
pub struct BandView {
    pub from: f64,
    pub label: String,
}

/// Bộ chỉ số đang dùng.
#[derive(Debug, Serialize, ToSchema)]
pub struct SchemeView {
    pub name: String,
    pub legal_basis: String,
    pub indices: Vec<IndexView>,
    pub official_indices: Vec<u8>,
    pub official_bands: Vec<BandView>,
    pub unit_indices: Vec<u8>,
    pub unit_bands: Vec<BandView>,
}

/// Kết quả đánh giá một kỳ.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationView {
    pub period: String,
    pub label: String,
    pub from: String,
    pub to: String,
    /// Thời điểm số liệu (giờ Việt Nam).
    pub as_of: String,
    /// Hồ sơ kết thúc xử lý (có kết quả) trong kỳ được chấm điểm.
    pub dossiers: i64,
    pub scheme: SchemeView,
    pub units: Vec<UnitScoreView>,
    pub officials: Vec<OfficialScoreView>,
}

fn score_views(card: &domain::evaluation::Scorecard) -> Vec<IndexScoreView> {
    card.scores
        .iter()
        .map(|s| IndexScoreView {
            index: s.number,
            score: s.score.map(|p| p.as_f64()),
            dossiers: s.dossiers,
            note: s.note.clone(),
        })
        .collect()
}

fn bands(c: &domain::evaluation::Classification) -> Vec<BandView> {
    c.bands
        .iter()
        .map(|b| BandView {
            from: b.from.as_f64(),
            label: b.label.clone(),
        })
        .collect()
}

/// Đánh giá việc giải quyết TTHC theo Thông tư 01/2018/TT-VPCP: điểm từng chỉ số, tổng điểm và
/// xếp loại của cơ quan, đơn vị và cán bộ, công chức trong quý hoặc năm.
#[utoipa::path(
    get, path = "/api/v1/reports/evaluation", tag = "Báo cáo",
    params(EvaluationQuery),
    responses((status = 200, body = EvaluationView), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn evaluation(
    State(app): State<App>,
    Authed(actor): Authed,
    ApiQuery(q): ApiQuery<EvaluationQuery>,
) -> Result<Json<EvaluationView>, ApiError> {
    let period = domain::period::Period::parse(&q.period)?;
    let as_of = q
        .as_of
        .as_deref()
        .map(|t| {
            day("as_of", t).map(|d| {
                lich::time::vn_instant(d.and_hms_opt(23, 59, 59).expect("valid time")).to_utc()
            })
        })
        .transpose()?;
    let r = app.reports().evaluation(&actor, period, as_of).await?;
    let s = &r.scheme;
    Ok(Json(EvaluationView {
        period: r.period.to_string(),
        label: r.period.label(),
        from: r.from.to_string(),
        to: r.to.to_string(),
        as_of: super::views::vn(r.as_of),
        dossiers: r.dossiers,
        scheme: SchemeView {
            name: s.name.clone(),
            legal_basis: s.legal_basis.clone(),
            indices: s
                .indices
                .iter()
                .map(|d| IndexView {
                    number: d.number,
                    name: d.name.clone(),
                    points: d.points,
                    per_unit: d.method.per_unit(),
                })
                .collect(),
            official_indices: s.official.indices.clone(),
            official_bands: bands(&s.official),
            unit_indices: s.unit.indices.clone(),
            unit_bands: bands(&s.unit),
        },
        units: r
            .units
            .iter()
            .map(|u| UnitScoreView {
                agency: u.score.unit.to_string(),
                name: u.name.clone(),
                depth: u.depth,
                dossiers: u.score.dossiers,
                scores: score_views(&u.score.card),
                total: u.score.card.total.as_f64(),
                max: u.score.card.max.as_f64(),
                classification: u.score.card.classification.clone(),
            })
            .collect(),
        officials: r
            .officials
            .iter()
            .map(|o| OfficialScoreView {
                officer: o.score.officer.to_string(),
                name: o.score.name.clone(),
                unit: o.score.unit.to_string(),
                unit_name: o.unit_name.clone(),
                dossiers: o.score.dossiers,
                scores: score_views(&o.score.card),
                total: o.score.card.total.as_f64(),
                max: o.score.card.max.as_f64(),
                classification: o.score.card.classification.clone(),
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogBookQuery {
    /// Ngày đầu kỳ, YYYY-MM-DD.
    #[param(format = Date)]
    pub from: String,
    /// Ngày cuối kỳ, YYYY-MM-DD (kỳ dài tối đa 366 ngày).
    #[param(format = Date)]
    pub to: String,
    /// Bộ phận Một cửa tiếp nhận (mã cơ quan); mặc định mọi đơn vị được xem.
    #[param(format = "agency-id")]
    pub receiving: Option<String>,
    /// Trang sau: giá trị `next` của trang trước (mặc định trang đầu).
    pub cursor: Option<String>,
    /// Số dòng tối đa (1–500, mặc định 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// Một dòng sổ theo dõi hồ sơ (Mẫu 06).
#[derive(Debug, Serialize, ToSchema)]
pub struct LogBookLineView {
    pub number: usize,
    pub id: String,
    pub code: String,
    pub procedure: String,
    pub sets: u32,
    pub applicant: String,
    pub address: String,
    pub phone: String,
    pub competent: String,
    pub received_at: Option<String>,
    pub appointment: Option<String>,
    pub transferred_at: Option<String>,
    pub result_at: Option<String>,
    pub returned_at: Option<String>,
    pub returned_to: String,
    pub note: String,
}

/// Sổ theo dõi hồ sơ của kỳ.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogBookView {
    pub from: String,
    pub to: String,
    pub receiving: Option<String>,
    /// Tổng số dòng của sổ trong kỳ.
    pub total: i64,
    pub lines: Vec<LogBookLineView>,
    /// Trang sau: gửi lại giá trị này trong `cursor` (không có: đây là trang cuối).
    pub next: Option<String>,
}

/// Sổ theo dõi hồ sơ (Mẫu 06, Thông tư 01/2018): hồ sơ tiếp nhận trong kỳ theo thứ tự tiếp nhận.
#[utoipa::path(
    get, path = "/api/v1/reports/log-book", tag = "Báo cáo",
    params(LogBookQuery),
    responses((status = 200, body = LogBookView), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn log_book(
    State(app): State<App>,
    Authed(actor): Authed,
    ApiQuery(q): ApiQuery<LogBookQuery>,
) -> Result<Json<LogBookView>, ApiError> {
    let receiving = receiving_param(q.receiving.as_deref())?;
    let limit = super::error::page_size(q.limit, 100, 500)?;
    let b = app
        .reports()
        .log_book(
            &actor,
            day("from", &q.from)?,
            day("to", &q.to)?,
            receiving.as_ref(),
            app::logbook::LogBookPage::parse(q.cursor.as_deref().unwrap_or_default())?,
            Some(limit),
        )
        .await?;
    let vn = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(super::views::vn);
    Ok(Json(LogBookView {
        from: b.from.to_string(),
        to: b.to.to_string(),
        receiving: b.receiving,
        total: b.total,
        next: b.next.map(|p| p.encode()),
        lines: b
            .lines
            .into_iter()
            .map(|l| LogBookLineView {
                number: l.number,
                id: l.id.0.to_string(),
                code: l.code,
                procedure: l.procedure,
                sets: l.sets,
                applicant: l.applicant,
                address: l.address,
                phone: l.phone,
                competent: l.competent,
                received_at: vn(l.received_at),
                appointment: vn(l.appointment),
                transferred_at: vn(l.transferred_at),
                result_at: vn(l.result_at),
                returned_at: vn(l.returned_at),
                returned_to: l.returned_to,
                note: l.note,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeeBookQuery {
    /// Ngày đầu kỳ, YYYY-MM-DD.
    #[param(format = Date)]
    pub from: String,
    /// Ngày cuối kỳ, YYYY-MM-DD (kỳ dài tối đa 366 ngày).
    #[param(format = Date)]
    pub to: String,
    /// Đơn vị thu (mã Bộ phận Một cửa); mặc định mọi đơn vị được xem.
    #[param(format = "agency-id")]
    pub receiving: Option<String>,
    /// Hình thức nộp: cash, bank-transfer, online hoặc postal (hoàn trả, miễn giảm luôn kèm).
    #[param(pattern = "^(cash|bank-transfer|online|postal)$")]
    pub method: Option<String>,
    /// Chỉ các giao dịch do cán bộ này ghi (mã cán bộ): bảng kê nộp tiền của một người.
    #[param(format = Uuid)]
    pub officer: Option<String>,
}

/// Tổng hợp thu phí, lệ phí (đồng).
#[derive(Debug, Serialize, ToSchema)]
pub struct FeeTotalsView {
    pub paid: i64,
    pub cash: i64,
    pub bank_transfer: i64,
    pub online: i64,
    pub postal: i64,
    /// Số lần nộp.
    pub payments: i64,
    pub online_payments: i64,
    pub refunded: i64,
    pub waived: i64,
    /// Đã thu trừ hoàn trả.
    pub net: i64,
    /// Số hồ sơ có nộp tiền trong kỳ.
    pub dossiers: i64,
    pub receipts_issued: i64,
    pub receipts_cancelled: i64,
}

impl From<&app::fee_book::FeeTotals> for FeeTotalsView {
    fn from(t: &app::fee_book::FeeTotals) -> Self {
        use domain::dossier::PaymentMethod as M;
        FeeTotalsView {
            paid: t.paid(),
            cash: t.paid_with(M::Cash),
            bank_transfer: t.paid_with(M::BankTransfer),
            online: t.paid_with(M::Online),
            postal: t.paid_with(M::Postal),
            payments: t.payments(),
            online_payments: t.payments_with(M::Online),
            refunded: t.refunded,
            waived: t.waived,
            net: t.net(),
            dossiers: t.dossiers,
            receipts_issued: t.receipts_issued,
            receipts_cancelled: t.receipts_cancelled,
        }
    }
}

/// Tổng hợp của một nhóm (đơn vị thu, hoặc thủ tục — loại phí, lệ phí).
#[derive(Debug, Serialize, ToSchema)]
pub struct FeeGroupView {
    pub name: String,
    pub totals: FeeTotalsView,
}

/// Một giao dịch của sổ thu phí.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeeBookLineView {
    pub at: String,
    pub dossier_id: String,
    pub code: String,
    pub procedure: String,
    pub receiving: String,
    /// paid, refunded hoặc waived.
    pub movement: String,
    /// Hình thức nộp (chỉ với paid).
    pub method: Option<String>,
    pub amount: i64,
    pub reference: String,
    /// Ký hiệu và số biên lai điện tử lập kèm.
    pub receipt: String,
    /// Người nộp tiền, hoặc lý do hoàn trả, miễn giảm.
    pub payer_or_reason: String,
    pub recorded_by: String,
}

/// Sổ thu phí, lệ phí của kỳ.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeeBookView {
    pub from: String,
    pub to: String,
    pub receiving: Option<String>,
    pub method: Option<String>,
    pub officer: Option<String>,
    pub total: FeeTotalsView,
    pub by_unit: Vec<FeeGroupView>,
    pub by_procedure: Vec<FeeGroupView>,
    pub lines: Vec<FeeBookLineView>,
}

/// Sổ thu phí, lệ phí: các khoản nộp, hoàn trả, miễn giảm và biên lai của kỳ, tổng hợp theo đơn
/// vị thu, thủ tục và hình thức nộp; lọc một ngày, một cán bộ, tiền mặt là bảng kê nộp tiền.
#[utoipa::path(
    get, path = "/api/v1/reports/fees", tag = "Báo cáo",
    params(FeeBookQuery),
    responses((status = 200, body = FeeBookView), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, description = "Không có cán bộ này", body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn fee_book(
    State(app): State<App>,
    Authed(actor): Authed,
    ApiQuery(q): ApiQuery<FeeBookQuery>,
) -> Result<Json<FeeBookView>, ApiError> {
    let receiving = receiving_param(q.receiving.as_deref())?;
    let method = match super::error::filter("method", q.method.as_deref())?.map(str::trim) {
        None => None,
        Some(m) => Some(domain::dossier::PaymentMethod::parse(m).ok_or_else(|| {
            ApiError::unprocessable(
                "invalid_method",
                "\"method\": cash, bank-transfer, online hoặc postal.",
            )
        })?),
    };
    let officer = match super::error::filter("officer", q.officer.as_deref())?.map(str::trim) {
        None => None,
        Some(o) => Some(
            uuid::Uuid::try_parse(o)
                .map_err(|_| {
                    ApiError::unprocessable(
                        "invalid_officer",
                        "\"officer\": mã cán bộ không hợp lệ.",
                    )
                })?
                .to_string(),
        ),
    };
    let b = app
        .reports()
        .fee_book(
            &actor,
            &app::fee_book::FeeBookQuery {
                from: day("from", &q.from)?,
                to: day("to", &q.to)?,
                receiving,
                method,
                officer,
            },
        )
        .await?;
    let group = |(name, t): &(String, app::fee_book::FeeTotals)| FeeGroupView {
        name: name.clone(),
        totals: t.into(),
    };
    Ok(Json(FeeBookView {
        from: b.from.to_string(),
        to: b.to.to_string(),
        receiving: b.receiving.clone(),
        method: b.method.map(|m| m.code().to_string()),
        officer: b.officer.clone(),
        total: (&b.total).into(),
        by_unit: b.by_unit.iter().map(group).collect(),
        by_procedure: b.by_procedure.iter().map(group).collect(),
        lines: b
            .lines
            .into_iter()
            .map(|l| FeeBookLineView {
                at: super::views::vn(l.at),
                dossier_id: l.dossier.0.to_string(),
                code: l.code,
                procedure: l.procedure,
                receiving: l.receiving,
                movement: match l.movement {
                    app::fee_book::Movement::Paid => "paid",
                    app::fee_book::Movement::Refunded => "refunded",
                    app::fee_book::Movement::Waived => "waived",
                }
                .into(),
                method: l.method.map(|m| m.code().to_string()),
                amount: l.amount,
                reference: l.reference,
                receipt: l.receipt,
                payer_or_reason: l.payer_or_reason,
                recorded_by: l.recorded_by,
            })
            .collect(),
    }))
}

/// The `receiving` parameter of a book: a one-stop unit's id, or none (every unit seen).
fn receiving_param(text: Option<&str>) -> Result<Option<domain::agency::AgencyId>, ApiError> {
    match super::error::filter("receiving", text)? {
        None => Ok(None),
        Some(r) => domain::agency::AgencyId::parse(r).map(Some).map_err(|_| {
            ApiError::unprocessable("invalid_agency", "\"receiving\": mã cơ quan không hợp lệ.")
        }),
    }
}
