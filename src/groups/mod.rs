//! Groups and model permissions: the crate's tables (created by [`crate::db::migrations`]) and
//! the few operations on them that the admin, the API's authentication and command-line tools
//! share. Writes go through an audit [`Transaction`], so that they are recorded and
//! committed together. A user's permissions are the union of their groups' (`<model>.<action>`, see
//! [`Perm`]); admins need none.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), sea_orm::DbErr> {
//! use actix_sea::groups;
//! use sea_orm_migration::MigratorTrait;
//! # struct Migrator;
//! # impl MigratorTrait for Migrator {
//! #     fn migrations() -> Vec<Box<dyn sea_orm_migration::MigrationTrait>> { actix_sea::db::migrations() }
//! # }
//! let db = actix_sea::db::connect("sqlite::memory:").await?;
//! Migrator::up(&db, None).await?;
//! let txn = actix_sea::audit::Transaction::begin(&db, &actix_sea::Context::cli()).await?;
//! let moderators = groups::create(&txn, "Moderators", &["message.view".into()]).await?;
//! groups::set_groups(&txn, 7, &[moderators]).await?;
//! txn.commit().await?;
//! assert!(groups::permissions_of(&db, 7).await?.contains("message.view"));
//! # Ok(())
//! # }
//! ```

mod entity;

use std::collections::BTreeSet;

use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveValue, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
};

pub use entity::{group, group_permission, membership};

use crate::Perm;
use crate::audit::Transaction;

/// The group tables: the groups, who belongs to which, and what each may do.
pub(crate) fn tables() -> [&'static str; 3] {
    use sea_orm::EntityName;
    [
        group::Entity.table_name(),
        membership::Entity.table_name(),
        group_permission::Entity.table_name(),
    ]
}

/// Whether `text` is a permission as stored: `<model>.<action>` with a known action and a
/// model slug of letters, digits and `_`.
pub fn is_permission(text: &str) -> bool {
    text.rsplit_once('.').is_some_and(|(model, action)| {
        !model.is_empty()
            && model.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && Perm::from_name(action).is_some()
    })
}

/// The permissions `user_id` holds through their groups, in one query.
///
/// # Errors
///
/// The database's error when the group tables cannot be read.
pub async fn permissions_of(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> Result<BTreeSet<String>, DbErr> {
    let groups = Query::select()
        .column(membership::Column::GroupId)
        .from(membership::Entity)
        .and_where(membership::Column::UserId.eq(user_id))
        .to_owned();
    let rows: Vec<String> = group_permission::Entity::find()
        .select_only()
        .column(group_permission::Column::Permission)
        .filter(group_permission::Column::GroupId.in_subquery(groups))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Every group, by name.
///
/// # Errors
///
/// The database's error when the group table cannot be read.
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<group::Model>, DbErr> {
    group::Entity::find()
        .order_by_asc(group::Column::Name)
        .all(db)
        .await
}

/// The group named `name`.
///
/// # Errors
///
/// The database's error when the group table cannot be read.
pub async fn by_name(db: &impl ConnectionTrait, name: &str) -> Result<Option<group::Model>, DbErr> {
    group::Entity::find()
        .filter(group::Column::Name.eq(name))
        .one(db)
        .await
}

/// The permissions group `group_id` grants, sorted.
///
/// # Errors
///
/// The database's error when the permission table cannot be read.
pub async fn permissions_of_group(
    db: &impl ConnectionTrait,
    group_id: i64,
) -> Result<Vec<String>, DbErr> {
    group_permission::Entity::find()
        .select_only()
        .column(group_permission::Column::Permission)
        .filter(group_permission::Column::GroupId.eq(group_id))
        .order_by_asc(group_permission::Column::Permission)
        .into_tuple()
        .all(db)
        .await
}

/// The ids of the groups `user_id` belongs to, ascending.
///
/// # Errors
///
/// The database's error when the membership table cannot be read.
pub async fn groups_of(db: &impl ConnectionTrait, user_id: i64) -> Result<Vec<i64>, DbErr> {
    membership::Entity::find()
        .select_only()
        .column(membership::Column::GroupId)
        .filter(membership::Column::UserId.eq(user_id))
        .order_by_asc(membership::Column::GroupId)
        .into_tuple()
        .all(db)
        .await
}

/// Creates group `name` granting `permissions`; returns its id. The group and each of its
/// permissions are recorded in the audit trail by `txn`, which the caller commits. A taken
/// name fails with the database's unique-violation error.
///
/// # Errors
/// The database's.
pub async fn create(txn: &Transaction, name: &str, permissions: &[String]) -> Result<i64, DbErr> {
    let row = group::ActiveModel {
        name: ActiveValue::Set(name.to_owned()),
        ..Default::default()
    };
    let id = txn.insert(row).await?.id;
    grant(txn, id, permissions.iter().collect()).await?;
    Ok(id)
}

/// Renames group `group_id` and makes it grant exactly `permissions`, through `txn` (which
/// records what changed: the name, each permission granted and each withdrawn).
///
/// # Errors
/// The database's; [`DbErr::RecordNotFound`] when there is no such group.
pub async fn update(
    txn: &Transaction,
    group_id: i64,
    name: &str,
    permissions: &[String],
) -> Result<(), DbErr> {
    let stored = group::Entity::find_by_id(group_id)
        .one(&**txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("group {group_id}")))?;
    if stored.name != name {
        let mut row = stored.into_active_model();
        row.name = ActiveValue::Set(name.to_owned());
        txn.update(row).await?;
    }
    let mut wanted: BTreeSet<&String> = permissions.iter().collect();
    let granted = group_permission::Entity::find()
        .filter(group_permission::Column::GroupId.eq(group_id))
        .all(&**txn)
        .await?;
    for row in granted {
        if !wanted.remove(&row.permission) {
            txn.delete(row).await?;
        }
    }
    grant(txn, group_id, wanted).await
}

/// Deletes group `group_id` with its permissions and memberships, each recorded by `txn`.
///
/// # Errors
/// The database's.
pub async fn delete(txn: &Transaction, group_id: i64) -> Result<(), DbErr> {
    let permissions = group_permission::Entity::find()
        .filter(group_permission::Column::GroupId.eq(group_id))
        .all(&**txn)
        .await?;
    for row in permissions {
        txn.delete(row).await?;
    }
    let members = membership::Entity::find()
        .filter(membership::Column::GroupId.eq(group_id))
        .all(&**txn)
        .await?;
    for row in members {
        txn.delete(row).await?;
    }
    if let Some(group) = group::Entity::find_by_id(group_id).one(&**txn).await? {
        txn.delete(group).await?;
    }
    Ok(())
}

async fn grant(
    txn: &Transaction,
    group_id: i64,
    permissions: BTreeSet<&String>,
) -> Result<(), DbErr> {
    let rows = permissions
        .into_iter()
        .map(|permission| group_permission::ActiveModel {
            group_id: ActiveValue::Set(group_id),
            permission: ActiveValue::Set(permission.clone()),
            ..Default::default()
        });
    txn.insert_many(rows).await?;
    Ok(())
}

/// Makes `user_id` a member of exactly `group_ids`, through `txn` (which records each
/// membership added and each removed).
///
/// # Errors
/// The database's (an unknown group violates a foreign key).
pub async fn set_groups(txn: &Transaction, user_id: i64, group_ids: &[i64]) -> Result<(), DbErr> {
    let mut wanted: BTreeSet<i64> = group_ids.iter().copied().collect();
    let current = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .all(&**txn)
        .await?;
    for row in current {
        if !wanted.remove(&row.group_id) {
            txn.delete(row).await?;
        }
    }
    let rows = wanted.into_iter().map(|group_id| membership::ActiveModel {
        user_id: ActiveValue::Set(user_id),
        group_id: ActiveValue::Set(group_id),
        ..Default::default()
    });
    txn.insert_many(rows).await?;
    Ok(())
}

/// The request's user with the permissions of their groups; admins, who may everything,
/// cost no query.
pub(crate) async fn user_with_permissions(
    db: &impl ConnectionTrait,
    id: i64,
    username: String,
    admin: bool,
) -> Result<crate::CurrentUser, DbErr> {
    let user = crate::CurrentUser::new(id, username, admin);
    if admin {
        return Ok(user);
    }
    Ok(user.with_permissions(permissions_of(db, id).await?))
}
