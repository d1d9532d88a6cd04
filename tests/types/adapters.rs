//! The generated adapters against the schemas: every upstream 2026-07-28 example and every fixture of
//! each revision is downgraded to every older revision, the result is validated against that revision's
//! JSON schema (`jsonschema`, the upstream `schema.json`), upgraded back, and compared with the input:
//! every field that exists in both revisions must be equal. Also the typed API (`Adapt`), the typed
//! errors, and the report of dropped fields.

use std::collections::BTreeMap;

use mcpgen_types::adapt::{Adapt, AdaptError, What};
use mcpgen_types::adapters::step;
use serde_json::{Value, json};

use crate::support;

const CHAIN: &[&str] = &["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"];

/// What a sample is, at its own revision.
#[derive(Clone, Debug)]
enum Sample {
    /// A schema type (its name travels beside the sample).
    Type,
    /// A request or notification of a message set: `{"method", "params"}`.
    Message { set: &'static str, id: Option<Value> },
    /// The result of a method.
    Result(String),
}

#[derive(Default)]
struct PairTally {
    validated: usize,
    refused: usize,
    no_counterpart: usize,
}

/// The definition to validate a converted sample against in revision `rev`.
fn definition(rev: &str, sample: &Sample, name: &str, value: &Value) -> (String, Value) {
    let methods = support::revision(rev).expect("revision enabled").methods;
    match sample {
        Sample::Type => {
            // Params of older revisions are inline in their message: validate against that subschema.
            let defs = support::revision(rev).expect("enabled").definitions;
            match name.strip_suffix("Params") {
                Some(message) if !defs.contains(&name) && defs.contains(&message) => {
                    (format!("{message}/properties/params"), value.clone())
                }
                _ => (name.to_owned(), value.clone()),
            }
        }
        Sample::Message { id, .. } => {
            let method = value["method"].as_str().unwrap_or_default();
            let def = methods.iter().find(|(_, w)| *w == method).map(|(d, _)| (*d).to_owned()).unwrap_or_default();
            let mut msg = value.as_object().cloned().unwrap_or_default();
            msg.insert("jsonrpc".into(), json!("2.0"));
            if let Some(id) = id {
                msg.insert("id".into(), id.clone());
            }
            (def, Value::Object(msg))
        }
        Sample::Result(method) => {
            let request = methods.iter().find(|(_, w)| w == method).map(|(d, _)| *d).unwrap_or_default();
            (request.replace("Request", "Result"), value.clone())
        }
    }
}

fn what<'a>(sample: &'a Sample, name: &'a str) -> What<'a> {
    match sample {
        Sample::Type => What::Type(name),
        Sample::Message { set, .. } => What::Set(set),
        Sample::Result(m) => What::Result(m),
    }
}

/// The Rust name of a type one revision further in `up` direction (the one rename in the chain).
fn renamed(name: &str, into: &str) -> String {
    let old = CHAIN.iter().position(|r| *r == into).unwrap_or(0) < 2;
    match name {
        "ResourceTemplateReference" if old => "ResourceReference".into(),
        "ResourceReference" if !old => "ResourceTemplateReference".into(),
        other => other.into(),
    }
}

struct Validators {
    dir: std::path::PathBuf,
    docs: BTreeMap<String, Value>,
}

impl Validators {
    fn validate(&mut self, rev: &str, def: &str, value: &Value) -> Result<(), String> {
        let doc = self
            .docs
            .entry(rev.to_owned())
            .or_insert_with(|| support::read_json(&self.dir.join(rev).join("schema.json")));
        let defs_key = if doc.get("$defs").is_some() { "$defs" } else { "definitions" };
        // Methods without a result type of their own answer with the generic `Result`.
        let exists = |d: &str| doc[defs_key].pointer(&format!("/{d}")).is_some();
        let def = if !exists(def) && def.ends_with("Result") { "Result" } else { def };
        if !exists(def) {
            return Err(format!("{rev} has no definition `{def}`"));
        }
        let mut schema = doc.clone();
        let obj = schema.as_object_mut().expect("schema root is an object");
        obj.insert("allOf".into(), json!([{ "$ref": format!("#/{defs_key}/{def}") }]));
        let validator = jsonschema::validator_for(&schema).map_err(|e| format!("schema does not compile: {e}"))?;
        let errors: Vec<String> =
            validator.iter_errors(value).map(|e| format!("{} at {}", e, e.instance_path())).collect();
        if errors.is_empty() { Ok(()) } else { Err(errors.join("; ")) }
    }
}

/// Removes a dotted path (`content[2].annotations.lastModified`; keys may themselves contain dots).
fn remove_path(value: &mut Value, path: &str, indices: bool) {
    if path.is_empty() {
        return;
    }
    match value {
        Value::Object(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            let mut best: Option<&String> = None;
            for k in &keys {
                let fits = path == k || path.starts_with(&format!("{k}.")) || path.starts_with(&format!("{k}["));
                if fits && best.is_none_or(|b| k.len() > b.len()) {
                    best = Some(k);
                }
            }
            let Some(k) = best else { return };
            let rest = path[k.len()..].trim_start_matches('.');
            if rest.is_empty() {
                map.remove(k.as_str());
            } else if let Some(child) = map.get_mut(k.as_str()) {
                remove_path(child, rest, indices);
            }
        }
        Value::Array(items) => {
            let Some(inner) = path.strip_prefix('[') else { return };
            let Some((index, rest)) = inner.split_once(']') else { return };
            let Ok(i) = index.parse::<usize>() else { return };
            let rest = rest.trim_start_matches('.');
            if rest.is_empty() {
                if indices && i < items.len() {
                    items.remove(i);
                }
            } else if let Some(child) = items.get_mut(i) {
                remove_path(child, rest, indices);
            }
        }
        _ => {}
    }
}

/// Downgrades `value` (at revision `from`) to `to`, validates, upgrades back, compares.
fn round(
    v: &mut Validators,
    sample: &Sample,
    name: &str,
    value: &Value,
    from: usize,
    to: usize,
) -> Result<Option<bool>, String> {
    let mut current = value.clone();
    let mut name_at = name.to_owned();
    let mut dropped = Vec::new();
    for r in (to + 1..=from).rev() {
        match step(CHAIN[r], false, what(sample, &name_at), current.clone()) {
            None => return Ok(None),
            // The one upstream example that contradicts its schema (see examples.rs, KNOWN_DEFECTS).
            Some(Err(e)) if r == from && name == "ReadResourceResultResponse" && e.contains("cacheScope") => {
                return Ok(None);
            }
            Some(Err(e)) => {
                assert!(!e.contains("does not decode"), "{name} at {}: {e}", CHAIN[r]);
                println!("  refused: {name} {} -> {}: {e}", CHAIN[from], CHAIN[to]);
                return Ok(Some(false));
            }
            Some(Ok((next, report))) => {
                dropped.push(report.dropped);
                current = next;
                name_at = renamed(&name_at, CHAIN[r - 1]);
            }
        }
    }
    let (def, doc) = definition(CHAIN[to], sample, &name_at, &current);
    v.validate(CHAIN[to], &def, &doc)
        .map_err(|e| format!("{name} as {} `{def}` is invalid: {e}\n  {current}", CHAIN[to]))?;
    let mut back = current;
    let mut defaulted = Vec::new();
    for r in to..from {
        let (next, report) = step(CHAIN[r], true, what(sample, &name_at), back.clone())
            .ok_or_else(|| format!("{name}: no upgrade from {}", CHAIN[r]))?
            .map_err(|e| format!("{name}: upgrade from {} failed: {e}", CHAIN[r]))?;
        defaulted.extend(report.defaulted);
        back = next;
        name_at = renamed(&name_at, CHAIN[r + 1]);
    }
    let mut expected = value.clone();
    for step_dropped in &dropped {
        for p in step_dropped.iter().rev() {
            remove_path(&mut expected, p, true);
            remove_path(&mut back, p, false);
        }
    }
    for p in &defaulted {
        remove_path(&mut expected, p, false);
        remove_path(&mut back, p, false);
    }
    if expected != back {
        return Err(format!(
            "{name}: {} -> {} -> {} differs\n  want: {expected}\n  got:  {back}",
            CHAIN[from], CHAIN[to], CHAIN[from]
        ));
    }
    Ok(Some(true))
}

/// Samples of revision `rev`: our fixtures (legacy revisions) or the upstream examples (2026-07-28).
fn samples(rev: &str, schema_dir: &std::path::Path) -> Vec<(Sample, String, Value)> {
    let mut out = Vec::new();
    if rev == "2026-07-28" {
        let methods = support::revision(rev).expect("enabled").methods;
        let dir = schema_dir.join(rev).join("examples");
        let mut types: Vec<_> = std::fs::read_dir(&dir).expect("examples").map(|e| e.expect("entry").path()).collect();
        types.sort();
        for ty_dir in types {
            let ty = ty_dir.file_name().unwrap_or_default().to_string_lossy().into_owned();
            let mut files: Vec<_> =
                std::fs::read_dir(&ty_dir).expect("type dir").map(|e| e.expect("e").path()).collect();
            files.sort();
            for f in files {
                let value = support::read_json(&f);
                if let Some((_, wire)) = methods.iter().find(|(d, _)| *d == ty) {
                    let id = value.get("id").cloned();
                    if id.is_none() && !wire.starts_with("notifications/") {
                        // An MRTR body (2026 `inputRequests`): no legacy message set carries it as is.
                        continue;
                    }
                    let set = match (id.is_some(), *wire) {
                        (true, _) => "ClientRequest",
                        (false, "notifications/cancelled") => "ClientNotification",
                        (false, _) => "ServerNotification",
                    };
                    let body = strip_null(json!({ "method": value["method"], "params": value["params"] }));
                    out.push((Sample::Message { set, id }, ty.clone(), body));
                } else if let Some(base) = ty.strip_suffix("ResultResponse") {
                    let request = format!("{base}Request");
                    if let Some((_, wire)) = methods.iter().find(|(d, _)| *d == request) {
                        out.push((Sample::Result((*wire).to_owned()), ty.clone(), value["result"].clone()));
                    }
                } else {
                    out.push((Sample::Type, ty.clone(), value));
                }
            }
        }
        return out;
    }
    let dir = support::root().join("tests/fixtures").join(rev);
    let mut files: Vec<_> = std::fs::read_dir(&dir).expect("fixtures").map(|e| e.expect("entry").path()).collect();
    files.sort();
    for f in files {
        let fx = support::read_json(&f);
        let method = fx["method"].as_str().unwrap_or_default().to_owned();
        let side = match fx["direction"].as_str() {
            Some("server") => "Server",
            _ => "Client",
        };
        let label = f.file_name().unwrap_or_default().to_string_lossy().into_owned();
        if let Some(req) = fx.get("request") {
            let set = if side == "Server" { "ServerRequest" } else { "ClientRequest" };
            let body = json!({ "method": req["method"], "params": req.get("params").cloned().unwrap_or(Value::Null) });
            let body = strip_null(body);
            out.push((Sample::Message { set, id: req.get("id").cloned() }, label.clone(), body));
        }
        if let Some(n) = fx.get("notification") {
            let set = if side == "Server" { "ServerNotification" } else { "ClientNotification" };
            let body =
                strip_null(json!({ "method": n["method"], "params": n.get("params").cloned().unwrap_or(Value::Null) }));
            out.push((Sample::Message { set, id: None }, label.clone(), body));
        }
        if let Some(r) = fx.get("result") {
            out.push((Sample::Result(method.clone()), label.clone(), r.clone()));
        }
    }
    out
}

fn strip_null(mut v: Value) -> Value {
    if let Some(m) = v.as_object_mut() {
        m.retain(|_, x| !x.is_null());
    }
    v
}

#[test]
fn downgrade_validate_upgrade_every_sample() {
    let Some(dir) = support::schema_dir() else { return };
    let mut validators = Validators { dir: dir.clone(), docs: BTreeMap::new() };
    let mut tally: BTreeMap<(usize, usize), PairTally> = BTreeMap::new();
    let mut failures = Vec::new();
    for (from, rev) in CHAIN.iter().enumerate().skip(1) {
        for (sample, name, value) in samples(rev, &dir) {
            for to in 0..from {
                let t = tally.entry((from, to)).or_default();
                match round(&mut validators, &sample, &name, &value, from, to) {
                    Ok(Some(true)) => t.validated += 1,
                    Ok(Some(false)) => t.refused += 1,
                    Ok(None) => t.no_counterpart += 1,
                    Err(e) => failures.push(e),
                }
            }
        }
    }
    println!("adapter round trips (from -> to: validated, refused with a typed error, no counterpart):");
    for ((from, to), t) in &tally {
        println!(
            "  {} -> {}: {} validated, {} refused, {} no counterpart",
            CHAIN[*from], CHAIN[*to], t.validated, t.refused, t.no_counterpart
        );
    }
    let total: usize = tally.values().map(|t| t.validated).sum();
    println!("  total validated: {total}");
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n\n"));
    assert!(total > 400, "too few samples were converted ({total}): is the sample discovery broken?");
}

#[test]
fn typed_chain_reports_dropped_fields_and_restores_them() {
    use mcpgen_types::{v2024_11_05, v2026_07_28};
    let tool: v2026_07_28::Tool = serde_json::from_value(json!({
        "name": "get_weather",
        "title": "Weather",
        "inputSchema": { "type": "object" },
        "annotations": { "readOnlyHint": true },
        "icons": [{ "src": "https://example.com/i.png" }]
    }))
    .expect("valid 2026 tool");
    let old = tool.clone().downgrade_to::<v2024_11_05::Revision>().expect("a tool exists in 2024-11-05");
    let value: v2024_11_05::Tool = old.value.clone();
    for field in ["annotations", "icons", "title"] {
        assert!(old.report.dropped.iter().any(|p| p == field), "`{field}` reported: {:?}", old.report.dropped);
    }
    let json = serde_json::to_value(&value).expect("encodes");
    assert_eq!(json, json!({ "name": "get_weather", "inputSchema": { "type": "object" } }));
    let back = value.upgrade_to::<v2026_07_28::Revision>();
    assert!(back.is_lossless());
    assert_eq!(back.value.name, "get_weather");
}

#[test]
fn typed_errors_where_the_older_revision_cannot_carry_the_meaning() {
    use mcpgen_types::{v2025_06_18, v2025_11_25, v2026_07_28};
    // An input_required result has no legacy form.
    let outcome: v2026_07_28::ClientRequest = serde_json::from_value(json!({
        "method": "server/discover",
        "params": { "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {}
        } }
    }))
    .expect("valid discover request");
    let err = outcome.downgrade_to::<v2025_11_25::Revision>().expect_err("no server/discover in 2025-11-25");
    assert!(
        matches!(err, AdaptError::MethodNotInRevision { ref method, revision: "2025-11-25" } if method == "server/discover"),
        "{err}"
    );

    let result = step(
        "2026-07-28",
        false,
        What::Result("tools/call"),
        json!({
            "resultType": "input_required",
            "inputRequests": { "a": { "method": "roots/list", "params": {} } }
        }),
    )
    .expect("tools/call exists in both");
    let err = result.expect_err("input_required cannot be a 2025-11-25 result");
    assert!(err.contains("InputRequired"), "{err}");

    // A task-augmented call loses its meaning in 2025-06-18: `task` is dropped and reported.
    let params: v2025_11_25::CallToolRequestParams =
        serde_json::from_value(json!({ "name": "slow", "task": { "ttl": 60000 } })).expect("valid");
    let old = params.downgrade_to::<v2025_06_18::Revision>().expect("converts");
    assert_eq!(old.report.dropped, vec!["task".to_owned()]);
}

#[test]
fn upgrade_fills_spec_defaults() {
    use mcpgen_types::{v2025_11_25, v2026_07_28};
    let list: v2025_11_25::ListToolsResult = serde_json::from_value(json!({ "tools": [] })).expect("valid");
    let new = list.upgrade_to::<v2026_07_28::Revision>();
    assert!(new.is_lossless(), "{:?}", new.report);
    let json = serde_json::to_value(&new.value).expect("encodes");
    assert_eq!(json, json!({ "tools": [], "resultType": "complete", "ttlMs": 0, "cacheScope": "private" }));
    let req: v2025_11_25::ClientRequest = serde_json::from_value(json!({ "method": "tools/list" })).expect("valid");
    let new = req.upgrade_to::<v2026_07_28::Revision>().into_inner();
    let json = serde_json::to_value(&new).expect("encodes");
    assert_eq!(json["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"], "2026-07-28");
}

#[test]
fn revision_table_answers_at_compile_time_and_run_time() {
    use mcpgen_types::revisions::{REVISIONS, has_capability, has_method, method};
    const TASKS_IN_2025_06_18: bool = has_capability("2025-06-18", true, "tasks");
    const TASKS_IN_2025_11_25: bool = has_capability("2025-11-25", true, "tasks.requests.tools.call");
    const _: () = assert!(!TASKS_IN_2025_06_18 && TASKS_IN_2025_11_25);
    const _: () = assert!(has_method("2024-11-05", "initialize") && !has_method("2026-07-28", "initialize"));
    assert_eq!(
        REVISIONS.iter().map(|r| r.version).collect::<Vec<_>>(),
        ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28", "draft"]
    );
    let elicit = method("2025-06-18", "elicitation/create").expect("added in 2025-06-18");
    assert!(elicit.request && elicit.from_server && !elicit.from_client);
    assert!(method("2025-03-26", "elicitation/create").is_none());
    assert!(has_method("2026-07-28", "server/discover"));
    assert!(!has_capability("2026-07-28", false, "roots.listChanged"));
    assert!(has_capability("2025-11-25", false, "elicitation.url"));
    assert!(!has_capability("2024-11-05", true, "completions"));
}
