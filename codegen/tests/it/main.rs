//! Snapshot tests of the generator: one tiny schema per construct in `tests/fixtures/`, its IR and its rendered Rust.

use std::path::{Path, PathBuf};

use mcpgen_codegen::{Error, emit, ir, load, lower, render};

/// The fixture the generator must reject; every other fixture is snapshotted.
const UNSUPPORTED: &str = "unsupported.json";

/// The fixtures folder.
fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The manifest entry the fixtures are lowered under (their hashes are not checked).
fn fixture_revision() -> load::Revision {
    load::Revision {
        name: "fixture".into(),
        feature: "fixture".into(),
        module: "fixture".into(),
        commit: "0".repeat(40),
        sha256: "0".repeat(64),
    }
}

/// Runs the pipeline on one fixture: its IR and the rendered Rust of every emitted file, concatenated
/// with `// ---- <path> ----` separators.
fn check(path: &Path) -> Result<(ir::Model, String), Error> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io { path: path.into(), source })?;
    let revision = fixture_revision();
    // Only the file name goes into error messages, so they do not depend on the checkout's location.
    let name = Path::new(path.file_name().unwrap_or_default());
    let schema = load::parse_definitions(revision, &bytes, name)?;
    let model = lower::lower(&schema)?;
    let mut rust = String::new();
    for out in emit::revision_files(&model, 0) {
        let text = render::render(&out)?;
        rust.push_str(&format!("// ---- {} ----\n{text}\n", out.path.display()));
    }
    Ok((model, rust))
}

#[test]
fn fixtures_snapshot() {
    insta::glob!("../fixtures", "*.json", |path| {
        if path.file_name().is_some_and(|n| n == UNSUPPORTED) {
            return;
        }
        let (model, rust) = check(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        insta::assert_debug_snapshot!("ir", model);
        insta::assert_snapshot!("rust", rust);
    });
}

#[test]
fn unsupported_names_the_pointer() {
    let err = match check(&fixtures().join(UNSUPPORTED)) {
        Ok(_) => panic!("{UNSUPPORTED} was accepted"),
        Err(e) => e,
    };
    let Error::Unsupported(list) = &err else { panic!("expected Error::Unsupported, got {err:?}") };
    assert!(list.iter().any(|e| e.contains("#/$defs/Pair/properties/items")), "no message names the pointer: {list:?}");
    assert!(err.to_string().contains("#/$defs/Pair/properties/items"), "{err}");
}

#[test]
fn rendering_is_deterministic() {
    let mut seen = 0;
    for entry in std::fs::read_dir(fixtures()).expect("fixtures folder") {
        let path = entry.expect("fixture entry").path();
        let name = path.file_name().unwrap_or_default();
        if path.extension().is_none_or(|e| e != "json") || name == UNSUPPORTED {
            continue;
        }
        let (first_ir, first) = check(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let (second_ir, second) = check(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(first_ir, second_ir, "{}: IR differs between runs", path.display());
        assert_eq!(first, second, "{}: rendered Rust differs between runs", path.display());
        seen += 1;
    }
    assert!(seen > 0, "no fixtures found");
}

/// An inline type and a definition that want the same Rust name are a reported collision in either
/// lowering order, never a silent reuse of the other type.
#[test]
fn inline_name_collisions_are_errors_in_any_order() {
    let revision = fixture_revision();
    let level = r#"{"type":"object","properties":{"n":{"type":"integer"}}}"#;
    let message = r#"{"type":"object","properties":{"level":{"type":"string","enum":["debug","info"]}}}"#;
    let a = r##"{"type":"object","properties":{"l":{"$ref":"#/$defs/MessageLevel"}}}"##;
    let with_first = format!(r#"{{"$defs":{{"A":{a},"MessageLevel":{level},"Message":{message}}}}}"#);
    let without = format!(r#"{{"$defs":{{"MessageLevel":{level},"Message":{message}}}}}"#);
    for text in [with_first, without] {
        let schema = load::parse_definitions(revision.clone(), text.as_bytes(), Path::new("collision.json"))
            .expect("fixture parses");
        match lower::lower(&schema) {
            Err(Error::Unsupported(list)) => {
                assert!(list.iter().any(|e| e.contains("name collision")), "{list:?}")
            }
            other => panic!("expected a collision error, got {other:?}"),
        }
    }
}

/// Struct members whose type is a struct larger than about 128 bytes inline are boxed, counted bottom
/// up (a struct whose large members are boxed may itself stay inline); smaller structs, unions and
/// leaf types are not.
#[test]
fn large_struct_members_are_boxed_and_nothing_else() {
    let strings = |n: usize| (0..n).map(|i| format!(r#""s{i}":{{"type":"string"}}"#)).collect::<Vec<_>>().join(",");
    let big = format!(r#"{{"type":"object","properties":{{{}}}}}"#, strings(8));
    let small = format!(r#"{{"type":"object","properties":{{{}}}}}"#, strings(2));
    let refs = |pairs: &[(&str, &str)]| {
        pairs.iter().map(|(k, d)| format!(r##""{k}":{{"$ref":"#/$defs/{d}"}}"##)).collect::<Vec<_>>().join(",")
    };
    let nest = format!(r#"{{"type":"object","required":["big"],"properties":{{{}}}}}"#, refs(&[("big", "Big")]));
    let either = r##"{"anyOf":[{"$ref":"#/$defs/Big"},{"type":"string"}]}"##;
    let holder = format!(
        r#"{{"type":"object","required":["must"],"properties":{{{},"either":{either}}}}}"#,
        refs(&[("big", "Big"), ("must", "Big"), ("small", "Small"), ("nest", "Nest")])
    );
    let text = format!(r#"{{"$defs":{{"Big":{big},"Small":{small},"Nest":{nest},"Holder":{holder}}}}}"#);
    // Another revision where `Big` is small: its members are boxed too, so each has one Rust type.
    let other = format!(r#"{{"$defs":{{"Big":{small},"Small":{small},"Nest":{nest},"Holder":{holder}}}}}"#);
    let lowered = |text: &str| {
        let schema = load::parse_definitions(fixture_revision(), text.as_bytes(), Path::new("boxing.json"))
            .expect("fixture parses");
        lower::lower(&schema).expect("lowers")
    };
    let mut models = [lowered(&text), lowered(&other)];
    lower::box_large(&mut models);
    let [model, other] = models;
    let other_holder = match other.items.iter().find(|i| i.name == "Holder").map(|i| &i.kind) {
        Some(ir::ItemKind::Struct { fields }) => fields.clone(),
        kind => panic!("Holder: {kind:?}"),
    };
    let boxed_in_other: Vec<&str> =
        other_holder.iter().filter(|f| matches!(f.ty, ir::Ty::Boxed(_))).map(|f| f.wire.as_str()).collect();
    assert_eq!(boxed_in_other, ["big", "must"], "the same members as where Big is large");
    let fields = |item: &str| match model.items.iter().find(|i| i.name == item).map(|i| &i.kind) {
        Some(ir::ItemKind::Struct { fields }) => fields.iter().map(|f| (f.wire.clone(), f.ty.clone())).collect(),
        other => panic!("{item}: {other:?}"),
    };
    let named = |n: &str| ir::Ty::Named(n.into());
    let boxed = |n: &str| ir::Ty::Boxed(Box::new(named(n)));
    let holder: Vec<(String, ir::Ty)> = fields("Holder");
    let ty = |wire: &str| holder.iter().find(|(w, _)| w == wire).map(|(_, t)| t.clone()).expect(wire);
    assert_eq!(ty("big"), boxed("Big"), "an optional large member");
    assert_eq!(ty("must"), boxed("Big"), "a required large member");
    assert_eq!(ty("small"), named("Small"));
    assert_eq!(ty("nest"), named("Nest"), "Nest boxes its own large member, so it is small itself");
    assert!(!matches!(ty("either"), ir::Ty::Boxed(_)), "a union member stays inline: {:?}", ty("either"));
    assert_eq!(fields("Nest"), vec![("big".to_owned(), boxed("Big"))]);
}
