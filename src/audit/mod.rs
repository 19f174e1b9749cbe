//! The audit trail: who changed which row, when, through which front door, and from what to
//! what.
//!
//! Every create, update and delete made through the admin (forms, bulk deletes with their
//! cascades, custom actions), the REST API (nested writes and the cascades of deletes
//! included) and a site's own writes
//! made through a [`Transaction`] (its CLI helpers, pages and panels) is written to the table
//! `actix_sea_audit` (see [`crate::db::migrations`]) in the same transaction as the change:
//! when the entry cannot be written, the change rolls back.
//!
//! An entry's `values` is JSON text: the new row for a `create`, the old row for a `delete`,
//! and `{column: [old, new]}` for the columns an `update` changed (an update that changes
//! nothing writes no entry). Write-only columns (the user table's password column, a REST
//! resource's `exclude`) appear as `"<redacted>"`, never with their value or hash. A custom
//! action writes one entry per row it was given, named after the action, with what can be
//! known from the row before and after the action: `{column: [old, new]}` for the columns
//! it changed (`{}` when it changed none), or the old row when the action deleted it.
//!
//! The admin shows a row's entries at `/admin/<model>/<pk>/history/` and every entry at
//! `/admin/audit/`; the API serves them read-only at `/api/audit/`. Both are for admin users
//! only. [`purge`] removes entries older than a retention period.

pub mod entry;
mod many;
mod purge;
mod transaction;
pub(crate) mod watch;
mod write;

pub use purge::purge;
pub use transaction::Transaction;
pub(crate) use write::{Deferred, Trail};

/// What a write-only column's value is recorded as.
pub const REDACTED: &str = "<redacted>";

/// The slug the trail is served under: `/admin/audit/`, `/api/audit/`.
pub const SLUG: &str = "audit";
