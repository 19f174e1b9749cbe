//! The statements an entity asks for most, kept so that they are not built again for each
//! request: building a page's statement costs about as much as reading its rows.
//! - First pages of lists: the same page 1 (the same filter, order and size) is asked for
//!   again and again. Later pages and pages by cursor differ from one request to the next, so
//!   they are built each time rather than push the first pages out.
//! - Lookups of one row by a key (a detail, the read-back after a write): the statement is
//!   kept with its key's parameter, and each lookup binds its own key there.

use std::sync::Mutex;

use sea_orm::{DbBackend, Statement, Value};

use super::page::{Count, Spec};
use super::query::Query;

/// The kept statements of one entity.
#[derive(Default)]
pub(crate) struct Kept {
    pages: Recent<Statement>,
    /// Each with the position of its key among its values.
    lookups: Recent<(Statement, usize)>,
}

/// The key a lookup's statement is built with before it is kept, found again among the
/// statement's values to learn where each lookup's key goes.
const MARK: &str = "\u{0}actix-sea: the key of a kept lookup\u{0}";

impl Kept {
    /// The page statement `build` makes, kept when it is a first page of more than one row
    /// and not a page by cursor nor a lookup.
    pub(super) fn page(&self, spec: Spec<'_>, build: impl FnOnce() -> Statement) -> Statement {
        let one_row = spec.window.limit.is_some_and(|limit| limit <= 1);
        if spec.window.offset > 0 || one_row || spec.query.keyed() || spec.key.is_some() {
            return build();
        }
        if let Some(statement) = self.pages.find(spec) {
            return statement;
        }
        let statement = build();
        self.pages.keep(spec, statement.clone());
        statement
    }

    /// The statement of the lookup `spec` with `key` bound: `build` makes one for a key, once
    /// per shape of lookup, with a mark in the key's place. A NULL key, or a statement that
    /// holds the mark other than once, is built for its own key and not kept.
    pub(super) fn lookup(
        &self,
        spec: Spec<'_>,
        key: Value,
        build: impl Fn(Value) -> Statement,
    ) -> Statement {
        if super::value::is_null(&key) {
            return build(key);
        }
        let kept = self.lookups.find(spec).or_else(|| {
            let statement = build(Value::from(MARK));
            let values = &statement.values.as_ref()?.0;
            let mut marks = values.iter().enumerate().filter(|(_, v)| is_mark(v));
            let (slot, _) = marks.next()?;
            let kept = marks.next().is_none().then_some((statement, slot))?;
            self.lookups.keep(spec, kept.clone());
            Some(kept)
        });
        match kept {
            Some((mut statement, slot)) => {
                if let Some(values) = &mut statement.values {
                    values.0[slot] = key;
                }
                statement
            }
            None => build(key),
        }
    }
}

fn is_mark(value: &Value) -> bool {
    matches!(value, Value::String(Some(text)) if text == MARK)
}

/// At most [`KEPT`] statements with their shapes, the one used longest ago dropped first.
struct Recent<T>(Mutex<Vec<(Shape, T)>>);

impl<T> Default for Recent<T> {
    fn default() -> Self {
        Self(Mutex::default())
    }
}

const KEPT: usize = 8;

impl<T: Clone> Recent<T> {
    /// The kept statement of `spec`'s shape, now the most recently used.
    fn find(&self, spec: Spec<'_>) -> Option<T> {
        Self::used(&mut self.lock(), spec)
    }

    /// Keeps `statement` for `spec`'s shape (unless another request kept one meanwhile).
    fn keep(&self, spec: Spec<'_>, statement: T) {
        let mut kept = self.lock();
        if Self::used(&mut kept, spec).is_none() {
            if kept.len() == KEPT {
                kept.remove(0);
            }
            kept.push((Shape::of(spec), statement));
        }
    }

    /// Moves the statement of `spec`'s shape last (the most recently used last).
    fn used(kept: &mut Vec<(Shape, T)>, spec: Spec<'_>) -> Option<T> {
        let index = kept.iter().position(|(shape, _)| shape.fits(spec))?;
        let entry = kept.remove(index);
        let statement = entry.1.clone();
        kept.push(entry);
        Some(statement)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(Shape, T)>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// What a kept statement is made of besides its entity (and a lookup's key).
struct Shape {
    backend: DbBackend,
    query: Query,
    limit: Option<u64>,
    count: Count,
    key: Option<String>,
    /// Per join: the column, the referenced table with its columns, and the referenced key.
    joins: Vec<(String, String, Vec<String>, String)>,
}

impl Shape {
    fn of(spec: Spec<'_>) -> Self {
        Self {
            backend: spec.backend,
            query: spec.query.clone(),
            limit: spec.window.limit,
            count: spec.count,
            key: spec.key.map(str::to_owned),
            joins: spec
                .joins
                .iter()
                .map(|join| {
                    let target = join.model.info();
                    let columns = target.columns.iter().map(|c| c.name.clone()).collect();
                    (
                        join.column.to_owned(),
                        target.table.clone(),
                        columns,
                        join.key.to_owned(),
                    )
                })
                .collect(),
        }
    }

    fn fits(&self, spec: Spec<'_>) -> bool {
        self.backend == spec.backend
            && self.limit == spec.window.limit
            && self.count == spec.count
            && self.key.as_deref() == spec.key
            && self.query.same(spec.query)
            && self.joins.len() == spec.joins.len()
            && self
                .joins
                .iter()
                .zip(spec.joins)
                .all(|((column, table, columns, key), join)| {
                    let target = join.model.info();
                    column == join.column
                        && key == join.key
                        && *table == target.table
                        && columns.iter().eq(target.columns.iter().map(|c| &c.name))
                })
    }
}
