//! A table's row count kept by the database, so that an API list's exact `object_count` costs
//! a lookup instead of a scan of the table.
//!
//! [`RowCount`] is a `sea-orm-migration` migration a site appends to its `Migrator` after the
//! migration that creates the table. On SQLite it stores the count in a table of its own
//! (`actix_sea_row_count_<table>`, dropped with the migration) and keeps it with an
//! `AFTER INSERT` and an `AFTER DELETE` trigger, so every write keeps it exact, through the
//! crate or not, rolled back with the transaction that made it (cascaded deletes fire the
//! triggers too). On PostgreSQL and MariaDB/MySQL it does nothing and the API
//! counts with `COUNT(*)`: there a counter row would make every writer of the table wait for
//! the others' commits, and MariaDB does not fire triggers for cascaded deletes.
//!
//! The API uses the count for a list with no filter and no scope, on the pool (not inside a
//! write), once it has seen the count's table: it looks once per process and table, and
//! again after the migration was rolled back under it. A count migrated in while the site
//! runs is used from its next start.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::path::PathBuf;
use std::sync::Mutex;

use sea_orm::sea_query::{Alias, Expr, Query, SubQueryStatement};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, Statement};
use sea_orm_migration::{DbErr, MigrationName, MigrationTrait, SchemaManager, async_trait};

/// The prefix of the table holding a table's count (one row).
const PREFIX: &str = "actix_sea_row_count_";

/// The name of the table holding `table`'s count.
fn counts(table: &str) -> String {
    format!("{PREFIX}{table}")
}

/// `entity`'s row count, kept by the database (on SQLite), as a migration named
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

/// `"name"`, quoted for SQLite.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn trigger(table: &str, event: &str) -> String {
    quoted(&format!("{}_{event}", counts(table)))
}

#[async_trait::async_trait]
impl<E: Send + Sync> MigrationTrait for RowCount<E> {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        let table = quoted(&self.table);
        let counts = quoted(&counts(&self.table));
        // The triggers before the count is taken: a row written before is in the count, one
        // written after is counted by them.
        let statements = [
            format!("CREATE TABLE {counts} (row_count INTEGER NOT NULL)"),
            format!("INSERT INTO {counts} (row_count) VALUES (0)"),
            format!(
                "CREATE TRIGGER {} AFTER INSERT ON {table} BEGIN \
                 UPDATE {counts} SET row_count = row_count + 1; END",
                trigger(&self.table, "insert")
            ),
            format!(
                "CREATE TRIGGER {} AFTER DELETE ON {table} BEGIN \
                 UPDATE {counts} SET row_count = row_count - 1; END",
                trigger(&self.table, "delete")
            ),
            format!("UPDATE {counts} SET row_count = (SELECT COUNT(*) FROM {table})"),
        ];
        let db = manager.get_connection();
        for statement in statements {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        // Dropped, not emptied: a table left behind would outlive the tables made again
        // after it, and a drop of every table in creation order (`Migrator::fresh`) would
        // then delete the counted rows through their triggers after it is gone.
        let statements = [
            format!("DROP TRIGGER IF EXISTS {}", trigger(&self.table, "insert")),
            format!("DROP TRIGGER IF EXISTS {}", trigger(&self.table, "delete")),
            format!("DROP TABLE IF EXISTS {}", quoted(&counts(&self.table))),
        ];
        let db = manager.get_connection();
        for statement in statements {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }
}

/// Per SQLite database file and table, whether its count is kept.
static KEPT: Mutex<Option<HashMap<(PathBuf, String), bool>>> = Mutex::new(None);

/// Whether `db` keeps the row count of `table` (its count table exists); looked up once per
/// process and table. Always `false` off SQLite.
pub(crate) async fn kept(db: &DatabaseConnection, table: &str) -> Result<bool, DbErr> {
    let Some(file) = super::sqlite_file(db) else {
        return Ok(false);
    };
    let key = (file, table.to_owned());
    if let Some(known) = KEPT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .get_or_insert_default()
        .get(&key)
    {
        return Ok(*known);
    }
    let found = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
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

/// Forgets what [`kept`] found for `table`, after a statement found no count table (the
/// migration was rolled back under the running site).
pub(crate) fn forget(db: &DatabaseConnection, table: &str) {
    let Some(file) = super::sqlite_file(db) else {
        return;
    };
    let key = (file, table.to_owned());
    if let Some(kept) = KEPT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .as_mut()
    {
        kept.remove(&key);
    }
}

/// The count of `table` as the database keeps it, as a scalar subquery.
pub(crate) fn stored(table: &str) -> Expr {
    let select = Query::select()
        .column(Alias::new("row_count"))
        .from(Alias::new(counts(table)))
        .to_owned();
    Expr::from(SubQueryStatement::from(select))
}
