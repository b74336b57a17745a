//! The sample data is reproducible: `nestmap generate` from `data/real` and the default seed
//! writes exactly the committed files of `data/geojson`, byte for byte.

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
    assert_eq!(compared, 13, "12 layer files and layers.toml");
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
