//! The site's admin, as in flask-peewee's example: messages, notes, users and relationships,
//! with a "Notes" panel and a "User stats" panel on the dashboard.

use actix_sea::admin::{Action, Admin, Choices, Column, ModelAdmin, Panel};
use actix_sea::auth::{AdminUser, Auth, Level, flash};
use actix_sea::orm::check_input;
use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, http::header, web};
use chrono::{Duration, Utc};
use futures_util::future::BoxFuture;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, Value,
};
use serde::Deserialize;
use serde_json::json;

use crate::models::{message, note, relationship, user};

/// Messages: the author is picked with a username lookup, never a select of every user.
pub struct MessageAdmin;

impl ModelAdmin<message::Entity> for MessageAdmin {
    fn columns(&self) -> Vec<Column<message::Entity>> {
        vec![
            Column::Field(message::Column::User),
            Column::Field(message::Column::Content),
            Column::Field(message::Column::PubDate),
        ]
    }

    fn foreign_key_lookups(&self) -> Vec<message::Column> {
        vec![message::Column::User]
    }

    fn filter_fields(&self) -> Vec<&'static str> {
        vec!["user", "content", "pub_date", "user__username"]
    }

    fn search_fields(&self) -> Vec<&'static str> {
        vec!["content", "user__username"]
    }
}

/// Notes: the creation date is the entity's default, not typed in.
pub struct NoteAdmin;

impl ModelAdmin<note::Entity> for NoteAdmin {
    fn columns(&self) -> Vec<Column<note::Entity>> {
        vec![
            Column::Field(note::Column::User),
            Column::Field(note::Column::Message),
            Column::Computed("status", |row| {
                let status = row.text(note::Column::Status);
                note::STATUS_CHOICES
                    .iter()
                    .find(|(value, _)| value.to_string() == status)
                    .map_or(status, |(_, label)| (*label).to_owned())
            }),
            Column::Field(note::Column::CreatedDate),
        ]
    }

    fn exclude(&self) -> Vec<note::Column> {
        vec![note::Column::CreatedDate]
    }

    fn foreign_key_lookups(&self) -> Vec<note::Column> {
        vec![note::Column::User]
    }

    fn search_fields(&self) -> Vec<&'static str> {
        vec!["message", "user__username"]
    }

    fn choices(&self) -> Vec<(note::Column, Choices)> {
        let choices = note::STATUS_CHOICES
            .iter()
            .map(|(value, label)| (Value::from(*value), *label))
            .collect();
        vec![(note::Column::Status, choices)]
    }

    fn actions(&self) -> Vec<Action> {
        vec![Action::new(
            "mark_deleted",
            "Mark selected as deleted",
            |db, pks| async move {
                let result = note::Entity::update_many()
                    .col_expr(note::Column::Status, Expr::value(2))
                    .filter(note::Column::Id.is_in(pks))
                    .exec(&db)
                    .await?;
                Ok(format!("Marked {} notes as deleted.", result.rows_affected))
            },
        )]
    }
}

/// Users: searchable by username and email; the password field sets a new hash when filled;
/// `join_date` starts at now on the add form (the entity's default).
pub struct UserAdmin;

impl ModelAdmin<user::Entity> for UserAdmin {
    fn columns(&self) -> Vec<Column<user::Entity>> {
        [
            user::Column::Id,
            user::Column::Username,
            user::Column::Email,
            user::Column::JoinDate,
            user::Column::Active,
            user::Column::Admin,
        ]
        .into_iter()
        .map(Column::Field)
        .collect()
    }

    fn search_fields(&self) -> Vec<&'static str> {
        vec!["username", "email"]
    }
}

/// The dashboard's "Notes" card: the latest three notes and a form that adds one.
pub struct NotePanel;

#[derive(Deserialize)]
struct NoteForm {
    #[serde(default)]
    message: String,
}

/// Longest note the panel accepts, in characters.
const MAX_NOTE: usize = 1000;

impl Panel for NotePanel {
    fn template(&self) -> &'static str {
        include_str!("../templates/admin/notes_panel.html")
    }

    fn context<'a>(
        &'a self,
        _req: &'a HttpRequest,
        db: &'a DatabaseConnection,
    ) -> BoxFuture<'a, Result<serde_json::Value, actix_sea::Error>> {
        Box::pin(async move {
            let notes = note::Entity::find()
                .find_also_related(user::Entity)
                .order_by_desc(note::Column::CreatedDate)
                .order_by_desc(note::Column::Id)
                .limit(3)
                .all(db)
                .await?;
            let notes: Vec<serde_json::Value> = notes
                .into_iter()
                .map(|(note, author)| {
                    json!({
                        "id": note.id,
                        "message": note.message,
                        "user": author.map(|u| u.username).unwrap_or_default(),
                        "created_date": note.created_date.format("%Y-%m-%d %H:%M").to_string(),
                    })
                })
                .collect();
            Ok(json!({ "notes": notes }))
        })
    }

    fn routes(&self, config: &mut web::ServiceConfig) {
        config.route("/create/", web::post().to(create_note));
    }
}

async fn create_note(
    admin: web::Data<Admin>,
    user: AdminUser,
    session: Session,
    form: web::Form<NoteForm>,
) -> Result<HttpResponse, actix_sea::Error> {
    let text = form.message.trim();
    // The column's own rules first (no NUL, its size), as the admin's forms apply them.
    if let Err(error) = check_input(note::Column::Message, text) {
        flash(&session, Level::Error, format!("A note {}.", error.reason));
    } else if text.is_empty() || text.chars().count() > MAX_NOTE {
        flash(
            &session,
            Level::Error,
            format!("A note needs between 1 and {MAX_NOTE} characters."),
        );
    } else {
        note::ActiveModel {
            user: Set(user.0.id() as i32),
            message: Set(text.to_owned()),
            status: Set(Some(1)),
            created_date: Set(Utc::now().naive_utc()),
            ..Default::default()
        }
        .insert(admin.db())
        .await?;
        flash(&session, Level::Success, "Note added.");
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("{}/", admin.prefix())))
        .finish())
}

/// The dashboard's "User stats" card: signups and messages in the last seven days.
pub struct UserStatsPanel;

impl Panel for UserStatsPanel {
    fn template(&self) -> &'static str {
        include_str!("../templates/admin/user_stats_panel.html")
    }

    fn context<'a>(
        &'a self,
        _req: &'a HttpRequest,
        db: &'a DatabaseConnection,
    ) -> BoxFuture<'a, Result<serde_json::Value, actix_sea::Error>> {
        Box::pin(async move {
            let since = (Utc::now() - Duration::days(7)).naive_utc();
            let signups = user::Entity::find()
                .filter(user::Column::JoinDate.gte(since))
                .count(db)
                .await?;
            let messages = message::Entity::find()
                .filter(message::Column::PubDate.gte(since))
                .count(db)
                .await?;
            Ok(json!({ "signups": signups, "messages": messages }))
        })
    }
}

/// The admin of the site.
pub fn build(auth: &Auth) -> Result<Admin, actix_sea::Error> {
    Admin::builder(auth.clone())
        .branding("Example Site")
        .register::<message::Entity, _>(MessageAdmin)
        .register::<note::Entity, _>(NoteAdmin)
        .register::<user::Entity, _>(UserAdmin)
        .register_default::<relationship::Entity>()
        .panel("Notes", NotePanel)
        .panel("User stats", UserStatsPanel)
        .build()
}
