//! `/admin/audit/`: the audit trail as a list with the usual search, filters and paging, for
//! admin users only; entries can be neither added, changed nor deleted.

use super::{Column, Field, ModelAdmin};
use crate::audit::entry::{Column as C, Entity};
use crate::{Context, Refusal};

/// How the audit table appears in the admin.
pub(super) struct AuditAdmin;

fn never() -> Result<(), Refusal> {
    Err(Refusal::new("audit entries cannot be changed"))
}

#[async_trait::async_trait]
impl ModelAdmin<Entity> for AuditAdmin {
    fn columns(&self) -> Vec<Column<Entity>> {
        [
            C::Id,
            C::At,
            C::Username,
            C::Channel,
            C::Action,
            C::Model,
            C::Pk,
        ]
        .into_iter()
        .map(Into::into)
        .collect()
    }

    fn search_fields(&self) -> Vec<Field<Entity>> {
        vec![C::Pk.into()]
    }

    fn filter_fields(&self) -> Vec<Field<Entity>> {
        [C::Actor, C::Model, C::Action, C::Channel, C::At]
            .into_iter()
            .map(Into::into)
            .collect()
    }

    async fn has_view_permission(
        &self,
        ctx: &Context,
        _: Option<&crate::audit::entry::Model>,
    ) -> Result<(), Refusal> {
        if ctx.is_admin() {
            Ok(())
        } else {
            Err(Refusal::default())
        }
    }

    async fn has_add_permission(&self, _: &Context) -> Result<(), Refusal> {
        never()
    }

    async fn has_change_permission(
        &self,
        _: &Context,
        _: Option<&crate::audit::entry::Model>,
    ) -> Result<(), Refusal> {
        never()
    }

    async fn has_delete_permission(
        &self,
        _: &Context,
        _: Option<&crate::audit::entry::Model>,
    ) -> Result<(), Refusal> {
        never()
    }
}
