//! The SQLite store: one file, write-ahead logging, full synchronous commits (a publish recorded
//! as sent survives a power cut).

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::{Backend, StoreError};

/// herald's state in a SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

impl SqliteStore {
    /// Opens (creating if needed) the database a `sqlite:` URL names; a relative file is resolved
    /// against `base_dir`.
    pub async fn open(url: &str, base_dir: &Path) -> Result<Self, StoreError> {
        let connect_error = |source| StoreError::Connect {
            url: url.to_owned(),
            source,
        };
        let mut options = SqliteConnectOptions::from_str(url).map_err(connect_error)?;
        let file = options.get_filename().to_owned();
        let in_memory = file.as_os_str().is_empty() || file.to_string_lossy().contains(":memory:");
        if !in_memory && file.is_relative() {
            let path = base_dir.join(&file);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| connect_error(sqlx::Error::Io(e)))?;
            }
            options = options.filename(path);
        }
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(if in_memory { 1 } else { 4 })
            .connect_with(options)
            .await
            .map_err(connect_error)?;
        Ok(SqliteStore { pool })
    }

    /// The connection pool, for backend-specific code.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

super::journal::store_impl!(SqliteStore, Backend::Sqlite);
super::inbox::inbox_impl!(SqliteStore);
