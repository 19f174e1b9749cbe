//! The site's schema as `sea-orm-migration` migrations (actix-sea's own tables, the twitter
//! clone's, then the full-text index and the row count of messages) and the steps `example_site migrate` and
//! `serve` take, one migration at a time so a progress bar can follow.

mod twitter_tables;

use indicatif::ProgressBar;
use sea_orm::{DatabaseConnection, DbErr};
use sea_orm_migration::{MigrationStatus, MigrationTrait, MigratorTrait};

/// Every migration of the site, oldest first: [`actix_sea::db::migrations`], then the site's
/// tables, then the index the admin searches messages with and the count of messages that
/// SQLite keeps for the API's lists.
pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let mut all = actix_sea::db::migrations();
        all.push(Box::new(twitter_tables::Migration));
        all.push(Box::new(crate::models::message::search_index()));
        all.push(Box::new(actix_sea::db::RowCount::new(
            crate::models::message::Entity,
        )));
        all
    }
}

/// No migrations: its `fresh` drops every table and applies nothing, so [`fresh`] can then
/// apply the site's migrations one by one.
struct NoMigrations;

impl MigratorTrait for NoMigrations {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        Vec::new()
    }
}

/// Applies pending migrations, at most `steps` of them (all when `None`), advancing
/// `progress` by one per migration. Returns the names applied, in order.
pub async fn up(
    db: &DatabaseConnection,
    steps: Option<u32>,
    progress: &ProgressBar,
) -> Result<Vec<String>, DbErr> {
    let pending: Vec<String> = Migrator::get_pending_migrations(db)
        .await?
        .iter()
        .take(steps.map_or(usize::MAX, |n| n as usize))
        .map(|migration| migration.name().to_owned())
        .collect();
    progress.set_length(pending.len() as u64);
    for name in &pending {
        progress.set_message(name.clone());
        Migrator::up(db, Some(1)).await?;
        progress.inc(1);
    }
    Ok(pending)
}

/// Rolls back the last `steps` applied migrations, newest first, advancing `progress` by one
/// per migration. Returns the names rolled back, in that order.
pub async fn down(
    db: &DatabaseConnection,
    steps: u32,
    progress: &ProgressBar,
) -> Result<Vec<String>, DbErr> {
    let applied: Vec<String> = Migrator::get_applied_migrations(db)
        .await?
        .iter()
        .rev()
        .take(steps as usize)
        .map(|migration| migration.name().to_owned())
        .collect();
    progress.set_length(applied.len() as u64);
    for name in &applied {
        progress.set_message(name.clone());
        Migrator::down(db, Some(1)).await?;
        progress.inc(1);
    }
    Ok(applied)
}

/// Every migration of the site with whether it is applied, oldest first.
pub async fn status(db: &DatabaseConnection) -> Result<Vec<(String, bool)>, DbErr> {
    Ok(Migrator::get_migration_with_status(db)
        .await?
        .iter()
        .map(|migration| {
            (
                migration.name().to_owned(),
                migration.status() == MigrationStatus::Applied,
            )
        })
        .collect())
}

/// Drops every table in the database (not only the site's), then applies every migration.
pub async fn fresh(db: &DatabaseConnection, progress: &ProgressBar) -> Result<Vec<String>, DbErr> {
    NoMigrations::fresh(db).await?;
    up(db, None, progress).await
}
