//! The app in-process, as axum's own tests call it (`app(state).oneshot(request)`, no
//! socket): the shipped sample data, an app on a snapshot, and one request with its answer
//! read whole. (The real process over sockets is `server.rs`.)

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use nestmap::snapshot::Snapshot;
use nestmap::AppState;
use serde_json::Value;
use tower::ServiceExt;

/// The shipped sample data, `data/geojson`.
pub fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/geojson")
}

/// The layers of `dir`, loaded; fails the test on any refusal.
pub fn load(dir: &Path) -> Snapshot {
    let snap = nestmap::load::load_dir(dir).unwrap_or_else(|e| panic!("{dir:?}: {e:?}"));
    assert!(
        !snap.report.has_errors(),
        "{dir:?}: {:#?}",
        snap.report.problems
    );
    snap
}

/// The sample data, loaded; fails the test on any refusal.
pub fn sample_snapshot() -> Snapshot {
    load(&sample_dir())
}

/// The state serving `snap`, with the front end and MapLibre from their usual places.
pub fn state(snap: Snapshot) -> AppState {
    AppState::new(snap, "web".into(), "node_modules/maplibre-gl/dist".into())
}

/// The app serving `snap`, with the default protective layers.
pub fn app(snap: Snapshot) -> Router {
    nestmap::app(state(snap))
}

/// The app serving the sample data.
pub fn sample_app() -> Router {
    app(sample_snapshot())
}

/// An answer read whole: status, headers, the body as text and as JSON (Null when it is
/// not JSON).
#[derive(Debug)]
pub struct Reply {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body as text (lossy UTF-8).
    pub text: String,
    /// Body as JSON, Null when it is not JSON.
    pub json: Value,
}

impl Reply {
    /// The `content-type` header, or "".
    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// Send `req` to `app` and read the whole answer.
pub async fn send(app: &Router, req: Request<Body>) -> Reply {
    let res = app.clone().oneshot(req).await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        text: String::from_utf8_lossy(&bytes).into_owned(),
        json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

/// Send `req` to `app`: status and JSON body.
pub async fn call(app: &Router, req: Request<Body>) -> (StatusCode, Value) {
    let r = send(app, req).await;
    (r.status, r.json)
}

/// `GET uri`: status and JSON body.
pub async fn get(app: &Router, uri: &str) -> (StatusCode, Value) {
    call(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

/// `POST uri` with a body of `content_type`: status and JSON body.
pub async fn post(
    app: &Router,
    uri: &str,
    content_type: &str,
    body: impl Into<Body>,
) -> (StatusCode, Value) {
    let req = Request::post(uri)
        .header("content-type", content_type)
        .body(body.into())
        .unwrap();
    call(app, req).await
}

/// `POST uri` with a JSON body: status and JSON body.
pub async fn post_json(app: &Router, uri: &str, body: &Value) -> (StatusCode, Value) {
    post(app, uri, "application/json", body.to_string()).await
}

/// The message of a refusal: fails the test unless the answer is a 400 with an error message.
pub fn refusal(status: StatusCode, v: &Value) -> &str {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    v["error"]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("a 400 without an error message: {v}"))
}
