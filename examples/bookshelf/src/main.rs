//! `bookshelf`: serve the shop (`bookshelf serve`), or add a user
//! (`bookshelf create-user NAME --password PW [--admin]`). Pending migrations run first.

use std::path::Path;

use actix_web::HttpServer;
use bookshelf::migrations::Migrator;
use bookshelf::models::user;
use bookshelf::{Shelf, app};
use clap::{Parser, Subcommand};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, Database};
use sea_orm_migration::MigratorTrait;

#[derive(Parser)]
#[command(about = "A bookshelf on actix-sea")]
struct Cli {
    /// Database URL: sqlite://…, postgres://… or mysql://…
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://bookshelf.db?mode=rwc"
    )]
    database: String,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the shop (the default).
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8001")]
        bind: String,
    },
    /// Add a user with an argon2id password hash.
    CreateUser {
        /// Login name.
        username: String,
        /// Password (stored hashed).
        #[arg(long)]
        password: String,
        /// Let the user into the admin.
        #[arg(long)]
        admin: bool,
    },
}

#[actix_web::main]
async fn main() -> Result<(), String> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let cli = Cli::parse();
    let db = Database::connect(&cli.database)
        .await
        .map_err(|e| format!("cannot open {}: {e}", cli.database))?;
    Migrator::up(&db, None).await.map_err(|e| e.to_string())?;
    match cli.command {
        Some(Command::CreateUser {
            username,
            password,
            admin,
        }) => {
            let hash = actix_sea::auth::password::hash_password(&password);
            let new = user::ActiveModel {
                username: Set(username),
                password: Set(hash),
                admin: Set(admin),
                ..Default::default()
            };
            let made = new.insert(&db).await.map_err(|e| e.to_string())?;
            println!("bookshelf: user {} created", made.username);
            Ok(())
        }
        command => {
            let bind = match command {
                Some(Command::Serve { bind }) => bind,
                _ => "127.0.0.1:8001".to_owned(),
            };
            let from_env = std::env::var("SECRET_KEY").ok().filter(|k| !k.is_empty());
            let key =
                actix_sea::auth::secret_key_or_dev_file(from_env, Path::new("bookshelf.key"))?;
            let shelf = Shelf::new(db, &key).map_err(|e| e.to_string())?;
            println!("bookshelf: http://{bind}/admin/");
            HttpServer::new(move || app(shelf.clone()))
                .bind(&bind)
                .map_err(|e| format!("cannot listen on {bind}: {e}"))?
                .run()
                .await
                .map_err(|e| e.to_string())
        }
    }
}
