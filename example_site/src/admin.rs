//! The site's admin, as in flask-peewee's example: messages, notes, users and relationships,
//! with a "Notes" panel and a "User stats" panel on the dashboard.

use actix_sea::audit::Transaction;
use actix_sea::prelude::*;
use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelBehavior, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::Deserialize;
use serde_json::{Value as Json, json};

use crate::models::{message, note, relationship, user};

/// Messages: the author is picked with a username lookup, never a select of every user.
pub struct MessageAdmin;

impl ModelAdmin<message::Entity> for MessageAdmin {
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

    fn search_index(&self) -> Option<SearchIndex<message::Entity>> {
        Some(message::search_index())
    }
}

/// Notes: the creation date is the entity's default, not typed in.
pub struct NoteAdmin;

impl ModelAdmin<note::Entity> for NoteAdmin {
    fn columns(&self) -> Vec<Column<note::Entity>> {
        use note::Column::*;
        let status = Column::computed("status", note::Model::status_label);
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
        vec![(note::Column::Status, note::status_choices())]
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
    fn search_fields(&self) -> Vec<Field<user::Entity>> {
        vec![user::Column::Username.into(), user::Column::Email.into()]
    }
}

/// The dashboard's "Notes" card: the latest three notes and a form that adds one.
pub struct NotePanel;

#[derive(Deserialize)]
struct NoteForm {
    message: String,
}

#[async_trait]
impl Panel for NotePanel {
    fn template(&self) -> &'static str {
        include_str!("../templates/admin/notes_panel.html")
    }

    async fn context(&self, _: &Context, db: &DatabaseConnection) -> Result<Json, Error> {
        let notes = note::Entity::find()
            .find_also_related(user::Entity)
            .order_by_desc(note::Column::Id)
            .limit(3)
            .all(db)
            .await?;
        Ok(json!({ "notes": notes }))
    }

    fn routes(&self, config: &mut web::ServiceConfig) {
        config.route("/create/", web::post().to(create_note));
    }
}

async fn create_note(
    admin: web::Data<Admin>,
    user: AdminUser,
    req: HttpRequest,
    session: Session,
    form: web::Form<NoteForm>,
) -> Result<HttpResponse, Error> {
    let note = note::ActiveModel {
        user: Set(user.0.id() as i32),
        message: Set(form.message.trim().to_owned()),
        status: Set(Some(1)),
        ..ActiveModelBehavior::new()
    };
    // Recorded in the audit trail as the admin's, in the note's transaction.
    let saved = async {
        let txn = Transaction::begin(admin.db(), &admin.context(&req)).await?;
        txn.insert(note).await?;
        txn.commit().await
    };
    match saved.await {
        Ok(()) => flash(&session, Level::Success, "Note added."),
        Err(error) => {
            let rule = Invalid::from_db(&error).ok_or(error)?.messages().join(", ");
            flash(&session, Level::Error, format!("A note {rule}."));
        }
    }
    Ok(see_other(&format!("{}/", admin.prefix())))
}

/// The dashboard's "User stats" card: signups and messages in the last seven days.
pub struct UserStatsPanel;

#[async_trait]
impl Panel for UserStatsPanel {
    fn template(&self) -> &'static str {
        include_str!("../templates/admin/user_stats_panel.html")
    }

    async fn context(&self, _: &Context, db: &DatabaseConnection) -> Result<Json, Error> {
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
pub fn build(auth: &Auth) -> Result<Admin, Error> {
    Admin::builder(auth)
        .branding("Example Site")
        .register(message::Entity, MessageAdmin)
        .register(note::Entity, NoteAdmin)
        .register(user::Entity, UserAdmin)
        .register_default(relationship::Entity)
        .panel("Notes", NotePanel)
        .panel("User stats", UserStatsPanel)
        .build()
}
