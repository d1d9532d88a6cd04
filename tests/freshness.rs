//! `generated/src` is exactly what the generator makes of the pinned schemas (no I/O beyond reading).

use mcpgen_codegen::{load, paths, write};

#[test]
fn generated_sources_are_fresh() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let manifest = load::Manifest::read(&root.join(paths::MANIFEST)).expect("manifest parses");
    let dir = mcpgen_codegen::schema_dir(&root);
    let required = std::env::var("MCP_REQUIRE_SCHEMAS").is_ok_and(|v| !v.is_empty() && v != "0");
    let schemas = load::load(&manifest, &dir, required).unwrap_or_else(|e| panic!("{e}"));
    if !schemas.missing.is_empty() {
        eprintln!(
            "freshness not checked: no schema files in {} for {} (set MCP_SCHEMA_DIR; CI sets MCP_REQUIRE_SCHEMAS=1)",
            dir.display(),
            schemas.missing.join(", ")
        );
        return;
    }
    let files = mcpgen_codegen::generate(&schemas).unwrap_or_else(|e| panic!("{e}"));
    let drift = write::check(&root.join(paths::GENERATED_SRC), &files).expect("generated/src readable");
    assert!(drift.is_empty(), "generated/src is out of date:\n{}run `cargo xtask gen`", drift.report());
}

#[test]
fn generation_is_deterministic() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let manifest = load::Manifest::read(&root.join(paths::MANIFEST)).expect("manifest parses");
    let schemas = load::load(&manifest, &mcpgen_codegen::schema_dir(&root), false).expect("loads");
    if !schemas.missing.is_empty() {
        return;
    }
    let a = mcpgen_codegen::generate(&schemas).expect("generates");
    let b = mcpgen_codegen::generate(&schemas).expect("generates");
    assert_eq!(a, b);
}
