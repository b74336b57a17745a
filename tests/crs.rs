//! CRS handling against checked numbers: PROJ against the figures in shared/TOOLCHAIN.md
//! (PostGIS, pyproj and PROJ agree to the micrometre), and our GCJ-02 inverse against the
//! shared WGS84 conversion of the real AMap district outlines.

mod common;

use nestmap::crs::{
    bd09_to_gcj02, gcj02_to_bd09, gcj02_to_wgs84, wgs84_to_epsg, wgs84_to_gcj02, Crs,
};
use serde_json::Value;

#[test]
fn proj_matches_the_checked_numbers() {
    let (e, n) = wgs84_to_epsg(4549, 120.62, 31.43).unwrap();
    assert!(
        (e - 558945.807446).abs() < 1e-5 && (n - 3478816.097067).abs() < 1e-5,
        "{e} {n}"
    );
    let (e, n) = wgs84_to_epsg(32651, 120.62, 31.43).unwrap();
    assert!(
        (e - 273786.799023).abs() < 1e-5 && (n - 3479709.168473).abs() < 1e-5,
        "{e} {n}"
    );
    // And back, through the loader's path.
    let (lon, lat) = Crs::Epsg(4549)
        .to_wgs84(558945.807446, 3478816.097067)
        .unwrap();
    assert!(
        (lon - 120.62).abs() < 1e-9 && (lat - 31.43).abs() < 1e-9,
        "{lon} {lat}"
    );
    let (lon, lat) = Crs::Epsg(32651)
        .to_wgs84(273786.799023, 3479709.168473)
        .unwrap();
    assert!(
        (lon - 120.62).abs() < 1e-9 && (lat - 31.43).abs() < 1e-9,
        "{lon} {lat}"
    );
}

#[test]
fn crs_names_parse_and_unknown_ones_are_refused() {
    assert_eq!("GCJ02".parse::<Crs>().unwrap(), Crs::Gcj02);
    assert_eq!("bd09".parse::<Crs>().unwrap(), Crs::Bd09);
    assert_eq!("EPSG:4326".parse::<Crs>().unwrap(), Crs::Wgs84);
    assert_eq!("epsg:4549".parse::<Crs>().unwrap(), Crs::Epsg(4549));
    assert_eq!("4549".parse::<Crs>().unwrap(), Crs::Epsg(4549));
    assert!("mars"
        .parse::<Crs>()
        .unwrap_err()
        .to_string()
        .contains("unknown CRS \"mars\""));
    assert!(Crs::Epsg(999_999).check().is_err());
}

fn rings(v: &Value, out: &mut Vec<[f64; 2]>) {
    match v {
        Value::Array(a) if a.len() >= 2 && a[0].is_number() => {
            out.push([a[0].as_f64().unwrap(), a[1].as_f64().unwrap()])
        }
        Value::Array(a) => a.iter().for_each(|x| rings(x, out)),
        _ => {}
    }
}

fn vertices(path: &str) -> Vec<Vec<[f64; 2]>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let v: Value = serde_json::from_str(&text).unwrap();
    v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let mut out = Vec::new();
            rings(&f["geometry"]["coordinates"], &mut out);
            out
        })
        .collect()
}

#[test]
fn gcj02_inverse_matches_the_shared_conversion_within_2_m() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/real");
    let gcj = vertices(&format!("{dir}/suzhou_districts_amap_gcj02.geojson"));
    let wgs = vertices(&format!("{dir}/suzhou_districts_wgs84.geojson"));
    assert_eq!(gcj.len(), wgs.len());
    let (mut n, mut worst) = (0, 0.0f64);
    for (g, w) in gcj.iter().zip(&wgs) {
        assert_eq!(g.len(), w.len());
        for (p, q) in g.iter().zip(w) {
            let ours = gcj02_to_wgs84(p[0], p[1]);
            worst = worst.max(common::geodesic([ours.0, ours.1], *q));
            n += 1;
        }
    }
    assert!(n > 1000, "only {n} vertices compared");
    assert!(
        worst < 2.0,
        "worst vertex {worst} m from the shared conversion"
    );
}

#[test]
fn gcj02_and_bd09_round_trip_and_shift_by_the_expected_amount() {
    let mut r = common::Rng::new(3);
    for _ in 0..5000 {
        let p = (r.range(73.0, 135.0), r.range(18.0, 54.0));
        let g = wgs84_to_gcj02(p.0, p.1);
        let shift = common::geodesic([p.0, p.1], [g.0, g.1]);
        assert!(
            shift > 1.0 && shift < 1000.0,
            "GCJ shift {shift} m at {p:?}"
        );
        let back = gcj02_to_wgs84(g.0, g.1);
        assert!(common::geodesic([p.0, p.1], [back.0, back.1]) < 0.01);
        let b = gcj02_to_bd09(g.0, g.1);
        let g2 = bd09_to_gcj02(b.0, b.1);
        assert!(common::geodesic([g.0, g.1], [g2.0, g2.1]) < 1.0);
        let w = Crs::Bd09.to_wgs84(b.0, b.1).unwrap();
        assert!(common::geodesic([p.0, p.1], [w.0, w.1]) < 1.0);
    }
    // Outside China the published formula leaves positions alone.
    assert_eq!(wgs84_to_gcj02(2.35, 48.85), (2.35, 48.85));
}
