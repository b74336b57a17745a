//! The HTTP API through `app().oneshot` (no socket), on the shipped sample data: status
//! codes, error bodies, OGC API - Features paging and filters checked against a scan of the
//! files themselves.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use geo::Intersects;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub fn data_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/geojson")
}

fn state() -> nestmap::AppState {
    let snap = nestmap::load::load_dir(&data_dir()).expect("catalog loads");
    assert!(
        !snap.report.has_errors(),
        "sample data has problems: {:#?}",
        snap.report.problems
    );
    nestmap::AppState::new(snap, "web".into(), "node_modules/maplibre-gl/dist".into())
}

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, String, Value) {
    let res = app
        .clone()
        .oneshot(
            Request::get(uri)
                .header("host", "test.local")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let status = res.status();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let v = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, ct, v)
}

fn file_features(layer: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(data_dir().join(format!("{layer}.geojson"))).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["features"].as_array().unwrap().clone()
}

#[tokio::test]
async fn healthz_and_layers_report_the_published_figures() {
    let app = nestmap::app(state());
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
    let app = nestmap::app(state());
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
    assert_eq!(
        cols.len(),
        std::fs::read_to_string(data_dir().join("layers.toml"))
            .unwrap()
            .matches("[[layer]]")
            .count()
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
    let app = nestmap::app(state());
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
    let app = nestmap::app(state());
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
    let snap = nestmap::load::load_dir(&data_dir()).unwrap();
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
    let app = nestmap::app(state());
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
    let app = nestmap::app(state());
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
    let res = app
        .clone()
        .oneshot(Request::post("/api/layers").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
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
    let app = nestmap::app(state());
    let (_, _, v) = get(&app, "/api/layers").await;
    let catalog: toml::Value =
        toml::from_str(&std::fs::read_to_string(data_dir().join("layers.toml")).unwrap()).unwrap();
    let declared = catalog["layer"].as_array().unwrap();
    let layers = v["layers"].as_array().unwrap();
    assert_eq!(layers.len(), declared.len());
    for (l, d) in layers.iter().zip(declared) {
        let id = d["id"].as_str().unwrap();
        assert_eq!(l["id"], id);
        for k in ["title_zh", "title_en", "kind"] {
            assert_eq!(l[k].as_str(), d[k].as_str(), "{id} {k}");
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
#[tokio::test]
async fn items_prev_links_lead_back() {
    let app = nestmap::app(state());
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
    let app = nestmap::app(state());
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
