//! Typed settings of a `ModelAdmin`: list columns, search and filter fields, choices.

use std::marker::PhantomData;

use sea_orm::{ColumnTrait, EntityName, EntityTrait, IdenStatic, Value};

/// How a computed column turns a row into its cell text.
pub(crate) type Compute<E> = Box<dyn Fn(&<E as EntityTrait>::Model) -> String + Send + Sync>;

/// One column of the list page: a field of the entity (`message::Column::User.into()`) or a
/// value computed from the row ([`Column::computed`]).
pub struct Column<E: EntityTrait>(pub(crate) ColumnKind<E>);

pub(crate) enum ColumnKind<E: EntityTrait> {
    Field(E::Column),
    Computed(&'static str, Compute<E>),
}

impl<E: EntityTrait> Column<E> {
    /// A column headed `title` whose cells `compute` derives from the row (escaped when shown).
    pub fn computed(
        title: &'static str,
        compute: impl Fn(&E::Model) -> String + Send + Sync + 'static,
    ) -> Self {
        Self(ColumnKind::Computed(title, Box::new(compute)))
    }
}

/// A field of the entity, shown as stored (foreign keys as a link to the related row).
impl<E, C> From<C> for Column<E>
where
    E: EntityTrait<Column = C>,
    C: ColumnTrait,
{
    fn from(column: C) -> Self {
        Self(ColumnKind::Field(column))
    }
}

/// A field searched or filtered on: a column of the entity (`message::Column::Content.into()`)
/// or a column one foreign key away ([`Field::via`]).
pub struct Field<E: EntityTrait> {
    pub(crate) path: String,
    /// For a field across a foreign key: the key column and the table it must point to.
    pub(crate) hop: Option<(String, &'static str)>,
    entity: PhantomData<fn() -> E>,
}

impl<E: EntityTrait> Field<E> {
    /// The column `target` of the row that foreign key `key` points to, as
    /// `Field::via(message::Column::User, user::Column::Username)` (the grammar path
    /// `user__username`). `Admin::builder(..).build()` checks that `key` points to `target`'s
    /// table.
    pub fn via<T: ColumnTrait>(key: E::Column, target: T) -> Self {
        Self {
            path: format!("{}__{}", key.as_str(), target.as_str()),
            hop: Some((
                key.as_str().to_owned(),
                T::EntityName::default().table_name(),
            )),
            entity: PhantomData,
        }
    }
}

/// A column of the entity itself.
impl<E, C> From<C> for Field<E>
where
    E: EntityTrait<Column = C>,
    C: ColumnTrait,
{
    fn from(column: C) -> Self {
        Self {
            path: column.as_str().to_owned(),
            hop: None,
            entity: PhantomData,
        }
    }
}

/// The fixed values of a column: (stored value, label).
pub type Choices = Vec<(Value, &'static str)>;
