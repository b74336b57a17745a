//! What the operations share in the document: the error answers (one schema, one description
//! per status), positions and GeoJSON geometries as JSON Schemas, and the Feature a read answers.
//!
//! A request schema here is never narrower than what the server accepts: whatever the server
//! answers with a 2xx is valid against it, so a schema-invalid request is always refused. Where
//! OpenAPI 3.0 cannot state a rule (latitude -90..90 inside one `[lon, lat]` array, a closed
//! ring), the schema keeps the wider bound and the description states the rule.

use serde_json::{json, Map, Value};

use crate::http::harden::Hardening;
use crate::model::GeometryFamily;

/// The shared error body.
pub fn error_schema() -> Value {
    json!({
        "type": "object",
        "required": ["error"],
        "properties": {"error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "invalid_parameter, not_found, method_not_allowed, unauthorized, forbidden, conflict, unsupported_media_type, timeout, payload_too_large, overloaded, internal; bad_request for a request the HTTP layer could not read"},
                "message": {"type": "string", "description": "what was wrong, naming the parameter or field for a 4xx; nothing internal for a 5xx. In the request's language (lang=, else Accept-Language, else English); the code, and the names of parameters, fields and ids inside the message, are the same in every language"}
            }
        }}
    })
}

/// Every status an operation can give besides its success, with why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// 400 invalid_parameter: a parameter or the body is missing, malformed, out of range or unknown.
    Invalid,
    /// 401: no bearer token.
    Unauthorized,
    /// 403: a token that may not edit, or a read-only server.
    Forbidden,
    /// 404: no such resource.
    NotFound,
    /// 408: past the request timeout.
    Timeout,
    /// 409: the id is taken.
    Conflict,
    /// 413: the body is too large.
    TooLarge,
    /// 415: the body is not JSON.
    MediaType,
    /// 500: an edit could not be written.
    Storage,
    /// 503: the server is at its concurrency limit.
    Overloaded,
}

/// What every operation can answer whatever it is asked: the request timeout and load shedding.
pub const ALWAYS: [Refusal; 2] = [Refusal::Timeout, Refusal::Overloaded];

impl Refusal {
    fn status(self) -> &'static str {
        match self {
            Refusal::Invalid => "400",
            Refusal::Unauthorized => "401",
            Refusal::Forbidden => "403",
            Refusal::NotFound => "404",
            Refusal::Timeout => "408",
            Refusal::Conflict => "409",
            Refusal::TooLarge => "413",
            Refusal::MediaType => "415",
            Refusal::Storage => "500",
            Refusal::Overloaded => "503",
        }
    }

    fn description(self) -> String {
        let h = Hardening::default();
        match self {
            Refusal::Invalid => "invalid_parameter: a parameter or the body is missing, malformed, out of range, repeated or unknown; the message names it and the reason".into(),
            Refusal::Unauthorized => "unauthorized: no Authorization: Bearer <token> header".into(),
            Refusal::Forbidden => "forbidden: the token may not edit, or the server is read-only (no tokens configured)".into(),
            Refusal::NotFound => "not_found: no such collection, feature or line".into(),
            Refusal::Timeout => format!("timeout: the request ran past the request timeout ({} s by default, serve --timeout-s) and was abandoned", h.timeout.as_secs()),
            Refusal::Conflict => "conflict: a feature with this id exists already".into(),
            Refusal::TooLarge => format!("payload_too_large: the body is larger than the body limit ({} bytes by default, serve --max-body-bytes)", h.max_body_bytes),
            Refusal::MediaType => "unsupported_media_type: the body's Content-Type is not application/geo+json, application/json or application/merge-patch+json".into(),
            Refusal::Storage => "internal: the layer file or the audit log could not be written; nothing was changed or acknowledged".into(),
            Refusal::Overloaded => format!("overloaded: the server is serving its limit of requests at once ({} by default, serve --max-concurrency); retry shortly", h.max_concurrency),
        }
    }

    fn response(self) -> Value {
        let mut r = json!({
            "description": self.description(),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        });
        if self == Refusal::Unauthorized {
            r["headers"] = json!({"WWW-Authenticate": {"required": true, "description": "Bearer", "schema": {"type": "string", "enum": ["Bearer"]}}});
        }
        r
    }
}

/// A responses object: `success` (status -> response) and the refusals, plus [`ALWAYS`].
pub fn responses(success: &[(&str, Value)], refusals: &[Refusal]) -> Value {
    let mut m = Map::new();
    for (status, r) in success {
        m.insert((*status).to_string(), r.clone());
    }
    for r in refusals.iter().chain(&ALWAYS) {
        m.insert(r.status().to_string(), r.response());
    }
    Value::Object(m)
}

/// A 200 answer of one content type.
pub fn ok(description: &str, content_type: &str, schema: Value) -> (&'static str, Value) {
    (
        "200",
        json!({"description": description, "content": {content_type: {"schema": schema}}}),
    )
}

/// `lang`, which every operation takes: the language of the words in the answer.
pub fn lang_param() -> Value {
    query(
        "lang",
        false,
        "the language of every word the answer holds for people (error messages, review findings and finding meanings, notes, hours lines, coverage sources, load refusals): zh or en (a tag such as zh-CN or en-GB too; any other value is refused, 400 naming lang). Without it Accept-Language chooses by its weights, and English when it names neither. Codes, severities and parameter names are the same in both",
        json!({"type": "string", "enum": ["zh", "en"]}),
    )
}

/// `Accept-Language`, read when `lang` is not given.
pub fn accept_language_header() -> Value {
    json!({"name": "Accept-Language", "in": "header", "required": false,
        "description": "chooses the language of the answer's words when lang= is not given (zh-* Chinese, en-* English, by weight; English when it names neither); answers whose words follow it carry Vary: Accept-Language",
        "schema": {"type": "string"}})
}

/// A query parameter.
pub fn query(name: &str, required: bool, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": required, "description": description, "schema": schema})
}

/// A comma-separated list in one query parameter (`a,b,c`), as the server reads it.
pub fn csv_query(name: &str, required: bool, description: &str, items: Value) -> Value {
    json!({"name": name, "in": "query", "required": required, "style": "form", "explode": false,
        "description": description, "schema": {"type": "array", "minItems": 1, "items": items}})
}

/// The layer ids as an enum.
pub fn layer_ids(ids: &[String]) -> Value {
    json!({"type": "string", "enum": ids})
}

/// `[lon, lat]` in WGS84 with nothing more (the coverage body's `add` and `candidates`).
pub fn lonlat() -> Value {
    json!({"type": "array", "minItems": 2, "maxItems": 2,
        "items": {"type": "number", "minimum": -180, "maximum": 180},
        "description": "[lon, lat] in WGS84: longitude -180..180, latitude -90..90"})
}

/// A GeoJSON position: `[lon, lat]` or `[lon, lat, height]`, finite numbers.
pub fn position() -> Value {
    json!({"type": "array", "minItems": 2, "maxItems": 3, "items": {"type": "number"},
        "description": "[lon, lat] or [lon, lat, height] in WGS84: longitude -180..180, latitude -90..90, height any finite number"})
}

/// A GeoJSON geometry of type `kind` with these coordinates.
pub fn geometry(kind: &str, coordinates: Value) -> Value {
    json!({"type": "object", "required": ["type", "coordinates"], "properties": {
        "type": {"type": "string", "enum": [kind]},
        "coordinates": coordinates
    }})
}

/// The coordinates of a LineString, at most `max` positions when given.
pub fn line_coordinates(max: Option<usize>) -> Value {
    let mut s = json!({"type": "array", "minItems": 2, "items": position()});
    if let Some(m) = max {
        s["maxItems"] = json!(m);
    }
    s
}

fn ring() -> Value {
    json!({"type": "array", "minItems": 4, "items": position(),
        "description": "a closed ring: at least 4 positions, the last equal to the first"})
}

fn polygon_coordinates() -> Value {
    json!({"type": "array", "minItems": 1, "items": ring(),
        "description": "the exterior ring, then holes; valid as a polygon (no self-intersection, holes inside)"})
}

/// A Polygon geometry.
pub fn polygon() -> Value {
    geometry("Polygon", polygon_coordinates())
}

/// A MultiPolygon geometry.
pub fn multipolygon() -> Value {
    geometry(
        "MultiPolygon",
        json!({"type": "array", "minItems": 1, "items": polygon_coordinates()}),
    )
}

/// A LineString geometry of at most `max` positions.
pub fn linestring(max: Option<usize>) -> Value {
    geometry("LineString", line_coordinates(max))
}

/// A MultiLineString geometry, each line at most `max` positions.
pub fn multilinestring(max: Option<usize>) -> Value {
    geometry(
        "MultiLineString",
        json!({"type": "array", "minItems": 1, "items": line_coordinates(max)}),
    )
}

/// A Point geometry.
pub fn point() -> Value {
    geometry("Point", position())
}

/// The geometries a layer of this family takes (GeometryCollection is refused).
pub fn geometry_of(family: GeometryFamily) -> Value {
    let multipoint = geometry(
        "MultiPoint",
        json!({"type": "array", "minItems": 1, "items": position()}),
    );
    let of = match family {
        GeometryFamily::Point => vec![point(), multipoint],
        GeometryFamily::Line => vec![linestring(None), multilinestring(None)],
        GeometryFamily::Polygon => vec![polygon(), multipolygon()],
        GeometryFamily::Any => vec![
            point(),
            multipoint,
            linestring(None),
            multilinestring(None),
            polygon(),
            multipolygon(),
        ],
    };
    json!({"anyOf": of})
}

/// A link as the OGC answers carry them.
pub fn links() -> Value {
    json!({"type": "array", "items": {"type": "object", "required": ["href", "rel"], "properties": {
        "href": {"type": "string"}, "rel": {"type": "string"}, "type": {"type": "string"}, "title": {"type": "string"}
    }}})
}

/// A GeoJSON Feature as the server writes it (WGS84, string id).
pub fn feature_out() -> Value {
    json!({"type": "object", "required": ["type", "id", "geometry", "properties"], "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "id": {"type": "string"},
        "geometry": {"type": "object", "required": ["type"], "properties": {"type": {"type": "string", "enum": ["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"]}}},
        "properties": {"type": "object"},
        "links": links()
    }})
}
