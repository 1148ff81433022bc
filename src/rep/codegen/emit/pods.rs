//! PODs: per .rep `POD` a Rust struct, its `PodSpec` static and its value conversions (a POD
//! travels as a Qt gadget).

use crate::core::typename::normalize_type_for;
use crate::core::Dialect;
use crate::rep::codegen::names::{self, Names};
use crate::rep::codegen::out::{Out, CALL_WIDTH};
use crate::rep::codegen::types::{Ctx, EnumInfo, Mapped, Scope};
use crate::rep::{Pod, PodAttribute};

use super::enums::enum_spec;
use super::{quote, screaming, spec_list, ty_field};

/// One POD attribute with its Rust field name and type.
struct Field<'a> {
    ident: String,
    mapped: Mapped,
    attr: &'a PodAttribute,
}

/// Emits the struct, `PodSpec` and conversions of `pod`.
pub(super) fn emit_pod(o: &mut Out, ctx: &Ctx, pod: &Pod) {
    let rust = &ctx.pods[&pod.name].rust_name;
    let spec = format!("{}_POD", screaming(&pod.name));
    let mut field_names = Names::default();
    let fields: Vec<Field> = pod
        .attributes
        .iter()
        .map(|attr| Field {
            ident: field_names.claim(names::member(&attr.name, "field")),
            mapped: ctx.map(&attr.type_name, Scope::Pod(&pod.name)),
            attr,
        })
        .collect();
    let derive_default = fields.iter().all(|f| f.mapped.has_default);
    pod_struct(o, pod, rust, &fields, derive_default);
    o.blank();
    if !derive_default {
        default_impl(o, rust, &fields);
        o.blank();
    }
    pod_spec(o, ctx, pod, &spec);
    o.blank();
    to_value_impl(o, rust, &spec, &fields);
    o.blank();
    from_value_impl(o, rust, &spec, &fields);
    o.blank();
}

/// `pub struct P { .. }`, documented with the .rep declaration.
fn pod_struct(o: &mut Out, pod: &Pod, rust: &str, fields: &[Field], derive_default: bool) {
    let decl: Vec<String> = pod.attributes.iter().map(|a| format!("{} {}", a.type_name, a.name)).collect();
    if pod.block {
        o.doc(format!("`POD {} {{ {} }}`", pod.name, decl.join(", ")));
    } else {
        o.doc(format!("`POD {}({})`", pod.name, decl.join(", ")));
    }
    o.line(if derive_default {
        "#[derive(Debug, Clone, PartialEq, Default)]"
    } else {
        "#[derive(Debug, Clone, PartialEq)]"
    });
    if fields.is_empty() {
        o.line(format!("pub struct {rust} {{}}"));
        return;
    }
    o.open(format!("pub struct {rust} {{"));
    for f in fields {
        let note = f
            .mapped
            .unmapped
            .as_ref()
            .map(|u| format!(" (`{u}` has no Rust mapping: kept as a `Value`)"))
            .unwrap_or_default();
        o.doc(format!("`{} {}`{note}", f.attr.type_name, f.attr.name));
        o.line(format!("pub {}: {},", f.ident, f.mapped.rust));
    }
    o.close("}");
}

/// `impl Default`, for a POD with a field type that has no `Default`.
fn default_impl(o: &mut Out, rust: &str, fields: &[Field]) {
    o.open(format!("impl Default for {rust} {{"));
    o.fn_line("fn default() -> Self {");
    o.open("Self {");
    for f in fields {
        o.line(format!("{}: {},", f.ident, f.mapped.default));
    }
    o.close("}");
    o.close("}");
    o.close("}");
}

/// The `PodSpec` static: field names, wire types and the POD's enums.
fn pod_spec(o: &mut Out, ctx: &Ctx, pod: &Pod, spec: &str) {
    o.doc(format!("Static description of POD `{}`.", pod.name));
    o.open(format!("pub static {spec}: qtro::typed::PodSpec = qtro::typed::PodSpec {{"));
    o.line(format!("name: {},", quote(&pod.name)));
    spec_list(o, "fields", "qtro::typed::FieldSpec {", &pod.attributes, |o, a| {
        o.line(format!("name: {},", quote(&a.name)));
        // The POD's own enums and flags qualified, as Qt names them.
        let qualified = crate::rep::source::qualify_pod_type(pod, &a.type_name);
        let q6 = normalize_type_for(&qualified, Dialect::Qt6);
        let q5 = normalize_type_for(&qualified, Dialect::Qt5);
        ty_field(o, "ty", &q6, &q5);
    });
    let enums: Vec<&EnumInfo> = ctx.enums_in(Some(&pod.name)).map(|(_, e)| e).collect();
    spec_list(o, "enums", "qtro::typed::EnumSpec {", &enums, |o, e| enum_spec(o, e));
    o.close("};");
}

/// `impl ToValue`: the fields as a gadget.
fn to_value_impl(o: &mut Out, rust: &str, spec: &str, fields: &[Field]) {
    o.open(format!("impl qtro::typed::ToValue for {rust} {{"));
    o.line("const IS_GADGET: bool = true;");
    o.blank();
    if fields.is_empty() {
        o.fn_line("fn to_element(&self, _ty: &str, _dialect: qtro::core::Dialect) -> qtro::core::Value {");
        o.line(format!("{spec}.gadget(Vec::new())"));
    } else {
        o.fn_line("fn to_element(&self, _ty: &str, dialect: qtro::core::Dialect) -> qtro::core::Value {");
        o.line(format!("let t = |i| {spec}.field_type(i, dialect);"));
        let items: Vec<String> =
            fields.iter().enumerate().map(|(i, f)| format!("self.{}.to_variant(t({i}), dialect)", f.ident)).collect();
        o.list("let fields = vec![", &items, "];", CALL_WIDTH);
        o.line(format!("{spec}.gadget(fields)"));
    }
    o.close("}");
    o.close("}");
}

/// `impl FromValue`: the fields of a gadget.
fn from_value_impl(o: &mut Out, rust: &str, spec: &str, fields: &[Field]) {
    o.open(format!("impl qtro::typed::FromValue for {rust} {{"));
    o.fn_line("fn from_value(value: &qtro::core::Value) -> qtro::typed::Result<Self, qtro::typed::ConvertError> {");
    if fields.is_empty() {
        o.line(format!("{spec}.fields_of(value)?;"));
        o.line("Ok(Self {})");
    } else {
        o.line(format!("let f = {spec}.fields_of(value)?;"));
        o.open("Ok(Self {");
        for (i, f) in fields.iter().enumerate() {
            o.line(format!("{}: {spec}.field(f, {i})?,", f.ident));
        }
        o.close("})");
    }
    o.close("}");
    o.close("}");
}
