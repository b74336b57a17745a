//! The frozen, indexed state that queries read: every layer with its features, index and
//! summary, plus the load report. Built once by [`crate::load`], then shared behind an `Arc`.

use std::sync::Arc;

use opening_hours::OpeningHours;

use crate::catalog::LayerSpec;
use crate::index::LayerIndex;
use crate::model::{geometry_name, parse_hours, Feature, IdTable};
use crate::report::LoadReport;

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
    /// This layer's version: a number no other layer built by this process has (an edit or
    /// a reload builds a new layer, so a new version). With [`process_epoch`] it names the
    /// data a cached answer was made from (the HTTP `ETag`s).
    pub version: u64,
}

/// Versions handed out to layers, in build order.
static NEXT_VERSION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// When this process started handing out versions (nanoseconds since the Unix epoch, read
/// once): versions restart at 1 in a new process, so validators carry this as well.
pub fn process_epoch() -> u64 {
    static EPOCH: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *EPOCH.get_or_init(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0)
    })
}

impl Layer {
    /// Assemble a layer from validated features and their WGS84 geometries (for callers
    /// that validated them themselves: the id table is built and the hours parsed here).
    pub fn new(spec: LayerSpec, features: Vec<(Feature, geo::Geometry<f64>)>) -> Self {
        let mut ids = IdTable::with_capacity(features.len());
        for i in 0..features.len() {
            ids.insert_new(i as u32, |j| features[j as usize].0.id.as_str());
        }
        let hours = features
            .iter()
            .map(|(f, _)| {
                f.properties
                    .get("opening_hours")
                    .and_then(|v| v.as_str())
                    .and_then(|s| parse_hours(s).ok())
                    .map(Box::new)
            })
            .collect();
        Layer::from_parts(spec, features, ids, hours)
    }

    /// [`Layer::new`] with the id table and the hours the loader built while checking the
    /// features (positions are the features' positions).
    pub(crate) fn from_parts(
        spec: LayerSpec,
        features: Vec<(Feature, geo::Geometry<f64>)>,
        ids: IdTable,
        hours: Vec<Option<Box<OpeningHours>>>,
    ) -> Self {
        debug_assert_eq!(hours.len(), features.len());
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
        let index = LayerIndex::build(geoms);
        Layer {
            spec,
            features: props,
            index,
            ids,
            hours,
            bbox,
            geometry_type: geometry_type.unwrap_or("Unknown"),
            version: NEXT_VERSION.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
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

/// Every layer, frozen, with the report of what loading refused.
#[derive(Debug)]
pub struct Snapshot {
    /// Layers in catalog order (shared, so an edit rebuilds only its own layer).
    pub layers: Vec<Arc<Layer>>,
    /// What the loader refused or warned about.
    pub report: LoadReport,
    /// The walking network, when the catalog declares one (`kind = "network"`).
    pub network: Option<Arc<NetworkLayer>>,
}

/// The walking network as served: its catalog entry, the graph and the index that snaps
/// points to it.
#[derive(Debug)]
pub struct NetworkLayer {
    /// Its catalog entry.
    pub spec: LayerSpec,
    /// The graph.
    pub graph: crate::network::Network,
    /// Its edges, indexed for snapping.
    pub snap: crate::network::SnapIndex,
    /// Each facility layer's features joined to the graph, by layer version: built on the
    /// first question that needs them (a layer nobody walks to costs nothing), rebuilt when
    /// an edit makes a new version.
    targets: std::sync::Mutex<Vec<(u64, Arc<crate::network::Targets>)>>,
    /// Search arrays of finished questions, for the next ones (at most one per thread).
    states: std::sync::Mutex<Vec<crate::network::search::State>>,
}

impl NetworkLayer {
    /// Index a loaded graph.
    pub fn new(spec: LayerSpec, graph: crate::network::Network) -> Self {
        let snap = crate::network::SnapIndex::build(&graph);
        NetworkLayer {
            spec,
            graph,
            snap,
            targets: Default::default(),
            states: Default::default(),
        }
    }

    /// A search over the graph, reusing the arrays of a finished one; give it back with
    /// [`NetworkLayer::give_back`].
    pub fn search(&self, speed_mps: f64) -> crate::network::Search<'_> {
        let state = self
            .states
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .unwrap_or_default();
        crate::network::Search::with_state(&self.graph, speed_mps, state)
    }

    /// Keep a finished search's arrays for the next question.
    pub fn give_back(&self, search: crate::network::Search<'_>) {
        let mut states = self.states.lock().unwrap_or_else(|e| e.into_inner());
        if states.len() < 8 {
            states.push(search.into_state());
        }
    }

    /// `layer`'s features joined to the graph (target `i` is feature `i`).
    pub fn targets(&self, layer: &Layer) -> Arc<crate::network::Targets> {
        let mut cache = self.targets.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, t)) = cache.iter().find(|(v, _)| *v == layer.version) {
            return t.clone();
        }
        let t = Arc::new(crate::network::Targets::attach(
            &self.graph,
            &self.snap,
            (0..layer.features.len()).map(|i| layer.geometry(i)),
        ));
        // Keep the newest few versions (an edit makes a new one; old snapshots may still ask).
        if cache.len() >= 16 {
            cache.remove(0);
        }
        cache.push((layer.version, t.clone()));
        t
    }
}

impl Snapshot {
    /// A snapshot of `layers` with the report of how they were loaded.
    pub fn new(layers: Vec<Layer>, report: LoadReport) -> Self {
        Snapshot {
            layers: layers.into_iter().map(Arc::new).collect(),
            report,
            network: None,
        }
    }

    /// The layer with this id.
    pub fn layer(&self, id: &str) -> Option<&Layer> {
        self.layers.iter().find(|l| l.spec.id == id).map(|l| &**l)
    }
}
