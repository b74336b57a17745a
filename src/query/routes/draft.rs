//! A client's draft line: a GeoJSON FeatureCollection read into a [`Line`], within the
//! limits that keep a review's cost bounded (vertices, stops, length).

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::lines::{position_of, text};
use super::{length_m, Line, Stop};
use crate::query::limits::MAX_LINE_LENGTH_M;
use crate::query::QueryError;

/// At most this many positions in a line (drafts included).
pub const MAX_VERTICES: usize = 20_000;
/// At most this many stops.
pub const MAX_STOPS: usize = 500;

/// A draft line from a GeoJSON FeatureCollection: one LineString or MultiLineString feature
/// (the line; its properties may carry `route_id`, `name`, `school`, `school_location`) and
/// Point features with an integer `seq` (the stops). Coordinates are `[lon, lat]` WGS84.
pub fn draft(v: &Value) -> Result<Line, QueryError> {
    let bad = |reason: String| QueryError::bad("body", reason);
    let obj = v
        .as_object()
        .ok_or_else(|| bad("must be a GeoJSON FeatureCollection object".into()))?;
    if obj.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(bad(
            "\"type\" must be \"FeatureCollection\" holding the line and its stops".into(),
        ));
    }
    let features = obj
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("\"features\" must be an array".into()))?;
    if features.is_empty() {
        return Err(bad(
            "the collection is empty: it needs one LineString (the line) and Point stops".into(),
        ));
    }
    // (feature index, parts, properties) of the line.
    type Found<'a> = (usize, Vec<Vec<[f64; 2]>>, &'a Map<String, Value>);
    let mut line: Option<Found> = None;
    let mut stops: Vec<Stop> = Vec::new();
    let mut seqs: HashMap<i64, usize> = HashMap::new();
    let empty = Map::new();
    for (i, f) in features.iter().enumerate() {
        let at = format!("features[{i}]");
        let f = f
            .as_object()
            .filter(|f| f.get("type").and_then(Value::as_str) == Some("Feature"))
            .ok_or_else(|| bad(format!("{at} is not a GeoJSON Feature")))?;
        let props = match f.get("properties") {
            None | Some(Value::Null) => &empty,
            Some(Value::Object(m)) => m,
            Some(_) => return Err(bad(format!("{at}: \"properties\" must be an object"))),
        };
        let g = f
            .get("geometry")
            .and_then(Value::as_object)
            .ok_or_else(|| bad(format!("{at} has no geometry")))?;
        let gtype = g.get("type").and_then(Value::as_str).unwrap_or("");
        let coords = g
            .get("coordinates")
            .ok_or_else(|| bad(format!("{at}: the geometry has no \"coordinates\"")))?;
        match gtype {
            "LineString" | "MultiLineString" => {
                if let Some((j, _, _)) = line {
                    return Err(bad(format!(
                        "{at} is a second line (features[{j}] is the first): a draft holds one line"
                    )));
                }
                let raw_parts: Vec<&Value> = if gtype == "LineString" {
                    vec![coords]
                } else {
                    coords
                        .as_array()
                        .ok_or_else(|| {
                            bad(format!(
                                "{at}: MultiLineString coordinates must be an array of lines"
                            ))
                        })?
                        .iter()
                        .collect()
                };
                if raw_parts.is_empty() {
                    return Err(bad(format!("{at}: the MultiLineString has no lines")));
                }
                let mut parts = Vec::new();
                for (k, rp) in raw_parts.iter().enumerate() {
                    let arr = rp.as_array().ok_or_else(|| {
                        bad(format!("{at}: line {k} must be an array of positions"))
                    })?;
                    if arr.len() < 2 {
                        return Err(bad(format!(
                            "{at}: line {k} has {} position(s); a line needs at least 2",
                            arr.len()
                        )));
                    }
                    let part = arr
                        .iter()
                        .enumerate()
                        .map(|(n, p)| position(p, &format!("{at}: position {n} of line {k}")))
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(bad)?;
                    parts.push(part);
                }
                let count: usize = parts.iter().map(Vec::len).sum();
                if count > MAX_VERTICES {
                    return Err(bad(format!(
                        "{at}: the line has {count} positions; at most {MAX_VERTICES}"
                    )));
                }
                let length = length_m(&parts);
                if length > MAX_LINE_LENGTH_M {
                    return Err(bad(format!(
                        "{at}: the line is {:.1} km long; a draft is at most {:.0} km (a school line is tens of km)",
                        length / 1000.0,
                        MAX_LINE_LENGTH_M / 1000.0
                    )));
                }
                line = Some((i, parts, props));
            }
            "Point" => {
                let pos = position(coords, &format!("{at}: the stop's position")).map_err(bad)?;
                let seq = match props.get("seq") {
                    None => return Err(bad(format!("{at}: the stop has no \"seq\" property"))),
                    Some(s) => s.as_i64().filter(|&s| s >= 1).ok_or_else(|| {
                        bad(format!("{at}: \"seq\" must be an integer >= 1, not {s}"))
                    })?,
                };
                if let Some(j) = seqs.insert(seq, i) {
                    return Err(bad(format!(
                        "{at}: seq {seq} is used twice (features[{j}] has it too)"
                    )));
                }
                let id = match f.get("id") {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Number(n)) => n.to_string(),
                    _ => format!("stop-{seq}"),
                };
                stops.push(Stop {
                    id,
                    seq,
                    name: text(props, "name"),
                    position: pos,
                });
                if stops.len() > MAX_STOPS {
                    return Err(bad(format!(
                        "{at}: the draft has more than {MAX_STOPS} stops; at most {MAX_STOPS}"
                    )));
                }
            }
            other => {
                return Err(bad(format!(
                    "{at} is a {}: a draft holds one LineString or MultiLineString and Point stops",
                    if other.is_empty() {
                        "geometry without a type"
                    } else {
                        other
                    }
                )))
            }
        }
    }
    let (_, parts, props) = line.ok_or_else(|| {
        bad("no line: the collection needs one LineString or MultiLineString feature".into())
    })?;
    stops.sort_by_key(|s| s.seq);
    Ok(Line {
        id: text(props, "route_id").unwrap_or_else(|| "draft".into()),
        name: text(props, "name"),
        name_en: text(props, "name_en"),
        school: text(props, "school"),
        school_location: position_of(props.get("school_location")),
        operator: text(props, "operator"),
        departures: vec![],
        parts,
        stops,
    })
}

fn position(v: &Value, at: &str) -> Result<[f64; 2], String> {
    let a = v
        .as_array()
        .ok_or_else(|| format!("{at} must be an array [lon, lat]"))?;
    if a.len() < 2 || a.len() > 3 {
        return Err(format!(
            "{at} has {} number(s); a position is [lon, lat] or [lon, lat, height]",
            a.len()
        ));
    }
    let num = |k: usize, name: &str| {
        a[k].as_f64()
            .filter(|x| x.is_finite())
            .ok_or_else(|| format!("{at}: {name} {} is not a finite number", a[k]))
    };
    let lon = num(0, "longitude")?;
    let lat = num(1, "latitude")?;
    if a.len() == 3 {
        num(2, "height")?;
    }
    if !(-180.0..=180.0).contains(&lon) {
        return Err(format!("{at}: longitude {lon} is outside -180..180"));
    }
    if !(-90.0..=90.0).contains(&lat) {
        return Err(format!("{at}: latitude {lat} is outside -90..90"));
    }
    Ok([lon, lat])
}
