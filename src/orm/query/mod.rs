//! The query grammar shared by the admin and the REST API:
//! `field=v`, `field__op=v`, `-field__op=v`, `fk__field=v` (up to 3 hops),
//! `ordering=[-]a,[-]b`, and the `page`/`limit` rules.

use std::collections::BTreeMap;

use sea_orm::DbBackend;
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Order, SelectStatement};

use super::error::QueryError;
use super::limits::Limits;
use super::model::{ColumnInfo, ModelInfo, column_expr};
use super::op::Op;
use super::registry::Registry;

mod compiled;
mod operation;
mod search;

pub use compiled::{page_number, page_size};
use operation::split_list;

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
#[derive(Debug, Clone, PartialEq)]
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
}

#[cfg(test)]
mod tests;
