//! Loader refusals: a table of bad inputs, each with the exact message a user sees (file,
//! feature index and id, field, reason).

use std::path::{Path, PathBuf};

use nestmap::catalog::{parse_catalog, LayerSpec};
use nestmap::crs::Crs;
use nestmap::load::load_layer_text;
use nestmap::model::LayerKind;

fn spec(kind: LayerKind, crs: Crs) -> LayerSpec {
    LayerSpec {
        id: "bad".into(),
        title_zh: "坏".into(),
        title_en: "Bad".into(),
        kind,
        file: PathBuf::from("bad.geojson"),
        crs,
        service_radius_m: 1000.0,
        style: Default::default(),
    }
}

const ROOM: &str = r#""name":"示例母婴室 01","address":"示例地址","venue_type":"mall","amenities":["changing_table"],"synthetic":true,"source":"test""#;

fn room(id: &str, geometry: &str, extra: &str) -> String {
    format!(
        r#"{{"type":"Feature","id":"{id}","geometry":{geometry},"properties":{{{ROOM}{extra}}}}}"#
    )
}

fn fc(features: &[String]) -> String {
    format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        features.join(",")
    )
}

fn problems(kind: LayerKind, crs: Crs, text: &str) -> (Vec<String>, usize) {
    let mut out = Vec::new();
    let (kept, _) = load_layer_text(&spec(kind, crs), text, &mut out);
    (out.iter().map(|p| p.to_string()).collect(), kept.len())
}

const PT: &str = r#"{"type":"Point","coordinates":[120.62,31.43]}"#;

#[test]
fn bad_features_are_refused_with_file_feature_field_and_reason() {
    use LayerKind::*;
    let park = |id: &str, geometry: &str| {
        format!(
            r#"{{"type":"Feature","id":"{id}","geometry":{geometry},"properties":{{"name":"示例口袋公园","child_friendly":true,"synthetic":true,"source":"t"}}}}"#
        )
    };
    let cases: Vec<(LayerKind, String, &str)> = vec![
        (
            NursingRooms,
            room("a", r#"{"type":"Point","coordinates":[120.6]}"#, ""),
            r#"bad.geojson: features[0] (id "a"): field "geometry.coordinates": a position must have 2 or 3 numbers, found 1"#,
        ),
        (
            NursingRooms,
            room("a", r#"{"type":"Point","coordinates":[]}"#, ""),
            r#"bad.geojson: features[0] (id "a"): field "geometry.coordinates": a position must have 2 or 3 numbers, found 0"#,
        ),
        (
            NursingRooms,
            room("a", r#"{"type":"Point","coordinates":[120.6,"31.4"]}"#, ""),
            r#"bad.geojson: features[0] (id "a"): field "geometry.coordinates[1]": expected a number, found a string"#,
        ),
        (
            NursingRooms,
            room("a", r#"{"type":"Point","coordinates":[31.43,120.62]}"#, ""),
            r#"bad.geojson: features[0] (id "a"): field "geometry.coordinates": latitude 120.62 is outside -90..90 (positions are [lon, lat])"#,
        ),
        (
            NursingRooms,
            room("a", r#"{"type":"Point","coordinates":[200.0,31.4]}"#, ""),
            r#"bad.geojson: features[0] (id "a"): field "geometry.coordinates": longitude 200 is outside -180..180"#,
        ),
        (
            NursingRooms,
            room("a", "null", ""),
            r#"bad.geojson: features[0] (id "a"): field "geometry": missing: every feature needs a geometry"#,
        ),
        (
            NursingRooms,
            room(
                "a",
                r#"{"type":"LineString","coordinates":[[120.6,31.4],[120.7,31.5]]}"#,
                "",
            ),
            r#"bad.geojson: features[0] (id "a"): field "geometry.type": a NursingRooms layer needs Point geometries, found LineString"#,
        ),
        (
            NursingRooms,
            room("a", r#"{"type":"GeometryCollection","geometries":[]}"#, ""),
            r#"bad.geojson: features[0] (id "a"): field "geometry.type": GeometryCollection is not supported: split it into features"#,
        ),
        (
            NursingRooms,
            room("a", r#"{"type":"Circle","coordinates":[120.6,31.4]}"#, ""),
            r#"bad.geojson: features[0] (id "a"): field "geometry.type": unknown geometry type "Circle": use Point, MultiPoint, LineString, MultiLineString, Polygon or MultiPolygon"#,
        ),
        (
            NursingRooms,
            room("a", PT, r#","opening_hours":"Mo-Fx 08:00-20:00""#),
            r#"bad.geojson: features[0] (id "a"): field "opening_hours": "Mo-Fx 08:00-20:00" is not valid OpenStreetMap opening_hours"#,
        ),
        (
            NursingRooms,
            room("a", PT, r#","amenities":["changing_table","jacuzzi"]"#),
            r#"bad.geojson: features[0] (id "a"): field "amenities": item 1: "jacuzzi" is not one of changing_table, nursing_chair, lockable_door, sink, hot_water, fridge, power_outlet, step_free"#,
        ),
        (
            NursingRooms,
            room("a", PT, r#","venue_type":"castle""#),
            r#"bad.geojson: features[0] (id "a"): field "venue_type": "castle" is not one of mall, hospital, transport_hub, government, park, office, other"#,
        ),
        (
            NursingRooms,
            room("a", PT, r#","area_m2":"big""#),
            r#"bad.geojson: features[0] (id "a"): field "area_m2": expected a number, found "big""#,
        ),
        (
            NursingRooms,
            room("a", PT, r#","verified_on":"2025-13-01""#),
            r#"bad.geojson: features[0] (id "a"): field "verified_on": "2025-13-01" is not a date YYYY-MM-DD"#,
        ),
        (
            NursingRooms,
            format!(
                r#"{{"type":"Feature","id":"a","geometry":{PT},"properties":{{"address":"x","venue_type":"mall","amenities":[],"synthetic":true,"source":"t"}}}}"#
            ),
            r#"bad.geojson: features[0] (id "a"): field "name": required property is missing"#,
        ),
        (
            NursingRooms,
            format!(
                r#"{{"type":"Feature","id":"a","geometry":{PT},"properties":{{"name":"示例","address":"x","venue_type":"mall","amenities":[],"synthetic":true}}}}"#
            ),
            r#"bad.geojson: features[0] (id "a"): field "source": a synthetic feature must say where it came from"#,
        ),
        (
            NursingRooms,
            format!(r#"{{"type":"Feature","geometry":{PT},"properties":{{}}}}"#),
            r#"bad.geojson: features[0]: field "id": missing: every feature needs an id"#,
        ),
        (
            PocketParks,
            park(
                "p",
                r#"{"type":"Polygon","coordinates":[[[120.6,31.4],[120.61,31.4],[120.61,31.41],[120.6,31.41]]]}"#,
            ),
            r#"bad.geojson: features[0] (id "p"): field "geometry.coordinates[0]": the exterior ring is not closed: the first position [120.6,31.4] differs from the last [120.6,31.41]"#,
        ),
        (
            PocketParks,
            park(
                "p",
                r#"{"type":"Polygon","coordinates":[[[120.6,31.4],[120.61,31.4],[120.6,31.4]]]}"#,
            ),
            r#"bad.geojson: features[0] (id "p"): field "geometry.coordinates[0]": the exterior ring needs at least 4 positions (a closed triangle), found 3"#,
        ),
        (
            PocketParks,
            park(
                "p",
                r#"{"type":"Polygon","coordinates":[[[120.6,31.4],[120.61,31.41],[120.61,31.4],[120.6,31.41],[120.6,31.4]]]}"#,
            ),
            r#"bad.geojson: features[0] (id "p"): field "geometry": invalid polygon: exterior ring has a self-intersection"#,
        ),
        (
            PocketParks,
            park("p", r#"{"type":"Polygon","coordinates":[]}"#),
            r#"bad.geojson: features[0] (id "p"): field "geometry.coordinates": a polygon needs at least one ring"#,
        ),
    ];
    for (kind, feature, want) in &cases {
        let (got, kept) = problems(*kind, Crs::Wgs84, &fc(std::slice::from_ref(feature)));
        assert_eq!(kept, 0, "{want}");
        assert_eq!(
            got.len(),
            1,
            "expected one problem for {want}, got {got:#?}"
        );
        assert!(got[0].starts_with(want), "\n got: {}\nwant: {want}", got[0]);
    }
}

#[test]
fn a_bad_feature_does_not_take_the_good_ones_with_it() {
    let text = fc(&[
        room("a", PT, ""),
        room("b", r#"{"type":"Point","coordinates":[1]}"#, ""),
        room("c", PT, ""),
        room("a", PT, ""),
    ]);
    let (got, kept) = problems(LayerKind::NursingRooms, Crs::Wgs84, &text);
    assert_eq!(kept, 2);
    assert_eq!(got.len(), 2);
    assert!(
        got[0].starts_with(r#"bad.geojson: features[1] (id "b")"#),
        "{}",
        got[0]
    );
    assert_eq!(
        got[1],
        r#"bad.geojson: features[3] (id "a"): field "id": duplicate id "a": features[0] has it already"#
    );
}

#[test]
fn broken_files_are_refused_whole_with_the_reason() {
    let cases = [
        (
            r#"{"type":"FeatureCollection","features":[{"type":"Feature""#,
            "bad.geojson: invalid JSON: EOF while parsing an object at line 1 column",
        ),
        (
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[NaN,31]}}]}"#,
            "bad.geojson: invalid JSON: expected value at line 1 column",
        ),
        (
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[1e400,31]}}]}"#,
            "bad.geojson: invalid JSON: number out of range at line 1 column",
        ),
        (
            r#"{"type":"Feature","id":"a"}"#,
            r#"bad.geojson: not a GeoJSON FeatureCollection ("type" must be "FeatureCollection")"#,
        ),
        (
            r#"{"type":"FeatureCollection"}"#,
            r#"bad.geojson: a FeatureCollection needs a "features" array"#,
        ),
    ];
    for (text, want) in cases {
        let (got, kept) = problems(LayerKind::NursingRooms, Crs::Wgs84, text);
        assert_eq!(kept, 0);
        assert!(
            got.len() == 1 && got[0].starts_with(want),
            "\n got: {got:?}\nwant: {want}"
        );
    }
}

#[test]
fn projected_coordinates_that_proj_cannot_transform_are_refused() {
    let f = room(
        "a",
        r#"{"type":"Point","coordinates":[1e300,3478816.1]}"#,
        "",
    );
    let (got, kept) = problems(LayerKind::NursingRooms, Crs::Epsg(4549), &fc(&[f]));
    assert_eq!(kept, 0);
    assert!(
        got[0].starts_with(r#"bad.geojson: features[0] (id "a"): field "geometry.coordinates": "#),
        "{got:?}"
    );
}

#[test]
fn catalog_mistakes_are_named() {
    let p = Path::new("layers.toml");
    let base = "id = \"x\"\ntitle_zh = \"x\"\ntitle_en = \"x\"\nkind = \"nursing_rooms\"\nfile = \"x.geojson\"\n";
    let cases = [
        (format!("[[layer]]\n{base}crs = \"EPSG:999999\"\n"), "layers.toml: layer 0 (\"x\"): field \"crs\": PROJ cannot transform EPSG:999999 to WGS84"),
        (format!("[[layer]]\n{base}crs = \"mars\"\n"), "layers.toml: layer 0 (\"x\"): field \"crs\": unknown CRS \"mars\""),
        (format!("[[layer]]\n{base}[[layer]]\n{base}"), "layers.toml: layer 1 (\"x\"): field \"id\": declared twice"),
        (format!("[[layer]]\n{base}service_radius_m = -5.0\n"), "layers.toml: layer 0 (\"x\"): field \"service_radius_m\": -5 is not between 0 and 50000 metres"),
        (format!("[[layer]]\n{base}colour = \"red\"\n"), "layers.toml: unknown field `colour`"),
        (format!("[[layer]]\n{}", base.replace("nursing_rooms", "castles")), "layers.toml: unknown variant `castles`"),
        (format!("[[layer]]\n{}", base.replace("x.geojson", "../etc/passwd")), "layers.toml: layer 0 (\"x\"): field \"file\": must be a relative path inside the data directory"),
    ];
    for (text, want) in cases {
        let got = parse_catalog(&text, p).unwrap_err().to_string();
        assert!(got.starts_with(want), "\n got: {got}\nwant: {want}");
    }
}

/// A layer's `style` override: each mistake is refused naming the file, the layer, the key
/// and the reason (an unknown key lists the known ones), like the catalog's other refusals.
#[test]
fn catalog_style_mistakes_are_named() {
    let p = Path::new("layers.toml");
    let layer = |kind: &str, style: &str| {
        format!("[[layer]]\nid = \"x\"\ntitle_zh = \"x\"\ntitle_en = \"x\"\nkind = \"{kind}\"\nfile = \"x.geojson\"\nstyle = {style}\n")
    };
    let at = "layers.toml: layer 0 (\"x\"): field";
    let cases = [
        (layer("nursing_rooms", r##"{ colur = "#fff" }"##), format!("{at} \"style.colur\": unknown style key; the keys are colour, fill_colour, fill_opacity, line_width, line_dasharray, circle_radius, backdrop")),
        (layer("nursing_rooms", r#"{ colour = "red" }"#), format!("{at} \"style.colour\": \"red\" is not a colour written \"#rgb\" or \"#rrggbb\"")),
        (layer("pocket_parks", r##"{ fill_colour = "#12345" }"##), format!("{at} \"style.fill_colour\": \"#12345\" is not a colour written \"#rgb\" or \"#rrggbb\"")),
        (layer("pocket_parks", "{ fill_opacity = 1.5 }"), format!("{at} \"style.fill_opacity\": 1.5 is not between 0 and 1")),
        (layer("school_bus_routes", r#"{ line_width = "2" }"#), format!("{at} \"style.line_width\": \"2\" is not a number")),
        (layer("school_bus_routes", "{ line_width = 25 }"), format!("{at} \"style.line_width\": 25 is not between 0 and 20 px")),
        (layer("townships", "{ line_dasharray = [3] }"), format!("{at} \"style.line_dasharray\": must be an array of 2 to 8 dash lengths such as [3, 2], not [3]")),
        (layer("townships", "{ line_dasharray = [0, 0.0] }"), format!("{at} \"style.line_dasharray\": dash lengths are all 0: the line would not be drawn")),
        (layer("nursing_rooms", "{ line_dasharray = [3, 2] }"), format!("{at} \"style.line_dasharray\": does not apply to this layer: its kind draws points")),
        (layer("district", "{ circle_radius = 4 }"), format!("{at} \"style.circle_radius\": does not apply to this layer: its kind draws polygons")),
        (layer("school_bus_routes", r##"{ fill_colour = "#fff" }"##), format!("{at} \"style.fill_colour\": does not apply to this layer: its kind draws lines")),
        (layer("nursing_rooms", "{ circle_radius = 0 }"), format!("{at} \"style.circle_radius\": must be above 0 px: a point of radius 0 is not drawn")),
        (layer("district", r#"{ backdrop = "yes" }"#), format!("{at} \"style.backdrop\": must be true or false, not \"yes\"")),
        (layer("district", r#""grey""#), format!("{at} \"style\": must be a table such as `style = {{ colour = \"#d81b60\" }}`, not a string")),
    ];
    for (text, want) in cases {
        let got = parse_catalog(&text, p).unwrap_err().to_string();
        assert_eq!(got, want, "\n{text}");
    }
}

/// A valid override, inline or as a `[layer.style]` table, is kept key for key; a generic
/// layer (any geometry) takes every key; no `style` is the kind's look.
#[test]
fn catalog_style_overrides_are_kept() {
    use nestmap::catalog::LayerStyle;
    let p = Path::new("layers.toml");
    let text = "[[layer]]\nid = \"a\"\ntitle_zh = \"a\"\ntitle_en = \"a\"\nkind = \"nursing_rooms\"\nfile = \"a.geojson\"\n\
                [layer.style]\ncolour = \"#AD1457\"\ncircle_radius = 7\n\
                [[layer]]\nid = \"b\"\ntitle_zh = \"b\"\ntitle_en = \"b\"\nkind = \"generic\"\nfile = \"b.geojson\"\n\
                style = { backdrop = false, colour = \"#fff\", fill_colour = \"#000\", fill_opacity = 0, line_width = 0.5, line_dasharray = [2, 1], circle_radius = 30 }\n\
                [[layer]]\nid = \"c\"\ntitle_zh = \"c\"\ntitle_en = \"c\"\nkind = \"district\"\nfile = \"c.geojson\"\n";
    let specs = parse_catalog(text, p).unwrap();
    assert_eq!(
        specs[0].style,
        LayerStyle {
            colour: Some("#AD1457".into()),
            circle_radius: Some(7.0),
            ..LayerStyle::default()
        }
    );
    assert_eq!(
        specs[1].style,
        LayerStyle {
            colour: Some("#fff".into()),
            fill_colour: Some("#000".into()),
            fill_opacity: Some(0.0),
            line_width: Some(0.5),
            line_dasharray: Some(vec![2.0, 1.0]),
            circle_radius: Some(30.0),
            backdrop: Some(false),
        }
    );
    assert_eq!(specs[2].style, LayerStyle::default());
}

/// A kind, a geometry, valid properties, and (field, bad value, reason) cases.
type KindCases = (
    LayerKind,
    &'static str,
    &'static str,
    Vec<(&'static str, &'static str, &'static str)>,
);

/// Every built-in kind's typed properties: a valid feature loads; each bad value is refused
/// naming the file, the feature, the field and the reason.
#[test]
fn every_kinds_property_types_are_checked() {
    use LayerKind::*;
    const LINE: &str = r#"{"type":"LineString","coordinates":[[120.62,31.43],[120.63,31.44]]}"#;
    const POLY: &str = r#"{"type":"Polygon","coordinates":[[[120.6,31.4],[120.61,31.4],[120.61,31.41],[120.6,31.41],[120.6,31.4]]]}"#;
    // (kind, geometry, valid properties, [(field, bad value, reason)])
    let kinds: Vec<KindCases> = vec![
        (
            ChildFriendlyCommunities,
            POLY,
            r#""name":"示例社区","township":"元和街道","level":"municipal_demonstration","facilities":["playground"]"#,
            vec![
                (
                    "level",
                    r#""national""#,
                    r#""national" is not one of municipal_demonstration, district"#,
                ),
                ("township", "7", r#"expected a string, found 7"#),
                (
                    "facilities",
                    r#""playground""#,
                    r#"expected an array of strings, found "playground""#,
                ),
            ],
        ),
        (
            PocketParks,
            POLY,
            r#""name":"示例口袋公园","area_m2":800,"child_friendly":true,"opening_hours":"Mo-Su 06:00-21:00""#,
            vec![
                (
                    "child_friendly",
                    r#""yes""#,
                    r#"expected true or false, found "yes""#,
                ),
                ("area_m2", "-5", r#"-5 is below the minimum 0"#),
                (
                    "opening_hours",
                    r#""sometimes""#,
                    r#""sometimes" is not valid OpenStreetMap opening_hours"#,
                ),
            ],
        ),
        (
            ServiceStations,
            PT,
            r#""name":"示例驿站","services":["water","charging"],"host":"示例","opening_hours":"24/7""#,
            vec![
                (
                    "services",
                    r#"["water","massage"]"#,
                    r#"item 1: "massage" is not one of water, charging, microwave, toilet, rest, first_aid"#,
                ),
                ("host", "null", r#"required property is missing"#),
            ],
        ),
        (
            SchoolBusRoutes,
            LINE,
            r#""route_id":"sb-1","name":"示例线","school":"示例学校","operator":"示例公交","departures":["07:10"]"#,
            vec![
                (
                    "departures",
                    r#"["7 o'clock"]"#,
                    r#"item 0: "7 o'clock" is not a time HH:MM"#,
                ),
                (
                    "school_location",
                    "[120.6]",
                    r#"expected a [lon, lat] position, found [120.6]"#,
                ),
            ],
        ),
        (
            SchoolBusStops,
            PT,
            r#""route_id":"sb-1","seq":1,"name":"示例站""#,
            vec![
                ("seq", "0", r#"0 is below the minimum 1"#),
                ("seq", "1.5", r#"expected a whole number, found 1.5"#),
                ("route_id", "1", r#"expected a string, found 1"#),
            ],
        ),
        (
            Demand,
            PT,
            r#""name":"示例村","code":"320507001001","township":"元和街道","population":1200,"children":150"#,
            vec![
                ("population", "-1", r#"-1 is below the minimum 0"#),
                (
                    "children",
                    r#""many""#,
                    r#"expected a whole number, found "many""#,
                ),
            ],
        ),
        (
            Townships,
            POLY,
            r#""name":"元和街道","code":"320507001","approximate":true"#,
            vec![(
                "approximate",
                r#""roughly""#,
                r#"expected true or false, found "roughly""#,
            )],
        ),
    ];
    let feature = |geometry: &str, props: &str| {
        format!(
            r#"{{"type":"Feature","id":"a","geometry":{geometry},"properties":{{{props},"synthetic":true,"source":"test"}}}}"#
        )
    };
    for (kind, geometry, valid, bad) in &kinds {
        let (got, kept) = problems(*kind, Crs::Wgs84, &fc(&[feature(geometry, valid)]));
        assert_eq!((kept, got.len()), (1, 0), "{kind:?}: {got:#?}");
        for (field, value, reason) in bad {
            // The valid properties with `field` replaced (or added).
            let mut props: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&format!("{{{valid}}}")).unwrap();
            props.insert(field.to_string(), serde_json::from_str(value).unwrap());
            let props = serde_json::to_string(&props).unwrap();
            let (got, kept) = problems(
                *kind,
                Crs::Wgs84,
                &fc(&[feature(geometry, &props[1..props.len() - 1])]),
            );
            assert_eq!(
                (kept, got.len()),
                (0, 1),
                "{kind:?} {field}={value}: {got:#?}"
            );
            let want = format!(r#"bad.geojson: features[0] (id "a"): field "{field}": {reason}"#);
            assert!(
                got[0].starts_with(&want),
                "\n got: {}\nwant: {want}",
                got[0]
            );
        }
    }
}
