//! A client's draft line: a GeoJSON FeatureCollection read into a [`Line`], within the
//! limits that keep a review's cost bounded (vertices, stops, length).

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::lines::{position_of, text};
use super::{length_m, Line, Stop};
use crate::lang::Text;
use crate::query::limits::MAX_LINE_LENGTH_M;
use crate::query::QueryError;
use crate::text;

/// At most this many positions in a line (drafts included).
pub const MAX_VERTICES: usize = 20_000;
/// At most this many stops.
pub const MAX_STOPS: usize = 500;

/// A draft line from a GeoJSON FeatureCollection: one LineString or MultiLineString feature
/// (the line; its properties may carry `route_id`, `name`, `school`, `school_location`) and
/// Point features with an integer `seq` (the stops). Coordinates are `[lon, lat]` WGS84.
pub fn draft(v: &Value) -> Result<Line, QueryError> {
    let bad = |reason: Text| QueryError::bad("body", reason);
    let obj = v.as_object().ok_or_else(|| {
        bad(text!(
            "must be a GeoJSON FeatureCollection object",
            "必须是 GeoJSON FeatureCollection 对象"
        ))
    })?;
    if obj.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(bad(text!(
            "\"type\" must be \"FeatureCollection\" holding the line and its stops",
            "\"type\" 必须是 \"FeatureCollection\"，内含线路及其站点"
        )));
    }
    let features = obj
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            bad(text!(
                "\"features\" must be an array",
                "\"features\" 必须是数组"
            ))
        })?;
    if features.is_empty() {
        return Err(bad(text!(
            "the collection is empty: it needs one LineString (the line) and Point stops",
            "集合为空：需要一条 LineString（线路）和若干 Point（站点）"
        )));
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
            .ok_or_else(|| {
                bad(text!(
                    "{at} is not a GeoJSON Feature",
                    "{at} 不是 GeoJSON Feature"
                ))
            })?;
        let props = match f.get("properties") {
            None | Some(Value::Null) => &empty,
            Some(Value::Object(m)) => m,
            Some(_) => {
                return Err(bad(text!(
                    "{at}: \"properties\" must be an object",
                    "{at}：\"properties\" 必须是对象"
                )))
            }
        };
        let g = f
            .get("geometry")
            .and_then(Value::as_object)
            .ok_or_else(|| bad(text!("{at} has no geometry", "{at} 没有几何")))?;
        let gtype = g.get("type").and_then(Value::as_str).unwrap_or("");
        let coords = g.get("coordinates").ok_or_else(|| {
            bad(text!(
                "{at}: the geometry has no \"coordinates\"",
                "{at}：几何没有 \"coordinates\""
            ))
        })?;
        match gtype {
            "LineString" | "MultiLineString" => {
                if let Some((j, _, _)) = line {
                    return Err(bad(text!(
                        "{at} is a second line (features[{j}] is the first): a draft holds one line",
                        "{at} 是第二条线（第一条是 features[{j}]）：一个草案只能有一条线"
                    )));
                }
                let raw_parts: Vec<&Value> = if gtype == "LineString" {
                    vec![coords]
                } else {
                    coords
                        .as_array()
                        .ok_or_else(|| {
                            bad(text!(
                                "{at}: MultiLineString coordinates must be an array of lines",
                                "{at}：MultiLineString 的坐标必须是线的数组"
                            ))
                        })?
                        .iter()
                        .collect()
                };
                if raw_parts.is_empty() {
                    return Err(bad(text!(
                        "{at}: the MultiLineString has no lines",
                        "{at}：MultiLineString 中没有线"
                    )));
                }
                let mut parts = Vec::new();
                for (k, rp) in raw_parts.iter().enumerate() {
                    let arr = rp.as_array().ok_or_else(|| {
                        bad(text!(
                            "{at}: line {k} must be an array of positions",
                            "{at}：第 {k} 条线必须是位置的数组"
                        ))
                    })?;
                    if arr.len() < 2 {
                        return Err(bad(text!(
                            "{at}: line {k} has {} position(s); a line needs at least 2",
                            "{at}：第 {k} 条线只有 {} 个位置；一条线至少需要 2 个",
                            arr.len()
                        )));
                    }
                    let part = arr
                        .iter()
                        .enumerate()
                        .map(|(n, p)| {
                            position(
                                p,
                                &text!(
                                    "{at}: position {n} of line {k}",
                                    "{at}：第 {k} 条线的第 {n} 个位置"
                                ),
                            )
                        })
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(bad)?;
                    parts.push(part);
                }
                let count: usize = parts.iter().map(Vec::len).sum();
                if count > MAX_VERTICES {
                    return Err(bad(text!(
                        "{at}: the line has {count} positions; at most {MAX_VERTICES}",
                        "{at}：线路有 {count} 个位置；最多 {MAX_VERTICES} 个"
                    )));
                }
                let length = length_m(&parts);
                if length > MAX_LINE_LENGTH_M {
                    return Err(bad(text!(
                        "{at}: the line is {:.1} km long; a draft is at most {:.0} km (a school line is tens of km)",
                        "{at}：线路长 {:.1} 公里；草案最长 {:.0} 公里（通学线路一般几十公里）",
                        length / 1000.0,
                        MAX_LINE_LENGTH_M / 1000.0
                    )));
                }
                line = Some((i, parts, props));
            }
            "Point" => {
                let pos = position(
                    coords,
                    &text!("{at}: the stop's position", "{at}：站点位置"),
                )
                .map_err(bad)?;
                let seq = match props.get("seq") {
                    None => {
                        return Err(bad(text!(
                            "{at}: the stop has no \"seq\" property",
                            "{at}：站点没有 \"seq\" 属性"
                        )))
                    }
                    Some(s) => s.as_i64().filter(|&s| s >= 1).ok_or_else(|| {
                        bad(text!(
                            "{at}: \"seq\" must be an integer >= 1, not {s}",
                            "{at}：\"seq\" 必须是不小于 1 的整数，而不是 {s}"
                        ))
                    })?,
                };
                if let Some(j) = seqs.insert(seq, i) {
                    return Err(bad(text!(
                        "{at}: seq {seq} is used twice (features[{j}] has it too)",
                        "{at}：seq {seq} 用了两次（features[{j}] 也用了）"
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
                    return Err(bad(text!(
                        "{at}: the draft has more than {MAX_STOPS} stops; at most {MAX_STOPS}",
                        "{at}：草案的站点超过 {MAX_STOPS} 个；最多 {MAX_STOPS} 个"
                    )));
                }
            }
            other => {
                return Err(bad(if other.is_empty() {
                    text!(
                        "{at} is a geometry without a type: a draft holds one LineString or MultiLineString and Point stops",
                        "{at} 的几何没有类型：草案只含一条 LineString 或 MultiLineString 和若干 Point 站点"
                    )
                } else {
                    text!(
                        "{at} is a {other}: a draft holds one LineString or MultiLineString and Point stops",
                        "{at} 是 {other}：草案只含一条 LineString 或 MultiLineString 和若干 Point 站点"
                    )
                }))
            }
        }
    }
    let (_, parts, props) = line.ok_or_else(|| {
        bad(text!(
            "no line: the collection needs one LineString or MultiLineString feature",
            "没有线路：集合需要一个 LineString 或 MultiLineString 要素"
        ))
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

/// A position `[lon, lat]` (a height allowed and ignored); `at` says where, in both languages.
fn position(v: &Value, at: &Text) -> Result<[f64; 2], Text> {
    let (en, zh) = (at.en(), at.zh());
    let a = v.as_array().ok_or_else(|| {
        text!(
            "{en} must be an array [lon, lat]",
            "{zh} 必须是数组 [lon, lat]"
        )
    })?;
    if a.len() < 2 || a.len() > 3 {
        return Err(text!(
            "{en} has {} number(s); a position is [lon, lat] or [lon, lat, height]",
            "{zh} 有 {} 个数；位置应为 [lon, lat] 或 [lon, lat, height]",
            a.len()
        ));
    }
    let num = |k: usize, (name_en, name_zh): (&str, &str)| {
        let x = &a[k];
        x.as_f64().filter(|x| x.is_finite()).ok_or_else(|| {
            text!(
                "{en}: {name_en} {x} is not a finite number",
                "{zh}：{name_zh} {x} 不是有限的数"
            )
        })
    };
    let lon = num(0, ("longitude", "经度"))?;
    let lat = num(1, ("latitude", "纬度"))?;
    if a.len() == 3 {
        num(2, ("height", "高度"))?;
    }
    if !(-180.0..=180.0).contains(&lon) {
        return Err(text!(
            "{en}: longitude {lon} is outside -180..180",
            "{zh}：经度 {lon} 超出 -180..180"
        ));
    }
    if !(-90.0..=90.0).contains(&lat) {
        return Err(text!(
            "{en}: latitude {lat} is outside -90..90",
            "{zh}：纬度 {lat} 超出 -90..90"
        ));
    }
    Ok([lon, lat])
}
