//! The user contract: what actix-sea needs to know about a site's user entity.

use futures_util::future::BoxFuture;
use sea_orm::sea_query::{ColumnType, Expr};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait,
    IntoActiveModel, Iterable, PrimaryKeyToColumn, QueryFilter, Value,
};

/// Implemented by a site's user entity (the `Entity` of its user table) so that logins, the
/// admin and the REST API's authentication can find users and check their passwords.
pub trait UserEntity: EntityTrait {
    /// The column holding the login name (unique).
    fn username_column() -> Self::Column;
    /// The column holding the argon2id PHC string.
    fn password_column() -> Self::Column;
    /// The primary key, as a number.
    fn id(model: &Self::Model) -> i64;
    /// The login name.
    fn username(model: &Self::Model) -> &str;
    /// The stored password hash.
    fn password_hash(model: &Self::Model) -> &str;
    /// Whether the user may log in; inactive users are treated as unknown.
    fn is_active(model: &Self::Model) -> bool;
    /// Whether the user may use the admin.
    fn is_admin(model: &Self::Model) -> bool;
}

/// A user as read from the database, including the hash (never leaves the crate's auth code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredUser {
    /// Primary key.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// May log in.
    pub active: bool,
    /// May use the admin.
    pub admin: bool,
}

/// Finds users and updates their hashes, with the entity type erased.
pub(crate) trait UserStore: Send + Sync {
    fn by_username<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        username: &'a str,
    ) -> BoxFuture<'a, Result<Option<StoredUser>, DbErr>>;
    fn by_id<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        id: i64,
    ) -> BoxFuture<'a, Result<Option<StoredUser>, DbErr>>;
    fn set_password_hash<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        id: i64,
        hash: String,
    ) -> BoxFuture<'a, Result<(), DbErr>>;
    /// The user table's slug, so the admin and the API know which model holds users.
    fn table(&self) -> String;
    /// The column holding the password hash, which the admin never shows.
    fn password_column(&self) -> String;
}

pub(crate) struct Users<E>(std::marker::PhantomData<fn() -> E>);

impl<E> Users<E> {
    pub(crate) fn new() -> Self {
        Self(std::marker::PhantomData)
    }
}

fn stored<E: UserEntity>(model: &E::Model) -> StoredUser {
    StoredUser {
        id: E::id(model),
        username: E::username(model).to_owned(),
        password_hash: E::password_hash(model).to_owned(),
        active: E::is_active(model),
        admin: E::is_admin(model),
    }
}

/// The condition "primary key = id", typed as the primary-key column expects.
fn pk_is<E: EntityTrait>(id: i64) -> Option<sea_orm::Condition> {
    let column = E::PrimaryKey::iter().next()?.into_column();
    let value = match column.def().get_column_type() {
        ColumnType::BigInteger => Value::BigInt(Some(id)),
        _ => Value::Int(Some(i32::try_from(id).ok()?)),
    };
    Some(sea_orm::Condition::all().add(column.eq(value)))
}

impl<E> UserStore for Users<E>
where
    E: UserEntity,
    E::Model: IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send + Sync,
{
    fn by_username<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        username: &'a str,
    ) -> BoxFuture<'a, Result<Option<StoredUser>, DbErr>> {
        Box::pin(async move {
            let select = E::find().filter(E::username_column().eq(username));
            let model = crate::db::by_unique_key(select, db).await?;
            Ok(model.as_ref().map(stored::<E>))
        })
    }

    fn by_id<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        id: i64,
    ) -> BoxFuture<'a, Result<Option<StoredUser>, DbErr>> {
        Box::pin(async move {
            let Some(condition) = pk_is::<E>(id) else {
                return Ok(None);
            };
            let model = crate::db::by_unique_key(E::find().filter(condition), db).await?;
            Ok(model.as_ref().map(stored::<E>))
        })
    }

    fn set_password_hash<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        id: i64,
        hash: String,
    ) -> BoxFuture<'a, Result<(), DbErr>> {
        Box::pin(async move {
            let Some(condition) = pk_is::<E>(id) else {
                return Ok(());
            };
            E::update_many()
                .col_expr(E::password_column(), Expr::val(hash))
                .filter(condition)
                .exec(db)
                .await?;
            Ok(())
        })
    }

    fn password_column(&self) -> String {
        sea_orm::IdenStatic::as_str(&E::password_column()).to_owned()
    }

    fn table(&self) -> String {
        E::default().table_name().to_owned()
    }
}
