//! Newline-delimited framing over any byte stream, with a maximum frame size.

use super::{FrameReader, FrameWriter, Transport, TransportError};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};

/// The default maximum frame size: 16 MiB.
pub const DEFAULT_MAX_FRAME: usize = 16 * 1024 * 1024;

/// A [`Transport`] over a reader and a writer: one JSON text per line, `\n`-terminated (a trailing `\r` is
/// ignored, blank lines are skipped). Lines longer than the limit are skipped up to their newline and
/// reported as [`TransportError::TooLarge`]. Its halves can also be used directly (`send`, `recv`).
pub struct Framed<R, W> {
    reader: FramedRead<R>,
    writer: FramedWrite<W>,
}

/// The reading half of [`Framed`].
pub struct FramedRead<R> {
    reader: BufReader<R>,
    max: usize,
    line: Vec<u8>,
    skipping: bool,
}

/// The writing half of [`Framed`].
pub struct FramedWrite<W> {
    writer: W,
}

impl<R, W> Framed<R, W>
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    /// Frames `reader` and `writer` with the default maximum frame size ([`DEFAULT_MAX_FRAME`]).
    pub fn new(reader: R, writer: W) -> Self {
        Framed { reader: FramedRead::new(reader), writer: FramedWrite::new(writer) }
    }

    /// Sets the maximum size in bytes of one received frame.
    pub fn max_frame(mut self, bytes: usize) -> Self {
        self.reader.max = bytes;
        self
    }

    /// Sends one frame.
    pub async fn send(&mut self, frame: String) -> Result<(), TransportError> {
        self.writer.send(frame).await
    }

    /// Receives the next frame (see [`FrameReader::recv`]).
    pub async fn recv(&mut self) -> Option<Result<String, TransportError>> {
        self.reader.recv().await
    }

    /// Flushes and closes the write side.
    pub async fn close(&mut self) -> Result<(), TransportError> {
        self.writer.close().await
    }
}

impl<R: AsyncRead + Unpin + Send + 'static, W: AsyncWrite + Unpin + Send + 'static> Transport for Framed<R, W> {
    type Reader = FramedRead<R>;
    type Writer = FramedWrite<W>;

    fn split(self) -> (FramedRead<R>, FramedWrite<W>) {
        (self.reader, self.writer)
    }
}

impl<R: AsyncRead + Unpin + Send + 'static> FramedRead<R> {
    /// Frames `reader` with the default maximum frame size.
    pub fn new(reader: R) -> Self {
        FramedRead { reader: BufReader::new(reader), max: DEFAULT_MAX_FRAME, line: Vec::new(), skipping: false }
    }

    /// Sets the maximum size in bytes of one received frame.
    pub fn max_frame(mut self, bytes: usize) -> Self {
        self.max = bytes;
        self
    }

    fn finish(&mut self) -> Result<String, TransportError> {
        let line = std::mem::take(&mut self.line);
        if std::mem::take(&mut self.skipping) {
            return Err(TransportError::TooLarge { limit: self.max });
        }
        let mut text = String::from_utf8(line).map_err(|_| TransportError::InvalidUtf8)?;
        if text.ends_with('\r') {
            text.pop();
        }
        Ok(text)
    }
}

impl<R: AsyncRead + Unpin + Send + 'static> FrameReader for FramedRead<R> {
    /// Reads until a newline. Cancel-safe: all progress is kept in `self`.
    async fn recv(&mut self) -> Option<Result<String, TransportError>> {
        loop {
            let available = match self.reader.fill_buf().await {
                Ok(bytes) => bytes,
                Err(e) => return Some(Err(e.into())),
            };
            if available.is_empty() {
                // End of stream: a final unterminated line still counts as a frame.
                if self.line.is_empty() && !self.skipping {
                    return None;
                }
                return Some(self.finish());
            }
            let (chunk, newline) = match available.iter().position(|&b| b == b'\n') {
                Some(i) => (&available[..i], true),
                None => (available, false),
            };
            if !self.skipping {
                if self.line.len() + chunk.len() > self.max {
                    self.skipping = true;
                    self.line.clear();
                } else {
                    self.line.extend_from_slice(chunk);
                }
            }
            let used = chunk.len() + usize::from(newline);
            self.reader.consume(used);
            if newline {
                if !self.skipping && self.line.iter().all(u8::is_ascii_whitespace) {
                    self.line.clear();
                    continue;
                }
                return Some(self.finish());
            }
        }
    }
}

impl<W: AsyncWrite + Unpin + Send + 'static> FramedWrite<W> {
    /// Frames `writer`.
    pub fn new(writer: W) -> Self {
        FramedWrite { writer }
    }

    /// The writer, e.g. to close a child's stdin.
    #[cfg_attr(not(feature = "stdio"), allow(dead_code))]
    pub(crate) fn writer_mut(&mut self) -> &mut W {
        &mut self.writer
    }
}

impl<W: AsyncWrite + Unpin + Send + 'static> FrameWriter for FramedWrite<W> {
    async fn send(&mut self, mut frame: String) -> Result<(), TransportError> {
        // A frame is one line: serialized JSON never contains a raw newline, but refuse to corrupt the
        // stream if a caller passes one.
        if frame.contains('\n') {
            frame = frame.replace('\n', " ");
        }
        frame.push('\n');
        self.writer.write_all(frame.as_bytes()).await?;
        self.writer.flush().await?;
        Ok(())
    }

    async fn close(&mut self) -> Result<(), TransportError> {
        self.writer.shutdown().await?;
        Ok(())
    }
}
