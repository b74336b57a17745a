//! Coverage against planning norms: which share of an area, and of its people, lies within
//! reach of a facility layer; where the gaps are, township by township; and where the next
//! sites would help most.
//!
//! Steps: the area (district, township, or a posted polygon) minus water is laid with a
//! [`grid::Grid`] of `cell_m` squares; each facility marks the cells whose centres lie within
//! its radius ([`reach::Reach`]: metres on the ground, to the edge of polygons), touching only
//! the cells near it, never every cell against every facility; villages and communities of
//! the `demand` layer count as covered when their position is within reach (the area's
//! layout and the facilities' marks run side by side on two threads). Each cell and each
//! person counts in one township: the first in catalog order (layer order, then feature
//! order) whose outline holds the cell's centre or the person's position, so overlapping
//! outlines count nothing twice. Uncovered cells are dissolved into gap polygons
//! ([`gaps`]); [`suggest`] picks new sites greedily.

pub mod gaps;
pub mod grid;
pub mod reach;
pub mod suggest;

use std::collections::HashSet;

use geo::{BoundingRect, CoordsIter, MultiPolygon, Point};

use crate::geodesy::LocalFrame;
use crate::model::LayerKind;
use crate::query::deadline::Deadline;
use crate::query::limits::{
    MAX_ADD, MAX_ADD_WORK, MAX_AREA_SPAN_M, MAX_AREA_VERTICES, MAX_CANDIDATES,
    MAX_COVERAGE_RADIUS_M, MAX_REMOVE, MAX_SCAN_WORK, MAX_SUGGEST_WORK, MAX_WORKING_BYTES,
    MIN_RADIUS_M,
};
use crate::query::QueryError;
use crate::snapshot::Snapshot;
use crate::text;
use grid::{Dims, Edges, Grid, NO_ZONE, OUTSIDE};
use reach::Reach;

/// Largest grid over the area's bounding box, in cells: the district's box at 20 m holds
/// about 2.96M cells (1.2M of them inside the district), so 20 m works for the whole district.
pub const MAX_CELLS: usize = 4_000_000;
/// Smallest and largest cell side in metres.
pub const CELL_M_RANGE: (f64, f64) = (10.0, 5000.0);
/// Largest number of suggested sites.
pub const MAX_SUGGEST: usize = 20;

/// A named radius with its source.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Profile {
    /// Name used in `profile=`.
    pub name: &'static str,
    /// Radius in metres; `None` means each layer's `service_radius_m` from the catalog.
    pub radius_m: Option<f64>,
    /// Where the figure comes from.
    pub source: &'static str,
    /// The same, in Chinese.
    pub source_zh: &'static str,
}

/// The policy presets.
pub const PROFILES: &[Profile] = &[
    Profile { name: "walk5", radius_m: Some(300.0), source: "GB 50180-2018 城市居住区规划设计标准: 5-minute community life circle, walking distance 300 m", source_zh: "GB 50180-2018《城市居住区规划设计标准》：5 分钟生活圈居住区，步行距离 300 米" },
    Profile { name: "walk10", radius_m: Some(500.0), source: "GB 50180-2018 城市居住区规划设计标准: 10-minute community life circle, walking distance 500 m", source_zh: "GB 50180-2018《城市居住区规划设计标准》：10 分钟生活圈居住区，步行距离 500 米" },
    Profile { name: "walk15", radius_m: Some(1000.0), source: "GB 50180-2018 城市居住区规划设计标准: 15-minute community life circle, walking distance 800-1000 m", source_zh: "GB 50180-2018《城市居住区规划设计标准》：15 分钟生活圈居住区，步行距离 800-1000 米" },
    Profile { name: "green", radius_m: Some(300.0), source: "\"300米见绿\": green space within 300 m (national park-city and Jiangsu green-space guidance)", source_zh: "“300米见绿”：300 米内有绿地（国家公园城市及江苏省绿地建设指引）" },
    Profile { name: "park", radius_m: Some(500.0), source: "\"500米见园\": a park within 500 m (national park-city and Jiangsu green-space guidance)", source_zh: "“500米见园”：500 米内有公园（国家公园城市及江苏省绿地建设指引）" },
    Profile { name: "layer", radius_m: None, source: "each layer's service_radius_m in data/geojson/layers.toml", source_zh: "各图层在 data/geojson/layers.toml 中的 service_radius_m" },
];

/// Find a profile by name.
pub fn profile(name: &str) -> Result<Profile, QueryError> {
    PROFILES
        .iter()
        .copied()
        .find(|p| p.name == name)
        .ok_or_else(|| {
            let names: Vec<&str> = PROFILES.iter().map(|p| p.name).collect();
            QueryError::bad(
                "profile",
                text!(
                    "unknown profile {name:?}; known: {}",
                    "未知的标准 {name:?}；可用：{}",
                    names.join(", ")
                ),
            )
        })
}

/// The analysis area.
#[derive(Debug, Clone)]
pub enum AreaSpec {
    /// A district or township by its NBS/adcode code (district and township layers).
    Code(String),
    /// A polygon given by the caller, `[lon, lat]`.
    Polygon(MultiPolygon<f64>),
}

/// A coverage question.
#[derive(Debug, Clone)]
pub struct CoverageRequest {
    /// Facility layers (snapshot indices).
    pub layers: Vec<usize>,
    /// The preset.
    pub profile: Profile,
    /// Overrides every radius.
    pub radius_m: Option<f64>,
    /// Where.
    pub area: AreaSpec,
    /// Cell side in metres.
    pub cell_m: f64,
    /// How many new sites to suggest.
    pub suggest: usize,
    /// Hypothetical new facilities.
    pub add: Vec<AddedSite>,
    /// Facilities to leave out, as (layer index, feature index).
    pub remove: Vec<(usize, usize)>,
    /// Candidate sites for suggestions; `None`: cell centres of the area.
    pub candidates: Option<Vec<[f64; 2]>>,
}

/// A hypothetical new facility: a point, with the reach of its own `radius_m`, else of its
/// `layer`'s radius, else of the first requested layer's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AddedSite {
    /// `[lon, lat]`.
    pub position: [f64; 2],
    /// The facility layer it belongs to (a snapshot index among the request's layers).
    pub layer: Option<usize>,
    /// Its own radius, metres.
    pub radius_m: Option<f64>,
}

impl AddedSite {
    /// A site of the first layer's radius.
    pub fn at(position: [f64; 2]) -> Self {
        AddedSite {
            position,
            layer: None,
            radius_m: None,
        }
    }
}

/// Totals for an area or a zone.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// Cells in the area (water excluded).
    pub cells: usize,
    /// Covered cells.
    pub covered_cells: usize,
    /// People living there (demand layer).
    pub population: u64,
    /// People covered.
    pub covered_population: u64,
    /// Children living there.
    pub children: u64,
    /// Children covered.
    pub covered_children: u64,
}

fn share(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

impl Tally {
    /// Covered share of the area.
    pub fn area_share(&self) -> f64 {
        share(self.covered_cells as u64, self.cells as u64)
    }
    /// Covered share of the people.
    pub fn population_share(&self) -> f64 {
        share(self.covered_population, self.population)
    }
    /// Covered share of the children.
    pub fn children_share(&self) -> f64 {
        share(self.covered_children, self.children)
    }
}

/// One row of the per-township table.
#[derive(Debug, Clone)]
pub struct ZoneRow {
    /// Township code.
    pub code: String,
    /// Township name.
    pub name: String,
    /// Its figures.
    pub tally: Tally,
}

/// One gap: uncovered cells dissolved into a polygon.
#[derive(Debug, Clone)]
pub struct Gap {
    /// Outline, `[lon, lat]`.
    pub polygon: MultiPolygon<f64>,
    /// Area in square metres (cells x cell area).
    pub area_m2: f64,
    /// People living in it.
    pub population: u64,
    /// Children living in it.
    pub children: u64,
    /// Township holding most of its cells (name), if any.
    pub township: Option<String>,
}

/// One suggested site.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// 1 for the first pick.
    pub rank: usize,
    /// Position, `[lon, lat]`.
    pub position: [f64; 2],
    /// People newly covered.
    pub gain_population: u64,
    /// Children newly covered.
    pub gain_children: u64,
    /// Area newly covered, square metres.
    pub gain_area_m2: f64,
    /// Covered area share after this site.
    pub covered_area_share: f64,
    /// Covered population share after this site.
    pub covered_population_share: f64,
}

/// The answer.
#[derive(Debug, Clone)]
pub struct Coverage {
    /// The preset used.
    pub profile: Profile,
    /// The request's `radius_m`, when it overrode the preset.
    pub radius_override_m: Option<f64>,
    /// Radius per facility layer (layer id, metres).
    pub radii_m: Vec<(String, f64)>,
    /// Cell side in metres.
    pub cell_m: f64,
    /// Cell area in square metres.
    pub cell_area_m2: f64,
    /// Whole-area figures.
    pub total: Tally,
    /// Per township.
    pub zones: Vec<ZoneRow>,
    /// Uncovered areas.
    pub gaps: Vec<Gap>,
    /// New sites, best first.
    pub suggestions: Vec<Suggestion>,
}

/// A demand point inside the area.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub position: [f64; 2],
    pub population: u64,
    pub children: u64,
    pub zone: u16,
    pub cell: Option<usize>,
}

/// The working state: grid, coverage marks, people.
pub(crate) struct State {
    pub grid: Grid,
    /// Per cell: reached by a facility. Only read for cells in the area (zone not
    /// [`OUTSIDE`]); cells off the area may be marked or not.
    pub covered: Vec<bool>,
    pub people: Vec<Person>,
    pub people_covered: Vec<bool>,
}

impl State {
    /// Mark what `reach` covers; returns (cells, people indices) newly covered.
    pub fn apply(&mut self, reach: &Reach) -> (usize, Vec<usize>) {
        let mut cells = 0;
        let (zone, covered) = (&self.grid.zone, &mut self.covered);
        // Point reaches (added and suggested sites): a few rows each, no deadline needed.
        let _ = reach.cells(&self.grid, &Deadline::none(), |c| {
            if zone[c] != OUTSIDE && !covered[c] {
                covered[c] = true;
                cells += 1;
            }
        });
        let mut people = Vec::new();
        for (i, p) in self.people.iter().enumerate() {
            if !self.people_covered[i] && reach.covers(p.position) {
                self.people_covered[i] = true;
                people.push(i);
            }
        }
        (cells, people)
    }

    /// The whole area's figures and each of `zones` zones', in one pass over the cells.
    pub fn tallies(&self, zones: usize) -> (Tally, Vec<Tally>) {
        // One bucket per zone, the last for cells and people in no listed zone.
        let mut rows = vec![Tally::default(); zones + 1];
        let bucket = |z: u16| (z as usize).min(zones);
        for (&z, &covered) in self.grid.zone.iter().zip(&self.covered) {
            if z != OUTSIDE {
                let t = &mut rows[bucket(z)];
                t.cells += 1;
                t.covered_cells += covered as usize;
            }
        }
        for (p, &covered) in self.people.iter().zip(&self.people_covered) {
            let t = &mut rows[bucket(p.zone)];
            t.population += p.population;
            t.children += p.children;
            if covered {
                t.covered_population += p.population;
                t.covered_children += p.children;
            }
        }
        let mut total = Tally::default();
        for t in &rows {
            total.cells += t.cells;
            total.covered_cells += t.covered_cells;
            total.population += t.population;
            total.children += t.children;
            total.covered_population += t.covered_population;
            total.covered_children += t.covered_children;
        }
        rows.truncate(zones);
        (total, rows)
    }
}

fn as_multi(g: &geo::Geometry<f64>) -> Option<MultiPolygon<f64>> {
    match g {
        geo::Geometry::Polygon(p) => Some(MultiPolygon(vec![p.clone()])),
        geo::Geometry::MultiPolygon(m) => Some(m.clone()),
        _ => None,
    }
}

/// A township: NBS code, name, outline.
type Township = (String, String, MultiPolygon<f64>);

/// The townships (code, name, outline) and the area's outline.
fn resolve_area(
    snap: &Snapshot,
    area: &AreaSpec,
) -> Result<(MultiPolygon<f64>, Vec<Township>), QueryError> {
    let townships: Vec<Township> = snap
        .layers
        .iter()
        .filter(|l| l.spec.kind == LayerKind::Townships)
        .flat_map(|l| {
            (0..l.features.len()).filter_map(move |i| {
                let p = &l.features[i].properties;
                let code = p.get("code")?.as_str()?.to_string();
                let name = p.get("name")?.as_str()?.to_string();
                Some((code, name, as_multi(l.geometry(i))?))
            })
        })
        .collect();
    match area {
        AreaSpec::Polygon(m) => Ok((m.clone(), townships)),
        AreaSpec::Code(code) => {
            if let Some(t) = townships.iter().find(|t| &t.0 == code) {
                return Ok((t.2.clone(), vec![t.clone()]));
            }
            for l in snap
                .layers
                .iter()
                .filter(|l| l.spec.kind == LayerKind::District)
            {
                for i in 0..l.features.len() {
                    if l.features[i]
                        .properties
                        .get("code")
                        .and_then(|v| v.as_str())
                        == Some(code)
                    {
                        if let Some(m) = as_multi(l.geometry(i)) {
                            return Ok((m, townships));
                        }
                    }
                }
            }
            let known: Vec<&str> = townships.iter().map(|t| t.0.as_str()).collect();
            Err(QueryError::bad(
                "area",
                text!(
                "unknown area code {code:?}: give the district code 320507 or a township code ({})",
                "未知的区域代码 {code:?}：请给相城区代码 320507 或镇（街道）代码（{}）",
                known.join(", ")
            ),
            ))
        }
    }
}

/// Run the analysis.
pub fn coverage(snap: &Snapshot, req: &CoverageRequest) -> Result<Coverage, QueryError> {
    coverage_until(snap, req, &Deadline::none())
}

fn check_radius(param: &str, r: f64) -> Result<(), QueryError> {
    if r.is_finite() && (MIN_RADIUS_M..=MAX_COVERAGE_RADIUS_M).contains(&r) {
        Ok(())
    } else {
        Err(QueryError::bad(
            param,
            text!(
                "{r} is outside {MIN_RADIUS_M}..={MAX_COVERAGE_RADIUS_M} metres",
                "{r} 超出 {MIN_RADIUS_M}..={MAX_COVERAGE_RADIUS_M} 米"
            ),
        ))
    }
}

fn empty_area() -> crate::lang::Text {
    text!("the area is empty", "区域为空")
}

fn too_many_cells(cell_m: f64, cells: impl std::fmt::Display) -> crate::lang::Text {
    text!(
        "{cell_m} m cells would make a grid of {cells} cells, above the limit of {MAX_CELLS}; use larger cells or a smaller area",
        "{cell_m} 米的格网会有 {cells} 个格，超过上限 {MAX_CELLS}；请加大格网或缩小区域"
    )
}

/// `n` things given, at most `max`; `what` names them in English and Chinese (with its
/// measure word: `个顶点`).
fn at_most(param: &str, n: usize, max: usize, what: (&str, &str)) -> Result<(), QueryError> {
    if n > max {
        let (en, zh) = what;
        Err(QueryError::bad(
            param,
            text!(
                "{n} {en} given; at most {max}",
                "给了 {n} {zh}；最多 {max} {zh}"
            ),
        ))
    } else {
        Ok(())
    }
}

/// Cells in a disc of `radius_m` on a grid of `cell_m` cells, and the rows it spans.
fn disc(radius_m: f64, cell_m: f64) -> (u64, u64) {
    let r = radius_m / cell_m;
    let rows = (2.0 * r).ceil() as u64 + 1;
    let cells = (std::f64::consts::PI * (r + 1.0) * (r + 1.0)).ceil() as u64;
    (cells, rows)
}

/// Every cost limit of [`crate::query::limits`] that a coverage request can reach, checked
/// before any work or allocation. Returns the grid's shape.
fn check_cost(
    req: &CoverageRequest,
    area: &MultiPolygon<f64>,
    outlines: &[&MultiPolygon<f64>],
    radius_for: &dyn Fn(usize) -> f64,
    facilities: usize,
    people: usize,
) -> Result<Dims, QueryError> {
    let Some(b) = area.bounding_rect() else {
        return Err(QueryError::bad("area", empty_area()));
    };
    let bbox = [b.min().x, b.min().y, b.max().x, b.max().y];
    if let AreaSpec::Polygon(m) = &req.area {
        let n = m.coords_count();
        at_most("area", n, MAX_AREA_VERTICES, ("vertices", "个顶点"))?;
        let mid = LocalFrame::new([(bbox[0] + bbox[2]) / 2.0, (bbox[1] + bbox[3]) / 2.0]);
        let span = ((bbox[2] - bbox[0]) * mid.m_per_deg_lon())
            .max((bbox[3] - bbox[1]) * mid.m_per_deg_lat());
        if span > MAX_AREA_SPAN_M {
            return Err(QueryError::bad(
                "area",
                text!(
                    "the area spans {:.0} km; at most {:.0} km",
                    "区域跨度 {:.0} 公里；最多 {:.0} 公里",
                    span / 1000.0,
                    MAX_AREA_SPAN_M / 1000.0
                ),
            ));
        }
    }
    let dims = Dims::of(bbox, req.cell_m);
    let cells = dims.cells();
    if cells > MAX_CELLS {
        return Err(QueryError::bad("cell_m", too_many_cells(req.cell_m, cells)));
    }
    let scan: u64 = outlines
        .iter()
        .map(|o| dims.scan_work(o))
        .fold(dims.scan_work(area), u64::saturating_add);
    if scan > MAX_SCAN_WORK {
        return Err(QueryError::bad(
            if matches!(req.area, AreaSpec::Polygon(_)) { "area" } else { "cell_m" },
            text!(
                "the outlines' scanline work at {} m cells is {scan} edge-rows; at most {MAX_SCAN_WORK} (fewer vertices or larger cells)",
                "{} 米格网下轮廓的扫描线工作量为 {scan} 边·行；最多 {MAX_SCAN_WORK}（请减少顶点或加大格网）",
                req.cell_m
            ),
        ));
    }
    let first = req
        .layers
        .first()
        .map(|&li| radius_for(li))
        .unwrap_or(1000.0);
    let mut add_work = 0u64;
    for (i, a) in req.add.iter().enumerate() {
        let r = a.radius_m.or(a.layer.map(radius_for)).unwrap_or(first);
        check_radius(&format!("add[{i}].radius_m"), r)?;
        add_work = add_work.saturating_add(disc(r, req.cell_m).0);
    }
    if add_work > MAX_ADD_WORK {
        return Err(QueryError::bad(
            "add",
            text!(
                "the added sites reach {add_work} cells at {} m; at most {MAX_ADD_WORK} (fewer sites, smaller radii or larger cells)",
                "在 {} 米格网下，新增点覆盖 {add_work} 个格网；最多 {MAX_ADD_WORK} 个（请减少新增点、缩小半径或加大格网）",
                req.cell_m
            ),
        ));
    }
    let candidates = match &req.candidates {
        Some(c) => c.len(),
        None => cells.min(suggest::MAX_GRID_CANDIDATES),
    };
    if req.suggest > 0 {
        let (disc_cells, rows) = disc(first, req.cell_m);
        let per_round = (candidates as u64)
            .saturating_mul(rows)
            .saturating_add(cells as u64)
            .saturating_add((suggest::EXACT_EVALUATIONS as u64 + 1).saturating_mul(disc_cells));
        let work = per_round.saturating_mul(req.suggest as u64);
        if work > MAX_SUGGEST_WORK {
            return Err(QueryError::bad(
                "suggest",
                text!(
                    "{} suggestions over {candidates} candidates with a {first} m radius at {} m cells is {work} units of work; at most {MAX_SUGGEST_WORK} (fewer suggestions or candidates, or larger cells)",
                    "在 {candidates} 个候选点中以 {first} 米半径、{} 米格网选 {} 个建议点，工作量为 {work}；最多 {MAX_SUGGEST_WORK}（请减少建议数或候选点，或加大格网）",
                    req.suggest, req.cell_m
                ),
            ));
        }
    }
    // Per cell: zone (2 B), covered (1 B), the suggestions' prefix sums (4 B), the gaps'
    // labels and runs (up to 16 B); per candidate: the R-tree, gains and ranks (~96 B); per
    // facility or site: its reach (~256 B); per person: ~64 B; per scanned edge-row: 32 B.
    let bytes = (cells as u64)
        .saturating_mul(24)
        .saturating_add((candidates as u64).saturating_mul(96))
        .saturating_add(((facilities + req.add.len()) as u64).saturating_mul(256))
        .saturating_add((people as u64).saturating_mul(64))
        .saturating_add(scan.saturating_mul(32));
    if bytes > MAX_WORKING_BYTES {
        return Err(QueryError::bad(
            "cell_m",
            text!(
                "this analysis would need about {} MB of working memory; at most {} MB (larger cells, a smaller area or fewer candidates)",
                "这次分析约需 {} MB 工作内存；最多 {} MB（请加大格网、缩小区域或减少候选点）",
                bytes >> 20,
                MAX_WORKING_BYTES >> 20
            ),
        ));
    }
    Ok(dims)
}

/// [`coverage`], stopping with [`QueryError::Timeout`] once `deadline` passes. Every limit
/// of [`crate::query::limits`] is checked first, before any allocation.
pub fn coverage_until(
    snap: &Snapshot,
    req: &CoverageRequest,
    deadline: &Deadline,
) -> Result<Coverage, QueryError> {
    if !(CELL_M_RANGE.0..=CELL_M_RANGE.1).contains(&req.cell_m) {
        return Err(QueryError::bad(
            "cell_m",
            text!(
                "{} is outside {}..{} metres",
                "{} 超出 {}..{} 米",
                req.cell_m,
                CELL_M_RANGE.0,
                CELL_M_RANGE.1
            ),
        ));
    }
    if let Some(r) = req.radius_m {
        check_radius("radius_m", r)?;
    }
    if req.suggest > MAX_SUGGEST {
        return Err(QueryError::bad(
            "suggest",
            text!(
                "{} is above {MAX_SUGGEST}",
                "{} 超过上限 {MAX_SUGGEST}",
                req.suggest
            ),
        ));
    }
    at_most("add", req.add.len(), MAX_ADD, ("sites", "个新增点"))?;
    at_most("remove", req.remove.len(), MAX_REMOVE, ("ids", "个 id"))?;
    if let Some(c) = &req.candidates {
        at_most(
            "candidates",
            c.len(),
            MAX_CANDIDATES,
            ("candidates", "个候选点"),
        )?;
    }
    for (i, a) in req.add.iter().enumerate() {
        if let Some(li) = a.layer {
            if !req.layers.contains(&li) {
                return Err(QueryError::bad(
                    format!("add[{i}].layer"),
                    text!("is not one of the requested layers", "不在所请求的图层中"),
                ));
            }
        }
    }
    let (area, zones) = resolve_area(snap, &req.area)?;
    let radius_for = |li: usize| {
        req.radius_m
            .or(req.profile.radius_m)
            .unwrap_or(snap.layers[li].spec.service_radius_m)
    };
    let water = water_outlines(snap);
    let outlines: Vec<&MultiPolygon<f64>> =
        water.iter().chain(zones.iter().map(|z| &z.2)).collect();
    let facilities: usize = req
        .layers
        .iter()
        .map(|&li| snap.layers[li].features.len())
        .sum();
    let people: usize = snap
        .layers
        .iter()
        .filter(|l| l.spec.kind == LayerKind::Demand)
        .map(|l| l.features.len())
        .sum();
    check_cost(req, &area, &outlines, &radius_for, facilities, people)?;
    let Some(b) = area.bounding_rect() else {
        return Err(QueryError::bad("area", empty_area()));
    };
    let mut grid = Grid::over(
        [b.min().x, b.min().y, b.max().x, b.max().y],
        req.cell_m,
        MAX_CELLS,
    )
    .map_err(|n| QueryError::bad("cell_m", too_many_cells(req.cell_m, n)))?;
    let removed: HashSet<(usize, usize)> = req.remove.iter().copied().collect();
    let radii_m: Vec<(String, f64)> = req
        .layers
        .iter()
        .map(|&li| (snap.layers[li].spec.id.clone(), radius_for(li)))
        .collect();
    let new_radius = req
        .layers
        .first()
        .map(|&li| radius_for(li))
        .unwrap_or(1000.0);
    // Two jobs side by side: this thread lays out the area (its outline, water out,
    // townships in) and its people; the other marks every cell a facility reaches, on
    // or off the area (what is off it is never read).
    let mut zone = std::mem::take(&mut grid.zone);
    let removed = &removed;
    let (people, marks) = std::thread::scope(|s| {
        let marks = s.spawn(|| -> Result<(Vec<Reach>, Vec<bool>), QueryError> {
            let existing = req.layers.iter().flat_map(|&li| {
                let l = &snap.layers[li];
                (0..l.features.len())
                    .filter(move |&i| !removed.contains(&(li, i)))
                    .map(move |i| Reach::new(l.geometry(i).clone(), radius_for(li)))
            });
            let added = req.add.iter().map(|a| {
                let r = a.radius_m.or(a.layer.map(radius_for)).unwrap_or(new_radius);
                Reach::new(
                    geo::Geometry::Point(Point::new(a.position[0], a.position[1])),
                    r,
                )
            });
            let reaches: Vec<Reach> = existing.chain(added).collect();
            let mut covered = vec![false; grid.nx * grid.ny];
            for r in &reaches {
                r.cells(&grid, deadline, |c| covered[c] = true)?;
            }
            Ok((reaches, covered))
        });
        let people = lay_out(snap, &grid, &mut zone, &area, &water, &zones, deadline);
        let marks = marks
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (people, marks)
    });
    let people = people?;
    let (reaches, covered) = marks?;
    grid.zone = zone;
    let mut people_covered = Vec::with_capacity(people.len());
    for (n, p) in people.iter().enumerate() {
        if n % 64 == 0 {
            deadline.check()?;
        }
        people_covered.push(reaches.iter().any(|r| r.covers(p.position)));
    }
    let mut st = State {
        grid,
        covered,
        people,
        people_covered,
    };
    let (total, rows) = st.tallies(zones.len());
    let zone_rows = zones
        .iter()
        .zip(rows)
        .map(|(z, tally)| ZoneRow {
            code: z.0.clone(),
            name: z.1.clone(),
            tally,
        })
        .collect();
    let gaps = gaps_of(&st, &zones, deadline)?;
    let suggestions = suggest::greedy(
        &mut st,
        req.suggest,
        new_radius,
        req.candidates.as_deref(),
        deadline,
    )?;
    Ok(Coverage {
        profile: req.profile,
        radius_override_m: req.radius_m,
        radii_m,
        cell_m: req.cell_m,
        cell_area_m2: st.grid.cell_area_m2(),
        total,
        zones: zone_rows,
        gaps,
        suggestions,
    })
}

/// Tag each cell of `zone` with its township, [`NO_ZONE`] or [`OUTSIDE`] (beyond the area's
/// outline, or on water), and list the people inside the area and not on water. A cell
/// and a person alike belong to the first township in catalog order holding the centre or
/// the position. Every
/// outline's edges are filed by grid row once, for the cells and for the people.
fn lay_out(
    snap: &Snapshot,
    grid: &Grid,
    zone: &mut [u16],
    area: &MultiPolygon<f64>,
    water: &[MultiPolygon<f64>],
    zones: &[Township],
    deadline: &Deadline,
) -> Result<Vec<Person>, QueryError> {
    deadline.check()?;
    let area_edges = grid.edges(area);
    let water: Vec<Edges> = water.iter().map(|w| grid.edges(w)).collect();
    deadline.check()?;
    let zone_edges: Vec<Edges> = zones.iter().map(|z| grid.edges(&z.2)).collect();
    grid.scan_edges(&area_edges, |c| zone[c] = NO_ZONE);
    for w in &water {
        grid.scan_edges(w, |c| zone[c] = OUTSIDE);
    }
    // Where outlines overlap, the first township holding the centre keeps the cell (as the
    // first holding a person's position gets the person, below).
    for (zi, z) in zone_edges.iter().enumerate() {
        grid.scan_edges(z, |c| {
            if zone[c] == NO_ZONE {
                zone[c] = zi as u16;
            }
        });
    }
    deadline.check()?;
    let mut people = Vec::new();
    for l in snap
        .layers
        .iter()
        .filter(|l| l.spec.kind == LayerKind::Demand)
    {
        for i in 0..l.features.len() {
            if i % 256 == 0 {
                deadline.check()?;
            }
            let geo::Geometry::Point(pt) = l.geometry(i) else {
                continue;
            };
            let at = [pt.x(), pt.y()];
            if !area_edges.contains(at) || water.iter().any(|w| w.contains(at)) {
                continue;
            }
            let p = &l.features[i].properties;
            let num = |k: &str| p.get(k).and_then(|v| v.as_u64()).unwrap_or(0);
            people.push(Person {
                position: at,
                population: num("population"),
                children: num("children"),
                zone: zone_edges
                    .iter()
                    .position(|z| z.contains(at))
                    .map_or(NO_ZONE, |z| z as u16),
                cell: grid.cell_of(at),
            });
        }
    }
    Ok(people)
}

/// The water outlines of the snapshot.
fn water_outlines(snap: &Snapshot) -> Vec<MultiPolygon<f64>> {
    snap.layers
        .iter()
        .filter(|l| l.spec.kind == LayerKind::Water)
        .flat_map(|l| (0..l.features.len()).filter_map(move |i| as_multi(l.geometry(i))))
        .collect()
}

fn gaps_of(
    st: &State,
    zones: &[(String, String, MultiPolygon<f64>)],
    deadline: &Deadline,
) -> Result<Vec<Gap>, QueryError> {
    deadline.check()?;
    let shapes = gaps::dissolve(&st.grid, |c| st.grid.zone[c] != OUTSIDE && !st.covered[c]);
    // Uncovered people by the cell they live in, so each gap looks up its own cells' people
    // instead of scanning everyone (gaps x people was the cost before).
    let mut by_cell: std::collections::HashMap<usize, (u64, u64)> = Default::default();
    for (i, p) in st.people.iter().enumerate() {
        if let (false, Some(c)) = (st.people_covered[i], p.cell) {
            let e = by_cell.entry(c).or_default();
            e.0 = e.0.saturating_add(p.population);
            e.1 = e.1.saturating_add(p.children);
        }
    }
    shapes
        .into_iter()
        .map(|g| {
            deadline.check()?;
            let mut counts = vec![0usize; zones.len()];
            for c in g.cells(st.grid.nx) {
                if let Some(n) = counts.get_mut(st.grid.zone[c] as usize) {
                    *n += 1;
                }
            }
            let township = counts
                .iter()
                .enumerate()
                .filter(|(_, &n)| n > 0)
                .max_by_key(|(_, &n)| n)
                .map(|(i, _)| zones[i].1.clone());
            let (mut population, mut children) = (0u64, 0u64);
            // Over all gaps, each uncovered cell is looked at once.
            for c in g.cells(st.grid.nx) {
                if let Some(&(p, ch)) = by_cell.get(&c) {
                    population += p;
                    children += ch;
                }
            }
            Ok(Gap {
                area_m2: g.cell_count() as f64 * st.grid.cell_area_m2(),
                polygon: g.polygon,
                population,
                children,
                township,
            })
        })
        .collect()
}
