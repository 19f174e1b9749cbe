//! A table of named locks, one row per lock: a transaction on MariaDB/MySQL that must not run
//! beside another of its kind locks the row (`SELECT ... FOR UPDATE`) until it ends.
//!
//! A row that always exists, rather than a row of the table being written: locking the first
//! row of an empty table locks the gap after it, which every such transaction gets at once;
//! each then waits for the other's gap to insert, and MariaDB ends one as a deadlock. Choosing
//! a username (the lock `usernames`, see the crate's `UserStore::lock_names`) is the one user
//! so far; PostgreSQL uses an advisory lock and SQLite its write lock instead.

use sea_orm::DeriveIden;
use sea_orm::sea_query::{ColumnDef, Query, Table};
use sea_orm_migration::{DbErr, MigrationName, MigrationTrait, SchemaManager, async_trait};

/// The name of the lock on choosing a username.
pub(crate) const USERNAMES: &str = "usernames";

pub(super) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000001_actix_sea_lock"
    }
}

#[derive(DeriveIden)]
pub(crate) enum ActixSeaLock {
    Table,
    Name,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ActixSeaLock::Table)
                    .col(
                        ColumnDef::new(ActixSeaLock::Name)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .to_owned(),
            )
            .await?;
        let row = Query::insert()
            .into_table(ActixSeaLock::Table)
            .columns([ActixSeaLock::Name])
            .values_panic([USERNAMES.into()])
            .to_owned();
        manager.exec_stmt(row).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ActixSeaLock::Table).to_owned())
            .await
    }
}
