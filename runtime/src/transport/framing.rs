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

/// The writing half of [`Framed`]. Frames fed with [`FrameWriter::feed`] wait in a buffer for the next
/// flush, which writes them with one call.
pub struct FramedWrite<W> {
    writer: W,
    buffer: Vec<u8>,
}

/// A flushed buffer larger than this is freed rather than kept for the next frames.
const KEEP_BUFFER: usize = 1024 * 1024;

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
        FramedWrite { writer, buffer: Vec::new() }
    }

    /// Appends one frame and its newline to the buffer.
    fn push(&mut self, frame: &str) {
        // A frame is one line: serialized JSON never contains a raw newline, but refuse to corrupt the
        // stream if a caller passes one.
        let start = self.buffer.len();
        self.buffer.extend_from_slice(frame.as_bytes());
        for byte in &mut self.buffer[start..] {
            if *byte == b'\n' {
                *byte = b' ';
            }
        }
        self.buffer.push(b'\n');
    }

    /// The writer, e.g. to close a child's stdin.
    #[cfg_attr(not(feature = "stdio"), allow(dead_code))]
    pub(crate) fn writer_mut(&mut self) -> &mut W {
        &mut self.writer
    }
}

impl<W: AsyncWrite + Unpin + Send + 'static> FrameWriter for FramedWrite<W> {
    async fn send(&mut self, frame: String) -> Result<(), TransportError> {
        self.push(&frame);
        FrameWriter::flush(self).await
    }

    async fn feed(&mut self, frame: String, _: super::Route) -> Result<(), TransportError> {
        self.push(&frame);
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), TransportError> {
        if !self.buffer.is_empty() {
            // Taken out first: a flush that fails or is abandoned part-way leaves the stream cut inside a
            // frame, so what it held must not be written again (by `close`, say).
            let mut buffer = std::mem::take(&mut self.buffer);
            self.writer.write_all(&buffer).await?;
            buffer.clear();
            if buffer.capacity() <= KEEP_BUFFER {
                self.buffer = buffer;
            }
        }
        self.writer.flush().await?;
        Ok(())
    }

    async fn close(&mut self) -> Result<(), TransportError> {
        FrameWriter::flush(self).await?;
        self.writer.shutdown().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::Route;
    use tokio::io::AsyncReadExt;

    #[tokio::test]
    async fn fed_frames_wait_for_the_flush_and_go_out_in_order_as_lines() {
        let (ours, mut theirs) = tokio::io::duplex(1024);
        let mut writer = FramedWrite::new(ours);
        for frame in ["{\"a\":1}", "{\"b\":\n2}", "{\"c\":3}"] {
            writer.feed(frame.to_owned(), Route::Session).await.unwrap();
        }
        let mut byte = [0u8; 1];
        let early = tokio::time::timeout(std::time::Duration::from_millis(20), theirs.read(&mut byte)).await;
        assert!(early.is_err(), "a fed frame was written before the flush");
        FrameWriter::flush(&mut writer).await.unwrap();
        writer.close().await.unwrap();
        let mut text = String::new();
        theirs.read_to_string(&mut text).await.unwrap();
        // A raw newline inside a frame would split it; it is sent as a space.
        assert_eq!(text, "{\"a\":1}\n{\"b\": 2}\n{\"c\":3}\n");
    }

    #[tokio::test]
    async fn an_abandoned_flush_is_not_written_again_by_close() {
        // The peer reads nothing: the flush of 4 KiB into a 1 KiB pipe cannot finish and is abandoned.
        let (ours, mut theirs) = tokio::io::duplex(1024);
        let mut writer = FramedWrite::new(ours);
        writer.feed("x".repeat(4096), Route::Session).await.unwrap();
        let flush = tokio::time::timeout(std::time::Duration::from_millis(20), FrameWriter::flush(&mut writer)).await;
        assert!(flush.is_err(), "the flush finished with nobody reading");
        // Closing sends nothing more: what the pipe holds is the part written before the flush stopped.
        writer.close().await.unwrap();
        let mut text = Vec::new();
        theirs.read_to_end(&mut text).await.unwrap();
        assert_eq!(text.len(), 1024);
    }
}
