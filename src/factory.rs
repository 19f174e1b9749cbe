//! [`AppFactory`]: the type an app-building function returns, named once.

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};

/// What `App::new()...` builds, so an app factory shared by `main` and the tests can be
/// written `fn app(site: Site) -> App<impl AppFactory>` instead of spelling out actix-web's
/// `ServiceFactory` bounds.
///
/// ```
/// use actix_sea::AppFactory;
/// use actix_web::{App, HttpResponse, web};
///
/// fn app() -> App<impl AppFactory> {
///     App::new().route("/", web::get().to(HttpResponse::Ok))
/// }
/// # let _ = app;
/// ```
pub trait AppFactory:
    ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<Self::Body>,
        Error = Error,
        InitError = (),
    >
{
    /// The response body.
    type Body: MessageBody;
}

impl<T, B> AppFactory for T
where
    T: ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<B>,
            Error = Error,
            InitError = (),
        >,
    B: MessageBody,
{
    type Body = B;
}
