//! Enums and flags: per .rep `ENUM` a Rust enum with the representation of its underlying type,
//! with `QtEnum` and the value conversions; per `FLAG` a `Flags` alias.

use crate::rep::codegen::out::{Out, CALL_WIDTH};
use crate::rep::codegen::types::{module_name, Ctx, EnumInfo, Variant};

use super::quote;

/// Emits the enums and flags of `scope` (a module for a class or POD scope).
pub(super) fn emit_enums(o: &mut Out, ctx: &Ctx, scope: Option<&str>, what: &str) {
    let enums: Vec<&EnumInfo> = ctx.enums_in(scope).map(|(_, e)| e).collect();
    if enums.is_empty() {
        return;
    }
    if let Some(s) = scope {
        o.doc(format!("Enums and flags of {what} `{s}`."));
        o.open(format!("pub mod {} {{", module_name(s)));
        o.line("use super::qtro;");
        o.blank();
    }
    for (i, e) in enums.iter().enumerate() {
        if i > 0 {
            o.blank();
        }
        match e.flag_of {
            Some(of) => emit_flag(o, e, &ctx.enums[of]),
            None => emit_enum(o, e),
        }
    }
    if scope.is_some() {
        o.close("}");
    }
    o.blank();
}

/// The fields of an `EnumSpec` literal.
pub(super) fn enum_spec(o: &mut Out, e: &EnumInfo) {
    o.line(format!("name: {},", quote(&e.name)));
    o.line(format!("is_flag: {},", e.flag_of.is_some()));
    o.line(format!("is_scoped: {},", e.scoped));
    o.line(format!("size: {},", e.size));
    let keys: Vec<String> = e.def.keys.iter().map(|k| format!("({}, {})", quote(&k.name), k.value)).collect();
    if keys.is_empty() {
        o.line("keys: &[],");
    } else {
        o.list("keys: &[", &keys, "],", CALL_WIDTH);
    }
}

/// The `Flags` alias of a flag over `inner`.
fn emit_flag(o: &mut Out, e: &EnumInfo, inner: &EnumInfo) {
    o.doc(format!(
        "`FLAG({} {})`: any combination of [`{}`] values (Qt type `{}`).",
        e.name, inner.name, inner.rust_name, e.qt_name
    ));
    o.line(format!("pub type {} = qtro::typed::Flags<{}>;", e.rust_name, inner.rust_name));
}

/// Emits the Rust enum of a .rep enum, with its conversions.
fn emit_enum(o: &mut Out, e: &EnumInfo) {
    // Enums have at least one key (checked by `check_names`); keys with the value of an earlier
    // key become constants.
    let primary: Vec<&Variant> = e.variants.iter().filter(|v| v.alias_of.is_none()).collect();
    let aliases: Vec<&Variant> = e.variants.iter().filter(|v| v.alias_of.is_some()).collect();
    enum_type(o, e, &primary);
    if !aliases.is_empty() {
        o.blank();
        alias_consts(o, e, &aliases);
    }
    o.blank();
    qt_enum_impl(o, e, &primary);
    o.blank();
    value_impls(o, e);
}

/// The .rep text of an enum declaration, for docs.
fn enum_decl(e: &EnumInfo) -> String {
    let keys: Vec<String> = e.def.keys.iter().map(|k| format!("{} = {}", k.name, k.value)).collect();
    let class = if e.def.scoped { "class " } else { "" };
    let under = e.def.underlying_type.as_deref().map(|t| format!(" : {t}")).unwrap_or_default();
    format!("ENUM {class}{}{under} {{ {} }}", e.def.name, keys.join(", "))
}

/// `pub enum E { .. }`, one variant per key with a distinct value.
fn enum_type(o: &mut Out, e: &EnumInfo, primary: &[&Variant]) {
    o.doc(format!("`{}`\n\nQt type `{}`, {} byte(s) on the wire.", enum_decl(e), e.qt_name, e.size));
    o.line("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]");
    o.line(format!("#[repr({})]", e.repr));
    o.open(format!("pub enum {} {{", e.rust_name));
    // Qt value-initializes an enum to 0; without a key for 0 the first key is the default.
    let default = primary.iter().find(|v| v.literal == "0").unwrap_or(&primary[0]).ident.clone();
    for v in primary {
        o.doc(format!("`{}`", v.key));
        if v.ident == default {
            o.line("#[default]");
        }
        o.line(format!("{} = {},", v.ident, v.literal));
    }
    o.close("}");
}

/// `impl E { pub const Alias: Self = Self::Key; .. }` for keys that repeat a value.
fn alias_consts(o: &mut Out, e: &EnumInfo, aliases: &[&Variant]) {
    let name = &e.rust_name;
    o.open(format!("impl {name} {{"));
    for (i, v) in aliases.iter().enumerate() {
        if i > 0 {
            o.blank();
        }
        let target = v.alias_of.as_deref().unwrap_or_default();
        o.doc(format!("`{}`: the same value as [`{name}::{target}`].", v.key));
        o.line("#[allow(non_upper_case_globals)]");
        o.line(format!("pub const {}: Self = Self::{target};", v.ident));
    }
    o.close("}");
}

/// `impl QtEnum`: the Qt name, the wire size and the integer conversions.
fn qt_enum_impl(o: &mut Out, e: &EnumInfo, primary: &[&Variant]) {
    o.open(format!("impl qtro::typed::QtEnum for {} {{", e.rust_name));
    o.line(format!("const QT_NAME: &'static str = {};", quote(&e.qt_name)));
    o.line(format!("const SIZE: u8 = {};", e.size));
    o.blank();
    o.fn_line("fn to_i64(self) -> i64 {");
    o.line("self as i64");
    o.close("}");
    o.blank();
    o.fn_line("fn from_i64(value: i64) -> std::option::Option<Self> {");
    let scrutinee = if e.repr == "i64" { "value".to_owned() } else { format!("value as {}", e.repr) };
    o.open(format!("match {scrutinee} {{"));
    for v in primary {
        o.line(format!("{} => Some(Self::{}),", v.literal, v.ident));
    }
    o.line("_ => None,");
    o.close("}");
    o.close("}");
    o.close("}");
}

/// `impl ToValue` and `impl FromValue`, through the generic enum conversions.
fn value_impls(o: &mut Out, e: &EnumInfo) {
    let name = &e.rust_name;
    o.open(format!("impl qtro::typed::ToValue for {name} {{"));
    o.fn_line("fn to_variant(&self, _ty: &str, dialect: qtro::core::Dialect) -> qtro::core::Value {");
    o.line("qtro::typed::enum_to_variant(*self, dialect)");
    o.close("}");
    o.blank();
    o.fn_line("fn to_element(&self, ty: &str, _dialect: qtro::core::Dialect) -> qtro::core::Value {");
    o.line("qtro::typed::enum_to_element(*self, ty)");
    o.close("}");
    o.close("}");
    o.blank();
    o.open(format!("impl qtro::typed::FromValue for {name} {{"));
    o.fn_line("fn from_value(value: &qtro::core::Value) -> qtro::typed::Result<Self, qtro::typed::ConvertError> {");
    o.line("qtro::typed::enum_from_value(value)");
    o.close("}");
    o.close("}");
}
