//! The frozen, indexed state that queries read: every layer with its features, index and
//! summary, plus the load report. Built once by [`crate::load`], then shared behind an `Arc`.

use std::sync::Arc;

use opening_hours::OpeningHours;

use crate::catalog::LayerSpec;
use crate::index::LayerIndex;
use crate::load::LoadReport;
use crate::model::Feature;

/// Layers of at least this many features build their index on a second thread.
const PARALLEL_FROM: usize = 50_000;

/// One loaded layer.
#[derive(Debug)]
pub struct Layer {
    /// Its catalog entry.
    pub spec: LayerSpec,
    /// Features in file order (geometries live in the index, same order).
    pub features: Vec<Feature>,
    /// The spatial index, owner of the geometries.
    pub index: LayerIndex,
    /// Feature position by id (looked up with [`Layer::position`]).
    ids: IdTable,
    /// Parsed `opening_hours` per feature (None when absent; boxed, as most have none).
    pub hours: Vec<Option<Box<OpeningHours>>>,
    /// `[minlon, minlat, maxlon, maxlat]` of all features; None when empty.
    pub bbox: Option<[f64; 4]>,
    /// The GeoJSON geometry type shared by all features, or `Mixed`.
    pub geometry_type: &'static str,
}

impl Layer {
    /// Assemble a layer from validated features and their WGS84 geometries.
    pub fn new(spec: LayerSpec, features: Vec<(Feature, geo::Geometry<f64>)>) -> Self {
        let mut ids = IdTable::with_capacity(features.len());
        for i in 0..features.len() {
            ids.insert_new(i as u32, |j| features[j as usize].0.id.as_str());
        }
        Layer::with_ids(spec, features, ids)
    }

    /// [`Layer::new`] with the id table already built (the loader builds it to find
    /// duplicates; positions are the features' positions).
    pub(crate) fn with_ids(
        spec: LayerSpec,
        features: Vec<(Feature, geo::Geometry<f64>)>,
        ids: IdTable,
    ) -> Self {
        use geo::BoundingRect;
        let mut bbox: Option<[f64; 4]> = None;
        let mut geometry_type: Option<&'static str> = None;
        for (_, g) in &features {
            if let Some(r) = g.bounding_rect() {
                let b = bbox.get_or_insert([r.min().x, r.min().y, r.max().x, r.max().y]);
                b[0] = b[0].min(r.min().x);
                b[1] = b[1].min(r.min().y);
                b[2] = b[2].max(r.max().x);
                b[3] = b[3].max(r.max().y);
            }
            let t = geometry_name(g);
            geometry_type = match geometry_type {
                None => Some(t),
                Some(prev) if prev == t => Some(t),
                Some(_) => Some("Mixed"),
            };
        }
        let (props, geoms): (Vec<Feature>, Vec<geo::Geometry<f64>>) = features.into_iter().unzip();
        let hours_of = |props: &[Feature]| -> Vec<Option<Box<OpeningHours>>> {
            props
                .iter()
                .map(|f| {
                    f.properties
                        .get("opening_hours")
                        .and_then(|v| v.as_str())
                        .and_then(|s| crate::query::hours::parse_hours(s).ok())
                        .map(Box::new)
                })
                .collect()
        };
        // A big layer's index is built on a second thread while this one reads the hours.
        let (index, hours) = if geoms.len() >= PARALLEL_FROM {
            std::thread::scope(|s| {
                let index = s.spawn(|| LayerIndex::build(geoms));
                let hours = hours_of(&props);
                (index.join().expect("index build does not panic"), hours)
            })
        } else {
            (LayerIndex::build(geoms), hours_of(&props))
        };
        Layer {
            spec,
            features: props,
            index,
            ids,
            hours,
            bbox,
            geometry_type: geometry_type.unwrap_or("Unknown"),
        }
    }

    /// The position of the feature with this id.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.ids
            .find(id, |j| self.features[j as usize].id.as_str())
            .map(|j| j as usize)
    }

    /// The WGS84 geometry of feature `i`.
    pub fn geometry(&self, i: usize) -> &geo::Geometry<f64> {
        self.index.geometry(i)
    }

    /// How many features are marked `synthetic: true`.
    pub fn synthetic_count(&self) -> usize {
        self.features.iter().filter(|f| f.is_synthetic()).count()
    }
}

/// Positions of features by id, without a second copy of the ids: a hash table of feature
/// positions, compared through a function that gives a position's id.
#[derive(Debug, Default)]
pub(crate) struct IdTable(hashbrown::HashTable<u32>);

/// FxHash over 8-byte words: ids are short and trusted, and this runs once per feature.
fn hash_id(id: &str) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = id.len() as u64;
    let mut chunks = id.as_bytes().chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    let mut tail = [0u8; 8];
    tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    h = (h.rotate_left(5) ^ u64::from_le_bytes(tail)).wrapping_mul(K);
    h ^ (h >> 29)
}

impl IdTable {
    pub(crate) fn with_capacity(n: usize) -> Self {
        IdTable(hashbrown::HashTable::with_capacity(n))
    }

    /// The position whose id is `id`.
    pub(crate) fn find<'a>(&self, id: &str, id_of: impl Fn(u32) -> &'a str) -> Option<u32> {
        self.0.find(hash_id(id), |&j| id_of(j) == id).copied()
    }

    /// Record position `i` under its id `id_of(i)`; a later position with the same id wins.
    pub(crate) fn insert_new<'a>(&mut self, i: u32, id_of: impl Fn(u32) -> &'a str) {
        let id = id_of(i);
        match self
            .0
            .entry(hash_id(id), |&j| id_of(j) == id, |&j| hash_id(id_of(j)))
        {
            hashbrown::hash_table::Entry::Occupied(mut e) => *e.get_mut() = i,
            hashbrown::hash_table::Entry::Vacant(e) => {
                e.insert(i);
            }
        }
    }
}

/// The GeoJSON name of a geometry's type.
pub fn geometry_name(g: &geo::Geometry<f64>) -> &'static str {
    use geo::Geometry as G;
    match g {
        G::Point(_) => "Point",
        G::MultiPoint(_) => "MultiPoint",
        G::Line(_) | G::LineString(_) => "LineString",
        G::MultiLineString(_) => "MultiLineString",
        G::Polygon(_) | G::Rect(_) | G::Triangle(_) => "Polygon",
        G::MultiPolygon(_) => "MultiPolygon",
        G::GeometryCollection(_) => "GeometryCollection",
    }
}

/// Every layer, frozen, with the report of what loading refused.
#[derive(Debug)]
pub struct Snapshot {
    /// Layers in catalog order (shared, so an edit rebuilds only its own layer).
    pub layers: Vec<Arc<Layer>>,
    /// What the loader refused or warned about.
    pub report: LoadReport,
}

impl Snapshot {
    /// A snapshot of `layers` with the report of how they were loaded.
    pub fn new(layers: Vec<Layer>, report: LoadReport) -> Self {
        Snapshot {
            layers: layers.into_iter().map(Arc::new).collect(),
            report,
        }
    }

    /// The layer with this id.
    pub fn layer(&self, id: &str) -> Option<&Layer> {
        self.layers.iter().find(|l| l.spec.id == id).map(|l| &**l)
    }
}
