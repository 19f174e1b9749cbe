//! actix-sea: an auth blueprint, a Django-style admin and a REST API for actix-web
//! applications whose data lives in SeaORM entities.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod auth;
pub mod db;
pub mod error;
pub mod orm;

pub use error::Error;
