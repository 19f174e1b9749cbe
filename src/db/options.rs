//! How the pool is opened: its size, how long a request may wait, how long a statement may run.

use std::time::{Duration, Instant};

use sea_orm::sqlx::mysql::MySqlConnection;
use sea_orm::sqlx::pool::PoolOptions;
use sea_orm::sqlx::sqlite::{SqliteConnection, SqliteJournalMode, SqliteSynchronous};
use sea_orm::sqlx::{self, AssertSqlSafe, Executor, MySql, Sqlite};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

/// The default bound on a request's wait for a pooled connection plus a database lock.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(5);

/// The default limit on one statement's running time.
pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(3);

/// Connections in an SQLite file database's pool (SeaORM's default is one).
pub const SQLITE_CONNECTIONS: u32 = 8;

/// SQLite virtual-machine steps between two looks at the clock of the statement limit.
const SQLITE_PROGRESS_STEPS: i32 = 10_000;

/// MySQL's "unknown system variable": the server is MySQL, not MariaDB.
const MYSQL_UNKNOWN_VARIABLE: u16 = 1193;

/// SQLite's `synchronous` setting (the pool always runs SQLite in WAL mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SqliteSync {
    /// `FULL`, sqlx's default: every commit waits until the WAL is on disk, so a commit that
    /// returned survives a power loss or an operating-system crash. Costs an fsync per write.
    #[default]
    Full,
    /// `NORMAL`: the WAL is synced at checkpoints, not at each commit. A commit survives a
    /// crash of the process (the WAL is in the operating system's hands), but the last
    /// commits before a power loss or an operating-system crash may be lost; the database is
    /// never corrupted. Rails 7.1 and the shared benchmark ceiling use it.
    Normal,
}

/// How [`Options::connect`] opens a database: `Options::new(url).wait(..).connect().await`.
///
/// Two bounds keep one slow request or a locked table from holding everybody else:
/// - `wait` (default [`DEFAULT_WAIT`], 5 s): the longest a statement waits for a pooled
///   connection plus a lock held by another connection. Half goes to the pool's acquire
///   timeout, half to the database's lock wait (SQLite `busy_timeout`, PostgreSQL
///   `lock_timeout`, MySQL/MariaDB `innodb_lock_wait_timeout`, which counts whole seconds
///   and at least 1). A wait that runs out is answered 503 with `Retry-After`.
/// - `statement_timeout` (default [`DEFAULT_STATEMENT_TIMEOUT`], 3 s): PostgreSQL
///   `statement_timeout`, MariaDB `max_statement_time`, MySQL `max_execution_time` (SELECT
///   only). SQLite has no such setting: a progress handler interrupts the work done on a
///   connection once this long has passed since it first looked at the clock in that
///   checkout, which it does 10,000 steps into the first statement that runs that long; so
///   there the limit covers the rest of the checkout (a transaction counts as one), and
///   short statements before it do not count. A statement cut off is answered 503: the
///   server cannot tell a costly query from one slowed down by load.
///
/// SQLite connections read up to 1,024 rows ahead of the task taking them (the driver's
/// default is 50): a `stream` of large rows holds that many in memory.
#[derive(Debug, Clone)]
pub struct Options {
    url: String,
    wait: Duration,
    statement_timeout: Option<Duration>,
    max_connections: Option<u32>,
    sqlite_sync: SqliteSync,
}

impl Options {
    /// Options for `url`, with the defaults above.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            wait: DEFAULT_WAIT,
            statement_timeout: Some(DEFAULT_STATEMENT_TIMEOUT),
            max_connections: None,
            sqlite_sync: SqliteSync::Full,
        }
    }

    /// SQLite's `synchronous` setting (default [`SqliteSync::Full`]); ignored by other
    /// databases.
    pub fn sqlite_sync(mut self, sync: SqliteSync) -> Self {
        self.sqlite_sync = sync;
        self
    }

    /// The bound on waiting for a pooled connection plus a lock (default 5 s).
    pub fn wait(mut self, wait: Duration) -> Self {
        self.wait = wait;
        self
    }

    /// The limit on a statement's running time; `None` for none, as batch jobs may want
    /// (default 3 s).
    pub fn statement_timeout(mut self, limit: Option<Duration>) -> Self {
        self.statement_timeout = limit;
        self
    }

    /// Connections in the pool (default: SeaORM's for PostgreSQL and MySQL,
    /// [`SQLITE_CONNECTIONS`] for an SQLite file, one for `sqlite::memory:`).
    pub fn max_connections(mut self, connections: u32) -> Self {
        self.max_connections = Some(connections);
        self
    }

    /// The database's share of the wait: how long a statement waits for a lock.
    fn lock_wait(&self) -> Duration {
        self.wait / 2
    }

    /// Opens the pool.
    ///
    /// # Errors
    ///
    /// The driver's error when the URL is malformed or the database cannot be reached.
    pub async fn connect(self) -> Result<DatabaseConnection, DbErr> {
        let lock_wait = self.lock_wait();
        let limit = self.statement_timeout;
        let synchronous = match self.sqlite_sync {
            SqliteSync::Full => SqliteSynchronous::Full,
            SqliteSync::Normal => SqliteSynchronous::Normal,
        };
        // MySQL counts its lock wait in whole seconds, at least one.
        let mysql_lock_secs = lock_wait.as_secs().max(1);
        let acquire = if self.url.starts_with("mysql:") {
            // Under a 2 s bound the pool keeps its half and the sum passes the bound.
            let rest = self
                .wait
                .saturating_sub(Duration::from_secs(mysql_lock_secs));
            rest.max(self.wait / 2)
        } else {
            self.wait.saturating_sub(lock_wait)
        };
        let mut options = ConnectOptions::new(self.url.clone());
        options
            .sqlx_logging(false)
            .acquire_timeout(acquire)
            .map_sqlx_sqlite_opts(move |opts| {
                opts.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(synchronous)
                    .busy_timeout(lock_wait)
                    .foreign_keys(true)
                    .row_buffer_size(SQLITE_ROW_BUFFER)
            })
            .map_sqlx_postgres_opts(move |opts| {
                let mut settings = vec![("lock_timeout", lock_wait.as_millis().max(1))];
                if let Some(limit) = limit {
                    settings.push(("statement_timeout", limit.as_millis().max(1)));
                }
                opts.options(settings)
            })
            .map_sqlx_mysql_pool_opts(move |pool| mysql_session(pool, mysql_lock_secs, limit));
        if let Some(limit) = limit {
            options.map_sqlx_sqlite_pool_opts(move |pool| sqlite_limit(pool, limit));
        }
        let memory = self.url.starts_with("sqlite::memory:") || self.url.contains("mode=memory");
        if memory {
            // Every pooled connection to `:memory:` would be a different, empty database.
            options
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None);
        } else if let Some(connections) = self.max_connections {
            options.max_connections(connections);
        } else if self.url.starts_with("sqlite:") {
            // With WAL, SQLite readers run in parallel.
            options.max_connections(SQLITE_CONNECTIONS);
        }
        Database::connect(options).await
    }
}

/// Rows an SQLite connection's worker thread reads ahead of the task that takes them (the
/// driver's default is 50). Every read here collects its rows before using them, so a larger
/// buffer holds no row longer; with the default, the worker thread waits for each row to be
/// taken once the buffer is full, and the two threads wake each other once per row (half of
/// the time of a long export).
const SQLITE_ROW_BUFFER: usize = 1024;

/// Sets the lock wait and the statement limit on each new MySQL/MariaDB connection.
fn mysql_session(
    pool: PoolOptions<MySql>,
    lock_secs: u64,
    limit: Option<Duration>,
) -> PoolOptions<MySql> {
    pool.after_connect(move |conn, _| {
        Box::pin(async move {
            let sql = format!("SET SESSION innodb_lock_wait_timeout = {lock_secs}");
            conn.execute(AssertSqlSafe(sql)).await?;
            if let Some(limit) = limit {
                mysql_statement_limit(conn, limit).await?;
            }
            Ok(())
        })
    })
}

/// MariaDB's `max_statement_time` (seconds) or, on MySQL, `max_execution_time` (ms).
async fn mysql_statement_limit(
    conn: &mut MySqlConnection,
    limit: Duration,
) -> Result<(), sqlx::Error> {
    let mariadb = format!("SET SESSION max_statement_time = {}", limit.as_secs_f64());
    match conn.execute(AssertSqlSafe(mariadb)).await {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(error))
            if error
                .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
                .is_some_and(|e| e.number() == MYSQL_UNKNOWN_VARIABLE) =>
        {
            let mysql = format!("SET SESSION max_execution_time = {}", limit.as_millis());
            conn.execute(AssertSqlSafe(mysql)).await.map(|_| ())
        }
        Err(error) => Err(error),
    }
}

/// Arms SQLite's statement limit on each new connection and again each time one goes back to
/// the pool, where the round trip to the connection's thread costs no request any time: a
/// connection leaves the pool as it is, with no ping (which would find nothing on a local
/// file) and no arming in the way of the request that takes it.
fn sqlite_limit(pool: PoolOptions<Sqlite>, limit: Duration) -> PoolOptions<Sqlite> {
    pool.test_before_acquire(false)
        .after_connect(move |conn, _| Box::pin(arm(conn, limit)))
        .after_release(move |conn, _| {
            Box::pin(async move { arm(conn, limit).await.map(|()| true) })
        })
}

/// Interrupts whatever runs on `conn` (SQLITE_INTERRUPT) once `limit` has passed from the
/// first time SQLite looks at the clock after this, [`SQLITE_PROGRESS_STEPS`] steps into the
/// first statement on `conn` that runs that long: the time `conn` waits in the pool, and
/// statements too short to reach a look, do not count.
async fn arm(conn: &mut SqliteConnection, limit: Duration) -> Result<(), sqlx::Error> {
    let mut started = None;
    conn.lock_handle()
        .await?
        .set_progress_handler(SQLITE_PROGRESS_STEPS, move || {
            started.get_or_insert_with(Instant::now).elapsed() < limit
        });
    Ok(())
}

#[cfg(test)]
#[path = "options_tests.rs"]
mod tests;
