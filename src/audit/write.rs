//! Writing entries: one insert into the audit table, on the connection or transaction of
//! the change it records.

use std::cell::RefCell;

use chrono::{SubsecRound, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, EntityTrait, Iterable, ModelTrait, QueryTrait, Statement,
    Value,
};
use serde_json::{Map, Value as Json};

use super::{REDACTED, entry};
use crate::Context;
use crate::orm::{ModelInfo, Record, value};

/// The entity's own row as the values of its columns, in declaration order.
pub(super) fn row_values<E: EntityTrait>(model: &E::Model) -> Vec<Value> {
    E::Column::iter().map(|column| model.get(column)).collect()
}

/// How many entries one insert writes: 9 parameters each.
const ENTRIES_PER_INSERT: usize = super::many::PARAMETERS / 9;

/// Entries held back from a transaction's writes for its next read to take along, so that
/// writing them costs no round trip of its own (see `orm::Binding::one`). Whoever holds
/// them writes them before the transaction commits.
#[derive(Default)]
pub(crate) struct Deferred(RefCell<Vec<entry::ActiveModel>>);

impl Deferred {
    /// The statement writing the entries held back, which it takes; `None` when there are
    /// none.
    pub(crate) fn statement(&self, backend: DbBackend) -> Option<Statement> {
        let entries = self.0.take();
        if entries.is_empty() {
            return None;
        }
        Some(entry::Entity::insert_many(entries).build(backend))
    }
}

/// What every entry of a write shares: the caller, and the columns that are write-only for
/// the front door it came through.
#[derive(Clone, Copy)]
pub(crate) struct Trail<'a> {
    pub(crate) ctx: &'a Context,
    pub(crate) redacted: &'a [String],
}

impl Trail<'_> {
    fn shown(&self, column: &str, value: &Value) -> Json {
        if self.redacted.iter().any(|c| c == column) {
            Json::from(REDACTED)
        } else {
            value::to_json(value)
        }
    }

    /// The whole row, as recorded for a create or a delete.
    fn row(&self, info: &ModelInfo, values: &[Value]) -> Json {
        let object: Map<String, Json> = info
            .columns
            .iter()
            .zip(values)
            .map(|(column, value)| (column.name.clone(), self.shown(&column.name, value)))
            .collect();
        Json::Object(object)
    }

    /// `{column: [old, new]}` for the columns that differ; empty when none does.
    fn diff(&self, info: &ModelInfo, old: &[Value], new: &[Value]) -> Map<String, Json> {
        info.columns
            .iter()
            .zip(old.iter().zip(new))
            .filter(|(_, (old, new))| old != new)
            .map(|(column, (old, new))| {
                let pair = vec![self.shown(&column.name, old), self.shown(&column.name, new)];
                (column.name.clone(), Json::Array(pair))
            })
            .collect()
    }

    /// The entry recording `action` on `row` with `values`.
    fn entry(
        &self,
        info: &ModelInfo,
        action: &str,
        row: &[Value],
        values: Json,
    ) -> entry::ActiveModel {
        let user = self.ctx.user();
        let pk = row.get(info.pk).map(value::to_text).unwrap_or_default();
        entry::ActiveModel {
            id: NotSet,
            at: Set(Utc::now().trunc_subsecs(6).naive_utc()),
            actor: Set(user.map(|u| u.id())),
            username: Set(user.map(|u| u.username().to_owned()).unwrap_or_default()),
            channel: Set(self.ctx.channel().as_str().to_owned()),
            client: Set(self.ctx.client().map(|c| c.to_string()).unwrap_or_default()),
            action: Set(action.to_owned()),
            model: Set(info.slug.clone()),
            pk: Set(pk),
            values: Set(values.to_string()),
        }
    }

    async fn record<C: ConnectionTrait>(
        &self,
        db: &C,
        info: &ModelInfo,
        action: &str,
        row: &[Value],
        values: Json,
    ) -> Result<(), DbErr> {
        super::watch::written(&info.table);
        entry::Entity::insert(self.entry(info, action, row, values))
            .exec_without_returning(db)
            .await?;
        Ok(())
    }

    /// Records that each of `rows` was created, with one statement per [`ENTRIES_PER_INSERT`]
    /// entries.
    pub(crate) async fn create_many<C: ConnectionTrait>(
        &self,
        db: &C,
        info: &ModelInfo,
        rows: &[Vec<Value>],
    ) -> Result<(), DbErr> {
        super::watch::written(&info.table);
        for chunk in rows.chunks(ENTRIES_PER_INSERT) {
            let entries = chunk
                .iter()
                .map(|row| self.entry(info, "create", row, self.row(info, row)));
            entry::Entity::insert_many(entries)
                .exec_without_returning(db)
                .await?;
        }
        Ok(())
    }

    /// Records the row `new` was created.
    pub(crate) async fn create<C: ConnectionTrait>(
        &self,
        db: &C,
        info: &ModelInfo,
        new: &[Value],
    ) -> Result<(), DbErr> {
        self.record(db, info, "create", new, self.row(info, new))
            .await
    }

    /// Records the columns changed from `old` to `new`; nothing when none changed.
    pub(crate) async fn update<C: ConnectionTrait>(
        &self,
        db: &C,
        info: &ModelInfo,
        old: &[Value],
        new: &[Value],
    ) -> Result<(), DbErr> {
        match self.changes(info, old, new) {
            Some(values) => self.record(db, info, "update", new, values).await,
            None => Ok(()),
        }
    }

    /// `{column: [old, new]}` for an update; `None` when it changed nothing.
    fn changes(&self, info: &ModelInfo, old: &[Value], new: &[Value]) -> Option<Json> {
        let diff = self.diff(info, old, new);
        (!diff.is_empty()).then_some(Json::Object(diff))
    }

    /// Records a write: the row created when there is no `old`, else the columns changed.
    pub(crate) async fn saved<C: ConnectionTrait>(
        &self,
        db: &C,
        info: &ModelInfo,
        old: Option<&Record>,
        new: &Record,
    ) -> Result<(), DbErr> {
        match self.saved_values(info, old, new) {
            Some((action, values)) => self.record(db, info, action, new.values(), values).await,
            None => Ok(()),
        }
    }

    /// Records a write as [`saved`](Self::saved) does, into `deferred`.
    pub(crate) fn defer_saved(
        &self,
        deferred: &Deferred,
        info: &ModelInfo,
        old: Option<&Record>,
        new: &Record,
    ) {
        if let Some((action, values)) = self.saved_values(info, old, new) {
            super::watch::written(&info.table);
            let entry = self.entry(info, action, new.values(), values);
            deferred.0.borrow_mut().push(entry);
        }
    }

    /// The action and values of a write's entry; `None` for an update that changed nothing.
    fn saved_values(
        &self,
        info: &ModelInfo,
        old: Option<&Record>,
        new: &Record,
    ) -> Option<(&'static str, Json)> {
        match old {
            None => Some(("create", self.row(info, new.values()))),
            Some(old) => self
                .changes(info, old.values(), new.values())
                .map(|values| ("update", values)),
        }
    }

    /// Records the row `old` was deleted.
    pub(crate) async fn delete<C: ConnectionTrait>(
        &self,
        db: &C,
        info: &ModelInfo,
        old: &[Value],
    ) -> Result<(), DbErr> {
        self.record(db, info, "delete", old, self.row(info, old))
            .await
    }

    /// Records custom action `name` on the row `old`: the columns it changed (`new` is the
    /// row after the action), or the old row when the action deleted it (`new` is `None`).
    pub(crate) async fn action<C: ConnectionTrait>(
        &self,
        db: &C,
        info: &ModelInfo,
        name: &str,
        old: &[Value],
        new: Option<&[Value]>,
    ) -> Result<(), DbErr> {
        let values = match new {
            Some(new) => Json::Object(self.diff(info, old, new)),
            None => self.row(info, old),
        };
        self.record(db, info, name, old, values).await
    }
}
