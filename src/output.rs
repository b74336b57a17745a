//! Features as GeoJSON (RFC 7946): `[lon, lat]` WGS84, string ids. Used by the HTTP answers
//! and by edits (which work on a feature in WGS84), so it lives outside `http`.

use serde_json::{json, Map, Value};

use crate::snapshot::Layer;

/// A geometry as a GeoJSON geometry object.
pub fn geometry_json(g: &geo::Geometry<f64>) -> Value {
    serde_json::to_value(geojson::Geometry::from(g)).unwrap_or(Value::Null)
}

/// Feature `i` of `layer` as a GeoJSON Feature, with `extra` properties merged over its own.
pub fn feature_json(layer: &Layer, i: usize, extra: Option<Map<String, Value>>) -> Value {
    let f = &layer.features[i];
    let mut props = f.properties.to_map();
    if let Some(extra) = extra {
        props.extend(extra);
    }
    json!({
        "type": "Feature",
        "id": f.id,
        "geometry": geometry_json(layer.geometry(i)),
        "properties": props,
    })
}
