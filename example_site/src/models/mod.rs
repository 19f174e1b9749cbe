//! The twitter clone's data: users, who follows whom, messages and notes.

pub mod message;
pub mod note;
pub mod relationship;
pub mod user;

use actix_sea::db::Tables;
use sea_orm::{ConnectionTrait, DbErr};

/// Creates the site's tables (and actix-sea's tables for sessions, failed logins, API keys and
/// tokens) that do not exist yet.
pub async fn create_tables(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    Tables::new(db.get_database_backend())
        .auth()
        .api()
        .entity(user::Entity)
        .entity(relationship::Entity)
        .entity(message::Entity)
        .entity(note::Entity)
        .create(db)
        .await
}
