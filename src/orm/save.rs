//! The write pipeline both front doors use: SeaORM's `insert`/`update` with the crate's steps
//! in between, so the entity's `ActiveModelBehavior` runs on every write and every front
//! door accepts and refuses the same rows.
//!
//! Create: `ActiveModelBehavior::new()`, declared defaults on the columns still unset, the
//! values sent, the front door's [`Step`], `before_save`, datetimes cut to microseconds,
//! the required columns (after `before_save`, so the columns it fills are optional), the
//! insert, `after_save`. Update: the stored row, the values sent, the front door's step,
//! `before_save`, the update, `after_save`. Both end with the step's [`Step::saved`] (the
//! audit trail's entry), on the same transaction. Delete: `ActiveModel::delete`, with
//! `before_delete` and `after_delete`.

use std::any::Any;

use chrono::{SubsecRound, Utc};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ActiveValue, DatabaseExecutor, DbErr, EntityTrait,
    IntoActiveModel, Iterable, SqlErr, Value,
};

use super::binding::{ModelEntity, model_of, record_of};
use super::model::{ColumnInfo, Declared, FieldKind, ModelInfo};
use super::record::Record;
use super::value;
use crate::verdict::{Conflict, Invalid, Pending};

/// Why a write did not happen.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The row breaks a rule: a required column without a value, or the entity's
    /// `before_save`/`after_save` refused it (400, or errors beside the fields).
    #[error("{0}")]
    Invalid(Invalid),
    /// A unique constraint refused it (409).
    #[error("{0}")]
    Conflict(Conflict),
    /// Anything else the database said.
    #[error(transparent)]
    Db(DbErr),
    /// The front door's hook refused the row.
    #[error(transparent)]
    Hook(Box<crate::Error>),
}

impl From<DbErr> for WriteError {
    fn from(error: DbErr) -> Self {
        Self::Db(error)
    }
}

/// A `DbErr::Custom` from the entity's hooks is a refusal of the row, not a failure.
fn refusal(error: DbErr) -> WriteError {
    match error {
        DbErr::Custom(text) => WriteError::Invalid(Invalid::from_custom(&text)),
        other => WriteError::Db(other),
    }
}

/// The value a declared default gives `column` now: the time of the write in UTC, cut to
/// microseconds like every value the crate writes; `None` when the database computes it.
pub(crate) fn declared(column: &ColumnInfo) -> Option<Value> {
    let now = Utc::now().trunc_subsecs(6);
    Some(match (column.default.as_ref()?, column.kind) {
        (Declared::Value(value), _) => value.clone(),
        (Declared::Now, FieldKind::DateTimeUtc) => Value::ChronoDateTimeUtc(Some(now)),
        (Declared::Now, FieldKind::Date) | (Declared::Today, _) => {
            Value::ChronoDate(Some(now.date_naive()))
        }
        (Declared::Now | Declared::Time, FieldKind::Time) | (Declared::Time, _) => {
            Value::ChronoTime(Some(now.time()))
        }
        (Declared::Now, _) => Value::ChronoDateTime(Some(now.naive_utc())),
        _ => return None,
    })
}

fn columns<E: EntityTrait>(info: &ModelInfo) -> impl Iterator<Item = (E::Column, &ColumnInfo)> {
    E::Column::iter().zip(&info.columns)
}

fn set_values<E: EntityTrait>(
    info: &ModelInfo,
    active: &mut E::ActiveModel,
    values: Vec<(String, Value)>,
) -> Result<(), WriteError> {
    for (name, value) in values {
        let column = columns::<E>(info)
            .find(|(_, c)| c.name == name)
            .map(|(column, _)| column)
            .ok_or_else(|| DbErr::Custom(format!("no column `{name}`")))?;
        active.try_set(column, value::to_micros(value))?;
    }
    Ok(())
}

/// Cuts the datetimes `before_save` set to microseconds.
fn to_micros<E: EntityTrait>(info: &ModelInfo, active: &mut E::ActiveModel) -> Result<(), DbErr> {
    for (column, _) in columns::<E>(info) {
        if let ActiveValue::Set(value) = active.get(column) {
            let cut = value::to_micros(value.clone());
            if cut != value {
                active.try_set(column, cut)?;
            }
        }
    }
    Ok(())
}

/// What a unique violation's probe looks for: the unique groups whose columns all have a
/// value in the row that failed.
fn pending<E: EntityTrait>(info: &ModelInfo, active: &E::ActiveModel) -> Pending {
    let cols: Vec<E::Column> = E::Column::iter().collect();
    let value_of = |index: usize| active.get(cols[index]).into_value();
    Pending {
        table: info.table.clone(),
        pk: (info.pk_column().name.clone(), value_of(info.pk)),
        groups: info
            .unique
            .iter()
            .filter_map(|group| {
                group
                    .iter()
                    .map(|&i| Some((info.columns[i].name.clone(), value_of(i)?)))
                    .collect()
            })
            .collect(),
    }
}

fn classify<E: EntityTrait>(info: &ModelInfo, active: &E::ActiveModel, error: DbErr) -> WriteError {
    match error.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => WriteError::Conflict(Conflict::pending(
            &info.slug,
            Some(pending::<E>(info, active)),
        )),
        _ => WriteError::Db(error),
    }
}

/// The end of a write: a unique violation classified, else the entity's `after_save`.
async fn saved<E: ModelEntity>(
    info: &ModelInfo,
    db: &DatabaseExecutor<'_>,
    active: &E::ActiveModel,
    written: Result<E::Model, DbErr>,
    insert: bool,
) -> Result<E::Model, WriteError> {
    let model = written.map_err(|error| classify::<E>(info, active, error))?;
    <E::ActiveModel as ActiveModelBehavior>::after_save(model, db, insert)
        .await
        .map_err(refusal)
}

/// A front door's own step of a write, with the entity's type erased: `before_save` runs on
/// the entity's active model after the values sent are set and before the entity's
/// `before_save` (the REST resource's `before_save` and `check_post`, the admin's
/// `save_model`), `saved` after the write, on the same connection or transaction, with the
/// row as stored (the audit trail's entry). `old` is the stored row on an update, `None` on a
/// create. `()` is the write without one.
#[async_trait::async_trait(?Send)]
pub(crate) trait Step {
    /// Checks or changes `new`, the entity's `ActiveModel` (see `binding::active_of`).
    async fn before_save(
        &self,
        info: &ModelInfo,
        old: Option<&Record>,
        new: &mut dyn Any,
    ) -> Result<(), WriteError>;

    /// Runs after the write, with the row as stored.
    async fn saved(
        &self,
        db: &DatabaseExecutor<'_>,
        info: &ModelInfo,
        old: Option<&Record>,
        new: &Record,
    ) -> Result<(), WriteError>;
}

#[async_trait::async_trait(?Send)]
impl Step for () {
    async fn before_save(
        &self,
        _: &ModelInfo,
        _: Option<&Record>,
        _: &mut dyn Any,
    ) -> Result<(), WriteError> {
        Ok(())
    }

    async fn saved(
        &self,
        _: &DatabaseExecutor<'_>,
        _: &ModelInfo,
        _: Option<&Record>,
        _: &Record,
    ) -> Result<(), WriteError> {
        Ok(())
    }
}

/// Inserts a row from column values (see the module docs for the steps; `step` runs before
/// the entity's `before_save`) and returns it.
pub(crate) async fn create<E: ModelEntity>(
    info: &ModelInfo,
    db: &DatabaseExecutor<'_>,
    values: Vec<(String, Value)>,
    step: &dyn Step,
) -> Result<Record, WriteError> {
    let mut active = <E::ActiveModel as ActiveModelBehavior>::new();
    for (column, info) in columns::<E>(info) {
        if active.is_not_set(column)
            && let Some(value) = declared(info)
        {
            active.try_set(column, value)?;
        }
    }
    set_values::<E>(info, &mut active, values)?;
    step.before_save(info, None, &mut active).await?;
    let new = record_of::<E>(insert::<E>(info, db, active).await?);
    step.saved(db, info, None, &new).await?;
    Ok(new)
}

/// The end of a create: the entity's `before_save`, the required columns, the insert and
/// `after_save`.
async fn insert<E: ModelEntity>(
    info: &ModelInfo,
    db: &DatabaseExecutor<'_>,
    active: E::ActiveModel,
) -> Result<E::Model, WriteError> {
    let mut active = ActiveModelBehavior::before_save(active, db, true)
        .await
        .map_err(refusal)?;
    to_micros::<E>(info, &mut active)?;
    let missing = columns::<E>(info)
        .filter(|(column, c)| {
            !c.nullable && active.is_not_set(*column) && c.default.is_none() && !auto_key(info, c)
        })
        .map(|(_, c)| Invalid::required(&c.name))
        .reduce(Invalid::and);
    if let Some(missing) = missing {
        return Err(WriteError::Invalid(missing));
    }
    let written = E::insert(active.clone()).exec_with_returning(db).await;
    saved::<E>(info, db, &active, written, true).await
}

fn auto_key(info: &ModelInfo, column: &ColumnInfo) -> bool {
    column.primary_key && info.pk_column().has_default
}

/// Changes `old`, a row read through the entity's binding, with column values (see the
/// module docs; `step` runs before the entity's `before_save`) and returns the stored row.
pub(crate) async fn update<E: ModelEntity>(
    info: &ModelInfo,
    db: &DatabaseExecutor<'_>,
    old: &Record,
    values: Vec<(String, Value)>,
    step: &dyn Step,
) -> Result<Record, WriteError> {
    let mut active = model_of::<E::Model>(old)?.clone().into_active_model();
    set_values::<E>(info, &mut active, values)?;
    step.before_save(info, Some(old), &mut active).await?;
    let new = record_of::<E>(change::<E>(info, db, active).await?);
    step.saved(db, info, Some(old), &new).await?;
    Ok(new)
}

/// The end of an update: the entity's `before_save`, the update and `after_save`.
async fn change<E: ModelEntity>(
    info: &ModelInfo,
    db: &DatabaseExecutor<'_>,
    active: E::ActiveModel,
) -> Result<E::Model, WriteError> {
    let mut active = ActiveModelBehavior::before_save(active, db, false)
        .await
        .map_err(refusal)?;
    to_micros::<E>(info, &mut active)?;
    let written = E::update(active.clone()).exec(db).await;
    saved::<E>(info, db, &active, written, false).await
}

/// Deletes `model` through `ActiveModel::delete`, so the entity's `before_delete` and
/// `after_delete` run; a `DbErr::Custom` from either refuses the delete (400, the row stays
/// once the caller's transaction rolls back). Returns how many rows went.
pub(crate) async fn delete<E: ModelEntity>(
    db: &DatabaseExecutor<'_>,
    model: E::Model,
) -> Result<u64, WriteError> {
    let deleted = model
        .into_active_model()
        .delete(db)
        .await
        .map_err(refusal)?;
    Ok(deleted.rows_affected)
}

/// The values an add form starts with: those `ActiveModelBehavior::new()` sets, then the
/// declared defaults; a typed NULL for the other columns.
pub(crate) fn defaults<E: EntityTrait>(info: &ModelInfo) -> Vec<Value> {
    let new = <E::ActiveModel as ActiveModelBehavior>::new();
    columns::<E>(info)
        .map(|(column, c)| match new.get(column) {
            ActiveValue::Set(value) | ActiveValue::Unchanged(value) => value,
            ActiveValue::NotSet => declared(c).unwrap_or_else(|| value::null_of(c.kind)),
        })
        .collect()
}
