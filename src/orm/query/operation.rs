//! One filter operation on one column: the SQL condition of `field__op=value`, with the
//! value parsed for the column's type and `LIKE` patterns escaped.

use sea_orm::sea_query::{Condition, Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{DbBackend, Value};

use super::Grammar;
use crate::orm::error::QueryError;
use crate::orm::model::ColumnInfo;
use crate::orm::op::{Op, TextOp};
use crate::orm::pattern::{glob_pattern, like_pattern};
use crate::orm::value::{self, ValueError};

impl Grammar<'_> {
    pub(super) fn operation(
        &self,
        field: &str,
        column: &ColumnInfo,
        expr: Expr,
        op: Op,
        raw: &str,
    ) -> Result<Condition, QueryError> {
        let one = |text: &str| parse_one(field, column, text);
        let cond = |e: Expr| Condition::all().add(e);
        Ok(match op {
            Op::Eq if value::is_null_word(raw) => cond(expr.is_null()),
            Op::Ne if value::is_null_word(raw) => cond(expr.is_not_null()),
            Op::Eq => cond(expr.eq(one(raw)?)),
            Op::Ne => cond(expr.ne(one(raw)?)),
            Op::Lt => cond(expr.lt(one(raw)?)),
            Op::Lte => cond(expr.lte(one(raw)?)),
            Op::Gt => cond(expr.gt(one(raw)?)),
            Op::Gte => cond(expr.gte(one(raw)?)),
            Op::IsNull => {
                let flag =
                    value::parse_bool(raw).ok_or_else(|| invalid(field, raw, "true or false"))?;
                cond(if flag {
                    expr.is_null()
                } else {
                    expr.is_not_null()
                })
            }
            Op::In | Op::NotIn => {
                let (nulls, values): (Vec<&str>, Vec<&str>) = split_list(raw)
                    .into_iter()
                    .partition(|v| value::is_null_word(v));
                let values = values.into_iter().map(one).collect::<Result<Vec<_>, _>>()?;
                if op == Op::In {
                    let mut any = Condition::any().add(expr.clone().is_in(values));
                    if !nulls.is_empty() {
                        any = any.add(expr.is_null());
                    }
                    any
                } else {
                    let mut all = Condition::all().add(expr.clone().is_not_in(values));
                    if !nulls.is_empty() {
                        all = all.add(expr.is_not_null());
                    }
                    all
                }
            }
            Op::Between => match split_list(raw).as_slice() {
                [low, high] => cond(expr.between(one(low)?, one(high)?)),
                _ => return Err(invalid(field, raw, "two comma-separated values").into()),
            },
            Op::Text(text) => {
                if !column.kind.is_text() {
                    return Err(QueryError::OpNotApplicable {
                        field: field.to_owned(),
                        op: op.name().to_owned(),
                    });
                }
                value::from_str(column, raw).map_err(|e| rename(e, field))?;
                cond(self.like(expr, text, raw))
            }
        })
    }

    pub(super) fn like(&self, expr: Expr, text: TextOp, raw: &str) -> Expr {
        let insensitive = text.ignore_case;
        let (start, end) = text.at.wildcards();
        // SQLite's LIKE ignores ASCII case, and its `lower` folds ASCII only: the plain LIKE
        // matches the same rows without a function call per row.
        if insensitive && self.backend == DbBackend::Sqlite {
            let pattern = like_pattern(raw, start, end);
            return expr.like(LikeExpr::new(pattern).escape('\\'));
        }
        if insensitive {
            let pattern = like_pattern(&raw.to_lowercase(), start, end);
            return Expr::expr(Func::lower(expr)).like(LikeExpr::new(pattern).escape('\\'));
        }
        match self.backend {
            // SQLite's LIKE ignores ASCII case; GLOB does not.
            DbBackend::Sqlite => {
                let pattern = glob_pattern(raw, start, end);
                Expr::cust_with_exprs("? GLOB ?", [expr, Expr::val(pattern)])
            }
            // MySQL's default collations ignore case; a binary comparison does not.
            DbBackend::MySql => {
                let pattern = like_pattern(raw, start, end);
                Expr::cust_with_exprs("? LIKE BINARY ?", [expr, Expr::val(pattern)])
            }
            _ => expr.like(LikeExpr::new(like_pattern(raw, start, end)).escape('\\')),
        }
    }
}

fn parse_one(field: &str, column: &ColumnInfo, text: &str) -> Result<Value, QueryError> {
    if text.is_empty() && !column.kind.is_text() {
        return Err(invalid(field, text, "a value (it is empty)").into());
    }
    value::from_str(column, text).map_err(|e| rename(e, field).into())
}

/// Errors name the whole path the client wrote (`user__id`), not just the column.
fn rename(mut error: ValueError, field: &str) -> ValueError {
    error.field = field.to_owned();
    error
}

fn invalid(field: &str, raw: &str, expected: &str) -> ValueError {
    let shown: String = raw.chars().take(40).collect();
    ValueError {
        field: field.to_owned(),
        reason: format!("`{shown}` is not {expected}"),
    }
}

pub(super) fn split_list(raw: &str) -> Vec<&str> {
    raw.split(',').map(str::trim).collect()
}
