//! The session table gains the id of the user each session belongs to, so that a password
//! change or a deactivation can end that user's sessions.
//!
//! A nullable indexed column rather than a table of its own: the store writes the id in the
//! same statement as the session's state, so the index can never disagree with the sessions it
//! names, and a session's expiry or deletion removes its entry with it. Anonymous sessions and
//! rows written before this migration have no id (the next write of a logged-in session fills
//! it in).

use sea_orm::DeriveIden;
use sea_orm::sea_query::{ColumnDef, Index, Table};
use sea_orm_migration::{DbErr, MigrationName, MigrationTrait, SchemaManager, async_trait};

use super::create_index_if_missing;

pub(super) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000004_actix_sea_session_user"
    }
}

#[derive(DeriveIden)]
enum ActixSeaSession {
    Table,
    UserId,
}

const INDEX: &str = "idx-actix_sea_session-user_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if !manager.has_column("actix_sea_session", "user_id").await? {
            manager
                .alter_table(
                    Table::alter()
                        .table(ActixSeaSession::Table)
                        .add_column(ColumnDef::new(ActixSeaSession::UserId).big_integer().null())
                        .to_owned(),
                )
                .await?;
        }
        create_index_if_missing(
            manager,
            "actix_sea_session",
            Index::create()
                .name(INDEX)
                .table(ActixSeaSession::Table)
                .col(ActixSeaSession::UserId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(INDEX)
                    .table(ActixSeaSession::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ActixSeaSession::Table)
                    .drop_column(ActixSeaSession::UserId)
                    .to_owned(),
            )
            .await
    }
}
