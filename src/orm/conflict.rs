//! Which columns a unique violation is about, told without reading the database's message:
//! after the failed write is rolled back, each unique group the write gave values to is looked
//! up (`SELECT 1 … WHERE cols = values AND pk <> own LIMIT 1`); the first group another row
//! holds is the conflict. Runs on the error path only, the same way on every database.

use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{self, Alias, Expr, ExprTrait};

use crate::verdict::Conflict;

/// Names the columns of `conflict`, probing on `db` (a connection outside the failed
/// transaction: PostgreSQL refuses further statements in it). A group no other row holds any
/// more (a race) or a failed probe leaves the generic message.
pub(crate) async fn resolve(conflict: Conflict, db: &impl ConnectionTrait) -> Conflict {
    let Some(pending) = conflict.pending.clone() else {
        return conflict;
    };
    for group in &pending.groups {
        let mut probe = sea_query::Query::select();
        probe.expr(Expr::val(1)).from(Alias::new(&pending.table));
        for (column, value) in group {
            probe.and_where(Expr::col(Alias::new(column)).eq(value.clone()));
        }
        if let (column, Some(own)) = &pending.pk {
            probe.and_where(Expr::col(Alias::new(column)).ne(own.clone()));
        }
        probe.limit(1);
        match db.query_one(&probe).await {
            Ok(Some(_)) => {
                let columns = group.iter().map(|(column, _)| column.clone()).collect();
                return conflict.found(columns);
            }
            Ok(None) => {}
            Err(error) => {
                tracing::warn!(%error, "unique conflict probe failed");
                break;
            }
        }
    }
    conflict.found(Vec::new())
}
