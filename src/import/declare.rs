//! Adding or replacing `[[layer]]` entries of a `layers.toml` while keeping every other byte:
//! comments, order, spacing and the entries of other layers stay exactly as written.
//!
//! The text is cut into entries at each `[[layer]]` header line; the comment and blank lines
//! just above a header belong to that entry (they usually describe it), the lines above the
//! first header are the preamble. An entry is replaced in place; a new one is appended. The
//! result is parsed again with the catalog's own checks, and must declare the same layers as
//! before, in the same order, but for the ones replaced or added: otherwise the edit is
//! refused rather than written (a catalog laid out in a way this cutting does not follow,
//! such as a header inside a multi-line string, is then to be edited by hand).

use std::path::Path;

use super::ImportError;
use crate::catalog::parse_catalog;
use crate::model::LayerKind;

/// One entry to declare.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The layer id.
    pub id: &'static str,
    /// The layer kind, as written in the catalog.
    pub kind: &'static str,
    /// The file, relative to the data directory.
    pub file: &'static str,
    /// The entry's text, `[[layer]]` header included, ending in a newline.
    pub text: String,
}

/// What became of each entry (for the summary).
#[derive(Debug, Clone, PartialEq)]
pub enum Declared {
    /// Added at the end.
    Added(&'static str),
    /// Replaced an entry with this id.
    Replaced(&'static str, String),
}

/// A catalog cut into its preamble and entries.
struct Cut<'a> {
    preamble: &'a str,
    entries: Vec<&'a str>,
}

fn is_header(line: &str) -> bool {
    let t = line.trim_start();
    t.strip_prefix("[[layer]]")
        .is_some_and(|rest| rest.trim().is_empty() || rest.trim_start().starts_with('#'))
}

fn cut(text: &str) -> Cut<'_> {
    let lines: Vec<(usize, &str)> = text
        .split_inclusive('\n')
        .scan(0, |at, l| {
            let start = *at;
            *at += l.len();
            Some((start, l))
        })
        .collect();
    let headers: Vec<usize> = (0..lines.len())
        .filter(|&i| is_header(lines[i].1))
        .collect();
    if headers.is_empty() {
        return Cut {
            preamble: text,
            entries: Vec::new(),
        };
    }
    // Each entry starts at its header, or above it where comments and blank lines lead up
    // to it (not for the first entry: those lines are the file's preamble).
    let mut starts: Vec<usize> = Vec::with_capacity(headers.len());
    for (k, &h) in headers.iter().enumerate() {
        let mut s = h;
        if k > 0 {
            while s > headers[k - 1] + 1 {
                let t = lines[s - 1].1.trim();
                if t.is_empty() || t.starts_with('#') {
                    s -= 1;
                } else {
                    break;
                }
            }
        }
        starts.push(lines[s].0);
    }
    let mut entries = Vec::with_capacity(starts.len());
    for k in 0..starts.len() {
        let end = starts.get(k + 1).copied().unwrap_or(text.len());
        entries.push(&text[starts[k]..end]);
    }
    Cut {
        preamble: &text[..starts[0]],
        entries,
    }
}

/// Id, kind and file of one entry's text, as the TOML parser reads them.
fn fields(entry: &str) -> Option<(String, String, String)> {
    let v: toml::Value = toml::from_str(entry).ok()?;
    let layer = v.get("layer")?.as_array()?.first()?;
    let s = |k: &str| layer.get(k).and_then(|x| x.as_str()).map(str::to_string);
    Some((s("id")?, s("kind")?, s("file")?))
}

/// Declare `new` in the catalog `text` (None: no catalog yet; `preamble` starts a new one).
/// An existing entry is replaced when it has the same id, or is a second layer of the same
/// kind `network` (a catalog holds one). Returns the new text and what was done.
pub fn declare(
    text: Option<&str>,
    path: &Path,
    new: &[Entry],
    preamble: &str,
) -> Result<(String, Vec<Declared>), ImportError> {
    let refuse = |reason: String| ImportError::Out {
        path: path.to_path_buf(),
        reason,
    };
    let Some(text) = text else {
        let mut out = preamble.to_string();
        for e in new {
            out.push('\n');
            out.push_str(&e.text);
        }
        check(&out, path, &[], new)?;
        return Ok((out, new.iter().map(|e| Declared::Added(e.id)).collect()));
    };
    let before = parse_catalog(text, path).map_err(|e| {
        refuse(format!(
            "the catalog is refused ({e}); fix it first: nothing was written"
        ))
    })?;
    let cut = cut(text);
    let mut parts: Vec<String> = cut.entries.iter().map(|s| s.to_string()).collect();
    let mut replaced = vec![false; parts.len()];
    let mut done = Vec::new();
    for e in new {
        let mut at = None;
        for (i, part) in cut.entries.iter().enumerate() {
            let Some((id, kind, file)) = fields(part) else {
                return Err(refuse(format!(
                    "cannot read the entry at byte {} on its own; edit the catalog by hand to declare layer \"{}\"",
                    part.as_ptr() as usize - text.as_ptr() as usize,
                    e.id
                )));
            };
            let same_id = id == e.id;
            let same_one_of_a_kind = e.kind == "network" && kind == "network";
            if same_id && kind != e.kind {
                return Err(refuse(format!(
                    "layer \"{id}\" is of kind \"{kind}\"; nestmap import-osm declares a layer \"{}\" of kind \"{}\": rename that layer first (nothing was written)",
                    e.id, e.kind
                )));
            }
            if same_id || same_one_of_a_kind {
                if at.is_none() {
                    at = Some((i, id));
                }
            } else if file == e.file {
                return Err(refuse(format!(
                    "layer \"{id}\" already uses the file \"{file}\", which nestmap import-osm writes; move that layer's file first (nothing was written)"
                )));
            }
        }
        match at {
            Some((i, old_id)) => {
                // Keep the old entry's leading comment and blank lines, but for the line a
                // new entry brings itself (the same first line, e.g. where it came from).
                let own = e.text.lines().next().unwrap_or_default();
                let own_kind = own.split(" from ").next().unwrap_or(own);
                let lead: String = parts[i]
                    .split_inclusive('\n')
                    .take_while(|l| !is_header(l))
                    .filter(|l| !(own.starts_with('#') && l.starts_with(own_kind)))
                    .collect();
                parts[i] = format!("{lead}{}", e.text);
                replaced[i] = true;
                done.push(Declared::Replaced(e.id, old_id));
            }
            None => {
                parts.push(format!("\n{}", e.text));
                replaced.push(true);
                done.push(Declared::Added(e.id));
            }
        }
    }
    let mut out = cut.preamble.to_string();
    for p in &parts {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(p);
    }
    let kept: Vec<String> = before
        .iter()
        .filter(|s| {
            !new.iter()
                .any(|e| s.id == e.id || (e.kind == "network" && s.kind == LayerKind::Network))
        })
        .map(|s| s.id.clone())
        .collect();
    check(&out, path, &kept, new)?;
    Ok((out, done))
}

/// The new catalog must parse and declare the kept layers, in order, and the new ones.
fn check(out: &str, path: &Path, kept: &[String], new: &[Entry]) -> Result<(), ImportError> {
    let after = parse_catalog(out, path).map_err(|e| ImportError::Out {
        path: path.to_path_buf(),
        reason: format!(
            "the edited catalog would be refused ({e}); edit it by hand: nothing was written"
        ),
    })?;
    let after_kept: Vec<&str> = after
        .iter()
        .map(|s| s.id.as_str())
        .filter(|id| !new.iter().any(|e| e.id == *id))
        .collect();
    let all_new = new.iter().all(|e| after.iter().any(|s| s.id == e.id));
    if after_kept != kept.iter().map(String::as_str).collect::<Vec<_>>() || !all_new {
        return Err(ImportError::Out {
            path: path.to_path_buf(),
            reason: format!(
                "editing the catalog would change layers other than {}; declare them by hand: nothing was written",
                new.iter().map(|e| e.id).collect::<Vec<_>>().join(" and ")
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &'static str, kind: &'static str, file: &'static str) -> Entry {
        Entry {
            id,
            kind,
            file,
            text: format!(
                "[[layer]]\nid = \"{id}\"\ntitle_zh = \"新\"\ntitle_en = \"New\"\nkind = \"{kind}\"\nfile = \"{file}\"\n"
            ),
        }
    }

    const OLD: &str = "# my catalog\n\n[[layer]]\nid = \"district\"\ntitle_zh = \"区\"\ntitle_en = \"D\"\nkind = \"district\"   # keep this comment\nfile = \"district.geojson\"\n\n# the old walking network\n[[layer]]\nid = \"walk\"\ntitle_zh = \"旧\"\ntitle_en = \"Old\"\nkind = \"network\"\nfile = \"old.nnet\"\n\n[[layer]]\nid = \"parks\"\ntitle_zh = \"园\"\ntitle_en = \"P\"\nkind = \"pocket_parks\"\nfile = \"parks.geojson\"\n";

    #[test]
    fn other_entries_keep_every_byte_and_a_network_is_replaced_in_place() {
        let new = [
            entry("roads", "roads", "roads.geojson"),
            entry("network", "network", "network.nnet"),
        ];
        let (out, done) = declare(Some(OLD), Path::new("layers.toml"), &new, "").unwrap();
        let district = &OLD[..OLD.find("# the old").unwrap()];
        let parks = &OLD[OLD.find("\n[[layer]]\nid = \"parks\"").unwrap()..];
        assert!(out.starts_with(district), "{out}");
        assert!(out.contains(parks), "{out}");
        assert!(out.contains("# the old walking network\n[[layer]]\nid = \"network\""));
        assert!(!out.contains("old.nnet"));
        assert!(out.ends_with(&new[0].text), "roads appended: {out}");
        assert_eq!(
            done,
            vec![
                Declared::Added("roads"),
                Declared::Replaced("network", "walk".into())
            ]
        );
        // Again: both replaced, nothing else moves.
        let (again, done) = declare(Some(&out), Path::new("layers.toml"), &new, "").unwrap();
        assert_eq!(again, out);
        assert!(matches!(done[0], Declared::Replaced("roads", _)));
        // An entry's own comment is replaced with it, not doubled; the user's stays.
        let mut commented = new.clone();
        for e in &mut commented {
            e.text = format!("# Written by x from a.pbf.\n{}", e.text);
        }
        let (once, _) = declare(Some(OLD), Path::new("layers.toml"), &commented, "").unwrap();
        for e in &mut commented {
            e.text = e.text.replace("a.pbf", "b.pbf");
        }
        let (twice, _) = declare(Some(&once), Path::new("layers.toml"), &commented, "").unwrap();
        assert_eq!(twice.matches("# Written by x from").count(), 2, "{twice}");
        assert_eq!(twice, once.replace("a.pbf", "b.pbf"));
        assert!(twice.contains("# the old walking network\n# Written by x from b.pbf.\n[[layer]]"));
    }

    #[test]
    fn a_conflicting_layer_is_refused_naming_it() {
        let text = OLD.replace("id = \"parks\"", "id = \"roads\"");
        let err = declare(
            Some(&text),
            Path::new("d/layers.toml"),
            &[entry("roads", "roads", "roads.geojson")],
            "",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("d/layers.toml") && err.contains("\"roads\" is of kind \"pocket_parks\""),
            "{err}"
        );
        let text = OLD.replace("parks.geojson", "roads.geojson");
        let err = declare(
            Some(&text),
            Path::new("layers.toml"),
            &[entry("roads", "roads", "roads.geojson")],
            "",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("already uses the file \"roads.geojson\""),
            "{err}"
        );
    }

    #[test]
    fn no_catalog_gives_a_new_one() {
        let (out, _) = declare(
            None,
            Path::new("layers.toml"),
            &[entry("network", "network", "network.nnet")],
            "# new\n",
        )
        .unwrap();
        assert_eq!(parse_catalog(&out, Path::new("x")).unwrap().len(), 1);
        assert!(out.starts_with("# new\n"));
    }
}
