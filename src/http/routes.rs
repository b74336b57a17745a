//! `GET /api/routes`, `GET /api/routes/{id}/review` and `POST /api/routes/review`: parse,
//! call [`crate::query::routes`], serialise.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::http::edit::{invalid_json, json_content_type};
use crate::http::error::AppError;
use crate::http::lang::varies;
use crate::http::params::Params;
use crate::http::AppState;
use crate::lang::Lang;
use crate::query::routes::{
    draft, line, review_until, summaries, Finding, Review, ReviewParams, Village, FINDING_CODES,
};
use crate::query::QueryError;
use crate::text;

fn r1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn params(p: &mut Params) -> Result<ReviewParams, QueryError> {
    let d = ReviewParams::default();
    let num = |p: &mut Params, name: &str, default: f64| {
        Ok::<f64, QueryError>(
            p.parse_opt::<f64>(name, text!("a number", "数字"))?
                .unwrap_or(default),
        )
    };
    let out = ReviewParams {
        walk_m: num(p, "walk_m", d.walk_m)?,
        speed_kmh: num(p, "speed_kmh", d.speed_kmh)?,
        dwell_s: num(p, "dwell_s", d.dwell_s)?,
        corridor_m: num(p, "corridor_m", d.corridor_m)?,
    };
    out.validate()?;
    Ok(out)
}

/// `GET /api/routes`: every line with id, name, school, length and stop count, and the
/// finding codes with their meanings in the request's language.
pub async fn list(State(st): State<AppState>, lang: Lang, p: Params) -> Result<Response, AppError> {
    p.finish()?;
    let routes: Vec<Value> = summaries(&st.snapshot())
        .into_iter()
        .map(|l| {
            json!({
                "id": l.id, "name": l.name, "name_en": l.name_en, "school": l.school,
                "operator": l.operator, "departures": l.departures,
                "length_m": r1(l.length_m), "stop_count": l.stop_count,
            })
        })
        .collect();
    Ok(varies(
        Json(json!({ "routes": routes, "finding_codes": codes(lang) })).into_response(),
    ))
}

/// `GET /api/routes/{id}/review[?walk_m=500][&speed_kmh=30][&dwell_s=30][&corridor_m=3000]`
pub async fn review_line(
    State(st): State<AppState>,
    Path(id): Path<String>,
    lang: Lang,
    mut p: Params,
) -> Result<Response, AppError> {
    let params = params(&mut p)?;
    p.finish()?;
    let snap = st.snapshot();
    let l = line(&snap, &id)?;
    let v = st
        .pool
        .run(move |d| Ok(to_json(&review_until(&snap, &l, &params, None, d)?, lang)))
        .await?;
    Ok(varies(Json(v).into_response()))
}

/// `POST /api/routes/review[?compare={id}]` with a draft FeatureCollection.
pub async fn review_draft(
    State(st): State<AppState>,
    lang: Lang,
    mut p: Params,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let params = params(&mut p)?;
    let compare = p.take("compare");
    p.finish()?;
    json_content_type(&headers)?;
    let snap = st.snapshot();
    let base = match &compare {
        None => None,
        Some(id) => Some(line(&snap, id).map_err(|e| QueryError::bad("compare", e.text()))?),
    };
    // Parsing a draft measures its length (a geodesic per vertex): heavy work too.
    let v = st
        .pool
        .run(move |deadline| {
            let v: Value = serde_json::from_slice(&body)
                .map_err(|e| QueryError::bad("body", invalid_json(&e)))?;
            let mut d = draft(&v)?;
            if let Some(b) = &base {
                if d.school_location.is_none() {
                    d.school_location = b.school_location;
                    d.school = d.school.or_else(|| b.school.clone());
                }
            }
            Ok(to_json(
                &review_until(&snap, &d, &params, base.as_ref(), deadline)?,
                lang,
            ))
        })
        .await?;
    Ok(varies(Json(v).into_response()))
}

fn codes(lang: Lang) -> Value {
    FINDING_CODES
        .iter()
        .map(|(c, s, en, zh)| {
            let meaning = match lang {
                Lang::En => en,
                Lang::Zh => zh,
            };
            json!({"code": c, "severity": s, "meaning": meaning})
        })
        .collect()
}

fn village_json(v: &Village) -> Value {
    json!({
        "id": v.id, "name": v.name, "township": v.township, "children": v.children,
        "population": v.population, "position": v.position, "distance_m": r1(v.distance_m),
        "stop": v.stop,
    })
}

fn finding_json(f: &Finding, lang: Lang) -> Value {
    json!({"severity": f.severity.as_str(), "code": f.code, "message": f.message.get(lang), "location": f.location})
}

fn to_json(r: &Review, lang: Lang) -> Value {
    let l = &r.line;
    let line_geometry = if l.parts.len() == 1 {
        json!({"type": "LineString", "coordinates": l.parts[0]})
    } else {
        json!({"type": "MultiLineString", "coordinates": l.parts})
    };
    json!({
        "route": {
            "id": l.id, "name": l.name, "name_en": l.name_en, "school": l.school,
            "school_location": l.school_location,
        },
        "params": {
            "walk_m": r.params.walk_m, "speed_kmh": r.params.speed_kmh,
            "dwell_s": r.params.dwell_s, "corridor_m": r.params.corridor_m,
        },
        "length_m": r1(r.length_m),
        "stop_count": r.stops.len(),
        "spacing_m": r.spacing.map(|s| json!({"min": r1(s.min_m), "mean": r1(s.mean_m), "max": r1(s.max_m)})),
        "run_time_min": r1(r.run_time_min),
        "last_stop_to_school_m": r.last_stop_to_school_m.map(r1),
        "line": line_geometry,
        "stops": r.stops.iter().map(|s| json!({
            "id": s.stop.id, "seq": s.stop.seq, "name": s.stop.name, "position": s.stop.position,
            "along_m": r1(s.along_m), "offset_m": r1(s.offset_m),
        })).collect::<Vec<_>>(),
        "served": r.served.iter().map(village_json).collect::<Vec<_>>(),
        "unserved": r.unserved.iter().map(village_json).collect::<Vec<_>>(),
        "served_children": r.served_children(),
        "unserved_children": r.unserved_children(),
        "shared": r.shared.iter().map(|(id, m)| json!({"route": id, "length_m": r1(*m)})).collect::<Vec<_>>(),
        "findings": r.findings.iter().map(|f| finding_json(f, lang)).collect::<Vec<_>>(),
        "diff": r.diff.as_ref().map(|d| json!({
            "against": d.against,
            "children_gained": d.children_gained,
            "children_lost": d.children_lost,
            "villages_gained": d.villages_gained.iter().map(|v| v.name.clone()).collect::<Vec<_>>(),
            "villages_lost": d.villages_lost.iter().map(|v| v.name.clone()).collect::<Vec<_>>(),
            "length_change_m": r1(d.length_change_m),
            "run_time_change_min": r1(d.run_time_change_min),
        })),
    })
}
