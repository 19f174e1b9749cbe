//! Conversions between request input (query strings, form fields, JSON) and database values.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, SubsecRound, Timelike, Utc};
use sea_orm::Value;
use serde_json::Value as Json;

use super::model::{ColumnInfo, FieldKind};

/// Why a value could not be read for a column. The message always names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid value for field `{field}`: {reason}")]
pub struct ValueError {
    /// The column name.
    pub field: String,
    /// What was wrong, for a person.
    pub reason: String,
}

impl ValueError {
    fn new(column: &ColumnInfo, reason: impl Into<String>) -> Self {
        Self {
            field: column.name.clone(),
            reason: reason.into(),
        }
    }
}

/// The typed NULL of a column: the value a nullable column takes when cleared.
pub fn null_of(kind: FieldKind) -> Value {
    match kind {
        FieldKind::TinyInt => Value::TinyInt(None),
        FieldKind::SmallInt => Value::SmallInt(None),
        FieldKind::Int => Value::Int(None),
        FieldKind::BigInt => Value::BigInt(None),
        FieldKind::Unsigned => Value::Unsigned(None),
        FieldKind::BigUnsigned => Value::BigUnsigned(None),
        FieldKind::Float => Value::Float(None),
        FieldKind::Double => Value::Double(None),
        FieldKind::String | FieldKind::Text | FieldKind::Other => Value::String(None),
        FieldKind::Bool => Value::Bool(None),
        FieldKind::DateTime => Value::ChronoDateTime(None),
        FieldKind::DateTimeUtc => Value::ChronoDateTimeUtc(None),
        FieldKind::Date => Value::ChronoDate(None),
        FieldKind::Time => Value::ChronoTime(None),
        FieldKind::Json => Value::Json(None),
        FieldKind::Binary => Value::Bytes(None),
    }
}

/// Whether a query-string value means NULL (`none`, `null`, any case).
pub fn is_null_word(text: &str) -> bool {
    text.eq_ignore_ascii_case("none") || text.eq_ignore_ascii_case("null")
}

/// Reads a boolean written by a person or a form: `true/false`, `1/0`, `yes/no`, `on/off`, `t/f`, `y/n`.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "t" | "1" | "yes" | "y" | "on" => Some(true),
        "false" | "f" | "0" | "no" | "n" | "off" => Some(false),
        _ => None,
    }
}

/// Reads a date and time without offset. Accepts `2024-01-01T00:21:00`, a space instead of
/// `T`, fractional seconds, minutes only (`datetime-local` inputs), a bare date (midnight), and
/// RFC 3339 with an offset (converted to UTC).
pub fn parse_datetime(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    const FORMATS: [&str; 4] = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ];
    FORMATS
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .or_else(|| {
            DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|dt| dt.naive_utc())
        })
        .or_else(|| parse_date(text).and_then(|date| date.and_hms_opt(0, 0, 0)))
}

fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

fn parse_time(text: &str) -> Option<NaiveTime> {
    let text = text.trim();
    NaiveTime::parse_from_str(text, "%H:%M:%S%.f")
        .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M"))
        .ok()
}

fn parse_int<T: std::str::FromStr>(column: &ColumnInfo, text: &str) -> Result<T, ValueError> {
    text.trim().parse::<T>().map_err(|_| {
        ValueError::new(
            column,
            format!("`{}` is not a whole number in range", shorten(text)),
        )
    })
}

fn parse_float<T: std::str::FromStr + Copy + Into<f64>>(
    column: &ColumnInfo,
    text: &str,
) -> Result<T, ValueError> {
    match text.trim().parse::<T>() {
        Ok(number) if Into::<f64>::into(number).is_finite() => Ok(number),
        _ => Err(ValueError::new(
            column,
            format!("`{}` is not a number", shorten(text)),
        )),
    }
}

/// Keeps error messages short when the input is huge.
fn shorten(text: &str) -> String {
    const MAX: usize = 40;
    match text.char_indices().nth(MAX) {
        Some((index, _)) => format!("{}…", &text[..index]),
        None => text.to_owned(),
    }
}

/// PostgreSQL refuses NUL in text and JSON (a 500 if it got that far); the other databases
/// would store it, so it is refused everywhere.
const NUL: &str = "cannot contain NUL characters";

fn check_text(column: &ColumnInfo, text: &str) -> Result<(), ValueError> {
    if text.contains('\0') {
        return Err(ValueError::new(column, NUL));
    }
    Ok(())
}

/// Whether a JSON document has a NUL in any string or key.
fn json_has_nul(json: &Json) -> bool {
    match json {
        Json::String(text) => text.contains('\0'),
        Json::Array(items) => items.iter().any(json_has_nul),
        Json::Object(map) => map
            .iter()
            .any(|(key, item)| key.contains('\0') || json_has_nul(item)),
        _ => false,
    }
}

fn check_json(column: &ColumnInfo, json: &Json) -> Result<(), ValueError> {
    if json_has_nul(json) {
        return Err(ValueError::new(column, NUL));
    }
    Ok(())
}

/// The years every supported database stores in its date and datetime columns (MySQL's
/// `DATETIME` goes up to 9999; PostgreSQL's and SQLite's further, and year 0 and before is
/// refused or mangled by some of them).
pub const YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

fn check_year(column: &ColumnInfo, text: &str, date: NaiveDate) -> Result<(), ValueError> {
    use chrono::Datelike as _;
    if YEARS.contains(&date.year()) {
        return Ok(());
    }
    Err(ValueError::new(
        column,
        format!(
            "`{}` is outside the years {} to {}",
            shorten(text),
            YEARS.start(),
            YEARS.end()
        ),
    ))
}

/// Reads a value for `column` from text (a query string or a form field). The text is never
/// NULL here: callers decide what an empty field or `none` means for them.
pub fn from_str(column: &ColumnInfo, text: &str) -> Result<Value, ValueError> {
    let invalid =
        |what: &str| ValueError::new(column, format!("`{}` is not {what}", shorten(text)));
    Ok(match column.kind {
        FieldKind::TinyInt => Value::TinyInt(Some(parse_int(column, text)?)),
        FieldKind::SmallInt => Value::SmallInt(Some(parse_int(column, text)?)),
        FieldKind::Int => Value::Int(Some(parse_int(column, text)?)),
        FieldKind::BigInt => Value::BigInt(Some(parse_int(column, text)?)),
        FieldKind::Unsigned => Value::Unsigned(Some(parse_int(column, text)?)),
        FieldKind::BigUnsigned => Value::BigUnsigned(Some(parse_int(column, text)?)),
        FieldKind::Float => Value::Float(Some(parse_float(column, text)?)),
        FieldKind::Double => Value::Double(Some(parse_float(column, text)?)),
        FieldKind::String | FieldKind::Text => {
            check_text(column, text)?;
            Value::String(Some(text.to_owned()))
        }
        FieldKind::Bool => Value::Bool(Some(parse_bool(text).ok_or_else(|| invalid("a boolean"))?)),
        FieldKind::DateTime | FieldKind::DateTimeUtc => {
            let when = parse_datetime(text)
                .ok_or_else(|| invalid("a date and time"))?
                .trunc_subsecs(6);
            check_year(column, text, when.date())?;
            if column.kind == FieldKind::DateTime {
                Value::ChronoDateTime(Some(when))
            } else {
                Value::ChronoDateTimeUtc(Some(when.and_utc()))
            }
        }
        FieldKind::Date => {
            let date = parse_date(text).ok_or_else(|| invalid("a date"))?;
            check_year(column, text, date)?;
            Value::ChronoDate(Some(date))
        }
        FieldKind::Time => Value::ChronoTime(Some(
            parse_time(text)
                .ok_or_else(|| invalid("a time"))?
                .trunc_subsecs(6),
        )),
        FieldKind::Json => {
            let json: Json = serde_json::from_str(text).map_err(|_| invalid("valid JSON"))?;
            check_json(column, &json)?;
            Value::Json(Some(Box::new(json)))
        }
        FieldKind::Binary | FieldKind::Other => {
            return Err(ValueError::new(
                column,
                "this field cannot be set from text",
            ));
        }
    })
}

/// Reads a value for `column` from a JSON body. `null` gives the typed NULL (whether NULL is
/// allowed is the caller's check). Numbers must be numbers and strings strings, except that
/// datetimes and dates come as ISO 8601 strings.
pub fn from_json(column: &ColumnInfo, json: &Json) -> Result<Value, ValueError> {
    if json.is_null() {
        return Ok(null_of(column.kind));
    }
    let expected = |what: &str| ValueError::new(column, format!("expected {what}"));
    match column.kind {
        FieldKind::TinyInt
        | FieldKind::SmallInt
        | FieldKind::Int
        | FieldKind::BigInt
        | FieldKind::Unsigned
        | FieldKind::BigUnsigned => match json {
            Json::Number(number) if number.is_i64() || number.is_u64() => {
                from_str(column, &number.to_string())
            }
            _ => Err(expected("an integer")),
        },
        FieldKind::Float | FieldKind::Double => match json {
            Json::Number(number) => from_str(column, &number.to_string()),
            _ => Err(expected("a number")),
        },
        FieldKind::Bool => match json {
            Json::Bool(flag) => Ok(Value::Bool(Some(*flag))),
            _ => Err(expected("true or false")),
        },
        FieldKind::Json => {
            check_json(column, json)?;
            Ok(Value::Json(Some(Box::new(json.clone()))))
        }
        FieldKind::String
        | FieldKind::Text
        | FieldKind::DateTime
        | FieldKind::DateTimeUtc
        | FieldKind::Date
        | FieldKind::Time => match json {
            Json::String(text) => from_str(column, text),
            _ => Err(expected("a string")),
        },
        FieldKind::Binary | FieldKind::Other => {
            Err(ValueError::new(column, "this field cannot be written"))
        }
    }
}

/// Datetimes and times carry at most microseconds, the finest every supported database
/// stores (PostgreSQL's and MySQL's limit; SQLite keeps the text it is given): values the
/// crate sets or accepts are cut to it, so the same value reads back the same everywhere.
pub fn to_micros(value: Value) -> Value {
    match value {
        Value::ChronoDateTime(Some(dt)) => Value::ChronoDateTime(Some(dt.trunc_subsecs(6))),
        Value::ChronoDateTimeUtc(Some(dt)) => Value::ChronoDateTimeUtc(Some(dt.trunc_subsecs(6))),
        Value::ChronoTime(Some(t)) => Value::ChronoTime(Some(t.trunc_subsecs(6))),
        other => other,
    }
}

/// `10:30:00`, or `10:30:00.123456` when there is a fraction: always six digits, so a value
/// reads the same whatever precision the database kept (SQLite keeps nanoseconds written by
/// other programs; they are cut here too).
fn time_text(time: NaiveTime) -> String {
    let mut text = String::with_capacity(15);
    push_time(&mut text, time);
    text
}

/// Writes `HH:MM:SS` and, when there is one, the fraction as six digits.
fn push_time(text: &mut String, time: NaiveTime) {
    use std::fmt::Write as _;
    let _ = write!(
        text,
        "{:02}:{:02}:{:02}",
        time.hour(),
        time.minute(),
        time.second()
    );
    // Past 999,999 µs is a leap second: chrono counts it in the fraction.
    let micros = time.nanosecond() / 1000;
    if micros != 0 {
        let _ = write!(text, ".{micros:06}");
    }
}

fn datetime_text(dt: NaiveDateTime) -> String {
    use std::fmt::Write as _;
    let mut text = String::with_capacity(26);
    let _ = write!(text, "{:?}T", dt.date());
    push_time(&mut text, dt.time());
    text
}

/// Renders a database value as JSON: datetimes as ISO 8601 without offset
/// (`2024-01-01T00:21:00`, or `2024-01-01T00:21:00.123456` with a fraction: six digits, the
/// same text on every database), bytes as base64, NULL as `null`. Dates use chrono's `Debug`
/// (`%Y-%m-%d`), which costs no format-string parsing per value.
pub fn to_json(value: &Value) -> Json {
    use base64::Engine as _;
    match value {
        Value::Bool(v) => v.map_or(Json::Null, Json::Bool),
        Value::TinyInt(v) => v.map_or(Json::Null, Json::from),
        Value::SmallInt(v) => v.map_or(Json::Null, Json::from),
        Value::Int(v) => v.map_or(Json::Null, Json::from),
        Value::BigInt(v) => v.map_or(Json::Null, Json::from),
        Value::TinyUnsigned(v) => v.map_or(Json::Null, Json::from),
        Value::SmallUnsigned(v) => v.map_or(Json::Null, Json::from),
        Value::Unsigned(v) => v.map_or(Json::Null, Json::from),
        Value::BigUnsigned(v) => v.map_or(Json::Null, Json::from),
        Value::Float(v) => v.map_or(Json::Null, Json::from),
        Value::Double(v) => v.map_or(Json::Null, Json::from),
        Value::String(v) => v.as_ref().map_or(Json::Null, |s| Json::String(s.clone())),
        Value::Char(v) => v.map_or(Json::Null, |c| Json::String(c.to_string())),
        Value::Bytes(v) => v.as_ref().map_or(Json::Null, |bytes| {
            Json::String(base64::engine::general_purpose::STANDARD.encode(bytes))
        }),
        Value::Json(v) => v.as_ref().map_or(Json::Null, |json| (**json).clone()),
        Value::ChronoDate(v) => v.map_or(Json::Null, |d| Json::String(format!("{d:?}"))),
        Value::ChronoTime(v) => v.map_or(Json::Null, |t| Json::String(time_text(t))),
        Value::ChronoDateTime(v) => v.map_or(Json::Null, |dt| Json::String(datetime_text(dt))),
        Value::ChronoDateTimeUtc(v) => v.map_or(Json::Null, |dt: DateTime<Utc>| {
            Json::String(datetime_text(dt.naive_utc()))
        }),
        Value::ChronoDateTimeWithTimeZone(v) => {
            v.map_or(Json::Null, |dt| Json::String(datetime_text(dt.naive_utc())))
        }
        Value::ChronoDateTimeLocal(v) => {
            v.map_or(Json::Null, |dt| Json::String(datetime_text(dt.naive_utc())))
        }
        other => Json::String(format!("{other:?}")),
    }
}

/// Renders a value as plain text for HTML pages and CSV: what `to_json` gives, without quotes;
/// NULL is the empty string.
pub fn to_text(value: &Value) -> String {
    match to_json(value) {
        Json::Null => String::new(),
        Json::String(text) => text,
        other => other.to_string(),
    }
}

/// Whether a value is a NULL of any type.
pub fn is_null(value: &Value) -> bool {
    match value {
        Value::Bool(v) => v.is_none(),
        Value::TinyInt(v) => v.is_none(),
        Value::SmallInt(v) => v.is_none(),
        Value::Int(v) => v.is_none(),
        Value::BigInt(v) => v.is_none(),
        Value::TinyUnsigned(v) => v.is_none(),
        Value::SmallUnsigned(v) => v.is_none(),
        Value::Unsigned(v) => v.is_none(),
        Value::BigUnsigned(v) => v.is_none(),
        Value::Float(v) => v.is_none(),
        Value::Double(v) => v.is_none(),
        Value::String(v) => v.is_none(),
        Value::Char(v) => v.is_none(),
        Value::Bytes(v) => v.is_none(),
        Value::Json(v) => v.is_none(),
        Value::ChronoDate(v) => v.is_none(),
        Value::ChronoTime(v) => v.is_none(),
        Value::ChronoDateTime(v) => v.is_none(),
        Value::ChronoDateTimeUtc(v) => v.is_none(),
        Value::ChronoDateTimeLocal(v) => v.is_none(),
        Value::ChronoDateTimeWithTimeZone(v) => v.is_none(),
        other => to_json(other).is_null(),
    }
}

#[cfg(test)]
#[path = "value_tests.rs"]
mod tests;
