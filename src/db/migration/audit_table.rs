//! The audit trail's table: one row per change made through the admin, the API or a CLI
//! helper (see [`crate::audit`]).

use sea_orm::sea_query::{ColumnDef, Index, Table};
use sea_orm::{DbBackend, DeriveIden};
use sea_orm_migration::{DbErr, MigrationName, MigrationTrait, SchemaManager, async_trait};

use super::datetime;

pub(super) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000010_actix_sea_audit"
    }
}

#[derive(DeriveIden)]
enum ActixSeaAudit {
    Table,
    Id,
    At,
    Actor,
    Username,
    Channel,
    Client,
    Action,
    Model,
    Pk,
    Values,
}

/// The recorded values: a row may hold several texts of MySQL's `TEXT` size (64 KiB), so
/// `LONGTEXT` there; `TEXT` has no such limit elsewhere.
fn values(backend: DbBackend, name: ActixSeaAudit) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    match backend {
        DbBackend::MySql => column.custom("LONGTEXT"),
        _ => column.text(),
    };
    column
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ActixSeaAudit as A;
        let backend = manager.get_database_backend();
        let text = |name| ColumnDef::new(name).string_len(255).not_null().to_owned();
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(
                        ColumnDef::new(A::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(datetime(backend, A::At).not_null())
                    .col(ColumnDef::new(A::Actor).big_integer().null())
                    .col(text(A::Username))
                    .col(ColumnDef::new(A::Channel).string_len(16).not_null())
                    .col(ColumnDef::new(A::Client).string_len(64).not_null())
                    .col(text(A::Action))
                    .col(text(A::Model))
                    .col(text(A::Pk))
                    .col(values(backend, A::Values).not_null())
                    .to_owned(),
            )
            .await?;
        // A row's history and a user's recent actions, newest first.
        for (name, columns) in [
            ("actix_sea_audit_row", vec![A::Model, A::Pk, A::Id]),
            ("actix_sea_audit_actor", vec![A::Actor, A::Id]),
            ("actix_sea_audit_at", vec![A::At]),
        ] {
            let mut index = Index::create();
            index.name(name).table(A::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(ActixSeaAudit::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}
