//! The admin's search box: `icontains` over a model's search fields, across foreign keys
//! through subqueries.

use sea_orm::sea_query::{Alias, Condition, ExprTrait, SelectStatement};

use super::{Grammar, Query};
use crate::orm::error::QueryError;
use crate::orm::model::{ModelInfo, column_expr};
use crate::orm::op::Op;

impl Grammar<'_> {
    /// Adds a search: rows where, for each word of `text` (split at white space, as Django's
    /// admin does), any of the text `fields` (paths such as `user__username`) contains the
    /// word, ignoring case. Blank text adds nothing; text longer than the limit is
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
        if text.contains('\0') {
            return Err(QueryError::SearchNul);
        }
        if text.is_empty() || fields.is_empty() {
            return Ok(None);
        }
        let mut every = Condition::all();
        for word in text.split_whitespace() {
            let mut any = Condition::any();
            for field in fields {
                let segments: Vec<&str> = field.split("__").collect();
                any = any.add(self.search_field(self.model, &self.model.table, &segments, word)?);
            }
            every = every.add(any);
        }
        Ok(Some(every))
    }

    /// The search of one field path from `model` (under `alias`): `icontains` on the column,
    /// through an `IN` subquery per foreign key crossed.
    pub(super) fn search_field(
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
}
