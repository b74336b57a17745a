//! The sample data is reproducible: `nestmap generate` from `data/real` and the default seed
//! writes exactly the committed files of `data/geojson`, byte for byte. (The invented street
//! network, `network.nnet` and `roads.geojson`, has its own checks: `tests/sample_network.rs`.)

use std::path::Path;

#[test]
fn generate_reproduces_the_committed_sample_data_byte_for_byte() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::env::temp_dir().join(format!("nestmap-sample-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    let report = nestmap::sample::generate(&root.join("data/real"), &out, 320507).unwrap();
    assert!(report.len() >= 13, "{report:?}");
    let mut compared = 0;
    for entry in std::fs::read_dir(&out).unwrap() {
        let name = entry.unwrap().file_name();
        let fresh = std::fs::read(out.join(&name)).unwrap();
        let committed = std::fs::read(root.join("data/geojson").join(&name))
            .unwrap_or_else(|e| panic!("{name:?} is generated but not committed: {e}"));
        assert!(
            fresh == committed,
            "{name:?} differs from the committed file: run `make generate`"
        );
        compared += 1;
    }
    std::fs::remove_dir_all(&out).unwrap();
    assert_eq!(
        compared, 15,
        "13 layer files, the walking network (network.nnet) and layers.toml"
    );
}

#[test]
fn the_sample_matches_the_published_counts() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let snap = nestmap::load::load_dir(&root.join("data/geojson")).unwrap();
    assert!(!snap.report.has_errors(), "{:?}", snap.report.problems);
    let count = |id: &str| {
        snap.layer(id)
            .unwrap_or_else(|| panic!("layer {id}"))
            .features
            .len()
    };
    assert_eq!(count("nursing_rooms"), 58);
    assert_eq!(count("child_friendly_communities"), 6);
    assert_eq!(count("school_bus_routes"), 3);
    assert_eq!(count("demand"), 143);
    assert_eq!(count("townships"), 13);
    let demo = snap
        .layer("child_friendly_communities")
        .unwrap()
        .features
        .iter()
        .filter(|f| {
            f.properties.get("level").and_then(|v| v.as_str()) == Some("municipal_demonstration")
        })
        .count();
    assert_eq!(demo, 2);
    let parks = snap.layer("pocket_parks").unwrap();
    let child = parks
        .features
        .iter()
        .filter(|f| f.properties.get("child_friendly").and_then(|v| v.as_bool()) == Some(true))
        .count();
    assert_eq!(child, 1);
    for layer in [
        "nursing_rooms",
        "child_friendly_communities",
        "pocket_parks",
        "service_stations",
        "school_bus_routes",
        "school_bus_stops",
    ] {
        for f in &snap.layer(layer).unwrap().features {
            assert_eq!(
                f.properties.get("synthetic").and_then(|v| v.as_bool()),
                Some(true),
                "{layer} {}",
                f.id
            );
            assert!(
                f.properties
                    .get("source")
                    .and_then(|v| v.as_str())
                    .is_some(),
                "{layer} {}",
                f.id
            );
        }
    }
}

/// Real names only where they are real: townships, villages and communities carry the NBS
/// table's names and codes (`data/real`), one demand feature per real village or community,
/// whose invented position (inside the district, off the lakes), population and children say
/// so; the real district and lake outlines are not marked synthetic. The facilities' labels
/// and positions, and the townships' "approximate", are checked from the files themselves in
/// `the_layer_files_themselves_hold_the_sample_truth`.
#[test]
fn real_names_stay_real_and_invented_positions_say_so() {
    use geo::{Contains, Geometry, MultiPolygon};
    use nestmap::model::LayerKind::*;

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let snap = nestmap::load::load_dir(&root.join("data/geojson")).unwrap();
    let multi = |g: &Geometry<f64>| match g {
        Geometry::Polygon(p) => MultiPolygon(vec![p.clone()]),
        Geometry::MultiPolygon(m) => m.clone(),
        other => panic!("not areal: {other:?}"),
    };
    let layers_of = |kind| snap.layers.iter().filter(move |l| l.spec.kind == kind);
    let district = layers_of(District)
        .flat_map(|l| (0..l.features.len()).map(move |i| (l, i)))
        .find(|(l, i)| {
            l.features[*i]
                .properties
                .get("code")
                .and_then(|v| v.as_str())
                == Some("320507")
        })
        .map(|(l, i)| multi(l.geometry(i)))
        .expect("the district outline");
    let lakes: Vec<MultiPolygon<f64>> = layers_of(Water)
        .flat_map(|l| (0..l.features.len()).map(move |i| multi(l.geometry(i))))
        .collect();
    assert!(lakes.len() >= 2, "Yangcheng Lake and Taihu");
    // The real names and codes (NBS 2023).
    let table =
        std::fs::read_to_string(root.join("data/real/xiangcheng_admin_units_nbs2023.csv")).unwrap();
    let real: std::collections::HashSet<(String, String)> = table
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (c[1].to_string(), c[2].to_string())
        })
        .collect();
    assert!(real.len() > 150, "{}", real.len());

    let text = |l: &nestmap::snapshot::Layer, i: usize, k: &str| {
        l.features[i]
            .properties
            .get(k)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let flag = |l: &nestmap::snapshot::Layer, i: usize, k: &str| {
        l.features[i].properties.get(k).and_then(|v| v.as_bool())
    };
    let mut places = 0;
    for l in &snap.layers {
        for i in 0..l.features.len() {
            let id = &l.features[i].id;
            let what = format!("{} {id}", l.spec.id);
            let g = l.geometry(i);
            match l.spec.kind {
                Demand => {
                    places += 1;
                    // A real village or community: its name and code are the NBS table's; its
                    // position, population and children are invented and say so.
                    let (code, name) = (text(l, i, "code").unwrap(), text(l, i, "name").unwrap());
                    assert!(
                        real.contains(&(code.clone(), name.clone())),
                        "{what}: {code} {name}"
                    );
                    assert_eq!(flag(l, i, "synthetic"), Some(true), "{what}");
                    assert_eq!(flag(l, i, "position_synthetic"), Some(true), "{what}");
                    let source = text(l, i, "source").unwrap_or_default();
                    assert!(source.contains("invented"), "{what}: {source}");
                    let Geometry::Point(p) = g else {
                        panic!("{what}: not a point")
                    };
                    assert!(district.contains(p), "{what}: outside the district");
                    assert!(!lakes.iter().any(|w| w.contains(p)), "{what}: on a lake");
                }
                Townships => {
                    let (code, name) = (text(l, i, "code").unwrap(), text(l, i, "name").unwrap());
                    assert!(real.contains(&(code, name)), "{what}");
                }
                District | Water => {
                    assert_ne!(flag(l, i, "synthetic"), Some(true), "{what}: real data");
                    assert!(
                        text(l, i, "source").is_some_and(|s| !s.is_empty()),
                        "{what}"
                    );
                }
                // Invented features: the next test.
                _ => {}
            }
        }
    }
    // One feature per real village or community.
    let villages = real.len()
        - layers_of(Townships)
            .map(|l| l.features.len())
            .sum::<usize>();
    assert_eq!(
        places, villages,
        "one demand feature per real village or community"
    );
}

/// Sample data truth from the files themselves (read with serde_json and the geojson crate,
/// not through the loader or any query code; EPSG files projected with PROJ here, GCJ-02 files
/// converted with `nestmap::crs`, itself checked against the shared conversion in
/// `tests/crs.rs`): every facility inside the district outline
/// and touching no lake, every invented feature labelled, the township sketch labelled
/// approximate, and the published counts.
#[test]
fn the_layer_files_themselves_hold_the_sample_truth() {
    use geo::{Contains, Geometry, Intersects, MapCoords, MultiPolygon};

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/geojson");
    let catalog: toml::Value =
        toml::from_str(&std::fs::read_to_string(dir.join("layers.toml")).unwrap()).unwrap();
    // Every layer as (id, kind, title_en, [(properties, WGS84 geometry)]).
    type Feature = (serde_json::Map<String, serde_json::Value>, Geometry<f64>);
    let mut layers: Vec<(String, String, String, Vec<Feature>)> = Vec::new();
    for d in catalog["layer"].as_array().unwrap() {
        let s = |k: &str| d[k].as_str().unwrap().to_string();
        if s("kind") == "network" {
            // Not GeoJSON: the network file, checked in tests/sample_network.rs.
            continue;
        }
        let text = std::fs::read_to_string(dir.join(s("file"))).unwrap();
        let fc: geojson::FeatureCollection = text.parse().unwrap();
        let crs = s("crs");
        let to_wgs84: Box<dyn Fn(f64, f64) -> (f64, f64)> = match crs.as_str() {
            "wgs84" => Box::new(|x, y| (x, y)),
            "gcj02" => Box::new(nestmap::crs::gcj02_to_wgs84),
            epsg if epsg.starts_with("EPSG:") => {
                let t = proj::Proj::new_known_crs(epsg, "EPSG:4326", None).unwrap();
                Box::new(move |x, y| t.convert((x, y)).unwrap())
            }
            other => panic!("no converter in this test for {other}"),
        };
        let features = fc
            .features
            .into_iter()
            .map(|f| {
                let g = Geometry::<f64>::try_from(f.geometry.unwrap()).unwrap();
                let g = g.map_coords(|c| {
                    let (x, y) = to_wgs84(c.x, c.y);
                    geo::coord! { x: x, y: y }
                });
                (f.properties.unwrap_or_default(), g)
            })
            .collect();
        layers.push((s("id"), s("kind"), s("title_en"), features));
    }
    let layer = |id: &str| {
        &layers
            .iter()
            .find(|l| l.0 == id)
            .unwrap_or_else(|| panic!("no layer {id}"))
            .3
    };
    let areal = |g: &Geometry<f64>| match g {
        Geometry::Polygon(p) => MultiPolygon(vec![p.clone()]),
        Geometry::MultiPolygon(m) => m.clone(),
        other => panic!("not areal: {other:?}"),
    };
    let district = layer("district")
        .iter()
        .find(|(p, _)| p["code"] == "320507")
        .map(|(_, g)| areal(g))
        .expect("the Xiangcheng outline");
    let lakes: Vec<MultiPolygon<f64>> = layer("water").iter().map(|(_, g)| areal(g)).collect();
    assert!(lakes.len() >= 2, "Yangcheng Lake and Taihu");

    let facility_kinds = [
        "nursing_rooms",
        "child_friendly_communities",
        "pocket_parks",
        "service_stations",
        "school_bus_routes",
        "school_bus_stops",
        "generic",
    ];
    let mut checked = 0;
    for (id, kind, _, features) in &layers {
        if !facility_kinds.contains(&kind.as_str()) {
            continue;
        }
        for (i, (p, g)) in features.iter().enumerate() {
            let what = format!("{id} features[{i}] {:?}", p.get("name"));
            assert_eq!(p.get("synthetic"), Some(&serde_json::json!(true)), "{what}");
            let source = p.get("source").and_then(|v| v.as_str()).unwrap_or("");
            assert!(source.contains("sample generator"), "{what}: {source:?}");
            let name = p.get("name").and_then(|v| v.as_str()).unwrap_or("");
            assert!(name.contains("示例"), "{what}: not a plainly sample name");
            // Inside the outline: the whole geometry, not only its vertices.
            let inside = match g {
                Geometry::Point(x) => district.contains(x),
                Geometry::LineString(x) => district.contains(x),
                Geometry::Polygon(x) => district.contains(x),
                Geometry::MultiPolygon(x) => district.contains(x),
                other => panic!("{what}: unexpected {other:?}"),
            };
            assert!(inside, "{what}: not inside the district");
            // Off the lakes: no geometry touches water (the commuter lines included).
            for (k, w) in lakes.iter().enumerate() {
                assert!(!w.intersects(g), "{what}: on lake {k}");
            }
            checked += 1;
        }
    }

    // Synthesized township areas are labelled approximate: each feature, and the layer title.
    let (_, _, title, townships) = layers.iter().find(|l| l.1 == "townships").unwrap();
    assert!(title.to_lowercase().contains("approximate"), "{title}");
    assert_eq!(townships.len(), 13);
    for (p, _) in townships {
        assert_eq!(
            p.get("approximate"),
            Some(&serde_json::json!(true)),
            "{p:?}"
        );
        let source = p["source"].as_str().unwrap();
        assert!(
            source.contains("approximate") && source.contains("NOT an official boundary"),
            "{source}"
        );
    }

    // The published counts.
    let count_where = |id: &str, key: &str, value: serde_json::Value| {
        layer(id)
            .iter()
            .filter(|(p, _)| p.get(key) == Some(&value))
            .count()
    };
    assert_eq!(layer("nursing_rooms").len(), 58);
    assert_eq!(layer("child_friendly_communities").len(), 6);
    assert_eq!(
        count_where(
            "child_friendly_communities",
            "level",
            "municipal_demonstration".into()
        ),
        2
    );
    assert_eq!(
        count_where("pocket_parks", "child_friendly", true.into()),
        1
    );
    assert!(
        layer("pocket_parks").len() > 1,
        "a few ordinary pocket parks too"
    );
    let routes: std::collections::BTreeSet<String> = layer("school_bus_routes")
        .iter()
        .map(|(p, _)| p["route_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!((layer("school_bus_routes").len(), routes.len()), (3, 3));
    let served: std::collections::BTreeSet<String> = layer("school_bus_stops")
        .iter()
        .map(|(p, _)| p["route_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(served, routes, "every line has stops, every stop a line");
    assert_eq!(
        checked,
        facility_kinds
            .iter()
            .flat_map(|k| layers.iter().filter(move |l| l.1 == *k))
            .map(|l| l.3.len())
            .sum::<usize>()
    );
}
