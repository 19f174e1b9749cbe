//! One middleware for the whole app: server-side sessions, the `Auth` handle for extractors,
//! and security headers.

use std::rc::Rc;

use actix_session::SessionMiddleware;
use actix_session::config::{PersistentSession, TtlExtensionPolicy};
use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::cookie::SameSite;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use futures_util::future::LocalBoxFuture;

use super::Auth;
use super::outage::Outages;
use super::store::SessionBackend;

pub(super) const HTML_HEADERS: [(HeaderName, &str); 3] = [
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::CONTENT_SECURITY_POLICY, "frame-ancestors 'none'"),
    (header::REFERRER_POLICY, "same-origin"),
];

impl Auth {
    /// The app-wide middleware: `App::new().wrap(auth.middleware())`. Build it inside the
    /// `HttpServer::new` closure (one per worker).
    pub fn middleware(&self) -> AuthMiddleware {
        let inner = &self.inner;
        let ttl = actix_web::cookie::time::Duration::seconds(
            i64::try_from(inner.idle_timeout.as_secs()).unwrap_or(i64::MAX),
        );
        let session = SessionMiddleware::builder(inner.sessions.clone(), inner.key.clone())
            .cookie_name(inner.cookie_name.clone())
            .cookie_secure(inner.secure_cookies)
            .cookie_http_only(true)
            .cookie_same_site(SameSite::Lax)
            .cookie_path("/".into())
            .session_lifecycle(
                PersistentSession::default()
                    .session_ttl(ttl)
                    .session_ttl_extension_policy(TtlExtensionPolicy::OnStateChanges),
            )
            .build();
        AuthMiddleware {
            auth: self.clone(),
            session,
        }
    }
}

/// Made by [`Auth::middleware`].
pub struct AuthMiddleware {
    auth: Auth,
    session: SessionMiddleware<SessionBackend>,
}

impl<S, B> Transform<S, ServiceRequest> for AuthMiddleware
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response =
        <SessionMiddleware<SessionBackend> as Transform<WithAuth<S>, ServiceRequest>>::Response;
    type Error = actix_web::Error;
    type Transform = Outages<
        <SessionMiddleware<SessionBackend> as Transform<WithAuth<S>, ServiceRequest>>::Transform,
    >;
    type InitError = ();
    type Future = LocalBoxFuture<'static, Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        let with_auth = WithAuth {
            service: Rc::new(service),
            auth: self.auth.clone(),
        };
        let session = self.session.new_transform(with_auth);
        Box::pin(async move { session.await.map(Outages::new) })
    }
}

/// The inner service of [`AuthMiddleware`]: runs inside the session middleware.
pub struct WithAuth<S> {
    service: Rc<S>,
    auth: Auth,
}

impl<S, B> Service<ServiceRequest> for WithAuth<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        req.extensions_mut().insert(self.auth.clone());
        let service = Rc::clone(&self.service);
        Box::pin(async move {
            let mut response = service.call(req).await?;
            let headers = response.headers_mut();
            headers.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            let html = headers
                .get(header::CONTENT_TYPE)
                .and_then(|value| value.to_str().ok())
                .is_some_and(|value| value.starts_with("text/html"));
            if html {
                for (name, value) in HTML_HEADERS {
                    if !headers.contains_key(&name) {
                        headers.insert(name, HeaderValue::from_static(value));
                    }
                }
            }
            Ok(response)
        })
    }
}
