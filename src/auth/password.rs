//! Password hashing: argon2id with OWASP's parameters (m=19456 KiB, t=2, p=1), as PHC strings.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

/// Memory cost in KiB.
pub const M_COST: u32 = 19_456;
/// Iterations.
pub const T_COST: u32 = 2;
/// Parallelism.
pub const P_COST: u32 = 1;

/// The PHC prefix every current hash starts with; a stored hash without it gets re-hashed
/// at the next successful login.
const CURRENT_PREFIX: &str = "$argon2id$v=19$m=19456,t=2,p=1$";

fn hasher() -> Argon2<'static> {
    let params =
        Params::new(M_COST, T_COST, P_COST, None).expect("constant argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password with a fresh random salt. CPU-heavy (tens of milliseconds): call it from
/// the blocking pool in request handlers.
pub fn hash_password(password: &str) -> String {
    hasher()
        .hash_password(password.as_bytes())
        .expect("argon2 hashing with valid parameters and a random salt cannot fail")
        .to_string()
}

/// Checks a password against a stored PHC string. A malformed hash never verifies.
/// CPU-heavy, like [`hash_password`].
pub fn verify_password(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Whether a stored hash was made with other parameters than the current ones.
pub fn needs_rehash(stored: &str) -> bool {
    !stored.starts_with(CURRENT_PREFIX)
}

/// A hash of a password nobody knows, verified against when the user is unknown or inactive
/// so that the answer takes as long as for a real user.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| hash_password("actix-sea dummy password"));

/// Runs argon2 on the blocking pool, a bounded number at a time, and counts verifications.
/// Cheap to clone.
#[derive(Clone)]
pub struct Hasher {
    inner: Arc<HasherInner>,
}

struct HasherInner {
    permits: tokio::sync::Semaphore,
    verifications: AtomicU64,
}

/// How long a request waits for a free hashing slot before it is answered 503.
const QUEUE_TIMEOUT: Duration = Duration::from_secs(10);

impl Hasher {
    /// At most `max_concurrent` hashes or verifications at a time (at least 1).
    pub fn new(max_concurrent: usize) -> Self {
        Self {
            inner: Arc::new(HasherInner {
                permits: tokio::sync::Semaphore::new(max_concurrent.max(1)),
                verifications: AtomicU64::new(0),
            }),
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, crate::Error> {
        let permit = tokio::time::timeout(QUEUE_TIMEOUT, self.inner.permits.acquire())
            .await
            .map_err(|_| crate::Error::Unavailable)?
            .map_err(|_| crate::Error::Unavailable)?;
        let result = tokio::task::spawn_blocking(work).await;
        drop(permit);
        result.map_err(|e| crate::Error::Internal(e.to_string()))
    }

    /// Verifies `password` against `stored`, or against a dummy hash when there is no stored
    /// hash (unknown or inactive user), so both cases cost one verification.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Result<bool, crate::Error> {
        self.inner.verifications.fetch_add(1, Ordering::Relaxed);
        let password = password.to_owned();
        let stored = stored.map(str::to_owned);
        self.run(move || match stored {
            Some(stored) => verify_password(&password, &stored),
            None => {
                verify_password(&password, &DUMMY_HASH);
                false
            }
        })
        .await
    }

    /// Hashes a password on the blocking pool.
    pub async fn hash(&self, password: &str) -> Result<String, crate::Error> {
        let password = password.to_owned();
        self.run(move || hash_password(&password)).await
    }

    /// How many verifications ran since start (real and dummy alike).
    pub fn verifications(&self) -> u64 {
        self.inner.verifications.load(Ordering::Relaxed)
    }
}

impl Default for Hasher {
    /// One slot per CPU.
    fn default() -> Self {
        Self::new(std::thread::available_parallelism().map_or(2, usize::from))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hash = hash_password("correct horse");
        assert!(hash.starts_with(CURRENT_PREFIX));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("correct horsf", &hash));
        assert!(!needs_rehash(&hash));
    }

    #[test]
    fn malformed_or_old_hashes_never_verify_and_need_rehash() {
        assert!(!verify_password("x", "not a hash"));
        assert!(!verify_password("x", ""));
        assert!(needs_rehash("$argon2id$v=19$m=4096,t=3,p=1$c2FsdA$aGFzaA"));
    }
}
