//! The statements of the first pages of lists, the pages asked for most, kept per entity so
//! that the same page 1 (the same filter, order and size) is not built again each time:
//! building a page's statement costs about as much as reading its rows. Lookups of one row
//! (a detail by its key) and pages by cursor differ from one request to the next, so they
//! are built each time rather than push the lists out.

use std::sync::Mutex;

use sea_orm::{DbBackend, Statement};

use super::page::{Count, Spec};
use super::query::Query;

/// The kept statements of one entity's first pages: at most [`FIRST_PAGES`], the one used
/// longest ago dropped first.
#[derive(Default)]
pub(crate) struct FirstPages(Mutex<Vec<(Shape, Statement)>>);

const FIRST_PAGES: usize = 8;

/// What a first page's statement is made of besides its entity.
struct Shape {
    backend: DbBackend,
    query: Query,
    limit: Option<u64>,
    count: Count,
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

impl FirstPages {
    /// The page statement `build` makes, kept when it is a first page of more than one row
    /// and not a page by cursor.
    pub(super) fn statement(&self, spec: Spec<'_>, build: impl FnOnce() -> Statement) -> Statement {
        let lookup = spec.window.limit.is_some_and(|limit| limit <= 1);
        if spec.window.offset > 0 || lookup || spec.query.keyed() {
            return build();
        }
        // The most recently used last.
        let used = |pages: &mut Vec<(Shape, Statement)>| {
            let index = pages.iter().position(|(shape, _)| shape.fits(spec))?;
            let page = pages.remove(index);
            let statement = page.1.clone();
            pages.push(page);
            Some(statement)
        };
        if let Some(statement) = used(&mut self.lock()) {
            return statement;
        }
        let statement = build();
        let mut pages = self.lock();
        if used(&mut pages).is_none() {
            if pages.len() == FIRST_PAGES {
                pages.remove(0);
            }
            pages.push((Shape::of(spec), statement.clone()));
        }
        statement
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(Shape, Statement)>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
