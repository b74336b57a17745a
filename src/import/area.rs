//! Where an import keeps things: everywhere, inside a `--bbox`, or inside the polygons of a
//! `--clip` layer of the data directory's catalog. A node is kept when it lies inside; a way
//! keeps its runs of kept nodes (so a way that leaves the area is cut at its last node
//! inside, and one that comes back in gives a second piece).

use std::path::Path;

use geo::Geometry;

use super::ImportError;
use crate::catalog::read_catalog;
use crate::model::{GeometryFamily, LayerKind};

/// The area as asked for on the command line.
#[derive(Debug, Clone, PartialEq)]
pub enum AreaChoice {
    /// Keep everything.
    Whole,
    /// Keep what lies inside this polygon layer of the output directory's catalog.
    Clip(String),
    /// Keep what lies inside `[minlon, minlat, maxlon, maxlat]`.
    BBox([f64; 4]),
}

/// A resolved area, ready for point tests.
#[derive(Debug)]
pub enum Area {
    /// Everything.
    Whole,
    /// A box, `[minlon, minlat, maxlon, maxlat]`.
    BBox([f64; 4]),
    /// Polygons (holes are holes), indexed by latitude bands.
    Polygons(Box<PolygonIndex>),
}

impl Area {
    /// Resolve a choice; `--clip` reads `dir`'s catalog and the layer's file.
    pub fn resolve(choice: &AreaChoice, dir: &Path) -> Result<Area, ImportError> {
        match choice {
            AreaChoice::Whole => Ok(Area::Whole),
            AreaChoice::BBox(b) => Ok(Area::BBox(*b)),
            AreaChoice::Clip(id) => clip_layer(id, dir).map(|p| Area::Polygons(Box::new(p))),
        }
    }

    /// Whether `p` (`[lon, lat]`) lies inside.
    #[inline]
    pub fn contains(&self, p: [f64; 2]) -> bool {
        match self {
            Area::Whole => true,
            Area::BBox(b) => (b[0]..=b[2]).contains(&p[0]) && (b[1]..=b[3]).contains(&p[1]),
            Area::Polygons(index) => index.contains(p),
        }
    }

    /// The area's bounding box, None for the whole world.
    pub fn bbox(&self) -> Option<[f64; 4]> {
        match self {
            Area::Whole => None,
            Area::BBox(b) => Some(*b),
            Area::Polygons(index) => Some(index.bbox),
        }
    }
}

/// Read the polygons of layer `id` of `dir/layers.toml`.
fn clip_layer(id: &str, dir: &Path) -> Result<PolygonIndex, ImportError> {
    let refuse = |reason: String| ImportError::Clip {
        layer: id.to_string(),
        reason,
    };
    let catalog = dir.join(crate::catalog::CATALOG_FILE);
    if !catalog.exists() {
        return Err(refuse(format!(
            "{} does not exist: --clip names a polygon layer of the --out directory's catalog; put the layer there first, or use --bbox",
            catalog.display()
        )));
    }
    let specs = read_catalog(dir).map_err(|e| refuse(e.to_string()))?;
    let polygon_ids = || {
        let ids: Vec<&str> = specs
            .iter()
            .filter(|s| s.kind.geometry() == GeometryFamily::Polygon)
            .map(|s| s.id.as_str())
            .collect();
        if ids.is_empty() {
            "it has none".to_string()
        } else {
            format!("its polygon layers are {}", ids.join(", "))
        }
    };
    let Some(spec) = specs.iter().find(|s| s.id == id) else {
        return Err(refuse(format!(
            "no layer \"{id}\" in {}; {}",
            catalog.display(),
            polygon_ids()
        )));
    };
    let family = spec.kind.geometry();
    if family != GeometryFamily::Polygon && spec.kind != LayerKind::Generic {
        return Err(refuse(format!(
            "layer \"{id}\" is of kind {:?}, which holds {family:?} geometries, not polygons; {}",
            spec.kind,
            polygon_ids()
        )));
    }
    let file = dir.join(&spec.file);
    let text = std::fs::read_to_string(&file)
        .map_err(|e| refuse(format!("cannot read {}: {e}", file.display())))?;
    let mut problems = Vec::new();
    let (kept, _) = crate::load::load_layer_text(spec, &text, &mut problems);
    if let Some(p) = problems.first() {
        return Err(refuse(format!(
            "{}: {} (run `nestmap check {}`)",
            dir.join(p.to_string()).display(),
            if problems.len() > 1 {
                format!("and {} more problems", problems.len() - 1)
            } else {
                "refused".into()
            },
            dir.display()
        )));
    }
    let mut rings: Vec<Vec<[f64; 2]>> = Vec::new();
    for (feature, geometry) in &kept {
        let polygons: Vec<&geo::Polygon<f64>> = match geometry {
            Geometry::Polygon(p) => vec![p],
            Geometry::MultiPolygon(mp) => mp.0.iter().collect(),
            other => {
                return Err(refuse(format!(
                    "feature {:?} of layer \"{id}\" is a {}, not a polygon: --clip needs a layer of polygons; {}",
                    feature.id,
                    crate::model::geometry_name(other),
                    polygon_ids()
                )))
            }
        };
        for p in polygons {
            for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                rings.push(ring.0.iter().map(|c| [c.x, c.y]).collect());
            }
        }
    }
    if rings.is_empty() {
        return Err(refuse(format!("layer \"{id}\" has no polygon")));
    }
    Ok(PolygonIndex::new(&rings))
}

/// Even-odd point-in-polygon over many rings, with the ring edges bucketed into latitude
/// bands so a test looks only at the edges of its band (a district outline has thousands of
/// vertices; an extract has millions of nodes).
#[derive(Debug)]
pub struct PolygonIndex {
    /// `[minlon, minlat, maxlon, maxlat]` of all rings.
    pub bbox: [f64; 4],
    band_h: f64,
    /// Edge ranges per band: `band_start[b] .. band_start[b + 1]` indexes `band_edges`.
    band_start: Vec<u32>,
    band_edges: Vec<[[f64; 2]; 2]>,
}

const BANDS: usize = 1024;

impl PolygonIndex {
    /// Index `rings` (each closed or not; the closing edge is implied).
    pub fn new(rings: &[Vec<[f64; 2]>]) -> Self {
        let mut bbox = [f64::INFINITY, f64::INFINITY, -f64::INFINITY, -f64::INFINITY];
        for p in rings.iter().flatten() {
            bbox = [
                bbox[0].min(p[0]),
                bbox[1].min(p[1]),
                bbox[2].max(p[0]),
                bbox[3].max(p[1]),
            ];
        }
        let band_h = ((bbox[3] - bbox[1]) / BANDS as f64).max(1e-12);
        let edges: Vec<[[f64; 2]; 2]> = rings
            .iter()
            .filter(|r| r.len() >= 2)
            .flat_map(|r| (0..r.len()).map(move |i| [r[i], r[(i + 1) % r.len()]]))
            .filter(|[a, b]| a[1] != b[1])
            .collect();
        let band_of = |y: f64| (((y - bbox[1]) / band_h) as usize).min(BANDS - 1);
        let mut count = vec![0u32; BANDS + 1];
        for [a, b] in &edges {
            for band in band_of(a[1].min(b[1]))..=band_of(a[1].max(b[1])) {
                count[band + 1] += 1;
            }
        }
        for b in 0..BANDS {
            count[b + 1] += count[b];
        }
        let mut fill = count.clone();
        let mut band_edges = vec![[[0.0; 2]; 2]; count[BANDS] as usize];
        for e in &edges {
            let [a, b] = e;
            for band in band_of(a[1].min(b[1]))..=band_of(a[1].max(b[1])) {
                band_edges[fill[band] as usize] = *e;
                fill[band] += 1;
            }
        }
        PolygonIndex {
            bbox,
            band_h,
            band_start: count,
            band_edges,
        }
    }

    /// Whether `p` lies inside (an odd number of ring crossings to its east).
    pub fn contains(&self, p: [f64; 2]) -> bool {
        let b = self.bbox;
        if !((b[0]..=b[2]).contains(&p[0]) && (b[1]..=b[3]).contains(&p[1])) {
            return false;
        }
        let band = (((p[1] - b[1]) / self.band_h) as usize).min(BANDS - 1);
        let edges =
            &self.band_edges[self.band_start[band] as usize..self.band_start[band + 1] as usize];
        let mut inside = false;
        for [a, c] in edges {
            if (a[1] > p[1]) != (c[1] > p[1]) {
                let x = a[0] + (p[1] - a[1]) / (c[1] - a[1]) * (c[0] - a[0]);
                if p[0] < x {
                    inside = !inside;
                }
            }
        }
        inside
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A brute-force even-odd test over every edge of every ring, the oracle of the index.
    fn brute(rings: &[Vec<[f64; 2]>], p: [f64; 2]) -> bool {
        let mut inside = false;
        for r in rings {
            for i in 0..r.len() {
                let (a, c) = (r[i], r[(i + 1) % r.len()]);
                if (a[1] > p[1]) != (c[1] > p[1])
                    && p[0] < a[0] + (p[1] - a[1]) / (c[1] - a[1]) * (c[0] - a[0])
                {
                    inside = !inside;
                }
            }
        }
        inside
    }

    #[test]
    fn the_banded_index_agrees_with_every_edge_on_seeded_points() {
        // A star with 400 spikes and a square hole, and a second island.
        let star: Vec<[f64; 2]> = (0..800)
            .map(|i| {
                let a = i as f64 / 800.0 * std::f64::consts::TAU;
                let r = if i % 2 == 0 { 0.1 } else { 0.06 };
                [120.6 + r * a.cos(), 31.4 + r * a.sin()]
            })
            .collect();
        let hole = vec![
            [120.59, 31.39],
            [120.61, 31.39],
            [120.61, 31.41],
            [120.59, 31.41],
        ];
        let island = vec![[120.8, 31.6], [120.9, 31.6], [120.85, 31.7]];
        let rings = vec![star, hole, island];
        let index = PolygonIndex::new(&rings);
        let mut seed = 320507u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut inside = 0;
        for _ in 0..20_000 {
            let p = [120.45 + next() * 0.5, 31.25 + next() * 0.5];
            let want = brute(&rings, p);
            assert_eq!(index.contains(p), want, "{p:?}");
            inside += want as u32;
        }
        assert!(
            inside > 1000,
            "the points must test the inside too: {inside}"
        );
        assert!(!index.contains([120.6, 31.4]), "the hole");
        assert!(index.contains([120.6, 31.35]), "inside the star");
    }
}
