//! Which limits bound a request, and why: every client-chosen limit of
//! [`crate::query::limits`] and the HTTP layer, taken from the constants (never copied), for
//! the document's `x-limits` and for the parameter schemas that carry them.
//!
//! A schema bounded by a limit names it in `x-limit` (`{"maximum": "MAX_K"}`: the keyword and
//! the limit), so a reader, and the test in `tests/api.rs`, can tie each bound to its entry.

use serde_json::{json, Map, Value};

use crate::http::harden::Hardening;
use crate::query::limits::*;
use crate::query::routes::{CORRIDOR_M_RANGE, DWELL_S_RANGE, SPEED_KMH_RANGE, WALK_M_RANGE};

fn one(value: Value, caps: &str, why: &str) -> Value {
    json!({"value": value, "caps": caps, "why": why})
}

fn range(r: (f64, f64), caps: &str, why: &str) -> Value {
    json!({"minimum": r.0, "maximum": r.1, "caps": caps, "why": why})
}

/// Every limit by name: `value` (or `minimum` and `maximum`), what it caps, and why.
pub fn catalogue() -> Map<String, Value> {
    let h = Hardening::default();
    let entries = [
        ("MAX_K", one(json!(MAX_K), "nearest: k, features returned", "a list a person reads; more is a within query")),
        ("MAX_RADIUS_M", one(json!(MAX_RADIUS_M), "nearest max_m and within radius_m, metres", "the district is about 40 km across; beyond 50 km is not a local search")),
        ("MAX_WITHIN_LIMIT", one(json!(MAX_WITHIN_LIMIT), "within: limit, features per page", "bounds one answer's size; page with offset")),
        ("MAX_LIMIT", one(json!(MAX_LIMIT), "OGC items: limit, features per page", "bounds one answer's size (every sample layer fits in one page); page with offset")),
        ("MIN_RADIUS_M", one(json!(MIN_RADIUS_M), "coverage radius_m, smallest, metres", "below a metre no cell centre is reached: not a catchment")),
        ("MAX_COVERAGE_RADIUS_M", one(json!(MAX_COVERAGE_RADIUS_M), "coverage radius_m, largest, metres", "walking catchments; 5 km is not a walk")),
        ("CELL_M_RANGE", range(CELL_M_RANGE, "coverage cell_m, the grid's cell side, metres", "finer than 10 m is finer than the data; coarser than 5 km says nothing about a township")),
        ("MAX_CELLS", one(json!(MAX_CELLS), "coverage: cells in the grid over the area's bounding box (area and cell_m together)", "bounds the grid's memory and time: 20 m cells still fit the whole district")),
        ("MAX_SUGGEST", one(json!(MAX_SUGGEST), "coverage suggest, new sites proposed", "each is a greedy round over every candidate; a planner adds tens, not hundreds")),
        ("MAX_ADD", one(json!(MAX_ADD), "coverage body: add, hypothetical sites", "each marks the cells within its radius; a what-if adds tens of sites")),
        ("MAX_REMOVE", one(json!(MAX_REMOVE), "coverage body: remove, feature ids left out", "held as a set; above any layer's size")),
        ("MAX_CANDIDATES", one(json!(MAX_CANDIDATES), "coverage body: candidates, sites the suggestions choose from", "each is evaluated every suggestion round")),
        ("MAX_AREA_VERTICES", one(json!(MAX_AREA_VERTICES), "coverage body: positions in a posted area, all rings together", "bounds the outline's scanline work; the district's real outline has a few thousand")),
        ("MAX_AREA_SPAN_M", one(json!(MAX_AREA_SPAN_M), "coverage body: span of a posted area's bounding box, metres, either axis", "Suzhou is about 150 km across")),
        ("MAX_SCAN_WORK", one(json!(MAX_SCAN_WORK), "coverage: edges of the outline x grid rows each edge spans", "keeps laying out the area within the request timeout")),
        ("MAX_SUGGEST_WORK", one(json!(MAX_SUGGEST_WORK), "coverage: suggest x candidates x grid rows a site's radius spans", "keeps the greedy suggestions within the request timeout")),
        ("MAX_ADD_WORK", one(json!(MAX_ADD_WORK), "coverage: added sites x cells inside a site's radius", "keeps marking the added sites within the request timeout")),
        ("MAX_WORKING_BYTES", one(json!(MAX_WORKING_BYTES), "coverage: working memory of one request, bytes, estimated before allocating", "requests side by side cannot take the machine's memory")),
        ("MAX_VERTICES", one(json!(MAX_VERTICES), "route draft: positions in the line, all parts together", "a school line has a few hundred; bounds every per-segment pass")),
        ("MAX_STOPS", one(json!(MAX_STOPS), "route draft: stops", "a school line has tens; bounds the stop-by-stop checks")),
        ("MAX_LINE_LENGTH_M", one(json!(MAX_LINE_LENGTH_M), "route draft: length along the line, metres", "300 km crosses Jiangsu; a school line is tens of km")),
        ("MAX_CROSSINGS_REPORTED", one(json!(MAX_CROSSINGS_REPORTED), "route review: self-intersections reported (the check stops there)", "a hundred findings say enough; a scribbled line would give millions")),
        ("WALK_M_RANGE", range(WALK_M_RANGE, "route review walk_m, metres", "a walk to a stop; 5 km is not a walk")),
        ("SPEED_KMH_RANGE", range(SPEED_KMH_RANGE, "route review speed_kmh", "a bus's average speed")),
        ("DWELL_S_RANGE", range(DWELL_S_RANGE, "route review dwell_s, seconds per stop", "ten minutes at a stop is a long wait already")),
        ("CORRIDOR_M_RANGE", range(CORRIDOR_M_RANGE, "route review corridor_m, metres (and at least walk_m)", "villages beyond 20 km of a line are not its catchment")),
        ("CHEAP_VISIT_BUDGET", one(json!(CHEAP_VISIT_BUDGET), "nearest, within, items: features visited on the async runtime before the request moves to the worker pool (not a refusal)", "keeps one large query from stalling the others")),
        ("MAX_CACHED_TRANSFORMS", one(json!(MAX_CACHED_TRANSFORMS), "crs=EPSG:n transforms kept at once, least recently used dropped (not a refusal)", "bounds the memory clients can pin with many codes")),
        ("max_body_bytes", one(json!(h.max_body_bytes), "request body, bytes (413 beyond; serve --max-body-bytes)", "bounds the memory one request can take before it is read")),
        ("timeout_s", one(json!(h.timeout.as_secs()), "time to answer, seconds (408 beyond; serve --timeout-s)", "a stuck request cannot hold a worker")),
        ("max_concurrency", one(json!(h.max_concurrency), "requests served at once (503 beyond, at once rather than queued; serve --max-concurrency)", "sheds load rather than queueing it unboundedly")),
    ];
    entries
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

/// `schema` with `keyword` (maximum, minimum, maxItems) set to `value`, the limit `name`.
pub fn limit(mut schema: Value, keyword: &str, value: Value, name: &str) -> Value {
    schema[keyword] = value;
    if !schema["x-limit"].is_object() {
        schema["x-limit"] = json!({});
    }
    schema["x-limit"][keyword] = json!(name);
    schema
}
