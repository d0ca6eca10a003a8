//! Cổng công dân qua API — public lookup by code (no personal data), online submission, and the
//! applicant's own follow-up (supplement, withdrawal), proven by the personal id number.

use app::App;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use domain::applicant::Applicant;
use domain::dossier::Command;
use domain::ids::Cccd;
use domain::officer::Actor;
use serde::Deserialize;
use utoipa::ToSchema;

use super::dto::{self, build};
use super::error::{ApiError, ApiJson, ApiPath, ErrorBody};
use super::views::{DossierView, PublicLookupView};

/// Tra cứu hồ sơ theo mã: chỉ mã, tên thủ tục, trạng thái và ngày hẹn trả.
#[utoipa::path(
    get, path = "/api/v1/public/lookup/{code}", tag = "Công dân",
    params(("code" = String, Path, description = "Mã hồ sơ in trên Giấy tiếp nhận")),
    responses((status = 200, body = PublicLookupView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub async fn lookup(
    State(app): State<App>,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<PublicLookupView>, ApiError> {
    Ok(Json(PublicLookupView::of(&app.public_lookup(&code).await?)))
}

/// Nộp hồ sơ trực tuyến (công dân): hồ sơ chờ Bộ phận Một cửa kiểm tra (trạng thái 1).
#[utoipa::path(
    post, path = "/api/v1/public/submissions", tag = "Công dân",
    request_body = dto::IntakeInput,
    responses((status = 201, body = PublicLookupView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub async fn submit(
    State(app): State<App>,
    ApiJson(input): ApiJson<dto::IntakeInput>,
) -> Result<impl IntoResponse, ApiError> {
    let req = input.parse()?;
    let Applicant::Citizen {
        name, id_number, ..
    } = &req.applicant
    else {
        return Err(ApiError::unprocessable(
            "citizen_only",
            "Nộp trực tuyến qua cổng này dành cho công dân; tổ chức nộp qua Cổng Dịch vụ công quốc gia hoặc tại Bộ phận Một cửa.",
        ));
    };
    let actor = Actor::Citizen {
        name: name.clone(),
        id_number: Some(id_number.clone()),
    };
    let d = app.submit_online(&actor, req).await?;
    let view = PublicLookupView {
        code: d.code.to_string(),
        procedure_name: d.procedure.name.clone(),
        national_status: i64::from(d.stage.national_status().code()),
        status_label: d.stage.national_status().label().into(),
        appointment: None,
    };
    Ok((
        StatusCode::CREATED,
        [(
            header::LOCATION,
            format!("/api/v1/public/lookup/{}", d.code),
        )],
        Json(view),
    ))
}

/// Người nộp chứng minh là chủ hồ sơ bằng số định danh cá nhân.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CitizenSupplementInput {
    pub id_number: String,
    pub components: Vec<dto::ComponentInput>,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CitizenWithdrawInput {
    pub id_number: String,
    pub reason: String,
}

async fn as_applicant(
    app: &App,
    code: &str,
    id_number: &str,
) -> Result<(Actor, domain::dossier::DossierId), ApiError> {
    let cccd = Cccd::parse(id_number)?;
    let code = domain::ids::DossierCode::parse(code)?;
    let not_found = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "dossier_not_found",
            "Không tìm thấy hồ sơ.",
        )
    };
    let id = app
        .db()
        .dossier_id_by_code(code.as_str())
        .await
        .map_err(app::AppError::from)?
        .ok_or_else(not_found)?;
    let d = app
        .db()
        .dossier(id)
        .await
        .map_err(app::AppError::from)?
        .ok_or_else(not_found)?;
    let Applicant::Citizen { name, .. } = &d.applicant else {
        return Err(not_found());
    };
    Ok((
        Actor::Citizen {
            name: name.clone(),
            id_number: Some(cccd),
        },
        id,
    ))
}

/// Nộp bổ sung hồ sơ trực tuyến theo yêu cầu, không tạo hồ sơ mới.
#[utoipa::path(
    post, path = "/api/v1/public/dossiers/{code}/supplement", tag = "Công dân",
    params(("code" = String, Path)),
    request_body = CitizenSupplementInput,
    responses((status = 200, body = PublicLookupView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody))
)]
pub async fn supplement(
    State(app): State<App>,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<CitizenSupplementInput>,
) -> Result<Json<PublicLookupView>, ApiError> {
    let (actor, id) = as_applicant(&app, &code, &input.id_number).await?;
    let command = build::submit_supplement(dto::SubmitSupplementInput {
        components: input.components,
        note: input.note,
    })?;
    let d = app.act(&actor, id, None, command).await?;
    Ok(Json(public_of(&DossierView::of(&d))))
}

/// Yêu cầu rút hồ sơ.
#[utoipa::path(
    post, path = "/api/v1/public/dossiers/{code}/withdrawal", tag = "Công dân",
    params(("code" = String, Path)),
    request_body = CitizenWithdrawInput,
    responses((status = 200, body = PublicLookupView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody))
)]
pub async fn withdraw(
    State(app): State<App>,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<CitizenWithdrawInput>,
) -> Result<Json<PublicLookupView>, ApiError> {
    let (actor, id) = as_applicant(&app, &code, &input.id_number).await?;
    let d = app
        .act(
            &actor,
            id,
            None,
            Command::RequestWithdrawal {
                reason: input.reason,
            },
        )
        .await?;
    Ok(Json(public_of(&DossierView::of(&d))))
}

fn public_of(d: &DossierView) -> PublicLookupView {
    PublicLookupView {
        code: d.code.clone(),
        procedure_name: d.procedure_name.clone(),
        national_status: i64::from(d.national_status),
        status_label: d.national_status_label.clone(),
        appointment: d.appointment.clone(),
    }
}
