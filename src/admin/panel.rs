//! Dashboard panels: a card on `/admin/` with its own template, data and URLs.

use actix_web::web;
use async_trait::async_trait;
use sea_orm::DatabaseConnection;

use crate::{Context, Error};

/// A card on the admin dashboard, like flask-peewee's `AdminPanel`. Registered with
/// `Admin::builder(&auth).panel("Notes", NotePanel)`; its slug is the title in lower case with
/// dashes (`notes`), and [`routes`](Panel::routes) are mounted under `/admin/<slug>/`, behind
/// the same admin check and CSRF protection as the rest of the admin. An impl that overrides
/// [`context`](Panel::context) carries `#[actix_sea::async_trait]`.
#[async_trait]
pub trait Panel: Send + Sync + 'static {
    /// The Tera source of the card's body. It sees the keys of [`context`](Panel::context)
    /// plus `panel_url` (`/admin/<slug>/`) and `csrf_token`; autoescaping is on. Overridable
    /// as the template `admin/panels/<slug>.html`.
    fn template(&self) -> &'static str;

    /// The data the template renders for the caller `ctx`: a JSON object (default: empty).
    async fn context(
        &self,
        ctx: &Context,
        db: &DatabaseConnection,
    ) -> Result<serde_json::Value, Error> {
        let _ = (ctx, db);
        Ok(serde_json::Value::Object(Default::default()))
    }

    /// Extra URLs, relative to `/admin/<slug>` (default: none). Handlers can use the
    /// [`Admin`](super::Admin) from `web::Data<Admin>` and the extractors of `auth`.
    fn routes(&self, config: &mut web::ServiceConfig) {
        let _ = config;
    }
}

/// A panel with its title and slug.
pub(crate) struct PanelEntry {
    pub(crate) title: String,
    pub(crate) slug: String,
    pub(crate) panel: Box<dyn Panel>,
}

impl PanelEntry {
    pub(crate) fn template_name(&self) -> String {
        format!("admin/panels/{}.html", self.slug)
    }
}

/// `User stats` -> `user-stats`.
pub(crate) fn slug_of(title: &str) -> String {
    let mut slug = String::new();
    for ch in title.trim().chars() {
        if ch.is_ascii_alphanumeric() {
            slug.push(ch.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}
