//! Connecting to a database by URL, creating the tables of a site, and lookups by unique key.

use std::time::Duration;

use sea_orm::sea_query::{IndexCreateStatement, TableCreateStatement};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, EntityTrait,
    Schema, Select,
};

/// How long SQLite waits for a lock before giving up with "database is busy".
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections in an SQLite file database's pool.
pub const SQLITE_CONNECTIONS: u32 = 8;

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

/// Connects by URL: `sqlite://file.db?mode=rwc`, `sqlite::memory:`, `postgres://…` or
/// `mysql://…`. SQLite connections use WAL, a 5-second busy timeout and enforce foreign keys.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .acquire_timeout(Duration::from_secs(5))
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .foreign_keys(true)
        });
    if url.starts_with("sqlite::memory:") || url.contains("mode=memory") {
        // Every pooled connection to `:memory:` would be a different, empty database.
        options
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None);
    } else if url.starts_with("sqlite:") {
        // SeaORM gives SQLite one connection by default; with WAL, readers run in parallel.
        options.max_connections(SQLITE_CONNECTIONS);
    }
    Database::connect(options).await
}

/// The tables (and their indexes) of a set of entities, created if missing.
#[derive(Debug)]
pub struct Tables {
    backend: DbBackend,
    tables: Vec<TableCreateStatement>,
    indexes: Vec<IndexCreateStatement>,
}

impl Tables {
    /// No tables yet, for `backend` (`db.get_database_backend()`).
    pub fn new(backend: DbBackend) -> Self {
        Self {
            backend,
            tables: Vec::new(),
            indexes: Vec::new(),
        }
    }

    /// Adds an entity's table with its foreign keys and indexes. Add a referenced table before
    /// the tables that point to it.
    pub fn entity<E: EntityTrait>(mut self, entity: E) -> Self {
        let schema = Schema::new(self.backend);
        self.tables.push(schema.create_table_from_entity(entity));
        self.indexes.extend(schema.create_index_from_entity(entity));
        self
    }

    /// Adds the tables actix-sea keeps credentials in: sessions, failed logins, API keys and
    /// bearer tokens.
    pub fn auth(self) -> Self {
        self.entity(crate::auth::SessionTable)
            .entity(crate::auth::LoginFailureTable)
            .entity(crate::rest::ApiKeyTable)
            .entity(crate::rest::ApiTokenTable)
    }

    /// Adds a table statement of the caller's own (a session table, say).
    pub fn table(mut self, table: TableCreateStatement) -> Self {
        self.tables.push(table);
        self
    }

    /// Creates every table and index that does not exist yet, in the order they were added.
    pub async fn create(&self, db: &impl ConnectionTrait) -> Result<(), DbErr> {
        for table in &self.tables {
            db.execute(&table.clone().if_not_exists().to_owned())
                .await?;
        }
        for index in &self.indexes {
            db.execute(&index.clone().if_not_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
