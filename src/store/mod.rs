//! Durable state: one [`Store`] trait, one implementation per backend, chosen from the database
//! URL. SQLite (embedded, nothing to install) is the default; PostgreSQL serves several replicas.
//!
//! Each backend has its own embedded, append-only migrations (`migrations/<backend>/`), applied
//! when the store is opened. Queries are written at run time (`sqlx::query`), so there is no
//! offline query cache to keep in step.

pub mod inbox;
pub mod journal;
pub mod lease;
mod postgres;
mod sqlite;

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

pub use inbox::{
    InboxStore, MessageRecord, NewReply, Recorded, ReplyOutcome, ReplyRecord, ReplyState, SenderHistory,
};
pub use journal::{Entry, Outcome, Planned, Settled, State};
pub use lease::{ALERTS_LEASE, DEFAULT_LEASE, Lease, LeaseStore, Replica, inbox_lease};
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

use crate::config::redact_url;

/// Which database a store uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite: one instance.
    Sqlite,
    /// PostgreSQL: several replicas.
    Postgres,
}

/// What went wrong with the database. Messages never contain a password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The URL is not one herald can use.
    #[error("unsupported database URL `{0}`: use sqlite://FILE or postgres://…")]
    UnsupportedUrl(String),
    /// Couldn't connect or open the file.
    #[error("can't open the database {url}: {source}")]
    Connect {
        /// The URL, with any password hidden.
        url: String,
        /// Why.
        source: sqlx::Error,
    },
    /// A migration failed.
    #[error("can't bring the database schema up to date: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A query failed.
    #[error("database error: {0}")]
    Query(#[from] sqlx::Error),
    /// Another `herald run` uses this SQLite database.
    #[error(
        "another `herald run` is using {}: SQLite is for one instance; stop the other one, or use \
         PostgreSQL (database.url = \"postgres://…\") to run several replicas",
        path.display()
    )]
    InUse {
        /// The database file.
        path: std::path::PathBuf,
    },
    /// The lock file can't be opened or locked.
    #[error("can't lock {}: {reason}", path.display())]
    Lock {
        /// The lock file.
        path: std::path::PathBuf,
        /// Why.
        reason: String,
    },
}

/// herald's durable state. Implemented once per backend. The inbox's records are the
/// [`InboxStore`] part.
#[async_trait]
pub trait Store: InboxStore + LeaseStore + Send + Sync + fmt::Debug {
    /// Which backend this is.
    fn backend(&self) -> Backend;

    /// Applies any migrations not yet applied. Applying twice changes nothing.
    async fn migrate(&self) -> Result<(), StoreError>;

    /// The versions of the migrations applied, in order.
    async fn applied_migrations(&self) -> Result<Vec<i64>, StoreError>;

    /// Checks that the database answers.
    async fn ping(&self) -> Result<(), StoreError>;

    // The publishing journal (see [`journal`]).

    /// Records a publication as planned. Returns whether it was new: an occurrence already in the
    /// journal is left as it is, and a one-off ([`Planned::once`]) is not planned again on a
    /// channel where it was sent, is being sent, or has an unknown outcome.
    async fn plan(&self, planned: &Planned, now: DateTime<Utc>) -> Result<bool, StoreError>;

    /// Planned publications due at `now` (and whose retry time has come), oldest first.
    async fn due(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<Entry>, StoreError>;

    /// The earliest instant a planned publication becomes due (or may be retried).
    async fn next_planned(&self) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// Claims a planned publication for `owner`, recording the text about to be sent: one atomic
    /// conditional update, so only one claimant can win. `None` if it is no longer planned. The
    /// claim holds for `lease` on the database's clock unless renewed
    /// ([`LeaseStore::renew_claim`]).
    async fn claim(
        &self,
        key: &str,
        owner: &str,
        text: &str,
        now: DateTime<Utc>,
        lease: std::time::Duration,
    ) -> Result<Option<Entry>, StoreError>;

    /// Records how a claimed attempt ended. Only the claim's owner can; returns whether it did.
    async fn finish(
        &self,
        key: &str,
        owner: &str,
        outcome: &Outcome,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Ends a planned publication without sending it (`Missed` or `Failed`).
    async fn close_planned(
        &self,
        key: &str,
        state: State,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Claims held by anyone but `owner` (a process that stopped mid-send) become unknown: the
    /// request may have left. Returns them. Only for a single instance that knows no other runs
    /// (SQLite, locked by [`lock_single_instance`]): replicas take over expired leases instead
    /// ([`LeaseStore::take_over_expired_claims`]).
    async fn take_over_claims(
        &self,
        owner: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<Entry>, StoreError>;

    /// Unknown outcomes not yet parked for a person: to reconcile with the platform.
    async fn unsettled(&self) -> Result<Vec<Entry>, StoreError>;

    /// Records what reconciling an unknown outcome found.
    async fn settle(&self, key: &str, settled: &Settled, now: DateTime<Utc>) -> Result<bool, StoreError>;

    /// Failures, misses and parked unknown outcomes the team hasn't been told about.
    async fn to_announce(&self, limit: i64) -> Result<Vec<Entry>, StoreError>;

    /// Records that the team was told.
    async fn mark_announced(&self, key: &str, now: DateTime<Utc>) -> Result<(), StoreError>;

    /// Rows in some states, latest due first.
    async fn journal(&self, states: &[State], limit: i64) -> Result<Vec<Entry>, StoreError>;

    /// One row.
    async fn entry(&self, key: &str) -> Result<Option<Entry>, StoreError>;

    /// A value herald keeps about itself (`herald_meta`).
    async fn meta(&self, key: &str) -> Result<Option<String>, StoreError>;

    /// Sets a value herald keeps about itself.
    async fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError>;
}

/// Opens (creating if needed) and migrates the store a URL names. Relative SQLite paths are
/// resolved against `base_dir` (the folder of herald.toml).
pub async fn open(url: &str, base_dir: &Path) -> Result<Arc<dyn Store>, StoreError> {
    let store: Arc<dyn Store> = if url.starts_with("sqlite:") {
        Arc::new(SqliteStore::open(url, base_dir).await?)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Arc::new(PostgresStore::open(url).await?)
    } else {
        return Err(StoreError::UnsupportedUrl(redact_url(url)));
    };
    store.migrate().await?;
    Ok(store)
}

/// For `herald run`: makes sure no other `herald run` uses a SQLite database, and holds a lock
/// (the returned file) while the daemon runs. PostgreSQL needs none: replicas share it through
/// leases. `Ok(None)` when there is nothing to lock.
pub fn lock_single_instance(url: &str, base_dir: &Path) -> Result<Option<std::fs::File>, StoreError> {
    if url.starts_with("sqlite:") {
        SqliteStore::lock_single_instance(url, base_dir)
    } else {
        Ok(None)
    }
}

/// Opens the store a URL names for reading, creating and migrating nothing: `Ok(None)` when it
/// is a SQLite file that doesn't exist yet (nothing was ever published). For commands that only
/// look, like `herald plan`; a schema older than this herald shows up as query errors.
pub async fn open_existing(url: &str, base_dir: &Path) -> Result<Option<Arc<dyn Store>>, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(SqliteStore::open_existing(url, base_dir)
            .await?
            .map(|s| Arc::new(s) as Arc<dyn Store>))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Some(Arc::new(PostgresStore::open(url).await?)))
    } else {
        Err(StoreError::UnsupportedUrl(redact_url(url)))
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Store tests run against SQLite always and PostgreSQL when `HERALD_TEST_POSTGRES_URL` is set
    //! (CI sets it and also sets `HERALD_REQUIRE_POSTGRES=1`, so the tests can't silently skip).

    use super::*;

    /// A fresh SQLite store in a temporary folder (kept alive by the returned guard).
    pub async fn sqlite() -> (Arc<dyn Store>, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = open("sqlite://test.db", dir.path()).await.expect("open sqlite");
        (store, dir)
    }

    /// The URL of a fresh, empty PostgreSQL database, or `None` when none is configured.
    pub async fn postgres_url() -> Option<String> {
        let Ok(admin) = std::env::var("HERALD_TEST_POSTGRES_URL") else {
            assert!(
                std::env::var("HERALD_REQUIRE_POSTGRES").is_err(),
                "HERALD_REQUIRE_POSTGRES is set but HERALD_TEST_POSTGRES_URL is not"
            );
            return None;
        };
        Some(fresh_postgres_database(&admin).await)
    }

    /// Creates a uniquely named database on the server `admin` points at and returns its URL.
    pub async fn fresh_postgres_database(admin: &str) -> String {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(admin)
            .await
            .expect("connect to test postgres");
        let name = format!(
            "herald_test_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        );
        // The name is made here from digits only.
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("create test database");
        let mut url = url::Url::parse(admin).expect("postgres url");
        url.set_path(&name);
        url.to_string()
    }

    /// Every backend available to tests.
    pub async fn all() -> Vec<(Arc<dyn Store>, Option<tempfile::TempDir>)> {
        let (sqlite, dir) = sqlite().await;
        let mut stores = vec![(sqlite, Some(dir))];
        if let Some(url) = postgres_url().await {
            stores.push((open(&url, Path::new(".")).await.expect("open postgres"), None));
        }
        stores
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn migrating_twice_is_a_no_op() {
        for (store, _guard) in testing::all().await {
            let before = store.applied_migrations().await.unwrap();
            assert!(!before.is_empty(), "{:?}", store.backend());
            store.migrate().await.unwrap();
            store.migrate().await.unwrap();
            assert_eq!(
                store.applied_migrations().await.unwrap(),
                before,
                "{:?}",
                store.backend()
            );
            store.ping().await.unwrap();
        }
    }

    #[tokio::test]
    async fn unsupported_urls_are_refused_without_leaking_passwords() {
        let err = open("mysql://u:hunter2@db/x", Path::new(".")).await.unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[tokio::test]
    async fn opening_an_existing_store_creates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            open_existing("sqlite://herald.db", dir.path())
                .await
                .unwrap()
                .is_none()
        );
        assert!(!dir.path().join("herald.db").exists());
        open("sqlite://herald.db", dir.path()).await.unwrap();
        let store = open_existing("sqlite://herald.db", dir.path())
            .await
            .unwrap()
            .unwrap();
        assert!(store.journal(&State::ALL, 10).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn relative_sqlite_paths_are_relative_to_the_config() {
        let dir = tempfile::tempdir().unwrap();
        open("sqlite://state/herald.db", dir.path()).await.unwrap();
        assert!(dir.path().join("state/herald.db").exists());
    }
}
