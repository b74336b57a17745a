//! The streets' vector tiles (`/tiles/roads/{z}/{x}/{y}.mvt`), decoded with an MVT reader made
//! for the job (`mvt-reader`) and checked against a brute-force oracle: every road of the test
//! roads layer (tests/fixtures/roads, seeded invented streets) projected to Web Mercator by
//! PROJ (EPSG:3857), and the roads whose line meets each tile's buffered square found with
//! `geo`'s intersects, tile by tile over the whole layer at zooms 5 to 17.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::f64::consts::PI;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::app::{app, load, sample_app, send};
use geo::{Coord, Intersects, LineString, MultiLineString, Rect};
use nestmap::snapshot::Layer;
use nestmap::tiles::{cut, TileCache, TileId, BUFFER, EXTENT, LAYER_NAME, SIMPLIFY_UNITS};
use serde_json::Value;

/// Web Mercator's half-width, metres (WGS84's semi-major axis times pi).
const HALF: f64 = 6_378_137.0 * PI;

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/roads")
}

/// The zoom each class appears from, as this test states it (README, Streets): the oracle's
/// own copy of the rule, not the code's.
fn shown_at(highway: &str, z: u8) -> bool {
    let from = match highway.trim_end_matches("_link") {
        "motorway" | "trunk" => 5,
        "primary" => 8,
        "secondary" => 9,
        "tertiary" => 10,
        "residential" | "unclassified" | "living_street" | "road" | "pedestrian" => 12,
        "service" | "track" | "busway" => 13,
        _ => 14,
    };
    z >= from
}

/// Every road projected to EPSG:3857 metres by PROJ, with its properties.
struct Oracle {
    roads: Vec<(String, MultiLineString<f64>, BTreeMap<String, Value>)>,
}

impl Oracle {
    fn of(layer: &Layer) -> Oracle {
        let to_3857 = proj::Proj::new_known_crs("EPSG:4326", "EPSG:3857", None).unwrap();
        let project = |l: &LineString<f64>| -> LineString<f64> {
            l.0.iter()
                .map(|c| {
                    let (x, y) = to_3857.convert((c.x, c.y)).unwrap();
                    Coord { x, y }
                })
                .collect()
        };
        let roads = layer
            .features
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let lines = match layer.geometry(i) {
                    geo::Geometry::LineString(l) => vec![project(l)],
                    geo::Geometry::MultiLineString(m) => m.0.iter().map(project).collect(),
                    g => panic!("{}: {g:?}", f.id),
                };
                let props = f
                    .properties
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect();
                (f.id.clone(), MultiLineString(lines), props)
            })
            .collect();
        Oracle { roads }
    }

    /// Tile units of a 3857 point in tile `t` (x east, y down from the tile's north-west).
    fn units(t: TileId, p: Coord<f64>) -> Coord<f64> {
        let size = 2.0 * HALF / (1u64 << t.z) as f64;
        Coord {
            x: ((p.x + HALF) / size - t.x as f64) * EXTENT as f64,
            y: ((HALF - p.y) / size - t.y as f64) * EXTENT as f64,
        }
    }

    /// The tile's square grown by `margin` units a side, in 3857 metres.
    fn square(t: TileId, margin: f64) -> Rect<f64> {
        let size = 2.0 * HALF / (1u64 << t.z) as f64;
        let m = margin / EXTENT as f64 * size;
        let (x0, y0) = (-HALF + t.x as f64 * size, HALF - t.y as f64 * size);
        Rect::new(
            Coord {
                x: x0 - m,
                y: y0 + m,
            },
            Coord {
                x: x0 + size + m,
                y: y0 - size - m,
            },
        )
    }

    /// Ids of the roads shown at the tile's zoom whose line meets its square grown by `margin`.
    fn meeting(&self, t: TileId, margin: f64) -> BTreeSet<String> {
        let sq = Self::square(t, margin);
        self.roads
            .iter()
            .filter(|(_, g, p)| shown_at(p["highway"].as_str().unwrap(), t.z) && g.intersects(&sq))
            .map(|(id, _, _)| id.clone())
            .collect()
    }
}

/// A decoded tile: its one layer's features as (id property, geometry in tile units,
/// properties), checked to be the layer and extent the style reads.
fn decode(
    bytes: &[u8],
) -> Vec<(
    String,
    MultiLineString<f64>,
    BTreeMap<String, mvt_reader::feature::Value>,
)> {
    let reader = mvt_reader::Reader::new(bytes.to_vec()).expect("a valid MVT");
    let layers = reader.get_layer_metadata().unwrap();
    if bytes.is_empty() {
        assert!(layers.is_empty());
        return vec![];
    }
    assert_eq!(layers.len(), 1, "one layer");
    assert_eq!(
        (layers[0].name.as_str(), layers[0].extent, layers[0].version),
        (LAYER_NAME, EXTENT, 2)
    );
    reader
        .get_features_as::<f64>(0)
        .unwrap()
        .into_iter()
        .map(|f| {
            let props: BTreeMap<_, _> = f.properties.unwrap().into_iter().collect();
            let id = match &props["id"] {
                mvt_reader::feature::Value::String(s) => s.clone(),
                v => panic!("id {v:?}"),
            };
            let g = match f.geometry {
                geo::Geometry::LineString(l) => MultiLineString(vec![l]),
                geo::Geometry::MultiLineString(m) => m,
                g => panic!("{id}: not a line: {g:?}"),
            };
            (id, g, props)
        })
        .collect()
}

/// Tiles at zoom `z` covering `[minlon, minlat, maxlon, maxlat]` and one more all round.
fn tiles_over(b: [f64; 4], z: u8) -> Vec<TileId> {
    let n = (1u64 << z) as f64;
    let col = |lon: f64| ((lon + 180.0) / 360.0 * n).floor() as i64;
    let row = |lat: f64| {
        let r = lat.to_radians();
        ((1.0 - (r.tan() + 1.0 / r.cos()).ln() / PI) / 2.0 * n).floor() as i64
    };
    let mut out = Vec::new();
    for x in col(b[0]) - 1..=col(b[2]) + 1 {
        for y in row(b[3]) - 1..=row(b[1]) + 1 {
            out.push(TileId::new(z as u32, x as u32, y as u32).unwrap());
        }
    }
    out
}

fn point_segment(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> f64 {
    let d = b - a;
    let len2 = d.x * d.x + d.y * d.y;
    let t = if len2 > 0.0 {
        (((p - a).x * d.x + (p - a).y * d.y) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let q = a + d * t;
    ((p - q).x.powi(2) + (p - q).y.powi(2)).sqrt()
}

fn distance_to(p: Coord<f64>, m: &MultiLineString<f64>) -> f64 {
    m.0.iter()
        .flat_map(|l| l.0.windows(2).map(|s| point_segment(p, s[0], s[1])))
        .fold(f64::INFINITY, f64::min)
}

#[test]
fn each_tile_holds_exactly_the_roads_that_meet_it_with_their_names_and_shapes() {
    let snap = load(&fixture_dir());
    let layer = nestmap::tiles::roads_layer(&snap).unwrap();
    let oracle = Oracle::of(layer);
    let bbox = layer.bbox.unwrap();
    let (mut tiles_checked, mut features_checked, mut on_the_edge) = (0, 0, 0);
    for z in [5u8, 8, 10, 11, 12, 13, 14, 15, 16, 17] {
        for t in tiles_over(bbox, z) {
            let decoded = decode(&cut(layer, t));
            let got: BTreeSet<String> = decoded.iter().map(|(id, _, _)| id.clone()).collect();
            assert_eq!(got.len(), decoded.len(), "{t:?}: a road twice");
            // Exactly the roads meeting the buffered square, up to the one unit that rounding
            // to the tile's grid can move a line's end across.
            let inner = oracle.meeting(t, BUFFER - 1.0);
            let outer = oracle.meeting(t, BUFFER + 1.0);
            assert!(
                inner.is_subset(&got) && got.is_subset(&outer),
                "{t:?}: missing {:?}, extra {:?}",
                inner.difference(&got).collect::<Vec<_>>(),
                got.difference(&outer).collect::<Vec<_>>()
            );
            on_the_edge += outer.len() - inner.len();
            for (id, g, props) in &decoded {
                let (_, truth, tprops) = oracle.roads.iter().find(|r| &r.0 == id).unwrap();
                // Every property the layer has, as it has it; none it does not.
                for k in ["highway", "name", "name_en", "source"] {
                    let want = tprops.get(k).and_then(Value::as_str);
                    let have = props.get(k).map(|v| match v {
                        mvt_reader::feature::Value::String(s) => s.as_str(),
                        v => panic!("{id}.{k}: {v:?}"),
                    });
                    assert_eq!(have, want, "{t:?} {id}.{k}");
                }
                assert_eq!(
                    props.get("synthetic"),
                    Some(&mvt_reader::feature::Value::Bool(true)),
                    "{id}"
                );
                // The shape: every vertex on the road (a vertex or a cut of it, rounded) and
                // inside the buffered square; every vertex of the road inside the tile within
                // the simplification's tolerance (plus rounding) of what the tile draws.
                let truth_units = MultiLineString(
                    truth
                        .0
                        .iter()
                        .map(|l| l.0.iter().map(|&c| Oracle::units(t, c)).collect())
                        .collect(),
                );
                let limit = EXTENT as f64 + BUFFER;
                for c in g.0.iter().flat_map(|l| l.0.iter()) {
                    assert!(
                        (-BUFFER..=limit).contains(&c.x) && (-BUFFER..=limit).contains(&c.y),
                        "{t:?} {id}: {c:?} outside the buffer"
                    );
                    let d = distance_to(*c, &truth_units);
                    assert!(
                        d <= 0.75,
                        "{t:?} {id}: vertex {c:?} is {d} units off the road"
                    );
                }
                for c in truth_units.0.iter().flat_map(|l| l.0.iter()) {
                    if (0.0..=EXTENT as f64).contains(&c.x) && (0.0..=EXTENT as f64).contains(&c.y)
                    {
                        let d = distance_to(*c, g);
                        assert!(
                            d <= SIMPLIFY_UNITS + 0.75,
                            "{t:?} {id}: the road's vertex {c:?} is {d} units from the tile's line"
                        );
                    }
                }
                features_checked += 1;
            }
            tiles_checked += 1;
        }
    }
    assert!(
        tiles_checked > 500 && features_checked > 3000,
        "{tiles_checked} tiles, {features_checked} features"
    );
    // The edge cases are few: the oracle's margin decides almost nothing.
    assert!(
        on_the_edge * 100 < features_checked,
        "{on_the_edge} on the edge"
    );
}

#[test]
fn minor_streets_wait_for_their_zoom_and_low_zooms_draw_fewer_vertices() {
    let snap = load(&fixture_dir());
    let layer = nestmap::tiles::roads_layer(&snap).unwrap();
    let bbox = layer.bbox.unwrap();
    // Per zoom: the classes seen, the vertices each road is drawn with (over all its tiles)
    // and the bytes of all tiles.
    let mut classes: BTreeMap<u8, BTreeSet<String>> = BTreeMap::new();
    let mut vertices: BTreeMap<u8, BTreeMap<String, usize>> = BTreeMap::new();
    let mut bytes: BTreeMap<u8, usize> = BTreeMap::new();
    for z in [5u8, 8, 9, 11, 12, 14, 16] {
        for t in tiles_over(bbox, z) {
            let raw = cut(layer, t);
            *bytes.entry(z).or_default() += raw.len();
            for (id, g, props) in decode(&raw) {
                if let Some(mvt_reader::feature::Value::String(h)) = props.get("highway") {
                    classes.entry(z).or_default().insert(h.clone());
                }
                *vertices.entry(z).or_default().entry(id).or_default() +=
                    g.0.iter().map(|l| l.0.len()).sum::<usize>();
            }
        }
    }
    let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(classes[&5], set(&["trunk"]));
    assert_eq!(classes[&8], set(&["trunk", "primary"]));
    assert_eq!(classes[&9], set(&["trunk", "primary", "secondary"]));
    assert_eq!(
        classes[&11],
        set(&["trunk", "primary", "secondary", "tertiary"])
    );
    assert!(classes[&12].contains("residential") && !classes[&12].contains("footway"));
    assert!(classes[&14].is_superset(&set(&["footway", "steps", "path", "service"])));
    // The wiggly residential streets (a vertex every 50 m, up to 1.5 m to either side: 1.5
    // tile units from peak to peak at z 12, under the 2-unit tolerance; 24 units at z 16)
    // lose their wiggles at z 12 and keep them at z 16: fewer vertices, fewer bytes.
    let snap_roads: Vec<String> = layer
        .features
        .iter()
        .filter(|f| f.get("highway").and_then(Value::as_str) == Some("residential"))
        .map(|f| f.id.clone())
        .collect();
    assert!(snap_roads.len() > 20);
    for id in &snap_roads {
        let (low, high) = (vertices[&12][id], vertices[&16][id]);
        assert!(
            low * 10 < high,
            "{id}: {low} vertices at z 12, {high} at z 16"
        );
    }
    let n_vertices: usize = layer
        .features
        .iter()
        .enumerate()
        .filter(|(_, f)| f.get("highway").and_then(Value::as_str) == Some("residential"))
        .map(|(i, _)| match layer.geometry(i) {
            geo::Geometry::LineString(l) => l.0.len(),
            _ => 0,
        })
        .sum();
    let at16: usize = snap_roads.iter().map(|id| vertices[&16][id]).sum();
    assert!(
        at16 >= n_vertices,
        "z 16 keeps every vertex: {at16} of {n_vertices}"
    );
    assert!(bytes[&12] * 2 < bytes[&16], "{bytes:?}");
}

#[test]
fn the_cache_keeps_tiles_by_layer_version_within_its_budget() {
    let snap = load(&fixture_dir());
    let layer = nestmap::tiles::roads_layer(&snap).unwrap();
    let tiles = tiles_over(layer.bbox.unwrap(), 15);
    let sizes: Vec<usize> = tiles.iter().map(|&t| cut(layer, t).len()).collect();
    let budget = sizes.iter().sum::<usize>() / 3;
    let cache = TileCache::new(budget);
    for (&t, &n) in tiles.iter().zip(&sizes) {
        assert_eq!(cache.tile(layer, t).len(), n);
        assert!(
            cache.usage().1 <= budget,
            "{:?} over {budget}",
            cache.usage()
        );
    }
    // The most recent stay, the oldest went; a kept tile is the tile.
    let last = *tiles.last().unwrap();
    assert_eq!(&*cache.get(layer, last).unwrap(), &cut(layer, last)[..]);
    assert!(
        cache.get(layer, tiles[0]).is_none(),
        "the oldest was dropped"
    );
    // Another version of the layer (an edit or a reload builds one) finds nothing kept.
    let again = load(&fixture_dir());
    let newer = nestmap::tiles::roads_layer(&again).unwrap();
    assert_ne!(newer.version, layer.version);
    assert!(cache.get(newer, last).is_none());
}

/// The roads tile of `uri` from the app over the fixture, with these request headers.
async fn get(app: &axum::Router, uri: &str, headers: &[(&str, &str)]) -> common::app::Reply {
    let mut req = Request::get(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    send(app, req.body(Body::empty()).unwrap()).await
}

/// A tile of the fixture big enough to be compressed (z 14 over its middle).
fn busy_tile() -> TileId {
    let n = (1u64 << 14) as f64;
    let (lon, lat) = (120.64f64, 31.42f64);
    let x = ((lon + 180.0) / 360.0 * n) as u32;
    let r = lat.to_radians();
    let y = ((1.0 - (r.tan() + 1.0 / r.cos()).ln() / PI) / 2.0 * n) as u32;
    TileId::new(14, x, y).unwrap()
}

#[tokio::test]
async fn tiles_are_served_typed_compressed_and_validated_by_the_layer_version() {
    let snap = load(&fixture_dir());
    let t = busy_tile();
    let direct = cut(nestmap::tiles::roads_layer(&snap).unwrap(), t);
    assert!(direct.len() > 2048, "{} bytes", direct.len());
    let app1 = app(snap);
    let uri = format!("/tiles/roads/{}/{}/{}.mvt", t.z, t.x, t.y);
    let r = get(&app1, &uri, &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.content_type(), "application/vnd.mapbox-vector-tile");
    let etag = r.headers["etag"].to_str().unwrap().to_string();
    assert!(etag.starts_with("W/\""), "{etag}");
    assert_eq!(r.headers["cache-control"], "no-cache");
    // Plain and compressed bodies are the tile, decoded by their own decoders.
    let plain = get(&app1, &uri, &[("accept-encoding", "identity")]).await;
    assert!(plain.headers.get("content-encoding").is_none());
    let gz = get(&app1, &uri, &[("accept-encoding", "gzip")]).await;
    assert_eq!(gz.headers["content-encoding"], "gzip");
    let br = get(&app1, &uri, &[("accept-encoding", "br")]).await;
    assert_eq!(br.headers["content-encoding"], "br");
    // (`Reply.text` is lossy: read the raw bytes again.)
    for (enc, want) in [
        ("identity", None),
        ("gzip", Some("gzip")),
        ("br", Some("br")),
    ] {
        let res = tower::ServiceExt::oneshot(
            app1.clone(),
            Request::get(&uri)
                .header("accept-encoding", enc)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
        let raw = http_body_util::BodyExt::collect(res.into_body())
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        let body = match want {
            None => raw,
            Some("gzip") => {
                let mut out = Vec::new();
                std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&raw[..]), &mut out)
                    .unwrap();
                out
            }
            Some(_) => {
                let mut out = Vec::new();
                std::io::Read::read_to_end(
                    &mut brotli_decompressor::Decompressor::new(&raw[..], 4096),
                    &mut out,
                )
                .unwrap();
                out
            }
        };
        assert_eq!(body, direct, "{enc}");
        assert_eq!(decode(&body).len(), decode(&direct).len());
    }
    // Asked again with its tag: 304, no body; the same tag for every tile of the layer.
    let again = get(&app1, &uri, &[("if-none-match", &etag)]).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.text.is_empty());
    // A new version of the layer (a reload builds one): another tag, and the tag sent is stale.
    let app2 = app(load(&fixture_dir()));
    let fresh = get(&app2, &uri, &[("if-none-match", &etag)]).await;
    assert_eq!(fresh.status, StatusCode::OK);
    assert_ne!(fresh.headers["etag"].to_str().unwrap(), etag);
    // An empty tile (the other side of the world) is an empty body, still a tile.
    let empty = get(&app1, "/tiles/roads/14/0/0.mvt", &[]).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.text.is_empty());
    assert_eq!(empty.content_type(), "application/vnd.mapbox-vector-tile");
}

#[tokio::test]
async fn bad_tile_paths_are_refused_naming_what_is_wrong() {
    let app1 = app(load(&fixture_dir()));
    for (uri, status, code, says) in [
        (
            "/tiles/roads/x/1/1.mvt",
            400,
            "invalid_parameter",
            "parameter \"z\"",
        ),
        (
            "/tiles/roads/3/-1/1.mvt",
            400,
            "invalid_parameter",
            "parameter \"x\"",
        ),
        (
            "/tiles/roads/3/1/1.png",
            400,
            "invalid_parameter",
            "parameter \"y\"",
        ),
        ("/tiles/roads/3/1/1", 400, "invalid_parameter", ".mvt"),
        (
            "/tiles/roads/3/1/1.mvt?f=json",
            400,
            "invalid_parameter",
            "parameter \"f\"",
        ),
        ("/tiles/roads/23/0/0.mvt", 404, "not_found", "zooms 0 to 22"),
        (
            "/tiles/roads/3/8/0.mvt",
            404,
            "not_found",
            "x runs from 0 to 7",
        ),
        (
            "/tiles/roads/3/0/8.mvt",
            404,
            "not_found",
            "y runs from 0 to 7",
        ),
    ] {
        let r = get(&app1, uri, &[]).await;
        assert_eq!(r.status.as_u16(), status, "{uri}: {}", r.text);
        assert_eq!(r.content_type(), "application/json", "{uri}");
        assert_eq!(r.json["error"]["code"], code, "{uri}");
        let msg = r.json["error"]["message"].as_str().unwrap();
        assert!(msg.contains(says), "{uri}: {msg}");
    }
    // In Chinese too, with the same code.
    let r = get(&app1, "/tiles/roads/23/0/0.mvt?lang=zh", &[]).await;
    assert_eq!(r.json["error"]["code"], "not_found");
    assert!(r.json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("缩放级别"));
    // A catalog without a roads layer (the shipped sample, for now): 404 saying what to do.
    let r = get(&sample_app(), "/tiles/roads/14/13700/6680.mvt", &[]).await;
    if nestmap::tiles::roads_layer(&common::app::sample_snapshot()).is_err() {
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
        assert_eq!(r.json["error"]["code"], "not_found");
        let msg = r.json["error"]["message"].as_str().unwrap();
        assert!(
            msg.contains("no roads layer") && msg.contains("kind \"roads\""),
            "{msg}"
        );
    } else {
        assert_eq!(r.status, StatusCode::OK);
    }
}

#[test]
fn a_catalog_with_two_roads_layers_is_refused() {
    let dir = tempdir();
    std::fs::copy(
        fixture_dir().join("roads.geojson"),
        dir.join("roads.geojson"),
    )
    .unwrap();
    let one = std::fs::read_to_string(fixture_dir().join("layers.toml")).unwrap();
    let two = format!(
        "{one}\n{}",
        one.replace("id = \"roads\"", "id = \"roads_again\"")
    );
    std::fs::write(dir.join("layers.toml"), two).unwrap();
    let err = nestmap::load::load_dir(&dir).unwrap_err().to_string();
    assert!(
        err.contains("roads_again") && err.contains("a second roads layer"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

fn tempdir() -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "nestmap-tiles-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}
