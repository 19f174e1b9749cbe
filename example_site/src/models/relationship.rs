//! "from_user follows to_user"; each pair at most once.

use actix_sea::Invalid;
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

/// Nobody follows themselves, whoever writes the row (the site, the API, the admin).
#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    async fn before_save<C: ConnectionTrait>(self, _: &C, _insert: bool) -> Result<Self, DbErr> {
        let (from, to) = (self.from_user.try_as_ref(), self.to_user.try_as_ref());
        if from.is_some() && from == to {
            let rule = "you cannot follow yourself";
            return Err(Invalid::field(Column::ToUser, rule).into());
        }
        Ok(self)
    }
}
