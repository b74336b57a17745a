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

/// Data truth in the shipped sample: real names only where they are real (townships,
/// villages and communities from the NBS table in `data/real`), every invented feature marked
/// `synthetic` with a `source` and a plainly sample name, invented positions inside the district
/// and off the lakes, and the sketched township outlines labelled approximate.
#[test]
fn synthetic_features_are_labelled_sample_named_and_in_the_district_off_the_lakes() {
    use geo::{Contains, CoordsIter, Geometry, MultiPolygon, Point};
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
    let (mut invented, mut places) = (0, 0);
    for l in &snap.layers {
        for i in 0..l.features.len() {
            let id = &l.features[i].id;
            let what = format!("{} {id}", l.spec.id);
            let g = l.geometry(i);
            match l.spec.kind {
                NursingRooms
                | ChildFriendlyCommunities
                | PocketParks
                | ServiceStations
                | SchoolBusRoutes
                | SchoolBusStops
                | Generic => {
                    invented += 1;
                    assert_eq!(flag(l, i, "synthetic"), Some(true), "{what}");
                    let source = text(l, i, "source").unwrap_or_default();
                    assert!(source.contains("sample generator"), "{what}: {source}");
                    let name = text(l, i, "name").unwrap_or_default();
                    assert!(
                        name.contains("示例"),
                        "{what}: {name:?} is not a plainly sample name"
                    );
                    // Every vertex inside the district; points and areas off the lakes
                    // (a commuter line may cross open water on a causeway).
                    for c in g.coords_iter() {
                        assert!(
                            district.contains(&Point::from(c)),
                            "{what}: {c:?} outside the district"
                        );
                        if !matches!(l.spec.kind, SchoolBusRoutes) {
                            assert!(
                                !lakes.iter().any(|w| w.contains(&Point::from(c))),
                                "{what}: {c:?} on a lake"
                            );
                        }
                    }
                }
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
                    assert_eq!(flag(l, i, "approximate"), Some(true), "{what}");
                    let source = text(l, i, "source").unwrap_or_default();
                    assert!(source.contains("approximate"), "{what}: {source}");
                    assert!(
                        source.contains("NOT an official boundary"),
                        "{what}: {source}"
                    );
                }
                District | Water => {
                    assert_ne!(flag(l, i, "synthetic"), Some(true), "{what}: real data");
                    assert!(
                        text(l, i, "source").is_some_and(|s| !s.is_empty()),
                        "{what}"
                    );
                }
            }
        }
    }
    // One feature per real village or community; the facilities all checked.
    let villages = real.len()
        - layers_of(Townships)
            .map(|l| l.features.len())
            .sum::<usize>();
    assert_eq!(
        places, villages,
        "one demand feature per real village or community"
    );
    assert!(invented >= 58 + 6 + 4 + 25 + 3 + 21, "{invented}");
}
