//! actix-sea's integration tests: one binary, one module per area.

mod chain;
mod grammar;
mod support;
