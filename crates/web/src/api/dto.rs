//! Dữ liệu vào — request bodies, and their parsing into domain values. Every field is checked
//! here or in the domain; a request that fails changes nothing.

use app::intake::{GuidanceRequest, IntakeRequest};
use chrono::{DateTime, Utc};
use domain::agency::AgencyId;
use domain::applicant::{Address, Applicant};
use domain::dossier::*;
use domain::ids::{Cccd, Email, PersonName, PhoneNumber, ProcedureCode, TaxCode};
use domain::procedure::DocForm;
use lich::Limit;
use serde::Deserialize;
use utoipa::ToSchema;

use super::error::ApiError;

/// Parses an instant: RFC 3339, or Vietnamese local time "YYYY-MM-DD HH:MM".
pub fn instant(field: &str, text: &str) -> Result<DateTime<Utc>, ApiError> {
    lich::time::parse_instant(text)
        .map(|t| t.to_utc())
        .map_err(|_| {
            ApiError::unprocessable(
                "invalid_datetime",
                format!(
                    "\"{field}\": thời điểm \"{}\" không hợp lệ (ví dụ \"2026-12-07 09:00\" giờ Việt Nam).",
                    domain::error::shorten(text)
                ),
            )
        })
}

/// Parses a calendar day, YYYY-MM-DD.
pub fn day(field: &str, text: &str) -> Result<chrono::NaiveDate, ApiError> {
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        ApiError::unprocessable(
            "invalid_date",
            format!(
                "\"{field}\": ngày \"{}\" không hợp lệ (YYYY-MM-DD).",
                vntext::shorten(text)
            ),
        )
    })
}

fn limit(field: &str, text: &str) -> Result<Limit, ApiError> {
    text.parse::<Limit>()
        .map_err(|e| ApiError::unprocessable("invalid_limit", format!("\"{field}\": {e}")))
}

fn agency(text: &str) -> Result<AgencyId, ApiError> {
    Ok(AgencyId::parse(text)?)
}

/// Người nộp hồ sơ.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicantInput {
    /// `citizen` (công dân) or `organisation` (tổ chức).
    #[schema(pattern = "^(citizen|organisation)$")]
    pub kind: String,
    /// Họ tên công dân, or tên tổ chức.
    pub name: String,
    /// Số định danh cá nhân (12 chữ số) for a citizen.
    #[schema(format = "cccd")]
    pub id_number: Option<String>,
    /// Mã số thuế for an organisation.
    pub tax_code: Option<String>,
    /// Người đại diện of an organisation.
    pub representative: Option<String>,
    #[schema(format = "phone-number")]
    pub phone: Option<String>,
    #[schema(format = "email-address")]
    pub email: Option<String>,
    /// Số nhà, thôn, tổ.
    pub address_line: String,
    /// Mã xã (5 chữ số, QĐ 19/2025).
    #[schema(pattern = "^[0-9]{5}$")]
    pub commune_code: Option<String>,
    /// Full address as printed.
    #[schema(format = "required-text", max_length = 300)]
    pub address: String,
}

impl ApplicantInput {
    pub fn parse(&self) -> Result<Applicant, ApiError> {
        let phone = self
            .phone
            .as_deref()
            .filter(|p| !p.trim().is_empty())
            .map(PhoneNumber::parse)
            .transpose()?;
        let email = self
            .email
            .as_deref()
            .filter(|e| !e.trim().is_empty())
            .map(Email::parse)
            .transpose()?;
        let address = Address::new(
            &self.address_line,
            self.commune_code.as_deref(),
            &self.address,
        )?;
        let applicant = match self.kind.as_str() {
            "citizen" => Applicant::Citizen {
                name: PersonName::parse(&self.name)?,
                id_number: Cccd::parse(self.id_number.as_deref().ok_or_else(|| {
                    ApiError::unprocessable(
                        "invalid_cccd",
                        "Cần nhập số định danh cá nhân (12 chữ số).",
                    )
                })?)?,
                phone,
                email,
                address,
            },
            "organisation" => Applicant::Organisation {
                name: vntext::clean(&self.name),
                tax_code: TaxCode::parse(self.tax_code.as_deref().ok_or_else(|| {
                    ApiError::unprocessable("invalid_tax_code", "Cần nhập mã số thuế của tổ chức.")
                })?)?,
                representative: PersonName::parse(
                    self.representative.as_deref().unwrap_or_default(),
                )?,
                phone,
                email,
                address,
            },
            other => {
                return Err(ApiError::unprocessable(
                    "invalid_applicant_kind",
                    format!(
                        "Loại người nộp \"{other}\" không hợp lệ: dùng citizen hoặc organisation."
                    ),
                ));
            }
        };
        applicant.validate()?;
        Ok(applicant)
    }
}

/// Tệp đính kèm (already stored; referenced by its SHA-256).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileInput {
    #[schema(pattern = "^[0-9a-fA-F]{64}$")]
    pub sha256: String,
    #[schema(format = "required-text")]
    pub name: String,
    pub size: u64,
    pub media_type: String,
}

/// Thành phần hồ sơ đã nộp.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComponentInput {
    /// Key of the component in the procedure (see GET /api/v1/procedures/{code}).
    pub component: String,
    #[serde(default = "one")]
    #[schema(maximum = 255)]
    pub copies: u8,
    /// Số trang of each copy: needed where a fee counts pages (certification of copies).
    #[serde(default)]
    #[schema(maximum = 65535)]
    pub pages: Option<u16>,
    /// `original`, `copy`, `certified-copy`, `original-to-check`.
    #[schema(pattern = "^(original|copy|certified-copy|original-to-check)$")]
    pub form: Option<String>,
    /// Replaced by a lookup in a national database instead of paper.
    #[serde(default)]
    pub by_data: bool,
    #[serde(default)]
    pub files: Vec<FileInput>,
    /// Lấy từ kho dữ liệu: id of the applicant's earlier dossier holding `files` (see GET
    /// /api/v1/applicants/{id_number}/data-store); checked by the server.
    #[serde(default)]
    pub reused_from: Option<uuid::Uuid>,
}

fn one() -> u8 {
    1
}

impl ComponentInput {
    fn parse(&self) -> Result<SubmittedComponent, ApiError> {
        let form = match self.form.as_deref() {
            None => DocForm::Original,
            Some(key) => domain::from_wire_name::<DocForm>(key).ok_or_else(|| {
                ApiError::unprocessable(
                    "invalid_form",
                    format!("Loại bản \"{}\" không hợp lệ.", domain::error::shorten(key)),
                )
            })?,
        };
        let files = self
            .files
            .iter()
            .map(|f| {
                let ok = f.sha256.len() == 64 && f.sha256.bytes().all(|b| b.is_ascii_hexdigit());
                if !ok || f.name.trim().is_empty() {
                    return Err(ApiError::unprocessable(
                        "invalid_file",
                        format!(
                            "Tệp \"{}\" không hợp lệ (cần tên và mã SHA-256).",
                            domain::error::shorten(&f.name)
                        ),
                    ));
                }
                Ok(FileRef {
                    sha256: f.sha256.to_lowercase(),
                    name: vntext::clean(&f.name),
                    size: f.size,
                    media_type: f.media_type.clone(),
                    signature: None,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(SubmittedComponent {
            component: self.component.trim().to_string(),
            name: String::new(),
            form,
            copies: self.copies,
            pages: self.pages,
            by_data: self.by_data,
            files,
            reused: self.reused_from.map(|id| domain::dossier::Reused {
                dossier: domain::dossier::DossierId(id),
                code: String::new(),
                result_code: None,
            }),
        })
    }
}

fn components(list: &[ComponentInput]) -> Result<Vec<SubmittedComponent>, ApiError> {
    list.iter().map(ComponentInput::parse).collect()
}

/// Hình thức nhận kết quả.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnInput {
    /// `counter`, `post` or `electronic`.
    #[schema(pattern = "^(counter|post|electronic)$")]
    pub kind: String,
    /// Delivery address when `post`.
    pub address: Option<String>,
}

impl ReturnInput {
    fn parse(&self) -> Result<ReturnMethod, ApiError> {
        match self.kind.as_str() {
            "counter" => Ok(ReturnMethod::Counter),
            "electronic" => Ok(ReturnMethod::Electronic),
            "post" => {
                let address = vntext::clean(self.address.as_deref().unwrap_or_default());
                if address.is_empty() {
                    return Err(ApiError::unprocessable(
                        "address_required",
                        "Nhận qua bưu chính cần địa chỉ nhận.",
                    ));
                }
                Ok(ReturnMethod::Post { address })
            }
            other => Err(ApiError::unprocessable(
                "invalid_return_method",
                format!(
                    "Hình thức nhận kết quả \"{other}\" không hợp lệ: counter, post hoặc electronic."
                ),
            )),
        }
    }
}

/// Hồ sơ mới.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntakeInput {
    /// Mã thủ tục, e.g. `1.004884`.
    #[schema(format = "procedure-code")]
    pub procedure_code: String,
    /// Bộ phận Một cửa tiếp nhận (an agency id); default: the officer's own.
    #[schema(format = "agency-id")]
    pub receiving: Option<String>,
    pub applicant: ApplicantInput,
    pub components: Vec<ComponentInput>,
    pub return_method: ReturnInput,
    /// Reason of a fee exemption.
    pub fee_exemption: Option<String>,
    /// Where the applicant was helped, when elsewhere.
    #[schema(format = "agency-id")]
    pub helped_at: Option<String>,
    /// Where the applicant's details came from; the server keeps what it can confirm.
    #[serde(default)]
    pub provenance: Option<ProvenanceInput>,
}

/// Nguồn thông tin người nộp.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProvenanceInput {
    /// Mã tra cứu (MaCSDL) of a lookup made through GET /api/v1/population/{id_number}.
    pub population_ref: Option<String>,
    /// The fields filled from data.
    #[serde(default)]
    pub filled: Vec<FilledInput>,
}

/// Một thông tin điền từ dữ liệu.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FilledInput {
    /// `name`, `id-number`, `organisation-name`, `tax-code`, `address`, `phone` or `email`.
    pub field: String,
    /// `identity` (VNeID), `population` (the lookup) or `earlier-dossier`.
    pub source: String,
}

impl ProvenanceInput {
    pub fn parse(&self) -> Result<app::provenance::ProvenanceClaim, ApiError> {
        let bad = || {
            ApiError::unprocessable(
                "invalid_provenance",
                "Nguồn thông tin không hợp lệ: field là name, id-number, organisation-name, tax-code, address, phone hoặc email; source là identity, population hoặc earlier-dossier.",
            )
        };
        if self.filled.len() > 16 {
            return Err(bad());
        }
        let filled = self
            .filled
            .iter()
            .map(|f| {
                Ok(domain::dossier::Filled {
                    field: domain::dossier::ApplicantField::parse(&f.field).ok_or_else(bad)?,
                    source: domain::from_wire_name(&f.source).ok_or_else(bad)?,
                })
            })
            .collect::<Result<_, ApiError>>()?;
        Ok(app::provenance::ProvenanceClaim {
            population_ref: self
                .population_ref
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            filled,
            portal_vneid: false,
        })
    }
}

impl IntakeInput {
    pub fn parse(&self) -> Result<IntakeRequest, ApiError> {
        Ok(IntakeRequest {
            procedure: ProcedureCode::parse(&self.procedure_code)?,
            receiving: self.receiving.as_deref().map(agency).transpose()?,
            applicant: self.applicant.parse()?,
            components: components(&self.components)?,
            return_method: self.return_method.parse()?,
            fee_exemption: self
                .fee_exemption
                .as_deref()
                .map(vntext::clean)
                .filter(|s| !s.is_empty()),
            helped_at: self.helped_at.as_deref().map(agency).transpose()?,
            idempotency: None,
            provenance: self
                .provenance
                .as_ref()
                .map(ProvenanceInput::parse)
                .transpose()?
                .unwrap_or_default(),
        })
    }
}

/// Từ chối tiếp nhận.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefusalInput {
    pub intake: IntakeInput,
    #[schema(format = "required-text", max_length = 2000)]
    pub reason: String,
    #[schema(format = "required-text", max_length = 500)]
    pub legal_basis: String,
}

/// Tiếp nhận qua bưu chính.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostalInput {
    pub intake: IntakeInput,
    #[schema(format = "required-text", max_length = 50)]
    pub bill_number: String,
    #[schema(format = "required-text", max_length = 50)]
    pub handover_record: String,
    /// Thời điểm ký biên bản giao nhận (the legal submission time).
    #[schema(format = "local-time")]
    pub handover_signed_at: String,
    #[schema(format = "required-text", max_length = 200)]
    pub postal_worker: String,
    #[serde(default)]
    pub fees_collected: i64,
}

impl PostalInput {
    pub fn postal(&self) -> Result<PostalIntake, ApiError> {
        Ok(PostalIntake {
            bill_number: self.bill_number.clone(),
            handover_record: self.handover_record.clone(),
            handover_signed_at: instant("handover_signed_at", &self.handover_signed_at)?,
            postal_worker: self.postal_worker.clone(),
            fees_collected: self.fees_collected,
        })
    }
}

/// Mở hồ sơ đính chính, cấp lại.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionInput {
    pub intake: IntakeInput,
    #[schema(format = "required-text", max_length = 2000)]
    pub reason: String,
}

/// Hướng dẫn (kể cả phiếu yêu cầu bổ sung khi chưa tiếp nhận).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GuidanceInput {
    #[schema(format = "agency-id")]
    pub agency: Option<String>,
    /// Tại quầy, điện thoại, trực tuyến…
    #[schema(format = "required-text", max_length = 50)]
    pub channel: String,
    #[schema(format = "required-text", max_length = 200)]
    pub applicant_name: String,
    pub contact: Option<String>,
    #[schema(format = "procedure-code")]
    pub procedure_code: Option<String>,
    #[schema(format = "required-text", max_length = 4000)]
    pub content: String,
    #[serde(default)]
    pub missing: Vec<String>,
}

impl GuidanceInput {
    pub fn parse(&self) -> Result<GuidanceRequest, ApiError> {
        Ok(GuidanceRequest {
            agency: self.agency.as_deref().map(agency).transpose()?,
            channel: self.channel.clone(),
            applicant_name: self.applicant_name.clone(),
            contact: self.contact.clone(),
            procedure: self
                .procedure_code
                .as_deref()
                .map(ProcedureCode::parse)
                .transpose()?,
            content: self.content.clone(),
            missing: self.missing.clone(),
            idempotency: None,
        })
    }
}

// ---- command bodies ----------------------------------------------------------------------------

/// A reason with its legal basis.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonInput {
    #[schema(format = "required-text", max_length = 2000)]
    pub reason: String,
    #[schema(format = "required-text", max_length = 500)]
    pub legal_basis: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferInput {
    /// Đơn vị chuyên môn nhận hồ sơ (agency id).
    #[schema(format = "agency-id")]
    pub to_unit: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignInput {
    pub officer_id: uuid::Uuid,
    /// Required when reassigning.
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteInput {
    pub text: String,
}

/// Dự thảo kết quả: giá trị các trường của mẫu kết quả (tên trường → nội dung); trường không
/// gửi giữ giá trị lần lưu trước, chuỗi rỗng xóa giá trị.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftInput {
    pub fields: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerificationInput {
    #[schema(format = "local-time")]
    pub at: String,
    #[schema(format = "required-text", max_length = 500)]
    pub place: String,
    #[schema(format = "required-text", max_length = 1000)]
    pub participants: String,
    #[schema(format = "required-text", max_length = 4000)]
    pub content: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsultationInput {
    #[schema(format = "agency-id")]
    pub unit: String,
    #[schema(format = "required-text", max_length = 4000)]
    pub content: String,
    /// Thời hạn trả lời, e.g. "2 ngày làm việc".
    #[schema(format = "time-limit")]
    pub limit: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    #[schema(format = "required-text", max_length = 4000)]
    pub answer: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegInput {
    #[schema(format = "agency-id")]
    pub agency: String,
    #[schema(format = "required-text", max_length = 1000)]
    pub task: String,
    #[schema(format = "time-limit")]
    pub limit: String,
    #[serde(default)]
    pub upper_level: bool,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InterconnectionInput {
    /// `sequential` (paper, in order) or `parallel` (electronic, all at once).
    #[schema(pattern = "^(sequential|parallel)$")]
    pub mode: String,
    pub legs: Vec<LegInput>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegResultInput {
    #[schema(format = "required-text", max_length = 2000)]
    pub result: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemInput {
    /// The component concerned, if any.
    pub component: Option<String>,
    #[schema(format = "required-text", max_length = 1000)]
    pub text: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplementInput {
    #[schema(min_items = 1)]
    pub items: Vec<ItemInput>,
    pub reason: String,
    /// At appraisal; not needed for intake guidance.
    pub legal_basis: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitSupplementInput {
    pub components: Vec<ComponentInput>,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FinancialInput {
    pub description: String,
    pub legal_basis: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WaitInput {
    pub reason: String,
    pub legal_basis: String,
    /// Whether the law stops the dossier's own clock meanwhile.
    #[serde(default)]
    pub stops_clock: bool,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OptionalNoteInput {
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtendInput {
    /// e.g. "5 ngày làm việc".
    #[schema(format = "time-limit")]
    pub amount: String,
    #[schema(format = "required-text", max_length = 2000)]
    pub reason: String,
    #[schema(format = "required-text", max_length = 500)]
    pub legal_basis: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForwardInput {
    #[serde(default)]
    pub note: String,
    /// For a step held by a specialised unit.
    #[schema(format = "agency-id")]
    pub to_unit: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideInput {
    /// `approved` or `refused`.
    #[schema(pattern = "^(approved|refused)$")]
    pub outcome: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub legal_basis: String,
    /// Mã PIN (hoặc mật khẩu) khóa ký số cá nhân, for an approver who signs the result with
    /// the approval; used once, never stored.
    #[serde(default)]
    pub pin: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueInput {
    /// Số kết quả.
    #[schema(format = "required-text", max_length = 100)]
    pub number: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApologyInput {
    pub reason: String,
    /// Ngày hẹn trả mới.
    #[schema(format = "local-time")]
    pub new_appointment: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawInput {
    #[schema(format = "required-text", max_length = 2000)]
    pub reason: String,
}

/// Thu phí, lệ phí.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    /// Số tiền (đồng), at most what is left to pay.
    #[schema(minimum = 1)]
    pub amount: i64,
    /// `cash` (tiền mặt), `bank-transfer` (chuyển khoản) or `postal` (qua bưu chính). Online
    /// payments are recorded by the payment gateway's confirmation, not by hand.
    #[schema(pattern = "^(cash|bank-transfer|postal)$")]
    pub method: String,
    /// Mã giao dịch, số chứng từ — required but for cash.
    pub reference: Option<String>,
    /// Người nộp tiền, when not the applicant.
    pub payer: Option<String>,
}

/// Thêm nghĩa vụ tài chính.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeeInput {
    /// Tên khoản phải nộp, e.g. "Lệ phí trước bạ".
    #[schema(format = "required-text", max_length = 300)]
    pub name: String,
    /// Số tiền (đồng).
    #[schema(minimum = 1)]
    pub amount: i64,
    /// Căn cứ: the notice of the agency that set the amount.
    #[schema(format = "required-text", max_length = 500)]
    pub legal_basis: String,
}

/// Miễn, giảm or hoàn trả: an amount and why.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmountReasonInput {
    /// Số tiền (đồng).
    #[schema(minimum = 1)]
    pub amount: i64,
    #[schema(format = "required-text", max_length = 1000)]
    pub reason: String,
}

/// Thay thế biên lai: the receipt, the corrected payer (if any) and why.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptReplaceInput {
    /// Ký hiệu biên lai, e.g. "BT-26E".
    pub series: String,
    /// Số biên lai.
    pub number: u32,
    /// Tên người nộp đúng, when that is what was wrong.
    #[serde(default)]
    pub payer: Option<String>,
    pub reason: String,
}

/// Hủy biên lai: the receipt and why.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptCancelInput {
    pub series: String,
    pub number: u32,
    pub reason: String,
}

/// Thu hồi hồ sơ chuyển nhầm.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecallInput {
    /// Lý do thu hồi, e.g. "chuyển nhầm đơn vị".
    #[schema(format = "required-text", max_length = 2000)]
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EarlyReturnInput {
    /// SMS, thư điện tử, điện thoại…
    #[schema(format = "required-text", max_length = 100)]
    pub channel: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnResultInput {
    #[schema(format = "required-text", max_length = 200)]
    pub received_by: String,
    #[serde(default)]
    pub originals_returned: Vec<String>,
    pub postal_bill: Option<String>,
    /// Thu phí khi trả kết quả: what is still owed, paid now (procedures that collect their fees
    /// at return only; the amount is all that is owed).
    pub collected: Option<CollectionInput>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CollectionInput {
    /// `cash`, `bank-transfer` hoặc `postal`.
    #[schema(pattern = "^(cash|bank-transfer|postal)$")]
    pub method: String,
    /// Mã giao dịch, số chứng từ (bắt buộc trừ tiền mặt).
    pub reference: Option<String>,
    /// Người nộp tiền (mặc định người nộp hồ sơ).
    pub payer: Option<String>,
}

/// Builds domain commands from bodies.
pub mod build {
    use super::*;

    pub fn transfer(i: TransferInput) -> Result<Command, ApiError> {
        Ok(Command::Transfer {
            to_unit: agency(&i.to_unit)?,
        })
    }

    pub fn verification(i: VerificationInput) -> Result<Command, ApiError> {
        Ok(Command::RecordVerification {
            verification: Verification {
                at: instant("at", &i.at)?,
                place: i.place,
                participants: i.participants,
                content: i.content,
            },
        })
    }

    pub fn consultation(i: ConsultationInput) -> Result<Command, ApiError> {
        Ok(Command::RequestConsultation {
            unit: agency(&i.unit)?,
            content: i.content,
            limit: limit("limit", &i.limit)?,
        })
    }

    pub fn interconnection(i: InterconnectionInput) -> Result<Command, ApiError> {
        let mode = match i.mode.as_str() {
            "sequential" => InterconnectionMode::Sequential,
            "parallel" => InterconnectionMode::Parallel,
            other => {
                return Err(ApiError::unprocessable(
                    "invalid_mode",
                    format!(
                        "Cách liên thông \"{}\" không hợp lệ: sequential hoặc parallel.",
                        domain::error::shorten(other)
                    ),
                ));
            }
        };
        let legs = i
            .legs
            .into_iter()
            .map(|l| {
                Ok(LegPlan {
                    agency: agency(&l.agency)?,
                    task: l.task,
                    limit: limit("limit", &l.limit)?,
                    upper_level: l.upper_level,
                })
            })
            .collect::<Result<_, ApiError>>()?;
        Ok(Command::StartInterconnection { mode, legs })
    }

    fn items(list: Vec<ItemInput>) -> Vec<SupplementItem> {
        list.into_iter()
            .map(|i| SupplementItem {
                component: i.component.filter(|c| !c.trim().is_empty()),
                text: i.text,
            })
            .collect()
    }

    pub fn intake_supplement(i: SupplementInput) -> Command {
        Command::RequestIntakeSupplement {
            items: items(i.items),
            reason: i.reason,
        }
    }

    pub fn supplement(i: SupplementInput) -> Command {
        Command::RequestSupplement {
            items: items(i.items),
            reason: i.reason,
            legal_basis: i.legal_basis.unwrap_or_default(),
        }
    }

    pub fn submit_supplement(i: SubmitSupplementInput) -> Result<Command, ApiError> {
        Ok(Command::SubmitSupplement {
            components: components(&i.components)?,
            note: i.note,
        })
    }

    pub fn extend(i: ExtendInput) -> Result<Command, ApiError> {
        Ok(Command::Extend {
            amount: limit("amount", &i.amount)?,
            reason: i.reason,
            legal_basis: i.legal_basis,
        })
    }

    pub fn forward(i: ForwardInput) -> Result<Command, ApiError> {
        Ok(Command::Forward {
            note: i.note,
            to_unit: i.to_unit.as_deref().map(agency).transpose()?,
        })
    }

    pub fn payment(i: PaymentInput) -> Result<Command, ApiError> {
        Ok(Command::RecordPayment {
            amount: i.amount,
            method: manual_method(&i.method)?,
            reference: i.reference,
            payer: i.payer,
        })
    }

    pub fn collection(i: CollectionInput) -> Result<domain::dossier::Collection, ApiError> {
        Ok(domain::dossier::Collection {
            method: manual_method(&i.method)?,
            reference: i.reference,
            payer: i.payer,
        })
    }

    /// A way of paying an officer records by hand (an online payment is the gateway's to
    /// confirm).
    fn manual_method(text: &str) -> Result<PaymentMethod, ApiError> {
        match PaymentMethod::parse(text) {
            Some(PaymentMethod::Online) => Err(ApiError::unprocessable(
                "online_by_gateway",
                "Khoản thanh toán trực tuyến do cổng thanh toán xác nhận, không ghi tay.",
            )),
            Some(m) => Ok(m),
            None => Err(ApiError::unprocessable(
                "invalid_method",
                "Hình thức nộp không hợp lệ: cash, bank-transfer hoặc postal.",
            )),
        }
    }

    pub fn decide(i: DecideInput) -> Result<Command, ApiError> {
        let outcome = match i.outcome.as_str() {
            "approved" => Outcome::Approved,
            "refused" => Outcome::Refused,
            other => {
                return Err(ApiError::unprocessable(
                    "invalid_outcome",
                    format!(
                        "Kết quả \"{}\" không hợp lệ: approved hoặc refused.",
                        domain::error::shorten(other)
                    ),
                ));
            }
        };
        let signature = match i.pin {
            Some(pin) if !pin.is_empty() => {
                if pin.chars().count() > 128 {
                    return Err(ApiError::unprocessable(
                        "invalid_pin",
                        "Mã PIN dài quá 128 ký tự.",
                    ));
                }
                ApprovalSignature::Pin(Secret::new(pin))
            }
            _ => ApprovalSignature::None,
        };
        Ok(Command::Decide {
            outcome,
            reason: i.reason,
            legal_basis: i.legal_basis,
            signature,
        })
    }

    pub fn apology(i: ApologyInput) -> Result<Command, ApiError> {
        Ok(Command::Apologize {
            reason: i.reason,
            new_appointment: instant("new_appointment", &i.new_appointment)?,
        })
    }
}
