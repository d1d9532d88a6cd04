//! MCP 2026-07-28 `x-mcp-header`: tool arguments a tool's `inputSchema` marks for mirroring into
//! `Mcp-Param-{Name}` HTTP headers, the validity rules for those declarations, and the header value of an
//! argument. Shared by the client (which sends the headers) and the server (which checks them).

use serde_json::Value;

/// One `x-mcp-header` declaration of a tool's `inputSchema`: the header `Mcp-Param-{name}` carries the
/// argument found at `path`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ParamHeader {
    /// The declared name, as written in the schema (header names are case-insensitive).
    pub(crate) name: String,
    /// The argument's location: property names from the root of `arguments`.
    pub(crate) path: Vec<String>,
}

/// Every `x-mcp-header` declaration of `input_schema` (in the order of the parsed schema's maps), or why the schema's declarations
/// are invalid (a client then drops the tool). A declaration is valid when it is a non-empty RFC 9110
/// token, case-insensitively unique in the schema, on a property whose `type` is `"string"`, `"integer"` or
/// `"boolean"`, and reachable from the root only through `properties` keywords. A declaration anywhere else
/// (under `items`, `anyOf`, `$defs`, `if`, `additionalProperties`, …) makes the schema invalid.
pub(crate) fn param_headers(input_schema: &Value) -> Result<Vec<ParamHeader>, String> {
    let mut found = Vec::new();
    let mut path = Vec::new();
    walk(input_schema, true, &mut path, &mut found)?;
    for (i, header) in found.iter().enumerate() {
        if found[..i].iter().any(|h| h.name.eq_ignore_ascii_case(&header.name)) {
            return Err(format!(
                "x-mcp-header {:?} is declared more than once (names are case-insensitive)",
                header.name
            ));
        }
    }
    Ok(found)
}

/// The value of the header for `param` in a `tools/call` with `arguments`, encoded as 2026-07-28 requires:
/// strings as they are unless they need the `=?base64?…?=` sentinel, integers in decimal, booleans as
/// `true`/`false`. `None` when the argument is absent or `null` (the header is then omitted), when it is an
/// object or an array, and for integers beyond ±(2^53−1), which the spec does not let a header carry. A
/// number that is not an integer (an invalid argument for an integer property) is sent as JSON writes it,
/// so the server sees the mismatch.
pub(crate) fn header_value(arguments: &Value, param: &ParamHeader) -> Option<String> {
    const MAX_SAFE: i64 = (1 << 53) - 1;
    let mut value = arguments;
    for key in &param.path {
        value = value.get(key)?;
    }
    match value {
        Value::String(s) => Some(super::encode_header_value(s)),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                return (-MAX_SAFE..=MAX_SAFE).contains(&i).then(|| i.to_string());
            }
            if n.is_u64() {
                return None;
            }
            let f = n.as_f64()?;
            if f.fract() == 0.0 && f.abs() <= MAX_SAFE as f64 {
                // 42.0 is the integer 42.
                Some((f as i64).to_string())
            } else if f.fract() == 0.0 {
                None
            } else {
                Some(n.to_string())
            }
        }
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// The keywords whose value is a map of names to subschemas, other than `properties`.
const SCHEMA_MAPS: [&str; 5] = ["patternProperties", "$defs", "definitions", "dependentSchemas", "dependencies"];
/// The keywords whose value is a subschema (or, for `items` in draft-07, an array of them).
const SCHEMAS: [&str; 12] = [
    "items",
    "additionalItems",
    "additionalProperties",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contains",
    "propertyNames",
    "not",
    "if",
    "then",
    "else",
    "contentSchema",
];
/// The keywords whose value is an array of subschemas.
const SCHEMA_LISTS: [&str; 4] = ["anyOf", "oneOf", "allOf", "prefixItems"];

/// Collects the declarations of `schema`; `reachable` says whether it is the root or reached from it only
/// through `properties`, `path` is its location in `arguments` then.
fn walk(schema: &Value, reachable: bool, path: &mut Vec<String>, found: &mut Vec<ParamHeader>) -> Result<(), String> {
    let Value::Object(object) = schema else { return Ok(()) };
    if let Some(declared) = object.get("x-mcp-header") {
        let at = if path.is_empty() { "the schema root".to_owned() } else { format!("property {:?}", path.join(".")) };
        if !reachable {
            return Err(format!(
                "x-mcp-header {declared} at {at} is not reachable from the root through `properties` alone"
            ));
        }
        let Value::String(name) = declared else {
            return Err(format!("x-mcp-header at {at} is not a string: {declared}"));
        };
        if let Some(reason) = invalid_name(name) {
            return Err(format!("x-mcp-header {name:?} at {at} {reason}"));
        }
        match object.get("type") {
            Some(Value::String(t)) if matches!(t.as_str(), "string" | "integer" | "boolean") => {}
            Some(other) => {
                return Err(format!(
                    "x-mcp-header {name:?} is on {at} of type {other}; only string, integer and boolean properties \
                     can be mirrored"
                ));
            }
            None => {
                return Err(format!(
                    "x-mcp-header {name:?} is on {at}, which declares no type; only string, integer and boolean \
                     properties can be mirrored"
                ));
            }
        }
        found.push(ParamHeader { name: name.clone(), path: path.clone() });
    }
    for (keyword, value) in object {
        if keyword == "properties" {
            let Value::Object(properties) = value else { continue };
            for (name, property) in properties {
                path.push(name.clone());
                let outcome = walk(property, reachable, path, found);
                path.pop();
                outcome?;
            }
        } else if SCHEMA_MAPS.contains(&keyword.as_str()) {
            if let Value::Object(map) = value {
                for sub in map.values() {
                    walk(sub, false, path, found)?;
                }
            }
        } else if SCHEMAS.contains(&keyword.as_str()) || SCHEMA_LISTS.contains(&keyword.as_str()) {
            match value {
                Value::Array(list) => {
                    for sub in list {
                        walk(sub, false, path, found)?;
                    }
                }
                sub => walk(sub, false, path, found)?,
            }
        }
        // Other keywords (`enum`, `const`, `default`, `examples`, annotations) hold data, not schemas.
    }
    Ok(())
}

/// Why `name` cannot be an `x-mcp-header` name, if it cannot: it must be a non-empty RFC 9110 token.
fn invalid_name(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("is empty".to_owned());
    }
    let tchar = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    name.chars().find(|&c| !tchar(c)).map(|c| {
        let what = match c {
            ' ' => "a space".to_owned(),
            '\r' | '\n' => "a line break".to_owned(),
            c if c.is_control() => format!("the control character {c:?}"),
            c if !c.is_ascii() => format!("the non-ASCII character {c:?}"),
            c => format!("{c:?}"),
        };
        format!("contains {what}, which an HTTP header name (an RFC 9110 token) cannot")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn header(name: &str, path: &[&str]) -> ParamHeader {
        ParamHeader { name: name.to_owned(), path: path.iter().map(|s| (*s).to_owned()).collect() }
    }

    /// `Ok(names with paths)` or `Err(a fragment of the reason)`.
    fn check(schema: Value, expect: Result<Vec<ParamHeader>, &str>) {
        match (param_headers(&schema), expect) {
            (Ok(mut found), Ok(mut expected)) => {
                found.sort_by(|a, b| a.path.cmp(&b.path));
                expected.sort_by(|a, b| a.path.cmp(&b.path));
                assert_eq!(found, expected, "{schema}");
            }
            (Err(reason), Err(fragment)) => assert!(reason.contains(fragment), "{schema}: {reason}"),
            (outcome, expected) => panic!("{schema}: got {outcome:?}, expected {expected:?}"),
        }
    }

    fn one(property: Value) -> Value {
        json!({"type": "object", "properties": {"p": property}})
    }

    #[test]
    fn valid_declarations_with_their_paths() {
        check(json!({"type": "object"}), Ok(vec![]));
        check(json!({"type": "object", "properties": {"q": {"type": "string"}}}), Ok(vec![]));
        check(
            json!({"type": "object", "properties": {
                "region": {"type": "string", "x-mcp-header": "Region"},
                "priority": {"type": "integer", "x-mcp-header": "Priority"},
                "verbose": {"type": "boolean", "x-mcp-header": "Verbose"},
                "nested": {"type": "object", "properties": {"id": {"type": "string", "x-mcp-header": "X-Id.v2"}}},
                "float": {"type": "number"},
            }}),
            Ok(vec![
                header("Region", &["region"]),
                header("Priority", &["priority"]),
                header("Verbose", &["verbose"]),
                header("X-Id.v2", &["nested", "id"]),
            ]),
        );
        // A property *named* x-mcp-header is not a declaration; neither is data in `default` or `enum`.
        check(
            json!({"type": "object", "properties": {"x-mcp-header": {"type": "string"}},
                "default": {"x-mcp-header": "D"}, "enum": [{"x-mcp-header": "E"}]}),
            Ok(vec![]),
        );
    }

    #[test]
    fn invalid_names() {
        for (name, fragment) in [
            ("", "is empty"),
            ("My Region", "a space"),
            ("Region:Primary", "':'"),
            ("R\u{e9}gion", "non-ASCII"),
            ("Region\t1", "control character"),
            ("Region\r\n", "line break"),
            ("a/b", "'/'"),
        ] {
            check(one(json!({"type": "string", "x-mcp-header": name})), Err(fragment));
        }
        check(one(json!({"type": "string", "x-mcp-header": 7})), Err("not a string"));
    }

    #[test]
    fn invalid_types() {
        for t in [json!("number"), json!("object"), json!("array"), json!("null"), json!(["string", "null"])] {
            check(one(json!({"type": t, "x-mcp-header": "H"})), Err("only string, integer and boolean"));
        }
        check(one(json!({"x-mcp-header": "H"})), Err("declares no type"));
        check(one(json!({"$ref": "#/$defs/s", "x-mcp-header": "H"})), Err("declares no type"));
    }

    #[test]
    fn duplicates_are_case_insensitive() {
        let schema = json!({"type": "object", "properties": {
            "a": {"type": "string", "x-mcp-header": "MyField"},
            "b": {"type": "string", "x-mcp-header": "myfield"},
        }});
        check(schema, Err("more than once"));
        let schema = json!({"type": "object", "properties": {
            "a": {"type": "string", "x-mcp-header": "Region"},
            "b": {"type": "object", "properties": {"c": {"type": "string", "x-mcp-header": "Region"}}},
        }});
        check(schema, Err("more than once"));
    }

    #[test]
    fn declarations_outside_properties_paths() {
        let s = json!({"type": "string", "x-mcp-header": "H"});
        for schema in [
            json!({"type": "object", "properties": {"list": {"type": "array", "items": s}}}),
            json!({"type": "object", "properties": {"list": {"type": "array", "prefixItems": [s]}}}),
            json!({"type": "object", "anyOf": [{"properties": {"p": s}}]}),
            json!({"type": "object", "oneOf": [s]}),
            json!({"type": "object", "allOf": [{"properties": {"p": s}}]}),
            json!({"type": "object", "not": s}),
            json!({"type": "object", "if": s, "then": {}, "else": {}}),
            json!({"type": "object", "then": {"properties": {"p": s}}}),
            json!({"type": "object", "else": s}),
            json!({"type": "object", "$defs": {"d": s}, "properties": {"p": {"$ref": "#/$defs/d"}}}),
            json!({"type": "object", "definitions": {"d": s}}),
            json!({"type": "object", "additionalProperties": s}),
            json!({"type": "object", "patternProperties": {"^x": s}}),
            json!({"type": "object", "properties": {"o": {"type": "object", "additionalProperties": s}}}),
        ] {
            check(schema, Err("not reachable"));
        }
        // The root itself is not a property (and is an object anyway).
        check(json!({"type": "object", "x-mcp-header": "H"}), Err("only string, integer and boolean"));
    }

    #[test]
    fn header_values() {
        let arguments = json!({
            "s": "us-west1", "i": 42, "neg": -7, "f": 42.0, "frac": 2.5, "t": true, "no": false,
            "empty": "", "uni": "Hello, \u{4e16}\u{754c}", "pad": " padded ", "nl": "a\nb",
            "null": null, "obj": {"k": "v"}, "arr": [1], "big": 9007199254740992_i64,
            "max": 9007199254740991_i64, "huge": u64::MAX, "nested": {"id": "x"},
        });
        let value = |path: &[&str]| header_value(&arguments, &header("H", path));
        assert_eq!(value(&["s"]).as_deref(), Some("us-west1"));
        assert_eq!(value(&["i"]).as_deref(), Some("42"));
        assert_eq!(value(&["neg"]).as_deref(), Some("-7"));
        assert_eq!(value(&["f"]).as_deref(), Some("42"));
        assert_eq!(value(&["frac"]).as_deref(), Some("2.5"));
        assert_eq!(value(&["t"]).as_deref(), Some("true"));
        assert_eq!(value(&["no"]).as_deref(), Some("false"));
        assert_eq!(value(&["empty"]).as_deref(), Some(""));
        assert_eq!(value(&["uni"]).as_deref(), Some("=?base64?SGVsbG8sIOS4lueVjA==?="));
        assert_eq!(value(&["pad"]).as_deref(), Some("=?base64?IHBhZGRlZCA=?="));
        assert_eq!(value(&["nl"]).as_deref(), Some("=?base64?YQpi?="));
        assert_eq!(value(&["max"]).as_deref(), Some("9007199254740991"));
        assert_eq!(value(&["nested", "id"]).as_deref(), Some("x"));
        for absent in [&["null"][..], &["obj"], &["arr"], &["big"], &["huge"], &["missing"], &["s", "deeper"]] {
            assert_eq!(value(absent), None, "{absent:?}");
        }
        assert_eq!(header_value(&Value::Null, &header("H", &["s"])), None);
    }
}
