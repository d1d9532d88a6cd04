//! The `diff` and adapter-emit stages: compares two adjacent revisions' IR and emits typed conversions
//! between them (`Upgrade` to the newer, `Downgrade` to the older), plus the revision markers and the
//! `Route` impls that let `adapt::Adapt` chain them.
//!
//! Every generated conversion destructures its source exhaustively and builds its target with every
//! field named, so a schema change the generator does not handle is a compile error in `generated/`.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::ir::{Dispatch, Field, Item, ItemKind, Model, Ty, Variant};

/// The direction of a conversion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Dir {
    Up,
    Down,
}

/// Items renamed between two revisions with the same meaning and shape.
const RENAMES: &[(&str, &str)] = &[("ResourceReference", "ResourceTemplateReference")];

/// Result unions without a discriminator: results adapt through their method's result type instead (a
/// result set of a newer revision may lack the older one's members, e.g. `InitializeResult` in 2026).
const RESULT_SETS: &[&str] = &["ClientResult", "ServerResult"];

/// The adjacent-pair differences the emitter works from (the `diff` stage).
#[derive(Debug)]
pub struct Delta<'a> {
    /// The older revision.
    pub old: &'a Model,
    /// The newer revision.
    pub new: &'a Model,
    /// `(old item, new item)` pairs that get public `Upgrade`/`Downgrade` impls.
    pub items: Vec<(String, String)>,
    /// Dispatch sets in both revisions.
    pub dispatch: Vec<String>,
}

/// Compares two adjacent revisions.
pub fn diff<'a>(old: &'a Model, new: &'a Model) -> Delta<'a> {
    let new_items: BTreeMap<&str, &Item> = new.items.iter().map(|i| (i.name.as_str(), i)).collect();
    let bodies: BTreeSet<&str> = old.methods.iter().chain(&new.methods).map(|m| m.schema_name.as_str()).collect();
    let mut items = Vec::new();
    for item in &old.items {
        let target = RENAMES.iter().find(|(o, _)| *o == item.name).map(|(_, n)| *n).unwrap_or(&item.name);
        let Some(other) = new_items.get(target) else { continue };
        if !public_pair(item, other)
            || RESULT_SETS.contains(&item.name.as_str())
            || bodies.contains(item.name.as_str())
            || item.name.starts_with("JsonRpc")
        {
            continue;
        }
        items.push((item.name.clone(), target.to_owned()));
    }
    let dispatch =
        old.dispatch.iter().filter(|d| new.dispatch.iter().any(|e| e.name == d.name)).map(|d| d.name.clone()).collect();
    Delta { old, new, items, dispatch }
}

/// Whether a same-named pair gets public impls: both are data types (not aliases or markers), and neither
/// is a message shape (a struct with `method` or `jsonrpc`: messages adapt through the dispatch sets,
/// because a newer revision's message needs an `id` no older value has).
fn public_pair(a: &Item, b: &Item) -> bool {
    let data = |k: &ItemKind| match k {
        ItemKind::Struct { fields } => !fields.iter().any(|f| f.wire == "method" || f.wire == "jsonrpc"),
        ItemKind::Union { .. } | ItemKind::StringEnum { .. } => true,
        _ => false,
    };
    data(&a.kind) && data(&b.kind)
}

/// The pair module for one adjacent pair: conversions for every type in both and for the dispatch sets.
pub fn pair_tokens(delta: &Delta<'_>) -> Result<TokenStream, Vec<String>> {
    let mut em = Emitter::new(delta.old, delta.new);
    let mut impls = Vec::new();
    for (a, b) in &delta.items {
        let up = em.request(Dir::Up, a, b);
        let down = em.request(Dir::Down, b, a);
        let (ta, tb) = (format_ident!("{}", a), format_ident!("{}", b));
        impls.push(quote! {
            impl crate::adapt::Upgrade for old::#ta {
                type Output = new::#tb;
                fn upgrade(self, cx: &mut Cx) -> new::#tb {
                    cx.set_target(new::PROTOCOL_VERSION);
                    #up(self, cx)
                }
            }
            impl crate::adapt::Downgrade for new::#tb {
                type Output = old::#ta;
                fn downgrade(self, cx: &mut Cx) -> ::std::result::Result<old::#ta, AdaptError> {
                    cx.set_target(old::PROTOCOL_VERSION);
                    #down(self, cx)
                }
            }
        });
    }
    let mut arms = Vec::new();
    for (a, b) in &delta.items {
        let (ta, tb) = (format_ident!("{}", a), format_ident!("{}", b));
        arms.push(quote! {
            (true, What::Type(#a)) => step_json(value, |v: old::#ta, cx| Ok(crate::adapt::Upgrade::upgrade(v, cx))),
            (false, What::Type(#b)) => step_json(value, |v: new::#tb, cx| crate::adapt::Downgrade::downgrade(v, cx)),
        });
    }
    for name in &delta.dispatch {
        impls.push(em.dispatch(name));
        let t = format_ident!("{}", name);
        arms.push(quote! {
            (true, What::Set(#name)) => step_json(value, |v: old::#t, cx| Ok(crate::adapt::Upgrade::upgrade(v, cx))),
            (false, What::Set(#name)) => step_json(value, |v: new::#t, cx| crate::adapt::Downgrade::downgrade(v, cx)),
        });
    }
    for m in &delta.old.methods {
        let Some(n) = delta.new.methods.iter().find(|n| n.wire == m.wire) else { continue };
        let (Some(Ty::Named(a)), Some(Ty::Named(b))) = (&m.result, &n.result) else { continue };
        let (ra, rb) =
            (em.resolve(false, Dir::Up, &Ty::Named(a.clone())), em.resolve(true, Dir::Up, &Ty::Named(b.clone())));
        let (Ty::Named(a), Ty::Named(b)) = (ra, rb) else { continue };
        let (Some(ia), Some(ib)) = (em.old_items.get(a.as_str()), em.new_items.get(b.as_str())) else { continue };
        if kind_of(&ia.kind) == 'o'
            || kind_of(&ib.kind) == 'o'
            || (kind_of(&ia.kind) == 'u' && kind_of(&ib.kind) == 's')
        {
            continue;
        }
        let up = em.request(Dir::Up, &a, &b);
        let down = em.request(Dir::Down, &b, &a);
        let wire = &m.wire;
        arms.push(quote! {
            (true, What::Result(#wire)) => step_json(value, |v, cx| { cx.set_target(new::PROTOCOL_VERSION); Ok(#up(v, cx)) }),
            (false, What::Result(#wire)) => step_json(value, |v, cx| { cx.set_target(old::PROTOCOL_VERSION); #down(v, cx) }),
        });
    }
    em.drain();
    if !em.errors.is_empty() {
        return Err(em.errors);
    }
    let (old_mod, new_mod) = (format_ident!("{}", delta.old.module), format_ident!("{}", delta.new.module));
    let fns = em.fns.into_values();
    let doc = format!(" Conversions between MCP `{}` and `{}`.", delta.old.revision, delta.new.revision);
    Ok(quote! {
        #![doc = ""]
        #![doc = #doc]
        #![allow(non_snake_case, unused_variables, unused_mut, unreachable_code, clippy::all)]
        // Conversions between differently named method results serve only the by-name table.
        #![cfg_attr(not(feature = "by-name"), allow(dead_code))]
        use crate::#old_mod as old;
        use crate::#new_mod as new;
        use crate::adapt::{AdaptError, Cx};
        #(#impls)*
        #(#fns)*

        /// One conversion step on JSON, by name (feature `by-name`).
        #[cfg(feature = "by-name")]
        pub(super) fn by_name(
            up: bool,
            what: crate::adapt::What<'_>,
            value: ::serde_json::Value,
        ) -> ::std::option::Option<::std::result::Result<(::serde_json::Value, crate::adapt::Report), ::std::string::String>> {
            use crate::adapt::{What, step_json};
            ::std::option::Option::Some(match (up, what) {
                #(#arms)*
                _ => return ::std::option::Option::None,
            })
        }
    })
}

/// `adapters/mod.rs`: the pair modules (each behind both revisions' features) and the `Route` impls.
pub fn adapters_mod_tokens(models: &[Model]) -> TokenStream {
    let mods = models.windows(2).map(|w| {
        let name = format_ident!("{}", pair_module(&w[0], &w[1]));
        let (fa, fb) = (feature(&w[0]), feature(&w[1]));
        quote! {
            #[cfg(all(feature = #fa, feature = #fb))]
            #[rustfmt::skip]
            mod #name;
        }
    });
    let mut routes = Vec::new();
    for (i, a) in models.iter().enumerate() {
        for (j, b) in models.iter().enumerate() {
            let (lo, hi) = (i.min(j), i.max(j));
            let features = models[lo..=hi].iter().map(feature);
            let mut steps = quote! { crate::adapt::Here };
            for _ in lo..hi {
                steps = quote! { crate::adapt::Step<#steps> };
            }
            let (ma, mb) = (format_ident!("{}", a.module), format_ident!("{}", b.module));
            let dirs: Vec<TokenStream> = match i.cmp(&j) {
                std::cmp::Ordering::Less => vec![quote! { Newer }],
                std::cmp::Ordering::Greater => vec![quote! { Older }],
                std::cmp::Ordering::Equal => vec![quote! { Newer }, quote! { Older }],
            };
            for dir in dirs {
                let features = features.clone();
                routes.push(quote! {
                    #[cfg(all(#(feature = #features),*))]
                    impl crate::adapt::Route<crate::adapt::Toward<crate::adapt::#dir, crate::#mb::Revision>>
                        for crate::#ma::Revision
                    {
                        type Steps = #steps;
                    }
                });
            }
        }
    }
    let steps = models.windows(2).flat_map(|w| {
        let name = format_ident!("{}", pair_module(&w[0], &w[1]));
        let (fa, fb) = (feature(&w[0]), feature(&w[1]));
        let (ra, rb) = (&w[0].revision, &w[1].revision);
        [
            quote! { #[cfg(all(feature = #fa, feature = #fb))] (#ra, true) => #name::by_name(true, what, value), },
            quote! { #[cfg(all(feature = #fa, feature = #fb))] (#rb, false) => #name::by_name(false, what, value), },
        ]
    });
    quote! {
        #![doc = ""]
        #![doc = " Generated conversions between adjacent revisions, and the routes that chain them."]
        #![allow(clippy::non_minimal_cfg)]
        #(#mods)*
        #(#routes)*

        /// One conversion step on JSON: from revision `from` to the next newer (`up`) or older revision,
        /// of the type, message set or method result `what`. `None` where that step or name does not exist.
        /// For tests and tools; typed code uses [`crate::adapt::Adapt`].
        #[cfg(feature = "by-name")]
        pub fn step(
            from: &str,
            up: bool,
            what: crate::adapt::What<'_>,
            value: ::serde_json::Value,
        ) -> ::std::option::Option<::std::result::Result<(::serde_json::Value, crate::adapt::Report), ::std::string::String>> {
            let _ = (&what, &value);
            match (from, up) {
                #(#steps)*
                _ => ::std::option::Option::None,
            }
        }
    }
}

/// `<module>/versioned.rs`: the revision marker and `Versioned` for every data type of the revision.
pub fn versioned_tokens(model: &Model, index: usize) -> TokenStream {
    let version = &model.revision;
    let doc = format!(" The `{version}` revision, as a type (for [`crate::adapt::Adapt`]).");
    let types = model
        .items
        .iter()
        .filter(|i| matches!(i.kind, ItemKind::Struct { .. } | ItemKind::Union { .. } | ItemKind::StringEnum { .. }))
        .map(|i| format_ident!("{}", i.name))
        .chain(model.dispatch.iter().map(|d| format_ident!("{}", d.name)));
    quote! {
        #[allow(unused_imports)]
        use super::*;
        #[doc = #doc]
        pub enum Revision {}
        impl crate::adapt::Revision for Revision {
            const VERSION: &'static str = #version;
            const INDEX: usize = #index;
        }
        #(impl crate::adapt::Versioned for #types { type Revision = Revision; })*
    }
}

/// The file name (without `.rs`) of a pair module.
pub fn pair_module(old: &Model, new: &Model) -> String {
    format!("{}_to_{}", old.module, new.module)
}

fn feature(model: &Model) -> String {
    model.revision.clone()
}

/// A route for a union member: `(target variant, Some((inner union, inner variant)), conversion)`.
type Route = (String, Option<(String, String)>, Conv);

/// A conversion expression: a plain value, or a `Result<_, AdaptError>`.
enum Conv {
    Plain(TokenStream),
    Fallible(TokenStream),
}

impl Conv {
    /// As a `Result` (downgrade direction).
    fn result(self) -> TokenStream {
        match self {
            Conv::Plain(t) => quote! { ::std::result::Result::<_, AdaptError>::Ok(#t) },
            Conv::Fallible(t) => t,
        }
    }
}

struct Emitter<'a> {
    old: &'a Model,
    new: &'a Model,
    old_items: BTreeMap<&'a str, &'a Item>,
    new_items: BTreeMap<&'a str, &'a Item>,
    old_default: BTreeSet<String>,
    new_default: BTreeSet<String>,
    /// `(dir, from, to)` → function, once emitted.
    fns: BTreeMap<(Dir, String, String), TokenStream>,
    queue: Vec<(Dir, String, String)>,
    errors: Vec<String>,
}

impl<'a> Emitter<'a> {
    fn new(old: &'a Model, new: &'a Model) -> Self {
        Emitter {
            old,
            new,
            old_items: old.items.iter().map(|i| (i.name.as_str(), i)).collect(),
            new_items: new.items.iter().map(|i| (i.name.as_str(), i)).collect(),
            old_default: crate::emit::defaults_of(old),
            new_default: crate::emit::defaults_of(new),
            fns: BTreeMap::new(),
            queue: Vec::new(),
            errors: Vec::new(),
        }
    }

    fn fn_name(dir: Dir, from: &str, to: &str) -> proc_macro2::Ident {
        let d = if dir == Dir::Up { "up" } else { "down" };
        if from == to { format_ident!("{}_{}", d, from) } else { format_ident!("{}_{}__{}", d, from, to) }
    }

    /// The function converting item `from` to item `to`, emitted on demand.
    fn request(&mut self, dir: Dir, from: &str, to: &str) -> proc_macro2::Ident {
        let key = (dir, from.to_owned(), to.to_owned());
        if !self.fns.contains_key(&key) && !self.queue.contains(&key) {
            self.queue.push(key);
        }
        Self::fn_name(dir, from, to)
    }

    fn drain(&mut self) {
        while let Some(key) = self.queue.pop() {
            if self.fns.contains_key(&key) {
                continue;
            }
            self.fns.insert(key.clone(), TokenStream::new());
            let body = self.item_fn(key.0, &key.1, &key.2);
            self.fns.insert(key, body);
        }
    }

    /// Items on the source and target side of a direction.
    fn sides(&self, dir: Dir) -> (&BTreeMap<&'a str, &'a Item>, &BTreeMap<&'a str, &'a Item>) {
        match dir {
            Dir::Up => (&self.old_items, &self.new_items),
            Dir::Down => (&self.new_items, &self.old_items),
        }
    }

    fn mods(dir: Dir) -> (TokenStream, TokenStream) {
        match dir {
            Dir::Up => (quote! { old }, quote! { new }),
            Dir::Down => (quote! { new }, quote! { old }),
        }
    }

    fn has_default(&self, dir: Dir, name: &str) -> bool {
        match dir {
            Dir::Up => self.new_default.contains(name),
            Dir::Down => self.old_default.contains(name),
        }
    }

    fn item_fn(&mut self, dir: Dir, from: &str, to: &str) -> TokenStream {
        let (src, dst) = self.sides(dir);
        let (Some(a), Some(b)) = (src.get(from).copied(), dst.get(to).copied()) else {
            self.errors.push(format!("adapter {from} -> {to}: missing item"));
            return TokenStream::new();
        };
        let (sm, tm) = Self::mods(dir);
        let name = Self::fn_name(dir, from, to);
        let (fa, fb) = (format_ident!("{}", from), format_ident!("{}", to));
        let ret = if dir == Dir::Up {
            quote! { #tm::#fb }
        } else {
            quote! { ::std::result::Result<#tm::#fb, AdaptError> }
        };
        let body = match (&a.kind, &b.kind) {
            (ItemKind::Struct { fields: fa_ }, ItemKind::Struct { fields: fb_ }) => {
                self.struct_body(dir, a, fa_, b, fb_)
            }
            (ItemKind::Union { variants: va, .. }, ItemKind::Union { variants: vb, .. }) => {
                self.union_body(dir, a, va, b, vb)
            }
            (ItemKind::StringEnum { variants: va }, ItemKind::StringEnum { variants: vb }) => {
                self.enum_body(dir, a, va, b, vb)
            }
            (ItemKind::Struct { .. }, ItemKind::Union { variants, .. }) => self.struct_to_union(dir, a, b, variants),
            (ItemKind::Union { variants, .. }, ItemKind::Struct { .. }) => self.union_to_other(dir, a, variants, b),
            _ => {
                self.errors.push(format!("adapter {from} -> {to}: unsupported kinds"));
                TokenStream::new()
            }
        };
        quote! {
            fn #name(v: #sm::#fa, cx: &mut Cx) -> #ret {
                #body
            }
        }
    }

    fn struct_body(&mut self, dir: Dir, a: &Item, fa: &[Field], b: &Item, fb: &[Field]) -> TokenStream {
        let (sm, tm) = Self::mods(dir);
        let (ta, tb) = (format_ident!("{}", a.name), format_ident!("{}", b.name));
        let src: BTreeMap<&str, &Field> = fa.iter().map(|f| (f.wire.as_str(), f)).collect();
        let dst: BTreeMap<&str, &Field> = fb.iter().map(|f| (f.wire.as_str(), f)).collect();
        let binds = fa.iter().map(|f| {
            let n = field_ident(f);
            quote! { #n }
        });
        let mut stmts = Vec::new();
        // Source fields the target lacks first (stash or drop), then target fields.
        for f in fa {
            if dst.contains_key(f.wire.as_str()) {
                continue;
            }
            let n = field_ident(f);
            let w = &f.wire;
            stmts.push(match dir {
                Dir::Up => {
                    if f.required {
                        quote! { cx.stash(&mut extra, #w, #n); }
                    } else {
                        quote! { if let ::std::option::Option::Some(x) = #n { cx.stash(&mut extra, #w, x); } }
                    }
                }
                Dir::Down => {
                    let default = self.spec_default(Dir::Up, f);
                    if !f.required {
                        quote! { if #n.is_some() { cx.dropped(#w); } }
                    } else if let Some(d) = default {
                        quote! { if #n != #d { cx.dropped(#w); } }
                    } else {
                        quote! { cx.dropped(#w); }
                    }
                }
            });
        }
        let mut inits = Vec::new();
        for g in fb {
            let n = field_ident(g);
            let value = match src.get(g.wire.as_str()) {
                Some(f) => self.field_conv(dir, f, g, b),
                None => self.absent_field(dir, g, b),
            };
            stmts.push(quote! { let #n = #value; });
            inits.push(quote! { #n });
        }
        let wrap = if dir == Dir::Up {
            quote! { out }
        } else {
            quote! { ::std::result::Result::Ok(out) }
        };
        quote! {
            let #sm::#ta { #(#binds,)* extra } = v;
            let mut extra = extra;
            #(#stmts)*
            let out = #tm::#tb { #(#inits,)* extra };
            #wrap
        }
    }

    /// The value of target field `g` when the source has no such field.
    fn absent_field(&mut self, dir: Dir, g: &Field, target: &Item) -> TokenStream {
        let w = &g.wire;
        let inner = self.target_ty_tokens(dir, &g.ty);
        let unstash = quote! { cx.unstash::<#inner>(&mut extra, #w) };
        if !g.required || g.nullable {
            return unstash;
        }
        let take = if dir == Dir::Up {
            quote! { cx.take_or_drop::<#inner>(&mut extra, #w) }
        } else {
            quote! { cx.take::<#inner>(&mut extra, #w)? }
        };
        match self.required_default(dir, g) {
            Some(d) => {
                quote! { match #take { ::std::option::Option::Some(x) => x, ::std::option::Option::None => #d } }
            }
            None if dir == Dir::Down => quote! {
                match #take {
                    ::std::option::Option::Some(x) => x,
                    ::std::option::Option::None => {
                        return ::std::result::Result::Err(cx.unrepresentable(#w, "required by this revision, absent in the source"));
                    }
                }
            },
            None => {
                self.errors.push(format!(
                    "{} -> {}: no default for required `{}.{w}`",
                    self.old.revision, self.new.revision, target.name
                ));
                TokenStream::new()
            }
        }
    }

    /// A default for a required target field: the spec's (not reported), or the type's `Default` (reported).
    fn required_default(&self, dir: Dir, g: &Field) -> Option<TokenStream> {
        if let Some(d) = self.spec_default(dir, g) {
            return Some(d);
        }
        let w = &g.wire;
        if self.resolve(true, dir, &g.ty) == Ty::Rpc("RequestId".into()) {
            // No id can be invented: the empty string, reported, so the caller can refuse the value.
            return Some(quote! { { cx.defaulted(#w); crate::rpc::RequestId::String(::std::string::String::new()) } });
        }
        self.type_has_default(dir, &g.ty).then(|| quote! { { cx.defaulted(#w); ::std::default::Default::default() } })
    }

    fn type_has_default(&self, dir: Dir, ty: &Ty) -> bool {
        let defaults = if dir == Dir::Up { &self.new_default } else { &self.old_default };
        crate::emit::ty_has_default(ty, defaults)
    }

    /// The spec default of a field of the target revision of `dir`, where the spec names one.
    fn spec_default(&self, dir: Dir, g: &Field) -> Option<TokenStream> {
        let (_, tm) = Self::mods(dir);
        let (_, items) = self.sides(dir);
        match &g.ty {
            Ty::Boxed(inner) => {
                let unboxed = Field { ty: (**inner).clone(), ..g.clone() };
                let d = self.spec_default(dir, &unboxed)?;
                return Some(quote! { ::std::boxed::Box::new(#d) });
            }
            Ty::ConstStr(_) => return Some(quote! { crate::rpc::Const::new() }),
            Ty::ConstInt(_) => return Some(quote! { crate::rpc::IntConst::new() }),
            _ => {}
        }
        if g.wire == "ttlMs" {
            return Some(quote! { 0 });
        }
        if g.wire == "io.modelcontextprotocol/protocolVersion" {
            return Some(quote! { #tm::PROTOCOL_VERSION.to_owned() });
        }
        let Ty::Named(n) = &g.ty else { return None };
        let item = items.get(n.as_str())?;
        match &item.kind {
            ItemKind::StringEnum { variants } if g.wire == "cacheScope" => {
                let (v, _) = variants.iter().find(|(_, wire)| wire == "private")?;
                let (t, v) = (format_ident!("{}", n), format_ident!("{}", v));
                Some(quote! { #tm::#t::#v })
            }
            ItemKind::Struct { fields } if self.has_default(dir, n) && (g.wire == "_meta" || g.wire == "params") => {
                let t = format_ident!("{}", n);
                let sets: Vec<TokenStream> = fields
                    .iter()
                    .filter(|f| f.required && !f.nullable)
                    .filter_map(|f| {
                        let d = self.spec_default(dir, f)?;
                        let fi = field_ident(f);
                        Some(quote! { d.#fi = #d; })
                    })
                    .collect();
                Some(quote! { { let mut d = #tm::#t::default(); #(#sets)* d } })
            }
            _ => None,
        }
    }

    fn target_ty_tokens(&self, dir: Dir, ty: &Ty) -> TokenStream {
        let (_, tm) = Self::mods(dir);
        crate::emit::ty_tokens_in(ty, Some(&tm))
    }

    /// The conversion of field `f` (source) to field `g` (target).
    fn field_conv(&mut self, dir: Dir, f: &Field, g: &Field, target: &Item) -> TokenStream {
        let n = field_ident(f);
        let w = &g.wire;
        let f_opt = !f.required || f.nullable;
        let g_opt = !g.required || g.nullable;
        let conv = self.conv(dir, &f.ty, &g.ty);
        if matches!(&conv, Conv::Plain(t) if t.to_string() == "x") && f_opt == g_opt {
            return quote! { #n };
        }
        let absent = if f_opt && !g_opt { self.absent_field(dir, g, target) } else { TokenStream::new() };
        match dir {
            Dir::Up => match conv {
                Conv::Plain(t) => {
                    let one = quote! { cx.at(#w, |cx| #t) };
                    match (f_opt, g_opt) {
                        (true, true) => {
                            quote! { match #n { ::std::option::Option::Some(x) => ::std::option::Option::Some(#one), ::std::option::Option::None => ::std::option::Option::None } }
                        }
                        (false, true) => quote! { { let x = #n; ::std::option::Option::Some(#one) } },
                        (false, false) => quote! { { let x = #n; #one } },
                        (true, false) => {
                            quote! { match #n { ::std::option::Option::Some(x) => #one, ::std::option::Option::None => #absent } }
                        }
                    }
                }
                Conv::Fallible(t) => {
                    let r = quote! { cx.at(#w, |cx| #t) };
                    if g_opt {
                        let some = quote! { { let r = #r; cx.or_drop(#w, r) } };
                        if f_opt {
                            quote! { match #n { ::std::option::Option::Some(x) => #some, ::std::option::Option::None => ::std::option::Option::None } }
                        } else {
                            quote! { { let x = #n; #some } }
                        }
                    } else {
                        let Some(d) = self.spec_default(dir, g).or_else(|| {
                            self.type_has_default(dir, &g.ty).then(|| quote! { ::std::default::Default::default() })
                        }) else {
                            self.errors.push(format!(
                                "{} -> {}: `{}.{w}` needs a fallible conversion and has no default",
                                self.old.revision, self.new.revision, target.name
                            ));
                            return TokenStream::new();
                        };
                        let one = quote! { { let r = #r; cx.or_default(#w, r, || #d) } };
                        if f_opt {
                            quote! { match #n { ::std::option::Option::Some(x) => #one, ::std::option::Option::None => #absent } }
                        } else {
                            quote! { { let x = #n; #one } }
                        }
                    }
                }
            },
            Dir::Down => {
                let r = conv.result();
                let one = quote! { cx.at(#w, |cx| #r)? };
                let opt = quote! { { let r = cx.at(#w, |cx| #r); cx.optional(#w, r)? } };
                match (f_opt, g_opt) {
                    (true, true) => {
                        quote! { match #n { ::std::option::Option::Some(x) => #opt, ::std::option::Option::None => ::std::option::Option::None } }
                    }
                    (false, true) => quote! { { let x = #n; #opt } },
                    (false, false) => quote! { { let x = #n; #one } },
                    (true, false) => {
                        quote! { match #n { ::std::option::Option::Some(x) => #one, ::std::option::Option::None => #absent } }
                    }
                }
            }
        }
    }

    /// Follows aliases.
    pub(crate) fn resolve(&self, side_target: bool, dir: Dir, ty: &Ty) -> Ty {
        let (src, dst) = self.sides(dir);
        let items = if side_target { dst } else { src };
        let mut ty = ty.clone();
        for _ in 0..8 {
            match &ty {
                Ty::Named(n) => match items.get(n.as_str()).map(|i| &i.kind) {
                    Some(ItemKind::Alias(t)) => ty = t.clone(),
                    _ => break,
                },
                _ => break,
            }
        }
        if ty == Ty::Rpc("JsonObject".into()) {
            ty = Ty::Object;
        }
        ty
    }

    fn item_of(&self, side_target: bool, dir: Dir, ty: &Ty) -> Option<&'a Item> {
        let (src, dst) = self.sides(dir);
        let items = if side_target { dst } else { src };
        match ty {
            Ty::Named(n) => items.get(n.as_str()).copied(),
            _ => None,
        }
    }

    fn const_value(&self, side_target: bool, dir: Dir, marker: &str) -> Option<String> {
        let item = self.item_of(side_target, dir, &Ty::Named(marker.to_owned()))?;
        match &item.kind {
            ItemKind::ConstStr { value, .. } => Some(value.clone()),
            ItemKind::ConstInt { value, .. } => Some(value.to_string()),
            _ => None,
        }
    }

    /// Converts `x` (of source type `from`) to the target type `to`.
    fn conv(&mut self, dir: Dir, from: &Ty, to: &Ty) -> Conv {
        let from = self.resolve(false, dir, from);
        let to = self.resolve(true, dir, to);
        let (_, tm) = Self::mods(dir);
        match (&from, &to) {
            (Ty::Boxed(f), _) => {
                return match self.conv(dir, f, &to) {
                    Conv::Plain(t) => Conv::Plain(quote! { { let x = *x; #t } }),
                    Conv::Fallible(t) => Conv::Fallible(quote! { { let x = *x; #t } }),
                };
            }
            (_, Ty::Boxed(t)) => {
                return match self.conv(dir, &from, t) {
                    Conv::Plain(e) => Conv::Plain(quote! { ::std::boxed::Box::new(#e) }),
                    Conv::Fallible(e) => Conv::Fallible(quote! { (#e).map(::std::boxed::Box::new) }),
                };
            }
            _ => {}
        }
        if from == to
            && matches!(
                from,
                Ty::String | Ty::Bool | Ty::Int | Ty::UInt | Ty::Number | Ty::Any | Ty::Object | Ty::Rpc(_)
            )
        {
            return Conv::Plain(quote! { x });
        }
        match (&from, &to) {
            (Ty::ConstStr(a), Ty::ConstStr(b)) | (Ty::ConstInt(a), Ty::ConstInt(b)) => {
                let ctor = if matches!(from, Ty::ConstStr(_)) {
                    quote! { crate::rpc::Const::new() }
                } else {
                    quote! { crate::rpc::IntConst::new() }
                };
                if self.const_value(false, dir, a) == self.const_value(true, dir, b) {
                    Conv::Plain(quote! { { let _ = x; #ctor } })
                } else {
                    Conv::Fallible(
                        quote! { { let _ = x; ::std::result::Result::Err(cx.unrepresentable("", "a constant this revision spells differently")) } },
                    )
                }
            }
            (Ty::Object, Ty::Any) => Conv::Plain(quote! { ::serde_json::Value::Object(x) }),
            (Ty::Vec(f), Ty::Vec(t)) => match (dir, self.conv(dir, f, t)) {
                (Dir::Up, Conv::Plain(e)) => Conv::Plain(quote! { cx.list_up(x, |x, cx| #e) }),
                (_, c) => {
                    let r = c.result();
                    Conv::Fallible(quote! { cx.list(x, |x, cx| #r) })
                }
            },
            (Ty::Map(f), Ty::Map(t)) => match (dir, self.conv(dir, f, t)) {
                (Dir::Up, Conv::Plain(e)) => Conv::Plain(quote! { cx.map_up(x, |x, cx| #e) }),
                (_, c) => {
                    let r = c.result();
                    Conv::Fallible(quote! { cx.map(x, |x, cx| #r) })
                }
            },
            (Ty::Named(a), Ty::Named(b)) => {
                let (ia, ib) = (self.item_of(false, dir, &from), self.item_of(true, dir, &to));
                let kinds = ia.zip(ib).map(|(x, y)| (kind_of(&x.kind), kind_of(&y.kind)));
                match kinds {
                    Some((ka, kb)) if ka != 'o' && kb != 'o' && !(dir == Dir::Up && ka == 'u' && kb == 's') => {
                        let f = self.request(dir, a, b);
                        if dir == Dir::Up {
                            Conv::Plain(quote! { #f(x, cx) })
                        } else {
                            Conv::Fallible(quote! { #f(x, cx) })
                        }
                    }
                    _ => Conv::Fallible(quote! { cx.json("", x) }),
                }
            }
            (Ty::Object, Ty::Named(b)) if self.has_default(dir, b) => {
                let t = format_ident!("{}", b);
                Conv::Fallible(quote! {
                    cx.json_filled("", x, ::serde_json::to_value(#tm::#t::default()).unwrap_or_default(), &[])
                })
            }
            _ => Conv::Fallible(quote! { cx.json("", x) }),
        }
    }

    fn union_body(&mut self, dir: Dir, a: &Item, va: &[Variant], b: &Item, vb: &[Variant]) -> TokenStream {
        let (sm, tm) = Self::mods(dir);
        let (ta, tb) = (format_ident!("{}", a.name), format_ident!("{}", b.name));
        let mut arms = Vec::new();
        for v in va {
            let vn = format_ident!("{}", v.name);
            if dir == Dir::Down
                && let Some(arm) = self.unwrap_member(dir, v, b, vb)
            {
                arms.push(quote! { #sm::#ta::#vn(x) => #arm, });
                continue;
            }
            let target = self.variant_route(dir, v, vb);
            let arm = match target {
                Some((w, inner_wrap, c)) => {
                    let wn = format_ident!("{}", w);
                    let wrap = |e: TokenStream| match &inner_wrap {
                        Some((u, z)) => {
                            let (u, z) = (format_ident!("{}", u), format_ident!("{}", z));
                            quote! { #tm::#tb::#wn(#tm::#u::#z(#e)) }
                        }
                        None => quote! { #tm::#tb::#wn(#e) },
                    };
                    match (dir, c) {
                        (Dir::Up, Conv::Plain(e)) => wrap(e),
                        (Dir::Up, Conv::Fallible(_)) => {
                            self.errors.push(format!("union {} -> {}: fallible member {}", a.name, b.name, v.name));
                            TokenStream::new()
                        }
                        (Dir::Down, c) => {
                            let r = c.result();
                            let w = wrap(quote! { y });
                            quote! { { let y = #r?; #w } }
                        }
                    }
                }
                None if dir == Dir::Down => {
                    let what = if v.key.is_empty() { v.name.clone() } else { v.key.clone() };
                    let reason = format!("this revision has no `{what}` member in {}", b.name);
                    let payload_is_struct = matches!(
                        self.item_of(false, dir, &self.resolve(false, dir, &v.ty)).map(|i| &i.kind),
                        Some(ItemKind::Struct { .. })
                    );
                    if payload_is_struct {
                        // The older union may still read the member's JSON under another form.
                        quote! {
                            match cx.json::<_, #tm::#tb>("", &x) {
                                ::std::result::Result::Ok(u) => u,
                                ::std::result::Result::Err(_) => {
                                    return ::std::result::Result::Err(cx.unrepresentable("", #reason))
                                }
                            }
                        }
                    } else {
                        quote! { return ::std::result::Result::Err(cx.unrepresentable("", #reason)) }
                    }
                }
                None => {
                    let payload = self.item_of(false, dir, &self.resolve(false, dir, &v.ty));
                    match payload.and_then(|p| self.union_from_struct(dir, p, b, vb, quote! { x })) {
                        Some(t) => t,
                        None => {
                            self.errors.push(format!("union {} -> {}: no member for {}", a.name, b.name, v.name));
                            TokenStream::new()
                        }
                    }
                }
            };
            arms.push(quote! { #sm::#ta::#vn(x) => #arm, });
        }
        let body = quote! { match v { #(#arms)* } };
        if dir == Dir::Up {
            body
        } else {
            quote! { ::std::result::Result::Ok(#body) }
        }
    }

    /// The target member for a source member: `(variant, Some((inner union, inner variant)), conversion)`.
    fn variant_route(&mut self, dir: Dir, v: &Variant, vb: &[Variant]) -> Option<Route> {
        if let Some(w) = vb.iter().find(|w| w.name == v.name) {
            let c = self.conv(dir, &v.ty, &w.ty);
            return Some((w.name.clone(), None, c));
        }
        let payload = match self.resolve(false, dir, &v.ty) {
            Ty::Named(n) => n,
            _ => return None,
        };
        // A target member with the same payload type under another name.
        for w in vb {
            if self.resolve(true, dir, &w.ty) == Ty::Named(payload.clone()) {
                let c = self.conv(dir, &v.ty, &w.ty);
                return Some((w.name.clone(), None, c));
            }
        }
        // A target member that is itself a union holding the payload type.
        for w in vb {
            let Some(inner) = self.item_of(true, dir, &self.resolve(true, dir, &w.ty)) else { continue };
            if let ItemKind::Union { variants, .. } = &inner.kind
                && let Some(z) = variants.iter().find(|z| self.resolve(true, dir, &z.ty) == Ty::Named(payload.clone()))
            {
                let c = self.conv(dir, &v.ty, &z.ty);
                return Some((w.name.clone(), Some((inner.name.clone(), z.name.clone())), c));
            }
        }
        None
    }

    /// A source member that is itself a union none of whose members the target names directly
    /// (`Single(SamplingMessageContentBlock)` → `Text`/`Image`/`Audio`): one arm per inner member.
    fn unwrap_member(&mut self, dir: Dir, v: &Variant, b: &Item, vb: &[Variant]) -> Option<TokenStream> {
        if vb.iter().any(|w| w.name == v.name) {
            return None;
        }
        let inner = self.item_of(false, dir, &self.resolve(false, dir, &v.ty))?;
        let ItemKind::Union { variants, .. } = &inner.kind else { return None };
        let (sm, tm) = Self::mods(dir);
        let (ti, tb) = (format_ident!("{}", inner.name), format_ident!("{}", b.name));
        let mut arms = Vec::new();
        let mut any = false;
        for z in variants {
            let zn = format_ident!("{}", z.name);
            let arm = match self.variant_route(dir, z, vb) {
                Some((w, None, c)) => {
                    any = true;
                    let wn = format_ident!("{}", w);
                    let r = c.result();
                    quote! { #tm::#tb::#wn(#r?) }
                }
                _ => {
                    let what = if z.key.is_empty() { z.name.clone() } else { z.key.clone() };
                    let reason = format!("this revision has no `{what}` member in {}", b.name);
                    quote! { return ::std::result::Result::Err(cx.unrepresentable("", #reason)) }
                }
            };
            arms.push(quote! { #sm::#ti::#zn(x) => #arm, });
        }
        any.then(|| quote! { match x { #(#arms)* } })
    }

    /// The member of a target union to build from the source struct `src`: the one whose struct shares
    /// the most fields, preferring members whose required fields `src` all declares; `(variant, payload)`.
    fn best_member(&self, dir: Dir, src: &Item, vb: &[Variant]) -> Option<(String, String)> {
        let ItemKind::Struct { fields } = &src.kind else { return None };
        let wires: BTreeSet<&str> = fields.iter().map(|f| f.wire.as_str()).collect();
        let mut best: Option<((bool, usize), String, String)> = None;
        for w in vb {
            let Some(item) = self.item_of(true, dir, &self.resolve(true, dir, &w.ty)) else { continue };
            let ItemKind::Struct { fields: tf } = &item.kind else { continue };
            let covered = tf.iter().all(|f| !f.required || wires.contains(f.wire.as_str()));
            let score = (covered, tf.iter().filter(|f| wires.contains(f.wire.as_str())).count());
            if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
                best = Some((score, w.name.clone(), item.name.clone()));
            }
        }
        best.map(|(_, w, p)| (w, p))
    }

    /// Upgrade of a struct value `input` into a union. A member holding the same type takes it
    /// (`CallToolResult` → `CallToolOutcome::Complete`). Otherwise the union's own decoder picks the member
    /// (as it would on the wire), and where it refuses, the best member is built field by field.
    fn union_from_struct(
        &mut self,
        dir: Dir,
        src: &Item,
        b: &Item,
        vb: &[Variant],
        input: TokenStream,
    ) -> Option<TokenStream> {
        let (_, tm) = Self::mods(dir);
        let tb = format_ident!("{}", b.name);
        if let Some(w) = vb.iter().find(|w| self.resolve(true, dir, &w.ty) == Ty::Named(src.name.clone())) {
            let f = self.request(dir, &src.name, &src.name);
            let wn = format_ident!("{}", w.name);
            return Some(quote! { #tm::#tb::#wn(#f(#input, cx)) });
        }
        let (w, payload) = self.best_member(dir, src, vb)?;
        let f = self.request(dir, &src.name, &payload);
        let wn = format_ident!("{}", w);
        Some(quote! {
            match cx.json::<_, #tm::#tb>("", &#input) {
                ::std::result::Result::Ok(u) => u,
                ::std::result::Result::Err(_) => #tm::#tb::#wn(#f(#input, cx)),
            }
        })
    }

    fn enum_body(
        &mut self,
        dir: Dir,
        a: &Item,
        va: &[(String, String)],
        b: &Item,
        vb: &[(String, String)],
    ) -> TokenStream {
        let (sm, tm) = Self::mods(dir);
        let (ta, tb) = (format_ident!("{}", a.name), format_ident!("{}", b.name));
        let mut arms = Vec::new();
        for (name, wire) in va {
            let vn = format_ident!("{}", name);
            let arm = match vb.iter().find(|(_, w)| w == wire) {
                Some((m, _)) => {
                    let m = format_ident!("{}", m);
                    if dir == Dir::Up {
                        quote! { #tm::#tb::#m }
                    } else {
                        quote! { ::std::result::Result::Ok(#tm::#tb::#m) }
                    }
                }
                None if dir == Dir::Down => {
                    let reason = format!("this revision has no value `{wire}` in {}", b.name);
                    quote! { ::std::result::Result::Err(cx.unrepresentable("", #reason)) }
                }
                None => {
                    self.errors.push(format!("enum {} -> {}: no value {wire}", a.name, b.name));
                    TokenStream::new()
                }
            };
            arms.push(quote! { #sm::#ta::#vn => #arm, });
        }
        quote! { match v { #(#arms)* } }
    }

    /// A struct that became a union (upgrade).
    fn struct_to_union(&mut self, dir: Dir, a: &Item, b: &Item, variants: &[Variant]) -> TokenStream {
        if dir == Dir::Down {
            self.errors.push(format!("{} -> {}: struct to union in a downgrade", a.name, b.name));
            return TokenStream::new();
        }
        self.union_from_struct(dir, a, b, variants, quote! { v }).unwrap_or_else(|| {
            self.errors.push(format!("{} -> {}: no struct member", a.name, b.name));
            TokenStream::new()
        })
    }

    /// A union that became a struct (downgrade of a struct → union change): members with a struct payload
    /// convert field by field; others cannot be expressed.
    fn union_to_other(&mut self, dir: Dir, a: &Item, variants: &[Variant], b: &Item) -> TokenStream {
        if dir == Dir::Up {
            self.errors.push(format!("{} -> {}: union to struct in an upgrade", a.name, b.name));
            return TokenStream::new();
        }
        let (sm, _) = Self::mods(dir);
        let ta = format_ident!("{}", a.name);
        let mut arms = Vec::new();
        // A member holding the target type itself (`CallToolOutcome::Complete(CallToolResult)`) is the only
        // one that converts; otherwise every struct member converts field by field.
        let named = variants.iter().any(|v| self.resolve(false, dir, &v.ty) == Ty::Named(b.name.clone()));
        for v in variants {
            let vn = format_ident!("{}", v.name);
            let payload = self.item_of(false, dir, &self.resolve(false, dir, &v.ty));
            let arm = match payload {
                Some(p) if matches!(p.kind, ItemKind::Struct { .. }) && (!named || p.name == b.name) => {
                    let f = self.request(dir, &p.name, &b.name);
                    quote! { #f(x, cx) }
                }
                _ => {
                    let reason = format!("an `{}` value has no form in this revision's {}", v.name, b.name);
                    quote! { { let _ = x; ::std::result::Result::Err(cx.unrepresentable("", #reason)) } }
                }
            };
            arms.push(quote! { #sm::#ta::#vn(x) => #arm, });
        }
        quote! { match v { #(#arms)* } }
    }

    /// `Upgrade`/`Downgrade` for a dispatch set: methods convert their params; a method the other revision
    /// lacks becomes `Unknown` (upgrade) or an error (downgrade).
    fn dispatch(&mut self, name: &str) -> TokenStream {
        let (old, new) = (self.old, self.new);
        let set = |m: &Model| -> Vec<crate::ir::Method> {
            let d: &Dispatch = m.dispatch.iter().find(|d| d.name == name).expect("dispatch set in both (diff checked)");
            m.methods.iter().filter(|x| d.methods.contains(&x.wire)).cloned().collect()
        };
        let (mo, mn) = (set(old), set(new));
        let t = format_ident!("{}", name);
        let mut up = Vec::new();
        let mut down = Vec::new();
        let pseudo = |m: &crate::ir::Method| Field {
            name: "params".into(),
            wire: "params".into(),
            ty: m.params.clone().unwrap_or(Ty::Object),
            required: m.params_required,
            nullable: false,
            default_when_missing: false,
            doc: None,
        };
        let dummy = Item {
            name: name.to_owned(),
            pointer: String::new(),
            doc: None,
            kind: ItemKind::Struct { fields: vec![] },
        };
        for m in &mo {
            let vo = format_ident!("{}", m.variant);
            let wire = &m.wire;
            match mn.iter().find(|x| x.wire == m.wire) {
                Some(n) => {
                    let vn = format_ident!("{}", n.variant);
                    let (fo, fnw) = (pseudo(m), pseudo(n));
                    let u = self.field_conv(Dir::Up, &fo, &fnw, &dummy);
                    let d = self.field_conv(Dir::Down, &fnw, &fo, &dummy);
                    up.push(quote! { old::#t::#vo(params) => { let mut extra = crate::rpc::JsonObject::new(); new::#t::#vn(#u) } });
                    down.push(quote! { new::#t::#vn(params) => { let mut extra = crate::rpc::JsonObject::new(); old::#t::#vo(#d) } });
                }
                None => up.push(quote! {
                    old::#t::#vo(params) => new::#t::Unknown(crate::rpc::UnknownMethod {
                        method: #wire.to_owned(),
                        params: cx.raw_params(params),
                    })
                }),
            }
        }
        for n in &mn {
            if !mo.iter().any(|x| x.wire == n.wire) {
                let vn = format_ident!("{}", n.variant);
                let wire = &n.wire;
                down.push(quote! { new::#t::#vn(_) => return ::std::result::Result::Err(cx.no_method(#wire)) });
            }
        }
        quote! {
            impl crate::adapt::Upgrade for old::#t {
                type Output = new::#t;
                fn upgrade(self, cx: &mut Cx) -> new::#t {
                    cx.set_target(new::PROTOCOL_VERSION);
                    match self {
                        #(#up,)*
                        old::#t::Unknown(u) => new::#t::Unknown(u),
                    }
                }
            }
            impl crate::adapt::Downgrade for new::#t {
                type Output = old::#t;
                fn downgrade(self, cx: &mut Cx) -> ::std::result::Result<old::#t, AdaptError> {
                    cx.set_target(old::PROTOCOL_VERSION);
                    ::std::result::Result::Ok(match self {
                        #(#down,)*
                        new::#t::Unknown(u) => old::#t::Unknown(u),
                    })
                }
            }
        }
    }
}

/// `s` struct, `u` union, `e` string enum, `o` anything else.
fn kind_of(k: &ItemKind) -> char {
    match k {
        ItemKind::Struct { .. } => 's',
        ItemKind::Union { .. } => 'u',
        ItemKind::StringEnum { .. } => 'e',
        _ => 'o',
    }
}

fn field_ident(f: &Field) -> proc_macro2::Ident {
    crate::emit::ident(&f.name)
}

/// `revisions.rs`: which methods, notifications and capabilities each revision has, as `const` data
/// (compiled whatever features are enabled) with `const fn` queries.
pub fn table_tokens(models: &[Model]) -> TokenStream {
    let revs = models.iter().map(|m| {
        let (version, module) = (&m.revision, &m.module);
        let methods = m.methods.iter().map(|x| {
            let wire = &x.wire;
            let request = x.kind == crate::ir::MethodKind::Request;
            let by = |side: &str| m.dispatch.iter().any(|d| d.name.starts_with(side) && d.methods.contains(&x.wire));
            let (client, server) = (by("Client"), by("Server"));
            quote! { Method { name: #wire, request: #request, from_client: #client, from_server: #server } }
        });
        let caps = |name: &str| {
            let mut out = Vec::new();
            capability_paths(m, name, "", &mut out);
            out
        };
        let (client, server) = (caps("ClientCapabilities"), caps("ServerCapabilities"));
        quote! {
            Revision {
                version: #version,
                module: #module,
                methods: &[#(#methods),*],
                client_capabilities: &[#(#client),*],
                server_capabilities: &[#(#server),*],
            }
        }
    });
    quote! {
        #![doc = ""]
        #![doc = " Which methods, notifications and capabilities exist in which revision, for every revision in"]
        #![doc = " `schema/versions.toml` (whatever features are enabled). Usable in `const` context."]

        /// One revision's surface.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct Revision {
            /// The protocol version string.
            pub version: &'static str,
            /// The Rust module of the revision (behind the feature named like `version`).
            pub module: &'static str,
            /// Every request and notification method, sorted by name.
            pub methods: &'static [Method],
            /// Client capability paths (`roots`, `roots.listChanged`, `elicitation.form`).
            pub client_capabilities: &'static [&'static str],
            /// Server capability paths (`tools`, `tools.listChanged`, `tasks.requests.tools.call`).
            pub server_capabilities: &'static [&'static str],
        }

        /// A method of a revision.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct Method {
            /// The wire name.
            pub name: &'static str,
            /// A request (with a response) rather than a notification.
            pub request: bool,
            /// A client may send it.
            pub from_client: bool,
            /// A server may send it.
            pub from_server: bool,
        }

        /// Every revision, oldest first.
        pub const REVISIONS: &[Revision] = &[#(#revs),*];

        /// The revision named `version`, if known.
        pub const fn revision(version: &str) -> ::std::option::Option<&'static Revision> {
            let mut i = 0;
            while i < REVISIONS.len() {
                if str_eq(REVISIONS[i].version, version) {
                    return ::std::option::Option::Some(&REVISIONS[i]);
                }
                i += 1;
            }
            ::std::option::Option::None
        }

        /// The method `name` of revision `version`, if it has one.
        pub const fn method(version: &str, name: &str) -> ::std::option::Option<&'static Method> {
            let ::std::option::Option::Some(rev) = revision(version) else { return ::std::option::Option::None };
            let mut i = 0;
            while i < rev.methods.len() {
                if str_eq(rev.methods[i].name, name) {
                    return ::std::option::Option::Some(&rev.methods[i]);
                }
                i += 1;
            }
            ::std::option::Option::None
        }

        /// Whether revision `version` has the method or notification `name`.
        pub const fn has_method(version: &str, name: &str) -> bool {
            method(version, name).is_some()
        }

        /// Whether revision `version` has the capability `path` (`tools.listChanged`) on the client
        /// (`server == false`) or server side.
        pub const fn has_capability(version: &str, server: bool, path: &str) -> bool {
            let ::std::option::Option::Some(rev) = revision(version) else { return false };
            let list = if server { rev.server_capabilities } else { rev.client_capabilities };
            let mut i = 0;
            while i < list.len() {
                if str_eq(list[i], path) {
                    return true;
                }
                i += 1;
            }
            false
        }

        const fn str_eq(a: &str, b: &str) -> bool {
            let (a, b) = (a.as_bytes(), b.as_bytes());
            if a.len() != b.len() {
                return false;
            }
            let mut i = 0;
            while i < a.len() {
                if a[i] != b[i] {
                    return false;
                }
                i += 1;
            }
            true
        }
    }
}

fn capability_paths(model: &Model, item: &str, prefix: &str, out: &mut Vec<String>) {
    let Some(Item { kind: ItemKind::Struct { fields }, .. }) = model.items.iter().find(|i| i.name == item) else {
        return;
    };
    for f in fields {
        let path = if prefix.is_empty() { f.wire.clone() } else { format!("{prefix}.{}", f.wire) };
        out.push(path.clone());
        // Through the box of a large member.
        let ty = if let Ty::Boxed(inner) = &f.ty { &**inner } else { &f.ty };
        if let Ty::Named(n) = ty {
            capability_paths(model, n, &path, out);
        }
    }
}
