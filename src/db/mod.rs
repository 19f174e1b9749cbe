//! Connecting to a database by URL, the crate's tables as migrations ([`migrations`]), full-text
//! search indexes ([`SearchIndex`]), row counts kept by the database ([`RowCount`]), and telling a database that is down or busy from a failed
//! query.

mod fault;
pub mod migration;
mod options;
mod permits;
mod row_count;
mod search;

pub(crate) use fault::is_unavailable;
pub use migration::migrations;
pub use options::{
    DEFAULT_STATEMENT_TIMEOUT, DEFAULT_WAIT, Options, SQLITE_CONNECTIONS, SqliteSync,
};
pub(crate) use permits::Permits;
pub use row_count::RowCount;
pub(crate) use row_count::{
    gone as row_count_gone, kept as row_count_kept, stored as stored_row_count,
};
pub use search::SearchIndex;
pub(crate) use search::{
    Spec as SearchSpec, can_defer as search_can_defer, catch_up as search_catch_up,
    defer as search_defer,
};

use std::path::PathBuf;

use sea_orm::{DatabaseConnection, DatabaseConnectionType, DbErr};

/// The file (or in-memory database name) of `db`, when it is an SQLite pool: what the
/// process-wide state kept per SQLite database is keyed by.
pub(crate) fn sqlite_file(db: &DatabaseConnection) -> Option<PathBuf> {
    match &db.inner {
        DatabaseConnectionType::SqlxSqlitePoolConnection(_) => {
            let options = db.get_sqlite_connection_pool().connect_options();
            Some(options.get_filename().to_path_buf())
        }
        _ => None,
    }
}

/// Which database `db` is, for state kept per database: the SQLite file, or the PostgreSQL
/// server and database; `None` for MariaDB/MySQL, where none is kept.
pub(crate) fn identity(db: &DatabaseConnection) -> Option<String> {
    match &db.inner {
        DatabaseConnectionType::SqlxPostgresPoolConnection(_) => {
            let options = db.get_postgres_connection_pool().connect_options();
            let place = match options.get_socket() {
                Some(socket) => socket.display().to_string(),
                None => format!("{}:{}", options.get_host(), options.get_port()),
            };
            Some(format!(
                "postgres://{place}/{}",
                options.get_database().unwrap_or_default()
            ))
        }
        _ => sqlite_file(db).map(|file| file.display().to_string()),
    }
}

/// Connects by URL (`sqlite://file.db?mode=rwc`, `sqlite::memory:`, `postgres://…` or
/// `mysql://…`) with the default [`Options`]: a request waits at most 5 s in all for a pooled
/// connection and a database lock, and a statement runs at most 3 s.
///
/// # Errors
///
/// The driver's error when the URL is malformed or the database cannot be reached.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    Options::new(url).connect().await
}
