//! JSON text in and out of the runtime's hot paths (frames read and written by the engine, HTTP bodies).
//!
//! Parsing is the generated crate's reader, [`mcpgen_types::json`], into serde_json's `Value`: it reads
//! what serde_json reads, sooner. Printing is the runtime's own compact printer, [`to_string`], by
//! default, and sonic-rs's with the `simd` feature: sonic-rs prints megabyte strings (text results,
//! base64 blobs) 3-4× faster than [`to_string`] but small messages 1.2-1.45× slower (BENCHMARKS.md, per
//! message kind). Everything past the text (the values handlers see, the generated types) stays
//! serde-based.
//!
//! [`to_string`] prints exactly what `serde_json::to_string` prints, byte for byte, for every value
//! serde_json can print (the tests compare the two). It differs in speed only: serde_json looks at
//! every byte of a string on its own to find what needs escaping, [`to_string`] eight bytes at a time,
//! which halves the cost of printing a small `tools/call` result (BENCHMARKS.md).

use mcpgen_types::json::{RAW_VALUE_TOKEN, escape_mask};
use serde::ser::{self, Impossible, Serialize};
use serde_json::Value;
use std::fmt;

/// Parses JSON text (one frame or body) into a value, with the generated crate's reader (which reads what
/// serde_json reads, sooner); the error is the reader's message.
pub(crate) fn parse(text: &[u8]) -> Result<Value, String> {
    let text = std::str::from_utf8(text).map_err(|e| format!("the text is not UTF-8 (at byte {})", e.valid_up_to()))?;
    mcpgen_types::json::from_str(text).map_err(|e| e.to_string())
}

/// Prints a value (a `Value`, or a message struct made of them) as compact JSON text, or says why it
/// cannot be (a map with keys that are not strings).
pub(crate) fn try_print<T: Serialize + ?Sized>(value: &T) -> Result<String, String> {
    #[cfg(feature = "simd")]
    let printed = sonic_rs::to_string(value).or_else(|_| serde_json::to_string(value));
    #[cfg(not(feature = "simd"))]
    let printed = match to_string(value) {
        // The one kind of value serde_json prints and `to_string` does not.
        Err(e) if e.0.as_str() == FLOAT_KEY => serde_json::to_string(value),
        printed => return printed.map_err(|e| e.to_string()),
    };
    printed.map_err(|e| e.to_string())
}

/// Prints a value (a `Value`, or a message struct made of them) as compact JSON text.
pub(crate) fn print<T: Serialize + ?Sized>(value: &T) -> String {
    // What the runtime prints has string keys only, so this cannot fail; should it, say so rather than
    // send a frame the peer cannot read.
    try_print(value).unwrap_or_else(|e| {
        tracing::error!("a message could not be printed as JSON: {e}");
        String::from("null")
    })
}

/// Prints `value` as compact JSON text: the same text as `serde_json::to_string`, sooner.
///
/// (One difference, for hand-written `Serialize` impls only: a sequence or struct that announces zero
/// elements and then writes some is printed whole, where serde_json closes it early and prints invalid
/// JSON.)
///
/// The runtime prints every frame and HTTP body it writes with this (or with sonic-rs under the `simd`
/// feature); it is public so that an application can print the same way.
///
/// # Errors
///
/// The value's own `Serialize` failed, or a map has keys other than strings, characters, booleans,
/// integers, unit variants and newtypes of those (serde_json also prints finite floating-point keys;
/// this printer refuses them, and the runtime then falls back to serde_json).
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, PrintError> {
    // Room for most messages at once: growing by doubling from serde_json's 128 bytes costs a small
    // result two reallocations (a tenth of its printing), and malloc takes as long for 512 bytes.
    let mut printer = Printer { out: String::with_capacity(512) };
    value.serialize(&mut printer)?;
    Ok(printer.out)
}

/// Why [`to_string`] could not print a value.
#[derive(Debug, Clone, PartialEq, Eq)]
// Boxed so that the error, and every printing call's `Result`, is one pointer wide and returned in a
// register: with a plain `String` (three words) small messages printed about 20% slower.
#[allow(clippy::box_collection)]
pub struct PrintError(Box<String>);

impl fmt::Display for PrintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PrintError {}

impl ser::Error for PrintError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        PrintError(Box::new(msg.to_string()))
    }
}

/// The name serde_json's `Number` serializes itself as (like `RawValue`'s [`RAW_VALUE_TOKEN`]) when its
/// `arbitrary_precision` feature is on (any crate in a build can turn it on; otherwise a struct of this
/// name is an ordinary struct, as serde_json prints it).
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// Whether serde_json's `Number` serializes itself as a `NUMBER_TOKEN` struct in this build, that is,
/// whether `arbitrary_precision` is on: only then does a `Number` keep (nearly) the text it was read from,
/// where otherwise `1e2` becomes the float `100.0` (with it on, serde_json 1.0.154 keeps `1e+2`).
static NUMBER_IS_RAW: std::sync::LazyLock<bool> =
    std::sync::LazyLock::new(|| "1e2".parse::<serde_json::Number>().is_ok_and(|n| n.to_string() != "100.0"));

/// `ESCAPE[b]` is what byte `b` of a string is printed as when it cannot be printed as itself: 0 for
/// "as itself", `u` for `\u00XX`, otherwise the letter after the backslash (serde_json's choice).
static ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b'u';
        b += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

/// Eight bytes as a word, the first in the low byte.
#[inline]
fn word(bytes: &[u8; 8]) -> u64 {
    u64::from_le_bytes(*bytes)
}

/// Whether no byte of `bytes` needs escaping, looking at eight at a time.
#[inline]
fn is_clean(bytes: &[u8]) -> bool {
    let (words, rest) = bytes.as_chunks::<8>();
    if words.iter().any(|w| escape_mask(word(w)) != 0) {
        return false;
    }
    if rest.is_empty() {
        return true;
    }
    if let Some(last) = bytes.last_chunk::<8>() {
        // The last eight bytes (overlapping the words already seen) cover the rest.
        return escape_mask(word(last)) == 0;
    }
    // Fewer than eight bytes: four to seven are two overlapping halves of one word.
    match (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        (Some(first), Some(last)) => {
            escape_mask(u64::from(u32::from_le_bytes(*first)) | u64::from(u32::from_le_bytes(*last)) << 32) == 0
        }
        _ => bytes.iter().all(|&b| ESCAPE[usize::from(b)] == 0),
    }
}

/// Appends `text` as a JSON string, quotes included.
#[inline(always)]
fn push_str(out: &mut String, text: &str) {
    if is_clean(text.as_bytes()) {
        out.reserve(text.len() + 2);
        out.push('"');
        out.push_str(text);
        out.push('"');
    } else {
        push_escaped(out, text);
    }
}

/// Appends `text`, which has bytes to escape, as a JSON string, quotes included.
#[cold]
#[inline(never)]
fn push_escaped(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 8);
    out.push('"');
    // `start` is where the text not yet appended begins; it only ever stops after an ASCII byte, a
    // character boundary, so `text[start..at]` never splits a character.
    let mut start = 0;
    let mut i = 0;
    while let Some(chunk) = bytes.get(i..).and_then(<[u8]>::first_chunk::<8>) {
        let mask = escape_mask(word(chunk));
        if mask == 0 {
            i += 8;
            continue;
        }
        let at = i + (mask.trailing_zeros() / 8) as usize;
        out.push_str(&text[start..at]);
        push_escape(out, bytes[at]);
        start = at + 1;
        i = start;
    }
    for (at, &byte) in bytes.iter().enumerate().skip(i) {
        if ESCAPE[usize::from(byte)] != 0 {
            out.push_str(&text[start..at]);
            push_escape(out, byte);
            start = at + 1;
        }
    }
    out.push_str(&text[start..]);
    out.push('"');
}

/// Appends the escape of `byte`, one that needs escaping, as serde_json writes it.
fn push_escape(out: &mut String, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let escape = ESCAPE[usize::from(byte)];
    out.push('\\');
    out.push(char::from(escape));
    if escape == b'u' {
        out.push_str("00");
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
}

/// Appends the decimal digits of an integer.
#[inline]
fn push_int<I: itoa::Integer>(out: &mut String, n: I) {
    out.push_str(itoa::Buffer::new().format(n));
}

/// Appends a floating-point number as serde_json prints it (`null` when it is not finite).
fn push_float<F: Serialize>(out: &mut String, value: F) -> Result<(), PrintError> {
    let text = serde_json::to_string(&value).map_err(|e| PrintError(Box::new(e.to_string())))?;
    out.push_str(&text);
    Ok(())
}

/// The integer methods of a serializer, each `body` with `this` the serializer and `v` the integer.
macro_rules! integers {
    (|$this:ident, $v:ident| $body:expr) => {
        integers!(@each |$this, $v| $body; serialize_i8 i8, serialize_i16 i16, serialize_i32 i32,
            serialize_i64 i64, serialize_i128 i128, serialize_u8 u8, serialize_u16 u16, serialize_u32 u32,
            serialize_u64 u64, serialize_u128 u128);
    };
    (@each |$this:ident, $v:ident| $body:expr; $($method:ident $ty:ty),*) => {
        $(fn $method(self, $v: $ty) -> Result<(), PrintError> {
            let $this = self;
            $body
        })*
    };
}

/// The compact printer: a serde `Serializer` that appends to a `String`.
struct Printer {
    out: String,
}

/// A sequence, map or struct being printed: `first` until its first element is.
struct Compound<'a> {
    printer: &'a mut Printer,
    first: bool,
    /// What closes it: `]` or `}`.
    closer: char,
    /// Whether it is the data of a tuple or struct variant, `{"variant":…}`, closed by one more `}`.
    in_variant: bool,
}

impl Compound<'_> {
    #[inline]
    fn comma(&mut self) {
        if !std::mem::take(&mut self.first) {
            self.printer.out.push(',');
        }
    }

    #[inline]
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), PrintError> {
        self.comma();
        value.serialize(&mut *self.printer)
    }

    #[inline]
    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), PrintError> {
        self.comma();
        push_str(&mut self.printer.out, key);
        self.printer.out.push(':');
        value.serialize(&mut *self.printer)
    }

    #[inline]
    fn close(self) -> Result<(), PrintError> {
        self.printer.out.push(self.closer);
        if self.in_variant {
            self.printer.out.push('}');
        }
        Ok(())
    }
}

impl Printer {
    /// Opens `{"variant":` for the variants that carry data, then `open` (closed by `close` and `}`).
    #[inline]
    fn variant(&mut self, variant: &str, open: char, close: char) -> Compound<'_> {
        self.out.push('{');
        push_str(&mut self.out, variant);
        self.out.push(':');
        self.out.push(open);
        Compound { printer: self, first: true, closer: close, in_variant: true }
    }

    #[inline]
    fn compound(&mut self, open: char, close: char) -> Compound<'_> {
        self.out.push(open);
        Compound { printer: self, first: true, closer: close, in_variant: false }
    }
}

impl<'a> ser::Serializer for &'a mut Printer {
    type Ok = ();
    type Error = PrintError;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Struct<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), PrintError> {
        self.out.push_str(if v { "true" } else { "false" });
        Ok(())
    }

    integers!(|this, v| {
        push_int(&mut this.out, v);
        Ok(())
    });

    fn serialize_f32(self, v: f32) -> Result<(), PrintError> {
        push_float(&mut self.out, v)
    }

    fn serialize_f64(self, v: f64) -> Result<(), PrintError> {
        push_float(&mut self.out, v)
    }

    fn serialize_char(self, v: char) -> Result<(), PrintError> {
        push_str(&mut self.out, v.encode_utf8(&mut [0u8; 4]));
        Ok(())
    }

    fn serialize_str(self, v: &str) -> Result<(), PrintError> {
        push_str(&mut self.out, v);
        Ok(())
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<(), PrintError> {
        // serde_json prints bytes as an array of numbers.
        let mut seq = self.compound('[', ']');
        for byte in v {
            ser::SerializeSeq::serialize_element(&mut seq, byte)?;
        }
        seq.close()
    }

    fn serialize_none(self) -> Result<(), PrintError> {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), PrintError> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), PrintError> {
        self.out.push_str("null");
        Ok(())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), PrintError> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<(), PrintError> {
        push_str(&mut self.out, variant);
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<(), PrintError> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), PrintError> {
        self.out.push('{');
        push_str(&mut self.out, variant);
        self.out.push(':');
        value.serialize(&mut *self)?;
        self.out.push('}');
        Ok(())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a>, PrintError> {
        Ok(self.compound('[', ']'))
    }

    fn serialize_tuple(self, _len: usize) -> Result<Compound<'a>, PrintError> {
        Ok(self.compound('[', ']'))
    }

    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Compound<'a>, PrintError> {
        Ok(self.compound('[', ']'))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, PrintError> {
        Ok(self.variant(variant, '[', ']'))
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a>, PrintError> {
        Ok(self.compound('{', '}'))
    }

    fn serialize_struct(self, name: &'static str, _len: usize) -> Result<Struct<'a>, PrintError> {
        let raw = name == RAW_VALUE_TOKEN || (name == NUMBER_TOKEN && *NUMBER_IS_RAW);
        if raw {
            return Ok(Struct::Raw(self, name));
        }
        Ok(Struct::Fields(self.compound('{', '}')))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, PrintError> {
        Ok(self.variant(variant, '{', '}'))
    }
}

/// Implements the serde traits of sequences and tuples, whose elements `Compound::element` prints.
macro_rules! elements {
    ($($kind:ident::$method:ident),*) => {$(
        impl ser::$kind for Compound<'_> {
            type Ok = ();
            type Error = PrintError;

            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), PrintError> {
                self.element(value)
            }

            fn end(self) -> Result<(), PrintError> {
                self.close()
            }
        }
    )*};
}

elements!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = PrintError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), PrintError> {
        self.comma();
        key.serialize(Key(&mut self.printer.out))
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), PrintError> {
        self.printer.out.push(':');
        value.serialize(&mut *self.printer)
    }

    fn end(self) -> Result<(), PrintError> {
        self.close()
    }
}

impl ser::SerializeStructVariant for Compound<'_> {
    type Ok = ();
    type Error = PrintError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), PrintError> {
        self.field(key, value)
    }

    fn end(self) -> Result<(), PrintError> {
        self.close()
    }
}

/// A struct being printed: its fields, or serde_json's `RawValue` or `Number` (of that name), whose one
/// field, named like the struct, is JSON text to print unchanged.
enum Struct<'a> {
    Fields(Compound<'a>),
    Raw(&'a mut Printer, &'static str),
}

impl ser::SerializeStruct for Struct<'_> {
    type Ok = ();
    type Error = PrintError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), PrintError> {
        match self {
            Struct::Fields(fields) => fields.field(key, value),
            Struct::Raw(printer, name) if key == *name => value.serialize(Raw(&mut printer.out)),
            // serde_json refuses any other member (its message for it).
            Struct::Raw(..) => Err(PrintError(Box::new("expected value".into()))),
        }
    }

    fn end(self) -> Result<(), PrintError> {
        match self {
            Struct::Fields(fields) => fields.close(),
            Struct::Raw(..) => Ok(()),
        }
    }
}

/// Refuses everything a `Key` or `Raw` does not accept: each method, its arguments and what it would give.
macro_rules! refuse {
    ($why:expr; $($method:ident($($arg:ty),*) -> $ret:ty;)*) => {
        $(fn $method(self, $(_: $arg),*) -> Result<$ret, PrintError> {
            Err(PrintError(Box::new($why.into())))
        })*
    };
}

/// Refuses the compound kinds a `Key` or `Raw` does not accept.
macro_rules! refuse_compounds {
    ($why:expr) => {
        type SerializeSeq = Impossible<(), PrintError>;
        type SerializeTuple = Impossible<(), PrintError>;
        type SerializeTupleStruct = Impossible<(), PrintError>;
        type SerializeTupleVariant = Impossible<(), PrintError>;
        type SerializeMap = Impossible<(), PrintError>;
        type SerializeStruct = Impossible<(), PrintError>;
        type SerializeStructVariant = Impossible<(), PrintError>;

        fn serialize_newtype_variant<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<(), PrintError> {
            Err(PrintError(Box::new($why.into())))
        }

        refuse! { $why;
            serialize_seq(Option<usize>) -> Self::SerializeSeq;
            serialize_tuple(usize) -> Self::SerializeTuple;
            serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
            serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
            serialize_map(Option<usize>) -> Self::SerializeMap;
            serialize_struct(&'static str, usize) -> Self::SerializeStruct;
            serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
        }
    };
}

const KEY_MUST_BE_A_STRING: &str = "key must be a string";

/// What `to_string` says of a floating-point map key, which serde_json prints (when finite) and this
/// printer leaves to it: `try_print` falls back to serde_json on this error only.
const FLOAT_KEY: &str = "floating-point map keys are left to serde_json";

/// Prints a map key: always a JSON string, as serde_json prints keys.
struct Key<'a>(&'a mut String);

impl Key<'_> {
    /// Appends what `print` appends (an integer or a boolean) in quotes.
    fn quoted(self, print: impl FnOnce(&mut String)) -> Result<(), PrintError> {
        self.0.push('"');
        print(self.0);
        self.0.push('"');
        Ok(())
    }
}

impl ser::Serializer for Key<'_> {
    type Ok = ();
    type Error = PrintError;

    refuse_compounds!(KEY_MUST_BE_A_STRING);
    refuse! { FLOAT_KEY; serialize_f32(f32) -> (); serialize_f64(f64) -> (); }
    refuse! { KEY_MUST_BE_A_STRING;
        serialize_bytes(&[u8]) -> (); serialize_none() -> ();
        serialize_unit() -> (); serialize_unit_struct(&'static str) -> ();
    }

    fn serialize_str(self, v: &str) -> Result<(), PrintError> {
        push_str(self.0, v);
        Ok(())
    }

    fn serialize_char(self, v: char) -> Result<(), PrintError> {
        push_str(self.0, v.encode_utf8(&mut [0u8; 4]));
        Ok(())
    }

    fn serialize_bool(self, v: bool) -> Result<(), PrintError> {
        self.quoted(|out| out.push_str(if v { "true" } else { "false" }))
    }

    integers!(|this, v| this.quoted(|out| push_int(out, v)));

    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<(), PrintError> {
        push_str(self.0, variant);
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<(), PrintError> {
        value.serialize(self)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), PrintError> {
        value.serialize(self)
    }
}

const NOT_RAW_TEXT: &str = "a RawValue holds its JSON text as a string";

/// Prints the one field of serde_json's `RawValue`: its JSON text, unchanged.
struct Raw<'a>(&'a mut String);

impl ser::Serializer for Raw<'_> {
    type Ok = ();
    type Error = PrintError;

    refuse_compounds!(NOT_RAW_TEXT);
    integers!(|_this, _v| Err(PrintError(Box::new(NOT_RAW_TEXT.into()))));
    refuse! { NOT_RAW_TEXT;
        serialize_bool(bool) -> (); serialize_f32(f32) -> (); serialize_f64(f64) -> (); serialize_char(char) -> ();
        serialize_bytes(&[u8]) -> (); serialize_none() -> (); serialize_unit() -> ();
        serialize_unit_struct(&'static str) -> (); serialize_unit_variant(&'static str, u32, &'static str) -> ();
    }

    fn serialize_str(self, v: &str) -> Result<(), PrintError> {
        self.0.push_str(v);
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, _: &T) -> Result<(), PrintError> {
        Err(PrintError(Box::new(NOT_RAW_TEXT.into())))
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), PrintError> {
        Err(PrintError(Box::new(NOT_RAW_TEXT.into())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use serde_json::json;
    use serde_json::value::RawValue;
    use std::collections::BTreeMap;

    #[test]
    fn text_round_trips_with_integers_and_escapes() {
        let value = json!({"id": 12, "big": u64::MAX, "neg": -5, "x": 0.5, "s": "a\"b\\c\u{1}é😀", "n": null});
        let text = print(&value);
        assert_eq!(parse(text.as_bytes()).unwrap(), value);
        assert!(text.contains("18446744073709551615"), "{text}");
        assert!(parse(b"{\"a\": }").is_err());
        assert!(parse(b"{\"a\": 1} x").is_err(), "trailing characters are an error");
    }

    /// `to_string` prints what serde_json prints, or fails where serde_json fails.
    #[track_caller]
    fn same<T: Serialize + ?Sized>(value: &T) {
        match (to_string(value), serde_json::to_string(value)) {
            (Ok(ours), Ok(theirs)) => assert_eq!(ours, theirs),
            (Err(_), Err(_)) => {}
            (ours, theirs) => panic!("to_string gave {ours:?}, serde_json {theirs:?}"),
        }
    }

    #[test]
    fn every_byte_escapes_as_serde_json_escapes_it_at_every_offset() {
        // Each ASCII character and a few multi-byte ones, at every position of an 8-byte chunk and
        // across chunk boundaries, alone and in runs: the fast scan must find each one that needs escaping.
        let specials: Vec<char> = (0u8..0x80).map(char::from).chain(['é', '€', '😀', '\u{7f}', '\u{2028}']).collect();
        for &c in &specials {
            for before in 0..20 {
                for after in [0, 1, 7, 8, 9] {
                    let text = format!("{}{c}{}", "a".repeat(before), "b".repeat(after));
                    same(&text);
                    same(&format!("{text}{c}{c}\"{c}"));
                }
            }
        }
        // Pseudo-random mixes of everything.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..2000 {
            let len = (state % 40) as usize;
            let text: String = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    specials[(state % specials.len() as u64) as usize]
                })
                .collect();
            same(&text);
            same(&json!({ text.clone(): [text] }));
        }
    }

    #[test]
    fn numbers_print_as_serde_json_prints_them() {
        for n in [0i64, 1, -1, 9, 10, 99, 100, -100, 12345, i64::MAX, i64::MIN, i64::from(i32::MIN)] {
            same(&n);
        }
        for n in [0u64, 7, 10, 1_000_000_007, u64::MAX] {
            same(&n);
        }
        for n in [0u128, u128::from(u64::MAX) + 1, 10u128.pow(19), 10u128.pow(19) - 1, 10u128.pow(38) + 5, u128::MAX] {
            same(&n);
        }
        for n in [0i128, -1, i128::MIN, i128::MAX, -(10i128.pow(19))] {
            same(&n);
        }
        for x in [0.0, -0.0, 0.5, 1.0, 1e300, -2.5e-10, f64::MAX, f64::MIN_POSITIVE, f64::NAN, f64::INFINITY] {
            same(&x);
        }
        same(&[1.5f32, f32::NAN, 3.0]);
        same(&(1u8, -2i8, 3u16, -4i16, 5u32, -6i32));
    }

    #[test]
    fn every_serde_shape_prints_as_serde_json_prints_it() {
        #[derive(Serialize)]
        struct Unit;
        #[derive(Serialize)]
        struct Newtype(String);
        #[derive(Serialize)]
        struct Tuple(u8, &'static str);
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Fields {
            a_b: Option<u8>,
            #[serde(skip_serializing_if = "Option::is_none")]
            skipped: Option<u8>,
            list: Vec<Fields>,
            #[serde(flatten)]
            rest: BTreeMap<String, Value>,
        }
        #[derive(Serialize)]
        enum Kinds {
            Unit,
            Newtype(u8),
            Tuple(u8, bool),
            Struct { x: i8, y: () },
        }
        #[derive(Serialize)]
        #[serde(tag = "type", content = "c")]
        enum Adjacent {
            A { x: u8 },
        }
        #[derive(Serialize)]
        #[serde(tag = "type")]
        enum Internal {
            B { y: u8 },
        }
        let inner = Fields { a_b: None, skipped: None, list: vec![], rest: BTreeMap::new() };
        let rest = BTreeMap::from([("z".to_string(), json!({"deep": [null, true, 1.25, "s"]}))]);
        same(&Fields { a_b: Some(3), skipped: Some(4), list: vec![inner], rest });
        same(&(Unit, Newtype("n\n".into()), Tuple(1, "t"), (), Some(()), None::<u8>));
        same(&[Kinds::Unit, Kinds::Newtype(1), Kinds::Tuple(2, false), Kinds::Struct { x: -3, y: () }]);
        same(&(Adjacent::A { x: 1 }, Internal::B { y: 2 }));
        same(&serde_bytes_like(b"\x00\xff"));
        same(&'"');
        same(&json!({}));
        same(&json!([]));
        same(&Vec::<Vec<u8>>::from([vec![], vec![1]]));
    }

    /// Bytes as serde sees `serialize_bytes` (a `&[u8]` alone serializes as a sequence).
    fn serde_bytes_like(bytes: &'static [u8]) -> impl Serialize {
        struct Bytes(&'static [u8]);
        impl Serialize for Bytes {
            fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(self.0)
            }
        }
        Bytes(bytes)
    }

    #[test]
    fn map_keys_print_as_serde_json_prints_them_or_fail_like_it() {
        #[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
        enum Color {
            Red,
        }
        #[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
        struct Id(u32);
        same(&BTreeMap::from([(1i32, "a"), (-2, "b")]));
        same(&BTreeMap::from([(u64::MAX, 1)]));
        same(&BTreeMap::from([(i128::MIN, 1)]));
        same(&BTreeMap::from([(true, 1), (false, 2)]));
        same(&BTreeMap::from([('k', 1)]));
        same(&BTreeMap::from([(Color::Red, 1)]));
        same(&BTreeMap::from([(Id(7), 1)]));
        same(&BTreeMap::from([("q\"uote", 1)]));
        // Keys serde_json refuses too.
        same(&BTreeMap::from([(vec![1], 1)]));
        same(&BTreeMap::from([((), 1)]));
        same(&BTreeMap::from([(Some(1), 1)]));
        // Floating-point keys: serde_json prints finite ones; this printer refuses them and the runtime
        // falls back to serde_json, so what it prints is the same.
        #[derive(Serialize)]
        struct FloatKey(f64);
        let map: Vec<(FloatKey, u8)> = vec![(FloatKey(1.5), 1)];
        let as_map = MapOf(&map);
        assert_eq!(to_string(&as_map).unwrap_err().to_string(), FLOAT_KEY);
        assert_eq!(try_print(&as_map), serde_json::to_string(&as_map).map_err(|e| e.to_string()));
    }

    /// Pairs serialized as a map.
    struct MapOf<'a, K, V>(&'a [(K, V)]);
    impl<K: Serialize, V: Serialize> Serialize for MapOf<'_, K, V> {
        fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
        }
    }

    #[test]
    fn raw_json_text_prints_unchanged() {
        let raw = RawValue::from_string(r#"{"a" : [1, 2]}"#.to_string()).unwrap();
        same(&raw);
        same(&json!({"outer": 1}));
        #[derive(Serialize)]
        struct Holder<'a> {
            id: u8,
            result: &'a RawValue,
        }
        same(&Holder { id: 1, result: &raw });
        assert_eq!(to_string(&Holder { id: 1, result: &raw }).unwrap(), r#"{"id":1,"result":{"a" : [1, 2]}}"#);
    }

    /// A struct of one member named like itself, as serde_json's `RawValue` and (with
    /// `arbitrary_precision`) `Number` serialize themselves.
    struct Token(&'static str, &'static str, &'static str);
    impl Serialize for Token {
        fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use ser::SerializeStruct;
            let mut token = s.serialize_struct(self.0, 1)?;
            token.serialize_field(self.1, self.2)?;
            token.end()
        }
    }

    #[test]
    fn token_structs_print_as_serde_json_prints_them() {
        const NUMBER: &str = "$serde_json::private::Number";
        const RAW: &str = "$serde_json::private::RawValue";
        // A `Number` struct is JSON text when serde_json's `arbitrary_precision` is on in the build (this
        // build leaves it off: then it is an ordinary struct); the probe must agree with serde_json.
        let precise = Token(NUMBER, NUMBER, "123456789012345678901234567890");
        same(&precise);
        let raw_in_this_build = serde_json::to_string(&precise).unwrap() == precise.2;
        assert_eq!(*NUMBER_IS_RAW, raw_in_this_build);
        same(&Token(RAW, RAW, "[1, 2]"));
        assert_eq!(to_string(&Token(RAW, RAW, "[1, 2]")).unwrap(), "[1, 2]");
        // A raw struct with another member is refused, as serde_json refuses it.
        assert!(to_string(&Token(RAW, "other", "1")).is_err());
        same(&Token(RAW, "other", "1"));
    }

    #[test]
    fn a_failing_value_is_an_error_not_a_partial_text() {
        struct Fails;
        impl Serialize for Fails {
            fn serialize<S: ser::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                Err(ser::Error::custom("no"))
            }
        }
        assert_eq!(to_string(&json!([1])).unwrap(), "[1]");
        assert_eq!(to_string(&(1, Fails)), Err(PrintError(Box::new("no".into()))));
        same(&(1, Fails));
        // The runtime's print falls back to serde_json for floating-point keys only: a value whose own
        // `Serialize` fails is asked once.
        struct Counted<'a>(&'a std::cell::Cell<u32>);
        impl Serialize for Counted<'_> {
            fn serialize<S: ser::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                self.0.set(self.0.get() + 1);
                Err(ser::Error::custom("no"))
            }
        }
        let asked = std::cell::Cell::new(0);
        assert!(try_print(&Counted(&asked)).is_err());
        assert_eq!(asked.get(), if cfg!(feature = "simd") { 2 } else { 1 });
    }
}
