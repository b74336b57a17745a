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
