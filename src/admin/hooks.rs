//! The hooks of a `ModelAdmin` behind one object-safe trait: rows read by the engine are
//! turned back into the entity's own model before a hook sees them.

use std::marker::PhantomData;

use async_trait::async_trait;
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, Condition, DatabaseExecutor,
    DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel, Iterable, ModelTrait, QueryFilter,
    TryIntoModel, Value,
};

use super::action::Action;
use super::column::Compute;
use super::model_admin::ModelAdmin;
use crate::audit::{Trail, row_values};
use crate::orm::save::SaveHook;
use crate::orm::{ModelInfo, Record, WriteError, save};
use crate::{Context, Error, Invalid, Perm, Refusal};

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
    /// Inserts a row through the write pipeline, with `save_model` as its hook.
    async fn create(
        &self,
        ctx: &Context,
        info: &ModelInfo,
        db: &DatabaseExecutor<'_>,
        values: Vec<(String, Value)>,
    ) -> Result<Record, WriteError>;
    /// Changes `old` through the write pipeline, with `save_model` as its hook.
    async fn update(
        &self,
        ctx: &Context,
        info: &ModelInfo,
        db: &DatabaseExecutor<'_>,
        old: &Record,
        values: Vec<(String, Value)>,
    ) -> Result<Record, WriteError>;
    /// Deletes `rows` one by one through `ActiveModel::delete` (the entity's
    /// `before_delete`/`after_delete` run), each with its audit entry; returns how many went.
    async fn delete(
        &self,
        ctx: &Context,
        info: &ModelInfo,
        txn: &DatabaseTransaction,
        rows: &[Record],
    ) -> Result<u64, Error>;
    /// Runs custom action number `index` on `rows`, then records an entry per row: the
    /// columns the action changed, or the old row when it deleted it.
    async fn action(
        &self,
        index: usize,
        ctx: &Context,
        info: &ModelInfo,
        txn: &DatabaseTransaction,
        rows: &[Record],
    ) -> Result<String, Error>;
}

struct Typed<E: EntityTrait, A> {
    admin: A,
    /// Write-only columns, recorded as redacted: the user table's password column.
    redacted: Vec<String>,
    /// On the user table, the admin-flag column: only admins change or delete an admin user.
    admin_flag: Option<String>,
    computed: Vec<Compute<E>>,
    actions: Vec<Action<E>>,
    entity: PhantomData<fn() -> E>,
}

/// The entity's own model of a row read by the engine.
fn model_of<E>(record: &Record) -> Result<E::Model, DbErr>
where
    E: EntityTrait,
    E::ActiveModel: TryIntoModel<E::Model>,
{
    let mut active = <E::ActiveModel as ActiveModelTrait>::default();
    for (column, value) in E::Column::iter().zip(record.values()) {
        active.try_set(column, value.clone())?;
    }
    active.try_into_model()
}

fn record_of<E: EntityTrait>(model: &E::Model) -> Record {
    Record::new(E::Column::iter().map(|column| model.get(column)).collect())
}

/// A `DbErr::Custom` from the entity's delete hooks refuses the delete; others fail it.
fn delete_refusal(error: DbErr) -> Error {
    match error {
        DbErr::Custom(text) => Error::Invalid(Invalid::from_custom(&text)),
        other => other.into(),
    }
}

#[async_trait(?Send)]
impl<E, A> Hooks for Typed<E, A>
where
    E: EntityTrait,
    E::Model: IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelBehavior + TryIntoModel<E::Model> + Send + Sync,
    A: ModelAdmin<E>,
{
    fn computed(&self, index: usize, _: &ModelInfo, record: &Record) -> String {
        match (self.computed.get(index), model_of::<E>(record)) {
            (Some(compute), Ok(model)) => compute(&model),
            _ => String::new(),
        }
    }

    fn title(&self, _: &ModelInfo, record: &Record) -> Option<String> {
        self.admin.title(&model_of::<E>(record).ok()?)
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
        if matches!(gate, Perm::Change | Perm::Delete)
            && !ctx.is_admin()
            && let (Some(flag), Some(record)) = (&self.admin_flag, row)
            && record.get(info, flag) == Some(&Value::Bool(Some(true)))
        {
            let reason = "only admins may change or delete an admin user";
            return Err(Refusal::new(reason).into());
        }
        let model = row.map(model_of::<E>).transpose()?;
        let row = model.as_ref();
        let ctx = &ctx.for_model(&info.slug);
        let verdict = match gate {
            Perm::View => self.admin.has_view_permission(ctx, row).await,
            Perm::Add => self.admin.has_add_permission(ctx).await,
            Perm::Change => self.admin.has_change_permission(ctx, row).await,
            Perm::Delete => self.admin.has_delete_permission(ctx, row).await,
        };
        Ok(verdict?)
    }

    async fn create(
        &self,
        ctx: &Context,
        info: &ModelInfo,
        db: &DatabaseExecutor<'_>,
        values: Vec<(String, Value)>,
    ) -> Result<Record, WriteError> {
        let hook = SaveModel {
            admin: &self.admin,
            info,
            trail: Trail {
                ctx,
                redacted: &self.redacted,
            },
        };
        let model = save::create::<E, _>(info, db, values, &hook).await?;
        Ok(record_of::<E>(&model))
    }

    async fn update(
        &self,
        ctx: &Context,
        info: &ModelInfo,
        db: &DatabaseExecutor<'_>,
        old: &Record,
        values: Vec<(String, Value)>,
    ) -> Result<Record, WriteError> {
        let old = model_of::<E>(old)?;
        let hook = SaveModel {
            admin: &self.admin,
            info,
            trail: Trail {
                ctx,
                redacted: &self.redacted,
            },
        };
        match save::update::<E, _>(info, db, old, values, &hook).await {
            Ok(model) => Ok(record_of::<E>(&model)),
            // Deleted since the form was read.
            Err(WriteError::Db(DbErr::RecordNotUpdated)) => {
                Err(WriteError::Hook(Box::new(Error::NotFound)))
            }
            Err(error) => Err(error),
        }
    }

    async fn delete(
        &self,
        ctx: &Context,
        info: &ModelInfo,
        txn: &DatabaseTransaction,
        rows: &[Record],
    ) -> Result<u64, Error> {
        let trail = Trail {
            ctx,
            redacted: &self.redacted,
        };
        let mut deleted = 0;
        for row in rows {
            let active = model_of::<E>(row)?.into_active_model();
            let result = active.delete(txn).await.map_err(delete_refusal)?;
            if result.rows_affected > 0 {
                trail.delete(txn, info, row.values()).await?;
            }
            deleted += result.rows_affected;
        }
        Ok(deleted)
    }

    async fn action(
        &self,
        index: usize,
        ctx: &Context,
        info: &ModelInfo,
        txn: &DatabaseTransaction,
        rows: &[Record],
    ) -> Result<String, Error> {
        let action = self.actions.get(index).ok_or(Error::NotFound)?;
        let ctx = &ctx.for_model(&info.slug);
        let models = rows
            .iter()
            .map(model_of::<E>)
            .collect::<Result<Vec<_>, _>>()?;
        let message = (action.run)(ctx, txn, models).await?;
        let trail = Trail {
            ctx,
            redacted: &self.redacted,
        };
        let pk = E::Column::iter().nth(info.pk).ok_or(Error::NotFound)?;
        for row in rows {
            let after = E::find()
                .filter(pk.eq(row.pk(info).clone()))
                .one(txn)
                .await?;
            let after = after.as_ref().map(row_values::<E>);
            trail
                .action(txn, info, &action.name, row.values(), after.as_deref())
                .await?;
        }
        Ok(message)
    }
}

/// The hooks of `admin` for entity `E`, with its computed columns and actions.
pub(crate) fn typed<E, A>(
    admin: A,
    computed: Vec<Compute<E>>,
    actions: Vec<Action<E>>,
    redacted: Vec<String>,
    admin_flag: Option<String>,
) -> Box<dyn Hooks>
where
    E: EntityTrait,
    E::Model: IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelBehavior + TryIntoModel<E::Model> + Send + Sync,
    A: ModelAdmin<E>,
{
    Box::new(Typed {
        admin,
        redacted,
        admin_flag,
        computed,
        actions,
        entity: PhantomData,
    })
}

/// The admin's `save_model`, as the write pipeline's hook: an [`Error::Invalid`] goes beside
/// its fields, any other error is shown as its page. After the write, its audit entry.
struct SaveModel<'a, A> {
    admin: &'a A,
    info: &'a ModelInfo,
    trail: Trail<'a>,
}

#[async_trait]
impl<E, A> SaveHook<E> for SaveModel<'_, A>
where
    E: EntityTrait<Model: Sync, ActiveModel: Send>,
    A: ModelAdmin<E>,
{
    type Error = WriteError;

    async fn before_save(
        &self,
        old: Option<&E::Model>,
        new: &mut E::ActiveModel,
    ) -> Result<(), WriteError> {
        self.admin
            .save_model(self.trail.ctx, old, new)
            .await
            .map_err(|error| match error {
                Error::Invalid(invalid) => WriteError::Invalid(invalid),
                other => WriteError::Hook(Box::new(other)),
            })
    }

    async fn saved(
        &self,
        db: &DatabaseExecutor<'_>,
        old: Option<&E::Model>,
        new: &E::Model,
    ) -> Result<(), WriteError> {
        let new = row_values::<E>(new);
        match old {
            None => self.trail.create(db, self.info, &new).await?,
            Some(old) => {
                let old = row_values::<E>(old);
                self.trail.update(db, self.info, &old, &new).await?;
            }
        }
        Ok(())
    }
}
