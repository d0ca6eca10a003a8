//! One server per SQLite database: its leases are its own, and there is no other server to tell.

use super::Sqlite;
use crate::Result;

#[async_trait::async_trait]
impl crate::ClusterStore for Sqlite {
    async fn hold_lease(&self, _: &str, _: &str, _: i64, _: i64) -> Result<bool> {
        Ok(true)
    }

    async fn release_lease(&self, _: &str, _: &str) -> Result<()> {
        Ok(())
    }

    async fn signal(&self, _: &str) -> Result<()> {
        Ok(())
    }

    async fn signals(&self) -> Result<Option<tokio::sync::mpsc::Receiver<String>>> {
        Ok(None)
    }
}
