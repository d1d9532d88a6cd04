//! RFC 6570 URI templates for MCP resource templates: parsing, expansion, and matching `resources/read` URIs.
//!
//! Levels 1 to 3 of RFC 6570 are supported: `{var}`, `{+var}`, `{#var}`, `{.var}`, `{/var}`,
//! `{;var}`, `{?var}` and `{&var}`, each with one or more comma-separated variables. The level 4
//! modifiers (explode `*` and prefix `:N`) are rejected by [`UriTemplate::parse`], because matching
//! them is ambiguous and MCP resource templates do not need them. Literal text is copied verbatim
//! when expanding and must match exactly when matching.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::str::FromStr;

/// A parsed RFC 6570 URI template (levels 1 to 3, without the explode and prefix modifiers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UriTemplate {
    source: String,
    parts: Vec<Part>,
}

/// The error returned when a URI template cannot be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateError {
    /// The byte offset in the template at which the problem was found.
    pub position: usize,
    /// A human-readable description of the problem.
    pub reason: String,
}

impl UriTemplate {
    /// Parses a URI template, rejecting malformed expressions and unsupported level 4 modifiers.
    pub fn parse(template: &str) -> Result<Self, TemplateError> {
        let mut parts = Vec::new();
        let mut offset = 0;
        while offset < template.len() {
            let rest = &template[offset..];
            let Some(open) = rest.find(['{', '}']) else {
                parts.push(Part::Literal(rest.to_owned()));
                break;
            };
            if open > 0 {
                parts.push(Part::Literal(rest[..open].to_owned()));
            }
            let brace = offset + open;
            if rest[open..].starts_with('}') {
                return Err(error(brace, "unmatched closing brace"));
            }
            let body = &rest[open + 1..];
            let close = match body.find(['{', '}']) {
                None => return Err(error(brace, "unclosed expression")),
                Some(i) if body[i..].starts_with('{') => {
                    return Err(error(brace + 1 + i, "nested brace inside an expression"));
                }
                Some(i) => i,
            };
            parts.push(parse_expression(&body[..close], brace)?);
            offset = brace + close + 2;
        }
        Ok(Self { source: template.to_owned(), parts })
    }

    /// Returns the template text exactly as it was parsed.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Returns the distinct variable names in order of first appearance.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        let mut seen: Vec<&str> = Vec::new();
        self.parts
            .iter()
            .flat_map(|part| match part {
                Part::Expr(_, names) => names.as_slice(),
                Part::Literal(_) => &[],
            })
            .map(String::as_str)
            .filter(move |name| {
                let new = !seen.contains(name);
                if new {
                    seen.push(name);
                }
                new
            })
    }

    /// Expands the template; variables missing from `vars` are undefined and expand to nothing.
    pub fn expand(&self, vars: &BTreeMap<String, String>) -> String {
        let mut out = String::new();
        for part in &self.parts {
            let (op, names) = match part {
                Part::Literal(text) => {
                    out.push_str(text);
                    continue;
                }
                Part::Expr(op, names) => (*op, names),
            };
            let defined = names.iter().filter_map(|name| Some((name, vars.get(name)?)));
            for (index, (name, value)) in defined.enumerate() {
                out.push_str(if index == 0 { op.first() } else { op.sep() });
                if op.named() {
                    out.push_str(name);
                    if !value.is_empty() || op != Op::PathParam {
                        out.push('=');
                    }
                }
                encode_into(&mut out, value, op.allow_reserved());
            }
        }
        out
    }

    /// Matches a whole URI against the template and returns the percent-decoded variable values.
    ///
    /// Each expression matches only characters its operator can produce (raw non-ASCII characters
    /// are accepted as well), so `{var}` never spans `/` while `{+var}` and `{#var}` may. Earlier
    /// expressions match as little as possible, with backtracking, so `{name}.txt` matches
    /// `a.b.txt` with `name = "a.b"`. Each variable of `{var}` and `{+var}` must match at least
    /// one character; the other operators may be absent entirely, leaving their variables out
    /// of the result. Named operators (`;`, `?`, `&`) accept their variables in any order but
    /// reject unknown or repeated names. A variable used twice must match the same value (this is
    /// checked after matching, without further backtracking).
    /// Invalid percent-encoding, or encoded bytes that are not UTF-8, give `None`, as does a
    /// pathologically ambiguous match that exceeds an internal work budget.
    pub fn matches(&self, uri: &str) -> Option<BTreeMap<String, String>> {
        let mut matcher =
            Matcher { parts: &self.parts, failed: HashSet::new(), budget: MATCH_BUDGET, found: Vec::new() };
        if !matcher.run(0, uri) {
            return None;
        }
        let mut vars = BTreeMap::new();
        for (name, raw) in matcher.found {
            let value = percent_decode(raw)?;
            if vars.get(name).is_some_and(|existing| *existing != value) {
                return None;
            }
            vars.insert(name.to_owned(), value);
        }
        Some(vars)
    }
}

impl FromStr for UriTemplate {
    type Err = TemplateError;

    fn from_str(template: &str) -> Result<Self, Self::Err> {
        Self::parse(template)
    }
}

impl fmt::Display for UriTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid URI template at byte {}: {}", self.position, self.reason)
    }
}

impl std::error::Error for TemplateError {}

/// The maximum number of character steps one call to `matches` may spend.
const MATCH_BUDGET: usize = 1 << 22;

/// One piece of a parsed template: literal text or an expression with its variable names.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Literal(String),
    Expr(Op, Vec<String>),
}

/// The expression operators of RFC 6570 levels 1 to 3.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Simple,
    Reserved,
    Fragment,
    Label,
    Path,
    PathParam,
    Query,
    QueryCont,
}

impl Op {
    fn from_char(c: char) -> Option<Self> {
        Some(match c {
            '+' => Self::Reserved,
            '#' => Self::Fragment,
            '.' => Self::Label,
            '/' => Self::Path,
            ';' => Self::PathParam,
            '?' => Self::Query,
            '&' => Self::QueryCont,
            _ => return None,
        })
    }

    /// Returns the text written before the first defined variable.
    fn first(self) -> &'static str {
        match self {
            Self::Simple | Self::Reserved => "",
            Self::Fragment => "#",
            Self::Label => ".",
            Self::Path => "/",
            Self::PathParam => ";",
            Self::Query => "?",
            Self::QueryCont => "&",
        }
    }

    /// Returns the text written between defined variables.
    fn sep(self) -> &'static str {
        match self {
            Self::Simple | Self::Reserved | Self::Fragment => ",",
            Self::Query | Self::QueryCont => "&",
            other => other.first(),
        }
    }

    fn named(self) -> bool {
        matches!(self, Self::PathParam | Self::Query | Self::QueryCont)
    }

    fn allow_reserved(self) -> bool {
        matches!(self, Self::Reserved | Self::Fragment)
    }
}

/// The backtracking state of one `matches` call; `failed` memoizes (part, remaining length).
struct Matcher<'a> {
    parts: &'a [Part],
    failed: HashSet<(usize, usize)>,
    budget: usize,
    found: Vec<(&'a str, &'a str)>,
}

impl<'a> Matcher<'a> {
    /// Returns whether `parts[idx..]` matches `rest`, recording raw variable values in `found`.
    fn run(&mut self, idx: usize, rest: &'a str) -> bool {
        let parts = self.parts;
        let Some(part) = parts.get(idx) else {
            return rest.is_empty();
        };
        if self.budget == 0 || !self.failed.insert((idx, rest.len())) {
            return false;
        }
        let (op, names) = match part {
            Part::Literal(text) => {
                return rest.strip_prefix(text.as_str()).is_some_and(|tail| self.run(idx + 1, tail));
            }
            Part::Expr(op, names) => (*op, names),
        };
        let ends = rest.char_indices().map(|(i, c)| (i, Some(c)));
        for (end, next) in ends.chain(std::iter::once((rest.len(), None))) {
            self.budget = self.budget.saturating_sub(1);
            let (span, tail) = rest.split_at(end);
            let plausible = match parts.get(idx + 1) {
                None => tail.is_empty(),
                Some(Part::Literal(text)) => tail.starts_with(text.as_str()),
                Some(Part::Expr(..)) => true,
            };
            if plausible {
                self.budget = self.budget.saturating_sub(end);
                let mark = self.found.len();
                if match_expression(op, names, span, &mut self.found) && self.run(idx + 1, tail) {
                    return true;
                }
                self.found.truncate(mark);
            }
            if self.budget == 0 || !next.is_some_and(|c| span_char(op, c)) {
                break;
            }
        }
        false
    }
}

/// Matches the text of one expression, pushing (name, raw value) pairs on success.
fn match_expression<'a>(op: Op, names: &'a [String], span: &'a str, found: &mut Vec<(&'a str, &'a str)>) -> bool {
    // An empty span leaves every variable undefined, which only operators with a prefix can express.
    if span.is_empty() {
        return !op.first().is_empty();
    }
    let Some(body) = span.strip_prefix(op.first()) else {
        return false;
    };
    if op.named() {
        let mut used = vec![false; names.len()];
        for piece in body.split(op.sep()) {
            let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
            let Some(index) = names.iter().position(|n| n == name) else {
                return false;
            };
            if used[index] || !valid_value(value, false) {
                return false;
            }
            used[index] = true;
            found.push((name, value));
        }
    } else {
        for (name, piece) in names.iter().zip(body.splitn(names.len(), op.sep())) {
            if (op.first().is_empty() && piece.is_empty()) || !valid_value(piece, op.allow_reserved()) {
                return false;
            }
            found.push((name, piece));
        }
    }
    true
}

/// Parses the text between `{` (at byte `brace`) and `}` into an expression.
fn parse_expression(body: &str, brace: usize) -> Result<Part, TemplateError> {
    let (op, list) = match body.chars().next() {
        None => return Err(error(brace, "empty expression")),
        Some(c @ ('=' | ',' | '!' | '@' | '|')) => {
            return Err(error(brace + 1, format!("operator `{c}` is reserved and not supported")));
        }
        Some(c) => match Op::from_char(c) {
            Some(op) => (op, &body[1..]),
            None => (Op::Simple, body),
        },
    };
    let mut names = Vec::new();
    let mut position = brace + 1 + body.len() - list.len();
    for name in list.split(',') {
        check_name(name, position)?;
        names.push(name.to_owned());
        position += name.len() + 1;
    }
    Ok(Part::Expr(op, names))
}

/// Checks an RFC 6570 varname: `ALPHA / DIGIT / "_" / pct-encoded`, with single inner dots.
fn check_name(name: &str, position: usize) -> Result<(), TemplateError> {
    let bytes = name.as_bytes();
    if bytes.is_empty() {
        return Err(error(position, "empty variable name"));
    }
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' if is_pct_at(bytes, i) => i += 2,
            b'.' if i > 0 && i + 1 < bytes.len() && bytes[i - 1] != b'.' => {}
            b'*' => return Err(error(position + i, "explode modifier `*` is not supported")),
            b':' => return Err(error(position + i, "prefix modifier `:N` is not supported")),
            _ if b.is_ascii_alphanumeric() || b == b'_' => {}
            _ => return Err(error(position + i, "invalid character in variable name")),
        }
        i += 1;
    }
    Ok(())
}

fn error(position: usize, reason: impl Into<String>) -> TemplateError {
    TemplateError { position, reason: reason.into() }
}

fn is_unreserved(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')
}

fn is_reserved(c: char) -> bool {
    matches!(
        c,
        ':' | '/' | '?' | '#' | '[' | ']' | '@' | '!' | '$' | '&' | '\'' | '(' | ')' | '*' | '+' | ',' | ';' | '='
    )
}

/// Returns whether `bytes[i..]` starts with a percent-encoded triplet such as `%2F`.
fn is_pct_at(bytes: &[u8], i: usize) -> bool {
    bytes.get(i) == Some(&b'%')
        && bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
        && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
}

/// Returns whether `c` can appear in the expansion of an expression with operator `op`.
fn span_char(op: Op, c: char) -> bool {
    !c.is_ascii()
        || is_unreserved(c)
        || c == '%'
        || (op.allow_reserved() && is_reserved(c))
        || op.first().contains(c)
        || op.sep().contains(c)
        || (op.named() && c == '=')
}

/// Returns whether a raw matched value is well formed for the operator's character set.
fn valid_value(value: &str, allow_reserved: bool) -> bool {
    let bytes = value.as_bytes();
    value
        .char_indices()
        .all(|(i, c)| !c.is_ascii() || is_unreserved(c) || (allow_reserved && is_reserved(c)) || is_pct_at(bytes, i))
}

/// Appends `value`, percent-encoding (UTF-8, uppercase hex) every character the operator disallows.
fn encode_into(out: &mut String, value: &str, allow_reserved: bool) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let bytes = value.as_bytes();
    for (i, c) in value.char_indices() {
        if is_unreserved(c) || (allow_reserved && (is_reserved(c) || is_pct_at(bytes, i))) {
            out.push(c);
            continue;
        }
        for b in c.encode_utf8(&mut [0; 4]).bytes() {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0F)]));
        }
    }
}

/// Decodes `%XX` triplets; returns `None` for a malformed triplet or a non-UTF-8 result.
fn percent_decode(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = |j: usize| bytes.get(j).and_then(|&h| char::from(h).to_digit(16));
            out.push(u8::try_from((hex(i + 1)? << 4) | hex(i + 2)?).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(template: &str) -> UriTemplate {
        UriTemplate::parse(template).expect("test template parses")
    }

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn rfc_vars() -> BTreeMap<String, String> {
        vars(&[
            ("var", "value"),
            ("hello", "Hello World!"),
            ("empty", ""),
            ("path", "/foo/bar"),
            ("x", "1024"),
            ("y", "768"),
        ])
    }

    fn err(template: &str) -> TemplateError {
        UriTemplate::parse(template).expect_err("template must be rejected")
    }

    #[test]
    fn rejects_unclosed_brace() {
        assert_eq!(err("file:///{name").position, 8);
        assert_eq!(err("a{").reason, "unclosed expression");
    }

    #[test]
    fn rejects_empty_expression_and_empty_names() {
        assert_eq!(err("x{}").position, 1);
        assert_eq!(err("{+}").position, 2);
        assert_eq!(err("{a,}").position, 3);
    }

    #[test]
    fn rejects_bad_variable_names() {
        assert_eq!(err("{a-b}").position, 2);
        assert_eq!(err("{.a..b}").position, 4);
        assert_eq!(err("{é}").position, 1);
        assert!(err("{=a}").reason.contains("reserved"));
        assert!(UriTemplate::parse("{a.b,c_1,%41}").is_ok());
    }

    #[test]
    fn rejects_nested_and_unmatched_braces() {
        assert_eq!(err("{a{b}}").position, 2);
        assert_eq!(err("a}b").position, 1);
        assert_eq!(err("{a}}").position, 3);
    }

    #[test]
    fn rejects_level4_modifiers() {
        assert!(err("{list*}").reason.contains("not supported"));
        assert_eq!(err("{var:3}").position, 4);
        let e = err("{/a*}");
        assert_eq!(e.to_string(), format!("invalid URI template at byte 3: {}", e.reason));
    }

    #[test]
    fn accessors_display_and_from_str() {
        let template: UriTemplate = "db://{table}/{+path}{?a,table}".parse().expect("parses");
        assert_eq!(template.as_str(), "db://{table}/{+path}{?a,table}");
        assert_eq!(template.to_string(), template.as_str());
        assert_eq!(template.variables().collect::<Vec<_>>(), ["table", "path", "a"]);
        assert_eq!(template, t("db://{table}/{+path}{?a,table}"));
    }

    #[test]
    fn expands_simple_and_reserved_like_rfc() {
        let v = rfc_vars();
        assert_eq!(t("{x,y}").expand(&v), "1024,768");
        assert_eq!(t("{x,hello,y}").expand(&v), "1024,Hello%20World%21,768");
        assert_eq!(t("{+x,hello,y}").expand(&v), "1024,Hello%20World!,768");
        assert_eq!(t("{+path,x}/here").expand(&v), "/foo/bar,1024/here");
        assert_eq!(t("{path}").expand(&v), "%2Ffoo%2Fbar");
    }

    #[test]
    fn expands_fragment_label_and_path_like_rfc() {
        let v = rfc_vars();
        assert_eq!(t("{#x,hello,y}").expand(&v), "#1024,Hello%20World!,768");
        assert_eq!(t("{#path,x}/here").expand(&v), "#/foo/bar,1024/here");
        assert_eq!(t("X{.var}").expand(&v), "X.value");
        assert_eq!(t("X{.x,y}").expand(&v), "X.1024.768");
        assert_eq!(t("{/var,x}/here").expand(&v), "/value/1024/here");
    }

    #[test]
    fn expands_named_operators_like_rfc() {
        let v = rfc_vars();
        assert_eq!(t("{;x,y,empty}").expand(&v), ";x=1024;y=768;empty");
        assert_eq!(t("{?x,y,empty}").expand(&v), "?x=1024&y=768&empty=");
        assert_eq!(t("?fixed=yes{&x}").expand(&v), "?fixed=yes&x=1024");
        assert_eq!(t("{&x,y,empty}").expand(&v), "&x=1024&y=768&empty=");
    }

    #[test]
    fn expands_undefined_to_nothing_and_encodes_utf8() {
        let v = vars(&[("a", "é 😀"), ("b", "%41%zz")]);
        assert_eq!(t("x{?undef}{/undef}{u,a}").expand(&v), "x%C3%A9%20%F0%9F%98%80");
        assert_eq!(t("{+b}|{b}").expand(&v), "%41%25zz|%2541%25zz");
    }

    #[test]
    fn matches_file_dir_name() {
        let template = t("file:///{dir}/{name}");
        assert_eq!(template.matches("file:///a/b"), Some(vars(&[("dir", "a"), ("name", "b")])));
        assert_eq!(template.matches("file:///a/b/c"), None);
        assert_eq!(template.matches("file:///a/"), None);
        assert_eq!(template.matches("file:///a"), None);
        assert_eq!(template.matches("http:///a/b"), None);
    }

    #[test]
    fn matches_simple_with_backtracking_and_no_empty_values() {
        assert_eq!(t("file:///{name}.txt").matches("file:///my.file.txt"), Some(vars(&[("name", "my.file")])));
        assert_eq!(t("file:///{name}").matches("file:///"), None);
        assert_eq!(t("{x,y}").matches("1,2"), Some(vars(&[("x", "1"), ("y", "2")])));
        assert_eq!(t("{x,y}").matches("1,"), None);
    }

    #[test]
    fn matches_reserved_and_fragment() {
        let template = t("file:///{+path}");
        assert_eq!(template.matches("file:///a/b:c/d.txt"), Some(vars(&[("path", "a/b:c/d.txt")])));
        assert_eq!(t("{+base}/{name}").matches("a/b/c"), Some(vars(&[("base", "a/b"), ("name", "c")])));
        let doc = t("/doc{#section}");
        assert_eq!(doc.matches("/doc#intro/part"), Some(vars(&[("section", "intro/part")])));
        assert_eq!(doc.matches("/doc"), Some(BTreeMap::new()));
    }

    #[test]
    fn matches_label_and_path() {
        assert_eq!(t("host{.a,b}").matches("host.x.y"), Some(vars(&[("a", "x"), ("b", "y")])));
        let files = t("/files{/a,b}");
        assert_eq!(files.matches("/files/x/y"), Some(vars(&[("a", "x"), ("b", "y")])));
        assert_eq!(files.matches("/files/x"), Some(vars(&[("a", "x")])));
        assert_eq!(t("/files{/a}").matches("/files/x/y"), None);
    }

    #[test]
    fn matches_query_and_path_params() {
        let search = t("/search{?q,lang}");
        let both = vars(&[("lang", "en"), ("q", "rust lang")]);
        assert_eq!(search.matches("/search?q=rust%20lang&lang=en"), Some(both.clone()));
        assert_eq!(search.matches("/search?lang=en&q=rust%20lang"), Some(both));
        assert_eq!(search.matches("/search?q=x"), Some(vars(&[("q", "x")])));
        assert_eq!(search.matches("/search?q=x&utm=1"), None);
        assert_eq!(search.matches("/search?q=1&q=2"), None);
        assert_eq!(t("/s?fixed=1{&a}").matches("/s?fixed=1&a="), Some(vars(&[("a", "")])));
        assert_eq!(t("/m{;x,y}").matches("/m;x=1;y"), Some(vars(&[("x", "1"), ("y", "")])));
        assert_eq!(t("/p{/id}{?v}").matches("/p/7?v=2"), Some(vars(&[("id", "7"), ("v", "2")])));
    }

    #[test]
    fn repeated_variable_must_agree() {
        let template = t("{a}/{a}");
        assert_eq!(template.matches("x/x"), Some(vars(&[("a", "x")])));
        assert_eq!(template.matches("x/y"), None);
    }

    #[test]
    fn round_trips_expand_then_match() {
        let cases: &[(&str, &[(&str, &str)])] = &[
            ("file:///{dir}/{name}", &[("dir", "a b"), ("name", "ü.txt")]),
            ("file:///{+path}", &[("path", "docs/read me/ß.md")]),
            ("db://{table}{?limit,offset}", &[("table", "users/x,y"), ("limit", "10&x=1"), ("offset", "")]),
            ("mem://{ns}{/key}{;v}{#frag}", &[("ns", "n;s"), ("key", "k/é"), ("v", "1=2"), ("frag", "x/y")]),
            ("x{.ext}", &[("ext", "tar.gz")]),
            ("{a}-{b}", &[("a", "日本"), ("b", "語-x")]),
        ];
        for (template, pairs) in cases {
            let template = t(template);
            let values = vars(pairs);
            let uri = template.expand(&values);
            assert_eq!(template.matches(&uri), Some(values), "{template} via {uri}");
        }
    }

    #[test]
    fn decodes_percent_and_accepts_raw_non_ascii() {
        let template = t("file:///{name}");
        assert_eq!(template.matches("file:///caf%C3%A9"), Some(vars(&[("name", "café")])));
        assert_eq!(template.matches("file:///café"), Some(vars(&[("name", "café")])));
        assert_eq!(t("文/{x}").matches("文/%E6%96%87"), Some(vars(&[("x", "文")])));
        assert_eq!(t("文/{x}").matches("文x/a"), None);
    }

    #[test]
    fn rejects_invalid_percent_encoding() {
        let template = t("file:///{+path}");
        assert_eq!(template.matches("file:///a%zz"), None);
        assert_eq!(template.matches("file:///a%2"), None);
        assert_eq!(template.matches("file:///%FF%FE"), None);
        assert_eq!(t("{?q}").matches("?q=%C3"), None);
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        for template in ["{", "}", "{{", "}{", "{%", "{%4", "{a:}", "é{", "{é", "\u{0}{a}", "{?}", "{,}", "{a,,b}"] {
            let _ = UriTemplate::parse(template);
        }
        let long = "a".repeat(20_000) + " ";
        let greedy = t("{+a}{+b}{+c}{d}");
        for uri in ["", "%", "%%%", "é", "\u{0}", "{a}", "?=&=&", long.as_str()] {
            let _ = greedy.matches(uri);
            let _ = t("{?a,b}{&c}{;d}").matches(uri);
            let _ = t("é{x}ü").matches(uri);
        }
        assert_eq!(greedy.matches(&long), None);
    }

    #[test]
    fn long_but_simple_uris_still_match() {
        let path = "seg/".repeat(50_000) + "end";
        let template = t("file:///{+path}");
        assert_eq!(template.matches(&format!("file:///{path}")), Some(vars(&[("path", path.as_str())])));
    }
}
