//! Foreign keys written through the API may only point at rows the caller can see: a key
//! outside the referenced resource's `get_query` is refused as if the row did not exist.

use sea_orm::{DatabaseExecutor, Value};

use super::RestApi;
use super::erased::Resource;
use crate::orm::value;
use crate::{Context, Error};

/// Checks each foreign key that `value_of` gives a value against the `get_query` of the
/// resource registered for the referenced table (one query per scoped key written).
pub(super) async fn check_references<'v>(
    api: &RestApi,
    resource: &Resource,
    ctx: &Context,
    db: &DatabaseExecutor<'_>,
    value_of: impl Fn(&str) -> Option<&'v Value>,
) -> Result<(), Error> {
    for column in &resource.info().columns {
        let Some(fk) = &column.foreign_key else {
            continue;
        };
        let Some(key) = value_of(&column.name).filter(|v| !value::is_null(v)) else {
            continue;
        };
        let Some(target) = api.resource(&fk.table) else {
            continue;
        };
        let scope = target.hooks.get_query(ctx);
        if scope.is_empty() {
            continue;
        }
        let found = target
            .model
            .find_in(db, &fk.column, vec![key.clone()], scope)
            .await?;
        if found.is_empty() {
            return Err(Error::BadRequest(format!(
                "field `{}`: there is no {} with key {}",
                column.name,
                fk.table,
                value::to_text(key)
            )));
        }
    }
    Ok(())
}
