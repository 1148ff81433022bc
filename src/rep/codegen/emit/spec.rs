//! What the source and the replica of a class share: the `ClassSpec` static (member lists, wire
//! types, signatures) and `CProperties` (the property values, with the .rep defaults).

use crate::rep::codegen::out::{struct_lit_inline, Out, CALL_WIDTH, MAX_WIDTH, STRUCT_LIT_WIDTH};
use crate::rep::codegen::types::{Ctx, EnumInfo};
use crate::rep::{ApiLists, ApiMethod, Modifier, PropertyKind};

use super::class::{ClassGen, TypedProp};
use super::enums::enum_spec;
use super::{quote, screaming, spec_list, ty_field};

/// Emits the `ClassSpec` static of a class.
pub(super) fn emit_class_spec(o: &mut Out, ctx: &Ctx, g: &ClassGen) {
    let c = g.class;
    o.doc(format!("Static description of class `{}`: member lists, wire types, signatures.", c.name));
    o.open(format!("pub static {}: qtro::typed::ClassSpec = qtro::typed::ClassSpec {{", g.spec()));
    o.line(format!("name: {},", quote(&c.name)));
    ty_field(o, "signature", &g.signature6, &g.signature5);
    let enums: Vec<&EnumInfo> = ctx.enums_in(Some(&c.name)).map(|(_, e)| e).collect();
    // Flags come after every enum, as in the API lists.
    let mut ordered: Vec<&EnumInfo> = enums.iter().copied().filter(|e| e.flag_of.is_none()).collect();
    ordered.extend(enums.iter().copied().filter(|e| e.flag_of.is_some()));
    spec_list(o, "enums", "qtro::typed::EnumSpec {", &ordered, |o, e| enum_spec(o, e));
    spec_list(o, "properties", "qtro::typed::PropertySpec {", &g.props, |o, p| property_spec(o, g, p));
    function_specs(o, g, "signals", g.signals.len(), |api| &api.signals);
    function_specs(o, g, "slots", g.slots.len(), |api| &api.methods);
    o.line(format!("defaults: {}_defaults,", g.snake));
    // The PODs and Qt-namespace enums the interface uses.
    let (pods, qt_enums, _) = crate::rep::source::interface_types(ctx.file, c);
    let pods: Vec<String> = pods.iter().map(|p| format!("&{}_POD", screaming(&p.name))).collect();
    o.list("gadgets: &[", &pods, "],", CALL_WIDTH);
    let qt_enums: Vec<String> = qt_enums.iter().map(|e| quote(e)).collect();
    o.list("qt_enums: &[", &qt_enums, "],", CALL_WIDTH);
    o.close("};");
    o.blank();
}

/// The fields of the `PropertySpec` of `p`.
fn property_spec(o: &mut Out, g: &ClassGen, p: &TypedProp) {
    let (a6, a5) = (&g.api6.properties[p.index], &g.api5.properties[p.index]);
    o.line(format!("name: {},", quote(&p.p.name)));
    ty_field(o, "ty", &a6.type_name, &a5.type_name);
    let mode = match p.p.modifier {
        Modifier::Constant => "Constant",
        Modifier::ReadOnly => "ReadOnly",
        Modifier::ReadPush => "ReadPush",
        Modifier::ReadWrite => "ReadWrite",
        Modifier::SourceOnlySetter => "SourceOnlySetter",
    };
    o.line(format!("mode: qtro::core::PropertyMode::{mode},"));
    o.line(format!("persisted: {},", p.p.persisted));
    let kind = match p.p.kind {
        PropertyKind::Prop => "Prop",
        PropertyKind::Class => "Class",
        PropertyKind::Model { .. } => "Model",
    };
    o.line(format!("kind: qtro::typed::MemberKind::{kind},"));
    match p.child {
        Some(child) => o.line(format!("child: Some(&{}_CLASS),", screaming(&child.name))),
        None => o.line("child: None,"),
    }
}

/// `name: &[FunctionSpec ..]` for the `count` declared functions that end the API list `list`
/// (signals or methods; the notify signals and push slots of properties come first).
fn function_specs(o: &mut Out, g: &ClassGen, name: &str, count: usize, list: fn(&ApiLists) -> &Vec<ApiMethod>) {
    let first = list(&g.api6).len() - count;
    let indexed: Vec<usize> = (first..first + count).collect();
    spec_list(o, name, "qtro::typed::FunctionSpec {", &indexed, |o, &i| {
        let (m6, m5) = (&list(&g.api6)[i], &list(&g.api5)[i]);
        o.line(format!("name: {},", quote(&m6.name)));
        let params: Vec<usize> = (0..m6.parameter_names.len()).collect();
        spec_list(o, "params", "qtro::typed::ParamSpec {", &params, |o, &j| {
            o.line(format!("name: {},", quote(&m6.parameter_names[j])));
            ty_field(o, "ty", &m6.parameter_types[j], &m5.parameter_types[j]);
        });
        ty_field(o, "ret", &m6.return_type, &m5.return_type);
    });
}

/// Emits `CProperties`, its `Default` (the .rep defaults) and its wire values.
pub(super) fn emit_properties(o: &mut Out, g: &ClassGen) {
    let name = g.type_name("Properties");
    let values: Vec<&TypedProp> = g.props.iter().filter(|p| p.mapped.is_some()).collect();
    properties_struct(o, g, &name, &values);
    o.blank();
    properties_default(o, &name, &values);
    o.blank();
    o.doc(format!("The .rep defaults of class `{}` as sent for `dialect`.", g.class.name));
    o.fn_line(&format!("fn {}_defaults(dialect: qtro::core::Dialect) -> Vec<qtro::core::Value> {{", g.snake));
    o.line(format!("{name}::default().to_values(dialect)"));
    o.close("}");
    o.blank();
    to_values(o, g, &name, !values.is_empty());
    o.blank();
}

/// `pub struct CProperties { .. }`: a field per `PROP` (child objects and models have none).
fn properties_struct(o: &mut Out, g: &ClassGen, name: &str, values: &[&TypedProp]) {
    o.doc(format!(
        "The properties of class `{}`: initial values of a source, and what a replica shows until the\nsource's values arrive. `Default` gives the .rep defaults.",
        g.class.name
    ));
    o.line("#[derive(Debug, Clone, PartialEq)]");
    if values.is_empty() {
        o.line(format!("pub struct {name} {{}}"));
        return;
    }
    o.open(format!("pub struct {name} {{"));
    for p in values {
        o.doc(&p.doc);
        o.line(format!("pub {}: {},", p.ident, p.mapped.as_ref().map(|m| m.rust.as_str()).unwrap_or_default()));
    }
    o.close("}");
}

/// `impl Default for CProperties`: the .rep defaults.
fn properties_default(o: &mut Out, name: &str, values: &[&TypedProp]) {
    o.line("#[allow(clippy::derivable_impls)]");
    o.open(format!("impl Default for {name} {{"));
    o.fn_line("fn default() -> Self {");
    if values.is_empty() {
        o.line("Self {}");
    } else {
        let fields: Vec<String> = values.iter().map(|p| format!("{}: {}", p.ident, p.default)).collect();
        let joined = fields.join(", ");
        if joined.len() <= STRUCT_LIT_WIDTH && o.col() + joined.len() + 9 <= MAX_WIDTH {
            o.line(struct_lit_inline("Self", &fields));
        } else {
            o.open("Self {");
            for f in &fields {
                o.line(format!("{f},"));
            }
            o.close("}");
        }
    }
    o.close("}");
    o.close("}");
}

/// `CProperties::to_values`: every property's value in wire order, as declared.
fn to_values(o: &mut Out, g: &ClassGen, name: &str, any_value: bool) {
    o.open(format!("impl {name} {{"));
    o.doc("The values as sent for `dialect`, in wire order (child objects and models are\nplaceholders: they are set apart).");
    if g.props.is_empty() {
        o.fn_line("pub fn to_values(&self, _dialect: qtro::core::Dialect) -> Vec<qtro::core::Value> {");
        o.line("Vec::new()");
    } else {
        // Only children and models: the dialect is not needed.
        let param = if any_value { "dialect" } else { "_dialect" };
        o.fn_line(&format!("pub fn to_values(&self, {param}: qtro::core::Dialect) -> Vec<qtro::core::Value> {{"));
        if any_value {
            o.line(format!("let t = |i: usize| {}.properties[i].ty.get(dialect);", g.spec()));
        }
        let items: Vec<String> = g
            .props
            .iter()
            .map(|p| match p.mapped {
                Some(_) => format!("self.{}.to_variant(t({}), dialect)", p.ident, p.index),
                None => "qtro::core::Value::Invalid".to_owned(),
            })
            .collect();
        o.list("vec![", &items, "]", CALL_WIDTH);
    }
    o.close("}");
    o.close("}");
}
