//! Build script of the `mcpgen` facade: names the `latest` revision and guards the freshness of
//! `generated/` against the schema files.
//!
//! `latest`: of the revisions listed in `schema/versions.toml` whose cargo feature is enabled, the newest
//! dated one (`draft` only when no dated revision is enabled) is written to `$OUT_DIR/latest.rs` as
//! `pub use mcpgen_types::<module> as latest;`, which `src/lib.rs` includes.
//!
//! Freshness: where schema files are present (in `$MCP_SCHEMA_DIR` or `schema/`) and a file's sha256 differs from
//! the one in the header of the generated module, the build fails with the fix. It writes nothing
//! outside `OUT_DIR`.

use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    println!("cargo::rerun-if-env-changed=MCP_SCHEMA_DIR");
    println!("cargo::rerun-if-changed=schema/versions.toml");
    let dir = match std::env::var_os("MCP_SCHEMA_DIR") {
        Some(d) if !d.is_empty() => root.join(d),
        _ => root.join("schema"),
    };
    let manifest = std::fs::read_to_string(root.join("schema/versions.toml")).unwrap_or_default();
    let revisions = revisions(&manifest);
    latest(&revisions);
    for Revision { name, module, .. } in revisions {
        let schema = dir.join(&name).join("schema.json");
        println!("cargo::rerun-if-changed={}", schema.display());
        let Ok(bytes) = std::fs::read(&schema) else { continue };
        let generated = root.join("generated/src").join(&module).join("mod.rs");
        println!("cargo::rerun-if-changed={}", generated.display());
        let header = std::fs::read_to_string(&generated).unwrap_or_default();
        let actual = sha256_hex(&bytes);
        if !header.lines().take(3).any(|l| l.contains(&actual)) {
            panic!(
                "generated/src/{module} was not generated from {} (sha256 {actual}); run `cargo xtask gen` \
                 (and update schema/versions.toml if the schema changed on purpose)",
                display(&schema)
            );
        }
    }
}

/// Writes `$OUT_DIR/latest.rs`, which `src/lib.rs` includes: `pub use mcpgen_types::<module> as latest;`
/// for the chosen revision (see the module docs), or nothing when no revision is enabled.
fn latest(revisions: &[Revision]) {
    let enabled = |r: &&Revision| {
        let var = format!("CARGO_FEATURE_{}", r.feature.to_uppercase().replace('-', "_"));
        std::env::var_os(var).is_some()
    };
    let dated = |r: &&Revision| r.name.bytes().all(|b| b.is_ascii_digit() || b == b'-') && !r.name.is_empty();
    let chosen = revisions
        .iter()
        .filter(enabled)
        .filter(dated)
        .max_by(|a, b| a.name.cmp(&b.name))
        .or_else(|| revisions.iter().rfind(enabled));
    let text = match chosen {
        Some(r) => format!(
            "/// The newest enabled revision: `{name}` (cargo feature `{feature}`).\n\
             pub use mcpgen_types::{module} as latest;\n\
             /// The protocol version string of [`latest`] (`\"{name}\"` in this build).\n\
             pub const LATEST_PROTOCOL_VERSION: &str = latest::PROTOCOL_VERSION;\n",
            name = r.name,
            feature = r.feature,
            module = r.module
        ),
        None => String::new(),
    };
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("latest.rs");
    if std::fs::read_to_string(&out).ok().as_deref() != Some(text.as_str()) {
        std::fs::write(&out, text).expect("OUT_DIR is writable");
    }
}

fn display(p: &Path) -> String {
    p.display().to_string()
}

/// One `[[revision]]` of the manifest.
struct Revision {
    /// Its name (`2025-06-18`, `draft`).
    name: String,
    /// Its cargo feature.
    feature: String,
    /// Its module in `mcpgen-types`.
    module: String,
}

/// Each `[[revision]]` of the manifest that names all of `name`, `feature` and `module` (a minimal reader:
/// the build script stays dependency-free).
fn revisions(manifest: &str) -> Vec<Revision> {
    let mut out = Vec::new();
    let mut current: [Option<String>; 3] = Default::default();
    let mut flush = |current: &mut [Option<String>; 3]| {
        if let [Some(name), Some(feature), Some(module)] = std::mem::take(current) {
            out.push(Revision { name, feature, module });
        }
    };
    for line in manifest.lines() {
        let line = line.trim();
        if line == "[[revision]]" {
            flush(&mut current);
            continue;
        }
        let Some((key, value)) = line.split_once('=') else { continue };
        let value = value.trim().trim_matches('"').to_owned();
        match key.trim() {
            "name" => current[0] = Some(value),
            "feature" => current[1] = Some(value),
            "module" => current[2] = Some(value),
            _ => {}
        }
    }
    flush(&mut current);
    out
}

/// SHA-256, implemented here so the build script needs no dependency.
fn sha256_hex(data: &[u8]) -> String {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
        0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
        0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
        0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
        0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
        0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
        0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] =
        [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    let mut msg = data.to_vec();
    let bits = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bits.to_be_bytes());
    for chunk in msg.chunks(64) {
        let mut w = [0u32; 64];
        for (i, word) in chunk.chunks(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16].wrapping_add(s0).wrapping_add(w[i - 7]).wrapping_add(s1);
        }
        let mut v = h;
        for i in 0..64 {
            let s1 = v[4].rotate_right(6) ^ v[4].rotate_right(11) ^ v[4].rotate_right(25);
            let ch = (v[4] & v[5]) ^ (!v[4] & v[6]);
            let t1 = v[7].wrapping_add(s1).wrapping_add(ch).wrapping_add(K[i]).wrapping_add(w[i]);
            let s0 = v[0].rotate_right(2) ^ v[0].rotate_right(13) ^ v[0].rotate_right(22);
            let maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
            let t2 = s0.wrapping_add(maj);
            v = [t1.wrapping_add(t2), v[0], v[1], v[2], v[3].wrapping_add(t1), v[4], v[5], v[6]];
        }
        for (a, b) in h.iter_mut().zip(v) {
            *a = a.wrapping_add(b);
        }
    }
    h.iter().map(|x| format!("{x:08x}")).collect()
}
