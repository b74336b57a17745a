//! HTTPS (issue 15.6): `nestmap serve --tls-cert FILE --tls-key FILE` on the real binary,
//! with a self-signed certificate made here (rcgen) and a rustls client that trusts only it.
//! The API answers over TLS and its links say `https://`; plain HTTP to the port gets no HTTP
//! answer and leaves the server serving; SIGTERM still stops it; one flag alone or a bad
//! file is refused at start, naming the flag or the file and why.

mod common;

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use common::server::{exchange, raw, Answer, Server};
use tokio_rustls::rustls;

/// A certificate for `localhost` and `127.0.0.1`: its PEM files in `dir`, and its DER.
fn self_signed(
    dir: &Path,
    name: &str,
) -> (PathBuf, PathBuf, rustls::pki_types::CertificateDer<'static>) {
    let rcgen::CertifiedKey { cert, key_pair } =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let (cert_file, key_file) = (
        dir.join(format!("{name}.crt")),
        dir.join(format!("{name}.key")),
    );
    std::fs::write(&cert_file, cert.pem()).unwrap();
    std::fs::write(&key_file, key_pair.serialize_pem()).unwrap();
    (cert_file, key_file, cert.der().clone())
}

/// A client trusting `root` alone.
fn client(root: &rustls::pki_types::CertificateDer<'static>) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(root.clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

/// `GET path` over TLS to `addr` as `server_name`; Err says why the handshake failed.
fn https_get(
    addr: &str,
    server_name: &str,
    client: &Arc<rustls::ClientConfig>,
    path: &str,
) -> Result<Answer, String> {
    let sock = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    sock.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let name = rustls::pki_types::ServerName::try_from(server_name.to_string()).unwrap();
    let mut tls = rustls::StreamOwned::new(
        rustls::ClientConnection::new(client.clone(), name).unwrap(),
        sock,
    );
    // Finish the handshake first, so that a refused certificate is told apart from a bad answer.
    while tls.conn.is_handshaking() {
        tls.conn
            .complete_io(&mut tls.sock)
            .map_err(|e| e.to_string())?;
    }
    exchange(tls, "GET", path, &[], b"").ok_or_else(|| "no HTTP answer over TLS".into())
}

fn arg(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn issue15_https_answers_with_https_links_and_plain_http_gets_no_answer() {
    let dir = common::sample_copy("tls", "serve");
    let (cert, key, der) = self_signed(&dir, "server");
    let mut server = Server::start(
        &dir,
        &[
            "--tls-cert",
            arg(&cert),
            "--tls-key",
            arg(&key),
            "--shutdown-grace-s",
            "5",
        ],
    );
    let trusting = client(&der);
    for name in ["localhost", "127.0.0.1"] {
        let a = https_get(&server.addr, name, &trusting, "/healthz").unwrap();
        assert_eq!(a.status, 200, "{name}: {a:?}");
    }
    let layers = https_get(&server.addr, "localhost", &trusting, "/api/layers").unwrap();
    assert_eq!(layers.status, 200);
    let ids: Vec<&str> = layers.json["layers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["id"].as_str())
        .collect();
    assert!(ids.contains(&"nursing_rooms"), "{ids:?}");
    // Absolute links name the scheme the client used.
    let landing = https_get(&server.addr, "localhost", &trusting, "/ogcapi").unwrap();
    let hrefs: Vec<&str> = landing.json["links"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["href"].as_str())
        .collect();
    assert!(
        !hrefs.is_empty() && hrefs.iter().all(|h| h.starts_with("https://x/")),
        "{hrefs:?}"
    );

    // A client that trusts another certificate refuses this one: the handshake is real TLS.
    let (_, _, other) = self_signed(&dir, "other");
    let e = https_get(&server.addr, "localhost", &client(&other), "/healthz").unwrap_err();
    assert!(e.contains("certificate"), "{e}");

    // Plain HTTP to the TLS port: no HTTP status line comes back, and the server goes on.
    for _ in 0..3 {
        let line = raw(
            &server.addr,
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            Duration::from_secs(5),
        );
        assert!(
            !line.as_deref().unwrap_or("").starts_with("HTTP/"),
            "plain HTTP got {line:?}"
        );
    }
    let a = https_get(&server.addr, "localhost", &trusting, "/healthz").unwrap();
    assert_eq!(a.status, 200);

    // A client that connects and says nothing holds up no one else's handshake.
    let _silent = TcpStream::connect(&server.addr).unwrap();
    let a = https_get(&server.addr, "localhost", &trusting, "/healthz").unwrap();
    assert_eq!(a.status, 200);

    // SIGTERM stops it promptly, the silent connection notwithstanding.
    server.signal("-TERM");
    let code = server.wait_exit(Duration::from_secs(8));
    assert_eq!(
        code,
        Some(0),
        "{}",
        std::fs::read_to_string(&server.log).unwrap()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `nestmap serve` with `flags` (on a data directory that does not exist: the flags are
/// checked first); its exit code and stderr.
fn refused(flags: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_nestmap"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--data",
            "/nonexistent/nestmap-data",
        ])
        .args(flags)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn issue15_one_tls_flag_alone_or_a_bad_file_is_refused_naming_it() {
    let dir = common::sample_copy("tls", "refused");
    let (cert, key, _) = self_signed(&dir, "server");
    let (_, other_key, _) = self_signed(&dir, "other");
    let garbage = dir.join("garbage.pem");
    std::fs::write(&garbage, "not a certificate\n").unwrap();
    let missing = dir.join("missing.pem");
    let d = |p: &Path| p.display().to_string();
    let cases: Vec<(Vec<&str>, Vec<String>)> = vec![
        (
            vec!["--tls-cert", arg(&cert)],
            vec!["--tls-cert was given without --tls-key".into()],
        ),
        (
            vec!["--tls-key", arg(&key)],
            vec!["--tls-key was given without --tls-cert".into()],
        ),
        (
            vec!["--tls-cert", arg(&missing), "--tls-key", arg(&key)],
            vec![
                d(&missing),
                "cannot read the TLS certificate".into(),
                "No such file".into(),
            ],
        ),
        (
            vec!["--tls-cert", arg(&cert), "--tls-key", arg(&missing)],
            vec![d(&missing), "cannot read the TLS key".into()],
        ),
        (
            vec!["--tls-cert", arg(&garbage), "--tls-key", arg(&key)],
            vec![d(&garbage), "no certificate in it".into()],
        ),
        (
            // The certificate given as the key.
            vec!["--tls-cert", arg(&cert), "--tls-key", arg(&cert)],
            vec![d(&cert), "no private key in it".into()],
        ),
        (
            vec!["--tls-cert", arg(&cert), "--tls-key", arg(&other_key)],
            vec![
                d(&other_key),
                "is not the key of the certificate in".into(),
                d(&cert),
            ],
        ),
    ];
    for (flags, want) in cases {
        let (code, stderr) = refused(&flags);
        assert_eq!(code, Some(2), "{flags:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{flags:?}: {stderr}");
        for w in &want {
            assert!(
                stderr.contains(w.as_str()),
                "{flags:?}: want {w:?} in {stderr}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
