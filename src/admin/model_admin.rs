//! `ModelAdmin`: how one entity appears in the admin, with flask-peewee's settings and hooks.

use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use sea_orm::{Condition, DatabaseConnection, EntityTrait, IdenStatic, Value};

use crate::Error;
use crate::orm::{Changes, ModelInfo, Record, value};

/// One column of the list page: a field of the entity or a value computed from the row.
pub enum Column<E: EntityTrait> {
    /// A field, shown as stored (foreign keys as a link to the related row).
    Field(E::Column),
    /// A computed column: its header and how to compute the cell text (escaped when shown).
    Computed(&'static str, fn(&Row<'_, E>) -> String),
}

/// A row of `E`, read by typed column.
pub struct Row<'a, E> {
    info: &'a ModelInfo,
    record: &'a Record,
    secret: Option<&'a str>,
    entity: PhantomData<fn() -> E>,
}

impl<'a, E: EntityTrait> Row<'a, E> {
    /// A row; `secret` names a column that default titles must never show (a password hash).
    pub(crate) fn new(info: &'a ModelInfo, record: &'a Record, secret: Option<&'a str>) -> Self {
        Self {
            info,
            record,
            secret,
            entity: PhantomData,
        }
    }

    /// The value of `column`.
    pub fn get(&self, column: E::Column) -> Option<&'a Value> {
        self.record.get(self.info, column.as_str())
    }

    /// The value of `column` as display text (empty for NULL).
    pub fn text(&self, column: E::Column) -> String {
        self.get(column).map(value::to_text).unwrap_or_default()
    }

    /// The primary key as text.
    pub fn pk(&self) -> String {
        value::to_text(self.record.pk(self.info))
    }
}

/// The fixed values of a column: (stored value, label).
pub type Choices = Vec<(Value, &'static str)>;

type ActionFn = dyn Fn(DatabaseConnection, Vec<Value>) -> BoxFuture<'static, Result<String, Error>>
    + Send
    + Sync;

/// A bulk action offered on the list page for the checked rows.
#[derive(Clone)]
pub struct Action {
    pub(crate) name: String,
    pub(crate) title: String,
    pub(crate) run: Arc<ActionFn>,
}

impl Action {
    /// An action called `name` in forms, shown as `title`; `run` gets the primary keys of the
    /// checked rows and returns the message flashed afterwards.
    pub fn new<F, Fut>(name: &str, title: &str, run: F) -> Self
    where
        F: Fn(DatabaseConnection, Vec<Value>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<String, Error>> + Send + 'static,
    {
        Self {
            name: name.to_owned(),
            title: title.to_owned(),
            run: Arc::new(move |db, pks| Box::pin(run(db, pks))),
        }
    }
}

/// How entity `E` appears in the admin. Every method has a default, so
/// `struct RelationshipAdmin; impl ModelAdmin<relationship::Entity> for RelationshipAdmin {}`
/// gives a working list, form and delete page; override what differs.
pub trait ModelAdmin<E: EntityTrait>: Send + Sync + 'static {
    /// The list page's columns (default: every field the form may show, password excluded).
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

    /// Text fields searched by the list's `?q=`; may cross foreign keys (`user__username`).
    /// Default: none, and no search box.
    fn search_fields(&self) -> Vec<&'static str> {
        Vec::new()
    }

    /// Fields offered by the filter widget, as grammar paths (`user__username`). Default: the
    /// list's field columns. Any visible field may still be filtered on through the URL.
    fn filter_fields(&self) -> Vec<&'static str> {
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

    /// Custom bulk actions, offered after the built-in "delete" and "export".
    fn actions(&self) -> Vec<Action> {
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

    /// Restricts every page of this model to the rows matching the condition.
    fn get_query(&self) -> Condition {
        Condition::all()
    }

    /// Called with the values a form is about to save (`adding` for a new row): may change them,
    /// for example to set a creation date; an `Err` is shown on the form.
    fn save_model(&self, changes: &mut Changes, adding: bool) -> Result<(), String> {
        let _ = (changes, adding);
        Ok(())
    }

    /// How a row is named in links, lookups and the delete confirmation (default: its first
    /// text column, shortened, or `<model> #<pk>`).
    fn title(&self, row: &Row<'_, E>) -> String {
        let info = row.info;
        let text = info
            .columns
            .iter()
            .filter(|c| !c.primary_key && c.kind.is_text() && c.foreign_key.is_none())
            .filter(|c| Some(c.name.as_str()) != row.secret)
            .find_map(|c| row.record.get(info, &c.name))
            .map(value::to_text)
            .filter(|text| !text.is_empty());
        match text {
            Some(text) if text.chars().count() > 60 => {
                format!("{}…", text.chars().take(60).collect::<String>())
            }
            Some(text) => text,
            None => format!("{} #{}", info.slug, row.pk()),
        }
    }
}

/// The admin used by `register_default`: every default.
pub(crate) struct DefaultAdmin;

impl<E: EntityTrait> ModelAdmin<E> for DefaultAdmin {}
