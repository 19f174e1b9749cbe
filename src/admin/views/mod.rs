//! The admin's routes, one module per page, and what every page shares.

mod action;
mod count;
mod dashboard;
mod delete;
mod detail;
mod edit;
mod export;
mod group;
mod history;
mod list;
mod lookup;
mod many;
mod save;
mod versioned;

use std::collections::HashMap;

use actix_session::SessionExt;
use actix_web::dev::{AppService, HttpServiceFactory};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use tera::Context;

use super::Admin;
use super::erased::AdminModel;
use crate::Error;
use crate::auth::{
    CsrfProtect, Level, admin_required, csrf_token, flash, staff_required, take_flashes,
};
use crate::auth::{redirect as found, see_other};

impl HttpServiceFactory for Admin {
    fn register(self, config: &mut AppService) {
        let admin = self.clone();
        let mut scope = web::scope(&self.inner.prefix)
            .app_data(web::Data::new(self.clone()))
            .wrap(from_fn(crate::error::pages::<Admin, _>))
            .wrap(CsrfProtect)
            .wrap(from_fn(staff_required))
            .wrap(DefaultHeaders::new().add((header::CACHE_CONTROL, "no-store")))
            .route("/", web::get().to(dashboard::show));
        for panel in &admin.inner.panels {
            // Panels show site-wide data and act on it: admins only, as before staff existed.
            scope = scope.service(
                web::scope(&format!("/{}", panel.slug))
                    .wrap(from_fn(admin_required))
                    .configure(|c| panel.panel.routes(c)),
            );
        }
        scope
            .service(
                web::scope("/group")
                    .wrap(from_fn(admin_required))
                    .configure(group::routes),
            )
            .service(
                web::resource("/{model}/")
                    .route(web::get().to(list::show))
                    .route(web::post().to(action::action)),
            )
            .service(
                web::resource("/{model}/add/")
                    .route(web::get().to(edit::add_form))
                    .route(web::post().to(edit::add)),
            )
            .route("/{model}/export/", web::get().to(export::export))
            .route("/{model}/lookup/", web::get().to(lookup::lookup))
            .service(
                web::resource("/{model}/delete/")
                    .route(web::get().to(delete::confirm))
                    .route(web::post().to(delete::delete)),
            )
            .route("/{model}/{pk}/history/", web::get().to(history::show))
            .service(
                web::resource("/{model}/{pk}/")
                    .route(web::get().to(edit::edit_form))
                    .route(web::post().to(edit::edit)),
            )
            .default_service(web::to(not_found))
            .register(config);
    }
}

async fn not_found() -> Result<HttpResponse, Error> {
    Err(Error::NotFound)
}

#[derive(Serialize)]
struct NavModel<'a> {
    slug: &'a str,
    name: &'a str,
    url: String,
}

impl Admin {
    fn model_or_404(&self, slug: &str) -> Result<&AdminModel, Error> {
        self.model(slug).ok_or(Error::NotFound)
    }

    /// Who asks through the admin (channel `admin`): what the hooks see, and what a panel's
    /// own handler gives [`Transaction::begin`](crate::audit::Transaction::begin) so that its
    /// writes are recorded as the admin's.
    pub fn context(&self, req: &HttpRequest) -> crate::Context {
        let user = crate::auth::resolved_user(req);
        self.inner.auth.context(req, user, crate::Channel::Admin)
    }

    fn model_url(&self, model: &AdminModel) -> String {
        format!("{}/{}/", self.inner.prefix, model.slug())
    }

    /// Renders an admin page: the template's own context plus what the layout needs, with
    /// the navigation listing the models [`Admin::viewable`] gives.
    async fn render(
        &self,
        req: &HttpRequest,
        status: StatusCode,
        template: &str,
        mut context: Context,
    ) -> Result<HttpResponse, Error> {
        let session = req.get_session();
        let user = crate::auth::resolved_user(req);
        context.insert("branding", &self.inner.branding);
        context.insert("static_url", crate::assets::STATIC_PREFIX);
        context.insert("home_url", &format!("{}/", self.inner.prefix));
        context.insert("admin_url", &self.inner.prefix);
        context.insert("logout_url", &self.inner.auth.logout_url());
        context.insert("password_url", &self.inner.auth.password_url());
        context.insert("csrf_token", &csrf_token(&session));
        context.insert("flashes", &take_flashes(&session));
        context.insert("username", &user.as_ref().map(|u| u.username().to_owned()));
        let nav: Vec<NavModel> = self
            .viewable(&self.context(req))
            .await
            .into_iter()
            .map(|m| NavModel {
                slug: m.slug(),
                name: &m.name,
                url: self.model_url(m),
            })
            .collect();
        context.insert("nav_models", &nav);
        let groups_url = format!("{}/group/", self.inner.prefix);
        let is_admin = crate::auth::resolved_user(req).is_some_and(|u| u.is_admin());
        context.insert("groups_url", &is_admin.then_some(groups_url));
        let html = self.inner.templates.render(template, &context)?;
        Ok(HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(html))
    }
}

impl crate::error::ErrorPage for Admin {
    fn error_page(&self, status: StatusCode, message: &str) -> Result<String, Error> {
        let mut context = crate::error::page_context(status, message, &self.inner.branding);
        context.insert("home_url", &format!("{}/", self.inner.prefix));
        context.insert("admin_url", &self.inner.prefix);
        self.inner.templates.render("admin/error.html", &context)
    }
}

/// Queues a flash message for the next page.
fn notice(req: &HttpRequest, level: Level, text: impl Into<String>) {
    flash(&req.get_session(), level, text);
}

/// The query string as pairs, in order.
fn query_pairs(req: &HttpRequest) -> Vec<(String, String)> {
    form_urlencoded::parse(req.query_string().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The last value of query parameter `key`.
fn param<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// A posted form as a map (the last value of a repeated name wins) and the repeated `id`s.
fn posted_form(body: &[u8]) -> (HashMap<String, String>, Vec<String>) {
    let mut map = HashMap::new();
    let mut ids = Vec::new();
    for (key, value) in form_urlencoded::parse(body) {
        if key == "id" {
            ids.push(value.clone().into_owned());
        }
        map.insert(key.into_owned(), value.into_owned());
    }
    (map, ids)
}

/// `text` percent-encoded for a URL path segment or query value.
fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
