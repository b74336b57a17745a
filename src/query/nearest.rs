//! "What is nearest to me?" and "what is around here?": k nearest features of one or more
//! layers, with every filter (open at a moment, required amenities, property equality)
//! applied before the limit, so k passing features come back whenever k exist in range.

use chrono::NaiveDateTime;

use serde_json::Value;

use crate::crs::{gcj02_to_bd09, wgs84_to_gcj02};
use crate::geodesy::FromPoint;
use crate::index::nearest_on;
use crate::model::{FieldType, LayerKind};
use crate::query::deadline::{Stop, Work};
use crate::query::features::{value_matches, PropertyFilter};
use crate::query::hours::open_at;
use crate::query::QueryError;
use crate::snapshot::{Layer, Snapshot};
use crate::text;

/// Largest `k`.
pub const MAX_K: usize = 100;
/// `k` when not given.
pub const DEFAULT_K: usize = 5;
/// Largest search radius (`max_m`, `radius_m`) in metres.
pub const MAX_RADIUS_M: f64 = 50_000.0;
/// Largest page of `within` (`limit`).
pub const MAX_WITHIN_LIMIT: usize = 1000;
/// Page of `within` when `limit` is not given.
pub const DEFAULT_WITHIN_LIMIT: usize = 100;
/// Walking speed used for `walk_min`: 4 km/h (66.7 m a minute), the pace behind the planning
/// norm that a 15-minute walk covers about 1000 m (GB 50180-2018).
pub const WALK_M_PER_MIN: f64 = 4000.0 / 60.0;

/// What to keep: open at a moment, having all of some amenities, equal properties.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// Keep features open at this local (Asia/Shanghai) moment.
    pub open_at: Option<NaiveDateTime>,
    /// Keep features having all of these (amenities, services or facilities).
    pub has: Vec<String>,
    /// Property equality filters.
    pub properties: Vec<PropertyFilter>,
}

/// One answer: which feature, how far, and whether it is open.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Index of the layer in the snapshot.
    pub layer: usize,
    /// Index of the feature in its layer.
    pub feature: usize,
    /// Metres on the ground to the nearest point of the geometry (0 inside a polygon).
    pub distance_m: f64,
    /// Open at the evaluation moment: `None` when the hours are unknown or absent.
    pub open: Option<bool>,
}

/// The property listing what a feature of this kind has, for the `has` filter.
pub fn has_field(kind: LayerKind) -> Option<&'static str> {
    match kind {
        LayerKind::NursingRooms => Some("amenities"),
        LayerKind::ServiceStations => Some("services"),
        LayerKind::PocketParks | LayerKind::ChildFriendlyCommunities => Some("facilities"),
        _ => None,
    }
}

/// Resolve comma-separated layer ids to snapshot indices, refusing unknown ones.
pub fn resolve_layers(snap: &Snapshot, ids: &str) -> Result<Vec<usize>, QueryError> {
    let mut out = Vec::new();
    for id in ids.split(',').map(str::trim) {
        let i = snap
            .layers
            .iter()
            .position(|l| l.spec.id == id)
            .ok_or_else(|| {
                let known: Vec<&str> = snap.layers.iter().map(|l| l.spec.id.as_str()).collect();
                QueryError::bad(
                    "layer",
                    text!(
                        "unknown layer {id:?}; known: {}",
                        "未知图层 {id:?}；已有：{}",
                        known.join(", ")
                    ),
                )
            })?;
        if !out.contains(&i) {
            out.push(i);
        }
    }
    Ok(out)
}

/// Check the filters against the chosen layers: `has` values must be known to one of them
/// (listed by its kind's schema, such as nursing rooms' amenities, or, for a free-text list
/// such as the `facilities` of parks and communities, carried by one of its features);
/// property filters must name properties they carry.
pub fn check_filters(snap: &Snapshot, layers: &[usize], f: &Filters) -> Result<(), QueryError> {
    // Per chosen layer with a `has` list: its property name and the schema's values, if any.
    let lists: Vec<(&Layer, &str, Option<&[&str]>)> = layers
        .iter()
        .filter_map(|&i| {
            let l = &*snap.layers[i];
            let name = has_field(l.spec.kind)?;
            let schema = l.spec.kind.fields().iter().find(|fd| fd.name == name);
            let values = match schema.map(|fd| fd.ty) {
                Some(FieldType::EnumList(values)) => Some(values),
                _ => None,
            };
            Some((l, name, values))
        })
        .collect();
    let known_to = |h: &str, (l, name, values): &(&Layer, &str, Option<&[&str]>)| match values {
        Some(values) => values.contains(&h),
        None => l
            .features
            .iter()
            .any(|ft| ft.properties.get(name).is_some_and(|v| value_matches(v, h))),
    };
    if let Some(h) = f.has.iter().find(|h| !lists.iter().any(|x| known_to(h, x))) {
        let mut known: Vec<&str> = Vec::new();
        let mut carried = std::collections::BTreeSet::new();
        for (l, name, values) in &lists {
            match values {
                Some(values) => known.extend(*values),
                None => carried.extend(
                    l.features
                        .iter()
                        .filter_map(|ft| ft.properties.get(name)?.as_array())
                        .flatten()
                        .filter_map(Value::as_str),
                ),
            }
        }
        known.extend(carried);
        let mut seen = std::collections::HashSet::new();
        known.retain(|v| seen.insert(*v));
        let list = known.join(", ");
        return Err(QueryError::bad(
            "has",
            if known.is_empty() {
                text!(
                    "unknown amenity {h:?}; these layers list no amenities",
                    "未知设施 {h:?}；这些图层没有列出任何设施"
                )
            } else {
                text!(
                    "unknown amenity {h:?}; known: {list}",
                    "未知设施 {h:?}；已有：{list}"
                )
            },
        ));
    }
    for pf in &f.properties {
        let carried = layers.iter().any(|&i| {
            let l = &snap.layers[i];
            l.spec.kind.fields().iter().any(|fd| fd.name == pf.name)
                || l.features
                    .iter()
                    .any(|ft| ft.properties.contains_key(&pf.name))
        });
        if !carried {
            return Err(QueryError::bad(
                pf.name.clone(),
                text!(
                    "unknown parameter: not a filter nor a property of the chosen layers",
                    "未知参数：既不是筛选条件，也不是所选图层的属性"
                ),
            ));
        }
    }
    Ok(())
}

/// Whether the hours of feature `i` say open at `t`.
pub fn open_state(layer: &Layer, i: usize, t: NaiveDateTime) -> Option<bool> {
    layer.hours[i].as_ref().and_then(|oh| open_at(oh, t))
}

pub(crate) fn passes(layer: &Layer, i: usize, f: &Filters) -> bool {
    let props = &layer.features[i].properties;
    if let Some(t) = f.open_at {
        if open_state(layer, i, t) != Some(true) {
            return false;
        }
    }
    if !f.has.is_empty() {
        let Some(list) = has_field(layer.spec.kind).and_then(|n| props.get(n)) else {
            return false;
        };
        if !f.has.iter().all(|h| value_matches(list, h)) {
            return false;
        }
    }
    f.properties.iter().all(|pf| {
        props
            .get(&pf.name)
            .is_some_and(|v| value_matches(v, &pf.value))
    })
}

/// The `k` nearest features to `point` (`[lon, lat]` WGS84) over `layers` that pass `filters`
/// and lie within `max_m`, nearest first; `now` is the moment for each hit's `open`.
pub fn nearest(
    snap: &Snapshot,
    layers: &[usize],
    point: [f64; 2],
    k: usize,
    max_m: f64,
    filters: &Filters,
    now: NaiveDateTime,
) -> Vec<Hit> {
    let mut work = Work::unlimited();
    nearest_with(snap, layers, point, k, max_m, filters, now, &mut work).unwrap_or_default()
}

/// [`nearest`] within `work`: every feature the search looks at (passing the filters or
/// not) is one visit, so a filter that matches nothing cannot scan a big layer for free.
#[allow(clippy::too_many_arguments)]
pub fn nearest_with(
    snap: &Snapshot,
    layers: &[usize],
    point: [f64; 2],
    k: usize,
    max_m: f64,
    filters: &Filters,
    now: NaiveDateTime,
    work: &mut Work,
) -> Result<Vec<Hit>, Stop> {
    let mut hits: Vec<Hit> = Vec::with_capacity(k * layers.len());
    for &li in layers {
        let layer = &snap.layers[li];
        let mut kept = 0;
        for (i, d) in layer.index.nearest(point) {
            if d > max_m || kept == k {
                break;
            }
            work.visit()?;
            if passes(layer, i, filters) {
                kept += 1;
                hits.push(Hit {
                    layer: li,
                    feature: i,
                    distance_m: d,
                    open: open_state(layer, i, now),
                });
            }
        }
    }
    hits.sort_by(|a, b| {
        a.distance_m
            .total_cmp(&b.distance_m)
            .then((a.layer, a.feature).cmp(&(b.layer, b.feature)))
    });
    hits.truncate(k);
    Ok(hits)
}

/// Where to look for `within`.
#[derive(Debug, Clone, Copy)]
pub enum Area {
    /// Within `radius_m` of a `[lon, lat]` point: sorted by distance.
    Circle {
        /// The centre.
        centre: [f64; 2],
        /// Metres on the ground.
        radius_m: f64,
    },
    /// Intersecting `[minlon, minlat, maxlon, maxlat]`: in layer and feature order.
    Bbox([f64; 4]),
}

/// Every feature of `layers` inside `area` passing `filters` (distances are to the circle's
/// centre, or `None` for a box), with the total before paging; each hit's `open` at `now`
/// is evaluated for the returned page only.
pub fn within(
    snap: &Snapshot,
    layers: &[usize],
    area: Area,
    filters: &Filters,
    now: NaiveDateTime,
    offset: usize,
    limit: usize,
) -> (usize, Vec<(Hit, bool)>) {
    let mut work = Work::unlimited();
    within_with(snap, layers, area, filters, now, offset, limit, &mut work).unwrap_or_default()
}

/// [`within`] within `work` (one visit per feature found in the area).
#[allow(clippy::too_many_arguments)]
pub fn within_with(
    snap: &Snapshot,
    layers: &[usize],
    area: Area,
    filters: &Filters,
    now: NaiveDateTime,
    offset: usize,
    limit: usize,
    work: &mut Work,
) -> Result<(usize, Vec<(Hit, bool)>), Stop> {
    let mut all: Vec<(Hit, bool)> = Vec::new();
    for &li in layers {
        let layer = &snap.layers[li];
        let mut found: Vec<(usize, Option<f64>)> = Vec::new();
        match area {
            Area::Circle { centre, radius_m } => {
                for (i, d) in layer.index.nearest(centre) {
                    if d > radius_m {
                        break;
                    }
                    work.visit()?;
                    found.push((i, Some(d)));
                }
            }
            Area::Bbox(b) => {
                for i in layer.index.intersecting([b[0], b[1]], [b[2], b[3]]) {
                    work.visit()?;
                    found.push((i, None));
                }
            }
        }
        all.extend(
            found
                .into_iter()
                .filter(|&(i, _)| passes(layer, i, filters))
                .map(|(i, d)| {
                    (
                        Hit {
                            layer: li,
                            feature: i,
                            distance_m: d.unwrap_or(f64::NAN),
                            open: None,
                        },
                        d.is_some(),
                    )
                }),
        );
    }
    if matches!(area, Area::Circle { .. }) {
        all.sort_by(|a, b| a.0.distance_m.total_cmp(&b.0.distance_m));
    }
    let total = all.len();
    let mut page: Vec<(Hit, bool)> = all.into_iter().skip(offset).take(limit).collect();
    // The hours are evaluated for the page only (the `open` filter did its own).
    for (h, _) in &mut page {
        h.open = open_state(&snap.layers[h.layer], h.feature, now);
    }
    Ok((total, page))
}

/// How to get from the query to a hit, as answered: metres to 0.1 m, minutes to 0.1, the
/// bearing to 0.1 degree, positions to 1e-7 degrees.
#[derive(Debug, Clone, PartialEq)]
pub struct Approach {
    /// Metres on the ground to the nearest point of the geometry (0 inside a polygon).
    pub distance_m: f64,
    /// Minutes at [`WALK_M_PER_MIN`].
    pub walk_min: f64,
    /// Initial bearing to [`Approach::wgs84`], degrees clockwise from north in `[0, 360)`;
    /// `None` at distance 0.
    pub bearing_deg: Option<f64>,
    /// The target: the nearest point of the geometry to the query, `[lon, lat]` WGS84 (the
    /// query itself inside a polygon).
    pub wgs84: [f64; 2],
    /// The same target in GCJ-02, for Chinese map apps.
    pub gcj02: [f64; 2],
    /// The same target in BD-09, for Baidu.
    pub bd09: [f64; 2],
    /// AMap's walking navigation to the target ([`crate::query::nav::amap_walk`]).
    pub amap: String,
    /// Baidu's walking directions from the query to the target
    /// ([`crate::query::nav::baidu_walk`]).
    pub baidu: String,
    /// Tencent's walking route plan to the target ([`crate::query::nav::tencent_walk`]).
    pub tencent: String,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn round7(x: f64) -> f64 {
    (x * 1e7).round() / 1e7
}

/// The [`Approach`] to `hit` from `from` (`[lon, lat]` WGS84), in a straight line.
pub fn approach(snap: &Snapshot, hit: &Hit, from: [f64; 2]) -> Approach {
    let layer = &snap.layers[hit.layer];
    let to = if hit.distance_m == 0.0 {
        from
    } else {
        nearest_on(layer.geometry(hit.feature), from).1
    };
    approach_to(snap, hit, from, to, hit.distance_m / WALK_M_PER_MIN)
}

/// The [`Approach`] to `hit` from `from`, arriving at `to` (where a walk along the network
/// reaches the feature) after `walk_min` minutes; `hit.distance_m` is the distance walked.
pub fn approach_to(
    snap: &Snapshot,
    hit: &Hit,
    from: [f64; 2],
    to: [f64; 2],
    walk_min: f64,
) -> Approach {
    let layer = &snap.layers[hit.layer];
    // Rounded, then wrapped: 359.96 degrees is north (0), never 360.
    let bearing_deg = (hit.distance_m > 0.0 && to != from)
        .then(|| round1(FromPoint::new(from).bearing_deg(to)).rem_euclid(360.0));
    let (glon, glat) = wgs84_to_gcj02(to[0], to[1]);
    let (blon, blat) = gcj02_to_bd09(glon, glat);
    let from_bd09 = {
        let (g0, g1) = wgs84_to_gcj02(from[0], from[1]);
        let (b0, b1) = gcj02_to_bd09(g0, g1);
        [b0, b1]
    };
    let name = layer.features[hit.feature]
        .properties
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("");
    Approach {
        distance_m: round1(hit.distance_m),
        walk_min: round1(walk_min),
        bearing_deg,
        wgs84: [round7(to[0]), round7(to[1])],
        gcj02: [round7(glon), round7(glat)],
        bd09: [round7(blon), round7(blat)],
        amap: crate::query::nav::amap_walk([glon, glat], name),
        baidu: crate::query::nav::baidu_walk(from_bd09, [blon, blat], name),
        tencent: crate::query::nav::tencent_walk([glon, glat], name),
    }
}
