//! The intermediate representation: one revision's types, methods and dispatch sets, Rust-shaped and with
//! every identifier already decided (by `lower` through `names`).

/// One revision, ready to emit.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    /// Protocol version string (`2025-11-25`, `draft`).
    pub revision: String,
    /// Rust module name.
    pub module: String,
    /// sha256 of the schema file.
    pub sha256: String,
    /// Every named item, sorted by Rust name.
    pub items: Vec<Item>,
    /// Every method, sorted by wire name.
    pub methods: Vec<Method>,
    /// The four dispatch sets (`ClientRequest` …) that exist in this revision.
    pub dispatch: Vec<Dispatch>,
    /// Schema definition name → Rust type, for every definition (used by the by-name registry).
    pub definitions: Vec<(String, Ty)>,
}

/// A named Rust item.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    /// Rust name.
    pub name: String,
    /// JSON pointer of the schema it came from.
    pub pointer: String,
    /// Doc comment.
    pub doc: Option<String>,
    /// What it is.
    pub kind: ItemKind,
}

/// The shape of an item.
#[derive(Clone, Debug, PartialEq)]
pub enum ItemKind {
    /// A struct with named fields; unknown members are kept in a flattened `extra` map.
    Struct {
        /// Fields, sorted by wire name.
        fields: Vec<Field>,
    },
    /// A closed set of strings.
    StringEnum {
        /// `(rust name, wire value)`.
        variants: Vec<(String, String)>,
    },
    /// A union of several types.
    Union {
        /// The members.
        variants: Vec<Variant>,
        /// How a value is matched to a member.
        strategy: Strategy,
    },
    /// A type alias.
    Alias(Ty),
    /// A marker for a string constant (`ConstStr`).
    ConstStr {
        /// The property name.
        field: String,
        /// The value.
        value: String,
    },
    /// A marker for an integer constant (`ConstInt`).
    ConstInt {
        /// The property name.
        field: String,
        /// The value.
        value: i64,
    },
}

/// A struct field.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// Rust name.
    pub name: String,
    /// JSON property name.
    pub wire: String,
    /// Type (without the `Option` of an optional field).
    pub ty: Ty,
    /// Required by the schema.
    pub required: bool,
    /// `null` is a valid value (serialized explicitly).
    pub nullable: bool,
    /// Missing on input means the type's default (a spec rule, e.g. `resultType` → `complete`).
    pub default_when_missing: bool,
    /// Doc comment.
    pub doc: Option<String>,
}

/// A union member.
#[derive(Clone, Debug, PartialEq)]
pub struct Variant {
    /// Rust variant name.
    pub name: String,
    /// Payload type.
    pub ty: Ty,
    /// Tag value (tagged unions), picking key (presence unions) or JSON kind (kind unions).
    pub key: String,
    /// Structural description (shape unions).
    pub shape: Option<Shape>,
}

/// A structural description of a union member, for unions without a discriminator.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Shape {
    /// Properties restricted to a few strings (`const`, or a string `enum` on `type`).
    pub consts: Vec<(String, Vec<String>)>,
    /// Required properties.
    pub required: Vec<String>,
    /// Declared properties.
    pub declared: Vec<String>,
    /// Whether undeclared properties are expected (an open map member).
    pub open: bool,
    /// Inline object properties with their own shape.
    pub nested: Vec<(String, Shape)>,
}

/// How a union chooses its member.
#[derive(Clone, Debug, PartialEq)]
pub enum Strategy {
    /// A property with a constant value in every member; `default` is the member whose tag may be absent.
    Tagged {
        /// The discriminating property.
        field: String,
        /// Index of the member chosen when the property is absent.
        default: Option<usize>,
    },
    /// Each member has a required property no other member declares.
    Presence,
    /// Members differ by JSON kind (`string`, `integer`, `number`, `boolean`, `array`, `object`).
    Kind,
    /// MCP 2026 results: `resultType: "input_required"` picks the first member, anything else the second.
    ResultType,
    /// Overlapping members matched structurally (first best fit wins).
    Shape,
}

/// A Rust type reference.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ty {
    /// `String`.
    String,
    /// `bool`.
    Bool,
    /// `i64`.
    Int,
    /// `u64` (schema `minimum: 0`).
    UInt,
    /// `serde_json::Number` (keeps `50` and `50.0` apart).
    Number,
    /// `serde_json::Value`.
    Any,
    /// `rpc::JsonObject`.
    Object,
    /// A generated item of this revision.
    Named(String),
    /// An item of the shared `rpc` module (its path inside `crate::rpc`).
    Rpc(String),
    /// `Vec<T>`.
    Vec(Box<Ty>),
    /// `BTreeMap<String, T>`.
    Map(Box<Ty>),
    /// `Box<T>` (breaks a recursive cycle).
    Boxed(Box<Ty>),
    /// `rpc::Const<Marker>`.
    ConstStr(String),
    /// `rpc::IntConst<Marker>`.
    ConstInt(String),
}

/// A request or notification method.
#[derive(Clone, Debug, PartialEq)]
pub struct Method {
    /// Rust name of the marker type.
    pub name: String,
    /// Rust name of the dispatch variants.
    pub variant: String,
    /// Wire name.
    pub wire: String,
    /// Request (with a result) or notification.
    pub kind: MethodKind,
    /// Params type, if the method has params.
    pub params: Option<Ty>,
    /// Whether `params` must be present.
    pub params_required: bool,
    /// Result type (requests only).
    pub result: Option<Ty>,
    /// Schema name of the message definition.
    pub schema_name: String,
    /// Doc comment.
    pub doc: Option<String>,
}

/// Request or notification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MethodKind {
    /// Has an id and a response.
    Request,
    /// Has no id and no response.
    Notification,
}

/// One dispatch enum.
#[derive(Clone, Debug, PartialEq)]
pub struct Dispatch {
    /// Its name (`ClientRequest`).
    pub name: String,
    /// Request or notification.
    pub kind: MethodKind,
    /// Wire names of its methods, sorted.
    pub methods: Vec<String>,
    /// Doc comment.
    pub doc: Option<String>,
}
