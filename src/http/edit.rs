//! Edits over OGC API - Features Part 4: `POST .../items`, `PUT` / `PATCH` / `DELETE
//! .../items/{id}`. A bearer token is required (401 without, 403 with a wrong one; no tokens
//! configured means read-only, 403), checked by [`crate::http::auth`] before the body is
//! read. Edits are serialised, validated like the loader, run on the heavy pool, durable
//! before the answer, audited, and swapped in whole.

use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::edit::{apply, EditError, EditOp};
use crate::http::auth::Editor;
use crate::http::error::AppError;
use crate::http::ogcapi::base_url;
use crate::http::params::Params;
use crate::http::AppState;
use crate::query::QueryError;
use crate::text;

/// 415 unless the content type says JSON.
pub(crate) fn json_content_type(headers: &HeaderMap) -> Result<(), AppError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = ct.split(';').next().unwrap_or("").trim();
    if !matches!(
        essence,
        "application/json" | "application/geo+json" | "application/merge-patch+json"
    ) {
        return Err(AppError::UnsupportedMedia(text!(
            "content type {ct:?} is not application/geo+json or application/json",
            "内容类型 {ct:?} 不是 application/geo+json 或 application/json"
        )));
    }
    Ok(())
}

/// The body as JSON, when its content type says JSON (else 415).
/// A body that is not JSON, with the parser's own words (line and column).
pub(crate) fn invalid_json(e: &serde_json::Error) -> crate::lang::Text {
    text!("is not valid JSON: {e}", "不是有效的 JSON：{e}")
}

pub(crate) fn json_body(headers: &HeaderMap, body: &Bytes) -> Result<Value, AppError> {
    json_content_type(headers)?;
    serde_json::from_slice(body).map_err(|e| QueryError::bad("body", invalid_json(&e)).into())
}

async fn run(
    st: AppState,
    Editor(who): Editor,
    layer: String,
    op: EditOp,
    kind: &'static str,
) -> Result<(String, Option<Value>), AppError> {
    let (Some(dir), Some(audit)) = (st.data_dir.clone(), st.audit_log.clone()) else {
        return Err(AppError::Forbidden(text!(
            "this server is read-only",
            "此服务器只读"
        )));
    };
    let _w = st.writer.lock().await;
    let snap = st.snapshot();
    let (layer2, skip) = (layer.clone(), st.skip_invalid);
    // An edit is not stopped part way (the deadline is not checked inside): once it has a
    // permit it writes, or refuses, whole.
    let applied = st
        .pool
        .run(move |_| {
            Ok(apply(&dir, &snap, &layer2, op, skip, |id, before, after| {
                let entry = json!({
                    "at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                    "token": who, "op": kind, "layer": layer2, "id": id,
                    "before": before, "after": after,
                });
                crate::store::append_line(&audit, &entry.to_string())
                    .map_err(|e| EditError::Storage(format!("audit log: {e}")))
            }))
        })
        .await??;
    let after = applied.after.is_some().then(|| {
        let l = applied.snapshot.layer(&layer).and_then(|l| {
            l.position(&applied.id)
                .map(|i| crate::http::geojson::feature_json(l, i, None))
        });
        l.unwrap_or(Value::Null)
    });
    let id = applied.id.clone();
    st.swap(applied.snapshot);
    Ok((id, after))
}

/// `POST /ogcapi/collections/{layer}/items`: 201 with a Location header.
pub async fn create(
    State(st): State<AppState>,
    Extension(who): Extension<Editor>,
    Path(layer): Path<String>,
    p: Params,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    p.finish()?;
    let v = json_body(&headers, &body)?;
    let base = base_url(&headers);
    let (id, after) = run(st, who, layer.clone(), EditOp::Create(v), "create").await?;
    let location = format!("{base}/ogcapi/collections/{layer}/items/{id}");
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        axum::Json(after.unwrap_or(Value::Null)),
    )
        .into_response())
}

/// `PUT /ogcapi/collections/{layer}/items/{id}`: replace whole.
pub async fn replace(
    State(st): State<AppState>,
    Extension(who): Extension<Editor>,
    Path((layer, id)): Path<(String, String)>,
    p: Params,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    p.finish()?;
    let v = json_body(&headers, &body)?;
    let (_, after) = run(st, who, layer, EditOp::Replace(id, v), "replace").await?;
    Ok(axum::Json(after.unwrap_or(Value::Null)).into_response())
}

/// `PATCH /ogcapi/collections/{layer}/items/{id}`: merge properties, replace geometry.
pub async fn patch(
    State(st): State<AppState>,
    Extension(who): Extension<Editor>,
    Path((layer, id)): Path<(String, String)>,
    p: Params,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    p.finish()?;
    let v = json_body(&headers, &body)?;
    let (_, after) = run(st, who, layer, EditOp::Patch(id, v), "patch").await?;
    Ok(axum::Json(after.unwrap_or(Value::Null)).into_response())
}

/// `DELETE /ogcapi/collections/{layer}/items/{id}`: 204.
pub async fn delete(
    State(st): State<AppState>,
    Extension(who): Extension<Editor>,
    Path((layer, id)): Path<(String, String)>,
    p: Params,
) -> Result<Response, AppError> {
    p.finish()?;
    run(st, who, layer, EditOp::Delete(id), "delete").await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
