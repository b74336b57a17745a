//! GeoJSON geometry objects -> `geo` geometries in WGS84, with every check a loader owes its
//! users: shape of the coordinates, position length, finite and in-range numbers, ring
//! closure, and polygon validity (with geo's reason), after reprojection.

use geo::{
    Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon,
    Validation,
};
use std::fmt;

use serde_json::Value;

use crate::crs::Crs;
use crate::lang::Text;
use crate::text;

/// A geometry problem: where in the geometry (a JSON path such as
/// `geometry.coordinates[0][3]`) and why.
#[derive(Debug, Clone, PartialEq)]
pub struct GeometryError {
    /// Path of the offending member.
    pub field: String,
    /// Why it was refused.
    pub reason: Text,
}

fn err<T>(field: impl Into<String>, reason: Text) -> Result<T, GeometryError> {
    Err(GeometryError {
        field: field.into(),
        reason,
    })
}

struct Reader {
    crs: Crs,
}

impl Reader {
    /// `path` is formatted only when the position is refused (this runs per coordinate).
    fn position<P: fmt::Display + ?Sized>(
        &self,
        v: &Value,
        path: &P,
    ) -> Result<Coord<f64>, GeometryError> {
        let arr = match v.as_array() {
            Some(a) => a,
            None => {
                let (en, zh) = kind_of(v);
                return err(
                    path.to_string(),
                    text!(
                        "a position must be an array of numbers, found {en}",
                        "位置必须是数字数组，给出的是{zh}"
                    ),
                );
            }
        };
        if arr.len() < 2 || arr.len() > 3 {
            return err(
                path.to_string(),
                text!(
                    "a position must have 2 or 3 numbers, found {}",
                    "位置必须有 2 或 3 个数，实际有 {} 个",
                    arr.len()
                ),
            );
        }
        let mut xy = [0.0; 2];
        for (i, n) in arr.iter().enumerate() {
            let x = match n.as_f64() {
                Some(x) => x,
                None => {
                    let (en, zh) = kind_of(n);
                    return err(
                        format!("{path}[{i}]"),
                        text!("expected a number, found {en}", "应为数字，给出的是{zh}"),
                    );
                }
            };
            if !x.is_finite() {
                return err(
                    format!("{path}[{i}]"),
                    text!("number is not finite", "不是有限的数"),
                );
            }
            if i < 2 {
                xy[i] = x;
            }
        }
        if self.crs.is_geographic_degrees() {
            check_lonlat(xy, path, None)?;
        }
        if self.crs == Crs::Wgs84 {
            // No transform: the check above was the whole check.
            return Ok(Coord { x: xy[0], y: xy[1] });
        }
        let (lon, lat) = match self.crs.to_wgs84(xy[0], xy[1]) {
            Ok(p) => p,
            Err(e) => return err(path.to_string(), e.text()),
        };
        check_lonlat([lon, lat], path, Some(self.crs))?;
        Ok(Coord { x: lon, y: lat })
    }

    fn positions(&self, v: &Value, path: &str) -> Result<Vec<Coord<f64>>, GeometryError> {
        let arr = array(v, path, POSITIONS)?;
        arr.iter()
            .enumerate()
            .map(|(i, p)| self.position(p, &format_args!("{path}[{i}]")))
            .collect()
    }

    fn line(&self, v: &Value, path: &str) -> Result<LineString<f64>, GeometryError> {
        let coords = self.positions(v, path)?;
        if coords.len() < 2 {
            return err(
                path,
                text!(
                    "a line needs at least 2 positions, found {}",
                    "一条线至少需要 2 个位置，实际有 {} 个",
                    coords.len()
                ),
            );
        }
        Ok(LineString(coords))
    }

    fn ring(&self, v: &Value, path: &str, which: &Text) -> Result<LineString<f64>, GeometryError> {
        let raw = array(v, path, POSITIONS)?;
        let coords = self.positions(v, path)?;
        let (en, zh) = (which.en(), which.zh());
        if coords.len() < 4 {
            return err(
                path,
                text!(
                    "{en} needs at least 4 positions (a closed triangle), found {}",
                    "{zh}至少需要 4 个位置（闭合的三角形），实际有 {} 个",
                    coords.len()
                ),
            );
        }
        // Closure is checked on the numbers as written, before any transform.
        if raw.first() != raw.last() {
            let (first, last) = (&raw[0], &raw[raw.len() - 1]);
            return err(
                path,
                text!(
                    "{en} is not closed: the first position {first} differs from the last {last}",
                    "{zh}没有闭合：第一个位置 {first} 与最后一个 {last} 不同"
                ),
            );
        }
        Ok(LineString(coords))
    }

    fn polygon(&self, v: &Value, path: &str) -> Result<Polygon<f64>, GeometryError> {
        let rings = array(v, path, ("an array of rings", "环的数组"))?;
        if rings.is_empty() {
            return err(
                path,
                text!("a polygon needs at least one ring", "多边形至少需要一个环"),
            );
        }
        let mut it = rings.iter().enumerate().map(|(i, r)| {
            let which = if i == 0 {
                text!("the exterior ring", "外环")
            } else {
                text!("interior ring {}", "内环 {}", i - 1)
            };
            self.ring(r, &format!("{path}[{i}]"), &which)
        });
        let exterior = it.next().expect("checked non-empty")?;
        let interiors = it.collect::<Result<Vec<_>, _>>()?;
        Ok(Polygon::new(exterior, interiors))
    }
}

/// What a JSON value is, in English and Chinese (`a string`, `字符串`).
pub(crate) fn kind_of(v: &Value) -> (&'static str, &'static str) {
    match v {
        Value::Null => ("null", "null"),
        Value::Bool(_) => ("a boolean", "布尔值"),
        Value::Number(_) => ("a number", "数字"),
        Value::String(_) => ("a string", "字符串"),
        Value::Array(_) => ("an array", "数组"),
        Value::Object(_) => ("an object", "对象"),
    }
}

/// `what` an array should hold, in English and Chinese.
const POSITIONS: (&str, &str) = ("an array of positions", "位置数组");

fn array<'v>(
    v: &'v Value,
    path: &str,
    (what_en, what_zh): (&str, &str),
) -> Result<&'v Vec<Value>, GeometryError> {
    match v.as_array() {
        Some(a) => Ok(a),
        None => {
            let (en, zh) = kind_of(v);
            err(
                path,
                text!(
                    "expected {what_en}, found {en}",
                    "应为{what_zh}，给出的是{zh}"
                ),
            )
        }
    }
}

/// Longitude and latitude in range; `from`: the CRS they were transformed from, if any.
fn check_lonlat<P: fmt::Display + ?Sized>(
    p: [f64; 2],
    path: &P,
    from: Option<Crs>,
) -> Result<(), GeometryError> {
    // Worded only when refused: this runs per coordinate.
    let after = || match from {
        None => (String::new(), String::new()),
        Some(c) => (
            format!(" after transforming from {c}"),
            format!("（从 {c} 转换后）"),
        ),
    };
    let (lon, lat) = (p[0], p[1]);
    if !(-180.0..=180.0).contains(&lon) {
        let (after_en, after_zh) = after();
        return err(
            path.to_string(),
            text!(
                "longitude {lon} is outside -180..180{after_en}",
                "经度 {lon} 超出 -180..180{after_zh}"
            ),
        );
    }
    if !(-90.0..=90.0).contains(&lat) {
        let (after_en, after_zh) = after();
        return err(
            path.to_string(),
            text!(
                "latitude {lat} is outside -90..90{after_en} (positions are [lon, lat])",
                "纬度 {lat} 超出 -90..90{after_zh}（位置的顺序是 [lon, lat]）"
            ),
        );
    }
    Ok(())
}

fn missing() -> Text {
    text!("missing", "缺失")
}

/// Read a GeoJSON geometry object in `crs` into a WGS84 geometry, or say what is wrong.
pub fn read_geometry(v: &Value, crs: Crs) -> Result<Geometry<f64>, GeometryError> {
    let obj = match v {
        Value::Object(o) => o,
        Value::Null => {
            return err(
                "geometry",
                text!(
                    "missing: every feature needs a geometry",
                    "缺失：每个要素都需要几何"
                ),
            )
        }
        other => {
            let (en, zh) = kind_of(other);
            return err(
                "geometry",
                text!("expected an object, found {en}", "应为对象，给出的是{zh}"),
            );
        }
    };
    let ty = match obj.get("type").and_then(Value::as_str) {
        Some(t) => t,
        None => return err("geometry.type", missing()),
    };
    let r = Reader { crs };
    let c = match obj.get("coordinates") {
        Some(c) => c,
        None if ty == "GeometryCollection" => {
            return err(
                "geometry.type",
                text!(
                    "GeometryCollection is not supported: split it into features",
                    "不支持 GeometryCollection：请拆分成多个要素"
                ),
            )
        }
        None => return err("geometry.coordinates", missing()),
    };
    let p = "geometry.coordinates";
    let g = match ty {
        "Point" => Geometry::Point(Point(r.position(c, p)?)),
        "MultiPoint" => {
            let pts = r.positions(c, p)?;
            if pts.is_empty() {
                return err(
                    p,
                    text!(
                        "a MultiPoint needs at least one position",
                        "MultiPoint 至少需要一个位置"
                    ),
                );
            }
            Geometry::MultiPoint(MultiPoint(pts.into_iter().map(Point).collect()))
        }
        "LineString" => Geometry::LineString(r.line(c, p)?),
        "MultiLineString" => {
            let lines = array(c, p, ("an array of lines", "线的数组"))?;
            if lines.is_empty() {
                return err(
                    p,
                    text!(
                        "a MultiLineString needs at least one line",
                        "MultiLineString 至少需要一条线"
                    ),
                );
            }
            let ls = lines
                .iter()
                .enumerate()
                .map(|(i, l)| r.line(l, &format!("{p}[{i}]")))
                .collect::<Result<Vec<_>, _>>()?;
            Geometry::MultiLineString(MultiLineString(ls))
        }
        "Polygon" => Geometry::Polygon(r.polygon(c, p)?),
        "MultiPolygon" => {
            let polys = array(c, p, ("an array of polygons", "多边形的数组"))?;
            if polys.is_empty() {
                return err(
                    p,
                    text!(
                        "a MultiPolygon needs at least one polygon",
                        "MultiPolygon 至少需要一个多边形"
                    ),
                );
            }
            let ps = polys
                .iter()
                .enumerate()
                .map(|(i, l)| r.polygon(l, &format!("{p}[{i}]")))
                .collect::<Result<Vec<_>, _>>()?;
            Geometry::MultiPolygon(MultiPolygon(ps))
        }
        other => {
            return err(
                "geometry.type",
                text!(
                    "unknown geometry type {other:?}: use Point, MultiPoint, LineString, MultiLineString, Polygon or MultiPolygon",
                    "未知的几何类型 {other:?}：请用 Point、MultiPoint、LineString、MultiLineString、Polygon 或 MultiPolygon"
                ),
            )
        }
    };
    validate(&g)?;
    Ok(g)
}

/// Polygon validity as geo explains it (self-intersections, holes outside, overlaps).
fn validate(g: &Geometry<f64>) -> Result<(), GeometryError> {
    let reason = match g {
        Geometry::Polygon(p) => p.check_validation().err().map(|e| e.to_string()),
        Geometry::MultiPolygon(m) => m.check_validation().err().map(|e| e.to_string()),
        _ => None,
    };
    match reason {
        // geo's explanation stays in geo's words.
        Some(r) => err(
            "geometry",
            text!("invalid polygon: {r}", "无效的多边形：{r}"),
        ),
        None => Ok(()),
    }
}
