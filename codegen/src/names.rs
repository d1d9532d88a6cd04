//! Every Rust identifier the generator emits is decided here.

use std::collections::BTreeSet;

use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};

/// Rust keywords that need the raw-identifier form.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false", "fn", "for", "if",
    "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static", "struct", "trait",
    "true", "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "gen", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Identifiers that cannot be raw identifiers.
const NOT_RAW: &[&str] = &["self", "Self", "crate", "super"];

/// The Rust type name of a schema name or name fragment (`JSONRPCRequest` → `JsonRpcRequest`).
pub fn type_name(schema: &str) -> String {
    let spaced = schema.replace("JSONRPC", "JsonRpc_").replace("JSON", "Json_");
    let mut name = spaced.to_upper_camel_case();
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'N');
    }
    name
}

/// The Rust field name of a JSON property (`_meta` → `meta`,
/// `io.modelcontextprotocol/protocolVersion` → `protocol_version`, `type` → `r#type`).
pub fn field_name(wire: &str) -> String {
    let last = wire.rsplit('/').next().unwrap_or(wire);
    let trimmed = last.trim_start_matches(['_', '$']);
    let snake = trimmed.to_snake_case();
    let snake = if snake.is_empty() { "value".to_owned() } else { snake };
    escape(snake)
}

/// A variant name from a wire value (`resource_link` → `ResourceLink`, `ref/prompt` → `RefPrompt`).
pub fn variant_name(value: &str) -> String {
    let cleaned: String = value.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    type_name(&cleaned)
}

/// The marker type of a string constant (`type: "text"` → `TextType`).
pub fn const_marker(field: &str, value: &str) -> String {
    format!("{}{}", variant_name(value), type_name(field.trim_start_matches(['_', '$'])))
}

/// The name of an inline type found at `parent.field`.
pub fn inline_name(parent: &str, field: &str) -> String {
    let field = field.rsplit('/').next().unwrap_or(field).trim_start_matches(['_', '$']);
    let part = type_name(field);
    if part == "Error" && parent.ends_with("Error") {
        return format!("{parent}Detail");
    }
    format!("{parent}{part}")
}

/// The name of a method's marker type and dispatch variant (`CallToolRequest` → `CallTool`).
pub fn method_name(schema_name: &str) -> String {
    let base = schema_name.strip_suffix("Request").or_else(|| schema_name.strip_suffix("Notification"));
    type_name(base.unwrap_or(schema_name))
}

/// The type-state builder of a capability struct (`ServerCapabilities` → `ServerCapabilitiesBuilder`),
/// suffixed further while it would collide with an item of the revision.
pub fn builder_name(root: &str, taken: &BTreeSet<String>) -> String {
    let mut name = format!("{root}Builder");
    while taken.contains(&name) {
        name.push_str("State");
    }
    name
}

/// The const parameter of a capability path (`["tools", "listChanged"]` → `TOOLS_LIST_CHANGED`).
pub fn capability_param(path: &[String]) -> String {
    path.iter().map(|w| segment(w).to_shouty_snake_case()).collect::<Vec<_>>().join("_")
}

/// The method names of one capability builder.
#[derive(Clone, Debug, PartialEq)]
pub struct CapabilityMethods {
    /// Per capability path: the setter (`tools_list_changed`) and its opposite (`without_tools_list_changed`).
    pub nodes: Vec<NodeMethods>,
    /// Per map-valued member: its insert method (`experimental` → `experimental`, `extensions` → `extension`).
    pub maps: Vec<String>,
}

/// The setter and the remover of one capability path.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeMethods {
    /// Enables the capability.
    pub setter: String,
    /// Disables it and its subtree.
    pub without: String,
}

/// Method names of a capability builder, from the schema paths of its capabilities (snake case joined by
/// `_`: `["tasks", "requests", "tools", "call"]` → `tasks_requests_tools_call`) and the wire names of its
/// map-valued members (singular: `extensions` → `extension`). A name already taken (by `build`,
/// `builder`, `builder_all` or an earlier name) gets a `_` suffix.
pub fn capability_methods(paths: &[Vec<String>], maps: &[String]) -> CapabilityMethods {
    let mut taken: BTreeSet<String> = ["build", "builder", "builder_all"].into_iter().map(str::to_owned).collect();
    let mut unique = |name: String| {
        let mut name = escape(name);
        while !taken.insert(name.clone()) {
            name.push('_');
        }
        name
    };
    let nodes = paths
        .iter()
        .map(|path| {
            let joined = path.iter().map(|w| segment(w).to_snake_case()).collect::<Vec<_>>().join("_");
            let setter = unique(joined.clone());
            let without = unique(format!("without_{joined}"));
            NodeMethods { setter, without }
        })
        .collect();
    let maps = maps
        .iter()
        .map(|wire| {
            let snake = segment(wire).to_snake_case();
            let singular = match snake.strip_suffix('s') {
                Some(stem) if !stem.is_empty() && !stem.ends_with('s') => stem.to_owned(),
                _ => snake,
            };
            unique(singular)
        })
        .collect();
    CapabilityMethods { nodes, maps }
}

/// A wire name without its last path segment's prefix and leading `_`/`$`.
fn segment(wire: &str) -> &str {
    let last = wire.rsplit('/').next().unwrap_or(wire);
    let trimmed = last.trim_start_matches(['_', '$']);
    if trimmed.is_empty() { "value" } else { trimmed }
}

fn escape(ident: String) -> String {
    if NOT_RAW.contains(&ident.as_str()) {
        format!("{ident}_")
    } else if KEYWORDS.contains(&ident.as_str()) {
        format!("r#{ident}")
    } else {
        ident
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_well() {
        assert_eq!(type_name("JSONRPCRequest"), "JsonRpcRequest");
        assert_eq!(type_name("JSONValue"), "JsonValue");
        assert_eq!(type_name("ElicitRequestURLParams"), "ElicitRequestUrlParams");
        assert_eq!(field_name("io.modelcontextprotocol/protocolVersion"), "protocol_version");
        assert_eq!(field_name("_meta"), "meta");
        assert_eq!(field_name("$schema"), "schema");
        assert_eq!(field_name("type"), "r#type");
        assert_eq!(field_name("self"), "self_");
        assert_eq!(variant_name("ref/prompt"), "RefPrompt");
        assert_eq!(const_marker("type", "resource_link"), "ResourceLinkType");
        assert_eq!(inline_name("HeaderMismatchError", "error"), "HeaderMismatchErrorDetail");
        assert_eq!(method_name("CallToolRequest"), "CallTool");
        let path = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(capability_param(&path(&["tools", "listChanged"])), "TOOLS_LIST_CHANGED");
        let methods = capability_methods(
            &[path(&["tools"]), path(&["tools", "listChanged"]), path(&["build"])],
            &["experimental".into(), "extensions".into()],
        );
        let setters: Vec<&str> = methods.nodes.iter().map(|n| n.setter.as_str()).collect();
        assert_eq!(setters, ["tools", "tools_list_changed", "build_"]);
        assert_eq!(methods.nodes[1].without, "without_tools_list_changed");
        assert_eq!(methods.maps, ["experimental", "extension"]);
        assert_eq!(builder_name("ServerCapabilities", &BTreeSet::new()), "ServerCapabilitiesBuilder");
    }
}
