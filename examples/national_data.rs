//! Writes the synthetic national benchmark data set (never committed):
//!
//! ```sh
//! cargo run --release --example national_data -- --out target/national --n 1000000
//! ```
//!
//! Into `--out`: `layers.toml` (one `generic` layer, `facilities`), `facilities.geojson`
//! (points, and `--polygon-share` of small polygons, default 0.1), `facilities.tsv` (the same
//! geometries as `id<TAB>WKT` for PostGIS `COPY`), and `queries.tsv` (`--queries` positions
//! drawn like the facilities, `lon<TAB>lat`, for the load generators). Deterministic: the same
//! `--seed` writes the same bytes.

#[path = "common/national.rs"]
mod national;

use std::fmt::Write as _;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use national::{footprint, queries, site, Rng, CITIES};

struct Args {
    out: PathBuf,
    n: usize,
    seed: u64,
    polygon_share: f64,
    queries: usize,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        out: PathBuf::from("target/national"),
        n: 1_000_000,
        seed: 2024,
        polygon_share: 0.1,
        queries: 10_000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().ok_or_else(|| format!("{k} needs a value"));
        match k.as_str() {
            "--out" => a.out = PathBuf::from(v()?),
            "--n" => a.n = v()?.parse().map_err(|e| format!("--n: {e}"))?,
            "--seed" => a.seed = v()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--polygon-share" => {
                a.polygon_share = v()?.parse().map_err(|e| format!("--polygon-share: {e}"))?
            }
            "--queries" => a.queries = v()?.parse().map_err(|e| format!("--queries: {e}"))?,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(a)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a = args()?;
    std::fs::create_dir_all(&a.out)?;
    std::fs::write(
        a.out.join("layers.toml"),
        "# Synthetic national benchmark data: written by `cargo run --release --example national_data`.\n\
         [[layer]]\nid = \"facilities\"\ntitle_zh = \"设施（合成）\"\ntitle_en = \"Facilities (synthetic)\"\n\
         kind = \"generic\"\nfile = \"facilities.geojson\"\ncrs = \"wgs84\"\nservice_radius_m = 1000\n",
    )?;
    let mut gj = BufWriter::with_capacity(
        1 << 20,
        std::fs::File::create(a.out.join("facilities.geojson"))?,
    );
    let mut tsv = BufWriter::with_capacity(
        1 << 20,
        std::fs::File::create(a.out.join("facilities.tsv"))?,
    );
    gj.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")?;
    let mut rng = Rng::new(a.seed);
    let mut shape = Rng::new(a.seed ^ 0x504f_4c59);
    let (mut coords, mut wkt) = (String::new(), String::new());
    let mut polygons = 0usize;
    for i in 0..a.n {
        let s = site(&mut rng);
        coords.clear();
        wkt.clear();
        let polygon = shape.f64() < a.polygon_share;
        if polygon {
            polygons += 1;
            let ring = footprint(&mut shape, s.lon, s.lat);
            coords.push_str("{\"type\":\"Polygon\",\"coordinates\":[[");
            wkt.push_str("SRID=4326;POLYGON((");
            for (j, p) in ring.iter().enumerate() {
                let sep = if j > 0 { "," } else { "" };
                write!(coords, "{sep}[{:.7},{:.7}]", p[0], p[1])?;
                write!(wkt, "{sep}{:.7} {:.7}", p[0], p[1])?;
            }
            coords.push_str("]]}");
            wkt.push_str("))");
        } else {
            write!(
                coords,
                "{{\"type\":\"Point\",\"coordinates\":[{:.7},{:.7}]}}",
                s.lon, s.lat
            )?;
            write!(wkt, "SRID=4326;POINT({:.7} {:.7})", s.lon, s.lat)?;
        }
        let sep = if i + 1 < a.n { "," } else { "" };
        writeln!(
            gj,
            "{{\"type\":\"Feature\",\"id\":\"f{i}\",\"geometry\":{coords},\"properties\":{{\"name\":\"设施 {i}\",\"city\":\"{}\"}}}}{sep}",
            CITIES[s.city].0
        )?;
        writeln!(tsv, "{i}\t{wkt}")?;
    }
    gj.write_all(b"]}\n")?;
    gj.flush()?;
    tsv.flush()?;
    let mut q = BufWriter::new(std::fs::File::create(a.out.join("queries.tsv"))?);
    for p in queries(a.queries, a.seed) {
        writeln!(q, "{:.6}\t{:.6}", p[0], p[1])?;
    }
    q.flush()?;
    println!(
        "wrote {} facilities ({polygons} polygons) and {} queries to {}",
        a.n,
        a.queries,
        a.out.display()
    );
    Ok(())
}
