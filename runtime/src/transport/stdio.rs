//! The server side of stdio: frames on this process's stdin and stdout.
//!
//! When stdin and stdout are pipes (the usual case: a client started this server), they are read and
//! written on tokio's reactor, as non-blocking pipes. Otherwise (a terminal, a file) they go through
//! tokio's `Stdin`/`Stdout`, which hand every read and write to a blocking thread: correct anywhere, but
//! each message then costs several thread hand-offs (BENCHMARKS.md measures the difference).

use super::Framed;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// This process's stdin and stdout as a transport (the server side of the stdio transport). Logs belong
/// on stderr: anything else written to stdout corrupts the stream.
///
/// Pipes are switched to non-blocking mode. That flag belongs to the pipe, not to this process's
/// descriptor, so another process sharing the same pipe end (a shell that redirected stderr into stdout,
/// say) sees it too; such a setup mixes logs into the protocol stream anyway.
pub fn stdio() -> Framed<Stdin, Stdout> {
    Framed::new(Stdin::new(), Stdout::new())
}

/// This process's stdin, on the reactor when it is a pipe.
#[derive(Debug)]
pub struct Stdin(In);

#[derive(Debug)]
enum In {
    #[cfg(unix)]
    Pipe(tokio::net::unix::pipe::Receiver),
    Blocking(tokio::io::Stdin),
}

/// This process's stdout, on the reactor when it is a pipe.
#[derive(Debug)]
pub struct Stdout(Out);

#[derive(Debug)]
enum Out {
    #[cfg(unix)]
    Pipe(tokio::net::unix::pipe::Sender),
    Blocking(tokio::io::Stdout),
}

impl Stdin {
    /// Stdin as a pipe on the reactor if it is one, else tokio's blocking-thread reader.
    fn new() -> Stdin {
        #[cfg(unix)]
        if let Some(pipe) = as_pipe(&io::stdin(), tokio::net::unix::pipe::Receiver::from_owned_fd) {
            return Stdin(In::Pipe(pipe));
        }
        Stdin(In::Blocking(tokio::io::stdin()))
    }
}

impl Stdout {
    /// Stdout as a pipe on the reactor if it is one, else tokio's blocking-thread writer.
    fn new() -> Stdout {
        #[cfg(unix)]
        if let Some(pipe) = as_pipe(&io::stdout(), tokio::net::unix::pipe::Sender::from_owned_fd) {
            return Stdout(Out::Pipe(pipe));
        }
        Stdout(Out::Blocking(tokio::io::stdout()))
    }
}

/// A second descriptor of `stream` opened as a pipe end by `open`, which fails unless it is a FIFO.
#[cfg(unix)]
fn as_pipe<T>(stream: &impl std::os::fd::AsFd, open: fn(std::os::fd::OwnedFd) -> io::Result<T>) -> Option<T> {
    stream.as_fd().try_clone_to_owned().and_then(open).ok()
}

impl AsyncRead for Stdin {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().0 {
            #[cfg(unix)]
            In::Pipe(pipe) => Pin::new(pipe).poll_read(cx, buf),
            In::Blocking(stdin) => Pin::new(stdin).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stdout {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().0 {
            #[cfg(unix)]
            Out::Pipe(pipe) => Pin::new(pipe).poll_write(cx, buf),
            Out::Blocking(stdout) => Pin::new(stdout).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().0 {
            #[cfg(unix)]
            Out::Pipe(pipe) => Pin::new(pipe).poll_flush(cx),
            Out::Blocking(stdout) => Pin::new(stdout).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().0 {
            #[cfg(unix)]
            Out::Pipe(pipe) => Pin::new(pipe).poll_shutdown(cx),
            Out::Blocking(stdout) => Pin::new(stdout).poll_shutdown(cx),
        }
    }
}
