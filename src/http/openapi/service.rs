//! How `/healthz` and `/api/layers` are described: liveness, and what is loaded.

use serde_json::{json, Map, Value};

use super::schema::{ok, responses, Refusal};

/// The two paths.
pub fn paths(paths: &mut Map<String, Value>) {
    paths.insert("/healthz".into(), json!({"get": {
        "tags": ["service"], "summary": "liveness: {\"status\":\"ok\"}", "operationId": "healthz",
        "description": "Takes no parameters but lang: any other is refused (400).",
        "responses": responses(&[ok("alive", "application/json", json!({"type": "object", "required": ["status"], "properties": {"status": {"type": "string", "enum": ["ok"]}}}))], &[])
    }}));
    let colour = json!({"type": "string", "pattern": "^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"});
    let style = json!({"type": "object", "additionalProperties": false,
    "description": "how the map draws this layer where it differs from its kind, from the catalog (layers.toml); a key left out takes the kind's look, {} for none. Colours #rgb or #rrggbb, sizes in CSS pixels",
    "properties": {
        "colour": colour.clone(),
        "fill_colour": colour,
        "fill_opacity": {"type": "number", "minimum": 0, "maximum": 1},
        "line_width": {"type": "number", "minimum": 0, "maximum": 20},
        "line_dasharray": {"type": "array", "minItems": 2, "maxItems": 8, "items": {"type": "number", "minimum": 0, "maximum": 50}},
        "circle_radius": {"type": "number", "exclusiveMinimum": true, "minimum": 0, "maximum": 30},
        "backdrop": {"type": "boolean", "description": "drawn beneath every other layer, never a click target"}
    }});
    let layer = json!({"type": "object",
    "required": ["id", "title_zh", "title_en", "kind", "geometry_type", "count", "synthetic_count", "bbox", "crs", "service_radius_m", "style"],
    "properties": {
        "id": {"type": "string"}, "title_zh": {"type": "string"}, "title_en": {"type": "string"},
        "kind": {"type": "string"}, "geometry_type": {"type": "string"},
        "count": {"type": "integer", "minimum": 0}, "synthetic_count": {"type": "integer", "minimum": 0},
        "bbox": {"type": "array", "nullable": true, "minItems": 4, "maxItems": 4, "items": {"type": "number"}, "description": "[minlon, minlat, maxlon, maxlat] WGS84; null for an empty layer"},
        "crs": {"type": "string", "description": "the layer file's CRS"},
        "service_radius_m": {"type": "number"},
        "style": style
    }});
    let answer = json!({"type": "object", "required": ["layers", "skipped", "reload", "editable"], "properties": {
        "layers": {"type": "array", "items": layer},
        "network": {"type": "object", "nullable": true, "description": "the walking network answers walk along (null: none loaded, straight lines only): id, titles, source, synthetic, attribution, vertices, edges, km, components, largest_component_share, bbox"},
        "skipped": {"type": "array", "items": {"type": "string"}, "description": "what the last load refused, and why"},
        "reload": {"type": "object", "nullable": true, "description": "the last reload (SIGHUP): at, ok, problems, changes; null before the first",
            "required": ["at", "ok", "problems", "changes"],
            "properties": {"at": {"type": "string"}, "ok": {"type": "boolean"}, "problems": {"type": "array", "items": {"type": "string"}}, "changes": {"type": "array", "items": {"type": "object"}}}},
        "editable": {"type": "boolean", "description": "whether edit tokens are configured"}
    }});
    paths.insert("/api/layers".into(), json!({"get": {
        "tags": ["service"], "summary": "every layer with titles, kind, geometry type, counts, bbox, source CRS and style override", "operationId": "layers",
        "description": "Takes no parameters but lang: any other is refused (400). skipped and reload.problems are worded in the request's language.",
        "responses": responses(&[ok("the layers", "application/json", answer)], &[Refusal::Invalid])
    }}));
}
