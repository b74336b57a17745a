//! The real `nestmap serve` process for tests: start it on a free port, talk to it over
//! plain sockets (no client library between the test and the bytes), signal it.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A server process, killed when dropped.
pub struct Server {
    /// The process.
    pub child: Child,
    /// `127.0.0.1:port`.
    pub addr: String,
    /// Its stderr.
    pub log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// `nestmap serve --data dir` with `extra` flags, `NESTMAP_TOKENS` unset.
    pub fn start(dir: &Path, extra: &[&str]) -> Server {
        Server::start_with(dir, extra, None)
    }

    /// `nestmap serve --data dir` with `extra` flags and `NESTMAP_TOKENS` set to `tokens`
    /// (unset when None, whatever the test's own environment holds). Its stderr goes to
    /// `dir/server.log`; returns once it says where it serves.
    pub fn start_with(dir: &Path, extra: &[&str], tokens: Option<&str>) -> Server {
        let log = dir.join("server.log");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_nestmap"));
        cmd.args(["serve", "--addr", "127.0.0.1:0", "--data"])
            .arg(dir)
            .args(extra)
            .env("RUST_LOG", "nestmap=info")
            .env_remove("NESTMAP_TOKENS");
        if let Some(t) = tokens {
            cmd.env("NESTMAP_TOKENS", t);
        }
        let mut child = cmd
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
        // `... serving on http://ADDR` or `https://ADDR`.
        let addr = line
            .rsplit("://")
            .next()
            .filter(|_| line.contains("serving on"))
            .unwrap_or_else(|| panic!("server did not start: {line:?}"))
            .trim()
            .to_string();
        Server { child, addr, log }
    }

    /// Send a signal (`-TERM`, `-HUP`).
    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill {sig} failed");
    }

    /// Wait up to `limit` for the process to exit; its exit code, or None if it did not.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<i32> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(Some(s)) = self.child.try_wait() {
                return Some(s.code().unwrap_or(-1));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// Resident memory of the process, kB (from /proc).
    pub fn rss_kb(&self) -> u64 {
        let s = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        s.lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap()
    }

    /// CPU time the process has used so far (user + system), seconds (from /proc).
    pub fn cpu_s(&self) -> f64 {
        let s = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap();
        // Fields after the command name (which is in parentheses): utime and stime are the
        // 14th and 15th fields of the line, in clock ticks.
        let rest = &s[s.rfind(')').unwrap() + 2..];
        let f: Vec<&str> = rest.split_whitespace().collect();
        let ticks: f64 = f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap();
        ticks / clock_ticks_per_s()
    }
}

/// Clock ticks a second (`getconf CLK_TCK`; 100 on Linux unless told otherwise).
fn clock_ticks_per_s() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// An answer: status, headers (lower-case names) and the JSON body (Null when none).
#[derive(Debug, Clone)]
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Body as JSON.
    pub json: Value,
}

impl Answer {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The error message, or "".
    pub fn message(&self) -> &str {
        self.json["error"]["message"].as_str().unwrap_or("")
    }
}

/// One request on a fresh connection, read to the end (at most `wait`).
pub fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    wait: Duration,
) -> Option<Answer> {
    let s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(wait)).ok()?;
    exchange(s, method, path, headers, body)
}

/// One request on a connection already open (plain TCP, or TLS over it), read to the end.
pub fn exchange(
    mut s: impl Read + Write,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Option<Answer> {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() || method != "GET" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).ok()?;
    s.write_all(body).ok()?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf);
    let status = text.get(9..12)?.parse().ok()?;
    let (head, body) = text.split_once("\r\n\r\n")?;
    let headers = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    // Bodies may be chunked: take the JSON between the first '{' and the last '}'.
    let json = match (body.find('{'), body.rfind('}')) {
        (Some(a), Some(b)) if a < b => serde_json::from_str(&body[a..=b]).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    Some(Answer {
        status,
        headers,
        json,
    })
}

/// `GET path`.
pub fn get(addr: &str, path: &str) -> Option<Answer> {
    request(addr, "GET", path, &[], b"", Duration::from_secs(60))
}

/// Send raw bytes, read whatever comes back within `wait`, and return the status line (an
/// incomplete request gets none: the server waits for more).
pub fn raw(addr: &str, bytes: &[u8], wait: Duration) -> Option<String> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(wait)).ok()?;
    s.set_write_timeout(Some(Duration::from_secs(5))).ok()?;
    // The server may close before it has read everything: a write error is an answer too.
    let _ = s.write_all(bytes);
    let _ = s.flush();
    let mut out = Vec::new();
    let _ = s.take(64 * 1024).read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out);
    text.lines().next().map(str::to_string)
}

/// Whether `/healthz` answers 200 within 10 s.
pub fn healthy(addr: &str) -> bool {
    raw(
        addr,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        Duration::from_secs(10),
    )
    .is_some_and(|l| l.starts_with("HTTP/1.1 200"))
}
