//! Row tokens: a short hash of a row's stored values, the validator behind the API's `ETag`
//! and the admin's `_version`, so a write can tell whether the row it was shown has changed.
//! No version column is needed in the schema.
//!
//! The hash is SHA-256 over a canonical text of every column, in declaration order: each
//! value as the crate renders it to JSON ([`value::to_json`]: datetimes and times cut to
//! microseconds with six digits, dates as `YYYY-MM-DD`, bytes as base64, NULL as `null`),
//! written as one JSON array with object keys sorted. That text is the same for the same
//! values on SQLite, PostgreSQL and MariaDB/MySQL, so a token read from one instance holds on
//! another whatever database it uses. The first 16 bytes of the digest, in hex, make the
//! token. Write-only columns (a password hash) count like any other: changing one changes the
//! token, and the digest reveals nothing about them.

use std::fmt::Write as _;

use sea_orm::Value;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use super::value;

/// Bytes of the digest kept: 128 bits, far from any accidental collision.
const KEPT: usize = 16;

/// The token of a row with these values (in the order of the model's columns).
pub(crate) fn of(values: &[Value]) -> String {
    let mut text = String::from("[");
    for (index, value) in values.iter().enumerate() {
        if index > 0 {
            text.push(',');
        }
        canonical(&value::to_json(value), &mut text);
    }
    text.push(']');
    let mut token = String::with_capacity(2 * KEPT);
    for byte in &Sha256::digest(text.as_bytes())[..KEPT] {
        let _ = write!(token, "{byte:02x}");
    }
    token
}

/// JSON text with object keys sorted, whatever order the database returned them in
/// (PostgreSQL's `jsonb` and MySQL's `JSON` each reorder keys their own way).
fn canonical(json: &Json, out: &mut String) {
    match json {
        Json::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        Json::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (index, (key, item)) in entries.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&Json::String(key.clone()).to_string());
                out.push(':');
                canonical(item, out);
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use serde_json::json;

    #[test]
    fn the_same_values_give_the_same_token_and_any_change_another() {
        let when = NaiveDate::from_ymd_opt(2026, 1, 2)
            .and_then(|d| d.and_hms_nano_opt(10, 30, 0, 123_456_789))
            .unwrap();
        let row = |text: &str| {
            vec![
                Value::Int(Some(1)),
                Value::String(Some(text.into())),
                Value::ChronoDateTime(Some(when)),
            ]
        };
        assert_eq!(of(&row("hi")), of(&row("hi")));
        assert_ne!(of(&row("hi")), of(&row("ho")));
        assert_eq!(of(&row("hi")).len(), 32);
        let cut = vec![
            Value::Int(Some(1)),
            Value::String(Some("hi".into())),
            Value::ChronoDateTime(Some(
                value::parse_datetime("2026-01-02T10:30:00.123456").unwrap(),
            )),
        ];
        assert_eq!(
            of(&row("hi")),
            of(&cut),
            "nanoseconds a database kept do not count"
        );
        assert_ne!(
            of(&[Value::String(None)]),
            of(&[Value::String(Some("null".into()))]),
            "NULL is not the text `null`"
        );
    }

    #[test]
    fn json_documents_compare_whatever_their_key_order() {
        let a = json!({"b": 1, "a": [1, {"y": 2, "x": 1}]});
        let mut one = String::new();
        let mut two = String::new();
        canonical(&a, &mut one);
        canonical(
            &serde_json::from_str(r#"{"a":[1,{"x":1,"y":2}],"b":1}"#).unwrap(),
            &mut two,
        );
        assert_eq!(one, two);
        assert_eq!(one, r#"{"a":[1,{"x":1,"y":2}],"b":1}"#);
    }
}
