//! `/admin/<model>/delete/?id=1&id=2`: GET lists everything that goes, POST deletes it all in
//! one transaction.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use tera::Context;

use super::edit::fetch_many;
use super::{notice, posted_form, query_pairs, respond, see_other};
use crate::Error;
use crate::Perm;
use crate::admin::Admin;
use crate::admin::cascade::{self, Batch};
use crate::admin::erased::AdminModel;
use crate::auth::Level;
use crate::orm::Record;

/// Rows listed per model on the confirmation page; the rest are counted.
const MAX_LISTED: usize = 100;

#[derive(Serialize)]
struct Listed {
    title: String,
    url: String,
}

#[derive(Serialize)]
struct Group {
    name: String,
    count: usize,
    rows: Vec<Listed>,
    more: usize,
}

fn nothing_selected(admin: &Admin, req: &HttpRequest, model: &AdminModel) -> HttpResponse {
    notice(
        req,
        Level::Info,
        "Nothing to delete: no rows were selected.",
    );
    see_other(&admin.model_url(model))
}

fn groups(admin: &Admin, batches: &[Batch<'_>]) -> Vec<Group> {
    batches
        .iter()
        .map(|batch| Group {
            name: batch.model.name.clone(),
            count: batch.rows.len(),
            rows: batch
                .rows
                .iter()
                .take(MAX_LISTED)
                .map(|row| Listed {
                    title: batch.model.title(row),
                    url: format!(
                        "{}{}/",
                        admin.model_url(batch.model),
                        batch.model.pk_text(row)
                    ),
                })
                .collect(),
            more: batch.rows.len().saturating_sub(MAX_LISTED),
        })
        .collect()
}

/// The selected rows within `get_query`, each allowed by `has_delete_permission`.
async fn selected(
    admin: &Admin,
    req: &HttpRequest,
    model: &AdminModel,
    ids: &[String],
) -> Result<Vec<Record>, Error> {
    let ctx = admin.context(req);
    let rows = fetch_many(admin, model, &ctx, ids).await?;
    for row in &rows {
        model
            .hooks
            .gate(&ctx, Perm::Delete, model.info(), Some(row))
            .await?;
    }
    Ok(rows)
}

/// The confirmation page, with `error` when a delete was just refused.
fn confirmation(
    admin: &Admin,
    req: &HttpRequest,
    model: &AdminModel,
    batches: &[Batch<'_>],
    error: Option<String>,
) -> HttpResponse {
    let ids: Vec<String> = batches
        .first()
        .map(|b| b.rows.iter().map(|row| model.pk_text(row)).collect())
        .unwrap_or_default();
    let mut context = Context::new();
    context.insert("model_name", &model.name);
    context.insert("list_url", &admin.model_url(model));
    context.insert("ids", &ids);
    context.insert("groups", &groups(admin, batches));
    context.insert(
        "total",
        &batches.iter().map(|b| b.rows.len()).sum::<usize>(),
    );
    context.insert("error", &error);
    admin.render(req, StatusCode::OK, "admin/delete.html", context)
}

pub(super) async fn confirm(
    admin: web::Data<Admin>,
    req: HttpRequest,
    slug: web::Path<String>,
) -> HttpResponse {
    let result = async {
        let model = admin.model_or_404(&slug)?;
        let ids: Vec<String> = query_pairs(&req)
            .into_iter()
            .filter(|(k, _)| k == "id")
            .map(|(_, v)| v)
            .collect();
        let rows = selected(&admin, &req, model, &ids).await?;
        if rows.is_empty() {
            return Ok(nothing_selected(&admin, &req, model));
        }
        let batches = cascade::collect(&admin, model, rows).await?;
        Ok(confirmation(&admin, &req, model, &batches, None))
    }
    .await;
    respond(&admin, &req, result)
}

pub(super) async fn delete(
    admin: web::Data<Admin>,
    req: HttpRequest,
    slug: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let result = async {
        let model = admin.model_or_404(&slug)?;
        let (_, ids) = posted_form(&body);
        let rows = selected(&admin, &req, model, &ids).await?;
        if rows.is_empty() {
            return Ok(nothing_selected(&admin, &req, model));
        }
        let selected = rows.len();
        let batches = cascade::collect(&admin, model, rows).await?;
        let deleted = match cascade::delete(&admin, &batches).await {
            Ok(deleted) => deleted,
            Err(Error::Invalid(invalid)) => {
                let message = crate::admin::form::sentence(&invalid.to_string());
                return Ok(confirmation(&admin, &req, model, &batches, Some(message)));
            }
            Err(error) => return Err(error),
        };
        let plural = |n: u64| if n == 1 { "" } else { "s" };
        let mut message = format!(
            "Deleted {selected} {}{}.",
            model.name.to_lowercase(),
            plural(selected as u64)
        );
        let others = deleted.saturating_sub(selected as u64);
        if others > 0 {
            message.push_str(&format!(
                " {others} related row{} went with them.",
                plural(others)
            ));
        }
        notice(&req, Level::Success, message);
        Ok(see_other(&admin.model_url(model)))
    }
    .await;
    respond(&admin, &req, result)
}
