//! Groups and model permissions: the crate's tables (created by [`crate::db::migrations`]) and
//! the few operations on them that the admin, the API's authentication and command-line tools
//! share. A user's permissions are the union of their groups' (`<model>.<action>`, see
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
//! let moderators = groups::create(&db, "Moderators", &["message.view".into()]).await?;
//! groups::set_groups(&db, 7, &[moderators]).await?;
//! assert!(groups::permissions_of(&db, 7).await?.contains("message.view"));
//! # Ok(())
//! # }
//! ```

mod entity;

use std::collections::BTreeSet;

use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveValue, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};

pub use entity::{group, group_permission, membership};

use crate::Perm;

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
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<group::Model>, DbErr> {
    group::Entity::find()
        .order_by_asc(group::Column::Name)
        .all(db)
        .await
}

/// The group named `name`.
pub async fn by_name(db: &impl ConnectionTrait, name: &str) -> Result<Option<group::Model>, DbErr> {
    group::Entity::find()
        .filter(group::Column::Name.eq(name))
        .one(db)
        .await
}

/// The permissions group `group_id` grants, sorted.
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

/// Creates group `name` granting `permissions`, in one transaction; returns its id. A taken
/// name fails with the database's unique-violation error.
pub async fn create(
    db: &DatabaseConnection,
    name: &str,
    permissions: &[String],
) -> Result<i64, DbErr> {
    let txn = db.begin().await?;
    let row = group::ActiveModel {
        name: ActiveValue::Set(name.to_owned()),
        ..Default::default()
    };
    let id = group::Entity::insert(row).exec(&txn).await?.last_insert_id;
    replace_permissions(&txn, id, permissions).await?;
    txn.commit().await?;
    Ok(id)
}

/// Renames group `group_id` and replaces what it grants, in one transaction.
pub async fn update(
    db: &DatabaseConnection,
    group_id: i64,
    name: &str,
    permissions: &[String],
) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    group::Entity::update(group::ActiveModel {
        id: ActiveValue::Unchanged(group_id),
        name: ActiveValue::Set(name.to_owned()),
    })
    .exec(&txn)
    .await?;
    replace_permissions(&txn, group_id, permissions).await?;
    txn.commit().await
}

/// Deletes group `group_id` with its permissions and memberships, in one transaction.
pub async fn delete(db: &DatabaseConnection, group_id: i64) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    group_permission::Entity::delete_many()
        .filter(group_permission::Column::GroupId.eq(group_id))
        .exec(&txn)
        .await?;
    membership::Entity::delete_many()
        .filter(membership::Column::GroupId.eq(group_id))
        .exec(&txn)
        .await?;
    group::Entity::delete_by_id(group_id).exec(&txn).await?;
    txn.commit().await
}

async fn replace_permissions(
    db: &impl ConnectionTrait,
    group_id: i64,
    permissions: &[String],
) -> Result<(), DbErr> {
    group_permission::Entity::delete_many()
        .filter(group_permission::Column::GroupId.eq(group_id))
        .exec(db)
        .await?;
    let unique: BTreeSet<&String> = permissions.iter().collect();
    let rows = unique
        .into_iter()
        .map(|permission| group_permission::ActiveModel {
            group_id: ActiveValue::Set(group_id),
            permission: ActiveValue::Set(permission.clone()),
            ..Default::default()
        });
    group_permission::Entity::insert_many(rows).exec(db).await?;
    Ok(())
}

/// Makes `user_id` a member of exactly `group_ids`, in one transaction.
pub async fn set_groups(
    db: &DatabaseConnection,
    user_id: i64,
    group_ids: &[i64],
) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    membership::Entity::delete_many()
        .filter(membership::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    let unique: BTreeSet<i64> = group_ids.iter().copied().collect();
    let rows = unique.into_iter().map(|group_id| membership::ActiveModel {
        user_id: ActiveValue::Set(user_id),
        group_id: ActiveValue::Set(group_id),
        ..Default::default()
    });
    membership::Entity::insert_many(rows).exec(&txn).await?;
    txn.commit().await
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
