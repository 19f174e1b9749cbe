//! Counting that stops: `SELECT COUNT(*) FROM (SELECT 1 ... LIMIT cap + 1)`, so a count costs
//! at most `cap + 1` rows however large the table is.

use sea_orm::sea_query::{Alias, Expr, SelectStatement};
use sea_orm::{ConnectionTrait, DatabaseExecutor, DbBackend, DbErr, Statement};

use super::model::ModelInfo;
use super::query::Query;

/// How many rows a capped count found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// Exactly this many (at most the cap).
    Exact(u64),
    /// More than the cap.
    More,
}

/// The statement counting the rows of `info`'s table matching `query`, up to `cap + 1`.
fn statement(backend: DbBackend, info: &ModelInfo, query: &Query, cap: u64) -> Statement {
    let mut rows = SelectStatement::new();
    rows.expr(Expr::cust("1"))
        .from(Alias::new(info.table.clone()));
    query.apply_filter(&mut rows);
    let inner = backend.build(&rows);
    let quote = if backend == DbBackend::MySql {
        '`'
    } else {
        '"'
    };
    // The limit is a literal, as for pages (see `Window`): SQLite plans with it.
    let sql = format!(
        "SELECT COUNT(*) AS {quote}n{quote} FROM ({} LIMIT {}) AS {quote}_c{quote}",
        inner.sql,
        cap.saturating_add(1).min(i64::MAX as u64)
    );
    Statement::from_sql_and_values(
        backend,
        sql,
        inner.values.unwrap_or(sea_orm::Values(Vec::new())),
    )
}

/// Counts the rows matching `query`, reading at most `cap + 1` of them.
pub async fn count_upto(
    db: &DatabaseExecutor<'_>,
    info: &ModelInfo,
    query: &Query,
    cap: u64,
) -> Result<Count, DbErr> {
    let statement = statement(db.get_database_backend(), info, query, cap);
    let found: i64 = match db.query_one_raw(statement).await? {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    let found = u64::try_from(found).unwrap_or_default();
    Ok(if found > cap {
        Count::More
    } else {
        Count::Exact(found)
    })
}
