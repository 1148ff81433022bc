//! `qtro serve`: hosts a source for a .rep class, scripted from stdin.
//!
//! Script (one command per line, values in the text syntax, blank lines and `#` comments
//! ignored): `set PROP VALUE`, `get [PROP]`, `emit SIGNAL ARGS...`, `reply SLOT VALUE`, `quit`,
//! `help`. Each command answers with one `ok …` or `error: …` line. End of input keeps the source
//! running (so `qtro serve … &` works); `quit` or a signal stops it.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde_json::json;
use tokio::sync::mpsc;

use qtro_rs::core::names::member_name;
use qtro_rs::core::{MethodKind, SourceClass, Value};
use qtro_rs::node::{parameter_types, Node, NodeConfig, Source, SourceEvent};
use qtro_rs::text::{self as value, TypeContext};

use super::client::{load_rep, node_error, register_rep_types};
use super::error::{CliError, CliResult, Kind};
use super::json;
use super::output::Out;
use super::Global;

pub struct ServeOptions {
    pub rep_file: PathBuf,
    pub url: String,
    pub class: Option<String>,
    pub name: Option<String>,
    pub values: Option<PathBuf>,
    pub sets: Vec<String>,
    pub replies: Vec<String>,
    pub registry: Option<String>,
}

fn prop_type(class: &SourceClass, prop: &str) -> CliResult<(usize, String)> {
    let i = class.property_index(prop).ok_or_else(|| {
        let names: Vec<&str> = class.definition.properties.iter().map(|p| p.name.as_str()).collect();
        CliError::unknown_member(format!("the class has no property {prop:?} (properties: {})", names.join(", ")))
    })?;
    Ok((i, class.definition.properties[i].type_name.clone()))
}

/// Method index and return type of declared slot `name`.
fn slot_of(class: &SourceClass, name: &str) -> CliResult<(usize, String)> {
    class
        .definition
        .methods
        .iter()
        .enumerate()
        .find(|(i, m)| matches!(class.method_kinds[*i], MethodKind::Slot(_)) && member_name(&m.signature) == name)
        .map(|(i, m)| (i, if m.return_type.is_empty() { "void".to_owned() } else { m.return_type.clone() }))
        .ok_or_else(|| {
            let names: Vec<&str> = class
                .definition
                .methods
                .iter()
                .enumerate()
                .filter(|(i, _)| matches!(class.method_kinds[*i], MethodKind::Slot(_)))
                .map(|(_, m)| m.signature.as_str())
                .collect();
            CliError::unknown_member(format!("the class has no slot {name:?} (slots: {})", names.join(", ")))
        })
}

fn convert(text: &str, ty: &str, ctx: &TypeContext, what: &str) -> CliResult<Value> {
    let lit = value::parse_argument(text, ctx).map_err(|e| CliError::bad_value(format!("{what}: {e}")))?;
    value::to_value(&lit, Some(ty), ctx).map_err(|e| CliError::bad_value(format!("{what} ({ty}): {e}")))
}

pub async fn serve(g: &Global, out: &Out, o: ServeOptions) -> CliResult<()> {
    super::probe::check_url(&o.url)?;
    let (file, class_name) = load_rep(&o.rep_file, o.class.as_deref(), None)?;
    let dialect = g.dialect();
    let rep_class = file.class(&class_name).expect("checked").clone();
    let mut class = qtro_rs::rep::source_class(&file, &class_name, dialect).expect("checked");
    let mut ctx = TypeContext::from_definition(&class.definition);
    ctx.add_rep(&file, &rep_class);

    if let Some(path) = &o.values {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::other(format!("cannot read {}: {e}", path.display())))?;
        let j: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| CliError::bad_value(format!("{}: {e}", path.display())))?;
        let obj = j.as_object().ok_or_else(|| {
            CliError::bad_value(format!("{}: expected a JSON object {{\"prop\": value}}", path.display()))
        })?;
        for (k, v) in obj {
            let (i, ty) = prop_type(&class, k)?;
            let lit =
                json::json_to_lit(v, &ctx).map_err(|e| CliError::bad_value(format!("{}: {k}: {e}", path.display())))?;
            class.defaults[i] = value::to_value(&lit, Some(&ty), &ctx)
                .map_err(|e| CliError::bad_value(format!("{}: {k} ({ty}): {e}", path.display())))?;
        }
    }
    for s in &o.sets {
        let (k, v) = s.split_once('=').ok_or_else(|| CliError::usage(format!("--set {s:?}: expected PROP=VALUE")))?;
        let (i, ty) = prop_type(&class, k.trim())?;
        class.defaults[i] = convert(v, &ty, &ctx, &format!("--set {k}"))?;
    }
    let mut replies = HashMap::new();
    for r in &o.replies {
        let (k, v) = r.split_once('=').ok_or_else(|| CliError::usage(format!("--reply {r:?}: expected SLOT=VALUE")))?;
        let (_, ret) = slot_of(&class, k.trim())?;
        replies.insert(k.trim().to_owned(), convert(v, &ret, &ctx, &format!("--reply {k}"))?);
    }
    let replies = Arc::new(Mutex::new(replies));

    let node = Node::with_config(NodeConfig { dialect, ..Default::default() });
    node.register_types(|t| register_rep_types(t, &file));
    let name = o.name.clone().unwrap_or_else(|| class_name.clone());

    // Slot calls: printed, answered with the configured reply or the return type's default.
    let handler = {
        let (class, ctx, out, replies, file, rep_class) =
            (class.clone(), ctx.clone(), out.clone(), replies.clone(), file.clone(), rep_class.clone());
        move |call: qtro_rs::node::SlotCall| {
            let method = class.method_kinds.iter().position(|k| *k == MethodKind::Slot(call.slot)).unwrap_or(0);
            let m = &class.definition.methods[method];
            let ret = if m.return_type.is_empty() { "void".to_owned() } else { m.return_type.clone() };
            let reply = replies
                .lock()
                .unwrap()
                .get(call.name.as_str())
                .cloned()
                .unwrap_or_else(|| qtro_rs::rep::default_value(&file, &rep_class, &ret, None));
            let types = parameter_types(&m.signature);
            out.emit(
                || {
                    let args: Vec<String> = call
                        .args
                        .iter()
                        .enumerate()
                        .map(|(i, a)| value::format(a, types.get(i).map(String::as_str), &ctx))
                        .collect();
                    let mut t = format!("invoked {}({})", call.name, args.join(", "));
                    if ret != "void" {
                        t.push_str(&format!(" -> {}", value::format(&reply, Some(&ret), &ctx)));
                    }
                    t
                },
                || {
                    let mut j = json!({"event": "invoked", "slot": call.name, "signature": m.signature,
                        "args": call.args.iter().map(|a| json::to_json(a, &ctx)).collect::<Vec<_>>(), "types": types});
                    if ret != "void" {
                        j["reply"] = json::to_json(&reply, &ctx);
                        j["replyType"] = json!(ret);
                    }
                    j
                },
            );
            async move { reply }
        }
    };
    let source = node.enable_source(&name, class.clone(), handler).map_err(|e| node_error(e, "enable the source"))?;
    // Subscribed before listening, so no acquisition is missed.
    let mut events = source.events();
    if let Some(r) = &o.registry {
        super::probe::check_url(r)?;
        node.set_registry_url(r).map_err(|e| node_error(e, "registry"))?;
    }
    let bound = node.listen(&o.url).await.map_err(|e| CliError::other(e.to_string()))?;
    let signature = class.signature.clone();
    out.emit(
        || format!("serving {name} (class {class_name}, signature {}) at {bound}", signature.as_deref().unwrap_or("-")),
        || json!({"event": "ready", "name": name, "class": class_name, "signature": signature, "url": bound, "dialect": super::dialect_name(dialect)}),
    );

    // Source events.
    {
        let (out, ctx, class) = (out.clone(), ctx.clone(), class.clone());
        tokio::spawn(async move {
            while let Some(e) = events.recv().await {
                match e {
                    SourceEvent::Acquired { conn, dynamic } => out.emit(
                        || format!("acquired by connection {conn} ({})", if dynamic { "dynamic" } else { "static" }),
                        || json!({"event": "acquired", "conn": conn, "dynamic": dynamic}),
                    ),
                    SourceEvent::Released { conn } => out.emit(
                        || format!("released by connection {conn}"),
                        || json!({"event": "released", "conn": conn}),
                    ),
                    SourceEvent::PropertyWritten { index, name, value: v } => {
                        let ty =
                            class.definition.properties.get(index).map(|p| p.type_name.clone()).unwrap_or_default();
                        out.emit(
                            || format!("written {name} = {}", value::format(&v, Some(&ty), &ctx)),
                            || json!({"event": "written", "name": name, "type": ty, "value": json::to_json(&v, &ctx)}),
                        )
                    }
                    // Kinds of event added later are not printed yet.
                    _ => {}
                }
            }
        });
    }

    let mut rx = stdin_lines();
    let script = Script { source, class, ctx, replies, out: out.clone(), file, rep_class };
    while let Some(line) = rx.recv().await {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (cmd, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        if cmd == "quit" {
            out.emit(|| "ok quit".into(), || json!({"event": "ok", "cmd": "quit"}));
            node.shutdown();
            return Ok(());
        }
        if let Err(e) = script.run(cmd, rest.trim()) {
            out.emit(
                || format!("error: {cmd}: {}", e.message),
                || json!({"event": "error", "cmd": cmd, "message": e.message, "code": e.kind.name()}),
            );
        }
    }
    // End of input: keep serving until interrupted.
    std::future::pending::<()>().await;
    Ok(())
}

struct Script {
    source: Source,
    class: SourceClass,
    ctx: TypeContext,
    replies: Arc<Mutex<HashMap<String, Value>>>,
    out: Out,
    file: qtro_rs::rep::RepFile,
    rep_class: qtro_rs::rep::Class,
}

impl Script {
    fn run(&self, cmd: &str, rest: &str) -> CliResult<()> {
        let (first, args) = rest.split_once(char::is_whitespace).map(|(a, b)| (a, b.trim())).unwrap_or((rest, ""));
        match cmd {
            "set" => {
                if first.is_empty() || args.is_empty() {
                    return Err(CliError::usage("usage: set PROP VALUE"));
                }
                let (_, ty) = prop_type(&self.class, first)?;
                let v = convert(args, &ty, &self.ctx, first)?;
                let changed = self.source.set_property(first, v).map_err(|e| node_error(e, "set"))?;
                let now = self.source.property(first).unwrap_or(Value::Invalid);
                self.out.emit(
                    || format!("ok set {first} = {}{}", value::format(&now, Some(&ty), &self.ctx), if changed { "" } else { " (unchanged)" }),
                    || json!({"event": "ok", "cmd": "set", "name": first, "type": ty, "value": json::to_json(&now, &self.ctx), "changed": changed}),
                );
            }
            "get" => {
                let props: Vec<(String, String)> = if first.is_empty() {
                    self.class.definition.properties.iter().map(|p| (p.name.clone(), p.type_name.clone())).collect()
                } else {
                    vec![(first.to_owned(), prop_type(&self.class, first)?.1)]
                };
                for (p, ty) in props {
                    let v = self.source.property(&p).unwrap_or(Value::Invalid);
                    self.out.emit(
                        || format!("ok get {p} = {}", value::format(&v, Some(&ty), &self.ctx)),
                        || json!({"event": "ok", "cmd": "get", "name": p, "type": ty, "value": json::to_json(&v, &self.ctx)}),
                    );
                }
            }
            "emit" => {
                if first.is_empty() {
                    return Err(CliError::usage("usage: emit SIGNAL ARGS..."));
                }
                let index = self.class.signal_index(first).ok_or_else(|| {
                    let first_declared = self.class.definition.signals.len() - self.class.signal_params.len();
                    let names: Vec<&str> = self.class.definition.signals[first_declared..].iter().map(|s| s.signature.as_str()).collect();
                    CliError::unknown_member(format!("the class has no signal {first:?} (signals: {})", names.join(", ")))
                })?;
                let signature = self.class.definition.signals[index].signature.clone();
                let types = parameter_types(&signature);
                let lits = value::parse_many(args, &self.ctx).map_err(|e| CliError::bad_value(e.to_string()))?;
                if lits.len() != types.len() {
                    return Err(CliError::new(Kind::SignatureMismatch, format!("{signature} takes {} argument(s), {} given", types.len(), lits.len())));
                }
                let values = lits
                    .iter()
                    .zip(&types)
                    .enumerate()
                    .map(|(i, (l, t))| value::to_value(l, Some(t), &self.ctx).map_err(|e| CliError::bad_value(format!("argument {} of {signature}: {e}", i + 1))))
                    .collect::<CliResult<Vec<_>>>()?;
                self.source.emit(first, values.clone()).map_err(|e| node_error(e, "emit"))?;
                self.out.emit(
                    || {
                        let a: Vec<String> = values.iter().zip(&types).map(|(v, t)| value::format(v, Some(t), &self.ctx)).collect();
                        format!("ok emit {first}({})", a.join(", "))
                    },
                    || json!({"event": "ok", "cmd": "emit", "signal": signature, "args": values.iter().map(|v| json::to_json(v, &self.ctx)).collect::<Vec<_>>()}),
                );
            }
            "reply" => {
                if first.is_empty() || args.is_empty() {
                    return Err(CliError::usage("usage: reply SLOT VALUE"));
                }
                let (_, ret) = slot_of(&self.class, first)?;
                let v = if args == "default" { qtro_rs::rep::default_value(&self.file, &self.rep_class, &ret, None) } else { convert(args, &ret, &self.ctx, first)? };
                self.replies.lock().unwrap().insert(first.to_owned(), v.clone());
                self.out.emit(
                    || format!("ok reply {first} = {}", value::format(&v, Some(&ret), &self.ctx)),
                    || json!({"event": "ok", "cmd": "reply", "slot": first, "value": json::to_json(&v, &self.ctx)}),
                );
            }
            "help" => self.out.emit(
                || "ok commands: set PROP VALUE | get [PROP] | emit SIGNAL ARGS... | reply SLOT VALUE|default | quit".into(),
                || json!({"event": "ok", "cmd": "help", "commands": ["set PROP VALUE", "get [PROP]", "emit SIGNAL ARGS...", "reply SLOT VALUE", "quit"]}),
            ),
            other => return Err(CliError::usage(format!("unknown command {other:?} (try help)"))),
        }
        Ok(())
    }
}

/// The lines of stdin (without their line ends), read on a thread of their own: the runtime has
/// no async stdin. The channel closes at end of input.
pub(crate) fn stdin_lines() -> mpsc::UnboundedReceiver<String> {
    let (tx, rx) = mpsc::unbounded_channel::<String>();
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        let mut line = String::new();
        loop {
            line.clear();
            match stdin.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {
                    if tx.send(line.trim_end_matches(['\n', '\r']).to_owned()).is_err() {
                        return;
                    }
                }
            }
        }
    });
    rx
}
