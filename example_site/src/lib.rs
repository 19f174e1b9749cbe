//! The twitter clone that shows actix-sea off: users, follows, messages and notes.

pub mod admin;
pub mod api;
pub mod app;
pub mod auth;
pub mod commands;
pub mod migrations;
pub mod models;
pub mod staff;
pub mod views;

pub use app::{Site, app};
