//! The `nestmap` command: `serve` ([`nestmap::config`], then [`nestmap::serve`]), `check`,
//! `generate` and `import-osm` ([`nestmap::import::osm`]).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use nestmap::config::{ImportOsmArgs, ServeArgs};

/// Maps the places that help families in Xiangcheng District, Suzhou.
#[derive(Parser)]
#[command(name = "nestmap", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the layers over HTTP (or HTTPS with --tls-cert and --tls-key): the JSON API,
    /// OGC API - Features at /ogcapi, and the map at /.
    Serve(Box<ServeArgs>),
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
    /// Import a walking network from an OpenStreetMap extract (.osm.pbf) into a data
    /// directory: network.nnet and the roads layer, declared in its layers.toml.
    ImportOsm(ImportOsmArgs),
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
        Command::ImportOsm(args) => {
            let summary =
                nestmap::import::osm::import(&args.resolve()?).map_err(|e| e.to_string())?;
            println!("{summary}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(args) => {
            let tokens_env = std::env::var("NESTMAP_TOKENS").ok();
            nestmap::serve::serve(args.resolve(tokens_env.as_deref())?)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
