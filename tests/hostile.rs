//! The hostile-input corpus (issue "Figures"): at least 200 broken query strings and bodies,
//! generated from tables, each answered with a 4xx whose JSON body says what was wrong, never
//! a 5xx; a refused edit changes no file; and a real `nestmap serve` process survives
//! malformed HTTP on a raw socket.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::app::send;
use common::server::{healthy, raw, Server};
use nestmap::http::harden::Hardening;
use nestmap::http::Token;
use serde_json::{json, Value};

const TOKEN: &str = "hostile-token-0001";

/// A copy of the shipped sample data in a fresh temporary directory.
fn data_copy(name: &str) -> PathBuf {
    common::sample_copy("hostile", name)
}

/// Every file of `dir` and its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().to_string_lossy().to_string(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// One hostile request.
struct Case {
    label: String,
    method: &'static str,
    uri: String,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    /// Send the body without a Content-Length header (as a chunked upload would arrive).
    streamed: bool,
}

impl Case {
    fn get(label: impl Into<String>, uri: impl Into<String>) -> Case {
        Case {
            label: label.into(),
            method: "GET",
            uri: uri.into(),
            headers: vec![],
            body: vec![],
            streamed: false,
        }
    }

    /// An edit or POST with the token and a JSON content type.
    fn send(
        label: impl Into<String>,
        method: &'static str,
        uri: impl Into<String>,
        body: impl Into<Vec<u8>>,
    ) -> Case {
        Case {
            label: label.into(),
            method,
            uri: uri.into(),
            headers: vec![
                ("authorization", format!("Bearer {TOKEN}")),
                ("content-type", "application/geo+json".into()),
            ],
            body: body.into(),
            streamed: false,
        }
    }

    fn header(mut self, name: &'static str, value: impl Into<String>) -> Case {
        self.headers.retain(|(n, _)| *n != name);
        self.headers.push((name, value.into()));
        self
    }

    fn without(mut self, name: &'static str) -> Case {
        self.headers.retain(|(n, _)| *n != name);
        self
    }

    fn request(&self) -> Request<Body> {
        let mut b = Request::builder()
            .method(self.method)
            .uri(&self.uri)
            .header("host", "test.local");
        for (n, v) in &self.headers {
            b = b.header(*n, v);
        }
        if !self.streamed && !self.body.is_empty() {
            b = b.header("content-length", self.body.len().to_string());
        }
        let body = Body::from(self.body.clone());
        b.body(body)
            .unwrap_or_else(|e| panic!("{}: {e}", self.label))
    }
}

/// Percent-encode a query value (RFC 3986 unreserved kept).
fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn query(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// One GET of `path` per bad value: the valid `base` query with `param` set to the value (in
/// place of the base's own), labelled `what param=value`.
fn one_bad_value(
    what: &str,
    path: &str,
    base: &[(&str, String)],
    bad: Vec<(&str, Vec<String>)>,
) -> Vec<Case> {
    let mut cases = Vec::new();
    for (param, values) in bad {
        for v in values {
            let mut q: Vec<(&str, String)> =
                base.iter().filter(|(k, _)| *k != param).cloned().collect();
            q.push((param, v.clone()));
            cases.push(Case::get(
                format!("{what} {param}={v:.40}"),
                format!("{path}?{}", query(&q)),
            ));
        }
    }
    cases
}

/// Strings that look like attacks; none is a valid value for any parameter.
fn injections() -> Vec<String> {
    vec![
        "' OR 1=1 --".into(),
        "\"; DROP TABLE layers; --".into(),
        "<script>alert(1)</script>".into(),
        "../../../../etc/passwd".into(),
        "${jndi:ldap://127.0.0.1/a}".into(),
        "{{7*7}}".into(),
        "$(rm -rf /)".into(),
        "\u{0}".into(),
        "\u{202e}gpj.exe".into(),
        "%00%0d%0aSet-Cookie: x=1".into(),
        "x".repeat(20_000),
    ]
}

/// Values that are not finite numbers.
fn not_numbers() -> Vec<String> {
    [
        "NaN",
        "nan",
        "inf",
        "-inf",
        "Infinity",
        "-Infinity",
        "1e999",
        "-1e999",
        "",
        " ",
        "abc",
        "120,6",
        "0x78",
        "１２０",
        "120.6.1",
        "--1",
        "1/0",
        "null",
        "[]",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Query-string cases: each endpoint's valid query with one parameter made hostile.
fn query_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let s = |x: &str| x.to_string();
    // (endpoint, valid base query, [(param, bad values)])
    let huge_ints = vec![s("99999999999999999999999999"), s("-1"), s("1.5"), s("1e3")];
    let coords_bad: Vec<String> = not_numbers()
        .into_iter()
        .chain([s("1e308"), s("-1e308"), s("181"), s("-90.0001e1")])
        .collect();
    let nearest_bad: Vec<(&str, Vec<String>)> = vec![
        ("lon", coords_bad.clone()),
        ("lat", coords_bad.clone()),
        (
            "k",
            [huge_ints.clone(), vec![s("0"), s("101"), s("NaN"), s("")]].concat(),
        ),
        (
            "max_m",
            vec![s("0"), s("-5"), s("NaN"), s("inf"), s("1e999"), s("abc")],
        ),
        (
            "crs",
            vec![
                s("EPSG:0"),
                s("EPSG:abc"),
                s("EPSG:99999999"),
                s("EPSG:-4326"),
                s("+proj=longlat +datum=WGS84"),
                s("gcj03"),
                s(""),
            ],
        ),
        (
            "layer",
            [
                injections(),
                vec![s(""), s("nope"), s("nursing_rooms,nope"), s(",,,")],
            ]
            .concat(),
        ),
        (
            "open",
            vec![s("25:99"), s("NaN"), s("yesterday-ish"), s("Mo-Su 99:00")],
        ),
        ("unknown_param", vec![s("1")]),
        ("LON", vec![s("120")]),
        ("venue_type[]", vec![s("mall")]),
    ];
    let nearest_base = [
        ("layer", s("nursing_rooms")),
        ("lon", s("120.62")),
        ("lat", s("31.43")),
    ];
    cases.extend(one_bad_value(
        "nearest",
        "/api/nearest",
        &nearest_base,
        nearest_bad,
    ));
    let within_base = [
        ("layer", s("nursing_rooms")),
        ("lon", s("120.62")),
        ("lat", s("31.43")),
        ("radius_m", s("500")),
    ];
    let bbox_bad = vec![
        s("1,2,3"),
        s("1,2,3,4,5"),
        s("NaN,0,1,1"),
        s("inf,0,1,1"),
        s("a,b,c,d"),
        s("200,0,201,1"),
        s("0,-91,1,1"),
        s("1,1,0,0"),
        s(""),
        s(",,,"),
        s("1e999,0,1,1"),
    ];
    let within_bad: Vec<(&str, Vec<String>)> = vec![
        (
            "radius_m",
            vec![
                s("0"),
                s("-1"),
                s("NaN"),
                s("inf"),
                s("1e999"),
                s("1e308"),
                s(""),
            ],
        ),
        (
            "limit",
            [huge_ints.clone(), vec![s("0"), s("1001")]].concat(),
        ),
        ("offset", huge_ints.clone()),
        ("lon", vec![s("NaN"), s("Infinity")]),
    ];
    cases.extend(one_bad_value(
        "within",
        "/api/within",
        &within_base,
        within_bad,
    ));
    for v in &bbox_bad {
        cases.push(Case::get(
            format!("within bbox={v}"),
            format!(
                "/api/within?{}",
                query(&[("layer", s("nursing_rooms")), ("bbox", v.clone())])
            ),
        ));
    }
    cases.push(Case::get(
        "within bbox with lon",
        "/api/within?layer=nursing_rooms&bbox=120,31,121,32&lon=120.5",
    ));
    let coverage_bad: Vec<(&str, Vec<String>)> = vec![
        (
            "radius_m",
            vec![s("0"), s("-1"), s("NaN"), s("5001"), s("1e999"), s("abc")],
        ),
        (
            "cell_m",
            vec![
                s("0"),
                s("1"),
                s("9.99"),
                s("1e9"),
                s("NaN"),
                s("inf"),
                s("-100"),
            ],
        ),
        (
            "suggest",
            vec![s("-1"), s("1.5"), s("21"), s("NaN"), s("1e999")],
        ),
        ("format", vec![s("xml"), s("CSV"), s("")]),
        ("profile", vec![s("nope"), s("'; DROP")]),
        ("area", vec![s("999999"), s("' OR 1=1 --"), s("")]),
        ("layer", vec![s("nope"), s(""), s("<script>")]),
        ("foo", vec![s("bar")]),
    ];
    let coverage_base = [("layer", s("nursing_rooms"))];
    cases.extend(one_bad_value(
        "coverage",
        "/api/coverage",
        &coverage_base,
        coverage_bad,
    ));
    let items = "/ogcapi/collections/nursing_rooms/items";
    let items_bad: Vec<(&str, Vec<String>)> = vec![
        ("bbox", bbox_bad.clone()),
        (
            "limit",
            [huge_ints.clone(), vec![s("0"), s("10001"), s("NaN")]].concat(),
        ),
        ("offset", huge_ints.clone()),
        (
            "datetime",
            vec![s("yesterday"), s("2020-13-45"), s("2020-01-01/tomorrow")],
        ),
        ("f", vec![s("xml"), s("html"), s("")]),
        ("no_such_property", vec![s("1")]),
        ("' OR 1=1 --", vec![s("1")]),
    ];
    cases.extend(one_bad_value("items", items, &[], items_bad));
    // Malformed or repeated query strings, sent raw.
    for raw in [
        "limit=1&limit=2",
        "bbox=1,1,2,2&bbox=1,1,2,2",
        "%zz=1",
        "limit=%zz",
        "limit=%",
        "limit=%FF%FE",
        "=1",
        "&&&=&",
        "limit=1=2",
        "f=json&f=json",
    ] {
        cases.push(Case::get(
            format!("items raw {raw}"),
            format!("{items}?{raw}"),
        ));
    }
    for raw in [
        "lon=1&lon=2&lat=31&layer=nursing_rooms",
        "layer=nursing_rooms&lon=%zz&lat=31",
    ] {
        cases.push(Case::get(
            format!("nearest raw {raw}"),
            format!("/api/nearest?{raw}"),
        ));
    }
    for (label, uri) in [
        (
            "no collection",
            "/ogcapi/collections/nope/items".to_string(),
        ),
        (
            "traversal collection",
            "/ogcapi/collections/..%2F..%2Fetc%2Fpasswd/items".to_string(),
        ),
        ("no item", format!("{items}/no-such-id")),
        ("item injection", format!("{items}/{}", enc("' OR 1=1 --"))),
        ("landing f=xml", "/ogcapi?f=xml".to_string()),
        ("landing unknown", "/ogcapi?foo=1".to_string()),
        ("conformance unknown", "/ogcapi/conformance?x=1".to_string()),
        ("api unknown", "/ogcapi/api?x=1".to_string()),
        ("collections f", "/ogcapi/collections?f=html".to_string()),
        ("layers unknown", "/api/layers?x=1".to_string()),
        ("no endpoint", "/api/nope?x=1".to_string()),
        ("nearest nothing", "/api/nearest".to_string()),
        (
            "within nothing",
            "/api/within?layer=nursing_rooms".to_string(),
        ),
        ("coverage nothing", "/api/coverage".to_string()),
    ] {
        cases.push(Case::get(label, uri));
    }
    cases
}

/// Bodies that are not JSON, or not JSON we can hold.
fn broken_json() -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = [
        "",
        "{",
        "}",
        "[",
        "{\"type\":",
        "nul",
        "NaN",
        "{\"a\":NaN}",
        "{\"a\":Infinity}",
        "{\"a\":-Infinity}",
        "1e999",
        "{\"a\":1e999}",
        "{'single':'quotes'}",
        "{\"a\":1,}",
        "{\"a\":1}{\"b\":2}",
        "\"\\ud800\"",
        "\u{feff}{}",
        "<?xml version=\"1.0\"?><a/>",
    ]
    .iter()
    .map(|s| (format!("body {s:?}"), s.as_bytes().to_vec()))
    .collect();
    v.push(("invalid utf-8".into(), vec![0xff, 0xfe, b'{', 0x80]));
    v.push(("10000-digit number".into(), "9".repeat(10_000).into_bytes()));
    v.push(("100k [".into(), "[".repeat(100_000).into_bytes()));
    v.push((
        "100k {\"a\":".into(),
        "{\"a\":".repeat(100_000).into_bytes(),
    ));
    v
}

/// Geometries that must be refused, wrapped in otherwise valid features.
fn bad_geometries() -> Vec<(String, Value)> {
    let deep = {
        let mut g = json!([120.6, 31.4]);
        for _ in 0..100 {
            g = json!([g]);
        }
        g
    };
    vec![
        ("empty point", json!({"type":"Point","coordinates":[]})),
        ("one-element", json!({"type":"Point","coordinates":[120.6]})),
        ("string coord", json!({"type":"Point","coordinates":[120.6,"31.4"]})),
        ("null coords", json!({"type":"Point","coordinates":[null,null]})),
        ("huge", json!({"type":"Point","coordinates":[1e308,1e308]})),
        ("lon 200", json!({"type":"Point","coordinates":[200.0,31.4]})),
        ("lat 95", json!({"type":"Point","coordinates":[120.6,95.0]})),
        ("nested point", json!({"type":"Point","coordinates":[[120.6,31.4]]})),
        ("no coords", json!({"type":"Point"})),
        ("coords object", json!({"type":"Point","coordinates":{"x":1}})),
        ("unknown type", json!({"type":"Pointy","coordinates":[120.6,31.4]})),
        ("type number", json!({"type":5,"coordinates":[120.6,31.4]})),
        ("geometry null", Value::Null),
        ("geometry string", json!("POINT(120.6 31.4)")),
        ("deep 100", json!({"type":"Point","coordinates":deep})),
        (
            "unclosed ring",
            json!({"type":"Polygon","coordinates":[[[120.6,31.4],[120.7,31.4],[120.7,31.5],[120.6,31.5]]]}),
        ),
        (
            "3-position ring",
            json!({"type":"Polygon","coordinates":[[[120.6,31.4],[120.7,31.4],[120.6,31.4]]]}),
        ),
        ("no rings", json!({"type":"Polygon","coordinates":[]})),
        (
            "bowtie",
            json!({"type":"Polygon","coordinates":[[[120.6,31.4],[120.7,31.5],[120.7,31.4],[120.6,31.5],[120.6,31.4]]]}),
        ),
        (
            "ring of one-element positions",
            json!({"type":"Polygon","coordinates":[[[120.6],[120.7],[120.8],[120.6]]]}),
        ),
        (
            "one-point line",
            json!({"type":"LineString","coordinates":[[120.6,31.4]]}),
        ),
        ("empty line", json!({"type":"LineString","coordinates":[]})),
        (
            "line with huge",
            json!({"type":"LineString","coordinates":[[120.6,31.4],[1e300,-1e300]]}),
        ),
        ("multipoint bad", json!({"type":"MultiPoint","coordinates":[[]]})),
        (
            "multipolygon unclosed",
            json!({"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1]]]]}),
        ),
        (
            "collection with bad member",
            json!({"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[]}]}),
        ),
    ]
    .into_iter()
    .map(|(l, g)| (l.to_string(), g))
    .collect()
}

fn generic_feature(id: &str, geometry: Value) -> Value {
    json!({"type":"Feature","id":id,"geometry":geometry,"properties":{"name":"hostile","synthetic":true,"source":"test"}})
}

/// Body cases: broken JSON to every body-reading endpoint, bad features, bad patches, wrong
/// content types, missing credentials, and a 10 MB body.
fn body_cases(existing: &str) -> Vec<Case> {
    let generic = "/ogcapi/collections/family_education_points/items";
    let rooms = "/ogcapi/collections/nursing_rooms/items";
    let item = format!("{generic}/{existing}");
    let mut cases = Vec::new();
    for (label, body) in broken_json() {
        cases.push(Case::send(
            format!("coverage {label}"),
            "POST",
            "/api/coverage",
            body.clone(),
        ));
        cases.push(Case::send(
            format!("create {label}"),
            "POST",
            generic,
            body.clone(),
        ));
        cases.push(Case::send(
            format!("replace {label}"),
            "PUT",
            item.clone(),
            body.clone(),
        ));
        cases.push(
            Case::send(format!("patch {label}"), "PATCH", item.clone(), body)
                .header("content-type", "application/merge-patch+json"),
        );
    }
    for (label, g) in bad_geometries() {
        let f = generic_feature("hostile-new", g.clone());
        cases.push(Case::send(
            format!("create {label}"),
            "POST",
            generic,
            f.to_string(),
        ));
        cases.push(Case::send(
            format!("replace {label}"),
            "PUT",
            item.clone(),
            generic_feature(existing, g.clone()).to_string(),
        ));
        cases.push(Case::send(
            format!("patch {label}"),
            "PATCH",
            item.clone(),
            json!({ "geometry": g }).to_string(),
        ));
    }
    // JSON that is not an object (a POST or PUT of `[1,2,3]` once panicked: a 500).
    for (label, body) in [
        ("array", "[1,2,3]"),
        ("string", "\"x\""),
        ("number", "5"),
        ("null", "null"),
        ("true", "true"),
    ] {
        cases.push(Case::send(
            format!("create non-object {label}"),
            "POST",
            generic,
            body,
        ));
        cases.push(Case::send(
            format!("replace non-object {label}"),
            "PUT",
            item.clone(),
            body,
        ));
    }
    let point = json!({"type":"Point","coordinates":[120.6,31.4]});
    let features = [
        ("not an object", json!([1, 2, 3])),
        (
            "type FeatureCollection",
            json!({"type":"FeatureCollection","features":[]}),
        ),
        (
            "no type",
            json!({"id":"h1","geometry":point,"properties":{}}),
        ),
        (
            "id object",
            json!({"type":"Feature","id":{},"geometry":point,"properties":{}}),
        ),
        (
            "id array",
            json!({"type":"Feature","id":[],"geometry":point,"properties":{}}),
        ),
        (
            "id true",
            json!({"type":"Feature","id":true,"geometry":point,"properties":{}}),
        ),
        ("id exists", generic_feature(existing, point.clone())),
        (
            "properties array",
            json!({"type":"Feature","id":"h2","geometry":point,"properties":[1]}),
        ),
        (
            "properties string",
            json!({"type":"Feature","id":"h3","geometry":point,"properties":"x"}),
        ),
    ];
    for (label, f) in features {
        cases.push(Case::send(
            format!("create {label}"),
            "POST",
            generic,
            f.to_string(),
        ));
    }
    // A nursing room with each required property broken in turn.
    let room = |props: Value| json!({"type":"Feature","id":"hostile-room","geometry":point,"properties":props});
    let good = json!({"name":"示例母婴室 h","address":"示例地址","venue_type":"mall","amenities":["sink"],"synthetic":true,"source":"test"});
    let mut broken_rooms: Vec<(String, Value)> = Vec::new();
    for (field, bad) in [
        ("name", json!("")),
        ("name", json!(5)),
        ("venue_type", json!("' OR 1=1 --")),
        ("venue_type", json!(null)),
        ("amenities", json!("sink")),
        ("amenities", json!(["<script>"])),
        ("opening_hours", json!("Mo-Su 25:00-99:00")),
        ("synthetic", json!("yes")),
    ] {
        let mut p = good.clone();
        if bad.is_null() {
            p.as_object_mut().unwrap().remove(field);
        } else {
            p[field] = bad.clone();
        }
        broken_rooms.push((format!("room {field}={bad}"), room(p)));
    }
    broken_rooms.push((
        "room polygon".into(),
        json!({"type":"Feature","id":"hostile-room","geometry":{"type":"Polygon","coordinates":[[[120.6,31.4],[120.7,31.4],[120.7,31.5],[120.6,31.4]]]},"properties":good}),
    ));
    for (label, f) in broken_rooms {
        cases.push(Case::send(label, "POST", rooms, f.to_string()));
    }
    for (label, p) in [
        ("array", json!([])),
        ("string", json!("x")),
        ("unknown member", json!({"foo": 1})),
        ("properties number", json!({"properties": 5})),
        ("other id", json!({"id": "someone-else"})),
        ("links", json!({"links": []})),
    ] {
        cases.push(Case::send(
            format!("patch {label}"),
            "PATCH",
            item.clone(),
            p.to_string(),
        ));
    }
    let coverage = [
        ("no layer", json!({})),
        ("layer number", json!({"layer": 123})),
        ("layer unknown", json!({"layer": "nope"})),
        ("unknown field", json!({"layer": "nursing_rooms", "foo": 1})),
        (
            "radius negative",
            json!({"layer": "nursing_rooms", "radius_m": -1}),
        ),
        (
            "radius huge",
            json!({"layer": "nursing_rooms", "radius_m": 1e308}),
        ),
        (
            "radius string",
            json!({"layer": "nursing_rooms", "radius_m": "500"}),
        ),
        ("cell zero", json!({"layer": "nursing_rooms", "cell_m": 0})),
        (
            "cell tiny",
            json!({"layer": "nursing_rooms", "cell_m": 1e-300}),
        ),
        (
            "cell huge",
            json!({"layer": "nursing_rooms", "cell_m": 1e308}),
        ),
        (
            "suggest fraction",
            json!({"layer": "nursing_rooms", "suggest": 1.5}),
        ),
        (
            "suggest negative",
            json!({"layer": "nursing_rooms", "suggest": -1}),
        ),
        (
            "suggest huge",
            json!({"layer": "nursing_rooms", "suggest": 1e300}),
        ),
        (
            "add empty position",
            json!({"layer": "nursing_rooms", "add": [[]]}),
        ),
        (
            "add one-element",
            json!({"layer": "nursing_rooms", "add": [[120.6]]}),
        ),
        (
            "add out of range",
            json!({"layer": "nursing_rooms", "add": [[200, 0]]}),
        ),
        (
            "add huge",
            json!({"layer": "nursing_rooms", "add": [[1e308, 1e308]]}),
        ),
        (
            "add not array",
            json!({"layer": "nursing_rooms", "add": "120,31"}),
        ),
        (
            "candidates bad",
            json!({"layer": "nursing_rooms", "candidates": [[1, 2, 3]]}),
        ),
        (
            "remove string",
            json!({"layer": "nursing_rooms", "remove": "x"}),
        ),
        (
            "remove unknown",
            json!({"layer": "nursing_rooms", "remove": ["no-such"]}),
        ),
        (
            "format xml",
            json!({"layer": "nursing_rooms", "format": "xml"}),
        ),
        (
            "area point",
            json!({"layer": "nursing_rooms", "area": {"type":"Point","coordinates":[]}}),
        ),
        (
            "area unclosed",
            json!({"layer": "nursing_rooms", "area": {"type":"Polygon","coordinates":[[[120.6,31.4],[120.7,31.4],[120.7,31.5],[120.6,31.5]]]}}),
        ),
        (
            "area one-element",
            json!({"layer": "nursing_rooms", "area": {"type":"Polygon","coordinates":[[[120.6],[120.7],[120.8],[120.6]]]}}),
        ),
        (
            "area huge",
            json!({"layer": "nursing_rooms", "area": {"type":"Polygon","coordinates":[[[0,0],[1e308,0],[1e308,1e308],[0,0]]]}}),
        ),
        (
            "area unknown code",
            json!({"layer": "nursing_rooms", "area": "999999"}),
        ),
        (
            "area array",
            json!({"layer": "nursing_rooms", "area": [1, 2]}),
        ),
        (
            "area feature null",
            json!({"layer": "nursing_rooms", "area": {"type":"Feature","geometry":null}}),
        ),
        ("body array", json!([1, 2])),
        ("body string", json!("nursing_rooms")),
    ];
    for (label, b) in coverage {
        cases.push(Case::send(
            format!("coverage {label}"),
            "POST",
            "/api/coverage",
            b.to_string(),
        ));
    }
    // Wrong content types and credentials on an otherwise valid create.
    let valid = generic_feature("hostile-valid", point.clone()).to_string();
    for ct in [
        "text/plain",
        "application/xml",
        "multipart/form-data; boundary=x",
        "application/x-www-form-urlencoded",
        "application/jsonx",
        "json",
        "",
        "application/json\u{7f}",
    ] {
        if let Ok(h) = axum::http::HeaderValue::from_str(ct) {
            let _ = h;
            cases.push(
                Case::send(
                    format!("content type {ct:?}"),
                    "POST",
                    generic,
                    valid.clone(),
                )
                .header("content-type", ct),
            );
        }
    }
    cases.push(
        Case::send("no content type", "POST", generic, valid.clone()).without("content-type"),
    );
    cases.push(Case::send("no token", "POST", generic, valid.clone()).without("authorization"));
    for auth in [
        "Bearer ",
        "Bearer wrong-token-000",
        "Basic aG9zdGlsZTpob3N0aWxl",
        "bearer hostile-token-0001x",
        "Bearer ' OR 1=1 --",
    ] {
        cases.push(
            Case::send(format!("auth {auth:?}"), "POST", generic, valid.clone())
                .header("authorization", auth),
        );
    }
    cases.push(Case::send(
        "create in no collection",
        "POST",
        "/ogcapi/collections/nope/items",
        valid.clone(),
    ));
    cases.push(Case::send(
        "replace missing",
        "PUT",
        format!("{generic}/no-such-id"),
        generic_feature("no-such-id", point.clone()).to_string(),
    ));
    cases.push(Case::send(
        "delete missing",
        "DELETE",
        format!("{generic}/no-such-id"),
        Vec::new(),
    ));
    cases.push(Case::send(
        "create unknown param",
        "POST",
        format!("{generic}?dry_run=1"),
        valid.clone(),
    ));
    cases.push(Case::send(
        "replace id mismatch",
        "PUT",
        item.clone(),
        generic_feature("someone-else", point.clone()).to_string(),
    ));
    for (method, uri) in [
        ("DELETE", "/ogcapi"),
        ("POST", "/healthz"),
        ("PUT", "/api/nearest"),
        ("POST", "/ogcapi/collections/nursing_rooms"),
    ] {
        cases.push(Case::send(
            format!("{method} {uri}"),
            method,
            uri,
            valid.clone(),
        ));
    }
    // 10 MB, with and without a Content-Length.
    let ten_mb = {
        let mut b = b"{\"type\":\"Feature\",\"id\":\"big\",\"properties\":{\"name\":\"".to_vec();
        b.resize(10 << 20, b'x');
        b
    };
    for (method, uri) in [
        ("POST", generic.to_string()),
        ("PUT", item.clone()),
        ("POST", "/api/coverage".to_string()),
    ] {
        cases.push(Case::send(
            format!("10 MB {method} {uri}"),
            method,
            uri.clone(),
            ten_mb.clone(),
        ));
        let mut streamed = Case::send(
            format!("10 MB streamed {method} {uri}"),
            method,
            uri,
            ten_mb.clone(),
        );
        streamed.streamed = true;
        cases.push(streamed);
    }
    cases
}

/// Issue 13: inputs that are well formed but would cost minutes, or the machine's memory,
/// if nothing limited them: each is refused before any work with a 400 naming the limit.
/// (Those that are expensive but within every limit run in `tests/liveness.rs`, on the
/// real process, against /healthz.)
fn expensive_cases() -> Vec<Case> {
    let draft =
        |coords: Vec<[f64; 2]>, stops: Vec<[f64; 2]>| common::draft(&coords, &stops).to_string();
    let review = |label: &str, body: String| Case::send(label, "POST", "/api/routes/review", body);
    let coverage = |label: &str, body: Value| {
        Case::send(label, "POST", "/api/coverage", body.to_string())
            .header("content-type", "application/json")
    };
    let grid = |n: usize| common::lattice(n, 100, [0.004, 0.0004]);
    let many: Vec<[f64; 2]> = (0..20_001)
        .map(|i| [120.6, 31.4 + i as f64 * 1e-6])
        .collect();
    let two = vec![[120.6, 31.4], [120.61, 31.41]];
    let stops: Vec<[f64; 2]> = (0..501).map(|i| [120.6, 31.4 + i as f64 * 1e-5]).collect();
    let ring: Vec<[f64; 2]> = (0..=100_001)
        .map(|i| {
            let a = i as f64 / 100_001.0 * std::f64::consts::TAU;
            [120.62 + 0.05 * a.cos(), 31.42 + 0.05 * a.sin()]
        })
        .collect();
    let ids: Vec<String> = (0..10_001).map(|i| format!("nr-{i}")).collect();
    let far_sites = common::far_reaching_sites();
    vec![
        review(
            "draft zig-zagging across the globe",
            draft(common::globe_zigzag(), two.clone()),
        ),
        review(
            "draft of 19,000 vertices across the globe",
            draft(common::globe_zigzag_19000(), two.clone()),
        ),
        review("draft of 20,001 vertices", draft(many, two.clone())),
        review("draft of 501 stops", draft(two.clone(), stops)),
        coverage(
            "10,001 candidates",
            json!({"layer": "nursing_rooms", "suggest": 1, "candidates": grid(10_001)}),
        ),
        coverage(
            "1,001 added sites",
            json!({"layer": "nursing_rooms", "add": grid(1001)}),
        ),
        coverage(
            "10,001 removed ids",
            json!({"layer": "nursing_rooms", "remove": ids}),
        ),
        coverage(
            "an added site of 0.5 m",
            json!({"layer": "nursing_rooms", "add": [{"position": [120.6, 31.4], "radius_m": 0.5}]}),
        ),
        coverage(
            "an added site of 6 km",
            json!({"layer": "nursing_rooms", "add": [{"position": [120.6, 31.4], "radius_m": 6000}]}),
        ),
        coverage(
            "an added site of an unrequested layer",
            json!({"layer": "nursing_rooms", "add": [{"position": [120.6, 31.4], "layer": "pocket_parks"}]}),
        ),
        coverage(
            "an added site with an unknown field",
            json!({"layer": "nursing_rooms", "add": [{"position": [120.6, 31.4], "size": 3}]}),
        ),
        coverage(
            "1,000 sites of 5 km at 20 m cells",
            json!({"layer": "nursing_rooms", "add": far_sites, "cell_m": 20}),
        ),
        coverage(
            "an area 3,000 km wide",
            json!({"layer": "nursing_rooms", "cell_m": 5000,
            "area": {"type": "Polygon", "coordinates": [[[100.0, 20.0], [130.0, 20.0], [130.0, 40.0], [100.0, 40.0], [100.0, 20.0]]]}}),
        ),
        coverage(
            "an area of 100,002 vertices",
            json!({"layer": "nursing_rooms", "area": {"type": "Polygon", "coordinates": [ring]}}),
        ),
        coverage(
            "20 suggestions of 5 km over 10,000 candidates at 10 m",
            json!({"layer": "nursing_rooms", "area": "320507001", "cell_m": 10, "radius_m": 5000, "suggest": 20, "candidates": grid(10_000)}),
        ),
        coverage(
            "radius_m of 0.001 m",
            json!({"layer": "nursing_rooms", "radius_m": 0.001}),
        ),
        Case::get(
            "crs=EPSG:999999 (no such system)",
            "/api/nearest?layer=nursing_rooms&lon=500000&lat=3500000&crs=EPSG:999999",
        ),
        Case::get(
            "crs=EPSG:4979 (geographic 3D)",
            "/api/nearest?layer=nursing_rooms&lon=120.6&lat=31.4&crs=EPSG:4979",
        ),
    ]
}

#[tokio::test]
async fn every_hostile_input_is_a_4xx_with_a_message_and_changes_nothing() {
    let dir = data_copy("corpus");
    let snap = common::app::load(&dir);
    let existing = snap.layer("family_education_points").unwrap().features[0]
        .id
        .clone();
    let state = common::app::state(snap).with_editing(
        dir.clone(),
        dir.join("audit.jsonl"),
        vec![Token {
            name: "hostile".into(),
            secret: TOKEN.into(),
        }],
    );
    let app = nestmap::app_with(state, &Hardening::default());
    let before = files(&dir);
    let mut cases = query_cases();
    let n_query = cases.len();
    cases.extend(body_cases(&existing));
    cases.extend(expensive_cases());
    let mut failures = Vec::new();
    let mut by_status: BTreeMap<u16, usize> = BTreeMap::new();
    for case in &cases {
        let res = send(&app, case.request()).await;
        let (status, ct, v) = (res.status, res.content_type(), &res.json);
        *by_status.entry(status.as_u16()).or_default() += 1;
        let code_ok = v["error"]["code"].as_str().is_some_and(|c| !c.is_empty());
        let msg_ok = v["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.trim().is_empty());
        if !status.is_client_error() || !code_ok || !msg_ok || !ct.starts_with("application/json") {
            failures.push(format!(
                "{} {} [{}]: {status} {ct} {:.300}",
                case.method,
                &case.uri[..case.uri.len().min(120)],
                case.label,
                res.text
            ));
        }
        // Alive after each.
        let res = send(&app, Request::get("/healthz").body(Body::empty()).unwrap()).await;
        assert_eq!(res.status, StatusCode::OK, "after {}", case.label);
    }
    println!(
        "hostile corpus: {} cases ({} query strings, {} bodies/headers); statuses {:?}; {} not a 4xx JSON error",
        cases.len(),
        n_query,
        cases.len() - n_query,
        by_status,
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} hostile inputs were not a 4xx JSON error with a message:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert!(cases.len() >= 200, "only {} cases", cases.len());
    assert_eq!(
        files(&dir),
        before,
        "a refused edit changed a file in the data directory"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_real_server_survives_malformed_http() {
    let dir = data_copy("raw");
    let audit = dir.join("audit.jsonl");
    let server = Server::start_with(
        &dir,
        &["--audit-log", audit.to_str().unwrap()],
        Some(&format!("hostile:{TOKEN}")),
    );
    let addr = server.addr.clone();
    assert!(healthy(&addr));
    let big_header = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(1 << 20)
    );
    let many_headers = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\n{}\r\n",
        (0..500)
            .map(|i| format!("X-H{i}: v\r\n"))
            .collect::<String>()
    );
    let long_uri = format!(
        "GET /api/nearest?layer={} HTTP/1.1\r\nHost: x\r\n\r\n",
        "a".repeat(1 << 20)
    );
    let mut r = common::Rng::new(1209);
    let random: Vec<u8> = (0..4096).map(|_| r.next_u64() as u8).collect();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("garbage", b"GARBAGE\r\n\r\n".to_vec()),
        ("bad version", b"GET / HTTP/9.9\r\nHost: x\r\n\r\n".to_vec()),
        ("no version", b"GET /healthz\r\n\r\n".to_vec()),
        ("lowercase method", b"get /healthz HTTP/1.1\r\n\r\n".to_vec()),
        ("1 MB header", big_header.into_bytes()),
        ("500 headers", many_headers.into_bytes()),
        ("1 MB uri", long_uri.into_bytes()),
        ("negative length", b"POST /api/coverage HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n".to_vec()),
        ("huge length", b"POST /api/coverage HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n{}".to_vec()),
        ("length beyond limit", b"POST /api/coverage HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n{}".to_vec()),
        ("short body", b"POST /api/coverage HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"layer\"".to_vec()),
        ("bad chunk", b"POST /api/coverage HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzzz\r\nabc\r\n".to_vec()),
        ("length and chunked", b"POST /api/coverage HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".to_vec()),
        ("two lengths", b"POST /api/coverage HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}".to_vec()),
        ("nul in path", b"GET /heal\0thz HTTP/1.1\r\nHost: x\r\n\r\n".to_vec()),
        ("nul in header", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n".to_vec()),
        ("bare LF", b"GET /healthz HTTP/1.1\nHost: x\n\n".to_vec()),
        ("header no colon", b"GET /healthz HTTP/1.1\r\nHost x\r\n\r\n".to_vec()),
        ("space before colon", b"GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n".to_vec()),
        ("h2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec()),
        ("tls hello", vec![0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]),
        ("random bytes", random),
        ("only CRLF", b"\r\n\r\n\r\n\r\n".to_vec()),
        ("half request", b"GET /healthz HTTP/1.1\r\nHo".to_vec()),
        ("empty", Vec::new()),
        ("absolute uri elsewhere", b"GET http://127.0.0.2:1/x HTTP/1.1\r\nHost: x\r\n\r\n".to_vec()),
        ("CONNECT", b"CONNECT 127.0.0.2:22 HTTP/1.1\r\nHost: x\r\n\r\n".to_vec()),
        ("TRACE", b"TRACE / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec()),
        ("expect 100 too big", b"POST /api/coverage HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 50000000\r\n\r\n".to_vec()),
        ("bad utf-8 header", b"POST /ogcapi/collections/nursing_rooms/items HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xff\xfe\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}".to_vec()),
    ];
    let mut answered = BTreeMap::<String, usize>::new();
    for (label, bytes) in &cases {
        let status = raw(&addr, bytes, Duration::from_millis(1500));
        let code = status
            .as_deref()
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("closed")
            .to_string();
        assert!(
            !code.starts_with('5'),
            "{label}: answered {status:?}, a 5xx"
        );
        eprintln!("{label}: {code}");
        *answered.entry(code).or_default() += 1;
        if !healthy(&addr) {
            let mut server = server;
            panic!(
                "the server stopped answering after {label}: {:?}",
                server.child.try_wait()
            );
        }
    }
    let mut server = server;
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server process exited"
    );
    println!(
        "raw-socket corpus: {} cases, answers {answered:?}, server alive",
        cases.len()
    );
    assert_eq!(files(&dir).get("audit.jsonl"), None);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
