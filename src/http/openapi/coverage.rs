//! How `/api/coverage` (GET and POST) is described: the layers, profile, radius, area, cell
//! size and suggestions with their limits, the "what if" body (a posted area, added, removed
//! and candidate sites), and the three answer formats.

use serde_json::{json, Map, Value};

use super::limits::limit;
use super::schema::{
    csv_query, layer_ids, lonlat, multipolygon, polygon, query, responses, Refusal,
};
use crate::model::LayerKind;
use crate::query::coverage::PROFILES;
use crate::query::limits::{
    CELL_M_RANGE, MAX_ADD, MAX_AREA_SPAN_M, MAX_AREA_VERTICES, MAX_CANDIDATES, MAX_CELLS,
    MAX_COVERAGE_RADIUS_M, MAX_REMOVE, MAX_SUGGEST, MIN_RADIUS_M,
};
use crate::snapshot::Snapshot;

/// The district code used when no area is given.
const DEFAULT_AREA: &str = "320507";
/// The cell side used when none is given, metres.
const DEFAULT_CELL_M: f64 = 100.0;

/// The area codes the server knows: every district and township feature's `code`.
fn area_codes(snap: &Snapshot) -> Vec<String> {
    let mut codes: Vec<String> = snap
        .layers
        .iter()
        .filter(|l| matches!(l.spec.kind, LayerKind::District | LayerKind::Townships))
        .flat_map(|l| l.features.iter())
        .filter_map(|f| f.properties.get("code")?.as_str().map(str::to_string))
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

fn radius() -> Value {
    let s = limit(
        json!({"type": "number"}),
        "minimum",
        json!(MIN_RADIUS_M),
        "MIN_RADIUS_M",
    );
    limit(
        s,
        "maximum",
        json!(MAX_COVERAGE_RADIUS_M),
        "MAX_COVERAGE_RADIUS_M",
    )
}

fn cell_m() -> Value {
    let s = limit(
        json!({"type": "number", "default": DEFAULT_CELL_M}),
        "minimum",
        json!(CELL_M_RANGE.0),
        "CELL_M_RANGE",
    );
    limit(s, "maximum", json!(CELL_M_RANGE.1), "CELL_M_RANGE")
}

fn suggest() -> Value {
    limit(
        json!({"type": "number", "multipleOf": 1, "minimum": 0, "default": 0}),
        "maximum",
        json!(MAX_SUGGEST),
        "MAX_SUGGEST",
    )
}

fn profile() -> Value {
    let names: Vec<&str> = PROFILES.iter().map(|p| p.name).collect();
    json!({"type": "string", "enum": names, "default": "layer"})
}

fn formats() -> Value {
    json!({"type": "string", "enum": ["json", "csv", "geojson"], "default": "json"})
}

const CELL_M_TEXT: &str = "cell side, metres (CELL_M_RANGE); the grid over the area's bounding box holds at most MAX_CELLS cells (20 m cells fit the whole district)";
const RADIUS_TEXT: &str = "overrides every layer's and the profile's radius, metres (MIN_RADIUS_M to MAX_COVERAGE_RADIUS_M)";
const SUGGEST_TEXT: &str = "new sites to suggest, chosen greedily for the largest added covered population, then area (at most MAX_SUGGEST)";

fn tally(extra: &[(&str, Value)]) -> Value {
    let int = json!({"type": "integer", "minimum": 0});
    let num = json!({"type": "number", "minimum": 0});
    let share = json!({"type": "number", "minimum": 0, "maximum": 1});
    let mut props = json!({
        "cells": int, "covered_cells": int, "covered_area_share": share,
        "area_m2": num, "covered_area_m2": num,
        "population_total": int, "covered_population": int, "covered_population_share": share,
        "children_total": int, "covered_children": int, "covered_children_share": share,
    });
    for (k, v) in extra {
        props[*k] = v.clone();
    }
    let required: Vec<String> = props
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    json!({"type": "object", "required": required, "properties": props})
}

fn answer_json() -> Value {
    let num = json!({"type": "number"});
    json!({"type": "object", "required": ["profile", "radii_m", "cell_m", "cell_area_m2", "totals", "townships", "gaps", "suggestions"], "properties": {
        "profile": {"type": "object", "required": ["name", "radius_m", "source", "overridden_by_radius_m"], "properties": {
            "name": {"type": "string"}, "radius_m": {"type": "number", "nullable": true}, "source": {"type": "string"},
            "overridden_by_radius_m": {"type": "number", "nullable": true}}},
        "radii_m": {"type": "object", "additionalProperties": num, "description": "the radius each layer was analysed with"},
        "cell_m": num, "cell_area_m2": num,
        "totals": tally(&[]),
        "townships": {"type": "array", "items": tally(&[("code", json!({"type": "string"})), ("name", json!({"type": "string"}))])},
        "gaps": gaps(),
        "suggestions": {"type": "array", "items": {"type": "object",
            "required": ["rank", "lon", "lat", "gain_population", "gain_children", "gain_area_m2", "covered_area_share", "covered_population_share"],
            "properties": {"rank": {"type": "integer", "minimum": 1}, "lon": num, "lat": num,
                "gain_population": {"type": "integer", "minimum": 0}, "gain_children": {"type": "integer", "minimum": 0}, "gain_area_m2": num,
                "covered_area_share": num, "covered_population_share": num}}}
    }})
}

fn gaps() -> Value {
    json!({"type": "object", "required": ["type", "features"], "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {"type": "array", "items": {"type": "object", "required": ["type", "id", "geometry", "properties"], "properties": {
            "type": {"type": "string", "enum": ["Feature"]}, "id": {"type": "string"},
            "geometry": {"type": "object", "required": ["type", "coordinates"]},
            "properties": {"type": "object", "required": ["area_m2", "population", "children", "township"], "properties": {
                "area_m2": {"type": "number"}, "population": {"type": "integer"}, "children": {"type": "integer"},
                "township": {"type": "string", "nullable": true}}}}}}
    }})
}

fn answer() -> Value {
    json!({"description": "format=json: totals, per township, gaps and suggestions; format=csv: the per-township table; format=geojson: the gaps", "content": {
        "application/json": {"schema": answer_json()},
        "text/csv": {"schema": {"type": "string"}},
        "application/geo+json": {"schema": gaps()}
    }})
}

fn nullable(mut s: Value) -> Value {
    s["nullable"] = json!(true);
    if let Some(e) = s.get_mut("enum").and_then(Value::as_array_mut) {
        e.push(Value::Null);
    }
    s
}

fn body(snap: &Snapshot, ids: &[String]) -> Value {
    let codes = area_codes(snap);
    let numeric: Vec<u64> = codes.iter().filter_map(|c| c.parse().ok()).collect();
    let ring_note = format!("all rings together at most MAX_AREA_VERTICES ({MAX_AREA_VERTICES}) positions; the bounding box at most MAX_AREA_SPAN_M ({MAX_AREA_SPAN_M} m) on either axis");
    let mut poly = polygon();
    let mut multi = multipolygon();
    for g in [&mut poly, &mut multi] {
        g["description"] = json!(ring_note);
    }
    let feature = json!({"type": "object", "required": ["type", "geometry"], "properties": {
        "type": {"type": "string", "enum": ["Feature"]}, "geometry": {"anyOf": [poly, multi]}}});
    let remove_items = json!({"anyOf": [{"type": "string"}, {"type": "number"}]});
    json!({"type": "object", "additionalProperties": false, "required": ["layer"], "properties": {
        "layer": {"description": "one layer id, several comma-separated, or an array of ids",
            "anyOf": [{"type": "string"}, {"type": "array", "minItems": 1, "items": layer_ids(ids)}]},
        "profile": nullable(profile()),
        "radius_m": nullable(with_description(radius(), RADIUS_TEXT)),
        "area": {"nullable": true, "description": format!("a district or township code (default {DEFAULT_AREA}), or a GeoJSON Polygon or MultiPolygon (geometry or Feature) in WGS84: {ring_note}"),
            "anyOf": [{"type": "string", "enum": codes}, {"type": "integer", "enum": numeric}, poly, multi, feature]},
        "cell_m": nullable(with_description(cell_m(), CELL_M_TEXT)),
        "suggest": nullable(with_description(suggest(), SUGGEST_TEXT)),
        "add": limit(json!({"type": "array", "items": {"oneOf": [
            lonlat(),
            {"type": "object", "additionalProperties": false, "required": ["position"], "properties": {
                "position": lonlat(),
                "layer": {"type": "string", "description": "one of the requested layers: the site reaches as far as its radius"},
                "radius_m": {"type": "number", "minimum": MIN_RADIUS_M, "maximum": MAX_COVERAGE_RADIUS_M, "description": "the site's own radius, metres"}
            }}
        ]}, "description": "hypothetical new facilities (at most MAX_ADD): [lon, lat] reaches the first layer's radius; {position, layer} that layer's; {position, radius_m} its own"}), "maxItems", json!(MAX_ADD), "MAX_ADD"),
        "remove": limit(json!({"type": "array", "items": remove_items, "description": "ids of features of the chosen layers to leave out (at most MAX_REMOVE); an id no chosen layer has is refused"}), "maxItems", json!(MAX_REMOVE), "MAX_REMOVE"),
        "candidates": limit(json!({"type": "array", "items": lonlat(), "description": "sites the suggestions choose from, instead of cell centres (at most MAX_CANDIDATES)"}), "maxItems", json!(MAX_CANDIDATES), "MAX_CANDIDATES"),
        "format": nullable(formats())
    }})
}

fn with_description(mut s: Value, d: &str) -> Value {
    s["description"] = json!(d);
    s
}

/// The path, GET and POST.
pub fn paths(paths: &mut Map<String, Value>, snap: &Snapshot) {
    let ids: Vec<String> = snap.layers.iter().map(|l| l.spec.id.clone()).collect();
    let codes = area_codes(snap);
    let work = format!("The grid is bounded before any work: at most MAX_CELLS ({MAX_CELLS}) cells, and the estimated work and memory of the outline, the suggestions and the added sites within MAX_SCAN_WORK, MAX_SUGGEST_WORK, MAX_ADD_WORK and MAX_WORKING_BYTES (see x-limits); past one, 400 naming it; past the request timeout, 408.");
    let params = vec![
        csv_query("layer", true, "facility layers: one id or several, comma-separated", layer_ids(&ids)),
        query("profile", false, "the radius preset: walk5 300 m, walk10 500 m, walk15 1000 m (GB 50180-2018), green 300 m, park 500 m, layer: each layer's service_radius_m", profile()),
        query("radius_m", false, RADIUS_TEXT, radius()),
        query("area", false, &format!("a district or township code (default {DEFAULT_AREA})"), json!({"type": "string", "enum": codes, "default": DEFAULT_AREA})),
        query("cell_m", false, CELL_M_TEXT, cell_m()),
        query("suggest", false, SUGGEST_TEXT, suggest()),
        query("format", false, "json, csv (the per-township table) or geojson (the gaps)", formats()),
    ];
    paths.insert("/api/coverage".into(), json!({
        "get": {"tags": ["query"], "summary": "coverage of an area against planning norms: shares, gaps per township, site suggestions", "operationId": "coverage",
            "description": format!("The area minus water is laid with square cells; a cell is covered when its centre is within reach of a facility; people come from the demand layer. {work}"),
            "parameters": params, "responses": responses(&[("200", answer())], &[Refusal::Invalid])},
        "post": {"tags": ["query"], "summary": "coverage with a what-if: a posted area, added, removed and candidate sites", "operationId": "coverage_post",
            "description": format!("The GET parameters as a JSON body, plus area as a polygon, add, remove and candidates. Unknown fields are refused; the body's content type is not checked. Takes no query parameters. {work}"),
            "requestBody": {"required": true, "content": {"application/json": {"schema": body(snap, &ids)}}},
            "responses": responses(&[("200", answer())], &[Refusal::Invalid, Refusal::TooLarge])}
    }));
}
