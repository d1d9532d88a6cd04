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

mod rows;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mcpgen_benches::corpus;
use rows::{ROWS, Row, report};
use std::hint::black_box;

fn decode(c: &mut Criterion) {
    let corpus = corpus();
    report(&corpus);
    for sample in &corpus {
        let mut group = c.benchmark_group(format!("decode/{}", sample.name));
        group.throughput(Throughput::Bytes(sample.bytes.len() as u64));
        for row in ROWS {
            // A row that cannot decode a message (a method its revision lacks) has no figure for it.
            if rows::decode(row, sample).is_ok() {
                group.bench_function(row.id(), |b| b.iter(|| rows::decode(row, black_box(sample)).is_ok()));
            }
        }
        group.finish();
    }
}

fn encode(c: &mut Criterion) {
    for sample in &corpus() {
        let mut group = c.benchmark_group(format!("encode/{}", sample.name));
        group.throughput(Throughput::Bytes(sample.bytes.len() as u64));
        for row in ROWS.into_iter().filter(|row| *row != Row::IgnoredAny) {
            if let Ok(decoded) = rows::decode(row, sample) {
                group.bench_function(row.id(), |b| b.iter(|| rows::encode(row, black_box(&decoded)).len()));
            }
        }
        group.finish();
    }
}

criterion_group!(benches, decode, encode);
criterion_main!(benches);
