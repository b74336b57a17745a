//! What does the whole HTTP API accept and answer? The OpenAPI 3.0 document served at
//! `/ogcapi/api`: every route of the router ([`crate::http::app_with`]) with its parameters,
//! bodies, limits (named, from the constants) and every status it can give, built from the
//! loaded layers so that each collection's paths list its own property filters and feature
//! schema. One file per endpoint family; [`schema`] holds what they share.

mod coverage;
mod edits;
pub mod limits;
mod nearest;
mod ogc;
mod routes;
pub mod schema;
mod service;

use serde_json::{json, Map, Value};

use crate::snapshot::Snapshot;

/// The document, with `base` as its server URL.
pub fn document(snap: &Snapshot, base: &str) -> Value {
    let mut paths = Map::new();
    service::paths(&mut paths);
    nearest::paths(&mut paths, snap);
    coverage::paths(&mut paths, snap);
    routes::paths(&mut paths, snap);
    ogc::service_paths(&mut paths);
    ogc::layer_paths(&mut paths, snap);
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
    json!({
        "openapi": "3.0.3",
        "info": {"title": "nestmap", "version": env!("CARGO_PKG_VERSION"), "description": "Family facilities of Xiangcheng District, Suzhou: OGC API - Features (Core, GeoJSON, OpenAPI 3.0) with Part 4 style edits, and the nestmap query API (nearest, within, coverage, school commuter line review). Coordinates are [lon, lat] WGS84; distances are metres on the ground. Every error is JSON {\"error\":{\"code\",\"message\"}}; unknown or repeated query parameters are refused (400), never ignored; a method a path does not list is 405. Every limit a request meets is listed under x-limits (what it caps and why) and named by x-limit in the schemas it bounds. Not described here: the map front end at / and /vendor/maplibre-gl/ (static files)."},
        "servers": [{"url": base}],
        "tags": [
            {"name": "service", "description": "liveness and what is loaded"},
            {"name": "query", "description": "nearest, within and coverage"},
            {"name": "routes", "description": "school commuter line review"},
            {"name": "ogcapi", "description": "OGC API - Features Part 1"},
            {"name": "edits", "description": "OGC API - Features Part 4 style edits, with a bearer token"}
        ],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "an edit token (serve --tokens-file or NESTMAP_TOKENS); none configured: every edit is 403"}},
            "schemas": {"Error": schema::error_schema()}
        },
        "x-limits": limits::catalogue()
    })
}
