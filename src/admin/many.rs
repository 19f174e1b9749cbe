//! Many-to-many fields: the rows of another table linked to a row through a join entity,
//! edited on the form as a multiple select (see `views::many`).

use sea_orm::IdenStatic;

use super::erased::AdminModel;
use crate::Error;
use crate::orm::{Binding, ModelEntity, ModelInfo};

/// A many-to-many field of a model's form: the rows of a target table linked to the row
/// through join entity `J`, whose column `from` holds the row's key and `to` the target's.
/// The target is the table `to` points to (its `belongs_to` relation).
///
/// ```
/// # mod book_tag { use sea_orm::entity::prelude::*;
/// #   #[derive(Clone, Debug, PartialEq, DeriveEntityModel)] #[sea_orm(table_name = "book_tag")]
/// #   pub struct Model { #[sea_orm(primary_key)] pub id: i32, pub book_id: i32, pub tag_id: i32 }
/// #   #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)] pub enum Relation {}
/// #   impl ActiveModelBehavior for ActiveModel {} }
/// use actix_sea::admin::ManyToMany;
///
/// let tags = ManyToMany::through(
///     book_tag::Entity,
///     book_tag::Column::BookId,
///     book_tag::Column::TagId,
/// )
/// .named("tags");
/// ```
///
/// The form shows it as a multiple select named after the field, one option per target row
/// the caller may view (within the target admin's `get_query`), labelled with the row's
/// title, with a search box above it when there are more than 100. A post that leaves the
/// field out keeps the links; one that names a row not offered is an error beside the field
/// and saves nothing. The join rows are written in the form's transaction, each with its audit
/// entry. `Admin::builder(..).build()` checks that `to` points to a registered model and that
/// `from`, if it declares a relation, points to the model the field is on.
pub struct ManyToMany {
    name: Option<String>,
    join: Binding,
    from: String,
    to: String,
    /// A target given by the crate itself, for tables that are not admin models.
    target: Option<(Binding, &'static str)>,
}

impl ManyToMany {
    /// The rows linked through `join`: `from` holds this model's key, `to` the target's.
    pub fn through<J: ModelEntity>(join: J, from: J::Column, to: J::Column) -> Self {
        let _ = join;
        Self {
            name: None,
            join: Binding::of::<J>(None),
            from: from.as_str().to_owned(),
            to: to.as_str().to_owned(),
            target: None,
        }
    }

    /// The field's name, used as the select's name and (as "Tags") its label (default: the
    /// target's table name).
    #[must_use]
    pub fn named(mut self, name: &str) -> Self {
        self.name = Some(name.to_owned());
        self
    }

    /// Links to rows of `T`, a table that is not an admin model (the crate's groups): every
    /// row is offered, to admins only; `noun` names one in messages.
    pub(crate) fn onto_plain<T: ModelEntity>(mut self, noun: &'static str) -> Self {
        self.target = Some((Binding::of::<T>(None), noun));
        self
    }

    /// The field as used by the pages of `model`, checked against the registered `models`.
    pub(crate) fn resolve(self, model: &AdminModel, models: &[AdminModel]) -> Result<Link, Error> {
        let join = self.join.info();
        let fail = |what: String| {
            Error::Config(format!(
                "admin for `{}`: many-to-many through `{}`: {what}",
                model.slug(),
                join.table
            ))
        };
        let (Some(from), Some(to)) = (join.column(&self.from), join.column(&self.to)) else {
            return Err(fail("a column is not the join entity's".into()));
        };
        let source_key = match &from.foreign_key {
            Some(fk) if fk.table != model.info().table => {
                return Err(fail(format!("`{}` points to `{}`", from.name, fk.table)));
            }
            Some(fk) => fk.column.clone(),
            None => model.info().pk_column().name.clone(),
        };
        let target = match (self.target, &to.foreign_key) {
            (Some((binding, noun)), _) => Target::Plain {
                key: binding.info().pk_column().name.clone(),
                binding,
                noun,
            },
            (None, Some(fk)) if models.iter().any(|m| m.slug() == fk.table) => Target::Model {
                slug: fk.table.clone(),
                key: fk.column.clone(),
            },
            (None, Some(fk)) => {
                return Err(fail(format!(
                    "`{}` is not registered in the admin",
                    fk.table
                )));
            }
            (None, None) => {
                return Err(fail(format!("`{}` has no belongs_to relation", to.name)));
            }
        };
        let name = self.name.unwrap_or_else(|| match &target {
            Target::Model { slug, .. } => slug.clone(),
            Target::Plain { binding, .. } => binding.info().table.clone(),
        });
        if model.info().column(&name).is_some() {
            return Err(fail(format!("the name `{name}` is a column's")));
        }
        Ok(Link {
            label: super::form::human(&name),
            name,
            from: self.from,
            to: self.to,
            source_key,
            join: self.join,
            target,
        })
    }
}

/// The rows a many-to-many field links to.
pub(crate) enum Target {
    /// Rows of a registered model, as its admin offers them to the caller.
    Model { slug: String, key: String },
    /// Every row of a table that is not an admin model, for admins only.
    Plain {
        binding: Binding,
        key: String,
        noun: &'static str,
    },
}

/// A many-to-many field checked at build time.
pub(crate) struct Link {
    pub(crate) name: String,
    pub(crate) label: String,
    pub(crate) join: Binding,
    /// The join column holding the row's key.
    pub(crate) from: String,
    /// The join column holding the target's key.
    pub(crate) to: String,
    /// The column of the row `from` holds.
    pub(crate) source_key: String,
    pub(crate) target: Target,
}

impl Link {
    /// The join entity's metadata.
    pub(crate) fn join_info(&self) -> &ModelInfo {
        self.join.info()
    }
}

/// The title of a row of a table that is not an admin model: its first text column.
pub(crate) fn plain_title(info: &ModelInfo, values: &[sea_orm::Value]) -> String {
    info.columns
        .iter()
        .zip(values)
        .find(|(c, _)| !c.primary_key && c.kind.is_text())
        .map(|(_, v)| crate::orm::value::to_text(v))
        .unwrap_or_else(|| {
            let pk = values.get(info.pk).map(crate::orm::value::to_text);
            format!("{} #{}", info.slug, pk.unwrap_or_default())
        })
}
