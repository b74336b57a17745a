//! A real OGC API - Features client: GDAL's OAPIF driver (`ogrinfo`, apt gdal-bin) reads
//! every layer from a running server, and its feature counts equal ours.

use std::process::Command;

fn ogrinfo(args: &[&str]) -> String {
    let out = Command::new("ogrinfo")
        .args(args)
        .env("GDAL_HTTP_TIMEOUT", "30")
        .env("CPL_DEBUG", "OFF")
        .output()
        .expect("ogrinfo (apt gdal-bin) must be installed: run scripts/setup.sh");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "ogrinfo {args:?} failed:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

#[test]
fn gdal_reads_every_layer_with_the_right_count() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/geojson");
    let snap = nestmap::load::load_dir(&dir).unwrap();
    let want: Vec<(String, usize)> = snap
        .layers
        .iter()
        .map(|l| (l.spec.id.clone(), l.features.len()))
        .collect();
    let state = nestmap::AppState::new(snap, "web".into(), "node_modules/maplibre-gl/dist".into());

    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    rt.spawn(async move { axum::serve(listener, nestmap::app(state)).await });

    let url = format!("OAPIF:http://127.0.0.1:{port}/ogcapi");
    let listing = ogrinfo(&["-ro", "-q", &url]);
    for (id, _) in &want {
        assert!(
            listing
                .lines()
                .any(|l| l.contains(&format!(": {id} "))
                    || l.trim_end().ends_with(&format!(": {id}"))),
            "GDAL does not list layer {id}:\n{listing}"
        );
    }
    for (id, n) in &want {
        // Count by reading every feature (GDAL pages through `next` links), not by trusting numberMatched.
        let dump = ogrinfo(&["-ro", "-q", &url, id]);
        let read = dump
            .lines()
            .filter(|l| l.starts_with("OGRFeature("))
            .count();
        assert_eq!(read, *n, "GDAL read {read} features of {id}, we serve {n}");
        let summary = ogrinfo(&["-ro", "-so", &url, id]);
        let count: usize = summary
            .lines()
            .find_map(|l| l.trim().strip_prefix("Feature Count: "))
            .and_then(|c| c.trim().parse().ok())
            .unwrap_or_else(|| panic!("no feature count for {id}:\n{summary}"));
        assert_eq!(count, *n, "{id}");
    }
}
