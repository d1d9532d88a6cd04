//! Each promise of the capability builders that the type system keeps, as a case that must not compile,
//! plus one that must. The `.stderr` files were produced by rustc 1.95.0; another compiler may word them
//! differently (regenerate with `TRYBUILD=overwrite` and review).

#[test]
fn capability_builders() {
    if !on_pinned_toolchain() {
        return;
    }
    let t = trybuild::TestCases::new();
    t.compile_fail("cases/fail_*.rs");
    t.pass("cases/pass_*.rs");
}

/// The toolchain the `.stderr` files were written with: compiler messages change between releases, so
/// the cases are compared only there.
const PINNED: &str = "rustc 1.95.";

fn on_pinned_toolchain() -> bool {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let version = std::process::Command::new(rustc)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let pinned = version.starts_with(PINNED);
    if !pinned {
        eprintln!("compile-fail cases skipped: they are pinned to {PINNED}x, this is {}", version.trim());
    }
    pinned
}
