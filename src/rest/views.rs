//! Routes and the steps every API request goes through: find the resource, check the
//! method, authenticate, authorize.

use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError, Scope, web};

use super::erased::Resource;
use super::precondition::{self, Expected};
use super::{RestApi, body, list, openapi, write};
use crate::verdict::Refusal;
use crate::{Channel, Context, Error};

pub(super) fn scope(api: RestApi) -> Scope {
    let docs = api.inner.docs;
    let mut scope = web::scope(&api.inner.prefix.clone())
        .app_data(web::Data::new(api))
        .route("/openapi.json", web::get().to(openapi::document));
    if docs {
        scope = super::docs::routes(scope);
    }
    scope
        .route("/{model}/", web::route().to(collection))
        .route("/{model}/{pk}/", web::route().to(member))
        .route("/{model}/{pk}/delete/", web::route().to(delete_route))
        .default_service(web::to(|| async {
            Err::<HttpResponse, _>(Error::NotFound)
        }))
}

/// The resource, an allowed method and an authorized caller, or the error to answer with.
/// `method` is what the request does (a POST to a detail URL edits, as a PUT).
pub(super) async fn prepare<'a>(
    api: &'a RestApi,
    req: &HttpRequest,
    slug: &str,
    method: &Method,
) -> Result<(&'a Resource, Context), Error> {
    let resource = api.resource(slug).ok_or(Error::NotFound)?;
    if !resource.settings.allowed_methods.contains(method) {
        return Err(Error::MethodNotAllowed);
    }
    let user = resource.auth.authenticate(req).await?;
    let ctx = api
        .inner
        .auth
        .context(req, user, Channel::Api)
        .with_method(method.clone())
        .for_model(slug);
    permit(resource, &ctx)?;
    Ok((resource, ctx))
}

/// Whether the caller may use the context's method on the resource: 405 when the resource
/// does not serve it, 401 or 403 when it is protected and the caller is missing or refused.
pub(super) fn permit(resource: &Resource, ctx: &Context) -> Result<(), Error> {
    if !resource.settings.allowed_methods.contains(ctx.method()) {
        return Err(Error::MethodNotAllowed);
    }
    if resource.auth.protected_methods().contains(ctx.method()) {
        match ctx.user() {
            None => return Err(super::authentication::unauthorized()),
            Some(user)
                if !resource
                    .auth
                    .authorize(user, &ctx.for_model(&resource.info().slug)) =>
            {
                return Err(Error::Forbidden(Refusal::default()));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

async fn collection(
    api: web::Data<RestApi>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
) -> Result<HttpResponse, Error> {
    let slug = path.into_inner();
    let answer = async {
        match *req.method() {
            Method::GET => {
                let (resource, context) = prepare(&api, &req, &slug, &Method::GET).await?;
                let _turn = api.inner.list_permits.acquire().await?;
                list::list(&api, &req, resource, &context).await
            }
            Method::POST => {
                let (resource, context) = prepare(&api, &req, &slug, &Method::POST).await?;
                let body = body::read_json(&api, &req, body).await?;
                write::create(&api, resource, &context, body).await
            }
            _ => Err(Error::MethodNotAllowed),
        }
    };
    with_allow(&api, &slug, COLLECTION, answer.await)
}

/// What each URL serves: a request method, and the resource's method it needs.
type Served = [(Method, Method)];

const COLLECTION: &Served = &[
    (Method::GET, Method::GET),
    (Method::HEAD, Method::GET),
    (Method::POST, Method::POST),
];
const MEMBER: &Served = &[
    (Method::GET, Method::GET),
    (Method::HEAD, Method::GET),
    (Method::PUT, Method::PUT),
    (Method::PATCH, Method::PUT),
    (Method::POST, Method::PUT),
    (Method::DELETE, Method::DELETE),
];
const DELETE: &Served = &[
    (Method::POST, Method::DELETE),
    (Method::DELETE, Method::DELETE),
];

/// `answer`, except that a 405 carries the `Allow` header RFC 9110 asks for: the methods of
/// `served` that the resource `slug` serves. An unknown resource is a 404 whatever the method.
fn with_allow(
    api: &RestApi,
    slug: &str,
    served: &Served,
    answer: Result<HttpResponse, Error>,
) -> Result<HttpResponse, Error> {
    let Err(Error::MethodNotAllowed) = answer else {
        return answer;
    };
    let resource = api.resource(slug).ok_or(Error::NotFound)?;
    let allowed = &resource.settings.allowed_methods;
    let allow: Vec<&str> = served
        .iter()
        .filter(|(_, needed)| allowed.contains(needed))
        .map(|(method, _)| method.as_str())
        .collect();
    let mut response = Error::MethodNotAllowed.error_response();
    if let Ok(value) = HeaderValue::from_str(&allow.join(", ")) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    Ok(response)
}

async fn member(
    api: web::Data<RestApi>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Payload,
) -> Result<HttpResponse, Error> {
    let (slug, pk) = path.into_inner();
    let method = req.method().clone();
    let answer = async {
        match method {
            Method::GET => {
                let (resource, context) = prepare(&api, &req, &slug, &method).await?;
                let (object, row) = list::detail(&api, resource, &context, &pk).await?;
                Ok(precondition::detail(&req, &row, object))
            }
            Method::PUT | Method::PATCH | Method::POST => {
                // POST to a detail URL edits, as in flask-peewee; it is authorized as an edit.
                let (resource, context) = prepare(&api, &req, &slug, &Method::PUT).await?;
                let expected = Expected::of(&req, resource)?;
                let body = body::read_json(&api, &req, body).await?;
                write::update(&api, resource, &context, &pk, body, &expected).await
            }
            Method::DELETE => {
                let (resource, context) = prepare(&api, &req, &slug, &method).await?;
                let expected = Expected::of(&req, resource)?;
                write::delete(&api, resource, &context, &pk, &expected).await
            }
            _ => Err(Error::MethodNotAllowed),
        }
    };
    with_allow(&api, &slug, MEMBER, answer.await)
}

async fn delete_route(
    api: web::Data<RestApi>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Error> {
    let (slug, pk) = path.into_inner();
    let answer = async {
        if !matches!(*req.method(), Method::POST | Method::DELETE) {
            return Err(Error::MethodNotAllowed);
        }
        let (resource, context) = prepare(&api, &req, &slug, &Method::DELETE).await?;
        let expected = Expected::of(&req, resource)?;
        write::delete(&api, resource, &context, &pk, &expected).await
    };
    with_allow(&api, &slug, DELETE, answer.await)
}
