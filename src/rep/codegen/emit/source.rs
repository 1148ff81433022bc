//! The hosting side of a class: `CSlots` (the trait whose methods answer the slots), `CSource`
//! (typed getters, setters, signal emitters and child objects) and `CSourceEvent` (what replicas
//! did to the source).

use crate::rep::codegen::names::{self, Names};
use crate::rep::codegen::out::{Out, CALL_WIDTH};
use crate::rep::codegen::types::Mapped;
use crate::rep::{Class, Modifier, PropertyKind};

use super::class::{
    close_event_fn, forward, getter, open_event_fn, open_handle, property_arm, ClassGen, Forward, TypedProp,
};
use super::{quote, tuple, typed_result};

/// What the constructors of a source return.
const RESULT: &str = "qtro::typed::Result<Self>";

/// Emits `CSlots`, `CSource` and `CSourceEvent`.
pub(super) fn emit_source(o: &mut Out, g: &ClassGen) {
    let slot_idents = slots_trait(o, g);
    o.blank();
    let doc = format!(
        "A source of class `{}` hosted by a node, with typed accessors. Cheap to clone; stays\nenabled while the node runs.",
        g.class.name
    );
    let methods = ["enable", "enable_with", "enable_in", "dispatch", "invoke", "source", "events"];
    let mut n = open_handle(o, g, doc, &g.type_name("Source"), "SourceCore", &methods);
    o.blank();
    constructors(o, g);
    dispatch(o, g);
    if !g.slots.is_empty() {
        invoke(o, g, &slot_idents);
    }
    o.doc("The hosted source.");
    o.fn_line("pub fn source(&self) -> &qtro::node::Source {");
    o.line("self.core.source()");
    o.close("}");
    o.blank();
    o.doc("What replicas do to the source, from now on.");
    let tail = format!(") -> qtro::typed::EventStream<{}, qtro::node::SourceEvent> {{", g.type_name("SourceEvent"));
    o.fn_sig("pub fn events(", &["&self".into()], &tail);
    o.line(format!("self.core.events({}_source_event)", g.snake));
    o.close("}");
    for p in &g.props {
        if let Some(m) = &p.mapped {
            getter(o, &n.claim(p.ident.clone()), p, m);
            if p.p.modifier != Modifier::Constant {
                setter(o, &mut n, p, m);
            }
        } else if let Some(child) = p.child {
            enable_child(o, &mut n, p, child);
        } else if let PropertyKind::Model { roles } = &p.p.kind {
            set_model(o, &mut n, p, roles);
        }
    }
    for (i, s) in g.signals.iter().enumerate() {
        let name = n.claim(format!("emit_{}", names::snake(&s.f.name)));
        forward(o, s, i, &name, format!("Emits `{}` to every replica.", s.decl("SIGNAL")), Forward::Emit);
    }
    o.close("}");
    o.blank();
    source_events(o, g);
}

/// `pub trait CSlots`, an async method per slot. Returns the method names.
fn slots_trait(o: &mut Out, g: &ClassGen) -> Vec<String> {
    let slots_trait = g.type_name("Slots");
    let source = g.type_name("Source");
    let mut trait_names = Names::default();
    let slot_idents: Vec<String> =
        g.slots.iter().map(|s| trait_names.claim(names::ident(&names::snake(&s.f.name)))).collect();
    o.doc(format!(
        "The slots of class `{}`: implement them to host a [`{source}`]. Each is called with the\nsource, so it can change properties or emit signals.",
        g.class.name
    ));
    if g.slots.is_empty() {
        o.line(format!("pub trait {slots_trait}: Send + Sync + 'static {{}}"));
        o.blank();
        o.doc("For a source without slots.");
        o.line(format!("impl {slots_trait} for () {{}}"));
        return slot_idents;
    }
    o.open(format!("pub trait {slots_trait}: Send + Sync + 'static {{"));
    for (i, (s, ident)) in g.slots.iter().zip(&slot_idents).enumerate() {
        if i > 0 {
            o.blank();
        }
        o.doc(format!("`{}`", s.decl("SLOT")));
        let params = s.rust_params(vec!["&self".to_owned(), format!("source: &{source}")]);
        let tail = format!(") -> impl std::future::Future<Output = {}> + Send;", s.ret_rust());
        o.allow_many(&params);
        o.fn_sig(&format!("fn {ident}("), &params, &tail);
    }
    o.close("}");
    slot_idents
}

/// `enable`, `enable_with` and `enable_in` (which also hosts child objects).
fn constructors(o: &mut Out, g: &ClassGen) {
    let slots_trait = g.type_name("Slots");
    let properties = g.type_name("Properties");
    o.doc("Hosts the source on `node` under the class name, with the .rep defaults.");
    o.fn_sig(
        "pub fn enable(",
        &["node: &qtro::node::Node".into(), format!("slots: impl {slots_trait}")],
        &format!(") -> {RESULT} {{"),
    );
    let args = ["node".into(), quote(&g.class.name), format!("{properties}::default()"), "slots".into()];
    o.list("Self::enable_with(", &args, ")", CALL_WIDTH);
    o.close("}");
    o.blank();
    o.doc("Hosts the source on `node` under `name`, starting from `initial`.");
    o.fn_sig(
        "pub fn enable_with(",
        &[
            "node: &qtro::node::Node".into(),
            "name: &str".into(),
            format!("initial: {properties}"),
            format!("slots: impl {slots_trait}"),
        ],
        &format!(") -> {RESULT} {{"),
    );
    o.line("qtro::typed::register_types(node, register_types);");
    o.line("Self::enable_in(qtro::typed::SourceHost::Node(node), name, initial, slots)");
    o.close("}");
    o.blank();
    o.fn_sig(
        &format!("fn enable_in<H: {slots_trait}>("),
        &[
            "host: qtro::typed::SourceHost<'_>".into(),
            "name: &str".into(),
            format!("initial: {properties}"),
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
}

/// `dispatch`: answers a slot call with the reply of [`invoke`], or the error it reports.
fn dispatch(o: &mut Out, g: &ClassGen) {
    let none = g.slots.is_empty();
    o.fn_sig(
        &format!("async fn dispatch<H: {}>(", g.type_name("Slots")),
        &[
            "self".into(),
            if none { "_slots: std::sync::Arc<H>".into() } else { "slots: std::sync::Arc<H>".into() },
            if none { "_call: qtro::node::SlotCall".into() } else { "call: qtro::node::SlotCall".into() },
        ],
        ") -> qtro::core::Value {",
    );
    if none {
        o.line("qtro::core::Value::Invalid");
    } else {
        o.open("match self.invoke(&*slots, &call).await {");
        o.line("Ok(reply) => reply,");
        o.line("Err(error) => self.core.slot_failed(&call, error),");
        o.close("}");
    }
    o.close("}");
    o.blank();
}

/// `invoke`: converts the arguments of a slot call and calls the `CSlots` method.
fn invoke(o: &mut Out, g: &ClassGen, slot_idents: &[String]) {
    o.fn_sig(
        &format!("async fn invoke<H: {}>(", g.type_name("Slots")),
        &["&self".into(), "slots: &H".into(), "call: &qtro::node::SlotCall".into()],
        ") -> qtro::typed::Result<qtro::core::Value, qtro::typed::ConvertError> {",
    );
    o.open("let reply = match call.slot {");
    for (i, (s, ident)) in g.slots.iter().zip(slot_idents).enumerate() {
        let args: Vec<String> = (0..s.params.len()).map(|j| format!("a{j}")).collect();
        let mut call_args = vec!["self".to_owned()];
        call_args.extend(args.iter().cloned());
        o.open(format!("{i} => {{"));
        if !args.is_empty() {
            o.let_call(&tuple(args), "qtro::typed::from_args", &["&call.args".into(), g.member(&s.f.name)], "?");
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

/// `set_<prop>`: sets a property and notifies the replicas.
fn setter(o: &mut Out, n: &mut Names, p: &TypedProp, m: &Mapped) {
    let setter = n.claim(format!("set_{}", p.ident.trim_start_matches("r#")));
    o.blank();
    o.doc(format!("Sets `{}`; replicas are notified when it changes. Returns whether it changed.", p.p.name));
    o.fn_sig(
        &format!("pub fn {setter}("),
        &["&self".into(), format!("value: {}", m.rust)],
        &format!(") -> {} {{", typed_result("bool")),
    );
    o.line(format!("self.core.set({}, &value)", p.index));
    o.close("}");
}

/// `enable_<prop>`: hosts the source of a `CLASS` property.
fn enable_child(o: &mut Out, n: &mut Names, p: &TypedProp, child: &Class) {
    let name = n.claim(format!("enable_{}", p.ident.trim_start_matches("r#")));
    let ct = names::type_name(&child.name);
    o.blank();
    o.doc(format!(
        "{}: hosts a `{}` source as this child object (replacing the previous one). Qt names it\n`Class::<source name>::{}` (Qt 6) or `Class::{}` (Qt 5).",
        p.doc, child.name, p.p.name, p.p.name
    ));
    o.fn_sig(
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

/// `set_<prop>`: serves a model as a `MODEL` property.
fn set_model(o: &mut Out, n: &mut Names, p: &TypedProp, roles: &[String]) {
    let name = n.claim(format!("set_{}", p.ident.trim_start_matches("r#")));
    o.blank();
    o.doc(format!(
        "{}: serves `model` as this model (replacing the previous one), with the roles\nthe .rep names (looked up in the model's role names; none found: all of them). Qt\nnames it `Model::<source name>::{}` (Qt 6) or `Model::{}` (Qt 5).",
        p.doc, p.p.name, p.p.name
    ));
    o.fn_sig(
        &format!("pub fn {name}<M: qtro::node::ModelSource>("),
        &["&self".into(), "model: M".into()],
        &format!(") -> {} {{", typed_result("qtro::node::ModelHost<M>")),
    );
    // As repc's `ITEMS_ROLES` class info: the names joined with `|` (one literal, whatever
    // their number).
    o.line(format!("let roles = {};", quote(&roles.join("|"))));
    o.line(format!("self.core.set_model({}, model, roles)", p.index));
    o.close("}");
    let clear = n.claim(format!("clear_{}", p.ident.trim_start_matches("r#")));
    o.blank();
    o.doc(format!("Unsets the model `{}`: replicas get a null model.", p.p.name));
    o.fn_line(&format!("pub fn {clear}(&self) -> {} {{", typed_result("()")));
    o.line(format!("self.core.clear_model({})", p.index));
    o.close("}");
}

/// `CSourceEvent` and the function that makes one of a node's `SourceEvent`.
fn source_events(o: &mut Out, g: &ClassGen) {
    // A variant per property replicas may write.
    let writable: Vec<&TypedProp> = g
        .props
        .iter()
        .filter(|p| p.mapped.is_some() && matches!(p.p.modifier, Modifier::ReadWrite | Modifier::ReadPush))
        .collect();
    let mut vn = Names::new(&["Acquired", "Released", "ConversionFailed"]);
    let variants: Vec<String> =
        writable.iter().map(|p| vn.claim(format!("{}Written", names::camel(&p.p.name)))).collect();
    source_event_enum(o, g, &writable, &variants);
    let event = g.type_name("SourceEvent");
    open_event_fn(
        o,
        &format!("fn {}_source_event(event: qtro::node::SourceEvent) -> std::option::Option<{event}> {{", g.snake),
    );
    o.arm("qtro::node::SourceEvent::Acquired { conn, dynamic }", &format!("Ok({event}::Acquired {{ conn, dynamic }})"));
    o.arm("qtro::node::SourceEvent::Released { conn }", &format!("Ok({event}::Released {{ conn }})"));
    if !writable.is_empty() {
        o.open("qtro::node::SourceEvent::PropertyWritten { index, value, .. } => match index {");
        for (p, v) in writable.iter().zip(&variants) {
            property_arm(o, g, p, &event, v);
        }
        o.line("_ => return None,");
        o.close("},");
    }
    close_event_fn(o, &event);
}

/// `pub enum CSourceEvent`.
fn source_event_enum(o: &mut Out, g: &ClassGen, writable: &[&TypedProp], variants: &[String]) {
    o.doc(format!("What replicas do to a [`{}`].", g.type_name("Source")));
    o.line("#[derive(Debug, Clone, PartialEq)]");
    o.open(format!("pub enum {} {{", g.type_name("SourceEvent")));
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
    for (p, v) in writable.iter().zip(variants) {
        o.doc(format!("A replica set `{}` (already applied and sent to every replica).", p.p.name));
        o.line(format!("{v}({}),", p.mapped.as_ref().map(|m| m.rust.as_str()).unwrap_or_default()));
    }
    o.doc("A replica wrote a value that does not have the declared type.");
    o.line("ConversionFailed(qtro::typed::ConvertError),");
    o.close("}");
    o.blank();
}
