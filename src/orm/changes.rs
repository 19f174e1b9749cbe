//! The column values a form or a request body is about to write.

use sea_orm::Value;

/// The column values a create or update is about to write, by column name. Hooks may change,
/// add or remove values before they are saved.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes {
    values: Vec<(String, Value)>,
}

impl Changes {
    pub(crate) fn new(values: Vec<(String, Value)>) -> Self {
        Self { values }
    }

    /// The value about to be written to `column`, if any.
    pub fn get(&self, column: &str) -> Option<&Value> {
        self.values
            .iter()
            .find(|(name, _)| name == column)
            .map(|(_, value)| value)
    }

    /// Sets (or replaces) the value for `column`.
    pub fn set(&mut self, column: &str, value: impl Into<Value>) {
        let value = value.into();
        match self.values.iter_mut().find(|(name, _)| name == column) {
            Some(slot) => slot.1 = value,
            None => self.values.push((column.to_owned(), value)),
        }
    }

    /// Removes the value for `column`, returning it.
    pub fn remove(&mut self, column: &str) -> Option<Value> {
        let index = self.values.iter().position(|(name, _)| name == column)?;
        Some(self.values.remove(index).1)
    }

    /// Whether nothing is about to be written.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub(crate) fn into_values(self) -> Vec<(String, Value)> {
        self.values
    }
}
