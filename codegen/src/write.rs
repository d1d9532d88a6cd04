//! Stage 5: put rendered files on disk (write-if-changed, delete orphans) or report drift.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::Error;

/// How the files on disk differ from the generated ones.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Drift {
    /// Present but different.
    pub stale: Vec<PathBuf>,
    /// Generated but absent.
    pub missing: Vec<PathBuf>,
    /// Present but no longer generated.
    pub orphan: Vec<PathBuf>,
}

impl Drift {
    /// No difference.
    pub fn is_empty(&self) -> bool {
        self.stale.is_empty() && self.missing.is_empty() && self.orphan.is_empty()
    }

    /// A human-readable list of the differences.
    pub fn report(&self) -> String {
        let mut out = String::new();
        for (label, list) in [("stale", &self.stale), ("missing", &self.missing), ("orphan", &self.orphan)] {
            for path in list {
                out.push_str(&format!("  {label}: {}\n", path.display()));
            }
        }
        out
    }
}

/// Normalises line endings so a checkout with CRLF compares equal.
fn normalise(text: &str) -> String {
    text.replace("\r\n", "\n")
}

/// Every `.rs` file under `dir`, relative to it, sorted.
fn existing(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(source) => return Err(Error::Io { path: d, source }),
        };
        for entry in entries {
            let entry = entry.map_err(|source| Error::Io { path: d.clone(), source })?;
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path.strip_prefix(dir).unwrap_or(&path).to_path_buf());
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Compares `files` with the `.rs` files under `dir`, reading only.
pub fn check(dir: &Path, files: &BTreeMap<PathBuf, String>) -> Result<Drift, Error> {
    let mut drift = Drift::default();
    for (rel, text) in files {
        match std::fs::read_to_string(dir.join(rel)) {
            Ok(on_disk) if normalise(&on_disk) == normalise(text) => {}
            Ok(_) => drift.stale.push(rel.clone()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => drift.missing.push(rel.clone()),
            Err(source) => return Err(Error::Io { path: dir.join(rel), source }),
        }
    }
    for rel in existing(dir)? {
        if !files.contains_key(&rel) {
            drift.orphan.push(rel);
        }
    }
    Ok(drift)
}

/// Writes changed and missing files and deletes orphans; returns what it changed.
pub fn write(dir: &Path, files: &BTreeMap<PathBuf, String>) -> Result<Drift, Error> {
    let drift = check(dir, files)?;
    for rel in drift.stale.iter().chain(&drift.missing) {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| Error::Io { path: parent.into(), source })?;
        }
        std::fs::write(&path, &files[rel]).map_err(|source| Error::Io { path: path.clone(), source })?;
    }
    for rel in &drift.orphan {
        let path = dir.join(rel);
        std::fs::remove_file(&path).map_err(|source| Error::Io { path: path.clone(), source })?;
    }
    Ok(drift)
}
