//! The command line's groups and passwords: `create-group`, the `--group` of `create-user`,
//! `set-password`, and the "Moderators" group `seed` writes.

use actix_sea::Context;
use actix_sea::audit::Transaction;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
};

use crate::commands::CommandError;
use crate::models::user;

/// The site's registered models, as permissions name them.
pub const MODELS: [&str; 4] = ["user", "message", "relationship", "note"];

/// The moderators' group `seed` creates: view everything, change and delete messages and notes.
pub const MODERATORS: &str = "Moderators";

/// The moderator user `seed` creates (password [`crate::commands::SEED_PASSWORD`]).
pub const MODERATOR: &str = "moderator";

/// What the Moderators group grants.
pub fn moderator_permissions() -> Vec<String> {
    let mut granted: Vec<String> = MODELS.iter().map(|m| format!("{m}.view")).collect();
    for model in ["message", "note"] {
        granted.push(format!("{model}.change"));
        granted.push(format!("{model}.delete"));
    }
    granted
}

/// Creates group `name` granting `permissions` (each `<model>.<action>` of a model of the
/// site), recorded in the audit trail (channel `cli`); returns its id.
pub async fn create_group(
    db: &DatabaseConnection,
    name: &str,
    permissions: &[String],
) -> Result<i64, CommandError> {
    let name = name.trim();
    if name.is_empty() || name.contains('\0') || name.chars().count() > 150 {
        return Err(CommandError::Invalid(
            "a group name has 1 to 150 characters".into(),
        ));
    }
    for permission in permissions {
        let known = permission
            .split_once('.')
            .is_some_and(|(model, _)| MODELS.contains(&model));
        if !known || !actix_sea::groups::is_permission(permission) {
            return Err(CommandError::Invalid(format!(
                "`{permission}` is not a permission: use <model>.<action> with a model of {} and an action of view, add, change, delete",
                MODELS.join(", ")
            )));
        }
    }
    if actix_sea::groups::by_name(db, name).await?.is_some() {
        return Err(CommandError::Invalid(format!(
            "a group named `{name}` already exists"
        )));
    }
    let txn = Transaction::begin(db, &Context::cli()).await?;
    let id = actix_sea::groups::create(&txn, name, permissions)
        .await
        .map_err(|error| match error.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                CommandError::Invalid(format!("a group named `{name}` already exists"))
            }
            _ => CommandError::Database(error),
        })?;
    txn.commit().await?;
    Ok(id)
}

/// The ids of the groups named `names`; an unknown name is an error.
pub async fn group_ids(
    db: &DatabaseConnection,
    names: &[String],
) -> Result<Vec<i64>, CommandError> {
    let mut ids = Vec::with_capacity(names.len());
    for name in names {
        let group = actix_sea::groups::by_name(db, name.trim())
            .await?
            .ok_or_else(|| CommandError::Invalid(format!("there is no group named `{name}`")))?;
        ids.push(group.id);
    }
    Ok(ids)
}

/// Sets the password of `username` (stored as an argon2id hash), recorded in the audit trail
/// (channel `cli`, password redacted), and ends their sessions: those kept in the database,
/// and those kept in `redis` when given.
pub async fn set_password(
    db: &DatabaseConnection,
    username: &str,
    password: &str,
    redis: Option<&actix_sea::auth::RedisSessions>,
) -> Result<(), CommandError> {
    if password.is_empty() || password.contains('\0') {
        return Err(CommandError::Invalid(
            "the password must not be empty or contain NUL characters".into(),
        ));
    }
    let found = user::Entity::find()
        .filter(user::Column::Username.eq(username.trim()))
        .one(db)
        .await?
        .ok_or_else(|| CommandError::Invalid(format!("there is no user named `{username}`")))?;
    let password = password.to_owned();
    let hash =
        tokio::task::spawn_blocking(move || actix_sea::auth::password::hash_password(&password))
            .await
            .map_err(|e| CommandError::Invalid(e.to_string()))?;
    let id = i64::from(found.id);
    let mut row: user::ActiveModel = found.into_active_model();
    row.password = Set(hash);
    let txn = Transaction::begin(db, &Context::cli())
        .await?
        .redact(user::Column::Password);
    txn.update(row).await?;
    txn.commit().await?;
    // The old password's sessions end with it, wherever they are kept.
    actix_sea::auth::DbSessionStore::new(db.clone())
        .end_user(id)
        .await?;
    if let Some(redis) = redis {
        redis.end_user(id).await.map_err(|e| {
            CommandError::Invalid(format!(
                "the password changed, but the sessions in Redis could not be ended: {e}"
            ))
        })?;
    }
    Ok(())
}
