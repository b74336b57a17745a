//! "How far can she walk in 5, 10, 15 minutes?": isochrone bands from a point, or the joint
//! catchment of every facility of a layer (one many-source search), each with the people
//! and children of the demand layer inside it and the length of network it reaches. How a
//! band's polygon is drawn: [`crate::network::isochrone`].

use geo::{Intersects, MultiPolygon, Point};

use crate::model::LayerKind;
use crate::network::isochrone::{polygon, reached};
use crate::network::{Seed, Snap};
use crate::query::deadline::{Stop, Work};
use crate::snapshot::{NetworkLayer, Snapshot};

/// The most bands a request may ask.
pub const MAX_BANDS: usize = 6;
/// The longest band, minutes.
pub const MAX_MINUTES: f64 = 60.0;
/// `width_m` when not given: the half-width a reached path stands for.
pub const DEFAULT_WIDTH_M: f64 = 50.0;
/// The range of `width_m`.
pub const WIDTH_RANGE_M: (f64, f64) = (5.0, 500.0);

/// Where the walks start.
#[derive(Debug, Clone, Copy)]
pub enum Origin {
    /// One point, `[lon, lat]`.
    Point([f64; 2]),
    /// Every feature of the layer at this snapshot index.
    Layer(usize),
}

/// One band.
#[derive(Debug, Clone)]
pub struct Band {
    /// Its minutes.
    pub minutes: f64,
    /// Its cost in metres of level walking (minutes at the speed).
    pub limit_m: f64,
    /// The polygon, `[lon, lat]`.
    pub polygon: MultiPolygon<f64>,
    /// Ground metres of network reached.
    pub network_m: f64,
    /// Demand points inside, and their population and children.
    pub demand_points: usize,
    /// Sum of `population` of the demand points inside.
    pub population: i64,
    /// Sum of `children` of the demand points inside.
    pub children: i64,
}

/// What the search found.
#[derive(Debug, Clone)]
pub enum IsoAnswer {
    /// The bands, shortest first, and how many origins joined the network and how many were
    /// farther than `max_access_m` from it.
    Bands {
        /// The bands.
        bands: Vec<Band>,
        /// Origins on the network.
        joined: usize,
        /// Origins left out (too far from every path).
        off_network: usize,
    },
    /// A point origin farther than `max_access_m` from every edge (the nearest this far).
    OffNetwork {
        /// Metres to the nearest edge, if any.
        nearest_m: Option<f64>,
    },
}

/// The bands of `minutes` (ascending) from `origin`, walking at `walk_kmh`.
#[allow(clippy::too_many_arguments)]
pub fn isochrones(
    snap: &Snapshot,
    net: &NetworkLayer,
    origin: Origin,
    minutes: &[f64],
    walk_kmh: f64,
    max_access_m: f64,
    width_m: f64,
    work: &mut Work,
) -> Result<IsoAnswer, Stop> {
    let graph = &net.graph;
    let speed = walk_kmh / 3.6;
    let (origins, off_network): (Vec<Snap>, usize) = match origin {
        Origin::Point(p) => match net.snap.snap(graph, p, max_access_m) {
            Some(s) => (vec![s], 0),
            None => {
                let nearest_m = net.snap.snap(graph, p, f64::INFINITY).map(|s| s.access_m);
                return Ok(IsoAnswer::OffNetwork { nearest_m });
            }
        },
        Origin::Layer(li) => {
            let targets = net.targets(&snap.layers[li]);
            let mut joined: Vec<Snap> = Vec::new();
            let mut on = vec![false; targets.len()];
            for en in targets.entrances() {
                if en.snap.access_m <= max_access_m {
                    on[en.target as usize] = true;
                    joined.push(en.snap);
                }
            }
            let off = on.iter().filter(|&&o| !o).count();
            (joined, off)
        }
    };
    let limits: Vec<f64> = minutes.iter().map(|m| m * 60.0 * speed).collect();
    let top = limits.iter().copied().fold(0.0, f64::max);
    let mut search = net.search(speed);
    let seeds: Vec<Seed> = origins
        .iter()
        .flat_map(|s| Seed::from_snap(graph, s, speed, 0))
        .collect();
    search.start(&seeds, top);
    while search.settle_next().is_some() {
        work.visit()?;
    }
    let demand: Vec<(&crate::snapshot::Layer, usize)> = snap
        .layers
        .iter()
        .filter(|l| l.spec.kind == LayerKind::Demand)
        .flat_map(|l| (0..l.features.len()).map(move |i| (&**l, i)))
        .collect();
    let mut bands = Vec::with_capacity(limits.len());
    for (&m, &limit_m) in minutes.iter().zip(&limits) {
        let reach = reached(&search, &origins, limit_m);
        for _ in 0..reach.pieces.len() / 64 {
            work.visit()?;
        }
        let poly = polygon(&reach, width_m);
        let (mut points, mut population, mut children) = (0, 0, 0);
        for &(layer, i) in &demand {
            work.visit()?;
            let inside = match layer.geometry(i) {
                geo::Geometry::Point(p) => poly.intersects(p),
                g => poly.intersects(&geo::Centroid::centroid(g).unwrap_or(Point::new(0.0, 0.0))),
            };
            if inside {
                let props = &layer.features[i].properties;
                let num = |k: &str| props.get(k).and_then(|v| v.as_i64()).unwrap_or(0);
                points += 1;
                population += num("population");
                children += num("children");
            }
        }
        bands.push(Band {
            minutes: m,
            limit_m,
            polygon: poly,
            network_m: reach.length_m,
            demand_points: points,
            population,
            children,
        });
    }
    net.give_back(search);
    Ok(IsoAnswer::Bands {
        bands,
        joined: match origin {
            Origin::Point(_) => 1,
            Origin::Layer(li) => snap.layers[li].features.len() - off_network,
        },
        off_network,
    })
}
