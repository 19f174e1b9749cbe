//! `/admin/<model>/lookup/?q=&page=`: the JSON behind foreign-key search boxes, a page at a
//! time, so a large table never renders into a form.

use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use sea_orm::DatabaseExecutor;
use sea_orm::sea_query::ExprTrait;
use serde_json::json;

use super::list::list_query;
use super::{param, query_pairs};
use crate::Error;
use crate::Perm;
use crate::admin::Admin;
use crate::orm::{Window, column_expr, page_number, value};

/// Results per lookup page.
const PAGE: u64 = 20;

pub(super) async fn lookup(
    admin: web::Data<Admin>,
    req: HttpRequest,
    slug: web::Path<String>,
) -> HttpResponse {
    match results(&admin, &req, &slug).await {
        Ok(body) => HttpResponse::Ok().json(body),
        Err(error) => error.error_response(),
    }
}

async fn results(admin: &Admin, req: &HttpRequest, slug: &str) -> Result<serde_json::Value, Error> {
    let model = admin.model_or_404(slug)?;
    let ctx = admin.context(req);
    model
        .hooks
        .gate(&ctx, Perm::View, model.info(), None)
        .await?;
    let params = query_pairs(req);
    let get = |key: &str| param(&params, key);
    let text = get("q").unwrap_or("").trim().to_owned();
    let info = model.info();
    let query = if model.settings.search_fields.is_empty() {
        let mut query = list_query(admin, model, &ctx, &[]).await?;
        if !text.is_empty() {
            let key = value::from_str(info.pk_column(), &text)
                .map_err(|e| Error::BadRequest(e.to_string()))?;
            query.and(
                sea_orm::Condition::all()
                    .add(column_expr(&info.table, &info.pk_column().name).eq(key)),
            );
        }
        query
    } else {
        list_query(admin, model, &ctx, &[("q".to_owned(), text)]).await?
    };
    let page = page_number(get("page"));
    let db = DatabaseExecutor::from(admin.db());
    let window = Window {
        offset: (page - 1).saturating_mul(PAGE),
        limit: Some(PAGE + 1),
    };
    let mut rows = model.model.list(&db, &query, window).await?;
    let more = rows.len() as u64 > PAGE;
    rows.truncate(PAGE as usize);
    let results: Vec<serde_json::Value> = rows
        .iter()
        .map(|row| json!({ "id": model.pk_text(row), "text": model.title(row) }))
        .collect();
    Ok(json!({ "results": results, "more": more, "page": page }))
}
