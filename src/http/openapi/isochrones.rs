//! How `/api/isochrones` is described.

use serde_json::{json, Map, Value};

use super::schema::{layer_ids, ok, query, responses, Refusal};
use crate::query::isochrones::{DEFAULT_WIDTH_M, MAX_BANDS, MAX_MINUTES, WIDTH_RANGE_M};
use crate::query::walk::{DEFAULT_MAX_ACCESS_M, MAX_ACCESS_CAP_M, WALK_KMH_RANGE};
use crate::snapshot::Snapshot;

/// The path.
pub fn paths(paths: &mut Map<String, Value>, snap: &Snapshot) {
    let ids: Vec<String> = snap.layers.iter().map(|l| l.spec.id.clone()).collect();
    let params = vec![
        query("lon", false, "the walk's start: a longitude in wgs84, gcj02 or bd09 (or x with crs=EPSG:n); with lat; instead of layer", json!({"type": "number"})),
        query("lat", false, "the walk's start: a latitude; with lon", json!({"type": "number"})),
        query("crs", false, "the point's system, as for nearest", json!({"type": "string", "default": "wgs84"})),
        query("layer", false, "instead of lon and lat: the joint catchment of every feature of one layer (one many-source search)", layer_ids(&ids)),
        query("minutes", false, &format!("comma-separated band minutes, each above 0 and at most {MAX_MINUTES}, at most {MAX_BANDS} bands"), json!({"type": "string", "default": "5,10,15"})),
        query("walk_kmh", false, "walking speed, km/h", json!({"type": "number", "minimum": WALK_KMH_RANGE.0, "maximum": WALK_KMH_RANGE.1, "default": crate::network::DEFAULT_WALK_KMH})),
        query("max_access_m", false, "the longest straight access leg to the network, metres; a start farther from every path gets no bands and a note", json!({"type": "number", "minimum": 0, "maximum": MAX_ACCESS_CAP_M, "default": DEFAULT_MAX_ACCESS_M})),
        query("width_m", false, "the reached network is buffered by this many metres each side to draw a band", json!({"type": "number", "minimum": WIDTH_RANGE_M.0, "maximum": WIDTH_RANGE_M.1, "default": DEFAULT_WIDTH_M})),
        query("mode", false, "only walk: isochrones are walked along the network (a 400 without one, saying how to import it)", json!({"type": "string", "enum": ["walk"], "default": "walk"})),
    ];
    let band = json!({"type": "object", "required": ["type", "geometry", "properties"], "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "geometry": {"type": "object", "description": "a MultiPolygon, with holes where nothing is reached"},
        "properties": {"type": "object", "required": ["minutes", "limit_m", "network_m", "demand_points", "population", "children"], "properties": {
            "minutes": {"type": "number"}, "limit_m": {"type": "number", "description": "the band's walking metres (minutes at walk_kmh)"},
            "network_m": {"type": "number", "description": "ground metres of network reached"},
            "demand_points": {"type": "integer"}, "population": {"type": "integer"}, "children": {"type": "integer", "description": "sums over the demand layer's points inside the band"}}}
    }});
    let answer = json!({"type": "object", "required": ["type", "query", "features"], "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "query": {"type": "object"},
        "features": {"type": "array", "items": band},
        "note": {"type": "string", "description": "a start off the network, or features of the layer left out"}
    }});
    paths.insert("/api/isochrones".into(), json!({"get": {
        "tags": ["query"], "summary": "walking isochrones from a point or a layer's facilities, with the people inside", "operationId": "isochrones",
        "description": "Each band is the network reached within its minutes (whole edges and the reached ends of edges a walk cannot finish; ferries carry the walk but are not drawn), buffered by width_m and dissolved: a MultiPolygon with holes. Bands are cumulative and come shortest first. Needs a walking network.",
        "parameters": params,
        "responses": responses(&[ok("a GeoJSON FeatureCollection, one band per minutes value", "application/json", answer)], &[Refusal::Invalid])
    }}));
}
