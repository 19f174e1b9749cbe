//! `/api/audit/`: the audit trail, read-only, for admin users only.

use actix_web::http::Method;

use super::RestResource;
use super::authentication::AdminAuthentication;
use crate::audit::entry;
use crate::auth::Auth;

/// The audit table as a resource: reads only; every write method is a 405.
pub(super) struct AuditResource;

impl RestResource<entry::Entity> for AuditResource {
    fn allowed_methods(&self) -> Vec<Method> {
        vec![Method::GET]
    }
}

/// Admin users only, reads included.
pub(super) fn authentication(auth: &Auth) -> AdminAuthentication {
    AdminAuthentication::new(auth.clone()).protected_methods(vec![
        Method::GET,
        Method::HEAD,
        Method::OPTIONS,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
    ])
}
