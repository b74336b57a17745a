//! `GET /api/layers` and `GET /healthz`.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::http::cache::Validator;
use crate::http::error::AppError;
use crate::http::lang::varies;
use crate::http::params::Params;
use crate::http::AppState;
use crate::lang::Lang;

/// `GET /healthz` -> `{"status":"ok"}`; unknown parameters are refused, as everywhere.
pub async fn healthz(p: Params) -> Result<Json<Value>, AppError> {
    p.finish()?;
    Ok(Json(json!({"status": "ok"})))
}

/// `GET /api/layers`: per layer id, titles, kind, geometry type, feature count, bbox,
/// source CRS, default service radius, how many features are synthetic, and the catalog's
/// style override (`{}` when the layer looks like the rest of its kind). Validated by the
/// versions of every layer and the last reload (`ETag`, `If-None-Match` -> 304).
pub async fn layers(
    State(st): State<AppState>,
    headers: HeaderMap,
    lang: Lang,
    p: Params,
) -> Result<Response, AppError> {
    p.finish()?;
    let snap = st.snapshot();
    let reload = st.last_reload.read().ok().and_then(|g| g.clone());
    let reload_key = reload
        .as_ref()
        .map(|r| format!("{} {}", r.at, r.ok))
        .unwrap_or_default();
    let editable = if st.tokens.is_empty() { "ro" } else { "rw" };
    // The refusals are worded in the request's language: part of the validator.
    let v = Validator::of(
        snap.layers.iter().map(|l| &**l),
        &[&reload_key, editable, lang.code()],
    );
    if v.matches(&headers) {
        return Ok(varies(v.not_modified()));
    }
    let layers: Vec<Value> = snap
        .layers
        .iter()
        .map(|l| {
            json!({
                "id": l.spec.id,
                "title_zh": l.spec.title_zh,
                "title_en": l.spec.title_en,
                "kind": l.spec.kind,
                "geometry_type": l.geometry_type,
                "count": l.features.len(),
                "synthetic_count": l.synthetic_count(),
                "bbox": l.bbox,
                "crs": l.spec.crs.to_string(),
                "service_radius_m": l.spec.service_radius_m,
                "style": l.spec.style,
            })
        })
        .collect();
    // The walking network, when one is loaded: what answers walk along.
    let network = snap.network.as_ref().map(|n| {
        let g = &n.graph;
        json!({
            "id": n.spec.id,
            "title_zh": n.spec.title_zh,
            "title_en": n.spec.title_en,
            "source": g.provenance.source,
            "synthetic": g.provenance.synthetic,
            "attribution": g.provenance.attribution,
            "vertices": g.vertex_count(),
            "edges": g.edge_count(),
            "km": (g.total_length_m() / 100.0).round() / 10.0,
            "components": g.component_sizes().len(),
            "largest_component_share": g.component_sizes().first().map(|&c| c as f64 / g.vertex_count().max(1) as f64),
            "bbox": g.bbox(),
        })
    });
    let problems: Vec<String> = snap
        .report
        .problems
        .iter()
        .map(|p| p.text().get(lang).to_string())
        .collect();
    let reload = reload.map(|r| {
        json!({
            "at": r.at, "ok": r.ok,
            "problems": r.problems.iter().map(|p| p.get(lang)).collect::<Vec<_>>(),
            "changes": r.changes,
        })
    });
    Ok(varies(v.apply(
        Json(
            json!({"layers": layers, "network": network, "skipped": problems, "reload": reload, "editable": !st.tokens.is_empty()}),
        )
        .into_response(),
    )))
}
