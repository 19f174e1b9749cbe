//! The entities a front door serves, by slug: foreign-key traversal in filters follows only
//! these.

use std::collections::BTreeMap;

use super::binding::{Binding, ModelEntity};
use super::model::ModelInfo;

/// The models known to a site, by slug. Foreign-key traversal in filters follows only models
/// that are registered here.
#[derive(Clone, Default)]
pub struct Registry {
    models: BTreeMap<String, Binding>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers an entity under `slug` instead of its table name (the crate's own tables,
    /// such as the audit trail's, are served under short names); returns the slug.
    pub(crate) fn register_as<E: ModelEntity>(&mut self, slug: Option<&str>) -> String {
        let binding = Binding::of::<E>(slug);
        let slug = binding.info().slug.clone();
        self.models.entry(slug.clone()).or_insert(binding);
        slug
    }

    /// The binding registered under `slug`.
    pub fn get(&self, slug: &str) -> Option<&Binding> {
        self.models.get(slug)
    }

    /// The metadata of the model registered under `slug`.
    pub fn model(&self, slug: &str) -> Option<&ModelInfo> {
        self.models.get(slug).map(Binding::info)
    }
}
