//! Vector tiles of the streets: the catalog's roads layer ([`LayerKind::Roads`]) cut into
//! Mapbox Vector Tiles (MVT 2.1) one tile at a time, when a tile is first asked for, and kept
//! in a cache bounded in bytes ([`TileCache`]). No HTTP types here: `crate::http::tiles`
//! parses the path and serves what [`TileCache::tile`] gives.
//!
//! # Steps, for one tile (z, x, y) on a cache miss
//! 1. The tile's square in Web Mercator (EPSG:3857, XYZ numbering: x east from -180°, y south
//!    from 85.05°), grown by [`BUFFER`] on each side, as a `[lon, lat]` box padded by a tenth
//!    of a tile (a segment straight in `[lon, lat]` bows slightly in Mercator): the layer's
//!    own index ([`crate::index::LayerIndex::intersecting`]) gives the candidate roads.
//! 2. Roads of a class too minor for the zoom are dropped ([`min_zoom`]: motorways from z 5,
//!    footways from z 14, as OpenStreetMap Carto shows them).
//! 3. Each line is projected to tile units ([`EXTENT`] a side, y down), clipped to the
//!    buffered square, simplified by Douglas-Peucker at [`SIMPLIFY_UNITS`] (a quarter of a
//!    pixel of a tile drawn 512 px wide, half a pixel just before the next zoom's tiles
//!    replace it), rounded to whole units, and repeated points dropped. A piece that rounds
//!    to a single point is dropped (it is under a pixel long).
//! 4. One MVT layer, `roads`, holds a feature per road that kept a piece: its geometry, its
//!    id as `id` (the feature's numeric MVT id is its position in the layer), `highway`,
//!    `name`, `name_en`, `synthetic` and `source` where it has them. The protobuf is written
//!    here ([`encode`], ~80 lines), so no code generator is needed.
//!
//! # Why lazily, and what it costs
//! Nothing is cut at start-up: the roads are loaded and indexed like every layer (the index
//! serves the OGC items too), and a tile costs one box query and its roads' vertices. Cutting
//! every tile of a city at z 0-22 ahead would cost more than any user asks for, and again at
//! every edit or reload. A cut tile is kept under its layer's version (an edit or a reload
//! builds a new layer, so stale tiles are never served, and age out) in a least-recently-used
//! cache of at most [`CACHE_BYTES`]. The measured costs are in BENCHMARKS.md ("Tiles").

use std::collections::{BTreeMap, HashMap};
use std::f64::consts::PI;
use std::sync::{Arc, Mutex};

use geo::Geometry;
use serde_json::Value;

use crate::model::LayerKind;
use crate::query::QueryError;
use crate::snapshot::{Layer, Snapshot};
use crate::text;

/// Highest zoom served (MapLibre's highest by default).
pub const MAX_ZOOM: u8 = 22;
/// Tile units along a side (the MVT default).
pub const EXTENT: u32 = 4096;
/// Tile units drawn beyond each edge, so lines and their caps join across tiles (1/64 of a
/// tile, geojson-vt's default).
pub const BUFFER: f64 = 64.0;
/// Douglas-Peucker tolerance in tile units: 1/4 px of a tile drawn 512 px wide.
pub const SIMPLIFY_UNITS: f64 = 2.0;
/// Largest size of the cut tiles kept, bytes (what the cache costs at most).
pub const CACHE_BYTES: usize = 64 << 20;
/// The MVT layer the roads are in (the style's `source-layer`).
pub const LAYER_NAME: &str = "roads";
/// The properties copied into the tiles, when a road has them.
pub const PROPERTIES: [&str; 5] = ["highway", "name", "name_en", "synthetic", "source"];

/// A tile address, checked: `z` in `0..=MAX_ZOOM`, `x` and `y` in `0..2^z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    /// Zoom.
    pub z: u8,
    /// Column, from 180° W eastwards.
    pub x: u32,
    /// Row, from 85.05° N southwards.
    pub y: u32,
}

impl TileId {
    /// The tile `z/x/y`, or a not-found refusal naming what is outside the range.
    pub fn new(z: u32, x: u32, y: u32) -> Result<TileId, QueryError> {
        if z > MAX_ZOOM as u32 {
            return Err(QueryError::NotFound(text!(
                "no tile at zoom {z}: tiles are served at zooms 0 to {MAX_ZOOM}",
                "没有缩放级别 {z} 的瓦片：瓦片的缩放级别为 0 到 {MAX_ZOOM}"
            )));
        }
        let n = 1u64 << z;
        for (name, v) in [("x", x), ("y", y)] {
            if u64::from(v) >= n {
                let max = n - 1;
                return Err(QueryError::NotFound(text!(
                    "no tile {z}/{x}/{y}: at zoom {z}, {name} runs from 0 to {max}",
                    "没有瓦片 {z}/{x}/{y}：缩放级别 {z} 下 {name} 的范围是 0 到 {max}"
                )));
            }
        }
        Ok(TileId { z: z as u8, x, y })
    }

    /// Tiles per side at this zoom.
    fn n(self) -> f64 {
        (1u64 << self.z) as f64
    }

    /// `[lon, lat]` of a point in tile units (`u`, `v` from the tile's north-west corner).
    pub fn to_lonlat(self, u: f64, v: f64) -> [f64; 2] {
        let n = self.n();
        let wx = (self.x as f64 + u / EXTENT as f64) / n;
        let wy = (self.y as f64 + v / EXTENT as f64) / n;
        let lon = wx * 360.0 - 180.0;
        let lat = (PI * (1.0 - 2.0 * wy)).sinh().atan().to_degrees();
        [lon, lat]
    }

    /// The tile's `[minlon, minlat, maxlon, maxlat]`, grown by `margin` tile units a side.
    pub fn bounds(self, margin: f64) -> [f64; 4] {
        let e = EXTENT as f64;
        let [w, n] = self.to_lonlat(-margin, -margin);
        let [e_, s] = self.to_lonlat(e + margin, e + margin);
        // The top and bottom rows hold whatever lies beyond Mercator's latitudes.
        let n = if self.y == 0 { 90.0 } else { n.min(90.0) };
        let s = if self.y as f64 == self.n() - 1.0 {
            -90.0
        } else {
            s.max(-90.0)
        };
        [w.max(-180.0), s, e_.min(180.0), n]
    }
}

/// Web Mercator's latitude limit: the world is a square.
const MAX_LAT: f64 = 85.051_128_779_806_59;

/// `[lon, lat]` in world units (0..1 from the north-west corner of the Mercator square).
fn world(p: [f64; 2]) -> [f64; 2] {
    let lat = p[1].clamp(-MAX_LAT, MAX_LAT).to_radians();
    let x = (p[0] + 180.0) / 360.0;
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / PI) / 2.0;
    [x, y]
}

/// The lowest zoom a road of OSM class `highway` is drawn at (after OpenStreetMap Carto's
/// road layers: trunks from z 5, primaries z 8, secondaries z 9, tertiaries z 10, streets
/// z 12, service roads and tracks z 13, paths, steps and indoor ways z 14). A `_link` is
/// drawn with its road; a class not listed, from z 14.
pub fn min_zoom(highway: &str) -> u8 {
    let base = highway.strip_suffix("_link").unwrap_or(highway);
    match base {
        "motorway" | "trunk" => 5,
        "primary" => 8,
        "secondary" => 9,
        "tertiary" => 10,
        "residential" | "unclassified" | "living_street" | "road" | "pedestrian" => 12,
        "service" | "track" | "busway" => 13,
        _ => 14,
    }
}

/// The catalog's roads layer: the one of kind `roads` (the catalog declares at most one).
pub fn roads_layer(snap: &Snapshot) -> Result<&Arc<Layer>, QueryError> {
    snap.layers
        .iter()
        .find(|l| l.spec.kind == LayerKind::Roads)
        .ok_or_else(|| {
            QueryError::NotFound(text!(
                "no roads layer is loaded: declare one of kind \"roads\" in layers.toml (nestmap import-osm writes one)",
                "没有加载道路图层：请在 layers.toml 中声明一个 kind 为 \"roads\" 的图层（nestmap import-osm 会写出一个）"
            ))
        })
}

/// Whether a tile is cheap enough to cut on the async runtime: a layer within the cheap
/// requests' budget ([`crate::query::limits::CHEAP_VISIT_BUDGET`] features), or a tile at
/// zoom 14 or more (a few hundred metres across). Otherwise it is cut on the heavy pool.
pub fn is_cheap(layer: &Layer, tile: TileId) -> bool {
    layer.features.len() <= crate::query::limits::CHEAP_VISIT_BUDGET || tile.z >= 14
}

/// Cut tile `tile` of `layer` (every line of it; see the module's steps) and encode it.
pub fn cut(layer: &Layer, tile: TileId) -> Vec<u8> {
    let margin = BUFFER + EXTENT as f64 / 10.0;
    let b = tile.bounds(margin);
    let candidates = layer.index.intersecting([b[0], b[1]], [b[2], b[3]]);
    let n = tile.n();
    let e = EXTENT as f64;
    let to_tile = |p: &geo::Coord<f64>| {
        let [wx, wy] = world([p.x, p.y]);
        [(wx * n - tile.x as f64) * e, (wy * n - tile.y as f64) * e]
    };
    let clip = Rect {
        min: -BUFFER,
        max: e + BUFFER,
    };
    let mut features = Vec::new();
    for i in candidates {
        let f = &layer.features[i];
        let shown = f
            .get("highway")
            .and_then(Value::as_str)
            .is_none_or(|h| tile.z >= min_zoom(h));
        if !shown {
            continue;
        }
        let lines: Vec<&geo::LineString<f64>> = match layer.geometry(i) {
            Geometry::LineString(l) => vec![l],
            Geometry::MultiLineString(m) => m.0.iter().collect(),
            _ => continue,
        };
        let mut parts: Vec<Vec<[i32; 2]>> = Vec::new();
        for line in lines {
            let projected: Vec<[f64; 2]> = line.0.iter().map(to_tile).collect();
            for piece in clip.line(&projected) {
                let kept = douglas_peucker(&piece, SIMPLIFY_UNITS);
                let mut q: Vec<[i32; 2]> = Vec::with_capacity(kept.len());
                for p in kept {
                    let r = [p[0].round() as i32, p[1].round() as i32];
                    if q.last() != Some(&r) {
                        q.push(r);
                    }
                }
                if q.len() >= 2 {
                    parts.push(q);
                }
            }
        }
        if parts.is_empty() {
            continue;
        }
        let tags: Vec<(&'static str, TagValue)> =
            std::iter::once(("id", TagValue::Str(f.id.clone())))
                .chain(
                    PROPERTIES
                        .iter()
                        .filter_map(|k| Some((*k, TagValue::of(f.get(k)?)?))),
                )
                .collect();
        features.push(TileFeature {
            id: i as u64,
            tags,
            parts,
        });
    }
    encode(&features)
}

/// The square a tile's lines are clipped to, in tile units (the same on both axes).
struct Rect {
    min: f64,
    max: f64,
}

impl Rect {
    fn inside(&self, p: [f64; 2]) -> bool {
        (self.min..=self.max).contains(&p[0]) && (self.min..=self.max).contains(&p[1])
    }

    /// The part of segment `a`-`b` inside (Liang-Barsky), None when none of it is.
    fn segment(&self, a: [f64; 2], b: [f64; 2]) -> Option<([f64; 2], [f64; 2])> {
        let d = [b[0] - a[0], b[1] - a[1]];
        let (mut t0, mut t1) = (0.0f64, 1.0f64);
        for k in 0..2 {
            for (p, q) in [(-d[k], a[k] - self.min), (d[k], self.max - a[k])] {
                if p == 0.0 {
                    if q < 0.0 {
                        return None;
                    }
                } else {
                    let r = q / p;
                    if p < 0.0 {
                        t0 = t0.max(r);
                    } else {
                        t1 = t1.min(r);
                    }
                }
            }
        }
        if t0 > t1 {
            return None;
        }
        let at = |t: f64| [a[0] + d[0] * t, a[1] + d[1] * t];
        Some((
            if t0 > 0.0 { at(t0) } else { a },
            if t1 < 1.0 { at(t1) } else { b },
        ))
    }

    /// The pieces of a polyline inside, each a polyline (a line that leaves and comes back
    /// is two pieces).
    fn line(&self, pts: &[[f64; 2]]) -> Vec<Vec<[f64; 2]>> {
        let mut out: Vec<Vec<[f64; 2]>> = Vec::new();
        let mut cur: Vec<[f64; 2]> = Vec::new();
        if pts.len() == 1 && self.inside(pts[0]) {
            return vec![vec![pts[0]]];
        }
        for s in pts.windows(2) {
            match self.segment(s[0], s[1]) {
                Some((p, q)) => {
                    if cur.last() != Some(&p) {
                        if !cur.is_empty() {
                            out.push(std::mem::take(&mut cur));
                        }
                        cur.push(p);
                    }
                    cur.push(q);
                    // Left the square: the next piece starts anew.
                    if q != s[1] {
                        out.push(std::mem::take(&mut cur));
                    }
                }
                None => {
                    if !cur.is_empty() {
                        out.push(std::mem::take(&mut cur));
                    }
                }
            }
        }
        if !cur.is_empty() {
            out.push(cur);
        }
        out
    }
}

/// Douglas-Peucker: the points of `pts` needed so that no point is farther than `tol` from
/// the simplified line (both ends always kept).
fn douglas_peucker(pts: &[[f64; 2]], tol: f64) -> Vec<[f64; 2]> {
    if pts.len() <= 2 {
        return pts.to_vec();
    }
    let mut keep = vec![false; pts.len()];
    keep[0] = true;
    keep[pts.len() - 1] = true;
    let mut stack = vec![(0usize, pts.len() - 1)];
    while let Some((a, b)) = stack.pop() {
        let mut worst = (0.0, 0usize);
        for (i, p) in pts.iter().enumerate().take(b).skip(a + 1) {
            let d = segment_distance(*p, pts[a], pts[b]);
            if d > worst.0 {
                worst = (d, i);
            }
        }
        if worst.0 > tol {
            keep[worst.1] = true;
            stack.push((a, worst.1));
            stack.push((worst.1, b));
        }
    }
    pts.iter()
        .zip(keep)
        .filter_map(|(p, k)| k.then_some(*p))
        .collect()
}

/// Planar distance from `p` to segment `a`-`b`.
fn segment_distance(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    let d = [b[0] - a[0], b[1] - a[1]];
    let len2 = d[0] * d[0] + d[1] * d[1];
    let t = if len2 > 0.0 {
        (((p[0] - a[0]) * d[0] + (p[1] - a[1]) * d[1]) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let q = [a[0] + d[0] * t, a[1] + d[1] * t];
    ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt()
}

/// One road as it goes into a tile.
struct TileFeature {
    /// Its position in the layer.
    id: u64,
    /// `(key, value)`: the road's id as `id`, then the [`PROPERTIES`] it has.
    tags: Vec<(&'static str, TagValue)>,
    /// Its pieces in tile units, each at least two distinct points.
    parts: Vec<Vec<[i32; 2]>>,
}

/// A value of an MVT layer's value table, deduplicated by its encoding.
#[derive(PartialEq, Eq, Hash, Clone)]
enum TagValue {
    Str(String),
    Bool(bool),
    Int(i64),
    Double(u64),
}

impl TagValue {
    fn of(v: &Value) -> Option<TagValue> {
        Some(match v {
            Value::String(s) => TagValue::Str(s.clone()),
            Value::Bool(b) => TagValue::Bool(*b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => TagValue::Int(i),
                None => TagValue::Double(n.as_f64()?.to_bits()),
            },
            // Arrays and objects have no MVT value: left out.
            _ => return None,
        })
    }
}

/// Protobuf wire pieces (MVT's `vector_tile.proto`, version 2.1).
mod pb {
    pub fn varint(out: &mut Vec<u8>, mut v: u64) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }
    pub fn key(out: &mut Vec<u8>, field: u32, wire: u8) {
        varint(out, (u64::from(field) << 3) | u64::from(wire));
    }
    pub fn bytes(out: &mut Vec<u8>, field: u32, b: &[u8]) {
        key(out, field, 2);
        varint(out, b.len() as u64);
        out.extend_from_slice(b);
    }
    pub fn uint(out: &mut Vec<u8>, field: u32, v: u64) {
        key(out, field, 0);
        varint(out, v);
    }
    pub fn packed(out: &mut Vec<u8>, field: u32, vs: &[u32]) {
        let mut body = Vec::with_capacity(vs.len() * 2);
        for &v in vs {
            varint(&mut body, u64::from(v));
        }
        bytes(out, field, &body);
    }
    pub fn zigzag(v: i32) -> u32 {
        ((v << 1) ^ (v >> 31)) as u32
    }
}

/// The tile: one layer, [`LAYER_NAME`], of LineString features; no bytes at all when no road
/// is in it (a tile with no layer, which every MVT reader takes).
fn encode(features: &[TileFeature]) -> Vec<u8> {
    if features.is_empty() {
        return Vec::new();
    }
    let mut keys: Vec<&str> = Vec::new();
    let mut key_of: HashMap<&str, u32> = HashMap::new();
    let mut values: Vec<TagValue> = Vec::new();
    let mut value_of: HashMap<TagValue, u32> = HashMap::new();
    let mut layer = Vec::new();
    pb::uint(&mut layer, 15, 2); // version
    pb::bytes(&mut layer, 1, LAYER_NAME.as_bytes());
    for f in features {
        let mut tags = Vec::with_capacity(f.tags.len() * 2);
        for (k, value) in &f.tags {
            let k = *k;
            let ki = *key_of.entry(k).or_insert_with(|| {
                keys.push(k);
                keys.len() as u32 - 1
            });
            let vi = *value_of.entry(value.clone()).or_insert_with(|| {
                values.push(value.clone());
                values.len() as u32 - 1
            });
            tags.extend([ki, vi]);
        }
        let mut geometry = Vec::new();
        let (mut cx, mut cy) = (0i32, 0i32);
        for part in &f.parts {
            let command = |id: u32, count: usize| (id & 7) | ((count as u32) << 3);
            geometry.push(command(1, 1)); // MoveTo
            for (i, p) in part.iter().enumerate() {
                if i == 1 {
                    geometry.push(command(2, part.len() - 1)); // LineTo
                }
                geometry.push(pb::zigzag(p[0] - cx));
                geometry.push(pb::zigzag(p[1] - cy));
                (cx, cy) = (p[0], p[1]);
            }
        }
        let mut feature = Vec::new();
        pb::uint(&mut feature, 1, f.id);
        pb::packed(&mut feature, 2, &tags);
        pb::uint(&mut feature, 3, 2); // LINESTRING
        pb::packed(&mut feature, 4, &geometry);
        pb::bytes(&mut layer, 2, &feature);
    }
    for k in &keys {
        pb::bytes(&mut layer, 3, k.as_bytes());
    }
    for v in &values {
        let mut value = Vec::new();
        match v {
            TagValue::Str(s) => pb::bytes(&mut value, 1, s.as_bytes()),
            TagValue::Double(bits) => {
                pb::key(&mut value, 3, 1);
                value.extend_from_slice(&bits.to_le_bytes());
            }
            TagValue::Int(i) => {
                // sint64, zigzag
                pb::uint(&mut value, 6, ((i << 1) ^ (i >> 63)) as u64);
            }
            TagValue::Bool(b) => pb::uint(&mut value, 7, u64::from(*b)),
        }
        pb::bytes(&mut layer, 4, &value);
    }
    pb::uint(&mut layer, 5, u64::from(EXTENT));
    let mut tile = Vec::with_capacity(layer.len() + 8);
    pb::bytes(&mut tile, 3, &layer);
    tile
}

/// Where a cached tile is filed: the layer it was cut from (its id and version) and the tile.
type CacheKey = (String, u64, TileId);

/// Cut tiles, least recently used dropped first once they take more than a budget of bytes.
/// Shared by every request (a `Mutex` held only to look up or file a tile, never to cut one:
/// two requests for the same new tile may both cut it, and the second filing wins).
pub struct TileCache {
    inner: Mutex<Lru>,
    budget: usize,
}

#[derive(Default)]
struct Lru {
    tiles: HashMap<CacheKey, (Arc<[u8]>, u64)>,
    by_use: BTreeMap<u64, CacheKey>,
    clock: u64,
    bytes: usize,
}

impl std::fmt::Debug for TileCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (n, bytes) = self.usage();
        f.debug_struct("TileCache")
            .field("tiles", &n)
            .field("bytes", &bytes)
            .field("budget", &self.budget)
            .finish()
    }
}

impl Default for TileCache {
    fn default() -> Self {
        TileCache::new(CACHE_BYTES)
    }
}

impl TileCache {
    /// A cache keeping at most `budget` bytes of tiles (a tile larger than that is cut for
    /// each request and never kept).
    pub fn new(budget: usize) -> Self {
        TileCache {
            inner: Mutex::new(Lru::default()),
            budget,
        }
    }

    /// Tiles kept and their bytes.
    pub fn usage(&self) -> (usize, usize) {
        let g = self.lock();
        (g.tiles.len(), g.bytes)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Lru> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The kept tile, marked as just used.
    pub fn get(&self, layer: &Layer, tile: TileId) -> Option<Arc<[u8]>> {
        let key = (layer.spec.id.clone(), layer.version, tile);
        let mut g = self.lock();
        g.clock += 1;
        let now = g.clock;
        let (bytes, used) = g.tiles.get_mut(&key).map(|(b, u)| {
            let old = *u;
            *u = now;
            (b.clone(), old)
        })?;
        g.by_use.remove(&used);
        g.by_use.insert(now, key);
        Some(bytes)
    }

    /// Keep `bytes` as the tile, dropping the least recently used past the budget.
    pub fn put(&self, layer: &Layer, tile: TileId, bytes: Arc<[u8]>) {
        if bytes.len() > self.budget {
            return;
        }
        let key = (layer.spec.id.clone(), layer.version, tile);
        let mut g = self.lock();
        g.clock += 1;
        let now = g.clock;
        g.bytes += bytes.len();
        if let Some((old, used)) = g.tiles.insert(key.clone(), (bytes, now)) {
            g.bytes -= old.len();
            g.by_use.remove(&used);
        }
        g.by_use.insert(now, key);
        while g.bytes > self.budget {
            let Some((_, oldest)) = g.by_use.pop_first() else {
                break;
            };
            if let Some((b, _)) = g.tiles.remove(&oldest) {
                g.bytes -= b.len();
            }
        }
    }

    /// The tile, from the cache or cut now (and kept).
    pub fn tile(&self, layer: &Layer, tile: TileId) -> Arc<[u8]> {
        if let Some(hit) = self.get(layer, tile) {
            return hit;
        }
        let bytes: Arc<[u8]> = cut(layer, tile).into();
        self.put(layer, tile, bytes.clone());
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_corners_are_the_xyz_scheme() {
        let t = TileId::new(0, 0, 0).unwrap();
        let [lon, lat] = t.to_lonlat(0.0, 0.0);
        assert!((lon + 180.0).abs() < 1e-12 && (lat - MAX_LAT).abs() < 1e-9);
        let t = TileId::new(1, 1, 1).unwrap();
        assert_eq!(t.to_lonlat(0.0, 0.0), [0.0, 0.0]);
        // Round trip: a point's world position puts it in its tile.
        let p = [120.64, 31.42];
        let [wx, wy] = world(p);
        let t = TileId::new(16, (wx * 65536.0) as u32, (wy * 65536.0) as u32).unwrap();
        let b = t.bounds(0.0);
        assert!(
            b[0] <= p[0] && p[0] <= b[2] && b[1] <= p[1] && p[1] <= b[3],
            "{b:?}"
        );
    }

    #[test]
    fn out_of_range_tiles_are_refused_naming_the_coordinate() {
        assert!(TileId::new(22, (1 << 22) - 1, 0).is_ok());
        for (z, x, y, says) in [
            (23, 0, 0, "zoom 23"),
            (3, 8, 0, "x runs"),
            (3, 0, 8, "y runs"),
        ] {
            let e = TileId::new(z, x, y).unwrap_err();
            assert!(matches!(e, QueryError::NotFound(_)), "{e:?}");
            assert!(e.to_string().contains(says), "{e}");
        }
    }

    #[test]
    fn clipping_keeps_the_inside_and_splits_where_a_line_leaves() {
        let r = Rect {
            min: 0.0,
            max: 10.0,
        };
        // In, out, in again: two pieces, cut at the edge.
        let pieces = r.line(&[[5.0, 5.0], [15.0, 5.0], [15.0, 8.0], [5.0, 8.0]]);
        assert_eq!(
            pieces,
            vec![vec![[5.0, 5.0], [10.0, 5.0]], vec![[10.0, 8.0], [5.0, 8.0]]]
        );
        // Crossing the square without a vertex inside.
        assert_eq!(
            r.line(&[[-5.0, 2.0], [15.0, 2.0]]),
            vec![vec![[0.0, 2.0], [10.0, 2.0]]]
        );
        // Wholly outside, and touching nothing.
        assert!(r.line(&[[-5.0, -1.0], [15.0, -1.0]]).is_empty());
    }

    #[test]
    fn douglas_peucker_keeps_what_is_farther_than_the_tolerance() {
        let pts = [[0.0, 0.0], [1.0, 0.5], [2.0, 0.0], [3.0, 5.0], [4.0, 0.0]];
        assert_eq!(
            douglas_peucker(&pts, 1.0),
            vec![[0.0, 0.0], [2.0, 0.0], [3.0, 5.0], [4.0, 0.0]]
        );
        assert_eq!(douglas_peucker(&pts, 10.0), vec![[0.0, 0.0], [4.0, 0.0]]);
    }

    #[test]
    fn zigzag_and_varints_are_protobufs() {
        assert_eq!(
            [0, -1, 1, -2, 2].map(pb::zigzag),
            [0, 1, 2, 3, 4],
            "protobuf's zigzag table"
        );
        let mut v = Vec::new();
        pb::varint(&mut v, 300);
        assert_eq!(v, [0xac, 0x02], "300 in the protobuf docs");
    }

    #[test]
    fn a_class_not_listed_waits_for_the_footways_zoom() {
        assert_eq!(min_zoom("primary_link"), min_zoom("primary"));
        assert_eq!(min_zoom("corridor"), 14);
        assert!(min_zoom("trunk") < min_zoom("residential"));
    }
}
