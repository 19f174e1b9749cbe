//! actix-sea's integration tests: one binary, one module per area.

mod admin;
mod admin_hooks;
mod admin_lists;
mod anonymous;
mod api_docs;
mod app;
mod auth;
mod chain;
mod crafted;
mod dead_sessions;
mod defaults;
mod faults;
mod grammar;
mod headers;
mod lengths;
mod limits;
mod nested_writes;
mod rest;
mod restart;
mod rules;
mod sessions;
mod site;
mod support;
mod throttle;
mod tokens;
