//! The admin's writes: the entity binding's write pipeline with `save_model` as the admin's
//! step, and an audit entry for each row written, deleted or touched by an action.

use std::any::Any;

use sea_orm::{DatabaseExecutor, DatabaseTransaction, DbErr, Value};

use super::erased::AdminModel;
use super::hooks::Hooks;
use crate::audit::Trail;
use crate::orm::save::Step;
use crate::orm::{ModelInfo, Record, WriteError};
use crate::{Context, Error};

impl AdminModel {
    /// The audit trail of `ctx`'s writes, with the password column redacted.
    fn trail<'a>(&'a self, ctx: &'a Context) -> Trail<'a> {
        Trail {
            ctx,
            redacted: self.settings.secret.as_slice(),
        }
    }

    fn step<'a>(&'a self, ctx: &'a Context) -> SaveModel<'a> {
        SaveModel {
            hooks: &*self.hooks,
            trail: self.trail(ctx),
        }
    }

    /// Inserts a row through the write pipeline, with `save_model` as its step.
    pub(crate) async fn create(
        &self,
        ctx: &Context,
        db: &DatabaseExecutor<'_>,
        values: Vec<(String, Value)>,
    ) -> Result<Record, WriteError> {
        self.model.save(db, None, values, &self.step(ctx)).await
    }

    /// Changes `old` through the write pipeline, with `save_model` as its step.
    pub(crate) async fn update(
        &self,
        ctx: &Context,
        db: &DatabaseExecutor<'_>,
        old: &Record,
        values: Vec<(String, Value)>,
    ) -> Result<Record, WriteError> {
        match self
            .model
            .save(db, Some(old), values, &self.step(ctx))
            .await
        {
            // Deleted since the form was read.
            Err(WriteError::Db(DbErr::RecordNotUpdated)) => {
                Err(WriteError::Hook(Box::new(Error::NotFound)))
            }
            saved => saved,
        }
    }

    /// Deletes `rows` one by one through `ActiveModel::delete` (the entity's
    /// `before_delete`/`after_delete` run), each with its audit entry; returns how many went.
    pub(crate) async fn delete(
        &self,
        ctx: &Context,
        txn: &DatabaseTransaction,
        rows: &[Record],
    ) -> Result<u64, Error> {
        let db = DatabaseExecutor::from(txn);
        let trail = self.trail(ctx);
        let mut deleted = 0;
        for row in rows {
            let went = self.model.remove(&db, row).await?;
            if went > 0 {
                trail.delete(txn, self.info(), row.values()).await?;
            }
            deleted += went;
        }
        Ok(deleted)
    }

    /// Runs custom action number `index` on `rows`, then records an entry per row: the
    /// columns the action changed, or the old row when it deleted it.
    pub(crate) async fn action(
        &self,
        index: usize,
        ctx: &Context,
        txn: &DatabaseTransaction,
        rows: &[Record],
    ) -> Result<String, Error> {
        let (name, _) = self.settings.actions.get(index).ok_or(Error::NotFound)?;
        let info = self.info();
        let ctx = &ctx.for_model(&info.slug);
        let message = self.hooks.action(index, ctx, txn, rows).await?;
        let keys = rows.iter().map(|row| row.pk(info).clone()).collect();
        let after = self
            .model
            .by_keys(&DatabaseExecutor::from(txn), keys)
            .await?;
        let trail = self.trail(ctx);
        for row in rows {
            let now = after.iter().find(|now| now.pk(info) == row.pk(info));
            let now = now.map(Record::values);
            trail.action(txn, info, name, row.values(), now).await?;
        }
        Ok(message)
    }
}

/// The admin's `save_model` as the write pipeline's step: an [`Error::Invalid`] goes beside
/// its fields, any other error is shown as its page. After the write, its audit entry.
struct SaveModel<'a> {
    hooks: &'a dyn Hooks,
    trail: Trail<'a>,
}

#[async_trait::async_trait(?Send)]
impl Step for SaveModel<'_> {
    async fn before_save(
        &self,
        _: &ModelInfo,
        old: Option<&Record>,
        new: &mut dyn Any,
    ) -> Result<(), WriteError> {
        self.hooks
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
        info: &ModelInfo,
        old: Option<&Record>,
        new: &Record,
    ) -> Result<(), WriteError> {
        Ok(self.trail.saved(db, info, old, new).await?)
    }
}
