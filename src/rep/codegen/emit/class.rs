//! What a class becomes in Rust: [`ClassGen`], its properties, signals and slots with their Rust
//! names and types, and the pieces of code its source and its replica share.

use crate::core::Dialect;
use crate::rep::codegen::names::{self, Names};
use crate::rep::codegen::out::{Out, CALL_WIDTH, MAX_WIDTH};
use crate::rep::codegen::types::{Ctx, Mapped, Scope};
use crate::rep::{signature_qt5, signature_qt6, ApiLists, Class, Function, Property, PropertyKind};

use super::{quote, screaming, tuple, typed_result};

/// A typed parameter of a generated function.
pub(super) struct TypedParam {
    pub(super) ident: String,
    pub(super) mapped: Mapped,
    /// The declaration as written in the .rep file, for docs.
    pub(super) decl: String,
}

/// A declared signal or slot with its Rust names and types.
pub(super) struct TypedFn<'a> {
    pub(super) f: &'a Function,
    pub(super) params: Vec<TypedParam>,
    /// `None` for `void`.
    pub(super) ret: Option<Mapped>,
}

impl<'a> TypedFn<'a> {
    /// `reserved`: names the parameters must not take (`self`, ...).
    fn new(ctx: &Ctx, scope: Scope, f: &'a Function, reserved: &[&str]) -> Self {
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
    }

    /// The .rep declaration, `SIGNAL(..)` or `SLOT(..)`.
    pub(super) fn decl(&self, kind: &str) -> String {
        let params: Vec<&str> = self.params.iter().map(|p| p.decl.as_str()).collect();
        let ret = if kind == "SLOT" { format!("{} ", self.f.return_type) } else { String::new() };
        format!("{kind}({ret}{}({}))", self.f.name, params.join(", "))
    }

    /// The Rust return type (`()` for `void`).
    pub(super) fn ret_rust(&self) -> String {
        self.ret.as_ref().map_or_else(|| "()".to_owned(), |m| m.rust.clone())
    }

    /// `first` followed by the typed parameters (`name: Type`).
    pub(super) fn rust_params(&self, first: Vec<String>) -> Vec<String> {
        let mut params = first;
        params.extend(self.params.iter().map(|p| format!("{}: {}", p.ident, p.mapped.rust)));
        params
    }

    /// `(a, b)` / `(a,)` / `()` of the parameter identifiers.
    fn tuple(&self) -> String {
        tuple(self.params.iter().map(|p| p.ident.clone()).collect())
    }
}

/// One property with its Rust names and type.
pub(super) struct TypedProp<'a> {
    pub(super) index: usize,
    pub(super) p: &'a Property,
    /// Field of `CProperties` and getter name.
    pub(super) ident: String,
    /// `PROP` type (None for CLASS/MODEL).
    pub(super) mapped: Option<Mapped>,
    /// `CLASS` child: the child class.
    pub(super) child: Option<&'a Class>,
    /// Rust expression of the initial value.
    pub(super) default: String,
    /// Doc line describing the declaration.
    pub(super) doc: String,
}

impl<'a> TypedProp<'a> {
    fn new(ctx: &Ctx<'a>, scope: Scope, index: usize, p: &'a Property, ident: String) -> Self {
        let (mapped, child, default, doc) = match &p.kind {
            PropertyKind::Prop => {
                let (m, default, doc) = Self::value(ctx, scope, p);
                (Some(m), None, default, doc)
            }
            PropertyKind::Class => {
                (None, ctx.file.class(&p.type_name), String::new(), format!("`CLASS {}({})`", p.name, p.type_name))
            }
            PropertyKind::Model { roles } => {
                (None, None, String::new(), format!("`MODEL {}({})`", p.name, roles.join(", ")))
            }
        };
        TypedProp { index, p, ident, mapped, child, default, doc }
    }

    /// The type, initial value and doc line of a `PROP`.
    fn value(ctx: &Ctx, scope: Scope, p: &Property) -> (Mapped, String, String) {
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
        doc.push_str(&format!(", {}", p.modifier.keyword()));
        if p.persisted {
            doc.push_str(", PERSISTED");
        }
        if let Some(u) = &m.unmapped {
            doc.push_str(&format!(" (`{u}` has no Rust mapping: kept as a `Value`)"));
        }
        (m, default, doc)
    }
}

/// Everything needed to emit one class.
pub(super) struct ClassGen<'a> {
    pub(super) class: &'a Class,
    pub(super) api6: ApiLists,
    pub(super) api5: ApiLists,
    pub(super) props: Vec<TypedProp<'a>>,
    pub(super) signals: Vec<TypedFn<'a>>,
    pub(super) slots: Vec<TypedFn<'a>>,
    /// The class signature as repc 6 computes it.
    pub(super) signature6: String,
    /// The class signature as repc 5.15 computes it.
    pub(super) signature5: String,
    /// `Rich` → `Rich`, `RICH`, `rich`.
    pub(super) rust: String,
    upper: String,
    pub(super) snake: String,
}

impl<'a> ClassGen<'a> {
    pub(super) fn new(ctx: &Ctx<'a>, class: &'a Class) -> ClassGen<'a> {
        let scope = Scope::Class(class);
        let mut field_names = Names::default();
        let props = class
            .properties
            .iter()
            .enumerate()
            .map(|(index, p)| TypedProp::new(ctx, scope, index, p, field_names.claim(names::member(&p.name, "prop"))))
            .collect();
        ClassGen {
            class,
            api6: class.api_for(Dialect::Qt6),
            api5: class.api_for(Dialect::Qt5),
            props,
            signals: class.signals.iter().map(|f| TypedFn::new(ctx, scope, f, &["self"])).collect(),
            slots: class.slots.iter().map(|f| TypedFn::new(ctx, scope, f, &["self", "source"])).collect(),
            signature6: signature_qt6(ctx.file, &class.name).unwrap_or_default(),
            signature5: signature_qt5(ctx.file, &class.name).unwrap_or_default(),
            rust: names::type_name(&class.name),
            upper: screaming(&class.name),
            snake: names::snake(&class.name),
        }
    }

    /// The name of the `ClassSpec` static.
    pub(super) fn spec(&self) -> String {
        format!("{}_CLASS", self.upper)
    }

    /// The Rust type `<Class><suffix>` (`RichSource`, `RichEvent`, ...).
    pub(super) fn type_name(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.rust)
    }

    /// `"Class.member"`, the member named in conversion errors.
    pub(super) fn member(&self, name: &str) -> String {
        quote(&format!("{}.{name}", self.class.name))
    }
}

/// `pub struct <name> { core }` (`core` is the `qtro::typed` type doing the work), and the start
/// of its `impl` with the signature constants. Returns the names the methods of the `impl` may
/// not take: the constants and the fixed `methods`.
pub(super) fn open_handle(o: &mut Out, g: &ClassGen, doc: String, name: &str, core: &str, methods: &[&str]) -> Names {
    o.doc(doc);
    o.line("#[derive(Clone)]");
    o.open(format!("pub struct {name} {{"));
    o.line(format!("core: std::sync::Arc<qtro::typed::{core}>,"));
    o.close("}");
    o.blank();
    o.open(format!("impl {name} {{"));
    o.doc("The class signature as repc 6 computes it (Qt replicas and sources check it).");
    o.line(format!("pub const SIGNATURE: &'static str = {};", quote(&g.signature6)));
    o.blank();
    o.doc("The class signature as repc 5.15 computes it.");
    o.line(format!("pub const SIGNATURE_QT5: &'static str = {};", quote(&g.signature5)));
    let mut reserved = vec!["SIGNATURE", "SIGNATURE_QT5"];
    reserved.extend_from_slice(methods);
    Names::new(&reserved)
}

/// The getter `name` of property `p` (of type `m`).
pub(super) fn getter(o: &mut Out, name: &str, p: &TypedProp, m: &Mapped) {
    o.blank();
    o.doc(format!("{}: the current value.", p.doc));
    o.fn_sig(&format!("pub fn {name}("), &["&self".into()], &format!(") -> {} {{", typed_result(&m.rust)));
    o.line(format!("self.core.get({})", p.index));
    o.close("}");
}

/// How a generated method hands a signal or slot to its core.
pub(super) enum Forward {
    /// `pub fn emit_x(..) -> Result<()>`: emits a signal.
    Emit,
    /// `pub async fn x(..) -> Result<R>`: calls a slot and waits for the reply.
    Call,
}

/// The method `name` that hands the typed arguments of signal or slot number `index` to
/// `self.core`.
pub(super) fn forward(o: &mut Out, f: &TypedFn, index: usize, name: &str, doc: String, how: Forward) {
    let (head, ret, method, suffix) = match how {
        Forward::Emit => (format!("pub fn {name}("), "()".to_owned(), "emit", ""),
        Forward::Call => (format!("pub async fn {name}("), f.ret_rust(), "call", ".await"),
    };
    let params = f.rust_params(vec!["&self".to_owned()]);
    o.blank();
    o.doc(doc);
    o.allow_many(&params);
    o.fn_sig(&head, &params, &format!(") -> {} {{", typed_result(&ret)));
    // `self.core.<method>(index, (args...))<suffix>`, through a `let args` when long.
    let expr = format!("self.core.{method}({index}, {}){suffix}", f.tuple());
    if expr.len() <= CALL_WIDTH && o.col() + expr.len() <= MAX_WIDTH {
        o.line(expr);
    } else {
        let idents: Vec<String> = f.params.iter().map(|p| p.ident.clone()).collect();
        if idents.len() == 1 {
            o.line(format!("let args = ({},);", idents[0]));
        } else {
            o.list("let args = (", &idents, ");", CALL_WIDTH);
        }
        o.line(format!("self.core.{method}({index}, args){suffix}"));
    }
    o.close("}");
}

/// Opens the function `header` that turns a node event into a typed event:
/// `let converted = match event {`, whose arms give a `Result`.
pub(super) fn open_event_fn(o: &mut Out, header: &str) {
    o.line("#[allow(clippy::collapsible_match)]");
    o.fn_line(header);
    o.open("let converted = match event {");
}

/// Closes what [`open_event_fn`] opened: other events give `None`, conversion errors
/// `<event>::ConversionFailed`.
pub(super) fn close_event_fn(o: &mut Out, event: &str) {
    o.line("#[allow(unreachable_patterns)]");
    o.line("_ => return None,");
    o.close("};");
    o.line(format!("Some(converted.unwrap_or_else({event}::ConversionFailed))"));
    o.close("}");
    o.blank();
}

/// The match arm that converts a new value of property `p` to the variant `<event>::<variant>`.
pub(super) fn property_arm(o: &mut Out, g: &ClassGen, p: &TypedProp, event: &str, variant: &str) {
    let args = ["&value".into(), g.member(&p.p.name), format!("{event}::{variant}")];
    o.arm_call(&p.index.to_string(), "qtro::typed::map_value", &args);
}
