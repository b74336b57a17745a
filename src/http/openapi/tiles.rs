//! How the streets' vector tiles are described: `/tiles/roads/{z}/{x}/{y}.mvt`.

use serde_json::{json, Map, Value};

use super::schema::{responses, Refusal};
use crate::tiles::{BUFFER, EXTENT, LAYER_NAME, MAX_ZOOM, PROPERTIES, SIMPLIFY_UNITS};

/// The path template as clients ask for it (the router's `{y}` holds `y.mvt`).
pub const TILE_PATH: &str = "/tiles/roads/{z}/{x}/{y}.mvt";

/// The one path.
pub fn paths(paths: &mut Map<String, Value>) {
    let coordinate = |name: &str, description: &str, schema: Value| json!({"name": name, "in": "path", "required": true, "description": description, "schema": schema});
    let props = PROPERTIES.join(", ");
    paths.insert(TILE_PATH.into(), json!({"get": {
        "tags": ["tiles"], "summary": "the roads layer as a Mapbox Vector Tile", "operationId": "roadsTile",
        "description": format!("The catalog's layer of kind roads, cut into the XYZ tile z/x/y of Web Mercator (x from 180° W eastwards, y from 85.05° N southwards) when first asked for and kept in a bounded cache: one MVT 2.1 layer \"{LAYER_NAME}\" of LineStrings, extent {EXTENT}, clipped {BUFFER} units beyond each edge, simplified at {SIMPLIFY_UNITS} units (Douglas-Peucker), minor classes left out at low zooms (motorway and trunk from z 5, primary 8, secondary 9, tertiary 10, residential and other streets 12, service and track 13, paths and the rest 14). Each feature carries id (the road's id) and, where the road has them, {props}; its MVT id is the road's position in the layer. An empty tile is an empty body. Compressed (gzip or br) by Accept-Encoding; validated by the layer's version (ETag)."),
        "parameters": [
            coordinate("z", "zoom", json!({"type": "integer", "minimum": 0, "maximum": MAX_ZOOM})),
            coordinate("x", "column, 0 to 2^z - 1 (outside: 404)", json!({"type": "integer", "minimum": 0})),
            coordinate("y", "row, 0 to 2^z - 1 (outside: 404), followed by .mvt in the path", json!({"type": "integer", "minimum": 0})),
        ],
        "responses": responses(&[("200", json!({"description": "the tile (no bytes when no road is in it)", "content": {"application/vnd.mapbox-vector-tile": {"schema": {"type": "string", "format": "binary"}}}}))], &[Refusal::Invalid, Refusal::NotFound])
    }}));
}
