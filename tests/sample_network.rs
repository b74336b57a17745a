//! The sample's invented street network (issue 16, "Sample data"), checked from the committed
//! files with oracles of their own: the layers read with the geojson crate, every position
//! projected to CGCS2000 / 3-degree Gauss-Kruger CM 120E (EPSG:4549, which has the district
//! within 0.9° of its meridian: scale error under 1e-4) with PROJ, then measured in that
//! plane with geo (intersections, clipping, Euclidean distances and areas). None of it goes
//! through the generator or the crate's geodesy; the network file is read by
//! `nestmap::network::read`, the real reader, and its roads twin is compared with it.

mod common;

use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::path::{Path, PathBuf};

use geo::{
    Area, BooleanOps, Contains, Coord, Distance, Euclidean, Geometry, Intersects, Length, Line,
    LineString, MultiLineString, MultiPolygon, Point, Polygon,
};
use nestmap::network::Network;

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/geojson")
}

/// WGS84 `[lon, lat]` to EPSG:4549 (easting, northing) metres and back, with PROJ.
struct Plane(proj::Proj, proj::Proj);

impl Plane {
    fn new() -> Self {
        let p = proj::Proj::new_known_crs("EPSG:4326", "EPSG:4549", None).unwrap();
        // TOOLCHAIN.md's checked pair: the axis order is easting, northing.
        let (e, n): (f64, f64) = p.convert((120.62, 31.43)).unwrap();
        assert!((e - 558945.807446).abs() < 1e-3 && (n - 3478816.097067).abs() < 1e-3);
        let back = proj::Proj::new_known_crs("EPSG:4549", "EPSG:4326", None).unwrap();
        Plane(p, back)
    }
    fn lonlat(&self, c: Point<f64>) -> [f64; 2] {
        let (lon, lat) = self.1.convert((c.x(), c.y())).unwrap();
        [lon, lat]
    }
    fn xy(&self, p: [f64; 2]) -> Coord<f64> {
        let (x, y) = self.0.convert((p[0], p[1])).unwrap();
        Coord { x, y }
    }
}

/// A layer file's features as (id, properties, geometry in its file's CRS).
fn features(
    file: &str,
) -> Vec<(
    String,
    serde_json::Map<String, serde_json::Value>,
    Geometry<f64>,
)> {
    let text = std::fs::read_to_string(sample_dir().join(file)).unwrap();
    let fc: geojson::FeatureCollection = text.parse().unwrap();
    fc.features
        .into_iter()
        .map(|f| {
            let id = match f.id {
                Some(geojson::feature::Id::String(s)) => s,
                other => format!("{other:?}"),
            };
            let g = Geometry::<f64>::try_from(f.geometry.unwrap()).unwrap();
            (id, f.properties.unwrap_or_default(), g)
        })
        .collect()
}

fn map_geometry(g: &Geometry<f64>, f: impl Fn([f64; 2]) -> Coord<f64>) -> Geometry<f64> {
    use geo::MapCoords;
    g.map_coords(|c| f([c.x, c.y]))
}

/// The lakes of the water layer, projected.
fn lakes(plane: &Plane) -> Vec<MultiPolygon<f64>> {
    features("water.geojson")
        .iter()
        .map(|(_, _, g)| match map_geometry(g, |p| plane.xy(p)) {
            Geometry::Polygon(p) => MultiPolygon(vec![p]),
            Geometry::MultiPolygon(m) => m,
            other => panic!("water: {other:?}"),
        })
        .collect()
}

fn network() -> Network {
    nestmap::network::read(&sample_dir().join("network.nnet")).unwrap()
}

/// Every edge's shape, projected, with its name.
fn edge_lines(net: &Network, plane: &Plane) -> Vec<(LineString<f64>, String)> {
    (0..net.edge_count() as u32)
        .map(|e| {
            let ls = LineString(net.shape(e).iter().map(|p| plane.xy(*p)).collect());
            (ls, net.name(e).unwrap_or("").to_string())
        })
        .collect()
}

fn is_bridge_name(name: &str) -> bool {
    name.strip_prefix("示例桥 ")
        .is_some_and(|n| n.parse::<u32>().is_ok())
}

#[test]
fn no_street_touches_water_except_the_named_bridges() {
    let plane = Plane::new();
    let lakes = lakes(&plane);
    let net = network();
    let mut wet_bridges = std::collections::BTreeSet::new();
    let mut bridge_names = std::collections::BTreeSet::new();
    let mut checked = 0;
    for (ls, name) in edge_lines(&net, &plane) {
        if is_bridge_name(&name) {
            bridge_names.insert(name.clone());
        }
        for seg in ls.lines() {
            checked += 1;
            if lakes.iter().any(|w| w.intersects(&seg)) {
                assert!(
                    is_bridge_name(&name),
                    "edge of {name:?} touches a lake at {:?}",
                    seg.start
                );
                wet_bridges.insert(name.clone());
            }
        }
    }
    assert!(checked > 5000, "{checked} segments");
    // A few bridges, each of them over water (else it would be a street by another name).
    assert!(
        (1..=6).contains(&bridge_names.len()),
        "bridges: {bridge_names:?}"
    );
    assert_eq!(wet_bridges, bridge_names, "a 'bridge' over no water");
    // The roads layer, read on its own: only features marked bridge=yes touch water, and
    // they carry the bridge names.
    let mut bridges = 0;
    for (id, props, g) in features("roads.geojson") {
        let g = map_geometry(&g, |p| plane.xy(p));
        let wet = lakes.iter().any(|w| w.intersects(&g));
        let bridge = props.get("bridge").and_then(|v| v.as_str()) == Some("yes");
        let name = props["name"].as_str().unwrap();
        assert_eq!(wet, bridge, "roads {id} {name}: wet {wet}, bridge {bridge}");
        assert_eq!(bridge, is_bridge_name(name), "roads {id} {name}");
        bridges += bridge as usize;
    }
    assert_eq!(bridges, bridge_names.len());
    println!("{} bridges: {bridge_names:?}", bridges);
}

/// The network file and the roads layer are the same ways: the same segments, each as
/// often, with the same names.
#[test]
fn the_roads_layer_and_the_network_hold_the_same_streets() {
    type Key = ([u64; 2], [u64; 2], String);
    let key = |a: [f64; 2], b: [f64; 2], name: &str| -> Key {
        let (a, b) = (a.map(f64::to_bits), b.map(f64::to_bits));
        let (a, b) = if a <= b { (a, b) } else { (b, a) };
        (a, b, name.to_string())
    };
    let net = network();
    let mut from_net: BTreeMap<Key, usize> = BTreeMap::new();
    for e in 0..net.edge_count() as u32 {
        let name = net.name(e).unwrap_or("");
        for s in net.shape(e).windows(2) {
            *from_net.entry(key(s[0], s[1], name)).or_default() += 1;
        }
    }
    let mut from_roads: BTreeMap<Key, usize> = BTreeMap::new();
    for (id, props, g) in features("roads.geojson") {
        let Geometry::LineString(ls) = g else {
            panic!("roads {id}: not a LineString")
        };
        for s in ls.lines() {
            let name = props["name"].as_str().unwrap();
            *from_roads
                .entry(key([s.start.x, s.start.y], [s.end.x, s.end.y], name))
                .or_default() += 1;
        }
    }
    assert!(from_net.len() > 5000, "{}", from_net.len());
    assert!(
        from_net == from_roads,
        "the roads layer and network.nnet differ"
    );
}

/// Components by a union-find written here, over the edges' ends.
#[test]
fn the_network_is_mostly_one_component() {
    let net = network();
    let n = net.vertex_count();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], mut a: usize) -> usize {
        while p[a] != a {
            p[a] = p[p[a]];
            a = p[a];
        }
        a
    }
    for e in net.edges() {
        let (a, b) = (
            find(&mut parent, e.a as usize),
            find(&mut parent, e.b as usize),
        );
        parent[a] = b;
    }
    let mut vertices: HashMap<usize, usize> = HashMap::new();
    let mut length: HashMap<usize, f64> = HashMap::new();
    for v in 0..n {
        let r = find(&mut parent, v);
        *vertices.entry(r).or_default() += 1;
    }
    let plane = Plane::new();
    let mut total = 0.0;
    for (e, (ls, _)) in net.edges().iter().zip(edge_lines(&net, &plane)) {
        let r = find(&mut parent, e.a as usize);
        let m = Euclidean.length(&ls);
        *length.entry(r).or_default() += m;
        total += m;
    }
    let mut sizes: Vec<(usize, f64)> = vertices.iter().map(|(r, v)| (*v, length[r])).collect();
    sizes.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)));
    let got: Vec<u32> = net.component_sizes().to_vec();
    let want: Vec<u32> = sizes.iter().map(|s| s.0 as u32).collect();
    assert_eq!(got, want, "the network's own component sizes");
    println!(
        "{} components; largest {} of {n} vertices, {:.1} of {:.1} km; the others {:?}",
        sizes.len(),
        sizes[0].0,
        sizes[0].1 / 1000.0,
        total / 1000.0,
        sizes[1..]
            .iter()
            .map(|s| format!("{} vertices {:.2} km", s.0, s.1 / 1000.0))
            .collect::<Vec<_>>()
    );
    assert!(
        sizes[0].0 as f64 >= 0.97 * n as f64,
        "largest component {} of {n}",
        sizes[0].0
    );
    assert!(sizes[0].1 >= 0.97 * total);
}

/// Every place the sample answers about, in WGS84 and projected: demand points and every
/// facility (points; polygons whole), by layer, read from the files.
fn places(plane: &Plane) -> Vec<(String, Geometry<f64>)> {
    let catalog: toml::Value =
        toml::from_str(&std::fs::read_to_string(sample_dir().join("layers.toml")).unwrap())
            .unwrap();
    let wanted = [
        "demand",
        "nursing_rooms",
        "child_friendly_communities",
        "pocket_parks",
        "service_stations",
        "school_bus_stops",
        "generic",
    ];
    let mut out = Vec::new();
    for d in catalog["layer"].as_array().unwrap() {
        let kind = d["kind"].as_str().unwrap();
        if !wanted.contains(&kind) {
            continue;
        }
        let crs = d["crs"].as_str().unwrap().to_string();
        for (id, _, g) in features(d["file"].as_str().unwrap()) {
            let g = match crs.as_str() {
                "wgs84" => map_geometry(&g, |p| plane.xy(p)),
                "gcj02" => map_geometry(&g, |p| {
                    let (lon, lat) = nestmap::crs::gcj02_to_wgs84(p[0], p[1]);
                    plane.xy([lon, lat])
                }),
                // Already in the plane.
                "EPSG:4549" => g,
                other => panic!("no converter here for {other}"),
            };
            out.push((format!("{} {id}", d["id"].as_str().unwrap()), g));
        }
    }
    out
}

/// Brute force: the distance from each place to the nearest edge segment, in the plane.
#[test]
fn every_place_is_within_300_m_of_a_street() {
    let plane = Plane::new();
    let net = network();
    let segs: Vec<Line<f64>> = edge_lines(&net, &plane)
        .iter()
        .flat_map(|(ls, _)| ls.lines().collect::<Vec<_>>())
        .collect();
    let places = places(&plane);
    assert!(places.len() > 250, "{}", places.len());
    let snap = nestmap::network::SnapIndex::build(&net);
    let mut worst: Vec<(f64, String)> = Vec::new();
    for (what, g) in &places {
        let d = segs
            .iter()
            .map(|s| Euclidean.distance(g, &Geometry::Line(*s)))
            .fold(f64::INFINITY, f64::min);
        worst.push((d, what.clone()));
        // The network's own snapping (the crate's geodesy) agrees for points.
        if let Geometry::Point(p) = g {
            let s = snap.snap(&net, plane.lonlat(*p), 1e6).unwrap();
            assert!(
                (s.access_m - d).abs() <= 0.5 + 2e-3 * d,
                "{what}: snap {} m, oracle {d} m",
                s.access_m
            );
        }
    }
    worst.sort_by(|a, b| b.0.total_cmp(&a.0));
    let n = worst.len();
    println!(
        "{n} places; farthest from a street: {:?}; median {:.0} m",
        &worst[..5],
        worst[n / 2].0
    );
    assert!(
        worst[0].0 <= 300.0,
        "farther than 300 m from every street: {:?}",
        worst.iter().take_while(|w| w.0 > 300.0).collect::<Vec<_>>()
    );
}

/// Length of the network inside `area`, metres (geo's clipping), per km² of `area`.
fn km_per_km2(streets: &MultiLineString<f64>, area: &MultiPolygon<f64>) -> f64 {
    let inside = area.clip(streets, false);
    let m: f64 = inside.0.iter().map(|l| Euclidean.length(l)).sum();
    (m / 1000.0) / (area.unsigned_area() / 1e6)
}

/// Density by township, and around the sample's towns against the countryside.
#[test]
fn streets_are_denser_in_the_towns_than_in_the_countryside() {
    let plane = Plane::new();
    let net = network();
    let water = lakes(&plane)
        .into_iter()
        .reduce(|a, b| a.union(&b))
        .unwrap();
    let streets = MultiLineString(edge_lines(&net, &plane).into_iter().map(|l| l.0).collect());
    let demand: Vec<(Point<f64>, String, f64, bool)> = features("demand.geojson")
        .into_iter()
        .map(|(_, p, g)| {
            let Geometry::Point(x) = g else { panic!() };
            (
                Point::from(plane.xy([x.x(), x.y()])),
                p["township_code"].as_str().unwrap().to_string(),
                p["population"].as_f64().unwrap(),
                p["unit_type"].as_str().unwrap().contains("社区"),
            )
        })
        .collect();
    // Per township (its outline less the lakes): km of street per km², and people per km².
    let mut rows: Vec<(String, f64, f64)> = Vec::new();
    for (_, p, g) in features("townships.geojson") {
        let land = match map_geometry(&g, |q| plane.xy(q)) {
            Geometry::MultiPolygon(m) => m,
            Geometry::Polygon(x) => MultiPolygon(vec![x]),
            other => panic!("{other:?}"),
        }
        .difference(&water);
        let code = p["code"].as_str().unwrap();
        let people: f64 = demand.iter().filter(|d| d.1 == code).map(|d| d.2).sum();
        rows.push((
            p["name"].as_str().unwrap().to_string(),
            people / (land.unsigned_area() / 1e6),
            km_per_km2(&streets, &land),
        ));
    }
    rows.sort_by(|a, b| b.1.total_cmp(&a.1));
    println!("township: people per km², km of street per km²");
    for r in &rows {
        println!("  {}: {:.0}, {:.2}", r.0, r.1, r.2);
    }
    // Spearman's rank correlation between the two.
    let rank = |v: Vec<f64>| -> Vec<f64> {
        let mut idx: Vec<usize> = (0..v.len()).collect();
        idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
        let mut r = vec![0.0; v.len()];
        for (k, &i) in idx.iter().enumerate() {
            r[i] = k as f64;
        }
        r
    };
    let (rp, rs) = (
        rank(rows.iter().map(|r| r.1).collect()),
        rank(rows.iter().map(|r| r.2).collect()),
    );
    let n = rows.len() as f64;
    let d2: f64 = rp.iter().zip(&rs).map(|(a, b)| (a - b).powi(2)).sum();
    let spearman = 1.0 - 6.0 * d2 / (n * (n * n - 1.0));
    println!("Spearman rank correlation: {spearman:.2}");
    assert!(spearman >= 0.6, "{spearman}");

    // Around the 10 most populous communities (towns) against land 3 km or more from every
    // community (countryside): disks of 1 km, less the lakes.
    let disk = |c: Point<f64>| -> MultiPolygon<f64> {
        let ring: Vec<Coord<f64>> = (0..=64)
            .map(|k| {
                let a = std::f64::consts::TAU * k as f64 / 64.0;
                Coord {
                    x: c.x() + 1000.0 * a.cos(),
                    y: c.y() + 1000.0 * a.sin(),
                }
            })
            .collect();
        MultiPolygon(vec![Polygon::new(LineString(ring), vec![])]).difference(&water)
    };
    let mut communities: Vec<&(Point<f64>, String, f64, bool)> =
        demand.iter().filter(|d| d.3).collect();
    communities.sort_by(|a, b| b.2.total_cmp(&a.2));
    let towns: Vec<f64> = communities
        .iter()
        .take(10)
        .map(|d| km_per_km2(&streets, &disk(d.0)))
        .collect();
    let district = match map_geometry(&features("district.geojson")[0].2, |q| plane.xy(q)) {
        Geometry::MultiPolygon(m) => m,
        Geometry::Polygon(x) => MultiPolygon(vec![x]),
        other => panic!("{other:?}"),
    };
    let bbox = geo::BoundingRect::bounding_rect(&district).unwrap();
    let mut country = Vec::new();
    let mut y = bbox.min().y + 1000.0;
    while y < bbox.max().y {
        let mut x = bbox.min().x + 1000.0;
        while x < bbox.max().x {
            let c = Point::new(x, y);
            let far = communities
                .iter()
                .all(|d| Euclidean.distance(&d.0, &c) >= 3000.0);
            if far && district.contains(&disk(c)) {
                country.push(km_per_km2(&streets, &disk(c)));
            }
            x += 2000.0;
        }
        y += 2000.0;
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    println!(
        "around the 10 largest communities: {:.2} km/km² (each {:?}); countryside ({} disks): {:.2} km/km²",
        mean(&towns),
        towns.iter().map(|t| format!("{t:.1}")).collect::<Vec<_>>(),
        country.len(),
        mean(&country)
    );
    assert!(country.len() >= 5, "{}", country.len());
    assert!(
        mean(&towns) >= 2.0 * mean(&country),
        "towns {:.2}, countryside {:.2}",
        mean(&towns),
        mean(&country)
    );
}

/// Walking along the network against the straight line, between demand points: a plain
/// Dijkstra written here over the edges (lengths measured in the plane), each point joined
/// to its nearest segment by the oracle of the access test.
#[test]
fn walking_and_straight_line_answers_differ_across_water() {
    let plane = Plane::new();
    let net = network();
    let lines = edge_lines(&net, &plane);
    let n = net.vertex_count();
    let mut adj: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
    for (e, (ls, _)) in net.edges().iter().zip(&lines) {
        let m = Euclidean.length(ls);
        adj[e.a as usize].push((e.b as usize, m));
        adj[e.b as usize].push((e.a as usize, m));
    }
    let points: Vec<Point<f64>> = features("demand.geojson")
        .into_iter()
        .map(|(_, _, g)| {
            let Geometry::Point(x) = g else { panic!() };
            Point::from(plane.xy([x.x(), x.y()]))
        })
        .collect();
    // Join: the nearest segment; the two ends of its edge, each at the access leg plus the
    // way along the edge to it.
    let joins: Vec<[(usize, f64); 2]> = points
        .iter()
        .map(|p| {
            let mut best = (f64::INFINITY, 0, 0.0);
            for (e, (ls, _)) in lines.iter().enumerate() {
                let mut before = 0.0;
                for s in ls.lines() {
                    let d = Euclidean.distance(p, &s);
                    if d < best.0 {
                        let len = Euclidean.length(&s);
                        let q = geo::ClosestPoint::closest_point(&s, p);
                        let q = match q {
                            geo::Closest::Intersection(q) | geo::Closest::SinglePoint(q) => q,
                            geo::Closest::Indeterminate => s.start_point(),
                        };
                        let along = before + Euclidean.distance(&s.start_point(), &q).min(len);
                        best = (d, e, along);
                    }
                    before += Euclidean.length(&s);
                }
            }
            let (d, e, along) = best;
            let total = Euclidean.length(&lines[e].0);
            let edge = net.edge(e as u32);
            [
                (edge.a as usize, d + along),
                (edge.b as usize, d + (total - along)),
            ]
        })
        .collect();
    let mut ratios = Vec::new();
    let mut detours = Vec::new();
    for (i, ji) in joins.iter().enumerate() {
        let mut dist = vec![f64::INFINITY; n];
        let mut heap = BinaryHeap::new();
        for &(v, c) in ji {
            if c < dist[v] {
                dist[v] = c;
                heap.push(std::cmp::Reverse((c.to_bits(), v)));
            }
        }
        while let Some(std::cmp::Reverse((k, v))) = heap.pop() {
            let d = f64::from_bits(k);
            if d > dist[v] {
                continue;
            }
            for &(w, c) in &adj[v] {
                if d + c < dist[w] {
                    dist[w] = d + c;
                    heap.push(std::cmp::Reverse(((d + c).to_bits(), w)));
                }
            }
        }
        for (j, jj) in joins.iter().enumerate().skip(i + 1) {
            let straight = Euclidean.distance(&points[i], &points[j]);
            if !(500.0..=4000.0).contains(&straight) {
                continue;
            }
            let walk = jj
                .iter()
                .map(|&(v, c)| dist[v] + c)
                .fold(f64::INFINITY, f64::min);
            let r = walk / straight;
            ratios.push(r);
            if r >= 2.0 {
                detours.push((r, i, j, straight, walk));
            }
        }
    }
    ratios.sort_by(f64::total_cmp);
    detours.sort_by(|a, b| b.0.total_cmp(&a.0));
    let median = ratios[ratios.len() / 2];
    println!(
        "{} pairs 0.5-4 km apart: median walk/straight {median:.2}; {} pairs walk twice the straight line or more, e.g. {:?}",
        ratios.len(),
        detours.len(),
        detours
            .iter()
            .take(5)
            .map(|d| format!("demand[{}]-demand[{}]: {:.0} m straight, {:.0} m walking", d.1, d.2, d.3, d.4))
            .collect::<Vec<_>>()
    );
    // Mostly a street grid (a grid walks about 4/π of the straight line) ...
    assert!((1.05..=1.6).contains(&median), "{median}");
    // ... and across the water, a long way round.
    assert!(detours.len() >= 10, "{} detours", detours.len());
    assert!(detours[0].0 >= 3.0, "{:?}", detours[0]);
}

/// The files say what they are: the network's provenance, every roads feature's labels and
/// names, and the catalog's two entries.
#[test]
fn the_network_and_the_roads_say_they_are_synthetic() {
    let net = network();
    let p = &net.provenance;
    assert!(p.synthetic);
    assert!(
        p.source.contains("sample generator") && p.source.contains("invented"),
        "{}",
        p.source
    );
    assert!(p.attribution.contains("MIT"), "{}", p.attribution);
    let numbered =
        |s: &str, prefix: &str| s.strip_prefix(prefix).and_then(|n| n.parse::<u32>().ok());
    let mut names = std::collections::BTreeSet::new();
    for (id, props, _) in features("roads.geojson") {
        assert_eq!(props["synthetic"], true, "{id}");
        assert!(
            props["source"]
                .as_str()
                .is_some_and(|s| s.contains("invented")),
            "{id}"
        );
        let (zh, en) = (
            props["name"].as_str().unwrap(),
            props["name_en"].as_str().unwrap(),
        );
        let same = [
            ("示例路 ", "Sample Road "),
            ("示例桥 ", "Sample Bridge "),
            ("示例巷 ", "Sample Lane "),
        ]
        .iter()
        .any(|(z, e)| numbered(zh, z).is_some() && numbered(zh, z) == numbered(en, e));
        assert!(same, "{id}: {zh:?} / {en:?} is not a plain sample name");
        assert!(names.insert(zh.to_string()), "{id}: {zh} twice");
        let highway = props["highway"].as_str().unwrap();
        assert!(
            ["secondary", "tertiary", "residential", "service"].contains(&highway),
            "{id}: {highway}"
        );
    }
    // Every edge of the network carries one of those names.
    for e in 0..net.edge_count() as u32 {
        assert!(names.contains(net.name(e).unwrap()), "edge {e}");
    }
    let catalog: toml::Value =
        toml::from_str(&std::fs::read_to_string(sample_dir().join("layers.toml")).unwrap())
            .unwrap();
    let entry = |kind: &str| {
        catalog["layer"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["kind"].as_str() == Some(kind))
            .map(|l| l["file"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(entry("network"), ["network.nnet"]);
    assert_eq!(entry("roads"), ["roads.geojson"]);
    // Loaded as the server loads it: the network beside the layers, nothing refused.
    let snap = common::app::sample_snapshot();
    let served = snap
        .network
        .as_ref()
        .expect("the sample's network is loaded");
    assert!(served.graph.provenance.synthetic);
    assert_eq!(served.graph.edge_count(), net.edge_count());
    assert_eq!(
        snap.layer("roads").unwrap().features.len(),
        features("roads.geojson").len()
    );
}

/// Small enough to commit, and the same bytes from the same seed.
#[test]
fn the_files_are_small_and_the_same_for_a_seed() {
    let dir = sample_dir();
    let size = |f: &str| std::fs::metadata(dir.join(f)).unwrap().len();
    let (nnet, roads) = (size("network.nnet"), size("roads.geojson"));
    println!("network.nnet {nnet} bytes, roads.geojson {roads} bytes");
    assert!(nnet + roads <= 4_000_000, "{nnet} + {roads} bytes");
    let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/real");
    let run = |name: &str, seed: u64| -> PathBuf {
        let out = std::env::temp_dir().join(format!("nestmap-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&out).unwrap();
        nestmap::sample::generate(&real, &out, seed).unwrap();
        out
    };
    let (a, b) = (run("streets-a", 320507), run("streets-b", 320507));
    let other = run("streets-c", 7);
    let bytes = |d: &Path, f: &str| std::fs::read(d.join(f)).unwrap();
    for f in ["network.nnet", "roads.geojson", "layers.toml"] {
        assert!(bytes(&a, f) == bytes(&b, f), "{f} differs between two runs");
        assert!(
            bytes(&a, f) == bytes(&dir, f),
            "{f} differs from the committed file"
        );
    }
    assert!(
        bytes(&a, "network.nnet") != bytes(&other, "network.nnet"),
        "another seed, the same network"
    );
    // Nothing else left behind (no temporary network file).
    let mut names: Vec<String> = std::fs::read_dir(&a)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert!(
        names
            .iter()
            .all(|n| n.ends_with(".geojson") || n == "layers.toml" || n == "network.nnet"),
        "{names:?}"
    );
    for d in [a, b, other] {
        std::fs::remove_dir_all(d).unwrap();
    }
}
