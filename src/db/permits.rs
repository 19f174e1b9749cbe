//! A share of the pool for requests whose cost the client chooses, so that they cannot take
//! every connection while cheap requests wait behind them.

use std::time::Duration;

use sea_orm::{DatabaseConnection, DatabaseConnectionType};
use tokio::sync::{Semaphore, SemaphorePermit};

use super::options::DEFAULT_WAIT;

/// At most `count` holders at once; a request that waits longer than `wait` for its turn is
/// answered 503 with `Retry-After`, as one that waits too long for a pooled connection.
pub(crate) struct Permits {
    semaphore: Semaphore,
    wait: Duration,
}

impl Permits {
    /// `count` permits (at least one), or half the pool's connections when `None`; the wait
    /// for one is the pool's acquire timeout (the pool's share of the wait bound).
    pub(crate) fn for_pool(db: &DatabaseConnection, count: Option<usize>) -> Self {
        let (connections, wait) = pool_settings(db);
        let count = count.unwrap_or(connections / 2).max(1);
        Self {
            semaphore: Semaphore::new(count),
            wait,
        }
    }

    /// Waits for a permit, held until the returned guard drops.
    pub(crate) async fn acquire(&self) -> Result<SemaphorePermit<'_>, crate::Error> {
        match tokio::time::timeout(self.wait, self.semaphore.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            // The semaphore is never closed; a timeout is the expected way to fail.
            Ok(Err(_)) | Err(_) => Err(crate::Error::Unavailable),
        }
    }
}

/// The pool's most connections and acquire timeout; for a connection that is not a pool of
/// this crate's three databases, sqlx's defaults.
fn pool_settings(db: &DatabaseConnection) -> (usize, Duration) {
    let (connections, wait) = match &db.inner {
        DatabaseConnectionType::SqlxSqlitePoolConnection(_) => {
            let options = db.get_sqlite_connection_pool().options();
            (options.get_max_connections(), options.get_acquire_timeout())
        }
        DatabaseConnectionType::SqlxPostgresPoolConnection(_) => {
            let options = db.get_postgres_connection_pool().options();
            (options.get_max_connections(), options.get_acquire_timeout())
        }
        DatabaseConnectionType::SqlxMySqlPoolConnection(_) => {
            let options = db.get_mysql_connection_pool().options();
            (options.get_max_connections(), options.get_acquire_timeout())
        }
        _ => (10, DEFAULT_WAIT / 2),
    };
    (usize::try_from(connections).unwrap_or(usize::MAX), wait)
}

#[cfg(test)]
mod tests {
    use super::super::{DEFAULT_WAIT, Options};
    use super::*;

    #[tokio::test]
    async fn half_the_pool_at_least_one() {
        let memory = Options::new("sqlite::memory:").connect().await.unwrap();
        let permits = Permits::for_pool(&memory, None);
        assert_eq!(permits.semaphore.available_permits(), 1, "a pool of one");
        assert_eq!(permits.wait, DEFAULT_WAIT / 2, "the pool's acquire timeout");
        let permits = Permits::for_pool(&memory, Some(0));
        assert_eq!(permits.semaphore.available_permits(), 1);
        let file =
            std::env::temp_dir().join(format!("actix_sea_permits_{}.db", std::process::id()));
        let url = format!("sqlite://{}?mode=rwc", file.display());
        let pool = Options::new(&url)
            .max_connections(6)
            .connect()
            .await
            .unwrap();
        assert_eq!(
            Permits::for_pool(&pool, None).semaphore.available_permits(),
            3
        );
        pool.close().await.unwrap();
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
        }
    }

    #[tokio::test]
    async fn a_request_beyond_the_permits_is_unavailable_after_the_wait() {
        let permits = Permits {
            semaphore: Semaphore::new(2),
            wait: Duration::from_millis(1),
        };
        let held = [permits.acquire().await, permits.acquire().await];
        assert!(held.iter().all(Result::is_ok));
        assert!(matches!(
            permits.acquire().await,
            Err(crate::Error::Unavailable)
        ));
        drop(held);
        assert!(permits.acquire().await.is_ok());
    }
}
