//! What does the whole HTTP API accept and answer? The OpenAPI 3.0 document served at
//! `/ogcapi/api`: every route of the router ([`crate::http::app_with`]) with its parameters,
//! bodies, limits (named, from the constants) and every status it can give, built from the
//! loaded layers so that each collection's paths list its own property filters and feature
//! schema. One file per endpoint family; [`schema`] holds what they share.

mod coverage;
mod edits;
mod isochrones;
pub mod limits;
mod nearest;
mod ogc;
mod routes;
pub mod schema;
mod service;
pub mod tiles;

use serde_json::{json, Map, Value};

use crate::snapshot::Snapshot;

/// The answers that carry an `ETag` ([`crate::http::cache`]): each takes `If-None-Match`
/// and may answer 304.
fn validated(paths: &mut Map<String, Value>, snap: &Snapshot) {
    let mut validated = vec![
        "/api/layers".to_string(),
        "/api/coverage".to_string(),
        "/ogcapi/collections".to_string(),
        tiles::TILE_PATH.to_string(),
    ];
    for l in &snap.layers {
        let id = &l.spec.id;
        validated.push(format!("/ogcapi/collections/{id}"));
        validated.push(format!("/ogcapi/collections/{id}/items"));
        validated.push(format!("/ogcapi/collections/{id}/items/{{featureId}}"));
    }
    for path in validated {
        let Some(get) = paths.get_mut(&path).and_then(|p| p.get_mut("get")) else {
            continue;
        };
        if let Some(Value::Array(params)) = get
            .as_object_mut()
            .map(|o| o.entry("parameters").or_insert_with(|| json!([])))
        {
            params.push(json!({"name": "If-None-Match", "in": "header", "required": false,
                "description": "an ETag this answer gave before (weak comparison; a list or * too): 304 with no body while the layers it read are unchanged",
                "schema": {"type": "string"}}));
        }
        if let Some(Value::Object(responses)) = get.get_mut("responses") {
            responses.insert("304".into(), json!({"description": "not modified: the ETag sent in If-None-Match still names this answer", "headers": {"ETag": {"schema": {"type": "string"}}}}));
        }
    }
}

/// Every operation takes `lang` and reads `Accept-Language` ([`crate::http::lang`]).
fn localised(paths: &mut Map<String, Value>) {
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                continue;
            }
            let Some(op) = op.as_object_mut() else {
                continue;
            };
            if let Value::Array(params) = op.entry("parameters").or_insert_with(|| json!([])) {
                params.retain(|p| p["name"] != "lang" && p["name"] != "Accept-Language");
                params.push(schema::lang_param());
                params.push(schema::accept_language_header());
            }
        }
    }
}

/// The document, with `base` as its server URL.
pub fn document(snap: &Snapshot, base: &str) -> Value {
    let mut paths = Map::new();
    service::paths(&mut paths);
    nearest::paths(&mut paths, snap);
    isochrones::paths(&mut paths, snap);
    coverage::paths(&mut paths, snap);
    routes::paths(&mut paths, snap);
    ogc::service_paths(&mut paths);
    ogc::layer_paths(&mut paths, snap);
    tiles::paths(&mut paths);
    for l in &snap.layers {
        let id = &l.spec.id;
        let (create, item) = edits::operations(l);
        if let Some(items) = paths.get_mut(&format!("/ogcapi/collections/{id}/items")) {
            items["post"] = create;
        }
        if let Some(Value::Object(one)) =
            paths.get_mut(&format!("/ogcapi/collections/{id}/items/{{featureId}}"))
        {
            one.extend(item);
        }
    }
    validated(&mut paths, snap);
    localised(&mut paths);
    json!({
        "openapi": "3.0.3",
        "info": {"title": "nestmap", "version": env!("CARGO_PKG_VERSION"), "description": "Family facilities of Xiangcheng District, Suzhou: OGC API - Features (Core, GeoJSON, OpenAPI 3.0) with Part 4 style edits, and the nestmap query API (nearest, within, coverage, school commuter line review). Coordinates are [lon, lat] WGS84; distances are metres on the ground. Every error is JSON {\"error\":{\"code\",\"message\"}}; unknown or repeated query parameters are refused (400), never ignored; every operation takes lang=zh|en, and the words of an answer meant for people (error messages, findings, notes, hours lines) are in lang=, else the request's Accept-Language, else English, with the same codes in every language (Vary: Accept-Language on those answers); a method a path does not list is 405. Every limit a request meets is listed under x-limits (what it caps and why) and named by x-limit in the schemas it bounds. Not described here: the map front end at /, /vendor/maplibre-gl/ and the labels' glyphs at /fonts/{fontstack}/{range}.pbf (static files)."},
        "servers": [{"url": base}],
        "tags": [
            {"name": "service", "description": "liveness and what is loaded"},
            {"name": "query", "description": "nearest, within and coverage"},
            {"name": "routes", "description": "school commuter line review"},
            {"name": "ogcapi", "description": "OGC API - Features Part 1"},
            {"name": "edits", "description": "OGC API - Features Part 4 style edits, with a bearer token"},
            {"name": "tiles", "description": "the streets as vector tiles for the map"}
        ],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "an edit token (serve --tokens-file or NESTMAP_TOKENS); none configured: every edit is 403"}},
            "schemas": {"Error": schema::error_schema()}
        },
        "x-limits": limits::catalogue()
    })
}
