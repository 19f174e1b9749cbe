//! A registered resource with its entity type erased.

use std::marker::PhantomData;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use sea_orm::{Condition, EntityTrait};
use serde_json::{Map, Value as Json};

use super::authentication::Authentication;
use super::resource::{ApiContext, RestResource, Settings};
use crate::Error;
use crate::orm::Changes;
use crate::orm::{ErasedModel, ModelInfo, Record};

/// The hooks of a resource, callable without knowing its entity.
pub(crate) trait Hooks: Send + Sync {
    fn get_query(&self, context: &ApiContext) -> Condition;
    fn check_get(&self, context: &ApiContext, row: Option<&Record>) -> bool;
    fn check_post(&self, context: &ApiContext, changes: &Changes) -> bool;
    fn check_put(&self, context: &ApiContext, row: &Record) -> bool;
    fn check_delete(&self, context: &ApiContext, row: &Record) -> bool;
    fn prepare_data(
        &self,
        context: &ApiContext,
        row: &Record,
        data: Map<String, Json>,
    ) -> Map<String, Json>;
    fn before_save<'a>(
        &'a self,
        context: &'a ApiContext,
        row: Option<&'a Record>,
        changes: &'a mut Changes,
    ) -> BoxFuture<'a, Result<(), Error>>;
}

struct Typed<E, R>(R, PhantomData<fn() -> E>);

impl<E: EntityTrait, R: RestResource<E>> Hooks for Typed<E, R> {
    fn get_query(&self, context: &ApiContext) -> Condition {
        self.0.get_query(context)
    }

    fn check_get(&self, context: &ApiContext, row: Option<&Record>) -> bool {
        self.0.check_get(context, row)
    }

    fn check_post(&self, context: &ApiContext, changes: &Changes) -> bool {
        self.0.check_post(context, changes)
    }

    fn check_put(&self, context: &ApiContext, row: &Record) -> bool {
        self.0.check_put(context, row)
    }

    fn check_delete(&self, context: &ApiContext, row: &Record) -> bool {
        self.0.check_delete(context, row)
    }

    fn prepare_data(
        &self,
        context: &ApiContext,
        row: &Record,
        data: Map<String, Json>,
    ) -> Map<String, Json> {
        self.0.prepare_data(context, row, data)
    }

    fn before_save<'a>(
        &'a self,
        context: &'a ApiContext,
        row: Option<&'a Record>,
        changes: &'a mut Changes,
    ) -> BoxFuture<'a, Result<(), Error>> {
        self.0.before_save(context, row, changes)
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
    pub(crate) fn new<E: EntityTrait, R: RestResource<E>>(
        model: Arc<dyn ErasedModel>,
        resource: R,
        auth: Arc<dyn Authentication>,
    ) -> Self {
        let settings = Settings::read::<E, R>(&resource, model.info());
        Self {
            model,
            settings,
            hooks: Box::new(Typed::<E, R>(resource, PhantomData)),
            auth,
        }
    }

    pub(crate) fn info(&self) -> &ModelInfo {
        self.model.info()
    }
}
