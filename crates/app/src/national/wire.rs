//! Gói tin đồng bộ — the payloads of the national portal's dossier-synchronisation interface as
//! seen in a ministry portal's adapter (reference §3.3 [S]): `CreateDossier`, `CapNhatTienTrinh`,
//! `CapNhatTrangThai`, `UploadFile`, with the field names and formats the portal uses, and the
//! field rules ([`check_create`], [`check_progress`], [`check_status`]) that the local fake portal
//! enforces and that our own payloads are tested against.
//!
//! Where the reference does not settle a value ([M]), the choice is named on the field:
//! `LoaiDoiTuong` 1 = citizen, 2 = organisation; `LoaiBan` 1 = original, 2 = copy, 3 = certified
//! copy, 4 = original shown for checking; hashes are SHA-256 in lowercase hex.

use serde::{Deserialize, Serialize};

/// The portal's date-time format, Vietnamese time: `yyyy-MM-dd HH:mm:ss`.
pub const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// Hồ sơ gửi lên (`CreateDossier`). Sent again in full when a dossier is synchronised anew
/// (reconciliation): the portal keeps one dossier per `IdHoSo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateDossier {
    /// Our dossier id (UUID): the key the portal keeps the dossier under.
    #[serde(rename = "IdHoSo")]
    pub id: String,
    #[serde(rename = "MaHoSo")]
    pub code: String,
    #[serde(rename = "MaTTHC")]
    pub procedure: String,
    #[serde(rename = "MaDichVuCong")]
    pub service: String,
    #[serde(rename = "TenTTHC")]
    pub procedure_name: String,
    #[serde(rename = "ChuHoSo")]
    pub owner: String,
    /// 1 công dân, 2 tổ chức, doanh nghiệp [M].
    #[serde(rename = "LoaiDoiTuong")]
    pub subject_kind: u8,
    /// Mã định danh của đơn vị tiếp nhận (QĐ 20/2020).
    #[serde(rename = "MaDonViTiepNhan")]
    pub receiving: String,
    #[serde(rename = "NgayNop")]
    pub submitted: String,
    #[serde(rename = "NgayTiepNhan")]
    pub received: Option<String>,
    #[serde(rename = "NgayHenTra")]
    pub appointment: Option<String>,
    /// 1 trực tiếp, 2 trực tuyến, 3 bưu chính công ích.
    #[serde(rename = "KenhThucHien")]
    pub channel: u8,
    /// Thời hạn giải quyết, as a number ("15", "0.5").
    #[serde(rename = "ThoiGianGiaiQuyet")]
    pub limit: String,
    #[serde(rename = "DonViTinh")]
    pub limit_unit: String,
    #[serde(rename = "ThanhPhanHoSo")]
    pub components: Vec<Component>,
    #[serde(rename = "ThongTinNguoiNop")]
    pub submitter: Submitter,
    #[serde(rename = "DanhSachPhiLePhi")]
    pub fees: Vec<Fee>,
    /// 1 when at least one component was digitised (scanned, uploaded or taken from data).
    #[serde(rename = "HoSoCoThanhPhanSoHoa")]
    pub digitised: u8,
    /// 1 when the applicant's account was authenticated with VNeID.
    #[serde(rename = "TaiKhoanDuocXacThucVoiVNeID")]
    pub vneid: u8,
    /// Mã CSDL: the population database's record used, when one was.
    #[serde(rename = "MaCSDL", default, skip_serializing_if = "Option::is_none")]
    pub population_record: Option<String>,
}

/// Thành phần hồ sơ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    #[serde(rename = "MaThanhPhanHoSo")]
    pub code: String,
    #[serde(rename = "TenThanhPhanHoSo")]
    pub name: String,
    #[serde(rename = "SoLuong")]
    pub copies: u8,
    /// 1 bản chính, 2 bản sao, 3 bản sao có chứng thực, 4 bản chính để đối chiếu [M].
    #[serde(rename = "LoaiBan")]
    pub form: u8,
    /// Được số hóa: a file of it is attached, or it was replaced by data.
    #[serde(rename = "DuocSoHoa")]
    pub digitised: u8,
    /// Được lấy từ kho dữ liệu (DuocLayTuKhoDMQG): taken from the applicant's data store.
    #[serde(rename = "DuocLayTuKhoDMQG")]
    pub from_data_store: u8,
    #[serde(rename = "GiayToDinhKem")]
    pub files: Vec<Attached>,
}

/// Giấy tờ đính kèm: an uploaded file (its portal id and hash), or a reused result (its code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attached {
    /// The portal's id of the uploaded file (`IdTepTin` of `UploadFile`).
    #[serde(rename = "IdGiayTo")]
    pub id: String,
    /// The result code (`MaKetQua`) when the document is an earlier result reused.
    #[serde(rename = "MaKetQua", default, skip_serializing_if = "Option::is_none")]
    pub result_code: Option<String>,
    #[serde(rename = "TenGiayTo")]
    pub name: String,
    #[serde(rename = "HashTepTin")]
    pub hash: String,
}

/// Thông tin người nộp.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submitter {
    #[serde(rename = "LoaiDoiTuong")]
    pub kind: u8,
    /// Số định danh cá nhân or mã số thuế.
    #[serde(rename = "IdDoiTuong")]
    pub id: String,
    #[serde(rename = "ThongTinChiTiet")]
    pub detail: SubmitterDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitterDetail {
    #[serde(rename = "TenNguoiNop")]
    pub name: String,
    #[serde(rename = "SoDinhDanh")]
    pub id_number: String,
    #[serde(rename = "SoDienThoai")]
    pub phone: Option<String>,
    #[serde(rename = "Email")]
    pub email: Option<String>,
    #[serde(rename = "MaTinh")]
    pub province: Option<String>,
    /// Mã huyện: kept by the interface for the old regime; empty under the two-level one.
    #[serde(rename = "MaHuyen")]
    pub district: Option<String>,
    #[serde(rename = "MaXa")]
    pub commune: Option<String>,
    #[serde(rename = "DiaChiChiTiet")]
    pub address: String,
    #[serde(rename = "TenChuHs")]
    pub owner_name: String,
    #[serde(rename = "SoDinhDanhChuHs")]
    pub owner_id: String,
    #[serde(rename = "MaTinhChuHs")]
    pub owner_province: Option<String>,
    #[serde(rename = "MaXaChuHs")]
    pub owner_commune: Option<String>,
    #[serde(rename = "DiaChiChiTietChuHs")]
    pub owner_address: String,
}

/// Phí, lệ phí.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fee {
    #[serde(rename = "TenPhiLePhi")]
    pub name: String,
    /// Đồng.
    #[serde(rename = "Gia")]
    pub amount: i64,
}

/// Một bước xử lý (`CapNhatTienTrinh`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressStep {
    #[serde(rename = "IDHoSo")]
    pub id: String,
    #[serde(rename = "MaHoSo")]
    pub code: String,
    /// Our event version: the portal keeps each step once.
    #[serde(rename = "SoThuTu")]
    pub seq: u64,
    #[serde(rename = "NguoiXuLy")]
    pub handler: String,
    #[serde(rename = "ThoiDiemXuLy")]
    pub at: String,
    #[serde(rename = "PhongBanXuLy")]
    pub unit: String,
    #[serde(rename = "NoiDungXuLy")]
    pub action: String,
    #[serde(rename = "TrangThai")]
    pub status: u8,
    #[serde(rename = "NgayBatDau")]
    pub started: String,
    #[serde(rename = "NgayKetThucTheoQuyDinh")]
    pub due: Option<String>,
}

/// Cập nhật trạng thái (`CapNhatTrangThai`), with the dossier's fields that change after its
/// creation: the code (an online submission's reference becomes its code at reception), the
/// appointment, the end of handling, the result, the fees and how they were paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusUpdate {
    #[serde(rename = "IdHoSo")]
    pub id: String,
    #[serde(rename = "MaHoSo")]
    pub code: String,
    /// The event version this state is at: the portal keeps the newest.
    #[serde(rename = "PhienBan")]
    pub version: u64,
    #[serde(rename = "TrangThai")]
    pub status: u8,
    #[serde(rename = "ThoiDiemCapNhat")]
    pub at: String,
    #[serde(rename = "NgayTiepNhan")]
    pub received: Option<String>,
    #[serde(rename = "NgayHenTra")]
    pub appointment: Option<String>,
    #[serde(rename = "NgayKetThucXuLy")]
    pub ended: Option<String>,
    #[serde(rename = "MaKetQua")]
    pub result_code: Option<String>,
    #[serde(rename = "DuongDanTepTinKetQua")]
    pub result_link: Option<String>,
    /// 0 not paid online; 1 paid on the national portal; 2 through the province's gateway.
    #[serde(rename = "DuocThanhToanTrucTuyen")]
    pub paid_online: u8,
    #[serde(rename = "DanhSachPhiLePhi")]
    pub fees: Vec<Fee>,
}

/// The portal's answer to `UploadFile`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Uploaded {
    #[serde(rename = "IdTepTin")]
    pub id: String,
    #[serde(rename = "HashTepTin")]
    pub hash: String,
}

/// The portal's answer to a call: `error_code` 0 is accepted; otherwise `message` says why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub error_code: i32,
    pub message: String,
}

/// A dossier as the portal lists it (`DanhSachHoSo`), for reconciliation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listed {
    #[serde(rename = "IdHoSo")]
    pub id: String,
    #[serde(rename = "MaHoSo")]
    pub code: String,
    #[serde(rename = "TrangThai")]
    pub status: u8,
    #[serde(rename = "PhienBan")]
    pub version: u64,
}

fn time_ok(s: &str) -> bool {
    chrono::NaiveDateTime::parse_from_str(s, TIME_FORMAT).is_ok() && s.len() == 19
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// `MaHoSo`: a dossier code of either layout, or an online submission's reference (`…-T000012`),
/// as [`domain::ids::DossierCode`] reads them, in capitals.
pub fn code_ok(code: &str) -> bool {
    domain::ids::DossierCode::parse(code).is_ok_and(|c| c.as_str() == code)
}

fn short(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// Problems of a `CreateDossier`, one line each (empty: valid).
pub fn check_create(d: &CreateDossier) -> Vec<String> {
    let mut out = Vec::new();
    let mut need = |ok: bool, what: String| {
        if !ok {
            out.push(what);
        }
    };
    need(
        uuid::Uuid::parse_str(&d.id).is_ok(),
        "IdHoSo phải là UUID.".into(),
    );
    need(
        code_ok(&d.code),
        format!(
            "MaHoSo \"{}\" không đúng định dạng mã hồ sơ.",
            short(&d.code)
        ),
    );
    let procedure_ok = |c: &str| {
        !c.is_empty() && c.len() <= 30 && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.')
    };
    need(
        procedure_ok(&d.procedure),
        format!("MaTTHC \"{}\" không hợp lệ.", short(&d.procedure)),
    );
    need(
        procedure_ok(&d.service),
        "MaDichVuCong không hợp lệ.".into(),
    );
    need(!d.procedure_name.trim().is_empty(), "Thiếu TenTTHC.".into());
    need(!d.owner.trim().is_empty(), "Thiếu ChuHoSo.".into());
    need(
        (1..=2).contains(&d.subject_kind),
        "LoaiDoiTuong phải là 1 hoặc 2.".into(),
    );
    need(
        !d.receiving.is_empty()
            && d.receiving.len() <= 40
            && d.receiving
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.'),
        "MaDonViTiepNhan phải là mã định danh của đơn vị tiếp nhận.".into(),
    );
    need(
        time_ok(&d.submitted),
        "NgayNop phải theo dạng yyyy-MM-dd HH:mm:ss.".into(),
    );
    for (name, v) in [
        ("NgayTiepNhan", &d.received),
        ("NgayHenTra", &d.appointment),
    ] {
        need(
            v.as_deref().is_none_or(time_ok),
            format!("{name} phải theo dạng yyyy-MM-dd HH:mm:ss."),
        );
    }
    need(
        (1..=3).contains(&d.channel),
        "KenhThucHien phải là 1, 2 hoặc 3.".into(),
    );
    need(
        d.limit.parse::<f64>().is_ok_and(|x| x >= 0.0),
        "ThoiGianGiaiQuyet phải là một số.".into(),
    );
    need(!d.limit_unit.trim().is_empty(), "Thiếu DonViTinh.".into());
    need(
        !d.components.is_empty(),
        "ThanhPhanHoSo không được rỗng.".into(),
    );
    for c in &d.components {
        need(
            !c.code.is_empty() && !c.name.trim().is_empty(),
            "Thành phần hồ sơ thiếu MaThanhPhanHoSo hoặc TenThanhPhanHoSo.".into(),
        );
        need(
            (1..=4).contains(&c.form),
            format!("LoaiBan của \"{}\" phải từ 1 đến 4.", short(&c.name)),
        );
        need(
            c.copies >= 1,
            format!("SoLuong của \"{}\" phải từ 1.", short(&c.name)),
        );
        for f in &c.files {
            need(
                !f.id.is_empty() && digits_hex(&f.hash) && !f.name.trim().is_empty(),
                format!(
                    "Giấy tờ đính kèm của \"{}\" thiếu IdGiayTo, TenGiayTo hoặc HashTepTin (SHA-256).",
                    short(&c.name)
                ),
            );
        }
        need(
            c.from_data_store <= 1 && c.digitised <= 1,
            "DuocSoHoa, DuocLayTuKhoDMQG phải là 0 hoặc 1.".into(),
        );
    }
    check_submitter(&d.submitter, &mut out);
    for f in &d.fees {
        if f.amount < 0 || f.name.trim().is_empty() {
            out.push("DanhSachPhiLePhi: cần TenPhiLePhi và Gia không âm.".into());
        }
    }
    if d.digitised > 1 || d.vneid > 1 {
        out.push("HoSoCoThanhPhanSoHoa, TaiKhoanDuocXacThucVoiVNeID phải là 0 hoặc 1.".into());
    }
    out
}

fn digits_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn check_submitter(s: &Submitter, out: &mut Vec<String>) {
    let d = &s.detail;
    let id_ok = match s.kind {
        1 => digits(&s.id, 12),
        2 => {
            let t: String = s.id.chars().filter(|c| *c != '-').collect();
            digits(&t, 10) || digits(&t, 13)
        }
        _ => false,
    };
    if !id_ok {
        out.push(
            "IdDoiTuong phải là số định danh cá nhân (12 chữ số) hoặc mã số thuế (10 hoặc 13 chữ số)."
                .into(),
        );
    }
    if d.name.trim().is_empty() || d.owner_name.trim().is_empty() {
        out.push("Thiếu TenNguoiNop hoặc TenChuHs.".into());
    }
    if d.id_number != s.id && s.kind == 1 {
        out.push("SoDinhDanh phải trùng IdDoiTuong.".into());
    }
    if let Some(p) = &d.phone
        && !(p.len() == 10 && p.starts_with('0') && p.bytes().all(|b| b.is_ascii_digit()))
    {
        out.push("SoDienThoai phải có 10 chữ số, bắt đầu bằng 0.".into());
    }
    if let Some(e) = &d.email
        && !e.contains('@')
    {
        out.push("Email không hợp lệ.".into());
    }
    for (name, v, n) in [
        ("MaTinh", &d.province, 2),
        ("MaXa", &d.commune, 5),
        ("MaTinhChuHs", &d.owner_province, 2),
        ("MaXaChuHs", &d.owner_commune, 5),
    ] {
        if let Some(v) = v
            && !digits(v, n)
        {
            out.push(format!("{name} phải có {n} chữ số."));
        }
    }
    if d.address.trim().is_empty() {
        out.push("Thiếu DiaChiChiTiet.".into());
    }
}

/// Problems of a `CapNhatTienTrinh`.
pub fn check_progress(p: &ProgressStep) -> Vec<String> {
    let mut out = Vec::new();
    if uuid::Uuid::parse_str(&p.id).is_err() {
        out.push("IDHoSo phải là UUID.".into());
    }
    if !code_ok(&p.code) {
        out.push(format!(
            "MaHoSo \"{}\" không đúng định dạng mã hồ sơ.",
            short(&p.code)
        ));
    }
    if p.handler.trim().is_empty() || p.unit.trim().is_empty() || p.action.trim().is_empty() {
        out.push("Thiếu NguoiXuLy, PhongBanXuLy hoặc NoiDungXuLy.".into());
    }
    if !time_ok(&p.at) || !time_ok(&p.started) || p.due.as_deref().is_some_and(|d| !time_ok(d)) {
        out.push(
            "ThoiDiemXuLy, NgayBatDau, NgayKetThucTheoQuyDinh phải theo dạng yyyy-MM-dd HH:mm:ss."
                .into(),
        );
    }
    if !(1..=10).contains(&p.status) {
        out.push("TrangThai phải từ 1 đến 10.".into());
    }
    out
}

/// Problems of a `CapNhatTrangThai`.
pub fn check_status(s: &StatusUpdate) -> Vec<String> {
    let mut out = Vec::new();
    if uuid::Uuid::parse_str(&s.id).is_err() {
        out.push("IdHoSo phải là UUID.".into());
    }
    if !code_ok(&s.code) {
        out.push(format!(
            "MaHoSo \"{}\" không đúng định dạng mã hồ sơ.",
            short(&s.code)
        ));
    }
    if !(1..=10).contains(&s.status) {
        out.push("TrangThai phải từ 1 đến 10.".into());
    }
    let times = [&Some(s.at.clone()), &s.received, &s.appointment, &s.ended];
    if times
        .iter()
        .any(|t| t.as_deref().is_some_and(|t| !time_ok(t)))
    {
        out.push("Các mốc thời gian phải theo dạng yyyy-MM-dd HH:mm:ss.".into());
    }
    if matches!(s.status, 9 | 10) && s.ended.is_none() {
        out.push("Hồ sơ đã xử lý xong phải có NgayKetThucXuLy.".into());
    }
    if s.result_link.is_some() && s.result_code.is_none() {
        out.push("DuongDanTepTinKetQua cần đi kèm MaKetQua.".into());
    }
    if s.paid_online > 2 {
        out.push("DuocThanhToanTrucTuyen phải là 0, 1 hoặc 2.".into());
    }
    if s.fees
        .iter()
        .any(|f| f.amount < 0 || f.name.trim().is_empty())
    {
        out.push("DanhSachPhiLePhi: cần TenPhiLePhi và Gia không âm.".into());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_of_both_regimes_and_provisional_references_are_accepted() {
        assert!(code_ok("000.00.04.H38-261203-0001"));
        assert!(code_ok("G09.20-20260609-0092637"));
        assert!(code_ok("000.00.04.H38-261203-T000012"));
        assert!(!code_ok("000.00.04.h38-261203-0001"));
        assert!(!code_ok("000.00.04.H38-2612-0001"));
        assert!(!code_ok("000.00.04.H38-261203-01"));
        assert!(!code_ok("abc-261203-0001"));
        assert!(!code_ok("261203-0001"));
    }

    #[test]
    fn times_are_the_portals_format_only() {
        assert!(time_ok("2026-12-03 14:05:00"));
        assert!(!time_ok("2026-12-03T14:05:00"));
        assert!(!time_ok("03/12/2026 14:05:00"));
    }
}
