//! API keys and bearer tokens: the tables `RestApi` keeps credentials in.

use sea_orm::DeriveIden;
use sea_orm::sea_query::{ColumnDef, IntoIden, Table};
use sea_orm_migration::{DbErr, MigrationName, MigrationTrait, SchemaManager, async_trait};

use super::datetime;

pub(super) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000002_actix_sea_api_tables"
    }
}

#[derive(DeriveIden)]
enum ActixSeaApiKey {
    Table,
    Id,
    Key,
    SecretHash,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ActixSeaApiToken {
    Table,
    Id,
    TokenHash,
    UserId,
    CreatedAt,
    ExpiresAt,
}

fn id(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        // `IF NOT EXISTS`: a database made by a release before migrations is adopted as it is.
        manager
            .create_table(
                Table::create()
                    .table(ActixSeaApiKey::Table)
                    .if_not_exists()
                    .col(id(ActixSeaApiKey::Id))
                    .col(
                        ColumnDef::new(ActixSeaApiKey::Key)
                            .string()
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(ActixSeaApiKey::SecretHash)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ActixSeaApiKey::UserId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(datetime(backend, ActixSeaApiKey::CreatedAt).not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ActixSeaApiToken::Table)
                    .if_not_exists()
                    .col(id(ActixSeaApiToken::Id))
                    .col(
                        ColumnDef::new(ActixSeaApiToken::TokenHash)
                            .string()
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(ActixSeaApiToken::UserId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(datetime(backend, ActixSeaApiToken::CreatedAt).not_null())
                    .col(datetime(backend, ActixSeaApiToken::ExpiresAt).null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ActixSeaApiToken::Table.into_iden(),
            ActixSeaApiKey::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
