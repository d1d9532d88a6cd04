//! Every upstream example of 2026-07-28 and draft deserializes into its type and serializes back
//! value-equal; an example of a union member decodes into each union that lists it, as that member.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::support::{self, Rev};

/// Upstream examples that contradict their own schema. Each must keep failing with the given error
/// (so we notice when upstream fixes it); see README, "Known upstream defects".
const KNOWN_DEFECTS: &[(&str, &str)] = &[(
    // The schema requires `ttlMs` and `cacheScope` on ReadResourceResult; this example omits them.
    "ReadResourceResultResponse/read-resource-result-response.json",
    "missing field `cacheScope`",
)];

struct Tally {
    passed: usize,
    known: usize,
    failures: Vec<String>,
    union_checks: usize,
}

fn examples_of(dir: &std::path::Path) -> BTreeMap<String, Vec<std::path::PathBuf>> {
    let mut out: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("examples folder") {
        let entry = entry.expect("dir entry");
        let ty = entry.file_name().to_string_lossy().into_owned();
        let mut files: Vec<_> = std::fs::read_dir(entry.path())
            .expect("type folder")
            .map(|e| e.expect("dir entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        out.insert(ty, files);
    }
    out
}

fn check_revision(rev: &Rev, dir: &std::path::Path) -> Tally {
    let mut tally = Tally { passed: 0, known: 0, failures: Vec::new(), union_checks: 0 };
    for (ty, files) in examples_of(&dir.join(rev.name).join("examples")) {
        assert!(rev.definitions.contains(&ty.as_str()), "{}: no definition `{ty}`", rev.name);
        for file in files {
            let rel = format!("{ty}/{}", file.file_name().unwrap_or_default().to_string_lossy());
            let value = support::read_json(&file);
            let outcome = (rev.roundtrip)(&ty, value.clone()).expect("definition is registered");
            if let Some((_, expected)) = KNOWN_DEFECTS.iter().find(|(f, _)| *f == rel) {
                match outcome {
                    Err(e) if e.contains(expected) => tally.known += 1,
                    other => tally.failures.push(format!(
                        "{rel}: listed as a known upstream defect ({expected}) but got {other:?}; update KNOWN_DEFECTS and README"
                    )),
                }
                continue;
            }
            match outcome {
                Ok(back) if back == value => tally.passed += 1,
                Ok(back) => tally.failures.push(format!("{rel}: round trip differs:\n  in:  {value}\n  out: {back}")),
                Err(e) => tally.failures.push(format!("{rel}: does not decode: {e}")),
            }
            for (union, members) in rev.unions {
                if !members.contains(&ty.as_str()) {
                    continue;
                }
                tally.union_checks += 1;
                match (rev.decode_union)(union, value.clone()).expect("union is registered") {
                    Ok((member, back)) if member == ty && back == value => {}
                    Ok((member, back)) => tally.failures.push(format!(
                        "{rel}: as `{union}` decoded as `{member}` (want `{ty}`), equal: {}",
                        back == value
                    )),
                    Err(e) => tally.failures.push(format!("{rel}: as `{union}`: {e}")),
                }
            }
        }
    }
    tally
}

fn run(name: &str) {
    let Some(dir) = support::schema_dir() else { return };
    let Some(rev) = support::revision(name) else {
        panic!("feature `{name}` is not enabled: run the tests with --all-features");
    };
    let tally = check_revision(&rev, &dir);
    println!(
        "{name}: {} examples round-tripped, {} known upstream defects, {} union checks, {} failures",
        tally.passed,
        tally.known,
        tally.union_checks,
        tally.failures.len()
    );
    assert!(tally.failures.is_empty(), "{}", tally.failures.join("\n"));
    assert!(tally.passed >= 100, "too few examples found: {}", tally.passed);
}

#[test]
fn examples_2026_07_28_round_trip() {
    run("2026-07-28");
}

#[test]
fn examples_draft_round_trip() {
    run("draft");
}

#[test]
fn known_defect_is_really_a_schema_violation() {
    // Decoding the defective example leniently as JSON shows exactly the two required members missing.
    let Some(dir) = support::schema_dir() else { return };
    let path = dir.join("2026-07-28/examples").join(KNOWN_DEFECTS[0].0);
    let value: Value = support::read_json(&path);
    let result = &value["result"];
    assert!(result.get("contents").is_some());
    assert!(result.get("ttlMs").is_none() && result.get("cacheScope").is_none());
}
