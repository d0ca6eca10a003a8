//! Tổng hợp toàn quốc — the provinces' databases read from one national database through
//! PostgreSQL's own federation (`postgres_fdw`).
//!
//! A nation-wide deployment is one database per province (docs/SCALING.md). The national
//! database holds no copy of their data: each province is a schema of foreign tables
//! (`IMPORT FOREIGN SCHEMA`) over its database, read where it lives when a figure is asked
//! for. A province's schema is opened as a [`crate::Db`] like any database (its URL sets the
//! `search_path`), so the national figures come from the same report code a province's
//! leaders use — the rules of the periodic report and of QĐ 766 are written once.

use super::unreachable_reason;
use crate::{Result, StoreError};

/// One province as the national database sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FederatedProvince {
    /// The province's top agency (`lao-cai`), as its own database names it.
    pub code: String,
    /// UBND tỉnh …
    pub name: String,
    /// The schema of its foreign tables in the national database.
    pub schema: String,
    /// The national database's URL reading that schema first: open it with `Db::connect`.
    pub url: String,
}

/// Makes (or remakes) the foreign tables of every province in the national database at
/// `national`, each province given by its own database's URL; the provinces in that order.
/// Tables are imported afresh each time, so a province's schema change is followed. The
/// national database needs the `postgres_fdw` extension (Debian's `postgresql` has it) and
/// its user the right to create it.
pub async fn federate(national: &str, provinces: &[String]) -> Result<Vec<FederatedProvince>> {
    let client = connect(national).await?;
    client
        .batch_execute("CREATE EXTENSION IF NOT EXISTS postgres_fdw")
        .await
        .map_err(|e| {
            StoreError::Config(format!(
                "không bật được postgres_fdw trong CSDL quốc gia: {}",
                super::describe(&e)
            ))
        })?;
    let mut out = Vec::new();
    for url in provinces {
        let config: tokio_postgres::Config = url.parse().map_err(|_| bad_url(url))?;
        // Who the province is, asked of its own database.
        let own = connect(url).await?;
        let row = own
            .query_opt(
                "SELECT code, name FROM motcua_province \
                 UNION ALL (SELECT id, name FROM agencies WHERE parent IS NULL \
                 ORDER BY id COLLATE \"C\" LIMIT 1) LIMIT 1",
                &[],
            )
            .await
            .map_err(|e| {
                StoreError::Config(format!(
                    "{} không phải CSDL Một Cửa của một tỉnh: {}",
                    crate::without_password(url),
                    super::describe(&e)
                ))
            })?
            .ok_or_else(|| {
                StoreError::Config(format!(
                    "CSDL {} chưa khởi tạo tỉnh nào (motcua init).",
                    crate::without_password(url)
                ))
            })?;
        let (code, name): (String, String) = (row.get(0), row.get(1));
        if out.iter().any(|p: &FederatedProvince| p.code == code) {
            return Err(StoreError::Config(format!(
                "tỉnh {name} được nêu hai lần ({}).",
                crate::without_password(url)
            )));
        }
        let schema = format!(
            "tinh_{}",
            code.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
                .to_ascii_lowercase()
        );
        let host = match config.get_hosts().first() {
            Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
            #[cfg(unix)]
            Some(tokio_postgres::config::Host::Unix(p)) => p.display().to_string(),
            None => "localhost".to_string(),
        };
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let dbname = config.get_dbname().unwrap_or_default();
        let user = config.get_user().unwrap_or_default();
        let password = config
            .get_password()
            .map(|p| String::from_utf8_lossy(p).into_owned());
        let server = format!("{schema}_server");
        let mut sql = format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; \
             DROP SERVER IF EXISTS {server} CASCADE; \
             CREATE SERVER {server} FOREIGN DATA WRAPPER postgres_fdw \
                 OPTIONS (host {}, port '{port}', dbname {}, fetch_size '10000'); \
             CREATE USER MAPPING FOR CURRENT_USER SERVER {server} OPTIONS (user {}",
            literal(&host),
            literal(dbname),
            literal(user),
        );
        if let Some(p) = &password {
            sql.push_str(&format!(", password {}", literal(p)));
        }
        // Generated columns are read as plain ones: their functions live in the province.
        sql.push_str(&format!(
            "); CREATE SCHEMA {schema}; \
             IMPORT FOREIGN SCHEMA public FROM SERVER {server} INTO {schema} \
                 OPTIONS (import_generated 'false');"
        ));
        client.batch_execute(&sql).await.map_err(|e| {
            StoreError::Db(format!(
                "không tạo được bảng ngoại của {name}: {}",
                super::describe(&e)
            ))
        })?;
        let sep = if national.contains('?') { '&' } else { '?' };
        out.push(FederatedProvince {
            url: format!("{national}{sep}options=-c%20search_path%3D{schema}"),
            code,
            name,
            schema,
        });
    }
    Ok(out)
}

async fn connect(url: &str) -> Result<tokio_postgres::Client> {
    let config: tokio_postgres::Config = url.parse().map_err(|_| bad_url(url))?;
    let (client, connection) = config.connect(tokio_postgres::NoTls).await.map_err(|e| {
        StoreError::Config(format!(
            "không kết nối được {}: {}",
            crate::without_password(url),
            unreachable_reason(&e)
        ))
    })?;
    tokio::spawn(connection);
    Ok(client)
}

fn bad_url(url: &str) -> StoreError {
    StoreError::Config(format!(
        "địa chỉ PostgreSQL \"{}\" không hợp lệ: dùng postgres://NGƯỜI_DÙNG@MÁY:CỔNG/TÊN_CSDL",
        domain::error::shorten(url)
    ))
}

/// A string literal of SQL (options of a foreign server cannot be bound).
fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}
