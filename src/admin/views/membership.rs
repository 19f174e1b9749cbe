//! The user form's `groups`: a multiple select of group ids, stored in the crate's membership
//! table. Only admins see and set it (a staff user who may change users must not grant
//! themselves more). Specific to the user model and the crate's groups: a general
//! many-to-many widget over any join entity is not built yet.

use serde::Serialize;

use crate::admin::Admin;
use crate::admin::erased::AdminModel;
use crate::orm::Record;
use crate::{Context, Error, groups};
use sea_orm::Value;

#[derive(Serialize)]
pub(super) struct Choice {
    value: i64,
    label: String,
    selected: bool,
}

/// The user id of a user-table row.
pub(super) fn user_id(model: &AdminModel, record: &Record) -> Option<i64> {
    match record.pk(model.info()) {
        Value::Int(Some(id)) => Some(i64::from(*id)),
        Value::BigInt(Some(id)) => Some(*id),
        _ => None,
    }
}

/// Whether the form of `model` has the `groups` select for `ctx`.
pub(super) fn applies(admin: &Admin, model: &AdminModel, ctx: &Context) -> bool {
    ctx.is_admin() && model.slug() == admin.auth().user_table()
}

/// The select's options, with the groups of `record` (if any) selected.
pub(super) async fn choices(
    admin: &Admin,
    model: &AdminModel,
    record: Option<&Record>,
) -> Result<Vec<Choice>, Error> {
    let member_of = match record.and_then(|r| user_id(model, r)) {
        Some(id) => groups::groups_of(admin.db(), id).await?,
        None => Vec::new(),
    };
    Ok(groups::all(admin.db())
        .await?
        .into_iter()
        .map(|group| Choice {
            selected: member_of.contains(&group.id),
            value: group.id,
            label: group.name,
        })
        .collect())
}

/// The posted `groups` as existing group ids: `Ok(None)` when the form did not send the
/// select (a client that leaves it out keeps the memberships), `Err(message)` for an id that
/// is not a group's.
pub(super) async fn posted(
    admin: &Admin,
    body: &[u8],
) -> Result<Result<Option<Vec<i64>>, String>, Error> {
    let sent: Vec<String> = form_urlencoded::parse(body)
        .filter(|(key, _)| key == "groups")
        .map(|(_, value)| value.into_owned())
        .collect();
    if sent.is_empty() {
        return Ok(Ok(None));
    }
    let known: Vec<i64> = groups::all(admin.db())
        .await?
        .iter()
        .map(|g| g.id)
        .collect();
    let mut ids = Vec::new();
    // The form sends an empty `groups` first, so that selecting none still says "none".
    for text in sent.iter().filter(|text| !text.is_empty()) {
        match text.parse::<i64>() {
            Ok(id) if known.contains(&id) => ids.push(id),
            _ => return Ok(Err(format!("There is no group with key {text}."))),
        }
    }
    Ok(Ok(Some(ids)))
}
