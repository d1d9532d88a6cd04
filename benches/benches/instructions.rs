//! Instruction counts of the codec rows under callgrind, which load on the machine cannot disturb
//! (issue 7). Each figure is the instructions of one decode (or encode) of one corpus message:
//! the program runs the operation 1 + N and 1 + 2N times under `valgrind --tool=callgrind` and divides
//! the difference by N, so start-up, the one-off decode that builds the input, and the allocator's
//! warm-up over the first runs (up to ~80k instructions, which a 1 against 1 + N difference spread over
//! the small messages) cancel out.
//!
//! ```sh
//! cargo bench -p mcpgen-benches --bench instructions            # needs valgrind; prints the tables
//! ```
//!
//! Run by the driver as `instructions <decode|encode> <message> <row> <times>`, it performs the operation
//! `times` times and exits.

mod rows;

use mcpgen_benches::corpus;
use rows::{ROWS, Row};
use std::hint::black_box;
use std::process::Command;

/// Repetitions of the measured run beyond the baseline one.
const N: u64 = 20;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    match args.as_slice() {
        [op, message, row, times] => run(op, message, row, times.parse().unwrap_or(1)),
        _ => drive(),
    }
}

/// Performs one operation `times` times.
fn run(op: &str, message: &str, row: &str, times: u64) {
    let corpus = corpus();
    let (Some(sample), Some(row)) = (corpus.iter().find(|s| s.name == message), Row::from_id(row)) else {
        eprintln!("unknown message {message} or row {row}");
        std::process::exit(2);
    };
    let decoded = match rows::decode(row, sample) {
        Ok(decoded) => decoded,
        Err(e) => {
            eprintln!("{} cannot decode {message}: {e}", row.id());
            std::process::exit(3);
        }
    };
    for _ in 0..times {
        match op {
            "decode" => drop(black_box(rows::decode(row, black_box(sample)))),
            _ => drop(black_box(rows::encode(row, black_box(&decoded)))),
        }
    }
}

/// Counts every (operation, message, row) under callgrind and prints the tables.
fn drive() {
    let me = std::env::current_exe().expect("the benchmark's own path");
    if Command::new("valgrind").arg("--version").output().is_err() {
        eprintln!("valgrind is not installed: apt-get install valgrind");
        std::process::exit(1);
    }
    rows::report(&corpus());
    let mut out = String::new();
    for op in ["decode", "encode"] {
        let rows: Vec<Row> = ROWS.into_iter().filter(|r| op == "decode" || *r != Row::IgnoredAny).collect();
        out += &format!("\n### {op} (instructions per message)\n\n| message | bytes |");
        for row in &rows {
            out += &format!(" {} |", row.id());
        }
        out += " rmcp / mcpgen |\n|---|---:|";
        out += &"---:|".repeat(rows.len() + 1);
        out += "\n";
        for sample in corpus() {
            let counts: Vec<Option<u64>> = rows.iter().map(|row| per_op(&me, op, sample.name, *row)).collect();
            out += &format!("| {} | {} |", sample.name, sample.bytes.len());
            for count in &counts {
                out += &count.map_or_else(|| " — |".to_owned(), |c| format!(" {} |", group(c)));
            }
            let of = |row: Row| rows.iter().position(|r| *r == row).and_then(|i| counts[i]);
            out += &match (of(Row::Rmcp), of(Row::Mcpgen)) {
                (Some(p), Some(m)) if m > 0 => format!(" {:.2}× |\n", p as f64 / m as f64),
                _ => " — |\n".to_owned(),
            };
            eprint!(".");
        }
    }
    println!("{out}");
    let dir = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| "target".into(), std::path::PathBuf::from);
    let _ = std::fs::write(dir.join("instructions.md"), &out);
}

/// Instructions of one operation: (count of 1 + N runs − count of 1 run) / N.
fn per_op(me: &std::path::Path, op: &str, message: &str, row: Row) -> Option<u64> {
    let warm = count(me, op, message, row, 1 + N)?;
    let many = count(me, op, message, row, 1 + 2 * N)?;
    Some(many.saturating_sub(warm) / N)
}

/// Total instructions of a run under callgrind, or `None` when the row cannot decode the message.
fn count(me: &std::path::Path, op: &str, message: &str, row: Row, times: u64) -> Option<u64> {
    let output = Command::new("valgrind")
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
        .arg(me)
        .args([op, message, row.id(), &times.to_string()])
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let log = String::from_utf8_lossy(&output.stderr);
    // `==pid== Collected : 123456`
    log.lines().find_map(|line| line.split_once("Collected :").and_then(|(_, n)| n.trim().parse().ok()))
}

/// `1234567` → `1,234,567`.
fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
