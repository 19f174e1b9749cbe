//! A search text turned into a condition that the backend answers from the index.
//!
//! Only the words of the text reach the database, each as a quoted prefix term: quotes, `*`,
//! `-`, parentheses and `NEAR` are never query syntax, and a text without words gives no
//! condition (the admin then searches it with `LIKE`, as without an index). Values are
//! bound: `?` on SQLite and MariaDB/MySQL, `$1` on PostgreSQL, as SeaQuery expects of each.

use sea_orm::sea_query::extension::postgres::PgFunc;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, SelectStatement, UnionType};
use sea_orm::{Condition, ConnectionTrait, DbBackend, DbErr, Statement};

use super::Spec;
use super::ddl::quote;

/// InnoDB's default stop words (`INFORMATION_SCHEMA.INNODB_FT_DEFAULT_STOPWORD`): never in a
/// `FULLTEXT` index, so searched with `LIKE`.
const STOP_WORDS: [&str; 36] = [
    "a", "about", "an", "are", "as", "at", "be", "by", "com", "de", "en", "for", "from", "how",
    "i", "in", "is", "it", "la", "of", "on", "or", "that", "the", "this", "to", "was", "what",
    "when", "where", "who", "will", "with", "und", "the", "www",
];

/// InnoDB's longest indexed word (`innodb_ft_max_token_size`, default 84).
const MAX_WORD: usize = 84;

/// The key column of the lists of keys a search builds.
const KEY: &str = "k";

/// The shortest word InnoDB indexes when the server does not say (its default).
const MIN_WORD: usize = 3;

/// The words of `text`: runs of letters and digits; everything else separates them.
pub(crate) fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect()
}

impl Spec {
    /// The rows of the table (named `alias` in the query) holding a word that starts with
    /// each word of `text`, ignoring case, or matching `others` (the `LIKE` of search fields
    /// the index does not cover); `None` when `text` has no words.
    ///
    /// # Errors
    /// When MariaDB/MySQL cannot be asked for its shortest indexed word.
    pub(crate) async fn condition(
        &self,
        db: &impl ConnectionTrait,
        alias: &str,
        text: &str,
        others: Option<Condition>,
    ) -> Result<Option<Condition>, DbErr> {
        let words = words(text);
        if words.is_empty() {
            return Ok(None);
        }
        let pk = Expr::col((Alias::new(alias), Alias::new(self.pk.as_str())));
        let matching = match db.get_database_backend() {
            DbBackend::Sqlite => {
                let keys = self.sqlite(alias, &words, others);
                return Ok(Some(Condition::all().add(pk.in_subquery(keys))));
            }
            DbBackend::Postgres => self.postgres(alias, &words),
            _ => {
                let min_word = self.min_word(db).await?;
                self.mysql(alias, &words, min_word)
            }
        };
        let Some(others) = others else {
            return Ok(Some(matching));
        };
        // One list of keys, not `matching OR others`: an OR with a subquery keeps PostgreSQL
        // and MariaDB from the index (they test every row).
        let mut keys = self.keys(alias, matching);
        keys.union(UnionType::All, self.keys(alias, others));
        if db.get_database_backend() == DbBackend::Postgres {
            // `= ANY(ARRAY(..))`: the keys first, then the rows by key. With `IN`, PostgreSQL
            // guesses thousands of keys for a prefix search and walks the primary key instead.
            let array = Func::cust("ARRAY").arg(Expr::SubQuery(None, Box::new(keys.into())));
            return Ok(Some(Condition::all().add(pk.eq(PgFunc::any(array)))));
        }
        // MariaDB runs an `IN` over a `UNION` once per row, over a derived table once.
        let mut derived = SelectStatement::new();
        derived
            .column(Alias::new(KEY))
            .from_subquery(keys, Alias::new("actix_sea_keys"));
        Ok(Some(Condition::all().add(pk.in_subquery(derived))))
    }

    /// `SELECT pk AS k FROM table AS alias WHERE condition`.
    fn keys(&self, alias: &str, condition: Condition) -> SelectStatement {
        let mut keys = SelectStatement::new();
        keys.expr_as(
            Expr::col((Alias::new(alias), Alias::new(self.pk.as_str()))),
            Alias::new(KEY),
        )
        .from_as(Alias::new(self.table.as_str()), Alias::new(alias))
        .cond_where(condition);
        keys
    }

    /// `SELECT rowid FROM fts WHERE fts MATCH '"w1"* "w2"*'`, then `UNION ALL` the keys of
    /// the rows matching `others`: one list, where an `OR` would make SQLite collect and sort
    /// every match before taking a page.
    fn sqlite(&self, alias: &str, words: &[&str], others: Option<Condition>) -> SelectStatement {
        let fts = quote(DbBackend::Sqlite, &self.index_name());
        let terms: Vec<String> = words.iter().map(|word| format!("\"{word}\"*")).collect();
        let mut keys = SelectStatement::new();
        keys.expr(Expr::cust("rowid"))
            .from(Alias::new(self.index_name()))
            .and_where(Expr::cust_with_values(
                format!("{fts} MATCH ?"),
                [terms.join(" ")],
            ));
        if let Some(others) = others {
            keys.union(UnionType::All, self.keys(alias, others));
        }
        keys
    }

    /// The index's own expression `@@ to_tsquery('simple', 'w1:* & w2:*')`.
    fn postgres(&self, alias: &str, words: &[&str]) -> Condition {
        let terms: Vec<String> = words.iter().map(|word| format!("'{word}':*")).collect();
        let sql = format!("{} @@ to_tsquery('simple', $1)", self.tsvector(Some(alias)));
        Condition::all().add(Expr::cust_with_values(sql, [terms.join(" & ")]))
    }

    /// `MATCH(..) AGAINST('+w1* +w2*' IN BOOLEAN MODE)` for the words the index holds, and
    /// `LIKE '%w%'` on any column for the others (too short, too long, or stop words).
    fn mysql(&self, alias: &str, words: &[&str], min_word: usize) -> Condition {
        let backend = DbBackend::MySql;
        let indexed = |word: &&str| {
            let chars = word.chars().count();
            chars >= min_word
                && chars <= MAX_WORD
                && !STOP_WORDS.contains(&word.to_lowercase().as_str())
        };
        let (terms, others): (Vec<&str>, Vec<&str>) = words.iter().copied().partition(indexed);
        let mut all = Condition::all();
        if !terms.is_empty() {
            let columns: Vec<String> = self
                .columns
                .iter()
                .map(|column| format!("{}.{}", quote(backend, alias), quote(backend, column)))
                .collect();
            let terms: Vec<String> = terms.iter().map(|word| format!("+{word}*")).collect();
            let sql = format!("MATCH({}) AGAINST (? IN BOOLEAN MODE)", columns.join(", "));
            all = all.add(Expr::cust_with_values(sql, [terms.join(" ")]));
        }
        for word in others {
            let mut any = Condition::any();
            for column in &self.columns {
                let column = Expr::col((Alias::new(alias), Alias::new(column.as_str())));
                any = any.add(column.like(format!("%{word}%")));
            }
            all = all.add(any);
        }
        all
    }

    /// The server's `innodb_ft_min_token_size`, asked once.
    async fn min_word(&self, db: &impl ConnectionTrait) -> Result<usize, DbErr> {
        if let Some(min) = self.min_word.get() {
            return Ok(*min);
        }
        let statement = Statement::from_string(
            db.get_database_backend(),
            "SELECT CAST(@@innodb_ft_min_token_size AS SIGNED) AS n",
        );
        let row = db.query_one_raw(statement).await?;
        let min = row
            .and_then(|row| row.try_get::<i64>("", "n").ok())
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(MIN_WORD);
        Ok(*self.min_word.get_or_init(|| min))
    }
}

#[cfg(test)]
mod tests {
    use super::words;

    #[test]
    fn only_letters_and_digits_make_words() {
        assert_eq!(
            words(r#"  "a*" -b NEAR(c, d) éé_1 "#),
            ["a", "b", "NEAR", "c", "d", "éé", "1"]
        );
        assert!(words("\"*-() ").is_empty());
    }
}
