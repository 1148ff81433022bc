//! The client subcommands: list, describe, get, set, call, watch.

use std::path::Path;
use std::time::Duration;

use qtro_rs::node::EventReceiver;
use serde_json::json;
use tokio::time::Instant;

use qtro_rs::core::classdef::{ClassDefinition, MethodDef};
use qtro_rs::core::names::{member_name, push_slot, signature};
use qtro_rs::core::registry;
use qtro_rs::core::{CallError, ReplicaState, SourceClass, TypeRegistry, Value};
use qtro_rs::node::{parameter_types, Node, NodeConfig, NodeError, Replica, ReplicaEvent};
use qtro_rs::rep::RepFile;
use qtro_rs::text::{self as value, TypeContext};

use super::describe::{self, Description};
use super::error::{CliError, CliResult, Kind};
use super::json;
use super::output::Out;
use super::probe::{self, Target};
use super::{DescribeFormat, Global, RepArgs};

/// A replica of the object, connected and (unless asked otherwise) valid.
pub struct Session {
    /// Owns the connection (the replica keeps it alive too).
    pub _node: Node,
    pub replica: Replica,
    pub target: Target,
    pub ctx: TypeContext,
    pub events: EventReceiver<ReplicaEvent>,
    /// The .rep class of a static acquisition.
    pub static_class: Option<SourceClass>,
}

impl Session {
    pub fn definition(&self) -> ClassDefinition {
        self.replica.definition().unwrap_or_default()
    }

    fn describe_object(&self) -> String {
        format!("{:?} at {}", self.replica.name(), self.target.host_url)
    }
}

/// Reads and parses a .rep file and picks the class: `explicit`, else `name` if the file has
/// such a class, else its only class.
pub fn load_rep(path: &Path, explicit: Option<&str>, name: Option<&str>) -> CliResult<(RepFile, String)> {
    let text =
        std::fs::read_to_string(path).map_err(|e| CliError::other(format!("cannot read {}: {e}", path.display())))?;
    let file = qtro_rs::rep::parse(&text).map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
    let classes: Vec<&str> = file.classes.iter().map(|c| c.name.as_str()).collect();
    let class = if let Some(c) = explicit {
        if !classes.contains(&c) {
            return Err(CliError::usage(format!(
                "{} has no class {c:?} (classes: {})",
                path.display(),
                classes.join(", ")
            )));
        }
        c.to_owned()
    } else if let Some(n) = name.filter(|n| classes.contains(n)) {
        n.to_owned()
    } else if let [only] = classes.as_slice() {
        (*only).to_owned()
    } else if classes.is_empty() {
        return Err(CliError::usage(format!("{} declares no class", path.display())));
    } else {
        return Err(CliError::usage(format!(
            "{} has several classes ({}); pick one with --class",
            path.display(),
            classes.join(", ")
        )));
    };
    Ok((file, class))
}

/// Registers a .rep file's types (see [`qtro_rs::rep::register_types`]).
pub fn register_rep_types(types: &mut TypeRegistry, file: &RepFile) {
    qtro_rs::rep::register_types(file, types);
}

pub fn node_error(e: NodeError, what: &str) -> CliError {
    match e {
        NodeError::UnknownMember { .. } => CliError::unknown_member(e.to_string()),
        NodeError::Call(CallError::NotConnected(_)) | NodeError::Call(CallError::ConnectionLost(_)) => {
            CliError::new(Kind::Unreachable, format!("{what}: {e}"))
        }
        NodeError::Url(_) => CliError::usage(e.to_string()),
        NodeError::Timeout { .. } => CliError::new(Kind::Timeout, e.to_string()),
        NodeError::NotOffered { .. } => CliError::new(Kind::UnknownObject, e.to_string()),
        NodeError::Call(CallError::SignatureMismatch { .. }) => {
            CliError::new(Kind::SignatureMismatch, format!("{what}: {e}"))
        }
        NodeError::Arguments { ref error, .. } if matches!(**error, qtro_rs::core::ArgumentError::Count { .. }) => {
            CliError::new(Kind::SignatureMismatch, format!("{what}: {e}"))
        }
        NodeError::Arguments { .. } | NodeError::PropertyType { .. } => CliError::bad_value(format!("{what}: {e}")),
        other => CliError::other(format!("{what}: {other}")),
    }
}

/// Finds the object, acquires a replica and (with `wait`) waits until it is valid.
pub async fn open(g: &Global, url: &str, name: &str, rep: &RepArgs, wait: bool) -> CliResult<Session> {
    let target = probe::resolve(g, url, name).await?;
    open_target(g, target, name, rep, wait).await
}

/// [`open`] of an object already found.
async fn open_target(g: &Global, target: Target, name: &str, rep: &RepArgs, wait: bool) -> CliResult<Session> {
    let node = Node::with_config(NodeConfig { dialect: target.dialect, ..Default::default() });
    let mut static_class = None;
    let mut ctx = TypeContext::default();
    let replica = match &rep.rep {
        Some(path) => {
            let (file, class_name) = load_rep(path, rep.class.as_deref(), Some(name))?;
            let class = qtro_rs::rep::source_class(&file, &class_name, target.dialect).expect("class checked");
            node.register_types(|t| register_rep_types(t, &file));
            ctx = TypeContext::from_definition(&class.definition);
            ctx.add_rep(&file, file.class(&class_name).expect("class checked"));
            static_class = Some(class.clone());
            node.acquire(name, class)
        }
        None => node.acquire_dynamic(name),
    };
    let events = replica.events();
    node.connect_to(&target.host_url).map_err(|e| node_error(e, "connect"))?;
    let mut s = Session { _node: node, replica, target, ctx, events, static_class };
    if wait {
        wait_valid(&s, g.timeout).await?;
        s.refresh_ctx();
    }
    Ok(s)
}

impl Session {
    /// Learns the types of the (now known) definition.
    fn refresh_ctx(&mut self) {
        if self.static_class.is_none() {
            if let Some(def) = self.replica.definition() {
                self.ctx = TypeContext::from_definition(&def);
            }
        }
    }

    fn mismatch_error(&self) -> CliError {
        let theirs = self.target.info.signature.as_deref().unwrap_or("(none)");
        let ours = self.static_class.as_ref().and_then(|c| c.signature.as_deref()).unwrap_or("(none)");
        CliError::new(
            Kind::SignatureMismatch,
            format!(
                "signature mismatch: {} has signature {theirs}, the .rep class expects {ours}",
                self.describe_object()
            ),
        )
    }
}

async fn wait_valid(s: &Session, timeout: Duration) -> CliResult<()> {
    let deadline = Instant::now() + timeout;
    loop {
        match s.replica.state() {
            ReplicaState::Valid => return Ok(()),
            ReplicaState::SignatureMismatch => return Err(s.mismatch_error()),
            state => {
                if let Some(cause) = s._node.last_protocol_error() {
                    return Err(CliError::new(
                        Kind::Protocol,
                        format!("undecodable data from {}: {cause}", s.describe_object()),
                    ));
                }
                if Instant::now() >= deadline {
                    return Err(CliError::new(
                        Kind::Timeout,
                        format!("{} did not become valid within {timeout:?} (state {state:?})", s.describe_object()),
                    ));
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Gives the connection task time to write what was queued before the program exits (calls
/// without replies and unconfirmed writes have no answer to wait for).
async fn let_output_drain() {
    tokio::time::sleep(Duration::from_millis(200)).await;
}

fn property_index(s: &Session, def: &ClassDefinition, prop: &str) -> CliResult<usize> {
    def.property_index(prop).ok_or_else(|| {
        let names: Vec<&str> = def.properties.iter().map(|p| p.name.as_str()).collect();
        CliError::unknown_member(format!(
            "{} has no property {prop:?} (properties: {})",
            s.describe_object(),
            list_or_none(&names)
        ))
    })
}

fn list_or_none(names: &[&str]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

// ---- list ---------------------------------------------------------------------------------

struct Entry {
    name: String,
    type_name: Option<String>,
    signature: Option<String>,
    url: String,
    from_registry: bool,
    reachable: bool,
    /// An item model: how `list` shows it, and its JSON.
    model: Option<(String, serde_json::Value)>,
}

pub async fn list(g: &Global, out: &Out, url: &str) -> CliResult<()> {
    let (mut conn, info) = probe::connect(url, g.forced_dialect(), g.timeout).await?;
    let mut entries: Vec<Entry> = info
        .objects
        .iter()
        .map(|o| Entry {
            name: o.name.clone(),
            type_name: o.type_name.clone(),
            signature: o.signature.clone(),
            url: url.to_owned(),
            from_registry: false,
            reachable: true,
            model: None,
        })
        .collect();
    if info.is_registry() {
        let table = conn.registry_table(g.timeout).await?;
        drop(conn);
        let mut others: Vec<String> =
            table.iter().map(|l| l.url.clone()).filter(|u| u != url && u != &info.url).collect();
        others.sort();
        others.dedup();
        // Ask every other host for its object list (signatures), all at once.
        let probes: Vec<_> = others
            .into_iter()
            .map(|u| {
                let (forced, timeout) = (g.forced_dialect(), g.timeout);
                tokio::spawn(async move { (u.clone(), probe::connect(&u, forced, timeout).await.map(|(_, i)| i)) })
            })
            .collect();
        let mut hosts = Vec::new();
        for p in probes {
            if let Ok(r) = p.await {
                hosts.push(r);
            }
        }
        for loc in table {
            if let Some(e) = entries.iter_mut().find(|e| e.name == loc.name && e.url == loc.url) {
                e.from_registry = true;
                continue;
            }
            let host = hosts.iter().find(|(u, _)| *u == loc.url).map(|(_, r)| r);
            let (signature, reachable, type_name) = match host {
                Some(Ok(h)) => match h.object(&loc.name) {
                    Some(o) => (o.signature.clone(), true, o.type_name.clone().or(Some(loc.type_name.clone()))),
                    None => (None, true, Some(loc.type_name.clone())),
                },
                Some(Err(_)) => (None, false, Some(loc.type_name.clone())),
                None => (None, true, Some(loc.type_name.clone())),
            };
            entries.push(Entry {
                name: loc.name.clone(),
                type_name,
                signature,
                url: loc.url.clone(),
                from_registry: true,
                reachable,
                model: None,
            });
        }
    }
    // Models: their roles and size, all at once.
    let models: Vec<_> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.reachable && e.type_name.as_deref() == Some(qtro_rs::core::model::ADAPTER_TYPE))
        .map(|(i, e)| {
            let (g, url, name, dialect) = (g.clone(), e.url.clone(), e.name.clone(), info.dialect);
            (i, tokio::spawn(async move { super::model::summary(&g, &url, dialect, &name).await }))
        })
        .collect();
    for (i, task) in models {
        entries[i].model = Some(task.await.ok().flatten().unwrap_or_else(|| ("model".into(), json!({}))));
    }
    entries
        .sort_by(|a, b| (a.name != registry::NAME, &a.name, &a.url).cmp(&(b.name != registry::NAME, &b.name, &b.url)));
    if out.json {
        for e in &entries {
            let mut j = json!({
                "name": e.name, "type": e.type_name.as_deref().filter(|t| !t.is_empty()), "signature": e.signature, "url": e.url,
                "source": if e.from_registry && e.url != url { "registry" } else { "host" },
                "registered": e.from_registry,
            });
            if !e.reachable {
                j["reachable"] = json!(false);
            }
            if let Some((_, m)) = &e.model {
                j["model"] = m.clone();
            }
            out.json_line(&j);
        }
        return Ok(());
    }
    if entries.is_empty() {
        out.warn(&format!("{url} offers no objects"));
        return Ok(());
    }
    let rows: Vec<[String; 5]> = entries
        .iter()
        .map(|e| {
            let mut notes = Vec::new();
            if e.from_registry {
                notes.push("registered");
            }
            if !e.reachable {
                notes.push("unreachable");
            }
            [
                e.name.clone(),
                match &e.model {
                    Some((text, _)) => text.clone(),
                    None => e.type_name.clone().filter(|t| !t.is_empty()).unwrap_or_else(|| "-".into()),
                },
                e.signature.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| "-".into()),
                e.url.clone(),
                notes.join(", "),
            ]
        })
        .collect();
    let header = ["NAME".to_owned(), "TYPE".into(), "SIGNATURE".into(), "URL".into(), String::new()];
    let widths: Vec<usize> =
        (0..5).map(|i| rows.iter().chain([&header]).map(|r| r[i].chars().count()).max().unwrap_or(0)).collect();
    for r in [&header].into_iter().chain(rows.iter()) {
        let line: Vec<String> = (0..5).map(|i| format!("{:w$}", r[i], w = widths[i])).collect();
        out.line(line.join("  ").trim_end());
    }
    Ok(())
}

// ---- describe -----------------------------------------------------------------------------

pub async fn describe(
    g: &Global,
    out: &Out,
    url: &str,
    name: &str,
    format: DescribeFormat,
    rep: &RepArgs,
) -> CliResult<()> {
    let target = probe::resolve(g, url, name).await?;
    if super::model::is_model(&target.info) && rep.rep.is_none() {
        return super::model::describe(g, out, target, name, format).await;
    }
    let s = open_target(g, target, name, rep, true).await?;
    let d = Description {
        name: name.to_owned(),
        url: s.target.host_url.clone(),
        registry: s.target.registry.clone(),
        dialect: s.target.dialect,
        signature: s.target.info.signature.clone(),
        definition: s.definition(),
        values: s.replica.properties().into_iter().map(|(_, v)| v).collect(),
        ctx: s.ctx.clone(),
        dynamic: s.static_class.is_none(),
    };
    match format {
        DescribeFormat::Rep => out.line(describe::render_rep(&d).trim_end()),
        DescribeFormat::Json => out.json_line(&describe::render_json(&d)),
        DescribeFormat::Text if out.json => out.json_line(&describe::render_json(&d)),
        DescribeFormat::Text => out.line(describe::render_text(&d).trim_end()),
    }
    Ok(())
}

// ---- get / set ----------------------------------------------------------------------------

fn property_json(s: &Session, name: &str, ty: &str, v: &Value) -> serde_json::Value {
    json!({"name": name, "type": ty, "value": json::to_json(v, &s.ctx)})
}

pub async fn get(g: &Global, out: &Out, url: &str, name: &str, prop: Option<&str>, rep: &RepArgs) -> CliResult<()> {
    let s = open(g, url, name, rep, true).await?;
    let def = s.definition();
    let props: Vec<usize> = match prop {
        Some(p) => vec![property_index(&s, &def, p)?],
        None => (0..def.properties.len()).collect(),
    };
    let values = s.replica.properties();
    for i in props {
        let p = &def.properties[i];
        let v = values.get(i).map(|(_, v)| v.clone()).unwrap_or(Value::Invalid);
        out.emit(
            || {
                let text = value::format(&v, Some(&p.type_name), &s.ctx);
                if prop.is_some() {
                    text
                } else {
                    format!("{} = {text}", p.name)
                }
            },
            || property_json(&s, &p.name, &p.type_name, &v),
        );
    }
    Ok(())
}

pub async fn set(g: &Global, out: &Out, url: &str, name: &str, prop: &str, text: &str, rep: &RepArgs) -> CliResult<()> {
    let mut s = open(g, url, name, rep, true).await?;
    let def = s.definition();
    let i = property_index(&s, &def, prop)?;
    let p = def.properties[i].clone();
    let lit =
        value::parse_argument(text, &s.ctx).map_err(|e| CliError::bad_value(format!("bad value for {prop}: {e}")))?;
    let new = value::to_value(&lit, Some(&p.type_name), &s.ctx)
        .map_err(|e| CliError::bad_value(format!("bad value for {prop} ({}): {e}", p.type_name)))?;
    let push = push_slot(prop);
    let via_push = def.methods.iter().any(|m| m.signature == signature(&push, &[&p.type_name]));
    while s.events.try_recv().is_ok() {}
    let current = s.replica.property(prop).unwrap_or(Value::Invalid);
    let same = |a: &Value, b: &Value| {
        value::format(a, Some(&p.type_name), &s.ctx) == value::format(b, Some(&p.type_name), &s.ctx)
    };
    let unchanged = same(&current, &new);
    if via_push {
        s.replica.call(&push, vec![new.clone()]).await.map_err(|e| node_error(e, "push"))?;
    } else {
        s.replica.set_property(prop, new.clone()).map_err(|e| node_error(e, "write"))?;
    }
    let confirmed = if unchanged {
        let_output_drain().await;
        current
    } else {
        let deadline = Instant::now() + g.timeout;
        // The change confirms the write only if it is the value requested: a property may also
        // change by itself (READONLY, or set by the source meanwhile).
        let mut other: Option<Value> = None;
        loop {
            match tokio::time::timeout_at(deadline, s.events.recv()).await {
                Ok(Some(ReplicaEvent::PropertyChanged { name: n, value, .. })) if n == prop => {
                    if same(&value, &new) {
                        break value;
                    }
                    other = Some(value);
                }
                Ok(Some(ReplicaEvent::StateChanged { new: st, .. })) if st != ReplicaState::Valid => {
                    return Err(CliError::new(
                        Kind::Unreachable,
                        format!("{} went {st:?} before confirming {prop}", s.describe_object()),
                    ));
                }
                Ok(Some(_)) => continue,
                Ok(None) => return Err(CliError::other("the node stopped")),
                Err(_) => {
                    let how = if via_push { "push" } else { "write" };
                    let message = match &other {
                        Some(v) => format!(
                            "{} did not set {prop} to the requested value within {:?}: it changed to {} instead (is the property read-only?)",
                            s.describe_object(),
                            g.timeout,
                            value::format(v, Some(&p.type_name), &s.ctx)
                        ),
                        None => format!(
                            "{} did not change {prop} within {:?}: the source ignored the {how} (is the property read-only?)",
                            s.describe_object(),
                            g.timeout
                        ),
                    };
                    return Err(CliError::new(Kind::Timeout, message));
                }
            }
        }
    };
    let via = if via_push { "push" } else { "write" };
    out.emit(
        || format!("{prop} = {}", value::format(&confirmed, Some(&p.type_name), &s.ctx)),
        || {
            let mut j = property_json(&s, prop, &p.type_name, &confirmed);
            j["via"] = json!(via);
            j["changed"] = json!(!unchanged);
            j
        },
    );
    Ok(())
}

// ---- call ---------------------------------------------------------------------------------

pub async fn call(
    g: &Global,
    out: &Out,
    url: &str,
    name: &str,
    slot: &str,
    args: &[String],
    rep: &RepArgs,
) -> CliResult<()> {
    let s = open(g, url, name, rep, true).await?;
    let def = s.definition();
    let by_signature = slot.contains('(');
    let candidates: Vec<&MethodDef> = def
        .methods
        .iter()
        .filter(|m| if by_signature { m.signature == slot.replace(' ', "") } else { member_name(&m.signature) == slot })
        .collect();
    if candidates.is_empty() {
        let names: Vec<&str> = def.methods.iter().map(|m| m.signature.as_str()).collect();
        return Err(CliError::unknown_member(format!(
            "{} has no slot {slot:?} (slots: {})",
            s.describe_object(),
            list_or_none(&names)
        )));
    }
    let Some(m) = candidates.iter().find(|m| parameter_types(&m.signature).len() == args.len()) else {
        let sigs: Vec<String> = candidates
            .iter()
            .map(|m| format!("{} takes {}", m.signature, parameter_types(&m.signature).len()))
            .collect();
        return Err(CliError::new(
            Kind::SignatureMismatch,
            format!("signature mismatch: {} argument(s) given, but {}", args.len(), sigs.join(", ")),
        ));
    };
    let types = parameter_types(&m.signature);
    let mut values = Vec::new();
    for (i, (arg, ty)) in args.iter().zip(&types).enumerate() {
        let pname =
            m.parameter_names.get(i).filter(|n| !n.is_empty()).cloned().unwrap_or_else(|| format!("#{}", i + 1));
        let lit = value::parse_argument(arg, &s.ctx)
            .map_err(|e| CliError::bad_value(format!("argument {} ({pname}) of {}: {e}", i + 1, m.signature)))?;
        let v = value::to_value(&lit, Some(ty), &s.ctx)
            .map_err(|e| CliError::bad_value(format!("argument {} ({pname}) of {}: {e}", i + 1, m.signature)))?;
        values.push(v);
    }
    let ret = if m.return_type.is_empty() { "void".to_owned() } else { m.return_type.clone() };
    let void = ret == "void";
    let short = member_name(&m.signature).to_owned();
    let result = tokio::time::timeout(g.timeout, s.replica.call(&short, values)).await;
    let reply = match result {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => return Err(node_error(e, &format!("call of {}", m.signature))),
        Err(_) => {
            return Err(CliError::new(
                Kind::Timeout,
                format!("no reply to {} from {} within {:?}", m.signature, s.describe_object(), g.timeout),
            ))
        }
    };
    if void {
        let_output_drain().await;
        if !out.json {
            return Ok(());
        }
    }
    out.emit(
        || if void { String::new() } else { value::format(&reply, Some(&ret), &s.ctx) },
        || json!({"slot": short, "signature": m.signature, "type": ret, "value": if void { serde_json::Value::Null } else { json::to_json(&reply, &s.ctx) }}),
    );
    Ok(())
}

// ---- watch --------------------------------------------------------------------------------

fn state_name(s: ReplicaState) -> &'static str {
    match s {
        ReplicaState::Uninitialized => "Uninitialized",
        ReplicaState::Default => "Default",
        ReplicaState::Valid => "Valid",
        ReplicaState::Suspect => "Suspect",
        ReplicaState::SignatureMismatch => "SignatureMismatch",
    }
}

pub async fn watch(
    g: &Global,
    out: &Out,
    url: &str,
    name: &str,
    count: Option<u64>,
    duration: Option<Duration>,
    rep: &RepArgs,
) -> CliResult<()> {
    let mut s = open(g, url, name, rep, false).await?;
    let deadline = duration.map(|d| Instant::now() + d);
    let mut printed = 0u64;
    if count == Some(0) {
        return Ok(());
    }
    loop {
        let ev = match deadline {
            Some(d) => match tokio::time::timeout_at(d, s.events.recv()).await {
                Ok(e) => e,
                Err(_) => return Ok(()),
            },
            None => s.events.recv().await,
        };
        let Some(ev) = ev else { return Err(CliError::other("the node stopped")) };
        let def = s.definition();
        match ev {
            ReplicaEvent::StateChanged { old, new } => {
                out.emit(
                    || format!("state {} -> {}", state_name(old), state_name(new)),
                    || json!({"event": "state", "old": state_name(old), "state": state_name(new)}),
                );
                if new == ReplicaState::SignatureMismatch {
                    return Err(s.mismatch_error());
                }
            }
            ReplicaEvent::Initialized => {
                s.refresh_ctx();
                let values = s.replica.properties();
                let ctx = &s.ctx;
                out.emit(
                    || {
                        let items: Vec<String> = values
                            .iter()
                            .zip(&def.properties)
                            .map(|((n, v), p)| format!("{n} = {}", value::format(v, Some(&p.type_name), ctx)))
                            .collect();
                        format!("init {}", items.join(", "))
                    },
                    || {
                        let props: serde_json::Map<String, serde_json::Value> =
                            values.iter().map(|(n, v)| (n.clone(), json::to_json(v, ctx))).collect();
                        json!({"event": "init", "properties": props})
                    },
                );
            }
            ReplicaEvent::PropertyChanged { index, name: prop, value: v } => {
                let ty = def.properties.get(index).map(|p| p.type_name.clone()).unwrap_or_default();
                out.emit(
                    || format!("property {prop} = {}", value::format(&v, Some(&ty), &s.ctx)),
                    || json!({"event": "property", "name": prop, "type": ty, "value": json::to_json(&v, &s.ctx)}),
                );
            }
            ReplicaEvent::Signal { property_index: Some(_), .. } => continue,
            ReplicaEvent::Signal { index, name: sig, args, .. } => {
                let signature = def.signals.get(index).map(|x| x.signature.clone()).unwrap_or_default();
                let types = parameter_types(&signature);
                out.emit(
                    || {
                        let a: Vec<String> = args
                            .iter()
                            .enumerate()
                            .map(|(i, v)| value::format(v, types.get(i).map(String::as_str), &s.ctx))
                            .collect();
                        format!("signal {sig}({})", a.join(", "))
                    },
                    || {
                        json!({"event": "signal", "name": sig, "signature": signature,
                               "args": args.iter().map(|v| json::to_json(v, &s.ctx)).collect::<Vec<_>>()})
                    },
                );
            }
            // Kinds of event added later are not printed yet.
            _ => continue,
        }
        printed += 1;
        if count.is_some_and(|c| printed >= c) {
            return Ok(());
        }
    }
}
