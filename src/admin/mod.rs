//! The Django-style admin: a dashboard with panels at `/admin/`, and for every registered
//! entity a list (search, filters, sorting, paging, bulk actions, export), add and edit forms
//! generated from its columns, and a delete page that shows what cascades.
//!
//! Concurrent edits are caught, with no version column in the schema: the edit form carries
//! the row's version (a hash of its stored values, the API's `ETag`) in a hidden `_version`,
//! and a save over a row changed since the form was shown is refused with status 409, the
//! form again with the user's input and, beside each field changed meanwhile, the stored
//! value. The delete confirmation carries the versions of the rows it lists and is shown
//! again when any changed. Both checks hold the rows locked until the write commits. Bulk
//! actions from the list carry no versions: an action runs on the selected rows as they are
//! when it runs (it states what the rows become, whatever they were); bulk delete goes
//! through the checked confirmation page.
//!
//! ```no_run
//! # use actix_sea::{admin::{Admin, Column, Field, ModelAdmin}, auth::Auth, Context, Refusal};
//! # mod message { use sea_orm::entity::prelude::*;
//! #   #[derive(Clone, Debug, PartialEq, DeriveEntityModel)] #[sea_orm(table_name = "message")]
//! #   pub struct Model { #[sea_orm(primary_key)] pub id: i32, pub user: i32, pub content: String }
//! #   #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)] pub enum Relation {}
//! #   impl ActiveModelBehavior for ActiveModel {} }
//! # fn build(auth: Auth) -> Result<Admin, actix_sea::Error> {
//! struct MessageAdmin;
//!
//! #[actix_sea::async_trait]
//! impl ModelAdmin<message::Entity> for MessageAdmin {
//!     fn columns(&self) -> Vec<Column<message::Entity>> {
//!         use message::Column::*;
//!         vec![User.into(), Content.into(), Column::computed("length", |m: &message::Model| {
//!             m.content.chars().count().to_string()
//!         })]
//!     }
//!     fn search_fields(&self) -> Vec<Field<message::Entity>> {
//!         vec![message::Column::Content.into()]
//!     }
//!     async fn has_delete_permission(
//!         &self,
//!         ctx: &Context,
//!         row: Option<&message::Model>,
//!     ) -> Result<(), Refusal> {
//!         match row {
//!             Some(m) if Some(i64::from(m.user)) != ctx.user_id() && !ctx.is_admin() => {
//!                 Err(Refusal::new("only the author may delete a message"))
//!             }
//!             _ if ctx.is_admin() => Ok(()),
//!             _ => Err(Refusal::default()),
//!         }
//!     }
//! }
//! let admin = Admin::builder(&auth)
//!     .branding("Example Site")
//!     .register(message::Entity, MessageAdmin)
//!     .build()?;
//! // App::new().wrap(auth.middleware()).service(auth.clone()).service(admin.clone())
//! # Ok(admin) }
//! ```

mod action;
mod audit;
mod builder;
mod cascade;
mod column;
mod erased;
mod form;
mod hooks;
mod many;
mod model_admin;
mod panel;
mod version;
mod views;
mod write;

use std::sync::Arc;

pub use action::Action;
pub use builder::{AdminBuilder, DEFAULT_COUNT_LIMIT};
pub use column::{Choices, Column, Field};
pub use many::ManyToMany;
pub use model_admin::ModelAdmin;
pub use panel::Panel;

use crate::auth::Auth;
use crate::orm::{Limits, ModelInfo, Registry};
use crate::templates::Templates;
use erased::AdminModel;
use panel::PanelEntry;

/// The admin site; cheap to clone. Mount it with `.service(admin.clone())` inside an app
/// wrapped in `auth.middleware()`. Pages are for admins and staff (users holding a model
/// permission through a group, see [`crate::groups`]), each within their permissions.
#[derive(Clone)]
pub struct Admin {
    inner: Arc<Inner>,
}

struct Inner {
    auth: Auth,
    prefix: String,
    branding: String,
    registry: Registry,
    models: Vec<AdminModel>,
    panels: Vec<PanelEntry>,
    templates: Templates,
    limits: Limits,
    count_limit: u64,
}

/// Whether `column` of `model` is the user model's password hash, among `models`. The grammar
/// only crosses into registered models, so the registered ones are the ones to ask.
fn is_secret(models: &[AdminModel], model: &ModelInfo, column: &str) -> bool {
    models
        .iter()
        .any(|m| m.slug() == model.slug && m.settings.is_secret(column))
}

impl Admin {
    /// Starts configuring an admin that uses `auth` for its users, sessions and CSRF.
    pub fn builder(auth: &Auth) -> AdminBuilder {
        AdminBuilder::new(auth)
    }

    /// Where the admin is mounted (default `/admin`).
    pub fn prefix(&self) -> &str {
        &self.inner.prefix
    }

    /// The `Auth` the admin uses.
    pub fn auth(&self) -> &Auth {
        &self.inner.auth
    }

    /// The database the admin reads and writes.
    pub fn db(&self) -> &sea_orm::DatabaseConnection {
        self.inner.auth.db()
    }

    fn model(&self, slug: &str) -> Option<&AdminModel> {
        self.inner.models.iter().find(|m| m.slug() == slug)
    }

    /// Whether `ctx` may view registered model `slug`: the one rule for which models a
    /// caller sees, asked of the model's `has_view_permission` hook (whose default is the
    /// `view` permission). Foreign-key selects, titles and links only show rows of such
    /// models.
    async fn may_view(&self, ctx: &crate::Context, slug: &str) -> bool {
        match self.model(slug) {
            Some(model) => Self::may_view_model(ctx, model).await,
            None => false,
        }
    }

    async fn may_view_model(ctx: &crate::Context, model: &AdminModel) -> bool {
        model.permits(ctx, crate::Perm::View, None).await
    }

    /// The models `ctx` may view (see [`may_view`](Self::may_view)), in registration order:
    /// what the navigation and the dashboard list.
    async fn viewable(&self, ctx: &crate::Context) -> Vec<&AdminModel> {
        let mut shown = Vec::new();
        for model in &self.inner.models {
            if Self::may_view_model(ctx, model).await {
                shown.push(model);
            }
        }
        shown
    }

    /// Whether `column` of `model` may never be shown, filtered or exported (the password hash).
    fn is_secret(&self, model: &ModelInfo, column: &str) -> bool {
        is_secret(&self.inner.models, model, column)
    }
}
