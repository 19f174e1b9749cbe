//! Concurrent edits in the admin: no save or delete goes through over a row changed since
//! the page was shown.
//!
//! - The edit form carries the row's token (a hash of its stored values, the API's `ETag`;
//!   with the rows it is linked to through many-to-many fields, such as a user's groups)
//!   in a hidden `_version`, and the text of each field as shown in a hidden `_original`.
//!   A save locks the row in its transaction (see `orm::lock`), reads it again and compares
//!   tokens: when they differ the form comes back with status 409, a message, the user's
//!   input kept and, beside each field changed in the meantime, its stored value; nothing is
//!   saved. The form shown then carries the new token, so saving it again keeps the user's
//!   values. A secret field (a password) is never shown, changed or not.
//! - The delete confirmation carries one `_version` per model it lists: a digest of the tokens
//!   of every row of that model the delete takes (listed or counted). The delete locks the
//!   selected rows, collects what goes again and compares: any row changed, added or gone
//!   shows the confirmation again with a message (409), and nothing is deleted.
//! - A form posted without `_version` (a script, a form from before this check) is saved as
//!   before, without the check.
//! - Bulk actions from the list carry no versions: an action runs on the selected rows as
//!   they are when it runs, in one transaction. A list is a view of many rows at one moment,
//!   and an action (like "mark as read") states what the rows should become, whatever they
//!   were; the bulk delete goes through the confirmation page, which is checked as above.

use std::collections::HashMap;

use sea_orm::{DatabaseExecutor, Value};
use serde::Serialize;

use super::cascade::Batch;
use super::erased::AdminModel;
use crate::orm::{Record, token, value};

/// The hidden input with the row's token (edit form) or the listed rows' digests (delete).
pub(crate) const VERSION: &str = "_version";
/// The hidden input with the edit form's fields as shown, as a JSON object of texts.
const ORIGINAL: &str = "_original";

/// A hidden input of a form.
#[derive(Debug, Serialize)]
pub(crate) struct Hidden {
    name: &'static str,
    value: String,
}

/// The version of `record` as its edit form shows it: the row's token, with what it is linked
/// to through the form's many-to-many fields (`links`, see `views::many::linked`), so that a
/// save cannot undo links made meanwhile either.
pub(crate) fn of(record: &Record, links: &[Value]) -> String {
    if links.is_empty() {
        return record.token();
    }
    let mut parts = vec![Value::from(record.token())];
    parts.extend(links.iter().cloned());
    token::of(&parts)
}

/// The hidden inputs of an edit form for `record`, whose version is `version` (see [`of`]).
pub(crate) fn inputs(model: &AdminModel, record: &Record, version: String) -> Vec<Hidden> {
    let shown: serde_json::Map<String, serde_json::Value> = model
        .settings
        .form_fields
        .iter()
        .filter(|name| !model.settings.is_secret(name))
        .map(|name| (name.clone(), text(model, record, name).into()))
        .collect();
    vec![
        Hidden {
            name: VERSION,
            value: version,
        },
        Hidden {
            name: ORIGINAL,
            value: serde_json::Value::Object(shown).to_string(),
        },
    ]
}

/// The hidden inputs of an edit form posted with a version, to show it again as posted (after
/// a refusal that is not a conflict): a save from it is still checked against the version
/// it was first shown with, not against the row as it is when it comes back.
pub(crate) fn posted_inputs(posted: &HashMap<String, String>) -> Option<Vec<Hidden>> {
    let version = posted.get(VERSION)?;
    let mut hidden = vec![Hidden {
        name: VERSION,
        value: version.clone(),
    }];
    if let Some(original) = posted.get(ORIGINAL) {
        hidden.push(Hidden {
            name: ORIGINAL,
            value: original.clone(),
        });
    }
    Some(hidden)
}

fn text(model: &AdminModel, record: &Record, name: &str) -> String {
    record
        .get(model.info(), name)
        .map(value::to_text)
        .unwrap_or_default()
}

/// Whether the edit form posted was shown for the row as it is now, at version `stored` (see
/// [`of`]); `true` when it carries no version.
pub(crate) fn is_current(posted: &HashMap<String, String>, stored: &str) -> bool {
    posted.get(VERSION).is_none_or(|version| version == stored)
}

/// A field changed since the form was shown, with the value stored now.
#[derive(Debug, Serialize)]
pub(crate) struct Changed {
    name: String,
    stored: String,
}

/// The form's fields whose stored value differs from the one the form was shown with (from
/// `_original`; without it, from the value posted).
pub(crate) fn changed(
    model: &AdminModel,
    posted: &HashMap<String, String>,
    stored: &Record,
) -> Vec<Changed> {
    let original: Option<HashMap<String, String>> = posted
        .get(ORIGINAL)
        .and_then(|text| serde_json::from_str(text).ok());
    model
        .settings
        .form_fields
        .iter()
        .filter(|name| !model.settings.is_secret(name))
        .filter_map(|name| {
            let now = text(model, stored, name);
            let before = match &original {
                Some(original) => original.get(name),
                None => posted.get(name),
            };
            (before != Some(&now)).then(|| Changed {
                name: name.clone(),
                stored: now,
            })
        })
        .collect()
}

/// The versions of a delete confirmation: per model it lists, a digest of the tokens of the
/// rows that go.
pub(crate) fn of_batches(batches: &[Batch<'_>]) -> Vec<String> {
    batches
        .iter()
        .map(|batch| {
            let mut parts = vec![Value::String(Some(batch.model.slug().to_owned()))];
            parts.extend(
                batch
                    .rows
                    .iter()
                    .map(|row| Value::String(Some(row.token()))),
            );
            token::of(&parts)
        })
        .collect()
}

/// The `_version` values of a posted delete confirmation, in order.
pub(crate) fn posted(body: &[u8]) -> Vec<String> {
    form_urlencoded::parse(body)
        .filter(|(key, _)| key == VERSION)
        .map(|(_, value)| value.into_owned())
        .collect()
}

/// The selected rows' primary keys, to lock before they are read again.
pub(crate) fn keys(model: &AdminModel, ids: &[String]) -> Vec<Value> {
    ids.iter()
        .filter_map(|id| value::from_str(model.info().pk_column(), id).ok())
        .collect()
}

/// Locks the rows of `model` with these keys until the transaction ends (see `orm::lock`).
pub(crate) async fn lock(
    db: &DatabaseExecutor<'_>,
    model: &AdminModel,
    keys: Vec<Value>,
) -> Result<(), sea_orm::DbErr> {
    crate::orm::lock::lock_rows(db, model.info(), keys).await
}
