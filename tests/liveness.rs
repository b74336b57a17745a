//! Issue 13: no request can stall the server. Each expensive input is sent twice at once to
//! the real process while `/healthz` is polled: `/healthz` answers within 2 s throughout,
//! each expensive request ends within the timeout with a 4xx naming its limit or a 408,
//! and SIGTERM then stops the process within its grace period.
//!
//! These are the one kind of timing a test asserts: liveness, seconds wide. The cases run
//! one at a time (a lock), so a busy CI machine cannot make them flaky. A table of what
//! each case got is printed (`-- --nocapture`), for RELIABILITY.md.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::server::{get, request, Answer, Server};
use serde_json::{json, Value};

/// One case at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// The server's request timeout in these tests, seconds.
const TIMEOUT_S: u64 = 6;
/// Its shutdown grace period, seconds.
const GRACE_S: u64 = 3;

/// What a case may answer: an exact status set, and words the message must hold for a 4xx.
struct Expect {
    statuses: &'static [u16],
    message_holds: &'static [&'static str],
}

struct Case {
    name: &'static str,
    method: &'static str,
    path: String,
    body: Vec<u8>,
    expect: Expect,
}

fn post(name: &'static str, path: &str, body: Value, expect: Expect) -> Case {
    Case {
        name,
        method: "POST",
        path: path.into(),
        body: body.to_string().into_bytes(),
        expect,
    }
}

/// Run `case` twice at once against a fresh server while polling /healthz; then SIGTERM.
/// Returns the row for the table.
fn run(case: &Case) -> String {
    let _one = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let dir = common::sample_copy("liveness", case.name);
    let timeout = TIMEOUT_S.to_string();
    let grace = GRACE_S.to_string();
    let mut server = Server::start(
        &dir,
        &["--timeout-s", &timeout, "--shutdown-grace-s", &grace],
    );
    let addr = server.addr.clone();
    let done = Arc::new(AtomicBool::new(false));
    let poller = {
        let (addr, done) = (addr.clone(), done.clone());
        std::thread::spawn(move || {
            let mut worst = Duration::ZERO;
            let mut failures = 0;
            while !done.load(Ordering::Relaxed) {
                let t = Instant::now();
                let ok = request(&addr, "GET", "/healthz", &[], b"", Duration::from_secs(5))
                    .is_some_and(|a| a.status == 200);
                worst = worst.max(t.elapsed());
                failures += usize::from(!ok);
                std::thread::sleep(Duration::from_millis(100));
            }
            (worst, failures)
        })
    };
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    let copies: Vec<_> = (0..2)
        .map(|_| {
            let (addr, m, p, b) = (
                addr.clone(),
                case.method,
                case.path.clone(),
                case.body.clone(),
            );
            std::thread::spawn(move || {
                let t = Instant::now();
                let a = request(
                    &addr,
                    m,
                    &p,
                    &[("Content-Type", "application/json")],
                    &b,
                    Duration::from_secs(TIMEOUT_S + 10),
                );
                (a, t.elapsed())
            })
        })
        .collect();
    let answers: Vec<(Option<Answer>, Duration)> =
        copies.into_iter().map(|h| h.join().unwrap()).collect();
    let both = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let (worst, failures) = poller.join().unwrap();
    // SIGTERM with nothing in flight, then the process must be gone within the grace period.
    server.signal("-TERM");
    let exit = server.wait_exit(Duration::from_secs(GRACE_S + 2));

    let statuses: Vec<String> = answers
        .iter()
        .map(|(a, _)| a.as_ref().map_or("none".into(), |a| a.status.to_string()))
        .collect();
    let row = format!(
        "| {} | {} | {:.2} s | {:.0} ms |",
        case.name,
        statuses.join(", "),
        both.as_secs_f64(),
        worst.as_secs_f64() * 1e3
    );
    println!("{row}");
    let log = std::fs::read_to_string(&server.log).unwrap_or_default();
    assert!(
        worst < Duration::from_secs(2) && failures == 0,
        "{}: /healthz took up to {worst:?} ({failures} failures) while the two requests ran",
        case.name
    );
    for (a, took) in &answers {
        let a = a
            .as_ref()
            .unwrap_or_else(|| panic!("{}: no answer (connection dropped?)\n{log}", case.name));
        assert!(
            case.expect.statuses.contains(&a.status),
            "{}: status {} not in {:?}: {}",
            case.name,
            a.status,
            case.expect.statuses,
            a.json
        );
        assert!(
            *took < Duration::from_secs(TIMEOUT_S + 2),
            "{}: took {took:?}, beyond the {TIMEOUT_S} s timeout",
            case.name
        );
        if (400..500).contains(&a.status) && a.status != 408 {
            for w in case.expect.message_holds {
                assert!(
                    a.message().contains(w),
                    "{}: the refusal does not name {w:?}: {}",
                    case.name,
                    a.message()
                );
            }
        }
        if a.status == 408 {
            assert_eq!(a.json["error"]["code"], "timeout", "{}", case.name);
        }
    }
    assert_eq!(
        exit,
        Some(0),
        "{}: SIGTERM did not stop the process within {GRACE_S} s\n{log}",
        case.name
    );
    row
}

/// `POST /api/coverage` with a JSON body, waiting at most `wait` for the answer.
fn post_coverage(addr: &str, body: &Value, wait: Duration) -> Option<Answer> {
    let body = body.to_string();
    let headers = [("Content-Type", "application/json")];
    request(
        addr,
        "POST",
        "/api/coverage",
        &headers,
        body.as_bytes(),
        wait,
    )
}

const REFUSED_BODY: Expect = Expect {
    statuses: &[400],
    message_holds: &["body"],
};

#[test]
fn issue13_a_draft_zigzagging_across_the_globe_is_refused_by_its_length() {
    let body = common::draft(&common::globe_zigzag(), &[[0.0, 0.0], [170.0, 20.0]]);
    run(&post(
        "globe_zigzag",
        "/api/routes/review",
        body,
        Expect {
            statuses: &[400],
            message_holds: &["km", "300"],
        },
    ));
}

#[test]
fn issue13_a_19000_vertex_zigzag_draft_is_refused_or_answered_in_time() {
    // Across the globe: refused by length.
    let far = common::globe_zigzag_19000();
    run(&post(
        "zigzag_19000_globe",
        "/api/routes/review",
        common::draft(&far, &[[0.0, 0.0], [170.0, 1.0]]),
        REFUSED_BODY,
    ));
    // Within the district and under the length cap (19,000 segments of about 12 m): a
    // scribble whose segments all meet (the self-intersection check), reviewed against the
    // sample lines.
    let near: Vec<[f64; 2]> = (0..19_000)
        .map(|i| {
            if i % 2 == 0 {
                [120.60, 31.40 + i as f64 * 1e-9]
            } else {
                [120.60012, 31.40005]
            }
        })
        .collect();
    run(&post(
        "scribble_19000_district",
        "/api/routes/review",
        common::draft(&near, &[[120.60, 31.40], [120.60012, 31.40005]]),
        Expect {
            statuses: &[200, 408],
            message_holds: &[],
        },
    ));
    // Under every cap: 2,900 vertices of 100 m zig-zags (about 290 km) with 500 stops.
    let ok: Vec<[f64; 2]> = (0..2_900)
        .map(|i| {
            [
                120.55 + (i / 2) as f64 * 0.00005,
                31.40 + (i % 2) as f64 * 0.0009,
            ]
        })
        .collect();
    let stops: Vec<[f64; 2]> = ok.iter().step_by(6).take(480).copied().collect();
    run(&post(
        "zigzag_2900_500_stops",
        "/api/routes/review",
        common::draft(&ok, &stops),
        Expect {
            statuses: &[200, 408],
            message_holds: &[],
        },
    ));
}

#[test]
fn issue13_coverage_with_too_many_candidates_is_refused_before_work() {
    let cands = common::lattice(20_000, 200, [0.002, 0.002]);
    run(&post(
        "coverage_20000_candidates",
        "/api/coverage",
        json!({"layer": "nursing_rooms", "suggest": 20, "candidates": cands}),
        Expect {
            statuses: &[400],
            message_holds: &["candidates", "10000"],
        },
    ));
}

#[test]
fn issue13_coverage_at_the_caps_answers_or_times_out_without_stalling() {
    let cands = common::lattice(10_000, 100, [0.004, 0.003]);
    run(&post(
        "coverage_suggest20_10000_candidates",
        "/api/coverage",
        json!({"layer": "nursing_rooms", "suggest": 20, "candidates": cands, "cell_m": 20}),
        Expect {
            statuses: &[200, 400, 408],
            message_holds: &["at most"],
        },
    ));
    run(&post(
        "coverage_20m_suggest20",
        "/api/coverage",
        common::heavy_coverage(),
        Expect {
            statuses: &[200, 408],
            message_holds: &[],
        },
    ));
}

#[test]
fn issue13_coverage_work_limits_are_refused_naming_the_parameter() {
    let sites = common::far_reaching_sites();
    run(&post(
        "coverage_1000_sites_5km_20m",
        "/api/coverage",
        json!({"layer": "nursing_rooms", "add": sites, "cell_m": 20, "area": "320507"}),
        Expect {
            statuses: &[400],
            message_holds: &["add", "at most"],
        },
    ));
    // A posted area far too wide, and one of many vertices.
    let wide = json!({"type": "Polygon", "coordinates": [[[100.0, 20.0], [130.0, 20.0], [130.0, 40.0], [100.0, 40.0], [100.0, 20.0]]]});
    run(&post(
        "coverage_area_3000km",
        "/api/coverage",
        json!({"layer": "nursing_rooms", "area": wide, "cell_m": 5000}),
        Expect {
            statuses: &[400],
            message_holds: &["area", "km"],
        },
    ));
    let mut ring: Vec<[f64; 2]> = (0..20_000)
        .map(|i| {
            let a = i as f64 / 20_000.0 * std::f64::consts::TAU;
            let r = if i % 2 == 0 { 0.1 } else { 0.02 };
            [
                ((120.62 + r * a.cos()) * 1e7).round() / 1e7,
                ((31.42 + r * a.sin()) * 1e7).round() / 1e7,
            ]
        })
        .collect();
    ring.push(ring[0]);
    let star = json!({"type": "Polygon", "coordinates": [ring]});
    run(&post(
        "coverage_area_20000_vertex_star_12m",
        "/api/coverage",
        json!({"layer": "nursing_rooms", "area": star, "cell_m": 12}),
        Expect {
            statuses: &[200, 400, 408],
            message_holds: &["at most"],
        },
    ));
}

#[test]
fn issue13_five_hundred_crs_codes_do_not_grow_the_memory() {
    let _one = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let dir = common::sample_copy("liveness", "crs_codes");
    let mut server = Server::start(&dir, &["--shutdown-grace-s", "3"]);
    let addr = server.addr.clone();
    // Warm up: the allocator's first arenas, one transform.
    get(
        &addr,
        "/api/nearest?layer=nursing_rooms&lon=558945&lat=3478816&crs=EPSG:4549",
    )
    .unwrap();
    let before = server.rss_kb();
    // Two clients at once, 250 distinct codes each (UTM zones, Gauss-Kruger and others:
    // most known to PROJ, some not).
    let codes: Vec<u32> = (32601..32661)
        .chain(32701..32761)
        .chain(2327..2442)
        .chain(4491..4554)
        .chain(3857..3858)
        .chain(990_000..990_201)
        .take(500)
        .collect();
    assert_eq!(codes.len(), 500);
    let halves: Vec<Vec<u32>> = codes.chunks(250).map(|c| c.to_vec()).collect();
    let handles: Vec<_> = halves
        .into_iter()
        .map(|half| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                let mut statuses = std::collections::BTreeMap::new();
                for c in half {
                    let a = get(
                        &addr,
                        &format!(
                            "/api/nearest?layer=nursing_rooms&lon=500000&lat=3500000&crs=EPSG:{c}"
                        ),
                    )
                    .unwrap();
                    assert!(a.status == 200 || a.status == 400, "EPSG:{c}: {}", a.status);
                    if a.status == 400 {
                        assert!(!a.message().is_empty(), "EPSG:{c}: a 400 without a message");
                    }
                    *statuses.entry(a.status).or_insert(0) += 1;
                }
                statuses
            })
        })
        .collect();
    for h in handles {
        println!("statuses: {:?}", h.join().unwrap());
    }
    let after = server.rss_kb();
    let grown_mb = (after.saturating_sub(before)) as f64 / 1024.0;
    println!("| 500 distinct crs=EPSG:n | RSS {before} kB -> {after} kB (+{grown_mb:.1} MB) |");
    assert!(grown_mb < 50.0, "resident memory grew by {grown_mb:.1} MB");
    server.signal("-TERM");
    assert_eq!(server.wait_exit(Duration::from_secs(5)), Some(0));
}

#[test]
fn issue13_sigterm_stops_the_process_with_heavy_queries_in_flight() {
    let _one = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let dir = common::sample_copy("liveness", "sigterm");
    // A long timeout, so the queries are still running when SIGTERM comes.
    let mut server = Server::start(&dir, &["--timeout-s", "120", "--shutdown-grace-s", "2"]);
    let addr = server.addr.clone();
    let inflight: Vec<_> = (0..2)
        .map(|_| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                post_coverage(&addr, &common::heavy_coverage(), Duration::from_secs(30))
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let t = Instant::now();
    server.signal("-TERM");
    let exit = server.wait_exit(Duration::from_secs(2 + 3));
    println!(
        "| SIGTERM with two heavy queries in flight | exit {exit:?} after {:.2} s |",
        t.elapsed().as_secs_f64()
    );
    assert_eq!(
        exit,
        Some(0),
        "SIGTERM did not stop the process within the grace period"
    );
    for h in inflight {
        let _ = h.join();
    }
}

/// Issue 14: a 408 from a real CPU-bound handler, not from a handler that sleeps. A coverage
/// of the whole district at 20 m with 20 suggestions (over ten seconds of work on this build)
/// is sent to a process started with `--timeout-s 2` and one heavy worker: the answer is a
/// 408 with the JSON error body, after the timeout and not long after it; the process spent
/// CPU on it meanwhile (so the handler really ran, rather than waiting); `/healthz` answered
/// every probe throughout; and the worker stopped at the deadline, since a small coverage
/// sent next, which can only run on that one worker, is answered 200 within its own timeout.
#[test]
fn issue14_a_cpu_bound_coverage_past_the_timeout_is_a_408_while_healthz_answers() {
    let _one = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    const SHORT_TIMEOUT_S: u64 = 2;
    let dir = common::sample_copy("liveness", "cpu_bound_408");
    let server = Server::start(
        &dir,
        &[
            "--timeout-s",
            &SHORT_TIMEOUT_S.to_string(),
            "--heavy-workers",
            "1",
            "--shutdown-grace-s",
            "3",
        ],
    );
    let addr = server.addr.clone();
    assert_eq!(get(&addr, "/healthz").map(|a| a.status), Some(200));
    let cpu_before = server.cpu_s();
    let started = Instant::now();
    let request_thread = {
        let addr = addr.clone();
        std::thread::spawn(move || {
            post_coverage(
                &addr,
                &common::heavy_coverage(),
                Duration::from_secs(SHORT_TIMEOUT_S + 20),
            )
        })
    };
    // /healthz while the heavy request runs.
    let (mut probes, mut failures, mut worst) = (0, 0, Duration::ZERO);
    while !request_thread.is_finished() {
        let t = Instant::now();
        let ok = request(&addr, "GET", "/healthz", &[], b"", Duration::from_secs(5))
            .is_some_and(|a| a.status == 200);
        worst = worst.max(t.elapsed());
        probes += 1;
        failures += usize::from(!ok);
        std::thread::sleep(Duration::from_millis(100));
    }
    let took = started.elapsed();
    let cpu = server.cpu_s() - cpu_before;
    let a = request_thread
        .join()
        .unwrap()
        .expect("an answer to the heavy request");
    println!(
        "| coverage 20 m, suggest 20, --timeout-s {SHORT_TIMEOUT_S} | {} after {:.2} s, {cpu:.2} s CPU | /healthz {probes} probes, worst {:.0} ms |",
        a.status,
        took.as_secs_f64(),
        worst.as_secs_f64() * 1e3
    );
    assert_eq!(a.status, 408, "{}", a.json);
    assert_eq!(a.json["error"]["code"], "timeout", "{}", a.json);
    assert!(
        !a.message().is_empty(),
        "a 408 without a message: {}",
        a.json
    );
    assert!(
        a.header("content-type")
            .is_some_and(|c| c.starts_with("application/json")),
        "{:?}",
        a.headers
    );
    let timeout = Duration::from_secs(SHORT_TIMEOUT_S);
    assert!(
        took >= timeout - Duration::from_millis(100) && took < timeout + Duration::from_secs(3),
        "answered after {took:?}, for a {timeout:?} timeout"
    );
    assert!(
        cpu >= 0.25 * SHORT_TIMEOUT_S as f64,
        "the process used {cpu:.2} s of CPU in {took:?}: the handler did not run"
    );
    assert!(
        probes >= 5 && failures == 0 && worst < Duration::from_secs(2),
        "/healthz: {failures} of {probes} probes failed, worst {worst:?}, while the handler ran"
    );
    // The worker stopped at the deadline: the one worker takes a small coverage at once.
    let small = json!({"layer": "nursing_rooms", "cell_m": 1000});
    let b = post_coverage(&addr, &small, Duration::from_secs(SHORT_TIMEOUT_S + 10))
        .expect("an answer to the small request");
    assert_eq!(
        b.status, 200,
        "the worker was still busy after the 408: {}",
        b.json
    );
}
