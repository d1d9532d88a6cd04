//! Our own fixtures for 2024-11-05 … 2025-11-25 (`tests/fixtures/<revision>/<method>.json`): every
//! request and notification dispatches to its method and re-encodes byte-for-value equal, every result
//! decodes as the method's result type and re-encodes equal, and every method of each revision has one.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::{self, DecodeMessage, Decoded, Rev};

const REVISIONS: &[&str] = &["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];

fn check(
    rev: &Rev,
    decode: fn(&[u8]) -> Result<Decoded, mcpgen_types::rpc::DecodeError>,
    message: &Value,
    method: &str,
    kind: &str,
) -> Result<(), String> {
    let bytes = serde_json::to_vec(message).expect("fixture encodes");
    let decoded = decode(&bytes).map_err(|e| format!("does not decode: {e}"))?;
    if decoded.kind != kind || decoded.method != method || !decoded.known {
        return Err(format!(
            "{}: decoded as {} `{}` (known: {}), want {kind} `{method}`",
            rev.name, decoded.kind, decoded.method, decoded.known
        ));
    }
    if &decoded.json != message {
        return Err(format!("re-encoding differs:\n  in:  {message}\n  out: {}", decoded.json));
    }
    Ok(())
}

fn run(name: &str) -> (usize, usize, usize) {
    let rev = support::revision(name).unwrap_or_else(|| panic!("feature `{name}` not enabled: use --all-features"));
    let dir = support::root().join("tests/fixtures").join(name);
    let mut failures = Vec::new();
    let (mut requests, mut results, mut notifications) = (0, 0, 0);
    let mut methods = BTreeSet::new();
    let mut files: Vec<_> =
        std::fs::read_dir(&dir).expect("fixture folder").map(|e| e.expect("entry").path()).collect();
    files.sort();
    for file in files {
        let fixture = support::read_json(&file);
        let method = fixture["method"].as_str().expect("fixture names its method").to_owned();
        methods.insert(method.clone());
        let direction = fixture["direction"].as_str().expect("fixture names its direction");
        let senders: Vec<DecodeMessage> = match direction {
            "client" => vec![rev.from_client],
            "server" => vec![rev.from_server],
            _ => vec![rev.from_client, rev.from_server],
        };
        let label = file.file_name().unwrap_or_default().to_string_lossy().into_owned();
        for decode in senders {
            if let Some(request) = fixture.get("request") {
                requests += 1;
                if let Err(e) = check(&rev, decode, request, &method, "request") {
                    failures.push(format!("{name}/{label} request: {e}"));
                }
            }
            if let Some(notification) = fixture.get("notification") {
                notifications += 1;
                if let Err(e) = check(&rev, decode, notification, &method, "notification") {
                    failures.push(format!("{name}/{label} notification: {e}"));
                }
            }
        }
        if let Some(result) = fixture.get("result") {
            results += 1;
            match (rev.roundtrip_result)(&method, result.clone()) {
                Some(Ok(back)) if &back == result => {}
                Some(Ok(back)) => {
                    failures.push(format!("{name}/{label} result differs:\n  in:  {result}\n  out: {back}"))
                }
                Some(Err(e)) => failures.push(format!("{name}/{label} result does not decode: {e}")),
                None => failures.push(format!("{name}/{label}: `{method}` has no result type")),
            }
        }
    }
    // Every method of every dispatch set has a fixture.
    let defined: BTreeSet<String> = rev
        .unions
        .iter()
        .filter(|(u, _)| ["ClientRequest", "ServerRequest", "ClientNotification", "ServerNotification"].contains(u))
        .flat_map(|(_, members)| members.iter())
        .filter_map(|member| method_of(&rev, member))
        .collect();
    let missing: Vec<_> = defined.difference(&methods).collect();
    assert!(missing.is_empty(), "{name}: methods without a fixture: {missing:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!(
        "{name}: {requests} requests, {results} results, {notifications} notifications dispatched and round-tripped"
    );
    (requests, results, notifications)
}

/// The wire method of a message definition.
fn method_of(rev: &Rev, member: &str) -> Option<String> {
    rev.methods.iter().find(|(def, _)| *def == member).map(|(_, wire)| (*wire).to_owned())
}

#[test]
fn fixtures_dispatch_and_round_trip() {
    let mut total = (0, 0, 0);
    for name in REVISIONS {
        let (a, b, c) = run(name);
        total = (total.0 + a, total.1 + b, total.2 + c);
    }
    println!("all: {} requests, {} results, {} notifications", total.0, total.1, total.2);
    assert!(total.0 >= 60 && total.1 >= 60 && total.2 >= 30, "too few fixtures: {total:?}");
}
