//! One registered entity with its type erased, the way axum's `boxed.rs` erases handlers:
//! registration is generic ([`Binding::of`]), storage is not. A [`Binding`] wraps a small
//! object-safe trait whose one implementation, private here, holds the entity's type; the
//! admin and the REST API both read and write every entity through it, and their own
//! per-model hooks sit on top of it.

use std::any::Any;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::future::{BoxFuture, LocalBoxFuture};
use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseExecutor, DbBackend, DbErr, EntityTrait,
    FromQueryResult, IntoActiveModel, Iterable, ModelTrait, QueryFilter, QueryResult, Statement,
    TryIntoModel, Value,
};

use super::kept::Kept;
use super::model::{ModelInfo, column_expr};
use super::page::{Join, Lookup, ONE, Page, Window};
use super::query::Query;
use super::record::Record;
use super::save::{self, Step, WriteError};

/// A SeaORM entity the admin and the REST API can serve: one whose model can be shared across
/// threads and turned back into an active model. A name for those bounds, implemented for
/// every entity that meets them (every one `DeriveEntityModel` or `#[sea_orm::model]`
/// generates): there is nothing to implement, and no other impl can exist.
pub trait ModelEntity:
    EntityTrait<
        Model: Sync + IntoActiveModel<Self::ActiveModel>,
        ActiveModel: Send + Sync + TryIntoModel<Self::Model>,
    >
{
}

impl<E> ModelEntity for E where
    E: EntityTrait<
            Model: Sync + IntoActiveModel<E::ActiveModel>,
            ActiveModel: Send + Sync + TryIntoModel<E::Model>,
        >
{
}

/// One registered entity: its metadata, and its reads and writes in terms of [`Record`]s.
/// Cheap to clone.
#[derive(Clone)]
pub struct Binding(Arc<dyn Bound>);

impl Binding {
    /// The binding of entity `E`, served under `slug` (default: its table name).
    ///
    /// # Panics
    /// At registration, if `E`'s primary key spans several columns (see [`ModelInfo::of`]).
    pub fn of<E: ModelEntity>(slug: Option<&str>) -> Self {
        let mut info = ModelInfo::of::<E>();
        if let Some(slug) = slug {
            info.slug = slug.to_owned();
        }
        Self(Arc::new(Typed::<E>::new(info)))
    }

    /// The entity's metadata.
    pub fn info(&self) -> &ModelInfo {
        self.0.info()
    }

    /// Whether rows of this entity can be read by column kind instead of through its model
    /// (see [`super::values`]): no JSON, binary or other column, and none that the entity
    /// selects through an expression of its own (`ColumnTrait::select_as`).
    pub(crate) fn readable_by_kind(&self) -> bool {
        self.0.readable_by_kind()
    }

    /// Whether its rows are still read by column kind (see [`Typed::by_kind`]).
    #[cfg(test)]
    pub(crate) fn reads_by_kind(&self) -> bool {
        self.0.reads_by_kind()
    }

    /// Reads a row of this entity that a page joins, from the columns of `result` at
    /// position `start` and after, which are named with `prefix`; `None` when its primary
    /// key is NULL (an outer join that matched nothing) or it cannot be read.
    pub(crate) fn read_at(
        &self,
        result: &QueryResult,
        start: usize,
        prefix: &str,
        backend: DbBackend,
    ) -> Result<Option<Record>, DbErr> {
        self.0.read_at(result, start, prefix, backend)
    }

    /// One page of the rows matching `query` in one statement: with each row the rows its
    /// `joins` refer to and, when `count` is set, the number of matching rows.
    pub async fn page(
        &self,
        db: &DatabaseExecutor<'_>,
        query: &Query,
        window: Window,
        joins: &[Join<'_>],
        count: bool,
    ) -> Result<Page, DbErr> {
        self.0.page(db, query, window, joins, count, None).await
    }

    /// The row of `query` whose `column` equals `key` (a unique key, such as the primary
    /// key) as a page of at most one row, with the rows its `joins` refer to, in one
    /// statement. The statement is kept per shape of lookup, and each call binds its key in it.
    /// `first`, when given, is a write whose answer is not needed (an audit entry) run just
    /// before: on SQLite the two go to the connection's thread together, in one round trip.
    pub(crate) async fn one(
        &self,
        db: &DatabaseExecutor<'_>,
        first: Option<Statement>,
        query: &Query,
        column: &str,
        key: Value,
        joins: &[Join<'_>],
    ) -> Result<Page, DbErr> {
        let lookup = Lookup { column, key, first };
        self.0
            .page(db, query, ONE, joins, false, Some(lookup))
            .await
    }

    /// The rows matching `query`, in its order, within `window`.
    pub async fn list(
        &self,
        db: &DatabaseExecutor<'_>,
        query: &Query,
        window: Window,
    ) -> Result<Vec<Record>, DbErr> {
        Ok(self.page(db, query, window, &[], false).await?.rows)
    }

    /// The rows whose `column` is one of `values` and that match `scope`, in one query.
    pub async fn find_in(
        &self,
        db: &DatabaseExecutor<'_>,
        column: &str,
        values: Vec<Value>,
        scope: Condition,
    ) -> Result<Vec<Record>, DbErr> {
        self.0.find_in(db, column, values, scope).await
    }

    /// The values a new row starts with, in the order of [`ModelInfo::columns`]: those the
    /// entity's `ActiveModelBehavior::new()` sets, then the declared defaults (now, for a
    /// `CURRENT_TIMESTAMP`); NULL for the others.
    pub fn defaults(&self) -> Record {
        self.0.defaults()
    }

    /// Writes a row through the write pipeline (`orm::save`) with a front door's `step`:
    /// inserts one from column values when `old` is `None`, else changes `old` (a row read
    /// through this binding). Returns the row as stored.
    pub(crate) async fn save(
        &self,
        db: &DatabaseExecutor<'_>,
        old: Option<&Record>,
        values: Vec<(String, Value)>,
        step: &dyn Step,
    ) -> Result<Record, WriteError> {
        self.0.save(db, old, values, step).await
    }

    /// Deletes `row` (read through this binding) through `ActiveModel::delete`, so the
    /// entity's `before_delete` and `after_delete` run; returns how many rows went.
    pub(crate) async fn remove(
        &self,
        db: &DatabaseExecutor<'_>,
        row: &Record,
    ) -> Result<u64, WriteError> {
        self.0.remove(db, row).await
    }

    /// The rows with these primary keys.
    pub(crate) async fn by_keys(
        &self,
        db: &DatabaseExecutor<'_>,
        pks: Vec<Value>,
    ) -> Result<Vec<Record>, DbErr> {
        let pk = &self.info().pk_column().name;
        self.find_in(db, pk, pks, Condition::all()).await
    }
}

/// What the entity's type is needed for; everything else a [`Binding`] does is built on it.
trait Bound: Send + Sync {
    fn info(&self) -> &ModelInfo;

    fn readable_by_kind(&self) -> bool;

    #[cfg(test)]
    fn reads_by_kind(&self) -> bool;

    fn read_at(
        &self,
        result: &QueryResult,
        start: usize,
        prefix: &str,
        backend: DbBackend,
    ) -> Result<Option<Record>, DbErr>;

    fn page<'a>(
        &'a self,
        db: &'a DatabaseExecutor<'a>,
        query: &'a Query,
        window: Window,
        joins: &'a [Join<'a>],
        count: bool,
        lookup: Option<Lookup<'a>>,
    ) -> BoxFuture<'a, Result<Page, DbErr>>;

    fn find_in<'a>(
        &'a self,
        db: &'a DatabaseExecutor<'a>,
        column: &'a str,
        values: Vec<Value>,
        scope: Condition,
    ) -> BoxFuture<'a, Result<Vec<Record>, DbErr>>;

    fn defaults(&self) -> Record;

    fn save<'a>(
        &'a self,
        db: &'a DatabaseExecutor<'a>,
        old: Option<&'a Record>,
        values: Vec<(String, Value)>,
        step: &'a dyn Step,
    ) -> LocalBoxFuture<'a, Result<Record, WriteError>>;

    fn remove<'a>(
        &'a self,
        db: &'a DatabaseExecutor<'a>,
        row: &'a Record,
    ) -> LocalBoxFuture<'a, Result<u64, WriteError>>;
}

/// The one implementation of [`Bound`]: the entity's metadata, and its type.
pub(super) struct Typed<E> {
    pub(super) info: ModelInfo,
    /// Whether rows are read by position and column kind and their models built from the
    /// values; cleared for good the first time a row's values do not make a model (a field
    /// of another type than its column's kind), after which rows are read through the model.
    pub(super) by_kind: AtomicBool,
    /// The statements of its first pages and lookups.
    pub(super) kept: Kept,
    entity: PhantomData<fn() -> E>,
}

impl<E: ModelEntity> Typed<E> {
    fn new(info: ModelInfo) -> Self {
        Self {
            by_kind: AtomicBool::new(readable_by_kind::<E>(&info)),
            info,
            kept: Kept::default(),
            entity: PhantomData,
        }
    }
}

/// Whether rows of `E` can be read by column kind (see [`Binding::readable_by_kind`]).
fn readable_by_kind<E: EntityTrait>(info: &ModelInfo) -> bool {
    super::values::readable(info)
        && E::Column::iter().all(|column| {
            let plain = Expr::col(column);
            column.select_as(plain.clone()) == plain
        })
}

/// Reads the listed row of a page of `E`, whose columns come first in `result`: by kind
/// while `by_kind` is set (see [`Typed::by_kind`]), else through the model, which says what
/// it could not read.
pub(super) fn read_row<E: ModelEntity>(
    info: &ModelInfo,
    by_kind: &AtomicBool,
    result: &QueryResult,
    backend: DbBackend,
) -> Result<Record, DbErr> {
    if let Some(Some(row)) = read_by_kind::<E>(info, by_kind, result, 0, backend) {
        return Ok(row);
    }
    Ok(record_of::<E>(E::Model::from_query_result(result, "")?))
}

/// Reads a row of `E` that a page joins, from the columns of `result` at position `start`
/// and after, named with `prefix`; `None` when there is none (an outer join that matched
/// nothing) or it cannot be read.
fn read_related<E: ModelEntity>(
    info: &ModelInfo,
    by_kind: &AtomicBool,
    result: &QueryResult,
    start: usize,
    prefix: &str,
    backend: DbBackend,
) -> Result<Option<Record>, DbErr> {
    if let Some(row) = read_by_kind::<E>(info, by_kind, result, start, backend) {
        return Ok(row);
    }
    Ok(E::Model::from_query_result_optional(result, prefix)?.map(record_of::<E>))
}

/// The row from its values read by kind (`None` inside when its primary key is NULL), when
/// `by_kind` is set and they make a model. A value its column's kind cannot read is this
/// row's (the model will not read it either); a model the values cannot make is the
/// entity's (a field of another type than its column's kind), and clears `by_kind`.
fn read_by_kind<E: ModelEntity>(
    info: &ModelInfo,
    by_kind: &AtomicBool,
    result: &QueryResult,
    start: usize,
    backend: DbBackend,
) -> Option<Option<Record>> {
    if !by_kind.load(Ordering::Relaxed) {
        return None;
    }
    let values = super::values::read(info, result, start, backend).ok()?;
    if super::value::is_null(&values[info.pk]) {
        return Some(None);
    }
    let mut active = <E::ActiveModel as ActiveModelTrait>::default();
    let model = E::Column::iter()
        .zip(values)
        .try_for_each(|(column, value)| active.try_set(column, value))
        .and_then(|()| active.try_into_model());
    match model {
        Ok(model) => Some(Some(record_of::<E>(model))),
        Err(_) => {
            by_kind.store(false, Ordering::Relaxed);
            None
        }
    }
}

impl<E: ModelEntity> Bound for Typed<E> {
    fn info(&self) -> &ModelInfo {
        &self.info
    }

    fn readable_by_kind(&self) -> bool {
        readable_by_kind::<E>(&self.info)
    }

    #[cfg(test)]
    fn reads_by_kind(&self) -> bool {
        self.by_kind.load(Ordering::Relaxed)
    }

    fn read_at(
        &self,
        result: &QueryResult,
        start: usize,
        prefix: &str,
        backend: DbBackend,
    ) -> Result<Option<Record>, DbErr> {
        read_related::<E>(&self.info, &self.by_kind, result, start, prefix, backend)
    }

    fn page<'a>(
        &'a self,
        db: &'a DatabaseExecutor<'a>,
        query: &'a Query,
        window: Window,
        joins: &'a [Join<'a>],
        count: bool,
        lookup: Option<Lookup<'a>>,
    ) -> BoxFuture<'a, Result<Page, DbErr>> {
        Box::pin(super::page::fetch(
            self, db, query, window, joins, count, lookup,
        ))
    }

    fn find_in<'a>(
        &'a self,
        db: &'a DatabaseExecutor<'a>,
        column: &'a str,
        values: Vec<Value>,
        scope: Condition,
    ) -> BoxFuture<'a, Result<Vec<Record>, DbErr>> {
        Box::pin(async move {
            if values.is_empty() {
                return Ok(Vec::new());
            }
            let models = E::find()
                .filter(column_expr(&self.info.table, column).is_in(values))
                .filter(scope)
                .all(db)
                .await?;
            Ok(models.into_iter().map(record_of::<E>).collect())
        })
    }

    fn defaults(&self) -> Record {
        Record::new(save::defaults::<E>(&self.info))
    }

    fn save<'a>(
        &'a self,
        db: &'a DatabaseExecutor<'a>,
        old: Option<&'a Record>,
        values: Vec<(String, Value)>,
        step: &'a dyn Step,
    ) -> LocalBoxFuture<'a, Result<Record, WriteError>> {
        match old {
            None => Box::pin(save::create::<E>(&self.info, db, values, step)),
            Some(old) => Box::pin(save::update::<E>(&self.info, db, old, values, step)),
        }
    }

    fn remove<'a>(
        &'a self,
        db: &'a DatabaseExecutor<'a>,
        row: &'a Record,
    ) -> LocalBoxFuture<'a, Result<u64, WriteError>> {
        Box::pin(async move {
            let model = model_of::<E::Model>(row)?.clone();
            save::delete::<E>(db, model).await
        })
    }
}

/// A row as a [`Record`] that keeps the typed model for the hooks.
pub(crate) fn record_of<E: EntityTrait<Model: Sync>>(model: E::Model) -> Record {
    let values = E::Column::iter().map(|column| model.get(column)).collect();
    Record::typed(values, model)
}

/// The entity's own model inside a row read or written through its binding.
pub(crate) fn model_of<M: 'static>(row: &Record) -> Result<&M, WriteError> {
    let missing = || crate::Error::Internal("a row was read without its model".into());
    row.model::<M>()
        .ok_or_else(|| WriteError::Hook(Box::new(missing())))
}

/// The entity's active model a [`Step`] is handed, when it is `E`'s.
pub(crate) fn active_of<E: EntityTrait>(
    new: &mut dyn Any,
) -> Result<&mut E::ActiveModel, WriteError> {
    new.downcast_mut().ok_or_else(|| {
        WriteError::Hook(Box::new(crate::Error::Internal(
            "a write reached the hooks of another entity".into(),
        )))
    })
}
