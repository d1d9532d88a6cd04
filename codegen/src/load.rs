//! Stage 1: read the manifest and the schema files, verify their sha256 and normalise
//! `definitions` (draft-07) and `$defs` (2020-12) into one map.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::Error;

/// The manifest `schema/versions.toml`.
#[derive(Clone, Debug, Deserialize)]
pub struct Manifest {
    /// Base URL of the upstream repository's raw files (`<upstream>/<commit>/schema/<name>/schema.json`).
    pub upstream: String,
    /// The revisions, oldest first.
    #[serde(rename = "revision")]
    pub revisions: Vec<Revision>,
}

/// One pinned schema revision.
#[derive(Clone, Debug, Deserialize)]
pub struct Revision {
    /// Folder name and protocol version string (`2025-11-25`, `draft`).
    pub name: String,
    /// The cargo feature of `mcpgen-types` that enables it.
    pub feature: String,
    /// The Rust module name (`v2025_11_25`).
    pub module: String,
    /// The upstream commit the file is pinned to.
    pub commit: String,
    /// The sha256 of `schema.json`.
    pub sha256: String,
}

impl Manifest {
    /// Reads and checks a manifest file.
    pub fn read(path: &Path) -> Result<Manifest, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io { path: path.into(), source })?;
        Manifest::parse(&text, path)
    }

    /// Parses manifest text; `path` is only used in error messages.
    pub fn parse(text: &str, path: &Path) -> Result<Manifest, Error> {
        let manifest: Manifest =
            toml::from_str(text).map_err(|e| Error::Manifest { path: path.into(), message: e.to_string() })?;
        for rev in &manifest.revisions {
            let hex = rev.sha256.len() == 64 && rev.sha256.bytes().all(|b| b.is_ascii_hexdigit());
            if !hex {
                let message = format!("revision {}: sha256 must be 64 hex digits", rev.name);
                return Err(Error::Manifest { path: path.into(), message });
            }
        }
        Ok(manifest)
    }
}

/// One loaded schema file.
#[derive(Clone, Debug)]
pub struct Schema {
    /// The manifest entry.
    pub revision: Revision,
    /// Every definition, by schema name.
    pub defs: BTreeMap<String, Value>,
    /// The pointer prefix of the file's definitions (`#/definitions/` or `#/$defs/`).
    pub ref_prefix: String,
}

/// Every revision of the manifest whose schema file was found.
#[derive(Clone, Debug)]
pub struct SchemaSet {
    /// Loaded revisions, in manifest order.
    pub schemas: Vec<Schema>,
    /// Revisions whose file was absent (only when loading leniently).
    pub missing: Vec<String>,
}

/// The sha256 of `bytes` as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Where the schema file of `revision` lives under `dir`.
pub fn schema_path(dir: &Path, revision: &Revision) -> PathBuf {
    dir.join(&revision.name).join("schema.json")
}

/// Loads every revision of `manifest` from `dir`. A missing file is an error when `require` is set,
/// otherwise it is listed in [`SchemaSet::missing`]. A file whose hash differs is always an error.
pub fn load(manifest: &Manifest, dir: &Path, require: bool) -> Result<SchemaSet, Error> {
    let mut schemas = Vec::new();
    let mut missing = Vec::new();
    for revision in &manifest.revisions {
        let path = schema_path(dir, revision);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !require => {
                missing.push(revision.name.clone());
                continue;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::MissingSchema { revision: revision.name.clone(), path });
            }
            Err(source) => return Err(Error::Io { path, source }),
        };
        schemas.push(parse_schema(revision.clone(), &bytes, &path)?);
    }
    Ok(SchemaSet { schemas, missing })
}

/// Checks the hash of one schema file's bytes and extracts its definitions.
pub fn parse_schema(revision: Revision, bytes: &[u8], path: &Path) -> Result<Schema, Error> {
    let actual = sha256_hex(bytes);
    if actual != revision.sha256 {
        return Err(Error::HashMismatch {
            revision: revision.name.clone(),
            path: path.into(),
            expected: revision.sha256.clone(),
            actual,
        });
    }
    parse_definitions(revision, bytes, path)
}

/// Extracts the definitions of a schema without checking its hash (used for the generator's own fixtures).
pub fn parse_definitions(revision: Revision, bytes: &[u8], path: &Path) -> Result<Schema, Error> {
    let bad = |message: String| Error::BadSchema { path: path.into(), message };
    let root: Value = serde_json::from_slice(bytes).map_err(|e| bad(format!("not JSON: {e}")))?;
    let (key, ref_prefix) =
        if root.get("$defs").is_some() { ("$defs", "#/$defs/") } else { ("definitions", "#/definitions/") };
    let defs =
        root.get(key).and_then(Value::as_object).ok_or_else(|| bad("no `definitions` or `$defs` object".into()))?;
    let defs = defs.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    Ok(Schema { revision, defs, ref_prefix: ref_prefix.into() })
}
