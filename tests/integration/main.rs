//! actix-sea's integration tests: one binary, one module per area.

mod admin;
mod admin_lists;
mod app;
mod auth;
mod chain;
mod crafted;
mod grammar;
mod lengths;
mod limits;
mod nested_writes;
mod rest;
mod sessions;
mod site;
mod support;
mod tokens;
