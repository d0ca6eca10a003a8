//! Biên lai điện tử — electronic receipts for fees (ND 254/2026, vn-framework §8.2). A
//! collecting organisation that keeps a receipt series names it in `motcua.toml`
//! (`[[payments.receipts]]`: its agency, template symbol, series symbol with the year, name and
//! tax code); a payment on a dossier received at or under that agency then takes the series'
//! next number of the year in the payment's own transaction (no gaps: a refused payment gives
//! its number back), and the receipt is signed with the organisation's certificate as an XML
//! file (XML-DSig) and a PDF (PAdES) right after. Should that signing fail, the receipt stays
//! issued and unsigned, and signing is tried again at its next download.

use chrono::{DateTime, Datelike, Utc};
use domain::agency::AgencyId;
use domain::dossier::{
    Command, Dossier, Event, Receipt, ReceiptBook, ReceiptFiles, ReceiptKey, Recorded,
};
use domain::officer::Actor;
use kyso::xml::Element;

use crate::{App, AppError, ErrorKind};

/// Ký hiệu biên lai of a collecting organisation: what `[[payments.receipts]]` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptSeries {
    /// The agency whose dossiers (its own and those of the agencies under it) it collects for.
    pub agency: AgencyId,
    /// Ký hiệu mẫu biên lai, e.g. "01BLP0-001".
    pub template: String,
    /// Ký hiệu biên lai with `{yy}` where the year's two digits go, e.g. "BT-{yy}E".
    pub series: String,
    /// Tên tổ chức thu.
    pub organisation: String,
    /// Mã số thuế.
    pub tax_code: String,
}

impl ReceiptSeries {
    /// Checks a series as configured; the message says what is wrong.
    pub fn new(
        agency: &str,
        template: &str,
        series: &str,
        organisation: &str,
        tax_code: &str,
    ) -> Result<ReceiptSeries, String> {
        let agency = AgencyId::parse(agency.trim())
            .map_err(|_| format!("agency = \"{}\": không phải mã cơ quan", agency.trim()))?;
        let symbol = |what: &str, v: &str| -> Result<String, String> {
            let v = v.trim();
            if v.is_empty()
                || v.len() > 20
                || !v
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '{' | '}'))
            {
                return Err(format!(
                    "{what} = \"{}\": chữ cái không dấu, chữ số và dấu gạch, tối đa 20 ký tự",
                    domain::error::shorten(v)
                ));
            }
            Ok(v.to_string())
        };
        let template = symbol("template", template)?;
        let series = symbol("series", series)?;
        if !series.contains("{yy}") {
            return Err(format!(
                "series = \"{series}\": ký hiệu biên lai phải có {{yy}} (hai chữ số của năm), vì số biên lai bắt đầu lại từ 1 mỗi năm, ví dụ \"BT-{{yy}}E\""
            ));
        }
        let organisation = organisation
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if organisation.is_empty() || organisation.chars().count() > 200 {
            return Err("organisation: tên tổ chức thu, từ 1 đến 200 ký tự".into());
        }
        let tax_code = tax_code.trim();
        let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        let valid_tax = match tax_code.split_once('-') {
            None => tax_code.len() == 10 && digits(tax_code),
            Some((head, branch)) => {
                head.len() == 10 && digits(head) && branch.len() == 3 && digits(branch)
            }
        };
        if !valid_tax {
            return Err(format!(
                "tax_code = \"{}\": mã số thuế gồm 10 chữ số (hoặc 10 chữ số, dấu gạch và 3 chữ số)",
                domain::error::shorten(tax_code)
            ));
        }
        Ok(ReceiptSeries {
            agency,
            template,
            series,
            organisation,
            tax_code: tax_code.to_string(),
        })
    }

    /// The book of a year: the series symbol with the year's two digits.
    pub fn book(&self, year: i32) -> ReceiptBook {
        ReceiptBook {
            template: self.template.clone(),
            series: self
                .series
                .replace("{yy}", &format!("{:02}", year.rem_euclid(100))),
            organisation: self.organisation.clone(),
            tax_code: self.tax_code.clone(),
        }
    }
}

/// How a receipt is numbered: the store's sequence and its period (the year), and the book.
pub(crate) struct Numbering {
    pub sequence: String,
    pub year: String,
    pub book: ReceiptBook,
}

impl App {
    /// The receipt series of the nearest agency at or above `receiving` that keeps one.
    pub fn receipt_series(&self, receiving: &AgencyId) -> Option<ReceiptSeries> {
        let tree = self.agencies();
        let all = &self.settings().receipt_series;
        tree.upward(receiving)
            .find_map(|id| all.iter().find(|s| &s.agency == id))
            .cloned()
    }

    /// Where a receipt of `d` issued at `now` takes its number, when its collecting
    /// organisation keeps a series (and so signs electronically).
    pub(crate) fn receipt_numbering(&self, d: &Dossier, now: DateTime<Utc>) -> Option<Numbering> {
        self.settings().signing.as_ref()?;
        let series = self.receipt_series(&d.receiving)?;
        let year = lich::time::to_vn(&now).year();
        let book = series.book(year);
        Some(Numbering {
            sequence: format!("bien-lai/{}/{}", series.agency, book.series),
            year: year.to_string(),
            book,
        })
    }

    /// Signs every receipt of `d` not signed yet and records the documents; returns the dossier
    /// as it is then. A failure is logged and leaves the receipt unsigned (tried again later):
    /// the payment it records stands.
    pub(crate) async fn sign_receipts(&self, mut d: Dossier) -> Dossier {
        let keys: Vec<ReceiptKey> = d.unsigned_receipts().map(Receipt::key).collect();
        for key in keys {
            match self.sign_receipt(d.clone(), &key).await {
                Ok(after) => d = after,
                Err(e) => {
                    tracing::warn!(code = %d.code, receipt = %key, error = %e.message, "receipt not signed");
                    break;
                }
            }
        }
        d
    }

    /// Renders and signs one receipt (XML and PDF), stores both, and records them.
    async fn sign_receipt(&self, d: Dossier, key: &ReceiptKey) -> Result<Dossier, AppError> {
        let signing = self.settings().signing.clone().ok_or_else(|| {
            AppError::new(
                ErrorKind::Rule,
                "signing_not_configured",
                "Chưa cấu hình chứng thư số của tổ chức thu ([signing]) nên chưa ký được biên lai.",
            )
        })?;
        let receipt = d
            .receipt(key)
            .cloned()
            .ok_or_else(|| AppError::not_found("receipt_not_found", "Không có biên lai này."))?;
        let template = self.settings().results.receipt().clone();
        let data = receipt_data(&d, &receipt);
        let xml = receipt_xml(&d, &receipt);
        let now = self.now();
        let reason = format!("Lập biên lai {key}");
        let organisation = receipt.organisation.clone();
        let (xml_bytes, pdf_bytes) =
            tokio::task::spawn_blocking(move || -> Result<(Vec<u8>, Vec<u8>), String> {
                let signer = signing.signer.as_ref();
                let xml = kyso::xml::sign_xml(&xml, signer).map_err(|e| e.to_string())?;
                let (pdf, blanks) = crate::signing::render(&template, &data, None)?;
                let spot = crate::signing::signer_blank(&blanks)?;
                let (rect, appearance) = crate::signing::seal_appearance(
                    &spot,
                    signing.seal.as_deref(),
                    signing.seal_mm,
                    &organisation,
                    &crate::signing::iso_time(now),
                )?;
                let options = kyso::SignOptions {
                    name: signer
                        .chain()
                        .first()
                        .map(|c| c.subject.clone())
                        .unwrap_or_default(),
                    reason,
                    location: signing.location.clone(),
                    when: crate::signing::pdf_time(now),
                    visible: Some(kyso::Visible {
                        page: spot.page,
                        rect,
                        appearance,
                    }),
                    blanks: Vec::new(),
                    fills: Vec::new(),
                };
                let pdf = crate::signing::sign(&pdf, signer, &options, &signing)?;
                Ok((xml, pdf))
            })
            .await
            .map_err(|_| sign_failed("máy chủ bận"))?
            .map_err(sign_failed)?;
        let stem = file_stem(key);
        let system = Actor::System;
        let files = ReceiptFiles {
            xml: self
                .store_made(
                    &system,
                    &xml_bytes,
                    format!("{stem}.xml"),
                    "application/xml",
                    now,
                )
                .await?,
            pdf: self
                .store_signed(&system, &pdf_bytes, format!("{stem}.pdf"), now)
                .await?,
        };
        let version = d.version;
        let after = self
            .act_on(
                &system,
                d,
                Some(version),
                Command::SignReceipt {
                    receipt: key.clone(),
                    files,
                },
            )
            .await?;
        tracing::info!(code = %after.code, receipt = %key, "receipt signed");
        Ok(after)
    }

    /// A receipt's signed document in `format` (`pdf` or `xml`) for someone who may read the
    /// dossier, signed now if its signing failed before.
    pub async fn receipt_document(
        &self,
        actor: &Actor,
        id: domain::dossier::DossierId,
        key: &ReceiptKey,
        format: &str,
    ) -> Result<(domain::dossier::FileRef, store::Attachment), AppError> {
        let xml = match format {
            "xml" => true,
            "pdf" => false,
            _ => {
                return Err(AppError::not_found(
                    "format_not_found",
                    "Biên lai có hai dạng: pdf và xml.",
                ));
            }
        };
        let d = self.readable_dossier(actor, id).await?;
        let unknown = || {
            AppError::not_found(
                "receipt_not_found",
                format!(
                    "Hồ sơ không có biên lai ký hiệu \"{}\" số {}.",
                    domain::error::shorten(&key.series),
                    key.number
                ),
            )
        };
        let receipt = d.receipt(key).ok_or_else(unknown)?;
        let files = match &receipt.files {
            Some(f) => f.clone(),
            None => {
                let after = self.sign_receipt(d.clone(), key).await?;
                after
                    .receipt(key)
                    .and_then(|r| r.files.clone())
                    .ok_or_else(unknown)?
            }
        };
        let file = if xml { files.xml } else { files.pdf };
        let stored =
            self.db.attachment(&file.sha256).await?.ok_or_else(|| {
                AppError::not_found("file_not_found", "Không tìm thấy tệp biên lai.")
            })?;
        Ok((file, stored))
    }
}

fn sign_failed(why: impl std::fmt::Display) -> AppError {
    AppError::new(
        ErrorKind::Busy,
        "receipt_signing_failed",
        format!(
            "Chưa ký số được biên lai: {why}. Khoản thu đã được ghi nhận; biên lai sẽ được ký lại khi tải về."
        ),
    )
}

/// "bien-lai-BT-26E-0000012".
pub fn file_stem(key: &ReceiptKey) -> String {
    format!(
        "bien-lai-{}-{:07}",
        key.series.replace('/', "-"),
        key.number
    )
}

/// What the receipt's PDF says.
fn receipt_data(d: &Dossier, r: &Receipt) -> giayto::Data {
    let mut data = giayto::Data::new();
    let vn = lich::time::to_vn(&r.issued_at);
    let money = vntext::money::figures;
    for (k, v) in [
        ("to_chuc_thu", r.organisation.clone()),
        ("ma_so_thue", r.tax_code.clone()),
        ("ky_hieu_mau", r.template.clone()),
        ("ky_hieu", r.series.clone()),
        ("so", format!("{:07}", r.number)),
        ("nguoi_nop", r.payer.clone()),
        ("ma_ho_so", d.code.to_string()),
        ("thu_tuc", d.procedure.name.clone()),
        ("hinh_thuc", r.method.label().to_string()),
        ("ma_giao_dich", r.reference.clone().unwrap_or_default()),
        ("tong_tien", money(r.amount)),
        ("bang_chu", vntext::money::words(r.amount)),
        (
            "thay_the",
            r.replaces
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
        ),
        ("ngay", format!("{:02}", vn.day())),
        ("thang", format!("{:02}", vn.month())),
        ("nam", vn.year().to_string()),
    ] {
        data.set(k, v);
    }
    data.list("khoan_thu");
    for (i, item) in r.items.iter().enumerate() {
        data.push_row(
            "khoan_thu",
            [
                ("stt", (i + 1).to_string()),
                ("ten", item.name.clone()),
                ("so_tien", money(item.amount)),
            ],
        );
    }
    data
}

/// The receipt as data (version 1 of its XML): general information (TTChung), then its
/// content (NDBLai) — the collecting organisation, the payer and dossier, each fee, the payment.
pub fn receipt_xml(d: &Dossier, r: &Receipt) -> Element {
    let vn = lich::time::to_vn(&r.issued_at);
    let mut general = Element::new("TTChung")
        .child(Element::leaf("THBLai", "Biên lai thu phí, lệ phí"))
        .child(Element::leaf("KHMSBLai", &r.template))
        .child(Element::leaf("KHBLai", &r.series))
        .child(Element::leaf("SBLai", r.number.to_string()))
        .child(Element::leaf("NLap", vn.format("%Y-%m-%d").to_string()))
        .child(Element::leaf(
            "TGLap",
            vn.format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        ))
        .child(Element::leaf("DVTTe", "VND"));
    if let Some(old) = &r.replaces {
        general = general.child(
            Element::new("BLThayThe")
                .child(Element::leaf("KHBLai", &old.series))
                .child(Element::leaf("SBLai", old.number.to_string())),
        );
    }
    let mut fees = Element::new("DSKThu");
    for (i, item) in r.items.iter().enumerate() {
        fees = fees.child(
            Element::new("KThu")
                .child(Element::leaf("STT", (i + 1).to_string()))
                .child(Element::leaf("Ten", &item.name))
                .child(Element::leaf("STien", item.amount.to_string())),
        );
    }
    let mut payment = Element::new("TToan")
        .child(Element::leaf("HTTToan", r.method.label()))
        .child(Element::leaf("TgTien", r.amount.to_string()))
        .child(Element::leaf("TgTienBChu", vntext::money::words(r.amount)));
    if let Some(reference) = &r.reference {
        payment = payment.child(Element::leaf("MGDich", reference));
    }
    Element::new("BLai").attribute("phienBan", "1").child(
        Element::new("DLBLai").child(general).child(
            Element::new("NDBLai")
                .child(
                    Element::new("TCThu")
                        .child(Element::leaf("Ten", &r.organisation))
                        .child(Element::leaf("MST", &r.tax_code)),
                )
                .child(
                    Element::new("NNop")
                        .child(Element::leaf("Ten", &r.payer))
                        .child(Element::leaf("MHSo", d.code.to_string()))
                        .child(Element::leaf("TTHC", &d.procedure.name)),
                )
                .child(fees)
                .child(payment),
        ),
    )
}

/// Kind of the outbox messages carrying receipts to the tax authority (gửi dữ liệu biên lai
/// đến cơ quan thuế, ND 254/2026): one when a receipt is signed, one when it is cancelled.
pub const TAX_RECEIPT: &str = "tax-receipt";

/// What a tax message is about; the documents are read from the dossier when it is delivered.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TaxNotice {
    pub action: TaxAction,
    pub dossier: uuid::Uuid,
    pub series: String,
    pub number: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TaxAction {
    /// Lập biên lai: the signed receipt XML.
    Issue,
    /// Hủy biên lai: a signed notice of cancellation.
    Cancel,
}

impl TaxAction {
    /// Where the tax authority's (or its service provider's) endpoint takes it, under its base
    /// address.
    pub fn path(self) -> &'static str {
        match self {
            TaxAction::Issue => "bien-lai",
            TaxAction::Cancel => "bien-lai/huy",
        }
    }
}

/// One delivery to the tax authority: where, for which organisation, and the signed XML.
#[derive(Debug, Clone)]
pub struct TaxDocument {
    pub action: TaxAction,
    pub tax_code: String,
    pub xml: Vec<u8>,
}

impl TaxNotice {
    fn message(self, tax_code: &str) -> store::NewMessage {
        let key = ReceiptKey {
            series: self.series.clone(),
            number: self.number,
        };
        let (verb, subject) = match self.action {
            TaxAction::Issue => ("issue", format!("Biên lai {key}")),
            TaxAction::Cancel => ("cancel", format!("Hủy biên lai {key}")),
        };
        store::NewMessage {
            kind: TAX_RECEIPT.into(),
            channel: store::Channel::Tax,
            recipient: tax_code.to_string(),
            subject,
            idempotency_key: format!("tax:{verb}:{}:{}:{}", self.dossier, key.series, key.number),
            dossier: Some(self.dossier),
            body: serde_json::to_string(&self).expect("a notice serialises"),
        }
    }
}

/// The tax messages of a change: a signed receipt is sent (and its cancellation too, if it was
/// cancelled before it could be signed); a cancelled receipt that had been sent is withdrawn.
pub(crate) fn tax_messages(after: &Dossier, events: &[Recorded]) -> Vec<store::NewMessage> {
    let mut out = Vec::new();
    let notice = |action, r: &Receipt| TaxNotice {
        action,
        dossier: after.id.0,
        series: r.series.clone(),
        number: r.number,
    };
    for e in events {
        match &e.event {
            Event::ReceiptSigned { receipt, .. } => {
                if let Some(r) = after.receipt(receipt) {
                    out.push(notice(TaxAction::Issue, r).message(&r.tax_code));
                    if r.cancelled.is_some() {
                        out.push(notice(TaxAction::Cancel, r).message(&r.tax_code));
                    }
                }
            }
            Event::ReceiptCancelled { receipt, .. } => {
                if let Some(r) = after.receipt(receipt).filter(|r| r.files.is_some()) {
                    out.push(notice(TaxAction::Cancel, r).message(&r.tax_code));
                }
            }
            _ => {}
        }
    }
    out
}

impl App {
    /// The document a tax message carries: the receipt's signed XML as stored, or a notice of
    /// its cancellation signed now by the organisation.
    pub async fn tax_document(&self, body: &str) -> Result<TaxDocument, AppError> {
        let notice: TaxNotice = serde_json::from_str(body).map_err(|_| {
            AppError::invalid(
                "invalid_message",
                "Nội dung thư gửi cơ quan thuế không đọc được.",
            )
        })?;
        let d = self
            .stored_dossier(domain::dossier::DossierId(notice.dossier))
            .await?;
        let key = ReceiptKey {
            series: notice.series.clone(),
            number: notice.number,
        };
        let receipt = d
            .receipt(&key)
            .ok_or_else(|| AppError::not_found("receipt_not_found", "Không có biên lai này."))?;
        let xml = match notice.action {
            TaxAction::Issue => {
                let files = receipt.files.as_ref().ok_or_else(|| {
                    AppError::not_found("receipt_not_signed", "Biên lai chưa được ký số.")
                })?;
                self.db
                    .attachment(&files.xml.sha256)
                    .await?
                    .ok_or_else(|| {
                        AppError::not_found("file_not_found", "Không tìm thấy tệp biên lai.")
                    })?
                    .content
            }
            TaxAction::Cancel => {
                let signing = self.settings().signing.clone().ok_or_else(|| {
                    AppError::new(
                        ErrorKind::Rule,
                        "signing_not_configured",
                        "Chưa cấu hình chứng thư số của tổ chức thu ([signing]).",
                    )
                })?;
                let document = cancellation_xml(&d, receipt)?;
                tokio::task::spawn_blocking(move || {
                    kyso::xml::sign_xml(&document, signing.signer.as_ref())
                        .map_err(|e| e.to_string())
                })
                .await
                .map_err(|_| sign_failed("máy chủ bận"))?
                .map_err(sign_failed)?
            }
        };
        Ok(TaxDocument {
            action: notice.action,
            tax_code: receipt.tax_code.clone(),
            xml,
        })
    }
}

/// Thông báo hủy biên lai — what a cancelled receipt's withdrawal says (schema version 1, the
/// receipt's own layout: the receipt identified as in its TTChung, then why and what replaces
/// it).
pub fn cancellation_xml(d: &Dossier, r: &Receipt) -> Result<Element, AppError> {
    let c = r
        .cancelled
        .as_ref()
        .ok_or_else(|| AppError::invalid("receipt_not_cancelled", "Biên lai này chưa bị hủy."))?;
    let vn = lich::time::to_vn(&c.at);
    let mut content = Element::new("NDHuy")
        .child(Element::leaf("LDo", &c.reason))
        .child(Element::leaf("MHSo", d.code.to_string()));
    if let Some(new) = &c.replaced_by {
        content = content.child(
            Element::new("BLThayThe")
                .child(Element::leaf("KHBLai", &new.series))
                .child(Element::leaf("SBLai", new.number.to_string())),
        );
    }
    Ok(Element::new("TBHuyBLai").attribute("phienBan", "1").child(
        Element::new("DLTBao")
            .child(
                Element::new("TTChung")
                    .child(Element::leaf("THBLai", "Biên lai thu phí, lệ phí"))
                    .child(Element::leaf("KHMSBLai", &r.template))
                    .child(Element::leaf("KHBLai", &r.series))
                    .child(Element::leaf("SBLai", r.number.to_string()))
                    .child(Element::leaf("MST", &r.tax_code))
                    .child(Element::leaf("TCThu", &r.organisation))
                    .child(Element::leaf(
                        "TGHuy",
                        vn.format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
                    )),
            )
            .child(content),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_series_is_checked_and_takes_the_years_digits() {
        let s = ReceiptSeries::new(
            "lao-cai.bao-thang",
            "01BLP0-001",
            "BT-{yy}E",
            " UBND  xã Bảo Thắng ",
            "5300236214",
        )
        .unwrap();
        assert_eq!(s.organisation, "UBND xã Bảo Thắng");
        assert_eq!(s.book(2026).series, "BT-26E");
        assert_eq!(s.book(2100).series, "BT-00E");
        let bad = |agency, template, series, org, tax| {
            ReceiptSeries::new(agency, template, series, org, tax).unwrap_err()
        };
        assert!(bad("lao-cai", "01BLP0-001", "BT-26E", "X", "5300236214").contains("{yy}"));
        assert!(bad("lao-cai", "01 BLP", "BT-{yy}E", "X", "5300236214").starts_with("template"));
        assert!(
            bad("lao-cai", "01BLP0-001", "BT-{yy}E", " ", "5300236214").starts_with("organisation")
        );
        assert!(bad("lao-cai", "01BLP0-001", "BT-{yy}E", "X", "53002362").starts_with("tax_code"));
        assert!(bad("Lào Cai", "01BLP0-001", "BT-{yy}E", "X", "5300236214").starts_with("agency"));
        ReceiptSeries::new("lao-cai", "01BLP0-001", "BT-{yy}E", "X", "5300236214-001").unwrap();
    }
}
