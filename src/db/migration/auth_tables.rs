//! Sessions and failed logins: the tables `Auth` keeps its state in.

use sea_orm::DeriveIden;
use sea_orm::sea_query::{ColumnDef, Index, IntoIden, Table};
use sea_orm_migration::{DbErr, MigrationName, MigrationTrait, SchemaManager, async_trait};

use super::{create_index_if_missing, datetime};

pub(super) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000001_actix_sea_auth_tables"
    }
}

#[derive(DeriveIden)]
enum ActixSeaSession {
    Table,
    KeyHash,
    State,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum ActixSeaLoginFailure {
    Table,
    Id,
    Key,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        // `IF NOT EXISTS`: a database made by a release before migrations is adopted as it is.
        manager
            .create_table(
                Table::create()
                    .table(ActixSeaSession::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(ActixSeaSession::KeyHash)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(ActixSeaSession::State).text().not_null())
                    .col(datetime(backend, ActixSeaSession::ExpiresAt).not_null())
                    .to_owned(),
            )
            .await?;
        create_index_if_missing(
            manager,
            "actix_sea_session",
            Index::create()
                .name("idx-actix_sea_session-expires_at")
                .table(ActixSeaSession::Table)
                .col(ActixSeaSession::ExpiresAt)
                .to_owned(),
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(ActixSeaLoginFailure::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(ActixSeaLoginFailure::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ActixSeaLoginFailure::Key)
                            .string()
                            .not_null(),
                    )
                    .col(datetime(backend, ActixSeaLoginFailure::At).not_null())
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx-actix_sea_login_failure-key", ActixSeaLoginFailure::Key),
            ("idx-actix_sea_login_failure-at", ActixSeaLoginFailure::At),
        ] {
            create_index_if_missing(
                manager,
                "actix_sea_login_failure",
                Index::create()
                    .name(name)
                    .table(ActixSeaLoginFailure::Table)
                    .col(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ActixSeaLoginFailure::Table.into_iden(),
            ActixSeaSession::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
