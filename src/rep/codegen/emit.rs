//! Emission of the generated Rust file.

use std::collections::HashSet;

use crate::core::typename::normalize_type_for;
use crate::core::Dialect;
use crate::rep::{signature_qt5, signature_qt6, ApiLists, Class, Function, Modifier, Pod, PropertyKind, RepFile};

use super::names::{self, Names};
use super::out::{struct_lit_inline, Out, CALL_WIDTH, MAX_WIDTH, STRUCT_LIT_WIDTH};
use super::types::{module_name, Ctx, EnumInfo, Mapped, Scope};
use super::{CodegenError, Options};

/// `Ty::both(..)` / `Ty::new(..)` as `field: <expr>,` lines.
fn ty_field(o: &mut Out, field: &str, qt6: &str, qt5: &str) {
    if qt6 == qt5 {
        o.list(&format!("{field}: qtro::typed::Ty::both("), &[quote(qt6)], "),", CALL_WIDTH);
    } else {
        o.list(&format!("{field}: qtro::typed::Ty::new("), &[quote(qt6), quote(qt5)], "),", CALL_WIDTH);
    }
}

fn quote(s: &str) -> String {
    format!("{s:?}")
}

fn screaming(name: &str) -> String {
    names::snake(name).trim_start_matches('_').to_uppercase()
}

/// The .rep text of an enum declaration, for docs.
fn enum_decl(e: &EnumInfo) -> String {
    let keys: Vec<String> = e.def.keys.iter().map(|k| format!("{} = {}", k.name, k.value)).collect();
    let class = if e.def.scoped { "class " } else { "" };
    let under = e.def.underlying_type.as_deref().map(|t| format!(" : {t}")).unwrap_or_default();
    format!("ENUM {class}{}{under} {{ {} }}", e.def.name, keys.join(", "))
}

/// The fields of an `EnumSpec` literal.
fn enum_spec(o: &mut Out, e: &EnumInfo) {
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

/// `name: &[ ... ],` with one struct literal per element (`open` is its first line, e.g.
/// `Spec {`; `each` writes its fields), or `name: &[],`. A single element hugs the brackets, as
/// rustfmt lays it out.
fn spec_list<T>(o: &mut Out, name: &str, open: &str, items: &[T], mut each: impl FnMut(&mut Out, &T)) {
    match items {
        [] => o.line(format!("{name}: &[],")),
        [one] => {
            o.open(format!("{name}: &[{open}"));
            each(o, one);
            o.close("}],");
        }
        _ => {
            o.open(format!("{name}: &["));
            for i in items {
                o.open(open);
                each(o, i);
                o.close("},");
            }
            o.close("],");
        }
    }
}

/// Emits a Rust enum (or flag alias) for a .rep enum, with its conversions.
fn emit_enum(o: &mut Out, ctx: &Ctx, e: &EnumInfo) {
    if let Some(of) = e.flag_of {
        let inner = &ctx.enums[of];
        o.doc(format!(
            "`FLAG({} {})`: any combination of [`{}`] values (Qt type `{}`).",
            e.name, inner.name, inner.rust_name, e.qt_name
        ));
        o.line(format!("pub type {} = qtro::typed::Flags<{}>;", e.rust_name, inner.rust_name));
        return;
    }
    let name = &e.rust_name;
    o.doc(format!("`{}`\n\nQt type `{}`, {} byte(s) on the wire.", enum_decl(e), e.qt_name, e.size));
    // Enums have at least one key (checked by `check_names`).
    let primary: Vec<_> = e.variants.iter().filter(|v| v.alias_of.is_none()).collect();
    o.line("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]");
    o.line(format!("#[repr({})]", e.repr));
    o.open(format!("pub enum {name} {{"));
    // Qt value-initializes an enum to 0; without a key for 0 the first key is the default.
    let default = primary.iter().find(|v| v.literal == "0").unwrap_or(&primary[0]).ident.clone();
    for v in &primary {
        o.doc(format!("`{}`", v.key));
        if v.ident == default {
            o.line("#[default]");
        }
        o.line(format!("{} = {},", v.ident, v.literal));
    }
    o.close("}");
    let aliases: Vec<_> = e.variants.iter().filter(|v| v.alias_of.is_some()).collect();
    if !aliases.is_empty() {
        o.blank();
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
    o.blank();
    o.open(format!("impl qtro::typed::QtEnum for {name} {{"));
    o.line(format!("const QT_NAME: &'static str = {};", quote(&e.qt_name)));
    o.line(format!("const SIZE: u8 = {};", e.size));
    o.blank();
    fn_line(o, "fn to_i64(self) -> i64 {");
    o.line("self as i64");
    o.close("}");
    o.blank();
    fn_line(o, "fn from_i64(value: i64) -> std::option::Option<Self> {");
    let scrutinee = if e.repr == "i64" { "value".to_owned() } else { format!("value as {}", e.repr) };
    o.open(format!("match {scrutinee} {{"));
    for v in &primary {
        o.line(format!("{} => Some(Self::{}),", v.literal, v.ident));
    }
    o.line("_ => None,");
    o.close("}");
    o.close("}");
    o.close("}");
    o.blank();
    o.open(format!("impl qtro::typed::ToValue for {name} {{"));
    fn_line(o, "fn to_variant(&self, _ty: &str, dialect: qtro::core::Dialect) -> qtro::core::Value {");
    o.line("qtro::typed::enum_to_variant(*self, dialect)");
    o.close("}");
    o.blank();
    fn_line(o, "fn to_element(&self, ty: &str, _dialect: qtro::core::Dialect) -> qtro::core::Value {");
    o.line("qtro::typed::enum_to_element(*self, ty)");
    o.close("}");
    o.close("}");
    o.blank();
    o.open(format!("impl qtro::typed::FromValue for {name} {{"));
    fn_line(o, "fn from_value(value: &qtro::core::Value) -> qtro::typed::Result<Self, qtro::typed::ConvertError> {");
    o.line("qtro::typed::enum_from_value(value)");
    o.close("}");
    o.close("}");
}

/// Emits the enums and flags of `scope` (a module for a class or POD scope).
fn emit_enums(o: &mut Out, ctx: &Ctx, scope: Option<&str>, what: &str) {
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
        emit_enum(o, ctx, e);
    }
    if scope.is_some() {
        o.close("}");
    }
    o.blank();
}

/// The header of a multi-line or one-line signature: `head(params)tail`.
/// A function header written on one line (`fn name(a: A, b: B) -> R {`), laid out like
/// rustfmt by [`fn_sig`].
fn fn_line(o: &mut Out, header: &str) {
    let open = header.find('(').expect("a parameter list");
    let mut depth = 0i32;
    let mut close = open;
    let mut params = Vec::new();
    let mut start = open + 1;
    for (i, c) in header.char_indices().skip(open) {
        match c {
            '(' | '<' | '[' => depth += 1,
            ')' | '>' | ']' if !(c == '>' && header[..i].ends_with('-')) => {
                depth -= 1;
                if depth == 0 {
                    close = i;
                    break;
                }
            }
            ',' if depth == 1 => {
                params.push(header[start..i].trim().to_owned());
                start = i + 1;
            }
            _ => {}
        }
    }
    let last = header[start..close].trim();
    if !last.is_empty() {
        params.push(last.to_owned());
    }
    fn_sig(o, &header[..=open], &params, &header[close..]);
}

/// `#[allow(clippy::too_many_arguments)]` for functions with more parameters than clippy likes.
fn allow_many(o: &mut Out, params: &[String]) {
    if params.len() > 7 {
        o.line("#[allow(clippy::too_many_arguments)]");
    }
}

/// A function signature `head params tail`, laid out like rustfmt: `head` ends with `(`,
/// `tail` is `) [-> Ret] {` (the body follows, indented) or `) [-> Ret];`.
fn fn_sig(o: &mut Out, head: &str, params: &[String], tail: &str) {
    let body = tail.ends_with('{');
    let inner = tail.strip_prefix(')').unwrap_or(tail);
    let inner = inner.strip_suffix(" {").or_else(|| inner.strip_suffix(';')).unwrap_or(inner);
    let ret = inner.trim();
    let joined = params.join(", ");
    let first = format!("{head}{joined})");
    let ret_len = if ret.is_empty() { 0 } else { ret.len() + 1 };
    let end = if body { " {" } else { ";" };
    // rustfmt reserves room for ` {` even before a `;`, and only declarations (no body) may
    // move the return type to a line of its own.
    if o.col() + first.len() + ret_len + 2 <= MAX_WIDTH {
        o.line(format!("{first}{}{end}", if ret.is_empty() { String::new() } else { format!(" {ret}") }));
    } else if !body && !ret.is_empty() && o.col() + first.len() + ret_len < MAX_WIDTH {
        o.line(first);
        o.line(format!("    {ret}{end}"));
    } else {
        o.open(head);
        for p in params {
            o.line(format!("{p},"));
        }
        let close = if ret.is_empty() { ")".to_owned() } else { format!(") {ret}") };
        if o.col() - 4 + close.len() + end.len() + 4 <= MAX_WIDTH {
            o.close(format!("{close}{end}"));
        } else {
            o.close(close);
            o.line(end.trim());
        }
    }
    if body {
        o.enter();
    }
}

fn emit_pod(o: &mut Out, ctx: &Ctx, pod: &Pod) {
    let scope = Scope::Pod(&pod.name);
    let rust = &ctx.pods[&pod.name].rust_name;
    let spec = format!("{}_POD", screaming(&pod.name));
    let mut field_names = Names::default();
    let fields: Vec<(String, Mapped, &crate::rep::PodAttribute)> = pod
        .attributes
        .iter()
        .map(|a| (field_names.claim(names::member(&a.name, "field")), ctx.map(&a.type_name, scope), a))
        .collect();
    let decl: Vec<String> = pod.attributes.iter().map(|a| format!("{} {}", a.type_name, a.name)).collect();
    if pod.block {
        o.doc(format!("`POD {} {{ {} }}`", pod.name, decl.join(", ")));
    } else {
        o.doc(format!("`POD {}({})`", pod.name, decl.join(", ")));
    }
    let derive_default = fields.iter().all(|(_, m, _)| m.has_default);
    o.line(if derive_default {
        "#[derive(Debug, Clone, PartialEq, Default)]"
    } else {
        "#[derive(Debug, Clone, PartialEq)]"
    });
    if fields.is_empty() {
        o.line(format!("pub struct {rust} {{}}"));
    } else {
        o.open(format!("pub struct {rust} {{"));
        for (n, m, a) in &fields {
            let note = m
                .unmapped
                .as_ref()
                .map(|u| format!(" (`{u}` has no Rust mapping: kept as a `Value`)"))
                .unwrap_or_default();
            o.doc(format!("`{} {}`{note}", a.type_name, a.name));
            o.line(format!("pub {n}: {},", m.rust));
        }
        o.close("}");
    }
    o.blank();
    if !derive_default {
        o.open(format!("impl Default for {rust} {{"));
        fn_line(o, "fn default() -> Self {");
        o.open("Self {");
        for (n, m, _) in &fields {
            o.line(format!("{n}: {},", m.default));
        }
        o.close("}");
        o.close("}");
        o.close("}");
        o.blank();
    }
    o.doc(format!("Static description of POD `{}`.", pod.name));
    o.open(format!("pub static {spec}: qtro::typed::PodSpec = qtro::typed::PodSpec {{"));
    o.line(format!("name: {},", quote(&pod.name)));
    spec_list(o, "fields", "qtro::typed::FieldSpec {", &pod.attributes, |o, a| {
        o.line(format!("name: {},", quote(&a.name)));
        let qualified = qualify_pod_words(ctx, pod, &a.type_name);
        let q6 = normalize_type_for(&qualified, Dialect::Qt6);
        let q5 = normalize_type_for(&qualified, Dialect::Qt5);
        ty_field(o, "ty", &q6, &q5);
    });
    let enums: Vec<&EnumInfo> = ctx.enums_in(Some(&pod.name)).map(|(_, e)| e).collect();
    spec_list(o, "enums", "qtro::typed::EnumSpec {", &enums, |o, e| enum_spec(o, e));
    o.close("};");
    o.blank();
    o.open(format!("impl qtro::typed::ToValue for {rust} {{"));
    o.line("const IS_GADGET: bool = true;");
    o.blank();
    if fields.is_empty() {
        fn_line(o, "fn to_element(&self, _ty: &str, _dialect: qtro::core::Dialect) -> qtro::core::Value {");
        o.line(format!("{spec}.gadget(Vec::new())"));
    } else {
        fn_line(o, "fn to_element(&self, _ty: &str, dialect: qtro::core::Dialect) -> qtro::core::Value {");
        o.line(format!("let t = |i| {spec}.field_type(i, dialect);"));
        let items: Vec<String> =
            fields.iter().enumerate().map(|(i, (n, _, _))| format!("self.{n}.to_variant(t({i}), dialect)")).collect();
        o.list("let fields = vec![", &items, "];", CALL_WIDTH);
        o.line(format!("{spec}.gadget(fields)"));
    }
    o.close("}");
    o.close("}");
    o.blank();
    o.open(format!("impl qtro::typed::FromValue for {rust} {{"));
    fn_line(o, "fn from_value(value: &qtro::core::Value) -> qtro::typed::Result<Self, qtro::typed::ConvertError> {");
    if fields.is_empty() {
        o.line(format!("{spec}.fields_of(value)?;"));
        o.line("Ok(Self {})");
    } else {
        o.line(format!("let f = {spec}.fields_of(value)?;"));
        o.open("Ok(Self {");
        for (i, (n, _, _)) in fields.iter().enumerate() {
            o.line(format!("{n}: {spec}.field(f, {i})?,"));
        }
        o.close("})");
    }
    o.close("}");
    o.close("}");
    o.blank();
}

/// A POD field type with the POD's own enums and flags qualified (see
/// [`crate::rep::source::qualify_pod_type`]).
fn qualify_pod_words(_ctx: &Ctx, pod: &Pod, ty: &str) -> String {
    crate::rep::source::qualify_pod_type(pod, ty)
}

/// The PODs and Qt-namespace enums an interface uses (see
/// [`crate::rep::source::interface_types`]).
fn interface_types(ctx: &Ctx, class: &Class) -> (Vec<String>, Vec<String>) {
    let (pods, qt_enums, _) = crate::rep::source::interface_types(ctx.file, class);
    (pods.into_iter().map(|p| p.name.clone()).collect(), qt_enums)
}

/// A typed parameter of a generated function.
struct TypedParam {
    ident: String,
    mapped: Mapped,
    decl: String,
}

/// A declared signal or slot with its Rust names and types.
struct TypedFn<'a> {
    f: &'a Function,
    params: Vec<TypedParam>,
    /// `None` for `void`.
    ret: Option<Mapped>,
}

impl TypedFn<'_> {
    fn decl(&self, kind: &str) -> String {
        let params: Vec<&str> = self.params.iter().map(|p| p.decl.as_str()).collect();
        let ret = if kind == "SLOT" { format!("{} ", self.f.return_type) } else { String::new() };
        format!("{kind}({ret}{}({}))", self.f.name, params.join(", "))
    }

    fn ret_rust(&self) -> String {
        self.ret.as_ref().map_or_else(|| "()".to_owned(), |m| m.rust.clone())
    }

    /// `(a, b)` / `(a,)` / `()` of the parameter identifiers.
    fn tuple(&self) -> String {
        tuple(self.params.iter().map(|p| p.ident.clone()).collect())
    }
}

fn tuple(items: Vec<String>) -> String {
    match items.len() {
        1 => format!("({},)", items[0]),
        _ => format!("({})", items.join(", ")),
    }
}

/// One property with its Rust names and type.
struct TypedProp<'a> {
    index: usize,
    p: &'a crate::rep::Property,
    /// Field of `CProperties` and getter name.
    ident: String,
    /// `PROP` type (None for CLASS/MODEL).
    mapped: Option<Mapped>,
    /// `CLASS` child: the child class.
    child: Option<&'a Class>,
    /// Rust expression of the initial value.
    default: String,
    /// Doc line describing the declaration.
    doc: String,
}

/// Everything needed to emit one class.
struct ClassGen<'a> {
    class: &'a Class,
    api6: ApiLists,
    api5: ApiLists,
    props: Vec<TypedProp<'a>>,
    signals: Vec<TypedFn<'a>>,
    slots: Vec<TypedFn<'a>>,
    /// `Rich` → `Rich`, `RICH`, `rich`.
    rust: String,
    upper: String,
    snake: String,
}

fn modifier_doc(p: &crate::rep::Property) -> String {
    let mut s = p.modifier.keyword().to_owned();
    if p.persisted {
        s.push_str(", PERSISTED");
    }
    s
}

impl<'a> ClassGen<'a> {
    fn new(ctx: &Ctx<'a>, class: &'a Class) -> ClassGen<'a> {
        let scope = Scope::Class(class);
        let mut field_names = Names::default();
        let props = class
            .properties
            .iter()
            .enumerate()
            .map(|(index, p)| {
                let ident = field_names.claim(names::member(&p.name, "prop"));
                let (mapped, child, default, doc) = match &p.kind {
                    PropertyKind::Prop => {
                        let m = ctx.map(&p.type_name, scope);
                        let mut doc = format!("`{} {}`", p.type_name, p.name);
                        let default = match p.default_value.as_deref() {
                            Some(text) => {
                                doc.push_str(&format!(" = `{text}`"));
                                ctx.default_expr(&m, text).unwrap_or_else(|| {
                                    doc.push_str(" (not translated: the type's default is used)");
                                    m.default.clone()
                                })
                            }
                            None => m.default.clone(),
                        };
                        doc.push_str(&format!(", {}", modifier_doc(p)));
                        if let Some(u) = &m.unmapped {
                            doc.push_str(&format!(" (`{u}` has no Rust mapping: kept as a `Value`)"));
                        }
                        (Some(m), None, default, doc)
                    }
                    PropertyKind::Class => (
                        None,
                        ctx.file.class(&p.type_name),
                        String::new(),
                        format!("`CLASS {}({})`", p.name, p.type_name),
                    ),
                    PropertyKind::Model { roles } => {
                        (None, None, String::new(), format!("`MODEL {}({})`", p.name, roles.join(", ")))
                    }
                };
                TypedProp { index, p, ident, mapped, child, default, doc }
            })
            .collect();
        let typed_fn = |f: &'a Function, reserved: &[&str]| {
            let mut n = Names::new(reserved);
            let params = f
                .params
                .iter()
                .map(|p| TypedParam {
                    ident: n.claim(names::member(&p.name, "arg")),
                    mapped: ctx.map(&p.type_name, scope),
                    decl: if p.name.starts_with("__repc_variable_") {
                        p.declared_type()
                    } else {
                        format!("{} {}", p.declared_type(), p.name)
                    },
                })
                .collect();
            let ret = (f.return_type.trim() != "void").then(|| ctx.map(&f.return_type, scope));
            TypedFn { f, params, ret }
        };
        ClassGen {
            class,
            api6: class.api_for(Dialect::Qt6),
            api5: class.api_for(Dialect::Qt5),
            props,
            signals: class.signals.iter().map(|f| typed_fn(f, &["self"])).collect(),
            slots: class.slots.iter().map(|f| typed_fn(f, &["self", "source"])).collect(),
            rust: names::type_name(&class.name),
            upper: screaming(&class.name),
            snake: names::snake(&class.name),
        }
    }

    fn spec(&self) -> String {
        format!("{}_CLASS", self.upper)
    }
}

/// Emits the `ClassSpec` static of a class.
fn emit_class_spec(o: &mut Out, ctx: &Ctx, g: &ClassGen) {
    let c = g.class;
    let sig6 = signature_qt6(ctx.file, &c.name).unwrap_or_default();
    let sig5 = signature_qt5(ctx.file, &c.name).unwrap_or_default();
    o.doc(format!("Static description of class `{}`: member lists, wire types, signatures.", c.name));
    o.open(format!("pub static {}: qtro::typed::ClassSpec = qtro::typed::ClassSpec {{", g.spec()));
    o.line(format!("name: {},", quote(&c.name)));
    ty_field(o, "signature", &sig6, &sig5);
    let enums: Vec<&EnumInfo> = ctx.enums_in(Some(&c.name)).map(|(_, e)| e).collect();
    // Flags come after every enum, as in the API lists.
    let mut ordered: Vec<&EnumInfo> = enums.iter().copied().filter(|e| e.flag_of.is_none()).collect();
    ordered.extend(enums.iter().copied().filter(|e| e.flag_of.is_some()));
    spec_list(o, "enums", "qtro::typed::EnumSpec {", &ordered, |o, e| enum_spec(o, e));
    spec_list(o, "properties", "qtro::typed::PropertySpec {", &g.props, |o, p| {
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
    });
    let first_signal = g.api6.signals.len() - g.signals.len();
    let first_slot = g.api6.methods.len() - g.slots.len();
    let funcs = |o: &mut Out, name: &str, fns: &[TypedFn], first: usize, methods: bool| {
        let api = |api: &ApiLists, i: usize| {
            if methods {
                api.methods[first + i].clone()
            } else {
                api.signals[first + i].clone()
            }
        };
        let indexed: Vec<usize> = (0..fns.len()).collect();
        spec_list(o, name, "qtro::typed::FunctionSpec {", &indexed, |o, &i| {
            let (m6, m5) = (api(&g.api6, i), api(&g.api5, i));
            o.line(format!("name: {},", quote(&m6.name)));
            let params: Vec<usize> = (0..m6.parameter_names.len()).collect();
            spec_list(o, "params", "qtro::typed::ParamSpec {", &params, |o, &j| {
                o.line(format!("name: {},", quote(&m6.parameter_names[j])));
                ty_field(o, "ty", &m6.parameter_types[j], &m5.parameter_types[j]);
            });
            ty_field(o, "ret", &m6.return_type, &m5.return_type);
        });
    };
    funcs(o, "signals", &g.signals, first_signal, false);
    funcs(o, "slots", &g.slots, first_slot, true);
    o.line(format!("defaults: {}_defaults,", g.snake));
    let (pods, qt_enums) = interface_types(ctx, c);
    let pods: Vec<String> = pods.iter().map(|p| format!("&{}_POD", screaming(p))).collect();
    o.list("gadgets: &[", &pods, "],", CALL_WIDTH);
    let qt_enums: Vec<String> = qt_enums.iter().map(|e| quote(e)).collect();
    o.list("qt_enums: &[", &qt_enums, "],", CALL_WIDTH);
    o.close("};");
    o.blank();
}

/// Emits `CProperties`.
fn emit_properties(o: &mut Out, g: &ClassGen) {
    let name = format!("{}Properties", g.rust);
    let values: Vec<&TypedProp> = g.props.iter().filter(|p| p.mapped.is_some()).collect();
    o.doc(format!(
        "The properties of class `{}`: initial values of a source, and what a replica shows until the\nsource's values arrive. `Default` gives the .rep defaults.",
        g.class.name
    ));
    o.line("#[derive(Debug, Clone, PartialEq)]");
    if values.is_empty() {
        o.line(format!("pub struct {name} {{}}"));
    } else {
        o.open(format!("pub struct {name} {{"));
        for p in &values {
            o.doc(&p.doc);
            o.line(format!("pub {}: {},", p.ident, p.mapped.as_ref().map(|m| m.rust.as_str()).unwrap_or_default()));
        }
        o.close("}");
    }
    o.blank();
    o.line("#[allow(clippy::derivable_impls)]");
    o.open(format!("impl Default for {name} {{"));
    fn_line(o, "fn default() -> Self {");
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
    o.blank();
    o.doc(format!("The .rep defaults of class `{}` as sent for `dialect`.", g.class.name));
    fn_line(o, &format!("fn {}_defaults(dialect: qtro::core::Dialect) -> Vec<qtro::core::Value> {{", g.snake));
    o.line(format!("{name}::default().to_values(dialect)"));
    o.close("}");
    o.blank();
    o.open(format!("impl {name} {{"));
    o.doc("The values as sent for `dialect`, in wire order (child objects and models are\nplaceholders: they are set apart).");
    if g.props.is_empty() {
        fn_line(o, "pub fn to_values(&self, _dialect: qtro::core::Dialect) -> Vec<qtro::core::Value> {");
        o.line("Vec::new()");
    } else {
        fn_line(o, "pub fn to_values(&self, dialect: qtro::core::Dialect) -> Vec<qtro::core::Value> {");
        if !values.is_empty() {
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
    o.blank();
}

fn signature_consts(o: &mut Out, ctx: &Ctx, c: &Class) {
    let sig6 = signature_qt6(ctx.file, &c.name).unwrap_or_default();
    let sig5 = signature_qt5(ctx.file, &c.name).unwrap_or_default();
    o.doc("The class signature as repc 6 computes it (Qt replicas and sources check it).");
    o.line(format!("pub const SIGNATURE: &'static str = {};", quote(&sig6)));
    o.blank();
    o.doc("The class signature as repc 5.15 computes it.");
    o.line(format!("pub const SIGNATURE_QT5: &'static str = {};", quote(&sig5)));
}

const RESULT: &str = "qtro::typed::Result<Self>";

fn typed_result(t: &str) -> String {
    format!("qtro::typed::Result<{t}>")
}

/// Emits `CSlots`, `CSource` and `CSourceEvent`.
fn emit_source(o: &mut Out, ctx: &Ctx, g: &ClassGen) {
    let c = &g.class.name;
    let rust = &g.rust;
    let slots_trait = format!("{rust}Slots");
    let source = format!("{rust}Source");
    let event = format!("{rust}SourceEvent");

    // The slots trait.
    let mut trait_names = Names::default();
    let slot_idents: Vec<String> =
        g.slots.iter().map(|s| trait_names.claim(names::ident(&names::snake(&s.f.name)))).collect();
    o.doc(format!(
        "The slots of class `{c}`: implement them to host a [`{source}`]. Each is called with the\nsource, so it can change properties or emit signals."
    ));
    if g.slots.is_empty() {
        o.line(format!("pub trait {slots_trait}: Send + Sync + 'static {{}}"));
        o.blank();
        o.doc("For a source without slots.");
        o.line(format!("impl {slots_trait} for () {{}}"));
    } else {
        o.open(format!("pub trait {slots_trait}: Send + Sync + 'static {{"));
        for (i, (s, ident)) in g.slots.iter().zip(&slot_idents).enumerate() {
            if i > 0 {
                o.blank();
            }
            o.doc(format!("`{}`", s.decl("SLOT")));
            let mut params = vec!["&self".to_owned(), format!("source: &{source}")];
            params.extend(s.params.iter().map(|p| format!("{}: {}", p.ident, p.mapped.rust)));
            let tail = format!(") -> impl std::future::Future<Output = {}> + Send;", s.ret_rust());
            allow_many(o, &params);
            fn_sig(o, &format!("fn {ident}("), &params, &tail);
        }
        o.close("}");
    }
    o.blank();

    // The source.
    o.doc(format!(
        "A source of class `{c}` hosted by a node, with typed accessors. Cheap to clone; stays\nenabled while the node runs."
    ));
    o.line("#[derive(Clone)]");
    o.open(format!("pub struct {source} {{"));
    o.line("core: std::sync::Arc<qtro::typed::SourceCore>,");
    o.close("}");
    o.blank();
    o.open(format!("impl {source} {{"));
    signature_consts(o, ctx, g.class);
    let mut n = Names::new(&[
        "SIGNATURE",
        "SIGNATURE_QT5",
        "enable",
        "enable_with",
        "enable_in",
        "dispatch",
        "invoke",
        "source",
        "events",
    ]);
    o.blank();
    o.doc("Hosts the source on `node` under the class name, with the .rep defaults.");
    fn_sig(
        o,
        "pub fn enable(",
        &["node: &qtro::node::Node".into(), format!("slots: impl {slots_trait}")],
        &format!(") -> {RESULT} {{"),
    );
    let args = ["node".into(), quote(c), format!("{rust}Properties::default()"), "slots".into()];
    o.list("Self::enable_with(", &args, ")", CALL_WIDTH);
    o.close("}");
    o.blank();
    o.doc("Hosts the source on `node` under `name`, starting from `initial`.");
    fn_sig(
        o,
        "pub fn enable_with(",
        &[
            "node: &qtro::node::Node".into(),
            "name: &str".into(),
            format!("initial: {rust}Properties"),
            format!("slots: impl {slots_trait}"),
        ],
        &format!(") -> {RESULT} {{"),
    );
    o.line("qtro::typed::register_types(node, register_types);");
    o.line("Self::enable_in(qtro::typed::SourceHost::Node(node), name, initial, slots)");
    o.close("}");
    o.blank();
    fn_sig(
        o,
        &format!("fn enable_in<H: {slots_trait}>("),
        &[
            "host: qtro::typed::SourceHost<'_>".into(),
            "name: &str".into(),
            format!("initial: {rust}Properties"),
            "slots: H".into(),
        ],
        &format!(") -> {RESULT} {{"),
    );
    o.line("let cell = qtro::typed::SourceCell::new();");
    o.line("let handler = qtro::typed::slot_handler(cell.clone(), slots, Self::dispatch::<H>);");
    o.line("let values = initial.to_values(host.dialect());");
    o.line(format!("let spec = &{};", g.spec()));
    o.line("let core = qtro::typed::SourceCore::enable(host, name, spec, values, handler)?;");
    o.open("let source = Self {");
    o.line("core: std::sync::Arc::new(core),");
    o.close("};");
    o.line("cell.set(source.clone());");
    o.line("Ok(source)");
    o.close("}");
    o.blank();

    // Slot dispatch.
    fn_sig(
        o,
        &format!("async fn dispatch<H: {slots_trait}>("),
        &[
            "self".into(),
            if g.slots.is_empty() { "_slots: std::sync::Arc<H>".into() } else { "slots: std::sync::Arc<H>".into() },
            if g.slots.is_empty() { "_call: qtro::node::SlotCall".into() } else { "call: qtro::node::SlotCall".into() },
        ],
        ") -> qtro::core::Value {",
    );
    if g.slots.is_empty() {
        o.line("qtro::core::Value::Invalid");
    } else {
        o.open("match self.invoke(&*slots, &call).await {");
        o.line("Ok(reply) => reply,");
        o.line("Err(error) => self.core.slot_failed(&call, error),");
        o.close("}");
    }
    o.close("}");
    o.blank();
    if !g.slots.is_empty() {
        fn_sig(
            o,
            &format!("async fn invoke<H: {slots_trait}>("),
            &["&self".into(), "slots: &H".into(), "call: &qtro::node::SlotCall".into()],
            ") -> qtro::typed::Result<qtro::core::Value, qtro::typed::ConvertError> {",
        );
        o.open("let reply = match call.slot {");
        for (i, (s, ident)) in g.slots.iter().zip(&slot_idents).enumerate() {
            let args: Vec<String> = (0..s.params.len()).map(|j| format!("a{j}")).collect();
            let mut call_args = vec!["self".to_owned()];
            call_args.extend(args.iter().cloned());
            o.open(format!("{i} => {{"));
            if !args.is_empty() {
                let member = quote(&format!("{c}.{}", s.f.name));
                let_call(o, &tuple(args.clone()), "qtro::typed::from_args", &["&call.args".into(), member], "?");
            }
            let invocation = format!("slots.{ident}({}).await", call_args.join(", "));
            if s.ret.is_some() {
                o.line(format!("let result = {invocation};"));
                o.line(format!("self.core.slot_result({i}, &result)"));
            } else {
                o.line(format!("{invocation};"));
                o.line("qtro::core::Value::Invalid");
            }
            o.close("}");
        }
        o.line("_ => qtro::core::Value::Invalid,");
        o.close("};");
        o.line("Ok(reply)");
        o.close("}");
        o.blank();
    }

    o.doc("The hosted source.");
    fn_line(o, "pub fn source(&self) -> &qtro::node::Source {");
    o.line("self.core.source()");
    o.close("}");
    o.blank();
    o.doc("What replicas do to the source, from now on.");
    let tail = format!(") -> qtro::typed::EventStream<{event}, qtro::node::SourceEvent> {{");
    fn_sig(o, "pub fn events(", &["&self".into()], &tail);
    o.line(format!("self.core.events({}_source_event)", g.snake));
    o.close("}");

    // Properties.
    for p in &g.props {
        if let Some(m) = &p.mapped {
            let getter = n.claim(p.ident.clone());
            o.blank();
            o.doc(format!("{}: the current value.", p.doc));
            fn_sig(o, &format!("pub fn {getter}("), &["&self".into()], &format!(") -> {} {{", typed_result(&m.rust)));
            o.line(format!("self.core.get({})", p.index));
            o.close("}");
            if p.p.modifier != Modifier::Constant {
                let setter = n.claim(format!("set_{}", p.ident.trim_start_matches("r#")));
                o.blank();
                o.doc(format!(
                    "Sets `{}`; replicas are notified when it changes. Returns whether it changed.",
                    p.p.name
                ));
                fn_sig(
                    o,
                    &format!("pub fn {setter}("),
                    &["&self".into(), format!("value: {}", m.rust)],
                    &format!(") -> {} {{", typed_result("bool")),
                );
                o.line(format!("self.core.set({}, &value)", p.index));
                o.close("}");
            }
        } else if let Some(child) = p.child {
            let name = n.claim(format!("enable_{}", p.ident.trim_start_matches("r#")));
            let ct = names::type_name(&child.name);
            o.blank();
            o.doc(format!(
                "{}: hosts a `{}` source as this child object (replacing the previous one). Qt names it\n`Class::<source name>::{}` (Qt 6) or `Class::{}` (Qt 5).",
                p.doc, child.name, p.p.name, p.p.name
            ));
            fn_sig(
                o,
                &format!("pub fn {name}("),
                &["&self".into(), format!("initial: {ct}Properties"), format!("slots: impl {ct}Slots")],
                &format!(") -> {} {{", typed_result(&format!("{ct}Source"))),
            );
            o.open("let host = qtro::typed::SourceHost::Child {");
            o.line("parent: &self.core,");
            o.line(format!("property: {},", p.index));
            o.close("};");
            o.line(format!("{ct}Source::enable_in(host, {}, initial, slots)", quote(&p.p.name)));
            o.close("}");
        }
    }

    // Signals.
    for (i, s) in g.signals.iter().enumerate() {
        let name = n.claim(format!("emit_{}", names::snake(&s.f.name)));
        let mut params = vec!["&self".to_owned()];
        params.extend(s.params.iter().map(|p| format!("{}: {}", p.ident, p.mapped.rust)));
        o.blank();
        o.doc(format!("Emits `{}` to every replica.", s.decl("SIGNAL")));
        allow_many(o, &params);
        fn_sig(o, &format!("pub fn {name}("), &params, &format!(") -> {} {{", typed_result("()")));
        core_call(o, "emit", i, s, "");
        o.close("}");
    }
    o.close("}");
    o.blank();

    // Source events.
    let writable: Vec<&TypedProp> = g
        .props
        .iter()
        .filter(|p| p.mapped.is_some() && matches!(p.p.modifier, Modifier::ReadWrite | Modifier::ReadPush))
        .collect();
    let mut vn = Names::new(&["Acquired", "Released", "ConversionFailed"]);
    let variants: Vec<String> =
        writable.iter().map(|p| vn.claim(format!("{}Written", names::camel(&p.p.name)))).collect();
    o.doc(format!("What replicas do to a [`{source}`]."));
    o.line("#[derive(Debug, Clone, PartialEq)]");
    o.open(format!("pub enum {event} {{"));
    o.doc("A replica acquired the source.");
    o.open("Acquired {");
    o.doc("The replica's connection.");
    o.line("conn: qtro::core::ConnectionId,");
    o.doc("The replica is dynamic (it asked for the class definition).");
    o.line("dynamic: bool,");
    o.close("},");
    o.doc("A replica released the source.");
    o.open("Released {");
    o.doc("The replica's connection.");
    o.line("conn: qtro::core::ConnectionId,");
    o.close("},");
    for (p, v) in writable.iter().zip(&variants) {
        o.doc(format!("A replica set `{}` (already applied and sent to every replica).", p.p.name));
        o.line(format!("{v}({}),", p.mapped.as_ref().map(|m| m.rust.as_str()).unwrap_or_default()));
    }
    o.doc("A replica wrote a value that does not have the declared type.");
    o.line("ConversionFailed(qtro::typed::ConvertError),");
    o.close("}");
    o.blank();
    o.line("#[allow(clippy::collapsible_match)]");
    fn_line(
        o,
        &format!("fn {}_source_event(event: qtro::node::SourceEvent) -> std::option::Option<{event}> {{", g.snake),
    );
    o.open("let converted = match event {");
    arm(
        o,
        "qtro::node::SourceEvent::Acquired { conn, dynamic }",
        &format!("Ok({event}::Acquired {{ conn, dynamic }})"),
    );
    arm(o, "qtro::node::SourceEvent::Released { conn }", &format!("Ok({event}::Released {{ conn }})"));
    if !writable.is_empty() {
        o.open("qtro::node::SourceEvent::PropertyWritten { index, value, .. } => match index {");
        for (p, v) in writable.iter().zip(&variants) {
            let member = quote(&format!("{c}.{}", p.p.name));
            arm_call(
                o,
                &p.index.to_string(),
                "qtro::typed::map_value",
                &["&value".into(), member, format!("{event}::{v}")],
            );
        }
        o.line("_ => return None,");
        o.close("},");
    }
    o.line("#[allow(unreachable_patterns)]");
    o.line("_ => return None,");
    o.close("};");
    o.line(format!("Some(converted.unwrap_or_else({event}::ConversionFailed))"));
    o.close("}");
    o.blank();
}

/// A match arm `pat => body,`, or `pat => {` body `}` when that does not fit.
fn arm(o: &mut Out, pat: &str, body: &str) {
    let one = format!("{pat} => {body},");
    if o.col() + one.len() <= MAX_WIDTH {
        o.line(one);
    } else {
        o.open(format!("{pat} => {{"));
        o.line(body);
        o.close("}");
    }
}

/// A match arm `pat => callee(args),`, laid out like rustfmt: on one line, else in a block
/// when the call fits on a line of its own, else with one argument per line.
fn arm_call(o: &mut Out, pat: &str, callee: &str, args: &[String]) {
    let joined = args.join(", ");
    let call = format!("{callee}({joined})");
    if o.col() + pat.len() + 4 + call.len() < MAX_WIDTH && joined.len() <= CALL_WIDTH {
        o.line(format!("{pat} => {call},"));
    } else if joined.len() <= CALL_WIDTH && o.col() + 4 + call.len() <= MAX_WIDTH {
        o.open(format!("{pat} => {{"));
        o.line(call);
        o.close("}");
    } else {
        o.list(&format!("{pat} => {callee}("), args, "),", CALL_WIDTH);
    }
}

/// `let pat = callee(args)suffix;`, laid out like rustfmt.
fn let_call(o: &mut Out, pat: &str, callee: &str, args: &[String], suffix: &str) {
    let joined = args.join(", ");
    let rhs = format!("{callee}({joined}){suffix};");
    if o.col() + pat.len() + 7 + rhs.len() <= MAX_WIDTH && joined.len() <= CALL_WIDTH {
        o.line(format!("let {pat} = {rhs}"));
    } else if joined.len() <= CALL_WIDTH && o.col() + 4 + rhs.len() <= MAX_WIDTH {
        o.line(format!("let {pat} ="));
        o.line(format!("    {rhs}"));
    } else {
        o.list(&format!("let {pat} = {callee}("), args, &format!("){suffix};"), CALL_WIDTH);
    }
}

/// `self.core.<method>(index, (args...))<suffix>`, through a `let args` when long.
fn core_call(o: &mut Out, method: &str, index: usize, f: &TypedFn, suffix: &str) {
    let expr = format!("self.core.{method}({index}, {}){suffix}", f.tuple());
    if expr.len() <= CALL_WIDTH && o.col() + expr.len() <= MAX_WIDTH {
        o.line(expr);
        return;
    }
    let idents: Vec<String> = f.params.iter().map(|p| p.ident.clone()).collect();
    if idents.len() == 1 {
        o.line(format!("let args = ({},);", idents[0]));
    } else {
        o.list("let args = (", &idents, ");", CALL_WIDTH);
    }
    o.line(format!("self.core.{method}({index}, args){suffix}"));
}

/// Emits `CReplica` and `CEvent`.
fn emit_replica(o: &mut Out, ctx: &Ctx, g: &ClassGen) {
    let c = &g.class.name;
    let rust = &g.rust;
    let replica = format!("{rust}Replica");
    let event = format!("{rust}Event");
    o.doc(format!(
        "A replica of class `{c}`, with typed accessors. Cheap to clone; released when the last clone\nis dropped."
    ));
    o.line("#[derive(Clone)]");
    o.open(format!("pub struct {replica} {{"));
    o.line("core: std::sync::Arc<qtro::typed::ReplicaCore>,");
    o.close("}");
    o.blank();
    o.open(format!("impl {replica} {{"));
    signature_consts(o, ctx, g.class);
    let mut n = Names::new(&[
        "SIGNATURE",
        "SIGNATURE_QT5",
        "acquire",
        "acquire_named",
        "acquire_with",
        "replica",
        "replica_state",
        "wait_for_source",
        "events",
    ]);
    o.blank();
    o.doc(format!("Acquires the source named `{c}` from the hosts `node` is connected to."));
    fn_line(o, "pub fn acquire(node: &qtro::node::Node) -> Self {");
    o.line(format!("Self::acquire_with(node, {}, None)", quote(c)));
    o.close("}");
    o.blank();
    o.doc("Acquires the source called `name`.");
    fn_line(o, "pub fn acquire_named(node: &qtro::node::Node, name: &str) -> Self {");
    o.line("Self::acquire_with(node, name, None)");
    o.close("}");
    o.blank();
    o.doc("Acquires the source called `name`; its PERSISTED properties are restored from and saved\nto `store`.");
    fn_sig(
        o,
        "pub fn acquire_with(",
        &[
            "node: &qtro::node::Node".into(),
            "name: &str".into(),
            "store: std::option::Option<std::sync::Arc<dyn qtro::typed::PersistedStore>>".into(),
        ],
        ") -> Self {",
    );
    o.line("qtro::typed::register_types(node, register_types);");
    o.line(format!("let spec = &{};", g.spec()));
    o.line("let core = qtro::typed::ReplicaCore::acquire(node, name, spec, store);");
    o.line("Self { core }");
    o.close("}");
    o.blank();
    o.doc("The node's replica.");
    fn_line(o, "pub fn replica(&self) -> &qtro::node::Replica {");
    o.line("self.core.replica()");
    o.close("}");
    o.blank();
    o.doc("The replica's state (Valid once the source's values arrived).");
    fn_line(o, "pub fn replica_state(&self) -> qtro::core::ReplicaState {");
    o.line("self.core.state()");
    o.close("}");
    o.blank();
    o.doc("Waits until the replica is Valid.");
    fn_sig(
        o,
        "pub async fn wait_for_source(",
        &["&self".into(), "timeout: std::time::Duration".into()],
        &format!(") -> {} {{", typed_result("()")),
    );
    o.line("self.core.wait_for_source(timeout).await");
    o.close("}");
    o.blank();
    o.doc("The replica's typed events, from now on.");
    fn_sig(o, "pub fn events(", &["&self".into()], &format!(") -> qtro::typed::EventStream<{event}> {{"));
    o.line(format!("self.core.events({}_event)", g.snake));
    o.close("}");

    for p in &g.props {
        if let Some(m) = &p.mapped {
            let getter = n.claim(p.ident.clone());
            o.blank();
            o.doc(format!("{}: the current value.", p.doc));
            fn_sig(o, &format!("pub fn {getter}("), &["&self".into()], &format!(") -> {} {{", typed_result(&m.rust)));
            o.line(format!("self.core.get({})", p.index));
            o.close("}");
            let bare = p.ident.trim_start_matches("r#");
            match p.p.modifier {
                Modifier::ReadWrite => {
                    let setter = n.claim(format!("set_{bare}"));
                    o.blank();
                    o.doc(format!(
                        "Asks the source to set `{}` (WriteProperty); the change comes back as an event.",
                        p.p.name
                    ));
                    fn_sig(
                        o,
                        &format!("pub fn {setter}("),
                        &["&self".into(), format!("value: {}", m.rust)],
                        &format!(") -> {} {{", typed_result("()")),
                    );
                    o.line(format!("self.core.write({}, &value)", p.index));
                    o.close("}");
                }
                Modifier::ReadPush => {
                    let push = n.claim(format!("push_{bare}"));
                    o.blank();
                    o.doc(format!("Asks the source to set `{}` (its `push` slot).", p.p.name));
                    fn_sig(
                        o,
                        &format!("pub async fn {push}("),
                        &["&self".into(), format!("value: {}", m.rust)],
                        &format!(") -> {} {{", typed_result("()")),
                    );
                    o.line(format!("self.core.push({}, &value).await", p.index));
                    o.close("}");
                }
                _ => {}
            }
        } else if let Some(child) = p.child {
            let getter = n.claim(p.ident.clone());
            let ct = names::type_name(&child.name);
            o.blank();
            o.doc(format!(
                "{}: the replica of the child object (acquired with this replica; Valid once the source\nhas sent a child object).",
                p.doc
            ));
            fn_sig(
                o,
                &format!("pub fn {getter}("),
                &["&self".into()],
                &format!(") -> std::option::Option<{ct}Replica> {{"),
            );
            o.line(format!("let core = self.core.child({})?;", p.index));
            o.line(format!("Some({ct}Replica {{ core }})"));
            o.close("}");
        }
    }
    for (i, s) in g.slots.iter().enumerate() {
        let name = n.claim(names::ident(&names::snake(&s.f.name)));
        let mut params = vec!["&self".to_owned()];
        params.extend(s.params.iter().map(|p| format!("{}: {}", p.ident, p.mapped.rust)));
        o.blank();
        o.doc(format!("Calls `{}` on the source.", s.decl("SLOT")));
        allow_many(o, &params);
        fn_sig(o, &format!("pub async fn {name}("), &params, &format!(") -> {} {{", typed_result(&s.ret_rust())));
        core_call(o, "call", i, s, ".await");
        o.close("}");
    }
    o.close("}");
    o.blank();

    // Typed events.
    let mut vn = Names::new(&["ReplicaStateChanged", "Initialized", "ConversionFailed"]);
    let prop_variants: Vec<Option<String>> = g
        .props
        .iter()
        .map(|p| match p.p.kind {
            PropertyKind::Model { .. } => None,
            _ if p.p.modifier == Modifier::Constant => None,
            _ => Some(vn.claim(format!("{}Changed", names::camel(&p.p.name)))),
        })
        .collect();
    let signal_variants: Vec<String> = g.signals.iter().map(|s| vn.claim(names::camel(&s.f.name))).collect();
    o.doc(format!("What a [`{replica}`] observes."));
    o.line("#[derive(Debug, Clone, PartialEq)]");
    o.open(format!("pub enum {event} {{"));
    o.doc("The replica's state changed.");
    o.open("ReplicaStateChanged {");
    o.doc("The previous state.");
    o.line("old: qtro::core::ReplicaState,");
    o.doc("The new state.");
    o.line("new: qtro::core::ReplicaState,");
    o.close("},");
    o.doc("The source's values arrived.");
    o.line("Initialized,");
    for (p, v) in g.props.iter().zip(&prop_variants) {
        let Some(v) = v else { continue };
        match &p.mapped {
            Some(m) => {
                o.doc(format!("`{}` changed.", p.p.name));
                o.line(format!("{v}({}),", m.rust));
            }
            None => {
                o.doc(format!("The child object `{}` changed.", p.p.name));
                o.line(format!("{v},"));
            }
        }
    }
    for (s, v) in g.signals.iter().zip(&signal_variants) {
        o.doc(format!("`{}`", s.decl("SIGNAL")));
        if s.params.is_empty() {
            o.line(format!("{v},"));
        } else {
            o.open(format!("{v} {{"));
            for p in &s.params {
                o.doc(format!("`{}`", p.decl));
                o.line(format!("{}: {},", p.ident, p.mapped.rust));
            }
            o.close("},");
        }
    }
    o.doc("A value arrived that does not have the declared type.");
    o.line("ConversionFailed(qtro::typed::ConvertError),");
    o.close("}");
    o.blank();

    let first_signal = g.api6.signals.len() - g.signals.len();
    o.line("#[allow(clippy::collapsible_match)]");
    fn_line(o, &format!("fn {}_event(event: qtro::node::ReplicaEvent) -> std::option::Option<{event}> {{", g.snake));
    o.open("let converted = match event {");
    arm(
        o,
        "qtro::node::ReplicaEvent::StateChanged { old, new }",
        &format!("Ok({event}::ReplicaStateChanged {{ old, new }})"),
    );
    arm(o, "qtro::node::ReplicaEvent::Initialized", &format!("Ok({event}::Initialized)"));
    if prop_variants.iter().any(Option::is_some) {
        let fields = if g.props.iter().zip(&prop_variants).any(|(p, v)| v.is_some() && p.mapped.is_some()) {
            "index, value, .."
        } else {
            "index, .."
        };
        o.open(format!("qtro::node::ReplicaEvent::PropertyChanged {{ {fields} }} => match index {{"));
        for (p, v) in g.props.iter().zip(&prop_variants) {
            let Some(v) = v else { continue };
            if p.mapped.is_some() {
                let member = quote(&format!("{c}.{}", p.p.name));
                arm_call(
                    o,
                    &p.index.to_string(),
                    "qtro::typed::map_value",
                    &["&value".into(), member, format!("{event}::{v}")],
                );
            } else {
                arm(o, &p.index.to_string(), &format!("Ok({event}::{v})"));
            }
        }
        o.line("_ => return None,");
        o.close("},");
    }
    if !g.signals.is_empty() {
        let fields = if g.signals.iter().all(|s| s.params.is_empty()) { "index, .." } else { "index, args, .." };
        o.open(format!("qtro::node::ReplicaEvent::Signal {{ {fields} }} => match index {{"));
    }
    for (i, (s, v)) in g.signals.iter().zip(&signal_variants).enumerate() {
        let index = first_signal + i;
        if s.params.is_empty() {
            arm(o, &index.to_string(), &format!("Ok({event}::{v})"));
            continue;
        }
        let member = quote(&format!("{c}.{}", s.f.name));
        let idents: Vec<String> = s.params.iter().map(|p| p.ident.clone()).collect();
        o.list_open(&format!("{index} => match qtro::typed::from_args("), &["&args".into(), member], ") {", CALL_WIDTH);
        let lit = struct_lit_inline(&format!("{event}::{v}"), &idents);
        let pat = format!("Ok({}) => ", tuple(idents.clone()));
        if idents.join(", ").len() <= STRUCT_LIT_WIDTH && o.col() + pat.len() + lit.len() + 5 <= MAX_WIDTH {
            o.line(format!("{pat}Ok({lit}),"));
        } else {
            o.open(format!("{pat}Ok({event}::{v} {{"));
            for id in &idents {
                o.line(format!("{id},"));
            }
            o.close("}),");
        }
        o.line("Err(error) => Err(error),");
        o.close("},");
    }
    if !g.signals.is_empty() {
        o.line("_ => return None,");
        o.close("},");
    }
    o.line("#[allow(unreachable_patterns)]");
    o.line("_ => return None,");
    o.close("};");
    o.line(format!("Some(converted.unwrap_or_else({event}::ConversionFailed))"));
    o.close("}");
    o.blank();
}

/// Checks that no two declarations get the same Rust item name.
fn check_names(ctx: &Ctx) -> Result<(), CodegenError> {
    // Names the generated code itself uses unqualified.
    let mut seen: HashSet<String> =
        ["Vec", "String", "Default", "Self", "std", "qtro", "register_types"].into_iter().map(String::from).collect();
    let mut claim = |name: String, what: String| {
        if seen.insert(name.clone()) {
            Ok(())
        } else {
            Err(CodegenError::NameClash(format!("{what} would be generated as `{name}`, which is already taken")))
        }
    };
    if let Some(e) = ctx.enums.iter().find(|e| e.variants.is_empty()) {
        return Err(CodegenError::Invalid(format!("ENUM {} has no keys", e.name)));
    }
    for (_, e) in ctx.enums_in(None) {
        claim(e.rust_name.clone(), format!("ENUM/FLAG {}", e.name))?;
    }
    for p in &ctx.file.pods {
        claim(names::type_name(&p.name), format!("POD {}", p.name))?;
        if ctx.enums_in(Some(&p.name)).next().is_some() {
            claim(module_name(&p.name), format!("the enum module of POD {}", p.name))?;
        }
    }
    for c in &ctx.file.classes {
        let t = names::type_name(&c.name);
        for suffix in ["Properties", "Slots", "Source", "SourceEvent", "Replica", "Event"] {
            claim(format!("{t}{suffix}"), format!("class {}", c.name))?;
        }
        if ctx.enums_in(Some(&c.name)).next().is_some() {
            claim(module_name(&c.name), format!("the enum module of class {}", c.name))?;
        }
    }
    Ok(())
}

/// The whole generated file.
pub(crate) fn file(file: &RepFile, options: &Options) -> Result<String, CodegenError> {
    let ctx = Ctx::new(file);
    check_names(&ctx)?;
    let mut o = Out::new();
    let from = options.source_name.as_deref().map(|n| format!(" from `{n}`")).unwrap_or_default();
    o.line(format!("// @generated by qtro_rs::rep::codegen{from}. Do not edit."));
    o.line("//");
    o.line("// Include it in a module of its own: it defines `register_types`, and the types and statics of");
    o.line("// the .rep declarations.");
    o.blank();
    o.line(format!("use {} as qtro;", options.crate_path));
    // `to_variant` is called outside `ToValue` impls only for class properties.
    if file.classes.iter().any(|c| c.properties.iter().any(|p| p.kind == PropertyKind::Prop)) {
        o.line("use qtro::typed::ToValue as _;");
    }
    o.blank();
    emit_enums(&mut o, &ctx, None, "");
    for pod in &file.pods {
        emit_enums(&mut o, &ctx, Some(&pod.name), "POD");
        emit_pod(&mut o, &ctx, pod);
    }
    for class in &file.classes {
        o.line(format!("// class {}", class.name));
        o.blank();
        emit_enums(&mut o, &ctx, Some(&class.name), "class");
        let g = ClassGen::new(&ctx, class);
        emit_class_spec(&mut o, &ctx, &g);
        emit_properties(&mut o, &g);
        if options.sources {
            emit_source(&mut o, &ctx, &g);
        }
        if options.replicas {
            emit_replica(&mut o, &ctx, &g);
        }
    }
    o.doc("Registers the PODs and enums of this file in `types`, so values that contain them can be\ndecoded.");
    fn_line(&mut o, "pub fn register_types(types: &mut qtro::core::TypeRegistry) {");
    let mut any = false;
    for pod in &file.pods {
        o.line(format!("{}_POD.register(types);", screaming(&pod.name)));
        any = true;
    }
    for e in ctx.enums.iter().filter(|e| !file.pods.iter().any(|p| Some(&p.name) == e.scope.as_ref())) {
        if e.flag_of.is_some() {
            o.line(format!("types.register_enum({}, {});", quote(&e.qt_name), e.size));
        } else {
            let qt5 = crate::core::types::qt5_rep_enum_size(e.def.keys.iter().map(|k| i64::from(k.value)));
            o.line(format!("types.register_rep_enum({}, {}, {qt5});", quote(&e.qt_name), e.size));
        }
        any = true;
    }
    if !any {
        o.line("let _ = types;");
    }
    o.close("}");
    Ok(o.finish())
}
