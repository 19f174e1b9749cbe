//! One page of a list in one statement: the rows, the rows their foreign keys refer to (outer
//! joins) and how many rows the filter matches (a scalar subquery). On SQLite every statement
//! is a round trip to the connection's worker thread, so one statement instead of three is
//! most of the cost of a page.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, SelectStatement, SubQueryStatement};
use sea_orm::{ConnectionTrait, DatabaseExecutor, DbErr, EntityTrait, FromQueryResult, QueryTrait};

use std::collections::HashMap;

use super::model::{ModelInfo, column_expr};
use super::query::Query;
use super::record::Record;
use super::registry::{ErasedModel, record_of};
use super::value;

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
/// for it separately. Joined rows come in the same statement on a first page; past it, an
/// outer join would also look up the rows the offset skips, so they come from one `IN` query
/// per join instead.
pub(crate) async fn fetch<E: EntityTrait<Model: Sync>>(
    info: &ModelInfo,
    db: &DatabaseExecutor<'_>,
    query: &Query,
    window: Window,
    joins: &[Join<'_>],
    count: bool,
) -> Result<Page, DbErr> {
    let inline = if window.offset == 0 { joins } else { &[] };
    let statement = statement::<E>(info, query, inline, count);
    let mut statement = db.get_database_backend().build(&statement);
    window.append_to(&mut statement.sql);
    let results = db.query_all_raw(statement).await?;
    let mut page = Page {
        related: vec![Vec::new(); joins.len()],
        ..Page::default()
    };
    let mut seen: Vec<HashMap<String, usize>> = vec![HashMap::new(); inline.len()];
    for result in &results {
        if count && page.total.is_none() {
            let total: i64 = result.try_get("", COUNT)?;
            page.total = Some(u64::try_from(total).unwrap_or_default());
        }
        let row = record_of::<E>(&E::Model::from_query_result(result, "")?);
        let mut joined = Vec::with_capacity(joins.len());
        for (index, join) in inline.iter().enumerate() {
            let Some(key) = row.get(info, join.column).filter(|v| !value::is_null(v)) else {
                joined.push(None);
                continue;
            };
            let key = value::to_text(key);
            let position = match seen[index].get(&key) {
                Some(&position) => Some(position),
                None => join
                    .model
                    .read(result, &format!("{}_", join_alias(index)))
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
    if inline.len() < joins.len() {
        attach(info, db, joins, &mut page).await?;
    }
    if count && page.total.is_none() {
        page.total = Some(total::<E>(db, query).await?);
    }
    Ok(page)
}

/// Fills `related` and `joined` with one `IN` query per join.
async fn attach(
    info: &ModelInfo,
    db: &DatabaseExecutor<'_>,
    joins: &[Join<'_>],
    page: &mut Page,
) -> Result<(), DbErr> {
    for (index, join) in joins.iter().enumerate() {
        let keys = Record::distinct(&page.rows, info, join.column);
        let related = join.model.find_in(db, join.key, keys).await?;
        let target = join.model.info();
        let positions: HashMap<String, usize> = related
            .iter()
            .enumerate()
            .filter_map(|(position, row)| {
                Some((value::to_text(row.get(target, join.key)?), position))
            })
            .collect();
        for (row, joined) in page.rows.iter().zip(&mut page.joined) {
            let key = row.get(info, join.column).map(value::to_text);
            joined.push(key.and_then(|key| positions.get(&key).copied()));
        }
        page.related[index] = related;
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
