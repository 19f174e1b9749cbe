//! Who is asking: `CurrentUser`, `Option<CurrentUser>`, `AdminUser` and `Context` extractors.

use std::future::Future;
use std::pin::Pin;

use actix_session::SessionExt;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, web};

use super::Auth;
use super::session::AuthSession;
use super::views;
use crate::Error;
pub use crate::context::CurrentUser;
use crate::context::{Channel, Context};

/// A logged-in admin. Anonymous requests are redirected to login; other users get 403.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminUser(pub CurrentUser);

/// The `Auth` of a request: put there by [`Auth::middleware`].
pub(crate) fn auth_of(req: &HttpRequest) -> Result<Auth, Error> {
    if let Some(auth) = req.extensions().get::<Auth>() {
        return Ok(auth.clone());
    }
    req.app_data::<web::Data<Auth>>()
        .map(|data| data.get_ref().clone())
        .ok_or_else(|| Error::Config("wrap the app in auth.middleware()".into()))
}

/// Cached per request so several extractors cost one lookup.
#[derive(Clone)]
struct Resolved(Option<CurrentUser>);

impl Auth {
    /// The logged-in user of a request, if any. Ends (purges) sessions that are past their
    /// idle or absolute timeout, or whose user is gone or deactivated.
    ///
    /// # Errors
    ///
    /// [`Error::Database`] or [`Error::Unavailable`] when the session store or the user table cannot be read.
    pub async fn current_user(&self, req: &HttpRequest) -> Result<Option<CurrentUser>, Error> {
        if let Some(Resolved(user)) = req.extensions().get::<Resolved>() {
            return Ok(user.clone());
        }
        let session = req.get_session();
        let state = AuthSession(&session);
        let mut user = None;
        if let Some(id) = state.user_id() {
            let (since_login, idle) = state.ages();
            let expired = since_login > self.inner.absolute_timeout.as_secs() as i64
                || idle > self.inner.idle_timeout.as_secs() as i64;
            let stored = if expired {
                None
            } else {
                self.user_by_id(id).await?
            };
            match stored.filter(|stored| stored.active) {
                Some(stored) => {
                    state.touch()?;
                    user = Some(
                        crate::groups::user_with_permissions(
                            self.db(),
                            stored.id,
                            stored.username,
                            stored.admin,
                        )
                        .await?,
                    );
                }
                None => session.purge(),
            }
        }
        req.extensions_mut().insert(Resolved(user.clone()));
        Ok(user)
    }
}

/// The user [`Auth::current_user`] already found for this request (the admin guard looks
/// first), without another lookup.
pub(crate) fn resolved_user(req: &HttpRequest) -> Option<CurrentUser> {
    req.extensions()
        .get::<Resolved>()
        .and_then(|Resolved(user)| user.clone())
}

/// Why a user extractor failed: answered with a redirect to login or a 403 page.
#[derive(Debug)]
pub(crate) enum Denied {
    Login(String),
    Forbidden,
    Failed(Error),
}

impl std::fmt::Display for Denied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Login(_) => f.write_str("login required"),
            Self::Forbidden => f.write_str("forbidden"),
            Self::Failed(error) => error.fmt(f),
        }
    }
}

impl actix_web::ResponseError for Denied {
    fn status_code(&self) -> actix_web::http::StatusCode {
        self.error_response().status()
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Login(location) => views::redirect(location),
            Self::Forbidden => crate::error::plain_page(
                actix_web::http::StatusCode::FORBIDDEN,
                "You do not have permission to view this page.",
            ),
            Self::Failed(error) => crate::error::plain_error_page(error),
        }
    }
}

/// The login URL that brings the user back to this request's path and query.
pub(crate) fn login_redirect(auth: &Auth, req: &HttpRequest) -> String {
    let next = req.uri().path_and_query().map_or("/", |pq| pq.as_str());
    let encoded: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
    format!("{}?next={encoded}", auth.login_url())
}

/// The logged-in user when `allowed` lets them in; anonymous requests go to login, others
/// are forbidden.
pub(crate) async fn require_user(
    req: &HttpRequest,
    allowed: fn(&CurrentUser) -> bool,
) -> Result<CurrentUser, Denied> {
    let auth = auth_of(req).map_err(Denied::Failed)?;
    match auth.current_user(req).await.map_err(Denied::Failed)? {
        None => Err(Denied::Login(login_redirect(&auth, req))),
        Some(user) if !allowed(&user) => Err(Denied::Forbidden),
        Some(user) => Ok(user),
    }
}

impl FromRequest for CurrentUser {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { require_user(&req, |_| true).await.map_err(Into::into) })
    }
}

impl FromRequest for AdminUser {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            require_user(&req, CurrentUser::is_admin)
                .await
                .map(AdminUser)
                .map_err(Into::into)
        })
    }
}

impl Auth {
    /// The [`Context`] of a request through `channel`, for `user`: its method, path and
    /// client address (by the trusted-proxy rule).
    pub(crate) fn context(
        &self,
        req: &HttpRequest,
        user: Option<CurrentUser>,
        channel: Channel,
    ) -> Context {
        Context::new(channel, req.method().clone(), req.path())
            .with_user(user)
            .with_client(self.client_ip(req))
    }
}

/// The context of a request to one of the site's own routes: the logged-in user, if any.
impl FromRequest for Context {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let auth = auth_of(&req)?;
            let user = auth.current_user(&req).await?;
            Ok(auth.context(&req, user, Channel::Site))
        })
    }
}
