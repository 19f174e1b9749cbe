//! Conversions between request input (query strings, form fields, JSON) and database values.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
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

fn check_text(column: &ColumnInfo, text: &str) -> Result<(), ValueError> {
    if text.contains('\0') {
        return Err(ValueError::new(
            column,
            "text may not contain NUL characters",
        ));
    }
    Ok(())
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
        FieldKind::DateTime => Value::ChronoDateTime(Some(
            parse_datetime(text).ok_or_else(|| invalid("a date and time"))?,
        )),
        FieldKind::DateTimeUtc => Value::ChronoDateTimeUtc(Some(
            parse_datetime(text)
                .ok_or_else(|| invalid("a date and time"))?
                .and_utc(),
        )),
        FieldKind::Date => {
            Value::ChronoDate(Some(parse_date(text).ok_or_else(|| invalid("a date"))?))
        }
        FieldKind::Time => {
            Value::ChronoTime(Some(parse_time(text).ok_or_else(|| invalid("a time"))?))
        }
        FieldKind::Json => {
            let json: Json = serde_json::from_str(text).map_err(|_| invalid("valid JSON"))?;
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
        FieldKind::Json => Ok(Value::Json(Some(Box::new(json.clone())))),
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

/// Renders a database value as JSON: datetimes as ISO 8601 without offset
/// (`2024-01-01T00:21:00`), bytes as base64, NULL as `null`. Dates and times use chrono's
/// `Debug`, which is documented as `%Y-%m-%d`, `%H:%M:%S%.f` and their join with `T`, and
/// costs no format-string parsing per value.
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
        Value::ChronoTime(v) => v.map_or(Json::Null, |t| Json::String(format!("{t:?}"))),
        Value::ChronoDateTime(v) => v.map_or(Json::Null, |dt| Json::String(format!("{dt:?}"))),
        Value::ChronoDateTimeUtc(v) => v.map_or(Json::Null, |dt: DateTime<Utc>| {
            Json::String(format!("{:?}", dt.naive_utc()))
        }),
        Value::ChronoDateTimeWithTimeZone(v) => v.map_or(Json::Null, |dt| {
            Json::String(format!("{:?}", dt.naive_utc()))
        }),
        Value::ChronoDateTimeLocal(v) => v.map_or(Json::Null, |dt| {
            Json::String(format!("{:?}", dt.naive_utc()))
        }),
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
mod tests {
    use super::*;

    fn column(kind: FieldKind) -> ColumnInfo {
        ColumnInfo {
            name: "field".into(),
            kind,
            nullable: true,
            unique: false,
            primary_key: false,
            has_default: false,
            foreign_key: None,
        }
    }

    #[test]
    fn integers_reject_garbage_overflow_and_fractions_naming_the_field() {
        let int = column(FieldKind::Int);
        assert_eq!(from_str(&int, "42").unwrap(), Value::Int(Some(42)));
        assert_eq!(from_str(&int, " -7 ").unwrap(), Value::Int(Some(-7)));
        for bad in [
            "",
            "abc",
            "1.5",
            "2147483648",
            "99999999999999999999999",
            "1e3",
            "0x10",
            "1;DROP",
        ] {
            let error = from_str(&int, bad).unwrap_err();
            assert_eq!(error.field, "field", "{bad}");
            assert!(error.to_string().contains("field"), "{bad}");
        }
        assert_eq!(
            from_str(&column(FieldKind::BigInt), "2147483648").unwrap(),
            Value::BigInt(Some(2147483648))
        );
        assert!(from_str(&column(FieldKind::TinyInt), "128").is_err());
        assert!(from_str(&column(FieldKind::Unsigned), "-1").is_err());
    }

    #[test]
    fn every_boolean_spelling_is_understood_and_nothing_else() {
        let flag = column(FieldKind::Bool);
        for yes in ["true", "TRUE", "True", "t", "1", "yes", "y", "on", "On"] {
            assert_eq!(
                from_str(&flag, yes).unwrap(),
                Value::Bool(Some(true)),
                "{yes}"
            );
        }
        for no in ["false", "FALSE", "f", "0", "no", "n", "off"] {
            assert_eq!(
                from_str(&flag, no).unwrap(),
                Value::Bool(Some(false)),
                "{no}"
            );
        }
        for bad in ["", "2", "maybe", "truee", "null"] {
            assert!(from_str(&flag, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_and_times_render_as_iso_8601_without_offset() {
        let date = NaiveDate::from_ymd_opt(2024, 3, 9).unwrap();
        for (time, text) in [
            (date.and_hms_opt(0, 21, 0).unwrap(), "2024-03-09T00:21:00"),
            (
                date.and_hms_milli_opt(23, 5, 7, 120).unwrap(),
                "2024-03-09T23:05:07.120",
            ),
            (
                date.and_hms_micro_opt(1, 2, 3, 4).unwrap(),
                "2024-03-09T01:02:03.000004",
            ),
            (
                date.and_hms_nano_opt(1, 2, 3, 5).unwrap(),
                "2024-03-09T01:02:03.000000005",
            ),
        ] {
            let rendered = to_json(&Value::ChronoDateTime(Some(time)));
            assert_eq!(rendered, Json::String(text.into()));
            assert_eq!(text, time.format("%Y-%m-%dT%H:%M:%S%.f").to_string());
        }
        assert_eq!(
            to_json(&Value::ChronoDate(Some(date))),
            Json::String("2024-03-09".into())
        );
        let time = chrono::NaiveTime::from_hms_opt(7, 8, 9).unwrap();
        assert_eq!(
            to_json(&Value::ChronoTime(Some(time))),
            Json::String("07:08:09".into())
        );
    }

    #[test]
    fn datetimes_in_every_common_format_and_bad_ones_rejected() {
        let when = column(FieldKind::DateTime);
        let expected = NaiveDate::from_ymd_opt(2024, 1, 1)
            .unwrap()
            .and_hms_opt(0, 21, 0)
            .unwrap();
        for text in [
            "2024-01-01T00:21:00",
            "2024-01-01 00:21:00",
            "2024-01-01T00:21",
            "2024-01-01T00:21:00.000",
            "2024-01-01T01:21:00+01:00",
            "2024-01-01T00:21:00Z",
        ] {
            assert_eq!(
                from_str(&when, text).unwrap(),
                Value::ChronoDateTime(Some(expected)),
                "{text}"
            );
        }
        let midnight = NaiveDate::from_ymd_opt(2024, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        assert_eq!(
            from_str(&when, "2024-01-01").unwrap(),
            Value::ChronoDateTime(Some(midnight))
        );
        for bad in [
            "",
            "yesterday",
            "2024-13-01",
            "2024-02-30T00:00:00",
            "01/02/2024",
            "2024-01-01T25:00",
        ] {
            assert!(from_str(&when, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn datetimes_render_as_iso_without_offset() {
        let when = NaiveDate::from_ymd_opt(2024, 1, 1)
            .unwrap()
            .and_hms_opt(0, 21, 0)
            .unwrap();
        assert_eq!(
            to_json(&Value::ChronoDateTime(Some(when))),
            Json::from("2024-01-01T00:21:00")
        );
        assert_eq!(
            to_json(&Value::ChronoDateTimeUtc(Some(when.and_utc()))),
            Json::from("2024-01-01T00:21:00")
        );
        assert_eq!(to_json(&Value::ChronoDateTime(None)), Json::Null);
    }

    #[test]
    fn text_rejects_nul_and_keeps_everything_else() {
        let text = column(FieldKind::Text);
        assert!(
            from_str(&text, "a\0b")
                .unwrap_err()
                .to_string()
                .contains("field")
        );
        assert_eq!(
            from_str(&text, "").unwrap(),
            Value::String(Some(String::new()))
        );
        assert_eq!(
            from_str(&text, "50% _x_ 'quote'").unwrap(),
            Value::String(Some("50% _x_ 'quote'".into()))
        );
    }

    #[test]
    fn json_bodies_must_carry_the_right_types() {
        let int = column(FieldKind::Int);
        assert_eq!(
            from_json(&int, &serde_json::json!(5)).unwrap(),
            Value::Int(Some(5))
        );
        assert_eq!(from_json(&int, &Json::Null).unwrap(), Value::Int(None));
        for bad in [
            serde_json::json!("5"),
            serde_json::json!(5.5),
            serde_json::json!(true),
            serde_json::json!([1]),
            serde_json::json!(1e20),
        ] {
            assert!(from_json(&int, &bad).is_err(), "{bad}");
        }
        let flag = column(FieldKind::Bool);
        assert!(from_json(&flag, &serde_json::json!("true")).is_err());
        let text = column(FieldKind::String);
        assert!(from_json(&text, &serde_json::json!(1)).is_err());
        assert!(from_json(&text, &serde_json::json!("a\u{0}")).is_err());
        let when = column(FieldKind::DateTime);
        assert!(from_json(&when, &serde_json::json!("2024-01-01T00:21:00")).is_ok());
        assert!(from_json(&when, &serde_json::json!(1700000000)).is_err());
    }

    #[test]
    fn null_words_and_floats() {
        assert!(
            is_null_word("none")
                && is_null_word("NULL")
                && !is_null_word("nil")
                && !is_null_word("")
        );
        let float = column(FieldKind::Double);
        assert_eq!(from_str(&float, "1.5").unwrap(), Value::Double(Some(1.5)));
        for bad in ["NaN", "inf", "-inf", "x"] {
            assert!(from_str(&float, bad).is_err(), "{bad}");
        }
    }
}
