//! An incremental parser of server-sent events (the `text/event-stream` format of the WHATWG HTML
//! standard, "Server-sent events", section 9.2.6).
//!
//! Feed it the body of a response chunk by chunk with [`SseParser::feed`]; it returns the events completed
//! by that chunk. Chunks may split lines, line endings (`\r\n`) and UTF-8 sequences anywhere. Like a
//! browser's `EventSource`, the parser remembers the last event id and the reconnection time across events
//! (and across connections: [`SseParser::reset`] starts a new connection of the same event source).
//!
//! ```
//! use mcpgen_runtime::http::sse::SseParser;
//!
//! let mut parser = SseParser::new();
//! let events = parser.feed(b"id: 7\ndata: {\"jsonrpc\":\"2.0\",\n");
//! assert!(events.is_empty());
//! let events = parser.feed(b"data: \"method\":\"ping\"}\n\n");
//! let event = events.into_iter().next().unwrap().unwrap();
//! assert_eq!(event.id.as_deref(), Some("7"));
//! assert_eq!(event.data, "{\"jsonrpc\":\"2.0\",\n\"method\":\"ping\"}");
//! ```

use std::time::Duration;

/// The default maximum size of one event: 16 MiB.
pub const DEFAULT_MAX_EVENT_SIZE: usize = 16 * 1024 * 1024;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One dispatched event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Event {
    /// The last event id of the stream when this event was dispatched (ids persist across events until
    /// another `id` field changes them); `None` when it is empty.
    pub id: Option<String>,
    /// The event type (`event` field); `None` means the default type, `message`.
    pub event: Option<String>,
    /// The data: the `data` fields of the event joined with `\n`. May be empty (a "priming" event).
    pub data: String,
    /// The reconnection time set by a `retry` field within this event, if any. The latest value of the
    /// stream, wherever it appeared, is [`SseParser::retry`].
    pub retry: Option<Duration>,
}

/// Why the parser could not produce an event.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SseError {
    /// An event grew beyond the maximum size. It was discarded up to its end (the next blank line);
    /// parsing goes on after it.
    #[error("server-sent event of more than {limit} bytes skipped")]
    TooLarge {
        /// The configured maximum event size in bytes.
        limit: usize,
    },
}

/// The incremental parser. See the [module documentation](self).
#[derive(Debug)]
pub struct SseParser {
    max: usize,
    /// The bytes of the line being read (not kept while skipping an oversized event).
    line: Vec<u8>,
    /// The length of the line being read, also while skipping.
    line_len: usize,
    /// The previous chunk ended with `\r`: a `\n` starting the next one belongs to that line ending.
    after_cr: bool,
    /// No line of this connection has been completed yet (a BOM may start it).
    first_line: bool,
    /// Discarding an oversized event up to its blank line.
    skipping: bool,
    data: String,
    event_type: String,
    last_id: String,
    event_retry: Option<Duration>,
    retry: Option<Duration>,
}

impl Default for SseParser {
    fn default() -> Self {
        Self::new()
    }
}

impl SseParser {
    /// A parser with the default maximum event size ([`DEFAULT_MAX_EVENT_SIZE`]).
    pub fn new() -> Self {
        SseParser {
            max: DEFAULT_MAX_EVENT_SIZE,
            line: Vec::new(),
            line_len: 0,
            after_cr: false,
            first_line: true,
            skipping: false,
            data: String::new(),
            event_type: String::new(),
            last_id: String::new(),
            event_retry: None,
            retry: None,
        }
    }

    /// Sets the maximum size in bytes of one event (its data, type and the line being read).
    pub fn max_event_size(mut self, bytes: usize) -> Self {
        self.max = bytes;
        self
    }

    /// The last event id of the stream (`None` when none was set, or an `id` field emptied it). It is
    /// updated by `id` fields even when their event is not dispatched (no `data`); send it as
    /// `Last-Event-ID` when reconnecting.
    pub fn last_event_id(&self) -> Option<&str> {
        (!self.last_id.is_empty()).then_some(self.last_id.as_str())
    }

    /// The latest reconnection time the server set with a `retry` field, if any.
    pub fn retry(&self) -> Option<Duration> {
        self.retry
    }

    /// Starts a new connection of the same event source: forgets the partial line and event (the old
    /// connection's incomplete event is discarded, as at the end of a stream) but keeps the last event id
    /// and the reconnection time.
    pub fn reset(&mut self) {
        self.line.clear();
        self.line_len = 0;
        self.after_cr = false;
        self.first_line = true;
        self.skipping = false;
        self.data.clear();
        self.event_type.clear();
        self.event_retry = None;
    }

    /// Parses `chunk` and returns the events it completed, in order, with an error in place of each event
    /// that exceeded the maximum size.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<Result<Event, SseError>> {
        let mut out = Vec::new();
        let mut rest = chunk;
        if self.after_cr && !rest.is_empty() {
            self.after_cr = false;
            if rest[0] == b'\n' {
                rest = &rest[1..];
            }
        }
        while !rest.is_empty() {
            match rest.iter().position(|&b| b == b'\n' || b == b'\r') {
                None => {
                    self.append(rest, &mut out);
                    break;
                }
                Some(end) => {
                    self.append(&rest[..end], &mut out);
                    let terminator = rest[end];
                    rest = &rest[end + 1..];
                    if terminator == b'\r' {
                        match rest.first() {
                            Some(b'\n') => rest = &rest[1..],
                            Some(_) => {}
                            None => self.after_cr = true,
                        }
                    }
                    self.end_line(&mut out);
                }
            }
        }
        out
    }

    /// Adds bytes to the line being read, checking the size limit.
    fn append(&mut self, bytes: &[u8], out: &mut Vec<Result<Event, SseError>>) {
        self.line_len = self.line_len.saturating_add(bytes.len());
        if self.skipping {
            return;
        }
        if self.line_len.saturating_add(self.data.len()).saturating_add(self.event_type.len()) > self.max {
            self.start_skipping(out);
            return;
        }
        self.line.extend_from_slice(bytes);
    }

    fn start_skipping(&mut self, out: &mut Vec<Result<Event, SseError>>) {
        self.skipping = true;
        self.line.clear();
        self.data.clear();
        self.event_type.clear();
        self.event_retry = None;
        out.push(Err(SseError::TooLarge { limit: self.max }));
    }

    fn end_line(&mut self, out: &mut Vec<Result<Event, SseError>>) {
        let mut line = std::mem::take(&mut self.line);
        let empty = self.line_len == 0;
        self.line_len = 0;
        let first = std::mem::replace(&mut self.first_line, false);
        if self.skipping {
            // The oversized event ends at its blank line; what follows is parsed again.
            self.skipping = !empty;
            return;
        }
        let mut bytes = line.as_slice();
        if first && bytes.starts_with(BOM) {
            bytes = &bytes[BOM.len()..];
        }
        if bytes.is_empty() {
            self.dispatch(out);
        } else {
            self.field(bytes);
        }
        line.clear();
        self.line = line;
    }

    fn field(&mut self, line: &[u8]) {
        if line[0] == b':' {
            return; // A comment (keep-alive).
        }
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &[][..]),
        };
        match name {
            b"data" => {
                self.data.push_str(&String::from_utf8_lossy(value));
                self.data.push('\n');
            }
            b"event" => self.event_type = String::from_utf8_lossy(value).into_owned(),
            // An id containing NUL is ignored.
            b"id" if !value.contains(&0) => self.last_id = String::from_utf8_lossy(value).into_owned(),
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                // Digits only, so the text is ASCII; a value too large for u64 is ignored.
                if let Ok(ms) = std::str::from_utf8(value).unwrap_or_default().parse::<u64>() {
                    let retry = Duration::from_millis(ms);
                    self.retry = Some(retry);
                    self.event_retry = Some(retry);
                }
            }
            _ => {}
        }
    }

    fn dispatch(&mut self, out: &mut Vec<Result<Event, SseError>>) {
        let event_type = std::mem::take(&mut self.event_type);
        let retry = self.event_retry.take();
        if self.data.is_empty() {
            return;
        }
        let mut data = std::mem::take(&mut self.data);
        if data.ends_with('\n') {
            data.pop();
        }
        out.push(Ok(Event {
            id: self.last_event_id().map(str::to_owned),
            event: (!event_type.is_empty()).then_some(event_type),
            data,
            retry,
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(parser: &mut SseParser, chunks: &[&[u8]]) -> Vec<Event> {
        chunks.iter().flat_map(|c| parser.feed(c)).map(|e| e.expect("no error")).collect()
    }

    fn all(chunks: &[&[u8]]) -> Vec<Event> {
        events(&mut SseParser::new(), chunks)
    }

    fn data(events: &[Event]) -> Vec<&str> {
        events.iter().map(|e| e.data.as_str()).collect()
    }

    #[test]
    fn line_endings_lf_crlf_cr() {
        assert_eq!(data(&all(&[b"data: a\n\ndata: b\r\n\r\ndata: c\r\rdata: d\n\r"])), ["a", "b", "c", "d"]);
    }

    #[test]
    fn crlf_split_across_chunks_is_one_line_ending() {
        // A `\n` after a chunk ending in `\r` must not end a second (blank) line.
        let got = all(&[b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"]);
        assert_eq!(data(&got), ["a\nb"]);
    }

    #[test]
    fn byte_by_byte_feeding() {
        let text = "event: note\r\nid: 1\r\ndata: héllo\r\ndata: wörld\r\n\r\n";
        let mut parser = SseParser::new();
        let mut got = Vec::new();
        for b in text.as_bytes() {
            got.extend(parser.feed(std::slice::from_ref(b)).into_iter().map(Result::unwrap));
        }
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].data, "héllo\nwörld");
        assert_eq!(got[0].event.as_deref(), Some("note"));
        assert_eq!(got[0].id.as_deref(), Some("1"));
    }

    #[test]
    fn multi_line_data_is_joined_with_newlines() {
        assert_eq!(data(&all(&[b"data: one\ndata\ndata:  three\n\n"])), ["one\n\n three"]);
    }

    #[test]
    fn comments_are_ignored() {
        let got = all(&[b": keep-alive\n\n:\ndata: x\n: in between\n\n"]);
        assert_eq!(data(&got), ["x"]);
    }

    #[test]
    fn field_without_colon_has_empty_value() {
        // `data` alone appends an empty line; `event` alone resets the type.
        let got = all(&[b"event: a\nevent\ndata\n\n"]);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].data, "");
        assert_eq!(got[0].event, None);
    }

    #[test]
    fn only_one_leading_space_is_stripped() {
        assert_eq!(data(&all(&[b"data:no-space\n\ndata:  two\n\n"])), ["no-space", " two"]);
    }

    #[test]
    fn bom_at_start_is_skipped_even_split() {
        assert_eq!(data(&all(&[b"\xEF\xBB", b"\xBFdata: x\n\n"])), ["x"]);
        // Only at the start of the stream: later it is part of the field name (an unknown field).
        assert!(all(&[b"data: x\n\n\xEF\xBB\xBFdata: y\n\n"]).len() == 1);
    }

    #[test]
    fn event_without_data_is_not_dispatched_but_id_is_kept() {
        let mut parser = SseParser::new();
        assert!(events(&mut parser, &[b"id: 5\nevent: x\n\n"]).is_empty());
        assert_eq!(parser.last_event_id(), Some("5"));
        let got = events(&mut parser, &[b"data: y\n\n"]);
        assert_eq!(got[0].id.as_deref(), Some("5"));
        assert_eq!(got[0].event, None, "the type does not survive an undispatched event");
    }

    #[test]
    fn priming_event_has_empty_data() {
        let got = all(&[b"id: e1\nretry: 500\ndata: \n\n"]);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].data, "");
        assert_eq!(got[0].retry, Some(Duration::from_millis(500)));
    }

    #[test]
    fn last_event_id_persists_and_can_be_cleared() {
        let got = all(&[b"id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\n"]);
        let ids: Vec<_> = got.iter().map(|e| e.id.as_deref()).collect();
        assert_eq!(ids, [Some("1"), Some("1"), None]);
    }

    #[test]
    fn id_with_nul_is_ignored() {
        let got = all(&[b"id: good\ndata: a\n\nid: b\0d\ndata: b\n\n"]);
        assert_eq!(got[1].id.as_deref(), Some("good"));
    }

    #[test]
    fn retry_only_digits() {
        let mut parser = SseParser::new();
        let got =
            events(&mut parser, &[b"retry: 300\ndata: a\n\nretry: 12a\ndata: b\n\nretry: -1\nretry\ndata: c\n\n"]);
        assert_eq!(got[0].retry, Some(Duration::from_millis(300)));
        assert_eq!(got[1].retry, None);
        assert_eq!(got[2].retry, None);
        assert_eq!(parser.retry(), Some(Duration::from_millis(300)));
        events(&mut parser, &[b"retry: 99999999999999999999999\n\n"]);
        assert_eq!(parser.retry(), Some(Duration::from_millis(300)), "overflowing value ignored");
    }

    #[test]
    fn event_type_and_unknown_fields() {
        let got = all(&[b"event: endpoint\nfoo: bar\ndata: /messages?s=1\n\n"]);
        assert_eq!(got[0].event.as_deref(), Some("endpoint"));
        assert_eq!(got[0].data, "/messages?s=1");
    }

    #[test]
    fn incomplete_event_at_end_is_not_dispatched_and_reset_keeps_id() {
        let mut parser = SseParser::new();
        assert!(events(&mut parser, &[b"id: 9\nretry: 10\n\ndata: partial"]).is_empty());
        parser.reset();
        let got = events(&mut parser, &[b"data: fresh\n\n"]);
        assert_eq!(data(&got), ["fresh"]);
        assert_eq!(got[0].id.as_deref(), Some("9"));
        assert_eq!(parser.retry(), Some(Duration::from_millis(10)));
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        assert_eq!(data(&all(&[b"data: a\xFFb\n\n"])), ["a\u{FFFD}b"]);
    }

    #[test]
    fn oversized_event_is_an_error_and_parsing_resumes() {
        let mut parser = SseParser::new().max_event_size(16);
        let mut got = parser.feed(b"data: 0123456789\ndata: 0123456789\n");
        got.extend(parser.feed(b"data: more that is skipped\n\ndata: ok\n\n"));
        assert_eq!(got.len(), 2);
        assert_eq!(got[0], Err(SseError::TooLarge { limit: 16 }));
        assert_eq!(got[1].as_ref().map(|e| e.data.as_str()), Ok("ok"));
    }

    #[test]
    fn oversized_line_without_newline_does_not_buffer() {
        let mut parser = SseParser::new().max_event_size(8);
        let mut errors = 0;
        for _ in 0..100 {
            errors += parser.feed(b"data: xxxxxxxxxxxxxxxx").len();
        }
        assert_eq!(errors, 1);
        assert!(parser.line.capacity() <= 64);
        assert_eq!(data(&events(&mut parser, &[b"\n\ndata: y\n\n"])), ["y"]);
    }
}
