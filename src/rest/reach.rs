//! Foreign keys written through the API may only point at rows the caller can see: a key
//! outside the referenced resource's `get_query` is refused as if the row did not exist, and
//! a key to no row at all is refused naming its field, as DRF's related fields do.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DatabaseExecutor, Value};

use super::RestApi;
use super::erased::Resource;
use crate::orm::value;
use crate::{Context, Error};

/// Checks each foreign key that `value_of` gives a value: against the `get_query` of the
/// resource registered for the referenced table, or, without one, for a row with that key
/// (one query per key written). The owner column is not checked: its value is the caller's.
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
        if resource.settings.owner_field.as_ref() == Some(&column.name) {
            continue;
        }
        let Some(key) = value_of(&column.name).filter(|v| !value::is_null(v)) else {
            continue;
        };
        let scope = api
            .resource(&fk.table)
            .map(|target| (target, target.hooks.get_query(ctx)))
            .filter(|(_, scope)| !scope.is_empty());
        let found = match scope {
            Some((target, scope)) => !target
                .model
                .find_in(db, &fk.column, vec![key.clone()], scope)
                .await?
                .is_empty(),
            None => {
                let column = Alias::new(fk.column.clone());
                let probe = Query::select()
                    .expr(Expr::val(1))
                    .from(Alias::new(fk.table.clone()))
                    .and_where(Expr::col(column).eq(key.clone()))
                    .limit(1)
                    .to_owned();
                db.query_one(&probe).await?.is_some()
            }
        };
        if !found {
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
