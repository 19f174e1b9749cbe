//! `/admin/group/`: groups and the model permissions they grant, for admins only. Each form
//! has `name` and a checkbox `permissions` valued `<model>.<action>` per registered model and
//! action; the edit form carries the group's version in `_version` (a save over a change made
//! since is a 409) and links to the group's entries in the audit trail.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use sea_orm::{EntityTrait, Value};
use serde::Serialize;
use tera::Context;

use super::{notice, see_other};
use crate::admin::{Admin, version};
use crate::audit::Transaction;
use crate::auth::{CurrentUser, Level};
use crate::orm::{Binding, lock, token};
use crate::{Error, Perm, groups};

/// The longest group name, in characters (the column's length).
const NAME_CHARS: usize = 150;

#[derive(Serialize)]
struct Row {
    id: i64,
    name: String,
    permissions: String,
}

#[derive(Serialize)]
struct Boxes {
    name: String,
    boxes: Vec<Tick>,
}

/// One model and action: a checkbox when the permission is offered, an empty cell when not.
#[derive(Serialize)]
struct Tick {
    value: String,
    offered: bool,
    checked: bool,
}

/// The routes under `/admin/group/`.
pub(super) fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/", web::get().to(list))
        .service(
            web::resource("/add/")
                .route(web::get().to(add_form))
                .route(web::post().to(add)),
        )
        .service(
            web::resource("/{id}/")
                .route(web::get().to(edit_form))
                .route(web::post().to(edit)),
        )
        .route("/{id}/delete/", web::post().to(delete));
}

async fn list(admin: web::Data<Admin>, req: HttpRequest) -> Result<HttpResponse, Error> {
    let mut rows = Vec::new();
    for group in groups::all(admin.db()).await? {
        let granted = groups::permissions_of_group(admin.db(), group.id).await?;
        rows.push(Row {
            id: group.id,
            name: group.name,
            permissions: granted.join(", "),
        });
    }
    let mut context = Context::new();
    context.insert("groups", &rows);
    admin
        .render(&req, StatusCode::OK, "admin/groups.html", context)
        .await
}

/// The group `id` of the path; 404 when there is none.
async fn group_of(admin: &Admin, id: &str) -> Result<groups::group::Model, Error> {
    let id: i64 = id.parse().map_err(|_| Error::NotFound)?;
    groups::group::Entity::find_by_id(id)
        .one(admin.db())
        .await?
        .ok_or(Error::NotFound)
}

async fn add_form(admin: web::Data<Admin>, req: HttpRequest) -> Result<HttpResponse, Error> {
    let shown = Shown {
        id: None,
        version: None,
        name: "",
        granted: &[],
    };
    form_page(&admin, &req, &shown, None, None).await
}

async fn edit_form(
    admin: web::Data<Admin>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let group = group_of(&admin, &id).await?;
    let granted = groups::permissions_of_group(admin.db(), group.id).await?;
    let shown = Shown {
        id: Some(group.id),
        version: Some(version(&group.name, &granted)),
        name: &group.name,
        granted: &granted,
    };
    form_page(&admin, &req, &shown, None, None).await
}

/// What a group form shows: the group (`None` on the add form) with its version (see
/// `admin::version`), its name and the permissions ticked.
struct Shown<'a> {
    id: Option<i64>,
    version: Option<String>,
    name: &'a str,
    granted: &'a [String],
}

/// The version of a group as stored: its name and the permissions it grants (sorted). A save
/// posted with another version than the stored one is refused (409), as a model's edit form
/// is, so that two admins editing one group cannot undo each other's grants unseen.
fn version(name: &str, granted: &[String]) -> String {
    let mut parts = vec![Value::from(name)];
    parts.extend(granted.iter().map(|p| Value::from(p.as_str())));
    token::of(&parts)
}

async fn add(
    admin: web::Data<Admin>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, Error> {
    save(&admin, &req, None, &body).await
}

async fn edit(
    admin: web::Data<Admin>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, Error> {
    let group = group_of(&admin, &id).await?;
    save(&admin, &req, Some(group), &body).await
}

async fn delete(
    admin: web::Data<Admin>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let group = group_of(&admin, &id).await?;
    let txn = Transaction::begin(admin.db(), &admin.context(&req)).await?;
    groups::delete(&txn, group.id).await?;
    txn.commit().await?;
    notice(
        &req,
        Level::Success,
        format!("The group “{}” was deleted.", group.name),
    );
    Ok(see_other(&format!("{}/group/", admin.prefix())))
}

/// Every permission the form offers: each registered model with each action its
/// `ModelAdmin` lets a staff user holding that permission take (asked of the request `ctx`
/// made by such a user). A permission that grants nothing, as a change of the audit trail or
/// its reading (for admins only), is not offered.
async fn offered(admin: &Admin, ctx: &crate::Context) -> Vec<String> {
    let mut offered = Vec::new();
    for model in &admin.inner.models {
        for perm in Perm::ALL {
            let permission = perm.on(model.slug());
            let holder = CurrentUser::new(0, "", false).with_permissions([permission.clone()]);
            let staff = ctx.clone().with_user(Some(holder));
            if model.permits(&staff, perm, None).await {
                offered.push(permission);
            }
        }
    }
    offered
}

async fn save(
    admin: &Admin,
    req: &HttpRequest,
    group: Option<groups::group::Model>,
    body: &[u8],
) -> Result<HttpResponse, Error> {
    let mut name = String::new();
    let mut permissions = Vec::new();
    let mut posted_version = None;
    for (key, value) in form_urlencoded::parse(body) {
        match &*key {
            "name" => name = value.trim().to_owned(),
            "permissions" => permissions.push(value.into_owned()),
            version::VERSION => posted_version = Some(value.into_owned()),
            _ => {}
        }
    }
    let id = group.as_ref().map(|g| g.id);
    let offered = offered(admin, &admin.context(req)).await;
    let shown = Shown {
        id,
        version: posted_version.clone(),
        name: &name,
        granted: &permissions,
    };
    let show_again = |name_error: Option<&'static str>, form_error: Option<String>| {
        let shown = &shown;
        async move { form_page(admin, req, shown, name_error, form_error.as_deref()).await }
    };
    if let Some(unknown) = permissions.iter().find(|p| !offered.contains(p)) {
        let message = format!("“{unknown}” is not a permission of this admin.");
        return show_again(None, Some(message)).await;
    }
    if name.is_empty() {
        return show_again(Some(crate::admin::form::REQUIRED), None).await;
    }
    if name.chars().count() > NAME_CHARS || name.contains('\0') {
        return show_again(Some("Use at most 150 characters, without NUL."), None).await;
    }
    let taken = groups::by_name(admin.db(), &name)
        .await?
        .filter(|other| Some(other.id) != id);
    if taken.is_some() {
        return show_again(Some("A group with this name already exists."), None).await;
    }
    let txn = Transaction::begin(admin.db(), &admin.context(req)).await?;
    if let (Some(id), Some(posted)) = (id, &posted_version) {
        let stored = stored_version(&txn, id).await?;
        if stored.as_ref() != Some(posted) {
            txn.rollback().await.ok();
            let Some(stored) = stored else {
                return Err(Error::NotFound);
            };
            let message = "This group was changed by someone else since you opened it, so \
                           nothing was saved. Reload it to see what changed, or save again \
                           to keep yours.";
            let shown = Shown {
                version: Some(stored),
                ..shown
            };
            let mut page = form_page(admin, req, &shown, None, Some(message)).await?;
            *page.status_mut() = StatusCode::CONFLICT;
            return Ok(page);
        }
    }
    let saved = match id {
        Some(id) => groups::update(&txn, id, &name, &permissions).await,
        None => groups::create(&txn, &name, &permissions).await.map(drop),
    };
    let saved = match saved {
        Ok(()) => txn.commit().await,
        Err(error) => Err(error),
    };
    match saved {
        Ok(()) => {}
        // Taken by a concurrent save since the check.
        Err(error)
            if matches!(
                error.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) =>
        {
            return show_again(Some("A group with this name already exists."), None).await;
        }
        Err(error) => return Err(error.into()),
    }
    let verb = if id.is_some() { "changed" } else { "added" };
    notice(
        req,
        Level::Success,
        format!("The group “{name}” was {verb}."),
    );
    Ok(see_other(&format!("{}/group/", admin.prefix())))
}

/// The version of group `id` as stored, read in `txn` after locking the group's row; `None`
/// when the group is gone.
async fn stored_version(txn: &Transaction, id: i64) -> Result<Option<String>, Error> {
    let binding = Binding::of::<groups::group::Entity>(None);
    lock::lock_rows(&**txn, binding.info(), vec![Value::from(id)]).await?;
    let Some(group) = groups::group::Entity::find_by_id(id).one(&**txn).await? else {
        return Ok(None);
    };
    let granted = groups::permissions_of_group(&**txn, id).await?;
    Ok(Some(version(&group.name, &granted)))
}

async fn form_page(
    admin: &Admin,
    req: &HttpRequest,
    shown: &Shown<'_>,
    name_error: Option<&str>,
    form_error: Option<&str>,
) -> Result<HttpResponse, Error> {
    let (id, version, name, granted) = (shown.id, &shown.version, shown.name, shown.granted);
    let offered = offered(admin, &admin.context(req)).await;
    let models: Vec<Boxes> = admin
        .inner
        .models
        .iter()
        .map(|m| Boxes {
            name: m.name.clone(),
            boxes: Perm::ALL
                .iter()
                .map(|perm| {
                    let value = perm.on(m.slug());
                    Tick {
                        offered: offered.contains(&value),
                        checked: granted.contains(&value),
                        value,
                    }
                })
                .collect(),
        })
        .collect();
    let base = format!("{}/group/", admin.prefix());
    let mut context = Context::new();
    context.insert(
        "title",
        &match id {
            Some(_) => name.to_owned(),
            None => "Add group".to_owned(),
        },
    );
    context.insert("name", name);
    context.insert("version", &version);
    context.insert("name_error", &name_error);
    context.insert("form_error", &form_error);
    context.insert("actions", &Perm::ALL.map(Perm::as_str));
    context.insert("models", &models);
    match id {
        Some(id) => {
            context.insert("action_url", &format!("{base}{id}/"));
            context.insert("delete_url", &format!("{base}{id}/delete/"));
            let table = sea_orm::EntityName::table_name(&groups::group::Entity);
            let history = super::history::history_url(admin, table, &id.to_string());
            context.insert("history_url", &history);
        }
        None => {
            context.insert("action_url", &format!("{base}add/"));
            context.insert("delete_url", "");
            context.insert("history_url", "");
        }
    }
    admin
        .render(req, StatusCode::OK, "admin/group_form.html", context)
        .await
}
