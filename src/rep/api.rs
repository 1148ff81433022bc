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

use super::ast::{Class, EnumKey, Function, Modifier, PropertyKind};
use super::normalize::{normalize_type_for, signature};
use crate::core::Dialect;

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
    /// Class enums in declaration order, then one record per FLAG.
    pub enums: Vec<ApiEnum>,
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

/// One entry of [`ApiLists::enums`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiEnum {
    /// Enum name, or the flag alias name for a flag.
    pub name: String,
    /// This record is a `FLAG` alias of an enum listed before.
    pub is_flag: bool,
    /// `ENUM class`.
    pub is_scoped: bool,
    /// Size in bytes of the type (4 for flags).
    pub size: u32,
    /// Keys in declaration order (a flag repeats its enum's keys).
    pub keys: Vec<EnumKey>,
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

/// `"value"` → `"Value"` (repc's `cap()`).
pub(crate) fn capitalize(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
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

    /// The ordered property, signal, method and enum lists that define the wire indexes, with
    /// types spelled as a Qt 6 host publishes them.
    pub fn api(&self) -> ApiLists {
        self.api_for(Dialect::Qt6)
    }

    /// [`Class::api`] with types spelled for the given Qt version.
    pub fn api_for(&self, dialect: Dialect) -> ApiLists {
        let mut properties = Vec::with_capacity(self.properties.len());
        let mut signals = Vec::new();
        let mut methods = Vec::new();

        for (i, p) in self.properties.iter().enumerate() {
            let ty = self.property_api_type(i, dialect);
            let notify_signal = (p.modifier != Modifier::Constant).then(|| {
                let name = format!("{}Changed", p.name);
                signals.push(ApiMethod {
                    signature: signature(&name, std::slice::from_ref(&ty)),
                    name,
                    return_type: "void".into(),
                    parameter_types: vec![ty.clone()],
                    parameter_names: vec![p.name.clone()],
                    property_index: Some(i),
                });
                signals.len() - 1
            });
            let push_method = (p.modifier == Modifier::ReadPush).then(|| {
                let name = format!("push{}", capitalize(&p.name));
                methods.push(ApiMethod {
                    signature: signature(&name, std::slice::from_ref(&ty)),
                    name,
                    return_type: "void".into(),
                    parameter_types: vec![ty.clone()],
                    parameter_names: vec![p.name.clone()],
                    property_index: Some(i),
                });
                methods.len() - 1
            });
            properties.push(ApiProperty {
                name: p.name.clone(),
                type_name: ty,
                modifier: p.modifier,
                persisted: p.persisted,
                kind: p.kind.clone(),
                child_class: (p.kind == PropertyKind::Class).then(|| p.type_name.clone()),
                notify_signal,
                push_method,
            });
        }

        for (f, is_slot) in self.signals.iter().map(|f| (f, false)).chain(self.slots.iter().map(|f| (f, true))) {
            let parameter_types = self.param_types(f, dialect);
            let entry = ApiMethod {
                signature: signature(&f.name, &parameter_types),
                name: f.name.clone(),
                return_type: normalize_type_for(&self.qualify_words(&f.return_type, dialect), dialect),
                parameter_types,
                parameter_names: f.params.iter().map(|p| p.name.clone()).collect(),
                property_index: None,
            };
            if is_slot {
                methods.push(entry);
            } else {
                signals.push(entry);
            }
        }

        let mut enums: Vec<ApiEnum> = self
            .enums
            .iter()
            .map(|e| ApiEnum {
                name: e.name.clone(),
                is_flag: false,
                is_scoped: e.scoped,
                size: e.byte_size(),
                keys: e.keys.clone(),
            })
            .collect();
        for f in &self.flags {
            if let Some(e) = self.enum_named(&f.enum_name) {
                enums.push(ApiEnum {
                    name: f.name.clone(),
                    is_flag: true,
                    is_scoped: e.scoped,
                    size: 4,
                    keys: e.keys.clone(),
                });
            }
        }

        ApiLists { type_name: self.name.clone(), properties, signals, methods, enums }
    }
}
