//! `ModelAdmin`: how one entity appears in the admin, with flask-peewee's settings and
//! Django's hooks, each knowing who asks ([`Context`]) and seeing the entity's own types.

use async_trait::async_trait;
use sea_orm::Condition;

use super::action::Action;
use super::column::{Choices, Column, Field};
use crate::db::SearchIndex;
use crate::orm::ModelEntity;
use crate::{Context, Error, Perm, Refusal};

/// The default of every permission hook: whether the caller holds `perm` on the model the
/// hook is asked about ([`Context::model`]); admins hold every permission.
fn permitted(ctx: &Context, perm: Perm) -> Result<(), Refusal> {
    if ctx.is_admin() || ctx.model().is_some_and(|model| ctx.may(model, perm)) {
        Ok(())
    } else {
        Err(Refusal::default())
    }
}

/// How entity `E` appears in the admin. Every method has a default, so
/// `struct RelationshipAdmin; impl ModelAdmin<relationship::Entity> for RelationshipAdmin {}`
/// gives a working list, form and delete page; override what differs. An impl that overrides
/// an `async fn` carries `#[actix_sea::async_trait]`.
///
/// A hook that refuses (`Err(Refusal::new("reason"))`) answers 403 with the reason on the page.
#[async_trait]
pub trait ModelAdmin<E: ModelEntity>: Send + Sync + 'static {
    /// The list page's columns, as `vec![User.into(), Content.into()]` or with
    /// [`Column::computed`] (default: every field the form may show, password excluded).
    fn columns(&self) -> Vec<Column<E>> {
        Vec::new()
    }

    /// Rows per list page (default 20).
    fn paginate_by(&self) -> u64 {
        20
    }

    /// The most rows this model's list and dashboard row count exactly (default: the
    /// [`AdminBuilder::count_limit`](super::AdminBuilder::count_limit)); beyond it the list
    /// says "10,000+" and pages with previous/next.
    fn count_limit(&self) -> Option<u64> {
        None
    }

    /// Text fields searched by the list's `?q=`; may cross a foreign key with [`Field::via`].
    /// Default: none, and no search box.
    fn search_fields(&self) -> Vec<Field<E>> {
        Vec::new()
    }

    /// A full-text index that answers `?q=` for the columns it covers, instead of a `LIKE`
    /// scan of each: words are matched by prefix, ignoring case. The other search fields
    /// (across foreign keys, say) are still searched with `LIKE`. The index must exist: add
    /// the same [`SearchIndex`] to the site's migrations. Default: none.
    fn search_index(&self) -> Option<SearchIndex<E>> {
        None
    }

    /// Fields offered by the filter widget (a foreign key's target with [`Field::via`]).
    /// Default: the list's field columns. Any visible field may still be filtered on through
    /// the URL.
    fn filter_fields(&self) -> Vec<Field<E>> {
        Vec::new()
    }

    /// The form's fields (default: every column but the primary key and [`exclude`](Self::exclude)).
    fn fields(&self) -> Option<Vec<E::Column>> {
        None
    }

    /// Columns left out of the form and the list.
    fn exclude(&self) -> Vec<E::Column> {
        Vec::new()
    }

    /// Columns shown on the edit page but never written by it.
    fn readonly_fields(&self) -> Vec<E::Column> {
        Vec::new()
    }

    /// Groups of form fields, each with a legend (default: one group with every field).
    fn fieldsets(&self) -> Vec<(&'static str, Vec<E::Column>)> {
        Vec::new()
    }

    /// Foreign keys edited with a search box backed by a JSON endpoint instead of a
    /// `<select>`. A related table too large for a select gets the search box anyway.
    fn foreign_key_lookups(&self) -> Vec<E::Column> {
        Vec::new()
    }

    /// Columns edited with a `<select>` of fixed values: (column, [(value, label)]).
    fn choices(&self) -> Vec<(E::Column, Choices)> {
        Vec::new()
    }

    /// Custom bulk actions, offered after the built-in "delete" and "export". An action runs
    /// on the selected rows as they are when it runs, changed since the list was shown or not.
    fn actions(&self) -> Vec<Action<E>> {
        Vec::new()
    }

    /// The exported columns (default: every column but [`export_exclude`](Self::export_exclude);
    /// the user table's password column is never exported).
    fn export_fields(&self) -> Option<Vec<E::Column>> {
        None
    }

    /// Columns left out of exports.
    fn export_exclude(&self) -> Vec<E::Column> {
        Vec::new()
    }

    /// Restricts every page of this model (list, edit, delete, export, lookups, actions) to the
    /// rows matching the condition, for the caller `ctx` (default: every row).
    fn get_query(&self, ctx: &Context) -> Condition {
        let _ = ctx;
        Condition::all()
    }

    /// Whether `ctx` may see the list (`row` is `None`) or the edit page of `row`
    /// (default: admins, and users holding `view` on this model, `ctx.may(slug, Perm::View)`;
    /// [`Context::model`] is the slug).
    async fn has_view_permission(
        &self,
        ctx: &Context,
        row: Option<&E::Model>,
    ) -> Result<(), Refusal> {
        let _ = row;
        permitted(ctx, Perm::View)
    }

    /// Whether `ctx` may add rows (default: admins and holders of `add` on this model).
    async fn has_add_permission(&self, ctx: &Context) -> Result<(), Refusal> {
        permitted(ctx, Perm::Add)
    }

    /// Whether `ctx` may change `row` through the edit form (default: admins and holders of
    /// `change` on this model). Refused without a reason, a viewer sees the edit page read-only;
    /// a refusal with a reason answers 403 with it.
    async fn has_change_permission(
        &self,
        ctx: &Context,
        row: Option<&E::Model>,
    ) -> Result<(), Refusal> {
        let _ = row;
        permitted(ctx, Perm::Change)
    }

    /// Whether `ctx` may delete `row`, on the delete confirmation and in bulk (default:
    /// admins and holders of `delete` on this model).
    async fn has_delete_permission(
        &self,
        ctx: &Context,
        row: Option<&E::Model>,
    ) -> Result<(), Refusal> {
        let _ = row;
        permitted(ctx, Perm::Delete)
    }

    /// Called with the values a form is about to save, after the form's values are set and
    /// before the entity's `ActiveModelBehavior::before_save`; `old` is the stored row on an
    /// edit, `None` on an add. It may change `new`; an [`Error::Invalid`] shows beside its
    /// field on the form, other errors as their page.
    async fn save_model(
        &self,
        ctx: &Context,
        old: Option<&E::Model>,
        new: &mut E::ActiveModel,
    ) -> Result<(), Error> {
        let _ = (ctx, old, new);
        Ok(())
    }

    /// How a row is named in headings, links, lookups and the delete confirmation. `None`
    /// (the default) names it by its first text column, shortened, or as `<model> #<pk>`.
    fn title(&self, row: &E::Model) -> Option<String> {
        let _ = row;
        None
    }
}

/// The admin used by `register_default`: every default.
pub(crate) struct DefaultAdmin;

impl<E: ModelEntity> ModelAdmin<E> for DefaultAdmin {}
