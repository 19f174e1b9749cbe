//! Password hashing: argon2id with OWASP's parameters (m=19456 KiB, t=2, p=1), as PHC strings.
//!
//! Argon2's 19 MiB of working memory comes from a pool of buffers, reused while logins keep
//! coming and freed 2 s after the last, each a mapping of its own given back to the system
//! (see `LEAST_CAPACITY`): a server's memory goes back down after a burst of logins. With
//! [`Hasher`] bounding how many run at once, the memory spent on hashing is at most that many
//! buffers, however large the burst. (A plain 19 MiB allocation per verification made glibc
//! keep every thread's copy: hundreds of MiB after one burst.)

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};

/// Memory cost in KiB.
pub const M_COST: u32 = 19_456;
/// Iterations.
pub const T_COST: u32 = 2;
/// Parallelism.
pub const P_COST: u32 = 1;

/// The PHC prefix every current hash starts with; a stored hash without it gets re-hashed
/// at the next successful login.
const CURRENT_PREFIX: &str = "$argon2id$v=19$m=19456,t=2,p=1$";

/// Stored hashes asking for more memory than this (KiB) never verify: a hash is data, and a
/// tampered one must not make the server allocate gigabytes.
const MAX_M_COST: u32 = 4 * M_COST;

/// The least capacity of a working-memory buffer: above 32 MiB, the largest mmap threshold
/// glibc's malloc adapts to, so that every buffer is a mapping of its own, given back to the
/// system when it is freed (only the pages argon2 writes are ever resident).
const LEAST_CAPACITY: usize = (32 << 20) / std::mem::size_of::<Block>() + 1;

/// Working-memory buffers: idle ones kept for the next hash while hashes keep coming, freed
/// once unused for `keep`.
struct Buffers {
    pool: Mutex<Pool>,
    keep: Duration,
}

/// The idle buffers, each with when it was given back, and whether a task frees them.
struct Pool {
    idle: Vec<(Vec<Block>, Instant)>,
    sweeping: bool,
}

/// The process's buffers, one pool for every [`Hasher`], each kept 2 s after its last use.
static BUFFERS: Buffers = Buffers::new(Duration::from_secs(2));

impl Buffers {
    const fn new(keep: Duration) -> Self {
        Self {
            pool: Mutex::new(Pool {
                idle: Vec::new(),
                sweeping: false,
            }),
            keep,
        }
    }

    fn pool(&self) -> std::sync::MutexGuard<'_, Pool> {
        self.pool
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `work` with a buffer of at least `blocks` blocks: an idle one, or a new one.
    fn with<T>(&'static self, blocks: usize, work: impl FnOnce(&mut [Block]) -> T) -> T {
        let idle = self.pool().idle.pop().map(|(buffer, _)| buffer);
        let mut buffer = idle.unwrap_or_else(|| Vec::with_capacity(blocks.max(LEAST_CAPACITY)));
        if buffer.len() < blocks {
            buffer.resize(blocks, Block::default());
        }
        let result = work(&mut buffer[..blocks]);
        self.give_back(buffer);
        result
    }

    /// Keeps `buffer` for the next hash, to be freed once unused for `keep`; frees it now
    /// without a runtime to do that later.
    fn give_back(&'static self, buffer: Vec<Block>) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let mut pool = self.pool();
        pool.idle.push((buffer, Instant::now()));
        if !pool.sweeping {
            pool.sweeping = true;
            runtime.spawn(self.sweep());
        }
    }

    /// Frees the buffers idle for `keep`, until none is left. Dropped with its runtime, it
    /// lets the next buffer given back start another.
    async fn sweep(&'static self) {
        struct Sweeping(&'static Buffers);
        impl Drop for Sweeping {
            fn drop(&mut self) {
                self.0.pool().sweeping = false;
            }
        }
        let _sweeping = Sweeping(self);
        loop {
            tokio::time::sleep(self.keep).await;
            let mut pool = self.pool();
            pool.idle
                .retain(|(_, given_back)| given_back.elapsed() < self.keep);
            if pool.idle.is_empty() {
                return;
            }
        }
    }
}

fn current_params() -> Params {
    Params::new(M_COST, T_COST, P_COST, None).expect("constant argon2 parameters are valid")
}

/// Argon2 over `password` and `salt` into `out`, in pooled memory.
fn compute(
    algorithm: Algorithm,
    version: Version,
    params: Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> argon2::Result<()> {
    let blocks = params.block_count();
    let argon2 = Argon2::new(algorithm, version, params);
    BUFFERS.with(blocks, |memory| {
        argon2.hash_password_into_with_memory(password, salt, out, memory)
    })
}

/// Hashes a password with a fresh random salt. CPU-heavy (tens of milliseconds): call it from
/// the blocking pool in request handlers.
pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the operating system provides randomness");
    let params = current_params();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    compute(
        Algorithm::Argon2id,
        Version::V0x13,
        params.clone(),
        password.as_bytes(),
        &salt,
        &mut out,
    )
    .expect("argon2 hashing with valid parameters and a 16-byte salt cannot fail");
    PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).expect("constant parameters encode"),
        salt: Some(Salt::new(&salt).expect("16 bytes is a valid salt")),
        hash: Some(Output::new(&out).expect("32 bytes is a valid output")),
    }
    .to_string()
}

/// Checks a password against a stored PHC string. A malformed hash never verifies.
/// CPU-heavy, like [`hash_password`].
pub fn verify_password(password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm.as_str()) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(version)) => version,
        Some(Err(_)) => return false,
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    if params.m_cost() > MAX_M_COST {
        return false;
    }
    let mut out = vec![0u8; expected.len()];
    if compute(
        algorithm,
        version,
        params,
        password.as_bytes(),
        salt.as_ref(),
        &mut out,
    )
    .is_err()
    {
        return false;
    }
    // `Output`'s equality is constant-time.
    Output::new(&out).is_ok_and(|computed| &computed == expected)
}

/// Whether a stored hash was made with other parameters than the current ones.
pub fn needs_rehash(stored: &str) -> bool {
    !stored.starts_with(CURRENT_PREFIX)
}

/// A hash of a password nobody knows, verified against when the user is unknown or inactive
/// so that the answer takes as long as for a real user.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| hash_password("actix-sea dummy password"));

/// Runs argon2 on the blocking pool, a bounded number at a time, and counts verifications.
/// Each running hash or verification holds one 19 MiB buffer, so the hashing memory of a
/// server is at most `max_concurrent` x 19 MiB, whatever the load. Cheap to clone.
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
    /// At most `max_concurrent` hashes or verifications at a time (at least 1); others wait
    /// for a slot (up to 10 s, then 503).
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
        result.map_err(crate::Error::internal)
    }

    /// Verifies `password` against `stored`, or against a dummy hash when there is no stored
    /// hash (unknown or inactive user), so both cases cost one verification.
    ///
    /// # Errors
    ///
    /// [`Error::Internal`](crate::Error::Internal) when the blocking pool fails or `stored` is not a hash; a wrong password is `Ok(false)`.
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
    ///
    /// # Errors
    ///
    /// [`Error::Internal`](crate::Error::Internal) when the blocking pool or argon2 fails.
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
    /// One slot per CPU, at most 4 (76 MiB of hashing memory): more slots than CPUs only
    /// add memory, not throughput.
    fn default() -> Self {
        Self::new(std::thread::available_parallelism().map_or(2, |n| usize::from(n).min(4)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_buffer_serves_the_hashes_that_follow_and_is_freed_once_unused() {
        let keep = Duration::from_millis(50);
        let buffers: &'static Buffers = Box::leak(Box::new(Buffers::new(keep)));
        assert_eq!(buffers.with(8, |memory| memory.len()), 8);
        assert_eq!(buffers.with(4, |memory| memory.len()), 4);
        assert_eq!(
            buffers.pool().idle.len(),
            1,
            "the second hash took the first's buffer"
        );
        tokio::time::sleep(keep * 10).await;
        assert!(buffers.pool().idle.is_empty());
        assert!(!buffers.pool().sweeping);
    }

    #[test]
    fn without_a_runtime_a_buffer_is_freed_at_once() {
        let keep = Duration::from_secs(2);
        let buffers: &'static Buffers = Box::leak(Box::new(Buffers::new(keep)));
        assert_eq!(buffers.with(8, |memory| memory.len()), 8);
        assert!(buffers.pool().idle.is_empty());
    }

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hash = hash_password("correct horse");
        assert!(hash.starts_with(CURRENT_PREFIX));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("correct horsf", &hash));
        assert!(!needs_rehash(&hash));
    }

    #[test]
    fn hashes_of_other_parameters_and_libraries_still_verify() {
        use argon2::password_hash::PasswordHasher;
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(4096, 1, 1, None).unwrap(),
        );
        let old = weak.hash_password(b"wonderland").unwrap().to_string();
        assert!(verify_password("wonderland", &old));
        assert!(!verify_password("wonderlane", &old));
        let current = Argon2::new(Algorithm::Argon2id, Version::V0x13, current_params())
            .hash_password(b"wonderland")
            .unwrap()
            .to_string();
        assert!(verify_password("wonderland", &current));
    }

    #[test]
    fn a_hash_asking_for_too_much_memory_never_verifies() {
        assert!(!verify_password(
            "x",
            "$argon2id$v=19$m=4000000,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
        ));
    }

    #[test]
    fn malformed_or_old_hashes_never_verify_and_need_rehash() {
        assert!(!verify_password("x", "not a hash"));
        assert!(!verify_password("x", ""));
        assert!(needs_rehash("$argon2id$v=19$m=4096,t=3,p=1$c2FsdA$aGFzaA"));
    }
}
