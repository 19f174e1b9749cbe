//! Row counts of the list and the dashboard, capped at the model's `count_limit`.

use sea_orm::DatabaseExecutor;

use crate::Error;
use crate::admin::Admin;
use crate::admin::erased::AdminModel;
use crate::orm::{Count, Query, Record, Window, count_upto, page_number};

/// The rows of list page `page` (missing or invalid: 1; past the last: the last) with the
/// count, the page number shown and whether a next page follows. The page is fetched with
/// one row more than it shows (that row tells whether there is a next); a page with fewer rows
/// is the last, and then its offset plus its rows is the count, with no count at all: a
/// search matching a few rows costs one pass over the table, not two.
pub(super) async fn rows(
    admin: &Admin,
    model: &AdminModel,
    query: &Query,
    page: Option<&str>,
) -> Result<(Vec<Record>, Count, u64, bool), Error> {
    let per_page = model.settings.paginate_by;
    let page = page_number(page);
    let (rows, more) = fetch(admin, model, query, page).await?;
    if !more && (page == 1 || !rows.is_empty()) {
        let count = (page - 1).saturating_mul(per_page) + rows.len() as u64;
        if count <= limit(admin, model) {
            return Ok((rows, Count::Exact(count), page, false));
        }
    }
    let count = capped(admin, model, query).await?;
    if let Count::Exact(count) = count
        && rows.is_empty()
        && page > 1
    {
        // Past the last page: show the last one.
        let last = count.div_ceil(per_page).max(1);
        let (rows, more) = fetch(admin, model, query, last).await?;
        return Ok((rows, Count::Exact(count), last, more));
    }
    Ok((rows, count, page, more))
}

/// The rows of page `page`, and whether more follow.
async fn fetch(
    admin: &Admin,
    model: &AdminModel,
    query: &Query,
    page: u64,
) -> Result<(Vec<Record>, bool), Error> {
    let db = DatabaseExecutor::from(admin.db());
    let per_page = model.settings.paginate_by;
    let window = Window {
        offset: (page - 1).saturating_mul(per_page),
        limit: Some(per_page.saturating_add(1)),
    };
    let mut rows = model.model.list(&db, query, window).await?;
    let more = rows.len() as u64 > per_page;
    rows.truncate(usize::try_from(per_page).unwrap_or(usize::MAX));
    Ok((rows, more))
}

/// The model's count limit: its own, else the admin's.
fn limit(admin: &Admin, model: &AdminModel) -> u64 {
    model
        .settings
        .count_limit
        .unwrap_or(admin.inner.count_limit)
}

/// Counts the rows of `query`, reading at most the count limit plus one.
pub(super) async fn capped(
    admin: &Admin,
    model: &AdminModel,
    query: &Query,
) -> Result<Count, Error> {
    let db = DatabaseExecutor::from(admin.db());
    Ok(count_upto(&db, model.info(), query, limit(admin, model)).await?)
}

/// The count as shown: the number, or the limit with a `+` ("10,000+") beyond it.
pub(super) fn shown(admin: &Admin, model: &AdminModel, count: Count) -> String {
    match count {
        Count::Exact(count) => count.to_string(),
        Count::More => format!("{}+", thousands(limit(admin, model))),
    }
}

/// `10000` as `10,000`.
fn thousands(number: u64) -> String {
    let digits = number.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_are_separated() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(10_000), "10,000");
        assert_eq!(super::thousands(1_234_567), "1,234,567");
    }
}
