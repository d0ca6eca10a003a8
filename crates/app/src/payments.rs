//! Thu phí qua chuyển khoản — the accounts fees are paid into and the VietQR code a citizen
//! scans to pay a dossier's fee (ND 61/2018 Art. 22(1)(a): "chuyển khoản vào tài khoản của cơ
//! quan"). Each collecting agency (a commune, a department) names its account in `motcua.toml`
//! (`[[payments.accounts]]`); a dossier is paid into the account of the nearest agency above its
//! receiving centre that has one.

use domain::agency::AgencyId;
use domain::dossier::Dossier;
use domain::vietqr;

use crate::App;

/// Tài khoản thu phí, lệ phí of a collecting agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectingAccount {
    /// The agency whose dossiers (its own and those of the agencies under it) are paid here.
    pub agency: AgencyId,
    pub account: vietqr::Account,
    /// Tên chủ tài khoản, as the bank shows it.
    pub holder: String,
    /// Tên ngân hàng.
    pub bank: String,
}

/// What a citizen needs to pay the rest of a dossier's fees by transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferCode {
    pub account: CollectingAccount,
    /// Số tiền (đồng): what is still owed.
    pub amount: i64,
    /// Nội dung chuyển khoản: the dossier's code (without its dots when it would not fit),
    /// which reconciliation matches on.
    pub purpose: String,
    /// The VietQR payload (EMVCo, with its CRC).
    pub payload: String,
}

impl App {
    /// The account a dossier received at `receiving` is paid into: that of the nearest agency
    /// at or above it that has one.
    pub fn collecting_account(&self, receiving: &AgencyId) -> Option<CollectingAccount> {
        let tree = self.agencies();
        let accounts = &self.settings().collecting_accounts;
        tree.upward(receiving)
            .find_map(|id| accounts.iter().find(|a| &a.agency == id))
            .cloned()
    }

    /// The transfer that pays what the dossier still owes, when it owes something and its
    /// agency has an account.
    pub fn transfer_code(&self, d: &Dossier) -> Option<TransferCode> {
        let amount = d.fees_outstanding();
        if amount == 0 {
            return None;
        }
        let account = self.collecting_account(&d.receiving)?;
        // The description holds 25 characters: a dossier code does; a provisional one
        // ("…-T000001", 28) does without its dots, and reconciliation ignores punctuation.
        let code = d.code.to_string();
        let purpose = if code.len() <= 25 {
            code
        } else {
            code.replace('.', "")
        };
        Some(TransferCode {
            payload: vietqr::payload(&account.account, amount, &purpose),
            account,
            amount,
            purpose,
        })
    }
}
