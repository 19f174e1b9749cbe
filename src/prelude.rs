//! What a site's wiring uses, in one import: `use actix_sea::prelude::*;`.
//!
//! The three front doors and their builders, the customisation traits with the types their
//! hooks take and return, the authentication backends, and the flash helpers.

pub use crate::admin::{Action, Admin, AdminBuilder, Choices, Column, Field, ModelAdmin, Panel};
pub use crate::auth::{AdminUser, Auth, AuthBuilder, Level, UserEntity, flash, see_other};
pub use crate::db::{RowCount, SearchIndex};
pub use crate::rest::{
    AdminAuthentication, ApiKeyAuthentication, Authentication, BearerAuthentication,
    PermissionAuthentication, Public, RestApi, RestApiBuilder, RestResource, UserAuthentication,
};
pub use crate::{
    AppFactory, Channel, Context, CurrentUser, Error, Invalid, ModelEntity, Perm, Refusal,
    async_trait,
};
