//! JSON text in and out of the runtime's hot paths (frames read and written by the engine, HTTP bodies).
//! Parsing is serde_json's. Printing is serde_json's by default and sonic-rs's with the `simd` feature,
//! where it wins: sonic-rs prints long strings (text results, base64 blobs) 18-22× faster and small
//! messages about as fast, but parses small messages slower than serde_json (BENCHMARKS.md, per message
//! kind). Everything past the text (the values handlers see, the generated types) stays serde-based.

use serde_json::Value;

/// Parses JSON text (one frame or body) into a value; the error is the parser's message.
pub(crate) fn parse(text: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(text).map_err(|e| e.to_string())
}

/// Prints a value (a `Value`, or a message struct made of them) as compact JSON text, or says why it
/// cannot be (a map with keys that are not strings).
pub(crate) fn try_print<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, String> {
    #[cfg(feature = "simd")]
    let printed = sonic_rs::to_string(value).or_else(|_| serde_json::to_string(value));
    #[cfg(not(feature = "simd"))]
    let printed = serde_json::to_string(value);
    printed.map_err(|e| e.to_string())
}

/// Prints a value (a `Value`, or a message struct made of them) as compact JSON text.
pub(crate) fn print<T: serde::Serialize + ?Sized>(value: &T) -> String {
    // What the runtime prints has string keys only, so this cannot fail; should it, say so rather than
    // send a frame the peer cannot read.
    try_print(value).unwrap_or_else(|e| {
        tracing::error!("a message could not be printed as JSON: {e}");
        String::from("null")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_round_trips_with_integers_and_escapes() {
        let value = json!({"id": 12, "big": u64::MAX, "neg": -5, "x": 0.5, "s": "a\"b\\c\u{1}é😀", "n": null});
        let text = print(&value);
        assert_eq!(parse(text.as_bytes()).unwrap(), value);
        assert!(text.contains("18446744073709551615"), "{text}");
        assert!(parse(b"{\"a\": }").is_err());
        assert!(parse(b"{\"a\": 1} x").is_err(), "trailing characters are an error");
    }
}
