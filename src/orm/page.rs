//! One page of a list in one statement: the rows, the rows their foreign keys refer to (outer
//! joins) and how many rows the filter matches (a scalar subquery). On SQLite every statement
//! is a round trip to the connection's worker thread, so one statement instead of three is
//! most of the cost of a page.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, SelectStatement, SubQueryStatement};
use sea_orm::{ConnectionTrait, DatabaseExecutor, DbErr, EntityTrait, FromQueryResult, QueryTrait};

use super::model::{ModelInfo, column_expr};
use super::query::Query;
use super::record::Record;
use super::registry::ErasedModel;

/// A foreign key whose rows come with the page: `column` of the listed model refers to `key`
/// of `model`.
pub struct Join<'a> {
    /// The foreign-key column of the listed model.
    pub column: &'a str,
    /// The referenced model.
    pub model: &'a dyn ErasedModel,
    /// The referenced column.
    pub key: &'a str,
}

/// A page of rows with their joined rows and the total.
#[derive(Debug, Default)]
pub struct Page {
    /// The rows, in the query's order.
    pub rows: Vec<Record>,
    /// For each row, one entry per [`Join`]: the referenced row, `None` when the key is NULL
    /// or refers to nothing.
    pub joined: Vec<Vec<Option<Record>>>,
    /// The number of rows matching the filter, when asked for.
    pub total: Option<u64>,
}

/// Which rows of a list to fetch.
#[derive(Debug, Clone, Copy, Default)]
pub struct Window {
    /// Rows to skip (only together with a limit).
    pub offset: u64,
    /// Rows to return at most; `None` for all.
    pub limit: Option<u64>,
}

const COUNT: &str = "_count";

fn join_alias(index: usize) -> String {
    format!("_n{index}")
}

impl Window {
    /// Appends `LIMIT`/`OFFSET` as literals, which every backend accepts after `ORDER BY`.
    /// SQLite re-prepares a statement whenever a new value is bound to its `LIMIT` (it
    /// plans with the value), so bound limits would cost a parse per request; literal ones
    /// let the connection's statement cache serve each page size and offset.
    fn append_to(self, sql: &mut String) {
        use std::fmt::Write as _;
        if let Some(limit) = self.limit {
            let _ = write!(sql, " LIMIT {limit}");
            if self.offset > 0 {
                let _ = write!(sql, " OFFSET {}", self.offset);
            }
        }
    }
}

/// The statement: the listed model's columns, then each joined model's columns as
/// `_n<i>_<column>`, then the count subquery as `_count`.
fn statement<E: EntityTrait>(
    info: &ModelInfo,
    query: &Query,
    joins: &[Join<'_>],
    count: bool,
) -> SelectStatement {
    let mut select = E::find();
    let statement = QueryTrait::query(&mut select);
    query.apply(statement);
    for (index, join) in joins.iter().enumerate() {
        let alias = join_alias(index);
        let target = join.model.info();
        statement.join_as(
            JoinType::LeftJoin,
            Alias::new(target.table.clone()),
            Alias::new(alias.clone()),
            column_expr(&alias, join.key).equals((
                Alias::new(info.table.clone()),
                Alias::new(join.column.to_owned()),
            )),
        );
        for column in &target.columns {
            statement.expr_as(
                column_expr(&alias, &column.name),
                Alias::new(format!("{alias}_{}", column.name)),
            );
        }
    }
    if count {
        let mut counter = E::find();
        let counting = QueryTrait::query(&mut counter);
        query.apply_filter(counting);
        counting.clear_selects().expr(Expr::cust("COUNT(*)"));
        statement.expr_as(
            Expr::from(SubQueryStatement::from(counting.take())),
            Alias::new(COUNT),
        );
    }
    statement.take()
}

/// Runs the page statement for entity `E`. The count comes with the rows; an empty page asks
/// for it separately.
pub(crate) async fn fetch<E: EntityTrait<Model: Sync>>(
    info: &ModelInfo,
    db: &DatabaseExecutor<'_>,
    query: &Query,
    window: Window,
    joins: &[Join<'_>],
    count: bool,
) -> Result<Page, DbErr> {
    let statement = statement::<E>(info, query, joins, count);
    let mut statement = db.get_database_backend().build(&statement);
    window.append_to(&mut statement.sql);
    let results = db.query_all_raw(statement).await?;
    let mut page = Page::default();
    for result in &results {
        if count && page.total.is_none() {
            let total: i64 = result.try_get("", COUNT)?;
            page.total = Some(u64::try_from(total).unwrap_or_default());
        }
        let row = super::registry::record_of::<E>(&E::Model::from_query_result(result, "")?);
        let mut joined = Vec::with_capacity(joins.len());
        for (index, join) in joins.iter().enumerate() {
            let refers = row
                .get(info, join.column)
                .is_some_and(|v| !super::value::is_null(v));
            let prefix = format!("{}_", join_alias(index));
            joined.push(if refers {
                join.model.read(result, &prefix)
            } else {
                None
            });
        }
        page.rows.push(row);
        page.joined.push(joined);
    }
    if count && page.total.is_none() {
        page.total = Some(total::<E>(db, query).await?);
    }
    Ok(page)
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
