//! Thanh toán trực tuyến — paying a dossier's fees through a payment gateway (ND 61/2018
//! Art. 22(1)(c)), with the redirect and signed-callback pattern of the national payment
//! platform and Vietnamese gateways (VNPAY's API 2.1.0 as the wire format): the payer is sent to
//! the gateway with a signed request (HMAC-SHA512 over the sorted, form-encoded parameters);
//! the gateway calls back twice — the payer's browser comes back to the return address, and the
//! gateway's server calls the IPN address — both signed the same way. Only a callback whose
//! signature, transaction and amount check out records money, exactly once (the payment's
//! reference is the transaction's, and the dossier refuses a second payment with it). A status
//! query ([`StatusQuery`]) recovers a payment whose callbacks were lost.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use domain::dossier::{Command, Dossier, DossierId, PaymentMethod};
use domain::officer::Actor;
use hmac::{KeyInit, Mac};
use sha2::Sha512;
use store::{AttemptState, PaymentAttempt};

use crate::{App, AppError, ErrorKind};

/// Which platform takes the money: QĐ 766 counts a payment on the national platform as 1 and
/// through a ministry's or province's gateway as 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    National,
    Province,
}

/// Cổng thanh toán: where payers are sent and how requests are signed.
#[derive(Clone)]
pub struct Gateway {
    /// The gateway's payment page (`…/paymentv2/vpcpay.html`).
    pub pay_url: String,
    /// Mã website (vnp_TmnCode) the gateway gave the collecting organisation.
    pub merchant: String,
    /// The shared secret the gateway signs with (vnp_HashSecret).
    pub secret: String,
    /// The portal's public address: the payer comes back to `{public_url}/thanh-toan/ket-qua`.
    pub public_url: String,
    /// How long the gateway takes payment for one request.
    pub expiry: Duration,
    pub platform: Platform,
    /// Asks the gateway how a transaction stands (its HTTP API).
    pub query: Arc<dyn StatusQuery>,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway")
            .field("pay_url", &self.pay_url)
            .field("merchant", &self.merchant)
            .finish_non_exhaustive()
    }
}

/// A status query under way.
pub type Query<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Answer, String>> + Send + 'a>>;

/// The gateway's status query (querydr), behind which its HTTP API sits.
pub trait StatusQuery: Send + Sync {
    /// How the transaction `txn_ref`, requested at `created`, stands. The answer's signature is
    /// checked by the implementation.
    fn query<'a>(&'a self, txn_ref: &'a str, created: DateTime<Utc>) -> Query<'a>;
}

/// What the gateway says of a transaction (a callback's or a query's answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub txn_ref: String,
    /// Số tiền (đồng).
    pub amount: i64,
    /// vnp_ResponseCode: "00" success, "24" cancelled by the payer, …
    pub response_code: String,
    /// vnp_TransactionStatus: "00" paid.
    pub transaction_status: String,
    /// The gateway's transaction number, when there is one.
    pub transaction_no: Option<String>,
}

impl Answer {
    pub fn paid(&self) -> bool {
        self.response_code == "00" && self.transaction_status == "00"
    }

    /// What the codes mean, for the payer and the log.
    pub fn meaning(&self) -> String {
        let what = match self.response_code.as_str() {
            "00" if self.paid() => "Giao dịch thành công",
            "00" | "01" => "Giao dịch chưa hoàn tất",
            "07" => "Giao dịch bị nghi ngờ gian lận",
            "09" => "Thẻ hoặc tài khoản chưa đăng ký dịch vụ thanh toán trực tuyến",
            "10" => "Xác thực thông tin thẻ hoặc tài khoản không đúng quá 3 lần",
            "11" | "15" => "Hết thời gian chờ thanh toán",
            "12" => "Thẻ hoặc tài khoản bị khóa",
            "13" => "Nhập sai mật khẩu xác thực giao dịch (OTP)",
            "24" => "Người nộp đã hủy giao dịch",
            "51" => "Tài khoản không đủ số dư",
            "65" => "Tài khoản vượt hạn mức giao dịch trong ngày",
            "75" => "Ngân hàng thanh toán đang bảo trì",
            "79" => "Nhập sai mật khẩu thanh toán quá số lần quy định",
            _ => "Giao dịch không thành công",
        };
        format!(
            "{what} (mã {})",
            domain::error::shorten(&self.response_code)
        )
    }
}

/// HMAC-SHA512 (hex) of the parameters sorted by name and form-encoded, the signature
/// fields themselves left out.
pub fn signature(secret: &str, params: &BTreeMap<String, String>) -> String {
    let mut mac = <hmac::Hmac<Sha512> as KeyInit>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes any key");
    mac.update(signed_text(params).as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn signed_text(params: &BTreeMap<String, String>) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        if k != "vnp_SecureHash" && k != "vnp_SecureHashType" && !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    s.finish()
}

/// The fields of a status query's answer its signature covers, in the order signed.
pub const QUERY_ANSWER_SIGNED: [&str; 15] = [
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
    "vnp_PromotionCode",
    "vnp_PromotionAmount",
];

/// HMAC-SHA512 (hex) of fields joined by `|`, as the status query signs its request and answer.
pub fn pipe_signature(secret: &str, parts: &[&str]) -> String {
    let mut mac = <hmac::Hmac<Sha512> as KeyInit>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes any key");
    mac.update(parts.join("|").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Compares a signature given with the one expected, without an early exit.
pub fn same_signature(given: &str, expected: &str) -> bool {
    given.len() == expected.len()
        && given
            .to_ascii_lowercase()
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// The query string of a signed request: the parameters and their signature.
pub fn signed_query(secret: &str, params: &BTreeMap<String, String>) -> String {
    let mut all = params.clone();
    all.insert("vnp_SecureHash".into(), signature(secret, params));
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in &all {
        s.append_pair(k, v);
    }
    s.finish()
}

/// Why a callback was not taken (nothing is written for any of them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The signature is missing or wrong.
    Signature,
    /// No transaction of ours has that reference.
    Unknown,
    /// The amount is not the one asked.
    Amount,
    /// A field is missing or malformed.
    Malformed(&'static str),
}

impl Refusal {
    /// The IPN answer's code (RspCode) and message, as the gateway expects them.
    pub fn ipn(&self) -> (&'static str, &'static str) {
        match self {
            Refusal::Signature => ("97", "Invalid signature"),
            Refusal::Unknown => ("01", "Order not found"),
            Refusal::Amount => ("04", "Invalid amount"),
            Refusal::Malformed(_) => ("99", "Invalid request"),
        }
    }

    pub fn message(&self) -> String {
        match self {
            Refusal::Signature => {
                "Chữ ký của cổng thanh toán không đúng: kết quả không được ghi nhận.".into()
            }
            Refusal::Unknown => "Không có giao dịch thanh toán này.".into(),
            Refusal::Amount => {
                "Số tiền cổng thanh toán báo không khớp với số tiền của giao dịch: không ghi nhận."
                    .into()
            }
            Refusal::Malformed(what) => {
                format!("Kết quả từ cổng thanh toán thiếu hoặc sai trường {what}.")
            }
        }
    }
}

/// Reads a signed callback (the return address's or the IPN's query parameters).
pub fn read_callback(secret: &str, params: &[(String, String)]) -> Result<Answer, Refusal> {
    let map: BTreeMap<String, String> = params.iter().cloned().collect();
    let given = map.get("vnp_SecureHash").ok_or(Refusal::Signature)?;
    if !same_signature(given, &signature(secret, &map)) {
        return Err(Refusal::Signature);
    }
    answer_of(&map)
}

/// The answer in the gateway's fields (vnp_Amount is in đồng × 100).
pub fn answer_of(map: &BTreeMap<String, String>) -> Result<Answer, Refusal> {
    let field = |name: &'static str| {
        map.get(name)
            .filter(|v| !v.is_empty() && v.len() <= 100)
            .cloned()
            .ok_or(Refusal::Malformed(name))
    };
    let hundredths: i64 = field("vnp_Amount")?
        .parse()
        .map_err(|_| Refusal::Malformed("vnp_Amount"))?;
    if hundredths < 0 || hundredths % 100 != 0 {
        return Err(Refusal::Malformed("vnp_Amount"));
    }
    Ok(Answer {
        txn_ref: field("vnp_TxnRef")?,
        amount: hundredths / 100,
        response_code: field("vnp_ResponseCode")?,
        transaction_status: field("vnp_TransactionStatus")?,
        transaction_no: field("vnp_TransactionNo").ok(),
    })
}

/// The gateway's time format: yyyyMMddHHmmss in Vietnam's time.
pub fn gateway_time(t: DateTime<Utc>) -> String {
    lich::time::to_vn(&t).format("%Y%m%d%H%M%S").to_string()
}

/// What became of a callback that was taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// Paid now: the money is recorded on the dossier.
    Paid(Box<Dossier>),
    /// Paid before (a repeated callback): nothing more written.
    AlreadyPaid(Box<Dossier>),
    /// Not paid: cancelled, refused, expired — the meaning given.
    Failed(Box<Dossier>, String),
}

impl Settled {
    pub fn dossier(&self) -> &Dossier {
        match self {
            Settled::Paid(d) | Settled::AlreadyPaid(d) | Settled::Failed(d, _) => d,
        }
    }
}

impl App {
    fn gateway(&self) -> Result<Arc<Gateway>, AppError> {
        self.settings().gateway.clone().ok_or_else(|| {
            AppError::new(
                ErrorKind::Rule,
                "gateway_not_configured",
                "Hệ thống chưa kết nối cổng thanh toán trực tuyến: nộp phí tại Bộ phận Một cửa hoặc chuyển khoản.",
            )
        })
    }

    /// Whether fees can be paid online here.
    pub fn pays_online(&self) -> bool {
        self.settings().gateway.is_some()
    }

    /// The payment gateway's origin (scheme, host and port), which the payer's browser is sent
    /// to from a form of ours.
    pub fn gateway_origin(&self) -> Option<String> {
        let url = &self.settings().gateway.as_ref()?.pay_url;
        let (scheme, rest) = url.split_once("://")?;
        let host = rest.split(['/', '?', '#']).next()?;
        (!host.is_empty()).then(|| format!("{scheme}://{host}"))
    }

    /// Starts paying what `d` still owes: keeps the attempt and returns the gateway address the
    /// payer is sent to. `actor` must be able to read the dossier (its applicant); `ip` is the
    /// payer's address, which the gateway asks for.
    pub async fn start_online_payment(
        &self,
        actor: &Actor,
        id: DossierId,
        ip: &str,
    ) -> Result<String, AppError> {
        let gateway = self.gateway()?;
        let d = self.readable_dossier(actor, id).await?;
        let amount = d.fees_outstanding();
        let txn_ref = uuid::Uuid::now_v7().simple().to_string();
        // The gateway's confirmation must be accepted once it comes: decided now on the dossier
        // as it stands (it owes this much and still takes money).
        self.check_decision(
            &Actor::System,
            &d,
            Command::RecordPayment {
                amount,
                method: PaymentMethod::Online,
                reference: Some(txn_ref.clone()),
                payer: None,
            },
        )?;
        let now = self.now();
        let expires = now + gateway.expiry;
        self.db
            .put_payment_attempt(&PaymentAttempt {
                txn_ref: txn_ref.clone(),
                dossier_id: d.id.0,
                amount,
                created_ms: now.timestamp_millis(),
                expires_ms: expires.timestamp_millis(),
                state: AttemptState::Pending,
                detail: "Đang chờ thanh toán".into(),
                updated_ms: now.timestamp_millis(),
            })
            .await?;
        let code = d.code.to_string();
        let params: BTreeMap<String, String> = [
            ("vnp_Version", "2.1.0".to_string()),
            ("vnp_Command", "pay".into()),
            ("vnp_TmnCode", gateway.merchant.clone()),
            ("vnp_Amount", (amount * 100).to_string()),
            ("vnp_CurrCode", "VND".into()),
            ("vnp_TxnRef", txn_ref.clone()),
            ("vnp_OrderInfo", format!("Nop phi le phi ho so {code}")),
            ("vnp_OrderType", "billpayment".into()),
            ("vnp_Locale", "vn".into()),
            (
                "vnp_ReturnUrl",
                format!("{}/thanh-toan/ket-qua", gateway.public_url),
            ),
            ("vnp_IpAddr", ip.chars().take(45).collect()),
            ("vnp_CreateDate", gateway_time(now)),
            ("vnp_ExpireDate", gateway_time(expires)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        tracing::info!(code = %code, txn = %txn_ref, amount, "online payment started");
        Ok(format!(
            "{}?{}",
            gateway.pay_url,
            signed_query(&gateway.secret, &params)
        ))
    }

    /// Takes a signed callback (the IPN, or the payer's return): checks the signature, the
    /// transaction and the amount, then records the money once if it was paid. A refused
    /// callback writes nothing.
    pub async fn gateway_callback(
        &self,
        params: &[(String, String)],
    ) -> Result<Result<Settled, Refusal>, AppError> {
        let gateway = self.gateway()?;
        let answer = match read_callback(&gateway.secret, params) {
            Ok(a) => a,
            Err(r) => {
                tracing::warn!(refusal = ?r, "gateway callback refused");
                return Ok(Err(r));
            }
        };
        self.settle(answer).await
    }

    /// Asks the gateway about attempts still pending a while after they started (lost
    /// callbacks) and settles what it says; returns how many were settled.
    pub async fn reconcile_online_payments(&self) -> Result<usize, AppError> {
        let Some(gateway) = self.settings().gateway.clone() else {
            return Ok(0);
        };
        let now = self.now();
        let before = (now - Duration::minutes(1)).timestamp_millis();
        let mut settled = 0;
        for attempt in self
            .db
            .payment_attempts_in(AttemptState::Pending, before, 100)
            .await?
        {
            let created = DateTime::from_timestamp_millis(attempt.created_ms).unwrap_or(now);
            match gateway.query.query(&attempt.txn_ref, created).await {
                Ok(answer) if answer.txn_ref == attempt.txn_ref => {
                    // A transaction still open is left for later, unless it has expired.
                    let open = matches!(answer.response_code.as_str(), "01")
                        || (answer.response_code == "00" && !answer.paid());
                    if open && attempt.expires_ms > now.timestamp_millis() {
                        continue;
                    }
                    if let Ok(Ok(_)) = self.settle(answer).await {
                        settled += 1;
                    }
                }
                Ok(_) => {
                    tracing::warn!(txn = %attempt.txn_ref, "status query answered another transaction")
                }
                Err(e) => {
                    tracing::warn!(txn = %attempt.txn_ref, error = %e, "status query failed");
                    // A day past its expiry with no answer: given up, so that newer attempts
                    // are asked about (a late success callback still records the money).
                    if attempt.expires_ms + 86_400_000 < now.timestamp_millis() {
                        self.db
                            .settle_payment_attempt(
                                &attempt.txn_ref,
                                AttemptState::Failed,
                                &format!("Không truy vấn được cổng thanh toán: {e}"),
                                now.timestamp_millis(),
                            )
                            .await?;
                    }
                }
            }
        }
        Ok(settled)
    }

    /// Whether `txn_ref` is an attempt on `d` (the return page's link back).
    pub async fn payment_attempt(&self, txn_ref: &str) -> Result<Option<PaymentAttempt>, AppError> {
        Ok(self.db.payment_attempt(txn_ref).await?)
    }

    /// Applies what the gateway said of one of our transactions.
    async fn settle(&self, answer: Answer) -> Result<Result<Settled, Refusal>, AppError> {
        let Some(attempt) = self.db.payment_attempt(&answer.txn_ref).await? else {
            return Ok(Err(Refusal::Unknown));
        };
        // The amount matters for money taken; a failure is a failure whatever it says.
        if answer.paid() && answer.amount != attempt.amount {
            tracing::warn!(txn = %attempt.txn_ref, asked = attempt.amount, said = answer.amount, "gateway amount differs");
            return Ok(Err(Refusal::Amount));
        }
        let id = DossierId(attempt.dossier_id);
        let now = self.now().timestamp_millis();
        if !answer.paid() {
            let d = self.stored_dossier(id).await?;
            let meaning = answer.meaning();
            if attempt.state == AttemptState::Pending {
                self.db
                    .settle_payment_attempt(&attempt.txn_ref, AttemptState::Failed, &meaning, now)
                    .await?;
            }
            return Ok(Ok(Settled::Failed(Box::new(d), meaning)));
        }
        let detail = match &answer.transaction_no {
            Some(n) => format!("Thành công, số giao dịch {n}"),
            None => "Thành công".into(),
        };
        // Recorded once: a second callback finds the payment with this reference (also when two
        // race: the loser's write conflicts, and the reload finds the winner's payment).
        for _ in 0..3 {
            let d = self.stored_dossier(id).await?;
            if d.payments
                .iter()
                .any(|p| p.reference.as_deref() == Some(attempt.txn_ref.as_str()))
            {
                self.db
                    .settle_payment_attempt(&attempt.txn_ref, AttemptState::Paid, &detail, now)
                    .await?;
                return Ok(Ok(Settled::AlreadyPaid(Box::new(d))));
            }
            let version = d.version;
            let command = Command::RecordPayment {
                amount: attempt.amount,
                method: PaymentMethod::Online,
                reference: Some(attempt.txn_ref.clone()),
                payer: None,
            };
            match self.act_on(&Actor::System, d, Some(version), command).await {
                Ok(after) => {
                    self.db
                        .settle_payment_attempt(&attempt.txn_ref, AttemptState::Paid, &detail, now)
                        .await?;
                    tracing::info!(code = %after.code, txn = %attempt.txn_ref, "online payment recorded");
                    let after = self.sign_receipts(after).await;
                    return Ok(Ok(Settled::Paid(Box::new(after))));
                }
                Err(e) if e.kind == ErrorKind::Conflict => continue,
                Err(e) => {
                    // Paid at the gateway but refused here (the dossier no longer owes that
                    // much, or ended): kept for an officer, who refunds or settles it.
                    tracing::error!(txn = %attempt.txn_ref, error = %e.message, "online payment not recorded");
                    self.db
                        .settle_payment_attempt(
                            &attempt.txn_ref,
                            AttemptState::Unapplied,
                            &format!(
                                "Đã thanh toán tại cổng nhưng không ghi vào hồ sơ được: {}",
                                e.message
                            ),
                            now,
                        )
                        .await?;
                    return Err(e);
                }
            }
        }
        Err(AppError::new(
            ErrorKind::Conflict,
            "version_conflict",
            "Hồ sơ đang được cập nhật; cổng thanh toán sẽ báo lại.",
        ))
    }
}

/// Thanh toán trực tuyến chưa ghi vào hồ sơ — money the gateway took for a dossier that refused
/// it (it no longer owed that much, or had ended): an officer gives it back and says how.
#[derive(Debug, Clone)]
pub struct UnappliedPayment {
    pub attempt: PaymentAttempt,
    pub dossier: DossierId,
    pub code: String,
    pub applicant: String,
}

/// The most unapplied payments listed at once (they are exceptions; a longer list means the
/// gateway or the fees are misconfigured, which the log says).
const UNAPPLIED_LISTED: u32 = 200;

impl App {
    /// Whether the officer collects money for `d` (the counter of its one-stop unit).
    fn collects_for(&self, actor: &Actor, d: &Dossier) -> bool {
        domain::policy::may_command(
            actor,
            d,
            domain::dossier::CommandKind::RecordPayment,
            None,
            false,
            &self.agencies(),
        )
        .is_ok()
    }

    /// The online payments taken but not recorded, of the dossiers the officer collects for,
    /// oldest first.
    pub async fn unapplied_payments(
        &self,
        actor: &Actor,
    ) -> Result<Vec<UnappliedPayment>, AppError> {
        if !matches!(actor, Actor::Officer(_)) {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        let attempts = self
            .db
            .payment_attempts_in(AttemptState::Unapplied, i64::MAX, UNAPPLIED_LISTED)
            .await?;
        for attempt in attempts {
            let Some(d) = self.db.dossier(DossierId(attempt.dossier_id)).await? else {
                continue;
            };
            if self.collects_for(actor, &d) {
                out.push(UnappliedPayment {
                    dossier: d.id,
                    code: d.code.to_string(),
                    applicant: d.applicant.display_name().to_string(),
                    attempt,
                });
            }
        }
        Ok(out)
    }

    /// Records that an unapplied online payment was given back to the payer (`how`: the
    /// transfer's reference, or the gateway's refund), in the administration log too.
    pub async fn refund_unapplied(
        &self,
        actor: &Actor,
        txn_ref: &str,
        how: &str,
    ) -> Result<(), AppError> {
        let how = how.trim();
        if how.is_empty() || how.chars().count() > 500 {
            return Err(AppError::invalid(
                "invalid_refund_note",
                "Ghi cách hoàn trả (số giao dịch chuyển trả hoặc hoàn tiền qua cổng), tối đa 500 ký tự.",
            ));
        }
        let unknown = || {
            AppError::not_found(
                "payment_not_found",
                "Không có giao dịch trực tuyến chờ hoàn trả với mã này.",
            )
        };
        let attempt = self
            .db
            .payment_attempt(txn_ref)
            .await?
            .filter(|a| a.state == AttemptState::Unapplied)
            .ok_or_else(unknown)?;
        let d = self
            .db
            .dossier(DossierId(attempt.dossier_id))
            .await?
            .ok_or_else(unknown)?;
        let Actor::Officer(officer) = actor else {
            return Err(unknown());
        };
        if !self.collects_for(actor, &d) {
            return Err(AppError::new(
                ErrorKind::Forbidden,
                "forbidden",
                "Chỉ cán bộ thu phí của hồ sơ được ghi hoàn trả.",
            ));
        }
        let now = self.now();
        let detail = format!(
            "Đã hoàn trả {} đồng: {how} ({}, {})",
            vntext::money::figures(attempt.amount),
            officer.full_name,
            crate::notices::vn_time(now)
        );
        let log = format!(
            "Hoàn trả giao dịch trực tuyến {} của hồ sơ {}: {how}",
            attempt.txn_ref, d.code
        );
        let done = self
            .db
            .refund_payment_attempt(
                &attempt.txn_ref,
                &detail,
                now.timestamp_millis(),
                &store::LogEntry {
                    at_ms: now.timestamp_millis(),
                    actor: &officer.username,
                    action: "payment_refunded",
                    detail: &log,
                },
            )
            .await?;
        if !done {
            return Err(unknown());
        }
        Ok(())
    }
}
