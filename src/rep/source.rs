//! From a `.rep` class to a [`SourceClass`]: the same API lists, definition and signature repc
//! gives the Qt side, so Qt replicas generated from the same file accept a Rust source.

use crate::core::classdef::{ClassDefinition, EnumDef, MethodDef, PropertyDef, SignalDef};
use crate::core::{Dialect, EnumValue, Gadget, MethodKind, Param, PropertyMode, Sequence, SourceClass, Value};

use super::{signature_qt5, signature_qt6, Class, Modifier, RepFile};

/// The source class of `class_name` in `file`, with repc's signature for `dialect`.
/// `None` if the file has no such class.
pub fn source_class(file: &RepFile, class_name: &str, dialect: Dialect) -> Option<SourceClass> {
    let class = file.class(class_name)?;
    let api = class.api_for(dialect);
    let signature = match dialect {
        Dialect::Qt6 => signature_qt6(file, class_name),
        Dialect::Qt5 => signature_qt5(file, class_name),
    };
    let enums = api
        .enums
        .iter()
        .map(|e| EnumDef {
            name: e.name.clone(),
            is_flag: e.is_flag,
            is_scoped: e.is_scoped,
            size: e.size,
            keys: e.keys.iter().map(|k| (k.name.clone(), k.value)).collect(),
        })
        .collect();
    let signals: Vec<SignalDef> =
        api.signals.iter().map(|s| SignalDef { signature: s.signature.clone(), parameter_names: s.parameter_names.clone() }).collect();
    let methods: Vec<MethodDef> = api
        .methods
        .iter()
        .map(|m| MethodDef { signature: m.signature.clone(), return_type: m.return_type.clone(), parameter_names: m.parameter_names.clone() })
        .collect();
    let properties = api
        .properties
        .iter()
        .map(|p| PropertyDef {
            name: p.name.clone(),
            type_name: p.type_name.clone(),
            notify_signal: p.notify_signal.map(|i| api.signals[i].signature.clone()),
        })
        .collect();
    let params = |m: &super::ApiMethod| -> Vec<Param> {
        m.parameter_names.iter().zip(&m.parameter_types).map(|(n, t)| Param::new(n.clone(), t.clone())).collect()
    };
    let mut slot_params = Vec::new();
    let method_kinds = api
        .methods
        .iter()
        .map(|m| match m.property_index {
            Some(p) => MethodKind::Push(p),
            None => {
                slot_params.push(params(m));
                MethodKind::Slot(slot_params.len() - 1)
            }
        })
        .collect();
    let signal_params = api.signals.iter().filter(|s| s.property_index.is_none()).map(params).collect();
    let modes = class
        .properties
        .iter()
        .map(|p| match p.modifier {
            Modifier::Constant => PropertyMode::Constant,
            Modifier::ReadOnly => PropertyMode::ReadOnly,
            Modifier::ReadPush => PropertyMode::ReadPush,
            Modifier::ReadWrite => PropertyMode::ReadWrite,
            Modifier::SourceOnlySetter => PropertyMode::SourceOnlySetter,
        })
        .collect();
    let defaults = class.properties.iter().map(|p| default_value(file, class, &p.type_name, p.default_value.as_deref())).collect();
    Some(SourceClass {
        definition: ClassDefinition { type_name: Some(api.type_name.clone()), enums, signals, methods, properties, ..Default::default() },
        modes,
        defaults,
        signature,
        notify_index: api.properties.iter().map(|p| p.notify_signal).collect(),
        method_kinds,
        slot_params,
        signal_params,
    })
}

/// The initial value of a property of type `ty`, from its .rep default expression when it is a
/// literal we understand (numbers, booleans, strings, enum keys), else the type's default.
pub fn default_value(file: &RepFile, class: &Class, ty: &str, text: Option<&str>) -> Value {
    default_value_at(file, class, ty, text, 0)
}

/// PODs nested deeper than this (only a POD that contains itself gets there) default to
/// `Value::Invalid` instead of recursing without end.
const MAX_POD_NESTING: u32 = 32;

fn default_value_at(file: &RepFile, class: &Class, ty: &str, text: Option<&str>, depth: u32) -> Value {
    let text = text.map(str::trim).filter(|t| !t.is_empty());
    if let Some(e) = class.enum_named(ty).or_else(|| file.enums.iter().find(|e| e.name == ty)) {
        let key = text.map(|t| t.rsplit("::").next().unwrap_or(t));
        let value = key.and_then(|k| e.keys.iter().find(|x| x.name == k)).map_or_else(|| e.keys.first().map_or(0, |k| k.value), |k| k.value);
        let scope = if class.enum_named(ty).is_some() { format!("{}::{}", class.name, e.name) } else { e.name.clone() };
        return Value::Enum(EnumValue { type_name: scope, value: value as i64, size: e.byte_size() as u8 });
    }
    if let Some(pod) = file.pod(ty) {
        if depth >= MAX_POD_NESTING {
            return Value::Invalid;
        }
        let fields = pod.attributes.iter().map(|a| default_value_at(file, class, &a.type_name, None, depth + 1)).collect();
        return Value::Gadget(Gadget { type_name: pod.name.clone(), fields });
    }
    let unquoted = text.and_then(|t| t.strip_prefix('"')).and_then(|t| t.strip_suffix('"'));
    let number = |t: Option<&str>| t.and_then(|t| t.trim_end_matches(['f', 'F', 'u', 'U', 'l', 'L']).parse::<f64>().ok());
    match ty {
        "bool" => Value::Bool(text == Some("true")),
        "int" | "qint32" => Value::Int(number(text).unwrap_or(0.0) as i32),
        "uint" | "quint32" => Value::UInt(number(text).unwrap_or(0.0) as u32),
        "qint64" | "qlonglong" => Value::LongLong(number(text).unwrap_or(0.0) as i64),
        "quint64" | "qulonglong" => Value::ULongLong(number(text).unwrap_or(0.0) as u64),
        "short" | "qint16" => Value::Short(number(text).unwrap_or(0.0) as i16),
        "ushort" | "quint16" => Value::UShort(number(text).unwrap_or(0.0) as u16),
        "qint8" | "signed char" => Value::SChar(number(text).unwrap_or(0.0) as i8),
        "quint8" | "uchar" => Value::UChar(number(text).unwrap_or(0.0) as u8),
        "double" | "qreal" => Value::Double(number(text).unwrap_or(0.0)),
        "float" => Value::Float(number(text).unwrap_or(0.0) as f32),
        "QString" => match unquoted {
            Some(s) => Value::string(s),
            None => Value::String(None),
        },
        "QByteArray" => Value::ByteArray(unquoted.map(|s| bytes::Bytes::copy_from_slice(s.as_bytes()))),
        "QStringList" => Value::StringList(Vec::new()),
        "QVariantList" => Value::List(Vec::new()),
        "QVariantMap" => Value::Map(Vec::new()),
        "QVariantHash" => Value::Hash(Vec::new()),
        "QUrl" => Value::Url(unquoted.unwrap_or_default().into()),
        "QVariant" => Value::Invalid,
        t if t.starts_with("QList<") || t.starts_with("QVector<") => {
            Value::Sequence(Sequence { type_name: t.replace(' ', ""), items: Vec::new() })
        }
        _ => Value::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_rep_gives_the_reference_class() {
        let file = super::super::parse(
            "class Simple {\n PROP(int value = 0)\n PROP(QString name READWRITE)\n SIGNAL(fired(int code))\n SLOT(int add(int a, int b))\n SLOT(void reset())\n}\n",
        )
        .unwrap();
        let c = source_class(&file, "Simple", Dialect::Qt6).unwrap();
        assert_eq!(c, crate::core::source::tests::simple());
    }

    #[test]
    fn enum_and_bool_defaults() {
        let file = super::super::parse(
            "class Sw {\n ENUM Color { Red, Green = 3 }\n PROP(bool on = true)\n PROP(Color c = Color::Green)\n PROP(QString s = \"a b\")\n}\n",
        )
        .unwrap();
        let c = source_class(&file, "Sw", Dialect::Qt6).unwrap();
        assert_eq!(c.defaults[0], Value::Bool(true));
        assert_eq!(c.defaults[1], Value::Enum(EnumValue { type_name: "Sw::Color".into(), value: 3, size: 4 }));
        assert_eq!(c.defaults[2], Value::string("a b"));
    }

    #[test]
    fn a_pod_that_contains_itself_gets_a_bounded_default() {
        // Found by the rep_parser fuzzer: the default value recursed until the stack overflowed.
        let file = super::super::parse("POD Loop(Loop inner, int x)\nclass Holder {\n PROP(Loop l)\n}\n").unwrap();
        let c = source_class(&file, "Holder", Dialect::Qt6).unwrap();
        let mut depth = 0;
        let mut v = &c.defaults[0];
        while let Value::Gadget(g) = v {
            depth += 1;
            v = &g.fields[0];
        }
        assert_eq!(depth, MAX_POD_NESTING as usize);
        assert_eq!(*v, Value::Invalid);
    }
}
