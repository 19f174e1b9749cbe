//! SELECT statements built with their `LIMIT` and `OFFSET` written as literals.
//!
//! SQLite prepares a statement again whenever a new value is bound to its `LIMIT` (it plans
//! with the value), so a bound limit would cost a parse per request; literal ones let the
//! connection's statement cache serve each page size and offset. SeaQuery binds them, so the
//! statement is built through a writer that writes the parameter after ` LIMIT ` and
//! ` OFFSET ` as a number and binds every other one as usual. Both are capped at `i64::MAX`,
//! the largest that SQLite and PostgreSQL take: an offset that big is past the end of any
//! table, so a huge page number gives an empty page, never an error.

use std::fmt::{self, Write};

use sea_orm::sea_query::{
    MysqlQueryBuilder, PostgresQueryBuilder, QueryBuilder, SelectStatement, SqlWriter,
    SqlWriterValues, SqliteQueryBuilder,
};
use sea_orm::{ConnectionTrait, DatabaseExecutor, DbBackend, DbErr, Statement, Value};

/// `select` for `backend`, its `LIMIT` and `OFFSET` (also in subqueries) as literals.
pub(crate) fn build(backend: DbBackend, select: &SelectStatement) -> Statement {
    let (sql, values) = match backend {
        DbBackend::MySql => build_with(MysqlQueryBuilder, select),
        DbBackend::Postgres => build_with(PostgresQueryBuilder, select),
        _ => build_with(SqliteQueryBuilder, select),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// `then` preceded by `first`, a statement whose answer is not needed. On SQLite, one text
/// holding both: the driver runs the statements of a text in turn, binding each its own
/// values, in one round trip to the connection's thread. That takes anonymous `?`
/// placeholders, as SeaQuery writes them for SQLite (the driver would bind a numbered one
/// from the text's first value). Elsewhere `first` runs now.
pub(crate) async fn after(
    db: &DatabaseExecutor<'_>,
    first: Statement,
    then: Statement,
) -> Result<Statement, DbErr> {
    if db.get_database_backend() != DbBackend::Sqlite {
        db.execute_raw(first).await?;
        return Ok(then);
    }
    let mut values = first.values.map(|v| v.0).unwrap_or_default();
    values.extend(then.values.map(|v| v.0).unwrap_or_default());
    let sql = format!("{};\n{}", first.sql, then.sql);
    Ok(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        sql,
        values,
    ))
}

fn build_with(builder: impl QueryBuilder, select: &SelectStatement) -> (String, sea_orm::Values) {
    let (placeholder, numbered) = builder.placeholder();
    let mut writer = LiteralWindow {
        inner: SqlWriterValues::new(placeholder, numbered),
        after_keyword: false,
    };
    select.build_collect_any_into(&builder, &mut writer);
    writer.inner.into_parts()
}

/// Binds parameters as `inner` does, except the one right after ` LIMIT ` or ` OFFSET `.
struct LiteralWindow {
    inner: SqlWriterValues,
    /// Whether the last text written was ` LIMIT ` or ` OFFSET ` (SeaQuery writes each
    /// keyword in one piece, right before its value).
    after_keyword: bool,
}

impl Write for LiteralWindow {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        self.after_keyword = matches!(text, " LIMIT " | " OFFSET ");
        self.inner.write_str(text)
    }

    fn write_char(&mut self, c: char) -> fmt::Result {
        self.after_keyword = false;
        self.inner.write_char(c)
    }
}

impl fmt::Display for LiteralWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl SqlWriter for LiteralWindow {
    fn push_param<T: QueryBuilder>(&mut self, value: Value, query_builder: &T) {
        match value {
            Value::BigUnsigned(Some(count)) if self.after_keyword => {
                self.after_keyword = false;
                let _ = write!(self.inner, "{}", Ord::min(count, i64::MAX as u64));
            }
            other => self.inner.push_param(other, query_builder),
        }
    }

    fn as_writer(&mut self) -> &mut dyn Write {
        self as _
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, SelectStatement};
    use sea_orm::{ConnectionTrait, DatabaseExecutor, DbBackend, Statement, Value};

    use super::build;

    fn page(limit: u64, offset: u64) -> SelectStatement {
        let mut rows = SelectStatement::new();
        rows.column(Alias::new("id"))
            .from(Alias::new("message"))
            .and_where(Expr::col(Alias::new("content")).eq("LIMIT 5"))
            .limit(limit)
            .offset(offset);
        let mut outer = SelectStatement::new();
        outer
            .column(Alias::new("id"))
            .from_subquery(rows, Alias::new("_p"))
            .and_where(Expr::col(Alias::new("id")).gt(7));
        outer
    }

    #[tokio::test]
    async fn a_statement_after_a_write_binds_its_own_values_in_the_same_text() {
        let db = crate::db::connect("sqlite::memory:").await.unwrap();
        db.execute_unprepared("CREATE TABLE t (a INTEGER, b TEXT)")
            .await
            .unwrap();
        let exec = DatabaseExecutor::from(&db);
        let first = Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "INSERT INTO t VALUES (?, ?), (?, ?)",
            [7.into(), "seven".into(), 8.into(), "eight".into()],
        );
        let then = Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "SELECT b FROM t WHERE a = ?",
            [8.into()],
        );
        let both = super::after(&exec, first, then).await.unwrap();
        let rows = exec.query_all_raw(both).await.unwrap();
        let found: Vec<String> = rows.iter().map(|r| r.try_get("", "b").unwrap()).collect();
        assert_eq!(found, ["eight"]);
    }

    #[test]
    fn limit_and_offset_are_literals_and_other_values_stay_bound() {
        let statement = build(DbBackend::Postgres, &page(20, 40));
        assert_eq!(
            statement.sql,
            r#"SELECT "id" FROM (SELECT "id" FROM "message" WHERE "content" = $1 LIMIT 20 OFFSET 40) AS "_p" WHERE "id" > $2"#
        );
        let values = statement.values.unwrap().0;
        assert_eq!(values, vec![Value::from("LIMIT 5"), Value::from(7)]);
        let mysql = build(DbBackend::MySql, &page(u64::MAX, 1));
        assert!(
            mysql.sql.contains(" LIMIT 9223372036854775807 OFFSET 1)"),
            "{}",
            mysql.sql
        );
        assert!(mysql.sql.contains("`content` = ?"), "{}", mysql.sql);
    }
}
