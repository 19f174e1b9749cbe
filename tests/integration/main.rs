//! actix-sea's integration tests: one binary, one module per area.

mod admin;
mod admin_lists;
mod api_docs;
mod app;
mod auth;
mod chain;
mod grammar;
mod nested_writes;
mod rest;
mod sessions;
mod site;
mod support;
mod throttle;
mod tokens;
