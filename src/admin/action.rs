//! Bulk actions a `ModelAdmin` offers on the list page for the checked rows.

use std::sync::Arc;

use futures_util::future::LocalBoxFuture;
use sea_orm::{DatabaseTransaction, EntityTrait};

use crate::{Context, Error, Perm};

type Run<E> = dyn for<'a> Fn(
        &'a Context,
        &'a DatabaseTransaction,
        Vec<<E as EntityTrait>::Model>,
    ) -> LocalBoxFuture<'a, Result<String, Error>>
    + Send
    + Sync;

/// A bulk action offered on the list page for the checked rows, after the built-in "delete"
/// and "export". The rows reach it as the entity's own models, fetched within the admin's
/// `get_query` and each allowed by the permission hook of [`Action::permission`] (default
/// `has_change_permission`); it runs in one database transaction, rolled back when it returns
/// an error.
pub struct Action<E: EntityTrait> {
    pub(crate) name: String,
    pub(crate) title: String,
    pub(crate) permission: Perm,
    pub(crate) run: Box<Run<E>>,
}

impl<E: EntityTrait> Action<E> {
    /// An action called `name` in forms, shown as `title`. `run` gets the request's context,
    /// the transaction and the rows, and returns the message flashed afterwards:
    ///
    /// ```
    /// # use actix_sea::admin::Action;
    /// # use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    /// # mod note { use sea_orm::entity::prelude::*;
    /// #   #[derive(Clone, Debug, PartialEq, DeriveEntityModel)] #[sea_orm(table_name = "note")]
    /// #   pub struct Model { #[sea_orm(primary_key)] pub id: i32, pub status: i32 }
    /// #   #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)] pub enum Relation {}
    /// #   impl ActiveModelBehavior for ActiveModel {} }
    /// # let _: Action<note::Entity> =
    /// Action::new("mark_deleted", "Mark selected as deleted", async |_, txn, notes: Vec<note::Model>| {
    ///     let ids = notes.iter().map(|n| n.id);
    ///     let done = note::Entity::update_many()
    ///         .col_expr(note::Column::Status, Expr::value(2))
    ///         .filter(note::Column::Id.is_in(ids))
    ///         .exec(txn)
    ///         .await?;
    ///     Ok(format!("Marked {} notes as deleted.", done.rows_affected))
    /// })
    /// # ;
    /// ```
    pub fn new<F>(name: &str, title: &str, run: F) -> Self
    where
        F: AsyncFn(&Context, &DatabaseTransaction, Vec<E::Model>) -> Result<String, Error>
            + Send
            + Sync
            + 'static,
    {
        let run = Arc::new(run);
        Self {
            name: name.to_owned(),
            title: title.to_owned(),
            permission: Perm::Change,
            run: erase::<E, _>(move |ctx, txn, rows| {
                let run = run.clone();
                Box::pin(async move { run(ctx, txn, rows).await })
            }),
        }
    }
}

impl<E: EntityTrait> Action<E> {
    /// The permission the action needs on each row (default [`Perm::Change`]): its
    /// `ModelAdmin` hook is asked, so `Perm::Delete` makes it a kind of delete.
    pub fn permission(mut self, permission: Perm) -> Self {
        self.permission = permission;
        self
    }
}

/// Boxes `run`, fixing its signature to the higher-ranked one the admin calls.
fn erase<E, F>(run: F) -> Box<Run<E>>
where
    E: EntityTrait,
    F: for<'a> Fn(
            &'a Context,
            &'a DatabaseTransaction,
            Vec<E::Model>,
        ) -> LocalBoxFuture<'a, Result<String, Error>>
        + Send
        + Sync
        + 'static,
{
    Box::new(run)
}
