//! Running the server from a [`Config`]: load the data (refusing to start on refused
//! features unless `skip_invalid`), tidy what an interrupted edit left, start the heavy pool
//! and the runtime, listen, reload on SIGHUP, and shut down on SIGTERM or Ctrl-C: in-flight
//! requests get the grace period, then the pool's work is stopped and the runtime closed
//! within 2 s, never waiting on a stuck thread for good. With a [`Tls`] configuration the
//! same server speaks HTTPS: [`TlsListener`] hands axum connections whose handshake is done,
//! so the limits, the pool and the shutdown are those of plain HTTP.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::{rustls, server::TlsStream, TlsAcceptor};

use crate::config::{Config, Tls};
use crate::pool::Pool;
use crate::AppState;

/// How long the runtime waits for its blocking threads at exit.
const RUNTIME_SHUTDOWN: Duration = Duration::from_secs(2);

/// Serve until a shutdown signal; `Err` says why the server could not start or failed.
pub fn serve(config: Config) -> Result<(), String> {
    let Config {
        data,
        addr,
        skip_invalid,
        web,
        vendor,
        fonts,
        hardening,
        pool,
        tokens,
        audit_log,
        shutdown_grace,
        tls,
        clock,
    } = config;
    let started = Instant::now();
    let snap = crate::load::load_dir(&data).map_err(|e| e.to_string())?;
    if snap.report.has_errors() {
        for p in &snap.report.problems {
            tracing::warn!("skipped: {}", data.join(p.to_string()).display());
        }
        if !skip_invalid {
            return Err(format!(
                "{} problems in {} (listed above); fix them, run `nestmap check {}`, or start with --skip-invalid to serve the rest",
                snap.report.problems.len(),
                data.display(),
                data.display()
            ));
        }
    }
    let features: usize = snap.layers.iter().map(|l| l.features.len()).sum();
    tracing::info!(
        "loaded {} layers, {features} features in {:.0} ms",
        snap.layers.len(),
        started.elapsed().as_secs_f64() * 1e3
    );
    if !vendor.join("maplibre-gl.js").exists() && !vendor.join("maplibre-gl.mjs").exists() {
        tracing::warn!(
            "{} has no MapLibre GL JS: run `npm ci` for the map page",
            vendor.display()
        );
    }
    if !fonts.is_dir() {
        tracing::warn!(
            "{} holds no glyphs: street names are not drawn; run scripts/setup.sh (it builds them there) or pass --fonts",
            fonts.display()
        );
    }
    if tokens.is_empty() {
        tracing::info!("no edit tokens configured: read-only");
    } else {
        // A kill during an edit can leave a temporary file beside a layer file.
        let mut dirs: Vec<PathBuf> = snap
            .layers
            .iter()
            .filter_map(|l| data.join(&l.spec.file).parent().map(PathBuf::from))
            .collect();
        dirs.sort();
        dirs.dedup();
        for dir in dirs {
            match crate::store::remove_stale_temp(&dir) {
                Ok(removed) => removed.iter().for_each(|p| {
                    tracing::info!("removed {} left by an interrupted edit", p.display())
                }),
                Err(e) => tracing::warn!("cannot tidy {}: {e}", dir.display()),
            }
        }
        tracing::info!(
            "edits allowed for {} token(s), audited to {}",
            tokens.len(),
            audit_log.display()
        );
    }
    let pool = Pool::new(pool);
    tracing::info!(
        "heavy queries: {} at once, {} waiting at most, {} s deadline",
        pool.config().permits,
        pool.config().queue,
        pool.config().timeout.as_secs()
    );
    let state = AppState::new(snap, web, vendor)
        .with_fonts(fonts)
        .with_editing(data.clone(), audit_log, tokens)
        .with_pool(pool.clone())
        .with_skip_invalid(skip_invalid);
    let state = match clock {
        None => state,
        Some(at) => {
            tracing::warn!("--clock: answering as if the local time were always {at}");
            state.with_clock(crate::query::hours::Clock::from_fn(move || at))
        }
    };
    let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    let served = rt.block_on(async move {
        let listener = TcpListener::bind(&addr)
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        let local = listener.local_addr().map_err(|e| e.to_string())?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        if let Some(Tls { cert, key, .. }) = &tls {
            tracing::info!("TLS: {} with {}", cert.display(), key.display());
        }
        tracing::info!("serving on {scheme}://{local}");
        println!("nestmap serving on {scheme}://{local}");
        tokio::spawn(reload_on_sighup(state.clone()));
        let app = crate::app_with(state, &hardening);
        match tls {
            None => until_stopped(listener, app, shutdown_grace).await,
            Some(tls) => {
                let app = crate::http::over_tls(app);
                until_stopped(
                    TlsListener::new(listener, local, tls.server),
                    app,
                    shutdown_grace,
                )
                .await
            }
        }
    });
    // Heavy queries still running stop at their next deadline check; the runtime then gives
    // its blocking threads a moment, never waiting on them for good.
    pool.shut_down();
    rt.shutdown_timeout(RUNTIME_SHUTDOWN);
    served
}

/// Serve `app` on `listener` until SIGTERM or Ctrl-C, then stop accepting and give in-flight
/// requests `grace`.
async fn until_stopped<L>(listener: L, app: axum::Router, grace: Duration) -> Result<(), String>
where
    L: axum::serve::Listener<Addr = SocketAddr>,
{
    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        let _ = stop_rx.wait_for(|s| *s).await;
    });
    let mut server = std::pin::pin!(std::future::IntoFuture::into_future(server));
    tokio::select! {
        r = &mut server => return r.map_err(|e| e.to_string()),
        _ = shutdown_signal() => {}
    }
    tracing::info!(
        "shutting down: in-flight requests get {} s",
        grace.as_secs()
    );
    let _ = stop_tx.send(true);
    match tokio::time::timeout(grace, server).await {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(_) => {
            tracing::warn!(
                "shutdown deadline passed; stopping heavy queries and closing the remaining connections"
            );
            Ok(())
        }
    }
}

/// How long a client has to finish its TLS handshake.
const TLS_HANDSHAKE: Duration = Duration::from_secs(10);

/// TLS connections for `axum::serve`. A task accepts TCP connections and shakes hands with
/// each on a task of its own, so a slow or silent client holds up no one (and is dropped
/// after [`TLS_HANDSHAKE`]); a client that is not speaking TLS (plain HTTP to this port) gets
/// a TLS alert and the connection is closed. `accept` hands over the finished handshakes.
/// When axum drops the listener at shutdown, the accepting task ends and the port closes.
struct TlsListener {
    ready: tokio::sync::mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    /// Accept on `tcp`, bound at `local`.
    fn new(tcp: TcpListener, local: SocketAddr, config: Arc<rustls::ServerConfig>) -> TlsListener {
        let (tx, ready) = tokio::sync::mpsc::channel(64);
        let acceptor = TlsAcceptor::from(config);
        tokio::spawn(async move {
            loop {
                let (stream, peer) = tokio::select! {
                    r = tcp.accept() => match r {
                        Ok(c) => c,
                        Err(e) => {
                            accept_error(e).await;
                            continue;
                        }
                    },
                    _ = tx.closed() => return,
                };
                let (acceptor, tx) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    match tokio::time::timeout(TLS_HANDSHAKE, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => {
                            let _ = tx.send((tls, peer)).await;
                        }
                        Ok(Err(e)) => tracing::debug!("TLS handshake with {peer} failed: {e}"),
                        Err(_) => tracing::debug!("TLS handshake with {peer} timed out"),
                    }
                });
            }
        });
        TlsListener { ready, local }
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(c) => c,
            // Only if the accepting task is gone; axum then waits for the shutdown signal.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(self.local)
    }
}

/// As axum's own listener does: a connection that failed before it was accepted is that
/// client's problem; anything else (out of file descriptors) is logged and waited out.
async fn accept_error(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if !matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        tracing::error!("accept error: {e}");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

/// Reload the data directory on every SIGHUP.
async fn reload_on_sighup(state: AppState) {
    #[cfg(unix)]
    {
        let Ok(mut hup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        else {
            tracing::warn!("cannot listen for SIGHUP: reload by restarting");
            return;
        };
        while hup.recv().await.is_some() {
            tracing::info!("SIGHUP: reloading");
            state.reload().await;
        }
    }
    #[cfg(not(unix))]
    let _ = state;
}
