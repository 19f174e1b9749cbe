#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod admin;
pub mod assets;
pub mod audit;
pub mod auth;
pub mod context;
pub mod db;
pub mod error;
mod factory;
pub mod groups;
mod orm;
pub mod prelude;
pub mod rest;
mod templates;
pub mod verdict;

/// The attribute for writing hooks as `async fn` (`#[actix_sea::async_trait]` on an `impl
/// RestResource<..>` that overrides one), re-exported so a site need not depend on it.
pub use async_trait::async_trait;
pub use context::{Channel, Context, CurrentUser, Perm};
pub use error::Error;
pub use factory::AppFactory;
pub use orm::{Limits, ModelEntity, ValueError, check_input};
pub use verdict::{Conflict, Invalid, Refusal};
