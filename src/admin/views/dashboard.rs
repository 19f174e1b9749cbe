//! `/admin/`: the panels in registration order, the viewer's recent actions, then every model
//! with its row count.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use tera::Context;

use crate::admin::Admin;
use crate::orm::Query;
use crate::{Error, Perm};

#[derive(Serialize)]
struct PanelCard {
    title: String,
    slug: String,
    html: String,
}

#[derive(Serialize)]
struct ModelRow {
    name: String,
    url: String,
    count: String,
    /// Whether the caller may add rows (the Add link).
    addable: bool,
}

pub(super) async fn show(admin: web::Data<Admin>, req: HttpRequest) -> Result<HttpResponse, Error> {
    let (admin, req) = (admin.get_ref(), &req);
    let csrf = crate::auth::csrf_token(&actix_session::SessionExt::get_session(req));
    let ctx = admin.context(req);
    let mut panels = Vec::new();
    // Panels are for admins (their routes are too).
    let shown_panels = if ctx.is_admin() {
        admin.inner.panels.as_slice()
    } else {
        &[]
    };
    for entry in shown_panels {
        let data = entry.panel.context(&ctx, admin.db()).await?;
        let mut context = Context::from_value(data).map_err(|e| {
            Error::internal(anyhow::Error::new(e).context(format!("panel `{}`", entry.slug)))
        })?;
        context.insert("panel_url", &format!("{}/{}/", admin.prefix(), entry.slug));
        context.insert("csrf_token", &csrf);
        panels.push(PanelCard {
            title: entry.title.clone(),
            slug: entry.slug.clone(),
            html: admin
                .inner
                .templates
                .render(&entry.template_name(), &context)?,
        });
    }
    let mut models = Vec::new();
    for model in admin.viewable(&ctx).await {
        let mut query = Query::everything(model.info());
        query.and(model.hooks.get_query(&ctx));
        models.push(ModelRow {
            name: model.name.clone(),
            url: admin.model_url(model),
            count: super::count::shown(
                admin,
                model,
                super::count::capped(admin, model, &query).await?,
            ),
            addable: model.permits(&ctx, Perm::Add, None).await,
        });
    }
    let mut context = Context::new();
    context.insert("recent", &super::history::recent(admin, &ctx).await?);
    context.insert("panels", &panels);
    context.insert("models", &models);
    admin
        .render(req, StatusCode::OK, "admin/dashboard.html", context)
        .await
}
