//! The site's admin, as in flask-peewee's example: messages, notes, users and relationships,
//! with a "Notes" panel and a "User stats" panel on the dashboard.

use actix_sea::admin::{Action, Admin, Choices, Column, Field, ModelAdmin, Panel};
use actix_sea::auth::{AdminUser, Auth, Level, flash};
use actix_sea::orm::check_input;
use actix_sea::{Context, async_trait};
use actix_session::Session;
use actix_web::{HttpResponse, http::header, web};
use chrono::{Duration, Utc};
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
        use message::Column::*;
        vec![User.into(), Content.into(), PubDate.into()]
    }

    fn foreign_key_lookups(&self) -> Vec<message::Column> {
        vec![message::Column::User]
    }

    fn filter_fields(&self) -> Vec<Field<message::Entity>> {
        use message::Column::*;
        let username = Field::via(User, user::Column::Username);
        vec![User.into(), Content.into(), PubDate.into(), username]
    }

    fn search_fields(&self) -> Vec<Field<message::Entity>> {
        use message::Column::*;
        vec![Content.into(), Field::via(User, user::Column::Username)]
    }
}

/// Notes: the creation date is the entity's default, not typed in.
pub struct NoteAdmin;

impl ModelAdmin<note::Entity> for NoteAdmin {
    fn columns(&self) -> Vec<Column<note::Entity>> {
        use note::Column::*;
        let status = Column::computed("status", |note: &note::Model| {
            let label = note::STATUS_CHOICES
                .iter()
                .find(|(value, _)| Some(*value) == note.status);
            label
                .map(|(_, label)| (*label).to_owned())
                .unwrap_or_default()
        });
        vec![User.into(), Message.into(), status, CreatedDate.into()]
    }

    fn exclude(&self) -> Vec<note::Column> {
        vec![note::Column::CreatedDate]
    }

    fn foreign_key_lookups(&self) -> Vec<note::Column> {
        vec![note::Column::User]
    }

    fn search_fields(&self) -> Vec<Field<note::Entity>> {
        use note::Column::*;
        vec![Message.into(), Field::via(User, user::Column::Username)]
    }

    fn choices(&self) -> Vec<(note::Column, Choices)> {
        let choices = note::STATUS_CHOICES
            .iter()
            .map(|(value, label)| (Value::from(*value), *label))
            .collect();
        vec![(note::Column::Status, choices)]
    }

    fn actions(&self) -> Vec<Action<note::Entity>> {
        vec![Action::new(
            "mark_deleted",
            "Mark selected as deleted",
            async |_, txn, notes: Vec<note::Model>| {
                let result = note::Entity::update_many()
                    .col_expr(note::Column::Status, Expr::value(2))
                    .filter(note::Column::Id.is_in(notes.iter().map(|n| n.id)))
                    .exec(txn)
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
        use user::Column::*;
        vec![
            Id.into(),
            Username.into(),
            Email.into(),
            JoinDate.into(),
            Active.into(),
            Admin.into(),
        ]
    }

    fn search_fields(&self) -> Vec<Field<user::Entity>> {
        vec![user::Column::Username.into(), user::Column::Email.into()]
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

#[async_trait]
impl Panel for NotePanel {
    fn template(&self) -> &'static str {
        include_str!("../templates/admin/notes_panel.html")
    }

    async fn context(
        &self,
        _: &Context,
        db: &DatabaseConnection,
    ) -> Result<serde_json::Value, actix_sea::Error> {
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

#[async_trait]
impl Panel for UserStatsPanel {
    fn template(&self) -> &'static str {
        include_str!("../templates/admin/user_stats_panel.html")
    }

    async fn context(
        &self,
        _: &Context,
        db: &DatabaseConnection,
    ) -> Result<serde_json::Value, actix_sea::Error> {
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
    }
}

/// The admin of the site.
pub fn build(auth: &Auth) -> Result<Admin, actix_sea::Error> {
    Admin::builder(auth.clone())
        .branding("Example Site")
        .register(message::Entity, MessageAdmin)
        .register(note::Entity, NoteAdmin)
        .register(user::Entity, UserAdmin)
        .register_default(relationship::Entity)
        .panel("Notes", NotePanel)
        .panel("User stats", UserStatsPanel)
        .build()
}
