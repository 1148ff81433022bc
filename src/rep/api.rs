//! The three ordered member lists of a class (api-model-and-indexes.md §2). Every wire index
//! (property, signal, method) is a position in one of them.
//!
//! Type names are given the way a stock Qt host publishes them for a repc `…Source` object:
//! moc-normalized, class enums qualified with the API type name (`Rich::Color`; the host
//! rewrites `RichSource::` to `Rich::`), FLAG aliases unqualified (`Opts`), CLASS children as
//! `<Type>Source*` and MODEL children as `QAbstractItemModel*`. Container-of-gadget types are
//! kept as declared (`QList<Point3>`); replacing them by `QtROSequentialContainer` /
//! `QtROAssociativeContainer` in definitions is left to the definition builder.
//!
//! The member *order* is the same for both dialects; only the spelling of types differs
//! ([`Class::api_for`]): Qt 5.15 qualifies a class enum only when it is the whole type (not
//! inside `QList<Color>`) and normalizes like Qt 5 moc (`QList<QList<int> >`).

use serde::{Deserialize, Serialize};

use super::ast::{enum_defs, Class, Function, Modifier, Property, PropertyKind};
use crate::core::names::member_name;
use crate::core::typename::normalize_type_for;
use crate::core::{ClassBuilder, Dialect, EnumDef, MethodKind, SourceClass, Value};

/// The ordered API of one class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiLists {
    /// The API type name (the class name).
    pub type_name: String,
    /// Properties: `PROP`, `CLASS` and `MODEL` in declaration order.
    pub properties: Vec<ApiProperty>,
    /// Signals: `<prop>Changed` of every non-CONSTANT property, then the `SIGNAL`s.
    pub signals: Vec<ApiMethod>,
    /// Methods: `push<Prop>` of every READPUSH property, then the `SLOT`s.
    pub methods: Vec<ApiMethod>,
    /// Class enums in declaration order, then one record per FLAG (a flag repeats its enum's
    /// keys and is 4 bytes wide).
    pub enums: Vec<EnumDef>,
}

/// One entry of [`ApiLists::properties`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiProperty {
    /// Property name.
    pub name: String,
    /// Normalized type (see the module docs).
    pub type_name: String,
    /// Access modifier.
    pub modifier: Modifier,
    /// `PERSISTED` was given.
    pub persisted: bool,
    /// PROP, CLASS child (type name = child class) or MODEL (with roles).
    pub kind: PropertyKind,
    /// For CLASS children: the child's .rep class name.
    pub child_class: Option<String>,
    /// Index of the notify signal in [`ApiLists::signals`] (`None` for CONSTANT).
    pub notify_signal: Option<usize>,
    /// Index of the `push<Name>` method in [`ApiLists::methods`] (READPUSH only).
    pub push_method: Option<usize>,
}

/// One entry of [`ApiLists::signals`] or [`ApiLists::methods`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiMethod {
    /// Function name (`valueChanged`, `pushValue`, `add`).
    pub name: String,
    /// Normalized signature, e.g. `add(int,int)`.
    pub signature: String,
    /// Normalized return type (`void` for signals and push methods).
    pub return_type: String,
    /// Normalized parameter types.
    pub parameter_types: Vec<String>,
    /// Parameter names (the property name for notify signals and push methods).
    pub parameter_names: Vec<String>,
    /// The property a notify signal or push method belongs to.
    pub property_index: Option<usize>,
}

impl ApiLists {
    /// Index of the property called `name`.
    pub fn property_index(&self, name: &str) -> Option<usize> {
        self.properties.iter().position(|p| p.name == name)
    }

    /// Index of the signal with the given normalized signature (`valueChanged(int)`).
    pub fn signal_index(&self, signature: &str) -> Option<usize> {
        self.signals.iter().position(|s| s.signature == signature)
    }

    /// Index of the method with the given normalized signature (`add(int,int)`).
    pub fn method_index(&self, signature: &str) -> Option<usize> {
        self.methods.iter().position(|m| m.signature == signature)
    }
}

/// `ty` with every word `own` accepts prefixed with `scope::` (`QList<Color>` →
/// `QList<Rich::Color>`): how repc and Qt name a class's or a POD's own enums.
pub(crate) fn qualify_words(ty: &str, scope: &str, own: impl Fn(&str) -> bool) -> String {
    let mut out = String::with_capacity(ty.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if own(word) {
            out.push_str(scope);
            out.push_str("::");
        }
        out.push_str(word);
        word.clear();
    };
    for c in ty.chars() {
        if matches!(c, '<' | '>' | ',' | '&' | '*') || c.is_whitespace() {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

impl Class {
    /// Qualifies class enums in a property or return type like repc: Qt 6 qualifies every
    /// word (`QList<Color>` → `QList<Rich::Color>`), Qt 5.15 only a type that is the enum.
    fn qualify_words(&self, ty: &str, dialect: Dialect) -> String {
        if dialect == Dialect::Qt5 {
            return match self.enum_named(ty) {
                Some(_) => format!("{}::{ty}", self.name),
                None => ty.to_string(),
            };
        }
        qualify_words(ty, &self.name, |w| self.enum_named(w).is_some())
    }

    /// Parameter types are only qualified when the whole type is a class enum.
    fn param_types(&self, f: &Function, dialect: Dialect) -> Vec<String> {
        f.params
            .iter()
            .map(|p| {
                let mut p = p.clone();
                if self.enum_named(&p.type_name).is_some() {
                    p.type_name = format!("{}::{}", self.name, p.type_name);
                }
                normalize_type_for(&p.declared_type(), dialect)
            })
            .collect()
    }

    fn property_api_type(&self, index: usize, dialect: Dialect) -> String {
        let p = &self.properties[index];
        match p.kind {
            PropertyKind::Prop => normalize_type_for(&self.qualify_words(&p.type_name, dialect), dialect),
            PropertyKind::Class => format!("{}Source*", p.type_name),
            PropertyKind::Model { .. } => "QAbstractItemModel*".to_string(),
        }
    }

    /// The class with its members typed for `dialect`, ready to derive its API lists (and its
    /// run-time class) with the one derivation of [`ClassBuilder`]; `default` gives each
    /// property's initial value.
    pub(crate) fn builder(&self, dialect: Dialect, mut default: impl FnMut(&Property) -> Value) -> ClassBuilder {
        let mut builder = ClassBuilder::new(&self.name);
        for e in enum_defs(&self.enums, &self.flags) {
            builder = builder.enumeration(e);
        }
        for (i, p) in self.properties.iter().enumerate() {
            builder = builder.property(&p.name, &self.property_api_type(i, dialect), p.modifier.mode(), default(p));
        }
        let typed_params = |f: &Function| -> Vec<(String, String)> {
            f.params.iter().map(|p| p.name.clone()).zip(self.param_types(f, dialect)).collect()
        };
        fn borrowed(params: &[(String, String)]) -> Vec<(&str, &str)> {
            params.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect()
        }
        for f in &self.signals {
            builder = builder.signal(&f.name, &borrowed(&typed_params(f)));
        }
        for f in &self.slots {
            let ret = normalize_type_for(&self.qualify_words(&f.return_type, dialect), dialect);
            builder = builder.slot(&f.name, &borrowed(&typed_params(f)), &ret);
        }
        builder
    }

    /// The ordered property, signal, method and enum lists that define the wire indexes, with
    /// types spelled as a Qt 6 host publishes them.
    pub fn api(&self) -> ApiLists {
        self.api_for(Dialect::Qt6)
    }

    /// [`Class::api`] with types spelled for the given Qt version.
    pub fn api_for(&self, dialect: Dialect) -> ApiLists {
        ApiLists::of(self, self.builder(dialect, |_| Value::Invalid).build())
    }
}

impl ApiLists {
    /// The lists of `built`, the run-time class of `class`, with what the .rep file adds.
    fn of(class: &Class, built: SourceClass) -> ApiLists {
        let SourceClass { definition: def, notify_index, method_kinds, slot_params, signal_params, .. } = built;
        let first_declared = def.signals.len() - signal_params.len();
        let mut notified = vec![0; first_declared];
        for (p, s) in notify_index.iter().enumerate() {
            if let Some(s) = s {
                notified[*s] = p;
            }
        }
        let mut push_method = vec![None; def.properties.len()];
        let type_names = |params: &[crate::core::Param]| params.iter().map(|p| p.type_name.clone()).collect();
        let property_type = |p: usize| vec![def.properties[p].type_name.clone()];
        let signals = def
            .signals
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let (parameter_types, property_index) = match i.checked_sub(first_declared) {
                    None => (property_type(notified[i]), Some(notified[i])),
                    Some(d) => (type_names(&signal_params[d]), None),
                };
                ApiMethod {
                    name: member_name(&s.signature).to_owned(),
                    signature: s.signature.clone(),
                    return_type: "void".into(),
                    parameter_types,
                    parameter_names: s.parameter_names.clone(),
                    property_index,
                }
            })
            .collect();
        let methods = def
            .methods
            .iter()
            .zip(&method_kinds)
            .enumerate()
            .map(|(i, (m, kind))| {
                let (parameter_types, property_index) = match *kind {
                    MethodKind::Push(p) => {
                        push_method[p] = Some(i);
                        (property_type(p), Some(p))
                    }
                    MethodKind::Slot(s) => (type_names(&slot_params[s]), None),
                };
                ApiMethod {
                    name: member_name(&m.signature).to_owned(),
                    signature: m.signature.clone(),
                    return_type: m.return_type.clone(),
                    parameter_types,
                    parameter_names: m.parameter_names.clone(),
                    property_index,
                }
            })
            .collect();
        let properties = def
            .properties
            .into_iter()
            .zip(&class.properties)
            .zip(notify_index.into_iter().zip(push_method))
            .map(|((api, p), (notify_signal, push_method))| ApiProperty {
                name: api.name,
                type_name: api.type_name,
                modifier: p.modifier,
                persisted: p.persisted,
                kind: p.kind.clone(),
                child_class: (p.kind == PropertyKind::Class).then(|| p.type_name.clone()),
                notify_signal,
                push_method,
            })
            .collect();
        ApiLists { type_name: class.name.clone(), properties, signals, methods, enums: def.enums }
    }
}
