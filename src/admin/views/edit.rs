//! `/admin/<model>/add/` and `/admin/<model>/<pk>/`: the generated forms and their saves.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{Condition, DatabaseExecutor};
use tera::Context;

use super::many::{self, Picked};
use super::save::save;
use super::urlencode;
use crate::Perm;
use crate::admin::Admin;
use crate::admin::erased::AdminModel;
use crate::admin::form::{self, Source};
use crate::admin::version::{self, Changed};
use crate::auth::admin_users;
use crate::orm::{Query, Record, Window, column_expr, value};
use crate::{Context as Caller, Error};

pub(super) async fn add_form(
    admin: web::Data<Admin>,
    req: HttpRequest,
    slug: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let model = admin.model_or_404(&slug)?;
    let ctx = admin.context(&req);
    model
        .hooks
        .gate(&ctx, Perm::Add, model.info(), None)
        .await?;
    let defaults = model.model.defaults();
    page(
        &admin,
        &req,
        model,
        None,
        Source::Defaults(&defaults),
        HashMap::new(),
        Notes::default(),
    )
    .await
}

pub(super) async fn edit_form(
    admin: web::Data<Admin>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Error> {
    let (slug, pk) = path.into_inner();
    let model = admin.model_or_404(&slug)?;
    let ctx = admin.context(&req);
    let record = fetch(&admin, model, &ctx, &pk).await?;
    let row = Some(&record);
    model
        .hooks
        .gate(&ctx, Perm::View, model.info(), row)
        .await?;
    match model
        .hooks
        .gate(&ctx, Perm::Change, model.info(), row)
        .await
    {
        Ok(()) => {}
        // A refusal without a reason is "no change permission", and an admin user is out of
        // a staff user's reach: both show the row read-only. Another refusal with a reason is
        // a row rule, answered 403 with it.
        Err(Error::Forbidden(refusal))
            if refusal
                .reason()
                .is_none_or(|reason| reason == admin_users::ADMIN_USER) =>
        {
            return super::detail::page(&admin, &req, model, &ctx, &record).await;
        }
        Err(error) => return Err(error),
    }
    page(
        &admin,
        &req,
        model,
        Some(&record),
        Source::Stored,
        HashMap::new(),
        Notes::default(),
    )
    .await
}

pub(super) async fn add(
    admin: web::Data<Admin>,
    req: HttpRequest,
    slug: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, Error> {
    let model = admin.model_or_404(&slug)?;
    let ctx = admin.context(&req);
    model
        .hooks
        .gate(&ctx, Perm::Add, model.info(), None)
        .await?;
    save(&admin, &req, &ctx, model, None, &body).await
}

pub(super) async fn edit(
    admin: web::Data<Admin>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, Error> {
    let (slug, pk) = path.into_inner();
    let model = admin.model_or_404(&slug)?;
    let ctx = admin.context(&req);
    let record = fetch(&admin, model, &ctx, &pk).await?;
    let row = Some(&record);
    model
        .hooks
        .gate(&ctx, Perm::Change, model.info(), row)
        .await?;
    save(&admin, &req, &ctx, model, row, &body).await
}

/// The rows with these primary keys (as text) within the admin's `get_query` for `ctx`, in
/// key order; ids that are not valid keys are skipped.
pub(super) async fn fetch_many(
    admin: &Admin,
    model: &AdminModel,
    ctx: &Caller,
    ids: &[String],
) -> Result<Vec<Record>, Error> {
    fetch_many_on(&DatabaseExecutor::from(admin.db()), model, ctx, ids).await
}

/// [`fetch_many`] on `db` (a write's transaction).
pub(super) async fn fetch_many_on(
    db: &DatabaseExecutor<'_>,
    model: &AdminModel,
    ctx: &Caller,
    ids: &[String],
) -> Result<Vec<Record>, Error> {
    let info = model.info();
    let keys: Vec<sea_orm::Value> = ids
        .iter()
        .take(1000)
        .filter_map(|id| value::from_str(info.pk_column(), id).ok())
        .collect();
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = Query::everything(info);
    query.and(model.hooks.get_query(ctx));
    let pk = column_expr(&info.table, &info.pk_column().name);
    query.and(Condition::all().add(pk.is_in(keys)));
    Ok(model.model.list(db, &query, Window::default()).await?)
}

/// The row with primary key `pk` (as text) within the admin's `get_query`; 404 otherwise.
pub(super) async fn fetch(
    admin: &Admin,
    model: &AdminModel,
    ctx: &Caller,
    pk: &str,
) -> Result<Record, Error> {
    fetch_many(admin, model, ctx, &[pk.to_owned()])
        .await?
        .pop()
        .ok_or(Error::NotFound)
}

/// What a form says besides the errors beside its fields: a message at the top and, over a
/// row changed since the form was shown, the stored values of the fields that changed.
#[derive(Default)]
pub(super) struct Notes {
    pub(super) form_error: Option<String>,
    pub(super) meanwhile: Vec<Changed>,
    /// The many-to-many keys a post shown again chose.
    pub(super) picked: Picked,
    /// A post shown again carries the version of the row as stored now (after a conflict),
    /// not the one it was posted with.
    pub(super) fresh_version: bool,
}

pub(super) async fn page(
    admin: &Admin,
    req: &HttpRequest,
    model: &AdminModel,
    record: Option<&Record>,
    source: Source<'_>,
    errors: HashMap<String, String>,
    notes: Notes,
) -> Result<HttpResponse, Error> {
    let Notes {
        form_error,
        meanwhile,
        picked,
        fresh_version,
    } = notes;
    let kept = match source {
        Source::Posted(posted) if !fresh_version => version::posted_inputs(posted),
        _ => None,
    };
    let base = admin.model_url(model);
    let mut context = Context::new();
    context.insert("model_name", &model.name);
    context.insert("list_url", &base);
    context.insert(
        "fieldsets",
        &form::fieldsets(admin, model, &admin.context(req), source, record, &errors).await?,
    );
    context.insert("form_error", &form_error);
    context.insert("has_errors", &(!errors.is_empty()));
    context.insert("meanwhile", &meanwhile);
    let hidden = match (kept, record) {
        (Some(kept), Some(_)) => kept,
        (_, Some(record)) => {
            let db = DatabaseExecutor::from(admin.db());
            let links = many::linked(&db, model, record).await?;
            version::inputs(model, record, version::of(record, &links))
        }
        (_, None) => Vec::new(),
    };
    context.insert("hidden", &hidden);
    let ctx = admin.context(req);
    let links = many::shown(admin, model, &ctx, record, &picked, &errors).await?;
    context.insert("many", &links);
    match record {
        Some(record) => {
            let pk = model.pk_text(record);
            context.insert("title", &model.title(record));
            context.insert("action_url", &format!("{base}{pk}/"));
            let deletable = model.permits(&ctx, Perm::Delete, Some(record)).await;
            let delete_url = format!("{base}delete/?id={}", urlencode(&pk));
            context.insert(
                "delete_url",
                if deletable { delete_url.as_str() } else { "" },
            );
            context.insert("history_url", &format!("{base}{pk}/history/"));
        }
        None => {
            context.insert("title", &format!("Add {}", model.name.to_lowercase()));
            context.insert("action_url", &format!("{base}add/"));
            context.insert("delete_url", "");
            context.insert("history_url", "");
        }
    }
    context.insert("addable", &model.permits(&ctx, Perm::Add, None).await);
    admin
        .render(req, StatusCode::OK, "admin/form.html", context)
        .await
}
