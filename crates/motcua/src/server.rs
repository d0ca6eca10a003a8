//! `motcua serve | migrate | demo` — configuration (file and `MOTCUA_*` environment), the database,
//! the services and the HTTP server.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use app::{App, Settings, SystemClock};
use chrono::NaiveDate;
use clap::Args;
use domain::dossier::LegalRules;
use lich::Calendar;
use serde::{Deserialize, Serialize};
use store::Db;

use crate::BadInput;

/// Cấu hình. Read from the file given with `--config` (default `motcua.toml` if present), then
/// from `MOTCUA_*` variables (`MOTCUA_DATABASE__URL`, `MOTCUA_SERVER__LISTEN`, …).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    #[serde(default)]
    pub rules: LegalRules,
    /// Thời hạn xử lý phản ánh, kiến nghị in working days (`[feedback]`: refuse, ask, handle,
    /// publish; default 2, 5, 15, 2 as the QĐ 766 formula document says).
    #[serde(default)]
    pub feedback: domain::feedback::FeedbackRules,
    pub session: SessionConfig,
    /// Chính sách mật khẩu of officers (`[passwords]`).
    #[serde(default)]
    pub passwords: PasswordsConfig,
    #[serde(default)]
    pub evaluation: EvaluationConfig,
    /// E-mail, SMS, chat-group webhooks, the daily digest and retries (`[notify]`).
    #[serde(default)]
    pub notify: notify::NotifyConfig,
    /// Limits per address and per account (`[limits]`).
    #[serde(default)]
    pub limits: LimitsConfig,
    /// How the log is written (`[logging]`; not `[log]`, whose variable would be `MOTCUA_LOG`,
    /// the filter).
    #[serde(default)]
    pub logging: LogConfig,
    /// Official forms as PDF (`[documents]`).
    #[serde(default)]
    pub documents: DocumentsConfig,
    /// Signing electronic results (`[signing]`).
    #[serde(default)]
    pub signing: SigningConfig,
    /// Fees paid by transfer (`[payments]`).
    #[serde(default)]
    pub payments: PaymentsConfig,
    /// Citizens' sign-in with the national identity (`[identity]`, OpenID Connect).
    #[serde(default)]
    pub identity: Option<IdentityConfig>,
    /// The daily backup the server takes (`[backup]`: folder, time, how many kept).
    #[serde(default)]
    pub backup: crate::backup::BackupConfig,
    /// Lookups in the national population database (`[population]`).
    #[serde(default)]
    pub population: Option<PopulationConfig>,
}

/// Tra cứu CSDL quốc gia về dân cư (`[population]`): the lookup service's address (through the
/// province's data-sharing platform) and the environment variable holding its access key.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationConfig {
    pub url: String,
    pub secret_env: String,
    #[serde(default = "identity_timeout")]
    pub timeout_seconds: u64,
}

impl PopulationConfig {
    fn build(
        &self,
        secret: &dyn Fn(&str) -> Option<String>,
    ) -> Result<notify::population::HttpPopulationRegistry, String> {
        if !(self.url.starts_with("https://") || self.url.starts_with("http://")) {
            return Err(format!(
                "url = \"{}\": địa chỉ phải bắt đầu bằng https://",
                domain::error::shorten(&self.url)
            ));
        }
        let key = secret(&self.secret_env)
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| {
                format!(
                    "secret_env: biến môi trường {} chưa có khóa truy cập dịch vụ tra cứu",
                    self.secret_env
                )
            })?;
        notify::population::HttpPopulationRegistry::new(
            &self.url,
            key,
            self.timeout_seconds.clamp(1, 60),
        )
        .map_err(|e| e.to_string())
    }
}

/// Đăng nhập bằng định danh điện tử (`[identity]`): the OpenID Connect provider this system is
/// registered with (the national portal's single sign-on, VNeID). Its secret is read from the
/// environment variable `secret_env` names.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityConfig {
    pub issuer: String,
    pub client_id: String,
    pub secret_env: String,
    #[serde(default = "identity_label")]
    pub label: String,
    #[serde(default = "identity_scopes")]
    pub scopes: String,
    /// The ID token's claim with the 12-digit personal id number.
    #[serde(default = "identity_id_claim")]
    pub id_claim: String,
    #[serde(default = "identity_name_claim")]
    pub name_claim: String,
    #[serde(default = "identity_timeout")]
    pub timeout_seconds: u64,
}

fn identity_label() -> String {
    "VNeID".into()
}
fn identity_scopes() -> String {
    "openid profile".into()
}
fn identity_id_claim() -> String {
    "so_dinh_danh".into()
}
fn identity_name_claim() -> String {
    "name".into()
}
fn identity_timeout() -> u64 {
    10
}

impl IdentityConfig {
    fn build(&self, public_url: &str) -> Result<app::identity::IdentityProvider, String> {
        if !(self.issuer.starts_with("https://") || self.issuer.starts_with("http://")) {
            return Err(format!(
                "issuer = \"{}\": địa chỉ phải bắt đầu bằng https://",
                domain::error::shorten(&self.issuer)
            ));
        }
        if self.client_id.trim().is_empty() {
            return Err("client_id: cần mã ứng dụng nhà cung cấp cấp".into());
        }
        let secret = std::env::var(&self.secret_env)
            .ok()
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| {
                format!(
                    "secret_env: biến môi trường {} chưa có client_secret của dịch vụ định danh",
                    self.secret_env
                )
            })?;
        let http = notify::identity::HttpProvider::new(self.timeout_seconds.clamp(1, 60))
            .map_err(|e| e.to_string())?;
        let public_url = public_url.trim_end_matches('/');
        Ok(app::identity::IdentityProvider {
            issuer: self.issuer.trim_end_matches('/').to_string(),
            client_id: self.client_id.trim().to_string(),
            client_secret: secret,
            redirect_uri: format!("{public_url}/dang-nhap/dinh-danh/ve"),
            after_logout_uri: format!("{public_url}/"),
            scopes: self.scopes.clone(),
            id_claim: self.id_claim.clone(),
            name_claim: self.name_claim.clone(),
            label: self.label.clone(),
            max_minutes: 10,
            http: Arc::new(http),
        })
    }
}

/// Thu phí qua chuyển khoản (`[payments]`): the collecting accounts, one per agency that
/// collects (`[[payments.accounts]]` with `agency`, `bin` — the bank's 6-digit NAPAS BIN —,
/// `account`, `holder` and `bank`). A dossier owing fees shows a VietQR code for the account of
/// the nearest agency at or above its receiving centre. Without any, no code is shown.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentsConfig {
    #[serde(default)]
    pub accounts: Vec<AccountConfig>,
    /// Ký hiệu biên lai điện tử of the collecting organisations (they need `[signing]`).
    #[serde(default)]
    pub receipts: Vec<ReceiptConfig>,
    /// Cổng thanh toán trực tuyến; without it fees are not paid online.
    #[serde(default)]
    pub gateway: Option<GatewayConfig>,
    /// The columns of the collecting account's statement (CSV) as the bank names them.
    #[serde(default)]
    pub statement: Option<StatementConfig>,
}

/// `[payments.statement]`: the header names of the bank's CSV export, each optional (the
/// defaults are "Ngày giao dịch", "Số tiền ghi có", "Nội dung", "Mã giao dịch", and `,`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatementConfig {
    pub date: Option<String>,
    pub amount: Option<String>,
    pub description: Option<String>,
    pub reference: Option<String>,
    pub delimiter: Option<String>,
}

impl StatementConfig {
    fn build(&self) -> Result<app::statement::StatementColumns, String> {
        let d = app::statement::StatementColumns::default();
        let name = |key: &str, v: &Option<String>, default: String| match v {
            None => Ok(default),
            Some(v) if !vntext::clean(v).is_empty() && v.chars().count() <= 100 => {
                Ok(vntext::clean(v))
            }
            Some(_) => Err(format!("{key}: tên cột từ 1 đến 100 ký tự")),
        };
        let delimiter = match self.delimiter.as_deref() {
            None | Some(",") => b',',
            Some(";") => b';',
            Some("\t") | Some("\\t") => b'\t',
            Some(other) => {
                return Err(format!(
                    "delimiter = \"{}\": \",\", \";\" hoặc \"\\t\"",
                    domain::error::shorten(other)
                ));
            }
        };
        Ok(app::statement::StatementColumns {
            date: name("date", &self.date, d.date)?,
            amount: name("amount", &self.amount, d.amount)?,
            description: name("description", &self.description, d.description)?,
            reference: name("reference", &self.reference, d.reference)?,
            delimiter,
        })
    }
}

/// `[payments.gateway]`: the payment gateway (VNPAY API 2.1.0 wire format) the collecting
/// organisation has a merchant account with.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayConfig {
    /// The payment page, e.g. "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html".
    pub pay_url: String,
    /// The status-query API, e.g. "https://sandbox.vnpayment.vn/merchant_webapi/api/transaction".
    pub query_url: String,
    /// Mã website (vnp_TmnCode).
    pub merchant: String,
    /// The environment variable holding the shared secret (vnp_HashSecret).
    pub secret_env: String,
    /// How long one payment request is open (minutes, 5 to 60; default 15).
    #[serde(default)]
    pub expiry_minutes: Option<i64>,
    /// "province" (a ministry's or province's gateway, QĐ 766 value 2; default) or "national"
    /// (the national payment platform, value 1).
    #[serde(default)]
    pub platform: Option<String>,
    /// Seconds a status query may take (default 10).
    #[serde(default)]
    pub timeout_seconds: Option<u64>,
}

impl GatewayConfig {
    fn build(&self, public_url: &str) -> Result<app::gateway::Gateway, String> {
        let url = |name: &str, v: &str| {
            let v = v.trim();
            if v.starts_with("https://") || v.starts_with("http://") {
                Ok(v.to_string())
            } else {
                Err(format!(
                    "{name} = \"{}\": cần địa chỉ http(s)://",
                    domain::error::shorten(v)
                ))
            }
        };
        let merchant = self.merchant.trim();
        if merchant.is_empty()
            || merchant.len() > 20
            || !merchant.chars().all(|c| c.is_ascii_alphanumeric())
        {
            return Err(
                "merchant: mã website (vnp_TmnCode) gồm chữ cái không dấu và chữ số".into(),
            );
        }
        let secret = std::env::var(&self.secret_env)
            .ok()
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| {
                format!(
                    "secret_env: biến môi trường {} chưa có khóa bí mật của cổng thanh toán",
                    self.secret_env
                )
            })?;
        let expiry = self.expiry_minutes.unwrap_or(15);
        if !(5..=60).contains(&expiry) {
            return Err(format!("expiry_minutes = {expiry}: từ 5 đến 60 phút"));
        }
        let platform = match self.platform.as_deref().unwrap_or("province") {
            "province" => app::gateway::Platform::Province,
            "national" => app::gateway::Platform::National,
            other => {
                return Err(format!(
                    "platform = \"{}\": \"province\" hoặc \"national\"",
                    domain::error::shorten(other)
                ));
            }
        };
        let query_url = url("query_url", &self.query_url)?;
        let query = notify::gateway::HttpStatusQuery::new(
            &query_url,
            merchant,
            &secret,
            std::time::Duration::from_secs(self.timeout_seconds.unwrap_or(10).clamp(1, 120)),
        )?;
        Ok(app::gateway::Gateway {
            pay_url: url("pay_url", &self.pay_url)?,
            merchant: merchant.to_string(),
            secret,
            public_url: public_url.trim_end_matches('/').to_string(),
            expiry: chrono::Duration::minutes(expiry),
            platform,
            query: Arc::new(query),
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptConfig {
    pub agency: String,
    pub template: String,
    pub series: String,
    pub organisation: String,
    pub tax_code: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    pub agency: String,
    pub bin: String,
    pub account: String,
    pub holder: String,
    pub bank: String,
}

impl PaymentsConfig {
    fn receipt_series(&self) -> Result<Vec<app::receipts::ReceiptSeries>, String> {
        self.receipts
            .iter()
            .enumerate()
            .map(|(i, r)| {
                app::receipts::ReceiptSeries::new(
                    &r.agency,
                    &r.template,
                    &r.series,
                    &r.organisation,
                    &r.tax_code,
                )
                .map_err(|e| format!("ký hiệu biên lai thứ {}: {e}", i + 1))
            })
            .collect()
    }

    fn build(&self) -> Result<Vec<app::payments::CollectingAccount>, String> {
        self.accounts
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let at = |e: String| format!("tài khoản thứ {}: {e}", i + 1);
                let agency = domain::agency::AgencyId::parse(&a.agency)
                    .map_err(|_| at(format!("mã cơ quan \"{}\" không hợp lệ", a.agency)))?;
                let account = domain::vietqr::Account::new(&a.bin, &a.account)
                    .map_err(|e| at(e.message.to_string()))?;
                let text = |name: &str, v: &str| {
                    let v = vntext::clean(v);
                    if v.is_empty() || v.chars().count() > 200 {
                        Err(at(format!("cần ghi {name} (tối đa 200 ký tự)")))
                    } else {
                        Ok(v)
                    }
                };
                Ok(app::payments::CollectingAccount {
                    agency,
                    account,
                    holder: text("tên chủ tài khoản (holder)", &a.holder)?,
                    bank: text("tên ngân hàng (bank)", &a.bank)?,
                })
            })
            .collect()
    }
}

/// Ký số kết quả (`[signing]`): the organisation's certificate that signs each result when the
/// clerk issues it — a PKCS#12 file (`p12`, its password in the environment variable named by
/// `password_env`) or a PKCS#11 token (`pkcs11_module`, `token` label, PIN in `pin_env`,
/// `key_label`, and `chain`, the issuing CA certificates as PEM or DER files). Without it,
/// results are issued on paper only.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigningConfig {
    pub p12: Option<PathBuf>,
    pub password_env: Option<String>,
    pub pkcs11_module: Option<String>,
    pub token: Option<String>,
    pub pin_env: Option<String>,
    pub key_label: Option<String>,
    #[serde(default)]
    pub chain: Vec<PathBuf>,
    /// Nơi ký, written in the signature (e.g. "Lào Cai").
    pub location: Option<String>,
    /// Máy chủ dấu thời gian (RFC 3161 over HTTP, e.g. the Government CA's): with it results
    /// are signed PAdES B-T; when it cannot be reached they are signed B-B and a warning logged.
    pub tsa_url: Option<String>,
    /// How long to wait for the TSA (seconds).
    #[serde(default = "tsa_timeout")]
    pub tsa_timeout_seconds: u64,
    /// Chứng thư gốc tin cậy (PEM or DER files; a PEM file may hold several): the national root
    /// for public CAs and the Government CA's root. Signatures read from uploaded files and on
    /// the verification page are checked to chain to one of them.
    #[serde(default)]
    pub trust_roots: Vec<PathBuf>,
    /// Lấy danh sách thu hồi khi ký: each CRL the chain's certificates name is fetched (waiting
    /// at most `tsa_timeout_seconds`), checked and carried in the signature; a revoked
    /// certificate signs nothing. On unless set to false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetch_revocation: Option<bool>,
    /// Hình con dấu: the organisation's seal as a PNG (red on a transparent ground), shown at
    /// its real size (`seal_mm`, default 36) with the organisation's signature, over the left
    /// third of the approver's (ND 30/2020 Phụ lục I). Without it the organisation's signature
    /// shows its name and the signing time in red.
    pub seal_image: Option<PathBuf>,
    pub seal_mm: Option<f32>,
    /// Khóa ký cá nhân của người phê duyệt (`[[signing.approvers]]`): an approver listed here
    /// signs the result with each approval, giving the key's PIN or password then (never
    /// stored): a PKCS#12 file, or a PKCS#11 token or HSM slot.
    #[serde(default)]
    pub approvers: Vec<ApproverConfig>,
}

/// One approver's personal key (`[[signing.approvers]]`): `username`; `p12`, or
/// `pkcs11_module` with `token`, `key_label` and `chain`; `signature_image`, their handwritten
/// signature as a PNG (blue on a transparent ground), shown where they sign.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApproverConfig {
    pub username: String,
    pub p12: Option<PathBuf>,
    pub pkcs11_module: Option<String>,
    pub token: Option<String>,
    pub key_label: Option<String>,
    #[serde(default)]
    pub chain: Vec<PathBuf>,
    pub signature_image: Option<PathBuf>,
}

fn read_file(path: &PathBuf) -> Result<Vec<u8>, String> {
    std::fs::read(path)
        .map_err(crate::os)
        .map_err(|e| format!("không đọc được {}: {e}", path.display()))
}

/// The certificates of PEM or DER files, as DER.
fn read_chain(paths: &[PathBuf]) -> Result<Vec<Vec<u8>>, String> {
    let mut chain = Vec::new();
    for path in paths {
        chain.extend(
            kyso::read_certificates(&read_file(path)?)
                .map_err(|e| format!("{}: {e}", path.display()))?
                .into_iter()
                .map(|c| c.der),
        );
    }
    Ok(chain)
}

/// A PNG picture for a signature's appearance, checked to be one.
fn read_png(path: &PathBuf, what: &str) -> Result<Vec<u8>, String> {
    let bytes = read_file(path)?;
    if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Err(format!("{what} {} phải là ảnh PNG", path.display()));
    }
    Ok(bytes)
}

impl ApproverConfig {
    fn key(&self) -> Result<app::signing::ApproverKey, String> {
        let who = &self.username;
        let key = match (&self.p12, &self.pkcs11_module) {
            (Some(path), None) => {
                let bytes = read_file(path)?;
                // Opening needs the password the approver gives; the file is checked to read.
                app::signing::KeySource::Pkcs12(bytes)
            }
            (None, Some(module)) => app::signing::KeySource::Pkcs11 {
                module: module.clone(),
                token: self
                    .token
                    .clone()
                    .ok_or_else(|| format!("[[signing.approvers]] {who}: cần token"))?,
                key_label: self.key_label.clone().unwrap_or_default(),
                chain: read_chain(&self.chain)?,
            },
            _ => {
                return Err(format!(
                    "[[signing.approvers]] {who}: chọn một trong p12 hoặc pkcs11_module"
                ));
            }
        };
        let image = self
            .signature_image
            .as_ref()
            .map(|p| read_png(p, "chữ ký"))
            .transpose()?;
        Ok(app::signing::ApproverKey { key, image })
    }
}

fn tsa_timeout() -> u64 {
    10
}

impl SigningConfig {
    /// The configured trust roots; a file that cannot be read stops the server with the reason.
    pub fn roots(&self) -> Result<Vec<kyso::Cert>, String> {
        let mut out = Vec::new();
        for path in &self.trust_roots {
            let bytes = read_file(path)?;
            out.extend(
                kyso::read_certificates(&bytes).map_err(|e| format!("{}: {e}", path.display()))?,
            );
        }
        Ok(out)
    }

    /// The signing set-up, or `None` when no certificate is configured. A certificate that
    /// cannot be opened stops the server with the reason.
    pub fn build(&self) -> Result<Option<Arc<app::signing::Signing>>, String> {
        let secret = |var: &Option<String>, what: &str| -> Result<String, String> {
            let var = var
                .as_deref()
                .ok_or_else(|| format!("[signing] cần {what}: tên biến môi trường chứa nó"))?;
            std::env::var(var).map_err(|_| format!("biến môi trường {var} ({what}) chưa đặt"))
        };
        let signer: Arc<dyn kyso::Signer + Send + Sync> = match (&self.p12, &self.pkcs11_module) {
            (None, None) if self.approvers.is_empty() => return Ok(None),
            (None, None) => {
                return Err(
                    "[[signing.approvers]] cần khóa ký của cơ quan ([signing] p12 hoặc pkcs11_module) để văn thư phát hành"
                        .into(),
                );
            }
            (Some(_), Some(_)) => {
                return Err("[signing]: chọn một trong p12 hoặc pkcs11_module".into());
            }
            (Some(path), None) => {
                let bytes = read_file(path)?;
                let password = secret(&self.password_env, "password_env")?;
                Arc::new(
                    kyso::Pkcs12Signer::open(&bytes, &password)
                        .map_err(|e| format!("{}: {e}", path.display()))?,
                )
            }
            (None, Some(module)) => {
                let chain = read_chain(&self.chain)?;
                let token = self
                    .token
                    .as_deref()
                    .ok_or("[signing] cần token: nhãn của thiết bị ký")?;
                Arc::new(
                    kyso::Pkcs11Signer::open(
                        module,
                        token,
                        &secret(&self.pin_env, "pin_env")?,
                        self.key_label.as_deref().unwrap_or(""),
                        &chain,
                    )
                    .map_err(|e| e.to_string())?,
                )
            }
        };
        let timestamper = match &self.tsa_url {
            Some(url) => Some(Arc::new(
                kyso::HttpTimestamper::new(
                    url,
                    std::time::Duration::from_secs(self.tsa_timeout_seconds.clamp(1, 120)),
                )
                .map_err(|e| format!("[signing] tsa_url: {e}"))?,
            ) as Arc<dyn kyso::Timestamper + Send + Sync>),
            None => None,
        };
        let revocation = self.fetch_revocation.unwrap_or(true).then(|| {
            Arc::new(kyso::HttpRevocation {
                timeout: std::time::Duration::from_secs(self.tsa_timeout_seconds.clamp(1, 120)),
            }) as Arc<dyn kyso::RevocationSource + Send + Sync>
        });
        Ok(Some(Arc::new(app::signing::Signing {
            signer,
            timestamper,
            revocation,
            location: self.location.clone().unwrap_or_default(),
            approvers: self
                .approvers
                .iter()
                .map(|a| Ok((a.username.clone(), a.key()?)))
                .collect::<Result<_, String>>()?,
            seal: self
                .seal_image
                .as_ref()
                .map(|p| read_png(p, "con dấu"))
                .transpose()?,
            seal_mm: match self.seal_mm {
                None => 36.0,
                Some(mm) if (20.0..=60.0).contains(&mm) => mm,
                Some(mm) => return Err(format!("[signing] seal_mm = {mm}: từ 20 đến 60 mm")),
            },
        })))
    }
}

/// Giấy tờ (`[documents]`): `public_url`, the portal's address printed on receipts and in their
/// QR code (default: the address the server listens on); `templates`, a folder of the
/// province's own form templates (`mau-01.toml`, …; copy them with `motcua forms --print NAME`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentsConfig {
    pub public_url: Option<String>,
    pub templates: Option<PathBuf>,
}

/// Nhật ký (`[logging]`, or `MOTCUA_LOGGING__FORMAT`): `format = "json"` writes one JSON object per line (for a log collector);
/// the default is text for a person. Which messages: `MOTCUA_LOG` (e.g. `info`, `debug`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    #[serde(default)]
    pub format: web::observe::LogFormat,
}

/// Đánh giá TTHC: the scheme file replacing TT 01/2018's (format: the shipped
/// `crates/domain/data/danh-gia-tt01-2018.toml`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluationConfig {
    pub scheme: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    #[serde(deserialize_with = "listen_address")]
    pub listen: SocketAddr,
    /// Seconds a client has to send a request's headers (and a new connection its first byte).
    #[serde(default = "default_header_timeout")]
    pub header_timeout_seconds: u64,
    /// Seconds a keep-alive connection may stay idle.
    #[serde(default = "default_idle_timeout")]
    pub idle_timeout_seconds: u64,
    /// Most connections at once (0: a quarter of the open-file limit, 256–4,096).
    #[serde(default)]
    pub max_connections: usize,
    /// Reverse proxies or load balancers whose `X-Forwarded-For` gives the client's address.
    #[serde(default)]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The bearer token that opens `GET /metrics` (Prometheus); without one the endpoint does
    /// not exist. Give it as `MOTCUA_SERVER__METRICS_TOKEN` rather than in a file others read.
    #[serde(default)]
    pub metrics_token: Option<String>,
    /// The database's disk counts as nearly full under this share of it (1–50 %)…
    #[serde(default = "default_low_disk_percent")]
    pub low_disk_percent: u8,
    /// …or under this much free space (MiB), whichever is less: the server warns at start,
    /// and `/readyz` answers 503, before writes fail.
    #[serde(default = "default_low_disk_mib")]
    pub low_disk_mib: u64,
}

/// The address to listen on, refused in words an operator reads.
pub(crate) fn listen_address<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<SocketAddr, D::Error> {
    parse_listen(&String::deserialize(d)?).map_err(serde::de::Error::custom)
}

/// `127.0.0.1:8080`, from the file, a variable or `--listen` alike.
fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    text.parse().map_err(|_| {
        format!(
            "địa chỉ lắng nghe \"{}\" không hợp lệ: viết IP:cổng, ví dụ 127.0.0.1:8080",
            domain::error::shorten(text)
        )
    })
}

fn default_low_disk_percent() -> u8 {
    app::LowDisk::default().percent
}

fn default_low_disk_mib() -> u64 {
    app::LowDisk::default().mib
}

impl ServerConfig {
    /// The nearly-full threshold, once found sensible.
    fn low_disk(&self) -> Result<app::LowDisk> {
        if !(1..=50).contains(&self.low_disk_percent) || self.low_disk_mib == 0 {
            return Err(BadInput(format!(
                "cấu hình không hợp lệ: [server] low_disk_percent = {}, low_disk_mib = {} (cần 1–50 % và ít nhất 1 MiB)",
                self.low_disk_percent, self.low_disk_mib
            ))
            .into());
        }
        Ok(app::LowDisk {
            percent: self.low_disk_percent,
            mib: self.low_disk_mib,
        })
    }
}

fn default_header_timeout() -> u64 {
    10
}

fn default_idle_timeout() -> u64 {
    30
}

impl ServerConfig {
    fn net(&self) -> web::NetOptions {
        web::NetOptions {
            header_timeout: std::time::Duration::from_secs(self.header_timeout_seconds.max(1)),
            idle_timeout: std::time::Duration::from_secs(self.idle_timeout_seconds.max(1)),
            max_connections: match self.max_connections {
                0 => web::server::default_max_connections(),
                n => n,
            },
            trusted_proxies: self.trusted_proxies.clone(),
        }
    }
}

/// Giới hạn tần suất (`[limits]`): how often one address or account may try what an attacker
/// repeats. Each is a count per a number of minutes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    pub login_per_address_per_minute: u32,
    pub login_failures_per_address_per_15_minutes: u32,
    /// Consecutive failed logins of one account (within 15 minutes) that lock it.
    pub login_failures_to_lock: u32,
    pub lock_minutes: i64,
    pub wrong_access_codes_per_dossier_per_hour: u32,
    pub wrong_access_codes_per_address_per_hour: u32,
    pub online_submissions_per_account_per_day: u32,
    pub online_submissions_per_address_per_hour: u32,
    pub registrations_per_address_per_hour: u32,
    /// Queue tickets one kiosk (address) may take in 10 minutes.
    #[serde(default = "tickets_per_address")]
    pub tickets_per_address_per_10_minutes: u32,
    /// Public lookups of a dossier by code from one address in a minute.
    #[serde(default = "lookups_per_address")]
    pub lookups_per_address_per_minute: u32,
    /// Public catalogue searches and administrative-unit reads from one address in a minute.
    #[serde(default = "public_reads_per_address")]
    pub public_reads_per_address_per_minute: u32,
}

fn lookups_per_address() -> u32 {
    app::Limits::default().lookups_per_address.max
}

fn public_reads_per_address() -> u32 {
    app::Limits::default().public_reads_per_address.max
}

fn tickets_per_address() -> u32 {
    app::Limits::default().tickets_per_address.max
}

impl Default for LimitsConfig {
    fn default() -> Self {
        let d = app::Limits::default();
        Self {
            login_per_address_per_minute: d.login_per_address.max,
            login_failures_per_address_per_15_minutes: d.login_failures_per_address.max,
            login_failures_to_lock: d.login_failures_per_account.max,
            lock_minutes: d.account_lock.num_minutes(),
            wrong_access_codes_per_dossier_per_hour: d.access_failures_per_dossier.max,
            wrong_access_codes_per_address_per_hour: d.access_failures_per_address.max,
            online_submissions_per_account_per_day: d.submissions_per_account.max,
            online_submissions_per_address_per_hour: d.submissions_per_address.max,
            registrations_per_address_per_hour: d.registrations_per_address.max,
            tickets_per_address_per_10_minutes: d.tickets_per_address.max,
            lookups_per_address_per_minute: d.lookups_per_address.max,
            public_reads_per_address_per_minute: d.public_reads_per_address.max,
        }
    }
}

impl LimitsConfig {
    fn limits(&self) -> app::Limits {
        use app::Rate;
        app::Limits {
            login_per_address: Rate::per_minutes(self.login_per_address_per_minute, 1),
            login_failures_per_address: Rate::per_minutes(
                self.login_failures_per_address_per_15_minutes,
                15,
            ),
            login_failures_per_account: Rate::per_minutes(self.login_failures_to_lock, 15),
            account_lock: chrono::Duration::minutes(self.lock_minutes.max(1)),
            access_failures_per_dossier: Rate::per_minutes(
                self.wrong_access_codes_per_dossier_per_hour,
                60,
            ),
            access_failures_per_address: Rate::per_minutes(
                self.wrong_access_codes_per_address_per_hour,
                60,
            ),
            submissions_per_account: Rate::per_minutes(
                self.online_submissions_per_account_per_day,
                24 * 60,
            ),
            submissions_per_address: Rate::per_minutes(
                self.online_submissions_per_address_per_hour,
                60,
            ),
            registrations_per_address: Rate::per_minutes(
                self.registrations_per_address_per_hour,
                60,
            ),
            tickets_per_address: Rate::per_minutes(self.tickets_per_address_per_10_minutes, 10),
            lookups_per_address: Rate::per_minutes(self.lookups_per_address_per_minute, 1),
            public_reads_per_address: Rate::per_minutes(
                self.public_reads_per_address_per_minute,
                1,
            ),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite:data/motcua.db`, or `postgres://user:password@host:5432/name` for a province.
    pub url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionConfig {
    /// The longest a login lasts, used or not (hours).
    pub hours: i64,
    /// How long a login lasts unused (minutes); each use starts it again.
    #[serde(default = "default_idle_minutes")]
    pub idle_minutes: i64,
    /// The roles whose officers must log in with a second factor (xác thực hai bước: a code
    /// of an authenticator app): `leader`, `admin`, `unit-head`, `counter-officer`,
    /// `specialist`, `clerk`, `auditor`. Leaders and administrators by default; `[]` makes it
    /// optional for everyone (any officer may still turn it on).
    #[serde(default = "default_second_factor_roles")]
    pub second_factor_roles: Vec<domain::officer::Role>,
}

fn default_idle_minutes() -> i64 {
    30
}

fn default_second_factor_roles() -> Vec<domain::officer::Role> {
    app::second_factor::DEFAULT_ROLES.to_vec()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordsConfig {
    /// The fewest characters an officer's password may have (8–64).
    pub min_length: usize,
    /// How many of the four kinds (lower case, upper case, digits, others) it must hold (1–4).
    pub kinds: u8,
}

impl Default for PasswordsConfig {
    fn default() -> Self {
        let p = app::passwords::PasswordPolicy::OFFICER;
        Self {
            min_length: p.min_length,
            kinds: p.kinds,
        }
    }
}

impl PasswordsConfig {
    fn policy(&self) -> Result<app::passwords::PasswordPolicy> {
        if !(8..=64).contains(&self.min_length) || !(1..=4).contains(&self.kinds) {
            return Err(BadInput(format!(
                "cấu hình không hợp lệ: [passwords] min_length = {}, kinds = {} (cần 8–64 ký tự và 1–4 loại)",
                self.min_length, self.kinds
            ))
            .into());
        }
        Ok(app::passwords::PasswordPolicy {
            min_length: self.min_length,
            kinds: self.kinds,
        })
    }
}

impl SessionConfig {
    /// The section, once both lengths are found sensible.
    fn checked(&self) -> Result<&Self> {
        if !(1..=24 * 30).contains(&self.hours) {
            return Err(BadInput(format!(
                "cấu hình không hợp lệ: [session] hours = {} (cần từ 1 đến 720 giờ)",
                self.hours
            ))
            .into());
        }
        if self
            .second_factor_roles
            .contains(&domain::officer::Role::Citizen)
        {
            return Err(BadInput(
                "cấu hình không hợp lệ: [session] second_factor_roles chỉ gồm vai trò của cán bộ (citizen không phải vai trò cán bộ)".into(),
            )
            .into());
        }
        if !(1..=self.hours * 60).contains(&self.idle_minutes) {
            return Err(BadInput(format!(
                "cấu hình không hợp lệ: [session] idle_minutes = {} (cần từ 1 phút đến hours × 60)",
                self.idle_minutes
            ))
            .into());
        }
        Ok(self)
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            server: ServerConfig {
                listen: ([127, 0, 0, 1], 8080).into(),
                header_timeout_seconds: default_header_timeout(),
                idle_timeout_seconds: default_idle_timeout(),
                max_connections: 0,
                trusted_proxies: Vec::new(),
                metrics_token: None,
                low_disk_percent: default_low_disk_percent(),
                low_disk_mib: default_low_disk_mib(),
            },
            database: DatabaseConfig {
                url: "sqlite:data/motcua.db".into(),
            },
            feedback: domain::feedback::FeedbackRules::default(),
            rules: LegalRules::default(),
            session: SessionConfig {
                hours: 10,
                idle_minutes: default_idle_minutes(),
                second_factor_roles: default_second_factor_roles(),
            },
            passwords: PasswordsConfig::default(),
            evaluation: EvaluationConfig::default(),
            notify: notify::NotifyConfig::default(),
            limits: LimitsConfig::default(),
            logging: LogConfig::default(),
            documents: DocumentsConfig::default(),
            signing: SigningConfig::default(),
            payments: PaymentsConfig::default(),
            identity: None,
            population: None,
            backup: crate::backup::BackupConfig::default(),
        }
    }
}

/// Options every server command takes.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Tệp cấu hình TOML (mặc định motcua.toml nếu có).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Địa chỉ lắng nghe, ví dụ 127.0.0.1:8080 (ghi đè cấu hình).
    #[arg(long)]
    listen: Option<String>,
    /// Cơ sở dữ liệu, ví dụ sqlite:data/motcua.db hoặc postgres://motcua@127.0.0.1:5432/motcua (ghi đè cấu hình).
    #[arg(long)]
    database: Option<String>,
}

impl ConfigArgs {
    pub fn load(&self) -> Result<Config> {
        let mut layers = crate::layers::Layers::new(&Config::default()).map_err(BadInput)?;
        match &self.config {
            Some(path) if !path.exists() => {
                return Err(
                    BadInput(format!("không có tệp cấu hình \"{}\".", path.display())).into(),
                );
            }
            Some(path) => layers.file(path).map_err(BadInput)?,
            None if Path::new("motcua.toml").exists() => {
                layers.file(Path::new("motcua.toml")).map_err(BadInput)?
            }
            None => {}
        }
        layers
            .variables(std::env::vars_os().filter_map(|(name, value)| {
                Some((
                    name.into_string().ok()?,
                    value.to_string_lossy().into_owned(),
                ))
            }))
            .map_err(BadInput)?;
        let mut config: Config = layers.extract().map_err(BadInput)?;
        if let Some(listen) = &self.listen {
            config.server.listen = parse_listen(listen).map_err(BadInput)?;
        }
        if let Some(db) = &self.database {
            config.database.url = db.clone();
        }
        web::observe::use_log_format(config.logging.format);
        Ok(config)
    }
}

/// Opens the database (creating the folder of a SQLite file) and applies migrations.
/// Creates the folder a file is to go in, if it has one and it is missing.
pub(crate) fn create_parent(path: &Path) -> Result<(), BadInput> {
    match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => std::fs::create_dir_all(dir)
            .map_err(crate::os)
            .map_err(|e| BadInput(format!("không tạo được thư mục {}: {e}", dir.display()))),
        None => Ok(()),
    }
}

pub async fn open_db(config: &Config) -> Result<Db> {
    if let Some(path) = config.database.url.strip_prefix("sqlite:") {
        create_parent(Path::new(path.trim_start_matches("//")))?;
    }
    let db = Db::connect(&config.database.url).await.map_err(|e| {
        BadInput(format!(
            "không mở được cơ sở dữ liệu {}: {e}",
            store::without_password(&config.database.url)
        ))
    })?;
    db.migrate()
        .await
        .context("cập nhật cấu trúc cơ sở dữ liệu")?;
    Ok(db)
}

/// Opens a database that must already exist — for the commands that check, copy or change a
/// province's data. A SQLite path with a typo would otherwise become a new, empty database (and
/// `motcua verify` would find it sound); `serve`, `demo`, `migrate` and `init` create one.
pub async fn open_existing_db(config: &Config) -> Result<Db> {
    if let Some(path) = config.database.url.strip_prefix("sqlite:") {
        let path = Path::new(path.trim_start_matches("//"));
        if !path.is_file() {
            return Err(BadInput(format!(
                "không có cơ sở dữ liệu {}: kiểm tra đường dẫn (--database, [database] url \
                 trong motcua.toml); tạo mới bằng motcua init hoặc motcua migrate",
                store::without_password(&config.database.url)
            ))
            .into());
        }
    }
    open_db(config).await
}

pub async fn services(db: Db, config: &Config) -> Result<App> {
    Ok(services_with_channels(db, config).await?.0)
}

/// The services and the configured outbox channels.
pub async fn services_with_channels(db: Db, config: &Config) -> Result<(App, notify::Channels)> {
    services_with_secrets(db, config, &|var| std::env::var(var).ok()).await
}

/// As [`services_with_channels`], with the outbox's secrets from `secret` (by variable name).
async fn services_with_secrets(
    db: Db,
    config: &Config,
    secret: &dyn Fn(&str) -> Option<String>,
) -> Result<(App, notify::Channels)> {
    let (notices, channels) = config
        .notify
        .build_with(&format!("http://{}", config.server.listen), secret)
        .map_err(|e| BadInput(format!("cấu hình không hợp lệ: {e}")))?;
    let session = config.session.checked()?;
    let mut settings = Settings {
        rules: config.rules,
        feedback: config.feedback.checked().map_err(|e| BadInput(e.message))?,
        session_hours: session.hours,
        session_idle_minutes: session.idle_minutes,
        second_factor_roles: session.second_factor_roles.clone(),
        officer_passwords: config.passwords.policy()?,
        low_disk: config.server.low_disk()?,
        notices,
        limits: config.limits.limits(),
        metrics_token: config
            .server
            .metrics_token
            .clone()
            .filter(|t| !t.trim().is_empty()),
        ..Settings::default()
    };
    settings.national_codes = config
        .notify
        .national_codes(&channels)
        .map_err(|e| BadInput(format!("cấu hình không hợp lệ: {e}")))?;
    if let Some(t) = &settings.metrics_token
        && t.len() < 16
    {
        return Err(BadInput(
            "server.metrics_token quá ngắn: cần ít nhất 16 ký tự ngẫu nhiên".into(),
        )
        .into());
    }

    if let Some(path) = &config.evaluation.scheme {
        let text = std::fs::read_to_string(path)
            .map_err(crate::os)
            .map_err(|e| {
                BadInput(format!(
                    "không đọc được bộ chỉ số đánh giá \"{}\": {e}",
                    path.display()
                ))
            })?;
        let scheme = domain::evaluation::Scheme::parse(&text)
            .map_err(|e| BadInput(format!("{}: {}", path.display(), e.message)))?;
        settings.evaluation = Arc::new(scheme);
    }
    let public_url = config
        .documents
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", config.server.listen));
    settings.signing = config
        .signing
        .build()
        .map_err(|e| BadInput(format!("ký số: {e}")))?;
    settings.trust_roots = Arc::new(
        config
            .signing
            .roots()
            .map_err(|e| BadInput(format!("chứng thư gốc: {e}")))?,
    );
    settings.collecting_accounts = Arc::new(
        config
            .payments
            .build()
            .map_err(|e| BadInput(format!("payments: {e}")))?,
    );
    settings.receipt_series = Arc::new(
        config
            .payments
            .receipt_series()
            .map_err(|e| BadInput(format!("payments: {e}")))?,
    );
    settings.statement_columns = config
        .payments
        .statement
        .clone()
        .unwrap_or_default()
        .build()
        .map_err(|e| BadInput(format!("payments.statement: {e}")))?;
    settings.identity = match &config.identity {
        Some(i) => Some(Arc::new(
            i.build(&public_url)
                .map_err(|e| BadInput(format!("identity: {e}")))?,
        )),
        None => None,
    };
    settings.population = match &config.population {
        Some(p) => Some(Arc::new(
            p.build(secret)
                .map_err(|e| BadInput(format!("population: {e}")))?,
        ) as Arc<dyn app::population::PopulationRegistry>),
        None => None,
    };
    settings.gateway = match &config.payments.gateway {
        Some(g) => Some(Arc::new(
            g.build(&public_url)
                .map_err(|e| BadInput(format!("payments.gateway: {e}")))?,
        )),
        None => None,
    };
    if !settings.receipt_series.is_empty() && settings.signing.is_none() {
        return Err(BadInput(
            "payments: biên lai điện tử ([[payments.receipts]]) được ký bằng chứng thư số của tổ chức thu: cần cấu hình [signing]".into(),
        )
        .into());
    }
    settings.results = Arc::new(
        app::results::ResultTemplates::load(&public_url, config.documents.templates.as_deref())
            .map_err(|e| BadInput(format!("mẫu kết quả: {e}")))?,
    );
    let app = App::new(
        db,
        Arc::new(SystemClock),
        Arc::new(Calendar::embedded()),
        settings,
    )
    .await?;
    let tree = app.agencies();
    if let Some(a) = app
        .settings()
        .collecting_accounts
        .iter()
        .find(|a| tree.all().next().is_some() && tree.get(&a.agency).is_none())
    {
        return Err(BadInput(format!(
            "payments: không có cơ quan mã \"{}\" cho tài khoản thu phí",
            a.agency
        ))
        .into());
    }
    if let Some(r) = app
        .settings()
        .receipt_series
        .iter()
        .find(|r| tree.all().next().is_some() && tree.get(&r.agency).is_none())
    {
        return Err(BadInput(format!(
            "payments: không có cơ quan mã \"{}\" cho ký hiệu biên lai {}",
            r.agency, r.series
        ))
        .into());
    }
    Ok((app, channels))
}

/// Says which channels are on; a channel left out enqueues nothing.
fn log_channels(app: &App) {
    let s = app.notices().settings();
    let on_off = |on: bool| {
        if on {
            "bật"
        } else {
            "tắt (không cấu hình)"
        }
    };
    tracing::info!(
        email = on_off(s.email),
        sms = on_off(s.sms),
        webhooks = s.webhooks.len(),
        digest_hour = s.digest_hour,
        "thông báo: thư điện tử {}, SMS {}, {} nhóm trao đổi; tổng hợp hằng ngày lúc {}:00",
        on_off(s.email),
        on_off(s.sms),
        s.webhooks.len(),
        s.digest_hour
    );
    tracing::info!(
        national = on_off(s.national),
        "đồng bộ Cổng Dịch vụ công quốc gia: {}",
        on_off(s.national)
    );
}

/// Serves until Ctrl-C or SIGTERM, with the outbox worker and the digest scheduler beside the
/// HTTP server in the same process (DESIGN principle 6).
pub async fn serve(
    (app, channels): (App, notify::Channels),
    config: &Config,
    mut ui: web::UiOptions,
) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(config.server.listen)
        .await
        .map_err(crate::os)
        .map_err(|e| BadInput(format!("không mở được cổng {}: {e}", config.server.listen)))?;
    let addr = listener.local_addr()?;
    let public_url = config
        .documents
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    ui.documents =
        web::ui::documents::Documents::load(&public_url, config.documents.templates.as_deref())
            .map_err(BadInput)?;
    println!("Một Cửa đang chạy tại http://{addr}/  (tài liệu API: http://{addr}/api/docs/)");
    if let Some(problem) = app.health().await.problem() {
        // Said where the operator starting it looks, and in the log.
        println!(
            "CẢNH BÁO: {problem}. Máy chủ vẫn chạy: tra cứu, xem hồ sơ được; thao tác ghi trả lỗi 503 cho đến khi khắc phục (không cần khởi động lại). Tình trạng: http://{addr}/readyz"
        );
        tracing::warn!(problem, "the database is not fully usable");
    }
    if app.needs_setup() {
        // Only whoever sees this console may use the first-run page.
        let code = app::province::one_time_password()?;
        println!(
            "Cơ sở dữ liệu chưa có tỉnh nào: mở http://{addr}/khoi-tao và nhập mã khởi tạo {code} \
             (hoặc dùng `motcua init`)."
        );
        ui.setup_code = Some(code);
    }
    if let Some(dir) = &config.backup.dir {
        let at = config.backup.time()?;
        println!(
            "Sao lưu định kỳ: hằng ngày lúc {} vào {}, giữ {} bản.",
            at.format("%H:%M"),
            dir.display(),
            config.backup.keep.max(1)
        );
    }
    println!("Dừng: Ctrl-C");
    log_channels(&app);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let poll = std::time::Duration::from_secs(config.notify.poll_seconds);
    let national = channels.national.clone();
    let worker = tokio::spawn(
        notify::Worker::new(app.clone(), channels).run(poll, stopped(stop_rx.clone())),
    );
    let scheduler = tokio::spawn(
        notify::Scheduler::new(app.clone())
            .with_national(national)
            .run(
                std::time::Duration::from_secs(config.notify.scheduler_seconds),
                stopped(stop_rx.clone()),
            ),
    );
    let sweeper = tokio::spawn(sweep(app.clone(), stopped(stop_rx.clone())));
    let backups = tokio::spawn(crate::backup::scheduled(
        app.clone(),
        config.backup.clone(),
        store::without_password(&config.database.url),
        stopped(stop_rx.clone()),
    ));
    // The other servers of a PostgreSQL database: their calls on this server's boards, their
    // changes to what this server keeps in memory.
    let follower = tokio::spawn(app.clone().follow_servers(stopped(stop_rx)));
    web::serve_with(listener, app.clone(), ui, config.server.net(), shutdown()).await?;
    let _ = stop_tx.send(true);
    // A message cut off mid-send stays leased and is tried again later (at least once).
    let _ = tokio::join!(worker, scheduler, sweeper, follower, backups);
    app.close().await;
    println!("Đã dừng.");
    Ok(())
}

/// Sweeps expired sessions, idempotency keys and throttle windows every ten minutes.
async fn sweep(app: App, stop: impl std::future::Future<Output = ()>) {
    tokio::pin!(stop);
    loop {
        match app.accounts().housekeeping().await {
            Ok(n) if n > 0 => tracing::info!(removed = n, "expired sessions and keys swept"),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "sweeping expired sessions failed"),
        }
        tokio::select! {
            () = &mut stop => return,
            () = tokio::time::sleep(std::time::Duration::from_secs(600)) => {}
        }
    }
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// Options of `motcua demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    config: ConfigArgs,
    /// Mật khẩu của mọi tài khoản trình diễn.
    #[arg(long, default_value = "motcua@2026")]
    password: String,
    /// Sinh lịch sử hồ sơ từ ngày này (YYYY-MM-DD).
    #[arg(long, default_value = "2026-06-01")]
    since: String,
    /// Chỉ nạp dữ liệu, không chạy máy chủ.
    #[arg(long)]
    no_serve: bool,
    /// Chạy kèm một Cổng Dịch vụ công quốc gia giả lập (fakeportal) trên 127.0.0.1 và đồng bộ
    /// mọi hồ sơ lên đó, để xem đồng bộ và chỉ số 766 mục 1.4 trên dữ liệu trình diễn; kèm một
    /// dịch vụ tra cứu CSDL dân cư giả lập chứa người dân trình diễn.
    #[arg(long)]
    fake_national_portal: bool,
}

/// `motcua demo`: creates the database if needed, seeds the demo province once, prints the demo
/// logins, then serves.
pub async fn demo(args: DemoArgs) -> Result<()> {
    let config = args.config.load()?;
    let since = NaiveDate::parse_from_str(args.since.trim(), "%Y-%m-%d").map_err(|_| {
        BadInput(format!(
            "ngày \"{}\" không hợp lệ (YYYY-MM-DD).",
            args.since
        ))
    })?;
    let mut config = config;
    // Trying the demo should not need a phone: the second factor is offered to every officer
    // (Tài khoản) but asked of no role.
    config.session.second_factor_roles.clear();
    // The demo's own fake portal: a real HTTP server in this process, with a secret of its own.
    let fake_secret = hex::encode(uuid::Uuid::now_v7().as_bytes());
    let fake = if args.fake_national_portal {
        let fake = fakeportal::FakePortal::start("127.0.0.1:0", "motcua-demo", &fake_secret)
            .await
            .map_err(|e| BadInput(format!("không chạy được Cổng giả lập: {e}")))?;
        config.notify.national = Some(notify::NationalConfig {
            url: fake.url(),
            client_id: "motcua-demo".into(),
            secret_env: "MOTCUA_DEMO_PORTAL_SECRET".into(),
            timeout_seconds: 10,
            codes_from_portal: Vec::new(),
        });
        Some(fake)
    } else {
        None
    };
    let population = if args.fake_national_portal {
        let fake = fakeportal::population::FakePopulation::start(&fake_secret)
            .await
            .map_err(|e| BadInput(format!("không chạy được CSDL dân cư giả lập: {e}")))?;
        config.population = Some(PopulationConfig {
            url: fake.url(),
            secret_env: "MOTCUA_DEMO_PORTAL_SECRET".into(),
            timeout_seconds: 10,
        });
        Some(fake)
    } else {
        None
    };
    let db = open_db(&config).await?;
    let secret = |var: &str| {
        if var == "MOTCUA_DEMO_PORTAL_SECRET" {
            Some(fake_secret.clone())
        } else {
            std::env::var(var).ok()
        }
    };
    let (app, channels) = services_with_secrets(db, &config, &secret).await?;
    if app.is_empty().await? {
        println!(
            "Đang nạp dữ liệu trình diễn (tỉnh Lào Cai) vào {} …",
            store::without_password(&config.database.url)
        );
        let started = std::time::Instant::now();
        let s = app::demo::seed(&app, &args.password, since).await?;
        println!(
            "Đã nạp: {} cơ quan, {} thủ tục, {} tài khoản, {} hồ sơ ({} sự kiện) từ {} — {:.1} s.",
            s.agencies,
            s.procedures,
            s.officers,
            s.history.dossiers,
            s.history.events,
            since.format("%d/%m/%Y"),
            started.elapsed().as_secs_f64()
        );
        let statuses: Vec<String> = s
            .history
            .by_status
            .iter()
            .map(|(code, n)| format!("{code}: {n}"))
            .collect();
        println!(
            "Hồ sơ theo trạng thái (mã quốc gia): {}",
            statuses.join(", ")
        );
        println!();
        println!("Tài khoản trình diễn (mật khẩu chung: {}):", args.password);
        for l in &s.logins {
            println!(
                "  {:<26} {:<22} {} — {}",
                l.username,
                l.role.label(),
                l.full_name,
                l.agency_name
            );
        }
        println!(
            "  (các xã khác: cùng tên với hậu tố .camduong, .laocai, .giaphu, .sapa, .batxat)"
        );
        if let Some((id, name)) = &s.citizen {
            println!("  {id:<26} {:<22} {name}", "Công dân");
        }
        println!(
            "  Trình diễn không bắt buộc xác thực hai bước (máy chủ thật: bắt buộc với lãnh đạo, quản trị); cán bộ nào cũng bật được ở trang Tài khoản."
        );
        println!();
    } else {
        println!(
            "Cơ sở dữ liệu {} đã có dữ liệu; dùng lại.",
            store::without_password(&config.database.url)
        );
    }
    if let Some(fake) = &fake {
        let confirmed = app::demo::confirm_codes_for_fake_portal(&app).await?;
        let queued = app.national_backfill().await?;
        println!(
            "Cổng Dịch vụ công quốc gia GIẢ LẬP (chỉ để trình diễn) tại {}: coi {confirmed} mã định danh là đã xác nhận; đang đồng bộ {queued} hồ sơ (Quản trị › Hộp thư đi; Lãnh đạo › Chỉ số 766, mục 1.4).",
            fake.url()
        );
        // One invented petition waiting on the stand-in national feedback system, so that the
        // demo shows it arriving (Xử lý phản ánh, kênh "Hệ thống tiếp nhận PAKN quốc gia").
        let commune = domain::agency::AgencyId::parse("lao-cai.bao-thang").expect("valid id");
        if let Some(a) = app.agencies().get(&commune) {
            fake.submit_petition(app::feedback::NationalPetition {
                id: format!("PAKN-QG-DEMO-{}", since.format("%Y%m%d")),
                agency_code: a.code.to_string(),
                title: "Đề nghị niêm yết rõ lệ phí chứng thực".into(),
                content: "Bảng niêm yết tại Bộ phận Một cửa chưa ghi lệ phí chứng thực bản sao theo trang. (Phản ánh trình diễn, không phải của người thật.)".into(),
                name: "Người dân trình diễn".into(),
                phone: None,
                email: Some("nguoi-dan@example.invalid".into()),
                dossier_code: None,
                procedure_code: None,
            });
        }
    }
    if let Some(fake) = &population {
        let residents = app::demo::demo_residents(&app, 2_000).await?;
        let n = residents.len();
        for (id_number, name, address) in residents {
            fake.add(demo_resident(id_number, name, address));
        }
        println!(
            "CSDL quốc gia về dân cư GIẢ LẬP (chỉ để trình diễn) tại {}: {n} người dân trình diễn; tra cứu ở màn hình tiếp nhận.",
            fake.url()
        );
    }
    if args.no_serve {
        return Ok(());
    }
    serve(
        (app, channels),
        &config,
        web::UiOptions {
            demo_password: Some(args.password.clone()),
            ..Default::default()
        },
    )
    .await
}

/// A demo person as the stand-in population database holds them: birth year and gender read
/// from the personal id number (its 4th digit gives century and gender, the next two the year;
/// ND 137/2015 Art. 7), day and month from its last digits.
fn demo_resident(
    id_number: String,
    name: String,
    address: domain::applicant::Address,
) -> fakeportal::population::Resident {
    let digit = |i: usize| u32::from(id_number.as_bytes()[i] - b'0');
    let century = match digit(3) {
        0 | 1 => 1900,
        2 | 3 => 2000,
        _ => 2100,
    };
    let year = century + digit(4) * 10 + digit(5);
    let day = 1 + (digit(10) * 10 + digit(11)) % 28;
    let month = 1 + (digit(8) * 10 + digit(9)) % 12;
    fakeportal::population::Resident {
        gender: if digit(3) % 2 == 0 { "Nam" } else { "Nữ" }.into(),
        birth_date: format!("{day:02}/{month:02}/{year}"),
        id_number,
        name,
        residence: address.text,
        commune_code: address.commune_code.unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each TOML block the README shows is a configuration the server reads: a key renamed in
    /// the code and not in the README would otherwise stop an operator who copied it.
    #[test]
    fn every_configuration_the_readme_shows_is_read() {
        let readme = include_str!("../../../README.md");
        let blocks: Vec<&str> = readme
            .split("```toml\n")
            .skip(1)
            .map(|b| b.split("```").next().unwrap_or(""))
            .collect();
        assert!(blocks.len() >= 10, "{} blocks", blocks.len());
        let dir = std::env::temp_dir().join(format!("motcua-readme-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (n, block) in blocks.iter().enumerate() {
            let path = dir.join(format!("{n}.toml"));
            std::fs::write(&path, block).unwrap();
            let mut layers = crate::layers::Layers::new(&Config::default()).unwrap();
            let read = layers.file(&path).and_then(|()| layers.extract::<Config>());
            assert!(read.is_ok(), "README block {n}:\n{block}\n{read:?}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn collecting_accounts_are_checked_at_start() {
        let account = |agency: &str, bin: &str, number: &str, holder: &str| AccountConfig {
            agency: agency.into(),
            bin: bin.into(),
            account: number.into(),
            holder: holder.into(),
            bank: "VietinBank".into(),
        };
        let build = |a: AccountConfig| {
            PaymentsConfig {
                accounts: vec![a],
                receipts: Vec::new(),
                gateway: None,
                statement: None,
            }
            .build()
        };
        let ok = build(account(
            "lao-cai.bao-thang",
            "970415",
            "113000123456",
            " UBND XA  BAO THANG ",
        ))
        .unwrap();
        assert_eq!(ok[0].holder, "UBND XA BAO THANG");
        for (bad, says) in [
            (account("lao-cai.bao-thang", "97041", "1", "X"), "BIN"),
            (
                account("lao-cai.bao-thang", "970415", "11 30", "X"),
                "Số tài khoản",
            ),
            (account("lao-cai.bao-thang", "970415", "1", " "), "holder"),
            (account("Lào Cai", "970415", "1", "X"), "mã cơ quan"),
        ] {
            let e = build(bad).unwrap_err();
            assert!(e.starts_with("tài khoản thứ 1") && e.contains(says), "{e}");
        }
    }

    #[test]
    fn approvers_need_the_organisations_key_and_pictures_must_be_png() {
        let dir = std::env::temp_dir().join(format!("motcua-ky-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p12 = dir.join("ca-nhan.p12");
        std::fs::write(&p12, b"not opened until the approver signs").unwrap();
        let jpeg = dir.join("chu-ky.jpg");
        std::fs::write(&jpeg, b"\xff\xd8\xff\xe0 a jpeg").unwrap();

        let alone = SigningConfig {
            approvers: vec![ApproverConfig {
                username: "chutich.baothang".into(),
                p12: Some(p12.clone()),
                ..ApproverConfig::default()
            }],
            ..SigningConfig::default()
        };
        let e = alone.build().err().unwrap();
        assert!(e.contains("khóa ký của cơ quan"), "{e}");

        let approver = ApproverConfig {
            username: "chutich.baothang".into(),
            p12: Some(p12.clone()),
            signature_image: Some(jpeg.clone()),
            ..ApproverConfig::default()
        };
        let e = approver.key().err().unwrap();
        assert!(e.contains("phải là ảnh PNG"), "{e}");
        let neither = ApproverConfig {
            username: "chutich.baothang".into(),
            ..ApproverConfig::default()
        };
        let e = neither.key().err().unwrap();
        assert!(e.contains("chọn một trong p12 hoặc pkcs11_module"), "{e}");
        let key = ApproverConfig {
            signature_image: None,
            ..approver
        }
        .key()
        .unwrap();
        assert!(matches!(key.key, app::signing::KeySource::Pkcs12(_)) && key.image.is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_session_and_disk_sections_are_checked_at_start() {
        let mut c = Config::default();
        assert_eq!(
            c.session.second_factor_roles,
            [domain::officer::Role::Leader, domain::officer::Role::Admin]
        );
        assert!(c.session.checked().is_ok());
        c.session.second_factor_roles = vec![domain::officer::Role::Citizen];
        let e = c.session.checked().unwrap_err().to_string();
        assert!(e.contains("second_factor_roles"), "{e}");

        assert_eq!(c.server.low_disk().unwrap(), app::LowDisk::default());
        c.server.low_disk_percent = 0;
        let e = c.server.low_disk().unwrap_err().to_string();
        assert!(e.contains("low_disk_percent = 0"), "{e}");
        c.server.low_disk_percent = 10;
        c.server.low_disk_mib = 0;
        assert!(c.server.low_disk().is_err());
        c.server.low_disk_mib = 4096;
        assert_eq!(
            c.server.low_disk().unwrap(),
            app::LowDisk {
                percent: 10,
                mib: 4096
            }
        );
    }
}
