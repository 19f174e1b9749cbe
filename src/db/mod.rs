//! Connecting to a database by URL, creating the tables of a site, lookups by unique key, and
//! telling a database that is down or busy from a failed query.

mod fault;
mod options;
mod permits;
mod tables;

pub(crate) use fault::is_unavailable;
pub use options::{DEFAULT_STATEMENT_TIMEOUT, DEFAULT_WAIT, Options, SQLITE_CONNECTIONS};
pub(crate) use permits::Permits;
pub use tables::Tables;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, Select};

/// The row a lookup by a unique key (a primary key, a username, a token digest) finds.
/// Unlike SeaORM's `one()` it sends no `LIMIT 1`: SQLite prepares a statement again whenever
/// a new value is bound to its `LIMIT`, and a unique key matches one row at most anyway.
pub(crate) async fn by_unique_key<E, C>(
    select: Select<E>,
    db: &C,
) -> Result<Option<E::Model>, DbErr>
where
    E: EntityTrait<Model: Sync>,
    C: ConnectionTrait,
{
    Ok(select.all(db).await?.into_iter().next())
}

/// Connects by URL (`sqlite://file.db?mode=rwc`, `sqlite::memory:`, `postgres://…` or
/// `mysql://…`) with the default [`Options`]: a request waits at most 5 s in all for a pooled
/// connection and a database lock, and a statement runs at most 3 s.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    Options::new(url).connect().await
}
