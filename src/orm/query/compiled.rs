//! A compiled [`Query`]: applied to a `SELECT`, reversed for keyset pages, narrowed by a
//! front door's scope; and the page rules.

use std::collections::BTreeMap;

use sea_orm::sea_query::{Alias, Condition, Expr, JoinType, Order, SelectStatement};

use super::Query;
use crate::orm::model::{ColumnInfo, ModelInfo, column_expr};

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

    /// Whether the query keeps every row (no filter, scope or search).
    pub(crate) fn unfiltered(&self) -> bool {
        self.condition.is_empty()
    }

    /// Whether `self` and `other` make the same statement: the same joins, filter and order
    /// (the order's columns follow from the order).
    pub(crate) fn same(&self, other: &Query) -> bool {
        self.keyed == other.keyed
            && self.order == other.order
            && self.joins == other.joins
            && self.condition == other.condition
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
