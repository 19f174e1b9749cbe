//! `/admin/<model>/add/` and `/admin/<model>/<pk>/`: the generated forms and their saves.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{Condition, DatabaseExecutor, TransactionTrait, Value};
use tera::Context;

use super::versioned::{Versioned, conflict, update_current};
use super::{membership, notice, posted_form, see_other};
use crate::Perm;
use crate::admin::Admin;
use crate::admin::erased::AdminModel;
use crate::admin::form::{self, Source};
use crate::admin::version::{self, Changed};
use crate::auth::Level;
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
        // A refusal without a reason is "no change permission"; one with a reason is a
        // row rule, answered 403 with it.
        Err(Error::Forbidden(refusal)) if refusal.reason().is_none() => {
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
    } = notes;
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
    let hidden = record.map(|record| version::inputs(model, record));
    context.insert("hidden", &hidden.unwrap_or_default());
    let ctx = admin.context(req);
    if membership::applies(admin, model, &ctx) {
        context.insert(
            "groups_choices",
            &membership::choices(admin, model, record).await?,
        );
        context.insert("groups_error", &errors.get("groups"));
    }
    match record {
        Some(record) => {
            let pk = model.pk_text(record);
            context.insert("title", &model.title(record));
            context.insert("action_url", &format!("{base}{pk}/"));
            let deletable = model
                .hooks
                .gate(
                    &admin.context(req),
                    Perm::Delete,
                    model.info(),
                    Some(record),
                )
                .await
                .is_ok();
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
    admin.render(req, StatusCode::OK, "admin/form.html", context)
}

/// On the user model, the library's username rule (no look-alike of another user's name, no
/// invisible or compatibility characters) as an error beside the username field.
async fn username_refusal(
    admin: &Admin,
    model: &AdminModel,
    record: Option<&Record>,
    values: &[(String, Value)],
) -> Result<Option<HashMap<String, String>>, Error> {
    let auth = admin.auth();
    if model.slug() != auth.user_table() {
        return Ok(None);
    }
    let column = auth.username_column();
    let Some(Value::String(Some(name))) = values
        .iter()
        .find(|(field, _)| *field == column)
        .map(|(_, value)| value)
    else {
        return Ok(None);
    };
    let except = record.and_then(|record| match record.pk(model.info()) {
        Value::Int(Some(id)) => Some(i64::from(*id)),
        Value::BigInt(Some(id)) => Some(*id),
        _ => None,
    });
    let refusal = auth.username_refusal(name, except).await?.map(|message| {
        if message == crate::auth::USERNAME_TAKEN {
            "A user with this or a look-alike username already exists.".to_owned()
        } else {
            message
        }
    });
    Ok(refusal.map(|message| HashMap::from([(column, message)])))
}

/// The errors of a refused row: each beside its field when the form shows that field, the
/// others (and those without a field) at the top of the form.
fn beside_fields(
    model: &AdminModel,
    invalid: &crate::Invalid,
) -> (HashMap<String, String>, Option<String>) {
    let mut errors = HashMap::new();
    let mut top = Vec::new();
    for (field, message, required) in invalid.errors() {
        let message = if required {
            form::REQUIRED.to_owned()
        } else {
            form::sentence(message)
        };
        match field.filter(|f| model.settings.form_fields.iter().any(|c| c == f)) {
            Some(field) => {
                errors.insert(field.to_owned(), message);
            }
            None => top.push(match field {
                Some(field) => format!("{}: {message}", form::human(field)),
                None => message,
            }),
        }
    }
    let top = (!top.is_empty()).then(|| top.join(" "));
    (errors, top)
}

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The form's write and its audit entry, in one transaction: committed together, or neither.
async fn in_transaction(
    admin: &Admin,
    ctx: &Caller,
    model: &AdminModel,
    record: Option<&Record>,
    values: Vec<(String, Value)>,
) -> Result<Record, Error> {
    let txn = admin.db().begin().await?;
    let db = DatabaseExecutor::from(&txn);
    let saved = match record {
        None => model.create(ctx, &db, values).await,
        Some(old) => model.update(ctx, &db, old, values).await,
    };
    match saved {
        Ok(saved) => {
            txn.commit().await?;
            Ok(saved)
        }
        Err(error) => {
            // A failed rollback ends the connection, which the database rolls back itself.
            txn.rollback().await.ok();
            Err(error.into())
        }
    }
}

async fn save(
    admin: &Admin,
    req: &HttpRequest,
    ctx: &Caller,
    model: &AdminModel,
    record: Option<&Record>,
    body: &[u8],
) -> Result<HttpResponse, Error> {
    let (posted, _) = posted_form(body);
    let adding = record.is_none();
    let show_again = |errors: HashMap<String, String>, form_error: Option<String>| {
        page(
            admin,
            req,
            model,
            record,
            Source::Posted(&posted),
            errors,
            Notes {
                form_error,
                meanwhile: Vec::new(),
            },
        )
    };
    let values = match form::read(admin, model, ctx, &posted, adding).await? {
        Ok(values) => values,
        Err(errors) => return show_again(errors, None).await,
    };
    if let Some(errors) = username_refusal(admin, model, record, &values).await? {
        return show_again(errors, None).await;
    }
    let groups = if membership::applies(admin, model, ctx) {
        match membership::posted(admin, body).await? {
            Ok(groups) => groups,
            Err(message) => {
                return show_again(HashMap::from([("groups".to_owned(), message)]), None).await;
            }
        }
    } else {
        None
    };
    let saved = match record {
        None => in_transaction(admin, ctx, model, None, values).await,
        Some(old) if posted.contains_key(version::VERSION) => {
            match update_current(admin, ctx, model, old, &posted, values).await? {
                Versioned::Saved(saved) => saved.map_err(Error::from),
                Versioned::Changed(stored) => {
                    return conflict(admin, req, model, &stored, &posted).await;
                }
            }
        }
        Some(old) => in_transaction(admin, ctx, model, Some(old), values).await,
    };
    let saved = match saved {
        Ok(saved) => saved,
        Err(Error::Invalid(invalid)) => {
            let (errors, form_error) = beside_fields(model, &invalid);
            return show_again(errors, form_error).await;
        }
        Err(Error::Conflict(conflict)) => {
            let conflict = crate::orm::resolve(conflict, admin.db()).await;
            let shown: Vec<&String> = conflict
                .columns()
                .iter()
                .filter(|c| model.settings.form_fields.contains(c))
                .collect();
            if shown.is_empty() {
                let message = format!(
                    "A {} with one of these unique values already exists.",
                    model.name.to_lowercase()
                );
                return show_again(HashMap::new(), Some(message)).await;
            }
            let message = form::sentence(&conflict.sentence());
            let errors = shown.into_iter().map(|c| (c.clone(), message.clone()));
            return show_again(errors.collect(), None).await;
        }
        Err(Error::BadRequest(message)) => {
            return show_again(HashMap::new(), Some(form::sentence(&message))).await;
        }
        Err(error) => return Err(error),
    };
    if let Some(old) = record {
        let session = actix_session::SessionExt::get_session(req);
        admin
            .auth()
            .user_saved(model.info(), old, Some(&session))
            .await?;
    }
    if let (Some(groups), Some(user)) = (groups, membership::user_id(model, &saved)) {
        let txn = crate::audit::Transaction::begin(admin.db(), ctx).await?;
        crate::groups::set_groups(&txn, user, &groups).await?;
        txn.commit().await?;
    }
    let pk = model.pk_text(&saved);
    let verb = if adding { "added" } else { "changed" };
    notice(
        req,
        Level::Success,
        format!(
            "The {} “{}” was {verb}.",
            model.name.to_lowercase(),
            model.title(&saved)
        ),
    );
    let base = admin.model_url(model);
    let next = if posted.contains_key("_addanother") {
        format!("{base}add/")
    } else if posted.contains_key("_continue") {
        format!("{base}{}/", urlencode(&pk))
    } else {
        base
    };
    Ok(see_other(&next))
}
