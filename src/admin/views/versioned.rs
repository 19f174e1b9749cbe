//! Saving an edit form over the version it was shown with (see `admin::version`): the row is
//! locked, read again and compared in the save's own transaction, and a row changed meanwhile
//! gives the form again with status 409.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use sea_orm::{DatabaseExecutor, Value};

use super::edit::{Notes, fetch_many_on, page};
use super::many::{self, Change, Picked};
use super::save::username_refusal;
use crate::admin::Admin;
use crate::admin::erased::AdminModel;
use crate::admin::form::Source;
use crate::admin::version;
use crate::orm::{Record, WriteError, lock};
use crate::{Context as Caller, Error};

/// An update checked against the form's `_version`.
pub(super) enum Versioned {
    /// The row was as the form showed it: the update's outcome.
    Saved(Result<Record, WriteError>),
    /// The row changed since: as stored now; nothing was saved.
    Changed(Record),
}

/// Locks the row, reads it again and, when it is still the version the form was shown,
/// updates it, all in one transaction (see `admin::version`). A row gone since is a 404.
pub(super) async fn update_current(
    admin: &Admin,
    ctx: &Caller,
    model: &AdminModel,
    old: &Record,
    posted: &HashMap<String, String>,
    values: Vec<(String, Value)>,
    changes: &[Change],
) -> Result<Versioned, Error> {
    let info = model.info();
    let txn = lock::begin_write(admin.db()).await?;
    let outcome = async {
        let db = DatabaseExecutor::from(&*txn);
        version::lock(&db, model, vec![old.pk(info).clone()]).await?;
        let stored = fetch_many_on(&db, model, ctx, &[model.pk_text(old)])
            .await?
            .pop()
            .ok_or(Error::NotFound)?;
        let links = many::linked(&db, model, &stored).await?;
        if !version::is_current(posted, &version::of(&stored, &links)) {
            return Ok(Versioned::Changed(stored));
        }
        let name_taken = username_refusal(admin, model, Some(&stored), &values, Some(&db)).await?;
        if let Some((field, message)) = name_taken {
            let refused = WriteError::Invalid(crate::Invalid::named(&field, message));
            return Ok(Versioned::Saved(Err(refused)));
        }
        let saved = match model.update(ctx, &db, &stored, values).await {
            Ok(saved) => many::write(admin, ctx, &db, model, &saved, changes)
                .await
                .map(|()| saved),
            Err(error) => Err(error),
        };
        Ok::<_, Error>(Versioned::Saved(saved))
    }
    .await;
    match outcome {
        Ok(Versioned::Saved(Ok(saved))) => {
            txn.commit().await?;
            Ok(Versioned::Saved(Ok(saved)))
        }
        other => {
            // A failed rollback ends the connection, which the database rolls back itself.
            txn.rollback().await.ok();
            other
        }
    }
}

/// The form again over a row changed since it was shown: status 409, the user's input
/// (`posted`, and the many-to-many choices `picked`) kept, the stored value beside each field
/// changed meanwhile, and the new version, so that saving
/// again keeps the user's values.
pub(super) async fn conflict(
    admin: &Admin,
    req: &HttpRequest,
    model: &AdminModel,
    stored: &Record,
    posted: &HashMap<String, String>,
    picked: Picked,
) -> Result<HttpResponse, Error> {
    let message = format!(
        "This {} was changed by someone else since you opened it, so nothing was saved. \
         The stored values are shown beside the fields that changed; save again to keep yours.",
        model.name.to_lowercase()
    );
    let mut response = page(
        admin,
        req,
        model,
        Some(stored),
        Source::Posted(posted),
        HashMap::new(),
        Notes {
            form_error: Some(message),
            meanwhile: version::changed(model, posted, stored),
            picked,
            fresh_version: true,
        },
    )
    .await?;
    *response.status_mut() = StatusCode::CONFLICT;
    Ok(response)
}
