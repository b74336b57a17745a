//! Issue 15.3: every word the server writes for people (refusals, review findings, notes) in
//! Chinese and English, chosen by `lang=` or `Accept-Language` (English when neither names
//! one), with the status, the code and the names of parameters, fields and ids unchanged.
//! Each refusal below is asked four ways: `lang=zh`, `Accept-Language: zh-CN,zh;q=0.9`,
//! `lang=en`, and with nothing.

mod common;

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use nestmap::http::harden::Hardening;
use nestmap::http::Token;
use serde_json::{json, Value};

const TOKEN: &str = "s3cret-token-1";

/// Chinese ideographs in `s`.
fn cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// A copy of the sample data, so that edits can be tried on it.
fn data_copy(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nestmap-words-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for e in std::fs::read_dir(common::app::sample_dir()).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
    }
    dir
}

/// The sample data, editable with [`TOKEN`], behind a 4000-byte body limit.
fn editable_app(dir: &Path) -> axum::Router {
    let st = common::app::state(common::app::load(dir)).with_editing(
        dir.to_path_buf(),
        dir.join("audit.jsonl"),
        vec![Token {
            name: "planner-li".into(),
            secret: TOKEN.into(),
        }],
    );
    nestmap::app_with(
        st,
        &Hardening {
            max_body_bytes: 4000,
            ..Default::default()
        },
    )
}

/// One request of a case.
struct Ask {
    method: &'static str,
    uri: String,
    body: Option<(&'static str, String)>,
    token: bool,
}

fn get(uri: &str) -> Ask {
    Ask {
        method: "GET",
        uri: uri.into(),
        body: None,
        token: false,
    }
}

fn with_body(method: &'static str, uri: &str, ct: &'static str, body: String) -> Ask {
    Ask {
        method,
        uri: uri.into(),
        body: Some((ct, body)),
        token: false,
    }
}

/// How a request names its language.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Way {
    LangZh,
    HeaderZh,
    LangEn,
    Nothing,
}

async fn ask(app: &axum::Router, a: &Ask, way: Way) -> common::app::Reply {
    let uri = match way {
        Way::LangZh | Way::LangEn => {
            let sep = if a.uri.contains('?') { '&' } else { '?' };
            let l = if way == Way::LangZh { "zh" } else { "en" };
            format!("{}{sep}lang={l}", a.uri)
        }
        _ => a.uri.clone(),
    };
    let mut b = Request::builder()
        .method(a.method)
        .uri(uri)
        .header("host", "test.local");
    if way == Way::HeaderZh {
        b = b.header("accept-language", "zh-CN,zh;q=0.9");
    }
    if a.token {
        b = b.header("authorization", format!("Bearer {TOKEN}"));
    }
    let req = match &a.body {
        Some((ct, body)) => b
            .header("content-type", *ct)
            .header("content-length", body.len())
            .body(Body::from(body.clone()))
            .unwrap(),
        None => b.body(Body::empty()).unwrap(),
    };
    common::app::send(app, req).await
}

fn varies_on_language(r: &common::app::Reply) -> bool {
    r.headers
        .get_all("vary")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|v| v.trim().eq_ignore_ascii_case("accept-language"))
}

fn room(venue_type: &str) -> String {
    json!({"type": "Feature", "id": "words-1", "geometry": {"type": "Point", "coordinates": [120.63, 31.43]},
        "properties": {"name": "示例母婴室 words", "address": "示例地址", "venue_type": venue_type,
            "amenities": ["changing_table"], "opening_hours": "Mo-Su 10:00-22:00", "synthetic": true, "source": "test"}})
    .to_string()
}

#[tokio::test]
async fn issue15_refusals_speak_the_requests_language_with_the_same_status_and_code() {
    let dir = data_copy("refusals");
    let app = editable_app(&dir);
    let mut edit = with_body(
        "POST",
        "/ogcapi/collections/nursing_rooms/items",
        "application/geo+json",
        room("spaceship"),
    );
    edit.token = true;
    let mut patch = with_body(
        "PATCH",
        "/ogcapi/collections/nursing_rooms/items/nr-01",
        "application/merge-patch+json",
        json!({"color": "red"}).to_string(),
    );
    patch.token = true;
    let mut media = with_body(
        "POST",
        "/ogcapi/collections/nursing_rooms/items",
        "text/plain",
        room("mall"),
    );
    media.token = true;
    // (request, status, code, the name the message must hold in both languages)
    let cases: Vec<(Ask, StatusCode, &str, &str)> = vec![
        (
            get("/api/nearest?layer=nursing_rooms&lon=120.64&lat=31.42&k=0"),
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            "\"k\"",
        ),
        (
            get("/api/nearest?layer=nursing_rooms&lon=east&lat=31.42"),
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            "\"lon\"",
        ),
        (
            get("/api/nearest?layer=nursing_rooms&lon=120.64&lat=31.42&has=jacuzzi"),
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            "jacuzzi",
        ),
        (
            get("/api/within?layer=nursing_rooms&lon=120.64&lat=31.42"),
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            "\"radius_m\"",
        ),
        (
            get("/api/within?layer=nursing_rooms&bbox=1,2,3"),
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            "\"bbox\"",
        ),
        (
            get("/api/coverage?layer=nursing_rooms&cell_m=1"),
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            "\"cell_m\"",
        ),
        (
            get("/api/coverage?layer=nursing_rooms&profile=walk99"),
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            "walk99",
        ),
        (
            with_body(
                "POST",
                "/api/coverage",
                "application/json",
                json!({"layer": "nursing_rooms", "colour": 1}).to_string(),
            ),
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            "\"colour\"",
        ),
        (
            get("/api/routes/sb-1/review?walk_m=0"),
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            "\"walk_m\"",
        ),
        (
            with_body(
                "POST",
                "/api/routes/review",
                "application/geo+json",
                json!({"type": "FeatureCollection", "features": []}).to_string(),
            ),
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            "\"body\"",
        ),
        (
            get("/ogcapi/collections/nursing_rooms/items?limit=0"),
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            "\"limit\"",
        ),
        (
            get("/ogcapi/collections/nursing_rooms/items?colour=red"),
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            "\"colour\"",
        ),
        (
            get("/api/layers?verbose=1"),
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            "\"verbose\"",
        ),
        (
            get("/ogcapi/collections/no_such_layer/items"),
            StatusCode::NOT_FOUND,
            "not_found",
            "no_such_layer",
        ),
        (
            get("/ogcapi/collections/nursing_rooms/items/no-such-room"),
            StatusCode::NOT_FOUND,
            "not_found",
            "no-such-room",
        ),
        (
            get("/api/routes/sb-404/review"),
            StatusCode::NOT_FOUND,
            "not_found",
            "sb-404",
        ),
        (
            get("/api/no-such-endpoint"),
            StatusCode::NOT_FOUND,
            "not_found",
            "/api/no-such-endpoint",
        ),
        (
            with_body("POST", "/api/layers", "application/json", "{}".into()),
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "POST",
        ),
        (
            edit,
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            "\"venue_type\"",
        ),
        (
            patch,
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            "\"color\"",
        ),
        (
            media,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "text/plain",
        ),
        (
            with_body(
                "POST",
                "/ogcapi/collections/nursing_rooms/items",
                "application/geo+json",
                room("mall"),
            ),
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Bearer",
        ),
        (
            with_body(
                "POST",
                "/api/routes/review",
                "application/geo+json",
                format!("{{\"pad\": \"{}\"}}", "x".repeat(5000)),
            ),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "",
        ),
    ];
    for (a, status, code, name) in &cases {
        let what = format!("{} {}", a.method, a.uri);
        let mut messages = Vec::new();
        for way in [Way::LangZh, Way::HeaderZh, Way::LangEn, Way::Nothing] {
            let r = ask(&app, a, way).await;
            assert_eq!(r.status, *status, "{what} ({way:?}): {}", r.text);
            assert_eq!(
                r.json["error"]["code"], *code,
                "{what} ({way:?}): {}",
                r.text
            );
            assert!(
                varies_on_language(&r),
                "{what} ({way:?}): no Vary: Accept-Language in {:?}",
                r.headers
            );
            let m = r.json["error"]["message"]
                .as_str()
                .unwrap_or("")
                .to_string();
            assert!(m.contains(name), "{what} ({way:?}): {name} not in {m:?}");
            messages.push(m);
        }
        let [zh_lang, zh_header, en_lang, nothing] = &messages[..] else {
            unreachable!()
        };
        assert!(cjk(zh_lang), "{what}: lang=zh said {zh_lang:?}");
        assert_eq!(
            zh_lang, zh_header,
            "{what}: lang=zh and Accept-Language: zh differ"
        );
        assert!(!cjk(en_lang), "{what}: lang=en said {en_lang:?}");
        assert!(
            en_lang.chars().any(|c| c.is_ascii_alphabetic()),
            "{what}: {en_lang:?}"
        );
        assert_eq!(en_lang, nothing, "{what}: English is the default");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn issue15_lang_is_taken_everywhere_and_a_language_we_do_not_speak_is_refused() {
    let app = common::app::sample_app();
    // Endpoints that refuse unknown parameters take lang=.
    for uri in [
        "/healthz?lang=zh",
        "/api/layers?lang=en",
        "/api/routes?lang=zh",
        "/ogcapi?lang=zh",
        "/ogcapi/conformance?lang=en",
        "/ogcapi/collections?lang=zh",
        "/ogcapi/collections/nursing_rooms?lang=zh",
        "/ogcapi/collections/nursing_rooms/items?lang=zh&limit=1",
        "/api/coverage?layer=pocket_parks&cell_m=500&lang=zh",
        "/api/routes/sb-1/review?lang=en",
        "/api/nearest?layer=nursing_rooms&lon=120.64&lat=31.42&lang=zh-CN",
    ] {
        let r = common::app::send(&app, Request::get(uri).body(Body::empty()).unwrap()).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.text);
    }
    // lang=fr: a 400 naming lang, worded by the header (lang= said nothing we speak).
    for (header, zh) in [(None, false), (Some("zh-CN,zh;q=0.9"), true)] {
        for uri in [
            "/healthz?lang=fr",
            "/api/routes?lang=fr",
            "/ogcapi/collections/nursing_rooms/items?lang=klingon",
        ] {
            let mut b = Request::get(uri);
            if let Some(h) = header {
                b = b.header("accept-language", h);
            }
            let r = common::app::send(&app, b.body(Body::empty()).unwrap()).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri}");
            assert_eq!(r.json["error"]["code"], "invalid_parameter");
            let m = r.json["error"]["message"].as_str().unwrap();
            assert!(m.contains("\"lang\""), "{uri}: {m}");
            assert_eq!(cjk(m), zh, "{uri} ({header:?}): {m}");
        }
    }
    // lang= wins over the header.
    let r = common::app::send(
        &app,
        Request::get("/api/routes/sb-404/review?lang=en")
            .header("accept-language", "zh-CN")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(
        !cjk(r.json["error"]["message"].as_str().unwrap()),
        "{}",
        r.text
    );
}

/// A draft that trips many checks: a bow tie (crosses itself) with a repeated vertex, two
/// stops at one place, a stop far off the line, stops out of order.
fn troubled_draft() -> String {
    json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "草案"}, "geometry": {"type": "LineString", "coordinates": [
            [120.60, 31.40], [120.64, 31.44], [120.64, 31.44], [120.64, 31.40], [120.60, 31.44]]}},
        {"type": "Feature", "properties": {"seq": 1}, "geometry": {"type": "Point", "coordinates": [120.64, 31.40]}},
        {"type": "Feature", "properties": {"seq": 2}, "geometry": {"type": "Point", "coordinates": [120.60, 31.40]}},
        {"type": "Feature", "properties": {"seq": 3}, "geometry": {"type": "Point", "coordinates": [120.60, 31.40]}},
        {"type": "Feature", "properties": {"seq": 4}, "geometry": {"type": "Point", "coordinates": [120.70, 31.50]}}
    ]})
    .to_string()
}

fn findings(v: &Value) -> Vec<(String, String, String)> {
    v["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings in {v}"))
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn issue15_route_findings_in_chinese_have_the_codes_of_the_english_in_order() {
    let app = common::app::sample_app();
    let mut codes_seen = std::collections::BTreeSet::new();
    let mut asks: Vec<Ask> = ["sb-1", "sb-2", "sb-3"]
        .iter()
        .map(|id| get(&format!("/api/routes/{id}/review?walk_m=300")))
        .collect();
    asks.push(with_body(
        "POST",
        "/api/routes/review?compare=sb-1",
        "application/geo+json",
        troubled_draft(),
    ));
    for a in &asks {
        let zh = ask(&app, a, Way::LangZh).await;
        let header = ask(&app, a, Way::HeaderZh).await;
        let en = ask(&app, a, Way::Nothing).await;
        assert_eq!(zh.status, StatusCode::OK, "{}", zh.text);
        assert!(varies_on_language(&zh) && varies_on_language(&en));
        let (fz, fh, fe) = (
            findings(&zh.json),
            findings(&header.json),
            findings(&en.json),
        );
        assert!(!fe.is_empty(), "{}: no findings to compare", a.uri);
        let codes = |f: &[(String, String, String)]| -> Vec<(String, String)> {
            f.iter().map(|(c, s, _)| (c.clone(), s.clone())).collect()
        };
        assert_eq!(codes(&fz), codes(&fe), "{}", a.uri);
        assert_eq!(fz, fh, "{}: lang=zh and Accept-Language: zh differ", a.uri);
        for ((code, _, z), (_, _, e)) in fz.iter().zip(&fe) {
            assert!(cjk(z), "{}: {code} in Chinese: {z:?}", a.uri);
            assert!(e.chars().any(|c| c.is_ascii_alphabetic()), "{code}: {e:?}");
            assert_ne!(z, e, "{code}");
            codes_seen.insert(code.clone());
        }
        // Everything else of the review is the same in both languages.
        let strip = |mut v: Value| {
            v.as_object_mut().unwrap().remove("findings");
            v
        };
        assert_eq!(strip(zh.json), strip(en.json), "{}", a.uri);
    }
    for c in [
        "self_intersection",
        "zero_length_segment",
        "duplicate_stop",
        "stop_off_line",
        "stop_order",
    ] {
        assert!(codes_seen.contains(c), "{c} never found: {codes_seen:?}");
    }
    // The list's meanings of each code.
    let zh = ask(&app, &get("/api/routes"), Way::LangZh).await;
    let en = ask(&app, &get("/api/routes"), Way::LangEn).await;
    let meanings = |v: &Value| -> Vec<(String, String)> {
        v["finding_codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["code"].as_str().unwrap().into(),
                    c["meaning"].as_str().unwrap().into(),
                )
            })
            .collect()
    };
    let (mz, me) = (meanings(&zh.json), meanings(&en.json));
    assert_eq!(mz.len(), me.len());
    for ((cz, z), (ce, e)) in mz.iter().zip(&me) {
        assert_eq!(cz, ce);
        assert!(cjk(z) && !cjk(e), "{cz}: {z:?} / {e:?}");
    }
    assert!(varies_on_language(&zh));
}

#[tokio::test]
async fn issue15_notes_and_sources_follow_the_language() {
    let app = common::app::sample_app();
    // Nothing within 1 m of a lake: an empty answer with a note.
    let a = get("/api/nearest?layer=nursing_rooms&lon=120.50&lat=31.50&max_m=1");
    let zh = ask(&app, &a, Way::HeaderZh).await;
    let en = ask(&app, &a, Way::Nothing).await;
    assert!(cjk(zh.json["note"].as_str().unwrap()), "{}", zh.text);
    assert!(!cjk(en.json["note"].as_str().unwrap()), "{}", en.text);
    // The coverage profile's source.
    let a = get("/api/coverage?layer=pocket_parks&profile=park&cell_m=500");
    let zh = ask(&app, &a, Way::LangZh).await;
    let en = ask(&app, &a, Way::LangEn).await;
    assert_eq!(zh.status, StatusCode::OK, "{}", zh.text);
    let (sz, se) = (
        zh.json["profile"]["source"].as_str().unwrap(),
        en.json["profile"]["source"].as_str().unwrap(),
    );
    assert!(
        sz.contains("公园") && se.contains("a park within 500 m"),
        "{sz} / {se}"
    );
    assert!(varies_on_language(&zh));
    // Its validator names the language: a Chinese copy does not revalidate an English one.
    assert_ne!(zh.headers.get("etag"), en.headers.get("etag"));
}

#[tokio::test]
async fn issue15_vary_names_both_headers_and_the_document_offers_lang_everywhere() {
    let app = common::app::sample_app();
    // A compressed answer whose words follow the language: both Vary values, neither lost.
    let r = common::app::send(
        &app,
        Request::get("/api/routes/sb-1/review")
            .header("accept-encoding", "gzip")
            .header("accept-language", "zh-CN")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.headers.get("content-encoding").unwrap(), "gzip");
    let vary: Vec<String> = r
        .headers
        .get_all("vary")
        .iter()
        .flat_map(|v| {
            v.to_str()
                .unwrap()
                .split(',')
                .map(|x| x.trim().to_lowercase())
        })
        .collect();
    assert!(vary.contains(&"accept-encoding".to_string()), "{vary:?}");
    assert!(vary.contains(&"accept-language".to_string()), "{vary:?}");
    // Every operation of the OpenAPI document lists lang and Accept-Language, once.
    let (_, doc) = common::app::get(&app, "/ogcapi/api").await;
    let mut ops = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let params = op["parameters"].as_array().unwrap();
            let count = |name: &str| params.iter().filter(|p| p["name"] == name).count();
            assert_eq!(count("lang"), 1, "{method} {path}");
            assert_eq!(count("Accept-Language"), 1, "{method} {path}");
            ops += 1;
        }
    }
    assert!(ops > 20, "{ops} operations");
}
