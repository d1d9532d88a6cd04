//! The client side of stdio: spawn a server command and talk to it over its stdin and stdout.

use super::{FrameReader, FrameWriter, FramedRead, FramedWrite, Transport, TransportError};
use std::pin::Pin;
use std::process::Stdio;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::AsyncWrite;
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// How long [`ChildProcess::shutdown`] (and closing the transport) waits at each step of the shutdown the spec prescribes
/// (close stdin → wait → SIGTERM → wait → SIGKILL).
#[derive(Clone, Copy, Debug)]
pub struct ShutdownOptions {
    /// Wait after closing stdin before sending SIGTERM.
    pub after_stdin: Duration,
    /// Wait after SIGTERM before sending SIGKILL.
    pub after_term: Duration,
}

impl Default for ShutdownOptions {
    fn default() -> Self {
        ShutdownOptions { after_stdin: Duration::from_secs(2), after_term: Duration::from_secs(2) }
    }
}

/// A server process spawned by the client. Its stderr passes through to this process's stderr; its stdin
/// and stdout carry the frames. Dropping it without a [`ChildProcess::shutdown`] (which closing the connection runs) kills the process.
pub struct ChildProcess {
    reader: FramedRead<ChildStdout>,
    writer: ChildWriter,
}

/// The writing half of a [`ChildProcess`]: the child's stdin, and the process itself, which closing this
/// half shuts down.
pub struct ChildWriter {
    framed: FramedWrite<StdinWriter>,
    child: Child,
    shutdown: ShutdownOptions,
}

impl ChildProcess {
    /// Spawns `command` (its stdin, stdout and stderr are set here).
    pub fn spawn(mut command: Command) -> std::io::Result<Self> {
        command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::inherit()).kill_on_drop(true);
        let mut child = command.spawn()?;
        let missing = || std::io::Error::other("child stdio was not piped");
        let stdin = child.stdin.take().ok_or_else(missing)?;
        let stdout = child.stdout.take().ok_or_else(missing)?;
        let writer = ChildWriter {
            framed: FramedWrite::new(StdinWriter(Some(stdin))),
            child,
            shutdown: ShutdownOptions::default(),
        };
        Ok(ChildProcess { reader: FramedRead::new(stdout), writer })
    }

    /// Spawns `program` with `args`.
    pub fn command<I, S>(program: &str, args: I) -> std::io::Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut command = Command::new(program);
        command.args(args);
        Self::spawn(command)
    }

    /// Sets the maximum size of one received frame.
    pub fn max_frame(mut self, bytes: usize) -> Self {
        self.reader = self.reader.max_frame(bytes);
        self
    }

    /// Sets the shutdown waits.
    pub fn shutdown_options(mut self, options: ShutdownOptions) -> Self {
        self.writer.shutdown = options;
        self
    }

    /// The process id, while the process runs.
    pub fn id(&self) -> Option<u32> {
        self.writer.child.id()
    }

    /// Sends one frame to the child's stdin.
    pub async fn send(&mut self, frame: String) -> Result<(), TransportError> {
        self.writer.send(frame).await
    }

    /// Receives the next frame from the child's stdout.
    pub async fn recv(&mut self) -> Option<Result<String, TransportError>> {
        self.reader.recv().await
    }

    /// Shuts the process down (close stdin, wait, SIGTERM, wait, SIGKILL) and returns how it ended.
    pub async fn shutdown(&mut self) -> std::io::Result<std::process::ExitStatus> {
        self.writer.shutdown().await
    }
}

impl ChildWriter {
    async fn shutdown(&mut self) -> std::io::Result<std::process::ExitStatus> {
        self.framed.writer_mut().0.take();
        if let Ok(status) = tokio::time::timeout(self.shutdown.after_stdin, self.child.wait()).await {
            return status;
        }
        if let Some(pid) = self.child.id().and_then(|id| i32::try_from(id).ok()) {
            // The process may exit between the check and the signal; a failed signal is then harmless.
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGTERM);
        }
        if let Ok(status) = tokio::time::timeout(self.shutdown.after_term, self.child.wait()).await {
            return status;
        }
        self.child.kill().await?;
        self.child.wait().await
    }
}

impl Transport for ChildProcess {
    type Reader = FramedRead<ChildStdout>;
    type Writer = ChildWriter;

    fn split(self) -> (FramedRead<ChildStdout>, ChildWriter) {
        (self.reader, self.writer)
    }
}

impl FrameWriter for ChildWriter {
    async fn send(&mut self, frame: String) -> Result<(), TransportError> {
        self.framed.send(frame).await
    }

    async fn feed(&mut self, frame: String, route: super::Route) -> Result<(), TransportError> {
        self.framed.feed(frame, route).await
    }

    async fn flush(&mut self) -> Result<(), TransportError> {
        FrameWriter::flush(&mut self.framed).await
    }

    async fn close(&mut self) -> Result<(), TransportError> {
        // What was fed and not flushed still goes out; a child that stopped reading is shut down anyway.
        let flushed = FrameWriter::flush(&mut self.framed).await;
        self.shutdown().await?;
        flushed?;
        Ok(())
    }
}

/// The child's stdin; shutting it down closes the pipe, which is the server's signal to exit.
struct StdinWriter(Option<ChildStdin>);

impl AsyncWrite for StdinWriter {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        match self.0.as_mut() {
            Some(stdin) => Pin::new(stdin).poll_write(cx, buf),
            None => Poll::Ready(Err(std::io::ErrorKind::BrokenPipe.into())),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.0.as_mut() {
            Some(stdin) => Pin::new(stdin).poll_flush(cx),
            None => Poll::Ready(Ok(())),
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.0 = None;
        Poll::Ready(Ok(()))
    }
}
