//! From a `.rep` class to a [`SourceClass`]: the same API lists, definition and signature repc
//! gives the Qt side, so Qt replicas generated from the same file accept a Rust source.

use crate::core::classdef::{GadgetDef, GadgetSection};
use crate::core::typename::normalize_type_for;
use crate::core::{Dialect, EnumValue, Gadget, Sequence, SourceClass, TypeRegistry, Value};

use super::ast::enum_defs;
use super::{signature_qt5, signature_qt6, Class, PropertyKind, RepFile};

/// The source class of `class_name` in `file`, with repc's signature for `dialect`.
/// `None` if the file has no such class.
pub fn source_class(file: &RepFile, class_name: &str, dialect: Dialect) -> Option<SourceClass> {
    let class = file.class(class_name)?;
    let signature = match dialect {
        Dialect::Qt6 => signature_qt6(file, class_name),
        Dialect::Qt5 => signature_qt5(file, class_name),
    };
    let class = class
        .builder(dialect, |p| default_value(file, class, &p.type_name, p.default_value.as_deref()))
        .signature(signature)
        .gadgets(gadget_section(file, class, dialect))
        .build();
    Some(class)
}

/// The words of a type (`QMap<QString, Point3>` → `QMap`, `QString`, `Point3`).
pub(crate) fn type_words(ty: &str) -> impl Iterator<Item = &str> {
    ty.split(|c: char| matches!(c, '<' | '>' | ',' | '&' | '*') || c.is_whitespace())
        .filter(|w| !w.is_empty() && *w != "const")
}

/// A POD field type with the POD's own enums and flags qualified (`Kind` → `Tagged::Kind`), the
/// name Qt registers them under.
pub(crate) fn qualify_pod_type(pod: &super::Pod, ty: &str) -> String {
    super::api::qualify_words(ty, &pod.name, |w| {
        pod.enums.iter().any(|e| e.name == w) || pod.flags.iter().any(|f| f.name == w)
    })
}

/// The PODs, Qt-namespace enums and global ENUMs an interface uses: in its properties,
/// parameters and return values, in those of its child classes, and inside the PODs themselves
/// (PODs and enums in file order).
pub(crate) fn interface_types<'f>(
    file: &'f RepFile,
    class: &Class,
) -> (Vec<&'f super::Pod>, Vec<String>, Vec<&'f super::Enum>) {
    let mut pods: Vec<&super::Pod> = Vec::new();
    let mut qt_enums: Vec<String> = Vec::new();
    let mut globals: Vec<&super::Enum> = Vec::new();
    let mut classes = vec![class.name.clone()];
    let mut pending: Vec<String> = Vec::new();
    let mut todo = vec![file.class(&class.name).unwrap_or(class)];
    while let Some(c) = todo.pop() {
        for p in &c.properties {
            match p.kind {
                PropertyKind::Prop => pending.push(p.type_name.clone()),
                PropertyKind::Class => {
                    if let Some(child) = file.class(&p.type_name).filter(|k| !classes.contains(&k.name)) {
                        classes.push(child.name.clone());
                        todo.push(child);
                    }
                }
                PropertyKind::Model { .. } => {}
            }
        }
        for f in c.signals.iter().chain(&c.slots) {
            pending.extend(f.params.iter().map(|p| p.type_name.clone()));
            pending.push(f.return_type.clone());
        }
    }
    while let Some(ty) = pending.pop() {
        for word in type_words(&ty) {
            if let Some(pod) = file.pod(word).filter(|p| !pods.iter().any(|q| q.name == p.name)) {
                pods.push(pod);
                pending.extend(pod.attributes.iter().map(|a| a.type_name.clone()));
            } else if word.starts_with("Qt::")
                && !qt_enums.iter().any(|q| q == word)
                && (word == "Qt::Orientation" || file.use_enums.iter().any(|u| u.trim() == word))
            {
                qt_enums.push(word.to_owned());
            } else if let Some((holder, name)) = word.rsplit_once("::") {
                // repc's holder of a global ENUM E (or of its FLAG F) is the gadget `EEnum`.
                let e = file.enums.iter().find(|e| {
                    holder == format!("{}Enum", e.name)
                        && (e.name == name || file.flags.iter().any(|f| f.name == name && f.enum_name == e.name))
                });
                if let Some(e) = e.filter(|e| !globals.iter().any(|g| g.name == e.name)) {
                    globals.push(e);
                }
            }
        }
    }
    pods.sort_by_key(|p| file.pods.iter().position(|q| q.name == p.name));
    globals.sort_by_key(|e| file.enums.iter().position(|q| q.name == e.name));
    qt_enums.sort();
    (pods, qt_enums, globals)
}

/// The gadget section of `class`'s definition, as a stock source lists it
/// (class-definition-and-signature.md §3): the PODs the interface uses (fields with their own
/// enums qualified, as Qt registers them), a `<E>Enum` holder without fields for each global
/// ENUM it uses (properties name such an enum `EEnum::E`), and the Qt enums. A class carries it,
/// so wherever the class is used its values decode ([`ClassDefinition::register_types`]), and
/// dynamic replicas of a source get it.
pub(crate) fn gadget_section(file: &RepFile, class: &Class, dialect: Dialect) -> GadgetSection {
    let (pods, qt_enums, globals) = interface_types(file, class);
    let mut gadgets: Vec<GadgetDef> = pods
        .iter()
        .map(|pod| GadgetDef {
            name: pod.name.clone(),
            properties: pod
                .attributes
                .iter()
                .map(|a| (a.name.clone(), normalize_type_for(&qualify_pod_type(pod, &a.type_name), dialect)))
                .collect(),
            enums: enum_defs(&pod.enums, &pod.flags),
        })
        .collect();
    for e in globals {
        let flags: Vec<super::Flag> = file.flags.iter().filter(|f| f.enum_name == e.name).cloned().collect();
        gadgets.push(GadgetDef {
            name: format!("{}Enum", e.name),
            properties: Vec::new(),
            enums: enum_defs(std::slice::from_ref(e), &flags),
        });
    }
    GadgetSection { qt_enums, gadgets }
}

/// Registers every type `file` declares, so values of them decode and encode wherever its
/// classes are used: PODs (with their enums and flags as `Pod::E`), global enums and flags (by
/// plain name and as repc's `<E>Enum::E`), and class enums and flags (`Class::E`). Classes from
/// [`source_class`] carry what their own interface uses and register it themselves when they are
/// acquired or served; this call is for values of the file's other types.
pub fn register_types(file: &RepFile, types: &mut TypeRegistry) {
    let flag_size = 4u8;
    for p in &file.pods {
        types.register_gadget(&p.name, p.attributes.iter().map(|a| (a.name.clone(), a.type_name.clone())).collect());
        for e in &p.enums {
            e.register(&format!("{}::{}", p.name, e.name), types);
        }
        for f in &p.flags {
            types.register_enum(&format!("{}::{}", p.name, f.name), flag_size);
        }
    }
    for e in &file.enums {
        e.register(&e.name, types);
        e.register(&format!("{}Enum::{}", e.name, e.name), types);
    }
    for f in &file.flags {
        types.register_enum(&f.name, flag_size);
        types.register_enum(&format!("{}Enum::{}", f.enum_name, f.name), flag_size);
    }
    for c in &file.classes {
        for e in &c.enums {
            e.register(&format!("{}::{}", c.name, e.name), types);
        }
        for f in &c.flags {
            types.register_enum(&format!("{}::{}", c.name, f.name), flag_size);
        }
    }
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
        let value = key
            .and_then(|k| e.keys.iter().find(|x| x.name == k))
            .map_or_else(|| e.keys.first().map_or(0, |k| k.value), |k| k.value);
        let scope = if class.enum_named(ty).is_some() { format!("{}::{}", class.name, e.name) } else { e.name.clone() };
        return Value::Enum(EnumValue { type_name: scope, value: value as i64, size: e.byte_size() as u8 });
    }
    if let Some(pod) = file.pod(ty) {
        if depth >= MAX_POD_NESTING {
            return Value::Invalid;
        }
        let fields =
            pod.attributes.iter().map(|a| default_value_at(file, class, &a.type_name, None, depth + 1)).collect();
        return Value::Gadget(Gadget { type_name: pod.name.clone(), fields });
    }
    let unquoted = text.and_then(|t| t.strip_prefix('"')).and_then(|t| t.strip_suffix('"'));
    let number =
        |t: Option<&str>| t.and_then(|t| t.trim_end_matches(['f', 'F', 'u', 'U', 'l', 'L']).parse::<f64>().ok());
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
