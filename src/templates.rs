//! The Tera templates of the auth pages and the admin: embedded in the binary, each
//! overridable by the application.

use std::sync::Arc;

use tera::{Context, Tera};

/// The templates shipped in `admin_templates/`, by name.
const EMBEDDED: &[(&str, &str)] = &[
    ("base.html", include_str!("../admin_templates/base.html")),
    (
        "auth/login.html",
        include_str!("../admin_templates/auth/login.html"),
    ),
    (
        "auth/logout.html",
        include_str!("../admin_templates/auth/logout.html"),
    ),
    (
        "auth/password.html",
        include_str!("../admin_templates/auth/password.html"),
    ),
    ("error.html", include_str!("../admin_templates/error.html")),
    (
        "admin/base.html",
        include_str!("../admin_templates/admin/base.html"),
    ),
    (
        "admin/dashboard.html",
        include_str!("../admin_templates/admin/dashboard.html"),
    ),
    (
        "admin/list.html",
        include_str!("../admin_templates/admin/list.html"),
    ),
    (
        "admin/form.html",
        include_str!("../admin_templates/admin/form.html"),
    ),
    (
        "admin/history.html",
        include_str!("../admin_templates/admin/history.html"),
    ),
    (
        "admin/groups.html",
        include_str!("../admin_templates/admin/groups.html"),
    ),
    (
        "admin/group_form.html",
        include_str!("../admin_templates/admin/group_form.html"),
    ),
    (
        "admin/detail.html",
        include_str!("../admin_templates/admin/detail.html"),
    ),
    (
        "admin/delete.html",
        include_str!("../admin_templates/admin/delete.html"),
    ),
    (
        "admin/error.html",
        include_str!("../admin_templates/admin/error.html"),
    ),
];

/// A compiled template set with the site's overrides; cheap to clone.
#[derive(Clone)]
pub(crate) struct Templates {
    tera: Arc<Tera>,
    overrides: Arc<[(String, String)]>,
}

impl Templates {
    /// The embedded templates, with `overrides` (name, source) replacing or adding templates.
    pub(crate) fn new(overrides: Vec<(String, String)>) -> Result<Self, tera::Error> {
        Self::compile(&[], overrides.into())
    }

    /// This set plus `defaults` (name, source) for the names the site did not override: the
    /// admin adds its panels' templates this way, so an override given to `Auth` wins.
    pub(crate) fn with_defaults(&self, defaults: &[(String, String)]) -> Result<Self, tera::Error> {
        Self::compile(defaults, Arc::clone(&self.overrides))
    }

    fn compile(
        defaults: &[(String, String)],
        overrides: Arc<[(String, String)]>,
    ) -> Result<Self, tera::Error> {
        let mut tera = Tera::default();
        tera.autoescape_on(vec![".html"]);
        let mut all: Vec<(&str, &str)> = EMBEDDED.to_vec();
        all.extend(
            defaults
                .iter()
                .chain(overrides.iter())
                .map(|(name, source)| (name.as_str(), source.as_str())),
        );
        tera.add_raw_templates(all)?;
        Ok(Self {
            tera: Arc::new(tera),
            overrides,
        })
    }

    /// Renders a template; a failure is a 500 whose cause (Tera names the template) is
    /// logged.
    pub(crate) fn render(&self, name: &str, context: &Context) -> Result<String, crate::Error> {
        self.tera
            .render(name, context)
            .map_err(crate::Error::internal)
    }
}
