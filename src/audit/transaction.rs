//! [`Transaction`]: a site's own writes (command-line tools, its pages, panels), each recorded
//! in the audit trail by the transaction that makes it.

use std::ops::Deref;

use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, DatabaseExecutor, DatabaseTransaction,
    DbErr, EntityName, EntityTrait, IntoActiveModel, Iterable, ModelTrait, PrimaryKeyToColumn,
    QueryFilter, QuerySelect, TransactionTrait, Value,
};

use super::many;
use super::write::{Trail, row_values};
use crate::Context;
use crate::orm::ModelInfo;
use crate::orm::lock::{self, WriteTransaction};

/// The row type of active model `A`.
pub(super) type ModelOf<A> = <<A as ActiveModelTrait>::Entity as EntityTrait>::Model;

/// A database transaction whose writes are recorded in the audit trail, for the writes a site
/// makes itself: its command-line tools, its own pages, its panels. (The admin and the REST
/// API record theirs without it.) Each `insert`, `update` and `delete` runs the entity's
/// `ActiveModelBehavior` hooks, as SeaORM's own methods do, and writes the entry beside the
/// row: when either fails, nothing is committed. Entries name the caller of the
/// [`Context`] (its user, client address and channel: `cli` for [`Context::cli`], `site` for
/// the context a site's handler extracts) and the entity's table as the model.
///
/// The transaction dereferences to SeaORM's [`DatabaseTransaction`] for statements that need
/// no entry (reads, or rows the trail does not track). Dropped without
/// [`commit`](Self::commit), it rolls back. Entities need a single-column primary key, as
/// everywhere in the crate; a write to one without panics.
///
/// On SQLite the transactions of a process take turns and share commits with the admin's and
/// the API's writes: [`commit`](Self::commit) returns once the commit that covers this
/// transaction is done, which may wait for the writers that came after it (up to 32 of them,
/// or 100 ms of them). Hold no lock of your own across `commit` that those writers might take,
/// and begin no second transaction on the same database while one is open: it waits for the
/// turn the first one holds, and ends in a timeout (503).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), sea_orm::DbErr> {
/// use actix_sea::groups::group;
/// use actix_sea::{Context, audit};
/// use sea_orm::{ActiveValue::Set, EntityTrait, IntoActiveModel};
/// # use sea_orm_migration::MigratorTrait;
/// # struct Migrator;
/// # impl MigratorTrait for Migrator {
/// #     fn migrations() -> Vec<Box<dyn sea_orm_migration::MigrationTrait>> { actix_sea::db::migrations() }
/// # }
/// let db = actix_sea::db::connect("sqlite::memory:").await?;
/// # Migrator::up(&db, None).await?;
/// // A command-line tool: no user; `.redact(user::Column::Password)` would keep a column's
/// // values out of the trail.
/// let txn = audit::Transaction::begin(&db, &Context::cli()).await?;
/// let editors = txn
///     .insert(group::ActiveModel { name: Set("Editors".into()), ..Default::default() })
///     .await?;
/// let mut renamed = editors.into_active_model();
/// renamed.name = Set("Writers".into());
/// let writers = txn.update(renamed).await?;
/// txn.delete(writers).await?;
/// txn.commit().await?;
///
/// let entries = audit::entry::Entity::find().all(&db).await?;
/// let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
/// assert_eq!(actions, ["create", "update", "delete"]);
/// assert_eq!(entries[1].values, r#"{"name":["Editors","Writers"]}"#);
/// assert!(entries.iter().all(|e| e.channel == "cli" && e.actor.is_none()));
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Transaction {
    txn: WriteTransaction,
    ctx: Context,
    /// `(table, column)` of each redacted column.
    redacted: Vec<(&'static str, &'static str)>,
}

impl Transaction {
    /// Begins a transaction on `db` (a connection, or a transaction to nest in) for the writes
    /// of `ctx`'s caller. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so
    /// its reads and writes are one step, after waiting its turn behind the other writers of
    /// the process, as the admin's and the API's writes do.
    ///
    /// # Errors
    /// The database's, when no transaction can begin.
    pub async fn begin<'a>(
        db: impl Into<DatabaseExecutor<'a>>,
        ctx: &Context,
    ) -> Result<Self, DbErr> {
        let txn = match db.into() {
            DatabaseExecutor::Connection(connection) => lock::begin_write(connection).await?,
            outer => WriteTransaction::nested(outer.begin().await?),
        };
        Ok(Self {
            txn,
            ctx: ctx.clone(),
            redacted: Vec::new(),
        })
    }

    /// Records `column`'s values as `"<redacted>"` (see [`super::REDACTED`]): a changed
    /// password shows that it changed, never its value or hash. Default: no column redacted.
    pub fn redact<C: ColumnTrait>(mut self, column: C) -> Self {
        let table = C::EntityName::default().table_name();
        self.redacted.push((table, column.as_str()));
        self
    }

    /// The caller the entries name.
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// The redacted columns of `E`, and its metadata.
    pub(super) fn about<E: EntityTrait>(&self) -> (ModelInfo, Vec<String>) {
        let info = ModelInfo::of::<E>();
        let redacted = self
            .redacted
            .iter()
            .filter(|(table, _)| *table == info.table)
            .map(|(_, column)| (*column).to_owned())
            .collect();
        (info, redacted)
    }

    pub(super) fn trail<'a>(&'a self, redacted: &'a [String]) -> Trail<'a> {
        Trail {
            ctx: &self.ctx,
            redacted,
        }
    }

    /// Inserts `row` (with the entity's `before_save` and `after_save` hooks) and records it
    /// as created; returns the row as stored.
    ///
    /// # Errors
    /// A hook's refusal, or the database's (a unique violation, a failed entry, ...).
    pub async fn insert<A>(&self, row: A) -> Result<ModelOf<A>, DbErr>
    where
        A: ActiveModelTrait + ActiveModelBehavior + Send,
        ModelOf<A>: IntoActiveModel<A>,
    {
        let model = row.insert(&*self.txn).await?;
        let (info, redacted) = self.about::<A::Entity>();
        self.trail(&redacted)
            .create(&*self.txn, &info, &row_values::<A::Entity>(&model))
            .await?;
        Ok(model)
    }

    /// Inserts `rows` with as few statements as the database's parameter limit allows and
    /// records each as created, also with few statements: for bulk work such as seeding.
    /// Every row passes the `before_save` and `after_save` hooks. Returns the rows as stored.
    ///
    /// # Errors
    /// As [`insert`](Self::insert); also when the database cannot say which keys it gave the
    /// rows (it neither supports `RETURNING` nor numbers a statement's rows consecutively),
    /// so that no row goes unrecorded.
    pub async fn insert_many<A, I>(&self, rows: I) -> Result<Vec<ModelOf<A>>, DbErr>
    where
        A: ActiveModelTrait + ActiveModelBehavior + Send,
        ModelOf<A>: IntoActiveModel<A>,
        I: IntoIterator<Item = A>,
    {
        many::insert_many(self, &self.txn, rows).await
    }

    /// Updates `row` (with the entity's hooks) and records the columns that changed, each with
    /// its old and new value; an update that changes nothing records nothing. Returns the row
    /// as stored.
    ///
    /// # Errors
    /// A hook's refusal, the database's, or [`DbErr::RecordNotUpdated`] when no row has the
    /// key.
    pub async fn update<A>(&self, row: A) -> Result<ModelOf<A>, DbErr>
    where
        A: ActiveModelTrait + ActiveModelBehavior + Send,
        ModelOf<A>: IntoActiveModel<A>,
    {
        let old = self
            .stored::<A::Entity>(|column| row.get(column).into_value())
            .await?;
        let new = row.update(&*self.txn).await?;
        if let Some(old) = old {
            let (info, redacted) = self.about::<A::Entity>();
            let (old, new) = (row_values::<A::Entity>(&old), row_values::<A::Entity>(&new));
            self.trail(&redacted)
                .update(&*self.txn, &info, &old, &new)
                .await?;
        }
        Ok(new)
    }

    /// Deletes `row` (with the entity's `before_delete` and `after_delete` hooks) and records
    /// the row as it was stored; returns whether there was a row to delete (one already gone
    /// is not recorded). Rows that the database removes by a cascade are not seen:
    /// delete them first through the transaction.
    ///
    /// # Errors
    /// A hook's refusal or the database's.
    pub async fn delete<M>(&self, row: M) -> Result<bool, DbErr>
    where
        M: ModelTrait + IntoActiveModel<<M::Entity as EntityTrait>::ActiveModel>,
        <M::Entity as EntityTrait>::ActiveModel: ActiveModelBehavior + Send,
    {
        let Some(old) = self
            .stored::<M::Entity>(|column| Some(row.get(column)))
            .await?
        else {
            return Ok(false);
        };
        let done = row.into_active_model().delete(&*self.txn).await?;
        if done.rows_affected == 0 {
            return Ok(false);
        }
        let (info, redacted) = self.about::<M::Entity>();
        self.trail(&redacted)
            .delete(&*self.txn, &info, &row_values::<M::Entity>(&old))
            .await?;
        Ok(true)
    }

    /// The stored row whose key columns hold what `key` gives, locked until the transaction
    /// ends (PostgreSQL and MySQL; SQLite's transaction holds the write lock already).
    async fn stored<E: EntityTrait>(
        &self,
        key: impl Fn(E::Column) -> Option<Value>,
    ) -> Result<Option<E::Model>, DbErr> {
        let mut select = E::find();
        for column in E::PrimaryKey::iter().map(PrimaryKeyToColumn::into_column) {
            let Some(value) = key(column) else {
                return Ok(None);
            };
            select = select.filter(column.eq(value));
        }
        select.lock_exclusive().one(&*self.txn).await
    }

    /// Commits the writes with their entries.
    ///
    /// # Errors
    /// The database's; then nothing was written.
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }

    /// Rolls the writes and their entries back.
    ///
    /// # Errors
    /// The database's.
    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }
}

/// The underlying SeaORM transaction, for statements that need no entry.
impl Deref for Transaction {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}
