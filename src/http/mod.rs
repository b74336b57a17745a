//! The HTTP face: `app(state) -> Router`. Handlers only extract parameters, call
//! [`crate::query`], and serialise; [`error`] is the only place statuses are chosen.

pub mod coverage;
pub mod error;
pub mod geojson;
pub mod harden;
pub mod layers;
pub mod nearest;
pub mod ogcapi;
pub mod openapi;
pub mod params;
pub mod routes;

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use axum::extract::Request;
use axum::routing::get;
use axum::Router;
use tower_http::services::ServeDir;

use crate::snapshot::Snapshot;
use error::AppError;

/// What handlers share: the current snapshot (swapped whole on reload) and where the web
/// front end lives.
#[derive(Clone)]
pub struct AppState {
    snapshot: Arc<RwLock<Arc<Snapshot>>>,
    /// The `web/` folder served at `/`.
    pub web_dir: PathBuf,
    /// The MapLibre GL JS `dist` folder served at `/vendor/maplibre-gl/`.
    pub vendor_dir: PathBuf,
}

impl AppState {
    /// State serving `snapshot`, the front end from `web_dir` and MapLibre from `vendor_dir`.
    pub fn new(snapshot: Snapshot, web_dir: PathBuf, vendor_dir: PathBuf) -> Self {
        AppState {
            snapshot: Arc::new(RwLock::new(Arc::new(snapshot))),
            web_dir,
            vendor_dir,
        }
    }

    /// The current snapshot; cheap (an `Arc` clone), and unaffected by later swaps.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        match self.snapshot.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Replace the snapshot atomically: readers see the old one or the new one.
    pub fn swap(&self, next: Snapshot) {
        let next = Arc::new(next);
        match self.snapshot.write() {
            Ok(mut g) => *g = next,
            Err(poisoned) => *poisoned.into_inner() = next,
        }
    }
}

async fn api_fallback(req: Request) -> AppError {
    AppError::NoRoute(req.uri().path().to_string())
}

async fn method_fallback(req: Request) -> AppError {
    AppError::Method(req.method().to_string())
}

/// The whole service with the default [`harden::Hardening`].
pub fn app(state: AppState) -> Router {
    app_with(state, &harden::Hardening::default())
}

/// The whole service: JSON API, OGC API - Features, and the static front end, behind the
/// protective layers of `hardening`.
pub fn app_with(state: AppState, hardening: &harden::Hardening) -> Router {
    let api = Router::new()
        .route("/healthz", get(layers::healthz))
        .route("/api/layers", get(layers::layers))
        .route("/api/nearest", get(nearest::nearest_handler))
        .route("/api/within", get(nearest::within_handler))
        .route(
            "/api/coverage",
            get(coverage::get_coverage).post(coverage::post_coverage),
        )
        .route("/ogcapi", get(ogcapi::landing))
        .route("/ogcapi/", get(ogcapi::landing))
        .route("/ogcapi/conformance", get(ogcapi::conformance))
        .route("/ogcapi/api", get(ogcapi::api))
        .route("/ogcapi/collections", get(ogcapi::collections))
        .route("/ogcapi/collections/{layer}", get(ogcapi::collection))
        .route(
            "/ogcapi/collections/{layer}/items",
            get(ogcapi::items_handler),
        )
        .route("/ogcapi/collections/{layer}/items/{id}", get(ogcapi::item))
        .route("/api/{*rest}", get(api_fallback))
        .route("/ogcapi/{*rest}", get(api_fallback))
        .method_not_allowed_fallback(method_fallback);
    let web = ServeDir::new(&state.web_dir).append_index_html_on_directories(true);
    let vendor = ServeDir::new(&state.vendor_dir);
    let router = api
        .nest_service("/vendor/maplibre-gl", vendor)
        .fallback_service(web)
        .with_state(state);
    harden::harden(router, hardening)
}
