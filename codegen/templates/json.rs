//! The JSON reader the message decoders in [`rpc`](crate::rpc) run on: a serde [`Deserializer`] over text
//! already known to be UTF-8 (a frame is checked once, whole).
//!
//! It reads what serde_json reads and refuses what serde_json refuses (RFC 8259; kept values nest at most
//! 127 deep, skipped ones without limit and without recursion), hands visitors the same calls (strings
//! without escapes are borrowed from the text, integers are `u64` or `i64`, `-0` and integers past 64
//! bits are `f64`, 128-bit integers are read from their digits, bytes keep what serde_json keeps,
//! serde_json's `RawValue` is supported, as a value and as a key), and its errors have the same
//! categories, messages and positions. The tests compare the two on generated and damaged documents and
//! on every serde shape. It differs in speed: it finds the end of a string eight bytes at a time, and it
//! reads whole texts in memory, without serde_json's layer over readers.
//!
//! Where it differs on purpose: floating-point numbers are read with the standard library's correctly
//! rounded parser, where serde_json's default one can be one unit in the last place off (so a number
//! within that distance of `f64::MAX` can be accepted by one and refused by the other, and "number out
//! of range" is placed at the end of the number); and a boolean map key that is neither `true` nor
//! `false` is named whole in the error, where serde_json drops its first character (and panics when that
//! character is not ASCII).
//!
//! This file is authored by hand in `codegen/templates/json.rs` and copied verbatim into
//! `generated/src/json.rs` by `cargo xtask gen`; edit the template, never the copy.

use ::std::fmt;
use ::std::marker::PhantomData;

use ::serde::de::{self, DeserializeSeed, Expected, Unexpected, Visitor};
use ::serde::Deserialize;

/// How many arrays and objects may be open at once, plus one (serde_json's limit): deeper text is refused
/// rather than read into a stack overflow.
const DEPTH: u16 = 128;

/// The name under which serde_json's `RawValue` asks a deserializer for the text of a value, and
/// serializes itself as a struct of one member (`mcpgen_runtime::json` prints it unchanged).
pub const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// Decodes a `T` from JSON text, which must hold one value and nothing but whitespace after it.
///
/// # Errors
///
/// The text is not JSON ([`Category::Syntax`], [`Category::Eof`]) or not a `T` ([`Category::Data`]).
pub fn from_str<'de, T: Deserialize<'de>>(text: &'de str) -> Result<T, Error> {
    from_str_seed(text, PhantomData)
}

/// Decodes the value `seed` reads from JSON text; see [`from_str`].
///
/// # Errors
///
/// As [`from_str`].
pub fn from_str_seed<'de, S: DeserializeSeed<'de>>(text: &'de str, seed: S) -> Result<S::Value, Error> {
    let mut de = Deserializer::new(text);
    let value = seed.deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// Finds the bytes a JSON string cannot hold as they are, eight at a time: the high bit of a byte of the
/// result is set if that byte of `word` (bytes in little-endian order) is `"`, `\` or a control character
/// below 0x20. The lowest flagged byte is exact; flags above it may be false (borrows between bytes).
/// Bytes from 0x80 up (UTF-8 sequences) are never flagged.
///
/// Reading stops at these bytes to find the end of a string; printing escapes them.
#[inline]
#[must_use]
pub fn escape_mask(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Among bytes below 0x80, a byte of `x` is zero exactly where this has its high bit set.
    let zero = |x: u64| x.wrapping_sub(ONES) & !x;
    let quote = zero(word ^ (ONES * u64::from(b'"')));
    let backslash = zero(word ^ (ONES * u64::from(b'\\')));
    let control = word.wrapping_sub(ONES * 0x20);
    (quote | backslash | control) & !word & HIGH
}

/// The index of the first byte at or after `at` that ends a run of plain string text (see
/// [`escape_mask`]), or the length of `bytes` if none does.
#[inline(always)]
fn plain_run_end(bytes: &[u8], mut at: usize) -> usize {
    let word = |at: usize| bytes.get(at..).and_then(<[u8]>::first_chunk::<8>).map(|w| u64::from_le_bytes(*w));
    let mut words = 0;
    while let Some(word) = word(at) {
        let mask = escape_mask(word);
        if mask != 0 {
            return at + (mask.trailing_zeros() / 8) as usize;
        }
        at += 8;
        words += 1;
        if words == 2 {
            // Past two words (where member names and short values end), skip 32 bytes at a time while
            // none is flagged; the word loop then finds the first flag among the next 32.
            while let Some(block) = bytes.get(at..).and_then(<[u8]>::first_chunk::<32>) {
                let (words, _) = block.as_chunks::<8>();
                if words.iter().fold(0, |flags, w| flags | escape_mask(u64::from_le_bytes(*w))) != 0 {
                    break;
                }
                at += 32;
            }
        }
    }
    while let Some(&b) = bytes.get(at) {
        if b == b'"' || b == b'\\' || b < 0x20 {
            return at;
        }
        at += 1;
    }
    at
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// What kind of failure an [`Error`] is (serde_json's categories, without I/O).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    /// The text is not JSON.
    Syntax,
    /// The text ended inside a value.
    Eof,
    /// The text is JSON, but not the value asked for (a type's own error).
    Data,
}

/// Why JSON text could not be decoded: what, and where (line and column, both from 1, once known).
///
/// One pointer wide, so that results carrying it stay small.
pub struct Error(Box<ErrorImpl>);

struct ErrorImpl {
    category: Category,
    message: ::std::borrow::Cow<'static, str>,
    line: usize,
    column: usize,
}

impl Error {
    fn new(category: Category, message: ::std::borrow::Cow<'static, str>) -> Self {
        Error(Box::new(ErrorImpl { category, message, line: 0, column: 0 }))
    }

    /// The error, placed at the byte before `end` in `text` unless it has a position already.
    #[cold]
    fn placed(mut self, text: &str, end: usize) -> Self {
        if self.0.line == 0 {
            (self.0.line, self.0.column) = position(text, end);
        }
        self
    }

    /// What kind of failure this is.
    #[must_use]
    pub fn category(&self) -> Category {
        self.0.category
    }

    /// Whether the text is not JSON.
    #[must_use]
    pub fn is_syntax(&self) -> bool {
        self.0.category == Category::Syntax
    }

    /// Whether the text ended inside a value.
    #[must_use]
    pub fn is_eof(&self) -> bool {
        self.0.category == Category::Eof
    }

    /// Whether the text is JSON but not the value asked for.
    #[must_use]
    pub fn is_data(&self) -> bool {
        self.0.category == Category::Data
    }

    /// The line of the failure, from 1 (0 when not known).
    #[must_use]
    pub fn line(&self) -> usize {
        self.0.line
    }

    /// The column of the failure in bytes, from 1 (0 when not known, or at the start of a line).
    #[must_use]
    pub fn column(&self) -> usize {
        self.0.column
    }

    /// The message without the position.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.0.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.line == 0 {
            f.write_str(&self.0.message)
        } else {
            write!(f, "{} at line {} column {}", self.0.message, self.0.line, self.0.column)
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Error({:?}, line: {}, column: {})", self.0.message, self.0.line, self.0.column)
    }
}

impl ::std::error::Error for Error {}

impl de::Error for Error {
    /// A type's error. As serde_json, a message ending in " at line L column C" (an error of another
    /// JSON reader passed on) keeps that position, as the position.
    #[cold]
    fn custom<T: fmt::Display>(message: T) -> Self {
        let message = message.to_string();
        match split_position(&message) {
            Some((bare, line, column)) => {
                let mut e = Error::new(Category::Data, bare.to_owned().into());
                (e.0.line, e.0.column) = (line, column);
                e
            }
            None => Error::new(Category::Data, message.into()),
        }
    }

    #[cold]
    fn invalid_type(unexpected: Unexpected<'_>, expected: &dyn Expected) -> Self {
        de::Error::custom(format_args!("invalid type: {}, expected {expected}", JsonUnexpected(unexpected)))
    }

    #[cold]
    fn invalid_value(unexpected: Unexpected<'_>, expected: &dyn Expected) -> Self {
        de::Error::custom(format_args!("invalid value: {}, expected {expected}", JsonUnexpected(unexpected)))
    }
}

/// Splits " at line L column C" off the end of a message, if it ends with one.
fn split_position(message: &str) -> Option<(&str, usize, usize)> {
    let at = message.rfind(" at line ")?;
    let (line, column) = message[at + " at line ".len()..].split_once(" column ")?;
    let number = |s: &str| match !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        true => s.parse().ok(),
        false => None,
    };
    Some((&message[..at], number(line)?, number(column)?))
}

/// What was found, named as serde_json names it: JSON's null is `null` (serde says "unit value"), and a
/// floating-point number is printed as serde_json prints it.
struct JsonUnexpected<'a>(Unexpected<'a>);

impl fmt::Display for JsonUnexpected<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Unexpected::Unit => f.write_str("null"),
            Unexpected::Float(n) if n.is_finite() => write!(f, "floating point `{}`", ::serde_json::Value::from(n)),
            Unexpected::Float(n) => write!(f, "floating point `{n}`"),
            other => other.fmt(f),
        }
    }
}

/// The syntax failures, with serde_json's messages.
#[derive(Clone, Copy)]
enum Code {
    EofWhileParsingList,
    EofWhileParsingObject,
    EofWhileParsingString,
    EofWhileParsingValue,
    ExpectedColon,
    ExpectedListCommaOrEnd,
    ExpectedObjectCommaOrEnd,
    ExpectedSomeIdent,
    ExpectedSomeValue,
    ExpectedDoubleQuote,
    ExpectedNumericKey,
    InvalidEscape,
    InvalidNumber,
    NumberOutOfRange,
    ControlCharacterWhileParsingString,
    KeyMustBeAString,
    LoneLeadingSurrogateInHexEscape,
    TrailingComma,
    TrailingCharacters,
    UnexpectedEndOfHexEscape,
    RecursionLimitExceeded,
}

impl Code {
    fn message(self) -> &'static str {
        match self {
            Code::EofWhileParsingList => "EOF while parsing a list",
            Code::EofWhileParsingObject => "EOF while parsing an object",
            Code::EofWhileParsingString => "EOF while parsing a string",
            Code::EofWhileParsingValue => "EOF while parsing a value",
            Code::ExpectedColon => "expected `:`",
            Code::ExpectedListCommaOrEnd => "expected `,` or `]`",
            Code::ExpectedObjectCommaOrEnd => "expected `,` or `}`",
            Code::ExpectedSomeIdent => "expected ident",
            Code::ExpectedSomeValue => "expected value",
            Code::ExpectedDoubleQuote => "expected `\"`",
            Code::ExpectedNumericKey => "invalid value: expected key to be a number in quotes",
            Code::InvalidEscape => "invalid escape",
            Code::InvalidNumber => "invalid number",
            Code::NumberOutOfRange => "number out of range",
            Code::ControlCharacterWhileParsingString => {
                "control character (\\u0000-\\u001F) found while parsing a string"
            }
            Code::KeyMustBeAString => "key must be a string",
            Code::LoneLeadingSurrogateInHexEscape => "lone leading surrogate in hex escape",
            Code::TrailingComma => "trailing comma",
            Code::TrailingCharacters => "trailing characters",
            Code::UnexpectedEndOfHexEscape => "unexpected end of hex escape",
            Code::RecursionLimitExceeded => "recursion limit exceeded",
        }
    }

    fn category(self) -> Category {
        match self {
            Code::EofWhileParsingList
            | Code::EofWhileParsingObject
            | Code::EofWhileParsingString
            | Code::EofWhileParsingValue => Category::Eof,
            _ => Category::Syntax,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The reader
// ---------------------------------------------------------------------------------------------

/// A number as read: what serde_json hands a visitor for it.
#[derive(Clone, Copy)]
enum Number {
    Unsigned(u64),
    Signed(i64),
    Float(f64),
}

impl Number {
    fn visit<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Number::Unsigned(n) => visitor.visit_u64(n),
            Number::Signed(n) => visitor.visit_i64(n),
            Number::Float(n) => visitor.visit_f64(n),
        }
    }

    fn unexpected(self) -> Unexpected<'static> {
        match self {
            Number::Unsigned(n) => Unexpected::Unsigned(n),
            Number::Signed(n) => Unexpected::Signed(n),
            Number::Float(n) => Unexpected::Float(n),
        }
    }
}

/// A number's text, checked against JSON's grammar.
struct Scanned {
    start: usize,
    end: usize,
    /// The integer's magnitude, if the number is an integer that fits 64 bits.
    integer: Option<u64>,
    negative: bool,
}

/// A string as read: borrowed from the text, or unescaped into the reader's scratch buffer.
enum Str<'de, 's> {
    Borrowed(&'de str),
    Copied(&'s str),
}

impl<'de> Str<'de, '_> {
    fn visit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Str::Borrowed(s) => visitor.visit_borrowed_str(s),
            Str::Copied(s) => visitor.visit_str(s),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            Str::Borrowed(s) => s,
            Str::Copied(s) => s,
        }
    }
}

/// Line and column (in bytes, from 1) of the byte before `end` in `text`, as serde_json counts them.
fn position(text: &str, end: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..end.min(text.len())];
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let line = 1 + before[..line_start].iter().filter(|&&b| b == b'\n').count();
    (line, before.len() - line_start)
}

/// A string read as bytes (see [`Deserializer::read_bytes`]).
enum Bytes<'de, 's> {
    Borrowed(&'de [u8]),
    Copied(&'s [u8]),
}

impl<'de> Bytes<'de, '_> {
    fn visit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Bytes::Borrowed(b) => visitor.visit_borrowed_bytes(b),
            Bytes::Copied(b) => visitor.visit_bytes(b),
        }
    }
}

/// Appends a code point, or a lone surrogate, encoded as UTF-8 encodes code points (WTF-8).
fn push_wtf8(out: &mut Vec<u8>, n: u32) {
    let continuation = |shift: u32| 0x80 | (n >> shift & 0x3F) as u8;
    match n {
        0..=0x7F => out.push(n as u8),
        0x80..=0x7FF => out.extend_from_slice(&[0xC0 | (n >> 6) as u8, continuation(0)]),
        0x800..=0xFFFF => out.extend_from_slice(&[0xE0 | (n >> 12) as u8, continuation(6), continuation(0)]),
        _ => out.extend_from_slice(&[0xF0 | (n >> 18) as u8, continuation(12), continuation(6), continuation(0)]),
    }
}

/// Reads JSON text into serde visitors. Use [`from_str`], or, to read several values, [`Deserializer::new`]
/// then [`Deserializer::end`].
pub struct Deserializer<'de> {
    text: &'de str,
    at: usize,
    /// How many more arrays and objects may open (see [`DEPTH`]).
    depth: u16,
    /// Where strings with escapes are unescaped.
    scratch: String,
    /// The arrays and objects open in a value being skipped.
    open: Vec<u8>,
    /// Where strings read as bytes with escapes are unescaped.
    raw_scratch: Vec<u8>,
}

impl<'de> Deserializer<'de> {
    /// A reader at the start of `text`.
    #[must_use]
    pub fn new(text: &'de str) -> Self {
        Deserializer { text, at: 0, depth: DEPTH, scratch: String::new(), open: Vec::new(), raw_scratch: Vec::new() }
    }

    /// Checks that nothing but whitespace is left.
    ///
    /// # Errors
    ///
    /// "trailing characters", at the first of them.
    pub fn end(&mut self) -> Result<(), Error> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.fail_here(Code::TrailingCharacters)),
        }
    }

    /// Gives an error without a position (a visitor's) the reader's current one.
    #[cold]
    fn locate(&self, e: Error) -> Error {
        e.placed(self.text, self.at)
    }

    /// A visitor's outcome, its error placed where reading stands (as serde_json places it: after the
    /// value the visitor was given, or after the end of the array or object it read).
    #[inline(always)]
    fn located<T>(&self, outcome: Result<T, Error>) -> Result<T, Error> {
        match outcome {
            Ok(value) => Ok(value),
            Err(e) => Err(self.locate(e)),
        }
    }

    /// Line and column of the byte before `end` in the text.
    fn position(&self, end: usize) -> (usize, usize) {
        position(self.text, end)
    }

    /// A syntax failure at the byte before `end` (a byte just read, or the end of the text).
    #[cold]
    fn fail_at(&self, code: Code, end: usize) -> Error {
        let mut e = Error::new(code.category(), code.message().into());
        let (line, column) = self.position(end);
        e.0.line = line;
        e.0.column = column;
        e
    }

    /// A syntax failure at the next byte (not yet read).
    #[cold]
    fn fail_here(&self, code: Code) -> Error {
        self.fail_at(code, self.at + 1)
    }

    /// Skips whitespace and returns the next byte, not consuming it.
    #[inline(always)]
    fn peek(&mut self) -> Option<u8> {
        let bytes = self.text.as_bytes();
        while let Some(&b) = bytes.get(self.at) {
            match b {
                b' ' | b'\n' | b'\t' | b'\r' => self.at += 1,
                _ => return Some(b),
            }
        }
        None
    }

    /// Like [`peek`](Self::peek), the end of the text being a failure.
    #[inline(always)]
    fn peek_value(&mut self) -> Result<u8, Error> {
        match self.peek() {
            Some(b) => Ok(b),
            None => Err(self.fail_here(Code::EofWhileParsingValue)),
        }
    }

    /// Reads `word` (`true`, `false`, `null`), whose first byte is next.
    fn word(&mut self, word: &'static [u8]) -> Result<(), Error> {
        let bytes = self.text.as_bytes();
        if bytes.get(self.at..self.at + word.len()) == Some(word) {
            self.at += word.len();
            return Ok(());
        }
        // Where it goes wrong, as serde_json says it.
        self.at += 1;
        for &expected in &word[1..] {
            match bytes.get(self.at) {
                None => return Err(self.fail_at(Code::EofWhileParsingValue, self.at)),
                Some(&b) if b == expected => self.at += 1,
                Some(_) => return Err(self.fail_here(Code::ExpectedSomeIdent)),
            }
        }
        Ok(())
    }

    /// Opens an array or object (its first byte is next), if nesting allows.
    #[inline]
    fn open(&mut self) -> Result<(), Error> {
        if self.depth == 1 {
            return Err(self.fail_here(Code::RecursionLimitExceeded));
        }
        self.depth -= 1;
        self.at += 1;
        Ok(())
    }

    /// Closes what [`open`](Self::open) opened, once its content has been read or has failed.
    #[inline]
    fn close<T>(&mut self, content: Result<T, Error>) -> Result<T, Error> {
        self.depth += 1;
        content
    }

    // --- strings ---

    /// Reads a string whose opening quote has been consumed.
    #[inline]
    fn read_str(&mut self) -> Result<Str<'de, '_>, Error> {
        let bytes = self.text.as_bytes();
        let start = self.at;
        let end = plain_run_end(bytes, start);
        match bytes.get(end) {
            Some(b'"') => {
                self.at = end + 1;
                let text: &'de str = self.text;
                Ok(Str::Borrowed(&text[start..end]))
            }
            Some(b'\\') => {
                self.scratch.clear();
                self.scratch.push_str(&self.text[start..end]);
                self.at = end;
                self.read_escaped().map(Str::Copied)
            }
            Some(_) => Err(self.fail_at(Code::ControlCharacterWhileParsingString, end + 1)),
            None => Err(self.fail_at(Code::EofWhileParsingString, end)),
        }
    }

    /// Reads the rest of a string from an escape on, into the scratch buffer.
    #[inline(never)]
    fn read_escaped(&mut self) -> Result<&str, Error> {
        let bytes = self.text.as_bytes();
        loop {
            let end = plain_run_end(bytes, self.at);
            self.scratch.push_str(&self.text[self.at..end]);
            self.at = end + 1;
            match bytes.get(end) {
                Some(b'"') => return Ok(&self.scratch),
                Some(b'\\') => {
                    let c = self.escape()?;
                    self.scratch.push(c);
                }
                Some(_) => return Err(self.fail_at(Code::ControlCharacterWhileParsingString, end + 1)),
                None => return Err(self.fail_at(Code::EofWhileParsingString, end)),
            }
        }
    }

    /// Skips a string whose opening quote has been consumed, checking it as [`read_str`](Self::read_str)
    /// would but for the pairing of `\u` surrogates (serde_json checks that only for strings it keeps).
    fn skip_str(&mut self) -> Result<(), Error> {
        let bytes = self.text.as_bytes();
        loop {
            let end = plain_run_end(bytes, self.at);
            self.at = end + 1;
            match bytes.get(end) {
                Some(b'"') => return Ok(()),
                Some(b'\\') => match bytes.get(self.at) {
                    Some(b'u') => {
                        self.at += 1;
                        self.hex()?;
                    }
                    _ => {
                        self.escape()?;
                    }
                },
                Some(_) => return Err(self.fail_at(Code::ControlCharacterWhileParsingString, end)),
                None => return Err(self.fail_at(Code::EofWhileParsingString, end)),
            }
        }
    }

    /// Reads the escape after a backslash.
    fn escape(&mut self) -> Result<char, Error> {
        let Some(&b) = self.text.as_bytes().get(self.at) else {
            return Err(self.fail_at(Code::EofWhileParsingString, self.at));
        };
        self.at += 1;
        Ok(match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => return self.unicode(),
            _ => return Err(self.fail_at(Code::InvalidEscape, self.at)),
        })
    }

    /// Reads the four hex digits of a `\u` escape.
    fn hex(&mut self) -> Result<u16, Error> {
        let bytes = self.text.as_bytes();
        let Some(digits) = bytes.get(self.at..self.at + 4) else {
            self.at = bytes.len();
            return Err(self.fail_at(Code::EofWhileParsingString, self.at));
        };
        self.at += 4;
        let mut n = 0u16;
        for &d in digits {
            let Some(v) = char::from(d).to_digit(16) else {
                return Err(self.fail_at(Code::InvalidEscape, self.at));
            };
            n = n << 4 | v as u16;
        }
        Ok(n)
    }

    /// Reads a `\u` escape (after the `u`), with the second half of a surrogate pair if it is the first.
    fn unicode(&mut self) -> Result<char, Error> {
        let first = self.hex()?;
        if (0xDC00..=0xDFFF).contains(&first) {
            return Err(self.fail_at(Code::LoneLeadingSurrogateInHexEscape, self.at));
        }
        if !(0xD800..=0xDBFF).contains(&first) {
            // Every other code unit is a character.
            return char::from_u32(u32::from(first)).ok_or_else(|| self.fail_at(Code::InvalidEscape, self.at));
        }
        let bytes = self.text.as_bytes();
        for expected in [b'\\', b'u'] {
            match bytes.get(self.at) {
                None => return Err(self.fail_at(Code::EofWhileParsingString, self.at)),
                Some(&b) if b == expected => self.at += 1,
                Some(_) => {
                    self.at += 1;
                    return Err(self.fail_at(Code::UnexpectedEndOfHexEscape, self.at));
                }
            }
        }
        let second = self.hex()?;
        if !(0xDC00..=0xDFFF).contains(&second) {
            return Err(self.fail_at(Code::LoneLeadingSurrogateInHexEscape, self.at));
        }
        let code = 0x1_0000 + ((u32::from(first) - 0xD800) << 10 | (u32::from(second) - 0xDC00));
        char::from_u32(code).ok_or_else(|| self.fail_at(Code::InvalidEscape, self.at))
    }

    // --- numbers ---

    /// Reads past a number (its first byte, `-` or a digit, is next), checking its grammar. `kept` says
    /// whether its value is wanted: serde_json names the end of the text differently for the two.
    fn scan_number(&mut self, kept: bool) -> Result<Scanned, Error> {
        let bytes = self.text.as_bytes();
        let start = self.at;
        let negative = bytes.get(start) == Some(&b'-');
        let mut at = start + usize::from(negative);
        let digit = |at: usize| bytes.get(at).filter(|b| b.is_ascii_digit()).map(|b| u64::from(b - b'0'));
        let missing_digit = |at: usize| match at < bytes.len() || !kept {
            true => Code::InvalidNumber,
            false => Code::EofWhileParsingValue,
        };
        let mut integer = match bytes.get(at) {
            Some(b'0') => {
                at += 1;
                if digit(at).is_some() {
                    return Err(self.fail_at(Code::InvalidNumber, at + 1));
                }
                Some(0)
            }
            Some(b'1'..=b'9') => {
                let mut value = Some(0u64);
                while let Some(d) = digit(at) {
                    value = value.and_then(|v| v.checked_mul(10)).and_then(|v| v.checked_add(d));
                    at += 1;
                }
                value
            }
            _ => return Err(self.fail_at(missing_digit(at), at + 1)),
        };
        if bytes.get(at) == Some(&b'.') {
            at += 1;
            if digit(at).is_none() {
                return Err(self.fail_at(missing_digit(at), at + 1));
            }
            while digit(at).is_some() {
                at += 1;
            }
            integer = None;
        }
        if let Some(b'e' | b'E') = bytes.get(at) {
            at += 1;
            if let Some(b'+' | b'-') = bytes.get(at) {
                at += 1;
            }
            if digit(at).is_none() {
                return Err(self.fail_at(missing_digit(at), at + 1));
            }
            while digit(at).is_some() {
                at += 1;
            }
            integer = None;
        }
        self.at = at;
        Ok(Scanned { start, end: at, integer, negative })
    }

    /// Reads a number (its first byte, `-` or a digit, is next) as serde_json does.
    fn read_number(&mut self) -> Result<Number, Error> {
        let scanned = self.scan_number(true)?;
        match (scanned.integer, scanned.negative) {
            (Some(n), false) => Ok(Number::Unsigned(n)),
            (Some(n), true) => {
                // As serde_json: `-0`, and magnitudes past i64's, are floating point.
                let negated = (n as i64).wrapping_neg();
                Ok(if negated >= 0 { Number::Float(-(n as f64)) } else { Number::Signed(negated) })
            }
            (None, _) => match self.text[scanned.start..scanned.end].parse::<f64>() {
                Ok(f) if f.is_finite() => Ok(Number::Float(f)),
                _ => Err(self.fail_at(Code::NumberOutOfRange, scanned.end)),
            },
        }
    }

    // --- containers ---

    /// Moves to the next element of an array whose `[` has been read: true before an element, false
    /// before the `]`.
    #[inline]
    fn has_element(&mut self, first: &mut bool) -> Result<bool, Error> {
        match self.peek() {
            Some(b']') => Ok(false),
            Some(b',') if !*first => {
                self.at += 1;
                match self.peek() {
                    Some(b']') => Err(self.fail_here(Code::TrailingComma)),
                    Some(_) => Ok(true),
                    None => Err(self.fail_here(Code::EofWhileParsingValue)),
                }
            }
            Some(_) if *first => {
                *first = false;
                Ok(true)
            }
            Some(_) => Err(self.fail_here(Code::ExpectedListCommaOrEnd)),
            None => Err(self.fail_here(Code::EofWhileParsingList)),
        }
    }

    /// Moves to the next member of an object whose `{` has been read: true after the opening quote of a
    /// key, false before the `}`.
    #[inline]
    fn has_member(&mut self, first: &mut bool) -> Result<bool, Error> {
        let next = match self.peek() {
            Some(b'}') => return Ok(false),
            Some(b',') if !*first => {
                self.at += 1;
                self.peek()
            }
            Some(b) if *first => {
                *first = false;
                Some(b)
            }
            Some(_) => return Err(self.fail_here(Code::ExpectedObjectCommaOrEnd)),
            None => return Err(self.fail_here(Code::EofWhileParsingObject)),
        };
        match next {
            Some(b'"') => {
                self.at += 1;
                Ok(true)
            }
            Some(b'}') => Err(self.fail_here(Code::TrailingComma)),
            Some(_) => Err(self.fail_here(Code::KeyMustBeAString)),
            None => Err(self.fail_here(Code::EofWhileParsingValue)),
        }
    }

    /// Reads the `:` between a key and its value.
    #[inline]
    fn colon(&mut self) -> Result<(), Error> {
        match self.peek() {
            Some(b':') => {
                self.at += 1;
                Ok(())
            }
            Some(_) => Err(self.fail_here(Code::ExpectedColon)),
            None => Err(self.fail_here(Code::EofWhileParsingObject)),
        }
    }

    /// Reads the `]` that ends an array whose elements have been read.
    #[inline]
    fn close_array(&mut self) -> Result<(), Error> {
        match self.peek() {
            Some(b']') => {
                self.at += 1;
                Ok(())
            }
            Some(b',') => {
                self.at += 1;
                match self.peek() {
                    Some(b']') => Err(self.fail_here(Code::TrailingComma)),
                    _ => Err(self.fail_here(Code::TrailingCharacters)),
                }
            }
            Some(_) => Err(self.fail_here(Code::TrailingCharacters)),
            None => Err(self.fail_here(Code::EofWhileParsingList)),
        }
    }

    /// Reads the `}` that ends an object whose members have been read.
    #[inline]
    fn close_object(&mut self) -> Result<(), Error> {
        match self.peek() {
            Some(b'}') => {
                self.at += 1;
                Ok(())
            }
            Some(b',') => Err(self.fail_here(Code::TrailingComma)),
            Some(_) => Err(self.fail_here(Code::TrailingCharacters)),
            None => Err(self.fail_here(Code::EofWhileParsingObject)),
        }
    }

    /// Reads past one value, checking it as serde_json checks a value it ignores: without a nesting
    /// limit, so with a stack of the open arrays and objects (`[` or `{`) rather than recursion.
    fn skip(&mut self) -> Result<(), Error> {
        let mut open = ::std::mem::take(&mut self.open);
        open.clear();
        let skipped = self.skip_nested(&mut open);
        self.open = open;
        skipped
    }

    fn skip_nested(&mut self, open: &mut Vec<u8>) -> Result<(), Error> {
        // The innermost open array or object, when it is not on `open`.
        let mut innermost = None;
        loop {
            let opened = match self.peek_value()? {
                b'"' => {
                    self.at += 1;
                    self.skip_str()?;
                    None
                }
                b'-' | b'0'..=b'9' => {
                    self.scan_number(false)?;
                    None
                }
                b't' => self.word(b"true").map(|()| None)?,
                b'f' => self.word(b"false").map(|()| None)?,
                b'n' => self.word(b"null").map(|()| None)?,
                bracket @ (b'[' | b'{') => {
                    open.extend(innermost.take());
                    self.at += 1;
                    Some(bracket)
                }
                _ => return Err(self.fail_here(Code::ExpectedSomeValue)),
            };
            // After a value, a comma or the end of what holds it; after an opening, an element or the end.
            let (mut after_value, mut bracket) = match opened {
                Some(bracket) => (false, bracket),
                None => match innermost.take().or_else(|| open.pop()) {
                    Some(bracket) => (true, bracket),
                    None => return Ok(()),
                },
            };
            loop {
                match self.peek() {
                    Some(b',') if after_value => {
                        self.at += 1;
                        break;
                    }
                    Some(b']') if bracket == b'[' => {}
                    Some(b'}') if bracket == b'{' => {}
                    Some(_) if after_value => {
                        let code = match bracket {
                            b'[' => Code::ExpectedListCommaOrEnd,
                            _ => Code::ExpectedObjectCommaOrEnd,
                        };
                        return Err(self.fail_here(code));
                    }
                    Some(_) => break,
                    None => {
                        let code = match bracket {
                            b'[' => Code::EofWhileParsingList,
                            _ => Code::EofWhileParsingObject,
                        };
                        return Err(self.fail_here(code));
                    }
                }
                self.at += 1;
                match open.pop() {
                    Some(outer) => bracket = outer,
                    None => return Ok(()),
                }
                after_value = true;
            }
            if bracket == b'{' {
                match self.peek() {
                    Some(b'"') => self.at += 1,
                    Some(_) => return Err(self.fail_here(Code::KeyMustBeAString)),
                    None => return Err(self.fail_here(Code::EofWhileParsingObject)),
                }
                self.skip_str()?;
                self.colon()?;
            }
            innermost = Some(bracket);
        }
    }

    /// The error for a value that is not what `expected` wants, naming what it is (and reading past it).
    #[cold]
    fn invalid_type(&mut self, expected: &dyn Expected) -> Error {
        let unexpected = match self.peek() {
            None => return self.fail_here(Code::EofWhileParsingValue),
            Some(b'n') => self.word(b"null").map(|()| Unexpected::Unit),
            Some(b't') => self.word(b"true").map(|()| Unexpected::Bool(true)),
            Some(b'f') => self.word(b"false").map(|()| Unexpected::Bool(false)),
            Some(b'-' | b'0'..=b'9') => self.read_number().map(Number::unexpected),
            Some(b'"') => {
                self.at += 1;
                match self.read_str() {
                    Ok(s) => return de::Error::invalid_type(Unexpected::Str(s.as_str()), expected),
                    Err(e) => Err(e),
                }
            }
            Some(b'[') => Ok(Unexpected::Seq),
            Some(b'{') => Ok(Unexpected::Map),
            Some(_) => return self.fail_here(Code::ExpectedSomeValue),
        };
        match unexpected {
            Ok(unexpected) => de::Error::invalid_type(unexpected, expected),
            Err(e) => e,
        }
    }

    /// Hands a number to `visitor`, or fails naming what is there instead.
    fn deserialize_number<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, Error> {
        let outcome = match self.peek_value()? {
            b'-' | b'0'..=b'9' => self.read_number()?.visit(visitor),
            _ => Err(self.invalid_type(&visitor)),
        };
        self.located(outcome)
    }

    /// Hands a 128-bit integer to `visitor`: as serde_json, from the integer's digits alone (what follows
    /// them is left to whatever reads next).
    fn deserialize_integer128<V: Visitor<'de>>(&mut self, visitor: V, signed: bool) -> Result<V::Value, Error> {
        let negative = match self.peek() {
            Some(b'-') if signed => true,
            Some(b'-') => return Err(self.fail_here(Code::NumberOutOfRange)),
            Some(_) => false,
            None => return Err(self.fail_here(Code::EofWhileParsingValue)),
        };
        let bytes = self.text.as_bytes();
        let start = self.at;
        self.at += usize::from(negative);
        match bytes.get(self.at) {
            Some(b'0') => {
                self.at += 1;
                if let Some(b'0'..=b'9') = bytes.get(self.at) {
                    return Err(self.fail_here(Code::InvalidNumber));
                }
            }
            Some(b'1'..=b'9') => {
                while let Some(b'0'..=b'9') = bytes.get(self.at) {
                    self.at += 1;
                }
            }
            Some(_) => {
                self.at += 1;
                return Err(self.fail_at(Code::InvalidNumber, self.at));
            }
            None => return Err(self.fail_at(Code::InvalidNumber, self.at)),
        }
        let digits = &self.text[start..self.at];
        let outcome = match signed {
            true => digits.parse().map(|n| visitor.visit_i128(n)),
            false => digits.parse().map(|n| visitor.visit_u128(n)),
        };
        match outcome {
            Ok(outcome) => self.located(outcome),
            Err(_) => Err(self.fail_at(Code::NumberOutOfRange, self.at)),
        }
    }

    /// Reads a string as bytes, as serde_json does: raw control characters are kept, and `\u` escapes of
    /// unpaired surrogates become their WTF-8 bytes. The opening quote has been consumed.
    fn read_bytes(&mut self) -> Result<Bytes<'de, '_>, Error> {
        let text: &'de [u8] = self.text.as_bytes();
        let start = self.at;
        let end = start + text[start..].iter().position(|&b| b == b'"' || b == b'\\').unwrap_or(text.len() - start);
        self.at = end + 1;
        match text.get(end) {
            Some(b'"') => return Ok(Bytes::Borrowed(&text[start..end])),
            Some(_) => {}
            None => return Err(self.fail_at(Code::EofWhileParsingString, end)),
        }
        let mut out = ::std::mem::take(&mut self.raw_scratch);
        out.clear();
        out.extend_from_slice(&text[start..end]);
        let read = self.read_escaped_bytes(&mut out);
        self.raw_scratch = out;
        read?;
        Ok(Bytes::Copied(&self.raw_scratch))
    }

    /// The rest of [`read_bytes`](Self::read_bytes) from the first escape on (its backslash read).
    fn read_escaped_bytes(&mut self, out: &mut Vec<u8>) -> Result<(), Error> {
        let text = self.text.as_bytes();
        loop {
            self.push_lenient_escape(out)?;
            loop {
                match text.get(self.at) {
                    Some(b'"') => {
                        self.at += 1;
                        return Ok(());
                    }
                    Some(b'\\') => {
                        self.at += 1;
                        break;
                    }
                    Some(&b) => {
                        out.push(b);
                        self.at += 1;
                    }
                    None => return Err(self.fail_at(Code::EofWhileParsingString, self.at)),
                }
            }
        }
    }

    /// Appends the escape after a backslash to bytes, keeping unpaired surrogates (as WTF-8).
    fn push_lenient_escape(&mut self, out: &mut Vec<u8>) -> Result<(), Error> {
        let text = self.text.as_bytes();
        if text.get(self.at) != Some(&b'u') {
            let c = self.escape()?;
            out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
            return Ok(());
        }
        self.at += 1;
        let mut unit = u32::from(self.hex()?);
        loop {
            if !(0xD800..=0xDBFF).contains(&unit) {
                push_wtf8(out, unit);
                return Ok(());
            }
            // A leading surrogate: its trailing one may follow, as another `\u` escape.
            match text.get(self.at) {
                Some(b'\\') => self.at += 1,
                Some(_) => {
                    push_wtf8(out, unit);
                    return Ok(());
                }
                None => return Err(self.fail_at(Code::EofWhileParsingString, self.at)),
            }
            match text.get(self.at) {
                Some(b'u') => self.at += 1,
                Some(_) => {
                    push_wtf8(out, unit);
                    // Not a `\u`, so this does not recurse again.
                    return self.push_lenient_escape(out);
                }
                None => return Err(self.fail_at(Code::EofWhileParsingString, self.at)),
            }
            let next = u32::from(self.hex()?);
            if !(0xDC00..=0xDFFF).contains(&next) {
                push_wtf8(out, unit);
                unit = next;
                continue;
            }
            push_wtf8(out, 0x1_0000 + ((unit - 0xD800) << 10 | (next - 0xDC00)));
            return Ok(());
        }
    }

    /// The text of the next value, which it reads past.
    fn raw(&mut self) -> Result<&'de str, Error> {
        self.peek_value()?;
        let start = self.at;
        self.skip()?;
        let text: &'de str = self.text;
        Ok(&text[start..self.at])
    }

    /// Reads an array or object, whose first byte must be `bracket`, with `visit`, then its `]` or `}`
    /// with `close`: even when the visitor failed, as serde_json does, so that the visitor's error is
    /// placed after it. Anything else is named as what `visitor` did not expect.
    #[inline(always)]
    fn container<V: Visitor<'de>>(
        &mut self,
        bracket: u8,
        visitor: V,
        visit: fn(V, &mut Self) -> Result<V::Value, Error>,
        close: fn(&mut Self) -> Result<(), Error>,
    ) -> Result<V::Value, Error> {
        if self.peek_value()? != bracket {
            let e = self.invalid_type(&visitor);
            return Err(self.locate(e));
        }
        self.open()?;
        let content = visit(visitor, self);
        match self.close(content) {
            Ok(value) => close(self).map(|()| value),
            Err(e) => {
                let _ = close(self);
                Err(self.locate(e))
            }
        }
    }
}

macro_rules! numbers {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
                self.deserialize_number(visitor)
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for &mut Deserializer<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let outcome = match self.peek_value()? {
            b'"' => {
                self.at += 1;
                self.read_str()?.visit(visitor)
            }
            b'{' => return self.deserialize_map(visitor),
            b'[' => return self.deserialize_seq(visitor),
            b'-' | b'0'..=b'9' => self.read_number()?.visit(visitor),
            b't' => self.word(b"true").and_then(|()| visitor.visit_bool(true)),
            b'f' => self.word(b"false").and_then(|()| visitor.visit_bool(false)),
            b'n' => self.word(b"null").and_then(|()| visitor.visit_unit()),
            _ => Err(self.fail_here(Code::ExpectedSomeValue)),
        };
        self.located(outcome)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let outcome = match self.peek_value()? {
            b't' => self.word(b"true").and_then(|()| visitor.visit_bool(true)),
            b'f' => self.word(b"false").and_then(|()| visitor.visit_bool(false)),
            _ => Err(self.invalid_type(&visitor)),
        };
        self.located(outcome)
    }

    numbers!(
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_f32 deserialize_f64
    );

    fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_integer128(visitor, true)
    }

    fn deserialize_u128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_integer128(visitor, false)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    #[inline]
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let outcome = match self.peek_value()? {
            b'"' => {
                self.at += 1;
                self.read_str()?.visit(visitor)
            }
            _ => Err(self.invalid_type(&visitor)),
        };
        self.located(outcome)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let outcome = match self.peek_value()? {
            b'"' => {
                self.at += 1;
                self.read_bytes()?.visit(visitor)
            }
            b'[' => return self.deserialize_seq(visitor),
            _ => Err(self.invalid_type(&visitor)),
        };
        self.located(outcome)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(visitor)
    }

    #[inline]
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.peek() {
            Some(b'n') => self.word(b"null").and_then(|()| visitor.visit_none()),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let outcome = match self.peek_value()? {
            b'n' => self.word(b"null").and_then(|()| visitor.visit_unit()),
            _ => Err(self.invalid_type(&visitor)),
        };
        self.located(outcome)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, Error> {
        if name == RAW_VALUE_TOKEN {
            let raw = self.raw()?;
            return visitor.visit_map(RawValueAccess { raw: Some(raw) });
        }
        visitor.visit_newtype_struct(self)
    }

    #[inline]
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let visit = |visitor: V, de: &mut Deserializer<'de>| visitor.visit_seq(Elements { de, first: true });
        self.container(b'[', visitor, visit, Deserializer::close_array)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    #[inline]
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let visit = |visitor: V, de: &mut Deserializer<'de>| visitor.visit_map(Members { de, first: true });
        self.container(b'{', visitor, visit, Deserializer::close_object)
    }

    #[inline]
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.peek_value()? {
            // serde_json also reads a struct from an array of its fields, in order.
            b'[' => self.deserialize_seq(visitor),
            _ => self.deserialize_map(visitor),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.peek_value()? {
            b'"' => visitor.visit_enum(UnitVariant { de: self }),
            b'{' => {
                self.open()?;
                let variant = visitor.visit_enum(VariantMember { de: &mut *self });
                let value = self.close(variant)?;
                match self.peek() {
                    Some(b'}') => {
                        self.at += 1;
                        Ok(value)
                    }
                    Some(_) => Err(self.fail_at(Code::ExpectedSomeValue, self.at)),
                    None => Err(self.fail_at(Code::EofWhileParsingObject, self.at)),
                }
            }
            _ => Err(self.fail_here(Code::ExpectedSomeValue)),
        }
    }

    #[inline]
    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.skip()?;
        visitor.visit_unit()
    }
}

/// The elements of an array, for a visitor.
struct Elements<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    first: bool,
}

impl<'de> de::SeqAccess<'de> for Elements<'_, 'de> {
    type Error = Error;

    #[inline]
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        if self.de.has_element(&mut self.first)? {
            seed.deserialize(&mut *self.de).map(Some)
        } else {
            Ok(None)
        }
    }
}

/// The members of an object, for a visitor.
struct Members<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    first: bool,
}

impl<'de> de::MapAccess<'de> for Members<'_, 'de> {
    type Error = Error;

    #[inline]
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        if self.de.has_member(&mut self.first)? {
            seed.deserialize(Key { de: &mut *self.de }).map(Some)
        } else {
            Ok(None)
        }
    }

    #[inline]
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        self.de.colon()?;
        seed.deserialize(&mut *self.de)
    }
}

/// A member name (its opening quote read), for the seed that reads it. As serde_json, a name can also
/// be read as a number, a boolean, an enum's unit variant or a newtype of those.
struct Key<'a, 'de> {
    de: &'a mut Deserializer<'de>,
}

/// How a member name is read as a number.
#[derive(Clone, Copy)]
enum Width {
    /// As any number is (`u64`, `i64` or `f64`).
    Any,
    /// As a 128-bit integer, signed or not.
    Wide { signed: bool },
}

impl<'de> Key<'_, 'de> {
    /// The name read as a number: digits right after the quote, then the closing quote.
    fn number<V: Visitor<'de>>(self, visitor: V, width: Width) -> Result<V::Value, Error> {
        let de = self.de;
        if !matches!(de.text.as_bytes().get(de.at), Some(b'-' | b'0'..=b'9')) {
            return Err(de.fail_at(Code::ExpectedNumericKey, de.at));
        }
        let value = match width {
            Width::Any => de.deserialize_number(visitor)?,
            Width::Wide { signed } => de.deserialize_integer128(visitor, signed)?,
        };
        match de.text.as_bytes().get(de.at) {
            Some(b'"') => {
                de.at += 1;
                Ok(value)
            }
            _ => Err(de.fail_here(Code::ExpectedDoubleQuote)),
        }
    }
}

macro_rules! numeric_keys {
    ($($method:ident $width:expr),*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
                self.number(visitor, $width)
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for Key<'_, 'de> {
    type Error = Error;

    #[inline]
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.de.read_str()?.visit(visitor)
    }

    numeric_keys!(
        deserialize_i8 Width::Any, deserialize_i16 Width::Any, deserialize_i32 Width::Any,
        deserialize_i64 Width::Any, deserialize_u8 Width::Any, deserialize_u16 Width::Any,
        deserialize_u32 Width::Any, deserialize_u64 Width::Any, deserialize_f32 Width::Any,
        deserialize_f64 Width::Any, deserialize_i128 Width::Wide { signed: true },
        deserialize_u128 Width::Wide { signed: false }
    );

    /// `"true"` or `"false"`, written plainly (as serde_json requires).
    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let de = self.de;
        let literal: Option<(&'static [u8], bool)> = match de.text.as_bytes().get(de.at) {
            Some(b't') => Some((b"true\"", true)),
            Some(b'f') => Some((b"false\"", false)),
            Some(_) => None,
            None => return Err(de.fail_here(Code::EofWhileParsingValue)),
        };
        match literal {
            Some((word, value)) => {
                de.word(word)?;
                let outcome = visitor.visit_bool(value);
                de.located(outcome)
            }
            None => {
                // serde_json names the key without its first character here; this names all of it.
                let e = de::Error::invalid_type(Unexpected::Str(de.read_str()?.as_str()), &visitor);
                Err(de.locate(e))
            }
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let outcome = self.de.read_bytes()?.visit(visitor);
        self.de.located(outcome)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, Error> {
        if name == RAW_VALUE_TOKEN {
            // The key's text, quotes included.
            let start = self.de.at - 1;
            self.de.skip_str()?;
            let text: &'de str = self.de.text;
            return visitor.visit_map(RawValueAccess { raw: Some(&text[start..self.de.at]) });
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let text = self.de.text;
        // (A name with escapes is copied out of the scratch buffer: rare, and the reader is needed below.)
        let name = match self.de.read_str()? {
            Str::Borrowed(s) => ::std::borrow::Cow::Borrowed(s),
            Str::Copied(s) => ::std::borrow::Cow::Owned(s.to_owned()),
        };
        // Where an unknown name is placed: right after the key (serde_json places it there).
        let after = self.de.at;
        visitor.visit_enum(KeyVariant { name, text, after })
    }

    ::serde::forward_to_deserialize_any! {
        char str string unit unit_struct seq tuple tuple_struct map struct identifier
        ignored_any
    }
}

/// An enum written as its variant's name.
struct UnitVariant<'a, 'de> {
    de: &'a mut Deserializer<'de>,
}

impl<'de> de::EnumAccess<'de> for UnitVariant<'_, 'de> {
    type Error = Error;
    type Variant = UnitOnly;

    fn variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<(T::Value, UnitOnly), Error> {
        let variant = seed.deserialize(&mut *self.de)?;
        Ok((variant, UnitOnly))
    }
}

/// An enum written as a member name: its variant's name (already read).
struct KeyVariant<'de> {
    name: ::std::borrow::Cow<'de, str>,
    /// The text, and the index right after the name's closing quote.
    text: &'de str,
    after: usize,
}

impl<'de> de::EnumAccess<'de> for KeyVariant<'de> {
    type Error = Error;
    type Variant = UnitOnly;

    fn variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<(T::Value, UnitOnly), Error> {
        let variant = match self.name {
            ::std::borrow::Cow::Borrowed(s) => seed.deserialize(de::value::BorrowedStrDeserializer::new(s)),
            ::std::borrow::Cow::Owned(s) => seed.deserialize(de::IntoDeserializer::<Error>::into_deserializer(s)),
        };
        match variant {
            Ok(variant) => Ok((variant, UnitOnly)),
            Err(e) => Err(e.placed(self.text, self.after)),
        }
    }
}

/// What follows a variant given by its name alone: nothing, so only a unit variant.
struct UnitOnly;

impl<'de> de::VariantAccess<'de> for UnitOnly {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, _: T) -> Result<T::Value, Error> {
        Err(de::Error::invalid_type(Unexpected::UnitVariant, &"newtype variant"))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value, Error> {
        Err(de::Error::invalid_type(Unexpected::UnitVariant, &"tuple variant"))
    }

    fn struct_variant<V: Visitor<'de>>(self, _: &'static [&'static str], _: V) -> Result<V::Value, Error> {
        Err(de::Error::invalid_type(Unexpected::UnitVariant, &"struct variant"))
    }
}

/// An enum written as an object of one member, the variant's name and its content (the `{` read).
struct VariantMember<'a, 'de> {
    de: &'a mut Deserializer<'de>,
}

impl<'de> de::EnumAccess<'de> for VariantMember<'_, 'de> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<(T::Value, Self), Error> {
        match self.de.peek() {
            Some(b'"') => self.de.at += 1,
            Some(b'}') => return Err(self.de.fail_here(Code::ExpectedSomeValue)),
            Some(_) => return Err(self.de.fail_here(Code::KeyMustBeAString)),
            None => return Err(self.de.fail_here(Code::EofWhileParsingObject)),
        }
        let variant = seed.deserialize(Key { de: &mut *self.de });
        let variant = self.de.located(variant)?;
        self.de.colon()?;
        Ok((variant, self))
    }
}

impl<'de> de::VariantAccess<'de> for VariantMember<'_, 'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        de::Deserialize::deserialize(self.de)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(self.de)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_seq(self.de, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(self, fields: &'static [&'static str], visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_struct(self.de, "", fields, visitor)
    }
}

/// What serde_json's `RawValue` reads: one member, named by the token, whose value is the text.
struct RawValueAccess<'de> {
    raw: Option<&'de str>,
}

impl<'de> de::MapAccess<'de> for RawValueAccess<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        if self.raw.is_none() {
            return Ok(None);
        }
        seed.deserialize(de::value::BorrowedStrDeserializer::new(RAW_VALUE_TOKEN)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let raw = self.raw.take().unwrap_or_default();
        seed.deserialize(de::value::BorrowedStrDeserializer::new(raw))
    }
}
