//! Property validation against a layer kind's schema ([`crate::model::LayerKind::fields`]).

use serde_json::{Map, Value};

use opening_hours::OpeningHours;

use crate::lang::Text;
use crate::model::{parse_hours, Field, FieldType, LayerKind, COMMON_FIELDS};
use crate::text;

/// One property problem: the field and why.
pub type PropertyError = (String, Text);

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
                text!("required property is missing", "缺少必填属性"),
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
            text!(
                "a synthetic feature must say where it came from",
                "合成要素必须注明来源"
            ),
        ));
    }
    out
}

fn check_value(f: &Field, v: &Value) -> Result<(), Text> {
    match f.ty {
        FieldType::Text => text(v).map(|_| ()),
        FieldType::Number { min } => match v.as_f64() {
            Some(x) if x >= min => Ok(()),
            Some(x) => Err(text!(
                "{x} is below the minimum {min}",
                "{x} 低于最小值 {min}"
            )),
            None => Err(text!(
                "expected a number, found {v}",
                "应为数字，给出的是 {v}"
            )),
        },
        FieldType::Integer { min } => match v.as_i64() {
            Some(x) if x >= min => Ok(()),
            Some(x) => Err(text!(
                "{x} is below the minimum {min}",
                "{x} 低于最小值 {min}"
            )),
            None => Err(text!(
                "expected a whole number, found {v}",
                "应为整数，给出的是 {v}"
            )),
        },
        FieldType::Bool => v.as_bool().map(|_| ()).ok_or_else(|| {
            text!(
                "expected true or false, found {v}",
                "应为 true 或 false，给出的是 {v}"
            )
        }),
        FieldType::Enum(allowed) => {
            let s = text(v)?;
            if allowed.contains(&s) {
                Ok(())
            } else {
                Err(not_one_of(s, allowed))
            }
        }
        FieldType::EnumList(allowed) => list(v, |s| {
            if allowed.contains(&s) {
                Ok(())
            } else {
                Err(not_one_of(s, allowed))
            }
        }),
        FieldType::TextList => list(v, |_| Ok(())),
        FieldType::TimeList => list(v, |s| {
            chrono::NaiveTime::parse_from_str(s, "%H:%M")
                .map(|_| ())
                .map_err(|_| text!("{s:?} is not a time HH:MM", "{s:?} 不是 HH:MM 格式的时间"))
        }),
        FieldType::OpeningHours => opening_hours(v).map(|_| ()),
        FieldType::Date => {
            let s = text(v)?;
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(|_| ())
                .map_err(|_| {
                    text!(
                        "{s:?} is not a date YYYY-MM-DD",
                        "{s:?} 不是 YYYY-MM-DD 格式的日期"
                    )
                })
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
                _ => Err(text!(
                    "{v} is not a [lon, lat] position in range",
                    "{v} 不是范围内的 [lon, lat] 位置"
                )),
            },
            _ => Err(text!(
                "expected a [lon, lat] position, found {v}",
                "应为 [lon, lat] 位置，给出的是 {v}"
            )),
        },
    }
}

fn not_one_of(s: &str, allowed: &[&str]) -> Text {
    text!(
        "{s:?} is not one of {}",
        "{s:?} 不在可选值中：{}",
        allowed.join(", ")
    )
}

/// The hours; a parser's refusal is given in the parser's words, one line.
fn opening_hours(v: &Value) -> Result<OpeningHours, Text> {
    let s = text(v)?;
    parse_hours(s).map_err(|e| {
        let why = one_line(&e);
        text!(
            "{s:?} is not valid OpenStreetMap opening_hours: {why}",
            "{s:?} 不是有效的 OpenStreetMap opening_hours：{why}"
        )
    })
}

fn text(v: &Value) -> Result<&str, Text> {
    match v.as_str() {
        Some(s) if !s.trim().is_empty() => Ok(s),
        Some(_) => Err(text!("must not be empty", "不能为空")),
        None => Err(text!(
            "expected a string, found {v}",
            "应为字符串，给出的是 {v}"
        )),
    }
}

fn list(v: &Value, item: impl Fn(&str) -> Result<(), Text>) -> Result<(), Text> {
    let arr = v.as_array().ok_or_else(|| {
        text!(
            "expected an array of strings, found {v}",
            "应为字符串数组，给出的是 {v}"
        )
    })?;
    let at = |i: usize, r: Text| {
        Text::new(
            format!("item {i}: {}", r.en()),
            format!("第 {i} 项：{}", r.zh()),
        )
    };
    for (i, x) in arr.iter().enumerate() {
        let s = text(x).map_err(|r| at(i, r))?;
        item(s).map_err(|r| at(i, r))?;
    }
    Ok(())
}

/// Collapse a multi-line parser message into one line.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
