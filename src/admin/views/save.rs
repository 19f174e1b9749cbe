//! Saving the add and edit forms: read, check, write in one transaction with the
//! many-to-many links, then the form again with its errors or a redirect.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse};
use sea_orm::{DatabaseExecutor, Value};

use super::edit::{Notes, page};
use super::many::{self, Change};
use super::versioned::{Versioned, conflict, update_current};
use super::{notice, posted_form, see_other, urlencode};
use crate::admin::Admin;
use crate::admin::erased::AdminModel;
use crate::admin::form::{self, Source};
use crate::admin::version;
use crate::auth::Level;
use crate::orm::{Record, lock};
use crate::{Context as Caller, Error};

/// On the user model, the library's username rule (no look-alike of another user's name, no
/// invisible or compatibility characters): the username field and why its value is refused.
/// Checked on the pool for a quick answer (`txn` `None`), then again in the save's
/// transaction after the lock every choice of a name takes (see `Auth::username_refusal_in`).
pub(super) async fn username_refusal(
    admin: &Admin,
    model: &AdminModel,
    record: Option<&Record>,
    values: &[(String, Value)],
    txn: Option<&DatabaseExecutor<'_>>,
) -> Result<Option<(String, String)>, Error> {
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
    let refusal = match txn {
        Some(db) => auth.username_refusal_on(db, name, except).await?,
        None => auth.username_refusal(name, except).await?,
    };
    let refusal = refusal.map(|message| {
        if message == crate::auth::USERNAME_TAKEN {
            "A user with this or a look-alike username already exists.".to_owned()
        } else {
            message
        }
    });
    Ok(refusal.map(|message| (column, message)))
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

/// The form's write, its many-to-many links and their audit entries, in one transaction:
/// committed together, or none.
async fn in_transaction(
    admin: &Admin,
    ctx: &Caller,
    model: &AdminModel,
    record: Option<&Record>,
    values: Vec<(String, Value)>,
    changes: &[Change],
) -> Result<Record, Error> {
    let txn = lock::begin_write(admin.db()).await?;
    let db = DatabaseExecutor::from(&*txn);
    if let Some((field, message)) =
        username_refusal(admin, model, record, &values, Some(&db)).await?
    {
        txn.rollback().await.ok();
        return Err(Error::Invalid(crate::Invalid::named(&field, message)));
    }
    let saved = match record {
        None => model.create(ctx, &db, values).await,
        Some(old) => model.update(ctx, &db, old, values).await,
    };
    let saved = match saved {
        Ok(saved) => many::write(admin, ctx, &db, model, &saved, changes)
            .await
            .map(|()| saved),
        Err(error) => Err(error),
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

pub(super) async fn save(
    admin: &Admin,
    req: &HttpRequest,
    ctx: &Caller,
    model: &AdminModel,
    record: Option<&Record>,
    body: &[u8],
) -> Result<HttpResponse, Error> {
    let (posted, _) = posted_form(body);
    let picked = many::picked(model, body);
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
                picked: picked.clone(),
                ..Notes::default()
            },
        )
    };
    let values = form::read(admin, model, ctx, &posted, record).await?;
    let changes = many::changes(admin, model, ctx, &picked).await?;
    let (values, changes) = match (values, changes) {
        (Ok(values), Ok(changes)) => (values, changes),
        (Err(mut errors), Err(more)) => {
            errors.extend(more);
            return show_again(errors, None).await;
        }
        (Err(errors), _) | (_, Err(errors)) => return show_again(errors, None).await,
    };
    if let Some(refused) = username_refusal(admin, model, record, &values, None).await? {
        let errors = HashMap::from([refused]);
        return show_again(errors, None).await;
    }
    let saved = match record {
        None => in_transaction(admin, ctx, model, None, values, &changes).await,
        Some(old) if posted.contains_key(version::VERSION) => {
            match update_current(admin, ctx, model, old, &posted, values, &changes).await? {
                Versioned::Saved(saved) => saved.map_err(Error::from),
                Versioned::Changed(stored) => {
                    return conflict(admin, req, model, &stored, &posted, picked).await;
                }
            }
        }
        Some(old) => in_transaction(admin, ctx, model, Some(old), values, &changes).await,
    };
    let saved = match saved {
        Ok(saved) => saved,
        Err(error) => {
            let (errors, form_error) = refused(admin, model, error).await?;
            return show_again(errors, form_error).await;
        }
    };
    if let Some(old) = record {
        let session = actix_session::SessionExt::get_session(req);
        admin
            .auth()
            .user_saved(model.info(), old, Some(&session))
            .await?;
    }
    Ok(saved_reply(admin, req, model, &saved, adding, &posted))
}

/// What a refused save shows: errors beside the fields and a message above the form, for a
/// rule of the entity's, a unique value taken or a bad value; any other error stays one.
async fn refused(
    admin: &Admin,
    model: &AdminModel,
    error: Error,
) -> Result<(HashMap<String, String>, Option<String>), Error> {
    match error {
        Error::Invalid(invalid) => Ok(beside_fields(model, &invalid)),
        Error::Conflict(conflict) => {
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
                return Ok((HashMap::new(), Some(message)));
            }
            let message = form::sentence(&conflict.sentence());
            let errors = shown.into_iter().map(|c| (c.clone(), message.clone()));
            Ok((errors.collect(), None))
        }
        Error::BadRequest(message) => Ok((HashMap::new(), Some(form::sentence(&message)))),
        error => Err(error),
    }
}

/// After a save: a notice, then the list, the add form again or the row, as the button said.
fn saved_reply(
    admin: &Admin,
    req: &HttpRequest,
    model: &AdminModel,
    saved: &Record,
    adding: bool,
    posted: &HashMap<String, String>,
) -> HttpResponse {
    let pk = model.pk_text(saved);
    let verb = if adding { "added" } else { "changed" };
    notice(
        req,
        Level::Success,
        format!(
            "The {} “{}” was {verb}.",
            model.name.to_lowercase(),
            model.title(saved)
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
    see_other(&next)
}
