//! Durable writes: a layer file is replaced atomically (write a temporary file beside it,
//! fsync it, rename it over the old one, fsync the directory), and every edit is appended to
//! an audit log and fsynced, all before the client hears "done". A crash at any moment
//! leaves either the old file or the new one, never half of either.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

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
