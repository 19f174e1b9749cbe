//! Keyset paging: a position in a query's order is the values of its order terms for one row
//! (the primary key is always the last term, so positions are unique), and the rows after it
//! are found with a condition on those terms instead of an `OFFSET`. The cost of a page is
//! then the same at row 10 and at row 900,000, and rows inserted or deleted elsewhere never
//! shift a page.

use sea_orm::sea_query::{Condition, Expr, ExprTrait, Order};
use sea_orm::{ColIdx, DbBackend, DbErr, QueryResult, Value};

use super::model::{ColumnInfo, FieldKind};
use super::page::order_alias;
use super::query::Query;

/// Reads a row's key: the value of each of the query's order terms, selected as `_o<i>`.
pub(crate) fn read(result: &QueryResult, query: &Query) -> Result<Vec<Value>, DbErr> {
    query
        .order_columns()
        .iter()
        .enumerate()
        .map(|(index, column)| read_one(result, order_alias(index).as_str(), column))
        .collect()
}

/// Reads one column of a result (by name or position) as the Rust type SeaORM gives its
/// column type; JSON, binary and other non-scalar columns cannot be read so.
pub(crate) fn read_one<I: ColIdx>(
    result: &QueryResult,
    index: I,
    column: &ColumnInfo,
) -> Result<Value, DbErr> {
    Ok(match column.kind {
        FieldKind::TinyInt => Value::TinyInt(result.try_get_by(index)?),
        FieldKind::SmallInt => Value::SmallInt(result.try_get_by(index)?),
        FieldKind::Int => Value::Int(result.try_get_by(index)?),
        FieldKind::BigInt => Value::BigInt(result.try_get_by(index)?),
        FieldKind::Unsigned => Value::Unsigned(result.try_get_by(index)?),
        FieldKind::BigUnsigned => Value::BigUnsigned(result.try_get_by(index)?),
        FieldKind::Float => Value::Float(result.try_get_by(index)?),
        FieldKind::Double => Value::Double(result.try_get_by(index)?),
        FieldKind::String | FieldKind::Text => Value::String(result.try_get_by(index)?),
        FieldKind::Bool => Value::Bool(result.try_get_by(index)?),
        FieldKind::DateTime => Value::ChronoDateTime(result.try_get_by(index)?),
        FieldKind::DateTimeUtc => Value::ChronoDateTimeUtc(result.try_get_by(index)?),
        FieldKind::Date => Value::ChronoDate(result.try_get_by(index)?),
        FieldKind::Time => Value::ChronoTime(result.try_get_by(index)?),
        FieldKind::Json | FieldKind::Binary | FieldKind::Other => {
            return Err(DbErr::Custom(format!(
                "rows ordered by `{}` cannot be paged by key",
                column.name
            )));
        }
    })
}

/// Whether every order term of `query` can be part of a key: JSON, binary and other
/// non-scalar columns cannot. Returns the message for the client otherwise.
pub fn orderable(query: &Query) -> Result<(), String> {
    match query.order_columns().iter().find(|column| {
        matches!(
            column.kind,
            FieldKind::Json | FieldKind::Binary | FieldKind::Other
        )
    }) {
        Some(column) => Err(format!(
            "ordering by `{}` cannot be paged by key",
            column.name
        )),
        None => Ok(()),
    }
}

/// Restricts `query` to the rows strictly after `key` in its order. `key` has one value per
/// order term (as [`read`] gives them); NULLs sort as the backend sorts them: first in
/// ascending order on SQLite and MySQL, last on PostgreSQL.
pub(crate) fn after(query: &mut Query, key: &[Value], backend: DbBackend) {
    let nulls_last = backend == DbBackend::Postgres;
    let terms: Vec<(Expr, bool, &ColumnInfo)> = query
        .order()
        .iter()
        .zip(query.order_columns())
        .map(|((expr, order), column)| (expr.clone(), matches!(order, Order::Desc), column))
        .collect();
    // Rows after the key: for some term, equal on every term before it and beyond it there.
    let mut any = Condition::any();
    for (index, ((expr, descending, column), value)) in terms.iter().zip(key).enumerate() {
        let Some(beyond) = beyond(expr, *descending, column.nullable, value, nulls_last) else {
            continue;
        };
        let mut all = Condition::all();
        for ((expr, _, _), value) in terms[..index].iter().zip(key) {
            all = all.add(same(expr, value));
        }
        any = any.add(all.add(beyond));
    }
    let mut condition = Condition::all().add(any);
    // A bound on the first term alone, which an index on it can serve.
    if let (Some((expr, descending, column)), Some(value)) = (terms.first(), key.first())
        && terms.len() > 1
        && !column.nullable
        && !super::value::is_null(value)
    {
        condition = condition.add(if *descending {
            expr.clone().lte(value.clone())
        } else {
            expr.clone().gte(value.clone())
        });
    }
    query.and(condition);
}

/// Rows whose term equals `value` (both NULL counts as equal).
fn same(expr: &Expr, value: &Value) -> Condition {
    if super::value::is_null(value) {
        Condition::all().add(expr.clone().is_null())
    } else {
        Condition::all().add(expr.clone().eq(value.clone()))
    }
}

/// Rows whose term sorts strictly after `value`; `None` when none can.
fn beyond(
    expr: &Expr,
    descending: bool,
    nullable: bool,
    value: &Value,
    nulls_last: bool,
) -> Option<Condition> {
    // Whether NULLs come after every value in this term's direction.
    let nulls_after = nulls_last != descending;
    if super::value::is_null(value) {
        return (!nulls_after).then(|| Condition::all().add(expr.clone().is_not_null()));
    }
    let past = if descending {
        expr.clone().lt(value.clone())
    } else {
        expr.clone().gt(value.clone())
    };
    let mut any = Condition::any().add(past);
    if nullable && nulls_after {
        any = any.add(expr.clone().is_null());
    }
    Some(any)
}
