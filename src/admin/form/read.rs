//! Reading a posted admin form into column values, with an error per field.

use std::collections::HashMap;

use sea_orm::Value;

use super::{REQUIRED, Widget, input_text, related_title, sentence, widget_of};
use crate::admin::Admin;
use crate::admin::erased::AdminModel;
use crate::orm::{ColumnInfo, FieldKind, Record, value};
use crate::{Context, Error};

/// Reads a posted form into column values, or an error per field. The password column of the
/// user model passes [`Auth::password_problem`](crate::auth::Auth::password_problem) and is
/// hashed; empty keeps the old hash when editing. On an edit of `stored`, a
/// field posted back as the form showed it keeps its stored value: a `datetime-local` input
/// shows whole seconds, and saving an untouched form must not cut the microseconds off.
pub(crate) async fn read(
    admin: &Admin,
    model: &AdminModel,
    ctx: &Context,
    posted: &HashMap<String, String>,
    stored: Option<&Record>,
) -> Result<Result<Vec<(String, Value)>, HashMap<String, String>>, Error> {
    let adding = stored.is_none();
    let settings = &model.settings;
    let mut values = Vec::new();
    let mut errors = HashMap::new();
    for name in &settings.form_fields {
        let Some(column) = model.info().column(name) else {
            continue;
        };
        if settings.is_readonly_for(name, ctx)
            || (column.primary_key && !adding)
            || widget_of(column).0 == Widget::Readonly
        {
            continue;
        }
        // On an edit, a field the post leaves out (not even blank) keeps its stored value, as
        // a partial update does on the API; a checkbox is the exception, as HTML sends none
        // when it is unticked.
        let checkbox = column.kind == FieldKind::Bool && !column.nullable;
        if !adding && !posted.contains_key(name) && !checkbox {
            continue;
        }
        let text = posted.get(name).map(String::as_str).unwrap_or("");
        if settings.is_secret(name) {
            if text.is_empty() && !adding {
                continue;
            }
            // The username the row will have: the one posted when the form may change it.
            let column = admin.auth().username_column();
            let writable =
                settings.form_fields.contains(&column) && !settings.is_readonly_for(&column, ctx);
            let username = posted
                .get(&column)
                .filter(|_| writable)
                .cloned()
                .or_else(|| Some(value::to_text(stored?.get(model.info(), &column)?)))
                .unwrap_or_default();
            if let Some(problem) = admin.auth().password_problem(username.trim(), text) {
                errors.insert(name.clone(), problem);
                continue;
            }
            let hash = admin.auth().hasher().hash(text).await?;
            values.push((name.clone(), Value::from(hash)));
            continue;
        }
        match read_one(
            admin,
            model,
            ctx,
            column,
            text,
            posted.contains_key(name),
            adding,
        )
        .await?
        {
            Ok(Some(value)) => {
                let shown = stored
                    .and_then(|row| row.get(model.info(), name))
                    .filter(|old| input_text(column, old) == input_text(column, &value));
                values.push((name.clone(), shown.cloned().unwrap_or(value)));
            }
            Ok(None) => {}
            Err(message) => {
                errors.insert(name.clone(), message);
            }
        }
    }
    Ok(if errors.is_empty() {
        Ok(values)
    } else {
        Err(errors)
    })
}

/// One field's value: `None` to leave the column to what the new row starts with (its
/// default, `ActiveModelBehavior::new()` or `before_save`; a column none of them fills is then
/// reported required beside the field). A blank text column is the empty string, as on the
/// API and the CLI: "not blank" is a rule of the entity's.
async fn read_one(
    admin: &Admin,
    model: &AdminModel,
    ctx: &Context,
    column: &ColumnInfo,
    text: &str,
    present: bool,
    adding: bool,
) -> Result<Result<Option<Value>, String>, Error> {
    if column.kind == FieldKind::Bool && !column.nullable {
        // The form sends a hidden `false` before each checkbox, so a box left out of the post
        // altogether (a client that only sends what it sets) takes the declared default.
        if !present && adding && column.default.is_some() {
            return Ok(Ok(None));
        }
        return Ok(Ok(Some(Value::from(present && text != "false"))));
    }
    if text.trim().is_empty() && (column.nullable || !column.kind.is_text()) {
        return Ok(if column.nullable {
            Ok(Some(value::null_of(column.kind)))
        } else if adding {
            Ok(None)
        } else {
            Err(REQUIRED.to_owned())
        });
    }
    let parsed = match value::from_str(column, text).and_then(|parsed| {
        crate::orm::check_fits(column, &parsed, admin.inner.limits.text_bytes)?;
        Ok(parsed)
    }) {
        Ok(parsed) => parsed,
        Err(error) => return Ok(Err(sentence(&error.reason))),
    };
    if let Some(choices) = model.settings.choices_of(&column.name)
        && !choices.iter().any(|(v, _)| *v == value::to_text(&parsed))
    {
        return Ok(Err("Select one of the offered choices.".to_owned()));
    }
    if let Some(fk) = &column.foreign_key
        && admin.model(&fk.table).is_some()
        && related_title(admin, ctx, &fk.table, &fk.column, &parsed)
            .await?
            .is_none()
    {
        return Ok(Err(format!(
            "There is no {} with key {}.",
            fk.table,
            text.trim()
        )));
    }
    Ok(Ok(Some(parsed)))
}
