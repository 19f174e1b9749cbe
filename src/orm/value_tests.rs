//! Reading and rendering values: every spelling accepted, every bad one refused.

use super::*;

fn column(kind: FieldKind) -> ColumnInfo {
    ColumnInfo {
        name: "field".into(),
        kind,
        nullable: true,
        unique: false,
        primary_key: false,
        has_default: false,
        default: None,
        foreign_key: None,
        max_chars: None,
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
            "2024-03-09T23:05:07.120000",
        ),
        (
            date.and_hms_micro_opt(1, 2, 3, 4).unwrap(),
            "2024-03-09T01:02:03.000004",
        ),
        (
            date.and_hms_nano_opt(1, 2, 3, 5).unwrap(),
            "2024-03-09T01:02:03",
        ),
        (
            date.and_hms_nano_opt(1, 2, 3, 123_456_789).unwrap(),
            "2024-03-09T01:02:03.123456",
        ),
    ] {
        let rendered = to_json(&Value::ChronoDateTime(Some(time)));
        assert_eq!(rendered, Json::String(text.into()));
        let utc = to_json(&Value::ChronoDateTimeUtc(Some(time.and_utc())));
        assert_eq!(
            utc,
            Json::String(text.into()),
            "the same text with an offset type"
        );
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
        is_null_word("none") && is_null_word("NULL") && !is_null_word("nil") && !is_null_word("")
    );
    let float = column(FieldKind::Double);
    assert_eq!(from_str(&float, "1.5").unwrap(), Value::Double(Some(1.5)));
    for bad in ["NaN", "inf", "-inf", "x"] {
        assert!(from_str(&float, bad).is_err(), "{bad}");
    }
}

#[test]
fn dates_outside_the_years_every_database_stores_are_refused_naming_the_field() {
    for kind in [FieldKind::DateTime, FieldKind::DateTimeUtc, FieldKind::Date] {
        let when = column(kind);
        for good in ["0001-01-01", "9999-12-31", "2024-02-29"] {
            assert!(from_str(&when, good).is_ok(), "{kind:?} {good}");
        }
        for bad in [
            "262142-01-01",
            "+262142-01-01",
            "-0001-01-01",
            "-1-01-01",
            "0000-01-01",
            "10000-01-01",
        ] {
            let error = from_str(&when, bad).unwrap_err();
            assert_eq!(error.field, "field", "{kind:?} {bad}");
        }
        assert!(from_json(&when, &serde_json::json!("262142-01-01")).is_err());
    }
    let utc = column(FieldKind::DateTimeUtc);
    assert!(
        from_str(&utc, "9999-12-31T23:00:00-05:00").is_err(),
        "the year is checked after the conversion to UTC"
    );
}

#[test]
fn json_with_a_nul_anywhere_is_refused() {
    let json = column(FieldKind::Json);
    assert!(from_str(&json, r#"{"a": ["x", "y"]}"#).is_ok());
    for bad in [
        r#""a\u0000b""#,
        r#"{"a": ["x", "\u0000"]}"#,
        r#"{"k\u0000": 1}"#,
    ] {
        let error = from_str(&json, bad).unwrap_err();
        assert!(error.reason.contains("NUL"), "{bad}");
    }
    assert!(from_json(&json, &serde_json::json!({"a": "\u{0}"})).is_err());
}

#[test]
fn accepted_datetimes_and_times_are_cut_to_microseconds() {
    let mut column = column(FieldKind::DateTime);
    let when = from_str(&column, "2026-01-02T10:30:00.123456789").unwrap();
    assert_eq!(
        to_json(&when),
        Json::String("2026-01-02T10:30:00.123456".into())
    );
    column.kind = FieldKind::Time;
    let time = from_str(&column, "10:30:00.9999999").unwrap();
    assert_eq!(to_json(&time), Json::String("10:30:00.999999".into()));
}
