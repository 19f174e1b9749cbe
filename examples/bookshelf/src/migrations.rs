//! The bookshelf's schema: actix-sea's own tables, then the shop's, made from the entities.

use sea_orm::{DbErr, EntityTrait, Schema};
use sea_orm_migration::prelude::*;

use crate::models::{author, book, book_tag, review, tag, user};

/// Every migration, oldest first.
pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let mut all = actix_sea::db::migrations();
        all.push(Box::new(ShopTables));
        all
    }
}

/// The first schema of the shop.
struct ShopTables;

impl MigrationName for ShopTables {
    fn name(&self) -> &str {
        "m20261202_000001_bookshelf_tables"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for ShopTables {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create(manager, user::Entity).await?;
        create(manager, author::Entity).await?;
        create(manager, book::Entity).await?;
        create(manager, tag::Entity).await?;
        create(manager, book_tag::Entity).await?;
        create(manager, review::Entity).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop(manager, review::Entity).await?;
        drop(manager, book_tag::Entity).await?;
        drop(manager, tag::Entity).await?;
        drop(manager, book::Entity).await?;
        drop(manager, author::Entity).await?;
        drop(manager, user::Entity).await
    }
}

/// Creates `entity`'s table and indexes as its model declares them.
async fn create<E: EntityTrait>(manager: &SchemaManager<'_>, entity: E) -> Result<(), DbErr> {
    let schema = Schema::new(manager.get_database_backend());
    manager
        .create_table(schema.create_table_from_entity(entity))
        .await?;
    for index in schema.create_index_from_entity(entity) {
        manager.create_index(index).await?;
    }
    Ok(())
}

async fn drop<E: EntityTrait>(manager: &SchemaManager<'_>, entity: E) -> Result<(), DbErr> {
    manager
        .drop_table(Table::drop().table(entity).to_owned())
        .await
}
