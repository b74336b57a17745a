//! How the edits (OGC API - Features Part 4 style) are described: per layer, the Feature a
//! create or replace takes (its geometry family and its kind's property schema, from
//! [`crate::model`]), the merge patch, the bearer token, and every refusal.

use serde_json::{json, Map, Value};

use super::ogc::feature_id;
use super::schema::{feature_out, geometry_of, lonlat, responses, Refusal};
use crate::model::{FieldType, LayerKind, COMMON_FIELDS};
use crate::snapshot::Layer;

/// The schema of one property type, as [`crate::load`] checks it.
fn field_schema(ty: FieldType) -> Value {
    let text = json!({"type": "string", "pattern": "\\S"});
    match ty {
        FieldType::Text => text,
        FieldType::Number { min } => json!({"type": "number", "minimum": min}),
        FieldType::Integer { min } => {
            json!({"type": "integer", "minimum": min, "maximum": i64::MAX})
        }
        FieldType::Bool => json!({"type": "boolean"}),
        FieldType::Enum(values) => json!({"type": "string", "enum": values}),
        FieldType::EnumList(values) => {
            json!({"type": "array", "items": {"type": "string", "enum": values}})
        }
        FieldType::TextList => json!({"type": "array", "items": text}),
        FieldType::TimeList => {
            json!({"type": "array", "items": {"type": "string", "pattern": "\\S", "description": "a time HH:MM"}})
        }
        FieldType::OpeningHours => {
            json!({"type": "string", "pattern": "\\S", "description": "OpenStreetMap opening_hours syntax, e.g. Mo-Fr 09:00-18:00; PH off"})
        }
        FieldType::Date => {
            json!({"type": "string", "pattern": "\\S", "description": "a date YYYY-MM-DD"})
        }
        FieldType::Position => lonlat(),
    }
}

/// The properties a feature of `kind` takes: its schema's fields (optional ones may be
/// null), any others, and `source` whenever `synthetic` is true.
fn properties_schema(kind: LayerKind) -> (Value, bool) {
    let mut props = Map::new();
    let mut required = Vec::new();
    for f in COMMON_FIELDS.iter().chain(kind.fields()) {
        let mut s = field_schema(f.ty);
        if f.required {
            required.push(f.name);
        } else {
            s["nullable"] = json!(true);
            if let Some(e) = s.get_mut("enum").and_then(Value::as_array_mut) {
                e.push(Value::Null);
            }
        }
        props.insert(f.name.to_string(), s);
    }
    let mut schema = json!({
        "type": "object", "properties": props, "additionalProperties": true,
        "description": "the kind's properties (any others are kept as they are); a synthetic feature must name its source",
        "anyOf": [
            {"properties": {"synthetic": {"type": "boolean", "enum": [false, null], "nullable": true}}},
            {"required": ["source"]}
        ]
    });
    let any_required = !required.is_empty();
    if any_required {
        schema["required"] = json!(required);
    } else {
        schema["nullable"] = json!(true);
    }
    (schema, any_required)
}

/// A Feature to create or replace, in WGS84.
fn feature_in(l: &Layer) -> Value {
    let (props, props_required) = properties_schema(l.spec.kind);
    let mut required = vec!["type", "geometry"];
    if props_required {
        required.push("properties");
    }
    json!({"type": "object", "required": required, "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "id": {"description": "a non-empty string or a number; absent or null on create: one is made (<layer>-<n>); on replace, the id in the path", "nullable": true,
            "anyOf": [{"type": "string", "pattern": "\\S"}, {"type": "number"}]},
        "geometry": geometry_of(l.spec.kind.geometry()),
        "properties": props
    }, "description": "a GeoJSON Feature in WGS84, checked like the loader checks the layer file (geometry family, valid polygons, every property of the kind)"})
}

/// A merge patch: `properties` members replace (null deletes), `geometry` replaces.
fn patch_in(l: &Layer) -> Value {
    json!({"type": "object", "additionalProperties": false, "properties": {
        "type": {"description": "ignored (Feature by convention)"},
        "id": {"type": "string", "description": "if given, the id in the path"},
        "geometry": geometry_of(l.spec.kind.geometry()),
        "properties": {"type": "object", "description": "members replace the feature's, null deletes one; the result is checked like the loader checks the layer file"}
    }, "description": "only type, id, geometry and properties; the patched feature must be valid as a whole"})
}

fn body(schema: Value, example: Option<Value>, types: &[&str]) -> Value {
    let mut content = Map::new();
    for t in types {
        let mut media = json!({"schema": schema});
        if let Some(e) = &example {
            media["example"] = e.clone();
        }
        content.insert((*t).to_string(), media);
    }
    json!({"required": true, "content": content})
}

/// The refusals every edit can give.
const EDIT: [Refusal; 7] = [
    Refusal::Invalid,
    Refusal::Unauthorized,
    Refusal::Forbidden,
    Refusal::NotFound,
    Refusal::TooLarge,
    Refusal::MediaType,
    Refusal::Storage,
];

/// `(POST on items, {put, patch, delete} on an item)` of `l`.
pub fn operations(l: &Layer) -> (Value, Map<String, Value>) {
    let id = &l.spec.id;
    let title = format!("{} {}", l.spec.title_zh, l.spec.title_en);
    let security = json!([{"bearer": []}]);
    // Examples from the layer's first feature: created again under a new id, replaced by
    // itself, patched with nothing; the delete has none, so that it removes no sample feature.
    let first = (!l.features.is_empty()).then(|| crate::output::feature_json(l, 0, None));
    let first_id = l.features.first().map(|f| f.id.as_str());
    let new_one = first.clone().map(|mut f| {
        f["id"] = Value::Null;
        f
    });
    let types = ["application/geo+json", "application/json"];
    let create_body = body(feature_in(l), new_one, &types);
    let feature = body(feature_in(l), first, &types);
    let patch = body(
        patch_in(l),
        Some(json!({"properties": {}})),
        &["application/merge-patch+json", "application/json"],
    );
    let stored = || json!({"description": "the feature as stored, in WGS84", "content": {"application/json": {"schema": feature_out()}}});
    let mut create_refusals = EDIT.to_vec();
    create_refusals.push(Refusal::Conflict);
    let created = json!({"description": "created", "headers": {"Location": {"required": true, "description": "the new feature's URL", "schema": {"type": "string"}}},
        "content": {"application/json": {"schema": feature_out()}}});
    let common = "Needs Authorization: Bearer <token>. Serialised with the other edits, validated like the loader, durable (written and synced) before the answer, audited.";
    let create = json!({"tags": ["edits"], "summary": format!("{title}: add a feature (WGS84)"), "operationId": format!("create_{id}"), "description": common,
        "security": security, "requestBody": create_body, "responses": responses(&[("201", created)], &create_refusals)});
    let mut item = Map::new();
    item.insert("put".into(), json!({"tags": ["edits"], "summary": format!("{title}: replace a feature"), "operationId": format!("replace_{id}"), "description": common,
        "security": security, "parameters": [feature_id(first_id)], "requestBody": feature, "responses": responses(&[("200", stored())], &EDIT)}));
    item.insert("patch".into(), json!({"tags": ["edits"], "summary": format!("{title}: merge into a feature"), "operationId": format!("patch_{id}"), "description": common,
        "security": security, "parameters": [feature_id(first_id)], "requestBody": patch, "responses": responses(&[("200", stored())], &EDIT)}));
    let delete_refusals: Vec<Refusal> = EDIT
        .iter()
        .copied()
        .filter(|r| !matches!(r, Refusal::TooLarge | Refusal::MediaType))
        .collect();
    item.insert("delete".into(), json!({"tags": ["edits"], "summary": format!("{title}: delete a feature"), "operationId": format!("delete_{id}"), "description": common,
        "security": security, "parameters": [feature_id(None)], "responses": responses(&[("204", json!({"description": "deleted"}))], &delete_refusals)}));
    (create, item)
}
