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

/// The database's clock in milliseconds since 1970.
const NOW_MS: &str = "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)";
/// A write locks the whole database, so there are no row locks to skip.
const SKIP_LOCKED: &str = "";

impl SqliteStore {
    /// Opens (creating if needed) the database a `sqlite:` URL names; a relative file is resolved
    /// against `base_dir`.
    pub async fn open(url: &str, base_dir: &Path) -> Result<Self, StoreError> {
        let (options, _) = Self::options(url, base_dir, true)?;
        Self::connect(url, options).await
    }

    /// Opens the database a `sqlite:` URL names only if its file exists (`None` when it doesn't),
    /// creating nothing.
    pub async fn open_existing(url: &str, base_dir: &Path) -> Result<Option<Self>, StoreError> {
        let (options, file) = Self::options(url, base_dir, false)?;
        if file.as_ref().is_some_and(|f| !f.exists()) {
            return Ok(None);
        }
        Self::connect(url, options).await.map(Some)
    }

    /// The connection options, and the file (`None` in memory).
    fn options(
        url: &str,
        base_dir: &Path,
        create: bool,
    ) -> Result<(SqliteConnectOptions, Option<std::path::PathBuf>), StoreError> {
        let connect_error = |source| StoreError::Connect {
            url: url.to_owned(),
            source,
        };
        let mut options = SqliteConnectOptions::from_str(url).map_err(connect_error)?;
        let mut file = options.get_filename().to_owned();
        let in_memory = file.as_os_str().is_empty() || file.to_string_lossy().contains(":memory:");
        if !in_memory && file.is_relative() {
            file = base_dir.join(&file);
            if create && let Some(parent) = file.parent() {
                std::fs::create_dir_all(parent).map_err(|e| connect_error(sqlx::Error::Io(e)))?;
            }
            options = options.filename(&file);
        }
        let options = options
            .create_if_missing(create)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        Ok((options, (!in_memory).then_some(file)))
    }

    async fn connect(url: &str, options: SqliteConnectOptions) -> Result<Self, StoreError> {
        let in_memory = options.get_filename().as_os_str().is_empty()
            || options.get_filename().to_string_lossy().contains(":memory:");
        let pool = SqlitePoolOptions::new()
            .max_connections(if in_memory { 1 } else { 4 })
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Connect {
                url: url.to_owned(),
                source,
            })?;
        Ok(SqliteStore { pool })
    }

    /// Takes the lock that lets one `herald run` at a time use the database a `sqlite:` URL
    /// names: a lock on `FILE.lock` next to it, which the system releases when the process ends
    /// however it ends. `Ok(None)` for an in-memory database.
    pub fn lock_single_instance(url: &str, base_dir: &Path) -> Result<Option<std::fs::File>, StoreError> {
        let (_, file) = Self::options(url, base_dir, true)?;
        let Some(file) = file else {
            return Ok(None);
        };
        let mut name = file.clone().into_os_string();
        name.push(".lock");
        let path = std::path::PathBuf::from(name);
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| StoreError::Lock {
                path: path.clone(),
                reason: source.to_string(),
            })?;
        match lock.try_lock() {
            Ok(()) => Ok(Some(lock)),
            Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::InUse { path: file }),
            Err(std::fs::TryLockError::Error(source)) => Err(StoreError::Lock {
                path,
                reason: source.to_string(),
            }),
        }
    }

    /// The connection pool, for backend-specific code.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

super::journal::store_impl!(SqliteStore, Backend::Sqlite);
super::inbox::inbox_impl!(SqliteStore);
super::lease::lease_impl!(SqliteStore);
