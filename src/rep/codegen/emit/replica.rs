//! The replica side of a class: `CReplica` (typed getters, setters, async slot calls, child
//! replicas) and `CEvent` (typed signals and property changes).

use crate::rep::codegen::names::{self, Names};
use crate::rep::codegen::out::{struct_lit_inline, Out, CALL_WIDTH, MAX_WIDTH, STRUCT_LIT_WIDTH};
use crate::rep::codegen::types::Mapped;
use crate::rep::{Class, Modifier, PropertyKind};

use super::class::{
    close_event_fn, forward, getter, open_event_fn, open_handle, property_arm, ClassGen, Forward, TypedFn, TypedProp,
};
use super::{quote, tuple, typed_result};

/// Emits `CReplica` and `CEvent`.
pub(super) fn emit_replica(o: &mut Out, g: &ClassGen) {
    let doc = format!(
        "A replica of class `{}`, with typed accessors. Cheap to clone; released when the last clone\nis dropped.",
        g.class.name
    );
    let methods = ["acquire", "acquire_named", "acquire_with", "replica", "replica_state", "wait_for_source", "events"];
    let mut n = open_handle(o, g, doc, &g.type_name("Replica"), "ReplicaCore", &methods);
    o.blank();
    constructors(o, g);
    state(o, g);
    for p in &g.props {
        if let Some(m) = &p.mapped {
            getter(o, &n.claim(p.ident.clone()), p, m);
            setter(o, &mut n, p, m);
        } else if let Some(child) = p.child {
            child_getter(o, &mut n, p, child);
        } else if matches!(p.p.kind, PropertyKind::Model { .. }) {
            model_getter(o, &mut n, p);
        }
    }
    for (i, s) in g.slots.iter().enumerate() {
        let name = n.claim(names::ident(&names::snake(&s.f.name)));
        forward(o, s, i, &name, format!("Calls `{}` on the source.", s.decl("SLOT")), Forward::Call);
    }
    o.close("}");
    o.blank();
    events(o, g);
}

/// `acquire`, `acquire_named` and `acquire_with`.
fn constructors(o: &mut Out, g: &ClassGen) {
    o.doc(format!("Acquires the source named `{}` from the hosts `node` is connected to.", g.class.name));
    o.fn_line("pub fn acquire(node: &qtro::node::Node) -> Self {");
    o.line(format!("Self::acquire_with(node, {}, None)", quote(&g.class.name)));
    o.close("}");
    o.blank();
    o.doc("Acquires the source called `name`.");
    o.fn_line("pub fn acquire_named(node: &qtro::node::Node, name: &str) -> Self {");
    o.line("Self::acquire_with(node, name, None)");
    o.close("}");
    o.blank();
    o.doc("Acquires the source called `name`; its PERSISTED properties are restored from and saved\nto `store`.");
    o.fn_sig(
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
}

/// `replica`, `replica_state`, `wait_for_source` and `events`.
fn state(o: &mut Out, g: &ClassGen) {
    o.doc("The node's replica.");
    o.fn_line("pub fn replica(&self) -> &qtro::node::Replica {");
    o.line("self.core.replica()");
    o.close("}");
    o.blank();
    o.doc("The replica's state (Valid once the source's values arrived).");
    o.fn_line("pub fn replica_state(&self) -> qtro::core::ReplicaState {");
    o.line("self.core.state()");
    o.close("}");
    o.blank();
    o.doc("Waits until the replica is Valid.");
    o.fn_sig(
        "pub async fn wait_for_source(",
        &["&self".into(), "timeout: std::time::Duration".into()],
        &format!(") -> {} {{", typed_result("()")),
    );
    o.line("self.core.wait_for_source(timeout).await");
    o.close("}");
    o.blank();
    o.doc("The replica's typed events, from now on.");
    o.fn_sig(
        "pub fn events(",
        &["&self".into()],
        &format!(") -> qtro::typed::EventStream<{}> {{", g.type_name("Event")),
    );
    o.line(format!("self.core.events({}_event)", g.snake));
    o.close("}");
}

/// `set_<prop>` of a READWRITE property (a WriteProperty), `push_<prop>` of a READPUSH one (a
/// call of its push slot); none for the others.
fn setter(o: &mut Out, n: &mut Names, p: &TypedProp, m: &Mapped) {
    let bare = p.ident.trim_start_matches("r#");
    let (name, doc, head, body) = match p.p.modifier {
        Modifier::ReadWrite => (
            n.claim(format!("set_{bare}")),
            format!("Asks the source to set `{}` (WriteProperty); the change comes back as an event.", p.p.name),
            "pub fn",
            format!("self.core.write({}, &value)", p.index),
        ),
        Modifier::ReadPush => (
            n.claim(format!("push_{bare}")),
            format!("Asks the source to set `{}` (its `push` slot).", p.p.name),
            "pub async fn",
            format!("self.core.push({}, &value).await", p.index),
        ),
        _ => return,
    };
    o.blank();
    o.doc(doc);
    o.fn_sig(
        &format!("{head} {name}("),
        &["&self".into(), format!("value: {}", m.rust)],
        &format!(") -> {} {{", typed_result("()")),
    );
    o.line(body);
    o.close("}");
}

/// The getter of the replica of a `CLASS` property.
fn child_getter(o: &mut Out, n: &mut Names, p: &TypedProp, child: &Class) {
    let getter = n.claim(p.ident.clone());
    let ct = names::type_name(&child.name);
    o.blank();
    o.doc(format!(
        "{}: the replica of the child object (acquired with this replica; Valid once the source\nhas sent a child object).",
        p.doc
    ));
    o.fn_sig(&format!("pub fn {getter}("), &["&self".into()], &format!(") -> std::option::Option<{ct}Replica> {{"));
    o.line(format!("let core = self.core.child({})?;", p.index));
    o.line(format!("Some({ct}Replica {{ core }})"));
    o.close("}");
}

/// The getters of the model replica of a `MODEL` property.
fn model_getter(o: &mut Out, n: &mut Names, p: &TypedProp) {
    let getter = n.claim(p.ident.clone());
    let with = n.claim(format!("{}_with", p.ident.trim_start_matches("r#")));
    o.blank();
    o.doc(format!(
        "{}: the replica of the model, once the source has set one (it follows a replaced\nmodel, and empties while none is set).",
        p.doc
    ));
    o.fn_sig(&format!("pub fn {getter}("), &["&self".into()], ") -> std::option::Option<qtro::node::ModelReplica> {");
    o.line(format!("self.core.model({}, std::default::Default::default())", p.index));
    o.close("}");
    o.blank();
    o.doc(format!("Like [`Self::{getter}`], fetching and caching as `options` say."));
    o.fn_sig(
        &format!("pub fn {with}("),
        &["&self".into(), "options: qtro::node::ModelReplicaOptions".into()],
        ") -> std::option::Option<qtro::node::ModelReplica> {",
    );
    o.line(format!("self.core.model({}, options)", p.index));
    o.close("}");
}

/// `CEvent` and the function that makes one of a node's `ReplicaEvent`.
fn events(o: &mut Out, g: &ClassGen) {
    // A variant per property that notifies (not CONSTANT) and per signal.
    let mut vn = Names::new(&["ReplicaStateChanged", "Initialized", "ConversionFailed"]);
    let prop_variants: Vec<Option<String>> = g
        .props
        .iter()
        .map(|p| match p.p.kind {
            PropertyKind::Model { .. } => Some(vn.claim(format!("{}ModelChanged", names::camel(&p.p.name)))),
            _ if p.p.modifier == Modifier::Constant => None,
            _ => Some(vn.claim(format!("{}Changed", names::camel(&p.p.name)))),
        })
        .collect();
    let signal_variants: Vec<String> = g.signals.iter().map(|s| vn.claim(names::camel(&s.f.name))).collect();
    event_enum(o, g, &prop_variants, &signal_variants);
    let event = g.type_name("Event");
    open_event_fn(
        o,
        &format!("fn {}_event(event: qtro::node::ReplicaEvent) -> std::option::Option<{event}> {{", g.snake),
    );
    o.arm(
        "qtro::node::ReplicaEvent::StateChanged { old, new }",
        &format!("Ok({event}::ReplicaStateChanged {{ old, new }})"),
    );
    o.arm("qtro::node::ReplicaEvent::Initialized", &format!("Ok({event}::Initialized)"));
    property_arms(o, g, &event, &prop_variants);
    signal_arms(o, g, &event, &signal_variants);
    close_event_fn(o, &event);
}

/// `pub enum CEvent`.
fn event_enum(o: &mut Out, g: &ClassGen, prop_variants: &[Option<String>], signal_variants: &[String]) {
    o.doc(format!("What a [`{}`] observes.", g.type_name("Replica")));
    o.line("#[derive(Debug, Clone, PartialEq)]");
    o.open(format!("pub enum {} {{", g.type_name("Event")));
    o.doc("The replica's state changed.");
    o.open("ReplicaStateChanged {");
    o.doc("The previous state.");
    o.line("old: qtro::core::ReplicaState,");
    o.doc("The new state.");
    o.line("new: qtro::core::ReplicaState,");
    o.close("},");
    o.doc("The source's values arrived.");
    o.line("Initialized,");
    for (p, v) in g.props.iter().zip(prop_variants) {
        let Some(v) = v else { continue };
        match &p.mapped {
            Some(m) => {
                o.doc(format!("`{}` changed.", p.p.name));
                o.line(format!("{v}({}),", m.rust));
            }
            None if matches!(p.p.kind, PropertyKind::Model { .. }) => {
                o.doc(format!("The model `{}` was set, replaced or unset.", p.p.name));
                o.line(format!("{v},"));
            }
            None => {
                o.doc(format!("The child object `{}` changed.", p.p.name));
                o.line(format!("{v},"));
            }
        }
    }
    for (s, v) in g.signals.iter().zip(signal_variants) {
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
}

/// The arms of `PropertyChanged`: the new value (or, for a child object, nothing) as its variant.
fn property_arms(o: &mut Out, g: &ClassGen, event: &str, variants: &[Option<String>]) {
    if variants.iter().all(Option::is_none) {
        return;
    }
    let fields = if g.props.iter().zip(variants).any(|(p, v)| v.is_some() && p.mapped.is_some()) {
        "index, value, .."
    } else {
        "index, .."
    };
    o.open(format!("qtro::node::ReplicaEvent::PropertyChanged {{ {fields} }} => match index {{"));
    for (p, v) in g.props.iter().zip(variants) {
        let Some(v) = v else { continue };
        if p.mapped.is_some() {
            property_arm(o, g, p, event, v);
        } else {
            o.arm(&p.index.to_string(), &format!("Ok({event}::{v})"));
        }
    }
    o.line("_ => return None,");
    o.close("},");
}

/// The arms of `Signal`: the arguments as the signal's variant.
fn signal_arms(o: &mut Out, g: &ClassGen, event: &str, variants: &[String]) {
    if g.signals.is_empty() {
        return;
    }
    let fields = if g.signals.iter().all(|s| s.params.is_empty()) { "index, .." } else { "index, args, .." };
    o.open(format!("qtro::node::ReplicaEvent::Signal {{ {fields} }} => match index {{"));
    // The declared signals follow the notify signals of the properties.
    let first_signal = g.api6.signals.len() - g.signals.len();
    for (i, (s, v)) in g.signals.iter().zip(variants).enumerate() {
        signal_arm(o, g, first_signal + i, s, &format!("{event}::{v}"));
    }
    o.line("_ => return None,");
    o.close("},");
}

/// The arm of the signal `s` (wire index `index`), converting its arguments to `variant`.
fn signal_arm(o: &mut Out, g: &ClassGen, index: usize, s: &TypedFn, variant: &str) {
    if s.params.is_empty() {
        o.arm(&index.to_string(), &format!("Ok({variant})"));
        return;
    }
    let idents: Vec<String> = s.params.iter().map(|p| p.ident.clone()).collect();
    let args = ["&args".into(), g.member(&s.f.name)];
    o.list_open(&format!("{index} => match qtro::typed::from_args("), &args, ") {", CALL_WIDTH);
    let lit = struct_lit_inline(variant, &idents);
    let pat = format!("Ok({}) => ", tuple(idents.clone()));
    if idents.join(", ").len() <= STRUCT_LIT_WIDTH && o.col() + pat.len() + lit.len() + 5 <= MAX_WIDTH {
        o.line(format!("{pat}Ok({lit}),"));
    } else {
        o.open(format!("{pat}Ok({variant} {{"));
        for id in &idents {
            o.line(format!("{id},"));
        }
        o.close("}),");
    }
    o.line("Err(error) => Err(error),");
    o.close("},");
}
