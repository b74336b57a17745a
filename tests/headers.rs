//! Issue 15.5, fast on a phone: what the response headers promise. Compressed bodies decode
//! (with decoders independent of the encoder) to the identity body; the versioned MapLibre
//! files are immutable and the version is the installed one; the shell is revalidated; the
//! answers made only from data carry an `ETag` that a matching `If-None-Match` turns into a
//! 304, and that an edit or a reload changes; clock-dependent answers carry none.

use std::io::Read;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn vendor_dir() -> PathBuf {
    root().join("node_modules/maplibre-gl/dist")
}

/// The installed MapLibre version, read here from its package.json.
fn maplibre_version() -> String {
    let text = std::fs::read_to_string(root().join("node_modules/maplibre-gl/package.json"))
        .expect("npm install has put MapLibre in node_modules");
    let v: Value = serde_json::from_str(&text).unwrap();
    v["version"].as_str().unwrap().to_string()
}

fn sample_app() -> axum::Router {
    let snap = nestmap::load::load_dir(&root().join("data/geojson")).unwrap();
    nestmap::app(nestmap::AppState::new(
        snap,
        root().join("web"),
        vendor_dir(),
    ))
}

async fn get(
    app: &axum::Router,
    uri: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut b = Request::builder().uri(uri).header("host", "test.local");
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let res = app
        .clone()
        .oneshot(b.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let (s, h) = (res.status(), res.headers().clone());
    let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    (s, h, bytes)
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).map(|v| v.to_str().unwrap())
}

fn varies_on_encoding(h: &HeaderMap) -> bool {
    h.get_all("vary").iter().any(|v| {
        v.to_str()
            .unwrap()
            .to_ascii_lowercase()
            .contains("accept-encoding")
    })
}

fn gunzip(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(b)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn unbrotli(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli_decompressor::Decompressor::new(b, 4096)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[tokio::test]
async fn big_answers_go_out_gzip_or_brotli_and_decode_to_the_identity_body() {
    let app = sample_app();
    let v = maplibre_version();
    let module = format!("/vendor/maplibre-gl@{v}/maplibre-gl.mjs");
    let on_disk = std::fs::read(vendor_dir().join("maplibre-gl.mjs")).unwrap();
    for uri in [
        "/api/layers",
        "/ogcapi/collections",
        "/ogcapi/collections/nursing_rooms/items?limit=50&offset=3",
        "/api/nearest?layer=nursing_rooms&lon=120.64&lat=31.42&k=20&open=2026-11-23T09:30",
        "/",
        module.as_str(),
    ] {
        let (s, h, identity) = get(&app, uri, &[("accept-encoding", "identity")]).await;
        assert_eq!(s, StatusCode::OK, "{uri}");
        assert_eq!(header(&h, "content-encoding"), None, "{uri}");
        assert!(identity.len() >= 1024, "{uri}: pick a bigger answer");
        for (enc, decode) in [("gzip", gunzip as fn(&[u8]) -> Vec<u8>), ("br", unbrotli)] {
            let (s, h, body) = get(&app, uri, &[("accept-encoding", enc)]).await;
            assert_eq!(s, StatusCode::OK, "{uri} {enc}");
            assert_eq!(header(&h, "content-encoding"), Some(enc), "{uri}");
            assert!(varies_on_encoding(&h), "{uri} {enc}: {h:?}");
            assert!(body.len() < identity.len(), "{uri} {enc}: not smaller");
            let decoded = decode(&body);
            if uri.starts_with("/api/") || uri.starts_with("/ogcapi/") {
                // An items page names the second it was made (`timeStamp`), a nearest
                // answer the second it read the clock: compare the rest.
                let mut a: Value = serde_json::from_slice(&decoded).unwrap();
                let mut b: Value = serde_json::from_slice(&identity).unwrap();
                for v in [&mut a, &mut b] {
                    if v.get("timeStamp").is_some() {
                        v["timeStamp"] = Value::Null;
                    }
                    if v.get("query").is_some() {
                        v["query"]["evaluated_at"] = Value::Null;
                    }
                }
                assert_eq!(a, b, "{uri} {enc}");
            } else {
                assert!(decoded == identity, "{uri} {enc}: decodes to another body");
            }
        }
        if uri == module {
            assert!(identity == on_disk);
        }
    }
}

#[tokio::test]
async fn tiny_bodies_and_healthz_are_sent_as_they_are() {
    let app = sample_app();
    let (s, h, body) = get(&app, "/healthz", &[("accept-encoding", "gzip, br")]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body, br#"{"status":"ok"}"#);
    assert_eq!(header(&h, "content-encoding"), None);
    assert!(!varies_on_encoding(&h));
    assert_eq!(header(&h, "etag"), None);
    assert_eq!(header(&h, "cache-control"), None);
    // A refusal is small JSON, sent plain.
    let (s, h, body) = get(
        &app,
        "/api/nearest?layer=nope&lon=1&lat=2",
        &[("accept-encoding", "br")],
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(header(&h, "content-encoding"), None);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["error"]["code"], "invalid_parameter");
}

#[tokio::test]
async fn the_versioned_vendor_files_are_immutable_and_the_shell_is_revalidated() {
    let app = sample_app();
    let v = maplibre_version();
    // The front end asks for the installed version.
    let html = std::fs::read_to_string(root().join("web/index.html")).unwrap();
    let map_js = std::fs::read_to_string(root().join("web/js/map.js")).unwrap();
    let prefix = format!("/vendor/maplibre-gl@{v}/");
    assert!(
        html.contains(&format!("{prefix}maplibre-gl.css")),
        "web/index.html"
    );
    assert!(
        map_js.contains(&format!("{prefix}maplibre-gl.mjs")),
        "web/js/map.js"
    );
    for file in ["maplibre-gl.mjs", "maplibre-gl.css"] {
        let (s, h, _) = get(&app, &format!("{prefix}{file}"), &[]).await;
        assert_eq!(s, StatusCode::OK, "{file}");
        assert_eq!(
            header(&h, "cache-control"),
            Some("public, max-age=31536000, immutable"),
            "{file}"
        );
        // The old path still works, revalidated.
        let (s, h, _) = get(&app, &format!("/vendor/maplibre-gl/{file}"), &[]).await;
        assert_eq!(s, StatusCode::OK, "{file}");
        assert_eq!(header(&h, "cache-control"), Some("no-cache"), "{file}");
    }
    // Another version is not this one: not found, never cached.
    let (s, h, _) = get(&app, "/vendor/maplibre-gl@0.0.1/maplibre-gl.mjs", &[]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_ne!(
        header(&h, "cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    // The shell: revalidated each time, by Last-Modified.
    for uri in ["/", "/index.html", "/js/map.js", "/css/app.css"] {
        let (s, h, _) = get(&app, uri, &[]).await;
        assert_eq!(s, StatusCode::OK, "{uri}");
        assert_eq!(header(&h, "cache-control"), Some("no-cache"), "{uri}");
        let lm = header(&h, "last-modified")
            .expect("a validator")
            .to_string();
        let (s, h, body) = get(&app, uri, &[("if-modified-since", &lm)]).await;
        assert_eq!(s, StatusCode::NOT_MODIFIED, "{uri}");
        assert!(body.is_empty());
        assert_eq!(header(&h, "cache-control"), Some("no-cache"), "{uri}");
    }
}

/// The ETag of `uri`, after checking it is a revalidated 200 that a matching If-None-Match
/// (strong or weak, alone or in a list) answers 304 with no body, and another tag does not.
async fn etag_of(app: &axum::Router, uri: &str) -> String {
    let (s, h, body) = get(app, uri, &[]).await;
    assert_eq!(
        s,
        StatusCode::OK,
        "{uri}: {}",
        String::from_utf8_lossy(&body)
    );
    let tag = header(&h, "etag")
        .unwrap_or_else(|| panic!("{uri}: no ETag"))
        .to_string();
    assert_eq!(header(&h, "cache-control"), Some("no-cache"), "{uri}");
    let strong = tag.trim_start_matches("W/").to_string();
    for sent in [
        tag.clone(),
        strong.clone(),
        format!("\"other\", {tag}"),
        "*".into(),
    ] {
        let (s, h, body) = get(app, uri, &[("if-none-match", &sent)]).await;
        assert_eq!(s, StatusCode::NOT_MODIFIED, "{uri} with {sent}");
        assert!(body.is_empty(), "{uri}");
        assert_eq!(header(&h, "etag"), Some(tag.as_str()), "{uri}");
    }
    let (s, _, _) = get(app, uri, &[("if-none-match", "\"other\"")]).await;
    assert_eq!(s, StatusCode::OK, "{uri}");
    tag
}

#[tokio::test]
async fn data_answers_are_validated_and_clock_answers_are_not() {
    let app = sample_app();
    for uri in [
        "/api/layers",
        "/ogcapi/collections",
        "/ogcapi/collections/nursing_rooms",
        "/ogcapi/collections/nursing_rooms/items?limit=5",
        "/api/coverage?layer=nursing_rooms&cell_m=400",
    ] {
        etag_of(&app, uri).await;
    }
    for uri in [
        "/api/nearest?layer=nursing_rooms&lon=120.64&lat=31.42",
        "/api/nearest?layer=nursing_rooms&lon=120.64&lat=31.42&open=now",
        "/api/within?layer=nursing_rooms&lon=120.64&lat=31.42&radius_m=3000&open=now",
    ] {
        let (s, h, _) = get(&app, uri, &[]).await;
        assert_eq!(s, StatusCode::OK, "{uri}");
        assert_eq!(header(&h, "etag"), None, "{uri}");
        let (s, _, _) = get(&app, uri, &[("if-none-match", "*")]).await;
        assert_eq!(s, StatusCode::OK, "{uri}: answered 304 on a clock answer");
    }
    // The OpenAPI document says which answers may be 304, and no others.
    let (_, _, doc) = get(&app, "/ogcapi/api", &[]).await;
    let doc: Value = serde_json::from_slice(&doc).unwrap();
    for path in [
        "/api/layers",
        "/api/coverage",
        "/ogcapi/collections",
        "/ogcapi/collections/nursing_rooms",
        "/ogcapi/collections/nursing_rooms/items",
        "/ogcapi/collections/nursing_rooms/items/{featureId}",
    ] {
        let op = &doc["paths"][path]["get"];
        assert!(
            op["responses"].get("304").is_some(),
            "{path}: no 304 documented"
        );
        assert!(
            op["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "If-None-Match"),
            "{path}: If-None-Match not documented"
        );
    }
    for path in ["/api/nearest", "/api/within", "/healthz"] {
        assert!(
            doc["paths"][path]["get"]["responses"].get("304").is_none(),
            "{path}"
        );
    }
    // A refusal is not validated.
    let (s, h, _) = get(&app, "/ogcapi/collections/nope", &[]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(header(&h, "etag"), None);
    // The base URL is in the links, so it is in the tag.
    let here = etag_of(&app, "/ogcapi/collections").await;
    let req = Request::builder()
        .uri("/ogcapi/collections")
        .header("host", "elsewhere.example")
        .body(Body::empty())
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    assert_ne!(header(res.headers(), "etag"), Some(here.as_str()));
}

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
"#;

fn room(id: &str, lon: f64, lat: f64) -> Value {
    json!({"type": "Feature", "id": id, "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"name": format!("示例母婴室 {id}"), "address": "示例地址", "venue_type": "mall", "amenities": ["changing_table"], "opening_hours": "Mo-Su 10:00-22:00", "synthetic": true, "source": "test"}})
}

fn fc(features: Vec<Value>) -> String {
    json!({"type": "FeatureCollection", "features": features}).to_string()
}

#[tokio::test]
async fn an_edit_or_a_reload_changes_the_tags_of_what_it_changed() {
    let dir = std::env::temp_dir().join(format!("nestmap-headers-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("layers.toml"), CATALOG).unwrap();
    std::fs::write(
        dir.join("nursing_rooms.geojson"),
        fc(vec![room("a", 120.62, 31.43)]),
    )
    .unwrap();
    std::fs::write(dir.join("service_stations.geojson"), fc(vec![])).unwrap();
    let snap = nestmap::load::load_dir(&dir).unwrap();
    let st = nestmap::AppState::new(snap, root().join("web"), vendor_dir()).with_editing(
        dir.clone(),
        dir.join("audit.jsonl"),
        vec![nestmap::http::Token {
            name: "t".into(),
            secret: "s3cret-token-1".into(),
        }],
    );
    let app = nestmap::app(st.clone());
    let rooms = "/ogcapi/collections/nursing_rooms/items";
    let stations = "/ogcapi/collections/service_stations";
    let (rooms0, stations0, layers0) = (
        etag_of(&app, rooms).await,
        etag_of(&app, stations).await,
        etag_of(&app, "/api/layers").await,
    );
    // The same data, asked again: the same tags.
    assert_eq!(etag_of(&app, rooms).await, rooms0);

    // An edit of the rooms.
    let req = Request::builder()
        .method("POST")
        .uri(rooms)
        .header("host", "test.local")
        .header("authorization", "Bearer s3cret-token-1")
        .header("content-type", "application/geo+json")
        .body(Body::from(room("b", 120.63, 31.44).to_string()))
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let rooms1 = etag_of(&app, rooms).await;
    assert_ne!(rooms1, rooms0, "an edit left the items' tag");
    let (s, _, body) = get(&app, rooms, &[("if-none-match", &rooms0)]).await;
    assert_eq!(s, StatusCode::OK, "the old tag still answered 304");
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["numberMatched"], 2);
    // The stations were not touched: their tag stands.
    assert_eq!(etag_of(&app, stations).await, stations0);
    assert_ne!(etag_of(&app, "/api/layers").await, layers0);

    // A reload of a changed file.
    std::fs::write(
        dir.join("nursing_rooms.geojson"),
        fc(vec![room("a", 120.62, 31.43), room("c", 120.64, 31.45)]),
    )
    .unwrap();
    let status = st.reload().await;
    assert!(status.ok, "{:?}", status.problems);
    let rooms2 = etag_of(&app, rooms).await;
    assert_ne!(rooms2, rooms1, "a reload left the items' tag");
    let (s, _, _) = get(&app, rooms, &[("if-none-match", &rooms1)]).await;
    assert_eq!(s, StatusCode::OK);
    let _ = std::fs::remove_dir_all(&dir);
}
