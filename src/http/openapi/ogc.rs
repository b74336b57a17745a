//! How OGC API - Features Part 1 under `/ogcapi` is described: landing page, conformance, this
//! document, collections, and per layer its collection, items (with one equality filter per
//! property the layer carries) and item.

use serde_json::{json, Map, Value};

use super::limits::limit;
use super::schema::{feature_out, links, ok, query, responses, Refusal};
use crate::query::features::property_names;
use crate::query::features::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::snapshot::{Layer, Snapshot};

/// What `f` the landing page, conformance, this document, collections and one item take.
fn f_param() -> Value {
    query(
        "f",
        false,
        "output format; only JSON is offered, under any of these names",
        json!({"type": "string", "enum": ["json", "geojson", "application/json", "application/geo+json"]}),
    )
}

/// What `f` items take.
fn items_f_param() -> Value {
    query(
        "f",
        false,
        "output format; only GeoJSON is offered, under any of these names",
        json!({"type": "string", "enum": ["json", "geojson", "application/geo+json"]}),
    )
}

/// The `bbox` parameter, as items and within read it.
pub fn bbox_param(what: &str) -> Value {
    json!({"name": "bbox", "in": "query", "required": false, "style": "form", "explode": false,
        "description": format!("minlon,minlat,maxlon,maxlat in WGS84 (CRS84): {what}. Longitudes -180..180, latitudes -90..90, min not above max (boxes across the antimeridian are refused)"),
        "schema": {"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number", "minimum": -180, "maximum": 180}}})
}

/// The `offset` parameter: features skipped.
pub fn offset_param() -> Value {
    query(
        "offset",
        false,
        "features skipped before the page",
        json!({"type": "integer", "minimum": 0, "maximum": usize::MAX as u64, "default": 0}),
    )
}

fn collection_schema() -> Value {
    json!({"type": "object", "required": ["id", "title", "links", "itemType", "crs", "extent"], "properties": {
        "id": {"type": "string"}, "title": {"type": "string"}, "description": {"type": "string"},
        "itemType": {"type": "string", "enum": ["feature"]},
        "crs": {"type": "array", "items": {"type": "string"}},
        "extent": {"type": "object", "properties": {"spatial": {"type": "object", "properties": {
            "bbox": {"type": "array", "items": {"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number"}}},
            "crs": {"type": "string"}}}}},
        "links": links()
    }})
}

fn get(
    tag: &str,
    summary: &str,
    id: &str,
    params: Vec<Value>,
    answer: (&str, Value),
    refusals: &[Refusal],
) -> Value {
    json!({"tags": [tag], "summary": summary, "operationId": id, "parameters": params, "responses": responses(&[answer], refusals)})
}

/// The service-wide paths: landing page (with and without the slash), conformance, this
/// document and the collections.
pub fn service_paths(paths: &mut Map<String, Value>) {
    let landing = json!({"type": "object", "required": ["title", "links"], "properties": {
        "title": {"type": "string"}, "description": {"type": "string"}, "links": links()}});
    let bad = [Refusal::Invalid];
    for (path, id) in [("/ogcapi", "landing"), ("/ogcapi/", "landing_slash")] {
        paths.insert(path.into(), json!({"get": get("ogcapi", "landing page: links to the API, conformance and collections", id, vec![f_param()], ok("the landing page", "application/json", landing.clone()), &bad)}));
    }
    paths.insert("/ogcapi/conformance".into(), json!({"get": get("ogcapi", "conformance classes (Core, GeoJSON, OpenAPI 3.0)", "conformance", vec![f_param()],
        ok("the conformance classes", "application/json", json!({"type": "object", "required": ["conformsTo"], "properties": {"conformsTo": {"type": "array", "items": {"type": "string"}}}})), &bad)}));
    paths.insert("/ogcapi/api".into(), json!({"get": get("ogcapi", "this document", "api", vec![f_param()],
        ok("OpenAPI 3.0", "application/vnd.oai.openapi+json;version=3.0", json!({"type": "object", "required": ["openapi", "info", "paths"]})), &bad)}));
    paths.insert("/ogcapi/collections".into(), json!({"get": get("ogcapi", "the layers as collections, with extents", "collections", vec![f_param()],
        ok("the collections", "application/json", json!({"type": "object", "required": ["links", "collections"], "properties": {"links": links(), "collections": {"type": "array", "items": collection_schema()}}})), &bad)}));
}

/// The items parameters of `layer`: bbox, limit, offset, datetime, f, and an equality filter
/// per property.
fn items_params(l: &Layer) -> Vec<Value> {
    let mut params = vec![
        bbox_param("features whose geometry intersects the box"),
        query("limit", false, "features per page (MAX_LIMIT)", limit(json!({"type": "integer", "minimum": 1, "default": DEFAULT_LIMIT}), "maximum", json!(MAX_LIMIT), "MAX_LIMIT")),
        offset_param(),
        query("datetime", false, "accepted for conformance, filters nothing (features carry no time): an RFC 3339 date-time or date, or an interval of them with '/' and '..' for an open end", json!({"type": "string"})),
        items_f_param(),
    ];
    for name in property_names(l) {
        if ["bbox", "limit", "offset", "datetime", "f"].contains(&name.as_str()) {
            continue;
        }
        params.push(query(&name, false, &format!("equality filter on property {name:?}: text as written, numbers numerically, true/false, null; an array property matches when any item equals"), json!({"type": "string"})));
    }
    params
}

/// Per layer: its collection, its items and one item (GET; the edits are added by
/// [`super::edits`]).
pub fn layer_paths(paths: &mut Map<String, Value>, snap: &Snapshot) {
    for l in &snap.layers {
        let id = &l.spec.id;
        let title = format!("{} {}", l.spec.title_zh, l.spec.title_en);
        let tag = "ogcapi";
        paths.insert(format!("/ogcapi/collections/{id}"), json!({"get": get(tag, &format!("{title}: description"), &format!("collection_{id}"), vec![f_param()],
            ok("the collection", "application/json", collection_schema()), &[Refusal::Invalid])}));
        let collection = json!({"type": "object", "required": ["type", "numberMatched", "numberReturned", "timeStamp", "links", "features"], "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "numberMatched": {"type": "integer", "minimum": 0}, "numberReturned": {"type": "integer", "minimum": 0},
            "timeStamp": {"type": "string"}, "links": links(),
            "features": {"type": "array", "items": feature_out()}}});
        paths.insert(format!("/ogcapi/collections/{id}/items"), json!({"get": {
            "tags": [tag], "summary": format!("{title}: features"), "operationId": format!("items_{id}"),
            "description": "A page of the features passing every filter, in layer order, with numberMatched, numberReturned and self/next/prev links. Unknown parameters are refused.",
            "parameters": items_params(l),
            "responses": responses(&[ok("a GeoJSON FeatureCollection", "application/geo+json", collection)], &[Refusal::Invalid])}}));
        paths.insert(format!("/ogcapi/collections/{id}/items/{{featureId}}"), json!({"get": get(tag, &format!("{title}: one feature"), &format!("item_{id}"),
            vec![feature_id(l.features.first().map(|f| f.id.as_str())), f_param()], ok("a GeoJSON Feature", "application/geo+json", feature_out()), &[Refusal::Invalid, Refusal::NotFound])}));
    }
}

/// The `featureId` path parameter, with an id of the layer as its example when given.
pub fn feature_id(example: Option<&str>) -> Value {
    let mut p = json!({"name": "featureId", "in": "path", "required": true, "description": "the feature's id", "schema": {"type": "string"}});
    if let Some(e) = example {
        p["example"] = json!(e);
    }
    p
}
