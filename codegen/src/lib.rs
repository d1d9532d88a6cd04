//! `mcpgen-codegen`: generates the `mcpgen-types` crate from the versioned MCP JSON schemas.
//!
//! The pipeline is `load` → `lower` → `emit` (with `builders` for the capability builders) → `render` →
//! `write`; every stage but `load` and `write` is pure, so [`generate`] turns a [`load::SchemaSet`] into file contents without touching the disk.

pub mod adapters;
pub mod builders;
pub mod emit;
mod error;
pub mod ir;
pub mod load;
pub mod lower;
pub mod names;
pub mod render;
pub mod write;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use error::Error;

/// The path of the shared JSON-RPC template, named in the header of its copy.
pub const RPC_TEMPLATE_PATH: &str = "codegen/templates/rpc.rs";

/// The shared JSON-RPC template.
pub const RPC_TEMPLATE: &str = include_str!("../templates/rpc.rs");

/// The path of the JSON reader template, named in the header of its copy.
pub const JSON_TEMPLATE_PATH: &str = "codegen/templates/json.rs";

/// The JSON reader the shared decoders run on.
pub const JSON_TEMPLATE: &str = include_str!("../templates/json.rs");

/// The path of the shared adapter template.
pub const ADAPT_TEMPLATE_PATH: &str = "codegen/templates/adapt.rs";

/// The shared adapter template (traits and helpers the generated adapters call).
pub const ADAPT_TEMPLATE: &str = include_str!("../templates/adapt.rs");

/// Generates every file of `generated/src/` (paths relative to it) from the loaded schemas. No I/O.
pub fn generate(schemas: &load::SchemaSet) -> Result<BTreeMap<PathBuf, String>, Error> {
    let mut files = BTreeMap::new();
    let mut modules = Vec::new();
    let mut models = Vec::new();
    let mut errors = Vec::new();
    for schema in &schemas.schemas {
        let model = match lower::lower(schema) {
            Ok(model) => model,
            Err(Error::Unsupported(list)) => {
                errors.extend(list.into_iter().map(|e| format!("{}: {e}", schema.revision.name)));
                continue;
            }
            Err(e) => return Err(e),
        };
        modules.push((schema.revision.module.clone(), schema.revision.feature.clone()));
        models.push(model);
    }
    if !errors.is_empty() {
        return Err(Error::Unsupported(errors));
    }
    // Over all revisions together, so that a member has the same Rust type in each.
    lower::box_large(&mut models);
    for (index, model) in models.iter().enumerate() {
        for out in emit::revision_files(model, index) {
            let text = render::render(&out)?;
            files.insert(out.path, text);
        }
    }
    for pair in models.windows(2) {
        let delta = adapters::diff(&pair[0], &pair[1]);
        let tokens = adapters::pair_tokens(&delta).map_err(Error::Unsupported)?;
        let path = PathBuf::from("adapters").join(format!("{}.rs", adapters::pair_module(&pair[0], &pair[1])));
        let source = emit::Source::Pair {
            old: (pair[0].revision.clone(), pair[0].sha256.clone()),
            new: (pair[1].revision.clone(), pair[1].sha256.clone()),
        };
        let out = emit::OutFile { path, tokens, source };
        files.insert(out.path.clone(), render::render(&out)?);
    }
    let adapters_mod = emit::OutFile {
        path: "adapters/mod.rs".into(),
        tokens: adapters::adapters_mod_tokens(&models),
        source: emit::Source::Manifest,
    };
    files.insert(adapters_mod.path.clone(), render::render(&adapters_mod)?);
    let table = emit::OutFile {
        path: "revisions.rs".into(),
        tokens: adapters::table_tokens(&models),
        source: emit::Source::Manifest,
    };
    files.insert(table.path.clone(), render::render(&table)?);
    let adapt = format!("{}{}", render::header(&emit::Source::Template(ADAPT_TEMPLATE_PATH)), ADAPT_TEMPLATE);
    files.insert("adapt.rs".into(), adapt);
    let lib =
        emit::OutFile { path: "lib.rs".into(), tokens: emit::lib_tokens(&modules), source: emit::Source::Manifest };
    files.insert(lib.path.clone(), render::render(&lib)?);
    let rpc = format!("{}{}", render::header(&emit::Source::Template(RPC_TEMPLATE_PATH)), RPC_TEMPLATE);
    files.insert("rpc.rs".into(), rpc);
    let json = format!("{}{}", render::header(&emit::Source::Template(JSON_TEMPLATE_PATH)), JSON_TEMPLATE);
    files.insert("json.rs".into(), json);
    Ok(files)
}

/// Where the workspace keeps things, relative to its root.
pub mod paths {
    /// The manifest.
    pub const MANIFEST: &str = "schema/versions.toml";
    /// The default schema folder.
    pub const SCHEMA_DIR: &str = "schema";
    /// The generated crate's source folder.
    pub const GENERATED_SRC: &str = "generated/src";
}

/// The schema folder: `$MCP_SCHEMA_DIR` if set (relative paths are taken from `root`), else `root/schema`.
pub fn schema_dir(root: &Path) -> PathBuf {
    match std::env::var_os("MCP_SCHEMA_DIR") {
        Some(dir) if !dir.is_empty() => root.join(PathBuf::from(dir)),
        _ => root.join(paths::SCHEMA_DIR),
    }
}
