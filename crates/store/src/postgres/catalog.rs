//! Danh mục on PostgreSQL: units, agencies, procedure versions (immutable once written) and their
//! full-text index (a generated tsvector over folded text, the name weighted 'A', the rest 'B').
//!
//! Text is ordered with `COLLATE "C"` (byte order, as SQLite's BINARY collation orders it),
//! whatever collation the database was created with.
//!
//! SQLite keeps the procedure versions it has read in an in-process cache; here each version is
//! read from the database with the query that chooses it (one round trip either way, the cache
//! would save only parsing a few kilobytes of JSON), so no state is kept beside the pool.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use deadpool_postgres::GenericClient;
use domain::agency::Agency;
use domain::procedure::ProcedureVersion;
use domain::unit::{AdminUnit, Regime, Succession};

use super::{Postgres, col, db_error, insert_error, log_on, tsquery};
use crate::catalog::by_depth;
use crate::{
    LogEntry, NewProvince, ProcedureForm, Result, StoreError, from_json, from_key, key,
    procedure_search_text, to_json,
};

/// Procedure versions from rows whose first column is the stored body.
fn versions(rows: &[tokio_postgres::Row]) -> Result<Vec<ProcedureVersion>> {
    rows.iter()
        .map(|r| from_json(&col::<String>(r, 0)?, "phiên bản thủ tục"))
        .collect()
}

/// A procedure's form from the columns `code, name, sha256, file_name, media_type, size,
/// at_ms, by_whom`.
fn form_of(r: &tokio_postgres::Row) -> Result<ProcedureForm> {
    Ok(ProcedureForm {
        code: col(r, 0)?,
        name: col(r, 1)?,
        sha256: col(r, 2)?,
        file_name: col(r, 3)?,
        media_type: col(r, 4)?,
        size: col(r, 5)?,
        at_ms: col(r, 6)?,
        by: col(r, 7)?,
    })
}

/// Replaces the stored units and successions in the caller's transaction. The tables are
/// locked against other writers first, so that a replacement running at the same time
/// finishes before this one deletes (and so sees, and deletes, what it wrote).
async fn replace_units_in(
    tx: &impl GenericClient,
    units: &[AdminUnit],
    successions: &[Succession],
) -> Result<()> {
    tx.batch_execute(
        "LOCK TABLE admin_units, unit_successions IN SHARE ROW EXCLUSIVE MODE; \
         DELETE FROM unit_successions; DELETE FROM admin_units;",
    )
    .await
    .map_err(db_error)?;
    let unit = tx
        .prepare_cached(
            "INSERT INTO admin_units (regime, code, name, level, kind, parent_code) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .await
        .map_err(db_error)?;
    for u in units {
        tx.execute(
            &unit,
            &[
                &key(&u.regime),
                &u.code,
                &u.name,
                &key(&u.level),
                &u.kind,
                &u.parent,
            ],
        )
        .await
        .map_err(|e| insert_error(e, "mã đơn vị hành chính"))?;
    }
    let succession = tx
        .prepare_cached(
            "INSERT INTO unit_successions (old_code, new_code, effective, legal_basis) \
             VALUES ($1, $2, $3, $4)",
        )
        .await
        .map_err(db_error)?;
    for s in successions {
        tx.execute(
            &succession,
            &[
                &s.old_code,
                &s.new_code,
                &s.effective.to_string(),
                &s.legal_basis,
            ],
        )
        .await
        .map_err(|e| insert_error(e, "quan hệ kế thừa đơn vị"))?;
    }
    Ok(())
}

/// Inserts or updates agencies (parents first) in the caller's transaction, and recomputes the
/// dossiers' readers when one of them moved in the tree. The agencies already stored are read
/// locked (in id order, so that two writers never wait on each other crosswise; `NO KEY`, so
/// that rows referring to them are not waited for): a concurrent change to them finishes
/// first, and whether one moved is judged against it.
async fn put_agencies_in(tx: &impl GenericClient, ordered: &[Agency]) -> Result<()> {
    let ids: Vec<&str> = ordered.iter().map(|a| a.id.as_str()).collect();
    let before: HashMap<String, Option<String>> = tx
        .query(
            "SELECT id, parent FROM agencies WHERE id = ANY($1) ORDER BY id COLLATE \"C\" \
             FOR NO KEY UPDATE",
            &[&ids],
        )
        .await
        .map_err(db_error)?
        .iter()
        .map(|r| Ok((col(r, 0)?, col(r, 1)?)))
        .collect::<Result<_>>()?;
    let moved = ordered.iter().any(|a| {
        before
            .get(a.id.as_str())
            .is_some_and(|p| p.as_deref() != a.parent.as_ref().map(|p| p.as_str()))
    });
    let put = tx
        .prepare_cached(
            "INSERT INTO agencies (id, code, parent, kind, name, body) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (id) DO UPDATE SET code = $2, parent = $3, kind = $4, name = $5, \
             body = $6",
        )
        .await
        .map_err(db_error)?;
    for a in ordered {
        tx.execute(
            &put,
            &[
                &a.id.as_str(),
                &a.code.as_str(),
                &a.parent.as_ref().map(|p| p.as_str()),
                &key(&a.kind),
                &a.name,
                &to_json(a),
            ],
        )
        .await
        .map_err(db_error)?;
    }
    // A reorganised tree moves dossiers between branches.
    if moved {
        super::dossiers::rescope(tx).await?;
    }
    // The province this database holds (one per database): its top agency, the UBND tỉnh, by
    // its agency code (mã định danh, e.g. H38), as `motcua move` compares it.
    tx.execute(
        "INSERT INTO motcua_province (code, name) \
         SELECT code, name FROM agencies WHERE parent IS NULL ORDER BY id COLLATE \"C\" LIMIT 1 \
         ON CONFLICT (only_one) DO UPDATE SET code = EXCLUDED.code, name = EXCLUDED.name",
        &[],
    )
    .await
    .map_err(db_error)?;
    Ok(())
}

/// Adds procedure versions in the caller's transaction (see `import_procedures`): a version
/// already stored is left when its body is the same and refused when it differs.
///
/// The rows of the procedures imported are made if missing, then locked (`FOR NO KEY UPDATE`,
/// which the versions' foreign keys do not wait for), both in code order so that two imports
/// never wait on each other crosswise. An import of the same procedures by another server
/// therefore runs wholly before or after this one: a version it adds is compared like one
/// stored before, and the newest version is chosen among its versions too.
async fn import_procedures_in(
    tx: &impl GenericClient,
    versions: &[ProcedureVersion],
) -> Result<usize> {
    let mut first: BTreeMap<&str, &ProcedureVersion> = BTreeMap::new();
    for v in versions {
        first.entry(v.code.as_str()).or_insert(v);
    }
    let procedure = tx
        .prepare_cached(
            "INSERT INTO procedures (code, name, sector, level) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (code) DO NOTHING",
        )
        .await
        .map_err(db_error)?;
    for (code, v) in &first {
        tx.execute(&procedure, &[code, &v.name, &v.sector, &key(&v.level)])
            .await
            .map_err(db_error)?;
    }
    let codes: Vec<&str> = first.keys().copied().collect();
    tx.execute(
        "SELECT 1 FROM procedures WHERE code = ANY($1) ORDER BY code COLLATE \"C\" \
         FOR NO KEY UPDATE",
        &[&codes],
    )
    .await
    .map_err(db_error)?;
    let stored = tx
        .prepare_cached("SELECT body FROM procedure_versions WHERE code = $1 AND version = $2")
        .await
        .map_err(db_error)?;
    let insert = tx
        .prepare_cached(
            "INSERT INTO procedure_versions (code, version, effective_from, body) \
             VALUES ($1, $2, $3, $4)",
        )
        .await
        .map_err(db_error)?;
    let search = tx
        .prepare_cached(
            "INSERT INTO procedure_search (code, version, name, body) VALUES ($1, $2, $3, $4)",
        )
        .await
        .map_err(db_error)?;
    let mut added = 0;
    let mut touched = BTreeSet::new();
    for v in versions {
        let (code, version) = (v.code.as_str(), i64::from(v.version));
        let body = to_json(v);
        let existing: Option<String> = tx
            .query_opt(&stored, &[&code, &version])
            .await
            .map_err(db_error)?
            .map(|r| col(&r, 0))
            .transpose()?;
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
        tx.execute(
            &insert,
            &[&code, &version, &v.effective_from.to_string(), &body],
        )
        .await
        .map_err(|e| insert_error(e, "phiên bản thủ tục"))?;
        let (name, text) = procedure_search_text(v);
        tx.execute(&search, &[&code, &version, &name, &text])
            .await
            .map_err(db_error)?;
        touched.insert(code);
        added += 1;
    }
    let newest = tx
        .prepare_cached(
            "SELECT body FROM procedure_versions WHERE code = $1 \
             ORDER BY effective_from DESC, version DESC LIMIT 1",
        )
        .await
        .map_err(db_error)?;
    let update = tx
        .prepare_cached("UPDATE procedures SET name = $2, sector = $3, level = $4 WHERE code = $1")
        .await
        .map_err(db_error)?;
    for code in touched {
        let row = tx.query_one(&newest, &[&code]).await.map_err(db_error)?;
        let v: ProcedureVersion = from_json(&col::<String>(&row, 0)?, "phiên bản thủ tục")?;
        tx.execute(&update, &[&code, &v.name, &v.sector, &key(&v.level)])
            .await
            .map_err(db_error)?;
    }
    Ok(added)
}

#[async_trait::async_trait]
impl crate::CatalogStore for Postgres {
    async fn set_procedure_form(&self, f: &ProcedureForm) -> Result<()> {
        let c = self.client().await?;
        let st = c
            .prepare_cached(
                "INSERT INTO procedure_forms (code, name, sha256, file_name, media_type, size, \
                 at_ms, by_whom) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (code, name) DO UPDATE SET sha256 = excluded.sha256, \
                 file_name = excluded.file_name, media_type = excluded.media_type, \
                 size = excluded.size, at_ms = excluded.at_ms, by_whom = excluded.by_whom",
            )
            .await
            .map_err(db_error)?;
        c.execute(
            &st,
            &[
                &f.code,
                &f.name,
                &f.sha256,
                &f.file_name,
                &f.media_type,
                &f.size,
                &f.at_ms,
                &f.by,
            ],
        )
        .await
        .map_err(db_error)?;
        Ok(())
    }

    async fn procedure_forms(&self, code: &str) -> Result<Vec<ProcedureForm>> {
        let c = self.client().await?;
        let st = c
            .prepare_cached(
                "SELECT code, name, sha256, file_name, media_type, size, at_ms, by_whom \
                 FROM procedure_forms WHERE code = $1 ORDER BY name COLLATE \"C\"",
            )
            .await
            .map_err(db_error)?;
        c.query(&st, &[&code])
            .await
            .map_err(db_error)?
            .iter()
            .map(form_of)
            .collect()
    }

    async fn replace_units(&self, units: &[AdminUnit], successions: &[Succession]) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        replace_units_in(&tx, units, successions).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn units(&self) -> Result<(Vec<AdminUnit>, Vec<Succession>)> {
        let c = self.client().await?;
        let units = c
            .query(
                "SELECT regime, code, name, level, kind, parent_code FROM admin_units \
                 ORDER BY regime COLLATE \"C\", code COLLATE \"C\"",
                &[],
            )
            .await
            .map_err(db_error)?
            .iter()
            .map(|r| {
                Ok(AdminUnit {
                    regime: from_key(&col::<String>(r, 0)?)?,
                    code: col(r, 1)?,
                    name: col(r, 2)?,
                    level: from_key(&col::<String>(r, 3)?)?,
                    kind: col(r, 4)?,
                    parent: col(r, 5)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let successions = c
            .query(
                "SELECT old_code, new_code, effective, legal_basis FROM unit_successions \
                 ORDER BY old_code COLLATE \"C\", new_code COLLATE \"C\"",
                &[],
            )
            .await
            .map_err(db_error)?
            .iter()
            .map(|r| {
                let effective: String = col(r, 2)?;
                Ok(Succession {
                    old_code: col(r, 0)?,
                    new_code: col(r, 1)?,
                    effective: effective.parse().map_err(|_| {
                        StoreError::Corrupt(format!("ngày kế thừa \"{effective}\""))
                    })?,
                    legal_basis: col(r, 3)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((units, successions))
    }

    async fn count_units(&self, regime: Regime, level: &str) -> Result<i64> {
        let c = self.client().await?;
        let st = c
            .prepare_cached("SELECT count(*) FROM admin_units WHERE regime = $1 AND level = $2")
            .await
            .map_err(db_error)?;
        let row = c
            .query_one(&st, &[&key(&regime), &level])
            .await
            .map_err(db_error)?;
        col(&row, 0)
    }

    async fn put_agencies(&self, agencies: &[Agency]) -> Result<()> {
        let ordered = by_depth(agencies);
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        put_agencies_in(&tx, &ordered).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn change_agencies(&self, agencies: &[Agency], log: &LogEntry<'_>) -> Result<()> {
        let ordered = by_depth(agencies);
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        put_agencies_in(&tx, &ordered).await?;
        log_on(&tx, log).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn agencies(&self) -> Result<Vec<Agency>> {
        let c = self.client().await?;
        c.query("SELECT body FROM agencies ORDER BY id COLLATE \"C\"", &[])
            .await
            .map_err(db_error)?
            .iter()
            .map(|r| from_json(&col::<String>(r, 0)?, "cơ quan"))
            .collect()
    }

    async fn import_procedures(&self, versions: &[ProcedureVersion]) -> Result<usize> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        let added = import_procedures_in(&tx, versions).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(added)
    }

    async fn all_procedure_versions(&self) -> Result<Vec<ProcedureVersion>> {
        let c = self.client().await?;
        let rows = c
            .query(
                "SELECT body FROM procedure_versions ORDER BY code COLLATE \"C\", version",
                &[],
            )
            .await
            .map_err(db_error)?;
        versions(&rows)
    }

    /// Ranked by `ts_rank` with the name ('A') weighing ten times the rest ('B'), as SQLite's
    /// `bm25(0, 0, 10, 1)` weighs them; equal ranks by code and version. A query with no word
    /// left finds nothing.
    async fn search_procedures(&self, query: &str, limit: u32) -> Result<Vec<(String, u32)>> {
        let Some(query) = tsquery(query) else {
            return Ok(Vec::new());
        };
        let c = self.client().await?;
        let st = c
            .prepare_cached(
                "SELECT s.code, s.version FROM procedure_search s, \
                 to_tsquery('simple', $1) q WHERE s.words @@ q \
                 ORDER BY ts_rank('{0, 0, 0.1, 1.0}', s.words, q) DESC, \
                 s.code COLLATE \"C\", s.version LIMIT $2",
            )
            .await
            .map_err(db_error)?;
        c.query(&st, &[&query, &i64::from(limit)])
            .await
            .map_err(db_error)?
            .iter()
            .map(|r| {
                let version: i64 = col(r, 1)?;
                let version = u32::try_from(version)
                    .map_err(|_| StoreError::Corrupt(format!("số phiên bản thủ tục {version}")))?;
                Ok((col(r, 0)?, version))
            })
            .collect()
    }

    async fn procedure_in_force(
        &self,
        code: &str,
        on: NaiveDate,
    ) -> Result<Option<ProcedureVersion>> {
        let c = self.client().await?;
        let st = c
            .prepare_cached(
                "SELECT body FROM procedure_versions WHERE code = $1 AND effective_from <= $2 \
                 ORDER BY effective_from DESC, version DESC LIMIT 1",
            )
            .await
            .map_err(db_error)?;
        let rows = c
            .query(&st, &[&code, &on.to_string()])
            .await
            .map_err(db_error)?;
        Ok(versions(&rows)?.into_iter().next())
    }

    async fn procedures_in_force(&self, on: NaiveDate) -> Result<Vec<ProcedureVersion>> {
        let c = self.client().await?;
        let st = c
            .prepare_cached(
                "SELECT v.body FROM procedure_versions v WHERE v.effective_from <= $1 \
                 AND NOT EXISTS ( \
                   SELECT 1 FROM procedure_versions w WHERE w.code = v.code \
                   AND w.effective_from <= $1 \
                   AND (w.effective_from > v.effective_from OR \
                        (w.effective_from = v.effective_from AND w.version > v.version))) \
                 ORDER BY v.code COLLATE \"C\"",
            )
            .await
            .map_err(db_error)?;
        let rows = c.query(&st, &[&on.to_string()]).await.map_err(db_error)?;
        versions(&rows)
    }

    async fn procedure_versions(&self, code: &str) -> Result<Vec<ProcedureVersion>> {
        let c = self.client().await?;
        let st = c
            .prepare_cached(
                "SELECT body FROM procedure_versions WHERE code = $1 \
                 ORDER BY effective_from, version",
            )
            .await
            .map_err(db_error)?;
        let rows = c.query(&st, &[&code]).await.map_err(db_error)?;
        versions(&rows)
    }

    /// The procedure's row is locked first (as an import locks it), so that two changes of its
    /// agencies at the same time are applied one after the other (the second deleting what the
    /// first wrote).
    async fn set_procedure_agencies(
        &self,
        code: &str,
        agencies: &[String],
        log: Option<&LogEntry<'_>>,
    ) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        tx.execute(
            "SELECT 1 FROM procedures WHERE code = $1 FOR NO KEY UPDATE",
            &[&code],
        )
        .await
        .map_err(db_error)?;
        if let Some(log) = log {
            log_on(&tx, log).await?;
        }
        tx.execute("DELETE FROM procedure_agencies WHERE code = $1", &[&code])
            .await
            .map_err(db_error)?;
        let put = tx
            .prepare_cached("INSERT INTO procedure_agencies (code, agency) VALUES ($1, $2)")
            .await
            .map_err(db_error)?;
        for a in agencies {
            tx.execute(&put, &[&code, a]).await.map_err(db_error)?;
        }
        tx.commit().await.map_err(db_error)
    }

    async fn procedure_agencies(&self, code: &str) -> Result<Vec<String>> {
        let c = self.client().await?;
        let st = c
            .prepare_cached(
                "SELECT agency FROM procedure_agencies WHERE code = $1 \
                 ORDER BY agency COLLATE \"C\"",
            )
            .await
            .map_err(db_error)?;
        c.query(&st, &[&code])
            .await
            .map_err(db_error)?
            .iter()
            .map(|r| col(r, 0))
            .collect()
    }

    /// The agencies are locked against other writers before they are counted, so that of two
    /// creations at the same time the second waits, then finds the first's agencies and is
    /// refused.
    async fn create_province(&self, p: &NewProvince<'_>) -> Result<()> {
        let agencies = by_depth(p.agencies);
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(db_error)?;
        tx.batch_execute("LOCK TABLE agencies IN SHARE ROW EXCLUSIVE MODE")
            .await
            .map_err(db_error)?;
        let existing: i64 = col(
            &tx.query_one("SELECT count(*) FROM agencies", &[])
                .await
                .map_err(db_error)?,
            0,
        )?;
        if existing > 0 {
            return Err(StoreError::Duplicate(format!(
                "cơ sở dữ liệu đã có {existing} cơ quan; chỉ khởi tạo được trên cơ sở dữ liệu trống"
            )));
        }
        replace_units_in(&tx, p.units, p.successions).await?;
        put_agencies_in(&tx, &agencies).await?;
        import_procedures_in(&tx, p.procedures).await?;
        super::accounts::insert_officer(&tx, p.admin, p.admin_password_hash).await?;
        log_on(&tx, &p.log).await?;
        tx.commit().await.map_err(db_error)
    }
}
