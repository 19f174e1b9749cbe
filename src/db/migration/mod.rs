//! The crate's own tables as `sea-orm-migration` migrations, for a site's `Migrator`.
//!
//! Splice [`migrations`] in front of the site's own:
//!
//! ```
//! use sea_orm_migration::prelude::*;
//!
//! pub struct Migrator;
//!
//! impl MigratorTrait for Migrator {
//!     fn migrations() -> Vec<Box<dyn MigrationTrait>> {
//!         let mut all = actix_sea::db::migrations();
//!         all.push(Box::new(m20260101_000001_create_post::Migration));
//!         all
//!     }
//! }
//!
//! mod m20260101_000001_create_post {
//!     use actix_sea::db::migration::{datetime, now};
//!     use sea_orm_migration::prelude::*;
//!
//!     #[derive(DeriveMigrationName)]
//!     pub struct Migration;
//!
//!     #[derive(DeriveIden)]
//!     enum Post {
//!         Table,
//!         Id,
//!         Title,
//!         Published,
//!     }
//!
//!     #[async_trait::async_trait]
//!     impl MigrationTrait for Migration {
//!         async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
//!             let backend = manager.get_database_backend();
//!             manager
//!                 .create_table(
//!                     Table::create()
//!                         .table(Post::Table)
//!                         .col(ColumnDef::new(Post::Id).integer().not_null().auto_increment().primary_key())
//!                         .col(ColumnDef::new(Post::Title).string().not_null())
//!                         .col(datetime(backend, Post::Published).not_null().default(now(backend)))
//!                         .to_owned(),
//!                 )
//!                 .await
//!         }
//!
//!         async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
//!             manager.drop_table(Table::drop().table(Post::Table).to_owned()).await
//!         }
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), DbErr> {
//! let db = actix_sea::db::connect("sqlite::memory:").await?;
//! Migrator::up(&db, None).await?;
//! assert!(Migrator::get_pending_migrations(&db).await?.is_empty());
//! # Ok(())
//! # }
//! ```
//!
//! Later releases only append to the list (new tables, altered columns), so a site runs
//! `Migrator::up` and gets them; names start with `m…_actix_sea_` so they sit apart from the
//! site's own in `seaql_migrations`.

mod api_tables;
mod audit_table;
mod auth_tables;
mod group_tables;
pub(crate) mod lock_table;
mod session_user;

use sea_orm::sea_query::{ColumnDef, Expr, IndexCreateStatement, IntoIden};
use sea_orm::{DbBackend, DbErr};
use sea_orm_migration::{MigrationTrait, SchemaManager};

/// The crate's migrations, oldest first: sessions and failed logins (used by `Auth`), then API
/// keys and bearer tokens (used by `RestApi`), groups and their permissions (see
/// [`crate::groups`]), the user id of each session (so a password change can end them), then
/// the audit trail (see [`crate::audit`]).
pub fn migrations() -> Vec<Box<dyn MigrationTrait>> {
    vec![
        Box::new(auth_tables::Migration),
        Box::new(api_tables::Migration),
        Box::new(group_tables::Migration),
        Box::new(session_user::Migration),
        Box::new(audit_table::Migration),
        Box::new(lock_table::Migration),
    ]
}

/// A datetime column that keeps microseconds on every database: `DATETIME(6)` on
/// MySQL/MariaDB (whose plain `DATETIME` keeps whole seconds), the usual type elsewhere.
pub fn datetime(backend: DbBackend, name: impl IntoIden) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    match backend {
        DbBackend::MySql => column.custom("DATETIME(6)"),
        _ => column.date_time(),
    };
    column
}

/// The current time as a column default, at the precision of [`datetime`] columns (MySQL
/// refuses a `DATETIME(6)` defaulting to a whole-second `CURRENT_TIMESTAMP`).
pub fn now(backend: DbBackend) -> Expr {
    match backend {
        DbBackend::MySql => Expr::cust("CURRENT_TIMESTAMP(6)"),
        _ => Expr::current_timestamp(),
    }
}

/// Creates `index` on `table` unless an index of that name exists. With `IF NOT EXISTS`
/// tables, it lets a first migration adopt a database whose tables an older release created
/// (MySQL has no `CREATE INDEX IF NOT EXISTS`).
///
/// # Errors
///
/// The database's error when the index cannot be listed or created.
pub async fn create_index_if_missing(
    manager: &SchemaManager<'_>,
    table: &str,
    index: IndexCreateStatement,
) -> Result<(), DbErr> {
    let name = index.get_index_spec().get_name().unwrap_or_default();
    if !manager.has_index(table, name).await? {
        manager.create_index(index).await?;
    }
    Ok(())
}
