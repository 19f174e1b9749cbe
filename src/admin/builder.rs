//! `AdminBuilder`: registers models and panels, checks them once, builds the [`Admin`].

use std::sync::Arc;

use super::erased::AdminModel;
use super::model_admin::{DefaultAdmin, ModelAdmin};
use super::panel::{Panel, PanelEntry, slug_of};
use super::{Admin, Inner, is_secret};
use crate::Error;
use crate::auth::Auth;
use crate::orm::{Grammar, Limits, ModelEntity, ModelInfo, Registry};

/// How many rows an admin count reads at most, unless configured.
pub const DEFAULT_COUNT_LIMIT: u64 = 10_000;

/// Configures an [`Admin`]; start with [`Admin::builder`].
pub struct AdminBuilder {
    auth: Auth,
    prefix: String,
    branding: Option<String>,
    registry: Registry,
    models: Vec<AdminModel>,
    panels: Vec<PanelEntry>,
    limits: Limits,
    count_limit: u64,
}

impl AdminBuilder {
    pub(super) fn new(auth: &Auth) -> Self {
        Self {
            auth: auth.clone(),
            prefix: "/admin".into(),
            branding: None,
            registry: Registry::new(),
            models: Vec::new(),
            panels: Vec::new(),
            limits: Limits::default(),
            count_limit: DEFAULT_COUNT_LIMIT,
        }
    }

    /// Where the admin is mounted (default `/admin`).
    pub fn prefix(mut self, prefix: &str) -> Self {
        self.prefix = prefix.trim_end_matches('/').to_owned();
        self
    }

    /// The name in the top bar and page titles (default: the `Auth`'s branding).
    pub fn branding(mut self, name: &str) -> Self {
        self.branding = Some(name.to_owned());
        self
    }

    /// Bounds on list filters, ordering, search text and stored text (default:
    /// [`Limits::default`], whose documentation gives each bound). Beyond one, a list shows
    /// the message and a form the error beside the field.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The most rows a list, the dashboard or a foreign-key widget counts (default 10,000): a
    /// count stops after `limit + 1` rows, so its cost does not grow with the table. Beyond
    /// it a list says "10,000+" and pages with previous/next; below it counts stay exact.
    /// A `ModelAdmin` may set its own with [`ModelAdmin::count_limit`].
    pub fn count_limit(mut self, limit: u64) -> Self {
        self.count_limit = limit;
        self
    }

    /// Registers `entity` with its `ModelAdmin`, as `.register(message::Entity, MessageAdmin)`;
    /// registering an entity again replaces it.
    pub fn register<E: ModelEntity, A: ModelAdmin<E>>(self, entity: E, admin: A) -> Self {
        let _ = entity;
        self.register_as(None, admin)
    }

    fn register_as<E: ModelEntity, A: ModelAdmin<E>>(
        mut self,
        slug: Option<&str>,
        admin: A,
    ) -> Self {
        let slug = self.registry.register_as::<E>(slug);
        let Some(model) = self.registry.get(&slug).cloned() else {
            return self;
        };
        let users = slug == self.auth.user_table();
        let secret = users.then(|| self.auth.password_column());
        let admin_flag = users.then(|| self.auth.admin_column());
        self.models.retain(|m| m.slug() != slug);
        self.models
            .push(AdminModel::new::<E, A>(model, admin, secret, admin_flag));
        self
    }

    /// Registers `entity` with every default, as `.register_default(relationship::Entity)`.
    pub fn register_default<E: ModelEntity>(self, entity: E) -> Self {
        self.register(entity, DefaultAdmin)
    }

    /// Adds a dashboard panel titled `title`; panels show in the order they are added.
    pub fn panel(mut self, title: &str, panel: impl Panel) -> Self {
        self.panels.push(PanelEntry {
            title: title.to_owned(),
            slug: slug_of(title),
            panel: Box::new(panel),
        });
        self
    }

    /// Checks the configuration (search and filter paths, slugs, templates) and builds the admin.
    /// The admin lists the audit trail at `<prefix>/audit/` for admin users (see
    /// [`crate::audit`]), unless a model of the site's own takes that slug. Its pages use the
    /// `Auth`'s templates: override them with [`AuthBuilder::template`](crate::auth::AuthBuilder::template).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the problem: a search or filter path that is not a column (or
    /// not text, for search), a `hops` key that is not a foreign key to the named table, a panel
    /// whose slug is empty or a model's, a panel template that does not compile.
    pub fn build(mut self) -> Result<Admin, Error> {
        if !self.models.iter().any(|m| m.slug() == crate::audit::SLUG) {
            self = self.register_as(Some(crate::audit::SLUG), super::audit::AuditAdmin);
        }
        let policy = |model: &ModelInfo, column: &str| is_secret(&self.models, model, column);
        let backend = self.auth.db().get_database_backend();
        for model in &self.models {
            let grammar = Grammar::new(&self.registry, model.info(), &policy, backend);
            let settings = &model.settings;
            for (key, table) in &settings.hops {
                let target = model
                    .info()
                    .column(key)
                    .and_then(|c| c.foreign_key.as_ref());
                if target.is_none_or(|fk| fk.table != *table) {
                    return Err(Error::Config(format!(
                        "admin for `{}`: `{key}` is not a foreign key to `{table}`",
                        model.slug()
                    )));
                }
            }
            for path in settings.search_fields.iter().chain(&settings.filter_fields) {
                let column = grammar
                    .check_path(path)
                    .map_err(|e| Error::Config(format!("admin for `{}`: {e}", model.slug())))?;
                if settings.search_fields.contains(path) && !column.kind.is_text() {
                    return Err(Error::Config(format!(
                        "admin for `{}`: search field `{path}` is not a text column",
                        model.slug()
                    )));
                }
            }
        }
        let mut defaults = Vec::new();
        for panel in &self.panels {
            if panel.slug.is_empty() || self.models.iter().any(|m| m.slug() == panel.slug) {
                return Err(Error::Config(format!(
                    "panel `{}` needs a title whose slug differs from every model's",
                    panel.title
                )));
            }
            defaults.push((panel.template_name(), panel.panel.template().to_owned()));
        }
        let templates = self
            .auth
            .templates()
            .with_defaults(&defaults)
            .map_err(|e| Error::Config(format!("admin templates: {e}")))?;
        let branding = self
            .branding
            .unwrap_or_else(|| self.auth.branding().to_owned());
        // "Export selected" sends a page of checked keys as one `in` filter.
        let widest_page = self.models.iter().map(|m| m.settings.paginate_by).max();
        let page_items = usize::try_from(widest_page.unwrap_or(0)).unwrap_or(usize::MAX);
        let limits = self
            .limits
            .list_items(self.limits.list_items.max(page_items));
        Ok(Admin {
            inner: Arc::new(Inner {
                auth: self.auth,
                prefix: self.prefix,
                branding,
                registry: self.registry,
                models: self.models,
                panels: self.panels,
                templates,
                limits,
                count_limit: self.count_limit,
            }),
        })
    }
}
