//! The shape of a source: its API lists (what wire indexes mean), property modes and defaults.
//!
//! A [`SourceClass`] is built at run time with [`ClassBuilder`] (dynamic sources) or from a `.rep`
//! class; it produces the [`ClassDefinition`] dynamic replicas receive and the index mappings the
//! host uses to dispatch invokes.
//!
//! # Example
//!
//! A class with the API lists repc would derive, and a value given a declared type with
//! [`convert`](super::convert()) before it goes to a peer:
//!
//! ```
//! use qtro_rs::core::{convert, ClassBuilder, Dialect, PropertyMode, TypeRegistry, Value};
//!
//! let class = ClassBuilder::new("Counter")
//!     .property("count", "int", PropertyMode::ReadPush, Value::Int(0))
//!     .signal("overflowed", &[("limit", "int")])
//!     .slot("scale", &[("factor", "double")], "void")
//!     .build();
//! let signals: Vec<&str> = class.definition.signals.iter().map(|s| s.signature.as_str()).collect();
//! assert_eq!(signals, ["countChanged(int)", "overflowed(int)"]);
//! let methods: Vec<&str> = class.definition.methods.iter().map(|m| m.signature.as_str()).collect();
//! assert_eq!(methods, ["pushCount(int)", "scale(double)"]);
//!
//! // A Qt peer reads `scale`'s argument as a double, whatever it is sent: an int is converted
//! // (losslessly), text is refused rather than sent.
//! let types = TypeRegistry::new(Dialect::Qt6);
//! assert_eq!(convert(Value::Int(2), "double", &types)?, Value::Double(2.0));
//! assert!(convert(Value::string("two"), "double", &types).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::{Deserialize, Serialize};

use super::classdef::{ClassDefinition, EnumDef, GadgetSection, MethodDef, PropertyDef, SignalDef};
use super::names::{notify_signal, push_slot, signature};
use super::value::Value;

/// How a property may change, as in .rep files. Decides the API lists: non-CONSTANT properties get
/// a `<name>Changed` notify signal, READPUSH ones a `push<Name>` slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PropertyMode {
    /// Fixed at construction; no notify signal.
    Constant,
    /// Changed by the source only.
    ReadOnly,
    /// Replicas request changes through the `push<Name>` slot (the .rep default).
    ReadPush,
    /// Replicas write it directly (WriteProperty).
    ReadWrite,
    /// Changed by the source only (public setter on the source side).
    SourceOnlySetter,
}

impl PropertyMode {
    /// Whether the property has a `<name>Changed` notify signal (all but CONSTANT).
    pub fn has_notify(self) -> bool {
        self != PropertyMode::Constant
    }

    /// May a replica write it with a WriteProperty invoke?
    pub fn replica_writable(self) -> bool {
        self == PropertyMode::ReadWrite
    }
}

/// A parameter: name and normalized C++ type name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Param {
    /// The parameter name (may be empty).
    pub name: String,
    /// Its normalized C++ type name.
    pub type_name: String,
}

impl Param {
    /// A parameter named `name` of type `type_name`.
    pub fn new(name: impl Into<String>, type_name: impl Into<String>) -> Self {
        Param { name: name.into(), type_name: type_name.into() }
    }
}

/// What a method index denotes on the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MethodKind {
    /// `push<Prop>(T)`: sets property `index`.
    Push(usize),
    /// A declared slot: position among the declared slots.
    Slot(usize),
}

/// A remotable class: definition, property modes and defaults, and index mappings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceClass {
    /// The definition dynamic replicas receive; its lists give the wire indexes.
    pub definition: ClassDefinition,
    /// Per property: its mode.
    pub modes: Vec<PropertyMode>,
    /// Per property: its initial value.
    pub defaults: Vec<Value>,
    /// The repc signature to advertise; `None` disables the check on static Qt replicas.
    pub signature: Option<String>,
    /// Per property: its notify signal's index.
    pub notify_index: Vec<Option<usize>>,
    /// Per method: what it is.
    pub method_kinds: Vec<MethodKind>,
    /// Declared slots' parameter types, by declared-slot position.
    pub slot_params: Vec<Vec<Param>>,
    /// Declared signals' parameter types, by declared-signal position.
    pub signal_params: Vec<Vec<Param>>,
}

impl SourceClass {
    /// The class's type name (`""` if it has none).
    pub fn type_name(&self) -> &str {
        self.definition.type_name.as_deref().unwrap_or("")
    }

    /// Number of properties.
    pub fn property_count(&self) -> usize {
        self.definition.properties.len()
    }

    /// Index of the property named `name`.
    pub fn property_index(&self, name: &str) -> Option<usize> {
        self.definition.property_index(name)
    }

    /// Index of a declared signal (after the notify signals) by name.
    pub fn signal_index(&self, name: &str) -> Option<usize> {
        let first_declared = self.definition.signals.len() - self.signal_params.len();
        self.definition.signals[first_declared..]
            .iter()
            .position(|s| s.signature.strip_prefix(name).is_some_and(|rest| rest.starts_with('(')))
            .map(|i| i + first_declared)
    }

    /// Index of a method (push slot or declared slot) by name.
    pub fn method_index(&self, name: &str) -> Option<usize> {
        self.definition.method_index(name)
    }

    /// How many parameters method `index` takes (without copying them, as
    /// [`SourceClass::method_params`] does).
    pub fn method_param_count(&self, index: usize) -> Option<usize> {
        match *self.method_kinds.get(index)? {
            MethodKind::Push(_) => Some(1),
            MethodKind::Slot(s) => self.slot_params.get(s).map(Vec::len),
        }
    }

    /// Parameters of the method at `index`.
    pub fn method_params(&self, index: usize) -> Option<Vec<Param>> {
        match *self.method_kinds.get(index)? {
            MethodKind::Push(p) => {
                let prop = &self.definition.properties[p];
                Some(vec![Param::new(prop.name.clone(), prop.type_name.clone())])
            }
            MethodKind::Slot(s) => self.slot_params.get(s).cloned(),
        }
    }
}

/// Builds a [`SourceClass`] in declaration order, deriving the API lists the way repc does.
///
/// This is the one derivation of a class's API lists: classes read from `.rep` files
/// ([`crate::rep::source_class`], [`crate::rep::Class::api`]) and the static descriptions of
/// generated code ([`crate::typed::ClassSpec::source_class`]) are built with it too.
#[derive(Debug, Clone, Default)]
pub struct ClassBuilder {
    type_name: String,
    enums: Vec<EnumDef>,
    gadgets: GadgetSection,
    properties: Vec<(String, String, PropertyMode, Value)>,
    signals: Vec<(String, Vec<Param>)>,
    slots: Vec<(String, Vec<Param>, String)>,
    signature: Option<String>,
}

impl ClassBuilder {
    /// A class named `type_name` (the type name replicas see), with no members yet.
    pub fn new(type_name: impl Into<String>) -> Self {
        ClassBuilder { type_name: type_name.into(), ..Default::default() }
    }

    /// A property with its C++ type name, mode and initial value.
    pub fn property(mut self, name: &str, type_name: &str, mode: PropertyMode, initial: Value) -> Self {
        self.properties.push((name.into(), type_name.into(), mode, initial));
        self
    }

    /// A signal with (name, type) parameters.
    pub fn signal(mut self, name: &str, params: &[(&str, &str)]) -> Self {
        self.signals.push((name.into(), params.iter().map(|(n, t)| Param::new(*n, *t)).collect()));
        self
    }

    /// A slot with (name, type) parameters and a return type (`void` for none).
    pub fn slot(mut self, name: &str, params: &[(&str, &str)], return_type: &str) -> Self {
        self.slots.push((name.into(), params.iter().map(|(n, t)| Param::new(*n, *t)).collect(), return_type.into()));
        self
    }

    /// An enum of the class (`size` in bytes); its values travel as integers of that size.
    pub fn enumeration(mut self, def: EnumDef) -> Self {
        self.enums.push(def);
        self
    }

    /// The gadgets and Qt enums the interface uses, for the definition dynamic replicas receive.
    pub fn gadgets(mut self, gadgets: GadgetSection) -> Self {
        self.gadgets = gadgets;
        self
    }

    /// The signature to advertise (e.g. computed from the matching .rep by repc rules).
    pub fn signature(mut self, sig: Option<String>) -> Self {
        self.signature = sig;
        self
    }

    /// The class, with its API lists derived as repc derives them: a `<name>Changed` notify
    /// signal per non-CONSTANT property, then the declared signals; a `push<Name>` slot per
    /// READPUSH property, then the declared slots.
    pub fn build(self) -> SourceClass {
        let mut def = ClassDefinition {
            type_name: Some(self.type_name),
            enums: self.enums,
            gadgets: self.gadgets,
            ..Default::default()
        };
        let mut notify_index = Vec::with_capacity(self.properties.len());
        for (name, ty, mode, _) in &self.properties {
            if mode.has_notify() {
                notify_index.push(Some(def.signals.len()));
                def.signals.push(SignalDef {
                    signature: signature(&notify_signal(name), &[ty]),
                    parameter_names: vec![name.clone()],
                });
            } else {
                notify_index.push(None);
            }
        }
        for (name, params) in &self.signals {
            def.signals.push(SignalDef {
                signature: param_signature(name, params),
                parameter_names: params.iter().map(|p| p.name.clone()).collect(),
            });
        }
        let mut method_kinds = Vec::new();
        for (i, (name, ty, mode, _)) in self.properties.iter().enumerate() {
            if *mode == PropertyMode::ReadPush {
                method_kinds.push(MethodKind::Push(i));
                def.methods.push(MethodDef {
                    signature: signature(&push_slot(name), &[ty]),
                    return_type: "void".into(),
                    parameter_names: vec![name.clone()],
                });
            }
        }
        for (i, (name, params, ret)) in self.slots.iter().enumerate() {
            method_kinds.push(MethodKind::Slot(i));
            def.methods.push(MethodDef {
                signature: param_signature(name, params),
                return_type: ret.clone(),
                parameter_names: params.iter().map(|p| p.name.clone()).collect(),
            });
        }
        for (i, (name, ty, _, _)) in self.properties.iter().enumerate() {
            def.properties.push(PropertyDef {
                name: name.clone(),
                type_name: ty.clone(),
                notify_signal: notify_index[i].map(|s| def.signals[s].signature.clone()),
            });
        }
        SourceClass {
            definition: def,
            modes: self.properties.iter().map(|p| p.2).collect(),
            defaults: self.properties.into_iter().map(|p| p.3).collect(),
            signature: self.signature,
            notify_index,
            method_kinds,
            slot_params: self.slots.into_iter().map(|s| s.1).collect(),
            signal_params: self.signals.into_iter().map(|s| s.1).collect(),
        }
    }
}

/// `name(T1,T2)` of a member with these parameters.
fn param_signature(name: &str, params: &[Param]) -> String {
    let types: Vec<&str> = params.iter().map(|p| p.type_name.as_str()).collect();
    signature(name, &types)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The reference class of the captures: its definition must equal what a Qt 6.4 host sent.
    pub(crate) fn simple() -> SourceClass {
        ClassBuilder::new("Simple")
            .property("value", "int", PropertyMode::ReadPush, Value::Int(0))
            .property("name", "QString", PropertyMode::ReadWrite, Value::String(None))
            .signal("fired", &[("code", "int")])
            .slot("add", &[("a", "int"), ("b", "int")], "int")
            .slot("reset", &[], "void")
            .signature(Some("d73490aa59d4e788b36b725dafcbbcdddb485d09".into()))
            .build()
    }

    #[test]
    fn api_lists_follow_repc_order() {
        let c = simple();
        let sigs: Vec<_> = c.definition.signals.iter().map(|s| s.signature.as_str()).collect();
        assert_eq!(sigs, ["valueChanged(int)", "nameChanged(QString)", "fired(int)"]);
        let methods: Vec<_> = c.definition.methods.iter().map(|m| m.signature.as_str()).collect();
        assert_eq!(methods, ["pushValue(int)", "add(int,int)", "reset()"]);
        assert_eq!(c.method_kinds, [MethodKind::Push(0), MethodKind::Slot(0), MethodKind::Slot(1)]);
        assert_eq!(c.signal_index("fired"), Some(2));
        assert_eq!(c.method_index("reset"), Some(2));
        assert_eq!(c.notify_index, [Some(0), Some(1)]);
    }
}
