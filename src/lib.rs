#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod admin;
pub mod assets;
pub mod auth;
pub mod context;
pub mod db;
pub mod error;
pub mod orm;
pub mod rest;
mod templates;
pub mod verdict;

pub use async_trait::async_trait;
pub use context::{Channel, Context, CurrentUser};
pub use error::Error;
pub use verdict::{Conflict, Invalid, Refusal};
