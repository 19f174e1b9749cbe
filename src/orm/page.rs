//! One page of a list in one statement: the rows, the rows their foreign keys refer to (outer
//! joins to the page) and how many rows the filter matches (a scalar subquery). On SQLite every statement
//! is a round trip to the connection's worker thread, so one statement instead of three is
//! most of the cost of a page.

use sea_orm::sea_query::{
    Alias, Condition, Expr, ExprTrait, JoinType, SelectExpr, SelectExprTrait, SelectStatement,
    SubQueryStatement,
};
use sea_orm::{
    ConnectionTrait, DatabaseExecutor, DbBackend, DbErr, EntityTrait, QueryTrait, Statement, Value,
};

use std::collections::{HashMap, HashSet};

use super::binding::{Binding, ModelEntity, Typed, read_row};
use super::model::{ModelInfo, column_expr};
use super::query::Query;
use super::record::Record;
use super::statement::build;
use super::value;

/// A foreign key whose rows come with the page: `column` of the listed model refers to `key`
/// of `model`.
pub struct Join<'a> {
    /// The foreign-key column of the listed model.
    pub column: &'a str,
    /// The referenced model.
    pub model: &'a Binding,
    /// The referenced column.
    pub key: &'a str,
    /// The referenced rows the caller may see (the referenced model's `get_query`); a row
    /// referring to any other is joined to nothing, as if its row did not exist.
    pub scope: Condition,
}

/// A page of rows with the rows their joins refer to and the total.
#[derive(Debug, Default)]
pub struct Page {
    /// The rows, in the query's order.
    pub rows: Vec<Record>,
    /// Per [`Join`], the distinct rows the page refers to.
    pub related: Vec<Vec<Record>>,
    /// For each row, per [`Join`], the position in `related` of the row it refers to; `None`
    /// when its key is NULL or refers to nothing.
    pub joined: Vec<Vec<Option<usize>>>,
    /// The number of rows matching the filter, when asked for.
    pub total: Option<u64>,
    /// For each row, the values of the query's order terms (its position for keyset paging),
    /// when the query asks for them.
    pub keys: Vec<Vec<sea_orm::Value>>,
}

/// Which rows of a list to fetch.
#[derive(Debug, Clone, Copy, Default)]
pub struct Window {
    /// Rows to skip (only together with a limit).
    pub offset: u64,
    /// Rows to return at most; `None` for all.
    pub limit: Option<u64>,
}

impl Window {
    /// Puts `LIMIT`/`OFFSET` on `select` (written as literals by [`build`]).
    pub(super) fn apply(self, select: &mut SelectStatement) {
        if let Some(limit) = self.limit {
            select.limit(limit);
            if self.offset > 0 {
                select.offset(self.offset);
            }
        }
    }
}

/// The window of a lookup of one row.
pub(super) const ONE: Window = Window {
    offset: 0,
    limit: Some(1),
};

/// A lookup by key: the rows whose `column` equals `key`, after `first` (a write whose answer
/// is not needed) when given.
pub(super) struct Lookup<'a> {
    pub(super) column: &'a str,
    pub(super) key: Value,
    pub(super) first: Option<Statement>,
}

const COUNT: &str = "_count";
const PAGE: &str = "_p";

fn join_alias(index: usize) -> String {
    format!("_n{index}")
}

pub(crate) fn order_alias(index: usize) -> String {
    format!("_o{index}")
}

/// What a page statement is made of, besides its entity.
#[derive(Clone, Copy)]
pub(super) struct Spec<'a> {
    pub(super) backend: DbBackend,
    pub(super) query: &'a Query,
    pub(super) window: Window,
    pub(super) joins: &'a [Join<'a>],
    pub(super) count: Count,
    /// The column of a lookup by key: the rows whose column equals the key, which is bound
    /// apart (see [`Kept::lookup`](super::kept::Kept::lookup)).
    pub(super) key: Option<&'a str>,
}

/// How a page counts the rows its filter matches.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Count {
    No,
    /// `COUNT(*)` over the filter.
    Scan,
    /// The table's count as the database keeps it (see [`crate::db::RowCount`]).
    Kept,
}

/// The rows of the page: the listed model's columns and, unless `count` is `No`, the count
/// subquery as `_count`, with the window's `LIMIT`/`OFFSET`.
fn rows<E: EntityTrait>(
    query: &Query,
    window: Window,
    count: Count,
    order_keys: bool,
) -> SelectStatement {
    let mut select = E::find();
    let rows = QueryTrait::query(&mut select);
    query.apply(rows);
    match count {
        Count::No => {}
        Count::Kept => {
            let stored = crate::db::stored_row_count(E::default().table_name());
            rows.expr_as(stored, Alias::new(COUNT));
        }
        Count::Scan => {
            let mut counter = E::find();
            let counting = QueryTrait::query(&mut counter);
            query.apply_filter(counting);
            counting.clear_selects().expr(Expr::cust("COUNT(*)"));
            rows.expr_as(
                Expr::from(SubQueryStatement::from(counting.take())),
                Alias::new(COUNT),
            );
        }
    }
    if order_keys {
        for (index, (expr, _)) in query.order().iter().enumerate() {
            rows.expr_as(expr.clone(), Alias::new(order_alias(index)));
        }
    }
    window.apply(rows);
    select.into_query()
}

/// The page as one statement, `key` the value of a lookup's column. With joins, the rows are
/// a derived table `_p` that the joined tables are outer-joined to, so only the rows of the
/// page are looked up (an outer join over the listed table would look up every row the
/// offset skips, and every row a sort reads).
fn statement<E: EntityTrait>(info: &ModelInfo, spec: Spec<'_>, key: Option<Value>) -> Statement {
    let by_key;
    let query = match (spec.key, key) {
        (Some(column), Some(key)) => {
            let mut query = spec.query.clone();
            query.and(Condition::all().add(column_expr(&info.table, column).eq(key)));
            by_key = query;
            &by_key
        }
        _ => spec.query,
    };
    let Spec {
        backend,
        window,
        joins,
        count,
        ..
    } = spec;
    if joins.is_empty() {
        return build(backend, &rows::<E>(query, window, count, query.keyed()));
    }
    let mut outer = SelectStatement::new();
    let mut selects: Vec<SelectExpr> = Vec::with_capacity(
        info.columns.len()
            + 1
            + query.order().len()
            + joins
                .iter()
                .map(|join| join.model.info().columns.len())
                .sum::<usize>(),
    );
    for column in &info.columns {
        selects.push(column_expr(PAGE, &column.name).alias(Alias::new(column.name.clone())));
    }
    if count != Count::No {
        selects.push(column_expr(PAGE, COUNT).alias(Alias::new(COUNT)));
    }
    if query.keyed() {
        for index in 0..query.order().len() {
            let alias = order_alias(index);
            selects.push(column_expr(PAGE, &alias).alias(Alias::new(alias)));
        }
    }
    outer.from_subquery(rows::<E>(query, window, count, true), Alias::new(PAGE));
    for (index, join) in joins.iter().enumerate() {
        let alias = join_alias(index);
        let target = join.model.info();
        outer.join_as(
            JoinType::LeftJoin,
            Alias::new(target.table.clone()),
            Alias::new(alias.clone()),
            column_expr(&alias, join.key)
                .equals((Alias::new(PAGE), Alias::new(join.column.to_owned()))),
        );
        for column in &target.columns {
            selects.push(
                column_expr(&alias, &column.name)
                    .alias(Alias::new(format!("{alias}_{}", column.name))),
            );
        }
    }
    outer.exprs(selects);
    // SQLite joins by nested loops and never reorders an outer join's tables, so the rows
    // come in the derived table's order; sorting them again would cost a sorter per page.
    if backend != DbBackend::Sqlite {
        for (index, (_, order)) in query.order().iter().enumerate() {
            outer.order_by_expr(column_expr(PAGE, &order_alias(index)), order.clone());
        }
    }
    build(backend, &outer)
}

/// Where each join's columns start in a row of the page statement (after the listed model's
/// columns, the count and the order keys, see [`statement`]), and the prefix of their names.
fn join_columns(info: &ModelInfo, spec: Spec<'_>) -> Vec<(usize, String)> {
    let query = spec.query;
    let mut start = info.columns.len()
        + usize::from(spec.count != Count::No)
        + if query.keyed() {
            query.order().len()
        } else {
            0
        };
    spec.joins
        .iter()
        .enumerate()
        .map(|(index, join)| {
            let here = start;
            start += join.model.info().columns.len();
            (here, format!("{}_", join_alias(index)))
        })
        .collect()
}

/// Runs the page statement for entity `E`, kept when it is a first page or a lookup (see
/// [`Kept`](super::kept::Kept)), after the lookup's `first` statement. The count comes with
/// the rows; an empty page asks for it separately.
pub(super) async fn fetch<E: ModelEntity>(
    own: &Typed<E>,
    db: &DatabaseExecutor<'_>,
    query: &Query,
    window: Window,
    joins: &[Join<'_>],
    count: bool,
    lookup: Option<Lookup<'_>>,
) -> Result<Page, DbErr> {
    let info = &own.info;
    let counting = match (count, db) {
        (false, _) => Count::No,
        (true, DatabaseExecutor::Connection(pool))
            if query.unfiltered() && crate::db::row_count_kept(pool, &info.table).await? =>
        {
            Count::Kept
        }
        (true, _) => Count::Scan,
    };
    let spec = Spec {
        backend: db.get_database_backend(),
        query,
        window,
        joins,
        count: counting,
        key: lookup.as_ref().map(|lookup| lookup.column),
    };
    let (key, first) = match lookup {
        Some(lookup) => (Some(lookup.key), lookup.first),
        None => (None, None),
    };
    let page_statement = match &key {
        Some(value) => own.kept.lookup(spec, value.clone(), |key| {
            statement::<E>(info, spec, Some(key))
        }),
        None => own.kept.page(spec, || statement::<E>(info, spec, None)),
    };
    let page_statement = match first {
        Some(first) => super::statement::after(db, first, page_statement).await?,
        None => page_statement,
    };
    let results = match (db.query_all_raw(page_statement).await, db) {
        // The count's table went with its migration while the site ran: count again.
        (Err(error), DatabaseExecutor::Connection(pool))
            if counting == Count::Kept && crate::db::row_count_gone(pool, &info.table, &error) =>
        {
            let recount = statement::<E>(
                info,
                Spec {
                    count: Count::Scan,
                    ..spec
                },
                key,
            );
            db.query_all_raw(recount).await?
        }
        (results, _) => results?,
    };
    let mut page = Page {
        related: vec![Vec::new(); joins.len()],
        ..Page::default()
    };
    let mut seen: Vec<HashMap<String, usize>> = vec![HashMap::new(); joins.len()];
    let columns = join_columns(info, spec);
    let backend = spec.backend;
    for result in &results {
        if count && page.total.is_none() {
            let total: i64 = result.try_get("", COUNT)?;
            page.total = Some(u64::try_from(total).unwrap_or_default());
        }
        let row = read_row::<E>(info, &own.by_kind, result, backend)?;
        if query.keyed() {
            page.keys.push(super::keyset::read(result, query)?);
        }
        let mut joined = Vec::with_capacity(joins.len());
        for (index, (join, (start, prefix))) in joins.iter().zip(&columns).enumerate() {
            let Some(key) = row.get(info, join.column).filter(|v| !value::is_null(v)) else {
                joined.push(None);
                continue;
            };
            let key = value::to_text(key);
            let position = match seen[index].get(&key) {
                Some(&position) => Some(position),
                None => join
                    .model
                    .read_at(result, *start, prefix, backend)?
                    .map(|related| {
                        page.related[index].push(related);
                        let position = page.related[index].len() - 1;
                        seen[index].insert(key, position);
                        position
                    }),
            };
            joined.push(position);
        }
        page.rows.push(row);
        page.joined.push(joined);
    }
    if count && page.total.is_none() {
        page.total = Some(total::<E>(db, query).await?);
    }
    for (index, join) in joins.iter().enumerate() {
        if !join.scope.is_empty() {
            hide_unseen(db, &mut page, index, join).await?;
        }
    }
    Ok(page)
}

/// Unlinks the rows of `join` outside its scope: one query for the keys of the page's
/// related rows, run only when the referenced model has a scope.
async fn hide_unseen(
    db: &DatabaseExecutor<'_>,
    page: &mut Page,
    index: usize,
    join: &Join<'_>,
) -> Result<(), DbErr> {
    let target = join.model.info();
    let keys: Vec<Value> = page.related[index]
        .iter()
        .filter_map(|row| row.get(target, join.key).cloned())
        .collect();
    let seen: HashSet<String> = join
        .model
        .find_in(db, join.key, keys, join.scope.clone())
        .await?
        .iter()
        .filter_map(|row| row.get(target, join.key).map(value::to_text))
        .collect();
    let mut moved = Vec::new();
    let mut kept = Vec::new();
    for row in std::mem::take(&mut page.related[index]) {
        let visible = row
            .get(target, join.key)
            .is_some_and(|key| seen.contains(&value::to_text(key)));
        moved.push(visible.then_some(kept.len()));
        if visible {
            kept.push(row);
        }
    }
    page.related[index] = kept;
    for joined in &mut page.joined {
        joined[index] = joined[index].and_then(|position| moved[position]);
    }
    Ok(())
}

/// The number of rows of `E` matching the query's filter.
pub(crate) async fn total<E: EntityTrait<Model: Sync>>(
    db: &DatabaseExecutor<'_>,
    query: &Query,
) -> Result<u64, DbErr> {
    let mut counter = E::find();
    query.apply_filter(QueryTrait::query(&mut counter));
    sea_orm::PaginatorTrait::count(counter, db).await
}

#[cfg(test)]
#[path = "page_tests.rs"]
mod tests;
