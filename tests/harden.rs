//! The protective layers (issue 7 hardening): 413, 408, 503 with JSON bodies, a caught panic
//! that says nothing internal, CORS same-origin by default, and every refusal a JSON 4xx.

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use nestmap::http::harden::{harden, Hardening};
use serde_json::Value;
use tower::ServiceExt;

fn test_router(h: &Hardening) -> Router {
    let r = Router::new()
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(1000)).await;
                "done"
            }),
        )
        .route(
            "/boom",
            get(|| async {
                if std::hint::black_box(true) {
                    panic!("secret internal detail");
                }
                "never"
            }),
        )
        .route(
            "/echo",
            post(|body: axum::body::Bytes| async move { body.len().to_string() }),
        );
    let state = nestmap::AppState::new(
        nestmap::snapshot::Snapshot::new(vec![], Default::default()),
        ".".into(),
        ".".into(),
    );
    harden(r, h, state)
}

async fn send(app: &Router, req: Request<Body>) -> (StatusCode, Value, axum::http::HeaderMap) {
    let r = common::app::send(app, req).await;
    (r.status, r.json, r.headers)
}

#[tokio::test]
async fn a_large_body_is_a_413_in_json() {
    let app = test_router(&Hardening {
        max_body_bytes: 1000,
        ..Default::default()
    });
    let (s, v, _) = send(
        &app,
        Request::post("/echo")
            .header("content-length", "5000")
            .body(Body::from(vec![b'x'; 5000]))
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(v["error"]["code"], "payload_too_large");
    let (s, _, _) = send(
        &app,
        Request::post("/echo")
            .body(Body::from(vec![b'x'; 500]))
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn a_slow_request_is_a_408_in_json() {
    let app = test_router(&Hardening {
        timeout: Duration::from_millis(50),
        ..Default::default()
    });
    let (s, v, _) = send(&app, Request::get("/slow").body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::REQUEST_TIMEOUT);
    assert_eq!(v["error"]["code"], "timeout");
}

#[tokio::test]
async fn past_the_concurrency_limit_requests_are_shed_with_503() {
    let app = test_router(&Hardening {
        max_concurrency: 1,
        ..Default::default()
    });
    let slow = tokio::spawn({
        let app = app.clone();
        async move {
            send(&app, Request::get("/slow").body(Body::empty()).unwrap())
                .await
                .0
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (s, v, _) = send(&app, Request::get("/slow").body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(v["error"]["code"], "overloaded");
    assert_eq!(slow.await.unwrap(), StatusCode::OK);
    // Capacity comes back once the first request is done.
    let (s, _, _) = send(&app, Request::get("/slow").body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn a_panic_is_a_500_that_says_nothing_internal() {
    let app = test_router(&Hardening::default());
    let (s, v, _) = send(&app, Request::get("/boom").body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(v["error"]["code"], "internal");
    assert!(!v.to_string().contains("secret"), "{v}");
    // And the service keeps answering.
    let (s, _, _) = send(&app, Request::post("/echo").body(Body::from("hi")).unwrap()).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn cors_is_same_origin_by_default_and_configurable() {
    let req = || {
        Request::get("/slow")
            .header("origin", "https://planner.example")
            .body(Body::empty())
            .unwrap()
    };
    let app = test_router(&Hardening::default());
    let (_, _, h) = send(&app, req()).await;
    assert!(h.get("access-control-allow-origin").is_none());
    let app = test_router(&Hardening {
        cors_origins: vec!["https://planner.example".into()],
        ..Default::default()
    });
    let (_, _, h) = send(&app, req()).await;
    assert_eq!(h["access-control-allow-origin"], "https://planner.example");
}

#[tokio::test]
async fn unknown_paths_and_static_misses_are_json_404s() {
    let app = common::app::app(nestmap::snapshot::Snapshot::new(vec![], Default::default()));
    for uri in [
        "/no/such/file.js",
        "/api/nope",
        "/ogcapi/collections/x/items/y/z",
    ] {
        let (s, v, _) = send(&app, Request::get(uri).body(Body::empty()).unwrap()).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(v["error"]["code"], "not_found", "{uri}");
    }
    let (s, v, _) = send(
        &app,
        Request::get("/ogcapi/collections/%FF/items")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(s.is_client_error(), "{s}");
    assert!(v["error"]["message"].is_string(), "{v}");
}

/// Issue 13: past the heavy queue a heavy request is shed at once with 503 and Retry-After
/// (load shedding, not the input's fault), while /healthz and a cheap nearest still answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue13_past_the_heavy_queue_a_request_is_shed_with_retry_after() {
    use nestmap::pool::{Pool, PoolConfig};
    let state =
        common::app::state(common::app::sample_snapshot()).with_pool(Pool::new(PoolConfig {
            permits: 1,
            queue: 0,
            timeout: Duration::from_secs(60),
        }));
    let app = nestmap::app_with(
        state,
        &Hardening {
            timeout: Duration::from_secs(60),
            ..Default::default()
        },
    );
    let heavy = || {
        Request::post("/api/coverage")
            .header("content-type", "application/json")
            .body(Body::from(common::heavy_coverage().to_string()))
            .unwrap()
    };
    let first = tokio::spawn({
        let app = app.clone();
        async move { app.oneshot(heavy()).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let t = std::time::Instant::now();
    let (s, v, headers) = send(&app, heavy()).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{v}");
    assert!(t.elapsed() < Duration::from_secs(1), "not shed at once");
    assert_eq!(v["error"]["code"], "overloaded");
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=10).contains(&retry), "Retry-After {retry}");
    for uri in [
        "/healthz",
        "/api/nearest?layer=nursing_rooms&lon=120.62&lat=31.42",
    ] {
        let (s, v, _) = send(&app, Request::get(uri).body(Body::empty()).unwrap()).await;
        assert_eq!(s, StatusCode::OK, "{uri} while the pool is full: {v}");
    }
    first.abort();
}
