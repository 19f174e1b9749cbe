//! A private note a user keeps; `status` is 1 (live) or 2 (deleted).

use actix_sea::Invalid;
use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;

/// The status choices of a note.
pub const STATUS_CHOICES: [(i32, &str); 2] = [(1, "live"), (2, "deleted")];

/// The longest note, in characters.
pub const MAX_NOTE: usize = 1000;

/// The status choices as the admin's select offers them.
pub fn status_choices() -> Vec<(Value, &'static str)> {
    STATUS_CHOICES
        .iter()
        .map(|(value, label)| (Value::from(*value), *label))
        .collect()
}

impl Model {
    /// The label of the note's status ("live", "deleted"), empty when it has none.
    pub fn status_label(&self) -> String {
        STATUS_CHOICES
            .iter()
            .find(|(value, _)| Some(*value) == self.status)
            .map(|(_, label)| (*label).to_owned())
            .unwrap_or_default()
    }
}

/// A note.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "note")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(indexed)]
    pub user: i32,
    #[sea_orm(column_type = "Text")]
    pub message: String,
    pub status: Option<i32>,
    /// Defaults to the time of the write (UTC): the crate fills it on admin and API creates,
    /// the database on other inserts.
    #[sea_orm(default_expr = "Expr::current_timestamp()")]
    pub created_date: DateTime,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::User",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

/// A note has between 1 and [`MAX_NOTE`] characters and no NUL, and a status from
/// [`STATUS_CHOICES`] or none, whoever writes it.
#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    async fn before_save<C: ConnectionTrait>(self, _: &C, _insert: bool) -> Result<Self, DbErr> {
        if let Set(message) = &self.message {
            if message.contains('\0') {
                let rule = "cannot contain NUL characters";
                return Err(Invalid::field(Column::Message, rule).into());
            }
            let length = message.trim().chars().count();
            if length == 0 || length > MAX_NOTE {
                let rule = format!("needs between 1 and {MAX_NOTE} characters");
                return Err(Invalid::field(Column::Message, rule).into());
            }
        }
        if let Set(Some(status)) = &self.status
            && !STATUS_CHOICES.iter().any(|(value, _)| value == status)
        {
            let rule = "must be 1 (live) or 2 (deleted)";
            return Err(Invalid::field(Column::Status, rule).into());
        }
        Ok(self)
    }
}
