//! `GET /api/coverage` and `POST /api/coverage` (the "what if": a custom area, hypothetical
//! new sites, removed ones, candidate sites). `format=json` (default), `csv` (the per-township
//! table) or `geojson` (the gaps).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use crate::http::edit::invalid_json;
use crate::http::error::AppError;
use crate::http::geojson::geometry_json;
use crate::http::lang::varies;
use crate::http::params::Params;
use crate::http::AppState;
use crate::lang::Lang;
use crate::query::coverage::{
    coverage_until, profile, AddedSite, AreaSpec, Coverage, CoverageRequest, Tally, MAX_SUGGEST,
};
pub use crate::query::limits::MAX_COVERAGE_RADIUS_M;
use crate::query::limits::{MAX_ADD, MAX_AREA_VERTICES, MAX_CANDIDATES, MAX_REMOVE};
use crate::query::nearest::resolve_layers;
use crate::query::QueryError;
use crate::snapshot::Snapshot;
use crate::text;

#[derive(Clone, Copy, PartialEq)]
enum Format {
    Json,
    Csv,
    GeoJson,
}

fn metres() -> crate::lang::Text {
    text!("a number of metres", "以米计的数")
}

fn format_of(s: Option<&str>) -> Result<Format, QueryError> {
    match s {
        None | Some("json") => Ok(Format::Json),
        Some("csv") => Ok(Format::Csv),
        Some("geojson") => Ok(Format::GeoJson),
        Some(other) => Err(QueryError::bad(
            "format",
            text!(
                "{other:?} is not json, csv or geojson",
                "{other:?} 不是 json、csv 或 geojson"
            ),
        )),
    }
}

fn suggest_count(n: Option<f64>) -> Result<usize, QueryError> {
    match n {
        None => Ok(0),
        Some(x) if x.fract() == 0.0 && (0.0..=MAX_SUGGEST as f64).contains(&x) => Ok(x as usize),
        Some(x) => Err(QueryError::bad(
            "suggest",
            text!(
                "{x} is not a whole number from 0 to {MAX_SUGGEST}",
                "必须是 0 到 {MAX_SUGGEST} 之间的整数，{x} 不是"
            ),
        )),
    }
}

/// `GET /api/coverage?layer=..[&profile=layer][&radius_m=][&area=320507][&cell_m=100][&suggest=0][&format=json]`
///
/// Validated by the versions of every layer (the facilities and the area outlines it reads).
pub async fn get_coverage(
    State(st): State<AppState>,
    headers: axum::http::HeaderMap,
    lang: Lang,
    mut p: Params,
) -> Result<Response, AppError> {
    let snap = st.snapshot();
    let layer = p
        .take("layer")
        .ok_or_else(|| QueryError::bad("layer", text!("is required", "必填")))?;
    let layers = resolve_layers(&snap, &layer)?;
    let prof = profile(p.take("profile").as_deref().unwrap_or("layer"))?;
    // Ranges (radius_m, cell_m, add, remove, candidates, the work limits) are checked by
    // `query::coverage`, for library callers too.
    let radius_m = p.parse_opt::<f64>("radius_m", metres())?;
    let area = AreaSpec::Code(p.take("area").unwrap_or_else(|| "320507".into()));
    let cell_m = p.parse_opt::<f64>("cell_m", metres())?.unwrap_or(100.0);
    let suggest = suggest_count(p.parse_opt::<f64>("suggest", text!("a whole number", "整数"))?)?;
    let format = format_of(p.take("format").as_deref())?;
    p.finish()?;
    // The profile's source is worded in the request's language: part of the validator.
    let v = crate::http::cache::Validator::of(snap.layers.iter().map(|l| &**l), &[lang.code()]);
    if v.matches(&headers) {
        return Ok(varies(v.not_modified()));
    }
    let req = CoverageRequest {
        layers,
        profile: prof,
        radius_m,
        area,
        cell_m,
        suggest,
        add: vec![],
        remove: vec![],
        candidates: None,
    };
    let (body, ct) = st
        .pool
        .run(move |deadline| render(&snap, &req, format, lang, deadline))
        .await?;
    Ok(varies(v.apply(typed(body, ct))))
}

fn position(p: &Value, field: &str) -> Result<[f64; 2], QueryError> {
    let xy = p
        .as_array()
        .filter(|a| a.len() == 2)
        .and_then(|a| Some([a[0].as_f64()?, a[1].as_f64()?]));
    match xy {
        Some([lon, lat]) if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) => {
            Ok([lon, lat])
        }
        _ => Err(QueryError::bad(
            field,
            text!(
                "{p} is not a [lon, lat] position in range",
                "{p} 不是范围内的 [lon, lat] 位置"
            ),
        )),
    }
}

/// An array of positions, refused past `max` before any is read.
fn positions(v: &Value, field: &str, max: usize) -> Result<Vec<[f64; 2]>, QueryError> {
    let arr = v.as_array().ok_or_else(|| {
        QueryError::bad(
            field,
            text!(
                "must be an array of [lon, lat] positions",
                "必须是 [lon, lat] 位置的数组"
            ),
        )
    })?;
    if arr.len() > max {
        return Err(QueryError::bad(
            field,
            text!(
                "{} positions given; at most {max}",
                "给了 {} 个位置；最多 {max} 个",
                arr.len()
            ),
        ));
    }
    arr.iter()
        .enumerate()
        .map(|(i, p)| position(p, &format!("{field}[{i}]")))
        .collect()
}

/// `add`: `[lon, lat]` (the first layer's radius) or `{"position": [lon, lat], "layer": id}`
/// (that layer's radius) or `{"position": [lon, lat], "radius_m": r}`.
fn added_sites(snap: &Snapshot, layers: &[usize], v: &Value) -> Result<Vec<AddedSite>, QueryError> {
    let arr = v.as_array().ok_or_else(|| {
        QueryError::bad(
            "add",
            text!(
                "must be an array of [lon, lat] positions or {{\"position\", \"layer\" | \"radius_m\"}} objects",
                "必须是 [lon, lat] 位置或 {{\"position\", \"layer\" | \"radius_m\"}} 对象的数组"
            ),
        )
    })?;
    if arr.len() > MAX_ADD {
        return Err(QueryError::bad(
            "add",
            text!(
                "{} sites given; at most {MAX_ADD}",
                "给了 {} 个新增点；最多 {MAX_ADD} 个",
                arr.len()
            ),
        ));
    }
    let mut out = Vec::with_capacity(arr.len());
    for (i, item) in arr.iter().enumerate() {
        let at = format!("add[{i}]");
        let Some(o) = item.as_object() else {
            out.push(AddedSite::at(position(item, &at)?));
            continue;
        };
        if let Some(k) = o
            .keys()
            .find(|k| !["position", "layer", "radius_m"].contains(&k.as_str()))
        {
            return Err(QueryError::bad(
                format!("{at}.{k}"),
                text!(
                    "unknown field (position, layer, radius_m)",
                    "未知字段（可用 position、layer、radius_m）"
                ),
            ));
        }
        let pos = position(
            o.get("position").ok_or_else(|| {
                QueryError::bad(format!("{at}.position"), text!("is required", "必填"))
            })?,
            &format!("{at}.position"),
        )?;
        let layer = match o.get("layer") {
            None | Some(Value::Null) => None,
            Some(Value::String(id)) => Some(
                layers
                    .iter()
                    .copied()
                    .find(|&li| snap.layers[li].spec.id == *id)
                    .ok_or_else(|| {
                        QueryError::bad(
                            format!("{at}.layer"),
                            text!(
                                "{id:?} is not one of the requested layers",
                                "{id:?} 不在所请求的图层中"
                            ),
                        )
                    })?,
            ),
            Some(other) => {
                return Err(QueryError::bad(
                    format!("{at}.layer"),
                    text!(
                        "expected a layer id, found {other}",
                        "应为图层 id，给出的是 {other}"
                    ),
                ))
            }
        };
        let radius_m = match o.get("radius_m") {
            None | Some(Value::Null) => None,
            Some(r) => Some(r.as_f64().ok_or_else(|| {
                QueryError::bad(
                    format!("{at}.radius_m"),
                    text!("expected a number, found {r}", "应为数字，给出的是 {r}"),
                )
            })?),
        };
        out.push(AddedSite {
            position: pos,
            layer,
            radius_m,
        });
    }
    Ok(out)
}

/// `POST /api/coverage` with a JSON body: `layer`, `profile`, `radius_m`, `area` (a code, or a
/// GeoJSON Polygon / MultiPolygon geometry or Feature), `cell_m`, `suggest`, `add` (`[[lon, lat], ...]`
/// or `{"position", "layer" | "radius_m"}`), `remove` (feature ids), `candidates` (`[[lon, lat], ...]`),
/// `format`. The body is read on the heavy pool too: a posted outline of many vertices is
/// validated there, not on the runtime.
pub async fn post_coverage(
    State(st): State<AppState>,
    lang: Lang,
    p: Params,
    body: Bytes,
) -> Result<Response, AppError> {
    p.finish()?;
    let snap = st.snapshot();
    let (body, ct) = st
        .pool
        .run(move |deadline| {
            let (req, format) = read_post(&snap, &body)?;
            deadline.check()?;
            render(&snap, &req, format, lang, deadline)
        })
        .await?;
    Ok(varies(typed(body, ct)))
}

/// The POST body as a request.
fn read_post(snap: &Snapshot, body: &[u8]) -> Result<(CoverageRequest, Format), QueryError> {
    let v: Value =
        serde_json::from_slice(body).map_err(|e| QueryError::bad("body", invalid_json(&e)))?;
    let obj = v.as_object().ok_or_else(|| {
        QueryError::bad("body", text!("must be a JSON object", "必须是 JSON 对象"))
    })?;
    const KNOWN: [&str; 9] = [
        "layer",
        "profile",
        "radius_m",
        "area",
        "cell_m",
        "suggest",
        "add",
        "remove",
        "candidates",
    ];
    if let Some(k) = obj
        .keys()
        .find(|k| !KNOWN.contains(&k.as_str()) && k.as_str() != "format")
    {
        return Err(QueryError::bad(
            k.clone(),
            text!("unknown field", "未知字段"),
        ));
    }
    let text = |k: &str| -> Result<Option<String>, QueryError> {
        match obj.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Array(a)) if k == "layer" => Ok(Some(
                a.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(","),
            )),
            Some(Value::Number(n)) if k == "area" => Ok(Some(n.to_string())),
            Some(other) => Err(QueryError::bad(
                k,
                text!(
                    "expected a string, found {other}",
                    "应为字符串，给出的是 {other}"
                ),
            )),
        }
    };
    let num = |k: &str| -> Result<Option<f64>, QueryError> {
        match obj.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(x) => x.as_f64().map(Some).ok_or_else(|| {
                QueryError::bad(
                    k,
                    text!("expected a number, found {x}", "应为数字，给出的是 {x}"),
                )
            }),
        }
    };
    let layers = resolve_layers(
        snap,
        &text("layer")?.ok_or_else(|| QueryError::bad("layer", text!("is required", "必填")))?,
    )?;
    let layers_for_add = layers.clone();
    let prof = profile(text("profile")?.as_deref().unwrap_or("layer"))?;
    let area = match obj.get("area") {
        None | Some(Value::Null) => AreaSpec::Code("320507".into()),
        Some(Value::Object(o)) => {
            let geom = if o.get("type").and_then(Value::as_str) == Some("Feature") {
                o.get("geometry").cloned().unwrap_or(Value::Null)
            } else {
                Value::Object(o.clone())
            };
            let vertices = count_positions(geom.get("coordinates").unwrap_or(&Value::Null));
            if vertices > MAX_AREA_VERTICES {
                return Err(QueryError::bad(
                    "area",
                    text!(
                        "the outline has {vertices} vertices; at most {MAX_AREA_VERTICES}",
                        "轮廓有 {vertices} 个顶点；最多 {MAX_AREA_VERTICES} 个"
                    ),
                ));
            }
            let g = crate::load::geometry::read_geometry(&geom, crate::crs::Crs::Wgs84).map_err(
                |e| {
                    QueryError::bad(
                        "area",
                        crate::lang::Text::each(|l| format!("{}: {}", e.field, e.reason.get(l))),
                    )
                },
            )?;
            match g {
                geo::Geometry::Polygon(p) => AreaSpec::Polygon(geo::MultiPolygon(vec![p])),
                geo::Geometry::MultiPolygon(m) => AreaSpec::Polygon(m),
                other => {
                    return Err(QueryError::bad(
                        "area",
                        text!(
                            "must be a Polygon or MultiPolygon, found {}",
                            "必须是 Polygon 或 MultiPolygon，给出的是 {}",
                            crate::model::geometry_name(&other)
                        ),
                    ))
                }
            }
        }
        Some(_) => AreaSpec::Code(text("area")?.unwrap_or_default()),
    };
    let mut remove = Vec::new();
    if let Some(r) = obj.get("remove") {
        let ids = r.as_array().ok_or_else(|| {
            QueryError::bad(
                "remove",
                text!("must be an array of feature ids", "必须是要素 id 的数组"),
            )
        })?;
        if ids.len() > MAX_REMOVE {
            return Err(QueryError::bad(
                "remove",
                text!(
                    "{} ids given; at most {MAX_REMOVE}",
                    "给了 {} 个 id；最多 {MAX_REMOVE} 个",
                    ids.len()
                ),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for id in ids {
            let id = id
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| id.to_string());
            if !seen.insert(id.clone()) {
                continue;
            }
            let found: Vec<(usize, usize)> = layers
                .iter()
                .filter_map(|&li| snap.layers[li].position(&id).map(|i| (li, i)))
                .collect();
            if found.is_empty() {
                return Err(QueryError::bad(
                    "remove",
                    text!(
                        "no feature {id:?} in the chosen layers",
                        "所选图层中没有要素 {id:?}"
                    ),
                ));
            }
            remove.extend(found);
        }
    }
    let req = CoverageRequest {
        layers,
        profile: prof,
        radius_m: num("radius_m")?,
        area,
        cell_m: num("cell_m")?.unwrap_or(100.0),
        suggest: suggest_count(num("suggest")?)?,
        add: obj
            .get("add")
            .map(|v| added_sites(snap, &layers_for_add, v))
            .transpose()?
            .unwrap_or_default(),
        remove,
        candidates: obj
            .get("candidates")
            .map(|v| positions(v, "candidates", MAX_CANDIDATES))
            .transpose()?,
    };
    let format = format_of(text("format")?.as_deref())?;
    Ok((req, format))
}

/// Positions in a GeoJSON coordinates array, counted without reading them.
fn count_positions(v: &Value) -> usize {
    match v {
        Value::Array(a) if a.first().is_some_and(Value::is_number) => 1,
        Value::Array(a) => a.iter().map(count_positions).sum(),
        _ => 0,
    }
}

/// Run the analysis and serialise it (on the heavy pool: a whole-district gap layer is
/// megabytes of JSON).
fn render(
    snap: &Snapshot,
    req: &CoverageRequest,
    format: Format,
    lang: Lang,
    deadline: &crate::query::deadline::Deadline,
) -> Result<(String, &'static str), QueryError> {
    let cov = coverage_until(snap, req, deadline)?;
    Ok(match format {
        Format::Json => (to_json(&cov, lang).to_string(), "application/json"),
        Format::GeoJson => (gaps_json(&cov).to_string(), "application/geo+json"),
        Format::Csv => (to_csv(&cov), "text/csv; charset=utf-8"),
    })
}

fn typed(body: String, ct: &'static str) -> Response {
    let mut r = body.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    r
}

fn r4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

fn tally_json(t: &Tally, cell_area_m2: f64) -> Map<String, Value> {
    let v = json!({
        "cells": t.cells, "covered_cells": t.covered_cells, "covered_area_share": r4(t.area_share()),
        "area_m2": t.cells as f64 * cell_area_m2, "covered_area_m2": t.covered_cells as f64 * cell_area_m2,
        "population_total": t.population, "covered_population": t.covered_population, "covered_population_share": r4(t.population_share()),
        "children_total": t.children, "covered_children": t.covered_children, "covered_children_share": r4(t.children_share()),
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn gaps_json(cov: &Coverage) -> Value {
    let features: Vec<Value> = cov
        .gaps
        .iter()
        .enumerate()
        .map(|(i, g)| json!({"type": "Feature", "id": format!("gap-{}", i + 1), "geometry": geometry_json(&geo::Geometry::MultiPolygon(g.polygon.clone())),
            "properties": {"area_m2": g.area_m2, "population": g.population, "children": g.children, "township": g.township}}))
        .collect();
    json!({"type": "FeatureCollection", "features": features})
}

fn to_json(cov: &Coverage, lang: Lang) -> Value {
    let zones: Vec<Value> = cov
        .zones
        .iter()
        .map(|z| {
            let mut m = tally_json(&z.tally, cov.cell_area_m2);
            m.insert("code".into(), json!(z.code));
            m.insert("name".into(), json!(z.name));
            Value::Object(m)
        })
        .collect();
    let suggestions: Vec<Value> = cov
        .suggestions
        .iter()
        .map(|s| json!({"rank": s.rank, "lon": s.position[0], "lat": s.position[1],
            "gain_population": s.gain_population, "gain_children": s.gain_children, "gain_area_m2": s.gain_area_m2,
            "covered_area_share": r4(s.covered_area_share), "covered_population_share": r4(s.covered_population_share)}))
        .collect();
    json!({
        "profile": {"name": cov.profile.name, "radius_m": cov.profile.radius_m, "source": match lang { Lang::En => cov.profile.source, Lang::Zh => cov.profile.source_zh },
            "overridden_by_radius_m": cov.radius_override_m},
        "radii_m": cov.radii_m.iter().map(|(id, r)| (id.clone(), json!(r))).collect::<Map<_, _>>(),
        "cell_m": cov.cell_m,
        "cell_area_m2": cov.cell_area_m2,
        "totals": Value::Object(tally_json(&cov.total, cov.cell_area_m2)),
        "townships": zones,
        "gaps": gaps_json(cov),
        "suggestions": suggestions,
    })
}

fn to_csv(cov: &Coverage) -> String {
    let mut out = String::from("code,name,cells,covered_cells,covered_area_share,population,covered_population,covered_population_share,children,covered_children,covered_children_share\n");
    let row = |out: &mut String, code: &str, name: &str, t: &Tally| {
        out.push_str(&format!(
            "{code},{name},{},{},{:.4},{},{},{:.4},{},{},{:.4}\n",
            t.cells,
            t.covered_cells,
            t.area_share(),
            t.population,
            t.covered_population,
            t.population_share(),
            t.children,
            t.covered_children,
            t.children_share()
        ));
    };
    for z in &cov.zones {
        row(&mut out, &z.code, &z.name.replace(',', " "), &z.tally);
    }
    row(&mut out, "total", "total", &cov.total);
    out
}
