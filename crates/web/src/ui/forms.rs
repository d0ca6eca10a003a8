//! Giấy tờ của hồ sơ — every official form of one dossier as a PDF, filled from its events:
//! the receipt or refusal (Mẫu 01, 03), each supplement request (Mẫu 02), the apology and new
//! date (Mẫu 04), the control slip (Mẫu 05), the transfer record to the competent agency, the
//! return record and, for a dossier that came by post, the postal handover record.
//! `GET /can-bo/ho-so/{id}/giay-to/{form}`; the dossier page lists the ones that apply.

use app::App;
use app::queries::DossierDetail;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Datelike, Timelike, Utc};
use domain::agency::{AgencyId, AgencyTree};
use domain::dossier::{Dossier, Event, Outcome, Stage};
use serde::Deserialize;

use super::session::Viewer;
use super::{UiError, day, money};

/// A form of a dossier that can be printed now: its address part and its name.
pub struct FormLink {
    pub slug: &'static str,
    pub label: String,
}

/// The forms a dossier has, in the order they were made.
pub fn available(detail: &DossierDetail) -> Vec<FormLink> {
    let d = &detail.dossier;
    let mut out = Vec::new();
    let mut add = |slug, label: String| out.push(FormLink { slug, label });
    if d.stage == Stage::RefusedAtIntake {
        add("mau-03", "Phiếu từ chối tiếp nhận (Mẫu 03)".into());
        return out;
    }
    if d.received_at.is_some() {
        add(
            "mau-01",
            "Giấy tiếp nhận và hẹn trả kết quả (Mẫu 01)".into(),
        );
    }
    if d.postal.is_some() {
        add("buu-chinh", "Biên bản giao nhận hồ sơ qua bưu chính".into());
    }
    if transfer(detail).is_some() {
        add(
            "giao-nhan",
            "Phiếu giao nhận hồ sơ đến cơ quan giải quyết".into(),
        );
    }
    for (i, s) in d.supplements.iter().enumerate() {
        let label = format!(
            "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ ngày {} (Mẫu 02)",
            day(s.requested_at)
        );
        out.push(FormLink {
            slug: SUPPLEMENT_SLUGS.get(i).copied().unwrap_or("mau-02"),
            label,
        });
    }
    let mut add = |slug, label: String| out.push(FormLink { slug, label });
    if d.apology.is_some() {
        add(
            "mau-04",
            "Phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)".into(),
        );
    }
    if d.received_at.is_some() {
        add(
            "mau-05",
            "Phiếu kiểm soát quá trình giải quyết hồ sơ (Mẫu 05)".into(),
        );
    }
    if d.returned.is_some() {
        add("tra-ket-qua", "Phiếu trả kết quả".into());
    }
    out
}

/// Address parts of the supplement requests in order: `mau-02` is the first, `mau-02?lan=2`
/// would not fit a static list, so each has its own name.
const SUPPLEMENT_SLUGS: &[&str] = &[
    "mau-02", "mau-02-2", "mau-02-3", "mau-02-4", "mau-02-5", "mau-02-6", "mau-02-7", "mau-02-8",
    "mau-02-9",
];

#[derive(Debug, Deserialize)]
pub struct FormQuery {
    /// `tai=1`: download rather than open in the browser.
    #[serde(default)]
    tai: Option<String>,
}

/// `GET /can-bo/ho-so/{id}/giay-to/{form}`: one form of the dossier as a PDF.
pub async fn form(
    State(app): State<App>,
    viewer: Viewer,
    Extension(ui): Extension<super::UiOptions>,
    Path((id, form)): Path<(String, String)>,
    Query(q): Query<FormQuery>,
) -> Result<Response, UiError> {
    let detail = load(&app, &viewer, &id).await?;
    let lookup = format!("{}/tra-cuu", ui.documents.public_url);
    let (template, data) = fill(&app, &detail, &form, &lookup).ok_or_else(|| {
        UiError::new(
            StatusCode::NOT_FOUND,
            "Hồ sơ này không có giấy tờ đó (chưa phát sinh, hoặc tên giấy tờ không đúng).",
        )
    })?;
    let file = format!("{form}-{}.pdf", detail.dossier.code);
    ui.documents
        .pdf(template, data, file, q.tai.is_some())
        .await
}

/// The dossier an officer may read, with its events.
pub(super) async fn load(app: &App, viewer: &Viewer, id: &str) -> Result<DossierDetail, UiError> {
    let (_, actor) = viewer.require_officer()?;
    let id = uuid::Uuid::parse_str(id)
        .map_err(|_| UiError::new(StatusCode::NOT_FOUND, "Không tìm thấy hồ sơ."))?;
    Ok(app
        .queries()
        .dossier_detail(actor, domain::dossier::DossierId(id), None)
        .await?)
}

/// The template and data of a form of the dossier, or `None` when it has no such form.
pub(super) fn fill(
    app: &App,
    detail: &DossierDetail,
    form: &str,
    lookup: &str,
) -> Option<(&'static str, giayto::Data)> {
    let d = &detail.dossier;
    let tree = app.agencies();
    let refused = d.stage == Stage::RefusedAtIntake;
    let received = d.received_at.unwrap_or(d.opened_at);
    match form {
        "mau-01" if !refused && d.received_at.is_some() => {
            Some(("mau-01", receipt(app, detail, &tree, lookup)))
        }
        "mau-03" if refused => Some(("mau-03", receipt(app, detail, &tree, lookup))),
        "mau-04" => {
            let a = d.apology.as_ref()?;
            let mut data = common(d, &tree, lookup, a.issued_at);
            data.set("co_quan", tree.name_of(&d.competent))
                .set("ngay_nhan", day(received))
                .set("ngay_hen_cu", day(a.previous_appointment))
                .set("ngay_hen_moi", long_day(a.new_appointment))
                .set("ly_do", a.reason.clone())
                .set("nguoi_ky", a.actor.name.clone());
            Some(("mau-04", data))
        }
        "mau-05" if d.received_at.is_some() => {
            let mut data = common(d, &tree, lookup, received);
            data.list("giao_nhan");
            for r in &detail.control_slip {
                data.push_row(
                    "giao_nhan",
                    [
                        ("co_quan", format!("1. Giao: {}\n2. Nhận: {}", r.from, r.to)),
                        ("thoi_gian", long_time(r.at)),
                        ("ket_qua", r.result.map_or("", |t| t.label()).to_string()),
                        ("ghi_chu", r.note.clone()),
                    ],
                );
            }
            Some(("mau-05", data))
        }
        "giao-nhan" => {
            let (at, from, to, handler) = transfer(detail)?;
            let mut data = common(d, &tree, lookup, at);
            let files = d.components.iter().filter(|c| !c.files.is_empty()).count();
            data.set("ben_giao", tree.name_of(&d.receiving))
                .set("ben_nhan", tree.name_of(&to))
                .set("thoi_gian", long_time(at))
                .set(
                    "tep_dien_tu",
                    if files == 0 {
                        String::new()
                    } else {
                        format!("{files} thành phần đã số hóa, chuyển trên hệ thống")
                    },
                )
                .set("nguoi_giao", from)
                .set("nguoi_nhan", handler);
            components(&mut data, d);
            Some(("giao-nhan", data))
        }
        "tra-ket-qua" => {
            let r = d.returned.as_ref()?;
            let mut data = common(d, &tree, lookup, r.at);
            let officer = detail
                .events
                .iter()
                .rev()
                .find(|e| matches!(e.event, Event::Returned { .. }))
                .map(|e| e.actor.name.clone())
                .unwrap_or_default();
            let result = match d.decision.as_ref().map(|x| x.outcome) {
                Some(Outcome::Approved) => d.procedure.result_name.clone(),
                Some(Outcome::Refused) => format!(
                    "Từ chối giải quyết: {}",
                    d.decision.as_ref().map(|x| x.reason.as_str()).unwrap_or("")
                ),
                None => d.procedure.result_name.clone(),
            };
            data.set("ket_qua", result)
                .set(
                    "so_ket_qua",
                    d.decision
                        .as_ref()
                        .and_then(|x| x.number.clone())
                        .unwrap_or_default(),
                )
                .set("thoi_gian_tra_thuc_te", long_time(r.at))
                .set(
                    "dung_han",
                    match detail.timing.tt01 {
                        Some(t) => format!("Giải quyết {}", t.label().to_lowercase()),
                        None => String::new(),
                    },
                )
                .set("hinh_thuc", r.method.label())
                .set("so_buu_gui", r.postal_bill.clone().unwrap_or_default())
                .set(
                    "co_ban_chinh",
                    if r.originals_returned.is_empty() {
                        ""
                    } else {
                        "có"
                    },
                )
                .set("nguoi_nhan", r.received_by.clone())
                .set("can_bo", officer);
            data.list("ban_chinh");
            for (i, name) in r.originals_returned.iter().enumerate() {
                data.push_row(
                    "ban_chinh",
                    [("stt", (i + 1).to_string()), ("ten", name.clone())],
                );
            }
            Some(("tra-ket-qua", data))
        }
        "buu-chinh" => {
            let p = d.postal.as_ref()?;
            let mut data = common(d, &tree, lookup, p.handover_signed_at);
            data.set("so_bien_ban", p.handover_record.clone())
                .set("thoi_gian_ky", long_time(p.handover_signed_at))
                .set("nhan_vien_buu_chinh", p.postal_worker.clone())
                .set("can_bo", receiving_officer(detail))
                .set(
                    "tong_phi",
                    if p.fees_collected > 0 {
                        money(p.fees_collected)
                    } else {
                        String::new()
                    },
                );
            data.push_row(
                "ho_so",
                [
                    ("stt", "1".to_string()),
                    ("so_buu_gui", p.bill_number.clone()),
                    ("nguoi_gui", d.applicant.display_name().to_string()),
                    ("thu_tuc", d.procedure.name.clone()),
                    ("ma_ho_so", d.code.to_string()),
                    ("phi", thousands(p.fees_collected)),
                ],
            );
            Some(("buu-chinh", data))
        }
        other => {
            // Mẫu 02: `mau-02` is the first request, `mau-02-N` the N-th.
            let n = match other.strip_prefix("mau-02") {
                Some("") => 1,
                Some(rest) => rest.strip_prefix('-')?.parse::<usize>().ok()?,
                None => return None,
            };
            let s = d.supplements.get(n.checked_sub(1)?)?;
            let mut data = common(d, &tree, lookup, s.requested_at);
            data.set(
                "noi_yeu_cau",
                if s.at_intake {
                    tree.name_of(&d.receiving)
                } else {
                    tree.name_of(&d.competent)
                },
            )
            .set("ly_do", s.reason.clone())
            .set("can_cu", s.legal_basis.clone())
            .set("can_bo", s.actor.name.clone());
            numbered(
                &mut data,
                s.items.iter().map(|item| match &item.component {
                    Some(c) if !item.text.contains(c.as_str()) => format!("{c}: {}", item.text),
                    _ => item.text.clone(),
                }),
            );
            Some(("mau-02", data))
        }
    }
}

/// The numbered rows of Mẫu 02's table of what to supplement.
fn numbered(data: &mut giayto::Data, items: impl Iterator<Item = String>) {
    data.list("noi_dung");
    for (i, text) in items.enumerate() {
        data.push_row(
            "noi_dung",
            [("stt", (i + 1).to_string()), ("noi_dung", text)],
        );
    }
}

/// Mẫu 02 of guidance at the counter (Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ for a dossier
/// that was not received): no dossier code, nothing to follow on the lookup.
pub(super) fn guidance_slip(tree: &AgencyTree, g: &app::intake::GuidanceRecord) -> giayto::Data {
    let centre = AgencyId::parse(&g.agency)
        .map(|a| {
            (
                tree.name_of(&a),
                tree.committee_of(&a).map(|c| c.name.to_uppercase()),
            )
        })
        .unwrap_or_else(|_| (g.agency.clone(), None));
    let on = lich::time::to_vn(&g.at);
    let mut data = giayto::Data::new();
    data.set("co_quan_cap_tren", centre.1.unwrap_or_default())
        .set("dia_danh", domain::agency::place_name(&centre.0))
        .set("bo_phan", centre.0.clone())
        .set("noi_yeu_cau", centre.0)
        .set("ma_ho_so", "chưa tiếp nhận")
        .set("ngay", format!("{:02}", on.day()))
        .set("thang", format!("{:02}", on.month()))
        .set("nam", on.year().to_string())
        .set("nguoi_nop", g.applicant_name.clone())
        .set("dia_chi", "")
        .set(
            "lien_he",
            g.contact
                .as_deref()
                .map(|c| format!("Điện thoại: {c}"))
                .unwrap_or_default(),
        )
        .set("thu_tuc", g.procedure_name.clone().unwrap_or_default())
        .set("ly_do", g.content.clone())
        .set("can_cu", "")
        .set("can_bo", g.officer_name.clone())
        .set("duong_dan_tra_cuu", "")
        .set("dia_chi_tra_cuu", "");
    numbered(&mut data, g.missing.iter().cloned());
    data
}

/// Mẫu 01 or 03: the receipt's own fields.
fn receipt(app: &App, detail: &DossierDetail, tree: &AgencyTree, lookup: &str) -> giayto::Data {
    let d = &detail.dossier;
    let received = d.received_at.unwrap_or(d.opened_at);
    let mut data = common(d, tree, lookup, received);
    let (reason, basis) = d
        .refusal
        .as_ref()
        .map(|r| (r.reason.clone(), r.legal_basis.clone()))
        .unwrap_or_default();
    data.set("so_bo", "01")
        .set("thoi_han", d.procedure.limit.to_string())
        .set("nhan_ket_qua", d.return_method.label())
        .set("phi_le_phi", fee_text(d))
        .set("so_theo_doi", "")
        .set("can_bo", receiving_officer(detail))
        .set("ma_bao_mat", app.citizens().access_code(d.id))
        .set("ly_do", reason)
        .set("can_cu", basis);
    components(&mut data, d);
    data
}

/// The fields every form of the dossier shares: the agencies, the code, the applicant, the
/// procedure, the dates, the lookup address; `on` is the form's own date.
fn common(d: &Dossier, tree: &AgencyTree, lookup: &str, on: DateTime<Utc>) -> giayto::Data {
    let mut data = giayto::Data::new();
    let centre = tree.name_of(&d.receiving);
    let on = lich::time::to_vn(&on);
    let phone = d
        .applicant
        .phone()
        .map(|p| format!("Điện thoại: {p}"))
        .unwrap_or_default();
    data.set(
        "co_quan_cap_tren",
        tree.committee_of(&d.receiving)
            .map(|c| c.name.to_uppercase())
            .unwrap_or_default(),
    )
    .set("dia_danh", domain::agency::place_name(&centre))
    .set("bo_phan", centre)
    .set("ma_ho_so", d.code.to_string())
    .set("ngay", format!("{:02}", on.day()))
    .set("thang", format!("{:02}", on.month()))
    .set("nam", on.year().to_string())
    .set("nguoi_nop", d.applicant.display_name())
    .set("so_dinh_danh", d.applicant.id_number())
    .set("dia_chi", d.applicant.address().text.clone())
    .set("lien_he", phone)
    .set("thu_tuc", d.procedure.name.clone())
    .set(
        "thoi_gian_nhan",
        long_time(d.received_at.unwrap_or(d.opened_at)),
    )
    .set(
        "thoi_gian_tra",
        d.appointment.map(long_time).unwrap_or_default(),
    )
    .set("duong_dan_tra_cuu", format!("{lookup}?ma={}", d.code))
    .set("dia_chi_tra_cuu", lookup);
    data
}

fn components(data: &mut giayto::Data, d: &Dossier) {
    data.list("thanh_phan");
    for (i, c) in d.components.iter().enumerate() {
        data.push_row(
            "thanh_phan",
            [
                ("stt", (i + 1).to_string()),
                ("ten", c.name.clone()),
                ("hinh_thuc", c.form.label().to_string()),
                (
                    "so_luong",
                    match c.pages {
                        Some(n) => format!("{:02} bản, {n} trang/bản", c.copies),
                        None => format!("{:02}", c.copies),
                    },
                ),
            ],
        );
    }
}

/// Người tiếp nhận: the officer who received the dossier (an online one was opened by the
/// applicant and received later by the counter); before reception, whoever opened it.
pub(super) fn receiving_officer(detail: &DossierDetail) -> String {
    detail
        .events
        .iter()
        .find(|e| matches!(e.event, Event::Received { .. }))
        .or(detail.events.first())
        .map(|e| e.actor.name.clone())
        .unwrap_or_default()
}

/// The first transfer from the counter: when, who handed over, to which unit, who received.
fn transfer(
    detail: &DossierDetail,
) -> Option<(DateTime<Utc>, String, domain::agency::AgencyId, String)> {
    detail.events.iter().find_map(|e| match &e.event {
        Event::Transferred { step } => Some((
            e.at,
            e.actor.name.clone(),
            step.unit.clone(),
            step.handler
                .as_ref()
                .map(|h| h.name.clone())
                .unwrap_or_default(),
        )),
        _ => None,
    })
}

/// "09 giờ 15 phút, ngày 03 tháng 12 năm 2026", as the forms write a time.
pub(super) fn long_time(t: DateTime<Utc>) -> String {
    let t = lich::time::to_vn(&t);
    format!(
        "{:02} giờ {:02} phút, ngày {:02} tháng {:02} năm {}",
        t.hour(),
        t.minute(),
        t.day(),
        t.month(),
        t.year()
    )
}

/// "ngày 15 tháng 12 năm 2026".
fn long_day(t: DateTime<Utc>) -> String {
    let t = lich::time::to_vn(&t);
    format!(
        "ngày {:02} tháng {:02} năm {}",
        t.day(),
        t.month(),
        t.year()
    )
}

/// Phí, lệ phí as the receipt writes them: each line, and when it is paid if on return.
fn fee_text(d: &Dossier) -> String {
    let mut text = d
        .fees
        .iter()
        .map(|l| format!("{}: {}", l.name, money(l.amount)))
        .collect::<Vec<_>>()
        .join("; ");
    if !text.is_empty() && d.procedure.fees_at_return {
        text.push_str(" (nộp khi nhận kết quả)");
    }
    text
}

/// "8.000": an amount in đồng without the unit, for a table column that names it.
fn thousands(amount: i64) -> String {
    if amount == 0 {
        return "0".into();
    }
    money(amount).trim_end_matches(" đồng").to_string()
}
