//! Property validation against a layer kind's schema ([`crate::model::LayerKind::fields`]).

use serde_json::{Map, Value};

use opening_hours::OpeningHours;

use crate::model::{parse_hours, Field, FieldType, LayerKind, COMMON_FIELDS};

/// One property problem: the field and why.
pub type PropertyError = (String, String);

/// What checking a feature's properties found.
#[derive(Debug, Default)]
pub struct Checked {
    /// Every problem, in schema order.
    pub errors: Vec<PropertyError>,
    /// The parsed `opening_hours`, when the feature has valid ones: handed to the layer, so
    /// the hours are parsed once.
    pub hours: Option<OpeningHours>,
}

/// Check `props` against the schema of `kind`.
pub fn check_properties(kind: LayerKind, props: &Map<String, Value>) -> Checked {
    let mut out = Checked::default();
    for f in COMMON_FIELDS.iter().chain(kind.fields()) {
        match props.get(f.name) {
            None | Some(Value::Null) if f.required => out.errors.push((
                f.name.to_string(),
                "required property is missing".to_string(),
            )),
            None | Some(Value::Null) => {}
            Some(v) if f.ty == FieldType::OpeningHours => match opening_hours(v) {
                Ok(oh) => out.hours = Some(oh),
                Err(reason) => out.errors.push((f.name.to_string(), reason)),
            },
            Some(v) => {
                if let Err(reason) = check_value(f, v) {
                    out.errors.push((f.name.to_string(), reason));
                }
            }
        }
    }
    if props.get("synthetic") == Some(&Value::Bool(true)) && !props.contains_key("source") {
        out.errors.push((
            "source".to_string(),
            "a synthetic feature must say where it came from".to_string(),
        ));
    }
    out
}

fn check_value(f: &Field, v: &Value) -> Result<(), String> {
    match f.ty {
        FieldType::Text => text(v).map(|_| ()),
        FieldType::Number { min } => match v.as_f64() {
            Some(x) if x >= min => Ok(()),
            Some(x) => Err(format!("{x} is below the minimum {min}")),
            None => Err(format!("expected a number, found {v}")),
        },
        FieldType::Integer { min } => match v.as_i64() {
            Some(x) if x >= min => Ok(()),
            Some(x) => Err(format!("{x} is below the minimum {min}")),
            None => Err(format!("expected a whole number, found {v}")),
        },
        FieldType::Bool => v
            .as_bool()
            .map(|_| ())
            .ok_or_else(|| format!("expected true or false, found {v}")),
        FieldType::Enum(allowed) => {
            let s = text(v)?;
            if allowed.contains(&s) {
                Ok(())
            } else {
                Err(format!("{s:?} is not one of {}", allowed.join(", ")))
            }
        }
        FieldType::EnumList(allowed) => list(v, |s| {
            if allowed.contains(&s) {
                Ok(())
            } else {
                Err(format!("{s:?} is not one of {}", allowed.join(", ")))
            }
        }),
        FieldType::TextList => list(v, |_| Ok(())),
        FieldType::TimeList => list(v, |s| {
            chrono::NaiveTime::parse_from_str(s, "%H:%M")
                .map(|_| ())
                .map_err(|_| format!("{s:?} is not a time HH:MM"))
        }),
        FieldType::OpeningHours => opening_hours(v).map(|_| ()),
        FieldType::Date => {
            let s = text(v)?;
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(|_| ())
                .map_err(|_| format!("{s:?} is not a date YYYY-MM-DD"))
        }
        FieldType::Position => match v
            .as_array()
            .map(|a| a.iter().map(Value::as_f64).collect::<Vec<_>>())
        {
            Some(a) if a.len() == 2 => match (a[0], a[1]) {
                (Some(lon), Some(lat))
                    if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) =>
                {
                    Ok(())
                }
                _ => Err(format!("{v} is not a [lon, lat] position in range")),
            },
            _ => Err(format!("expected a [lon, lat] position, found {v}")),
        },
    }
}

fn opening_hours(v: &Value) -> Result<OpeningHours, String> {
    let s = text(v)?;
    parse_hours(s).map_err(|e| {
        format!(
            "{s:?} is not valid OpenStreetMap opening_hours: {}",
            one_line(&e)
        )
    })
}

fn text(v: &Value) -> Result<&str, String> {
    match v.as_str() {
        Some(s) if !s.trim().is_empty() => Ok(s),
        Some(_) => Err("must not be empty".to_string()),
        None => Err(format!("expected a string, found {v}")),
    }
}

fn list(v: &Value, item: impl Fn(&str) -> Result<(), String>) -> Result<(), String> {
    let arr = v
        .as_array()
        .ok_or_else(|| format!("expected an array of strings, found {v}"))?;
    for (i, x) in arr.iter().enumerate() {
        let s = text(x).map_err(|r| format!("item {i}: {r}"))?;
        item(s).map_err(|r| format!("item {i}: {r}"))?;
    }
    Ok(())
}

/// Collapse a multi-line parser message into one line.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
