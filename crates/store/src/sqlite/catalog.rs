//! Danh mục on SQLite: units, agencies, procedure versions (immutable once written) and their
//! full-text index (FTS5 over folded text).

use std::collections::HashMap;

use chrono::NaiveDate;
use domain::agency::Agency;
use domain::procedure::ProcedureVersion;
use domain::unit::{AdminUnit, Regime, Succession};
use rusqlite::{Connection, OptionalExtension, params};

use super::accounts::insert_officer;
use super::admin::OwnedEntry;
use super::{DIALECT, Sql, Sqlite, insert_error};
use crate::catalog::by_depth;
use crate::{
    LogEntry, NewProvince, Result, StoreError, from_json, from_key, key, procedure_search_text,
    to_json,
};

fn versions(conn: &Connection, q: &Sql) -> Result<Vec<ProcedureVersion>> {
    let bodies: Vec<String> = q.rows(conn, |r| Ok(r.get(0)?))?;
    bodies
        .iter()
        .map(|b| from_json(b, "phiên bản thủ tục"))
        .collect()
}

/// Replaces the stored units and successions in the caller's transaction.
fn replace_units_in(c: &Connection, units: &[AdminUnit], successions: &[Succession]) -> Result<()> {
    c.execute_batch("DELETE FROM unit_successions; DELETE FROM admin_units;")?;
    let mut unit = c.prepare_cached(
        "INSERT INTO admin_units (regime, code, name, level, kind, parent_code) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for u in units {
        unit.execute(params![
            key(&u.regime),
            u.code,
            u.name,
            key(&u.level),
            u.kind,
            u.parent
        ])
        .map_err(|e| insert_error(e, "mã đơn vị hành chính"))?;
    }
    let mut succession = c.prepare_cached(
        "INSERT INTO unit_successions (old_code, new_code, effective, legal_basis) \
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    for s in successions {
        succession
            .execute(params![
                s.old_code,
                s.new_code,
                s.effective.to_string(),
                s.legal_basis
            ])
            .map_err(|e| insert_error(e, "quan hệ kế thừa đơn vị"))?;
    }
    Ok(())
}

/// Inserts or updates agencies (parents first) in the caller's transaction.
fn put_agencies_in(c: &Connection, ordered: &[Agency]) -> Result<()> {
    let mut parent = c.prepare_cached("SELECT parent FROM agencies WHERE id = ?1")?;
    let mut moved = false;
    for a in ordered {
        let before: Option<Option<String>> =
            parent.query_row([a.id.as_str()], |r| r.get(0)).optional()?;
        moved |= before.is_some_and(|p| p.as_deref() != a.parent.as_ref().map(|p| p.as_str()));
    }
    let mut put = c.prepare_cached(
        "INSERT INTO agencies (id, code, parent, kind, name, body) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
         ON CONFLICT (id) DO UPDATE SET code = ?2, parent = ?3, kind = ?4, name = ?5, body = ?6",
    )?;
    for a in ordered {
        put.execute(params![
            a.id.as_str(),
            a.code.as_str(),
            a.parent.as_ref().map(|p| p.as_str()),
            key(&a.kind),
            a.name,
            to_json(a)
        ])?;
    }
    // A reorganised tree moves dossiers between branches.
    if moved {
        super::migrate::rescope(c)?;
    }
    Ok(())
}

/// Adds procedure versions in the caller's transaction (see `import_procedures`).
fn import_procedures_in(c: &Connection, versions: &[ProcedureVersion]) -> Result<usize> {
    let mut added = 0;
    let mut touched = std::collections::BTreeSet::new();
    for v in versions {
        c.prepare_cached(
            "INSERT INTO procedures (code, name, sector, level) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (code) DO NOTHING",
        )?
        .execute(params![v.code.as_str(), v.name, v.sector, key(&v.level)])?;
        let body = to_json(v);
        let existing: Option<String> = c
            .prepare_cached("SELECT body FROM procedure_versions WHERE code = ?1 AND version = ?2")?
            .query_row(params![v.code.as_str(), i64::from(v.version)], |r| r.get(0))
            .optional()?;
        match existing {
            Some(old) if old == body => continue,
            Some(_) => {
                return Err(StoreError::Duplicate(format!(
                    "thủ tục {} đã có phiên bản {} với nội dung khác; phiên bản đã ban hành không sửa được, hãy tạo phiên bản mới",
                    v.code, v.version
                )));
            }
            None => {}
        }
        c.prepare_cached(
            "INSERT INTO procedure_versions (code, version, effective_from, body) \
             VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![
            v.code.as_str(),
            i64::from(v.version),
            v.effective_from.to_string(),
            body
        ])
        .map_err(|e| insert_error(e, "phiên bản thủ tục"))?;
        let (name, text) = procedure_search_text(v);
        c.prepare_cached(
            "INSERT INTO procedure_search (code, version, name, body) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![v.code.as_str(), i64::from(v.version), name, text])?;
        touched.insert(v.code.to_string());
        added += 1;
    }
    for code in touched {
        let newest: String = c
            .prepare_cached(
                "SELECT body FROM procedure_versions WHERE code = ?1 \
                 ORDER BY effective_from DESC, version DESC LIMIT 1",
            )?
            .query_row([&code], |r| r.get(0))?;
        let v: ProcedureVersion = from_json(&newest, "phiên bản thủ tục")?;
        c.prepare_cached(
            "UPDATE procedures SET name = ?2, sector = ?3, level = ?4 WHERE code = ?1",
        )?
        .execute(params![code, v.name, v.sector, key(&v.level)])?;
    }
    Ok(added)
}

/// Phiên bản thủ tục đã đọc — the procedure versions read lately, parsed. A version never changes
/// once stored (`insert_versions` refuses a different body under the same number), so a kept
/// copy stays true whoever else writes to the database; only which version is in force on a
/// day is asked of the database each time. Bounded: emptied when it is full.
#[derive(Default)]
pub(super) struct VersionCache(std::sync::Mutex<HashMap<(String, i64), ProcedureVersion>>);

impl VersionCache {
    /// Most versions kept (a province's catalogue in force is ~2,000 procedures, a few KB each).
    const MAX: usize = 1024;

    fn get(&self, code: &str, version: i64) -> Option<ProcedureVersion> {
        let kept = self.0.lock().unwrap_or_else(|p| p.into_inner());
        kept.get(&(code.to_string(), version)).cloned()
    }

    fn keep(&self, code: &str, version: i64, v: &ProcedureVersion) {
        let mut kept = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if kept.len() >= Self::MAX {
            kept.clear();
        }
        kept.insert((code.to_string(), version), v.clone());
    }
}

#[async_trait::async_trait]
impl crate::CatalogStore for Sqlite {
    async fn set_procedure_form(&self, f: &crate::ProcedureForm) -> Result<()> {
        let f = f.clone();
        self.write_all(move |c| {
            c.prepare_cached(
                "INSERT INTO procedure_forms (code, name, sha256, file_name, media_type, size, \
                 at_ms, by_whom) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
                 ON CONFLICT (code, name) DO UPDATE SET sha256 = excluded.sha256, \
                 file_name = excluded.file_name, media_type = excluded.media_type, \
                 size = excluded.size, at_ms = excluded.at_ms, by_whom = excluded.by_whom",
            )?
            .execute(params![
                f.code,
                f.name,
                f.sha256,
                f.file_name,
                f.media_type,
                f.size,
                f.at_ms,
                f.by
            ])?;
            Ok(())
        })
        .await
    }

    async fn procedure_forms(&self, code: &str) -> Result<Vec<crate::ProcedureForm>> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT code, name, sha256, file_name, media_type, size, at_ms, by_whom \
                 FROM procedure_forms WHERE code = ?1 ORDER BY name",
            )?;
            let rows = st.query_map([code], |r| {
                Ok(crate::ProcedureForm {
                    code: r.get(0)?,
                    name: r.get(1)?,
                    sha256: r.get(2)?,
                    file_name: r.get(3)?,
                    media_type: r.get(4)?,
                    size: r.get(5)?,
                    at_ms: r.get(6)?,
                    by: r.get(7)?,
                })
            })?;
            Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
        })
    }

    async fn replace_units(&self, units: &[AdminUnit], successions: &[Succession]) -> Result<()> {
        let (units, successions) = (units.to_vec(), successions.to_vec());
        self.write_all(move |c| replace_units_in(c, &units, &successions))
            .await
    }

    async fn units(&self) -> Result<(Vec<AdminUnit>, Vec<Succession>)> {
        self.read_blocking(|c| {
            let units = Sql::new(
                DIALECT,
                "SELECT regime, code, name, level, kind, parent_code FROM admin_units \
                 ORDER BY regime, code",
            )
            .rows(c, |r| {
                Ok(AdminUnit {
                    regime: from_key(&r.get::<_, String>(0)?)?,
                    code: r.get(1)?,
                    name: r.get(2)?,
                    level: from_key(&r.get::<_, String>(3)?)?,
                    kind: r.get(4)?,
                    parent: r.get(5)?,
                })
            })?;
            let successions = Sql::new(
                DIALECT,
                "SELECT old_code, new_code, effective, legal_basis FROM unit_successions \
                 ORDER BY old_code, new_code",
            )
            .rows(c, |r| {
                let effective: String = r.get(2)?;
                Ok(Succession {
                    old_code: r.get(0)?,
                    new_code: r.get(1)?,
                    effective: effective.parse().map_err(|_| {
                        StoreError::Corrupt(format!("ngày kế thừa \"{effective}\""))
                    })?,
                    legal_basis: r.get(3)?,
                })
            })?;
            Ok((units, successions))
        })
        .await
    }

    async fn count_units(&self, regime: Regime, level: &str) -> Result<i64> {
        self.read(|c| {
            Ok(c.prepare_cached(
                "SELECT COUNT(*) FROM admin_units WHERE regime = ?1 AND level = ?2",
            )?
            .query_row(params![key(&regime), level], |r| r.get(0))?)
        })
    }

    async fn put_agencies(&self, agencies: &[Agency]) -> Result<()> {
        let ordered = by_depth(agencies);
        self.write_all(move |c| put_agencies_in(c, &ordered)).await
    }

    async fn change_agencies(&self, agencies: &[Agency], log: &LogEntry<'_>) -> Result<()> {
        let ordered = by_depth(agencies);
        let log = OwnedEntry::of(log);
        self.write_all(move |c| {
            put_agencies_in(c, &ordered)?;
            log.write(c)
        })
        .await
    }

    async fn agencies(&self) -> Result<Vec<Agency>> {
        self.read(|c| {
            let bodies: Vec<String> = Sql::new(DIALECT, "SELECT body FROM agencies ORDER BY id")
                .rows(c, |r| Ok(r.get(0)?))?;
            bodies.iter().map(|b| from_json(b, "cơ quan")).collect()
        })
    }

    async fn import_procedures(&self, versions: &[ProcedureVersion]) -> Result<usize> {
        let versions = versions.to_vec();
        self.write_all(move |c| import_procedures_in(c, &versions))
            .await
    }

    async fn all_procedure_versions(&self) -> Result<Vec<ProcedureVersion>> {
        self.read_blocking(|c| {
            versions(
                c,
                &Sql::new(
                    DIALECT,
                    "SELECT body FROM procedure_versions ORDER BY code, version",
                ),
            )
        })
        .await
    }

    async fn search_procedures(&self, query: &str, limit: u32) -> Result<Vec<(String, u32)>> {
        self.read(|c| {
            let mut q = Sql::new(
                DIALECT,
                "SELECT code, version FROM procedure_search WHERE procedure_search MATCH ",
            );
            q.bind(query.to_string())
                .push(" ORDER BY rank LIMIT ")
                .bind(i64::from(limit));
            q.rows(c, |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u32)))
        })
    }

    async fn procedure_in_force(
        &self,
        code: &str,
        on: NaiveDate,
    ) -> Result<Option<ProcedureVersion>> {
        self.read(|c| {
            let version: Option<i64> = c
                .prepare_cached(
                    "SELECT version FROM procedure_versions WHERE code = ?1 AND effective_from <= ?2 \
                     ORDER BY effective_from DESC, version DESC LIMIT 1",
                )?
                .query_row(params![code, on.to_string()], |r| r.get(0))
                .optional()?;
            let Some(version) = version else {
                return Ok(None);
            };
            if let Some(v) = self.versions.get(code, version) {
                return Ok(Some(v));
            }
            let body: String = c
                .prepare_cached(
                    "SELECT body FROM procedure_versions WHERE code = ?1 AND version = ?2",
                )?
                .query_row(params![code, version], |r| r.get(0))?;
            let v: ProcedureVersion = from_json(&body, "phiên bản thủ tục")?;
            self.versions.keep(code, version, &v);
            Ok(Some(v))
        })
    }

    async fn procedures_in_force(&self, on: NaiveDate) -> Result<Vec<ProcedureVersion>> {
        let on = on.to_string();
        self.read_blocking(move |c| {
            let mut q = Sql::new(DIALECT,
                "SELECT v.body FROM procedure_versions v WHERE v.effective_from <= ?1 AND NOT EXISTS ( \
                   SELECT 1 FROM procedure_versions w WHERE w.code = v.code AND w.effective_from <= ?1 \
                   AND (w.effective_from > v.effective_from OR \
                        (w.effective_from = v.effective_from AND w.version > v.version))) \
                 ORDER BY v.code",
            );
            q.args.push(on.into());
            versions(c, &q)
        })
        .await
    }

    async fn procedure_versions(&self, code: &str) -> Result<Vec<ProcedureVersion>> {
        self.read(|c| {
            let mut q = Sql::new(DIALECT, "SELECT body FROM procedure_versions WHERE code = ");
            q.bind(code.to_string())
                .push(" ORDER BY effective_from, version");
            versions(c, &q)
        })
    }

    async fn set_procedure_agencies(
        &self,
        code: &str,
        agencies: &[String],
        log: Option<&LogEntry<'_>>,
    ) -> Result<()> {
        let (code, agencies) = (code.to_string(), agencies.to_vec());
        let log = log.map(OwnedEntry::of);
        self.write_all(move |c| {
            if let Some(log) = &log {
                log.write(c)?;
            }
            c.prepare_cached("DELETE FROM procedure_agencies WHERE code = ?1")?
                .execute([&code])?;
            let mut put =
                c.prepare_cached("INSERT INTO procedure_agencies (code, agency) VALUES (?1, ?2)")?;
            for a in &agencies {
                put.execute(params![code, a])?;
            }
            Ok(())
        })
        .await
    }

    async fn procedure_agencies(&self, code: &str) -> Result<Vec<String>> {
        self.read(|c| {
            let mut q = Sql::new(
                DIALECT,
                "SELECT agency FROM procedure_agencies WHERE code = ",
            );
            q.bind(code.to_string()).push(" ORDER BY agency");
            q.rows(c, |r| Ok(r.get(0)?))
        })
    }

    async fn create_province(&self, p: &NewProvince<'_>) -> Result<()> {
        let (units, successions) = (p.units.to_vec(), p.successions.to_vec());
        let agencies = by_depth(p.agencies);
        let procedures = p.procedures.to_vec();
        let (admin, hash) = (p.admin.clone(), p.admin_password_hash.to_string());
        let log = OwnedEntry::of(&p.log);
        self.write_all(move |c| {
            let existing: i64 = c
                .prepare_cached("SELECT COUNT(*) FROM agencies")?
                .query_row([], |r| r.get(0))?;
            if existing > 0 {
                return Err(StoreError::Duplicate(format!(
                    "cơ sở dữ liệu đã có {existing} cơ quan; chỉ khởi tạo được trên cơ sở dữ liệu trống"
                )));
            }
            replace_units_in(c, &units, &successions)?;
            put_agencies_in(c, &agencies)?;
            import_procedures_in(c, &procedures)?;
            insert_officer(c, &admin, &hash)?;
            log.write(c)
        })
        .await
    }
}
