//! Stage 2: lower one schema revision to the IR. Resolves references, classifies every definition
//! (struct, string enum, union, alias, constant marker), finds the methods and the dispatch sets, and
//! applies the MCP rules no schema states (result types by method, `resultType` discrimination).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::Error;
use crate::ir::{Dispatch, Field, Item, ItemKind, Method, MethodKind, Model, Shape, Strategy, Ty, Variant};
use crate::load::Schema;
use crate::names;

/// The dispatch sets and their direction.
const DISPATCH_SETS: &[(&str, MethodKind)] = &[
    ("ClientRequest", MethodKind::Request),
    ("ServerRequest", MethodKind::Request),
    ("ClientNotification", MethodKind::Notification),
    ("ServerNotification", MethodKind::Notification),
];

/// Methods whose result is the empty result (the schemas do not link requests to results).
const EMPTY_RESULT_METHODS: &[&str] = &["ping", "logging/setLevel", "resources/subscribe", "resources/unsubscribe"];

/// Definitions mapped onto the shared `rpc` module or onto plain JSON types instead of being generated.
fn replacement(def: &str, schema: &Schema) -> Option<Ty> {
    let rpc = |path: &str| Some(Ty::Rpc(path.to_owned()));
    let any_message = "Message<crate::rpc::AnyRequest, crate::rpc::AnyRequest>";
    match def {
        "RequestId" => rpc("RequestId"),
        "ProgressToken" => rpc("ProgressToken"),
        "Error" => rpc("ErrorObject"),
        "JSONRPCRequest" => rpc("Request<crate::rpc::AnyRequest>"),
        "JSONRPCNotification" => rpc("Notification<crate::rpc::AnyRequest>"),
        "JSONRPCResultResponse" => rpc("Response"),
        "JSONRPCResponse" if is_object(schema.defs.get(def)?) => rpc("Response"),
        "JSONRPCError" | "JSONRPCErrorResponse" => rpc("ErrorResponse"),
        "JSONRPCMessage" if schema.defs.contains_key("JSONRPCBatchRequest") => {
            rpc("Frame<crate::rpc::AnyRequest, crate::rpc::AnyRequest>")
        }
        "JSONRPCMessage" => rpc(any_message),
        "JSONRPCBatchRequest" | "JSONRPCBatchResponse" => Some(Ty::Vec(Box::new(Ty::Rpc(any_message.to_owned())))),
        "JSONValue" => Some(Ty::Any),
        "JSONObject" => Some(Ty::Object),
        "JSONArray" => Some(Ty::Vec(Box::new(Ty::Any))),
        _ => None,
    }
}

fn is_object(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("object")
}

/// Lowers one revision.
pub fn lower(schema: &Schema) -> Result<Model, Error> {
    let mut lw = Lowerer::new(schema);
    lw.collect_methods();
    let defs: Vec<String> = schema.defs.keys().cloned().collect();
    let mut definitions = Vec::new();
    for def in &defs {
        if lw.dispatch_names.contains(def.as_str()) {
            continue;
        }
        let ty = lw.lower_def(def);
        definitions.push((def.clone(), ty));
    }
    let methods = lw.finish_methods();
    if !lw.errors.is_empty() {
        return Err(Error::Unsupported(lw.errors));
    }
    lw.box_cycles();
    let mut items: Vec<Item> = lw.items.into_values().collect();
    items.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Model {
        revision: schema.revision.name.clone(),
        module: schema.revision.module.clone(),
        sha256: schema.revision.sha256.clone(),
        items,
        methods,
        dispatch: lw.dispatch,
        definitions,
    })
}

struct PendingMethod {
    wire: String,
    def: String,
    kind: MethodKind,
}

struct Lowerer<'a> {
    schema: &'a Schema,
    items: BTreeMap<String, Item>,
    /// Rust type of each schema definition already lowered.
    def_ty: BTreeMap<String, Ty>,
    /// Definitions being lowered (to stop on reference cycles).
    in_progress: BTreeSet<String>,
    /// Wire method → marker name.
    method_markers: BTreeMap<String, String>,
    pending: Vec<PendingMethod>,
    dispatch: Vec<Dispatch>,
    dispatch_names: BTreeSet<&'static str>,
    errors: Vec<String>,
}

impl<'a> Lowerer<'a> {
    fn new(schema: &'a Schema) -> Self {
        Lowerer {
            schema,
            items: BTreeMap::new(),
            def_ty: BTreeMap::new(),
            in_progress: BTreeSet::new(),
            method_markers: BTreeMap::new(),
            pending: Vec::new(),
            dispatch: Vec::new(),
            dispatch_names: BTreeSet::new(),
            errors: Vec::new(),
        }
    }

    fn pointer(&self, def: &str) -> String {
        format!("{}{}", self.schema.ref_prefix, def)
    }

    fn def_of_ref<'v>(&self, schema: &'v Value) -> Option<&'v str> {
        schema.get("$ref")?.as_str()?.strip_prefix(self.schema.ref_prefix.as_str())
    }

    /// The const `method` of a message definition (requests and notifications), if it has one.
    fn method_const(&self, def: &str) -> Option<String> {
        let schema = self.schema.defs.get(def)?;
        let props = self.properties(schema);
        props.get("method")?.get("const")?.as_str().map(str::to_owned)
    }

    /// Finds every method and the dispatch sets.
    fn collect_methods(&mut self) {
        let mut by_wire: BTreeMap<String, String> = BTreeMap::new();
        let set_names: BTreeSet<&str> = DISPATCH_SETS.iter().map(|(n, _)| *n).collect();
        for def in self.schema.defs.keys() {
            if set_names.contains(def.as_str()) {
                continue;
            }
            if let Some(wire) = self.method_const(def)
                && (def.ends_with("Request") || def.ends_with("Notification"))
            {
                by_wire.entry(wire).or_insert_with(|| def.clone());
            }
        }
        for (set, kind) in DISPATCH_SETS {
            let Some(schema) = self.schema.defs.get(*set) else { continue };
            let members: Vec<String> = match schema.get("anyOf").and_then(Value::as_array) {
                Some(list) => {
                    list.iter().filter_map(|m| self.def_of_ref(m).and_then(|d| self.method_const(d))).collect()
                }
                None => self.method_const(set).into_iter().collect(),
            };
            let mut methods: Vec<String> = members.into_iter().collect::<BTreeSet<_>>().into_iter().collect();
            methods.retain(|m| by_wire.contains_key(m));
            self.dispatch_names.insert(set);
            let doc = description(schema);
            self.dispatch.push(Dispatch { name: (*set).to_owned(), kind: *kind, methods, doc });
        }
        // Marker types share the namespace of the definitions: a clash (the method `TaskStatus` and the
        // enum `TaskStatus`) gives the marker a `Method` suffix; dispatch variants keep the short name.
        let taken: BTreeSet<String> = self.schema.defs.keys().map(|d| names::type_name(d)).collect();
        for (wire, def) in by_wire {
            let variant = names::method_name(&def);
            let name = if taken.contains(&variant) { format!("{variant}Method") } else { variant };
            let kind = if def.ends_with("Request") { MethodKind::Request } else { MethodKind::Notification };
            self.method_markers.insert(wire.clone(), name);
            self.pending.push(PendingMethod { wire, def, kind });
        }
    }

    /// Resolves params and result types of every method (after all definitions are lowered).
    fn finish_methods(&mut self) -> Vec<Method> {
        let pending = std::mem::take(&mut self.pending);
        let mut out = Vec::new();
        for m in pending {
            let schema = &self.schema.defs[&m.def];
            let props = self.properties(schema);
            let required = required_set(schema);
            let (params, params_required) = match props.get("params") {
                Some(p) => {
                    let ty = self.lower_ty(p, &names::type_name(&m.def), "params", &self.pointer(&m.def));
                    (Some(ty), required.contains("params"))
                }
                None => (None, false),
            };
            let result = match m.kind {
                MethodKind::Request => self.result_of(&m.def, &m.wire),
                MethodKind::Notification => None,
            };
            if m.kind == MethodKind::Request && result.is_none() {
                self.errors.push(format!(
                    "unsupported schema at {}: no result type for `{}`",
                    self.pointer(&m.def),
                    m.wire
                ));
            }
            out.push(Method {
                name: self.method_markers[&m.wire].clone(),
                variant: names::method_name(&m.def),
                wire: m.wire,
                kind: m.kind,
                params,
                params_required,
                result,
                schema_name: m.def.clone(),
                doc: description(schema),
            });
        }
        out
    }

    fn result_of(&mut self, def: &str, wire: &str) -> Option<Ty> {
        let base = def.strip_suffix("Request")?;
        let response = format!("{base}ResultResponse");
        if let Some(schema) = self.schema.defs.get(&response)
            && let Some(result) = self.properties(schema).get("result")
        {
            let parent = names::type_name(base);
            return Some(self.lower_ty(result, &parent, "outcome", &self.pointer(&response)));
        }
        let result = format!("{base}Result");
        if self.schema.defs.contains_key(&result) {
            return Some(self.lower_def(&result));
        }
        if EMPTY_RESULT_METHODS.contains(&wire) {
            for candidate in ["EmptyResult", "Result"] {
                if self.schema.defs.contains_key(candidate) {
                    return Some(self.lower_def(candidate));
                }
            }
        }
        None
    }

    /// The properties of an object schema, with `allOf` members merged.
    fn properties(&self, schema: &Value) -> Map<String, Value> {
        let mut out = Map::new();
        if let Some(list) = schema.get("allOf").and_then(Value::as_array) {
            for member in list {
                let resolved = self.resolve(member);
                out.extend(self.properties(&resolved));
            }
        }
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (k, v) in props {
                out.insert(k.clone(), v.clone());
            }
        }
        out
    }

    /// Follows a `$ref` (with its siblings dropped) to the definition.
    fn resolve(&self, schema: &Value) -> Value {
        match self.def_of_ref(schema).and_then(|d| self.schema.defs.get(d)) {
            Some(target) => self.resolve(target),
            None => schema.clone(),
        }
    }

    /// The required properties of an object schema, `allOf` members included.
    fn required_of(&self, schema: &Value) -> BTreeSet<String> {
        let mut out = required_set(schema);
        if let Some(list) = schema.get("allOf").and_then(Value::as_array) {
            for member in list {
                out.extend(self.required_of(&self.resolve(member)));
            }
        }
        out
    }

    /// Lowers a definition (once) and returns the type that names it.
    fn lower_def(&mut self, def: &str) -> Ty {
        if let Some(ty) = self.def_ty.get(def) {
            return ty.clone();
        }
        let name = names::type_name(def);
        let pointer = self.pointer(def);
        let schema = self.schema.defs[def].clone();
        let doc = description(&schema);
        if let Some(ty) = replacement(def, self.schema) {
            self.insert(Item { name: name.clone(), pointer, doc, kind: ItemKind::Alias(ty) });
            let named = Ty::Named(name);
            self.def_ty.insert(def.to_owned(), named.clone());
            return named;
        }
        if def == "ResultType" {
            let variants = vec![
                ("Complete".to_owned(), "complete".to_owned()),
                ("InputRequired".to_owned(), "input_required".to_owned()),
            ];
            self.insert(Item { name: name.clone(), pointer, doc, kind: ItemKind::StringEnum { variants } });
            let named = Ty::Named(name);
            self.def_ty.insert(def.to_owned(), named.clone());
            return named;
        }
        let named = Ty::Named(name.clone());
        self.def_ty.insert(def.to_owned(), named.clone());
        if !self.in_progress.insert(def.to_owned()) {
            return named;
        }
        let kind = self.lower_kind(&schema, &name, &pointer);
        self.in_progress.remove(def);
        match kind {
            Some(kind) => self.insert(Item { name, pointer, doc, kind }),
            None => self.errors.push(format!("unsupported schema at {pointer}: cannot classify")),
        }
        named
    }

    fn insert(&mut self, item: Item) {
        if let Some(existing) = self.items.get(&item.name) {
            if existing.kind != item.kind {
                self.errors.push(format!(
                    "name collision at {} and {}: both want the Rust name `{}`",
                    existing.pointer, item.pointer, item.name
                ));
            }
            return;
        }
        self.items.insert(item.name.clone(), item);
    }

    /// Classifies a named schema as an item kind.
    fn lower_kind(&mut self, schema: &Value, name: &str, pointer: &str) -> Option<ItemKind> {
        if let Some(target) = self.def_of_ref(schema) {
            let target = target.to_owned();
            return Some(ItemKind::Alias(self.lower_def(&target)));
        }
        if let Some(members) = schema.get("anyOf").and_then(Value::as_array) {
            return self.lower_union(members, name, pointer);
        }
        if schema.get("allOf").is_some() || is_object(schema) {
            return Some(self.lower_object(schema, name, pointer));
        }
        if let Some(values) = string_enum(schema) {
            let variants = values.iter().map(|v| (names::variant_name(v), v.clone())).collect();
            return Some(ItemKind::StringEnum { variants });
        }
        if schema.get("type").and_then(Value::as_array).is_some() {
            return self.lower_kind_union_of_types(schema, pointer);
        }
        let ty = self.lower_ty(schema, name, "value", pointer);
        Some(ItemKind::Alias(ty))
    }

    /// An object schema: a struct when it has properties, a map otherwise.
    fn lower_object(&mut self, schema: &Value, name: &str, pointer: &str) -> ItemKind {
        let props = self.properties(schema);
        if props.is_empty() {
            return ItemKind::Alias(self.map_type(schema, name, pointer));
        }
        let required = self.required_of(schema);
        let mut fields = Vec::new();
        for (wire, prop) in &props {
            let field_pointer = format!("{pointer}/properties/{wire}");
            let mut field = Field {
                name: names::field_name(wire),
                wire: wire.clone(),
                ty: Ty::Any,
                required: required.contains(wire),
                nullable: false,
                default_when_missing: false,
                doc: description(prop),
            };
            field.ty = self.field_type(prop, name, wire, &field_pointer, &mut field);
            fields.push(field);
        }
        let mut seen = BTreeSet::new();
        for f in &fields {
            if !seen.insert(f.name.clone()) || f.name == "extra" {
                self.errors.push(format!("name collision at {pointer}: field name `{}` used twice", f.name));
            }
        }
        ItemKind::Struct { fields }
    }

    /// The type of a property, handling constants and the MCP `resultType` rule.
    fn field_type(&mut self, prop: &Value, parent: &str, wire: &str, pointer: &str, field: &mut Field) -> Ty {
        if wire == "resultType" {
            let (value, marker) = if parent == "InputRequiredResult" {
                ("input_required", "InputRequiredResultType")
            } else {
                field.default_when_missing = true;
                ("complete", "CompleteResultType")
            };
            let kind = ItemKind::ConstStr { field: wire.to_owned(), value: value.to_owned() };
            self.insert(Item { name: marker.to_owned(), pointer: pointer.to_owned(), doc: None, kind });
            return Ty::ConstStr(marker.to_owned());
        }
        if let Some(types) = prop.get("type").and_then(Value::as_array) {
            let non_null: Vec<&Value> = types.iter().filter(|t| t.as_str() != Some("null")).collect();
            if non_null.len() + 1 == types.len() && non_null.len() == 1 {
                field.nullable = true;
                let mut single = prop.clone();
                single["type"] = non_null[0].clone();
                return self.lower_ty(&single, parent, wire, pointer);
            }
        }
        self.lower_ty(prop, parent, wire, pointer)
    }

    /// The Rust type of an (inline or referenced) schema found at `parent.field`.
    fn lower_ty(&mut self, schema: &Value, parent: &str, field: &str, pointer: &str) -> Ty {
        if let Some(def) = self.def_of_ref(schema) {
            let def = def.to_owned();
            if !self.schema.defs.contains_key(&def) {
                self.errors.push(format!("unsupported schema at {pointer}: dangling $ref to `{def}`"));
                return Ty::Any;
            }
            return self.lower_def(&def);
        }
        if let Some(value) = schema.get("const") {
            return self.const_type(value, parent, field, pointer);
        }
        if schema.get("anyOf").is_some() || schema.get("allOf").is_some() {
            return self.inline_item(schema, parent, field, pointer);
        }
        if string_enum(schema).is_some() {
            return self.inline_item(schema, parent, field, pointer);
        }
        match schema.get("type") {
            Some(Value::String(t)) => match t.as_str() {
                "string" => Ty::String,
                "boolean" => Ty::Bool,
                "integer" => {
                    let unsigned = schema.get("minimum").and_then(Value::as_f64).is_some_and(|m| m >= 0.0);
                    if unsigned { Ty::UInt } else { Ty::Int }
                }
                "number" => Ty::Number,
                "array" => match schema.get("items") {
                    Some(items) => {
                        let item_field = format!("{}Item", names::type_name(field.trim_start_matches(['_', '$'])));
                        Ty::Vec(Box::new(self.lower_ty(items, parent, &item_field, &format!("{pointer}/items"))))
                    }
                    None => Ty::Vec(Box::new(Ty::Any)),
                },
                "object" => {
                    if self.properties(schema).is_empty() {
                        self.map_type(schema, parent, pointer)
                    } else {
                        self.inline_item(schema, parent, field, pointer)
                    }
                }
                "null" => Ty::Any,
                other => {
                    self.errors.push(format!("unsupported schema at {pointer}: type `{other}`"));
                    Ty::Any
                }
            },
            Some(Value::Array(_)) => self.inline_item(schema, parent, field, pointer),
            Some(_) => {
                self.errors.push(format!("unsupported schema at {pointer}: malformed `type`"));
                Ty::Any
            }
            None if schema.get("properties").is_some() => self.inline_item(schema, parent, field, pointer),
            None => Ty::Any,
        }
    }

    /// An object without properties: an open JSON object, or a map with typed values.
    fn map_type(&mut self, schema: &Value, parent: &str, pointer: &str) -> Ty {
        match schema.get("additionalProperties") {
            Some(Value::Object(ap)) if !ap.is_empty() => {
                let ap = Value::Object(ap.clone());
                let inner = self.lower_ty(&ap, parent, "Value", &format!("{pointer}/additionalProperties"));
                Ty::Map(Box::new(inner))
            }
            _ => Ty::Object,
        }
    }

    /// A named item for an inline schema at `parent.field`.
    fn inline_item(&mut self, schema: &Value, parent: &str, field: &str, pointer: &str) -> Ty {
        let name = if field == "outcome" { format!("{parent}Outcome") } else { names::inline_name(parent, field) };
        // The same inline schema reached again reuses its item; any other schema wanting the name is
        // lowered and compared by `insert`, which reports a collision when the two differ.
        if self.items.get(&name).is_some_and(|existing| existing.pointer == pointer) {
            return Ty::Named(name);
        }
        let kind = if let Some(values) = string_enum(schema) {
            let variants = values.iter().map(|v| (names::variant_name(v), v.clone())).collect();
            Some(ItemKind::StringEnum { variants })
        } else {
            self.lower_kind(schema, &name, pointer)
        };
        match kind {
            Some(ItemKind::Alias(ty)) => ty,
            Some(kind) => {
                self.insert(Item { name: name.clone(), pointer: pointer.to_owned(), doc: description(schema), kind });
                Ty::Named(name)
            }
            None => {
                self.errors.push(format!("unsupported schema at {pointer}: cannot classify"));
                Ty::Any
            }
        }
    }

    /// A constant-valued property becomes a zero-sized marker.
    fn const_type(&mut self, value: &Value, parent: &str, field: &str, pointer: &str) -> Ty {
        match value {
            Value::String(s) if field == "jsonrpc" && s == "2.0" => Ty::Rpc("JsonRpcVersion".into()),
            Value::String(s) => {
                let name = match (field, self.method_markers.get(s)) {
                    ("method", Some(marker)) => return Ty::ConstStr(marker.clone()),
                    _ => names::const_marker(field, s),
                };
                let kind = ItemKind::ConstStr { field: field.to_owned(), value: s.clone() };
                self.insert(Item { name: name.clone(), pointer: pointer.to_owned(), doc: None, kind });
                Ty::ConstStr(name)
            }
            Value::Number(n) if n.is_i64() => {
                let name = names::inline_name(parent, field);
                let kind = ItemKind::ConstInt { field: field.to_owned(), value: n.as_i64().unwrap_or_default() };
                self.insert(Item { name: name.clone(), pointer: pointer.to_owned(), doc: None, kind });
                Ty::ConstInt(name)
            }
            _ => {
                self.errors.push(format!("unsupported schema at {pointer}: const {value}"));
                Ty::Any
            }
        }
    }

    /// `type: ["string", "integer", …]`: a union by JSON kind.
    fn lower_kind_union_of_types(&mut self, schema: &Value, pointer: &str) -> Option<ItemKind> {
        let types = schema.get("type")?.as_array()?;
        let mut variants = Vec::new();
        for t in types {
            let t = t.as_str()?;
            let (name, ty) = match t {
                "string" => ("String", Ty::String),
                "integer" => ("Integer", Ty::Int),
                "number" => ("Number", Ty::Number),
                "boolean" => ("Boolean", Ty::Bool),
                _ => {
                    self.errors.push(format!("unsupported schema at {pointer}: type list with `{t}`"));
                    return None;
                }
            };
            variants.push(Variant { name: name.into(), ty, key: t.into(), shape: None });
        }
        Some(ItemKind::Union { variants, strategy: Strategy::Kind })
    }

    /// `anyOf`: decides the union strategy.
    fn lower_union(&mut self, members: &[Value], name: &str, pointer: &str) -> Option<ItemKind> {
        let refs: Vec<Option<String>> = members.iter().map(|m| self.def_of_ref(m).map(str::to_owned)).collect();
        let all_refs = refs.iter().all(Option::is_some);
        let resolved: Vec<Value> = members.iter().map(|m| self.resolve(m)).collect();
        let objects = resolved.iter().all(|m| is_object(m) || m.get("allOf").is_some());

        // MCP 2026: a result that may instead ask for input.
        if all_refs && refs.len() == 2 && refs[0].as_deref() == Some("InputRequiredResult") {
            let input = self.lower_def("InputRequiredResult");
            let complete = self.lower_def(refs[1].as_deref()?);
            let variants = vec![
                Variant { name: "InputRequired".into(), ty: input, key: "input_required".into(), shape: None },
                Variant { name: "Complete".into(), ty: complete, key: "complete".into(), shape: None },
            ];
            return Some(ItemKind::Union { variants, strategy: Strategy::ResultType });
        }

        if all_refs && objects {
            let defs: Vec<String> = refs.into_iter().flatten().collect();
            return Some(self.lower_object_union(&defs, &resolved));
        }

        // Anything else is told apart by JSON kind: one object member (or a union of objects) at most.
        let mut variants = Vec::new();
        let mut object_members = Vec::new();
        for (i, member) in members.iter().enumerate() {
            let r = &resolved[i];
            if is_object(r) || r.get("allOf").is_some() {
                object_members.push(member.clone());
                continue;
            }
            let member_pointer = format!("{pointer}/anyOf/{i}");
            match r.get("type") {
                Some(Value::Array(_)) => {
                    let Some(ItemKind::Union { variants: inner, .. }) =
                        self.lower_kind_union_of_types(r, &member_pointer)
                    else {
                        return None;
                    };
                    variants.extend(inner);
                }
                Some(Value::String(t)) => {
                    let ty = self.lower_ty(member, name, "Member", &member_pointer);
                    let vname = match t.as_str() {
                        "array" => "Array",
                        "string" => "String",
                        "integer" => "Integer",
                        "number" => "Number",
                        "boolean" => "Boolean",
                        _ => {
                            self.errors
                                .push(format!("unsupported schema at {member_pointer}: union member type `{t}`"));
                            return None;
                        }
                    };
                    variants.push(Variant { name: vname.into(), ty, key: t.clone(), shape: None });
                }
                _ => {
                    self.errors.push(format!("unsupported schema at {member_pointer}: union member without a type"));
                    return None;
                }
            }
        }
        match object_members.len() {
            0 => {}
            1 => {
                let ty = self.lower_ty(&object_members[0], name, "Object", pointer);
                let vname = match &ty {
                    Ty::Named(n) => n.clone(),
                    _ => "Object".into(),
                };
                variants.insert(0, Variant { name: vname, ty, key: "object".into(), shape: None });
            }
            _ => {
                let ty = self.union_of_refs(&object_members, name, pointer)?;
                variants.insert(0, Variant { name: "Single".into(), ty, key: "object".into(), shape: None });
                if let Some(v) = variants.iter_mut().find(|v| v.key == "array") {
                    v.name = "Multiple".into();
                }
            }
        }
        let kinds: BTreeSet<&str> = variants.iter().map(|v| v.key.as_str()).collect();
        if kinds.len() != variants.len() {
            self.errors.push(format!("unsupported schema at {pointer}: union members share a JSON kind"));
            return None;
        }
        Some(ItemKind::Union { variants, strategy: Strategy::Kind })
    }

    /// The object members of a mixed union, as an existing union definition with the same members or a new one.
    fn union_of_refs(&mut self, members: &[Value], parent: &str, pointer: &str) -> Option<Ty> {
        let wanted: Vec<Option<&str>> = members.iter().map(|m| self.def_of_ref(m)).collect();
        let existing = self.schema.defs.iter().find_map(|(def, schema)| {
            let list = schema.get("anyOf")?.as_array()?;
            let theirs: Vec<Option<&str>> = list.iter().map(|m| self.def_of_ref(m)).collect();
            (theirs == wanted).then(|| def.clone())
        });
        if let Some(def) = existing {
            return Some(self.lower_def(&def));
        }
        let schema = serde_json::json!({ "anyOf": members });
        Some(self.inline_item(&schema, parent, "Block", pointer))
    }

    /// A union whose members are all object definitions: tagged, by presence, or by shape.
    fn lower_object_union(&mut self, defs: &[String], resolved: &[Value]) -> ItemKind {
        let props: Vec<Map<String, Value>> = resolved.iter().map(|r| self.properties(r)).collect();
        let required: Vec<BTreeSet<String>> = resolved.iter().map(|r| self.required_of(r)).collect();
        let tys: Vec<Ty> = defs.iter().map(|d| self.lower_def(d)).collect();

        // A property that is a string constant in every member, with distinct values.
        let candidates = ["method", "type", "mode"];
        for tag in candidates {
            let values: Option<Vec<String>> =
                props.iter().map(|p| p.get(tag)?.get("const")?.as_str().map(str::to_owned)).collect();
            let Some(values) = values else { continue };
            let distinct: BTreeSet<&String> = values.iter().collect();
            if distinct.len() != values.len() {
                continue;
            }
            let optional: Vec<usize> = (0..defs.len()).filter(|&i| !required[i].contains(tag)).collect();
            let default = if optional.len() == 1 { Some(optional[0]) } else { None };
            let variants = defs
                .iter()
                .zip(values)
                .zip(tys)
                .map(|((def, value), ty)| {
                    let name = if tag == "method" { names::method_name(def) } else { names::variant_name(&value) };
                    Variant { name, ty, key: value, shape: None }
                })
                .collect();
            return ItemKind::Union { variants, strategy: Strategy::Tagged { field: tag.to_owned(), default } };
        }

        // A required property that no other member declares.
        let unique: Option<Vec<String>> = (0..defs.len())
            .map(|i| {
                required[i].iter().find(|k| (0..defs.len()).all(|j| j == i || !props[j].contains_key(*k))).cloned()
            })
            .collect();
        if let Some(keys) = unique {
            let variants = defs
                .iter()
                .zip(keys)
                .zip(tys)
                .map(|((def, key), ty)| Variant { name: names::type_name(def), ty, key, shape: None })
                .collect();
            return ItemKind::Union { variants, strategy: Strategy::Presence };
        }

        let variants = defs
            .iter()
            .zip(resolved)
            .zip(tys)
            .map(|((def, schema), ty)| Variant {
                name: names::type_name(def),
                ty,
                key: def.clone(),
                shape: Some(self.shape(schema, def == "InputRequiredResult")),
            })
            .collect();
        ItemKind::Union { variants, strategy: Strategy::Shape }
    }

    /// The structural description of an object schema; nested object properties (inline or referenced)
    /// are described too, down to `depth` levels.
    fn shape(&self, schema: &Value, input_required: bool) -> Shape {
        self.shape_at(schema, input_required, 2)
    }

    fn shape_at(&self, schema: &Value, input_required: bool, depth: usize) -> Shape {
        let props = self.properties(schema);
        let mut consts = Vec::new();
        let mut nested = Vec::new();
        for (k, v) in &props {
            if let Some(c) = v.get("const").and_then(Value::as_str) {
                consts.push((k.clone(), vec![c.to_owned()]));
            } else if let (Some(values), "type") = (string_enum(v), k.as_str()) {
                consts.push((k.clone(), values));
            } else if depth > 0 {
                let target = self.resolve(v);
                if is_object(&target) && !self.properties(&target).is_empty() {
                    nested.push((k.clone(), self.shape_at(&target, false, depth - 1)));
                }
            }
        }
        if input_required {
            consts.push(("resultType".into(), vec!["input_required".into()]));
        }
        let open = props.is_empty() || schema.get("additionalProperties").is_some_and(|a| a != &Value::Bool(false));
        Shape {
            consts,
            required: self.required_of(schema).into_iter().collect(),
            declared: props.keys().cloned().collect(),
            open,
            nested,
        }
    }

    /// Boxes struct fields and union payloads that would make a type contain itself.
    fn box_cycles(&mut self) {
        let edges: BTreeMap<String, Vec<String>> = self
            .items
            .iter()
            .map(|(name, item)| {
                let mut out = Vec::new();
                match &item.kind {
                    ItemKind::Struct { fields } => fields.iter().for_each(|f| direct(&f.ty, &mut out)),
                    ItemKind::Union { variants, .. } => variants.iter().for_each(|v| direct(&v.ty, &mut out)),
                    ItemKind::Alias(ty) => direct(ty, &mut out),
                    _ => {}
                }
                (name.clone(), out)
            })
            .collect();
        let reaches = |from: &str, to: &str| -> bool {
            let mut stack = vec![from.to_owned()];
            let mut seen = BTreeSet::new();
            while let Some(n) = stack.pop() {
                if n == to {
                    return true;
                }
                if seen.insert(n.clone()) {
                    stack.extend(edges.get(&n).cloned().unwrap_or_default());
                }
            }
            false
        };
        let mut boxed = Vec::new();
        for (name, item) in &self.items {
            let tys: Vec<(usize, &Ty)> = match &item.kind {
                ItemKind::Struct { fields } => fields.iter().map(|f| &f.ty).enumerate().collect(),
                ItemKind::Union { variants, .. } => variants.iter().map(|v| &v.ty).enumerate().collect(),
                _ => Vec::new(),
            };
            for (i, ty) in tys {
                if let Ty::Named(target) = ty
                    && reaches(target, name)
                {
                    boxed.push((name.clone(), i));
                }
            }
        }
        for (name, i) in boxed {
            if let Some(item) = self.items.get_mut(&name) {
                let ty = match &mut item.kind {
                    ItemKind::Struct { fields } => &mut fields[i].ty,
                    ItemKind::Union { variants, .. } => &mut variants[i].ty,
                    _ => continue,
                };
                *ty = Ty::Boxed(Box::new(ty.clone()));
            }
        }
    }
}

/// Boxes large struct members in every revision: a member whose type is a generated struct estimated
/// larger than [`BOX_ABOVE`] bytes inline, so that a message does not carry (and move, level by level,
/// while it is decoded) every large part inline. A 2026-07-28 request's `_meta` held the client's
/// capabilities and `clientInfo` inline, 544 of a `tools/call` params' 680 bytes.
///
/// The decision is per member name (struct, wire name), taken over all revisions together: a member
/// boxed in one revision is boxed in every revision that has it, so its Rust type does not change from
/// one revision to the next. Within a revision sizes are counted bottom up (a struct whose large members
/// are boxed may itself stay inline). Only struct members are boxed: a union member (a content block) is
/// content, always there and matched on, and union payloads stay inline too (boxing some variants and not
/// others adds an allocation without making the union smaller).
pub fn box_large(models: &mut [Model]) {
    let mut boxed = BTreeSet::new();
    for model in models.iter() {
        let items: BTreeMap<&str, &Item> = model.items.iter().map(|i| (i.name.as_str(), i)).collect();
        let mut sizes = Sizes { items: &items, memo: BTreeMap::new(), boxed: &mut boxed };
        for item in &model.items {
            sizes.of(&Ty::Named(item.name.clone()), 0);
        }
    }
    for model in models.iter_mut() {
        let targets: Vec<(usize, usize)> = {
            let items: BTreeMap<&str, &Item> = model.items.iter().map(|i| (i.name.as_str(), i)).collect();
            let mut targets = Vec::new();
            for (i, item) in model.items.iter().enumerate() {
                let ItemKind::Struct { fields } = &item.kind else { continue };
                for (j, field) in fields.iter().enumerate() {
                    if boxed.contains(&(item.name.clone(), field.wire.clone())) && is_struct(&items, &field.ty) {
                        targets.push((i, j));
                    }
                }
            }
            targets
        };
        for (i, j) in targets {
            if let ItemKind::Struct { fields } = &mut model.items[i].kind {
                fields[j].ty = Ty::Boxed(Box::new(fields[j].ty.clone()));
            }
        }
    }
}

/// Struct members whose type is estimated larger than this many bytes inline are boxed ([`box_large`]).
const BOX_ABOVE: usize = 128;

/// Whether `ty` names a struct of `items`, through aliases.
fn is_struct(items: &BTreeMap<&str, &Item>, ty: &Ty) -> bool {
    let mut ty = ty;
    for _ in 0..8 {
        let Ty::Named(name) = ty else { return false };
        match items.get(name.as_str()).map(|i| &i.kind) {
            Some(ItemKind::Alias(target)) => ty = target,
            Some(ItemKind::Struct { .. }) => return true,
            _ => return false,
        }
    }
    false
}

/// Size estimates of one revision's types, noting the members to box as it goes.
struct Sizes<'m, 'b> {
    items: &'m BTreeMap<&'m str, &'m Item>,
    memo: BTreeMap<String, usize>,
    /// (struct, wire name) of the members to box.
    boxed: &'b mut BTreeSet<(String, String)>,
}

impl Sizes<'_, '_> {
    /// An estimate of a type's inline size in bytes on a 64-bit target (the Rust layout is not known
    /// here): the leaf types' sizes, a sum over fields and the largest payload plus a tag for items. A
    /// member this estimate finds too large is noted in `boxed` and counted as a pointer.
    fn of(&mut self, ty: &Ty, depth: usize) -> usize {
        match ty {
            Ty::Bool => 1,
            Ty::Int | Ty::UInt | Ty::Boxed(_) => 8,
            Ty::Number => 16,
            Ty::String | Ty::Vec(_) | Ty::Map(_) | Ty::Object => 24,
            Ty::Rpc(path) if path == "JsonObject" => 24,
            Ty::Any | Ty::Rpc(_) => 32,
            Ty::ConstStr(_) | Ty::ConstInt(_) => 0,
            Ty::Named(name) => {
                if let Some(size) = self.memo.get(name) {
                    return *size;
                }
                // Cycles are boxed already; the depth only guards against a malformed alias loop.
                let Some(item) = self.items.get(name.as_str()).copied().filter(|_| depth < 32) else { return 8 };
                let size = match &item.kind {
                    ItemKind::Struct { fields } => {
                        let mut sum = 24; // `extra`
                        for f in fields {
                            let mut size = self.of(&f.ty, depth + 1);
                            if size > BOX_ABOVE && is_struct(self.items, &f.ty) {
                                self.boxed.insert((name.clone(), f.wire.clone()));
                                size = 8;
                            }
                            // `Option` takes a spare bit pattern of every type but the plain integers.
                            let tagged = !f.required && matches!(f.ty, Ty::Int | Ty::UInt);
                            sum += if tagged { 16 } else { size };
                        }
                        sum
                    }
                    ItemKind::StringEnum { .. } => 1,
                    ItemKind::Union { variants, .. } => {
                        variants.iter().map(|v| self.of(&v.ty, depth + 1)).max().unwrap_or(0) + 8
                    }
                    ItemKind::Alias(ty) => self.of(ty, depth + 1),
                    ItemKind::ConstStr { .. } | ItemKind::ConstInt { .. } => 0,
                };
                self.memo.insert(name.clone(), size);
                size
            }
        }
    }
}

/// Named types a type contains by value (not behind a `Vec` or map).
fn direct(ty: &Ty, out: &mut Vec<String>) {
    match ty {
        Ty::Named(n) => out.push(n.clone()),
        Ty::Boxed(_) | Ty::Vec(_) | Ty::Map(_) => {}
        _ => {}
    }
}

fn required_set(schema: &Value) -> BTreeSet<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

fn string_enum(schema: &Value) -> Option<Vec<String>> {
    let values = schema.get("enum")?.as_array()?;
    values.iter().map(|v| v.as_str().map(str::to_owned)).collect()
}

/// The schema's description as a doc comment.
fn description(schema: &Value) -> Option<String> {
    schema.get("description").and_then(Value::as_str).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}
