//! A private note a user keeps; `status` is 1 (live) or 2 (deleted).

use sea_orm::entity::prelude::*;

/// The status choices of a note.
pub const STATUS_CHOICES: [(i32, &str); 2] = [(1, "live"), (2, "deleted")];

/// A note.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
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

impl ActiveModelBehavior for ActiveModel {}
