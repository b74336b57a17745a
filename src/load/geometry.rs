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

/// A geometry problem: where in the geometry (a JSON path such as
/// `geometry.coordinates[0][3]`) and why.
#[derive(Debug, Clone, PartialEq)]
pub struct GeometryError {
    /// Path of the offending member.
    pub field: String,
    /// Why it was refused.
    pub reason: String,
}

fn err<T>(field: impl Into<String>, reason: impl Into<String>) -> Result<T, GeometryError> {
    Err(GeometryError {
        field: field.into(),
        reason: reason.into(),
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
                return err(
                    path.to_string(),
                    format!(
                        "a position must be an array of numbers, found {}",
                        kind_of(v)
                    ),
                )
            }
        };
        if arr.len() < 2 || arr.len() > 3 {
            return err(
                path.to_string(),
                format!("a position must have 2 or 3 numbers, found {}", arr.len()),
            );
        }
        let mut xy = [0.0; 2];
        for (i, n) in arr.iter().enumerate() {
            let x = match n.as_f64() {
                Some(x) => x,
                None => {
                    return err(
                        format!("{path}[{i}]"),
                        format!("expected a number, found {}", kind_of(n)),
                    )
                }
            };
            if !x.is_finite() {
                return err(format!("{path}[{i}]"), "number is not finite");
            }
            if i < 2 {
                xy[i] = x;
            }
        }
        if self.crs.is_geographic_degrees() {
            check_lonlat(xy, path, "")?;
        }
        if self.crs == Crs::Wgs84 {
            // No transform: the check above was the whole check.
            return Ok(Coord { x: xy[0], y: xy[1] });
        }
        let (lon, lat) = match self.crs.to_wgs84(xy[0], xy[1]) {
            Ok(p) => p,
            Err(e) => return err(path.to_string(), e.to_string()),
        };
        check_lonlat(
            [lon, lat],
            path,
            &format_args!(" after transforming from {}", self.crs),
        )?;
        Ok(Coord { x: lon, y: lat })
    }

    fn positions(&self, v: &Value, path: &str) -> Result<Vec<Coord<f64>>, GeometryError> {
        let arr = array(v, path, "an array of positions")?;
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
                format!("a line needs at least 2 positions, found {}", coords.len()),
            );
        }
        Ok(LineString(coords))
    }

    fn ring(&self, v: &Value, path: &str, which: &str) -> Result<LineString<f64>, GeometryError> {
        let raw = array(v, path, "an array of positions")?;
        let coords = self.positions(v, path)?;
        if coords.len() < 4 {
            return err(
                path,
                format!(
                    "{which} needs at least 4 positions (a closed triangle), found {}",
                    coords.len()
                ),
            );
        }
        // Closure is checked on the numbers as written, before any transform.
        if raw.first() != raw.last() {
            return err(
                path,
                format!(
                    "{which} is not closed: the first position {} differs from the last {}",
                    raw[0],
                    raw[raw.len() - 1]
                ),
            );
        }
        Ok(LineString(coords))
    }

    fn polygon(&self, v: &Value, path: &str) -> Result<Polygon<f64>, GeometryError> {
        let rings = array(v, path, "an array of rings")?;
        if rings.is_empty() {
            return err(path, "a polygon needs at least one ring");
        }
        let mut it = rings.iter().enumerate().map(|(i, r)| {
            let which = if i == 0 {
                "the exterior ring".to_string()
            } else {
                format!("interior ring {}", i - 1)
            };
            self.ring(r, &format!("{path}[{i}]"), &which)
        });
        let exterior = it.next().expect("checked non-empty")?;
        let interiors = it.collect::<Result<Vec<_>, _>>()?;
        Ok(Polygon::new(exterior, interiors))
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn array<'v>(v: &'v Value, path: &str, what: &str) -> Result<&'v Vec<Value>, GeometryError> {
    match v.as_array() {
        Some(a) => Ok(a),
        None => err(path, format!("expected {what}, found {}", kind_of(v))),
    }
}

fn check_lonlat<P: fmt::Display + ?Sized, A: fmt::Display + ?Sized>(
    p: [f64; 2],
    path: &P,
    after: &A,
) -> Result<(), GeometryError> {
    if !(-180.0..=180.0).contains(&p[0]) {
        return err(
            path.to_string(),
            format!("longitude {} is outside -180..180{after}", p[0]),
        );
    }
    if !(-90.0..=90.0).contains(&p[1]) {
        return err(
            path.to_string(),
            format!(
                "latitude {} is outside -90..90{after} (positions are [lon, lat])",
                p[1]
            ),
        );
    }
    Ok(())
}

/// Read a GeoJSON geometry object in `crs` into a WGS84 geometry, or say what is wrong.
pub fn read_geometry(v: &Value, crs: Crs) -> Result<Geometry<f64>, GeometryError> {
    let obj = match v {
        Value::Object(o) => o,
        Value::Null => return err("geometry", "missing: every feature needs a geometry"),
        other => {
            return err(
                "geometry",
                format!("expected an object, found {}", kind_of(other)),
            )
        }
    };
    let ty = match obj.get("type").and_then(Value::as_str) {
        Some(t) => t,
        None => return err("geometry.type", "missing"),
    };
    let r = Reader { crs };
    let c = match obj.get("coordinates") {
        Some(c) => c,
        None if ty == "GeometryCollection" => {
            return err(
                "geometry.type",
                "GeometryCollection is not supported: split it into features",
            )
        }
        None => return err("geometry.coordinates", "missing"),
    };
    let p = "geometry.coordinates";
    let g = match ty {
        "Point" => Geometry::Point(Point(r.position(c, p)?)),
        "MultiPoint" => {
            let pts = r.positions(c, p)?;
            if pts.is_empty() {
                return err(p, "a MultiPoint needs at least one position");
            }
            Geometry::MultiPoint(MultiPoint(pts.into_iter().map(Point).collect()))
        }
        "LineString" => Geometry::LineString(r.line(c, p)?),
        "MultiLineString" => {
            let lines = array(c, p, "an array of lines")?;
            if lines.is_empty() {
                return err(p, "a MultiLineString needs at least one line");
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
            let polys = array(c, p, "an array of polygons")?;
            if polys.is_empty() {
                return err(p, "a MultiPolygon needs at least one polygon");
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
                format!("unknown geometry type {other:?}: use Point, MultiPoint, LineString, MultiLineString, Polygon or MultiPolygon"),
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
        Some(r) => err("geometry", format!("invalid polygon: {r}")),
        None => Ok(()),
    }
}
