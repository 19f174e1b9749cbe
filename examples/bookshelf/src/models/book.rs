//! A book on the shelf, with its stock.

use actix_sea::Invalid;
use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;

/// A book. `in_stock` says whether it is sold at all; `stock` counts the copies.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "book")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub title: String,
    /// 10 or 13 digits, without dashes.
    #[sea_orm(unique)]
    pub isbn: String,
    #[sea_orm(indexed)]
    pub author: i32,
    #[sea_orm(default_value = 0)]
    pub stock: i32,
    #[sea_orm(default_value = true)]
    pub in_stock: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::author::Entity",
        from = "Column::Author",
        to = "super::author::Column::Id",
        on_delete = "Cascade"
    )]
    Author,
}

impl Related<super::author::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Author.def()
    }
}

/// Whether `isbn` is 10 or 13 ASCII digits.
pub fn valid_isbn(isbn: &str) -> bool {
    matches!(isbn.len(), 10 | 13) && isbn.bytes().all(|b| b.is_ascii_digit())
}

#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    async fn before_save<C: ConnectionTrait>(self, _: &C, _insert: bool) -> Result<Self, DbErr> {
        if let Set(isbn) = &self.isbn
            && !valid_isbn(isbn)
        {
            return Err(Invalid::field(Column::Isbn, "must be 10 or 13 digits").into());
        }
        if let Set(stock) = self.stock
            && stock < 0
        {
            return Err(Invalid::field(Column::Stock, "cannot be negative").into());
        }
        Ok(self)
    }
}
