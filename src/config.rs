//! `nestmap serve`'s configuration in two stages: [`ServeArgs`] as parsed from the command
//! line, then [`ServeArgs::resolve`] checks every value and reads the token file and the
//! `NESTMAP_TOKENS` variable into a [`Config`] the server starts from, and the TLS
//! certificate and key (PEM) into a rustls configuration ([`read_tls`]). Nothing is listened
//! on or loaded here, so each refusal can be tested on its own.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio_rustls::rustls;

use crate::http::harden::Hardening;
use crate::http::Token;
use crate::pool::PoolConfig;

/// The flags of `nestmap serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Data directory holding layers.toml and the GeoJSON files.
    #[arg(long, default_value = "data/geojson")]
    pub data: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Serve the valid features even when some are refused (each skipped one is logged).
    #[arg(long)]
    pub skip_invalid: bool,
    /// The front end folder served at /.
    #[arg(long, default_value = "web")]
    pub web: PathBuf,
    /// MapLibre GL JS's dist folder, served at /vendor/maplibre-gl/.
    #[arg(long, default_value = "node_modules/maplibre-gl/dist")]
    pub vendor: PathBuf,
    /// The map labels' SDF glyphs (one folder per font stack of `{start}-{end}.pbf` files),
    /// served at /fonts/; scripts/setup.sh builds them there.
    #[arg(long, default_value = crate::http::DEFAULT_FONTS_DIR)]
    pub fonts: PathBuf,
    /// Largest request body in bytes (413 beyond).
    #[arg(long, default_value_t = 1 << 20)]
    pub max_body_bytes: usize,
    /// Seconds to answer a request (408 beyond).
    #[arg(long, default_value_t = 30)]
    pub timeout_s: u64,
    /// Requests served at once; more are refused with 503 at once.
    #[arg(long, default_value_t = 512)]
    pub max_concurrency: usize,
    /// Heavy queries (coverage, reviews, edits, big searches) running at once; 0: one
    /// per core.
    #[arg(long, default_value_t = 0)]
    pub heavy_workers: usize,
    /// Heavy queries waiting for a worker at most; more get 503 with Retry-After at once.
    #[arg(long, default_value_t = 16)]
    pub heavy_queue: usize,
    /// An origin allowed to call the API from another site (repeatable); none: same-origin only.
    #[arg(long = "cors-origin")]
    pub cors_origins: Vec<String>,
    /// File of edit tokens, one `name:secret` a line (`#` comments). Also read: the
    /// environment variable NESTMAP_TOKENS (`name:secret,name2:secret2`). None: read-only.
    #[arg(long)]
    pub tokens_file: Option<PathBuf>,
    /// Append-only audit log of edits (JSON lines).
    #[arg(long, default_value = "audit.jsonl")]
    pub audit_log: PathBuf,
    /// Seconds in-flight requests get to finish after SIGTERM or Ctrl-C.
    #[arg(long, default_value_t = 10)]
    pub shutdown_grace_s: u64,
    /// Serve HTTPS with this certificate chain (PEM, the server's certificate first); needs
    /// --tls-key. Without both: plain HTTP (phones allow geolocation and service workers over
    /// plain HTTP only on localhost).
    #[arg(long, value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM: PKCS#8, RSA or EC); needs --tls-cert.
    #[arg(long, value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
    /// Answer as if Suzhou's local time were always this instant (`2026-10-01T12:00`, or
    /// with an offset): `open=now`, `open_now` and the hours lines read it. For demonstrations
    /// and tests of the hours; never for a real service.
    #[arg(long, value_name = "LOCAL_TIME")]
    pub clock: Option<String>,
}

/// The flags of `nestmap import-osm` (checked by [`ImportOsmArgs::resolve`]).
#[derive(Debug, Clone, clap::Args)]
pub struct ImportOsmArgs {
    /// The OpenStreetMap extract, an .osm.pbf file (Geofabrik, BBBike, osmium extract).
    #[arg(value_name = "FILE.osm.pbf")]
    pub file: PathBuf,
    /// Keep only what lies inside the polygons of this layer of DIR/layers.toml (e.g. district).
    #[arg(long, value_name = "LAYER_ID", conflicts_with = "bbox")]
    pub clip: Option<String>,
    /// Keep only what lies inside this box, WGS84 degrees.
    #[arg(
        long,
        value_name = "MINLON,MINLAT,MAXLON,MAXLAT",
        allow_hyphen_values = true
    )]
    pub bbox: Option<String>,
    /// The data directory to write network.nnet and roads.geojson into and declare them in
    /// its layers.toml (created when absent).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

impl ImportOsmArgs {
    /// Check the flags: `--bbox` must be four numbers in range with min below max.
    pub fn resolve(self) -> Result<crate::import::osm::ImportOptions, String> {
        use crate::import::area::AreaChoice;
        let area = match (self.clip, self.bbox) {
            (Some(id), _) => AreaChoice::Clip(id),
            (None, Some(b)) => AreaChoice::BBox(parse_bbox(&b)?),
            (None, None) => AreaChoice::Whole,
        };
        Ok(crate::import::osm::ImportOptions {
            file: self.file,
            area,
            out: self.out,
        })
    }
}

/// `minlon,minlat,maxlon,maxlat` in degrees, or a message naming `--bbox` and what is wrong.
pub fn parse_bbox(text: &str) -> Result<[f64; 4], String> {
    let fail = |why: String| {
        format!(
            "--bbox {text:?}: {why}; expected minlon,minlat,maxlon,maxlat in WGS84 degrees, such as 120.45,31.33,120.80,31.60"
        )
    };
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    if parts.len() != 4 {
        return Err(fail(format!("{} values, not 4", parts.len())));
    }
    let mut b = [0.0; 4];
    for (i, (p, name)) in parts
        .iter()
        .zip(["minlon", "minlat", "maxlon", "maxlat"])
        .enumerate()
    {
        b[i] = p
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| fail(format!("{name} {p:?} is not a number")))?;
        let limit = if i % 2 == 0 { 180.0 } else { 90.0 };
        if b[i].abs() > limit {
            return Err(fail(format!("{name} {p} is outside -{limit}..{limit}")));
        }
    }
    if b[0] >= b[2] || b[1] >= b[3] {
        return Err(fail("each min must be below its max".into()));
    }
    Ok(b)
}

/// A checked configuration: everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// The data directory.
    pub data: PathBuf,
    /// Address to listen on.
    pub addr: String,
    /// Serve the valid features when some are refused.
    pub skip_invalid: bool,
    /// The front end folder.
    pub web: PathBuf,
    /// MapLibre's dist folder.
    pub vendor: PathBuf,
    /// The glyphs' folder.
    pub fonts: PathBuf,
    /// Body limit, timeout, concurrency and CORS.
    pub hardening: Hardening,
    /// The heavy pool.
    pub pool: PoolConfig,
    /// Edit tokens; empty: read-only.
    pub tokens: Vec<Token>,
    /// The audit log.
    pub audit_log: PathBuf,
    /// Grace for in-flight requests at shutdown.
    pub shutdown_grace: Duration,
    /// HTTPS; None: plain HTTP.
    pub tls: Option<Tls>,
    /// A fixed local time (`--clock`); None: the system clock.
    pub clock: Option<chrono::NaiveDateTime>,
}

/// HTTPS: the files given and the rustls configuration read from them.
#[derive(Debug, Clone)]
pub struct Tls {
    /// `--tls-cert`.
    pub cert: PathBuf,
    /// `--tls-key`.
    pub key: PathBuf,
    /// What the listener shakes hands with (HTTP/1.1 by ALPN, the ring provider).
    pub server: Arc<rustls::ServerConfig>,
}

/// The shortest secret accepted, characters.
pub const MIN_SECRET_CHARS: usize = 8;

impl ServeArgs {
    /// Check the values and read the tokens (the file, then `tokens_env`: the value of
    /// `NESTMAP_TOKENS`, passed in so that tests need not set the process environment).
    pub fn resolve(self, tokens_env: Option<&str>) -> Result<Config, String> {
        for (flag, v) in [
            ("--max-concurrency", self.max_concurrency as u64),
            ("--timeout-s", self.timeout_s),
            ("--max-body-bytes", self.max_body_bytes as u64),
        ] {
            if v == 0 {
                return Err(format!("{flag} must be above 0"));
            }
        }
        let tls = match (self.tls_cert, self.tls_key) {
            (None, None) => None,
            (Some(_), None) => {
                return Err(
                    "--tls-cert was given without --tls-key: HTTPS needs both (PEM files), plain HTTP neither".into(),
                )
            }
            (None, Some(_)) => {
                return Err(
                    "--tls-key was given without --tls-cert: HTTPS needs both (PEM files), plain HTTP neither".into(),
                )
            }
            (Some(cert), Some(key)) => Some(Tls {
                server: read_tls(&cert, &key)?,
                cert,
                key,
            }),
        };
        let clock = match &self.clock {
            None => None,
            Some(s) if s.trim().eq_ignore_ascii_case("now") => {
                return Err("--clock needs a date-time such as 2026-10-01T12:00, not \"now\" (leave it out for the system clock)".into())
            }
            Some(s) => Some(
                crate::query::hours::parse_moment(s, crate::query::hours::local_now())
                    .map_err(|e| format!("--clock: {e}"))?,
            ),
        };
        let tokens = read_tokens(self.tokens_file.as_deref(), tokens_env)?;
        let timeout = Duration::from_secs(self.timeout_s);
        let defaults = PoolConfig::default();
        Ok(Config {
            hardening: Hardening {
                max_body_bytes: self.max_body_bytes,
                timeout,
                max_concurrency: self.max_concurrency,
                cors_origins: self.cors_origins,
            },
            pool: PoolConfig {
                permits: match self.heavy_workers {
                    0 => defaults.permits,
                    n => n,
                },
                queue: self.heavy_queue,
                timeout,
            },
            tokens,
            data: self.data,
            addr: self.addr,
            skip_invalid: self.skip_invalid,
            web: self.web,
            vendor: self.vendor,
            fonts: self.fonts,
            audit_log: self.audit_log,
            shutdown_grace: Duration::from_secs(self.shutdown_grace_s),
            tls,
            clock,
        })
    }
}

/// The rustls server configuration for a PEM certificate chain and its private key. Refusals
/// name the file and why: unreadable, no PEM certificate or key in it, a key that is not the
/// certificate's, or a certificate rustls cannot use.
pub fn read_tls(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, String> {
    use rustls::pki_types::pem::{self, PemObject};
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};

    let read = |path: &Path, flag: &str| {
        std::fs::read(path).map_err(|e| format!("{}: cannot read {flag}: {e}", path.display()))
    };
    let cert_pem = read(cert, "the TLS certificate (--tls-cert)")?;
    let key_pem = read(key, "the TLS key (--tls-key)")?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| {
            format!(
                "{}: not a PEM certificate (--tls-cert): {e}",
                cert.display()
            )
        })?;
    if chain.is_empty() {
        return Err(format!(
            "{}: no certificate in it (--tls-cert wants PEM: -----BEGIN CERTIFICATE-----)",
            cert.display()
        ));
    }
    let private = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| match e {
        pem::Error::NoItemsFound => format!(
            "{}: no private key in it (--tls-key wants PEM: -----BEGIN PRIVATE KEY-----, or RSA / EC PRIVATE KEY)",
            key.display()
        ),
        e => format!("{}: not a PEM private key (--tls-key): {e}", key.display()),
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .map_err(|e| match e {
            rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch) => format!(
                "{}: this key is not the key of the certificate in {}",
                key.display(),
                cert.display()
            ),
            e => format!(
                "{} with {}: cannot be used for TLS: {e}",
                cert.display(),
                key.display()
            ),
        })?;
    // The server speaks HTTP/1.1 only (axum's http1 feature).
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Edit tokens from the file, then from `env` (`name:secret` pairs separated by commas). A
/// line is `name:secret`; blank lines and `#` comments are skipped. Refusals name the source
/// and the line.
pub fn read_tokens(
    file: Option<&std::path::Path>,
    env: Option<&str>,
) -> Result<Vec<Token>, String> {
    let mut sources: Vec<(String, String)> = Vec::new();
    if let Some(f) = file {
        let text = std::fs::read_to_string(f)
            .map_err(|e| format!("{}: cannot read the tokens file: {e}", f.display()))?;
        sources.push((format!("{} line", f.display()), text));
    }
    if let Some(env) = env {
        sources.push(("NESTMAP_TOKENS entry".into(), env.replace(',', "\n")));
    }
    let mut out: Vec<Token> = Vec::new();
    for (source, text) in &sources {
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at = format!("{source} {}", n + 1);
            let Some((name, secret)) = line.split_once(':') else {
                return Err(format!("{at}: expected name:secret"));
            };
            if name.trim().is_empty() || secret.trim().chars().count() < MIN_SECRET_CHARS {
                return Err(format!(
                    "{at}: a token needs a name and a secret of at least {MIN_SECRET_CHARS} characters"
                ));
            }
            if out.iter().any(|t| t.name == name.trim()) {
                return Err(format!(
                    "{at}: the token name {:?} is used twice (the audit log tells edits apart by it)",
                    name.trim()
                ));
            }
            out.push(Token {
                name: name.trim().into(),
                secret: secret.trim().into(),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeArgs,
    }

    fn args(flags: &[&str]) -> ServeArgs {
        let argv = std::iter::once("serve").chain(flags.iter().copied());
        Cli::try_parse_from(argv).expect("flags parse").serve
    }

    #[test]
    fn defaults_resolve_to_a_read_only_server_with_a_pool_per_core() {
        let c = args(&[]).resolve(None).unwrap();
        assert!(c.tokens.is_empty());
        assert_eq!(c.pool.permits, PoolConfig::default().permits);
        assert_eq!(c.pool.queue, 16);
        assert_eq!(c.pool.timeout, Duration::from_secs(30));
        assert_eq!(c.hardening.timeout, Duration::from_secs(30));
        assert_eq!(c.hardening.max_body_bytes, 1 << 20);
        assert_eq!(c.shutdown_grace, Duration::from_secs(10));
    }

    #[test]
    fn the_pool_takes_the_timeout_and_the_workers_given() {
        let c = args(&[
            "--timeout-s",
            "3",
            "--heavy-workers",
            "5",
            "--heavy-queue",
            "0",
        ])
        .resolve(None)
        .unwrap();
        assert_eq!((c.pool.permits, c.pool.queue), (5, 0));
        assert_eq!(c.pool.timeout, Duration::from_secs(3));
    }

    #[test]
    fn zero_limits_are_refused_by_flag() {
        for flag in ["--max-concurrency", "--timeout-s", "--max-body-bytes"] {
            let e = args(&[flag, "0"]).resolve(None).unwrap_err();
            assert!(e.starts_with(flag), "{e}");
        }
    }

    #[test]
    fn tls_flags_come_in_pairs() {
        assert!(args(&[]).resolve(None).unwrap().tls.is_none());
        let e = args(&["--tls-cert", "a.pem"]).resolve(None).unwrap_err();
        assert!(
            e.starts_with("--tls-cert was given without --tls-key"),
            "{e}"
        );
        let e = args(&["--tls-key", "k.pem"]).resolve(None).unwrap_err();
        assert!(
            e.starts_with("--tls-key was given without --tls-cert"),
            "{e}"
        );
        let e = args(&[
            "--tls-cert",
            "/nonexistent/a.pem",
            "--tls-key",
            "/nonexistent/k.pem",
        ])
        .resolve(None)
        .unwrap_err();
        assert!(
            e.starts_with("/nonexistent/a.pem: cannot read the TLS certificate"),
            "{e}"
        );
    }

    #[test]
    fn tokens_come_from_the_file_and_the_environment() {
        let dir = std::env::temp_dir().join(format!("nestmap-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("tokens");
        std::fs::write(&file, "# the federation\nfed: secret-0001\n\n").unwrap();
        let c = args(&["--tokens-file", file.to_str().unwrap()])
            .resolve(Some("planner:secret-0002,bus:secret-0003"))
            .unwrap();
        let names: Vec<&str> = c.tokens.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["fed", "planner", "bus"]);
        assert_eq!(c.tokens[0].secret, "secret-0001");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_bbox_is_four_degrees_in_range_min_below_max() {
        assert_eq!(
            parse_bbox("120.45, 31.33,120.8,31.6").unwrap(),
            [120.45, 31.33, 120.8, 31.6]
        );
        assert_eq!(parse_bbox("-0.5,51.2,0.3,51.7").unwrap()[0], -0.5);
        for (bad, why) in [
            ("120.4,31.3,120.8", "3 values, not 4"),
            ("120.4,31.3,120.8,31.6,1", "5 values, not 4"),
            ("a,31.3,120.8,31.6", "minlon \"a\" is not a number"),
            ("120.4,31.3,120.8,NaN", "maxlat \"NaN\" is not a number"),
            ("120.4,95,120.8,96", "minlat 95 is outside -90..90"),
            ("200,31.3,201,31.6", "minlon 200 is outside -180..180"),
            ("120.8,31.3,120.4,31.6", "each min must be below its max"),
            ("120.4,31.3,120.4,31.6", "each min must be below its max"),
        ] {
            let e = parse_bbox(bad).unwrap_err();
            assert!(e.starts_with("--bbox ") && e.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn bad_tokens_are_refused_naming_the_source_and_line() {
        let cases = [
            (
                "a:12345678,nosecret",
                "NESTMAP_TOKENS entry 2: expected name:secret",
            ),
            (
                "a:short",
                "NESTMAP_TOKENS entry 1: a token needs a name and a secret of at least 8",
            ),
            (":12345678", "NESTMAP_TOKENS entry 1: a token needs a name"),
            (
                "a:12345678,a:87654321",
                "NESTMAP_TOKENS entry 2: the token name \"a\" is used twice",
            ),
        ];
        for (env, want) in cases {
            let e = read_tokens(None, Some(env)).unwrap_err();
            assert!(e.starts_with(want), "{env:?}: {e}");
        }
        let e = read_tokens(Some(std::path::Path::new("/nonexistent/tokens")), None).unwrap_err();
        assert!(
            e.starts_with("/nonexistent/tokens: cannot read the tokens file"),
            "{e}"
        );
    }
}
