//! The OpenAPI 3.0 document served at `/ogcapi/api`, built from the loaded layers so every
//! collection's items path lists the property filters it accepts.

use serde_json::{json, Map, Value};

use crate::http::ogcapi::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::query::features::property_names;
use crate::snapshot::Snapshot;

fn error_responses() -> Value {
    json!({
        "400": {"description": "a parameter is missing, malformed, out of range or unknown", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "404": {"description": "no such collection or feature", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    })
}

fn ok(description: &str, content_type: &str, schema: Value) -> Value {
    let mut r = error_responses();
    r["200"] = json!({"description": description, "content": {content_type: {"schema": schema}}});
    r
}

/// The edit operations (OGC API - Features Part 4 style) on a collection's items path and on
/// one item. Undocumented, they made every GET path answer `Allow` with methods the document
/// did not list (schemathesis ST204/ST205).
fn edit_operations(id: &str, title: &str) -> (Value, Value) {
    let err = |d: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let feature = json!({"required": true, "content": {
        "application/geo+json": {"schema": {"type": "object"}},
        "application/json": {"schema": {"type": "object"}}
    }});
    let patch = json!({"required": true, "content": {
        "application/merge-patch+json": {"schema": {"type": "object"}},
        "application/json": {"schema": {"type": "object"}}
    }});
    let refusals = |extra: &[(&str, &str)]| {
        let mut r = json!({
            "400": err("the body or a parameter is invalid (the loader's reason, naming the field)"),
            "401": err("no Authorization: Bearer token"),
            "403": err("the token may not edit, or the server is read-only"),
            "404": err("no such collection or feature"),
            "413": err("the body is too large"),
            "415": err("the body is not application/geo+json or application/json")
        });
        for (code, d) in extra {
            r[*code] = err(d);
        }
        r
    };
    let security = json!([{"bearer": []}]);
    let mut create = refusals(&[("409", "a feature with this id exists already")]);
    create["201"] = json!({"description": "created; Location names the new feature", "content": {"application/json": {"schema": {"type": "object"}}}});
    let mut replace = refusals(&[]);
    replace["200"] = json!({"description": "the feature as stored", "content": {"application/json": {"schema": {"type": "object"}}}});
    let mut delete = refusals(&[]);
    delete["204"] = json!({"description": "deleted"});
    let fid =
        json!({"name": "featureId", "in": "path", "required": true, "schema": {"type": "string"}});
    (
        json!({"summary": format!("{title}: add a feature (WGS84)"), "operationId": format!("create_{id}"), "security": security, "requestBody": feature, "responses": create}),
        json!({
            "put": {"summary": format!("{title}: replace a feature"), "operationId": format!("replace_{id}"), "security": security, "parameters": [fid], "requestBody": feature, "responses": replace},
            "patch": {"summary": format!("{title}: merge into a feature"), "operationId": format!("patch_{id}"), "security": security, "parameters": [fid], "requestBody": patch, "responses": replace},
            "delete": {"summary": format!("{title}: delete a feature"), "operationId": format!("delete_{id}"), "security": security, "parameters": [fid], "responses": delete}
        }),
    )
}

fn f_param() -> Value {
    json!({"name": "f", "in": "query", "required": false, "schema": {"type": "string", "enum": ["json"]}, "description": "output format; only JSON is offered"})
}

/// The document.
pub fn document(snap: &Snapshot, base: &str) -> Value {
    let obj = json!({"type": "object"});
    let mut paths = Map::new();
    paths.insert("/healthz".into(), json!({"get": {"summary": "liveness", "operationId": "healthz", "responses": {"200": {"description": "{\"status\":\"ok\"}", "content": {"application/json": {"schema": obj}}}}}}));
    paths.insert("/api/layers".into(), json!({"get": {"summary": "every layer with titles, kind, geometry type, counts, bbox and source CRS", "operationId": "layers", "responses": {"200": {"description": "the layers", "content": {"application/json": {"schema": obj}}}}}}));
    paths.insert("/ogcapi".into(), json!({"get": {"summary": "landing page", "operationId": "landing", "parameters": [f_param()], "responses": ok("links to the API, conformance and collections", "application/json", obj.clone())}}));
    paths.insert("/ogcapi/conformance".into(), json!({"get": {"summary": "conformance classes", "operationId": "conformance", "parameters": [f_param()], "responses": ok("the conformance classes", "application/json", obj.clone())}}));
    paths.insert("/ogcapi/api".into(), json!({"get": {"summary": "this document", "operationId": "api", "parameters": [f_param()], "responses": ok("OpenAPI 3.0", "application/vnd.oai.openapi+json;version=3.0", obj.clone())}}));
    paths.insert("/ogcapi/collections".into(), json!({"get": {"summary": "the layers as collections", "operationId": "collections", "parameters": [f_param()], "responses": ok("the collections", "application/json", obj.clone())}}));
    for l in &snap.layers {
        let id = &l.spec.id;
        let mut params = vec![
            json!({"name": "bbox", "in": "query", "required": false, "style": "form", "explode": false, "description": "minlon,minlat,maxlon,maxlat in WGS84 (CRS84): features whose geometry intersects the box", "schema": {"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number"}}}),
            json!({"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}}),
            json!({"name": "offset", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 0, "default": 0}}),
            json!({"name": "datetime", "in": "query", "required": false, "description": "accepted for conformance; features carry no time, so it filters nothing", "schema": {"type": "string"}}),
            f_param(),
        ];
        for name in property_names(l) {
            if ["bbox", "limit", "offset", "datetime", "f"].contains(&name.as_str()) {
                continue;
            }
            params.push(json!({"name": name, "in": "query", "required": false, "description": format!("equality filter on property {name:?} (an array property matches when any item equals)"), "schema": {"type": "string"}}));
        }
        let title = format!("{} {}", l.spec.title_zh, l.spec.title_en);
        paths.insert(
            format!("/ogcapi/collections/{id}"),
            json!({"get": {"summary": format!("{title}: description"), "operationId": format!("collection_{id}"), "parameters": [f_param()], "responses": ok("the collection", "application/json", obj.clone())}}),
        );
        let (create, mut item_edits) = edit_operations(id, &title);
        paths.insert(
            format!("/ogcapi/collections/{id}/items"),
            json!({"get": {"summary": format!("{title}: features"), "operationId": format!("items_{id}"), "parameters": params, "responses": ok("a GeoJSON FeatureCollection with numberMatched, numberReturned and next/prev links", "application/geo+json", obj.clone())},
                "post": create}),
        );
        item_edits["get"] = json!({"summary": format!("{title}: one feature"), "operationId": format!("item_{id}"), "parameters": [
            {"name": "featureId", "in": "path", "required": true, "schema": {"type": "string"}}, f_param()
        ], "responses": ok("a GeoJSON Feature", "application/geo+json", obj.clone())});
        paths.insert(
            format!("/ogcapi/collections/{id}/items/{{featureId}}"),
            item_edits,
        );
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "nestmap", "version": env!("CARGO_PKG_VERSION"), "description": "OGC API - Features (Core, GeoJSON, OpenAPI 3.0) and the nestmap query API. Coordinates are [lon, lat] WGS84; distances are metres on the ground."},
        "servers": [{"url": base}],
        "paths": paths,
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "an edit token (serve --tokens-file or NESTMAP_TOKENS)"}}, "schemas": {"Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}}}}
    })
}
