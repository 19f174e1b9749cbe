//! The first schema of the twitter clone: users, who follows whom, messages and notes.

use actix_sea::db::migration::{create_index_if_missing, datetime, now};
use sea_orm_migration::prelude::*;

use crate::models::message::MAX_CONTENT;

pub(super) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000001_twitter_tables"
    }
}

#[derive(DeriveIden)]
enum User {
    Table,
    Id,
    Username,
    Password,
    Email,
    JoinDate,
    Active,
    Admin,
}

#[derive(DeriveIden)]
enum Relationship {
    Table,
    Id,
    FromUser,
    ToUser,
}

#[derive(DeriveIden)]
enum Message {
    Table,
    Id,
    User,
    Content,
    PubDate,
}

#[derive(DeriveIden)]
enum Note {
    Table,
    Id,
    User,
    Message,
    Status,
    CreatedDate,
}

fn id(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name)
        .integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

/// A foreign key to `user.id` that takes the row with it when the user is deleted.
fn to_user(name: &str, table: impl IntoIden, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(table, column)
        .to(User::Table, User::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

/// A plain index named as SeaORM names the indexes of `#[sea_orm(indexed)]` columns.
fn index(table: &str, column: impl IntoIden) -> IndexCreateStatement {
    let column = column.into_iden();
    let name = format!("idx-{table}-{column}");
    Index::create()
        .name(name)
        .table(Alias::new(table))
        .col(column)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        // `IF NOT EXISTS`: a database made before migrations is adopted as it is.
        manager
            .create_table(
                Table::create()
                    .table(User::Table)
                    .if_not_exists()
                    .col(id(User::Id))
                    .col(
                        ColumnDef::new(User::Username)
                            .string()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(User::Password).string().not_null())
                    .col(ColumnDef::new(User::Email).string().not_null())
                    .col(
                        datetime(backend, User::JoinDate)
                            .not_null()
                            .default(now(backend)),
                    )
                    .col(
                        ColumnDef::new(User::Active)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .col(
                        ColumnDef::new(User::Admin)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Relationship::Table)
                    .if_not_exists()
                    .col(id(Relationship::Id))
                    .col(ColumnDef::new(Relationship::FromUser).integer().not_null())
                    .col(ColumnDef::new(Relationship::ToUser).integer().not_null())
                    .foreign_key(&mut to_user(
                        "fk-relationship-from_user",
                        Relationship::Table,
                        Relationship::FromUser,
                    ))
                    .foreign_key(&mut to_user(
                        "fk-relationship-to_user",
                        Relationship::Table,
                        Relationship::ToUser,
                    ))
                    .to_owned(),
            )
            .await?;
        create_index_if_missing(
            manager,
            "relationship",
            index("relationship", Relationship::ToUser),
        )
        .await?;
        create_index_if_missing(
            manager,
            "relationship",
            Index::create()
                .name("idx-relationship-pair")
                .table(Relationship::Table)
                .col(Relationship::FromUser)
                .col(Relationship::ToUser)
                .unique()
                .to_owned(),
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(Message::Table)
                    .if_not_exists()
                    .col(id(Message::Id))
                    .col(ColumnDef::new(Message::User).integer().not_null())
                    .col(
                        ColumnDef::new(Message::Content)
                            .string_len(MAX_CONTENT)
                            .not_null(),
                    )
                    .col(
                        datetime(backend, Message::PubDate)
                            .not_null()
                            .default(now(backend)),
                    )
                    .foreign_key(&mut to_user(
                        "fk-message-user",
                        Message::Table,
                        Message::User,
                    ))
                    .to_owned(),
            )
            .await?;
        create_index_if_missing(manager, "message", index("message", Message::User)).await?;
        create_index_if_missing(manager, "message", index("message", Message::PubDate)).await?;
        manager
            .create_table(
                Table::create()
                    .table(Note::Table)
                    .if_not_exists()
                    .col(id(Note::Id))
                    .col(ColumnDef::new(Note::User).integer().not_null())
                    .col(ColumnDef::new(Note::Message).text().not_null())
                    .col(ColumnDef::new(Note::Status).integer().null())
                    .col(
                        datetime(backend, Note::CreatedDate)
                            .not_null()
                            .default(now(backend)),
                    )
                    .foreign_key(&mut to_user("fk-note-user", Note::Table, Note::User))
                    .to_owned(),
            )
            .await?;
        create_index_if_missing(manager, "note", index("note", Note::User)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Note::Table.into_iden(),
            Message::Table.into_iden(),
            Relationship::Table.into_iden(),
            User::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
