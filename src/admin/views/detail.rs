//! `/admin/<model>/<pk>/` for a user who may view the row but not change it: its values,
//! with links to the related rows they may view, and no form.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use tera::Context;

use super::urlencode;
use crate::admin::Admin;
use crate::admin::erased::AdminModel;
use crate::admin::form::{human, related_title};
use crate::orm::{Record, value};
use crate::{Context as Caller, Error, Perm};

#[derive(Serialize)]
struct Shown {
    name: String,
    label: String,
    value: String,
    /// The related row's name, for a foreign key the caller may view.
    title: String,
    /// The related row's page, for a foreign key the caller may view.
    url: String,
}

/// The read-only page of `record`.
pub(super) async fn page(
    admin: &Admin,
    req: &HttpRequest,
    model: &AdminModel,
    ctx: &Caller,
    record: &Record,
) -> Result<HttpResponse, Error> {
    let info = model.info();
    let mut fields = Vec::new();
    let names = info
        .columns
        .iter()
        .filter(|c| c.primary_key || model.settings.form_fields.contains(&c.name))
        .filter(|c| !model.settings.is_secret(&c.name));
    for column in names {
        let stored = record.get(info, &column.name);
        let mut shown = Shown {
            name: column.name.clone(),
            label: human(&column.name),
            value: stored.map(value::to_text).unwrap_or_default(),
            title: String::new(),
            url: String::new(),
        };
        if let (Some(fk), Some(stored)) = (&column.foreign_key, stored)
            && admin.may_view(ctx, &fk.table).await
            && let Some(title) = related_title(admin, ctx, &fk.table, &fk.column, stored).await?
        {
            shown.title = title;
            shown.url = format!(
                "{}/{}/{}/",
                admin.prefix(),
                fk.table,
                urlencode(&shown.value)
            );
        }
        fields.push(shown);
    }
    let base = admin.model_url(model);
    let pk = model.pk_text(record);
    let deletable = model.permits(ctx, Perm::Delete, Some(record)).await;
    let mut context = Context::new();
    context.insert("model_name", &model.name);
    context.insert("list_url", &base);
    context.insert("title", &model.title(record));
    context.insert("fields", &fields);
    context.insert(
        "delete_url",
        &if deletable {
            format!("{base}delete/?id={}", urlencode(&pk))
        } else {
            String::new()
        },
    );
    admin
        .render(req, StatusCode::OK, "admin/detail.html", context)
        .await
}
