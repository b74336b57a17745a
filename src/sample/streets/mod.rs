//! The sample's street network, invented: no road network of the district can be reached
//! from here, so `nestmap generate` synthesises one, written as the walking network
//! (`network.nnet`) and the `roads` layer the map draws (`roads.geojson`), the same ways in
//! both.
//!
//! # Steps
//!
//! 1. A lattice of 100 m units over the district's box, bent by a smooth warp (a few long
//!    sine waves, small enough that the map stays one-to-one: no two streets cross without a
//!    junction), so streets curve gently instead of running ruler-straight.
//! 2. A quadtree of blocks on it: 800 m blocks everywhere, split to 400 m and 200 m where
//!    the demand layer's people are dense (a Gaussian kernel of [`SIGMA_KM`] around each
//!    village and community, persons per km²). Every block side is a street. In the
//!    countryside a quarter of the 800 m sides off the 1600 m arterial lines are dropped, so
//!    the blocks are not all alike.
//! 3. A 100 m piece of street is kept when its midpoint is inside the district outline and it
//!    touches no lake of the `water` layer (Yangcheng Lake, Taihu): streets stop at the shore.
//! 4. A few bridges (`示例桥 1`, …): runs of lattice line across water between two kept
//!    streets, at most [`MAX_BRIDGE_KM`] long. First those that join a piece of the network
//!    cut off by water to the rest, shortest first; then, up to [`MAX_BRIDGES`], those that
//!    save the longest detour (walking distance round the water over the bridge's length, at
//!    least [`MIN_DETOUR`]), [`BRIDGE_SPACING_KM`] apart. So most pairs across a lake still
//!    walk round it: walking and straight-line answers differ.
//! 5. Lanes (`示例巷 1`, …): every demand point and every sample facility (nursing rooms,
//!    stations, parks, communities, family points, school stops) farther than
//!    [`LANE_FROM_M`] from a street gets a straight lane to the nearest point of the network
//!    (that street is split there), unless the lane would touch water or cross a street, in
//!    which case the next nearest street within 1 km (2 km if none) is tried. So every one
//!    of them is within `LANE_FROM_M` of a street; the CLI's summary names the farthest.
//!
//! Positions are rounded to 7 decimals before anything is tested, so the tests' oracles see
//! exactly the geometry that was checked here. The draws come from their own generator
//! (the seed mixed with a constant), so adding the network changed no other layer's bytes.
//!
//! Every way is named plainly as a sample (`示例路 12` / `Sample Road 12`) and every roads
//! feature carries `synthetic: true` and a `source`; so does the network file's provenance.

mod bridges;
mod lanes;
mod lattice;
mod rings;

use std::collections::{BTreeSet, HashMap};

use geo::{BoundingRect, Coord, Rect};
use serde_json::{json, Value};

use super::real::RealData;
use super::{LayerFile, Rng};
use crate::crs::Crs;
use crate::network::build::WayClass;
use crate::network::{self, Network, Provenance, Way};
use lattice::{node_id, Frame, Piece};
use rings::{Rings, Water};

/// Lattice unit, km.
pub(super) const UNIT_KM: f64 = 0.1;
/// The countryside block: 8 units (800 m).
pub(super) const ROOT: i32 = 8;
/// Arterial lines every 16 units (1600 m): never dropped, `highway=secondary`.
pub(super) const ARTERIAL: i32 = 16;
/// Persons per km² from which blocks are 200 m.
pub(super) const DENSE_200: f64 = 2500.0;
/// Persons per km² from which blocks are 400 m.
pub(super) const DENSE_400: f64 = 900.0;
/// The kernel's width around each demand point, km.
pub const SIGMA_KM: f64 = 0.7;
/// Share of countryside block sides dropped.
pub(super) const DROP_SHARE: f64 = 0.25;
/// A place farther than this from every street gets a lane, metres.
pub const LANE_FROM_M: f64 = 120.0;
/// A lane joins one of the streets within this distance (twice it, if none), km.
pub(super) const LANE_SEARCH_KM: f64 = 1.0;
/// Bridges at most.
pub const MAX_BRIDGES: usize = 4;
/// A bridge spans at most this much, km.
pub const MAX_BRIDGE_KM: f64 = 3.0;
/// A bridge chosen for the detour it saves must save at least this ratio.
pub const MIN_DETOUR: f64 = 3.0;
/// Bridges chosen for detours are at least this far apart, km.
pub const BRIDGE_SPACING_KM: f64 = 2.5;
/// A component of fewer vertices than this is not worth a bridge.
pub(super) const MIN_BRIDGED: usize = 20;

/// The `source` of every roads feature and of the network file.
pub const SOURCE: &str = "nestmap sample generator: an invented street network (a warped grid, denser where the sample population lives, clipped to the district outline and kept off the lakes); not a survey of any real street";
/// The licence and attribution of the network file.
pub const ATTRIBUTION: &str = "synthetic sample, MIT (the nestmap project's licence); laid out within the district outline (© OpenStreetMap contributors, ODbL) and off the GSHHG lakes (LGPL-3.0-or-later)";

/// What the generator made: the network, the roads layer and a summary.
pub struct SampleStreets {
    /// The walking network.
    pub network: Network,
    /// The `roads` layer: one feature per way.
    pub roads: LayerFile,
    /// Bridges, lanes and the farthest place from a street, for the CLI.
    pub summary: String,
}

/// A place that should be near a street: its layer and id (for messages) and position.
pub(super) struct Site {
    pub(super) what: String,
    pub(super) at: [f64; 2],
}

/// A demand point's position and population.
type People = ([f64; 2], f64);

/// Every point the network should reach: each demand point and each facility (a polygon by
/// the mean of its outline's vertices), converted to WGS84 from its layer's CRS.
fn sites(layers: &[LayerFile]) -> Result<(Vec<Site>, Vec<People>), String> {
    const REACHED: &[&str] = &[
        "demand",
        "nursing_rooms",
        "child_friendly_communities",
        "pocket_parks",
        "service_stations",
        "school_bus_stops",
        "generic",
    ];
    let mut out = Vec::new();
    let mut people = Vec::new();
    for l in layers.iter().filter(|l| REACHED.contains(&l.kind)) {
        let crs: Crs = l.crs.parse().map_err(|e| format!("layer {}: {e}", l.id))?;
        for f in &l.features {
            let mut coords = Vec::new();
            flatten(&f["geometry"]["coordinates"], &mut coords);
            // A closed ring repeats its first vertex: count it once.
            if coords.len() > 1 && coords.first() == coords.last() {
                coords.pop();
            }
            if coords.is_empty() {
                continue;
            }
            let mut sum = [0.0, 0.0];
            for c in &coords {
                let (lon, lat) = crs
                    .to_wgs84(c[0], c[1])
                    .map_err(|e| format!("layer {}: {e}", l.id))?;
                sum = [sum[0] + lon, sum[1] + lat];
            }
            let n = coords.len() as f64;
            let at = [sum[0] / n, sum[1] / n];
            out.push(Site {
                what: format!("{} {}", l.id, f["id"].as_str().unwrap_or("?")),
                at,
            });
            if l.kind == "demand" {
                people.push((at, f["properties"]["population"].as_f64().unwrap_or(0.0)));
            }
        }
    }
    Ok((out, people))
}

fn flatten(v: &Value, out: &mut Vec<[f64; 2]>) {
    match v.as_array() {
        Some(a) if a.len() >= 2 && a[0].is_number() => {
            if let (Some(x), Some(y)) = (a[0].as_f64(), a[1].as_f64()) {
                out.push([x, y]);
            }
        }
        Some(a) => a.iter().for_each(|x| flatten(x, out)),
        None => {}
    }
}

/// One way as the generator keeps it: its nodes, name, OSM `highway` class, bridge or not.
pub(super) struct SWay {
    pub(super) nodes: Vec<i64>,
    pub(super) name: String,
    pub(super) name_en: String,
    pub(super) highway: &'static str,
    pub(super) bridge: bool,
}

/// Build the sample network for `real` and the synthetic `layers` already made.
pub fn streets(real: &RealData, layers: &[LayerFile], seed: u64) -> Result<SampleStreets, String> {
    let mut rng = Rng::new(seed ^ 0x6E65_7477_6F72_6B73); // "networks": a stream of its own
    let bbox = real
        .district
        .bounding_rect()
        .ok_or("the district outline is empty")?;
    let lat_mid = (bbox.min().y + bbox.max().y) / 2.0;
    // The lattice starts a block south-west of the district's box and ends a block past it.
    let kx0 = 111.320 * lat_mid.to_radians().cos();
    let (lon0, lat0) = (
        bbox.min().x - ROOT as f64 * UNIT_KM / kx0,
        bbox.min().y - ROOT as f64 * UNIT_KM / 110.86,
    );
    let frame = Frame::new(&mut rng, lon0, lat0, lat_mid);
    let span = |d: f64| ((d / UNIT_KM).ceil() as i32 / ROOT + 2) * ROOT;
    let size = (
        span((bbox.max().x - lon0) * frame.kx),
        span((bbox.max().y - lat0) * frame.ky),
    );
    let (sites, people) = sites(layers)?;
    let people_km: Vec<([f64; 2], f64)> = people.iter().map(|(p, n)| (frame.km(*p), *n)).collect();

    // 1, 2: the blocks.
    let pieces = lattice::blocks(&frame, size, &people_km, &mut rng);
    // 3: inside the district, off the water.
    let water = Water::new(real);
    let mut pos: HashMap<i64, [f64; 2]> = HashMap::new();
    let (mut kept, wet) = clip(&pieces, &frame, real, &water, &mut pos);
    // 4: bridges.
    let kept_nodes: BTreeSet<(i32, i32)> = kept.iter().flat_map(|p| p.ends()).collect();
    let candidates = bridges::candidates(&wet, &kept_nodes, &frame, &pos, real);
    let mut graph = bridges::Graph::new(&kept, &pos, &frame);
    let bridges = bridges::choose(&candidates, &mut graph, &frame, &pos);
    // Fragments that water and the outline cut off and no bridge joined (a few pieces of
    // street on a spit of land) are dropped: a place near one would be near no street that
    // leads anywhere.
    let before = kept.len();
    kept.retain(|p| {
        let r = graph.root(p.ends()[0]);
        graph.size(r) >= MIN_BRIDGED
    });
    let dropped = before - kept.len();
    let mut ways = ways(&kept, &bridges);
    // 5: lanes.
    let lanes = lanes::lanes(&mut ways, &mut pos, &sites, &frame, &water)?;

    // Out: the network and the roads layer, from the same ways.
    let net_ways: Vec<Way> = ways
        .iter()
        .map(|w| Way {
            nodes: w.nodes.iter().map(|id| (*id, pos[id])).collect(),
            name: Some(w.name.clone()),
            class: WayClass::Walk,
        })
        .collect();
    let (network, report) = network::build(
        &net_ways,
        Provenance {
            source: SOURCE.into(),
            synthetic: true,
            attribution: ATTRIBUTION.into(),
        },
    );
    let features: Vec<Value> = ways
        .iter()
        .zip(&net_ways)
        .enumerate()
        .map(|(k, (w, nw))| {
            let coords: Vec<[f64; 2]> = nw.nodes.iter().map(|n| n.1).collect();
            let mut props = json!({"highway": w.highway, "name": w.name, "name_en": w.name_en, "synthetic": true, "source": SOURCE});
            if w.bridge {
                props["bridge"] = json!("yes");
            }
            json!({"type": "Feature", "id": format!("road-{:04}", k + 1), "geometry": {"type": "LineString", "coordinates": coords}, "properties": props})
        })
        .collect();
    let summary = format!(
        "network.nnet: {} vertices, {} edges, {:.0} km, {} components (largest {} vertices), {} bridges, {} lanes, {} pieces of street cut off by water dropped; farthest place from a street {:.0} m ({})",
        report.vertices,
        report.edges,
        report.km,
        report.components.len(),
        report.components.first().copied().unwrap_or(0),
        bridges.len(),
        lanes.count,
        dropped,
        lanes.farthest_m,
        lanes.farthest
    );
    Ok(SampleStreets {
        network,
        roads: LayerFile {
            id: "roads",
            title_zh: "道路（示例）",
            title_en: "Streets (sample)",
            kind: "roads",
            crs: "wgs84",
            radius_m: 1000,
            features,
            synthetic: true,
            style: "",
        },
        summary,
    })
}

/// Step 3: the pieces kept (midpoint inside the outline, touching no lake) and the wet ones
/// (touching a lake: where bridges may go), each node's position put in `pos`. Each 800 m
/// root's box (with a margin past the warp) is first found inside the outline, outside it
/// or across it, and near a lake or not: only pieces of roots across the outline or near a
/// lake are tested one by one.
fn clip(
    pieces: &BTreeSet<Piece>,
    frame: &Frame,
    real: &RealData,
    water: &Water,
    pos: &mut HashMap<i64, [f64; 2]>,
) -> (BTreeSet<Piece>, BTreeSet<Piece>) {
    let margin = 2.0 * UNIT_KM;
    let outline = Rings::new(&real.district.0);
    let mut roots: HashMap<(i32, i32), (Option<bool>, bool)> = HashMap::new();
    let mut root_of = |p: Piece| -> (Option<bool>, bool) {
        let (i, j) = p.ends()[0];
        let key = (i.div_euclid(ROOT), j.div_euclid(ROOT));
        *roots.entry(key).or_insert_with(|| {
            let (x0, y0) = (
                (key.0 * ROOT) as f64 * UNIT_KM,
                (key.1 * ROOT) as f64 * UNIT_KM,
            );
            let ll = |x: f64, y: f64| Coord {
                x: frame.lon0 + x / frame.kx,
                y: frame.lat0 + y / frame.ky,
            };
            let side = ROOT as f64 * UNIT_KM;
            let rect = Rect::new(
                ll(x0 - margin, y0 - margin),
                ll(x0 + side + margin, y0 + side + margin),
            );
            let inside = if outline.crosses_rect(&rect) {
                None
            } else {
                Some(outline.contains(rect.center()))
            };
            (inside, water.near(&rect))
        })
    };
    let mut kept: BTreeSet<Piece> = BTreeSet::new();
    let mut wet: BTreeSet<Piece> = BTreeSet::new();
    for &p in pieces {
        let [a, b] = p
            .ends()
            .map(|n| *pos.entry(node_id(n)).or_insert_with(|| frame.pos(n)));
        let (inside, near_water) = root_of(p);
        if near_water && water.touches(a, b) {
            wet.insert(p);
        } else if inside.unwrap_or_else(|| {
            outline.contains(Coord {
                x: (a[0] + b[0]) / 2.0,
                y: (a[1] + b[1]) / 2.0,
            })
        }) {
            kept.insert(p);
        }
    }
    (kept, wet)
}

/// The ways: each maximal run of kept pieces on one lattice line is a street (`示例路 n`, in
/// line order), then each bridge (`示例桥 n`).
fn ways(kept: &BTreeSet<Piece>, bridges: &[Vec<Piece>]) -> Vec<SWay> {
    let mut ways: Vec<SWay> = Vec::new();
    let mut runs: Vec<Vec<Piece>> = Vec::new();
    for &p in kept {
        match runs.last_mut() {
            Some(run)
                if run.last().is_some_and(|q| {
                    q.vertical == p.vertical && q.line == p.line && q.along + 1 == p.along
                }) =>
            {
                run.push(p)
            }
            _ => runs.push(vec![p]),
        }
    }
    let nodes = |run: &[Piece]| -> Vec<i64> {
        std::iter::once(node_id(run[0].ends()[0]))
            .chain(run.iter().map(|p| node_id(p.ends()[1])))
            .collect()
    };
    for run in &runs {
        let n = ways.len() + 1;
        ways.push(SWay {
            nodes: nodes(run),
            name: format!("示例路 {n}"),
            name_en: format!("Sample Road {n}"),
            highway: lattice::class_of(run[0].line),
            bridge: false,
        });
    }
    for (k, b) in bridges.iter().enumerate() {
        ways.push(SWay {
            nodes: nodes(b),
            name: format!("示例桥 {}", k + 1),
            name_en: format!("Sample Bridge {}", k + 1),
            highway: lattice::class_of(b[0].line),
            bridge: true,
        });
    }
    ways
}
