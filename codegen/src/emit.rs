//! Stage 3: turn the IR into token streams, one per output file. `quote!` only: no formatting, no I/O.

use std::collections::BTreeMap;
use std::path::PathBuf;

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};

use crate::builders;
use crate::ir::{Field, Item, ItemKind, Method, MethodKind, Model, Shape, Strategy, Ty, Variant};

/// One output file before rendering.
#[derive(Clone, Debug)]
pub struct OutFile {
    /// Path under `generated/src/`.
    pub path: PathBuf,
    /// Its tokens.
    pub tokens: TokenStream,
    /// Where its input came from, for the header.
    pub source: Source,
}

/// What a generated file was made from (named in its header).
#[derive(Clone, Debug)]
pub enum Source {
    /// A schema revision.
    Schema {
        /// Revision name.
        revision: String,
        /// sha256 of the schema file.
        sha256: String,
    },
    /// Two adjacent schema revisions (an adapter module).
    Pair {
        /// `(revision, sha256)` of the older schema.
        old: (String, String),
        /// `(revision, sha256)` of the newer schema.
        new: (String, String),
    },
    /// The manifest (the crate root).
    Manifest,
    /// A template copied verbatim.
    Template(&'static str),
}

/// The files of one revision.
pub fn revision_files(model: &Model, index: usize) -> Vec<OutFile> {
    let source = Source::Schema { revision: model.revision.clone(), sha256: model.sha256.clone() };
    let dir = PathBuf::from(&model.module);
    let defaults = defaults(model);
    let types = model.items.iter().map(|item| item_tokens(item, &defaults));
    let file = |name: &str, tokens: TokenStream| OutFile { path: dir.join(name), tokens, source: source.clone() };
    let mut files = vec![
        file("mod.rs", module_tokens(model)),
        file("types.rs", quote! { #[allow(unused_imports)] use super::*; #(#types)* }),
        file("methods.rs", methods_tokens(model)),
        file("by_name.rs", by_name_tokens(model)),
        file("versioned.rs", crate::adapters::versioned_tokens(model, index)),
    ];
    if builders::has_builders(model) {
        files.push(file("capabilities.rs", builders::tokens(model)));
    }
    files
}

fn module_tokens(model: &Model) -> TokenStream {
    let version = &model.revision;
    let doc = format!(" The `{version}` revision of the Model Context Protocol.");
    let client = message_alias(model, "Client", "ClientMessage");
    let server = message_alias(model, "Server", "ServerMessage");
    let capabilities = builders::has_builders(model).then(|| {
        quote! {
            mod capabilities;
            pub use capabilities::*;
        }
    });
    quote! {
        #![doc = ""]
        #![doc = #doc]
        mod types;
        mod methods;
        #[cfg(feature = "by-name")]
        pub mod by_name;
        mod versioned;
        pub use types::*;
        pub use methods::*;
        pub use versioned::Revision;
        #capabilities

        /// The protocol version string of this revision.
        pub const PROTOCOL_VERSION: &str = #version;

        #client
        #server
    }
}

fn message_alias(model: &Model, side: &str, alias: &str) -> TokenStream {
    let has = |name: &str| model.dispatch.iter().any(|d| d.name == name);
    let path = |name: String| -> TokenStream {
        if has(&name) {
            let ident = format_ident!("{}", name);
            quote! { #ident }
        } else {
            quote! { crate::rpc::AnyRequest }
        }
    };
    let req = path(format!("{side}Request"));
    let notif = path(format!("{side}Notification"));
    let alias = format_ident!("{}", alias);
    let doc = format!(" Any message a {} sends.", side.to_lowercase());
    quote! {
        #[doc = #doc]
        pub type #alias = crate::rpc::Message<#req, #notif>;
    }
}

/// Which named items implement `Default`.
pub(crate) fn defaults(model: &Model) -> BTreeMap<String, bool> {
    let items: BTreeMap<&str, &Item> = model.items.iter().map(|i| (i.name.as_str(), i)).collect();
    let mut memo = BTreeMap::new();
    for item in &model.items {
        item_default(&item.name, &items, &mut memo);
    }
    memo
}

/// The names of the items of `model` that implement `Default`.
pub(crate) fn defaults_of(model: &Model) -> std::collections::BTreeSet<String> {
    defaults(model).into_iter().filter(|(_, v)| *v).map(|(k, _)| k).collect()
}

/// Whether a value of `ty` implements `Default`, given the items that do (`defaults_of`).
pub(crate) fn ty_has_default(ty: &Ty, defaults: &std::collections::BTreeSet<String>) -> bool {
    match ty {
        Ty::Named(n) => defaults.contains(n),
        Ty::Boxed(inner) => ty_has_default(inner, defaults),
        other => ty_default(other, &BTreeMap::new(), &mut BTreeMap::new()),
    }
}

fn item_default(name: &str, items: &BTreeMap<&str, &Item>, memo: &mut BTreeMap<String, bool>) -> bool {
    if let Some(v) = memo.get(name) {
        return *v;
    }
    memo.insert(name.to_owned(), false);
    let v = match items.get(name).map(|i| &i.kind) {
        Some(ItemKind::Struct { fields }) => {
            fields.iter().all(|f| !f.required || f.nullable || ty_default(&f.ty, items, memo))
        }
        Some(ItemKind::Alias(ty)) => ty_default(ty, items, memo),
        _ => false,
    };
    memo.insert(name.to_owned(), v);
    v
}

fn ty_default(ty: &Ty, items: &BTreeMap<&str, &Item>, memo: &mut BTreeMap<String, bool>) -> bool {
    match ty {
        Ty::String | Ty::Bool | Ty::Int | Ty::UInt | Ty::Any | Ty::Object | Ty::Vec(_) | Ty::Map(_) => true,
        Ty::ConstStr(_) | Ty::ConstInt(_) => true,
        Ty::Number => false,
        Ty::Rpc(path) => path == "JsonRpcVersion" || path == "JsonObject",
        Ty::Named(n) => item_default(n, items, memo),
        Ty::Boxed(inner) => ty_default(inner, items, memo),
    }
}

/// The tokens of a type reference.
pub fn ty_tokens(ty: &Ty) -> TokenStream {
    ty_tokens_in(ty, None)
}

/// The tokens of a type reference, generated names qualified by `module` where one is given
/// (`old::Tool` in an adapter module).
pub(crate) fn ty_tokens_in(ty: &Ty, module: Option<&TokenStream>) -> TokenStream {
    let generated = |name: &str| {
        let ident = format_ident!("{}", name);
        match module {
            Some(m) => quote! { #m::#ident },
            None => quote! { #ident },
        }
    };
    match ty {
        Ty::String => quote! { ::std::string::String },
        Ty::Bool => quote! { bool },
        Ty::Int => quote! { i64 },
        Ty::UInt => quote! { u64 },
        Ty::Number => quote! { ::serde_json::Number },
        Ty::Any => quote! { ::serde_json::Value },
        Ty::Object => quote! { crate::rpc::JsonObject },
        Ty::Named(n) => generated(n),
        Ty::Rpc(path) => {
            let path: TokenStream = format!("crate::rpc::{path}").parse().unwrap_or_default();
            path
        }
        Ty::Vec(inner) => {
            let inner = ty_tokens_in(inner, module);
            quote! { ::std::vec::Vec<#inner> }
        }
        Ty::Map(inner) => {
            let inner = ty_tokens_in(inner, module);
            quote! { ::std::collections::BTreeMap<::std::string::String, #inner> }
        }
        Ty::Boxed(inner) => {
            let inner = ty_tokens_in(inner, module);
            quote! { ::std::boxed::Box<#inner> }
        }
        Ty::ConstStr(marker) => {
            let marker = generated(marker);
            quote! { crate::rpc::Const<#marker> }
        }
        Ty::ConstInt(marker) => {
            let marker = generated(marker);
            quote! { crate::rpc::IntConst<#marker> }
        }
    }
}

/// An identifier, raw where the name says so (`r#type`).
pub(crate) fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// Doc attributes from schema prose, made safe for rustdoc (no doctests, no link syntax).
pub fn doc_attrs(doc: Option<&str>) -> TokenStream {
    let Some(doc) = doc else { return TokenStream::new() };
    let mut lines = Vec::new();
    for line in doc.replace("\r\n", "\n").lines() {
        let mut line = line.to_owned();
        // `{@link Foo bar}` → `Foo`.
        while let Some(start) = line.find("{@link ") {
            let Some(len) = line[start..].find('}') else { break };
            let inner = &line[start + 7..start + len];
            let target = inner.split_whitespace().next().unwrap_or("").to_owned();
            let target: String = target.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            line.replace_range(start..start + len + 1, &format!("`{target}`"));
        }
        let trimmed = line.trim_start();
        let indent = (line.len() - trimmed.len()).min(3);
        let mut line = format!("{}{}", " ".repeat(indent), trimmed);
        if line.trim_start().starts_with("```") {
            line = format!("{}```text", " ".repeat(indent));
            if lines.iter().filter(|l: &&String| l.trim_start().starts_with("```")).count() % 2 == 1 {
                line = format!("{}```", " ".repeat(indent));
            }
        }
        lines.push(line);
    }
    let attrs = lines.iter().map(|l| {
        let text = format!(" {l}");
        quote! { #[doc = #text] }
    });
    quote! { #(#attrs)* }
}

fn item_tokens(item: &Item, defaults: &BTreeMap<String, bool>) -> TokenStream {
    let name = format_ident!("{}", item.name);
    let fallback = format!("The schema at `{}`.", item.pointer);
    let docs = doc_attrs(Some(item.doc.as_deref().unwrap_or(&fallback)));
    match &item.kind {
        ItemKind::Struct { fields } => {
            let default = defaults.get(&item.name).copied().unwrap_or(false);
            struct_tokens(&name, &docs, fields, default)
        }
        ItemKind::StringEnum { variants } => {
            let vs = variants.iter().map(|(v, wire)| {
                let v = format_ident!("{}", v);
                let doc = format!(" `{wire:?}`.").replace("\"", "");
                quote! { #[doc = #doc] #v }
            });
            let wires = variants.iter().map(|(v, wire)| {
                let v = format_ident!("{}", v);
                quote! { #v #wire }
            });
            quote! {
                #docs
                #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
                #[non_exhaustive]
                pub enum #name { #(#vs),* }
                crate::rpc::string_enum!(#name { #(#wires),* });
            }
        }
        ItemKind::Union { variants, strategy } => union_tokens(&item.name, &docs, variants, strategy),
        ItemKind::Alias(ty) => {
            let ty = ty_tokens(ty);
            quote! { #docs pub type #name = #ty; }
        }
        ItemKind::ConstStr { field, value } => {
            let doc = format!(" The constant `{value}` of the `{field}` member.");
            quote! {
                #[doc = #doc]
                pub enum #name {}
                impl crate::rpc::ConstStr for #name {
                    const FIELD: &'static str = #field;
                    const VALUE: &'static str = #value;
                }
            }
        }
        ItemKind::ConstInt { field, value } => {
            let doc = format!(" The constant `{value}` of the `{field}` member.");
            let lit = Literal::i64_unsuffixed(*value);
            quote! {
                #[doc = #doc]
                pub enum #name {}
                impl crate::rpc::ConstInt for #name {
                    const FIELD: &'static str = #field;
                    const VALUE: i64 = #lit;
                }
            }
        }
    }
}

fn struct_tokens(name: &Ident, docs: &TokenStream, fields: &[Field], default: bool) -> TokenStream {
    let fs = fields.iter().map(|f| {
        let fname = ident(&f.name);
        let fallback = format!("The `{}` member.", f.wire);
        let docs = doc_attrs(Some(f.doc.as_deref().unwrap_or(&fallback)));
        let inner = ty_tokens(&f.ty);
        let ty = if !f.required || f.nullable {
            quote! { ::std::option::Option<#inner> }
        } else {
            inner
        };
        quote! { #docs pub #fname: #ty }
    });
    let derive_default = if default {
        quote! { Default, }
    } else {
        quote! {}
    };
    let codec = struct_codec(name, fields);
    quote! {
        #docs
        #[derive(Clone, Debug, PartialEq, #derive_default)]
        pub struct #name {
            #(#fs,)*
            /// Members the schema does not declare, kept so that nothing is lost on a round trip.
            pub extra: crate::rpc::JsonObject,
        }
        #codec
    }
}

/// `Serialize` and a one-pass `Deserialize` for a struct with an `extra` map (`crate::rpc::struct_codec!`):
/// declared members go to their fields, the others into `extra`. serde's derive would buffer the whole
/// object first because of the flattened map (`crate::rpc::Member` says why that matters), and would make
/// the generated crate depend on a proc-macro.
fn struct_codec(name: &Ident, fields: &[Field]) -> TokenStream {
    let members = fields.iter().enumerate().map(|(i, f)| {
        let fname = ident(&f.name);
        let index = Literal::usize_unsuffixed(i);
        let wire = &f.wire;
        let how = if !f.required {
            quote! { optional }
        } else if f.nullable {
            quote! { nullable }
        } else if f.default_when_missing {
            quote! { defaulted }
        } else {
            quote! { required }
        };
        quote! { #fname @ #index #wire #how }
    });
    quote! { crate::rpc::struct_codec!(#name { #(#members),* }); }
}

fn union_tokens(name: &str, docs: &TokenStream, variants: &[Variant], strategy: &Strategy) -> TokenStream {
    let ident_name = format_ident!("{}", name);
    let vs = variants.iter().map(|v| {
        let vname = format_ident!("{}", v.name);
        let ty = ty_tokens(&v.ty);
        let doc = match strategy {
            Strategy::Tagged { field, .. } => format!(" `{field}: {:?}`.", v.key),
            Strategy::Presence => format!(" Has the `{}` member.", v.key),
            Strategy::Kind => format!(" A JSON {}.", v.key),
            Strategy::ResultType => format!(" `resultType: {:?}`.", v.key),
            Strategy::Shape => format!(" A `{}`.", v.key),
        };
        quote! { #[doc = #doc] #vname(#ty) }
    });
    let ser_arms = variants.iter().map(|v| {
        let vname = format_ident!("{}", v.name);
        quote! { #ident_name::#vname(inner) => ::serde::Serialize::serialize(inner, serializer) }
    });
    let de_body = match strategy {
        Strategy::Kind => kind_deserialize(name, variants),
        Strategy::Shape => shape_deserialize(name, variants),
        _ => map_union_deserialize(name, variants, strategy),
    };
    quote! {
        #docs
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub enum #ident_name { #(#vs,)* }

        impl ::serde::Serialize for #ident_name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                match self { #(#ser_arms,)* }
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #ident_name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                #de_body
            }
        }
    }
}

/// Tagged, presence and result-type unions: one pass over the map, buffering until the deciding key.
fn map_union_deserialize(name: &str, variants: &[Variant], strategy: &Strategy) -> TokenStream {
    let ident_name = format_ident!("{}", name);
    let expecting = format!("a `{name}` object");
    let (role, pick) = match strategy {
        Strategy::Tagged { field, default } => {
            let arms = variants.iter().enumerate().map(|(i, v)| {
                let key = &v.key;
                quote! { ::std::option::Option::Some(#key) => ::std::result::Result::Ok(#i) }
            });
            let none = match default {
                Some(i) => quote! { ::std::result::Result::Ok(#i) },
                None => {
                    let msg = format!("missing field `{field}`");
                    quote! { ::std::result::Result::Err(::std::string::String::from(#msg)) }
                }
            };
            let unknown = format!("unknown `{field}` {{:?}} for `{name}`");
            (
                quote! { |key: &str| if key == #field { crate::rpc::KeyRole::Tag } else { crate::rpc::KeyRole::Neutral } },
                quote! {
                    |tag: ::std::option::Option<&str>| match tag {
                        #(#arms,)*
                        ::std::option::Option::None => #none,
                        ::std::option::Option::Some(other) => ::std::result::Result::Err(::std::format!(#unknown, other)),
                    }
                },
            )
        }
        Strategy::Presence => {
            let arms = variants.iter().enumerate().map(|(i, v)| {
                let key = &v.key;
                quote! { #key => crate::rpc::KeyRole::Picks(#i) }
            });
            let keys = variants.iter().map(|v| format!("`{}`", v.key)).collect::<Vec<_>>().join(", ");
            let msg = format!("`{name}` needs one of {keys}");
            (
                quote! { |key: &str| match key { #(#arms,)* _ => crate::rpc::KeyRole::Neutral } },
                quote! { |_: ::std::option::Option<&str>| ::std::result::Result::Err(::std::string::String::from(#msg)) },
            )
        }
        _ => {
            // ResultType: keys declared by only one member decide at once.
            let mut arms = Vec::new();
            let declared: Vec<Vec<String>> =
                variants.iter().map(|v| v.shape.as_ref().map(|s| s.declared.clone()).unwrap_or_default()).collect();
            for (i, keys) in declared.iter().enumerate() {
                for key in keys {
                    if key != "resultType"
                        && declared.iter().enumerate().all(|(j, other)| j == i || !other.contains(key))
                    {
                        arms.push(quote! { #key => crate::rpc::KeyRole::Picks(#i) });
                    }
                }
            }
            (
                quote! { |key: &str| match key { "resultType" => crate::rpc::KeyRole::Tag, #(#arms,)* _ => crate::rpc::KeyRole::Neutral } },
                quote! {
                    |tag: ::std::option::Option<&str>| ::std::result::Result::Ok(
                        if tag == ::std::option::Option::Some("input_required") { 0 } else { 1 }
                    )
                },
            )
        }
    };
    let decode_arms = variants.iter().enumerate().map(|(i, v)| {
        let vname = format_ident!("{}", v.name);
        quote! { #i => crate::rpc::from_map(map).map(#ident_name::#vname) }
    });
    quote! {
        struct UnionVisitor;
        impl<'de> ::serde::de::Visitor<'de> for UnionVisitor {
            type Value = #ident_name;
            fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(#expecting)
            }
            fn visit_map<A: ::serde::de::MapAccess<'de>>(self, map: A) -> ::std::result::Result<#ident_name, A::Error> {
                crate::rpc::decode_union(map, #role, #pick, |index, map| match index {
                    #(#decode_arms,)*
                    _ => ::std::result::Result::Err(::serde::de::Error::custom("no such variant")),
                })
            }
        }
        deserializer.deserialize_map(UnionVisitor)
    }
}

/// Kind unions: the first token decides.
fn kind_deserialize(name: &str, variants: &[Variant]) -> TokenStream {
    let ident_name = format_ident!("{}", name);
    let expecting = format!("a `{name}`: {}", variants.iter().map(|v| v.key.as_str()).collect::<Vec<_>>().join(" or "));
    let mut methods = Vec::new();
    for v in variants {
        let vname = format_ident!("{}", v.name);
        match v.key.as_str() {
            "string" => methods.push(quote! {
                fn visit_str<E: ::serde::de::Error>(self, v: &str) -> ::std::result::Result<Self::Value, E> {
                    ::std::result::Result::Ok(#ident_name::#vname(v.into()))
                }
            }),
            "boolean" => methods.push(quote! {
                fn visit_bool<E: ::serde::de::Error>(self, v: bool) -> ::std::result::Result<Self::Value, E> {
                    ::std::result::Result::Ok(#ident_name::#vname(v))
                }
            }),
            "integer" => methods.push(quote! {
                fn visit_i64<E: ::serde::de::Error>(self, v: i64) -> ::std::result::Result<Self::Value, E> {
                    ::std::result::Result::Ok(#ident_name::#vname(v))
                }
                fn visit_u64<E: ::serde::de::Error>(self, v: u64) -> ::std::result::Result<Self::Value, E> {
                    i64::try_from(v).map(#ident_name::#vname).map_err(|_| E::custom("integer out of range"))
                }
            }),
            "number" => methods.push(quote! {
                fn visit_i64<E: ::serde::de::Error>(self, v: i64) -> ::std::result::Result<Self::Value, E> {
                    ::std::result::Result::Ok(#ident_name::#vname(v.into()))
                }
                fn visit_u64<E: ::serde::de::Error>(self, v: u64) -> ::std::result::Result<Self::Value, E> {
                    ::std::result::Result::Ok(#ident_name::#vname(v.into()))
                }
                fn visit_f64<E: ::serde::de::Error>(self, v: f64) -> ::std::result::Result<Self::Value, E> {
                    ::serde_json::Number::from_f64(v).map(#ident_name::#vname).ok_or_else(|| E::custom("not a finite number"))
                }
            }),
            "array" => methods.push(quote! {
                fn visit_seq<A: ::serde::de::SeqAccess<'de>>(self, seq: A) -> ::std::result::Result<Self::Value, A::Error> {
                    ::serde::Deserialize::deserialize(::serde::de::value::SeqAccessDeserializer::new(seq)).map(#ident_name::#vname)
                }
            }),
            _ => methods.push(quote! {
                fn visit_map<A: ::serde::de::MapAccess<'de>>(self, map: A) -> ::std::result::Result<Self::Value, A::Error> {
                    crate::rpc::from_map(map).map(#ident_name::#vname)
                }
            }),
        }
    }
    quote! {
        struct KindVisitor;
        impl<'de> ::serde::de::Visitor<'de> for KindVisitor {
            type Value = #ident_name;
            fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(#expecting)
            }
            #(#methods)*
        }
        deserializer.deserialize_any(KindVisitor)
    }
}

fn shape_literal(shape: &Shape) -> TokenStream {
    let consts = shape.consts.iter().map(|(k, v)| quote! { (#k, &[#(#v),*]) });
    let required = &shape.required;
    let declared = &shape.declared;
    let open = shape.open;
    let nested = shape.nested.iter().map(|(k, s)| {
        let s = shape_literal(s);
        quote! { (#k, &#s) }
    });
    quote! {
        crate::rpc::Shape {
            consts: &[#(#consts),*],
            required: &[#(#required),*],
            declared: &[#(#declared),*],
            open: #open,
            nested: &[#(#nested),*],
        }
    }
}

/// Shape unions: buffered once, matched structurally (these unions are small and rare).
fn shape_deserialize(name: &str, variants: &[Variant]) -> TokenStream {
    let ident_name = format_ident!("{}", name);
    let shapes = variants.iter().map(|v| shape_literal(v.shape.as_ref().unwrap_or(&Shape::default())));
    let arms = variants.iter().enumerate().map(|(i, v)| {
        let vname = format_ident!("{}", v.name);
        quote! { #i => ::serde_json::from_value(value).map(#ident_name::#vname) }
    });
    quote! {
        static SHAPES: &[&crate::rpc::Shape] = &[#(&#shapes),*];
        let value = <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
        let index = crate::rpc::best_shape(&value, SHAPES, #name).map_err(::serde::de::Error::custom)?;
        let decoded = match index {
            #(#arms,)*
            _ => return ::std::result::Result::Err(::serde::de::Error::custom("no such variant")),
        };
        decoded.map_err(::serde::de::Error::custom)
    }
}

fn methods_tokens(model: &Model) -> TokenStream {
    let markers = model.methods.iter().map(method_marker);
    let sets = model.dispatch.iter().map(|d| {
        let methods: Vec<&Method> =
            d.methods.iter().filter_map(|w| model.methods.iter().find(|m| &m.wire == w)).collect();
        dispatch_tokens(&d.name, d.doc.as_deref(), d.kind, &methods)
    });
    quote! {
        #[allow(unused_imports)]
        use super::*;
        #(#markers)*
        #(#sets)*
    }
}

fn params_ty(m: &Method) -> TokenStream {
    match &m.params {
        Some(ty) => ty_tokens(ty),
        None => quote! { crate::rpc::JsonObject },
    }
}

fn method_marker(m: &Method) -> TokenStream {
    let name = format_ident!("{}", m.name);
    let wire = &m.wire;
    let first = m.doc.as_deref().and_then(|d| d.lines().next()).unwrap_or("");
    let doc = doc_attrs(Some(&format!("The `{wire}` method. {first}")));
    let params = params_ty(m);
    let method_impl = match m.kind {
        MethodKind::Request => {
            let result = m.result.as_ref().map(ty_tokens).unwrap_or_else(|| quote! { crate::rpc::JsonObject });
            quote! {
                impl crate::rpc::RequestMethod for #name {
                    const METHOD: &'static str = #wire;
                    type Params = #params;
                    type Result = #result;
                }
            }
        }
        MethodKind::Notification => quote! {
            impl crate::rpc::NotificationMethod for #name {
                const METHOD: &'static str = #wire;
                type Params = #params;
            }
        },
    };
    quote! {
        #doc
        pub enum #name {}
        impl crate::rpc::ConstStr for #name {
            const FIELD: &'static str = "method";
            const VALUE: &'static str = #wire;
        }
        #method_impl
    }
}

fn dispatch_tokens(name: &str, doc: Option<&str>, kind: MethodKind, methods: &[&Method]) -> TokenStream {
    let ident_name = format_ident!("{}", name);
    let kind_word = match kind {
        MethodKind::Request => "request",
        MethodKind::Notification => "notification",
    };
    let head = format!("Every {kind_word} of this set, one variant per method, decoded by reading `method` once.");
    let docs = doc_attrs(Some(format!("{head}\n\n{}", doc.unwrap_or("")).trim_end()));
    let variants = methods.iter().map(|m| {
        let v = format_ident!("{}", m.variant);
        let p = params_ty(m);
        let ty = if m.params_required {
            p
        } else {
            quote! { ::std::option::Option<#p> }
        };
        let doc = format!(" `{}`.", m.wire);
        quote! { #[doc = #doc] #v(#ty) }
    });
    let wires: Vec<&String> = methods.iter().map(|m| &m.wire).collect();
    let method_arms = methods.iter().map(|m| {
        let v = format_ident!("{}", m.variant);
        let wire = &m.wire;
        quote! { #ident_name::#v(_) => #wire }
    });
    let decode_arms = methods.iter().map(|m| {
        let v = format_ident!("{}", m.variant);
        let wire = &m.wire;
        quote! { #wire => #ident_name::#v(::serde::Deserialize::deserialize(params)?) }
    });
    let absent_arms = methods.iter().map(|m| {
        let v = format_ident!("{}", m.variant);
        let wire = &m.wire;
        if m.params_required {
            quote! { #wire => return ::std::result::Result::Err(E::missing_field("params")) }
        } else {
            quote! { #wire => #ident_name::#v(::std::option::Option::None) }
        }
    });
    let ser_arms = methods.iter().map(|m| {
        let v = format_ident!("{}", m.variant);
        if m.params_required {
            quote! { #ident_name::#v(params) => map.serialize_entry("params", params) }
        } else {
            quote! {
                #ident_name::#v(params) => match params {
                    ::std::option::Option::Some(params) => map.serialize_entry("params", params),
                    ::std::option::Option::None => ::std::result::Result::Ok(()),
                }
            }
        }
    });
    quote! {
        #docs
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub enum #ident_name {
            #(#variants,)*
            /// A method this revision does not define for this set (answer with `-32601`).
            Unknown(crate::rpc::UnknownMethod),
        }

        impl crate::rpc::Dispatch for #ident_name {
            fn knows(method: &str) -> bool {
                matches!(method, #(#wires)|*)
            }
            fn method(&self) -> &str {
                match self {
                    #(#method_arms,)*
                    #ident_name::Unknown(unknown) => &unknown.method,
                }
            }
            fn decode_params<'de, D: ::serde::Deserializer<'de>>(method: &str, params: D) -> ::std::result::Result<Self, D::Error> {
                ::std::result::Result::Ok(match method {
                    #(#decode_arms,)*
                    _ => return <crate::rpc::UnknownMethod as crate::rpc::Dispatch>::decode_params(method, params).map(#ident_name::Unknown),
                })
            }
            fn decode_absent<E: ::serde::de::Error>(method: &str) -> ::std::result::Result<Self, E> {
                ::std::result::Result::Ok(match method {
                    #(#absent_arms,)*
                    _ => #ident_name::Unknown(crate::rpc::UnknownMethod { method: method.into(), params: ::std::option::Option::None }),
                })
            }
            fn serialize_params<M: ::serde::ser::SerializeMap>(&self, map: &mut M) -> ::std::result::Result<(), M::Error> {
                match self {
                    #(#ser_arms,)*
                    #ident_name::Unknown(unknown) => <crate::rpc::UnknownMethod as crate::rpc::Dispatch>::serialize_params(unknown, map),
                }
            }
        }

        impl ::serde::Serialize for #ident_name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                crate::rpc::serialize_body(self, serializer)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #ident_name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                crate::rpc::deserialize_body(deserializer)
            }
        }
    }
}

/// The by-name registry (feature `by-name`): decode any definition or union by its schema name.
fn by_name_tokens(model: &Model) -> TokenStream {
    let names: Vec<&String> = model.definitions.iter().map(|(n, _)| n).collect();
    let rt_arms = model.definitions.iter().map(|(n, ty)| {
        let ty = ty_tokens(ty);
        quote! { #n => roundtrip_as::<#ty>(value) }
    });
    // Schema definition name of each generated item that stands for a definition.
    let def_of: BTreeMap<String, String> = model
        .definitions
        .iter()
        .filter_map(|(def, ty)| match ty {
            Ty::Named(n) => Some((n.clone(), def.clone())),
            _ => None,
        })
        .collect();
    let result_arms = model.methods.iter().filter(|m| m.kind == MethodKind::Request).map(|m| {
        let marker = format_ident!("{}", m.name);
        let wire = &m.wire;
        quote! { #wire => roundtrip_as::<<#marker as crate::rpc::RequestMethod>::Result>(value) }
    });
    let method_rows = model.methods.iter().map(|m| {
        let (s, w) = (&m.schema_name, &m.wire);
        quote! { (#s, #w) }
    });
    let mut unions = Vec::new();
    let mut union_arms = Vec::new();
    for item in &model.items {
        let Some(def) = def_of.get(&item.name) else { continue };
        let ItemKind::Union { variants, .. } = &item.kind else { continue };
        let members: Option<Vec<(String, String)>> = variants
            .iter()
            .map(|v| match &v.ty {
                Ty::Named(n) => def_of.get(n).map(|d| (v.name.clone(), d.clone())),
                _ => None,
            })
            .collect();
        let Some(members) = members else { continue };
        let member_names = members.iter().map(|(_, d)| d);
        unions.push(quote! { (#def, &[#(#member_names),*]) });
        let ident = format_ident!("{}", item.name);
        let arms = members.iter().map(|(v, d)| {
            let v = format_ident!("{}", v);
            quote! { #ident::#v(_) => #d }
        });
        union_arms.push(quote! {
            #def => decode_as::<#ident>(value, |u| match u { #(#arms,)* #[allow(unreachable_patterns)] _ => "?" })
        });
    }
    for d in &model.dispatch {
        let members: Vec<&Method> =
            d.methods.iter().filter_map(|w| model.methods.iter().find(|m| &m.wire == w)).collect();
        let member_names = members.iter().map(|m| &m.schema_name);
        let def = &d.name;
        unions.push(quote! { (#def, &[#(#member_names),*]) });
        let ident = format_ident!("{}", d.name);
        let arms = members.iter().map(|m| {
            let v = format_ident!("{}", m.variant);
            let s = &m.schema_name;
            quote! { #ident::#v(_) => #s }
        });
        let envelope = match d.kind {
            MethodKind::Request => quote! { decode_request::<#ident> },
            MethodKind::Notification => quote! { decode_notification::<#ident> },
        };
        union_arms.push(quote! {
            #def => #envelope(value, |u| match u { #(#arms,)* _ => "?" })
        });
    }
    quote! {
        //! Decode any schema definition or union by its schema name (feature `by-name`), for tools and
        //! tests that work from schema names rather than Rust types.

        #[allow(unused_imports)]
        use super::*;
        use crate::rpc::Dispatch;

        /// Every definition of the schema, by schema name.
        pub const DEFINITIONS: &[&str] = &[#(#names),*];

        /// `(schema name of the message definition, wire method)` of every method.
        pub const METHODS: &[(&str, &str)] = &[#(#method_rows),*];

        /// Every union of the schema with its members' schema names.
        pub const UNIONS: &[(&str, &[&str])] = &[#(#unions),*];

        /// Decodes `value` as the definition `name` and encodes it again; `None` for an unknown name.
        pub fn roundtrip(name: &str, value: ::serde_json::Value) -> ::std::option::Option<::std::result::Result<::serde_json::Value, ::std::string::String>> {
            ::std::option::Option::Some(match name {
                #(#rt_arms,)*
                _ => return ::std::option::Option::None,
            })
        }

        /// Decodes `value` as the result of the request method `method` and encodes it again; `None` for a
        /// method this revision does not define.
        pub fn roundtrip_result(method: &str, value: ::serde_json::Value) -> ::std::option::Option<::std::result::Result<::serde_json::Value, ::std::string::String>> {
            ::std::option::Option::Some(match method {
                #(#result_arms,)*
                _ => return ::std::option::Option::None,
            })
        }

        /// Decodes `value` as the union `name`; returns the schema name of the member it decoded as and the
        /// value encoded again. `None` for an unknown union.
        pub fn decode_union(name: &str, value: ::serde_json::Value) -> ::std::option::Option<::std::result::Result<(&'static str, ::serde_json::Value), ::std::string::String>> {
            ::std::option::Option::Some(match name {
                #(#union_arms,)*
                _ => return ::std::option::Option::None,
            })
        }

        fn roundtrip_as<T: ::serde::Serialize + for<'de> ::serde::Deserialize<'de>>(value: ::serde_json::Value) -> ::std::result::Result<::serde_json::Value, ::std::string::String> {
            let decoded: T = crate::rpc::from_value_with_path(&value)?;
            ::serde_json::to_value(&decoded).map_err(|e| e.to_string())
        }

        fn decode_as<T: ::serde::Serialize + for<'de> ::serde::Deserialize<'de>>(value: ::serde_json::Value, member: fn(&T) -> &'static str) -> ::std::result::Result<(&'static str, ::serde_json::Value), ::std::string::String> {
            let decoded: T = crate::rpc::from_value_with_path(&value)?;
            let json = ::serde_json::to_value(&decoded).map_err(|e| e.to_string())?;
            ::std::result::Result::Ok((member(&decoded), json))
        }

        #[allow(dead_code)]
        fn decode_request<T: Dispatch + ::serde::Serialize + for<'de> ::serde::Deserialize<'de>>(value: ::serde_json::Value, member: fn(&T) -> &'static str) -> ::std::result::Result<(&'static str, ::serde_json::Value), ::std::string::String> {
            if value.get("id").is_none() {
                return decode_as(value, member);
            }
            let decoded: crate::rpc::Request<T> = ::serde_json::from_str(&value.to_string()).map_err(|e| e.to_string())?;
            let json = ::serde_json::to_value(&decoded).map_err(|e| e.to_string())?;
            ::std::result::Result::Ok((member(&decoded.body), json))
        }

        #[allow(dead_code)]
        fn decode_notification<T: Dispatch + ::serde::Serialize + for<'de> ::serde::Deserialize<'de>>(value: ::serde_json::Value, member: fn(&T) -> &'static str) -> ::std::result::Result<(&'static str, ::serde_json::Value), ::std::string::String> {
            if value.get("jsonrpc").is_none() {
                return decode_as(value, member);
            }
            let decoded: crate::rpc::Notification<T> = ::serde_json::from_str(&value.to_string()).map_err(|e| e.to_string())?;
            let json = ::serde_json::to_value(&decoded).map_err(|e| e.to_string())?;
            ::std::result::Result::Ok((member(&decoded.body), json))
        }
    }
}

/// The crate root: header, lint allowances and one module line per revision.
pub fn lib_tokens(modules: &[(String, String)]) -> TokenStream {
    let mods = modules.iter().map(|(module, feature)| {
        let m = format_ident!("{}", module);
        let doc = format!(" MCP revision `{feature}` (cargo feature `{feature}`).");
        quote! {
            #[doc = #doc]
            #[cfg(feature = #feature)]
            #[rustfmt::skip]
            pub mod #m;
        }
    });
    quote! {
        #![doc = ""]
        #![doc = " Model Context Protocol types for every pinned schema revision, one module per revision behind a"]
        #![doc = " cargo feature of the same name, plus the shared JSON-RPC layer in [`rpc`]"]
        #![doc = " and the JSON reader it runs on, [`json`]."]
        #![allow(clippy::large_enum_variant, clippy::doc_lazy_continuation, clippy::doc_overindented_list_items)]

        #[rustfmt::skip]
        pub mod rpc;
        #[rustfmt::skip]
        pub mod json;
        #[rustfmt::skip]
        pub mod adapt;
        #[rustfmt::skip]
        pub mod adapters;
        #[rustfmt::skip]
        pub mod revisions;
        #(#mods)*
    }
}
