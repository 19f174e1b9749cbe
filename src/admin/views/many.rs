//! The form's many-to-many fields (see [`ManyToMany`](crate::admin::ManyToMany)): the
//! options the caller may choose, the choice a post makes, and the join rows that carry it out,
//! written in the form's transaction with an audit entry each.

use std::collections::HashMap;

use sea_orm::{Condition, DatabaseExecutor, Value};
use serde::Serialize;

use crate::admin::Admin;
use crate::admin::erased::AdminModel;
use crate::admin::many::{Link, Target, plain_title};
use crate::audit::Trail;
use crate::orm::{ColumnInfo, Query, Record, Window, WriteError, value};
use crate::{Context, Error};

/// Above this many offered rows, the select gets a search box.
const SEARCH_ABOVE: usize = 100;

/// The most options a select lists (besides the rows already linked).
const MAX_OPTIONS: u64 = 1000;

/// One many-to-many field, as the template renders it.
#[derive(Serialize)]
pub(super) struct Shown {
    name: String,
    label: String,
    options: Vec<Choice>,
    search: bool,
    /// More rows could be linked than are listed.
    capped: bool,
    error: Option<String>,
}

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// The keys (as text) a post chose for each field it sent, by field name.
pub(super) type Picked = Vec<(String, Vec<String>)>;

/// What a valid post asks of one field: link the row to exactly these target keys.
pub(super) struct Change {
    index: usize,
    wanted: Vec<Value>,
}

/// The fields of `model` that `ctx` may use: those whose target rows they may view.
async fn usable<'a>(
    admin: &'a Admin,
    model: &'a AdminModel,
    ctx: &Context,
) -> Vec<(usize, &'a Link)> {
    let mut out = Vec::new();
    for (index, link) in model.links.iter().enumerate() {
        let offered = match &link.target {
            Target::Model { slug, .. } => admin.may_view(ctx, slug).await,
            Target::Plain { .. } => ctx.is_admin(),
        };
        if offered {
            out.push((index, link));
        }
    }
    out
}

/// The target's key column.
fn target_key<'a>(admin: &'a Admin, link: &'a Link) -> Option<&'a ColumnInfo> {
    match &link.target {
        Target::Model { slug, key } => admin.model(slug)?.info().column(key),
        Target::Plain { binding, key, .. } => binding.info().column(key),
    }
}

/// `value` read again as a value of `column` (keys of different integer types compare).
fn as_column(column: &ColumnInfo, value: &Value) -> Option<Value> {
    value::from_str(column, &value::to_text(value)).ok()
}

/// The target rows with these keys that `ctx` may view, each with its label.
async fn viewable(
    admin: &Admin,
    db: &DatabaseExecutor<'_>,
    ctx: &Context,
    link: &Link,
    keys: Vec<Value>,
) -> Result<Vec<(String, String)>, Error> {
    let rows = match &link.target {
        Target::Model { slug, key } => {
            let target = admin.model_or_404(slug)?;
            let scope = target.hooks.get_query(ctx);
            let rows = target.model.find_in(db, key, keys, scope).await?;
            labelled(&rows, key, |row| target.title(row), target.info())
        }
        Target::Plain { binding, key, .. } => {
            let rows = binding.find_in(db, key, keys, Condition::all()).await?;
            let info = binding.info();
            labelled(&rows, key, |row| plain_title(info, row.values()), info)
        }
    };
    Ok(rows)
}

/// The first `limit` target rows `ctx` may view, in key order, with their labels.
async fn listed(
    admin: &Admin,
    ctx: &Context,
    link: &Link,
    limit: u64,
) -> Result<Vec<(String, String)>, Error> {
    let db = DatabaseExecutor::from(admin.db());
    let window = Window {
        offset: 0,
        limit: Some(limit),
    };
    Ok(match &link.target {
        Target::Model { slug, key } => {
            let target = admin.model_or_404(slug)?;
            let mut query = Query::everything(target.info());
            query.and(target.hooks.get_query(ctx));
            let rows = target.model.list(&db, &query, window).await?;
            labelled(&rows, key, |row| target.title(row), target.info())
        }
        Target::Plain { binding, key, .. } => {
            let info = binding.info();
            let rows = binding.list(&db, &Query::everything(info), window).await?;
            labelled(&rows, key, |row| plain_title(info, row.values()), info)
        }
    })
}

fn labelled(
    rows: &[Record],
    key: &str,
    title: impl Fn(&Record) -> String,
    info: &crate::orm::ModelInfo,
) -> Vec<(String, String)> {
    rows.iter()
        .map(|row| {
            let key = row.get(info, key).map(value::to_text).unwrap_or_default();
            (key, title(row))
        })
        .collect()
}

/// The join rows of `record` for `link`.
async fn joined(
    db: &DatabaseExecutor<'_>,
    model: &AdminModel,
    link: &Link,
    record: &Record,
) -> Result<Vec<Record>, Error> {
    let join = link.join_info();
    let key = record.get(model.info(), &link.source_key);
    let key = key
        .zip(join.column(&link.from))
        .and_then(|(v, c)| as_column(c, v));
    let Some(key) = key else {
        return Ok(Vec::new());
    };
    Ok(link
        .join
        .find_in(db, &link.from, vec![key], Condition::all())
        .await?)
}

/// The target keys (as text) of join rows.
fn targets(link: &Link, rows: &[Record]) -> Vec<String> {
    let join = link.join_info();
    rows.iter()
        .filter_map(|row| row.get(join, &link.to).map(value::to_text))
        .collect()
}

/// What `record` is linked to through each many-to-many field of `model` (every field, offered
/// to the caller or not), read on `db`: each field's target keys, sorted, as a value of the
/// edit form's version (see `admin::version`). Empty for a model without such fields.
pub(super) async fn linked(
    db: &DatabaseExecutor<'_>,
    model: &AdminModel,
    record: &Record,
) -> Result<Vec<Value>, Error> {
    let mut out = Vec::with_capacity(model.links.len());
    for link in &model.links {
        let mut keys = targets(link, &joined(db, model, link, record).await?);
        keys.sort();
        out.push(Value::from(format!("{}={}", link.name, keys.join(","))));
    }
    Ok(out)
}

/// The form's many-to-many fields for `ctx`: the options, with the rows linked to `record`
/// selected, or the keys `picked` by a post shown again.
pub(super) async fn shown(
    admin: &Admin,
    model: &AdminModel,
    ctx: &Context,
    record: Option<&Record>,
    picked: &Picked,
    errors: &HashMap<String, String>,
) -> Result<Vec<Shown>, Error> {
    let db = DatabaseExecutor::from(admin.db());
    let mut out = Vec::new();
    for (_, link) in usable(admin, model, ctx).await {
        let selected = match (picked.iter().find(|(name, _)| *name == link.name), record) {
            (Some((_, keys)), _) => keys.clone(),
            (None, Some(record)) => targets(link, &joined(&db, model, link, record).await?),
            (None, None) => Vec::new(),
        };
        let mut rows = listed(admin, ctx, link, MAX_OPTIONS + 1).await?;
        let capped = rows.len() as u64 > MAX_OPTIONS;
        let search = rows.len() > SEARCH_ABOVE;
        rows.truncate(usize::try_from(MAX_OPTIONS).unwrap_or(usize::MAX));
        let missing: Vec<Value> = selected
            .iter()
            .filter(|key| !rows.iter().any(|(k, _)| k == *key))
            .filter_map(|key| value::from_str(target_key(admin, link)?, key).ok())
            .collect();
        if !missing.is_empty() {
            rows.extend(viewable(admin, &db, ctx, link, missing).await?);
        }
        out.push(Shown {
            name: link.name.clone(),
            label: link.label.clone(),
            options: rows
                .into_iter()
                .map(|(value, label)| Choice {
                    selected: selected.contains(&value),
                    value,
                    label,
                })
                .collect(),
            search,
            capped,
            error: errors.get(&link.name).cloned(),
        });
    }
    Ok(out)
}

/// The keys a post chose for each many-to-many field of `model` it sent. The form sends an
/// empty value first, so that choosing none still says "none"; a field the post leaves out
/// altogether keeps its links.
pub(super) fn picked(model: &AdminModel, body: &[u8]) -> Picked {
    let mut out: Picked = Vec::new();
    for (key, text) in form_urlencoded::parse(body) {
        if !model.links.iter().any(|link| link.name == key) {
            continue;
        }
        let index = match out.iter().position(|(name, _)| *name == key) {
            Some(index) => index,
            None => {
                out.push((key.into_owned(), Vec::new()));
                out.len() - 1
            }
        };
        let text = text.into_owned();
        if !text.is_empty() && !out[index].1.contains(&text) {
            out[index].1.push(text);
        }
    }
    out
}

/// How one target row is named in messages: "tag", "group".
fn noun(admin: &Admin, link: &Link) -> String {
    match &link.target {
        Target::Model { slug, .. } => admin
            .model(slug)
            .map_or_else(|| slug.clone(), |m| m.name.to_lowercase()),
        Target::Plain { noun, .. } => (*noun).to_owned(),
    }
}

/// What the post asks of each field `ctx` may use, once every chosen key is checked to be a
/// row offered to them (else an error beside the field). Fields they may not use are left
/// out, so their links stay as they are.
pub(super) async fn changes(
    admin: &Admin,
    model: &AdminModel,
    ctx: &Context,
    picked: &Picked,
) -> Result<Result<Vec<Change>, HashMap<String, String>>, Error> {
    let db = DatabaseExecutor::from(admin.db());
    let mut changes = Vec::new();
    let mut errors = HashMap::new();
    for (index, link) in usable(admin, model, ctx).await {
        let Some((_, keys)) = picked.iter().find(|(name, _)| *name == link.name) else {
            continue;
        };
        let Some(column) = target_key(admin, link) else {
            continue;
        };
        let parsed: Vec<Option<Value>> = keys
            .iter()
            .map(|key| value::from_str(column, key).ok())
            .collect();
        let sent = parsed.iter().flatten().cloned().collect();
        let found = viewable(admin, &db, ctx, link, sent).await?;
        let offered = |key: &Option<Value>| {
            key.as_ref()
                .is_some_and(|key| found.iter().any(|(k, _)| *k == value::to_text(key)))
        };
        match keys.iter().zip(&parsed).find(|(_, key)| !offered(key)) {
            Some((text, _)) => {
                let message = format!("There is no {} with key {text}.", noun(admin, link));
                errors.insert(link.name.clone(), message);
            }
            None => changes.push(Change {
                index,
                wanted: parsed.into_iter().flatten().collect(),
            }),
        }
    }
    Ok(if errors.is_empty() {
        Ok(changes)
    } else {
        Err(errors)
    })
}

/// Links `saved` to exactly the rows each change asks for, on `db` (the form's transaction):
/// the join rows of rows no longer chosen go (only those of rows `ctx` may view: the others
/// were not offered, so they stay), the new ones are inserted, each with its audit entry.
pub(super) async fn write(
    admin: &Admin,
    ctx: &Context,
    db: &DatabaseExecutor<'_>,
    model: &AdminModel,
    saved: &Record,
    changes: &[Change],
) -> Result<(), WriteError> {
    let trail = Trail { ctx, redacted: &[] };
    for change in changes {
        let Some(link) = model.links.get(change.index) else {
            continue;
        };
        let join = link.join_info();
        let (Some(from), Some(to), Some(key)) = (
            join.column(&link.from),
            join.column(&link.to),
            target_key(admin, link),
        ) else {
            continue;
        };
        let source = saved.get(model.info(), &link.source_key);
        let Some(source) = source.and_then(|v| as_column(from, v)) else {
            continue;
        };
        let wanted: Vec<String> = change.wanted.iter().map(value::to_text).collect();
        let rows = joined(db, model, link, saved).await.map_err(hook)?;
        let current = targets(link, &rows);
        let stale = current
            .iter()
            .filter(|k| !wanted.contains(k))
            .filter_map(|k| value::from_str(key, k).ok())
            .collect();
        let removable = viewable(admin, db, ctx, link, stale).await.map_err(hook)?;
        for row in &rows {
            let target = row.get(join, &link.to).map(value::to_text);
            if removable.iter().any(|(k, _)| Some(k) == target.as_ref())
                && link.join.remove(db, row).await? > 0
            {
                trail.delete(db, join, row.values()).await?;
            }
        }
        for target in &change.wanted {
            if current.contains(&value::to_text(target)) {
                continue;
            }
            let Some(target) = as_column(to, target) else {
                continue;
            };
            let values = vec![
                (link.from.clone(), source.clone()),
                (link.to.clone(), target),
            ];
            let row = link.join.save(db, None, values, &()).await?;
            trail.create(db, join, row.values()).await?;
        }
    }
    Ok(())
}

fn hook(error: Error) -> WriteError {
    WriteError::Hook(Box::new(error))
}
