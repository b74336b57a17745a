//! How `/api/nearest` and `/api/within` are described: the point (and its CRS), the layers,
//! the counts and distances with their limits, and the filters.

use serde_json::{json, Map, Value};

use super::limits::limit;
use super::ogc::{bbox_param, offset_param};
use super::schema::{csv_query, layer_ids, links, ok, query, responses, Refusal};
use crate::query::features::property_names;
use crate::query::limits::{MAX_K, MAX_RADIUS_M};
use crate::query::nearest::{DEFAULT_K, DEFAULT_WITHIN_LIMIT, MAX_WITHIN_LIMIT};
use crate::snapshot::Snapshot;

fn point_params(required: bool) -> Vec<Value> {
    let also = if required {
        ""
    } else {
        " With radius_m; not with bbox."
    };
    vec![
        query("lon", required, &format!("the point's x: a longitude -180..180 in wgs84, gcj02 or bd09, or a projected x in metres with crs=EPSG:n.{also}"), json!({"type": "number"})),
        query("lat", required, &format!("the point's y: a latitude -90..90 in wgs84, gcj02 or bd09, or a projected y in metres with crs=EPSG:n.{also}"), json!({"type": "number"})),
        query("crs", false, &format!("the point's system: wgs84 (default; also EPSG:4326, 4326, crs84), gcj02 (AMap, Tencent, WeChat), bd09 (Baidu), or EPSG:n / n for any code PROJ knows; any case.{also}"), json!({"type": "string", "default": "wgs84"})),
    ]
}

fn distance(name: &str, description: &str, required: bool) -> Value {
    query(
        name,
        required,
        &format!("{description}: metres on the ground, above 0 and at most MAX_RADIUS_M"),
        limit(
            json!({"type": "number", "minimum": 0, "exclusiveMinimum": true}),
            "maximum",
            json!(MAX_RADIUS_M),
            "MAX_RADIUS_M",
        ),
    )
}

/// `mode`, `walk_kmh`, `max_access_m` and `path` (reserved names: they win over properties).
fn measure_params(snap: &Snapshot) -> Vec<Value> {
    use crate::query::walk::{DEFAULT_MAX_ACCESS_M, MAX_ACCESS_CAP_M, WALK_KMH_RANGE};
    let default_mode = if snap.network.is_some() {
        "walk"
    } else {
        "straight"
    };
    vec![
        query("mode", false, "walk: along the walking network (the default where one is loaded; without one, a 400 saying how to import one); straight: straight lines on the ground", json!({"type": "string", "enum": ["walk", "straight"], "default": default_mode})),
        query("walk_kmh", false, "walking speed for walk_min and ferries, km/h (4: the pace behind the 15-minute / 1000 m life circle, GB 50180-2018)", json!({"type": "number", "minimum": WALK_KMH_RANGE.0, "maximum": WALK_KMH_RANGE.1, "default": crate::network::DEFAULT_WALK_KMH})),
        query("max_access_m", false, "mode=walk: the longest straight access leg to the network, metres; a point farther from every path is answered in straight lines with a note, and a feature farther is left out", json!({"type": "number", "minimum": 0, "maximum": MAX_ACCESS_CAP_M, "default": DEFAULT_MAX_ACCESS_M})),
        query("path", false, "true: each feature carries its walk as a LineString", json!({"type": "boolean", "default": false})),
    ]
}

/// `open`, `has` and the property filters, shared by both.
fn filter_params(snap: &Snapshot, reserved: &[&str]) -> Vec<Value> {
    let mut names: Vec<String> = snap.layers.iter().flat_map(|l| property_names(l)).collect();
    names.sort();
    names.dedup();
    let props: Map<String, Value> = names
        .into_iter()
        .filter(|n| !reserved.contains(&n.as_str()))
        .map(|n| (n, json!({"type": "string"})))
        .collect();
    vec![
        query("open", false, "only features open then, from their OpenStreetMap opening_hours (China's public holidays and make-up workdays, 调休, read as the weekday they stand for): now, or a local date-time such as 2026-10-01T12:00 (Asia/Shanghai, seconds optional), or an RFC 3339 date-time with an offset", json!({"type": "string"})),
        csv_query("has", false, "comma-separated amenities (nursing rooms) or services (stations), all required; unknown ones are refused, free text for pocket parks and communities (their facilities)", json!({"type": "string"})),
        json!({"name": "properties", "in": "query", "required": false, "style": "form", "explode": true,
            "description": "equality filters on properties, one parameter each (venue_type=mall): a name must be a property one of the chosen layers carries; an array property matches when any item equals",
            "schema": {"type": "object", "properties": props, "additionalProperties": false}}),
    ]
}

fn hit() -> Value {
    json!({"type": "object", "required": ["type", "id", "geometry", "properties"], "properties": {
        "type": {"type": "string", "enum": ["Feature"]}, "id": {"type": "string"},
        "geometry": {"type": "object", "required": ["type"]},
        "properties": {"type": "object", "required": ["layer", "open_now"], "properties": {
            "layer": {"type": "string"},
            "open_now": {"type": "boolean", "nullable": true, "description": "null when the hours are unknown or absent"},
            "next_change": {"type": "string", "nullable": true, "description": "the next opening (when closed) or closing (when open) at the hours' instant (open=, else now), local Asia/Shanghai date-time; null without hours, or when nothing changes within 8 days (24/7)"},
            "hours_line": {"type": "string", "nullable": true, "description": "the hours in words, in lang: 营业中 · 21:30 关门, 已关闭 · 明天 08:30 开门, Open · closes 21:30; null when the hours are unknown or absent"},
            "distance_m": {"type": "number", "minimum": 0, "description": "metres on the ground to the nearest point of the geometry, 0.1 m, 0 inside a polygon; in mode=walk, metres walked along the network (steps count double, a ferry its time at walk_kmh)"},
            "straight_m": {"type": "number", "minimum": 0, "description": "mode=walk only: the straight-line distance beside the walked one"},
            "path": {"type": "object", "description": "with path=true: the walk as a GeoJSON LineString [lon, lat] from the point to the feature (along the network in mode=walk, else straight)"},
            "walk_min": {"type": "number", "minimum": 0},
            "bearing_deg": {"type": "number", "nullable": true, "minimum": 0, "maximum": 360, "description": "null at distance 0"},
            "nav": {"type": "object", "required": ["gcj02", "wgs84", "bd09", "amap", "baidu", "tencent"], "properties": {
                "gcj02": {"type": "array", "items": {"type": "number"}, "description": "the target [lon, lat] in GCJ-02 (AMap, Tencent)"},
                "wgs84": {"type": "array", "items": {"type": "number"}, "description": "the target [lon, lat] in WGS84: the nearest point of the geometry"},
                "bd09": {"type": "array", "items": {"type": "number"}, "description": "the target [lon, lat] in BD-09 (Baidu)"},
                "amap": {"type": "string", "format": "uri", "description": "AMap walking navigation (uri.amap.com/navigation, GCJ-02)"},
                "baidu": {"type": "string", "format": "uri", "description": "Baidu walking directions from the query point (api.map.baidu.com/direction, BD-09, src=webapp.nestmap.nestmap)"},
                "tencent": {"type": "string", "format": "uri", "description": "Tencent walking route plan (apis.map.qq.com/uri/v1/routeplan, GCJ-02, tocoord latitude first, referer=nestmap)"}}}
        }}
    }})
}

/// The two paths.
pub fn paths(paths: &mut Map<String, Value>, snap: &Snapshot) {
    let ids: Vec<String> = snap.layers.iter().map(|l| l.spec.id.clone()).collect();
    let layer = csv_query(
        "layer",
        true,
        "one layer id or several, comma-separated",
        layer_ids(&ids),
    );
    let mut params = vec![layer.clone()];
    params.extend(point_params(true));
    params.push(query(
        "k",
        false,
        "how many features, at most MAX_K",
        limit(
            json!({"type": "integer", "minimum": 1, "default": DEFAULT_K}),
            "maximum",
            json!(MAX_K),
            "MAX_K",
        ),
    ));
    params.push(distance(
        "max_m",
        "search cap (walking metres in mode=walk)",
        false,
    ));
    params.extend(measure_params(snap));
    params.extend(filter_params(
        snap,
        &[
            "layer",
            "lon",
            "lat",
            "crs",
            "k",
            "max_m",
            "open",
            "has",
            "lang",
            "mode",
            "path",
            "walk_kmh",
            "max_access_m",
        ],
    ));
    let answer = json!({"type": "object", "required": ["type", "query", "filters", "walk_speed_m_per_min", "features"], "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "query": {"type": "object", "required": ["lon", "lat", "crs", "k", "max_m", "mode", "walk_kmh", "evaluated_at", "hours_at", "lang", "timezone"], "properties": {
            "lon": {"type": "number"}, "lat": {"type": "number"}, "crs": {"type": "string"}, "k": {"type": "integer"},
            "mode": {"type": "string", "enum": ["walk", "straight"], "description": "how distances were measured: walk along the network, or straight (no network, mode=straight, or the point is farther than max_access_m from every path: the note says so)"},
            "walk_kmh": {"type": "number"}, "max_access_m": {"type": "number", "description": "in mode=walk"}, "access_m": {"type": "number", "description": "in mode=walk: the straight access leg from the point to the network, metres"},
            "max_m": {"type": "number", "nullable": true}, "evaluated_at": {"type": "string"}, "hours_at": {"type": "string", "description": "the instant of the hours lines: open= when given, else evaluated_at"}, "lang": {"type": "string", "enum": ["zh", "en"]}, "timezone": {"type": "string"}}},
        "filters": {"type": "object"},
        "walk_speed_m_per_min": {"type": "number"},
        "features": {"type": "array", "items": hit()},
        "note": {"type": "string", "description": "why nothing came back, or why distances are straight lines"}
    }});
    paths.insert("/api/nearest".into(), json!({"get": {
        "tags": ["query"], "summary": "the k nearest features passing every filter, nearest first", "operationId": "nearest",
        "description": "Filters apply before the limit: k features that pass every filter come back whenever k exist within max_m. Where the data has a walking network, distances are walked along it by default (mode=walk: the k nearest on foot, not the straight-line k re-sorted; the point and each feature join the network at the nearest point of the nearest path, and both access legs count as walked); mode=straight measures straight lines. Each carries distance_m, walk_min (walk_kmh, default 4 km/h), straight_m (in mode=walk), path (with path=true), bearing_deg, open_now, next_change and hours_line (at open= or now, in the request's language: lang=, else Accept-Language, else English) and nav (the target in WGS84, GCJ-02 and BD-09, and AMap, Baidu and Tencent walking links).",
        "parameters": params,
        "responses": responses(&[ok("a GeoJSON FeatureCollection sorted by distance", "application/json", answer)], &[Refusal::Invalid])
    }}));

    let mut params = vec![
        layer,
        bbox_param("features whose geometry intersects the box; instead of lon, lat and radius_m"),
    ];
    params.extend(point_params(false));
    params.push(distance(
        "radius_m",
        "the circle's radius, with lon and lat",
        false,
    ));
    params.push(query(
        "limit",
        false,
        "features per page, at most MAX_WITHIN_LIMIT",
        limit(
            json!({"type": "integer", "minimum": 1, "default": DEFAULT_WITHIN_LIMIT}),
            "maximum",
            json!(MAX_WITHIN_LIMIT),
            "MAX_WITHIN_LIMIT",
        ),
    ));
    params.push(offset_param());
    params.extend(filter_params(
        snap,
        &[
            "layer", "bbox", "lon", "lat", "crs", "radius_m", "limit", "offset", "open", "has",
            "lang",
        ],
    ));
    let answer = json!({"type": "object", "required": ["type", "numberMatched", "numberReturned", "offset", "limit", "filters", "hours_at", "lang", "features"], "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "numberMatched": {"type": "integer", "minimum": 0}, "numberReturned": {"type": "integer", "minimum": 0},
        "offset": {"type": "integer"}, "limit": {"type": "integer"}, "filters": {"type": "object"},
        "hours_at": {"type": "string", "description": "the instant of the hours lines: open= when given, else now"}, "lang": {"type": "string", "enum": ["zh", "en"]},
        "features": {"type": "array", "items": hit()}, "links": links()
    }});
    paths.insert("/api/within".into(), json!({"get": {
        "tags": ["query"], "summary": "every feature within a radius of a point (by distance) or in a box (in feature order)", "operationId": "within",
        "description": "Either lon, lat and radius_m, or bbox (not both). Same filters as nearest; paged with limit and offset; numberMatched counts them all.",
        "parameters": params,
        "responses": responses(&[ok("a GeoJSON FeatureCollection", "application/json", answer)], &[Refusal::Invalid])
    }}));
}
