//! The query grammar shared by the admin and the REST API:
//! `field=v`, `field__op=v`, `-field__op=v`, `fk__field=v` (up to 3 hops),
//! `ordering=[-]a,[-]b`, and the `page`/`limit` rules.

use std::collections::BTreeMap;

use sea_orm::sea_query::{
    Alias, Condition, Expr, ExprTrait, Func, JoinType, LikeExpr, Order, SelectStatement,
};
use sea_orm::{DbBackend, Value};

use super::error::QueryError;
use super::limits::Limits;
use super::model::{ColumnInfo, ModelInfo, column_expr};
use super::op::{Op, TextOp};
use super::pattern::{glob_pattern, like_pattern};
use super::registry::Registry;
use super::value::{self, ValueError};

/// How many foreign keys one field path may cross.
pub const MAX_HOPS: usize = 3;

/// Query-string keys that are never filters.
pub const RESERVED_PARAMS: [&str; 4] = ["page", "limit", "ordering", "cursor"];

/// Decides what of each model a caller may reach: the fields it may not filter or order on
/// (excluded and write-only fields; called for every column a path touches) and the rows it
/// may see (the front door's `get_query`, applied to every model a path crosses into).
pub trait FieldPolicy {
    /// Whether `column` of `model` is hidden from this caller.
    fn hidden(&self, model: &ModelInfo, column: &str) -> bool;

    /// The rows of `model` this caller may see (default: all). A path crossing a foreign key
    /// into `model` treats the other rows as absent.
    fn scope(&self, model: &ModelInfo) -> Condition {
        let _ = model;
        Condition::all()
    }
}

impl<F: Fn(&ModelInfo, &str) -> bool> FieldPolicy for F {
    fn hidden(&self, model: &ModelInfo, column: &str) -> bool {
        self(model, column)
    }
}

/// A foreign key a path crosses: the joined table, the alias it is joined from, the column
/// there, the referenced column, and the rows of the joined table the caller may see.
#[derive(Debug, Clone)]
struct Hop {
    table: String,
    from: String,
    column: String,
    key: String,
    scope: Condition,
}

impl Hop {
    /// `alias.key = from.column`, and, under a scope, `alias.key IN (SELECT key FROM table
    /// WHERE scope)`: the scope names the real table, which the subquery selects from.
    fn on(&self, alias: &str) -> Condition {
        let joined = column_expr(alias, &self.key).equals((
            Alias::new(self.from.clone()),
            Alias::new(self.column.clone()),
        ));
        let mut on = Condition::all().add(joined);
        if !self.scope.is_empty() {
            on = on.add(column_expr(alias, &self.key).in_subquery(visible_keys(
                &self.table,
                &self.key,
                self.scope.clone(),
            )));
        }
        on
    }
}

/// `SELECT table.key FROM table WHERE scope`: the keys of the rows a caller may see.
pub(crate) fn visible_keys(table: &str, key: &str, scope: Condition) -> SelectStatement {
    let mut select = SelectStatement::new();
    select
        .expr(column_expr(table, key))
        .from(Alias::new(table.to_owned()))
        .cond_where(scope);
    select
}

/// A compiled filter and ordering, ready to be applied to a `SELECT` of the base model.
#[derive(Debug, Clone)]
pub struct Query {
    condition: Condition,
    /// Join alias -> the foreign key crossed.
    joins: BTreeMap<String, Hop>,
    order: Vec<(Expr, Order)>,
    /// The column of each order term; nullable when it is reached through a join.
    order_columns: Vec<ColumnInfo>,
    /// Whether pages of this query come with each row's key (its order terms' values).
    keyed: bool,
}

/// Where a field path ends: the alias of the table that holds the column, and the column.
struct Resolved<'a> {
    alias: String,
    column: &'a ColumnInfo,
}

/// Compiles request parameters against one model.
pub struct Grammar<'a> {
    registry: &'a Registry,
    model: &'a ModelInfo,
    policy: &'a dyn FieldPolicy,
    backend: DbBackend,
    limits: Limits,
}

impl<'a> Grammar<'a> {
    /// A grammar for `model`, following foreign keys into the models of `registry`, with the
    /// default [`Limits`].
    pub fn new(
        registry: &'a Registry,
        model: &'a ModelInfo,
        policy: &'a dyn FieldPolicy,
        backend: DbBackend,
    ) -> Self {
        Self {
            registry,
            model,
            policy,
            backend,
            limits: Limits::default(),
        }
    }

    /// The bounds on filters, ordering and search this grammar enforces.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Compiles every parameter except the reserved ones and `ignore` into a filter, and
    /// `ordering` into an order (primary key ascending is always the last tie-breaker).
    pub fn compile(
        &self,
        params: &[(String, String)],
        ignore: &[&str],
    ) -> Result<Query, QueryError> {
        let mut query = Query {
            condition: Condition::all(),
            joins: BTreeMap::new(),
            order: Vec::new(),
            order_columns: Vec::new(),
            keyed: false,
        };
        let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        let mut filters = 0;
        for (key, value) in params {
            if RESERVED_PARAMS.contains(&key.as_str()) || ignore.contains(&key.as_str()) {
                continue;
            }
            filters += 1;
            if filters > self.limits.filters {
                return Err(QueryError::TooManyFilters(self.limits.filters));
            }
            groups.entry(key.as_str()).or_default().push(value.as_str());
        }
        for (key, values) in groups {
            let condition = self.filter(&mut query, key, &values, self.limits.value_chars)?;
            query.and(condition);
        }
        let ordering = params.iter().rev().find(|(key, _)| key == "ordering");
        if let Some((_, spec)) = ordering {
            self.ordering(&mut query, spec)?;
        }
        let pk = self.model.pk_column();
        query
            .order
            .push((column_expr(&self.model.table, &pk.name), Order::Asc));
        query.order_columns.push(pk.clone());
        Ok(query)
    }

    /// Adds a search: rows where any of the text `fields` (paths such as `user__username`)
    /// contains `text`, ignoring case. Blank text adds nothing; text longer than the limit is
    /// an error. A field across foreign keys is searched with a subquery
    /// (`user IN (SELECT id FROM user WHERE username LIKE ..)`), evaluated once, rather than
    /// a join that every row of the list and of its count would go through.
    pub fn search(
        &self,
        query: &mut Query,
        fields: &[String],
        text: &str,
    ) -> Result<(), QueryError> {
        if let Some(condition) = self.search_condition(fields, text)? {
            query.and(condition);
        }
        Ok(())
    }

    /// The condition [`search`](Self::search) adds, `None` for blank text or no fields.
    pub fn search_condition(
        &self,
        fields: &[String],
        text: &str,
    ) -> Result<Option<Condition>, QueryError> {
        let text = text.trim();
        let max = self.limits.search_chars;
        if text.chars().nth(max).is_some() {
            return Err(QueryError::SearchTooLong(max));
        }
        if text.is_empty() || fields.is_empty() {
            return Ok(None);
        }
        let mut any = Condition::any();
        for field in fields {
            let segments: Vec<&str> = field.split("__").collect();
            any = any.add(self.search_field(self.model, &self.model.table, &segments, text)?);
        }
        Ok(Some(any))
    }

    /// The search of one field path from `model` (under `alias`): `icontains` on the column,
    /// through an `IN` subquery per foreign key crossed.
    fn search_field(
        &self,
        model: &ModelInfo,
        alias: &str,
        segments: &[&str],
        text: &str,
    ) -> Result<Condition, QueryError> {
        let path = segments.join("__");
        let (name, rest) = segments
            .split_first()
            .ok_or_else(|| QueryError::UnknownField(path.clone()))?;
        let column = model
            .column(name)
            .ok_or_else(|| QueryError::UnknownField(path.clone()))?;
        if self.policy.hidden(model, name) {
            return Err(QueryError::HiddenField(path));
        }
        let expr = column_expr(alias, name);
        if rest.is_empty() {
            self.check_size(name, Op::ICONTAINS, text, self.limits.search_chars)?;
            return self.operation(name, column, expr, Op::ICONTAINS, text);
        }
        let fk = column
            .foreign_key
            .as_ref()
            .ok_or_else(|| QueryError::UnknownField(path.clone()))?;
        let target = self
            .registry
            .model(&fk.table)
            .ok_or_else(|| QueryError::UnknownField(path.clone()))?;
        let mut inner = SelectStatement::new();
        inner
            .expr(column_expr(&target.table, &fk.column))
            .from(Alias::new(target.table.clone()))
            .cond_where(self.search_field(target, &target.table, rest, text)?);
        Ok(Condition::all().add(expr.in_subquery(inner)))
    }

    /// Checks that `path` names a column (across foreign keys) without building anything.
    pub fn check_path(&self, path: &str) -> Result<&'a ColumnInfo, QueryError> {
        let mut scratch = Query {
            condition: Condition::all(),
            joins: BTreeMap::new(),
            order: Vec::new(),
            order_columns: Vec::new(),
            keyed: false,
        };
        let segments: Vec<&str> = path.split("__").collect();
        let (resolved, rest) = self.resolve(&mut scratch, &segments)?;
        if !rest.is_empty() {
            return Err(QueryError::UnknownField(path.to_owned()));
        }
        Ok(resolved.column)
    }

    fn ordering(&self, query: &mut Query, spec: &str) -> Result<(), QueryError> {
        let parts: Vec<&str> = spec
            .split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .collect();
        if parts.len() > self.limits.ordering_fields {
            return Err(QueryError::TooManyOrderings(self.limits.ordering_fields));
        }
        for part in parts {
            let (path, order) = match part.strip_prefix('-') {
                Some(path) => (path, Order::Desc),
                None => (part, Order::Asc),
            };
            let segments: Vec<&str> = path.split("__").collect();
            let (resolved, rest) = self.resolve(query, &segments)?;
            if !rest.is_empty() {
                return Err(QueryError::UnknownField(path.to_owned()));
            }
            query
                .order
                .push((column_expr(&resolved.alias, &resolved.column.name), order));
            let mut column = resolved.column.clone();
            column.nullable |= resolved.alias != self.model.table;
            query.order_columns.push(column);
        }
        Ok(())
    }

    /// One filter key with all its values; each value (each item of a list) may have at most
    /// `max_chars` characters.
    fn filter(
        &self,
        query: &mut Query,
        key: &str,
        values: &[&str],
        max_chars: usize,
    ) -> Result<Condition, QueryError> {
        let (negated, path) = match key.strip_prefix('-') {
            Some(path) => (true, path),
            None => (false, key),
        };
        let segments: Vec<&str> = path.split("__").collect();
        let (resolved, rest) = self.resolve(query, &segments)?;
        let op = match rest {
            [] => Op::Eq,
            [name] => Op::parse(name).ok_or_else(|| QueryError::UnknownOp {
                field: segments[..segments.len() - 1].join("__"),
                op: (*name).to_owned(),
            })?,
            _ => return Err(QueryError::UnknownField(path.to_owned())),
        };
        let field = segments[..segments.len() - rest.len()].join("__");
        let column = column_expr(&resolved.alias, &resolved.column.name);
        let negative = negated != op.excludes();
        let mut combined = if negative {
            Condition::all()
        } else {
            Condition::any()
        };
        for raw in values {
            self.check_size(key, op, raw, max_chars)?;
            let mut single = self.operation(&field, resolved.column, column.clone(), op, raw)?;
            if negated {
                single = single.not();
            }
            combined = combined.add(single);
        }
        Ok(combined)
    }

    /// Refuses a value longer than `max_chars` (each item, for list operators) and an `in` or
    /// `not_in` list longer than the limit, before anything is parsed or sent to the database.
    fn check_size(&self, key: &str, op: Op, raw: &str, max_chars: usize) -> Result<(), QueryError> {
        let too_long = |text: &str| text.chars().nth(max_chars).is_some();
        let too_long_error = || QueryError::ValueTooLong {
            field: key.to_owned(),
            max: max_chars,
        };
        if !op.takes_list() {
            return if too_long(raw) {
                Err(too_long_error())
            } else {
                Ok(())
            };
        }
        let items = self.limits.list_items;
        if raw.split(',').nth(items).is_some() {
            return Err(QueryError::TooManyItems {
                field: key.to_owned(),
                max: items,
            });
        }
        if split_list(raw).into_iter().any(too_long) {
            return Err(too_long_error());
        }
        Ok(())
    }

    /// Walks a field path, joining each foreign key it crosses. Returns where the path's last
    /// column lives and the segments left over (an operator, if any).
    fn resolve<'p>(
        &self,
        query: &mut Query,
        segments: &'p [&'p str],
    ) -> Result<(Resolved<'a>, &'p [&'p str]), QueryError> {
        let mut model: &'a ModelInfo = self.model;
        let mut alias = self.model.table.clone();
        let mut hops = 0;
        for (index, name) in segments.iter().enumerate() {
            let path = segments[..=index].join("__");
            let column = model
                .column(name)
                .ok_or_else(|| QueryError::UnknownField(path.clone()))?;
            if self.policy.hidden(model, name) {
                return Err(QueryError::HiddenField(path));
            }
            let rest = &segments[index + 1..];
            let next = rest.first();
            let crosses = column.foreign_key.is_some()
                && next.is_some_and(|next| !(rest.len() == 1 && Op::parse(next).is_some()));
            if !crosses {
                return Ok((Resolved { alias, column }, rest));
            }
            hops += 1;
            if hops > MAX_HOPS {
                return Err(QueryError::TooDeep(segments.join("__")));
            }
            let Some(fk) = &column.foreign_key else {
                unreachable!("checked above")
            };
            let target = self
                .registry
                .model(&fk.table)
                .ok_or_else(|| QueryError::UnknownField(path.clone()))?;
            let join_alias = format!("j{hops}_{}", path.replace("__", "_"));
            query
                .joins
                .entry(join_alias.clone())
                .or_insert_with(|| Hop {
                    table: fk.table.clone(),
                    from: alias.clone(),
                    column: column.name.clone(),
                    key: fk.column.clone(),
                    scope: self.policy.scope(target),
                });
            model = target;
            alias = join_alias;
        }
        Err(QueryError::UnknownField(segments.join("__")))
    }

    fn operation(
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

    fn like(&self, expr: Expr, text: TextOp, raw: &str) -> Expr {
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

fn split_list(raw: &str) -> Vec<&str> {
    raw.split(',').map(str::trim).collect()
}

impl Query {
    /// Every row of `model`, in primary-key order.
    pub fn everything(model: &ModelInfo) -> Self {
        Self {
            condition: Condition::all(),
            joins: BTreeMap::new(),
            order: vec![(
                column_expr(&model.table, &model.pk_column().name),
                Order::Asc,
            )],
            order_columns: vec![model.pk_column().clone()],
            keyed: false,
        }
    }

    /// The column of each order term (see [`order`](Self::order)).
    pub(crate) fn order_columns(&self) -> &[ColumnInfo] {
        &self.order_columns
    }

    /// Asks pages of this query for each row's key (see [`Page::keys`](super::Page::keys)).
    pub(crate) fn with_keys(&mut self) {
        self.keyed = true;
    }

    /// Whether pages of this query come with each row's key.
    pub(crate) fn keyed(&self) -> bool {
        self.keyed
    }

    /// Turns the order around: every term in the other direction.
    pub(crate) fn reverse(&mut self) {
        for (_, order) in &mut self.order {
            *order = match order {
                Order::Desc => Order::Asc,
                _ => Order::Desc,
            };
        }
    }

    /// The order: expressions over the base table and its joins, each with its direction.
    pub(crate) fn order(&self) -> &[(Expr, Order)] {
        &self.order
    }

    /// Adds the joins, the filter and the order to a `SELECT` over the base model's table.
    pub fn apply(&self, select: &mut SelectStatement) {
        self.apply_filter(select);
        for (expr, order) in &self.order {
            select.order_by_expr(expr.clone(), order.clone());
        }
    }

    /// Adds the joins and the filter only (for counting).
    pub fn apply_filter(&self, select: &mut SelectStatement) {
        for (alias, hop) in &self.joins {
            select.join_as(
                JoinType::LeftJoin,
                Alias::new(hop.table.clone()),
                Alias::new(alias.clone()),
                hop.on(alias),
            );
        }
        if !self.condition.is_empty() {
            select.cond_where(self.condition.clone());
        }
    }

    /// Adds one more condition (a resource's scoping, an admin search) to the filter. An
    /// empty condition adds nothing (not even `WHERE TRUE`, which would cost SQLite its fast
    /// count).
    pub fn and(&mut self, condition: Condition) {
        if !condition.is_empty() {
            self.condition =
                std::mem::replace(&mut self.condition, Condition::all()).add(condition);
        }
    }
}

/// The 1-based page number: missing, invalid or below 1 gives 1; at most `i64::MAX`, so
/// the page before and after it never overflow. A page past the end is empty, and the offset
/// it asks for is capped where it is written into SQL ([`Window`](super::Window)).
pub fn page_number(raw: Option<&str>) -> u64 {
    raw.and_then(|text| text.trim().parse::<u64>().ok())
        .filter(|&page| page >= 1)
        .map_or(1, |page| Ord::min(page, i64::MAX as u64))
}

/// The page size: `limit` when it is a positive number (capped at `max`), else `paginate_by`;
/// `None` (one page with everything) when neither is given. An explicit `limit` pages even a
/// model that is not paginated by default, as flask-peewee does.
pub fn page_size(raw: Option<&str>, paginate_by: Option<u64>, max: u64) -> Option<u64> {
    let requested = raw
        .and_then(|text| text.trim().parse::<u64>().ok())
        .filter(|&n| n > 0);
    Some(Ord::min(requested.or(paginate_by)?, Ord::max(max, 1)))
}

#[cfg(test)]
#[path = "query_tests.rs"]
mod tests;
