//! A table's row count kept by the database, so that an API list's exact `object_count` costs
//! a lookup instead of a scan of the table.
//!
//! [`RowCount`] is a `sea-orm-migration` migration a site appends to its `Migrator` after the
//! migration that creates the table. It stores the count in a table of its own
//! (`actix_sea_row_count_<table>`, dropped with the migration) kept by triggers, so every
//! write keeps it exact, through the crate or not, rolled back with the transaction that made
//! it (cascaded deletes fire the triggers too):
//!
//! - on SQLite, one row and an `AFTER INSERT` and an `AFTER DELETE` trigger per row;
//! - on PostgreSQL, 64 rows that add up to the count, and an insert, a delete and a truncate
//!   trigger per statement. A writer adds to the row of its server process, so concurrent
//!   writers of the table wait for each other's commits only when two processes share a row;
//! - on MariaDB/MySQL nothing, and the API counts with `COUNT(*)`: MariaDB does not fire
//!   triggers for cascaded deletes. Nor on PostgreSQL for a table name over 34 bytes, whose
//!   trigger names PostgreSQL would cut at 63 bytes.
//!
//! The API uses the count for a list with no filter and no scope, on the pool (not inside a
//! write), once it has seen the count's table: it looks once per process and table, and
//! again after the migration was rolled back under it. A count migrated in while the site
//! runs is used from its next start.

mod ddl;

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::Mutex;

use sea_orm::sea_query::{Alias, Expr, Func, Query, SubQueryStatement};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, Statement};
use sea_orm_migration::{DbErr, MigrationName, MigrationTrait, SchemaManager, async_trait};

/// The prefix of the table holding a table's count (one row).
const PREFIX: &str = "actix_sea_row_count_";

/// The name of the table holding `table`'s count.
fn counts(table: &str) -> String {
    format!("{PREFIX}{table}")
}

/// `entity`'s row count, kept by the database (on SQLite and PostgreSQL), as a migration named
/// `m20261203_000002_actix_sea_row_count_<table>`.
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
/// #     }
/// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// #     pub enum Relation {}
/// #     impl ActiveModelBehavior for ActiveModel {}
/// # }
/// use actix_sea::db::RowCount;
/// use sea_orm_migration::MigrationName;
///
/// let count = RowCount::new(message::Entity);
/// assert_eq!(count.name(), "m20261203_000002_actix_sea_row_count_message");
/// ```
pub struct RowCount<E> {
    name: String,
    table: String,
    entity: PhantomData<fn() -> E>,
}

impl<E: EntityTrait> RowCount<E> {
    /// The count of `entity`'s rows.
    pub fn new(entity: E) -> Self {
        let table = entity.table_name().to_owned();
        Self {
            name: format!("m20261203_000002_actix_sea_row_count_{table}"),
            table,
            entity: PhantomData,
        }
    }
}

impl<E> std::fmt::Debug for RowCount<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowCount")
            .field("table", &self.table)
            .finish()
    }
}

impl<E> MigrationName for RowCount<E> {
    fn name(&self) -> &str {
        &self.name
    }
}

#[async_trait::async_trait]
impl<E: Send + Sync> MigrationTrait for RowCount<E> {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(
            manager,
            ddl::up(manager.get_database_backend(), &self.table),
        )
        .await
    }

    // Dropped, not emptied: a table left behind would outlive the tables made again after
    // it, and a drop of every table in creation order (`Migrator::fresh`) would then delete
    // the counted rows through their triggers after it is gone.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(
            manager,
            ddl::down(manager.get_database_backend(), &self.table),
        )
        .await
    }
}

async fn run(manager: &SchemaManager<'_>, statements: Option<Vec<String>>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    for statement in statements.unwrap_or_default() {
        db.execute_unprepared(&statement).await?;
    }
    Ok(())
}

/// Per database and table, whether its count is kept.
static KEPT: Mutex<Option<HashMap<(String, String), bool>>> = Mutex::new(None);

/// Whether `db` keeps the row count of `table` (its count table exists); looked up once per
/// process, database and table. Always `false` on MariaDB/MySQL.
pub(crate) async fn kept(db: &DatabaseConnection, table: &str) -> Result<bool, DbErr> {
    let Some(database) = super::identity(db) else {
        return Ok(false);
    };
    let key = (database, table.to_owned());
    if let Some(known) = KEPT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .get_or_insert_default()
        .get(&key)
    {
        return Ok(*known);
    }
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => "SELECT 1 WHERE to_regclass(quote_ident($1)) IS NOT NULL",
        _ => "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
    };
    let found = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [counts(table).into()],
        ))
        .await?
        .is_some();
    KEPT.lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .get_or_insert_default()
        .insert(key, found);
    Ok(found)
}

/// Whether `error` is a statement's finding that `table`'s count table is gone (the migration
/// was rolled back under the running site); then forgets what [`kept`] found.
pub(crate) fn gone(db: &DatabaseConnection, table: &str, error: &DbErr) -> bool {
    let Some(database) = super::identity(db) else {
        return false;
    };
    if !error.to_string().contains(&counts(table)) {
        return false;
    }
    if let Some(kept) = KEPT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .as_mut()
    {
        kept.remove(&(database, table.to_owned()));
    }
    true
}

/// The count of `table` as the database keeps it, as a scalar subquery.
pub(crate) fn stored(table: &str) -> Expr {
    let sum = Func::cast_as(Func::sum(Expr::col(Alias::new("row_count"))), "BIGINT");
    let select = Query::select()
        .expr(sum)
        .from(Alias::new(counts(table)))
        .to_owned();
    Expr::from(SubQueryStatement::from(select))
}
