//! The generated crate's JSON reader (`mcpgen_types::json`) against serde_json: the same values from the
//! same text, the same refusals with the same messages, the same visitor calls for every serde shape.

use std::collections::{BTreeMap, HashMap};

use mcpgen_types::json::{self, Category};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_json::value::RawValue;

/// A small deterministic generator (xorshift64*), so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Text that is JSON: values of every kind, strings with every kind of escape, numbers at the edges of
/// every integer type, whitespace between tokens.
fn document(rng: &mut Rng, depth: usize) -> String {
    let space = |rng: &mut Rng| rng.pick(&["", "", "", " ", "\n", "\t ", "\r\n  "]).to_owned();
    let kind = if depth > 4 { rng.below(5) } else { rng.below(8) };
    let body = match kind {
        0 => rng.pick(&["null", "true", "false"]).to_owned(),
        1 => rng
            .pick(&[
                "0",
                "-0",
                "7",
                "-7",
                "2.5",
                "-2.5e-3",
                "1E5",
                "1e+2",
                "0.10",
                "1.5e-7",
                "123456789012345678",
                "18446744073709551615",
                "18446744073709551616",
                "-9223372036854775808",
                "-9223372036854775809",
                "9223372036854775807",
                "100000000000000000000000",
                "1e308",
                "1e-400",
                "0.1e1",
                "-0.0",
                "3.141592653589793",
                "4.9e-324",
            ])
            .to_owned(),
        2 | 3 => string(rng),
        4 => format!("[{}]", space(rng)),
        5 => {
            let items: Vec<String> = (0..rng.below(5)).map(|_| document(rng, depth + 1)).collect();
            format!("[{}]", items.join(&format!("{},{}", space(rng), space(rng))))
        }
        _ => {
            let members: Vec<String> = (0..rng.below(5))
                .map(|_| format!("{}{}:{}{}", string(rng), space(rng), space(rng), document(rng, depth + 1)))
                .collect();
            format!("{{{}{}}}", space(rng), members.join(","))
        }
    };
    format!("{}{body}{}", space(rng), space(rng))
}

/// A JSON string: plain runs of every length around eight bytes, escapes, multi-byte characters.
fn string(rng: &mut Rng) -> String {
    let mut s = String::from("\"");
    for _ in 0..rng.below(6) {
        let piece = rng.pick(&[
            "a",
            "jsonrpc",
            "protocolVersion",
            "0123456789abcdef",
            "é",
            "日本",
            "😀",
            "\\\"",
            "\\\\",
            "\\/",
            "\\b",
            "\\f",
            "\\n",
            "\\r",
            "\\t",
            "\\u0041",
            "\\u00e9",
            "\\u65e5",
            "\\ud83d\\ude00",
            "\\u0000",
            "\\u001f",
            " ",
            "~\u{7f}",
        ]);
        s.push_str(piece);
    }
    s.push('"');
    s
}

/// Whether two values are the same, floats within a few units in the last place (serde_json's default
/// float parser is not always correctly rounded; the reader's is).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() && y.is_f64() => {
            let (x, y) = (x.as_f64().unwrap_or(f64::NAN), y.as_f64().unwrap_or(f64::NAN));
            x == y || (x - y).abs() <= 4.0 * f64::EPSILON * x.abs().max(y.abs())
        }
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(u, v)| same(u, v)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|((k, u), (l, v))| k == l && same(u, v))
        }
        _ => a == b,
    }
}

/// serde_json's message without its position.
fn bare(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) if e.line() > 0 => text[..at].to_owned(),
        _ => text,
    }
}

fn category(e: &serde_json::Error) -> Category {
    match e.classify() {
        serde_json::error::Category::Syntax => Category::Syntax,
        serde_json::error::Category::Eof => Category::Eof,
        _ => Category::Data,
    }
}

/// Whether both readers agree on `text` read as a `T` (the same value, or the same refusal), or how not.
fn differ<T: DeserializeOwned + PartialEq + std::fmt::Debug>(text: &str) -> Option<String> {
    let ours = json::from_str::<T>(text);
    let theirs = serde_json::from_str::<T>(text);
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) if a == b => None,
        // The same category, message and position (serde_json places "number out of range" partway
        // through an exponent's digits).
        (Err(a), Err(b))
            if a.category() == category(b)
                && a.message() == bare(b)
                && (a.to_string() == b.to_string() || a.message() == "number out of range") =>
        {
            None
        }
        _ => Some(format!("{text:?}: ours {ours:?}, serde_json {theirs:?}")),
    }
}

/// Checks that both readers agree on each text read as a `T`.
fn agree<T: DeserializeOwned + PartialEq + std::fmt::Debug>(texts: &[&str]) {
    let differences: Vec<String> = texts.iter().filter_map(|text| differ::<T>(text)).collect();
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

#[test]
fn every_document_reads_as_serde_json_reads_it() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..20_000 {
        let text = document(&mut rng, 0);
        let theirs: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        let ours: Value = json::from_str(&text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert!(same(&ours, &theirs), "{text:?}: {ours} / {theirs}");
        // Ignoring a value checks it as serde_json does.
        json::from_str::<serde::de::IgnoredAny>(&text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
    }
}

#[test]
fn every_damaged_document_is_refused_as_serde_json_refuses_it() {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let bytes =
        ["{", "}", "[", "]", ",", ":", "\"", "\\", "u", "0", "1", "-", "+", ".", "e", "t", "n", " ", "\u{1}", "x"];
    let (mut refused, mut checked) = (0, 0);
    for _ in 0..40_000 {
        let mut text = document(&mut rng, 0);
        for _ in 0..1 + rng.below(2) {
            let mut at = rng.below(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            match rng.below(3) {
                0 => text.insert_str(at, rng.pick(&bytes)),
                1 if at < text.len() => {
                    text.remove(at);
                }
                _ => text.truncate(at),
            }
        }
        let theirs = serde_json::from_str::<Value>(&text);
        let ours = json::from_str::<Value>(&text);
        match (&ours, &theirs) {
            (Ok(a), Ok(b)) => assert!(same(a, b), "{text:?}: {a} / {b}"),
            (Err(a), Err(b)) => {
                refused += 1;
                assert_eq!(a.category(), category(b), "{text:?}: {a} / {b}");
                assert_eq!(a.message(), bare(b), "{text:?}");
                // serde_json places "number out of range" partway through the exponent's digits.
                if a.message() == "number out of range" {
                    assert_eq!(a.line(), b.line(), "{text:?}: {a} / {b}");
                } else {
                    assert_eq!((a.line(), a.column()), (b.line(), b.column()), "{text:?}: {a} / {b}");
                }
            }
            _ => panic!("{text:?}: ours {ours:?}, serde_json {theirs:?}"),
        }
        // A value that is ignored is checked for everything but the pairing of `\u` surrogates.
        let ignored = serde_json::from_str::<serde::de::IgnoredAny>(&text).is_ok();
        assert_eq!(json::from_str::<serde::de::IgnoredAny>(&text).is_ok(), ignored, "{text:?}");
        checked += 1;
    }
    assert!(refused > checked / 3, "only {refused} of {checked} damaged documents were refused");
}

#[test]
fn refusals_name_what_serde_json_names() {
    let texts = [
        "",
        " ",
        "nul",
        "nulx",
        "tru",
        "[1,]",
        "{\"a\":1,}",
        "[1 2]",
        "{\"a\" 1}",
        "{\"a\":1 \"b\":2}",
        "{1:2}",
        "\"abc",
        "\"a\u{1}\"",
        "\"\\x\"",
        "\"\\u12\"",
        "\"\\u12g4\"",
        "\"\\udc00\"",
        "\"\\ud800\"",
        "\"\\ud800x\"",
        "\"\\ud800\\n\"",
        "\"\\ud800\\u0041\"",
        "01",
        "-",
        "-a",
        "1.",
        "1.e5",
        "1e",
        "1e+",
        "1ex",
        "1e400",
        "-1e400",
        "[",
        "{",
        "{\"a\"",
        "{\"a\":",
        "[1",
        "1 2",
        "{} x",
        "}",
        "]",
        ":",
        "@",
    ];
    agree::<Value>(&texts);
}

#[test]
fn nesting_stops_where_serde_json_stops_it_without_overflowing_the_stack() {
    for depth in [126, 127, 128, 129] {
        let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let objects = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
        agree::<Value>(&[&text, &objects]);
        assert_eq!(
            json::from_str::<serde::de::IgnoredAny>(&text).is_ok(),
            serde_json::from_str::<serde::de::IgnoredAny>(&text).is_ok()
        );
    }
    let deep = format!("{}1{}", "[{\"a\":".repeat(500_000), "}]".repeat(500_000));
    let e = json::from_str::<Value>(&deep).expect_err("too deep");
    assert_eq!(e.message(), "recursion limit exceeded");
    // As serde_json, a value that is skipped may nest deeper: it is skipped without recursion.
    json::from_str::<serde::de::IgnoredAny>(&deep).expect("skipped");
    serde_json::from_str::<serde::de::IgnoredAny>(&deep).expect("skipped");
    assert!(json::from_str::<serde::de::IgnoredAny>(&deep[..deep.len() - 1]).is_err());
}

#[derive(Debug, PartialEq, Deserialize)]
enum Shape {
    Unit,
    Newtype(u8),
    Tuple(i32, String),
    Struct { x: f64, y: Option<bool> },
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Everything {
    flag: bool,
    small: i8,
    big: u64,
    wide: i128,
    ratio: f32,
    letter: char,
    text: String,
    maybe: Option<String>,
    list: Vec<u16>,
    pair: (u8, String),
    shapes: Vec<Shape>,
    by_number: HashMap<u32, String>,
    by_flag: BTreeMap<bool, i64>,
    unit: (),
    #[serde(with = "serde_bytes_as_seq")]
    bytes: Vec<u8>,
}

/// `Vec<u8>` read through `deserialize_bytes` (which serde_json answers with a string's bytes).
mod serde_bytes_as_seq {
    use serde::Deserializer;
    use serde::de::{SeqAccess, Visitor};

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        struct Bytes;
        impl<'de> Visitor<'de> for Bytes {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Vec<u8>, E> {
                Ok(v.to_vec())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u8>, A::Error> {
                let mut out = Vec::new();
                while let Some(b) = seq.next_element()? {
                    out.push(b);
                }
                Ok(out)
            }
        }
        d.deserialize_bytes(Bytes)
    }
}

#[test]
fn every_serde_shape_reads_as_serde_json_reads_it() {
    let good = r#"{"flag": true, "small": -128, "big": 18446744073709551615, "wide": -9223372036854775808,
        "ratio": 0.5, "letter": "é", "text": "a\"b\u00e9", "maybe": null, "list": [1, 2, 65535],
        "pair": [7, "x"], "shapes": ["Unit", {"Newtype": 3}, {"Tuple": [-1, "t"]}, {"Struct": {"x": 1.5, "y": true}},
        {"Struct": {"x": 2}}, {"Unit": null}], "by_number": {"1": "one", "42": "x"}, "by_flag": {"true": 1, "false": -1},
        "unit": null, "bytes": "ab\n"}"#;
    agree::<Everything>(&[good, &good.replace(r#""bytes": "ab\n""#, r#""bytes": [1, 2, 255]"#)]);
    // Each is wrong in one place: the type of a field, a range, an unknown or missing field, a variant.
    let wrong = [
        (r#""flag": true"#, r#""flag": 1"#),
        (r#""flag": true"#, r#""flag": null"#),
        (r#""small": -128"#, r#""small": -129"#),
        (r#""small": -128"#, r#""small": 1.5"#),
        (r#""big": 18446744073709551615"#, r#""big": 18446744073709551616"#),
        (r#""big": 18446744073709551615"#, r#""big": -1"#),
        (r#""letter": "é""#, r#""letter": "ab""#),
        (r#""text": "a\"b\u00e9""#, r#""text": ["a"]"#),
        (r#""text": "a\"b\u00e9""#, r#""text": {}"#),
        (r#""maybe": null"#, r#""maybe": 5"#),
        (r#""list": [1, 2, 65535]"#, r#""list": [1, 2, 65536]"#),
        (r#""list": [1, 2, 65535]"#, r#""list": "x""#),
        (r#""pair": [7, "x"]"#, r#""pair": [7]"#),
        (r#""pair": [7, "x"]"#, r#""pair": [7, "x", 1]"#),
        (r#""Newtype": 3"#, r#""Newtype": 300"#),
        (r#""Newtype": 3"#, r#""Other": 3"#),
        (r#""Unit""#, r#""Newtype""#),
        (r#""Unit""#, r#"5"#),
        (r#"{"Tuple": [-1, "t"]}"#, r#"{"Tuple": [-1, "t"], "x": 1}"#),
        (r#""by_number": {"1": "one""#, r#""by_number": {"x": "one""#),
        (r#""by_number": {"1": "one""#, r#""by_number": {"-1": "one""#),
        (r#""unit": null"#, r#""unit": 0"#),
        (r#""flag": true,"#, r#""flag": true, "extra": 1,"#),
        (r#""flag": true,"#, ""),
    ]
    .map(|(from, to)| {
        assert!(good.contains(from), "{from}");
        good.replacen(from, to, 1)
    });
    agree::<Everything>(&wrong.each_ref().map(String::as_str));
    // A boolean key that is neither is named whole (serde_json names it without its first character).
    let e = json::from_str::<BTreeMap<bool, u8>>(r#"{"yes": 1}"#).expect_err("not a boolean");
    assert_eq!(e.message(), r#"invalid type: string "yes", expected a boolean"#);
}

#[test]
fn raw_values_are_the_text_of_the_value() {
    #[derive(Deserialize)]
    struct Envelope<'a> {
        #[serde(borrow)]
        borrowed: &'a RawValue,
        owned: Box<RawValue>,
    }
    let text = r#"{"borrowed" :  {"a": [1, "\u0041"]} , "owned": "x\ny" }"#;
    let ours: Envelope<'_> = json::from_str(text).expect("raw values");
    let theirs: Envelope<'_> = serde_json::from_str(text).expect("raw values");
    assert_eq!(ours.borrowed.get(), r#"{"a": [1, "\u0041"]}"#);
    assert_eq!(ours.borrowed.get(), theirs.borrowed.get());
    assert_eq!(ours.owned.get(), theirs.owned.get());
    let items: Vec<&RawValue> = json::from_str("[1, {\"b\": 2} ,\"c\"]").expect("a batch");
    assert_eq!(items.iter().map(|r| r.get()).collect::<Vec<_>>(), ["1", "{\"b\": 2}", "\"c\""]);
    // A raw value is still checked.
    assert!(json::from_str::<Box<RawValue>>("[1,]").is_err());
}

#[test]
fn positions_are_serde_json_positions() {
    for text in ["{\n  \"a\": 1,\n  \"b\": x\n}", "[1,\n2,\n]", "{\"a\": \"b\n\"}", "\n\n  [1 2]", "[\"abc"] {
        let ours = json::from_str::<Value>(text).expect_err(text);
        let theirs = serde_json::from_str::<Value>(text).expect_err(text);
        assert_eq!((ours.line(), ours.column()), (theirs.line(), theirs.column()), "{text:?}: {ours} / {theirs}");
        assert_eq!(ours.to_string(), theirs.to_string());
    }
    // A type's error is placed where reading stopped.
    let text = "{\"flag\":\n 7}";
    let ours = json::from_str::<HashMap<String, bool>>(text).expect_err("not a bool");
    let theirs = serde_json::from_str::<HashMap<String, bool>>(text).expect_err("not a bool");
    assert_eq!(ours.to_string(), theirs.to_string());
}

#[test]
fn wide_integers_bytes_and_keys_read_as_serde_json_reads_them() {
    agree::<i128>(&["18446744073709551616", "-9223372036854775809", "-0", "1.5", "\"1\"", "-", "", "01", "x"]);
    agree::<u128>(&["340282366920938463463374607431768211455", "340282366920938463463374607431768211456", "-1"]);
    agree::<HashMap<i128, u8>>(&[r#"{"18446744073709551616":1}"#, r#"{"1.5":1}"#, r#"{"-0":1}"#, r#"{"x":1}"#]);
    agree::<HashMap<u128, u8>>(&[r#"{"7":1}"#, r#"{"-7":1}"#]);
    agree::<HashMap<u8, u8>>(&[r#"{"7":1}"#, r#"{"7 ":1}"#, r#"{" 7":1}"#, r#"{"300":1}"#, r#"{"":1}"#]);
    agree::<BTreeMap<bool, u8>>(&[r#"{"true":1,"false":2}"#, r#"{"tru":1}"#, r#"{"trueX":1}"#, r#"{"t\u0072ue":1}"#]);
    // Bytes keep raw control characters and unpaired surrogates, as serde_json reads them.
    #[derive(Debug, PartialEq, Deserialize)]
    struct Blob {
        #[serde(with = "serde_bytes_as_seq")]
        b: Vec<u8>,
    }
    agree::<Blob>(&[
        "{\"b\":\"a\u{1}b\"}",
        r#"{"b":"\ud800"}"#,
        r#"{"b":"\udc00x"}"#,
        r#"{"b":"\ud800\ud800\udc00"}"#,
        r#"{"b":"\ud800\n"}"#,
        r#"{"b":"\ud83d\ude00é"}"#,
        r#"{"b":"\ud800"#,
        r#"{"b":"\ud800\"#,
        r#"{"b":"\x"}"#,
    ]);
}

#[test]
fn enums_read_as_serde_json_reads_them() {
    agree::<Shape>(&[
        r#"{1:2}"#,
        r#"{null:1}"#,
        r#"{"#,
        r#"{}"#,
        r#"{t}"#,
        r#"{"Newtype":1,"x":2}"#,
        r#"{"Newtype":1"#,
        r#""Newtype""#,
        r#"{"Unit":null}"#,
        r#"{"Struct":{"x":1,"z":2}}"#,
    ]);
}

#[test]
fn type_errors_are_placed_where_serde_json_places_them() {
    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Pair {
        a: u8,
        b: u8,
    }
    agree::<Pair>(&[r#"{"b":1}"#, r#"{"b":1 }"#, r#"{"x" : 1}"#, r#"{"a":1,"a":2,"b":3}"#, r#"[1  ]"#, "[1,2,3]"]);
    agree::<(u8, u8)>(&["[1  ]", "[1, 2, 3]", "[\n1,\n300]"]);
    agree::<Vec<Pair>>(&[r#"[{"a":1}]"#, "[{\"a\":1,\n\"b\":2}, {\"a\":1} ]"]);
    // Inside a skipped string, a control character is placed where serde_json places it.
    agree::<serde::de::IgnoredAny>(&["\"x\u{1}\"", "[\"x\ny\"]"]);
    // A message that already carries a position keeps it, as serde_json keeps it.
    struct Placed;
    impl<'de> Deserialize<'de> for Placed {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            serde::de::IgnoredAny::deserialize(d)?;
            Err(serde::de::Error::custom("bad 1 at line 9 column 4"))
        }
    }
    let e = json::from_str::<Placed>("[1]").err().expect("refused");
    assert_eq!((e.message(), e.line(), e.column()), ("bad 1", 9, 4));
    assert_eq!(e.to_string(), serde_json::from_str::<Placed>("[1]").err().expect("refused").to_string());
}

#[test]
fn a_raw_value_can_be_a_key() {
    struct Keys(Vec<String>);
    impl<'de> Deserialize<'de> for Keys {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct Visit;
            impl<'de> serde::de::Visitor<'de> for Visit {
                type Value = Keys;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("a map")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                    let mut keys = Vec::new();
                    while let Some(key) = map.next_key::<Box<RawValue>>()? {
                        keys.push(key.get().to_owned());
                        map.next_value::<serde::de::IgnoredAny>()?;
                    }
                    Ok(Keys(keys))
                }
            }
            d.deserialize_map(Visit)
        }
    }
    let text = r#"{"a":1, "b\"c":[2]}"#;
    let ours = json::from_str::<Keys>(text).expect("raw keys").0;
    assert_eq!(ours, serde_json::from_str::<Keys>(text).expect("raw keys").0);
    assert_eq!(ours, [r#""a""#, r#""b\"c""#]);
}

#[test]
fn a_string_ends_where_serde_json_ends_it_at_every_length_and_offset() {
    // Runs of plain text of every length up to 80 (past the one-word, two-word and 32-byte steps), with
    // a quote, backslash escape, control character or multi-byte character at every offset, and text
    // after the string (or none).
    let mut texts = Vec::new();
    for len in 0..80 {
        for special in ["", "\\n", "\\\"", "\u{1f}", "é", "\\u00e9"] {
            for at in (0..=len).step_by(if special.is_empty() { 81 } else { 1 }) {
                let body: String = (0..len).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
                let string = format!("\"{}{special}{}\"", &body[..at], &body[at..]);
                texts.push(string.clone());
                texts.push(format!("[{string}, 1]"));
                texts.push(string[..string.len() - 1].to_owned());
            }
        }
    }
    agree::<Value>(&texts.iter().map(String::as_str).collect::<Vec<_>>());
    agree::<serde::de::IgnoredAny>(&texts.iter().map(String::as_str).collect::<Vec<_>>());
}

#[test]
fn an_enum_key_is_read_as_serde_json_reads_it() {
    #[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
    enum K {
        A,
        N(u8),
    }
    // An unknown name is placed right after the key, whatever follows it; a variant that is not a unit
    // is refused where reading stops.
    agree::<BTreeMap<K, u8>>(&[
        r#"{"A":1}"#,
        r#"{"Z":1}"#,
        r#"{"Z" :1}"#,
        "{\"Z\"\n:1}",
        r#"{"Z"  }"#,
        r#"{"\u005a" :1}"#,
        r#"{"N" :1}"#,
        r#"{"" "#,
    ]);
    agree::<BTreeMap<Option<K>, u8>>(&[r#"{"Z" :1}"#, r#"{"A" :1}"#]);
}
