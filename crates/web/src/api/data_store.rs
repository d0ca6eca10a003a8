//! Kho dữ liệu của người nộp, for the counter receiving their new dossier.

use app::App;
use app::data_store::{HeldDocument, HeldKind};
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::Authed;
use super::error::{ApiError, ApiPath, ErrorBody};
use super::views::vn;

/// Một giấy tờ trong kho dữ liệu.
#[derive(Debug, Serialize, ToSchema)]
pub struct HeldView {
    /// `component` (thành phần của hồ sơ trước) hoặc `result` (kết quả điện tử).
    pub kind: String,
    pub name: String,
    /// Mã thành phần trong thủ tục của hồ sơ trước.
    pub component: Option<String>,
    pub procedure_code: String,
    /// Hồ sơ chứa giấy tờ: đặt vào `reused_from` của thành phần khi dùng lại.
    pub dossier_id: String,
    pub dossier_code: String,
    pub issuer: String,
    pub at: String,
    pub sha256: String,
    pub file_name: String,
    pub size: u64,
    pub media_type: String,
    pub result_code: Option<String>,
}

impl HeldView {
    fn of(h: HeldDocument) -> Self {
        Self {
            kind: match h.kind {
                HeldKind::Component => "component",
                HeldKind::Result => "result",
            }
            .into(),
            name: h.name,
            component: h.component,
            procedure_code: h.procedure_code,
            dossier_id: h.dossier.0.to_string(),
            dossier_code: h.dossier_code,
            issuer: h.issuer,
            at: vn(h.at),
            sha256: h.file.sha256,
            file_name: h.file.name,
            size: h.file.size,
            media_type: h.file.media_type,
            result_code: h.result_code,
        }
    }
}

/// Kho dữ liệu của người nộp (theo số định danh cá nhân hoặc mã số thuế): thành phần đã số hóa
/// của các hồ sơ trước và kết quả điện tử đã cấp, để đính kèm vào hồ sơ mới thay cho bản quét
/// mới (`reused_from`). Dành cho cán bộ tiếp nhận.
#[utoipa::path(
    get, path = "/api/v1/applicants/{id_number}/data-store", tag = "Hồ sơ",
    params(("id_number" = String, Path, description = "Số định danh cá nhân hoặc mã số thuế")),
    responses((status = 200, body = Vec<HeldView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
pub async fn list(
    State(app): State<App>,
    Authed(actor): Authed,
    ApiPath(id_number): ApiPath<String>,
) -> Result<Json<Vec<HeldView>>, ApiError> {
    let held = app.queries().data_store(&actor, &id_number).await?;
    Ok(Json(held.into_iter().map(HeldView::of).collect()))
}
