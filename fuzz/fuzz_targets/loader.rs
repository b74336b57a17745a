//! Fuzz the loader: arbitrary bytes as one layer's GeoJSON text, for a layer kind and source
//! CRS chosen by the first byte. Whatever the text, loading must not panic; every kept
//! feature must be a valid WGS84 geometry that the index can hold and the output can write.

#![no_main]

use libfuzzer_sys::fuzz_target;
use nestmap::catalog::LayerSpec;
use nestmap::crs::Crs;
use nestmap::model::LayerKind;
use nestmap::snapshot::Layer;

const KINDS: [LayerKind; 12] = [
    LayerKind::NursingRooms,
    LayerKind::ChildFriendlyCommunities,
    LayerKind::PocketParks,
    LayerKind::ServiceStations,
    LayerKind::SchoolBusRoutes,
    LayerKind::SchoolBusStops,
    LayerKind::District,
    LayerKind::Townships,
    LayerKind::Water,
    LayerKind::Demand,
    LayerKind::Generic,
    LayerKind::Generic,
];

const CRSS: [&str; 4] = ["wgs84", "gcj02", "bd09", "EPSG:4549"];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let kind = KINDS[(selector & 0x0f) as usize % KINDS.len()];
    let crs: Crs = CRSS[(selector >> 4) as usize % CRSS.len()]
        .parse()
        .expect("a known CRS");
    let spec = LayerSpec {
        id: "fuzz".into(),
        title_zh: "模糊".into(),
        title_en: "Fuzz".into(),
        kind,
        file: "fuzz.geojson".into(),
        crs,
        service_radius_m: 500.0,
        style: Default::default(),
    };
    let mut problems = Vec::new();
    let (features, _refused) = nestmap::load::load_layer_text(&spec, text, &mut problems);
    for p in &problems {
        let _ = p.to_string();
    }
    let layer = Layer::new(spec, features);
    for i in 0..layer.features.len() {
        let v = nestmap::output::feature_json(&layer, i, None);
        let _ = serde_json::to_string(&v).expect("a kept feature serialises");
    }
});
