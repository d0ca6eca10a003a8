//! Kết quả giải quyết — the result documents: their templates (built in, or the province's
//! `ket-qua-…`/`chung-thuc…` files), what the handler enters in them (dự thảo kết quả, each
//! saving a revision), the draft shown for review before approval, and the data every result
//! is filled with when it is issued.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Datelike, Utc};
use domain::dossier::{Command, Dossier, Outcome, ProcedurePin, Stage};
use domain::officer::Actor;
use domain::procedure::{ResultKind, StepKind};

use crate::{App, AppError, ErrorKind};

/// The result templates by name and the public address printed on results.
#[derive(Debug, Clone)]
pub struct ResultTemplates {
    /// The built-in `ket-qua`, `ket-qua-1.001612` and `chung-thuc`, and the province's
    /// (`ket-qua-{procedure code}`, or any `ket-qua…`/`chung-thuc…` a procedure version names).
    pub templates: Vec<(String, giayto::Template)>,
    /// The portal's public address; the verification page is `{public_url}/xac-thuc/{code}`.
    pub public_url: String,
}

impl ResultTemplates {
    /// The templates that ship with Một Cửa.
    pub fn built_in(public_url: &str) -> Self {
        Self {
            templates: giayto::BUILT_IN
                .iter()
                .filter(|(n, _)| domain::procedure::is_signed_template(n))
                .map(|(n, _)| (n.to_string(), giayto::built_in(n).expect("built in")))
                .collect(),
            public_url: public_url.trim_end_matches('/').to_string(),
        }
    }

    /// The built-in templates, each replaced or joined by the province's in `dir` (every
    /// `ket-qua*.toml` and `chung-thuc*.toml`; one that cannot be read stops the server).
    pub fn load(public_url: &str, dir: Option<&Path>) -> Result<Self, String> {
        let mut out = Self::built_in(public_url);
        let Some(dir) = dir else {
            return Ok(out);
        };
        let entries = std::fs::read_dir(dir)
            .map_err(|e| format!("không đọc được thư mục mẫu {}: {e}", dir.display()))?;
        for path in entries.flatten().map(|e| e.path()) {
            let Some(name) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            if !domain::procedure::is_signed_template(name)
                || path.extension().and_then(|e| e.to_str()) != Some("toml")
            {
                continue;
            }
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("không đọc được {}: {e}", path.display()))?;
            let t =
                giayto::Template::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            out.templates.retain(|(n, _)| n != name);
            out.templates.push((name.to_string(), t));
        }
        Ok(out)
    }

    /// Mẫu biên lai điện tử: the built-in `bien-lai`, or the province's.
    pub fn receipt(&self) -> &giayto::Template {
        self.templates
            .iter()
            .find(|(n, _)| n == "bien-lai")
            .map(|(_, t)| t)
            .expect("the receipt template is built in")
    }

    /// The template a dossier's result is laid out from: the one its procedure version names,
    /// else the province's `ket-qua-{procedure code}`, else the kind's default.
    pub fn template(&self, pin: &ProcedurePin) -> Result<&giayto::Template, AppError> {
        let find = |name: &str| {
            self.templates
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, t)| t)
        };
        let found = match &pin.result_template {
            Some(name) => find(name),
            None if pin.result_kind == ResultKind::Document => {
                find(&format!("ket-qua-{}", pin.code)).or_else(|| find("ket-qua"))
            }
            None => find(pin.result_kind.default_template()),
        };
        found.ok_or_else(|| {
            let name = pin
                .result_template
                .as_deref()
                .unwrap_or(pin.result_kind.default_template());
            AppError::new(
                ErrorKind::Rule,
                "result_template_missing",
                format!("Chưa có mẫu kết quả \"{name}\" trong thư mục mẫu."),
            )
        })
    }
}

/// One field of the draft as the dossier page shows it.
#[derive(Debug, Clone)]
pub struct DraftField {
    pub field: giayto::Field,
    /// What the result will say: the handler's entry, else what the dossier gives.
    pub value: String,
    /// Whether the value is the handler's own entry (not taken from the dossier).
    pub entered: bool,
}

/// Dự thảo kết quả of a dossier: its template, the fields and which revision it is.
#[derive(Debug, Clone)]
pub struct DraftView {
    pub template: String,
    pub fields: Vec<DraftField>,
    /// 0 before the first saving.
    pub revision: u32,
    pub saved: Option<(DateTime<Utc>, String)>,
    /// The labels of required fields still empty.
    pub missing: Vec<String>,
}

/// The data a result document is filled with: what the dossier says, then the handler's
/// entries (a field the template declares: the entry, else the value its `prefill` names, else
/// what the dossier gives under that name, else empty — in a draft, dots to be seen).
pub(crate) fn result_data(
    app: &App,
    d: &Dossier,
    template: &giayto::Template,
    number: &str,
    code: &str,
    now: DateTime<Utc>,
    draft: bool,
) -> giayto::Data {
    let base = dossier_fields(app, d, number, code, now);
    let mut data = giayto::Data::new();
    for (k, v) in &base {
        data.set(k, v.clone());
    }
    for f in effective(template, d, &base) {
        if draft && f.value.trim().is_empty() {
            data.set(&f.field.key, "……………");
        } else {
            data.set(&f.field.key, f.value);
        }
    }
    data
}

fn effective(
    template: &giayto::Template,
    d: &Dossier,
    base: &BTreeMap<&'static str, String>,
) -> Vec<DraftField> {
    let entries = d.result_draft.as_ref().map(|x| &x.fields);
    template
        .fields
        .iter()
        .map(|f| {
            let entry = entries
                .and_then(|e| e.get(&f.key))
                .filter(|v| !v.trim().is_empty());
            let given = f
                .prefill
                .as_deref()
                .and_then(|p| base.get(p))
                .or_else(|| base.get(f.key.as_str()))
                .cloned()
                .unwrap_or_default();
            DraftField {
                field: f.clone(),
                entered: entry.is_some(),
                value: entry.cloned().unwrap_or(given),
            }
        })
        .collect()
}

/// Cơ quan ban hành: the people's committee the competent agency belongs to, else the agency.
pub(crate) fn issuer_of(tree: &domain::agency::AgencyTree, d: &Dossier) -> String {
    tree.committee_of(&d.competent)
        .map(|c| c.name.clone())
        .unwrap_or_else(|| tree.name_of(&d.competent))
}

/// What the dossier itself gives a result document, by field name.
fn dossier_fields(
    app: &App,
    d: &Dossier,
    number: &str,
    code: &str,
    now: DateTime<Utc>,
) -> BTreeMap<&'static str, String> {
    let tree = app.agencies();
    let vn = lich::time::to_vn(&now);
    let competent = tree.name_of(&d.competent);
    let committee = issuer_of(&tree, d);
    let public_url = &app.settings.results.public_url;
    BTreeMap::from([
        ("co_quan", committee.to_uppercase()),
        ("chuc_vu_ky", format!("TM. {}", committee.to_uppercase())),
        ("co_quan_ten", committee),
        ("so", number.to_string()),
        ("dia_danh", domain::agency::place_name(&competent)),
        ("ngay", format!("{:02}", vn.day())),
        ("thang", format!("{:02}", vn.month())),
        ("nam", vn.year().to_string()),
        ("ten_ket_qua", d.procedure.result_name.to_uppercase()),
        ("thu_tuc", d.procedure.name.clone()),
        ("ma_ho_so", d.code.to_string()),
        (
            "ngay_nhan",
            d.received_at
                .map(|t| lich::time::to_vn(&t).format("%d/%m/%Y").to_string())
                .unwrap_or_default(),
        ),
        ("nguoi_nop", d.applicant.display_name().to_string()),
        ("so_dinh_danh", d.applicant.id_number().to_string()),
        ("dia_chi", d.applicant.address().text.clone()),
        (
            "noi_dung",
            d.decision
                .as_ref()
                .map(|x| x.reason.clone())
                .unwrap_or_default(),
        ),
        (
            "nguoi_ky",
            d.decision
                .as_ref()
                .map(|x| x.actor.name.clone())
                .unwrap_or_default(),
        ),
        ("ma_ket_qua", code.to_string()),
        (
            "duong_dan_xac_thuc",
            format!("{}/xac-thuc/{code}", public_url.trim_end_matches('/')),
        ),
    ])
}

fn not_drafting() -> AppError {
    AppError::new(
        ErrorKind::Rule,
        "no_draft",
        "Hồ sơ không ở giai đoạn soạn dự thảo kết quả (chưa tiếp nhận, đã phê duyệt hoặc đã kết thúc).",
    )
}

/// The scanned originals as the certified copy takes them.
pub(crate) fn as_originals(files: &[(String, String, Vec<u8>)]) -> Vec<giayto::Original<'_>> {
    files
        .iter()
        .map(|(name, media_type, bytes)| giayto::Original {
            name,
            media_type,
            bytes,
        })
        .collect()
}

/// The result code (MaKetQua) of the result a dossier issues at its next version.
pub fn result_code(d: &Dossier) -> String {
    format!("{}.{}", d.code, d.version + 1)
}

/// Whether a dossier's result is still being prepared: received, not yet decided.
fn drafting(d: &Dossier) -> bool {
    d.stage == Stage::InProgress && d.decision.is_none()
}

impl App {
    /// The result draft of a dossier the actor may read: the template's fields with what the
    /// result would say now. `None` when the procedure's result has no template fields and
    /// nothing to review (a decided or closed dossier).
    pub fn result_draft(&self, d: &Dossier) -> Result<Option<DraftView>, AppError> {
        if !drafting(d) {
            return Ok(None);
        }
        let results = &self.settings.results;
        let template = results.template(&d.procedure)?;
        let base = dossier_fields(self, d, "…", &result_code(d), self.now());
        let fields = effective(template, d, &base);
        let missing = fields
            .iter()
            .filter(|f| f.field.required && f.value.trim().is_empty())
            .map(|f| f.field.label.clone())
            .collect();
        Ok(Some(DraftView {
            template: template.name.clone(),
            fields,
            revision: d.result_draft.as_ref().map_or(0, |x| x.revision),
            saved: d
                .result_draft
                .as_ref()
                .map(|x| (x.at, x.actor.name.clone())),
            missing,
        }))
    }

    /// The result draft of a dossier, for whoever may read it, while it is being prepared.
    pub async fn result_draft_of(
        &self,
        actor: &Actor,
        id: domain::dossier::DossierId,
    ) -> Result<DraftView, AppError> {
        let d = self.readable_dossier(actor, id).await?;
        self.result_draft(&d)?.ok_or_else(not_drafting)
    }

    /// The draft of a dossier's result as a PDF marked "DỰ THẢO", for whoever may read the
    /// dossier, while it is being prepared.
    pub async fn result_draft_pdf(
        &self,
        actor: &Actor,
        id: domain::dossier::DossierId,
    ) -> Result<Vec<u8>, AppError> {
        let d = self.readable_dossier(actor, id).await?;
        if !drafting(&d) {
            return Err(not_drafting());
        }
        let template = self.settings.results.template(&d.procedure)?.clone();
        let data = result_data(self, &d, &template, "…", &result_code(&d), self.now(), true);
        let originals = match d.procedure.result_kind {
            ResultKind::CertifiedCopy => Some(self.originals(&d).await?),
            ResultKind::Document => None,
        };
        tokio::task::spawn_blocking(move || match &originals {
            Some(files) => giayto::certified_copy_draft(&template, &data, &as_originals(files)),
            None => giayto::render_draft(&template, &data),
        })
        .await
        .map_err(|_| AppError::new(ErrorKind::Busy, "busy", "Máy chủ bận, thử lại sau."))?
        .map_err(|e| {
            AppError::new(
                ErrorKind::Rule,
                "draft_failed",
                format!("Không tạo được dự thảo: {e}."),
            )
        })
    }

    /// Checks a draft against the dossier's result template and completes it from the last
    /// revision: each value cleaned as its field asks (one line, or several), a field the
    /// template does not have or a value too long refused, fields not given kept.
    pub(crate) fn complete_draft(
        &self,
        d: &Dossier,
        given: BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, String>, AppError> {
        let template = self.settings.results.template(&d.procedure)?;
        if template.fields.is_empty() {
            return Err(AppError::new(
                ErrorKind::Rule,
                "no_draft_fields",
                format!(
                    "Mẫu kết quả \"{}\" không có trường nào để nhập.",
                    template.name
                ),
            ));
        }
        let mut out = d
            .result_draft
            .as_ref()
            .map(|x| x.fields.clone())
            .unwrap_or_default();
        for (key, value) in given {
            let field = template
                .fields
                .iter()
                .find(|f| f.key == key)
                .ok_or_else(|| {
                    AppError::invalid(
                        "unknown_draft_field",
                        format!(
                            "Mẫu kết quả \"{}\" không có trường \"{}\".",
                            template.name,
                            domain::error::shorten(&key)
                        ),
                    )
                })?;
            let value = if field.multiline {
                vntext::clean_lines(&value)
            } else {
                vntext::clean(&value)
            };
            if value.chars().count() > field.max_chars {
                return Err(AppError::invalid(
                    "too_long",
                    format!("\"{}\" dài quá {} ký tự.", field.label, field.max_chars),
                ));
            }
            out.insert(key, value);
        }
        Ok(out)
    }

    /// Before a dossier goes to approval, and when it is approved, every required field of
    /// its result template has a value: a leader approves a complete document.
    pub(crate) fn check_draft_complete(
        &self,
        d: &Dossier,
        command: &Command,
    ) -> Result<(), AppError> {
        let into_approval = matches!(command, Command::Forward { .. })
            && d.current_step().is_some_and(|s| {
                d.procedure
                    .steps
                    .get(s.index + 1)
                    .is_some_and(|n| n.kind == StepKind::Approval)
            });
        let approving = matches!(
            command,
            Command::Decide {
                outcome: Outcome::Approved,
                ..
            }
        );
        if !(into_approval || approving) {
            return Ok(());
        }
        let Some(view) = self.result_draft(d)? else {
            return Ok(());
        };
        if view.missing.is_empty() {
            return Ok(());
        }
        Err(AppError::new(
            ErrorKind::Rule,
            "draft_incomplete",
            format!(
                "Dự thảo kết quả còn thiếu: {}. Cán bộ xử lý nhập đủ (Soạn dự thảo kết quả) trước khi trình phê duyệt.",
                view.missing.join(", ")
            ),
        ))
    }
}
