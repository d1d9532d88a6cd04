//! Type-state capability builders, derived from the IR of `ServerCapabilities` and `ClientCapabilities`.
//!
//! Every capability and sub-capability of a revision (a nested object, a `bool` flag or a presence leaf)
//! gets one `const bool` parameter on the builder, `true` once it is enabled. A setter exists only while
//! its own flag is `false` and its parent's flag is `true`, so enabling a sub-capability before its parent,
//! or anything twice, does not compile. Map-valued members (`experimental`, `extensions`) get an
//! always-available insert method. What exists comes from the schema alone: nothing here names a
//! capability.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::emit::{doc_attrs, ident, ty_tokens};
use crate::ir::{Field, Item, ItemKind, Model, Ty};
use crate::names;

/// The capability structs that get a builder, and whether theirs also starts all-on (`builder_all`,
/// with `without_*` methods).
const ROOTS: &[(&str, bool)] = &[("ClientCapabilities", true), ("ServerCapabilities", false)];

/// Whether `model` has any capability struct, i.e. whether [`tokens`] emits anything.
pub fn has_builders(model: &Model) -> bool {
    !roots(model, &crate::emit::defaults(model)).is_empty()
}

/// The builders of one revision: the contents of its `capabilities.rs`.
pub fn tokens(model: &Model) -> TokenStream {
    let items: BTreeMap<&str, &Item> = model.items.iter().map(|i| (i.name.as_str(), i)).collect();
    let defaults = crate::emit::defaults(model);
    let taken: BTreeSet<String> = model.items.iter().map(|i| i.name.clone()).collect();
    let sides = roots(model, &defaults).into_iter().map(|(root, fields, all)| {
        let tree = Tree::collect(fields, &items, &defaults);
        side_tokens(root, &names::builder_name(root, &taken), &tree, all, &model.revision)
    });
    quote! {
        #[allow(unused_imports)]
        use super::*;
        #(#sides)*
    }
}

/// The capability structs of `model` that get a builder (structs with a `Default`, since a builder
/// starts empty): name, fields, and whether it gets `builder_all`.
fn roots<'m>(model: &'m Model, defaults: &BTreeMap<String, bool>) -> Vec<(&'m str, &'m [Field], bool)> {
    ROOTS
        .iter()
        .filter_map(|(root, all)| {
            let item = model.items.iter().find(|i| i.name == *root)?;
            let ItemKind::Struct { fields } = &item.kind else { return None };
            defaults.get(*root).copied().unwrap_or(false).then_some((item.name.as_str(), fields.as_slice(), *all))
        })
        .collect()
}

/// What a (sub-)capability is on the wire.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// An object with sub-capabilities of its own; enabling it inserts `{}`.
    Nested,
    /// A `bool` flag; enabling it sets `true`.
    Flag,
    /// An open object whose presence is the capability; enabling it inserts `{}`.
    Presence,
}

/// One (sub-)capability: a node of the capability tree, in preorder.
struct Node {
    /// Wire names from the root.
    wire: Vec<String>,
    /// Rust field names from the root.
    fields: Vec<String>,
    kind: Kind,
    /// Index of the parent node.
    parent: Option<usize>,
    /// One past the index of the last node of this subtree.
    end: usize,
    /// Schema description of the member.
    doc: Option<String>,
    setter: Ident,
    without: Ident,
    param: Ident,
}

/// A map-valued top-level member.
struct MapMember {
    field: Ident,
    wire: String,
    method: Ident,
    value: TokenStream,
}

/// The capability tree of one root struct.
struct Tree {
    nodes: Vec<Node>,
    maps: Vec<MapMember>,
}

impl Tree {
    fn collect(fields: &[Field], items: &BTreeMap<&str, &Item>, defaults: &BTreeMap<String, bool>) -> Tree {
        let mut raw = Vec::new();
        let mut maps = Vec::new();
        let mut seen = BTreeSet::new();
        walk(fields, &[], &[], None, items, defaults, &mut seen, &mut raw);
        for f in fields {
            if let Ty::Map(value) = &f.ty {
                maps.push((f, ty_tokens(value)));
            }
        }
        // Every method name is decided by `names`, together, so that collisions are resolved in one place.
        let paths: Vec<Vec<String>> = raw.iter().map(|r: &RawNode| r.wire.clone()).collect();
        let map_wires: Vec<String> = maps.iter().map(|(f, _)| f.wire.clone()).collect();
        let methods = names::capability_methods(&paths, &map_wires);
        let nodes = raw
            .into_iter()
            .zip(methods.nodes)
            .map(|(r, m)| Node {
                param: format_ident!("{}", names::capability_param(&r.wire)),
                setter: ident(&m.setter),
                without: ident(&m.without),
                wire: r.wire,
                fields: r.fields,
                kind: r.kind,
                parent: r.parent,
                end: r.end,
                doc: r.doc,
            })
            .collect();
        let maps = maps
            .into_iter()
            .zip(methods.maps)
            .map(|((f, value), method)| MapMember {
                field: ident(&f.name),
                wire: f.wire.clone(),
                method: ident(&method),
                value,
            })
            .collect();
        Tree { nodes, maps }
    }
}

struct RawNode {
    wire: Vec<String>,
    fields: Vec<String>,
    kind: Kind,
    parent: Option<usize>,
    end: usize,
    doc: Option<String>,
}

/// Collects the nodes below one struct in preorder (fields are already sorted by wire name).
#[allow(clippy::too_many_arguments)]
fn walk(
    fields: &[Field],
    wire: &[String],
    rust: &[String],
    parent: Option<usize>,
    items: &BTreeMap<&str, &Item>,
    defaults: &BTreeMap<String, bool>,
    seen: &mut BTreeSet<String>,
    out: &mut Vec<RawNode>,
) {
    for f in fields {
        let Some((kind, nested)) = classify(&f.ty, items, defaults) else { continue };
        let mut w = wire.to_vec();
        w.push(f.wire.clone());
        let mut r = rust.to_vec();
        r.push(f.name.clone());
        let index = out.len();
        out.push(RawNode { wire: w.clone(), fields: r.clone(), kind, parent, end: index + 1, doc: f.doc.clone() });
        if let Some(name) = nested
            && seen.insert(name.to_owned())
        {
            if let Some(ItemKind::Struct { fields }) = items.get(name).map(|i| &i.kind) {
                walk(fields, &w, &r, Some(index), items, defaults, seen, out);
            }
            seen.remove(name);
        }
        out[index].end = out.len();
    }
}

/// What a member is as a capability, and the struct it nests, if any. `None` for members that are not
/// capabilities (maps, strings, structs without a default).
fn classify<'a>(
    ty: &'a Ty,
    items: &BTreeMap<&str, &'a Item>,
    defaults: &BTreeMap<String, bool>,
) -> Option<(Kind, Option<&'a str>)> {
    match ty {
        Ty::Bool => Some((Kind::Flag, None)),
        Ty::Object => Some((Kind::Presence, None)),
        Ty::Rpc(path) if path == "JsonObject" => Some((Kind::Presence, None)),
        // A large member is boxed; the builder reaches through the box.
        Ty::Boxed(inner) => classify(inner, items, defaults),
        Ty::Named(name) => match &items.get(name.as_str())?.kind {
            ItemKind::Alias(inner) => classify(inner, items, defaults),
            ItemKind::Struct { .. } if defaults.get(name).copied().unwrap_or(false) => {
                Some((Kind::Nested, Some(name.as_str())))
            }
            _ => None,
        },
        _ => None,
    }
}

fn side_tokens(root: &str, builder: &str, tree: &Tree, all: bool, revision: &str) -> TokenStream {
    let root_ident = format_ident!("{}", root);
    let b = format_ident!("{}", builder);
    let nodes = &tree.nodes;
    let params = nodes.iter().map(|n| &n.param);
    let decl = quote! { #(const #params: bool = false),* };
    let param_list: Vec<String> = nodes.iter().map(|n| format!("`{}` (`{}`)", n.param, n.wire.join("."))).collect();
    let param_doc = if nodes.is_empty() {
        "This revision defines no capability flags.".to_owned()
    } else {
        format!("Its parameters, in order: {}.", param_list.join(", "))
    };
    let struct_doc = doc_attrs(Some(&format!(
        "Type-state builder of [`{root}`] (revision `{revision}`), made by [`{root}::builder`].\n\n\
         Each `const bool` parameter is `true` once that (sub-)capability is enabled. A setter exists only \
         while its flag is `false` and its parent's is `true`, so a sub-capability before its parent, or \
         the same capability twice, does not compile. {param_doc}"
    )));
    let generic = |i: usize| &nodes[i].param;
    // `const X: bool` for every node except `fixed`.
    let generics = |fixed: &BTreeSet<usize>| {
        let ps = (0..nodes.len()).filter(|i| !fixed.contains(i)).map(generic);
        quote! { #(const #ps: bool),* }
    };
    let args = |value: &dyn Fn(usize) -> Option<bool>| {
        let a = (0..nodes.len()).map(|i| match value(i) {
            Some(true) => quote! { true },
            Some(false) => quote! { false },
            None => {
                let p = generic(i);
                quote! { #p }
            }
        });
        quote! { #(#a),* }
    };

    let setters = nodes.iter().enumerate().map(|(i, n)| {
        let mut fixed = BTreeSet::from([i]);
        fixed.extend(n.parent);
        let g = generics(&fixed);
        let input = args(&|j| {
            if j == i {
                Some(false)
            } else if Some(j) == n.parent {
                Some(true)
            } else {
                None
            }
        });
        let output = args(&|j| if j == i || Some(j) == n.parent { Some(true) } else { None });
        let setter = &n.setter;
        let assign = assign_tokens(n);
        let docs = doc_attrs(Some(&setter_doc(n, nodes)));
        quote! {
            impl<#g> #b<#input> {
                #docs
                pub fn #setter(mut self) -> #b<#output> {
                    #assign
                    #b { caps: self.caps }
                }
            }
        }
    });

    let withouts = nodes.iter().enumerate().filter(|_| all).map(|(i, n)| {
        let g = generics(&BTreeSet::from([i]));
        let input = args(&|j| (j == i).then_some(true));
        let output = args(&|j| (i..n.end).contains(&j).then_some(false));
        let without = &n.without;
        let clear = clear_tokens(n);
        let dotted = n.wire.join(".");
        let doc = if n.end > i + 1 {
            format!("Disables `{dotted}` and everything below it (removes the `{}` member).", n.wire[n.wire.len() - 1])
        } else {
            format!("Disables `{dotted}` (removes the `{}` member).", n.wire[n.wire.len() - 1])
        };
        let docs = doc_attrs(Some(&format!("{doc} Only available while it is enabled.")));
        quote! {
            impl<#g> #b<#input> {
                #docs
                pub fn #without(mut self) -> #b<#output> {
                    #clear
                    #b { caps: self.caps }
                }
            }
        }
    });

    let any = generics(&BTreeSet::new());
    let any_args = args(&|_| None);
    let map_methods = tree.maps.iter().map(|m| {
        let (field, method, value, wire) = (&m.field, &m.method, &m.value, &m.wire);
        let doc = doc_attrs(Some(&format!(
            "Inserts `name` with `value` into the `{wire}` map (repeatable; a later value for the same name \
             replaces the earlier one)."
        )));
        quote! {
            #doc
            pub fn #method(mut self, name: impl ::std::convert::Into<::std::string::String>, value: #value) -> Self {
                self.caps.#field.get_or_insert_with(::std::default::Default::default).insert(name.into(), value);
                self
            }
        }
    });
    let build_doc = format!(" The configured [`{root}`].");

    let all_fn = all.then(|| {
        let chain = nodes.iter().map(|n| &n.setter);
        let every = args(&|_| Some(true));
        let doc = doc_attrs(Some(&format!(
            "A builder with every capability and sub-capability of revision `{revision}` enabled; narrow it \
             with the `without_*` methods."
        )));
        quote! {
            #doc
            pub fn builder_all() -> #b<#every> {
                Self::builder() #(.#chain())*
            }
        }
    });

    quote! {
        #struct_doc
        #[derive(Clone, Debug)]
        #[must_use = "a capabilities builder does nothing until `build()` is called"]
        pub struct #b<#decl> {
            caps: #root_ident,
        }

        impl #root_ident {
            /// A builder with every capability off; enable each with its setter.
            pub fn builder() -> #b {
                #b { caps: ::std::default::Default::default() }
            }
            #all_fn
        }

        impl<#any> #b<#any_args> {
            #[doc = #build_doc]
            pub fn build(self) -> #root_ident {
                self.caps
            }
            #(#map_methods)*
        }

        #(#setters)*
        #(#withouts)*
    }
}

fn setter_doc(n: &Node, nodes: &[Node]) -> String {
    let dotted = n.wire.join(".");
    let member = &n.wire[n.wire.len() - 1];
    let value = if n.kind == Kind::Flag { "true" } else { "{}" };
    let mut doc = match n.parent {
        None => format!("Enables `{dotted}`: sets `\"{member}\": {value}`."),
        Some(p) => {
            let parent = nodes[p].wire.join(".");
            format!(
                "Enables `{dotted}`: sets `\"{member}\": {value}` in `{parent}`. Only available once `{}()` \
                 has enabled `{parent}`.",
                nodes[p].setter
            )
        }
    };
    doc.push_str(" Enabling it twice does not compile.");
    if let Some(schema) = &n.doc {
        doc.push_str("\n\n");
        doc.push_str(schema);
    }
    doc
}

/// `self.caps.a.get_or_insert_with(..).b = Some(..);`
fn assign_tokens(n: &Node) -> TokenStream {
    let (last, path) = n.fields.split_last().expect("a node has a non-empty path (built by `walk`)");
    let mut access = quote! { self.caps };
    for f in path {
        let f = ident(f);
        access = quote! { #access.#f.get_or_insert_with(::std::default::Default::default) };
    }
    let last = ident(last);
    let value = match n.kind {
        Kind::Flag => quote! { true },
        Kind::Nested | Kind::Presence => quote! { ::std::default::Default::default() },
    };
    quote! { #access.#last = ::std::option::Option::Some(#value); }
}

/// `self.caps.a = None;` or `if let Some(parent) = self.caps.a.as_mut().and_then(..) { parent.b = None; }`
fn clear_tokens(n: &Node) -> TokenStream {
    let (last, path) = n.fields.split_last().expect("a node has a non-empty path (built by `walk`)");
    let last = ident(last);
    let Some((first, rest)) = path.split_first() else {
        return quote! { self.caps.#last = ::std::option::Option::None; };
    };
    let first = ident(first);
    let mut chain = quote! { self.caps.#first.as_mut() };
    for f in rest {
        let f = ident(f);
        chain = quote! { #chain.and_then(|c| c.#f.as_mut()) };
    }
    quote! {
        if let ::std::option::Option::Some(parent) = #chain {
            parent.#last = ::std::option::Option::None;
        }
    }
}
