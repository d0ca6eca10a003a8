//! Cấu hình thông báo — the `[notify]` section of `motcua.toml` (or `MOTCUA_NOTIFY__*`): SMTP,
//! the SMS gateway, the webhooks of units' chat groups, the digest hour and the retries. A
//! channel left out is off: its messages are not enqueued at all.

use std::sync::Arc;

use app::notices::NoticeSettings;
use chrono::Duration;
use domain::agency::AgencyId;
use serde::{Deserialize, Serialize};

use crate::{Channels, HttpSmsGateway, HttpWebhookSender, SmtpMailer};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifyConfig {
    /// The address people open the system at, for links in messages
    /// (`https://motcua.laocai.gov.vn`); by default the address the server listens on.
    pub public_url: Option<String>,
    /// Hour of the daily digest, Vietnamese time (0–23).
    pub digest_hour: u32,
    /// Attempts before a message is dead (shown to administrators).
    pub max_attempts: u32,
    /// Minutes to wait after the 1st, 2nd, … failed attempt; the last one repeats.
    pub backoff_minutes: Vec<i64>,
    /// How often the worker looks for due messages, in seconds.
    pub poll_seconds: u64,
    /// How often the scheduled jobs look at the clock (digests, reminders, reconciliation), in
    /// seconds; on several servers, one of them runs them (see `Scheduler::run`).
    pub scheduler_seconds: u64,
    pub smtp: Option<SmtpConfig>,
    pub sms: Option<SmsConfig>,
    pub webhooks: Vec<WebhookConfig>,
    /// Time limit of one webhook request, in seconds.
    pub webhook_timeout_seconds: u64,
    /// `[notify.tax]`: where signed electronic receipts go to the tax authority.
    pub tax: Option<TaxConfig>,
    /// `[notify.national]`: the national public-service portal every dossier is synchronised to.
    pub national: Option<NationalConfig>,
}

impl Default for NotifyConfig {
    /// The application's defaults (`NoticeSettings`), with every channel off.
    fn default() -> Self {
        let app = NoticeSettings::default();
        Self {
            public_url: None,
            digest_hour: app.digest_hour,
            max_attempts: app.max_attempts,
            backoff_minutes: app.backoff.iter().map(|b| b.num_minutes()).collect(),
            poll_seconds: 10,
            scheduler_seconds: 60,
            smtp: None,
            sms: None,
            webhooks: Vec::new(),
            webhook_timeout_seconds: 15,
            tax: None,
            national: None,
        }
    }
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TlsMode {
    /// Plain text: only for a relay on the same machine or network.
    None,
    /// STARTTLS, required (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    /// 25 (none), 587 (starttls) or 465 (tls) when not given.
    pub port: Option<u16>,
    #[serde(default)]
    pub tls: TlsMode,
    pub username: Option<String>,
    pub password: Option<String>,
    /// `Một Cửa Lào Cai <motcua@laocai.gov.vn>`.
    pub from: String,
    #[serde(default = "thirty")]
    pub timeout_seconds: u64,
}

impl SmtpConfig {
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            TlsMode::None => 25,
            TlsMode::Starttls => 587,
            TlsMode::Tls => 465,
        })
    }
}

fn thirty() -> u64 {
    30
}

fn fifteen() -> u64 {
    15
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsConfig {
    /// The gateway's JSON endpoint.
    pub url: String,
    pub token: Option<String>,
    /// The registered brandname, if the gateway needs it.
    pub sender: Option<String>,
    #[serde(default = "fifteen")]
    pub timeout_seconds: u64,
}

/// Gửi biên lai đến cơ quan thuế: the receiving endpoint (the tax authority's, or its service
/// provider's) and, when it asks for one, the environment variable holding its access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxConfig {
    /// Base address; receipts go to `{url}/bien-lai`, cancellations to `{url}/bien-lai/huy`.
    pub url: String,
    /// Name of the environment variable with the bearer token (kept out of the file).
    pub token_env: Option<String>,
    #[serde(default = "thirty")]
    pub timeout_seconds: u64,
}

/// Đồng bộ Cổng Dịch vụ công quốc gia: the synchronisation interface and the account the portal
/// gave the province.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NationalConfig {
    /// Base address of the interface (`{url}/GetToken`, `{url}/CreateDossier`, …).
    pub url: String,
    pub client_id: String,
    /// Name of the environment variable holding the client secret (kept out of the file).
    pub secret_env: String,
    #[serde(default = "thirty")]
    pub timeout_seconds: u64,
    /// Centres whose dossier codes the portal issues (`GetNextValue`): their ids, or `"*"` for
    /// every centre; empty (the default), every centre numbers its own.
    #[serde(default)]
    pub codes_from_portal: Vec<String>,
}

/// A unit's chat group: its daily digest is posted there.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// The agency id (`lao-cai.bao-thang.van-phong`); its digest covers it and its sub-units.
    pub agency: String,
    pub url: String,
    /// The shared secret of the HMAC signature (at least 16 characters).
    pub secret: String,
}

fn http_url(what: &str, url: &str) -> Result<(), String> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(())
    } else {
        Err(format!(
            "{what}: địa chỉ \"{url}\" phải bắt đầu bằng http:// hoặc https://."
        ))
    }
}

impl NotifyConfig {
    /// The centres whose dossier codes the national portal issues, with the portal (`channels`
    /// as [`NotifyConfig::build`] made them).
    pub fn national_codes(
        &self,
        channels: &Channels,
    ) -> Result<Option<app::national::NationalCodes>, String> {
        let (Some(n), Some(portal)) = (&self.national, &channels.national) else {
            return Ok(None);
        };
        if n.codes_from_portal.is_empty() {
            return Ok(None);
        }
        let centres = if n.codes_from_portal.iter().any(|c| c == "*") {
            Vec::new()
        } else {
            n.codes_from_portal
                .iter()
                .map(|c| {
                    AgencyId::parse(c)
                        .map_err(|e| format!("notify.national.codes_from_portal, \"{c}\": {e}"))
                })
                .collect::<Result<_, _>>()?
        };
        let source: Arc<dyn app::national::CodeSource> = portal.clone();
        Ok(Some(app::national::NationalCodes { source, centres }))
    }

    /// Checks the section and builds the settings of the services and the channels, secrets
    /// read from the environment. An error is a Vietnamese sentence saying what to fix.
    pub fn build(&self, default_public_url: &str) -> Result<(NoticeSettings, Channels), String> {
        self.build_with(default_public_url, &|var| std::env::var(var).ok())
    }

    /// As [`NotifyConfig::build`], with the secrets `secret` gives for a variable's name (the
    /// demo's own fake portal).
    pub fn build_with(
        &self,
        default_public_url: &str,
        secret: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(NoticeSettings, Channels), String> {
        if self.digest_hour > 23 {
            return Err(format!(
                "notify.digest_hour = {}: giờ gửi tổng hợp phải từ 0 đến 23.",
                self.digest_hour
            ));
        }
        if self.max_attempts == 0 {
            return Err("notify.max_attempts phải ít nhất là 1.".into());
        }
        if self.backoff_minutes.is_empty() || self.backoff_minutes.iter().any(|m| *m <= 0) {
            return Err(
                "notify.backoff_minutes: cần ít nhất một khoảng chờ, mỗi khoảng lớn hơn 0 phút."
                    .into(),
            );
        }
        if self.poll_seconds == 0 {
            return Err("notify.poll_seconds phải lớn hơn 0.".into());
        }
        if self.scheduler_seconds == 0 {
            return Err("notify.scheduler_seconds phải lớn hơn 0.".into());
        }
        let public_url = self
            .public_url
            .clone()
            .unwrap_or_else(|| default_public_url.to_string());
        http_url("notify.public_url", &public_url)?;
        let mut channels = Channels::default();
        if let Some(smtp) = &self.smtp {
            if smtp.host.trim().is_empty() {
                return Err("notify.smtp.host: cần tên máy chủ thư.".into());
            }
            if smtp.username.is_some() != smtp.password.is_some() {
                return Err("notify.smtp: cần cả username và password, hoặc bỏ cả hai.".into());
            }
            let mailer = SmtpMailer::new(smtp).map_err(|e| format!("notify.smtp: {e}"))?;
            channels.mailer = Some(Arc::new(mailer));
        }
        if let Some(sms) = &self.sms {
            http_url("notify.sms.url", &sms.url)?;
            let gateway = HttpSmsGateway::new(sms).map_err(|e| format!("notify.sms: {e}"))?;
            channels.sms = Some(Arc::new(gateway));
        }
        let mut agencies = Vec::new();
        for h in &self.webhooks {
            let agency = AgencyId::parse(&h.agency)
                .map_err(|e| format!("notify.webhooks, đơn vị \"{}\": {e}", h.agency))?;
            http_url(&format!("notify.webhooks ({})", h.agency), &h.url)?;
            if h.secret.chars().count() < 16 {
                return Err(format!(
                    "notify.webhooks ({}): secret cần ít nhất 16 ký tự.",
                    h.agency
                ));
            }
            if agencies.contains(&agency) {
                return Err(format!(
                    "notify.webhooks: đơn vị \"{}\" được khai báo hai lần.",
                    h.agency
                ));
            }
            agencies.push(agency);
        }
        if !self.webhooks.is_empty() {
            let sender = HttpWebhookSender::new(&self.webhooks, self.webhook_timeout_seconds)
                .map_err(|e| format!("notify.webhooks: {e}"))?;
            channels.webhooks = Some(Arc::new(sender));
        }
        if let Some(tax) = &self.tax {
            http_url("notify.tax.url", &tax.url)?;
            let token = match &tax.token_env {
                None => None,
                Some(var) => Some(secret(var).ok_or_else(|| {
                    format!("notify.tax.token_env: biến môi trường {var} chưa có mã truy cập của cơ quan thuế.")
                })?),
            };
            let sender =
                crate::HttpTaxAuthority::new(tax, token).map_err(|e| format!("notify.tax: {e}"))?;
            channels.tax = Some(Arc::new(sender));
        }
        if let Some(n) = &self.national {
            http_url("notify.national.url", &n.url)?;
            if n.client_id.trim().is_empty() {
                return Err("notify.national.client_id: cần mã ứng dụng Cổng cấp.".into());
            }
            let secret = secret(&n.secret_env).ok_or_else(|| {
                format!(
                    "notify.national.secret_env: biến môi trường {} chưa có mật khẩu ứng dụng (client_secret) Cổng cấp.",
                    n.secret_env
                )
            })?;
            let portal = crate::HttpNationalPortal::new(n, secret)
                .map_err(|e| format!("notify.national: {e}"))?;
            channels.national = Some(Arc::new(portal));
        }
        let settings = NoticeSettings {
            email: channels.mailer.is_some(),
            sms: channels.sms.is_some(),
            tax: channels.tax.is_some(),
            national: channels.national.is_some(),
            webhooks: agencies,
            public_url: public_url.trim_end_matches('/').to_string(),
            digest_hour: self.digest_hour,
            max_attempts: self.max_attempts,
            backoff: self
                .backoff_minutes
                .iter()
                .map(|m| Duration::minutes(*m))
                .collect(),
        };
        Ok((settings, channels))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_tax(url: &str, token_env: Option<&str>) -> NotifyConfig {
        NotifyConfig {
            tax: Some(TaxConfig {
                url: url.into(),
                token_env: token_env.map(String::from),
                timeout_seconds: 30,
            }),
            ..Default::default()
        }
    }

    #[test]
    fn the_tax_endpoint_turns_the_tax_channel_on_and_is_checked() {
        let (settings, channels) = NotifyConfig::default().build("http://x").unwrap();
        assert!(!settings.tax && channels.tax.is_none());
        let (settings, channels) = with_tax("https://thue.example.vn/api", None)
            .build("http://x")
            .unwrap();
        assert!(settings.tax && channels.tax.is_some());
        let err = with_tax("thue.example.vn", None)
            .build("http://x")
            .err()
            .unwrap();
        assert!(err.starts_with("notify.tax.url"), "{err}");
        let err = with_tax("https://thue.example.vn", Some("MOTCUA_KHONG_CO_BIEN_NAY"))
            .build("http://x")
            .err()
            .unwrap();
        assert!(
            err.contains("MOTCUA_KHONG_CO_BIEN_NAY chưa có mã truy cập"),
            "{err}"
        );
    }
}
