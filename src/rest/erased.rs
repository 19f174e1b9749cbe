//! A registered resource on top of its entity's binding: the resource's hooks behind one
//! object-safe trait (each sees the entity's own model of the rows the binding read), and its
//! writes through the binding's pipeline with the resource's `before_save` as their step.

use std::any::Any;
use std::marker::PhantomData;
use std::sync::Arc;

use sea_orm::{ActiveModelTrait, ActiveValue, DatabaseExecutor};
use sea_orm::{Condition, Iterable, Value};
use serde_json::{Map, Value as Json};

use super::authentication::Authentication;
use super::resource::{RestResource, Settings};
use crate::audit::{Deferred, Trail};
use crate::orm::save::Step;
use crate::orm::{self, Binding, ModelEntity, ModelInfo, Record, WriteError, active_of, model_of};
use crate::{Context, Error};

/// What a write needs besides the values: the transaction, the caller, the text limit, and
/// where its audit entry waits for the transaction's next read, when it does (else it is
/// written at once).
pub(crate) struct Write<'a> {
    pub(crate) db: &'a DatabaseExecutor<'a>,
    pub(crate) ctx: &'a Context,
    pub(crate) text_bytes: usize,
    pub(crate) deferred: Option<&'a Deferred>,
}

/// The hooks of a resource, callable without knowing its entity.
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
    /// The resource's `before_save` on `new`, the entity's active model about to be written,
    /// then the stored-length check (so a password is measured as its hash) and, on a
    /// create, `check_post`.
    async fn before_save(
        &self,
        write: &Write<'_>,
        info: &ModelInfo,
        old: Option<&Record>,
        new: &mut dyn Any,
    ) -> Result<(), Error>;
}

struct Typed<E, R> {
    resource: R,
    entity: PhantomData<fn() -> E>,
}

#[async_trait::async_trait(?Send)]
impl<E: ModelEntity, R: RestResource<E>> Hooks for Typed<E, R> {
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

    async fn before_save(
        &self,
        write: &Write<'_>,
        info: &ModelInfo,
        old: Option<&Record>,
        new: &mut dyn Any,
    ) -> Result<(), Error> {
        let old = old.map(model_of::<E::Model>).transpose()?;
        let new = active_of::<E>(new)?;
        self.resource.before_save(write.ctx, old, new).await?;
        for (column, info) in E::Column::iter().zip(&info.columns) {
            if let ActiveValue::Set(value) = new.get(column) {
                orm::check_fits(info, &value, write.text_bytes)?;
            }
        }
        if old.is_none() {
            self.resource
                .check_post(write.ctx, new)
                .await
                .map_err(Error::Forbidden)?;
        }
        Ok(())
    }
}

/// The resource's `before_save` as the write pipeline's step; after the write, its audit
/// entry (written, or held back in the write's `deferred`).
struct Front<'a> {
    hooks: &'a dyn Hooks,
    write: &'a Write<'a>,
    trail: Trail<'a>,
}

#[async_trait::async_trait(?Send)]
impl Step for Front<'_> {
    async fn before_save(
        &self,
        info: &ModelInfo,
        old: Option<&Record>,
        new: &mut dyn Any,
    ) -> Result<(), WriteError> {
        self.hooks
            .before_save(self.write, info, old, new)
            .await
            .map_err(|error| WriteError::Hook(Box::new(error)))
    }

    async fn saved(
        &self,
        db: &DatabaseExecutor<'_>,
        info: &ModelInfo,
        old: Option<&Record>,
        new: &Record,
    ) -> Result<(), WriteError> {
        match self.write.deferred {
            Some(deferred) => {
                self.trail.defer_saved(deferred, info, old, new);
                Ok(())
            }
            None => Ok(self.trail.saved(db, info, old, new).await?),
        }
    }
}

/// Everything the views need about one resource.
pub(crate) struct Resource {
    pub(crate) model: Binding,
    pub(crate) settings: Settings,
    pub(crate) hooks: Box<dyn Hooks>,
    pub(crate) auth: Arc<dyn Authentication>,
    /// Write-only columns, recorded as redacted: `exclude` and the user's password column.
    redacted: Vec<String>,
}

impl Resource {
    /// The resource `resource` of `model`; `password` is the user table's password column
    /// when `model` is the user table (recorded as redacted, like `exclude`).
    pub(crate) fn new<E: ModelEntity, R: RestResource<E>>(
        model: Binding,
        resource: R,
        auth: Arc<dyn Authentication>,
        password: Option<String>,
    ) -> Self {
        let settings = Settings::read::<E, R>(&resource, model.info());
        let mut redacted = settings.exclude.clone();
        redacted.extend(password);
        Self {
            model,
            settings,
            hooks: Box::new(Typed::<E, R> {
                resource,
                entity: PhantomData,
            }),
            auth,
            redacted,
        }
    }

    pub(crate) fn info(&self) -> &ModelInfo {
        self.model.info()
    }

    fn trail<'a>(&'a self, ctx: &'a Context) -> Trail<'a> {
        Trail {
            ctx,
            redacted: &self.redacted,
        }
    }

    fn front<'a>(&'a self, write: &'a Write<'a>) -> Front<'a> {
        Front {
            hooks: &*self.hooks,
            write,
            trail: self.trail(write.ctx),
        }
    }

    /// Inserts a row through the write pipeline, with `before_save` and `check_post`.
    pub(crate) async fn create(
        &self,
        write: &Write<'_>,
        values: Vec<(String, Value)>,
    ) -> Result<Record, Error> {
        let front = self.front(write);
        Ok(self.model.save(write.db, None, values, &front).await?)
    }

    /// Changes `row` through the write pipeline, with `before_save`.
    pub(crate) async fn update(
        &self,
        write: &Write<'_>,
        row: &Record,
        values: Vec<(String, Value)>,
    ) -> Result<Record, Error> {
        let front = self.front(write);
        Ok(self.model.save(write.db, Some(row), values, &front).await?)
    }

    /// Deletes `row` through its entity's `before_delete` and `after_delete`, with its audit
    /// entry.
    pub(crate) async fn delete(
        &self,
        ctx: &Context,
        db: &DatabaseExecutor<'_>,
        row: &Record,
    ) -> Result<u64, Error> {
        let deleted = self.model.remove(db, row).await?;
        if deleted > 0 {
            self.trail(ctx)
                .delete(db, self.info(), row.values())
                .await?;
        }
        Ok(deleted)
    }
}
