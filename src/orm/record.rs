use std::any::Any;
use std::fmt;
use std::sync::Arc;

use sea_orm::Value;
use serde_json::{Map, Value as Json};

use super::model::ModelInfo;
use super::value;

/// One row of a registered model: its values in the order of [`ModelInfo::columns`] and,
/// when it was read or written through its entity, the entity's own model, for typed hooks.
#[derive(Clone)]
pub struct Record {
    values: Vec<Value>,
    model: Option<Arc<dyn Any + Send + Sync>>,
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Record")
            .field("values", &self.values)
            .finish()
    }
}

impl PartialEq for Record {
    /// Two records are equal when their values are.
    fn eq(&self, other: &Self) -> bool {
        self.values == other.values
    }
}

impl Record {
    pub(crate) fn new(values: Vec<Value>) -> Self {
        Self {
            values,
            model: None,
        }
    }

    /// The values with the typed model they were read from.
    pub(crate) fn typed<M: Send + Sync + 'static>(values: Vec<Value>, model: M) -> Self {
        Self {
            values,
            model: Some(Arc::new(model)),
        }
    }

    /// The entity's own model of this row, when the record was made from one of type `M`.
    pub(crate) fn model<M: 'static>(&self) -> Option<&M> {
        self.model.as_deref()?.downcast_ref()
    }

    /// The values, in the order of [`ModelInfo::columns`].
    pub(crate) fn values(&self) -> &[Value] {
        &self.values
    }

    /// The value of the column called `name`.
    pub fn get(&self, info: &ModelInfo, name: &str) -> Option<&Value> {
        let index = info.columns.iter().position(|c| c.name == name)?;
        self.values.get(index)
    }

    /// The row's token: a hash of its stored values (see `orm::token`), the API's `ETag`
    /// and the admin's `_version`.
    pub(crate) fn token(&self) -> String {
        super::token::of(&self.values)
    }

    /// The primary-key value.
    pub fn pk(&self, info: &ModelInfo) -> &Value {
        &self.values[info.pk]
    }

    /// The distinct non-NULL values of column `name` across `rows`, in first-seen order: the
    /// keys to fetch related rows with in one query.
    pub fn distinct(rows: &[Record], info: &ModelInfo, name: &str) -> Vec<Value> {
        let mut seen = std::collections::HashSet::new();
        rows.iter()
            .filter_map(|row| row.get(info, name))
            .filter(|v| !value::is_null(v) && seen.insert(value::to_text(v)))
            .cloned()
            .collect()
    }

    /// The row as a JSON object with column names as keys, keeping the columns `keep` accepts.
    pub fn to_json(&self, info: &ModelInfo, keep: impl Fn(&str) -> bool) -> Map<String, Json> {
        // Inserted one by one: collecting would sort a vector of the pairs first, which costs
        // more than placing a few keys in one node.
        let mut object = Map::new();
        for (column, value) in info.columns.iter().zip(&self.values) {
            if keep(&column.name) {
                object.insert(column.name.clone(), value::to_json(value));
            }
        }
        object
    }
}
