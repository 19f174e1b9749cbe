//! Entities registered generically, stored type-erased: one set of routes serves them all.

use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, DatabaseExecutor, DbErr, EntityTrait,
    FromQueryResult, IdenStatic, IntoActiveModel, Iterable, ModelTrait, QueryFilter, QueryResult,
    Value,
};

use super::model::{ModelInfo, column_expr};
use super::page::{Join, Page, Window};
use super::query::Query;
use super::record::Record;
use super::save::{self, WriteError};

/// One registered entity, with its type erased: reads and writes in terms of [`Record`]s.
pub trait ErasedModel: Send + Sync {
    /// The entity's metadata.
    fn info(&self) -> &ModelInfo;

    /// Counts the rows matching `query`.
    fn count<'a>(
        &'a self,
        db: &'a DatabaseExecutor<'a>,
        query: &'a Query,
    ) -> BoxFuture<'a, Result<u64, DbErr>>;

    /// One page of the rows matching `query` in one statement: with each row the rows its
    /// `joins` refer to and, when `count` is set, the number of matching rows.
    fn page<'a>(
        &'a self,
        db: &'a DatabaseExecutor<'a>,
        query: &'a Query,
        window: Window,
        joins: &'a [Join<'a>],
        count: bool,
    ) -> BoxFuture<'a, Result<Page, DbErr>>;

    /// Reads a row of this model from a result whose column names start with `prefix`;
    /// `None` when there is none (an outer join that matched nothing).
    fn read(&self, result: &QueryResult, prefix: &str) -> Option<Record>;

    /// Fetches the rows matching `query`, in its order, within `window`.
    fn list<'a>(
        &'a self,
        db: &'a DatabaseExecutor<'a>,
        query: &'a Query,
        window: Window,
    ) -> BoxFuture<'a, Result<Vec<Record>, DbErr>>;

    /// Fetches the rows whose `column` is one of `values` and that match `scope`, in one
    /// query.
    fn find_in<'a>(
        &'a self,
        db: &'a DatabaseExecutor<'a>,
        column: &'a str,
        values: Vec<Value>,
        scope: Condition,
    ) -> BoxFuture<'a, Result<Vec<Record>, DbErr>>;

    /// Inserts a row from column values and returns it: the entity's
    /// `ActiveModelBehavior::new()` first, declared defaults for the columns left unset, then
    /// its `before_save` (which may fill required columns) and `after_save`.
    fn insert<'a>(
        &'a self,
        db: &'a DatabaseExecutor<'a>,
        values: Vec<(String, Value)>,
    ) -> BoxFuture<'a, Result<Record, WriteError>>;

    /// Changes the given columns of the row with primary key `pk`, through the entity's
    /// `before_save` and `after_save`; `None` if it is gone.
    fn update<'a>(
        &'a self,
        db: &'a DatabaseExecutor<'a>,
        pk: Value,
        values: Vec<(String, Value)>,
    ) -> BoxFuture<'a, Result<Option<Record>, WriteError>>;

    /// The values a new row starts with, in the order of [`ModelInfo::columns`]: those the
    /// entity's `ActiveModelBehavior::new()` sets, then the declared defaults (now, for a
    /// `CURRENT_TIMESTAMP`); NULL for the others.
    fn defaults(&self) -> Record;

    /// Deletes the rows with these primary keys; returns how many went.
    fn delete<'a>(
        &'a self,
        db: &'a DatabaseExecutor<'a>,
        pks: Vec<Value>,
    ) -> BoxFuture<'a, Result<u64, DbErr>>;
}

struct Entity<E>(ModelInfo, PhantomData<fn() -> E>);

fn column_of<E: EntityTrait>(name: &str) -> Result<E::Column, DbErr> {
    E::Column::iter()
        .find(|column| column.as_str() == name)
        .ok_or_else(|| DbErr::Custom(format!("no column `{name}`")))
}

/// A row as a [`Record`] that keeps the typed model for the hooks.
pub(crate) fn record_of<E: EntityTrait<Model: Sync>>(model: E::Model) -> Record {
    let values = E::Column::iter().map(|column| model.get(column)).collect();
    Record::typed(values, model)
}

impl<E> ErasedModel for Entity<E>
where
    E: EntityTrait,
    E::Model: IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send + Sync,
{
    fn info(&self) -> &ModelInfo {
        &self.0
    }

    fn count<'a>(
        &'a self,
        db: &'a DatabaseExecutor<'a>,
        query: &'a Query,
    ) -> BoxFuture<'a, Result<u64, DbErr>> {
        Box::pin(super::page::total::<E>(db, query))
    }

    fn page<'a>(
        &'a self,
        db: &'a DatabaseExecutor<'a>,
        query: &'a Query,
        window: Window,
        joins: &'a [Join<'a>],
        count: bool,
    ) -> BoxFuture<'a, Result<Page, DbErr>> {
        Box::pin(super::page::fetch::<E>(
            &self.0, db, query, window, joins, count,
        ))
    }

    fn read(&self, result: &QueryResult, prefix: &str) -> Option<Record> {
        let model = E::Model::from_query_result_optional(result, prefix).ok()??;
        Some(record_of::<E>(model))
    }

    fn list<'a>(
        &'a self,
        db: &'a DatabaseExecutor<'a>,
        query: &'a Query,
        window: Window,
    ) -> BoxFuture<'a, Result<Vec<Record>, DbErr>> {
        Box::pin(async move {
            let page = super::page::fetch::<E>(&self.0, db, query, window, &[], false).await?;
            Ok(page.rows)
        })
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
                .filter(column_expr(&self.0.table, column).is_in(values))
                .filter(scope)
                .all(db)
                .await?;
            Ok(models.into_iter().map(record_of::<E>).collect())
        })
    }

    fn insert<'a>(
        &'a self,
        db: &'a DatabaseExecutor<'a>,
        values: Vec<(String, Value)>,
    ) -> BoxFuture<'a, Result<Record, WriteError>> {
        Box::pin(async move {
            let model = save::create::<E, _>(&self.0, db, values, &()).await?;
            Ok(record_of::<E>(model))
        })
    }

    fn defaults(&self) -> Record {
        Record::new(save::defaults::<E>(&self.0))
    }

    fn update<'a>(
        &'a self,
        db: &'a DatabaseExecutor<'a>,
        pk: Value,
        values: Vec<(String, Value)>,
    ) -> BoxFuture<'a, Result<Option<Record>, WriteError>> {
        Box::pin(async move {
            let pk_column = column_of::<E>(&self.0.pk_column().name)?;
            let select = E::find().filter(pk_column.eq(pk));
            let Some(model) = super::by_unique_key(select, db).await? else {
                return Ok(None);
            };
            if values.is_empty() {
                return Ok(Some(record_of::<E>(model)));
            }
            let model = save::update::<E, _>(&self.0, db, model, values, &()).await?;
            Ok(Some(record_of::<E>(model)))
        })
    }

    fn delete<'a>(
        &'a self,
        db: &'a DatabaseExecutor<'a>,
        pks: Vec<Value>,
    ) -> BoxFuture<'a, Result<u64, DbErr>> {
        Box::pin(async move {
            if pks.is_empty() {
                return Ok(0);
            }
            let pk = Expr::col(column_of::<E>(&self.0.pk_column().name)?);
            let result = E::delete_many().filter(pk.is_in(pks)).exec(db).await?;
            Ok(result.rows_affected)
        })
    }
}

/// The models known to a site, by slug. Foreign-key traversal in filters follows only models
/// that are registered here.
#[derive(Clone, Default)]
pub struct Registry {
    models: BTreeMap<String, Arc<dyn ErasedModel>>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers an entity (again is harmless) and returns its slug.
    pub fn register<E>(&mut self) -> String
    where
        E: EntityTrait,
        E::Model: IntoActiveModel<E::ActiveModel> + Sync,
        E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send + Sync,
    {
        self.register_as::<E>(None)
    }

    /// Registers an entity under `slug` instead of its table name (the crate's own tables,
    /// such as the audit trail's, are served under short names); returns the slug.
    pub(crate) fn register_as<E>(&mut self, slug: Option<&str>) -> String
    where
        E: EntityTrait,
        E::Model: IntoActiveModel<E::ActiveModel> + Sync,
        E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send + Sync,
    {
        let mut info = ModelInfo::of::<E>();
        if let Some(slug) = slug {
            info.slug = slug.to_owned();
        }
        let slug = info.slug.clone();
        self.models
            .entry(slug.clone())
            .or_insert_with(|| Arc::new(Entity::<E>(info, PhantomData)));
        slug
    }

    /// The erased model registered under `slug`.
    pub fn get(&self, slug: &str) -> Option<&Arc<dyn ErasedModel>> {
        self.models.get(slug)
    }

    /// The metadata of the model registered under `slug`.
    pub fn model(&self, slug: &str) -> Option<&ModelInfo> {
        self.models.get(slug).map(|model| model.info())
    }

    /// Every registered model, by slug.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<dyn ErasedModel>> {
        self.models.values()
    }
}
