//! What the command line does besides serving: create a user, seed demo data.

use actix_sea::Context;
use actix_sea::audit::Transaction;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use indicatif::ProgressBar;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
};

use crate::models::{message, relationship, user};

/// Why a command failed, worded for the person at the terminal.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The username is taken.
    #[error("a user named `{0}` already exists")]
    UserExists(String),
    /// The input cannot be used.
    #[error("{0}")]
    Invalid(String),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] DbErr),
}

/// What `create-user` is given.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    /// Login name, unique.
    pub username: String,
    /// Password in clear; stored as an argon2id hash.
    pub password: String,
    /// E-mail address (may be empty).
    pub email: String,
    /// Whether the user may use the admin.
    pub admin: bool,
    /// Whether the user may log in.
    pub active: bool,
    /// The names of existing groups the user joins.
    pub groups: Vec<String>,
}

/// Creates a user with an argon2id password hash in its groups, recorded in the audit trail
/// (channel `cli`, password redacted). A taken username is an error, not a crash.
pub async fn create_user(
    db: &DatabaseConnection,
    new: NewUser,
) -> Result<user::Model, CommandError> {
    let username = new.username.trim().to_owned();
    if username.is_empty() || new.password.is_empty() {
        return Err(CommandError::Invalid(
            "username and password must not be empty".into(),
        ));
    }
    if username.contains('\0') || new.password.contains('\0') || new.email.contains('\0') {
        return Err(CommandError::Invalid(
            "NUL characters are not allowed".into(),
        ));
    }
    let taken = user::Entity::find()
        .filter(user::Column::Username.eq(&username))
        .one(db)
        .await?;
    if taken.is_some() {
        return Err(CommandError::UserExists(username));
    }
    let groups = crate::staff::group_ids(db, &new.groups).await?;
    match actix_sea::auth::username_refusal::<user::Entity>(db, &username, None).await? {
        Some(refusal) if refusal == actix_sea::auth::USERNAME_TAKEN => {
            return Err(CommandError::UserExists(username));
        }
        Some(refusal) => return Err(CommandError::Invalid(refusal)),
        None => {}
    }
    let password = new.password;
    let hash =
        tokio::task::spawn_blocking(move || actix_sea::auth::password::hash_password(&password))
            .await
            .map_err(|e| CommandError::Invalid(e.to_string()))?;
    let row = user::ActiveModel {
        id: NotSet,
        username: Set(username.clone()),
        password: Set(hash),
        email: Set(new.email),
        join_date: Set(crate::models::now()),
        active: Set(new.active),
        admin: Set(new.admin),
    };
    // The user, its groups and their audit entries commit together; the name is checked again
    // in the transaction, after the lock every choice of a name takes.
    let txn = Transaction::begin(db, &Context::cli())
        .await?
        .redact(user::Column::Password);
    if let Some(refusal) =
        actix_sea::auth::username_refusal_in::<user::Entity>(&txn, &username, None).await?
    {
        txn.rollback().await?;
        return Err(match refusal == actix_sea::auth::USERNAME_TAKEN {
            true => CommandError::UserExists(username),
            false => CommandError::Invalid(refusal),
        });
    }
    let created = txn
        .insert(row)
        .await
        .map_err(|error| match error.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                CommandError::UserExists(username)
            }
            _ => match actix_sea::Invalid::from_db(&error) {
                Some(invalid) => CommandError::Invalid(invalid.to_string()),
                None => CommandError::Database(error),
            },
        })?;
    actix_sea::groups::set_groups(&txn, i64::from(created.id), &groups).await?;
    txn.commit().await?;
    Ok(created)
}

/// The password every seeded user gets.
pub const SEED_PASSWORD: &str = "password";

const WORDS: [&str; 16] = [
    "rust", "actix", "sea", "orm", "hello", "world", "coffee", "morning", "deploy", "friday",
    "tests", "green", "shipping", "today", "again", "finally",
];

/// How many messages `seed` writes between two moves of the progress bar.
const MESSAGES_PER_BATCH: usize = 300;

/// A small deterministic generator, so `seed` writes the same data every time.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % bound.max(1)
    }
}

fn base_date() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2024, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default()
}

/// What [`seed`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seeded {
    /// Users created.
    pub users: u32,
    /// Follow relationships created.
    pub follows: usize,
    /// Messages created.
    pub messages: u32,
}

impl std::fmt::Display for Seeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "seed: {} users, {} follows, {} messages",
            self.users, self.follows, self.messages
        )
    }
}

/// Seeds `users` users (`user1`…, password [`SEED_PASSWORD`]), a few follows each, and
/// `messages` messages, deterministically, then the "Moderators" group and its member
/// `moderator` (password [`SEED_PASSWORD`], see [`crate::staff`]). `progress` advances by one per message written.
pub async fn seed(
    db: &DatabaseConnection,
    users: u32,
    messages: u32,
    progress: &ProgressBar,
) -> Result<Seeded, CommandError> {
    if users == 0 && messages > 0 {
        return Err(CommandError::Invalid(
            "messages need at least one user".into(),
        ));
    }
    let hash =
        tokio::task::spawn_blocking(|| actix_sea::auth::password::hash_password(SEED_PASSWORD))
            .await
            .map_err(|e| CommandError::Invalid(e.to_string()))?;
    let first = user::Entity::find()
        .filter(user::Column::Username.starts_with("user"))
        .one(db)
        .await?;
    if first.is_some() {
        return Err(CommandError::Invalid(
            "the database already holds seeded users".into(),
        ));
    }
    // Every row, with its audit entry (channel `cli`), in one transaction.
    let txn = Transaction::begin(db, &Context::cli())
        .await?
        .redact(user::Column::Password);
    let rows = (1..=users).map(|n| user::ActiveModel {
        id: NotSet,
        username: Set(format!("user{n}")),
        password: Set(hash.clone()),
        email: Set(format!("user{n}@example.com")),
        join_date: Set(base_date() + Duration::hours(i64::from(n))),
        active: Set(true),
        admin: Set(false),
    });
    let ids: Vec<i32> = txn.insert_many(rows).await?.iter().map(|u| u.id).collect();
    let mut rng = Lcg(42);
    let mut follows = Vec::new();
    for (index, &from) in ids.iter().enumerate() {
        for step in 1..=3.min(ids.len().saturating_sub(1)) {
            let to = ids[(index + step) % ids.len()];
            follows.push(relationship::ActiveModel {
                id: NotSet,
                from_user: Set(from),
                to_user: Set(to),
            });
        }
    }
    let follow_count = follows.len();
    txn.insert_many(follows).await?;
    let mut batch = Vec::with_capacity(MESSAGES_PER_BATCH);
    for n in 0..messages {
        let words: Vec<&str> = (0..6)
            .map(|_| WORDS[rng.next(WORDS.len() as u64) as usize])
            .collect();
        batch.push(message::ActiveModel {
            id: NotSet,
            user: Set(ids[rng.next(ids.len() as u64) as usize]),
            content: Set(format!("#{} {}", n + 1, words.join(" "))),
            pub_date: Set(base_date() + Duration::minutes(i64::from(n))),
        });
        if batch.len() == MESSAGES_PER_BATCH || n + 1 == messages {
            txn.insert_many(std::mem::take(&mut batch)).await?;
            progress.set_position(u64::from(n + 1));
        }
    }
    seed_moderator(&txn, hash).await?;
    txn.commit().await?;
    Ok(Seeded {
        users,
        follows: follow_count,
        messages,
    })
}

/// The "Moderators" group (kept when it exists) and the `moderator` user in it, with the
/// seed's password hash and a fixed join date, so seeding stays deterministic.
async fn seed_moderator(txn: &Transaction, hash: String) -> Result<(), CommandError> {
    use crate::staff::{MODERATOR, MODERATORS, moderator_permissions};
    let group = match actix_sea::groups::by_name(&**txn, MODERATORS).await? {
        Some(group) => group.id,
        None => actix_sea::groups::create(txn, MODERATORS, &moderator_permissions()).await?,
    };
    let taken = user::Entity::find()
        .filter(user::Column::Username.eq(MODERATOR))
        .one(&**txn)
        .await?;
    if taken.is_some() {
        return Ok(());
    }
    let row = user::ActiveModel {
        id: NotSet,
        username: Set(MODERATOR.into()),
        password: Set(hash),
        email: Set(format!("{MODERATOR}@example.com")),
        join_date: Set(base_date()),
        active: Set(true),
        admin: Set(false),
    };
    let moderator = txn.insert(row).await?;
    actix_sea::groups::set_groups(txn, i64::from(moderator.id), &[group]).await?;
    Ok(())
}
