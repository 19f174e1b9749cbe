//! The user contract: what actix-sea needs to know about a site's user entity.

use futures_util::future::BoxFuture;
use sea_orm::sea_query::ColumnType;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseExecutor,
    DbBackend, DbErr, EntityTrait, IntoActiveModel, Iterable, PaginatorTrait, PrimaryKeyToColumn,
    QueryFilter, QueryOrder, QuerySelect, Statement, Value,
};

use super::username::{likely_spellings, normalize_username, skeleton_of};
use crate::Context;
use crate::audit::Transaction;
use crate::db::migration::lock_table::{ActixSeaLock, USERNAMES};
use crate::orm::ModelEntity;

/// Implemented by a site's user entity (the `Entity` of its user table) so that logins, the
/// admin and the REST API's authentication can find users and check their passwords.
pub trait UserEntity: ModelEntity {
    /// The column holding the login name (unique). Names are compared in their normalised
    /// form (see [`normalize_username`](crate::auth::normalize_username)).
    fn username_column() -> Self::Column;
    /// The column holding the argon2id PHC string.
    fn password_column() -> Self::Column;
    /// The column holding the admin flag. Only admins may make a user an admin, and only
    /// admins may change or delete an admin user, through the admin and the API alike.
    fn admin_column() -> Self::Column;
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
    /// Stores `hash` as user `id`'s password, recorded in the audit trail for `ctx` with the
    /// password redacted.
    fn set_password_hash<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        ctx: &'a Context,
        id: i64,
        hash: String,
    ) -> BoxFuture<'a, Result<(), DbErr>>;
    /// An existing username (other than user `except`'s) that looks like `name`, read on `db`.
    fn look_alike<'a>(
        &'a self,
        db: &'a DatabaseExecutor<'a>,
        name: &'a str,
        except: Option<i64>,
    ) -> BoxFuture<'a, Result<Option<String>, DbErr>>;
    /// Takes, in the transaction `db`, the lock every choice of a username takes before it
    /// looks for look-alikes, so that two of them run one after the other: on SQLite the
    /// write transaction holds the database's lock already; on PostgreSQL an advisory lock of
    /// the transaction; on MariaDB/MySQL the row `usernames` of the crate's lock table
    /// (`FOR UPDATE`, until the transaction ends; the user table's first row, should the lock's
    /// row be gone).
    fn lock_names<'a>(&'a self, db: &'a DatabaseExecutor<'a>) -> BoxFuture<'a, Result<(), DbErr>>;
    /// The column holding the login name.
    fn username_column(&self) -> String;
    /// The user table's slug, so the admin and the API know which model holds users.
    fn table(&self) -> String;
    /// The column holding the password hash, which the admin never shows.
    fn password_column(&self) -> String;
    /// The column holding the admin flag, which only admins may change.
    fn admin_column(&self) -> String;
}

/// The key of PostgreSQL's advisory lock on choosing a username ("actxname" in ASCII).
const NAMES_LOCK: i64 = 0x6163_7478_6e61_6d65;

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

impl<E: UserEntity> UserStore for Users<E> {
    fn by_username<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        username: &'a str,
    ) -> BoxFuture<'a, Result<Option<StoredUser>, DbErr>> {
        Box::pin(async move {
            // Through the username index: the few spellings a stored name is likely to have,
            // then only rows whose normalised form is the one asked for (MariaDB's collation
            // would also return accent variants).
            let wanted = normalize_username(username);
            let mut select = E::find()
                .filter(E::username_column().is_in(likely_spellings(username)))
                .limit(8);
            for pk in E::PrimaryKey::iter() {
                select = select.order_by_asc(pk.into_column());
            }
            let rows = select.all(db).await?;
            let typed = username.trim();
            let model = rows
                .iter()
                .find(|row| E::username(row) == typed)
                .or_else(|| {
                    rows.iter()
                        .find(|row| normalize_username(E::username(row)) == wanted)
                });
            Ok(model.map(stored::<E>))
        })
    }

    fn lock_names<'a>(&'a self, db: &'a DatabaseExecutor<'a>) -> BoxFuture<'a, Result<(), DbErr>> {
        Box::pin(async move {
            match db.get_database_backend() {
                DbBackend::Sqlite => return Ok(()),
                DbBackend::Postgres => {
                    // A lock of the transaction's that needs no row (the table may be empty).
                    let lock = Statement::from_sql_and_values(
                        DbBackend::Postgres,
                        "SELECT pg_advisory_xact_lock($1)",
                        [NAMES_LOCK.into()],
                    );
                    return db.execute_raw(lock).await.map(drop);
                }
                _ => {}
            }
            let lock = Query::select()
                .column(ActixSeaLock::Name)
                .from(ActixSeaLock::Table)
                .and_where(Expr::col(ActixSeaLock::Name).eq(USERNAMES))
                .lock_exclusive()
                .to_owned();
            // An error here (the lock table's migration not run) ends nothing on MariaDB/MySQL:
            // the transaction goes on, and the first user's row serves, as when the row is gone.
            if let Ok(Some(_)) = db.query_one(&lock).await {
                return Ok(());
            }
            let Some(key) = E::PrimaryKey::iter().next() else {
                return Ok(());
            };
            let column = key.into_column();
            let first = Query::select()
                .column(column)
                .from(E::default())
                .order_by(column, Order::Asc)
                .limit(1)
                .lock_exclusive()
                .to_owned();
            db.query_one(&first).await.map(drop)
        })
    }

    fn look_alike<'a>(
        &'a self,
        db: &'a DatabaseExecutor<'a>,
        name: &'a str,
        except: Option<i64>,
    ) -> BoxFuture<'a, Result<Option<String>, DbErr>> {
        Box::pin(async move {
            // Skeletons cannot be computed by the database and the user contract has no column
            // to store them in, so this reads every username (one column, streamed). It runs
            // only when a name is chosen (sign-up, which is throttled per address; the admin;
            // the CLI), never at login.
            let wanted = skeleton_of(name);
            let mut select = E::find()
                .select_only()
                .column(E::username_column())
                .order_by_asc(E::username_column());
            if let Some(condition) = except.and_then(pk_is::<E>) {
                select = select.filter(condition.not());
            }
            let mut pages = select.into_tuple::<String>().paginate(db, 1000);
            while let Some(names) = pages.fetch_and_next().await? {
                if let Some(existing) = names.into_iter().find(|n| skeleton_of(n) == wanted) {
                    return Ok(Some(existing));
                }
            }
            Ok(None)
        })
    }

    fn username_column(&self) -> String {
        sea_orm::IdenStatic::as_str(&E::username_column()).to_owned()
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
            let model = crate::orm::by_unique_key(E::find().filter(condition), db).await?;
            Ok(model.as_ref().map(stored::<E>))
        })
    }

    fn set_password_hash<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        ctx: &'a Context,
        id: i64,
        hash: String,
    ) -> BoxFuture<'a, Result<(), DbErr>> {
        Box::pin(async move {
            let Some(condition) = pk_is::<E>(id) else {
                return Ok(());
            };
            let txn = Transaction::begin(db, ctx)
                .await?
                .redact(E::password_column());
            let Some(stored) = E::find().filter(condition).one(&*txn).await? else {
                return Ok(());
            };
            let mut row = stored.into_active_model();
            row.try_set(E::password_column(), Value::from(hash))?;
            txn.update(row).await?;
            txn.commit().await
        })
    }

    fn admin_column(&self) -> String {
        sea_orm::IdenStatic::as_str(&E::admin_column()).to_owned()
    }

    fn password_column(&self) -> String {
        sea_orm::IdenStatic::as_str(&E::password_column()).to_owned()
    }

    fn table(&self) -> String {
        E::default().table_name().to_owned()
    }
}
