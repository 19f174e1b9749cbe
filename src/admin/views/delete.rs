//! `/admin/<model>/delete/?id=1&id=2`: GET lists everything that goes, POST deletes it all in
//! one transaction, unless a listed row changed in between (see `admin::version`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use sea_orm::{DatabaseExecutor, DatabaseTransaction};
use serde::Serialize;
use tera::Context;

use super::edit::fetch_many_on;
use super::{notice, posted_form, query_pairs, see_other};
use crate::admin::Admin;
use crate::admin::cascade::{self, Batch};
use crate::admin::erased::AdminModel;
use crate::admin::version;
use crate::auth::Level;
use crate::orm::{Record, lock};
use crate::{Context as Caller, Error, Perm};

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
    /// Rows the caller may not view: counted, not listed.
    hidden: usize,
}

fn nothing_selected(admin: &Admin, req: &HttpRequest, model: &AdminModel) -> HttpResponse {
    notice(
        req,
        Level::Info,
        "Nothing to delete: no rows were selected.",
    );
    see_other(&admin.model_url(model))
}

/// What the page lists of each model: up to [`MAX_LISTED`] rows `ctx` may view, each linked
/// to its page; the others only counted.
async fn groups(admin: &Admin, ctx: &Caller, batches: &[Batch<'_>]) -> Vec<Group> {
    let mut groups = Vec::with_capacity(batches.len());
    for batch in batches {
        let mut rows = Vec::new();
        let mut hidden = 0;
        for row in &batch.rows {
            if rows.len() == MAX_LISTED {
                break;
            }
            if !batch.model.permits(ctx, Perm::View, Some(row)).await {
                hidden += 1;
            } else {
                rows.push(Listed {
                    title: batch.model.title(row),
                    url: format!(
                        "{}{}/",
                        admin.model_url(batch.model),
                        batch.model.pk_text(row)
                    ),
                });
            }
        }
        groups.push(Group {
            name: batch.model.name.clone(),
            count: batch.rows.len(),
            more: batch.rows.len() - hidden - rows.len(),
            hidden,
            rows,
        });
    }
    groups
}

/// Why a delete that takes rows of the `forbidden` models with it is refused.
fn forbidden_message(forbidden: &[String]) -> String {
    format!(
        "Deleting these rows would also delete rows you may not delete ({}), so it cannot \
         be done here. Ask someone who may delete those rows.",
        forbidden.join(", ")
    )
}

/// The selected rows within `get_query`, each allowed by `has_delete_permission`, read on
/// `db`.
async fn selected(
    admin: &Admin,
    req: &HttpRequest,
    db: &DatabaseExecutor<'_>,
    model: &AdminModel,
    ids: &[String],
) -> Result<Vec<Record>, Error> {
    let ctx = admin.context(req);
    let rows = fetch_many_on(db, model, &ctx, ids).await?;
    for row in &rows {
        model
            .hooks
            .gate(&ctx, Perm::Delete, model.info(), Some(row))
            .await?;
    }
    Ok(rows)
}

/// The confirmation page, with `error` when a delete was just refused; without its button,
/// and saying why, when the delete takes rows of the `forbidden` models.
async fn confirmation(
    admin: &Admin,
    req: &HttpRequest,
    model: &AdminModel,
    batches: &[Batch<'_>],
    forbidden: &[String],
    mut error: Option<String>,
) -> Result<HttpResponse, Error> {
    let ctx = admin.context(req);
    if !forbidden.is_empty() {
        error = Some(forbidden_message(forbidden));
    }
    let ids: Vec<String> = batches
        .first()
        .map(|b| b.rows.iter().map(|row| model.pk_text(row)).collect())
        .unwrap_or_default();
    let mut context = Context::new();
    context.insert("model_name", &model.name);
    context.insert("list_url", &admin.model_url(model));
    context.insert("ids", &ids);
    context.insert("groups", &groups(admin, &ctx, batches).await);
    context.insert("may_delete", &forbidden.is_empty());
    context.insert(
        "total",
        &batches.iter().map(|b| b.rows.len()).sum::<usize>(),
    );
    context.insert("error", &error);
    context.insert("versions", &version::of_batches(batches));
    admin
        .render(req, StatusCode::OK, "admin/delete.html", context)
        .await
}

pub(super) async fn confirm(
    admin: web::Data<Admin>,
    req: HttpRequest,
    slug: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let model = admin.model_or_404(&slug)?;
    let ids: Vec<String> = query_pairs(&req)
        .into_iter()
        .filter(|(k, _)| k == "id")
        .map(|(_, v)| v)
        .collect();
    let db = DatabaseExecutor::from(admin.db());
    let rows = selected(&admin, &req, &db, model, &ids).await?;
    if rows.is_empty() {
        return Ok(nothing_selected(&admin, &req, model));
    }
    let batches = cascade::collect(&admin, &db, model, rows).await?;
    let forbidden = cascade::forbidden(&admin.context(&req), &batches).await;
    confirmation(&admin, &req, model, &batches, &forbidden, None).await
}

pub(super) async fn delete(
    admin: web::Data<Admin>,
    req: HttpRequest,
    slug: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, Error> {
    let model = admin.model_or_404(&slug)?;
    // The selected rows are locked, then read with what goes with them and compared with
    // the versions the confirmation showed, in the delete's own transaction.
    let txn = lock::begin_write(admin.db()).await?;
    let outcome = match delete_in(&admin, &req, &txn, model, &body).await {
        Ok(Outcome::Deleted { selected, deleted }) => {
            txn.commit().await?;
            return Ok(deleted_notice(&admin, &req, model, selected, deleted));
        }
        other => other,
    };
    // A failed rollback ends the connection, which the database rolls back itself.
    txn.rollback().await.ok();
    match outcome? {
        Outcome::Refused(page) => Ok(page),
        Outcome::Nothing | Outcome::Deleted { .. } => Ok(nothing_selected(&admin, &req, model)),
    }
}

/// What a posted delete came to in its transaction.
enum Outcome {
    /// `selected` rows and `deleted` in all went; to be committed.
    Deleted { selected: usize, deleted: u64 },
    /// No row was selected, or none is left.
    Nothing,
    /// The confirmation page again, saying why nothing was deleted.
    Refused(HttpResponse),
}

/// The delete of the posted rows on `txn`, unless a row changed since the confirmation or
/// the entity refused.
async fn delete_in(
    admin: &Admin,
    req: &HttpRequest,
    txn: &DatabaseTransaction,
    model: &AdminModel,
    body: &[u8],
) -> Result<Outcome, Error> {
    let (_, ids) = posted_form(body);
    let expected = version::posted(body);
    let db = DatabaseExecutor::from(txn);
    if !expected.is_empty() {
        version::lock(&db, model, version::keys(model, &ids)).await?;
    }
    let rows = selected(admin, req, &db, model, &ids).await?;
    if rows.is_empty() {
        return Ok(Outcome::Nothing);
    }
    let selected = rows.len();
    let batches = cascade::collect(admin, &db, model, rows).await?;
    let ctx = admin.context(req);
    let forbidden = cascade::forbidden(&ctx, &batches).await;
    if !forbidden.is_empty() {
        let page = confirmation(admin, req, model, &batches, &forbidden, None).await?;
        return Ok(Outcome::Refused(with_status(page, StatusCode::FORBIDDEN)));
    }
    if !expected.is_empty() && expected != version::of_batches(&batches) {
        let message = "These rows changed since this page was shown, so nothing was deleted. \
                       Check what goes now and confirm again.";
        let page = confirmation(admin, req, model, &batches, &[], Some(message.to_owned())).await?;
        return Ok(Outcome::Refused(with_status(page, StatusCode::CONFLICT)));
    }
    match cascade::delete(txn, &ctx, &batches).await {
        Ok(deleted) => Ok(Outcome::Deleted { selected, deleted }),
        Err(Error::Invalid(invalid)) => {
            let message = crate::admin::form::sentence(&invalid.to_string());
            let page = confirmation(admin, req, model, &batches, &[], Some(message)).await?;
            Ok(Outcome::Refused(page))
        }
        Err(error) => Err(error),
    }
}

fn with_status(mut page: HttpResponse, status: StatusCode) -> HttpResponse {
    *page.status_mut() = status;
    page
}

/// The list again, with what went.
fn deleted_notice(
    admin: &Admin,
    req: &HttpRequest,
    model: &AdminModel,
    selected: usize,
    deleted: u64,
) -> HttpResponse {
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
    notice(req, Level::Success, message);
    see_other(&admin.model_url(model))
}
