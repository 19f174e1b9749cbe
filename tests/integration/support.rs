//! The test databases (`tests/support/db.rs`, shared with the examples' tests), and one with
//! the example site's tables.

#[path = "../support/db.rs"]
mod db;

pub use db::*;

impl TestDb {
    /// A fresh database with the example site's tables, made by its migrations.
    pub async fn example(backend: Backend) -> Option<TestDb> {
        use sea_orm_migration::MigratorTrait;
        let test_db = Self::new(backend).await?;
        example_site::migrations::Migrator::up(&test_db.db, None)
            .await
            .expect("apply the example's migrations");
        Some(test_db)
    }
}
