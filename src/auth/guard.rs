//! Route guards for whole scopes: `.wrap(from_fn(login_required))`.

use actix_web::ResponseError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use super::extract::require_user;
use crate::CurrentUser;

async fn guard<B: MessageBody>(
    req: ServiceRequest,
    next: Next<B>,
    allowed: fn(&CurrentUser) -> bool,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    match require_user(req.request(), allowed).await {
        Ok(_) => next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body),
        Err(refusal) => Ok(req
            .into_response(refusal.error_response())
            .map_into_right_body()),
    }
}

/// Lets logged-in users through; redirects anonymous ones to the login page with `next`.
/// Use with `actix_web::middleware::from_fn(login_required)`.
///
/// # Errors
///
/// Whatever the wrapped service fails with, or the session store's error.
pub async fn login_required<B: MessageBody>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    guard(req, next, |_| true).await
}

/// Lets admins through; redirects anonymous users to login and answers others with 403.
/// Use with `actix_web::middleware::from_fn(admin_required)`.
///
/// # Errors
///
/// Whatever the wrapped service fails with, or the session store's error.
pub async fn admin_required<B: MessageBody>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    guard(req, next, CurrentUser::is_admin).await
}

/// Answers errors of the wrapped scope with the site's error page (`error.html` of the
/// shared templates, given the `status`, `reason`, `message`, `branding` and `static_url`)
/// instead of JSON, so a site's handlers return `Result<HttpResponse, actix_sea::Error>` as
/// the admin's do; a 500 never shows its cause. The scope needs the `Auth` as app data:
/// `web::scope("").app_data(web::Data::new(auth.clone())).wrap(from_fn(error_pages))`.
///
/// # Errors
///
/// Whatever the wrapped service fails with outside an [`Error`](crate::Error) response.
pub async fn error_pages<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    crate::error::pages::<super::Auth, B>(req, next).await
}

/// Lets admins and staff (users holding at least one model permission) through; redirects
/// anonymous users to login and answers others with 403. The admin's own guard.
/// Use with `actix_web::middleware::from_fn(staff_required)`.
///
/// # Errors
///
/// Whatever the wrapped service fails with, or the session store's error.
pub async fn staff_required<B: MessageBody>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    guard(req, next, CurrentUser::is_staff).await
}
