//! Issue 7: authenticated, validated, durable edits stored in each layer's own CRS, an audit
//! log naming the token, atomic swaps for readers, and reloads that keep serving on a bad file.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use nestmap::crs::{wgs84_to_epsg, wgs84_to_gcj02};
use nestmap::http::Token;
use serde_json::{json, Value};
use tower::ServiceExt;

const CATALOG: &str = r#"
[[layer]]
id = "nursing_rooms"
title_zh = "母婴室"
title_en = "Nursing rooms"
kind = "nursing_rooms"
file = "nursing_rooms.geojson"

[[layer]]
id = "service_stations"
title_zh = "驿站"
title_en = "Stations"
kind = "service_stations"
file = "service_stations.geojson"
crs = "gcj02"

[[layer]]
id = "pocket_parks"
title_zh = "口袋公园"
title_en = "Pocket parks"
kind = "pocket_parks"
file = "pocket_parks.geojson"
crs = "EPSG:4549"
"#;

fn room(id: &str, lon: f64, lat: f64) -> Value {
    json!({"type": "Feature", "id": id, "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"name": format!("示例母婴室 {id}"), "address": "示例地址", "venue_type": "mall", "amenities": ["changing_table"], "opening_hours": "Mo-Su 10:00-22:00", "synthetic": true, "source": "test"}})
}

fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nestmap-edit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("layers.toml"), CATALOG).unwrap();
    let fc = |features: Vec<Value>| {
        json!({"type": "FeatureCollection", "features": features}).to_string()
    };
    std::fs::write(
        dir.join("nursing_rooms.geojson"),
        fc(vec![room("a", 120.62, 31.43), room("b", 120.63, 31.44)]),
    )
    .unwrap();
    std::fs::write(dir.join("service_stations.geojson"), fc(vec![])).unwrap();
    std::fs::write(dir.join("pocket_parks.geojson"), fc(vec![])).unwrap();
    dir
}

fn state(dir: &Path, tokens: Vec<Token>) -> nestmap::AppState {
    let snap = nestmap::load::load_dir(dir).unwrap();
    assert!(!snap.report.has_errors(), "{:?}", snap.report.problems);
    nestmap::AppState::new(snap, "web".into(), "node_modules/maplibre-gl/dist".into()).with_editing(
        dir.to_path_buf(),
        dir.join("audit.jsonl"),
        tokens,
    )
}

fn editor() -> Vec<Token> {
    vec![Token {
        name: "planner-li".into(),
        secret: "s3cret-token-1".into(),
    }]
}

async fn send(
    app: &axum::Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value, axum::http::HeaderMap) {
    let mut b = Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "test.local");
    if let Some(t) = token {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    let req = match body {
        Some(v) => b
            .header("content-type", "application/geo+json")
            .body(Body::from(v.to_string()))
            .unwrap(),
        None => b.body(Body::empty()).unwrap(),
    };
    let res = app.clone().oneshot(req).await.unwrap();
    let (s, h) = (res.status(), res.headers().clone());
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (s, serde_json::from_slice(&bytes).unwrap_or(Value::Null), h)
}

const T: Option<&str> = Some("s3cret-token-1");
const ITEMS: &str = "/ogcapi/collections/nursing_rooms/items";

#[tokio::test]
async fn edits_need_a_token_and_a_read_only_server_refuses() {
    let dir = fresh_dir("auth");
    let ro = nestmap::app(state(&dir, vec![]));
    let (s, v, _) = send(&ro, "POST", ITEMS, T, Some(room("c", 120.6, 31.4))).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    let app = nestmap::app(state(&dir, editor()));
    let (s, _, h) = send(&app, "POST", ITEMS, None, Some(room("c", 120.6, 31.4))).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(h["www-authenticate"], "Bearer");
    let (s, _, _) = send(
        &app,
        "POST",
        ITEMS,
        Some("wrong-token-xx"),
        Some(room("c", 120.6, 31.4)),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = send(&app, "DELETE", &format!("{ITEMS}/a"), None, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // Nothing changed on disk, nothing audited.
    let snap = nestmap::load::load_dir(&dir).unwrap();
    assert_eq!(snap.layer("nursing_rooms").unwrap().features.len(), 2);
    assert!(!dir.join("audit.jsonl").exists());
}

#[tokio::test]
async fn create_replace_patch_delete_are_durable_and_audited() {
    let dir = fresh_dir("crud");
    let app = nestmap::app(state(&dir, editor()));
    let (s, v, h) = send(&app, "POST", ITEMS, T, Some(room("c", 120.61, 31.42))).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(
        h["location"],
        "http://test.local/ogcapi/collections/nursing_rooms/items/c"
    );
    let (s, v, _) = send(&app, "GET", &format!("{ITEMS}/c"), None, None).await;
    assert_eq!(
        (s, v["properties"]["name"].as_str()),
        (StatusCode::OK, Some("示例母婴室 c"))
    );
    // On disk, before the answer: a fresh load sees it.
    assert!(nestmap::load::load_dir(&dir)
        .unwrap()
        .layer("nursing_rooms")
        .unwrap()
        .position("c")
        .is_some());

    let mut replaced = room("c", 120.615, 31.425);
    replaced["properties"]["venue_type"] = json!("hospital");
    let (s, v, _) = send(&app, "PUT", &format!("{ITEMS}/c"), T, Some(replaced)).await;
    assert_eq!(
        (s, v["properties"]["venue_type"].as_str()),
        (StatusCode::OK, Some("hospital")),
        "{v}"
    );

    let (s, v, _) = send(
        &app,
        "PATCH",
        &format!("{ITEMS}/c"),
        T,
        Some(json!({"properties": {"opening_hours": "24/7", "area_m2": null}})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["properties"]["opening_hours"], "24/7");
    assert_eq!(v["properties"]["venue_type"], "hospital");

    let (s, _, _) = send(&app, "DELETE", &format!("{ITEMS}/c"), T, None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _, _) = send(&app, "GET", &format!("{ITEMS}/c"), None, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let audit = std::fs::read_to_string(dir.join("audit.jsonl")).unwrap();
    let lines: Vec<Value> = audit
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines
            .iter()
            .map(|l| l["op"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["create", "replace", "patch", "delete"]
    );
    assert!(lines
        .iter()
        .all(|l| l["token"] == "planner-li" && l["layer"] == "nursing_rooms" && l["id"] == "c"));
    assert!(
        !audit.contains("s3cret"),
        "the audit log must never hold a secret"
    );
    assert!(lines[0]["before"].is_null() && lines[3]["after"].is_null());
    assert_eq!(lines[2]["before"]["properties"]["venue_type"], "hospital");
}

#[tokio::test]
async fn a_refused_edit_changes_nothing() {
    let dir = fresh_dir("refuse");
    let app = nestmap::app(state(&dir, editor()));
    let before = std::fs::read(dir.join("nursing_rooms.geojson")).unwrap();
    let mut bad_hours = room("d", 120.6, 31.4);
    bad_hours["properties"]["opening_hours"] = json!("Mo-Fx 25:00");
    let cases = [
        (
            "POST",
            ITEMS.to_string(),
            Some(bad_hours),
            StatusCode::BAD_REQUEST,
            "opening_hours",
        ),
        (
            "POST",
            ITEMS.to_string(),
            Some(
                json!({"type": "Feature", "id": "e", "geometry": {"type": "Point", "coordinates": []}, "properties": {}}),
            ),
            StatusCode::BAD_REQUEST,
            "geometry.coordinates",
        ),
        (
            "POST",
            ITEMS.to_string(),
            Some(
                json!({"type": "Feature", "id": "e", "geometry": {"type": "Point", "coordinates": [31.4, 120.6]}, "properties": {}}),
            ),
            StatusCode::BAD_REQUEST,
            "geometry.coordinates",
        ),
        (
            "POST",
            ITEMS.to_string(),
            Some(room("a", 120.6, 31.4)),
            StatusCode::CONFLICT,
            "exists",
        ),
        (
            "PUT",
            format!("{ITEMS}/zz"),
            Some(room("zz", 120.6, 31.4)),
            StatusCode::NOT_FOUND,
            "zz",
        ),
        (
            "PUT",
            format!("{ITEMS}/a"),
            Some(room("b", 120.6, 31.4)),
            StatusCode::BAD_REQUEST,
            "id",
        ),
        (
            "PATCH",
            format!("{ITEMS}/a"),
            Some(json!({"properties": {"name": null}})),
            StatusCode::BAD_REQUEST,
            "name",
        ),
        (
            "PATCH",
            format!("{ITEMS}/a"),
            Some(json!({"colour": "red"})),
            StatusCode::BAD_REQUEST,
            "colour",
        ),
        (
            "POST",
            "/ogcapi/collections/castles/items".to_string(),
            Some(room("x", 120.6, 31.4)),
            StatusCode::NOT_FOUND,
            "castles",
        ),
    ];
    for (m, uri, body, status, needle) in cases {
        let (s, v, _) = send(&app, m, &uri, T, body).await;
        assert_eq!(s, status, "{m} {uri}: {v}");
        assert!(
            v["error"]["message"].as_str().unwrap().contains(needle),
            "{m} {uri}: {v}"
        );
    }
    // Not JSON, and the wrong content type.
    let req = Request::post(ITEMS)
        .header("authorization", "Bearer s3cret-token-1")
        .header("content-type", "application/geo+json")
        .body(Body::from("{oops"))
        .unwrap();
    assert_eq!(
        app.clone().oneshot(req).await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    let req = Request::post(ITEMS)
        .header("authorization", "Bearer s3cret-token-1")
        .header("content-type", "text/plain")
        .body(Body::from("{}"))
        .unwrap();
    assert_eq!(
        app.clone().oneshot(req).await.unwrap().status(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    assert_eq!(
        std::fs::read(dir.join("nursing_rooms.geojson")).unwrap(),
        before
    );
    assert!(!dir.join("audit.jsonl").exists());
}

#[tokio::test]
async fn edits_are_stored_in_the_layer_files_own_crs() {
    let dir = fresh_dir("crs");
    let app = nestmap::app(state(&dir, editor()));
    let station = json!({"type": "Feature", "id": "s1", "geometry": {"type": "Point", "coordinates": [120.62, 31.43]},
        "properties": {"name": "示例驿站", "services": ["water"], "host": "示例", "synthetic": true, "source": "test"}});
    let (s, v, _) = send(
        &app,
        "POST",
        "/ogcapi/collections/service_stations/items",
        T,
        Some(station),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let stored: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("service_stations.geojson")).unwrap(),
    )
    .unwrap();
    let c = &stored["features"][0]["geometry"]["coordinates"];
    let g = wgs84_to_gcj02(120.62, 31.43);
    assert!(
        (c[0].as_f64().unwrap() - g.0).abs() < 1e-9 && (c[1].as_f64().unwrap() - g.1).abs() < 1e-9,
        "{c}"
    );
    let back = &v["geometry"]["coordinates"];
    assert!(
        (back[0].as_f64().unwrap() - 120.62).abs() < 1e-8
            && (back[1].as_f64().unwrap() - 31.43).abs() < 1e-8,
        "{back}"
    );

    let ring = json!([[
        [120.62, 31.43],
        [120.621, 31.43],
        [120.621, 31.431],
        [120.62, 31.431],
        [120.62, 31.43]
    ]]);
    let park = json!({"type": "Feature", "id": "p1", "geometry": {"type": "Polygon", "coordinates": ring},
        "properties": {"name": "示例口袋公园", "child_friendly": true, "synthetic": true, "source": "test"}});
    let (s, v, _) = send(
        &app,
        "POST",
        "/ogcapi/collections/pocket_parks/items",
        T,
        Some(park),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let stored: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("pocket_parks.geojson")).unwrap())
            .unwrap();
    let first = &stored["features"][0]["geometry"]["coordinates"][0][0];
    let e = wgs84_to_epsg(4549, 120.62, 31.43).unwrap();
    assert!(
        (first[0].as_f64().unwrap() - e.0).abs() < 1e-3
            && (first[1].as_f64().unwrap() - e.1).abs() < 1e-3,
        "{first}"
    );
}

#[tokio::test]
async fn readers_see_the_old_snapshot_or_the_new_never_half() {
    let dir = fresh_dir("readers");
    let app = nestmap::app(state(&dir, editor()));
    let reader = {
        let app = app.clone();
        tokio::spawn(async move {
            let mut seen = Vec::new();
            for _ in 0..200 {
                let (_, v, _) = send(&app, "GET", &format!("{ITEMS}?limit=1000"), None, None).await;
                let n = v["features"].as_array().unwrap().len();
                assert_eq!(v["numberMatched"].as_u64().unwrap() as usize, n);
                seen.push(n);
                tokio::task::yield_now().await;
            }
            seen
        })
    };
    for i in 0..30 {
        let (s, _, _) = send(
            &app,
            "POST",
            ITEMS,
            T,
            Some(room(&format!("n{i}"), 120.6 + i as f64 * 1e-3, 31.4)),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let seen = reader.await.unwrap();
    assert!(
        seen.windows(2).all(|w| w[0] <= w[1]),
        "a reader saw features disappear: {seen:?}"
    );
    let (_, v, _) = send(&app, "GET", &format!("{ITEMS}?limit=1000"), None, None).await;
    assert_eq!(v["numberMatched"], 32);
}

#[tokio::test]
async fn reload_reports_changes_and_a_bad_file_keeps_the_old_data() {
    let dir = fresh_dir("reload");
    let st = state(&dir, editor());
    let app = nestmap::app(st.clone());
    let fc = |features: Vec<Value>| {
        json!({"type": "FeatureCollection", "features": features}).to_string()
    };
    std::fs::write(
        dir.join("nursing_rooms.geojson"),
        fc(vec![room("a", 120.625, 31.43), room("z", 120.64, 31.45)]),
    )
    .unwrap();
    let status = st.reload().await;
    assert!(status.ok, "{:?}", status.problems);
    let ch = status
        .changes
        .iter()
        .find(|c| c.layer == "nursing_rooms")
        .unwrap();
    assert_eq!(
        (ch.added.clone(), ch.moved.clone(), ch.removed.clone()),
        (
            vec!["z".to_string()],
            vec!["a".to_string()],
            vec!["b".to_string()]
        )
    );
    std::fs::write(dir.join("nursing_rooms.geojson"), "{ this is not json").unwrap();
    let status = st.reload().await;
    assert!(!status.ok);
    assert!(
        status.problems[0].contains("nursing_rooms.geojson: invalid JSON"),
        "{:?}",
        status.problems
    );
    let (_, v, _) = send(&app, "GET", "/api/layers", None, None).await;
    let rooms = v["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "nursing_rooms")
        .unwrap();
    assert_eq!(rooms["count"], 2, "the old data keeps serving");
    assert_eq!(v["reload"]["ok"], false);
    assert!(v["reload"]["problems"][0]
        .as_str()
        .unwrap()
        .contains("invalid JSON"));
}

#[tokio::test]
async fn the_audit_line_is_written_before_the_layer_file() {
    // An edit that cannot be audited is not applied: the audit line comes first, so a crash
    // between the two can never leave an applied edit missing from the log.
    let dir = fresh_dir("audit-first");
    let before = std::fs::read(dir.join("nursing_rooms.geojson")).unwrap();
    let app = nestmap::app(state(&dir, editor()));
    std::fs::create_dir(dir.join("audit.jsonl")).unwrap(); // appending to it fails
    let (s, v, _) = send(&app, "POST", ITEMS, T, Some(room("c", 120.6, 31.4))).await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR, "{v}");
    assert!(
        !v.to_string().contains("audit.jsonl"),
        "no internal detail in the body: {v}"
    );
    assert_eq!(
        std::fs::read(dir.join("nursing_rooms.geojson")).unwrap(),
        before
    );
    let (s, _, _) = send(&app, "GET", &format!("{ITEMS}/c"), None, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    std::fs::remove_dir(dir.join("audit.jsonl")).unwrap();
    let (s, _, _) = send(&app, "POST", ITEMS, T, Some(room("c", 120.6, 31.4))).await;
    assert_eq!(s, StatusCode::CREATED);
    let audit = std::fs::read_to_string(dir.join("audit.jsonl")).unwrap();
    assert_eq!(audit.lines().count(), 1);
}
