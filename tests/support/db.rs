//! Fresh databases for tests, shared by the crate's integration tests and the examples': SQLite
//! always, PostgreSQL and MariaDB/MySQL when their URLs are set (`ACTIX_SEA_TEST_POSTGRES_URL`,
//! `ACTIX_SEA_TEST_MYSQL_URL`). Each test gets a database of its own, dropped when the test
//! ends, so tests never see each other's rows.

use std::io::Write;
use std::sync::Once;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_sea::db::Options;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

/// Which database server a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    MySql,
}

impl Backend {
    fn env_var(self) -> Option<&'static str> {
        match self {
            Backend::Sqlite => None,
            Backend::Postgres => Some("ACTIX_SEA_TEST_POSTGRES_URL"),
            Backend::MySql => Some("ACTIX_SEA_TEST_MYSQL_URL"),
        }
    }
}

/// A database of a test's own.
pub struct TestDb {
    pub db: DatabaseConnection,
    pub backend: Backend,
    /// The URL `db` was opened with, for a second, independent connection.
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(std::path::PathBuf),
    Server { admin_url: String, name: String },
}

static NEXT: AtomicU64 = AtomicU64::new(0);
static POSTGRES_SKIP: Once = Once::new();
static MYSQL_SKIP: Once = Once::new();

fn unique_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!(
        "actix_sea_t{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Replaces the database name (the URL's last path segment) of a server URL.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

impl TestDb {
    /// A fresh, empty database on `backend`, or `None` (with a note on stderr) when that
    /// backend's URL is not configured.
    pub async fn new(backend: Backend) -> Option<TestDb> {
        Self::with_options(backend, |options| options).await
    }

    /// Like [`TestDb::new`], opened with connection options of the test's choosing.
    pub async fn with_options(
        backend: Backend,
        options: impl FnOnce(Options) -> Options,
    ) -> Option<TestDb> {
        let name = unique_name();
        let Some(var) = backend.env_var() else {
            let path = std::env::temp_dir().join(format!("{name}.db"));
            let url = format!("sqlite://{}?mode=rwc", path.display());
            let db = options(Options::new(&url))
                .connect()
                .await
                .expect("open SQLite");
            return Some(TestDb {
                db,
                backend,
                url,
                cleanup: Cleanup::File(path),
            });
        };
        let Ok(admin_url) = std::env::var(var) else {
            let once = if backend == Backend::Postgres {
                &POSTGRES_SKIP
            } else {
                &MYSQL_SKIP
            };
            // Written past the test harness's capture, so the skip is visible in every run.
            once.call_once(|| {
                let _ = writeln!(
                    std::io::stderr(),
                    "note: {var} is not set; {backend:?} tests are skipped"
                );
            });
            return None;
        };
        let admin = Database::connect(admin_url.as_str())
            .await
            .expect("connect to the test server");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create test database");
        admin.close().await.ok();
        let url = with_database(&admin_url, &name);
        let db = options(Options::new(&url))
            .connect()
            .await
            .expect("open test database");
        Some(TestDb {
            db,
            backend,
            url,
            cleanup: Cleanup::Server { admin_url, name },
        })
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Server { admin_url, name } => {
                let (admin_url, name, backend) = (admin_url.clone(), name.clone(), self.backend);
                // Drop runs inside the test's runtime, which cannot block on itself.
                let dropped = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()?;
                    runtime.block_on(async {
                        let admin = Database::connect(admin_url.as_str())
                            .await
                            .map_err(std::io::Error::other)?;
                        let sql = match backend {
                            Backend::Postgres => {
                                format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                            }
                            _ => format!("DROP DATABASE IF EXISTS {name}"),
                        };
                        admin
                            .execute_unprepared(&sql)
                            .await
                            .map_err(std::io::Error::other)?;
                        admin.close().await.map_err(std::io::Error::other)
                    })
                });
                if let Ok(Err(error)) = dropped.join() {
                    let _ = writeln!(
                        std::io::stderr(),
                        "warning: could not drop test database {}: {error}",
                        self.describe()
                    );
                }
            }
        }
    }
}

impl TestDb {
    fn describe(&self) -> String {
        match &self.cleanup {
            Cleanup::File(path) => path.display().to_string(),
            Cleanup::Server { name, .. } => name.clone(),
        }
    }
}

/// Runs each listed `async fn(TestDb)` on SQLite, PostgreSQL and MySQL, as three tests
/// named after the backend (`module::sqlite`, `module::postgres`, `module::mysql`).
#[macro_export]
macro_rules! on_every_database {
    ($setup:ident: $($name:ident),* $(,)?) => {
        $(
            mod $name {
                use $crate::support::{Backend, TestDb};

                async fn run(backend: Backend) {
                    if let Some(db) = TestDb::$setup(backend).await {
                        super::$name(db).await;
                    }
                }

                #[actix_web::test]
                async fn sqlite() {
                    run(Backend::Sqlite).await;
                }

                #[actix_web::test]
                async fn postgres() {
                    run(Backend::Postgres).await;
                }

                #[actix_web::test]
                async fn mysql() {
                    run(Backend::MySql).await;
                }
            }
        )*
    };
}
