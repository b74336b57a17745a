//! School commuter line review (通学专线): one answer that says how long a line is, whether
//! its stops are sensible, which villages it serves and which it misses, and how a draft
//! compares with the line it would replace.
//!
//! Steps: the line's vertices and stops (`[lon, lat]` WGS84) -> length as the sum of Karney
//! geodesics per segment -> each stop projected onto the line (its distance along the line and
//! its offset from it, metres on the ground) -> stop spacing along the line -> structural
//! checks (stop order, duplicate stops, zero-length segments, self-intersections) -> villages
//! of the `demand` layer within `walk_m` of a stop (served) or within `corridor_m` of the line
//! but farther than `walk_m` from every stop (unserved) -> length shared with the other lines
//! -> findings. A segment between two vertices is the straight line in `[lon, lat]`, as the
//! index and a web map draw it.

pub mod path;

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use crate::index::geodesy::{distance_m, LocalFrame};
use crate::model::LayerKind;
use crate::query::deadline::Deadline;
use crate::query::limits::MAX_LINE_LENGTH_M;
use crate::query::QueryError;
use crate::snapshot::{Layer, Snapshot};
pub use path::{distance_to_path_m, length_m, project, self_intersections, PathIndex};

/// A stop farther than this from the line is reported (`stop_off_line`).
pub const STOP_OFF_LINE_M: f64 = 50.0;
/// Two stops closer than this are the same stop (`duplicate_stop`).
pub const DUPLICATE_STOP_M: f64 = 1.0;
/// A segment shorter than this has zero length (`zero_length_segment`).
pub const ZERO_SEGMENT_M: f64 = 0.01;
/// Consecutive stops closer than this along the line are too close (`stop_spacing_short`):
/// the low end of the 500-800 m spacing CJJ/T 15-2011 and GB 50220 give for urban bus stops.
pub const MIN_SPACING_M: f64 = 300.0;
/// Two lines closer than this at a point of one of them share that stretch of road.
pub const SHARED_TOLERANCE_M: f64 = 25.0;
/// Sampling step along the line when measuring shared length.
pub const SHARED_STEP_M: f64 = 10.0;
/// At most this many positions in a line (drafts included).
pub const MAX_VERTICES: usize = 20_000;
/// At most this many stops.
pub const MAX_STOPS: usize = 500;
/// Range of `walk_m`, metres.
pub const WALK_M_RANGE: (f64, f64) = (1.0, 5000.0);
/// Range of `speed_kmh`.
pub const SPEED_KMH_RANGE: (f64, f64) = (1.0, 120.0);
/// Range of `dwell_s`, seconds.
pub const DWELL_S_RANGE: (f64, f64) = (0.0, 600.0);
/// Range of `corridor_m`, metres (and at least `walk_m`).
pub const CORRIDOR_M_RANGE: (f64, f64) = (1.0, 20_000.0);

/// A stop of a line.
#[derive(Debug, Clone, PartialEq)]
pub struct Stop {
    /// The stop's id (its feature id, or `stop-<seq>` in a draft without ids).
    pub id: String,
    /// Its position in the line's order, from 1.
    pub seq: i64,
    /// Its name, when known.
    pub name: Option<String>,
    /// `[lon, lat]` WGS84.
    pub position: [f64; 2],
}

/// A school commuter line: its path and its stops.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The route id (`route_id`).
    pub id: String,
    /// Its name.
    pub name: Option<String>,
    /// Its English name.
    pub name_en: Option<String>,
    /// The school it carries children to.
    pub school: Option<String>,
    /// The school's position, `[lon, lat]` WGS84, when known.
    pub school_location: Option<[f64; 2]>,
    /// The operator.
    pub operator: Option<String>,
    /// Departure times.
    pub departures: Vec<String>,
    /// The path: one or more parts of `[lon, lat]` positions.
    pub parts: Vec<Vec<[f64; 2]>>,
    /// The stops, sorted by `seq`.
    pub stops: Vec<Stop>,
}

/// The review's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReviewParams {
    /// A village is served when a stop lies within this walk, metres (default 500: the
    /// 10-minute life circle of GB 50180-2018).
    pub walk_m: f64,
    /// Average running speed, km/h (default 30).
    pub speed_kmh: f64,
    /// Dwell time at each stop, seconds (default 30).
    pub dwell_s: f64,
    /// Villages within this distance of the line are in its catchment, metres (default 3000).
    pub corridor_m: f64,
}

impl Default for ReviewParams {
    fn default() -> Self {
        ReviewParams {
            walk_m: 500.0,
            speed_kmh: 30.0,
            dwell_s: 30.0,
            corridor_m: 3000.0,
        }
    }
}

impl ReviewParams {
    /// Check every setting against its documented range.
    pub fn validate(&self) -> Result<(), QueryError> {
        let check = |name: &str, v: f64, (lo, hi): (f64, f64)| {
            if v.is_finite() && v >= lo && v <= hi {
                Ok(())
            } else {
                Err(QueryError::bad(name, format!("{v} is outside {lo}..={hi}")))
            }
        };
        check("walk_m", self.walk_m, WALK_M_RANGE)?;
        check("speed_kmh", self.speed_kmh, SPEED_KMH_RANGE)?;
        check("dwell_s", self.dwell_s, DWELL_S_RANGE)?;
        check("corridor_m", self.corridor_m, CORRIDOR_M_RANGE)?;
        if self.corridor_m < self.walk_m {
            return Err(QueryError::bad(
                "corridor_m",
                format!(
                    "{} is smaller than walk_m ({}): the corridor must hold the walk",
                    self.corridor_m, self.walk_m
                ),
            ));
        }
        Ok(())
    }
}

/// A line in the list: `GET /api/routes`.
#[derive(Debug, Clone, PartialEq)]
pub struct LineSummary {
    /// The route id.
    pub id: String,
    /// Name, English name, school and operator.
    pub name: Option<String>,
    /// English name.
    pub name_en: Option<String>,
    /// The school.
    pub school: Option<String>,
    /// The operator.
    pub operator: Option<String>,
    /// Departure times.
    pub departures: Vec<String>,
    /// Length along the line, metres.
    pub length_m: f64,
    /// Number of stops.
    pub stop_count: usize,
}

/// A stop as reviewed: where it sits along the line.
#[derive(Debug, Clone, PartialEq)]
pub struct StopReview {
    /// The stop.
    pub stop: Stop,
    /// Distance along the line to the stop's projection onto it, metres.
    pub along_m: f64,
    /// Distance from the stop to the line, metres.
    pub offset_m: f64,
}

/// A village or community of the demand layer, with its distance to the nearest stop.
#[derive(Debug, Clone, PartialEq)]
pub struct Village {
    /// Feature id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Township name.
    pub township: Option<String>,
    /// Children.
    pub children: i64,
    /// Population.
    pub population: i64,
    /// `[lon, lat]`.
    pub position: [f64; 2],
    /// Metres to the nearest stop.
    pub distance_m: f64,
    /// Id of the nearest stop.
    pub stop: String,
}

/// How severe a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Wrong: the line cannot run as drawn.
    Error,
    /// Probably wrong or costly for children.
    Warning,
    /// Worth knowing.
    Info,
}

impl Severity {
    /// Its name in answers.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One problem, seen at a glance.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Severity.
    pub severity: Severity,
    /// Stable code (see [`FINDING_CODES`]).
    pub code: &'static str,
    /// What is wrong, in words.
    pub message: String,
    /// Where, `[lon, lat]`.
    pub location: Option<[f64; 2]>,
}

/// Every finding code with its severity and meaning (documented in the README).
pub const FINDING_CODES: &[(&str, &str, &str)] = &[
    ("too_few_stops", "error", "the line has fewer than 2 stops"),
    (
        "stop_order",
        "error",
        "a stop's seq disagrees with its order along the line",
    ),
    (
        "duplicate_stop",
        "error",
        "two stops at the same place (within 1 m)",
    ),
    (
        "self_intersection",
        "warning",
        "the line crosses or touches itself",
    ),
    (
        "zero_length_segment",
        "warning",
        "two consecutive vertices at the same place",
    ),
    (
        "stop_off_line",
        "warning",
        "a stop more than 50 m from the line",
    ),
    (
        "stop_spacing_short",
        "warning",
        "consecutive stops less than 300 m apart along the line",
    ),
    (
        "far_from_school",
        "warning",
        "the last stop is farther than walk_m from the school",
    ),
    (
        "unserved_village",
        "warning",
        "a village in the corridor with children and no stop within walk_m",
    ),
    ("shared_length", "info", "the line runs along another line"),
];

/// Spacing between consecutive stops along the line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spacing {
    /// Shortest, metres.
    pub min_m: f64,
    /// Mean, metres.
    pub mean_m: f64,
    /// Longest, metres.
    pub max_m: f64,
}

/// What changed against the line a draft would replace.
#[derive(Debug, Clone, PartialEq)]
pub struct Diff {
    /// The line compared against.
    pub against: String,
    /// Villages served by the draft and not by the line.
    pub villages_gained: Vec<Village>,
    /// Villages served by the line and not by the draft.
    pub villages_lost: Vec<Village>,
    /// Children in the villages gained.
    pub children_gained: i64,
    /// Children in the villages lost.
    pub children_lost: i64,
    /// Draft length minus line length, metres.
    pub length_change_m: f64,
    /// Draft run time minus line run time, minutes.
    pub run_time_change_min: f64,
}

/// The whole review.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    /// The settings used.
    pub params: ReviewParams,
    /// The line reviewed (stops sorted by `seq`).
    pub line: Line,
    /// Length along the line on the ground, metres.
    pub length_m: f64,
    /// Each stop, in `seq` order, with its place along the line.
    pub stops: Vec<StopReview>,
    /// Spacing along the line between consecutive stops (None with fewer than 2 stops).
    pub spacing: Option<Spacing>,
    /// Running time plus dwell at every stop, minutes.
    pub run_time_min: f64,
    /// Ground distance from the last stop to the school, metres, when the school is known.
    pub last_stop_to_school_m: Option<f64>,
    /// Villages within `walk_m` of a stop, nearest stop first.
    pub served: Vec<Village>,
    /// Villages within `corridor_m` of the line but farther than `walk_m` from every stop,
    /// most children first.
    pub unserved: Vec<Village>,
    /// Length shared with each other line, metres (only lines that share any).
    pub shared: Vec<(String, f64)>,
    /// Problems, most severe first.
    pub findings: Vec<Finding>,
    /// Against `compare`, when asked.
    pub diff: Option<Diff>,
}

impl Review {
    /// Children in the served villages.
    pub fn served_children(&self) -> i64 {
        self.served.iter().map(|v| v.children).sum()
    }

    /// Children in the unserved villages of the corridor.
    pub fn unserved_children(&self) -> i64 {
        self.unserved.iter().map(|v| v.children).sum()
    }
}

/// Property maps `text` reads: a loaded feature's, or one of a request body.
trait Props {
    fn prop(&self, key: &str) -> Option<&Value>;
}

impl Props for Map<String, Value> {
    fn prop(&self, key: &str) -> Option<&Value> {
        self.get(key)
    }
}

impl Props for crate::model::Properties {
    fn prop(&self, key: &str) -> Option<&Value> {
        self.get(key)
    }
}

fn text(props: &impl Props, key: &str) -> Option<String> {
    props.prop(key).and_then(Value::as_str).map(str::to_string)
}

fn position_of(v: Option<&Value>) -> Option<[f64; 2]> {
    let a = v?.as_array()?;
    let lon = a.first()?.as_f64()?;
    let lat = a.get(1)?.as_f64()?;
    (lon.is_finite() && lat.is_finite()).then_some([lon, lat])
}

fn parts_of(g: &geo::Geometry<f64>) -> Vec<Vec<[f64; 2]>> {
    let ls = |l: &geo::LineString<f64>| l.0.iter().map(|c| [c.x, c.y]).collect::<Vec<_>>();
    match g {
        geo::Geometry::LineString(l) => vec![ls(l)],
        geo::Geometry::MultiLineString(m) => m.0.iter().map(ls).collect(),
        _ => vec![],
    }
}

fn layers_of(snap: &Snapshot, kind: LayerKind) -> impl Iterator<Item = &Layer> {
    snap.layers
        .iter()
        .filter(move |l| l.spec.kind == kind)
        .map(|l| &**l)
}

/// Every line of the snapshot's school-bus route layers, with its stops.
pub fn lines(snap: &Snapshot) -> Vec<Line> {
    let mut stops: HashMap<String, Vec<Stop>> = HashMap::new();
    for layer in layers_of(snap, LayerKind::SchoolBusStops) {
        for (i, f) in layer.features.iter().enumerate() {
            let (Some(route), Some(seq)) = (
                text(&f.properties, "route_id"),
                f.properties.get("seq").and_then(Value::as_i64),
            ) else {
                continue;
            };
            if let geo::Geometry::Point(p) = layer.geometry(i) {
                stops.entry(route).or_default().push(Stop {
                    id: f.id.clone(),
                    seq,
                    name: text(&f.properties, "name"),
                    position: [p.x(), p.y()],
                });
            }
        }
    }
    let mut out = Vec::new();
    for layer in layers_of(snap, LayerKind::SchoolBusRoutes) {
        for (i, f) in layer.features.iter().enumerate() {
            let p = &f.properties;
            let id = text(p, "route_id").unwrap_or_else(|| f.id.clone());
            let mut s = stops.remove(&id).unwrap_or_default();
            s.sort_by_key(|s| s.seq);
            out.push(Line {
                name: text(p, "name"),
                name_en: text(p, "name_en"),
                school: text(p, "school"),
                school_location: position_of(p.get("school_location")),
                operator: text(p, "operator"),
                departures: p
                    .get("departures")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|d| d.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
                parts: parts_of(layer.geometry(i)),
                stops: s,
                id,
            });
        }
    }
    out
}

/// The line with this route id.
pub fn line(snap: &Snapshot, id: &str) -> Result<Line, QueryError> {
    let all = lines(snap);
    if all.is_empty() {
        return Err(QueryError::NotFound(
            "no school_bus_routes layer is loaded".into(),
        ));
    }
    let known: Vec<String> = all.iter().map(|l| l.id.clone()).collect();
    all.into_iter().find(|l| l.id == id).ok_or_else(|| {
        QueryError::NotFound(format!(
            "no school commuter line {id:?} (known: {})",
            known.join(", ")
        ))
    })
}

/// `GET /api/routes`: each line with its length and stop count.
pub fn summaries(snap: &Snapshot) -> Vec<LineSummary> {
    lines(snap)
        .into_iter()
        .map(|l| LineSummary {
            length_m: length_m(&l.parts),
            stop_count: l.stops.len(),
            id: l.id,
            name: l.name,
            name_en: l.name_en,
            school: l.school,
            operator: l.operator,
            departures: l.departures,
        })
        .collect()
}

fn demand_layer(snap: &Snapshot) -> Option<&Layer> {
    layers_of(snap, LayerKind::Demand).next()
}

fn village(layer: &Layer, i: usize, distance_m: f64, stop: &str) -> Option<Village> {
    let f = &layer.features[i];
    let geo::Geometry::Point(p) = layer.geometry(i) else {
        return None;
    };
    let int = |k: &str| f.properties.get(k).and_then(Value::as_i64).unwrap_or(0);
    Some(Village {
        id: f.id.clone(),
        name: text(&f.properties, "name").unwrap_or_else(|| f.id.clone()),
        township: text(&f.properties, "township"),
        children: int("children"),
        population: int("population"),
        position: [p.x(), p.y()],
        distance_m,
        stop: stop.to_string(),
    })
}

/// Served villages (within `walk_m` of a stop, by the demand index) and unserved villages of
/// the corridor (by a box query around the line, then exact distances).
fn catchment(
    snap: &Snapshot,
    line: &Line,
    path: &PathIndex,
    params: &ReviewParams,
    deadline: &Deadline,
) -> Result<(Vec<Village>, Vec<Village>), QueryError> {
    let Some(layer) = demand_layer(snap) else {
        return Ok((vec![], vec![]));
    };
    // Nearest stop of every village that has one within walk_m.
    let mut best: BTreeMap<usize, (f64, &str)> = BTreeMap::new();
    for s in &line.stops {
        deadline.check()?;
        for (i, d) in layer.index.nearest(s.position) {
            if d > params.walk_m {
                break;
            }
            let e = best.entry(i).or_insert((d, &s.id));
            if d < e.0 {
                *e = (d, &s.id);
            }
        }
    }
    let mut served: Vec<Village> = best
        .iter()
        .filter_map(|(&i, &(d, s))| village(layer, i, d, s))
        .collect();
    served.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m).then(a.id.cmp(&b.id)));

    // The corridor: a lon/lat box around the line grown by corridor_m, then exact distances.
    let all: Vec<[f64; 2]> = line.parts.iter().flatten().copied().collect();
    let mut unserved = Vec::new();
    if let Some(first) = all.first() {
        let (mut min, mut max) = (*first, *first);
        for p in &all {
            min = [min[0].min(p[0]), min[1].min(p[1])];
            max = [max[0].max(p[0]), max[1].max(p[1])];
        }
        let lat = if min[1].abs() > max[1].abs() {
            min[1]
        } else {
            max[1]
        };
        let frame = LocalFrame::new([min[0], lat.clamp(-89.0, 89.0)]);
        // 1 % margin: metres per degree change across the box.
        let dlon = params.corridor_m * 1.01 / frame.m_per_deg_lon().max(1.0);
        let dlat = params.corridor_m * 1.01 / frame.m_per_deg_lat();
        let lo = [min[0] - dlon, (min[1] - dlat).max(-90.0)];
        let hi = [max[0] + dlon, (max[1] + dlat).min(90.0)];
        for (n, i) in layer.index.intersecting(lo, hi).into_iter().enumerate() {
            if n % 256 == 0 {
                deadline.check()?;
            }
            if best.contains_key(&i) {
                continue;
            }
            let geo::Geometry::Point(p) = layer.geometry(i) else {
                continue;
            };
            let pos = [p.x(), p.y()];
            if path.within(pos, params.corridor_m).is_none() {
                continue;
            }
            let (d, s) = line
                .stops
                .iter()
                .map(|s| (distance_m(pos, s.position), s.id.as_str()))
                .min_by(|a, b| a.0.total_cmp(&b.0))
                .unwrap_or((f64::INFINITY, ""));
            if let Some(v) = village(layer, i, d, s) {
                unserved.push(v);
            }
        }
    }
    unserved.sort_by(|a, b| {
        b.children
            .cmp(&a.children)
            .then(a.distance_m.total_cmp(&b.distance_m))
            .then(a.id.cmp(&b.id))
    });
    Ok((served, unserved))
}

fn run_time_min(length_m: f64, stops: usize, p: &ReviewParams) -> f64 {
    length_m / (p.speed_kmh / 3.6) / 60.0 + stops as f64 * p.dwell_s / 60.0
}

/// Review `line` against the snapshot's demand layer and other lines; with `compare`, also
/// the difference from that line.
pub fn review(
    snap: &Snapshot,
    line: &Line,
    params: &ReviewParams,
    compare: Option<&Line>,
) -> Result<Review, QueryError> {
    review_until(snap, line, params, compare, &Deadline::none())
}

/// [`review`], stopping with [`QueryError::Timeout`] once `deadline` passes.
///
/// # Cost
/// With `n` vertices, `s` stops, `v` villages in the corridor and `o` vertices in the other
/// lines: `(n + o) log n` to index, `s log n` to project the stops, `s^2` for duplicates
/// (`s` <= 500), `v log n` for the corridor, `(L / 10 m + n) log o` for shared length (`L`
/// the length, at most [`MAX_LINE_LENGTH_M`]), and the self-intersection sweep.
pub fn review_until(
    snap: &Snapshot,
    line: &Line,
    params: &ReviewParams,
    compare: Option<&Line>,
    deadline: &Deadline,
) -> Result<Review, QueryError> {
    params.validate()?;
    let mut line = line.clone();
    line.stops.sort_by_key(|s| s.seq);
    let length = length_m(&line.parts);
    let path = PathIndex::new(&line.parts);
    let mut findings = Vec::new();

    let stops: Vec<StopReview> = line
        .stops
        .iter()
        .map(|s| {
            let (along_m, offset_m, _) = path.project(s.position);
            StopReview {
                stop: s.clone(),
                along_m,
                offset_m,
            }
        })
        .collect();

    if stops.len() < 2 {
        findings.push(Finding {
            severity: Severity::Error,
            code: "too_few_stops",
            message: format!("the line has {} stop(s); it needs at least 2", stops.len()),
            location: stops.first().map(|s| s.stop.position),
        });
    }
    for s in &stops {
        if s.offset_m > STOP_OFF_LINE_M {
            findings.push(Finding {
                severity: Severity::Warning,
                code: "stop_off_line",
                message: format!(
                    "stop {} (seq {}) is {:.0} m from the line (more than {STOP_OFF_LINE_M} m)",
                    s.stop.id, s.stop.seq, s.offset_m
                ),
                location: Some(s.stop.position),
            });
        }
    }
    for w in stops.windows(2) {
        if w[1].along_m < w[0].along_m {
            findings.push(Finding {
                severity: Severity::Error,
                code: "stop_order",
                message: format!(
                    "stop {} (seq {}) lies {:.0} m along the line, before stop {} (seq {}) at {:.0} m",
                    w[1].stop.id, w[1].stop.seq, w[1].along_m, w[0].stop.id, w[0].stop.seq, w[0].along_m
                ),
                location: Some(w[1].stop.position),
            });
        }
    }
    for (i, a) in stops.iter().enumerate() {
        for b in &stops[i + 1..] {
            if distance_m(a.stop.position, b.stop.position) < DUPLICATE_STOP_M {
                findings.push(Finding {
                    severity: Severity::Error,
                    code: "duplicate_stop",
                    message: format!(
                        "stops {} (seq {}) and {} (seq {}) are at the same place",
                        a.stop.id, a.stop.seq, b.stop.id, b.stop.seq
                    ),
                    location: Some(b.stop.position),
                });
            }
        }
    }
    for (pi, part) in line.parts.iter().enumerate() {
        for (si, w) in part.windows(2).enumerate() {
            if distance_m(w[0], w[1]) < ZERO_SEGMENT_M {
                findings.push(Finding {
                    severity: Severity::Warning,
                    code: "zero_length_segment",
                    message: format!(
                        "vertices {si} and {} of part {pi} are at the same place",
                        si + 1
                    ),
                    location: Some(w[0]),
                });
            }
        }
    }
    deadline.check()?;
    for x in self_intersections(&line.parts, deadline)? {
        findings.push(Finding {
            severity: Severity::Warning,
            code: "self_intersection",
            message: format!(
                "the line crosses or touches itself at [{:.6}, {:.6}]",
                x[0], x[1]
            ),
            location: Some(x),
        });
    }
    let gaps: Vec<f64> = stops
        .windows(2)
        .map(|w| (w[1].along_m - w[0].along_m).abs())
        .collect();
    for (w, g) in stops.windows(2).zip(&gaps) {
        if *g < MIN_SPACING_M
            && distance_m(w[0].stop.position, w[1].stop.position) >= DUPLICATE_STOP_M
        {
            findings.push(Finding {
                severity: Severity::Warning,
                code: "stop_spacing_short",
                message: format!(
                    "stops {} and {} are {g:.0} m apart along the line (less than {MIN_SPACING_M} m)",
                    w[0].stop.id, w[1].stop.id
                ),
                location: Some(w[1].stop.position),
            });
        }
    }
    let spacing = (!gaps.is_empty()).then(|| Spacing {
        min_m: gaps.iter().copied().fold(f64::INFINITY, f64::min),
        mean_m: gaps.iter().sum::<f64>() / gaps.len() as f64,
        max_m: gaps.iter().copied().fold(0.0, f64::max),
    });
    let last_stop_to_school_m = match (line.school_location, stops.last()) {
        (Some(school), Some(last)) => Some(distance_m(last.stop.position, school)),
        _ => None,
    };
    if let (Some(d), Some(school)) = (last_stop_to_school_m, line.school_location) {
        if d > params.walk_m {
            findings.push(Finding {
                severity: Severity::Warning,
                code: "far_from_school",
                message: format!(
                    "the last stop is {d:.0} m from the school {} (more than walk_m = {} m)",
                    line.school.as_deref().unwrap_or(""),
                    params.walk_m
                ),
                location: Some(school),
            });
        }
    }

    let (served, unserved) = catchment(snap, &line, &path, params, deadline)?;
    for v in unserved.iter().filter(|v| v.children > 0) {
        findings.push(Finding {
            severity: Severity::Warning,
            code: "unserved_village",
            message: format!(
                "{} ({} children) is {:.0} m from the nearest stop, within {} m of the line",
                v.name, v.children, v.distance_m, params.corridor_m
            ),
            location: Some(v.position),
        });
    }

    let mut shared = Vec::new();
    for other in lines(snap) {
        if other.id == line.id {
            continue;
        }
        let m = path::shared_length_m(
            &line.parts,
            &PathIndex::new(&other.parts),
            SHARED_TOLERANCE_M,
            SHARED_STEP_M,
            deadline,
        )?;
        if m > 0.0 {
            findings.push(Finding {
                severity: Severity::Info,
                code: "shared_length",
                message: format!("{m:.0} m of the line runs along line {}", other.id),
                location: None,
            });
            shared.push((other.id, m));
        }
    }

    let run_time = run_time_min(length, stops.len(), params);
    let diff = match compare {
        None => None,
        Some(base) => {
            let base_review = review_until(snap, base, params, None, deadline)?;
            let had: HashMap<&str, &Village> = base_review
                .served
                .iter()
                .map(|v| (v.id.as_str(), v))
                .collect();
            let has: HashMap<&str, &Village> = served.iter().map(|v| (v.id.as_str(), v)).collect();
            let villages_gained: Vec<Village> = served
                .iter()
                .filter(|v| !had.contains_key(v.id.as_str()))
                .cloned()
                .collect();
            let villages_lost: Vec<Village> = base_review
                .served
                .iter()
                .filter(|v| !has.contains_key(v.id.as_str()))
                .cloned()
                .collect();
            Some(Diff {
                against: base.id.clone(),
                children_gained: villages_gained.iter().map(|v| v.children).sum(),
                children_lost: villages_lost.iter().map(|v| v.children).sum(),
                villages_gained,
                villages_lost,
                length_change_m: length - base_review.length_m,
                run_time_change_min: run_time - base_review.run_time_min,
            })
        }
    };
    findings.sort_by_key(|f| f.severity);
    Ok(Review {
        params: *params,
        length_m: length,
        stops,
        spacing,
        run_time_min: run_time,
        last_stop_to_school_m,
        served,
        unserved,
        shared,
        findings,
        diff,
        line,
    })
}

/// A draft line from a GeoJSON FeatureCollection: one LineString or MultiLineString feature
/// (the line; its properties may carry `route_id`, `name`, `school`, `school_location`) and
/// Point features with an integer `seq` (the stops). Coordinates are `[lon, lat]` WGS84.
pub fn draft(v: &Value) -> Result<Line, QueryError> {
    let bad = |reason: String| QueryError::bad("body", reason);
    let obj = v
        .as_object()
        .ok_or_else(|| bad("must be a GeoJSON FeatureCollection object".into()))?;
    if obj.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(bad(
            "\"type\" must be \"FeatureCollection\" holding the line and its stops".into(),
        ));
    }
    let features = obj
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("\"features\" must be an array".into()))?;
    if features.is_empty() {
        return Err(bad(
            "the collection is empty: it needs one LineString (the line) and Point stops".into(),
        ));
    }
    // (feature index, parts, properties) of the line.
    type Found<'a> = (usize, Vec<Vec<[f64; 2]>>, &'a Map<String, Value>);
    let mut line: Option<Found> = None;
    let mut stops: Vec<Stop> = Vec::new();
    let mut seqs: HashMap<i64, usize> = HashMap::new();
    let empty = Map::new();
    for (i, f) in features.iter().enumerate() {
        let at = format!("features[{i}]");
        let f = f
            .as_object()
            .filter(|f| f.get("type").and_then(Value::as_str) == Some("Feature"))
            .ok_or_else(|| bad(format!("{at} is not a GeoJSON Feature")))?;
        let props = match f.get("properties") {
            None | Some(Value::Null) => &empty,
            Some(Value::Object(m)) => m,
            Some(_) => return Err(bad(format!("{at}: \"properties\" must be an object"))),
        };
        let g = f
            .get("geometry")
            .and_then(Value::as_object)
            .ok_or_else(|| bad(format!("{at} has no geometry")))?;
        let gtype = g.get("type").and_then(Value::as_str).unwrap_or("");
        let coords = g
            .get("coordinates")
            .ok_or_else(|| bad(format!("{at}: the geometry has no \"coordinates\"")))?;
        match gtype {
            "LineString" | "MultiLineString" => {
                if let Some((j, _, _)) = line {
                    return Err(bad(format!(
                        "{at} is a second line (features[{j}] is the first): a draft holds one line"
                    )));
                }
                let raw_parts: Vec<&Value> = if gtype == "LineString" {
                    vec![coords]
                } else {
                    coords
                        .as_array()
                        .ok_or_else(|| {
                            bad(format!(
                                "{at}: MultiLineString coordinates must be an array of lines"
                            ))
                        })?
                        .iter()
                        .collect()
                };
                if raw_parts.is_empty() {
                    return Err(bad(format!("{at}: the MultiLineString has no lines")));
                }
                let mut parts = Vec::new();
                for (k, rp) in raw_parts.iter().enumerate() {
                    let arr = rp.as_array().ok_or_else(|| {
                        bad(format!("{at}: line {k} must be an array of positions"))
                    })?;
                    if arr.len() < 2 {
                        return Err(bad(format!(
                            "{at}: line {k} has {} position(s); a line needs at least 2",
                            arr.len()
                        )));
                    }
                    let part = arr
                        .iter()
                        .enumerate()
                        .map(|(n, p)| position(p, &format!("{at}: position {n} of line {k}")))
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(bad)?;
                    parts.push(part);
                }
                let count: usize = parts.iter().map(Vec::len).sum();
                if count > MAX_VERTICES {
                    return Err(bad(format!(
                        "{at}: the line has {count} positions; at most {MAX_VERTICES}"
                    )));
                }
                let length = length_m(&parts);
                if length > MAX_LINE_LENGTH_M {
                    return Err(bad(format!(
                        "{at}: the line is {:.1} km long; a draft is at most {:.0} km (a school line is tens of km)",
                        length / 1000.0,
                        MAX_LINE_LENGTH_M / 1000.0
                    )));
                }
                line = Some((i, parts, props));
            }
            "Point" => {
                let pos = position(coords, &format!("{at}: the stop's position")).map_err(bad)?;
                let seq = match props.get("seq") {
                    None => return Err(bad(format!("{at}: the stop has no \"seq\" property"))),
                    Some(s) => s.as_i64().filter(|&s| s >= 1).ok_or_else(|| {
                        bad(format!("{at}: \"seq\" must be an integer >= 1, not {s}"))
                    })?,
                };
                if let Some(j) = seqs.insert(seq, i) {
                    return Err(bad(format!(
                        "{at}: seq {seq} is used twice (features[{j}] has it too)"
                    )));
                }
                let id = match f.get("id") {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Number(n)) => n.to_string(),
                    _ => format!("stop-{seq}"),
                };
                stops.push(Stop {
                    id,
                    seq,
                    name: text(props, "name"),
                    position: pos,
                });
                if stops.len() > MAX_STOPS {
                    return Err(bad(format!(
                        "{at}: the draft has more than {MAX_STOPS} stops; at most {MAX_STOPS}"
                    )));
                }
            }
            other => {
                return Err(bad(format!(
                    "{at} is a {}: a draft holds one LineString or MultiLineString and Point stops",
                    if other.is_empty() {
                        "geometry without a type"
                    } else {
                        other
                    }
                )))
            }
        }
    }
    let (_, parts, props) = line.ok_or_else(|| {
        bad("no line: the collection needs one LineString or MultiLineString feature".into())
    })?;
    stops.sort_by_key(|s| s.seq);
    Ok(Line {
        id: text(props, "route_id").unwrap_or_else(|| "draft".into()),
        name: text(props, "name"),
        name_en: text(props, "name_en"),
        school: text(props, "school"),
        school_location: position_of(props.get("school_location")),
        operator: text(props, "operator"),
        departures: vec![],
        parts,
        stops,
    })
}

fn position(v: &Value, at: &str) -> Result<[f64; 2], String> {
    let a = v
        .as_array()
        .ok_or_else(|| format!("{at} must be an array [lon, lat]"))?;
    if a.len() < 2 || a.len() > 3 {
        return Err(format!(
            "{at} has {} number(s); a position is [lon, lat] or [lon, lat, height]",
            a.len()
        ));
    }
    let num = |k: usize, name: &str| {
        a[k].as_f64()
            .filter(|x| x.is_finite())
            .ok_or_else(|| format!("{at}: {name} {} is not a finite number", a[k]))
    };
    let lon = num(0, "longitude")?;
    let lat = num(1, "latitude")?;
    if a.len() == 3 {
        num(2, "height")?;
    }
    if !(-180.0..=180.0).contains(&lon) {
        return Err(format!("{at}: longitude {lon} is outside -180..180"));
    }
    if !(-90.0..=90.0).contains(&lat) {
        return Err(format!("{at}: latitude {lat} is outside -90..90"));
    }
    Ok([lon, lat])
}
