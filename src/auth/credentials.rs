//! A short-lived cache of successful password checks, so that basic auth costs one argon2
//! verification per credential per TTL rather than one per request. One per [`super::Auth`],
//! shared by every API authentication made from it, so that a password change or a
//! deactivation drops the user's entries at once ([`super::Auth::end_sessions`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// How long a successful check is remembered.
const TTL: Duration = Duration::from_secs(60);
/// At most this many entries; expired ones are dropped first, then all when still full.
const CAPACITY: usize = 10_000;

/// Checks of one username run one at a time (striped locks): a burst of requests with a
/// credential not yet cached costs one argon2 verification, not one per request.
const STRIPES: usize = 64;
/// How long a check waits for its username's turn before it is answered 503 with
/// `Retry-After` (the same bound as the wait for a database connection).
pub(crate) const TURN_WAIT: Duration = Duration::from_secs(5);

/// Checked credentials by keyed hash: whose they are and when they were checked.
type Entries = HashMap<[u8; 32], (i64, Instant)>;

#[derive(Clone)]
pub(crate) struct CredentialCache {
    secret: [u8; 32],
    entries: Arc<Mutex<Entries>>,
    stripes: Arc<[tokio::sync::Mutex<()>; STRIPES]>,
}

impl Default for CredentialCache {
    fn default() -> Self {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).expect("the operating system provides randomness");
        Self {
            secret,
            entries: Arc::default(),
            stripes: Arc::new(std::array::from_fn(|_| tokio::sync::Mutex::new(()))),
        }
    }
}

impl CredentialCache {
    /// A keyed hash of the credential and the stored hash it was checked against: a changed
    /// password hash never matches an old entry, and the cache holds no passwords.
    pub(crate) fn key(&self, username: &str, password: &str, stored_hash: &str) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(self.secret);
        for part in [username, password, stored_hash] {
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part.as_bytes());
        }
        hasher.finalize().into()
    }

    /// Waits until no other check of this username (normalised) is running, and holds that
    /// turn; `Unavailable` (503) after `wait`.
    pub(crate) async fn turn(
        &self,
        username: &str,
        wait: Duration,
    ) -> Result<tokio::sync::MutexGuard<'_, ()>, crate::Error> {
        let name = crate::auth::normalize_username(username);
        let stripe = usize::from(self.key(&name, "", "")[0]) % STRIPES;
        tokio::time::timeout(wait, self.stripes[stripe].lock())
            .await
            .map_err(|_| crate::Error::Unavailable)
    }

    pub(crate) fn contains(&self, key: &[u8; 32]) -> bool {
        let entries = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        entries.get(key).is_some_and(|(_, at)| at.elapsed() < TTL)
    }

    /// Remembers that the credential `key` of user `user_id` checked out.
    pub(crate) fn insert(&self, key: [u8; 32], user_id: i64) {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if entries.len() >= CAPACITY {
            entries.retain(|_, (_, at)| at.elapsed() < TTL);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(key, (user_id, Instant::now()));
    }

    /// Forgets every credential of `user_id`.
    pub(crate) fn forget(&self, user_id: i64) {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .retain(|_, (user, _)| *user != user_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_check_waiting_on_the_same_username_gives_up_with_unavailable() {
        let cache = CredentialCache::default();
        let first = cache.turn("alice", TURN_WAIT).await.unwrap();
        let waited = cache.turn(" ALICE", Duration::from_millis(20)).await;
        assert!(
            matches!(waited, Err(crate::Error::Unavailable)),
            "the same normalised name waits, then 503"
        );
        drop(first);
        assert!(cache.turn("alice", Duration::from_millis(20)).await.is_ok());
    }

    #[test]
    fn forgetting_a_user_drops_only_their_credentials() {
        let cache = CredentialCache::default();
        let alice = cache.key("alice", "wonderland", "$argon2id$a");
        let bob = cache.key("bob", "builder", "$argon2id$b");
        cache.insert(alice, 1);
        cache.insert(bob, 2);
        cache.forget(1);
        assert!(!cache.contains(&alice));
        assert!(cache.contains(&bob));
    }
}
