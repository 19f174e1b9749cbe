//! The REST API: `/api/<model>/` for every registered entity, flask-peewee's `RestAPI`.
//! It also describes itself at `/api/openapi.json` and, unless turned off with
//! [`RestApiBuilder::docs`], renders that description as an interactive reference at `/api/docs/`.
//!
//! ```no_run
//! # fn build(auth: actix_sea::auth::Auth) {
//! use actix_sea::rest::{AdminAuthentication, RestApi, RestResource, UserAuthentication};
//! use example_site::models::{message, user};
//!
//! struct MessageResource;
//! impl RestResource<message::Entity> for MessageResource {
//!     fn owner_field(&self) -> Option<message::Column> {
//!         Some(message::Column::User)
//!     }
//!     fn include_resources(&self) -> Vec<message::Column> {
//!         vec![message::Column::User]
//!     }
//! }
//!
//! struct UserResource;
//! impl RestResource<user::Entity> for UserResource {
//!     fn exclude(&self) -> Vec<user::Column> {
//!         vec![user::Column::Password, user::Column::Email]
//!     }
//! }
//!
//! let api = RestApi::builder(&auth)
//!     .default_auth(UserAuthentication::new(auth.clone()))
//!     .register(message::Entity, MessageResource)
//!     .register_with_auth(user::Entity, UserResource, AdminAuthentication::new(auth.clone()))
//!     .build()
//!     .expect("resources that fit together");
//! # }
//! ```

mod audit;
mod authentication;
mod body;
mod cursor;
mod docs;
mod erased;
mod list;
mod nested;
mod openapi;
mod precondition;
mod reach;
mod resource;
mod tokens;
mod users;
mod views;
mod write;

use std::collections::BTreeMap;
use std::sync::Arc;

use actix_web::dev::{AppService, HttpServiceFactory};
use sea_orm::{Condition, DatabaseConnection};

use crate::auth::Auth;
pub use authentication::{
    AdminAuthentication, Authentication, PermissionAuthentication, Public, Scheme,
    UserAuthentication, write_methods,
};
pub use resource::RestResource;
pub use tokens::{ApiKeyAuthentication, BearerAuthentication};

/// The API key table's entity (`actix_sea_api_key`; created by [`crate::db::migrations`]).
pub use tokens::key_entity::Entity as ApiKeyTable;
/// The bearer token table's entity (`actix_sea_api_token`; created by [`crate::db::migrations`]).
pub use tokens::token_entity::Entity as ApiTokenTable;

use crate::Context;
use crate::db::Permits;
use crate::orm::{Limits, ModelEntity, ModelInfo, Registry};
use erased::Resource;

/// The largest request body accepted by default: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// The REST API: mount it with `.service(api.clone())`. Cheap to clone.
#[derive(Clone)]
pub struct RestApi {
    inner: Arc<Inner>,
}

struct Inner {
    db: DatabaseConnection,
    auth: Auth,
    prefix: String,
    body_limit: usize,
    limits: Limits,
    docs: bool,
    list_permits: Permits,
    models: Registry,
    resources: BTreeMap<String, Resource>,
    /// The key cursors are signed with.
    cursor_key: Vec<u8>,
}

/// Configures a [`RestApi`].
pub struct RestApiBuilder {
    db: DatabaseConnection,
    auth: Auth,
    prefix: String,
    body_limit: usize,
    limits: Limits,
    docs: bool,
    list_permits: Option<usize>,
    default_auth: Arc<dyn Authentication>,
    /// The resources registered without their own authentication: they get `default_auth`
    /// when the API is built, so the order of the settings does not matter.
    defaulted: Vec<String>,
    models: Registry,
    resources: BTreeMap<String, Resource>,
    cursor_key: Vec<u8>,
}

impl RestApi {
    /// Starts configuring an API over `auth`'s database. `auth` gives every hook its
    /// [`Context`] (the client's address by its trusted-proxy rule) and serves
    /// the user table's own rules: a `password` sent to it is stored as its argon2id hash, and a
    /// username passes the rule of sign-up pages and the admin.
    pub fn builder(auth: &Auth) -> RestApiBuilder {
        RestApiBuilder {
            db: auth.db().clone(),
            auth: auth.clone(),
            prefix: "/api".into(),
            body_limit: DEFAULT_BODY_LIMIT,
            limits: Limits::default(),
            docs: true,
            list_permits: None,
            default_auth: Arc::new(Public::new()),
            defaulted: Vec::new(),
            models: Registry::new(),
            resources: BTreeMap::new(),
            cursor_key: auth.derive_key("api cursors"),
        }
    }

    /// The URL prefix (default `/api`).
    pub fn prefix(&self) -> &str {
        &self.inner.prefix
    }

    pub(crate) fn resource(&self, slug: &str) -> Option<&Resource> {
        self.inner.resources.get(slug)
    }
}

impl RestApiBuilder {
    /// The URL prefix (default `/api`).
    pub fn prefix(mut self, prefix: &str) -> Self {
        self.prefix = prefix.trim_end_matches('/').to_owned();
        self
    }

    /// The largest request body accepted (default 1 MiB; larger bodies get 413).
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Bounds on filters, ordering and stored text (default: [`Limits::default`], whose
    /// documentation gives each bound). A request beyond one gets 400 naming the parameter.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Whether `<prefix>/docs/` serves an interactive reference of the API (Swagger UI,
    /// embedded in the binary, reading `<prefix>/openapi.json`; try-it-out sends the reader's
    /// HTTP Basic credentials). Default on: it shows nothing `openapi.json` does not.
    pub fn docs(mut self, enabled: bool) -> Self {
        self.docs = enabled;
        self
    }

    /// The key list cursors (`?cursor=`) are signed with: a client cannot forge or alter one
    /// without it, and every instance sharing the key accepts the others' cursors. Default: a
    /// key derived from the `Auth`'s secret key ([`Auth::derive_key`]), so instances that
    /// share their secret key accept each other's cursors. An altered cursor is a 400 and never
    /// reaches rows outside the resource's scope.
    pub fn secret_key(mut self, key: &[u8]) -> Self {
        self.cursor_key = key.to_vec();
        self
    }

    /// How many list requests may use the database at once (default: half the pool's
    /// connections, at least one). A list's filters, ordering and page are the client's
    /// choice, so its statements may run up to the statement limit; with lists held to part of
    /// the pool, details, writes and logins still find a connection while slow lists run. A
    /// list that waits longer than the pool's acquire timeout for its turn gets 503 with
    /// `Retry-After`.
    pub fn list_permits(mut self, lists: usize) -> Self {
        self.list_permits = Some(lists);
        self
    }

    /// The authentication of resources registered with [`register`](Self::register)
    /// (default [`Public`]: reads open, writes refused), before or after they are registered.
    pub fn default_auth(mut self, auth: impl Authentication) -> Self {
        self.default_auth = Arc::new(auth);
        self
    }

    /// Serves `entity` as described by `resource`, with the default authentication:
    /// `.register(message::Entity, MessageResource)`.
    pub fn register<E: ModelEntity, R: RestResource<E>>(self, entity: E, resource: R) -> Self {
        let _ = entity;
        self.add_as::<E, R>(None, resource, None)
    }

    /// Serves `entity` with its own authentication.
    pub fn register_with_auth<E: ModelEntity, R: RestResource<E>>(
        self,
        entity: E,
        resource: R,
        auth: impl Authentication,
    ) -> Self {
        let _ = entity;
        self.add_as::<E, R>(None, resource, Some(Arc::new(auth)))
    }

    /// Adds a resource; without `auth` it takes the default authentication when built.
    fn add_as<E: ModelEntity, R: RestResource<E>>(
        mut self,
        slug: Option<&str>,
        resource: R,
        auth: Option<Arc<dyn Authentication>>,
    ) -> Self {
        let slug = self.models.register_as::<E>(slug);
        let Some(model) = self.models.get(&slug).cloned() else {
            return self;
        };
        self.defaulted.retain(|s| *s != slug);
        if auth.is_none() {
            self.defaulted.push(slug.clone());
        }
        let auth = auth.unwrap_or_else(|| Arc::clone(&self.default_auth));
        let password = (slug == self.auth.user_table()).then(|| self.auth.password_column());
        self.resources
            .insert(slug, Resource::new::<E, R>(model, resource, auth, password));
        self
    }

    /// Finishes the API. It serves the audit trail read-only at `<prefix>/audit/` to admin
    /// users (see [`crate::audit`]), unless a resource of the site's own takes that slug.
    ///
    /// # Errors
    ///
    /// [`Error::Config`](crate::Error::Config) when a resource's
    /// [`nested_writes`](RestResource::nested_writes) names a column that is not a foreign key
    /// to a registered resource, or when a resource's table is called `docs` while
    /// [`docs`](Self::docs) is on (both want `<prefix>/docs/`).
    pub fn build(mut self) -> Result<RestApi, crate::Error> {
        for slug in std::mem::take(&mut self.defaulted) {
            if let Some(resource) = self.resources.get_mut(&slug) {
                resource.auth = Arc::clone(&self.default_auth);
            }
        }
        if !self.resources.contains_key(crate::audit::SLUG) {
            let auth: Arc<dyn Authentication> = Arc::new(audit::authentication(&self.auth));
            self = self.add_as::<crate::audit::entry::Entity, _>(
                Some(crate::audit::SLUG),
                audit::AuditResource,
                Some(auth),
            );
        }
        if self.docs && self.resources.contains_key("docs") {
            return Err(crate::Error::Config(format!(
                "a resource called `docs` hides the API reference at `{}/docs/`: turn it off with `.docs(false)`",
                self.prefix
            )));
        }
        for resource in self.resources.values() {
            let info = resource.info();
            for name in &resource.settings.nested_writes {
                let target = info
                    .column(name)
                    .and_then(|c| c.foreign_key.as_ref())
                    .map(|fk| fk.table.as_str());
                if !target.is_some_and(|table| self.resources.contains_key(table)) {
                    return Err(crate::Error::Config(format!(
                        "nested writes on `{}.{name}` need a foreign key to a registered resource",
                        info.slug
                    )));
                }
            }
        }
        let list_permits = Permits::for_pool(&self.db, self.list_permits);
        Ok(RestApi {
            inner: Arc::new(Inner {
                db: self.db,
                auth: self.auth,
                prefix: self.prefix,
                body_limit: self.body_limit,
                limits: self.limits,
                docs: self.docs,
                list_permits,
                models: self.models,
                resources: self.resources,
                cursor_key: self.cursor_key,
            }),
        })
    }
}

impl HttpServiceFactory for RestApi {
    fn register(self, config: &mut AppService) {
        views::scope(self).register(config);
    }
}

/// Hides, for filters and ordering, what a resource does not show: excluded (write-only)
/// columns, columns outside `fields`, and, on the resource's own model, columns outside
/// `filter_fields`; and, across foreign keys, the rows outside the other resource's
/// `get_query`.
pub(crate) struct Visibility<'a> {
    api: &'a RestApi,
    base: &'a str,
    ctx: &'a Context,
}

impl crate::orm::FieldPolicy for Visibility<'_> {
    fn hidden(&self, model: &ModelInfo, column: &str) -> bool {
        let Some(resource) = self.api.resource(&model.slug) else {
            return true;
        };
        let settings = &resource.settings;
        if !settings.shows(column) {
            return true;
        }
        model.slug == self.base
            && settings
                .filter_fields
                .as_ref()
                .is_some_and(|allowed| !allowed.iter().any(|c| c == column))
    }

    fn scope(&self, model: &ModelInfo) -> Condition {
        self.api
            .resource(&model.slug)
            .map_or_else(Condition::all, |r| r.hooks.get_query(self.ctx))
    }
}
