//! Trạng thái hồ sơ — the internal stage of a dossier and its national status code (1–10), the
//! lingua franca with the national portal (vn-framework §1.7).

use serde::{Deserialize, Serialize};

/// Giai đoạn xử lý — finer than the national codes; every stage maps to exactly one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// Submitted online, waiting for the counter to check it.
    Submitted,
    /// Online dossier found incomplete at intake: one-time guidance sent, not received, no clock.
    IntakeSupplement,
    /// Refused at intake (Phiếu từ chối tiếp nhận).
    RefusedAtIntake,
    /// Received; at the service centre until transferred.
    Received,
    /// At a unit: appraisal, consultation, interconnection, approval, issuance.
    InProgress,
    /// Returned to the applicant for a supplement during appraisal (clock restarts on arrival).
    SupplementRequested,
    /// Waiting for fees, taxes or other financial obligations.
    AwaitingFinancialObligation,
    /// The applicant asked to withdraw.
    WithdrawalRequested,
    /// Handling stopped.
    Stopped,
    /// Decided (approved or refused); result waiting to be returned.
    ResultReady,
    /// Result delivered.
    Returned,
}

impl Stage {
    /// TrangThaiHoSo — the national status code.
    pub fn national_status(self) -> NationalStatus {
        match self {
            Stage::Submitted => NationalStatus::NewlyRegistered,
            Stage::IntakeSupplement | Stage::SupplementRequested => {
                NationalStatus::SupplementRequested
            }
            Stage::RefusedAtIntake => NationalStatus::NotReceived,
            Stage::Received => NationalStatus::Received,
            Stage::InProgress => NationalStatus::InProgress,
            Stage::AwaitingFinancialObligation => NationalStatus::FinancialObligation,
            Stage::WithdrawalRequested => NationalStatus::WithdrawalRequested,
            Stage::Stopped => NationalStatus::Stopped,
            Stage::ResultReady => NationalStatus::Done,
            Stage::Returned => NationalStatus::Returned,
        }
    }

    /// Vietnamese label for officers.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Submitted => "Chờ tiếp nhận (nộp trực tuyến)",
            Stage::IntakeSupplement => "Chờ bổ sung trước khi tiếp nhận",
            Stage::RefusedAtIntake => "Từ chối tiếp nhận",
            Stage::Received => "Đã tiếp nhận, chờ chuyển xử lý",
            Stage::InProgress => "Đang xử lý",
            Stage::SupplementRequested => "Yêu cầu bổ sung, hoàn thiện hồ sơ",
            Stage::AwaitingFinancialObligation => "Chờ thực hiện nghĩa vụ tài chính",
            Stage::WithdrawalRequested => "Công dân yêu cầu rút hồ sơ",
            Stage::Stopped => "Dừng xử lý",
            Stage::ResultReady => "Đã có kết quả, chờ trả",
            Stage::Returned => "Đã trả kết quả",
        }
    }

    /// Whether handling is over (no clock runs any more).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Stage::RefusedAtIntake | Stage::Stopped | Stage::ResultReady | Stage::Returned
        )
    }

    pub const ALL: [Stage; 11] = [
        Stage::Submitted,
        Stage::IntakeSupplement,
        Stage::RefusedAtIntake,
        Stage::Received,
        Stage::InProgress,
        Stage::SupplementRequested,
        Stage::AwaitingFinancialObligation,
        Stage::WithdrawalRequested,
        Stage::Stopped,
        Stage::ResultReady,
        Stage::Returned,
    ];
}

/// Trạng thái hồ sơ theo Cổng Dịch vụ công quốc gia (TrangThaiHoSo 1–10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "u8", try_from = "u8")]
pub enum NationalStatus {
    NewlyRegistered = 1,
    Received = 2,
    NotReceived = 3,
    InProgress = 4,
    SupplementRequested = 5,
    FinancialObligation = 6,
    WithdrawalRequested = 7,
    Stopped = 8,
    Done = 9,
    Returned = 10,
}

impl NationalStatus {
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The national name of the status.
    pub fn label(self) -> &'static str {
        match self {
            NationalStatus::NewlyRegistered => "Mới đăng ký",
            NationalStatus::Received => "Được tiếp nhận",
            NationalStatus::NotReceived => "Không được tiếp nhận",
            NationalStatus::InProgress => "Đang xử lý",
            NationalStatus::SupplementRequested => "Yêu cầu bổ sung giấy tờ",
            NationalStatus::FinancialObligation => "Yêu cầu thực hiện nghĩa vụ tài chính",
            NationalStatus::WithdrawalRequested => "Công dân yêu cầu rút hồ sơ",
            NationalStatus::Stopped => "Dừng xử lý",
            NationalStatus::Done => "Đã xử lý xong",
            NationalStatus::Returned => "Đã trả kết quả",
        }
    }
}

impl From<NationalStatus> for u8 {
    fn from(s: NationalStatus) -> u8 {
        s.code()
    }
}

impl TryFrom<u8> for NationalStatus {
    type Error = String;
    fn try_from(code: u8) -> Result<Self, String> {
        use NationalStatus::*;
        [
            NewlyRegistered,
            Received,
            NotReceived,
            InProgress,
            SupplementRequested,
            FinancialObligation,
            WithdrawalRequested,
            Stopped,
            Done,
            Returned,
        ]
        .into_iter()
        .find(|s| s.code() == code)
        .ok_or_else(|| format!("mã trạng thái {code} không hợp lệ (1–10)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_internal_stage_maps_to_one_national_status_and_every_status_is_reached() {
        let mut codes: Vec<u8> = Stage::ALL
            .iter()
            .map(|s| s.national_status().code())
            .collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes, (1..=10).collect::<Vec<u8>>());
        for code in 1..=10u8 {
            assert_eq!(NationalStatus::try_from(code).unwrap().code(), code);
        }
        assert!(NationalStatus::try_from(11).is_err());
    }
}
