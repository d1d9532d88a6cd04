//! Codec benchmarks (issue 7): decode bytes into each SDK's top-level message type (the one that
//! dispatches on `method`), and encode it back, for every corpus message, with the bounds (`IgnoredAny`:
//! parsing only; `serde_json::Value`) in the same run.
//!
//! ```sh
//! cargo bench -p mcpgen-benches --bench codec
//! ```
//!
//! Before timing, each row decodes each message once; the table it prints says whether the re-encoded
//! message equals the original as JSON (lossless) or why not, so a fast row that loses data is visible.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mcpgen_benches::{Sample, Sender, corpus};
use mcpgen_types::rpc::{self, AnyRequest, Message, RequestMethod, Response};
use mcpgen_types::v2026_07_28 as mcp;
use serde_json::Value;
use std::hint::black_box;

type McpIn = Message<mcp::ClientRequest, mcp::ClientNotification>;
type McpOut = Message<AnyRequest, mcp::ServerNotification>;

// Not boxed: a box would add an allocation to the measured decode that the SDKs themselves do not make.
#[allow(clippy::large_enum_variant)]
/// A message decoded by mcpgen the way its runtime does: the envelope dispatches on `method`; a result is
/// decoded as the result type of the request it answers (the runtime knows it from the id).
enum Mcp {
    In(McpIn),
    Out(McpOut),
    Tools(Response<<mcp::ListTools as RequestMethod>::Result>),
    Call(Response<<mcp::CallTool as RequestMethod>::Result>),
    Read(Response<<mcp::ReadResource as RequestMethod>::Result>),
}

fn mcpgen_decode(sample: &Sample) -> Result<Mcp, String> {
    let fail = |e: rpc::DecodeError| e.to_string();
    if sample.sender == Sender::Client {
        return rpc::decode_message(&sample.bytes).map(Mcp::In).map_err(fail);
    }
    let message: McpOut = rpc::decode_message(&sample.bytes).map_err(fail)?;
    Ok(match (message, sample.method) {
        (Message::Response(r), Some("tools/list")) => {
            Mcp::Tools(Response { result: r.decode::<mcp::ListTools>().map_err(fail)?, id: r.id })
        }
        (Message::Response(r), Some("tools/call")) => {
            Mcp::Call(Response { result: r.decode::<mcp::CallTool>().map_err(fail)?, id: r.id })
        }
        (Message::Response(r), Some("resources/read")) => {
            Mcp::Read(Response { result: r.decode::<mcp::ReadResource>().map_err(fail)?, id: r.id })
        }
        (message, _) => Mcp::Out(message),
    })
}

fn mcpgen_encode(message: &Mcp) -> Vec<u8> {
    let encoded = match message {
        Mcp::In(m) => serde_json::to_vec(m),
        Mcp::Out(m) => serde_json::to_vec(m),
        Mcp::Tools(r) => serde_json::to_vec(r),
        Mcp::Call(r) => serde_json::to_vec(r),
        Mcp::Read(r) => serde_json::to_vec(r),
    };
    encoded.unwrap_or_default()
}

/// The message types a client (server-sent messages) or a server (client-sent ones) of each peer decodes.
enum Rmcp {
    In(rmcp::model::ClientJsonRpcMessage),
    Out(rmcp::model::ServerJsonRpcMessage),
}

fn rmcp_decode(sample: &Sample) -> Result<Rmcp, String> {
    match sample.sender {
        Sender::Client => serde_json::from_slice(&sample.bytes).map(Rmcp::In),
        Sender::Server => serde_json::from_slice(&sample.bytes).map(Rmcp::Out),
    }
    .map_err(|e| e.to_string())
}

fn rmcp_encode(message: &Rmcp) -> Vec<u8> {
    match message {
        Rmcp::In(m) => serde_json::to_vec(m),
        Rmcp::Out(m) => serde_json::to_vec(m),
    }
    .unwrap_or_default()
}

#[allow(clippy::large_enum_variant)]
enum Rms {
    In(rust_mcp_schema::schema_utils::ClientMessage),
    Out(rust_mcp_schema::schema_utils::ServerMessage),
}

fn rms_decode(sample: &Sample) -> Result<Rms, String> {
    match sample.sender {
        Sender::Client => serde_json::from_slice(&sample.bytes).map(Rms::In),
        Sender::Server => serde_json::from_slice(&sample.bytes).map(Rms::Out),
    }
    .map_err(|e| e.to_string())
}

fn rms_encode(message: &Rms) -> Vec<u8> {
    match message {
        Rms::In(m) => serde_json::to_vec(m),
        Rms::Out(m) => serde_json::to_vec(m),
    }
    .unwrap_or_default()
}

/// Whether re-encoding kept the message (as JSON values), or the first difference.
fn lossless(original: &[u8], encoded: &[u8]) -> String {
    let (a, b): (Value, Value) = match (serde_json::from_slice(original), serde_json::from_slice(encoded)) {
        (Ok(a), Ok(b)) => (a, b),
        _ => return "re-encoding is not JSON".into(),
    };
    match difference(&a, &b, String::new()) {
        None => "lossless".into(),
        Some(at) => format!("differs at {at}"),
    }
}

fn difference(a: &Value, b: &Value, at: String) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys()) {
                let (u, v) = (x.get(key).unwrap_or(&Value::Null), y.get(key).unwrap_or(&Value::Null));
                if let Some(d) = difference(u, v, format!("{at}/{key}")) {
                    return Some(d);
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            x.iter().zip(y).enumerate().find_map(|(i, (u, v))| difference(u, v, format!("{at}/{i}")))
        }
        _ if a == b => None,
        _ => {
            let show = |v: &Value| v.to_string().chars().take(40).collect::<String>();
            Some(format!("{} ({} → {})", if at.is_empty() { "/" } else { &at }, show(a), show(b)))
        }
    }
}

fn report(corpus: &[Sample]) {
    eprintln!("\nround trip of each corpus message (decode, then encode):");
    for sample in corpus {
        let mcpgen = mcpgen_decode(sample).map(|m| lossless(&sample.bytes, &mcpgen_encode(&m)));
        let rmcp = rmcp_decode(sample).map(|m| lossless(&sample.bytes, &rmcp_encode(&m)));
        let rms = rms_decode(sample).map(|m| lossless(&sample.bytes, &rms_encode(&m)));
        let show = |r: Result<String, String>| r.unwrap_or_else(|e| format!("decode error: {e}"));
        eprintln!("  {:<26} mcpgen: {}", sample.name, show(mcpgen));
        eprintln!("  {:<26} rmcp: {}", "", show(rmcp));
        eprintln!("  {:<26} rust-mcp-schema: {}", "", show(rms));
    }
}

fn decode(c: &mut Criterion) {
    let corpus = corpus();
    report(&corpus);
    for sample in &corpus {
        let mut group = c.benchmark_group(format!("decode/{}", sample.name));
        group.throughput(Throughput::Bytes(sample.bytes.len() as u64));
        let bytes = sample.bytes.as_slice();
        group.bench_function("ignored_any", |b| {
            b.iter(|| serde_json::from_slice::<serde::de::IgnoredAny>(black_box(bytes)).is_ok())
        });
        group.bench_function("serde_json_value", |b| {
            b.iter(|| serde_json::from_slice::<Value>(black_box(bytes)).is_ok())
        });
        if mcpgen_decode(sample).is_ok() {
            group.bench_function("mcpgen", |b| b.iter(|| mcpgen_decode(black_box(sample)).is_ok()));
        }
        if rmcp_decode(sample).is_ok() {
            group.bench_function("rmcp", |b| b.iter(|| rmcp_decode(black_box(sample)).is_ok()));
        }
        if rms_decode(sample).is_ok() {
            group.bench_function("rust_mcp_schema", |b| b.iter(|| rms_decode(black_box(sample)).is_ok()));
        }
        group.finish();
    }
}

fn encode(c: &mut Criterion) {
    for sample in &corpus() {
        let mut group = c.benchmark_group(format!("encode/{}", sample.name));
        group.throughput(Throughput::Bytes(sample.bytes.len() as u64));
        if let Ok(value) = serde_json::from_slice::<Value>(&sample.bytes) {
            group.bench_function("serde_json_value", |b| {
                b.iter(|| serde_json::to_vec(black_box(&value)).map(|v| v.len()))
            });
        }
        if let Ok(message) = mcpgen_decode(sample) {
            group.bench_function("mcpgen", |b| b.iter(|| mcpgen_encode(black_box(&message)).len()));
        }
        if let Ok(message) = rmcp_decode(sample) {
            group.bench_function("rmcp", |b| b.iter(|| rmcp_encode(black_box(&message)).len()));
        }
        if let Ok(message) = rms_decode(sample) {
            group.bench_function("rust_mcp_schema", |b| b.iter(|| rms_encode(black_box(&message)).len()));
        }
        group.finish();
    }
}

criterion_group!(benches, decode, encode);
criterion_main!(benches);
