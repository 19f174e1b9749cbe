//! Which writes other parts of the crate follow: a table is watched, and every row the trail
//! records in it (admin, API, a site's [`super::Transaction`]) moves a process-wide generation
//! on. The API's credential cache watches the user and group tables, so that a change to who
//! a caller is or what they may do applies to the next request.

use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// Moved on whenever this process writes a row of a watched table.
static GENERATION: AtomicU64 = AtomicU64::new(0);
/// The watched tables.
static WATCHED: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Watches `table`.
pub(crate) fn watch(table: &str) {
    let mut watched = WATCHED
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if !watched.iter().any(|t| t == table) {
        watched.push(table.to_owned());
    }
}

/// Called by the trail for every row it records: a write to a watched table moves the
/// generation on.
pub(crate) fn written(table: &str) {
    if watched(table) {
        changed();
    }
}

pub(crate) fn watched(table: &str) -> bool {
    let watched = WATCHED
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    watched.iter().any(|t| t == table)
}

/// Moves the generation on, for a change made outside the trail (after a commit).
pub(crate) fn changed() {
    GENERATION.fetch_add(1, Ordering::AcqRel);
}

/// The current generation: read it before reading a watched row, so that a write that lands
/// in between is noticed.
pub(crate) fn generation() -> u64 {
    GENERATION.load(Ordering::Acquire)
}
