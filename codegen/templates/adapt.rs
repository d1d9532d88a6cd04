//! Conversions between MCP revisions: the traits the generated adapters implement, the report of what a
//! conversion could not carry, and the one entry point users call ([`Adapt`]).
//!
//! The generator emits one `Upgrade` (to the next newer revision) and one `Downgrade` (to the next older
//! revision) per type that exists in two adjacent revisions; [`Adapt::upgrade_to`] and
//! [`Adapt::downgrade_to`] chain them to reach any enabled revision. Chaining needs every revision in
//! between enabled (the cargo features of the intermediate revisions).
//!
//! ```ignore
//! use mcpgen_types::adapt::Adapt;
//! use mcpgen_types::{v2024_11_05, v2026_07_28};
//!
//! let tool: v2026_07_28::Tool = /* … */;
//! let old = tool.downgrade_to::<v2024_11_05::Revision>()?; // Adapted<v2024_11_05::Tool>
//! for path in &old.report.dropped { eprintln!("not sent to the 2024-11-05 peer: {path}"); }
//! ```
//!
//! Rules: an upgrade never fails; a field the newer revision requires gets its spec default
//! (`resultType: "complete"`, `ttlMs: 0`, `cacheScope: "private"`, the target revision in the request
//! `_meta`), a field the newer revision dropped is kept in the newer value's `extra` map (so a later
//! downgrade restores it). A downgrade drops what the older revision cannot carry and names each dropped
//! field in [`Report::dropped`]; where the meaning cannot be carried at all (an `input_required` result, a
//! content block or method the older revision lacks), it returns an [`AdaptError`].

use crate::rpc::JsonObject;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::marker::PhantomData;

/// An MCP revision, named by a marker type (`v2025_06_18::Revision`).
pub trait Revision {
    /// The protocol version string (`"2025-06-18"`).
    const VERSION: &'static str;
    /// Position in the chain of revisions, oldest first.
    const INDEX: usize;
}

/// A type generated for one revision.
pub trait Versioned {
    /// The revision the type belongs to.
    type Revision: Revision;
}

/// Conversion to the same type in the next newer revision. Never fails.
pub trait Upgrade {
    /// The type in the newer revision.
    type Output;
    /// Converts, noting anything unusual in `cx`.
    fn upgrade(self, cx: &mut Cx) -> Self::Output;
}

/// Conversion to the same type in the next older revision.
pub trait Downgrade {
    /// The type in the older revision.
    type Output;
    /// Converts, noting dropped fields in `cx`; fails where the older revision cannot carry the meaning.
    fn downgrade(self, cx: &mut Cx) -> Result<Self::Output, AdaptError>;
}

/// A converted value and what the conversion could not carry.
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub struct Adapted<T> {
    /// The converted value.
    pub value: T,
    /// What was dropped or filled in.
    pub report: Report,
}

impl<T> Adapted<T> {
    /// The value, discarding the report.
    pub fn into_inner(self) -> T {
        self.value
    }

    /// Whether the conversion carried everything (nothing dropped, nothing filled in).
    pub fn is_lossless(&self) -> bool {
        self.report.dropped.is_empty() && self.report.defaulted.is_empty()
    }
}

/// What a conversion could not carry, as field paths from the converted value (`content[2]`,
/// `annotations.lastModified`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Values the target revision cannot hold, left out of the result.
    pub dropped: Vec<String>,
    /// Fields the target revision requires that the source lacked, filled with a default.
    pub defaulted: Vec<String>,
}

/// Why a value cannot be converted to an older revision.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AdaptError {
    /// The value has a meaning the target revision cannot express (an `input_required` result, a content
    /// block type the revision does not know, a value outside the revision's type).
    Unrepresentable {
        /// Where in the value.
        path: String,
        /// The target revision.
        revision: &'static str,
        /// What is missing.
        reason: String,
    },
    /// The method does not exist in the target revision.
    MethodNotInRevision {
        /// The wire name of the method.
        method: String,
        /// The target revision.
        revision: &'static str,
    },
}

impl std::fmt::Display for AdaptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AdaptError::Unrepresentable { path, revision, reason } => {
                write!(f, "`{path}` cannot be expressed in MCP {revision}: {reason}")
            }
            AdaptError::MethodNotInRevision { method, revision } => {
                write!(f, "method `{method}` does not exist in MCP {revision}")
            }
        }
    }
}

impl std::error::Error for AdaptError {}

/// The state of one conversion: where in the value it is, and the report so far.
#[derive(Debug, Default)]
pub struct Cx {
    path: Vec<Seg>,
    target: &'static str,
    report: Report,
}

/// One step of the path `Cx` is at; field names are the generated code's literals, so entering a field
/// allocates nothing.
#[derive(Debug)]
enum Seg {
    Field(&'static str),
    Index(usize),
    Key(String),
}

/// Calls conversions along a chain of revisions; implemented by [`Adapt`]'s blanket impls.
pub trait Adapt: Sized {
    /// Converts to revision `R` (newer than `Self`'s), chaining the generated upgrades.
    fn upgrade_to<R>(self) -> Adapted<<Self as UpgradeTo<R>>::Output>
    where
        Self: UpgradeTo<R>,
    {
        let mut cx = Cx::default();
        let value = self.upgrade_steps(&mut cx);
        Adapted { value, report: cx.report }
    }

    /// Converts to revision `R` (older than `Self`'s), chaining the generated downgrades.
    fn downgrade_to<R>(self) -> Result<Adapted<<Self as DowngradeTo<R>>::Output>, AdaptError>
    where
        Self: DowngradeTo<R>,
    {
        let mut cx = Cx::default();
        let value = self.downgrade_steps(&mut cx)?;
        Ok(Adapted { value, report: cx.report })
    }
}

impl<T> Adapt for T {}

/// `Self` can be upgraded to revision `R`.
pub trait UpgradeTo<R>: Sized {
    /// The type in revision `R`.
    type Output;
    /// Runs the chain of upgrades.
    fn upgrade_steps(self, cx: &mut Cx) -> Self::Output;
}

/// `Self` can be downgraded to revision `R`.
pub trait DowngradeTo<R>: Sized {
    /// The type in revision `R`.
    type Output;
    /// Runs the chain of downgrades.
    fn downgrade_steps(self, cx: &mut Cx) -> Result<Self::Output, AdaptError>;
}

/// The route between two revisions, as a type-level count of steps ([`Here`], [`Step`]).
pub trait Route<To> {
    /// `Here` for the same revision, `Step<…>` per revision crossed.
    type Steps;
}

/// Zero steps.
pub enum Here {}

/// One more step.
pub struct Step<S>(PhantomData<S>);

/// Walks `S` upgrade steps.
pub trait UpWalk<S> {
    /// The result.
    type Output;
    /// Walks.
    fn walk_up(self, cx: &mut Cx) -> Self::Output;
}

/// Walks `S` downgrade steps.
pub trait DownWalk<S> {
    /// The result.
    type Output;
    /// Walks.
    fn walk_down(self, cx: &mut Cx) -> Result<Self::Output, AdaptError>;
}

impl<T> UpWalk<Here> for T {
    type Output = T;
    fn walk_up(self, _: &mut Cx) -> T {
        self
    }
}

impl<T: Upgrade<Output: UpWalk<S>>, S> UpWalk<Step<S>> for T {
    type Output = <T::Output as UpWalk<S>>::Output;
    fn walk_up(self, cx: &mut Cx) -> Self::Output {
        let next = self.upgrade(cx);
        next.walk_up(cx)
    }
}

impl<T> DownWalk<Here> for T {
    type Output = T;
    fn walk_down(self, _: &mut Cx) -> Result<T, AdaptError> {
        Ok(self)
    }
}

impl<T: Downgrade<Output: DownWalk<S>>, S> DownWalk<Step<S>> for T {
    type Output = <T::Output as DownWalk<S>>::Output;
    fn walk_down(self, cx: &mut Cx) -> Result<Self::Output, AdaptError> {
        let next = self.downgrade(cx)?;
        next.walk_down(cx)
    }
}

/// Marks the upgrade direction of a [`Route`].
pub enum Newer {}

/// Marks the downgrade direction of a [`Route`].
pub enum Older {}

/// A route in a direction: `(Newer, R)` or `(Older, R)`.
pub struct Toward<D, R>(PhantomData<(D, R)>);

impl<T, R> UpgradeTo<R> for T
where
    T: Versioned,
    T::Revision: Route<Toward<Newer, R>>,
    T: UpWalk<<T::Revision as Route<Toward<Newer, R>>>::Steps>,
{
    type Output = <T as UpWalk<<T::Revision as Route<Toward<Newer, R>>>::Steps>>::Output;
    fn upgrade_steps(self, cx: &mut Cx) -> Self::Output {
        self.walk_up(cx)
    }
}

impl<T, R> DowngradeTo<R> for T
where
    T: Versioned,
    T::Revision: Route<Toward<Older, R>>,
    T: DownWalk<<T::Revision as Route<Toward<Older, R>>>::Steps>,
{
    type Output = <T as DownWalk<<T::Revision as Route<Toward<Older, R>>>::Steps>>::Output;
    fn downgrade_steps(self, cx: &mut Cx) -> Result<Self::Output, AdaptError> {
        self.walk_down(cx)
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers called by the generated adapters
// ---------------------------------------------------------------------------------------------

impl Cx {
    /// A context for one conversion into `target` (used by the generated code for each step).
    pub fn set_target(&mut self, target: &'static str) {
        self.target = target;
    }

    /// The current path, dotted (`content[2].annotations`).
    pub fn path(&self) -> String {
        self.child("")
    }

    /// The current path with `name` appended (nothing appended for `""`); built only for reports.
    fn child(&self, name: &str) -> String {
        let mut out = String::new();
        let push = |out: &mut String, field: &str| {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(field);
        };
        for seg in &self.path {
            match seg {
                Seg::Field(f) => push(&mut out, f),
                Seg::Key(k) => push(&mut out, k),
                Seg::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        if !name.is_empty() {
            push(&mut out, name);
        }
        out
    }

    /// Runs `f` one level deeper, at the field `name`.
    pub fn at<T>(&mut self, name: &'static str, f: impl FnOnce(&mut Cx) -> T) -> T {
        self.within(Seg::Field(name), f)
    }

    fn within<T>(&mut self, seg: Seg, f: impl FnOnce(&mut Cx) -> T) -> T {
        self.path.push(seg);
        let out = f(self);
        self.path.pop();
        out
    }

    /// Notes that the field `name` (here) was not carried.
    pub fn dropped(&mut self, name: &str) {
        let p = self.child(name);
        self.report.dropped.push(p);
    }

    /// Notes that the required field `name` (here) was filled with a default.
    pub fn defaulted(&mut self, name: &str) {
        let p = self.child(name);
        self.report.defaulted.push(p);
    }

    /// An [`AdaptError::Unrepresentable`] at `name` (here).
    pub fn unrepresentable(&self, name: &str, reason: impl Into<String>) -> AdaptError {
        AdaptError::Unrepresentable { path: self.child(name), revision: self.target, reason: reason.into() }
    }

    /// An [`AdaptError::MethodNotInRevision`].
    pub fn no_method(&self, method: &str) -> AdaptError {
        AdaptError::MethodNotInRevision { method: method.to_owned(), revision: self.target }
    }

    /// Keeps a field the target revision does not declare in its `extra` map (upgrade direction).
    pub fn stash<T: Serialize>(&mut self, extra: &mut JsonObject, wire: &str, value: T) {
        match serde_json::to_value(value) {
            Ok(v) => {
                extra.insert(wire.to_owned(), v);
            }
            Err(_) => self.dropped(wire),
        }
    }

    /// Takes a declared field back out of an `extra` map (where an earlier upgrade kept it). A value that
    /// does not decode stays in `extra`.
    pub fn unstash<T: DeserializeOwned>(&mut self, extra: &mut JsonObject, wire: &str) -> Option<T> {
        let v = extra.remove(wire)?;
        match serde_json::from_value::<T>(v.clone()) {
            Ok(t) => Some(t),
            Err(_) => {
                extra.insert(wire.to_owned(), v);
                None
            }
        }
    }

    /// Converts through JSON (for shapes the revisions spell differently).
    pub fn json<F: Serialize, T: DeserializeOwned>(&mut self, name: &str, value: F) -> Result<T, AdaptError> {
        serde_json::to_value(value)
            .and_then(serde_json::from_value)
            .map_err(|e| self.unrepresentable(name, format!("does not fit the revision's type ({e})")))
    }

    /// Converts through JSON, filling members the target requires from `base` (its default value as
    /// JSON) and from `patch`; keeps the source's own members where both have one.
    pub fn json_filled<F: Serialize, T: DeserializeOwned>(
        &mut self,
        name: &str,
        value: F,
        base: Value,
        patch: &[(&str, Value)],
    ) -> Result<T, AdaptError> {
        let mut merged = match base {
            Value::Object(m) => m,
            _ => JsonObject::new(),
        };
        for (k, v) in patch {
            merged.insert((*k).to_owned(), v.clone());
        }
        match serde_json::to_value(value) {
            Ok(Value::Object(m)) => merged.extend(m),
            Ok(_) => return Err(self.unrepresentable(name, "not an object")),
            Err(e) => return Err(self.unrepresentable(name, e.to_string())),
        }
        serde_json::from_value(Value::Object(merged))
            .map_err(|e| self.unrepresentable(name, format!("does not fit the revision's type ({e})")))
    }

    /// In an upgrade: the result of a fallible step, or `fallback` with the field noted as defaulted.
    pub fn or_default<T>(&mut self, name: &str, value: Result<T, AdaptError>, fallback: impl FnOnce() -> T) -> T {
        match value {
            Ok(t) => t,
            Err(_) => {
                self.defaulted(name);
                fallback()
            }
        }
    }

    /// In an upgrade: the result of a fallible step for an optional field, or `None` with the field noted
    /// as dropped.
    pub fn or_drop<T>(&mut self, name: &str, value: Result<T, AdaptError>) -> Option<T> {
        match value {
            Ok(t) => Some(t),
            Err(_) => {
                self.dropped(name);
                None
            }
        }
    }

    /// Converts each element; in a downgrade an element the target cannot express is dropped (and noted)
    /// rather than failing the whole list.
    pub fn list<F, T>(
        &mut self,
        items: Vec<F>,
        mut f: impl FnMut(F, &mut Cx) -> Result<T, AdaptError>,
    ) -> Result<Vec<T>, AdaptError> {
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            match self.within(Seg::Index(i), |cx| f(item, cx)) {
                Ok(t) => out.push(t),
                Err(AdaptError::Unrepresentable { .. }) => self.within(Seg::Index(i), |cx| cx.dropped("")),
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Converts each value of a map.
    pub fn map<F, T>(
        &mut self,
        items: std::collections::BTreeMap<String, F>,
        mut f: impl FnMut(F, &mut Cx) -> Result<T, AdaptError>,
    ) -> Result<std::collections::BTreeMap<String, T>, AdaptError> {
        let mut out = std::collections::BTreeMap::new();
        for (k, v) in items {
            let r = self.within(Seg::Key(k.clone()), |cx| f(v, cx));
            out.insert(k, r?);
        }
        Ok(out)
    }
}

impl Cx {
    /// Converts each element (upgrade direction, never fails).
    pub fn list_up<F, T>(&mut self, items: Vec<F>, mut f: impl FnMut(F, &mut Cx) -> T) -> Vec<T> {
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            out.push(self.within(Seg::Index(i), |cx| f(item, cx)));
        }
        out
    }

    /// Converts each value of a map (upgrade direction, never fails).
    pub fn map_up<F, T>(
        &mut self,
        items: std::collections::BTreeMap<String, F>,
        mut f: impl FnMut(F, &mut Cx) -> T,
    ) -> std::collections::BTreeMap<String, T> {
        let mut out = std::collections::BTreeMap::new();
        for (k, v) in items {
            let t = self.within(Seg::Key(k.clone()), |cx| f(v, cx));
            out.insert(k, t);
        }
        out
    }

    /// Params of a method the target revision does not define, kept as raw JSON (upgrade direction).
    pub fn raw_params<T: Serialize>(&mut self, params: T) -> Option<Value> {
        match serde_json::to_value(params) {
            Ok(Value::Null) => None,
            Ok(v) => Some(v),
            Err(_) => {
                self.dropped("params");
                None
            }
        }
    }
}

/// What a by-name conversion step converts (see `crate::adapters::step`, feature `by-name`).
#[cfg(feature = "by-name")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum What<'a> {
    /// A schema type by its Rust name (`Tool`).
    Type(&'a str),
    /// A message set by name (`ClientRequest`), as `{"method", "params"}`.
    Set(&'a str),
    /// The result of a method (`tools/call`).
    Result(&'a str),
}

/// One step on JSON: decode as `F`, convert with `f`, encode (feature `by-name`).
#[cfg(feature = "by-name")]
pub fn step_json<F: DeserializeOwned, T: Serialize>(
    value: Value,
    f: impl FnOnce(F, &mut Cx) -> Result<T, AdaptError>,
) -> Result<(Value, Report), String> {
    let from: F = serde_json::from_value(value).map_err(|e| format!("does not decode: {e}"))?;
    let mut cx = Cx::default();
    let to = f(from, &mut cx).map_err(|e| e.to_string())?;
    let json = serde_json::to_value(to).map_err(|e| format!("does not encode: {e}"))?;
    Ok((json, cx.report))
}

impl Cx {
    /// Takes a required field back out of an `extra` map: `Ok(None)` where absent, an error where present
    /// but outside the target type (it is removed either way, so it cannot clash with the field).
    pub fn take<T: DeserializeOwned>(&mut self, extra: &mut JsonObject, wire: &str) -> Result<Option<T>, AdaptError> {
        match extra.remove(wire) {
            None => Ok(None),
            Some(v) => serde_json::from_value::<T>(v)
                .map(Some)
                .map_err(|e| self.unrepresentable(wire, format!("does not fit the revision's type ({e})"))),
        }
    }

    /// [`Cx::take`] for an upgrade: a value outside the target type is dropped (and noted).
    pub fn take_or_drop<T: DeserializeOwned>(&mut self, extra: &mut JsonObject, wire: &str) -> Option<T> {
        match self.take(extra, wire) {
            Ok(v) => v,
            Err(_) => {
                self.dropped(wire);
                None
            }
        }
    }

    /// In a downgrade: an optional field whose value the target cannot express is dropped (and noted)
    /// rather than failing the whole value.
    pub fn optional<T>(&mut self, name: &str, value: Result<T, AdaptError>) -> Result<Option<T>, AdaptError> {
        match value {
            Ok(t) => Ok(Some(t)),
            Err(AdaptError::Unrepresentable { .. }) => {
                self.dropped(name);
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}
