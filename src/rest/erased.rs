//! A registered resource with its entity type erased: its hooks and writes, called on
//! [`Record`]s, reach the typed model each record carries.

use std::marker::PhantomData;
use std::sync::Arc;

use sea_orm::{ActiveModelTrait, ActiveValue, DatabaseExecutor, EntityTrait, IntoActiveModel};
use sea_orm::{Condition, Iterable, Value};
use serde_json::{Map, Value as Json};

use super::authentication::Authentication;
use super::resource::{RestResource, Settings};
use crate::audit::{Trail, row_values};
use crate::orm::save::{self, SaveHook};
use crate::orm::{self, ErasedModel, ModelInfo, Record, record_of};
use crate::{Context, Error};

/// What a write needs besides the values: the transaction, the caller and the text limit.
pub(crate) struct Write<'a> {
    pub(crate) db: &'a DatabaseExecutor<'a>,
    pub(crate) ctx: &'a Context,
    pub(crate) text_bytes: usize,
}

/// The hooks and writes of a resource, callable without knowing its entity.
#[async_trait::async_trait(?Send)]
pub(crate) trait Hooks: Send + Sync {
    fn get_query(&self, ctx: &Context) -> Condition;
    async fn check_get(&self, ctx: &Context, row: Option<&Record>) -> Result<(), Error>;
    async fn check_put(&self, ctx: &Context, row: &Record) -> Result<(), Error>;
    async fn check_delete(&self, ctx: &Context, row: &Record) -> Result<(), Error>;
    fn prepare_data(
        &self,
        ctx: &Context,
        row: &Record,
        data: Map<String, Json>,
    ) -> Result<Map<String, Json>, Error>;
    /// Inserts a row through the write pipeline, with `before_save` and `check_post`.
    async fn create(
        &self,
        write: &Write<'_>,
        values: Vec<(String, Value)>,
    ) -> Result<Record, Error>;
    /// Changes `row` through the write pipeline, with `before_save`.
    async fn update(
        &self,
        write: &Write<'_>,
        row: &Record,
        values: Vec<(String, Value)>,
    ) -> Result<Record, Error>;
    /// Deletes `row` through its entity's `before_delete` and `after_delete`, with its audit
    /// entry.
    async fn delete(
        &self,
        ctx: &Context,
        db: &DatabaseExecutor<'_>,
        row: &Record,
    ) -> Result<u64, Error>;
}

struct Typed<E, R> {
    resource: R,
    info: ModelInfo,
    /// Write-only columns, recorded as redacted: `exclude` and the user's password column.
    redacted: Vec<String>,
    entity: PhantomData<fn() -> E>,
}

/// The typed model inside a record the API read or wrote.
fn model_of<M: 'static>(row: &Record) -> Result<&M, Error> {
    row.model::<M>()
        .ok_or_else(|| Error::internal("a row was read without its model"))
}

/// The resource's `before_save`, then the stored-length check and, on a create, `check_post`:
/// the API's own step of the write pipeline; after the write, its audit entry.
struct Front<'a, E, R> {
    resource: &'a R,
    ctx: &'a Context,
    info: &'a ModelInfo,
    redacted: &'a [String],
    text_bytes: usize,
    entity: PhantomData<fn() -> E>,
}

#[async_trait::async_trait]
impl<'a, E, R> SaveHook<E> for Front<'a, E, R>
where
    E: EntityTrait<Model: Sync, ActiveModel: Send + Sync>,
    R: RestResource<E>,
{
    type Error = Error;

    async fn before_save(
        &self,
        old: Option<&E::Model>,
        new: &mut E::ActiveModel,
    ) -> Result<(), Error> {
        self.resource.before_save(self.ctx, old, new).await?;
        // Checked on what is stored, so a password is measured as its hash.
        for (column, info) in E::Column::iter().zip(&self.info.columns) {
            if let ActiveValue::Set(value) = new.get(column) {
                orm::check_fits(info, &value, self.text_bytes)?;
            }
        }
        if old.is_none() {
            self.resource
                .check_post(self.ctx, new)
                .await
                .map_err(Error::Forbidden)?;
        }
        Ok(())
    }

    async fn saved(
        &self,
        db: &DatabaseExecutor<'_>,
        old: Option<&E::Model>,
        new: &E::Model,
    ) -> Result<(), Error> {
        let trail = Trail {
            ctx: self.ctx,
            redacted: self.redacted,
        };
        let new = row_values::<E>(new);
        match old {
            None => trail.create(db, self.info, &new).await?,
            Some(old) => {
                let old = row_values::<E>(old);
                trail.update(db, self.info, &old, &new).await?;
            }
        }
        Ok(())
    }
}

#[async_trait::async_trait(?Send)]
impl<E, R> Hooks for Typed<E, R>
where
    E: EntityTrait<Model: Sync, ActiveModel: Send + Sync>,
    E::Model: IntoActiveModel<E::ActiveModel>,
    R: RestResource<E>,
{
    fn get_query(&self, ctx: &Context) -> Condition {
        self.resource.get_query(ctx)
    }

    async fn check_get(&self, ctx: &Context, row: Option<&Record>) -> Result<(), Error> {
        let row = row.map(model_of::<E::Model>).transpose()?;
        Ok(self.resource.check_get(ctx, row).await?)
    }

    async fn check_put(&self, ctx: &Context, row: &Record) -> Result<(), Error> {
        let row = model_of::<E::Model>(row)?;
        Ok(self.resource.check_put(ctx, row).await?)
    }

    async fn check_delete(&self, ctx: &Context, row: &Record) -> Result<(), Error> {
        let row = model_of::<E::Model>(row)?;
        Ok(self.resource.check_delete(ctx, row).await?)
    }

    fn prepare_data(
        &self,
        ctx: &Context,
        row: &Record,
        data: Map<String, Json>,
    ) -> Result<Map<String, Json>, Error> {
        let row = model_of::<E::Model>(row)?;
        Ok(self.resource.prepare_data(ctx, row, data))
    }

    async fn create(
        &self,
        write: &Write<'_>,
        values: Vec<(String, Value)>,
    ) -> Result<Record, Error> {
        let model = save::create::<E, _>(&self.info, write.db, values, &self.front(write)).await?;
        Ok(record_of::<E>(model))
    }

    async fn update(
        &self,
        write: &Write<'_>,
        row: &Record,
        values: Vec<(String, Value)>,
    ) -> Result<Record, Error> {
        let old = model_of::<E::Model>(row)?.clone();
        let model =
            save::update::<E, _>(&self.info, write.db, old, values, &self.front(write)).await?;
        Ok(record_of::<E>(model))
    }

    async fn delete(
        &self,
        ctx: &Context,
        db: &DatabaseExecutor<'_>,
        row: &Record,
    ) -> Result<u64, Error> {
        let model = model_of::<E::Model>(row)?.clone();
        let old = row_values::<E>(&model);
        let deleted = save::delete::<E>(db, model).await?;
        if deleted > 0 {
            let trail = Trail {
                ctx,
                redacted: &self.redacted,
            };
            trail.delete(db, &self.info, &old).await?;
        }
        Ok(deleted)
    }
}

impl<E, R> Typed<E, R>
where
    E: EntityTrait<Model: Sync, ActiveModel: Send + Sync>,
    R: RestResource<E>,
{
    fn front<'a>(&'a self, write: &'a Write<'_>) -> Front<'a, E, R> {
        Front {
            resource: &self.resource,
            ctx: write.ctx,
            info: &self.info,
            redacted: &self.redacted,
            text_bytes: write.text_bytes,
            entity: PhantomData,
        }
    }
}

/// Everything the views need about one resource.
pub(crate) struct Resource {
    pub(crate) model: Arc<dyn ErasedModel>,
    pub(crate) settings: Settings,
    pub(crate) hooks: Box<dyn Hooks>,
    pub(crate) auth: Arc<dyn Authentication>,
}

impl Resource {
    /// The resource `resource` of `model`; `password` is the user table's password column
    /// when `model` is the user table (recorded as redacted, like `exclude`).
    pub(crate) fn new<E, R>(
        model: Arc<dyn ErasedModel>,
        resource: R,
        auth: Arc<dyn Authentication>,
        password: Option<String>,
    ) -> Self
    where
        E: EntityTrait<Model: Sync, ActiveModel: Send + Sync>,
        E::Model: IntoActiveModel<E::ActiveModel>,
        R: RestResource<E>,
    {
        let settings = Settings::read::<E, R>(&resource, model.info());
        let info = model.info().clone();
        let mut redacted = settings.exclude.clone();
        redacted.extend(password);
        Self {
            model,
            settings,
            hooks: Box::new(Typed::<E, R> {
                resource,
                info,
                redacted,
                entity: PhantomData,
            }),
            auth,
        }
    }

    pub(crate) fn info(&self) -> &ModelInfo {
        self.model.info()
    }
}
