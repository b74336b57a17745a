//! What loading refused and why: each refusal with its file, feature (index and id), field
//! and reason, and per layer what was kept. The loader writes it; the snapshot keeps it for
//! `/api/layers` and `check`; an edit rewrites its layer's part.

use std::fmt;
use std::path::PathBuf;

use crate::lang::Text;

/// One refusal: where and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The file, as declared in the catalog (relative to the data directory).
    pub file: PathBuf,
    /// The feature's index in `features` and its id when it has one.
    pub feature: Option<(usize, Option<String>)>,
    /// The offending field (`id`, `geometry.coordinates[0][3]`, a property name).
    pub field: Option<String>,
    /// Why, in both languages.
    pub reason: Text,
}

impl Problem {
    /// The whole refusal in both languages: `Display` is the English; the Chinese keeps the
    /// file, index, id and field as they are (`nursing_rooms.geojson：features[3]（id "x"）：字段 "name"：…`).
    pub fn text(&self) -> Text {
        Text::each(|lang| {
            let zh = lang == crate::lang::Lang::Zh;
            let mut s = self.file.display().to_string();
            if let Some((i, id)) = &self.feature {
                s.push_str(if zh { "：" } else { ": " });
                s.push_str(&format!("features[{i}]"));
                if let Some(id) = id {
                    s.push_str(&if zh {
                        format!("（id {id:?}）")
                    } else {
                        format!(" (id {id:?})")
                    });
                }
            }
            if let Some(field) = &self.field {
                s.push_str(&if zh {
                    format!("：字段 \"{field}\"")
                } else {
                    format!(": field \"{field}\"")
                });
            }
            s.push_str(if zh { "：" } else { ": " });
            s.push_str(self.reason.get(lang));
            s
        })
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some((i, id)) = &self.feature {
            write!(f, ": features[{i}]")?;
            if let Some(id) = id {
                write!(f, " (id {id:?})")?;
            }
        }
        if let Some(field) = &self.field {
            write!(f, ": field \"{field}\"")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// Everything the loader refused, and what it kept.
#[derive(Debug, Clone, Default)]
pub struct LoadReport {
    /// Refusals, in file and feature order.
    pub problems: Vec<Problem>,
    /// Per layer: (layer id, features kept, features refused).
    pub counts: Vec<(String, usize, usize)>,
}

impl LoadReport {
    /// Whether anything was refused.
    pub fn has_errors(&self) -> bool {
        !self.problems.is_empty()
    }
}
