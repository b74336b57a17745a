//! `GET /api/isochrones`: parse, call [`crate::query::isochrones`] on the heavy pool (a
//! band's polygon is a buffer and a dissolve), and serialise the bands as GeoJSON.

use axum::extract::State;
use axum::response::Response;
use serde_json::{json, Value};

use crate::http::error::AppError;
use crate::http::lang::varies;
use crate::http::nearest::{json_response, measure_params, query_point};
use crate::http::params::Params;
use crate::http::AppState;
use crate::lang::Lang;
use crate::query::deadline::{Stop, Work};
use crate::query::isochrones::{
    isochrones, IsoAnswer, Origin, DEFAULT_WIDTH_M, MAX_BANDS, MAX_MINUTES, WIDTH_RANGE_M,
};
use crate::query::nearest::resolve_layers;
use crate::query::QueryError;
use crate::text;

fn minutes_param(p: &mut Params) -> Result<Vec<f64>, QueryError> {
    let raw = p.take("minutes").unwrap_or_else(|| "5,10,15".into());
    let mut out = Vec::new();
    for part in raw.split(',').map(str::trim) {
        match part.parse::<f64>() {
            Ok(m) if m > 0.0 && m <= MAX_MINUTES => out.push(m),
            _ => {
                return Err(QueryError::bad(
                    "minutes",
                    text!(
                        "{part:?} is not a number of minutes above 0 and at most {MAX_MINUTES}",
                        "{part:?} 不是大于 0、至多 {MAX_MINUTES} 的分钟数"
                    ),
                ))
            }
        }
    }
    out.sort_by(f64::total_cmp);
    out.dedup();
    if out.len() > MAX_BANDS {
        return Err(QueryError::bad(
            "minutes",
            text!(
                "at most {MAX_BANDS} bands, {} asked",
                "至多 {MAX_BANDS} 个时段，请求了 {} 个",
                out.len()
            ),
        ));
    }
    Ok(out)
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// `GET /api/isochrones?lon=..&lat=..[&crs=]` or `?layer=..`, with `minutes=5,10,15`,
/// `walk_kmh`, `max_access_m` and `width_m`.
pub async fn isochrones_handler(
    State(st): State<AppState>,
    lang: Lang,
    mut p: Params,
) -> Result<Response, AppError> {
    let snap = st.snapshot();
    let origin = match p.take("layer") {
        Some(ids) => {
            let layers = resolve_layers(&snap, &ids)?;
            if layers.len() != 1 {
                return Err(QueryError::bad(
                    "layer",
                    text!("one layer, not several", "只能是一个图层"),
                )
                .into());
            }
            for name in ["lon", "lat", "crs"] {
                if p.take(name).is_some() {
                    return Err(QueryError::bad(
                        name,
                        text!("cannot be combined with layer", "不能与 layer 同时使用"),
                    )
                    .into());
                }
            }
            Origin::Layer(layers[0])
        }
        None => Origin::Point(query_point(&mut p).await?.0),
    };
    let minutes = minutes_param(&mut p)?;
    let width_m = match p.take("width_m") {
        None => DEFAULT_WIDTH_M,
        Some(raw) => match raw.trim().parse::<f64>() {
            Ok(w) if (WIDTH_RANGE_M.0..=WIDTH_RANGE_M.1).contains(&w) => w,
            _ => {
                return Err(QueryError::bad(
                    "width_m",
                    text!(
                        "{raw:?} is not a width from {} to {} m",
                        "{raw:?} 不是 {} 到 {} 米之间的宽度",
                        WIDTH_RANGE_M.0,
                        WIDTH_RANGE_M.1
                    ),
                )
                .into())
            }
        },
    };
    if p.take("mode").is_some_and(|m| m.trim() != "walk") {
        return Err(QueryError::bad(
            "mode",
            text!(
                "isochrones are walked along the network: only walk",
                "等时圈沿步行路网计算：只能是 walk"
            ),
        )
        .into());
    }
    if p.take("path").is_some() {
        return Err(QueryError::bad(
            "path",
            text!(
                "unknown parameter here: isochrones have no path",
                "此处无此参数：等时圈没有路径"
            ),
        )
        .into());
    }
    let mut rest = std::mem::take(&mut p);
    rest.insert("mode", "walk");
    let measure = measure_params(&snap, &mut rest)?;
    rest.finish()?;
    let (Some(opts), Some(net)) = (measure.walk, snap.network.clone()) else {
        return Err(QueryError::bad("mode", text!("no network", "无路网")).into());
    };
    let (s2, m2) = (snap.clone(), minutes.clone());
    let answer = st
        .pool
        .run(move |d| {
            isochrones(
                &s2,
                &net,
                origin,
                &m2,
                opts.walk_kmh,
                opts.max_access_m,
                width_m,
                &mut Work::until(d),
            )
            .map_err(Stop::into_query)
        })
        .await?;
    let (features, joined, off, note) = match answer {
        IsoAnswer::Bands {
            bands,
            joined,
            off_network,
        } => {
            let features: Vec<Value> = bands
                .iter()
                .map(|b| {
                    json!({
                        "type": "Feature",
                        "geometry": geojson::Geometry::from(&b.polygon),
                        "properties": {
                            "minutes": b.minutes,
                            "limit_m": round1(b.limit_m),
                            "network_m": round1(b.network_m),
                            "demand_points": b.demand_points,
                            "population": b.population,
                            "children": b.children,
                        }
                    })
                })
                .collect();
            let note = (off_network > 0).then(|| {
                text!(
                    "{off_network} features are farther than max_access_m={} from every path and start no walk",
                    "{off_network} 个设施距所有道路超过 max_access_m={}，未计入",
                    opts.max_access_m
                )
                .get(lang)
                .to_string()
            });
            (features, joined, off_network, note)
        }
        IsoAnswer::OffNetwork { nearest_m } => {
            let limit = opts.max_access_m;
            let msg = match nearest_m {
                Some(d) => {
                    let d = d.round();
                    text!(
                        "this position is {d} m from the nearest path, more than max_access_m={limit}: no walk starts here",
                        "此位置距最近的道路 {d} 米，超过 max_access_m={limit}：无法从这里步行"
                    )
                }
                None => text!("the walking network has no path", "步行路网中没有道路"),
            };
            (Vec::new(), 0, 1, Some(msg.get(lang).to_string()))
        }
    };
    let origin_json = match origin {
        Origin::Point(pt) => json!({"lon": pt[0], "lat": pt[1]}),
        Origin::Layer(li) => json!({"layer": snap.layers[li].spec.id}),
    };
    let mut body = json!({
        "type": "FeatureCollection",
        "query": {
            "origin": origin_json,
            "minutes": minutes,
            "mode": "walk",
            "walk_kmh": opts.walk_kmh,
            "max_access_m": opts.max_access_m,
            "width_m": width_m,
            "origins_joined": joined,
            "origins_off_network": off,
            "lang": lang.code(),
        },
        "features": features,
    });
    if let Some(n) = note {
        body["note"] = json!(n);
    }
    let bytes = serde_json::to_vec(&body).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(varies(json_response(bytes)))
}
