//! JSON-RPC 2.0 primitives shared by every MCP revision: ids, error objects, validated constant markers,
//! the method traits, the message envelopes and the streaming decoders the generated types build on.
//!
//! This file is authored by hand in `codegen/templates/rpc.rs` and copied verbatim into
//! `generated/src/rpc.rs` by `cargo xtask gen`; edit the template, never the copy.

use ::std::borrow::Cow;
use ::std::fmt;
use ::std::marker::PhantomData;

use ::serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, Visitor};
use ::serde::ser::{SerializeMap, Serializer};
use ::serde::{Deserialize, Serialize};
use ::serde_json::value::RawValue;
use ::serde_json::{Map, Value};

/// A JSON object with arbitrary members (`{"type": "object"}` in the schemas).
pub type JsonObject = Map<String, Value>;

// ---------------------------------------------------------------------------------------------
// Constant markers
// ---------------------------------------------------------------------------------------------

/// A string constant required by the schema (`"const": "text"`), named by the generated marker type.
pub trait ConstStr {
    /// The JSON property that carries the constant.
    const FIELD: &'static str;
    /// The only value the property may take.
    const VALUE: &'static str;
}

/// An integer constant required by the schema (for example an error `code`).
pub trait ConstInt {
    /// The JSON property that carries the constant.
    const FIELD: &'static str;
    /// The only value the property may take.
    const VALUE: i64;
}

/// A zero-sized field that always serializes as `V::VALUE` and rejects any other value on input,
/// so nobody ever types `"2.0"`, `"tools/call"` or `"text"`.
pub struct Const<V>(PhantomData<fn() -> V>);

/// A zero-sized field that always serializes as the integer `V::VALUE` and rejects any other value.
pub struct IntConst<V>(PhantomData<fn() -> V>);

macro_rules! marker_impls {
    ($ty:ident, $bound:ident) => {
        impl<V> $ty<V> {
            /// The marker (there is only one value).
            pub const fn new() -> Self {
                Self(PhantomData)
            }
        }
        impl<V> Clone for $ty<V> {
            fn clone(&self) -> Self {
                *self
            }
        }
        impl<V> Copy for $ty<V> {}
        impl<V> Default for $ty<V> {
            fn default() -> Self {
                Self::new()
            }
        }
        impl<V> PartialEq for $ty<V> {
            fn eq(&self, _: &Self) -> bool {
                true
            }
        }
        impl<V> Eq for $ty<V> {}
        impl<V> ::std::hash::Hash for $ty<V> {
            fn hash<H: ::std::hash::Hasher>(&self, _: &mut H) {}
        }
        impl<V: $bound> fmt::Debug for $ty<V> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&V::VALUE, f)
            }
        }
    };
}
marker_impls!(Const, ConstStr);
marker_impls!(IntConst, ConstInt);

impl<V: ConstStr> Const<V> {
    /// The constant's value.
    pub const VALUE: &'static str = V::VALUE;
}

impl<V: ConstStr> Serialize for Const<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(V::VALUE)
    }
}

impl<'de, V: ConstStr> Deserialize<'de> for Const<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Check<V>(PhantomData<fn() -> V>);
        impl<V: ConstStr> Visitor<'_> for Check<V> {
            type Value = Const<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "the string {:?} in field `{}`", V::VALUE, V::FIELD)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                if v == V::VALUE {
                    Ok(Const::new())
                } else {
                    Err(E::custom(format_args!(
                        "field `{}` must be {:?}, found {:?}",
                        V::FIELD,
                        V::VALUE,
                        v
                    )))
                }
            }
        }
        d.deserialize_str(Check(PhantomData))
    }
}

impl<V: ConstInt> IntConst<V> {
    /// The constant's value.
    pub const VALUE: i64 = V::VALUE;
}

impl<V: ConstInt> Serialize for IntConst<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(V::VALUE)
    }
}

impl<'de, V: ConstInt> Deserialize<'de> for IntConst<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let found = i64::deserialize(d)?;
        if found == V::VALUE {
            Ok(IntConst::new())
        } else {
            Err(de::Error::custom(format_args!(
                "field `{}` must be {}, found {}",
                V::FIELD,
                V::VALUE,
                found
            )))
        }
    }
}

/// The `jsonrpc` member's only value, `"2.0"`.
pub enum V2 {}
impl ConstStr for V2 {
    const FIELD: &'static str = "jsonrpc";
    const VALUE: &'static str = "2.0";
}

/// The `"jsonrpc": "2.0"` member of every JSON-RPC message.
pub type JsonRpcVersion = Const<V2>;

// ---------------------------------------------------------------------------------------------
// Ids and errors
// ---------------------------------------------------------------------------------------------

/// A JSON-RPC request id: a string or an integer, never `null`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RequestId {
    /// An integer id.
    Number(i64),
    /// A string id.
    String(String),
}

/// A progress token: a string or an integer, chosen by the requester (same shape as [`RequestId`]).
pub type ProgressToken = RequestId;

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestId::Number(n) => write!(f, "{n}"),
            RequestId::String(s) => write!(f, "{s:?}"),
        }
    }
}

impl From<i64> for RequestId {
    fn from(n: i64) -> Self {
        RequestId::Number(n)
    }
}
impl From<&str> for RequestId {
    fn from(s: &str) -> Self {
        RequestId::String(s.to_owned())
    }
}
impl From<String> for RequestId {
    fn from(s: String) -> Self {
        RequestId::String(s)
    }
}

impl Serialize for RequestId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            RequestId::Number(n) => s.serialize_i64(*n),
            RequestId::String(v) => s.serialize_str(v),
        }
    }
}

impl<'de> Deserialize<'de> for RequestId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct IdVisitor;
        impl Visitor<'_> for IdVisitor {
            type Value = RequestId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an integer")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RequestId, E> {
                Ok(RequestId::Number(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RequestId, E> {
                i64::try_from(v)
                    .map(RequestId::Number)
                    .map_err(|_| E::custom(format_args!("id {v} does not fit in i64")))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RequestId, E> {
                // Some peers send integral ids as `1.0`; accept those, reject real fractions.
                if v.fract() == 0.0 && v.abs() < 9.007_199_254_740_992e15 {
                    Ok(RequestId::Number(v as i64))
                } else {
                    Err(E::invalid_type(de::Unexpected::Float(v), &self))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RequestId, E> {
                Ok(RequestId::String(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<RequestId, E> {
                Ok(RequestId::String(v))
            }
        }
        d.deserialize_any(IdVisitor)
    }
}

/// The `error` member of a JSON-RPC error response.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorObject {
    /// The error type that occurred.
    pub code: i64,
    /// A short description of the error.
    pub message: String,
    /// Additional information about the error, defined by the sender.
    pub data: Option<Value>,
}
crate::rpc::struct_codec!(ErrorObject { code @ 0 "code" required, message @ 1 "message" required, data @ 2 "data" optional } closed);

impl ErrorObject {
    /// Invalid JSON was received.
    pub const PARSE_ERROR: i64 = -32700;
    /// The JSON sent is not a valid request object.
    pub const INVALID_REQUEST: i64 = -32600;
    /// The method does not exist or is not available.
    pub const METHOD_NOT_FOUND: i64 = -32601;
    /// Invalid method parameters.
    pub const INVALID_PARAMS: i64 = -32602;
    /// Internal JSON-RPC error.
    pub const INTERNAL_ERROR: i64 = -32603;

    /// An error object with the given code and message and no data.
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        ErrorObject { code, message: message.into(), data: None }
    }
}

impl fmt::Display for ErrorObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (code {})", self.message, self.code)
    }
}

impl ::std::error::Error for ErrorObject {}

// ---------------------------------------------------------------------------------------------
// Method traits
// ---------------------------------------------------------------------------------------------

/// Ties a request method to its params and result types. Implemented by the uninhabited marker types
/// generated per revision (`v2025_11_25::CallTool`), so a response can be decoded by the request it answers.
pub trait RequestMethod: ConstStr {
    /// The wire name, e.g. `"tools/call"`.
    const METHOD: &'static str;
    /// The `params` type.
    type Params;
    /// The `result` type of a successful response.
    type Result;
}

/// Ties a notification method to its params type.
pub trait NotificationMethod: ConstStr {
    /// The wire name, e.g. `"notifications/progress"`.
    const METHOD: &'static str;
    /// The `params` type.
    type Params;
}

/// A request or notification whose method this revision and direction do not define. It decodes without
/// error so the receiver can answer `-32601` (method not found) with the right id.
#[derive(Clone, Debug, PartialEq)]
pub struct UnknownMethod {
    /// The method as received.
    pub method: String,
    /// The params as received, untouched.
    pub params: Option<Value>,
}
crate::rpc::struct_codec!(UnknownMethod { method @ 0 "method" required, params @ 1 "params" optional } closed);

/// A set of methods decoded by reading `method` once and deserializing that method's params directly.
/// Implemented by the generated `ClientRequest`, `ServerRequest`, `ClientNotification` and
/// `ServerNotification` enums.
pub trait Dispatch: Sized {
    /// Whether this set defines `method`.
    fn knows(method: &str) -> bool;
    /// The wire name of this message's method.
    fn method(&self) -> &str;
    /// Decodes the `params` of `method` from `params`. Unknown methods decode to their `Unknown` variant.
    fn decode_params<'de, D: Deserializer<'de>>(method: &str, params: D) -> Result<Self, D::Error>;
    /// Builds the message for `method` when `params` is absent (an error where params are required).
    fn decode_absent<E: de::Error>(method: &str) -> Result<Self, E>;
    /// Writes the `params` member, if any, into `map`.
    fn serialize_params<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error>;
}

/// A string read without a copy where the input allows it (no escapes): member names and `method`.
/// serde's own `Cow<str>` always copies.
struct Text<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        d.deserialize_str(TextVisitor)
    }
}

/// Serializes a dispatch enum as the body `{"method": …, "params": …}`; used by the generated `Serialize` impls.
pub fn serialize_body<T: Dispatch, S: Serializer>(body: &T, s: S) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(None)?;
    map.serialize_entry("method", body.method())?;
    body.serialize_params(&mut map)?;
    map.end()
}

/// Deserializes a dispatch enum from a body `{"method": …, "params": …}` (other members such as `jsonrpc`
/// and `id` are ignored); used by the generated `Deserialize` impls.
pub fn deserialize_body<'de, T: Dispatch, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    struct BodyVisitor<T>(PhantomData<fn() -> T>);
    impl<'de, T: Dispatch> Visitor<'de> for BodyVisitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object with a `method` member")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
            let mut method: Option<Cow<'de, str>> = None;
            let mut early_params: Option<Value> = None;
            let mut body: Option<T> = None;
            while let Some(Text(key)) = map.next_key()? {
                match key.as_ref() {
                    "method" => {
                        if method.is_some() {
                            return Err(de::Error::duplicate_field("method"));
                        }
                        method = Some(map.next_value::<Text<'de>>()?.0);
                    }
                    "params" => {
                        if body.is_some() || early_params.is_some() {
                            return Err(de::Error::duplicate_field("params"));
                        }
                        match &method {
                            Some(m) => body = Some(map.next_value_seed(ParamsSeed::<T>::new(m))?),
                            None => early_params = Some(map.next_value()?),
                        }
                    }
                    _ => {
                        map.next_value::<de::IgnoredAny>()?;
                    }
                }
            }
            let method = method.ok_or_else(|| de::Error::missing_field("method"))?;
            finish_body(&method, body, early_params)
        }
    }
    d.deserialize_map(BodyVisitor(PhantomData))
}

fn finish_body<T: Dispatch, E: de::Error>(method: &str, body: Option<T>, early: Option<Value>) -> Result<T, E> {
    match (body, early) {
        (Some(body), _) => Ok(body),
        (None, Some(params)) => T::decode_params(method, params).map_err(E::custom),
        (None, None) => T::decode_absent(method),
    }
}

/// Decodes the params of one method straight from the deserializer.
struct ParamsSeed<'m, T> {
    method: &'m str,
    marker: PhantomData<fn() -> T>,
}

impl<'m, T> ParamsSeed<'m, T> {
    fn new(method: &'m str) -> Self {
        ParamsSeed { method, marker: PhantomData }
    }
}

impl<'de, T: Dispatch> DeserializeSeed<'de> for ParamsSeed<'_, T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        T::decode_params(self.method, d)
    }
}

// ---------------------------------------------------------------------------------------------
// Struct decoding (the generated `Deserialize` impls of the schema's objects)
// ---------------------------------------------------------------------------------------------

/// A member name met by a generated struct decoder: the position of a declared member in the struct's
/// list of wire names, or an undeclared member, kept in the struct's `extra` map.
///
/// The generated decoders read an object in one pass, where `#[serde(flatten)]` would first buffer every
/// member and then decode the struct from the buffer (about twice the work, at every level of nesting).
#[doc(hidden)]
pub enum Member {
    /// The declared member at this position.
    Declared(usize),
    /// A member the schema does not declare.
    Other(String),
}

/// Reads a member name against a struct's declared wire names: the function gives a declared name's
/// position. Each struct passes a `match` over its names, which compiles to comparisons against
/// constants of known length (a scan of a list of names calls `memcmp` for each candidate).
#[doc(hidden)]
pub struct Members(pub fn(&str) -> Option<usize>);

impl Members {
    fn find(&self, name: &str) -> Option<usize> {
        (self.0)(name)
    }
}

impl<'de> DeserializeSeed<'de> for Members {
    type Value = Member;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Member, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for Members {
    type Value = Member;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }
    fn visit_str<E: de::Error>(self, name: &str) -> Result<Member, E> {
        Ok(self.find(name).map_or_else(|| Member::Other(name.to_owned()), Member::Declared))
    }
    fn visit_string<E: de::Error>(self, name: String) -> Result<Member, E> {
        Ok(self.find(&name).map_or(Member::Other(name), Member::Declared))
    }
}

/// Reads the value of a declared member into its slot; a member given twice is an error.
#[doc(hidden)]
pub fn member<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
    name: &'static str,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

/// Implements `Serialize` and `Deserialize` for a generated struct with an `extra` map. Serializing
/// writes the declared members in order, then `extra` (an entry named like a declared member is left
/// out, so no member is written twice); deserializing reads the object in one pass.
/// Each member is `field @ index "wire" how`, where `index` is its position in the list and `how` is
/// `optional` (an `Option` field, left out when `None`; missing or `null` reads as `None`), `nullable`
/// (an `Option` field always written, `null` for `None`; missing or `null` reads as `None`), `defaulted`
/// (missing reads as the type's default) or `required` (missing is an error).
///
/// The generator emits these impls through this macro rather than serde's derive: the crate then needs
/// no proc-macro to build, and each impl is a few lines for the compiler to check (BENCHMARKS.md, build cost).
///
/// `struct_codec!(Name { … } closed)` is for a struct without `extra` (the envelope parts of this module):
/// undeclared members are skipped when reading.
macro_rules! struct_codec {
    ($name:ident { $($field:ident @ $index:literal $wire:literal $how:ident),* }) => {
        $crate::rpc::struct_codec!(@impl $name [extra] { $($field @ $index $wire $how),* });
    };
    ($name:ident { $($field:ident @ $index:literal $wire:literal $how:ident),* } closed) => {
        $crate::rpc::struct_codec!(@impl $name [] { $($field @ $index $wire $how),* });
    };
    (@impl $name:ident [$($extra:ident)?] { $($field:ident @ $index:literal $wire:literal $how:ident),* }) => {
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                use ::serde::ser::SerializeMap as _;
                let mut map = s.serialize_map(::std::option::Option::None)?;
                $($crate::rpc::struct_codec!(@put map, self.$field, $wire, $how);)*
                // An `extra` entry named like a declared member would repeat that member: the field wins.
                let _declared: &[&str] = &[$($wire),*];
                $(for (key, value) in &self.$extra {
                    if !_declared.contains(&key.as_str()) {
                        map.serialize_entry(key, value)?;
                    }
                })?
                map.end()
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                struct Visit;
                impl<'de> ::serde::de::Visitor<'de> for Visit {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("struct ", stringify!($name)))
                    }
                    fn visit_map<A: ::serde::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> ::std::result::Result<$name, A::Error> {
                        $(let mut $field = ::std::option::Option::None;)*
                        $(let mut $extra = $crate::rpc::JsonObject::new();)?
                        while let ::std::option::Option::Some(member) =
                            map.next_key_seed($crate::rpc::Members(|name| match name {
                                $($wire => ::std::option::Option::Some($index),)*
                                _ => ::std::option::Option::None,
                            }))?
                        {
                            match member {
                                $($crate::rpc::Member::Declared($index) => {
                                    $crate::rpc::member(&mut map, &mut $field, $wire)?
                                })*
                                $crate::rpc::Member::Declared(_) => {
                                    map.next_value::<::serde::de::IgnoredAny>()?;
                                }
                                $crate::rpc::Member::Other(_key) => {
                                    $crate::rpc::struct_codec!(@other map, _key $(, $extra)?);
                                }
                            }
                        }
                        ::std::result::Result::Ok($name {
                            $($field: $crate::rpc::struct_codec!(@finish $field $wire $how),)*
                            $($extra,)?
                        })
                    }
                }
                d.deserialize_map(Visit)
            }
        }
    };
    (@other $map:ident, $key:ident, $extra:ident) => {
        $extra.insert($key, $map.next_value()?);
    };
    (@other $map:ident, $key:ident) => {
        $map.next_value::<::serde::de::IgnoredAny>()?;
    };
    (@put $map:ident, $value:expr, $wire:literal, optional) => {
        if let ::std::option::Option::Some(value) = &$value {
            $map.serialize_entry($wire, value)?;
        }
    };
    (@put $map:ident, $value:expr, $wire:literal, $how:ident) => {
        $map.serialize_entry($wire, &$value)?;
    };
    (@finish $slot:ident $wire:literal optional) => {
        $slot.flatten()
    };
    (@finish $slot:ident $wire:literal nullable) => {
        $slot.flatten()
    };
    (@finish $slot:ident $wire:literal defaulted) => {
        $slot.unwrap_or_default()
    };
    (@finish $slot:ident $wire:literal required) => {
        match $slot {
            ::std::option::Option::Some(value) => value,
            ::std::option::Option::None => {
                return ::std::result::Result::Err(::serde::de::Error::missing_field($wire));
            }
        }
    };
}
pub(crate) use struct_codec;

/// Implements `as_str`, `Display`, `Serialize` and `Deserialize` for a generated enum of strings: each
/// variant is `Variant "wire"`. An unknown string is an error naming the accepted ones.
macro_rules! string_enum {
    ($name:ident { $($variant:ident $wire:literal),* }) => {
        impl $name {
            /// Every value in schema order, as written on the wire.
            pub const ALL: &'static [&'static str] = &[$($wire),*];

            /// This value as written on the wire.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)*
                }
            }
        }
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                struct Visit;
                impl<'de> ::serde::de::Visitor<'de> for Visit {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("a `", stringify!($name), "` string"))
                    }
                    fn visit_str<E: ::serde::de::Error>(self, v: &str) -> ::std::result::Result<$name, E> {
                        match v {
                            $($wire => ::std::result::Result::Ok($name::$variant),)*
                            other => ::std::result::Result::Err(E::unknown_variant(other, $name::ALL)),
                        }
                    }
                }
                d.deserialize_str(Visit)
            }
        }
    };
}
pub(crate) use string_enum;

// ---------------------------------------------------------------------------------------------
// Envelopes
// ---------------------------------------------------------------------------------------------

/// A JSON-RPC request: `{"jsonrpc": "2.0", "id": …, "method": …, "params": …}`.
#[derive(Clone, Debug, PartialEq)]
pub struct Request<R> {
    /// The request id.
    pub id: RequestId,
    /// The method and params (a generated dispatch enum, or [`UnknownMethod`]).
    pub body: R,
}

/// A JSON-RPC notification: `{"jsonrpc": "2.0", "method": …, "params": …}`.
#[derive(Clone, Debug, PartialEq)]
pub struct Notification<N> {
    /// The method and params.
    pub body: N,
}

/// A successful JSON-RPC response. The result stays raw JSON until the receiver, who knows which request
/// it answers, decodes it with [`Response::decode`].
#[derive(Clone, Debug)]
pub struct Response<T = Box<RawValue>> {
    /// The id of the request this answers.
    pub id: RequestId,
    /// The result.
    pub result: T,
}

/// A JSON-RPC error response. `id` is `None` when the request's id could not be read
/// (serialized as `null`, which every revision's peers accept).
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorResponse {
    /// The JSON-RPC version marker.
    pub jsonrpc: JsonRpcVersion,
    /// The id of the failed request, if it could be read.
    pub id: Option<RequestId>,
    /// The error.
    pub error: ErrorObject,
}
crate::rpc::struct_codec!(ErrorResponse { jsonrpc @ 0 "jsonrpc" required, id @ 1 "id" nullable, error @ 2 "error" required } closed);

impl ErrorResponse {
    /// An error response for `id`.
    pub fn new(id: Option<RequestId>, error: ErrorObject) -> Self {
        ErrorResponse { jsonrpc: Const::new(), id, error }
    }
}

/// Any JSON-RPC message of one direction: `R` and `N` are the generated dispatch enums of the sender
/// (e.g. `Message<ClientRequest, ClientNotification>` on a server). `T` is the type a result is decoded
/// as: raw JSON by default, for a receiver that learns from the id which request a result answers;
/// a concrete result type (with [`decode_message_with_result`]) when the receiver knows it up front,
/// which decodes the result in the same pass as the envelope.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Message<R, N, T = Box<RawValue>> {
    /// A request.
    Request(Request<R>),
    /// A notification.
    Notification(Notification<N>),
    /// A successful response.
    Response(Response<T>),
    /// An error response.
    Error(ErrorResponse),
}

/// One frame on the wire: a single message, or (2025-03-26 only) a batch.
#[derive(Clone, Debug)]
pub enum Frame<R, N> {
    /// A single message.
    Single(Message<R, N>),
    /// A JSON array of messages (JSON-RPC batch; MCP 2025-03-26 only).
    Batch(Vec<Message<R, N>>),
}

/// An untyped request body, for the generic `JSONRPCRequest` of the schemas.
pub type AnyRequest = UnknownMethod;

impl Dispatch for UnknownMethod {
    fn knows(_: &str) -> bool {
        false
    }
    fn method(&self) -> &str {
        &self.method
    }
    fn decode_params<'de, D: Deserializer<'de>>(method: &str, params: D) -> Result<Self, D::Error> {
        Ok(UnknownMethod { method: method.to_owned(), params: Some(Value::deserialize(params)?) })
    }
    fn decode_absent<E: de::Error>(method: &str) -> Result<Self, E> {
        Ok(UnknownMethod { method: method.to_owned(), params: None })
    }
    fn serialize_params<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        match &self.params {
            Some(p) => map.serialize_entry("params", p),
            None => Ok(()),
        }
    }
}

impl PartialEq for Response {
    /// Raw results compare by their JSON text.
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id && self.result.get() == other.result.get()
    }
}

impl Response<Box<RawValue>> {
    /// Decodes the raw result as the result type of the request method `M`.
    pub fn decode<M: RequestMethod>(&self) -> Result<M::Result, DecodeError>
    where
        M::Result: for<'de> Deserialize<'de>,
    {
        crate::json::from_str(self.result.get()).map_err(|e| DecodeError::invalid_result(M::METHOD, e))
    }
}

impl<R: Dispatch> Serialize for Request<R> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("jsonrpc", "2.0")?;
        map.serialize_entry("id", &self.id)?;
        map.serialize_entry("method", self.body.method())?;
        self.body.serialize_params(&mut map)?;
        map.end()
    }
}

impl<N: Dispatch> Serialize for Notification<N> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("jsonrpc", "2.0")?;
        map.serialize_entry("method", self.body.method())?;
        self.body.serialize_params(&mut map)?;
        map.end()
    }
}

impl<T: Serialize> Serialize for Response<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("jsonrpc", "2.0")?;
        map.serialize_entry("id", &self.id)?;
        map.serialize_entry("result", &self.result)?;
        map.end()
    }
}

impl<R: Dispatch, N: Dispatch, T: Serialize> Serialize for Message<R, N, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Message::Request(r) => r.serialize(s),
            Message::Notification(n) => n.serialize(s),
            Message::Response(r) => r.serialize(s),
            Message::Error(e) => e.serialize(s),
        }
    }
}

impl<R: Dispatch, N: Dispatch> Serialize for Frame<R, N> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Frame::Single(m) => m.serialize(s),
            Frame::Batch(ms) => ms.serialize(s),
        }
    }
}

impl<'de, R: Dispatch> Deserialize<'de> for Request<R> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Message::<R, UnknownMethod>::deserialize(d)? {
            Message::Request(r) => Ok(r),
            _ => Err(de::Error::custom("expected a JSON-RPC request (with `id` and `method`)")),
        }
    }
}

impl<'de, N: Dispatch> Deserialize<'de> for Notification<N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Message::<UnknownMethod, N>::deserialize(d)? {
            Message::Notification(n) => Ok(n),
            _ => Err(de::Error::custom("expected a JSON-RPC notification (`method` without `id`)")),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Response<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<T>(PhantomData<fn() -> T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Visit<T> {
            type Value = Response<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON-RPC response")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Response<T>, A::Error> {
                let (mut version, mut id, mut result) = (None::<JsonRpcVersion>, None, None);
                while let Some(found) = map.next_key_seed(Members(|name| match name {
                    "jsonrpc" => Some(0),
                    "id" => Some(1),
                    "result" => Some(2),
                    _ => None,
                }))? {
                    match found {
                        Member::Declared(0) => member(&mut map, &mut version, "jsonrpc")?,
                        Member::Declared(1) => member(&mut map, &mut id, "id")?,
                        Member::Declared(2) => member(&mut map, &mut result, "result")?,
                        _ => {
                            map.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                version.ok_or_else(|| de::Error::missing_field("jsonrpc"))?;
                let id = id.ok_or_else(|| de::Error::missing_field("id"))?;
                let result = result.ok_or_else(|| de::Error::missing_field("result"))?;
                Ok(Response { id, result })
            }
        }
        d.deserialize_map(Visit(PhantomData))
    }
}

/// A message visitor reads a whole message from a deserializer.
impl<'de, R: Dispatch, N: Dispatch, T: Deserialize<'de>> DeserializeSeed<'de> for MessageVisitor<'_, R, N, T> {
    type Value = Message<R, N, T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, R: Dispatch, N: Dispatch, T: Deserialize<'de>> Deserialize<'de> for Message<R, N, T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(MessageVisitor { params_failed: None, marker: PhantomData })
    }
}

impl<'de, R: Dispatch, N: Dispatch> Deserialize<'de> for Frame<R, N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct FrameVisitor<R, N>(PhantomData<fn() -> (R, N)>);
        impl<'de, R: Dispatch, N: Dispatch> Visitor<'de> for FrameVisitor<R, N> {
            type Value = Frame<R, N>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON-RPC message or a batch (array) of messages")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                MessageVisitor { params_failed: None, marker: PhantomData }.visit_map(map).map(Frame::Single)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(m) = seq.next_element()? {
                    out.push(m);
                }
                Ok(Frame::Batch(out))
            }
        }
        d.deserialize_any(FrameVisitor(PhantomData))
    }
}

/// What the streaming message decoder has seen of `params` so far.
enum ParamsSlot<R, N> {
    Empty,
    Request(R),
    Notification(N),
    Raw(Value),
}

/// The types a message visitor produces: request and notification sets, and the result type.
type MessageTypes<R, N, T> = fn() -> (R, N, T);

struct MessageVisitor<'c, R, N, T = Box<RawValue>> {
    /// Set to the method name when that method's params failed to decode (for -32602 reporting).
    params_failed: Option<&'c ::std::cell::Cell<bool>>,
    marker: PhantomData<MessageTypes<R, N, T>>,
}

struct TypedParamsSeed<'m, R, N> {
    method: &'m str,
    as_request: bool,
    marker: PhantomData<fn() -> (R, N)>,
}

impl<'de, R: Dispatch, N: Dispatch> DeserializeSeed<'de> for TypedParamsSeed<'_, R, N> {
    type Value = ParamsSlot<R, N>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        if self.as_request {
            R::decode_params(self.method, d).map(ParamsSlot::Request)
        } else {
            N::decode_params(self.method, d).map(ParamsSlot::Notification)
        }
    }
}

impl<'de, R: Dispatch, N: Dispatch, T: Deserialize<'de>> Visitor<'de> for MessageVisitor<'_, R, N, T> {
    type Value = Message<R, N, T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON-RPC 2.0 message object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut jsonrpc = false;
        let mut id: Option<Option<RequestId>> = None;
        let mut method: Option<Cow<'de, str>> = None;
        let mut params: ParamsSlot<R, N> = ParamsSlot::Empty;
        let mut has_params = false;
        let mut result: Option<T> = None;
        let mut error: Option<ErrorObject> = None;
        while let Some(Text(key)) = map.next_key()? {
            match key.as_ref() {
                "jsonrpc" => {
                    if jsonrpc {
                        return Err(de::Error::duplicate_field("jsonrpc"));
                    }
                    map.next_value::<JsonRpcVersion>()?;
                    jsonrpc = true;
                }
                "id" => {
                    if id.is_some() {
                        return Err(de::Error::duplicate_field("id"));
                    }
                    id = Some(map.next_value()?);
                }
                "method" => {
                    if method.is_some() {
                        return Err(de::Error::duplicate_field("method"));
                    }
                    method = Some(map.next_value::<Text<'de>>()?.0);
                }
                "params" => {
                    if has_params {
                        return Err(de::Error::duplicate_field("params"));
                    }
                    has_params = true;
                    let known = method.as_deref().and_then(|m| {
                        if R::knows(m) {
                            Some((m, true))
                        } else if N::knows(m) {
                            Some((m, false))
                        } else {
                            None
                        }
                    });
                    params = match known {
                        Some((m, as_request)) => {
                            let seed = TypedParamsSeed { method: m, as_request, marker: PhantomData };
                            match map.next_value_seed(seed) {
                                Ok(p) => p,
                                Err(e) => {
                                    if let Some(flag) = self.params_failed {
                                        flag.set(true);
                                    }
                                    return Err(e);
                                }
                            }
                        }
                        None => ParamsSlot::Raw(map.next_value()?),
                    };
                }
                "result" => {
                    if result.is_some() {
                        return Err(de::Error::duplicate_field("result"));
                    }
                    result = Some(map.next_value()?);
                }
                "error" => {
                    if error.is_some() {
                        return Err(de::Error::duplicate_field("error"));
                    }
                    error = Some(map.next_value()?);
                }
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        if !jsonrpc {
            return Err(de::Error::missing_field("jsonrpc"));
        }
        match (method, result, error) {
            (Some(method), None, None) => match id {
                Some(Some(id)) => {
                    let body = match params {
                        ParamsSlot::Request(body) => body,
                        ParamsSlot::Raw(raw) => self.late::<R, A::Error>(&method, raw)?,
                        ParamsSlot::Empty => self.absent::<R, A::Error>(&method)?,
                        // A notification method with an id is a request this set does not define.
                        ParamsSlot::Notification(n) => reroute::<R, N, A::Error>(&method, &n)?,
                    };
                    Ok(Message::Request(Request { id, body }))
                }
                Some(None) => Err(de::Error::custom("request `id` must be a string or an integer, not null")),
                None => {
                    let body = match params {
                        ParamsSlot::Notification(body) => body,
                        ParamsSlot::Raw(raw) => self.late::<N, A::Error>(&method, raw)?,
                        ParamsSlot::Empty => self.absent::<N, A::Error>(&method)?,
                        // A request method without an id is a notification this set does not define.
                        ParamsSlot::Request(r) => reroute::<N, R, A::Error>(&method, &r)?,
                    };
                    Ok(Message::Notification(Notification { body }))
                }
            },
            (None, Some(result), None) => match id {
                Some(Some(id)) => Ok(Message::Response(Response { id, result })),
                _ => Err(de::Error::missing_field("id")),
            },
            (None, None, Some(error)) => Ok(Message::Error(ErrorResponse::new(id.flatten(), error))),
            (None, None, None) => Err(de::Error::custom("message has none of `method`, `result`, `error`")),
            _ => Err(de::Error::custom("message must have exactly one of `method`, `result`, `error`")),
        }
    }
}

/// Re-decodes a body decoded for one set (`F`) in the other set (`T`), where the message turned out to
/// belong there (a request method without an id, a notification method with one): the method is then
/// unknown to `T`. Rare, so it goes through a JSON value.
fn reroute<T: Dispatch, F: Dispatch, E: de::Error>(method: &str, body: &F) -> Result<T, E> {
    let mut map = ::serde_json::value::Serializer.serialize_map(None).map_err(E::custom)?;
    body.serialize_params(&mut map).map_err(E::custom)?;
    match map.end().map_err(E::custom)? {
        Value::Object(mut members) => match members.remove("params") {
            Some(params) => T::decode_params(method, params).map_err(E::custom),
            None => T::decode_absent(method),
        },
        _ => T::decode_absent(method),
    }
}

impl<R, N, X> MessageVisitor<'_, R, N, X> {
    /// Builds a body for a message without `params` (flagging a known method that needs them).
    fn absent<T: Dispatch, E: de::Error>(&self, method: &str) -> Result<T, E> {
        T::decode_absent(method).inspect_err(|_| {
            if let Some(flag) = self.params_failed {
                flag.set(true);
            }
        })
    }

    /// Decodes params that arrived before `method` (buffered as a value).
    fn late<T: Dispatch, E: de::Error>(&self, method: &str, raw: Value) -> Result<T, E> {
        T::decode_params(method, raw).map_err(|e| {
            if let (true, Some(flag)) = (T::knows(method), self.params_failed) {
                flag.set(true);
            }
            E::custom(e)
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Decoding with JSON-RPC error classification
// ---------------------------------------------------------------------------------------------

/// Why a frame could not be decoded, classified as the JSON-RPC error the receiver must answer with.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodeError {
    /// `-32700` (not JSON), `-32600` (not a valid message) or `-32602` (a known method with bad params).
    pub code: i64,
    /// The request id, when it could be read (answer with `null`/omitted id otherwise).
    pub id: Option<RequestId>,
    /// The method, when it could be read.
    pub method: Option<String>,
    /// What was wrong; for `-32602` it names the offending field as a path (`params.arguments.x`).
    pub message: String,
}

impl DecodeError {
    fn invalid_result(method: &str, e: crate::json::Error) -> Self {
        DecodeError {
            code: ErrorObject::INTERNAL_ERROR,
            id: None,
            method: Some(method.to_owned()),
            message: format!("invalid result for `{method}`: {e}"),
        }
    }

    /// The JSON-RPC error object to send back.
    pub fn to_error_object(&self) -> ErrorObject {
        ErrorObject::new(self.code, self.message.clone())
    }

    /// The error response to send back.
    pub fn to_response(&self) -> ErrorResponse {
        ErrorResponse::new(self.id.clone(), self.to_error_object())
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (JSON-RPC {})", self.message, self.code)
    }
}

impl ::std::error::Error for DecodeError {}

/// Decodes one frame (a message, or a batch where the caller allows them) from bytes, classifying
/// failures as `-32700`, `-32600` or `-32602`. Params are decoded in the same pass as the envelope when
/// `method` precedes `params` (the usual order); otherwise they are buffered once.
pub fn decode_frame<R: Dispatch, N: Dispatch>(bytes: &[u8]) -> Result<Frame<R, N>, DecodeError> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace()).copied();
    if first == Some(b'[') {
        let items: Vec<&RawValue> = crate::json::from_str(utf8(bytes)?).map_err(classify_syntax)?;
        if items.is_empty() {
            return Err(DecodeError {
                code: ErrorObject::INVALID_REQUEST,
                id: None,
                method: None,
                message: "empty batch".to_owned(),
            });
        }
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            out.push(decode_text(item.get())?);
        }
        return Ok(Frame::Batch(out));
    }
    decode_message(bytes).map(Frame::Single)
}

/// Decodes one message (no batches) from bytes; see [`decode_frame`].
pub fn decode_message<R: Dispatch, N: Dispatch>(bytes: &[u8]) -> Result<Message<R, N>, DecodeError> {
    decode_message_with_result(bytes)
}

/// Decodes one message whose result, if it is a response, is a `T`: for a receiver that knows which
/// request the next response answers (one request in flight, or an HTTP response body). The result is
/// decoded in the same pass as the envelope, where [`decode_message`] keeps it raw and [`Response::decode`]
/// reads it a second time; for large results that halves the work. A result that is not a `T` is a
/// `-32600` error.
pub fn decode_message_with_result<R: Dispatch, N: Dispatch, T: for<'de> Deserialize<'de>>(
    bytes: &[u8],
) -> Result<Message<R, N, T>, DecodeError> {
    decode_text(utf8(bytes)?)
}

/// [`decode_message_with_result`] of text already known to be UTF-8 (a frame, or one item of a batch).
fn decode_text<R: Dispatch, N: Dispatch, T: for<'de> Deserialize<'de>>(
    text: &str,
) -> Result<Message<R, N, T>, DecodeError> {
    let failed = ::std::cell::Cell::new(false);
    let visitor = MessageVisitor::<R, N, T> { params_failed: Some(&failed), marker: PhantomData };
    crate::json::from_str_seed(text, visitor).map_err(|e| {
        if e.is_syntax() || e.is_eof() {
            return classify_syntax(e);
        }
        let head: Head = crate::json::from_str(text).unwrap_or_default();
        let id = head.id.and_then(|id| RequestId::deserialize(id).ok());
        if failed.get() {
            let method = head.method.unwrap_or_default();
            let message = match head.params {
                Some(params) => diagnose_params::<R, N>(&method, params).unwrap_or_else(|| e.to_string()),
                None => e.to_string(),
            };
            DecodeError {
                code: ErrorObject::INVALID_PARAMS,
                id,
                method: Some(method.clone()),
                message: format!("invalid params for `{method}`: {message}"),
            }
        } else {
            DecodeError {
                code: ErrorObject::INVALID_REQUEST,
                id,
                method: head.method,
                message: format!("invalid JSON-RPC message: {e}"),
            }
        }
    })
}

/// The text of a frame. JSON is UTF-8 throughout, so it is checked once for the whole frame and then read
/// as text by [`crate::json`] (a byte reader checks each string again as it reads it: an eighth of a small
/// message's decoding with serde_json's). A frame that is not UTF-8 is a `-32700`.
fn utf8(bytes: &[u8]) -> Result<&str, DecodeError> {
    ::std::str::from_utf8(bytes).map_err(|e| DecodeError {
        code: ErrorObject::PARSE_ERROR,
        id: None,
        method: None,
        message: format!("parse error: the text is not UTF-8 (at byte {})", e.valid_up_to()),
    })
}

fn classify_syntax(e: crate::json::Error) -> DecodeError {
    DecodeError { code: ErrorObject::PARSE_ERROR, id: None, method: None, message: format!("parse error: {e}") }
}

/// The members needed to answer a malformed message (error path only).
#[derive(Default)]
struct Head {
    id: Option<Value>,
    method: Option<String>,
    params: Option<Value>,
}
crate::rpc::struct_codec!(Head { id @ 0 "id" optional, method @ 1 "method" optional, params @ 2 "params" optional } closed);

/// Re-decodes params from a value while tracking the path, to name the offending field.
fn diagnose_params<R: Dispatch, N: Dispatch>(method: &str, params: Value) -> Option<String> {
    let path = ::std::cell::RefCell::new(vec![String::from("params")]);
    let tracked = Tracked { value: &params, path: &path };
    let err = if R::knows(method) {
        R::decode_params(method, tracked).err()?
    } else {
        N::decode_params(method, tracked).err()?
    };
    let at = path.borrow().join(".");
    Some(format!("at `{at}`: {err}"))
}

/// Decodes `T` from a value and, on failure, reports the path of the offending field
/// (`params.arguments.count: invalid type …`).
pub fn from_value_with_path<T: for<'de> Deserialize<'de>>(value: &Value) -> Result<T, String> {
    // serde_json's own decoder first; the tracked one, which records the path as it goes, runs again only
    // to explain a failure. Both accept exactly the same values.
    if let Ok(decoded) = T::deserialize(value) {
        return Ok(decoded);
    }
    let path = ::std::cell::RefCell::new(Vec::new());
    T::deserialize(Tracked { value, path: &path }).map_err(|e| {
        let at = path.borrow().join(".");
        if at.is_empty() { e.to_string() } else { format!("at `{at}`: {e}") }
    })
}

/// A deserializer over a borrowed [`Value`] that records the path it is visiting; on error the path is
/// left at the failing member. Error path only, so it favours brevity over speed.
struct Tracked<'a> {
    value: &'a Value,
    path: &'a ::std::cell::RefCell<Vec<String>>,
}

type JsonError = ::serde_json::Error;

impl<'de, 'a> Deserializer<'de> for Tracked<'a> {
    type Error = JsonError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, JsonError> {
        match self.value {
            Value::Null => v.visit_unit(),
            Value::Bool(b) => v.visit_bool(*b),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    v.visit_u64(u)
                } else if let Some(i) = n.as_i64() {
                    v.visit_i64(i)
                } else {
                    v.visit_f64(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(s) => v.visit_str(s),
            Value::Array(items) => {
                v.visit_seq(TrackedSeq { items: items.iter(), index: 0, path: self.path })
            }
            Value::Object(map) => v.visit_map(TrackedMap { iter: map.iter(), pending: None, path: self.path }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, JsonError> {
        match self.value {
            Value::Null => v.visit_none(),
            _ => v.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, v: V) -> Result<V::Value, JsonError> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, JsonError> {
        self.value.clone().deserialize_enum(name, variants, v)
    }

    ::serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

struct TrackedSeq<'a> {
    items: ::std::slice::Iter<'a, Value>,
    index: usize,
    path: &'a ::std::cell::RefCell<Vec<String>>,
}

impl<'de> de::SeqAccess<'de> for TrackedSeq<'_> {
    type Error = JsonError;
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, JsonError> {
        let Some(item) = self.items.next() else { return Ok(None) };
        self.path.borrow_mut().push(self.index.to_string());
        self.index += 1;
        let out = seed.deserialize(Tracked { value: item, path: self.path })?;
        self.path.borrow_mut().pop();
        Ok(Some(out))
    }
}

struct TrackedMap<'a> {
    iter: ::serde_json::map::Iter<'a>,
    pending: Option<(&'a String, &'a Value)>,
    path: &'a ::std::cell::RefCell<Vec<String>>,
}

impl<'de> MapAccess<'de> for TrackedMap<'_> {
    type Error = JsonError;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, JsonError> {
        let Some((k, v)) = self.iter.next() else { return Ok(None) };
        self.pending = Some((k, v));
        seed.deserialize(k.as_str().into_deserializer()).map(Some)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, JsonError> {
        let (k, v) = self.pending.take().ok_or_else(|| de::Error::custom("value before key"))?;
        self.path.borrow_mut().push(k.clone());
        let out = seed.deserialize(Tracked { value: v, path: self.path })?;
        self.path.borrow_mut().pop();
        Ok(out)
    }
}

// ---------------------------------------------------------------------------------------------
// Unions
// ---------------------------------------------------------------------------------------------

/// How a union decoder reacts to one key of the object being decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyRole {
    /// The key says nothing about the variant.
    Neutral,
    /// The key is the discriminator; its string value picks the variant.
    Tag,
    /// The key is present in exactly one variant, which it picks (the index is the variant's).
    Picks(usize),
}

/// Decodes a union of object types in one pass where the discriminating key comes first, buffering only
/// the members seen before it. `role` classifies keys; `pick` maps the tag value (or, with no tag and no
/// picking key, `None`) to a variant index; `decode` decodes that variant from the replayed map.
pub fn decode_union<'de, A, T>(
    mut map: A,
    role: impl Fn(&str) -> KeyRole,
    pick: impl FnOnce(Option<&str>) -> Result<usize, String>,
    decode: impl FnOnce(usize, Replay<'de, A>) -> Result<T, A::Error>,
) -> Result<T, A::Error>
where
    A: MapAccess<'de>,
{
    let mut buffered: Vec<(Cow<'de, str>, Buffered<'de>)> = Vec::new();
    let chosen = loop {
        let Some(Text(key)) = map.next_key()? else {
            break pick(None).map_err(de::Error::custom)?;
        };
        match role(&key) {
            KeyRole::Neutral => {
                let value: Value = map.next_value()?;
                buffered.push((key, Buffered::Value(value)));
            }
            KeyRole::Tag => {
                // Tags are strings: kept as text (borrowed where possible), not as a `Value`.
                let value: Tag<'de> = map.next_value()?;
                let index = pick(value.as_str()).map_err(de::Error::custom)?;
                buffered.push((key, value.0));
                break index;
            }
            KeyRole::Picks(index) => {
                // The picking key's value stays in the live map and is decoded from there.
                buffered.push((key, Buffered::Live));
                break index;
            }
        }
    };
    decode(chosen, Replay { buffered: buffered.into_iter(), pending: None, map })
}

/// A member value a union decoder read before it knew the variant.
enum Buffered<'de> {
    /// Any value.
    Value(Value),
    /// A string value (the tag), borrowed from the input where it has no escapes.
    Str(Cow<'de, str>),
    /// Not read: the value is still waiting in the live map (only ever the last member).
    Live,
}

/// The value of a tag member: a string, or any other value (a malformed tag, which decoding it as the
/// variant's field then reports).
struct Tag<'de>(Buffered<'de>);

impl Tag<'_> {
    fn as_str(&self) -> Option<&str> {
        match &self.0 {
            Buffered::Str(s) => Some(s),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Tag<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TagVisitor;
        impl<'de> Visitor<'de> for TagVisitor {
            type Value = Tag<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a tag")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Tag<'de>, E> {
                Ok(Tag(Buffered::Str(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Tag<'de>, E> {
                Ok(Tag(Buffered::Str(Cow::Owned(v.to_owned()))))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Tag<'de>, E> {
                Ok(Tag(Buffered::Str(Cow::Owned(v))))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Tag<'de>, E> {
                Ok(Tag(Buffered::Value(Value::Bool(v))))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Tag<'de>, E> {
                Ok(Tag(Buffered::Value(Value::from(v))))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Tag<'de>, E> {
                Ok(Tag(Buffered::Value(Value::from(v))))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Tag<'de>, E> {
                Ok(Tag(Buffered::Value(Value::from(v))))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Tag<'de>, E> {
                Ok(Tag(Buffered::Value(Value::Null)))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Tag<'de>, A::Error> {
                Value::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(|v| Tag(Buffered::Value(v)))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Tag<'de>, A::Error> {
                Value::deserialize(de::value::MapAccessDeserializer::new(map)).map(|v| Tag(Buffered::Value(v)))
            }
        }
        d.deserialize_any(TagVisitor)
    }
}

/// A buffered string replayed as a JSON string value (an `Option` of it is `Some`, an enum its unit variant).
struct StrValue<'de, E>(Cow<'de, str>, PhantomData<fn() -> E>);

impl<'de, E: de::Error> Deserializer<'de> for StrValue<'de, E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.0 {
            Cow::Borrowed(s) => visitor.visit_borrowed_str(s),
            Cow::Owned(s) => visitor.visit_string(s),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, E> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        match self.0 {
            Cow::Borrowed(s) => de::value::BorrowedStrDeserializer::new(s).deserialize_enum(name, variants, visitor),
            Cow::Owned(s) => de::value::StringDeserializer::new(s).deserialize_enum(name, variants, visitor),
        }
    }

    ::serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

/// The members a union decoder buffered, followed by the rest of the live map.
pub struct Replay<'de, A> {
    buffered: ::std::vec::IntoIter<(Cow<'de, str>, Buffered<'de>)>,
    pending: Option<Buffered<'de>>,
    map: A,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Replay<'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        if let Some((key, value)) = self.buffered.next() {
            self.pending = Some(value);
            return match key {
                Cow::Borrowed(key) => seed.deserialize(de::value::BorrowedStrDeserializer::new(key)).map(Some),
                Cow::Owned(key) => seed.deserialize(key.into_deserializer()).map(Some),
            };
        }
        self.pending = None;
        self.map.next_key_seed(seed)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        match self.pending.take() {
            Some(Buffered::Value(value)) => seed.deserialize(value).map_err(de::Error::custom),
            Some(Buffered::Str(s)) => seed.deserialize(StrValue(s, PhantomData)),
            Some(Buffered::Live) | None => self.map.next_value_seed(seed),
        }
    }
}

/// Wraps a map so a derived `Deserialize` can read it as a struct.
pub fn from_map<'de, T: Deserialize<'de>, A: MapAccess<'de>>(map: A) -> Result<T, A::Error> {
    T::deserialize(de::value::MapAccessDeserializer::new(map))
}

/// A structural description of one member of an overlapping union (the elicitation schema and result
/// unions, which the schemas leave without a discriminator). Generated per union member.
#[derive(Debug)]
pub struct Shape {
    /// Properties that must hold one of the given strings (a `const`, or a string `enum` such as the
    /// `type` of a number schema).
    pub consts: &'static [(&'static str, &'static [&'static str])],
    /// Properties that must be present.
    pub required: &'static [&'static str],
    /// Every property the member declares.
    pub declared: &'static [&'static str],
    /// Whether the member keeps undeclared properties by design (open maps score no penalty).
    pub open: bool,
    /// Inline object properties whose own shape must match.
    pub nested: &'static [(&'static str, &'static Shape)],
}

impl Shape {
    /// How well `value` fits this member: `None` when a constant or required property is wrong,
    /// otherwise the count of declared properties present minus the count of undeclared ones.
    pub fn score(&self, value: &Value) -> Option<i64> {
        let obj = value.as_object()?;
        for (key, allowed) in self.consts {
            match obj.get(*key) {
                Some(Value::String(s)) if allowed.contains(&s.as_str()) => {}
                _ => return None,
            }
        }
        if self.required.iter().any(|k| !obj.contains_key(*k)) {
            return None;
        }
        let mut score = 0i64;
        for key in obj.keys() {
            if self.declared.contains(&key.as_str()) {
                score += 1;
            } else if !self.open {
                score -= 1;
            }
        }
        for (key, shape) in self.nested {
            if let Some(inner) = obj.get(*key) {
                score += shape.score(inner)?;
            }
        }
        Some(score)
    }
}

/// Picks the best-fitting member of an overlapping union (first wins a tie), or explains the mismatch.
pub fn best_shape(value: &Value, shapes: &[&Shape], union: &str) -> Result<usize, String> {
    let mut best: Option<(usize, i64)> = None;
    for (i, shape) in shapes.iter().enumerate() {
        if let Some(score) = shape.score(value)
            && best.is_none_or(|(_, b)| score > b)
        {
            best = Some((i, score));
        }
    }
    best.map(|(i, _)| i).ok_or_else(|| format!("value matches no member of `{union}`"))
}
