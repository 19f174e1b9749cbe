//! The bookshelf's admin: books with a "Mark out of stock" action, reviews, and a "Low
//! stock" panel on the dashboard.

use actix_sea::admin::{Action, Admin, Column, Field, ModelAdmin, Panel};
use actix_sea::auth::Auth;
use actix_sea::{Context, Error, async_trait};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;

use crate::models::{author, book, book_tag, review, tag, user};

/// A book is low on stock below this many copies.
pub const LOW_STOCK: i32 = 3;

/// Books: searchable by title and ISBN, filtered by author name.
pub struct BookAdmin;

impl ModelAdmin<book::Entity> for BookAdmin {
    fn get_query(&self, ctx: &Context) -> Condition {
        crate::api::in_stock_unless_admin(ctx)
    }

    fn columns(&self) -> Vec<Column<book::Entity>> {
        use book::Column::*;
        vec![
            Title.into(),
            Isbn.into(),
            Author.into(),
            Stock.into(),
            InStock.into(),
        ]
    }

    fn search_fields(&self) -> Vec<Field<book::Entity>> {
        use book::Column::*;
        vec![
            Title.into(),
            Isbn.into(),
            Field::via(Author, author::Column::Name),
        ]
    }

    fn actions(&self) -> Vec<Action<book::Entity>> {
        vec![Action::new(
            "mark_out_of_stock",
            "Mark out of stock",
            async |_, txn, books: Vec<book::Model>| {
                let done = book::Entity::update_many()
                    .col_expr(book::Column::InStock, Expr::value(false))
                    .filter(book::Column::Id.is_in(books.iter().map(|b| b.id)))
                    .exec(txn)
                    .await?;
                Ok(format!("Marked {} books out of stock.", done.rows_affected))
            },
        )]
    }
}

/// Reviews: the date is the server's, shown but never edited.
pub struct ReviewAdmin;

impl ModelAdmin<review::Entity> for ReviewAdmin {
    fn columns(&self) -> Vec<Column<review::Entity>> {
        use review::Column::*;
        vec![Book.into(), User.into(), Rating.into(), CreatedAt.into()]
    }

    fn readonly_fields(&self) -> Vec<review::Column> {
        vec![review::Column::CreatedAt]
    }
}

/// The dashboard's "Low stock" card: books in stock with fewer than [`LOW_STOCK`] copies.
pub struct LowStock;

#[async_trait]
impl Panel for LowStock {
    fn template(&self) -> &'static str {
        include_str!("../templates/low_stock.html")
    }

    async fn context(
        &self,
        _: &Context,
        db: &DatabaseConnection,
    ) -> Result<serde_json::Value, Error> {
        let books = book::Entity::find()
            .filter(book::Column::InStock.eq(true))
            .filter(book::Column::Stock.lt(LOW_STOCK))
            .order_by_asc(book::Column::Stock)
            .limit(10)
            .all(db)
            .await?;
        let books: Vec<_> = books
            .iter()
            .map(|b| json!({ "id": b.id, "title": b.title, "stock": b.stock }))
            .collect();
        Ok(json!({ "books": books }))
    }
}

/// The admin under `/admin/`.
pub fn build(auth: &Auth) -> Result<Admin, Error> {
    Admin::builder(auth)
        .branding("Bookshelf")
        .register(book::Entity, BookAdmin)
        .register(review::Entity, ReviewAdmin)
        .register_default(author::Entity)
        .register_default(tag::Entity)
        .register_default(book_tag::Entity)
        .register_default(user::Entity)
        .panel("Low stock", LowStock)
        .build()
}
