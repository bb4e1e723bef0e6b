//! The PostgreSQL store, for several replicas sharing one database.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use super::{Backend, StoreError};
use crate::config::redact_url;

/// herald's state in PostgreSQL.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The database's clock in milliseconds since 1970 (the time now, not the transaction's start).
const NOW_MS: &str = "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";
/// A claim skips rows another replica has locked this instant instead of waiting for them.
const SKIP_LOCKED: &str = " FOR UPDATE SKIP LOCKED";

impl PostgresStore {
    /// Connects to the database a `postgres://` URL names.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(|source| StoreError::Connect {
                url: redact_url(url),
                source,
            })?;
        Ok(PostgresStore { pool })
    }

    /// The connection pool, for backend-specific code.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

super::journal::store_impl!(PostgresStore, Backend::Postgres);
super::inbox::inbox_impl!(PostgresStore);
super::lease::lease_impl!(PostgresStore);
