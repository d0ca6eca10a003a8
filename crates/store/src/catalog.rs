//! Danh mục — administrative units, agencies, procedures and their versions.

use chrono::NaiveDate;
use domain::agency::Agency;
use domain::procedure::ProcedureVersion;
use domain::unit::{AdminUnit, Regime, Succession};
use sqlx::Row;

use crate::{Db, Result, StoreError, from_json, from_key, key, to_json};

impl Db {
    /// Loads or refreshes the administrative units and their succession: the lists given
    /// replace the stored ones, in one transaction (so running it twice changes nothing).
    pub async fn replace_units(
        &self,
        units: &[AdminUnit],
        successions: &[Succession],
    ) -> Result<()> {
        let mut tx = self.writer().begin().await?;
        sqlx::query("DELETE FROM unit_successions")
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM admin_units")
            .execute(&mut *tx)
            .await?;
        for chunk in units.chunks(500) {
            let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "INSERT INTO admin_units (regime, code, name, level, kind, parent_code) ",
            );
            q.push_values(chunk, |mut b, u| {
                b.push_bind(key(&u.regime))
                    .push_bind(u.code.clone())
                    .push_bind(u.name.clone())
                    .push_bind(key(&u.level))
                    .push_bind(u.kind.clone())
                    .push_bind(u.parent.clone());
            });
            q.build()
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::from_insert(e, "mã đơn vị hành chính"))?;
        }
        for chunk in successions.chunks(500) {
            let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "INSERT INTO unit_successions (old_code, new_code, effective, legal_basis) ",
            );
            q.push_values(chunk, |mut b, s| {
                b.push_bind(s.old_code.clone())
                    .push_bind(s.new_code.clone())
                    .push_bind(s.effective.to_string())
                    .push_bind(s.legal_basis.clone());
            });
            q.build()
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::from_insert(e, "quan hệ kế thừa đơn vị"))?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every stored unit and succession.
    pub async fn units(&self) -> Result<(Vec<AdminUnit>, Vec<Succession>)> {
        let rows = sqlx::query(
            "SELECT regime, code, name, level, kind, parent_code FROM admin_units ORDER BY regime, code",
        )
        .fetch_all(self.reader())
        .await?;
        let units = rows
            .iter()
            .map(|r| {
                Ok(AdminUnit {
                    regime: from_key(r.get("regime"))?,
                    code: r.get("code"),
                    name: r.get("name"),
                    level: from_key(r.get("level"))?,
                    kind: r.get("kind"),
                    parent: r.get("parent_code"),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let rows = sqlx::query(
            "SELECT old_code, new_code, effective, legal_basis FROM unit_successions ORDER BY old_code, new_code",
        )
        .fetch_all(self.reader())
        .await?;
        let successions = rows
            .iter()
            .map(|r| {
                let effective: String = r.get("effective");
                Ok(Succession {
                    old_code: r.get("old_code"),
                    new_code: r.get("new_code"),
                    effective: effective.parse().map_err(|_| {
                        StoreError::Corrupt(format!("ngày kế thừa \"{effective}\""))
                    })?,
                    legal_basis: r.get("legal_basis"),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((units, successions))
    }

    /// Number of units of a regime at a level ("province", "district", "commune").
    pub async fn count_units(&self, regime: Regime, level: &str) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM admin_units WHERE regime = $1 AND level = $2")
                .bind(key(&regime))
                .bind(level)
                .fetch_one(self.reader())
                .await?,
        )
    }

    /// Inserts or updates agencies, parents before children, in one transaction.
    pub async fn put_agencies(&self, agencies: &[Agency]) -> Result<()> {
        let tree = domain::agency::AgencyTree::new(agencies.iter().cloned());
        let depth = |a: &Agency| {
            let mut n = 0;
            let mut p = a.parent.as_ref();
            while let Some(id) = p.filter(|_| n < 32) {
                n += 1;
                p = tree.get(id).and_then(|x| x.parent.as_ref());
            }
            n
        };
        let mut ordered: Vec<&Agency> = agencies.iter().collect();
        ordered.sort_by_key(|a| (depth(a), a.id.clone()));
        let mut tx = self.writer().begin().await?;
        for a in ordered {
            put_agency(&mut tx, a).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every agency.
    pub async fn agencies(&self) -> Result<Vec<Agency>> {
        let rows = sqlx::query("SELECT body FROM agencies ORDER BY id")
            .fetch_all(self.reader())
            .await?;
        rows.iter()
            .map(|r| from_json(r.get::<&str, _>(0), "cơ quan"))
            .collect()
    }

    /// Adds procedure versions in one transaction, all or nothing. A version is immutable: the
    /// same number again with the same content is left as it is, with different content it is
    /// refused (dossiers may have pinned it). The procedure's own row (name, sector, level)
    /// follows its newest version. Returns how many versions were new.
    pub async fn import_procedures(&self, versions: &[ProcedureVersion]) -> Result<usize> {
        let mut tx = self.writer().begin().await?;
        let mut added = 0;
        let mut touched = std::collections::BTreeSet::new();
        for v in versions {
            sqlx::query(
                "INSERT INTO procedures (code, name, sector, level) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (code) DO NOTHING",
            )
            .bind(v.code.as_str())
            .bind(&v.name)
            .bind(&v.sector)
            .bind(key(&v.level))
            .execute(&mut *tx)
            .await?;
            let body = to_json(v);
            let existing: Option<String> = sqlx::query_scalar(
                "SELECT body FROM procedure_versions WHERE code = $1 AND version = $2",
            )
            .bind(v.code.as_str())
            .bind(i64::from(v.version))
            .fetch_optional(&mut *tx)
            .await?;
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
            sqlx::query(
                "INSERT INTO procedure_versions (code, version, effective_from, body) VALUES ($1, $2, $3, $4)",
            )
            .bind(v.code.as_str())
            .bind(i64::from(v.version))
            .bind(v.effective_from.to_string())
            .bind(body)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::from_insert(e, "phiên bản thủ tục"))?;
            index_procedure(&mut tx, v).await?;
            touched.insert(v.code.to_string());
            added += 1;
        }
        for code in touched {
            let newest: String = sqlx::query_scalar(
                "SELECT body FROM procedure_versions WHERE code = $1 \
                 ORDER BY effective_from DESC, version DESC LIMIT 1",
            )
            .bind(&code)
            .fetch_one(&mut *tx)
            .await?;
            let v: ProcedureVersion = from_json(&newest, "phiên bản thủ tục")?;
            sqlx::query("UPDATE procedures SET name = $2, sector = $3, level = $4 WHERE code = $1")
                .bind(&code)
                .bind(&v.name)
                .bind(&v.sector)
                .bind(key(&v.level))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Every version of every procedure (for export), by code and version.
    pub async fn all_procedure_versions(&self) -> Result<Vec<ProcedureVersion>> {
        let rows: Vec<String> =
            sqlx::query_scalar("SELECT body FROM procedure_versions ORDER BY code, version")
                .fetch_all(self.reader())
                .await?;
        rows.iter()
            .map(|b| from_json(b, "phiên bản thủ tục"))
            .collect()
    }

    /// Procedure versions matching a full-text query (FTS5 syntax over folded text), best first:
    /// (code, version). The name counts ten times the rest.
    pub async fn search_procedures(
        &self,
        fts_query: &str,
        limit: u32,
    ) -> Result<Vec<(String, u32)>> {
        let rows = sqlx::query(
            "SELECT code, version FROM procedure_search WHERE procedure_search MATCH $1 \
             ORDER BY rank LIMIT $2",
        )
        .bind(fts_query)
        .bind(i64::from(limit))
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .iter()
            .map(|r| (r.get::<String, _>(0), r.get::<i64, _>(1) as u32))
            .collect())
    }

    /// The version of a procedure in force on a date.
    pub async fn procedure_in_force(
        &self,
        code: &str,
        on: NaiveDate,
    ) -> Result<Option<ProcedureVersion>> {
        let body: Option<String> = sqlx::query_scalar(
            "SELECT body FROM procedure_versions WHERE code = $1 AND effective_from <= $2 \
             ORDER BY effective_from DESC, version DESC LIMIT 1",
        )
        .bind(code)
        .bind(on.to_string())
        .fetch_optional(self.reader())
        .await?;
        body.map(|b| from_json(&b, "phiên bản thủ tục")).transpose()
    }

    /// The versions in force on a date, one per procedure, sorted by code.
    pub async fn procedures_in_force(&self, on: NaiveDate) -> Result<Vec<ProcedureVersion>> {
        let rows = sqlx::query(
            "SELECT v.body FROM procedure_versions v \
             WHERE v.effective_from <= $1 AND NOT EXISTS ( \
               SELECT 1 FROM procedure_versions w WHERE w.code = v.code AND w.effective_from <= $1 \
               AND (w.effective_from > v.effective_from OR (w.effective_from = v.effective_from AND w.version > v.version))) \
             ORDER BY v.code",
        )
        .bind(on.to_string())
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| from_json(r.get::<&str, _>(0), "phiên bản thủ tục"))
            .collect()
    }

    /// Every version of a procedure, oldest first.
    pub async fn procedure_versions(&self, code: &str) -> Result<Vec<ProcedureVersion>> {
        let rows = sqlx::query(
            "SELECT body FROM procedure_versions WHERE code = $1 ORDER BY effective_from, version",
        )
        .bind(code)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| from_json(r.get::<&str, _>(0), "phiên bản thủ tục"))
            .collect()
    }

    /// Records which agencies receive and decide a procedure.
    pub async fn set_procedure_agencies(&self, code: &str, agencies: &[String]) -> Result<()> {
        let mut tx = self.writer().begin().await?;
        sqlx::query("DELETE FROM procedure_agencies WHERE code = $1")
            .bind(code)
            .execute(&mut *tx)
            .await?;
        for a in agencies {
            sqlx::query("INSERT INTO procedure_agencies (code, agency) VALUES ($1, $2)")
                .bind(code)
                .bind(a)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Agencies a procedure is offered at.
    pub async fn procedure_agencies(&self, code: &str) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT agency FROM procedure_agencies WHERE code = $1 ORDER BY agency",
        )
        .bind(code)
        .fetch_all(self.reader())
        .await?)
    }
}

/// Inserts or updates one agency (its parent must exist).
async fn put_agency(tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>, a: &Agency) -> Result<()> {
    sqlx::query(
        "INSERT INTO agencies (id, code, parent, kind, name, body) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (id) DO UPDATE SET code = $2, parent = $3, kind = $4, name = $5, body = $6",
    )
    .bind(a.id.as_str())
    .bind(a.code.as_str())
    .bind(a.parent.as_ref().map(|p| p.as_str().to_string()))
    .bind(key(&a.kind))
    .bind(&a.name)
    .bind(to_json(a))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The folded text a procedure version is searched by: its name, and the rest (sector,
/// description, components, result).
pub(crate) fn procedure_search_text(v: &ProcedureVersion) -> (String, String) {
    let mut body = vec![
        v.sector.as_str(),
        v.description.as_str(),
        v.result.name.as_str(),
    ];
    body.extend(v.components.iter().map(|c| c.name.as_str()));
    (vntext::fold(&v.name), vntext::fold(&body.join(" ")))
}

async fn index_procedure(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    v: &ProcedureVersion,
) -> Result<()> {
    let (name, body) = procedure_search_text(v);
    sqlx::query("INSERT INTO procedure_search (code, version, name, body) VALUES ($1, $2, $3, $4)")
        .bind(v.code.as_str())
        .bind(i64::from(v.version))
        .bind(name)
        .bind(body)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
