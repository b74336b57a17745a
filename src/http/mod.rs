//! The HTTP face: `app(state) -> Router`. Handlers only extract parameters, call
//! [`crate::query`], and serialise; [`error`] is the only place statuses are chosen.

pub mod auth;
pub mod cache;
pub mod coverage;
pub mod edit;
pub mod error;
pub mod geojson;
pub mod harden;
pub mod isochrones;
pub mod lang;
pub mod layers;
pub mod nearest;
pub mod ogcapi;
pub mod openapi;
pub mod params;
pub mod routes;
pub mod tiles;

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use axum::extract::Request;
use axum::http::header;
use axum::routing::get;
use axum::Router;
use tower::ServiceBuilder;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::snapshot::Snapshot;
use error::AppError;

/// Where `scripts/setup.sh` builds the map's glyphs (`scripts/glyphs.sh`), relative to the
/// repository: the default of `serve --fonts`.
pub const DEFAULT_FONTS_DIR: &str = "target/fonts";

/// A bearer token allowed to edit, known by its name in the audit log.
#[derive(Clone)]
pub struct Token {
    /// Name written to the audit log (never the secret).
    pub name: String,
    /// The secret a client sends as `Authorization: Bearer <secret>`.
    pub secret: String,
}

/// The name only: a secret never reaches a log.
impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The last reload: when, whether it was taken, why not, and what changed.
#[derive(Clone, Debug)]
pub struct ReloadStatus {
    /// RFC 3339 time of the attempt.
    pub at: String,
    /// Whether the new data is being served.
    pub ok: bool,
    /// Why it was refused (the loader's messages, in both languages), when it was.
    pub problems: Vec<crate::lang::Text>,
    /// What changed, when it was taken.
    pub changes: Vec<crate::reload::LayerChanges>,
}

/// What handlers share: the current snapshot (swapped whole on edit or reload), where the
/// data and the front end live, the edit tokens, and the lock that serialises writers.
#[derive(Clone)]
pub struct AppState {
    snapshot: Arc<RwLock<Arc<Snapshot>>>,
    /// The `web/` folder served at `/`.
    pub web_dir: PathBuf,
    /// The MapLibre GL JS `dist` folder served at `/vendor/maplibre-gl@<version>/` (cached
    /// for a year) and `/vendor/maplibre-gl/` (revalidated).
    pub vendor_dir: PathBuf,
    /// The data directory (edits write here, reloads read here); None: read-only.
    pub data_dir: Option<PathBuf>,
    /// The append-only audit log of edits.
    pub audit_log: Option<PathBuf>,
    /// Tokens allowed to edit; empty means read-only.
    pub tokens: Arc<Vec<Token>>,
    /// Held by every writer (edits, reloads).
    pub writer: Arc<tokio::sync::Mutex<()>>,
    /// The last reload.
    pub last_reload: Arc<RwLock<Option<ReloadStatus>>>,
    /// Where heavy queries run (coverage, reviews, edits, reloads, searches past budget).
    pub pool: crate::pool::Pool,
    /// `serve --skip-invalid`: reloads serve the valid features and edits are judged on what
    /// they change (see [`crate::edit`]); off: any refused feature refuses a reload or edit.
    pub skip_invalid: bool,
    /// Where `open=now` and `open_now` take the time from, read once per request.
    pub clock: crate::query::hours::Clock,
    /// The roads' vector tiles cut so far ([`crate::tiles::TileCache`], bounded in bytes).
    pub tiles: Arc<crate::tiles::TileCache>,
    /// The SDF glyphs served at `/fonts/{fontstack}/{range}.pbf` (`serve --fonts`).
    pub fonts_dir: PathBuf,
}

impl AppState {
    /// Read-only state serving `snapshot`, the front end from `web_dir` and MapLibre from
    /// `vendor_dir`.
    pub fn new(snapshot: Snapshot, web_dir: PathBuf, vendor_dir: PathBuf) -> Self {
        AppState {
            snapshot: Arc::new(RwLock::new(Arc::new(snapshot))),
            web_dir,
            vendor_dir,
            data_dir: None,
            audit_log: None,
            tokens: Arc::new(Vec::new()),
            writer: Arc::new(tokio::sync::Mutex::new(())),
            last_reload: Arc::new(RwLock::new(None)),
            pool: crate::pool::Pool::default(),
            skip_invalid: false,
            clock: crate::query::hours::Clock::system(),
            tiles: Arc::new(crate::tiles::TileCache::default()),
            fonts_dir: PathBuf::from(DEFAULT_FONTS_DIR),
        }
    }

    /// Serve the glyphs of `dir` at `/fonts/` (default [`DEFAULT_FONTS_DIR`]).
    pub fn with_fonts(mut self, dir: PathBuf) -> Self {
        self.fonts_dir = dir;
        self
    }

    /// Run heavy queries on `pool` (sized by `--heavy-workers` and `--heavy-queue`).
    pub fn with_pool(mut self, pool: crate::pool::Pool) -> Self {
        self.pool = pool;
        self
    }

    /// Serve the valid features when some are refused, on reloads and edits as at the start.
    pub fn with_skip_invalid(mut self, on: bool) -> Self {
        self.skip_invalid = on;
        self
    }

    /// Take "now" from `clock` instead of the system clock (tests set the moment).
    pub fn with_clock(mut self, clock: crate::query::hours::Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Allow edits of the files in `data_dir` by `tokens`, audited to `audit_log`.
    pub fn with_editing(
        mut self,
        data_dir: PathBuf,
        audit_log: PathBuf,
        tokens: Vec<Token>,
    ) -> Self {
        self.data_dir = Some(data_dir);
        self.audit_log = Some(audit_log);
        self.tokens = Arc::new(tokens);
        self
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

    /// Reload the data directory: a bad file keeps the old data serving, and the reason is
    /// kept for `/api/layers`; a good one is swapped in with a report of what changed. Under
    /// `skip_invalid`, refused features do not refuse the reload: the rest is served, and each
    /// skipped one is logged and listed at `/api/layers`, as at the start.
    pub async fn reload(&self) -> ReloadStatus {
        let _w = self.writer.lock().await;
        let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let status = match &self.data_dir {
            None => ReloadStatus {
                at,
                ok: false,
                problems: vec![crate::text!(
                    "no data directory to reload",
                    "没有可重新加载的数据目录"
                )],
                changes: vec![],
            },
            Some(dir) => {
                let src = dir.clone();
                let old = self.snapshot();
                // On the heavy pool (a permit, never shed, stopped only by shutdown), so a
                // reload cannot take the cores that requests need.
                let loaded = self
                    .pool
                    .run_unbounded(move |_| Ok(crate::load::load_dir(&src)))
                    .await;
                match loaded {
                    Ok(Ok(snap)) if self.skip_invalid || !snap.report.has_errors() => {
                        for p in &snap.report.problems {
                            tracing::warn!("skipped: {}", dir.join(p.to_string()).display());
                        }
                        // What changed is worked out before the new data is served, so that
                        // whoever sees the new data also sees its report (set just below).
                        let new = Arc::new(snap);
                        let diff_of = new.clone();
                        let changes = self
                            .pool
                            .run_unbounded(move |d| Ok(crate::reload::diff(&old, &diff_of, d)))
                            .await
                            .unwrap_or_default();
                        match self.snapshot.write() {
                            Ok(mut g) => *g = new,
                            Err(p) => *p.into_inner() = new,
                        }
                        ReloadStatus {
                            at,
                            ok: true,
                            problems: vec![],
                            changes,
                        }
                    }
                    Ok(Ok(snap)) => ReloadStatus {
                        at,
                        ok: false,
                        problems: snap.report.problems.iter().map(|p| p.text()).collect(),
                        changes: vec![],
                    },
                    Ok(Err(e)) => ReloadStatus {
                        at,
                        ok: false,
                        // The catalog's own refusals are worded in English only.
                        problems: vec![crate::lang::Text::new(
                            e.to_string(),
                            format!("layers.toml 被拒收，未重新加载：{e}"),
                        )],
                        changes: vec![],
                    },
                    Err(e) => ReloadStatus {
                        at,
                        ok: false,
                        problems: vec![crate::text!(
                            "reload task failed: {e}",
                            "重新加载任务失败：{e}"
                        )],
                        changes: vec![],
                    },
                }
            }
        };
        if let Ok(mut g) = self.last_reload.write() {
            *g = Some(status.clone());
        }
        if status.ok {
            tracing::info!("reloaded: {} layers changed", status.changes.len());
        } else {
            tracing::warn!(
                "reload refused, old data still served: {}",
                status
                    .problems
                    .iter()
                    .map(|p| p.en())
                    .collect::<Vec<_>>()
                    .join("; ")
            );
        }
        status
    }
}

async fn api_fallback(req: Request) -> AppError {
    AppError::NoRoute(req.uri().path().to_string())
}

async fn method_fallback(req: Request) -> AppError {
    AppError::Method(req.method().to_string())
}

/// The MapLibre version of `vendor_dir` (its `dist` folder): `version` in the package's
/// `package.json`, one folder up; None when unreadable or not a plain version.
pub fn vendor_version(vendor_dir: &std::path::Path) -> Option<String> {
    let text = std::fs::read_to_string(vendor_dir.join("../package.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let version = v.get("version")?.as_str()?;
    let plain = !version.is_empty()
        && version
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+'));
    plain.then(|| version.to_string())
}

/// `app` as served over TLS: every request is marked `X-Forwarded-Proto: https` (replacing
/// what a client sent), as a TLS-terminating proxy in front of plain HTTP would mark it, so
/// the absolute links ([`ogcapi::base_url`]) say `https://` either way.
pub fn over_tls(app: Router) -> Router {
    app.layer(axum::middleware::map_request(
        |mut req: axum::extract::Request| async move {
            req.headers_mut().insert(
                ogcapi::FORWARDED_PROTO,
                axum::http::HeaderValue::from_static("https"),
            );
            req
        },
    ))
}

/// The whole service with the default [`harden::Hardening`].
pub fn app(state: AppState) -> Router {
    app_with(state, &harden::Hardening::default())
}

/// The whole service: JSON API, OGC API - Features, and the static front end, behind the
/// protective layers of `hardening`.
pub fn app_with(mut state: AppState, hardening: &harden::Hardening) -> Router {
    // Heavy queries end at the request timeout, inside their loops.
    state.pool = state.pool.with_timeout(hardening.timeout);
    let api = Router::new()
        .route("/healthz", get(layers::healthz))
        .route("/api/layers", get(layers::layers))
        .route("/api/nearest", get(nearest::nearest_handler))
        .route("/api/within", get(nearest::within_handler))
        .route("/api/isochrones", get(isochrones::isochrones_handler))
        .route(
            "/api/coverage",
            get(coverage::get_coverage).post(coverage::post_coverage),
        )
        .route("/api/routes", get(routes::list))
        .route(
            "/api/routes/review",
            axum::routing::post(routes::review_draft),
        )
        .route("/api/routes/{id}/review", get(routes::review_line))
        .route("/ogcapi", get(ogcapi::landing))
        .route("/ogcapi/", get(ogcapi::landing))
        .route("/ogcapi/conformance", get(ogcapi::conformance))
        .route("/ogcapi/api", get(ogcapi::api))
        .route("/ogcapi/collections", get(ogcapi::collections))
        .route("/ogcapi/collections/{layer}", get(ogcapi::collection))
        .route(
            "/ogcapi/collections/{layer}/items",
            get(ogcapi::items_handler).post(edit::create),
        )
        .route(
            "/ogcapi/collections/{layer}/items/{id}",
            get(ogcapi::item)
                .put(edit::replace)
                .patch(edit::patch)
                .delete(edit::delete),
        )
        // Served as /tiles/roads/{z}/{x}/{y}.mvt: a router parameter takes a whole segment,
        // so `{y}` holds "y.mvt" and the handler reads it.
        .route("/tiles/roads/{z}/{x}/{y}", get(tiles::roads))
        .route("/api/{*rest}", get(api_fallback))
        .route("/ogcapi/{*rest}", get(api_fallback))
        .method_not_allowed_fallback(method_fallback);
    // The shell and the unversioned vendor path: revalidated on each use (`Last-Modified`),
    // so an update is seen at once.
    let revalidate =
        || SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, cache::REVALIDATE);
    let web = ServiceBuilder::new()
        .layer(revalidate())
        .service(ServeDir::new(&state.web_dir).append_index_html_on_directories(true));
    let vendor = ServiceBuilder::new()
        .layer(revalidate())
        .service(ServeDir::new(&state.vendor_dir));
    // The glyphs of the map's labels: files built at set-up, revalidated like the shell.
    let fonts = ServiceBuilder::new()
        .layer(revalidate())
        .service(ServeDir::new(&state.fonts_dir));
    let mut api = api
        .nest_service("/vendor/maplibre-gl", vendor)
        .nest_service("/fonts", fonts);
    // The versioned path, `/vendor/maplibre-gl@<version>/`, never changes: cached for a year.
    match vendor_version(&state.vendor_dir) {
        Some(v) => {
            let versioned = ServiceBuilder::new()
                .layer(SetResponseHeaderLayer::overriding(
                    header::CACHE_CONTROL,
                    cache::IMMUTABLE,
                ))
                .service(ServeDir::new(&state.vendor_dir));
            api = api.nest_service(&format!("/vendor/maplibre-gl@{v}"), versioned);
        }
        None => tracing::warn!(
            "no MapLibre version in {}: /vendor/maplibre-gl@<version>/ is not served",
            state.vendor_dir.join("../package.json").display()
        ),
    }
    let router = api.fallback_service(web).with_state(state.clone());
    harden::harden(router, hardening, state)
}
