//! OGC API - Features Part 1 (Core, GeoJSON, OpenAPI 3.0) under `/ogcapi`: landing page,
//! conformance, collections, items with bbox / limit / offset / property filters, one item,
//! and the OpenAPI document at `/ogcapi/api`.

use crate::query::features::{CHEAP_PAGE, DEFAULT_LIMIT, MAX_LIMIT};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::http::cache::Validator;
use crate::http::error::AppError;
use crate::http::geojson::feature_json;
use crate::http::params::Params;
use crate::http::AppState;
use crate::query::deadline::Deadline;
use crate::query::features::{items, property_names, ItemsQuery, PropertyFilter};
use crate::query::limits::CHEAP_VISIT_BUDGET;
use crate::query::QueryError;
use crate::snapshot::{Layer, Snapshot};
use crate::text;

const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
/// The conformance classes we implement.
pub const CONFORMANCE: [&str; 3] = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
];

/// The header a TLS-terminating proxy sets to `https` (and [`crate::http::over_tls`] sets
/// when nestmap serves TLS itself).
pub const FORWARDED_PROTO: &str = "x-forwarded-proto";

/// The absolute base URL of this server as the client addressed it: `https://` when
/// [`FORWARDED_PROTO`] says `https`, else `http://`, then the `Host`.
pub fn base_url(headers: &HeaderMap) -> String {
    let scheme = match headers.get(FORWARDED_PROTO).map(|v| v.as_bytes()) {
        Some(v) if v.eq_ignore_ascii_case(b"https") => "https",
        _ => "http",
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    format!("{scheme}://{host}")
}

fn typed(body: Value, content_type: &'static str) -> Response {
    let mut r = axum::Json(body).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

fn f_not_offered(f: &str) -> crate::lang::Text {
    text!(
        "{f:?} is not offered: use f=json",
        "不提供 {f:?}：请用 f=json"
    )
}

/// Accept `f=json` (what some clients send) and nothing else, then refuse leftovers.
fn finish(mut p: Params) -> Result<(), QueryError> {
    if let Some(f) = p.take("f") {
        if !matches!(
            f.as_str(),
            "json" | "geojson" | "application/json" | "application/geo+json"
        ) {
            return Err(QueryError::bad("f", f_not_offered(&f)));
        }
    }
    p.finish()
}

/// `GET /ogcapi`
pub async fn landing(headers: HeaderMap, p: Params) -> Result<Response, AppError> {
    finish(p)?;
    let b = base_url(&headers);
    Ok(typed(
        json!({
            "title": "nestmap: places that help families in Xiangcheng District, Suzhou",
            "description": "Nursing rooms, child-friendly communities, pocket parks, service stations and school commuter lines of 相城区 (320507). Facility layers are synthetic sample data.",
            "links": [
                {"href": format!("{b}/ogcapi"), "rel": "self", "type": "application/json", "title": "this document"},
                {"href": format!("{b}/ogcapi/api"), "rel": "service-desc", "type": "application/vnd.oai.openapi+json;version=3.0", "title": "the API definition"},
                {"href": format!("{b}/ogcapi/conformance"), "rel": "conformance", "type": "application/json", "title": "conformance classes"},
                {"href": format!("{b}/ogcapi/collections"), "rel": "data", "type": "application/json", "title": "the layers"}
            ]
        }),
        "application/json",
    ))
}

/// `GET /ogcapi/conformance`
pub async fn conformance(p: Params) -> Result<Response, AppError> {
    finish(p)?;
    Ok(typed(
        json!({ "conformsTo": CONFORMANCE }),
        "application/json",
    ))
}

fn collection_json(b: &str, l: &Layer) -> Value {
    let id = &l.spec.id;
    let bbox = l.bbox.map(|b| vec![b.to_vec()]).unwrap_or_default();
    json!({
        "id": id,
        "title": format!("{} {}", l.spec.title_zh, l.spec.title_en),
        "description": format!("{} ({:?}, {} features, source CRS {})", l.spec.title_en, l.spec.kind, l.features.len(), l.spec.crs),
        "itemType": "feature",
        "crs": [CRS84],
        "extent": {"spatial": {"bbox": bbox, "crs": CRS84}},
        "links": [
            {"href": format!("{b}/ogcapi/collections/{id}"), "rel": "self", "type": "application/json"},
            {"href": format!("{b}/ogcapi/collections/{id}/items"), "rel": "items", "type": "application/geo+json"}
        ]
    })
}

fn layer<'a>(snap: &'a Snapshot, id: &str) -> Result<&'a Layer, QueryError> {
    snap.layer(id).ok_or_else(|| {
        QueryError::NotFound(text!(
            "no collection {id:?}; see /ogcapi/collections",
            "没有图层（集合）{id:?}；图层列表见 /ogcapi/collections"
        ))
    })
}

/// `GET /ogcapi/collections`
pub async fn collections(
    State(st): State<AppState>,
    headers: HeaderMap,
    p: Params,
) -> Result<Response, AppError> {
    finish(p)?;
    let snap = st.snapshot();
    let b = base_url(&headers);
    let v = Validator::of(snap.layers.iter().map(|l| &**l), &[&b]);
    if v.matches(&headers) {
        return Ok(v.not_modified());
    }
    let cols: Vec<Value> = snap.layers.iter().map(|l| collection_json(&b, l)).collect();
    Ok(v.apply(typed(
        json!({
            "links": [{"href": format!("{b}/ogcapi/collections"), "rel": "self", "type": "application/json"}],
            "collections": cols
        }),
        "application/json",
    )))
}

/// `GET /ogcapi/collections/{layer}`
pub async fn collection(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    p: Params,
) -> Result<Response, AppError> {
    finish(p)?;
    let snap = st.snapshot();
    let l = layer(&snap, &id)?;
    let b = base_url(&headers);
    let v = Validator::of([l], &[&b]);
    if v.matches(&headers) {
        return Ok(v.not_modified());
    }
    Ok(v.apply(typed(collection_json(&b, l), "application/json")))
}

/// Parse an items request for `layer`: bbox, limit, offset, datetime (accepted; our
/// features carry no time), `f`, and property equality filters named after properties.
pub fn items_query(layer: &Layer, mut p: Params) -> Result<ItemsQuery, QueryError> {
    let bbox = p.bbox("bbox")?;
    let limit = p.int_in("limit", 1, MAX_LIMIT, DEFAULT_LIMIT)?;
    let offset = p.int_in("offset", 0, usize::MAX, 0)?;
    if let Some(dt) = p.take("datetime") {
        let ok = dt.split('/').all(|part| {
            part.is_empty()
                || part == ".."
                || chrono::DateTime::parse_from_rfc3339(part).is_ok()
                || chrono::NaiveDate::parse_from_str(part, "%Y-%m-%d").is_ok()
        });
        if !ok {
            return Err(QueryError::bad(
                "datetime",
                text!(
                    "{dt:?} is not an RFC 3339 date-time or interval",
                    "{dt:?} 不是 RFC 3339 日期时间或时间区间"
                ),
            ));
        }
    }
    if let Some(f) = p.take("f") {
        if !matches!(f.as_str(), "json" | "geojson" | "application/geo+json") {
            return Err(QueryError::bad("f", f_not_offered(&f)));
        }
    }
    let names = property_names(layer);
    let mut filters = Vec::new();
    for (k, v) in p.remaining() {
        if names.binary_search(k).is_err() {
            return Err(QueryError::bad(
                k.clone(),
                text!(
                    "unknown parameter: not bbox, limit, offset, datetime, f, nor a property of {:?}",
                    "未知参数：既不是 bbox、limit、offset、datetime、f，也不是图层 {:?} 的属性",
                    layer.spec.id
                ),
            ));
        }
        filters.push(PropertyFilter {
            name: k.clone(),
            value: v.clone(),
        });
    }
    Ok(ItemsQuery {
        bbox,
        filters,
        offset,
        limit,
    })
}

/// `GET /ogcapi/collections/{layer}/items`
pub async fn items_handler(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Response, AppError> {
    let snap = st.snapshot();
    let l = layer(&snap, &id)?;
    let q = items_query(l, Params::parse(raw.as_deref().unwrap_or(""))?)?;
    let base = base_url(&headers);
    let v = Validator::of([l], &[&base]);
    if v.matches(&headers) {
        return Ok(v.not_modified());
    }
    // A page of an ordinary layer is microseconds: on the runtime. A big layer (filters
    // scan it) or a big page (its JSON is megabytes) goes to the heavy pool.
    let cheap = l.features.len() <= CHEAP_VISIT_BUDGET && q.limit <= CHEAP_PAGE;
    let body = if cheap {
        items_page(&snap, &id, &q, &base, &Deadline::none())?
    } else {
        st.pool
            .run(move |d| items_page(&snap, &id, &q, &base, d))
            .await?
    };
    Ok(v.apply(typed(body, "application/geo+json")))
}

/// One page of items as GeoJSON, with its links.
fn items_page(
    snap: &Snapshot,
    id: &str,
    q: &ItemsQuery,
    b: &str,
    deadline: &Deadline,
) -> Result<Value, QueryError> {
    let l = layer(snap, id)?;
    deadline.check()?;
    let page = items(l, q);
    deadline.check()?;
    let here = format!("{b}/ogcapi/collections/{id}/items");
    let link = |offset: usize| {
        let mut pairs: Vec<(String, String)> = Vec::new();
        if let Some(bb) = q.bbox {
            pairs.push((
                "bbox".into(),
                bb.iter()
                    .map(|x| x.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
            ));
        }
        for f in &q.filters {
            pairs.push((f.name.clone(), f.value.clone()));
        }
        pairs.push(("limit".into(), q.limit.to_string()));
        pairs.push(("offset".into(), offset.to_string()));
        format!(
            "{here}?{}",
            serde_urlencoded::to_string(&pairs).unwrap_or_default()
        )
    };
    let mut links =
        vec![json!({"href": link(q.offset), "rel": "self", "type": "application/geo+json"})];
    if q.offset + page.features.len() < page.number_matched {
        links.push(json!({"href": link(q.offset + q.limit), "rel": "next", "type": "application/geo+json"}));
    }
    if q.offset > 0 {
        links.push(json!({"href": link(q.offset.saturating_sub(q.limit)), "rel": "prev", "type": "application/geo+json"}));
    }
    let features: Vec<Value> = page
        .features
        .iter()
        .map(|&i| feature_json(l, i, None))
        .collect();
    Ok(json!({
        "type": "FeatureCollection",
        "numberMatched": page.number_matched,
        "numberReturned": features.len(),
        "timeStamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "links": links,
        "features": features,
    }))
}

/// `GET /ogcapi/collections/{layer}/items/{id}`
pub async fn item(
    State(st): State<AppState>,
    Path((id, fid)): Path<(String, String)>,
    headers: HeaderMap,
    p: Params,
) -> Result<Response, AppError> {
    finish(p)?;
    let snap = st.snapshot();
    let l = layer(&snap, &id)?;
    let i = l.position(&fid).ok_or_else(|| {
        QueryError::NotFound(text!(
            "no feature {fid:?} in collection {id:?}",
            "图层 {id:?} 中没有要素 {fid:?}"
        ))
    })?;
    let b = base_url(&headers);
    let v = Validator::of([l], &[&b]);
    if v.matches(&headers) {
        return Ok(v.not_modified());
    }
    let mut f = feature_json(l, i, None);
    f["links"] = json!([
        {"href": format!("{b}/ogcapi/collections/{id}/items/{fid}"), "rel": "self", "type": "application/geo+json"},
        {"href": format!("{b}/ogcapi/collections/{id}"), "rel": "collection", "type": "application/json"}
    ]);
    Ok(v.apply(typed(f, "application/geo+json")))
}

/// `GET /ogcapi/api`
pub async fn api(
    State(st): State<AppState>,
    headers: HeaderMap,
    p: Params,
) -> Result<Response, AppError> {
    finish(p)?;
    let snap = st.snapshot();
    Ok(typed(
        crate::http::openapi::document(&snap, &base_url(&headers)),
        "application/vnd.oai.openapi+json;version=3.0",
    ))
}
