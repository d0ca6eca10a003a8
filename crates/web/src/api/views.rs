//! Dữ liệu ra — response bodies. Instants are RFC 3339 in Vietnamese time (+07:00).

use app::queries::DossierDetail;
use app::queries::{DossierRow, PublicView};
use chrono::{DateTime, Utc};
use domain::agency::{Agency, AgencyTree};
use domain::dossier::{CommandKind, Dossier, Recorded};
use domain::officer::Officer;
use domain::procedure::ProcedureVersion;
use lich::time::to_vn;
use serde::Serialize;
use utoipa::ToSchema;

use domain::dossier::NationalStatus;
use domain::wire_name;

pub fn vn(t: DateTime<Utc>) -> String {
    to_vn(&t).to_rfc3339()
}

fn opt(t: Option<DateTime<Utc>>) -> Option<String> {
    t.map(vn)
}

/// Hồ sơ (tóm tắt và toàn bộ trạng thái).
#[derive(Debug, Serialize, ToSchema)]
pub struct DossierView {
    pub id: uuid::Uuid,
    /// Mã hồ sơ.
    pub code: String,
    /// Pass back as `If-Match` to guard against concurrent changes.
    pub version: u64,
    pub stage: String,
    pub stage_label: String,
    /// TrangThaiHoSo (1–10).
    pub national_status: u8,
    pub national_status_label: String,
    /// KenhThucHien (1 trực tiếp, 2 trực tuyến, 3 bưu chính).
    pub channel: u8,
    pub procedure_code: String,
    pub procedure_name: String,
    pub applicant_name: String,
    pub receiving: String,
    pub competent: String,
    pub current_unit: Option<String>,
    pub current_step: Option<String>,
    pub handler: Option<String>,
    pub received_at: Option<String>,
    /// Hạn giải quyết (legal due).
    pub due: Option<String>,
    /// Ngày hẹn trả the applicant holds now.
    pub appointment: Option<String>,
    /// Ngày hẹn trả on the first receipt.
    pub original_appointment: Option<String>,
    pub finished_at: Option<String>,
    /// Phí, lệ phí: what is due, paid, waived, refunded and still to pay (đồng).
    pub fees: FeesView,
    /// Lệnh được phép: what the caller may do with the dossier now, each the name of a command
    /// (its endpoint is listed in this description under the same summary) with its label.
    pub allowed_actions: Vec<AllowedAction>,
    /// Thông tin phải cung cấp, và số lấy từ dữ liệu (định danh VNeID, CSDL dân cư, hồ sơ
    /// trước, kho dữ liệu), as the server checked them.
    pub information: InformationView,
    /// The complete dossier state.
    // Serialised once, as text: a `Value` tree cost a quarter of an intake's response.
    #[schema(value_type = Object)]
    pub state: Box<serde_json::value::RawValue>,
}

/// Thông tin của hồ sơ: how many items it asked of the applicant (their details and the
/// components), and how many came from data.
#[derive(Debug, Serialize, ToSchema)]
pub struct InformationView {
    pub asked: u32,
    pub from_data: u32,
}

/// Phí, lệ phí của hồ sơ (đồng).
#[derive(Debug, Serialize, ToSchema)]
pub struct FeesView {
    /// Tổng phải nộp.
    pub due: i64,
    pub paid: i64,
    pub waived: i64,
    pub refunded: i64,
    /// Còn phải nộp.
    pub outstanding: i64,
    /// Còn phải nộp, bằng chữ.
    pub outstanding_in_words: String,
    /// Biên lai điện tử, cancelled ones included.
    pub receipts: Vec<ReceiptView>,
}

/// Một biên lai điện tử.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptView {
    /// Ký hiệu mẫu biên lai.
    pub template: String,
    /// Ký hiệu biên lai.
    pub series: String,
    /// Số biên lai (from 1 each year).
    pub number: u32,
    pub amount: i64,
    pub payer: String,
    /// Ngày lập, in Vietnam's time (RFC 3339).
    pub issued_at: String,
    /// Neither cancelled nor replaced.
    pub valid: bool,
    /// Signed (its PDF and XML ready).
    pub signed: bool,
    /// The receipt it replaces (series/number).
    pub replaces: Option<String>,
    /// Signed PDF and XML of the receipt.
    pub pdf_url: String,
    pub xml_url: String,
}

impl FeesView {
    fn of(d: &Dossier) -> Self {
        Self {
            due: d.fees_due(),
            paid: d.fees_paid(),
            waived: d.fees_waived(),
            refunded: d.fees_refunded(),
            outstanding: d.fees_outstanding(),
            outstanding_in_words: vntext::money::words(d.fees_outstanding()),
            receipts: d
                .receipts
                .iter()
                .map(|r| {
                    let base = format!(
                        "/api/v1/dossiers/{}/receipts/{}/{}",
                        d.id.0, r.series, r.number
                    );
                    ReceiptView {
                        template: r.template.clone(),
                        series: r.series.clone(),
                        number: r.number,
                        amount: r.amount,
                        payer: r.payer.clone(),
                        issued_at: vn(r.issued_at),
                        valid: r.valid(),
                        signed: r.files.is_some(),
                        replaces: r
                            .replaces
                            .as_ref()
                            .map(|k| format!("{}/{}", k.series, k.number)),
                        pdf_url: format!("{base}/pdf"),
                        xml_url: format!("{base}/xml"),
                    }
                })
                .collect(),
        }
    }
}

/// Một lệnh được phép.
#[derive(Debug, Serialize, ToSchema)]
pub struct AllowedAction {
    /// Tên lệnh, e.g. `transfer`, `recall_transfer`, `decide`.
    pub action: String,
    /// Nhãn tiếng Việt.
    pub label: String,
}

impl DossierView {
    /// The dossier with what the caller may do with it now (`allowed`).
    pub fn of(d: &Dossier, allowed: &[CommandKind]) -> Self {
        let step = d.current_step();
        Self {
            id: d.id.0,
            code: d.code.to_string(),
            version: d.version,
            stage: wire_name(&d.stage),
            stage_label: d.stage.label().into(),
            national_status: d.stage.national_status().code(),
            national_status_label: d.stage.national_status().label().into(),
            channel: d.channel.national_code(),
            procedure_code: d.procedure.code.to_string(),
            procedure_name: d.procedure.name.clone(),
            applicant_name: d.applicant.display_name().into(),
            receiving: d.receiving.to_string(),
            competent: d.competent.to_string(),
            current_unit: step.map(|s| s.unit.to_string()),
            current_step: step.map(|s| s.name.clone()),
            handler: step
                .and_then(|s| s.handler.as_ref())
                .map(|h| h.name.clone()),
            received_at: opt(d.received_at),
            due: opt(d.due),
            appointment: opt(d.appointment),
            original_appointment: opt(d.original_appointment),
            finished_at: opt(d.finished_at()),
            fees: FeesView::of(d),
            allowed_actions: allowed
                .iter()
                .map(|k| AllowedAction {
                    action: k.name().into(),
                    label: k.label().into(),
                })
                .collect(),
            information: {
                let i = d.information();
                InformationView {
                    asked: i.asked,
                    from_data: i.from_data,
                }
            },
            state: serde_json::value::to_raw_value(d).expect("a dossier serialises to JSON"),
        }
    }
}

/// Một sự kiện trong nhật ký hồ sơ.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    pub version: u64,
    pub at: String,
    pub kind: String,
    pub label: String,
    pub actor: String,
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
}

impl EventView {
    fn of(e: &Recorded) -> Self {
        Self {
            version: e.version,
            at: vn(e.at),
            kind: e.event.kind().into(),
            label: e.event.label().into(),
            actor: e.actor.name.clone(),
            payload: serde_json::to_value(&e.event).unwrap_or_default(),
        }
    }
}

/// Một dòng phiếu kiểm soát (Mẫu 05).
#[derive(Debug, Serialize, ToSchema)]
pub struct SlipRowView {
    pub from: String,
    pub to: String,
    pub at: String,
    /// trước hạn / đúng hạn / quá hạn.
    pub result: Option<String>,
    pub note: String,
}

/// Hồ sơ với nhật ký, phiếu kiểm soát và đánh giá thời gian.
#[derive(Debug, Serialize, ToSchema)]
pub struct DossierDetailView {
    pub dossier: DossierView,
    pub events: Vec<EventView>,
    pub control_slip: Vec<SlipRowView>,
    /// Timing: legal due, TT 01/2018 and QĐ 766 classifications, per-step results, late hours.
    #[schema(value_type = Object)]
    pub timing: serde_json::Value,
    /// Set when shown as it stood at a past instant.
    pub as_of: Option<String>,
}

impl DossierDetailView {
    pub fn of(d: &DossierDetail) -> Self {
        Self {
            dossier: DossierView::of(&d.dossier, &d.allowed),
            events: d.events.iter().map(EventView::of).collect(),
            control_slip: d
                .control_slip
                .iter()
                .map(|r| SlipRowView {
                    from: r.from.clone(),
                    to: r.to.clone(),
                    at: vn(r.at),
                    result: r.result.map(|t| t.label().to_string()),
                    note: r.note.clone(),
                })
                .collect(),
            timing: serde_json::to_value(&d.timing).unwrap_or_default(),
            as_of: opt(d.as_of),
        }
    }
}

/// Một dòng trong danh sách hồ sơ.
#[derive(Debug, Serialize, ToSchema)]
pub struct DossierRowView {
    pub id: uuid::Uuid,
    pub code: String,
    pub version: i64,
    pub procedure_code: String,
    pub procedure_name: String,
    pub channel: i64,
    pub stage: String,
    pub national_status: i64,
    pub national_status_label: String,
    pub receiving: String,
    pub competent: String,
    pub current_unit: Option<String>,
    pub assignee: Option<String>,
    pub applicant_name: String,
    pub received_at: Option<String>,
    pub due: Option<String>,
    pub appointment: Option<String>,
    pub finished_at: Option<String>,
    pub returned_at: Option<String>,
}

impl DossierRowView {
    pub fn of(r: &DossierRow) -> Self {
        Self {
            id: r.id,
            code: r.code.clone(),
            version: r.version,
            procedure_code: r.procedure_code.clone(),
            procedure_name: r.procedure_name.clone(),
            channel: r.channel,
            stage: r.stage.clone(),
            national_status: r.national_status,
            national_status_label: status_label(r.national_status),
            receiving: r.receiving.clone(),
            competent: r.competent.clone(),
            current_unit: r.current_unit.clone(),
            assignee: r.assignee.clone(),
            applicant_name: r.applicant_name.clone(),
            received_at: opt(r.received_at),
            due: opt(r.due),
            appointment: opt(r.appointment),
            finished_at: opt(r.finished_at),
            returned_at: opt(r.returned_at),
        }
    }
}

fn status_label(code: i64) -> String {
    u8::try_from(code)
        .ok()
        .and_then(|c| NationalStatus::try_from(c).ok())
        .map_or_else(String::new, |s| s.label().to_string())
}

/// Trang danh sách.
#[derive(Debug, Serialize, ToSchema)]
pub struct DossierPage {
    pub items: Vec<DossierRowView>,
    /// Số hồ sơ khớp, đếm tối đa đến 1.000 (xem `total_exact`).
    pub total: i64,
    /// `false`: có hơn `total` hồ sơ khớp; thu hẹp bộ lọc.
    pub total_exact: bool,
    pub limit: u32,
    /// Trang sau: gửi lại giá trị này trong `cursor` (không có: đây là trang cuối).
    pub next: Option<String>,
}

/// Kết quả tra cứu công khai: no personal data (TT 01/2018 Art. 16(2)(d)).
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicLookupView {
    pub code: String,
    pub procedure_name: String,
    pub national_status: i64,
    pub status_label: String,
    /// Ngày hẹn trả kết quả.
    pub appointment: Option<String>,
}

impl PublicLookupView {
    pub fn of(v: &PublicView) -> Self {
        Self {
            code: v.code.clone(),
            procedure_name: v.procedure_name.clone(),
            national_status: v.national_status,
            status_label: status_label(v.national_status),
            appointment: opt(v.appointment),
        }
    }

    /// A line of a citizen's own list.
    pub fn of_row(r: &DossierRow) -> Self {
        Self {
            code: r.code.clone(),
            procedure_name: r.procedure_name.clone(),
            national_status: r.national_status,
            status_label: status_label(r.national_status),
            appointment: opt(r.appointment),
        }
    }

    /// A dossier as its applicant sees it after a follow-up.
    pub fn of_dossier(d: &Dossier) -> Self {
        let status = d.stage.national_status();
        Self {
            code: d.code.to_string(),
            procedure_name: d.procedure.name.clone(),
            national_status: i64::from(status.code()),
            status_label: status.label().into(),
            appointment: opt(d.appointment),
        }
    }
}

/// Thủ tục hành chính (phiên bản đang có hiệu lực).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProcedureView {
    pub code: String,
    pub version: u32,
    pub name: String,
    pub sector: String,
    pub level: String,
    /// Thời hạn giải quyết.
    pub limit: String,
    pub online: String,
    pub postal: bool,
    pub effective_from: String,
    /// The complete version: components, fees, steps, legal basis.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

impl ProcedureView {
    pub fn of(p: &ProcedureVersion) -> Self {
        Self {
            code: p.code.to_string(),
            version: p.version,
            name: p.name.clone(),
            sector: p.sector.clone(),
            level: wire_name(&p.level),
            limit: p.limit.to_string(),
            online: wire_name(&p.online),
            postal: p.postal,
            effective_from: p.effective_from.to_string(),
            detail: serde_json::to_value(p).unwrap_or_default(),
        }
    }
}

/// Cơ quan.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyView {
    pub id: String,
    /// Mã định danh (QĐ 20/2020).
    pub code: String,
    pub code_verified: bool,
    pub name: String,
    pub kind: String,
    pub parent: Option<String>,
    /// Ngày thôi hoạt động (giải thể, sáp nhập), YYYY-MM-DD.
    pub valid_to: Option<String>,
    /// Cơ quan tiếp nhận khi sáp nhập.
    pub successor: Option<String>,
    /// Giờ làm việc riêng, ví dụ "07:30-11:30, 13:30-17:00".
    pub office_hours: Option<String>,
    /// Giờ tiếp nhận sáng thứ Bảy.
    pub saturday_reception: Option<String>,
}

impl AgencyView {
    pub fn of(a: &Agency) -> Self {
        Self {
            id: a.id.to_string(),
            code: a.code.to_string(),
            code_verified: a.code_verified,
            name: a.name.clone(),
            kind: wire_name(&a.kind),
            parent: a.parent.as_ref().map(|p| p.to_string()),
            valid_to: a.valid_to.map(|d| d.to_string()),
            successor: a.successor.as_ref().map(|s| s.to_string()),
            office_hours: a.office_hours.clone(),
            saturday_reception: a.saturday_reception.clone(),
        }
    }
}

/// Cán bộ.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfficerView {
    pub id: uuid::Uuid,
    pub username: String,
    pub full_name: String,
    pub title: Option<String>,
    /// Role and agency of each grant.
    pub roles: Vec<RoleView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoleView {
    pub role: String,
    pub role_label: String,
    pub agency: String,
    pub agency_name: String,
}

impl OfficerView {
    pub fn of(o: &Officer, tree: &AgencyTree) -> Self {
        Self {
            id: o.id.0,
            username: o.username.clone(),
            full_name: o.full_name.to_string(),
            title: o.title.clone(),
            roles: o
                .grants
                .iter()
                .map(|g| RoleView {
                    role: wire_name(&g.role),
                    role_label: g.role.label().into(),
                    agency: g.agency.to_string(),
                    agency_name: tree
                        .get(&g.agency)
                        .map(|a| a.name.clone())
                        .unwrap_or_default(),
                })
                .collect(),
        }
    }
}

/// Một trường của dự thảo kết quả.
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftFieldView {
    pub key: String,
    pub label: String,
    pub required: bool,
    pub multiline: bool,
    pub max_chars: usize,
    /// Nội dung kết quả sẽ ghi: giá trị cán bộ nhập, hoặc lấy từ hồ sơ.
    pub value: String,
    /// Giá trị do cán bộ nhập (không phải lấy từ hồ sơ).
    pub entered: bool,
}

/// Dự thảo kết quả của hồ sơ.
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftView {
    /// Tên mẫu kết quả.
    pub template: String,
    pub fields: Vec<DraftFieldView>,
    /// Phiên bản dự thảo (0: chưa lưu lần nào).
    pub revision: u32,
    /// Các trường bắt buộc còn trống.
    pub missing: Vec<String>,
    /// Tệp PDF của dự thảo (có dấu "DỰ THẢO").
    pub pdf: String,
}

impl DraftView {
    pub fn of(v: app::results::DraftView, pdf: &str) -> Self {
        Self {
            template: v.template,
            fields: v
                .fields
                .into_iter()
                .map(|f| DraftFieldView {
                    key: f.field.key,
                    label: f.field.label,
                    required: f.field.required,
                    multiline: f.field.multiline,
                    max_chars: f.field.max_chars,
                    value: f.value,
                    entered: f.entered,
                })
                .collect(),
            revision: v.revision,
            missing: v.missing,
            pdf: pdf.to_string(),
        }
    }
}
