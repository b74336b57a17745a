//! How an edit reaches the disk: which bytes of a layer file it changes, and how they are
//! written so that no crash loses or halves them.
//!
//! Layout ([`FileLayout`]): an edit changes only the edited feature's bytes. Every feature's
//! byte span is located in the file's text, and one span is replaced, removed (with one
//! separator) or one added after the last feature (with the separator the file already uses
//! between features); the header, the trailer, the separators and every other feature stay
//! byte for byte as they were. So a file written by `nestmap generate` (one feature per line)
//! keeps one feature per line, and its diff shows the edited line only.
//!
//! Durability: a layer file is replaced atomically (write a temporary file beside it, fsync
//! it, rename it over the old one, fsync the directory), and every edit is appended to an
//! audit log and fsynced, all before the client hears "done". A crash at any moment leaves
//! either the old file or the new one, never half of either.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::ops::Range;
use std::path::Path;

use serde_json::value::RawValue;

/// Where the features of a layer file lie in its text: the byte span of the `features`
/// array (`[` to `]`) and of each of its members (without the whitespace and commas around
/// it). Built by [`FileLayout::read`]; the edits return the new text.
#[derive(Debug, Clone)]
pub struct FileLayout<'t> {
    text: &'t str,
    /// Offset of the array's `[`.
    open: usize,
    /// Offset of the array's `]`.
    close: usize,
    /// Each feature's span, in file order.
    spans: Vec<Range<usize>>,
}

/// The offset of `part` in `text`, when `part` is a slice of it.
fn offset_in(text: &str, part: &str) -> Option<usize> {
    let at = (part.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    (at + part.len() <= text.len()).then_some(at)
}

impl<'t> FileLayout<'t> {
    /// Locate the features of a layer file's `text`, or say why they cannot be located (not
    /// JSON, not an object, no `features` array). The features themselves are not checked.
    pub fn read(text: &'t str) -> Result<Self, crate::lang::Text> {
        use crate::text;
        #[derive(serde::Deserialize)]
        struct Collection<'a> {
            #[serde(borrow)]
            features: Option<&'a RawValue>,
        }
        if !text.trim_start().starts_with('{') {
            return Err(text!("not a JSON object", "不是 JSON 对象"));
        }
        let c: Collection = serde_json::from_str(text)
            .map_err(|e| text!("cannot locate the features: {e}", "找不到要素：{e}"))?;
        let array = c
            .features
            .ok_or_else(|| text!("no \"features\" member", "没有 \"features\" 成员"))?
            .get();
        let items: Vec<&RawValue> = serde_json::from_str(array)
            .map_err(|_| text!("\"features\" is not an array", "\"features\" 不是数组"))?;
        let lost = || {
            text!(
                "a feature's text is not part of the file",
                "某个要素的文本不在文件中"
            )
        };
        let open = offset_in(text, array).ok_or_else(lost)?;
        let spans = items
            .iter()
            .map(|f| {
                let s = f.get();
                offset_in(text, s).map(|at| at..at + s.len())
            })
            .collect::<Option<Vec<_>>>()
            .ok_or_else(lost)?;
        Ok(FileLayout {
            text,
            open,
            close: open + array.len() - 1,
            spans,
        })
    }

    /// How many features the file has.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether the `features` array is empty.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The text of feature `i`, exactly as in the file.
    pub fn feature(&self, i: usize) -> &'t str {
        &self.text[self.spans[i].clone()]
    }

    /// Every feature's text, in file order.
    pub fn features(&self) -> impl Iterator<Item = &'t str> + '_ {
        self.spans.iter().map(|s| &self.text[s.clone()])
    }

    /// The text with `with` in place of `cut`.
    fn spliced(&self, cut: Range<usize>, with: &str) -> String {
        let mut out = String::with_capacity(self.text.len() + with.len());
        out.push_str(&self.text[..cut.start]);
        out.push_str(with);
        out.push_str(&self.text[cut.end..]);
        out
    }

    /// The text with feature `i` replaced by `feature`.
    pub fn replaced(&self, i: usize, feature: &str) -> String {
        self.spliced(self.spans[i].clone(), feature)
    }

    /// The text without feature `i` and one separator: the one after it, or before it when
    /// it is the last; the only feature goes with the whitespace after it.
    pub fn removed(&self, i: usize) -> String {
        let s = &self.spans;
        let cut = if s.len() == 1 {
            s[0].start..self.close
        } else if i + 1 < s.len() {
            s[i].start..s[i + 1].start
        } else {
            s[i - 1].end..s[i].end
        };
        self.spliced(cut, "")
    }

    /// The text with `feature` added after the last feature, after the separator the file
    /// uses between features (with one feature: a comma and the whitespace before the
    /// first; with none, it goes right after `[` and the array's inner whitespace, which is
    /// kept on both sides: `[\n]` becomes `[\n{..}\n]`).
    pub fn appended(&self, feature: &str) -> String {
        let s = &self.spans;
        let (at, sep) = match s.len() {
            0 => (
                self.open + 1,
                self.text[self.open + 1..self.close].to_string(),
            ),
            1 => (
                s[0].end,
                format!(",{}", &self.text[self.open + 1..s[0].start]),
            ),
            n => (
                s[n - 1].end,
                self.text[s[n - 2].end..s[n - 1].start].to_string(),
            ),
        };
        self.spliced(at..at, &format!("{sep}{feature}"))
    }
}

/// Replace `path` with `bytes` atomically and durably.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    File::open(dir)?.sync_all()
}

/// Append one line to the audit log and fsync it.
pub fn append_line(path: &Path, line: &str) -> io::Result<()> {
    let mut f = OpenOptions::new().create(true).append(true).open(path)?;
    f.write_all(line.as_bytes())?;
    f.write_all(b"\n")?;
    f.sync_data()
}

/// Remove temporary files (`.{name}.tmp-{pid}`) that a process killed inside
/// [`write_atomic`] left in `dir`, skipping those of a process still running. Returns what
/// was removed. The loader never reads them; this only tidies the directory.
pub fn remove_stale_temp(dir: &Path) -> io::Result<Vec<std::path::PathBuf>> {
    let mut removed = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(pid) = name
            .strip_prefix('.')
            .and_then(|n| n.rsplit_once(".tmp-"))
            .and_then(|(_, pid)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let alive = pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists();
        if !alive && path.is_file() {
            fs::remove_file(&path)?;
            removed.push(path);
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feature(id: &str) -> serde_json::Value {
        serde_json::json!({"type": "Feature", "id": id, "geometry": null,
            "properties": {"name": format!("名 {id}"), "note": "a \"quoted\", [bracketed] text\n"}})
    }

    /// Each edit of a file as `nestmap generate` writes it gives exactly the file it would
    /// write for the edited features: same header, separators and trailer.
    #[test]
    fn edits_of_a_generated_file_give_the_generated_file_of_the_result() {
        let gen = |ids: &[&str]| {
            let fs: Vec<_> = ids.iter().map(|i| feature(i)).collect();
            crate::sample::collection("rooms", &fs)
        };
        let all = ["a", "b", "c", "d"];
        for n in 0..all.len() {
            let ids = &all[..n];
            let text = gen(ids);
            let layout = FileLayout::read(&text).unwrap();
            assert_eq!(layout.len(), n);
            for (i, f) in layout.features().enumerate() {
                assert_eq!(f, feature(ids[i]).to_string());
            }
            let new = feature("new").to_string();
            let mut plus = ids.to_vec();
            plus.push("new");
            assert_eq!(layout.appended(&new), gen(&plus), "append to {n}");
            for i in 0..n {
                let mut minus = ids.to_vec();
                minus.remove(i);
                assert_eq!(layout.removed(i), gen(&minus), "remove {i} of {n}");
                let mut swapped = ids.to_vec();
                swapped[i] = "new";
                assert_eq!(
                    layout.replaced(i, &new),
                    gen(&swapped),
                    "replace {i} of {n}"
                );
            }
        }
    }

    #[test]
    fn other_layouts_keep_their_own_separators() {
        let (a, b) = (feature("a").to_string(), feature("b").to_string());
        // Compact, on one line.
        let text = format!("{{\"type\":\"FeatureCollection\",\"features\":[{a}]}}");
        let l = FileLayout::read(&text).unwrap();
        let two = format!("{{\"type\":\"FeatureCollection\",\"features\":[{a},{b}]}}");
        assert_eq!(l.appended(&b), two);
        assert_eq!(
            FileLayout::read(&two).unwrap().removed(0),
            text.replace(&a, &b)
        );
        let empty = "{\"features\":[],\"type\":\"FeatureCollection\"}";
        assert_eq!(
            FileLayout::read(empty).unwrap().appended(&a),
            empty.replace("[]", &format!("[{a}]"))
        );
        // Indented, CRLF, members after the array.
        let text = format!(
            "{{\r\n  \"features\": [\r\n    {a},\r\n    {b}\r\n  ],\r\n  \"type\": \"FeatureCollection\"\r\n}}\r\n"
        );
        let l = FileLayout::read(&text).unwrap();
        let c = feature("c").to_string();
        assert_eq!(
            l.appended(&c),
            text.replace(&format!("{b}\r\n"), &format!("{b},\r\n    {c}\r\n"))
        );
        assert_eq!(l.removed(1), text.replace(&format!(",\r\n    {b}"), ""));
    }

    #[test]
    fn a_file_whose_features_cannot_be_located_says_why() {
        for (text, why) in [
            ("[1, 2]", "not a JSON object"),
            ("{oops", "cannot locate the features"),
            (
                "{\"type\": \"FeatureCollection\"}",
                "no \"features\" member",
            ),
            ("{\"features\": {\"a\": 1}}", "not an array"),
        ] {
            let e = FileLayout::read(text).unwrap_err();
            assert!(e.en().contains(why), "{text}: {e}");
        }
    }

    #[test]
    fn stale_temp_files_are_removed_and_others_kept() {
        let dir = std::env::temp_dir().join(format!("nestmap-store-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let keep = ["a.geojson", ".a.geojson.tmp-notapid", "x.tmp-1"];
        let own = format!(".a.geojson.tmp-{}", std::process::id());
        // A pid above the kernel's pid_max (4194304) is never running.
        let stale = ".a.geojson.tmp-4999999";
        for n in keep.iter().chain([own.as_str(), stale].iter()) {
            fs::write(dir.join(n), b"{}").unwrap();
        }
        let removed = remove_stale_temp(&dir).unwrap();
        assert_eq!(removed, vec![dir.join(stale)]);
        for n in keep.iter().chain([own.as_str()].iter()) {
            assert!(dir.join(n).exists(), "{n} was removed");
        }
        fs::remove_dir_all(&dir).unwrap();
    }
}
