//! The rule every front door keeps on the user table, whatever the site's hooks and field
//! settings say: a caller who is not an admin may neither change nor delete an admin user,
//! nor make a user an admin.

use sea_orm::Value;

use crate::orm::{ModelInfo, Record};
use crate::verdict::Refusal;
use crate::{Context, Error};

/// Why a change or delete of an admin user was refused.
pub(crate) const ADMIN_USER: &str = "only admins may change or delete an admin user";
/// Why a value that makes a user an admin was refused.
pub(crate) const ADMIN_FLAG: &str = "only admins may make a user an admin";

/// Whether a value of the admin-flag column says "admin" (a boolean, or a number other than
/// zero where the flag is stored as one).
fn is_admin(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(Some(flag))) => *flag,
        Some(Value::TinyInt(Some(n))) => *n != 0,
        Some(Value::SmallInt(Some(n))) => *n != 0,
        Some(Value::Int(Some(n))) => *n != 0,
        Some(Value::BigInt(Some(n))) => *n != 0,
        _ => false,
    }
}

/// Refuses `ctx` a change or delete of `row`, a row of the user table whose admin flag is
/// the column `flag`, when `row` is an admin user and the caller is not an admin.
pub(crate) fn may_change(
    ctx: &Context,
    info: &ModelInfo,
    flag: &str,
    row: &Record,
) -> Result<(), Error> {
    if !ctx.is_admin() && is_admin(row.get(info, flag)) {
        return Err(Refusal::new(ADMIN_USER).into());
    }
    Ok(())
}

/// Refuses `ctx`, when not an admin, values that would make a user an admin: a flag value
/// that says "admin" where the stored row (`row`, `None` on a create) does not.
pub(crate) fn may_set(
    ctx: &Context,
    info: &ModelInfo,
    flag: &str,
    row: Option<&Record>,
    values: &[(String, Value)],
) -> Result<(), Error> {
    let granted = values
        .iter()
        .find(|(name, _)| name == flag)
        .is_some_and(|(_, value)| is_admin(Some(value)));
    let stored = row.is_some_and(|row| is_admin(row.get(info, flag)));
    if granted && !stored && !ctx.is_admin() {
        return Err(Refusal::new(ADMIN_FLAG).into());
    }
    Ok(())
}
