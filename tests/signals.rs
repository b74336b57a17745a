//! The real `nestmap serve` process and its signals: SIGHUP reloads the data directory (a bad
//! file keeps the old data serving, and says why at `/api/layers`); SIGTERM stops accepting,
//! lets an in-flight request finish, and closes what is left when the grace period ends.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn data_copy(name: &str) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/geojson");
    let dir = std::env::temp_dir().join(format!("nestmap-signals-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for e in std::fs::read_dir(&src).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
        }
    }
    dir
}

/// A server process, killed when dropped.
struct Server {
    child: Child,
    addr: String,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &Path, grace_s: u32) -> Server {
    let log = dir.join("server.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_nestmap"))
        .args(["serve", "--addr", "127.0.0.1:0", "--shutdown-grace-s"])
        .arg(grace_s.to_string())
        .arg("--data")
        .arg(dir)
        .env("RUST_LOG", "nestmap=info")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while out.read(&mut byte).unwrap_or(0) == 1 && byte[0] != b'\n' {
        line.push(byte[0]);
    }
    let line = String::from_utf8_lossy(&line).to_string();
    let addr = line
        .rsplit("http://")
        .next()
        .filter(|_| line.contains("serving on"))
        .unwrap_or_else(|| panic!("server did not start: {line:?}"))
        .trim()
        .to_string();
    Server { child, addr, log }
}

fn signal(server: &Server, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &server.child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig} failed");
}

/// One request on a fresh connection: status and JSON body.
fn get(addr: &str, path: &str) -> Option<(u16, Value)> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf);
    let status = text.get(9..12)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n")?.1;
    // Bodies may be chunked: take the JSON between the first '{' and the last '}'.
    let json = &body[body.find('{')?..=body.rfind('}')?];
    Some((status, serde_json::from_str(json).ok()?))
}

/// Poll `check` every 100 ms until it holds, for at most 60 s.
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("never happened: {what}");
}

fn layer_count(addr: &str, layer: &str) -> Option<u64> {
    let (_, v) = get(addr, "/api/layers")?;
    v["layers"].as_array()?.iter().find(|l| l["id"] == layer)?["count"].as_u64()
}

#[test]
fn sighup_reloads_the_files_and_a_bad_file_keeps_the_old_data() {
    let dir = data_copy("hup");
    let server = start(&dir, 5);
    let before = layer_count(&server.addr, "nursing_rooms").expect("layers answer");

    // Drop the last nursing room from the file, then SIGHUP.
    let path = dir.join("nursing_rooms.geojson");
    let mut fc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let removed = fc["features"].as_array_mut().unwrap().pop().unwrap();
    let removed_id = removed["id"].as_str().unwrap().to_string();
    std::fs::write(&path, fc.to_string()).unwrap();
    signal(&server, "-HUP");
    eventually("the reload drops one nursing room", || {
        layer_count(&server.addr, "nursing_rooms") == Some(before - 1)
    });
    let (_, v) = get(&server.addr, "/api/layers").unwrap();
    assert_eq!(v["reload"]["ok"], true, "{v}");
    let changes = v["reload"]["changes"].as_array().unwrap();
    let rooms = changes
        .iter()
        .find(|c| c["layer"] == "nursing_rooms")
        .unwrap();
    assert_eq!(rooms["removed"], serde_json::json!([removed_id]));
    let item = format!("/ogcapi/collections/nursing_rooms/items/{removed_id}");
    assert_eq!(get(&server.addr, &item).unwrap().0, 404);

    // A broken file: the old data keeps serving and /api/layers says why.
    std::fs::write(&path, "{ \"type\": \"FeatureCollection\", \"features\": [").unwrap();
    signal(&server, "-HUP");
    eventually("the failed reload is reported", || {
        get(&server.addr, "/api/layers").is_some_and(|(_, v)| v["reload"]["ok"] == false)
    });
    let (status, v) = get(&server.addr, "/api/layers").unwrap();
    assert_eq!(status, 200);
    let why = v["reload"]["problems"][0].as_str().unwrap();
    assert!(
        why.contains("nursing_rooms.geojson") && why.contains("invalid JSON"),
        "{why}"
    );
    assert_eq!(layer_count(&server.addr, "nursing_rooms"), Some(before - 1));
    let (status, _) = get(
        &server.addr,
        "/api/nearest?layer=nursing_rooms&lon=120.64&lat=31.42&k=5",
    )
    .unwrap();
    assert_eq!(status, 200);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sigterm_finishes_in_flight_requests_then_closes_the_rest_at_the_deadline() {
    let dir = data_copy("term");
    let mut server = start(&dir, 3);
    assert_eq!(get(&server.addr, "/healthz").unwrap().0, 200);

    // Two requests in flight: each has sent its headers and half its body.
    let body = br#"{"layer":"nursing_rooms","profile":"walk15"}"#;
    let head = format!(
        "POST /api/coverage HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let half = body.len() / 2;
    let mut finishing = TcpStream::connect(&server.addr).unwrap();
    let mut stuck = TcpStream::connect(&server.addr).unwrap();
    for s in [&mut finishing, &mut stuck] {
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(&body[..half]).unwrap();
    }
    std::thread::sleep(Duration::from_millis(300));
    signal(&server, "-TERM");

    // New connections are refused once the server has stopped accepting.
    eventually("the listener closes", || {
        TcpStream::connect(&server.addr).is_err()
    });
    // The process is still there, finishing what is in flight.
    assert!(server.child.try_wait().unwrap().is_none());

    // One in-flight request completes during the grace period, with its whole answer.
    finishing.write_all(&body[half..]).unwrap();
    let mut answer = Vec::new();
    finishing.read_to_end(&mut answer).unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "{}",
        &answer[..answer.len().min(300)]
    );
    assert!(answer.contains("covered_population_share"));

    // The other never sends the rest: at the deadline the server closes it and exits 0.
    let mut status = None;
    eventually("the process exits after the grace period", || {
        status = server.child.try_wait().unwrap();
        status.is_some()
    });
    assert!(status.unwrap().success(), "{status:?}");
    let mut rest = Vec::new();
    let _ = stuck.read_to_end(&mut rest);
    assert!(
        rest.is_empty() || !String::from_utf8_lossy(&rest).starts_with("HTTP/1.1 5"),
        "no 5xx for the unfinished request"
    );
    let log = std::fs::read_to_string(&server.log).unwrap();
    assert!(
        log.contains("shutting down: in-flight requests get 3 s"),
        "{log}"
    );
    assert!(log.contains("shutdown deadline passed"), "{log}");
    let _ = std::fs::remove_dir_all(&dir);
}
