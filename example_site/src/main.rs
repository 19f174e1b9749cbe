//! `example_site serve | create-user | create-group | set-password | seed | migrate |
//! audit-purge`: the twitter clone's command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use example_site::auth::AuthConfig;
use example_site::commands::{self, NewUser};
use example_site::{Site, app, migrations};
use indicatif::{ProgressBar, ProgressStyle};
use sea_orm::DatabaseConnection;

const DEFAULT_DATABASE: &str = "sqlite://example.db?mode=rwc";

#[derive(Parser)]
#[command(version, about = "The actix-sea example site: a twitter clone")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the site (the default command).
    Serve(ServeArgs),
    /// Create a user with an argon2id password hash.
    CreateUser {
        /// Login name.
        username: String,
        /// Password (stored hashed).
        #[arg(long)]
        password: String,
        /// E-mail address.
        #[arg(long, default_value = "")]
        email: String,
        /// Let the user into the admin.
        #[arg(long)]
        admin: bool,
        /// Create the user deactivated.
        #[arg(long)]
        inactive: bool,
        /// Add the user to this existing group (repeatable).
        #[arg(long = "group")]
        groups: Vec<String>,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Create a group of staff users with model permissions.
    CreateGroup {
        /// The group's name, unique.
        name: String,
        /// A permission `<model>.<action>` the group grants, e.g. `message.change`
        /// (repeatable; actions: view, add, change, delete).
        #[arg(long = "permission")]
        permissions: Vec<String>,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Set a user's password (stored as an argon2id hash).
    SetPassword {
        /// Login name.
        username: String,
        /// The new password.
        #[arg(long)]
        password: String,
        /// Also end the user's sessions kept in Redis (`redis://host:port`), the store
        /// `serve --sessions` uses; those kept in the database always end.
        #[arg(long, env = "SESSION_URL")]
        sessions: Option<String>,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Fill the database with deterministic demo data.
    Seed {
        /// How many users.
        #[arg(long, default_value_t = 10)]
        users: u32,
        /// How many messages.
        #[arg(long, default_value_t = 100)]
        messages: u32,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Delete audit-trail entries older than a number of days.
    AuditPurge {
        /// Entries older than this many days go (default: the retention setting,
        /// `AUDIT_RETENTION_DAYS`; without either, every entry is kept).
        #[arg(long, env = "AUDIT_RETENTION_DAYS")]
        older_than_days: Option<u32>,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Apply or roll back the schema's migrations, or list them (`serve`, `create-user` and
    /// `seed` apply pending ones first).
    Migrate {
        #[command(subcommand)]
        action: Option<MigrateAction>,
        #[command(flatten)]
        database: DatabaseArg,
    },
}

#[derive(Subcommand, Clone, Copy)]
enum MigrateAction {
    /// Apply pending migrations (the default).
    Up {
        /// Apply at most this many.
        #[arg(long)]
        steps: Option<u32>,
    },
    /// Roll back the newest applied migrations.
    Down {
        /// How many to roll back.
        #[arg(long, default_value_t = 1)]
        steps: u32,
    },
    /// List every migration, applied or pending.
    Status,
    /// Drop every table in the database, then apply every migration.
    Fresh,
}

#[derive(clap::Args, Default)]
struct DatabaseArg {
    /// Database URL: sqlite://…, postgres://… or mysql://…
    #[arg(long = "database", env = "DATABASE_URL", default_value = DEFAULT_DATABASE, global = true)]
    url: String,
    /// SQLite's `synchronous` in WAL mode. `normal` (the default here): a commit survives a
    /// crash of the process but the last ones may be lost on a power loss; `full`: every
    /// commit is synced to disk first (an fsync per write).
    #[arg(long, env = "SQLITE_SYNC", value_enum, default_value_t = SyncMode::Normal)]
    sqlite_sync: SyncMode,
}

/// SQLite's `synchronous` setting, see `actix_sea::db::SqliteSync`.
#[derive(clap::ValueEnum, Clone, Copy, Default)]
enum SyncMode {
    #[default]
    Normal,
    Full,
}

#[derive(clap::Args, Default)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8000")]
    bind: String,
    /// Mark session cookies Secure (only when the site is reached over HTTPS).
    #[arg(long)]
    secure_cookies: bool,
    /// Keep logged-in sessions in Redis (`redis://host:port`), shared by every instance of the
    /// site; default: in the database.
    #[arg(long, env = "SESSION_URL")]
    sessions: Option<String>,
    #[command(flatten)]
    database: DatabaseArg,
}

/// A progress bar on stderr, redrawn in place on a terminal and hidden elsewhere (where the
/// command prints one summary line instead).
fn progress_bar(template: &str) -> Result<ProgressBar, String> {
    let style = ProgressStyle::with_template(template).map_err(|e| e.to_string())?;
    Ok(ProgressBar::new(0).with_style(style))
}

/// "3 migrations: a, b, c", or "no migrations".
fn listed(names: &[String]) -> String {
    match names.len() {
        0 => "no migrations".into(),
        1 => format!("1 migration: {}", names[0]),
        n => format!("{n} migrations: {}", names.join(", ")),
    }
}

/// The password rule every front door keeps (at least 8 characters, not the username), kept
/// by `create-user` and `set-password` too.
fn password_rule(username: &str, password: &str) -> Result<(), String> {
    match actix_sea::auth::built_in_password_problem(username.trim(), password) {
        Some(problem) => Err(problem),
        None => Ok(()),
    }
}

/// Opens the database. Serving keeps the default statement limit; the batch commands
/// (`create-user`, `seed`, `migrate`) run without one.
async fn connect(database: &DatabaseArg, serving: bool) -> Result<DatabaseConnection, String> {
    let url = &database.url;
    let sync = match database.sqlite_sync {
        SyncMode::Normal => actix_sea::db::SqliteSync::Normal,
        SyncMode::Full => actix_sea::db::SqliteSync::Full,
    };
    let mut options = actix_sea::db::Options::new(url).sqlite_sync(sync);
    if !serving {
        options = options.statement_timeout(None);
    }
    options
        .connect()
        .await
        .map_err(|e| format!("cannot open {url}: {e}"))
}

/// Opens the database and applies pending migrations, saying which.
async fn open(database: &DatabaseArg, serving: bool) -> Result<DatabaseConnection, String> {
    let db = connect(database, serving).await?;
    let bar = progress_bar("migrate: {bar:30} {pos}/{len} {msg}")?;
    let applied = match migrations::up(&db, None, &bar).await {
        Ok(applied) => applied,
        // Another instance starting at the same moment may have applied them first.
        Err(error) => match migrations::status(&db).await {
            Ok(all) if all.iter().all(|(_, applied)| *applied) => Vec::new(),
            _ => return Err(format!("cannot apply migrations: {error}")),
        },
    };
    bar.finish_and_clear();
    if applied.is_empty() {
        println!("example_site: database schema up to date");
    } else {
        println!("example_site: applied {}", listed(&applied));
    }
    Ok(db)
}

async fn migrate(action: MigrateAction, database: &DatabaseArg) -> Result<(), String> {
    let db = connect(database, false).await?;
    let bar = progress_bar("migrate: {bar:30} {pos}/{len} {msg}")?;
    let failed = |e: sea_orm::DbErr| format!("migration failed: {e}");
    match action {
        MigrateAction::Up { steps } => {
            let applied = migrations::up(&db, steps, &bar).await.map_err(failed)?;
            bar.finish_and_clear();
            eprintln!("migrate: applied {}", listed(&applied));
        }
        MigrateAction::Down { steps } => {
            let undone = migrations::down(&db, steps, &bar).await.map_err(failed)?;
            bar.finish_and_clear();
            eprintln!("migrate: rolled back {}", listed(&undone));
        }
        MigrateAction::Fresh => {
            let applied = migrations::fresh(&db, &bar).await.map_err(failed)?;
            bar.finish_and_clear();
            eprintln!("migrate: dropped every table, applied {}", listed(&applied));
        }
        MigrateAction::Status => {
            let all = migrations::status(&db).await.map_err(failed)?;
            for (name, applied) in &all {
                println!("{} {name}", if *applied { "applied" } else { "pending" });
            }
            let pending = all.iter().filter(|(_, applied)| !applied).count();
            println!(
                "migrate status: {} applied, {pending} pending",
                all.len() - pending
            );
        }
    }
    Ok(())
}

async fn serve(args: ServeArgs) -> Result<(), String> {
    let db = open(&args.database, true).await?;
    let key_file = key_file_for(&args.database.url);
    let from_env = std::env::var("SECRET_KEY")
        .ok()
        .filter(|key| !key.is_empty());
    if from_env.is_none() {
        println!(
            "example_site: SECRET_KEY not set; development key kept in {}",
            key_file.display()
        );
    }
    let secret_key = actix_sea::auth::secret_key_or_dev_file(from_env, &key_file)?;
    if !args.secure_cookies {
        println!(
            "example_site: session cookies are not marked Secure (plain HTTP); pass --secure-cookies behind HTTPS"
        );
    }
    let config = AuthConfig {
        secret_key,
        secure_cookies: args.secure_cookies,
    };
    let mut auth = example_site::auth::builder(db.clone(), &config);
    match args.sessions.as_deref().filter(|url| !url.is_empty()) {
        Some(url) => {
            let store = actix_sea::auth::RedisSessions::connect(url)
                .await
                .map_err(|e| format!("cannot reach the session store {url}: {e}"))?;
            auth = auth.redis_sessions(store);
            println!("example_site: sessions kept in Redis at {url}");
        }
        None => println!("example_site: sessions kept in the database"),
    }
    let auth = auth.build().map_err(|e| e.to_string())?;
    let site = Site::with_auth(db, auth).map_err(|e| e.to_string())?;
    let server = actix_web::HttpServer::new(move || app(site.clone()))
        // A request head must arrive within 5 s (bodies: the Auth's body_timeout, 30 s).
        .client_request_timeout(std::time::Duration::from_secs(5))
        .bind(&args.bind)
        .map_err(|e| format!("cannot listen on {}: {e}", args.bind))?;
    println!(
        "example_site: serving http://{} (database {})",
        args.bind, args.database.url
    );
    server.run().await.map_err(|e| e.to_string())
}

async fn run(cli: Cli) -> Result<(), String> {
    match cli.command.unwrap_or(Command::Serve(ServeArgs {
        bind: "127.0.0.1:8000".into(),
        secure_cookies: false,
        sessions: std::env::var("SESSION_URL").ok(),
        database: DatabaseArg {
            url: std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE.into()),
            sqlite_sync: match std::env::var("SQLITE_SYNC").as_deref() {
                Ok("full") => SyncMode::Full,
                _ => SyncMode::Normal,
            },
        },
    })) {
        Command::Serve(args) => serve(args).await,
        Command::Migrate { action, database } => {
            migrate(
                action.unwrap_or(MigrateAction::Up { steps: None }),
                &database,
            )
            .await
        }
        Command::CreateUser {
            username,
            password,
            email,
            admin,
            inactive,
            groups,
            database,
        } => {
            password_rule(&username, &password)?;
            let db = open(&database, false).await?;
            let new = NewUser {
                username,
                password,
                email,
                admin,
                active: !inactive,
                groups,
            };
            let user = commands::create_user(&db, new)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "created user `{}` (id {}{})",
                user.username,
                user.id,
                if user.admin { ", admin" } else { "" }
            );
            Ok(())
        }
        Command::AuditPurge {
            older_than_days,
            database,
        } => {
            let Some(days) = older_than_days else {
                eprintln!("audit-purge: no retention set; every entry is kept");
                return Ok(());
            };
            let db = open(&database, false).await?;
            // Redrawn in place on a terminal; elsewhere only the summary line is printed.
            let bar = progress_bar("audit-purge: {bar:40} {pos}/{len} entries ({eta} left)")?;
            let removed = actix_sea::audit::purge(&db, days, |done, total| {
                bar.set_length(total);
                bar.set_position(done);
            })
            .await
            .map_err(|e| format!("audit-purge failed: {e}"))?;
            bar.finish_and_clear();
            eprintln!("audit-purge: removed {removed} entries older than {days} days");
            Ok(())
        }
        Command::CreateGroup {
            name,
            permissions,
            database,
        } => {
            let db = open(&database, false).await?;
            let id = example_site::staff::create_group(&db, &name, &permissions)
                .await
                .map_err(|e| e.to_string())?;
            let granted = actix_sea::groups::permissions_of_group(&db, id)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "created group `{}` (id {id}) with {} permission(s)",
                name.trim(),
                granted.len()
            );
            Ok(())
        }
        Command::SetPassword {
            username,
            password,
            sessions,
            database,
        } => {
            password_rule(&username, &password)?;
            let db = open(&database, false).await?;
            let redis = match sessions.as_deref().filter(|url| !url.is_empty()) {
                Some(url) => Some(
                    actix_sea::auth::RedisSessions::connect(url)
                        .await
                        .map_err(|e| format!("cannot reach the session store {url}: {e}"))?,
                ),
                None => None,
            };
            example_site::staff::set_password(&db, &username, &password, redis.as_ref())
                .await
                .map_err(|e| e.to_string())?;
            println!("password of `{}` changed", username.trim());
            Ok(())
        }
        Command::Seed {
            users,
            messages,
            database,
        } => {
            let db = open(&database, false).await?;
            // Redrawn in place on a terminal; elsewhere only the summary line is printed.
            let bar = progress_bar("seed: {bar:40} {pos}/{len} messages ({eta} left)")?;
            bar.set_length(u64::from(messages));
            let seeded = commands::seed(&db, users, messages, &bar)
                .await
                .map_err(|e| e.to_string())?;
            bar.finish_and_clear();
            eprintln!("{seeded}");
            Ok(())
        }
    }
}

#[actix_web::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            // sea-orm-migration logs each step at `info`, and PostgreSQL a notice for each
            // `IF NOT EXISTS` that finds its table: the commands say what was applied.
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                "info,sea_orm_migration=warn,sqlx::postgres::notice=warn".into()
            }),
        )
        .init();
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Where development mode keeps its generated key: beside an SQLite database file, else in
/// the working directory.
fn key_file_for(database_url: &str) -> PathBuf {
    let path = database_url
        .strip_prefix("sqlite://")
        .map(|rest| rest.split('?').next().unwrap_or(rest))
        .filter(|path| !path.is_empty() && !path.starts_with(':'));
    match path {
        Some(path) => PathBuf::from(format!("{path}.key")),
        None => PathBuf::from("example_site.key"),
    }
}
