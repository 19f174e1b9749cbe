//! A reader's review of a book.

use actix_sea::Invalid;
use chrono::Utc;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::entity::prelude::*;

/// The lowest and highest rating.
pub const RATINGS: std::ops::RangeInclusive<i32> = 1..=5;

/// A review: a rating from 1 to 5 and an optional text, by `user`, stamped by the server.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "review")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(indexed)]
    pub book: i32,
    #[sea_orm(indexed)]
    pub user: i32,
    pub rating: i32,
    #[sea_orm(column_type = "Text", default_value = "")]
    pub body: String,
    /// Set by the server when the review is written; clients cannot choose it.
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::book::Entity",
        from = "Column::Book",
        to = "super::book::Column::Id",
        on_delete = "Cascade"
    )]
    Book,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::User",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
}

impl Related<super::book::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Book.def()
    }
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    async fn before_save<C: ConnectionTrait>(mut self, _: &C, insert: bool) -> Result<Self, DbErr> {
        if let Set(rating) = self.rating
            && !RATINGS.contains(&rating)
        {
            return Err(Invalid::field(Column::Rating, "must be between 1 and 5").into());
        }
        if insert {
            self.created_at = Set(Utc::now());
        } else {
            self.created_at = NotSet;
        }
        Ok(self)
    }

    async fn before_delete<C: ConnectionTrait>(self, _: &C) -> Result<Self, DbErr> {
        if self.rating.try_as_ref() == Some(&1) {
            return Err(Invalid::message("a review rated 1 cannot be deleted").into());
        }
        Ok(self)
    }
}
