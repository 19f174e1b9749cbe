//! The hooks of a `ModelAdmin` behind one object-safe trait, on top of the entity's binding:
//! each hook sees the entity's own model of the rows the binding read. The writes themselves
//! are the binding's (see `admin::write`).

use std::any::Any;
use std::marker::PhantomData;

use async_trait::async_trait;
use sea_orm::{Condition, DatabaseTransaction};

use super::action::Action;
use super::column::Compute;
use super::model_admin::ModelAdmin;
use crate::auth::admin_users;
use crate::orm::{ModelEntity, ModelInfo, Record, active_of, model_of};
use crate::{Context, Error, Perm};

/// The hooks of a `ModelAdmin`, callable without knowing its entity.
#[async_trait(?Send)]
pub(crate) trait Hooks: Send + Sync {
    fn computed(&self, index: usize, info: &ModelInfo, record: &Record) -> String;
    /// The `ModelAdmin`'s own title for the row, if it gives one.
    fn title(&self, info: &ModelInfo, record: &Record) -> Option<String>;
    fn get_query(&self, ctx: &Context) -> Condition;
    /// Asks the permission hook `gate` about `row` (`None`: the model as a whole).
    async fn gate(
        &self,
        ctx: &Context,
        gate: Perm,
        info: &ModelInfo,
        row: Option<&Record>,
    ) -> Result<(), Error>;
    /// `save_model` on `new`, the entity's active model about to be written.
    async fn save_model(
        &self,
        ctx: &Context,
        old: Option<&Record>,
        new: &mut dyn Any,
    ) -> Result<(), Error>;
    /// Runs custom action number `index` on `rows`; returns its message.
    async fn action(
        &self,
        index: usize,
        ctx: &Context,
        txn: &DatabaseTransaction,
        rows: &[Record],
    ) -> Result<String, Error>;
}

struct Typed<E: ModelEntity, A> {
    admin: A,
    /// On the user table, the admin-flag column: only admins change or delete an admin user.
    admin_flag: Option<String>,
    computed: Vec<Compute<E>>,
    actions: Vec<Action<E>>,
    entity: PhantomData<fn() -> E>,
}

#[async_trait(?Send)]
impl<E: ModelEntity, A: ModelAdmin<E>> Hooks for Typed<E, A> {
    fn computed(&self, index: usize, _: &ModelInfo, record: &Record) -> String {
        match (self.computed.get(index), record.model::<E::Model>()) {
            (Some(compute), Some(model)) => compute(model),
            _ => String::new(),
        }
    }

    fn title(&self, _: &ModelInfo, record: &Record) -> Option<String> {
        self.admin.title(record.model::<E::Model>()?)
    }

    fn get_query(&self, ctx: &Context) -> Condition {
        self.admin.get_query(ctx)
    }

    async fn gate(
        &self,
        ctx: &Context,
        gate: Perm,
        info: &ModelInfo,
        row: Option<&Record>,
    ) -> Result<(), Error> {
        let record = row;
        let row = row.map(model_of::<E::Model>).transpose()?;
        let model_ctx = &ctx.for_model(&info.slug);
        let verdict = match gate {
            Perm::View => self.admin.has_view_permission(model_ctx, row).await,
            Perm::Add => self.admin.has_add_permission(model_ctx).await,
            Perm::Change => self.admin.has_change_permission(model_ctx, row).await,
            Perm::Delete => self.admin.has_delete_permission(model_ctx, row).await,
        };
        verdict?;
        // After the permission, so that a caller who may only view gets the read-only page.
        if matches!(gate, Perm::Change | Perm::Delete)
            && let (Some(flag), Some(record)) = (&self.admin_flag, record)
        {
            admin_users::may_change(ctx, info, flag, record)?;
        }
        Ok(())
    }

    async fn save_model(
        &self,
        ctx: &Context,
        old: Option<&Record>,
        new: &mut dyn Any,
    ) -> Result<(), Error> {
        let old = old.map(model_of::<E::Model>).transpose()?;
        self.admin.save_model(ctx, old, active_of::<E>(new)?).await
    }

    async fn action(
        &self,
        index: usize,
        ctx: &Context,
        txn: &DatabaseTransaction,
        rows: &[Record],
    ) -> Result<String, Error> {
        let action = self.actions.get(index).ok_or(Error::NotFound)?;
        let models = rows
            .iter()
            .map(|row| model_of::<E::Model>(row).cloned())
            .collect::<Result<Vec<_>, _>>()?;
        (action.run)(ctx, txn, models).await
    }
}

/// The hooks of `admin` for entity `E`, with its computed columns and actions.
pub(crate) fn typed<E: ModelEntity, A: ModelAdmin<E>>(
    admin: A,
    computed: Vec<Compute<E>>,
    actions: Vec<Action<E>>,
    admin_flag: Option<String>,
) -> Box<dyn Hooks> {
    Box::new(Typed {
        admin,
        admin_flag,
        computed,
        actions,
        entity: PhantomData,
    })
}
