//! Kết quả điện tử — the result document signed as ND 30/2020 has it: an approver with a
//! personal key signs it with the approval (their signature seen in the signer's column, the
//! number and date left blank); the clerk (văn thư) then fills in the number and date and adds
//! the organisation's signature with the seal over the left third of the approver's. Without
//! a personal key the clerk's step renders the document and signs it alone. Keys are PKCS#12
//! files or PKCS#11 tokens; every signature is PAdES. A failed signature changes nothing: the
//! dossier stays where it was, awaiting signature.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Datelike, Timelike, Utc};
use domain::dossier::{ApprovalSignature, Command, Dossier, ElectronicResult, FileRef, Outcome};
use domain::procedure::{DocForm, ResultKind};
use sha2::{Digest, Sha256};

use crate::{App, AppError, ErrorKind};

/// How results are signed: the signer, the time-stamp server, where they are signed.
pub struct Signing {
    pub signer: Arc<dyn kyso::Signer + Send + Sync>,
    /// Máy chủ dấu thời gian: with one, signatures are PAdES B-T.
    pub timestamper: Option<Arc<dyn kyso::Timestamper + Send + Sync>>,
    /// Where the chain's revocation lists are fetched at signing (the CAs' CRL addresses); with
    /// one, they travel in the signature and a revoked certificate signs nothing.
    pub revocation: Option<Arc<dyn kyso::RevocationSource + Send + Sync>>,
    /// Where results are signed (printed in the signature), e.g. "Lào Cai".
    pub location: String,
    /// Khóa ký cá nhân của người phê duyệt, by username: their approvals are signed.
    pub approvers: BTreeMap<String, ApproverKey>,
    /// Hình con dấu: the organisation's seal (PNG, red on a transparent ground), shown with its
    /// signature over the left third of the approver's (ND 30/2020 Phụ lục I).
    pub seal: Option<Vec<u8>>,
    /// The seal's real diameter in millimetres.
    pub seal_mm: f32,
}

/// An approver's personal key and how their signature looks.
#[derive(Clone)]
pub struct ApproverKey {
    pub key: KeySource,
    /// Chữ ký tay: their handwritten signature (PNG, blue on a transparent ground).
    pub image: Option<Vec<u8>>,
}

/// Where a personal key is: a PKCS#12 file (opened with its password) or a token or HSM slot
/// through PKCS#11 (opened with its PIN). The secret is given at each signing, never kept.
#[derive(Clone)]
pub enum KeySource {
    Pkcs12(Vec<u8>),
    Pkcs11 {
        module: String,
        token: String,
        key_label: String,
        /// The issuing CA certificates (DER), for the signature to carry.
        chain: Vec<Vec<u8>>,
    },
}

impl KeySource {
    /// Opens the key with its PIN or password.
    pub fn open(&self, secret: &str) -> Result<Box<dyn kyso::Signer + Send + Sync>, kyso::Error> {
        Ok(match self {
            KeySource::Pkcs12(bytes) => Box::new(kyso::Pkcs12Signer::open(bytes, secret)?),
            KeySource::Pkcs11 {
                module,
                token,
                key_label,
                chain,
            } => Box::new(kyso::Pkcs11Signer::open(
                module, token, secret, key_label, chain,
            )?),
        })
    }
}

impl std::fmt::Debug for Signing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signing")
            .field("signer", &self.signer.chain().first().map(|c| &c.subject))
            .field("location", &self.location)
            .finish()
    }
}

pub use crate::results::result_code;

impl App {
    /// The digital signatures of a PDF, each signer's chain checked against the configured
    /// roots (`[signing] trust_roots`).
    pub async fn signatures_of(
        &self,
        pdf: Vec<u8>,
    ) -> Result<Vec<kyso::SignatureReport>, kyso::Error> {
        let roots = self.settings.trust_roots.clone();
        tokio::task::spawn_blocking(move || kyso::verify_pdf_trusted(&pdf, &roots))
            .await
            .unwrap_or_else(|_| Err(kyso::Error::Malformed("máy chủ bận".into())))
    }
}

fn failed(e: impl std::fmt::Display) -> AppError {
    AppError::new(
        ErrorKind::Rule,
        "signing_failed",
        format!("Ký số kết quả không thành công: {e}. Hồ sơ vẫn chờ ký, chưa phát hành."),
    )
}

fn approval_failed(e: impl std::fmt::Display) -> AppError {
    AppError::new(
        ErrorKind::Rule,
        "signing_failed",
        format!("Ký số phê duyệt không thành công: {e}. Hồ sơ chưa được phê duyệt."),
    )
}

fn no_key() -> AppError {
    AppError::new(
        ErrorKind::Rule,
        "no_personal_key",
        "Tài khoản này chưa được cấu hình khóa ký số cá nhân ([[signing.approvers]]).",
    )
}

impl App {
    /// The approver's personal signing key, when one is configured for this officer: their
    /// approvals are then signed (the PIN asked for with each).
    fn approver_key(&self, actor: &domain::officer::Actor) -> Option<&ApproverKey> {
        let domain::officer::Actor::Officer(o) = actor else {
            return None;
        };
        self.settings.signing.as_ref()?.approvers.get(&o.username)
    }

    /// Whether `actor`'s approval of `d` is signed with their personal key: they have one, and
    /// the result is a document. A certified copy's statement carries its certification number
    /// on every page, which is not known before the clerk's step: it is signed there, by the
    /// organisation.
    pub fn signs_approval(&self, actor: &domain::officer::Actor, d: &Dossier) -> bool {
        d.procedure.result_kind == ResultKind::Document && self.approver_key(actor).is_some()
    }

    /// A command as it is recorded once the documents it issues are signed: an approval by an
    /// approver with a personal key carries the document they signed (with the PIN it came
    /// with, used here and dropped), and the clerk's issuing of an approved result carries the
    /// organisation's signed document. Each is decided on the dossier first, so a command that
    /// would be refused signs and stores nothing.
    pub(crate) async fn with_signatures(
        &self,
        actor: &domain::officer::Actor,
        dossier: &Dossier,
        command: Command,
    ) -> Result<Command, AppError> {
        // Issuing an approved result signs its document first, once the command is known to be
        // accepted (decided on a copy): a refused command signs and stores nothing. A refusal
        // to resolve (Outcome::Refused) goes out as a letter on paper.
        // An approver with a personal key signs the result with the approval (the PIN comes
        // with the command and goes no further); refused commands sign nothing.
        let command = match command {
            Command::Decide {
                outcome: Outcome::Approved,
                reason,
                legal_basis,
                signature,
            } if self.signs_approval(actor, dossier) => {
                let ApprovalSignature::Pin(secret) = signature else {
                    return Err(AppError::new(
                        ErrorKind::Invalid,
                        "pin_required",
                        "Nhập mã PIN (hoặc mật khẩu) khóa ký số cá nhân để ký phê duyệt kết quả.",
                    ));
                };
                let unsigned = Command::Decide {
                    outcome: Outcome::Approved,
                    reason: reason.clone(),
                    legal_basis: legal_basis.clone(),
                    signature: ApprovalSignature::None,
                };
                self.check_decision(actor, dossier, unsigned)?;
                let mut decided = dossier.clone();
                decided.decision = Some(domain::dossier::DecisionRecord {
                    outcome: Outcome::Approved,
                    reason: reason.clone(),
                    legal_basis: legal_basis.clone(),
                    at: self.now(),
                    actor: actor.to_ref(),
                    number: None,
                    signed: None,
                });
                let doc = self.sign_approval(actor, &decided, &secret).await?;
                Command::Decide {
                    outcome: Outcome::Approved,
                    reason,
                    legal_basis,
                    signature: ApprovalSignature::Signed(doc),
                }
            }
            Command::Decide {
                signature: ApprovalSignature::Pin(_),
                ..
            } if !self.signs_approval(actor, dossier) => {
                return Err(AppError::new(
                    ErrorKind::Invalid,
                    "no_personal_key",
                    "Phê duyệt này không ký bằng khóa cá nhân (tài khoản chưa có khóa ký, hoặc kết quả là bản sao chứng thực, do cơ quan ký khi phát hành): không cần mã PIN.",
                ));
            }
            other => other,
        };
        Ok(match command {
            Command::IssueResult {
                number,
                document: None,
            } if self.settings.signing.is_some()
                && dossier
                    .decision
                    .as_ref()
                    .is_some_and(|x| x.outcome == Outcome::Approved) =>
            {
                let probe = Command::IssueResult {
                    number: number.clone(),
                    document: None,
                };
                self.check_decision(actor, dossier, probe)?;
                let document = self.sign_result(actor, dossier, &number).await?;
                Command::IssueResult { number, document }
            }
            other => other,
        })
    }

    /// Renders the result document of `d` (decided as it will be) with the number and the
    /// date left blank, and has the approver sign it with their personal key opened by
    /// `secret`: the signature shows in the signer's column, the blanks wait for the clerk.
    pub(crate) async fn sign_approval(
        &self,
        actor: &domain::officer::Actor,
        d: &Dossier,
        secret: &domain::dossier::Secret,
    ) -> Result<ElectronicResult, AppError> {
        let signing = self.settings.signing.clone().ok_or_else(no_key)?;
        let key = self.approver_key(actor).ok_or_else(no_key)?.clone();
        let now = self.now();
        let code = result_code(d);
        let template = self.settings.results.template(&d.procedure)?.clone();
        let mut data = crate::results::result_data(self, d, &template, "", &code, now, false);
        for (field, mm) in BLANKS {
            data.blank(field, mm);
        }
        let secret = secret.expose().to_string();
        let reason = format!("Phê duyệt kết quả giải quyết hồ sơ {}", d.code);
        let location = signing.location.clone();
        let (bytes, name) =
            tokio::task::spawn_blocking(move || -> Result<(Vec<u8>, String), String> {
                let (pdf, blanks) = render(&template, &data, None)?;
                let signer = key.key.open(&secret).map_err(|e| e.to_string())?;
                // The certificate's holder, as readers will show it.
                let name = signer
                    .chain()
                    .first()
                    .map(|c| c.subject.clone())
                    .unwrap_or_default();
                let spot = signer_blank(&blanks)?;
                let when = iso_time(now);
                let appearance = approver_appearance(spot, key.image.as_deref(), &name, &when)?;
                let options = kyso::SignOptions {
                    name: name.clone(),
                    reason,
                    location,
                    when: pdf_time(now),
                    visible: Some(kyso::Visible {
                        page: spot.page,
                        rect: spot.rect,
                        appearance,
                    }),
                    blanks: text_blanks(&blanks),
                    fills: Vec::new(),
                };
                Ok((sign(&pdf, signer.as_ref(), &options, &signing)?, name))
            })
            .await
            .map_err(|_| approval_failed("máy chủ bận"))?
            .map_err(approval_failed)?;
        let file = self
            .store_signed(actor, &bytes, format!("phe-duyet-{}.pdf", d.code), now)
            .await?;
        tracing::info!(code = %d.code, result = %code, signer = %name, "approval signed");
        Ok(ElectronicResult {
            file,
            code,
            signer: name,
            signed_at: now,
        })
    }

    /// Renders (or takes the approver's signed copy of), numbers, seals and signs the result
    /// document of `d` numbered `number`; the reference goes into the issuing event.
    pub(crate) async fn sign_result(
        &self,
        actor: &domain::officer::Actor,
        d: &Dossier,
        number: &str,
    ) -> Result<Option<ElectronicResult>, AppError> {
        let Some(signing) = self.settings.signing.clone() else {
            return Ok(None);
        };
        let now = self.now();
        let approved = d.decision.as_ref().and_then(|x| x.signed.clone());
        // The code is printed on the document (beside its QR code): the approver signed it.
        let code = approved
            .as_ref()
            .map_or_else(|| result_code(d), |a| a.code.clone());
        // The approver's signed copy, when they signed one: its blanks are filled, not redrawn.
        let source = match &approved {
            Some(doc) => {
                let stored = self.db.attachment(&doc.file.sha256).await?.ok_or_else(|| {
                    failed("không tìm thấy văn bản người phê duyệt đã ký trong kho")
                })?;
                Source::Approved(stored.content)
            }
            None => {
                let template = self.settings.results.template(&d.procedure)?.clone();
                let data =
                    crate::results::result_data(self, d, &template, number, &code, now, false);
                Source::Render(template, data, self.originals_for(d).await?)
            }
        };
        let signer_name = signing
            .signer
            .chain()
            .first()
            .map(|c| c.subject.clone())
            .unwrap_or_default();
        let organisation = crate::results::issuer_of(&self.agencies(), d);
        let vn = lich::time::to_vn(&now);
        let values = [
            ("so", number.to_string()),
            ("ngay", format!("{:02}", vn.day())),
            ("thang", format!("{:02}", vn.month())),
            ("nam", vn.year().to_string()),
        ];
        let reason = format!("Phát hành kết quả giải quyết hồ sơ {}", d.code);
        let signer = signing.signer.clone();
        let signed_by = signer_name.clone();
        let bytes = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, String> {
            // Where the signer's column is, and what is left to fill.
            let (pdf, spot, fills) = match source {
                Source::Approved(pdf) => {
                    let fields = kyso::form_fields(&pdf).map_err(|e| e.to_string())?;
                    let spot = fields
                        .iter()
                        .find(|f| f.signature && f.rect[2] > f.rect[0])
                        .map(|f| Spot {
                            page: f.page,
                            rect: f.rect,
                        })
                        .ok_or("văn bản đã phê duyệt không có chữ ký hiển thị của người ký")?;
                    let mut fills = Vec::new();
                    for f in fields.iter().filter(|f| !f.signature) {
                        let Some((_, value)) = values.iter().find(|(n, _)| *n == blank_of(&f.name))
                        else {
                            continue;
                        };
                        fills.push(kyso::Filled {
                            name: f.name.clone(),
                            value: value.clone(),
                            appearance: filled_appearance(f, value)?,
                        });
                    }
                    (pdf, spot, fills)
                }
                Source::Render(template, data, originals) => {
                    let (pdf, blanks) = render(&template, &data, originals.as_deref())?;
                    (pdf, signer_blank(&blanks)?, Vec::new())
                }
            };
            let (rect, appearance) = seal_appearance(
                &spot,
                signing.seal.as_deref(),
                signing.seal_mm,
                &organisation,
                &iso_time(now),
            )?;
            let options = kyso::SignOptions {
                name: signer_name.clone(),
                reason,
                location: signing.location.clone(),
                when: pdf_time(now),
                visible: Some(kyso::Visible {
                    page: spot.page,
                    rect,
                    appearance,
                }),
                blanks: Vec::new(),
                fills,
            };
            sign(&pdf, signer.as_ref(), &options, &signing)
        })
        .await
        .map_err(|_| failed("máy chủ bận"))?
        .map_err(failed)?;
        let name = match d.procedure.result_kind {
            ResultKind::Document => format!("ket-qua-{}.pdf", d.code),
            ResultKind::CertifiedCopy => format!("ban-sao-chung-thuc-{}.pdf", d.code),
        };
        let file = self.store_signed(actor, &bytes, name, now).await?;
        tracing::info!(code = %d.code, result = %code, signer = %signed_by, "result signed");
        Ok(Some(ElectronicResult {
            file,
            code,
            signer: signed_by,
            signed_at: now,
        }))
    }

    /// The scanned originals of a certified copy; none for a document.
    async fn originals_for(
        &self,
        d: &Dossier,
    ) -> Result<Option<Vec<(String, String, Vec<u8>)>>, AppError> {
        Ok(match d.procedure.result_kind {
            ResultKind::CertifiedCopy => Some(self.originals(d).await?),
            ResultKind::Document => None,
        })
    }

    /// Stores a signed PDF with the dossier's files.
    pub(crate) async fn store_signed(
        &self,
        actor: &domain::officer::Actor,
        bytes: &[u8],
        name: String,
        now: DateTime<Utc>,
    ) -> Result<FileRef, AppError> {
        self.store_made(actor, bytes, name, "application/pdf", now)
            .await
    }

    /// Stores a document the system made (a signed PDF or XML) with the dossier's files.
    pub(crate) async fn store_made(
        &self,
        actor: &domain::officer::Actor,
        bytes: &[u8],
        name: String,
        media_type: &str,
        now: DateTime<Utc>,
    ) -> Result<FileRef, AppError> {
        let sha256 = hex::encode(Sha256::digest(bytes));
        let owner = crate::access::actor_key(actor).unwrap_or_default();
        self.db
            .put_attachment(&sha256, media_type, bytes, &owner, now.timestamp_millis())
            .await?;
        Ok(FileRef {
            sha256,
            name,
            size: bytes.len() as u64,
            media_type: media_type.into(),
            signature: None,
        })
    }
}

/// The blanks an approved document leaves for the clerk, and how wide (mm): the number and
/// the date of issue (ND 30/2020: the clerk numbers and dates what the approver signed).
const BLANKS: [(&str, f32); 4] = [("so", 38.0), ("ngay", 7.0), ("thang", 7.0), ("nam", 11.0)];

/// The number and date blanks of a rendered document as empty fields to sign with; a blank
/// a template uses twice is named `nam`, `nam__2`, … (a field name is unique in a PDF).
fn text_blanks(blanks: &[giayto::Blank]) -> Vec<kyso::Blank> {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    blanks
        .iter()
        .filter(|b| BLANKS.iter().any(|(n, _)| *n == b.name))
        .map(|b| {
            let n = seen.entry(&b.name).or_default();
            *n += 1;
            kyso::Blank {
                name: match *n {
                    1 => b.name.clone(),
                    n => format!("{}__{n}", b.name),
                },
                page: b.page,
                rect: b.rect,
                size: b.size,
                bold: b.bold,
                italic: b.italic,
            }
        })
        .collect()
}

/// The blank a field stands for (`nam__2` is the second `nam`).
fn blank_of(field: &str) -> &str {
    field.split_once("__").map_or(field, |(name, _)| name)
}

/// What the clerk's step signs: the approver's signed copy, or the document rendered now
/// (template, data, and the scanned originals of a certified copy).
enum Source {
    Approved(Vec<u8>),
    Render(
        giayto::Template,
        giayto::Data,
        Option<Vec<(String, String, Vec<u8>)>>,
    ),
}

/// A place on a page: page index and box in PDF points.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spot {
    pub(crate) page: usize,
    pub(crate) rect: [f32; 4],
}

/// Renders a result document (or a certified copy of `originals`) and where its blanks are.
pub(crate) fn render(
    template: &giayto::Template,
    data: &giayto::Data,
    originals: Option<&[(String, String, Vec<u8>)]>,
) -> Result<(Vec<u8>, Vec<giayto::Blank>), String> {
    match originals {
        Some(files) => {
            giayto::certified_copy_with_blanks(template, data, &crate::results::as_originals(files))
        }
        None => giayto::render_with_blanks(template, data),
    }
    .map_err(|e| e.to_string())
}

/// The signing space of the signer's column: the last signature column's.
pub(crate) fn signer_blank(blanks: &[giayto::Blank]) -> Result<Spot, String> {
    blanks
        .iter()
        .rev()
        .find(|b| b.name.starts_with("chu_ky_"))
        .map(|b| Spot {
            page: b.page,
            rect: b.rect,
        })
        .ok_or_else(|| "mẫu kết quả không có khối chữ ký (signatures)".to_string())
}

/// Signs with what the set-up offers (time-stamp, revocation data); what could not be had is
/// logged, a revoked certificate fails.
pub(crate) fn sign(
    pdf: &[u8],
    signer: &(dyn kyso::Signer + Send + Sync),
    options: &kyso::SignOptions,
    signing: &Signing,
) -> Result<Vec<u8>, String> {
    let services = kyso::Services {
        tsa: signing
            .timestamper
            .as_deref()
            .map(|t| t as &dyn kyso::Timestamper),
        revocation: signing
            .revocation
            .as_deref()
            .map(|r| r as &dyn kyso::RevocationSource),
    };
    let signed = kyso::sign_pdf_with(pdf, signer, options, &services).map_err(|e| e.to_string())?;
    if let Err(e) = &signed.timestamp {
        tracing::warn!(error = %e, "signed without a time-stamp (PAdES B-B)");
    }
    for why in &signed.revocation.missing {
        tracing::warn!(why = %why, "signed without this revocation data");
    }
    Ok(signed.pdf)
}

/// The signing time as a PDF date, in Vietnam's time.
pub(crate) fn pdf_time(now: DateTime<Utc>) -> String {
    let vn = lich::time::to_vn(&now);
    kyso::pdf_date(
        vn.year(),
        vn.month(),
        vn.day(),
        vn.hour(),
        vn.minute(),
        vn.second(),
    )
}

/// The signing time as ND 30/2020 shows it: ISO 8601 with Vietnam's offset.
pub(crate) fn iso_time(now: DateTime<Utc>) -> String {
    lich::time::to_vn(&now)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

const BLUE: [u8; 3] = [20, 50, 160];
const RED: [u8; 3] = [200, 20, 20];

/// Where the approver's signature picture sits in the signing space: its middle three fifths
/// (the seal then covers its left third, ND 30/2020 Phụ lục I).
fn picture_box(w: f32, h: f32) -> [f32; 4] {
    [w * 0.2, 0.0, w * 0.6, h]
}

/// The approver's signature as seen: their handwritten signature (blue PNG) when configured,
/// otherwise their name and the signing time in blue.
fn approver_appearance(
    spot: Spot,
    image: Option<&[u8]>,
    name: &str,
    when: &str,
) -> Result<Vec<u8>, String> {
    let (w, h) = (spot.rect[2] - spot.rect[0], spot.rect[3] - spot.rect[1]);
    let marks = match image {
        Some(png) => vec![giayto::Mark::Picture {
            png,
            at: picture_box(w, h),
        }],
        None => centred(
            w,
            h,
            &[format!("Ký số bởi: {name}"), when.to_string()],
            BLUE,
        ),
    };
    giayto::appearance(w, h, &marks).map_err(|e| e.to_string())
}

/// The organisation's signature as seen, and where: the seal at its real size over the left
/// third of the approver's signature; without a seal picture, the organisation's name and
/// the signing time in red.
pub(crate) fn seal_appearance(
    spot: &Spot,
    seal: Option<&[u8]>,
    seal_mm: f32,
    organisation: &str,
    when: &str,
) -> Result<([f32; 4], Vec<u8>), String> {
    let [x0, y0, x1, y1] = spot.rect;
    let side = seal_mm * 72.0 / 25.4;
    let [px, _, pw, _] = picture_box(x1 - x0, y1 - y0);
    let right = x0 + px + pw / 3.0;
    let cy = (y0 + y1) / 2.0;
    let rect = [right - side, cy - side / 2.0, right, cy + side / 2.0];
    let marks = match seal {
        Some(png) => vec![giayto::Mark::Picture {
            png,
            at: [0.0, 0.0, side, side],
        }],
        None => centred(
            side,
            side,
            &[organisation.to_uppercase(), when.to_string()],
            RED,
        ),
    };
    Ok((
        rect,
        giayto::appearance(side, side, &marks).map_err(|e| e.to_string())?,
    ))
}

/// Lines centred in a box, shrunk to fit its width.
fn centred(w: f32, h: f32, lines: &[String], rgb: [u8; 3]) -> Vec<giayto::Mark<'static>> {
    let mut size: f32 = 9.0;
    for l in lines {
        let lw = giayto::text_width(l, false, true, size);
        if lw > w * 0.95 {
            size *= w * 0.95 / lw;
        }
    }
    let lead = size * 1.3;
    let top = (h - lead * lines.len() as f32) / 2.0;
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| giayto::Mark::Text {
            text: l.clone(),
            x: (w - giayto::text_width(l, false, true, size)) / 2.0,
            y: top + lead * i as f32 + size,
            size,
            bold: false,
            italic: true,
            rgb,
        })
        .collect()
}

/// The appearance of a blank filled with `value`, in the style it was left with: a short
/// blank (a day, a month) takes it centred, a longer one (the number) from its left.
fn filled_appearance(f: &kyso::FormField, value: &str) -> Result<Vec<u8>, String> {
    let (w, h) = (f.rect[2] - f.rect[0], f.rect[3] - f.rect[1]);
    let size = if f.size > 0.0 { f.size } else { h / 1.3 };
    let text_w = giayto::text_width(value, f.bold, f.italic, size);
    let short = w < 15.0 * 72.0 / 25.4;
    giayto::appearance(
        w.max(text_w),
        h,
        &[giayto::Mark::Text {
            text: value.to_string(),
            x: if short {
                ((w - text_w) / 2.0).max(0.0)
            } else {
                0.0
            },
            y: size * 0.95,
            size,
            bold: f.bold,
            italic: f.italic,
            rgb: [0, 0, 0],
        }],
    )
    .map_err(|e| e.to_string())
}

impl App {
    /// The scanned originals a certified copy is made from: the files of the components the
    /// procedure's checklist names as originals to check, in the order they were given.
    pub(crate) async fn originals(
        &self,
        d: &Dossier,
    ) -> Result<Vec<(String, String, Vec<u8>)>, AppError> {
        let original = |id: &str| {
            d.procedure
                .components
                .iter()
                .any(|c| c.id == id && c.form == DocForm::OriginalToCheck)
        };
        let files: Vec<&FileRef> = d
            .components
            .iter()
            .filter(|c| original(&c.component) && !c.by_data)
            .flat_map(|c| &c.files)
            .collect();
        if files.is_empty() {
            return Err(failed(
                "hồ sơ chưa có bản quét của bản chính (thành phần \"Bản chính để đối chiếu\") để làm bản sao chứng thực",
            ));
        }
        let mut out = Vec::with_capacity(files.len());
        for f in files {
            let stored = self.db.attachment(&f.sha256).await?.ok_or_else(|| {
                failed(format!(
                    "không tìm thấy tệp {} trong kho",
                    domain::error::shorten(&f.name)
                ))
            })?;
            out.push((f.name.clone(), stored.media_type, stored.content));
        }
        Ok(out)
    }
}

/// Tình trạng của một văn bản kết quả.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentStatus {
    /// Còn hiệu lực.
    Valid,
    /// Đã được thay thế bởi kết quả của hồ sơ đính chính (its code).
    Superseded { by: String },
    /// Đã bị thu hồi: why, on what legal basis, when.
    Revoked {
        reason: String,
        legal_basis: String,
        at: DateTime<Utc>,
    },
}

impl DocumentStatus {
    /// The status's machine name in the JSON answer.
    pub fn name(&self) -> &'static str {
        match self {
            DocumentStatus::Valid => "valid",
            DocumentStatus::Superseded { .. } => "superseded",
            DocumentStatus::Revoked { .. } => "revoked",
        }
    }

    /// The code of the correction's result that replaced this one, if any.
    pub fn superseded_by(&self) -> Option<&str> {
        match self {
            DocumentStatus::Superseded { by } => Some(by),
            _ => None,
        }
    }

    /// Why, on what legal basis and when the document was revoked, if it was.
    pub fn revocation(&self) -> Option<(&str, &str, DateTime<Utc>)> {
        match self {
            DocumentStatus::Revoked {
                reason,
                legal_basis,
                at,
            } => Some((reason, legal_basis, *at)),
            _ => None,
        }
    }
}

/// What the public verification page says of a result code.
#[derive(Debug, Clone)]
pub struct ResultCheck {
    pub code: String,
    /// Cơ quan ban hành, loại văn bản, số.
    pub issuer: String,
    pub kind: String,
    pub number: String,
    pub dossier_code: String,
    pub procedure: String,
    pub signer: String,
    pub signed_at: DateTime<Utc>,
    /// Người phê duyệt who signed it with their personal key before it was numbered.
    pub approved_by: Option<String>,
    pub sha256: String,
    pub size: u64,
    pub status: DocumentStatus,
}

impl crate::Queries<'_> {
    /// Xác thực văn bản: a result by its code (`{dossier code}.{n}`), for anyone. An unknown
    /// or malformed code is "not found" — nothing about the dossier is told.
    pub async fn check_result(self, code: &str) -> Result<ResultCheck, AppError> {
        let not_found = || {
            AppError::not_found(
                "document_not_found",
                "Không có văn bản kết quả nào mang mã này.",
            )
        };
        let (dossier_code, _) = code.trim().rsplit_once('.').ok_or_else(not_found)?;
        let dossier_code =
            domain::ids::DossierCode::parse(dossier_code).map_err(|_| not_found())?;
        let id = self
            .app
            .db
            .dossier_id_by_code(dossier_code.as_str())
            .await?
            .ok_or_else(not_found)?;
        let d = self.app.db.dossier(id).await?.ok_or_else(not_found)?;
        let doc = d
            .electronic_result
            .as_ref()
            .filter(|e| e.code == code.trim())
            .ok_or_else(not_found)?;
        // A correction (ND 61 Art. 21) that issued its own electronic result supersedes it.
        let mut status = DocumentStatus::Valid;
        for (cid, _) in &d.corrections {
            if let Some(c) = self.app.db.dossier(*cid).await?
                && let Some(newer) = &c.electronic_result
            {
                status = DocumentStatus::Superseded {
                    by: newer.code.clone(),
                };
            }
        }
        // A revocation outweighs a correction: the document no longer stands at all.
        if let Some(r) = &d.result_revoked {
            status = DocumentStatus::Revoked {
                reason: r.reason.clone(),
                legal_basis: r.legal_basis.clone(),
                at: r.at,
            };
        }
        let tree = self.app.agencies();
        Ok(ResultCheck {
            code: doc.code.clone(),
            issuer: crate::results::issuer_of(&tree, &d),
            kind: d.procedure.result_name.clone(),
            number: d
                .decision
                .as_ref()
                .and_then(|x| x.number.clone())
                .unwrap_or_default(),
            dossier_code: d.code.to_string(),
            procedure: d.procedure.name.clone(),
            signer: doc.signer.clone(),
            signed_at: doc.signed_at,
            approved_by: d
                .decision
                .as_ref()
                .and_then(|x| x.signed.as_ref())
                .map(|a| a.signer.clone()),
            sha256: doc.file.sha256.clone(),
            size: doc.file.size,
            status,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blank(name: &str, x: f32) -> giayto::Blank {
        giayto::Blank {
            name: name.into(),
            page: 0,
            rect: [x, 0.0, x + 10.0, 16.0],
            size: 12.0,
            bold: false,
            italic: true,
        }
    }

    #[test]
    fn a_blank_used_twice_gets_a_field_each_and_both_are_filled_with_its_value() {
        let fields = text_blanks(&[
            blank("nam", 0.0),
            blank("chu_ky_2", 20.0),
            blank("so", 40.0),
            blank("nam", 60.0),
        ]);
        let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["nam", "so", "nam__2"]);
        assert_eq!(fields[2].rect[0], 60.0);
        assert_eq!(
            names.iter().map(|n| blank_of(n)).collect::<Vec<_>>(),
            ["nam", "so", "nam"]
        );
    }
}
