//! The syntax tree of a `.rep` file.
//!
//! Type names are stored exactly as repc stores them, because the class signatures hash that
//! text (repc 5.15 even hashes template types verbatim, whitespace included):
//!
//! * `PROP` types, `SIGNAL`/`SLOT` parameter types and one-line `POD` member types keep the text
//!   as written, minus `const`/`&` (recorded in [`Param::flags`]), minus `//` comments and line
//!   breaks; whitespace inside `<>` is kept (`QMap<QString, Point3>`).
//! * block `POD` members are rebuilt from tokens, so their templates carry no spaces
//!   (`QMap<QString,Point3>`).
//! * `SLOT` return types are the text before the last space of `ReturnType name`, verbatim.

use serde::{Deserialize, Serialize};

use crate::core::{EnumDef, PropertyMode};

/// A parsed `.rep` file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepFile {
    /// Every line starting with `#` (`#include`, `#HEADER`, `#FOOTER`, ...), without the line
    /// break, in file order.
    pub preprocessor: Vec<String>,
    /// `USE_ENUM(...)` arguments, trimmed.
    pub use_enums: Vec<String>,
    /// Global `ENUM`s.
    pub enums: Vec<Enum>,
    /// Global `FLAG`s.
    pub flags: Vec<Flag>,
    /// `POD`s (one-line and block form).
    pub pods: Vec<Pod>,
    /// `class` declarations.
    pub classes: Vec<Class>,
    /// File order of the top-level declarations. repc 6 builds its signature table in this
    /// order, so a class only "sees" PODs/enums/classes declared before it. When empty (a
    /// hand-built file), the order enums, flags, PODs, classes is assumed.
    pub order: Vec<Decl>,
    /// Non-fatal diagnostics that repc would also print (it still generates code).
    pub warnings: Vec<Warning>,
}

/// A reference to a top-level declaration of a [`RepFile`] (index into the matching list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decl {
    /// `preprocessor[i]`
    Preprocessor(usize),
    /// `use_enums[i]`
    UseEnum(usize),
    /// `enums[i]`
    Enum(usize),
    /// `flags[i]`
    Flag(usize),
    /// `pods[i]`
    Pod(usize),
    /// `classes[i]`
    Class(usize),
}

/// A non-fatal parser diagnostic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// 1-based line.
    pub line: u32,
    /// 1-based column (in characters).
    pub column: u32,
    /// Human-readable message.
    pub message: String,
}

/// `class Name { ... }`
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Class {
    /// Class (API type) name.
    pub name: String,
    /// Optional export attribute word (`class MYEXPORT Name`, Qt 6.8).
    pub attribute: Option<String>,
    /// `PROP`, `CLASS` and `MODEL` members in declaration order (= wire property order).
    pub properties: Vec<Property>,
    /// `SIGNAL`s in declaration order.
    pub signals: Vec<Function>,
    /// `SLOT`s in declaration order.
    pub slots: Vec<Function>,
    /// Class-scoped `ENUM`s.
    pub enums: Vec<Enum>,
    /// Class-scoped `FLAG`s.
    pub flags: Vec<Flag>,
}

impl Class {
    /// The class enum called `name`, if any.
    pub fn enum_named(&self, name: &str) -> Option<&Enum> {
        self.enums.iter().find(|e| e.name == name)
    }
}

/// A class property: `PROP(...)`, `CLASS name(Type)` or `MODEL name(roles)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Property {
    /// Property name.
    pub name: String,
    /// Type as repc stores it: the `PROP` type, the child class name for `CLASS`, and
    /// `QAbstractItemModel` for `MODEL`.
    pub type_name: String,
    /// Default value expression as written (`"kid"` keeps its quotes); `None` if absent.
    pub default_value: Option<String>,
    /// Access modifier (`CLASS`/`MODEL` are always [`Modifier::SourceOnlySetter`]).
    pub modifier: Modifier,
    /// `PERSISTED` was given.
    pub persisted: bool,
    /// What kind of member declared this property.
    pub kind: PropertyKind,
}

/// Which declaration produced a [`Property`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PropertyKind {
    /// `PROP(...)`
    Prop,
    /// `CLASS name(Type)`: a child object of another .rep class.
    Class,
    /// `MODEL name(role, ...)`: a child `QAbstractItemModel` with the given role names.
    Model {
        /// Role names as written (trimmed), in declaration order.
        roles: Vec<String>,
    },
}

/// `PROP` access modifiers. The discriminants are repc's own enum values (hashed by repc 5.15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Modifier {
    /// `CONSTANT` (or `READONLY, CONSTANT`): no notify signal in the API.
    Constant = 0,
    /// `READONLY`
    ReadOnly = 1,
    /// `READPUSH`, the default: replica gets a `push<Name>` slot.
    ReadPush = 2,
    /// `READWRITE`: replica setter sends WriteProperty.
    ReadWrite = 3,
    /// `SOURCEONLYSETTER`
    SourceOnlySetter = 4,
}

impl Modifier {
    /// repc's numeric value of the modifier.
    pub fn repc_code(self) -> u32 {
        self as u32
    }

    /// The keyword as written in a .rep file.
    pub fn keyword(self) -> &'static str {
        match self {
            Modifier::Constant => "CONSTANT",
            Modifier::ReadOnly => "READONLY",
            Modifier::ReadPush => "READPUSH",
            Modifier::ReadWrite => "READWRITE",
            Modifier::SourceOnlySetter => "SOURCEONLYSETTER",
        }
    }

    /// The run-time property mode the modifier declares.
    pub fn mode(self) -> PropertyMode {
        match self {
            Modifier::Constant => PropertyMode::Constant,
            Modifier::ReadOnly => PropertyMode::ReadOnly,
            Modifier::ReadPush => PropertyMode::ReadPush,
            Modifier::ReadWrite => PropertyMode::ReadWrite,
            Modifier::SourceOnlySetter => PropertyMode::SourceOnlySetter,
        }
    }
}

/// A `SIGNAL` or `SLOT`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Function {
    /// Function name.
    pub name: String,
    /// Return type as repc stores it (`void` for signals and slots without one).
    pub return_type: String,
    /// Parameters in order.
    pub params: Vec<Param>,
}

/// A function parameter `[const] Type [&] [name]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Param {
    /// Type without `const` and `&`.
    pub type_name: String,
    /// Name; unnamed parameters get `__repc_variable_<n>` (n counts unnamed ones, from 1).
    pub name: String,
    /// [`Param::CONST`] | [`Param::REFERENCE`].
    pub flags: u32,
}

impl Param {
    /// `const` was given.
    pub const CONST: u32 = 1;
    /// `&` was given.
    pub const REFERENCE: u32 = 2;

    /// The C++ declaration of the parameter type, e.g. `const QString &`.
    pub fn declared_type(&self) -> String {
        let mut s = String::new();
        if self.flags & Param::CONST != 0 {
            s.push_str("const ");
        }
        s.push_str(&self.type_name);
        if self.flags & Param::REFERENCE != 0 {
            s.push_str(" &");
        }
        s
    }
}

/// `POD Name(Type a, Type b)` or `POD Name { ENUM ..., FLAG(...), Type a, Type b }`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pod {
    /// POD (gadget) name.
    pub name: String,
    /// Optional export attribute word (Qt 6.8).
    pub attribute: Option<String>,
    /// Declared with the block (`{ }`) syntax (Qt 6 only).
    pub block: bool,
    /// Members in declaration order.
    pub attributes: Vec<PodAttribute>,
    /// Enums declared inside a block POD.
    pub enums: Vec<Enum>,
    /// Flags declared inside a block POD.
    pub flags: Vec<Flag>,
}

/// A POD member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodAttribute {
    /// Member type (as repc stores it, without `const`/`&`).
    pub type_name: String,
    /// Member name.
    pub name: String,
}

/// `ENUM [class] Name [: Type] { Key [= value], ... }`
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enum {
    /// Enum name.
    pub name: String,
    /// `ENUM class` (scoped enum, Qt 6 only).
    pub scoped: bool,
    /// Underlying type text (`quint16`), Qt 6 only.
    pub underlying_type: Option<String>,
    /// Keys with their resolved values, in declaration order.
    pub keys: Vec<EnumKey>,
}

impl Enum {
    /// Size in bytes of the enum type as Qt reports it (4 unless a smaller or larger
    /// underlying type was given).
    pub fn byte_size(&self) -> u32 {
        self.underlying_type.as_deref().map_or(4, |t| match crate::core::typename::normalize_type(t).as_str() {
            "char" | "uchar" | "signed char" | "qint8" | "quint8" | "int8_t" | "uint8_t" | "std::int8_t"
            | "std::uint8_t" | "bool" => 1,
            "short" | "ushort" | "qint16" | "quint16" | "int16_t" | "uint16_t" | "std::int16_t" | "std::uint16_t"
            | "char16_t" => 2,
            "qlonglong" | "qulonglong" | "qint64" | "quint64" | "int64_t" | "uint64_t" | "std::int64_t"
            | "std::uint64_t" | "long" | "ulong" => 8,
            _ => 4,
        })
    }

    /// The enum's record in a class or gadget definition; with `flag`, the record of that `FLAG`
    /// alias of it, 4 bytes wide like every `QFlags`.
    pub fn def(&self, flag: Option<&str>) -> EnumDef {
        EnumDef {
            name: flag.unwrap_or(&self.name).to_owned(),
            is_flag: flag.is_some(),
            is_scoped: self.scoped,
            size: if flag.is_some() { 4 } else { self.byte_size() },
            keys: self.keys.iter().map(|k| (k.name.clone(), k.value)).collect(),
        }
    }

    /// Registers this enum's type under `name` (in Qt 5 with the width repc's QDataStream
    /// operators give it).
    pub fn register(&self, name: &str, types: &mut crate::core::TypeRegistry) {
        self.def(None).register(name, types);
    }
}

/// The definition records of a scope's enums, then one per `FLAG` (of an enum of the scope), as
/// Qt lists them.
pub(crate) fn enum_defs(enums: &[Enum], flags: &[Flag]) -> Vec<EnumDef> {
    let flags = flags.iter().filter_map(|f| enums.iter().find(|e| e.name == f.enum_name).map(|e| e.def(Some(&f.name))));
    enums.iter().map(|e| e.def(None)).chain(flags).collect()
}

/// One enum key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumKey {
    /// Key name.
    pub name: String,
    /// Value (explicit, or previous + 1; values that don't fit an `int` become 0 like in repc).
    pub value: i32,
}

/// `FLAG(FlagName EnumName)`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flag {
    /// The `QFlags` alias name.
    pub name: String,
    /// The enum (of the same scope) it combines.
    pub enum_name: String,
}

impl RepFile {
    /// The first class called `name`.
    pub fn class(&self, name: &str) -> Option<&Class> {
        self.classes.iter().find(|c| c.name == name)
    }

    /// The first POD called `name`.
    pub fn pod(&self, name: &str) -> Option<&Pod> {
        self.pods.iter().find(|p| p.name == name)
    }

    /// Top-level declarations in file order (falls back to enums, flags, PODs, classes when
    /// [`RepFile::order`] is empty).
    pub fn declarations(&self) -> Vec<Decl> {
        if !self.order.is_empty() {
            return self.order.clone();
        }
        let mut v = Vec::new();
        v.extend((0..self.preprocessor.len()).map(Decl::Preprocessor));
        v.extend((0..self.use_enums.len()).map(Decl::UseEnum));
        v.extend((0..self.enums.len()).map(Decl::Enum));
        v.extend((0..self.flags.len()).map(Decl::Flag));
        v.extend((0..self.pods.len()).map(Decl::Pod));
        v.extend((0..self.classes.len()).map(Decl::Class));
        v
    }

    /// Whether the file only uses constructs that Qt 5.15's repc understands (no block PODs,
    /// scoped or typed enums, FLAGs or attribute words). `/* */` comments, also unknown to
    /// 5.15, are not tracked by the AST.
    pub fn is_qt5_compatible(&self) -> bool {
        let enum_ok = |e: &Enum| !e.scoped && e.underlying_type.is_none();
        self.flags.is_empty()
            && self.enums.iter().all(enum_ok)
            && self.pods.iter().all(|p| !p.block && p.attribute.is_none())
            && self.classes.iter().all(|c| c.flags.is_empty() && c.attribute.is_none() && c.enums.iter().all(enum_ok))
    }
}
