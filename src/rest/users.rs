//! The user resource's own rules, whatever its hooks say: only admins change or delete admin
//! users or make a user an admin; the password sent passes the password page's rule and is
//! stored as its argon2id hash through [`Auth`]'s hasher (as the admin does); a username passes
//! the rule of sign-up pages, the admin and the CLI.

use sea_orm::{DatabaseExecutor, Value};

use super::RestApi;
use super::erased::Resource;
use crate::auth::{USERNAME_TAKEN, admin_users};
use crate::orm::{Record, value};
use crate::verdict::{Conflict, Invalid};
use crate::{Context, Error};

/// Refuses `ctx` a change or delete of `row` of `resource` when it serves the auth's user
/// table, `row` is an admin user and the caller is not an admin (403, as in the admin).
pub(super) fn may_change(
    api: &RestApi,
    resource: &Resource,
    ctx: &Context,
    row: &Record,
) -> Result<(), Error> {
    let auth = &api.inner.auth;
    let info = resource.info();
    if info.slug != auth.user_table() {
        return Ok(());
    }
    admin_users::may_change(ctx, info, &auth.admin_column(), row)
}

/// Applies the user rules to the values about to be written to `resource`, when it serves the
/// auth's user table: a caller who is not an admin may not change an admin user nor make a
/// user an admin (403); the password passes the password page's rule
/// ([`Auth::password_problem`](crate::auth::Auth::password_problem), 400) and is hashed
/// (empty: refused on a create, the stored hash kept on an update); a username whose
/// characters are refused is a 400, one that looks like another user's is taken, 409 as for
/// an identical one, checked in the write's transaction `db` after the lock every choice of a
/// name takes. A user may be renamed to a variant of their own name. `row` is the stored row
/// on an update.
pub(super) async fn apply(
    api: &RestApi,
    resource: &Resource,
    ctx: &Context,
    db: &DatabaseExecutor<'_>,
    row: Option<&Record>,
    values: &mut Vec<(String, Value)>,
) -> Result<(), Error> {
    let auth = &api.inner.auth;
    let info = resource.info();
    if info.slug != auth.user_table() {
        return Ok(());
    }
    if let Some(row) = row {
        may_change(api, resource, ctx, row)?;
    }
    admin_users::may_set(ctx, info, &auth.admin_column(), row, values)?;
    let password = auth.password_column();
    let username = auth.username_column();
    // The name the user will have, which the password may not be.
    let name = || {
        values
            .iter()
            .find(|(n, _)| *n == username)
            .map(|(_, v)| value::to_text(v))
            .or_else(|| row?.get(info, &username).map(value::to_text))
            .unwrap_or_default()
    };
    if let Some(index) = values.iter().position(|(name, _)| *name == password) {
        match &values[index].1 {
            Value::String(Some(text)) if text.is_empty() && row.is_some() => {
                values.remove(index);
            }
            Value::String(Some(text)) if text.is_empty() => {
                return Err(Error::Invalid(Invalid::named(
                    &password,
                    "may not be empty",
                )));
            }
            Value::String(Some(text)) => {
                if let Some(problem) = auth.password_problem(&name(), text) {
                    return Err(Error::Invalid(Invalid::named(&password, problem)));
                }
                values[index].1 = Value::from(auth.hasher().hash(text).await?);
            }
            _ => {}
        }
    }
    let Some((_, Value::String(Some(name)))) = values.iter().find(|(n, _)| *n == username) else {
        return Ok(());
    };
    let except = row.and_then(|row| value::to_text(row.pk(info)).parse().ok());
    match auth.username_refusal_on(db, name, except).await? {
        None => Ok(()),
        Some(reason) if reason == USERNAME_TAKEN => Err(Error::Conflict(
            Conflict::pending(&info.slug, None).found(vec![username]),
        )),
        Some(reason) => Err(Error::Invalid(Invalid::named(&username, reason))),
    }
}
