//! The two tables the benchmark reads and writes (declared here rather than borrowed from
//! `example_site`, so that the baseline shares no code with actix-sea), their JSON shape, and
//! the connection.

use std::collections::HashMap;
use std::time::Duration;

use sea_orm::sqlx::sqlite::SqliteJournalMode;
use sea_orm::{
    ColumnTrait, ConnectOptions, Database, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
};
use serde::Serialize;

const DATETIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.f";

pub mod user {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "user")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        #[sea_orm(unique)]
        pub username: String,
        pub password: String,
        pub email: String,
        pub join_date: DateTime,
        pub active: bool,
        pub admin: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(has_many = "super::message::Entity")]
        Message,
    }

    impl Related<super::message::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Message.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod message {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "message")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub user: i32,
        #[sea_orm(column_type = "Text")]
        pub content: String,
        pub pub_date: DateTime,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::user::Entity",
            from = "Column::User",
            to = "super::user::Column::Id"
        )]
        User,
    }

    impl Related<super::user::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::User.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// A user as nested in a message: no password, no e-mail.
#[derive(Serialize)]
pub struct UserJson<'a> {
    id: i32,
    username: &'a str,
    join_date: String,
    active: bool,
    admin: bool,
}

/// A message with its author nested (`null` if the author is gone).
#[derive(Serialize)]
pub struct MessageJson<'a> {
    id: i32,
    user: Option<UserJson<'a>>,
    content: &'a str,
    pub_date: String,
}

/// `row` as JSON, its author taken from `users`.
pub fn message_json<'a>(
    row: &'a message::Model,
    users: &'a HashMap<i32, user::Model>,
) -> MessageJson<'a> {
    let user = users.get(&row.user).map(|user| UserJson {
        id: user.id,
        username: &user.username,
        join_date: user.join_date.format(DATETIME_FORMAT).to_string(),
        active: user.active,
        admin: user.admin,
    });
    MessageJson {
        id: row.id,
        user,
        content: &row.content,
        pub_date: row.pub_date.format(DATETIME_FORMAT).to_string(),
    }
}

/// The authors of `rows`, in one `WHERE id IN (...)` query.
pub async fn authors(
    db: &DatabaseConnection,
    rows: &[message::Model],
) -> Result<HashMap<i32, user::Model>, DbErr> {
    let mut ids: Vec<i32> = rows.iter().map(|row| row.user).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let users = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await?;
    Ok(users.into_iter().map(|user| (user.id, user)).collect())
}

/// SQLite with WAL, a 5-second busy timeout and foreign keys, as actix-sea opens it.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url);
    // The same pool size as actix-sea gives SQLite files, so both sides read in parallel.
    options.max_connections(8);
    options
        .sqlx_logging(false)
        .acquire_timeout(Duration::from_secs(5))
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
        });
    Database::connect(options).await
}
