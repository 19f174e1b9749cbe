//! A full-text index over text columns of one table, on the database's own machinery: an
//! FTS5 table kept current by triggers on SQLite, a GIN index over a `tsvector` expression on
//! PostgreSQL, a `FULLTEXT` index on MariaDB/MySQL.
//!
//! [`SearchIndex`] is a `sea-orm-migration` migration a site appends to its `Migrator` after
//! the migration that creates the table; a `ModelAdmin` that returns it from `search_index`
//! answers its list's `?q=` from the index instead of scanning with `LIKE`.
//!
//! Which writes keep it current: every write, whoever makes it, but an SQLite `REPLACE` (see
//! below). PostgreSQL and MariaDB/MySQL maintain their indexes themselves; on SQLite,
//! triggers on the table update the FTS5 table on every `INSERT`, `UPDATE` and `DELETE`,
//! through the crate or not. SQLite runs no delete trigger for the row a `REPLACE` overwrites
//! (unless `recursive_triggers` is on), so that row's words stay in the index; the crate
//! never writes that way.
//!
//! When writers of the crate share a commit (see the README's "group commit"), the triggers
//! note the rows they write and the index takes them all just before the commit, in the same
//! transaction: one new segment of the index per commit rather than one per writer. Every
//! search of the crate reads committed rows and finds every one; a search of a site's own
//! inside a write transaction of the crate (a custom action's, on its `txn`) may miss rows
//! that writers before it in the same group wrote. An SQLite index made before this (without
//! the table `actix_sea_search_pending`) keeps indexing each row as it is written; migrating
//! it down and up again makes it defer.

mod ddl;
mod query;

use std::marker::PhantomData;
use std::sync::OnceLock;

use sea_orm::{
    ConnectionTrait, DbBackend, EntityTrait, IdenStatic, Iterable, PrimaryKeyToColumn, Statement,
};
use sea_orm_migration::{DbErr, MigrationName, MigrationTrait, SchemaManager, async_trait};

use ddl::PENDING;

/// A full-text index over `columns` of entity `E`'s table, as a migration (named
/// `m20261203_000001_actix_sea_search_<table>`) and as the admin's search of that table.
///
/// The table's primary key must be an integer (SQLite's FTS5 keys its rows by it).
/// Searches match words by prefix, ignoring case: `?q=writ hello` finds rows holding a word
/// starting with `writ` and one starting with `hello`, in any of the columns.
///
/// ```
/// # use sea_orm::entity::prelude::*;
/// # mod message {
/// #     use sea_orm::entity::prelude::*;
/// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
/// #     #[sea_orm(table_name = "message")]
/// #     pub struct Model {
/// #         #[sea_orm(primary_key)]
/// #         pub id: i32,
/// #         pub content: String,
/// #     }
/// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// #     pub enum Relation {}
/// #     impl ActiveModelBehavior for ActiveModel {}
/// # }
/// use actix_sea::db::SearchIndex;
/// use sea_orm_migration::MigrationName;
///
/// let index = SearchIndex::new(message::Entity, [message::Column::Content]);
/// assert_eq!(index.name(), "m20261203_000001_actix_sea_search_message");
/// ```
pub struct SearchIndex<E> {
    spec: Spec,
    entity: PhantomData<fn() -> E>,
}

/// A search index with the entity erased: what the admin keeps and the SQL is made from.
#[derive(Clone, Debug)]
pub(crate) struct Spec {
    name: String,
    table: String,
    pk: String,
    columns: Vec<String>,
    /// MariaDB/MySQL's shortest indexed word, read once on the first search.
    min_word: OnceLock<usize>,
}

impl<E: EntityTrait> SearchIndex<E> {
    /// The index over `columns` of `entity`'s table.
    pub fn new(entity: E, columns: impl IntoIterator<Item = E::Column>) -> Self {
        let table = entity.table_name().to_owned();
        let pk = E::PrimaryKey::iter()
            .next()
            .map(|key| key.into_column().as_str().to_owned())
            .unwrap_or_default();
        Self {
            spec: Spec {
                name: format!("m20261203_000001_actix_sea_search_{table}"),
                table,
                pk,
                columns: columns.into_iter().map(|c| c.as_str().to_owned()).collect(),
                min_word: OnceLock::new(),
            },
            entity: PhantomData,
        }
    }

    /// The index with the entity erased, for the admin.
    pub(crate) fn into_spec(self) -> Spec {
        self.spec
    }
}

impl Spec {
    /// Whether the index covers `field` (a search field's path).
    pub(crate) fn covers(&self, field: &str) -> bool {
        self.columns.iter().any(|column| column == field)
    }
}

impl<E> Clone for SearchIndex<E> {
    fn clone(&self) -> Self {
        Self {
            spec: self.spec.clone(),
            entity: PhantomData,
        }
    }
}

impl<E> std::fmt::Debug for SearchIndex<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("table", &self.spec.table)
            .field("columns", &self.spec.columns)
            .finish()
    }
}

impl<E> MigrationName for SearchIndex<E> {
    fn name(&self) -> &str {
        &self.spec.name
    }
}

#[async_trait::async_trait]
impl<E> MigrationTrait for SearchIndex<E> {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for statement in ddl::up(&self.spec, manager.get_database_backend()) {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for statement in ddl::down(&self.spec, manager.get_database_backend()) {
            db.execute_unprepared(&statement).await?;
        }
        if manager.get_database_backend() == DbBackend::Sqlite {
            if pending_in_use(db).await? {
                db.execute_unprepared(&ddl::forget(&self.spec)).await?;
            } else {
                db.execute_unprepared(&format!("DROP TABLE IF EXISTS {PENDING}"))
                    .await?;
            }
        }
        Ok(())
    }
}

/// Whether any SQLite full-text index keeps rows pending (has triggers on the table of them).
async fn pending_in_use(db: &impl ConnectionTrait) -> Result<bool, DbErr> {
    let sql = format!(
        "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND tbl_name = '{PENDING}' LIMIT 1"
    );
    let statement = Statement::from_string(DbBackend::Sqlite, sql);
    Ok(db.query_one_raw(statement).await?.is_some())
}

/// Whether the SQLite database has full-text indexes that can defer (made by this version).
pub(crate) async fn can_defer(db: &impl ConnectionTrait) -> Result<bool, DbErr> {
    let sql =
        format!("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '{PENDING}' LIMIT 1");
    let statement = Statement::from_string(DbBackend::Sqlite, sql);
    Ok(db.query_one_raw(statement).await?.is_some())
}

/// Marks `txn`, a transaction on an SQLite database that [`can_defer`], as deferring the
/// indexing of its writes to [`catch_up`], which must run before it commits: a committed
/// mark would leave every later write unindexed. Until then, the rows it writes are not
/// found by a search in it.
pub(crate) async fn defer(txn: &impl ConnectionTrait) -> Result<(), DbErr> {
    let mark = format!("INSERT OR IGNORE INTO {PENDING} (name, id) VALUES ('', 0)");
    txn.execute_unprepared(&mark).await?;
    Ok(())
}

/// Indexes the rows `txn` wrote since [`defer`] (if it did), and ends the deferral.
pub(crate) async fn catch_up(txn: &impl ConnectionTrait) -> Result<(), DbErr> {
    let unmark = format!("DELETE FROM {PENDING} WHERE name = ''");
    txn.execute_unprepared(&unmark).await?;
    Ok(())
}
