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
    approach, check_filters, nearest_with, resolve_layers, within_with, Approach, Area, Filters,
    Hit, DEFAULT_K, DEFAULT_WITHIN_LIMIT, MAX_K, MAX_RADIUS_M, MAX_WITHIN_LIMIT, WALK_M_PER_MIN,
};
use crate::query::QueryError;
use crate::snapshot::Snapshot;
use crate::text;

fn required(p: &mut Params, name: &str) -> Result<String, QueryError> {
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
async fn query_point(p: &mut Params) -> Result<([f64; 2], Crs), AppError> {
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
}

const EXTRA_KEYS: [&str; 8] = [
    "layer",
    "open_now",
    "next_change",
    "hours_line",
    "distance_m",
    "walk_min",
    "bearing_deg",
    "nav",
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
        },
    }
}

fn hit_json(snap: &Snapshot, h: &Hit, from: [f64; 2], with_distance: bool, words: Words) -> Value {
    serde_json::to_value(hit_out(snap, h, from, with_distance, words)).unwrap_or(Value::Null)
}

/// A JSON answer already serialised.
fn json_response(body: Vec<u8>) -> axum::response::Response {
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

/// `GET /api/nearest?layer=..&lon=..&lat=..[&crs=][&k=5][&max_m=][&open=now][&has=..][&prop=value]`
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
    // One reading of the clock: `open=now` and every `open_now` are this instant.
    let now = st.clock.now();
    let f = filters(&snap, &layers, &mut p, now)?;
    // The hours lines speak of the `open=` instant when there is one, else of now.
    let words = Words {
        at: f.open_at.unwrap_or(now),
        lang,
    };
    let cap = max_m.unwrap_or(f64::INFINITY);
    // Microseconds on ordinary inputs, so on the runtime; a search that visits more than
    // its budget (a filter matching almost nothing on a big layer) moves to the heavy pool.
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
    let hits = match cheap {
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
    };
    #[derive(serde::Serialize)]
    struct Query {
        lon: f64,
        lat: f64,
        crs: String,
        k: usize,
        max_m: Option<f64>,
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
    let answer = Answer {
        kind: "FeatureCollection",
        query: Query {
            lon: round7(point[0]),
            lat: round7(point[1]),
            crs: crs.to_string(),
            k,
            max_m,
            evaluated_at: now.format("%Y-%m-%dT%H:%M:%S").to_string(),
            hours_at: words.at.format("%Y-%m-%dT%H:%M:%S").to_string(),
            lang: lang.code(),
            timezone: "Asia/Shanghai",
        },
        filters: filters_json(&f),
        walk_speed_m_per_min: round1(WALK_M_PER_MIN),
        features: hits
            .iter()
            .map(|h| hit_out(&snap, h, point, true, words))
            .collect(),
        note: hits.is_empty().then(|| {
            match max_m {
                Some(m) => text!(
                    "no feature passing the filters within {m} m",
                    "{m} 米内没有符合筛选条件的设施"
                ),
                None => text!("no feature passes the filters", "没有符合筛选条件的设施"),
            }
            .get(lang)
            .to_string()
        }),
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
