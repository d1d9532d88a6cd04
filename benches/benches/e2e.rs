//! End-to-end and memory benchmarks (issue 7): the same `add` tool served by mcpgen and by rmcp 3.9, driven
//! by one client that writes and reads raw JSON-RPC bytes, so that it measures the servers and not a
//! client SDK; a trivial echo child and a bare axum handler are the bounds.
//!
//! ```text
//! bash benches/run-e2e.sh                    # builds the servers, then runs this
//! bash benches/run-e2e.sh stdio memory       # only these sections: stdio, http, inprocess, memory
//! E2E_SECONDS=5 bash benches/run-e2e.sh      # seconds per measurement (default 3)
//! ```
//!
//! The script builds the servers as release examples (`bench-server` of the
//! root crate; `rmcp-server`, `echo-child` and `axum-bound` of this crate), then runs
//! `cargo bench -p mcpgen-benches --bench e2e`. This bench finds them in the `examples` folder beside its
//! own build folder and fails, naming the build command, when one is missing.
//!
//! Every connection first does the `initialize` handshake at protocol 2025-11-25 (rmcp 3.9 and mcpgen both
//! speak it; rmcp's `initialize` goes up to 2025-11-25, 2026-07-28 has no handshake). Streamable HTTP is
//! measured in the legacy (2025-11-25) stateless JSON mode of both servers, so they get byte-identical
//! requests. Rows:
//! - stdio: sequential round trips (p50, p99), pipelined throughput with 64 calls in flight, and the
//!   server's CPU time (utime + stime of `/proc/PID/stat`) and context switches (voluntary + involuntary,
//!   summed over `/proc/PID/task/*/status`) per call in the pipelined run;
//! - Streamable HTTP: sequential round trips on one keep-alive connection, throughput over 16 keep-alive
//!   connections, and the server's CPU and context switches per request in that run;
//! - in-process (mcpgen only): the in-process transport pair, sequential and pipelined;
//! - memory: resident memory (`VmRSS`) added by 1,000 idle Streamable HTTP sessions (each `initialize` plus
//!   `notifications/initialized`), and by 1,000 requests in flight on one stdio connection (the `wait`
//!   tool, which answers after two seconds).
//!
//! The tables are printed and written to `target/e2e.md` (beside the build folder this runs from).

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use mcpgen_runtime::server::{Server, Tool, ToolError};
use mcpgen_runtime::transport::{FrameReader, FrameWriter, Transport, in_process};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use std::fmt::{Display, Write as _};
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Errors end the run with their message (and a non-zero exit status).
type Error = Box<dyn std::error::Error + Send + Sync>;
type Result<T> = std::result::Result<T, Error>;

/// The protocol revision of every handshake.
const PROTOCOL: &str = "2025-11-25";
/// How many calls the pipelined runs keep in flight.
const WINDOW: usize = 64;
/// How many connections the HTTP throughput runs use.
const CONNECTIONS: usize = 16;
/// How many idle sessions, and how many requests in flight, the memory runs hold.
const HELD: usize = 1000;

fn main() -> Result<()> {
    let config = Config::from_env()?;
    let bins = Binaries::locate()?;
    let mut report = String::new();
    writeln!(
        report,
        "# End to end ({} s per measurement, protocol {PROTOCOL}, {} CPUs)\n",
        config.seconds.as_secs_f64(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    )?;
    if config.runs("stdio") {
        report.push_str(&stdio_section(&bins, &config)?);
    }
    if config.runs("http") {
        report.push_str(&http_section(&bins, &config)?);
    }
    if config.runs("inprocess") {
        report.push_str(&in_process_section(&config)?);
    }
    if config.runs("memory") {
        report.push_str(&memory_section(&bins)?);
    }
    println!("\n{report}");
    let path = bins.target.join("e2e.md");
    std::fs::write(&path, &report).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("(written to {})", path.display());
    Ok(())
}

/// What to run and for how long.
struct Config {
    /// How long each measurement runs (after its warm-up).
    seconds: Duration,
    /// The sections named on the command line (all when empty).
    sections: Vec<String>,
}

impl Config {
    fn from_env() -> Result<Config> {
        let seconds = match std::env::var("E2E_SECONDS") {
            Ok(text) => text.parse::<f64>().map_err(|e| format!("E2E_SECONDS={text:?}: {e}"))?,
            Err(_) => 3.0,
        };
        // `cargo bench` passes `--bench`; other flags are criterion's and mean nothing here.
        let sections: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
        for section in &sections {
            if !["stdio", "http", "inprocess", "memory"].contains(&section.as_str()) {
                return Err(format!("unknown section {section:?}: expected stdio, http, inprocess or memory").into());
            }
        }
        Ok(Config { seconds: Duration::from_secs_f64(seconds), sections })
    }

    fn runs(&self, section: &str) -> bool {
        self.sections.is_empty() || self.sections.iter().any(|s| s == section)
    }
}

/// The server and bound executables, built as release examples.
struct Binaries {
    examples: PathBuf,
    /// The build's target folder (where the report goes).
    target: PathBuf,
}

impl Binaries {
    fn locate() -> Result<Binaries> {
        let exe = std::env::current_exe()?;
        // target/release/deps/e2e-HASH: the examples are in target/release/examples.
        let profile = exe.parent().and_then(Path::parent).ok_or("the bench executable has no build folder")?;
        let target = profile.parent().ok_or("the build folder has no parent")?.to_path_buf();
        let bins = Binaries { examples: profile.join("examples"), target };
        for name in ["bench-server", "rmcp-server", "echo-child", "axum-bound"] {
            let path = bins.path(name);
            if !path.is_file() {
                return Err(format!(
                    "{} is missing: build the benchmark servers first with `bash benches/run-e2e.sh`, or\n  \
                     cargo build --release -p mcpgen --features http-server --example bench-server\n  \
                     cargo build --release -p mcpgen-benches --example rmcp-server --example echo-child --example axum-bound",
                    path.display()
                )
                .into());
            }
        }
        Ok(bins)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.examples.join(name)
    }

    fn command(&self, name: &str, args: &[&str]) -> Command {
        let mut command = Command::new(self.path(name));
        command.args(args);
        command
    }
}

/// A server process, killed when dropped (also when the bench fails half way).
struct Child {
    name: String,
    process: std::process::Child,
}

impl Child {
    /// Starts `command` with piped stdin and stdout (stderr goes to the terminal).
    fn spawn(name: &str, mut command: Command) -> Result<Child> {
        let process = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {name} ({:?}): {e}", command.get_program()))?;
        Ok(Child { name: name.to_owned(), process })
    }

    fn pid(&self) -> u32 {
        self.process.id()
    }

    /// An error saying that the server went away, with its exit status when it has one.
    fn gone(&mut self, what: impl Display) -> Error {
        let status = match self.process.try_wait() {
            Ok(Some(status)) => format!("it exited with {status}"),
            _ => "it is still running".to_owned(),
        };
        format!("{}: {what} ({status})", self.name).into()
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

// ---------------------------------------------------------------------------------------------------------
// stdio

/// A stdio server being driven: its process and both pipes.
struct StdioClient {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
    line: Vec<u8>,
    request: Vec<u8>,
    next_id: u64,
}

impl StdioClient {
    /// Starts the server and does the handshake; `bound` servers answer with a fixed result, so their
    /// `initialize` answer is not checked for a protocol version.
    fn start(name: &str, command: Command, bound: bool) -> Result<StdioClient> {
        let mut child = Child::spawn(name, command)?;
        let input = child.process.stdin.take().ok_or("no stdin pipe")?;
        let output = BufReader::with_capacity(64 * 1024, child.process.stdout.take().ok_or("no stdout pipe")?);
        let mut client = StdioClient { child, input, output, line: Vec::new(), request: Vec::new(), next_id: 0 };
        client.send_raw(initialize(0).as_bytes())?;
        let answer = client.read_json()?;
        if !bound {
            check_initialized(&client.child.name, &answer)?;
        }
        client.send_raw(INITIALIZED.as_bytes())?;
        let first = client.call_json("add")?;
        check_text(&client.child.name, &first, "3")?;
        Ok(client)
    }

    fn send_raw(&mut self, line: &[u8]) -> Result<()> {
        let sent = self.input.write_all(line).and_then(|()| self.input.write_all(b"\n"));
        sent.map_err(|e| self.child.gone(format_args!("cannot write to its stdin: {e}")))
    }

    fn read_line(&mut self) -> Result<()> {
        self.line.clear();
        match self.output.read_until(b'\n', &mut self.line) {
            Ok(0) => Err(self.child.gone("closed its stdout")),
            Ok(_) => Ok(()),
            Err(e) => Err(self.child.gone(format_args!("cannot read its stdout: {e}"))),
        }
    }

    fn read_json(&mut self) -> Result<Value> {
        self.read_line()?;
        serde_json::from_slice(&self.line)
            .map_err(|e| format!("{}: not JSON ({e}): {}", self.child.name, String::from_utf8_lossy(&self.line)).into())
    }

    /// One `tools/call` of `tool`, answered and parsed.
    fn call_json(&mut self, tool: &str) -> Result<Value> {
        self.next_id += 1;
        let line = call(self.next_id, tool);
        self.send_raw(line.as_bytes())?;
        self.read_json()
    }

    /// One timed round trip of `add`: the request is written with one `write` and the answer checked for
    /// its id and a result, without parsing.
    fn round_trip(&mut self) -> Result<Duration> {
        self.next_id += 1;
        self.request.clear();
        write_call(&mut self.request, self.next_id, "add");
        let start = Instant::now();
        if let Err(e) = self.input.write_all(&self.request) {
            return Err(self.child.gone(format_args!("cannot write to its stdin: {e}")));
        }
        self.read_line()?;
        let took = start.elapsed();
        check_answer(&self.line, Some(self.next_id)).map_err(|e| format!("{}: {e}", self.child.name))?;
        Ok(took)
    }
}

/// Sequential round trips for `seconds` (after a warm-up of 1,000): the sorted latencies.
fn stdio_sequential(client: &mut StdioClient, seconds: Duration) -> Result<Vec<Duration>> {
    for _ in 0..1000 {
        client.round_trip()?;
    }
    let mut latencies = Vec::with_capacity(100_000);
    let end = Instant::now() + seconds;
    while Instant::now() < end {
        latencies.push(client.round_trip()?);
    }
    latencies.sort_unstable();
    Ok(latencies)
}

/// The outcome of a pipelined run.
struct Throughput {
    calls: u64,
    elapsed: Duration,
    usage: Usage,
}

impl Throughput {
    fn per_second(&self) -> f64 {
        self.calls as f64 / self.elapsed.as_secs_f64()
    }
}

/// `calls` calls of `add` with up to [`WINDOW`] in flight: a writer thread sends while the window has room
/// (all it may send in one `write`), this thread reads the answers and reopens the window.
fn stdio_pipelined_run(client: &mut StdioClient, calls: u64) -> Result<Throughput> {
    let (tokens, permits) = mpsc::sync_channel::<()>(WINDOW);
    for _ in 0..WINDOW {
        tokens.send(())?;
    }
    let first_id = client.next_id + 1;
    client.next_id += calls;
    let mut input = client.input.try_clone_pipe()?;
    let before = Usage::of(client.child.pid())?;
    let start = Instant::now();
    let writer = std::thread::spawn(move || -> std::io::Result<()> {
        let mut buffer = Vec::with_capacity(WINDOW * 128);
        let mut id = first_id;
        let last = first_id + calls;
        while id < last {
            // Blocks for one free slot, then takes every other free one.
            if permits.recv().is_err() {
                return Ok(());
            }
            buffer.clear();
            write_call(&mut buffer, id, "add");
            id += 1;
            while id < last && permits.try_recv().is_ok() {
                write_call(&mut buffer, id, "add");
                id += 1;
            }
            input.write_all(&buffer)?;
        }
        Ok(())
    });
    let mut read = 0;
    let mut failure = None;
    while read < calls {
        if let Err(e) = client.read_line() {
            failure = Some(e);
            break;
        }
        if let Err(e) = check_answer(&client.line, None) {
            failure = Some(format!("{}: {e}", client.child.name).into());
            break;
        }
        read += 1;
        // The writer is gone once it has sent everything.
        let _ = tokens.send(());
    }
    let elapsed = start.elapsed();
    let after = Usage::of(client.child.pid())?;
    drop(tokens);
    if failure.is_some() {
        // The writer may be blocked on a full pipe that nobody reads any more.
        let _ = client.child.process.kill();
    }
    let written = writer.join().map_err(|_| "the writer thread panicked")?;
    if let Some(failure) = failure {
        return Err(failure);
    }
    written.map_err(|e| client.child.gone(format_args!("cannot write to its stdin: {e}")))?;
    Ok(Throughput { calls, elapsed, usage: after.since(&before) })
}

/// A pipelined warm-up of 5,000 calls sizes the measured run to about `seconds`.
fn stdio_pipelined(client: &mut StdioClient, seconds: Duration) -> Result<Throughput> {
    let warm = stdio_pipelined_run(client, 5000)?;
    let calls = (warm.per_second() * seconds.as_secs_f64()).clamp(5000.0, 20_000_000.0) as u64;
    stdio_pipelined_run(client, calls)
}

/// The stdio servers: name, executable, arguments, whether it is a bound.
const STDIO_SERVERS: [(&str, &str, &[&str], bool); 4] = [
    ("echo child (bound)", "echo-child", &[], true),
    ("mcpgen", "bench-server", &[], false),
    ("rmcp `stdio()`", "rmcp-server", &["stdio"], false),
    ("rmcp `stdio_pipes()`", "rmcp-server", &["stdio-pipes"], false),
];

fn stdio_section(bins: &Binaries, config: &Config) -> Result<String> {
    let mut out = String::new();
    writeln!(out, "## stdio (child process, `tools/call` of `add`)\n")?;
    writeln!(
        out,
        "| server | sequential p50 | p99 | pipelined, {WINDOW} in flight | server CPU / call | context switches / call | threads |"
    )?;
    writeln!(out, "|---|---:|---:|---:|---:|---:|---:|")?;
    let mut p50s = Vec::new();
    for (name, exe, args, bound) in STDIO_SERVERS {
        eprintln!("stdio: {name}");
        let mut client = StdioClient::start(name, bins.command(exe, args), bound)?;
        let latencies = stdio_sequential(&mut client, config.seconds)?;
        let throughput = stdio_pipelined(&mut client, config.seconds)?;
        let threads = threads(client.child.pid())?;
        let usage = &throughput.usage;
        writeln!(
            out,
            "| {name} | {} | {} | {} calls/s | {} | {:.2} | {threads} |",
            micros(percentile(&latencies, 50)),
            micros(percentile(&latencies, 99)),
            rate(throughput.per_second()),
            micros(usage.cpu_per(throughput.calls)),
            usage.switches as f64 / throughput.calls as f64,
        )?;
        p50s.push((name, percentile(&latencies, 50), throughput.per_second()));
    }
    ratios(&mut out, &p50s, "mcpgen", "rmcp `stdio()`")?;
    writeln!(
        out,
        "\nServer CPU is utime + stime (`/proc/PID/stat`) and context switches are voluntary + involuntary summed \
         over the live threads (`/proc/PID/task/*/status`), both over the pipelined run, divided by its calls."
    )?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------------------
// Streamable HTTP

/// An HTTP server being driven: its process and its endpoint.
struct HttpTarget {
    child: Child,
    address: SocketAddr,
    host: String,
    path: String,
    /// Kept open so that the server can still write to its stdout.
    _stdout: BufReader<ChildStdout>,
}

impl HttpTarget {
    /// Starts the server and reads its endpoint from the first line of its stdout (10 s at most).
    fn start(name: &str, command: Command) -> Result<HttpTarget> {
        let mut child = Child::spawn(name, command)?;
        let stdout = child.process.stdout.take().ok_or("no stdout pipe")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let read = reader.read_line(&mut line);
            let _ = tx.send((read.map(|_| line), reader));
        });
        let (line, stdout) = match rx.recv_timeout(Duration::from_secs(10)) {
            Ok((Ok(line), stdout)) if !line.is_empty() => (line, stdout),
            Ok((Ok(_), _)) => return Err(child.gone("closed its stdout before printing its endpoint")),
            Ok((Err(e), _)) => return Err(child.gone(format_args!("cannot read its stdout: {e}"))),
            Err(_) => return Err(child.gone("printed no endpoint within 10 s")),
        };
        let url = line.trim();
        let rest = url.strip_prefix("http://").ok_or_else(|| format!("{name}: not an http URL: {url:?}"))?;
        let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let address: SocketAddr = host.parse().map_err(|e| format!("{name}: bad address in {url:?}: {e}"))?;
        let path = if path.is_empty() { "/".to_owned() } else { path.to_owned() };
        Ok(HttpTarget { child, address, host: host.to_owned(), path, _stdout: stdout })
    }

    async fn connect(&self) -> Result<Connection> {
        let stream = tokio::net::TcpStream::connect(self.address)
            .await
            .map_err(|e| format!("{}: cannot connect to {}: {e}", self.child.name, self.address))?;
        stream.set_nodelay(true)?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(Connection { sender, host: self.host.clone(), path: self.path.clone(), name: self.child.name.clone() })
    }
}

/// One keep-alive HTTP/1.1 connection.
struct Connection {
    sender: SendRequest<Full<Bytes>>,
    host: String,
    path: String,
    name: String,
}

/// An HTTP answer: status, session id if any, body.
struct Answer {
    status: u16,
    session: Option<String>,
    body: Bytes,
}

impl Connection {
    /// POSTs one JSON-RPC message with the Streamable HTTP headers (and the session's, if any); the answer
    /// must be complete within 10 s.
    async fn post(&mut self, body: Bytes, session: Option<&str>) -> Result<Answer> {
        match tokio::time::timeout(Duration::from_secs(10), self.post_untimed(body, session)).await {
            Ok(answer) => answer,
            Err(_) => Err(format!("{}: no complete answer within 10 s", self.name).into()),
        }
    }

    /// [`Connection::post`] without its time limit.
    async fn post_untimed(&mut self, body: Bytes, session: Option<&str>) -> Result<Answer> {
        self.sender.ready().await.map_err(|e| format!("{}: connection lost: {e}", self.name))?;
        let mut request = hyper::Request::post(&self.path)
            .header(hyper::header::HOST, &self.host)
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .header(hyper::header::ACCEPT, "application/json, text/event-stream")
            .header("mcp-protocol-version", PROTOCOL);
        if let Some(session) = session {
            request = request.header("mcp-session-id", session);
        }
        let response = self
            .sender
            .send_request(request.body(Full::new(body))?)
            .await
            .map_err(|e| format!("{}: request failed: {e}", self.name))?;
        let status = response.status().as_u16();
        let session = response.headers().get("mcp-session-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body = response.into_body().collect().await.map_err(|e| format!("{}: body failed: {e}", self.name))?;
        Ok(Answer { status, session, body: body.to_bytes() })
    }

    /// A POST that must be answered `200` with a result (as JSON or in an SSE event); the message parsed.
    async fn post_ok(&mut self, body: String, session: Option<&str>) -> Result<(Value, Option<String>)> {
        let answer = self.post(body.into(), session).await?;
        let text = String::from_utf8_lossy(&answer.body).into_owned();
        if answer.status != 200 {
            return Err(format!("{}: HTTP {} for a request: {text}", self.name, answer.status).into());
        }
        Ok((json_of(&self.name, &text)?, answer.session))
    }

    /// A POST of a notification, which must be answered `202`.
    async fn notify(&mut self, session: Option<&str>) -> Result<()> {
        let answer = self.post(Bytes::from_static(INITIALIZED.as_bytes()), session).await?;
        if answer.status != 202 {
            return Err(format!("{}: HTTP {} for a notification (expected 202)", self.name, answer.status).into());
        }
        Ok(())
    }

    /// One timed stateless `tools/call` of `add`, checked for status 200 and a result.
    async fn round_trip(&mut self, id: u64) -> Result<Duration> {
        let mut body = Vec::with_capacity(128);
        write_call(&mut body, id, "add");
        body.pop();
        let start = Instant::now();
        let answer = self.post(body.into(), None).await?;
        let took = start.elapsed();
        if answer.status != 200 {
            return Err(
                format!("{}: HTTP {}: {}", self.name, answer.status, String::from_utf8_lossy(&answer.body)).into()
            );
        }
        check_answer(&answer.body, None).map_err(|e| format!("{}: {e}", self.name))?;
        Ok(took)
    }
}

/// The body of a JSON answer, or the data of the first SSE event that holds a JSON-RPC message.
fn json_of(name: &str, text: &str) -> Result<Value> {
    if let Ok(value) = serde_json::from_str(text) {
        return Ok(value);
    }
    for line in text.lines() {
        if let Some(data) = line.strip_prefix("data:")
            && let Ok(value) = serde_json::from_str::<Value>(data.trim())
            && value.get("jsonrpc").is_some()
        {
            return Ok(value);
        }
    }
    Err(format!("{name}: no JSON-RPC message in the answer: {text}").into())
}

/// The client's runtime: one thread, so the client takes at most one core from the server.
fn client_runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
}

/// The stateless handshake (answered, though nothing is kept) and a checked first call.
async fn http_handshake(target: &HttpTarget, bound: bool) -> Result<Connection> {
    let mut connection = target.connect().await?;
    let (answer, _) = connection.post_ok(initialize(0), None).await?;
    if !bound {
        check_initialized(&target.child.name, &answer)?;
        connection.notify(None).await?;
    }
    let (first, _) = connection.post_ok(call(1, "add"), None).await?;
    check_text(&target.child.name, &first, "3")?;
    Ok(connection)
}

/// Sequential round trips on one connection for `seconds` (after 1,000 warm-up calls), sorted.
async fn http_sequential(target: &HttpTarget, bound: bool, seconds: Duration) -> Result<Vec<Duration>> {
    let mut connection = http_handshake(target, bound).await?;
    for id in 0..1000 {
        connection.round_trip(id).await?;
    }
    let mut latencies = Vec::with_capacity(100_000);
    let end = Instant::now() + seconds;
    let mut id = 1000;
    while Instant::now() < end {
        latencies.push(connection.round_trip(id).await?);
        id += 1;
    }
    latencies.sort_unstable();
    Ok(latencies)
}

/// [`CONNECTIONS`] connections, each calling in a loop until the deadline: half a second of warm-up, then
/// `seconds` measured.
async fn http_concurrent(target: &HttpTarget, bound: bool, seconds: Duration) -> Result<Throughput> {
    let mut connections = Vec::new();
    for _ in 0..CONNECTIONS {
        connections.push(http_handshake(target, bound).await?);
    }
    let run = |connections: Vec<Connection>, length: Duration| async move {
        let end = Instant::now() + length;
        let tasks: Vec<_> = connections
            .into_iter()
            .map(|mut connection| {
                tokio::spawn(async move {
                    let mut calls = 0u64;
                    while Instant::now() < end {
                        connection.round_trip(calls).await?;
                        calls += 1;
                    }
                    Ok::<_, Error>((calls, connection))
                })
            })
            .collect();
        let mut calls = 0;
        let mut back = Vec::new();
        for task in tasks {
            let (n, connection) = task.await??;
            calls += n;
            back.push(connection);
        }
        Ok::<_, Error>((calls, back))
    };
    let (_, connections) = run(connections, Duration::from_millis(500)).await?;
    let before = Usage::of(target.child.pid())?;
    let start = Instant::now();
    let (calls, _) = run(connections, seconds).await?;
    let elapsed = start.elapsed();
    let usage = Usage::of(target.child.pid())?.since(&before);
    Ok(Throughput { calls, elapsed, usage })
}

/// The HTTP servers: name, executable, arguments, whether it is a bound.
const HTTP_SERVERS: [(&str, &str, &[&str], bool); 3] = [
    ("bare axum handler (bound)", "axum-bound", &[], true),
    ("mcpgen", "bench-server", &["--http"], false),
    ("rmcp", "rmcp-server", &["http-stateless"], false),
];

fn http_section(bins: &Binaries, config: &Config) -> Result<String> {
    let mut out = String::new();
    writeln!(
        out,
        "\n## Streamable HTTP ({PROTOCOL} stateless, JSON responses; HTTP/1.1 keep-alive, client on one thread)\n"
    )?;
    writeln!(
        out,
        "| server | sequential p50 | p99 | {CONNECTIONS} connections | server CPU / request | context switches / request | threads |"
    )?;
    writeln!(out, "|---|---:|---:|---:|---:|---:|---:|")?;
    let runtime = client_runtime()?;
    let mut p50s = Vec::new();
    for (name, exe, args, bound) in HTTP_SERVERS {
        eprintln!("http: {name}");
        let target = HttpTarget::start(name, bins.command(exe, args))?;
        let latencies = runtime.block_on(http_sequential(&target, bound, config.seconds))?;
        let throughput = runtime.block_on(http_concurrent(&target, bound, config.seconds))?;
        let threads = threads(target.child.pid())?;
        writeln!(
            out,
            "| {name} | {} | {} | {} req/s | {} | {:.2} | {threads} |",
            micros(percentile(&latencies, 50)),
            micros(percentile(&latencies, 99)),
            rate(throughput.per_second()),
            micros(throughput.usage.cpu_per(throughput.calls)),
            throughput.usage.switches as f64 / throughput.calls as f64,
        )?;
        p50s.push((name, percentile(&latencies, 50), throughput.per_second()));
    }
    ratios(&mut out, &p50s, "mcpgen", "rmcp")?;
    writeln!(
        out,
        "\nEvery request is a `tools/call` POST with `MCP-Protocol-Version: {PROTOCOL}` and no session; server CPU \
         and context switches are measured over the {CONNECTIONS}-connection run."
    )?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------------------
// In-process

/// Arguments of `add`.
#[derive(Deserialize, JsonSchema)]
struct Add {
    /// The first addend.
    a: f64,
    /// The second addend.
    b: f64,
}

/// The mcpgen server of `examples/bench-server.rs` (its `add` tool).
fn mcpgen_server() -> Server {
    let add =
        Tool::new("add", "Adds two numbers", |x: Add, _| async move { Ok::<_, ToolError>(format!("{}", x.a + x.b)) });
    Server::builder("mcpgen-bench-in-process", "0").tool(add).build()
}

/// Sequential round trips and a pipelined run over the in-process pair, on `runtime`, the client in a task
/// of its own.
fn in_process_run(runtime: &tokio::runtime::Runtime, seconds: Duration) -> Result<(Vec<Duration>, f64)> {
    runtime.block_on(async move {
        let client = tokio::spawn(async move {
            let server = mcpgen_server();
            let (client_end, server_end) = in_process();
            let handle = server.serve(server_end);
            let (mut reader, mut writer) = client_end.split();
            let name = "mcpgen in-process";
            writer.send(initialize(0)).await?;
            let answer = reader.recv().await.ok_or("the server closed")??;
            check_initialized(name, &serde_json::from_str(&answer)?)?;
            writer.send(INITIALIZED.to_owned()).await?;
            let mut next = 1u64;
            let mut round_trip = async |next: u64| -> Result<Duration> {
                let mut request = Vec::with_capacity(128);
                write_call(&mut request, next, "add");
                request.pop();
                let request = String::from_utf8(request)?;
                let start = Instant::now();
                writer.send(request).await?;
                let answer = reader.recv().await.ok_or("the server closed")??;
                let took = start.elapsed();
                check_answer(answer.as_bytes(), Some(next)).map_err(|e| format!("{name}: {e}"))?;
                Ok(took)
            };
            for _ in 0..1000 {
                round_trip(next).await?;
                next += 1;
            }
            let mut latencies = Vec::with_capacity(200_000);
            let end = Instant::now() + seconds;
            while Instant::now() < end {
                latencies.push(round_trip(next).await?);
                next += 1;
            }
            latencies.sort_unstable();
            // Pipelined: a writer task keeps WINDOW calls in flight, this task reads.
            let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(WINDOW));
            let feed = std::sync::Arc::clone(&permits);
            let end = Instant::now() + seconds;
            let start = Instant::now();
            let sender = tokio::spawn(async move {
                let mut sent = 0u64;
                while Instant::now() < end {
                    feed.acquire().await?.forget();
                    let mut request = Vec::with_capacity(128);
                    write_call(&mut request, next, "add");
                    request.pop();
                    writer.send(String::from_utf8(request)?).await?;
                    next += 1;
                    sent += 1;
                }
                Ok::<_, Error>((sent, writer))
            });
            let mut read = 0u64;
            let mut sender = std::pin::pin!(sender);
            let (sent, mut writer) = loop {
                tokio::select! {
                    done = &mut sender => break done??,
                    answer = reader.recv() => {
                        let answer = answer.ok_or("the server closed")??;
                        check_answer(answer.as_bytes(), None).map_err(|e| format!("{name}: {e}"))?;
                        read += 1;
                        permits.add_permits(1);
                    }
                }
            };
            while read < sent {
                let answer = reader.recv().await.ok_or("the server closed")??;
                check_answer(answer.as_bytes(), None).map_err(|e| format!("{name}: {e}"))?;
                read += 1;
            }
            let rate = read as f64 / start.elapsed().as_secs_f64();
            writer.close().await?;
            drop(handle);
            Ok::<_, Error>((latencies, rate))
        });
        client.await?
    })
}

fn in_process_section(config: &Config) -> Result<String> {
    let mut out = String::new();
    writeln!(out, "\n## In-process (mcpgen only: the in-process transport pair, the same frames as stdio)\n")?;
    writeln!(out, "| runtime | sequential p50 | p99 | pipelined, {WINDOW} in flight |")?;
    writeln!(out, "|---|---:|---:|---:|")?;
    let runtimes = [
        ("current_thread", tokio::runtime::Builder::new_current_thread().enable_all().build()?),
        (
            "multi_thread, 2 workers",
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?,
        ),
    ];
    for (name, runtime) in &runtimes {
        eprintln!("in-process: {name}");
        let (latencies, rate_per_second) = in_process_run(runtime, config.seconds)?;
        writeln!(
            out,
            "| {name} | {} | {} | {} calls/s |",
            micros(percentile(&latencies, 50)),
            micros(percentile(&latencies, 99)),
            rate(rate_per_second)
        )?;
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------------------
// Memory

/// RSS added by [`HELD`] idle sessions: [`CONNECTIONS`] keep-alive connections open two warm-up sessions
/// each, then RSS is read, the connections open the [`HELD`] sessions between them, and RSS is read again
/// after a second of idleness; the first session must still answer a call.
async fn idle_sessions(target: &HttpTarget) -> Result<(u64, u64)> {
    let mut connections = Vec::new();
    for _ in 0..CONNECTIONS {
        let mut connection = target.connect().await?;
        for _ in 0..2 {
            open_session(&mut connection).await?;
        }
        connections.push(connection);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = rss_kib(target.child.pid())?;
    let start = Instant::now();
    let tasks: Vec<_> = connections
        .into_iter()
        .enumerate()
        .map(|(i, mut connection)| {
            // HELD sessions split as evenly as the connections allow.
            let count = HELD / CONNECTIONS + usize::from(i < HELD % CONNECTIONS);
            tokio::spawn(async move {
                let mut sessions = Vec::with_capacity(count);
                for _ in 0..count {
                    sessions.push(open_session(&mut connection).await?);
                }
                Ok::<_, Error>((connection, sessions))
            })
        })
        .collect();
    let mut opened = Vec::new();
    for task in tasks {
        opened.push(task.await??);
    }
    eprintln!("  {HELD} sessions opened in {:.2} s", start.elapsed().as_secs_f64());
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = rss_kib(target.child.pid())?;
    let (connection, sessions) = &mut opened[0];
    let (answer, _) = connection.post_ok(call(1, "add"), Some(&sessions[0])).await?;
    check_text(&target.child.name, &answer, "3")?;
    Ok((before, after))
}

/// Opens one session: `initialize` (answered with a session id), then `notifications/initialized`.
async fn open_session(connection: &mut Connection) -> Result<String> {
    let name = connection.name.clone();
    let (answer, session) = connection.post_ok(initialize(0), None).await?;
    check_initialized(&name, &answer)?;
    let session = session.ok_or_else(|| format!("{name}: initialize answered without Mcp-Session-Id"))?;
    connection.notify(Some(&session)).await?;
    Ok(session)
}

/// RSS added by [`HELD`] calls of `wait` in flight on one stdio connection, measured a second after they
/// were written; then every answer must arrive within 30 s.
fn in_flight(client: &mut StdioClient) -> Result<(u64, u64)> {
    for _ in 0..100 {
        client.round_trip()?;
    }
    std::thread::sleep(Duration::from_millis(500));
    let pid = client.child.pid();
    let before = rss_kib(pid)?;
    let mut burst = Vec::new();
    for _ in 0..HELD {
        client.next_id += 1;
        write_call(&mut burst, client.next_id, "wait");
    }
    client.input.write_all(&burst).map_err(|e| client.child.gone(format_args!("cannot write: {e}")))?;
    std::thread::sleep(Duration::from_secs(1));
    let during = rss_kib(pid)?;
    // The answers are read on a thread of their own, so that a server that never answers fails the bench.
    let mut output = BufReader::new(client.output.get_ref().try_clone_pipe()?);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = Vec::new();
        for _ in 0..HELD {
            line.clear();
            let outcome = match output.read_until(b'\n', &mut line) {
                Ok(0) => Err("closed its stdout".to_owned()),
                Ok(_) => check_answer(&line, None),
                Err(e) => Err(format!("cannot read its stdout: {e}")),
            };
            if outcome.is_err() {
                let _ = tx.send(outcome);
                return;
            }
        }
        let _ = tx.send(Ok(()));
    });
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(client.child.gone(e)),
        Err(_) => return Err(client.child.gone(format_args!("did not answer {HELD} `wait` calls within 30 s"))),
    }
    Ok((before, during))
}

fn memory_section(bins: &Binaries) -> Result<String> {
    let mut out = String::new();
    writeln!(out, "\n## Memory (VmRSS)\n")?;
    writeln!(
        out,
        "| server | {HELD} idle Streamable HTTP sessions | per session | {HELD} `wait` calls in flight on stdio | per request |"
    )?;
    writeln!(out, "|---|---:|---:|---:|---:|")?;
    let runtime = client_runtime()?;
    let servers = [
        ("mcpgen", ("bench-server", &["--http", "--stateful"][..]), ("bench-server", &[][..])),
        ("rmcp", ("rmcp-server", &["http-stateful"][..]), ("rmcp-server", &["stdio"][..])),
    ];
    for (name, (http, http_args), (stdio, stdio_args)) in servers {
        eprintln!("memory: {name}");
        let target = HttpTarget::start(name, bins.command(http, http_args))?;
        let (before, after) = runtime.block_on(idle_sessions(&target))?;
        drop(target);
        let mut client = StdioClient::start(name, bins.command(stdio, stdio_args), false)?;
        let (idle, busy) = in_flight(&mut client)?;
        writeln!(
            out,
            "| {name} | {} → {} KiB | {:.1} KiB | {} → {} KiB | {:.1} KiB |",
            before,
            after,
            after.saturating_sub(before) as f64 / HELD as f64,
            idle,
            busy,
            busy.saturating_sub(idle) as f64 / HELD as f64,
        )?;
    }
    writeln!(
        out,
        "\nHTTP sessions run in the stateful mode with SSE responses (mcpgen `--stateful`, rmcp `http-stateful`), \
         opened over {CONNECTIONS} keep-alive connections; RSS is read after two warm-up sessions per connection \
         and again a second after the last of the {HELD} was opened. The stdio servers get {HELD} `wait` calls \
         (answered after 2 s) in one write after 100 `add` calls; RSS is read a second later."
    )?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------------------
// Messages

/// The `initialize` request at [`PROTOCOL`].
fn initialize(id: u64) -> String {
    format!(
        r#"{{"jsonrpc":"2.0","id":{id},"method":"initialize","params":{{"protocolVersion":"{PROTOCOL}","capabilities":{{}},"clientInfo":{{"name":"mcpgen-e2e-bench","version":"0"}}}}}}"#
    )
}

/// The notification that ends the handshake.
const INITIALIZED: &str = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;

/// A `tools/call` of `tool` (`add` gets `{"a":1,"b":2}`).
fn call(id: u64, tool: &str) -> String {
    let mut line = Vec::new();
    write_call(&mut line, id, tool);
    line.pop();
    String::from_utf8_lossy(&line).into_owned()
}

/// Appends a `tools/call` line (with its newline) to `buffer`.
fn write_call(buffer: &mut Vec<u8>, id: u64, tool: &str) {
    let arguments = if tool == "add" { r#"{"a":1,"b":2}"# } else { "{}" };
    let _ = writeln!(
        buffer,
        r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"{tool}","arguments":{arguments}}}}}"#
    );
}

/// Checks the answer to `initialize`: a result at [`PROTOCOL`].
fn check_initialized(name: &str, answer: &Value) -> Result<()> {
    let version = answer.pointer("/result/protocolVersion").and_then(Value::as_str);
    if version != Some(PROTOCOL) {
        return Err(format!("{name}: initialize answered {answer} (expected protocolVersion {PROTOCOL})").into());
    }
    Ok(())
}

/// Checks a parsed `tools/call` answer: a result whose first text is `text`.
fn check_text(name: &str, answer: &Value, text: &str) -> Result<()> {
    if answer.pointer("/result/content/0/text").and_then(Value::as_str) != Some(text) {
        return Err(format!("{name}: tools/call answered {answer} (expected the text {text:?})").into());
    }
    Ok(())
}

/// The cheap check of an answer in a timed loop: it has a `"result"` and, when given, the id.
fn check_answer(answer: &[u8], id: Option<u64>) -> std::result::Result<(), String> {
    let found = |needle: &[u8]| answer.windows(needle.len()).any(|w| w == needle);
    if !found(br#""result""#) {
        return Err(format!("not a result: {}", String::from_utf8_lossy(answer)));
    }
    if let Some(id) = id
        && !found(format!(r#""id":{id},"#).as_bytes())
        && !found(format!(r#""id":{id}}}"#).as_bytes())
    {
        return Err(format!("expected the answer to id {id}, got {}", String::from_utf8_lossy(answer)));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------
// /proc

/// CPU time and context switches of a process, as read from `/proc`.
struct Usage {
    /// utime + stime, in clock ticks.
    ticks: u64,
    /// Voluntary and involuntary context switches of its live threads.
    switches: u64,
}

impl Usage {
    fn of(pid: u32) -> Result<Usage> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
        // Fields after the command name (which may hold spaces) start with field 3 (state).
        let fields: Vec<&str> = stat.rsplit_once(')').ok_or("odd /proc/PID/stat")?.1.split_whitespace().collect();
        let field = |n: usize| -> Result<u64> { Ok(fields.get(n - 3).ok_or("short /proc/PID/stat")?.parse()?) };
        let ticks = field(14)? + field(15)?;
        let mut switches = 0;
        for task in std::fs::read_dir(format!("/proc/{pid}/task"))? {
            // A thread may end between listing and reading.
            let Ok(status) = std::fs::read_to_string(task?.path().join("status")) else { continue };
            for line in status.lines() {
                if let Some(n) = line
                    .strip_prefix("voluntary_ctxt_switches:")
                    .or_else(|| line.strip_prefix("nonvoluntary_ctxt_switches:"))
                {
                    switches += n.trim().parse::<u64>()?;
                }
            }
        }
        Ok(Usage { ticks, switches })
    }

    fn since(&self, before: &Usage) -> Usage {
        Usage { ticks: self.ticks - before.ticks, switches: self.switches.saturating_sub(before.switches) }
    }

    /// CPU time per call.
    fn cpu_per(&self, calls: u64) -> Duration {
        Duration::from_secs_f64(self.ticks as f64 / clock_ticks() as f64 / calls as f64)
    }
}

/// Clock ticks per second (`getconf CLK_TCK`, 100 on Linux).
fn clock_ticks() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100)
    })
}

/// The process's resident memory in KiB.
fn rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status.lines().find_map(|l| l.strip_prefix("VmRSS:")).ok_or("no VmRSS in /proc/PID/status")?;
    Ok(line.trim().trim_end_matches("kB").trim().parse()?)
}

/// How many threads the process has.
fn threads(pid: u32) -> Result<usize> {
    Ok(std::fs::read_dir(format!("/proc/{pid}/task"))?.count())
}

// ---------------------------------------------------------------------------------------------------------
// Formatting

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

fn micros(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

fn rate(per_second: f64) -> String {
    if per_second >= 1e6 { format!("{:.2}M", per_second / 1e6) } else { format!("{:.1}k", per_second / 1e3) }
}

/// A line with the ratios of `ours` to `theirs`: p50 latency and throughput.
fn ratios(out: &mut String, rows: &[(&str, Duration, f64)], ours: &str, theirs: &str) -> Result<()> {
    let find = |name: &str| rows.iter().find(|r| r.0 == name);
    if let (Some(a), Some(b)) = (find(ours), find(theirs)) {
        writeln!(
            out,
            "\n{theirs} p50 / {ours} p50 = {:.2}×; {ours} throughput / {theirs} throughput = {:.2}×",
            b.1.as_secs_f64() / a.1.as_secs_f64(),
            a.2 / b.2
        )?;
    }
    Ok(())
}

/// A second handle to a pipe, for a thread of its own.
trait ClonePipe: Sized {
    fn try_clone_pipe(&self) -> Result<std::fs::File>;
}

impl<T: std::os::fd::AsFd> ClonePipe for T {
    fn try_clone_pipe(&self) -> Result<std::fs::File> {
        Ok(std::fs::File::from(self.as_fd().try_clone_to_owned()?))
    }
}
