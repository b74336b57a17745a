//! The `nestmap` command: `serve`, `check` and `generate`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Maps the places that help families in Xiangcheng District, Suzhou.
#[derive(Parser)]
#[command(name = "nestmap", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the layers over HTTP: the JSON API, OGC API - Features at /ogcapi, and the map at /.
    Serve {
        /// Data directory holding layers.toml and the GeoJSON files.
        #[arg(long, default_value = "data/geojson")]
        data: PathBuf,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// Serve the valid features even when some are refused (each skipped one is logged).
        #[arg(long)]
        skip_invalid: bool,
        /// The front end folder served at /.
        #[arg(long, default_value = "web")]
        web: PathBuf,
        /// MapLibre GL JS's dist folder, served at /vendor/maplibre-gl/.
        #[arg(long, default_value = "node_modules/maplibre-gl/dist")]
        vendor: PathBuf,
        /// Largest request body in bytes (413 beyond).
        #[arg(long, default_value_t = 1 << 20)]
        max_body_bytes: usize,
        /// Seconds to answer a request (408 beyond).
        #[arg(long, default_value_t = 30)]
        timeout_s: u64,
        /// Requests served at once; more are refused with 503 at once.
        #[arg(long, default_value_t = 512)]
        max_concurrency: usize,
        /// Heavy queries (coverage, reviews, edits, big searches) running at once; 0: one
        /// per core.
        #[arg(long, default_value_t = 0)]
        heavy_workers: usize,
        /// Heavy queries waiting for a worker at most; more get 503 with Retry-After at once.
        #[arg(long, default_value_t = 16)]
        heavy_queue: usize,
        /// An origin allowed to call the API from another site (repeatable); none: same-origin only.
        #[arg(long = "cors-origin")]
        cors_origins: Vec<String>,
        /// File of edit tokens, one `name:secret` a line (`#` comments). Also read: the
        /// environment variable NESTMAP_TOKENS (`name:secret,name2:secret2`). None: read-only.
        #[arg(long)]
        tokens_file: Option<PathBuf>,
        /// Append-only audit log of edits (JSON lines).
        #[arg(long, default_value = "audit.jsonl")]
        audit_log: PathBuf,
        /// Seconds in-flight requests get to finish after SIGTERM or Ctrl-C.
        #[arg(long, default_value_t = 10)]
        shutdown_grace_s: u64,
    },
    /// Validate every layer and print what would be refused; exits 1 on any error.
    Check {
        /// Data directory holding layers.toml and the GeoJSON files.
        #[arg(default_value = "data/geojson")]
        dir: PathBuf,
    },
    /// Regenerate the sample data (real district data + synthetic facilities), byte for byte.
    Generate {
        /// The real data folder (district outline, lakes, NBS names).
        #[arg(long, default_value = "data/real")]
        shared: PathBuf,
        /// Where to write.
        #[arg(long, default_value = "data/geojson")]
        out: PathBuf,
        /// Seed of the generator.
        #[arg(long, default_value_t = 320507)]
        seed: u64,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "nestmap=info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        // Colours only on a terminal: a log file or journal gets plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match run(Cli::parse().command) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("nestmap: {msg}");
            ExitCode::from(2)
        }
    }
}

fn run(cmd: Command) -> Result<ExitCode, String> {
    match cmd {
        Command::Check { dir } => {
            let snap = nestmap::load::load_dir(&dir).map_err(|e| e.to_string())?;
            for (id, kept, refused) in &snap.report.counts {
                println!("{id}: {kept} features ok, {refused} refused");
            }
            for p in &snap.report.problems {
                println!("error: {}", dir.join(p.to_string()).display());
            }
            if snap.report.has_errors() {
                println!("{} problems found", snap.report.problems.len());
                Ok(ExitCode::from(1))
            } else {
                println!("all layers valid");
                Ok(ExitCode::SUCCESS)
            }
        }
        Command::Generate { shared, out, seed } => {
            std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
            for line in nestmap::sample::generate(&shared, &out, seed)? {
                println!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            data,
            addr,
            skip_invalid,
            web,
            vendor,
            max_body_bytes,
            timeout_s,
            max_concurrency,
            heavy_workers,
            heavy_queue,
            cors_origins,
            tokens_file,
            audit_log,
            shutdown_grace_s,
        } => {
            let tokens = read_tokens(tokens_file.as_deref())?;
            if max_concurrency == 0 || timeout_s == 0 || max_body_bytes == 0 {
                return Err(
                    "--max-concurrency, --timeout-s and --max-body-bytes must be above 0".into(),
                );
            }
            let hardening = nestmap::http::harden::Hardening {
                max_body_bytes,
                timeout: std::time::Duration::from_secs(timeout_s),
                max_concurrency,
                cors_origins,
            };
            let started = std::time::Instant::now();
            let snap = nestmap::load::load_dir(&data).map_err(|e| e.to_string())?;
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
                    match nestmap::store::remove_stale_temp(&dir) {
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
            let defaults = nestmap::pool::PoolConfig::default();
            let pool = nestmap::pool::Pool::new(nestmap::pool::PoolConfig {
                permits: if heavy_workers == 0 {
                    defaults.permits
                } else {
                    heavy_workers
                },
                queue: heavy_queue,
                timeout: hardening.timeout,
            });
            tracing::info!(
                "heavy queries: {} at once, {} waiting at most, {} s deadline",
                pool.config().permits,
                pool.config().queue,
                timeout_s
            );
            let state = nestmap::AppState::new(snap, web, vendor)
                .with_editing(data.clone(), audit_log, tokens)
                .with_pool(pool.clone())
                .with_skip_invalid(skip_invalid);
            let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
            let served = rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind(&addr)
                    .await
                    .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
                let local = listener.local_addr().map_err(|e| e.to_string())?;
                tracing::info!("serving on http://{local}");
                println!("nestmap serving on http://{local}");
                let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
                let reloader = state.clone();
                let server = axum::serve(listener, nestmap::app_with(state, &hardening))
                    .with_graceful_shutdown({
                        let mut rx = stop_rx.clone();
                        async move {
                            let _ = rx.wait_for(|s| *s).await;
                        }
                    });
                let mut server = std::pin::pin!(std::future::IntoFuture::into_future(server));
                tokio::spawn(reload_on_sighup(reloader));
                tokio::select! {
                    r = &mut server => return r.map_err(|e| e.to_string()),
                    _ = shutdown_signal() => {}
                }
                tracing::info!("shutting down: in-flight requests get {shutdown_grace_s} s");
                let _ = stop_tx.send(true);
                match tokio::time::timeout(std::time::Duration::from_secs(shutdown_grace_s), server)
                    .await
                {
                    Ok(r) => r.map_err(|e| e.to_string()),
                    Err(_) => {
                        tracing::warn!(
                            "shutdown deadline passed; stopping heavy queries and closing the remaining connections"
                        );
                        Ok(())
                    }
                }
            });
            // Heavy queries still running stop at their next deadline check; the runtime
            // then gives its blocking threads a moment, never waiting on them for good.
            pool.shut_down();
            rt.shutdown_timeout(std::time::Duration::from_secs(2));
            served?;
            Ok(ExitCode::SUCCESS)
        }
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
async fn reload_on_sighup(state: nestmap::AppState) {
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

/// Edit tokens from the file and the NESTMAP_TOKENS variable.
fn read_tokens(file: Option<&std::path::Path>) -> Result<Vec<nestmap::http::Token>, String> {
    let mut text = String::new();
    if let Some(f) = file {
        text = std::fs::read_to_string(f)
            .map_err(|e| format!("{}: cannot read the tokens file: {e}", f.display()))?;
    }
    if let Ok(env) = std::env::var("NESTMAP_TOKENS") {
        text.push('\n');
        text.push_str(&env.replace(',', "\n"));
    }
    let mut out: Vec<nestmap::http::Token> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((name, secret)) = line.split_once(':') else {
            return Err(format!("tokens line {}: expected name:secret", n + 1));
        };
        if name.trim().is_empty() || secret.trim().len() < 8 {
            return Err(format!(
                "tokens line {}: a token needs a name and a secret of at least 8 characters",
                n + 1
            ));
        }
        out.push(nestmap::http::Token {
            name: name.trim().into(),
            secret: secret.trim().into(),
        });
    }
    Ok(out)
}
