//! `GET /tiles/roads/{z}/{x}/{y}.mvt`: the streets as Mapbox Vector Tiles, cut by
//! [`crate::tiles`]. This file reads the path (a malformed number is a 400 naming it, a tile
//! outside zooms 0-22 or its zoom's columns and rows a 404, as is a catalog without a roads
//! layer), answers `If-None-Match` before any work, and serves the bytes as
//! `application/vnd.mapbox-vector-tile`; the compression layer gzips or brotlis them.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::http::cache::Validator;
use crate::http::error::AppError;
use crate::http::params::Params;
use crate::http::AppState;
use crate::lang::Text;
use crate::query::QueryError;
use crate::text;
use crate::tiles::TileId;

/// The MVT media type (the Mapbox Vector Tile specification's own).
pub const MVT: HeaderValue = HeaderValue::from_static("application/vnd.mapbox-vector-tile");

/// A path segment as a whole number (one too large for any tile reads as the largest, so it is
/// "outside the range", a 404), or a 400 naming the segment.
fn number(param: &str, raw: &str) -> Result<u32, QueryError> {
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(QueryError::bad(
            param,
            Text::new(
                format!("{raw:?} is not a whole number (the tile path is /tiles/roads/{{z}}/{{x}}/{{y}}.mvt)"),
                format!("{raw:?} 不是整数（瓦片路径为 /tiles/roads/{{z}}/{{x}}/{{y}}.mvt）"),
            ),
        ));
    }
    Ok(raw.parse::<u32>().unwrap_or(u32::MAX))
}

/// `z`, `x` and `y.mvt` as a tile: 400 for a malformed segment, 404 outside the range.
pub fn tile_of(z: &str, x: &str, y: &str) -> Result<TileId, QueryError> {
    let Some(y_num) = y.strip_suffix(".mvt") else {
        return Err(QueryError::bad(
            "y",
            text!(
                "{y:?} does not end in .mvt: the tile path is /tiles/roads/{{z}}/{{x}}/{{y}}.mvt",
                "{y:?} 不以 .mvt 结尾：瓦片路径为 /tiles/roads/{{z}}/{{x}}/{{y}}.mvt"
            ),
        ));
    };
    let (z, x, y) = (number("z", z)?, number("x", x)?, number("y", y_num)?);
    TileId::new(z, x, y)
}

/// `GET /tiles/roads/{z}/{x}/{y}.mvt`. Validated by the roads layer's version (`ETag`,
/// `If-None-Match` -> 304); a tile cut already comes from the cache, a new one is cut on the
/// runtime when small ([`crate::tiles::is_cheap`]) and on the heavy pool otherwise.
pub async fn roads(
    State(st): State<AppState>,
    Path((z, x, y)): Path<(String, String, String)>,
    headers: HeaderMap,
    p: Params,
) -> Result<Response, AppError> {
    p.finish()?;
    let tile = tile_of(&z, &x, &y)?;
    let snap = st.snapshot();
    let layer = crate::tiles::roads_layer(&snap)?.clone();
    let v = Validator::of([&*layer], &["mvt"]);
    if v.matches(&headers) {
        return Ok(v.not_modified());
    }
    let bytes = match st.tiles.get(&layer, tile) {
        Some(hit) => hit,
        None if crate::tiles::is_cheap(&layer, tile) => st.tiles.tile(&layer, tile),
        None => {
            let cache = st.tiles.clone();
            st.pool.run(move |_| Ok(cache.tile(&layer, tile))).await?
        }
    };
    let mut res = Body::from(axum::body::Bytes::from_owner(bytes)).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, MVT);
    Ok(v.apply(res))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_malformed_segment_is_named_and_an_outside_tile_is_not_found() {
        assert_eq!(
            tile_of("14", "13700", "6680.mvt").unwrap(),
            TileId::new(14, 13700, 6680).unwrap()
        );
        for (z, x, y, param) in [
            ("a", "0", "0.mvt", "z"),
            ("1", "-1", "0.mvt", "x"),
            ("1", "0", "0", "y"),
            ("1", "0", "0.png", "y"),
            ("1", "0", ".mvt", "y"),
            ("1", "+1", "0.mvt", "x"),
            ("1", "0 ", "0.mvt", "x"),
        ] {
            match tile_of(z, x, y) {
                Err(QueryError::BadParam { param: p, .. }) => assert_eq!(p, param, "{z}/{x}/{y}"),
                other => panic!("{z}/{x}/{y}: {other:?}"),
            }
        }
        assert!(matches!(
            tile_of("23", "0", "0.mvt"),
            Err(QueryError::NotFound(_))
        ));
        assert!(matches!(
            tile_of("2", "4", "0.mvt"),
            Err(QueryError::NotFound(_))
        ));
        // Too large for any tile: outside the range, not malformed.
        assert!(matches!(
            tile_of("99999999999", "0", "0.mvt"),
            Err(QueryError::NotFound(_))
        ));
        assert!(matches!(
            tile_of("3", "99999999999", "0.mvt"),
            Err(QueryError::NotFound(_))
        ));
    }
}
