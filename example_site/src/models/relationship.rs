//! "from_user follows to_user"; each pair at most once.

use sea_orm::entity::prelude::*;

/// One follow relationship.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "relationship")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique_key = "pair")]
    pub from_user: i32,
    #[sea_orm(unique_key = "pair", indexed)]
    pub to_user: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::FromUser",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    FromUser,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::ToUser",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    ToUser,
}

impl ActiveModelBehavior for ActiveModel {}
