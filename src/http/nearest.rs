//! `GET /api/nearest` and `GET /api/within`: parse, call [`crate::query::nearest`] (the
//! hits and each one's [`Approach`]), and serialise as GeoJSON.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::NaiveDateTime;
use serde_json::{json, Map, Value};

use crate::crs::Crs;
use crate::http::error::AppError;
use crate::http::lang::varies;
use crate::http::params::Params;
use crate::http::AppState;
use crate::lang::Lang;
use crate::query::deadline::{Stop, Work};
use crate::query::features::PropertyFilter;
use crate::query::hours::{describe, parse_moment, HoursNow};
use crate::query::limits::CHEAP_VISIT_BUDGET;
use crate::query::nearest::{
    approach, approach_to, check_filters, nearest_with, resolve_layers, within_with, Approach,
    Area, Filters, Hit, DEFAULT_K, DEFAULT_WITHIN_LIMIT, MAX_K, MAX_RADIUS_M, MAX_WITHIN_LIMIT,
};
use crate::query::walk::{
    nearest_walk, WalkAnswer, WalkOptions, DEFAULT_MAX_ACCESS_M, MAX_ACCESS_CAP_M, WALK_KMH_RANGE,
};
use crate::query::QueryError;
use crate::snapshot::Snapshot;
use crate::text;

pub(crate) fn required(p: &mut Params, name: &str) -> Result<String, QueryError> {
    p.take(name)
        .ok_or_else(|| QueryError::bad(name, text!("is required", "必填")))
}

fn coordinate(p: &mut Params, name: &str) -> Result<f64, QueryError> {
    let raw = required(p, name)?;
    match raw.trim().parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        _ => Err(QueryError::bad(
            name,
            text!("{raw:?} is not a finite number", "{raw:?} 不是有限的数"),
        )),
    }
}

/// Read `lon`, `lat` and `crs`, and return the point in WGS84. A `crs=EPSG:n` is converted
/// on the transform thread ([`crate::crs::client`]), never on the runtime.
pub(crate) async fn query_point(p: &mut Params) -> Result<([f64; 2], Crs), AppError> {
    let lon = coordinate(p, "lon")?;
    let lat = coordinate(p, "lat")?;
    let crs = match p.take("crs") {
        None => Crs::Wgs84,
        Some(c) => c
            .parse::<Crs>()
            .map_err(|e| QueryError::bad("crs", e.text()))?,
    };
    if crs.is_geographic_degrees() {
        if !(-180.0..=180.0).contains(&lon) {
            return Err(QueryError::bad(
                "lon",
                text!("{lon} is outside -180..180", "{lon} 超出 -180..180"),
            )
            .into());
        }
        if !(-90.0..=90.0).contains(&lat) {
            return Err(QueryError::bad(
                "lat",
                text!("{lat} is outside -90..90", "{lat} 超出 -90..90"),
            )
            .into());
        }
    }
    use crate::crs::client::ClientError;
    let (x, y) = match crs {
        Crs::Epsg(code) => match crate::crs::client::to_wgs84(code, lon, lat).await {
            Ok(xy) => xy,
            Err(ClientError::Crs(e)) => return Err(QueryError::bad("crs", e.text()).into()),
            Err(ClientError::Busy) => {
                return Err(AppError::Overloaded {
                    message: text!(
                        "too many crs=EPSG:n conversions waiting; retry shortly",
                        "等待中的 crs=EPSG:n 坐标转换太多；请稍后再试"
                    ),
                    retry_after_s: 1,
                })
            }
            Err(ClientError::Gone) => {
                return Err(AppError::Internal("the transform thread is gone".into()))
            }
        },
        other => other
            .to_wgs84(lon, lat)
            .map_err(|e| QueryError::bad("crs", e.text()))?,
    };
    if !(-180.0..=180.0).contains(&x) || !(-90.0..=90.0).contains(&y) {
        return Err(QueryError::bad(
            "lon",
            text!(
                "({lon}, {lat}) in {crs} is not a position on Earth",
                "{crs} 中的 ({lon}, {lat}) 不是地球上的位置"
            ),
        )
        .into());
    }
    Ok(([x, y], crs))
}

fn distance_param(p: &mut Params, name: &str) -> Result<Option<f64>, QueryError> {
    match p.take(name) {
        None => Ok(None),
        Some(raw) => match raw.trim().parse::<f64>() {
            Ok(m) if m.is_finite() && m > 0.0 && m <= MAX_RADIUS_M => Ok(Some(m)),
            _ => Err(QueryError::bad(
                name,
                text!(
                    "{raw:?} is not a distance in metres above 0 and at most {MAX_RADIUS_M}",
                    "必须是大于 0、至多 {MAX_RADIUS_M} 的距离（米），{raw:?} 不是"
                ),
            )),
        },
    }
}

/// How distances are measured, from `mode`, `walk_kmh`, `max_access_m` and `path` (reserved
/// names: read before the property filters, so they win over properties of the same name).
pub(crate) struct Measure {
    /// Walking along the network (None: straight lines).
    pub walk: Option<WalkOptions>,
    /// Walking speed, km/h (also for a straight line's minutes).
    pub walk_kmh: f64,
    /// Whether to return each answer's path.
    pub path: bool,
}

pub(crate) fn measure_params(snap: &Snapshot, p: &mut Params) -> Result<Measure, QueryError> {
    let walk_kmh = match p.take("walk_kmh") {
        None => crate::network::DEFAULT_WALK_KMH,
        Some(raw) => match raw.trim().parse::<f64>() {
            Ok(v) if (WALK_KMH_RANGE.0..=WALK_KMH_RANGE.1).contains(&v) => v,
            _ => {
                return Err(QueryError::bad(
                    "walk_kmh",
                    text!(
                        "{raw:?} is not a walking speed from 1 to 10 km/h",
                        "{raw:?} 不是 1 到 10 公里/小时之间的步行速度"
                    ),
                ))
            }
        },
    };
    let max_access_m = match p.take("max_access_m") {
        None => DEFAULT_MAX_ACCESS_M,
        Some(raw) => match raw.trim().parse::<f64>() {
            Ok(v) if (0.0..=MAX_ACCESS_CAP_M).contains(&v) => v,
            _ => {
                return Err(QueryError::bad(
                    "max_access_m",
                    text!(
                        "{raw:?} is not a distance from 0 to {MAX_ACCESS_CAP_M} m",
                        "{raw:?} 不是 0 到 {MAX_ACCESS_CAP_M} 米之间的距离"
                    ),
                ))
            }
        },
    };
    let path = match p.take("path").as_deref().map(str::trim) {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(QueryError::bad(
                "path",
                text!(
                    "{other:?} is not true or false",
                    "{other:?} 不是 true 或 false"
                ),
            ))
        }
    };
    let walk = match p.take("mode").as_deref().map(str::trim) {
        None if snap.network.is_some() => true,
        None | Some("straight") => false,
        Some("walk") if snap.network.is_some() => true,
        Some("walk") => {
            return Err(QueryError::bad(
                "mode",
                text!(
                    "walk needs a walking network, and none is loaded: import one with `nestmap import-osm FILE.osm.pbf --out DATA_DIR` (README, Walking network), or ask mode=straight",
                    "walk 需要步行路网，但未加载：用 `nestmap import-osm FILE.osm.pbf --out DATA_DIR` 导入（见 README“步行路网”），或改用 mode=straight"
                ),
            ))
        }
        Some(other) => {
            return Err(QueryError::bad(
                "mode",
                text!("{other:?} is not walk or straight", "{other:?} 不是 walk 或 straight"),
            ))
        }
    };
    Ok(Measure {
        walk: walk.then_some(WalkOptions {
            walk_kmh,
            max_access_m,
            path,
        }),
        walk_kmh,
        path,
    })
}

/// Read `open`, `has` and the remaining parameters as property filters.
fn filters(
    snap: &Snapshot,
    layers: &[usize],
    p: &mut Params,
    now: NaiveDateTime,
) -> Result<Filters, QueryError> {
    let open_at = match p.take("open") {
        None => None,
        Some(s) => Some(parse_moment(&s, now).map_err(|e| QueryError::bad("open", e))?),
    };
    let has = match p.take("has") {
        None => Vec::new(),
        Some(s) => s
            .split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect(),
    };
    let properties = p
        .remaining()
        .map(|(k, v)| PropertyFilter {
            name: k.clone(),
            value: v.clone(),
        })
        .collect();
    let f = Filters {
        open_at,
        has,
        properties,
    };
    check_filters(snap, layers, &f)?;
    Ok(f)
}

fn filters_json(f: &Filters) -> Value {
    let mut m = Map::new();
    if let Some(t) = f.open_at {
        m.insert(
            "open".into(),
            json!(t.format("%Y-%m-%dT%H:%M:%S").to_string()),
        );
    }
    if !f.has.is_empty() {
        m.insert("has".into(), json!(f.has));
    }
    for pf in &f.properties {
        m.insert(pf.name.clone(), json!(pf.value));
    }
    Value::Object(m)
}

/// A hit's extra properties: written straight to the answer by [`HitOut`] (no `Value`
/// tree), or merged into a `Value` for `within`.
struct Extras {
    open: Option<bool>,
    /// The hours at the lines' instant, when the feature has hours.
    hours: Option<HoursNow>,
    /// When distances apply.
    approach: Option<Approach>,
    /// Along the network: the straight-line distance beside the walking one.
    straight_m: Option<f64>,
    /// The walk (or the straight line), when asked for.
    path: Option<Vec<[f64; 2]>>,
}

const EXTRA_KEYS: [&str; 10] = [
    "layer",
    "open_now",
    "next_change",
    "hours_line",
    "distance_m",
    "walk_min",
    "bearing_deg",
    "nav",
    "straight_m",
    "path",
];

/// One hit as a GeoJSON Feature, serialised from borrowed data: the feature's own
/// properties, then the extras over them (an own property of the same name gives way).
struct HitOut<'a> {
    layer: &'a crate::snapshot::Layer,
    feature: usize,
    extras: Extras,
}

struct PropsOut<'a>(&'a HitOut<'a>);

impl serde::Serialize for PropsOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let h = self.0;
        let own = &h.layer.features[h.feature].properties;
        let mut m = s.serialize_map(None)?;
        let written = if h.extras.approach.is_some() {
            &EXTRA_KEYS[..]
        } else {
            &EXTRA_KEYS[..4]
        };
        for (k, v) in own {
            if !written.contains(&k) {
                m.serialize_entry(k, v)?;
            }
        }
        m.serialize_entry("layer", &h.layer.spec.id)?;
        m.serialize_entry("open_now", &h.extras.open)?;
        let hours = h.extras.hours.as_ref();
        m.serialize_entry(
            "next_change",
            &hours
                .and_then(|x| x.next_change)
                .map(|t| t.format("%Y-%m-%dT%H:%M:%S").to_string()),
        )?;
        m.serialize_entry("hours_line", &hours.and_then(|x| x.line.as_deref()))?;
        if let Some(a) = &h.extras.approach {
            m.serialize_entry("distance_m", &a.distance_m)?;
            m.serialize_entry("walk_min", &a.walk_min)?;
            m.serialize_entry("bearing_deg", &a.bearing_deg)?;
            #[derive(serde::Serialize)]
            struct Nav<'a> {
                gcj02: &'a [f64; 2],
                wgs84: &'a [f64; 2],
                bd09: &'a [f64; 2],
                amap: &'a str,
                baidu: &'a str,
                tencent: &'a str,
            }
            m.serialize_entry(
                "nav",
                &Nav {
                    gcj02: &a.gcj02,
                    wgs84: &a.wgs84,
                    bd09: &a.bd09,
                    amap: &a.amap,
                    baidu: &a.baidu,
                    tencent: &a.tencent,
                },
            )?;
        }
        if let Some(d) = h.extras.straight_m {
            m.serialize_entry("straight_m", &d)?;
        }
        if let Some(path) = &h.extras.path {
            #[derive(serde::Serialize)]
            struct Line {
                #[serde(rename = "type")]
                kind: &'static str,
                coordinates: Vec<[f64; 2]>,
            }
            m.serialize_entry(
                "path",
                &Line {
                    kind: "LineString",
                    coordinates: path.iter().map(|p| [round7(p[0]), round7(p[1])]).collect(),
                },
            )?;
        }
        m.end()
    }
}

struct GeometryOut<'a>(&'a geo::Geometry<f64>);

impl serde::Serialize for GeometryOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self.0 {
            geo::Geometry::Point(p) => {
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry("type", "Point")?;
                m.serialize_entry("coordinates", &[p.x(), p.y()])?;
                m.end()
            }
            g => geojson::Geometry::from(g).serialize(s),
        }
    }
}

impl serde::Serialize for HitOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let f = &self.layer.features[self.feature];
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("type", "Feature")?;
        m.serialize_entry("id", &f.id)?;
        m.serialize_entry("geometry", &GeometryOut(self.layer.geometry(self.feature)))?;
        m.serialize_entry("properties", &PropsOut(self))?;
        m.end()
    }
}

/// The instant and language of the hours lines.
#[derive(Clone, Copy)]
struct Words {
    at: NaiveDateTime,
    lang: Lang,
}

fn hit_out<'a>(
    snap: &'a Snapshot,
    h: &Hit,
    from: [f64; 2],
    with_distance: bool,
    words: Words,
) -> HitOut<'a> {
    let layer = &snap.layers[h.layer];
    HitOut {
        layer,
        feature: h.feature,
        extras: Extras {
            open: h.open,
            hours: layer.hours[h.feature]
                .as_deref()
                .map(|oh| describe(oh, words.at, words.lang)),
            approach: with_distance.then(|| approach(snap, h, from)),
            straight_m: None,
            path: None,
        },
    }
}

fn hit_json(snap: &Snapshot, h: &Hit, from: [f64; 2], with_distance: bool, words: Words) -> Value {
    serde_json::to_value(hit_out(snap, h, from, with_distance, words)).unwrap_or(Value::Null)
}

/// A JSON answer already serialised.
pub(crate) fn json_response(body: Vec<u8>) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

fn round7(x: f64) -> f64 {
    (x * 1e7).round() / 1e7
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// `GET /api/nearest?layer=..&lon=..&lat=..[&crs=][&k=5][&max_m=][&open=now][&has=..]
/// [&mode=walk|straight][&walk_kmh=4][&max_access_m=500][&path=true][&prop=value]`
pub async fn nearest_handler(
    State(st): State<AppState>,
    lang: Lang,
    mut p: Params,
) -> Result<axum::response::Response, AppError> {
    let snap = st.snapshot();
    let layers = resolve_layers(&snap, &required(&mut p, "layer")?)?;
    let (point, crs) = query_point(&mut p).await?;
    let k = p.int_in("k", 1, MAX_K, DEFAULT_K)?;
    let max_m = distance_param(&mut p, "max_m")?;
    let measure = measure_params(&snap, &mut p)?;
    // One reading of the clock: `open=now` and every `open_now` are this instant.
    let now = st.clock.now();
    let f = filters(&snap, &layers, &mut p, now)?;
    // The hours lines speak of the `open=` instant when there is one, else of now.
    let words = Words {
        at: f.open_at.unwrap_or(now),
        lang,
    };
    let cap = max_m.unwrap_or(f64::INFINITY);
    let speed_m_per_min = measure.walk_kmh * 1000.0 / 60.0;
    let mut note_off_network = None;
    let mut walked = None;
    if let (Some(opts), Some(net)) = (measure.walk, snap.network.clone()) {
        let cheap = nearest_walk(
            &snap,
            &net,
            &layers,
            point,
            k,
            cap,
            &f,
            now,
            opts,
            &mut Work::budget(CHEAP_VISIT_BUDGET),
        );
        let answer = match cheap {
            Ok(a) => a,
            Err(Stop::Query(e)) => return Err(e.into()),
            Err(Stop::OverBudget) => {
                let (s2, l2, f2) = (snap.clone(), layers.clone(), f.clone());
                st.pool
                    .run(move |d| {
                        nearest_walk(
                            &s2,
                            &net,
                            &l2,
                            point,
                            k,
                            cap,
                            &f2,
                            now,
                            opts,
                            &mut Work::until(d),
                        )
                        .map_err(Stop::into_query)
                    })
                    .await?
            }
        };
        match answer {
            WalkAnswer::Hits { hits, access_m } => walked = Some((hits, access_m)),
            WalkAnswer::OffNetwork { nearest_m } => {
                let limit = opts.max_access_m;
                note_off_network = Some(match nearest_m {
                    Some(d) => {
                        let d = d.round();
                        text!(
                            "this position is {d} m from the nearest path, more than max_access_m={limit}: distances are straight lines",
                            "此位置距最近的道路 {d} 米，超过 max_access_m={limit}：距离为直线距离"
                        )
                    }
                    None => text!(
                        "the walking network has no path: distances are straight lines",
                        "步行路网中没有道路：距离为直线距离"
                    ),
                });
            }
        }
    }
    let hits = match &walked {
        Some((w, _)) => w.iter().map(|w| w.hit.clone()).collect(),
        None => {
            // Microseconds on ordinary inputs, so on the runtime; a search that visits more
            // than its budget (a filter matching almost nothing on a big layer) moves to the
            // heavy pool.
            let cheap = nearest_with(
                &snap,
                &layers,
                point,
                k,
                cap,
                &f,
                now,
                &mut Work::budget(CHEAP_VISIT_BUDGET),
            );
            match cheap {
                Ok(h) => h,
                Err(Stop::Query(e)) => return Err(e.into()),
                Err(Stop::OverBudget) => {
                    let (s2, l2, f2) = (snap.clone(), layers.clone(), f.clone());
                    st.pool
                        .run(move |d| {
                            nearest_with(&s2, &l2, point, k, cap, &f2, now, &mut Work::until(d))
                                .map_err(Stop::into_query)
                        })
                        .await?
                }
            }
        }
    };
    let features: Vec<HitOut> = match &walked {
        Some((w, _)) => w
            .iter()
            .map(|w| {
                let mut out = hit_out(&snap, &w.hit, point, false, words);
                out.extras.approach = Some(approach_to(&snap, &w.hit, point, w.target, w.walk_min));
                out.extras.straight_m = Some(round1(w.straight_m));
                out.extras.path = w.path.clone();
                out
            })
            .collect(),
        None => hits
            .iter()
            .map(|h| {
                let mut out = hit_out(&snap, h, point, false, words);
                let a = approach(&snap, h, point);
                let a = approach_to(&snap, h, point, a.wgs84, h.distance_m / speed_m_per_min);
                if measure.path {
                    out.extras.path = Some(vec![point, a.wgs84]);
                }
                out.extras.approach = Some(a);
                out
            })
            .collect(),
    };
    #[derive(serde::Serialize)]
    struct Query {
        lon: f64,
        lat: f64,
        crs: String,
        k: usize,
        max_m: Option<f64>,
        mode: &'static str,
        walk_kmh: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        max_access_m: Option<f64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        access_m: Option<f64>,
        evaluated_at: String,
        hours_at: String,
        lang: &'static str,
        timezone: &'static str,
    }
    #[derive(serde::Serialize)]
    struct Answer<'a> {
        #[serde(rename = "type")]
        kind: &'static str,
        query: Query,
        filters: Value,
        walk_speed_m_per_min: f64,
        features: Vec<HitOut<'a>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    }
    let none_note = hits.is_empty().then(|| match max_m {
        Some(m) => text!(
            "no feature passing the filters within {m} m",
            "{m} 米内没有符合筛选条件的设施"
        ),
        None => text!("no feature passes the filters", "没有符合筛选条件的设施"),
    });
    let note = match (note_off_network, none_note) {
        (Some(a), Some(b)) => Some(format!("{}; {}", a.get(lang), b.get(lang))),
        (a, b) => a.or(b).map(|t| t.get(lang).to_string()),
    };
    let answer = Answer {
        kind: "FeatureCollection",
        query: Query {
            lon: round7(point[0]),
            lat: round7(point[1]),
            crs: crs.to_string(),
            k,
            max_m,
            mode: if walked.is_some() { "walk" } else { "straight" },
            walk_kmh: measure.walk_kmh,
            max_access_m: measure.walk.map(|w| w.max_access_m),
            access_m: walked.as_ref().map(|(_, a)| round1(*a)),
            evaluated_at: now.format("%Y-%m-%dT%H:%M:%S").to_string(),
            hours_at: words.at.format("%Y-%m-%dT%H:%M:%S").to_string(),
            lang: lang.code(),
            timezone: "Asia/Shanghai",
        },
        filters: filters_json(&f),
        walk_speed_m_per_min: round1(speed_m_per_min),
        features,
        note,
    };
    let mut body = Vec::with_capacity(1024 + 700 * hits.len());
    serde_json::to_writer(&mut body, &answer).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(varies(json_response(body)))
}

/// `GET /api/within?layer=..&lon=..&lat=..&radius_m=..` or `?layer=..&bbox=..`, with `limit`
/// (1-1000, default 100), `offset`, and the same filters as nearest.
pub async fn within_handler(
    State(st): State<AppState>,
    lang: Lang,
    mut p: Params,
) -> Result<Response, AppError> {
    let snap = st.snapshot();
    let layers = resolve_layers(&snap, &required(&mut p, "layer")?)?;
    let bbox = p.bbox("bbox")?;
    let (area, point) = match bbox {
        Some(b) => {
            for name in ["lon", "lat", "radius_m", "crs"] {
                if p.take(name).is_some() {
                    return Err(QueryError::bad(
                        name,
                        text!("cannot be combined with bbox", "不能与 bbox 同时使用"),
                    )
                    .into());
                }
            }
            (Area::Bbox(b), None)
        }
        None => {
            let (point, _) = query_point(&mut p).await?;
            let radius_m = distance_param(&mut p, "radius_m")?.ok_or_else(|| {
                QueryError::bad(
                    "radius_m",
                    text!(
                        "is required with lon and lat (or give bbox instead)",
                        "给了 lon 和 lat 时必填（或改用 bbox）"
                    ),
                )
            })?;
            (
                Area::Circle {
                    centre: point,
                    radius_m,
                },
                Some(point),
            )
        }
    };
    let limit = p.int_in("limit", 1, MAX_WITHIN_LIMIT, DEFAULT_WITHIN_LIMIT)?;
    let offset = p.int_in("offset", 0, usize::MAX, 0)?;
    // One reading of the clock: `open=now` and every `open_now` are this instant.
    let now = st.clock.now();
    let f = filters(&snap, &layers, &mut p, now)?;
    let words = Words {
        at: f.open_at.unwrap_or(now),
        lang,
    };
    let cheap = within_with(
        &snap,
        &layers,
        area,
        &f,
        now,
        offset,
        limit,
        &mut Work::budget(CHEAP_VISIT_BUDGET),
    );
    let (total, hits) = match cheap {
        Ok(r) => r,
        Err(Stop::Query(e)) => return Err(e.into()),
        Err(Stop::OverBudget) => {
            let (s2, l2, f2) = (snap.clone(), layers.clone(), f.clone());
            st.pool
                .run(move |d| {
                    within_with(&s2, &l2, area, &f2, now, offset, limit, &mut Work::until(d))
                        .map_err(Stop::into_query)
                })
                .await?
        }
    };
    let features: Vec<Value> = hits
        .iter()
        .map(|(h, d)| hit_json(&snap, h, point.unwrap_or([0.0, 0.0]), *d, words))
        .collect();
    Ok(varies(
        Json(json!({
            "type": "FeatureCollection",
            "numberMatched": total,
            "numberReturned": features.len(),
            "offset": offset,
            "limit": limit,
            "filters": filters_json(&f),
            "hours_at": words.at.format("%Y-%m-%dT%H:%M:%S").to_string(),
            "lang": lang.code(),
            "features": features,
        }))
        .into_response(),
    ))
}
