//! Edits over OGC API - Features Part 4: `POST .../items`, `PUT` / `PATCH` / `DELETE
//! .../items/{id}`. A bearer token is required (401 without, 403 with a wrong one; no tokens
//! configured means read-only, 403). Edits are serialised, validated like the loader, durable
//! before the answer, audited, and swapped in whole.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::edit::{apply, EditError, EditOp};
use crate::http::error::AppError;
use crate::http::ogcapi::base_url;
use crate::http::params::Params;
use crate::http::AppState;
use crate::query::QueryError;

/// Who is editing: the token's name, or the refusal.
fn authorise(st: &AppState, headers: &HeaderMap) -> Result<String, AppError> {
    if st.tokens.is_empty() || st.data_dir.is_none() {
        return Err(AppError::Forbidden(
            "this server is read-only: no edit tokens are configured".into(),
        ));
    }
    let Some(auth) = headers.get(header::AUTHORIZATION) else {
        return Err(AppError::Unauthorized(
            "an edit needs an Authorization: Bearer <token> header".into(),
        ));
    };
    let given = auth
        .to_str()
        .ok()
        .and_then(|s| s.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or("");
    if given.is_empty() {
        return Err(AppError::Unauthorized(
            "the Authorization header must be \"Bearer <token>\"".into(),
        ));
    }
    st.tokens
        .iter()
        .find(|t| constant_time_eq(t.secret.as_bytes(), given.as_bytes()))
        .map(|t| t.name.clone())
        .ok_or_else(|| AppError::Forbidden("the token is not allowed to edit".into()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The body as JSON, when its content type says JSON (else 415).
pub(crate) fn json_body(headers: &HeaderMap, body: &Bytes) -> Result<Value, AppError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = ct.split(';').next().unwrap_or("").trim();
    if !matches!(
        essence,
        "application/json" | "application/geo+json" | "application/merge-patch+json"
    ) {
        return Err(AppError::UnsupportedMedia(format!(
            "content type {ct:?} is not application/geo+json or application/json"
        )));
    }
    serde_json::from_slice(body)
        .map_err(|e| QueryError::bad("body", format!("is not valid JSON: {e}")).into())
}

impl From<EditError> for AppError {
    fn from(e: EditError) -> Self {
        match e {
            EditError::NoLayer(_) | EditError::NoFeature(..) => {
                AppError::Query(QueryError::NotFound(e.to_string()))
            }
            EditError::Exists(..) | EditError::Conflict(_) => AppError::Conflict(e.to_string()),
            EditError::Invalid { field, reason } => AppError::Query(QueryError::bad(field, reason)),
            EditError::Storage(detail) => AppError::Internal(detail),
        }
    }
}

async fn run(
    st: AppState,
    headers: HeaderMap,
    layer: String,
    op: EditOp,
    kind: &'static str,
) -> Result<(String, Option<Value>), AppError> {
    let who = authorise(&st, &headers)?;
    let (Some(dir), Some(audit)) = (st.data_dir.clone(), st.audit_log.clone()) else {
        return Err(AppError::Forbidden("this server is read-only".into()));
    };
    let _w = st.writer.lock().await;
    let snap = st.snapshot();
    let (layer2, skip) = (layer.clone(), st.skip_invalid);
    let applied = tokio::task::spawn_blocking(move || {
        apply(&dir, &snap, &layer2, op, skip, |id, before, after| {
            let entry = json!({
                "at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                "token": who, "op": kind, "layer": layer2, "id": id,
                "before": before, "after": after,
            });
            crate::store::append_line(&audit, &entry.to_string())
                .map_err(|e| EditError::Storage(format!("audit log: {e}")))
        })
    })
    .await
    .map_err(|e| AppError::Internal(format!("edit task: {e}")))??;
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
    Path(layer): Path<String>,
    p: Params,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    p.finish()?;
    let v = json_body(&headers, &body)?;
    let base = base_url(&headers);
    let (id, after) = run(st, headers, layer.clone(), EditOp::Create(v), "create").await?;
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
    Path((layer, id)): Path<(String, String)>,
    p: Params,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    p.finish()?;
    let v = json_body(&headers, &body)?;
    let (_, after) = run(st, headers, layer, EditOp::Replace(id, v), "replace").await?;
    Ok(axum::Json(after.unwrap_or(Value::Null)).into_response())
}

/// `PATCH /ogcapi/collections/{layer}/items/{id}`: merge properties, replace geometry.
pub async fn patch(
    State(st): State<AppState>,
    Path((layer, id)): Path<(String, String)>,
    p: Params,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    p.finish()?;
    let v = json_body(&headers, &body)?;
    let (_, after) = run(st, headers, layer, EditOp::Patch(id, v), "patch").await?;
    Ok(axum::Json(after.unwrap_or(Value::Null)).into_response())
}

/// `DELETE /ogcapi/collections/{layer}/items/{id}`: 204.
pub async fn delete(
    State(st): State<AppState>,
    Path((layer, id)): Path<(String, String)>,
    p: Params,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    p.finish()?;
    run(st, headers, layer, EditOp::Delete(id), "delete").await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
