//! `cargo xtask`: the maintainer's commands.
//!
//! - `cargo xtask gen` regenerates `generated/src` from the pinned schemas.
//! - `cargo xtask gen --check` writes nothing and fails, listing stale, missing and orphan files, when
//!   `generated/src` is not what the generator would write.
//! - `cargo xtask schema fetch [--base-url URL] [--dest DIR]` downloads the pinned schema files and
//!   verifies their sha256.

mod fetch;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use mcpgen_codegen::{load, paths, write};

const USAGE: &str = "usage: cargo xtask gen [--check] | cargo xtask schema fetch [--base-url URL] [--dest DIR]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let root = workspace_root();
    let outcome = match args.as_slice() {
        ["gen"] => generate(&root, false),
        ["gen", "--check"] => generate(&root, true),
        ["schema", "fetch", rest @ ..] => fetch_command(&root, rest),
        _ => Err(USAGE.to_owned()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (the parent of this crate's folder).
fn workspace_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().unwrap_or(here).to_path_buf()
}

/// Whether `MCP_REQUIRE_SCHEMAS` asks for every schema file to be present.
fn schemas_required() -> bool {
    std::env::var("MCP_REQUIRE_SCHEMAS").is_ok_and(|v| !v.is_empty() && v != "0")
}

fn generate(root: &Path, check: bool) -> Result<(), String> {
    let started = Instant::now();
    let manifest = load::Manifest::read(&root.join(paths::MANIFEST)).map_err(|e| e.to_string())?;
    let dir = mcpgen_codegen::schema_dir(root);
    // Generating needs every revision: a partial run would delete the modules of the missing ones.
    let require = !check || schemas_required();
    let schemas = load::load(&manifest, &dir, require).map_err(|e| e.to_string())?;
    if !schemas.missing.is_empty() {
        println!(
            "gen --check skipped: no schema files in {} for {} (set MCP_SCHEMA_DIR; MCP_REQUIRE_SCHEMAS=1 makes this an error)",
            dir.display(),
            schemas.missing.join(", ")
        );
        return Ok(());
    }
    let files = mcpgen_codegen::generate(&schemas).map_err(|e| e.to_string())?;
    let out = root.join(paths::GENERATED_SRC);
    let lines: usize = files.values().map(|t| t.lines().count()).sum();
    if check {
        let drift = write::check(&out, &files).map_err(|e| e.to_string())?;
        if !drift.is_empty() {
            return Err(format!(
                "generated/src is out of date with the schemas or the generator:\n{}run `cargo xtask gen`",
                drift.report()
            ));
        }
        println!(
            "generated/src is up to date ({} files, {lines} lines, checked in {:.2?})",
            files.len(),
            started.elapsed()
        );
    } else {
        let drift = write::write(&out, &files).map_err(|e| e.to_string())?;
        let changed = drift.stale.len() + drift.missing.len() + drift.orphan.len();
        println!(
            "wrote generated/src: {} files, {lines} lines, {changed} changed, in {:.2?}",
            files.len(),
            started.elapsed()
        );
        print!("{}", drift.report());
    }
    Ok(())
}

fn fetch_command(root: &Path, args: &[&str]) -> Result<(), String> {
    let manifest = load::Manifest::read(&root.join(paths::MANIFEST)).map_err(|e| e.to_string())?;
    let mut base = std::env::var("MCP_SCHEMA_BASE_URL").unwrap_or_else(|_| manifest.upstream.clone());
    let mut dest = root.join(paths::SCHEMA_DIR);
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match *arg {
            "--base-url" => base = rest.next().ok_or("--base-url needs a value")?.to_string(),
            "--dest" => dest = PathBuf::from(rest.next().ok_or("--dest needs a value")?),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    for line in fetch::fetch_all(&manifest, &base, &dest)? {
        println!("{line}");
    }
    Ok(())
}
