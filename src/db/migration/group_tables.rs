//! Groups, the permissions they grant and who belongs to them: the tables behind
//! [`crate::groups`].

use sea_orm::DeriveIden;
use sea_orm::sea_query::{ColumnDef, Index, IntoIden, Table};
use sea_orm_migration::{DbErr, MigrationName, MigrationTrait, SchemaManager, async_trait};

pub(super) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000003_actix_sea_group_tables"
    }
}

#[derive(DeriveIden)]
enum ActixSeaGroup {
    Table,
    Id,
    Name,
}

#[derive(DeriveIden)]
enum ActixSeaGroupPermission {
    Table,
    Id,
    GroupId,
    Permission,
}

#[derive(DeriveIden)]
enum ActixSeaUserGroup {
    Table,
    Id,
    UserId,
    GroupId,
}

fn id(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn key(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ActixSeaGroup::Table)
                    .col(id(ActixSeaGroup::Id))
                    .col(
                        ColumnDef::new(ActixSeaGroup::Name)
                            .string_len(150)
                            .not_null()
                            .unique_key(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ActixSeaGroupPermission::Table)
                    .col(id(ActixSeaGroupPermission::Id))
                    .col(key(ActixSeaGroupPermission::GroupId))
                    .col(
                        ColumnDef::new(ActixSeaGroupPermission::Permission)
                            .string_len(150)
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx-actix_sea_group_permission-group_permission")
                    .table(ActixSeaGroupPermission::Table)
                    .col(ActixSeaGroupPermission::GroupId)
                    .col(ActixSeaGroupPermission::Permission)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ActixSeaUserGroup::Table)
                    .col(id(ActixSeaUserGroup::Id))
                    .col(key(ActixSeaUserGroup::UserId))
                    .col(key(ActixSeaUserGroup::GroupId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx-actix_sea_user_group-user_group")
                    .table(ActixSeaUserGroup::Table)
                    .col(ActixSeaUserGroup::UserId)
                    .col(ActixSeaUserGroup::GroupId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx-actix_sea_user_group-group")
                    .table(ActixSeaUserGroup::Table)
                    .col(ActixSeaUserGroup::GroupId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ActixSeaUserGroup::Table.into_iden(),
            ActixSeaGroupPermission::Table.into_iden(),
            ActixSeaGroup::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
