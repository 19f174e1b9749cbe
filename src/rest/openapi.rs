//! `/api/openapi.json`: an OpenAPI 3.1 description generated from the registered resources.

use actix_web::http::Method;
use actix_web::{HttpResponse, web};
use serde_json::{Map, Value as Json, json};

use super::RestApi;
use super::erased::Resource;
use crate::orm::{ColumnInfo, FieldKind, Op};

fn column_schema(column: &ColumnInfo) -> Json {
    let (kind, format) = match column.kind {
        FieldKind::TinyInt | FieldKind::SmallInt | FieldKind::Int | FieldKind::Unsigned => {
            ("integer", Some("int32"))
        }
        FieldKind::BigInt | FieldKind::BigUnsigned => ("integer", Some("int64")),
        FieldKind::Float | FieldKind::Double => ("number", None),
        FieldKind::Bool => ("boolean", None),
        FieldKind::DateTime | FieldKind::DateTimeUtc => ("string", Some("date-time")),
        FieldKind::Date => ("string", Some("date")),
        FieldKind::Time => ("string", Some("time")),
        FieldKind::Json => return json!({}),
        _ => ("string", None),
    };
    let mut schema = Map::new();
    schema.insert(
        "type".into(),
        if column.nullable {
            json!([kind, "null"])
        } else {
            json!(kind)
        },
    );
    if let Some(format) = format {
        schema.insert("format".into(), json!(format));
    }
    Json::Object(schema)
}

fn schemas(api: &RestApi, resource: &Resource) -> (Json, Json) {
    let info = resource.info();
    let settings = &resource.settings;
    let mut output = Map::new();
    let mut input = Map::new();
    let mut required = Vec::new();
    for column in &info.columns {
        let mut schema = column_schema(column);
        let nested = column.foreign_key.as_ref().filter(|fk| {
            settings.include.contains(&column.name) && api.resource(&fk.table).is_some()
        });
        if settings.shows(&column.name) {
            let shown = match nested {
                Some(fk) => json!({ "$ref": format!("#/components/schemas/{}", fk.table) }),
                None => schema.clone(),
            };
            output.insert(column.name.clone(), shown);
        }
        let writable = !column.primary_key
            && !settings.readonly.contains(&column.name)
            && settings.owner_field.as_ref() != Some(&column.name)
            && (settings.shows(&column.name) || settings.exclude.contains(&column.name));
        if writable {
            if settings.exclude.contains(&column.name) {
                schema["writeOnly"] = json!(true);
            }
            if column.required() {
                required.push(column.name.clone());
            }
            if let Some(fk) = column
                .foreign_key
                .as_ref()
                .filter(|_| settings.nested_writes.contains(&column.name))
            {
                let nested = format!("#/components/schemas/{}_input", fk.table);
                schema = json!({ "oneOf": [schema, { "$ref": nested }] });
            }
            input.insert(column.name.clone(), schema);
        }
    }
    (
        json!({ "type": "object", "properties": output }),
        json!({ "type": "object", "properties": input, "required": required, "additionalProperties": false }),
    )
}

/// A change's body: the create's fields, none of them required (a change sends only the keys
/// it changes).
fn update_schema(input: &Json) -> Json {
    let mut update = input.clone();
    if let Some(object) = update.as_object_mut() {
        object.remove("required");
    }
    update
}

fn list_parameters(resource: &Resource) -> Vec<Json> {
    let mut parameters = vec![
        json!({ "name": "page", "in": "query", "schema": { "type": "integer", "minimum": 1 } }),
        json!({ "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": resource.settings.max_paginate_by } }),
        json!({ "name": "ordering", "in": "query", "description": "Comma-separated fields, `-` for descending.", "schema": { "type": "string" } }),
        json!({ "name": "cursor", "in": "query", "description": "Pages by cursor instead of `page`: empty for the first page, then the cursor of `meta.next` or `meta.previous`.", "schema": { "type": "string" } }),
    ];
    let description = format!(
        "Filter; also `<field>__<op>` with op one of {}, and `-` to negate.",
        Op::ALL.map(Op::name).join(", ")
    );
    for column in resource
        .info()
        .columns
        .iter()
        .filter(|c| resource.settings.shows(&c.name))
    {
        parameters.push(json!({ "name": column.name, "in": "query", "description": description, "schema": { "type": "string" } }));
    }
    parameters
}

fn operation(
    resource: &Resource,
    method: &Method,
    summary: String,
    body: Option<String>,
    ok: (&str, Json),
) -> Json {
    let mut op = json!({
        "tags": [resource.info().slug],
        "summary": summary,
        "responses": {
            ok.0: { "description": "OK", "content": { "application/json": { "schema": ok.1 } } },
            "400": { "$ref": "#/components/responses/Error" },
            "401": { "$ref": "#/components/responses/Error" },
            "403": { "$ref": "#/components/responses/Error" },
            "404": { "$ref": "#/components/responses/Error" },
        },
    });
    let error = json!({ "$ref": "#/components/responses/Error" });
    op["responses"]["503"] = error.clone();
    if let Some(schema) = body {
        op["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": { "$ref": schema } } } });
        for status in ["409", "413", "415"] {
            op["responses"][status] = error.clone();
        }
    }
    if resource.auth.protected_methods().contains(method)
        && let Some(scheme) = resource.auth.scheme()
    {
        op["security"] = json!([{ scheme.name(): [] }]);
        op["responses"]["429"] = error;
    }
    op
}

/// The row's validator on a detail or a write to a row: `ETag` on the answers that describe
/// the row, `If-None-Match` and 304 on a GET, `If-Match` with 412 (and 428 when the resource
/// requires it) on writes.
fn conditional(op: &mut Json, resource: &Resource, method: &Method) {
    let etag = json!({ "ETag": { "$ref": "#/components/headers/ETag" } });
    let ok = if *method == Method::DELETE {
        None
    } else {
        Some("200")
    };
    if let Some(ok) = ok {
        op["responses"][ok]["headers"] = etag.clone();
    }
    let parameter = if *method == Method::GET {
        op["responses"]["304"] = json!({ "description": "Not modified: the row still has the ETag sent in If-None-Match", "headers": etag });
        json!({ "name": "If-None-Match", "in": "header", "description": "The row's ETag from an earlier read: 304 without a body while it is current.", "schema": { "type": "string" } })
    } else {
        let required = resource.settings.require_if_match;
        op["responses"]["412"] = json!({ "$ref": "#/components/responses/Error" });
        if required {
            op["responses"]["428"] = json!({ "$ref": "#/components/responses/Error" });
        }
        json!({ "name": "If-Match", "in": "header", "required": required, "description": "The row's ETag (or `*`): the write happens only while the row still has it, else 412 and nothing changes. A row that is not there fails it too.", "schema": { "type": "string" } })
    };
    op["parameters"] = json!([parameter]);
}

/// Builds the document.
pub(super) fn build(api: &RestApi) -> Json {
    let mut paths = Map::new();
    let mut components = Map::new();
    for (slug, resource) in &api.inner.resources {
        let (output, input) = schemas(api, resource);
        components.insert(slug.clone(), output);
        components.insert(format!("{slug}_update"), update_schema(&input));
        components.insert(format!("{slug}_input"), input);
        let prefix = &api.inner.prefix;
        paths.insert(format!("{prefix}/{slug}/"), collection(slug, resource));
        paths.insert(format!("{prefix}/{slug}/{{pk}}/"), member(slug, resource));
        if resource.settings.allowed_methods.contains(&Method::DELETE) {
            let path = format!("{prefix}/{slug}/{{pk}}/delete/");
            paths.insert(path, delete_by_post(slug, resource));
        }
    }
    components.insert("meta".into(), json!({ "type": "object", "properties": {
        "model": { "type": "string" }, "page": { "type": ["integer", "null"] },
        "page_count": { "type": ["integer", "null"] }, "object_count": { "type": ["integer", "null"] },
        "previous": { "type": "string" }, "next": { "type": "string" } } }));
    components.insert("error".into(), json!({ "type": "object", "properties": { "error": { "type": "string" } }, "required": ["error"] }));
    json!({
        "openapi": "3.1.0",
        "info": { "title": "REST API", "version": env!("CARGO_PKG_VERSION") },
        "paths": paths,
        "components": {
            "schemas": components,
            "headers": { "ETag": { "description": "The row's version: a hash of its stored values, quoted. Send it back in If-Match to write only that version, or in If-None-Match to read only a newer one.", "schema": { "type": "string" } } },
            "responses": { "Error": { "description": "Error", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/error" } } } } },
            "securitySchemes": {
                "basic": { "type": "http", "scheme": "basic" },
                "bearer": { "type": "http", "scheme": "bearer" },
                "apiKey": { "type": "apiKey", "in": "header", "name": "X-API-Key" },
            },
        },
    })
}

/// `<prefix>/<slug>/`: the list and the create, as far as the resource allows them.
fn collection(slug: &str, resource: &Resource) -> Json {
    let object = format!("#/components/schemas/{slug}");
    let allowed = &resource.settings.allowed_methods;
    let mut operations = Map::new();
    if allowed.contains(&Method::GET) {
        let list_schema = json!({ "type": "object", "properties": {
            "meta": { "$ref": "#/components/schemas/meta" },
            "objects": { "type": "array", "items": { "$ref": object } } } });
        let mut get = operation(
            resource,
            &Method::GET,
            format!("List {slug}"),
            None,
            ("200", list_schema),
        );
        get["parameters"] = json!(list_parameters(resource));
        operations.insert("get".into(), get);
    }
    if allowed.contains(&Method::POST) {
        let mut post = operation(
            resource,
            &Method::POST,
            format!("Create a {slug}"),
            Some(format!("#/components/schemas/{slug}_input")),
            ("201", json!({ "$ref": object })),
        );
        post["responses"]["201"]["headers"] =
            json!({ "ETag": { "$ref": "#/components/headers/ETag" } });
        operations.insert("post".into(), post);
    }
    Json::Object(operations)
}

/// `<prefix>/<slug>/{pk}/`: read, change (PUT, PATCH or POST, each with only the keys sent)
/// and delete, each with its preconditions.
fn member(slug: &str, resource: &Resource) -> Json {
    let object = json!({ "$ref": format!("#/components/schemas/{slug}") });
    let update = format!("#/components/schemas/{slug}_update");
    let change = format!("Change a {slug} (only the keys sent)");
    // What each operation is, and the resource's method it needs (PATCH and POST edit as PUT).
    let operations = [
        ("get", Method::GET, format!("Read a {slug}"), None),
        ("put", Method::PUT, change.clone(), Some(update.clone())),
        ("patch", Method::PUT, change.clone(), Some(update.clone())),
        ("post", Method::PUT, change, Some(update)),
    ];
    let mut member = Map::new();
    for (name, method, summary, body) in operations {
        if resource.settings.allowed_methods.contains(&method) {
            let mut op = operation(resource, &method, summary, body, ("200", object.clone()));
            conditional(&mut op, resource, &method);
            member.insert(name.into(), op);
        }
    }
    if resource.settings.allowed_methods.contains(&Method::DELETE) {
        member.insert("delete".into(), delete(slug, resource));
    }
    member.insert("parameters".into(), pk_parameter());
    Json::Object(member)
}

/// `<prefix>/<slug>/{pk}/delete/`: the delete as a POST, for clients that cannot send DELETE.
fn delete_by_post(slug: &str, resource: &Resource) -> Json {
    json!({ "post": delete(slug, resource), "parameters": pk_parameter() })
}

fn delete(slug: &str, resource: &Resource) -> Json {
    let deleted = json!({ "type": "object", "properties": { "deleted": { "type": "integer" } } });
    let summary = format!("Delete a {slug}");
    let mut op = operation(resource, &Method::DELETE, summary, None, ("200", deleted));
    conditional(&mut op, resource, &Method::DELETE);
    op
}

fn pk_parameter() -> Json {
    json!([{ "name": "pk", "in": "path", "required": true, "schema": { "type": "string" } }])
}

pub(super) async fn document(api: web::Data<RestApi>) -> HttpResponse {
    HttpResponse::Ok().json(build(&api))
}
