//! Static descriptions of .rep classes and PODs, emitted by the code generator. They carry the
//! member lists with their types spelled per Qt version, from which the run-time
//! [`SourceClass`] is built exactly as [`crate::rep::source_class`] builds it.

use crate::core::classdef::{EnumDef, GadgetDef, GadgetSection};
use crate::core::names::push_slot;
use crate::core::{ClassBuilder, Dialect, Gadget, PropertyMode, SourceClass, TypeRegistry, Value};

use super::convert::{unwrap, ConvertError};

/// A type name as a Qt 6 and a Qt 5.15 host spell it (they differ for nested templates and
/// some class-scoped enums).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ty {
    /// Qt 6 spelling.
    pub qt6: &'static str,
    /// Qt 5.15 spelling.
    pub qt5: &'static str,
}

impl Ty {
    /// The same spelling in both versions.
    pub const fn both(name: &'static str) -> Ty {
        Ty { qt6: name, qt5: name }
    }

    /// Different spellings.
    pub const fn new(qt6: &'static str, qt5: &'static str) -> Ty {
        Ty { qt6, qt5 }
    }

    /// The spelling for `dialect`.
    pub const fn get(self, dialect: Dialect) -> &'static str {
        match dialect {
            Dialect::Qt6 => self.qt6,
            Dialect::Qt5 => self.qt5,
        }
    }
}

/// What declared a property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberKind {
    /// `PROP(...)`
    Prop,
    /// `CLASS name(Type)`: a child object.
    Class,
    /// `MODEL name(roles)`: a child item model.
    Model,
}

/// One property of a class.
#[derive(Debug, Clone, Copy)]
pub struct PropertySpec {
    /// Property name as in the .rep file.
    pub name: &'static str,
    /// Type as the host publishes it.
    pub ty: Ty,
    /// The .rep modifier.
    pub mode: PropertyMode,
    /// `PERSISTED` was given.
    pub persisted: bool,
    /// `PROP`, `CLASS` or `MODEL`.
    pub kind: MemberKind,
    /// For a `CLASS` member: the child's class (when the .rep file declares it).
    pub child: Option<&'static ClassSpec>,
}

/// A parameter of a signal or slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamSpec {
    /// Name (`__repc_variable_<n>` when unnamed, as repc names it).
    pub name: &'static str,
    /// Normalized type as it appears in the signature.
    pub ty: Ty,
}

/// A declared `SIGNAL` or `SLOT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FunctionSpec {
    /// Name.
    pub name: &'static str,
    /// Parameters.
    pub params: &'static [ParamSpec],
    /// Return type (`void` for signals and slots without one).
    pub ret: Ty,
}

impl FunctionSpec {
    /// Parameter types for `dialect`.
    pub fn param_types(&self, dialect: Dialect) -> Vec<&'static str> {
        self.params.iter().map(|p| p.ty.get(dialect)).collect()
    }

    /// (name, type) of each parameter, for `dialect`.
    fn params(&self, dialect: Dialect) -> Vec<(&'static str, &'static str)> {
        self.params.iter().map(|p| (p.name, p.ty.get(dialect))).collect()
    }
}

/// An enum or flag of a class or POD, as published in class definitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnumSpec {
    /// Name (the flag alias name for a flag).
    pub name: &'static str,
    /// A `FLAG`.
    pub is_flag: bool,
    /// `ENUM class`.
    pub is_scoped: bool,
    /// Size in bytes.
    pub size: u32,
    /// Keys and values in declaration order.
    pub keys: &'static [(&'static str, i32)],
}

impl EnumSpec {
    fn def(&self) -> EnumDef {
        EnumDef {
            name: self.name.into(),
            is_flag: self.is_flag,
            is_scoped: self.is_scoped,
            size: self.size,
            keys: self.keys.iter().map(|(k, v)| ((*k).into(), *v)).collect(),
        }
    }
}

/// A .rep `class`.
#[derive(Debug, Clone, Copy)]
pub struct ClassSpec {
    /// Class (API type) name.
    pub name: &'static str,
    /// The repc signature (Qt 6, Qt 5.15).
    pub signature: Ty,
    /// Class enums, then one record per flag.
    pub enums: &'static [EnumSpec],
    /// `PROP`, `CLASS` and `MODEL` members in declaration order.
    pub properties: &'static [PropertySpec],
    /// Declared signals (the notify signals come before them on the wire).
    pub signals: &'static [FunctionSpec],
    /// Declared slots (the `push<Prop>` methods come before them on the wire).
    pub slots: &'static [FunctionSpec],
    /// The .rep default values as sent for a dialect (placeholders for children and models).
    pub defaults: fn(Dialect) -> Vec<Value>,
    /// The PODs the interface uses (in properties, parameters and return values, of the class
    /// and its children, and inside other PODs): their definitions go to dynamic replicas.
    pub gadgets: &'static [&'static PodSpec],
    /// The Qt-namespace enums the interface uses (`Qt::Orientation`).
    pub qt_enums: &'static [&'static str],
}

impl ClassSpec {
    /// Indices of the `PERSISTED` properties.
    pub fn persisted(&self) -> Vec<usize> {
        self.properties.iter().enumerate().filter(|(_, p)| p.persisted).map(|(i, _)| i).collect()
    }

    /// The name Qt gives the child object in `CLASS` property `index` of a source or replica
    /// called `api_name` (its name for a top-level object, its property name for a child):
    /// `Class::<api_name>::<prop>` in Qt 6, `Class::<prop>` in Qt 5.
    pub fn child_name(&self, dialect: Dialect, api_name: &str, index: usize) -> String {
        let prop = self.properties[index].name;
        match dialect {
            Dialect::Qt6 => format!("Class::{api_name}::{prop}"),
            Dialect::Qt5 => format!("Class::{prop}"),
        }
    }

    /// Wire index of the first declared signal (after the notify signals).
    pub fn first_signal(&self) -> usize {
        self.properties.iter().filter(|p| p.mode != PropertyMode::Constant).count()
    }

    /// The name of the `push<Prop>` method of property `index`.
    pub fn push_method(&self, index: usize) -> String {
        push_slot(self.properties[index].name)
    }

    /// The gadget section of the class definition: what a dynamic replica needs to decode the
    /// PODs and Qt enums of the interface.
    pub fn gadget_section(&self, dialect: Dialect) -> GadgetSection {
        GadgetSection {
            qt_enums: self.qt_enums.iter().map(|e| (*e).to_owned()).collect(),
            gadgets: self.gadgets.iter().map(|p| p.def(dialect)).collect(),
        }
    }

    /// The run-time class for `dialect` with initial property values `defaults` (one per
    /// property, in order; missing ones are invalid values): the same definition, modes, indexes
    /// and signature [`crate::rep::source_class`] gives, derived by the same [`ClassBuilder`],
    /// plus the gadget section ([`ClassSpec::gadget_section`]).
    pub fn source_class(&self, dialect: Dialect, defaults: Vec<Value>) -> SourceClass {
        let defaults = defaults.into_iter().chain(std::iter::repeat(Value::Invalid));
        let mut builder = ClassBuilder::new(self.name)
            .signature(Some(self.signature.get(dialect).into()))
            .gadgets(self.gadget_section(dialect));
        for e in self.enums {
            builder = builder.enumeration(e.def());
        }
        for (p, initial) in self.properties.iter().zip(defaults) {
            builder = builder.property(p.name, p.ty.get(dialect), p.mode, initial);
        }
        for s in self.signals {
            builder = builder.signal(s.name, &s.params(dialect));
        }
        for s in self.slots {
            builder = builder.slot(s.name, &s.params(dialect), s.ret.get(dialect));
        }
        builder.build()
    }
}

/// A field of a POD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// Field name.
    pub name: &'static str,
    /// Field type.
    pub ty: Ty,
}

/// A .rep `POD` (a Q_GADGET on the Qt side).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PodSpec {
    /// POD name: the gadget's type name on the wire.
    pub name: &'static str,
    /// Fields in declaration order.
    pub fields: &'static [FieldSpec],
    /// Enums and flags declared inside the POD (registered as `<Pod>::<Enum>`).
    pub enums: &'static [EnumSpec],
}

impl PodSpec {
    /// Type of field `index` for `dialect`.
    pub fn field_type(&self, index: usize, dialect: Dialect) -> &'static str {
        self.fields[index].ty.get(dialect)
    }

    /// A gadget value of this POD.
    pub fn gadget(&self, fields: Vec<Value>) -> Value {
        Value::Gadget(Gadget { type_name: self.name.into(), fields })
    }

    /// The field values of a received gadget of this POD.
    pub fn fields_of<'v>(&self, value: &'v Value) -> Result<&'v [Value], ConvertError> {
        let fields = match unwrap(value) {
            Value::Gadget(g) => &g.fields,
            Value::Struct(s) => &s.fields,
            v => return Err(ConvertError::mismatch(self.name, v)),
        };
        if fields.len() < self.fields.len() {
            return Err(ConvertError::FieldCount {
                type_name: self.name,
                expected: self.fields.len(),
                found: fields.len(),
            });
        }
        Ok(fields)
    }

    /// Converts field `index` of `fields` (from [`PodSpec::fields_of`]).
    pub fn field<T: super::FromValue>(&self, fields: &[Value], index: usize) -> Result<T, ConvertError> {
        T::from_value(&fields[index]).map_err(|e| e.within(format!("{}.{}", self.name, self.fields[index].name)))
    }

    /// The gadget's record in a class definition.
    pub fn def(&self, dialect: Dialect) -> GadgetDef {
        GadgetDef {
            name: self.name.into(),
            properties: self.fields.iter().map(|f| (f.name.to_owned(), f.ty.get(dialect).to_owned())).collect(),
            enums: self.enums.iter().map(EnumSpec::def).collect(),
        }
    }

    /// Registers the gadget and its enums so values containing it can be decoded.
    pub fn register(&self, types: &mut TypeRegistry) {
        let dialect = types.dialect();
        let fields = self.fields.iter().map(|f| (f.name.to_owned(), f.ty.get(dialect).to_owned())).collect();
        types.register_gadget(self.name, fields);
        for e in self.enums {
            let desc = e.def().type_desc(Some(dialect));
            types.register(&format!("{}::{}", self.name, e.name), desc);
        }
    }
}
