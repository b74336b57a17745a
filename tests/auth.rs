//! Issue 13, point 3: authentication before anything else. An edit without a valid token is
//! answered 401 (403 on a read-only server, or with a wrong token) before the body is read
//! or the path resolved: never 404, 413, 415 or 400 first.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::app::call as send;
use nestmap::http::harden::Hardening;
use nestmap::http::Token;

const SECRET: &str = "auth-test-secret";

fn app(read_only: bool) -> axum::Router {
    let dir = common::sample_copy("auth", if read_only { "ro" } else { "rw" });
    let state = common::app::state(common::app::load(&dir));
    let state = if read_only {
        state
    } else {
        state.with_editing(
            dir.clone(),
            dir.join("audit.jsonl"),
            vec![Token {
                name: "t".into(),
                secret: SECRET.into(),
            }],
        )
    };
    nestmap::app_with(
        state,
        &Hardening {
            max_body_bytes: 1000,
            ..Default::default()
        },
    )
}

/// Requests that, with a good token, would be 415, 404, 413 or 400.
fn troublesome(auth: Option<&str>) -> Vec<(&'static str, Request<Body>)> {
    let with = |b: axum::http::request::Builder| match auth {
        Some(a) => b.header("authorization", a),
        None => b,
    };
    vec![
        (
            "wrong content type (415 with a token)",
            with(Request::post("/ogcapi/collections/nursing_rooms/items"))
                .header("content-type", "text/plain")
                .body(Body::from("hello"))
                .unwrap(),
        ),
        (
            "unknown layer (404 with a token)",
            with(Request::put("/ogcapi/collections/no_such_layer/items/x"))
                .header("content-type", "application/geo+json")
                .body(Body::from("{}"))
                .unwrap(),
        ),
        (
            "body over the limit (413 with a token)",
            with(Request::post("/ogcapi/collections/nursing_rooms/items"))
                .header("content-type", "application/geo+json")
                .header("content-length", "5000")
                .body(Body::from(vec![b'x'; 5000]))
                .unwrap(),
        ),
        (
            "broken JSON (400 with a token)",
            with(Request::patch(
                "/ogcapi/collections/nursing_rooms/items/nr-1",
            ))
            .header("content-type", "application/merge-patch+json")
            .body(Body::from("{not json"))
            .unwrap(),
        ),
        (
            "delete of an unknown feature (404 with a token)",
            with(Request::delete(
                "/ogcapi/collections/nursing_rooms/items/none",
            ))
            .body(Body::empty())
            .unwrap(),
        ),
    ]
}

#[tokio::test]
async fn issue13_an_anonymous_edit_is_401_before_any_other_refusal() {
    let app = app(false);
    for (what, req) in troublesome(None) {
        let (s, v) = send(&app, req).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{what}: {v}");
        assert_eq!(v["error"]["code"], "unauthorized", "{what}");
    }
    for (what, req) in troublesome(Some("Bearer wrong-secret-of-any-length")) {
        let (s, v) = send(&app, req).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{what}: {v}");
    }
    // With the token, each gets its own refusal: the check above was not a blanket 401.
    let bearer = format!("Bearer {SECRET}");
    let want = [415, 404, 413, 400, 404];
    for ((what, req), code) in troublesome(Some(&bearer)).into_iter().zip(want) {
        let (s, v) = send(&app, req).await;
        assert_eq!(s.as_u16(), code, "{what}: {v}");
    }
}

#[tokio::test]
async fn issue13_a_read_only_server_refuses_edits_with_403_before_any_other_refusal() {
    let app = app(true);
    for (what, req) in troublesome(Some(&format!("Bearer {SECRET}"))) {
        let (s, v) = send(&app, req).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{what}: {v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("read-only"),
            "{what}: {v}"
        );
    }
}

#[tokio::test]
async fn issue13_reads_and_queries_need_no_token() {
    let app = app(false);
    for uri in [
        "/ogcapi/collections/nursing_rooms/items?limit=1",
        "/api/nearest?layer=nursing_rooms&lon=120.62&lat=31.42",
        "/healthz",
    ] {
        let (s, v) = send(&app, Request::get(uri).body(Body::empty()).unwrap()).await;
        assert_eq!(s, StatusCode::OK, "{uri}: {v}");
    }
}
