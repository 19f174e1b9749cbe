//! One middleware for the whole app: server-side sessions, the `Auth` handle for extractors,
//! security headers, HEAD answered like GET, and the deadline for request bodies.

use std::convert::Infallible;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_session::SessionMiddleware;
use actix_session::config::{PersistentSession, TtlExtensionPolicy};
use actix_web::HttpMessage;
use actix_web::body::{BodySize, EitherBody, MessageBody};
use actix_web::cookie::SameSite;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::web::Bytes;
use futures_util::future::LocalBoxFuture;

use super::outage::Outages;
use super::store::{self, SessionBackend};
use super::{Auth, deadline};

/// Pages may load scripts, styles, images and fonts from this site only (images also from the
/// origins of [`AuthBuilder::image_sources`](super::AuthBuilder::image_sources)), and run no
/// inline script or style; they cannot be framed, post forms elsewhere or change their base URL.
pub(crate) fn content_security_policy(image_sources: &[String]) -> HeaderValue {
    let mut policy = String::from(
        "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; \
         object-src 'none'",
    );
    if !image_sources.is_empty() {
        policy.push_str("; img-src 'self' ");
        policy.push_str(&image_sources.join(" "));
    }
    HeaderValue::from_str(&policy).unwrap_or(HeaderValue::from_static("default-src 'none'"))
}

pub(super) const HTML_HEADERS: [(HeaderName, &str); 2] = [
    (header::X_FRAME_OPTIONS, "DENY"),
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
    type Response = ServiceResponse<EitherBody<B, HeadBody>>;
    type Error = actix_web::Error;
    type Transform = AuthService<
        Outages<
            <SessionMiddleware<SessionBackend> as Transform<WithAuth<S>, ServiceRequest>>::Transform,
        >,
    >;
    type InitError = ();
    type Future = LocalBoxFuture<'static, Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        let with_auth = WithAuth {
            service: Rc::new(service),
            auth: self.auth.clone(),
        };
        let session = self.session.new_transform(with_auth);
        let auth = self.auth.clone();
        Box::pin(async move {
            Ok(AuthService {
                service: Rc::new(Outages::new(session.await?)),
                auth,
            })
        })
    }
}

/// The outer service of [`AuthMiddleware`], around the session middleware: answers HEAD with
/// the GET route, puts the deadline on the request body, and sends no session cookie when the
/// request's session ended on the server while it ran (logout or expiry wins).
pub struct AuthService<S> {
    service: Rc<S>,
    auth: Auth,
}

impl<S, B> Service<ServiceRequest> for AuthService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B, HeadBody>>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        // Routes are registered for GET; HEAD is the same request without the body.
        let head = req.method() == Method::HEAD;
        if head {
            req.head_mut().method = Method::GET;
        }
        let (payload, late) = deadline::limit(req.take_payload(), self.auth.inner.body_timeout);
        req.set_payload(payload);
        let service = Rc::clone(&self.service);
        let auth = self.auth.clone();
        Box::pin(async move {
            let (result, ended) = store::watch(service.call(req)).await;
            let mut response = result?;
            if ended {
                response.response_mut().del_cookie(&auth.inner.cookie_name);
            }
            if late.get() && response.status().is_client_error() {
                *response.response_mut().status_mut() = StatusCode::REQUEST_TIMEOUT;
            }
            Ok(if head {
                response.map_body(|_, body| EitherBody::right(HeadBody(body.size())))
            } else {
                response.map_into_left_body()
            })
        })
    }
}

/// The body of a response to HEAD: the GET response's size and no bytes.
pub struct HeadBody(BodySize);

impl MessageBody for HeadBody {
    type Error = Infallible;

    fn size(&self) -> BodySize {
        self.0
    }

    fn poll_next(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Poll::Ready(None)
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
        let policy = self.auth.inner.content_security_policy.clone();
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
                if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
                    headers.insert(header::CONTENT_SECURITY_POLICY, policy);
                }
            }
            Ok(response)
        })
    }
}
