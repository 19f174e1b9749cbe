//! POST `/admin/<model>/`: the bulk actions of the list page, built in (delete and export,
//! sent on to their pages) and custom.

use actix_web::{HttpRequest, HttpResponse, ResponseError, web};

use super::edit::fetch_many;
use super::list::url_with;
use super::{notice, posted_form, see_other};
use crate::Error;
use crate::Perm;
use crate::admin::Admin;
use crate::admin::erased::AdminModel;
use crate::auth::{Level, safe_next};
use crate::orm::{lock, value};

/// POST `/admin/<model>/`: a bulk action on the checked rows.
pub(super) async fn action(
    admin: web::Data<Admin>,
    req: HttpRequest,
    slug: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, Error> {
    let (admin, req) = (admin.get_ref(), &req);
    let model = admin.model_or_404(&slug)?;
    let base = admin.model_url(model);
    let (form, ids) = posted_form(&body);
    // `next` becomes a `Location` header: only a safe path within this model's pages.
    let back = form
        .get("next")
        .and_then(|next| safe_next(next))
        .filter(|next| next.starts_with(&base))
        .map_or_else(|| base.clone(), str::to_owned);
    if ids.is_empty() {
        notice(req, Level::Info, "Select one or more rows first.");
        return Ok(see_other(&back));
    }
    let pk_name = &model.info().pk_column().name;
    if ids
        .iter()
        .any(|id| value::from_str(model.info().pk_column(), id).is_err())
    {
        notice(req, Level::Error, "The selection contains an invalid key.");
        return Ok(see_other(&back));
    }
    let list = |params: &[(&str, &str)]| url_with("", &[], &[], params);
    let id_pairs: Vec<(&str, &str)> = ids.iter().map(|id| ("id", id.as_str())).collect();
    let joined = ids.join(",");
    let in_key = format!("{pk_name}__in");
    match form.get("action").map(String::as_str).unwrap_or("") {
        "delete" => Ok(see_other(&format!("{base}delete/{}", list(&id_pairs)))),
        "export_csv" => Ok(see_other(&format!(
            "{base}export/{}",
            list(&[("format", "csv"), (&in_key, &joined)])
        ))),
        "export_json" => Ok(see_other(&format!(
            "{base}export/{}",
            list(&[("format", "json"), (&in_key, &joined)])
        ))),
        name => {
            let actions = &model.settings.actions;
            let Some(index) = actions.iter().position(|(n, _)| n == name) else {
                notice(req, Level::Error, "Choose an action.");
                return Ok(see_other(&back));
            };
            match custom_action(admin, req, model, index, &ids).await {
                Ok(message) => notice(req, Level::Success, message),
                Err(error @ Error::Forbidden(_)) => return Err(error),
                Err(error) if error.status_code().is_client_error() => {
                    notice(req, Level::Error, error.to_string());
                }
                Err(error) => return Err(error),
            }
            Ok(see_other(&back))
        }
    }
}

/// Runs custom action number `index` on the checked rows within `get_query`, each allowed by
/// the permission hook the action names, in one transaction.
async fn custom_action(
    admin: &Admin,
    req: &HttpRequest,
    model: &AdminModel,
    index: usize,
    ids: &[String],
) -> Result<String, Error> {
    let ctx = admin.context(req);
    let rows = fetch_many(admin, model, &ctx, ids).await?;
    let permission = model.settings.action_permissions[index];
    model
        .hooks
        .gate(&ctx, Perm::View, model.info(), None)
        .await?;
    for row in &rows {
        let row = (permission != Perm::Add).then_some(row);
        model
            .hooks
            .gate(&ctx, permission, model.info(), row)
            .await?;
    }
    let txn = lock::begin_write(admin.db()).await?;
    let message = model.action(index, &ctx, &txn, &rows).await?;
    txn.commit().await?;
    Ok(message)
}
