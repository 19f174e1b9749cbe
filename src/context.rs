//! Who is asking, and how: the [`Context`] every hook of the admin, the API and the panels
//! receives. Plain data; it knows nothing of HTTP but the method.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::sync::Arc;

use actix_web::http::Method;

/// What a model permission allows: `view`, `add`, `change` or `delete` rows of one model.
/// Stored as `<model>.<action>` (for example `message.change`) in a group's permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Perm {
    /// See the list and the rows.
    View,
    /// Create rows.
    Add,
    /// Edit rows (and run custom actions, unless an action states otherwise).
    Change,
    /// Delete rows.
    Delete,
}

impl Perm {
    /// Every action, in the order forms show them.
    pub const ALL: [Perm; 4] = [Perm::View, Perm::Add, Perm::Change, Perm::Delete];

    /// The action's name: `view`, `add`, `change`, `delete`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::View => "view",
            Self::Add => "add",
            Self::Change => "change",
            Self::Delete => "delete",
        }
    }

    /// The action named `name`, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|perm| perm.as_str() == name)
    }

    /// The stored permission `<model>.<action>`.
    pub fn on(self, model: &str) -> String {
        format!("{model}.{}", self.as_str())
    }
}

/// A logged-in user, as the crate knows it for the length of one request. As an extractor
/// (see [`crate::auth`]), an anonymous request is redirected to the login page; use
/// `Option<CurrentUser>` where anonymous is fine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentUser {
    id: i64,
    username: String,
    admin: bool,
    permissions: Arc<BTreeSet<String>>,
}

impl CurrentUser {
    /// A user with this key, login name and admin flag, and no model permissions.
    pub fn new(id: i64, username: impl Into<String>, admin: bool) -> Self {
        Self {
            id,
            username: username.into(),
            admin,
            permissions: Arc::default(),
        }
    }

    /// The same user holding `permissions`, each `<model>.<action>` (see [`Perm::on`]).
    pub fn with_permissions(mut self, permissions: impl IntoIterator<Item = String>) -> Self {
        self.permissions = Arc::new(permissions.into_iter().collect());
        self
    }

    /// The model permissions the user holds through their groups (`message.change`, …);
    /// empty for admins, who need none.
    pub fn permissions(&self) -> impl Iterator<Item = &str> {
        self.permissions.iter().map(String::as_str)
    }

    /// Whether the user may do `perm` on `model` (the model's slug): always for admins,
    /// otherwise when one of their groups grants it.
    pub fn may(&self, model: &str, perm: Perm) -> bool {
        self.admin || self.permissions.contains(&perm.on(model))
    }

    /// Whether the user may open the admin: admins, and staff (users holding at least one
    /// model permission).
    pub fn is_staff(&self) -> bool {
        self.admin || !self.permissions.is_empty()
    }

    /// The user's primary key.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// The login name.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// Whether the user is an admin (a superuser: may do everything).
    pub fn is_admin(&self) -> bool {
        self.admin
    }
}

/// Which front door a request came through; the audit trail records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Channel {
    /// The admin's pages.
    Admin,
    /// The REST API.
    Api,
    /// The site's own routes.
    Site,
    /// A command-line helper.
    Cli,
}

impl Channel {
    /// The channel's name in lower case: `admin`, `api`, `site`, `cli`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Api => "api",
            Self::Site => "site",
            Self::Cli => "cli",
        }
    }
}

/// What a hook knows about the request it serves: the caller, the method, the path, the
/// client's address (by the trusted-proxy rule of [`crate::auth::AuthBuilder::trusted_proxies`])
/// and the front door.
///
/// ```
/// use actix_sea::{Channel, Context, CurrentUser};
/// use actix_web::http::Method;
///
/// let ctx = Context::new(Channel::Api, Method::POST, "/api/message/")
///     .with_user(Some(CurrentUser::new(7, "alice", false)));
/// assert_eq!(ctx.user_id(), Some(7));
/// assert!(!ctx.is_admin());
/// ```
#[derive(Debug, Clone)]
pub struct Context {
    user: Option<CurrentUser>,
    method: Method,
    path: String,
    client: Option<IpAddr>,
    channel: Channel,
    model: Option<String>,
}

impl Context {
    /// An anonymous request through `channel`.
    pub fn new(channel: Channel, method: Method, path: impl Into<String>) -> Self {
        Self {
            user: None,
            method,
            path: path.into(),
            client: None,
            channel,
            model: None,
        }
    }

    /// The context of a command-line helper: no user, no address.
    pub fn cli() -> Self {
        Self::new(Channel::Cli, Method::POST, "")
    }

    /// The same request made by `user`.
    pub fn with_user(mut self, user: Option<CurrentUser>) -> Self {
        self.user = user;
        self
    }

    /// The same request from `client`.
    pub fn with_client(mut self, client: IpAddr) -> Self {
        self.client = Some(client);
        self
    }

    /// The same request as if made with `method` (a nested write inside a request).
    pub(crate) fn with_method(&self, method: Method) -> Self {
        Self {
            method,
            ..self.clone()
        }
    }

    /// The same request, about the registered model `slug`.
    pub(crate) fn for_model(&self, slug: &str) -> Self {
        Self {
            model: Some(slug.to_owned()),
            ..self.clone()
        }
    }

    /// The slug of the registered model the request is about, when there is one: set for the
    /// admin's permission hooks and actions and for API requests, so a default hook can ask
    /// [`Context::may`] about its own model.
    pub fn model(&self) -> Option<&str> {
        self.model.as_deref()
    }

    /// Whether the caller may do `perm` on `model` (a slug); anonymous callers may not,
    /// admins may everything (see [`CurrentUser::may`]).
    pub fn may(&self, model: &str, perm: Perm) -> bool {
        self.user.as_ref().is_some_and(|user| user.may(model, perm))
    }

    /// The caller, when logged in or authenticated.
    pub fn user(&self) -> Option<&CurrentUser> {
        self.user.as_ref()
    }

    /// The caller's primary key, when known.
    pub fn user_id(&self) -> Option<i64> {
        self.user.as_ref().map(CurrentUser::id)
    }

    /// Whether the caller is an admin.
    pub fn is_admin(&self) -> bool {
        self.user.as_ref().is_some_and(CurrentUser::is_admin)
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The request's path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The client's address, when the request came over the network.
    pub fn client(&self) -> Option<IpAddr> {
        self.client
    }

    /// The front door.
    pub fn channel(&self) -> Channel {
        self.channel
    }
}
