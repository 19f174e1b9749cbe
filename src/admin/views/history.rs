//! `/admin/<model>/<pk>/history/`: the audit trail's entries for one row, newest first, each
//! with a field / before / after table, 20 a page (`?page=`, with previous and next links).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use serde_json::Value as Json;
use tera::Context;

use super::edit::fetch;
use super::urlencode;
use crate::Error;
use crate::Perm;
use crate::admin::Admin;
use crate::audit::entry;
use crate::orm::{page_number, value};

/// How many entries one history page shows; `?page=` pages through the rest.
const PER_PAGE: u64 = 20;

#[derive(Serialize)]
struct Field {
    name: String,
    before: String,
    after: String,
}

#[derive(Serialize)]
struct Shown {
    action: String,
    at: String,
    username: String,
    actor_url: Option<String>,
    channel: String,
    client: String,
    fields: Vec<Field>,
}

pub(super) async fn show(
    admin: web::Data<Admin>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Error> {
    let (admin, req) = (admin.get_ref(), &req);
    let (slug, pk) = path.into_inner();
    let model = admin.model_or_404(&slug)?;
    // Not a key of this model: no row ever had it, deleted or not.
    if value::from_str(model.info().pk_column(), &pk).is_err() {
        return Err(Error::NotFound);
    }
    let ctx = admin.context(req);
    let row = match fetch(admin, model, &ctx, &pk).await {
        Ok(row) => Some(row),
        Err(Error::NotFound) => None,
        Err(error) => return Err(error),
    };
    model
        .hooks
        .gate(&ctx, Perm::View, model.info(), row.as_ref())
        .await?;
    // A deleted row's scope cannot be checked any more: its history is for admins.
    if row.is_none() && !ctx.is_admin() {
        return Err(Error::NotFound);
    }
    let of_row = entry::Entity::find()
        .filter(entry::Column::Model.eq(&slug))
        .filter(entry::Column::Pk.eq(&pk));
    let pages = of_row
        .clone()
        .count(admin.db())
        .await?
        .div_ceil(PER_PAGE)
        .max(1);
    let asked = form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(key, _)| key == "page")
        .map(|(_, value)| value.into_owned());
    // Past the last page shows the last, as the lists do.
    let page = page_number(asked.as_deref()).min(pages);
    let entries = of_row
        .order_by_desc(entry::Column::Id)
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
        .all(admin.db())
        .await?;
    let shown = shown(admin, entries);
    let base = admin.model_url(model);
    let mut context = Context::new();
    context.insert("model_name", &model.name);
    context.insert("list_url", &base);
    match &row {
        Some(row) => {
            context.insert("title", &model.title(row));
            context.insert("row_url", &format!("{base}{}/", model.pk_text(row)));
        }
        None => {
            context.insert("title", &format!("{} {pk}", model.name));
            context.insert("row_url", "");
        }
    }
    context.insert("entries", &shown);
    context.insert("page", &page);
    context.insert("page_count", &pages);
    let link = |to: u64| format!("?page={to}");
    context.insert("previous_url", &(page > 1).then(|| link(page - 1)));
    context.insert("next_url", &(page < pages).then(|| link(page + 1)));
    admin
        .render(req, StatusCode::OK, "admin/history.html", context)
        .await
}

/// Entries as the page shows them: fields with before and after, the actor linked.
fn shown(admin: &Admin, entries: Vec<entry::Model>) -> Vec<Shown> {
    let users = admin.model(&admin.inner.auth.user_table());
    entries
        .into_iter()
        .map(|e| Shown {
            fields: fields(&e.action, &e.values),
            at: at_text(e.at),
            actor_url: users
                .zip(e.actor)
                .map(|(users, id)| format!("{}{id}/", admin.model_url(users))),
            action: e.action,
            username: e.username,
            channel: e.channel,
            client: e.client,
        })
        .collect()
}

/// How many of the viewer's own changes the dashboard lists.
const RECENT: u64 = 10;

/// One of the viewer's recent changes, linked to the row's history.
#[derive(Serialize)]
pub(super) struct Recent {
    action: String,
    model: String,
    pk: String,
    at: String,
    url: String,
}

/// The "Recent actions" of the dashboard: the viewer's own last changes, newest first.
pub(super) async fn recent(admin: &Admin, ctx: &crate::Context) -> Result<Vec<Recent>, Error> {
    let Some(actor) = ctx.user_id() else {
        return Ok(Vec::new());
    };
    let entries = entry::Entity::find()
        .filter(entry::Column::Actor.eq(actor))
        .order_by_desc(entry::Column::Id)
        .limit(RECENT)
        .all(admin.db())
        .await?;
    Ok(entries
        .into_iter()
        .map(|e| Recent {
            url: history_url(admin, &e.model, &e.pk),
            at: at_text(e.at),
            action: e.action,
            model: e.model,
            pk: e.pk,
        })
        .collect())
}

/// Where the entries of row `pk` of table `model` are shown: the row's history page for an
/// admin model, the audit list filtered to the row for the crate's own tables (groups).
pub(super) fn history_url(admin: &Admin, model: &str, pk: &str) -> String {
    let prefix = admin.prefix();
    match admin.model(model) {
        Some(_) => format!("{prefix}/{model}/{}/history/", urlencode(pk)),
        None => format!(
            "{prefix}/audit/?model={}&pk={}",
            urlencode(model),
            urlencode(pk)
        ),
    }
}

fn at_text(at: chrono::NaiveDateTime) -> String {
    crate::orm::value::to_text(&sea_orm::Value::from(at))
}

fn text(value: &Json) -> String {
    match value {
        Json::Null => String::new(),
        Json::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// One line per column of an entry's values: a create has only "after", a delete only
/// "before", an update and a custom action `[old, new]` pairs (or the old row, when the
/// action deleted it).
fn fields(action: &str, values: &str) -> Vec<Field> {
    let Ok(Json::Object(values)) = serde_json::from_str::<Json>(values) else {
        return Vec::new();
    };
    values
        .into_iter()
        .map(|(name, value)| {
            let (before, after) = match (action, &value) {
                ("create", _) => (String::new(), text(&value)),
                ("delete", _) => (text(&value), String::new()),
                (_, Json::Array(pair)) if pair.len() == 2 => (text(&pair[0]), text(&pair[1])),
                _ => (text(&value), String::new()),
            };
            Field {
                name,
                before,
                after,
            }
        })
        .collect()
}
