//! actix-sea's integration tests: one binary, one module per area.

mod admin;
mod admin_lists;
mod app;
mod auth;
mod chain;
mod faults;
mod grammar;
mod nested_writes;
mod rest;
mod restart;
mod sessions;
mod site;
mod support;
mod tokens;
