//! The real `nestmap serve` process and its signals: SIGHUP reloads the data directory (a bad
//! file keeps the old data serving, and says why at `/api/layers`; under `--skip-invalid` a
//! refused feature is skipped as at the start, and blocks no edit); SIGTERM stops accepting,
//! lets an in-flight request finish, and closes what is left when the grace period ends.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::server::{get, request, Answer, Server};
use serde_json::Value;

fn data_copy(name: &str) -> PathBuf {
    common::sample_copy("signals", name)
}

/// A server on `dir` whose in-flight requests get `grace_s` after SIGTERM.
fn start(dir: &Path, grace_s: u32) -> Server {
    Server::start(dir, &["--shutdown-grace-s", &grace_s.to_string()])
}

/// A path as a command-line argument (the tests' temporary directories are UTF-8).
fn arg(p: &Path) -> &str {
    p.to_str().unwrap()
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
    let v = get(addr, "/api/layers")?.json;
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
    server.signal("-HUP");
    eventually("the reload drops one nursing room", || {
        layer_count(&server.addr, "nursing_rooms") == Some(before - 1)
    });
    let v = get(&server.addr, "/api/layers").unwrap().json;
    assert_eq!(v["reload"]["ok"], true, "{v}");
    let changes = v["reload"]["changes"].as_array().unwrap();
    let rooms = changes
        .iter()
        .find(|c| c["layer"] == "nursing_rooms")
        .unwrap();
    assert_eq!(rooms["removed"], serde_json::json!([removed_id]));
    let item = format!("/ogcapi/collections/nursing_rooms/items/{removed_id}");
    assert_eq!(get(&server.addr, &item).unwrap().status, 404);

    // A broken file: the old data keeps serving and /api/layers says why.
    std::fs::write(&path, "{ \"type\": \"FeatureCollection\", \"features\": [").unwrap();
    server.signal("-HUP");
    eventually("the failed reload is reported", || {
        get(&server.addr, "/api/layers").is_some_and(|a| a.json["reload"]["ok"] == false)
    });
    let Answer {
        status, json: v, ..
    } = get(&server.addr, "/api/layers").unwrap();
    assert_eq!(status, 200);
    let why = v["reload"]["problems"][0].as_str().unwrap();
    assert!(
        why.contains("nursing_rooms.geojson") && why.contains("invalid JSON"),
        "{why}"
    );
    assert_eq!(layer_count(&server.addr, "nursing_rooms"), Some(before - 1));
    let status = get(
        &server.addr,
        "/api/nearest?layer=nursing_rooms&lon=120.64&lat=31.42&k=5",
    )
    .unwrap()
    .status;
    assert_eq!(status, 200);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sigterm_finishes_in_flight_requests_then_closes_the_rest_at_the_deadline() {
    let dir = data_copy("term");
    let mut server = start(&dir, 3);
    assert_eq!(get(&server.addr, "/healthz").unwrap().status, 200);

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
    server.signal("-TERM");

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

/// A nursing room like the sample's first one, with this id and position.
fn room(dir: &Path, id: &str, lon: f64, lat: f64) -> String {
    let fc: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("nursing_rooms.geojson")).unwrap())
            .unwrap();
    let mut f = fc["features"][0].clone();
    f["id"] = Value::from(id);
    f["geometry"]["coordinates"] = serde_json::json!([lon, lat]);
    f.to_string()
}

/// One request of any method, with extra headers and a body: status and JSON body (Null
/// when the answer has none).
fn send(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, Value) {
    let a = request(
        addr,
        method,
        path,
        headers,
        body.as_bytes(),
        Duration::from_secs(30),
    )
    .expect("an answer");
    (a.status, a.json)
}

fn post_room(addr: &str, auth: Option<&str>, body: &str) -> (u16, Value) {
    let mut headers = vec![("Content-Type", "application/geo+json")];
    if let Some(a) = auth {
        headers.push(("Authorization", a));
    }
    send(
        addr,
        "POST",
        "/ogcapi/collections/nursing_rooms/items",
        &headers,
        body,
    )
}

/// A server on `dir` that reads edit tokens from `tokens_file` and `NESTMAP_TOKENS` (`env`)
/// and writes its audit log to `audit`.
fn start_editing(dir: &Path, tokens_file: &Path, audit: &Path, env: Option<&str>) -> Server {
    let flags = [
        "--shutdown-grace-s",
        "5",
        "--tokens-file",
        arg(tokens_file),
        "--audit-log",
        arg(audit),
    ];
    Server::start_with(dir, &flags, env)
}

#[test]
fn tokens_from_the_file_and_the_environment_allow_edits_and_the_audit_names_them() {
    let dir = data_copy("tokens");
    let (file_secret, env_secret, env_secret2) =
        ("f1le-s3cret-9a7c", "env-s3cret-41d2", "env-s3cret-88e0");
    let tokens = dir.join("tokens.txt");
    std::fs::write(
        &tokens,
        format!("# planners\n\nalice:{file_secret}\n# carol is in the environment\n"),
    )
    .unwrap();
    let audit = dir.join("audit.jsonl");
    let server = start_editing(
        &dir,
        &tokens,
        &audit,
        Some(&format!("bob:{env_secret},carol:{env_secret2}")),
    );
    let layers = get(&server.addr, "/api/layers").unwrap().json;
    assert_eq!(layers["editable"], true, "{layers}");
    let before = layer_count(&server.addr, "nursing_rooms").unwrap();

    // Refused: no token (401), an unknown one (403), a token's name instead of its secret
    // (403), a secret that is a prefix of a real one (403). None of them changes anything.
    let refused = [
        (None, 401, "t-none"),
        (Some("Bearer not-a-configured-token"), 403, "t-wrong"),
        (Some("Bearer alice"), 403, "t-name"),
        (Some("Bearer f1le-s3cret"), 403, "t-prefix"),
    ];
    for (auth, want, id) in refused {
        let (status, v) = post_room(&server.addr, auth, &room(&dir, id, 120.64, 31.42));
        assert_eq!(status, want, "{auth:?}: {v}");
        assert!(v["error"]["message"].as_str().is_some(), "{v}");
        let item = format!("/ogcapi/collections/nursing_rooms/items/{id}");
        assert_eq!(get(&server.addr, &item).unwrap().status, 404);
    }
    assert!(
        !audit.exists() || std::fs::read_to_string(&audit).unwrap().is_empty(),
        "refused edits are not audited"
    );

    // Allowed: the file's token and both of the environment's.
    let allowed = [
        ("alice", file_secret, "t-file"),
        ("bob", env_secret, "t-env-1"),
        ("carol", env_secret2, "t-env-2"),
    ];
    for (k, (name, secret, id)) in allowed.iter().enumerate() {
        let auth = format!("Bearer {secret}");
        let (status, v) = post_room(
            &server.addr,
            Some(&auth),
            &room(&dir, id, 120.64 + 0.001 * k as f64, 31.42),
        );
        assert_eq!(status, 201, "{name}: {v}");
        let item = format!("/ogcapi/collections/nursing_rooms/items/{id}");
        let Answer {
            status, json: v, ..
        } = get(&server.addr, &item).unwrap();
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["id"], *id);
    }
    assert_eq!(
        layer_count(&server.addr, "nursing_rooms"),
        Some(before + allowed.len() as u64)
    );

    // The audit log: one line per accepted edit, naming the token, never its secret.
    let text = std::fs::read_to_string(&audit).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), allowed.len(), "{text}");
    for (line, (name, _, id)) in lines.iter().zip(&allowed) {
        assert_eq!(line["token"], *name, "{line}");
        assert_eq!(line["id"], *id, "{line}");
        assert_eq!(line["layer"], "nursing_rooms", "{line}");
        assert_eq!(line["op"], "create", "{line}");
        assert!(
            line["before"].is_null() && line["after"].is_object(),
            "{line}"
        );
    }
    let log = std::fs::read_to_string(&server.log).unwrap();
    for secret in [file_secret, env_secret, env_secret2] {
        assert!(
            !text.contains(secret),
            "the audit log holds a secret: {text}"
        );
        assert!(
            !log.contains(secret),
            "the server log holds a secret: {log}"
        );
    }
    assert!(log.contains("edits allowed for 3 token(s)"), "{log}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn with_no_token_configured_the_real_process_is_read_only() {
    let dir = data_copy("readonly");
    // A tokens file of comments only configures no token.
    let tokens = dir.join("tokens.txt");
    std::fs::write(&tokens, "# nobody may edit yet\n\n").unwrap();
    let audit = dir.join("audit.jsonl");
    let server = start_editing(&dir, &tokens, &audit, None);
    let layers = get(&server.addr, "/api/layers").unwrap().json;
    assert_eq!(layers["editable"], false, "{layers}");
    let before = layer_count(&server.addr, "nursing_rooms").unwrap();
    let file_before = std::fs::read(dir.join("nursing_rooms.geojson")).unwrap();
    for auth in [None, Some("Bearer some-token-1234")] {
        let (status, v) = post_room(&server.addr, auth, &room(&dir, "t-ro", 120.64, 31.42));
        assert_eq!(status, 403, "{auth:?}: {v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("read-only"),
            "{v}"
        );
    }
    let mut headers = vec![("Authorization", "Bearer some-token-1234")];
    let (status, v) = send(
        &server.addr,
        "DELETE",
        "/ogcapi/collections/nursing_rooms/items/nr-01",
        &headers,
        "",
    );
    assert_eq!(status, 403, "{v}");
    headers.push(("Content-Type", "application/geo+json"));
    let (status, v) = send(
        &server.addr,
        "PUT",
        "/ogcapi/collections/nursing_rooms/items/nr-01",
        &headers,
        &room(&dir, "nr-01", 120.64, 31.42),
    );
    assert_eq!(status, 403, "{v}");
    assert_eq!(layer_count(&server.addr, "nursing_rooms"), Some(before));
    let item = "/ogcapi/collections/nursing_rooms/items/nr-01";
    assert_eq!(get(&server.addr, item).unwrap().status, 200);
    assert_eq!(
        std::fs::read(dir.join("nursing_rooms.geojson")).unwrap(),
        file_before
    );
    assert!(!audit.exists(), "nothing to audit on a read-only server");
    let log = std::fs::read_to_string(&server.log).unwrap();
    assert!(
        log.contains("no edit tokens configured: read-only"),
        "{log}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `/api/coverage` of one layer at the reload report's settings (district, 100 m cells, the
/// layer's own radius), with `suggest` new sites.
fn coverage_of(addr: &str, layer: &str, suggest: u32) -> Value {
    let a = get(
        addr,
        &format!(
            "/api/coverage?layer={layer}&profile=layer&area=320507&cell_m=100&suggest={suggest}"
        ),
    )
    .expect("a coverage answer");
    assert_eq!(a.status, 200, "{}", a.json);
    a.json
}

/// `(area, population)` covered shares, exact, from an `/api/coverage` answer's counts.
fn shares_of(cov: &Value) -> (f64, f64) {
    let t = &cov["totals"];
    let n = |k: &str| t[k].as_f64().unwrap();
    (
        n("covered_cells") / n("cells"),
        n("covered_population") / n("population_total"),
    )
}

fn read_fc(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_reload_report_gives_the_changes_and_coverage_shares_before_and_after() {
    let dir = data_copy("report");
    let server = start(&dir, 5);
    let rooms_before = coverage_of(&server.addr, "nursing_rooms", 2);
    let stations_before = coverage_of(&server.addr, "service_stations", 0);

    // Nursing rooms: remove one, move one to the best new site, add one at the second best,
    // rename one (a property change, not a move).
    let rooms_path = dir.join("nursing_rooms.geojson");
    let mut rooms = read_fc(&rooms_path);
    let site = |k: usize| {
        let s = &rooms_before["suggestions"][k];
        serde_json::json!([s["lon"].as_f64().unwrap(), s["lat"].as_f64().unwrap()])
    };
    let feats = rooms["features"].as_array_mut().unwrap();
    let removed = feats.remove(3);
    feats[5]["geometry"]["coordinates"] = site(0);
    feats[7]["properties"]["name"] = Value::from("示例母婴室 改名");
    let mut added = feats[0].clone();
    added["id"] = Value::from("nr-new");
    added["geometry"]["coordinates"] = site(1);
    feats.push(added);
    let (moved, renamed) = (feats[5]["id"].clone(), feats[7]["id"].clone());
    std::fs::write(&rooms_path, rooms.to_string()).unwrap();
    // Service stations (a GCJ-02 file): one moved ~3 km east.
    let stations_path = dir.join("service_stations.geojson");
    let mut stations = read_fc(&stations_path);
    let s0 = &mut stations["features"][0];
    let lon = s0["geometry"]["coordinates"][0].as_f64().unwrap();
    s0["geometry"]["coordinates"][0] = Value::from(lon + 0.03);
    let station_moved = s0["id"].clone();
    std::fs::write(&stations_path, stations.to_string()).unwrap();

    server.signal("-HUP");
    eventually("the reload is reported", || {
        get(&server.addr, "/api/layers").is_some_and(|a| a.json["reload"]["ok"] == true)
    });
    let v = get(&server.addr, "/api/layers").unwrap().json;
    let changes = v["reload"]["changes"].as_array().unwrap();
    let of = |layer: &str| {
        changes
            .iter()
            .find(|c| c["layer"] == layer)
            .unwrap_or_else(|| panic!("no report for {layer}: {v}"))
            .clone()
    };
    let ids = |c: &Value, k: &str| c[k].as_array().unwrap().clone();
    let r = of("nursing_rooms");
    assert_eq!(ids(&r, "removed"), vec![removed["id"].clone()], "{r}");
    assert_eq!(ids(&r, "moved"), vec![moved], "{r}");
    assert_eq!(ids(&r, "added"), vec![Value::from("nr-new")], "{r}");
    assert_eq!(ids(&r, "changed"), vec![renamed], "{r}");
    let s = of("service_stations");
    assert_eq!(ids(&s, "moved"), vec![station_moved], "{s}");
    for k in ["added", "removed", "changed"] {
        assert!(ids(&s, k).is_empty(), "{s}");
    }
    // The edited layers, and every other facility layer with its shares unchanged (the
    // edit touched no district, water or demand data): equal to its coverage answer now.
    let layers = get(&server.addr, "/api/layers").unwrap().json;
    let facility_kinds = [
        "nursing_rooms",
        "child_friendly_communities",
        "pocket_parks",
        "service_stations",
        "generic",
    ];
    let facility: Vec<&str> = layers["layers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| facility_kinds.contains(&l["kind"].as_str().unwrap()))
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert!(facility.len() >= 4, "{layers}");
    let mut reported: Vec<&str> = changes
        .iter()
        .map(|c| c["layer"].as_str().unwrap())
        .collect();
    reported.sort_unstable();
    let mut want = facility.clone();
    want.sort_unstable();
    assert_eq!(reported, want, "{v}");
    for layer in facility
        .iter()
        .filter(|l| !["nursing_rooms", "service_stations"].contains(l))
    {
        let c = of(layer);
        for k in ["added", "moved", "removed", "changed"] {
            assert!(ids(&c, k).is_empty(), "{c}");
        }
        let now = shares_of(&coverage_of(&server.addr, layer, 0));
        for k in ["coverage_before", "coverage_after"] {
            let got = (
                c[k]["area"].as_f64().unwrap(),
                c[k]["population"].as_f64().unwrap(),
            );
            assert!(
                (got.0 - now.0).abs() < 1e-12 && (got.1 - now.1).abs() < 1e-12,
                "{c}: {k} {now:?}"
            );
        }
    }

    // Shares before: the coverage answer before the reload; after: the answer now.
    let rooms_after = coverage_of(&server.addr, "nursing_rooms", 0);
    let stations_after = coverage_of(&server.addr, "service_stations", 0);
    for (c, before, after) in [
        (&r, &rooms_before, &rooms_after),
        (&s, &stations_before, &stations_after),
    ] {
        let (b, a) = (shares_of(before), shares_of(after));
        let got = |k: &str| {
            (
                c[k]["area"].as_f64().unwrap(),
                c[k]["population"].as_f64().unwrap(),
            )
        };
        let close =
            |x: (f64, f64), y: (f64, f64)| (x.0 - y.0).abs() < 1e-12 && (x.1 - y.1).abs() < 1e-12;
        assert!(close(got("coverage_before"), b), "{c}: before {b:?}");
        assert!(close(got("coverage_after"), a), "{c}: after {a:?}");
        assert!(a.0 != b.0 && a.1 != b.1, "the edit changes coverage: {c}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `/api/layers`' `skipped` list.
fn skipped(addr: &str) -> Vec<String> {
    let v = get(addr, "/api/layers").expect("layers answer").json;
    v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect()
}

fn edit(addr: &str, method: &str, path: &str, body: &str) -> (u16, Value) {
    let ct = if method == "PATCH" {
        "application/merge-patch+json"
    } else {
        "application/geo+json"
    };
    let headers = [
        ("Content-Type", ct),
        ("Authorization", "Bearer hup-s3cret-77"),
    ];
    send(addr, method, path, &headers, body)
}

#[test]
fn under_skip_invalid_sighup_skips_a_refused_feature_and_edits_go_on() {
    const ITEMS: &str = "/ogcapi/collections/nursing_rooms/items";
    for skip_invalid in [true, false] {
        let dir = data_copy(&format!("hup-skip-{skip_invalid}"));
        let audit = dir.join("audit.jsonl");
        let mut flags = vec!["--shutdown-grace-s", "5", "--audit-log", arg(&audit)];
        if skip_invalid {
            flags.push("--skip-invalid");
        }
        let server = Server::start_with(&dir, &flags, Some("planner:hup-s3cret-77"));
        let before = layer_count(&server.addr, "nursing_rooms").unwrap();

        // A hand edit breaks nr-02's opening hours; then SIGHUP.
        let path = dir.join("nursing_rooms.geojson");
        let broken = common::hand_edit(&path, "nr-02", |f| {
            f["properties"]["opening_hours"] = Value::from("Mo-Fx 25:00");
        });
        server.signal("-HUP");
        eventually("the reload is reported", || {
            get(&server.addr, "/api/layers").is_some_and(|a| !a.json["reload"].is_null())
        });
        let v = get(&server.addr, "/api/layers").unwrap().json;
        let why = "nursing_rooms.geojson: features[1] (id \"nr-02\"): field \"opening_hours\"";
        let log = std::fs::read_to_string(&server.log).unwrap();
        if !skip_invalid {
            // As before: refused, the old data serves (nr-02 too), and /api/layers says why.
            assert_eq!(v["reload"]["ok"], false, "{v}");
            assert!(
                v["reload"]["problems"][0].as_str().unwrap().contains(why),
                "{v}"
            );
            assert_eq!(layer_count(&server.addr, "nursing_rooms"), Some(before));
            assert!(skipped(&server.addr).is_empty());
            assert!(
                log.contains("reload refused, old data still served"),
                "{log}"
            );
            assert_eq!(
                get(&server.addr, &format!("{ITEMS}/nr-02")).unwrap().status,
                200
            );
            let _ = std::fs::remove_dir_all(&dir);
            continue;
        }
        // Taken: the rest is served, the refused one logged and listed as at the start.
        assert_eq!(v["reload"]["ok"], true, "{v}");
        assert_eq!(layer_count(&server.addr, "nursing_rooms"), Some(before - 1));
        let listed = skipped(&server.addr);
        assert_eq!(listed.len(), 1, "{listed:?}");
        assert!(listed[0].contains(why), "{listed:?}");
        assert!(
            log.lines()
                .any(|l| l.contains("skipped: ") && l.contains(why)),
            "{log}"
        );
        assert_eq!(
            get(&server.addr, &format!("{ITEMS}/nr-02")).unwrap().status,
            404
        );

        // Edits to the layer go on: the refused feature is not theirs to answer for, and
        // stays as the hand edit left it.
        let (status, v) = edit(
            &server.addr,
            "POST",
            ITEMS,
            &room(&dir, "nr-hup", 120.64, 31.42),
        );
        assert_eq!(status, 201, "{v}");
        let (status, v) = edit(
            &server.addr,
            "PATCH",
            &format!("{ITEMS}/nr-03"),
            r#"{"properties": {"opening_hours": "Mo-Fr 08:00-18:00"}}"#,
        );
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["properties"]["opening_hours"], "Mo-Fr 08:00-18:00");
        assert_eq!(layer_count(&server.addr, "nursing_rooms"), Some(before));
        assert_eq!(skipped(&server.addr), listed);
        let lines = common::lines_of(&path);
        assert_eq!(lines[common::line_of(&lines, "nr-02")], broken);

        // Mending it by an edit serves it again; nothing is skipped any more.
        let (status, v) = edit(
            &server.addr,
            "PATCH",
            &format!("{ITEMS}/nr-02"),
            r#"{"properties": {"opening_hours": "24/7"}}"#,
        );
        assert_eq!(status, 200, "{v}");
        assert_eq!(layer_count(&server.addr, "nursing_rooms"), Some(before + 1));
        assert!(skipped(&server.addr).is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
