//! How the school commuter line review is described: `/api/routes`, a line's review, and a
//! posted draft (the FeatureCollection with its limits), with the review's settings.

use serde_json::{json, Map, Value};

use super::limits::limit;
use super::schema::{geometry, line_coordinates, ok, point, query, responses, Refusal};
use crate::query::limits::{MAX_CROSSINGS_REPORTED, MAX_LINE_LENGTH_M, MAX_STOPS, MAX_VERTICES};
use crate::query::routes::{
    summaries, ReviewParams, CORRIDOR_M_RANGE, DWELL_S_RANGE, FINDING_CODES, SPEED_KMH_RANGE,
    WALK_M_RANGE,
};
use crate::snapshot::Snapshot;

fn setting(
    name: &str,
    description: &str,
    range: (f64, f64),
    limit_name: &str,
    default: f64,
) -> Value {
    let s = limit(
        json!({"type": "number", "default": default}),
        "minimum",
        json!(range.0),
        limit_name,
    );
    query(
        name,
        false,
        &format!("{description} ({limit_name})"),
        limit(s, "maximum", json!(range.1), limit_name),
    )
}

fn settings() -> Vec<Value> {
    let d = ReviewParams::default();
    vec![
        setting("walk_m", "a village is served when a stop lies within this walk, metres", WALK_M_RANGE, "WALK_M_RANGE", d.walk_m),
        setting("speed_kmh", "average running speed", SPEED_KMH_RANGE, "SPEED_KMH_RANGE", d.speed_kmh),
        setting("dwell_s", "dwell time at each stop, seconds", DWELL_S_RANGE, "DWELL_S_RANGE", d.dwell_s),
        setting("corridor_m", "villages within this distance of the line are in its catchment, metres; at least walk_m", CORRIDOR_M_RANGE, "CORRIDOR_M_RANGE", d.corridor_m),
    ]
}

fn village() -> Value {
    let num = json!({"type": "number"});
    json!({"type": "object", "required": ["id", "name", "township", "children", "population", "position", "distance_m", "stop"], "properties": {
        "id": {"type": "string"}, "name": {"type": "string"}, "township": {"type": "string", "nullable": true},
        "children": {"type": "integer"}, "population": {"type": "integer"},
        "position": {"type": "array", "items": num},
        "distance_m": {"type": "number", "nullable": true, "description": "to the nearest stop; null when the line has no stops"},
        "stop": {"type": "string"}}})
}

fn review() -> Value {
    let num = json!({"type": "number"});
    let nstr = json!({"type": "string", "nullable": true});
    let pos = json!({"type": "array", "items": num, "nullable": true});
    let severities: Vec<&str> = {
        let mut s: Vec<&str> = FINDING_CODES.iter().map(|(_, s, _, _)| *s).collect();
        s.sort();
        s.dedup();
        s
    };
    let codes: Vec<&str> = FINDING_CODES.iter().map(|(c, _, _, _)| *c).collect();
    json!({"type": "object", "required": ["route", "params", "length_m", "stop_count", "spacing_m", "run_time_min", "last_stop_to_school_m", "line", "stops", "served", "unserved", "served_children", "unserved_children", "shared", "findings", "diff"], "properties": {
        "route": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}, "name": nstr, "name_en": nstr, "school": nstr, "school_location": pos}},
        "params": {"type": "object", "required": ["walk_m", "speed_kmh", "dwell_s", "corridor_m"]},
        "length_m": num, "stop_count": {"type": "integer", "minimum": 0},
        "spacing_m": {"type": "object", "nullable": true, "required": ["min", "mean", "max"]},
        "run_time_min": num, "last_stop_to_school_m": {"type": "number", "nullable": true},
        "line": {"type": "object", "required": ["type", "coordinates"], "properties": {"type": {"type": "string", "enum": ["LineString", "MultiLineString"]}}},
        "stops": {"type": "array", "items": {"type": "object", "required": ["id", "seq", "name", "position", "along_m", "offset_m"], "properties": {
            "id": {"type": "string"}, "seq": {"type": "integer"}, "name": nstr, "position": {"type": "array", "items": num}, "along_m": num, "offset_m": num}}},
        "served": {"type": "array", "items": village()}, "unserved": {"type": "array", "items": village()},
        "served_children": {"type": "integer"}, "unserved_children": {"type": "integer"},
        "shared": {"type": "array", "items": {"type": "object", "required": ["route", "length_m"], "properties": {"route": {"type": "string"}, "length_m": num}}},
        "findings": {"type": "array", "items": {"type": "object", "required": ["severity", "code", "message", "location"], "properties": {
            "severity": {"type": "string", "enum": severities}, "code": {"type": "string", "enum": codes}, "message": {"type": "string"}, "location": pos}}},
        "diff": {"type": "object", "nullable": true, "description": "with compare: the draft against that line"}
    }})
}

/// The draft a `POST /api/routes/review` takes.
fn draft() -> Value {
    let coords = limit(
        line_coordinates(None),
        "maxItems",
        json!(MAX_VERTICES),
        "MAX_VERTICES",
    );
    let line = json!({"anyOf": [
        geometry("LineString", coords.clone()),
        geometry("MultiLineString", json!({"type": "array", "minItems": 1, "items": coords}))
    ]});
    let line_feature = json!({"type": "object", "required": ["type", "geometry"], "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "geometry": line,
        "properties": {"type": "object", "nullable": true, "description": "may carry route_id, name, name_en, school, operator (strings) and school_location ([lon, lat]); other values are ignored"}
    }, "description": "the line: one LineString or MultiLineString, all parts together at most MAX_VERTICES positions and MAX_LINE_LENGTH_M metres long"});
    let stop_feature = json!({"type": "object", "required": ["type", "geometry", "properties"], "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "id": {"description": "the stop's id (a string or a number); stop-<seq> when absent"},
        "geometry": point(),
        "properties": {"type": "object", "required": ["seq"], "properties": {
            "seq": {"type": "integer", "minimum": 1, "maximum": i64::MAX, "description": "the stop's order, unique in the draft"},
            "name": {"description": "the stop's name (a string; other values are ignored)"}}}
    }, "description": "a stop: a Point with an integer seq"});
    json!({"type": "object", "required": ["type", "features"], "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {"type": "array", "minItems": 1, "maxItems": MAX_STOPS + 1, "items": {"anyOf": [line_feature, stop_feature]},
            "description": format!("exactly one line and at most MAX_STOPS ({MAX_STOPS}) stops; positions [lon, lat] WGS84, longitude -180..180, latitude -90..90")}
    }, "description": format!("A draft line. Refused with 400: an empty collection, no line or two lines, a line of fewer than 2 positions or more than MAX_VERTICES ({MAX_VERTICES}), longer than MAX_LINE_LENGTH_M ({MAX_LINE_LENGTH_M} m), stops without seq or with a repeated seq, more than MAX_STOPS stops, coordinates not finite or out of range, other geometry types. At most MAX_CROSSINGS_REPORTED ({MAX_CROSSINGS_REPORTED}) self-intersections are reported.")})
}

/// The three paths.
pub fn paths(paths: &mut Map<String, Value>, snap: &Snapshot) {
    let ids: Vec<String> = summaries(snap).into_iter().map(|l| l.id).collect();
    let list = json!({"type": "object", "required": ["routes", "finding_codes"], "properties": {
        "routes": {"type": "array", "items": {"type": "object", "required": ["id", "name", "name_en", "school", "operator", "departures", "length_m", "stop_count"], "properties": {
            "id": {"type": "string"}, "name": {"type": "string", "nullable": true}, "name_en": {"type": "string", "nullable": true},
            "school": {"type": "string", "nullable": true}, "operator": {"type": "string", "nullable": true},
            "departures": {"type": "array", "items": {"type": "string"}}, "length_m": {"type": "number"}, "stop_count": {"type": "integer", "minimum": 0}}}},
        "finding_codes": {"type": "array", "items": {"type": "object", "required": ["code", "severity", "meaning"]}}
    }});
    paths.insert("/api/routes".into(), json!({"get": {
        "tags": ["routes"], "summary": "every school commuter line with id, name, school, length and stop count, and the finding codes", "operationId": "routes",
        "description": "Takes no parameters: any is refused (400).",
        "responses": responses(&[ok("the lines", "application/json", list)], &[Refusal::Invalid])
    }}));
    let id = json!({"name": "id", "in": "path", "required": true, "description": "the line's route_id", "schema": {"type": "string", "enum": ids}});
    let mut params = vec![id];
    params.extend(settings());
    paths.insert("/api/routes/{id}/review".into(), json!({"get": {
        "tags": ["routes"], "summary": "the review of a line: length, stops, spacing, run time, villages served and missed, shared length, findings", "operationId": "route_review",
        "parameters": params,
        "responses": responses(&[ok("the review", "application/json", review())], &[Refusal::Invalid, Refusal::NotFound])
    }}));
    let mut params = settings();
    params.push(query("compare", false, "a line's route_id: the draft is compared with it (diff), and takes its school_location when it has none; an unknown id is refused (400)", json!({"type": "string", "enum": ids})));
    let body = json!({"schema": draft()});
    paths.insert("/api/routes/review".into(), json!({"post": {
        "tags": ["routes"], "summary": "the review of a posted draft, and with compare its diff against that line", "operationId": "route_review_draft",
        "parameters": params,
        "requestBody": {"required": true, "content": {"application/geo+json": body, "application/json": body}},
        "responses": responses(&[ok("the review", "application/json", review())], &[Refusal::Invalid, Refusal::TooLarge, Refusal::MediaType])
    }}));
}
