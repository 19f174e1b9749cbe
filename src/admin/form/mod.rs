//! Add and edit forms: fields generated from the column types, and posted forms read back
//! into column values with an error per field.

use std::collections::HashMap;

use sea_orm::{DatabaseExecutor, Value};
use serde::Serialize;

use super::Admin;
use super::erased::AdminModel;
use crate::orm::{ColumnInfo, Count, FieldKind, Query, Record, Window, count_upto, value};
use crate::{Context, Error};

/// A foreign key whose table has more rows than this is edited with the lookup box.
const MAX_SELECT_OPTIONS: u64 = 100;

mod read;

pub(crate) use read::read;

/// The message beside a field that needs a value.
pub(crate) const REQUIRED: &str = "This field is required.";

/// Strings that may be longer than this many characters are edited in a textarea.
const LINE_CHARS: u32 = 255;

/// One input of a form, as the template renders it.
#[derive(Debug, Serialize)]
pub(crate) struct Field {
    name: String,
    label: String,
    widget: Widget,
    value: String,
    checked: bool,
    required: bool,
    step: &'static str,
    options: Vec<Choice>,
    lookup_url: String,
    /// The related row's name, shown beside a lookup.
    value_title: String,
    error: Option<String>,
    help: &'static str,
}

/// How a field is edited; the template branches on the name, and the names of the plain
/// inputs are their `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Widget {
    Text,
    Textarea,
    Number,
    Checkbox,
    #[serde(rename = "datetime-local")]
    DateTimeLocal,
    Date,
    Time,
    /// Yes/no/unknown, declared choices or a small foreign-key table.
    Select,
    /// A search box for a foreign key into a large table.
    Lookup,
    Password,
    Readonly,
}

#[derive(Debug, Serialize)]
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// A group of fields under a legend.
#[derive(Debug, Serialize)]
pub(crate) struct Fieldset {
    legend: String,
    fields: Vec<Field>,
}

/// What the form shows: the posted text (input kept after an error), the row's values, or
/// on an add form the values a new row starts with (declared defaults, `new()`).
pub(crate) enum Source<'a> {
    Posted(&'a HashMap<String, String>),
    Stored,
    Defaults(&'a Record),
}

/// `pub_date` -> `Pub date`: a column or table name as a person reads it.
pub(crate) fn human(name: &str) -> String {
    let text = name.replace('_', " ");
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The widget of a column's type, with the input's `step`.
fn widget_of(column: &ColumnInfo) -> (Widget, &'static str) {
    match column.kind {
        FieldKind::TinyInt
        | FieldKind::SmallInt
        | FieldKind::Int
        | FieldKind::BigInt
        | FieldKind::Unsigned
        | FieldKind::BigUnsigned => (Widget::Number, "1"),
        FieldKind::Float | FieldKind::Double => (Widget::Number, "any"),
        FieldKind::Text | FieldKind::Json => (Widget::Textarea, ""),
        FieldKind::Bool if column.nullable => (Widget::Select, ""),
        FieldKind::Bool => (Widget::Checkbox, ""),
        FieldKind::DateTime | FieldKind::DateTimeUtc => (Widget::DateTimeLocal, "1"),
        FieldKind::Date => (Widget::Date, ""),
        FieldKind::Time => (Widget::Time, "1"),
        // A string longer than a line gets room to be read and edited.
        FieldKind::String if column.max_chars.is_some_and(|n| n > LINE_CHARS) => {
            (Widget::Textarea, "")
        }
        FieldKind::String => (Widget::Text, ""),
        _ => (Widget::Readonly, ""),
    }
}

/// The text an input shows for a stored value: `datetime-local` takes no offset and at most
/// milliseconds, so it gets whole seconds.
pub(super) fn input_text(column: &ColumnInfo, stored: &Value) -> String {
    let text = value::to_text(stored);
    match column.kind {
        FieldKind::DateTime | FieldKind::DateTimeUtc => text.chars().take(19).collect(),
        _ => text,
    }
}

/// Builds the fieldsets of the add (`record` is `None`) or edit form.
pub(crate) async fn fieldsets(
    admin: &Admin,
    model: &AdminModel,
    ctx: &Context,
    source: Source<'_>,
    record: Option<&Record>,
    errors: &HashMap<String, String>,
) -> Result<Vec<Fieldset>, Error> {
    let settings = &model.settings;
    let groups: Vec<(String, Vec<String>)> = if settings.fieldsets.is_empty() {
        vec![(String::new(), settings.form_fields.clone())]
    } else {
        settings.fieldsets.clone()
    };
    let mut out = Vec::new();
    for (legend, names) in groups {
        let mut fields = Vec::new();
        for name in names {
            let Some(column) = model.info().column(&name) else {
                continue;
            };
            fields.push(field(admin, model, ctx, column, &source, record, errors).await?);
        }
        out.push(Fieldset { legend, fields });
    }
    Ok(out)
}

async fn field(
    admin: &Admin,
    model: &AdminModel,
    ctx: &Context,
    column: &ColumnInfo,
    source: &Source<'_>,
    record: Option<&Record>,
    errors: &HashMap<String, String>,
) -> Result<Field, Error> {
    let settings = &model.settings;
    let stored = match source {
        Source::Defaults(defaults) => defaults.get(model.info(), &column.name),
        _ => record.and_then(|r| r.get(model.info(), &column.name)),
    };
    let text = match source {
        Source::Posted(posted) => posted.get(&column.name).cloned().unwrap_or_default(),
        Source::Stored | Source::Defaults(_) => {
            stored.map(|v| input_text(column, v)).unwrap_or_default()
        }
    };
    let readonly =
        settings.is_readonly_for(&column.name, ctx) || (column.primary_key && record.is_some());
    let mut field = Field::new(column, text, errors.get(&column.name).cloned());
    let widget = field.widget;
    if settings.is_secret(&column.name) {
        field.widget = Widget::Password;
        field.value.clear();
        field.required = record.is_none();
        if record.is_some() {
            field.help = "Leave empty to keep the current password.";
        }
        return Ok(field);
    }
    if readonly || widget == Widget::Readonly {
        field.widget = Widget::Readonly;
        field.required = false;
        if let (Some(fk), Some(stored)) = (&column.foreign_key, stored)
            && admin.may_view(ctx, &fk.table).await
        {
            field.value_title = related_title(admin, ctx, &fk.table, &fk.column, stored)
                .await?
                .unwrap_or_default();
        }
        return Ok(field);
    }
    if widget == Widget::Checkbox {
        field.checked = match source {
            Source::Posted(posted) => posted.get(&column.name).is_some_and(|v| v != "false"),
            Source::Stored | Source::Defaults(_) => {
                value::parse_bool(&field.value).unwrap_or(false)
            }
        };
    } else if widget == Widget::Select {
        field.options = [("", "Unknown"), ("true", "Yes"), ("false", "No")]
            .iter()
            .map(|(v, label)| choice(v, label, &field.value))
            .collect();
    }
    if let Some(choices) = settings.choices_of(&column.name) {
        let mut options: Vec<Choice> = Vec::new();
        if column.nullable || record.is_none() {
            options.push(choice("", "---------", &field.value));
        }
        options.extend(
            choices
                .iter()
                .map(|(v, label)| choice(v, label, &field.value)),
        );
        field.options = options;
        field.widget = Widget::Select;
    } else if let Some(fk) = &column.foreign_key
        && let Some(target) = admin.model(&fk.table)
        && admin.may_view(ctx, &fk.table).await
    {
        let lookup = settings.lookups.contains(&column.name);
        foreign_key(admin, ctx, column, target, lookup, &mut field).await?;
    }
    Ok(field)
}

impl Field {
    /// The field of `column` showing `value`, with the column's own widget.
    fn new(column: &ColumnInfo, value: String, error: Option<String>) -> Self {
        let (widget, step) = widget_of(column);
        Self {
            name: column.name.clone(),
            label: human(&column.name),
            widget,
            checked: false,
            required: column.required(),
            step,
            options: Vec::new(),
            lookup_url: String::new(),
            value_title: String::new(),
            error,
            help: "",
            value,
        }
    }
}

/// A foreign key's widget: a select of the target's rows the caller may see when they are few
/// (and the admin asks for no lookup), else a lookup box with the current row's title.
async fn foreign_key(
    admin: &Admin,
    ctx: &Context,
    column: &ColumnInfo,
    target: &AdminModel,
    lookup: bool,
    field: &mut Field,
) -> Result<(), Error> {
    let Some(fk) = &column.foreign_key else {
        return Ok(());
    };
    let db = DatabaseExecutor::from(admin.db());
    let mut everything = Query::everything(target.info());
    everything.and(target.hooks.get_query(ctx));
    let small = !lookup
        && count_upto(&db, target.info(), &everything, MAX_SELECT_OPTIONS).await? != Count::More;
    if small {
        let window = Window {
            offset: 0,
            limit: Some(MAX_SELECT_OPTIONS),
        };
        let rows = target.model.list(&db, &everything, window).await?;
        let mut options = vec![choice("", "---------", &field.value)];
        for row in &rows {
            let key = row
                .get(target.info(), &fk.column)
                .map(value::to_text)
                .unwrap_or_default();
            options.push(choice(&key, &target.title(row), &field.value));
        }
        field.widget = Widget::Select;
        field.options = options;
    } else {
        field.widget = Widget::Lookup;
        field.lookup_url = format!("{}/{}/lookup/", admin.prefix(), target.slug());
        if let Ok(key) = value::from_str(target.info().pk_column(), &field.value) {
            field.value_title = related_title(admin, ctx, &fk.table, &fk.column, &key)
                .await?
                .unwrap_or_default();
        }
    }
    Ok(())
}

fn choice(value: &str, label: &str, current: &str) -> Choice {
    Choice {
        value: value.to_owned(),
        label: label.to_owned(),
        selected: value == current,
    }
}

/// The name of the row of `table` whose `column` is `key`; `None` when there is no such row
/// (or the table is not in the admin).
pub(crate) async fn related_title(
    admin: &Admin,
    ctx: &Context,
    table: &str,
    column: &str,
    key: &Value,
) -> Result<Option<String>, Error> {
    let Some(target) = admin.model(table) else {
        return Ok(None);
    };
    let db = DatabaseExecutor::from(admin.db());
    let rows = target
        .model
        .find_in(&db, column, vec![key.clone()], target.hooks.get_query(ctx))
        .await?;
    Ok(rows.first().map(|row| target.title(row)))
}

/// An error message as a sentence: capital first letter, final full stop.
pub(crate) fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}
