//! Issue 7: authenticated, validated, durable edits stored in each layer's own CRS, an audit
//! log naming the token, atomic swaps for readers, and reloads that keep serving on a bad file.
//! Issue 13.4: an edit rewrites only its own feature's line; under `--skip-invalid` an old
//! refused feature blocks no edit and no reload; PATCH takes in an unreloaded hand edit.

mod common;

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use nestmap::crs::{wgs84_to_epsg, wgs84_to_gcj02};
use nestmap::http::Token;
use serde_json::{json, Value};

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
    common::app::state(common::app::load(dir)).with_editing(
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
    let r = common::app::send(app, req).await;
    (r.status, r.json, r.headers)
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
        common::app::send(&app, req).await.status,
        StatusCode::BAD_REQUEST
    );
    let req = Request::post(ITEMS)
        .header("authorization", "Bearer s3cret-token-1")
        .header("content-type", "text/plain")
        .body(Body::from("{}"))
        .unwrap();
    assert_eq!(
        common::app::send(&app, req).await.status,
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
        status.problems[0]
            .en()
            .contains("nursing_rooms.geojson: invalid JSON"),
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

/// Editing state over `dir` whatever its problems, with `--skip-invalid` on or off.
fn state_skipping(dir: &Path, skip_invalid: bool) -> nestmap::AppState {
    common::app::state(nestmap::load::load_dir(dir).unwrap())
        .with_editing(dir.to_path_buf(), dir.join("audit.jsonl"), editor())
        .with_skip_invalid(skip_invalid)
}

/// `/api/layers`: the nursing rooms' count and the `skipped` list.
async fn rooms_and_skipped(app: &axum::Router) -> (u64, Vec<String>) {
    let (_, v, _) = send(app, "GET", "/api/layers", None, None).await;
    let rooms = v["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "nursing_rooms")
        .unwrap()["count"]
        .as_u64()
        .unwrap();
    let skipped = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect();
    (rooms, skipped)
}

/// Feature `id` as the file holds it (the sample's nursing rooms are WGS84, so it serves as
/// a POST or PUT body as it is).
fn stored_room(path: &Path, id: &str) -> Value {
    let lines = common::lines_of(path);
    common::feature_on(&lines[common::line_of(&lines, id)]).unwrap()
}

#[tokio::test]
async fn an_edit_rewrites_only_its_own_line_of_a_generated_file() {
    let dir = common::sample_copy("edit", "layout");
    let path = dir.join("nursing_rooms.geojson");
    let app = nestmap::app(state(&dir, editor()));
    let start = common::lines_of(&path);
    let compact = |line: &str| {
        let f = common::feature_on(line).expect("a feature on the line");
        assert_eq!(
            line.trim_end_matches(','),
            f.to_string(),
            "one compact line"
        );
        f
    };

    // Create: one line more, after the last feature, which gains the separator ",\n".
    let before = common::lines_of(&path);
    let n = before.len();
    let mut new = stored_room(&path, "nr-01");
    new["id"] = json!("nr-new");
    let (s, v, _) = send(&app, "POST", ITEMS, T, Some(new)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let after = common::lines_of(&path);
    assert_eq!(after.len(), n + 1);
    assert_eq!(
        after[..n - 2],
        before[..n - 2],
        "header and untouched features"
    );
    assert_eq!(after[n - 2], format!("{},", before[n - 2]));
    assert_eq!(compact(&after[n - 1])["id"], "nr-new");
    assert_eq!(after[n], before[n - 1], "trailer");

    // Replace and patch: the same number of lines, only the edited one differs.
    let mut replaced = stored_room(&path, "nr-03");
    replaced["properties"]["venue_type"] = json!("hospital");
    let patch = json!({"properties": {"opening_hours": "Mo-Fr 08:00-20:00", "area_m2": null}});
    for (method, id, body) in [("PUT", "nr-03", replaced), ("PATCH", "nr-05", patch)] {
        let before = common::lines_of(&path);
        let k = common::line_of(&before, id);
        let (s, v, _) = send(&app, method, &format!("{ITEMS}/{id}"), T, Some(body)).await;
        assert_eq!(s, StatusCode::OK, "{method}: {v}");
        let after = common::lines_of(&path);
        assert_eq!(after.len(), before.len(), "{method}");
        for (i, (a, b)) in after.iter().zip(&before).enumerate() {
            if i != k {
                assert_eq!(a, b, "{method}: line {i} changed");
            }
        }
        assert!(after[k].ends_with(','), "{method}: the separator stays");
        let (old, edited) = (compact(&before[k]), compact(&after[k]));
        assert_eq!(edited["id"], id);
        if method == "PATCH" {
            // Only what the patch names changed; every other member is as stored.
            let mut want = old.clone();
            want["properties"]["opening_hours"] = json!("Mo-Fr 08:00-20:00");
            want["properties"]
                .as_object_mut()
                .unwrap()
                .remove("area_m2");
            assert_eq!(edited, want);
        } else {
            assert_eq!(edited["properties"]["venue_type"], "hospital");
        }
    }

    // Delete, in the middle and the last: one line fewer, the others as they were.
    for id in ["nr-07", "nr-new"] {
        let before = common::lines_of(&path);
        let k = common::line_of(&before, id);
        let (s, _, _) = send(&app, "DELETE", &format!("{ITEMS}/{id}"), T, None).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{id}");
        let mut want = before.clone();
        want.remove(k);
        if id == "nr-new" {
            // The new last feature gives its separator back.
            want[k - 1] = want[k - 1].trim_end_matches(',').to_string();
        }
        assert_eq!(common::lines_of(&path), want, "delete {id}");
    }
    // Against the start: nr-07's line gone, nr-03's and nr-05's edited, every other line
    // as it was; and the file still loads clean.
    let end = common::lines_of(&path);
    let mut want = start.clone();
    want.remove(common::line_of(&start, "nr-07"));
    assert_eq!(end.len(), want.len());
    let edited = [
        common::line_of(&end, "nr-03"),
        common::line_of(&end, "nr-05"),
    ];
    for (i, (a, b)) in end.iter().zip(&want).enumerate() {
        if !edited.contains(&i) {
            assert_eq!(a, b, "line {i}");
        }
    }
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.ends_with("\n]}\n"), "the trailer is kept");
    let snap = nestmap::load::load_dir(&dir).unwrap();
    assert!(!snap.report.has_errors(), "{:?}", snap.report.problems);
    assert_eq!(
        snap.layer("nursing_rooms").unwrap().features.len(),
        start.len() - 3
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Nursing rooms `a`, `bad` (refused: its opening hours do not parse) and `b`, one a line.
fn dir_with_a_refused_room(name: &str) -> PathBuf {
    let dir = fresh_dir(name);
    let mut bad = room("bad", 120.625, 31.435);
    bad["properties"]["opening_hours"] = json!("Mo-Fx 25:00");
    let lines: Vec<String> = [room("a", 120.62, 31.43), bad, room("b", 120.63, 31.44)]
        .iter()
        .map(Value::to_string)
        .collect();
    std::fs::write(
        dir.join("nursing_rooms.geojson"),
        format!(
            "{{\"type\":\"FeatureCollection\",\"features\":[\n{}\n]}}\n",
            lines.join(",\n")
        ),
    )
    .unwrap();
    dir
}

#[tokio::test]
async fn under_skip_invalid_an_old_refused_feature_blocks_no_edit() {
    let dir = dir_with_a_refused_room("skip-edit");
    let path = dir.join("nursing_rooms.geojson");
    let bad_line = common::lines_of(&path)[2].clone();

    // Without --skip-invalid, as before: any problem of the file refuses the edit, and
    // the refusal names the feature that has it.
    let strict = nestmap::app(state_skipping(&dir, false));
    let file = std::fs::read(&path).unwrap();
    let (s, v, _) = send(&strict, "POST", ITEMS, T, Some(room("c", 120.61, 31.42))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("features[1] (id \"bad\")") && msg.contains("opening_hours"),
        "{msg}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), file);

    let app = nestmap::app(state_skipping(&dir, true));
    let (rooms, skipped) = rooms_and_skipped(&app).await;
    assert_eq!(rooms, 2);
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert!(
        skipped[0].contains("features[1] (id \"bad\")"),
        "{skipped:?}"
    );

    // Create, replace, patch and delete go through; the refused one stays refused, listed
    // at its new position, byte for byte as it was in the file.
    let mut replaced = room("b", 120.635, 31.445);
    replaced["properties"]["venue_type"] = json!("hospital");
    let edits = [
        (
            "POST",
            ITEMS.to_string(),
            Some(room("c", 120.61, 31.42)),
            3,
            1,
        ),
        ("PUT", format!("{ITEMS}/b"), Some(replaced), 3, 1),
        (
            "PATCH",
            format!("{ITEMS}/c"),
            Some(json!({"properties": {"opening_hours": "24/7"}})),
            3,
            1,
        ),
        ("DELETE", format!("{ITEMS}/a"), None, 2, 0),
    ];
    for (method, uri, body, count, at) in edits {
        let (s, v, _) = send(&app, method, &uri, T, body).await;
        assert!(s.is_success(), "{method} {uri}: {s} {v}");
        let (rooms, skipped) = rooms_and_skipped(&app).await;
        assert_eq!(rooms, count, "{method} {uri}");
        assert_eq!(skipped.len(), 1, "{method} {uri}: {skipped:?}");
        assert!(
            skipped[0].contains(&format!("features[{at}] (id \"bad\")"))
                && skipped[0].contains("opening_hours"),
            "{method} {uri}: {skipped:?}"
        );
        let lines = common::lines_of(&path);
        assert_eq!(lines[common::line_of(&lines, "bad")], bad_line);
    }

    // What the edit writes is still judged: an invalid feature is refused, naming its own
    // field and nothing of the old one.
    let file = std::fs::read(&path).unwrap();
    let mut invalid = room("d", 120.6, 31.4);
    invalid["properties"]["venue_type"] = json!("castle");
    let (s, v, _) = send(&app, "POST", ITEMS, T, Some(invalid)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(msg.contains("venue_type") && !msg.contains("bad"), "{msg}");
    let (s, v, _) = send(&app, "POST", ITEMS, T, Some(room("bad", 120.6, 31.4))).await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "the refused feature's id is taken: {v}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), file);

    // The refused feature can be mended by an edit: then nothing is skipped.
    let (s, v, _) = send(
        &app,
        "PATCH",
        &format!("{ITEMS}/bad"),
        T,
        Some(json!({"properties": {"opening_hours": "Mo-Fr 09:00-17:00"}})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["properties"]["opening_hours"], "Mo-Fr 09:00-17:00");
    assert_eq!(rooms_and_skipped(&app).await, (3, vec![]));
    let snap = nestmap::load::load_dir(&dir).unwrap();
    assert!(!snap.report.has_errors(), "{:?}", snap.report.problems);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn under_skip_invalid_an_edit_of_a_shared_id_goes_to_the_served_feature() {
    // Two features share the id "x": the first is refused for its hours, so the second is
    // served, and an edit of "x" goes to it; the refused one stays as it was.
    let dir = fresh_dir("skip-dup");
    let path = dir.join("nursing_rooms.geojson");
    let mut first = room("x", 120.62, 31.43);
    first["properties"]["opening_hours"] = json!("Mo-Fx 25:00");
    let lines = [first, room("x", 120.63, 31.44)].map(|f| f.to_string());
    std::fs::write(
        &path,
        format!(
            "{{\"type\":\"FeatureCollection\",\"features\":[\n{}\n]}}\n",
            lines.join(",\n")
        ),
    )
    .unwrap();
    let app = nestmap::app(state_skipping(&dir, true));
    let (s, v, _) = send(
        &app,
        "PATCH",
        &format!("{ITEMS}/x"),
        T,
        Some(json!({"properties": {"opening_hours": "24/7"}})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let now = common::lines_of(&path);
    assert_eq!(
        now[1],
        format!("{},", lines[0]),
        "the refused one is untouched"
    );
    assert_eq!(
        common::feature_on(&now[2]).unwrap()["properties"]["opening_hours"],
        "24/7"
    );
    let (s, v, _) = send(&app, "GET", &format!("{ITEMS}/x"), None, None).await;
    assert_eq!(
        (s, &v["properties"]["opening_hours"]),
        (StatusCode::OK, &json!("24/7"))
    );
    // Deleting "x" deletes the served one; the refused one is left, still refused.
    let (s, _, _) = send(&app, "DELETE", &format!("{ITEMS}/x"), T, None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(common::lines_of(&path)[1], lines[0]);
    let (rooms, skipped) = rooms_and_skipped(&app).await;
    assert_eq!(rooms, 0);
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert!(skipped[0].contains("features[0] (id \"x\")"), "{skipped:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_reload_honours_skip_invalid() {
    for skip_invalid in [false, true] {
        let dir = fresh_dir(&format!("skip-reload-{skip_invalid}"));
        let st = state_skipping(&dir, skip_invalid);
        let app = nestmap::app(st.clone());
        assert_eq!(rooms_and_skipped(&app).await, (2, vec![]));
        // The new file: three rooms, one of them refused.
        let refused = dir_with_a_refused_room(&format!("skip-reload-src-{skip_invalid}"));
        std::fs::copy(
            refused.join("nursing_rooms.geojson"),
            dir.join("nursing_rooms.geojson"),
        )
        .unwrap();
        let status = st.reload().await;
        let (rooms, skipped) = rooms_and_skipped(&app).await;
        if skip_invalid {
            // The rest is served (a and b), the refused one listed as at the start.
            assert!(status.ok, "{:?}", status.problems);
            assert_eq!(rooms, 2);
            assert_eq!(skipped.len(), 1, "{skipped:?}");
            assert!(skipped[0].contains("(id \"bad\")"), "{skipped:?}");
        } else {
            // As before: refused, the old data keeps serving, and the reason is given.
            assert!(!status.ok);
            assert!(
                status.problems[0].en().contains("(id \"bad\")"),
                "{:?}",
                status.problems
            );
            assert_eq!((rooms, skipped), (2, vec![]));
        }
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::remove_dir_all(&refused);
    }
}

#[tokio::test]
async fn patch_takes_in_a_hand_edit_that_was_not_reloaded() {
    let dir = common::sample_copy("edit", "hand");
    let path = dir.join("nursing_rooms.geojson");
    let app = nestmap::app(state(&dir, editor()));
    // A planner edits nr-04's address in the file and does not reload.
    let address = "示例地址：手工修改 1 号";
    common::hand_edit(&path, "nr-04", |f| {
        f["properties"]["address"] = json!(address);
    });
    let (_, served, _) = send(&app, "GET", &format!("{ITEMS}/nr-04"), None, None).await;
    assert_ne!(served["properties"]["address"], address, "not reloaded yet");

    // Then someone patches another property of nr-04: both changes are kept.
    let (s, v, _) = send(
        &app,
        "PATCH",
        &format!("{ITEMS}/nr-04"),
        T,
        Some(json!({"properties": {"opening_hours": "Mo-Fr 07:30-19:30"}})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["properties"]["address"], address, "the answer: {v}");
    assert_eq!(v["properties"]["opening_hours"], "Mo-Fr 07:30-19:30");
    let lines = common::lines_of(&path);
    let stored = common::feature_on(&lines[common::line_of(&lines, "nr-04")]).unwrap();
    assert_eq!(
        stored["properties"]["address"], address,
        "the file: {stored}"
    );
    assert_eq!(stored["properties"]["opening_hours"], "Mo-Fr 07:30-19:30");
    let (_, v, _) = send(&app, "GET", &format!("{ITEMS}/nr-04"), None, None).await;
    assert_eq!(v["properties"]["address"], address);

    // A patched geometry arrives in WGS84 and is stored in the layer's CRS (GCJ-02 here);
    // the rest of the stored feature is as it was.
    let stations = dir.join("service_stations.geojson");
    let lines = common::lines_of(&stations);
    let before = common::feature_on(&lines[common::line_of(&lines, "ss-02")]).unwrap();
    let (s, v, _) = send(
        &app,
        "PATCH",
        "/ogcapi/collections/service_stations/items/ss-02",
        T,
        Some(json!({"geometry": {"type": "Point", "coordinates": [120.62, 31.43]}})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let back = &v["geometry"]["coordinates"];
    assert!(
        (back[0].as_f64().unwrap() - 120.62).abs() < 1e-8
            && (back[1].as_f64().unwrap() - 31.43).abs() < 1e-8,
        "{back}"
    );
    let lines = common::lines_of(&stations);
    let after = common::feature_on(&lines[common::line_of(&lines, "ss-02")]).unwrap();
    let g = wgs84_to_gcj02(120.62, 31.43);
    let c = &after["geometry"]["coordinates"];
    assert!(
        (c[0].as_f64().unwrap() - g.0).abs() < 1e-9 && (c[1].as_f64().unwrap() - g.1).abs() < 1e-9,
        "{c}"
    );
    assert_eq!(after["properties"], before["properties"]);
    let _ = std::fs::remove_dir_all(&dir);
}
