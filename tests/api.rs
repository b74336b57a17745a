//! The HTTP API through `app().oneshot` (no socket), on the shipped sample data: status
//! codes, error bodies, OGC API - Features paging and filters checked against a scan of the
//! files themselves.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::app::{sample_app, sample_dir, sample_snapshot, send};
use geo::Intersects;
use serde_json::Value;

/// `GET uri`: status, content type and JSON body.
async fn get(app: &axum::Router, uri: &str) -> (StatusCode, String, Value) {
    let req = Request::get(uri)
        .header("host", "test.local")
        .body(Body::empty())
        .unwrap();
    let r = send(app, req).await;
    (r.status, r.content_type().to_string(), r.json)
}

fn file_features(layer: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(sample_dir().join(format!("{layer}.geojson"))).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["features"].as_array().unwrap().clone()
}

#[tokio::test]
async fn healthz_and_layers_report_the_published_figures() {
    let app = sample_app();
    let (s, _, v) = get(&app, "/healthz").await;
    assert_eq!(
        (s, v),
        (StatusCode::OK, serde_json::json!({"status": "ok"}))
    );
    let (s, _, v) = get(&app, "/api/layers").await;
    assert_eq!(s, StatusCode::OK);
    let layers = v["layers"].as_array().unwrap();
    let by_id = |id: &str| {
        layers
            .iter()
            .find(|l| l["id"] == id)
            .unwrap_or_else(|| panic!("no layer {id}"))
    };
    assert_eq!(by_id("nursing_rooms")["count"], 58);
    assert_eq!(by_id("child_friendly_communities")["count"], 6);
    assert_eq!(by_id("school_bus_routes")["count"], 3);
    // Every synthetic layer says so; the real district outline does not.
    for id in [
        "nursing_rooms",
        "child_friendly_communities",
        "pocket_parks",
        "service_stations",
        "school_bus_routes",
    ] {
        assert_eq!(by_id(id)["synthetic_count"], by_id(id)["count"], "{id}");
    }
    assert_eq!(by_id("district")["synthetic_count"], 0);
    // Every layer's count equals the features in its file (nothing silently dropped).
    for l in layers {
        let id = l["id"].as_str().unwrap();
        assert_eq!(
            l["count"].as_u64().unwrap() as usize,
            file_features(id).len(),
            "{id}"
        );
        assert!(l["bbox"].as_array().is_some_and(|b| b.len() == 4), "{id}");
    }
    let demo = file_features("child_friendly_communities")
        .iter()
        .filter(|f| f["properties"]["level"] == "municipal_demonstration")
        .count();
    assert_eq!(demo, 2);
}

#[tokio::test]
async fn ogc_landing_conformance_and_collections() {
    let app = sample_app();
    let (s, ct, v) = get(&app, "/ogcapi").await;
    assert_eq!(s, StatusCode::OK);
    assert!(ct.starts_with("application/json"));
    let rels: Vec<&str> = v["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["rel"].as_str().unwrap())
        .collect();
    for rel in ["self", "service-desc", "conformance", "data"] {
        assert!(rels.contains(&rel), "landing page lacks {rel}");
    }
    let (_, _, v) = get(&app, "/ogcapi/conformance").await;
    let classes = v["conformsTo"].as_array().unwrap();
    for c in ["conf/core", "conf/geojson", "conf/oas30"] {
        assert!(
            classes.iter().any(|x| x.as_str().unwrap().ends_with(c)),
            "{c}"
        );
    }
    let (_, _, v) = get(&app, "/ogcapi/collections").await;
    let cols = v["collections"].as_array().unwrap();
    // Every declared layer but the walking network (a graph, not features) is a collection.
    let catalog = std::fs::read_to_string(sample_dir().join("layers.toml")).unwrap();
    assert_eq!(
        cols.len(),
        catalog.matches("[[layer]]").count() - catalog.matches("kind = \"network\"").count()
    );
    let (s, _, v) = get(&app, "/ogcapi/collections/nursing_rooms").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["id"], "nursing_rooms");
    assert!(v["links"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["rel"] == "items"));
    let (s, ct, v) = get(&app, "/ogcapi/api").await;
    assert_eq!(s, StatusCode::OK);
    assert!(ct.starts_with("application/vnd.oai.openapi+json"));
    assert!(
        v["paths"]["/ogcapi/collections/nursing_rooms/items"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "venue_type")
    );
}

#[tokio::test]
async fn items_page_through_every_feature_exactly_once() {
    let app = sample_app();
    let mut seen = Vec::new();
    let mut uri = "/ogcapi/collections/nursing_rooms/items?limit=7".to_string();
    loop {
        let (s, ct, v) = get(&app, &uri).await;
        assert_eq!(s, StatusCode::OK);
        assert!(ct.starts_with("application/geo+json"));
        assert_eq!(v["numberMatched"], 58);
        assert_eq!(
            v["numberReturned"].as_u64().unwrap() as usize,
            v["features"].as_array().unwrap().len()
        );
        seen.extend(
            v["features"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["id"].as_str().unwrap().to_string()),
        );
        match v["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == "next")
        {
            Some(next) => {
                uri = next["href"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("http://test.local")
                    .to_string()
            }
            None => break,
        }
    }
    let want: Vec<String> = file_features("nursing_rooms")
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(seen, want);
}

#[tokio::test]
async fn items_filters_equal_a_scan_of_the_file() {
    let app = sample_app();
    let rooms = file_features("nursing_rooms");
    // Property equality, and array membership.
    let malls = rooms
        .iter()
        .filter(|f| f["properties"]["venue_type"] == "mall")
        .count();
    let (_, _, v) = get(
        &app,
        "/ogcapi/collections/nursing_rooms/items?venue_type=mall&limit=100",
    )
    .await;
    assert_eq!(v["numberMatched"].as_u64().unwrap() as usize, malls);
    let step_free = rooms
        .iter()
        .filter(|f| {
            f["properties"]["amenities"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a == "step_free")
        })
        .count();
    let (_, _, v) = get(
        &app,
        "/ogcapi/collections/nursing_rooms/items?amenities=step_free&limit=100",
    )
    .await;
    assert_eq!(v["numberMatched"].as_u64().unwrap() as usize, step_free);
    // bbox against geo's intersects on the loaded geometry, for several boxes and layers.
    let snap = sample_snapshot();
    let mut r = common::Rng::new(42);
    for layer in [
        "nursing_rooms",
        "townships",
        "school_bus_routes",
        "pocket_parks",
    ] {
        let l = snap.layer(layer).unwrap();
        for _ in 0..10 {
            let (x, y) = (r.range(120.35, 120.8), r.range(31.34, 31.55));
            let (w, h) = (r.range(0.0, 0.1), r.range(0.0, 0.1));
            let rect = geo::Rect::new(geo::coord! {x: x, y: y}, geo::coord! {x: x + w, y: y + h});
            let want = (0..l.features.len())
                .filter(|&i| l.geometry(i).intersects(&rect))
                .count();
            let (s, _, v) = get(
                &app,
                &format!(
                    "/ogcapi/collections/{layer}/items?bbox={x},{y},{},{}&limit=1000",
                    x + w,
                    y + h
                ),
            )
            .await;
            assert_eq!(s, StatusCode::OK);
            assert_eq!(
                v["numberMatched"].as_u64().unwrap() as usize,
                want,
                "{layer} bbox {rect:?}"
            );
        }
    }
}

#[tokio::test]
async fn one_item_and_not_found() {
    let app = sample_app();
    let (s, _, v) = get(&app, "/ogcapi/collections/nursing_rooms/items/nr-01").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["id"], "nr-01");
    assert_eq!(v["geometry"]["type"], "Point");
    let (s, _, v) = get(&app, "/ogcapi/collections/nursing_rooms/items/nope").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v["error"]["code"], "not_found");
    assert!(v["error"]["message"].as_str().unwrap().contains("\"nope\""));
}

#[tokio::test]
async fn client_mistakes_are_4xx_naming_the_parameter() {
    let app = sample_app();
    let cases = [
        ("/ogcapi/collections/castles/items", 404, "castles"),
        (
            "/ogcapi/collections/nursing_rooms/items?limit=0",
            400,
            "parameter \"limit\"",
        ),
        (
            "/ogcapi/collections/nursing_rooms/items?limit=10001",
            400,
            "parameter \"limit\"",
        ),
        (
            "/ogcapi/collections/nursing_rooms/items?limit=ten",
            400,
            "parameter \"limit\"",
        ),
        (
            "/ogcapi/collections/nursing_rooms/items?offset=-1",
            400,
            "parameter \"offset\"",
        ),
        (
            "/ogcapi/collections/nursing_rooms/items?bbox=1,2,3",
            400,
            "parameter \"bbox\"",
        ),
        (
            "/ogcapi/collections/nursing_rooms/items?bbox=120.7,31.4,120.6,31.5",
            400,
            "parameter \"bbox\"",
        ),
        (
            "/ogcapi/collections/nursing_rooms/items?bbox=a,b,c,d",
            400,
            "parameter \"bbox\"",
        ),
        (
            "/ogcapi/collections/nursing_rooms/items?bbox=120,95,121,96",
            400,
            "parameter \"bbox\"",
        ),
        (
            "/ogcapi/collections/nursing_rooms/items?colour=red",
            400,
            "parameter \"colour\": unknown parameter",
        ),
        (
            "/ogcapi/collections/nursing_rooms/items?limit=5&limit=6",
            400,
            "parameter \"limit\": given more than once",
        ),
        (
            "/ogcapi/collections/nursing_rooms/items?f=xml",
            400,
            "parameter \"f\"",
        ),
        (
            "/ogcapi/collections/nursing_rooms/items?datetime=yesterday",
            400,
            "parameter \"datetime\"",
        ),
        ("/ogcapi/collections?x=1", 400, "parameter \"x\""),
        ("/api/layers?x=1", 400, "parameter \"x\""),
        ("/api/nothing", 404, "no such endpoint: /api/nothing"),
        (
            "/ogcapi/collections/nursing_rooms/items/nr-01/extra",
            404,
            "no such endpoint",
        ),
    ];
    for (uri, status, needle) in cases {
        let (s, ct, v) = get(&app, uri).await;
        assert_eq!(s.as_u16(), status, "{uri}: {v}");
        assert!(ct.starts_with("application/json"), "{uri}: {ct}");
        let msg = v["error"]["message"]
            .as_str()
            .unwrap_or_else(|| panic!("{uri}: no error body: {v}"));
        assert!(v["error"]["code"].is_string());
        assert!(
            msg.contains(needle),
            "{uri}: {msg:?} does not mention {needle:?}"
        );
    }
    // A wrong method is a 405 with the same body shape.
    let res = send(
        &app,
        Request::post("/api/layers").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(res.status, StatusCode::METHOD_NOT_ALLOWED);
}

/// Every coordinate of a GeoJSON geometry value, `[x, y]`.
fn positions(g: &Value, out: &mut Vec<[f64; 2]>) {
    match g["coordinates"].clone() {
        Value::Array(a) if a.first().is_some_and(Value::is_number) => {
            out.push([a[0].as_f64().unwrap(), a[1].as_f64().unwrap()])
        }
        Value::Array(a) => {
            for inner in a {
                positions(&serde_json::json!({ "coordinates": inner }), out);
            }
        }
        _ => panic!("no coordinates: {g}"),
    }
}

/// `/api/layers` reports each layer as the catalog declares it and as its file holds it: id,
/// titles, kind, source CRS and radius from `layers.toml`; count, synthetic count, geometry type
/// and bbox recomputed from the file (the bbox in WGS84: GCJ-02 files within the ~600 m
/// offset of their raw box, EPSG files projected back with PROJ in the test).
#[tokio::test]
async fn layers_report_what_the_catalog_and_the_files_hold() {
    let app = sample_app();
    let (_, _, v) = get(&app, "/api/layers").await;
    let catalog: toml::Value =
        toml::from_str(&std::fs::read_to_string(sample_dir().join("layers.toml")).unwrap())
            .unwrap();
    // The walking network is declared in the catalog but is no layer of features: it is
    // loaded beside them (`Snapshot.network`), not listed here.
    let declared: Vec<&toml::Value> = catalog["layer"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"].as_str() != Some("network"))
        .collect();
    let layers = v["layers"].as_array().unwrap();
    assert_eq!(layers.len(), declared.len());
    for (l, d) in layers.iter().zip(declared) {
        let id = d["id"].as_str().unwrap();
        assert_eq!(l["id"], id);
        for k in ["title_zh", "title_en", "kind"] {
            assert_eq!(l[k].as_str(), d[k].as_str(), "{id} {k}");
        }
        // The style override, key for key as declared (numbers compared as numbers), or {}.
        let style = l["style"].as_object().unwrap();
        let declared = d.get("style").and_then(|s| s.as_table());
        assert_eq!(
            style.len(),
            declared.map_or(0, |t| t.len()),
            "{id} style keys"
        );
        for (k, want) in declared.into_iter().flatten() {
            let got = &style[k];
            match want {
                toml::Value::String(s) => {
                    assert_eq!(got.as_str(), Some(s.as_str()), "{id} style.{k}")
                }
                toml::Value::Boolean(b) => assert_eq!(got.as_bool(), Some(*b), "{id} style.{k}"),
                toml::Value::Float(x) => assert_eq!(got.as_f64(), Some(*x), "{id} style.{k}"),
                toml::Value::Integer(i) => {
                    assert_eq!(got.as_f64(), Some(*i as f64), "{id} style.{k}")
                }
                toml::Value::Array(xs) => {
                    let want: Vec<f64> = xs
                        .iter()
                        .map(|x| x.as_float().or(x.as_integer().map(|i| i as f64)).unwrap())
                        .collect();
                    let got: Vec<f64> = got
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|x| x.as_f64().unwrap())
                        .collect();
                    assert_eq!(got, want, "{id} style.{k}");
                }
                other => panic!("{id} style.{k}: {other:?} in the sample catalog"),
            }
        }
        assert_eq!(
            l["service_radius_m"].as_f64(),
            d["service_radius_m"]
                .as_float()
                .or(d["service_radius_m"].as_integer().map(|r| r as f64)),
            "{id}"
        );
        let crs = d["crs"].as_str().unwrap();
        assert_eq!(
            l["crs"].as_str().unwrap().to_lowercase(),
            crs.to_lowercase(),
            "{id}"
        );
        let features = file_features(id);
        assert_eq!(
            l["count"].as_u64().unwrap() as usize,
            features.len(),
            "{id}"
        );
        let synthetic = features
            .iter()
            .filter(|f| f["properties"]["synthetic"] == true)
            .count();
        assert_eq!(
            l["synthetic_count"].as_u64().unwrap() as usize,
            synthetic,
            "{id}"
        );
        let mut types: Vec<&str> = features
            .iter()
            .map(|f| f["geometry"]["type"].as_str().unwrap())
            .collect();
        types.dedup();
        let want_type = if types.len() == 1 { types[0] } else { "Mixed" };
        assert_eq!(l["geometry_type"], want_type, "{id}");
        // The raw box, in the file's own coordinates, then in WGS84.
        let mut pts = Vec::new();
        for f in &features {
            positions(&f["geometry"], &mut pts);
        }
        let to_wgs84: Box<dyn Fn([f64; 2]) -> [f64; 2]> = match crs {
            "wgs84" | "gcj02" | "bd09" => Box::new(|p| p),
            epsg => {
                let code = epsg.trim_start_matches("EPSG:");
                let t =
                    proj::Proj::new_known_crs(&format!("EPSG:{code}"), "EPSG:4326", None).unwrap();
                Box::new(move |p| {
                    let (x, y) = t.convert((p[0], p[1])).unwrap();
                    [x, y]
                })
            }
        };
        let wgs: Vec<[f64; 2]> = pts.iter().map(|p| to_wgs84(*p)).collect();
        let raw = [
            wgs.iter().map(|p| p[0]).fold(f64::INFINITY, f64::min),
            wgs.iter().map(|p| p[1]).fold(f64::INFINITY, f64::min),
            wgs.iter().map(|p| p[0]).fold(f64::NEG_INFINITY, f64::max),
            wgs.iter().map(|p| p[1]).fold(f64::NEG_INFINITY, f64::max),
        ];
        // Chinese web-map offsets are a few hundred metres; everything else is exact.
        let tolerance = if crs == "wgs84" || crs.starts_with("EPSG") {
            1e-6
        } else {
            0.01
        };
        let bbox: Vec<f64> = l["bbox"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        for k in 0..4 {
            assert!(
                (bbox[k] - raw[k]).abs() <= tolerance,
                "{id}: bbox {bbox:?}, file {raw:?}"
            );
        }
        if crs == "gcj02" {
            // Converted, not passed through: the GCJ-02 offset here is ~400 m east.
            assert!(
                (bbox[0] - raw[0]).abs() > 0.002,
                "{id}: {bbox:?} vs {raw:?}"
            );
        }
    }
}

/// OGC items paging backwards: `prev` exists exactly when offset > 0 and leads to the
/// previous page; following `next` then `prev` returns the page you started from.
/// The sample's two `district` layers look different because the catalog says so, not
/// because the map knows their ids: the Suzhou districts carry a backdrop override, the
/// district outline none (it takes its kind's look).
#[tokio::test]
async fn layers_carry_the_catalogs_style_override() {
    let app = sample_app();
    let (_, _, v) = get(&app, "/api/layers").await;
    let layer = |id: &str| {
        v["layers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["id"] == id)
            .unwrap_or_else(|| panic!("layer {id}"))
            .clone()
    };
    assert_eq!(layer("district")["kind"], "district");
    assert_eq!(layer("suzhou_districts")["kind"], "district");
    assert_eq!(layer("district")["style"], serde_json::json!({}));
    assert_eq!(
        layer("suzhou_districts")["style"],
        serde_json::json!({"backdrop": true, "colour": "#9aa0a6", "line_width": 0.8, "fill_colour": "#e4e2dc", "fill_opacity": 0.6})
    );
    assert_eq!(layer("family_education_points")["kind"], "generic");
    assert_eq!(
        layer("family_education_points")["style"],
        serde_json::json!({"colour": "#00897b"})
    );
}

#[tokio::test]
async fn items_prev_links_lead_back() {
    let app = sample_app();
    let ids = |v: &Value| -> Vec<String> {
        v["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_string())
            .collect()
    };
    let link = |v: &Value, rel: &str| -> Option<String> {
        v["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == rel)
            .map(|l| {
                l["href"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("http://test.local")
                    .to_string()
            })
    };
    let all: Vec<String> = file_features("nursing_rooms")
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    let base = "/ogcapi/collections/nursing_rooms/items";
    let (_, _, first) = get(&app, &format!("{base}?limit=10")).await;
    assert_eq!(link(&first, "prev"), None, "no prev on the first page");
    for offset in [3usize, 10, 25, 50] {
        let (s, _, page) = get(&app, &format!("{base}?limit=10&offset={offset}")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(ids(&page), all[offset..(offset + 10).min(all.len())]);
        let prev = link(&page, "prev").unwrap_or_else(|| panic!("no prev at offset {offset}"));
        let (_, _, back) = get(&app, &prev).await;
        let from = offset.saturating_sub(10);
        assert_eq!(
            ids(&back),
            all[from..from + 10],
            "prev of offset {offset}: {prev}"
        );
        if let Some(next) = link(&page, "next") {
            let (_, _, fwd) = get(&app, &next).await;
            let (_, _, again) = get(&app, &link(&fwd, "prev").unwrap()).await;
            assert_eq!(
                ids(&again),
                ids(&page),
                "next then prev from offset {offset}"
            );
        }
    }
}

/// Issue 13: `/healthz` refuses unknown parameters like every other endpoint (the README:
/// "Unknown or repeated query parameters are refused, never ignored"). Before, `?foo=1`
/// answered 200.
#[tokio::test]
async fn issue13_healthz_refuses_unknown_parameters() {
    let app = sample_app();
    for (uri, param) in [("/healthz?foo=1", "foo"), ("/healthz?status=ok", "status")] {
        let (s, _, v) = get(&app, uri).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{uri}: {v}");
        assert_eq!(v["error"]["code"], "invalid_parameter", "{uri}");
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(
            msg.starts_with(&format!("parameter \"{param}\"")),
            "{uri}: {msg}"
        );
    }
    let (s, _, v) = get(&app, "/healthz").await;
    assert_eq!(
        (s, v),
        (StatusCode::OK, serde_json::json!({"status": "ok"}))
    );
}

/// `(path, methods)` of every `.route(..)` in the router's source, `src/http/mod.rs`: read
/// from the text, so that a route added there without its description fails the test below.
fn routes_in_source() -> Vec<(String, Vec<String>)> {
    let src = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http/mod.rs"),
    )
    .unwrap();
    let mut out = Vec::new();
    let mut rest = src.as_str();
    while let Some(at) = rest.find(".route(") {
        rest = &rest[at + ".route(".len()..];
        // The call's arguments, up to its closing parenthesis.
        let mut depth = 1;
        let end = rest
            .char_indices()
            .find(|&(_, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                depth == 0
            })
            .map(|(i, _)| i)
            .unwrap();
        let args = &rest[..end];
        let path = args.split('"').nth(1).unwrap().to_string();
        let mut methods = Vec::new();
        for m in ["get", "post", "put", "patch", "delete"] {
            let call = format!("{m}(");
            let found = args.match_indices(&call).any(|(i, _)| {
                i == 0 || {
                    let before = args.as_bytes()[i - 1];
                    !(before.is_ascii_alphanumeric() || before == b'_')
                }
            });
            if found {
                methods.push(m.to_string());
            }
        }
        assert!(!methods.is_empty(), "no method found in .route({args})");
        out.push((path, methods));
    }
    assert!(
        out.len() > 10,
        "the router's routes were not found: {out:?}"
    );
    out
}

/// A path with every `{param}` written `{}`: the router names `{layer}` and `{id}` where the
/// document writes one path per layer and `{featureId}`. A router parameter takes a whole
/// segment (no suffixes), so what follows a parameter in the document's segment is part of
/// it: the document's `{y}.mvt` is the router's `{y}`.
fn shape(path: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    let mut after_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                inside = true;
                out.push_str("{}");
            }
            '}' => {
                inside = false;
                after_param = true;
            }
            '/' => {
                after_param = false;
                out.push(c);
            }
            _ if inside || after_param => {}
            _ => out.push(c),
        }
    }
    out
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Every route the router serves is in `/ogcapi/api` with exactly its methods (read from the
/// router's source, each `{layer}` route once per layer), and every documented operation is
/// served: a request to it is neither the "no such endpoint" 404 nor a 405, and every method a
/// documented path does not list is a 405.
#[tokio::test]
async fn the_document_describes_every_route_and_method() {
    let app = sample_app();
    let (_, _, doc) = get(&app, "/ogcapi/api").await;
    let paths = doc["paths"].as_object().unwrap();
    let documented = |p: &str| -> Vec<String> {
        paths
            .iter()
            .filter(|(k, _)| shape(k) == shape(p))
            .flat_map(|(_, item)| {
                item.as_object()
                    .unwrap()
                    .keys()
                    .filter(|m| METHODS.contains(&m.as_str()))
                    .cloned()
            })
            .collect()
    };
    let layers: Vec<String> = {
        let (_, _, v) = get(&app, "/api/layers").await;
        v["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].as_str().unwrap().to_string())
            .collect()
    };
    let mut served = std::collections::BTreeSet::new();
    for (path, mut methods) in routes_in_source() {
        if path.contains("{*") {
            continue; // the "no such endpoint" fallbacks
        }
        let concrete: Vec<String> = if path.contains("{layer}") {
            layers.iter().map(|l| path.replace("{layer}", l)).collect()
        } else {
            vec![path.clone()]
        };
        for p in concrete {
            let mut listed = documented(&p);
            listed.sort();
            methods.sort();
            assert_eq!(listed, methods, "{p} (route {path}) in the document");
            served.insert(shape(&p));
        }
    }
    for (path, item) in paths {
        assert!(
            served.contains(&shape(path)),
            "{path} is documented but not routed"
        );
        let params = item
            .as_object()
            .unwrap()
            .values()
            .filter_map(|op| op["parameters"].as_array())
            .flatten()
            .filter(|p| p["in"] == "path");
        let mut uri = path.clone();
        for p in params {
            let name = p["name"].as_str().unwrap();
            let value = p["schema"]["enum"][0]
                .as_str()
                .unwrap_or("nr-01")
                .to_string();
            uri = uri.replace(&format!("{{{name}}}"), &value);
        }
        for m in METHODS {
            let res = send(
                &app,
                Request::builder()
                    .method(m.to_uppercase().as_str())
                    .uri(&uri)
                    .header("content-type", "application/json")
                    .body(Body::from(if m == "get" || m == "delete" {
                        ""
                    } else {
                        "{}"
                    }))
                    .unwrap(),
            )
            .await;
            let (status, text) = (res.status, res.text);
            if item.get(m).is_some() {
                assert!(
                    status != StatusCode::METHOD_NOT_ALLOWED && !text.contains("no such endpoint"),
                    "{m} {uri} is documented but answers {status} {text}"
                );
            } else {
                assert_eq!(
                    status,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{m} {uri} is not documented but answers {status} {text}"
                );
            }
        }
    }
}

/// Every schema bound the document ties to a limit (`x-limit`) is that limit's value in
/// `x-limits`, and every entry of `x-limits` is the constant in the code; the defaults it
/// states are what the server uses when a parameter is left out.
#[tokio::test]
async fn every_documented_limit_is_the_constant() {
    use nestmap::query::limits::*;
    use nestmap::query::routes::{CORRIDOR_M_RANGE, DWELL_S_RANGE, SPEED_KMH_RANGE, WALK_M_RANGE};
    use serde_json::json;
    let app = sample_app();
    let (_, _, doc) = get(&app, "/ogcapi/api").await;
    let h = nestmap::http::harden::Hardening::default();
    let range = |r: (f64, f64)| json!({"minimum": r.0, "maximum": r.1});
    let expected: Vec<(&str, Value)> = vec![
        ("MAX_K", json!({"value": MAX_K})),
        ("MAX_RADIUS_M", json!({"value": MAX_RADIUS_M})),
        (
            "MAX_WITHIN_LIMIT",
            json!({"value": nestmap::query::nearest::MAX_WITHIN_LIMIT}),
        ),
        (
            "MAX_LIMIT",
            json!({"value": nestmap::query::features::MAX_LIMIT}),
        ),
        ("MIN_RADIUS_M", json!({"value": MIN_RADIUS_M})),
        (
            "MAX_COVERAGE_RADIUS_M",
            json!({"value": MAX_COVERAGE_RADIUS_M}),
        ),
        ("CELL_M_RANGE", range(CELL_M_RANGE)),
        ("MAX_CELLS", json!({"value": MAX_CELLS})),
        ("MAX_SUGGEST", json!({"value": MAX_SUGGEST})),
        ("MAX_ADD", json!({"value": MAX_ADD})),
        ("MAX_REMOVE", json!({"value": MAX_REMOVE})),
        ("MAX_CANDIDATES", json!({"value": MAX_CANDIDATES})),
        ("MAX_AREA_VERTICES", json!({"value": MAX_AREA_VERTICES})),
        ("MAX_AREA_SPAN_M", json!({"value": MAX_AREA_SPAN_M})),
        ("MAX_SCAN_WORK", json!({"value": MAX_SCAN_WORK})),
        ("MAX_SUGGEST_WORK", json!({"value": MAX_SUGGEST_WORK})),
        ("MAX_ADD_WORK", json!({"value": MAX_ADD_WORK})),
        ("MAX_WORKING_BYTES", json!({"value": MAX_WORKING_BYTES})),
        ("MAX_VERTICES", json!({"value": MAX_VERTICES})),
        ("MAX_STOPS", json!({"value": MAX_STOPS})),
        ("MAX_LINE_LENGTH_M", json!({"value": MAX_LINE_LENGTH_M})),
        (
            "MAX_CROSSINGS_REPORTED",
            json!({"value": MAX_CROSSINGS_REPORTED}),
        ),
        ("WALK_M_RANGE", range(WALK_M_RANGE)),
        ("SPEED_KMH_RANGE", range(SPEED_KMH_RANGE)),
        ("DWELL_S_RANGE", range(DWELL_S_RANGE)),
        ("CORRIDOR_M_RANGE", range(CORRIDOR_M_RANGE)),
        ("CHEAP_VISIT_BUDGET", json!({"value": CHEAP_VISIT_BUDGET})),
        (
            "MAX_CACHED_TRANSFORMS",
            json!({"value": MAX_CACHED_TRANSFORMS}),
        ),
        ("max_body_bytes", json!({"value": h.max_body_bytes})),
        ("timeout_s", json!({"value": h.timeout.as_secs()})),
        ("max_concurrency", json!({"value": h.max_concurrency})),
    ];
    let limits = doc["x-limits"].as_object().unwrap();
    let mut names: Vec<&str> = limits.keys().map(String::as_str).collect();
    let mut wanted: Vec<&str> = expected.iter().map(|(n, _)| *n).collect();
    names.sort();
    wanted.sort();
    assert_eq!(names, wanted, "x-limits lists exactly the limits");
    let num = |v: &Value| v.as_f64().unwrap();
    for (name, want) in &expected {
        let entry = &limits[*name];
        for (k, v) in want.as_object().unwrap() {
            assert_eq!(num(&entry[k]), num(v), "x-limits {name} {k}");
        }
        for k in ["caps", "why"] {
            assert!(
                entry[k].as_str().is_some_and(|s| !s.is_empty()),
                "x-limits {name} says what it caps and why"
            );
        }
    }
    // Every bound tied to a limit is that limit; collect which limits bound some schema.
    fn walk(v: &Value, at: &str, limits: &serde_json::Map<String, Value>, used: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::Object(tied)) = m.get("x-limit") {
                    for (kw, name) in tied {
                        let name = name.as_str().unwrap();
                        let entry = &limits[name];
                        let want = if entry.get("value").is_some() {
                            &entry["value"]
                        } else if kw.starts_with("min") {
                            &entry["minimum"]
                        } else {
                            &entry["maximum"]
                        };
                        assert_eq!(m[kw].as_f64(), want.as_f64(), "{at}: {kw} should be {name}");
                        used.push(name.to_string());
                    }
                }
                for (k, x) in m {
                    walk(x, &format!("{at}/{k}"), limits, used);
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    walk(x, &format!("{at}/{i}"), limits, used);
                }
            }
            _ => {}
        }
    }
    let mut used = Vec::new();
    walk(&doc["paths"], "paths", limits, &mut used);
    for name in [
        "MAX_K",
        "MAX_RADIUS_M",
        "MAX_WITHIN_LIMIT",
        "MAX_LIMIT",
        "MIN_RADIUS_M",
        "MAX_COVERAGE_RADIUS_M",
        "CELL_M_RANGE",
        "MAX_SUGGEST",
        "MAX_ADD",
        "MAX_REMOVE",
        "MAX_CANDIDATES",
        "MAX_VERTICES",
        "WALK_M_RANGE",
        "SPEED_KMH_RANGE",
        "DWELL_S_RANGE",
        "CORRIDOR_M_RANGE",
    ] {
        assert!(
            used.iter().any(|u| u == name),
            "no parameter or body schema is bounded by {name}"
        );
    }
    // The stated defaults are the server's.
    let param = |path: &str, method: &str, name: &str| -> Value {
        doc["paths"][path][method]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{method} {path} has no parameter {name}"))["schema"]
            ["default"]
            .clone()
    };
    let (_, _, v) = get(
        &app,
        "/api/nearest?layer=nursing_rooms&lon=120.64&lat=31.42",
    )
    .await;
    assert_eq!(v["query"]["k"], param("/api/nearest", "get", "k"));
    let (_, _, v) = get(
        &app,
        "/api/within?layer=nursing_rooms&lon=120.64&lat=31.42&radius_m=100",
    )
    .await;
    assert_eq!(v["limit"], param("/api/within", "get", "limit"));
    let (_, _, v) = get(&app, "/ogcapi/collections/nursing_rooms/items").await;
    assert_eq!(
        json!(v["numberReturned"].as_u64().unwrap().min(10)),
        param("/ogcapi/collections/nursing_rooms/items", "get", "limit")
    );
    let (_, _, v) = get(&app, "/api/routes").await;
    let line = v["routes"][0]["id"].as_str().unwrap().to_string();
    let (_, _, v) = get(&app, &format!("/api/routes/{line}/review")).await;
    for name in ["walk_m", "speed_kmh", "dwell_s", "corridor_m"] {
        assert_eq!(
            v["params"][name].as_f64(),
            param("/api/routes/{id}/review", "get", name).as_f64(),
            "{name}"
        );
    }
    let township = get(&app, "/ogcapi/collections/townships/items?limit=1")
        .await
        .2["features"][0]["properties"]["code"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, _, v) = get(
        &app,
        &format!("/api/coverage?layer=nursing_rooms&area={township}"),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["cell_m"].as_f64(),
        param("/api/coverage", "get", "cell_m").as_f64()
    );
    assert_eq!(
        v["profile"]["name"],
        param("/api/coverage", "get", "profile")
    );
}

/// Issue 15.4: a nursing room says where it is inside in Chinese (`indoor_location`) and in
/// English (`indoor_location_en`), two fields as `name` and `name_en`; the item serves both
/// and the OpenAPI document lists both as optional text.
#[tokio::test]
async fn issue15_indoor_location_comes_in_chinese_and_in_english() {
    let rooms = file_features("nursing_rooms");
    let cjk = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    for f in &rooms {
        let p = &f["properties"];
        let zh = p["indoor_location"].as_str().unwrap();
        let en = p["indoor_location_en"].as_str().unwrap();
        assert!(cjk(zh) && !zh.is_ascii() && !zh.contains('/'), "{zh:?}");
        assert!(
            en.is_ascii() && !en.contains('/') && !en.is_empty(),
            "{en:?}"
        );
    }
    let app = sample_app();
    let first = &rooms[0];
    let id = first["id"].as_str().unwrap();
    let (s, _, v) = get(
        &app,
        &format!("/ogcapi/collections/nursing_rooms/items/{id}"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    for k in ["indoor_location", "indoor_location_en"] {
        assert_eq!(v["properties"][k], first["properties"][k], "{k}");
    }
    let (_, _, doc) = get(&app, "/ogcapi/api").await;
    let mut schemas = Vec::new();
    fn find<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
        match v {
            Value::Object(m) => {
                // A schema (not an example feature): its indoor_location has a type.
                let field = m.get("properties").and_then(|p| p.get("indoor_location"));
                if field.is_some_and(|f| f.get("type").is_some()) {
                    out.push(&m["properties"]);
                }
                m.values().for_each(|x| find(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| find(x, out)),
            _ => {}
        }
    }
    find(&doc, &mut schemas);
    assert!(!schemas.is_empty(), "no schema lists indoor_location");
    for p in &schemas {
        assert_eq!(p["indoor_location_en"]["type"], "string", "{p}");
    }
    // The feature schema of the edits: optional text like indoor_location.
    assert!(
        schemas
            .iter()
            .any(|p| p["indoor_location_en"] == p["indoor_location"]
                && p["indoor_location_en"]["nullable"] == true),
        "{schemas:?}"
    );
}
