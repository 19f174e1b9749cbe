//! A short-lived cache of successful password checks, so that basic auth costs one argon2
//! verification per credential per [`TTL`] rather than one per request, and no query at all
//! while the check is [`RECHECK`] old or less. One per [`super::Auth`], shared by every API
//! authentication made from it.
//!
//! A remembered check holds the caller as the API sees them (their permissions included) and
//! the password hash it was verified against. It is used without a query while it is fresh:
//! younger than [`RECHECK`], and no user or group row was written on this instance since it
//! was read (see [`crate::audit::watch`]). Otherwise the user is read again: a changed hash,
//! a deactivation or a deletion ends it, and the permissions are read anew. A password change
//! or a deactivation also drops the user's checks at once ([`super::Auth::end_sessions`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::CurrentUser;
use crate::audit::watch::{changed, generation};

/// How long a successful check is remembered.
const TTL: Duration = Duration::from_secs(60);
/// How long a remembered check is used without reading the user again: the longest another
/// instance of the site (which keeps its own cache) may take to see a change.
pub(crate) const RECHECK: Duration = Duration::from_secs(2);
/// At most this many entries; expired ones are dropped first, then all when still full.
const CAPACITY: usize = 10_000;

/// Checks of one username run one at a time (striped locks): a burst of requests with a
/// credential not yet cached costs one argon2 verification, not one per request.
const STRIPES: usize = 64;
/// How long a check waits for its username's turn before it is answered 503 with
/// `Retry-After` (the same bound as the wait for a database connection).
pub(crate) const TURN_WAIT: Duration = Duration::from_secs(5);

/// A successful check of a credential.
pub(crate) struct Checked {
    /// The caller, with their permissions as read.
    pub(crate) user: CurrentUser,
    /// The stored hash the password was verified against.
    pub(crate) hash: String,
    /// When argon2 verified the password.
    pub(crate) verified: Instant,
    /// When the user was last read, and the [`generation`] read before.
    pub(crate) read: Instant,
    pub(crate) generation: u64,
}

/// Checked credentials by keyed hash.
type Entries = HashMap<[u8; 32], Checked>;

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
    /// A keyed hash of the credential: the cache holds no passwords.
    pub(crate) fn key(&self, username: &str, password: &str) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(self.secret);
        for part in [username, password] {
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
        let stripe = usize::from(self.key(&name, "")[0]) % STRIPES;
        tokio::time::timeout(wait, self.stripes[stripe].lock())
            .await
            .map_err(|_| crate::Error::Unavailable)
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The caller of credential `key`, when its check may be used without reading the user.
    pub(crate) fn fresh(&self, key: &[u8; 32]) -> Option<CurrentUser> {
        let entries = self.entries();
        let checked = entries.get(key)?;
        let fresh = checked.verified.elapsed() < TTL
            && checked.read.elapsed() < RECHECK
            && checked.generation == generation();
        fresh.then(|| checked.user.clone())
    }

    /// When argon2 verified credential `key` against the stored `hash`, if it did within the
    /// TTL.
    pub(crate) fn verified(&self, key: &[u8; 32], hash: &str) -> Option<Instant> {
        let entries = self.entries();
        let checked = entries.get(key)?;
        (checked.hash == hash && checked.verified.elapsed() < TTL).then_some(checked.verified)
    }

    /// Remembers the check of credential `key`.
    pub(crate) fn insert(&self, key: [u8; 32], checked: Checked) {
        let mut entries = self.entries();
        if entries.len() >= CAPACITY {
            entries.retain(|_, c| c.verified.elapsed() < TTL);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(key, checked);
    }

    /// Forgets every credential of `user_id`, and makes every other check stale (a request
    /// that read the user before the change committed must read it again).
    pub(crate) fn forget(&self, user_id: i64) {
        self.entries().retain(|_, c| c.user.id() != user_id);
        changed();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::watch::{watch, watched, written};

    fn checked(id: i64, hash: &str) -> Checked {
        Checked {
            user: CurrentUser::new(id, format!("user{id}"), false),
            hash: hash.to_owned(),
            verified: Instant::now(),
            read: Instant::now(),
            generation: generation(),
        }
    }

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
        let alice = cache.key("alice", "wonderland");
        let bob = cache.key("bob", "builder");
        cache.insert(alice, checked(1, "$argon2id$a"));
        cache.insert(bob, checked(2, "$argon2id$b"));
        cache.forget(1);
        assert!(cache.verified(&alice, "$argon2id$a").is_none());
        assert!(cache.verified(&bob, "$argon2id$b").is_some());
        assert!(
            cache.verified(&bob, "$argon2id$other").is_none(),
            "another hash"
        );
    }

    #[test]
    fn a_write_to_a_watched_table_makes_checks_stale() {
        let cache = CredentialCache::default();
        let carol = cache.key("carol", "secret");
        cache.insert(carol, checked(3, "$argon2id$c"));
        assert!(!watched("credentials_test_users"));
        watch("credentials_test_users");
        assert!(watched("credentials_test_users"));
        written("credentials_test_users");
        assert!(cache.fresh(&carol).is_none(), "read the user again");
        assert!(
            cache.verified(&carol, "$argon2id$c").is_some(),
            "no argon2 again"
        );
    }
}
