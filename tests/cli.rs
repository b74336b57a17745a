//! The command line on real processes: `nestmap check` prints its report and exits non-zero on
//! any error; `nestmap serve` refuses bad data unless `--skip-invalid`, which serves the rest
//! and logs each skipped feature.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::server::{get, Server};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_nestmap");

/// A copy of the sample data with two nursing rooms broken: one with an unknown venue type,
/// one with its position given as [lat, lon]. Returns the directory and the two ids.
fn broken_copy(name: &str) -> (PathBuf, String, String) {
    let dir = common::sample_copy("cli", name);
    let path = dir.join("nursing_rooms.geojson");
    let mut fc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let f = fc["features"].as_array_mut().unwrap();
    f[5]["properties"]["venue_type"] = Value::from("castle");
    let c = f[9]["geometry"]["coordinates"].clone();
    f[9]["geometry"]["coordinates"] = serde_json::json!([c[1], c[0]]);
    let ids = (
        f[5]["id"].as_str().unwrap().to_string(),
        f[9]["id"].as_str().unwrap().to_string(),
    );
    std::fs::write(&path, fc.to_string()).unwrap();
    (dir, ids.0, ids.1)
}

/// The two problems as every command words them.
fn problems(dir: &Path, bad_type: &str, swapped: &str) -> [String; 2] {
    let file = dir.join("nursing_rooms.geojson").display().to_string();
    [
        format!(
            r#"{file}: features[5] (id "{bad_type}"): field "venue_type": "castle" is not one of mall, hospital"#
        ),
        format!(r#"{file}: features[9] (id "{swapped}"): field "geometry.coordinates": latitude"#),
    ]
}

#[test]
fn check_passes_the_sample_and_fails_naming_every_problem() {
    let out = Command::new(BIN)
        .arg("check")
        .arg(common::app::sample_dir())
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("nursing_rooms: 58 features ok, 0 refused"),
        "{text}"
    );

    let (dir, a, b) = broken_copy("check");
    let out = Command::new(BIN).arg("check").arg(&dir).output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{text}");
    for p in problems(&dir, &a, &b) {
        assert!(text.contains(&p), "missing {p:?} in\n{text}");
    }
    assert!(
        text.contains("nursing_rooms: 56 features ok, 2 refused"),
        "{text}"
    );
    assert!(text.contains("2 problems found"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn serve_refuses_bad_data_and_serves_the_rest_with_skip_invalid() {
    let (dir, a, b) = broken_copy("serve");
    // Without --skip-invalid: no server, a non-zero exit, the problems and the way out.
    let mut child = Command::new(BIN)
        .args(["serve", "--addr", "127.0.0.1:0", "--data"])
        .arg(&dir)
        .env("RUST_LOG", "nestmap=info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("serve kept running on invalid data");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(!status.success(), "{out}{err}");
    assert!(!out.contains("serving on"), "{out}");
    for p in problems(&dir, &a, &b) {
        assert!(err.contains(&p), "missing {p:?} in\n{err}");
    }
    assert!(err.contains("--skip-invalid"), "{err}");

    // With --skip-invalid: serves the other 56 rooms and logs both skipped features.
    let server = Server::start(&dir, &["--skip-invalid"]);
    let layers = get(&server.addr, "/api/layers").expect("an answer").json;
    let log = server.log.clone();
    drop(server);
    let rooms = layers["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "nursing_rooms")
        .unwrap()
        .clone();
    assert_eq!(rooms["count"], 56, "{rooms}");
    let skipped = layers["skipped"].to_string();
    for id in [&a, &b] {
        assert!(
            skipped.contains(&format!("id \\\"{id}\\\"")),
            "{id} not in {skipped}"
        );
    }
    let text = std::fs::read_to_string(&log).unwrap();
    for p in problems(&dir, &a, &b) {
        assert!(
            text.lines()
                .any(|l| l.contains("skipped") && l.contains(&p)),
            "missing {p:?} in\n{text}"
        );
    }
    assert!(
        !text.contains('\u{1b}'),
        "colour codes in a log file:\n{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
